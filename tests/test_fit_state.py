"""FitState: what one fit, partial_fit or warm_start call leaves for the next."""

import math
import warnings

import numpy as np
import pytest
from _helpers import STOCHASTIC, classification
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skmlp import ScratchMLPClassifier
from skmlp._core.training import Plateau
from skmlp._fit_state import _PUBLIC, ABSENT, FitState

PUBLIC_ATTRIBUTES = [
    "n_iter_",
    "t_",
    "loss_",
    "loss_curve_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "validation_loss_curve_",
]


@pytest.fixture(scope="module")
def data():
    return classification(n_samples=80, n_features=4)


def fitted(data, **params):
    params = {
        "hidden_layer_sizes": (5,),
        "max_iter": 4,
        "random_state": 0,
        "n_iter_no_change": 2,
        **params,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ScratchMLPClassifier(**params).fit(*data)


def assert_same_value(a, b, where="value"):
    """Equal, recursively through dicts and lists; arrays equal and same dtype."""
    assert type(a) is type(b), (where, type(a), type(b))
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same_value(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_value(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, where
        assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a is b or a == b, where


def assert_same_state(a, b):
    for name in vars(FitState()):
        assert_same_value(getattr(a, name), getattr(b, name), name)


# ------------------------------------------------------- fresh, load, store


def test_fresh_state_has_no_attribute():
    state = FitState.fresh()
    assert (state.n_iter, state.t, state.plateau_count) == (0, 0, 0)
    assert state.optimizer is None and state.learning_rate is None
    for name in _PUBLIC:
        if name not in ("n_iter", "t"):
            assert getattr(state, name) is ABSENT, name
    assert repr(ABSENT) == "ABSENT"
    assert FitState.fresh() is not state  # no shared mutable default


def test_the_public_fields_are_the_estimator_attributes():
    assert sorted(_PUBLIC.values()) == sorted(PUBLIC_ATTRIBUTES)
    assert set(_PUBLIC) <= set(vars(FitState()))


def test_load_of_an_unfitted_estimator_is_fresh():
    assert_same_state(FitState.load(ScratchMLPClassifier()), FitState.fresh())


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "sgd"},
        {"solver": "adam", "early_stopping": True},
        {"solver": "rmsprop", "learning_rate": "adaptive"},
        {"solver": "lbfgs"},
    ],
    ids=lambda p: "-".join(str(v) for v in p.values()),
)
def test_load_store_round_trip(params, data):
    est = fitted(data, **params)
    state = FitState.load(est)
    # load reads what the estimator holds
    assert state.n_iter == est.n_iter_ and state.t == est.t_
    for name, attr in _PUBLIC.items():
        if hasattr(est, attr):
            assert_same_value(getattr(state, name), getattr(est, attr), attr)
        else:
            assert getattr(state, name) is ABSENT, attr
    for key, value in est._fit_state.items():
        assert_same_value(getattr(state, key), value, key)

    # store writes it all onto another estimator, which then loads the same
    other = ScratchMLPClassifier()
    state.store(other)
    for attr in PUBLIC_ATTRIBUTES:
        assert hasattr(other, attr) == hasattr(est, attr), attr
        if hasattr(est, attr):
            assert_same_value(getattr(other, attr), getattr(est, attr), attr)
    assert_same_value(other._fit_state, est._fit_state, "_fit_state")
    assert set(other._fit_state) == {"optimizer", "learning_rate", "plateau_count"}
    assert_same_state(FitState.load(other), state)


def test_stochastic_and_lbfgs_fits_leave_what_they_own(data):
    sgd = FitState.load(fitted(data, solver="sgd"))
    assert sgd.n_iter == 4 and sgd.t == 4 * 80
    assert len(sgd.loss_curve) == 4 and sgd.loss == sgd.loss_curve[-1]
    assert sgd.optimizer["solver"] == "sgd" and sgd.optimizer["steps"] == 4
    assert sgd.learning_rate == 0.001
    lbfgs = FitState.load(fitted(data, solver="lbfgs"))
    assert lbfgs.optimizer is None and lbfgs.learning_rate is None
    assert lbfgs.loss_curve is ABSENT and lbfgs.best_loss is ABSENT
    assert lbfgs.n_iter == 4 and lbfgs.t == 0 and np.isfinite(lbfgs.loss)


