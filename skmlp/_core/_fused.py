"""Fused element-wise kernels of the minibatch step (optional, needs numba).

The NumPy update rules in ``optimizers.py`` take a dozen passes over the
parameters per step; each update kernel here is one pass, with the
elastic-net penalty's gradient folded in; the layer kernels fuse the
element-wise work around a ReLU layer's products, and the softmax head's.
Large enough work is split into contiguous chunks over as many threads as
the BLAS may use (:func:`set_num_threads`; the caller's thread
plus a small pool whose idle threads block, never spin: numba's OpenMP pool
spins and fought the BLAS threads on 2 cores). Install with the ``fast``
extra (``pip install skmlp[fast]``).

Nothing here imports numba at module import: ``available()`` says whether it
can be imported, and each kernel is compiled on its first call (then cached
on disk where a cache directory is writable).

Arithmetic follows the NumPy path operation by operation: same operands, same
order, no fused multiply-add, no fastmath (save the two additions that sum
the new weights for the penalty's value, which may be reassociated: a
reported value, never a step). Every scalar coefficient is passed
in the parameters' dtype (:func:`coefficients` builds them), so a float32
update is float32 arithmetic throughout, as NumPy's is. The results then equal
the NumPy path's to the last bit in practice; the tests allow 2 units in the
last place in float64 and 4 in float32.

The penalty is described by ranges of the flat parameter vector:
``bounds`` (int64, increasing, ``k + 1`` values) and ``l1``, ``l2`` (``k``
values each, in the parameters' dtype) say that on ``[bounds[j],
bounds[j+1])`` the gradient used is ``grads + l2[j] * p + l1[j] * sign(p)``
(added in that order, as ``ElasticNet.add_grad`` does; ``ElasticNet.ranges``
builds them); elsewhere it is ``grads``. ``grads`` itself is never written.
"""

import concurrent.futures
import functools
import importlib.util
import operator
import os
import threading
import weakref

import numpy as np

# elements per parallel task at least. Below this a chunk costs more to hand
# to a thread than it saves: on the benchmark machine (2 virtual cores) a
# round trip to a sleeping pool thread took 70-215 us, an Adam step over 270k
# float32 parameters took 1.6-1.9x longer split in two than on one thread,
# and the floor's own pass chose one thread for every row under 1M
# parameters. The layer kernels split later still: on the (1024, 1024) row
# (batch 512, 2 threads) splitting them in two took 1.2-2.5x longer than one
# thread, so here they split only from 1M elements per thread
_MIN_CHUNK = 2**19
_MIN_LAYER_CHUNK = 2**20

_kernels = None
_SHAPE = operator.attrgetter("shape")
# the update kernel's rules (as _fused_kernels numbers them; it is imported
# only on first use)
_ADAM, _MOMENTUM, _NESTEROV, _RMSPROP = 0, 1, 2, 3
# the thread count set by set_num_threads, per calling thread as numba's is
_local = threading.local()
_executor = None
_pool_lock = threading.Lock()


def available():
    """True when numba can be imported (the ``fast`` extra is installed)."""
    return importlib.util.find_spec("numba") is not None


# the fused path can be turned off (NumPy's update is then used even where
# numba is installed): SKMLP_FUSED=0 in the environment, or, at run time,
# skmlp._core._fused.ENABLED = False
ENABLED = os.environ.get("SKMLP_FUSED", "1") != "0"


def enabled():
    """True when the fused kernels are on and numba can be imported."""
    return ENABLED and available()


def blas_num_threads():
    """The thread count the BLAS libraries may use now (the smallest, if several).

    Follows ``threadpoolctl``: inside ``threadpool_limits(n)`` it is the limit
    in force. None when no BLAS library is found. The libraries are looked up
    once per process (a few milliseconds: a scan of the loaded libraries);
    each call then asks them for their current count (microseconds).
    """
    counts = [lib.num_threads for lib in _blas_libraries()]
    return min(counts) if counts else None


@functools.cache
def _blas_libraries():
    # the BLAS libraries loaded when the first fit asks: NumPy's and SciPy's,
    # which are loaded with them, before any fit
    import threadpoolctl

    return threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers


def set_num_threads(n_threads=None):
    """Let the update kernels use ``n_threads`` threads (default: the BLAS's).

    Capped by the machine's CPU count. The setting is per calling thread (a
    fit in another thread keeps its own): call it once per fit, in the
    thread that trains. Returns the count set.
    """
    if n_threads is None:
        n_threads = blas_num_threads() or 1
    n_threads = int(n_threads)
    if n_threads < 1:
        raise ValueError(f"n_threads must be at least 1; got {n_threads}.")
    n_threads = min(n_threads, os.cpu_count() or 1)
    _local.n_threads = n_threads
    return n_threads


