"""A fitted estimator serves predictions from many threads at once.

Prediction must not write to the estimator (no cached network, no shared
work buffers): 8 threads calling ``predict_proba`` (and the other predict
methods) at the same moment get exactly what one thread gets.
"""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skmlp import ScratchLogisticNet, ScratchMLPClassifier

N_THREADS = 8
ROUNDS = 4  # every thread calls this many times, all starting together


def _fitted(Est, solver, dtype=np.float64, n_classes=3, **params):
    X, y = make_classification(
        n_samples=400,
        n_features=30,
        n_informative=10,
        n_classes=n_classes,
        random_state=0,
    )
    X = X.astype(dtype)
    est = Est(
        hidden_layer_sizes=(64, 32),
        solver=solver,
        max_iter=20,
        random_state=0,
        **params,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return est, X


def _hammer(method, inputs):
    """Call ``method(inputs[i % len(inputs)])`` from N_THREADS threads at once."""
    barrier = threading.Barrier(N_THREADS)

    def work(i):
        barrier.wait()  # release every thread at the same moment
        return [method(inputs[(i + r) % len(inputs)]) for r in range(ROUNDS)]

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        return list(pool.map(work, range(N_THREADS)))


def _batches(X, n=N_THREADS):
    # different inputs per thread (and of different sizes): a shared buffer
    # sized by one call would be overrun by another
    bounds = np.linspace(0, X.shape[0], n + 1).astype(int)
    sizes = [X[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return [X, *sizes]


@pytest.mark.parametrize("Est", [ScratchMLPClassifier, ScratchLogisticNet])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_predict_proba_from_8_threads(Est, solver):
    est, X = _fitted(Est, solver)
    inputs = _batches(X)
    expected = [est.predict_proba(Xi) for Xi in inputs]
    results = _hammer(est.predict_proba, inputs)
    for i, per_thread in enumerate(results):
        for r, P in enumerate(per_thread):
            assert_array_equal(P, expected[(i + r) % len(inputs)])


@pytest.mark.parametrize("Est", [ScratchMLPClassifier, ScratchLogisticNet])
@pytest.mark.parametrize(
    "method", ["predict", "predict_log_proba", "decision_function", "score"]
)
def test_other_predict_methods_from_8_threads(Est, method):
    est, X = _fitted(Est, "adam", n_classes=2)
    _, y = make_classification(
        n_samples=400, n_features=30, n_informative=10, n_classes=2, random_state=0
    )
    if method == "score":
        call = lambda X_: est.score(X_, y[: X_.shape[0]])  # noqa: E731
        inputs = [X[:n] for n in (400, 350, 300, 250, 200, 150, 100, 50, 25)]
    else:
        call = getattr(est, method)
        inputs = _batches(X)
    expected = [call(Xi) for Xi in inputs]
    for i, per_thread in enumerate(_hammer(call, inputs)):
        for r, out in enumerate(per_thread):
            assert_array_equal(out, expected[(i + r) % len(inputs)])


@pytest.mark.parametrize("Est", [ScratchMLPClassifier, ScratchLogisticNet])
@pytest.mark.parametrize("kind", ["float32", "sparse", "dataframe", "dropout"])
def test_predict_proba_from_8_threads_other_inputs(Est, kind):
    if kind == "float32":
        est, X = _fitted(Est, "adam", dtype=np.float32)
        inputs = _batches(X)
    elif kind == "sparse":
        est, X = _fitted(Est, "adam")
        X = np.where(np.abs(X) > 1, X, 0)
        inputs = [sp.csr_matrix(Xi) for Xi in _batches(X)]
    elif kind == "dataframe":
        est, X = _fitted(Est, "adam")
        columns = [f"f{j}" for j in range(X.shape[1])]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(pd.DataFrame(X, columns=columns), np.arange(len(X)) % 3)
        inputs = [pd.DataFrame(Xi, columns=columns) for Xi in _batches(X)]
    else:
        # dropout is a training-time layer: prediction is deterministic
        est, X = _fitted(Est, "adam", dropout=0.3)
        inputs = _batches(X)
    expected = [est.predict_proba(Xi) for Xi in inputs]
    for i, per_thread in enumerate(_hammer(est.predict_proba, inputs)):
        for r, P in enumerate(per_thread):
            assert_array_equal(P, expected[(i + r) % len(inputs)])
            assert P.dtype == expected[0].dtype


@pytest.mark.parametrize("Est", [ScratchMLPClassifier, ScratchLogisticNet])
def test_prediction_does_not_change_the_estimator(Est):
    est, X = _fitted(Est, "adam")
    before = {
        k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(est).items()
    }
    weights = [W.copy() for W in [*est.coefs_, *est.intercepts_]]
    _hammer(est.predict_proba, _batches(X))
    assert set(vars(est)) == set(before), "prediction added or removed attributes"
    for W, W_before in zip([*est.coefs_, *est.intercepts_], weights, strict=True):
        assert_array_equal(W, W_before)
