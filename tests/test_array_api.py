"""Training and prediction in the input's array namespace and device (array API).

With ``sklearn.config_context(array_api_dispatch=True)`` the estimators train
on array-api-strict arrays and PyTorch tensors where they live. The initial
weights and the shuffles are drawn on the host from the RandomState, so:

- array-api-strict computes what NumPy computes, bit for bit, on its default
  device and on its second one ("device1"), dropout included (its masks are
  drawn on the host);
- PyTorch in float64 on the CPU agrees with NumPy to rounding (1e-8 asked;
  ~1e-13 seen), except with dropout, whose masks come from a
  ``torch.Generator`` on the device: reproducible, but not NumPy's masks.

The rest: dtypes are kept; outputs come back in X's namespace and on its
device; a model fitted in one namespace refuses another (scikit-learn's
``check_same_namespace``); prediction in row chunks (``working_memory``)
gives the unchunked result and bounds the memory; NumPy input with dispatch
on is the NumPy path, bit for bit. The suite runs with ``SCIPY_ARRAY_API=1``
(without it, scikit-learn refuses to turn dispatch on).

On a machine with CUDA, the PyTorch tests also run on ``cuda``.
"""

import contextlib
import io
import pickle
import re
import textwrap
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _helpers import CONTINUE, SOLVERS, STOCHASTIC, classification, three_ways
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from skmlp import ScratchLogisticNet, ScratchMLPClassifier

torch = pytest.importorskip("torch")
xps = pytest.importorskip("array_api_strict")

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user_guide"
TORCH_DEVICES = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
# PyTorch float64 against NumPy: the same arithmetic, summed in another order
TORCH_ATOL = 1e-8
# the largest difference seen per namespace, printed at the end (pytest -s)
LARGEST = {}


