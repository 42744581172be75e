"""The minibatch loop: records, divergence, skipped batches, plateaus, stopping."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.losses import SoftmaxCrossEntropy
from skmlp._core.network import Network
from skmlp._core.objective import Objective
from skmlp._core.optimizers import SGD, Adam
from skmlp._core.penalties import ElasticNet
from skmlp._core.schedules import LearningRateSchedule
from skmlp._core.training import (
    DataSet,
    EpochHooks,
    EpochRecord,
    LoopSettings,
    Plateau,
    Stepper,
    TrainingResult,
    _Batches,
    run_epoch,
    run_stochastic,
    train_step,
)

from . import _reference as ref
from ._backends import numpy_arithmetic


def head(network):
    return SoftmaxCrossEntropy(network.backend)


def penalty_of(network, alpha, l1_ratio=0.0):
    return ElasticNet(alpha, l1_ratio, backend=network.backend)


def make_problem(
    backend,
    rng,
    n=20,
    d=3,
    k=3,
    hidden=(4,),
    dtype=np.float64,
    scale=1.0,
    activation="tanh",
):
    X = (rng.normal(size=(n, d)) * scale).astype(dtype)
    Y = np.eye(k, dtype=dtype)[rng.integers(0, k, n)]
    network = Network([d, *hidden, k], activation, dtype=dtype, backend=backend)
    network.initialize(np.random.default_rng(1))
    return network, X, Y


def sgd(network, **kwargs):
    return SGD(network.params.size, network.dtype, backend=network.backend, **kwargs)


def make_stepper(network, optimizer=None, schedule=None, plateau=None):
    return Stepper(
        optimizer or sgd(network, momentum=0.9),
        schedule or LearningRateSchedule(0.1),
        plateau or Plateau(1e-4, 100),
    )


def run(
    network,
    X,
    Y,
    sample_weight=None,
    *,
    optimizer=None,
    schedule=None,
    penalty=None,
    plateau=None,
    on_epoch=None,
    on_epoch_begin=None,
    validate=None,
    batch_size=8,
    max_iter=5,
    shuffle=True,
    watch_validation=False,
    rng=None,
    seen=0,
):
    """run_stochastic with small defaults; also returns params after every epoch."""
    snapshots = []

    def end(record):
        snapshots.append(network.params.copy())
        return on_epoch(record) if on_epoch else False

    result = run_stochastic(
        Objective(network, head(network), penalty or penalty_of(network, 1e-3)),
        make_stepper(network, optimizer, schedule, plateau),
        DataSet(X, Y, sample_weight),
        LoopSettings(batch_size, max_iter, shuffle, watch_validation),
        np.random.default_rng(2) if rng is None else rng,
        EpochHooks(begin=on_epoch_begin, validate=validate, end=end),
        seen,
    )
    return result, snapshots


# ----------------------------------------------------------------- records


def test_one_record_per_epoch(backend, rng):
    network, X, Y = make_problem(backend, rng)
    schedule = LearningRateSchedule(0.1, decay=0.5)
    optimizer = sgd(network)
    result, snapshots = run(
        network, X, Y, optimizer=optimizer, schedule=schedule, seen=7
    )
    assert result.stop_reason == "max_iter"
    assert len(result.epochs) == len(snapshots) == 5
    assert all(isinstance(r, EpochRecord) for r in result.epochs)
    assert [r.epoch for r in result.epochs] == [1, 2, 3, 4, 5]
    assert result.samples_seen == 7 + 5 * 20
    assert optimizer.steps == 5 * 3  # batches of 8, 8 and 4
    # learning_rate is the schedule's rate at the first step of the epoch
    for r in result.epochs:
        assert r.learning_rate == pytest.approx(0.1 / (1 + 0.5 * 3 * (r.epoch - 1)))
        assert np.isfinite(r.loss) and r.seconds >= 0
        assert r.validation_score is None and r.validation_loss is None
    assert result.epochs[-1].loss < result.epochs[0].loss


def test_bundle_defaults():
    settings = LoopSettings(16, 7)
    assert (settings.shuffle, settings.watch_validation) == (True, False)
    data = DataSet("X", "Y")
    assert data.sample_weight is None and data.y is None
    hooks = EpochHooks()
    assert hooks.begin is hooks.validate is hooks.end is None
    result = TrainingResult()
    assert (result.epochs, result.stop_reason, result.samples_seen) == (
        [],
        "max_iter",
        0,
    )


def test_run_stochastic_with_default_hooks_and_seen(backend, rng):
    network, X, Y = make_problem(backend, rng)
    start = network.params.copy()
    finals, results = [], []
    for explicit in (False, True):
        network.params[...] = start
        objective = Objective(network, head(network), penalty_of(network, 1e-3))
        stepper = make_stepper(network)
        data = DataSet(X, Y, None, y=Y.argmax(axis=1))  # y: not the loop's business
        args = (objective, stepper, data, LoopSettings(8, 3))
        if explicit:
            result = run_stochastic(
                *args, np.random.default_rng(4), hooks=EpochHooks(), seen=0
            )
        else:
            result = run_stochastic(*args, np.random.default_rng(4))
        finals.append(network.params.copy())
        results.append(result)
        assert result.stop_reason == "max_iter"
        assert result.samples_seen == 3 * 20
        assert len(result.epochs) == 3 and stepper.optimizer.steps == 3 * 3
    assert_array_equal(finals[0], finals[1])
    assert not np.array_equal(finals[0], start)
    assert [r.loss for r in results[0].epochs] == [r.loss for r in results[1].epochs]


def reference_sgd(params, sizes, batches, lrs, alpha, momentum=0.9, nesterov=True):
    """Minibatch SGD written out with the formulas of _reference: for each batch
    (X, Y, w) and rate, the objective's value (softmax head, tanh units, L2
    penalty over B = sum of w) and one step along its gradient. Returns the
    final parameters and each batch's (value, B)."""
    params = np.asarray(params, np.float64).copy()
    state = {"steps": 0, "velocity": np.zeros_like(params)}
    values = []
    for (Xb, Yb, wb), lr in zip(batches, lrs, strict=True):
        args = (sizes, "tanh", "softmax", Xb, Yb, wb, alpha, 0.0)
        values.append((ref.objective(params, *args), float(np.sum(wb))))
        grad = ref.gradient(params, *args)
        params, state = ref.sgd_step(params, grad, state, lr, momentum, nesterov)
    return params, values


