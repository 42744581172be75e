"""Where MLPClassifier is broken, skmlp is not.

SPEC: "Where MLPClassifier has known defects, we keep its interface and fix
the behaviour": ``warm_start`` and repeated ``partial_fit`` continue the
optimizer's state; a loss that becomes non-finite is detected; a minibatch
whose sample weights sum to zero is skipped; ``predict_proba`` stays strictly
inside (0, 1) and ``predict_log_proba`` is computed from logits; Ctrl-C during
``fit`` keeps the best model so far, with a warning; the fitted state holds
only arrays and plain Python values (``skops.io`` loads it, a pickle is not
much bigger than the weights).

Every test here fails on MLPClassifier's behaviour (or on an equivalent
regression in skmlp).
"""

import functools
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _helpers import (
    CONTINUE,
    ESTIMATORS,
    STOCHASTIC,
    assert_same_weights,
    classification,
    forget_optimizer_state,
    max_weight_difference,
    three_ways,
    weights,
)
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax, logsumexp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

import skmlp._core.lbfgs
import skmlp._core.training
from skmlp import ScratchLogisticNet, ScratchMLPClassifier


def _assert_finite_model(est, X):
    """Finite weights, finite probabilities strictly inside (0, 1)."""
    for W in weights(est):
        assert np.isfinite(W).all(), "non-finite weights in a fitted model"
    P = est.predict_proba(X)
    assert np.isfinite(P).all(), "non-finite predict_proba"
    assert (P > 0).all() and (P < 1).all(), "predict_proba not strictly inside (0, 1)"
    log_P = est.predict_log_proba(X)
    assert np.isfinite(log_P).all(), "non-finite predict_log_proba"
    assert np.isin(est.predict(X), est.classes_).all()


# ---------------------------------------------------------------------------
# (a) warm_start and repeated partial_fit continue the optimizer's state
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_and_warm_start_continue_the_optimizer(Est, solver):
    """Three one-epoch calls == one three-epoch fit, to the last bit.

    MLPClassifier restarts nothing either for partial_fit, but resets Adam's
    step count (bias correction) and moments, momentum's velocity and
    Adagrad/RMSprop caches would all change the 2nd and 3rd epochs.
    """
    at_once, partial, warm = three_ways(Est, *classification(), solver=solver)
    assert_same_weights(at_once, partial)
    assert_same_weights(at_once, warm)
    assert_allclose(partial.loss_, at_once.loss_curve_[-1], rtol=1e-12)
    assert partial.t_ == warm.t_ == at_once.t_ == 3 * 120


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_a_restarted_optimizer_would_be_caught(solver):
    """The equivalence above has power: restarting the optimizer's state
    between the calls (MLPClassifier's defect, simulated by dropping the
    stored state) gives other weights."""
    X, y = classification()
    at_once, _, _ = three_ways(ScratchMLPClassifier, *classification(), solver=solver)
    restarted = ScratchMLPClassifier(**CONTINUE, solver=solver)
    for _ in range(3):
        forget_optimizer_state(restarted)
        restarted.partial_fit(X, y, classes=np.unique(y))
    assert max_weight_difference(at_once, restarted) > 1e-6


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "sgd", "decay": 0.1},
        {"solver": "adam", "decay": 0.1},
        {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": False},
        {
            "solver": "sgd",
            "learning_rate": "adaptive",
            "tol": 10.0,
            "n_iter_no_change": 1,
        },
        {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.5},
    ],
    ids=["sgd-decay", "adam-decay", "momentum", "adaptive", "invscaling"],
)
def test_learning_rate_schedules_continue_too(Est, params):
    """decay counts optimizer steps across calls; 'adaptive' keeps its reduced
    rate; 'invscaling' uses t_ (samples seen over every call, as MLPClassifier
    does), not the samples seen in the current call."""
    at_once, partial, warm = three_ways(Est, *classification(), **params)
    assert_same_weights(at_once, partial)
    assert_same_weights(at_once, warm)


def test_fit_then_partial_fit_continues():
    X, y = classification()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        at_once = ScratchMLPClassifier(max_iter=3, **CONTINUE).fit(X, y)
        est = ScratchMLPClassifier(max_iter=2, **CONTINUE).fit(X, y)
    est.partial_fit(X, y)
    assert_same_weights(at_once, est)


