"""Labels to network targets and back: y <-> (classes_, Y, output head).

``Y`` always has one column per output unit, in the network's dtype:

- binary y: one column, 1 for ``classes_[1]``;
- multiclass y: one-hot, one column per class;
- multilabel indicator y: the indicator itself, one column per label.
"""

import numpy as np
from sklearn.utils._array_api import move_to
from sklearn.utils.multiclass import type_of_target

# what scikit-learn's classifiers accept as labels (check_classification_targets)
_LABEL_KINDS = (
    "binary",
    "multiclass",
    "multiclass-multioutput",
    "multilabel-indicator",
    "multilabel-sequences",
)


def target_kind(y, name="y"):
    """'binary', 'multiclass' or 'multilabel', or a ValueError for anything else.

    One ``type_of_target`` call (``check_classification_targets`` would make a
    second: on a small data set the two took a third of a one-epoch fit).
    ``name`` is the argument the messages name (``"y"`` or ``"y_val"``).
    """
    try:
        kind = type_of_target(y, input_name=name)
    except TypeError as exc:  # np.unique cannot sort labels of mixed types
        raise ValueError(
            f"{name} mixes labels of different types ({exc}): class labels must "
            "be all numbers or all strings."
        ) from exc
    if kind not in _LABEL_KINDS:
        hint = (
            f"; {name} looks like a regression target with continuous values"
            if kind.startswith("continuous")
            else ""
        )
        raise ValueError(
            f"Unknown label type: {kind!r}. A classifier needs discrete class "
            f"labels in {name}{hint}."
        )
    if kind == "multilabel-indicator":
        return "multilabel"
    if kind in ("binary", "multiclass"):
        return kind
    raise ValueError(
        f"ScratchMLPClassifier and ScratchLogisticNet support binary, multiclass "
        f"and multilabel-indicator targets; {name} is a {kind!r} target."
    )


def classes_of(y, kind):
    """The sorted classes of 1-d ``y``; for a multilabel y, the label indices."""
    if kind == "multilabel":
        return np.arange(y.shape[1])
    return np.unique(y)


def encode(y, classes, kind, dtype):
    """The target matrix Y of ``y`` given the fitted ``classes``."""
    if kind == "multilabel":
        return np.asarray(y, dtype=dtype)
    y = np.asarray(y)
    if len(classes) == 2:
        return (y == classes[1]).astype(dtype)[:, np.newaxis]
    return (y[:, np.newaxis] == classes[np.newaxis, :]).astype(dtype)


def decode(Z, classes, kind, backend=None):
    """Predicted labels from the logits Z (n_samples, n_outputs).

    ``backend`` (the core's) holds Z's namespace; labels that cannot
    live there (strings) are decoded on the host.
    """
    if backend is None or backend.xp is np:
        if kind == "multilabel":
            return (Z > 0).astype(int)
        if Z.shape[1] == 1:
            return classes[(Z[:, 0] > 0).astype(int)]
        return classes[np.argmax(Z, axis=1)]
    xp = backend.xp
    if kind == "multilabel":
        return xp.astype(Z > 0, xp.int64)
    if Z.shape[1] == 1:
        index = xp.astype(Z[:, 0] > 0, xp.int64)
    else:
        index = xp.argmax(Z, axis=1)
    if isinstance(classes, np.ndarray):
        return classes[move_to(index, xp=np, device="cpu")]
    return xp.take(classes, index)


def check_labels_known(y, classes, kind, what, name="y", against=None, hint=""):
    """ValueError if ``y`` holds labels outside ``classes`` (partial_fit/warm_start).

    The message starts with ``what`` (the call), names the argument ``name``
    (``"y"`` or ``"y_val"``) and what it is checked ``against`` (the fitted
    ``classes_`` unless told, e.g. ``"classes=[0, 1]"`` for a first
    ``partial_fit``), then ``hint``; labels print as plain values.
    """
    if kind == "multilabel":
        if y.shape[1] != len(classes):
            raise ValueError(
                f"{what}: {name} has {y.shape[1]} labels; the model was fitted on "
                f"{len(classes)}."
            )
        return
    unknown = np.setdiff1d(np.unique(y), classes)
    if len(unknown):
        if against is None:
            against = f"classes_ {np.asarray(classes).tolist()}"
        raise ValueError(
            f"{what}: {name} has classes not in {against}: {unknown.tolist()}." + hint
        )
