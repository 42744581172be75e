"""One code path for every array library, NumPy's in-place fast path behind names.

The core is written once against the array API standard (``xp`` below is the
namespace of the input: NumPy, array-api-strict, PyTorch, CuPy ...). Where
NumPy can write a result into a buffer allocated once (``out=``), the core
calls a named helper of :class:`ArrayOps` instead: for NumPy it takes the
``out=`` path, with no allocation on the hot path and the exact arithmetic of
the NumPy-only code; for any other namespace it computes the same expression
and returns the new array (or assigns it into the buffer).

The core never imports scikit-learn: the estimator finds the namespace and
the device of its input and hands them over as an ``ArrayOps``.
"""

import math

import numpy as np
import scipy.sparse as sp


class ArrayOps:
    """The namespace ``xp`` and ``device`` of a network's arrays, and its helpers."""

    def __init__(self, xp=None, device=None):
        self.xp = np if xp is None else xp
        self.device = device
        # NumPy itself, or a wrapper of it: the in-place fast path applies
        self.numpy = self.xp is np

    # -- allocation and transfers -------------------------------------------

    def zeros(self, shape, dtype):
        if self.numpy:
            return np.zeros(shape, dtype=dtype)
        return self.xp.zeros(shape, dtype=dtype, device=self.device)

    def empty(self, shape, dtype):
        if self.numpy:
            return np.empty(shape, dtype=dtype)
        return self.xp.empty(shape, dtype=dtype, device=self.device)

    def asarray(self, a, dtype=None):
        """``a`` (any array or array-like, e.g. from the host) on this device."""
        if self.numpy:
            return np.asarray(a, dtype=dtype)
        return self.xp.asarray(a, dtype=dtype, device=self.device)

    def copy(self, a):
        if self.numpy:
            return a.copy()
        return self.xp.asarray(a, copy=True)

    def to_host(self, a):
        """A NumPy float64 copy of ``a`` (SciPy's L-BFGS works on the host)."""
        if self.numpy:
            return a.astype(np.float64)
        return to_numpy(a, self.xp).astype(np.float64)

    def finfo(self, dtype):
        return np.finfo(dtype) if self.numpy else self.xp.finfo(dtype)

    def all_finite(self, a):
        return bool(self.xp.all(self.xp.isfinite(a)))

    # -- random draws (dropout masks) ---------------------------------------

    def random_generator(self, seed):
        """A generator of uniforms on this device, seeded by ``seed`` (a list of ints).

        NumPy draws with a ``Generator`` over SFC64 (the fastest of NumPy's
        bit generators here: a third less time per raw word than PCG64, and
        the masks take nothing else from it); PyTorch with a
        ``torch.Generator`` on the arrays' device; any other namespace draws
        on the host, as NumPy does.
        """
        rng = np.random.Generator(np.random.SFC64(seed))
        if "torch" in getattr(self.xp, "__name__", ""):
            return _torch_generator(int(rng.integers(2**63 - 1)), self.device)
        return rng

    def keep_mask(self, rng, shape, rate, dtype):
        """Dropout's keep mask: True with probability 1 - rate.

        A NumPy ``Generator`` draws it with :func:`keep_bits` (then sent to
        the device); a ``torch.Generator`` as ``torch.rand(...) >= rate``, in
        ``dtype`` on the device.
        """
        if isinstance(rng, np.random.Generator):
            bits, threshold = keep_bits(rng, math.prod(shape), rate)
            mask = (bits >= threshold).reshape(shape)
            return mask if self.numpy else self.asarray(mask)
        import torch

        U = torch.rand(shape, generator=rng, dtype=dtype, device=self.device)
        return U >= rate

    # -- element-wise helpers with NumPy's out= ---------------------------------

    def sqrt(self, a, out):
        if self.numpy:
            return np.sqrt(a, out=out)
        return self.xp.sqrt(a)

    def divide(self, a, b, out):
        if self.numpy:
            return np.divide(a, b, out=out)
        return a / b

    # -- products and reductions into buffers -----------------------------------

    def matmul(self, A, B, out=None):
        """A @ B, into ``out`` with NumPy."""
        if self.numpy:
            return np.matmul(A, B, out=out)
        return A @ B

    def matmul_into(self, A, B, out):
        """out[...] = A @ B (``out`` is a parameter-gradient view: always written)."""
        if self.numpy:
            np.matmul(A, B, out=out)
        else:
            out[...] = A @ B

    def sum_rows_into(self, A, out):
        """out[...] = the sum of A's rows."""
        sum_rows_into(A, out, self.xp)

    def take_rows(self, X, idx, out):
        """X[idx] (rows; ``idx`` integers in X's namespace), into ``out`` with NumPy."""
        if self.numpy:
            # mode="clip": the default "raise" copies through a temporary when
            # given out= (twice the time); the indices are valid by construction
            # (the method: np.take's Python wrapper costs a microsecond a call)
            return X.take(idx, axis=0, out=out, mode="clip")
        return self.xp.take(X, idx, axis=0)

    def scaled(self, a, c, out):
        """c * a, into ``out`` with NumPy."""
        if self.numpy:
            return np.multiply(a, c, out=out)
        return a * c

    def squared(self, a, out):
        """a * a, into ``out`` with NumPy."""
        if self.numpy:
            return np.multiply(a, a, out=out)
        return a * a


