"""The compiled kernels of NumbaBackend (``skmlp._core._kernels``).

Each kernel repeats NumPy's operations in NumPy's order and dtype, so that the
numba backend trains the NumPy backend's model to the bit. Here:

- each kernel against the NumPy operations it replaces, written out in the
  test, to the bit (float32 stays float32, to its IR);
- mismatched shapes refused with ValueError before anything is written;
- strided arrays walked to NumPy's numbers;
- the dropout keep bits (the 16-bit quarters of the raw outputs);
- NumbaBackend against NumpyBackend for every step-level operation, on random
  shapes, and for whole training runs;
- ``import skmlp`` does not import numba; no writable cache still compiles.
"""

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skmlp._core.activations import ACTIVATIONS
from skmlp._core.backends import (
    BLOCK_SIZE,
    NumbaBackend,
    NumpyBackend,
    keep_bits,
)
from skmlp._core.optimizers import SGD, Adagrad, Adam, RMSprop
from skmlp._core.penalties import ElasticNet

from ._backends import NUMBA

pytestmark = pytest.mark.skipif(
    not NUMBA,
    reason="numba cannot be imported (skmlp's 'fast' extra): no compiled kernels",
)

if NUMBA:
    from skmlp._core import _kernels

NUMPY, FAST = NumpyBackend(), NumbaBackend()
B = 50.0
dtypes = pytest.mark.parametrize("dtype", [np.float64, np.float32])


def assert_bits(actual, expected):
    # the same bits, signed zeros included; NaN where NumPy has NaN (the sign
    # of a NaN is not specified by IEEE arithmetic, nor kept by NumPy)
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    if actual.dtype != bool:
        nan = np.isnan(expected)
        np.testing.assert_array_equal(np.isnan(actual), nan)
        actual, expected = actual[~nan], expected[~nan]
    np.testing.assert_array_equal(actual.view(np.uint8), expected.view(np.uint8))


def in_dtype(dtype, *values):
    return tuple(np.dtype(dtype).type(v) for v in values)


# -- the update rules: NumPy's operations, in optimizers.py's order ------------


def numpy_penalty(p, g, ranges, l1_ratio):
    """g += dR/dW per range, as ElasticNet.add_grad: the L2 term, then L1."""
    for start, stop, alpha in ranges:
        if alpha == 0.0:
            continue
        W, dW = p[start:stop], g[start:stop]
        if l1_ratio < 1:
            dW += np.multiply(W, alpha * (1 - l1_ratio) / B)
        if l1_ratio > 0:
            dW += (alpha * l1_ratio / B) * np.sign(W)


def _scaled(p, num, lr, cache, eps):
    buf = np.sqrt(cache)
    buf += eps
    np.divide(num, buf, out=buf)
    buf *= -lr
    p += buf


def numpy_adam(p, g, state, lr, t, b1=0.9, b2=0.999, eps=1e-8):
    m, v = state
    lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
    m *= b1
    m += np.multiply(g, 1 - b1)
    v *= b2
    buf = np.multiply(g, g)
    buf *= 1 - b2
    v += buf
    _scaled(p, m, lr_t, v, eps)


def numpy_sgd(p, g, state, lr, t, mu=0.9, nesterov=True):
    (vel,) = state
    buf = np.multiply(g, -lr)
    vel *= mu
    vel += buf
    if nesterov:
        p += buf
        p += np.multiply(vel, mu)
    else:
        p += vel


def numpy_adagrad(p, g, state, lr, t, eps=1e-8):
    (G,) = state
    G += np.multiply(g, g)
    _scaled(p, g, lr, G, eps)


def numpy_rmsprop(p, g, state, lr, t, rho=0.9, eps=1e-8):
    (G,) = state
    buf = np.multiply(g, g)
    buf *= 1 - rho
    G *= rho
    G += buf
    _scaled(p, g, lr, G, eps)


# -- the same steps through the kernels, the rules' scalars in the dtype --------


def kernel_adam(p, g, state, lr, t, pen):
    lr_t = lr * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
    c = in_dtype(p.dtype, 0.9, 1 - 0.9, 0.999, 1 - 0.999, 1e-8, -lr_t)
    _kernels.adam(p, g, *state, c, pen)


