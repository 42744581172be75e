"""Both estimators inside the workflows SPEC promises, and their invariants.

Pipeline, GridSearchCV (n_jobs > 1, a grid over dropout and alpha),
RandomizedSearchCV, cross_val_score, CalibratedClassifierCV, clone, pickle,
pandas and sparse input, float32 end to end, reproducibility, class weights,
warm_start / partial_fit continuing the optimizer, verbose, ConvergenceWarning,
metadata routing, multilabel targets; Hypothesis for the invariants.
"""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from _helpers import (
    CONTINUE,
    ESTIMATORS,
    SOLVERS,
    STOCHASTIC,
    assert_close_weights,
    assert_same_weights,
    classification,
    optimizer_steps,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_expit, logsumexp
from scipy.stats import loguniform, uniform
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import recall_score
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchLogisticNet, ScratchMLPClassifier

ignore_convergence = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


def _multiclass(n_samples=120, random_state=0):
    return classification(n_samples, random_state=random_state, n_clusters_per_class=1)


def _binary(n_samples=100, random_state=0):
    return classification(n_samples, 5, 3, n_classes=2, random_state=random_state)


def _small(cls, **params):
    """A small, fast network of either class."""
    defaults = dict(
        hidden_layer_sizes=(8,),
        max_iter=50,
        random_state=0,
        learning_rate_init=0.01,
        batch_size=32,
    )
    if cls is ScratchLogisticNet:
        defaults["solver"] = "adam"
    return cls(**{**defaults, **params})


# -- model selection ----------------------------------------------------------


@ignore_convergence
def test_grid_search_over_dropout_and_alpha_in_pipeline_parallel(Est):
    X, y = _multiclass()
    pipe = Pipeline([("scale", StandardScaler()), ("clf", _small(Est))])
    grid = {"clf__dropout": [0, 0.2], "clf__alpha": [1e-4, 1e-2]}
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=2, error_score="raise").fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 4
    assert np.isfinite(results["mean_test_score"]).all()
    assert search.best_score_ > 0.7
    assert search.best_params_["clf__dropout"] in (0, 0.2)
    # the refitted best model carries the chosen parameters
    best = search.best_estimator_.named_steps["clf"]
    assert best.dropout == search.best_params_["clf__dropout"]
    assert best.alpha == search.best_params_["clf__alpha"]
    assert search.score(X, y) > 0.7


