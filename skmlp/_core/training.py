"""The minibatch training loop, one small function per level: epoch -> batch -> step.

``run_stochastic`` returns a :class:`TrainingResult` with one
:class:`EpochRecord` per epoch; the estimator turns it into ``loss_curve_``,
``validation_scores_`` and friends, and prints the ``verbose`` line from it.
"""

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


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


def loss_and_gradient(network, head, penalty, X, Y, sample_weight, B):
    """Loss + penalty of the batch, with its gradient left in ``network.grads``.

    Forward, the head's fused loss and dZ_L, backward, then the penalty's
    value and gradient (B = the batch's sample-weight sum).
    """
    Z = network.forward(X, training=True)
    loss, dZ = head.value_and_grad(Z, Y, sample_weight)
    network.backward(dZ)
    penalty.add_grad(network.weights, network.weight_grads, B)
    return loss + penalty.value(network.weights, B)


def train_step(network, head, penalty, optimizer, schedule, X, Y, sample_weight):
    """One optimizer step on one minibatch; returns (loss, B), B = sample-weight sum."""
    B = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    if B <= 0:  # nothing to learn from: a step would divide by zero
        return 0.0, 0.0
    loss = loss_and_gradient(network, head, penalty, X, Y, sample_weight, B)
    if np.isfinite(loss):
        optimizer.step(network.params, network.grads, schedule.rate(optimizer.steps))
    return loss, B


class _Batches:
    """Minibatches of (X, Y, w) gathered into buffers allocated once per fit."""

    def __init__(self, X, Y, sample_weight, batch_size, shuffle, rng):
        self.X, self.Y, self.sw = X, Y, sample_weight
        self.batch_size, self.shuffle, self.rng = batch_size, shuffle, rng
        n = X.shape[0]
        self.order = np.arange(n)
        if shuffle and not sp.issparse(X):
            # one reused buffer instead of a fresh copy of X[idx] per batch
            self._Xb = np.empty((min(batch_size, n), X.shape[1]), dtype=X.dtype)

    def __iter__(self):
        X, Y, sw = self.X, self.Y, self.sw
        n = X.shape[0]
        if self.shuffle:
            self.rng.shuffle(self.order)
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            if not self.shuffle:
                sl = slice(start, stop)
                yield X[sl], Y[sl], None if sw is None else sw[sl]
                continue
            idx = self.order[start:stop]
            if sp.issparse(X):
                Xb = X[idx]
            else:
                Xb = np.take(X, idx, axis=0, out=self._Xb[: stop - start])
            yield Xb, Y[idx], None if sw is None else sw[idx]


def run_epoch(network, head, penalty, optimizer, schedule, batches):
    """Train on every minibatch once; return the sample-weighted mean loss.

    Returns NaN as soon as a batch loss is not finite (the caller restores the
    weights); batches whose sample weights sum to zero are skipped.
    """
    total_loss, total_weight = 0.0, 0.0
    for Xb, Yb, wb in batches:
        loss, B = train_step(network, head, penalty, optimizer, schedule, Xb, Yb, wb)
        if not np.isfinite(loss):
            return np.nan
        total_loss += loss * B
        total_weight += B
    if total_weight == 0:
        return np.nan
    return total_loss / total_weight


# overflow is detected and handled (non-finite loss -> restore finite
# weights, with a warning from the estimator): NumPy need not warn as well
@np.errstate(over="ignore", invalid="ignore")
def run_stochastic(
    network,
    head,
    penalty,
    optimizer,
    schedule,
    X,
    Y,
    sample_weight=None,
    *,
    batch_size,
    max_iter,
    rng,
    plateau,
    shuffle=True,
    validate=None,
    watch_validation=False,
    on_epoch_begin=None,
    on_epoch=None,
    samples_seen=0,
):
    """Run up to ``max_iter`` epochs of minibatch training.

    Parameters
    ----------
    validate : callable or None
        ``validate() -> (score, loss)`` on the validation set with the current
        weights; called once per epoch when given.
    watch_validation : bool
        Stop on the validation score (and restore the weights of its best
        epoch at the end) instead of on the training loss.
    on_epoch_begin : callable or None
        ``on_epoch_begin()``, called before every epoch.
    on_epoch : callable or None
        ``on_epoch(record) -> bool``, called after every epoch; True stops.
    """
    result = TrainingResult(samples_seen=samples_seen)
    batches = _Batches(X, Y, sample_weight, batch_size, shuffle, rng)
    n_samples = X.shape[0]
    best_params = None
    snapshot = network.params.copy()  # the weights at the end of the last epoch
    try:
        for epoch in range(1, max_iter + 1):
            if on_epoch_begin is not None:
                on_epoch_begin()
            start = time.perf_counter()
            lr = schedule.rate(optimizer.steps)
            loss = run_epoch(network, head, penalty, optimizer, schedule, batches)
            if not (np.isfinite(loss) and np.isfinite(network.params).all()):
                network.params[...] = snapshot
                optimizer.reset()
                result.stop_reason = "diverged"
                break
            snapshot[...] = network.params  # a completed epoch: the new known-good
            result.samples_seen += n_samples
            record = EpochRecord(epoch, float(loss), lr, 0.0)
            if validate is not None:
                record.validation_score, record.validation_loss = validate()
            watched = record.validation_score if watch_validation else -record.loss
            if plateau.update(watched) and watch_validation:
                best_params = network.params.copy()
            schedule.end_epoch(result.samples_seen)
            record.seconds = time.perf_counter() - start
            result.epochs.append(record)
            stop = bool(on_epoch(record)) if on_epoch is not None else False
            if plateau.exhausted:
                if not schedule.reduce_on_plateau():
                    result.stop_reason = "no_improvement"
                    break
                plateau.count = 0
            if stop:
                result.stop_reason = "callback"
                break
    except KeyboardInterrupt:
        network.params[...] = snapshot  # an interrupted step may be half applied
        result.stop_reason = "interrupted"
    if watch_validation and best_params is not None:
        network.params[...] = best_params
    # The weights kept must give finite outputs: those of the last step were
    # never evaluated, and a diverged run's last good epoch may still overflow
    # on other rows. One forward pass of a batch checks it. The last resort,
    # all-zero weights (uniform probabilities), needs no copy of the weights.
    for fallback in (snapshot, 0.0):
        if np.isfinite(network.forward(X[:batch_size])).all():
            break
        network.params[...] = fallback
        optimizer.reset()
        result.stop_reason = "diverged"
    return result
