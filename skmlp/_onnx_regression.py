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
    from .onnx import _checked_input, _compute_dtype

    model, input_type, N = _checked_input(operator, ("variable",))
    shape = [N, model.n_outputs_]
    if _compute_dtype(model, input_type) == "float32":
        operator.outputs[0].type = FloatTensorType(shape)
    else:
        operator.outputs[0].type = DoubleTensorType(shape)


def _converter(scope, operator, container):
    from .onnx import _logits

    g, Z = _logits(scope, operator, container)
    output = operator.outputs[0].full_name
    if operator.raw_operator.out_activation_ == "exp":
        g.node("Exp", [Z], output)
    else:
        g.node("Identity", [Z], output)