def kernel_sgd(p, g, state, lr, t, pen, nesterov=True):
    _kernels.momentum(p, g, *state, in_dtype(p.dtype, 0.9, -lr), pen, nesterov)


def kernel_adagrad(p, g, state, lr, t, pen):
    # RMSprop's kernel with rho = 1 (and 1 - rho given as 1), as Adagrad runs it
    _kernels.rmsprop(p, g, *state, in_dtype(p.dtype, 1.0, 1.0, 1e-8, -lr), pen)


def kernel_rmsprop(p, g, state, lr, t, pen):
    _kernels.rmsprop(p, g, *state, in_dtype(p.dtype, 0.9, 1 - 0.9, 1e-8, -lr), pen)


KERNEL_RULES = {
    "adam": (numpy_adam, kernel_adam, 2),
    "nesterov": (numpy_sgd, kernel_sgd, 1),
    "momentum": (
        lambda *a: numpy_sgd(*a, nesterov=False),
        lambda *a: kernel_sgd(*a, nesterov=False),
        1,
    ),
    "adagrad": (numpy_adagrad, kernel_adagrad, 1),
    "rmsprop": (numpy_rmsprop, kernel_rmsprop, 1),
}


def penalty_layout(n, kind):
    """(ranges, l1_ratio): [(start, stop, alpha)] over the first ~2/3 of n."""
    n_w = max(1, 2 * n // 3)
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
    """(bounds, l1, l2) of the ranges, in dtype, computed here."""
    bounds, l1, l2 = [0], [], []
    for start, stop, alpha in ranges:
        if alpha == 0.0:
            continue
        if start > bounds[-1]:
            bounds.append(start)
            l1.append(0.0)
            l2.append(0.0)
        bounds.append(stop)
        l1.append(alpha * l1_ratio / B if l1_ratio > 0 else 0.0)
        l2.append(alpha * (1 - l1_ratio) / B if l1_ratio < 1 else 0.0)
    return (
        np.asarray(bounds, np.int64),
        np.asarray(l1, dtype),
        np.asarray(l2, dtype),
    )


def run_both(rule, n, dtype, kind, n_steps=3, seed=0):
    """The NumPy operations' (p, *states) and the kernel's after n_steps."""
    numpy_step, kernel_step, n_states = KERNEL_RULES[rule]
    rng = np.random.default_rng(seed)
    p0 = rng.standard_normal(n).astype(dtype)
    p0[:: max(1, n // 5)] = 0  # sign(0) = 0 in the L1 term
    ranges, l1_ratio = penalty_layout(n, kind)
    pen = kernel_ranges(ranges, l1_ratio, dtype)
    p_np, p_k = p0.copy(), p0.copy()
    s_np = [np.zeros(n, dtype) for _ in range(n_states)]
    s_k = [np.zeros(n, dtype) for _ in range(n_states)]
    for t in range(1, n_steps + 1):
        g = rng.standard_normal(n).astype(dtype)
        g_k = g.copy()
        numpy_penalty(p_np, g, ranges, l1_ratio)
        numpy_step(p_np, g, s_np, 0.01, t)
        kernel_step(p_k, g_k, s_k, 0.01, t, pen)
    return (p0, p_np, *s_np), (p0, p_k, *s_k)


# -- update kernels --------------------------------------------------------------


@dtypes
@pytest.mark.parametrize("rule", list(KERNEL_RULES))
@pytest.mark.parametrize("kind", ["none", "l2", "l1", "elastic"])
@pytest.mark.parametrize("n", [1, 7, 4099])
def test_update_kernel_is_numpy_to_the_bit(rule, dtype, kind, n):
    (p0, *expected), (_, *actual) = run_both(rule, n, dtype, kind, seed=n)
    for e, a in zip(expected, actual, strict=True):
        assert a.dtype == dtype
        assert_bits(a, e)
    assert not np.array_equal(actual[0], p0)  # it did move from where it started


def test_update_kernels_leave_the_gradient_alone():
    rng = np.random.default_rng(1)
    p, g = rng.standard_normal(100), rng.standard_normal(100)
    g0 = g.copy()
    pen = kernel_ranges([(0, 60, 1.0)], 0.5, np.float64)
    kernel_adam(p, g, [np.zeros(100), np.zeros(100)], 0.01, 1, pen)
    kernel_sgd(p, g, [np.zeros(100)], 0.01, 1, pen)
    kernel_rmsprop(p, g, [np.zeros(100)], 0.01, 1, pen)
    np.testing.assert_array_equal(g, g0)


def _adam_args(**change):
    args = {
        "params": np.full(10, 7.0),
        "grads": np.ones(10),
        "m": np.full(10, 7.0),
        "v": np.full(10, 7.0),
        "bounds": np.array([0, 10]),
        "l1": np.ones(1),
        "l2": np.ones(1),
    }
    args.update(change)
    args["bounds"] = args["bounds"].astype(np.int64)
    return args


@pytest.mark.parametrize(
    "change",
    [
        {"grads": np.ones(9)},
        {"m": np.full(11, 7.0)},
        {"v": np.full(9, 7.0)},
        {"bounds": np.array([0, 11])},
        {"bounds": np.array([4, 2])},
        {"bounds": np.array([-1, 2])},
        {"bounds": np.array([0, 5, 10])},
        {"bounds": np.zeros(0)},
        {"l1": np.ones(2)},
        {"l2": np.ones(0)},
    ],
    ids=lambda change: next(iter(change)) + str(list(change.values())[0].shape),
)
def test_update_kernels_refuse_bad_input_before_any_write(change):
    args = _adam_args(**change)
    c = in_dtype(np.float64, 0.9, 0.1, 0.999, 0.001, 1e-8, -0.01)
    pen = (args["bounds"], args["l1"], args["l2"])
    with pytest.raises(ValueError, match="update: "):
        _kernels.adam(args["params"], args["grads"], args["m"], args["v"], c, pen)
    for name in ("params", "m", "v"):
        assert np.all(args[name] == 7.0), name
    # the other rules check alike (their state: the changed one, if any)
    p = np.full(10, 7.0)
    state = args["v"] if "v" in change else args["m"]
    with pytest.raises(ValueError, match="update: "):
        _kernels.momentum(p, args["grads"], state, (0.9, -0.1), pen, True)
    with pytest.raises(ValueError, match="update: "):
        _kernels.rmsprop(p, args["grads"], state, (0.9, 0.1, 1e-8, -0.1), pen)
    assert np.all(p == 7.0) and np.all(state == 7.0)


def _strided(a, step=3):
    """A copy of the vector ``a`` as a strided view (every ``step``-th element)."""
    base = np.full(step * a.size, np.nan, a.dtype)
    base[::step] = a
    return base[::step]


def test_update_kernels_check_every_call_and_walk_strided_vectors():
    # no memory of earlier calls: a bad array after good steps is refused; a
    # strided vector is walked through its strides, to the same numbers
    p, g, m, v = (np.linspace(-1, 1, 10) for _ in range(4))
    v = v * v
    pen = kernel_ranges([(0, 6, 0.5)], 0.5, np.float64)
    c = in_dtype(np.float64, 0.9, 0.1, 0.999, 0.001, 1e-8, -0.01)
    _kernels.adam(p, g, m, v, c, pen)
    with pytest.raises(ValueError, match="update: "):
        _kernels.adam(p, g, m, np.zeros(9), c, pen)
    expected = [a.copy() for a in (p, m, v)]
    _kernels.adam(*expected[:1], g, *expected[1:], c, pen)
    strided = [_strided(a) for a in (p, g, m, v)]
    _kernels.adam(*strided, c, pen)
    for got, want in zip([strided[0], *strided[2:]], expected, strict=True):
        assert_bits(got, want)
    assert np.isnan(strided[0].base[1::3]).all()  # nothing between the strides
    vel = m.copy()
    expected = [p.copy(), vel.copy()]
    _kernels.momentum(expected[0], g, expected[1], (0.9, -0.1), pen, True)
    strided = [_strided(a) for a in (p, g, vel)]
    _kernels.momentum(*strided, (0.9, -0.1), pen, True)
    assert_bits(strided[0], expected[0])
    assert_bits(strided[2], expected[1])


def test_update_kernels_take_a_strided_gradient_with_contiguous_states():
    # layouts are numba's to dispatch on: a gradient of another layout than
    # the states (here a strided view, the states contiguous) compiles too
    p, m, v = np.zeros(10), np.zeros(10), np.ones(10)
    g = _strided(np.linspace(-1, 1, 10))
    c = in_dtype(np.float64, 0.9, 0.1, 0.999, 0.001, 1e-8, -0.01)
    _kernels.adam(p, g, m, v, c, kernel_ranges([], 0.0, np.float64))
    assert_bits(m, 0.1 * np.linspace(-1, 1, 10))


# -- the layer kernels: the NumPy operations they replace, to the bit -----------


def _batch(rng, n, w, dtype):
    """Values of both signs with exact and signed zeros, infinities and a NaN."""
    a = rng.standard_normal((n, w)).astype(dtype)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype)
    flat = a.reshape(-1)
    picks = rng.integers(0, flat.size, size=min(flat.size, 6))
    flat[picks] = rng.choice(specials, size=picks.size)
    return a


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
        _kernels.bias_relu(Z, b, Z.dtype.type(0))
    assert Z.dtype == dtype
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
def test_relu_backward_is_mask_scale_then_relu_mask(shape, seed, rate):
    n, w, dtype = shape
    rng = np.random.default_rng(seed)
    A = np.maximum(_batch(rng, n, w, dtype), 0)
    dA = _batch(rng, n, w, dtype)
    expected = dA.copy()
    with np.errstate(invalid="ignore"):
        if rate is None:
            mask = np.zeros((0, 0), bool)  # no dropout: an empty mask
        else:  # dropout's backward, then ReLU's
            mask = rng.random((n, w)) >= rate
            expected *= mask
            expected *= 1.0 / (1.0 - rate)
        np.multiply(expected, A > 0, out=expected)
        scale = A.dtype.type(1.0 / (1.0 - (rate or 0.0)))
        db = np.full(w, np.nan, dtype)  # every value written
        _kernels.relu_backward(A, dA, mask, scale, db)
    assert_bits(dA, expected)
    assert_bits(db, np.sum(expected, axis=0))


@pytest.mark.parametrize("name", ["relu_backward", "bias_relu", "minus_row_max"])
def test_float32_layer_kernels_stay_in_float32(name):
    # a float64 constant in the loop (``zero + 1`` is float64 in numba) makes
    # LLVM widen every float32 value to float64 and back: the same bits, at
    # half the vector width and twice the time. The IR of a fresh compile
    # (the cached one cannot be inspected) widens no float32
    import numba

    kernel = numba.njit(error_model="numpy")(getattr(_kernels, name).py_func)
    A = np.ones((3, 4), np.float32)
    scale, mask = np.float32(1.25), np.ones((3, 4), bool)
    row = np.ones(4, np.float32)
    if name == "relu_backward":
        kernel(A, A.copy(), mask, scale, row)
    elif name == "bias_relu":
        kernel(A, row, np.float32(0))
    else:
        kernel(A, A.copy())
    (ir,) = kernel.inspect_llvm().values()
    assert "fpext float" not in ir


@dtypes
def test_kernels_keep_float32_and_float64(dtype):
    rng = np.random.default_rng(0)
    Z, b = rng.standard_normal((4, 3)).astype(dtype), np.ones(3, dtype)
    _kernels.bias_relu(Z, b, Z.dtype.type(0))
    dA = rng.standard_normal((4, 3)).astype(dtype)
    db = np.zeros(3, dtype)
    _kernels.relu_backward(Z, dA, np.zeros((0, 0), bool), Z.dtype.type(1), db)
    p, g, m, v = (rng.standard_normal(6).astype(dtype) for _ in range(4))
    kernel_adam(p, g, [m, v * v], 0.01, 1, kernel_ranges([(0, 4, 1.0)], 0.5, dtype))
    for a in (Z, dA, db, p, m, v):
        assert a.dtype == dtype


def _z(*shape, dtype=np.float64):
    return np.zeros(shape, dtype)


def _relu_backward(seen, dA_shape=(3, 4), mask_shape=(0, 0), n_db=4):
    dA, db = np.full(dA_shape, 7.0), np.full(n_db, 7.0)
    seen.extend([dA, db])
    _kernels.relu_backward(_z(3, 4), dA, np.ones(mask_shape, bool), 2.0, db)


def _minus_row_max(seen, S_shape):
    S = np.full(S_shape, 7.0)
    seen.append(S)
    _kernels.minus_row_max(np.zeros((3, S_shape[1] and 4)), S)


def _bias_relu(seen, b_size):
    Z = np.full((3, 4), 7.0)
    seen.append(Z)
    _kernels.bias_relu(Z, _z(b_size), 0.0)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda seen: _bias_relu(seen, b_size=5), "bias_relu"),
        (lambda seen: _bias_relu(seen, b_size=3), "bias_relu"),
        (lambda seen: _relu_backward(seen, dA_shape=(2, 4)), "relu_backward"),
        (lambda seen: _relu_backward(seen, dA_shape=(3, 5)), "relu_backward"),
        (lambda seen: _relu_backward(seen, mask_shape=(3, 5)), "relu_backward"),
        (lambda seen: _relu_backward(seen, mask_shape=(2, 4)), "relu_backward"),
        (lambda seen: _relu_backward(seen, n_db=3), "relu_backward"),
        (lambda seen: _minus_row_max(seen, (3, 5)), "minus_row_max"),
        (lambda seen: _minus_row_max(seen, (3, 0)), "minus_row_max"),
    ],
)
def test_layer_kernels_refuse_mismatched_shapes_before_writing(call, name):
    # they index without bounds checks: a mismatch is refused before any
    # write (every array the kernel would write keeps its values)
    seen = []
    with pytest.raises(ValueError, match=f"{name}: "):
        call(seen)
    assert seen
    for a in seen:
        assert np.all(a) if a.dtype == bool else np.all(a == 7.0)