def test_loop_matches_a_hand_written_replay(backend, rng):
    network, X, Y = make_problem(backend, rng, n=20)
    start = network.params.copy()
    w = rng.uniform(0.2, 2.0, 20)
    optimizer = sgd(network, momentum=0.9, nesterov=True)
    result, _ = run(
        network,
        X,
        Y,
        w,
        optimizer=optimizer,
        penalty=penalty_of(network, 0.3),
        schedule=LearningRateSchedule(0.2, decay=0.1),
        shuffle=False,
        max_iter=3,
    )
    # batches of 8, 8 and 4 rows in order, three epochs; lr = 0.2 / (1 + 0.1 s)
    slices = [slice(0, 8), slice(8, 16), slice(16, 20)] * 3
    batches = [(X[sl], Y[sl], w[sl]) for sl in slices]
    lrs = [0.2 / (1 + 0.1 * s) for s in range(9)]
    expected, values = reference_sgd(start, network.layer_sizes, batches, lrs, 0.3)
    for epoch, record in enumerate(result.epochs):
        losses = values[3 * epoch : 3 * epoch + 3]
        mean = sum(v * B for v, B in losses) / sum(B for _, B in losses)
        assert record.loss == pytest.approx(mean, rel=1e-12)
    assert_allclose(network.params, expected, rtol=1e-11, atol=1e-14)


def test_shuffling_is_seeded_and_full_batches_ignore_it(backend, rng):
    network, X, Y = make_problem(backend, rng)
    start = network.params.copy()
    finals = {}
    for key, seed, batch_size, shuffle in [
        ("a", 0, 8, True),
        ("a again", 0, 8, True),
        ("b", 1, 8, True),
        ("full", 0, 20, True),
        ("full, in order", 0, 20, False),
    ]:
        network.params[...] = start
        run(
            network,
            X,
            Y,
            rng=np.random.default_rng(seed),
            batch_size=batch_size,
            shuffle=shuffle,
            optimizer=Adam(network.params.size, np.float64, backend=backend),
        )
        finals[key] = network.params.copy()
    assert_array_equal(finals["a"], finals["a again"])
    assert not np.allclose(finals["a"], finals["b"])
    assert_allclose(finals["full"], finals["full, in order"], rtol=1e-10, atol=1e-12)


def test_shuffling_accepts_a_random_state(backend, rng):
    network, X, Y = make_problem(backend, rng)
    start = network.params.copy()
    finals = []
    for _ in range(2):
        network.params[...] = start
        run(network, X, Y, rng=np.random.RandomState(0), max_iter=2)
        finals.append(network.params.copy())
    assert_array_equal(finals[0], finals[1])
    assert not np.array_equal(finals[0], start)


