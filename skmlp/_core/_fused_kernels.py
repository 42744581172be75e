"""The numba kernels behind ``_fused`` (importing this module imports numba).

Every kernel is serial, works on a range [lo, hi) and releases the GIL;
``_fused`` spreads the ranges over threads where they are large enough: the
update rules by contiguous chunks of the flat vectors, bias + ReLU and the
dropout mask by rows, ReLU's backward by columns (each column's sum then
runs over the rows in order, on one thread). At minibatch sizes of a few
hundred units per layer everything stays on the caller's thread: waking a
pool thread costs about what the kernel does. numba's own thread
pools are not used: its default (GNU OpenMP) keeps idle workers spinning,
and on 2 cores they fought the BLAS threads between the matrix products.
See ``_fused`` for the arithmetic and the penalty ranges.
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


@_jit(inline="always")
def _pen_grad(g, x, a1, a2, has1, has2):
    # (g + x * a2) + a1 * sign(x): ElasticNet.add_grad's order
    if has2:
        g = g + x * a2
    if has1:
        g = g + a1 * np.sign(x)
    return g


@_jit(inline="always")
def _segment(i, hi, bounds, l1, l2, zero):
    # the end of the penalty segment holding i (capped at hi), its
    # coefficients and its range's index; zeros and -1 before and after the
    # ranges
    k = bounds.shape[0] - 1
    if k == 0:
        return hi, zero, zero, -1
    if i < bounds[0]:
        return min(hi, bounds[0]), zero, zero, -1
    j = np.searchsorted(bounds, i, side="right") - 1
    if j >= k:
        return hi, zero, zero, -1
    return min(hi, bounds[j + 1]), l1[j], l2[j], j


# The sums of the new weights' squares and absolute values, taken in the
# update's own pass (the penalty's value at the next step: no second read of
# the weights). Reassociation is allowed in these two additions only, so that
# LLVM vectorises the sums; the update's arithmetic keeps NumPy's order. They
# run in the parameters' dtype over blocks of _SUM_BLOCK values, and the
# block sums add up in float64.
_SUM_BLOCK = 4096


@_jit(fastmath={"reassoc"})
def _add_square(total, x):
    return total + x * x


@_jit(fastmath={"reassoc"})
def _add_abs(total, x):
    return total + abs(x)


@_jit()
def _write(p, q, x, sq, ab):
    # p[q] = x, and x added to the running sums of squares and absolute values.
    # Left to LLVM to inline: inlined by numba (inline="always"), the float32
    # Adam loop compiled 30 % slower
    p[q] = x
    return _add_square(sq, x), _add_abs(ab, x)


# The rules' loops run on slices: a loop over range(len(slice)) is vectorised
# by LLVM, one over range(i, end) is not (numba's negative-index handling gets
# in the way).


@_jit()
def _adam_loop(p, gr, m, v, c, a1, a2):
    b1, omb1, b2, omb2, eps, nlr = c[0], c[1], c[2], c[3], c[4], c[5]
    has1, has2 = a1 != 0, a2 != 0
    sq = ab = eps - eps
    for q in range(p.shape[0]):
        x = p[q]
        g = _pen_grad(gr[q], x, a1, a2, has1, has2)
        mq = m[q] * b1 + g * omb1
        vq = v[q] * b2 + (g * g) * omb2
        m[q] = mq
        v[q] = vq
        x = x + (mq / (np.sqrt(vq) + eps)) * nlr
        sq, ab = _write(p, q, x, sq, ab)
    return sq, ab


@_jit()
def _momentum_loop(p, gr, vel, mu, nlr, a1, a2, nesterov):
    has1, has2 = a1 != 0, a2 != 0
    sq = ab = mu - mu
    if nesterov:
        for q in range(p.shape[0]):
            x = p[q]
            step = _pen_grad(gr[q], x, a1, a2, has1, has2) * nlr
            vq = vel[q] * mu + step
            vel[q] = vq
            sq, ab = _write(p, q, (x + step) + vq * mu, sq, ab)
    else:
        for q in range(p.shape[0]):
            x = p[q]
            step = _pen_grad(gr[q], x, a1, a2, has1, has2) * nlr
            vq = vel[q] * mu + step
            vel[q] = vq
            sq, ab = _write(p, q, x + vq, sq, ab)
    return sq, ab


@_jit()
def _rmsprop_loop(p, gr, G, rho, omrho, eps, nlr, a1, a2):
    has1, has2 = a1 != 0, a2 != 0
    sq = ab = eps - eps
    for q in range(p.shape[0]):
        x = p[q]
        g = _pen_grad(gr[q], x, a1, a2, has1, has2)
        Gq = G[q] * rho + (g * g) * omrho
        G[q] = Gq
        x = x + (g / (np.sqrt(Gq) + eps)) * nlr
        sq, ab = _write(p, q, x, sq, ab)
    return sq, ab


@_jit(inline="always")
def _span_ok(lo, hi, n):
    # [lo, hi) is a range within [0, n): of a batch's rows or columns, or of
    # the flat vectors
    return 0 <= lo <= hi <= n


# The update kernel: one rule on [lo, hi), cut at the penalty's range bounds
# (pen = (bounds, l1, l2)). It releases the GIL; _fused runs one chunk per
# thread. s1, s2 are the rule's state arrays (m, v for Adam; the velocity or
# the cache, twice, for the others). Returns (ok, sums): sums[j] is the sum
# of the squares and of the absolute values of the new parameters in range
# j, over [lo, hi); ok is False, and nothing written, when the arrays do not
# fit together (_indexable).
ADAM, MOMENTUM, NESTEROV, RMSPROP = 0, 1, 2, 3


@_jit()
def update(p, gr, s1, s2, c, pen, rule, lo, hi):
    bounds, l1, l2 = pen
    sums = np.zeros((max(bounds.shape[0] - 1, 0), 2))
    if not _indexable(p, gr, s1, s2, c, pen, rule, lo, hi):
        return False, sums
    zero = c[0] - c[0]
    i = lo
    while i < hi:
        e, a1, a2, j = _segment(i, hi, bounds, l1, l2, zero)
        while i < e:
            f = min(e, i + _SUM_BLOCK)
            if rule == ADAM:
                sq, ab = _adam_loop(p[i:f], gr[i:f], s1[i:f], s2[i:f], c, a1, a2)
            elif rule == RMSPROP:
                sq, ab = _rmsprop_loop(
                    p[i:f], gr[i:f], s1[i:f], c[0], c[1], c[2], c[3], a1, a2
                )
            else:
                nesterov = rule == NESTEROV
                sq, ab = _momentum_loop(
                    p[i:f], gr[i:f], s1[i:f], c[0], c[1], a1, a2, nesterov
                )
            if j >= 0:
                sums[j, 0] += sq
                sums[j, 1] += ab
            i = f
    return True, sums


@_jit(inline="always")
def _indexable(p, gr, s1, s2, c, pen, rule, lo, hi):
    # what the loops index by: the vectors' lengths, the rule's coefficients,
    # [lo, hi), and the penalty's ranges, increasing within [0, n] (_segment
    # relies on it) with one l1 and one l2 each
    bounds, l1, l2 = pen
    n, k = p.shape[0], bounds.shape[0] - 1
    if gr.shape[0] != n or s1.shape[0] != n or s2.shape[0] != n:
        return False
    if c.shape[0] != (6 if rule == ADAM else 4 if rule == RMSPROP else 2):
        return False
    if k < 0 or l1.shape[0] != k or l2.shape[0] != k or not _span_ok(lo, hi, n):
        return False
    if k > 0 and (bounds[0] < 0 or bounds[k] > n):
        return False
    for j in range(k):
        if bounds[j + 1] < bounds[j]:
            return False
    return True


# -- the element-wise pieces of a dense layer ----------------------------------
# (n, w) batches, walked row by row (C-contiguous ones vectorise; others are
# walked through their strides). Each is bit-identical to the NumPy
# operations it replaces (same operations, same order, same dtype). Each
# first checks the shapes it indexes by, and returns False, having touched
# nothing, when they do not match: _fused raises.


@_jit(inline="always")
def _zero_one(x):
    # 0 and 1 in x's dtype (x finite and nonzero): an int literal would make
    # them float64 in numba, and LLVM would then widen every float32 value of
    # the loop to float64 and back
    return x - x, x / x


@_jit()
def bias_relu(Z, b, zero, lo, hi):
    """Rows [lo, hi) of Z = maximum(Z + b, 0) in place, NaN kept, as NumPy's
    maximum (whose SIMD loops give +0 for -0: so does this)."""
    if b.shape[0] != Z.shape[1] or not _span_ok(lo, hi, Z.shape[0]):
        return False
    for i in range(lo, hi):
        row = Z[i]
        for j in range(row.shape[0]):
            z = row[j] + b[j]
            row[j] = z if (z > zero or z != z) else zero
    return True


@_jit()
def dropout_mask(A, bits, threshold, scale, mask, out, lo, hi):
    """Rows [lo, hi) of mask = bits >= threshold (flat, row-major) and
    out = (A * mask) * scale."""
    if mask.shape != A.shape or out.shape != A.shape or bits.shape[0] < A.size:
        return False
    if not _span_ok(lo, hi, A.shape[0]):
        return False
    zero, one = _zero_one(scale)
    w = A.shape[1]
    for i in range(lo, hi):
        a, m, o, b = A[i], mask[i], out[i], bits[i * w : (i + 1) * w]
        for j in range(w):
            keep = b[j] >= threshold
            m[j] = keep
            o[j] = (a[j] * (one if keep else zero)) * scale
    return True


@_jit(inline="always")
def _relu_rows(A, dA, acc, lo, hi, zero, one):
    # dA = dA * [A > 0] on columns [lo, hi), each new value added to its
    # column's running sum in acc. Multiplied by 1 or 0 (NumPy multiplies by
    # the boolean): a select of the product, not of the value, is what LLVM
    # vectorises
    for i in range(dA.shape[0]):
        a, d = A[i, lo:hi], dA[i, lo:hi]
        for j in range(d.shape[0]):
            x = d[j] * (one if a[j] > zero else zero)
            d[j] = x
            acc[j] = acc[j] + x


@_jit(inline="always")
def _dropout_relu_rows(A, dA, mask, scale, acc, lo, hi, zero, one):
    # the same, through the dropout layer's backward first
    for i in range(dA.shape[0]):
        a, d, m = A[i, lo:hi], dA[i, lo:hi], mask[i, lo:hi]
        for j in range(d.shape[0]):
            x = (d[j] * (one if m[j] else zero)) * scale
            x = x * (one if a[j] > zero else zero)
            d[j] = x
            acc[j] = acc[j] + x


@_jit()
def relu_backward(A, dA, mask, scale, db, lo, hi):
    """Columns [lo, hi) of dA = dA * [A > 0] in place (first dA = (dA * mask)
    * scale when ``mask`` has rows: the dropout layer's backward) and of db =
    the sum of dA's rows, from +0 in row order, as NumPy's ``sum(axis=0)``
    adds two or more columns (a single one it sums pairwise: ``_fused``
    takes NumPy's sum there).

    The sums run in a local buffer, written to db once, and the loop with the
    mask is a separate one: with db's stores and the dropout test inside the
    row loop, LLVM vectorised less (a (200, 64) float64 layer took 8.5 us,
    4.5 us now; the (512, 1024) float32 layer through a mask 110, now 85).
    """
    if dA.shape != A.shape or db.shape[0] != A.shape[1]:
        return False
    if mask.shape[0] > 0 and mask.shape != A.shape:
        return False
    if not _span_ok(lo, hi, A.shape[1]):
        return False
    zero, one = _zero_one(scale)
    acc = np.zeros(hi - lo, dA.dtype)
    if mask.shape[0] > 0:
        _dropout_relu_rows(A, dA, mask, scale, acc, lo, hi, zero, one)
    else:
        _relu_rows(A, dA, acc, lo, hi, zero, one)
    db[lo:hi] = acc
    return True


# -- exp(x) for x <= 0, vectorised ---------------------------------------------
# The C library's exp is one call per value, which LLVM cannot vectorise (and
# numba's vectorised one needs an SVML-patched llvmlite, which the pip wheels
# are not): the softmax head spent half its time or more there. Here, in float64:
#   x = k ln 2 + r,  k = round(x / ln 2),  |r| <= ln(2) / 2
#   exp(x) = 2**k * exp(r),  exp(r) by its Taylor polynomial of degree 13
# (truncation error below 2e-17 relative), the scale 2**k in two factors: a
# table of 2**(64 - i), i = -k (all normal: that product is exact), then
# 2**-64, so that a result in the subnormal range is rounded once. Within 1
# unit in the last place of the C library's exp (the tests check it); 0 from
# x = -1075 ln 2 (about -745.133) down, as there; NaN stays NaN. Defined for
# x <= 0 only (the softmax head's Z - max(Z)): a positive x gives a wrong
# value.

_LOG2_E = 1.4426950408889634
# ln 2 = _LN2_HI + _LN2_LO, _LN2_HI with its last 21 bits zero: k * _LN2_HI is
# exact for the |k| <= 1076 used here (Cody and Waite's reduction)
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0  # 1.5 * 2**52: (t + _ROUND) - _ROUND rounds t to an integer
_EXP_LOW = -745.5  # below it exp is 0 in float64 (2**-1075 rounds to 0)
_POW2_SCALED = np.ldexp(1.0, 64 - np.arange(1078))  # 2**(64 - i), all normal
_POW2_M64 = 2.0**-64


@_jit(inline="always")
def _exp_reduced(x):
    # (exp(r), k) with x = k ln 2 + r, for x <= 0; x below _EXP_LOW is clamped
    # (the result is then 0 after scaling), NaN passes through
    x = _EXP_LOW if x < _EXP_LOW else x
    k = (x * _LOG2_E + _ROUND) - _ROUND
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 / 6227020800.0  # 1 / 13!, then Horner's rule down to 1 / 0!
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p, k


@_jit()
def exp_nonpositive(x):
    """x = exp(x) in place for a 1-d array of values <= 0 (NaN stays NaN).

    Two loops: the reduction and the polynomial, which LLVM vectorises, then
    the table's scale (a gather it would not vectorise). Computed in float64
    for float32 values too, and rounded once to x's dtype.
    """
    n = x.shape[0]
    e = np.empty(n)  # exp(r), float64
    k = np.empty(n, np.int32)
    last = float(_POW2_SCALED.shape[0] - 1)
    for q in range(n):
        p, kq = _exp_reduced(np.float64(x[q]))
        e[q] = p
        # the table's index -k, clamped while a float: NaN goes to 0 (a NaN
        # converted to an integer is undefined), and e's value is NaN anyway
        i = -kq if -kq > 0.0 else 0.0
        k[q] = np.int32(i if i < last else last)
    for q in range(n):
        x[q] = (e[q] * _POW2_SCALED[k[q]]) * _POW2_M64


@_jit()
def softmax_cross_entropy(Z, Y, w, inv_B, dZ, db):
    """The softmax head of a batch: dZ and the loss from the logits Z.

    dZ = (P - Y) * w_i / B (w_i = 1 when ``w`` is empty; dZ is not Z), with
    P = e / sum(e), e = exp(Z - max) (no overflow); returns
    sum_i w_i * (-sum_k Y_ik log P_ik), log P = (Z - max) - log(sum(e))
    (never log(0)), accumulated in float64; the caller divides by B. One exp
    per logit, all of the batch's in one vectorised pass
    (:func:`exp_nonpositive`); log is the C library's: values can differ from
    NumPy's in the last place. When ``db`` is not empty it gets the sum of
    dZ's rows, from +0 in row order, as NumPy's ``sum(axis=0)`` adds two or
    more columns (the caller sums a single column with NumPy). Returns
    (False, 0) when the shapes do not match, touching nothing.
    """
    weighted = w.shape[0] > 0
    bias_grad = db.shape[0] > 0
    total = 0.0
    n, k = Z.shape
    if Y.shape != Z.shape or dZ.shape != Z.shape or not dZ.flags.c_contiguous:
        return False, total
    if (weighted and w.shape[0] != n) or (bias_grad and db.shape[0] != k):
        return False, total
    acc = np.zeros(db.shape[0], dZ.dtype)  # db, summed locally, written once
    tops = np.empty(n, Z.dtype)
    for i in range(n):  # dZ = Z - (its row's max), then exp of it all at once
        top = Z[i, 0]
        for j in range(1, k):
            if Z[i, j] > top:
                top = Z[i, j]
        tops[i] = top
        for j in range(k):
            dZ[i, j] = Z[i, j] - top
    exp_nonpositive(dZ.reshape(n * k))
    for i in range(n):
        top = tops[i]
        s = Z[i, 0] - Z[i, 0]
        for j in range(k):
            s += dZ[i, j]
        lse = np.log(s)
        wi = w[i] if weighted else 1.0
        scale = wi * inv_B
        row = 0.0
        for j in range(k):  # a sum in order: a loop of its own
            row += Y[i, j] * ((Z[i, j] - top) - lse)
        for j in range(k):
            dZ[i, j] = (dZ[i, j] / s - Y[i, j]) * scale
        if bias_grad:
            for j in range(k):
                acc[j] = acc[j] + dZ[i, j]
        total -= wi * row
    db[:] = acc
    return True, total
