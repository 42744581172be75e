"""Checks of parameters that ``_parameter_constraints`` cannot express.

They run at the start of ``fit``/``partial_fit``, before any array is
allocated, and say the parameter, the allowed values and the value received.
The checks of the data arguments' shapes (:func:`check_X_y`) and
:func:`naming` make every message about a data argument name it: scikit-learn's
validation says "X" and "y" for whatever it was given, or names nothing.
"""

import contextlib
import re
from functools import update_wrapper, wraps
from numbers import Integral, Real
from types import MethodType

import numpy as np
from sklearn.utils.validation import _num_samples


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


# -- data arguments -----------------------------------------------------------


def _shape(a):
    """The shape of an array-like, or None where it is not known without
    converting it (a ragged list, an object that is only ``__array__``)."""
    shape = getattr(a, "shape", None)
    if shape is None and isinstance(a, (list, tuple)):
        try:
            shape = np.shape(a)
        except ValueError:
            return None
    return None if shape is None else tuple(shape)


def _length(a):
    try:
        return _num_samples(a)
    except TypeError:
        return None


def check_X_y(X, y, names=("X", "y")):
    """ValueErrors naming the argument where scikit-learn's validation names none.

    ``X`` must be 2-D, ``X`` and ``y`` must have as many rows, and an object
    ``y`` (string labels) must not hold NaN: ``validate_data`` says "Expected
    2D array", "inconsistent numbers of samples: [40, 10]" and "Input contains
    NaN" without saying which argument. Only shapes are read here, and the
    values of an object ``y``.
    """
    x_name, y_name = names
    shape = _shape(X)
    if shape is not None and len(shape) != 2:
        # "2D array" and "dim N" as in scikit-learn's messages, which users'
        # code may match, with the argument's name added
        hint = (
            f" Reshape it with {x_name}.reshape(-1, 1) if it holds a single "
            f"feature, or {x_name}.reshape(1, -1) if it holds a single sample."
            if len(shape) == 1
            else ""
        )
        raise ValueError(
            f"Expected 2D array for {x_name}, found array with dim {len(shape)} "
            f"(shape {shape}).{hint}"
        )
    n_x, n_y = _length(X), _length(y)
    if n_x is not None and n_y is not None and n_x != n_y:
        raise ValueError(
            f"{x_name} and {y_name} have inconsistent numbers of samples: "
            f"{x_name} has {n_x} rows, {y_name} has {n_y} labels."
        )
    dtype = getattr(y, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        values = np.asarray(y, dtype=object)
        if (values != values).any():  # NaN is the one value unequal to itself
            raise ValueError(
                f"Input {y_name} contains NaN (at row "
                f"{int(np.argwhere(values != values)[0, 0])})."
            )


def check_n_features(est, X, name):
    """ValueError naming ``name`` when ``X`` has another width than the fitted X."""
    shape = _shape(X)
    expected = getattr(est, "n_features_in_", None)
    if shape is not None and len(shape) == 2 and expected is not None:
        if shape[1] != expected:
            raise ValueError(
                f"{name} has {shape[1]} features, but {_name(est)} is expecting "
                f"{expected} features as input (the number of columns of X)."
            )


@contextlib.contextmanager
def naming(name):
    """Re-raise a ValueError/TypeError about ``name`` with ``name`` in it.

    For the messages of scikit-learn's validation that say "X" or nothing when
    they are about ``X_val``: they get ``"X_val: "`` in front. A message that
    already names the argument is left as it is.
    """
    try:
        yield
    except (ValueError, TypeError) as exc:
        message = str(exc)
        if _names(message, name):
            raise
        kind = ValueError if isinstance(exc, ValueError) else TypeError
        raise kind(f"{name}: {message}") from exc


def _names(message, name):
    """Whether ``message`` has ``name`` as a word (X_val is not X)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message)


# -- methods that only some configurations have -------------------------------


def available_if(check):
    """scikit-learn's ``available_if``, with the check's reason in the error.

    ``check(est)`` returns True or raises an ``AttributeError`` saying why the
    method is missing. scikit-learn's descriptor replaces that message with
    "This 'X' has no attribute 'm'" and chains the reason as the cause, which
    ``str(exc)``, ``pytest.raises(match=...)`` and notebooks' one-line
    tracebacks do not show; this one puts both in the message (and chains
    the reason too).
    """
    return lambda fn: _AvailableIf(fn, check)


class _AvailableIf:
    """The descriptor of :func:`available_if`."""

    def __init__(self, fn, check):
        self.fn = fn
        self.check = check
        update_wrapper(self, fn)

    def _check(self, obj, owner):
        missing = f"This {owner.__name__!r} has no attribute {self.fn.__name__!r}"
        try:
            available = self.check(obj)
        except AttributeError as exc:
            # the reason in the message, and still the cause, as scikit-learn's
            raise AttributeError(f"{missing}: {exc}") from exc
        except Exception as exc:  # hasattr must see an AttributeError
            raise AttributeError(missing) from exc
        if not available:
            raise AttributeError(missing)

    def __get__(self, obj, owner=None):
        if obj is None:
            # on the class: the function (docs, monkeypatching), checked per call
            @wraps(self.fn)
            def unbound(est, *args, **kwargs):
                self._check(est, type(est))
                return self.fn(est, *args, **kwargs)

            return unbound
        self._check(obj, owner if owner is not None else type(obj))
        return MethodType(self.fn, obj)
