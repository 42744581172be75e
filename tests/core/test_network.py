"""Network: gradient check of the full objective, layout, dtype and initialisation."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.losses import (
    SigmoidBinaryCrossEntropy,
    SoftmaxCrossEntropy,
    batch_weight,
)
from skmlp._core.network import Network
from skmlp._core.objective import Objective
from skmlp._core.optimizers import OPTIMIZERS
from skmlp._core.penalties import ElasticNet

from ._numgrad import numerical_gradient, relative_error

ACTIVATION_NAMES = ["identity", "logistic", "tanh", "relu"]
SOFTMAX = SoftmaxCrossEntropy()
HEADS = [SOFTMAX, SigmoidBinaryCrossEntropy()]
PENALTY_NAMES = ["l2", "l1", "elasticnet"]


def head_id(head):
    return head.name


REFERENCE_ACTIVATIONS = {
    "identity": lambda Z: Z,
    "logistic": lambda Z: 1.0 / (1.0 + np.exp(-Z)),
    "tanh": np.tanh,
    "relu": lambda Z: np.where(Z > 0, Z, 0.0),
}


# ---------------------------------------------------------------- problems


@st.composite
def problems(draw, head):
    """A random architecture, batch, sample weights, penalty strength and dropout."""
    n_hidden = draw(st.integers(0, 3))
    hidden = draw(st.lists(st.integers(1, 6), min_size=n_hidden, max_size=n_hidden))
    min_outputs = 2 if head is SOFTMAX else 1
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


def make_penalty(name, p, network):
    if name == "l2":
        return ElasticNet(p["alpha"], 0.0)
    if name == "l1":
        return ElasticNet(p["alpha"], 1.0)
    if p["alpha_per_matrix"]:  # one strength per weight matrix, some of them 0
        rng = np.random.default_rng(p["seed"] + 1)
        alphas = rng.choice([0.0, 0.01, 1.0, 5.0], size=len(network.coefs))
        sizes = [W.size for W in network.coefs]
        return ElasticNet(alphas, p["l1_ratio"], layer_sizes=sizes)
    return ElasticNet(p["alpha"], p["l1_ratio"])


def make_targets(rng, head, n_samples, n_outputs):
    if head is SOFTMAX:
        return np.eye(n_outputs)[rng.integers(0, n_outputs, n_samples)]
    return rng.integers(0, 2, (n_samples, n_outputs)).astype(np.float64)


def build(p, activation, head, dtype=np.float64):
    rng = np.random.default_rng(p["seed"])
    sizes = [p["n_features"], *p["hidden"], p["n_outputs"]]
    network = Network(sizes, activation, dropout=p["dropout"], dtype=dtype)
    network.initialize(rng)
    X = rng.normal(size=(p["n_samples"], p["n_features"])).astype(dtype)
    Y = make_targets(rng, head, p["n_samples"], p["n_outputs"]).astype(dtype)
    w = rng.uniform(0.1, 3.0, p["n_samples"]).astype(dtype) if p["weighted"] else None
    return network, X, Y, w


def objective(network, head, penalty, X, Y, w):
    """loss + penalty of a training pass with the dropout masks of seed 0."""
    network.seed_dropout(np.random.default_rng(0))
    return Objective(network, head, penalty).value_and_grad(X, Y, w)[0]


def objective_and_grad(network, head, penalty, X, Y, w):
    network.seed_dropout(np.random.default_rng(0))
    loss, B = Objective(network, head, penalty).value_and_grad(X, Y, w)
    assert B == batch_weight(X.shape[0], w)
    return loss, network.grads.copy()


def reference_forward(network, X, masks):
    """Logits and hidden pre-activations, computed without the network's code path."""
    f = REFERENCE_ACTIVATIONS[network.activation.name]
    A, pre = np.asarray(X, dtype=np.float64), []
    last = len(network.coefs) - 1
    for l, (W, b) in enumerate(zip(network.coefs, network.intercepts, strict=True)):
        Z = A @ W + b
        if l == last:
            return Z, pre
        pre.append(Z)
        A = f(Z)
        if masks[l] is not None:
            A = A * masks[l] / (1.0 - network.dropout_rates[l])


def dropout_masks(network):
    return [None if d is None else d.mask.copy() for d in network.dropouts]


# ---------------------------------------------------------- gradient check


@pytest.mark.parametrize("penalty_name", PENALTY_NAMES)
@pytest.mark.parametrize("head", HEADS, ids=head_id)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@given(data=st.data())
def test_full_objective_gradient(activation, head, penalty_name, data):
    p = data.draw(problems(head))
    network, X, Y, w = build(p, activation, head)
    penalty = make_penalty(penalty_name, p, network)
    if penalty.l1_ratio > 0:
        # |W| is not differentiable at 0: keep every weight at least 1e-3 away
        W = network.weights
        W[np.abs(W) < 1e-3] = np.copysign(2e-3, W[np.abs(W) < 1e-3])

    loss, grad = objective_and_grad(network, head, penalty, X, Y, w)
    Z_ref, pre = reference_forward(network, X, dropout_masks(network))
    # the objective's value, composed here from the reference forward pass
    B = batch_weight(X.shape[0], w)
    expected = head.value(Z_ref, Y, w, B) + penalty.value(network.weights, B)
    assert loss == pytest.approx(expected, rel=1e-10, abs=1e-12)
    if activation == "relu":
        # relu is not differentiable at 0: stay away from the kink
        assume(all(np.abs(Z).min() > 1e-4 for Z in pre))

    numerical = numerical_gradient(
        lambda: objective(network, head, penalty, X, Y, w), network.params
    )
    assert np.isfinite(loss)
    assert relative_error(grad, numerical) < 1e-6
    # a second evaluation overwrites the gradient instead of accumulating into it
    _, again = objective_and_grad(network, head, penalty, X, Y, w)
    assert_array_equal(again, grad)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@given(data=st.data())