def _n_threads():
    # set_num_threads not called in this thread: the BLAS's count, once
    n = getattr(_local, "n_threads", None)
    return set_num_threads() if n is None else n


@functools.cache
def no_penalty(dtype):
    """``(bounds, l1, l2)`` for no penalty at all (the same arrays every call)."""
    return np.zeros(1, dtype=np.int64), np.zeros(0, dtype), np.zeros(0, dtype)


def coefficients(dtype, *values):
    """The scalars of a kernel as one array in the parameters' dtype."""
    return np.array(values, dtype=dtype)


# ---------------------------------------------------------------------------
# Update rules. ``c`` holds the rule's scalars in the parameters' dtype:
#   adam:     (beta_1, 1 - beta_1, beta_2, 1 - beta_2, epsilon, -lr_t)
#   sgd:      (mu, -lr)
#   adagrad:  (epsilon, -lr)
#   rmsprop:  (rho, 1 - rho, epsilon, -lr)
# with lr_t Adam's bias-corrected step, computed in float64 by the caller.
# Each returns, per penalty range j (float64, shape (k, 2)), the sum of the
# squares and the sum of the absolute values of the parameters it wrote:
# ElasticNet.value_from_sums turns them into the penalty's value.
# ---------------------------------------------------------------------------


def adam(params, grads, m, v, c, bounds, l1, l2):
    """One Adam step, in place on ``params``, ``m``, ``v``.

    g = grads (+ penalty);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g;
    params += (m / (sqrt(v) + eps)) * (-lr_t)
    """
    _check(params, grads, (m, v), c, 6, bounds, l1, l2)
    return _run(params, grads, m, v, c, (bounds, l1, l2), _ADAM)


def sgd(params, grads, velocity, c, bounds, l1, l2, nesterov):
    """One momentum step: v = mu v - lr g; params += v, or, with Nesterov,
    params += -lr g, then params += mu v (the order of the NumPy path)."""
    _check(params, grads, (velocity,), c, 2, bounds, l1, l2)
    rule = _NESTEROV if nesterov else _MOMENTUM
    return _run(params, grads, velocity, velocity, c, (bounds, l1, l2), rule)


def adagrad(params, grads, cache, c, bounds, l1, l2):
    """G += g g;  params += (g / (sqrt(G) + eps)) * (-lr)."""
    _check(params, grads, (cache,), c, 2, bounds, l1, l2)
    # RMSprop's kernel with rho = 1: G * 1 + (g * g) * 1 is G + g * g exactly
    c = np.array([1, 1, c[0], c[1]], dtype=c.dtype)
    return _run(params, grads, cache, cache, c, (bounds, l1, l2), _RMSPROP)


def rmsprop(params, grads, cache, c, bounds, l1, l2):
    """G = rho G + (1 - rho) g g;  params += (g / (sqrt(G) + eps)) * (-lr)."""
    _check(params, grads, (cache,), c, 4, bounds, l1, l2)
    return _run(params, grads, cache, cache, c, (bounds, l1, l2), _RMSPROP)


def _check(params, grads, states, c, n_coefs, bounds, l1, l2):
    # the kernels index without bounds checks: catch what would corrupt memory.
    # A training loop passes the same arrays every step (only c is new): they
    # are checked once, then recognised by identity and shape (weak
    # references: a freed array is never mistaken for a new one, nor kept
    # alive; the shape: one resized in place is checked again); c is
    # checked every time
    # (map and tuple comparison: C loops, about a third of a generator's time)
    arrays = (params, grads, *states, bounds, l1, l2)
    refs, shapes = getattr(_local, "checked", ((), ()))
    if (
        len(refs) != len(arrays)
        or not all(map(operator.is_, arrays, map(weakref.ref.__call__, refs)))
        or shapes != tuple(map(_SHAPE, arrays))
    ):
        _check_arrays(params, grads, states, bounds, l1, l2)
        _local.checked = tuple(map(weakref.ref, arrays)), tuple(map(_SHAPE, arrays))
    if c.dtype != params.dtype or c.shape != (n_coefs,):
        raise ValueError(
            f"c must hold {n_coefs} coefficients in {params.dtype}; "
            f"got {c.shape}, {c.dtype}."
        )


