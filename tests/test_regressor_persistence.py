"""A fitted ScratchMLPRegressor survives pickle, joblib and skops.io with the
same predictions, and training continues from a loaded model; skops trusts
no type beyond the estimator's own class (the fitted state is plain arrays
and values), as test_persistence.py checks for the classifiers."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

from skmlp import ScratchMLPRegressor

OUR_TYPE = "skmlp._regressor.ScratchMLPRegressor"
SOLVERS = ["lbfgs", "sgd", "adam", "adagrad", "rmsprop"]


def _inputs(kind):
    X, Y = make_regression(n_samples=80, n_features=5, n_targets=2, random_state=0)
    Y = Y / Y.std(axis=0)
    if kind == "multi":
        return X, Y
    if kind == "counts":
        return X, np.random.RandomState(0).poisson(2.0, size=80).astype(float)
    if kind == "float32":
        return X.astype(np.float32), Y[:, 0]
    if kind == "sparse":
        return sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0)), Y[:, 0]
    return X, Y[:, 0]


CASES = [(solver, "single") for solver in SOLVERS] + [
    (solver, kind)
    for solver in ("lbfgs", "adam")
    for kind in ("multi", "counts", "float32", "sparse")
]


def _fit(solver, kind, **params):
    X, y = _inputs(kind)
    loss = "poisson" if kind == "counts" else "squared_error"
    params = {"hidden_layer_sizes": (8,), "max_iter": 10, **params}
    est = ScratchMLPRegressor(loss=loss, solver=solver, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y), X, y


def _assert_same(a, b, X):
    for W, V in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        assert_array_equal(W, V)
        assert W.dtype == V.dtype
    assert a.get_params() == b.get_params()
    assert (a.n_iter_, a.n_outputs_, a.out_activation_) == (
        b.n_iter_, b.n_outputs_, b.out_activation_,
    )  # fmt: skip
    assert_array_equal(a.predict(X), b.predict(X))
    assert a.predict(X).dtype == b.predict(X).dtype


@pytest.mark.parametrize("solver,kind", CASES)
def test_pickle_and_joblib_round_trip(solver, kind):
    est, X, _ = _fit(solver, kind)
    _assert_same(est, pickle.loads(pickle.dumps(est)), X)
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    _assert_same(est, joblib.load(buffer), X)


@pytest.mark.parametrize("solver,kind", CASES)
def test_skops_round_trip_trusts_only_the_estimator(solver, kind):
    sio = pytest.importorskip("skops.io")
    est, X, _ = _fit(solver, kind)
    data = sio.dumps(est)
    asked = sio.get_untrusted_types(data=data)
    assert set(asked) <= {OUR_TYPE}, f"skops asks to trust {asked}"
    loaded = sio.loads(data, trusted=asked)
    assert type(loaded) is ScratchMLPRegressor
    _assert_same(est, loaded, X)


def test_skops_refuses_without_trust():
    sio = pytest.importorskip("skops.io")
    est, _, _ = _fit("adam", "single")
    data = sio.dumps(est)
    if not sio.get_untrusted_types(data=data):
        sio.loads(data, trusted=[])
        return
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(data, trusted=[])


@pytest.mark.parametrize("via", ["pickle", "skops"])
def test_training_continues_after_loading(via):
    """A loaded model's partial_fit continues the optimizer's state: the same
    weights as the model that was never saved."""
    params = dict(shuffle=False, tol=0.0, n_iter_no_change=1000, max_iter=2)
    est, X, y = _fit("adam", "counts", **params)
    if via == "pickle":
        loaded = pickle.loads(pickle.dumps(est))
    else:
        sio = pytest.importorskip("skops.io")
        data = sio.dumps(est)
        loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    for model in (est, loaded):
        model.partial_fit(X, y)
    _assert_same(est, loaded, X)
