"""The two training drivers behind ``fit``: minibatch solvers and L-BFGS.

Each takes the estimator (its parameters), the :class:`Objective`, the
training :class:`DataSet` and the :class:`FitCall`, runs the core's loop,
and leaves the results in the call's :class:`FitState`.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import _validation
from ._arrays import fitted_backend
from ._core.lbfgs import run_lbfgs
from ._core.optimizers import OPTIMIZERS, make_optimizer
from ._core.schedules import LearningRateSchedule
from ._core.training import EpochHooks, LoopSettings, Stepper, run_stochastic
from ._threads import ThreadChooser, step_flops

STOCHASTIC_SOLVERS = ("sgd", "adam", "adagrad", "rmsprop")


@dataclass
class FitCall:
    """One call of ``fit`` / ``partial_fit``, beyond the problem and the data."""

    state: object  # FitState, read and written
    tasks: object  # EpochTasks
    random_state: object  # RandomState: shuffling, split, dropout seed
    incremental: bool = False  # partial_fit: one epoch
    given_validation: tuple | None = None  # (X_val, y_val, sample_weight_val)
    scorer: object = None  # what early stopping watches (see _validation)


def fit_stochastic(est, objective, data, call):
    """Minibatch training with the estimator's optimizer; results in call.state."""
    state = call.state
    train, validation = _validation.split(
        est, data, call.given_validation, call.random_state, objective.network.backend
    )
    has_validation = validation is not None
    watch = bool(est.early_stopping)
    state.start_stochastic(est.early_stopping, has_validation)
    stepper = _stepper(est, objective.network, state, watch)
    _seed_dropout(objective.network, call.random_state, state.t)
    settings = LoopSettings(
        _batch_size(est, train.X.shape[0]),
        1 if call.incremental else est.max_iter,
        est.shuffle,
        watch,
    )
    hooks = _hooks(est, objective, train, validation, call)
    state.n_iter = 0
    flops = step_flops(objective.network.layer_sizes, settings.batch_size)
    with ThreadChooser(flops) as stepper.pace:
        result = run_stochastic(
            objective, stepper, train, settings, call.random_state, hooks, state.t
        )
    state.optimizer = {"solver": est.solver, **stepper.optimizer.state()}
    state.learning_rate = float(stepper.schedule.base)
    state.end_stochastic(stepper.plateau, watch, has_validation)
    if not result.epochs:  # stopped inside the first epoch
        state.loss = objective.value(train.X, train.Y, train.sample_weight)
    state.store(est)
    warn_stop(est, result.stop_reason, len(result.epochs), call.incremental)


def _stepper(est, network, state, watch_validation):
    """The optimizer (continuing the saved one of the same solver), the
    schedule (continuing its rate) and the stopping rule."""
    # the rule's own parameters only: get_params inspects the signature (a
    # sizeable share of a small fit)
    settings = {name: getattr(est, name) for name in OPTIMIZERS[est.solver][1].values()}
    optimizer = make_optimizer(
        est.solver, network.params.shape[0], network.dtype, settings, network.backend
    )
    saved = state.optimizer
    if saved is not None and saved["solver"] == est.solver:
        optimizer.load_state(saved)
    schedule = LearningRateSchedule(
        est.learning_rate_init,
        est.learning_rate if est.solver == "sgd" else "constant",
        est.power_t,
        est.decay,
    )
    if state.learning_rate is not None:
        schedule.base = state.learning_rate
    plateau = state.plateau(watch_validation, est.tol, est.n_iter_no_change)
    return Stepper(optimizer, schedule, plateau)


def _seed_dropout(network, random_state, t):
    if any(network.dropout_rates):
        # t_ in the seed: each partial_fit / warm_start call draws new masks
        # (a fresh RandomState from an int random_state would repeat them)
        seed = [random_state.randint(np.iinfo(np.int32).max), t]
        network.seed_dropout(network.backend.random_generator(seed))


def _batch_size(est, n_samples):
    if est.batch_size == "auto":
        return min(200, n_samples)
    if est.batch_size > n_samples:
        warnings.warn(
            f"Got batch_size={est.batch_size} larger than the number of "
            f"training samples ({n_samples}); it is clipped to {n_samples}.",
            UserWarning,
        )
    return min(est.batch_size, n_samples)


