"""Export to ONNX through skl2onnx (needs the ``onnx`` extra).

``import skmlp.onnx`` registers a parser, a shape calculator and a converter
for both classifiers with skl2onnx (and ScratchMLPRegressor's, from
``_onnx_regression``), so that skl2onnx's own ``to_onnx`` and
``convert_sklearn`` convert them, alone or inside a ``Pipeline``.
:func:`to_onnx` is the same call with a check of the sample first.

The graph is the plain forward pass (dropout is a training-time layer and
adds nothing), then the head of ``predict_proba``:

- softmax head:            P = softmax(Z)
- binary (one unit):       P = softmax([0, z]) = [sigmoid(-z), sigmoid(z)]
- multilabel:              P = exp(log_sigmoid(Z))
- one-vs-rest, normalised: P = softmax(log_sigmoid(Z))

with ``log_sigmoid(z) = min(z, 0) - log(1 + exp(-|z|))``, which never
overflows, and P clipped into [tiny, 1 - eps] of the computation's dtype as
``predict_proba`` clips it. Labels follow ``predict``: the argmax of the
logits (the sign of z for one unit, of each z for multilabel) looked up in
``classes_``.
"""

import numpy as np
import scipy.sparse as sp

try:
    from onnx import TensorProto, helper, numpy_helper
    from skl2onnx import to_onnx as _skl2onnx_to_onnx
    from skl2onnx import update_registered_converter
    from skl2onnx._parse import _parse_sklearn_classifier
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.common.utils_classifier import get_label_classes
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skmlp.onnx needs skl2onnx and onnx (and onnxruntime to run the result): "
        'install the extra with pip install "skmlp[onnx]".'
    ) from exc

from ._logistic import ScratchLogisticNet
from ._mlp import ScratchMLPClassifier

__all__ = ["register", "to_onnx"]

ESTIMATORS = {
    ScratchMLPClassifier: "SkmlpScratchMLPClassifier",
    ScratchLogisticNet: "SkmlpScratchLogisticNet",
}
OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [True, False],
    "output_class_labels": [False, True],
    "raw_scores": [True, False],
}
ACTIVATIONS = {"identity": None, "logistic": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}
MIN_OPSET = 11  # Clip with min and max as inputs (any float dtype)


def to_onnx(model, X_sample, **kwargs):
    """Convert a fitted estimator, or a Pipeline ending in one, to ONNX.

    Parameters
    ----------
    model : ScratchMLPClassifier, ScratchLogisticNet or Pipeline
        A fitted estimator, or a fitted Pipeline whose steps skl2onnx can
        convert (ours are registered when this module is imported).
    X_sample : ndarray of shape (n_samples, n_features)
        A dense sample of the input: its dtype (float32 or float64) and
        number of columns set the ONNX input. Rows beyond the first are not
        read.
    **kwargs
        Passed unchanged to :func:`skl2onnx.to_onnx`, e.g.
        ``options={"zipmap": False}`` or ``target_opset=17``.

    Returns
    -------
    onx : onnx.ModelProto
        The model. Its outputs are skl2onnx's: ``label`` and
        ``probabilities`` (a ZipMap'ed ``output_probability`` unless
        ``options={"zipmap": False}``).
    """
    if sp.issparse(X_sample):
        raise TypeError(
            "X_sample must be a dense array: ONNX inputs are dense tensors; got a "
            f"sparse {type(X_sample).__name__}. Pass X_sample[:1].toarray()."
        )
    register()
    return _skl2onnx_to_onnx(model, X_sample, **kwargs)


def register():
    """Register our estimators with skl2onnx; calling it again changes nothing."""
    from . import _onnx_regression  # ScratchMLPRegressor: its own module

    _onnx_regression.register()
    for cls, alias in ESTIMATORS.items():
        update_registered_converter(
            cls,
            alias,
            _shape_calculator,
            _converter,
            overwrite=True,
            parser=_parser,
            options=OPTIONS,
        )


# -- parser and shape calculator ----------------------------------------------


