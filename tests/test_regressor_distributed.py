"""ScratchMLPRegressor on a Dask cluster, as test_distributed.py checks the
classifiers: GridSearchCV over dropout x alpha under
``joblib.parallel_backend('dask')`` on a LocalCluster of worker processes
gives the local run's results, and partial_fit resumes from a pickle."""

import pickle

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_regression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from test_distributed import SCORE_KEY, TIMEOUT, client  # noqa: F401 (fixture)

from skmlp import ScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n_samples=240, n_features=6, noise=10.0, random_state=0)
    return X, y / y.std()


def _regressor(**params):
    defaults = {"hidden_layer_sizes": (16,), "max_iter": 30, "random_state": 0}
    return ScratchMLPRegressor(**{**defaults, "learning_rate_init": 0.01, **params})


def _search():
    pipe = Pipeline([("scale", StandardScaler()), ("reg", _regressor())])
    grid = {"reg__dropout": [0.0, 0.25], "reg__alpha": [1e-4, 3.0]}
    cv = KFold(n_splits=3, shuffle=True, random_state=0)
    return GridSearchCV(pipe, grid, cv=cv, return_train_score=True)


def test_grid_search_on_dask_cluster_matches_local_run(client, data):  # noqa: F811
    from distributed import get_task_stream

    X, y = data
    local = _search().fit(X, y)
    with (
        joblib.parallel_backend("dask", wait_for_workers_timeout=TIMEOUT),
        get_task_stream(client) as stream,
    ):
        remote = _search().fit(X, y)
    assert stream.data, "no task ran on the Dask cluster"
    assert len(np.unique(local.cv_results_["mean_test_score"])) > 1
    assert remote.best_params_ == local.best_params_
    for key in (k for k in local.cv_results_ if SCORE_KEY.match(k)):
        assert_array_equal(remote.cv_results_[key], local.cv_results_[key], err_msg=key)


def test_partial_fit_resumes_from_a_pickle(data):
    X, y = data
    expected, est = _regressor(solver="adam"), _regressor(solver="adam")
    for start in range(0, len(X), 80):
        rows = slice(start, start + 80)
        expected.partial_fit(X[rows], y[rows])
        est.partial_fit(X[rows], y[rows])
        est = pickle.loads(pickle.dumps(est))
    for a, b in zip(
        est.coefs_ + est.intercepts_, expected.coefs_ + expected.intercepts_
    ):
        assert_array_equal(a, b)
