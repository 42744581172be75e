"""Output heads: value against the formula, dZ against finite differences,
class probabilities per kind of target, stability."""

import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.losses import (
    SigmoidBinaryCrossEntropy,
    SoftmaxCrossEntropy,
    batch_weight,
    make_head,
)

from ._numgrad import numerical_gradient, relative_error
from ._reference import head_dZ as reference_dZ
from ._reference import head_loss as reference_loss

# every head the estimators build; the three logistic ones share their loss
# and differ in their class probabilities
KINDS = ["binary", "labels", "ovr", "softmax"]
head_ids = pytest.mark.parametrize("kind", KINDS)
seeds = st.integers(0, 2**32 - 1)


def make(kind, backend):
    """The head of ``kind`` on ``backend``."""
    if kind == "softmax":
        return SoftmaxCrossEntropy(backend)
    return SigmoidBinaryCrossEntropy(kind, backend)


def value_and_grad(head, Z, Y, w, B):
    """head.value_and_grad with a fresh db; returns (loss, dZ, db)."""
    db = np.full(Z.shape[1], np.nan, dtype=Z.dtype)
    loss, dZ = head.value_and_grad(Z, Y, w, B, db)
    return loss, dZ, db


def n_units(kind, k):
    """The number of output units the head has for ``k`` drawn ones."""
    return {"softmax": max(k, 2), "binary": 1}.get(kind, k)


def make_batch(rng, kind, n, k, weighted, scale=3.0):
    k = n_units(kind, k)
    Z = rng.normal(scale=scale, size=(n, k))
    if kind == "softmax":
        Y = np.eye(k)[rng.integers(0, k, n)]
    else:
        Y = rng.integers(0, 2, (n, k)).astype(np.float64)
    w = rng.uniform(0.1, 3.0, n) if weighted else None
    return Z, Y, w


def B_of(Z, w):
    """B, the weight of a batch: its size, or its sample weights' sum."""
    return float(Z.shape[0]) if w is None else float(np.sum(w))


def reference_proba(kind, Z):
    """The class probabilities, in probability space (fine for moderate Z)."""
    if kind == "softmax":
        return scipy.special.softmax(Z, axis=1)
    p = scipy.special.expit(Z)
    if kind == "binary":
        return np.hstack([scipy.special.expit(-Z), p])  # 1 - p, without cancelling
    if kind == "ovr":
        return p / p.sum(axis=1, keepdims=True)
    return p


# ------------------------------------------------------- building a head


def test_batch_weight(backend):
    assert batch_weight(7, None, backend) == 7.0
    assert isinstance(batch_weight(7, None, backend), float)
    w = np.array([0.5, 2.0, 0.0], dtype=np.float32)
    assert batch_weight(3, w, backend) == 2.5
    assert isinstance(batch_weight(3, w, backend), float)


@pytest.mark.parametrize(
    "name, kind, normalise_ovr, expected",
    [
        ("softmax", "binary", False, None),
        ("softmax", "multiclass", False, None),
        ("softmax", "multiclass", True, None),
        ("softmax", "multilabel", False, None),
        ("logistic", "binary", False, "binary"),
        ("logistic", "binary", True, "binary"),
        ("logistic", "multilabel", False, "labels"),
        ("logistic", "multilabel", True, "labels"),
        ("logistic", "multiclass", False, "labels"),
        ("logistic", "multiclass", True, "ovr"),
    ],
)
def test_make_head_per_kind(backend, name, kind, normalise_ovr, expected):
    head = make_head(name, kind, normalise_ovr, backend)
    assert head.name == name
    assert head.backend is backend
    if expected is None:
        assert type(head) is SoftmaxCrossEntropy
    else:
        assert type(head) is SigmoidBinaryCrossEntropy
        assert head.columns == expected


def test_make_head_defaults_and_fresh_instances():
    assert type(make_head("softmax")) is SoftmaxCrossEntropy
    assert make_head("logistic").columns == "labels"  # multiclass, not normalised
    assert make_head("logistic", "binary") is not make_head("logistic", "binary")


def test_unknown_names_are_rejected():
    with pytest.raises(ValueError, match="'hinge'"):
        make_head("hinge", "binary")
    with pytest.raises(ValueError, match="'multiclass'"):
        SigmoidBinaryCrossEntropy("multiclass")
    assert SigmoidBinaryCrossEntropy().columns == "labels"


