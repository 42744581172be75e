"""ScratchMLPRegressor against scikit-learn, where the math coincides.

- With the parameters MLPRegressor has, ScratchMLPRegressor draws its initial
  weights, shuffles its samples and splits off its early-stopping set from
  the RandomState exactly as MLPRegressor does, takes the same steps (the
  gradient (P - Y) w / B of both heads, the penalty alpha W / B) and reports
  the same loss values (MLPRegressor's formulas: the squared error averaged
  over the outputs, the Poisson deviance with its constant): the stochastic
  solvers follow the same trajectory to rounding, and lbfgs too while both
  stop on max_iter or the gradient tolerance.
- Early stopping watches R^2 on the same validation rows.
- Where the two differ by design, the test says so: with sample weights the
  epoch loss is the sample-weighted mean of the batch losses (MLPRegressor
  weights each batch by its row count), so ``loss_curve_`` differs while the
  weights do not.
- With no hidden layer (which MLPRegressor cannot fit), the squared error with
  'lbfgs' is Ridge with the same alpha, and the Poisson loss is
  PoissonRegressor with alpha / n_samples.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor, Ridge
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchMLPRegressor

# the largest |difference| of any weight allowed, by solver: the stochastic
# solvers round differently only in the order of a product's scaling (w / B
# once, against MLPRegressor's division of each gradient); L-BFGS amplifies
# that rounding over its iterations a little more
ATOL = {"sgd": 1e-10, "adam": 1e-10, "lbfgs": 1e-8}


def _data(kind, n_samples=130):
    """Standardised X and a target: 'single', 'multi' (3 outputs) or 'counts'."""
    X, y = make_regression(
        n_samples=n_samples, n_features=6, n_informative=4, n_targets=3,
        noise=5.0, random_state=0,
    )  # fmt: skip
    X = StandardScaler().fit_transform(X)
    y = StandardScaler().fit_transform(y)
    if kind == "single":
        return X, y[:, 0]
    if kind == "multi":
        return X, y
    rng = np.random.RandomState(0)
    return X, rng.poisson(np.exp(0.6 * X[:, 0] - 0.4 * X[:, 1])).astype(float)


def _weights(n):
    return np.random.RandomState(42).randint(0, 4, size=n).astype(float)


BASE = dict(
    hidden_layer_sizes=(8, 5),
    batch_size=32,
    max_iter=12,
    random_state=3,
    learning_rate_init=0.01,
    alpha=1e-3,
)

CASES = [("squared_error", "single"), ("squared_error", "multi"), ("poisson", "counts")]
case_ids = pytest.mark.parametrize(
    "loss,kind", CASES, ids=[f"{loss}-{kind}" for loss, kind in CASES]
)


def _fit_both(X, y, sample_weight=None, **params):
    params = {**BASE, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPRegressor(**params).fit(X, y, sample_weight=sample_weight)
        ours = ScratchMLPRegressor(**params).fit(X, y, sample_weight=sample_weight)
    return theirs, ours


def _max_diff(theirs, ours):
    return max(
        float(np.abs(a - b).max())
        for a, b in zip(
            theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_,
            strict=True,
        )
    )  # fmt: skip


def _assert_same_model(theirs, ours, atol, X=None):
    assert len(ours.coefs_) == len(theirs.coefs_)
    for a, b in zip(
        theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_, strict=True
    ):
        assert a.shape == b.shape
        assert a.dtype == b.dtype
    assert _max_diff(theirs, ours) <= atol
    for name in ("n_outputs_", "n_layers_", "out_activation_", "n_iter_", "t_"):
        if hasattr(theirs, name):
            assert getattr(ours, name) == getattr(theirs, name), name
    if X is not None:
        pred_theirs, pred_ours = theirs.predict(X), ours.predict(X)
        assert pred_ours.shape == pred_theirs.shape
        assert_allclose(pred_ours, pred_theirs, rtol=1e-9, atol=atol)


def test_initial_weights_drawn_as_mlpregressor():
    X, y = _data("single")
    theirs, ours = _fit_both(
        X, y, solver="sgd", learning_rate_init=1e-300, momentum=0, max_iter=1
    )
    _assert_same_model(theirs, ours, atol=0)


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
@case_ids
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_solvers_follow_mlpregressor(solver, loss, kind, activation):
    X, y = _data(kind)
    theirs, ours = _fit_both(X, y, solver=solver, loss=loss, activation=activation)
    _assert_same_model(theirs, ours, ATOL[solver], X)
    assert ours.n_iter_ == BASE["max_iter"]
    # the same loss values: MLPRegressor's formulas
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)
    assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-10)


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="sgd", nesterovs_momentum=False),
        dict(solver="sgd", momentum=0.0),
        dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.2),
        dict(
            solver="sgd",
            learning_rate="adaptive",
            n_iter_no_change=1,
            tol=0.05,
            max_iter=40,
        ),
        dict(solver="sgd", shuffle=False),
        dict(solver="adam", shuffle=False),
        dict(solver="adam", beta_1=0.5, beta_2=0.9, epsilon=1e-6),
        dict(solver="adam", batch_size="auto"),
        dict(solver="adam", tol=1e-2, n_iter_no_change=2, max_iter=300),
        dict(solver="adam", hidden_layer_sizes=(), max_iter=20),
        dict(solver="adam", hidden_layer_sizes=7),
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
@case_ids
def test_stochastic_options_follow_mlpregressor(params, loss, kind):
    X, y = _data(kind)
    theirs, ours = _fit_both(X, y, loss=loss, **params)
    _assert_same_model(theirs, ours, ATOL[params["solver"]], X)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


@case_ids
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_sample_weight_follows_mlpregressor(solver, loss, kind):
    X, y = _data(kind)
    theirs, ours = _fit_both(X, y, _weights(len(X)), solver=solver, loss=loss)
    _assert_same_model(theirs, ours, ATOL[solver], X)
    # by design, not MLPRegressor's: the epoch loss is the weighted mean of
    # the batch losses, where MLPRegressor weights batches by their row count
    assert not np.allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@case_ids
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_early_stopping_follows_mlpregressor(solver, loss, kind, weighted):
    """The same random split, the same R^2 scores, the same restored weights."""
    X, y = _data(kind)
    sw = _weights(len(X)) if weighted else None
    theirs, ours = _fit_both(
        X, y, sw, solver=solver, loss=loss, early_stopping=True,
        n_iter_no_change=4, max_iter=200,
    )  # fmt: skip
    assert ours.n_iter_ == theirs.n_iter_ < 200
    assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-10)
    assert ours.best_validation_score_ == pytest.approx(
        theirs.best_validation_score_, rel=1e-10
    )
    assert ours.best_loss_ is theirs.best_loss_ is None
    _assert_same_model(theirs, ours, ATOL[solver], X)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@case_ids
def test_lbfgs_follows_mlpregressor(loss, kind, weighted):
    X, y = _data(kind)
    sw = _weights(len(X)) if weighted else None
    theirs, ours = _fit_both(X, y, sw, solver="lbfgs", loss=loss, max_iter=30)
    assert ours.n_iter_ == theirs.n_iter_ == 30
    _assert_same_model(theirs, ours, ATOL["lbfgs"], X)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-8)


@case_ids
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_follows_mlpregressor(solver, loss, kind):
    """Five partial_fit calls: both carry the optimizer's state across calls."""
    X, y = _data(kind)
    params = {**BASE, "solver": solver, "loss": loss}
    theirs, ours = MLPRegressor(**params), ScratchMLPRegressor(**params)
    for _ in range(5):
        theirs.partial_fit(X, y)
        ours.partial_fit(X, y)
    _assert_same_model(theirs, ours, ATOL[solver], X)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_with_sample_weight_follows_mlpregressor(solver):
    X, y = _data("single")
    sw = _weights(len(X))
    params = {**BASE, "solver": solver}
    theirs, ours = MLPRegressor(**params), ScratchMLPRegressor(**params)
    for _ in range(3):
        theirs.partial_fit(X, y, sample_weight=sw)
        ours.partial_fit(X, y, sample_weight=sw)
    _assert_same_model(theirs, ours, ATOL[solver], X)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_float32_follows_mlpregressor(solver, loss):
    X, y = _data("counts" if loss == "poisson" else "single")
    X = X.astype(np.float32)
    theirs, ours = _fit_both(X, y, solver=solver, loss=loss, max_iter=5)
    # float32 end to end (MLPRegressor's lbfgs returns float64 weights, and
    # its float64 y makes its output deltas float64): close, not equal
    assert all(W.dtype == np.float32 for W in ours.coefs_ + ours.intercepts_)
    assert ours.predict(X).dtype == np.float32
    for a, b in zip(
        theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_, strict=True
    ):
        assert_allclose(b, a.astype(np.float32), atol=1e-4, rtol=0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_column_y_warns_and_predicts_1d_as_mlpregressor():
    X, y = _data("single")
    with pytest.warns(Warning, match="column-vector y") as theirs_warnings:
        theirs = MLPRegressor(**BASE).fit(X, y[:, None])
    with pytest.warns(Warning, match="column-vector y") as ours_warnings:
        ours = ScratchMLPRegressor(**BASE).fit(X, y[:, None])
    assert {type(w.message) for w in ours_warnings if "column" in str(w.message)} == {
        type(w.message) for w in theirs_warnings if "column" in str(w.message)
    }
    assert ours.predict(X).shape == theirs.predict(X).shape == (len(X),)
    assert _max_diff(theirs, ours) <= 1e-10


# -- no hidden layer: the linear models ------------------------------------


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alpha", [0.01, 1.0, 100.0])
def test_no_hidden_layer_squared_error_is_ridge(alpha, weighted):
    X, y = _data("single")
    sw = _weights(len(X)) + 0.5 if weighted else None
    ridge = Ridge(alpha=alpha).fit(X, y, sample_weight=sw)
    ours = ScratchMLPRegressor(
        hidden_layer_sizes=(), solver="lbfgs", alpha=alpha, tol=1e-10, max_iter=10_000
    ).fit(X, y, sample_weight=sw)
    assert_allclose(ours.coefs_[0][:, 0], ridge.coef_, atol=1e-6)
    assert_allclose(ours.intercepts_[0][0], ridge.intercept_, atol=1e-6)


@pytest.mark.parametrize("alpha", [0.0, 0.1, 10.0])
def test_no_hidden_layer_poisson_is_poisson_regressor(alpha):
    X, y = _data("counts")
    glm = PoissonRegressor(alpha=alpha / len(X), tol=1e-12, max_iter=10_000).fit(X, y)
    ours = ScratchMLPRegressor(
        loss="poisson", hidden_layer_sizes=(), solver="lbfgs", alpha=alpha,
        tol=1e-10, max_iter=10_000,
    ).fit(X, y)  # fmt: skip
    assert ours.out_activation_ == "exp"
    assert_allclose(ours.coefs_[0][:, 0], glm.coef_, atol=1e-6)
    assert_allclose(ours.intercepts_[0][0], glm.intercept_, atol=1e-6)
    assert_allclose(ours.predict(X), glm.predict(X), rtol=1e-6)