def _torch_generator(seed, device):
    import torch

    return torch.Generator(device=device).manual_seed(seed)


def sum_rows_into(A, out, xp=np):
    """out[...] = the sum of A's rows, in A's namespace ``xp`` (NumPy: in place)."""
    if xp is np:
        np.sum(A, axis=0, out=out)
    else:
        out[...] = xp.sum(A, axis=0)


def rows(a, index):
    """The rows ``index`` (a slice) of a 2-d array, dense of any namespace or sparse.

    The array API asks a 2-d index to name both axes (``a[index, ...]``).
    """
    if sp.issparse(a):
        return a[index]
    return a[index, ...]


def keep_bits(rng, n, rate):
    """Random bits for n dropout keep decisions, and the threshold to reach.

    Each decision takes 16 random bits: the quarters of ``rng``'s raw 64-bit
    outputs, the lowest first, four decisions per output (each call starts on
    a fresh output). A unit is kept when its bits are at least
    ``ceil(rate * 2**16)``: dropped with probability ``rate`` rounded up to a
    multiple of 2**-16 (within 1.5e-5 of it; a rate above 1 - 2**-16 keeps
    one unit in 2**16). Comparing integers skips any conversion to floating
    point, and 16 bits a decision draw a quarter of the random words that
    one float64 uniform per decision would (half of what float32 would).
    """
    raw = rng.bit_generator.random_raw((n + 3) // 4)
    if np.little_endian:
        bits = raw.view(np.uint16)[:n]
    else:  # the lowest quarter first, wherever the bytes lie
        quarters = [(raw >> shift) & 0xFFFF for shift in (0, 16, 32, 48)]
        bits = np.stack(quarters, axis=1).astype(np.uint16).reshape(-1)[:n]
    return bits, np.uint16(min(math.ceil(float(rate) * 2**16), 2**16 - 1))


def to_numpy(a, xp=None):
    """A NumPy array of ``a``, wherever it lives (CPU, CUDA, array-api-strict)."""
    if isinstance(a, np.ndarray):
        return a
    library = type(a).__module__.split(".")[0]
    if library == "torch":
        return a.detach().cpu().numpy()
    if library == "cupy":
        return a.get()
    if library == "array_api_strict":
        # its arrays refuse __array__ off its CPU device; DLPack from it is allowed
        strict = a.__array_namespace__()
        return np.from_dlpack(strict.asarray(a, device=strict.Device("CPU_DEVICE")))
    return np.asarray(a)
