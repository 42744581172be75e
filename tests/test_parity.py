"""Ours vs theirs, where the math coincides.

- ScratchLogisticNet(hidden_layer_sizes=(), solver='lbfgs', alpha=1/C) is
  LogisticRegression(C=C) (binary) and OneVsRestClassifier(LogisticRegression(C=C))
  (multiclass), with and without sample weights (SPEC).
- ScratchMLPClassifier with no hidden layer and 'lbfgs' is multinomial
  LogisticRegression.
- ScratchMLPClassifier draws its initial weights and shuffles its samples from
  the RandomState exactly as MLPClassifier does, so with identical parameters
  the stochastic solvers follow the same trajectory (to rounding) and lbfgs
  starts from the same point.

Each test runs on the NumPy backend with and without the compiled kernels.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import skmlp
from skmlp import ScratchLogisticNet, ScratchMLPClassifier
from skmlp._core.backends import numba_available

CS = [0.01, 1.0, 100.0]


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def backend(request):
    """Every parity test on both NumPy backends: with the compiled kernels
    (the ``fast`` extra) and without; both must give MLPClassifier's model."""
    if request.param == "compiled" and not numba_available():
        pytest.skip("the fast extra (numba) is not installed")
    with skmlp.config_context(fast=request.param == "compiled"):
        yield request.param


def _binary():
    # make_classification's default redundant features make the problem
    # ill-conditioned for large C: a good test of the optimizer's stopping rule
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, random_state=0
    )
    return StandardScaler().fit_transform(X), y


def _multiclass():
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return StandardScaler().fit_transform(X), y


def _weights(n, integer=False):
    rng = np.random.RandomState(42)
    if integer:
        return rng.randint(0, 4, size=n).astype(float)
    return rng.uniform(0.2, 3.0, size=n)


def _logistic_net(C, **params):
    return ScratchLogisticNet(
        hidden_layer_sizes=(),
        solver="lbfgs",
        alpha=1.0 / C,
        tol=1e-10,
        max_iter=10_000,
        random_state=0,
        **params,
    )


def _logistic_regression(C):
    return LogisticRegression(C=C, tol=1e-12, max_iter=10_000)


# -- ScratchLogisticNet == LogisticRegression -------------------------------


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("C", CS)
def test_logistic_net_binary_equals_logistic_regression(C, weighted):
    X, y = _binary()
    sw = _weights(len(y)) if weighted else None
    theirs = _logistic_regression(C).fit(X, y, sample_weight=sw)
    ours = _logistic_net(C).fit(X, y, sample_weight=sw)
    assert ours.coef_.shape == theirs.coef_.shape == (1, X.shape[1])
    assert ours.intercept_.shape == theirs.intercept_.shape == (1,)
    assert_allclose(ours.coef_, theirs.coef_, atol=1e-4, rtol=0)
    assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-4, rtol=0)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-4)
    assert_allclose(
        ours.decision_function(X), theirs.decision_function(X), atol=1e-3, rtol=0
    )
    assert_array_equal(ours.classes_, theirs.classes_)


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_logistic_net_multiclass_equals_one_vs_rest(C):
    X, y = _multiclass()
    theirs = OneVsRestClassifier(_logistic_regression(C)).fit(X, y)
    ours = _logistic_net(C).fit(X, y)
    coef = np.vstack([est.coef_ for est in theirs.estimators_])
    intercept = np.hstack([est.intercept_ for est in theirs.estimators_])
    assert ours.coef_.shape == (3, X.shape[1])
    assert_allclose(ours.coef_, coef, atol=1e-4, rtol=0)
    assert_allclose(ours.intercept_, intercept, atol=1e-4, rtol=0)
    # rows normalised to sum to 1, as OneVsRestClassifier does
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-4)
    assert_array_equal(ours.predict(X), theirs.predict(X))


def test_logistic_net_multiclass_weighted_equals_one_vs_rest():
    X, y = _multiclass()
    sw = _weights(len(y))
    # one weighted LogisticRegression per class: OneVsRestClassifier by hand
    # (its fit routes sample_weight only with metadata routing enabled)
    per_class = [
        _logistic_regression(1.0).fit(X, y == k, sample_weight=sw) for k in range(3)
    ]
    ours = _logistic_net(1.0).fit(X, y, sample_weight=sw)
    coef = np.vstack([est.coef_ for est in per_class])
    intercept = np.hstack([est.intercept_ for est in per_class])
    assert_allclose(ours.coef_, coef, atol=1e-4, rtol=0)
    assert_allclose(ours.intercept_, intercept, atol=1e-4, rtol=0)
    P = np.column_stack([est.predict_proba(X)[:, 1] for est in per_class])
    assert_allclose(ours.predict_proba(X), P / P.sum(axis=1, keepdims=True), atol=1e-4)


def test_logistic_net_class_weight_equals_logistic_regression():
    X, y = _binary()
    class_weight = {0: 1.0, 1: 3.0}
    theirs = LogisticRegression(
        C=1.0, tol=1e-12, max_iter=10_000, class_weight=class_weight
    ).fit(X, y)
    ours = _logistic_net(1.0, class_weight=class_weight).fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, atol=1e-4, rtol=0)
    assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-4, rtol=0)


