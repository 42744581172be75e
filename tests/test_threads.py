"""Threads chosen by the work: the same model whatever the count, limits only lowered.

A fit chooses its BLAS threads (``skmlp._threads``): one thread for a step
too small to share, else the faster of the caller's count and one thread,
timed on its own steps. None of it may change a model, raise a limit the
caller set, or leave a limit changed after the fit.
"""

import hashlib
import math
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from threadpoolctl import threadpool_info, threadpool_limits

import skmlp._threads as threads_module
from skmlp import ScratchLogisticNet, ScratchMLPClassifier
from skmlp._core.backends import blas_libraries
from skmlp._threads import SMALL_STEP_FLOPS, ThreadChooser, free_cores, step_flops

# the architectures, dtypes, batch sizes and feature counts of the benchmarks'
# training rows (benchmarks/mlpbench/rows.py), on fewer rows
BENCHMARK_CONFIGURATIONS = {
    "adam-256x256-f64": dict(hidden_layer_sizes=(256, 256), dtype=np.float64),
    "adam-256x256-f32": dict(hidden_layer_sizes=(256, 256), dtype=np.float32),
    "adam-1024x1024-f32": dict(
        hidden_layer_sizes=(1024, 1024), dtype=np.float32, batch_size=512
    ),
    "adam-64-f64": dict(hidden_layer_sizes=(64,), dtype=np.float64),
    "dropout-256x256-f32": dict(
        hidden_layer_sizes=(256, 256), dtype=np.float32, dropout=0.2
    ),
    "adam-64-digits": dict(hidden_layer_sizes=(64,), n_features=64),
    "lbfgs-digits": dict(
        hidden_layer_sizes=(64,), solver="lbfgs", max_iter=20, n_features=64
    ),
}

# OpenBLAS sums a product's reduction in blocks; where the reduction is
# longer than a block (256 here) the blocks depend on the thread count, and
# so do the last bits of the result. Those configurations give models within
# rounding of each other, the others the same bits.
BLAS_BLOCK = 256
RTOL = {np.float64: 1e-9, np.float32: 1e-3}


def _reductions(params, n_rows):
    """The reduction lengths of a step's products: inputs, widths and batch rows."""
    sizes = [params.get("n_features", 784), *params["hidden_layer_sizes"]]
    batch = n_rows if params.get("solver") == "lbfgs" else params.get("batch_size", 200)
    return [*sizes, min(batch, n_rows)]


@pytest.fixture(autouse=True)
def cores_free(monkeypatch):
    """What :func:`skmlp._threads.free_cores` answers: all the machine's cores
    unless a test says otherwise, so that the probe tests do not depend on
    what else this machine runs."""
    free = {"cores": math.inf}
    monkeypatch.setattr(threads_module, "free_cores", lambda: free["cores"])
    return free


def _blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def _data(dtype=np.float64, n=1200, d=100):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)).astype(dtype)
    y = (X[:, :3] @ [1.0, -2.0, 0.5] > 0).astype(int) + (X[:, 3] > 1)
    return X, y


