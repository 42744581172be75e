"""ScratchMLPRegressor in the tools that use regressors, unchanged.

scikit-learn's meta-estimators and inspection tools (TransformedTargetRegressor,
MultiOutputRegressor, StackingRegressor, cross_val_predict,
permutation_importance, PartialDependenceDisplay), its workflows (Pipeline,
GridSearchCV over dropout and alpha, metadata routing of sample_weight,
clone, pickle, callbacks) and, when installed, the conformal-prediction
library MAPIE. Each test checks what the tool produced, not only that it ran.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_regressor
from sklearn.callback import ScoringMonitor
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import StackingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import permutation_importance
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, cross_val_predict, cross_val_score
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=150)


@pytest.fixture(scope="module")
def data():
    """Two informative features of four; y = a smooth function of them."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(240, 4))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 + 0.05 * rng.normal(size=240)
    return X, y


def _reg(**params):
    return ScratchMLPRegressor(**{**FAST, "random_state": 0, **params})


def test_is_a_regressor_and_scores_r2(data):
    X, y = data
    reg = _reg().fit(X, y)
    assert is_regressor(reg)
    assert reg.score(X, y) == pytest.approx(r2_score(y, reg.predict(X)))
    assert reg.score(X, y) > 0.9


def test_transformed_target_regressor(data):
    X, y = data
    ttr = TransformedTargetRegressor(
        regressor=_reg(), func=np.log1p, inverse_func=np.expm1
    )
    y_pos = y - y.min()
    ttr.fit(X, y_pos)
    # the inner model learned log1p(y); predictions come back on y's scale
    inner = ttr.regressor_.predict(X)
    assert_allclose(ttr.predict(X), np.expm1(inner))
    assert r2_score(np.log1p(y_pos), inner) > 0.8
    assert ttr.score(X, y_pos) > 0.8
    scaled = TransformedTargetRegressor(regressor=_reg(), transformer=StandardScaler())
    assert scaled.fit(X, y * 1000 + 5000).score(X, y * 1000 + 5000) > 0.9


def test_multi_output_regressor_and_native_multi_output(data):
    X, y = data
    Y = np.column_stack([y, -2 * y, X[:, 2]])
    wrapped = MultiOutputRegressor(_reg()).fit(X, Y)
    assert len(wrapped.estimators_) == 3
    assert wrapped.predict(X).shape == (len(X), 3)
    # each wrapped model is a single-output fit of its column
    assert_allclose(
        wrapped.estimators_[1].predict(X), _reg().fit(X, Y[:, 1]).predict(X)
    )
    assert wrapped.score(X, Y) > 0.9
    native = _reg().fit(X, Y)
    assert native.n_outputs_ == 3 and native.predict(X).shape == (len(X), 3)
    assert native.score(X, Y) > 0.9


def test_stacking_regressor(data):
    X, y = data
    stack = StackingRegressor(
        [("mlp", _reg()), ("ridge", Ridge())], final_estimator=Ridge(), cv=3
    ).fit(X, y)
    assert stack.score(X, y) > 0.9
    # the network carries the non-linear signal: it gets the larger weight
    mlp_coef, ridge_coef = stack.final_estimator_.coef_
    assert mlp_coef > ridge_coef
    assert stack.transform(X).shape == (len(X), 2)


def test_cross_val_predict_and_score(data):
    X, y = data
    pred = cross_val_predict(_reg(), X, y, cv=3)
    assert pred.shape == y.shape
    assert r2_score(y, pred) > 0.8
    scores = cross_val_score(_reg(), X, y, cv=3, scoring="r2", n_jobs=2)
    assert scores.shape == (3,) and scores.min() > 0.7


def test_permutation_importance_finds_the_informative_features(data):
    X, y = data
    reg = _reg().fit(X, y)
    result = permutation_importance(reg, X, y, n_repeats=5, random_state=0)
    importances = result.importances_mean
    assert set(np.argsort(importances)[-2:]) == {0, 1}
    assert importances[2] < 0.05 and importances[3] < 0.05


