"""ScratchMLPRegressor: bad targets get a clear error naming the argument,
raised before any training, and nothing is fitted half-way.

As ``test_bad_input.py`` for the classifiers: each row of ``REJECTED`` says
the parameters, the call and the error (type and message, which is part of
the contract); the ``no_training`` fixture turns the two training drivers
into traps, and a rejected first fit leaves no ``coefs_`` (``predict`` still
raises ``NotFittedError``). A rejected ``partial_fit`` or ``warm_start`` fit
of a fitted model keeps its weights.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import skmlp._solvers
from skmlp import ScratchMLPRegressor

SMALL = {"hidden_layer_sizes": (5,), "max_iter": 5}
X, Y3 = make_regression(n_samples=40, n_features=4, n_targets=3, random_state=0)
Y3 = Y3 / Y3.std(axis=0)
y = Y3[:, 0].copy()
COUNTS = np.random.RandomState(0).poisson(2.0, size=40).astype(float)


def _trap_training(monkeypatch):
    """Make any later call of the training drivers fail the test."""

    def trap(*args, **kwargs):
        raise AssertionError("training started although the input is invalid")

    monkeypatch.setattr(skmlp._solvers, "run_stochastic", trap)
    monkeypatch.setattr(skmlp._solvers, "run_lbfgs", trap)


@pytest.fixture
def no_training(monkeypatch):
    _trap_training(monkeypatch)


def _with(a, index, value, dtype=None):
    a = np.array(a, dtype=dtype)
    a[index] = value
    return a


def row(id, match, params=None, exc=ValueError, method="fit", **args):
    return pytest.param(params or {}, method, args, exc, match, id=id)


REJECTED = [
    # -- the targets -----------------------------------------------------------
    row("y-nan", "Input y contains NaN", y=_with(y, 3, np.nan)),
    row("y-inf", "Input y contains infinity", y=_with(y, 3, np.inf)),
    row("y-2d-nan", "Input y contains NaN", y=_with(Y3, (3, 1), np.nan)),
    row("y-nan-partial", "Input y contains NaN", y=_with(y, 0, np.nan),
        method="partial_fit"),
    row("y-strings", r"needs numeric targets: y must hold real numbers, got dtype <U",
        y=np.array(["a", "b"] * 20)),
    row("y-numeric-strings", "needs numeric targets: y", y=np.array(["1.5", "2"] * 20)),
    row("y-object-strings", "needs numeric targets: y .* ScratchMLPClassifier",
        y=np.array(["a", 1.0] * 20, dtype=object)),
    row("y-bytes", "needs numeric targets: y", y=np.array([b"a", b"b"] * 20)),
    row("y-dates", "needs numeric targets: y",
        y=np.arange(40).astype("datetime64[D]")),
    row("y-object-nan", "Input y contains NaN",
        y=_with(y.astype(object), 2, None)),
    row("y-complex", "Complex data not supported", y=y + 1j),
    row("y-sparse", r"needs a dense y; got a sparse matrix",
        y=sp.csr_matrix(Y3)),
    row("y-3d", "y", y=Y3[:, :, None]),
    row("y-length", "inconsistent numbers of samples", y=y[:-1]),
    row("y-none", "requires y to be passed", y=None),
    # -- Poisson: y >= 0 ------------------------------------------------------------
    row("poisson-negative", r"loss='poisson' needs y >= 0 .* smallest -1.0",
        {"loss": "poisson"}, y=_with(COUNTS, 5, -1.0)),
    row("poisson-negative-partial", r"loss='poisson' needs y >= 0",
        {"loss": "poisson"}, method="partial_fit", y=_with(COUNTS, 5, -1.0)),
    row("poisson-negative-2d", r"loss='poisson' needs y >= 0",
        {"loss": "poisson"}, y=np.column_stack([COUNTS, -COUNTS])),
    # -- the validation set ---------------------------------------------------------
    row("y_val-nan", "Input y_val contains NaN", X_val=X[:10],
        y_val=_with(y[:10], 0, np.nan)),
    row("y_val-strings", "needs numeric targets: y_val", X_val=X[:10],
        y_val=np.array(["a"] * 10)),
    row("y_val-outputs", r"y_val has 2 output\(s\) .* fitted on 1", X_val=X[:10],
        y_val=Y3[:10, :2]),
    row("y_val-poisson-negative", r"loss='poisson' needs y_val >= 0",
        {"loss": "poisson"}, X_val=X[:10], y_val=-COUNTS[:10] - 1, y=COUNTS),
    row("y_val-without-X_val", "needs both X_val and y_val", y_val=y[:10]),
    # -- weights and parameters -------------------------------------------------------
    row("sample_weight-negative", "Negative values in sample_weight",
        sample_weight=_with(np.ones(40), 0, -1.0)),
    row("sample_weight-zero", "sample_weight must contain at least one non-zero",
        sample_weight=np.zeros(40)),
    row("sample_weight-length", r"one weight per row of X, shape \(40,\)",
        sample_weight=np.ones(3)),
    row("loss-unknown", "The 'loss' parameter of ScratchMLPRegressor must be",
        {"loss": "absolute_error"}),
    row("dropout-range", "The 'dropout' parameter of ScratchMLPRegressor",
        {"dropout": 1.0}),
    row("dropout-lbfgs", "needs a stochastic solver",
        {"dropout": 0.2, "solver": "lbfgs"}),
    row("l1_ratio-range", "The 'l1_ratio' parameter", {"l1_ratio": 1.5}),
    row("partial_fit-early_stopping", "does not support early_stopping=True",
        {"early_stopping": True}, method="partial_fit"),
    row("X_val-lbfgs", "solver='lbfgs' has neither", {"solver": "lbfgs"},
        X_val=X[:10], y_val=y[:10]),
]  # fmt: skip


@pytest.mark.usefixtures("no_training")
@pytest.mark.parametrize("params,method,args,exc,match", REJECTED)
def test_rejected_before_training(params, method, args, exc, match):
    est = ScratchMLPRegressor(**{**SMALL, **params})
    args = {"X": X, "y": y, **args}
    with pytest.raises(exc, match=match):
        getattr(est, method)(**args)
    assert not hasattr(est, "coefs_"), "a rejected fit left weights behind"
    with pytest.raises(NotFittedError):
        est.predict(X)


def _fitted(**params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ScratchMLPRegressor(**{**SMALL, **params}).fit(X, Y3[:, :2])


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda est: est.partial_fit(X, Y3), r"y has 3 output\(s\) .* fitted on 2"),
        (lambda est: est.partial_fit(X, y), r"y has 1 output\(s\) .* fitted on 2"),
        (lambda est: est.partial_fit(X, _with(Y3[:, :2], 0, np.nan)), "contains NaN"),
        (lambda est: est.partial_fit(X, np.full((40, 2), "a")), "numeric targets"),
        (lambda est: est.partial_fit(X[:, :3], Y3[:, :2]), "has 3 features"),
    ],
    ids=["more-outputs", "fewer-outputs", "nan", "strings", "features"],
)
def test_partial_fit_rejects_and_keeps_the_model(call, match, monkeypatch):
    est = _fitted()
    _trap_training(monkeypatch)
    before = [W.copy() for W in est.coefs_ + est.intercepts_]
    state = (est.n_iter_, est.t_, list(est.loss_curve_), est.n_outputs_)
    with pytest.raises(ValueError, match=match):
        call(est)
    for W, W_before in zip(est.coefs_ + est.intercepts_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)
    assert (est.n_iter_, est.t_, est.loss_curve_, est.n_outputs_) == state
    assert est.predict(X).shape == (40, 2)


def test_warm_start_with_other_outputs_names_y(monkeypatch):
    est = _fitted(warm_start=True)
    _trap_training(monkeypatch)
    before = [W.copy() for W in est.coefs_]
    with pytest.raises(ValueError, match=r"y has 3 output\(s\) .*\(warm_start=False\)"):
        est.fit(X, Y3)
    for W, W_before in zip(est.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)


def test_poisson_partial_fit_rejects_negative_y_and_keeps_the_model():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = ScratchMLPRegressor(loss="poisson", **SMALL).fit(X, COUNTS)
    before = est.predict(X)
    with pytest.raises(ValueError, match="needs y >= 0"):
        est.partial_fit(X, COUNTS - 3)
    np.testing.assert_array_equal(est.predict(X), before)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "target",
    [
        y.astype(object),  # an object array of numbers, as pandas may give
        pd.Series(y).astype(object),
        (y > 0),  # booleans are numbers
        np.round(y * 3).astype(np.int64),
        pd.DataFrame(Y3[:, :2], columns=["a", "b"]),
    ],
    ids=["object", "pandas-object", "bool", "int", "dataframe"],
)
def test_numeric_targets_of_any_kind_are_accepted(target):
    est = ScratchMLPRegressor(**SMALL, random_state=0).fit(X, target)
    expected = np.asarray(target, dtype=float)
    reference = ScratchMLPRegressor(**SMALL, random_state=0).fit(X, expected)
    np.testing.assert_array_equal(est.predict(X), reference.predict(X))
    assert est.predict(X).shape == expected.shape


def test_poisson_accepts_zeros():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = ScratchMLPRegressor(loss="poisson", **SMALL).fit(X, COUNTS * 0)
    assert np.all(est.predict(X) > 0)


def test_no_class_weight_parameter():
    """class_weight has no regression meaning: the regressor does not take it."""
    assert "class_weight" not in ScratchMLPRegressor().get_params()
    with pytest.raises(TypeError, match="class_weight"):
        ScratchMLPRegressor(class_weight="balanced")


def test_partial_fit_absent_for_lbfgs():
    est = ScratchMLPRegressor(solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'"):
        est.partial_fit(X, y)


def test_predict_before_fit_and_bad_X():
    est = ScratchMLPRegressor(**SMALL)
    with pytest.raises(NotFittedError):
        est.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(_with(X, (0, 0), np.nan))
    with pytest.raises(ValueError, match="has 3 features"):
        est.predict(X[:, :3])
