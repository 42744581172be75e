"""The estimator plumbing shared by the classifiers and ScratchMLPRegressor.

``fit``: constraints -> ``_checks`` -> ``validate_data`` -> ``_placement``
(the backend of X, chosen once) -> ``_targets`` -> :class:`Objective`
(network, head, penalty) -> ``_solvers.fit_stochastic`` or
``_solvers.fit_lbfgs`` -> :class:`FitState` -> fitted attributes.
``predict_proba``: ``_placement.prediction_input`` -> ``network.forward``
over the fitted arrays -> the head's probabilities.

Concerns live in modules named for them: ``_placement`` (where the arrays
live: the backend of the input, host and device moves), ``_sample_weights``
(sample and class weights), ``_validation_set`` (the validation set of early
stopping and its score), ``_callbacks`` (scikit-learn's callback protocol),
``_fit_state`` (what carries over between calls), ``_solvers`` (the two
training drivers), ``_threads`` (the BLAS threads of a fit). Private
scikit-learn helpers are imported here and in those modules only.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.callback import CallbackSupportMixin
from sklearn.utils import check_random_state, column_or_1d, gen_batches
from sklearn.utils._array_api import check_same_namespace
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import (
    _checks,
    _classes,
    _docstrings,
    _placement,
    _solvers,
    _targets,
    _validation_set,
)
from ._callbacks import EpochTasks
from ._core.activations import ACTIVATIONS
from ._core.backends import rows as _rows
from ._core.losses import make_head
from ._core.network import Network, forward
from ._core.objective import Objective
from ._core.penalties import ElasticNet
from ._core.training import DataSet
from ._fit_state import FitState
from ._sample_weights import sample_weights
from ._solvers import STOCHASTIC_SOLVERS, FitCall
from ._threads import prediction_threads


def _stochastic(est):
    """True where ``partial_fit`` exists; else an AttributeError saying why."""
    name = type(est).__name__
    if getattr(est, "class_weight", None) == "balanced":
        raise AttributeError(
            f"{name}.partial_fit is not available with class_weight='balanced': "
            "one chunk of data does not show the class frequencies; pass a dict "
            "instead."
        )
    if est.solver not in STOCHASTIC_SOLVERS:
        solvers = ", ".join(repr(s) for s in STOCHASTIC_SOLVERS)
        raise AttributeError(
            f"{name}.partial_fit needs a stochastic (minibatch) solver, one of "
            f"{solvers}; "
            f"solver={est.solver!r} fits the whole data at once. Set, e.g., "
            f"{name}(solver='adam')."
        )
    return True


def store_init_arguments(est, arguments):
    """Store each argument of ``__init__`` under its own name, as given.

    ``arguments`` is ``locals()`` taken first thing in ``__init__``: ``self``
    and one entry per parameter of the signature. scikit-learn's rule is that
    ``__init__`` stores its parameters unchecked and unchanged; get_params and
    clone read them back under the signature's names.
    """
    for name, value in arguments.items():
        if name != "self":
            setattr(est, name, value)


# The mixins come before BaseEstimator so that the MRO sees their tags and
# methods first (scikit-learn's convention for estimator classes).
class _BaseNet(CallbackSupportMixin, BaseEstimator):
    """Training and the network's outputs, for any head; not for direct use.

    A subclass supplies the target hooks: ``_fit_targets`` (check, and set or
    match, the targets of a fit), ``_data``, ``_output_head`` (the head; sets
    ``out_activation_``) and the validation-set hooks of ``_validation_set``; it
    documents ``fit`` for its targets and defines ``partial_fit`` (the
    classifiers' takes ``classes``).
    """

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
        given = (X_val, y_val, sample_weight_val)
        architecture = self._check_params(incremental, *given)
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        backend, X, y = self._validate_training_data(X, y, first_pass)
        y_host = _placement.host(y)  # labels are worked out on the host
        self._fit_targets(y_host, first_pass, incremental, classes)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        data = self._data(backend, X, y_host, sample_weight)
        random_state = check_random_state(self.random_state)
        call = FitCall(
            state=FitState.fresh() if first_pass else FitState.load(self),
            tasks=None,
            random_state=random_state,
            incremental=incremental,
            given_validation=None if X_val is None else given,
            scorer=_validation_set.scorer_of(self),
        )
        objective = self._objective(backend, X, data.Y.shape[1], architecture)
        if first_pass:
            self._initialize(objective.network, random_state)
        else:
            self._continue_from(objective.network)
        return self._run(objective, data, call, (X, y, metadata))

    def _data(self, backend, X, y_host, sample_weight):
        """The training DataSet: X, encoded targets and weights on X's device."""
        dtype = _placement.host_dtype(backend, X.dtype)
        Y = _targets.encode(
            y_host, self.classes_, self._kind, backend.target_dtype(dtype)
        )
        # a stand-in of X's size and dtype: weights are worked out on the host
        X_host = np.empty((X.shape[0], 0), dtype=dtype)
        w = sample_weights(self, _placement.host(sample_weight), X_host, y_host)
        on_device = _placement.on_device
        return DataSet(X, on_device(backend, Y), on_device(backend, w), y_host)

    def _check_params(self, incremental, X_val, y_val, sample_weight_val):
        """(hidden sizes, dropout rates, alpha) once every parameter is checked."""
        sizes = _checks.hidden_sizes(self)
        rates = _checks.dropout_rates(self, len(sizes))
        alpha = _checks.alpha_values(self, len(sizes) + 1)
        _checks.check_fit_arguments(self, incremental, X_val, y_val, sample_weight_val)
        return sizes, rates, alpha

    def _validate_training_data(self, X, y, first_pass):
        """(backend, X, y): X validated in its namespace, y following it."""
        _checks.check_X_y(X, y)  # messages that name X or y
        backend = _placement.input_backend(X)
        y = _placement.follow(backend, y)
        X, y = validate_data(
            self,
            X,
            y,
            multi_output=True,
            reset=first_pass,
            accept_sparse=("csr", "csc"),
            dtype=_placement.float_dtypes(backend),
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return backend, X, y

    def _objective(self, backend, X, n_outputs, architecture):
        """A network of the architecture (weights set by the caller), head, penalty."""
        sizes, rates, alpha = architecture
        layer_sizes = [X.shape[1], *sizes, n_outputs]
        rates = rates if self.solver in STOCHASTIC_SOLVERS else 0.0
        network = Network(layer_sizes, self.activation, rates, X.dtype, backend=backend)
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(layer_sizes)
        head = self._output_head(backend)
        sizes = [W.shape[0] * W.shape[1] for W in network.coefs]
        penalty = ElasticNet(alpha, self.l1_ratio, sizes, backend=backend)
        return Objective(network, head, penalty)

    def _run(self, objective, data, call, fit_args):
        """Train, keeping the weights of a failed fit as they were."""
        network = objective.network
        # while training, coefs_/intercepts_ are views of the live weights, so
        # that scorers and callbacks see the model as it is now
        previous = self.__dict__.get("coefs_"), self.__dict__.get("intercepts_")
        self.coefs_, self.intercepts_ = network.coefs, network.intercepts
        name = "partial_fit" if call.incremental else "fit"
        n_tasks = 1 if call.incremental else self.max_iter
        call.tasks = EpochTasks(self, name, n_tasks, fit_args)
        try:
            if self.solver in STOCHASTIC_SOLVERS:
                _solvers.fit_stochastic(self, objective, data, call)
            else:
                _solvers.fit_lbfgs(self, objective, data, call)
        except Exception:
            # a rejected or failed fit leaves no half-made weights behind
            if previous[0] is None:
                del self.coefs_, self.intercepts_
            else:
                self.coefs_, self.intercepts_ = previous
            raise
        # the fitted state: plain arrays, views of the network's flat weight
        # vector (no copy at the end of fit; each pickles as its own data)
        self.coefs_, self.intercepts_ = list(network.coefs), list(network.intercepts)
        # classes_ lives with the weights where its labels can (numbers)
        if hasattr(self, "classes_") and self.classes_.dtype.kind in "iufb":
            self.classes_ = _placement.on_device(network.backend, self.classes_)
        call.tasks.end_fit()
        return self

    def _continue_from(self, network):
        """Start ``network`` from the fitted weights (warm_start, partial_fit)."""
        fitted = [self.coefs_[0].shape[0]] + [W.shape[1] for W in self.coefs_]
        if fitted != network.layer_sizes:
            raise ValueError(
                f"{type(self).__name__} cannot continue training (warm_start or "
                f"partial_fit) with layer sizes {network.layer_sizes}: the fitted "
                f"network has {fitted}. Change hidden_layer_sizes back or refit "
                "from scratch."
            )
        network.set_weights(self.coefs_, self.intercepts_)

    def _target_kind(self):
        """'binary', 'multiclass' or 'multilabel', from the fitted classes."""
        if self._kind == "multilabel":
            return "multilabel"
        return "binary" if self.classes_.shape[0] == 2 else "multiclass"

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
        """Fit the model to data X and target(s) y; each estimator's ``fit``
        is this one, documented for its targets (``_docstrings.fit_method``)."""
        return self._fit(
            X,
            y,
            sample_weight,
            X_val=X_val,
            y_val=y_val,
            sample_weight_val=sample_weight_val,
        )

    # -- scikit-learn protocol ------------------------------------------------

    def __sklearn_is_fitted__(self):
        # not n_features_in_ (nor a classifier's classes_): a fit rejected
        # after validate_data has set those, and has not fitted anything
        return hasattr(self, "coefs_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags

    # -- prediction -----------------------------------------------------------

    @property
    def _first_coef(self):
        # the fitted array whose namespace and device the input must share
        return self.coefs_[0]

    def _logits(self, X, method):
        """The logits of X, computed in row chunks sized by ``working_memory``."""
        check_is_fitted(self)
        check_same_namespace(X, self, attribute="_first_coef", method=method)
        backend = _placement.fitted_backend(self)
        X = _placement.prediction_input(self, X, backend)
        layers = (self.coefs_, self.intercepts_, ACTIVATIONS[self.activation], backend)
        n, width = X.shape[0], max(W.shape[1] for W in self.coefs_)
        # a row holds its input and, at most, two layers' activations at once
        dtype = self.coefs_[0].dtype
        row_bytes = (
            2 * max(X.shape[1], width) * _placement.host_dtype(backend, dtype).itemsize
        )
        chunk = get_chunk_n_rows(row_bytes, max_n_rows=n)
        sizes = [X.shape[1], *(W.shape[1] for W in self.coefs_)]
        with prediction_threads(sizes, n):
            if chunk >= n:
                return forward(X, *layers)
            Z = backend.zeros((n, sizes[-1]), dtype)
            for rows in gen_batches(n, chunk):
                Z[rows, ...] = forward(_rows(X, rows), *layers)
        return Z


class _BaseScratchNet(_classes.ClassifierTargets, ClassifierMixin, _BaseNet):
    """Base class of the two classifiers (target hooks: ClassifierTargets)."""

    fit = _docstrings.fit_method(_BaseNet.fit, _docstrings.CLASS_LABELS)

    @_checks.available_if(_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    @_docstrings.partial_fit(_docstrings.CLASS_LABELS)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _head(self):
        kind = self._target_kind()
        backend = _placement.fitted_backend(self)
        return make_head(self.out_activation_, kind, self._normalise_ovr, backend)

    @_docstrings.of_X(
        "The output layer's logits Z.",
        """\
Z : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    The pre-activation of the output units; one column (raveled to
    shape (n_samples,)) for a binary problem, where a positive value
    predicts ``classes_[1]``.""",
    )
    def decision_function(self, X):
        Z = self._logits(X, "decision_function")
        return Z[:, 0] if Z.shape[1] == 1 else Z

    @_docstrings.of_X(
        "Predict class labels (a label indicator matrix for multilabel targets).",
        """\
y : ndarray of shape (n_samples,) or (n_samples, n_labels)
    The predicted classes.""",
    )
    def predict(self, X):
        Z = self._logits(X, "predict")
        return _targets.decode(
            Z, self.classes_, self._kind, _placement.fitted_backend(self)
        )

    @_docstrings.of_X(
        "Log of the class probabilities.",
        """\
log_P : ndarray of shape (n_samples, n_classes)
    ``log(predict_proba(X))``, as MLPClassifier. ``predict_proba`` is
    computed from the logits with log-sum-exp and clipped to ``[tiny,
    1 - eps]`` of the dtype, so log(0) is never taken: log P lies in
    ``[log(tiny), log(1 - eps)]`` and ranks the classes as P does.""",
    )
    def predict_log_proba(self, X):
        P = self._proba(X, "predict_log_proba")
        return _placement.fitted_backend(self).log(P, out=P)

    @_docstrings.of_X(
        "Probability estimates, strictly inside (0, 1).",
        """\
P : ndarray of shape (n_samples, n_classes)
    The probability of each class (of each label for a multilabel
    target), in the order of ``classes_``.""",
    )
    def predict_proba(self, X):
        return self._proba(X, "predict_proba")

    def _proba(self, X, method):
        Z = self._logits(X, method)  # checks that the model is fitted first
        return self._head().proba(Z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # class_weight is defined for single-label targets only
        tags.classifier_tags.multi_label = self.class_weight is None
        return tags