@ignore_convergence
def test_randomized_search():
    X, y = _multiclass()
    search = RandomizedSearchCV(
        _small(ScratchMLPClassifier),
        {
            "alpha": loguniform(1e-5, 1e-1),
            "dropout": uniform(0, 0.5),
            "solver": ["adam", "rmsprop"],
        },
        n_iter=3,
        cv=3,
        random_state=0,
        error_score="raise",
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 3
    assert 0 <= search.best_params_["dropout"] < 0.5
    assert search.best_score_ > 0.7


@ignore_convergence
def test_cross_val_score(Est):
    X, y = _multiclass()
    scores = cross_val_score(_small(Est), X, y, cv=3, error_score="raise")
    assert scores.shape == (3,)
    assert scores.mean() > 0.7


@ignore_convergence
def test_calibrated_classifier_cv(Est):
    X, y = _multiclass()
    cal = CalibratedClassifierCV(_small(Est), cv=3).fit(X, y)
    P = cal.predict_proba(X)
    assert P.shape == (len(y), 3)
    assert_allclose(P.sum(axis=1), 1.0)
    assert cal.score(X, y) > 0.7


# -- clone and pickle ----------------------------------------------------------


@ignore_convergence
def test_clone_is_unfitted_with_the_same_params(Est):
    X, y = _multiclass()
    est = _small(Est, dropout=[0.3], alpha=1e-3).fit(X, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "coefs_")
    with pytest.raises(NotFittedError):
        copy.predict(X)
    # and it trains to the same model
    assert_same_weights(copy.fit(X, y), est)


@ignore_convergence
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_pickle_round_trip_identical_predictions(Est, solver):
    X, y = _multiclass()
    est = _small(Est, solver=solver).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(restored.predict_proba(X), est.predict_proba(X))
    assert_array_equal(restored.decision_function(X), est.decision_function(X))
    assert_array_equal(restored.predict(X), est.predict(X))
    assert_same_weights(restored, est)


@ignore_convergence
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_pickle_keeps_the_optimizer_state_for_warm_start(solver):
    X, y = _binary()
    params = dict(
        solver=solver,
        shuffle=False,
        max_iter=3,
        tol=0,
        n_iter_no_change=1000,
        warm_start=True,
    )
    est = _small(ScratchMLPClassifier, **params).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert_same_weights(restored.fit(X, y), est.fit(X, y))


# -- input types ---------------------------------------------------------------


@ignore_convergence
def test_dataframe_feature_names(Est):
    X, y = _multiclass()
    columns = [f"feature_{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=columns)
    est = _small(Est).fit(df, y)
    assert_array_equal(est.feature_names_in_, columns)
    assert est.n_features_in_ == X.shape[1]
    # a DataFrame gives the same model as its array
    assert_same_weights(est, _small(Est).fit(X, y))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        assert_array_equal(est.predict_proba(df), est.predict_proba(X))
    # wrong column names: scikit-learn's error
    renamed = df.rename(columns={"feature_0": "other"})
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(renamed)
    # an array to a model fitted on a DataFrame: scikit-learn's warning
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(X)
    # a DataFrame to a model fitted on an array: the other warning
    plain = _small(Est).fit(X, y)
    assert not hasattr(plain, "feature_names_in_")
    with pytest.warns(UserWarning, match="fitted without feature names"):
        plain.predict(df)


@ignore_convergence
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_sparse_input_matches_dense(Est, solver, fmt):
    X, y = _multiclass()
    X[np.abs(X) < 0.5] = 0.0  # make it actually sparse
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    dense = _small(Est, solver=solver).fit(X, y)
    sparse = _small(Est, solver=solver).fit(Xs, y)
    assert_close_weights(sparse, dense, atol=1e-8, rtol=1e-6)
    assert_allclose(sparse.predict_proba(Xs), dense.predict_proba(X), atol=1e-8)
    assert_array_equal(sparse.predict(Xs), dense.predict(X))
    # a model trained on dense data predicts sparse data alike, and vice versa
    assert_allclose(dense.predict_proba(Xs), dense.predict_proba(X), atol=1e-12)
    assert_allclose(sparse.predict_proba(X), sparse.predict_proba(Xs), atol=1e-12)


@ignore_convergence
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_with_dropout(fmt):
    X, y = _multiclass()
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    est = _small(ScratchMLPClassifier, dropout=0.2).fit(Xs, y)
    assert est.score(Xs, y) > 0.7


@ignore_convergence
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_float32_end_to_end(Est, solver):
    X, y = _multiclass()
    X32 = X.astype(np.float32)
    est = _small(Est, solver=solver).fit(X32, y)
    for W in est.coefs_ + est.intercepts_:
        assert W.dtype == np.float32
    assert est.predict_proba(X32).dtype == np.float32
    assert est.predict_log_proba(X32).dtype == np.float32
    assert est.decision_function(X32).dtype == np.float32
    assert np.isfinite(est.loss_)
    assert est.score(X32, y) > 0.7
    # and it learns the same model as in float64, to float32 precision
    est64 = _small(Est, solver=solver, max_iter=5).fit(X, y)
    est32 = _small(Est, solver=solver, max_iter=5).fit(X32, y)
    assert est64.coefs_[0].dtype == np.float64
    assert_close_weights(est32, est64, atol=1e-4, rtol=1e-3)


# -- reproducibility -------------------------------------------------------------


@ignore_convergence
@pytest.mark.parametrize(
    "params",
    [{"solver": s} for s in SOLVERS]
    + [
        {"solver": "adam", "dropout": 0.3},
        {"solver": "sgd", "dropout": [0.1, 0.4], "hidden_layer_sizes": (6, 5)},
        {"solver": "adam", "early_stopping": True},
        {"solver": "rmsprop", "l1_ratio": 0.5, "decay": 1e-3},
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
def test_same_random_state_same_coefficients(params):
    X, y = _multiclass()
    a = _small(ScratchMLPClassifier, max_iter=20, **params).fit(X, y)
    b = _small(ScratchMLPClassifier, max_iter=20, **params).fit(X, y)
    assert_same_weights(a, b)
    if params["solver"] != "lbfgs":  # L-BFGS records no loss curve
        assert a.loss_curve_ == b.loss_curve_
    # a RandomState instance seeded alike gives the same model too, and
    # another seed gives another model
    c = _small(
        ScratchMLPClassifier,
        max_iter=20,
        random_state=np.random.RandomState(0),
        **params,
    ).fit(X, y)
    assert_same_weights(a, c)
    d = _small(ScratchMLPClassifier, max_iter=20, random_state=1, **params).fit(X, y)
    assert not np.array_equal(a.coefs_[0], d.coefs_[0])


@ignore_convergence
def test_dropout_changes_training():
    """dropout is used: the same seed with and without dropout differs."""
    X, y = _multiclass()
    a = _small(ScratchMLPClassifier, max_iter=5).fit(X, y)
    b = _small(ScratchMLPClassifier, max_iter=5, dropout=0.5).fit(X, y)
    assert not np.allclose(a.coefs_[0], b.coefs_[0])


# -- class weights ---------------------------------------------------------------


@ignore_convergence
def test_balanced_class_weight_raises_minority_recall(Est):
    X, y = make_classification(
        n_samples=400,
        n_features=5,
        n_informative=2,
        n_redundant=0,
        weights=[0.9, 0.1],
        flip_y=0.05,
        class_sep=0.5,
        random_state=0,
    )
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(), solver="lbfgs", max_iter=200, random_state=0)
    plain = Est(**params).fit(X, y)
    balanced = Est(**params, class_weight="balanced").fit(X, y)
    recall_plain = recall_score(y, plain.predict(X))
    recall_balanced = recall_score(y, balanced.predict(X))
    assert recall_balanced > recall_plain + 0.2
    # and it is sample_weight = n / (n_classes * count) per class
    counts = np.bincount(y)
    sw = (len(y) / (2 * counts))[y]
    weighted = Est(**params).fit(X, y, sample_weight=sw)
    assert_close_weights(balanced, weighted, atol=1e-6)


@ignore_convergence
def test_class_weight_dict_multiplies_sample_weight():
    X, y = _binary()
    params = dict(hidden_layer_sizes=(), solver="lbfgs", random_state=0)
    sw = np.random.RandomState(0).uniform(0.5, 2, size=len(y))
    a = ScratchLogisticNet(**params, class_weight={0: 1.0, 1: 3.0}).fit(
        X, y, sample_weight=sw
    )
    b = ScratchLogisticNet(**params).fit(
        X, y, sample_weight=sw * np.where(y == 1, 3, 1)
    )
    assert_close_weights(a, b, atol=1e-6)


@ignore_convergence
def test_balanced_class_weight_counts_samples_by_weight():
    """An integer sample_weight and repeated rows give the same 'balanced' model.

    LogisticRegression counts the classes by sample weight for 'balanced'
    (compute_class_weight(..., sample_weight=...)): "as in scikit-learn's
    linear models".
    """
    X, y = _binary()
    sw = np.random.RandomState(0).randint(0, 4, size=len(y))
    params = dict(
        hidden_layer_sizes=(),
        solver="lbfgs",
        random_state=0,
        class_weight="balanced",
        tol=1e-10,
        max_iter=1000,
    )
    weighted = ScratchLogisticNet(**params).fit(X, y, sample_weight=sw)
    repeated = ScratchLogisticNet(**params).fit(
        np.repeat(X, sw, axis=0), np.repeat(y, sw)
    )
    assert_close_weights(weighted, repeated, atol=1e-5)


# -- warm_start and partial_fit continue the optimizer -------------------------------

CONTINUE_CASES = [
    {"solver": "sgd"},
    {"solver": "sgd", "nesterovs_momentum": False},
    {"solver": "adam"},
    {"solver": "adagrad"},
    {"solver": "rmsprop"},
    {"solver": "adam", "decay": 0.01},
    {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.5},
]
CONTINUE_IDS = [",".join(f"{k}={v}" for k, v in p.items()) for p in CONTINUE_CASES]


def _continuing(**params):
    # CONTINUE: nothing random after the initialisation, no early stop
    base = {**CONTINUE, "hidden_layer_sizes": (6,), "n_iter_no_change": 1000}
    return ScratchMLPClassifier(**{**base, **params})


@ignore_convergence
@pytest.mark.parametrize("params", CONTINUE_CASES, ids=CONTINUE_IDS)
def test_warm_start_continues_the_optimizer(params):
    """Two warm-started fits of k epochs are one fit of 2k epochs.

    Would fail if the second fit reset the moments, the step count (bias
    correction, decay) or the learning-rate schedule.
    """
    X, y = _binary(n_samples=120)
    k, n_batches = 3, 3
    once = _continuing(max_iter=2 * k, **params).fit(X, y)
    twice = _continuing(max_iter=k, warm_start=True, **params).fit(X, y)
    first = [W.copy() for W in twice.coefs_]
    assert optimizer_steps(twice) == k * n_batches
    twice.fit(X, y)
    assert optimizer_steps(twice) == 2 * k * n_batches
    assert not np.array_equal(first[0], twice.coefs_[0])  # it did train on
    assert_close_weights(twice, once, rtol=1e-12, atol=1e-14)
    assert_allclose(twice.loss_curve_, once.loss_curve_, rtol=1e-12)
    assert twice.t_ == once.t_


@ignore_convergence
@pytest.mark.parametrize("params", CONTINUE_CASES, ids=CONTINUE_IDS)
def test_repeated_partial_fit_equals_fit_epochs(params):
    X, y = _binary(n_samples=120)
    epochs = 5
    fitted = _continuing(max_iter=epochs, **params).fit(X, y)
    partial = _continuing(**params)
    for i in range(epochs):
        partial.partial_fit(X, y, classes=[0, 1] if i == 0 else None)
        assert optimizer_steps(partial) == 3 * (i + 1)
    assert_close_weights(partial, fitted, rtol=1e-12, atol=1e-14)
    assert_allclose(partial.loss_curve_, fitted.loss_curve_, rtol=1e-12)
    assert partial.t_ == fitted.t_ == epochs * len(y)


@ignore_convergence
def test_warm_start_from_previous_coefficients():
    X, y = _multiclass()
    est = _small(ScratchMLPClassifier, warm_start=True, max_iter=30).fit(X, y)
    loss_first = est.loss_curve_[-1]
    est.set_params(max_iter=1).fit(X, y)
    # the first epoch of the second fit starts where the first fit ended,
    # not from a fresh initialisation (whose first epoch loss is much higher)
    assert est.loss_curve_[-1] < loss_first * 1.05
    fresh = _small(ScratchMLPClassifier, max_iter=1)
    fresh.fit(X, y)
    assert fresh.loss_curve_[0] > loss_first * 1.2


# -- verbose and warnings ----------------------------------------------------------

LINE = re.compile(r"^Iteration (\d+), loss = (\d+\.\d{8})(.*)$")


@ignore_convergence
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_verbose_prints_one_line_per_epoch(solver, capsys):
    X, y = _binary()
    est = _small(ScratchMLPClassifier, solver=solver, max_iter=4, verbose=True)
    est.fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == est.n_iter_ == 4
    for i, line in enumerate(lines, start=1):
        assert line.startswith(f"Iteration {i}, loss = ")
        match = LINE.match(line)
        assert match, line
        assert float(match.group(2)) == pytest.approx(est.loss_curve_[i - 1], abs=1e-8)
        assert "validation" not in line


@ignore_convergence
@pytest.mark.parametrize("how", ["early_stopping", "X_val"])
def test_verbose_shows_the_validation_score(how, capsys):
    X, y = _binary()
    est = _small(ScratchMLPClassifier, max_iter=4, verbose=True)
    if how == "early_stopping":
        est.set_params(early_stopping=True, n_iter_no_change=100).fit(X, y)
    else:
        est.fit(X[:80], y[:80], X_val=X[80:], y_val=y[80:])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == est.n_iter_ == 4
    for i, line in enumerate(lines, start=1):
        assert line.startswith(f"Iteration {i}, loss = ")
        match = re.search(r"validation score = ([-\d.]+)", line)
        assert match, line
        assert float(match.group(1)) == pytest.approx(
            est.validation_scores_[i - 1], abs=1e-6
        )


@ignore_convergence
def test_verbose_lbfgs(Est, capsys):
    X, y = _binary()
    _small(Est, solver="lbfgs", max_iter=3, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines and lines[0].startswith("Iteration 1, loss = ")


@ignore_convergence
def test_not_verbose_prints_nothing(capsys):
    X, y = _binary()
    _small(ScratchMLPClassifier, max_iter=3).fit(X, y)
    _small(ScratchMLPClassifier, solver="lbfgs", max_iter=3).fit(X, y)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("solver", SOLVERS)
def test_convergence_warning_when_max_iter_is_reached(solver):
    X, y = _multiclass()
    est = _small(ScratchMLPClassifier, solver=solver, max_iter=2)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert est.n_iter_ == 2


def test_no_convergence_warning_when_converged():
    X, y = _binary()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = ScratchLogisticNet(max_iter=1000).fit(X, y)
        est2 = _small(ScratchMLPClassifier, max_iter=1000, tol=1e-2).fit(X, y)
    assert est.n_iter_ < 1000
    assert est2.n_iter_ < 1000


def test_partial_fit_does_not_warn_about_max_iter():
    X, y = _binary()
    est = _small(ScratchMLPClassifier, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.partial_fit(X, y, classes=[0, 1])
        est.partial_fit(X, y)


# -- metadata routing ------------------------------------------------------------------


@pytest.fixture
def metadata_routing():
    sklearn.set_config(enable_metadata_routing=True)
    try:
        yield
    finally:
        sklearn.set_config(enable_metadata_routing=False)


@ignore_convergence
def test_sample_weight_routed_through_pipeline_and_grid_search(Est, metadata_routing):
    X, y = _binary()
    sw = np.random.RandomState(0).randint(1, 5, size=len(y)).astype(float)
    params = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=50, random_state=0)
    clf = Est(**params).set_fit_request(sample_weight=True)
    clf.set_score_request(sample_weight=True)
    pipe = Pipeline(
        [("scale", StandardScaler().set_fit_request(sample_weight=False)), ("clf", clf)]
    )
    search = GridSearchCV(pipe, {"clf__alpha": [1e-3]}, cv=3).fit(
        X, y, sample_weight=sw
    )
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    sklearn.set_config(enable_metadata_routing=False)
    expected = Pipeline(
        [("scale", StandardScaler()), ("clf", Est(**params, alpha=1e-3))]
    ).fit(X, y, clf__sample_weight=sw)
    unweighted = Pipeline(
        [("scale", StandardScaler()), ("clf", Est(**params, alpha=1e-3))]
    ).fit(X, y)
    best = search.best_estimator_.named_steps["clf"]
    assert_same_weights(best, expected.named_steps["clf"])
    # the weights mattered
    assert not np.allclose(best.coefs_[0], unweighted.named_steps["clf"].coefs_[0])


def test_metadata_routing_restored():
    assert sklearn.get_config()["enable_metadata_routing"] is False


# -- targets --------------------------------------------------------------------------


@ignore_convergence
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_multilabel_indicator_target(Est, solver):
    X, Y = make_multilabel_classification(
        n_samples=120, n_features=6, n_classes=4, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    est = _small(Est, solver=solver, max_iter=200).fit(X, Y)
    pred = est.predict(X)
    assert pred.shape == Y.shape
    assert set(np.unique(pred)) <= {0, 1}
    P = est.predict_proba(X)
    assert P.shape == (len(X), 4)
    assert ((P > 0) & (P < 1)).all()
    # independent labels: rows do not sum to 1, and P > 0.5 is the prediction
    assert not np.allclose(P.sum(axis=1), 1.0)
    assert_array_equal(pred, (P > 0.5).astype(int))
    assert est.decision_function(X).shape == (len(X), 4)
    assert est.out_activation_ == "logistic"
    assert est.n_outputs_ == 4
    assert est.score(X, Y) > 0.3  # subset accuracy of a small net
    assert (pred == Y).mean() > 0.75


@ignore_convergence
def test_logistic_net_multiclass_proba_rows_sum_to_one():
    X, y = _multiclass()
    est = ScratchLogisticNet(max_iter=500).fit(X, y)
    P = est.predict_proba(X)
    assert P.shape == (len(y), 3)
    assert_allclose(P.sum(axis=1), 1.0)
    Z = est.decision_function(X)
    assert Z.shape == (len(y), 3)
    # one-vs-rest: the normalised sigmoids of the logits
    S = 1 / (1 + np.exp(-Z))
    assert_allclose(P, S / S.sum(axis=1, keepdims=True), rtol=1e-10)
    # and log P their logs, from the logits: log-sigmoids less their
    # log-sum-exp (SciPy's), clipped to [log(tiny), log(1 - eps)] as P is
    log_S = log_expit(Z)
    expected = np.clip(
        log_S - logsumexp(log_S, axis=1, keepdims=True),
        np.log(np.finfo(Z.dtype).tiny),
        np.log1p(-np.finfo(Z.dtype).eps),
    )
    assert_allclose(est.predict_log_proba(X), expected, rtol=1e-10, atol=1e-15)
    assert_array_equal(est.predict(X), est.classes_[P.argmax(axis=1)])


@ignore_convergence
def test_binary_decision_function_shape(Est):
    X, y = _binary()
    labels = np.array(["no", "yes"])[y]
    est = _small(Est).fit(X, labels)
    d = est.decision_function(X)
    assert d.shape == (len(y),)
    assert_array_equal(est.predict(X), np.where(d > 0, "yes", "no"))
    P = est.predict_proba(X)
    assert P.shape == (len(y), 2)
    assert_allclose(P[:, 1], 1 / (1 + np.exp(-d)), rtol=1e-10)


# -- Hypothesis properties ------------------------------------------------------------


def _random_problem(seed, n_classes, n_samples=40, n_features=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = np.arange(n_samples) % n_classes  # every class present
    rng.shuffle(y)
    X[:, 0] += y  # some signal
    return X, y


problems = st.tuples(st.integers(0, 2**16), st.integers(2, 4))
property_settings = settings(max_examples=12, deadline=None)


@ignore_convergence
@property_settings
@given(
    problem=problems,
    cls=st.sampled_from(ESTIMATORS),
    solver=st.sampled_from(["adam", "lbfgs"]),
)
def test_property_probability_rows_sum_to_one(problem, cls, solver):
    X, y = _random_problem(*problem)
    est = cls(hidden_layer_sizes=(4,), solver=solver, max_iter=20, random_state=0).fit(
        X, y
    )
    P = est.predict_proba(X)
    assert P.shape == (len(y), problem[1])
    assert ((P > 0) & (P < 1)).all()
    assert_allclose(P.sum(axis=1), 1.0, rtol=1e-10)


@ignore_convergence
@property_settings
@given(
    problem=problems,
    cls=st.sampled_from(ESTIMATORS),
    solver=st.sampled_from(["adam", "lbfgs"]),
)
def test_property_renaming_classes_keeps_probabilities(problem, cls, solver):
    X, y = _random_problem(*problem)
    # order-preserving renaming: ints -> strings (single digits sort alike)
    names = np.array([f"class_{k}" for k in range(problem[1])], dtype=object)
    params = dict(hidden_layer_sizes=(4,), solver=solver, max_iter=20, random_state=0)
    ints = cls(**params).fit(X, y)
    strs = cls(**params).fit(X, names[y])
    assert_array_equal(strs.classes_, names)
    assert_array_equal(strs.predict_proba(X), ints.predict_proba(X))
    assert_array_equal(strs.predict(X), names[ints.predict(X)])


@ignore_convergence
@property_settings
@given(
    seed=st.integers(0, 2**16),
    cls=st.sampled_from(ESTIMATORS),
    hidden=st.sampled_from([(), (3,)]),
)
def test_property_integer_sample_weight_equals_repeated_rows(seed, cls, hidden):
    X, y = _random_problem(seed, 2, n_samples=30)
    sw = np.random.default_rng(seed).integers(0, 4, size=len(y))
    sw[:2] = 1  # both classes keep a sample
    params = dict(
        hidden_layer_sizes=hidden,
        solver="lbfgs",
        max_iter=30,
        random_state=0,
        alpha=1e-2,
    )
    weighted = cls(**params).fit(X, y, sample_weight=sw)
    repeated = cls(**params).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-6, atol=1e-7
    )


def _forward_without_dropout(est, X):
    A = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_, strict=True)):
        Z = A @ W + b
        if i < len(est.coefs_) - 1:
            A = np.maximum(Z, 0)  # relu
    return Z


@ignore_convergence
@property_settings
@given(problem=problems, cls=st.sampled_from(ESTIMATORS), rate=st.floats(0.1, 0.8))
def test_property_no_dropout_at_predict(problem, cls, rate):
    X, y = _random_problem(*problem)
    est = cls(
        hidden_layer_sizes=(6, 5),
        solver="adam",
        dropout=rate,
        max_iter=5,
        random_state=0,
    ).fit(X, y)
    P1, P2 = est.predict_proba(X), est.predict_proba(X)
    assert_array_equal(P1, P2)
    Z = _forward_without_dropout(est, X)
    assert_allclose(
        est.decision_function(X),
        Z.ravel() if Z.shape[1] == 1 else Z,
        rtol=1e-12,
        atol=1e-12,
    )


@ignore_convergence
@property_settings
@given(
    problem=problems,
    cls=st.sampled_from(ESTIMATORS),
    solver=st.sampled_from(SOLVERS),
    sparse=st.booleans(),
)
def test_property_float32_in_float32_out(problem, cls, solver, sparse):
    X, y = _random_problem(*problem)
    X = X.astype(np.float32)
    if sparse:
        X = sp.csr_matrix(X)
    est = cls(hidden_layer_sizes=(4,), solver=solver, max_iter=10, random_state=0).fit(
        X, y
    )
    assert all(W.dtype == np.float32 for W in est.coefs_ + est.intercepts_)
    for out in (
        est.predict_proba(X),
        est.predict_log_proba(X),
        est.decision_function(X),
    ):
        assert out.dtype == np.float32
        assert np.isfinite(out).all()


@ignore_convergence
@pytest.mark.parametrize(
    "first, then",
    [
        ({"early_stopping": False}, {"early_stopping": True}),
        ({"early_stopping": True}, {"early_stopping": False}),
        ({"solver": "lbfgs"}, {"solver": "adam"}),
        ({"solver": "adam"}, {"solver": "lbfgs"}),
    ],
)
def test_warm_start_across_a_change_of_stopping_rule_or_solver(first, then):
    # the stopping state of the new rule starts afresh; the weights carry over
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    clf = ScratchMLPClassifier(
        hidden_layer_sizes=(5,), max_iter=5, warm_start=True, random_state=0, **first
    )
    clf.fit(X, y)
    before = [W.copy() for W in clf.coefs_]
    clf.set_params(**then).fit(X, y)
    assert not all(np.array_equal(a, b) for a, b in zip(before, clf.coefs_))
    assert all(np.isfinite(W).all() for W in clf.coefs_)
    if then.get("early_stopping"):
        assert clf.best_loss_ is None and clf.best_validation_score_ > 0
    elif then.get("solver", "adam") != "lbfgs":
        assert clf.best_validation_score_ is None and np.isfinite(clf.best_loss_)
