"""Regression heads: value against MLPRegressor's loss functions and the
formulas, dZ against finite differences and P - Y, predictions, weights; on
every backend (the ``backend`` fixture of conftest.py): NumPy's and numba's
compute MLPRegressor's values to the bit, the array API's the same formulas
to rounding."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.neural_network._base import poisson_loss, squared_loss

from skmlp._core.losses import batch_weight
from skmlp._core.regression import (
    OUTPUT_ACTIVATIONS,
    HalfPoissonDeviance,
    HalfSquaredError,
    make_regression_head,
)

from ._numgrad import numerical_gradient, relative_error

NAMES = ["exp", "identity"]
head_ids = pytest.mark.parametrize("name", NAMES)
seeds = st.integers(0, 2**32 - 1)


def make_batch(rng, name, n, k, weighted):
    Z = rng.normal(scale=1.5, size=(n, k))
    if name == "exp":
        Y = rng.poisson(2.0, size=(n, k)).astype(float)  # zeros included
    else:
        Y = rng.normal(scale=2.0, size=(n, k))
    w = rng.uniform(0.1, 3.0, n) if weighted else None
    return Z, Y, w


def mlpregressor_loss(name, Z, Y, w):
    """MLPRegressor's loss function, on its prediction."""
    if name == "exp":
        return poisson_loss(Y, np.exp(Z), sample_weight=w)
    return squared_loss(Y, Z, sample_weight=w)


def value_and_grad(head, Z, Y, w, B):
    """The head's (loss, dZ, db), with the intercept gradient db it fills."""
    db = np.full(Z.shape[1], np.nan)
    loss, dZ = head.value_and_grad(Z, Y, w, B, db)
    return loss, dZ, db


def exact(backend):
    """Whether the backend computes with NumPy itself (MLPRegressor's bits)."""
    return backend.xp is np


def reference_dZ(name, Z, Y, w):
    P = np.exp(Z) if name == "exp" else Z
    w = np.ones(len(Z)) if w is None else w
    return (P - Y) * (w / w.sum())[:, None]


def test_make_regression_head(backend):
    assert OUTPUT_ACTIVATIONS == {"squared_error": "identity", "poisson": "exp"}
    assert type(make_regression_head("identity")) is HalfSquaredError
    head = make_regression_head("exp", backend)
    assert type(head) is HalfPoissonDeviance and head.backend is backend
    with pytest.raises(ValueError, match="'softmax'"):
        make_regression_head("softmax")


