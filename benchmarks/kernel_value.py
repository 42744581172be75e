"""What each compiled kernel of the ``fast`` extra buys, row by row.

Fits benchmark rows with skmlp's ``NumbaBackend`` as shipped, and with one
kernel at a time replaced by the NumPy operations it stands for (and with the
``NumpyBackend``: no kernel at all), interleaved, and prints each variant's
fit time over the shipped backend's (median of the repeats; above 1: the
kernel buys that much). A kernel stays in skmlp only where it buys at least 3 %
of some row's fit.

Usage::

    python benchmarks/kernel_value.py                              # default rows
    python benchmarks/kernel_value.py adam-64-f64 --repeats 9 --epochs 3

Every variant trains the same model to the bit (the kernels repeat NumPy's
operations): only the time differs. One BLAS thread (threadpoolctl).
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mlpbench.contenders import make_skmlp  # noqa: E402
from mlpbench.data import DataCache  # noqa: E402
from mlpbench.rows import ROWS  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import skmlp._placement  # noqa: E402
from skmlp._core.backends import NumbaBackend, NumpyBackend  # noqa: E402

DEFAULT_ROWS = [
    "digits-default",
    "adam-64-f64",
    "adam-256x256-f32",
    "dropout-256x256-f32",
]


def _without(method):
    """NumbaBackend with ``method`` taken from NumpyBackend (its kernel unused)."""
    return type(
        f"without_{method}", (NumbaBackend,), {method: getattr(NumpyBackend, method)}
    )()


VARIANTS = {
    "all kernels": NumbaBackend(),
    "no update kernel": _without("update"),
    "no bias_relu": _without("add_bias_and_activate"),
    "no relu_backward": _without("activation_backward"),
    "no minus_row_max": _without("minus_row_max"),
    "NumPy backend": NumpyBackend(),
}


def _fit_seconds(row, data, backend, epochs):
    original = skmlp._placement.numpy_backend
    skmlp._placement.numpy_backend = lambda fast=True: backend
    try:
        _, est = make_skmlp(row, epochs, None)
        X, _, y, _ = data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            est.fit(X, y)
            return time.perf_counter() - start
    finally:
        skmlp._placement.numpy_backend = original


def measure(names, repeats, epochs):
    """{row: {variant: median fit time / the shipped backend's}}."""
    datasets, results = DataCache(quick=False), {}
    for name in names:
        row = ROWS[name]
        data = datasets.get(row.data, row.dtype)
        variants = VARIANTS
        for backend in variants.values():  # compile, touch the pages
            _fit_seconds(row, data, backend, 1)
        times = {k: [] for k in variants}
        for _ in range(repeats):
            for key, backend in variants.items():
                times[key].append(_fit_seconds(row, data, backend, epochs))
        base = times["all kernels"]
        results[name] = {
            key: statistics.median(t / b for t, b in zip(ts, base))
            for key, ts in times.items()
        }
        results[name]["s per fit (all kernels)"] = statistics.median(base)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="*", default=DEFAULT_ROWS)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)
    with threadpool_limits(1):
        results = measure(args.rows, args.repeats, args.epochs)
    for row, cells in results.items():
        print(row)
        for key, value in cells.items():
            print(f"  {key:<26} {value:.3f}")
    return results


if __name__ == "__main__":
    main()
