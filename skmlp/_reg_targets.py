"""Regression targets: y checked, made the network's target matrix Y, scored.

The regressor's counterpart of ``_targets`` and ``_classes``. ``y`` holds real
numbers, shape (n_samples,) or (n_samples, n_outputs); ``Y`` is always 2-d,
one column per output unit, in the network's dtype. Every check runs before
any weight is allocated and names the argument at fault.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import r2_score
from sklearn.utils import assert_all_finite, column_or_1d

from . import _placement
from ._core.regression import make_regression_head
from ._sample_weights import check_weights


def n_outputs(y):
    """The number of outputs of a 1-d or 2-d target."""
    return 1 if y.ndim == 1 else y.shape[1]


def check(est, y, arg, fitted_outputs=None):
    """``y`` (host) as floating-point values, or an error naming ``arg``.

    Numbers only (a ValueError for strings, dates, sparse y), finite,
    non-negative for the Poisson loss, and, when ``fitted_outputs`` is given
    (partial_fit, warm_start, y_val), with that many outputs.
    """
    name = type(est).__name__
    y = _numbers(name, y, arg)
    assert_all_finite(y, input_name=arg, estimator_name=name)
    if est.loss == "poisson" and y.size and y.min() < 0:
        raise ValueError(
            f"{name} with loss='poisson' needs {arg} >= 0 (counts or rates: the "
            f"log link predicts exp(z) > 0); {arg} has negative values, the "
            f"smallest {float(y.min())!r}. Use loss='squared_error' for signed targets."
        )
    if fitted_outputs is not None and n_outputs(y) != fitted_outputs:
        raise ValueError(
            f"{name}: {arg} has {n_outputs(y)} output(s) (columns); the model "
            f"was fitted on {fitted_outputs}. Pass {arg} with {fitted_outputs} "
            "output(s), or refit from scratch (warm_start=False) to change them."
        )
    return y


def _numbers(name, y, arg):
    if sp.issparse(y):
        raise ValueError(
            f"{name} needs a dense {arg}; got a sparse matrix. Pass {arg}.toarray()."
        )
    if y.dtype.kind in "biuf":
        return y
    if y.dtype.kind == "O":
        try:  # pandas object columns of numbers, as MLPRegressor (y_numeric)
            return y.astype(np.float64)
        except (TypeError, ValueError):
            pass
    raise ValueError(
        f"{name} needs numeric targets: {arg} must hold real numbers, got "
        f"dtype {y.dtype} (e.g. {y.ravel()[:1].tolist()!r}). For class labels "
        "use ScratchMLPClassifier."
    )


def values(y, dtype):
    """(y, Y): the targets in ``dtype`` as given (1-d or 2-d), and as the
    2-d C-contiguous matrix the network trains on."""
    y = np.asarray(y, dtype=dtype)
    return y, np.ascontiguousarray(y.reshape(y.shape[0], -1))


def validation_values(est, y_val, dtype):
    """(y_val, Y_val) of a validation set given to ``fit``, checked as y."""
    if y_val.ndim == 2 and y_val.shape[1] == 1:
        y_val = column_or_1d(y_val, warn=True)
    return values(check(est, y_val, "y_val", est.n_outputs_), dtype)


def sample_weights(sample_weight, n_samples, dtype):
    """``sample_weight`` (host) checked as the classifiers check it (finite,
    >= 0, not all zero), in ``dtype``; or None."""
    if sample_weight is None:
        return None
    return check_weights(sample_weight, n_samples, dtype)


def r2(est, Z, validation):
    """MLPRegressor's early-stopping score: R^2 of the predictions from the
    output layer's ``Z``, on the host; NaN when a prediction is not finite."""
    head = make_regression_head(est.out_activation_)
    y_pred = head.predict(np.array(_placement.host(Z), copy=True))
    if not np.isfinite(y_pred).all():
        return np.nan
    y_pred = y_pred[:, 0] if y_pred.shape[1] == 1 else y_pred
    w = _placement.host(validation.sample_weight)
    return float(r2_score(validation.y, y_pred, sample_weight=w))
