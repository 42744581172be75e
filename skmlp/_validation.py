"""The validation set of the stochastic solvers: given (X_val) or split off.

It feeds early stopping, ``validation_scores_`` and
``validation_loss_curve_``. The score watched is the estimator's own rule
(``_validation_score``: accuracy for the classifiers, R^2 for the regressor,
as scikit-learn's MLPs), ``'loss'`` (minus the validation loss) or any
scikit-learn scorer. The estimator's hooks ``_stratify`` and
``_validation_targets`` say how to split and how to encode ``y_val``.
"""

import numpy as np
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight, validate_data

from . import _arrays
from ._core.losses import batch_weight
from ._core.training import DataSet


def scorer_of(est):
    """The scorer early stopping watches: None (accuracy), 'loss' or a scorer."""
    if est.scoring is None or est.scoring == "loss":
        return est.scoring
    return check_scoring(est, scoring=est.scoring)


def split(est, data, given, random_state, ops):
    """(training DataSet, validation DataSet or None).

    ``given`` is ``(X_val, y_val, sample_weight_val)`` as the user gave them, or
    None; without it, ``early_stopping`` splits ``validation_fraction`` off
    the training data (stratified for single-label targets). The split is
    drawn on the host, the same for every array library.
    """
    if given is not None:
        return data, _given(est, ops, data.X.dtype, *given)
    if not est.early_stopping:
        return data, None
    # stratified or not as the estimator says (the classifiers: on the rows
    # of the boolean target, as MLPClassifier); train_test_split's error for
    # a class too small to split is MLPClassifier's, with the labels added
    stratify = est._stratify(data)
    try:
        parts = train_test_split(
            np.arange(data.X.shape[0]),
            random_state=random_state,
            test_size=est.validation_fraction,
            stratify=stratify,
        )
    except ValueError as exc:
        _explain_small_class(exc, data.y)
    train, validation = (_rows(data, index, ops) for index in parts)
    _check_split(train, validation, ops)
    return train, validation


def _rows(data, index, ops):
    """The rows ``index`` (host integers) of ``data``, on its device."""
    if ops.numpy:
        w = None if data.sample_weight is None else data.sample_weight[index]
        return DataSet(data.X[index], data.Y[index], w, data.y[index])
    xp, index_on_device = ops.xp, ops.asarray(index)

    def take(a):
        return None if a is None else xp.take(a, index_on_device, axis=0)

    return DataSet(take(data.X), take(data.Y), take(data.sample_weight), data.y[index])


def _explain_small_class(exc, y):
    """Re-raise train_test_split's error, adding the classes of y it is about."""
    if not str(exc).startswith("The least populated class"):
        raise exc
    labels, counts = np.unique(y, return_counts=True)
    raise ValueError(
        f"{exc} (Those are rows of the one-hot target; the classes of y "
        f"with fewer than 2 samples are: {labels[counts < 2].tolist()}. "
        "early_stopping holds out a stratified validation_fraction of the "
        "data: give every class at least 2 samples, or pass X_val and "
        "y_val.)"
    ) from exc


def _given(est, ops, dtype, X_val, y_val, sample_weight_val):
    X_val, y_val, sample_weight_val = _arrays.follow(
        ops, X_val, y_val, sample_weight_val
    )
    X_val, y_val = validate_data(
        est,
        X_val,
        y_val,
        accept_sparse=("csr", "csc"),
        dtype=_arrays.float_dtypes(ops),
        multi_output=True,
        reset=False,
    )
    dtype = _arrays.host_dtype(ops, dtype)
    # the estimator checks and encodes the targets (host y_val, host Y_val)
    y_val, Y_val = est._validation_targets(_arrays.host(y_val), dtype, ops.numpy)
    if sample_weight_val is not None:
        # weights are checked on the host (a stand-in of X_val's size)
        X_host = X_val if ops.numpy else np.empty((X_val.shape[0], 0), dtype)
        sample_weight_val = _check_sample_weight(
            _arrays.host(sample_weight_val),
            X_host,
            dtype=dtype,
            ensure_non_negative=True,
        )
    Y_val, sample_weight_val = (
        _arrays.on_device(ops, a) for a in (Y_val, sample_weight_val)
    )
    return DataSet(X_val, Y_val, sample_weight_val, y_val)


def _check_split(train, validation, ops):
    if validation.X.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    for part, data in (("training", train), ("validation", validation)):
        w = data.sample_weight
        if w is not None and not float(ops.xp.sum(w)) > 0:
            raise ValueError(
                f"After the validation_fraction split for early stopping, the "
                f"sample_weight of the {part} part sums to zero. Give more "
                "samples a positive weight, or pass X_val and y_val."
            )


def validator(est, objective, scorer, validation):
    """validate() -> (score, loss) of the current weights on ``validation``."""

    ops = objective.network.ops

    def validate():
        Z = objective.network.forward(validation.X)
        w = validation.sample_weight
        B = batch_weight(validation.X.shape[0], w, ops.xp)
        loss = float(objective.head.value(Z, validation.Y, w, B))
        if scorer is None:  # the estimator's own rule (accuracy, R^2)
            score = est._validation_score(Z, validation)
        elif scorer == "loss":
            score = -loss
        else:
            kwargs = {} if w is None else {"sample_weight": w}
            y = validation.y
            y = y if y.dtype.kind not in "iufb" else _arrays.on_device(ops, y)
            score = float(scorer(est, validation.X, y, **kwargs))
        return score, loss

    return validate