@head_ids
@given(n=st.integers(1, 8), k=st.integers(1, 4), weighted=st.booleans(), seed=seeds)
def test_value_is_mlpregressors_and_dZ_is_P_minus_Y(
    backend, name, n, k, weighted, seed
):
    head = make_regression_head(name, backend)
    Z, Y, w = make_batch(np.random.default_rng(seed), name, n, k, weighted)
    B = batch_weight(n, w)
    loss, dZ, db = value_and_grad(head, Z.copy(), Y, w, B)
    assert loss == head.value(Z, Y, w, B)
    if exact(backend):
        # the same numbers as MLPRegressor's functions, computed the same way
        assert loss == mlpregressor_loss(name, Z, Y, w)
    else:
        assert loss == pytest.approx(mlpregressor_loss(name, Z, Y, w), rel=1e-12)
    assert_allclose(dZ, reference_dZ(name, Z, Y, w), rtol=1e-12, atol=1e-16)
    assert_allclose(db, dZ.sum(axis=0), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_gradient_is_the_derivative_of_its_value(backend, k, weighted, rng):
    head = make_regression_head("exp", backend)
    Z, Y, w = make_batch(rng, "exp", 6, k, weighted)
    B = batch_weight(6, w)
    _, dZ, _ = value_and_grad(head, Z, Y, w, B)
    numerical = numerical_gradient(lambda: head.value(Z, Y, w, B), Z)
    assert relative_error(dZ, numerical) < 1e-7


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_squared_error_gradient_is_that_of_the_sum_over_outputs(
    backend, k, weighted, rng
):
    """MLPRegressor's convention: the value averages the K outputs, dZ is the
    gradient of their sum, K times the value's own gradient (K = 1: equal)."""
    head = make_regression_head("identity", backend)
    Z, Y, w = make_batch(rng, "identity", 6, k, weighted)
    B = batch_weight(6, w)
    _, dZ, _ = value_and_grad(head, Z, Y, w, B)
    numerical = numerical_gradient(lambda: head.value(Z, Y, w, B), Z)
    assert relative_error(dZ, k * numerical) < 1e-7


def test_values_by_hand(backend):
    HEADS = {name: make_regression_head(name, backend) for name in NAMES}
    Z = np.array([[0.0, 1.0], [2.0, -1.0]])
    Y = np.array([[1.0, 1.0], [0.0, 0.0]])
    # squared: per output 0.5 * mean((Z - Y)^2) = [0.5 * 2.5, 0.5 * 0.5]; mean
    assert HEADS["identity"].value(Z, Y, None, 2.0) == pytest.approx(0.75)
    # Poisson: y log(y / e^z) - y + e^z; 0 log 0 = 0; summed over outputs
    expected = (1 * np.log(1) - 1 + 1) + (0 - 0 + np.exp(2.0))
    expected += (1 * np.log(1 / np.e) - 1 + np.e) + (0 - 0 + np.exp(-1.0))
    assert HEADS["exp"].value(Z, Y, None, 2.0) == pytest.approx(expected / 2)
    # a perfect Poisson prediction has loss 0, also with zeros in y
    Y = np.array([[3.0], [0.5]])
    assert HEADS["exp"].value(np.log(Y), Y, None, 2.0) == pytest.approx(0, abs=1e-15)


@head_ids
def test_intercept_gradient_filled_and_inputs_unchanged(backend, name, rng):
    head = make_regression_head(name, backend)
    Z, Y, w = make_batch(rng, name, 5, 3, weighted=True)
    copies = Z.copy(), Y.copy(), w.copy()
    _, dZ, db = value_and_grad(head, Z, Y, w, batch_weight(5, w))
    assert_allclose(db, dZ.sum(axis=0), rtol=1e-14)
    head.value(Z, Y, w, 1.0)
    for array, copy in zip((Z, Y, w), copies, strict=True):
        assert_array_equal(array, copy)


@head_ids
def test_integer_weights_are_repeated_rows(backend, name, rng):
    head = make_regression_head(name, backend)
    Z, Y, _ = make_batch(rng, name, 6, 2, weighted=False)
    counts = np.array([1, 3, 0, 2, 1, 4])
    rows = np.repeat(np.arange(6), counts)
    loss_w, dZ_w, _ = value_and_grad(head, Z, Y, counts.astype(float), 11.0)
    loss_r, dZ_r, _ = value_and_grad(head, Z[rows], Y[rows], None, 11.0)
    assert loss_w == pytest.approx(loss_r, rel=1e-13)
    summed = np.zeros_like(dZ_w)
    np.add.at(summed, rows, dZ_r)
    assert_allclose(dZ_w, summed, rtol=1e-12, atol=1e-17)


def test_predictions(backend):
    HEADS = {name: make_regression_head(name, backend) for name in NAMES}
    Z = np.array([[-1.0, 0.0], [2.0, 700.0]])
    assert_array_equal(HEADS["identity"].predict(Z.copy()), Z)
    P = HEADS["exp"].predict(Z.copy())
    assert_array_equal(P, np.exp(Z))
    assert np.all(P > 0)


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")
def test_poisson_overflow_gives_a_non_finite_loss(backend):
    # the training loop detects it (and runs under np.errstate)
    Y = np.array([[1.0], [0.0]])
    head = make_regression_head("exp", backend)
    for z in (800.0, -800.0):  # e^z overflows / underflows to 0
        Z = np.full((2, 1), z)
        assert not np.isfinite(head.value(Z, Y, None, 2.0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@head_ids
def test_dtype_kept(backend, name, dtype, rng):
    head = make_regression_head(name, backend)
    Z, Y, w = make_batch(rng, name, 5, 2, weighted=True)
    Z, Y = Z.astype(dtype), Y.astype(dtype)
    db = np.empty(2, dtype=dtype)
    _, dZ = head.value_and_grad(Z, Y, w.astype(dtype), 5.0, db)
    assert dZ.dtype == dtype
    assert head.predict(Z.copy()).dtype == dtype


@pytest.mark.parametrize("weighted", [False, True])
@head_ids
def test_array_api_strict_agrees_with_numpy(name, weighted, rng):
    xps = pytest.importorskip("array_api_strict")
    from skmlp._core.backends import ArrayBackend

    Z, Y, w = make_batch(rng, name, 7, 3, weighted)
    B = batch_weight(7, w)
    loss, dZ, db = value_and_grad(make_regression_head(name), Z.copy(), Y, w, B)
    head = make_regression_head(name, ArrayBackend(xps))
    as_strict = [None if a is None else xps.asarray(a) for a in (Z, Y, w)]
    db_x = xps.zeros(3, dtype=xps.float64)
    loss_x, dZ_x = head.value_and_grad(*as_strict, B, db_x)
    assert loss_x == pytest.approx(loss, rel=1e-13)
    assert_allclose(np.asarray(dZ_x), dZ, rtol=1e-13, atol=1e-17)
    assert_allclose(np.asarray(db_x), db, rtol=1e-13, atol=1e-17)
    expected = make_regression_head(name).predict(Z.copy())
    assert_allclose(np.asarray(head.predict(as_strict[0])), expected)
