"""The compiled kernels of :class:`~skmlp._core.backends.NumbaBackend`.

Importing this module imports numba (the ``fast`` extra); the backend imports
it on first use. Each kernel is one pass over its arrays where NumPy takes
several, and repeats NumPy's operations in NumPy's order and dtype: same
operands, no fused multiply-add, no fastmath, every scalar in the arrays'
dtype (a float32 step is float32 arithmetic throughout, as NumPy's is). The
two backends therefore train the same model to the last bit; the tests hold
them to it.

The kernels index without bounds checks, so each first checks the shapes it
indexes by and raises ``ValueError`` before writing anything. Dtypes and
memory layouts are numba's to dispatch on: each combination compiles to its
own loop (the C-contiguous ones of one dtype, as the network passes them,
vectorise).
"""

import numpy as np
from numba import njit

_OPTIONS = {"error_model": "numpy", "nogil": True}


def _jit(**options):
    """njit, cached on disk where numba finds a writable cache directory.

    numba caches next to this file, else in the user's cache directory
    (``NUMBA_CACHE_DIR`` overrides both); in a read-only install without a
    writable home it refuses ``cache=True`` at decoration: then every process
    compiles its own (a few seconds on first use).
    """

    def decorate(func):
        try:
            return njit(cache=True, **_OPTIONS, **options)(func)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(cache=False, **_OPTIONS, **options)(func)

    return decorate


# -- update rules ------------------------------------------------------------------
# Each rule updates the flat vectors in place. The penalty is given as ranges
# of the flat vector, pen = (bounds, l1, l2): on [bounds[j], bounds[j + 1])
# the gradient used is grads + l2[j] * p + l1[j] * sign(p), added in that
# order (``ElasticNet.add_grad``'s); elsewhere it is grads, which is never
# written. ``c`` is the rule's scalars, as a tuple in the parameters' dtype.


@_jit(inline="always")
def _pen_grad(g, x, a1, a2):
    # (g + x * a2) + a1 * sign(x): ElasticNet.add_grad's order; a zero
    # coefficient adds nothing, as NumPy skips that term
    if a2 != 0:
        g = g + x * a2
    if a1 != 0:
        g = g + a1 * np.sign(x)
    return g


@_jit(inline="always")
def _check_update(p, lengths, pen):
    # the vectors' lengths (grads' and the states', as a tuple of ints: a
    # tuple of arrays of different layouts could not be iterated) and the
    # penalty's ranges, increasing within [0, n] with one l1 and one l2 each
    bounds, l1, l2 = pen
    n, k = p.shape[0], bounds.shape[0] - 1
    for length in lengths:
        if length != n:
            raise ValueError("update: grads and the states must match params")
    if k < 0 or l1.shape[0] != k or l2.shape[0] != k:
        raise ValueError("update: bounds needs one value more than l1 and l2")
    if k > 0 and (bounds[0] < 0 or bounds[k] > n):
        raise ValueError("update: the penalty's bounds lie outside params")
    for j in range(k):
        if bounds[j + 1] < bounds[j]:
            raise ValueError("update: the penalty's bounds must increase")


@_jit(inline="always")
def _segments(n, pen, zero):
    # [(start, stop, l1, l2)] covering [0, n): the penalty's ranges and the
    # unpenalised gaps around them
    bounds, l1, l2 = pen
    out = [(0, 0, zero, zero)]
    start = 0
    for j in range(bounds.shape[0] - 1):
        if bounds[j] > start:
            out.append((start, bounds[j], zero, zero))
        out.append((bounds[j], bounds[j + 1], l1[j], l2[j]))
        start = bounds[j + 1]
    if start < n:
        out.append((start, n, zero, zero))
    return out[1:]


# The loops run on slices: a loop over range(len(slice)) is vectorised by
# LLVM, one over range(start, stop) is not.


@_jit()
def adam(p, g, m, v, c, pen):
    """Adam, c = (beta_1, 1 - beta_1, beta_2, 1 - beta_2, epsilon, -lr_t):
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g;
    p += (m / (sqrt(v) + eps)) * (-lr_t)."""
    b1, omb1, b2, omb2, eps, nlr = c
    _check_update(p, (g.shape[0], m.shape[0], v.shape[0]), pen)
    for start, stop, a1, a2 in _segments(p.shape[0], pen, eps - eps):
        ps, gs, ms, vs = p[start:stop], g[start:stop], m[start:stop], v[start:stop]
        for q in range(ps.shape[0]):
            x = ps[q]
            gq = _pen_grad(gs[q], x, a1, a2)
            mq = ms[q] * b1 + gq * omb1
            vq = vs[q] * b2 + (gq * gq) * omb2
            ms[q] = mq
            vs[q] = vq
            ps[q] = x + (mq / (np.sqrt(vq) + eps)) * nlr