# ---------------------------------------------------------------------------
# (b) a non-finite loss is detected; no NaN is left behind
# ---------------------------------------------------------------------------

# (dtype, solver, scale of X, learning_rate_init): each of these diverges --
# the loss overflows to inf/NaN within a few epochs
DIVERGING = [
    ("float64", "sgd", 1e30, 1e6),
    ("float64", "sgd", 1e150, 1e6),
    ("float64", "adam", 1e3, 1e300),
    ("float64", "rmsprop", 1e3, 1e300),
    ("float64", "adagrad", 1e3, 1e300),
    ("float32", "sgd", 1e3, 1e6),
    ("float32", "adam", 1e3, 1e30),
    ("float32", "rmsprop", 1e3, 1e30),
    ("float32", "adagrad", 1e3, 1e30),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "dtype, solver, scale, lr",
    DIVERGING,
    ids=["-".join(map(str, c)) for c in DIVERGING],
)
def test_divergence_is_detected_and_leaves_a_usable_model(
    Est, dtype, solver, scale, lr
):
    # 200 samples, batch_size 'auto' = 200: one full batch per epoch
    X, y = classification(n_samples=200, n_features=5)
    X = (X * scale).astype(dtype)
    est = Est(
        hidden_layer_sizes=(10,),
        solver=solver,
        learning_rate_init=lr,
        max_iter=20,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="[Tt]raining diverged"):
        est.fit(X, y)
    assert est.coefs_[0].dtype == np.dtype(dtype)
    _assert_finite_model(est, X)
    assert np.isfinite(est.loss_)
    assert np.isfinite(est.loss_curve_).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_in_partial_fit(Est):
    X, y = classification(n_samples=200, n_features=5)
    X = X * 1e30
    est = Est(
        hidden_layer_sizes=(10,), solver="sgd", learning_rate_init=1e6, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="[Tt]raining diverged"):
        for _ in range(20):
            est.partial_fit(X, y, classes=np.unique(y))
    _assert_finite_model(est, X)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("scale", [1e30, 1e150, 1e300])