def test_invscaling_sees_cumulative_samples(backend, rng):
    network, X, Y = make_problem(backend, rng)
    schedule = LearningRateSchedule(0.1, "invscaling", power_t=0.5)
    result, _ = run(network, X, Y, schedule=schedule, seen=100, max_iter=3)
    assert schedule.base == pytest.approx(0.1 / (100 + 3 * 20 + 1) ** 0.5)
    assert result.epochs[1].learning_rate == pytest.approx(0.1 / (120 + 1) ** 0.5)


def test_float32_training_stays_float32(backend, rng):
    network, X, Y = make_problem(backend, rng, dtype=np.float32)
    start = network.params.copy()
    result, _ = run(
        network, X, Y, optimizer=Adam(network.params.size, np.float32, backend=backend)
    )
    assert result.stop_reason == "max_iter"
    assert network.params.dtype == np.float32
    assert not np.array_equal(network.params, start)


# ---------------------------------------------------- divergence, skipping


def test_divergence_restores_the_last_good_weights(backend, rng):
    # huge rate on unscaled data: the weights grow ~1e40 times per step
    network, X, Y = make_problem(
        backend, rng, n=40, hidden=(8, 8), scale=1e3, activation="relu"
    )
    optimizer = sgd(network, momentum=0.9)
    with np.errstate(all="ignore"):
        result, snapshots = run(
            network,
            X,
            Y,
            optimizer=optimizer,
            penalty=penalty_of(network, 1.0),
            schedule=LearningRateSchedule(1e12),
            batch_size=40,
            max_iter=50,
        )
    assert result.stop_reason == "diverged"
    assert 1 <= len(result.epochs) < 50  # some good epochs, then the blow-up
    assert all(np.isfinite(r.loss) for r in result.epochs)
    assert np.isfinite(network.params).all()
    assert np.isfinite(network.forward(X)).all()  # the kept weights predict
    kept = network.params.copy()
    # the last completed epoch's weights when they still give finite outputs,
    # else all-zero weights (uniform probabilities)
    network.params[...] = snapshots[-1]
    with np.errstate(all="ignore"):
        last_epoch_is_finite = np.isfinite(network.forward(X)).all()
    assert_array_equal(kept, snapshots[-1] if last_epoch_is_finite else 0.0)
    assert result.samples_seen == 40 * len(result.epochs)
    # the optimizer forgets the state that led there
    assert optimizer.steps == 0
    assert_array_equal(optimizer.velocity, 0.0)


def test_divergence_in_the_first_epoch_restores_the_initial_weights(backend, rng):
    network, X, Y = make_problem(backend, rng, n=40, hidden=(8, 8), scale=1e3)
    initial = network.params.copy()
    with np.errstate(all="ignore"):
        result, snapshots = run(
            network,
            X,
            Y,
            penalty=penalty_of(network, 1e3),
            batch_size=4,
            schedule=LearningRateSchedule(1e100),
            max_iter=5,
        )
    assert result.stop_reason == "diverged"
    assert result.epochs == [] and snapshots == []
    assert_array_equal(network.params, initial)


def test_zero_weight_minibatch_is_skipped(backend, rng):
    network, X, Y = make_problem(backend, rng, n=10)
    start = network.params.copy()
    w = np.r_[np.zeros(5), rng.uniform(0.5, 2, 5)]
    optimizer = sgd(network, momentum=0.9, nesterov=False)
    result, _ = run(
        network, X, Y, w, optimizer=optimizer, batch_size=5, shuffle=False, max_iter=2
    )
    # the first batch has no weight: no step, no share of the epoch's loss;
    # each epoch is one step on the second batch
    assert optimizer.steps == 2
    batch = (X[5:], Y[5:], w[5:])
    expected, values = reference_sgd(
        start, network.layer_sizes, [batch] * 2, [0.1] * 2, 1e-3, nesterov=False
    )
    assert_allclose(network.params, expected, rtol=1e-12, atol=1e-15)
    assert [r.loss for r in result.epochs] == pytest.approx(
        [v for v, _ in values], rel=1e-12
    )


