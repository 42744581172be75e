"""Labels to network targets and back: y <-> (classes_, Y, output head).

``Y`` always has one column per output unit, in the network's dtype:

- binary y: one column, 1 for ``classes_[1]``;
- multiclass y: one-hot, one column per class;
- multilabel indicator y: the indicator itself, one column per label.
"""

import numpy as np
from sklearn.utils.multiclass import type_of_target

from ._core._array import to_numpy

# what scikit-learn's classifiers accept as labels (check_classification_targets)
_LABEL_KINDS = (
    "binary",
    "multiclass",
    "multiclass-multioutput",
    "multilabel-indicator",
    "multilabel-sequences",
)


def target_kind(y):
    """'binary', 'multiclass' or 'multilabel', or a ValueError for anything else.

    One ``type_of_target`` call (``check_classification_targets`` would make a
    second: on a small data set the two took a third of a one-epoch fit).
    """
    kind = type_of_target(y, input_name="y")
    if kind not in _LABEL_KINDS:
        hint = (
            "; y looks like a regression target with continuous values"
            if kind.startswith("continuous")
            else ""
        )
        raise ValueError(
            f"Unknown label type: {kind!r}. A classifier needs discrete class "
            f"labels{hint}."
        )
    if kind == "multilabel-indicator":
        return "multilabel"
    if kind in ("binary", "multiclass"):
        return kind
    raise ValueError(
        f"ScratchMLPClassifier and ScratchLogisticNet support binary, multiclass "
        f"and multilabel-indicator targets; got a {kind!r} target."
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


def decode(Z, classes, kind, ops=None):
    """Predicted labels from the logits Z (n_samples, n_outputs).

    ``ops`` (the core's ``ArrayOps``) is Z's namespace; labels that cannot
    live there (strings) are decoded on the host.
    """
    if ops is None or ops.numpy:
        if kind == "multilabel":
            return (Z > 0).astype(int)
        if Z.shape[1] == 1:
            return classes[(Z[:, 0] > 0).astype(int)]
        return classes[np.argmax(Z, axis=1)]
    xp = ops.xp
    if kind == "multilabel":
        return xp.astype(Z > 0, xp.int64)
    if Z.shape[1] == 1:
        index = xp.astype(Z[:, 0] > 0, xp.int64)
    else:
        index = xp.argmax(Z, axis=1)
    if isinstance(classes, np.ndarray):
        return classes[to_numpy(index, xp)]
    return xp.take(classes, index)


def check_labels_known(y, classes, kind, what):
    """ValueError if ``y`` holds labels outside ``classes`` (partial_fit/warm_start)."""
    if kind == "multilabel":
        if y.shape[1] != len(classes):
            raise ValueError(
                f"{what}: y has {y.shape[1]} labels; the model was fitted on "
                f"{len(classes)}."
            )
        return
    unknown = np.setdiff1d(np.unique(y), classes)
    if len(unknown):
        raise ValueError(
            f"{what}: y has classes not in classes_ {list(classes)}: {list(unknown)}."
        )
