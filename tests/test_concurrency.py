"""A fitted estimator serves predictions from many threads at once.

Prediction must not write to the estimator (no cached network, no shared
work buffers): 8 threads calling ``predict_proba`` (and the other predict
methods) at the same moment get exactly what one thread gets.
"""

import copy
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _helpers import classification, fit_quietly
from numpy.testing import assert_array_equal

N_THREADS = 8
ROUNDS = 4  # every thread calls this many times, all starting together


def _fitted(Est, solver, dtype=np.float64, n_classes=3, **params):
    """A (64, 32) network fitted for 20 epochs, its X and y."""
    X, y = classification(400, 30, 10, n_redundant=2, n_classes=n_classes, scale=False)
    X = X.astype(dtype)
    est = Est(
        hidden_layer_sizes=(64, 32),
        solver=solver,
        max_iter=20,
        random_state=0,
        **params,
    )
    return fit_quietly(est, X, y), X, y


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


def _assert_as_sequential(call, inputs):
    """``call`` from N_THREADS threads at once returns, for every input, what
    one thread calling it on its own returned before (values and dtype)."""
    expected = [call(Xi) for Xi in inputs]
    for i, per_thread in enumerate(_hammer(call, inputs)):
        for r, out in enumerate(per_thread):
            reference = expected[(i + r) % len(inputs)]
            assert_array_equal(out, reference)
            assert np.asarray(out).dtype == np.asarray(reference).dtype


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_predict_proba_from_8_threads(Est, solver):
    est, X, _ = _fitted(Est, solver)
    _assert_as_sequential(est.predict_proba, _batches(X))


@pytest.mark.parametrize(
    "method", ["predict", "predict_log_proba", "decision_function", "score"]
)
def test_other_predict_methods_from_8_threads(Est, method):
    est, X, y = _fitted(Est, "adam", n_classes=2)
    if method == "score":
        call = lambda X_: est.score(X_, y[: X_.shape[0]])  # noqa: E731
        inputs = [X[:n] for n in (400, 350, 300, 250, 200, 150, 100, 50, 25)]
    else:
        call = getattr(est, method)
        inputs = _batches(X)
    _assert_as_sequential(call, inputs)


@pytest.mark.parametrize("kind", ["float32", "sparse", "dataframe", "dropout"])
def test_predict_proba_from_8_threads_other_inputs(Est, kind):
    if kind == "float32":
        est, X, _ = _fitted(Est, "adam", dtype=np.float32)
        inputs = _batches(X)
    elif kind == "sparse":
        est, X, _ = _fitted(Est, "adam")
        X = np.where(np.abs(X) > 1, X, 0)
        inputs = [sp.csr_matrix(Xi) for Xi in _batches(X)]
    elif kind == "dataframe":
        est, X, _ = _fitted(Est, "adam")
        columns = [f"f{j}" for j in range(X.shape[1])]
        fit_quietly(est, pd.DataFrame(X, columns=columns), np.arange(len(X)) % 3)
        inputs = [pd.DataFrame(Xi, columns=columns) for Xi in _batches(X)]
    else:
        # dropout is a training-time layer: prediction is deterministic
        est, X, _ = _fitted(Est, "adam", dropout=0.3)
        inputs = _batches(X)
    _assert_as_sequential(est.predict_proba, inputs)
    if kind == "float32":
        assert est.predict_proba(inputs[0]).dtype == np.float32


def _assert_same_value(a, b, name):
    """``a`` and ``b`` hold equal values, arrays compared element by element."""
    assert type(a) is type(b), name
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, name
        assert_array_equal(a, b, err_msg=name)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), name
        for key in a:
            _assert_same_value(a[key], b[key], f"{name}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), name
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            _assert_same_value(u, v, f"{name}[{i}]")
    elif hasattr(a, "__dict__"):  # a state object: its attributes
        _assert_same_value(vars(a), vars(b), name)
    else:
        assert a == b or (a != a and b != b), name  # NaN equals NaN here


def test_prediction_does_not_change_the_estimator(Est):
    """After 8 threads predicted at once, every attribute holds its old value,
    and the model predicts what a never-shared copy of it predicts."""
    est, X, _ = _fitted(Est, "adam")
    reference = copy.deepcopy(est)
    before = copy.deepcopy(vars(est))
    _hammer(est.predict_proba, _batches(X))
    assert set(vars(est)) == set(before), "prediction added or removed attributes"
    for name, value in before.items():
        _assert_same_value(vars(est)[name], value, name)
    for method in ("predict_proba", "decision_function", "predict"):
        assert_array_equal(getattr(est, method)(X), getattr(reference, method)(X))
