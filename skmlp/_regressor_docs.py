"""The regressor's documentation: its wording of the shared entries.

The parameter, attribute, ``fit`` and ``partial_fit`` documentation is
written once in ``_docstrings``; what the regressor says differently is
here: its wording of the placeholders, its own parameter ``loss`` (and no
``class_weight`` or ``classes_``), and how ``fit`` speaks of its targets.
"""

from . import _docstrings

# the placeholders of _docstrings, worded for regression (the classifiers':
# _docstrings.CLASSIFIERS)
WORDING = {
    "hidden_layer_sizes": "(100,)",
    "solver": "'adam'",
    "counterpart": "MLPRegressor",
    "linear_model": (
        "one output and ``loss='squared_error'``, it is\n"
        ":class:`~sklearn.linear_model.Ridge` with the same ``alpha``"
    ),
    "split": "random",
    "default_score": "the coefficient of determination R^2",
    "outputs": "outputs (columns of a 2-d ``y``; 1 for a 1-d ``y``)",
    "output_activations": "``'identity'`` (squared error) or\n``'exp'`` (Poisson)",
}

LOSS = """\
    loss : {'squared_error', 'poisson'}, default='squared_error'
        The loss and its output activation, as MLPRegressor:
        ``'squared_error'`` is half the squared error with an identity
        output; ``'poisson'`` is half the Poisson deviance with a log link
        (the output is ``exp(z)``, always positive), for counts and rates
        ``y >= 0``.
"""

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

# ScratchMLPRegressor's class decorator: its {sections}, without classes_, and
# its parameters (loss first, no class_weight) in its signature's order
substitute = _docstrings.substitute(parameters=LOSS, attributes="", **WORDING)
