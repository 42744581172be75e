"""--busy N: N other processes spinning on the CPU while the benchmark measures.

Users fit on laptops running a browser, on shared servers, in CI beside other
jobs: a thread count that is right on an idle machine can be wrong as soon as
something else runs.  ``Busy(n)`` starts `n` separate Python interpreters, each
spinning a tight pure-Python loop (one core's worth of load each, holding no
memory and no lock the benchmark uses), and stops them when the block ends --
normally, on an exception or on a KeyboardInterrupt.  They are plain child
processes, not forks of the benchmark: none of its threads, BLAS pools or
imports are copied into them.  They ignore SIGINT (Ctrl-C reaches the whole
process group: the benchmark stops them itself), and each one also exits by
itself within a few tens of milliseconds once its parent is gone (killed
without a chance to clean up): it checks its parent's pid between rounds of
its loop.  No spinner outlives the benchmark.
"""

import os
import signal
import subprocess
import sys
import time

from .util import log

# the spinner: a tight loop, checking between rounds that its parent still lives
SPIN = """\
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
parent = int(sys.argv[1])
while os.getppid() == parent:
    for _ in range(200_000):
        pass
"""
STOP_SECONDS = 5.0  # after SIGTERM, before SIGKILL
START_SECONDS = 0.2  # the spinners' interpreters start (and are checked) in this


class Busy:
    """``with Busy(n):`` -- `n` CPU-bound processes run for the block's duration.

    ``Busy(0)`` does nothing.  ``pids`` lists the spinners' process ids while
    they run (and afterwards, for the record); ``running()`` those still alive.
    """

    def __init__(self, n):
        if n < 0:
            raise ValueError(f"the number of busy processes must be >= 0, got {n}")
        self.n = n
        self.processes = []

    @property
    def pids(self):
        return [p.pid for p in self.processes]

    def running(self):
        """The spinners that have not exited (or been stopped) yet."""
        return [p for p in self.processes if p.poll() is None]

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()
        return False  # an exception in the block goes on, after the stop

    def start(self):
        if self.n == 0:
            return
        try:
            for _ in range(self.n):
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-I", "-c", SPIN, str(os.getpid())],
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            time.sleep(START_SECONDS)  # let their interpreters start
            exited = [p for p in self.processes if p.poll() is not None]
            if exited:
                codes = ", ".join(str(p.returncode) for p in exited)
                raise RuntimeError(f"a busy process exited at once (status {codes})")
        except BaseException:  # also a KeyboardInterrupt while starting them
            self.stop()
            raise
        pids = ", ".join(map(str, self.pids))
        log(f"busy: {self.n} spinning, process id(s) {pids}")

    def stop(self):
        """Terminate the spinners and wait for them; kill any that lingers."""
        try:
            for p in self.running():
                p.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_SECONDS
            for p in self.processes:
                try:
                    p.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        finally:  # interrupted while waiting: no spinner is left behind
            for p in self.running():
                p.kill()
                p.wait()