def test_train_step_with_zero_weight_sum_does_nothing(backend, rng):
    network, X, Y = make_problem(backend, rng, n=4)
    optimizer = sgd(network)
    stepper = make_stepper(network, optimizer)
    before = network.params.copy()
    objective = Objective(network, head(network), penalty_of(network, 1.0))
    loss, B = train_step(objective, stepper, X, Y, np.zeros(4))
    assert (loss, B) == (0.0, 0.0)
    assert_array_equal(network.params, before)
    assert optimizer.steps == 0


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_train_step_is_one_step_on_the_objective_gradient(backend, l1_ratio, rng):
    # the penalty's gradient is part of the step (train_step hands it to the
    # optimizer), and the loss returned is the objective before the step
    network, X, Y = make_problem(backend, rng, n=6)
    params = network.params.astype(np.float64)
    w = rng.uniform(0.5, 2.0, 6)
    schedule = LearningRateSchedule(0.3, decay=1.0)
    stepper = make_stepper(network, schedule=schedule)
    objective = Objective(network, head(network), penalty_of(network, 0.2, l1_ratio))
    state = {"steps": 0, "velocity": np.zeros_like(params)}
    args = (network.layer_sizes, "tanh", "softmax", X, Y, w, 0.2, l1_ratio)
    for s in (0, 1):
        loss, B = train_step(objective, stepper, X, Y, w)
        assert B == pytest.approx(w.sum(), rel=1e-15)
        assert stepper.optimizer.steps == s + 1
        assert loss == pytest.approx(ref.objective(params, *args), rel=1e-12)
        # v = mu v - lr g, Nesterov's update, lr = 0.3 / (1 + s)
        params, state = ref.sgd_step(
            params, ref.gradient(params, *args), state, 0.3 / (1 + s), 0.9, True
        )
        assert_allclose(network.params, params, rtol=1e-12, atol=1e-15)


def test_run_epoch_returns_the_weighted_mean_batch_loss(backend, rng):
    network, X, Y = make_problem(backend, rng, n=10)
    w = rng.uniform(0.5, 2.0, 10)
    stepper = make_stepper(network, schedule=LearningRateSchedule(0.0))  # no move
    objective = Objective(network, head(network), penalty_of(network, 0.5))
    batches = [(X[:4], Y[:4], w[:4]), (X[4:], Y[4:], w[4:])]
    sizes = network.layer_sizes
    losses = [
        ref.objective(network.params, sizes, "tanh", "softmax", *batch, 0.5, 0.0)
        for batch in batches
    ]
    expected = (losses[0] * w[:4].sum() + losses[1] * w[4:].sum()) / w.sum()
    assert run_epoch(objective, stepper, batches) == pytest.approx(expected, rel=1e-13)
    assert stepper.optimizer.steps == 2
    # batches of zero weight count for nothing; an epoch of nothing but them is NaN
    zero = (X[:3], Y[:3], np.zeros(3))
    assert run_epoch(objective, stepper, [zero, *batches]) == pytest.approx(expected)
    assert stepper.optimizer.steps == 4
    assert np.isnan(run_epoch(objective, stepper, [zero, zero]))
    assert stepper.optimizer.steps == 4


def test_run_epoch_stops_at_a_non_finite_batch(backend, rng):
    network, X, Y = make_problem(backend, rng, n=9)
    stepper = make_stepper(network)
    objective = Objective(network, head(network), penalty_of(network, 0.0))
    bad = Y[3:6].copy()
    bad[0, 0] = np.nan  # a batch whose loss is NaN
    batches = [(X[:3], Y[:3], None), (X[3:6], bad, None), (X[6:], Y[6:], None)]
    with np.errstate(all="ignore"):
        assert np.isnan(run_epoch(objective, stepper, batches))
    assert stepper.optimizer.steps == 1  # the non-finite batch took no step


# ------------------------------------------------------------------ batches


def collect(batches):
    """Copies of every (X, Y, w) of one pass (the shuffled X is a reused buffer)."""
    return [
        (np.array(Xb.toarray() if sp.issparse(Xb) else Xb), Yb.copy(), wb)
        for Xb, Yb, wb in batches
    ]


def test_batches_in_order_are_consecutive_slices(backend, rng):
    X, Y, w = rng.normal(size=(10, 2)), rng.normal(size=(10, 3)), rng.random(10)
    batches = _Batches(DataSet(X, Y, w), 4, False, rng, backend)
    for _ in range(2):  # every pass the same
        got = list(batches)
        assert [len(b[0]) for b in got] == [4, 4, 2]
        for (Xb, Yb, wb), start in zip(got, (0, 4, 8), strict=True):
            assert_array_equal(Xb, X[start : start + 4])
            assert_array_equal(Yb, Y[start : start + 4])
            assert_array_equal(wb, w[start : start + 4])
    assert all(b[2] is None for b in _Batches(DataSet(X, Y), 4, False, rng, backend))