def test_partial_dependence_display(data):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.inspection import PartialDependenceDisplay

    X, y = data
    reg = _reg().fit(X, y)
    display = PartialDependenceDisplay.from_estimator(reg, X, [0, 1], kind="average")
    curves = display.pd_results
    # the learned effects have the true shapes: sin(x0) rises, x1^2 is a bowl
    x0, avg0 = curves[0]["grid_values"][0], curves[0]["average"][0]
    x1, avg1 = curves[1]["grid_values"][0], curves[1]["average"][0]
    assert np.corrcoef(avg0, np.sin(x0))[0, 1] > 0.95
    assert np.corrcoef(avg1, x1**2)[0, 1] > 0.95
    plt.close("all")


def test_mapie_conformal_intervals(data):
    mapie = pytest.importorskip(
        "mapie.regression",
        reason="MAPIE is optional (not in the test extra): pip install mapie",
    )
    X, y = data
    rng = np.random.RandomState(1)
    X_big = rng.uniform(-2, 2, size=(900, 4))
    y_big = np.sin(X_big[:, 0]) + 0.5 * X_big[:, 1] ** 2 + 0.3 * rng.normal(size=900)
    train, calib, test = np.split(np.arange(900), [300, 600])
    reg = _reg().fit(X_big[train], y_big[train])
    split = mapie.SplitConformalRegressor(reg, confidence_level=0.9, prefit=True)
    split.conformalize(X_big[calib], y_big[calib])
    point, intervals = split.predict_interval(X_big[test])
    assert_allclose(point, reg.predict(X_big[test]))
    low, high = intervals[:, 0, 0], intervals[:, 1, 0]
    covered = np.mean((y_big[test] >= low) & (y_big[test] <= high))
    assert 0.84 <= covered <= 0.96  # the promised 90 %, within sampling error
    cross = mapie.CrossConformalRegressor(
        _reg(max_iter=60), confidence_level=0.9, cv=3, random_state=0
    )
    cross.fit_conformalize(X_big[:300], y_big[:300])
    _, intervals = cross.predict_interval(X_big[test])
    assert intervals.shape == (len(test), 2, 1)


# -- workflows -------------------------------------------------------------------


