"""Benchmark skmlp's classifiers against scikit-learn (and PyTorch when installed).

Every row trains one network the same way with every contender -- same
architecture, solver, batch size, number of epochs, dtype, seed -- and reports
training seconds per epoch, the peak memory of ``fit``, held-out accuracy and
log-loss, and how close the run comes to the machine's matrix-multiply speed.
The contenders of a row run interleaved in one process (A, B, C, B, C, A, ...)
and the figures are medians, so the noise of a shared machine mostly cancels
in the ratios.

Usage::

    python benchmarks/run.py                       # every row, 1 and all BLAS threads
    python benchmarks/run.py --threads 1           # the low-noise figure only
    python benchmarks/run.py --rows 'adam-*' --repeats 5 --json bench.json
    python benchmarks/run.py --quick               # smoke test: small data, 1 thread
    python benchmarks/run.py --list                # the rows and what they train

From Python (e.g. a smoke test), ``main(["--quick"])`` returns the report that
``--json`` writes; the command line exits with 1 if a contender failed.

SAMPLE OUTPUT -- shows the layout, not a result to quote.  Made with
``python benchmarks/run.py --quick --repeats 3`` (2000 training samples
instead of 60000 or 50000, 1-2 epochs, 50 L-BFGS iterations, 1 BLAS thread)
with skmlp 0.1.0 as of 2026-11-23, on a shared 2-core machine whose load
average was about 8: a smoke test's figures, noisy and far from the full run's.

| row                 | contender                  | threads | epochs |  fit s | s/epoch | ratio vs sklearn | peak MiB | accuracy | log-loss | % GEMM |
| :------------------ | :------------------------- | ------: | -----: | -----: | ------: | ---------------: | -------: | -------: | -------: | -----: |
| adam-256x256-f64    | skmlp                      |       1 |      2 |  0.359 |   0.179 |             0.88 |     15.5 |   0.2220 |  2.14204 |     48 |
| adam-256x256-f64    | MLPClassifier              |       1 |      2 |  0.286 |   0.143 |             1.00 |     16.7 |   0.2220 |  2.14204 |     60 |
| adam-256x256-f64    | PyTorch                    |       1 |      2 |  0.375 |   0.187 |             1.09 |      n/a |   0.2180 |  2.12387 |     46 |
| adam-256x256-f32    | skmlp                      |       1 |      2 |  0.307 |   0.154 |             0.72 |     7.78 |   0.2220 |  2.14204 |     16 |
| adam-256x256-f32    | MLPClassifier              |       1 |      2 |  0.328 |   0.164 |             1.00 |     9.66 |   0.2220 |  2.14204 |     15 |
| adam-256x256-f32    | PyTorch                    |       1 |      2 |  0.406 |   0.203 |             1.04 |      n/a |   0.2430 |  2.14624 |     12 |
| adam-1024x1024-f32  | skmlp                      |       1 |      1 |  0.789 |   0.789 |             0.93 |     52.4 |   0.1620 |  2.33083 |     25 |
| adam-1024x1024-f32  | MLPClassifier              |       1 |      1 |  0.792 |   0.792 |             1.00 |     67.3 |   0.1620 |  2.33083 |     25 |
| adam-1024x1024-f32  | PyTorch                    |       1 |      1 |  0.806 |   0.806 |             1.02 |      n/a |   0.1690 |  2.62784 |     25 |
| adam-64-f64         | skmlp                      |       1 |      2 |  0.114 |  0.0572 |             0.82 |        5 |   0.1570 |  2.45282 |     25 |
| adam-64-f64         | MLPClassifier              |       1 |      2 |   0.14 |  0.0699 |             1.00 |     4.62 |   0.1570 |  2.45282 |     21 |
| adam-64-f64         | PyTorch                    |       1 |      2 |  0.165 |  0.0827 |             1.18 |      n/a |   0.1260 |  2.50456 |     18 |
| dropout-256x256-f32 | skmlp                      |       1 |      2 |  0.324 |   0.162 |             0.88 |     8.26 |   0.1840 |  2.19556 |     15 |
| dropout-256x256-f32 | MLPClassifier (no dropout) |       1 |      2 |  0.407 |   0.204 |             1.00 |     9.65 |   0.2220 |  2.14204 |     12 |
| dropout-256x256-f32 | PyTorch                    |       1 |      2 |  0.546 |   0.273 |             1.31 |      n/a |   0.2000 |  2.18716 |      9 |
| lbfgs-digits        | skmlp                      |       1 |     50 |  0.459 | 0.00918 |             0.81 |     4.91 |   0.9844 |  0.12329 |     16 |
| lbfgs-digits        | MLPClassifier              |       1 |     50 |  0.602 |   0.012 |             1.00 |     5.58 |   0.9844 |  0.12329 |     13 |
| logistic-50000x200  | skmlp                      |       1 |     25 | 0.0334 | 0.00134 |             0.97 |    0.172 |   0.7640 |  0.48134 |      4 |
| logistic-50000x200  | LogisticRegression         |       1 |     23 | 0.0316 | 0.00137 |             1.00 |    0.162 |   0.7640 |  0.48134 |      4 |

Columns (details in benchmarks/README.md):

- epochs: ``n_iter_`` of the fit (for the L-BFGS rows: L-BFGS iterations);
- fit s, s/epoch: median over repeats of the fit time and of fit time / ``n_iter_``;
- ratio vs sklearn: s/epoch divided by that of the row's scikit-learn contender
  (MLPClassifier, LogisticRegression on the logistic row) in the same thread
  setting, median of the per-repeat pairs: below 1 is faster than scikit-learn;
- peak MiB: tracemalloc peak of a separate, untimed fit (PyTorch: n/a, its
  allocator is invisible to tracemalloc);
- % GEMM: FLOPs of forward + backward per epoch, n * (6 * sum(in * out) - 2 * d * h1),
  per second, as a percentage of NumPy's best matmul FLOP/s for that dtype and
  thread count, measured before and after the rows of the same run.
"""  # noqa: E501 (the sample table is wider than a line)

