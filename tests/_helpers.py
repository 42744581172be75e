"""Data, estimator lists and weight comparisons shared by the estimator tests.

Import from the test modules as ``from _helpers import ...`` (``tests/`` is on
``sys.path`` under pytest's default import mode). The ``Est`` fixture in
``conftest.py`` runs a test once per estimator class.

The only place the tests read or write the estimators' private state is the
"private state" section at the end: when the estimators' internals change,
that section is the one to update.
"""

import warnings

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchLogisticNet, ScratchMLPClassifier

ESTIMATORS = [ScratchMLPClassifier, ScratchLogisticNet]
STOCHASTIC = ["sgd", "adam", "adagrad", "rmsprop"]
SOLVERS = [*STOCHASTIC, "lbfgs"]


def classification(
    n_samples=120,
    n_features=6,
    n_informative=4,
    n_redundant=0,
    n_classes=3,
    scale=True,
    random_state=0,
    **kwargs,
):
    """``make_classification`` with this suite's defaults, standardised if ``scale``.

    The defaults differ from scikit-learn's (``n_redundant=0``, 3 classes,
    scaled): pass ``n_redundant=2, scale=False`` for its own.
    """
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=n_redundant,
        n_classes=n_classes,
        random_state=random_state,
        **kwargs,
    )
    return (StandardScaler().fit_transform(X) if scale else X), y


def fit_quietly(est, X, y, **fit_params):
    """``est.fit(X, y, ...)`` with ``ConvergenceWarning`` silenced; returns ``est``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **fit_params)


def weights(est):
    """The fitted parameters, weight matrices first: ``coefs_ + intercepts_``."""
    return [*est.coefs_, *est.intercepts_]


def assert_same_weights(a, b):
    """Two fitted models hold the same parameters, bit for bit and in dtype."""
    assert len(a.coefs_) == len(b.coefs_)
    for W_a, W_b in zip(weights(a), weights(b), strict=True):
        assert_array_equal(W_a, W_b)
        assert W_a.dtype == W_b.dtype


def assert_close_weights(a, b, **tol):
    """Two fitted models hold the same parameters to ``assert_allclose``'s ``tol``."""
    for W_a, W_b in zip(weights(a), weights(b), strict=True):
        assert_allclose(W_a, W_b, **tol)


def max_weight_difference(a, b):
    """The largest absolute difference between the parameters of two models."""
    return max(
        float(np.abs(u - v).max()) for u, v in zip(weights(a), weights(b), strict=True)
    )


# Settings under which training runs the same however it is split into calls:
# shuffle=False, so every variant sees the same batches in the same order;
# tol=0 and a large n_iter_no_change, so no variant stops early.
CONTINUE = dict(
    hidden_layer_sizes=(8,),
    shuffle=False,
    tol=0.0,
    n_iter_no_change=10_000,
    batch_size=40,
    learning_rate_init=0.05,
    random_state=0,
)


def three_ways(Est, X, y, **params):
    """The same three epochs three ways, under ``CONTINUE``: (one fit with
    max_iter=3, three partial_fit calls, three warm_start fits of one epoch)."""
    params = {**CONTINUE, **params}
    classes = np.unique(host_labels(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        at_once = Est(max_iter=3, **params).fit(X, y)
        partial = Est(**params)
        for _ in range(3):
            partial.partial_fit(X, y, classes=classes)
        warm = Est(max_iter=1, warm_start=True, **params)
        for _ in range(3):
            warm.fit(X, y)
    return at_once, partial, warm


def host_labels(y):
    """``y`` as a NumPy array (a PyTorch tensor is brought to the host)."""
    return y.cpu().numpy() if hasattr(y, "cpu") else np.asarray(y)


# -- private state --------------------------------------------------------------
# Every test that reaches into the estimators' private attributes goes through
# these two functions.


def optimizer_steps(est):
    """How many optimizer steps the fitted ``est`` has taken over all its fits."""
    return est._fit_state["optimizer"]["steps"]


def forget_optimizer_state(est):
    """Drop ``est``'s stored optimizer state, as a restarted optimizer would."""
    if "_fit_state" in vars(est):  # nothing stored before the first fit
        est._fit_state["optimizer"] = None