@_jit()
def momentum(p, g, vel, c, pen, nesterov):
    """SGD with momentum, c = (mu, -lr): v = mu v - lr g; p += v, or with
    Nesterov's, p += -lr g, then p += mu v (the NumPy rule's order)."""
    mu, nlr = c
    _check_update(p, (g.shape[0], vel.shape[0]), pen)
    for start, stop, a1, a2 in _segments(p.shape[0], pen, mu - mu):
        ps, gs, vs = p[start:stop], g[start:stop], vel[start:stop]
        for q in range(ps.shape[0]):
            x = ps[q]
            step = _pen_grad(gs[q], x, a1, a2) * nlr
            vq = vs[q] * mu + step
            vs[q] = vq
            ps[q] = ((x + step) + vq * mu) if nesterov else (x + vq)


@_jit()
def rmsprop(p, g, cache, c, pen):
    """RMSprop, c = (rho, 1 - rho, epsilon, -lr):
    G = rho G + (1 - rho) g g;  p += (g / (sqrt(G) + eps)) * (-lr).

    Adagrad is this rule with c = (1, 1, epsilon, -lr): G * 1 + (g * g) * 1
    is G + g * g exactly.
    """
    rho, omrho, eps, nlr = c
    _check_update(p, (g.shape[0], cache.shape[0]), pen)
    for start, stop, a1, a2 in _segments(p.shape[0], pen, eps - eps):
        ps, gs, Gs = p[start:stop], g[start:stop], cache[start:stop]
        for q in range(ps.shape[0]):
            x = ps[q]
            gq = _pen_grad(gs[q], x, a1, a2)
            Gq = Gs[q] * rho + (gq * gq) * omrho
            Gs[q] = Gq
            ps[q] = x + (gq / (np.sqrt(Gq) + eps)) * nlr


# -- the element-wise work around a ReLU layer ----------------------------------------
# (n, w) batches, walked row by row.


@_jit(inline="always")
def _zero_one(x):
    # 0 and 1 in x's dtype (x finite and nonzero): an int literal would make
    # them float64, and LLVM would widen every float32 value to float64 and back
    return x - x, x / x


@_jit()
def bias_relu(Z, b, zero):
    """Z = maximum(Z + b, 0) in place, NaN kept, as NumPy's ``Z += b`` then
    ``maximum(Z, 0)`` (whose SIMD loops give +0 for -0: so does this)."""
    if b.shape[0] != Z.shape[1]:
        raise ValueError("bias_relu: b must have one value per column of Z")
    for i in range(Z.shape[0]):
        row = Z[i]
        for j in range(row.shape[0]):
            z = row[j] + b[j]
            row[j] = z if (z > zero or z != z) else zero


@_jit()
def minus_row_max(Z, S):
    """S = Z - max_k Z_ik for each row i, NaN kept, as NumPy's
    ``Z - Z.max(axis=1, keepdims=True)``: a maximum is exact in any order,
    where NumPy's reduction along a short row costs a loop call per row."""
    if S.shape != Z.shape or Z.shape[1] == 0:
        raise ValueError("minus_row_max: S must have Z's shape, with columns")
    for i in range(Z.shape[0]):
        z, out = Z[i], S[i]
        m = z[0]
        for j in range(1, z.shape[0]):
            if z[j] > m or z[j] != z[j]:  # a NaN stays the maximum
                m = z[j]
        for j in range(z.shape[0]):
            out[j] = z[j] - m


@_jit()
def relu_backward(A, dA, mask, scale, db):
    """dA = dA * [A > 0] in place; first dA = (dA * mask) * scale when ``mask``
    has rows (the dropout layer's backward). Multiplied by 1 or 0, as NumPy
    multiplies by the boolean. db = the sum of dA's rows, added to zero row
    after row: NumPy's order for a sum over the slow axis of several
    columns (pairwise summation applies only along the fast one, and to a
    single column, which the backend sums with NumPy)."""
    if dA.shape != A.shape or (mask.shape[0] > 0 and mask.shape != A.shape):
        raise ValueError("relu_backward: dA and the mask must have A's shape")
    if db.shape[0] != dA.shape[1]:
        raise ValueError("relu_backward: db must have one value per column of dA")
    zero, one = _zero_one(scale)
    dropout = mask.shape[0] > 0
    for j in range(db.shape[0]):
        db[j] = zero
    for i in range(dA.shape[0]):
        a, d = A[i], dA[i]
        if dropout:
            m = mask[i]
            for j in range(d.shape[0]):
                d[j] = (d[j] * (one if m[j] else zero)) * scale
        for j in range(d.shape[0]):
            d[j] = d[j] * (one if a[j] > zero else zero)
            db[j] += d[j]