@dtypes
def test_layer_kernels_walk_strided_arrays_as_numpy_computes(dtype):
    # numba compiles a loop for any memory layout: a transposed or sliced
    # batch gives NumPy's numbers (contiguous ones are the fast case)
    rng = np.random.default_rng(5)
    Z = _batch(rng, 6, 10, dtype)[:, ::2]  # (6, 5), strided
    b = _batch(rng, 1, 10, dtype)[0, ::2]
    with np.errstate(invalid="ignore"):
        expected = np.maximum(Z + b, 0)
    got = Z.copy(order="F")
    _kernels.bias_relu(got, b, got.dtype.type(0))
    np.testing.assert_array_equal(got, expected)
    A, dA = np.maximum(Z, 0).T, _batch(rng, 5, 6, dtype)  # A transposed
    mask = (rng.random((10, 6)) >= 0.3)[::2]
    with np.errstate(invalid="ignore"):
        expected_dA = dA * mask
        expected_dA *= 1.0 / 0.7
        expected_dA *= A > 0
    db = np.empty(12, dtype)[::2]  # strided
    _kernels.relu_backward(A, dA, mask, A.dtype.type(1.0 / 0.7), db)
    assert_bits(dA, expected_dA)
    assert_bits(db, np.sum(expected_dA, axis=0))  # dA is C-contiguous


