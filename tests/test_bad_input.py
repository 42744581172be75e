"""Bad input gets a clear ValueError/TypeError, raised before any training.

SPEC, "Behaviour every user may count on": bad input gets a ``ValueError`` or
``TypeError`` naming the parameter or the problem, raised before any
training. Every case below therefore checks three things:

- the exception type (``ValueError``/``TypeError``; scikit-learn's
  ``InvalidParameterError`` is both);
- the message (``match=``): the message is part of the contract;
- "before training": the ``no_training`` fixture replaces the two training
  drivers ``run_stochastic`` and ``run_lbfgs`` by traps that fail the test if
  called, and a fresh estimator has no ``coefs_`` afterwards.

``test_rejected_fit_leaves_the_estimator_unfitted`` goes one step further: a
fresh estimator whose fit was rejected still answers ``predict`` with
``NotFittedError`` (not an ``AttributeError`` from half-set state).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

import skmlp._base
from skmlp import ScratchLogisticNet, ScratchMLPClassifier

ESTIMATORS = [ScratchMLPClassifier, ScratchLogisticNet]

# small networks: nothing here should ever train, but keep a miss cheap
SMALL = {"hidden_layer_sizes": (5,), "max_iter": 5}


@pytest.fixture
def data():
    X, y = make_classification(
        n_samples=40, n_features=5, n_informative=3, random_state=0
    )
    return X, y


@pytest.fixture
def multiclass():
    X, y = make_classification(
        n_samples=60, n_features=5, n_informative=3, n_classes=3, random_state=0
    )
    return X, y


@pytest.fixture
def no_training(monkeypatch):
    """Make any call of the training drivers fail the test."""

    def trap(*args, **kwargs):
        raise AssertionError("training started although the input is invalid")

    monkeypatch.setattr(skmlp._base, "run_stochastic", trap)
    monkeypatch.setattr(skmlp._base, "run_lbfgs", trap)


def assert_rejected(est, call, exc, match):
    """``call()`` raises ``exc`` matching ``match``; ``est`` is left unfitted."""
    with pytest.raises(exc, match=match):
        call()
    assert not hasattr(est, "coefs_"), "a rejected fit left weights behind"


# ---------------------------------------------------------------------------
# X: NaN/inf, shapes, dtypes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "value, match",
    [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")],
    ids=["nan", "inf", "-inf"],
)
@pytest.mark.parametrize("container", ["dense", "csr", "csc", "float32"])
def test_non_finite_X(no_training, data, Est, value, match, container):
    X, y = data
    X = X.copy()
    X[3, 2] = value
    if container == "float32":
        X = X.astype(np.float32)
    elif container != "dense":
        X = sp.csr_matrix(X) if container == "csr" else sp.csc_matrix(X)
    est = Est(**SMALL, solver="adam")
    assert_rejected(est, lambda: est.fit(X, y), ValueError, match)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_non_finite_X_in_partial_fit(no_training, data, Est):
    X, y = data
    X = X.copy()
    X[0, 0] = np.nan
    est = Est(**SMALL, solver="sgd")
    assert_rejected(
        est, lambda: est.partial_fit(X, y, classes=[0, 1]), ValueError, "NaN"
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_X_at_predict(data, Est, value):
    X, y = data
    est = Est(**SMALL).fit(X, y)
    X_bad = X.copy()
    X_bad[1, 1] = value
    for method in (
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ):
        with pytest.raises(ValueError, match="NaN|infinity"):
            getattr(est, method)(X_bad)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_X_one_dimensional(no_training, data, Est):
    X, y = data
    est = Est(**SMALL)
    assert_rejected(est, lambda: est.fit(X[:, 0], y), ValueError, "2D array")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_X_three_dimensional(no_training, data, Est):
    X, y = data
    est = Est(**SMALL)
    assert_rejected(est, lambda: est.fit(X.reshape(40, 5, 1), y), ValueError, "dim 3")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_X_y_length_mismatch(no_training, data, Est):
    X, y = data
    est = Est(**SMALL)
    assert_rejected(
        est, lambda: est.fit(X, y[:-1]), ValueError, "inconsistent numbers of samples"
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_X_without_samples_or_features(no_training, data, Est):
    X, y = data
    est = Est(**SMALL)
    assert_rejected(est, lambda: est.fit(X[:0], y[:0]), ValueError, "0 sample")
    assert_rejected(est, lambda: est.fit(X[:, :0], y), ValueError, "0 feature")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_complex_X(no_training, data, Est):
    X, y = data
    est = Est(**SMALL)
    assert_rejected(est, lambda: est.fit(X + 1j, y), ValueError, "[Cc]omplex")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_string_X(no_training, data, Est):
    X, y = data
    X = X.astype(object)
    X[0, 0] = "abc"
    est = Est(**SMALL)
    assert_rejected(est, lambda: est.fit(X, y), ValueError, "abc|convert")


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
)
def test_predict_with_other_n_features(data, Est, method):
    X, y = data
    est = Est(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features.*expecting 5 features"):
        getattr(est, method)(X[:, :4])
    with pytest.raises(ValueError, match="X has 6 features.*expecting 5 features"):
        getattr(est, method)(np.hstack([X, X[:, :1]]))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_with_other_n_features(data, Est):
    X, y = data
    est = Est(**SMALL, solver="sgd").partial_fit(X, y, classes=[0, 1])
    before = [W.copy() for W in est.coefs_]
    with pytest.raises(ValueError, match="X has 4 features.*expecting 5 features"):
        est.partial_fit(X[:, :4], y)
    for W, W_before in zip(est.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_predict_before_fit(data, Est):
    X, _ = data
    with pytest.raises(NotFittedError):
        Est().predict_proba(X)


# ---------------------------------------------------------------------------
# y: one class, label types
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("label", [0, 7, "a"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_one_class_only(no_training, data, Est, label, solver):
    X, _ = data
    y = np.full(X.shape[0], label, dtype=object if label == "a" else int)
    est = Est(**SMALL, solver=solver)
    assert_rejected(
        est, lambda: est.fit(X, y), ValueError, "at least 2 classes.*one class"
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_continuous_y(no_training, data, Est):
    X, _ = data
    y = np.linspace(0, 1, X.shape[0])
    est = Est(**SMALL)
    assert_rejected(est, lambda: est.fit(X, y), ValueError, "[Uu]nknown label type")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_nan_in_y(no_training, data, Est):
    X, y = data
    y = y.astype(float)
    y[0] = np.nan
    est = Est(**SMALL)
    assert_rejected(est, lambda: est.fit(X, y), ValueError, "NaN")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_y_of_mixed_label_types(no_training, data, Est):
    X, y = data
    y = y.astype(object)
    y[0] = "a"
    est = Est(**SMALL)
    # scikit-learn's label checks answer with a TypeError naming both types
    assert_rejected(
        est,
        lambda: est.fit(X, y),
        (ValueError, TypeError),
        "int.*str|str.*int|[Mm]ix.*(str|number)|[Uu]nknown label type",
    )


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------

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


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "params, match", BAD_PARAMETERS, ids=[repr(p) for p, _ in BAD_PARAMETERS]
)
def test_bad_parameter(no_training, data, Est, params, match):
    X, y = data
    est = Est(**{"max_iter": 5, "solver": "adam", **params})
    assert_rejected(est, lambda: est.fit(X, y), (ValueError, TypeError), match)


# partial_fit does not exist for an unknown solver: leave those cases out
PARTIAL_FIT_CASES = [(p, m) for p, m in BAD_PARAMETERS if "solver" not in p]


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "params, match", PARTIAL_FIT_CASES, ids=[repr(p) for p, _ in PARTIAL_FIT_CASES]
)
def test_bad_parameter_in_partial_fit(no_training, data, Est, params, match):
    X, y = data
    est = Est(**{"max_iter": 5, "solver": "sgd", **params})
    assert_rejected(
        est,
        lambda: est.partial_fit(X, y, classes=[0, 1]),
        (ValueError, TypeError),
        match,
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "dropout", [0.3, [0.3], [0.0, 0.2]], ids=["float", "list", "list-one-nonzero"]
)
def test_dropout_with_lbfgs(no_training, data, Est, dropout):
    X, y = data
    hidden = (5,) if np.ndim(dropout) == 0 or len(dropout) == 1 else (5, 5)
    est = Est(hidden_layer_sizes=hidden, solver="lbfgs", dropout=dropout)
    assert_rejected(est, lambda: est.fit(X, y), ValueError, "dropout.*lbfgs")


def test_dropout_with_lbfgs_and_no_hidden_layer(no_training, data):
    """ScratchLogisticNet's defaults are lbfgs and no hidden layer.

    ``dropout=0.3`` then has no layer to act on and would be silently
    ignored: the user asked for a regularisation the model does not apply.
    """
    X, y = data
    est = ScratchLogisticNet(dropout=0.3)
    assert_rejected(est, lambda: est.fit(X, y), ValueError, "dropout")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_dropout_zero_list_with_lbfgs_is_fine(data, Est):
    X, y = data
    est = Est(hidden_layer_sizes=(5, 5), solver="lbfgs", dropout=[0.0, 0.0], max_iter=5)
    with pytest.warns(Warning):  # ConvergenceWarning after 5 iterations
        est.fit(X, y)
    assert all(np.isfinite(W).all() for W in est.coefs_)


# ---------------------------------------------------------------------------
# class_weight
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_class_weight_with_unknown_label_replacing_a_class(no_training, data, Est):
    X, y = data  # classes 0 and 1
    est = Est(**SMALL, class_weight={0: 1.0, 5: 2.0})
    assert_rejected(est, lambda: est.fit(X, y), ValueError, "class_weight")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_class_weight_with_unknown_label(no_training, data, Est):
    """Every class has a weight, plus a label the data does not have (a typo).

    scikit-learn's ``compute_class_weight`` accepts this silently; the
    contract here is an error naming the parameter and the unknown label.
    """
    X, y = data
    est = Est(**SMALL, class_weight={0: 1.0, 1: 2.0, 7: 3.0})
    assert_rejected(est, lambda: est.fit(X, y), ValueError, "class_weight.*7")


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 2.0}])
def test_class_weight_with_multilabel_y(no_training, Est, class_weight):
    X, _ = make_classification(n_samples=30, n_features=5, random_state=0)
    Y = (np.random.default_rng(0).random((30, 3)) < 0.5).astype(int)
    est = Est(**SMALL, class_weight=class_weight)
    assert_rejected(est, lambda: est.fit(X, Y), ValueError, "class_weight.*multilabel")


@pytest.mark.parametrize("Est", ESTIMATORS)
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


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_class_weight_zeroing_every_sample(no_training, data, Est):
    X, y = data
    est = Est(**SMALL, class_weight={0: 0.0, 1: 0.0})
    assert_rejected(est, lambda: est.fit(X, y), ValueError, "sums to zero")


# ---------------------------------------------------------------------------
# partial_fit
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_with_early_stopping(no_training, data, Est):
    X, y = data
    est = Est(**SMALL, solver="adam", early_stopping=True)
    assert_rejected(
        est,
        lambda: est.partial_fit(X, y, classes=[0, 1]),
        ValueError,
        "partial_fit.*early_stopping",
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_without_classes_on_first_call(no_training, data, Est):
    X, y = data
    est = Est(**SMALL, solver="sgd")
    assert_rejected(est, lambda: est.partial_fit(X, y), ValueError, "classes")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_with_a_label_outside_classes(no_training, data, Est):
    X, y = data
    est = Est(**SMALL, solver="sgd")
    assert_rejected(
        est,
        lambda: est.partial_fit(X, y + 1, classes=[1, 7]),
        ValueError,
        "classes.*\\b2\\b",
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_with_one_class_in_classes(no_training, data, Est):
    X, y = data
    est = Est(**SMALL, solver="sgd")
    assert_rejected(
        est,
        lambda: est.partial_fit(X, np.zeros_like(y), classes=[0]),
        ValueError,
        "at least 2 classes",
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_does_not_exist_for_lbfgs(Est):
    with pytest.raises(AttributeError, match="partial_fit") as info:
        getattr(Est(solver="lbfgs"), "partial_fit")  # noqa: B009 -- the access raises
    # available_if chains our explanation as the cause
    assert "stochastic" in str(info.value.__cause__)
    assert not hasattr(Est(solver="lbfgs"), "partial_fit")
    assert hasattr(Est(solver="sgd"), "partial_fit")


def test_second_partial_fit_rejects_a_new_class(data):
    X, y = data
    est = ScratchMLPClassifier(**SMALL, solver="sgd").partial_fit(X, y, classes=[0, 1])
    before = [W.copy() for W in est.coefs_]
    with pytest.raises(ValueError, match="not in classes_.*2"):
        est.partial_fit(X, np.where(y == 1, 2, 0))
    for W, W_before in zip(est.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)


def test_warm_start_rejects_other_classes(data):
    X, y = data
    est = ScratchMLPClassifier(**SMALL, warm_start=True)
    with pytest.warns(Warning):
        est.fit(X, y)
    before = [W.copy() for W in est.coefs_]
    with pytest.raises(ValueError, match="warm_start.*classes"):
        est.fit(X, y + 3)
    for W, W_before in zip(est.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)


def test_warm_start_rejects_another_architecture(data):
    X, y = data
    est = ScratchMLPClassifier(**SMALL, warm_start=True)
    with pytest.warns(Warning):
        est.fit(X, y)
    before = [W.copy() for W in est.coefs_]
    est.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match="layer sizes"):
        est.fit(X, y)
    for W, W_before in zip(est.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)


# ---------------------------------------------------------------------------
# the validation set
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_X_val_without_y_val(no_training, data, Est):
    X, y = data
    est = Est(**SMALL, solver="adam")
    assert_rejected(
        est, lambda: est.fit(X, y, X_val=X[:10]), ValueError, "X_val and y_val"
    )
    assert_rejected(
        est, lambda: est.fit(X, y, y_val=y[:10]), ValueError, "X_val and y_val"
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_sample_weight_val_without_X_val(no_training, data, Est):
    X, y = data
    est = Est(**SMALL, solver="adam")
    assert_rejected(
        est,
        lambda: est.fit(X, y, sample_weight_val=np.ones(10)),
        ValueError,
        "sample_weight_val",
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_X_val_with_lbfgs(no_training, data, Est):
    X, y = data
    est = Est(**SMALL, solver="lbfgs")
    assert_rejected(
        est, lambda: est.fit(X, y, X_val=X[:10], y_val=y[:10]), ValueError, "lbfgs"
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "case, match",
    [
        ("nan", "NaN"),
        ("n_features", "X has 4 features"),
        ("unknown_class", "y_val.*classes.*5"),
        ("length", "inconsistent numbers of samples"),
        ("negative_weight", "[Nn]egative.*sample_weight"),
        ("zero_weights", "(?i)sample.?weight.*non-zero"),
    ],
)
def test_bad_validation_set(no_training, data, Est, case, match):
    """An invalid validation set is rejected before training, and leaves no model.

    (It is validated late: a rejected fit must not leave the freshly
    initialised random weights behind as ``coefs_``.)
    """
    X, y = data
    X_val, y_val, w_val = X[:10].copy(), y[:10].copy(), None
    if case == "nan":
        X_val[0, 0] = np.nan
    elif case == "n_features":
        X_val = X_val[:, :4]
    elif case == "unknown_class":
        y_val[0] = 5
    elif case == "length":
        y_val = y_val[:-1]
    elif case == "negative_weight":
        w_val = np.ones(10)
        w_val[0] = -1
    elif case == "zero_weights":
        w_val = np.zeros(10)
    est = Est(**SMALL, solver="adam")
    assert_rejected(
        est,
        lambda: est.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=w_val),
        ValueError,
        match,
    )


# ---------------------------------------------------------------------------
# sample_weight
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_negative_sample_weight(no_training, data, Est, solver):
    X, y = data
    sw = np.ones(X.shape[0])
    sw[4] = -0.5
    est = Est(**SMALL, solver=solver)
    assert_rejected(
        est,
        lambda: est.fit(X, y, sample_weight=sw),
        ValueError,
        "[Nn]egative.*sample_weight",
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_all_zero_sample_weight(no_training, data, Est, solver):
    X, y = data
    est = Est(**SMALL, solver=solver)
    assert_rejected(
        est,
        lambda: est.fit(X, y, sample_weight=np.zeros(X.shape[0])),
        ValueError,
        "(?i)sample.?weight.*(non-zero|zero)",
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_all_zero_sample_weight_in_partial_fit(no_training, data, Est):
    X, y = data
    est = Est(**SMALL, solver="sgd")
    assert_rejected(
        est,
        lambda: est.partial_fit(X, y, classes=[0, 1], sample_weight=np.zeros(40)),
        ValueError,
        "(?i)sample.?weight.*(non-zero|zero)",
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("value, match", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_sample_weight(no_training, data, Est, value, match):
    X, y = data
    sw = np.ones(X.shape[0])
    sw[0] = value
    est = Est(**SMALL)
    assert_rejected(
        est, lambda: est.fit(X, y, sample_weight=sw), ValueError, f"{match}"
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_sample_weight_of_wrong_length(no_training, data, Est):
    X, y = data
    est = Est(**SMALL)
    assert_rejected(
        est,
        lambda: est.fit(X, y, sample_weight=np.ones(7)),
        ValueError,
        "sample_weight.shape",
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_all_zero_weights_after_the_validation_split(no_training, multiclass, Est):
    """early_stopping keeps 10 % for validation: if the weights of either part
    sum to zero, that is bad input (a ValueError before training), not a
    ZeroDivisionError from the validation loss."""
    X, y = multiclass
    sw = np.zeros(len(y))
    sw[0] = 1.0  # one positive weight: wherever it lands, one part has none
    est = Est(**SMALL, solver="adam", early_stopping=True, random_state=0)
    assert_rejected(
        est,
        lambda: est.fit(X, y, sample_weight=sw),
        ValueError,
        "(?i)(sample.?weight|validation).*zero",
    )


# ---------------------------------------------------------------------------
# the state a rejected fit leaves behind
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "case", ["nan", "one_class", "class_weight", "scoring", "X_val"]
)
def test_rejected_fit_leaves_the_estimator_unfitted(no_training, data, Est, case):
    """After a rejected first fit, ``predict`` says "not fitted".

    ``validate_data`` and the label encoding set ``n_features_in_`` and
    ``classes_`` before the later checks run; ``check_is_fitted`` then
    believes the estimator fitted and ``predict`` fails with an
    AttributeError on ``coefs_`` instead.
    """
    X, y = data
    params, fit_kwargs = dict(SMALL, solver="adam"), {}
    if case == "nan":
        X = X.copy()
        X[0, 0] = np.nan
    elif case == "one_class":
        y = np.zeros_like(y)
    elif case == "class_weight":
        params["class_weight"] = {0: 0.0, 1: 0.0}
    elif case == "scoring":
        params["scoring"] = "no_such_scorer"
    elif case == "X_val":
        fit_kwargs = {"X_val": X[:10, :4], "y_val": y[:10]}
    est = Est(**params)
    with pytest.raises(ValueError):
        est.fit(X, y, **fit_kwargs)
    with pytest.raises(NotFittedError):
        est.predict(X[:, :5])
