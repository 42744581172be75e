"""Bad input gets a clear ValueError/TypeError, raised before any training.

SPEC, "Behaviour every user may count on": bad input gets a ``ValueError`` or
``TypeError`` naming the parameter or the problem, raised before any
training. The cases are one table, ``REJECTED``, run for both estimators by
``test_rejected_before_training``; each row says

- the parameters, the method called and its arguments;
- the exception type (``ValueError``/``TypeError``; scikit-learn's
  ``InvalidParameterError`` is both);
- the message (``match=``): the message is part of the contract.

Every row also checks "before training": the ``no_training`` fixture
replaces the two training drivers ``run_stochastic`` and ``run_lbfgs`` by
traps that fail the test if called, and the rejected estimator has no
``coefs_`` afterwards and still answers ``predict`` with ``NotFittedError``
(not an ``AttributeError`` from half-set state: ``validate_data`` and the
label encoding set ``n_features_in_`` and ``classes_`` before the later
checks run).

The tests after the table cover what a row cannot: prediction-time input,
a fitted model that must keep its weights, a method that does not exist.
"""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _helpers import classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import skmlp._arrays
import skmlp._solvers
from skmlp import ScratchLogisticNet, ScratchMLPClassifier

# small networks: nothing here should ever train, but keep a miss cheap
SMALL = {"hidden_layer_sizes": (5,), "max_iter": 5}
# the data of every row: scikit-learn's make_classification defaults, unscaled
DATA = {
    "binary": classification(40, 5, 3, n_redundant=2, n_classes=2, scale=False),
    "multiclass": classification(60, 5, 3, n_redundant=2, n_classes=3, scale=False),
}
PREDICT_METHODS = ["predict", "predict_proba", "predict_log_proba", "decision_function"]


@pytest.fixture
def data():
    X, y = DATA["binary"]
    return X.copy(), y.copy()


@pytest.fixture
def no_training(monkeypatch):
    """Make any call of the training drivers fail the test."""

    def trap(*args, **kwargs):
        raise AssertionError("training started although the input is invalid")

    monkeypatch.setattr(skmlp._solvers, "run_stochastic", trap)
    monkeypatch.setattr(skmlp._solvers, "run_lbfgs", trap)


def assert_rejected(est, call, exc, match):
    """``call()`` raises ``exc`` matching ``match``; ``est`` is left unfitted."""
    with pytest.raises(exc, match=match):
        call()
    assert not hasattr(est, "coefs_"), "a rejected fit left weights behind"
    with pytest.raises(NotFittedError):
        est.predict(DATA["binary"][0])


def assert_weights_kept(est, call, match):
    """``call()`` raises a ValueError matching ``match``; the fitted weights stay."""
    before = [W.copy() for W in est.coefs_]
    with pytest.raises(ValueError, match=match):
        call()
    for W, W_before in zip(est.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)


# ---------------------------------------------------------------------------
# the table: (parameters, method, arguments) -> (exception, message)
# ---------------------------------------------------------------------------


def _with(a, index, value, dtype=None):
    """A copy of ``a`` (cast to ``dtype``) with ``a[index] = value``."""
    a = np.array(a, dtype=dtype)
    a[index] = value
    return a


def _container(X, container):
    if container == "float32":
        return X.astype(np.float32)
    if container in ("csr", "csc"):
        return sp.csr_matrix(X) if container == "csr" else sp.csc_matrix(X)
    if container == "fortran":
        return np.asfortranarray(X)
    if container == "strided":  # every other column of a wider array
        return np.repeat(X, 2, axis=1)[:, ::2]
    return X


def _multilabel(X, y):
    return {"X": X, "y": (np.random.default_rng(0).random((len(X), 3)) < 0.5) * 1}


