"""The compiled kernels (the ``fast`` extra) train ScratchMLPRegressor's NumPy
model: NumPy input trains on ``NumbaBackend`` (the update rules and the ReLU
layers compiled, as for the classifiers; the regression heads are the NumPy
backend's own operations), and ``skmlp.config_context(fast=False)`` on
``NumpyBackend``: the same weights, losses and predictions to the last bit."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_regression

import skmlp
from skmlp import ScratchMLPRegressor

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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", CONFIGURATIONS, ids=repr)
def test_fused_and_numpy_paths_train_the_same_model(params, dtype):
    X, y = _data(params.get("loss", "squared_error"), dtype)
    models = []
    for fast in (True, False):
        with skmlp.config_context(fast=fast), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = ScratchMLPRegressor(
                hidden_layer_sizes=(16, 8), max_iter=6, batch_size=40,
                random_state=0, **params,
            )  # fmt: skip
            models.append(est.fit(X, y))
    fused, plain = models
    for a, b in zip(fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_):
        assert a.dtype == dtype
        assert_array_equal(a, b)
    assert fused.loss_curve_ == plain.loss_curve_
    assert fused.n_iter_ == plain.n_iter_
    assert_array_equal(fused.predict(X), plain.predict(X))