def _fit(params, X, y):
    params = {"max_iter": 2, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ScratchMLPClassifier(**params).fit(X, y)


@pytest.mark.skipif(len(set(_blas_threads())) == 0, reason="no BLAS library found")
@pytest.mark.parametrize("name", list(BENCHMARK_CONFIGURATIONS))
def test_one_thread_and_all_threads_train_the_same_model(name):
    params = dict(BENCHMARK_CONFIGURATIONS[name])
    dtype = params.pop("dtype", np.float64)
    X, y = _data(dtype, n=1200, d=params.pop("n_features", 784))
    exact = max(_reductions({**params, "n_features": X.shape[1]}, len(X))) <= BLAS_BLOCK
    with threadpool_limits(1):
        one = _fit(params, X, y)
    with threadpool_limits(max(2, *_blas_threads())):
        every = _fit(params, X, y)
    chosen = _fit(params, X, y)  # the defaults: the fit's own choice
    for model in (every, chosen):
        for a, b in zip(one.coefs_ + one.intercepts_, model.coefs_ + model.intercepts_):
            if exact:
                assert_array_equal(a, b)
            else:
                assert_allclose(a, b, rtol=RTOL[dtype], atol=RTOL[dtype] * 1e-3)


def test_limits_are_restored_after_fit_and_after_an_exception(monkeypatch):
    X, y = _data()
    before = _blas_threads()
    _fit({"hidden_layer_sizes": (256,)}, X, y)
    assert _blas_threads() == before

    from skmlp._core import training

    def interrupted(*args, **kwargs):
        raise RuntimeError("in the middle of an epoch")

    monkeypatch.setattr(training, "run_epoch", interrupted)
    with pytest.raises(RuntimeError, match="middle of an epoch"):
        _fit({"hidden_layer_sizes": (256,)}, X, y)
    assert _blas_threads() == before


def test_a_limit_set_by_the_caller_is_never_raised(monkeypatch):
    seen = []
    for lib in blas_libraries():
        original = lib.set_num_threads

        def spy(n, original=original):
            seen.append(n)
            return original(n)

        monkeypatch.setattr(lib, "set_num_threads", spy)
    X, y = _data()
    with threadpool_limits(1):
        _fit({"hidden_layer_sizes": (256, 256)}, X, y)
        assert set(_blas_threads()) == {1}
    assert seen and set(seen) == {1}


def test_small_steps_run_on_one_thread_without_probing():
    small = step_flops([64, 16, 10], 200)
    assert small < SMALL_STEP_FLOPS
    with threadpool_limits(2):
        chooser = ThreadChooser(small)
        assert chooser.candidates == [1]
        with chooser:
            assert set(_blas_threads()) == {1}
            for _ in range(50):
                chooser(200)
            assert chooser.threads == 1
        assert set(_blas_threads()) == {2}


def _feed(chooser, seconds_of, scale=10.0):
    """Drive the chooser with step times ``scale * seconds_of(threads)``
    (long enough steps to be worth probing, unless ``scale`` is small)."""
    # one clock per chooser, kept from call to call, as time is
    clock = chooser.__dict__.setdefault("_test_clock", [0.0])

    def fake_clock():
        return clock[0]

    original = threads_module.time.perf_counter
    threads_module.time.perf_counter = fake_clock
    try:
        for _ in range(40):
            chooser(100)
            clock[0] += scale * seconds_of(chooser.threads)
    finally:
        threads_module.time.perf_counter = original


@pytest.mark.parametrize("faster", [1, 2])
def test_the_probe_keeps_the_faster_count(faster):
    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            assert chooser.candidates == [1, 2]
            _feed(chooser, lambda n: 1e-3 if n == faster else 3e-3)
            assert chooser.threads == faster
            assert set(_blas_threads()) == {faster}


def test_the_mean_decides_not_the_median():
    # two threads: usually as fast, but every third step waits 10x as long
    # (a product waiting for a thread the scheduler gave away)
    steps = {"n": 0}

    def seconds(n):
        steps["n"] += 1
        if n == 1:
            return 1.2e-3
        return 1e-2 if steps["n"] % 3 == 0 else 1e-3

    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            _feed(chooser, seconds)
            assert chooser.threads == 1


def test_a_drift_starts_a_new_probe():
    state = {"busy": False}

    def seconds(n):  # two threads win until the machine gets busy
        if state["busy"]:
            return 1e-3 if n == 1 else 5e-3
        return 2e-3 if n == 1 else 1e-3

    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            _feed(chooser, seconds)
            assert chooser.threads == 2
            state["busy"] = True
            # past the 300 steps the first probe's six slow one-thread steps
            # ask for before the next (2 % of the steps in between)
            for _ in range(10):
                _feed(chooser, seconds)
            assert chooser.threads == 1


def test_two_fits_in_two_threads_under_different_limits_match_their_fits_alone():
    X, y = _data(n=1500, d=200)
    params = {"hidden_layer_sizes": (512, 256), "max_iter": 2}
    alone = [_fit(params, X, y), _fit({**params, "random_state": 1}, X, y)]
    barrier = threading.Barrier(2)

    def fit_under(limit, seed):
        barrier.wait()
        with threadpool_limits(limit):
            return _fit({**params, "random_state": seed}, X, y)

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(fit_under, 1, 0), pool.submit(fit_under, 2, 1)]
        together = [f.result() for f in futures]
    for a, b in zip(alone, together):
        for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            assert_array_equal(u, v)


