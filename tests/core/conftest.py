"""The array backend every core test runs on.

A test that asks for ``backend`` runs once per backend of the core
(``skmlp._core.backends``):

- ``numpy``: :class:`NumpyBackend`, results written into buffers (``out=``),
  the update rules block by block through a scratch buffer;
- ``numba``: :class:`NumbaBackend`, NumPy's with the compiled kernels of the
  ``fast`` extra; skipped, with the reason, where numba cannot be imported;
- ``array-api``: :class:`ArrayBackend` over scikit-learn's vendored
  ``array_api_compat.numpy``, the array-API wrapper of NumPy: its arrays are
  still ``np.ndarray`` (the tests need no conversion), but every operation
  takes the generic formulas (new arrays, no ``out=``, its own logistic
  function instead of SciPy's ``expit``, float masks).

The backend is given to the pieces under test as their constructors take it;
no test patches module state to choose a path. The fixture is session-scoped
(backends hold no state), so that Hypothesis tests may use it.
"""

import pytest
from sklearn.externals.array_api_compat import numpy as array_api_numpy

from skmlp._core.backends import ArrayBackend, NumbaBackend, NumpyBackend

from ._backends import needs_numba

BACKENDS = [
    pytest.param(NumpyBackend(), id="numpy"),
    pytest.param(NumbaBackend(), id="numba", marks=needs_numba),
    pytest.param(ArrayBackend(array_api_numpy), id="array-api"),
]


@pytest.fixture(params=BACKENDS, scope="session")
def backend(request):
    """Each backend of the core in turn: NumPy, NumPy with numba, the array API."""
    return request.param