def test_forward_matches_reference(activation, data):
    p = data.draw(problems(SOFTMAX))
    network, X, _, _ = build(p, activation, SOFTMAX)
    network.seed_dropout(np.random.default_rng(0))
    Z_train = network.forward(X, training=True).copy()
    masks = dropout_masks(network)
    assert_allclose(
        Z_train, reference_forward(network, X, masks)[0], rtol=1e-12, atol=1e-12
    )
    # at predict time dropout is the identity, whatever the generator does
    network.seed_dropout(np.random.default_rng(1))
    no_masks = [None] * len(masks)
    Z_test = network.forward(X, training=False)
    assert_allclose(
        Z_test, reference_forward(network, X, no_masks)[0], rtol=1e-12, atol=1e-12
    )


def test_dropout_masks_are_bernoulli_and_inverted(rng):
    network = Network([20, 200, 200, 3], "relu", dropout=[0.25, 0.6], rng=rng)
    network.initialize(rng)
    X = rng.normal(size=(500, 20))
    network.forward(X, training=True)
    for mask, rate in zip(dropout_masks(network), [0.25, 0.6], strict=True):
        assert mask.shape == (500, 200)
        kept = mask.mean()
        assert abs(kept - (1 - rate)) < 4 * np.sqrt(rate * (1 - rate) / mask.size)


def test_penalty_leaves_intercepts_alone(rng):
    network = Network([3, 4, 2], "tanh")
    network.initialize(rng)
    X, Y = rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 0, 1, 1]]
    _, without = objective_and_grad(network, SOFTMAX, ElasticNet(0.0), X, Y, None)
    _, with_l2 = objective_and_grad(network, SOFTMAX, ElasticNet(3.0), X, Y, None)
    n_w = network.n_weights
    assert_array_equal(with_l2[n_w:], without[n_w:])
    assert_allclose(
        with_l2[:n_w] - without[:n_w], 3.0 * network.weights / 5, rtol=1e-12
    )


# ------------------------------------------------------- layout and buffers


def test_parameter_layout_is_weights_then_intercepts():
    network = Network([3, 4, 2], "relu")
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
        assert np.shares_memory(layer.dW, network.grads)
        assert np.shares_memory(layer.db, network.grads)


def test_set_weights_writes_through_to_params(rng):
    network = Network([3, 4, 2], "relu")
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    intercepts = [rng.normal(size=4), rng.normal(size=2)]
    network.set_weights(coefs, intercepts)
    expected = np.concatenate([c.ravel() for c in coefs] + intercepts)
    assert_array_equal(network.params, expected)


def test_smaller_batch_after_larger_reuses_buffers_correctly(rng):
    X, Y = rng.normal(size=(9, 3)), np.eye(3)[rng.integers(0, 3, 9)]
    network = Network([3, 5, 4, 3], "tanh")
    network.initialize(rng)
    fresh = Network([3, 5, 4, 3], "tanh")
    fresh.params[...] = network.params
    objective_and_grad(network, SOFTMAX, ElasticNet(0.1), X, Y, None)  # n = 9
    loss, grad = objective_and_grad(
        network, SOFTMAX, ElasticNet(0.1), X[:4], Y[:4], None
    )
    loss_ref, grad_ref = objective_and_grad(
        fresh, SOFTMAX, ElasticNet(0.1), X[:4], Y[:4], None
    )
    assert loss == loss_ref
    assert_array_equal(grad, grad_ref)


def test_sparse_input_gives_the_dense_gradient(rng):
    X = rng.normal(size=(6, 4)) * (rng.random((6, 4)) < 0.5)
    Y = np.eye(2)[rng.integers(0, 2, 6)]
    network = Network([4, 3, 2], "logistic")
    network.initialize(rng)
    loss, grad = objective_and_grad(network, SOFTMAX, ElasticNet(0.5), X, Y, None)
    for fmt in (sp.csr_matrix, sp.csc_matrix, sp.csr_array):
        loss_sp, grad_sp = objective_and_grad(
            network, SOFTMAX, ElasticNet(0.5), fmt(X), Y, None
        )
        assert loss_sp == pytest.approx(loss, rel=1e-13)
        assert_allclose(grad_sp, grad, rtol=1e-12, atol=1e-15)


