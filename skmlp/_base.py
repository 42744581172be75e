"""The estimator plumbing shared by ScratchMLPClassifier and ScratchLogisticNet.

``fit``: constraints -> ``_checks`` -> ``validate_data`` -> ``_targets`` ->
``Network`` -> ``run_stochastic`` or ``run_lbfgs`` -> fitted attributes.
``predict_proba``: ``validate_data(reset=False)`` -> the same
``Network.forward`` (``training=False``) -> the head's probabilities.

Private scikit-learn helpers are imported here and nowhere else, so a move
upstream is a one-file fix.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.callback import CallbackSupportMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from . import _checks, _targets
from ._core.lbfgs import run_lbfgs
from ._core.losses import HEADS, proba_from_log
from ._core.network import Network
from ._core.optimizers import OPTIMIZERS
from ._core.penalties import ElasticNet
from ._core.schedules import LearningRateSchedule
from ._core.training import Plateau, run_stochastic

STOCHASTIC_SOLVERS = ("sgd", "adam", "adagrad", "rmsprop")


def _stochastic(est):
    if est.class_weight == "balanced":
        raise AttributeError(
            "partial_fit is not available with class_weight='balanced': one chunk "
            "of data does not show the class frequencies; pass a dict instead."
        )
    if est.solver not in STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for the stochastic solvers "
            f"{STOCHASTIC_SOLVERS}; solver={est.solver!r} is not stochastic."
        )
    return True


class _EpochTasks:
    """One task of scikit-learn's callback protocol per epoch (L-BFGS iteration).

    Built per fit and never stored on the estimator. ``_fit_context`` tears
    the callbacks down when ``fit`` ends, however it ends.
    """

    def __init__(self, estimator, task_name, max_subtasks, X, y, metadata):
        self.estimator, self.X, self.y, self.metadata = estimator, X, y, metadata
        self.context = estimator._init_callback_context(
            task_name=task_name, max_subtasks=max_subtasks
        )
        self.context.call_on_fit_task_begin(**self._kwargs())
        self._epoch = None

    def _kwargs(self):
        return {
            "estimator": self.estimator,
            "X": self.X,
            "y": self.y,
            "metadata": self.metadata,
        }

    def _snapshot(self):
        # evaluated lazily, only for callbacks that want the model (ScoringMonitor);
        # copies, because the live weights keep changing in place
        est = self.estimator
        return {
            "coefs_": [W.copy() for W in est.coefs_],
            "intercepts_": [b.copy() for b in est.intercepts_],
            "n_iter_": est.n_iter_,
        }

    def begin_epoch(self):
        self._epoch = self.context.subcontext(task_name="epoch")
        self._epoch.call_on_fit_task_begin(**self._kwargs())

    def end_epoch(self):
        """End the current epoch's task; True when a callback asks to stop."""
        if self._epoch is None:
            self.begin_epoch()
        stop = self._epoch.call_on_fit_task_end(
            **self._kwargs(), reconstruction_attributes=self._snapshot
        )
        self._epoch = None
        return bool(stop)

    def end_fit(self):
        self.context.call_on_fit_task_end(
            **self._kwargs(), reconstruction_attributes={}
        )