# -- NumbaBackend against NumpyBackend, operation by operation ------------------


step_shapes = st.tuples(
    st.integers(1, 30), st.integers(1, 40), st.sampled_from([np.float32, np.float64])
)


@given(shape=step_shapes, seed=st.integers(0, 2**16))
@settings(deadline=None)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_add_bias_and_activate_is_numpy_to_the_bit(activation, shape, seed):
    n, w, dtype = shape
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, w)).astype(dtype) * 3
    b = rng.standard_normal(w).astype(dtype)
    unit = ACTIVATIONS[activation]
    expected = NUMPY.add_bias_and_activate(Z.copy(), b, unit)
    actual = FAST.add_bias_and_activate(Z.copy(), b, unit)
    assert_bits(actual, expected)


@given(
    shape=step_shapes,
    seed=st.integers(0, 2**16),
    rate=st.sampled_from([0.0, 0.1, 0.5]),
)
@settings(deadline=None)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_activation_backward_is_numpy_to_the_bit(activation, shape, seed, rate):
    # with dropout's mask (rate > 0) and without it, dZ and db alike
    n, w, dtype = shape
    rng = np.random.default_rng(seed)
    unit = ACTIVATIONS[activation]
    A = unit.forward(rng.standard_normal((n, w)).astype(dtype), NUMPY)
    A[rng.random((n, w)) < 0.1] = 0  # exact zeros: relu's off units
    dA = rng.standard_normal((n, w)).astype(dtype)
    mask = None if rate == 0 else rng.random((n, w)) >= rate
    db_np, db_fast = np.empty(w, dtype), np.empty(w, dtype)
    expected = NUMPY.activation_backward(unit, A, dA.copy(), mask, rate, db_np)
    actual = FAST.activation_backward(unit, A, dA.copy(), mask, rate, db_fast)
    assert_bits(actual, expected)
    assert_bits(db_fast, db_np)


