"""Fixtures shared by every test directory, and the Hypothesis profiles.

``Est`` runs a test once per estimator class; the data, estimator lists and
weight comparisons the estimator tests share are in ``_helpers.py``.

Profiles (select with the environment variable ``HYPOTHESIS_PROFILE``):

- ``ci`` (default): derandomised, no deadline, 30 examples -- reproducible runs
  on slow, shared machines (numpy's conftest does the same);
- ``dev``: random examples, 100 of them, to hunt for new counter-examples;
- ``quick``: 5 examples, for a fast edit-test loop.
"""

import os

import numpy as np
import pytest
from _helpers import ESTIMATORS
from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=30)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("quick", deadline=None, derandomize=True, max_examples=5)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=ESTIMATORS, ids=lambda Est: Est.__name__)
def Est(request):
    """Each estimator class in turn: a test asking for ``Est`` runs for both."""
    return request.param


@pytest.fixture
def rng():
    """A fresh ``numpy.random.Generator`` seeded with 0 for every test."""
    return np.random.default_rng(0)
