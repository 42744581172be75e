"""What the core's tests ask of a backend (the ``backend`` fixture is in conftest)."""

import importlib

import pytest

from skmlp._core.backends import NumpyBackend


def _numba_importable():
    try:
        importlib.import_module("numba")
    except Exception:  # not installed, or installed but broken
        return False
    return True


NUMBA = _numba_importable()
needs_numba = pytest.mark.skipif(
    not NUMBA,
    reason="numba cannot be imported (skmlp's 'fast' extra): no compiled kernels",
)


def numpy_arithmetic(backend):
    """True where ``backend`` computes with NumPy's own expressions (SciPy's
    ``expit``, boolean masks, ``out=``): the NumPy and numba backends, not the
    generic array-API formulas."""
    return isinstance(backend, NumpyBackend)


def in_place(backend):
    """True where ``backend`` writes results into the buffers it is given."""
    return isinstance(backend, NumpyBackend)
