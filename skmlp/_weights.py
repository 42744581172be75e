"""Sample weights times class weights: the w of every loss and of B."""

from numbers import Number

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.class_weight import compute_class_weight


def sample_weights(est, sample_weight, X, y):
    """``sample_weight`` times ``class_weight`` per sample, or None when both are.

    The result is in X's dtype (the caller's array is never written to); a
    ValueError when the weights sum to zero or name unknown classes.
    """
    if sample_weight is None and est.class_weight is None:
        return None
    if sample_weight is None:
        sample_weight = np.ones(X.shape[0], dtype=X.dtype)
    else:
        sample_weight = check_weights(sample_weight, X.shape[0], X.dtype)
    if est.class_weight is not None:
        per_class = class_weights(est, y, sample_weight)
        sample_weight = sample_weight * per_class[
            np.searchsorted(est.classes_, y)
        ].astype(X.dtype)
    if not sample_weight.sum() > 0:
        raise ValueError(
            "sample_weight (times class_weight) sums to zero: there is nothing to fit."
        )
    return sample_weight


def class_weights(est, y, sample_weight):
    """One weight per class of ``est.classes_``, from ``est.class_weight``."""
    if isinstance(est.class_weight, dict):
        known = set(est.classes_.tolist())
        unknown = [c for c in est.class_weight if c not in known]
        if unknown:
            raise ValueError(
                f"The 'class_weight' parameter of {type(est).__name__} has "
                f"labels that are not classes of y: {unknown}; classes_ is "
                f"{est.classes_.tolist()}."
            )
    # 'balanced' counts the samples by weight, so that a weight of 2 and a
    # repeated row give the same class weights
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = compute_class_weight(
            est.class_weight, classes=est.classes_, y=y, sample_weight=sample_weight
        )
    # a class whose samples all weigh 0 has nothing to balance
    return np.where(np.isfinite(per_class), per_class, 0.0)


def check_weights(sample_weight, n_samples, dtype, names=("sample_weight", "X")):
    """``sample_weight`` (host, a scalar or one weight per row) checked, in ``dtype``.

    ``names`` are the weights' argument and the data's (``("sample_weight_val",
    "X_val")`` for the validation set): every message names them, where
    scikit-learn's ``_check_sample_weight`` says "sample_weight" or "Sample
    weights" whatever it was given. Finite, >= 0 and not all zero.
    """
    name, x_name = names
    if isinstance(sample_weight, Number):
        sample_weight = np.full(n_samples, sample_weight)
    w = check_array(
        sample_weight,
        accept_sparse=False,
        ensure_2d=False,
        ensure_min_samples=0,
        dtype=dtype,
        order="C",
        input_name=name,
    )
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(
            f"{name} must hold one weight per row of {x_name}, shape "
            f"({n_samples},); got shape {w.shape}."
        )
    if n_samples and w.min() < 0:
        raise ValueError(
            f"Negative values in {name}: weights must be >= 0; got "
            f"{w.min().item()} at row {int(np.argmin(w))}."
        )
    if not w.any():
        raise ValueError(
            f"{name} must contain at least one non-zero weight: all {n_samples} "
            "are zero, which leaves nothing to fit or to score."
        )
    return w
