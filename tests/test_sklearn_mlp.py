"""scikit-learn's own MLPClassifier tests, run against ScratchMLPClassifier.

The test module that ships with scikit-learn
(``sklearn/neural_network/tests/test_mlp.py``) is executed here from the
installed package, never copied: it is loaded as a private module while
``sklearn.neural_network.MLPClassifier`` names ScratchMLPClassifier, so its
``from sklearn.neural_network import MLPClassifier`` binds our class -- in the
test bodies and in the ``parametrize`` lists alike. The name
``sklearn.neural_network.MLPClassifier`` is restored as soon as the module is
loaded: scikit-learn itself is left as it was.

Its test functions are then published in this module's namespace, where pytest
collects them with their own marks and fixtures. Only the classifier tests are
published: tests that exercise MLPRegressor alone are left out, and tests
parametrised over both estimators keep their classifier case only.

``NOT_APPLICABLE`` lists the classifier tests that cannot apply, each with the
reason; every other classifier test in the file must pass.
"""

import importlib.util
import inspect
from unittest import mock

import pytest
import sklearn.neural_network
from sklearn.neural_network import MLPRegressor

from skmlp import ScratchMLPClassifier

# The classifier tests that cannot apply, and why: six reach into
# MLPClassifier's private implementation, one contradicts the SPEC.
NOT_APPLICABLE = {
    "test_fit": (
        "builds a fitted state by hand from MLPClassifier's private attributes "
        "(_coef_grads, _coef_velocity, _no_improvement_count, ...) and expects "
        "partial_fit to resume from it"
    ),
    "test_gradient": (
        "calls MLPClassifier's private _loss_grad_lbfgs with its preallocated "
        "buffers; tests/core checks our gradients against finite differences"
    ),
    "test_learning_rate_warmstart": (
        "reads the learning rate from MLPClassifier's private _optimizer object"
    ),
    "test_adaptive_learning_rate": (
        "reads the learning rate from MLPClassifier's private _optimizer object"
    ),
    "test_n_iter_no_change": (
        "reads MLPClassifier's private counter _no_improvement_count"
    ),
    "test_n_iter_no_change_inf": (
        "reads MLPClassifier's private counter _no_improvement_count"
    ),
    # A deliberate difference (SPEC): a target with one class only is an error.
    "test_preserve_feature_names": (
        "fits a target of one class, which skmlp rejects with a ValueError by "
        "design, where MLPClassifier trains a model that always predicts it"
    ),
}

# Estimator parameter names under which the file parametrises over both MLPs.
_ESTIMATOR_ARGNAMES = {"MLPEstimator", "Estimator"}


def _load_sklearn_test_module():
    """Execute the installed test_mlp.py with MLPClassifier bound to ours."""
    spec = importlib.util.find_spec("sklearn.neural_network.tests.test_mlp")
    if spec is None or spec.origin is None:  # pragma: no cover - packaging
        raise ImportError(
            "scikit-learn's test module sklearn/neural_network/tests/test_mlp.py "
            "is not installed; these tests need the full scikit-learn package."
        )
    private = importlib.util.spec_from_file_location(
        "_sklearn_test_mlp_on_skmlp", spec.origin
    )
    module = importlib.util.module_from_spec(private)
    with mock.patch.object(
        sklearn.neural_network, "MLPClassifier", ScratchMLPClassifier
    ):
        private.loader.exec_module(module)
    return module


def _uses_classifier(func):
    """Whether the test's body or its parametrisation involves MLPClassifier."""
    if "MLPClassifier" in func.__code__.co_names:
        return True
    for mark in getattr(func, "pytestmark", []):
        if mark.name == "parametrize" and mark.args[0] in _ESTIMATOR_ARGNAMES:
            return ScratchMLPClassifier in mark.args[1]
    return False


def _classifier_only(func):
    """Drop MLPRegressor from an estimator parametrisation (own copy of marks)."""
    marks = []
    for mark in getattr(func, "pytestmark", []):
        if mark.name == "parametrize" and mark.args[0] in _ESTIMATOR_ARGNAMES:
            kept = [est for est in mark.args[1] if est is not MLPRegressor]
            mark = pytest.mark.parametrize(mark.args[0], kept, **mark.kwargs).mark
        marks.append(mark)
    func.pytestmark = marks
    return func


_sklearn_tests = _load_sklearn_test_module()

PUBLISHED = []
for _name, _func in inspect.getmembers(_sklearn_tests, inspect.isfunction):
    if not _name.startswith("test_") or not _uses_classifier(_func):
        continue
    if _name in NOT_APPLICABLE:
        continue
    globals()[_name] = _classifier_only(_func)
    PUBLISHED.append(_name)


def test_coverage_of_sklearn_classifier_tests():
    """Every classifier test in the file is either run here or listed, and the
    not-applicable list names only tests that exist and involve the classifier."""
    classifier_tests = {
        name
        for name, func in inspect.getmembers(_sklearn_tests, inspect.isfunction)
        if name.startswith("test_") and _uses_classifier(func)
    }
    assert set(NOT_APPLICABLE) <= classifier_tests
    assert set(PUBLISHED) == classifier_tests - set(NOT_APPLICABLE)
    assert len(PUBLISHED) >= 20
    # The test bodies see our class, not scikit-learn's.
    assert _sklearn_tests.MLPClassifier is ScratchMLPClassifier
    assert sklearn.neural_network.MLPClassifier is not ScratchMLPClassifier