def row(
    id,
    match,
    params=None,
    args=None,
    *,
    method="fit",
    exc=ValueError,
    base=SMALL,
    data="binary",
):
    """One case: ``Est(**base, **params).<method>(**args(X, y))`` is rejected.

    ``args`` maps the data to the method's keyword arguments; by default
    ``X`` and ``y`` as they are (and ``classes=[0, 1]`` for ``partial_fit``).
    """
    if args is None:
        args = (
            (lambda X, y: {"X": X, "y": y, "classes": [0, 1]})
            if method == "partial_fit"
            else (lambda X, y: {"X": X, "y": y})
        )
    return pytest.param(
        {**base, **(params or {})}, method, args, exc, match, data, id=id
    )


NON_FINITE_X = [
    row(
        f"X-{name}-{container}",
        match,
        {"solver": "adam"},
        lambda X, y, value=value, container=container: {
            "X": _container(_with(X, (3, 2), value), container),
            "y": y,
        },
    )
    for container in ["dense", "csr", "csc", "float32", "fortran", "strided"]
    for name, value, match in [
        ("nan", np.nan, "NaN"),
        ("inf", np.inf, "infinity"),
        ("-inf", -np.inf, "infinity"),
    ]
]

X_AND_Y = [
    row(
        "X-nan-partial_fit",
        "NaN",
        {"solver": "sgd"},
        lambda X, y: {"X": _with(X, (0, 0), np.nan), "y": y, "classes": [0, 1]},
        method="partial_fit",
    ),
    row("X-1d", "2D array", args=lambda X, y: {"X": X[:, 0], "y": y}),
    row("X-3d", "dim 3", args=lambda X, y: {"X": X[:, :, np.newaxis], "y": y}),
    row(
        "X-y-lengths",
        "inconsistent numbers of samples",
        args=lambda X, y: {"X": X, "y": y[:-1]},
    ),
    row("X-no-samples", "0 sample", args=lambda X, y: {"X": X[:0], "y": y[:0]}),
    row("X-no-features", "0 feature", args=lambda X, y: {"X": X[:, :0], "y": y}),
    row("X-complex", "[Cc]omplex", args=lambda X, y: {"X": X + 1j, "y": y}),
    row(
        "X-string",
        "abc|convert",
        args=lambda X, y: {"X": _with(X, (0, 0), "abc", dtype=object), "y": y},
    ),
    *[
        row(
            f"y-one-class-{label}-{solver}",
            "at least 2 classes.*one class",
            {"solver": solver},
            lambda X, y, label=label: {
                "X": X,
                "y": np.full(len(X), label, dtype=object if label == "a" else int),
            },
        )
        for label in [0, 7, "a"]
        for solver in ["adam", "lbfgs"]
    ],
    row(
        "y-continuous",
        "[Uu]nknown label type",
        args=lambda X, y: {"X": X, "y": np.linspace(0, 1, len(X))},
    ),
    row(
        "y-nan",
        "NaN",
        args=lambda X, y: {"X": X, "y": _with(y, 0, np.nan, dtype=float)},
    ),
    row(
        # scikit-learn's label checks answer with a TypeError naming both types
        "y-mixed-label-types",
        "int.*str|str.*int|[Mm]ix.*(str|number)|[Uu]nknown label type",
        args=lambda X, y: {"X": X, "y": _with(y, 0, "a", dtype=object)},
        exc=(ValueError, TypeError),
    ),
]