def test_lbfgs_restores_the_limits_too():
    X, y = _data()
    before = _blas_threads()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ScratchLogisticNet(max_iter=5).fit(X, y)
    assert _blas_threads() == before


def test_a_far_slower_step_with_more_threads_ends_the_probe_at_once():
    # a busy machine: one step with two threads costs five of one thread;
    # a short fit must not pay for a whole probe of them
    with_two = []

    def seconds(n):
        if n == 2:
            with_two.append(1)
            return 5e-3
        return 1e-3

    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            _feed(chooser, seconds)
            assert chooser.threads == 1
    assert len(with_two) == 1


def test_short_steps_are_not_probed_with_more_threads():
    # a step of 0.1 ms on one thread: sharing could save 50 us, about what
    # waking another thread costs
    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            _feed(chooser, lambda n: 1e-3 if n == 1 else 0.5e-3, scale=0.1)
            assert chooser.threads == 1
            assert 2 not in chooser._times


@pytest.fixture
def probes(monkeypatch):
    """The list of the probes started (one entry each) while a test runs."""
    started = []
    original = ThreadChooser._start_probe

    def counted(self):
        started.append(1)
        original(self)

    monkeypatch.setattr(ThreadChooser, "_start_probe", counted)
    return started


def test_single_slow_steps_do_not_start_a_probe(probes):
    # the epoch's last short batch, a validation pass: one slow step now and
    # then must not cost a probe each time
    steps = {"n": 0}

    def seconds(n):
        steps["n"] += 1
        if steps["n"] % 50 == 0:
            return 2e-2
        return 2e-3 if n == 1 else 1e-3

    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            for _ in range(20):
                _feed(chooser, seconds)
            assert chooser.threads == 2
    assert len(probes) == 1