@pytest.fixture(autouse=True)
def dispatch():
    """Array API dispatch on inside each test only; ConvergenceWarning silenced.

    A few epochs of training on small data never converge: that is not what
    these tests are about.
    """
    with sklearn.config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """PyTorch on one CPU thread for this module; the largest differences printed.

    These networks are tiny: PyTorch's second OpenMP thread only adds a
    barrier to every operation, and on a busy 2-core machine a fit then runs
    up to 100x slower (1.2 s instead of 0.014 s, measured).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    for name, value in sorted(LARGEST.items()):
        print(f"\nlargest difference from NumPy, {name}: {value:.3g}")


# -- moving arrays -------------------------------------------------------------


def to_namespace(name, a):
    """NumPy array ``a`` (None stays None) in namespace/device ``name``."""
    if a is None or name == "numpy":
        return a
    if name == "strict":
        return xps.asarray(a)
    if name == "strict-device1":
        return xps.asarray(a, device=xps.Device("device1"))
    if name.startswith("torch-"):
        return torch.asarray(a, device=name.removeprefix("torch-"))
    raise ValueError(name)


def host(a):
    """A NumPy copy of ``a``, wherever it lives."""
    if isinstance(a, np.ndarray):
        return a
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    # array-api-strict: through its CPU device (it refuses __array__ elsewhere)
    return np.from_dlpack(xps.asarray(a, device=xps.Device("CPU_DEVICE")))


def fitted_arrays(est, X):
    """Every fitted parameter and the three probability-like outputs, on the host."""
    return [
        *(host(W) for W in est.coefs_),
        *(host(b) for b in est.intercepts_),
        host(est.predict_proba(X)),
        host(est.decision_function(X)),
        host(est.predict_log_proba(X)),
    ]


def fit_in(name, Est, params, X, y, fit_params):
    """``Est(**params)`` fitted with X, y and the array fit parameters in ``name``."""
    moved = {k: to_namespace(name, v) for k, v in fit_params.items()}
    est = Est(**params).fit(to_namespace(name, X), to_namespace(name, y), **moved)
    return est, to_namespace(name, X)


def record(name, difference):
    LARGEST[name] = max(LARGEST.get(name, 0.0), difference)


# -- parity with NumPy ------------------------------------------------------------

SMALL = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, batch_size=40)


def _weights(n):
    return np.random.RandomState(42).uniform(0.2, 3.0, size=n)


def _case(Est=ScratchMLPClassifier, target="multiclass", fit_params=(), **params):
    return Est, {**SMALL, **params}, target, dict(fit_params)


CASES = {
    **{f"solver-{s}": _case(solver=s) for s in SOLVERS},
    **{
        f"activation-{a}": _case(activation=a)
        for a in ("identity", "logistic", "tanh", "relu")
    },
    "sgd-nesterov-invscaling": _case(solver="sgd", learning_rate="invscaling"),
    "sgd-adaptive": _case(solver="sgd", learning_rate="adaptive", momentum=0.0),
    "alpha": _case(alpha=0.1),
    "l1_ratio": _case(alpha=0.05, l1_ratio=0.5),
    "alpha-per-layer": _case(alpha=[1e-3, 0.2]),
    "lbfgs-elastic-net": _case(solver="lbfgs", alpha=0.05, l1_ratio=0.3),
    "decay": _case(solver="sgd", decay=0.1),
    "binary": _case(target="binary"),
    "multilabel": _case(target="multilabel"),
    "multilabel-lbfgs": _case(target="multilabel", solver="lbfgs"),
    "class_weight-dict": _case(class_weight={0: 1.0, 1: 3.0, 2: 0.5}),
    "class_weight-balanced": _case(class_weight="balanced"),
    "early_stopping": _case(early_stopping=True, max_iter=8),
    "X_val": _case(fit_params={"X_val": "val"}),
    "sample_weight": _case(fit_params={"sample_weight": "weights"}),
    "two-layers-float-rates": _case(hidden_layer_sizes=(8, 5), solver="rmsprop"),
    "logistic-net-lbfgs": _case(ScratchLogisticNet, hidden_layer_sizes=(), alpha=1.0),
    "logistic-net-lbfgs-binary": _case(
        ScratchLogisticNet, target="binary", hidden_layer_sizes=(), alpha=0.5
    ),
    "logistic-net-adam": _case(ScratchLogisticNet, solver="adam"),
    "logistic-net-multilabel": _case(ScratchLogisticNet, target="multilabel"),
    "logistic-net-sample_weight-balanced": _case(
        ScratchLogisticNet,
        class_weight="balanced",
        fit_params={"sample_weight": "weights"},
    ),
}


def _data(target):
    if target == "multilabel":
        X, Y = make_multilabel_classification(
            n_samples=120, n_features=6, n_classes=3, random_state=0
        )
        return (X - X.mean(axis=0)) / X.std(axis=0), Y
    return classification(n_classes=2 if target == "binary" else 3)


def _fit_params(spec, X, y):
    resolved = {}
    for key, what in spec.items():
        if what == "val":
            X_val, y_val = _data("multiclass")
            resolved.update(X_val=X_val[:40] + 0.1, y_val=y_val[:40])
        elif what == "weights":
            resolved[key] = _weights(len(y))
    return resolved


# what training records (validation_scores_: early stopping and X_val only)
CURVES = ("loss_", "loss_curve_", "validation_scores_", "validation_loss_curve_")


def recorded(est):
    """The names in CURVES that ``est`` has recorded (set and not None)."""
    return [name for name in CURVES if getattr(est, name, None) is not None]


def _namespace_results(case, name):
    Est, params, target, spec = CASES[case]
    X, y = _data(target)
    est, X_in = fit_in(name, Est, params, X, y, _fit_params(spec, X, y))
    return est, fitted_arrays(est, X_in)


# The logistic function is SciPy's expit on NumPy (MLPClassifier's, for bit
# parity with it) and 1 / (1 + exp(-z)) elsewhere: the two formulas differ in
# the last place on a few percent of values, whatever the SciPy release, and
# a fit carries that rounding along. Where a case uses the logistic function
# the comparison states its bound; elsewhere every operation is NumPy's own.
LOGISTIC_RTOL = 1e-9


def _uses_logistic(est):
    return est.activation == "logistic" or est.out_activation_ == "logistic"


@pytest.mark.parametrize("case", list(CASES))
def test_strict_equals_numpy(case):
    """array-api-strict (both its devices) computes NumPy's numbers: bit for bit
    where no logistic function is involved, to rounding where one is."""
    ref, ref_arrays = _namespace_results(case, "numpy")
    exact = not _uses_logistic(ref)
    for name in ("strict", "strict-device1"):
        est, arrays = _namespace_results(case, name)
        for ours, theirs in zip(arrays, ref_arrays, strict=True):
            assert ours.dtype == theirs.dtype
            if exact:
                assert_array_equal(ours, theirs)
            else:
                assert_allclose(ours, theirs, rtol=LOGISTIC_RTOL, atol=1e-12)
            record(name, float(np.abs(ours - theirs).max()))
        for curve in recorded(ref):
            if exact:
                assert_array_equal(getattr(est, curve), getattr(ref, curve))
            else:
                assert_allclose(getattr(est, curve), getattr(ref, curve), rtol=1e-10)
        assert est.n_iter_ == ref.n_iter_


@pytest.mark.parametrize("device", TORCH_DEVICES)
@pytest.mark.parametrize("case", list(CASES))
def test_torch_float64_equals_numpy(case, device):
    """PyTorch float64 follows NumPy's trajectory to rounding."""
    ref, ref_arrays = _namespace_results(case, "numpy")
    name = f"torch-{device}"
    est, arrays = _namespace_results(case, name)
    for ours, theirs in zip(arrays, ref_arrays, strict=True):
        assert ours.dtype == theirs.dtype
        assert_allclose(ours, theirs, atol=TORCH_ATOL, rtol=0)
        record(name, float(np.abs(ours - theirs).max()))
    for curve in recorded(ref):
        assert_allclose(getattr(est, curve), getattr(ref, curve), rtol=1e-10)
    assert est.n_iter_ == ref.n_iter_


