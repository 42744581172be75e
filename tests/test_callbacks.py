"""scikit-learn's callback protocol (sklearn.callback): one subtask per epoch."""

import numpy as np
import pytest
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchLogisticNet, ScratchMLPClassifier


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=6, random_state=0)


def _epoch_rows(monitor, select="most_recent"):
    logs = monitor.get_logs(select=select)
    logs = logs if isinstance(logs, list) else [logs]
    return [row for log in logs for row in log.data if row["task_name"] == "epoch"]


@pytest.mark.parametrize("solver", ["adam", "sgd", "rmsprop", "lbfgs"])
def test_scoring_monitor_records_one_score_per_epoch(data, solver):
    X, y = data
    monitor = ScoringMonitor(scoring="accuracy")
    clf = ScratchMLPClassifier((5,), solver=solver, max_iter=6, random_state=0)
    clf.set_callbacks(monitor).fit(X, y)
    rows = _epoch_rows(monitor)
    assert [r["task_id"] for r in rows] == list(range(clf.n_iter_))
    # the score of epoch k is the training accuracy of the model after k
    # epochs: that of a fresh fit stopped there, recomputed with accuracy_score
    expected = []
    for k in range(1, clf.n_iter_ + 1):
        fresh = ScratchMLPClassifier((5,), solver=solver, max_iter=k, random_state=0)
        with pytest.warns(ConvergenceWarning):
            fresh.fit(X, y)
        expected.append(accuracy_score(y, fresh.predict(X)))
    assert [r["accuracy"] for r in rows] == pytest.approx(expected, abs=1e-12)
    assert rows[-1]["accuracy"] == accuracy_score(y, clf.predict(X))


def test_scoring_monitor_scores_the_model_of_each_epoch(data):
    # the score logged at epoch k is the score of a fresh fit stopped after k epochs
    X, y = data
    monitor = ScoringMonitor(scoring="neg_log_loss")
    params = dict(hidden_layer_sizes=(5,), max_iter=4, random_state=0, shuffle=False)
    ScratchMLPClassifier(**params).set_callbacks(monitor).fit(X, y)
    logged = [r["neg_log_loss"] for r in _epoch_rows(monitor)]
    from sklearn.metrics import log_loss

    for k, value in enumerate(logged, start=1):
        clf = ScratchMLPClassifier(**{**params, "max_iter": k})
        with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
            clf.fit(X, y)
        assert value == pytest.approx(-log_loss(y, clf.predict_proba(X)), rel=1e-10)


def test_scoring_monitor_nested_in_pipeline_and_grid_search(data):
    X, y = data
    monitor = ScoringMonitor(scoring="accuracy")
    clf = ScratchLogisticNet((4,), solver="adam", max_iter=3, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", clf.set_callbacks(monitor))])
    GridSearchCV(pipe, {"clf__alpha": [1e-4, 1e-2]}, cv=2, n_jobs=2).fit(X, y)
    # 2 candidates x 2 folds + the refit, 3 epochs each
    assert len(_epoch_rows(monitor)) == 5 * 3


def test_progress_bar_draws_a_bar(data, capsys):
    pytest.importorskip("rich")
    X, y = data
    ScratchMLPClassifier((4,), max_iter=3, random_state=0).set_callbacks(
        ProgressBar()
    ).fit(X, y)
    out = capsys.readouterr().out
    assert "ScratchMLPClassifier - fit" in out and "100%" in out


def test_progress_bar_through_grid_search(data, capsys):
    pytest.importorskip("rich")
    X, y = data
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("clf", ScratchMLPClassifier((4,), max_iter=3, random_state=0)),
        ]
    )
    search = GridSearchCV(pipe, {"clf__dropout": [0.0, 0.2]}, cv=2)
    search.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, y)
    assert "ScratchMLPClassifier - fit" in capsys.readouterr().out


class _StopAfter:
    """A callback that asks to stop after n epochs."""

    def __init__(self, n):
        self.n = n

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        return context.task_name == "epoch" and context.task_id + 1 >= self.n


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_can_stop_training(data, solver):
    X, y = data
    clf = ScratchMLPClassifier((4,), solver=solver, max_iter=50, random_state=0)
    clf.set_callbacks(_StopAfter(3)).fit(X, y)
    assert clf.n_iter_ == 3
    assert all(np.isfinite(W).all() for W in clf.coefs_)


def test_partial_fit_reports_one_epoch(data):
    X, y = data
    monitor = ScoringMonitor(scoring="accuracy")
    clf = ScratchMLPClassifier((4,), random_state=0).set_callbacks(monitor)
    clf.partial_fit(X, y, classes=np.unique(y))
    assert len(_epoch_rows(monitor)) == 1