import argparse
import fnmatch
import gc
import importlib
import json
import os
import platform
import sys
import time
import traceback
import tracemalloc
import warnings
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

SEED = 0
# Square-ish products of the sizes the rows multiply; the best of them is the
# machine's GEMM throughput that "% GEMM" divides by.
GEMM_SHAPES = [(512, 1024, 1024), (1024, 1024, 1024), (2048, 784, 256)]
GEMM_REPEATS = 5


# %% Rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One network, one way of training it; every contender trains it alike."""

    data: str  # a key of DATASETS
    hidden: tuple  # hidden_layer_sizes
    dtype: str  # "float64" or "float32", the dtype of X
    solver: str = "adam"
    batch_size: object = 200
    epochs: int = 2  # max_iter: epochs, or L-BFGS iterations
    tol: float = 0.0  # 0 with a huge n_iter_no_change: exactly `epochs` epochs
    dropout: float = 0.0
    alpha: float = 1e-4
    logistic: bool = False  # ScratchLogisticNet against LogisticRegression(C=1/alpha)
    about: str = ""

    @property
    def stochastic(self):
        return self.solver != "lbfgs"


ROWS = {
    "adam-256x256-f64": Row("synthetic", (256, 256), "float64", about="MNIST-sized"),
    "adam-256x256-f32": Row("synthetic", (256, 256), "float32", about="same, float32"),
    "adam-1024x1024-f32": Row(
        "synthetic",
        (1024, 1024),
        "float32",
        batch_size=512,
        epochs=1,
        about="wide layers: GEMM-bound",
    ),
    "adam-64-f64": Row(
        "synthetic", (64,), "float64", epochs=3, about="narrow: overhead-bound"
    ),
    "dropout-256x256-f32": Row(
        "synthetic",
        (256, 256),
        "float32",
        dropout=0.2,
        about="dropout 0.2; MLPClassifier has none and trains without",
    ),
    "lbfgs-digits": Row(
        "digits",
        (100,),
        "float64",
        solver="lbfgs",
        batch_size="auto",
        epochs=200,
        about="L-BFGS, full batch, load_digits",
    ),
    "logistic-50000x200": Row(
        "binary",
        (),
        "float64",
        solver="lbfgs",
        batch_size="auto",
        epochs=10_000,
        tol=1e-8,
        alpha=1.0,
        logistic=True,
        about="no hidden layer vs LogisticRegression(C=1), both to tol=1e-8",
    ),
}

# --quick: small data, few epochs and iterations, one repeat: a smoke test
QUICK = {
    "n_train": 2_000,
    "n_test": 1_000,
    "epochs": 2,
    "lbfgs_iter": 50,
    "repeats": 1,
    "threads": "1",
}


# %% Data ---------------------------------------------------------------------


def _split_and_scale(X, y, n_test):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=n_test, random_state=SEED, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def make_synthetic(quick):
    """MNIST-shaped: 60000 + 10000 samples, 784 features, 10 classes."""
    n_train, n_test = (QUICK["n_train"], QUICK["n_test"]) if quick else (60_000, 10_000)
    X, y = make_classification(
        n_samples=n_train + n_test,
        n_features=784,
        n_informative=50,
        n_redundant=0,
        n_classes=10,
        class_sep=2.0,
        random_state=SEED,
    )  # class_sep=2: about 83 % test accuracy after 2 epochs of the (256, 256) net
    return _split_and_scale(X, y, n_test)