def test_backward_without_training_forward_raises(rng):
    network = Network([2, 3, 2], "relu")
    network.initialize(rng)
    X = rng.normal(size=(4, 2))
    network.forward(X, training=True)
    network.forward(X, training=False)
    with pytest.raises(RuntimeError, match="training=True"):
        network.backward(np.ones((4, 2)))


def test_dropout_rates_per_layer():
    network = Network([2, 3, 3, 2], "relu", dropout=[0.0, 0.3])
    assert network.dropout_rates == [0.0, 0.3]
    assert network.dropouts[0] is None and network.dropouts[1].rate == 0.3
    with pytest.raises(ValueError, match="2 hidden layers"):
        Network([2, 3, 3, 2], "relu", dropout=[0.1, 0.2, 0.3])


# ------------------------------------------------------------------- dtype


@pytest.mark.parametrize("head", HEADS, ids=head_id)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_float32_stays_float32(activation, head, rng):
    network = Network([4, 5, 3, 3], activation, dropout=0.2, dtype=np.float32, rng=rng)
    network.initialize(rng)
    X = rng.normal(size=(7, 4)).astype(np.float32)
    Y = make_targets(rng, head, 7, 3).astype(np.float32)
    w = rng.uniform(0.5, 2, 7).astype(np.float32)
    assert network.params.dtype == network.grads.dtype == np.float32
    assert all(W.dtype == np.float32 for W in network.coefs + network.intercepts)
    assert network.forward(X, training=False).dtype == np.float32
    Z = network.forward(X, training=True)
    assert Z.dtype == np.float32
    B = batch_weight(7, w)
    loss, dZ = head.value_and_grad(Z, Y, w, B)
    assert dZ.dtype == np.float32 and np.isfinite(loss)
    grads = network.backward(dZ)
    assert grads is network.grads and grads.dtype == np.float32
    ElasticNet(0.1, 0.5).add_grad(network.weights, network.weight_grads, B)
    assert network.grads.dtype == np.float32 and np.isfinite(network.grads).all()

    # and float32 gradients agree with float64 ones to float32 precision (no
    # dropout here: a float32 uniform draw is not a float64 one)
    network32 = Network([4, 5, 3, 3], activation, dtype=np.float32)
    network64 = Network([4, 5, 3, 3], activation)
    network32.params[...] = network64.params[...] = network.params
    network = network32
    _, dZ32 = head.value_and_grad(network.forward(X, training=True), Y, w, B)
    _, dZ64 = head.value_and_grad(
        network64.forward(X.astype(np.float64), training=True),
        Y.astype(np.float64),
        w.astype(np.float64),
        batch_weight(7, w.astype(np.float64)),
    )
    assert_allclose(
        network.backward(dZ32), network64.backward(dZ64), rtol=1e-3, atol=1e-5
    )


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_step_keeps_float32(name, rng):
    network = Network([3, 4, 2], "relu", dtype=np.float32)
    network.initialize(rng)
    rule, _ = OPTIMIZERS[name]
    optimizer = rule(network.params.size, np.float32)
    X = rng.normal(size=(5, 3)).astype(np.float32)
    Y = np.eye(2, dtype=np.float32)[[0, 1, 1, 0, 1]]
    before = network.params.copy()
    for _ in range(3):
        _, dZ = SOFTMAX.value_and_grad(network.forward(X, training=True), Y, None, 5.0)
        network.backward(dZ)
        optimizer.step(network.params, network.grads, 0.01)
    assert network.params.dtype == np.float32
    assert not np.array_equal(network.params, before)
    for value in optimizer.state().values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32


# -------------------------------------------------- initialisation and seeds


def test_same_seed_same_weights():
    sizes = [5, 7, 3, 2]
    for make_rng in (np.random.RandomState, np.random.default_rng):
        a = Network(sizes, "relu").initialize(make_rng(0)).params
        b = Network(sizes, "relu").initialize(make_rng(0)).params
        c = Network(sizes, "relu").initialize(make_rng(1)).params
        assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_float32_initialization_is_the_float64_one_rounded():
    sizes = [5, 7, 3, 2]
    for make_rng in (np.random.RandomState, np.random.default_rng):
        p64 = Network(sizes, "tanh").initialize(make_rng(3)).params
        p32 = Network(sizes, "tanh", dtype=np.float32).initialize(make_rng(3)).params
        assert p32.dtype == np.float32
        assert_array_equal(p32, p64.astype(np.float32))


@pytest.mark.parametrize("make_rng", [np.random.RandomState, np.random.default_rng])
def test_initialize_draws_layer_by_layer_weights_then_intercept(make_rng):
    sizes = [5, 7, 3, 2]
    network = Network(sizes, "relu").initialize(make_rng(42))
    rng = make_rng(42)
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        assert_array_equal(
            network.coefs[l], rng.uniform(-bound, bound, (fan_in, fan_out))
        )
        assert_array_equal(network.intercepts[l], rng.uniform(-bound, bound, fan_out))


@pytest.mark.parametrize("factor", [6.0, 2.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_initialization_bounds(factor, dtype):
    sizes = [60, 40, 30]
    network = Network(sizes, "logistic", dtype=dtype).initialize(
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