# ------------------------------------------------------ value and gradient


@head_ids
@given(n=st.integers(1, 8), k=st.integers(1, 5), weighted=st.booleans(), seed=seeds)
def test_value_and_grad_against_formula_and_finite_differences(
    backend, kind, n, k, weighted, seed
):
    head = make(kind, backend)
    Z, Y, w = make_batch(np.random.default_rng(seed), kind, n, k, weighted)
    B = B_of(Z, w)
    loss, dZ, db = value_and_grad(head, Z.copy(), Y, w, B)
    assert isinstance(loss, float)
    assert loss == pytest.approx(reference_loss(kind, Z, Y, w), rel=1e-12)
    assert head.value(Z, Y, w, B) == pytest.approx(
        reference_loss(kind, Z, Y, w), rel=1e-12
    )
    expected = reference_dZ(kind, Z, Y, w)
    assert_allclose(dZ, expected, rtol=1e-12, atol=1e-16)
    # db, the output layer's intercept gradient: the sum of dZ's rows
    assert_allclose(db, expected.sum(axis=0), rtol=1e-11, atol=1e-15)
    numerical = numerical_gradient(lambda: reference_loss(kind, Z, Y, w), Z)
    assert relative_error(dZ, numerical) < 1e-6


@head_ids
def test_the_given_B_divides_value_and_gradient(backend, kind, rng):
    # the caller computes B once per batch; the head divides by it as given
    head = make(kind, backend)
    Z, Y, w = make_batch(rng, kind, 6, 3, weighted=True)
    B = B_of(Z, w)
    loss3, dZ3, db3 = value_and_grad(head, Z, Y, w, 3 * B)
    assert loss3 == pytest.approx(reference_loss(kind, Z, Y, w) / 3, rel=1e-13)
    assert head.value(Z, Y, w, 3 * B) == pytest.approx(loss3, rel=1e-14)
    assert_allclose(dZ3, reference_dZ(kind, Z, Y, w) / 3, rtol=1e-13)
    assert_allclose(db3, reference_dZ(kind, Z, Y, w).sum(axis=0) / 3, rtol=1e-12)


@head_ids
def test_value_and_grad_does_not_modify_its_inputs(backend, kind, rng):
    head = make(kind, backend)
    Z, Y, w = make_batch(rng, kind, 5, 3, weighted=True)
    copies = Z.copy(), Y.copy(), w.copy()
    value_and_grad(head, Z, Y, w, B_of(Z, w))
    head.value(Z, Y, w, B_of(Z, w))
    head.log_proba(Z)
    head.proba(Z)
    for array, copy in zip((Z, Y, w), copies, strict=True):
        assert_array_equal(array, copy)


@head_ids
def test_sample_weights_scale_each_row(backend, kind, rng):
    # dZ_i = (P_i - Y_i) w_i / B: row by row, the unweighted rows times w_i
    head = make(kind, backend)
    Z, Y, _ = make_batch(rng, kind, 6, 3, weighted=False)
    w = np.array([0.5, 2.0, 0.0, 1.0, 3.0, 0.25])
    loss, dZ, db = value_and_grad(head, Z, Y, w, w.sum())
    expected = reference_dZ(kind, Z, Y, w)
    assert_allclose(dZ, expected, rtol=1e-13, atol=1e-17)
    assert_array_equal(dZ[2], 0.0)  # a row of weight 0 adds nothing
    assert_allclose(db, expected.sum(axis=0), rtol=1e-12, atol=1e-17)
    assert loss == pytest.approx(reference_loss(kind, Z, Y, w), rel=1e-13)


