"""How many BLAS threads a fit uses: chosen by its work and by what it observes.

The BLAS (OpenBLAS, MKL ...) splits every matrix product over all the threads
it may use. For the small products of a small network that split costs more
than it saves, and on a machine where other processes are busy it costs far
more: each product waits for a thread the scheduler has given to someone
else. So a fit

- runs a step too small to share (:data:`SMALL_STEP_FLOPS`, or under
  :data:`_MIN_PROBED_STEP` seconds on one thread) on one thread;
- runs on one thread, without trying more, while other processes keep all
  the machine's cores but one busy (Linux: :func:`free_cores`);
- otherwise times its own steps: a few with one thread, a few with the
  caller's thread count (at most the cores free), alternately, and keeps the
  faster on average, ending the probe after the first round where the two
  clearly differ; it probes again when the mean time of its recent steps
  drifts (other processes come and go), but never so often that the time
  its probes lose exceeds :data:`_PROBE_BUDGET` of the fit's;
- only ever lowers the limits in force (``threadpoolctl.threadpool_limits``,
  ``OMP_NUM_THREADS`` ...), never raises them, and restores them when the fit
  ends, also on an exception or a KeyboardInterrupt.

Prediction of more than one row and less than :data:`SMALL_STEP_FLOPS` of
work runs on one thread too. ``skmlp.config_context(choose_threads=False)``
turns all of it off.

The thread count changes a model only where the BLAS sums a product's
reduction in an order that depends on its threads: OpenBLAS does for
reductions longer than its blocks (784 input features, or a few hundred rows
per batch in a weight gradient), where models then differ in the last bits
(the tests bound it). Where that matters, fix the threads.
"""

import contextlib
import math
import os
import time

from ._config import _config
from ._core.backends import blas_libraries

# Floating-point operations of one training step (products only) below which
# it runs on one thread without probing: splitting a product this small over
# two threads never paid on the 2-core benchmark machine, idle or busy.
SMALL_STEP_FLOPS = 2e6

# Steps timed per candidate in each round of a probe, and rounds per probe.
_PROBE_STEPS, _PROBE_ROUNDS = 3, 2
# A step more than this factor away from the probe's time starts a new probe,
# at most every _MIN_STEPS_BETWEEN_PROBES steps (twice that after each probe
# that one thread won, in a row).
_DRIFT = 1.3
_MIN_STEPS_BETWEEN_PROBES = 100
# weight of the newest step in the running mean that is watched for drift
_SMOOTHING = 0.05
# After a probe, the next waits until the time its steps lost against the
# chosen count is at most this share of the steps in between: on a busy
# machine one step with more threads can cost ten of one thread's (a
# scheduler time slice), on an idle one a step on one thread two of the
# winner's, and a probe every hundred steps then costs a fit several percent.
_PROBE_BUDGET = 0.02
# A step with more threads this many times slower than one thread's mean
# ends the probe.
_GIVE_UP = 2.0
# Steps shorter than this on one thread are not probed with more: sharing
# could save at most half of it, while waking another thread costs tens of
# microseconds, and on a busy machine a single step with more threads can
# lose a scheduler time slice (milliseconds; the probe then gives up at once).
_MIN_PROBED_STEP = 5e-4


def free_cores():
    """The machine's CPUs that no other process is running on, now.

    Linux counts the threads running or ready to run, machine-wide, in
    ``/proc/loadavg``; this process's own are taken out (a BLAS worker keeps
    spinning for a while after a product). Unlike the load averages, which
    lag a minute behind, the count is of this instant. ``math.inf`` where
    it cannot be read.
    """
    try:
        with open("/proc/loadavg", "rb") as f:
            running = int(f.read().split()[3].split(b"/")[0])
        ours = 0
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/stat", "rb") as f:
                stat = f.read()
            state = stat.rindex(b")") + 2  # after "pid (name) ", the name may hold ")"
            ours += stat[state : state + 1] == b"R"
    except (OSError, ValueError, IndexError):
        return math.inf
    return (os.cpu_count() or 1) - (running - ours)


def prediction_threads(layer_sizes, n_rows):
    """A context for predicting ``n_rows``: one thread where the work is small.

    One row needs nothing (the BLAS runs a single row on one thread itself),
    nor does work large enough to share.
    """
    flops = step_flops(layer_sizes, n_rows) / 3  # the forward pass alone
    if n_rows <= 1 or flops >= SMALL_STEP_FLOPS or not _config()["choose_threads"]:
        return contextlib.nullcontext()
    return ThreadChooser(flops, probe=False)


def step_flops(layer_sizes, n_rows):
    """Floating-point operations of the products of one training step."""
    weights = sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    return 6.0 * n_rows * weights  # forward, dW and dA: 2 flops per weight and row


