"""Early stopping: what it watches, when it stops, and what it keeps.

SPEC: ``scoring`` picks what early stopping watches on the validation set --
``None`` (accuracy, MLPClassifier's rule), ``'loss'``, or any scorer name or
callable; ``fit(X_val=..., y_val=..., sample_weight_val=...)`` replaces the
``validation_fraction`` split and gives ``validation_scores_`` and
``validation_loss_curve_`` even without early stopping. When training stops,
the weights of the best validation epoch are restored.
"""

import warnings

import numpy as np
import pytest
from _helpers import classification
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    make_scorer,
)
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n_classes=3, n_samples=240, random_state=0):
    """160 training rows and 80 validation rows."""
    X, y = classification(
        n_samples, 8, n_classes=n_classes, flip_y=0.1, random_state=random_state
    )
    return X[:160], y[:160], X[160:], y[160:]


def _net(cls=ScratchMLPClassifier, **params):
    base = dict(
        hidden_layer_sizes=(16,),
        solver="adam",
        learning_rate_init=0.02,
        batch_size=32,
        max_iter=150,
        random_state=0,
        early_stopping=True,
        n_iter_no_change=5,
        tol=1e-4,
    )
    return cls(**{**base, **params})


def _stop_epoch(scores, tol, patience):
    """MLPClassifier's rule replayed on the recorded scores: the epoch it stops."""
    best, count = -np.inf, 0
    for epoch, score in enumerate(scores, start=1):
        count = count + 1 if score < best + tol else 0
        best = max(best, score)
        if count > patience:
            return epoch
    return None