# The mixins come before BaseEstimator so that the MRO sees their tags and
# methods first (scikit-learn's convention for estimator classes).
class _BaseScratchNet(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Base class of the two estimators; not for direct use."""

    _parameter_constraints = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam", "adagrad", "rmsprop"})],
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "decay": [Interval(Real, 0, None, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "scoring": [str, callable, None],
    }

    # -- subclass hooks -------------------------------------------------------

    def _head_name(self, kind, n_classes):
        """'softmax' or 'logistic': the output head for this target."""
        raise NotImplementedError

    _normalise_ovr = False  # ScratchLogisticNet normalises one-vs-rest rows

    def _initialize(self, network, random_state):
        """Glorot-uniform weights, drawn from ``random_state`` as MLPClassifier does."""
        network.initialize(
            random_state, factor=2.0 if self.activation == "logistic" else 6.0
        )

    # -- fitting --------------------------------------------------------------

    def _fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
        incremental=False,
        classes=None,
    ):
        sizes = _checks.hidden_sizes(self)
        rates = _checks.dropout_rates(self, len(sizes))
        alpha = _checks.alpha_values(self, len(sizes) + 1)
        _checks.check_fit_arguments(self, incremental, X_val, y_val, sample_weight_val)
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            multi_output=True,
            reset=first_pass,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        kind = _targets.target_kind(y)
        _checks.check_class_weight(self, kind)
        self._set_classes(y, kind, first_pass, incremental, classes)
        scorer = self._validation_scorer()
        # boolean targets, as MLPClassifier: 8x less memory than floats; the
        # losses' ufuncs cast them on the fly
        Y = _targets.encode(y, self.classes_, self._kind, bool)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        sample_weight = self._sample_weight(sample_weight, X, y)

        layer_sizes = [X.shape[1], *sizes, Y.shape[1]]
        random_state = check_random_state(self.random_state)
        stochastic = self.solver in STOCHASTIC_SOLVERS
        network = Network(
            layer_sizes, self.activation, rates if stochastic else 0.0, dtype=X.dtype
        )
        if first_pass:
            self._initialize(network, random_state)
            self._reset_fit_state(stochastic)
        else:
            self._check_same_shape(layer_sizes)
            network.set_weights(self.coefs_, self.intercepts_)
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(layer_sizes)
        head = HEADS[self._head_name(self._kind, len(self.classes_))]
        self.out_activation_ = head.name
        penalty = ElasticNet(alpha, self.l1_ratio, [W.size for W in network.coefs])
        # while training, coefs_/intercepts_ are views of the live weights, so
        # that scorers and callbacks see the model as it is now
        previous = None if first_pass else (self.coefs_, self.intercepts_)
        self.coefs_, self.intercepts_ = network.coefs, network.intercepts

        tasks = _EpochTasks(
            self,
            "partial_fit" if incremental else "fit",
            1 if incremental else self.max_iter,
            X,
            y,
            metadata,
        )
        try:
            if stochastic:
                self._fit_stochastic(
                    network,
                    head,
                    penalty,
                    X,
                    y,
                    Y,
                    sample_weight,
                    random_state,
                    scorer,
                    first_pass,
                    incremental,
                    X_val,
                    y_val,
                    sample_weight_val,
                    tasks,
                )
            else:
                self._fit_lbfgs(network, head, penalty, X, Y, sample_weight, tasks)
        except Exception:
            # a rejected or failed fit leaves no half-made weights behind
            if previous is None:
                del self.coefs_, self.intercepts_
            else:
                self.coefs_, self.intercepts_ = previous
            raise
        # the fitted state: plain arrays, views of the network's flat weight
        # vector (no copy at the end of fit; each pickles as its own data)
        self.coefs_, self.intercepts_ = list(network.coefs), list(network.intercepts)
        tasks.end_fit()
        return self

    def _set_classes(self, y, kind, first_pass, incremental, classes):
        name = type(self).__name__
        if first_pass:
            if incremental and kind != "multilabel":
                if classes is None:
                    raise ValueError(
                        f"{name}.partial_fit needs classes=... (every class of the "
                        "problem) on its first call."
                    )
                self.classes_ = np.unique(np.asarray(classes))
                _targets.check_labels_known(y, self.classes_, kind, "partial_fit")
            else:
                self.classes_ = _targets.classes_of(y, kind)
            if kind != "multilabel" and len(self.classes_) < 2:
                raise ValueError(
                    f"{name} needs samples of at least 2 classes in the data; got "
                    f"only one class: {self.classes_[0]!r}."
                )
            self._kind = "multilabel" if kind == "multilabel" else "single"
            return
        if (kind == "multilabel") != (self._kind == "multilabel"):
            fitted = "multilabel" if self._kind == "multilabel" else "single-label"
            raise ValueError(f"{name} was fitted on a {fitted} target; got {kind}.")
        if incremental and classes is not None:
            if not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
                # MLPClassifier's wording (sklearn.utils.multiclass)
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to "
                    f"partial_fit, was: {self.classes_!r}"
                )
        if self.warm_start and not incremental and kind != "multilabel":
            if not np.array_equal(np.unique(y), self.classes_):
                # MLPClassifier's wording, which users' code may match
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as "
                    f"in the previous call to fit. Previously got {self.classes_}, "
                    f"`y` has {np.unique(y)}"
                )
        _targets.check_labels_known(
            y, self.classes_, kind, "partial_fit" if incremental else "fit"
        )

    def _sample_weight(self, sample_weight, X, y):
        if sample_weight is None and self.class_weight is None:
            return None
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        if isinstance(self.class_weight, dict):
            unknown = [
                c for c in self.class_weight if c not in set(self.classes_.tolist())
            ]
            if unknown:
                raise ValueError(
                    f"The 'class_weight' parameter of {type(self).__name__} has "
                    f"labels that are not classes of y: {unknown}; classes_ is "
                    f"{self.classes_.tolist()}."
                )
        if self.class_weight is not None:
            # 'balanced' counts the samples by weight, so that a weight of 2
            # and a repeated row give the same class weights
            with np.errstate(divide="ignore", invalid="ignore"):
                per_class = compute_class_weight(
                    self.class_weight,
                    classes=self.classes_,
                    y=y,
                    sample_weight=sample_weight,
                )
            # a class whose samples all weigh 0 has nothing to balance
            per_class = np.where(np.isfinite(per_class), per_class, 0.0)
            # a new array: the caller's sample_weight is never written to
            sample_weight = sample_weight * per_class[
                np.searchsorted(self.classes_, y)
            ].astype(X.dtype)
        if not sample_weight.sum() > 0:
            raise ValueError(
                "sample_weight (times class_weight) sums to zero: there is nothing "
                "to fit."
            )
        return sample_weight

    def _validation_scorer(self):
        """The scorer early stopping watches: None (accuracy), 'loss' or a scorer."""
        if self.scoring is None or self.scoring == "loss":
            return self.scoring
        return check_scoring(self, scoring=self.scoring)

    def _reset_fit_state(self, stochastic):
        self.n_iter_ = 0
        self.t_ = 0
        self._optimizer_state = None
        self._learning_rate = float(self.learning_rate_init)
        self._no_improvement_count = 0
        for name in ("validation_loss_curve_",):
            self.__dict__.pop(name, None)
        if stochastic:
            self.loss_curve_ = []
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None
        else:
            for name in (
                "loss_curve_",
                "best_loss_",
                "validation_scores_",
                "best_validation_score_",
            ):
                self.__dict__.pop(name, None)

    def _check_same_shape(self, layer_sizes):
        fitted = [self.coefs_[0].shape[0]] + [W.shape[1] for W in self.coefs_]
        if fitted != layer_sizes:
            raise ValueError(
                f"{type(self).__name__} cannot continue training (warm_start or "
                f"partial_fit) with layer sizes {layer_sizes}: the fitted network "
                f"has {fitted}. Change hidden_layer_sizes back or refit from scratch."
            )

    def _fit_stochastic(
        self,
        network,
        head,
        penalty,
        X,
        y,
        Y,
        sample_weight,
        random_state,
        scorer,
        first_pass,
        incremental,
        X_val,
        y_val,
        sample_weight_val,
        tasks,
    ):
        optimizer = self._make_optimizer(network)
        state = self._optimizer_state
        if state is not None and state["solver"] == self.solver:
            optimizer.load_state(state)
        schedule = LearningRateSchedule(
            self.learning_rate_init,
            self.learning_rate if self.solver == "sgd" else "constant",
            self.power_t,
            self.decay,
        )
        schedule.base = self._learning_rate
        X, Y, sample_weight, validation = self._validation_set(
            X, y, Y, sample_weight, X_val, y_val, sample_weight_val, random_state
        )
        if any(network.dropout_rates):
            # t_ in the seed: each partial_fit / warm_start call draws new masks
            # (a fresh RandomState from an int random_state would repeat them)
            network.seed_dropout(
                np.random.default_rng(
                    [random_state.randint(np.iinfo(np.int32).max), self.t_]
                )
            )
        watch_validation = bool(self.early_stopping)
        plateau = self._plateau(watch_validation)
        if not hasattr(self, "loss_curve_"):  # continuing an L-BFGS fit
            self.loss_curve_ = []
        validate = None
        if validation is not None:
            validate = self._make_validate(network, head, scorer, *validation)
            if getattr(self, "validation_scores_", None) is None:
                self.validation_scores_ = []
            if first_pass or not hasattr(self, "validation_loss_curve_"):
                self.validation_loss_curve_ = []

        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    f"Got batch_size={self.batch_size} larger than the number of "
                    f"training samples ({n_samples}); it is clipped to {n_samples}.",
                    UserWarning,
                )
            batch_size = min(self.batch_size, n_samples)

        self.n_iter_ = 0
        start = time.perf_counter()

        def on_epoch(record):
            self.n_iter_ = record.epoch
            self.t_ += n_samples
            self.loss_ = record.loss
            self.loss_curve_.append(record.loss)
            if record.validation_score is not None:
                self.validation_scores_.append(record.validation_score)
                self.validation_loss_curve_.append(record.validation_loss)
            if self.verbose:
                self._print_epoch(record, time.perf_counter() - start)
            return tasks.end_epoch()

        result = run_stochastic(
            network,
            head,
            penalty,
            optimizer,
            schedule,
            X,
            Y,
            sample_weight,
            batch_size=batch_size,
            max_iter=1 if incremental else self.max_iter,
            rng=random_state,
            plateau=plateau,
            shuffle=self.shuffle,
            validate=validate,
            watch_validation=watch_validation,
            on_epoch_begin=tasks.begin_epoch,
            on_epoch=on_epoch,
            # invscaling counts the samples seen across warm starts and
            # partial_fit calls, as t_ does
            samples_seen=self.t_,
        )

        self._optimizer_state = {"solver": self.solver, **optimizer.state()}
        self._learning_rate = float(schedule.base)
        self._no_improvement_count = plateau.count
        if watch_validation:
            self.best_validation_score_, self.best_loss_ = plateau.best, None
        else:
            self.best_loss_, self.best_validation_score_ = -plateau.best, None
            if validation is None:
                self.validation_scores_ = None
        if not result.epochs:  # stopped inside the first epoch
            self.loss_ = self._objective(network, head, penalty, X, Y, sample_weight)
        self._warn_stop(result.stop_reason, result.epochs, incremental)

    def _plateau(self, watch_validation):
        """MLPClassifier's stopping rule, continuing the last call's when it
        watched the same quantity (warm_start, partial_fit)."""
        best = getattr(
            self, "best_validation_score_" if watch_validation else "best_loss_", None
        )
        if best is None:  # a first fit, or the watched quantity changed
            return Plateau(self.tol, self.n_iter_no_change)
        return Plateau(
            self.tol,
            self.n_iter_no_change,
            best if watch_validation else -best,
            self._no_improvement_count,
        )

    def _make_optimizer(self, network):
        n, dtype = network.params.size, network.dtype
        if self.solver == "sgd":
            return OPTIMIZERS["sgd"](n, dtype, self.momentum, self.nesterovs_momentum)
        if self.solver == "adagrad":
            return OPTIMIZERS["adagrad"](n, dtype, self.epsilon)
        if self.solver == "rmsprop":
            return OPTIMIZERS["rmsprop"](n, dtype, self.rho, self.epsilon)
        return OPTIMIZERS["adam"](n, dtype, self.beta_1, self.beta_2, self.epsilon)

    def _validation_set(
        self, X, y, Y, sample_weight, X_val, y_val, sample_weight_val, random_state
    ):
        """(X_train, Y_train, w_train, (X_val, y_val, Y_val, w_val) or None)."""
        if X_val is not None:
            X_val, y_val = validate_data(
                self,
                X_val,
                y_val,
                accept_sparse=("csr", "csc"),
                dtype=(np.float64, np.float32),
                multi_output=True,
                reset=False,
            )
            if y_val.ndim == 2 and y_val.shape[1] == 1:
                y_val = column_or_1d(y_val, warn=True)
            kind = "multilabel" if self._kind == "multilabel" else "multiclass"
            _targets.check_labels_known(y_val, self.classes_, kind, "y_val")
            Y_val = _targets.encode(y_val, self.classes_, kind, bool)
            if sample_weight_val is not None:
                sample_weight_val = _check_sample_weight(
                    sample_weight_val, X_val, dtype=X.dtype, ensure_non_negative=True
                )
            return X, Y, sample_weight, (X_val, y_val, Y_val, sample_weight_val)
        if not self.early_stopping:
            return X, Y, sample_weight, None
        # stratified on the rows of the boolean target, as MLPClassifier: the
        # same split, and train_test_split's error for a class too small to
        # split is MLPClassifier's, to which the class labels are added
        stratify = Y if self._kind != "multilabel" else None
        arrays = [X, y, Y] + ([sample_weight] if sample_weight is not None else [])
        try:
            parts = train_test_split(
                *arrays,
                random_state=random_state,
                test_size=self.validation_fraction,
                stratify=stratify,
            )
        except ValueError as exc:
            if not str(exc).startswith("The least populated class"):
                raise
            labels, counts = np.unique(y, return_counts=True)
            raise ValueError(
                f"{exc} (Those are rows of the one-hot target; the classes of y "
                f"with fewer than 2 samples are: {labels[counts < 2].tolist()}. "
                "early_stopping holds out a stratified validation_fraction of the "
                "data: give every class at least 2 samples, or pass X_val and "
                "y_val.)"
            ) from exc
        X_tr, X_val = parts[0], parts[1]
        y_val, Y_tr, Y_val = parts[3], parts[4], parts[5]
        w_tr, w_val = (
            (parts[6], parts[7]) if sample_weight is not None else (None, None)
        )
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        for part, w in (("training", w_tr), ("validation", w_val)):
            if w is not None and not w.sum() > 0:
                raise ValueError(
                    f"After the validation_fraction split for early stopping, the "
                    f"sample_weight of the {part} part sums to zero. Give more "
                    "samples a positive weight, or pass X_val and y_val."
                )
        return X_tr, Y_tr, w_tr, (X_val, y_val, Y_val, w_val)

    def _make_validate(self, network, head, scorer, X_val, y_val, Y_val, w_val):
        """validate() -> (score, loss) of the current weights on the validation set."""

        def validate():
            Z = network.forward(X_val)
            loss = head.value(Z, Y_val, w_val)
            if scorer is None:
                hits = _targets.decode(Z, self.classes_, self._kind) == y_val
                if hits.ndim == 2:  # multilabel: subset accuracy
                    hits = hits.all(axis=1)
                score = float(np.average(hits, weights=w_val))
            elif scorer == "loss":
                score = -loss
            else:
                kwargs = {} if w_val is None else {"sample_weight": w_val}
                score = float(scorer(self, X_val, y_val, **kwargs))
            return score, float(loss)

        return validate

    def _fit_lbfgs(self, network, head, penalty, X, Y, sample_weight, tasks):
        start = time.perf_counter()

        def on_iteration(intermediate):
            self.n_iter_ = getattr(self, "n_iter_", 0) + 1
            if self.verbose:
                print(
                    f"Iteration {self.n_iter_}, loss = {intermediate.fun:.8f}, "
                    f"time = {time.perf_counter() - start:.2f}s"
                )
            if tasks.end_epoch():
                raise StopIteration  # SciPy's way for a callback to stop L-BFGS

        self.n_iter_ = 0
        res = run_lbfgs(
            network,
            head,
            penalty,
            X,
            Y,
            sample_weight,
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self.tol,
            on_iteration=on_iteration,
        )
        self.n_iter_ = int(res.nit) if res.nit >= 0 else self.n_iter_
        self.loss_ = float(res.fun)
        if res.stop_reason in ("diverged", "interrupted") or not np.isfinite(
            self.loss_
        ):
            self.loss_ = self._objective(network, head, penalty, X, Y, sample_weight)
        if res.stop_reason == "max_iter":
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={res.status}): {res.message}. Increase max_iter (or "
                "max_fun), or scale the data, e.g. with StandardScaler.",
                ConvergenceWarning,
            )
        elif res.stop_reason in ("diverged", "interrupted"):
            self._warn_stop(res.stop_reason, [], incremental=False)

    @staticmethod
    def _objective(network, head, penalty, X, Y, sample_weight):
        B = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        loss = head.value(network.forward(X), Y, sample_weight)
        return float(loss + penalty.value(network.weights, B))

    def _warn_stop(self, reason, epochs, incremental):
        if reason == "max_iter" and not incremental and epochs:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        elif reason == "diverged":
            done = len(epochs)
            if not any(W.any() for W in self.coefs_):
                kept = (
                    "all-zero weights (uniform probabilities): even the last "
                    "finite weights overflow on X"
                )
            elif self.solver == "lbfgs":
                kept = "the last finite L-BFGS iterate"
            elif done == 0:
                kept = "the initial weights"
            else:
                kept = f"the weights from the end of iteration {done}"
            warnings.warn(
                f"Training diverged: the loss or the network's outputs became "
                f"non-finite after {done} complete iteration(s). The model keeps "
                f"{kept}. Lower learning_rate_init, or scale X (e.g. StandardScaler).",
                ConvergenceWarning,
            )
        elif reason == "interrupted":
            warnings.warn(
                "Training interrupted by the user (KeyboardInterrupt); the model "
                "keeps the weights of the last completed epoch"
                + (" with the best validation score." if self.early_stopping else "."),
                UserWarning,
            )

    def _print_epoch(self, record, elapsed):
        line = f"Iteration {self.n_iter_}, loss = {record.loss:.8f}"
        if record.validation_score is not None:
            line += f", validation score = {record.validation_score:.6f}"
        line += f", learning rate = {record.learning_rate:.3g}, time = {elapsed:.2f}s"
        print(line)

    # -- public fit methods ---------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data: dense, pandas DataFrame (feature names are kept)
            or scipy sparse CSR/CSC. float32 input trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label indicator matrix for multilabel problems.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples; multiplied by ``class_weight``.
        X_val, y_val : array-like, default=None
            A validation set. It replaces the ``validation_fraction`` split
            for early stopping and gives ``validation_scores_`` and
            ``validation_loss_curve_`` even without early stopping.
            Stochastic solvers only.
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(
            X,
            y,
            sample_weight,
            X_val=X_val,
            y_val=y_val,
            sample_weight_val=sample_weight_val,
        )

    @available_if(_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one epoch over the given data.

        The optimizer's state (moments, step count) carries over from call to
        call. Only for the stochastic solvers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            The target values.
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem; required on the first call (except
            for a multilabel indicator y). A later call may omit it; if it
            passes classes, they must be the same.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        self : object
            The trained estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # -- prediction -----------------------------------------------------------

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            reset=False,
        )
        layer_sizes = [W.shape[0] for W in self.coefs_] + [self.coefs_[-1].shape[1]]
        network = Network(layer_sizes, self.activation, dtype=self.coefs_[0].dtype)
        network.set_weights(self.coefs_, self.intercepts_)
        return network.forward(X, training=False)

    def decision_function(self, X):
        """The output layer's logits Z.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        Z : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The pre-activation of the output units; one column (raveled to
            shape (n_samples,)) for a binary problem, where a positive value
            predicts ``classes_[1]``.
        """
        Z = self._logits(X)
        return Z.ravel() if Z.shape[1] == 1 else Z

    def predict(self, X):
        """Predict class labels (a label indicator matrix for multilabel targets).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The predicted classes.
        """
        return _targets.decode(self._logits(X), self.classes_, self._kind)

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        log_P : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``, as MLPClassifier. ``predict_proba`` is
            computed from the logits with log-sum-exp and clipped to ``[tiny,
            1 - eps]`` of the dtype, so log(0) is never taken: log P lies in
            ``[log(tiny), log(1 - eps)]`` and ranks the classes as P does.
        """
        P = self.predict_proba(X)
        return np.log(P, out=P)

    def predict_proba(self, X):
        """Probability estimates, strictly inside (0, 1).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        P : ndarray of shape (n_samples, n_classes)
            The probability of each class (of each label for a multilabel
            target), in the order of ``classes_``.
        """
        return proba_from_log(self._log_proba(self._logits(X)))

    def _log_proba(self, Z):
        head = HEADS[self.out_activation_]
        if self.out_activation_ == "softmax":
            return head.log_proba(Z)
        if self._kind == "multilabel":
            return head.log_proba(Z)
        if Z.shape[1] == 1:
            return np.hstack([head.log_proba_off(Z), head.log_proba(Z)])
        log_on = head.log_proba(Z)
        if self._normalise_ovr:
            # one-vs-rest rows normalised to sum to 1, as LogisticRegression's OvR
            log_on -= logsumexp(log_on, axis=1, keepdims=True)
        return log_on

    # -- scikit-learn protocol ------------------------------------------------

    def __sklearn_is_fitted__(self):
        # not n_features_in_ or classes_: a fit rejected after validate_data
        # has set those, and has not fitted anything
        return hasattr(self, "coefs_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # class_weight is defined for single-label targets only
        tags.classifier_tags.multi_label = self.class_weight is None
        return tags
