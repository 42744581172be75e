"""Network: gradient check of the full objective, layout, dtype and initialisation."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import skmlp._core.network as network_module
from skmlp._core.activations import ACTIVATIONS
from skmlp._core.losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from skmlp._core.network import Network
from skmlp._core.objective import Objective
from skmlp._core.optimizers import OPTIMIZERS
from skmlp._core.penalties import ElasticNet

from . import _reference as ref
from ._backends import numpy_arithmetic
from ._numgrad import numerical_gradient, relative_error

ACTIVATION_NAMES = ["identity", "logistic", "tanh", "relu"]
HEAD_KINDS = ["softmax", "logistic"]
PENALTY_NAMES = ["l2", "l1", "elasticnet"]


def make_head(kind, backend):
    if kind == "softmax":
        return SoftmaxCrossEntropy(backend)
    return SigmoidBinaryCrossEntropy("labels", backend)


# ---------------------------------------------------------------- problems


@st.composite
def problems(draw, head_kind):
    """A random architecture, batch, sample weights, penalty strength and dropout."""
    n_hidden = draw(st.integers(0, 3))
    hidden = draw(st.lists(st.integers(1, 6), min_size=n_hidden, max_size=n_hidden))
    min_outputs = 2 if head_kind == "softmax" else 1
    rates = st.sampled_from([0.0, 0.0, 0.2, 0.5])
    return {
        "hidden": hidden,
        "n_features": draw(st.integers(1, 5)),
        "n_samples": draw(st.integers(1, 8)),
        "n_outputs": draw(st.integers(min_outputs, 4)),
        "dropout": draw(st.lists(rates, min_size=n_hidden, max_size=n_hidden)),
        "weighted": draw(st.booleans()),
        "alpha": draw(st.sampled_from([0.0]) | st.floats(1e-3, 10.0)),
        "l1_ratio": draw(st.floats(0.05, 0.95)),
        "alpha_per_matrix": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def penalty_spec(name, p, n_matrices):
    """(alpha, l1_ratio) of the penalty ``name``: alpha one strength, or one per
    weight matrix (some of them 0)."""
    if name == "l2":
        return p["alpha"], 0.0
    if name == "l1":
        return p["alpha"], 1.0
    if p["alpha_per_matrix"]:
        rng = np.random.default_rng(p["seed"] + 1)
        return list(rng.choice([0.0, 0.01, 1.0, 5.0], size=n_matrices)), p["l1_ratio"]
    return p["alpha"], p["l1_ratio"]


def make_penalty(alpha, l1_ratio, network):
    sizes = [W.size for W in network.coefs] if np.ndim(alpha) else None
    return ElasticNet(alpha, l1_ratio, sizes, backend=network.backend)


def make_targets(rng, head_kind, n_samples, n_outputs):
    if head_kind == "softmax":
        return np.eye(n_outputs)[rng.integers(0, n_outputs, n_samples)]
    return rng.integers(0, 2, (n_samples, n_outputs)).astype(np.float64)


def build(p, activation, head_kind, backend, dtype=np.float64):
    rng = np.random.default_rng(p["seed"])
    sizes = [p["n_features"], *p["hidden"], p["n_outputs"]]
    network = Network(
        sizes, activation, dropout=p["dropout"], dtype=dtype, backend=backend
    )
    network.initialize(rng)
    X = rng.normal(size=(p["n_samples"], p["n_features"])).astype(dtype)
    Y = make_targets(rng, head_kind, p["n_samples"], p["n_outputs"]).astype(dtype)
    w = rng.uniform(0.1, 3.0, p["n_samples"]).astype(dtype) if p["weighted"] else None
    return network, X, Y, w


def objective_and_grad(network, head, penalty, X, Y, w):
    """A training pass with the dropout masks of seed 0: (loss, grads, masks)."""
    network.seed_dropout(np.random.default_rng(0))
    loss, B = Objective(network, head, penalty).value_and_grad(X, Y, w)
    assert B == (X.shape[0] if w is None else pytest.approx(float(np.sum(w))))
    return loss, network.grads.copy(), dropout_masks(network)


def dropout_masks(network):
    return [None if d is None else np.array(d.mask) for d in network.dropouts]


def reference_args(network, kind, X, Y, w, alpha, l1_ratio, masks):
    return (
        network.layer_sizes,
        network.activation.name,
        kind,
        X,
        Y,
        w,
        alpha,
        l1_ratio,
        masks,
        network.dropout_rates,
    )


# ---------------------------------------------------------- gradient check


@pytest.mark.parametrize("penalty_name", PENALTY_NAMES)
@pytest.mark.parametrize("head_kind", HEAD_KINDS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@given(data=st.data())
def test_full_objective_gradient(backend, activation, head_kind, penalty_name, data):
    p = data.draw(problems(head_kind))
    network, X, Y, w = build(p, activation, head_kind, backend)
    head = make_head(head_kind, backend)
    alpha, l1_ratio = penalty_spec(penalty_name, p, len(network.coefs))
    penalty = make_penalty(alpha, l1_ratio, network)
    if l1_ratio > 0:
        # |W| is not differentiable at 0: keep every weight at least 1e-3 away
        W = network.weights
        W[np.abs(W) < 1e-3] = np.copysign(2e-3, W[np.abs(W) < 1e-3])

    loss, grad, masks = objective_and_grad(network, head, penalty, X, Y, w)
    params = network.params.copy()
    args = reference_args(network, head_kind, X, Y, w, alpha, l1_ratio, masks)
    # the value, and the gradient by backpropagation written out in _reference
    assert loss == pytest.approx(ref.objective(params, *args), rel=1e-10, abs=1e-12)
    assert_allclose(grad, ref.gradient(params, *args), rtol=1e-9, atol=1e-12)
    _, pre = ref.forward(
        params, network.layer_sizes, activation, X, masks, network.dropout_rates
    )
    if activation == "relu":
        # relu is not differentiable at 0: stay away from the kink
        assume(all(np.abs(Z).min() > 1e-4 for Z, _, _ in pre))
    # and by finite differences of the reference objective, masks held fixed
    numerical = numerical_gradient(lambda: ref.objective(params, *args), params)
    assert np.isfinite(loss)
    assert relative_error(grad, numerical) < 1e-6
    # a second evaluation overwrites the gradient instead of accumulating into it
    _, again, _ = objective_and_grad(network, head, penalty, X, Y, w)
    assert_array_equal(again, grad)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@given(data=st.data())
def test_forward_matches_reference(backend, activation, data):
    p = data.draw(problems("softmax"))
    network, X, _, _ = build(p, activation, "softmax", backend)
    network.seed_dropout(np.random.default_rng(0))
    Z_train = network.forward(X, training=True).copy()
    masks = dropout_masks(network)
    sizes, rates = network.layer_sizes, network.dropout_rates
    params = network.params.copy()
    expected, _ = ref.forward(params, sizes, activation, X, masks, rates)
    assert_allclose(Z_train, expected, rtol=1e-12, atol=1e-12)
    # at predict time dropout is the identity, whatever the generator does
    network.seed_dropout(np.random.default_rng(1))
    expected, _ = ref.forward(params, sizes, activation, X)
    assert_allclose(
        network.forward(X, training=False), expected, rtol=1e-12, atol=1e-12
    )
    # and so is the module's forward over the fitted arrays (prediction)
    Z = network_module.forward(
        X, network.coefs, network.intercepts, ACTIVATIONS[activation], backend
    )
    assert_allclose(Z, expected, rtol=1e-12, atol=1e-12)
    assert_array_equal(network.params, params)  # prediction leaves the weights


def test_dropout_masks_are_bernoulli_and_inverted(backend, rng):
    network = Network(
        [20, 200, 200, 3], "relu", dropout=[0.25, 0.6], rng=rng, backend=backend
    )
    network.initialize(rng)
    X = rng.normal(size=(500, 20))
    network.forward(X, training=True)
    for mask, rate in zip(dropout_masks(network), [0.25, 0.6], strict=True):
        assert mask.shape == (500, 200)
        kept = mask.mean()
        assert abs(kept - (1 - rate)) < 4 * np.sqrt(rate * (1 - rate) / mask.size)


def test_penalty_leaves_intercepts_alone(backend, rng):
    network = Network([3, 4, 2], "tanh", backend=backend)
    network.initialize(rng)
    X, Y = rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 0, 1, 1]]
    head = make_head("softmax", backend)
    _, without, _ = objective_and_grad(
        network, head, ElasticNet(0.0, backend=backend), X, Y, None
    )
    _, with_l2, _ = objective_and_grad(
        network, head, ElasticNet(3.0, backend=backend), X, Y, None
    )
    n_w = network.n_weights
    assert_array_equal(with_l2[n_w:], without[n_w:])
    assert_allclose(
        with_l2[:n_w] - without[:n_w], 3.0 * network.weights / 5, rtol=1e-12
    )


# ------------------------------------------------------- layout and buffers


def test_parameter_layout_is_weights_then_intercepts(backend):
    network = Network([3, 4, 2], "relu", backend=backend)
    network.params[...] = np.arange(network.params.size)
    assert network.n_weights == 3 * 4 + 4 * 2
    assert network.params.size == network.n_weights + 4 + 2
    assert_array_equal(network.coefs[0].ravel(), np.arange(12))
    assert_array_equal(network.coefs[1].ravel(), np.arange(12, 20))
    assert_array_equal(network.intercepts[0], np.arange(20, 24))
    assert_array_equal(network.intercepts[1], np.arange(24, 26))
    assert np.shares_memory(network.weights, network.params)
    assert np.shares_memory(network.weight_grads, network.grads)
    for layer, W, b in zip(
        network.layers, network.coefs, network.intercepts, strict=True
    ):
        assert layer.W is W and layer.b is b
        assert layer.backend is backend
        assert np.shares_memory(layer.dW, network.grads)
        assert np.shares_memory(layer.db, network.grads)


def test_set_weights_writes_through_to_params(backend, rng):
    network = Network([3, 4, 2], "relu", backend=backend)
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    intercepts = [rng.normal(size=4), rng.normal(size=2)]
    network.set_weights(coefs, intercepts)
    expected = np.concatenate([c.ravel() for c in coefs] + intercepts)
    assert_array_equal(network.params, expected)


def test_smaller_batch_after_larger_reuses_buffers_correctly(backend, rng):
    X, Y = rng.normal(size=(9, 3)), np.eye(3)[rng.integers(0, 3, 9)]
    network = Network([3, 5, 4, 3], "tanh", backend=backend)
    network.initialize(rng)
    head, penalty = make_head("softmax", backend), ElasticNet(0.1, backend=backend)
    objective_and_grad(network, head, penalty, X, Y, None)  # n = 9
    for n in (4, 9, 1):
        loss, grad, _ = objective_and_grad(network, head, penalty, X[:n], Y[:n], None)
        args = (network.layer_sizes, "tanh", "softmax", X[:n], Y[:n], None, 0.1, 0.0)
        assert loss == pytest.approx(ref.objective(network.params, *args), rel=1e-12)
        assert_allclose(
            grad, ref.gradient(network.params, *args), rtol=1e-10, atol=1e-14
        )


def test_sparse_input_gives_the_gradient_of_the_formula(backend, rng):
    if not numpy_arithmetic(backend):
        pytest.skip("sparse input trains on the NumPy backends only")
    X = rng.normal(size=(6, 4)) * (rng.random((6, 4)) < 0.5)
    Y = np.eye(2)[rng.integers(0, 2, 6)]
    network = Network([4, 3, 2], "logistic", backend=backend)
    network.initialize(rng)
    head, penalty = make_head("softmax", backend), ElasticNet(0.5, backend=backend)
    args = (network.layer_sizes, "logistic", "softmax", X, Y, None, 0.5, 0.0)
    for fmt in (sp.csr_matrix, sp.csc_matrix, sp.csr_array):
        loss_sp, grad_sp, _ = objective_and_grad(
            network, head, penalty, fmt(X), Y, None
        )
        assert loss_sp == pytest.approx(ref.objective(network.params, *args), rel=1e-13)
        assert_allclose(
            grad_sp, ref.gradient(network.params, *args), rtol=1e-12, atol=1e-15
        )


def test_backward_without_training_forward_raises(backend, rng):
    network = Network([2, 3, 2], "relu", backend=backend)
    network.initialize(rng)
    X = rng.normal(size=(4, 2))
    with pytest.raises(RuntimeError, match="training=True"):
        network.backward(np.ones((4, 2)))
    network.forward(X, training=False)
    with pytest.raises(RuntimeError, match="training=True"):
        network.backward(np.ones((4, 2)))


def test_dropout_rates_per_layer(backend):
    network = Network([2, 3, 3, 2], "relu", dropout=[0.0, 0.3], backend=backend)
    assert network.dropout_rates == [0.0, 0.3]
    assert network.dropouts[0] is None and network.dropouts[1].rate == 0.3
    assert network.dropouts[1].backend is backend
    with pytest.raises(ValueError, match="2 hidden layers"):
        Network([2, 3, 3, 2], "relu", dropout=[0.1, 0.2, 0.3], backend=backend)


# ------------------------------------------------------------------- dtype


@pytest.mark.parametrize("head_kind", HEAD_KINDS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_float32_stays_float32(backend, activation, head_kind, rng):
    network = Network(
        [4, 5, 3, 3],
        activation,
        dropout=0.2,
        dtype=np.float32,
        rng=rng,
        backend=backend,
    )
    network.initialize(rng)
    head = make_head(head_kind, backend)
    X = rng.normal(size=(7, 4)).astype(np.float32)
    Y = make_targets(rng, head_kind, 7, 3).astype(np.float32)
    w = rng.uniform(0.5, 2, 7).astype(np.float32)
    assert network.params.dtype == network.grads.dtype == np.float32
    assert all(W.dtype == np.float32 for W in network.coefs + network.intercepts)
    assert network.forward(X, training=False).dtype == np.float32
    penalty = ElasticNet(0.1, 0.5, backend=backend)
    loss, B = Objective(network, head, penalty).value_and_grad(X, Y, w)
    assert network.grads.dtype == np.float32 and np.isfinite(network.grads).all()
    assert np.isfinite(loss) and B == pytest.approx(float(w.sum()))
    # the float32 loss and gradient are the formulas' to float32 precision,
    # dropout masks included
    args = reference_args(network, head_kind, X, Y, w, 0.1, 0.5, dropout_masks(network))
    params = network.params.astype(np.float64)
    assert loss == pytest.approx(ref.objective(params, *args), rel=1e-5)
    assert_allclose(network.grads, ref.gradient(params, *args), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_step_keeps_float32(backend, name, rng):
    network = Network([3, 4, 2], "relu", dtype=np.float32, backend=backend)
    network.initialize(rng)
    rule, _ = OPTIMIZERS[name]
    optimizer = rule(network.params.size, np.float32, backend=backend)
    objective = Objective(
        network, make_head("softmax", backend), ElasticNet(0.1, 0.5, backend=backend)
    )
    X = rng.normal(size=(5, 3)).astype(np.float32)
    Y = np.eye(2, dtype=np.float32)[[0, 1, 1, 0, 1]]
    before = network.params.copy()
    for _ in range(3):
        _, B = objective.value_and_grad(X, Y, penalty_grad=False)
        penalty = (objective.penalty, B, network.n_weights)
        optimizer.step(network.params, network.grads, 0.01, penalty)
    assert network.params.dtype == np.float32
    assert not np.array_equal(network.params, before)
    for value in optimizer.state().values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32


# -------------------------------------------------- initialisation and seeds


def test_same_seed_same_weights(backend):
    sizes = [5, 7, 3, 2]
    for make_rng in (np.random.RandomState, np.random.default_rng):
        a = Network(sizes, "relu", backend=backend).initialize(make_rng(0)).params
        b = Network(sizes, "relu", backend=backend).initialize(make_rng(0)).params
        c = Network(sizes, "relu", backend=backend).initialize(make_rng(1)).params
        assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_float32_initialization_is_the_float64_draw_rounded(backend):
    sizes = [5, 7, 3, 2]
    for make_rng in (np.random.RandomState, np.random.default_rng):
        p32 = Network(sizes, "tanh", dtype=np.float32, backend=backend)
        p32 = p32.initialize(make_rng(3)).params
        rng, expected = make_rng(3), []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            expected.append(rng.uniform(-bound, bound, (fan_in, fan_out)).ravel())
            expected.append(rng.uniform(-bound, bound, fan_out))
        W = np.concatenate(expected[0::2])
        b = np.concatenate(expected[1::2])
        assert p32.dtype == np.float32
        assert_array_equal(p32, np.concatenate([W, b]).astype(np.float32))


@pytest.mark.parametrize("make_rng", [np.random.RandomState, np.random.default_rng])
def test_initialize_draws_layer_by_layer_weights_then_intercept(backend, make_rng):
    sizes = [5, 7, 3, 2]
    network = Network(sizes, "relu", backend=backend).initialize(make_rng(42))
    rng = make_rng(42)
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        assert_array_equal(
            network.coefs[l], rng.uniform(-bound, bound, (fan_in, fan_out))
        )
        assert_array_equal(network.intercepts[l], rng.uniform(-bound, bound, fan_out))


@pytest.mark.parametrize("factor", [6.0, 2.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_initialization_bounds(backend, factor, dtype):
    sizes = [60, 40, 30]
    network = Network(sizes, "logistic", dtype=dtype, backend=backend).initialize(
        np.random.default_rng(0), factor=factor
    )
    assert network.params.dtype == dtype
    for W, b in zip(network.coefs, network.intercepts, strict=True):
        bound = np.sqrt(factor / sum(W.shape))
        for values in (W, b):
            assert np.abs(values).max() <= bound
        # uniform over the whole interval, not a narrower one
        assert np.abs(W).max() > 0.95 * bound
        assert W.min() < -0.9 * bound and W.max() > 0.9 * bound
