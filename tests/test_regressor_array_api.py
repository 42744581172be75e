"""ScratchMLPRegressor in the input's array namespace (array API dispatch),
as test_array_api.py checks the classifiers: array-api-strict computes
NumPy's model bit for bit (both of its devices), PyTorch float64 to rounding;
float32 stays float32; predictions come back in X's namespace and device;
every solver, both losses, one and several outputs, early stopping, X_val,
sample weights, partial_fit, dropout.

On a machine with CUDA, the PyTorch tests also run on ``cuda``.
"""

import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from test_array_api import host, to_namespace

from skmlp import ScratchMLPRegressor

torch = pytest.importorskip("torch")
xps = pytest.importorskip("array_api_strict")

TORCH_DEVICES = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
TORCH_ATOL = 1e-8
SMALL = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, batch_size=40)


@pytest.fixture(autouse=True)
def dispatch():
    with sklearn.config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _data(target):
    X, Y = make_regression(
        n_samples=120, n_features=6, n_targets=2, noise=5.0, random_state=0
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    Y = Y / Y.std(axis=0)
    if target == "single":
        return X, Y[:, 0]
    if target == "multi":
        return X, Y
    rng = np.random.RandomState(0)
    return X, rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1])).astype(float)


def _case(target="single", fit_params=(), **params):
    loss = "poisson" if target == "counts" else "squared_error"
    return {**SMALL, "loss": loss, **params}, target, dict(fit_params)


CASES = {
    **{f"{s}-{t}": _case(t, solver=s) for s in ("sgd", "adam", "lbfgs")
       for t in ("single", "multi", "counts")},
    "adagrad": _case(solver="adagrad"),
    "rmsprop-counts": _case("counts", solver="rmsprop"),
    "tanh-two-layers": _case("multi", hidden_layer_sizes=(8, 5), activation="tanh"),
    "elastic-net-decay": _case(alpha=0.05, l1_ratio=0.5, decay=0.1),
    "lbfgs-per-layer-alpha": _case("counts", solver="lbfgs", alpha=[0.1, 1.0]),
    "early_stopping": _case(early_stopping=True, max_iter=8),
    "early_stopping-counts": _case("counts", early_stopping=True, max_iter=8),
    "scoring-loss": _case("multi", early_stopping=True, scoring="loss"),
    "X_val": _case(fit_params={"X_val": "val"}),
    "sample_weight": _case("counts", fit_params={"sample_weight": "weights"}),
}  # fmt: skip

CURVES = ("loss_", "loss_curve_", "validation_scores_", "validation_loss_curve_")


def _fit_params(spec, X, y):
    resolved = {}
    for key, what in spec.items():
        if what == "val":
            resolved.update(X_val=X[:40] + 0.1, y_val=y[:40])
        else:
            resolved[key] = np.random.RandomState(42).uniform(0.2, 3.0, len(y))
    return resolved


def _fit(case, name):
    params, target, spec = CASES[case]
    X, y = _data(target)
    fit_params = {k: to_namespace(name, v) for k, v in _fit_params(spec, X, y).items()}
    est = ScratchMLPRegressor(**params)
    est.fit(to_namespace(name, X), to_namespace(name, y), **fit_params)
    X_in = to_namespace(name, X)
    arrays = [*map(host, est.coefs_), *map(host, est.intercepts_)]
    return est, X_in, arrays + [host(est.predict(X_in))]


def _recorded(est):
    return [n for n in CURVES if getattr(est, n, None) is not None]


@pytest.mark.parametrize("case", list(CASES))
def test_strict_equals_numpy(case):
    ref, _, ref_arrays = _fit(case, "numpy")
    for name in ("strict", "strict-device1"):
        est, _, arrays = _fit(case, name)
        for ours, theirs in zip(arrays, ref_arrays, strict=True):
            assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
            assert_array_equal(ours, theirs)
        # the Poisson loss value takes SciPy's xlogy on NumPy only
        for curve in _recorded(ref):
            assert_allclose(getattr(est, curve), getattr(ref, curve), rtol=1e-12)
        assert est.n_iter_ == ref.n_iter_