def test_lbfgs_on_extreme_data(Est, scale):
    X, y = classification(n_samples=200, n_features=5)
    X = X * scale
    est = Est(hidden_layer_sizes=(10,), solver="lbfgs", max_iter=20, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert convergence, "no ConvergenceWarning on data lbfgs cannot fit"
    _assert_finite_model(est, X)
    assert np.isfinite(est.loss_)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_lbfgs_divergence_says_so():
    X, y = classification(n_samples=200, n_features=5)
    est = ScratchMLPClassifier(
        hidden_layer_sizes=(10,), solver="lbfgs", max_iter=20, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="[Tt]raining diverged"):
        est.fit(X * 1e300, y)
    _assert_finite_model(est, X * 1e300)


# ---------------------------------------------------------------------------
# (c) a minibatch whose sample weights sum to zero is skipped
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("zero_batch", [0, 3, 11], ids=["first", "middle", "last"])
def test_zero_weight_batch_is_skipped(Est, solver, zero_batch):
    """shuffle=False, batch_size=10: batch ``zero_batch`` has weight 0.

    Skipping it (no step: no optimizer step count, no moment update, no
    penalty step with B = 0) is the same as fitting without those samples.
    MLPClassifier divides by the weight sum and crashes or produces NaN.
    """
    X, y = classification(n_samples=120)
    sw = np.ones(len(y))
    zero = slice(10 * zero_batch, 10 * zero_batch + 10)
    sw[zero] = 0.0
    keep = np.ones(len(y), dtype=bool)
    keep[zero] = False
    params = dict(CONTINUE, batch_size=10, solver=solver, max_iter=4, alpha=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = Est(**params).fit(X, y, sample_weight=sw)
        subset = Est(**params).fit(X[keep], y[keep])
    _assert_finite_model(weighted, X)
    for u, v in zip(weights(weighted), weights(subset), strict=True):
        assert_allclose(u, v, rtol=1e-10, atol=1e-12)
    assert_allclose(weighted.loss_curve_, subset.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_zero_weight_batches_with_shuffling(solver):
    """Half the samples weigh 0: with shuffling and small batches some batches
    are all-zero; training goes on and stays finite."""
    X, y = classification(n_samples=120)
    sw = np.zeros(len(y))
    sw[::2] = 1.0
    est = ScratchMLPClassifier(
        hidden_layer_sizes=(8,), solver=solver, batch_size=2, max_iter=5, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=sw)
    _assert_finite_model(est, X)
    assert np.isfinite(est.loss_curve_).all()
    assert est.n_iter_ == 5


# ---------------------------------------------------------------------------
# (d) predict_proba strictly inside (0, 1); predict_log_proba from logits
# ---------------------------------------------------------------------------


def _exact_log_proba(est, Z, multilabel):
    """The log-probabilities, computed from the logits ``Z`` in float64."""
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim == 1:
        Z = Z[:, np.newaxis]
    if est.out_activation_ == "softmax":
        return log_softmax(Z, axis=1)
    log_on = -np.logaddexp(0, -Z)
    if multilabel:
        return log_on
    if Z.shape[1] == 1:
        return np.hstack([-np.logaddexp(0, Z), log_on])
    return log_on - logsumexp(log_on, axis=1, keepdims=True)  # normalised OvR


SATURATING = [
    (ScratchMLPClassifier, 2),
    (ScratchMLPClassifier, 3),
    (ScratchLogisticNet, 2),
    (ScratchLogisticNet, 3),
    (ScratchMLPClassifier, "multilabel"),
]


@functools.cache
def _saturating_model(Est, n_classes, dtype):
    """A trained model (cached: the tests only predict with it)."""
    if n_classes == "multilabel":
        X, _ = classification(n_classes=2)
        Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0])
        y = Y.astype(int)
    else:
        X, y = classification(n_classes=n_classes)
    X = X.astype(dtype)
    est = Est(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return est, X


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1.0, 1e3, 1e6, 1e12])
@pytest.mark.parametrize(
    "Est, n_classes", SATURATING, ids=[f"{E.__name__}-{n}" for E, n in SATURATING]
)
def test_predict_proba_strictly_inside_0_1(Est, n_classes, dtype, scale):
    est, X = _saturating_model(Est, n_classes, dtype)
    X_big = (X * scale).astype(dtype)
    Z = np.abs(est.decision_function(X_big))
    if scale >= 1e6:
        assert Z.max() > 1e3, "the logits do not saturate: the test proves nothing"
    P = est.predict_proba(X_big)
    assert P.dtype == np.dtype(dtype)
    assert np.isfinite(P).all()
    assert (P > 0).all() and (P < 1).all()
    if n_classes != "multilabel":
        assert_allclose(P.sum(axis=1), 1, rtol=0, atol=10 * np.finfo(dtype).eps)
    log_P = est.predict_log_proba(X_big)
    assert log_P.dtype == np.dtype(dtype)
    assert np.isfinite(log_P).all()
    assert (log_P <= 0).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1.0, 30.0])
