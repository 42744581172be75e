"""Objective on every backend: the loss plus the penalty of a network, and its
gradient, against the formulas of ``_reference``."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from skmlp._core.network import Network
from skmlp._core.objective import Objective
from skmlp._core.penalties import ElasticNet

from . import _reference as ref

KINDS = ["labels", "ovr", "softmax"]
SIZES = (4, 5, 3)


def make_head(kind, backend):
    if kind == "softmax":
        return SoftmaxCrossEntropy(backend)
    return SigmoidBinaryCrossEntropy(kind, backend)


def make_problem(rng, kind, backend, n=9, dropout=0.0, weighted=True):
    network = Network(list(SIZES), "tanh", dropout=dropout, rng=rng, backend=backend)
    network.initialize(rng)
    X = rng.normal(size=(n, SIZES[0]))
    k = SIZES[-1]
    if kind == "softmax":
        Y = np.eye(k)[rng.integers(0, k, n)]
    else:
        Y = rng.integers(0, 2, (n, k)).astype(np.float64)
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    return network, X, Y, w


def masks_of(network):
    return [None if d is None else np.array(d.mask) for d in network.dropouts]


def reference(network, kind, X, Y, w, alpha, l1_ratio, masks=None, penalty=True):
    """(value, gradient) of the formulas at the network's weights."""
    params = network.params.astype(np.float64)
    args = (
        network.layer_sizes,
        "tanh",
        kind,
        X,
        Y,
        w,
        alpha,
        l1_ratio,
        masks,
        network.dropout_rates,
    )
    return ref.objective(params, *args), ref.gradient(params, *args, penalty=penalty)


