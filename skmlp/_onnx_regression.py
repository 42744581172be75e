"""ONNX export of ScratchMLPRegressor, registered by ``skmlp.onnx.register``.

The graph is the forward pass of ``skmlp.onnx`` (dropout adds nothing) and
the output activation of ``predict``: nothing for ``'identity'``, ``Exp`` for
``'exp'`` (the Poisson loss). Its one output, skl2onnx's ``variable``, has
shape (N, n_outputs) -- (N, 1) for a model fitted on a 1-d y, where
``predict`` returns (N,) -- in the dtype ``predict`` computes in.
"""

from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

from ._regressor import ScratchMLPRegressor

ALIAS = "SkmlpScratchMLPRegressor"


def register():
    """Register ScratchMLPRegressor with skl2onnx (skl2onnx's default parser
    declares a regressor's one output)."""
    update_registered_converter(
        ScratchMLPRegressor, ALIAS, _shape_calculator, _converter, overwrite=True
    )


def _shape_calculator(operator):
    from .onnx import _compute_dtype

    model = operator.raw_operator
    if len(operator.inputs) != 1 or len(operator.outputs) != 1:
        raise RuntimeError(
            f"{type(model).__name__} takes one input and gives one output "
            f"(variable); got {len(operator.inputs)} and {len(operator.outputs)}."
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
    N = operator.inputs[0].get_first_dimension()
    shape = [N, model.n_outputs_]
    if _compute_dtype(model, input_type) == "float32":
        operator.outputs[0].type = FloatTensorType(shape)
    else:
        operator.outputs[0].type = DoubleTensorType(shape)


def _converter(scope, operator, container):
    from .onnx import MIN_OPSET, _compute_dtype, _forward, _Graph

    model = operator.raw_operator
    if container.target_opset < MIN_OPSET:
        raise RuntimeError(
            f"{type(model).__name__} converts for target_opset >= {MIN_OPSET}; got "
            f"{container.target_opset}."
        )
    input_type = operator.inputs[0].type
    dtype = _compute_dtype(model, input_type)
    g = _Graph(scope, container, dtype)
    A = operator.inputs[0].full_name
    if not isinstance(input_type, (FloatTensorType, DoubleTensorType)) or (
        isinstance(input_type, FloatTensorType) != (dtype == "float32")
    ):
        A = g.node("Cast", [A], to=g.proto)
    Z = _forward(g, model, A)
    output = operator.outputs[0].full_name
    if model.out_activation_ == "exp":
        g.node("Exp", [Z], output)
    else:
        g.node("Identity", [Z], output)