@pytest.mark.parametrize(
    "Est, n_classes", SATURATING, ids=[f"{E.__name__}-{n}" for E, n in SATURATING]
)
def test_predict_proba_and_log_proba_are_those_of_the_logits(
    Est, n_classes, dtype, scale
):
    """P and log P are the head's probabilities of decision_function's logits.

    The expected values are computed here, in float64, from the logits alone
    (log-softmax, log-sigmoid, or normalised one-vs-rest log-sigmoids), then
    clipped to [log(tiny), log(1 - eps)] of the dtype as the SPEC says; P is
    exp of those. Up to the rounding of a computation in the dtype: some eps
    relative, and some eps absolute for the tiny log P near P = 1.
    """
    est, X = _saturating_model(Est, n_classes, dtype)
    X_big = (X * scale).astype(dtype)
    exact = _exact_log_proba(
        est, est.decision_function(X_big), multilabel=n_classes == "multilabel"
    )
    info = np.finfo(dtype)
    floor, ceiling = np.log(info.tiny), np.log1p(-info.eps)
    expected = np.clip(exact, floor, ceiling)
    inside = (expected > floor) & (expected < ceiling)
    assert inside.sum() >= 10 or scale > 1  # not all clipped: something to compare
    log_P = est.predict_log_proba(X_big)
    P = est.predict_proba(X_big)
    assert log_P.dtype == P.dtype == np.dtype(dtype)
    tol = 64 * float(info.eps)
    assert_allclose(log_P, expected, rtol=tol, atol=tol)
    # the relative error of P is the absolute error of log P: compare logs
    assert_allclose(np.log(P.astype(np.float64)), expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "Est, n_classes", SATURATING, ids=[f"{E.__name__}-{n}" for E, n in SATURATING]
)
def test_predict_log_proba_is_computed_from_logits(Est, n_classes, dtype):
    """Down to log-probabilities no probability can represent.

    For a logit margin of 1e6, log P of the losing class is about -1e6, and
    exp of it is 0: taking the log of an unclipped probability gives -inf
    (MLPClassifier). The log-sum-exp of the logits gives the exact value,
    which predict_log_proba keeps wherever a probability can represent it;
    below, it is clipped, as predict_proba is, to log(tiny) (-708 in float64,
    -87 in float32) -- finite, and consistent with predict_proba.
    """
    est, X = _saturating_model(Est, n_classes, dtype)
    X_big = (X * 1e6).astype(dtype)
    exact = _exact_log_proba(
        est, est.decision_function(X_big), multilabel=n_classes == "multilabel"
    )
    assert exact.min() < -800  # the regime of the test
    log_P = est.predict_log_proba(X_big)
    assert np.isfinite(log_P).all()
    info = np.finfo(dtype)
    floor, ceiling = np.log(info.tiny), np.log1p(-info.eps)
    assert_allclose(
        log_P,
        np.clip(exact, floor, ceiling),
        rtol=1e-5 if dtype == np.float32 else 1e-10,
        atol=1e-6,
    )
    assert log_P.min() == pytest.approx(floor, rel=float(10 * info.eps))


# ---------------------------------------------------------------------------
# (e) Ctrl-C during fit
# ---------------------------------------------------------------------------


class _InterruptAt:
    """Wraps a function; raises KeyboardInterrupt at its ``at``-th call and
    records the estimator's weights after every completed call."""

    def __init__(self, func, at, est=None, after=None):
        self.func, self.at, self.est, self.after = func, at, est, after
        self.calls, self.saved = 0, []

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        out = self.func(*args, **kwargs)
        if self.after is not None:
            self.after(self.calls, args)
        if self.est is not None:
            # while fit runs, coefs_/intercepts_ are views of the live weights
            self.saved.append([W.copy() for W in weights(self.est)])
        return out


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_ctrl_c_keeps_the_last_completed_epoch(monkeypatch, Est, solver):
    X, y = classification()
    est = Est(hidden_layer_sizes=(8,), solver=solver, max_iter=50, random_state=0)
    hook = _InterruptAt(skmlp._core.training.run_epoch, at=3, est=est)
    monkeypatch.setattr(skmlp._core.training, "run_epoch", hook)
    with pytest.warns(UserWarning, match="[Ii]nterrupt"):
        returned = est.fit(X, y)
    assert returned is est
    assert est.n_iter_ == 2
    assert len(est.loss_curve_) == 2
    assert np.isfinite(est.loss_)
    for W, W_epoch_2 in zip(weights(est), hook.saved[-1], strict=True):
        assert_array_equal(W, W_epoch_2)
    _assert_finite_model(est, X)


def test_ctrl_c_in_the_middle_of_an_epoch(monkeypatch, Est):
    """An interrupt between two minibatches of epoch 3 (batch_size=10: 12
    steps per epoch) discards the half-done epoch."""
    X, y = classification()
    est = Est(
        hidden_layer_sizes=(8,),
        solver="adam",
        batch_size=10,
        max_iter=50,
        random_state=0,
    )
    epochs = _InterruptAt(skmlp._core.training.run_epoch, at=0, est=est)
    steps = _InterruptAt(skmlp._core.training.train_step, at=2 * 12 + 5)
    monkeypatch.setattr(skmlp._core.training, "run_epoch", epochs)
    monkeypatch.setattr(skmlp._core.training, "train_step", steps)
    with pytest.warns(UserWarning, match="[Ii]nterrupt"):
        est.fit(X, y)
    assert est.n_iter_ == 2
    for W, W_epoch_2 in zip(weights(est), epochs.saved[1], strict=True):
        assert_array_equal(W, W_epoch_2)
    _assert_finite_model(est, X)