class ThreadChooser:
    """Chooses the BLAS threads of a fit; call it before every step.

    ``with ThreadChooser(flops):`` sets the limits for the fit and restores
    the caller's on exit. Calling the chooser with the number of rows of the
    next step records the time of the step before it and, while probing,
    switches between the candidates: one thread first (the safe choice on a
    busy machine), then the caller's count, alternately. A step with more
    threads that takes :data:`_GIVE_UP` times one thread's ends the probe at
    once: on a busy machine a few such steps would cost more than a short fit.
    """

    def __init__(self, flops, probe=True):
        self._libraries = blas_libraries() if _config()["choose_threads"] else []
        self._caller = [lib.num_threads for lib in self._libraries]
        most = min(self._caller, default=1)
        share = probe and most > 1 and flops >= SMALL_STEP_FLOPS
        self.candidates = [1, most] if share else [1]
        self.threads = 1
        self._probe, self._times = None, {}
        self._last = self._expected = self._recent = None
        self._rows = 0
        self._since_probe, self._warming = 0, False
        self._between = _MIN_STEPS_BETWEEN_PROBES  # doubles while one thread wins

    def __enter__(self):
        if len(self.candidates) > 1:
            self._start_probe()
            self._warming = True  # the first step pays for first touches: not timed
        self._set(self.threads)
        return self

    def __exit__(self, *exc):
        for lib, n in zip(self._libraries, self._caller):
            lib.set_num_threads(n)
        return False

    def _set(self, n):
        for lib, caller in zip(self._libraries, self._caller):
            lib.set_num_threads(min(n, caller))  # lower only
        self.threads = n

    def _start_probe(self):
        rounds = [n for _ in range(_PROBE_ROUNDS) for n in self.candidates]
        self._probe = [n for n in rounds for _ in range(_PROBE_STEPS)]
        self._times = {1: []}  # and more threads' at their first step
        self._since_probe = 0

    def __call__(self, n_rows):
        now = time.perf_counter()
        if self._last is not None and len(self.candidates) > 1:
            self._record(now - self._last, self._rows)
        self._rows = n_rows
        self._last = time.perf_counter()

    def _record(self, seconds, rows):
        seconds_per_row = seconds / max(rows, 1)
        if self._probe is None:
            self._watch(seconds_per_row)
            return
        if not self._warming:
            self._times[self.threads].append(seconds_per_row)
        self._warming = False
        one = self._times[1]
        if self.threads == 1 and len(one) == _PROBE_STEPS:
            if _mean(one) * rows < _MIN_PROBED_STEP:
                self._probe = []  # too short to share: one thread it is
        if self.threads > 1 and one and seconds_per_row > _GIVE_UP * _mean(one):
            self._probe = []  # more threads are far slower: no more of them
        if self._probe and self._probe[0] > 1 and len(self._times) == 1:
            self._share()
        if _clear(self._times):
            self._probe = []  # no step of one count was as fast as the other's
        if self._probe:
            self._set(self._probe.pop(0))
        else:
            self._choose()

    def _share(self):
        # the probe's first step with more threads: as many as the cores other
        # processes leave free, and none where they leave fewer than two;
        # there a step with more threads waits for a core (ms), and after it
        # the BLAS's workers keep spinning for a while (0.1 s with OpenBLAS)
        # against the fit. Three looks, the freest counts: a process that runs
        # for an instant must not keep a fit on one thread.
        more = min(self._probe[0], max(free_cores() for _ in range(3)))
        if more < 2:
            self._probe = []
        else:
            self._probe = [more if n > 1 else 1 for n in self._probe]
            self._times[more] = []

    def _watch(self, seconds_per_row):
        # the drift of the recent steps' mean, not of one step: a single slow
        # step (the epoch's last, short batch, a validation pass, a page
        # fault) would otherwise start a probe, and each costs a few steps
        self._since_probe += 1
        expected = self._expected
        # capped, so that one outlier moves the mean little
        step = min(seconds_per_row, 2 * _DRIFT * expected)
        self._recent += _SMOOTHING * (step - self._recent)
        drifted = not expected / _DRIFT < self._recent < expected * _DRIFT
        if drifted and self._since_probe >= self._between:
            self._start_probe()
            self._set(self._probe.pop(0))

    def _choose(self):
        # the mean, not the median: on a busy machine the cost of a thread
        # count is in its slow steps (a product waiting for a thread the
        # scheduler gave away), which a median would ignore
        means = {n: _mean(t) for n, t in self._times.items() if t}
        best = min(means, key=means.get)
        # what the probe's steps lost against the winner's mean: the next
        # probe waits until that is at most _PROBE_BUDGET of the steps in
        # between (a busy machine's step with more threads can cost ten of
        # one thread's; an idle machine's steps on one thread, twice the
        # winner's)
        lost = sum(t - means[best] for times in self._times.values() for t in times)
        paid = math.ceil(max(lost, 0.0) / (_PROBE_BUDGET * means[best]))
        if best > 1 or len(means) == 1:
            # (only one thread timed: the probe lost nothing)
            self._between = max(_MIN_STEPS_BETWEEN_PROBES, paid)
        else:
            # while one thread keeps winning, probe half as often each time
            self._between = max(2 * self._between, paid)
        self._probe, self._expected = None, means[best]
        self._recent = self._expected
        self._set(best)


def _clear(times):
    """Whether every step of one thread count was faster than all of the other's,
    with each count timed at least a round's steps."""
    if len(times) < 2 or min(map(len, times.values())) < _PROBE_STEPS:
        return False
    a, b = times.values()
    return max(a) < min(b) or max(b) < min(a)


def _mean(values):
    return sum(values) / len(values)
