"""Dense and Dropout layers, and the backward pass through an activation and
its dropout mask (``backend.activation_backward``), on every backend."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.activations import ACTIVATIONS
from skmlp._core.layers import Dense, Dropout

from ._backends import in_place, numpy_arithmetic
from ._numgrad import numerical_gradient, relative_error
from ._reference import ACTIVATIONS as REFERENCE

sizes = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


def make_dense(rng, n_in, n_out, backend, dtype=np.float64):
    W = rng.normal(size=(n_in, n_out)).astype(dtype)
    b = rng.normal(size=n_out).astype(dtype)
    return Dense(W, b, np.empty_like(W), np.full_like(b, 7.0), backend)


# ------------------------------------------------------------------- Dense


@given(n=sizes, n_in=sizes, n_out=sizes, seed=seeds)
def test_dense_backward_matches_finite_differences(backend, n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    layer = make_dense(rng, n_in, n_out, backend)
    A_prev = rng.normal(size=(n, n_in))
    G = rng.normal(size=(n, n_out))  # upstream gradient of L = sum(G * Z)
    dW, db = layer.dW, layer.db

    Z = layer.forward(A_prev)
    assert_allclose(Z, A_prev @ layer.W + layer.b, rtol=1e-14)
    dA_prev = layer.backward(G)

    def L():
        return float(np.sum(G * (A_prev @ layer.W + layer.b)))

    assert layer.dW is dW  # written into the given array
    assert relative_error(dW, numerical_gradient(L, layer.W)) < 1e-6
    assert relative_error(dA_prev, numerical_gradient(L, A_prev)) < 1e-6
    assert_allclose(dW, A_prev.T @ G, rtol=1e-13, atol=1e-14)
    assert_allclose(dA_prev, G @ layer.W.T, rtol=1e-13, atol=1e-14)
    # db is filled by whoever makes dZ (the head, or activation_backward)
    assert layer.db is db
    assert_array_equal(db, 7.0)


def test_dense_forward_into_buffer_and_first_layer_shortcut(backend, rng):
    layer = make_dense(rng, 3, 2, backend)
    A_prev, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    out = np.empty((4, 2))
    Z = layer.forward(A_prev, out=out)
    assert_allclose(Z, A_prev @ layer.W + layer.b, rtol=1e-14)
    assert_allclose(layer.product(A_prev), A_prev @ layer.W, rtol=1e-14)
    dA_out = np.empty((4, 3))
    dA = layer.backward(G, out=dA_out)
    assert_allclose(dA, G @ layer.W.T, rtol=1e-14)
    if in_place(backend):
        assert Z is out and dA is dA_out
    layer.dW.fill(np.nan)
    assert layer.backward(G, input_grad=False) is None
    assert_allclose(layer.dW, A_prev.T @ G, rtol=1e-14)


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
def test_dense_sparse_input_matches_the_formula(backend, fmt, rng):
    if not numpy_arithmetic(backend):
        pytest.skip("sparse input trains on the NumPy backends only")
    layer = make_dense(rng, 5, 3, backend)
    A_prev = rng.normal(size=(6, 5)) * (rng.random((6, 5)) < 0.4)
    G = rng.normal(size=(6, 3))
    Z_sp = layer.forward(fmt(A_prev))
    assert isinstance(Z_sp, np.ndarray)
    assert_allclose(Z_sp, A_prev @ layer.W + layer.b, rtol=1e-14)
    assert_allclose(layer.backward(G), G @ layer.W.T, rtol=1e-14)
    assert_allclose(layer.dW, A_prev.T @ G, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_keeps_dtype(backend, dtype, rng):
    layer = make_dense(rng, 3, 2, backend, dtype)
    Z = layer.forward(rng.normal(size=(4, 3)).astype(dtype))
    assert Z.dtype == dtype
    assert layer.backward(np.ones_like(Z)).dtype == dtype
    assert layer.dW.dtype == dtype


# ----------------------------------------------------------------- Dropout


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_forward_is_an_inverted_bernoulli_mask(backend, rate, dtype, rng):
    layer = Dropout(rate, np.random.default_rng(0), backend)
    # no zeros: kept <=> output != 0
    A = rng.uniform(0.5, 2.0, size=(400, 50)).astype(dtype)
    before = A.copy()
    out = layer.forward(A, out=np.empty_like(A))
    assert out.dtype == dtype and out.shape == A.shape
    assert_array_equal(A, before)  # the input is left alone
    mask = np.asarray(layer.mask)
    assert mask.shape == A.shape
    kept = out != 0
    assert_array_equal(mask != 0, kept)  # the mask kept is the mask applied
    scale = dtype(1.0 / (1.0 - rate))
    assert_array_equal(out[kept], A[kept] * scale)
    # M_ij ~ Bernoulli(1 - rate), within 4 standard deviations
    assert abs(kept.mean() - (1 - rate)) < 4 * np.sqrt(rate * (1 - rate) / A.size)
    # a fresh mask every step
    again = layer.forward(A, out=np.empty_like(A))
    assert not np.array_equal(again != 0, kept)


def test_dropout_without_an_output_buffer(backend, rng):
    A = rng.uniform(0.5, 2.0, size=(30, 20))
    out = Dropout(0.3, np.random.default_rng(5), backend).forward(A)
    kept = out != 0
    assert_array_equal(out[kept], A[kept] * (1.0 / 0.7))
    assert 0 < kept.mean() < 1


def test_dropout_same_generator_same_mask_on_every_backend(backend, rng):
    # the masks are drawn on the host from raw bits: the same generator gives
    # the same mask whatever the backend, and the first 16 bits decide unit 0
    A = rng.normal(size=(30, 20)).astype(np.float32)
    first = Dropout(0.3, np.random.default_rng(5), backend).forward(A, np.empty_like(A))
    second = Dropout(0.3, np.random.default_rng(5), backend).forward(
        A, np.empty_like(A)
    )
    other = Dropout(0.3, np.random.default_rng(6), backend).forward(A, np.empty_like(A))
    assert first.dtype == np.float32
    assert_array_equal(first, second)
    assert not np.array_equal(first, other)
    raw = np.random.default_rng(5).bit_generator.random_raw(150)
    bits = [(int(r) >> s) & 0xFFFF for r in raw for s in (0, 16, 32, 48)]
    expected_mask = (np.array(bits[:600]) >= np.ceil(0.3 * 2**16)).reshape(30, 20)
    assert_array_equal(first != 0, expected_mask & (A != 0))


# ------------------------------------ backward through activation and dropout


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("rate", [None, 0.2, 0.5])
@given(n=sizes, width=sizes, seed=seeds)
def test_activation_backward_matches_finite_differences(
    backend, activation, rate, n, width, seed
):
    # L = sum(G * dropout(f(Z))) with a fixed mask: dZ = G M / (1 - p) f'(Z),
    # and db, the intercept's gradient, is the sum of dZ's rows
    rng = np.random.default_rng(seed)
    unit = ACTIVATIONS[activation]
    f, _ = REFERENCE[activation]
    Z = rng.normal(scale=2.0, size=(n, width))
    Z[np.abs(Z) < 1e-3] = np.copysign(1e-3, Z[np.abs(Z) < 1e-3])  # relu's kink
    G = rng.normal(size=(n, width))
    if rate is None:
        mask, scale = None, 1.0
    else:
        layer = Dropout(rate, np.random.default_rng(seed), backend)
        layer.forward(f(Z), out=np.empty_like(Z))
        mask, scale = layer.mask, 1.0 / (1.0 - rate)
    keep = 1.0 if mask is None else np.asarray(mask, np.float64)

    A = backend.add_bias_and_activate(Z.copy(), np.zeros(width), unit)
    db = np.full(width, np.nan)
    dZ = backend.activation_backward(
        unit, A, G.copy(), mask, 0.0 if rate is None else rate, db
    )

    def L():
        return float(np.sum(G * f(Z) * keep * scale))

    numerical = numerical_gradient(L, Z)
    assert dZ.shape == Z.shape and dZ.dtype == Z.dtype
    assert relative_error(dZ, numerical) < 1e-6
    assert_allclose(db, np.sum(dZ, axis=0), rtol=1e-13, atol=1e-15)
    assert relative_error(db, numerical.sum(axis=0)) < 1e-6


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_bias_and_activate_is_f_of_Z_plus_b(backend, activation, dtype, rng):
    unit, (f, _) = ACTIVATIONS[activation], REFERENCE[activation]
    Z = rng.normal(scale=2.0, size=(5, 4)).astype(dtype)
    b = rng.normal(size=4).astype(dtype)
    A = backend.add_bias_and_activate(Z.copy(), b, unit)
    assert A.dtype == dtype and A.shape == Z.shape
    expected = f(Z.astype(np.float64) + b.astype(np.float64))
    assert_allclose(A, expected, rtol=1e-6 if dtype == np.float32 else 1e-14, atol=1e-7)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("rate", [None, 0.25])
def test_activation_backward_keeps_float32(backend, activation, rate, rng):
    unit = ACTIVATIONS[activation]
    A = unit.forward(rng.normal(size=(6, 5)).astype(np.float32), backend)
    mask = None if rate is None else rng.random((6, 5)) >= rate
    db = np.zeros(5, np.float32)
    dZ = backend.activation_backward(
        unit, A, np.ones((6, 5), np.float32), mask, rate or 0.0, db
    )
    assert dZ.dtype == db.dtype == np.float32
