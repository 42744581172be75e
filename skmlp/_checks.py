"""Checks of parameters that ``_parameter_constraints`` cannot express.

They run at the start of ``fit``/``partial_fit``, before any array is
allocated, and say the parameter, the allowed values and the value received.
"""

from numbers import Integral, Real

import numpy as np


def _name(est):
    return type(est).__name__


def hidden_sizes(est):
    """``hidden_layer_sizes`` as a list of positive ints (an int means one layer)."""
    sizes = est.hidden_layer_sizes
    if isinstance(sizes, Integral):
        sizes = [sizes]
    sizes = list(sizes)
    if not all(
        isinstance(s, Integral) and not isinstance(s, bool) for s in sizes
    ) or any(s <= 0 for s in sizes):
        raise ValueError(
            f"The 'hidden_layer_sizes' parameter of {_name(est)} must hold positive "
            f"integers; got {est.hidden_layer_sizes!r}."
        )
    return [int(s) for s in sizes]


def dropout_rates(est, n_hidden):
    """``dropout`` as one rate per hidden layer, each in [0, 1)."""
    dropout = est.dropout
    if np.ndim(dropout) == 0:
        rates = [dropout] * n_hidden
    else:
        rates = list(np.asarray(dropout, dtype=object).ravel())
        if len(rates) != n_hidden:
            raise ValueError(
                f"The 'dropout' parameter of {_name(est)} must be a float or one rate "
                f"per hidden layer ({n_hidden} for hidden_layer_sizes="
                f"{est.hidden_layer_sizes!r}); got {len(rates)} rates: {dropout!r}."
            )
    for r in rates:
        if not isinstance(r, Real) or isinstance(r, bool) or not 0 <= r < 1:
            raise ValueError(
                f"The 'dropout' parameter of {_name(est)} must be in [0, 1); "
                f"got {dropout!r}."
            )
    rates = [float(r) for r in rates]
    if est.solver == "lbfgs" and (any(rates) or np.any(np.asarray(dropout, float) > 0)):
        raise ValueError(
            f"{_name(est)}: dropout={dropout!r} needs a stochastic solver "
            "('sgd', 'adam', 'adagrad' or 'rmsprop'); solver='lbfgs' minimises a "
            "deterministic objective, which a new dropout mask per evaluation "
            "would break."
        )
    return rates


def alpha_values(est, n_weight_layers):
    """``alpha`` as a float, or as one strength per weight matrix, each >= 0."""
    alpha = est.alpha
    if np.ndim(alpha) == 0:
        return float(alpha)
    values = list(np.asarray(alpha, dtype=object).ravel())
    if len(values) != n_weight_layers or not all(
        isinstance(a, Real) and not isinstance(a, bool) and a >= 0 for a in values
    ):
        raise ValueError(
            f"The 'alpha' parameter of {_name(est)} must be a float >= 0 or one "
            f"value >= 0 per weight matrix ({n_weight_layers} for hidden_layer_sizes="
            f"{est.hidden_layer_sizes!r}, the output layer included); got {alpha!r}."
        )
    return [float(a) for a in values]


def check_fit_arguments(est, incremental, X_val, y_val, sample_weight_val):
    """Co-dependent arguments of fit/partial_fit."""
    if incremental and est.early_stopping:
        raise ValueError(
            f"{_name(est)}.partial_fit does not support early_stopping=True: there is "
            "no held-out data to watch across calls. Set early_stopping=False."
        )
    if (X_val is None) != (y_val is None):
        raise ValueError(
            f"{_name(est)}.fit needs both X_val and y_val, or neither; got only "
            f"{'X_val' if y_val is None else 'y_val'}."
        )
    if X_val is None and sample_weight_val is not None:
        raise ValueError(
            f"{_name(est)}.fit got sample_weight_val without X_val and y_val."
        )
    if X_val is not None and est.solver == "lbfgs":
        raise ValueError(
            f"{_name(est)}: X_val/y_val are used for early stopping and the "
            "validation curve of the stochastic solvers; solver='lbfgs' has neither."
        )


def check_class_weight(est, kind):
    if est.class_weight is None:
        return
    if kind == "multilabel":
        raise ValueError(
            f"The 'class_weight' parameter of {_name(est)} is not supported for "
            f"multilabel targets; got class_weight={est.class_weight!r}."
        )