def _compute_dtype(model, input_type):
    # predict_proba: validate_data keeps float32 and float64 input as it is and
    # turns anything else into float64; X @ W then promotes to float64 unless
    # both the input and the weights are float32.
    if isinstance(input_type, FloatTensorType) and model.coefs_[0].dtype == np.float32:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _parser(scope, model, inputs, custom_parsers=None):
    options = scope.get_options(model, dict(zipmap=True))
    if options["zipmap"] is True and _compute_dtype(model, inputs[0].type) == (
        np.float64
    ):
        raise ValueError(
            f"{type(model).__name__} computes in float64 here (a float64 model or "
            "input), and ONNX's ZipMap takes float32 probabilities only: pass "
            "options={'zipmap': False} (or 'columns') to keep float64 outputs."
        )
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers)


def _label_classes(scope, model):
    """classes_ as ONNX sees them: int64 or bytes (indices with option nocl)."""
    classes = np.asarray(get_label_classes(scope, model))
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f":
        if not np.array_equal(classes, np.round(classes)):
            raise ValueError(
                "ONNX labels are integers or strings; classes_ holds non-integer "
                f"floats {classes.tolist()}. Fit on integer or string labels."
            )
        return classes.astype(np.int64)
    return np.array([str(c).encode("utf-8") for c in classes], dtype=object)


def _shape_calculator(operator):
    model, input_type, N = _checked_input(operator, ("label", "probabilities"))
    n_classes = len(model.classes_)
    if model._kind == "multilabel":
        label_type = Int64TensorType([N, n_classes])
    elif _label_classes(operator.scope_inst, model).dtype == np.int64:
        label_type = Int64TensorType([N])
    else:
        label_type = StringTensorType([N])
    operator.outputs[0].type = label_type
    if _compute_dtype(model, input_type) == np.float32:
        operator.outputs[1].type = FloatTensorType([N, n_classes])
    else:
        operator.outputs[1].type = DoubleTensorType([N, n_classes])


def _checked_input(operator, outputs):
    """(model, input type, N) of an operator with one 2-d input of the fitted
    number of features, and the outputs named in ``outputs``."""
    model = operator.raw_operator
    if len(operator.inputs) != 1 or len(operator.outputs) != len(outputs):
        given = {1: "one output", 2: "two outputs"}[len(outputs)]
        raise RuntimeError(
            f"{type(model).__name__} takes one input and gives {given} "
            f"({', '.join(outputs)}); got {len(operator.inputs)} and "
            f"{len(operator.outputs)}."
        )
    input_type = operator.inputs[0].type
    if len(input_type.shape) != 2 or input_type.shape[1] not in (
        None,
        model.n_features_in_,
    ):
        raise ValueError(
            f"{type(model).__name__} was fitted on {model.n_features_in_} features; "
            f"the ONNX input has shape {input_type.shape}."
        )
    return model, input_type, operator.inputs[0].get_first_dimension()


# -- converter -----------------------------------------------------------------


class _Graph:
    """Adds nodes and constants to skl2onnx's container under unique names."""

    def __init__(self, scope, container, dtype):
        self.scope, self.container, self.dtype = scope, container, dtype
        self.proto = helper.np_dtype_to_tensor_dtype(dtype)

    def constant(self, name, value, dtype=None):
        array = np.asarray(value, dtype=dtype or self.dtype)
        unique = self.scope.get_unique_variable_name(name)
        if array.dtype == object:  # strings: numpy_helper would not give raw bytes
            self.container.add_initializer(
                unique, TensorProto.STRING, list(array.shape), array.tolist()
            )
        else:
            self.container.add_initializer(
                unique, None, None, numpy_helper.from_array(array, unique)
            )
        return unique

    def node(self, op_type, inputs, output=None, **attrs):
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            inputs,
            output,
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return output


def _converter(scope, operator, container):
    model = operator.raw_operator
    g, Z = _logits(scope, operator, container)
    options = container.get_options(model, dict(raw_scores=False))
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    _labels(g, model, Z, label, _label_classes(scope, model))
    if options["raw_scores"]:
        if _one_unit(model):
            g.node("Concat", [g.node("Neg", [Z]), Z], proba, axis=1)
        else:
            g.node("Identity", [Z], proba)
        return
    info = np.finfo(g.dtype)
    g.node(
        "Clip",
        [_probabilities(g, model, Z), g.constant("tiny", info.tiny)]
        + [g.constant("one_minus_eps", 1 - info.eps)],
        proba,
    )