def test_ctrl_c_in_the_first_epoch(monkeypatch, Est):
    X, y = classification()
    est = Est(hidden_layer_sizes=(8,), solver="adam", max_iter=50, random_state=0)
    monkeypatch.setattr(
        skmlp._core.training,
        "run_epoch",
        _InterruptAt(skmlp._core.training.run_epoch, at=1),
    )
    with pytest.warns(UserWarning, match="[Ii]nterrupt"):
        est.fit(X, y)
    assert est.n_iter_ == 0
    assert np.isfinite(est.loss_)
    _assert_finite_model(est, X)


@pytest.mark.parametrize("validation", ["X_val", "split"])
def test_ctrl_c_with_early_stopping_keeps_the_best_model(monkeypatch, Est, validation):
    """Epoch 2 is spoiled on purpose (noise added to the weights): its
    validation loss is far worse than epoch 1's. Interrupted in epoch 4, the
    model must be epoch 1's -- the best so far -- not the last one."""
    X, y = classification()
    est = Est(
        hidden_layer_sizes=(8,),
        solver="adam",
        max_iter=50,
        random_state=0,
        early_stopping=True,
        scoring="loss",
        n_iter_no_change=100,
    )

    def spoil(call, args):
        if call == 2:  # coefs_ are views of the live weights while fit runs
            noise = np.random.default_rng(0)
            for W in weights(est):
                W += noise.normal(0, 5, W.shape)

    hook = _InterruptAt(skmlp._core.training.run_epoch, at=4, est=est, after=spoil)
    monkeypatch.setattr(skmlp._core.training, "run_epoch", hook)
    kwargs = {"X_val": X[:30], "y_val": y[:30]} if validation == "X_val" else {}
    with pytest.warns(UserWarning, match="[Ii]nterrupt"):
        est.fit(X, y, **kwargs)
    scores = est.validation_scores_
    assert len(scores) == 3
    assert scores[0] > scores[1] + 1  # the spoiled epoch is much worse
    assert int(np.argmax(scores)) == 0
    assert est.best_validation_score_ == max(scores)
    for W, W_best in zip(weights(est), hook.saved[0], strict=True):
        assert_array_equal(W, W_best)
    _assert_finite_model(est, X)


def test_ctrl_c_during_lbfgs(monkeypatch, Est):
    """Interrupted in its 3rd iteration, L-BFGS keeps the 2nd iterate."""
    X, y = classification()
    minimize = skmlp._core.lbfgs.scipy.optimize.minimize
    seen = []

    def interrupting_minimize(*args, callback=None, **kwargs):
        # scipy passes an OptimizeResult to a callback whose parameter has
        # this name; the package's callback relies on it
        def intermediate(intermediate_result):
            if len(seen) == 2:
                raise KeyboardInterrupt
            seen.append(float(intermediate_result.fun))
            return callback(intermediate_result)

        return minimize(*args, callback=intermediate, **kwargs)

    monkeypatch.setattr(
        skmlp._core.lbfgs.scipy.optimize, "minimize", interrupting_minimize
    )
    est = Est(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=200, random_state=0)
    with pytest.warns(UserWarning, match="[Ii]nterrupt"):
        returned = est.fit(X, y)
    assert returned is est
    assert est.n_iter_ == 2
    assert_allclose(est.loss_, seen[-1], rtol=1e-10)
    _assert_finite_model(est, X)


# ---------------------------------------------------------------------------
# (f) the fitted state: arrays and plain Python values only
# ---------------------------------------------------------------------------

PLAIN = (int, float, str, bool, type(None), np.generic)


def _walk(value, path):
    """Yield (path, leaf) for every leaf of nested lists, tuples and dicts."""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, (str, int)), f"{path}: dict key {key!r}"
            yield from _walk(item, f"{path}[{key!r}]")
    else:
        yield path, value


