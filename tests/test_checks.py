"""skmlp._checks: the parameter checks ``_parameter_constraints`` cannot express.

Each function is called directly on an unfitted estimator: what it returns
for good values, and the message (naming the parameter, the estimator and
the value) for bad ones.
"""

import numpy as np
import pytest

from skmlp import ScratchLogisticNet, ScratchMLPClassifier
from skmlp._checks import (
    alpha_values,
    check_class_weight,
    check_fit_arguments,
    dropout_rates,
    hidden_sizes,
)


@pytest.mark.parametrize(
    "sizes, expected",
    [
        (7, [7]),
        ((), []),
        ((5,), [5]),
        ([4, 3], [4, 3]),
        (np.array([6, 2]), [6, 2]),
        ((np.int64(3),), [3]),
    ],
)
def test_hidden_sizes(sizes, expected):
    got = hidden_sizes(ScratchMLPClassifier(hidden_layer_sizes=sizes))
    assert got == expected
    assert all(type(s) is int for s in got)


@pytest.mark.parametrize("sizes", [0, -1, (0,), (5, -2), (5, 2.5), (True,), ("4",)])
def test_hidden_sizes_rejects(Est, sizes):
    with pytest.raises(
        ValueError,
        match=rf"'hidden_layer_sizes' parameter of {Est.__name__} must hold positive",
    ):
        hidden_sizes(Est(hidden_layer_sizes=sizes))


@pytest.mark.parametrize(
    "dropout, n_hidden, expected",
    [
        (0.0, 2, [0.0, 0.0]),
        (0.25, 3, [0.25, 0.25, 0.25]),
        (0.3, 0, []),
        ([0.1, 0.0], 2, [0.1, 0.0]),
        (np.array([0.5]), 1, [0.5]),
    ],
)
def test_dropout_rates(dropout, n_hidden, expected):
    est = ScratchMLPClassifier(dropout=dropout, solver="adam")
    got = dropout_rates(est, n_hidden)
    assert got == expected
    assert all(type(r) is float for r in got)


@pytest.mark.parametrize("dropout", [1.0, -0.1, np.nan, "0.5", True, [0.1, None]])
def test_dropout_rates_out_of_range(Est, dropout):
    est = Est(dropout=dropout, solver="adam")
    with pytest.raises(
        ValueError, match=rf"'dropout' parameter of {Est.__name__} must be in \[0, 1\)"
    ):
        dropout_rates(est, 2)


def test_dropout_rates_of_the_wrong_length():
    est = ScratchMLPClassifier(hidden_layer_sizes=(5, 5), dropout=[0.1, 0.2, 0.3])
    with pytest.raises(
        ValueError, match=r"one rate per hidden layer \(2 for .*\(5, 5\)\); got 3 rates"
    ):
        dropout_rates(est, 2)


@pytest.mark.parametrize("dropout", [0.2, [0.0, 0.2]])
def test_dropout_rates_refused_with_lbfgs(Est, dropout):
    est = Est(dropout=dropout, solver="lbfgs")
    with pytest.raises(ValueError, match=r"needs a stochastic solver.*'lbfgs'"):
        dropout_rates(est, 2)


def test_zero_dropout_is_fine_with_lbfgs():
    est = ScratchLogisticNet(dropout=[0.0, 0.0], solver="lbfgs")
    assert dropout_rates(est, 2) == [0.0, 0.0]


@pytest.mark.parametrize(
    "alpha, n_weight_layers, expected",
    [
        (1e-4, 2, 1e-4),
        (0, 3, 0.0),
        ([0.1, 0.0], 2, [0.1, 0.0]),
        (np.array([1.0, 2.0, 3.0]), 3, [1.0, 2.0, 3.0]),
    ],
)
def test_alpha_values(alpha, n_weight_layers, expected):
    got = alpha_values(ScratchMLPClassifier(alpha=alpha), n_weight_layers)
    assert got == expected
    assert all(type(a) is float for a in np.atleast_1d(got).tolist())
    assert isinstance(got, list) == (np.ndim(alpha) > 0)


@pytest.mark.parametrize(
    "alpha", [[0.1], [0.1, 0.2, 0.3], [0.1, -1.0], [0.1, True], [0.1, "1"]]
)
def test_alpha_values_rejects(Est, alpha):
    with pytest.raises(
        ValueError,
        match=rf"'alpha' parameter of {Est.__name__} must be .* per weight matrix "
        r"\(2 for",
    ):
        alpha_values(Est(alpha=alpha), 2)


def _fit_arguments(est, incremental=False, X_val=None, y_val=None, w_val=None):
    check_fit_arguments(est, incremental, X_val, y_val, w_val)


def test_check_fit_arguments_accepts_consistent_arguments():
    X_val, y_val = np.zeros((3, 2)), np.array([0, 1, 0])
    _fit_arguments(ScratchMLPClassifier())
    _fit_arguments(ScratchMLPClassifier(), X_val=X_val, y_val=y_val)
    _fit_arguments(ScratchMLPClassifier(), X_val=X_val, y_val=y_val, w_val=np.ones(3))
    _fit_arguments(ScratchMLPClassifier(early_stopping=True))
    _fit_arguments(ScratchMLPClassifier(solver="sgd"), incremental=True)


@pytest.mark.parametrize(
    "params, arguments, match",
    [
        (
            {"early_stopping": True},
            {"incremental": True},
            r"{name}\.partial_fit does not support early_stopping=True",
        ),
        ({}, {"X_val": np.zeros((2, 2))}, r"{name}\.fit needs .*got only X_val"),
        ({}, {"y_val": np.zeros(2)}, r"{name}\.fit needs .*got only y_val"),
        ({}, {"w_val": np.ones(2)}, r"{name}\.fit got sample_weight_val without"),
        (
            {"solver": "lbfgs"},
            {"X_val": np.zeros((2, 2)), "y_val": np.zeros(2)},
            r"{name}: X_val/y_val .* solver='lbfgs' has neither",
        ),
    ],
    ids=[
        "partial_fit-early_stopping",
        "X_val-only",
        "y_val-only",
        "w_val-only",
        "lbfgs",
    ],
)
def test_check_fit_arguments_rejects(Est, params, arguments, match):
    with pytest.raises(ValueError, match=match.format(name=Est.__name__)):
        _fit_arguments(Est(**params), **arguments)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_check_class_weight_none_is_fine_for_every_target(Est, kind):
    assert check_class_weight(Est(), kind) is None


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 2.0}])
def test_check_class_weight_with_single_label_targets(kind, class_weight):
    assert (
        check_class_weight(ScratchMLPClassifier(class_weight=class_weight), kind)
        is None
    )


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 2.0}])
def test_check_class_weight_refused_for_multilabel(Est, class_weight):
    with pytest.raises(
        ValueError,
        match=rf"'class_weight' parameter of {Est.__name__} is not supported for "
        "multilabel",
    ):
        check_class_weight(Est(class_weight=class_weight), "multilabel")
