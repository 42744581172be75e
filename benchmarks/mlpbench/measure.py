"""Measurements: fit time, peak memory, held-out scores, GEMM throughput."""

import gc
import time
import tracemalloc

import numpy as np
from sklearn.metrics import log_loss, r2_score
from threadpoolctl import threadpool_limits

from .devices import device_peak_mib, is_cuda, reset_device_peak, synchronize
from .rows import SEED

# Square-ish products of the sizes the rows multiply; the best of them is the
# machine's GEMM throughput that "% GEMM" divides by.
GEMM_SHAPES = [(512, 1024, 1024), (1024, 1024, 1024), (2048, 784, 256)]
GEMM_REPEATS = 5


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
    """% of NumPy's GEMM throughput in the contender's thread setting; a
    contender with its default threads (a defaults row) against all threads."""
    for r in results:
        if r.get("s_per_epoch"):
            by_threads = gemm[r["dtype"]]
            threads = r["threads"] if isinstance(r["threads"], int) else max(by_threads)
            if threads in by_threads:
                achieved = r["flops_per_epoch"] / r["s_per_epoch"]
                r["gemm_pct"] = 100 * achieved / by_threads[threads]


def flops_per_epoch(n_samples, layer_sizes):
    """Forward 2*in*out, backward 2*in*out for dW and 2*in*out for the input
    gradient, per sample and layer -- except the first layer's input gradient."""
    products = [a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)]
    return n_samples * (6 * sum(products) - 2 * products[0])


def timed_fit(est, X, y, device=None):
    """Seconds of est.fit(X, y); on a CUDA device, up to its last kernel."""
    gc.collect()
    synchronize(device)
    t0 = time.perf_counter()
    est.fit(X, y)
    synchronize(device)
    return time.perf_counter() - t0


def peak_fit_mib(est, X, y, device=None):
    """Peak of the memory that `fit` allocates, as tracemalloc sees it (NumPy reports
    its buffers to tracemalloc).  Untimed: tracing slows the fit down.  For an
    estimator whose memory tracemalloc cannot see, torch's own peak on a CUDA
    device, and None (after a plain fit) elsewhere."""
    gc.collect()
    if getattr(est, "untraced_memory", False):
        if not is_cuda(device):
            est.fit(X, y)  # still a warm-up; tracing would only slow torch's imports
            return None
        synchronize(device)
        reset_device_peak(device)
        est.fit(X, y)
        synchronize(device)
        return device_peak_mib(device)
    if hasattr(est, "prepare"):  # one-off work (compiling) that fit would trace
        est.prepare(X, y)
    tracemalloc.start()
    try:
        est.fit(X, y)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def n_iter_of(est):
    return int(np.max(est.n_iter_))  # LogisticRegression's is an array


def held_out_scores(est, X_test, y_test, regression=False):
    """{"accuracy", "log_loss", "r2"} on the test split: the first two on a
    classification row, R^2 (r2_score, the targets' uniform average) on a
    regression row, the others None; all None for a contender that does not
    predict (the floors)."""
    scores = dict.fromkeys(["accuracy", "log_loss", "r2"])
    if regression:
        if hasattr(est, "predict"):
            scores["r2"] = float(r2_score(y_test, est.predict(X_test)))
        return scores
    if hasattr(est, "predict_proba"):
        proba = est.predict_proba(X_test)
        predicted = est.classes_[np.argmax(proba, axis=1)]
        scores["accuracy"] = float(np.mean(predicted == y_test))
        scores["log_loss"] = float(log_loss(y_test, proba, labels=est.classes_))
    return scores
