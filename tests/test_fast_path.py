"""The compiled kernels (the ``fast`` extra) give the NumPy backend's models.

With numba installed, NumPy input trains on ``NumbaBackend``: every update
rule takes one compiled pass with the penalty's gradient folded in, and ReLU
layers add the bias, apply the activation and its derivative (through the
dropout mask) in one pass each; ``skmlp.config_context(fast=False)`` trains
on ``NumpyBackend`` instead. The kernels repeat NumPy's operations in its
order and dtype: the two backends train the same model, to the last bit.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification

import skmlp
from skmlp import ScratchLogisticNet, ScratchMLPClassifier
from skmlp._arrays import input_backend
from skmlp._core.backends import NumbaBackend, NumpyBackend

pytest.importorskip("numba")

CONFIGURATIONS = [
    {"solver": "adam"},
    {"solver": "sgd"},
    {"solver": "sgd", "nesterovs_momentum": False, "momentum": 0.5},
    {"solver": "adagrad"},
    {"solver": "rmsprop", "rho": 0.8},
    {"solver": "adam", "alpha": 0.1, "l1_ratio": 0.3},
    {"solver": "adam", "alpha": 0.2, "l1_ratio": 1.0},
    {"solver": "sgd", "alpha": [0.0, 0.5, 0.2], "l1_ratio": 0.5},
    {"solver": "adam", "class_weight": "balanced", "dropout": 0.1},
    {"solver": "rmsprop", "decay": 0.01, "early_stopping": True},
]


def _fit_both(Est, params, X, y):
    models = []
    for fast in (True, False):
        with skmlp.config_context(fast=fast), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = Est(hidden_layer_sizes=(16, 8), max_iter=6, batch_size=40)
            models.append(est.set_params(random_state=0, **params).fit(X, y))
    return models


def _data(dtype):
    X, y = make_classification(
        n_samples=240, n_features=12, n_informative=6, n_classes=3, random_state=0
    )
    return X.astype(dtype), y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", CONFIGURATIONS, ids=repr)
@pytest.mark.parametrize("Est", [ScratchMLPClassifier, ScratchLogisticNet])
def test_fused_and_numpy_paths_train_the_same_model(Est, params, dtype):
    fused, plain = _fit_both(Est, params, *_data(dtype))
    for a, b in zip(fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_):
        assert a.dtype == dtype
        assert_array_equal(a, b)
    assert fused.loss_curve_ == plain.loss_curve_
    assert fused.n_iter_ == plain.n_iter_
    X = _data(dtype)[0]
    assert_array_equal(fused.predict_proba(X), plain.predict_proba(X))


def test_the_switch_chooses_the_backend_once_per_fit():
    X = np.zeros((3, 2))
    assert isinstance(input_backend(X), NumbaBackend)
    with skmlp.config_context(fast=False):
        assert type(input_backend(X)) is NumpyBackend
        assert skmlp.get_config()["fast"] is False
    assert skmlp.get_config()["fast"] is True
    assert isinstance(input_backend(X), NumbaBackend)