def test_grid_search_over_dropout_and_alpha_in_a_pipeline(data):
    X, y = data
    pipe = Pipeline([("scale", StandardScaler()), ("reg", _reg(max_iter=60))])
    grid = {"reg__dropout": [0.0, 0.1], "reg__alpha": [1e-4, 1e-1]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.score(X, y) > 0.8
    # the default scoring is the estimator's score: R^2
    best = search.best_estimator_
    assert search.score(X, y) == pytest.approx(r2_score(y, best.predict(X)))


def test_sample_weight_routes_through_pipeline(data):
    X, y = data
    sw = np.random.RandomState(0).uniform(0.5, 2, size=len(y))
    sklearn.set_config(enable_metadata_routing=True)
    try:
        reg = _reg().set_fit_request(sample_weight=True)
        pipe = Pipeline(
            [
                ("scale", StandardScaler().set_fit_request(sample_weight=False)),
                ("reg", reg),
            ]
        )
        pipe.fit(X, y, sample_weight=sw)
    finally:
        sklearn.set_config(enable_metadata_routing=False)
    direct = _reg().fit(StandardScaler().fit_transform(X), y, sample_weight=sw)
    assert_array_equal(pipe[-1].coefs_[0], direct.coefs_[0])


def test_clone_pickle_and_same_random_state(data):
    X, y = data
    a = _reg(dropout=0.1).fit(X, y)
    b = clone(a).fit(X, y)
    assert_array_equal(a.predict(X), b.predict(X))
    c = pickle.loads(pickle.dumps(a))
    assert_array_equal(c.predict(X), a.predict(X))
    assert sorted(vars(c)) == sorted(vars(a))


def test_dataframe_sparse_and_float32_input(data):
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcd"))
    reg = _reg().fit(frame, pd.Series(y, name="target"))
    assert list(reg.feature_names_in_) == list("abcd")
    assert_allclose(reg.predict(frame), _reg().fit(X, y).predict(X))
    sparse = _reg().fit(sp.csr_matrix(X), y)
    assert_allclose(sparse.predict(sp.csc_matrix(X)), sparse.predict(X), rtol=1e-12)
    single = _reg().fit(X.astype(np.float32), y)
    assert single.predict(X.astype(np.float32)).dtype == np.float32
    assert all(W.dtype == np.float32 for W in single.coefs_ + single.intercepts_)


def test_validation_set_and_scoring(data):
    X, y = data
    reg = _reg(early_stopping=True, max_iter=400, n_iter_no_change=5)
    reg.fit(X[:180], y[:180], X_val=X[180:], y_val=y[180:])
    assert reg.n_iter_ < 400
    assert reg.best_validation_score_ == pytest.approx(max(reg.validation_scores_))
    # the restored weights are those of the best R^2 on the validation set
    assert reg.score(X[180:], y[180:]) == pytest.approx(reg.best_validation_score_)
    assert len(reg.validation_loss_curve_) == reg.n_iter_
    by_loss = _reg(early_stopping=True, scoring="loss", max_iter=400)
    by_loss.fit(X[:180], y[:180], X_val=X[180:], y_val=y[180:])
    assert_allclose(
        by_loss.validation_scores_, -np.asarray(by_loss.validation_loss_curve_)
    )
    by_mae = _reg(early_stopping=True, scoring="neg_mean_absolute_error", max_iter=50)
    by_mae.fit(X[:180], y[:180], X_val=X[180:], y_val=y[180:])
    assert all(s <= 0 for s in by_mae.validation_scores_)


def test_scoring_monitor_callback(data):
    X, y = data
    monitor = ScoringMonitor(scoring="r2")
    reg = _reg(max_iter=5).set_callbacks(monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    logs = monitor.get_logs(select="most_recent")
    logs = logs if isinstance(logs, list) else [logs]
    rows = [r for log in logs for r in log.data if r["task_name"] == "epoch"]
    assert len(rows) == 5
    assert rows[-1]["r2"] == pytest.approx(reg.score(X, y), rel=1e-10)


@pytest.mark.parametrize("solver", ["sgd", "adam", "adagrad", "rmsprop"])
def test_three_ways_to_train_the_same_epochs(data, solver):
    """fit(max_iter=3) == three partial_fit == three warm_start fits."""
    X, y = data
    params = dict(
        hidden_layer_sizes=(8,), shuffle=False, tol=0.0, n_iter_no_change=10_000,
        batch_size=40, learning_rate_init=0.01, random_state=0, solver=solver,
    )  # fmt: skip
    at_once = ScratchMLPRegressor(max_iter=3, **params).fit(X, y)
    partial = ScratchMLPRegressor(**params)
    warm = ScratchMLPRegressor(max_iter=1, warm_start=True, **params)
    for _ in range(3):
        partial.partial_fit(X, y)
        warm.fit(X, y)
    for other in (partial, warm):
        for W, V in zip(at_once.coefs_, other.coefs_, strict=True):
            assert_array_equal(W, V)


def test_poisson_on_counts_beats_squared_error_in_deviance():
    from sklearn.metrics import mean_poisson_deviance

    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(600, 3))
    y = rng.poisson(np.exp(1.0 + 1.5 * X[:, 0] - X[:, 1] ** 2))
    poisson = _reg(loss="poisson", max_iter=300).fit(X[:400], y[:400])
    assert poisson.out_activation_ == "exp"
    pred = poisson.predict(X[400:])
    assert np.all(pred > 0)
    baseline = mean_poisson_deviance(y[400:], np.full(200, y[:400].mean()))
    assert mean_poisson_deviance(y[400:], pred) < 0.5 * baseline


def test_verbose_prints_mlpregressors_line_and_the_validation_score(data, capsys):
    X, y = data
    _reg(max_iter=2, verbose=True, early_stopping=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Iteration 1, loss = ")
    assert "validation score = " in lines[0]


def test_progress_bar(data, capsys):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    X, y = data
    _reg(max_iter=3).set_callbacks(ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "ScratchMLPRegressor - fit" in out and "100%" in out