def _hooks(est, objective, train, validation, call):
    state, start = call.state, time.perf_counter()

    def end(record):
        state.record_epoch(record, train.X.shape[0])
        state.store(est)  # scorers and callbacks see the model as it is now
        if est.verbose:
            print_epoch(state.n_iter, record, time.perf_counter() - start)
        return call.tasks.end_epoch()

    validate = None
    if validation is not None:
        validate = _validation.validator(est, objective, call.scorer, validation)
    return EpochHooks(begin=call.tasks.begin_epoch, validate=validate, end=end)


def fit_lbfgs(est, objective, data, call):
    """Full-batch L-BFGS through SciPy; results in call.state."""
    state, start = call.state, time.perf_counter()

    def on_iteration(intermediate):
        state.n_iter += 1
        state.store(est)  # callbacks see the model as it is now
        if est.verbose:
            print(
                f"Iteration {state.n_iter}, loss = {intermediate.fun:.8f}, "
                f"time = {time.perf_counter() - start:.2f}s"
            )
        if call.tasks.end_epoch():
            raise StopIteration  # SciPy's way for a callback to stop L-BFGS

    state.n_iter = 0
    flops = step_flops(objective.network.layer_sizes, data.X.shape[0])
    with ThreadChooser(flops) as pace:
        res = run_lbfgs(
            objective,
            data,
            max_iter=est.max_iter,
            max_fun=est.max_fun,
            tol=est.tol,
            on_iteration=on_iteration,
            pace=pace,
        )
    state.n_iter = int(res.nit) if res.nit >= 0 else state.n_iter
    state.loss = float(res.fun)
    if res.stop_reason in ("diverged", "interrupted") or not np.isfinite(state.loss):
        state.loss = objective.value(data.X, data.Y, data.sample_weight)
    state.store(est)
    if res.stop_reason == "max_iter":
        warnings.warn(
            f"lbfgs failed to converge after {state.n_iter} iteration(s) "
            f"(status={res.status}): {res.message}. Increase max_iter (or "
            "max_fun), or scale the data, e.g. with StandardScaler.",
            ConvergenceWarning,
        )
    elif res.stop_reason in ("diverged", "interrupted"):
        warn_stop(est, res.stop_reason, 0, incremental=False)


def warn_stop(est, reason, n_epochs, incremental):
    """The warning that says why training stopped early, if it did."""
    if reason == "max_iter" and not incremental and n_epochs:
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached "
            "and the optimization hasn't converged yet.",
            ConvergenceWarning,
        )
    elif reason == "diverged":
        warnings.warn(
            f"Training diverged: the loss or the network's outputs became "
            f"non-finite after {n_epochs} complete iteration(s). The model keeps "
            f"{_kept(est, n_epochs)}. Lower learning_rate_init, or scale X (e.g. "
            "StandardScaler).",
            ConvergenceWarning,
        )
    elif reason == "interrupted":
        warnings.warn(
            "Training interrupted by the user (KeyboardInterrupt); the model "
            "keeps the weights of the last completed epoch"
            + (" with the best validation score." if est.early_stopping else "."),
            UserWarning,
        )


def _kept(est, n_epochs):
    xp = fitted_backend(est).xp
    if not any(bool(xp.any(W != 0)) for W in est.coefs_):
        return (
            "all-zero weights (uniform probabilities): even the last finite "
            "weights overflow on X"
        )
    if est.solver == "lbfgs":
        return "the last finite L-BFGS iterate"
    if n_epochs == 0:
        return "the initial weights"
    return f"the weights from the end of iteration {n_epochs}"


def print_epoch(n_iter, record, elapsed):
    """The ``verbose`` line of one epoch, beginning as MLPClassifier's does."""
    line = f"Iteration {n_iter}, loss = {record.loss:.8f}"
    if record.validation_score is not None:
        line += f", validation score = {record.validation_score:.6f}"
    line += f", learning rate = {record.learning_rate:.3g}, time = {elapsed:.2f}s"
    print(line)
