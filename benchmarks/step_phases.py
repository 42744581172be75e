"""Where one minibatch step of skmlp spends its time, phase by phase.

Fits one training row of the benchmark (its data, network, dtype and batch
size) for one epoch, with a timer around each of the core's calls that a
step makes -- the matrix products, the optimizer step, the batch gather, the
compiled layer kernels, the head, the penalty's value -- and prints the time
each takes per step. A profile, not a benchmark: the timers add about a
microsecond per call, and one fit on a shared machine is noisy; compare
phases within one run, and rerun before trusting a difference.

Usage::

    python benchmarks/step_phases.py adam-256x256-f32            # 1 BLAS thread
    python benchmarks/step_phases.py adam-1024x1024-f32 --threads 2
    SKMLP_FAST=0 python benchmarks/step_phases.py adam-64-f64    # NumPy backend

``main([...])`` returns ``{phase: microseconds per step}`` (with
``"step"``: the whole training step, and ``"steps"``: their count).
"""

import argparse
import collections
import functools
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# (module, owner attribute or None, function name) of the timed calls
PHASES = [
    ("skmlp._core.training", None, "train_step"),
    ("skmlp._core.backends", "NumpyBackend", "matmul"),
    ("skmlp._core.backends", "NumpyBackend", "matmul_into"),
    ("skmlp._core.backends", "NumpyBackend", "sum_rows_into"),
    ("skmlp._core.backends", "NumpyBackend", "take_rows"),
    ("skmlp._core.optimizers", "_Optimizer", "step"),
    ("skmlp._core.penalties", "ElasticNet", "value"),
    ("skmlp._core.losses", "SoftmaxCrossEntropy", "value_and_grad"),
    # the backend's element-wise operations: NumPy's, or the compiled ones
    # (a NumbaBackend row includes its call of NumPy's where it has no kernel;
    # ArrayBackend.activation_backward includes the sum_rows_into of db, the
    # compiled one sums db in its pass)
    ("skmlp._core.backends", "ArrayBackend", "add_bias_and_activate"),
    ("skmlp._core.backends", "ArrayBackend", "activation_backward"),
    ("skmlp._core.backends", "NumpyBackend", "dropout"),
    ("skmlp._core.backends", "NumbaBackend", "add_bias_and_activate"),
    ("skmlp._core.backends", "NumbaBackend", "activation_backward"),
]


def _timed(function, label, totals, counts):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - start
            counts[label] += 1

    return wrapper


def _instrument(totals, counts):
    """Wrap every call of PHASES; returns a function that unwraps them."""
    import importlib

    undo = []
    for module_name, owner_name, name in PHASES:
        module = importlib.import_module(module_name)
        owner = module if owner_name is None else getattr(module, owner_name)
        original = owner.__dict__[name]
        label = name if owner_name is None else f"{owner_name}.{name}"
        wrapped = _timed(getattr(owner, name), label, totals, counts)
        if isinstance(original, staticmethod):
            wrapped = staticmethod(wrapped)
        setattr(owner, name, wrapped)
        undo.append((owner, name, original))

    def restore():
        for owner, name, original in undo:
            setattr(owner, name, original)

    return restore


def main(argv=None):
    from mlpbench.contenders import Settings, make_skmlp
    from mlpbench.data import DATASETS
    from mlpbench.rows import ROWS
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    minibatch = [k for k, r in ROWS.items() if r.stochastic and not r.logistic]
    parser.add_argument("row", choices=minibatch)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--quick", action="store_true", help="small data (smoke test)")
    args = parser.parse_args(argv)
    row = ROWS[args.row]
    X, _, y, _ = DATASETS[row.data](args.quick)  # the row's own data
    X = X.astype(row.dtype)
    totals, counts = collections.Counter(), collections.Counter()
    with threadpool_limits(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: "not converged"
        make_skmlp(row, 1, Settings(args.threads))[1].fit(X[:2000], y[:2000])
        restore = _instrument(totals, counts)
        try:
            make_skmlp(row, 1, Settings(args.threads))[1].fit(X, y)
        finally:
            restore()
    steps = counts["train_step"]
    result = {"steps": steps, "step": 1e6 * totals.pop("train_step") / steps}
    for label, seconds in totals.most_common():
        result[label] = 1e6 * seconds / steps
    return result


if __name__ == "__main__":
    figures = main()
    print(f"{figures.pop('steps')} steps, {figures.pop('step'):.1f} us per step:")
    for label, us in figures.items():
        print(f"  {label:40s} {us:9.1f} us/step")