def test_a_different_random_state_is_caught():
    """The parity tests have power: another random_state gives other weights."""
    X, y = classification()
    a = ScratchMLPClassifier(**SMALL).fit(X, y)
    b = ScratchMLPClassifier(**{**SMALL, "random_state": 1}).fit(
        xps.asarray(X), xps.asarray(y)
    )
    assert np.abs(host(b.coefs_[0]) - a.coefs_[0]).max() > 1e-3


# -- dtypes ------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("name", ["strict", "torch-cpu"])
def test_float32_stays_float32(Est, name, solver):
    X, y = classification()
    X32 = X.astype(np.float32)
    est = Est(**{**SMALL, "solver": solver}).fit(to_namespace(name, X32), y)
    xp_float32 = torch.float32 if name.startswith("torch") else xps.float32
    for W in [*est.coefs_, *est.intercepts_]:
        assert W.dtype == xp_float32
    Xn = to_namespace(name, X32)
    for method in ("predict_proba", "predict_log_proba", "decision_function"):
        assert getattr(est, method)(Xn).dtype == xp_float32
    # and it is NumPy's float32 model, to float32 rounding
    ref = Est(**{**SMALL, "solver": solver}).fit(X32, y)
    assert_allclose(host(est.predict_proba(Xn)), ref.predict_proba(X32), atol=1e-5)


# -- dropout -------------------------------------------------------------------------

DROPOUT = {**SMALL, "dropout": 0.3}


def test_strict_dropout_equals_numpy():
    """array-api-strict draws its dropout masks on the host: NumPy's masks."""
    X, y = classification()
    ref = ScratchMLPClassifier(**DROPOUT).fit(X, y)
    for name in ("strict", "strict-device1"):
        est = ScratchMLPClassifier(**DROPOUT).fit(to_namespace(name, X), y)
        for ours, theirs in zip(
            fitted_arrays(est, to_namespace(name, X)), fitted_arrays(ref, X)
        ):
            assert_array_equal(ours, theirs)


@pytest.mark.parametrize("device", TORCH_DEVICES)
def test_torch_dropout_is_reproducible(device):
    """PyTorch's masks come from a generator seeded by random_state."""
    X, y = classification()
    Xt = to_namespace(f"torch-{device}", X)
    a = ScratchMLPClassifier(**DROPOUT).fit(Xt, y)
    b = ScratchMLPClassifier(**DROPOUT).fit(Xt, y)
    for u, v in zip(fitted_arrays(a, Xt), fitted_arrays(b, Xt)):
        assert_array_equal(u, v)
    # the masks matter: a different random_state, or no dropout, trains another
    # model (the initial weights alone would differ for a different seed, so
    # compare against the same seed without dropout as well)
    c = ScratchMLPClassifier(**{**DROPOUT, "random_state": 1}).fit(Xt, y)
    d = ScratchMLPClassifier(**SMALL).fit(Xt, y)
    for other in (c, d):
        assert np.abs(host(other.coefs_[0]) - host(a.coefs_[0])).max() > 1e-4