def _fitted_configurations():
    X, y = classification()
    X_bin, y_bin = classification(n_classes=2)
    Y = np.column_stack([y == 0, y == 1, X[:, 0] > 0]).astype(int)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    small = {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0}
    configs = {
        f"{Est.__name__}-{solver}": (Est(**small, solver=solver), X, y, {})
        for Est in ESTIMATORS
        for solver in [*STOCHASTIC, "lbfgs"]
    }
    configs.update(
        {
            "LogisticNet-default": (ScratchLogisticNet(), X, y, {}),
            "binary": (ScratchMLPClassifier(**small), X_bin, y_bin, {}),
            "multilabel": (ScratchMLPClassifier(**small), X, Y, {}),
            "early_stopping": (
                ScratchMLPClassifier(**small, early_stopping=True),
                X,
                y,
                {},
            ),
            "X_val": (
                ScratchMLPClassifier(**small),
                X,
                y,
                {"X_val": X[:20], "y_val": y[:20]},
            ),
            "dataframe": (ScratchMLPClassifier(**small), df, y, {}),
            "sparse": (ScratchMLPClassifier(**small), sp.csr_matrix(X), y, {}),
            "float32": (ScratchMLPClassifier(**small), X.astype(np.float32), y, {}),
            "dropout-class_weight": (
                ScratchMLPClassifier(
                    **small,
                    dropout=0.2,
                    class_weight="balanced",
                    scoring="loss",
                    early_stopping=True,
                ),
                X,
                y,
                {},
            ),
            "strings": (
                ScratchMLPClassifier(**small),
                X,
                np.array(["a", "b", "c"])[y],
                {},
            ),
        }
    )
    return configs


FITTED = _fitted_configurations()


def _fit(name):
    est, X, y, kwargs = FITTED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs), X


@pytest.mark.parametrize("name", list(FITTED))
def test_fitted_state_holds_only_arrays_and_plain_values(name):
    est, _ = _fit(name)
    for path, leaf in _walk(vars(est), type(est).__name__):
        assert isinstance(leaf, (np.ndarray, *PLAIN)), (
            f"{path} is a {type(leaf).__module__}.{type(leaf).__qualname__}"
        )
        if isinstance(leaf, np.ndarray) and leaf.dtype == object:
            # feature names and string classes: object arrays of str only
            assert all(isinstance(v, str) for v in leaf.ravel()), path


@pytest.mark.parametrize("name", list(FITTED))
def test_skops_loads_without_trusting_foreign_types(name):
    sio = pytest.importorskip("skops.io")
    est, X = _fit(name)
    data = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=data)
    # the estimator class itself is ours: skops cannot know it. Nothing else
    # (no optimizer object, no network, no callback) may need trust.
    assert set(untrusted) <= {
        "skmlp._mlp.ScratchMLPClassifier",
        "skmlp._logistic.ScratchLogisticNet",
    }, untrusted
    loaded = sio.loads(data, trusted=untrusted)
    assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert_array_equal(loaded.predict(X), est.predict(X))


# optimizer state arrays kept (on purpose, for warm_start) per solver
STATE_ARRAYS = {"lbfgs": 0, "sgd": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}


@pytest.mark.parametrize("solver", [*STOCHASTIC, "lbfgs"])
def test_pickle_is_not_much_bigger_than_the_weights(Est, solver):
    """pickle size <= weights x (1 + optimizer state arrays) + 4 KiB.

    The optimizer's state (Adam: m and v, SGD: velocity, Adagrad/RMSprop:
    the cache) is kept in the fitted state on purpose, for warm_start.
    Nothing else the size of the data or of the weights may stay: no work
    buffers, no copy of the training set, no network object.
    """
    X, y = make_classification(
        n_samples=300, n_features=50, n_informative=10, n_classes=3, random_state=0
    )
    est = Est(hidden_layer_sizes=(256,), solver=solver, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    weight_bytes = sum(W.nbytes for W in weights(est))
    size = len(pickle.dumps(est))
    assert weight_bytes > 100_000
    assert size <= weight_bytes * (1 + STATE_ARRAYS[solver]) + 4096, (
        f"pickle {size} B for {weight_bytes} B of weights "
        f"(ratio {size / weight_bytes:.3f})"
    )
    assert size >= weight_bytes  # the weights are all there
