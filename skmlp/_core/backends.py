"""The array backends: where a network's arrays live and how a step touches them.

A backend is chosen once, by the estimator, per fit and per fitted model, and
handed to every piece of the core (layers, network, heads, penalty,
optimizers), which call its methods and never ask which library they run on:

- :class:`ArrayBackend`: any array-API namespace ``xp`` (array-api-strict,
  CuPy ...) on a ``device``; every operation returns a new array.
- :class:`TorchBackend`: PyTorch; dropout masks drawn by a ``torch.Generator``
  on the arrays' device.
- :class:`NumpyBackend`: NumPy and SciPy sparse input; results written into
  buffers allocated once (``out=``), the update rules applied block by block
  through one scratch buffer.
- :class:`NumbaBackend` (the ``fast`` extra): NumPy's, with compiled kernels
  for the element-wise work of a minibatch step (``_kernels``): each repeats
  NumPy's operations in NumPy's order and dtype, so that both train the same
  model, bit for bit.

The step-level operations, the same on every backend:

- ``add_bias_and_activate(Z, b, activation)``: A = f(Z + b), in place where it can;
- ``activation_backward(activation, A, dA, mask, rate, db)``: dZ = dA (through
  dropout's mask) * f'(Z), and db = the sum of dZ's rows;
- ``dropout(A, rng, rate, out)``: (A * M / (1 - rate), M);
- ``output_delta(P, Y, sample_weight, B, db)``: a head's dZ = (P - Y) w / B,
  and db;
- ``update(optimizer, params, grads, lr, penalty)``: one step of a rule, the
  penalty's gradient included.

The core never imports scikit-learn: the estimator builds the backend of its
input (``skmlp._placement``) and passes host transfers in as ``to_numpy``.
"""

import concurrent.futures
import functools
import importlib.util
import math
import os
import threading

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, xlogy

# elements per block of an in-place update on NumPy: the 4-5 arrays an update
# touches stay in a 2 MiB L2 cache between its passes
BLOCK_SIZE = 32768


