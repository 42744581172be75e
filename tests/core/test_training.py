"""The minibatch loop: records, divergence, skipped batches, plateaus, stopping."""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.losses import SoftmaxCrossEntropy
from skmlp._core.network import Network
from skmlp._core.optimizers import SGD, Adam
from skmlp._core.penalties import L2
from skmlp._core.schedules import LearningRateSchedule
from skmlp._core.training import EpochRecord, Plateau, run_stochastic, train_step

HEAD = SoftmaxCrossEntropy


def make_problem(
    rng, n=20, d=3, k=3, hidden=(4,), dtype=np.float64, scale=1.0, activation="tanh"
):
    X = (rng.normal(size=(n, d)) * scale).astype(dtype)
    Y = np.eye(k, dtype=dtype)[rng.integers(0, k, n)]
    network = Network([d, *hidden, k], activation, dtype=dtype)
    network.initialize(np.random.default_rng(1))
    return network, X, Y


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
    **kwargs,
):
    """run_stochastic with small defaults; also returns params after every epoch."""
    optimizer = optimizer or SGD(network.params.size, network.dtype, momentum=0.9)
    schedule = schedule or LearningRateSchedule(0.1)
    snapshots = []
    user_on_epoch = kwargs.pop("on_epoch", None)

    def on_epoch(record):
        snapshots.append(network.params.copy())
        return user_on_epoch(record) if user_on_epoch else False

    kwargs = {"batch_size": 8, "max_iter": 5, "rng": np.random.default_rng(2), **kwargs}
    result = run_stochastic(
        network,
        HEAD,
        penalty or L2(1e-3),
        optimizer,
        schedule,
        X,
        Y,
        sample_weight,
        plateau=plateau or Plateau(1e-4, 100),
        on_epoch=on_epoch,
        **kwargs,
    )
    return result, snapshots


# ----------------------------------------------------------------- records


def test_one_record_per_epoch(rng):
    network, X, Y = make_problem(rng)
    schedule = LearningRateSchedule(0.1, decay=0.5)
    optimizer = SGD(network.params.size, np.float64)
    result, snapshots = run(
        network, X, Y, optimizer=optimizer, schedule=schedule, samples_seen=7
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


def test_loop_matches_a_hand_written_replay(rng):
    network, X, Y = make_problem(rng, n=20)
    replay = Network(network.layer_sizes, "tanh")
    replay.params[...] = network.params
    w = rng.uniform(0.2, 2.0, 20)
    penalty = L2(0.3)
    optimizer = SGD(network.params.size, np.float64, momentum=0.9, nesterov=True)
    result, _ = run(
        network,
        X,
        Y,
        w,
        optimizer=optimizer,
        penalty=penalty,
        schedule=LearningRateSchedule(0.2, decay=0.1),
        shuffle=False,
        max_iter=3,
    )

    opt = SGD(replay.params.size, np.float64, momentum=0.9, nesterov=True)
    schedule = LearningRateSchedule(0.2, decay=0.1)
    for record in result.epochs:
        total, weight = 0.0, 0.0
        for start in range(0, 20, 8):
            sl = slice(start, start + 8)
            B = w[sl].sum()
            loss, dZ = HEAD.value_and_grad(
                replay.forward(X[sl], training=True), Y[sl], w[sl]
            )
            replay.backward(dZ)
            loss += penalty.value(replay.weights, B)
            penalty.add_grad(replay.weights, replay.weight_grads, B)
            opt.step(replay.params, replay.grads, schedule.rate(opt.steps))
            total, weight = total + loss * B, weight + B
        assert record.loss == pytest.approx(total / weight, rel=1e-12)
    assert_allclose(network.params, replay.params, rtol=1e-12, atol=1e-15)


def test_shuffling_is_seeded_and_full_batches_ignore_it(rng):
    network, X, Y = make_problem(rng)
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
            optimizer=Adam(network.params.size, np.float64),
        )
        finals[key] = network.params.copy()
    assert_array_equal(finals["a"], finals["a again"])
    assert not np.allclose(finals["a"], finals["b"])
    assert_allclose(finals["full"], finals["full, in order"], rtol=1e-10, atol=1e-12)


def test_shuffling_accepts_a_random_state(rng):
    network, X, Y = make_problem(rng)
    start = network.params.copy()
    finals = []
    for _ in range(2):
        network.params[...] = start
        run(network, X, Y, rng=np.random.RandomState(0), max_iter=2)
        finals.append(network.params.copy())
    assert_array_equal(finals[0], finals[1])
    assert not np.array_equal(finals[0], start)


def test_invscaling_sees_cumulative_samples(rng):
    network, X, Y = make_problem(rng)
    schedule = LearningRateSchedule(0.1, "invscaling", power_t=0.5)
    result, _ = run(network, X, Y, schedule=schedule, samples_seen=100, max_iter=3)
    assert schedule.base == pytest.approx(0.1 / (100 + 3 * 20 + 1) ** 0.5)
    assert result.epochs[1].learning_rate == pytest.approx(0.1 / (120 + 1) ** 0.5)


def test_float32_training_stays_float32(rng):
    network, X, Y = make_problem(rng, dtype=np.float32)
    start = network.params.copy()
    result, _ = run(network, X, Y, optimizer=Adam(network.params.size, np.float32))
    assert result.stop_reason == "max_iter"
    assert network.params.dtype == np.float32
    assert not np.array_equal(network.params, start)


