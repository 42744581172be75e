"""Fitted estimators survive pickle (and skops.io) with identical predictions.

SPEC: "Fitted estimators pickle and unpickle to identical predictions", and
"the fitted state holds only arrays and plain Python values (no custom
objects), so skops.io loads a model without trusting any type" -- except the
estimator class itself, which skops cannot know: it is trusted only if
skops asks for it, and nothing else may need trust.
"""

import copy
import io
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _helpers import ESTIMATORS, classification
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

SOLVERS = ["lbfgs", "sgd", "adam", "adagrad", "rmsprop"]
OUR_TYPES = {"skmlp._mlp.ScratchMLPClassifier", "skmlp._logistic.ScratchLogisticNet"}


def _data(n_classes=3):
    return classification(n_classes=n_classes, scale=False)


def _fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


def _inputs(kind):
    X, y = _data()
    if kind == "float32":
        return X.astype(np.float32), y
    if kind == "sparse":
        return sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0)), y
    if kind == "dataframe":
        return pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])]), y
    if kind == "strings":
        return X, np.array(["ant", "bee", "cow"])[y]
    if kind == "binary":
        return _data(n_classes=2)
    if kind == "multilabel":
        return X, np.column_stack([y == 0, y == 1, X[:, 0] > 0]).astype(int)
    return X, y


def _assert_same_predictions(a, b, X):
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert_array_equal(a.predict_log_proba(X), b.predict_log_proba(X))
    assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert_array_equal(a.predict(X), b.predict(X))
    assert a.predict_proba(X).dtype == b.predict_proba(X).dtype


def _assert_same_state(a, b):
    for W, V in zip(
        [*a.coefs_, *a.intercepts_], [*b.coefs_, *b.intercepts_], strict=True
    ):
        assert_array_equal(W, V)
        assert W.dtype == V.dtype
    assert_array_equal(a.classes_, b.classes_)
    assert a.get_params() == b.get_params()
    assert a.n_iter_ == b.n_iter_ and a.n_features_in_ == b.n_features_in_


CASES = [(Est, solver, "dense") for Est in ESTIMATORS for solver in SOLVERS] + [
    (Est, solver, kind)
    for Est in ESTIMATORS
    for solver in ("lbfgs", "adam")
    for kind in ("float32", "sparse", "dataframe", "strings", "binary", "multilabel")
]
IDS = [f"{E.__name__}-{s}-{k}" for E, s, k in CASES]


@pytest.mark.parametrize("Est, solver, kind", CASES, ids=IDS)
@pytest.mark.parametrize(
    "protocol", [pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL, 2]
)
def test_pickle_round_trip(Est, solver, kind, protocol):
    X, y = _inputs(kind)
    est = _fit(
        Est(hidden_layer_sizes=(8,), solver=solver, max_iter=10, random_state=0), X, y
    )
    loaded = pickle.loads(pickle.dumps(est, protocol=protocol))
    assert type(loaded) is type(est)
    _assert_same_state(est, loaded)
    _assert_same_predictions(est, loaded, X)
    if kind == "float32":
        assert loaded.coefs_[0].dtype == np.float32
    if kind == "dataframe":
        assert_array_equal(loaded.feature_names_in_, est.feature_names_in_)


def test_joblib_and_deepcopy_round_trips(Est):
    X, y = _data()
    est = _fit(
        Est(hidden_layer_sizes=(8,), solver="adam", max_iter=10, random_state=0), X, y
    )
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    for other in (joblib.load(buffer), copy.deepcopy(est)):
        _assert_same_state(est, other)
        _assert_same_predictions(est, other, X)


def test_unfitted_round_trip_and_clone(Est):
    est = Est(
        hidden_layer_sizes=(8, 4),
        dropout=[0.1, 0.2],
        class_weight={0: 2.0},
        solver="rmsprop",
        rho=0.8,
    )
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.get_params() == est.get_params()
    assert not hasattr(loaded, "coefs_")
    X, y = _data()
    fitted = _fit(clone(est).set_params(max_iter=5, random_state=0), X, y)
    refitted = _fit(clone(pickle.loads(pickle.dumps(fitted))), X, y)
    _assert_same_predictions(fitted, refitted, X)  # same seed, same model


@pytest.mark.parametrize("solver", ["sgd", "adam", "adagrad", "rmsprop"])
def test_training_continues_after_a_round_trip(Est, solver):
    """The optimizer's state travels with the pickle: partial_fit and
    warm_start after unpickling continue exactly as without the round trip."""
    X, y = _data()
    params = dict(
        hidden_layer_sizes=(8,),
        solver=solver,
        shuffle=False,
        random_state=0,
        max_iter=2,
        tol=0.0,
        n_iter_no_change=1000,
    )
    est = _fit(Est(**params), X, y)
    loaded = pickle.loads(pickle.dumps(est))
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    _assert_same_state(est, loaded)
    for e in (est, loaded):
        e.set_params(warm_start=True)
        _fit(e, X, y)
    _assert_same_state(est, loaded)
    _assert_same_predictions(est, loaded, X)


# ---------------------------------------------------------------------------
# skops.io
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("Est, solver, kind", CASES, ids=IDS)
def test_skops_round_trip(Est, solver, kind):
    sio = pytest.importorskip("skops.io")
    X, y = _inputs(kind)
    est = _fit(
        Est(hidden_layer_sizes=(8,), solver=solver, max_iter=10, random_state=0), X, y
    )
    data = sio.dumps(est)
    asked = sio.get_untrusted_types(data=data)
    # trust our own classes only if skops asks; never anything else
    assert set(asked) <= OUR_TYPES, f"skops asks to trust {asked}"
    loaded = sio.loads(data, trusted=asked)
    assert type(loaded) is type(est)
    _assert_same_state(est, loaded)
    _assert_same_predictions(est, loaded, X)


def test_skops_refuses_without_trust(Est):
    """If skops does ask for our class, loading without trusting it fails --
    the check above is meaningful."""
    sio = pytest.importorskip("skops.io")
    X, y = _data()
    est = _fit(Est(hidden_layer_sizes=(8,), max_iter=5, random_state=0), X, y)
    data = sio.dumps(est)
    asked = sio.get_untrusted_types(data=data)
    if not asked:
        sio.loads(data, trusted=[])  # nothing to trust: loads as is
        return
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(data, trusted=[])


def test_skops_training_continues(Est):
    sio = pytest.importorskip("skops.io")
    X, y = _data()
    params = dict(
        hidden_layer_sizes=(8,),
        solver="adam",
        shuffle=False,
        random_state=0,
        max_iter=2,
        tol=0.0,
        n_iter_no_change=1000,
    )
    est = _fit(Est(**params), X, y)
    data = sio.dumps(est)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    _assert_same_state(est, loaded)
    _assert_same_predictions(est, loaded, X)