def test_probes_back_off_while_one_thread_keeps_winning(probes):
    # a machine whose load comes and goes every 150 steps: each change is a
    # drift, but one thread always wins, so each probe waits twice as long
    steps = {"n": 0}

    def seconds(n):
        steps["n"] += 1
        busy = (steps["n"] // 150) % 2
        return (2e-3 if busy else 1e-3) * (1 if n == 1 else 3)

    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            for _ in range(75):  # 3000 steps
                _feed(chooser, seconds)
            assert chooser.threads == 1
    assert 2 <= len(probes) <= 7  # 100, 200, 400, 800, 1600 steps apart


def _wandering(seconds_of, one_thread_only=False):
    """``seconds_of`` with the step time 40 % longer every other 50 steps (a
    drift each time); ``one_thread_only``: the two-thread time stays put."""
    steps = {"n": 0}

    def seconds(n):
        steps["n"] += 1
        wander = 1.4 if (steps["n"] // 50) % 2 else 1.0
        if one_thread_only and n > 1:
            wander = 1.0
        return wander * seconds_of(n)

    return seconds


def test_a_costly_probe_waits_until_its_loss_is_paid_for(probes):
    # a busy machine: the one step with two threads costs 30 of one thread's
    # (a scheduler time slice); step times wander by 40 % every 50 steps, a
    # drift each time. The next probe waits until that loss is 2 % of the
    # steps in between (1450 steps), not the 200 the backoff alone would wait
    seconds = _wandering(lambda n: 1e-3 if n == 1 else 3e-2, one_thread_only=True)

    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            for _ in range(35):  # 1400 steps
                _feed(chooser, seconds)
            assert chooser.threads == 1
            assert chooser._between >= 1400
            assert len(probes) == 1
            for _ in range(10):  # 400 more
                _feed(chooser, seconds)
    assert len(probes) == 2


def test_a_probe_two_threads_won_waits_until_its_loss_is_paid_for(probes):
    # an idle machine where two threads take a third of a step: each probe's
    # three steps on one thread lose six of the winner's, so with the step
    # time wandering by 40 % every 50 steps (a drift each time) the probes
    # come about 300 steps apart, not every 100
    seconds = _wandering(lambda n: 3e-3 if n == 1 else 1e-3)

    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            for _ in range(30):  # 1200 steps
                _feed(chooser, seconds)
            assert chooser.threads == 2
            assert chooser._between >= 200
    assert 2 <= len(probes) <= 6


def _counting(seconds_of):
    """``seconds_of``, and the thread counts of the steps it was asked for."""
    asked = []

    def seconds(n):
        asked.append(n)
        return seconds_of(n)

    return seconds, asked


def test_a_clear_first_round_ends_the_probe():
    # every two-thread step faster than every one-thread step: the second
    # round would only lose three more slow steps
    seconds, asked = _counting(lambda n: 2e-3 if n == 1 else 1e-3)
    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            _feed(chooser, seconds)
            assert chooser.threads == 2
    assert asked.count(1) == 4  # the untimed first step and three timed


def test_overlapping_step_times_get_the_second_round():
    # one thread slower on average, but not on every step
    steps = {1: 0, 2: 0}

    def noisy(n):
        steps[n] += 1
        return (1.2e-3 if n == 1 else 1e-3) + (0.4e-3 if steps[n] % 2 else 0.0)

    seconds, asked = _counting(noisy)
    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            _feed(chooser, seconds)
            assert chooser.threads == 2
    assert asked.count(1) == 7 and asked[:13].count(2) == 6


@pytest.mark.parametrize("free", [1, 0])
def test_no_step_with_more_threads_while_others_hold_the_cores(cores_free, free):
    # two threads would win on an idle machine, but the other processes
    # leave at most one core: no step tries two (each would wait for a core,
    # and the BLAS's workers would spin after it)
    cores_free["cores"] = free
    seconds, asked = _counting(lambda n: 2e-3 if n == 1 else 1e-3)
    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            _feed(chooser, seconds)
            assert chooser.threads == 1
            assert set(_blas_threads()) == {1}
    assert set(asked) == {1}


def test_the_probe_asks_for_no_more_threads_than_cores_are_free(cores_free):
    cores_free["cores"] = 3
    seconds, asked = _counting(lambda n: 2e-3 if n == 1 else 1e-3)
    with threadpool_limits(4):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            _feed(chooser, seconds)
            assert chooser.threads == 3
            assert set(_blas_threads()) == {3}
    assert set(asked) == {1, 3}


def test_a_core_freed_again_is_seen_at_the_next_probe(cores_free):
    # a busy machine (one core free) whose step time wanders (a drift every
    # 50 steps) for 1000 steps, then idle: probes that found no free core
    # lost nothing, so they do not back off, and the first probe after the
    # machine is idle again finds two threads faster within 160 steps
    state = {"busy": True}
    busy = _wandering(lambda n: 2e-3)

    def seconds(n):
        if state["busy"]:
            return busy(n)
        return 1e-3 if n == 1 else 0.5e-3

    with threadpool_limits(2):
        with ThreadChooser(SMALL_STEP_FLOPS * 10) as chooser:
            cores_free["cores"] = 1
            for _ in range(25):  # 1000 steps
                _feed(chooser, seconds)
            assert chooser.threads == 1
            state["busy"], cores_free["cores"] = False, 2
            for _ in range(4):  # 160 steps
                _feed(chooser, seconds)
            assert chooser.threads == 2


def _paired_free(switch, pairs=100):
    """The mean of free_cores() with ``switch(True)`` less with
    ``switch(False)``, looked at alternately: whatever else this machine runs
    comes and goes alike in both."""
    total = 0.0
    for _ in range(pairs):
        for on, sign in ((True, 1), (False, -1)):
            switch(on)
            time.sleep(0.002)
            total += sign * free_cores()
    return total / pairs


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="Linux only")
def test_free_cores_counts_other_processes_not_this_ones_threads():
    # another process spinning takes a core...
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        stop = {True: signal.SIGCONT, False: signal.SIGSTOP}
        assert _paired_free(lambda on: spinner.send_signal(stop[on])) <= -0.5
    finally:
        spinner.kill()
        spinner.wait()
    # ... a thread of this process computing does not (hashing releases the
    # GIL, so the thread runs, or waits only for a core, while it is on)
    running, done = threading.Event(), threading.Event()

    def compute():
        data = bytes(1 << 20)
        while not done.is_set():
            if running.wait(0.01):
                hashlib.sha256(data).digest()

    worker = threading.Thread(target=compute)
    worker.start()
    try:
        switch = lambda on: running.set() if on else running.clear()  # noqa: E731
        assert _paired_free(switch) >= -0.5
    finally:
        done.set()
        worker.join()