def _check_arrays(params, grads, states, bounds, l1, l2):
    dtype = params.dtype
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"params must be float32 or float64; got {dtype}.")
    for name, a in (
        ("grads", grads),
        *((f"state {i}", s) for i, s in enumerate(states)),
    ):
        if a.dtype != dtype or a.shape != params.shape:
            raise ValueError(
                f"{name} must match params ({params.shape}, {dtype}); "
                f"got {a.shape}, {a.dtype}."
            )
    for name, a in (
        ("params", params),
        ("grads", grads),
        *(("a state", s) for s in states),
    ):
        if a.ndim != 1 or not a.flags.c_contiguous:
            raise ValueError(f"{name} must be a contiguous 1-d array.")
    if bounds.dtype != np.int64 or l1.dtype != dtype or l2.dtype != dtype:
        raise ValueError("bounds must be int64 and l1, l2 in the params' dtype.")
    k = bounds.shape[0] - 1
    if k < 0 or l1.shape != (k,) or l2.shape != (k,):
        raise ValueError(
            f"bounds needs one value more than l1 and l2; got {bounds.shape[0]}, "
            f"{l1.shape[0]}, {l2.shape[0]}."
        )


# ---------------------------------------------------------------------------
# The element-wise pieces of a dense layer, for C-contiguous (n, w) batches:
# on the caller's thread, or split by rows or columns from _MIN_LAYER_CHUNK
# elements per thread; each equals the NumPy operations it replaces.
# ---------------------------------------------------------------------------


_NO_MASK = np.zeros((0, 0), dtype=bool)
_NO_WEIGHTS = np.zeros(0)


def bias_relu(Z, b):
    """Z = maximum(Z + b, 0), in place; returns Z."""
    _check_rows(Z, Z.shape[1], "Z")
    _check_vector(b, Z.shape[1], "b", Z.dtype)
    n, zero = Z.shape[0], Z.dtype.type(0)
    nc = _n_chunks(Z.size, n, _MIN_LAYER_CHUNK)  # rows to each thread
    _split(_get()["bias_relu"], n, nc, lambda t, lo, hi: (Z, b, zero, lo, hi))
    return Z


def dropout_mask(A, bits, threshold, rate, mask, out):
    """mask = bits >= threshold;  out = A * mask * (1 / (1 - rate)); returns ``out``.

    ``bits`` and ``threshold`` come from ``_array.keep_bits`` (one value per
    element of A, row-major); ``mask`` is a boolean buffer of A's shape. The
    scale is applied in A's dtype, as NumPy does with a Python float.
    """
    _check_rows(A, A.shape[1], "A")
    _check_rows(mask, A.shape[1], "mask", A.shape[0], np.bool_)
    _check_rows(out, A.shape[1], "out", A.shape[0], A.dtype)
    if bits.ndim != 1 or bits.shape[0] < A.size or bits.dtype != threshold.dtype:
        raise ValueError(
            "bits must be a 1-d array of A.size values of the threshold's type."
        )
    scale = A.dtype.type(1.0 / (1.0 - rate))
    n, kernel = A.shape[0], _get()["dropout_mask"]
    nc = _n_chunks(A.size, n, _MIN_LAYER_CHUNK)  # rows to each thread
    _split(
        kernel, n, nc, lambda t, lo, hi: (A, bits, threshold, scale, mask, out, lo, hi)
    )
    return out


def relu_backward(A, dA, db, mask=None, rate=0.0):
    """dA = dA * [A > 0] in place, and db = the sum of its rows; returns dA.

    With a dropout ``mask`` (boolean, A's shape) and its ``rate``, dA is
    first multiplied by the mask and by 1 / (1 - rate), as the dropout
    layer's backward does.
    """
    _check_rows(A, A.shape[1], "A")
    _check_rows(dA, A.shape[1], "dA", A.shape[0], A.dtype)
    _check_vector(db, A.shape[1], "db", A.dtype)
    if mask is None:
        mask = _NO_MASK
    else:
        _check_rows(mask, A.shape[1], "mask", A.shape[0], np.bool_)
    scale = A.dtype.type(1.0 / (1.0 - rate))
    # columns to each thread: every column's sum still runs over the rows in order
    w = A.shape[1]
    nc = _n_chunks(A.size, w, _MIN_LAYER_CHUNK)
    kernel = _get()["relu_backward"]
    _split(kernel, w, nc, lambda t, lo, hi: (A, dA, mask, scale, db, lo, hi))
    if w == 1:  # NumPy sums a single column pairwise, not row by row
        np.sum(dA, axis=0, out=db)
    return dA


