"""ONNX export: onnxruntime's outputs against predict_proba, predict and
decision_function, for every head, architecture and dtype, and skl2onnx's
options (ZipMap, nocl, raw scores) through our registration."""

import copy
import warnings

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
skl2onnx = pytest.importorskip("skl2onnx")

import scipy.sparse as sp  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import skmlp.onnx  # noqa: E402
from skmlp import ScratchLogisticNet, ScratchMLPClassifier  # noqa: E402

ESTIMATORS = {"mlp": ScratchMLPClassifier, "logistic_net": ScratchLogisticNet}
TARGETS = ["binary", "multiclass", "strings", "multilabel2", "multilabel3"]
# without a hidden layer the activation is never used: one of them is enough
ARCHITECTURES = [((), "relu")] + [
    (depth, activation)
    for depth in [(3,), (3, 3)]
    for activation in ["identity", "logistic", "tanh", "relu"]
]
DTYPES = {"float32": np.float32, "float64": np.float64}
# onnxruntime against NumPy, when the graph computes in float32 / float64
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
NO_ZIPMAP = {"zipmap": False}


def make_data(target, n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    band = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.4, 0.4])  # three classes
    y = {
        "binary": (X[:, 0] > 0).astype(int),
        "multiclass": band,
        "strings": np.array(["ant", "bee", "cat"])[band],
        "binary_strings": np.array(["no", "yes"])[(X[:, 0] > 0).astype(int)],
        "multilabel2": (X[:, :2] > 0).astype(int),
        "multilabel3": (X > 0).astype(int),
    }[target]
    return X, y


def fit(Est, target, hidden_layer_sizes=(3,), activation="relu", dtype=np.float64):
    X, y = make_data(target)
    model = Est(
        hidden_layer_sizes=hidden_layer_sizes,
        activation=activation,
        max_iter=3,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X.astype(dtype), y)


@pytest.fixture(scope="module")
def fitted():
    """fitted(est, target, depth, activation, dtype): each model fitted once."""
    cache = {}

    def get(est, target, depth, activation, dtype):
        key = (est, target, depth, activation, dtype)
        if key not in cache:
            cache[key] = fit(ESTIMATORS[est], target, depth, activation, dtype)
        return cache[key]

    return get


def session(onx):
    options = ort.SessionOptions()
    options.log_severity_level = 3  # no onnxruntime warnings on stderr
    options.intra_op_num_threads = 1  # tiny inputs: a thread pool only costs
    if not isinstance(onx, str):
        onx = onx.SerializeToString()
    return ort.InferenceSession(onx, options, providers=["CPUExecutionProvider"])


def run(onx, X):
    sess = session(onx)
    return sess.run(None, {sess.get_inputs()[0].name: X})


def compute_dtype(model, X):
    # NumPy's promotion in predict_proba: float32 only if both are float32
    both32 = model.coefs_[0].dtype == np.float32 and X.dtype == np.float32
    return np.float32 if both32 else np.float64


def assert_same_predictions(model, onx, X):
    label, proba = run(onx, X)
    expected = model.predict_proba(X)
    assert proba.dtype == expected.dtype
    assert proba.shape == expected.shape
    np.testing.assert_allclose(
        proba, expected, rtol=0, atol=TOLERANCE[compute_dtype(model, X)]
    )
    np.testing.assert_array_equal(label, model.predict(X))
    return np.max(np.abs(proba - expected))


# -- every head, architecture and dtype ----------------------------------------


@pytest.mark.parametrize("x_dtype", DTYPES)
@pytest.mark.parametrize("model_dtype", DTYPES)
@pytest.mark.parametrize(
    "depth, activation", ARCHITECTURES, ids=[f"{d}-{a}" for d, a in ARCHITECTURES]
)
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("est", ESTIMATORS)
def test_onnx_matches_predict_proba_and_predict(
    fitted, est, target, depth, activation, model_dtype, x_dtype
):
    model = fitted(est, target, depth, activation, DTYPES[model_dtype])
    X = make_data(target, n=50, seed=1)[0].astype(DTYPES[x_dtype])
    onx = skmlp.onnx.to_onnx(model, X[:1], options=NO_ZIPMAP)
    assert_same_predictions(model, onx, X)


