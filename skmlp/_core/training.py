"""The minibatch training loop, one small function per level: epoch -> batch -> step.

``run_stochastic`` returns a :class:`TrainingResult` with one
:class:`EpochRecord` per epoch; the estimator turns it into ``loss_curve_``,
``validation_scores_`` and friends, and prints the ``verbose`` line from it.
What the loop works on travels as small values: the :class:`Objective`, a
:class:`Stepper` (optimizer, schedule, stopping rule), the training
:class:`DataSet`, the :class:`LoopSettings` and the :class:`EpochHooks`.
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .backends import NUMPY, rows


@dataclass
class DataSet:
    """Inputs X, encoded targets Y, sample weights (None: all 1) and labels y."""

    X: object
    Y: object
    sample_weight: object = None
    y: object = None


@dataclass
class LoopSettings:
    """How the epochs run; ``watch_validation`` stops on the validation score
    (and restores its best epoch's weights) instead of the training loss."""

    batch_size: int
    max_iter: int
    shuffle: bool = True
    watch_validation: bool = False


@dataclass
class EpochHooks:
    """Calls around every epoch, all optional.

    ``begin()`` before it; ``validate() -> (score, loss)`` on the validation
    set after it; ``end(record) -> bool`` last, True to stop.
    """

    begin: object = None
    validate: object = None
    end: object = None


@dataclass
class EpochRecord:
    """What one epoch produced."""

    epoch: int
    loss: float
    learning_rate: float
    seconds: float
    validation_score: float | None = None
    validation_loss: float | None = None


@dataclass
class TrainingResult:
    """Per-epoch records and why the loop stopped.

    ``stop_reason`` is one of ``'max_iter'``, ``'no_improvement'``,
    ``'diverged'``, ``'interrupted'`` or ``'callback'``.
    """

    epochs: list = field(default_factory=list)
    stop_reason: str = "max_iter"
    samples_seen: int = 0


class Plateau:
    """Counts epochs in which a watched value (higher is better) stalls.

    An epoch counts when ``value < best + tol``; an improvement of at least
    ``tol`` resets the count, and ``best`` follows the maximum. Training stops
    (or the adaptive schedule lowers its rate) once the count exceeds
    ``patience`` -- MLPClassifier's rule.
    """

    def __init__(self, tol, patience, best=-np.inf, count=0):
        self.tol, self.patience = float(tol), patience  # an int, or inf: never
        self.best, self.count = float(best), int(count)

    def update(self, value):
        """Record ``value``; return True when it is a new best."""
        self.count = self.count + 1 if value < self.best + self.tol else 0
        if value > self.best:
            self.best = float(value)
            return True
        return False

    @property
    def exhausted(self):
        return self.count > self.patience


def _no_pace(n_rows):
    pass


@dataclass
class Stepper:
    """The update rule, its learning-rate schedule and the stopping rule.

    ``pace(n_rows)`` is called before every step with the rows of its batch
    (the estimator times the steps there to choose its threads).
    """

    optimizer: object
    schedule: object
    plateau: Plateau
    pace: object = _no_pace


def train_step(objective, stepper, X, Y, sample_weight):
    """One optimizer step on one minibatch; returns (loss, B), B = sample-weight sum.

    A batch whose weights sum to zero has nothing to learn from: no step. The
    penalty's gradient is added by the step itself (a compiled update folds
    it into its one pass).
    """
    network, optimizer = objective.network, stepper.optimizer
    loss, B = objective.value_and_grad(X, Y, sample_weight, penalty_grad=False)
    if B > 0 and math.isfinite(loss):  # losses are Python floats
        penalty = (objective.penalty, B, network.n_weights)
        rate = stepper.schedule.rate(optimizer.steps)
        optimizer.step(network.params, network.grads, rate, penalty)
    return loss, B


class _Batches:
    """Minibatches of (X, Y, w) gathered into buffers allocated once per fit.

    The order is shuffled on the host (the same ``RandomState`` draws for every
    array library); the rows are gathered on the data's device.
    """

    def __init__(self, data, batch_size, shuffle, rng, backend=NUMPY):
        self.data, self.batch_size, self.backend = data, batch_size, backend
        self.shuffle, self.rng = shuffle, rng
        X = data.X
        n = X.shape[0]
        self.order = np.arange(n)
        # reused buffers instead of fresh copies of X[idx] and Y[idx] per batch
        # (where the backend has them; sparse rows are gathered by SciPy)
        size = min(batch_size, n)
        self._buffers = [
            None if sp.issparse(a) else backend.buffer((size, *a.shape[1:]), a.dtype)
            for a in (X, data.Y)
        ]

    def __iter__(self):
        X, Y, sw = self.data.X, self.data.Y, self.data.sample_weight
        n = X.shape[0]
        if self.shuffle:
            self.rng.shuffle(self.order)
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            if not self.shuffle:
                sl = slice(start, stop)
                yield rows(X, sl), rows(Y, sl), None if sw is None else sw[sl]
                continue
            yield self._gather(X, Y, sw, self.order[start:stop])

    def _gather(self, X, Y, sw, idx):
        backend, k = self.backend, idx.shape[0]
        idx = backend.indices(idx)  # to the device, once
        bX, bY = (None if b is None else b[:k] for b in self._buffers)
        wb = None if sw is None else backend.take_rows(sw, idx)
        return backend.take_rows(X, idx, bX), backend.take_rows(Y, idx, bY), wb


def run_epoch(objective, stepper, batches):
    """Train on every minibatch once; return the sample-weighted mean loss.

    Returns NaN as soon as a batch loss is not finite (the caller restores the
    weights); batches whose sample weights sum to zero are skipped.
    """
    total_loss, total_weight = 0.0, 0.0
    for Xb, Yb, wb in batches:
        stepper.pace(Xb.shape[0])
        loss, B = train_step(objective, stepper, Xb, Yb, wb)
        if not math.isfinite(loss):
            return np.nan
        total_loss += loss * B
        total_weight += B
    if total_weight == 0:
        return np.nan
    return total_loss / total_weight


class _Run:
    """The state of one call of :func:`run_stochastic` between its epochs."""

    def __init__(self, objective, stepper, data, settings, hooks):
        self.objective, self.stepper, self.settings = objective, stepper, settings
        self.hooks = hooks
        self.params = objective.network.params
        self.backend = objective.network.backend
        self.n_samples = data.X.shape[0]
        self.snapshot = self.backend.copy(self.params)  # at the last epoch's end
        self.best_params = None

    def epoch(self, number, batches, result):
        """One epoch; returns its record, or None when it diverged."""
        stepper = self.stepper
        start = time.perf_counter()
        lr = stepper.schedule.rate(stepper.optimizer.steps)
        loss = run_epoch(self.objective, stepper, batches)
        if not (np.isfinite(loss) and self.backend.all_finite(self.params)):
            self.params[...] = self.snapshot
            stepper.optimizer.reset()
            return None
        self.snapshot[...] = self.params  # a completed epoch: the new known-good
        result.samples_seen += self.n_samples
        record = EpochRecord(number, float(loss), lr, 0.0)
        if self.hooks.validate is not None:
            record.validation_score, record.validation_loss = self.hooks.validate()
        watch = self.settings.watch_validation
        watched = record.validation_score if watch else -record.loss
        if stepper.plateau.update(watched) and watch:
            self.best_params = self.backend.copy(self.params)
        stepper.schedule.end_epoch(result.samples_seen)
        record.seconds = time.perf_counter() - start
        return record

    def stop_reason(self, record):
        """Why to stop after this epoch, or None to go on."""
        stop = bool(self.hooks.end(record)) if self.hooks.end is not None else False
        plateau = self.stepper.plateau
        if plateau.exhausted:
            if not self.stepper.schedule.reduce_on_plateau():
                return "no_improvement"
            plateau.count = 0
        return "callback" if stop else None


# overflow is detected and handled (non-finite loss -> restore finite
# weights, with a warning from the estimator): NumPy need not warn as well
@np.errstate(over="ignore", invalid="ignore")
def run_stochastic(objective, stepper, data, settings, rng, hooks=None, seen=0):
    """Run up to ``settings.max_iter`` epochs of minibatch training on ``data``.

    ``rng`` (a ``RandomState``) shuffles the batches; ``seen`` is the number
    of samples seen before this call (the invscaling schedule counts on).
    """
    hooks = EpochHooks() if hooks is None else hooks
    result = TrainingResult(samples_seen=seen)
    backend = objective.network.backend
    batches = _Batches(data, settings.batch_size, settings.shuffle, rng, backend)
    run = _Run(objective, stepper, data, settings, hooks)
    try:
        for number in range(1, settings.max_iter + 1):
            if hooks.begin is not None:
                hooks.begin()
            record = run.epoch(number, batches, result)
            if record is None:
                result.stop_reason = "diverged"
                break
            result.epochs.append(record)
            reason = run.stop_reason(record)
            if reason is not None:
                result.stop_reason = reason
                break
    except KeyboardInterrupt:
        run.params[...] = run.snapshot  # an interrupted step may be half applied
        result.stop_reason = "interrupted"
    if settings.watch_validation and run.best_params is not None:
        run.params[...] = run.best_params
    _keep_finite_weights(run, rows(data.X, slice(settings.batch_size)), result)
    return result


def _keep_finite_weights(run, X_check, result):
    """The weights kept must give finite outputs.

    Those of the last step were never evaluated, and a diverged run's last
    good epoch may still overflow on other rows: one forward pass of a batch
    checks it. The last resort, all-zero weights (uniform probabilities),
    needs no copy of the weights.
    """
    network = run.objective.network
    for fallback in (run.snapshot, 0.0):
        if network.backend.all_finite(network.forward(X_check)):
            return
        run.params[...] = fallback
        run.stepper.optimizer.reset()
        result.stop_reason = "diverged"