def make_binary(quick):
    """50000 + 10000 samples, 200 features, 2 classes."""
    n_train, n_test = (QUICK["n_train"], QUICK["n_test"]) if quick else (50_000, 10_000)
    X, y = make_classification(
        n_samples=n_train + n_test,
        n_features=200,
        n_informative=20,
        random_state=SEED,
    )
    return _split_and_scale(X, y, n_test)


def make_digits(quick):
    """load_digits (ships with scikit-learn), 25 % held out."""
    X, y = load_digits(return_X_y=True)
    return _split_and_scale(X, y, n_test=len(y) // 4)


DATASETS = {"synthetic": make_synthetic, "binary": make_binary, "digits": make_digits}


class DataCache:
    """Builds each data set once (float64) and each dtype of it once."""

    def __init__(self, quick):
        self.quick = quick
        self._arrays = {}

    def get(self, name, dtype):
        if (name, "float64") not in self._arrays:
            t0 = time.perf_counter()
            self._arrays[name, "float64"] = DATASETS[name](self.quick)
            _log(f"data {name}: {time.perf_counter() - t0:.1f} s")
        if (name, dtype) not in self._arrays:
            X_train, X_test, y_train, y_test = self._arrays[name, "float64"]
            self._arrays[name, dtype] = (
                X_train.astype(dtype),
                X_test.astype(dtype),
                y_train,
                y_test,
            )
        return self._arrays[name, dtype]


# %% Contenders -----------------------------------------------------------------
# Each maker takes (row, n_iter, n_threads) and returns (label, estimator), or
# None when the contender has no counterpart for that row.


def _mlp_params(row, n_iter):
    """MLPClassifier's parameters for exactly `n_iter` epochs and no early stop."""
    return dict(
        hidden_layer_sizes=row.hidden,
        solver=row.solver,
        alpha=row.alpha,
        batch_size=row.batch_size,
        learning_rate_init=1e-3,
        max_iter=n_iter,
        tol=row.tol,
        n_iter_no_change=1_000_000,
        early_stopping=False,
        max_fun=1_000_000,
        shuffle=True,
        random_state=SEED,
    )


def make_skmlp(row, n_iter, n_threads):
    import skmlp

    if row.logistic:
        return "skmlp", skmlp.ScratchLogisticNet(**_mlp_params(row, n_iter))
    est = skmlp.ScratchMLPClassifier(**_mlp_params(row, n_iter), dropout=row.dropout)
    return "skmlp", est


def make_sklearn(row, n_iter, n_threads):
    if row.logistic:
        est = LogisticRegression(C=1 / row.alpha, tol=row.tol, max_iter=n_iter)
        return "LogisticRegression", est
    label = "MLPClassifier (no dropout)" if row.dropout else "MLPClassifier"
    return label, MLPClassifier(**_mlp_params(row, n_iter))


def make_torch(row, n_iter, n_threads):
    if not row.stochastic:
        return None  # torch.optim.LBFGS is a different algorithm from SciPy's
    est = TorchMLP(
        row.hidden,
        batch_size=row.batch_size,
        max_iter=n_iter,
        alpha=row.alpha,
        dropout=row.dropout,
        random_state=SEED,
        n_threads=n_threads,
    )
    return "PyTorch", est


# "ratio vs sklearn" divides by the s/epoch of this contender, in the same row.
REFERENCE = "sklearn"
CONTENDERS = {"skmlp": make_skmlp, "sklearn": make_sklearn, "torch": make_torch}


class TorchMLP:
    """A plain PyTorch loop training MLPClassifier's network the way it does.

    Same layers, ReLU, Glorot-uniform init, softmax cross-entropy, Adam
    (lr 1e-3, betas 0.9/0.999, eps 1e-8), L2 on weights only with alpha / batch
    size (MLPClassifier's scaling), reshuffled minibatches every epoch, the mean
    loss of each epoch recorded; plus inverted dropout after each hidden layer.
    """

    untraced_memory = True  # torch's allocator does not report to tracemalloc

    def __init__(
        self,
        hidden_layer_sizes,
        *,
        batch_size,
        max_iter,
        alpha,
        dropout,
        random_state,
        n_threads,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.alpha = alpha
        self.dropout = dropout
        self.random_state = random_state
        self.n_threads = n_threads

    def _network(self, sizes, dtype):
        import torch
        from torch import nn

        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            if layers:  # after a hidden layer: its activation, then dropout
                layers.append(nn.ReLU())
                if self.dropout:
                    layers.append(nn.Dropout(self.dropout))
            dense = nn.Linear(fan_in, fan_out, dtype=dtype)
            bound = (6 / (fan_in + fan_out)) ** 0.5  # Glorot, as MLPClassifier
            with torch.no_grad():
                dense.weight.uniform_(-bound, bound)
                dense.bias.uniform_(-bound, bound)
            layers.append(dense)
        return nn.Sequential(*layers)

    def fit(self, X, y):
        import torch

        torch.set_num_threads(self.n_threads)
        torch.manual_seed(self.random_state)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        X_t, y_t = torch.from_numpy(X), torch.from_numpy(y_encoded.astype(np.int64))
        sizes = [X.shape[1], *self.hidden_layer_sizes, len(self.classes_)]
        self.model_ = model = self._network(sizes, X_t.dtype)
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
        optimizer = torch.optim.Adam(
            [
                {"params": weights, "weight_decay": self.alpha / self.batch_size},
                {"params": biases, "weight_decay": 0.0},
            ],
            lr=1e-3,
            betas=(0.9, 0.999),
            eps=1e-8,
        )
        loss_fn = torch.nn.CrossEntropyLoss()
        generator = torch.Generator().manual_seed(self.random_state)
        model.train()
        self.loss_curve_ = []
        for _ in range(self.max_iter):
            order = torch.randperm(len(y_t), generator=generator)
            total = 0.0
            for batch in torch.split(order, self.batch_size):
                optimizer.zero_grad()
                loss = loss_fn(model(X_t[batch]), y_t[batch])
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
            self.loss_curve_.append(total / len(y_t))
        self.n_iter_ = self.max_iter
        return self

    def predict_proba(self, X):
        import torch

        self.model_.eval()
        with torch.no_grad():
            return torch.softmax(self.model_(torch.from_numpy(X)), dim=1).numpy()


def available_contenders(selected):
    """The selected contenders that run here {key: maker}, and {key: why not}."""
    found, missing = {}, {}
    for key in selected:
        if key in ("skmlp", "torch"):  # the optional ones; sklearn is always here
            try:
                importlib.import_module(key)
            except Exception as exc:  # an ImportError, or a package half written
                missing[key] = f"{type(exc).__name__}: {exc}"
                continue
        found[key] = CONTENDERS[key]
    return found, missing


# %% Measurements ---------------------------------------------------------------


def gemm_flops(dtype):
    """Best FLOP/s of NumPy's matmul over GEMM_SHAPES, in the current thread setting."""
    rng = np.random.default_rng(SEED)
    best = 0.0
    for m, k, n in GEMM_SHAPES:
        A = rng.standard_normal((m, k)).astype(dtype)
        B = rng.standard_normal((k, n)).astype(dtype)
        C = np.empty((m, n), dtype=dtype)
        np.matmul(A, B, out=C)  # warm-up: threads started, pages touched
        for _ in range(GEMM_REPEATS):
            t0 = time.perf_counter()
            np.matmul(A, B, out=C)
            best = max(best, 2 * m * k * n / (time.perf_counter() - t0))
    return best


def gemm_throughputs(dtypes, threads_list, best=None):
    """{dtype: {n_threads: FLOP/s}} for the run's dtypes and thread settings; the
    better of this measurement and of `best`, an earlier one."""
    found = {dtype: {} for dtype in sorted(dtypes)}
    for n_threads in threads_list:
        with threadpool_limits(limits=n_threads):
            for dtype in found:
                earlier = (best or {}).get(dtype, {}).get(n_threads, 0.0)
                found[dtype][n_threads] = max(earlier, gemm_flops(dtype))
    return found


def add_gemm_percentages(results, gemm):
    for r in results:
        if r.get("s_per_epoch"):
            achieved = r["flops_per_epoch"] / r["s_per_epoch"]
            r["gemm_pct"] = 100 * achieved / gemm[r["dtype"]][r["threads"]]


def flops_per_epoch(n_samples, layer_sizes):
    """Forward 2*in*out, backward 2*in*out for dW and 2*in*out for the input
    gradient, per sample and layer -- except the first layer's input gradient."""
    products = [a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)]
    return n_samples * (6 * sum(products) - 2 * products[0])


def timed_fit(est, X, y):
    gc.collect()
    t0 = time.perf_counter()
    est.fit(X, y)
    return time.perf_counter() - t0


def peak_fit_mib(est, X, y):
    """Peak of the memory that `fit` allocates, as tracemalloc sees it (NumPy reports
    its buffers to tracemalloc).  Untimed: tracing slows the fit down.  None, after
    a plain fit, for an estimator whose memory tracemalloc cannot see."""
    gc.collect()
    if getattr(est, "untraced_memory", False):
        est.fit(X, y)  # still a warm-up; tracing would only slow torch's lazy imports
        return None
    tracemalloc.start()
    try:
        est.fit(X, y)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def n_iter_of(est):
    return int(np.max(est.n_iter_))  # LogisticRegression's is an array


def held_out_scores(est, X_test, y_test):
    proba = est.predict_proba(X_test)
    accuracy = float(np.mean(est.classes_[np.argmax(proba, axis=1)] == y_test))
    return accuracy, float(log_loss(y_test, proba, labels=est.classes_))


# %% Running --------------------------------------------------------------------


def run_row(name, row, data, contenders, n_threads, repeats):
    """Results of every contender on one row, timed interleaved, `n_threads` threads."""
    X_train, X_test, y_train, y_test = data
    makers = {
        key: make
        for key, make in contenders.items()
        if make(row, row.epochs, n_threads) is not None
    }
    cells = {key: {"fit_seconds": [], "n_iter": [], "error": None} for key in makers}
    # The untimed memory fit also warms each contender up.  One epoch is enough:
    # the memory a stochastic fit needs does not grow with the epochs.
    memory_iter = 1 if row.stochastic else row.epochs
    for key, make in makers.items():
        _record_memory_fit(
            cells[key], *make(row, memory_iter, n_threads), X_train, y_train
        )
    keys = list(makers)
    for repeat in range(repeats):
        # rotate the order, so no contender always runs right after the same one
        for key in keys[repeat % len(keys) :] + keys[: repeat % len(keys)]:
            made = makers[key](row, row.epochs, n_threads)
            _record_timed_fit(cells[key], *made, X_train, y_train)

    n_classes = len(np.unique(y_train))
    layer_sizes = [X_train.shape[1], *row.hidden, 1 if n_classes == 2 else n_classes]
    flops = flops_per_epoch(len(y_train), layer_sizes)
    return [
        _summarise(name, row, key, cells, n_threads, flops, X_test, y_test)
        for key in keys
    ]


def _attempt(cell, function, *args):
    """function(*args), or None with the error kept: one failure spoils one cell."""
    if cell["error"] is None:
        try:
            return function(*args)
        except Exception as exc:
            cell["error"] = f"{type(exc).__name__}: {exc}"
            _log(traceback.format_exc())
    return None


def _record_memory_fit(cell, label, est, X, y):
    t0 = time.perf_counter()
    cell["peak_mib"] = peak = _attempt(cell, peak_fit_mib, est, X, y)
    seconds = time.perf_counter() - t0
    _log(f"  {label:<27} {_fmt(peak, '.3g'):>8} MiB  (untimed fit, {seconds:.1f} s)")


def _record_timed_fit(cell, label, est, X, y):
    seconds = _attempt(cell, timed_fit, est, X, y)
    if seconds is not None:
        cell["fit_seconds"].append(seconds)
        cell["n_iter"].append(n_iter_of(est))
        cell["label"], cell["estimator"] = label, est
        _log(f"  {label:<27} {seconds:8.3f} s  {n_iter_of(est)} epochs")


def _summarise(name, row, key, cells, n_threads, flops, X_test, y_test):
    cell = cells[key]
    result = {
        "row": name,
        "contender": cell.get("label") or key,
        "key": key,
        "threads": n_threads,
        "dtype": row.dtype,
        "error": cell["error"],
    }
    if cell["error"] is not None:
        return result
    per_epoch = np.divide(cell["fit_seconds"], cell["n_iter"])
    accuracy, loss = held_out_scores(cell["estimator"], X_test, y_test)
    result.update(
        fit_seconds=cell["fit_seconds"],
        n_iter=cell["n_iter"][-1],
        fit_s=float(np.median(cell["fit_seconds"])),
        s_per_epoch=float(np.median(per_epoch)),
        peak_mib=cell["peak_mib"],
        accuracy=accuracy,
        log_loss=loss,
        flops_per_epoch=flops,
        gemm_pct=None,  # once the run's best GEMM throughput is known
        ratio=None,
    )
    ref = cells.get(REFERENCE)
    if ref is not None and ref["error"] is None:
        # per repeat, the two fits that ran side by side; then the median
        ref_per_epoch = np.divide(ref["fit_seconds"], ref["n_iter"])
        result["ratio"] = float(np.median(per_epoch / ref_per_epoch))
    return result


def thread_counts(choice):
    n_all = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    return {"1": [1], "all": [n_all], "both": sorted({1, n_all})}[choice]


def select_rows(patterns):
    if not patterns:
        return dict(ROWS)
    chosen = {
        name: row
        for name, row in ROWS.items()
        if any(fnmatch.fnmatch(name, p) for p in patterns)
    }
    if not chosen:
        raise SystemExit(f"no row matches {patterns}; rows: {', '.join(ROWS)}")
    return chosen


def adapt_rows(rows, quick, epochs):
    """--epochs sets the epochs of the stochastic rows; --quick caps them, and
    the iterations of the L-BFGS rows that run a fixed number (tol=0)."""

    def n_iter(row):
        if row.stochastic:
            return epochs or (min(row.epochs, QUICK["epochs"]) if quick else row.epochs)
        if quick and row.tol == 0:
            return min(row.epochs, QUICK["lbfgs_iter"])
        return row.epochs

    return {name: replace(row, epochs=n_iter(row)) for name, row in rows.items()}


# %% Environment and output ---------------------------------------------------------


def _log(message):
    print(message, file=sys.stderr, flush=True)


def versions(contender_keys):
    found = {"python": platform.python_version()}
    for module in ["numpy", "scipy", "sklearn", "threadpoolctl", "skmlp", "torch"]:
        if module in ("skmlp", "torch") and module not in contender_keys:
            continue
        try:
            found[module] = importlib.import_module(module).__version__
        except Exception as exc:
            found[module] = f"not importable ({type(exc).__name__})"
    return found


def describe_pools(pools):
    """One line per pool, 'openblas 0.3.30 SkylakeX pthreads, 2 threads: lib….so'."""
    lines = []
    for pool in pools:
        keys = ["internal_api", "version", "architecture", "threading_layer"]
        name = " ".join(str(pool[key]) for key in keys if pool.get(key))
        library = os.path.basename(pool["filepath"])
        lines.append(f"{name}, {_threads(pool['num_threads'])}: {library}")
    return lines


def _threads(n):
    return f"{n} thread{'s' if n != 1 else ''}"


def load_average():
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


COLUMNS = [  # header, alignment, how to show a result
    ("row", "<", lambda r: r["row"]),
    ("contender", "<", lambda r: r["contender"]),
    ("threads", ">", lambda r: str(r["threads"])),
    ("epochs", ">", lambda r: _fmt(r.get("n_iter"), "d")),
    ("fit s", ">", lambda r: _fmt(r.get("fit_s"), ".3g")),
    ("s/epoch", ">", lambda r: _fmt(r.get("s_per_epoch"), ".3g")),
    ("ratio vs sklearn", ">", lambda r: _fmt(r.get("ratio"), ".2f")),
    ("peak MiB", ">", lambda r: _fmt(r.get("peak_mib"), ".3g")),
    ("accuracy", ">", lambda r: _fmt(r.get("accuracy"), ".4f")),
    ("log-loss", ">", lambda r: _fmt(r.get("log_loss"), ".5f")),
    ("% GEMM", ">", lambda r: _fmt(r.get("gemm_pct"), ".0f")),
]


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def format_table(results):
    """One aligned markdown table; a failed contender gets 'failed' in its cells."""
    lines = [[head for head, _, _ in COLUMNS]]
    for r in results:
        cells = [show(r) for _, _, show in COLUMNS]
        if r.get("error"):  # the error itself is in the notes
            cells[3:] = ["failed"] + [""] * (len(COLUMNS) - 4)
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    rule = [
        (":" + "-" * (w - 1)) if a == "<" else ("-" * (w - 1) + ":")
        for w, (_, a, _) in zip(widths, COLUMNS, strict=True)
    ]
    lines.insert(1, rule)
    return "\n".join(
        "| "
        + " | ".join(
            format(c, a + str(w))
            for c, w, (_, a, _) in zip(line, widths, COLUMNS, strict=True)
        )
        + " |"
        for line in lines
    )


def notes(report):
    found = [
        "ratio vs sklearn: s/epoch / s/epoch of the row's scikit-learn contender, "
        "same threads, median of per-repeat pairs; < 1 is faster.",
        "epochs: n_iter_; for the L-BFGS rows an 'epoch' is one L-BFGS iteration.",
        "peak MiB: tracemalloc peak of a separate untimed fit (1 epoch for the "
        "stochastic rows); n/a for PyTorch, whose allocator tracemalloc cannot see.",
        "% GEMM: n*(6*sum(in*out) - 2*d*h1) FLOPs per epoch / s/epoch / NumPy's "
        "matmul FLOP/s (the 'NumPy matmul' line); PyTorch multiplies with its own "
        "BLAS.",
    ]
    if any(r["contender"].endswith("(no dropout)") for r in report["results"]):
        found.append(
            "dropout row: MLPClassifier has no dropout; it trains the same "
            "architecture without, which is less work: a ratio below 1 is conservative."
        )
    found += [f"{key} not run: {why}" for key, why in report["missing"].items()]
    found += report["checks"]
    found += [
        f"{r['row']} / {r['contender']} / {_threads(r['threads'])} failed: {r['error']}"
        for r in report["results"]
        if r.get("error")
    ]
    return found


def logistic_checks(results):
    """skmlp's no-hidden-layer net must reach LogisticRegression's log-loss."""
    done = {(r["row"], r["threads"], r["key"]): r for r in results if not r["error"]}
    found = []
    for (row, threads, key), ours in done.items():
        theirs = done.get((row, threads, REFERENCE))
        if key == "skmlp" and ROWS[row].logistic and theirs is not None:
            gap = abs(ours["log_loss"] - theirs["log_loss"])
            verdict = "ok" if gap < 1e-4 else "NOT EQUAL"
            found.append(
                f"{row} ({_threads(threads)}): |log-loss(skmlp) - "
                f"log-loss(LogisticRegression)| = {gap:.2e} (< 1e-4: {verdict})"
            )
    return found


def environment_lines(report):
    return [
        f"command: {report['command']}",
        f"date: {report['date']}   machine: {report['machine']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
        *("BLAS/OpenMP: " + pool for pool in report["blas"]),
    ]


def gemm_line(gemm):
    return "NumPy matmul GFLOP/s: " + ", ".join(
        f"{dtype} {_threads(threads)} {flops / 1e9:.1f}"
        for dtype, by_threads in gemm.items()
        for threads, flops in by_threads.items()
    )


def load_line(report):
    return (
        f"load average before: {report['load_before']}, after: {report['load_after']}"
    )


def write_markdown(report, path):
    text = "\n".join(
        [
            "# skmlp benchmark",
            "",
            *(
                f"- {line}"
                for line in [
                    *environment_lines(report),
                    gemm_line(report["gemm_flops"]),
                    load_line(report),
                ]
            ),
            "",
            report["table"],
            "",
            *(f"- {note}" for note in report["notes"]),
            "",
        ]
    )
    with open(path, "w") as f:
        f.write(text)


def write_json(report, path):
    with open(path, "w") as f:
        json.dump({k: v for k, v in report.items() if k != "table"}, f, indent=1)


def plot_ratios(report, path):
    """Horizontal bars of s/epoch ratios, one panel per thread setting."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        _log("matplotlib is not installed: no plot")
        return False
    shown = [
        r
        for r in report["results"]
        if r.get("ratio") is not None and r["key"] != REFERENCE
    ]
    if not shown:
        _log("nothing to plot: no ratio was measured")
        return False
    rows = list(dict.fromkeys(r["row"] for r in shown))
    labels = {r["key"]: r["contender"] for r in shown}  # one bar colour per contender
    panels = sorted({r["threads"] for r in shown})
    fig, axes = plt.subplots(
        1,
        len(panels),
        sharex=True,
        sharey=True,
        squeeze=False,
        figsize=(4.5 * len(panels) + 2, 0.45 * len(rows) * len(labels) + 1.5),
    )
    height = 0.8 / len(labels)
    for ax, threads in zip(axes[0], panels, strict=True):
        for i, (key, label) in enumerate(labels.items()):
            ratio = {
                r["row"]: r["ratio"]
                for r in shown
                if r["threads"] == threads and r["key"] == key
            }
            y = [j + i * height for j, row in enumerate(rows) if row in ratio]
            bars = ax.barh(
                y, [ratio[row] for row in rows if row in ratio], height, label=label
            )
            ax.bar_label(bars, fmt="%.2f", padding=2, fontsize=8)
        ax.axvline(1.0, color="black", linewidth=1)
        ax.set_title(f"{_threads(threads)} (BLAS)")
        ax.margins(x=0.12)  # room for the labels
        ax.set_xlabel("s/epoch relative to scikit-learn (< 1 is faster)")
    # tick in the middle of each row's group of bars
    axes[0][0].set_yticks(
        [j + (len(labels) - 1) * height / 2 for j in range(len(rows))]
    )
    axes[0][0].set_yticklabels(rows)
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(loc="best")
    # where the figure comes from, wrapped to the figure's width
    caption = f"{report['command']}   ({report['date']})"
    fig.text(0.01, 0.01, caption, fontsize=7, color="gray", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


# %% Command line ---------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rows",
        nargs="+",
        metavar="NAME",
        help="rows to run; shell patterns allowed ('adam-*'). Default: all",
    )
    parser.add_argument(
        "--contenders",
        nargs="+",
        choices=list(CONTENDERS),
        default=list(CONTENDERS),
        help="default: all that are importable",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: n={QUICK['n_train']}, <= {QUICK['epochs']} "
        f"epochs, <= {QUICK['lbfgs_iter']} L-BFGS iterations, "
        f"{QUICK['repeats']} repeat, 1 thread",
    )
    parser.add_argument("--epochs", type=int, help="epochs of the stochastic rows")
    parser.add_argument(
        "--repeats", type=int, help="timed fits per contender (default 3; --quick 1)"
    )
    parser.add_argument(
        "--threads",
        choices=["1", "all", "both"],
        help="BLAS threads: 1 (low noise), all cores, or both "
        "(default both; --quick 1)",
    )
    parser.add_argument("--json", metavar="PATH", help="write every figure as JSON")
    parser.add_argument(
        "--markdown", metavar="PATH", help="write the table as markdown"
    )
    parser.add_argument(
        "--plot", metavar="PATH", help="bar chart of the ratios (needs matplotlib)"
    )
    parser.add_argument("--list", action="store_true", help="list the rows and exit")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the benchmark; returns the report (what --json writes, plus 'table')."""
    args = parse_args(argv)
    if args.list:
        for name, row in ROWS.items():
            print(f"{name:<20} {row.about}")
        return None
    rows = adapt_rows(select_rows(args.rows), args.quick, args.epochs)
    repeats = args.repeats or (QUICK["repeats"] if args.quick else 3)
    threads = args.threads or (QUICK["threads"] if args.quick else "both")
    threads_list = thread_counts(threads)
    contenders, missing = available_contenders(args.contenders)
    report = start_report(argv, args, rows, repeats, threads_list, missing)
    print("\n".join(environment_lines(report)))
    print(f"load average before: {report['load_before']}")
    if report["load_before"] and report["load_before"][0] > 0.5:
        print("  the machine is busy: absolute times suffer, the paired ratios less")

    dtypes = {row.dtype for row in rows.values()}
    gemm = gemm_throughputs(dtypes, threads_list)
    print(gemm_line(gemm) + " (before the rows)")
    results = run_rows(rows, contenders, threads_list, repeats, DataCache(args.quick))
    # measured again after the rows: the better of the two is what the machine can do
    report["gemm_flops"] = gemm = gemm_throughputs(dtypes, threads_list, best=gemm)
    add_gemm_percentages(results, gemm)

    report.update(load_after=load_average(), results=results)
    report["checks"] = logistic_checks(results)
    report["notes"] = notes(report)
    report["table"] = format_table(results)
    print(gemm_line(gemm) + " (best of before and after the rows)")
    print(f"load average after: {report['load_after']}\n")
    print(report["table"] + "\n")
    print("\n".join(f"- {note}" for note in report["notes"]))
    write_outputs(report, args)
    return report


def start_report(argv, args, rows, repeats, threads_list, missing):
    """What the run is and where: the report's first keys."""
    command_args = sys.argv[1:] if argv is None else list(argv)
    return {
        "command": " ".join(["python benchmarks/run.py", *command_args]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.system()} {platform.release()}, "
        f"{os.cpu_count()} CPUs",
        "load_before": load_average(),
        "versions": versions(args.contenders),
        # after torch's import, so its OpenMP pool is listed too
        "blas": describe_pools(threadpool_info()),
        "config": {
            "quick": args.quick,
            "repeats": repeats,
            "threads": threads_list,
            "seed": SEED,
            "rows": {name: asdict(row) for name, row in rows.items()},
        },
        "missing": missing,
    }


def run_rows(rows, contenders, threads_list, repeats, data):
    results = []
    with warnings.catch_warnings():
        # max_iter is reached on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, row in rows.items():
            for n_threads in threads_list:
                _log(f"{name}, {_threads(n_threads)}:")
                with threadpool_limits(limits=n_threads):
                    row_data = data.get(row.data, row.dtype)
                    results += run_row(
                        name, row, row_data, contenders, n_threads, repeats
                    )
    return results


def write_outputs(report, args):
    for path in (args.json, args.markdown, args.plot):
        if path:  # e.g. benchmarks/results/, which git ignores
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if args.json:
        write_json(report, args.json)
    if args.markdown:
        write_markdown(report, args.markdown)
    if args.plot:
        plot_ratios(report, args.plot)


if __name__ == "__main__":
    report = main()
    sys.exit(1 if report and any(r.get("error") for r in report["results"]) else 0)