@pytest.mark.parametrize("est", ESTIMATORS)
def test_binary_string_labels(est):
    model = fit(ESTIMATORS[est], "binary_strings")
    X = make_data("binary_strings", n=50, seed=1)[0]
    label = run(skmlp.onnx.to_onnx(model, X[:1], options=NO_ZIPMAP), X)[0]
    assert set(label) == {"no", "yes"}  # both labels occur, so both are mapped
    np.testing.assert_array_equal(label, model.predict(X))


def test_integer_input_is_cast_as_predict_proba_casts_it():
    model = fit(ScratchMLPClassifier, "multiclass", dtype=np.float32)
    X = np.arange(-30, 30).reshape(20, 3) // 7
    onx = skmlp.onnx.to_onnx(model, X[:1], options=NO_ZIPMAP)
    assert model.predict_proba(X).dtype == np.float64  # validate_data's float64
    assert_same_predictions(model, onx, X)


# -- extremes --------------------------------------------------------------------


def saturate(model, scale):
    """A copy whose logits are ``scale`` times larger (no hidden layer) or more."""
    model = copy.deepcopy(model)
    model.coefs_ = [W * W.dtype.type(scale) for W in model.coefs_]
    model.intercepts_ = [b * b.dtype.type(scale) for b in model.intercepts_]
    return model


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel3"])
@pytest.mark.parametrize("est", ESTIMATORS)
def test_saturated_logits_give_no_nan_and_stay_inside_0_1(fitted, est, target, dtype):
    model = saturate(fitted(est, target, (), "relu", DTYPES[dtype]), 1e3)
    X = make_data(target, n=50, seed=1)[0].astype(DTYPES[dtype])
    onx = skmlp.onnx.to_onnx(model, X[:1], options=NO_ZIPMAP)
    proba = run(onx, X)[1]
    info = np.finfo(DTYPES[dtype])
    assert np.all((proba >= info.tiny) & (proba <= 1 - info.eps))
    # the logits do saturate: some probabilities sit on the clip bounds
    assert np.any(proba == info.tiny) and np.any(proba == 1 - info.eps)
    assert_same_predictions(model, onx, X)


@pytest.mark.parametrize("dtype", DTYPES)
def test_normalised_one_vs_rest_with_every_logit_far_below_zero(fitted, dtype):
    # sigmoid(-40) is 4e-18: normalising the sigmoids directly gives 0 / 0 in
    # float32; the softmax of the log-sigmoids gives the right, finite rows
    model = copy.deepcopy(fitted("logistic_net", "multiclass", (), "relu", dtype))
    model.intercepts_ = [b - b.dtype.type(40) for b in model.intercepts_]
    X = make_data("multiclass", n=50, seed=1)[0].astype(DTYPES[dtype])
    assert np.all(model.decision_function(X) < -18)
    onx = skmlp.onnx.to_onnx(model, X[:1], options=NO_ZIPMAP)
    proba = run(onx, X)[1]
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-6)
    assert_same_predictions(model, onx, X)


def test_model_trained_with_dropout():
    X, y = make_data("multiclass")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ScratchMLPClassifier(
            hidden_layer_sizes=(8, 8), dropout=0.5, max_iter=20, random_state=0
        ).fit(X, y)
    onx = skmlp.onnx.to_onnx(model, X[:1], options=NO_ZIPMAP)
    ops = {node.op_type for node in onx.graph.node}
    assert not ops & {"Dropout", "RandomUniform", "RandomUniformLike"}
    assert_same_predictions(model, onx, make_data("multiclass", n=50, seed=1)[0])


# -- pipelines, registration and skl2onnx's options ------------------------------


def fitted_pipeline(est, target="strings"):
    X, y = make_data(target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make_pipeline(
            StandardScaler(), ESTIMATORS[est](hidden_layer_sizes=(4,), max_iter=5)
        ).fit(X.astype(np.float32), y)


@pytest.mark.parametrize("est", ESTIMATORS)
def test_pipeline_with_zipmap_through_a_saved_file(est, tmp_path):
    pipe = fitted_pipeline(est)
    X = make_data("strings", n=40, seed=1)[0].astype(np.float32)
    path = tmp_path / "pipeline.onnx"
    onnx.save(skmlp.onnx.to_onnx(pipe, X[:1]), path)
    label, proba = run(str(path), X)
    np.testing.assert_array_equal(label, pipe.predict(X))
    expected = pipe.predict_proba(X)
    assert isinstance(proba, list) and len(proba) == len(X)
    for row, expected_row in zip(proba, expected):
        assert list(row) == list(pipe.classes_)
        np.testing.assert_allclose(list(row.values()), expected_row, atol=1e-5)


def test_skl2onnx_own_to_onnx_converts_a_pipeline_after_import():
    pipe = fitted_pipeline("logistic_net", "multiclass")
    X = make_data("multiclass", n=40, seed=1)[0].astype(np.float32)
    onx = skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False})
    label, proba = run(onx, X)
    np.testing.assert_array_equal(label, pipe.predict(X))
    np.testing.assert_allclose(proba, pipe.predict_proba(X), rtol=0, atol=1e-5)