BAD_PARAMETERS = [
    # dropout outside [0, 1), or a list of the wrong length
    ({"dropout": 1.0}, "'dropout' parameter"),
    ({"dropout": -0.1}, "'dropout' parameter"),
    ({"dropout": 1.2}, "'dropout' parameter"),
    ({"dropout": np.nan}, "'dropout' parameter"),
    ({"dropout": "0.5"}, "'dropout' parameter"),
    (
        {"hidden_layer_sizes": (5,), "dropout": [0.1, 0.2]},
        "'dropout'.*one rate per hidden layer",
    ),
    (
        {"hidden_layer_sizes": (5, 5), "dropout": [0.1]},
        "'dropout'.*one rate per hidden layer",
    ),
    ({"hidden_layer_sizes": (5, 5), "dropout": [0.1, 1.0]}, "'dropout'.*\\[0, 1\\)"),
    ({"hidden_layer_sizes": (5, 5), "dropout": [0.1, -0.5]}, "'dropout'.*\\[0, 1\\)"),
    ({"hidden_layer_sizes": (5, 5), "dropout": [0.1, None]}, "'dropout'"),
    # the penalty
    ({"alpha": -1.0}, "'alpha' parameter"),
    ({"alpha": -1e-12}, "'alpha' parameter"),
    ({"l1_ratio": -0.1}, "'l1_ratio' parameter"),
    ({"l1_ratio": 1.5}, "'l1_ratio' parameter"),
    # RMSprop's rho in [0, 1)
    ({"rho": 1.0}, "'rho' parameter"),
    ({"rho": -0.1}, "'rho' parameter"),
    ({"rho": 2}, "'rho' parameter"),
    # unknown options
    ({"solver": "newton-cg"}, "'solver' parameter"),
    ({"solver": "Adam"}, "'solver' parameter"),
    ({"activation": "softplus"}, "'activation' parameter"),
    ({"learning_rate": "cyclic"}, "'learning_rate' parameter"),
    # architecture and batches
    ({"hidden_layer_sizes": 0}, "'hidden_layer_sizes' parameter"),
    ({"hidden_layer_sizes": -3}, "'hidden_layer_sizes' parameter"),
    ({"hidden_layer_sizes": (0,)}, "'hidden_layer_sizes'.*positive"),
    ({"hidden_layer_sizes": (10, 0)}, "'hidden_layer_sizes'.*positive"),
    ({"hidden_layer_sizes": (10, -2)}, "'hidden_layer_sizes'.*positive"),
    ({"hidden_layer_sizes": (10, 2.5)}, "'hidden_layer_sizes'.*positive"),
    ({"batch_size": 0}, "'batch_size' parameter"),
    ({"batch_size": -5}, "'batch_size' parameter"),
    ({"batch_size": "big"}, "'batch_size' parameter"),
    # the rest of MLPClassifier's ranges, and decay
    ({"learning_rate_init": 0.0}, "'learning_rate_init' parameter"),
    ({"max_iter": 0}, "'max_iter' parameter"),
    ({"momentum": 1.5}, "'momentum' parameter"),
    ({"beta_1": 1.0}, "'beta_1' parameter"),
    ({"beta_2": -0.1}, "'beta_2' parameter"),
    ({"epsilon": 0.0}, "'epsilon' parameter"),
    ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
    ({"n_iter_no_change": 0}, "'n_iter_no_change' parameter"),
    ({"tol": -1.0}, "'tol' parameter"),
    ({"decay": -0.1}, "'decay' parameter"),
    ({"power_t": -1.0}, "'power_t' parameter"),
    ({"max_fun": 0}, "'max_fun' parameter"),
    ({"class_weight": "uniform"}, "'class_weight' parameter"),
    ({"class_weight": [1, 2]}, "'class_weight' parameter"),
    # an unknown scorer name for early stopping
    ({"scoring": "no_such_scorer"}, "no_such_scorer.*scoring"),
]

# each bad parameter through fit, and through partial_fit (which does not
# exist for an unknown solver: those cases are left out there)
PARAMETERS = [
    row(
        f"fit-{params!r}",
        match,
        params,
        base={"max_iter": 5, "solver": "adam"},
        exc=(ValueError, TypeError),
    )
    for params, match in BAD_PARAMETERS
] + [
    row(
        f"partial_fit-{params!r}",
        match,
        params,
        method="partial_fit",
        base={"max_iter": 5, "solver": "sgd"},
        exc=(ValueError, TypeError),
    )
    for params, match in BAD_PARAMETERS
    if "solver" not in params
]

