"""Scale-out: the estimators on a Dask cluster, and out-of-core ``partial_fit``.

What is tested here (docs/user_guide/scaling_out.rst shows the same patterns
to users):

* ``GridSearchCV`` over ``dropout`` x ``alpha`` under
  ``joblib.parallel_backend('dask')`` on a real ``LocalCluster`` with worker
  *processes* finds the same ``best_params_`` and the same ``cv_results_``
  scores as the local run: every fit is pickled to another process and must
  not depend on any global state there.
* Fitted and unfitted estimators travel to a worker and back intact.
* ``partial_fit`` over the blocks of a ``dask.array``, one block in memory at a
  time, gives exactly the model of a ``partial_fit`` loop over the same chunks
  of an in-memory array -- also when the model is pickled between chunks and
  when each chunk is processed on another worker (the optimizer's state, e.g.
  Adam's moments, travels in the pickle), and through ``dask_ml``'s
  ``Incremental`` when dask-ml is installed.

The cluster is started once per module (2 worker processes, one thread each,
bound to 127.0.0.1, no dashboard) and closed in the fixture's teardown even
when a test fails. Tests that need no cluster run without dask installed.
"""

import contextlib
import os
import pickle
import re

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchLogisticNet, ScratchMLPClassifier

pytestmark = pytest.mark.filterwarnings(
    # max_iter is kept small on purpose: the runs here stop before convergence
    "ignore::sklearn.exceptions.ConvergenceWarning"
)

TIMEOUT = 60  # seconds: cluster start, connections, waiting for a result
CLASSES = np.array([0, 1, 2])
CHUNK = 100  # rows per block; 360 rows -> blocks of 100, 100, 100, 60


def _mlp(**params):
    return ScratchMLPClassifier(
        **{"hidden_layer_sizes": (16,), "max_iter": 30, "random_state": 0, **params}
    )


def _logistic_net(**params):
    # a stochastic solver and a hidden layer, so that dropout has a meaning
    defaults = {"hidden_layer_sizes": (16,), "solver": "adam", "max_iter": 30}
    return ScratchLogisticNet(**{**defaults, "random_state": 0, **params})


ESTIMATORS = [
    pytest.param(_mlp, id="ScratchMLPClassifier"),
    pytest.param(_logistic_net, id="ScratchLogisticNet"),
]


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=360,
        n_features=8,
        n_informative=5,
        n_redundant=1,
        n_classes=3,
        class_sep=1.5,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), y


def _partial_fit_in_memory(est, X, y, n_epochs):
    """The reference: partial_fit over row chunks of in-memory arrays."""
    for _ in range(n_epochs):
        for start in range(0, X.shape[0], CHUNK):
            stop = start + CHUNK
            est.partial_fit(X[start:stop], y[start:stop], classes=CLASSES)
    return est


def _assert_same_model(got, expected, exact=True):
    """Same weights; bit for bit in one process, to ~1e-12 across processes.

    Across processes the arithmetic is the same, but a BLAS library may pick
    another kernel or thread split there, so only rounding may differ.
    """
    assert len(got.coefs_) == len(expected.coefs_)
    got_arrays = got.coefs_ + got.intercepts_
    expected_arrays = expected.coefs_ + expected.intercepts_
    for a, b in zip(got_arrays, expected_arrays, strict=True):
        assert a.dtype == b.dtype
        if exact:
            assert_array_equal(a, b)
        else:
            assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert_array_equal(got.classes_, expected.classes_)
    assert got.t_ == expected.t_
    assert got.n_iter_ == expected.n_iter_


# -- out-of-core partial_fit, in this process ---------------------------------


@pytest.mark.parametrize("solver", ["adam", "sgd", "rmsprop", "adagrad"])
@pytest.mark.parametrize("make_estimator", ESTIMATORS)
def test_partial_fit_resumes_from_a_pickle(data, make_estimator, solver):
    # pickling between chunks (as when chunks are processed by different
    # workers) keeps the optimizer's state: the result is the same model
    X, y = data
    params = dict(solver=solver, dropout=0.2, batch_size=32, learning_rate_init=0.01)
    expected = _partial_fit_in_memory(make_estimator(**params), X, y, n_epochs=2)

    est = make_estimator(**params)
    for _ in range(2):
        for start in range(0, X.shape[0], CHUNK):
            stop = start + CHUNK
            est.partial_fit(X[start:stop], y[start:stop], classes=CLASSES)
            est = pickle.loads(pickle.dumps(est))
    _assert_same_model(est, expected)
    assert_array_equal(est.predict_proba(X), expected.predict_proba(X))


