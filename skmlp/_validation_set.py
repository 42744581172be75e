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
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.validation import validate_data

from . import _checks, _placement
from ._core.losses import batch_weight
from ._core.training import DataSet
from ._sample_weights import check_weights


def scorer_of(est):
    """The scorer early stopping watches: None (accuracy), 'loss' or a scorer."""
    if est.scoring is None or est.scoring == "loss":
        return est.scoring
    return check_scoring(est, scoring=est.scoring)


def split(est, data, given, random_state, backend):
    """(training DataSet, validation DataSet or None).

    ``given`` is ``(X_val, y_val, sample_weight_val)`` as the user gave them, or
    None; without it, ``early_stopping`` splits ``validation_fraction`` off
    the training data (stratified for single-label targets). The split is
    drawn on the host, the same for every array library.
    """
    if given is not None:
        return data, _given(est, backend, data.X.dtype, *given)
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
    train, validation = (_rows(data, index, backend) for index in parts)
    _check_split(train, validation, backend)
    return train, validation


def _rows(data, index, backend):
    """The rows ``index`` (host integers) of ``data``, on its device."""
    on_device = backend.indices(index)

    def take(a):
        return None if a is None else backend.take_rows(a, on_device)

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


def _given(est, backend, dtype, X_val, y_val, sample_weight_val):
    """The DataSet of the user's X_val, y_val, sample_weight_val, checked.

    Each message names the argument it is about: scikit-learn's
    ``validate_data`` would say "X" and "y" (or nothing) for X_val and y_val,
    so the shapes are checked first by ``_checks`` and the arrays by
    ``check_array`` with the argument's name.
    """
    _checks.check_X_y(X_val, y_val, ("X_val", "y_val"))
    _checks.check_n_features(est, X_val, "X_val")
    X_val, y_val, sample_weight_val = _placement.follow(
        backend, X_val, y_val, sample_weight_val
    )
    with _checks.naming("X_val"):
        # feature names against the fitted ones; the array checks come next
        validate_data(est, X_val, reset=False, skip_check_array=True)
        X_val = check_array(
            X_val,
            accept_sparse=("csr", "csc"),
            dtype=_placement.float_dtypes(backend),
            input_name="X_val",
            estimator=est,
        )
    with _checks.naming("y_val"):
        # what validate_data checks of a multi-output y
        y_val = check_array(
            y_val,
            accept_sparse="csr",
            ensure_2d=False,
            dtype=None,
            input_name="y_val",
            estimator=est,
        )
        y_val = _placement.host(y_val)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True, input_name="y_val")
    dtype = _placement.host_dtype(backend, dtype)
    # the estimator checks and encodes the targets (host y_val, host Y_val)
    y_val, Y_val = est._validation_targets(y_val, dtype, backend)
    if sample_weight_val is not None:
        # weights are checked on the host
        sample_weight_val = check_weights(
            _placement.host(sample_weight_val),
            X_val.shape[0],
            dtype,
            names=("sample_weight_val", "X_val"),
        )
    Y_val, sample_weight_val = (
        _placement.on_device(backend, a) for a in (Y_val, sample_weight_val)
    )
    return DataSet(X_val, Y_val, sample_weight_val, y_val)


def _check_split(train, validation, backend):
    if validation.X.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    for part, data in (("training", train), ("validation", validation)):
        w = data.sample_weight
        if w is not None and not float(backend.xp.sum(w)) > 0:
            raise ValueError(
                f"After the validation_fraction split for early stopping, the "
                f"sample_weight of the {part} part sums to zero. Give more "
                "samples a positive weight, or pass X_val and y_val."
            )


def validator(est, objective, scorer, validation):
    """validate() -> (score, loss) of the current weights on ``validation``."""

    backend = objective.network.backend

    def validate():
        Z = objective.network.forward(validation.X)
        w = validation.sample_weight
        B = batch_weight(validation.X.shape[0], w, backend)
        loss = float(objective.head.value(Z, validation.Y, w, B))
        if scorer is None:  # the estimator's own rule (accuracy, R^2)
            score = est._validation_score(Z, validation)
        elif scorer == "loss":
            score = -loss
        else:
            kwargs = {} if w is None else {"sample_weight": w}
            y = validation.y
            y = y if y.dtype.kind not in "iufb" else _placement.on_device(backend, y)
            score = float(scorer(est, validation.X, y, **kwargs))
        return score, loss

    return validate
