"""classes_ and the kind of target: set on a first fit, checked on the next ones.

:class:`ClassifierTargets` gives the classifiers the target hooks of the
shared estimator base (``_base._BaseNet``).

On a first fit ``classes_`` comes from y (or from ``partial_fit``'s
``classes``); a later ``partial_fit`` or ``warm_start`` fit must bring the
same classes, with MLPClassifier's messages where the condition is the same.
``classes_`` stays on the host while fitting; the estimator moves numeric
labels to the device at the end.
"""

import numpy as np

from . import _checks, _placement, _targets
from ._core.losses import make_head


class ClassifierTargets:
    """The target hooks of ``_base._BaseNet`` for the classifiers: class labels."""

    def _fit_targets(self, y, first_pass, incremental, classes):
        """Set (first fit) or check ``classes_`` and the kind of target from ``y``."""
        kind = _targets.target_kind(y)
        _checks.check_class_weight(self, kind)
        set_classes(self, y, kind, (first_pass, incremental), classes)

    def _output_head(self, backend):
        """The head of the fitted classes; sets ``out_activation_``."""
        self.out_activation_ = self._head_name(self._kind, len(self.classes_))
        kind, ovr = self._target_kind(), self._normalise_ovr
        return make_head(self.out_activation_, kind, ovr, backend)

    def _stratify(self, data):
        """What the early-stopping split is stratified on: the rows of the
        boolean target, as MLPClassifier (None, not stratified, for multilabel)."""
        return _placement.host(data.Y) if self._kind != "multilabel" else None

    def _validation_targets(self, y_val, dtype, backend):
        """(y_val, Y_val): the host labels checked against ``classes_``, and
        encoded in the backend's target dtype for a network in ``dtype``."""
        _targets.target_kind(y_val, "y_val")
        kind = "multilabel" if self._kind == "multilabel" else "multiclass"
        _targets.check_labels_known(y_val, self.classes_, kind, "fit", name="y_val")
        Y_val = _targets.encode(y_val, self.classes_, kind, backend.target_dtype(dtype))
        return y_val, Y_val

    def _validation_score(self, Z, validation):
        """MLPClassifier's early-stopping score: accuracy (subset accuracy for
        multilabel), on the host, where the labels live while fitting."""
        labels = _targets.decode(_placement.host(Z), self.classes_, self._kind)
        hits = labels == validation.y
        if hits.ndim == 2:
            hits = hits.all(axis=1)
        w = validation.sample_weight
        return float(np.average(hits, weights=_placement.host(w)))


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