@given(shape=step_shapes, seed=st.integers(0, 2**16), nan_row=st.booleans())
@settings(deadline=None)
def test_minus_row_max_is_numpy_to_the_bit(shape, seed, nan_row):
    n, w, dtype = shape
    rng = np.random.default_rng(seed)
    Z = (rng.standard_normal((n, w)) * 30).astype(dtype)
    Z[rng.random((n, w)) < 0.2] = 0  # ties at the maximum
    if nan_row:  # a diverging fit: NaN stays NaN, as NumPy's max keeps it
        Z[0, rng.integers(w)] = np.nan
    assert_bits(FAST.minus_row_max(Z), NUMPY.minus_row_max(Z))


@given(
    shape=step_shapes,
    seed=st.integers(0, 2**16),
    rate=st.sampled_from([0.1, 0.5, 0.9]),
    buffer=st.booleans(),
)
@settings(deadline=None)
def test_dropout_is_numpy_to_the_bit(shape, seed, rate, buffer):
    n, w, dtype = shape
    A = np.random.default_rng(seed).standard_normal((n, w)).astype(dtype)
    outs = [np.empty_like(A) if buffer else None for _ in range(2)]
    out_np, mask_np = NUMPY.dropout(A, np.random.default_rng(seed), rate, outs[0])
    out_fast, mask_fast = FAST.dropout(A, np.random.default_rng(seed), rate, outs[1])
    assert_bits(out_fast, out_np)
    assert_bits(np.asarray(mask_fast, bool), np.asarray(mask_np, bool))
    if buffer:
        assert out_fast is outs[1]