# ---------------------------------------------------- divergence, skipping


def test_divergence_restores_the_last_good_weights(rng):
    # huge rate on unscaled data: the weights grow ~1e40 times per step
    network, X, Y = make_problem(rng, n=40, hidden=(8, 8), scale=1e3, activation="relu")
    optimizer = SGD(network.params.size, np.float64, momentum=0.9)
    with np.errstate(all="ignore"):
        result, snapshots = run(
            network,
            X,
            Y,
            optimizer=optimizer,
            penalty=L2(1.0),
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


def test_divergence_in_the_first_epoch_restores_the_initial_weights(rng):
    network, X, Y = make_problem(rng, n=40, hidden=(8, 8), scale=1e3)
    initial = network.params.copy()
    with np.errstate(all="ignore"):
        result, snapshots = run(
            network,
            X,
            Y,
            penalty=L2(1e3),
            batch_size=4,
            schedule=LearningRateSchedule(1e100),
            max_iter=5,
        )
    assert result.stop_reason == "diverged"
    assert result.epochs == [] and snapshots == []
    assert_array_equal(network.params, initial)


def test_zero_weight_minibatch_is_skipped(rng):
    network, X, Y = make_problem(rng, n=10)
    other = Network(network.layer_sizes, "tanh")
    other.params[...] = network.params
    w = np.r_[np.zeros(5), rng.uniform(0.5, 2, 5)]
    opt1 = SGD(network.params.size, np.float64, momentum=0.9)
    opt2 = SGD(network.params.size, np.float64, momentum=0.9)
    r1, _ = run(
        network, X, Y, w, optimizer=opt1, batch_size=5, shuffle=False, max_iter=2
    )
    r2, _ = run(
        other,
        X[5:],
        Y[5:],
        w[5:],
        optimizer=opt2,
        batch_size=5,
        shuffle=False,
        max_iter=2,
    )
    assert opt1.steps == opt2.steps == 2
    assert_array_equal(network.params, other.params)
    assert [r.loss for r in r1.epochs] == [r.loss for r in r2.epochs]


def test_train_step_with_zero_weight_sum_does_nothing(rng):
    network, X, Y = make_problem(rng, n=4)
    optimizer = SGD(network.params.size, np.float64)
    before = network.params.copy()
    loss, B = train_step(
        network, HEAD, L2(1.0), optimizer, LearningRateSchedule(0.1), X, Y, np.zeros(4)
    )
    assert (loss, B) == (0.0, 0.0)
    assert_array_equal(network.params, before)
    assert optimizer.steps == 0


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


def test_infinite_patience_never_stops(rng):
    plateau = Plateau(tol=1.0, patience=np.inf)
    for _ in range(50):
        plateau.update(0.0)
    assert plateau.count == 49 and not plateau.exhausted
    network, X, Y = make_problem(rng)
    result, _ = run(
        network,
        X,
        Y,
        schedule=LearningRateSchedule(0.0),
        plateau=Plateau(1e-4, np.inf),
        max_iter=12,
    )
    assert result.stop_reason == "max_iter" and len(result.epochs) == 12


def test_training_loss_plateau_stops_after_patience(rng):
    network, X, Y = make_problem(rng)
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


def test_watch_validation_restores_best_epoch(rng):
    network, X, Y = make_problem(rng)
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


def test_validation_without_watching_keeps_last_weights(rng):
    network, X, Y = make_problem(rng)
    result, snapshots = run(
        network, X, Y, validate=scripted([0.9, 0.1, 0.1]), max_iter=3
    )
    assert result.stop_reason == "max_iter"
    assert [r.validation_score for r in result.epochs] == [0.9, 0.1, 0.1]
    assert_array_equal(network.params, snapshots[-1])


def test_adaptive_rate_drops_on_each_plateau_then_stops(rng):
    network, X, Y = make_problem(rng)
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


def test_on_epoch_begin_runs_before_each_epoch(rng):
    network, X, Y = make_problem(rng)
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


def test_callback_can_stop(rng):
    network, X, Y = make_problem(rng)
    result, snapshots = run(network, X, Y, on_epoch=lambda r: r.epoch == 2, max_iter=10)
    assert result.stop_reason == "callback"
    assert len(result.epochs) == 2
    assert_array_equal(network.params, snapshots[-1])


# -------------------------------------------------------------- interrupts


def test_interrupt_from_on_epoch_keeps_weights_of_the_recorded_epochs(rng):
    network, X, Y = make_problem(rng)
    optimizer = SGD(network.params.size, np.float64, momentum=0.9)

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


def test_interrupt_in_a_half_applied_step_restores_the_epoch_start(rng):
    network, X, Y = make_problem(rng, n=16)
    optimizer = SGD(network.params.size, np.float64, momentum=0.9)
    calls = itertools.count(1)
    step = optimizer.step

    def interrupted_step(params, grads, lr):
        if next(calls) == 4:  # epoch 2, second batch
            params += 1e6  # a step interrupted half-way
            raise KeyboardInterrupt
        step(params, grads, lr)

    optimizer.step = interrupted_step
    result, snapshots = run(
        network, X, Y, optimizer=optimizer, batch_size=8, max_iter=5
    )
    assert result.stop_reason == "interrupted"
    assert len(result.epochs) == 1
    assert_array_equal(network.params, snapshots[0])


def test_interrupt_keeps_the_best_validation_weights(rng):
    network, X, Y = make_problem(rng)

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
