"""The fused (numba) update kernels against the NumPy formulas, step by step.

The references below apply each rule's NumPy operations in the order of
``optimizers.py`` and ``ElasticNet.add_grad``, with Python-float scalars (cast
to the array's dtype by NumPy). The kernels are meant to match them to the
bit; the tests allow 2 units in the last place in float64 and 4 in float32.
"""

import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

numba = pytest.importorskip("numba")

from skmlp._core import _fused, _fused_kernels  # noqa: E402
from skmlp._core._array import keep_bits  # noqa: E402
from skmlp._core.penalties import ElasticNet  # noqa: E402

MAXULP = {np.float64: 2, np.float32: 4}
LR = 0.01
B = 50.0


# -- NumPy references ---------------------------------------------------------


def ref_penalty(p, g, ranges, l1_ratio):
    """g += dR/dW per range, as ElasticNet.add_grad: the L2 term, then L1."""
    for start, stop, alpha in ranges:
        if alpha == 0.0:
            continue
        W, dW = p[start:stop], g[start:stop]
        if l1_ratio < 1:
            dW += np.multiply(W, alpha * (1 - l1_ratio) / B)
        if l1_ratio > 0:
            dW += (alpha * l1_ratio / B) * np.sign(W)


def ref_adam(p, g, state, t, b1=0.9, b2=0.999, eps=1e-8):
    m, v = state
    lr_t = LR * math.sqrt(1 - b2**t) / (1 - b1**t)  # a Python float, as Adam's
    m *= b1
    m += np.multiply(g, 1 - b1)
    v *= b2
    buf = np.multiply(g, g)
    buf *= 1 - b2
    v += buf
    _ref_scaled(p, m, lr_t, v, eps)


def ref_sgd(p, g, state, t, mu=0.9, nesterov=True):
    (vel,) = state
    buf = np.multiply(g, -LR)
    vel *= mu
    vel += buf
    if nesterov:
        p += buf
        p += np.multiply(vel, mu)
    else:
        p += vel


def ref_adagrad(p, g, state, t, eps=1e-8):
    (G,) = state
    G += np.multiply(g, g)
    _ref_scaled(p, g, LR, G, eps)


def ref_rmsprop(p, g, state, t, rho=0.9, eps=1e-8):
    (G,) = state
    buf = np.multiply(g, g)
    buf *= 1 - rho
    G *= rho
    G += buf
    _ref_scaled(p, g, LR, G, eps)


def _ref_scaled(p, num, lr, cache, eps):
    buf = np.sqrt(cache)
    buf += eps
    np.divide(num, buf, out=buf)
    buf *= -lr
    p += buf


# -- the same steps through the kernels -----------------------------------------


def fused_adam(p, g, state, t, ranges):
    c = _fused.coefficients(
        p.dtype, 0.9, 1 - 0.9, 0.999, 1 - 0.999, 1e-8,
        -LR * math.sqrt(1 - 0.999**t) / (1 - 0.9**t),  # Adam's lr_t
    )  # fmt: skip
    return _fused.adam(p, g, *state, c, *ranges)


def fused_sgd(p, g, state, t, ranges, nesterov=True):
    c = _fused.coefficients(p.dtype, 0.9, -LR)
    return _fused.sgd(p, g, *state, c, *ranges, nesterov=nesterov)


def fused_adagrad(p, g, state, t, ranges):
    # RMSprop's step with rho = 1 (and 1 - rho given as 1), as Adagrad runs it
    c = _fused.coefficients(p.dtype, 1, 1, 1e-8, -LR)
    return _fused.rmsprop(p, g, *state, c, *ranges)


def fused_rmsprop(p, g, state, t, ranges):
    c = _fused.coefficients(p.dtype, 0.9, 1 - 0.9, 1e-8, -LR)
    return _fused.rmsprop(p, g, *state, c, *ranges)


RULES = {
    "adam": (ref_adam, fused_adam, 2),
    "nesterov": (ref_sgd, fused_sgd, 1),
    "momentum": (
        lambda *a: ref_sgd(*a, nesterov=False),
        lambda *a: fused_sgd(*a, nesterov=False),
        1,
    ),
    "adagrad": (ref_adagrad, fused_adagrad, 1),
    "rmsprop": (ref_rmsprop, fused_rmsprop, 1),
}


