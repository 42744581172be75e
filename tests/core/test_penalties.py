"""Penalties on every backend: value against the formula, add_grad against
the formula and finite differences; the ranges the compiled update reads."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.backends import BLOCK_SIZE
from skmlp._core.penalties import ElasticNet

from ._numgrad import numerical_gradient, relative_error

seeds = st.integers(0, 2**32 - 1)
alphas = st.floats(1e-4, 100.0)


def weights_away_from_zero(rng, size):
    # |W| is not differentiable at 0: every weight at least 1e-3 from it
    W = rng.normal(size=size)
    W[np.abs(W) < 1e-3] = np.copysign(1e-3, W[np.abs(W) < 1e-3])
    return W


def formula(W, alpha, l1_ratio, B):
    return (
        alpha * (l1_ratio * np.abs(W).sum() + (1 - l1_ratio) * 0.5 * (W**2).sum()) / B
    )


PENALTIES = {
    "l2": lambda alpha, r, backend: (ElasticNet(alpha, 0.0, backend=backend), 0.0),
    "l1": lambda alpha, r, backend: (ElasticNet(alpha, 1.0, backend=backend), 1.0),
    "elasticnet": lambda alpha, r, backend: (ElasticNet(alpha, r, backend=backend), r),
}


@pytest.mark.parametrize("kind", sorted(PENALTIES))
@given(
    size=st.integers(1, 30),
    alpha=alphas,
    l1_ratio=st.floats(0.0, 1.0),
    B=st.floats(0.5, 100.0),
    seed=seeds,
)
def test_value_and_gradient(backend, kind, size, alpha, l1_ratio, B, seed):
    rng = np.random.default_rng(seed)
    penalty, l1_ratio = PENALTIES[kind](alpha, l1_ratio, backend)
    W = weights_away_from_zero(rng, size)
    assert penalty.value(W, B) == pytest.approx(
        formula(W, alpha, l1_ratio, B), rel=1e-12
    )

    start = rng.normal(size=size)  # add_grad accumulates onto what is there
    dW = start.copy()
    assert penalty.add_grad(W, dW, B) is dW
    numerical = numerical_gradient(lambda: formula(W, alpha, l1_ratio, B), W)
    assert relative_error(dW - start, numerical) < 1e-6
    expected = alpha * (l1_ratio * np.sign(W) + (1 - l1_ratio) * W) / B
    assert_allclose(dW - start, expected, rtol=1e-9, atol=1e-15)


def test_l1_ratio_default_is_pure_l2(backend, rng):
    W, B = weights_away_from_zero(rng, 10), 7.0
    default = ElasticNet(0.3, backend=backend)
    assert default.l1_ratio == 0.0
    assert default.value(W, B) == pytest.approx(0.3 * 0.5 * (W @ W) / B, rel=1e-14)
    dW = np.zeros(10)
    default.add_grad(W, dW, B)
    assert_allclose(dW, 0.3 * W / B, rtol=1e-14)


@pytest.mark.parametrize("per_matrix", [False, True])
def test_zero_alpha_adds_nothing(backend, per_matrix, rng):
    W = rng.normal(size=8)
    dW = rng.normal(size=8)
    before = dW.copy()
    for l1_ratio in (0.0, 0.5, 1.0):
        if per_matrix:
            penalty = ElasticNet([0.0, 0.0], l1_ratio, [3, 5], backend)
        else:
            penalty = ElasticNet(0.0, l1_ratio, backend=backend)
        assert penalty.value(W, 3.0) == 0.0
        assert penalty.add_grad(W, dW, 3.0) is dW
        assert_array_equal(dW, before)
    # the smallest strength is not zero
    assert ElasticNet(1e-12, 0.5, backend=backend).value(W, 3.0) > 0


def test_penalty_is_divided_by_B(backend, rng):
    W = rng.normal(size=6)
    penalty = ElasticNet(2.0, 0.4, backend=backend)
    assert penalty.value(W, 10.0) == pytest.approx(
        formula(W, 2.0, 0.4, 10.0), rel=1e-14
    )
    dW = np.zeros(6)
    penalty.add_grad(W, dW, 10.0)
    assert_allclose(dW, 2.0 * (0.4 * np.sign(W) + 0.6 * W) / 10.0, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_add_grad_in_place_keeps_dtype(backend, dtype, l1_ratio, rng):
    # the network hands the penalty views into its flat vectors: the update
    # must land in those very arrays (the BLAS axpy path writes in place)
    params = rng.normal(size=20).astype(dtype)
    grads = np.zeros(20, dtype=dtype)
    W, dW = params[:12], grads[:12]
    penalty = ElasticNet(0.7, l1_ratio, backend=backend)
    penalty.add_grad(W, dW, 4.0)
    expected = (
        0.7 * (l1_ratio * np.sign(W) + (1 - l1_ratio) * W.astype(np.float64)) / 4.0
    )
    assert grads.dtype == dtype
    assert_allclose(grads[:12], expected, rtol=1e-6 if dtype == np.float32 else 1e-14)
    assert_array_equal(grads[12:], 0.0)
    assert isinstance(penalty.value(W, 4.0), float)


@given(
    sizes=st.lists(st.integers(1, 12), min_size=1, max_size=4),
    l1_ratio=st.floats(0.0, 1.0),
    data=st.data(),
)
def test_one_strength_per_weight_matrix(backend, sizes, l1_ratio, data):
    strengths = st.sampled_from([0.0]) | alphas
    per_matrix = data.draw(
        st.lists(strengths, min_size=len(sizes), max_size=len(sizes))
    )
    rng = np.random.default_rng(data.draw(seeds))
    W, B = weights_away_from_zero(rng, sum(sizes)), 3.0
    penalty = ElasticNet(per_matrix, l1_ratio, layer_sizes=sizes, backend=backend)
    bounds = np.cumsum([0, *sizes])
    parts = [W[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    expected = sum(
        formula(Wl, a, l1_ratio, B) for Wl, a in zip(parts, per_matrix, strict=True)
    )
    assert penalty.value(W, B) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    dW = np.zeros_like(W)
    penalty.add_grad(W, dW, B)
    for a, b, alpha in zip(bounds[:-1], bounds[1:], per_matrix, strict=True):
        Wl = W[a:b]
        grad = alpha * (l1_ratio * np.sign(Wl) + (1 - l1_ratio) * Wl) / B
        assert_allclose(dW[a:b], grad, rtol=1e-12, atol=1e-300)
    numerical = numerical_gradient(
        lambda: sum(
            formula(W[a:b], alpha, l1_ratio, B)
            for a, b, alpha in zip(bounds[:-1], bounds[1:], per_matrix, strict=True)
        ),
        W,
    )
    assert relative_error(dW, numerical) < 1e-6


def test_equal_strengths_per_matrix_equal_one_strength(backend, rng):
    W = weights_away_from_zero(rng, 12)
    same = ElasticNet([0.4, 0.4, 0.4], 0.3, layer_sizes=[3, 4, 5], backend=backend)
    one = ElasticNet(0.4, 0.3, backend=backend)
    expected = formula(W, 0.4, 0.3, 2.0)
    assert same.value(W, 2.0) == pytest.approx(expected, rel=1e-14)
    assert one.value(W, 2.0) == pytest.approx(expected, rel=1e-14)
    a, b = np.zeros(12), np.zeros(12)
    same.add_grad(W, a, 2.0)
    one.add_grad(W, b, 2.0)
    assert_allclose(a, 0.4 * (0.3 * np.sign(W) + 0.7 * W) / 2.0, rtol=1e-14)
    assert_allclose(b, a, rtol=1e-14)


def test_add_grad_over_more_than_one_block(backend, rng):
    # the NumPy backend adds the L2 term block by block through one scratch
    # buffer: weights spanning several blocks, and a float32 one after a
    # float64 one (the scratch buffer follows the dtype)
    n = 2 * BLOCK_SIZE + 5
    penalty = ElasticNet(
        [0.5, 2.0],
        0.25,
        layer_sizes=[BLOCK_SIZE + 1, n - BLOCK_SIZE - 1],
        backend=backend,
    )
    for dtype, rtol in ((np.float64, 1e-14), (np.float32, 1e-6)):
        W = rng.normal(size=n).astype(dtype)
        start = rng.normal(size=n).astype(dtype)
        dW = start.copy()
        penalty.add_grad(W, dW, 3.0)
        alpha = np.r_[np.full(BLOCK_SIZE + 1, 0.5), np.full(n - BLOCK_SIZE - 1, 2.0)]
        W64 = W.astype(np.float64)
        expected = alpha * (0.25 * np.sign(W64) + 0.75 * W64) / 3.0
        assert dW.dtype == dtype
        assert_allclose(dW - start.astype(np.float64), expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ranges_are_the_coefficients_of_the_gradient(dtype):
    # what NumbaBackend's update adds on [bounds[j], bounds[j + 1]):
    # l2[j] * W + l1[j] * sign(W), in the parameters' dtype; an unpenalised
    # layer (alpha 0) is left out, a gap before a later range is given 0s
    penalty = ElasticNet([0.0, 2.0, 0.5], 0.25, [5, 3, 4])
    bounds, l1, l2 = penalty.ranges(12, 10.0, dtype)
    assert bounds.dtype == np.int64 and l1.dtype == l2.dtype == dtype
    assert_array_equal(bounds, [0, 5, 8, 12])
    assert_array_equal(l1, np.array([0, 2.0 * 0.25 / 10, 0.5 * 0.25 / 10], dtype))
    assert_array_equal(l2, np.array([0, 2.0 * 0.75 / 10, 0.5 * 0.75 / 10], dtype))
    # pure L2 has no L1 coefficient, pure L1 no L2 one
    bounds, l1, l2 = ElasticNet(3.0).ranges(7, 2.0, dtype)
    assert_array_equal(bounds, [0, 7])
    assert_array_equal(l1, [0])
    assert_array_equal(l2, np.array([1.5], dtype))
    bounds, l1, l2 = ElasticNet(3.0, 1.0).ranges(7, 2.0, dtype)
    assert_array_equal(l1, np.array([1.5], dtype))
    assert_array_equal(l2, [0])
    # kept while (n_weights, B, dtype) stay the same
    penalty = ElasticNet(1.0, 0.5)
    first = penalty.ranges(7, 2.0, dtype)
    assert penalty.ranges(7, 2.0, dtype) is first
    assert penalty.ranges(7, 4.0, dtype) is not first
    assert_array_equal(penalty.ranges(7, 4.0, dtype)[1], np.array([0.125], dtype))