# -- no-hidden-layer softmax network == multinomial LogisticRegression ------


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_softmax_net_without_hidden_layer_equals_multinomial(C):
    X, y = _multiclass()
    theirs = _logistic_regression(C).fit(X, y)
    ours = ScratchMLPClassifier(
        hidden_layer_sizes=(),
        solver="lbfgs",
        alpha=1.0 / C,
        tol=1e-10,
        max_iter=10_000,
    ).fit(X, y)
    assert ours.out_activation_ == "softmax"
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-3)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    # softmax logits are defined up to a constant per row: compare the
    # centred coefficients (LogisticRegression's are centred by its penalty,
    # and so are ours, since the L2 penalty picks the minimum-norm solution)
    W = ours.coefs_[0].T
    assert_allclose(W - W.mean(axis=0), theirs.coef_, atol=1e-3)


# -- ScratchMLPClassifier == MLPClassifier, step by step ---------------------


def _data(kind):
    if kind == "binary":
        X, y = make_classification(
            n_samples=130, n_features=6, n_informative=4, random_state=0
        )
    elif kind == "multiclass":
        X, y = make_classification(
            n_samples=130, n_features=6, n_informative=4, n_classes=3, random_state=0
        )
    else:
        X, y = make_multilabel_classification(
            n_samples=100, n_features=5, n_classes=3, random_state=0
        )
    return StandardScaler().fit_transform(X), y


BASE = dict(
    hidden_layer_sizes=(8, 5),
    batch_size=32,
    max_iter=12,
    random_state=3,
    shuffle=True,
    learning_rate_init=0.01,
    alpha=1e-3,
)


def _fit_both(X, y, sample_weight=None, **params):
    params = {**BASE, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPClassifier(**params).fit(X, y, sample_weight=sample_weight)
        ours = ScratchMLPClassifier(**params).fit(X, y, sample_weight=sample_weight)
    return theirs, ours


def _assert_same_weights(theirs, ours, atol):
    assert len(ours.coefs_) == len(theirs.coefs_)
    for W_ours, W_theirs in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        assert W_ours.dtype == W_theirs.dtype
        assert W_ours.shape == W_theirs.shape
        assert_allclose(W_ours, W_theirs, atol=atol, rtol=0)


def test_initial_weights_drawn_as_mlpclassifier():
    """Before any step: max_iter=1 with learning_rate_init tiny leaves ~the init."""
    X, y = _data("multiclass")
    theirs, ours = _fit_both(X, y, solver="sgd", learning_rate_init=1e-300, momentum=0)
    _assert_same_weights(theirs, ours, atol=0)


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_solvers_follow_mlpclassifier(solver, kind, activation):
    X, y = _data(kind)
    theirs, ours = _fit_both(X, y, solver=solver, activation=activation)
    _assert_same_weights(theirs, ours, atol=1e-10)
    assert ours.n_iter_ == theirs.n_iter_ == BASE["max_iter"]
    assert ours.t_ == theirs.t_
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-10)


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="sgd", nesterovs_momentum=False),
        dict(solver="sgd", momentum=0.0),
        dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5),
        dict(
            solver="sgd",
            learning_rate="adaptive",
            n_iter_no_change=1,
            tol=0.05,
            max_iter=30,
        ),
        dict(solver="sgd", shuffle=False),
        dict(solver="adam", shuffle=False),
        dict(solver="adam", beta_1=0.5, beta_2=0.9, epsilon=1e-6),
        pytest.param(
            dict(solver="adam", batch_size=200),  # larger than n: clipped
            marks=pytest.mark.filterwarnings("ignore:Got `?batch_size"),
        ),
        dict(solver="adam", tol=1e-2, n_iter_no_change=2, max_iter=200),
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
def test_stochastic_options_follow_mlpclassifier(params):
    X, y = _data("multiclass")
    theirs, ours = _fit_both(X, y, **params)
    _assert_same_weights(theirs, ours, atol=1e-10)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


def test_batch_size_larger_than_n_warns_as_mlpclassifier():
    X, y = _data("binary")
    params = {**BASE, "batch_size": 500, "max_iter": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="batch_size"):
            MLPClassifier(**params).fit(X, y)
        with pytest.warns(UserWarning, match="batch_size"):
            ScratchMLPClassifier(**params).fit(X, y)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_solvers_with_sample_weight_follow_mlpclassifier(solver):
    X, y = _data("multiclass")
    sw = _weights(len(y), integer=True)
    theirs, ours = _fit_both(X, y, sample_weight=sw, solver=solver)
    _assert_same_weights(theirs, ours, atol=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_binary_early_stopping_follows_mlpclassifier(solver, weighted):
    """Same validation split, same validation scores, same restored best weights."""
    X, y = _data("binary")
    sw = _weights(len(y), integer=True) if weighted else None
    theirs, ours = _fit_both(
        X, y, sample_weight=sw, solver=solver, early_stopping=True, n_iter_no_change=4
    )
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-12)
    assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_)
    _assert_same_weights(theirs, ours, atol=1e-10)


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@pytest.mark.parametrize("weighted", [False, True])
def test_lbfgs_follows_mlpclassifier(kind, weighted):
    X, y = _data(kind)
    sw = _weights(len(y), integer=True) if weighted else None
    theirs, ours = _fit_both(X, y, sample_weight=sw, solver="lbfgs", max_iter=30)
    _assert_same_weights(theirs, ours, atol=1e-8)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-8)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_float32_follows_mlpclassifier(solver):
    X, y = _data("multiclass")
    X = X.astype(np.float32)
    theirs, ours = _fit_both(X, y, solver=solver, max_iter=5)
    # SPEC: float32 end to end, also for lbfgs (MLPClassifier's lbfgs returns
    # float64 weights; its stochastic solvers float32)
    assert all(W.dtype == np.float32 for W in ours.coefs_ + ours.intercepts_)
    for W_ours, W_theirs in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        assert_allclose(W_ours, W_theirs.astype(np.float32), atol=1e-4, rtol=0)
