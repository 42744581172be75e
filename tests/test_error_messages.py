"""A bad value of any argument of ``fit`` or ``partial_fit`` gets a message naming it.

Issue 25: a newcomer who passes a bad ``X_val`` was told about "X", a bad
``sample_weight_val`` about "sample_weight", an unseen label of ``y_val`` was
printed as ``np.int64(5)``. For each argument -- ``X``, ``y``,
``sample_weight``, ``X_val``, ``y_val``, ``sample_weight_val`` of ``fit`` and
``classes`` of ``partial_fit`` -- Hypothesis draws a kind of badness (a NaN
or an infinity at a random place, too many or too few rows or columns, a
negative weight, all weights zero, a label the model has not seen...), the
data's size, its labels (integers or strings), the estimator and the method,
and the test asserts that the ``ValueError`` names that argument, as a word
(``X_val`` does not count as naming ``X``), and that labels print as plain
values.

``PENDING`` are the cases whose message comes from ``validate_data`` in
``_base._validate_training_data`` before any check of ours runs; they pass
once that method calls ``_checks.check_X_y(X, y)`` first, and
``partial_fit``'s ``AttributeError`` says why once ``_base`` decorates it with
``_checks.available_if``. They are strict expected failures: the day they
pass, the marker must go.
"""

import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skmlp import ScratchLogisticNet, ScratchMLPClassifier
from skmlp._checks import available_if, naming

# argument -> the kinds of badness drawn for it
BAD = {
    "X": ["nan", "inf"],
    "y": ["nan", "inf", "one class", "2-d wide"],
    "sample_weight": ["rows", "2-d", "nan", "inf", "negative", "all zero"],
    "X_val": ["nan", "inf", "1-d", "columns", "rows"],
    "y_val": ["nan", "inf", "unknown class", "rows"],
    "sample_weight_val": ["rows", "2-d", "nan", "inf", "negative", "all zero"],
    "classes": ["missing a label of y", "one class", "none on the first call"],
}
# the arguments that partial_fit takes as well as fit
PARTIAL_FIT = {"X", "y", "sample_weight", "classes"}
CASES = [(argument, bad) for argument, kinds in BAD.items() for bad in kinds]


def _names(message, argument):
    """Whether ``message`` has ``argument`` as a word: X_val is not X."""
    if argument == "classes":
        return re.search(r"(?<![\w])classes=", message)
    word = rf"(?<![A-Za-z0-9_]){re.escape(argument)}(?![A-Za-z0-9_])"
    return re.search(word, message)


