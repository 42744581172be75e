"""ScratchMLPRegressor's public surface against the installed MLPRegressor,
and its documentation: the signature, the fitted attributes, the docstrings,
the user guide's code block and the gallery example.

SPEC: every constructor parameter of MLPRegressor with its name, default and
meaning, plus what the classifiers add where it means something for
regression (not ``class_weight``); the same fitted attributes.
"""

import ast
import inspect
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from test_guide import code_block_after, run_printing
from test_signature import _documented, _plain, _public_fitted, _structure

import skmlp
import skmlp._regressor
from skmlp import ScratchMLPClassifier, ScratchMLPRegressor

ROOT = Path(__file__).resolve().parents[1]
ADDED = {"dropout": 0.0, "l1_ratio": 0.0, "decay": 0.0, "rho": 0.9, "scoring": None}


def _init_params(cls):
    return {
        name: p
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if name != "self"
    }


def test_every_mlpregressor_parameter_same_kind_default_and_order():
    theirs, ours = _init_params(MLPRegressor), _init_params(ScratchMLPRegressor)
    assert list(ours)[: len(theirs)] == list(theirs)
    for name, p in theirs.items():
        assert ours[name].kind == p.kind, name
        assert ours[name].default == p.default, name
        assert type(ours[name].default) is type(p.default), name


def test_added_parameters_are_the_classifiers_less_class_weight():
    theirs, ours = _init_params(MLPRegressor), _init_params(ScratchMLPRegressor)
    added = {name: p for name, p in ours.items() if name not in theirs}
    assert {name: p.default for name, p in added.items()} == ADDED
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in added.values())
    classifier = _init_params(ScratchMLPClassifier)
    assert set(ours) - {"loss"} == set(classifier) - {"class_weight"}


def test_mlpregressor_parameters_work_unchanged():
    params = MLPRegressor(loss="poisson", alpha=1e-3, max_iter=3).get_params()
    ours = ScratchMLPRegressor(**params)
    assert {k: v for k, v in ours.get_params().items() if k in params} == params


@pytest.mark.parametrize(
    "solver,early_stopping", [("adam", False), ("adam", True), ("lbfgs", False)]
)
@pytest.mark.parametrize("n_targets", [1, 3])
def test_fitted_attributes_same_names_and_shapes(solver, early_stopping, n_targets):
    X, y = make_regression(
        n_samples=80, n_features=5, n_targets=n_targets, random_state=0
    )
    params = dict(
        hidden_layer_sizes=(7, 4), solver=solver, max_iter=4, random_state=0,
        early_stopping=early_stopping,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPRegressor(**params).fit(X, y)
        ours = ScratchMLPRegressor(**params).fit(X, y)
    theirs_attrs, ours_attrs = _public_fitted(theirs), _public_fitted(ours)
    assert set(theirs_attrs) <= set(ours_attrs)
    extra = set(ours_attrs) - set(theirs_attrs)
    assert extra == ({"validation_loss_curve_"} if early_stopping else set())
    for name, value in theirs_attrs.items():
        assert _structure(ours_attrs[name]) == _structure(value), name
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_features_in_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert not hasattr(ours, "classes_")
    assert ours.predict(X).shape == theirs.predict(X).shape == y.shape
    for value in vars(ours).values():
        assert _plain(value), value


def test_class_docstring_documents_every_parameter_and_attribute():
    doc = inspect.getdoc(ScratchMLPRegressor)
    names, types = _documented(doc, "Parameters")
    assert names == list(_init_params(ScratchMLPRegressor))
    for name, p in _init_params(ScratchMLPRegressor).items():
        documented = re.search(r"default=(.+)$", types[name]).group(1)
        assert ast.literal_eval(documented) == p.default, name
    attributes, _ = _documented(doc, "Attributes")
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = ScratchMLPRegressor(max_iter=2, early_stopping=True).fit(X, y)
    assert set(_public_fitted(est)) <= set(attributes)
    assert "classes_" not in attributes and "class_weight" not in names
    # no classifier wording leaks into the regressor's page
    assert " MLPClassifier" not in doc and "accuracy" not in doc


@pytest.mark.parametrize("method", ["fit", "partial_fit", "predict", "score"])
def test_method_docstrings_document_every_parameter(method):
    func = getattr(ScratchMLPRegressor, method)
    names, _ = _documented(inspect.getdoc(func), "Parameters")
    assert names == [p for p in inspect.signature(func).parameters if p != "self"]


def test_signatures_of_fit_and_partial_fit():
    fit = inspect.signature(ScratchMLPRegressor.fit).parameters
    assert list(fit) == [
        "self", "X", "y", "sample_weight", "X_val", "y_val", "sample_weight_val"
    ]  # fmt: skip
    partial_fit = inspect.signature(ScratchMLPRegressor.partial_fit).parameters
    assert list(partial_fit) == list(
        inspect.signature(MLPRegressor.partial_fit).parameters
    )


def test_public_api():
    assert "ScratchMLPRegressor" in skmlp.__all__
    assert skmlp.ScratchMLPRegressor is ScratchMLPRegressor
    api = (ROOT / "docs" / "api.rst").read_text()
    assert "   ScratchMLPRegressor\n" in api
    index = (ROOT / "docs" / "user_guide" / "index.rst").read_text()
    assert "   regression\n" in index


def test_docstring_example():
    import doctest

    result = doctest.testmod(skmlp._regressor, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_user_guide_ridge_block_prints_true():
    code = code_block_after("regression.rst", "The linear models inside")
    assert run_printing(code).split() == ["True"]


def test_user_guide_includes_name_code_that_exists():
    """Each ``:pyobject:`` the regression page pulls from the source exists."""
    from skmlp._core import regression

    text = (ROOT / "docs" / "user_guide" / "regression.rst").read_text()
    objects = re.findall(r":pyobject: (\S+)", text)
    assert len(objects) == 3
    for dotted in objects:
        obj = regression
        for part in dotted.split("."):
            obj = getattr(obj, part)
        assert callable(obj)


def test_gallery_example_runs_and_shows_what_it_says(tmp_path):
    """The example runs and prints what its text describes: L2 narrows the
    band of five seeds and brings the mean closer, dropout does not narrow
    it; the Poisson fit stays
    positive where the squared error goes below zero, and is closer in
    Poisson deviance."""
    pytest.importorskip("matplotlib")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "examples" / "plot_regression.py")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    numbers = [
        [float(w.strip(",")) for w in line.split() if w[0].isdigit() or w[0] == "-"]
        for line in lines
    ]
    (none_err, none_band), (l2_err, l2_band), (_, dropout_band) = numbers[:3]
    assert l2_err < none_err and l2_band < none_band / 2 < dropout_band
    (se_min, se_dev), (po_min, po_dev) = numbers[3][-2:], numbers[4][-2:]
    assert se_min < 0 < po_min and po_dev < se_dev
