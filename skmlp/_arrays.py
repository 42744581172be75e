"""Where the estimators' arrays live: the backend of the input, chosen once.

With ``sklearn.set_config(array_api_dispatch=True)`` a dense ``X`` of any
array-API namespace (array-api-strict, PyTorch, CuPy ...) is trained and
predicted in that namespace, on its device: :func:`input_backend` gives the
core's backend for it. NumPy input -- and any input with dispatch off, or
sparse input -- gets NumPy's backend, with the compiled kernels unless
``skmlp.config_context(fast=False)``.

Labels are bookkeeping, not arithmetic: ``classes_``, the encoding of ``y``
and the class weights are worked out on the host, then moved to the device.
"""

import functools

import numpy as np
import scipy.sparse as sp
from sklearn.utils import assert_all_finite
from sklearn.utils._array_api import (
    _is_numpy_namespace,
    _is_xp_namespace,
    get_namespace_and_device,
    move_to,
)
from sklearn.utils.validation import validate_data

from ._config import _config
from ._core.backends import ArrayBackend, NumpyBackend, TorchBackend, numpy_backend


def input_backend(X):
    """The core's backend for the namespace and device of ``X``."""
    if isinstance(X, np.ndarray) or sp.issparse(X):
        return numpy_backend(_config()["fast"])
    xp, is_array_api, device = get_namespace_and_device(X)
    if not is_array_api or _is_numpy_namespace(xp):
        return numpy_backend(_config()["fast"])
    to_numpy = functools.partial(move_to, xp=np, device="cpu")
    kind = TorchBackend if _is_xp_namespace(xp, "torch") else ArrayBackend
    return kind(xp, device, to_numpy)


def fitted_backend(est):
    """The backend of a fitted model (its weights' namespace and device)."""
    return input_backend(est.coefs_[0])


def prediction_input(est, X, backend):
    """``X`` validated for prediction, as ``validate_data(reset=False)`` would.

    A NumPy float array of 2 dimensions, not empty, is what
    ``check_array`` would return as it is: for it only the checks that can
    fail run (feature names and count, then finiteness), which halves the
    time of a single-row prediction. Anything else takes the full path.
    """
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.shape[0] > 0
        and X.shape[1] > 0
        and X.dtype in _FLOAT_DTYPES
    ):
        validate_data(est, X, reset=False, skip_check_array=True)
        assert_all_finite(X, estimator_name=type(est).__name__, input_name="X")
        return X
    accept_sparse, dtype = ("csr", "csc"), float_dtypes(backend)
    return validate_data(est, X, reset=False, accept_sparse=accept_sparse, dtype=dtype)


_FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def float_dtypes(backend):
    """The dtypes ``validate_data`` accepts, in the namespace of ``backend``."""
    return (backend.xp.float64, backend.xp.float32)


def follow(backend, *arrays):
    """``arrays`` (None allowed) moved to the namespace and device of ``backend``.

    Labels no array library but NumPy can hold (strings, objects) stay on the
    host: they are bookkeeping, and ``classes_`` keeps them there.
    """
    if not isinstance(backend, NumpyBackend):  # NumPy's validation reads the rest
        arrays = tuple(_follow(backend, a) for a in arrays)
    return arrays if len(arrays) > 1 else arrays[0]


def _follow(backend, a):
    if a is None:
        return a
    if not (isinstance(a, np.ndarray) or hasattr(a, "__array_namespace__")):
        a = np.asarray(a)  # a list, a pandas Series ...: NumPy reads it
    if isinstance(a, np.ndarray) and a.dtype.kind not in "biufc":
        return a
    return move_to(a, xp=backend.xp, device=backend.device)


def host(a):
    """A NumPy array of ``a`` (None stays None), wherever ``a`` lives."""
    if a is None or isinstance(a, np.ndarray) or sp.issparse(a):
        return a
    return move_to(a, xp=np, device="cpu")


def host_dtype(backend, dtype):
    """The NumPy dtype of a floating ``dtype`` of ``backend``'s namespace."""
    return np.dtype(np.float32) if "float32" in str(dtype) else np.dtype(np.float64)


def on_device(backend, a, dtype=None):
    """Host array ``a`` on the device of ``backend`` (NumPy: itself)."""
    if a is None:
        return a
    return backend.asarray(a, dtype=dtype)
