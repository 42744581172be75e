"""Output heads: value against the formula, dZ against finite differences, stability."""

import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.losses import HEADS, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

from ._numgrad import numerical_gradient, relative_error

ALL_HEADS = [SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy]
seeds = st.integers(0, 2**32 - 1)


def make_batch(rng, head, n, k, weighted, scale=3.0):
    Z = rng.normal(scale=scale, size=(n, k))
    if head is SoftmaxCrossEntropy:
        Y = np.eye(k)[rng.integers(0, k, n)]
    else:
        Y = rng.integers(0, 2, (n, k)).astype(np.float64)
    w = rng.uniform(0.1, 3.0, n) if weighted else None
    return Z, Y, w


def reference_loss(head, Z, Y, w):
    """sum_i w_i l_i / sum_i w_i, l_i from scipy's log_softmax / log_expit."""
    if head is SoftmaxCrossEntropy:
        per_sample = -(Y * scipy.special.log_softmax(Z, axis=1)).sum(axis=1)
    else:
        log_p = scipy.special.log_expit(Z)
        log_q = scipy.special.log_expit(-Z)
        per_sample = -(Y * log_p + (1 - Y) * log_q).sum(axis=1)
    w = np.ones(Z.shape[0]) if w is None else w
    return float(w @ per_sample / w.sum())


def reference_dZ(head, Z, Y, w):
    if head is SoftmaxCrossEntropy:
        P = scipy.special.softmax(Z, axis=1)
    else:
        P = scipy.special.expit(Z)
    w = np.ones(Z.shape[0]) if w is None else w
    return (P - Y) * (w / w.sum())[:, None]


def test_registry():
    assert HEADS == {
        "softmax": SoftmaxCrossEntropy,
        "logistic": SigmoidBinaryCrossEntropy,
    }


@pytest.mark.parametrize("head", ALL_HEADS, ids=lambda h: h.__name__)
@given(n=st.integers(1, 8), k=st.integers(1, 5), weighted=st.booleans(), seed=seeds)
def test_value_and_grad_against_formula_and_finite_differences(
    head, n, k, weighted, seed
):
    if head is SoftmaxCrossEntropy:
        k = max(k, 2)
    Z, Y, w = make_batch(np.random.default_rng(seed), head, n, k, weighted)
    loss, dZ = head.value_and_grad(Z.copy(), Y, w)
    assert loss == pytest.approx(reference_loss(head, Z, Y, w), rel=1e-12)
    assert loss == pytest.approx(head.value(Z, Y, w), rel=1e-14)
    assert_allclose(dZ, reference_dZ(head, Z, Y, w), rtol=1e-12, atol=1e-16)
    numerical = numerical_gradient(lambda: head.value_and_grad(Z, Y, w)[0], Z)
    assert relative_error(dZ, numerical) < 1e-6


@pytest.mark.parametrize("head", ALL_HEADS, ids=lambda h: h.__name__)
def test_value_and_grad_does_not_modify_its_inputs(head, rng):
    Z, Y, w = make_batch(rng, head, 5, 3, weighted=True)
    copies = Z.copy(), Y.copy(), w.copy()
    head.value_and_grad(Z, Y, w)
    head.value(Z, Y, w)
    for array, copy in zip((Z, Y, w), copies, strict=True):
        assert_array_equal(array, copy)


