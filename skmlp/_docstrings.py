"""Documentation shared by the estimators: parameters, attributes, fit.

Written once here and formatted into each class docstring, so the
classifiers and the regressor cannot drift apart. Each entry is numpydoc,
indented for a class docstring; the placeholders (``{counterpart}``, ...)
are what the estimators word differently: the classifiers' wording is
:data:`CLASSIFIERS`, the regressor's is in ``_regressor_docs``. Likewise
``fit`` and ``partial_fit`` are documented from the estimator's targets
(:data:`CLASS_LABELS` here).
"""

import functools
import inspect
import re

_PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, \
default={hidden_layer_sizes}
        The width of each hidden layer: the ith element is the number of
        units of the ith hidden layer. ``()`` means no hidden layer.

    activation : {{'identity', 'logistic', 'tanh', 'relu'}}, default='relu'
        Activation of the hidden layers: ``'identity'`` f(z) = z,
        ``'logistic'`` f(z) = 1 / (1 + exp(-z)), ``'tanh'`` f(z) = tanh(z),
        ``'relu'`` f(z) = max(z, 0).

    solver : {{'lbfgs', 'sgd', 'adam', 'adagrad', 'rmsprop'}}, default={solver}
        The weight optimizer. ``'lbfgs'`` is the quasi-Newton method of
        :func:`scipy.optimize.minimize` on the full training set;
        ``'sgd'`` is minibatch gradient descent with (Nesterov) momentum;
        ``'adam'``, ``'adagrad'`` and ``'rmsprop'`` are the adaptive
        methods of the user guide. The stochastic solvers also offer
        ``partial_fit``.

    alpha : float or array-like of float, default=0.0001
        Strength of the weight penalty, scaled as in {counterpart}: the
        penalty of a step is divided by the sample-weight sum of its
        minibatch (of the whole training set for ``'lbfgs'``). A float
        applies to every weight matrix; a sequence gives one strength per
        weight matrix, the output layer's last (``len(hidden_layer_sizes) +
        1`` values), e.g. to penalise the hidden layers only. With no hidden
        layer and ``'lbfgs'``, {linear_model}.
        Intercepts are not penalised.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; ``'auto'`` is
        ``min(200, n_samples)``. Ignored by ``'lbfgs'``.

    learning_rate : {{'constant', 'invscaling', 'adaptive'}}, default='constant'
        Learning-rate schedule of ``solver='sgd'`` (the other solvers use a
        constant base rate, as {counterpart} does): ``'invscaling'`` sets
        it to ``learning_rate_init / (t + 1) ** power_t`` at the end of each
        epoch (t = samples seen); ``'adaptive'`` divides it by 5 whenever
        ``n_iter_no_change`` epochs pass without an improvement of ``tol``,
        and stops once it falls to 1e-6. ``decay`` applies on top.

    learning_rate_init : float, default=0.001
        The initial step size of every solver but ``'lbfgs'``.

    power_t : float, default=0.5
        Exponent of the ``'invscaling'`` schedule.

    max_iter : int, default=200
        The maximum number of epochs (of iterations for ``'lbfgs'``).

    shuffle : bool, default=True
        Whether to shuffle the samples at each epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling, the early-stopping
        split and the dropout masks. An int gives identical coefficients
        across calls on the same data and machine. See :term:`Glossary
        <random_state>`.

    tol : float, default=1e-4
        Tolerance of the stopping rule: training stops (or the adaptive
        schedule lowers its rate) when the watched quantity fails to
        improve by ``tol`` for ``n_iter_no_change`` consecutive epochs.
        For ``'lbfgs'`` it is the projected-gradient tolerance.

    verbose : bool or int, default=False
        Print one line per epoch: ``Iteration k, loss = ...``, then the
        validation score when there is one, the learning rate and the time.

    warm_start : bool, default=False
        Reuse the previous fit's weights **and optimizer state** (moments,
        step count) as the starting point, instead of starting afresh.

    momentum : float, default=0.9
        Momentum of ``solver='sgd'``, in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether ``solver='sgd'`` uses Nesterov's momentum.

    early_stopping : bool, default=False
        Stop when the validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the weights of the best
        epoch. The validation set is ``X_val``/``y_val`` when given to
        ``fit``, else a {split} ``validation_fraction`` of the training
        data. Stochastic solvers only.

    validation_fraction : float, default=0.1
        Fraction of the training data set aside for early stopping, in
        [0, 1); used only when ``early_stopping=True`` and no ``X_val``
        is given.

    beta_1 : float, default=0.9
        Adam's decay rate of the first-moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Adam's decay rate of the second-moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Numerical-stability term of Adam, Adagrad and RMSprop.

    n_iter_no_change : int, default=10
        Number of epochs without an improvement of ``tol`` that ends
        training (stochastic solvers).

    max_fun : int, default=15000
        Maximum number of loss evaluations of ``'lbfgs'``.

    dropout : float or array-like of float, default=0.0
        Fraction of each hidden layer's units zeroed at each training step
        (inverted dropout: kept units are scaled by ``1 / (1 - rate)``); a
        float for every hidden layer or one rate per hidden layer, each in
        [0, 1). Never applied at predict time. Needs a stochastic solver.
        On NumPy each keep decision takes 16 random bits, so a unit is
        dropped with probability ``rate`` rounded up to a multiple of
        2**-16 (within 1.5e-5 of it).

    l1_ratio : float, default=0.0
        Elastic-net mix of the weight penalty, in [0, 1]: the penalty is
        ``alpha * (l1_ratio * ||W||_1 + (1 - l1_ratio) * 0.5 * ||W||^2)``,
        with ``alpha``'s scaling. 0 is pure L2 ({counterpart}'s penalty),
        1 pure L1.

    decay : float, default=0.0
        Inverse-time decay of the step size of every iterative solver but
        ``'lbfgs'``: step ``s`` (counted from 0 over the optimizer's life)
        uses ``rate / (1 + decay * s)``.

    rho : float, default=0.9
        Decay rate of RMSprop's cache of squared gradients, in [0, 1).

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, ``{{class_label: weight}}``; ``'balanced'``
        uses ``n_samples / (n_classes * np.bincount(y))``. They multiply
        ``sample_weight``. Not for multilabel targets.

    scoring : str, callable or None, default=None
        What early stopping watches on the validation set: ``None`` is
        {default_score} ({counterpart}'s rule),
        ``'loss'`` the validation loss (``validation_scores_`` then holds
        its negative), or any scorer name or callable accepted by
        :func:`~sklearn.metrics.get_scorer`.
"""

_CLASSES_ATTRIBUTE = """\
    classes_ : ndarray of shape (n_classes,)
        Class labels (label indices for a multilabel target).
"""

_ATTRIBUTES = """\
    loss_ : float
        The training loss (penalty included) at the end of training.

    best_loss_ : float or None
        The lowest training loss reached by a stochastic solver; None when
        ``early_stopping=True`` (the validation score is watched instead).

    loss_curve_ : list of float
        Training loss at the end of each epoch (stochastic solvers).

    validation_scores_ : list of float or None
        Validation score at each epoch (see ``scoring``), when there is a
        validation set; otherwise None.

    validation_loss_curve_ : list of float
        Validation loss (penalty excluded) at each epoch; present only when
        there is a validation set.

    best_validation_score_ : float or None
        The best validation score, when early stopping watches one.

    t_ : int
        The number of training samples seen by the solver.

    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix W of layer i + 1, of shape
        (n_units of layer i, n_units of layer i + 1).

    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the intercept vector b of layer i + 1.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    n_iter_ : int
        Number of epochs (L-BFGS iterations) run by the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of {outputs}.

    out_activation_ : str
        Name of the output activation: {output_activations}.
"""

# what the classifiers word differently from the regressor (_regressor_docs)
CLASSIFIERS = {
    "counterpart": "MLPClassifier",
    "linear_model": (
        "``alpha = 1 / C`` of\n:class:`~sklearn.linear_model.LogisticRegression`"
    ),
    "split": "stratified",
    "default_score": "accuracy",
    "outputs": "output units",
    "output_activations": "``'softmax'`` or ``'logistic'``",
}
_ENTRY = re.compile(r"^    (\w+) : ", re.MULTILINE)
_SECTIONS = """\
Parameters
    ----------
    {parameters}

    Attributes
    ----------
    {attributes}"""


def substitute(parameters="", attributes=_CLASSES_ATTRIBUTE, **wording):
    """Class decorator: fill ``{parameters}`` and ``{attributes}`` in a
    docstring, or ``{sections}`` with both, headers included.

    The parameters are the entries of ``_PARAMETERS`` and ``parameters`` (a
    class's own) in the order of the class's ``__init__`` signature; the
    attributes are ``attributes`` (the classifiers' ``classes_`` by default)
    then ``_ATTRIBUTES``. ``wording`` fills the placeholders: the defaults of
    ``hidden_layer_sizes`` and ``solver``, and the keys of
    :data:`CLASSIFIERS` where the wording is not the classifiers'. A value
    written over several lines continues at the indent of an entry's text.
    """
    wording = {**CLASSIFIERS, **wording}
    wording = {
        key: value.replace("\n", "\n" + 8 * " ") for key, value in wording.items()
    }

    def decorate(cls):
        entries = _entries(_PARAMETERS.format(**wording) + parameters)
        names = list(inspect.signature(cls.__init__).parameters)[1:]  # not self
        # the placeholders stand indented in the class docstring: the text
        # goes in without its first line's indent
        sections = {
            "parameters": "\n".join(entries[name] for name in names).strip(),
            "attributes": (attributes + "\n" + _ATTRIBUTES.format(**wording)).strip(),
        }
        cls.__doc__ = cls.__doc__.format(
            sections=_SECTIONS.format(**sections), **sections
        )
        return cls

    return decorate


def _entries(text):
    """{name: entry} of a numpydoc section's entries, in order."""
    starts = [m.start() for m in _ENTRY.finditer(text)] + [len(text)]
    return {
        _ENTRY.match(text, a).group(1): text[a:b].rstrip() + "\n"
        for a, b in zip(starts[:-1], starts[1:])
    }


_OF_X = """\
Parameters
----------
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    The input samples.

Returns
-------
"""


def of_X(summary, returns):
    """Method decorator: the numpydoc docstring of a method of ``X`` alone."""

    def decorate(method):
        method.__doc__ = f"{summary}\n\n{_OF_X}{returns}\n"
        return method

    return decorate


_FIT = """\
Fit the model to data X and target(s) y.

Parameters
----------
X : {{array-like, sparse matrix}} of shape (n_samples, n_features)
    The input data: dense, pandas DataFrame (feature names are kept)
    or scipy sparse CSR/CSC. float32 input trains in float32.
{y}
sample_weight : array-like of shape (n_samples,), default=None
    Weights of the samples{weights}.
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

_PARTIAL_FIT = """\
Update the model with one epoch over the given data.

The optimizer's state (moments, step count) carries over from call to
call. Only for the stochastic solvers.

Parameters
----------
X : {{array-like, sparse matrix}} of shape (n_samples, n_features)
    The input data.
{y}
{classes}sample_weight : array-like of shape (n_samples,), default=None
    Weights of the samples{weights}.

Returns
-------
self : object
    The trained estimator.
"""

# How fit and partial_fit document the classifiers' targets: the ``y``
# entry, what multiplies the sample weights, and partial_fit's ``classes``
# entry (the regressor's targets are in _regressor_docs).
CLASS_LABELS = {
    "y": """\
y : array-like of shape (n_samples,) or (n_samples, n_labels)
    Class labels, or a label indicator matrix for multilabel problems.""",
    "weights": "; multiplied by ``class_weight``",
    "classes": """\
classes : array-like of shape (n_classes,), default=None
    Every class of the problem; required on the first call (except
    for a multilabel indicator y). A later call may omit it; if it
    passes classes, they must be the same.
""",
}


def fit_method(fit, targets):
    """The shared ``fit`` method, documented for ``targets``.

    Each estimator's ``fit`` is ``_BaseNet.fit``; only the docstring, which
    speaks of its targets (:data:`CLASS_LABELS`, the regressor's), differs.
    """

    @functools.wraps(fit)
    def documented_fit(self, *args, **kwargs):
        return fit(self, *args, **kwargs)

    documented_fit.__doc__ = _FIT.format(**targets)
    return documented_fit


def partial_fit(targets):
    """Method decorator: the docstring of ``partial_fit`` for ``targets``."""

    def decorate(method):
        method.__doc__ = _PARTIAL_FIT.format(**targets)
        return method

    return decorate