class ArrayBackend:
    """Any array-API namespace ``xp`` on ``device``: new arrays, no ``out=``."""

    name = "array-api"

    def __init__(self, xp, device=None, to_numpy=np.asarray):
        self.xp, self.device, self._to_numpy = xp, device, to_numpy

    def __repr__(self):
        return f"{type(self).__name__}({getattr(self.xp, '__name__', self.xp)})"

    # -- allocation and transfers -------------------------------------------

    def dtype(self, dtype):
        return dtype

    def zeros(self, shape, dtype):
        return self.xp.zeros(shape, dtype=dtype, device=self.device)

    def target_dtype(self, dtype):
        """The dtype of one-hot targets Y for a network computing in ``dtype``."""
        return dtype

    def buffer(self, shape, dtype):
        """A work buffer reused from batch to batch, or None: allocate as you go."""
        return None

    def asarray(self, a, dtype=None):
        """``a`` (any array or array-like, e.g. from the host) on this device."""
        return self.xp.asarray(a, dtype=dtype, device=self.device)

    def copy(self, a):
        return self.xp.asarray(a, copy=True)

    def to_host(self, a):
        """A NumPy float64 copy of ``a`` (SciPy's L-BFGS works on the host)."""
        return np.array(self._to_numpy(a), dtype=np.float64, copy=True)

    def all_finite(self, a):
        return bool(self.xp.all(self.xp.isfinite(a)))

    def log_bounds(self, dtype):
        """(log(tiny), log(1 - eps)) of ``dtype``: where probabilities are clipped."""
        info = self.xp.finfo(dtype)
        return math.log(float(info.smallest_normal)), math.log1p(-float(info.eps))

    # -- rows of a batch ------------------------------------------------------

    def indices(self, idx):
        """Host integer indices, where this backend's ``take_rows`` wants them."""
        return self.asarray(idx)

    def take_rows(self, a, idx, out=None):
        """a[idx] along the first axis (``idx`` from :meth:`indices`)."""
        return self.xp.take(a, idx, axis=0)

    # -- products and reductions ----------------------------------------------

    def matmul(self, A, B, out=None):
        return A @ B

    def matmul_into(self, A, B, out):
        """out[...] = A @ B (``out`` is a view into the flat gradient)."""
        out[...] = A @ B

    def sum_rows_into(self, A, out):
        out[...] = self.xp.sum(A, axis=0)

    def row_dots(self, Y, L):
        """sum_k Y_ik L_ik for each row i."""
        return self.xp.sum(Y * L, axis=1)

    def minus_row_max(self, Z):
        """Z - max_k Z_ik for each row i (a new array): softmax's shift."""
        return Z - self.xp.max(Z, axis=1, keepdims=True)

    def output_delta(self, P, Y, sample_weight, B, db):
        """dZ = (P - Y) w_i / B, in P's memory where this backend writes in
        place (``Y`` None: P w_i / B); db = the sum of its rows. Returns dZ.

        Each head's last step: row i's share of the weighted-mean loss
        (B = the batch's sample-weight sum), and the output layer's db.
        """
        if Y is not None:
            P -= Y
        if sample_weight is None:
            P *= 1.0 / B
        else:
            P *= (sample_weight / B)[:, None]
        self.sum_rows_into(P, db)
        return P

    def column_means(self, L, sample_weight, B):
        """Each column's sample-weighted mean, shape (K,); B = the weights' sum."""
        if sample_weight is None:
            return self.xp.sum(L, axis=0) / B
        return self.xp.sum(L * sample_weight[:, None], axis=0) / B

    def xlogy(self, x, y):
        """x * log(y), 0 where x is 0."""
        return self.xp.where(x == 0, self.xp.zeros_like(y), x * self.xp.log(y))

    # -- element-wise functions -------------------------------------------------

    def expit(self, Z, out=None):
        # exp of -|z| only: it never overflows, for logits of any size
        E = self.xp.exp(-self.xp.abs(Z))
        return self.xp.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))

    def tanh(self, Z, out=None):
        return self.xp.tanh(Z)

    def relu(self, Z, out=None):
        return Z * self.xp.astype(Z > 0, Z.dtype)

    def relu_grad(self, A, dA):
        """dA * [A > 0]."""
        return dA * self.xp.astype(A > 0, dA.dtype)

    def exp(self, a, out=None):
        return self.xp.exp(a)

    def log(self, a, out=None):
        return self.xp.log(a)

    def log1p_exp(self, Z):
        """log(1 + e^z), finite for any finite z."""
        return self.xp.logaddexp(self.xp.zeros_like(Z), Z)

    def clip(self, a, low, high, out=None):
        return self.xp.clip(a, low, high)

    def scaled(self, a, c, out=None):
        """c * a."""
        return a * c

    def squared(self, a, out=None):
        return a * a

    def sqrt(self, a, out=None):
        return self.xp.sqrt(a)

    def divide(self, a, b, out=None):
        return a / b

    # -- dropout masks ------------------------------------------------------------

    def random_generator(self, seed):
        """The generator of the dropout masks, seeded by ``seed`` (a list of ints).

        A NumPy ``Generator`` over SFC64 (the fastest of NumPy's bit
        generators; the masks take nothing else from it): the masks are drawn
        on the host, the same as NumPy's, and sent to the device.
        """
        return np.random.Generator(np.random.SFC64(seed))

    def keep_mask(self, rng, shape, rate, dtype):
        """Dropout's keep mask, True with probability 1 - rate, in ``dtype``."""
        bits, threshold = keep_bits(rng, math.prod(shape), rate)
        return self.xp.astype(self.asarray((bits >= threshold).reshape(shape)), dtype)

    # -- the step-level operations ------------------------------------------------

    def add_bias_and_activate(self, Z, b, activation):
        """A = f(Z + b), over Z where this backend writes in place."""
        Z += b
        return activation.forward(Z, self)

    def activation_backward(self, activation, A, dA, mask, rate, db):
        """dZ = (dA * M / (1 - rate), without dropout dA) * f'(Z); db = its row sum.

        ``mask`` is None without dropout; ``dA`` may be overwritten.
        """
        if mask is not None:
            dA *= mask
            dA *= 1.0 / (1.0 - rate)
        dZ = activation.backward(A, dA, self)
        self.sum_rows_into(dZ, db)
        return dZ

    def dropout(self, A, rng, rate, out=None):
        """(A * M / (1 - rate), M): inverted dropout with a fresh keep mask M."""
        mask = self.keep_mask(rng, A.shape, rate, A.dtype)
        return A * mask * (1.0 / (1.0 - rate)), mask

    def update(self, optimizer, params, grads, lr, penalty=None):
        """One step of ``optimizer``'s rule with step size ``lr``, in place.

        ``penalty`` is None or ``(penalty, B, n_weights)``: its gradient is
        added to the first ``n_weights`` entries of ``grads`` first.
        """
        if penalty is not None:
            rule, B, n_weights = penalty
            rule.add_grad(params[:n_weights], grads[:n_weights], B)
        states = optimizer.state_arrays()
        buf = optimizer.scratch
        for sl in optimizer.blocks:
            part = None if buf is None else buf[: sl.stop - sl.start]
            optimizer.update(params[sl], grads[sl], lr, part, *(s[sl] for s in states))

    block_size = None  # element-wise passes over whole vectors

    def blocks(self, n):
        """Slices that cover [0, n) in blocks of ``block_size`` elements."""
        size = max(n, 1) if self.block_size is None else self.block_size
        return [slice(start, min(start + size, n)) for start in range(0, n, size)]

    def scratch(self, n, dtype):
        """A scratch buffer for blockwise passes over n elements, or None."""
        return (
            None
            if self.block_size is None
            else self.buffer(min(n, self.block_size), dtype)
        )


class TorchBackend(ArrayBackend):
    """PyTorch: its masks drawn on the arrays' device by a ``torch.Generator``."""

    name = "torch"

    def random_generator(self, seed):
        import torch

        host = super().random_generator(seed)
        generator = torch.Generator(device=self.device)
        return generator.manual_seed(int(host.integers(2**63 - 1)))

    def keep_mask(self, rng, shape, rate, dtype):
        U = self.xp.rand(shape, generator=rng, dtype=dtype, device=self.device)
        return self.xp.astype(U >= rate, dtype)


class NumpyBackend(ArrayBackend):
    """NumPy, dense or SciPy sparse: results into buffers allocated once.

    The arithmetic is NumPy's element-wise and BLAS calls, the same as
    scikit-learn's MLPClassifier where the math coincides (SciPy's ``expit``
    for the logistic function), so that the two give the same bits.
    """

    name = "numpy"

    def __init__(self):
        super().__init__(np, None, np.asarray)

    def dtype(self, dtype):
        return np.dtype(dtype)

    def zeros(self, shape, dtype):
        return np.zeros(shape, dtype=dtype)

    def target_dtype(self, dtype):
        # boolean, as MLPClassifier: 8x less memory than floats, and the
        # heads' ufuncs cast them on the fly
        return np.dtype(bool)

    def buffer(self, shape, dtype):
        return np.empty(shape, dtype=dtype)

    def asarray(self, a, dtype=None):
        return np.asarray(a, dtype=dtype)

    def copy(self, a):
        return a.copy()

    def to_host(self, a):
        return a.astype(np.float64)

    def log_bounds(self, dtype):
        info = np.finfo(dtype)
        return np.log(info.tiny), np.log1p(-info.eps)

    def indices(self, idx):
        return idx

    def take_rows(self, a, idx, out=None):
        if sp.issparse(a):
            return a[idx]
        # mode="clip": "raise" copies through a temporary when given out=; the
        # indices are valid by construction
        return a.take(idx, axis=0, out=out, mode="clip")

    def matmul(self, A, B, out=None):
        if type(A) is not np.ndarray and sp.issparse(A):
            return np.ascontiguousarray(A @ B)
        return np.matmul(A, B, out=out)

    def matmul_into(self, A, B, out):
        if type(A) is not np.ndarray and sp.issparse(A):
            out[...] = A @ B
        else:
            np.matmul(A, B, out=out)

    def sum_rows_into(self, A, out):
        np.sum(A, axis=0, out=out)

    def row_dots(self, Y, L):
        return np.einsum("ij,ij->i", Y, L)

    def column_means(self, L, sample_weight, B):
        # MLPRegressor's expression, for its loss values to the bit
        return np.average(L, weights=sample_weight, axis=0)

    def xlogy(self, x, y):
        return xlogy(x, y)

    def expit(self, Z, out=None):
        return expit(Z, out=out)

    def tanh(self, Z, out=None):
        return np.tanh(Z, out=out)

    def relu(self, Z, out=None):
        return np.maximum(Z, 0, out=out)

    def relu_grad(self, A, dA):
        # a multiply by the boolean mask is one pass; boolean-index assignment
        # (dA[A <= 0] = 0) gathers indices first, several times slower
        return np.multiply(dA, A > 0, out=dA)

    def exp(self, a, out=None):
        return np.exp(a, out=out)

    def log(self, a, out=None):
        return np.log(a, out=out)

    def log1p_exp(self, Z):
        return np.logaddexp(0, Z)

    def clip(self, a, low, high, out=None):
        return np.clip(a, low, high, out=out)

    def scaled(self, a, c, out=None):
        return np.multiply(a, c, out=out)

    def squared(self, a, out=None):
        return np.multiply(a, a, out=out)

    def sqrt(self, a, out=None):
        return np.sqrt(a, out=out)

    def divide(self, a, b, out=None):
        return np.divide(a, b, out=out)

    def keep_mask(self, rng, shape, rate, dtype):
        bits, threshold = keep_bits(rng, math.prod(shape), rate)
        return (bits >= threshold).reshape(shape)  # boolean: NumPy casts it

    def dropout(self, A, rng, rate, out=None):
        mask = self.keep_mask(rng, A.shape, rate, A.dtype)
        out = np.multiply(A, mask, out=out)
        out *= 1.0 / (1.0 - rate)
        return out, mask

    block_size = BLOCK_SIZE


