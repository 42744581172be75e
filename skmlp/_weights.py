"""Sample weights times class weights: the w of every loss and of B."""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight


def sample_weights(est, sample_weight, X, y):
    """``sample_weight`` times ``class_weight`` per sample, or None when both are.

    The result is a new array in X's dtype (the caller's is never written to);
    a ValueError when the weights sum to zero or name unknown classes.
    """
    if sample_weight is None and est.class_weight is None:
        return None
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True
    )
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