@pytest.mark.parametrize("kind", KINDS)
@given(
    n=st.integers(1, 12),
    weighted=st.booleans(),
    alpha=st.sampled_from([0.0, 1e-3, 2.0]),
    l1_ratio=st.sampled_from([0.0, 0.3, 1.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_value_and_gradient_without_dropout(
    backend, kind, n, weighted, alpha, l1_ratio, seed
):
    rng = np.random.default_rng(seed)
    network, X, Y, w = make_problem(rng, kind, backend, n=n, weighted=weighted)
    penalty = ElasticNet(alpha, l1_ratio, backend=backend)
    objective = Objective(network, make_head(kind, backend), penalty)
    expected_value, expected_grad = reference(network, kind, X, Y, w, alpha, l1_ratio)
    value = objective.value(X, Y, w)
    assert isinstance(value, float)
    assert value == pytest.approx(expected_value, rel=1e-12, abs=1e-15)
    trained, B = objective.value_and_grad(X, Y, w)
    assert B == pytest.approx(n if w is None else w.sum(), rel=1e-15)
    assert trained == pytest.approx(expected_value, rel=1e-12, abs=1e-15)
    assert_allclose(network.grads, expected_grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_value_and_grad_with_dropout_is_the_formula_with_the_drawn_masks(
    backend, kind, rng
):
    # the training forward pass draws the masks; loss, head and penalty, all
    # divided by B = sum of w, are the formulas with those masks
    network, X, Y, w = make_problem(rng, kind, backend, dropout=0.3)
    penalty = ElasticNet(0.7, 0.4, backend=backend)
    network.seed_dropout(np.random.default_rng(5))
    value, B = Objective(network, make_head(kind, backend), penalty).value_and_grad(
        X, Y, w
    )
    masks = masks_of(network)
    assert masks[0].shape == (9, 5) and 0 < masks[0].mean() < 1
    assert B == pytest.approx(w.sum(), rel=1e-15)
    expected_value, expected_grad = reference(network, kind, X, Y, w, 0.7, 0.4, masks)
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert_allclose(network.grads, expected_grad, rtol=1e-10, atol=1e-14)
    assert network.grads[: network.n_weights].any()
    assert network.grads[network.n_weights :].any()


@pytest.mark.parametrize("kind", KINDS)
def test_without_penalty_gradient_the_value_still_has_the_penalty(backend, kind, rng):
    # an optimizer step that adds the penalty's gradient itself asks for the
    # value (penalty included) and the gradient of the head alone
    network, X, Y, w = make_problem(rng, kind, backend)
    objective = Objective(
        network, make_head(kind, backend), ElasticNet(0.9, 0.5, backend=backend)
    )
    value, B = objective.value_and_grad(X, Y, w, penalty_grad=False)
    expected_value, expected_grad = reference(
        network, kind, X, Y, w, 0.9, 0.5, penalty=False
    )
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert_allclose(network.grads, expected_grad, rtol=1e-10, atol=1e-14)


def test_value_is_a_prediction_pass_without_dropout(backend, rng):
    network, X, Y, w = make_problem(rng, "softmax", backend, n=40, dropout=0.5)
    objective = Objective(
        network, make_head("softmax", backend), ElasticNet(0.1, backend=backend)
    )
    expected, _ = reference(network, "softmax", X, Y, w, 0.1, 0.0)
    # dropout off at prediction, whatever the dropout generator does
    for seed in (0, 1):
        network.seed_dropout(np.random.default_rng(seed))
        assert objective.value(X, Y, w) == pytest.approx(expected, rel=1e-12)
    # while a training pass draws masks and gives another value
    assert objective.value_and_grad(X, Y, w)[0] != pytest.approx(expected, rel=1e-6)


def test_value_does_not_touch_the_gradient(backend, rng):
    network, X, Y, w = make_problem(rng, "ovr", backend)
    objective = Objective(
        network, make_head("ovr", backend), ElasticNet(0.5, backend=backend)
    )
    objective.value_and_grad(X, Y, w)
    grads = network.grads.copy()
    objective.value(X[:3], Y[:3], w[:3])
    assert_array_equal(network.grads, grads)


def test_the_penalty_is_divided_by_the_weight_sum(backend, rng):
    # doubling every weight leaves the head's weighted mean alone and halves
    # the penalty's share: value(w) - value(2w) = R / (2B)
    network, X, Y, w = make_problem(rng, "softmax", backend)
    penalty = ElasticNet(3.0, 0.5, backend=backend)
    objective = Objective(network, make_head("softmax", backend), penalty)
    W = network.weights.copy()
    R = 3.0 * (0.5 * np.abs(W).sum() + 0.5 * 0.5 * (W @ W))
    difference = objective.value(X, Y, w) - objective.value(X, Y, 2 * w)
    assert difference == pytest.approx(R / (2 * w.sum()), rel=1e-10)
    unweighted = objective.value(X, Y) - objective.value(X, Y, np.full(len(X), 2.0))
    assert unweighted == pytest.approx(R / (2 * len(X)), rel=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_zero_weight_batch_has_no_objective(backend, kind, rng):
    network, X, Y, _ = make_problem(rng, kind, backend)
    objective = Objective(
        network, make_head(kind, backend), ElasticNet(1.0, 0.5, backend=backend)
    )
    network.grads[...] = rng.normal(size=network.grads.size)  # a sentinel
    params, grads = network.params.copy(), network.grads.copy()
    calls = []
    forward = network.forward
    network.forward = lambda *args, **kw: calls.append(1) or forward(*args, **kw)
    result = objective.value_and_grad(X, Y, np.zeros(len(X)))
    assert result == (0.0, 0.0)
    assert all(type(x) is float for x in result)
    assert calls == []  # not even a forward pass
    assert_array_equal(network.grads, grads)
    assert_array_equal(network.params, params)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_objective(backend, kind, rng):
    network, X, Y, w = make_problem(rng, kind, backend)
    net32 = Network(list(SIZES), "tanh", dtype=np.float32, backend=backend)
    net32.params[...] = network.params
    X32, Y32, w32 = X.astype(np.float32), Y.astype(np.float32), w.astype(np.float32)
    objective32 = Objective(
        net32, make_head(kind, backend), ElasticNet(0.5, 0.2, backend=backend)
    )
    value32, B32 = objective32.value_and_grad(X32, Y32, w32)
    # the formulas at the float32 weights and data, in float64
    expected_value, expected_grad = reference(
        net32, kind, X32.astype(float), Y, w32.astype(float), 0.5, 0.2
    )
    assert net32.grads.dtype == np.float32
    assert value32 == pytest.approx(expected_value, rel=1e-5)
    assert B32 == pytest.approx(w.sum(), rel=1e-6)
    assert_allclose(net32.grads, expected_grad, rtol=1e-3, atol=1e-5)
    assert objective32.value(X32, Y32, w32) == pytest.approx(expected_value, rel=1e-5)