def _dask_data(X, y):
    da = pytest.importorskip("dask.array")
    X_d = da.from_array(X, chunks=(CHUNK, X.shape[1]))  # row blocks, all columns
    y_d = da.from_array(y, chunks=CHUNK)
    assert X_d.numblocks == (4, 1) and X_d.chunks[0] == y_d.chunks[0]
    return X_d, y_d


@pytest.mark.parametrize("make_estimator", ESTIMATORS)
def test_partial_fit_over_dask_array_blocks(data, make_estimator):
    # the documented loop: one block of X and y computed at a time
    dask = pytest.importorskip("dask")
    X, y = data
    X_d, y_d = _dask_data(X, y)
    params = dict(dropout=0.2, batch_size=32, learning_rate_init=0.01)
    expected = _partial_fit_in_memory(make_estimator(**params), X, y, n_epochs=2)

    est = make_estimator(**params)
    X_blocks, y_blocks = X_d.to_delayed().ravel(), y_d.to_delayed()
    for _ in range(2):
        for X_block, y_block in zip(X_blocks, y_blocks, strict=True):
            X_block, y_block = dask.compute(X_block, y_block)
            est.partial_fit(X_block, y_block, classes=CLASSES)
    _assert_same_model(est, expected)

    # the same with X.blocks / y.blocks
    est = make_estimator(**params)
    for _ in range(2):
        for i in range(X_d.numblocks[0]):
            est.partial_fit(
                X_d.blocks[i].compute(), y_d.blocks[i].compute(), classes=CLASSES
            )
    _assert_same_model(est, expected)


# -- a real cluster, one per module -----------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A Client on a LocalCluster of 2 worker processes, closed at teardown."""
    distributed = pytest.importorskip("distributed")
    import dask

    with contextlib.ExitStack() as stack:
        # slow CI machines: generous connection timeouts instead of flaky ones
        stack.enter_context(
            dask.config.set(
                {
                    "distributed.comm.timeouts.connect": f"{TIMEOUT}s",
                    "distributed.comm.timeouts.tcp": f"{TIMEOUT}s",
                    "distributed.deploy.lost-worker-timeout": f"{TIMEOUT}s",
                }
            )
        )
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",  # loopback only
            scheduler_port=0,  # any free port
            # no dashboard; the scheduler's small HTTP server (health routes)
            # always starts, and with dashboard_address=None it would take the
            # fixed port 8787 (a clash between two runs): loopback, any port
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
            local_directory=str(tmp_path_factory.mktemp("dask-worker-space")),
        )
        # registered first, so it runs last: the cluster is closed even if
        # the Client cannot connect or a test fails
        stack.callback(cluster.close, timeout=TIMEOUT)
        client = distributed.Client(cluster, timeout=TIMEOUT)
        stack.callback(client.close, timeout=TIMEOUT)
        client.wait_for_workers(2, timeout=TIMEOUT)
        yield client


def test_cluster_runs_worker_processes_on_loopback(client):
    info = client.scheduler_info()
    assert info["address"].startswith("tcp://127.0.0.1:")
    assert all(addr.startswith("tcp://127.0.0.1:") for addr in info["workers"])
    pids = client.run(os.getpid, wait=True)
    assert len(pids) == 2
    assert os.getpid() not in pids.values()
    assert len(set(pids.values())) == 2


@pytest.mark.parametrize("make_estimator", ESTIMATORS)
def test_estimator_travels_to_a_worker_and_back(client, data, make_estimator):
    X, y = data
    local = make_estimator(dropout=0.2).fit(X, y)

    # a fitted model pickled to a worker predicts there what it predicts here
    proba = client.submit(local.predict_proba, X, pure=False).result(timeout=TIMEOUT)
    assert_array_equal(proba, local.predict_proba(X))

    # an unfitted one, fitted on a worker: the same model as fitted here, so
    # nothing depends on global state of the process (seeds, caches, config)
    remote = client.submit(make_estimator(dropout=0.2).fit, X, y, pure=False)
    remote = remote.result(timeout=TIMEOUT)
    _assert_same_model(remote, local, exact=False)
    assert_array_equal(remote.predict(X), local.predict(X))


