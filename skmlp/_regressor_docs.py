"""The regressor's parameter and attribute documentation.

Built from the classifiers' entries in ``_docstrings`` (written once there),
entry by entry: the regressor drops ``class_weight`` and ``classes_``, adds
``loss``, and words the entries that speak of classes in terms of targets.
"""

import re

from ._docstrings import _ATTRIBUTES, _PARAMETERS

_ENTRY = re.compile(r"^    (\w+) : ", re.MULTILINE)

_OWN_PARAMETERS = {
    "loss": """\
    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        The loss and its output activation, as MLPRegressor:
        ``'squared_error'`` is half the squared error with an identity
        output; ``'poisson'`` is half the Poisson deviance with a log link
        (the output is ``exp(z)``, always positive), for counts and rates
        ``y >= 0``.
""",
    "alpha": """\
    alpha : float or array-like of float, default=0.0001
        Strength of the weight penalty, scaled as in MLPRegressor: the
        penalty of a step is divided by the sample-weight sum of its
        minibatch (of the whole training set for ``'lbfgs'``). A float
        applies to every weight matrix; a sequence gives one strength per
        weight matrix, the output layer's last (``len(hidden_layer_sizes) +
        1`` values). With no hidden layer, one output and ``'lbfgs'``,
        ``loss='squared_error'`` is :class:`~sklearn.linear_model.Ridge`
        with the same ``alpha``. Intercepts are not penalised.
""",
    "early_stopping": """\
    early_stopping : bool, default=False
        Stop when the validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the weights of the best
        epoch. The validation set is ``X_val``/``y_val`` when given to
        ``fit``, else a random ``validation_fraction`` of the training data.
        Stochastic solvers only.
""",
    "scoring": """\
    scoring : str, callable or None, default=None
        What early stopping watches on the validation set: ``None`` is the
        coefficient of determination R^2 (MLPRegressor's rule), ``'loss'``
        the validation loss (``validation_scores_`` then holds its
        negative), or any scorer name or callable accepted by
        :func:`~sklearn.metrics.get_scorer`.
""",
}

_OWN_ATTRIBUTES = {
    "out_activation_": """\
    out_activation_ : str
        Name of the output activation: ``'identity'`` (squared error) or
        ``'exp'`` (Poisson).
""",
    "n_outputs_": """\
    n_outputs_ : int
        Number of outputs (columns of a 2-d ``y``; 1 for a 1-d ``y``).
""",
}

# fit's and partial_fit's words for the targets (the classifiers':
# _docstrings.CLASS_LABELS)
TARGETS = {
    "y": """\
y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    The target values: real numbers (``>= 0`` with ``loss='poisson'``).
    partial_fit and warm_start keep the number of outputs of the first
    fit.""",
    "weights": "",
    "classes": "",
}


def _entries(text):
    """{name: entry text} of a numpydoc section, in order."""
    starts = [m.start() for m in _ENTRY.finditer(text)] + [len(text)]
    return {
        _ENTRY.match(text, a).group(1): text[a:b].rstrip() + "\n"
        for a, b in zip(starts[:-1], starts[1:])
    }


def _section(text, own, drop, first=()):
    entries = {name: own.get(name, entry) for name, entry in _entries(text).items()}
    ordered = {name: own[name] for name in first}
    ordered.update({k: v for k, v in entries.items() if k not in drop})
    return "\n".join(ordered.values())


def substitute(cls):
    """Class decorator: the regressor's ``{parameters}`` and ``{attributes}``."""
    parameters = _section(_PARAMETERS, _OWN_PARAMETERS, {"class_weight"}, ["loss"])
    attributes = _section(_ATTRIBUTES, _OWN_ATTRIBUTES, {"classes_"})
    cls.__doc__ = cls.__doc__.format(
        parameters=parameters.format(hidden_layer_sizes="(100,)", solver="'adam'")
        .strip()
        .replace("MLPClassifier", "MLPRegressor"),
        attributes=attributes.strip(),
    )
    return cls
