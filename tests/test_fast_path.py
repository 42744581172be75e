"""The fused kernels (the ``fast`` extra) give the NumPy path's models.

With numba installed, every update rule takes one fused pass with the
penalty's gradient folded in, ReLU layers add the bias, apply the activation
and its derivative (through the dropout mask, with the intercept's gradient)
in one pass each, and the softmax head computes its loss and dZ in one pass
per row; without it (or with ``SKMLP_FUSED=0``) NumPy runs them all.

The update and the layer kernels repeat NumPy's operations in its order and
dtype: with NumPy's softmax head the two paths train the same model to the
last bit. The fused head's exp and log are the C library's, not NumPy's SIMD
ones: one step's values differ in the last place, and after six epochs of
training the models agree within the tolerances below. The penalty's value
taken from the sums of the fused update (no pass of its own over the weights)
adds up in another order than NumPy's dot: the reported losses agree within
rounding, the weights are the same.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification

from skmlp import ScratchLogisticNet, ScratchMLPClassifier
from skmlp._core import _fused, losses, penalties

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
    for fused in (True, False):
        _fused.ENABLED = fused
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = Est(hidden_layer_sizes=(16, 8), max_iter=6, batch_size=40)
                models.append(est.set_params(random_state=0, **params).fit(X, y))
        finally:
            _fused.ENABLED = True
    return models


def _data(dtype):
    X, y = make_classification(
        n_samples=240, n_features=12, n_informative=6, n_classes=3, random_state=0
    )
    return X.astype(dtype), y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", CONFIGURATIONS, ids=repr)
@pytest.mark.parametrize("Est", [ScratchMLPClassifier, ScratchLogisticNet])
def test_fused_and_numpy_paths_train_the_same_model(Est, params, dtype, monkeypatch):
    monkeypatch.setattr(losses, "FUSED_SOFTMAX", False)  # NumPy's exp and log
    monkeypatch.setattr(penalties, "FUSED_VALUE", False)  # NumPy's dot
    fused, plain = _fit_both(Est, params, *_data(dtype))
    for a, b in zip(fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_):
        assert a.dtype == dtype
        assert_array_equal(a, b)
    assert fused.loss_curve_ == plain.loss_curve_
    assert fused.n_iter_ == plain.n_iter_


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", CONFIGURATIONS, ids=repr)
def test_the_penalty_value_from_the_update_changes_the_losses_within_rounding(
    params, dtype, monkeypatch
):
    # the value enters the reported loss, never a gradient: the same weights
    # (here no stopping rule or adaptive rate sits near its threshold)
    monkeypatch.setattr(losses, "FUSED_SOFTMAX", False)
    fused, plain = _fit_both(ScratchMLPClassifier, params, *_data(dtype))
    for a, b in zip(fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_):
        assert_array_equal(a, b)
    rtol = {np.float64: 1e-13, np.float32: 1e-6}[dtype]
    np.testing.assert_allclose(fused.loss_curve_, plain.loss_curve_, rtol=rtol)
    assert fused.n_iter_ == plain.n_iter_


# after six epochs: a few units in the last place per step, grown by training
TOLERANCE = {np.float64: 1e-9, np.float32: 2e-3}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", CONFIGURATIONS, ids=repr)
def test_the_fused_softmax_head_trains_the_same_model_within_rounding(params, dtype):
    # the fused head and the penalty value from the update, both on
    fused, plain = _fit_both(ScratchMLPClassifier, params, *_data(dtype))
    assert fused.n_iter_ == plain.n_iter_
    rtol = TOLERANCE[dtype]
    for a, b in zip(fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())
    np.testing.assert_allclose(fused.loss_curve_, plain.loss_curve_, rtol=rtol)


def test_the_fused_path_is_taken_where_numba_is_installed():
    from skmlp._core.optimizers import make_optimizer

    settings = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}
    assert make_optimizer("adam", 10, np.float64, settings).fused
    _fused.ENABLED = False
    try:
        assert not make_optimizer("adam", 10, np.float64, settings).fused
    finally:
        _fused.ENABLED = True


def test_penalty_ranges_cover_the_weights_with_add_grad_coefficients():
    from skmlp._core.penalties import ElasticNet

    penalty = ElasticNet([0.0, 0.6, 0.3], 0.25, [6, 4, 2])
    bounds, l1, l2 = penalty.ranges(12, B=2.0, dtype=np.float32)
    assert bounds.tolist() == [0, 6, 10, 12]  # the unpenalised first layer too
    np.testing.assert_allclose(l1, [0.0, 0.6 * 0.25 / 2, 0.3 * 0.25 / 2], rtol=1e-7)
    np.testing.assert_allclose(l2, [0.0, 0.6 * 0.75 / 2, 0.3 * 0.75 / 2], rtol=1e-7)
    assert l1.dtype == l2.dtype == np.float32
    # the fused update adds exactly what add_grad adds
    rng = np.random.default_rng(0)
    W, G = rng.normal(size=12), rng.normal(size=12)
    expected = penalty.add_grad(W, G.copy(), 2.0)
    b, a1, a2 = penalty.ranges(12, 2.0, np.float64)
    folded = G.copy()
    for j in range(len(b) - 1):
        s = slice(b[j], b[j + 1])
        folded[s] = G[s] + a2[j] * W[s] + a1[j] * np.sign(W[s])
    np.testing.assert_allclose(folded, expected, rtol=1e-15)
