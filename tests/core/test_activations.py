"""Activations on every backend: forward against the formula, backward against
finite differences; log_softmax against SciPy."""

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.activations import (
    ACTIVATIONS,
    Identity,
    Logistic,
    ReLU,
    Tanh,
    log_softmax,
)

from ._backends import numpy_arithmetic
from ._numgrad import numerical_gradient, relative_error

UNITS = [Identity, Logistic, Tanh, ReLU]
FORMULAS = {
    "identity": lambda Z: Z,
    "logistic": lambda Z: 1.0 / (1.0 + np.exp(-Z)),
    "tanh": lambda Z: (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z)),
    "relu": lambda Z: np.where(Z > 0, Z, 0.0),
}
shapes = st.tuples(st.integers(1, 6), st.integers(1, 5))
seeds = st.integers(0, 2**32 - 1)
units = pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)


def test_registry_holds_each_unit_under_its_name():
    assert ACTIVATIONS == {unit.name: unit for unit in UNITS}
    assert set(ACTIVATIONS) == {"identity", "logistic", "tanh", "relu"}


@units
@given(shape=shapes, seed=seeds)
def test_forward_matches_formula(backend, unit, shape, seed):
    Z = np.random.default_rng(seed).normal(scale=3.0, size=shape)
    A = unit.forward(Z.copy(), backend)
    assert A.shape == Z.shape
    assert_allclose(A, FORMULAS[unit.name](Z), rtol=1e-13, atol=1e-15)


@units
@given(shape=shapes, seed=seeds)
def test_backward_matches_finite_differences(backend, unit, shape, seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=2.0, size=shape)
    # relu has a kink at 0: keep every input at least 1e-3 away from it
    Z[np.abs(Z) < 1e-3] = np.copysign(1e-3, Z[np.abs(Z) < 1e-3])
    dA = rng.normal(size=shape)
    dZ = unit.backward(unit.forward(Z.copy(), backend), dA.copy(), backend)
    numerical = numerical_gradient(
        lambda: float(np.sum(dA * FORMULAS[unit.name](Z))), Z
    )
    assert dZ.shape == Z.shape
    assert relative_error(dZ, numerical) < 1e-6


def test_relu_backward_is_zero_where_the_unit_is_off(backend):
    Z = np.array([[-2.0, -1e-9, 0.0, -0.0, 1e-9, 3.0]])
    A = ReLU.forward(Z.copy(), backend)
    assert_array_equal(A, [[0.0, 0.0, 0.0, 0.0, 1e-9, 3.0]])
    dZ = ReLU.backward(A, np.full_like(Z, 5.0), backend)
    assert_array_equal(dZ, [[0.0, 0.0, 0.0, 0.0, 5.0, 5.0]])
    # and through the step's backward (the compiled kernel on numba), with and
    # without a dropout mask (that keeps every unit here)
    for mask in (None, np.ones(Z.shape, bool)):
        db = np.full(Z.shape[1], np.nan)
        dZ = backend.activation_backward(ReLU, A, np.full_like(Z, 5.0), mask, 0.5, db)
        scale = 1.0 if mask is None else 2.0
        assert_array_equal(dZ, np.array([[0.0, 0.0, 0.0, 0.0, 5.0, 5.0]]) * scale)
        assert_array_equal(db, dZ[0])


@units
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(backend, unit, dtype, rng):
    Z = rng.normal(size=(4, 3)).astype(dtype)
    A = unit.forward(Z, backend)
    assert A.dtype == dtype
    assert unit.backward(A, np.ones_like(A), backend).dtype == dtype


@units
def test_numpy_backends_work_in_place(backend, unit, rng):
    # where the backend writes into its arguments, the forward pass overwrites
    # Z and the backward pass dA: no array the size of a batch per call
    if not numpy_arithmetic(backend):
        pytest.skip("the array-API backend returns new arrays")
    Z, dA = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    A = unit.forward(Z, backend)
    assert A is Z
    assert unit.backward(A, dA, backend) is dA


@pytest.mark.parametrize("unit", [Logistic, Tanh], ids=lambda u: u.name)
def test_saturating_units_do_not_overflow(backend, unit):
    Z = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = unit.forward(Z.copy(), backend)
        dZ = unit.backward(A, np.ones_like(A), backend)
    assert np.isfinite(A).all() and np.isfinite(dZ).all()
    assert_allclose(A, FORMULAS[unit.name](np.clip(Z, -700, 700)), atol=1e-300)
    assert_allclose(dZ[0, [0, 4]], 0.0, atol=1e-300)


@given(shape=shapes, seed=seeds)
def test_log_softmax_matches_scipy(backend, shape, seed):
    Z = np.random.default_rng(seed).normal(scale=10.0, size=shape)
    log_P = log_softmax(Z, backend)
    assert_allclose(log_P, scipy.special.log_softmax(Z, axis=1), rtol=1e-12)
    assert_allclose(
        np.exp(log_P), scipy.special.softmax(Z, axis=1), rtol=1e-12, atol=1e-300
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_keeps_dtype_and_its_input(backend, dtype, rng):
    Z = rng.normal(size=(4, 3)).astype(dtype)
    before = Z.copy()
    log_P = log_softmax(Z, backend)
    assert log_P.dtype == dtype
    assert_allclose(log_P, scipy.special.log_softmax(before, axis=1), rtol=1e-6)
    assert_array_equal(Z, before)


def test_log_softmax_of_huge_logits_is_finite(backend):
    Z = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, 1e4], [-1e4, -1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        log_P = log_softmax(Z, backend)
    assert_allclose(log_P, [[0, -2e4, -1e4], [-np.log(3)] * 3, [-np.log(3)] * 3])