@pytest.mark.parametrize("device", TORCH_DEVICES)
def test_torch_dropout_masks_follow_the_seed(device):
    """From the same weights and batches, two seeds draw other masks."""
    X, y = classification()
    Xt = to_namespace(f"torch-{device}", X)
    fits = []
    for seed in (0, 1, 0):
        est = ScratchMLPClassifier(**{**SMALL, "max_iter": 1, "shuffle": False})
        est.fit(Xt, y)  # the same initial weights and one epoch for every seed
        est.set_params(dropout=0.3, random_state=seed, warm_start=True, max_iter=3)
        fits.append(est.fit(Xt, y))
    assert np.abs(host(fits[0].coefs_[0]) - host(fits[1].coefs_[0])).max() > 1e-4
    assert_array_equal(host(fits[0].coefs_[0]), host(fits[2].coefs_[0]))


# -- ScratchLogisticNet == LogisticRegression, on PyTorch ------------------------


@pytest.mark.parametrize("C", [0.1, 10.0])
def test_logistic_net_equals_logistic_regression_on_torch(C):
    X, y = classification(n_samples=150, n_classes=2)
    Xt, yt = torch.asarray(X), torch.asarray(y)
    ours = ScratchLogisticNet(
        alpha=1.0 / C, tol=1e-10, max_iter=10_000, random_state=0
    ).fit(Xt, yt)
    theirs = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(Xt, yt)
    assert isinstance(ours.coef_, torch.Tensor)
    assert isinstance(theirs.coef_, torch.Tensor)
    assert_allclose(host(ours.coef_), host(theirs.coef_), atol=1e-4, rtol=0)
    assert_allclose(host(ours.intercept_), host(theirs.intercept_), atol=1e-4, rtol=0)
    assert_allclose(
        host(ours.predict_proba(Xt)), host(theirs.predict_proba(Xt)), atol=1e-4
    )


# -- where outputs and fitted attributes live --------------------------------------


def _same_place(a, X):
    """``a`` is an array of X's namespace on X's device."""
    if isinstance(X, torch.Tensor):
        return isinstance(a, torch.Tensor) and a.device == X.device
    return a.__array_namespace__() is xps and a.device == X.device


PLACES = ["strict", "strict-device1", *(f"torch-{d}" for d in TORCH_DEVICES)]


@pytest.mark.parametrize("target", ["multiclass", "binary", "multilabel"])
@pytest.mark.parametrize("name", PLACES)
def test_outputs_live_on_the_input_device(Est, name, target):
    X, y = _data(target)
    Xn, yn = to_namespace(name, X), to_namespace(name, y)
    est = Est(**SMALL).fit(Xn, yn)
    for W in [*est.coefs_, *est.intercepts_, est.classes_]:
        assert _same_place(W, Xn)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        out = getattr(est, method)(Xn)
        assert _same_place(out, Xn), method
    Z = est.decision_function(Xn)
    assert _same_place(Z, Xn)
    assert Z.shape == ((X.shape[0],) if target == "binary" else (X.shape[0], 3))
    score = est.score(Xn, yn)
    assert type(score) is float and 0.0 <= score <= 1.0
    # the labels are the NumPy model's labels
    ref = Est(**SMALL).fit(X, y)
    assert_array_equal(host(est.predict(Xn)), ref.predict(X))
    assert_array_equal(host(est.classes_), ref.classes_)