def _check_curves(est, scores_are_loss=False):
    assert len(est.validation_scores_) == est.n_iter_
    assert len(est.validation_loss_curve_) == est.n_iter_
    assert len(est.loss_curve_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert np.isfinite(est.validation_loss_curve_).all()
    if scores_are_loss:
        assert_allclose(est.validation_scores_, -np.asarray(est.validation_loss_curve_))
    # it stopped by the rule, before max_iter
    assert est.n_iter_ < est.max_iter
    assert _stop_epoch(est.validation_scores_, est.tol, est.n_iter_no_change) == (
        est.n_iter_
    )


# -- what it watches ------------------------------------------------------------


def test_early_stopping_on_accuracy_by_default(Est):
    X, y, X_val, y_val = _data()
    est = _net(Est).fit(X, y, X_val=X_val, y_val=y_val)
    _check_curves(est)
    # the score of epoch k is the validation accuracy of the model after k
    # epochs: that of a fit stopped there without early stopping (which would
    # restore the best weights), recomputed with accuracy_score
    expected = [
        accuracy_score(
            y_val, _net(Est, early_stopping=False, max_iter=k).fit(X, y).predict(X_val)
        )
        for k in range(1, est.n_iter_ + 1)
    ]
    assert est.validation_scores_ == pytest.approx(expected, abs=1e-12)
    # the kept model is the best one
    assert accuracy_score(y_val, est.predict(X_val)) == pytest.approx(max(expected))


def test_early_stopping_on_loss(Est):
    X, y, X_val, y_val = _data()
    est = _net(Est, scoring="loss", n_iter_no_change=3).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    _check_curves(est, scores_are_loss=True)
    # the kept model has the lowest validation loss (the cross-entropy of
    # the head: the mean sum of per-unit binary losses for ScratchLogisticNet)
    P = est.predict_proba(X_val)
    if Est is ScratchMLPClassifier:
        loss = log_loss(y_val, P)
    else:
        Z = est.decision_function(X_val)
        Y = (y_val[:, None] == est.classes_).astype(float)
        loss = np.mean(np.sum(np.logaddexp(0, Z) - Y * Z, axis=1))
    assert loss == pytest.approx(min(est.validation_loss_curve_), rel=1e-9)


@pytest.mark.parametrize(
    "scoring, metric",
    [
        ("balanced_accuracy", balanced_accuracy_score),
        (
            make_scorer(f1_score, average="macro"),
            lambda y, p: f1_score(y, p, average="macro"),
        ),
    ],
    ids=["balanced_accuracy", "f1_macro_callable"],
)
def test_early_stopping_on_a_scorer(scoring, metric):
    X, y, X_val, y_val = _data()
    est = _net(scoring=scoring).fit(X, y, X_val=X_val, y_val=y_val)
    _check_curves(est)
    assert metric(y_val, est.predict(X_val)) == pytest.approx(
        max(est.validation_scores_)
    )


def test_scorer_differs_from_accuracy():
    """scoring is used: balanced accuracy on an imbalanced set is not accuracy."""
    X, y = make_classification(
        n_samples=300, n_features=6, weights=[0.8, 0.2], flip_y=0.1, random_state=3
    )
    X = StandardScaler().fit_transform(X)
    params = dict(early_stopping=False, max_iter=10)
    acc = _net(**params).fit(X[:200], y[:200], X_val=X[200:], y_val=y[200:])
    bal = _net(scoring="balanced_accuracy", **params).fit(
        X[:200], y[:200], X_val=X[200:], y_val=y[200:]
    )
    # same training (early_stopping=False), different score recorded
    assert_array_equal(acc.coefs_[0], bal.coefs_[0])
    assert not np.allclose(acc.validation_scores_, bal.validation_scores_)
    assert bal.validation_scores_[-1] == pytest.approx(
        balanced_accuracy_score(y[200:], bal.predict(X[200:]))
    )
    assert acc.validation_scores_[-1] == pytest.approx(
        accuracy_score(y[200:], acc.predict(X[200:]))
    )


# -- which weights it keeps -------------------------------------------------------


@pytest.mark.parametrize("scoring", [None, "loss"])
def test_best_epoch_weights_restored_with_internal_split(scoring):
    """Refit up to the best epoch: same split, same trajectory, same weights."""
    X, y, _, _ = _data(n_samples=200)
    est = _net(scoring=scoring, validation_fraction=0.2).fit(X, y)
    _check_curves(est, scores_are_loss=scoring == "loss")
    # with the internal split, training uses the rest: t_ counts those samples
    n_val = int(np.ceil(0.2 * len(y)))
    assert est.t_ == est.n_iter_ * (len(y) - n_val)
    best_epoch = int(np.argmax(est.validation_scores_)) + 1
    assert best_epoch < est.n_iter_  # the last epochs were worse: a real restore
    upto = _net(
        scoring=scoring,
        validation_fraction=0.2,
        max_iter=best_epoch,
        n_iter_no_change=1000,
    ).fit(X, y)
    assert upto.validation_scores_ == est.validation_scores_[:best_epoch]
    for W, W_best in zip(
        est.coefs_ + est.intercepts_, upto.coefs_ + upto.intercepts_, strict=True
    ):
        assert_array_equal(W, W_best)


def test_best_epoch_weights_restored_with_validation_set():
    X, y, X_val, y_val = _data()
    est = _net(scoring="loss").fit(X, y, X_val=X_val, y_val=y_val)
    best_epoch = int(np.argmax(est.validation_scores_)) + 1
    assert best_epoch < est.n_iter_
    upto = _net(scoring="loss", early_stopping=False, max_iter=best_epoch).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    for W, W_best in zip(
        est.coefs_ + est.intercepts_, upto.coefs_ + upto.intercepts_, strict=True
    ):
        assert_array_equal(W, W_best)


def test_validation_set_replaces_the_split():
    X, y, X_val, y_val = _data()
    est = _net(validation_fraction=0.5).fit(X, y, X_val=X_val, y_val=y_val)
    # every training sample is used: no validation_fraction split
    assert est.t_ == est.n_iter_ * len(y)


# -- a validation set without early stopping -----------------------------------------


def test_validation_set_recorded_without_early_stopping(Est):
    X, y, X_val, y_val = _data()
    params = dict(early_stopping=False, max_iter=12, tol=0.0, n_iter_no_change=1000)
    with_val = _net(Est, **params).fit(X, y, X_val=X_val, y_val=y_val)
    without = _net(Est, **params).fit(X, y)
    assert len(with_val.validation_scores_) == with_val.n_iter_ == 12
    assert len(with_val.validation_loss_curve_) == 12
    assert with_val.validation_scores_[-1] == pytest.approx(
        with_val.score(X_val, y_val)
    )
    # the validation set is only watched: training and the final (last
    # epoch) weights are those of a fit without it
    for W, W_ref in zip(with_val.coefs_, without.coefs_, strict=True):
        assert_array_equal(W, W_ref)
    assert with_val.loss_curve_ == without.loss_curve_
    assert without.validation_scores_ is None
    assert not hasattr(without, "validation_loss_curve_")


# -- sample_weight_val ---------------------------------------------------------------


def test_sample_weight_val_is_used():
    X, y, X_val, y_val = _data()
    keep = np.arange(len(y_val)) % 3 != 0
    params = dict(scoring=None, n_iter_no_change=5)
    # zero weights == leaving those validation samples out
    weighted = _net(**params).fit(
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=keep.astype(float)
    )
    subset = _net(**params).fit(X, y, X_val=X_val[keep], y_val=y_val[keep])
    assert_allclose(weighted.validation_scores_, subset.validation_scores_)
    assert_allclose(weighted.validation_loss_curve_, subset.validation_loss_curve_)
    assert weighted.n_iter_ == subset.n_iter_
    for W, W_ref in zip(weighted.coefs_, subset.coefs_, strict=True):
        assert_array_equal(W, W_ref)
    # and the weights change the recorded scores
    unweighted = _net(**params).fit(X, y, X_val=X_val, y_val=y_val)
    assert not np.allclose(
        unweighted.validation_loss_curve_[: weighted.n_iter_],
        weighted.validation_loss_curve_[: unweighted.n_iter_],
    )


@pytest.mark.parametrize("scoring", ["loss", "balanced_accuracy"])
def test_sample_weight_val_reaches_loss_and_scorers(scoring):
    X, y, X_val, y_val = _data()
    w = np.random.RandomState(0).uniform(0.1, 3, size=len(y_val))
    est = _net(scoring=scoring, early_stopping=False, max_iter=5).fit(
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=w
    )
    if scoring == "loss":
        expected = -log_loss(y_val, est.predict_proba(X_val), sample_weight=w)
        assert est.validation_scores_[-1] == pytest.approx(expected, rel=1e-9)
    else:
        expected = balanced_accuracy_score(y_val, est.predict(X_val), sample_weight=w)
        assert est.validation_scores_[-1] == pytest.approx(expected)


# -- other targets and the sklearn rule ------------------------------------------------


def test_early_stopping_multilabel():
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=6, n_classes=3, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    est = _net().fit(X[:150], Y[:150], X_val=X[150:], y_val=Y[150:])
    _check_curves(est)
    # subset accuracy, as MLPClassifier.score on a multilabel target
    assert est.score(X[150:], Y[150:]) == max(est.validation_scores_)


def test_y_val_with_string_labels_and_missing_class():
    X, y, X_val, y_val = _data()
    names = np.array(["a", "b", "c"])
    present = y_val != 2  # the validation set lacks class "c"
    est = _net(max_iter=5, early_stopping=False).fit(
        X, names[y], X_val=X_val[present], y_val=names[y_val][present]
    )
    assert est.validation_scores_[-1] == pytest.approx(
        est.score(X_val[present], names[y_val][present])
    )


def test_early_stopping_partial_fit_and_lbfgs_refuse():
    X, y, X_val, y_val = _data()
    with pytest.raises(ValueError, match="early_stopping"):
        _net().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="X_val"):
        _net(solver="lbfgs").fit(X, y, X_val=X_val, y_val=y_val)
    with pytest.raises(ValueError, match="y_val"):
        _net().fit(X, y, X_val=X_val)


def test_no_validation_curve_without_validation():
    X, y, _, _ = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = _net(early_stopping=False, max_iter=5).fit(X, y)
    assert est.validation_scores_ is None
    assert est.best_validation_score_ is None
    assert not hasattr(est, "validation_loss_curve_")
    assert np.isfinite(est.best_loss_)
