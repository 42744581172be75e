"""What carries over from one fit, partial_fit or warm_start call to the next.

:class:`FitState` is written down once, here: the counters (``n_iter_``,
``t_``), the learning curves and best values (``loss_curve_``, ``best_loss_``,
``validation_scores_``, ``best_validation_score_``,
``validation_loss_curve_``), and the private resume state (the optimizer's
moments and step count, the learning rate, the stopping rule's count).

On the estimator the public part lives in MLPClassifier's attributes and the
private part in one plain dict, ``_fit_state``: plain values and arrays only,
so that ``skops`` loads a model without trusting any new type.
"""

from dataclasses import dataclass, fields

import numpy as np

from ._core.training import Plateau


class _Absent:
    """The value of an attribute the estimator does not have (never stored)."""

    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()

# FitState field -> the estimator's attribute
_PUBLIC = {
    "n_iter": "n_iter_",
    "t": "t_",
    "loss": "loss_",
    "loss_curve": "loss_curve_",
    "best_loss": "best_loss_",
    "validation_scores": "validation_scores_",
    "best_validation_score": "best_validation_score_",
    "validation_loss_curve": "validation_loss_curve_",
}


@dataclass
class FitState:
    """The resume state of a model; ``ABSENT`` marks an attribute not set."""

    n_iter: int = 0
    t: int = 0
    loss: object = ABSENT
    loss_curve: object = ABSENT
    best_loss: object = ABSENT
    validation_scores: object = ABSENT
    best_validation_score: object = ABSENT
    validation_loss_curve: object = ABSENT
    # private: {"solver": ..., "steps": ..., <state arrays>} or None
    optimizer: dict | None = None
    learning_rate: float | None = None  # the schedule's base rate
    plateau_count: int = 0

    @classmethod
    def fresh(cls):
        """The state of a model about to be fitted from scratch: no attribute."""
        return cls()

    @classmethod
    def load(cls, est):
        """The state ``est`` holds (``fresh()`` for a model never fitted)."""
        held = est.__dict__
        private = dict(held.get("_fit_state") or {})
        public = {f: held.get(attr, ABSENT) for f, attr in _PUBLIC.items()}
        for name in ("n_iter", "t"):
            public[name] = 0 if public[name] is ABSENT else public[name]
        names = {f.name for f in fields(cls)}
        return cls(**public, **{k: v for k, v in private.items() if k in names})

    def store(self, est):
        """Write the state onto ``est``: public attributes, then ``_fit_state``."""
        for name, attr in _PUBLIC.items():
            value = getattr(self, name)
            if value is ABSENT:
                est.__dict__.pop(attr, None)
            else:
                setattr(est, attr, value)
        est._fit_state = {
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "plateau_count": self.plateau_count,
        }

    # -- the stochastic solvers' view ----------------------------------------

    def start_stochastic(self, early_stopping, has_validation):
        """Curves and best values as a stochastic fit expects to find them.

        A fresh state starts MLPClassifier's way: ``loss_curve_ = []`` and, by
        ``early_stopping``, either ``validation_scores_ = []`` with
        ``best_validation_score_ = -inf`` or ``best_loss_ = inf`` with the
        validation attributes None. A state left by L-BFGS gains the curves.
        """
        if self.loss_curve is ABSENT:
            self.loss_curve = []
        if self.best_loss is ABSENT:  # fresh, or continuing an L-BFGS fit
            self.best_loss = None if early_stopping else np.inf
            self.best_validation_score = -np.inf if early_stopping else None
            self.validation_scores = [] if early_stopping else None
        if has_validation:
            if self.validation_scores in (None, ABSENT):
                self.validation_scores = []
            if self.validation_loss_curve is ABSENT:
                self.validation_loss_curve = []

    def plateau(self, watch_validation, tol, patience):
        """MLPClassifier's stopping rule, continuing the last call's when it
        watched the same quantity (warm_start, partial_fit)."""
        best = self.best_validation_score if watch_validation else self.best_loss
        if best is None or best is ABSENT:  # the watched quantity changed
            return Plateau(tol, patience)
        best = best if watch_validation else -best
        return Plateau(tol, patience, best, self.plateau_count)

    def end_stochastic(self, plateau, watch_validation, has_validation):
        """Record the stopping rule's best and count at the end of a call."""
        self.plateau_count = plateau.count
        if watch_validation:
            self.best_validation_score, self.best_loss = plateau.best, None
        else:
            self.best_loss, self.best_validation_score = -plateau.best, None
            if not has_validation:
                self.validation_scores = None

    def record_epoch(self, record, n_samples):
        """One completed epoch: counters, loss and curves."""
        self.n_iter = record.epoch
        self.t += n_samples
        self.loss = record.loss
        self.loss_curve.append(record.loss)
        if record.validation_score is not None:
            self.validation_scores.append(record.validation_score)
            self.validation_loss_curve.append(record.validation_loss)
