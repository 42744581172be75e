"""Penalties: value against the formula, add_grad against finite differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

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
    "l2": lambda alpha, r: (ElasticNet(alpha, 0.0), 0.0),
    "l1": lambda alpha, r: (ElasticNet(alpha, 1.0), 1.0),
    "elasticnet": lambda alpha, r: (ElasticNet(alpha, r), r),
}


@pytest.mark.parametrize("kind", sorted(PENALTIES))
@given(
    size=st.integers(1, 30),
    alpha=alphas,
    l1_ratio=st.floats(0.0, 1.0),
    B=st.floats(0.5, 100.0),
    seed=seeds,
)
def test_value_and_gradient(kind, size, alpha, l1_ratio, B, seed):
    rng = np.random.default_rng(seed)
    penalty, l1_ratio = PENALTIES[kind](alpha, l1_ratio)
    W = weights_away_from_zero(rng, size)
    assert penalty.value(W, B) == pytest.approx(
        formula(W, alpha, l1_ratio, B), rel=1e-12
    )

    start = rng.normal(size=size)  # add_grad accumulates onto what is there
    dW = start.copy()
    assert penalty.add_grad(W, dW, B) is dW
    numerical = numerical_gradient(lambda: penalty.value(W, B), W)
    assert relative_error(dW - start, numerical) < 1e-6
    expected = alpha * (l1_ratio * np.sign(W) + (1 - l1_ratio) * W) / B
    assert_allclose(dW - start, expected, rtol=1e-9, atol=1e-15)


def test_l1_ratio_default_is_pure_l2(rng):
    W, B = weights_away_from_zero(rng, 10), 7.0
    default, l2 = ElasticNet(0.3), ElasticNet(0.3, 0.0)
    assert default.l1_ratio == 0.0
    assert (
        default.value(W, B)
        == l2.value(W, B)
        == pytest.approx(0.3 * 0.5 * (W @ W) / B, rel=1e-14)
    )
    a, b = np.zeros(10), np.zeros(10)
    default.add_grad(W, a, B)
    l2.add_grad(W, b, B)
    assert_array_equal(a, b)


@pytest.mark.parametrize("per_matrix", [False, True])
def test_zero_alpha_adds_nothing(per_matrix, rng):
    W = rng.normal(size=8)
    dW = rng.normal(size=8)
    before = dW.copy()
    for l1_ratio in (0.0, 0.5, 1.0):
        if per_matrix:
            penalty = ElasticNet([0.0, 0.0], l1_ratio, layer_sizes=[3, 5])
        else:
            penalty = ElasticNet(0.0, l1_ratio)
        assert penalty.value(W, 3.0) == 0.0
        assert penalty.add_grad(W, dW, 3.0) is dW
        assert_array_equal(dW, before)
    # the smallest strength is not zero
    assert ElasticNet(1e-12, 0.5).value(W, 3.0) > 0


def test_penalty_is_divided_by_B(rng):
    W = rng.normal(size=6)
    penalty = ElasticNet(2.0, 0.4)
    assert penalty.value(W, 10.0) == pytest.approx(
        penalty.value(W, 1.0) / 10, rel=1e-14
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_add_grad_in_place_keeps_dtype(dtype, l1_ratio, rng):
    # the network hands the penalty views into its flat vectors: the update
    # must land in those very arrays (the BLAS axpy path writes in place)
    params = rng.normal(size=20).astype(dtype)
    grads = np.zeros(20, dtype=dtype)
    W, dW = params[:12], grads[:12]
    penalty = ElasticNet(0.7, l1_ratio)
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
def test_one_strength_per_weight_matrix(sizes, l1_ratio, data):
    strengths = st.sampled_from([0.0]) | alphas
    per_matrix = data.draw(
        st.lists(strengths, min_size=len(sizes), max_size=len(sizes))
    )
    rng = np.random.default_rng(data.draw(seeds))
    W, B = weights_away_from_zero(rng, sum(sizes)), 3.0
    penalty = ElasticNet(per_matrix, l1_ratio, layer_sizes=sizes)
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
    numerical = numerical_gradient(lambda: penalty.value(W, B), W)
    assert relative_error(dW, numerical) < 1e-6


def test_equal_strengths_per_matrix_equal_one_strength(rng):
    W = weights_away_from_zero(rng, 12)
    same = ElasticNet([0.4, 0.4, 0.4], 0.3, layer_sizes=[3, 4, 5])
    one = ElasticNet(0.4, 0.3)
    assert same.value(W, 2.0) == pytest.approx(one.value(W, 2.0), rel=1e-14)
    a, b = np.zeros(12), np.zeros(12)
    same.add_grad(W, a, 2.0)
    one.add_grad(W, b, 2.0)
    assert_allclose(a, b, rtol=1e-14)
