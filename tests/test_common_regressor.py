"""scikit-learn's estimator checks on ScratchMLPRegressor, as test_common.py
runs them on the classifiers: the same configurations (every solver, no
hidden layer, dropout, elastic net, decay; class_weight has no regression
meaning) plus the Poisson loss, with no expected failure but the two
documented for dropout, and no skipped check.

One check is run with its targets made valid: scikit-learn's
``check_regressor_multioutput`` draws signed targets without applying the
``positive_only`` tag (every other regressor check applies it through
``_enforce_estimator_tags_y``), and the Poisson loss rejects y < 0 by design.
For the Poisson configurations that check runs unchanged on the targets the
tag asks for -- shifted to be positive, as ``_enforce_estimator_tags_y`` does.
"""

import functools
from unittest import SkipTest, mock

import numpy as np
import pytest
import sklearn.utils.estimator_checks as estimator_checks
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    estimator_checks_generator,
    parametrize_with_checks,
)
from test_common import ABSENT_HARDWARE_OR_LIBRARY, _check_name, expected_failed_checks

from skmlp import ScratchMLPRegressor

R = ScratchMLPRegressor

CONFIGURATIONS = [
    R(),  # solver='adam'
    R(hidden_layer_sizes=(), solver="lbfgs"),  # the linear model (Ridge)
    *[R(solver=solver) for solver in ("sgd", "adagrad", "rmsprop")],
    # a narrower hidden layer than (100,) runs the same lbfgs code faster
    R(hidden_layer_sizes=(16,), solver="lbfgs"),
    # learning_rate_init=0.01: with 0.001, 200 full-batch Adam steps of an
    # 8-unit layer reach R^2 = 0.49 in check_regressors_train (< 0.5; the
    # same figure as MLPRegressor's): a capacity limit, not a defect
    R(hidden_layer_sizes=(8,), solver="adam", learning_rate_init=0.01),
    R(dropout=0.2),
    R(hidden_layer_sizes=(32,), solver="adam", dropout=0.2),
    R(l1_ratio=0.5),
    R(hidden_layer_sizes=(), solver="lbfgs", l1_ratio=0.5),
    R(decay=1e-3),
    # learning_rate_init=0.01: with the default 0.001 the 200 full-batch Adam
    # steps of check_regressors_train leave R^2 at 0.38 (MLPRegressor's too)
    R(loss="poisson", learning_rate_init=0.01),
    R(loss="poisson", hidden_layer_sizes=(16,), solver="lbfgs"),
]


def _positive_targets_of(make_regression):
    """make_regression, with y made positive as ``_enforce_estimator_tags_y``
    makes it for an estimator tagged ``positive_only``."""

    def make_positive_regression(*args, **kwargs):
        X, y = make_regression(*args, **kwargs)
        return X, y + 1 + abs(y.min())

    return make_positive_regression


def _run(estimator, check):
    """``check(estimator)``; the multi-output check with valid targets for an
    estimator whose tags ask for positive ones (see the module docstring)."""
    positive = get_tags(estimator).target_tags.positive_only
    if positive and _check_name(check) == "check_regressor_multioutput":
        positive_regression = _positive_targets_of(estimator_checks.make_regression)
        with mock.patch.object(
            estimator_checks, "make_regression", positive_regression
        ):
            return check(estimator)
    return check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    CONFIGURATIONS, expected_failed_checks=expected_failed_checks, xfail_strict=True
)
def test_estimator_checks(estimator, check):
    # as test_common.py: a skipped check fails, except an array API check for
    # hardware or a library this machine does not have
    try:
        _run(estimator, check)
    except SkipTest as exc:
        if ABSENT_HARDWARE_OR_LIBRARY.search(str(exc)):
            pytest.skip(str(exc))
        pytest.fail(f"check skipped, which SPEC does not allow: {exc}")


def test_expected_failures_are_the_two_weight_checks_for_dropout_only():
    weight_checks = {
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weight_equivalence_on_sparse_data",
    }
    with_dropout = [
        i for i, est in enumerate(CONFIGURATIONS) if "dropout=" in repr(est)
    ]
    assert len(with_dropout) == 2
    for i, est in enumerate(CONFIGURATIONS):
        expected = expected_failed_checks(est)
        assert set(expected) == (weight_checks if i in with_dropout else set()), est
        run = {_check_name(check) for _, check in estimator_checks_generator(est)}
        assert set(expected) <= run, est


def test_tags_say_what_targets_are_accepted():
    tags = get_tags(R())
    assert tags.estimator_type == "regressor"
    assert tags.target_tags.required
    assert tags.target_tags.single_output and tags.target_tags.multi_output
    assert not tags.target_tags.positive_only
    assert get_tags(R(loss="poisson")).target_tags.positive_only
    assert tags.input_tags.sparse and tags.array_api_support
    assert tags.classifier_tags is None and tags.regressor_tags is not None


def test_multioutput_check_rejects_signed_targets_for_poisson():
    """Why the check above gets positive targets: unchanged, it fails on the
    Poisson loss's own error, y < 0 -- nothing else."""
    est = R(loss="poisson", learning_rate_init=0.01)
    check = functools.partial(
        estimator_checks.check_regressor_multioutput, "ScratchMLPRegressor"
    )
    with pytest.raises(ValueError, match="loss='poisson' needs y >= 0"):
        check(est)
    _run(est, check)  # passes


def test_positive_targets_helper_is_the_tag_rule():
    X, y = _positive_targets_of(
        lambda **kw: (np.zeros((3, 1)), np.array([-2.0, 0, 1]))
    )()
    assert y.min() == 1 and np.array_equal(np.diff(y), [2.0, 1.0])
