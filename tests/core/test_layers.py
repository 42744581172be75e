"""Dense and Dropout layers: backward against finite differences."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.layers import Dense, Dropout

from ._numgrad import numerical_gradient, relative_error

sizes = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


def make_dense(rng, n_in, n_out, dtype=np.float64):
    W = rng.normal(size=(n_in, n_out)).astype(dtype)
    b = rng.normal(size=n_out).astype(dtype)
    return Dense(W, b, np.empty_like(W), np.empty_like(b))


@given(n=sizes, n_in=sizes, n_out=sizes, seed=seeds)
def test_dense_backward_matches_finite_differences(n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    layer = make_dense(rng, n_in, n_out)
    A_prev = rng.normal(size=(n, n_in))
    G = rng.normal(size=(n, n_out))  # upstream gradient of L = sum(G * Z)
    dW, db = layer.dW, layer.db

    Z = layer.forward(A_prev)
    assert_allclose(Z, A_prev @ layer.W + layer.b, rtol=1e-14)
    dA_prev = layer.backward(G)

    def L():
        return float(np.sum(G * layer.forward(A_prev)))

    assert layer.dW is dW and layer.db is db  # written into the given arrays
    assert relative_error(dW, numerical_gradient(L, layer.W)) < 1e-6
    assert relative_error(db, numerical_gradient(L, layer.b)) < 1e-6
    assert relative_error(dA_prev, numerical_gradient(L, A_prev)) < 1e-6


def test_dense_forward_into_buffer_and_first_layer_shortcut(rng):
    layer = make_dense(rng, 3, 2)
    A_prev, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    out = np.empty((4, 2))
    Z = layer.forward(A_prev, out=out)
    assert Z is out
    assert_allclose(Z, A_prev @ layer.W + layer.b, rtol=1e-14)
    dA_out = np.empty((4, 3))
    assert layer.backward(G, out=dA_out) is dA_out
    assert_allclose(dA_out, G @ layer.W.T, rtol=1e-14)
    layer.dW.fill(np.nan)
    assert layer.backward(G, input_grad=False) is None
    assert_allclose(layer.dW, A_prev.T @ G, rtol=1e-14)
    assert_allclose(layer.db, G.sum(axis=0), rtol=1e-14)


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
def test_dense_sparse_input_matches_dense(fmt, rng):
    layer = make_dense(rng, 5, 3)
    A_prev = rng.normal(size=(6, 5)) * (rng.random((6, 5)) < 0.4)
    G = rng.normal(size=(6, 3))
    Z = layer.forward(A_prev).copy()
    dA = layer.backward(G).copy()
    dW, db = layer.dW.copy(), layer.db.copy()
    Z_sp = layer.forward(fmt(A_prev))
    assert isinstance(Z_sp, np.ndarray)
    assert_allclose(Z_sp, Z, rtol=1e-14)
    assert_allclose(layer.backward(G), dA, rtol=1e-14)
    assert_allclose(layer.dW, dW, rtol=1e-14, atol=1e-15)
    assert_allclose(layer.db, db, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_keeps_dtype(dtype, rng):
    layer = make_dense(rng, 3, 2, dtype)
    Z = layer.forward(rng.normal(size=(4, 3)).astype(dtype))
    assert Z.dtype == dtype
    assert layer.backward(np.ones_like(Z)).dtype == dtype
    assert layer.dW.dtype == layer.db.dtype == dtype


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_dropout_forward_backward_are_inverted_mask(rate, rng):
    layer = Dropout(rate, np.random.default_rng(0))
    A = rng.uniform(0.5, 2.0, size=(400, 50))  # no zeros: kept <=> output != 0
    out = layer.forward(A, out=np.empty_like(A))
    kept = out != 0
    assert_allclose(out[kept], A[kept] / (1 - rate), rtol=1e-15)
    # M_ij ~ Bernoulli(1 - rate), within 4 standard deviations
    assert abs(kept.mean() - (1 - rate)) < 4 * np.sqrt(rate * (1 - rate) / A.size)
    dA = rng.normal(size=A.shape)
    back = layer.backward(dA.copy())
    assert_allclose(back, np.where(kept, dA / (1 - rate), 0.0), rtol=1e-15)


@given(n=sizes, width=sizes, seed=seeds, rate=st.sampled_from([0.2, 0.5]))
def test_dropout_backward_matches_finite_differences(n, width, seed, rate):
    rng = np.random.default_rng(seed)
    layer = Dropout(rate, None)
    A, G = rng.normal(size=(n, width)), rng.normal(size=(n, width))

    def L():
        layer.rng = np.random.default_rng(7)  # the same mask at every evaluation
        return float(np.sum(G * layer.forward(A, out=np.empty_like(A))))

    L()
    dA = layer.backward(G.copy())
    assert relative_error(dA, numerical_gradient(L, A)) < 1e-6


def test_dropout_same_generator_same_mask_and_dtype(rng):
    A = rng.normal(size=(30, 20)).astype(np.float32)
    first = Dropout(0.3, np.random.default_rng(5)).forward(A, out=np.empty_like(A))
    second = Dropout(0.3, np.random.default_rng(5)).forward(A, out=np.empty_like(A))
    other = Dropout(0.3, np.random.default_rng(6)).forward(A, out=np.empty_like(A))
    assert first.dtype == np.float32
    assert_array_equal(first, second)
    assert not np.array_equal(first, other)
