"""Update rules on every backend, against their formulas written out in
``_reference`` (SGD with and without Nesterov's momentum, Adagrad, RMSprop,
Adam with its bias correction), with and without a penalty, in float64 and
float32 (the formulas then computed in float32)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.backends import BLOCK_SIZE
from skmlp._core.optimizers import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    RMSprop,
    make_optimizer,
)
from skmlp._core.penalties import ElasticNet

from ._reference import adagrad_step, adam_step, rmsprop_step, sgd_step

N = 11

# id -> (rule, its hyper-parameters, the formula with them, state arrays)
RULES = {
    "sgd-mu0": (
        SGD,
        {"momentum": 0.0, "nesterov": False},
        lambda p, g, s, lr: sgd_step(p, g, s, lr, 0.0, False),
        ("velocity",),
    ),
    "sgd-mu0-nesterov": (
        SGD,
        {"momentum": 0.0, "nesterov": True},
        lambda p, g, s, lr: sgd_step(p, g, s, lr, 0.0, True),
        ("velocity",),
    ),
    "sgd-mu0.9": (
        SGD,
        {"momentum": 0.9, "nesterov": False},
        lambda p, g, s, lr: sgd_step(p, g, s, lr, 0.9, False),
        ("velocity",),
    ),
    "sgd-mu0.9-nesterov": (
        SGD,
        {"momentum": 0.9, "nesterov": True},
        lambda p, g, s, lr: sgd_step(p, g, s, lr, 0.9, True),
        ("velocity",),
    ),
    "adagrad": (
        Adagrad,
        {"epsilon": 1e-8},
        lambda p, g, s, lr: adagrad_step(p, g, s, lr, 1e-8),
        ("cache",),
    ),
    "adagrad-eps": (
        Adagrad,
        {"epsilon": 1e-2},
        lambda p, g, s, lr: adagrad_step(p, g, s, lr, 1e-2),
        ("cache",),
    ),
    "rmsprop-0.9": (
        RMSprop,
        {"rho": 0.9},
        lambda p, g, s, lr: rmsprop_step(p, g, s, lr, 0.9, 1e-8),
        ("cache",),
    ),
    "rmsprop-0.5": (
        RMSprop,
        {"rho": 0.5, "epsilon": 1e-3},
        lambda p, g, s, lr: rmsprop_step(p, g, s, lr, 0.5, 1e-3),
        ("cache",),
    ),
    "adam": (
        Adam,
        {},
        lambda p, g, s, lr: adam_step(p, g, s, lr, 0.9, 0.999, 1e-8),
        ("m", "v"),
    ),
    "adam-custom": (
        Adam,
        {"beta_1": 0.5, "beta_2": 0.8, "epsilon": 1e-4},
        lambda p, g, s, lr: adam_step(p, g, s, lr, 0.5, 0.8, 1e-4),
        ("m", "v"),
    ),
}
rules = pytest.mark.parametrize("rule_id", sorted(RULES))

# the penalties of a step: (alpha, l1_ratio, weight-matrix sizes); the first
# n_weights = sum(sizes) parameters are weights, the rest intercepts
B = 5.0
PENALTIES = {
    "none": None,
    "l2": (0.8, 0.0, [8]),
    "l1": (0.8, 1.0, [8]),
    "elasticnet": (0.8, 0.3, [8]),
    # one strength per weight matrix, the middle one 0 (a gap in the ranges)
    "per-layer": ([0.5, 0.0, 2.0], 0.4, [2, 3, 3]),
}
penalties = pytest.mark.parametrize("penalty_id", list(PENALTIES))
dtypes = pytest.mark.parametrize("dtype", [np.float64, np.float32])


def make(rule_id, backend, n=N, dtype=np.float64):
    rule, hyperparameters, _, _ = RULES[rule_id]
    return rule(n, dtype, backend=backend, **hyperparameters)


def make_penalty(penalty_id, backend, n_weights=None):
    """(the core's penalty argument of a step, the gradient formula)."""
    spec = PENALTIES[penalty_id]
    if spec is None:
        return None, lambda p, g: g
    alpha, l1_ratio, sizes = spec
    if n_weights is not None:  # one matrix of n_weights, or matrices scaled up
        sizes = [n_weights * s // sum(sizes) for s in sizes]
        sizes[-1] += n_weights - sum(sizes)
    per_matrix = np.ndim(alpha) > 0
    penalty = ElasticNet(alpha, l1_ratio, sizes if per_matrix else None, backend)
    alphas = np.repeat(alpha if per_matrix else [alpha], sizes)
    n_w = sum(sizes)

    def gradient(p, g):
        # g + alpha (l1_ratio sign(W) + (1 - l1_ratio) W) / B on the weights,
        # in the dtype of p and g
        g = g.copy()
        W = p[:n_w]
        a = alphas.astype(p.dtype)
        g[:n_w] += a * ((1 - l1_ratio) / B) * W + a * (l1_ratio / B) * np.sign(W)
        return g

    return (penalty, B, n_w), gradient


def tolerance(dtype):
    return (
        {"rtol": 1e-12, "atol": 1e-14}
        if dtype == np.float64
        else {
            "rtol": 2e-5,
            "atol": 2e-6,
        }
    )


def known_state(rng, arrays, steps, n=N, dtype=np.float64):
    # moving averages of squares are non-negative; moments and velocity are not
    state = {"steps": steps}
    for name in arrays:
        value = rng.uniform(0, 2, n) if name in ("cache", "v") else rng.normal(size=n)
        state[name] = value.astype(dtype)
    return state


def start_params(rng, n=N, dtype=np.float64):
    p = rng.normal(size=n)
    p[::4] = 0.0  # sign(0) = 0 in the L1 term
    return p.astype(dtype)


def assert_state(optimizer, expected, dtype):
    state = optimizer.state()
    assert set(state) == set(expected)
    assert state["steps"] == optimizer.steps == expected["steps"]
    for name in expected:
        if name != "steps":
            assert state[name].dtype == dtype
            assert_allclose(state[name], expected[name], **tolerance(dtype))


# ------------------------------------------------------------- the formulas


@dtypes
@penalties
@rules
def test_one_step_from_a_known_state(backend, rule_id, penalty_id, dtype, rng):
    _, _, formula, arrays = RULES[rule_id]
    optimizer = make(rule_id, backend, dtype=dtype)
    state = known_state(rng, arrays, steps=4, dtype=dtype)
    optimizer.load_state(state)
    penalty, with_penalty = make_penalty(penalty_id, backend)
    p0 = start_params(rng, dtype=dtype)
    g = rng.normal(size=N).astype(dtype)
    p, g_given = p0.copy(), g.copy()
    optimizer.step(p, g_given, 0.03, penalty)
    expected_p, expected_state = formula(p0, with_penalty(p0, g), state, 0.03)
    assert p.dtype == dtype and expected_p.dtype == dtype
    assert_allclose(p, expected_p, **tolerance(dtype))
    assert_state(optimizer, expected_state, dtype)
    if penalty is None:
        assert_array_equal(g_given, g)  # the gradient is read, never written


@dtypes
@penalties
@rules
def test_steps_with_a_decaying_rate(backend, rule_id, penalty_id, dtype, rng):
    # four steps from a fresh state, at lr_s = 0.1 / (1 + 0.5 s): the
    # schedule's decay, s the optimizer steps taken before
    _, _, formula, arrays = RULES[rule_id]
    optimizer = make(rule_id, backend, dtype=dtype)
    penalty, with_penalty = make_penalty(penalty_id, backend)
    state = {"steps": 0, **{name: np.zeros(N, dtype) for name in arrays}}
    p = start_params(rng, dtype=dtype)
    expected = p.copy()
    for s in range(4):
        g = rng.normal(size=N).astype(dtype)
        lr = 0.1 / (1 + 0.5 * s)
        expected, state = formula(expected, with_penalty(expected, g), state, lr)
        optimizer.step(p, g, lr, penalty)
    assert_allclose(p, expected, **tolerance(dtype))
    assert_state(optimizer, state, dtype)


@penalties
@rules
def test_steps_across_block_boundaries(backend, rule_id, penalty_id, rng):
    # the NumPy backend updates block by block through a scratch buffer of
    # BLOCK_SIZE elements: two full blocks and a short last one, the penalty's
    # ranges (and the weights' end) falling inside blocks
    n = 2 * BLOCK_SIZE + 3
    _, _, formula, arrays = RULES[rule_id]
    optimizer = make(rule_id, backend, n=n)
    penalty, with_penalty = make_penalty(penalty_id, backend, n_weights=n - 1000)
    state = known_state(rng, arrays, steps=1, n=n)
    optimizer.load_state(state)
    p = start_params(rng, n=n)
    expected = p.copy()
    for lr in (0.1, 0.02):
        g = rng.normal(size=n)
        expected, state = formula(expected, with_penalty(expected, g), state, lr)
        optimizer.step(p, g, lr, penalty)
    assert_allclose(p, expected, rtol=1e-12, atol=1e-14)
    assert_state(optimizer, state, np.float64)


def test_first_sgd_and_adam_steps_have_closed_forms(backend, rng):
    params, g = rng.normal(size=N), rng.normal(size=N)
    for nesterov in (True, False):
        p = params.copy()
        SGD(N, np.float64, momentum=0.9, nesterov=nesterov, backend=backend).step(
            p, g, 0.1
        )
        # from v = 0: v = -lr g; Nesterov adds mu v - lr g on top of it
        expected = params - 0.1 * g * (1.9 if nesterov else 1.0)
        assert_allclose(p, expected, rtol=1e-14)
    # Adam's bias correction: at t = 1, m_hat = g and v_hat = g**2, so every
    # parameter moves by lr against the sign of its gradient
    for beta_1, beta_2 in ((0.9, 0.999), (0.5, 0.8)):
        p = params.copy()
        Adam(N, np.float64, beta_1, beta_2, epsilon=0.0, backend=backend).step(
            p, g, 0.1
        )
        assert_allclose(p, params - 0.1 * np.sign(g), rtol=1e-13)


def test_adam_bias_correction_over_many_steps(backend):
    # a constant gradient g: m_hat = g and v_hat = g**2 at every t, so with
    # epsilon = 0 each step moves by exactly lr against the sign of g
    g = np.array([0.3, -2.0, 1e-3, -5.0])
    p = np.zeros(4)
    adam = Adam(4, np.float64, epsilon=0.0, backend=backend)
    for t in range(1, 31):
        adam.step(p, g, 0.01)
        assert_allclose(p, -0.01 * t * np.sign(g), rtol=1e-11)


@dtypes
@rules
def test_fresh_state_is_zero_and_the_first_step_follows_the_formula(
    backend, rule_id, dtype, rng
):
    _, _, formula, arrays = RULES[rule_id]
    optimizer = make(rule_id, backend, dtype=dtype)
    state = optimizer.state()
    assert set(state) == {"steps", *arrays}
    assert state["steps"] == 0 == optimizer.steps
    for name in arrays:
        assert state[name].dtype == dtype
        assert_array_equal(state[name], np.zeros(N))
    params, g = start_params(rng, dtype=dtype), rng.normal(size=N).astype(dtype)
    p = params.copy()
    optimizer.step(p, g, 0.1)
    assert_allclose(p, formula(params, g, state, 0.1)[0], **tolerance(dtype))


# ------------------------------------------------------------------ state


@rules
def test_state_round_trip_continues_identically(backend, rule_id, rng):
    _, _, _, arrays = RULES[rule_id]
    first = make(rule_id, backend)
    first.load_state(known_state(rng, arrays, steps=4))
    params = rng.normal(size=N)
    grads = [rng.normal(size=N) for _ in range(5)]
    for g in grads[:2]:
        first.step(params, g, 0.05)
    saved = first.state()
    second = make(rule_id, backend)
    second.load_state(saved)
    p1, p2 = params.copy(), params.copy()
    for g in grads[2:]:
        first.step(p1, g, 0.05)
        second.step(p2, g, 0.05)
    assert_array_equal(p1, p2)
    assert second.steps == first.steps == 9
    for name in arrays:
        assert_array_equal(getattr(second, name), getattr(first, name))
    # state() hands out copies: later steps did not change what was saved
    assert saved["steps"] == 6
    for name in arrays:
        assert not np.shares_memory(saved[name], getattr(first, name))
        assert not np.array_equal(saved[name], getattr(first, name))


@rules
def test_reset_behaves_as_new(backend, rule_id, rng):
    _, _, formula, arrays = RULES[rule_id]
    optimizer = make(rule_id, backend)
    optimizer.load_state(known_state(rng, arrays, steps=9))
    optimizer.reset()
    assert optimizer.steps == 0
    for name in arrays:
        assert_array_equal(getattr(optimizer, name), 0.0)
    params, g = rng.normal(size=N), rng.normal(size=N)
    p = params.copy()
    optimizer.step(p, g, 0.1)
    fresh = {"steps": 0, **{name: np.zeros(N) for name in arrays}}
    assert_allclose(p, formula(params, g, fresh, 0.1)[0], rtol=1e-13)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_steps_counts_every_step(backend, name, rng):
    optimizer = OPTIMIZERS[name][0](N, np.float64, backend=backend)
    params = rng.normal(size=N)
    for k in range(1, 4):
        optimizer.step(params, rng.normal(size=N), 0.01)
        assert optimizer.steps == k
    assert optimizer.state()["steps"] == 3


# -------------------------------------------------------- the registry


def test_registry():
    assert OPTIMIZERS == {
        "sgd": (SGD, {"momentum": "momentum", "nesterov": "nesterovs_momentum"}),
        "adagrad": (Adagrad, {"epsilon": "epsilon"}),
        "rmsprop": (RMSprop, {"rho": "rho", "epsilon": "epsilon"}),
        "adam": (
            Adam,
            {"beta_1": "beta_1", "beta_2": "beta_2", "epsilon": "epsilon"},
        ),
    }


# the estimator's parameters, every value distinct from the rules' defaults,
# plus parameters no rule takes
SETTINGS = {
    "momentum": 0.7,
    "nesterovs_momentum": False,
    "epsilon": 3e-6,
    "rho": 0.8,
    "beta_1": 0.85,
    "beta_2": 0.95,
    "learning_rate_init": 0.5,
    "alpha": 2.0,
    "tol": 1e-3,
}
# solver -> (rule, its hyper-parameters from SETTINGS, the formula with them)
EXPECTED = {
    "sgd": (
        SGD,
        {"momentum": 0.7, "nesterov": False},
        lambda p, g, s, lr: sgd_step(p, g, s, lr, 0.7, False),
    ),
    "adagrad": (
        Adagrad,
        {"epsilon": 3e-6},
        lambda p, g, s, lr: adagrad_step(p, g, s, lr, 3e-6),
    ),
    "rmsprop": (
        RMSprop,
        {"rho": 0.8, "epsilon": 3e-6},
        lambda p, g, s, lr: rmsprop_step(p, g, s, lr, 0.8, 3e-6),
    ),
    "adam": (
        Adam,
        {"beta_1": 0.85, "beta_2": 0.95, "epsilon": 3e-6},
        lambda p, g, s, lr: adam_step(p, g, s, lr, 0.85, 0.95, 3e-6),
    ),
}


@dtypes
@pytest.mark.parametrize("solver", sorted(EXPECTED))
def test_make_optimizer_reads_the_estimator_settings(backend, solver, dtype, rng):
    rule, hyperparameters, formula = EXPECTED[solver]
    optimizer = make_optimizer(solver, N, dtype, SETTINGS, backend)
    assert type(optimizer) is rule
    assert optimizer.backend is backend
    for name, value in hyperparameters.items():
        assert getattr(optimizer, name) == value, name
    assert optimizer.steps == 0
    state = optimizer.state()
    for name, value in state.items():
        if name != "steps":
            assert value.shape == (N,) and value.dtype == dtype
            assert_array_equal(value, 0.0)
    # and it steps by the formula with those hyper-parameters
    p = start_params(rng, dtype=dtype)
    expected = p.copy()
    for lr in (0.1, 0.05, 0.02):
        g = rng.normal(size=N).astype(dtype)
        optimizer.step(p, g, lr)
        expected, state = formula(expected, g, state, lr)
    assert p.dtype == dtype
    assert_allclose(p, expected, **tolerance(dtype))
    assert_state(optimizer, state, dtype)


@pytest.mark.parametrize("solver", sorted(EXPECTED))
def test_make_optimizer_needs_only_the_rule_settings(solver):
    _, arguments = OPTIMIZERS[solver]
    settings = {p: SETTINGS[p] for p in arguments.values()}
    assert isinstance(
        make_optimizer(solver, N, np.float64, settings), OPTIMIZERS[solver][0]
    )
    missing = dict(settings)
    del missing[next(iter(arguments.values()))]
    with pytest.raises(KeyError):
        make_optimizer(solver, N, np.float64, missing)


def test_make_optimizer_rejects_an_unknown_solver():
    with pytest.raises(KeyError, match="lbfgs"):
        make_optimizer("lbfgs", N, np.float64, SETTINGS)
