"""Objective: the loss plus the penalty of a network, and its gradient."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.losses import (
    SigmoidBinaryCrossEntropy,
    SoftmaxCrossEntropy,
    batch_weight,
)
from skmlp._core.network import Network
from skmlp._core.objective import Objective
from skmlp._core.penalties import ElasticNet

HEADS = {
    "softmax": SoftmaxCrossEntropy(),
    "labels": SigmoidBinaryCrossEntropy("labels"),
    "ovr": SigmoidBinaryCrossEntropy("ovr"),
}


def make_problem(rng, kind, n=9, sizes=(4, 5, 3), dropout=0.0, weighted=True):
    network = Network(list(sizes), "tanh", dropout=dropout, rng=rng)
    network.initialize(rng)
    X = rng.normal(size=(n, sizes[0]))
    k = sizes[-1]
    if kind == "softmax":
        Y = np.eye(k)[rng.integers(0, k, n)]
    else:
        Y = rng.integers(0, 2, (n, k)).astype(np.float64)
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    return network, X, Y, w


@pytest.mark.parametrize("kind", sorted(HEADS))
@given(
    n=st.integers(1, 12),
    weighted=st.booleans(),
    alpha=st.sampled_from([0.0, 1e-3, 2.0]),
    l1_ratio=st.sampled_from([0.0, 0.3, 1.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_value_equals_value_and_grad_without_dropout(
    kind, n, weighted, alpha, l1_ratio, seed
):
    rng = np.random.default_rng(seed)
    network, X, Y, w = make_problem(rng, kind, n=n, weighted=weighted)
    objective = Objective(network, HEADS[kind], ElasticNet(alpha, l1_ratio))
    value = objective.value(X, Y, w)
    trained, B = objective.value_and_grad(X, Y, w)
    assert isinstance(value, float)
    assert B == batch_weight(n, w)
    assert trained == pytest.approx(value, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_value_and_grad_is_the_head_backward_and_penalty(kind, rng):
    # the composition written out: training forward, fused head, backward,
    # then the penalty's value and gradient, all divided by B = sum of w
    network, X, Y, w = make_problem(rng, kind, dropout=0.3)
    head, penalty = HEADS[kind], ElasticNet(0.7, 0.4)
    replay = Network(network.layer_sizes, "tanh", dropout=0.3)
    replay.params[...] = network.params
    network.seed_dropout(np.random.default_rng(5))
    replay.seed_dropout(np.random.default_rng(5))

    value, B = Objective(network, head, penalty).value_and_grad(X, Y, w)

    assert B == w.sum()
    loss, dZ = head.value_and_grad(replay.forward(X, training=True), Y, w, w.sum())
    replay.backward(dZ)
    penalty.add_grad(replay.weights, replay.weight_grads, w.sum())
    expected = loss + penalty.value(replay.weights, w.sum())
    assert value == pytest.approx(expected, rel=1e-14)
    assert_array_equal(network.grads, replay.grads)
    assert network.grads[: network.n_weights].any()
    assert network.grads[network.n_weights :].any()


def test_value_is_a_prediction_pass_without_dropout(rng):
    network, X, Y, w = make_problem(rng, "softmax", n=40, dropout=0.5)
    plain = Network(network.layer_sizes, "tanh")
    plain.params[...] = network.params
    head, penalty = HEADS["softmax"], ElasticNet(0.1)
    dropped = Objective(network, head, penalty)
    reference = Objective(plain, head, penalty).value(X, Y, w)
    # dropout off at prediction: the value of the same network without it,
    # whatever the dropout generator does
    for seed in (0, 1):
        network.seed_dropout(np.random.default_rng(seed))
        assert dropped.value(X, Y, w) == reference
    # while a training pass draws masks and gives another value
    assert dropped.value_and_grad(X, Y, w)[0] != pytest.approx(reference, rel=1e-6)


def test_value_does_not_touch_the_gradient(rng):
    network, X, Y, w = make_problem(rng, "ovr")
    objective = Objective(network, HEADS["ovr"], ElasticNet(0.5))
    objective.value_and_grad(X, Y, w)
    grads = network.grads.copy()
    objective.value(X[:3], Y[:3], w[:3])
    assert_array_equal(network.grads, grads)


def test_the_penalty_is_divided_by_the_weight_sum(rng):
    # doubling every weight leaves the head's weighted mean alone and halves
    # the penalty's share: value(w) - value(2w) = R / (2B)
    network, X, Y, w = make_problem(rng, "softmax")
    penalty = ElasticNet(3.0, 0.5)
    objective = Objective(network, HEADS["softmax"], penalty)
    difference = objective.value(X, Y, w) - objective.value(X, Y, 2 * w)
    assert difference == pytest.approx(
        penalty.value(network.weights, 1.0) / (2 * w.sum()), rel=1e-10
    )
    unweighted = objective.value(X, Y) - objective.value(X, Y, np.full(len(X), 2.0))
    assert unweighted == pytest.approx(
        penalty.value(network.weights, 1.0) / (2 * len(X)), rel=1e-10
    )


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_zero_weight_batch_has_no_objective(kind, rng):
    network, X, Y, _ = make_problem(rng, kind)
    objective = Objective(network, HEADS[kind], ElasticNet(1.0, 0.5))
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


def test_float32_objective(rng):
    network, X, Y, w = make_problem(rng, "softmax")
    net32 = Network(network.layer_sizes, "tanh", dtype=np.float32)
    net32.params[...] = network.params
    X32, Y32, w32 = X.astype(np.float32), Y.astype(np.float32), w.astype(np.float32)
    penalty = ElasticNet(0.5, 0.2)
    value64, _ = Objective(network, HEADS["softmax"], penalty).value_and_grad(X, Y, w)
    objective32 = Objective(net32, HEADS["softmax"], penalty)
    value32, B32 = objective32.value_and_grad(X32, Y32, w32)
    assert net32.grads.dtype == np.float32
    assert value32 == pytest.approx(value64, rel=1e-5)
    assert B32 == pytest.approx(w.sum(), rel=1e-6)
    assert_allclose(net32.grads, network.grads, rtol=1e-3, atol=1e-5)
    assert objective32.value(X32, Y32, w32) == pytest.approx(value64, rel=1e-5)
