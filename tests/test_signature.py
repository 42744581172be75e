"""The public surface of both estimators against the installed MLPClassifier.

SPEC: every constructor parameter of MLPClassifier exists with the same name,
default and meaning (ScratchLogisticNet differs only in ``hidden_layer_sizes``
and ``solver``), plus the added ones; the fitted attributes have
MLPClassifier's names and shapes; the docstrings document every parameter.
"""

import ast
import inspect
import re
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skmlp import ScratchLogisticNet, ScratchMLPClassifier

try:  # numpydoc itself when installed, else the copy vendored by scikit-learn
    from numpydoc.docscrape import NumpyDocString
except ImportError:  # pragma: no cover - depends on the environment
    try:
        from sklearn.externals._numpydoc.docscrape import NumpyDocString
    except ImportError:
        NumpyDocString = None


ADDED = {
    "dropout": 0.0,
    "l1_ratio": 0.0,
    "decay": 0.0,
    "rho": 0.9,
    "class_weight": None,
    "scoring": None,
}
OWN_DEFAULTS = {
    ScratchMLPClassifier: {},
    ScratchLogisticNet: {"hidden_layer_sizes": (), "solver": "lbfgs"},
}


def _init_params(cls):
    return {
        name: p
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if name != "self"
    }


# -- constructor signature --------------------------------------------------


@pytest.mark.parametrize("name", list(_init_params(MLPClassifier)))
def test_every_mlpclassifier_parameter_same_kind_and_default(Est, name):
    theirs = _init_params(MLPClassifier)[name]
    ours = _init_params(Est)
    assert name in ours, f"{Est.__name__} lacks MLPClassifier's parameter {name!r}"
    assert ours[name].kind == theirs.kind
    expected = OWN_DEFAULTS[Est].get(name, theirs.default)
    assert ours[name].default == expected
    assert type(ours[name].default) is type(expected)


def test_added_parameters_and_nothing_else(Est):
    ours = _init_params(Est)
    theirs = _init_params(MLPClassifier)
    added = {name: p for name, p in ours.items() if name not in theirs}
    assert {name: p.default for name, p in added.items()} == ADDED
    for p in added.values():
        # added parameters can only be given by keyword
        assert p.kind is inspect.Parameter.KEYWORD_ONLY
    # the MLPClassifier parameters come first, in MLPClassifier's order, so
    # positional calls (hidden_layer_sizes, activation) mean the same thing
    assert list(ours)[: len(theirs)] == list(theirs)


def test_get_params_is_the_signature(Est):
    est = Est()
    params = est.get_params()
    assert set(params) == set(_init_params(Est))
    for name, p in _init_params(Est).items():
        assert params[name] == p.default


def test_mlpclassifier_parameter_grid_works_unchanged():
    """Swapping the class name keeps a user's parameters working."""
    params = MLPClassifier(
        hidden_layer_sizes=(5,), alpha=1e-3, max_iter=3, random_state=0
    ).get_params()
    ours = ScratchMLPClassifier(**params)
    assert {k: v for k, v in ours.get_params().items() if k in params} == params


# -- fitted attributes ------------------------------------------------------


