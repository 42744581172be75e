"""scikit-learn's own MLPRegressor tests, run against ScratchMLPRegressor.

As ``test_sklearn_mlp.py`` does for the classifier: the installed
``sklearn/neural_network/tests/test_mlp.py`` is executed (never copied) as a
private module while ``sklearn.neural_network.MLPRegressor`` names
ScratchMLPRegressor, so its ``from sklearn.neural_network import
MLPRegressor`` binds our class in the test bodies and in the ``parametrize``
lists alike; the name is restored as soon as the module is loaded.

Its regressor tests are published here: those whose body names MLPRegressor,
and those parametrised over both estimators, with their regressor case only.
``NOT_APPLICABLE`` lists those that cannot apply, each with the reason; every
other regressor test in the file must pass.
"""

import importlib.util
import inspect
from unittest import mock

import pytest
import sklearn.neural_network
from sklearn.neural_network import MLPClassifier

from skmlp import ScratchMLPRegressor

NOT_APPLICABLE = {
    # A deliberate difference (SPEC): a diverging fit never leaves NaN weights.
    "test_nonfinite_params": (
        "expects MLPRegressor's ValueError 'Solver produced non-finite parameter "
        "weights' after training on values near the float64 maximum; skmlp "
        "detects the non-finite loss, keeps the last finite weights and warns "
        "(ConvergenceWarning), as its classifiers do"
    ),
}

# Estimator parameter names under which the file parametrises over both MLPs.
_ESTIMATOR_ARGNAMES = {"MLPEstimator", "Estimator"}


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture (its conftest is not loaded here): seed 42, the
    default of its SKLEARN_TESTS_GLOBAL_RANDOM_SEED."""
    return 42


def _load_sklearn_test_module():
    """Execute the installed test_mlp.py with MLPRegressor bound to ours."""
    spec = importlib.util.find_spec("sklearn.neural_network.tests.test_mlp")
    if spec is None or spec.origin is None:  # pragma: no cover - packaging
        raise ImportError(
            "scikit-learn's test module sklearn/neural_network/tests/test_mlp.py "
            "is not installed; these tests need the full scikit-learn package."
        )
    private = importlib.util.spec_from_file_location(
        "_sklearn_test_mlp_regressor_on_skmlp", spec.origin
    )
    module = importlib.util.module_from_spec(private)
    with mock.patch.object(sklearn.neural_network, "MLPRegressor", ScratchMLPRegressor):
        private.loader.exec_module(module)
    return module


def _uses_regressor(func):
    """Whether the test's body or its parametrisation involves MLPRegressor."""
    for mark in getattr(func, "pytestmark", []):
        if mark.name == "parametrize" and mark.args[0] in _ESTIMATOR_ARGNAMES:
            return ScratchMLPRegressor in mark.args[1]
    return "MLPRegressor" in func.__code__.co_names


def _regressor_only(func):
    """Drop MLPClassifier from an estimator parametrisation (own copy of marks)."""
    marks = []
    for mark in getattr(func, "pytestmark", []):
        if mark.name == "parametrize" and mark.args[0] in _ESTIMATOR_ARGNAMES:
            kept = [est for est in mark.args[1] if est is not MLPClassifier]
            mark = pytest.mark.parametrize(mark.args[0], kept, **mark.kwargs).mark
        marks.append(mark)
    func.pytestmark = marks
    return func


_sklearn_tests = _load_sklearn_test_module()

PUBLISHED = []
for _name, _func in inspect.getmembers(_sklearn_tests, inspect.isfunction):
    if not _name.startswith("test_") or not _uses_regressor(_func):
        continue
    if _name in NOT_APPLICABLE:
        continue
    globals()[_name] = _regressor_only(_func)
    PUBLISHED.append(_name)


def test_coverage_of_sklearn_regressor_tests():
    """Every regressor test in the file is either run here or listed, and the
    not-applicable list names only tests that exist and involve the regressor."""
    regressor_tests = {
        name
        for name, func in inspect.getmembers(_sklearn_tests, inspect.isfunction)
        if name.startswith("test_") and _uses_regressor(func)
    }
    assert set(NOT_APPLICABLE) <= regressor_tests
    assert set(PUBLISHED) == regressor_tests - set(NOT_APPLICABLE)
    # the five the issue names, at least
    assert {
        "test_lbfgs_regression",
        "test_lbfgs_regression_maxfun",
        "test_multioutput_regression",
        "test_partial_fit_regression",
        "test_mlp_regressor_dtypes_casting",
    } <= set(PUBLISHED)
    assert len(PUBLISHED) >= 15
    # The test bodies see our class, not scikit-learn's.
    assert _sklearn_tests.MLPRegressor is ScratchMLPRegressor
    assert _sklearn_tests.MLPClassifier is MLPClassifier
    assert sklearn.neural_network.MLPRegressor is not ScratchMLPRegressor
