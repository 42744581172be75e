"""ScratchMLPRegressor: a superset of scikit-learn's MLPRegressor.

The classifiers' training path (``_base._BaseNet``) with a regression head
(``_core.regression``); the target hooks that path calls are here, the
target checks in ``_reg_targets``.
"""

from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions

from . import _checks, _docstrings, _placement, _reg_targets, _regressor_docs
from ._base import _BaseNet, _stochastic, store_init_arguments
from ._core.regression import OUTPUT_ACTIVATIONS, make_regression_head
from ._core.training import DataSet


@_regressor_docs.substitute
class ScratchMLPRegressor(RegressorMixin, _BaseNet):
    """Multi-layer perceptron regressor with dropout, elastic-net penalties,
    more optimizers and learning-rate decay.

    Every parameter of :class:`sklearn.neural_network.MLPRegressor` exists
    here with the same name, default and meaning, so swapping the class name
    keeps code and parameter grids working; where MLPRegressor can express a
    configuration, the fitted model is MLPRegressor's. The output is the
    identity with half the squared error (``loss='squared_error'``), or
    ``exp`` with half the Poisson deviance (``loss='poisson'``, a log link for
    counts and rates ``y >= 0``). ``y`` may be 1-d or 2-d (one column per
    output); ``predict`` returns the same shape. ``score`` is R^2.

    As for the classifiers, ``warm_start`` and repeated ``partial_fit``
    continue the optimizer's state; a non-finite loss stops training and keeps
    the last finite weights (with a warning, where MLPRegressor raises); a
    minibatch whose sample weights sum to zero is skipped; Ctrl-C during
    ``fit`` keeps the model trained so far, with a warning.

    {sections}

    See Also
    --------
    ScratchMLPClassifier : The same network for classification.
    sklearn.neural_network.MLPRegressor : The estimator this one extends.

    Notes
    -----
    The loss values are MLPRegressor's: with several outputs the squared
    error reported (``loss_``, ``loss_curve_``) is the mean over the outputs
    of each one's half mean squared error, while the weights follow the
    gradient of the sum over the outputs, as MLPRegressor trains them. The
    Poisson loss includes the constant ``y log y - y`` that makes it zero
    where the prediction equals y.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import ScratchMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-3, 3, size=(300, 1))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=300)
    >>> reg = ScratchMLPRegressor(hidden_layer_sizes=(32,), dropout=0.05,
    ...                           learning_rate_init=0.01, max_iter=300,
    ...                           n_iter_no_change=30, random_state=0)
    >>> reg.fit(X, y).predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y) > 0.9
    True
    """

    _parameter_constraints = {
        **{
            name: constraint
            for name, constraint in _BaseNet._parameter_constraints.items()
            if name != "class_weight"
        },
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    # Each class spells out its own __init__ signature: scikit-learn reads the
    # parameters and their defaults from it (get_params, clone).
    # fmt: off
    def __init__(
        self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu",
        *, solver="adam", alpha=0.0001, batch_size="auto",
        learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
        max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
        warm_start=False, momentum=0.9, nesterovs_momentum=True,
        early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
        epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
        # added to MLPRegressor's parameters:
        dropout=0.0, l1_ratio=0.0, decay=0.0, rho=0.9, scoring=None,
    ):
        # stores each parameter as given, under its own name: self.loss = loss,
        # self.hidden_layer_sizes = hidden_layer_sizes, ..., self.scoring = scoring
        store_init_arguments(self, locals())

    # fmt: on

    # -- the target hooks of _BaseNet -----------------------------------------

    def _fit_targets(self, y, first_pass, incremental, classes):
        """Check ``y``: numbers, finite, >= 0 for Poisson, the fitted outputs."""
        fitted = None if first_pass else self.n_outputs_
        _reg_targets.check(self, y, "y", fitted)

    def _data(self, backend, X, y_host, sample_weight):
        """The training DataSet: X, the target matrix Y and the weights on X's
        device; the targets ``y`` (host, X's dtype) for the validation score."""
        dtype = _placement.host_dtype(backend, X.dtype)
        y, Y = _reg_targets.values(y_host, dtype)
        w = _reg_targets.sample_weights(_placement.host(sample_weight), len(y), dtype)
        on_device = _placement.on_device
        return DataSet(X, on_device(backend, Y), on_device(backend, w), y)

    def _output_head(self, backend):
        """The loss's head; sets ``out_activation_`` ('identity' or 'exp')."""
        self.out_activation_ = OUTPUT_ACTIVATIONS[self.loss]
        return make_regression_head(self.out_activation_, backend)

    def _stratify(self, data):
        return None  # a random split, as MLPRegressor's

    def _validation_targets(self, y_val, dtype, backend):
        return _reg_targets.validation_values(self, y_val, dtype)

    def _validation_score(self, Z, validation):
        return _reg_targets.r2(self, Z, validation)

    # -- public fit methods ---------------------------------------------------

    fit = _docstrings.fit_method(_BaseNet.fit, _regressor_docs.TARGETS)

    @_checks.available_if(_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    @_docstrings.partial_fit(_regressor_docs.TARGETS)
    def partial_fit(self, X, y, sample_weight=None):
        return self._fit(X, y, sample_weight, incremental=True)

    # -- prediction -----------------------------------------------------------

    @_docstrings.of_X(
        "Predict using the multi-layer perceptron model.",
        """\
y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    The predicted values, 1-d for a model fitted on a 1-d ``y``;
    ``exp`` of the output layer with ``loss='poisson'``.""",
    )
    def predict(self, X):
        Z = self._logits(X, "predict")  # checks that the model is fitted first
        backend = _placement.fitted_backend(self)
        y = make_regression_head(self.out_activation_, backend).predict(Z)
        return y[:, 0] if y.shape[1] == 1 else y

    # -- scikit-learn protocol ------------------------------------------------

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()  # sparse X and the Array API: _BaseNet's
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        # the log link of the Poisson loss needs y >= 0
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags
