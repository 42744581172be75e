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

The kernels index without bounds checks, so each first checks, in compiled
code, the shapes and ranges it indexes by, and refuses before writing
anything (the wrappers here raise ``ValueError``): a check in Python costs a
microsecond or more per call, and a step makes several calls. Dtypes and
memory layouts are numba's to dispatch on: each combination compiles to its
own loop, and the ones that vectorise are those the network passes (one
floating dtype, C-contiguous).
"""

import concurrent.futures
import functools
import importlib.util
import os
import threading

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
#   rmsprop:  (rho, 1 - rho, epsilon, -lr); Adagrad's: (1, 1, epsilon, -lr)
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
    return _run(params, grads, m, v, c, (bounds, l1, l2), _ADAM)


def sgd(params, grads, velocity, c, bounds, l1, l2, nesterov):
    """One momentum step: v = mu v - lr g; params += v, or, with Nesterov,
    params += -lr g, then params += mu v (the order of the NumPy path)."""
    rule = _NESTEROV if nesterov else _MOMENTUM
    return _run(params, grads, velocity, velocity, c, (bounds, l1, l2), rule)


def rmsprop(params, grads, cache, c, bounds, l1, l2):
    """G = rho G + (1 - rho) g g;  params += (g / (sqrt(G) + eps)) * (-lr).

    Adagrad is this step with rho = 1 and 1 - rho given as 1 (G * 1 + (g * g)
    * 1 is G + g * g exactly).
    """
    return _run(params, grads, cache, cache, c, (bounds, l1, l2), _RMSPROP)


# ---------------------------------------------------------------------------
# The element-wise pieces of a dense layer, for (n, w) batches: on the
# caller's thread, or split by rows or columns from _MIN_LAYER_CHUNK elements
# per thread; each equals the NumPy operations it replaces. The kernels check
# the shapes they index by (a mismatch raises here, before anything is
# written); dtypes and memory layouts are numba's to dispatch on (one
# compiled loop each; C-contiguous arrays of one dtype, as the network passes
# them, are the ones that vectorise).
# ---------------------------------------------------------------------------


_NO_MASK = np.zeros((0, 0), dtype=bool)
_NO_WEIGHTS = np.zeros(0)


def bias_relu(Z, b):
    """Z = maximum(Z + b, 0), in place; returns Z."""
    args = (Z, b, Z.dtype.type(0))  # rows to each thread
    ok = _split(_kernels().bias_relu, args, Z.shape[0], Z.size, _MIN_LAYER_CHUNK)
    if not all(ok):
        raise _mismatch("bias_relu", Z=Z, b=b)
    return Z


def dropout_mask(A, bits, threshold, rate, mask, out):
    """mask = bits >= threshold;  out = A * mask * (1 / (1 - rate)); returns ``out``.

    ``bits`` and ``threshold`` come from ``_array.keep_bits`` (one value per
    element of A, row-major); ``mask`` is a boolean buffer of A's shape. The
    scale is applied in A's dtype, as NumPy does with a Python float.
    """
    scale = A.dtype.type(1.0 / (1.0 - rate))
    args = (A, bits, threshold, scale, mask, out)  # rows to each thread
    ok = _split(_kernels().dropout_mask, args, A.shape[0], A.size, _MIN_LAYER_CHUNK)
    if not all(ok):
        raise _mismatch("dropout_mask", A=A, bits=bits, mask=mask, out=out)
    return out


def relu_backward(A, dA, db, mask=None, rate=0.0):
    """dA = dA * [A > 0] in place, and db = the sum of its rows; returns dA.

    With a dropout ``mask`` (boolean, A's shape) and its ``rate``, dA is
    first multiplied by the mask and by 1 / (1 - rate), as the dropout
    layer's backward does.
    """
    scale = A.dtype.type(1.0 / (1.0 - rate))
    args = (A, dA, _NO_MASK if mask is None else mask, scale, db)
    # columns to each thread: every column's sum still runs over the rows in order
    w = A.shape[1]
    ok = _split(_kernels().relu_backward, args, w, A.size, _MIN_LAYER_CHUNK)
    if not all(ok):
        raise _mismatch("relu_backward", A=A, dA=dA, db=db, mask=mask)
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
    layer's intercept gradient), equal to NumPy's ``sum(axis=0)`` for
    this dZ.
    """
    w = _NO_WEIGHTS if sample_weight is None else sample_weight
    dZ = np.empty(Z.shape, Z.dtype)
    db_ = _no_values(Z.dtype) if db is None else db
    ok, total = _kernels().softmax_cross_entropy(Z, Y, w, 1.0 / B, dZ, db_)
    if not ok:
        raise _mismatch("softmax_cross_entropy", Z=Z, Y=Y, sample_weight=w, db=db)
    return total / B, dZ


@functools.cache
def _no_values(dtype):
    # an empty array of dtype: "no intercept gradient" to the head's kernel
    return np.zeros(0, dtype)


def _mismatch(kernel, **arrays):
    shapes = ", ".join(
        f"{name} {a.shape}" for name, a in arrays.items() if a is not None
    )
    return ValueError(f"{kernel}: the arrays' shapes do not match ({shapes}).")


def _run(params, grads, s1, s2, c, pen, rule):
    """The update kernel over the flat vectors, split into contiguous chunks;
    returns the sums of the new parameters' squares and absolute values in
    each penalty range (float64, one row per range: the penalty's value at
    the next step, without reading the weights again).

    The kernel checks what it indexes by (the vectors' lengths, the rule's
    coefficient count, the penalty's ranges) and refuses, before any write;
    ``c`` must be in the parameters' dtype (the arithmetic's).
    """
    if c.dtype != params.dtype:
        raise ValueError(
            f"c must be in the params' dtype {params.dtype}; got {c.dtype}."
        )
    n = params.shape[0]
    args = (params, grads, s1, s2, c, pen, rule)
    oks, sums = zip(*_split(_kernels().update, args, n, n, _MIN_CHUNK), strict=True)
    if not all(oks):
        shapes = ", ".join(f"{a.shape}" for a in (params, grads, s1, s2, c, *pen[1:]))
        raise ValueError(
            "the update refused its arrays: grads and the states must match "
            "params, c hold the rule's coefficients, bounds increase within "
            f"[0, {n}] with one value more than l1 and l2; got the shapes "
            f"{shapes} (params, grads, states, c, l1, l2) and bounds {pen[0]}."
        )
    return sums[0] if len(sums) == 1 else np.sum(sums, axis=0)


def _split(kernel, args, n, size, min_chunk):
    """``kernel(*args, lo, hi)`` on contiguous ranges [lo, hi) of [0, n),
    ``size`` elements of work in all; returns the calls' results in order.

    Work under two ``min_chunk`` is one call on the caller's thread (the
    usual case, decided at once); more is cut into one range per thread
    (:func:`_n_chunks`), pool threads taking all but the first (the kernels
    release the GIL).
    """
    if size < 2 * min_chunk:
        return [kernel(*args, 0, n)]
    nc = _n_chunks(size, n, min_chunk)
    cuts = [t * n // nc for t in range(nc + 1)]
    rest = []
    if nc > 1:
        pool = _pool(nc - 1)
        rest = [
            pool.submit(kernel, *args, lo, hi)
            for lo, hi in zip(cuts[1:-1], cuts[2:], strict=True)
        ]
    first = kernel(*args, 0, cuts[1])
    return [first, *(f.result() for f in rest)]


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


def _n_chunks(n_elements, n_parts, min_chunk=None):
    # one chunk per thread, none under min_chunk elements, at most n_parts
    min_chunk = _MIN_CHUNK if min_chunk is None else min_chunk
    if n_elements < 2 * min_chunk:  # the usual case, decided without a lookup
        return 1
    return max(1, min(_n_threads(), n_elements // min_chunk, n_parts))


@functools.cache  # a C-level call after the first: no Python frame per kernel call
def _kernels():
    from . import _fused_kernels

    return _fused_kernels
