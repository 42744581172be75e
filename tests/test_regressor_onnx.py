"""ONNX export of ScratchMLPRegressor: onnxruntime's output against predict,
single and multi-output, float32 and float64, identity and exp outputs, every
hidden activation, alone and at the end of a Pipeline converted by skl2onnx's
own ``to_onnx``."""

import warnings

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
skl2onnx = pytest.importorskip("skl2onnx")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import skmlp.onnx  # noqa: E402
from skmlp import ScratchMLPRegressor  # noqa: E402

# onnxruntime against NumPy, when the graph computes in float32 / float64
# (relative to the predictions: the Poisson output is exp(z))
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
ARCHITECTURES = [((), "relu")] + [
    (depth, activation)
    for depth in [(4,), (4, 3)]
    for activation in ["identity", "logistic", "tanh", "relu"]
]


def _data(loss, n_outputs, n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Z = X @ rng.normal(size=(3, n_outputs)) * 0.5
    y = rng.poisson(np.exp(Z)).astype(float) if loss == "poisson" else Z
    return X, (y[:, 0] if n_outputs == 1 else y)


def _fit(loss, n_outputs, dtype, hidden=(4,), activation="relu"):
    X, y = _data(loss, n_outputs)
    model = ScratchMLPRegressor(
        loss=loss, hidden_layer_sizes=hidden, activation=activation,
        learning_rate_init=0.01, max_iter=20, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X.astype(dtype), y)
    return model, X.astype(dtype)


def _run(onx, X):
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    sess = ort.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return sess.run(None, {sess.get_inputs()[0].name: X})


def _assert_close(out, expected, dtype):
    tol = TOLERANCE[dtype]
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol * scale)


@pytest.mark.parametrize("hidden,activation", ARCHITECTURES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("n_outputs", [1, 3], ids=["single", "multi"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_onnxruntime_equals_predict(loss, n_outputs, dtype, hidden, activation):
    model, X = _fit(loss, n_outputs, dtype, hidden, activation)
    onx = skmlp.onnx.to_onnx(model, X[:1])
    (out,) = _run(onx, X)
    assert out.dtype == dtype
    assert out.shape == (len(X), n_outputs)
    expected = model.predict(X)
    assert expected.shape == ((len(X),) if n_outputs == 1 else (len(X), n_outputs))
    _assert_close(out.reshape(expected.shape), expected, dtype)
    if loss == "poisson":
        assert np.all(out > 0)


def test_float64_input_to_a_float32_model_computes_in_float64():
    """As predict does: NumPy promotes float32 weights with float64 input."""
    model, X = _fit("squared_error", 2, np.float32)
    X64 = X.astype(np.float64)
    (out,) = _run(skmlp.onnx.to_onnx(model, X64[:1]), X64)
    assert out.dtype == np.float64 == model.predict(X64).dtype
    _assert_close(out, model.predict(X64), np.float64)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_pipeline_through_skl2onnx_to_onnx(loss):
    X, y = _data(loss, 2)
    pipe = make_pipeline(
        StandardScaler(),
        ScratchMLPRegressor(loss=loss, hidden_layer_sizes=(5,), max_iter=20,
                            learning_rate_init=0.01, random_state=0),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)
    onx = skl2onnx.to_onnx(pipe, X[:1])  # skl2onnx's own, with ours registered
    (out,) = _run(onx, X)
    _assert_close(out, pipe.predict(X), np.float64)


def test_wrong_number_of_features_is_refused():
    model, X = _fit("squared_error", 1, np.float64)
    with pytest.raises(ValueError, match="fitted on 3 features"):
        skmlp.onnx.to_onnx(model, np.zeros((1, 5)))