class NumbaBackend(NumpyBackend):
    """NumPy with compiled kernels for the element-wise work of a step.

    Each kernel is one pass where NumPy takes several, in NumPy's order and
    dtype (``_kernels`` says how): a ReLU layer's bias and activation, its
    backward through the dropout mask with db's row sums, softmax's shift by
    the row maximum, and each update rule with the penalty's gradient folded
    in. Each buys a few percent of some benchmark row's fit
    (``benchmarks/kernel_value.py``); the rest (products, the rest of the
    heads, dropout masks, other activations) is NumPy's.
    """

    name = "numba"

    def minus_row_max(self, Z):
        S = np.empty_like(Z)
        _kernels().minus_row_max(Z, S)
        return S

    def add_bias_and_activate(self, Z, b, activation):
        if activation.name != "relu":
            return super().add_bias_and_activate(Z, b, activation)
        _kernels().bias_relu(Z, b, Z.dtype.type(0))
        return Z

    def activation_backward(self, activation, A, dA, mask, rate, db):
        if activation.name != "relu":
            return super().activation_backward(activation, A, dA, mask, rate, db)
        mask = _NO_MASK if mask is None else mask
        _kernels().relu_backward(A, dA, mask, A.dtype.type(1.0 / (1.0 - rate)), db)
        _resum_if_pairwise(dA, db)
        return dA

    def update(self, optimizer, params, grads, lr, penalty=None):
        if penalty is None:
            ranges = _no_penalty(params.dtype)
        else:
            rule, B, n_weights = penalty
            ranges = rule.ranges(n_weights, B, params.dtype)
        kernels = _kernels()
        if params.shape[0] < 2 * MIN_PART:  # the usual case: this thread alone
            optimizer.kernel_step(kernels, params, grads, lr, ranges)
            return
        parts = _parts(params.shape[0])

        def step(part):
            shifted = _shift(ranges, part)
            optimizer.kernel_step(kernels, params, grads, lr, shifted, part)

        # large vectors: one contiguous part per thread the BLAS may use, the
        # first on this thread (the kernels release the GIL)
        others = [_pool().submit(step, part) for part in parts[1:]]
        step(parts[0])
        for future in others:
            future.result()