@pytest.mark.parametrize("head", ALL_HEADS, ids=lambda h: h.__name__)
def test_sample_weight_none_ones_and_repeated_rows(head, rng):
    Z, Y, _ = make_batch(rng, head, 6, 3, weighted=False)
    loss, dZ = head.value_and_grad(Z, Y, None)
    loss1, dZ1 = head.value_and_grad(Z, Y, np.ones(6))
    assert loss1 == pytest.approx(loss, rel=1e-14)
    assert_allclose(dZ1, dZ, rtol=1e-14)
    # integer weights are repeated rows: same loss, and per-row gradients add up
    counts = np.array([1, 3, 0, 2, 1, 4])
    rows = np.repeat(np.arange(6), counts)
    loss_w, dZ_w = head.value_and_grad(Z, Y, counts.astype(float))
    loss_r, dZ_r = head.value_and_grad(Z[rows], Y[rows], None)
    assert loss_w == pytest.approx(loss_r, rel=1e-13)
    summed = np.zeros_like(dZ_w)
    np.add.at(summed, rows, dZ_r)
    assert_allclose(dZ_w, summed, rtol=1e-12, atol=1e-17)
    # scaling every weight leaves loss and gradient alone
    loss_s, dZ_s = head.value_and_grad(Z, Y, 7.5 * counts.astype(float))
    assert loss_s == pytest.approx(loss_w, rel=1e-13)
    assert_allclose(dZ_s, dZ_w, rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("head", ALL_HEADS, ids=lambda h: h.__name__)
def test_boolean_targets_equal_float_targets(head, dtype, rng):
    # the estimators encode Y as booleans (8x less memory than float64)
    Z, Y, w = make_batch(rng, head, 6, 3, weighted=True)
    Z, w = Z.astype(dtype), w.astype(dtype)
    loss, dZ = head.value_and_grad(Z, Y.astype(dtype), w)
    loss_b, dZ_b = head.value_and_grad(Z, Y.astype(bool), w)
    assert loss_b == loss
    assert head.value(Z, Y.astype(bool), w) == loss
    assert dZ_b.dtype == dtype
    assert_array_equal(dZ_b, dZ)


def test_softmax_loss_is_shift_invariant(rng):
    Z, Y, w = make_batch(rng, SoftmaxCrossEntropy, 5, 4, weighted=True)
    shift = rng.normal(scale=100, size=(5, 1))
    loss, dZ = SoftmaxCrossEntropy.value_and_grad(Z, Y, w)
    loss_s, dZ_s = SoftmaxCrossEntropy.value_and_grad(Z + shift, Y, w)
    assert loss_s == pytest.approx(loss, rel=1e-10)
    assert_allclose(dZ_s, dZ, rtol=1e-9, atol=1e-15)
    assert_allclose(dZ.sum(axis=1), 0.0, atol=1e-15)  # rows of P - Y sum to 0


@given(n=st.integers(1, 8), k=st.integers(2, 5), seed=seeds)
def test_probabilities_are_consistent(n, k, seed):
    Z = np.random.default_rng(seed).normal(scale=5, size=(n, k))
    P = SoftmaxCrossEntropy.proba(Z)
    assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    assert_allclose(P, np.exp(SoftmaxCrossEntropy.log_proba(Z)), rtol=1e-15)
    assert_allclose(P, scipy.special.softmax(Z, axis=1), rtol=1e-13)
    on = SigmoidBinaryCrossEntropy.log_proba(Z)
    off = SigmoidBinaryCrossEntropy.log_proba_off(Z)
    assert_allclose(np.exp(on) + np.exp(off), 1.0, rtol=1e-14)
    assert_allclose(
        SigmoidBinaryCrossEntropy.proba(Z), scipy.special.expit(Z), rtol=1e-13
    )


# --------------------------------------------------------------- stability


def extreme_logits(rng, n, k, dtype):
    values = np.array([1e4, -1e4, 3e3, -3e3, 800.0, -800.0, 100.0, -100.0, 0.0])
    Z = rng.choice(values, size=(n, k))
    Z[0] = [1e4, -1e4] + [0.0] * (k - 2)  # one certain row, whichever label it has
    return Z.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("head", ALL_HEADS, ids=lambda h: h.__name__)
@pytest.mark.parametrize("weighted", [False, True])
def test_huge_logits_stay_finite_and_correct(head, dtype, weighted, rng):
    n, k = 12, 3
    Z = extreme_logits(rng, n, k, dtype)
    _, Y, w = make_batch(rng, head, n, k, weighted)
    Y = Y.astype(dtype)
    w = None if w is None else w.astype(dtype)
    # Underflow is not trapped: exp(-2e4) -> 0 is the intended, exact-enough
    # result of the log-sum-exp shift. Overflow, 0/0, log(0) must not happen.
    with (
        warnings.catch_warnings(),
        np.errstate(over="raise", divide="raise", invalid="raise"),
    ):
        warnings.simplefilter("error")
        loss, dZ = head.value_and_grad(Z, Y, w)
        value = head.value(Z, Y, w)
        log_P = head.log_proba(Z)
        P = head.proba(Z)
        log_off = getattr(head, "log_proba_off", head.log_proba)(Z)

    Z64 = Z.astype(np.float64)
    w64 = None if w is None else w.astype(np.float64)
    expected = reference_loss(head, Z64, Y.astype(np.float64), w64)
    assert np.isfinite(loss) and np.isfinite(value)
    assert loss == pytest.approx(expected, rel=1e-6)
    assert value == pytest.approx(expected, rel=1e-6)
    assert dZ.dtype == dtype and np.isfinite(dZ).all()
    assert_allclose(dZ, reference_dZ(head, Z64, Y.astype(np.float64), w64), atol=1e-6)
    for L in (log_P, log_off):
        assert L.dtype == dtype
        assert np.isfinite(L).all()  # never -inf
        assert (L <= 0).all()
    assert P.dtype == dtype
    assert ((P > 0) & (P < 1)).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_certain_predictions_cost_nothing_and_wrong_ones_cost_the_margin(dtype):
    Z = np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=dtype)
    Y = np.array([[1, 0], [1, 0]], dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, dZ = SoftmaxCrossEntropy.value_and_grad(Z, Y)
        bce = SigmoidBinaryCrossEntropy.value(Z[:, :1], Y[:, :1])
    # row 0: log-loss 0; row 1: log-loss 2e4; mean over 2 rows
    assert loss == pytest.approx(1e4, rel=1e-6)
    assert_allclose(dZ, [[0, 0], [-0.5, 0.5]], atol=1e-7)
    assert bce == pytest.approx(0.5e4, rel=1e-6)