def test_string_labels_with_torch():
    """Labels that cannot live on the device stay NumPy; the numbers move.

    PyTorch has no string dtype: y must not be moved before its labels are
    looked at. scikit-learn's LogisticRegression fits the same data under
    dispatch, with a NumPy classes_.
    """
    X, y = classification()
    labels = np.array(["ant", "bee", "cat"])[y]
    Xt = torch.asarray(X)
    est = ScratchMLPClassifier(**SMALL).fit(Xt, labels)
    ref = ScratchMLPClassifier(**SMALL).fit(X, labels)
    assert isinstance(est.classes_, np.ndarray)
    assert_array_equal(est.predict(Xt), ref.predict(X))
    assert isinstance(est.predict_proba(Xt), torch.Tensor)


# -- persistence and continued training ---------------------------------------------


@pytest.mark.parametrize("device", TORCH_DEVICES)
def test_pickle_round_trip_on_torch(Est, device):
    X, y = classification()
    Xt = to_namespace(f"torch-{device}", X)
    est = Est(**SMALL).fit(Xt, y)
    loaded = pickle.loads(pickle.dumps(est))
    assert isinstance(loaded.coefs_[0], torch.Tensor)
    for ours, theirs in zip(fitted_arrays(loaded, Xt), fitted_arrays(est, Xt)):
        assert_array_equal(ours, theirs)
    assert_array_equal(host(loaded.predict(Xt)), host(est.predict(Xt)))


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_and_warm_start_continue_on_torch(Est, solver):
    """Three one-epoch calls == one three-epoch fit, on PyTorch as on NumPy."""
    X, y = classification()
    Xt, yt = torch.asarray(X), torch.asarray(y)
    at_once, partial, warm = three_ways(Est, Xt, yt, solver=solver)
    for other in (partial, warm):
        assert isinstance(other.coefs_[0], torch.Tensor)
        for ours, theirs in zip(fitted_arrays(other, Xt), fitted_arrays(at_once, Xt)):
            assert_array_equal(ours, theirs)
    assert partial.t_ == warm.t_ == at_once.t_ == 3 * len(y)
    # and the same three epochs as NumPy's
    ref = Est(max_iter=3, **{**CONTINUE, "solver": solver}).fit(X, y)
    for ours, theirs in zip(fitted_arrays(at_once, Xt), fitted_arrays(ref, X)):
        assert_allclose(ours, theirs, atol=TORCH_ATOL, rtol=0)


# -- prediction in row chunks -------------------------------------------------------

# row_bytes of a (16,) network on 6 features, float64: 2 * 16 * 8 = 256 bytes;
# working_memory is in MiB: 7 rows per chunk, and a last chunk of 120 % 7 = 1
SEVEN_ROWS = 7 * 256 / 2**20


@pytest.mark.parametrize("name", ["numpy", "strict", "torch-cpu"])
def test_chunked_prediction_equals_one_pass(Est, name):
    X, y = classification()
    Xn = to_namespace(name, X)
    est = Est(**{**SMALL, "hidden_layer_sizes": (16,)}).fit(Xn, y)
    one_pass = fitted_arrays(est, Xn)
    labels = host(est.predict(Xn))
    with sklearn.config_context(working_memory=SEVEN_ROWS):
        chunked = fitted_arrays(est, Xn)
        chunked_labels = host(est.predict(Xn))
    with (
        sklearn.config_context(working_memory=1e-9),
        pytest.warns(UserWarning, match="working_memory"),
    ):
        # less than one row: scikit-learn warns and takes one row at a time
        one_row = host(est.predict_proba(Xn))
    for ours, theirs in zip(chunked, one_pass):
        assert_allclose(ours, theirs, rtol=1e-14, atol=0)
    assert_allclose(one_row, one_pass[-3], rtol=1e-14, atol=0)
    assert_array_equal(chunked_labels, labels)


