"""Where the estimators' arrays live: scikit-learn's array API dispatch.

With ``sklearn.set_config(array_api_dispatch=True)`` a dense ``X`` of any
array-API namespace (array-api-strict, PyTorch, CuPy ...) is trained and
predicted in that namespace, on its device: :func:`input_ops` gives the
core's :class:`ArrayOps` for it. NumPy input -- and any input with dispatch
off, or sparse input -- takes the NumPy path unchanged.

Labels are bookkeeping, not arithmetic: ``classes_``, the encoding of ``y``
and the class weights are worked out on the host, then moved to the device.
"""

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils import assert_all_finite
from sklearn.utils._array_api import (
    _is_numpy_namespace,
    get_namespace_and_device,
    move_to,
)

from ._core._array import ArrayOps, to_numpy

_NUMPY = ArrayOps()  # stateless: one instance serves every NumPy model


def input_ops(X):
    """The core's ``ArrayOps`` for the namespace and device of ``X``."""
    if isinstance(X, np.ndarray) or sp.issparse(X):
        return _NUMPY
    xp, is_array_api, device = get_namespace_and_device(X)
    if not is_array_api or _is_numpy_namespace(xp):
        return _NUMPY
    return ArrayOps(xp, device)


def fitted_ops(est):
    """The ``ArrayOps`` of a fitted model (its weights' namespace and device)."""
    return input_ops(est.coefs_[0])


def float_dtypes(ops):
    """The dtypes ``validate_data`` accepts, in the namespace of ``ops``."""
    if ops.numpy:
        return (np.float64, np.float32)
    return (ops.xp.float64, ops.xp.float32)


def assert_finite(X, estimator):
    """Raise scikit-learn's error ("Input X contains NaN" ...) unless every
    value of the validated ``X`` is finite.

    A dense NumPy ``X``'s row sums are finite when its values are (NaN and
    infinity propagate through a sum): they are taken by the BLAS, a
    matrix-vector product with ones, which reads ``X`` once on the threads the
    BLAS may use (scikit-learn's own check sums on one thread: on the
    benchmark's 60 000 x 784 float64 data 21 ms, against 17 with one BLAS
    thread and 12 with two). Only when a sum is not finite -- a non-finite
    value, or finite values whose sum overflows -- does scikit-learn's check
    run, to decide and to word the error. Other input (sparse, other array
    libraries) goes to scikit-learn's check directly. Under scikit-learn's
    ``assume_finite=True`` (``sklearn.set_config`` or ``config_context``)
    nothing is read, as scikit-learn's estimators read nothing there.
    """
    if get_config()["assume_finite"]:
        return
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind == "f":
        if np.isfinite(X @ np.ones(X.shape[1], X.dtype)).all():
            return
    assert_all_finite(X, input_name="X", estimator_name=type(estimator).__name__)


def follow(ops, *arrays):
    """``arrays`` (None allowed) moved to the namespace and device of ``ops``.

    Labels no array library but NumPy can hold (strings, objects) stay on the
    host: they are bookkeeping, and ``classes_`` keeps them there.
    """
    if not ops.numpy:
        arrays = tuple(_follow(ops, a) for a in arrays)
    return arrays if len(arrays) > 1 else arrays[0]


def _follow(ops, a):
    if a is None:
        return None
    if not (isinstance(a, np.ndarray) or hasattr(a, "__array_namespace__")):
        a = np.asarray(a)  # a list, a pandas Series ...: NumPy reads it
    if isinstance(a, np.ndarray) and a.dtype.kind not in "biufc":
        return a
    return move_to(a, xp=ops.xp, device=ops.device)


def host(a):
    """A NumPy array of ``a`` (None stays None), wherever ``a`` lives."""
    if a is None or isinstance(a, np.ndarray) or sp.issparse(a):
        return a
    return to_numpy(a)


def host_dtype(ops, dtype):
    """The NumPy dtype matching ``dtype`` of ``ops``'s namespace."""
    if ops.numpy:
        return np.dtype(dtype)
    return np.dtype(np.float32) if dtype == ops.xp.float32 else np.dtype(np.float64)


def on_device(ops, a, dtype=None):
    """Host array ``a`` on the device of ``ops`` (NumPy: itself)."""
    if a is None or ops.numpy:
        return a
    return ops.asarray(a, dtype=dtype)
