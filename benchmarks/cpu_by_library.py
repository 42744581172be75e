"""Where a fit's CPU time goes, library by library, as Linux ``perf`` samples it.

Fits one training row of the benchmark (its data, network, dtype and batch
size) ``--fits`` times, with ``perf record`` sampling this process at
``--rate`` Hz from the first timed fit to the last, then prints each
library's share of the samples: the BLAS (the products), the C library (the
gather's copies), the Python interpreter, numba's compiled kernels
("[JIT]"), NumPy's C code. The interpreter's share is the Python a step
costs, which timers cannot isolate: inside a fit every call runs with caches
the products have just flushed, at several times its cost timed alone.
Sampling is by the kernel's clock and costs the process next to nothing; a
profile, not a benchmark: compare shares within a run, or between runs of
the same row, several times over on a shared machine.

Usage (needs ``perf`` on the PATH and permission to sample one's own
processes)::

    python benchmarks/cpu_by_library.py adam-64-f64              # skmlp
    python benchmarks/cpu_by_library.py adam-64-f64 --contender floor
    SKMLP_FAST=0 python benchmarks/cpu_by_library.py adam-64-f64

``main([...])`` returns ``{library: percent of the samples}``.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# a line of `perf report --sort dso --stdio`: "  68.62%  libopenblas.so"
_LINE = re.compile(r"^\s*([0-9.]+)%\s+(.+?)\s*$")


def shares(report):
    """{library: percent} from the text of ``perf report --sort dso --stdio``."""
    found = {}
    for line in report.splitlines():
        match = _LINE.match(line)
        if match and not line.lstrip().startswith("#"):
            found[match.group(2)] = float(match.group(1))
    return found


def _record(perf, pid, data, rate):
    command = [perf, "record", "-q", "-F", str(rate), "-o", data, "-p", str(pid)]
    return subprocess.Popen(command, stderr=subprocess.PIPE)


def _report(perf, data):
    command = [perf, "report", "-i", data, "--stdio", "--sort", "dso"]
    command += ["--no-children", "-g", "none"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def main(argv=None):
    from mlpbench.contenders import Settings, make_floor, make_skmlp
    from mlpbench.data import DATASETS
    from mlpbench.rows import ROWS
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    minibatch = [k for k, r in ROWS.items() if r.stochastic and not r.logistic]
    parser.add_argument("row", choices=minibatch)
    parser.add_argument("--contender", choices=["skmlp", "floor"], default="skmlp")
    parser.add_argument("--fits", type=int, default=4, help="timed fits, sampled")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--rate", type=int, default=1999, help="samples per second")
    parser.add_argument("--quick", action="store_true", help="small data (smoke test)")
    args = parser.parse_args(argv)
    perf = shutil.which("perf")
    if perf is None:
        raise SystemExit("cpu_by_library.py needs Linux perf on the PATH.")
    row = ROWS[args.row]
    make = make_skmlp if args.contender == "skmlp" else make_floor
    X, _, y, _ = DATASETS[row.data](args.quick)  # the row's own data
    X = X.astype(row.dtype)
    settings = Settings(args.threads)
    with (
        threadpool_limits(args.threads),
        warnings.catch_warnings(),
        tempfile.TemporaryDirectory() as tmp,
    ):
        warnings.simplefilter("ignore")  # a few epochs: "not converged"
        est = make(row, 1, settings)[1]
        if hasattr(est, "prepare"):
            est.prepare(X, y)
        est.fit(X, y)  # compiles and warms up, unsampled
        data = os.path.join(tmp, "perf.data")
        recorder = _record(perf, os.getpid(), data, args.rate)
        time.sleep(0.5)  # perf attaches
        for _ in range(args.fits):
            make(row, row.epochs, settings)[1].fit(X, y)
        recorder.send_signal(signal.SIGINT)
        _, errors = recorder.communicate()
        if recorder.returncode not in (0, -signal.SIGINT):
            raise RuntimeError(f"perf record failed: {errors.decode().strip()}")
        return shares(_report(perf, data))


if __name__ == "__main__":
    for library, percent in main().items():
        if percent >= 0.1:
            print(f"{percent:6.2f} %  {library}")