@head_ids
def test_sample_weight_none_ones_and_repeated_rows(backend, kind, rng):
    head = make(kind, backend)
    Z, Y, _ = make_batch(rng, kind, 6, 3, weighted=False)
    loss, dZ, _ = value_and_grad(head, Z, Y, None, 6.0)
    assert loss == pytest.approx(reference_loss(kind, Z, Y, None), rel=1e-13)
    assert_allclose(dZ, reference_dZ(kind, Z, Y, None), rtol=1e-13, atol=1e-17)
    loss1, dZ1, _ = value_and_grad(head, Z, Y, np.ones(6), 6.0)
    assert loss1 == pytest.approx(loss, rel=1e-14)
    assert_allclose(dZ1, dZ, rtol=1e-14)
    # integer weights are repeated rows: the same loss as the repeated batch,
    # and each row's gradient the sum of its copies'
    counts = np.array([1, 3, 0, 2, 1, 4])
    rows = np.repeat(np.arange(6), counts)
    loss_w, dZ_w, _ = value_and_grad(head, Z, Y, counts.astype(float), 11.0)
    assert loss_w == pytest.approx(reference_loss(kind, Z[rows], Y[rows]), rel=1e-13)
    summed = np.zeros_like(dZ_w)
    np.add.at(summed, rows, reference_dZ(kind, Z[rows], Y[rows]))
    assert_allclose(dZ_w, summed, rtol=1e-12, atol=1e-17)
    # scaling every weight (and so B) leaves loss and gradient alone
    scaled = 7.5 * counts.astype(float)
    loss_s, dZ_s, _ = value_and_grad(head, Z, Y, scaled, B_of(Z, scaled))
    assert loss_s == pytest.approx(loss_w, rel=1e-13)
    assert_allclose(dZ_s, dZ_w, rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@head_ids
def test_targets_in_the_backends_dtype_equal_float_targets(backend, kind, dtype, rng):
    # the estimators encode Y in backend.target_dtype (booleans on NumPy: 8x
    # less memory than float64)
    head = make(kind, backend)
    Z, Y, w = make_batch(rng, kind, 6, 3, weighted=True)
    Z, w = Z.astype(dtype), w.astype(dtype)
    B = B_of(Z, w)
    Y_encoded = Y.astype(backend.target_dtype(dtype))
    loss, dZ, db = value_and_grad(head, Z, Y.astype(dtype), w, B)
    loss_b, dZ_b, db_b = value_and_grad(head, Z, Y_encoded, w, B)
    assert loss_b == loss
    assert dZ_b.dtype == db_b.dtype == dtype
    assert_array_equal(dZ_b, dZ)
    assert_array_equal(db_b, db)
    rel = 1e-5 if dtype == np.float32 else 1e-13
    expected = reference_loss(kind, Z.astype(float), Y, w.astype(float))
    assert loss_b == pytest.approx(expected, rel=rel)
    assert head.value(Z, Y_encoded, w, B) == pytest.approx(expected, rel=rel)


def test_softmax_loss_is_shift_invariant(backend, rng):
    head = make("softmax", backend)
    Z, Y, w = make_batch(rng, "softmax", 5, 4, weighted=True)
    shift = rng.normal(scale=100, size=(5, 1))
    B = B_of(Z, w)
    loss_s, dZ_s, _ = value_and_grad(head, Z + shift, Y, w, B)
    assert loss_s == pytest.approx(reference_loss("softmax", Z, Y, w), rel=1e-10)
    assert_allclose(dZ_s, reference_dZ("softmax", Z, Y, w), rtol=1e-9, atol=1e-15)
    assert_allclose(dZ_s.sum(axis=1), 0.0, atol=1e-15)  # rows of P - Y sum to 0
    assert_allclose(
        head.log_proba(Z + shift), scipy.special.log_softmax(Z, axis=1), atol=1e-12
    )


# ------------------------------------------------------- class probabilities


@head_ids
@given(n=st.integers(1, 8), k=st.integers(1, 5), seed=seeds)
def test_probabilities_match_the_reference(backend, kind, n, k, seed):
    head = make(kind, backend)
    Z = np.random.default_rng(seed).normal(scale=5, size=(n, n_units(kind, k)))
    P, log_P = head.proba(Z), head.log_proba(Z)
    n_columns = 2 if kind == "binary" else Z.shape[1]
    assert P.shape == log_P.shape == (n, n_columns)
    expected = reference_proba(kind, Z)
    assert_allclose(P, expected, rtol=1e-13, atol=1e-300)
    # log P clipped to [log(tiny), log(1 - eps)]: probabilities strictly in (0, 1)
    info = np.finfo(np.float64)
    expected_log_P = np.clip(
        reference_log_proba(kind, Z), np.log(info.tiny), np.log1p(-info.eps)
    )
    assert_allclose(log_P, expected_log_P, rtol=1e-13, atol=1e-300)
    if kind != "labels":  # one class per sample: the rows sum to 1
        assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    assert ((P > 0) & (P < 1)).all()


def reference_log_proba(kind, Z):
    """log of :func:`reference_proba`, from SciPy's log_softmax and log_expit."""
    if kind == "softmax":
        return scipy.special.log_softmax(Z, axis=1)
    log_p = scipy.special.log_expit(Z)
    if kind == "binary":
        return np.hstack([scipy.special.log_expit(-Z), log_p])
    if kind == "ovr":
        return scipy.special.log_softmax(log_p, axis=1)
    return log_p


def test_binary_columns_are_the_two_classes(backend):
    Z = np.array([[-2.0], [0.0], [3.0]])
    p = 1 / (1 + np.exp(-Z[:, 0]))
    head = make("binary", backend)
    assert_allclose(head.proba(Z), np.c_[1 - p, p], rtol=1e-14)
    assert_allclose(
        head.log_proba(Z),
        np.c_[scipy.special.log_expit(-Z[:, 0]), scipy.special.log_expit(Z[:, 0])],
        rtol=1e-14,
    )


def test_ovr_normalises_the_units_in_log_space(backend):
    # log P_k = log p_k - logsumexp_j log p_j, even where every p_j underflows
    Z = np.array([[-800.0, -801.0, -1e4], [0.0, 0.0, 0.0]])
    log_P = make("ovr", backend).log_proba(Z)
    # log p_k = z_k to double precision for z_k << 0
    expected_first = scipy.special.log_softmax([-800.0, -801.0, -1e4])
    expected_first[2] = np.log(np.finfo(float).tiny)  # clipped
    assert_allclose(log_P[0], expected_first, rtol=1e-12)
    assert_allclose(log_P[1], np.full(3, -np.log(3)), rtol=1e-14)


@pytest.mark.parametrize("dtype, scale", [(np.float32, 100.0), (np.float64, 1e3)])
def test_ovr_rows_sum_to_one_to_working_precision(backend, dtype, scale, rng):
    # softmax rows sum to 1 within 2 eps for any logits (shift by the row
    # maximum first); the one-vs-rest normalisation is the same operation on
    # log p and must do as well. Logits of -100 are ordinary for float32.
    Z = (rng.normal(size=(200, 4)) - scale).astype(dtype)
    eps = np.finfo(dtype).eps
    softmax_rows = make("softmax", backend).proba(Z).sum(axis=1)
    assert np.abs(softmax_rows - 1).max() <= 4 * eps
    ovr_rows = make("ovr", backend).proba(Z).sum(axis=1)
    assert np.abs(ovr_rows - 1).max() <= 4 * eps


# --------------------------------------------------------------- stability


def extreme_logits(rng, n, k, dtype):
    values = np.array([1e4, -1e4, 3e3, -3e3, 800.0, -800.0, 100.0, -100.0, 0.0])
    Z = rng.choice(values, size=(n, k))
    Z[0] = [1e4, -1e4, 0.0][:k]  # one certain row, whichever label it has
    return Z.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@head_ids
@pytest.mark.parametrize("weighted", [False, True])
def test_huge_logits_stay_finite_and_correct(backend, kind, dtype, weighted, rng):
    head = make(kind, backend)
    n = 12
    k = n_units(kind, 3)
    Z = extreme_logits(rng, n, k, dtype)
    _, Y, w = make_batch(rng, kind, n, k, weighted)
    Y = Y.astype(dtype)
    w = None if w is None else w.astype(dtype)
    B = B_of(Z, w)
    # Underflow is not trapped: exp(-2e4) -> 0 is the intended, exact-enough
    # result of the log-sum-exp shift. Overflow, 0/0, log(0) must not happen.
    with (
        warnings.catch_warnings(),
        np.errstate(over="raise", divide="raise", invalid="raise"),
    ):
        warnings.simplefilter("error")
        loss, dZ, db = value_and_grad(head, Z, Y, w, B)
        value = head.value(Z, Y, w, B)
        log_P = head.log_proba(Z)
        P = head.proba(Z)

    Z64 = Z.astype(np.float64)
    w64 = None if w is None else w.astype(np.float64)
    expected = reference_loss(kind, Z64, Y.astype(np.float64), w64)
    assert np.isfinite(loss) and np.isfinite(value)
    assert loss == pytest.approx(expected, rel=1e-6)
    assert value == pytest.approx(expected, rel=1e-6)
    assert dZ.dtype == db.dtype == dtype and np.isfinite(dZ).all()
    expected_dZ = reference_dZ(kind, Z64, Y.astype(np.float64), w64)
    assert_allclose(dZ, expected_dZ, atol=1e-6)
    assert_allclose(db, expected_dZ.sum(axis=0), atol=1e-5)
    # class probabilities strictly inside (0, 1): log P in [log(tiny), log(1 - eps)]
    info = np.finfo(dtype)
    low, high = np.log(info.tiny), np.log1p(-info.eps)
    assert log_P.dtype == P.dtype == dtype
    assert np.isfinite(log_P).all()  # never -inf
    assert (log_P >= low).all()
    assert (log_P <= high).all()
    assert ((P > 0) & (P < 1)).all()
    expected_log_P = np.clip(reference_log_proba(kind, Z64), low, high)
    assert_allclose(log_P, expected_log_P, rtol=1e-6, atol=1e-6)
    assert_allclose(P, np.exp(expected_log_P), rtol=1e-6, atol=1e-30)
    # the certain row: p = 1 - eps and p = tiny where the units are certain
    certain = {"binary": [0, 1], "labels": [1, 0, 0.5], "ovr": [2 / 3, 0, 1 / 3]}
    assert_allclose(P[0], certain.get(kind, [1, 0, 0]), atol=2 * info.eps)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@head_ids
def test_huge_logits_do_not_overflow(backend, kind, dtype, rng):
    head = make(kind, backend)
    Z = extreme_logits(rng, 12, n_units(kind, 3), dtype)
    _, Y, w = make_batch(rng, kind, 12, Z.shape[1], True)
    Y, w = Y.astype(dtype), w.astype(dtype)
    with np.errstate(over="raise"):
        value_and_grad(head, Z, Y, w, B_of(Z, w))
        head.value(Z, Y, w, B_of(Z, w))
        head.proba(Z)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_certain_predictions_cost_nothing_and_wrong_ones_cost_the_margin(
    backend, dtype
):
    Z = np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=dtype)
    Y = np.array([[1, 0], [1, 0]], dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, dZ, db = value_and_grad(make("softmax", backend), Z, Y, None, 2.0)
        bce = make("binary", backend).value(Z[:, :1], Y[:, :1], None, 2.0)
    # row 0: log-loss 0; row 1: log-loss 2e4; mean over 2 rows
    assert loss == pytest.approx(1e4, rel=1e-6)
    assert_allclose(dZ, [[0, 0], [-0.5, 0.5]], atol=1e-7)
    assert_allclose(db, [-0.5, 0.5], atol=1e-7)
    assert bce == pytest.approx(0.5e4, rel=1e-6)


@given(
    seed=seeds,
    n=st.integers(1, 300),
    k=st.integers(1, 12),
    weighted=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float32]),
)
@head_ids
def test_db_is_the_row_sum_of_dZ_to_the_bit(backend, kind, seed, n, k, weighted, dtype):
    # the output layer's intercept gradient, filled by the head in its pass
    # over dZ: exactly sum(dZ, axis=0) of the dZ it returns
    rng = np.random.default_rng(seed)
    Z, Y, w = make_batch(rng, kind, n, k, weighted)
    Z, w = Z.astype(dtype), None if w is None else w.astype(dtype)
    Z[:, 0] = -30.0  # P tiny in the first column
    head = make(kind, backend)
    Y = Y.astype(backend.target_dtype(dtype))
    with np.errstate(under="ignore"):
        loss, dZ, db = value_and_grad(head, Z, Y, w, B_of(Z, w))
    expected = np.sum(dZ, axis=0)
    assert db.dtype == dtype
    assert_array_equal(db.view(np.uint8), expected.view(np.uint8))
    Z64, Y64 = Z.astype(np.float64), Y.astype(np.float64)
    w64 = None if w is None else w.astype(np.float64)
    rtol, atol = (1e-4, 1e-6) if dtype == np.float32 else (1e-11, 1e-15)
    assert_allclose(dZ, reference_dZ(kind, Z64, Y64, w64), rtol=rtol, atol=atol)
    expected_loss = reference_loss(kind, Z64, Y64, w64)
    assert loss == pytest.approx(expected_loss, rel=rtol, abs=atol)