def _structure(value):
    """A comparable description of an attribute's type and shape."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.kind)
    if isinstance(value, list):
        return ("list", len(value), [_structure(v) for v in value])
    if value is None:
        return ("None",)
    if isinstance(value, bool):
        return ("bool",)
    if isinstance(value, Integral):
        return ("int",)
    if isinstance(value, Real):
        return ("real",)
    if isinstance(value, str):
        return ("str", value)
    return (type(value).__name__,)


def _public_fitted(est):
    return {
        k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("_")
    }


def _datasets():
    X, y3 = make_classification(
        n_samples=90, n_features=5, n_informative=3, n_classes=3, random_state=0
    )
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    X2, y2 = make_classification(n_samples=80, n_features=4, random_state=1)
    Xm, Ym = make_multilabel_classification(
        n_samples=80, n_features=4, n_classes=3, random_state=2
    )
    return {
        "multiclass-dataframe": (X, y3),
        "binary": (X2, y2),
        "multilabel": (Xm, Ym),
    }


DATASETS = _datasets()


@pytest.mark.parametrize("data", list(DATASETS))
@pytest.mark.parametrize(
    "solver, early_stopping",
    # early_stopping is ignored by lbfgs
    [("adam", False), ("adam", True), ("lbfgs", False)],
)
def test_fitted_attributes_same_names_and_shapes(solver, early_stopping, data):
    X, y = DATASETS[data]
    params = dict(
        hidden_layer_sizes=(7, 4),
        solver=solver,
        max_iter=4,  # both stop on max_iter: equal curve lengths
        random_state=0,
        early_stopping=early_stopping,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPClassifier(**params).fit(X, y)
        ours = ScratchMLPClassifier(**params).fit(X, y)
    theirs_attrs, ours_attrs = _public_fitted(theirs), _public_fitted(ours)
    extra = set(ours_attrs) - set(theirs_attrs)
    assert set(theirs_attrs) <= set(ours_attrs)
    # the one documented addition: a validation curve when there is a
    # validation set
    assert extra == ({"validation_loss_curve_"} if early_stopping else set())
    for name, value in theirs_attrs.items():
        assert _structure(ours_attrs[name]) == _structure(value), name
    # values that are fixed by the data and the parameters
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_features_in_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    if hasattr(theirs, "feature_names_in_"):
        np.testing.assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    assert ours.n_iter_ == theirs.n_iter_ == 4
    if solver == "adam":
        assert ours.t_ == theirs.t_
    # the fitted state is plain arrays and values, not custom objects
    for value in vars(ours).values():
        assert _plain(value), value


def _plain(value):
    if isinstance(value, (np.ndarray, np.generic, str, bytes, Real, type(None))):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def test_validation_loss_curve_absent_without_validation_set():
    X, y = DATASETS["binary"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = ScratchMLPClassifier(hidden_layer_sizes=(3,), max_iter=3).fit(X, y)
        assert not hasattr(est, "validation_loss_curve_")
        # and a later refit with early stopping, then without, drops it again
        est.set_params(early_stopping=True).fit(X, y)
        assert len(est.validation_loss_curve_) == est.n_iter_
        est.set_params(early_stopping=False).fit(X, y)
        assert not hasattr(est, "validation_loss_curve_")


def test_logistic_net_coef_and_intercept_only_without_hidden_layer():
    X, y = DATASETS["multiclass-dataframe"]
    est = ScratchLogisticNet(max_iter=500).fit(X, y)
    assert est.coef_.shape == (3, X.shape[1])
    assert est.intercept_.shape == (3,)
    np.testing.assert_array_equal(est.coef_, est.coefs_[0].T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        deep = ScratchLogisticNet(hidden_layer_sizes=(3,), max_iter=5).fit(X, y)
    assert not hasattr(deep, "coef_")
    assert not hasattr(deep, "intercept_")


# -- docstrings -------------------------------------------------------------


def _documented(doc, section):
    """Names listed in a numpydoc section ('a, b' entries give two names)."""
    if NumpyDocString is not None:
        entries = [p.name for p in NumpyDocString(doc)[section]]
        types = {p.name: p.type for p in NumpyDocString(doc)[section]}
    else:  # pragma: no cover - regex fallback
        block = re.search(
            rf"^{section}\n-+\n(.*?)(?:\n\S[^\n]*\n-+\n|\Z)", doc, re.S | re.M
        ).group(1)
        found = re.findall(r"^(\w[\w, ]*?) : (.*)$", block, re.M)
        entries = [name for name, _ in found]
        types = dict(found)
    names = [n.strip() for entry in entries for n in entry.split(",")]
    return names, types


def test_class_docstring_documents_every_parameter_in_order(Est):
    names, _ = _documented(inspect.getdoc(Est), "Parameters")
    assert names == list(_init_params(Est))


def test_class_docstring_states_each_default(Est):
    _, types = _documented(inspect.getdoc(Est), "Parameters")
    for name, p in _init_params(Est).items():
        match = re.search(r"default=(.+)$", types[name])
        assert match, f"{name}: no 'default=' in {types[name]!r}"
        documented = ast.literal_eval(match.group(1))
        assert documented == p.default, name


def test_class_docstring_documents_every_fitted_attribute(Est):
    names, _ = _documented(inspect.getdoc(Est), "Attributes")
    expected = set(_public_fitted(MLPClassifier(max_iter=1)))  # empty: not fitted
    X, y = DATASETS["multiclass-dataframe"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = Est(solver="adam", max_iter=2, early_stopping=True).fit(X, y)
    expected |= set(_public_fitted(est))
    assert expected <= set(names)


@pytest.mark.parametrize(
    "method",
    [
        "fit",
        "partial_fit",
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "score",
    ],
)
def test_method_docstrings_document_every_parameter(Est, method):
    func = getattr(Est, method)
    names, _ = _documented(inspect.getdoc(func), "Parameters")
    params = [p for p in inspect.signature(func).parameters if p != "self"]
    assert names == params


def test_fit_signature(Est):
    params = inspect.signature(Est.fit).parameters
    assert list(params) == [
        "self",
        "X",
        "y",
        "sample_weight",
        "X_val",
        "y_val",
        "sample_weight_val",
    ]
    for name in ("X_val", "y_val", "sample_weight_val"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert params[name].default is None
    assert params["sample_weight"].default is None
    pf = inspect.signature(Est.partial_fit).parameters
    assert list(pf) == ["self", "X", "y", "classes", "sample_weight"]


def test_partial_fit_only_for_stochastic_solvers(Est):
    assert not hasattr(Est(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError) as excinfo:
        Est(solver="lbfgs").partial_fit  # noqa: B018
    # available_if keeps the reason as the cause
    assert "lbfgs" in str(excinfo.value.__cause__)
    for solver in ("sgd", "adam", "adagrad", "rmsprop"):
        assert hasattr(Est(solver=solver), "partial_fit")