def test_absent_attributes_are_removed(data):
    est = fitted(data, solver="adam", early_stopping=True)
    assert hasattr(est, "validation_scores_") and hasattr(est, "loss_curve_")
    state = FitState.load(est)
    state.loss_curve = ABSENT
    state.validation_scores = ABSENT
    state.best_validation_score = ABSENT
    state.store(est)
    for attr in ("loss_curve_", "validation_scores_", "best_validation_score_"):
        assert not hasattr(est, attr), attr
        assert attr not in vars(est)
    assert est.n_iter_ == state.n_iter  # the others stay
    # storing ABSENT where nothing was stored is no error
    FitState.fresh().store(est)
    for attr in PUBLIC_ATTRIBUTES:
        assert hasattr(est, attr) == (attr in ("n_iter_", "t_")), attr
    assert (est.n_iter_, est.t_) == (0, 0)


def test_a_refit_with_lbfgs_drops_the_stochastic_curves(data):
    est = fitted(data, solver="sgd")
    assert hasattr(est, "loss_curve_") and hasattr(est, "best_loss_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(solver="lbfgs").fit(*data)
    assert not hasattr(est, "loss_curve_") and not hasattr(est, "best_loss_")
    assert est._fit_state["optimizer"] is None


def test_load_ignores_unknown_private_keys():
    est = ScratchMLPClassifier()
    est.n_iter_, est.t_ = 3, 30
    est._fit_state = {"plateau_count": 2, "from_an_older_version": 1}
    state = FitState.load(est)
    assert (state.n_iter, state.t, state.plateau_count) == (3, 30, 2)
    assert not hasattr(state, "from_an_older_version")


# ------------------------------------------------------ the stopping rule


def test_plateau_continues_the_watched_training_loss():
    state = FitState(best_loss=0.25, best_validation_score=None, plateau_count=2)
    plateau = state.plateau(False, 1e-3, 7)
    assert isinstance(plateau, Plateau)
    assert (plateau.best, plateau.count) == (-0.25, 2)  # higher is better
    assert (plateau.tol, plateau.patience) == (1e-3, 7)


def test_plateau_continues_the_watched_validation_score():
    state = FitState(best_loss=None, best_validation_score=0.75, plateau_count=3)
    plateau = state.plateau(True, 1e-4, 10)
    assert (plateau.best, plateau.count) == (0.75, 3)


@pytest.mark.parametrize(
    "state, watch_validation",
    [
        # watched the loss, now the validation score
        (FitState(best_loss=0.25, best_validation_score=None, plateau_count=2), True),
        # watched the validation score, now the loss
        (FitState(best_loss=None, best_validation_score=0.75, plateau_count=3), False),
        # nothing watched yet (fresh, or after L-BFGS)
        (FitState(), True),
        (FitState(), False),
        (FitState(n_iter=5, loss=0.4), False),
    ],
)
def test_plateau_starts_afresh_when_the_quantity_changed(state, watch_validation):
    plateau = state.plateau(watch_validation, 1e-4, 10)
    assert (plateau.best, plateau.count) == (-np.inf, 0)


@pytest.mark.parametrize("watch_validation", [False, True])
def test_end_stochastic_then_plateau_continues_where_it_stopped(watch_validation):
    state = FitState.fresh()
    state.start_stochastic(watch_validation, watch_validation)
    plateau = state.plateau(watch_validation, 0.5, 10)
    for value in (-2.0, -1.0, -1.25):  # a best, an improvement, a stall
        plateau.update(value)
    state.end_stochastic(plateau, watch_validation, watch_validation)
    assert state.plateau_count == 1
    if watch_validation:
        assert (state.best_validation_score, state.best_loss) == (-1.0, None)
    else:
        assert (state.best_loss, state.best_validation_score) == (1.0, None)
        assert state.validation_scores is None
    again = state.plateau(watch_validation, 0.5, 10)
    assert (again.best, again.count) == (plateau.best, plateau.count)
    # and the other quantity would start afresh
    other = state.plateau(not watch_validation, 0.5, 10)
    assert (other.best, other.count) == (-np.inf, 0)


def test_end_stochastic_keeps_unwatched_validation_scores():
    state = FitState.fresh()
    state.start_stochastic(early_stopping=False, has_validation=True)
    state.validation_scores.append(0.5)
    plateau = Plateau(1e-4, 10)
    plateau.update(-0.3)
    state.end_stochastic(plateau, watch_validation=False, has_validation=True)
    assert state.validation_scores == [0.5]
    assert state.best_loss == 0.3 and state.best_validation_score is None


def test_warm_start_continues_the_stopping_rule(data):
    est = fitted(data, solver="sgd", warm_start=True, max_iter=3)
    before = FitState.load(est)
    plateau = before.plateau(False, est.tol, est.n_iter_no_change)
    assert plateau.best == -est.best_loss_
    assert plateau.count == est._fit_state["plateau_count"]


# ---------------------------------------------------- start_stochastic


def test_start_stochastic_fresh_watching_the_loss():
    state = FitState.fresh()
    state.start_stochastic(early_stopping=False, has_validation=False)
    assert state.loss_curve == []
    assert state.best_loss == np.inf
    assert state.best_validation_score is None
    assert state.validation_scores is None
    assert state.validation_loss_curve is ABSENT


def test_start_stochastic_fresh_with_early_stopping():
    state = FitState.fresh()
    state.start_stochastic(early_stopping=True, has_validation=True)
    assert state.loss_curve == []
    assert state.best_loss is None
    assert state.best_validation_score == -np.inf
    assert state.validation_scores == []
    assert state.validation_loss_curve == []
    assert state.validation_scores is not state.validation_loss_curve


def test_start_stochastic_fresh_with_an_unwatched_validation_set():
    state = FitState.fresh()
    state.start_stochastic(early_stopping=False, has_validation=True)
    assert state.best_loss == np.inf and state.best_validation_score is None
    assert state.validation_scores == [] and state.validation_loss_curve == []


@pytest.mark.parametrize("early_stopping", [False, True])
def test_start_stochastic_after_lbfgs_gains_the_curves(early_stopping, data):
    state = FitState.load(fitted(data, solver="lbfgs"))
    n_iter, loss = state.n_iter, state.loss
    state.start_stochastic(early_stopping, has_validation=early_stopping)
    assert (state.n_iter, state.loss) == (n_iter, loss)  # kept
    assert state.loss_curve == []
    if early_stopping:
        assert state.best_loss is None and state.best_validation_score == -np.inf
        assert state.validation_scores == [] and state.validation_loss_curve == []
    else:
        assert state.best_loss == np.inf and state.best_validation_score is None
        assert state.validation_scores is None
        assert state.validation_loss_curve is ABSENT


def test_start_stochastic_continuing_keeps_curves_and_bests(data):
    est = fitted(data, solver="adam", early_stopping=True)
    state = FitState.load(est)
    scores, best = list(state.validation_scores), state.best_validation_score
    state.start_stochastic(early_stopping=True, has_validation=True)
    assert state.validation_scores == scores and len(scores) == est.n_iter_
    assert state.best_validation_score == best
    assert state.loss_curve == est.loss_curve_


def test_record_epoch_counts_and_appends():
    class Record:
        epoch, loss, validation_score, validation_loss = 3, 0.5, 0.8, 0.6

    state = FitState(t=10)
    state.start_stochastic(early_stopping=True, has_validation=True)
    state.record_epoch(Record, 20)
    assert (state.n_iter, state.t, state.loss) == (3, 30, 0.5)
    assert state.loss_curve == [0.5]
    assert state.validation_scores == [0.8]
    assert state.validation_loss_curve == [0.6]
    Record.validation_score = None
    state.record_epoch(Record, 20)
    assert state.t == 50 and state.loss_curve == [0.5, 0.5]
    assert state.validation_scores == [0.8]  # no validation this epoch


# ------------------------------------------------- plain values only


PLAIN = (dict, list, int, float, str, type(None), np.ndarray)


def assert_plain(value, where="_fit_state"):
    # exact types: a NumPy scalar (np.float64 subclasses float) is not plain
    assert type(value) in PLAIN, (where, type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, (where, key)
            assert_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_plain(item, f"{where}[{i}]")
    elif isinstance(value, np.ndarray):
        assert value.dtype.kind in "biuf", (where, value.dtype)


def test_assert_plain_catches_what_is_not_plain():
    with pytest.raises(AssertionError):
        assert_plain({"a": [np.float64(1.0)]})
    with pytest.raises(AssertionError):
        assert_plain({"a": FitState()})
    with pytest.raises(AssertionError):
        assert_plain({"a": np.array([None], dtype=object)})
    assert_plain({"a": [1, 2.0, "s", None, np.zeros(2)]})


@pytest.mark.parametrize("solver", [*STOCHASTIC, "lbfgs"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_state_holds_only_plain_values(solver, early_stopping, data):
    est = fitted(data, solver=solver, early_stopping=early_stopping)
    assert_plain(est._fit_state)
    if solver != "lbfgs":
        optimizer = est._fit_state["optimizer"]
        assert optimizer["solver"] == solver
        assert any(isinstance(v, np.ndarray) for v in optimizer.values())


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_fit_state_after_partial_fit_holds_only_plain_values(solver, data):
    est = ScratchMLPClassifier(hidden_layer_sizes=(5,), solver=solver, random_state=0)
    for _ in range(2):
        est.partial_fit(*data, classes=np.unique(data[1]))
        assert_plain(est._fit_state)
    assert est._fit_state["optimizer"]["steps"] == 2