DROPOUT_AND_CLASS_WEIGHT = [
    *[
        row(
            f"dropout-{name}-with-lbfgs",
            "dropout.*lbfgs",
            {"hidden_layer_sizes": hidden, "solver": "lbfgs", "dropout": dropout},
            base={},
        )
        for name, dropout, hidden in [
            ("float", 0.3, (5,)),
            ("list", [0.3], (5,)),
            ("list-one-nonzero", [0.0, 0.2], (5, 5)),
        ]
    ],
    # the data has classes 0 and 1
    row(
        "class_weight-unknown-label-instead",
        "class_weight",
        {"class_weight": {0: 1.0, 5: 2.0}},
    ),
    # every class has a weight, plus a label the data does not have (a typo):
    # scikit-learn's compute_class_weight accepts this silently; the contract
    # here is an error naming the parameter and the unknown label
    row(
        "class_weight-unknown-label-too",
        "class_weight.*7",
        {"class_weight": {0: 1.0, 1: 2.0, 7: 3.0}},
    ),
    *[
        row(
            f"class_weight-{name}-multilabel",
            "class_weight.*multilabel",
            {"class_weight": class_weight},
            _multilabel,
        )
        for name, class_weight in [
            ("balanced", "balanced"),
            ("dict", {0: 1.0, 1: 2.0}),
        ]
    ],
    row(
        "class_weight-zeroing-every-sample",
        "sums to zero",
        {"class_weight": {0: 0.0, 1: 0.0}},
    ),
]

PARTIAL_FIT = [
    row(
        "partial_fit-early_stopping",
        "partial_fit.*early_stopping",
        {"solver": "adam", "early_stopping": True},
        method="partial_fit",
    ),
    row(
        "partial_fit-first-call-without-classes",
        "classes",
        {"solver": "sgd"},
        lambda X, y: {"X": X, "y": y},
        method="partial_fit",
    ),
    row(
        "partial_fit-label-outside-classes",
        "classes.*\\b2\\b",
        {"solver": "sgd"},
        lambda X, y: {"X": X, "y": y + 1, "classes": [1, 7]},
        method="partial_fit",
    ),
    row(
        "partial_fit-one-class-in-classes",
        "at least 2 classes",
        {"solver": "sgd"},
        lambda X, y: {"X": X, "y": np.zeros_like(y), "classes": [0]},
        method="partial_fit",
    ),
]


def _validation(X_val=None, y_val=None, w_val=None):
    """fit's arguments with a validation set made from the first 10 rows."""

    def args(X, y):
        return {
            "X": X,
            "y": y,
            "X_val": X[:10] if X_val is None else X_val(X[:10].copy()),
            "y_val": y[:10] if y_val is None else y_val(y[:10].copy()),
            "sample_weight_val": w_val,
        }

    return args


VALIDATION = [
    row(
        "X_val-without-y_val",
        "X_val and y_val",
        {"solver": "adam"},
        lambda X, y: {"X": X, "y": y, "X_val": X[:10]},
    ),
    row(
        "y_val-without-X_val",
        "X_val and y_val",
        {"solver": "adam"},
        lambda X, y: {"X": X, "y": y, "y_val": y[:10]},
    ),
    row(
        "sample_weight_val-without-X_val",
        "sample_weight_val",
        {"solver": "adam"},
        lambda X, y: {"X": X, "y": y, "sample_weight_val": np.ones(10)},
    ),
    row("X_val-with-lbfgs", "lbfgs", {"solver": "lbfgs"}, _validation()),
    # an invalid validation set is validated late: a rejected fit must not
    # leave the freshly initialised random weights behind as coefs_
    *[
        row(f"validation-set-{name}", match, {"solver": "adam"}, args)
        for name, match, args in [
            ("nan", "NaN", _validation(X_val=lambda X: _with(X, (0, 0), np.nan))),
            (
                "n_features",
                "X_val has 4 features",
                _validation(X_val=lambda X: X[:, :4]),
            ),
            (
                "unknown_class",
                "y_val.*classes.*5",
                _validation(y_val=lambda y: _with(y, 0, 5)),
            ),
            (
                "length",
                "inconsistent numbers of samples",
                _validation(y_val=lambda y: y[:-1]),
            ),
            (
                "negative_weight",
                "[Nn]egative.*sample_weight",
                _validation(w_val=_with(np.ones(10), 0, -1)),
            ),
            (
                "zero_weights",
                "(?i)sample.?weight.*non-zero",
                _validation(w_val=np.zeros(10)),
            ),
        ]
    ],
]