@pytest.mark.parametrize("sparse", [False, True])
def test_shuffled_batches_visit_every_row_once_per_pass(backend, sparse, rng):
    if sparse and not numpy_arithmetic(backend):
        pytest.skip("sparse input trains on the NumPy backends only")
    X = np.arange(22.0).reshape(11, 2)  # row i holds 2i, 2i + 1
    Y, w = np.arange(11.0)[:, None] * 10, np.arange(11.0) / 10
    data = DataSet(sp.csr_matrix(X) if sparse else X, Y, w)
    batches = _Batches(data, 4, True, np.random.default_rng(3), backend)
    orders = []
    for _ in range(3):
        got = collect(batches)
        assert [len(b[0]) for b in got] == [4, 4, 3]
        rows = np.concatenate([Xb[:, 0] / 2 for Xb, _, _ in got]).astype(int)
        assert sorted(rows) == list(range(11))  # a permutation
        for Xb, Yb, wb in got:  # X, Y and w rows stay together
            i = (Xb[:, 0] / 2).astype(int)
            assert_array_equal(Xb, X[i])
            assert_array_equal(Yb[:, 0], 10 * i)
            assert_array_equal(wb, i / 10)
        orders.append(rows)
    assert not np.array_equal(orders[0], orders[1])  # a new order every pass
    assert_array_equal(X, np.arange(22.0).reshape(11, 2))  # X itself untouched


# ---------------------------------------------------------------- plateaus


def test_plateau_counts_stalls_and_resets_on_real_improvement():
    plateau = Plateau(tol=0.5, patience=2)
    assert plateau.best == -np.inf and plateau.count == 0
    # value, new best?, count, best  (binary-exact numbers: no rounding at best + tol)
    expected = [
        (1.0, True, 0, 1.0),  # first value
        (1.25, True, 1, 1.25),  # better, by less than tol: a stall that moves best
        (0.0, False, 2, 1.25),  # worse: stall
        (1.75, True, 0, 1.75),  # better by exactly tol: reset
        (2.0, True, 1, 2.0),
        (2.0, False, 2, 2.0),
    ]
    for value, is_best, count, best in expected:
        assert plateau.update(value) is is_best
        assert (plateau.count, plateau.best) == (count, best)
        assert not plateau.exhausted  # count <= patience
    plateau.update(1.0)
    assert plateau.count == 3 and plateau.exhausted


def test_plateau_resumes_from_given_state():
    plateau = Plateau(tol=0.0, patience=0, best=2.0, count=5)
    assert plateau.exhausted
    assert plateau.update(3.0) is True and plateau.count == 0
    assert not plateau.exhausted


def test_infinite_patience_never_stops(backend, rng):
    plateau = Plateau(tol=1.0, patience=np.inf)
    for _ in range(50):
        plateau.update(0.0)
    assert plateau.count == 49 and not plateau.exhausted
    network, X, Y = make_problem(backend, rng)
    result, _ = run(
        network,
        X,
        Y,
        schedule=LearningRateSchedule(0.0),
        plateau=Plateau(1e-4, np.inf),
        max_iter=12,
    )
    assert result.stop_reason == "max_iter" and len(result.epochs) == 12


def test_training_loss_plateau_stops_after_patience(backend, rng):
    network, X, Y = make_problem(backend, rng)
    result, _ = run(
        network,
        X,
        Y,
        schedule=LearningRateSchedule(0.0),
        plateau=Plateau(1e-4, 3),
        max_iter=50,
    )
    assert result.stop_reason == "no_improvement"
    assert len(result.epochs) == 3 + 2  # the first epoch sets best, then 4 stalls


# ----------------------------------------------------------- early stopping


def scripted(scores):
    it = iter(scores)
    return lambda: (next(it), 0.5)


def test_watch_validation_restores_best_epoch(backend, rng):
    network, X, Y = make_problem(backend, rng)
    result, snapshots = run(
        network,
        X,
        Y,
        validate=scripted([0.1, 0.5, 0.3, 0.2, 0.2, 0.9]),
        watch_validation=True,
        plateau=Plateau(1e-4, 2),
        max_iter=10,
    )
    assert result.stop_reason == "no_improvement"
    assert [r.validation_score for r in result.epochs] == [0.1, 0.5, 0.3, 0.2, 0.2]
    assert all(r.validation_loss == 0.5 for r in result.epochs)
    assert_array_equal(network.params, snapshots[1])
    assert not np.array_equal(network.params, snapshots[-1])


