"""The fused kernels (the ``fast`` extra) train ScratchMLPRegressor's NumPy
model: the update rules and the ReLU layers are fused as for the classifiers
(the regression heads are plain NumPy), so with the penalty's value taken by
NumPy's dot the two paths give the same weights and losses to the bit; with
the value from the fused update's sums, the losses agree within rounding."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_regression

from skmlp import ScratchMLPRegressor
from skmlp._core import _fused, penalties

pytest.importorskip("numba")

CONFIGURATIONS = [
    {"solver": "adam"},
    {"solver": "sgd"},
    {"solver": "adagrad", "loss": "poisson"},
    {"solver": "rmsprop", "rho": 0.8, "loss": "poisson"},
    {"solver": "adam", "alpha": 0.1, "l1_ratio": 0.3},
    {"solver": "sgd", "alpha": [0.0, 0.5, 0.2], "l1_ratio": 0.5, "loss": "poisson"},
    {"solver": "adam", "dropout": 0.1},
    {"solver": "rmsprop", "decay": 0.01, "early_stopping": True},
]


def _data(loss, dtype):
    X, Y = make_regression(n_samples=240, n_features=12, n_targets=2, random_state=0)
    X = (X / X.std(axis=0)).astype(dtype)
    if loss == "poisson":
        rng = np.random.RandomState(0)
        return X, rng.poisson(np.exp(0.3 * X[:, :2])).astype(float)
    return X, Y / Y.std(axis=0)


def _fit_both(params, dtype):
    X, y = _data(params.get("loss", "squared_error"), dtype)
    models = []
    for fused in (True, False):
        _fused.ENABLED = fused
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = ScratchMLPRegressor(
                    hidden_layer_sizes=(16, 8), max_iter=6, batch_size=40,
                    random_state=0, **params,
                )  # fmt: skip
                models.append(est.fit(X, y))
        finally:
            _fused.ENABLED = True
    return models


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", CONFIGURATIONS, ids=repr)
def test_fused_and_numpy_paths_train_the_same_model(params, dtype, monkeypatch):
    monkeypatch.setattr(penalties, "FUSED_VALUE", False)  # NumPy's dot
    fused, plain = _fit_both(params, dtype)
    for a, b in zip(fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_):
        assert a.dtype == dtype
        assert_array_equal(a, b)
    assert fused.loss_curve_ == plain.loss_curve_
    assert fused.n_iter_ == plain.n_iter_


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", CONFIGURATIONS, ids=repr)
def test_the_penalty_value_from_the_update_changes_the_losses_within_rounding(
    params, dtype
):
    fused, plain = _fit_both(params, dtype)
    for a, b in zip(fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_):
        assert_array_equal(a, b)
    rtol = {np.float64: 1e-13, np.float32: 1e-6}[dtype]
    assert_allclose(fused.loss_curve_, plain.loss_curve_, rtol=rtol)
    assert fused.n_iter_ == plain.n_iter_