SAMPLE_WEIGHT = [
    *[
        row(
            f"sample_weight-{name}-{solver}",
            match,
            {"solver": solver},
            lambda X, y, weight=weight: {"X": X, "y": y, "sample_weight": weight},
        )
        for solver in ["adam", "lbfgs"]
        for name, weight, match in [
            ("negative", _with(np.ones(40), 4, -0.5), "[Nn]egative.*sample_weight"),
            ("all-zero", np.zeros(40), "(?i)sample.?weight.*(non-zero|zero)"),
        ]
    ],
    row(
        "sample_weight-all-zero-partial_fit",
        "(?i)sample.?weight.*(non-zero|zero)",
        {"solver": "sgd"},
        lambda X, y: {"X": X, "y": y, "classes": [0, 1], "sample_weight": np.zeros(40)},
        method="partial_fit",
    ),
    *[
        row(
            f"sample_weight-{name}",
            match,
            args=lambda X, y, value=value: {
                "X": X,
                "y": y,
                "sample_weight": _with(np.ones(40), 0, value),
            },
        )
        for name, value, match in [("nan", np.nan, "NaN"), ("inf", np.inf, "infinity")]
    ],
    row(
        "sample_weight-wrong-length",
        r"sample_weight must hold one weight per row of X, shape \(40,\)",
        args=lambda X, y: {"X": X, "y": y, "sample_weight": np.ones(7)},
    ),
    # early_stopping keeps 10 % for validation: if the weights of either part
    # sum to zero, that is bad input (a ValueError before training), not a
    # ZeroDivisionError from the validation loss. One positive weight:
    # wherever it lands, one part has none.
    row(
        "sample_weight-all-zero-after-the-validation-split",
        "(?i)(sample.?weight|validation).*zero",
        {"solver": "adam", "early_stopping": True, "random_state": 0},
        lambda X, y: {"X": X, "y": y, "sample_weight": _with(np.zeros(60), 0, 1.0)},
        data="multiclass",
    ),
]

REJECTED = [
    *NON_FINITE_X,
    *X_AND_Y,
    *PARAMETERS,
    *DROPOUT_AND_CLASS_WEIGHT,
    *PARTIAL_FIT,
    *VALIDATION,
    *SAMPLE_WEIGHT,
]


@pytest.mark.parametrize("params, method, args, exc, match, data", REJECTED)
def test_rejected_before_training(
    no_training, Est, params, method, args, exc, match, data
):
    X, y = DATA[data]
    est = Est(**params)
    arguments = args(X.copy(), y.copy())
    assert_rejected(est, lambda: getattr(est, method)(**arguments), exc, match)


# ---------------------------------------------------------------------------
# what a row of the table cannot say
# ---------------------------------------------------------------------------


def test_dropout_with_lbfgs_and_no_hidden_layer(no_training, data):
    """ScratchLogisticNet's defaults are lbfgs and no hidden layer.

    ``dropout=0.3`` then has no layer to act on and would be silently
    ignored: the user asked for a regularisation the model does not apply.
    """
    X, y = data
    est = ScratchLogisticNet(dropout=0.3)
    assert_rejected(est, lambda: est.fit(X, y), ValueError, "dropout")


def test_balanced_class_weight_in_partial_fit(no_training, data, Est):
    """One chunk does not show the class frequencies: partial_fit is refused,
    either as a missing method (as for 'lbfgs') or with a ValueError; either
    way the reason names class_weight='balanced'."""
    X, y = data
    est = Est(**SMALL, solver="sgd", class_weight="balanced")
    try:
        partial_fit = est.partial_fit
    except AttributeError as exc:
        assert "class_weight='balanced'" in f"{exc} {exc.__cause__}"
        return
    assert_rejected(
        est,
        lambda: partial_fit(X, y, classes=[0, 1]),
        ValueError,
        "class_weight='balanced'.*partial_fit",
    )