_NO_MASK = np.zeros((0, 0), dtype=bool)


def _resum_if_pairwise(A, db):
    # the kernel adds rows one after the other, NumPy's order for a sum over
    # the rows of a C-contiguous array of several columns; a single column,
    # or another layout, NumPy may sum pairwise: then its sum replaces theirs
    if A.shape[1] == 1 or not A.flags.c_contiguous:
        np.sum(A, axis=0, out=db)


# elements per part of a split update at least: a smaller part costs more to
# hand to another thread (waking it) than the thread saves
MIN_PART = 2**19


def _parts(n):
    """Contiguous slices of [0, n), one per BLAS thread, none under MIN_PART."""
    k = max(1, min(blas_threads(), n // MIN_PART))
    cuts = [i * n // k for i in range(k + 1)]
    return [slice(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:])]


def _shift(ranges, part):
    """The penalty's ranges ``(bounds, l1, l2)`` seen from inside ``part``."""
    if part.start is None:  # the whole vector
        return ranges
    bounds, l1, l2 = ranges
    size = part.stop - part.start
    return np.clip(bounds - part.start, 0, size), l1, l2


@functools.cache
def blas_libraries():
    """threadpoolctl's controllers of the loaded BLAS libraries (looked up once)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas").lib_controllers


def blas_threads():
    """The threads the BLAS may use now: the limits in force, the smallest."""
    return min((lib.num_threads for lib in blas_libraries()), default=1)


_pool_lock = threading.Lock()
_executor = []


def _pool():
    # one pool for the process, made on first use and never shut down, so
    # that concurrent fits can share it; its idle threads block, never spin
    with _pool_lock:
        if not _executor:
            workers = max(1, (os.cpu_count() or 1) - 1)
            pool = concurrent.futures.ThreadPoolExecutor(workers, "skmlp-update")
            _executor.append(pool)
        return _executor[0]


@functools.cache
def _no_penalty(dtype):
    # (bounds, l1, l2) of no penalty range at all
    return np.zeros(1, dtype=np.int64), np.zeros(0, dtype), np.zeros(0, dtype)


@functools.cache
def numba_available():
    """True when numba can be imported (the ``fast`` extra is installed)."""
    return importlib.util.find_spec("numba") is not None


@functools.cache
def _kernels():
    # imported on first use: ``import skmlp`` never imports numba
    from . import _kernels

    return _kernels


NUMPY = NumpyBackend()


@functools.cache
def numpy_backend(fast=True):
    """The backend of NumPy input: with the compiled kernels when ``fast`` and
    numba can be imported, else NumPy's."""
    return NumbaBackend() if fast and numba_available() else NUMPY


def keep_bits(rng, n, rate):
    """Random bits for n dropout keep decisions, and the threshold to reach.

    Each decision takes 16 random bits: the quarters of ``rng``'s raw 64-bit
    outputs, the lowest first, four decisions per output (each call starts on
    a fresh output). A unit is kept when its bits are at least
    ``ceil(rate * 2**16)``: dropped with probability ``rate`` rounded up to a
    multiple of 2**-16 (within 1.5e-5 of it; a rate above 1 - 2**-16 keeps
    one unit in 2**16). Comparing integers skips any conversion to floating
    point, and 16 bits a decision draw a quarter of the random words that
    one float64 uniform per decision would.
    """
    raw = rng.bit_generator.random_raw((n + 3) // 4)
    if np.little_endian:
        bits = raw.view(np.uint16)[:n]
    else:  # the lowest quarter first, wherever the bytes lie
        quarters = [(raw >> shift) & 0xFFFF for shift in (0, 16, 32, 48)]
        bits = np.stack(quarters, axis=1).astype(np.uint16).reshape(-1)[:n]
    return bits, np.uint16(min(math.ceil(float(rate) * 2**16), 2**16 - 1))


def rows(a, index):
    """The rows ``index`` (a slice) of a 2-d array, dense of any namespace or sparse.

    The array API asks a 2-d index to name both axes (``a[index, ...]``).
    """
    if sp.issparse(a):
        return a[index]
    return a[index, ...]