def _logits(scope, operator, container):
    """(g, Z): the graph, in the dtype the model computes in, and the logits Z
    of the operator's input (cast first where it is of another type)."""
    model = operator.raw_operator
    if container.target_opset < MIN_OPSET:
        raise RuntimeError(
            f"{type(model).__name__} converts for target_opset >= {MIN_OPSET}; got "
            f"{container.target_opset}."
        )
    input_type = operator.inputs[0].type
    g = _Graph(scope, container, _compute_dtype(model, input_type))
    A = operator.inputs[0].full_name
    if not isinstance(input_type, (FloatTensorType, DoubleTensorType)) or (
        isinstance(input_type, FloatTensorType) != (g.dtype == np.float32)
    ):
        A = g.node("Cast", [A], to=g.proto)
    return g, _forward(g, model, A)


def _one_unit(model):
    return model._kind != "multilabel" and model.coefs_[-1].shape[1] == 1


def _forward(g, model, A):
    """Z = the logits: MatMul + Add per layer, the activation between layers."""
    last = len(model.coefs_) - 1
    for l, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        # float32 weights widen to float64 exactly, as NumPy's promotion does
        Z = g.node("MatMul", [A, g.constant(f"coef{l}", W)])
        Z = g.node("Add", [Z, g.constant(f"intercept{l}", b)])
        if l < last and ACTIVATIONS[model.activation] is not None:
            Z = g.node(ACTIVATIONS[model.activation], [Z])
        A = Z
    return A


def _log_sigmoid(g, Z):
    """min(z, 0) - log(1 + exp(-|z|)): no overflow, no log(0), for any z."""
    zero, one = g.constant("zero", 0), g.constant("one", 1)
    decay = g.node("Exp", [g.node("Neg", [g.node("Abs", [Z])])])
    softplus = g.node("Log", [g.node("Add", [decay, one])])
    return g.node("Sub", [g.node("Min", [Z, zero]), softplus])


def _probabilities(g, model, Z):
    """The head of predict_proba, before the clip."""
    if model.out_activation_ == "softmax":
        return g.node("Softmax", [Z], axis=1)
    if model._kind == "multilabel":
        return g.node("Exp", [_log_sigmoid(g, Z)])
    if _one_unit(model):
        # softmax([0, z]) is [sigmoid(-z), sigmoid(z)] with both small ends exact
        zeros = g.node(
            "ConstantOfShape",
            [g.node("Shape", [Z])],
            value=numpy_helper.from_array(np.zeros(1, dtype=g.dtype)),
        )
        return g.node("Softmax", [g.node("Concat", [zeros, Z], axis=1)], axis=1)
    if model._normalise_ovr:
        # normalising sigmoids directly divides 0 by 0 in float32 once every
        # logit of a row is below about -18; softmax of log-sigmoids never does
        return g.node("Softmax", [_log_sigmoid(g, Z)], axis=1)
    return g.node("Exp", [_log_sigmoid(g, Z)])


def _labels(g, model, Z, label, classes):
    """predict's rule on the logits, with operators that take float64."""
    if model._kind == "multilabel":
        positive = g.node("Greater", [Z, g.constant("zero", 0)])
        g.node("Cast", [positive], label, to=TensorProto.INT64)
        return
    if _one_unit(model):
        positive = g.node("Greater", [Z, g.constant("zero", 0)])
        positive = g.node("Cast", [positive], to=TensorProto.INT64)
        index = g.node("Reshape", [positive, g.constant("flat", [-1], dtype=np.int64)])
    else:
        # the first maximum on ties, as numpy.argmax
        index = g.node("ArgMax", [Z], axis=1, keepdims=0)
    g.node(
        "Gather",
        [g.constant("classes", classes, dtype=classes.dtype), index],
        label,
        axis=0,
    )


register()