def test_chunked_prediction_bounds_memory():
    """20 000 rows through a (1024,) network: the hidden layer alone is 156 MiB
    in float64; with working_memory=2 MiB the peak stays a few MiB."""
    rng = np.random.default_rng(0)
    X_small, y_small = classification(n_samples=200, n_features=20)
    est = ScratchMLPClassifier(
        hidden_layer_sizes=(1024,), max_iter=1, random_state=0
    ).fit(X_small, y_small)
    X = rng.standard_normal((20_000, 20))
    hidden_bytes = X.shape[0] * 1024 * 8
    output_bytes = X.shape[0] * 3 * 8
    # 157 chunks of 128 rows: small products, which a second BLAS thread only
    # slows down on a busy 2-core machine (3.7 s instead of 0.16 s, measured)
    with (
        threadpool_limits(limits=1, user_api="blas"),
        sklearn.config_context(working_memory=2),
    ):
        tracemalloc.start()
        try:
            P = est.predict_proba(X)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert P.shape == (20_000, 3)
    # the outputs (logits, probabilities) plus a few chunks' activations
    assert peak < 4 * output_bytes + 4 * 2**20
    assert peak < hidden_bytes / 20
    # and the chunks compute what one pass computes
    assert_allclose(P[:3000], est.predict_proba(X[:3000]), rtol=1e-14, atol=0)


# -- mixing namespaces ---------------------------------------------------------------


def test_predict_in_another_namespace_raises():
    X, y = classification()
    est = ScratchMLPClassifier(**SMALL).fit(torch.asarray(X), y)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        with pytest.raises(ValueError, match=r"namespaces used during fit .*torch"):
            getattr(est, method)(X)
    with pytest.raises(ValueError, match=r"namespaces used during fit .*torch"):
        est.decision_function(xps.asarray(X))
    strict = ScratchMLPClassifier(**SMALL).fit(xps.asarray(X), y)
    with pytest.raises(ValueError, match=r"\(array_api_strict\) and predict"):
        strict.predict(torch.asarray(X))


def test_predict_on_another_strict_device_raises():
    X, y = classification()
    est = ScratchMLPClassifier(**SMALL).fit(xps.asarray(X), y)
    X1 = xps.asarray(X, device=xps.Device("device1"))
    with pytest.raises(ValueError, match="Devices used during fit"):
        est.predict(X1)


def test_sparse_input():
    X, y = classification()
    Xs = sp.csr_matrix(X)
    est = ScratchMLPClassifier(**SMALL).fit(torch.asarray(X), y)
    with pytest.raises(ValueError, match="not compatible with the sparse array"):
        est.predict_proba(Xs)
    # sparse training with dispatch on: the NumPy/SciPy path, unchanged
    on = ScratchMLPClassifier(**SMALL).fit(Xs, y)
    with sklearn.config_context(array_api_dispatch=False):
        off = ScratchMLPClassifier(**SMALL).fit(Xs, y)
    assert isinstance(on.coefs_[0], np.ndarray)
    for ours, theirs in zip(fitted_arrays(on, Xs), fitted_arrays(off, Xs)):
        assert_array_equal(ours, theirs)


# -- NumPy with dispatch on is the NumPy path ---------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam"},
        {"solver": "lbfgs"},
        {"solver": "sgd", "dropout": 0.2},
        {"solver": "adam", "early_stopping": True, "max_iter": 8},
    ],
    ids=["adam", "lbfgs", "sgd-dropout", "early_stopping"],
)
def test_numpy_with_dispatch_equals_dispatch_off(Est, params):
    X, y = classification()
    X32 = X.astype(np.float32)
    for data in (X, X32):
        on = Est(**{**SMALL, **params}).fit(data, y)
        with sklearn.config_context(array_api_dispatch=False):
            off = Est(**{**SMALL, **params}).fit(data, y)
            expected = fitted_arrays(off, data)
        for ours, theirs in zip(fitted_arrays(on, data), expected, strict=True):
            assert isinstance(ours, np.ndarray)
            assert ours.dtype == theirs.dtype
            assert_array_equal(ours, theirs)
        for curve in recorded(off):
            assert_array_equal(getattr(on, curve), getattr(off, curve))


# -- the user guide's example ----------------------------------------------------------


def test_user_guide_block_runs_and_prints_what_it_says():
    """docs/user_guide/gpu.rst: the first code block prints what the text says."""
    text = (GUIDE / "gpu.rst").read_text(encoding="utf-8")
    block = re.search(r"^\.\. code-block:: python\n\n((?:[ \t]+.*\n|\n)+)", text, re.M)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(textwrap.dedent(block.group(1)), {"__name__": "__guide__"})
    assert out.getvalue().strip() == "Tensor torch.float32 True"
    assert "It prints ``Tensor torch.float32 True``" in text
