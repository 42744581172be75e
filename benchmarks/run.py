"""Benchmark skmlp's estimators against scikit-learn, PyTorch and the physical floor.

Every training row trains one network the same way with every contender --
same architecture, solver, batch size, number of epochs, dtype, seed -- and
reports training seconds per epoch, the peak memory of ``fit``, held-out
accuracy and log-loss (R² on the regression rows, ``reg-*``, where
ScratchMLPRegressor meets MLPRegressor), how close the run comes to the machine's
matrix-multiply speed, and, on the minibatch rows, how far each contender is
from the least work a training step needs (the "GEMM only" and "floor"
contenders).  The prediction rows time ``predict_proba`` on 1 and on 10 000
rows (skmlp, MLPClassifier, onnxruntime).  The "defaults" rows (small fits)
set no thread limit: skmlp, MLPClassifier and PyTorch run with their default
threads beside skmlp forced to one thread and to all; ``--busy N`` keeps N
other processes spinning on the CPU meanwhile.  The contenders of a row run
interleaved in one process (A, B, C, B, C, A, ...) and the figures are
medians, so the noise of a shared machine mostly cancels in the ratios.

Usage::

    python benchmarks/run.py                       # every row, 1 and all BLAS threads
    python benchmarks/run.py --threads 1           # the low-noise figure only
    python benchmarks/run.py --rows 'adam-*' --repeats 5 --json bench.json
    python benchmarks/run.py --rows 'reg-*' --threads 1   # the regression rows
    python benchmarks/run.py --quick               # smoke test: small data, 1 thread
    python benchmarks/run.py --device cuda         # PyTorch contenders on a GPU
    python benchmarks/run.py --rows digits-default --busy 1   # default threads,
                                                   # 1 other process spinning
    python benchmarks/run.py --list                # the rows and what they do

From Python (e.g. a smoke test), ``main(["--quick"])`` returns the report that
``--json`` writes; the command line exits with 1 if a contender failed.  The
code is the package ``benchmarks/mlpbench`` (see its ``__init__``); the
columns and the method are in benchmarks/README.md.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # loaded by path (e.g. by a test): find the package
    sys.path.insert(0, HERE)

if any(a == "--device" or a.startswith("--device=") for a in sys.argv[1:]):
    # SciPy reads it once, on import: array-API input needs it set before then
    os.environ.setdefault("SCIPY_ARRAY_API", "1")

from mlpbench.cli import main  # noqa: E402 (after the path and the environment)

__all__ = ["main"]

if __name__ == "__main__":
    report = main()
    failed = report and any(
        r.get("error") for r in [*report["results"], *report["latency"]]
    )
    sys.exit(1 if failed else 0)