def test_registration_is_idempotent():
    from skl2onnx._supported_operators import sklearn_operator_name_map

    skmlp.onnx.register()
    skmlp.onnx.register()
    for Est, alias in skmlp.onnx.ESTIMATORS.items():
        assert sklearn_operator_name_map[Est] == alias
    model = fit(ScratchMLPClassifier, "binary")
    X = make_data("binary", n=20, seed=1)[0]
    onx = skl2onnx.convert_sklearn(
        model,
        initial_types=[("X", skl2onnx.common.data_types.DoubleTensorType([None, 3]))],
        options={id(model): {"zipmap": False}},
    )
    assert_same_predictions(model, onx, X)


@pytest.mark.parametrize("target", ["binary", "strings"])
def test_nocl_gives_class_indices(target):
    model = fit(ScratchMLPClassifier, target, dtype=np.float32)
    X = make_data(target, n=40, seed=1)[0].astype(np.float32)
    onx = skmlp.onnx.to_onnx(model, X[:1], options={"zipmap": False, "nocl": True})
    label, proba = run(onx, X)
    assert label.dtype == np.int64
    index = np.searchsorted(model.classes_, model.predict(X))
    np.testing.assert_array_equal(label, index)
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("est", ESTIMATORS)
def test_raw_scores_are_the_logits(fitted, est, target):
    model = fitted(est, target, (3,), "tanh", np.float64)
    X = make_data(target, n=40, seed=1)[0]
    options = {"zipmap": False, "raw_scores": True}
    label, scores = run(skmlp.onnx.to_onnx(model, X[:1], options=options), X)
    Z = model.decision_function(X)
    if Z.ndim == 1:  # one unit: skl2onnx's two columns, [-z, z]
        Z = np.column_stack([-Z, Z])
    np.testing.assert_allclose(scores, Z, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(label, model.predict(X))


@pytest.mark.parametrize("target", ["binary", "strings"])
def test_zipmap_columns(fitted, target):
    model = fitted("logistic_net", target, (3,), "relu", np.float32)
    X = make_data(target, n=40, seed=1)[0].astype(np.float32)
    onx = skmlp.onnx.to_onnx(model, X[:1], options={"zipmap": "columns"})
    sess = session(onx)
    outputs = [o.name for o in sess.get_outputs()]
    prefix = "i" if model.classes_.dtype.kind in "iu" else "s"
    assert outputs == ["output_label"] + [f"{prefix}{c}" for c in model.classes_]
    label, *columns = sess.run(None, {"X": X})
    np.testing.assert_array_equal(label, model.predict(X))
    proba = np.column_stack(columns)
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize("target", ["strings", "multilabel3"])
def test_output_class_labels(fitted, target):
    model = fitted("mlp", target, (3,), "relu", np.float32)
    X = make_data(target, n=40, seed=1)[0].astype(np.float32)
    options = {"zipmap": False, "output_class_labels": True}
    label, proba, classes = run(skmlp.onnx.to_onnx(model, X[:1], options=options), X)
    np.testing.assert_array_equal(classes, model.classes_)
    np.testing.assert_array_equal(label, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-5)


# -- errors ----------------------------------------------------------------------


def test_sparse_sample_is_a_clear_error(fitted):
    model = fitted("mlp", "binary", (3,), "relu", np.float64)
    X = sp.csr_matrix(make_data("binary")[0])
    with pytest.raises(TypeError, match="ONNX inputs are dense"):
        skmlp.onnx.to_onnx(model, X)


def test_zipmap_on_float64_probabilities_is_a_clear_error(fitted):
    # ONNX's ZipMap has a float32 kernel only
    model = fitted("mlp", "multiclass", (3,), "relu", np.float64)
    X = make_data("multiclass")[0]
    with pytest.raises(ValueError, match="'zipmap': False"):
        skmlp.onnx.to_onnx(model, X[:1])