def test_dropout_zero_list_with_lbfgs_is_fine(data, Est):
    X, y = data
    est = Est(hidden_layer_sizes=(5, 5), solver="lbfgs", dropout=[0.0, 0.0], max_iter=5)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge after 5"):
        est.fit(X, y)
    assert all(np.isfinite(W).all() for W in est.coefs_)


@pytest.mark.parametrize(
    "dtype, big", [(np.float64, 1e308), (np.float32, np.float32(3e38))]
)
def test_finite_X_whose_row_sums_overflow_is_accepted(
    no_training, data, Est, dtype, big
):
    # the finite check sums rows first; a sum beyond the dtype's range is not a
    # non-finite value: scikit-learn's check decides, and lets it through
    # (training then starts: the trap says so)
    X, y = data
    X = np.full(X.shape, big, dtype=dtype)
    assert not np.isfinite(X.sum(axis=1)).any()
    with pytest.raises(AssertionError, match="training started"):
        Est(**SMALL).fit(X, y)


def test_assume_finite_skips_the_finite_check(no_training, data, Est):
    # scikit-learn's assume_finite=True: X is not read for NaN, as in
    # scikit-learn's own estimators (training starts: the trap says so)
    X, y = data
    X_bad = _with(X, (0, 0), np.nan)
    with sklearn.config_context(assume_finite=True):
        with pytest.raises(AssertionError, match="training started"):
            Est(**SMALL).fit(X_bad, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Est(**SMALL).fit(X_bad, y)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_X_at_predict(data, Est, value):
    X, y = data
    est = Est(**SMALL).fit(X, y)
    X_bad = _with(X, (1, 1), value)
    for method in PREDICT_METHODS:
        with pytest.raises(ValueError, match="NaN|infinity"):
            getattr(est, method)(X_bad)


@pytest.mark.parametrize("method", PREDICT_METHODS)
def test_predict_with_other_n_features(data, Est, method):
    X, y = data
    est = Est(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features.*expecting 5 features"):
        getattr(est, method)(X[:, :4])
    with pytest.raises(ValueError, match="X has 6 features.*expecting 5 features"):
        getattr(est, method)(np.hstack([X, X[:, :1]]))


def test_predict_before_fit(data, Est):
    X, _ = data
    with pytest.raises(NotFittedError):
        Est().predict_proba(X)


def test_partial_fit_does_not_exist_for_lbfgs(Est):
    with pytest.raises(AttributeError, match="partial_fit") as info:
        getattr(Est(solver="lbfgs"), "partial_fit")  # noqa: B009 -- the access raises
    # the explanation is in the message, or chained as its cause
    assert "stochastic" in f"{info.value} {info.value.__cause__}"
    assert not hasattr(Est(solver="lbfgs"), "partial_fit")
    assert hasattr(Est(solver="sgd"), "partial_fit")


# -- a fitted model keeps its weights when the next call is rejected -----------


def test_partial_fit_with_other_n_features(data, Est):
    X, y = data
    est = Est(**SMALL, solver="sgd").partial_fit(X, y, classes=[0, 1])
    assert_weights_kept(
        est,
        lambda: est.partial_fit(X[:, :4], y),
        "X has 4 features.*expecting 5 features",
    )


def test_second_partial_fit_rejects_a_new_class(data):
    X, y = data
    est = ScratchMLPClassifier(**SMALL, solver="sgd").partial_fit(X, y, classes=[0, 1])
    assert_weights_kept(
        est, lambda: est.partial_fit(X, np.where(y == 1, 2, 0)), "not in classes_.*2"
    )


def test_warm_start_rejects_other_classes(data):
    X, y = data
    est = ScratchMLPClassifier(**SMALL, warm_start=True)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(5\) reached"):
        est.fit(X, y)
    assert_weights_kept(est, lambda: est.fit(X, y + 3), "warm_start.*classes")


def test_warm_start_rejects_another_architecture(data):
    X, y = data
    est = ScratchMLPClassifier(**SMALL, warm_start=True)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(5\) reached"):
        est.fit(X, y)
    est.set_params(hidden_layer_sizes=(7,))
    assert_weights_kept(est, lambda: est.fit(X, y), "layer sizes")
