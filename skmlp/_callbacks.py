"""scikit-learn's callback protocol: one task per fit, one subtask per epoch."""

from ._arrays import fitted_backend


class EpochTasks:
    """One task of scikit-learn's callback protocol per epoch (L-BFGS iteration).

    Built per fit and never stored on the estimator. ``_fit_context`` tears
    the callbacks down when ``fit`` ends, however it ends.
    """

    def __init__(self, estimator, task_name, max_subtasks, fit_args):
        """``fit_args`` is ``(X, y, metadata)`` as the callbacks see them."""
        self.estimator = estimator
        self.X, self.y, self.metadata = fit_args
        self.context = estimator._init_callback_context(
            task_name=task_name, max_subtasks=max_subtasks
        )
        self.context.call_on_fit_task_begin(**self._kwargs())
        self._epoch = None

    def _kwargs(self):
        return {
            "estimator": self.estimator,
            "X": self.X,
            "y": self.y,
            "metadata": self.metadata,
        }

    def _snapshot(self):
        # evaluated lazily, only for callbacks that want the model (ScoringMonitor);
        # copies, because the live weights keep changing in place
        est = self.estimator
        copy = fitted_backend(est).copy
        return {
            "coefs_": [copy(W) for W in est.coefs_],
            "intercepts_": [copy(b) for b in est.intercepts_],
            "n_iter_": est.n_iter_,
        }

    def begin_epoch(self):
        self._epoch = self.context.subcontext(task_name="epoch")
        self._epoch.call_on_fit_task_begin(**self._kwargs())

    def end_epoch(self):
        """End the current epoch's task; True when a callback asks to stop."""
        if self._epoch is None:
            self.begin_epoch()
        stop = self._epoch.call_on_fit_task_end(
            **self._kwargs(), reconstruction_attributes=self._snapshot
        )
        self._epoch = None
        return bool(stop)

    def end_fit(self):
        self.context.call_on_fit_task_end(
            **self._kwargs(), reconstruction_attributes={}
        )