def test_validation_without_watching_keeps_last_weights(backend, rng):
    network, X, Y = make_problem(backend, rng)
    result, snapshots = run(
        network, X, Y, validate=scripted([0.9, 0.1, 0.1]), max_iter=3
    )
    assert result.stop_reason == "max_iter"
    assert [r.validation_score for r in result.epochs] == [0.9, 0.1, 0.1]
    assert_array_equal(network.params, snapshots[-1])


def test_adaptive_rate_drops_on_each_plateau_then_stops(backend, rng):
    network, X, Y = make_problem(backend, rng)
    schedule = LearningRateSchedule(1e-3, "adaptive")
    result, _ = run(
        network,
        X,
        Y,
        schedule=schedule,
        validate=lambda: (0.5, 0.1),
        watch_validation=True,
        plateau=Plateau(1e-4, 1),
        max_iter=100,
    )
    # stalls from epoch 2 on; every second stall lowers the rate, five times
    rates = (
        [1e-3] * 3 + [2e-4] * 2 + [4e-5] * 2 + [8e-6] * 2 + [1.6e-6] * 2 + [3.2e-7] * 2
    )
    assert result.stop_reason == "no_improvement"
    assert_allclose([r.learning_rate for r in result.epochs], rates, rtol=1e-12)


def test_on_epoch_begin_runs_before_each_epoch(backend, rng):
    network, X, Y = make_problem(backend, rng)
    events = []
    run(
        network,
        X,
        Y,
        on_epoch_begin=lambda: events.append("begin"),
        on_epoch=lambda r: events.append(r.epoch),
        max_iter=3,
    )
    assert events == ["begin", 1, "begin", 2, "begin", 3]


def test_callback_can_stop(backend, rng):
    network, X, Y = make_problem(backend, rng)
    result, snapshots = run(network, X, Y, on_epoch=lambda r: r.epoch == 2, max_iter=10)
    assert result.stop_reason == "callback"
    assert len(result.epochs) == 2
    assert_array_equal(network.params, snapshots[-1])


# -------------------------------------------------------------- interrupts


def test_interrupt_from_on_epoch_keeps_weights_of_the_recorded_epochs(backend, rng):
    network, X, Y = make_problem(backend, rng)
    optimizer = sgd(network, momentum=0.9)

    def on_epoch(record):
        if record.epoch == 3:
            raise KeyboardInterrupt  # e.g. Ctrl-C while the verbose line prints

    result, snapshots = run(
        network, X, Y, optimizer=optimizer, on_epoch=on_epoch, max_iter=10
    )
    assert result.stop_reason == "interrupted"
    assert np.isfinite(network.params).all()
    assert len(snapshots) == 3
    # the records, samples_seen and the optimizer's state all include epoch 3,
    # which completed: the weights must be those after the last recorded epoch
    assert len(result.epochs) == 3 and result.samples_seen == 3 * 20
    assert optimizer.steps == 3 * 3
    assert_array_equal(network.params, snapshots[len(result.epochs) - 1])


def test_interrupt_in_a_half_applied_step_restores_the_epoch_start(backend, rng):
    network, X, Y = make_problem(backend, rng, n=16)
    optimizer = sgd(network, momentum=0.9)
    calls = itertools.count(1)
    step = optimizer.step

    def interrupted_step(params, grads, lr, penalty=None):
        if next(calls) == 4:  # epoch 2, second batch
            params += 1e6  # a step interrupted half-way
            raise KeyboardInterrupt
        step(params, grads, lr, penalty)

    optimizer.step = interrupted_step
    result, snapshots = run(
        network, X, Y, optimizer=optimizer, batch_size=8, max_iter=5
    )
    assert result.stop_reason == "interrupted"
    assert len(result.epochs) == 1
    assert_array_equal(network.params, snapshots[0])


def test_interrupt_keeps_the_best_validation_weights(backend, rng):
    network, X, Y = make_problem(backend, rng)

    def on_epoch(record):
        if record.epoch == 4:
            raise KeyboardInterrupt

    result, snapshots = run(
        network,
        X,
        Y,
        validate=scripted([0.2, 0.8, 0.1, 0.1]),
        watch_validation=True,
        on_epoch=on_epoch,
        max_iter=10,
    )
    assert result.stop_reason == "interrupted"
    assert_array_equal(network.params, snapshots[1])