def softmax_cross_entropy(Z, Y, sample_weight, B, db=None):
    """(loss, dZ) of the softmax head for the logits ``Z`` (left as they are).

    loss = -sum_i w_i sum_k Y_ik log P_ik / B and dZ = (P - Y) w / B, as
    ``SoftmaxCrossEntropy.value_and_grad`` computes them; exp is the
    kernels' own vectorised one (within 1 unit in the last place of the C
    library's) and log the C library's, where NumPy has its own: the two
    agree within a few units in the last place, not to the bit. ``db``,
    when given, gets the sum of dZ's rows in the same pass (the output
    layer's intercept gradient), equal to NumPy's ``sum(dZ, axis=0)`` for
    this dZ.
    """
    _check_rows(Z, Z.shape[1], "Z")
    _check_rows(Y, Z.shape[1], "Y", Z.shape[0])
    if sample_weight is None:
        sample_weight = _NO_WEIGHTS
    else:
        _check_vector(sample_weight, Z.shape[0], "sample_weight", sample_weight.dtype)
    if db is None:
        db = np.zeros(0, Z.dtype)
    else:
        _check_vector(db, Z.shape[1], "db", Z.dtype)
    dZ = np.empty_like(Z)
    total = _get()["softmax_cross_entropy"](Z, Y, sample_weight, 1.0 / B, dZ, db)
    return total / B, dZ


def _check_rows(a, width, name, n_rows=None, dtype=None):
    # the layer kernels index without bounds checks: shapes must agree
    if a.ndim != 2 or a.shape[1] != width or not a.flags.c_contiguous:
        raise ValueError(f"{name} must be a C-contiguous 2-d array of width {width}.")
    if dtype is not None and a.dtype != dtype:
        raise ValueError(f"{name} must be {np.dtype(dtype)}; got {a.dtype}.")
    if n_rows is not None and a.shape[0] != n_rows:
        raise ValueError(f"{name} must have {n_rows} rows; got {a.shape[0]}.")


def _check_vector(a, size, name, dtype):
    if a.shape != (size,) or a.dtype != dtype:
        raise ValueError(
            f"{name} must be {dtype} of shape ({size},); got {a.shape}, {a.dtype}."
        )


def _run(params, grads, s1, s2, c, pen, rule):
    """The update kernel over the flat vectors, split into contiguous chunks;
    returns the sums of the new parameters' squares and absolute values in
    each penalty range (float64, one row per range: the penalty's value at
    the next step, without reading the weights again)."""
    n, bounds = params.shape[0], pen[0]
    nc = _n_chunks(n, n)
    sums = np.empty((nc, bounds.shape[0] - 1, 2))
    kernel = _get()["update"]
    ok = _split(
        kernel,
        n,
        nc,
        lambda t, lo, hi: (params, grads, s1, s2, c, pen, rule, (lo, hi), sums[t]),
    )
    _bounds_ok(ok, bounds, params)
    return sums[0] if nc == 1 else sums.sum(axis=0)


def _split(kernel, n, nc, arguments):
    """``kernel(*arguments(t, lo, hi))`` on the nc contiguous ranges [lo, hi)
    of [0, n), t = 0 .. nc - 1: the caller's thread takes the first, pool
    threads the others (the kernels release the GIL); True when every call
    returned True."""
    if nc == 1:
        return kernel(*arguments(0, 0, n))
    pool = _pool(nc - 1)
    rest = [
        pool.submit(kernel, *arguments(t, t * n // nc, (t + 1) * n // nc))
        for t in range(1, nc)
    ]
    ok = kernel(*arguments(0, 0, n // nc))
    return all([f.result() for f in rest]) and ok


def _pool(n_workers):
    # one process-wide pool; its idle threads block on a queue, they never
    # spin (numba's OpenMP pool did, and fought the BLAS threads on 2 cores)
    global _executor
    with _pool_lock:
        if _executor is None or _executor._max_workers < n_workers:
            old = _executor
            _executor = concurrent.futures.ThreadPoolExecutor(
                n_workers, thread_name_prefix="skmlp-fused"
            )
            if old is not None:
                old.shutdown(wait=False)
        return _executor


def _bounds_ok(ok, bounds, params):
    # the kernels check the bounds before they touch anything (False: refused)
    if not ok:
        raise ValueError(
            f"bounds must increase within [0, {params.shape[0]}]; got {bounds}."
        )


def _n_chunks(n_elements, n_parts, min_chunk=None):
    # one chunk per thread, none under min_chunk elements, at most n_parts
    min_chunk = _MIN_CHUNK if min_chunk is None else min_chunk
    if n_elements < 2 * min_chunk:  # the usual case, decided without a lookup
        return 1
    return max(1, min(_n_threads(), n_elements // min_chunk, n_parts))


def _get():
    global _kernels
    if _kernels is None:
        from . import _fused_kernels

        names = (
            "update",
            "bias_relu",
            "dropout_mask",
            "relu_backward",
            "softmax_cross_entropy",
        )
        _kernels = {name: getattr(_fused_kernels, name) for name in names}
    return _kernels