def penalty_layout(n, kind):
    """(ranges, l1_ratio): [(start, stop, alpha)] over the first ~2/3 of n."""
    n_w = max(1, 2 * n // 3) if n > 1 else 1
    if kind == "none":
        return [], 0.0
    if kind == "l2":
        return [(0, n_w, 1e-1)], 0.0
    if kind == "l1":
        return [(0, n_w, 1e-1)], 1.0
    # elastic net with one alpha per "layer", one of them 0 (unpenalised)
    cuts = [0, n_w // 3, n_w // 2, n_w]
    alphas = [1e-1, 0.0, 3e-1]
    return [(a, b, al) for a, b, al in zip(cuts[:-1], cuts[1:], alphas)], 0.3


def kernel_ranges(ranges, l1_ratio, dtype):
    if not ranges:
        return _fused.no_penalty(dtype)
    sizes = [stop - start for start, stop, _ in ranges]
    penalty = ElasticNet([a for *_, a in ranges], l1_ratio, sizes)
    return penalty.ranges(sum(sizes), B, dtype)


def run_both(rule, n, dtype, kind, n_steps=3, seed=0):
    """The NumPy reference's (p, *states) and the kernel's after n_steps."""
    return run_both_with_sums(rule, n, dtype, kind, n_steps, seed)[:2]


def run_both_with_sums(rule, n, dtype, kind, n_steps=3, seed=0):
    """run_both, and the kernel's last sums with its penalty ranges."""
    ref, fused, n_states = RULES[rule]
    rng = np.random.default_rng(seed)
    p0 = rng.standard_normal(n).astype(dtype)
    p0[:: max(1, n // 5)] = 0  # sign(0) = 0 in the L1 term
    ranges, l1_ratio = penalty_layout(n, kind)
    kr = kernel_ranges(ranges, l1_ratio, dtype)
    p_ref, p_fused = p0.copy(), p0.copy()
    s_ref = [np.zeros(n, dtype) for _ in range(n_states)]
    s_fused = [np.zeros(n, dtype) for _ in range(n_states)]
    for t in range(1, n_steps + 1):
        g = rng.standard_normal(n).astype(dtype)
        g_fused = g.copy()
        ref_penalty(p_ref, g, ranges, l1_ratio)
        ref(p_ref, g, s_ref, t)
        sums = fused(p_fused, g_fused, s_fused, t, kr)
    return (p_ref, *s_ref), (p_fused, *s_fused), sums, kr[0]


def assert_same(expected, actual, dtype):
    for e, a in zip(expected, actual):
        assert a.dtype == dtype
        np.testing.assert_array_max_ulp(a, e, maxulp=MAXULP[dtype])


@pytest.fixture(params=[1, 2], ids=lambda n: f"{n}thr")
def threads(request, monkeypatch):
    # chunks small enough that 2 threads really split the test's vectors
    monkeypatch.setattr(_fused, "_MIN_CHUNK", 4096)
    yield _fused.set_num_threads(request.param)
    _fused.set_num_threads()


# -- tests ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("kind", ["none", "l2", "elastic"])
def test_rule_matches_numpy(rule, dtype, kind, threads):
    expected, actual = run_both(rule, 32769, dtype, kind)
    assert _fused._n_chunks(actual[0].size, actual[0].size) == threads
    assert_same(expected, actual, dtype)
    assert not np.array_equal(actual[0], expected[0] * 0)  # it did move


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("kind", ["none", "l1", "elastic"])
def test_update_sums_the_new_weights_of_each_penalty_range(rule, dtype, kind, threads):
    # what the next step's penalty value is made of, taken in the update's pass
    # (float32 sums over blocks, added in float64; any order: within rounding)
    _, (p, *_), sums, bounds = run_both_with_sums(rule, 20001, dtype, kind)
    assert sums.dtype == np.float64 and sums.shape == (len(bounds) - 1, 2)
    rtol = {np.float64: 1e-12, np.float32: 1e-5}[dtype]
    for j, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        W = p[a:b].astype(np.float64)
        np.testing.assert_allclose(sums[j], [W @ W, np.abs(W).sum()], rtol=rtol)


@pytest.mark.parametrize("n", [1, 7, 8193])
@pytest.mark.parametrize("kind", ["none", "l1", "elastic"])
def test_odd_sizes(n, kind):
    for rule in ("adam", "nesterov"):
        expected, actual = run_both(rule, n, np.float64, kind, seed=n)
        assert_same(expected, actual, np.float64)


@pytest.mark.parametrize("n_chunks", [1, 3, 7])
def test_chunks_cut_penalty_ranges(n_chunks):
    # more chunks than threads, with chunk ends falling inside ranges and gaps
    n, dtype = 1001, np.float64
    rng = np.random.default_rng(3)
    p = rng.standard_normal(n)
    g = rng.standard_normal(n)
    bounds = np.array([5, 100, 100, 400, 990], dtype=np.int64)
    l1 = np.array([0.5, 9.0, 0.0, 0.25], dtype)
    l2 = np.array([0.125, 9.0, 0.0, 2.0], dtype)
    expected_g = g.copy()
    for j in range(4):
        a, b = bounds[j], bounds[j + 1]
        if l2[j]:
            expected_g[a:b] += p[a:b] * l2[j]
        if l1[j]:
            expected_g[a:b] += l1[j] * np.sign(p[a:b])
    vel = np.zeros(n)
    c = _fused.coefficients(dtype, 0.0, -1.0)  # p -= g: the step shows g
    p_new = p.copy()
    sums = []  # each chunk's own sums, one row per range
    for t in range(n_chunks):  # as _fused hands chunks to threads
        lo, hi = t * n // n_chunks, (t + 1) * n // n_chunks
        rule = _fused_kernels.MOMENTUM
        pen = (bounds, l1, l2)
        ok, part = _fused_kernels.update(p_new, g, vel, vel, c, pen, rule, lo, hi)
        assert ok
        sums.append(part)
    sums = np.array(sums)
    assert sums.shape == (n_chunks, 4, 2)
    np.testing.assert_array_max_ulp(p_new, p - expected_g, maxulp=2)
    for j in range(4):  # the chunks' sums add up to each range's
        W = p_new[bounds[j] : bounds[j + 1]]
        expected = [W @ W, np.abs(W).sum()]
        np.testing.assert_allclose(sums[:, j].sum(axis=0), expected, rtol=1e-12)


def test_grads_left_untouched():
    rng = np.random.default_rng(1)
    p, g = rng.standard_normal(100), rng.standard_normal(100)
    g0 = g.copy()
    fused_adam(p, g, [np.zeros(100), np.zeros(100)], 1, kernel_ranges(
        [(0, 60, 1.0)], 0.5, np.float64
    ))  # fmt: skip
    np.testing.assert_array_equal(g, g0)


def test_penalty_ranges_coefficients():
    penalty = ElasticNet([2.0, 0.5], 0.25, [3, 4])
    bounds, l1, l2 = penalty.ranges(7, 10.0, np.float32)
    np.testing.assert_array_equal(bounds, [0, 3, 7])
    assert l1.dtype == l2.dtype == np.float32
    np.testing.assert_array_equal(l1, np.float32([2.0 * 0.25 / 10, 0.5 * 0.25 / 10]))
    np.testing.assert_array_equal(l2, np.float32([2.0 * 0.75 / 10, 0.5 * 0.75 / 10]))


@pytest.mark.parametrize(
    "change",
    [
        {"grads": np.zeros(9)},
        {"m": np.zeros(11)},
        {"c": np.zeros(5)},
        {"bounds": np.array([0, 11])},
        {"bounds": np.array([4, 2])},
        {"bounds": np.array([-1, 2])},
        {"bounds": np.array([0, 5, 10])},
        {"bounds": np.zeros(0)},
    ],
)
def test_bad_input_is_refused_before_any_write(change):
    args = {
        "params": np.full(10, 7.0),
        "grads": np.ones(10),
        "m": np.full(10, 7.0),
        "v": np.full(10, 7.0),
        "c": np.ones(6),
        "bounds": np.array([0, 10]),
        "l1": np.ones(1),
        "l2": np.ones(1),
    }
    args.update(change)
    args["bounds"] = args["bounds"].astype(np.int64)
    with pytest.raises(ValueError, match="the update refused its arrays"):
        _fused.adam(*args.values())
    for name in ("params", "m", "v"):
        assert name in change or np.all(args[name] == 7.0), name


def test_coefficients_in_another_dtype_are_refused():
    p, g, m, v = (np.zeros(10, np.float32) for _ in range(4))
    with pytest.raises(ValueError, match="c must be in the params' dtype float32"):
        _fused.adam(p, g, m, v, np.zeros(6), *_fused.no_penalty(np.float32))


def test_every_call_is_checked_and_strided_vectors_are_walked():
    # no memory of earlier calls: a bad array after good steps is refused;
    # a strided vector is walked through its strides, to the same numbers
    p, g, m, v = (np.linspace(-1, 1, 10) for _ in range(4))
    v = v * v
    penalty = _fused.no_penalty(np.float64)
    c = _fused.coefficients(np.float64, 0.9, 0.1, 0.999, 0.001, 1e-8, -0.01)
    _fused.adam(p, g, m, v, c, *penalty)
    with pytest.raises(ValueError, match="refused"):
        _fused.adam(p, g, m, np.zeros(9), c, *penalty)
    with pytest.raises(ValueError, match="refused"):
        _fused.adam(p, g, m, v, c[:5], *penalty)
    e_p, e_m, e_v = (a.copy() for a in (p, m, v))
    _fused.adam(e_p, g, e_m, e_v, c, *penalty)
    strided = np.zeros(20)
    strided[::2] = g
    _fused.adam(p, strided[::2], m, v, c, *penalty)
    assert_bits(p, e_p)
    assert_bits(m, e_m)
    assert_bits(v, e_v)


# -- the layer kernels: the NumPy operations they replace, to the bit -----------


def _batch(rng, n, w, dtype):
    """Values of both signs with exact and signed zeros, infinities and a NaN."""
    a = rng.standard_normal((n, w)).astype(dtype)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype)
    flat = a.reshape(-1)
    picks = rng.integers(0, flat.size, size=min(flat.size, 6))
    flat[picks] = rng.choice(specials, size=picks.size)
    return a


def assert_bits(actual, expected):
    # the same bits, signed zeros included; NaN where NumPy has NaN (the sign
    # of a NaN is not specified by IEEE arithmetic, nor kept by NumPy)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    if actual.dtype != bool:
        nan = np.isnan(expected)
        np.testing.assert_array_equal(np.isnan(actual), nan)
        actual, expected = actual[~nan], expected[~nan]
    np.testing.assert_array_equal(actual.view(np.uint8), expected.view(np.uint8))


layer_shapes = st.tuples(
    st.integers(1, 40), st.integers(1, 70), st.sampled_from([np.float32, np.float64])
)


@given(shape=layer_shapes, seed=st.integers(0, 2**16))
@settings(max_examples=60, deadline=None)
def test_bias_relu_is_numpy_add_then_maximum(shape, seed):
    n, w, dtype = shape
    rng = np.random.default_rng(seed)
    Z, b = _batch(rng, n, w, dtype), _batch(rng, 1, w, dtype)[0]
    with np.errstate(invalid="ignore"):
        expected = Z + b
        np.maximum(expected, 0, out=expected)
        assert _fused.bias_relu(Z, b) is Z
    # equal values, NaN where NumPy has NaN (the sign of a zero result may
    # differ: NumPy's own SIMD and scalar loops disagree on maximum(-0, 0))
    np.testing.assert_array_equal(Z, expected)


def _quarters(bit_generator, n):
    """n 16-bit values: the quarters of the raw 64-bit outputs, lowest first
    (by shifts, not by a view of the bytes)."""
    raw = bit_generator.random_raw((n + 3) // 4)
    return np.array(
        [(int(r) >> shift) & 0xFFFF for r in raw for shift in (0, 16, 32, 48)][:n],
        dtype=np.uint16,
    )


@given(shape=layer_shapes, seed=st.integers(0, 2**16), rate=st.sampled_from([0.1, 0.5]))
@settings(max_examples=60, deadline=None)
def test_dropout_mask_is_bits_compare_multiply_scale(shape, seed, rate):
    n, w, dtype = shape
    A = _batch(np.random.default_rng(seed), n, w, dtype)
    bits, threshold = keep_bits(np.random.default_rng(seed + 1), n * w, rate)
    reference = _quarters(np.random.default_rng(seed + 1).bit_generator, n * w)
    expected_mask = (reference >= math.ceil(rate * 2**16)).reshape(n, w)
    expected = np.multiply(A, expected_mask)
    expected *= 1.0 / (1.0 - rate)
    mask, out = np.empty((n, w), dtype=bool), np.empty_like(A)
    assert _fused.dropout_mask(A, bits, threshold, rate, mask, out) is out
    assert_bits(mask, expected_mask)
    assert_bits(out, expected)


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.SFC64])
@pytest.mark.parametrize(
    "rate, threshold",
    [(0.0, 0), (1e-9, 1), (0.25, 2**14), (0.2, 13108), (1 - 1e-9, 2**16 - 1)],
)
def test_keep_bits_are_16_bit_quarters_against_the_rate_rounded_up(
    bit_generator, rate, threshold
):
    n = 20_001  # not a multiple of 4: the last raw output is partly unused
    bits, t = keep_bits(np.random.Generator(bit_generator(7)), n, rate)
    assert bits.dtype == np.uint16 and t.dtype == np.uint16 and t == threshold
    np.testing.assert_array_equal(bits, _quarters(bit_generator(7), n))
    # dropped with probability threshold / 2**16: rate rounded up to 2**-16
    dropped = threshold / 2**16
    if threshold < 2**16 - 1:  # else capped: one unit in 2**16 is kept
        assert dropped >= rate and dropped - rate < 2**-16
    observed = np.mean(bits < t)
    assert abs(observed - dropped) <= 5 * math.sqrt(dropped * (1 - dropped) / n)
    # the next call starts on a fresh raw output
    rng = np.random.Generator(bit_generator(7))
    keep_bits(rng, 5, rate)
    again, _ = keep_bits(rng, 4, rate)
    np.testing.assert_array_equal(again, _quarters(bit_generator(7), 12)[8:])


@given(
    shape=layer_shapes,
    seed=st.integers(0, 2**16),
    rate=st.sampled_from([None, 0.2]),
)
@settings(max_examples=80, deadline=None)
def test_relu_backward_is_mask_scale_relu_then_row_sum(shape, seed, rate):
    n, w, dtype = shape
    rng = np.random.default_rng(seed)
    A = np.maximum(_batch(rng, n, w, dtype), 0)
    dA = _batch(rng, n, w, dtype)
    expected = dA.copy()
    mask = None
    with np.errstate(invalid="ignore"):
        if rate is not None:  # Dropout.backward, then ReLU.backward
            mask = rng.random((n, w)) >= rate
            expected *= mask
            expected *= 1.0 / (1.0 - rate)
        np.multiply(expected, A > 0, out=expected)
        expected_db = np.sum(expected, axis=0)
        db = np.empty(w, dtype)
        out = _fused.relu_backward(A, dA, db, mask, 0.0 if rate is None else rate)
    assert out is dA
    assert_bits(dA, expected)
    assert_bits(db, expected_db)


@pytest.mark.parametrize("name", ["relu_backward", "dropout_mask"])
def test_float32_layer_kernels_stay_in_float32(name):
    # a float64 constant in the loop (``zero + 1`` is float64 in numba) makes
    # LLVM widen every float32 value to float64 and back: the same bits, at
    # half the vector width and twice the time. The IR of a fresh compile
    # (the cached one cannot be inspected) widens no float32 (its wrapper
    # narrows the float32 argument from a Python float: that stays)
    import numba

    kernel = numba.njit(error_model="numpy")(getattr(_fused_kernels, name).py_func)
    A = np.ones((3, 4), np.float32)
    scale, mask = np.float32(1.25), np.ones((3, 4), bool)
    if name == "relu_backward":
        kernel(A, A.copy(), mask, scale, np.zeros(4, np.float32), 0, 4)
    else:
        bits = np.zeros(12, np.uint16)
        kernel(A, bits, np.uint16(1), scale, mask, np.empty_like(A), 0, 3)
    (ir,) = kernel.inspect_llvm().values()
    assert "fpext float" not in ir


@pytest.mark.parametrize("shape", [(7, 5), (64, 33), (3, 40)])
def test_layer_kernels_split_over_threads_give_the_same_bits(shape, monkeypatch):
    # bias + ReLU and the mask by rows, ReLU's backward by columns: the same
    # numbers as one thread (each column's sum still runs over the rows in order)
    n, w = shape
    rng = np.random.default_rng(11)
    Z, b = _batch(rng, n, w, np.float32), _batch(rng, 1, w, np.float32)[0]
    A = np.maximum(_batch(rng, n, w, np.float32), 0)
    dA = _batch(rng, n, w, np.float32)
    bits, threshold = keep_bits(np.random.default_rng(3), n * w, 0.3)
    mask = rng.random((n, w)) >= 0.3

    def run_all():
        z, d, db = Z.copy(), dA.copy(), np.empty(w, np.float32)
        m, out = np.empty((n, w), bool), np.empty((n, w), np.float32)
        with np.errstate(invalid="ignore"):
            _fused.bias_relu(z, b)
            _fused.dropout_mask(A, bits, threshold, 0.3, m, out)
            _fused.relu_backward(A, d, db, mask, 0.3)
        return z, m, out, d, db

    serial = run_all()
    monkeypatch.setattr(_fused, "_MIN_LAYER_CHUNK", 4)
    try:
        assert _fused.set_num_threads(3) >= 2 or os.cpu_count() == 1
        assert _fused._n_chunks(n * w, min(n, w), _fused._MIN_LAYER_CHUNK) > 1 or (
            os.cpu_count() == 1
        )
        split = run_all()
    finally:
        _fused.set_num_threads()
    for one, many in zip(serial, split, strict=True):
        assert_bits(many, one)


@pytest.mark.parametrize("n", [1, 9, 300])
def test_a_single_column_sums_as_numpy_sums_it(n):
    # a hidden layer of one unit: NumPy sums the lone column pairwise, not
    # row by row; the intercept's gradient must still be NumPy's to the bit
    rng = np.random.default_rng(n)
    A = np.maximum(rng.standard_normal((n, 1)), 0).astype(np.float32)
    dA = rng.standard_normal((n, 1)).astype(np.float32) * 1e3
    expected = dA * (A > 0)
    db = np.empty(1, np.float32)
    _fused.relu_backward(A, dA, db)
    assert_bits(dA, expected)
    assert_bits(db, np.sum(expected, axis=0))


@pytest.mark.parametrize("n", [1, 3])
def test_all_zero_columns_keep_numpy_signed_zero_sums(n):
    # a column of -0.0 sums to +0.0: NumPy's sum starts from +0, not the first row
    A = np.ones((n, 2))
    dA = np.tile([-0.0, -1.0], (n, 1))
    expected = np.sum(dA, axis=0)
    db = np.empty(2)
    _fused.relu_backward(A, dA, db)
    assert_bits(db, expected)
    assert not np.signbit(db[0])


def _z(*shape, dtype=np.float64):
    return np.zeros(shape, dtype)


def _mask_of_3x4(seen, n_bits, mask_shape=(3, 4), out_shape=(3, 4)):
    bits, threshold = _z(n_bits, dtype=np.uint64), np.uint64(1)
    mask, out = np.ones(mask_shape, bool), np.full(out_shape, 7.0)
    seen += [mask, out]
    _fused.dropout_mask(_z(3, 4), bits, threshold, 0.5, mask, out)


def _relu_backward(seen, dA_shape=(3, 4), db_size=4, mask_shape=None):
    dA, db = np.full(dA_shape, 7.0), np.full(db_size, 7.0)
    mask = None if mask_shape is None else np.ones(mask_shape, bool)
    seen += [dA, db]
    _fused.relu_backward(_z(3, 4), dA, db, mask, 0.5)


def _bias_relu(seen, b_size):
    Z = np.full((3, 4), 7.0)
    seen.append(Z)
    _fused.bias_relu(Z, _z(b_size))


def _head(seen, Y_shape=(3, 4), n_weights=None, db_size=4):
    Z, Y = np.ones((3, 4)), _z(*Y_shape)
    w = None if n_weights is None else np.ones(n_weights)
    db = np.full(db_size, 7.0)
    seen.append(db)
    _fused.softmax_cross_entropy(Z, Y, w, 3.0, db)


@pytest.mark.parametrize(
    "call, names",
    [
        (lambda seen: _bias_relu(seen, b_size=5), "Z (3, 4), b (5,)"),
        (lambda seen: _relu_backward(seen, dA_shape=(2, 4)), "dA (2, 4)"),
        (lambda seen: _relu_backward(seen, db_size=3), "db (3,)"),
        (lambda seen: _relu_backward(seen, mask_shape=(3, 5)), "mask (3, 5)"),
        (lambda seen: _mask_of_3x4(seen, 12, out_shape=(3, 5)), "out (3, 5)"),
        (lambda seen: _mask_of_3x4(seen, 12, mask_shape=(2, 4)), "mask (2, 4)"),
        (lambda seen: _mask_of_3x4(seen, 11), "bits (11,)"),
        (lambda seen: _head(seen, Y_shape=(3, 5)), "Y (3, 5)"),
        (lambda seen: _head(seen, n_weights=2), "sample_weight (2,)"),
        (lambda seen: _head(seen, db_size=5), "db (5,)"),
    ],
)
def test_layer_kernels_refuse_mismatched_shapes_before_writing(call, names):
    # they index without bounds checks: a mismatch is refused before any
    # write (every array the kernel would write keeps its values), and the
    # error names the shapes
    seen = []
    with pytest.raises(ValueError, match="shapes do not match") as info:
        call(seen)
    assert names in str(info.value)
    assert seen
    for a in seen:
        assert np.all(a) if a.dtype == bool else np.all(a == 7.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_kernels_walk_strided_arrays_as_numpy_computes(dtype):
    # numba compiles a loop for any memory layout: a transposed or sliced
    # batch gives NumPy's numbers (contiguous ones are the fast case)
    rng = np.random.default_rng(5)
    Z = _batch(rng, 6, 10, dtype)[:, ::2]  # (6, 5), strided
    b = _batch(rng, 1, 5, dtype)[0]
    expected = np.maximum(Z + b, 0)
    got = Z.copy(order="F")
    _fused.bias_relu(got, b)
    assert_bits(got, expected)
    A, dA = np.maximum(Z, 0).T, _batch(rng, 5, 6, dtype)  # A transposed
    expected_dA = dA * (A > 0)
    db = np.empty(6, dtype)
    _fused.relu_backward(A, dA, db)
    assert_bits(dA, expected_dA)
    assert_bits(db, np.sum(expected_dA, axis=0))


# -- the softmax head's exp ------------------------------------------------------


@given(
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([1e-12, 1e-3, 1.0, 30.0, 700.0]),
    n=st.integers(1, 300),
)
def test_exp_is_within_one_ulp_of_the_c_library(seed, scale, n):
    # float64 against NumPy's exp (the C library's, correctly rounded but for
    # rare cases), as _assert_close_to_c_exp says
    x = -np.random.default_rng(seed).exponential(scale, n)
    got = x.copy()
    _fused_kernels.exp_nonpositive(got)
    _assert_close_to_c_exp(x, got)


def _assert_close_to_c_exp(x, got):
    # within 1 ulp in the normal range; in the subnormal range (whose unit,
    # 2**-1074, is large against the values) rounded as the C library
    # rounds, 0 only where it gives 0 (but at the last halfway point,
    # x = -1075 ln 2, which either side may round)
    want = np.exp(x)
    normal = want >= np.finfo(np.float64).tiny
    np.testing.assert_array_max_ulp(got[normal], want[normal], maxulp=1)
    sub = ~normal & (np.abs(x + 1075 * np.log(2)) > 1e-9)
    assert np.abs(got[sub] - want[sub]).max(initial=0) <= 2.0**-1074
    np.testing.assert_array_equal(got[sub] == 0, want[sub] == 0)


def test_exp_over_the_whole_range_and_at_its_edges():
    x = np.concatenate(
        [
            -np.linspace(0, 746, 200_001),
            [0.0, -0.0, -5e-324, -1e-300, -708.39, -708.4, -744.44, -745.13],
            [-745.14, -745.2, -746.0, -1e6, -np.inf],
        ]
    )
    got = x.copy()
    _fused_kernels.exp_nonpositive(got)
    _assert_close_to_c_exp(x, got)
    # the subnormal range, where a result of 2**-1074 was once given as 0
    band = (x > -745.13) & (x < -708.4)
    assert band.sum() > 5000 and (got[band] > 0).all()
    assert got[-5:].tolist() == [0.0] * 5  # from -745.14 down: 0, -inf included
    nan = np.array([np.nan, -1.0, np.nan])
    _fused_kernels.exp_nonpositive(nan)
    assert np.isnan(nan[[0, 2]]).all() and nan[1] == np.exp(-1.0)


def test_exp_in_float32_is_the_rounded_float64_value():
    # float32 values are computed in float64 and rounded once: the C
    # library's float64 exp rounded to float32, in the subnormal range too
    x = -np.random.default_rng(0).exponential(10.0, 100_000).astype(np.float32)
    x[:4] = [0.0, -103.9, -np.inf, -100.0]
    x[4:2004] = np.linspace(-87.4, -103.2, 2000)  # float32's subnormal results
    got = x.copy()
    _fused_kernels.exp_nonpositive(got)
    want = np.exp(x.astype(np.float64)).astype(np.float32)
    assert got.dtype == np.float32
    np.testing.assert_array_max_ulp(got, want, maxulp=1)
    sub = want < np.finfo(np.float32).tiny
    assert sub.sum() > 2000
    np.testing.assert_array_equal(got[sub], want[sub])
    assert got[2] == 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exp_polynomial_loop_is_vectorised(dtype):
    # the point of this exp: the C library's is one call per value. The IR
    # of a fresh compile (the cached one cannot be inspected) multiplies
    # vectors of doubles (4 wide with AVX, 2 with SSE2 or NEON)
    kernel = numba.njit(error_model="numpy")(_fused_kernels.exp_nonpositive.py_func)
    kernel(np.zeros(8, dtype))
    (ir,) = kernel.inspect_llvm().values()
    assert re.search(r"fmul <\d+ x double>", ir)


def test_threads_follow_the_blas_limit():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    try:
        with threadpoolctl.threadpool_limits(1, user_api="blas"):
            assert _fused.blas_num_threads() == 1
            assert _fused.set_num_threads() == 1
        with threadpoolctl.threadpool_limits(2, user_api="blas"):
            assert _fused.set_num_threads() == min(2, os.cpu_count())
        # the libraries are found once (the same ones a fresh scan finds);
        # their counts are read on every call
        fresh = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        cached = _fused._blas_libraries()
        assert sorted(lib.filepath for lib in cached) == sorted(
            i["filepath"] for i in fresh
        )
        assert _fused.blas_num_threads() == min(i["num_threads"] for i in fresh)
        assert _fused.set_num_threads(os.cpu_count() + 5) == os.cpu_count()
    finally:
        _fused.set_num_threads()
    with pytest.raises(ValueError, match="n_threads must be at least 1"):
        _fused.set_num_threads(0)


def test_import_skmlp_does_not_import_numba():
    code = (
        "import sys, skmlp, skmlp._core._fused as f; "
        "assert f.available(); assert 'numba' not in sys.modules, 'numba imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_writable_cache_directory_still_compiles():
    # a read-only install with no writable home: numba refuses cache=True,
    # the kernels compile without a disk cache instead
    code = """
import numba.core.caching as caching
import numpy as np

def refuse(self):
    raise OSError("read-only")

caching._CacheLocator.ensure_cache_path = refuse
from skmlp._core import _fused
p, g = np.zeros(3), np.array([1.0, -2.0, 0.0])
c = _fused.coefficients(np.float64, 0.0, -0.5)
_fused.sgd(p, g, np.zeros(3), c, *_fused.no_penalty(np.float64), nesterov=False)
assert p.tolist() == [-0.5, 1.0, 0.0], p
"""
    subprocess.run([sys.executable, "-c", code], check=True)