@pytest.mark.parametrize("device", TORCH_DEVICES)
@pytest.mark.parametrize("case", list(CASES))
def test_torch_float64_equals_numpy(case, device):
    ref, _, ref_arrays = _fit(case, "numpy")
    est, X_in, arrays = _fit(case, f"torch-{device}")
    for ours, theirs in zip(arrays, ref_arrays, strict=True):
        assert ours.dtype == theirs.dtype
        assert_allclose(ours, theirs, atol=TORCH_ATOL, rtol=0)
    for curve in _recorded(ref):
        assert_allclose(getattr(est, curve), getattr(ref, curve), rtol=1e-10)
    assert est.n_iter_ == ref.n_iter_
    pred = est.predict(X_in)
    assert isinstance(pred, torch.Tensor) and pred.device.type == device
    assert all(W.device.type == device for W in est.coefs_)


@pytest.mark.parametrize("target", ["single", "multi", "counts"])
@pytest.mark.parametrize("name", ["strict", "strict-device1", "torch-cpu"])
def test_outputs_in_the_namespace_and_device_of_X(name, target):
    est, X_in, _ = _fit(f"adam-{target}", name)
    pred = est.predict(X_in)
    assert type(pred) is type(X_in)
    assert pred.device == X_in.device and pred.dtype == X_in.dtype
    assert pred.shape == ((120,) if target != "multi" else (120, 2))
    # score is R^2, the value NumPy gives
    X, y = _data(target)
    ref = ScratchMLPRegressor(**CASES[f"adam-{target}"][0]).fit(X, y)
    score = est.score(X_in, to_namespace(name, y))
    assert float(score) == pytest.approx(ref.score(X, y), abs=1e-9)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("name", ["strict", "torch-cpu"])
def test_float32_stays_float32(name, loss, solver):
    X, y = _data("counts" if loss == "poisson" else "single")
    X32 = X.astype(np.float32)
    params = {**SMALL, "loss": loss, "solver": solver}
    est = ScratchMLPRegressor(**params).fit(to_namespace(name, X32), y)
    float32 = torch.float32 if name.startswith("torch") else xps.float32
    assert all(W.dtype == float32 for W in est.coefs_ + est.intercepts_)
    pred = est.predict(to_namespace(name, X32))
    assert pred.dtype == float32
    ref = ScratchMLPRegressor(**params).fit(X32, y)
    assert_allclose(host(pred), ref.predict(X32), rtol=1e-5, atol=1e-5)


def test_strict_dropout_equals_numpy():
    """array-api-strict draws its dropout masks on the host: NumPy's masks."""
    X, y = _data("single")
    params = {**SMALL, "dropout": 0.3}
    ref = ScratchMLPRegressor(**params).fit(X, y)
    est = ScratchMLPRegressor(**params).fit(xps.asarray(X), xps.asarray(y))
    assert_array_equal(host(est.predict(xps.asarray(X))), ref.predict(X))


@pytest.mark.parametrize("name", ["strict", "torch-cpu"])
def test_partial_fit_in_the_namespace(name):
    X, y = _data("counts")
    params = {**SMALL, "loss": "poisson", "solver": "sgd"}
    ref, est = ScratchMLPRegressor(**params), ScratchMLPRegressor(**params)
    for _ in range(3):
        ref.partial_fit(X, y)
        est.partial_fit(to_namespace(name, X), to_namespace(name, y))
    assert_allclose(host(est.predict(to_namespace(name, X))), ref.predict(X), atol=1e-8)


def test_a_model_refuses_another_namespace():
    X, y = _data("single")
    est = ScratchMLPRegressor(**SMALL).fit(torch.asarray(X), torch.asarray(y))
    with pytest.raises(ValueError, match="namespace"):
        est.predict(xps.asarray(X))


def test_negative_poisson_targets_rejected_in_any_namespace():
    X, y = _data("counts")
    est = ScratchMLPRegressor(**{**SMALL, "loss": "poisson"})
    with pytest.raises(ValueError, match="needs y >= 0"):
        est.fit(torch.asarray(X), torch.asarray(y - 5))
    assert not hasattr(est, "coefs_")