def _search(est):
    pipe = Pipeline([("scale", StandardScaler()), ("clf", est)])
    grid = {"clf__dropout": [0.0, 0.25, 0.5], "clf__alpha": [1e-4, 0.1, 3.0]}
    return GridSearchCV(
        pipe,
        grid,
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
        return_train_score=True,
    )


SCORE_KEY = re.compile(r"^(split\d+|mean|std|rank)_(test|train)_score$")


@pytest.mark.parametrize("make_estimator", ESTIMATORS)
def test_grid_search_on_dask_cluster_matches_local_run(client, data, make_estimator):
    from distributed import get_task_stream

    X, y = data
    local = _search(make_estimator()).fit(X, y)  # n_jobs=None: sequential

    with (
        joblib.parallel_backend("dask", wait_for_workers_timeout=TIMEOUT),
        get_task_stream(client) as stream,
    ):
        remote = _search(make_estimator()).fit(X, y)

    # the fits really ran on the cluster's workers
    workers = set(client.scheduler_info()["workers"])
    assert stream.data, "no task ran on the Dask cluster"
    assert {task["worker"] for task in stream.data} <= workers

    # the grid is not degenerate: the candidates score differently
    assert len(np.unique(local.cv_results_["mean_test_score"])) > 1

    assert remote.best_params_ == local.best_params_
    assert remote.best_index_ == local.best_index_
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    keys = [k for k in local.cv_results_ if SCORE_KEY.match(k)]
    # 3 splits, mean, std, rank of the test scores; the same but rank for train
    assert len(keys) == 6 + 5
    for key in keys:
        assert_array_equal(remote.cv_results_[key], local.cv_results_[key], err_msg=key)


# -- out-of-core partial_fit on the cluster ----------------------------------


def test_partial_fit_moves_between_workers(client, data):
    # the model goes to the data: each block stays on the worker that made it
    # and partial_fit runs there, on alternating workers, so the model (with
    # its Adam moments) is pickled from one process to the other at each step
    from dask.utils import key_split
    from distributed import get_task_stream

    X, y = data
    X_d, y_d = _dask_data(X, y)
    params = dict(dropout=0.2, batch_size=32, learning_rate_init=0.01)
    expected = _partial_fit_in_memory(_mlp(**params), X, y, n_epochs=2)

    def step(est, X_block, y_block, classes):
        return est.partial_fit(X_block, y_block, classes=classes)

    X_blocks = client.compute(list(X_d.to_delayed().ravel()))
    y_blocks = client.compute(list(y_d.to_delayed()))
    workers = sorted(client.scheduler_info()["workers"])
    model = _mlp(**params)
    with get_task_stream(client) as stream:
        i = 0
        for _ in range(2):
            for X_block, y_block in zip(X_blocks, y_blocks, strict=True):
                model = client.submit(
                    step,
                    model,
                    X_block,
                    y_block,
                    CLASSES,
                    workers=[workers[i % 2]],
                    allow_other_workers=False,
                    pure=False,
                )
                i += 1
        model = model.result(timeout=TIMEOUT)
    ran_on = {t["worker"] for t in stream.data if key_split(t["key"]) == "step"}
    assert ran_on == set(workers)
    _assert_same_model(model, expected, exact=False)


def test_dask_ml_incremental_matches_in_memory_loop(client, data):
    # dask-ml's Incremental wrapper drives partial_fit block by block on the
    # cluster; it is an optional extra, so the test skips without it
    pytest.importorskip("dask_ml")
    from dask.utils import key_split
    from dask_ml.wrappers import Incremental
    from distributed import get_task_stream

    X, y = data
    X_d, y_d = _dask_data(X, y)
    params = dict(dropout=0.2, batch_size=32, learning_rate_init=0.01)
    expected = _partial_fit_in_memory(_mlp(**params), X, y, n_epochs=2)

    inc = Incremental(_mlp(**params), shuffle_blocks=False)
    with get_task_stream(client) as stream:
        inc.fit(X_d, y_d, classes=CLASSES)  # first pass over the blocks
        inc.partial_fit(X_d, y_d, classes=CLASSES)  # second pass
    # the partial_fit calls ran on the cluster (the client is the default
    # scheduler while it is open)
    assert any(key_split(t["key"]) == "fit" for t in stream.data)
    _assert_same_model(inc.estimator_, expected, exact=False)
    assert_array_equal(inc.predict(X_d).compute(), expected.predict(X))