RULES = {
    "sgd": lambda n, dtype, backend: SGD(n, dtype, 0.9, False, backend),
    "nesterov": lambda n, dtype, backend: SGD(n, dtype, 0.8, True, backend),
    "adagrad": lambda n, dtype, backend: Adagrad(n, dtype, 1e-7, backend),
    "rmsprop": lambda n, dtype, backend: RMSprop(n, dtype, 0.95, 1e-7, backend),
    "adam": lambda n, dtype, backend: Adam(n, dtype, 0.8, 0.99, 1e-7, backend),
}
PENALTIES = {
    "none": None,
    "l2": (0.5, 0.0),
    "l1": (0.5, 1.0),
    "elasticnet": (0.5, 0.35),
    "per-layer": ([0.5, 0.0, 2.0], 0.35),
}


@given(
    n=st.integers(1, 3 * BLOCK_SIZE // 2),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
    weights=st.floats(0.0, 1.0),
)
@settings(deadline=None, max_examples=15)
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("rule", list(RULES))
def test_update_is_numpy_to_the_bit(rule, penalty, n, dtype, seed, weights):
    # three steps of each rule, the penalty's gradient folded into the
    # compiled update against the NumPy backend's add_grad and blockwise passes
    rng = np.random.default_rng(seed)
    n_weights = int(weights * n)
    p0 = rng.standard_normal(n).astype(dtype)
    p0[rng.random(n) < 0.05] = 0
    results = []
    for backend in (NUMPY, FAST):
        optimizer = RULES[rule](n, dtype, backend)
        step_penalty = None
        if PENALTIES[penalty] is not None:
            alpha, l1_ratio = PENALTIES[penalty]
            sizes = None
            if np.ndim(alpha):
                sizes = [n_weights // 3, n_weights // 4]
                sizes.append(n_weights - sum(sizes))
            elastic = ElasticNet(alpha, l1_ratio, sizes, backend)
            step_penalty = (elastic, 7.5, n_weights)
        p, grads = p0.copy(), np.random.default_rng(seed + 1)
        for lr in (0.1, 0.05, 0.02):
            g = grads.standard_normal(n).astype(dtype)
            optimizer.step(p, g, lr, step_penalty)
        results.append((p, optimizer.state_arrays()))
    (p_np, states_np), (p_fast, states_fast) = results
    assert p_fast.dtype == dtype
    assert_bits(p_fast, p_np)
    for s_fast, s_np in zip(states_fast, states_np, strict=True):
        assert_bits(s_fast, s_np)
    assert not np.array_equal(p_fast, p0)


@pytest.mark.parametrize(
    "solver, activation, dropout, alpha, l1_ratio, dtype",
    [
        ("adam", "relu", 0.3, 1e-3, 0.5, np.float32),
        ("sgd", "relu", [0.0, 0.5], [0.1, 0.0, 1.0], 0.2, np.float64),
        ("rmsprop", "tanh", 0.2, 1e-2, 1.0, np.float64),
        ("adagrad", "logistic", 0.0, 1e-2, 0.0, np.float32),
    ],
)
def test_training_runs_are_numpy_to_the_bit(
    solver, activation, dropout, alpha, l1_ratio, dtype
):
    # whole minibatch runs: shuffled batches, dropout masks, the heads, the
    # penalty and the updates give the NumPy backend's weights, to the bit
    from skmlp._core.losses import SoftmaxCrossEntropy
    from skmlp._core.network import Network
    from skmlp._core.objective import Objective
    from skmlp._core.optimizers import make_optimizer
    from skmlp._core.schedules import LearningRateSchedule
    from skmlp._core.training import (
        DataSet,
        LoopSettings,
        Plateau,
        Stepper,
        run_stochastic,
    )

    rng = np.random.default_rng(3)
    X = rng.standard_normal((97, 6)).astype(dtype)
    Y = np.eye(3, dtype=bool)[rng.integers(0, 3, 97)]
    w = rng.uniform(0.5, 2.0, 97).astype(dtype)
    settings_ = {
        "momentum": 0.9,
        "nesterovs_momentum": True,
        "epsilon": 1e-8,
        "rho": 0.9,
        "beta_1": 0.9,
        "beta_2": 0.999,
    }
    finals = []
    for backend in (NUMPY, FAST):
        network = Network([6, 16, 8, 3], activation, dropout, dtype, backend=backend)
        network.initialize(np.random.RandomState(0))
        network.seed_dropout(backend.random_generator([1, 2]))
        sizes = [W.size for W in network.coefs] if np.ndim(alpha) else None
        objective = Objective(
            network,
            SoftmaxCrossEntropy(backend),
            ElasticNet(alpha, l1_ratio, sizes, backend),
        )
        optimizer = make_optimizer(
            solver, network.params.size, network.dtype, settings_, backend
        )
        stepper = Stepper(optimizer, LearningRateSchedule(0.01), Plateau(0.0, 100))
        result = run_stochastic(
            objective,
            stepper,
            DataSet(X, Y, w),
            LoopSettings(16, 4),
            np.random.RandomState(5),
        )
        finals.append((network.params.copy(), [r.loss for r in result.epochs]))
    (p_np, losses_np), (p_fast, losses_fast) = finals
    assert_bits(p_fast, p_np)
    assert losses_fast == losses_np


# -- packaging -----------------------------------------------------------------


def test_import_skmlp_does_not_import_numba():
    # the kernels are imported on a NumbaBackend's first step, never before
    code = """
import sys
import skmlp
from skmlp._core import backends
assert backends.numba_available()
assert isinstance(backends.numpy_backend(True), backends.NumbaBackend)
assert 'numba' not in sys.modules, 'numba imported'
assert 'skmlp._core._kernels' not in sys.modules
"""
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
from skmlp._core import _kernels
p, g = np.zeros(3), np.array([1.0, -2.0, 0.0])
pen = (np.zeros(1, np.int64), np.zeros(0), np.zeros(0))
_kernels.momentum(p, g, np.zeros(3), (0.0, -0.5), pen, False)
assert p.tolist() == [-0.5, 1.0, 0.0], p
"""
    subprocess.run([sys.executable, "-c", code], check=True)
