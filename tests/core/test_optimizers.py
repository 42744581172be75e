"""Update rules against their formulas, written out here independently."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.optimizers import (
    BLOCK_SIZE,
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    RMSprop,
    make_optimizer,
)

N = 7


# ------------------------------------------- the formulas, one function each


def sgd_rule(params, state, g, lr, momentum, nesterov):
    v = momentum * state["velocity"] - lr * g
    update = momentum * v - lr * g if nesterov else v
    return params + update, {"steps": state["steps"] + 1, "velocity": v}


def adagrad_rule(params, state, g, lr, epsilon=1e-8):
    G = state["cache"] + g**2
    return params - lr * g / (np.sqrt(G) + epsilon), {
        "steps": state["steps"] + 1,
        "cache": G,
    }


def rmsprop_rule(params, state, g, lr, rho, epsilon=1e-8):
    G = rho * state["cache"] + (1 - rho) * g**2
    return params - lr * g / (np.sqrt(G) + epsilon), {
        "steps": state["steps"] + 1,
        "cache": G,
    }


def adam_rule(params, state, g, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    t = state["steps"] + 1
    m = beta_1 * state["m"] + (1 - beta_1) * g
    v = beta_2 * state["v"] + (1 - beta_2) * g**2
    m_hat = m / (1 - beta_1**t)  # Kingma and Ba, Algorithm 1
    v_hat = v / (1 - beta_2**t)
    # the class folds the corrections into the rate; so does epsilon's scale
    eps_hat = epsilon / np.sqrt(1 - beta_2**t)
    return params - lr * m_hat / (np.sqrt(v_hat) + eps_hat), {
        "steps": t,
        "m": m,
        "v": v,
    }


# (id, factory, rule with its hyper-parameters, state arrays)
CASES = [
    (
        "sgd-mu0",
        lambda n=N: SGD(n, np.float64, momentum=0.0, nesterov=False),
        lambda p, s, g, lr: sgd_rule(p, s, g, lr, 0.0, False),
        ("velocity",),
    ),
    (
        "sgd-mu0-nesterov",
        lambda n=N: SGD(n, np.float64, momentum=0.0, nesterov=True),
        lambda p, s, g, lr: sgd_rule(p, s, g, lr, 0.0, True),
        ("velocity",),
    ),
    (
        "sgd-mu0.9",
        lambda n=N: SGD(n, np.float64, momentum=0.9, nesterov=False),
        lambda p, s, g, lr: sgd_rule(p, s, g, lr, 0.9, False),
        ("velocity",),
    ),
    (
        "sgd-mu0.9-nesterov",
        lambda n=N: SGD(n, np.float64, momentum=0.9, nesterov=True),
        lambda p, s, g, lr: sgd_rule(p, s, g, lr, 0.9, True),
        ("velocity",),
    ),
    (
        "adagrad",
        lambda n=N: Adagrad(n, np.float64, epsilon=1e-8),
        lambda p, s, g, lr: adagrad_rule(p, s, g, lr, 1e-8),
        ("cache",),
    ),
    (
        "rmsprop-0.9",
        lambda n=N: RMSprop(n, np.float64, rho=0.9),
        lambda p, s, g, lr: rmsprop_rule(p, s, g, lr, 0.9),
        ("cache",),
    ),
    (
        "rmsprop-0.5",
        lambda n=N: RMSprop(n, np.float64, rho=0.5, epsilon=1e-3),
        lambda p, s, g, lr: rmsprop_rule(p, s, g, lr, 0.5, 1e-3),
        ("cache",),
    ),
    (
        "adam",
        lambda n=N: Adam(n, np.float64),
        lambda p, s, g, lr: adam_rule(p, s, g, lr),
        ("m", "v"),
    ),
    (
        "adam-custom",
        lambda n=N: Adam(n, np.float64, beta_1=0.5, beta_2=0.8, epsilon=1e-4),
        lambda p, s, g, lr: adam_rule(p, s, g, lr, 0.5, 0.8, 1e-4),
        ("m", "v"),
    ),
]
ids = [case[0] for case in CASES]
cases = pytest.mark.parametrize(
    "factory, rule, arrays", [c[1:] for c in CASES], ids=ids
)


def known_state(rng, arrays, steps=4, n=N):
    # moving averages of squares are non-negative; first moments and velocity are not
    state = {"steps": steps}
    for name in arrays:
        state[name] = (
            rng.uniform(0, 2, n) if name in ("cache", "v") else rng.normal(size=n)
        )
    return state


def assert_state_equal(actual, expected, rtol=1e-13):
    assert set(actual) == set(expected)
    assert actual["steps"] == expected["steps"]
    for name in expected:
        if name != "steps":
            assert_allclose(actual[name], expected[name], rtol=rtol, atol=1e-300)


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
        lambda p, s, g, lr: sgd_rule(p, s, g, lr, 0.7, False),
    ),
    "adagrad": (
        Adagrad,
        {"epsilon": 3e-6},
        lambda p, s, g, lr: adagrad_rule(p, s, g, lr, 3e-6),
    ),
    "rmsprop": (
        RMSprop,
        {"rho": 0.8, "epsilon": 3e-6},
        lambda p, s, g, lr: rmsprop_rule(p, s, g, lr, 0.8, 3e-6),
    ),
    "adam": (
        Adam,
        {"beta_1": 0.85, "beta_2": 0.95, "epsilon": 3e-6},
        lambda p, s, g, lr: adam_rule(p, s, g, lr, 0.85, 0.95, 3e-6),
    ),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", sorted(EXPECTED))
def test_make_optimizer_reads_the_estimator_settings(solver, dtype, rng):
    rule, hyperparameters, formula = EXPECTED[solver]
    optimizer = make_optimizer(solver, N, dtype, SETTINGS)
    assert type(optimizer) is rule
    for name, value in hyperparameters.items():
        assert getattr(optimizer, name) == value, name
    assert optimizer.steps == 0
    state = optimizer.state()
    for name, value in state.items():
        if name != "steps":
            assert value.shape == (N,) and value.dtype == dtype
            assert_array_equal(value, 0.0)
    # and it steps by the formula with those hyper-parameters
    params = rng.normal(size=N)
    p = params.astype(dtype)
    state = {k: v.astype(np.float64) if k != "steps" else v for k, v in state.items()}
    for lr in (0.1, 0.05, 0.02):
        g = rng.normal(size=N)
        optimizer.step(p, g.astype(dtype), lr)
        params, state = formula(params, state, g, lr)
    rtol = 1e-12 if dtype == np.float64 else 1e-4
    assert p.dtype == dtype
    assert_allclose(p, params, rtol=rtol, atol=rtol)
    assert_state_equal(optimizer.state(), state, rtol=rtol)


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


@cases
def test_single_step_from_known_state(factory, rule, arrays, rng):
    state = known_state(rng, arrays)
    params, g, lr = rng.normal(size=N), rng.normal(size=N), 0.03
    optimizer = factory()
    optimizer.load_state(state)
    p = params.copy()
    g_before = g.copy()
    sums = optimizer.step(p, g, lr)  # in place; fused: no penalty ranges, no sums
    assert sums is None if not optimizer.fused else sums.shape == (0, 2)
    expected_params, expected_state = rule(params, state, g, lr)
    assert_allclose(p, expected_params, rtol=1e-13)
    assert_state_equal(optimizer.state(), expected_state)
    assert_array_equal(g, g_before)  # the gradient is read, never written


@cases
def test_three_steps_from_known_state(factory, rule, arrays, rng):
    state = known_state(rng, arrays, steps=2)
    params = rng.normal(size=N)
    optimizer = factory()
    optimizer.load_state(state)
    p = params.copy()
    for lr in (0.1, 0.05, 0.02):
        g = rng.normal(size=N)
        optimizer.step(p, g, lr)
        params, state = rule(params, state, g, lr)
    assert_allclose(p, params, rtol=1e-12)
    assert_state_equal(optimizer.state(), state, rtol=1e-12)
    assert optimizer.steps == 5


@cases
def test_fused_steps_reuse_one_coefficient_array(factory, rule, arrays, rng):
    # the fused kernel's scalars are built once; each step writes only its
    # own step size (its -lr, bias-corrected for Adam) into the last place
    optimizer = factory()
    if not optimizer.fused:
        pytest.skip("the NumPy path has no coefficient array")
    p, arrays_seen = rng.normal(size=N), []
    for lr in (0.1, 0.05):
        optimizer.step(p, rng.normal(size=N), lr)
        arrays_seen.append(optimizer._c)
        assert optimizer._c[-1] == -optimizer._step_size(lr)
    assert arrays_seen[0] is arrays_seen[1]
    assert arrays_seen[0].dtype == p.dtype


@cases
def test_steps_across_block_boundaries(factory, rule, arrays, rng):
    # the update runs block by block through a scratch buffer of BLOCK_SIZE
    # elements: two full blocks and a short last one must all follow the formula
    n = 2 * BLOCK_SIZE + 3
    state = known_state(rng, arrays, steps=1, n=n)
    params = rng.normal(size=n)
    optimizer = factory(n)
    optimizer.load_state(state)
    p = params.copy()
    for lr in (0.1, 0.02):
        g = rng.normal(size=n)
        optimizer.step(p, g, lr)
        params, state = rule(params, state, g, lr)
    assert_allclose(p, params, rtol=1e-12, atol=1e-15)
    assert_state_equal(optimizer.state(), state, rtol=1e-12)


@cases
def test_fresh_state_is_zero(factory, rule, arrays, rng):
    optimizer = factory()
    state = optimizer.state()
    assert set(state) == {"steps", *arrays}
    assert state["steps"] == 0 == optimizer.steps
    for name in arrays:
        assert_array_equal(state[name], np.zeros(N))
    params, g = rng.normal(size=N), rng.normal(size=N)
    p = params.copy()
    optimizer.step(p, g, 0.1)
    assert_allclose(p, rule(params, state, g, 0.1)[0], rtol=1e-13)


def test_first_sgd_and_adam_steps_have_closed_forms(rng):
    params, g = rng.normal(size=N), rng.normal(size=N)
    for nesterov in (True, False):
        p = params.copy()
        SGD(N, np.float64, momentum=0.9, nesterov=nesterov).step(p, g, 0.1)
        # from v = 0: v = -lr g; Nesterov adds mu v - lr g on top of it
        expected = params - 0.1 * g * (1.9 if nesterov else 1.0)
        assert_allclose(p, expected, rtol=1e-14)
    p = params.copy()
    Adam(N, np.float64, epsilon=0.0).step(p, g, 0.1)
    assert_allclose(p, params - 0.1 * np.sign(g), rtol=1e-13)  # |step| = lr at t = 1


@cases
def test_state_round_trip_continues_identically(factory, rule, arrays, rng):
    first = factory()
    first.load_state(known_state(rng, arrays))
    params = rng.normal(size=N)
    grads = [rng.normal(size=N) for _ in range(5)]
    for g in grads[:2]:
        first.step(params, g, 0.05)
    saved = first.state()
    second = factory()
    second.load_state(saved)
    p1, p2 = params.copy(), params.copy()
    for g in grads[2:]:
        first.step(p1, g, 0.05)
        second.step(p2, g, 0.05)
    assert_array_equal(p1, p2)
    assert_state_equal(second.state(), first.state(), rtol=0)
    # state() hands out copies: later steps did not change what was saved
    assert saved["steps"] == 6
    for name in arrays:
        assert not np.shares_memory(saved[name], getattr(first, name))
        assert not np.array_equal(saved[name], getattr(first, name))


@cases
def test_reset_behaves_as_new(factory, rule, arrays, rng):
    optimizer = factory()
    optimizer.load_state(known_state(rng, arrays, steps=9))
    optimizer.reset()
    assert optimizer.steps == 0
    for name in arrays:
        assert_array_equal(getattr(optimizer, name), 0.0)
    params, g = rng.normal(size=N), rng.normal(size=N)
    p, q = params.copy(), params.copy()
    optimizer.step(p, g, 0.1)
    factory().step(q, g, 0.1)
    assert_array_equal(p, q)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_steps_counts_every_step(name, rng):
    optimizer = OPTIMIZERS[name][0](N, np.float64)
    params = rng.normal(size=N)
    for k in range(1, 4):
        optimizer.step(params, rng.normal(size=N), 0.01)
        assert optimizer.steps == k
    assert optimizer.state()["steps"] == 3


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_float32_params_and_state_stay_float32(name, rng):
    optimizer = OPTIMIZERS[name][0](N, np.float32)
    params = rng.normal(size=N).astype(np.float32)
    reference = params.astype(np.float64)
    reference_opt = OPTIMIZERS[name][0](N, np.float64)
    for _ in range(3):
        g = rng.normal(size=N).astype(np.float32)
        optimizer.step(params, g, 0.01)
        reference_opt.step(reference, g.astype(np.float64), 0.01)
    assert params.dtype == np.float32
    assert all(
        value.dtype == np.float32
        for value in optimizer.state().values()
        if isinstance(value, np.ndarray)
    )
    assert_allclose(params, reference, rtol=1e-5, atol=1e-6)
