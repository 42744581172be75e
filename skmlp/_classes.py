"""classes_ and the kind of target: set on a first fit, checked on the next ones.

On a first fit ``classes_`` comes from y (or from ``partial_fit``'s
``classes``); a later ``partial_fit`` or ``warm_start`` fit must bring the
same classes, with MLPClassifier's messages where the condition is the same.
``classes_`` stays on the host while fitting; the estimator moves numeric
labels to the device at the end.
"""

import numpy as np

from . import _placement, _targets


def set_classes(est, y, kind, call, classes):
    """Set or check ``est.classes_`` and ``est._kind`` against ``y``.

    ``call`` is ``(first_pass, incremental)``; ``classes`` is partial_fit's.
    """
    first_pass, incremental = call
    if first_pass:
        _first_classes(est, y, kind, incremental, classes)
        return
    name = type(est).__name__
    est.classes_ = _placement.host(est.classes_)
    if (kind == "multilabel") != (est._kind == "multilabel"):
        fitted = "multilabel" if est._kind == "multilabel" else "single-label"
        raise ValueError(f"{name} was fitted on a {fitted} target; got {kind}.")
    if incremental and classes is not None:
        if not np.array_equal(np.unique(np.asarray(classes)), est.classes_):
            # MLPClassifier's wording (sklearn.utils.multiclass), plain labels
            raise ValueError(
                f"`classes={_plain(classes)}` is not the same as on last call to "
                f"partial_fit, was: {_plain(est.classes_)}"
            )
    if est.warm_start and not incremental and kind != "multilabel":
        if not np.array_equal(np.unique(y), est.classes_):
            # MLPClassifier's message to the character (NumPy's printing of
            # the classes included), which users' code and scikit-learn's
            # own tests match
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as "
                f"in the previous call to fit. Previously got {est.classes_}, "
                f"`y` has {np.unique(y)}"
            )
    _targets.check_labels_known(
        y, est.classes_, kind, "partial_fit" if incremental else "fit"
    )


def _first_classes(est, y, kind, incremental, classes):
    name = type(est).__name__
    if incremental and kind != "multilabel":
        if classes is None:
            raise ValueError(
                f"{name}.partial_fit needs classes=... (every class of the "
                "problem) on its first call."
            )
        est.classes_ = np.unique(np.asarray(classes))
        if len(est.classes_) < 2:
            raise ValueError(
                f"{name}.partial_fit needs at least 2 classes in classes=...; got "
                f"classes={_plain(classes)}. Pass every class of the problem."
            )
        _targets.check_labels_known(
            y,
            est.classes_,
            kind,
            f"{name}.partial_fit",
            against=f"classes={_plain(classes)}",
            hint=" partial_fit's classes must list every class of the problem.",
        )
    else:
        est.classes_ = _targets.classes_of(y, kind)
    if kind != "multilabel" and len(est.classes_) < 2:
        raise ValueError(
            f"{name} needs samples of at least 2 classes in y; got only one "
            f"class: {est.classes_.tolist()[0]!r}."
        )
    est._kind = "multilabel" if kind == "multilabel" else "single"


def _plain(labels):
    """Labels as a message shows them: ``[0, 1]``, not ``array([0, 1])`` or
    ``[np.int64(0), np.int64(1)]``."""
    return np.asarray(labels).tolist()