@st.composite
def bad_calls(draw, cases=CASES):
    """(estimator, method, kwargs, argument, bad): one bad argument of one call."""
    argument, bad = draw(st.sampled_from(cases))
    Est = draw(st.sampled_from([ScratchMLPClassifier, ScratchLogisticNet]))
    method = "partial_fit" if argument == "classes" else "fit"
    # (one class in y is fine for partial_fit, given every class in classes)
    if argument in PARTIAL_FIT and bad != "one class" and draw(st.booleans()):
        method = "partial_fit"
    n, p = draw(st.integers(12, 40)), draw(st.integers(2, 6))
    n_classes = draw(st.integers(2, 4))
    # (NaN among string labels of y is in PENDING)
    strings = draw(st.booleans()) and (argument, bad) != ("y", "nan")
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = rng.permutation(np.arange(n) % n_classes)
    labels = np.array(["ant", "bee", "cat", "dog"], dtype=object)
    if strings:
        y = labels[y]
    kwargs = {"X": X, "y": y}
    if method == "partial_fit":
        kwargs["classes"] = np.unique(y)
    if argument.endswith("_val"):
        kwargs.update(X_val=X[: n // 2].copy(), y_val=y[: n // 2].copy())
    if argument.startswith("sample_weight"):
        rows = n if argument == "sample_weight" else n // 2
        kwargs[argument] = rng.uniform(0.5, 2.0, rows)
    value = kwargs.get(argument)
    row = draw(st.integers(0, n // 2 - 1))  # a row every argument has
    sign = draw(st.sampled_from([-1, 1]))
    k = draw(st.integers(1, 3))  # rows or columns too many or too few
    if bad in ("nan", "inf"):
        bad_value = np.nan if bad == "nan" else sign * np.inf
        value = value.astype(float) if value.dtype != object else value.copy()
        value[(row, draw(st.integers(0, p - 1))) if value.ndim == 2 else row] = (
            bad_value
        )
    elif bad == "rows":
        value = value[:-k] if sign < 0 else np.concatenate([value, value[:k]])
    elif bad == "columns":
        value = value[:, :-1] if sign < 0 else np.hstack([value, value[:, :k]])
    elif bad == "1-d":
        value = value[:, 0]
    elif bad == "2-d":
        value = np.c_[value, value]
    elif bad == "2-d wide":  # a label matrix that is not a label indicator
        value = rng.integers(0, 3, (n, draw(st.integers(2, 3))))
        value[:3] = [[0], [1], [2]]
    elif bad == "negative":
        value[row] = -draw(st.floats(1e-6, 1e6))
    elif bad == "all zero":
        value = np.zeros_like(value)
    elif bad == "one class":
        value = np.full_like(value, value[0])
    elif bad == "unknown class":
        value[row] = "eel" if strings else n_classes + k
    elif bad == "missing a label of y":
        value = np.delete(value, draw(st.integers(0, len(value) - 1)))
    elif bad == "none on the first call":
        value = None
    kwargs[argument] = value
    if kwargs.get("X_val") is not None:
        params = {"solver": "adam"}  # a validation set needs a minibatch solver
    else:
        params = {"solver": "sgd"} if method == "partial_fit" else {}
    est = Est(hidden_layer_sizes=(3,), max_iter=2, random_state=0, **params)
    return est, method, kwargs, argument, bad


def _call(est, method, kwargs):
    with warnings.catch_warnings():
        # a fit that got through must fail the test, not warn about convergence
        warnings.simplefilter("ignore")
        getattr(est, method)(**kwargs)


@given(bad_calls())
def test_a_bad_value_names_its_argument(case):
    est, method, kwargs, argument, bad = case
    with pytest.raises(ValueError) as info:
        _call(est, method, kwargs)
    message = str(info.value)
    assert _names(message, argument), (
        f"{type(est).__name__}.{method} with a bad {argument} ({bad}) says: "
        f"{message!r}, which does not name {argument}"
    )
    # labels print as plain values, not as NumPy scalars or arrays
    assert "np." not in message and "array(" not in message, message


@pytest.mark.parametrize("Est", [ScratchMLPClassifier, ScratchLogisticNet])
def test_a_label_of_y_val_prints_as_a_plain_value(Est):
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    est = Est(solver="adam", max_iter=2)
    with pytest.raises(
        ValueError, match=re.escape("y_val has classes not in classes_ [0, 1]: [5].")
    ):
        est.fit(X, y, X_val=X, y_val=np.where(y == 1, 5, y))


def test_sample_weight_val_is_not_called_sample_weight():
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    with pytest.raises(ValueError, match=r"^Negative values in sample_weight_val"):
        ScratchMLPClassifier(max_iter=2).fit(
            X, y, X_val=X, y_val=y, sample_weight_val=np.r_[-1.0, np.ones(19)]
        )


# -- the helpers ---------------------------------------------------------------


def test_naming_prefixes_only_a_message_that_does_not_name_the_argument():
    with pytest.raises(ValueError, match=r"^X_val: could not convert"):
        with naming("X_val"):
            raise ValueError("could not convert string to float: 'a'")
    with pytest.raises(TypeError, match=r"^X_val: "):
        with naming("X_val"):
            raise TypeError("X has the wrong type")  # "X" is not "X_val"
    with pytest.raises(ValueError, match=r"^Input X_val contains NaN\.$"):
        with naming("X_val"):
            raise ValueError("Input X_val contains NaN.")


class _Toy:
    def __init__(self, solver):
        self.solver = solver

    def _minibatch(self):
        if self.solver == "lbfgs":
            raise AttributeError("only the minibatch solvers 'sgd', 'adam'")
        return True

    @available_if(_minibatch)
    def partial_fit(self):
        """Docstring kept."""
        return "trained"


def test_available_if_keeps_the_reason_in_the_message():
    with pytest.raises(
        AttributeError,
        match=r"^This '_Toy' has no attribute 'partial_fit': only the minibatch "
        r"solvers 'sgd', 'adam'$",
    ):
        _Toy("lbfgs").partial_fit  # noqa: B018 -- the access raises
    assert not hasattr(_Toy("lbfgs"), "partial_fit")
    assert _Toy("sgd").partial_fit() == "trained"
    # on the class: the function with its docstring, checked when called
    assert _Toy.partial_fit.__doc__ == "Docstring kept."
    assert _Toy.partial_fit(_Toy("sgd")) == "trained"
    with pytest.raises(AttributeError, match="minibatch"):
        _Toy.partial_fit(_Toy("lbfgs"))


# -- waiting for _base ---------------------------------------------------------

PENDING = [
    ("X", "1-d"),
    ("X", "3-d"),
    ("X", "rows"),
    ("y", "rows"),
    ("y", "nan in string labels"),
]


@pytest.mark.parametrize("argument, bad", PENDING)
@pytest.mark.parametrize("Est", [ScratchMLPClassifier, ScratchLogisticNet])
def test_a_bad_training_array_names_its_argument(Est, argument, bad):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = np.array(["ant", "bee"] * 10, dtype=object)
    if bad == "1-d":
        X = X[:, 0]
    elif bad == "3-d":
        X = X[:, :, np.newaxis]
    elif bad == "rows":
        X, y = (X[:-2], y) if argument == "X" else (X, y[:-2])
    else:
        y[3] = np.nan
    with pytest.raises(ValueError) as info:
        _call(Est(max_iter=2), "fit", {"X": X, "y": y})
    assert _names(str(info.value), argument), str(info.value)


@pytest.mark.parametrize("Est", [ScratchMLPClassifier, ScratchLogisticNet])
def test_partial_fit_of_lbfgs_says_which_solvers_have_it(Est):
    with pytest.raises(AttributeError, match=r"'sgd', 'adam', 'adagrad', 'rmsprop'"):
        Est(solver="lbfgs").partial_fit  # noqa: B018 -- the access raises
