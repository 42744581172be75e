"""The backends' primitives, on every backend, against NumPy and SciPy formulas."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.special
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._core.backends import (
    BLOCK_SIZE,
    NUMPY,
    NumbaBackend,
    NumpyBackend,
    keep_bits,
    numba_available,
    numpy_backend,
    rows,
)

from ._backends import NUMBA, in_place, numpy_arithmetic

dtypes = pytest.mark.parametrize("dtype", [np.float32, np.float64])


@dtypes
def test_allocation_and_copies(backend, dtype):
    zeros = backend.zeros((3, 2), dtype)
    assert zeros.shape == (3, 2) and zeros.dtype == dtype
    assert_array_equal(zeros, 0.0)
    a = backend.asarray([[1.0, 2.0]], dtype=dtype)
    assert a.dtype == dtype
    b = backend.copy(a)
    b[0, 0] = 5.0
    assert a[0, 0] == 1.0  # a copy, not a view
    assert backend.dtype(dtype) == dtype


def test_target_dtype(backend):
    # booleans on NumPy (the heads cast them on the fly), else the network's
    expected = np.dtype(bool) if numpy_arithmetic(backend) else np.float32
    assert backend.target_dtype(np.float32) == expected


@dtypes
def test_to_host_is_a_float64_copy(backend, dtype):
    a = backend.asarray(np.arange(4.0), dtype=dtype)
    host = backend.to_host(a)
    assert isinstance(host, np.ndarray) and host.dtype == np.float64
    assert_array_equal(host, [0, 1, 2, 3])
    host[0] = 9.0
    assert a[0] == 0.0


def test_all_finite_and_log_bounds(backend):
    assert backend.all_finite(np.ones(3))
    for bad in (np.inf, -np.inf, np.nan):
        assert not backend.all_finite(np.array([1.0, bad]))
    for dtype in (np.float32, np.float64):
        info = np.finfo(dtype)
        low, high = backend.log_bounds(dtype)
        assert low == pytest.approx(math.log(info.tiny), rel=1e-15)
        assert high == pytest.approx(math.log1p(-info.eps), rel=1e-15)


def test_take_rows_and_rows(backend, rng):
    A = rng.normal(size=(7, 3))
    idx = np.array([4, 0, 6, 4])
    out = np.empty((4, 3))
    taken = backend.take_rows(A, backend.indices(idx), out)
    assert_array_equal(taken, A[idx])
    if in_place(backend):
        assert taken is out
    assert_array_equal(rows(A, slice(2, 5)), A[2:5])
    S = sp.csr_matrix(A)
    assert_array_equal(rows(S, slice(2, 5)).toarray(), A[2:5])


def test_products_and_reductions(backend, rng):
    A, W = rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    assert_allclose(backend.matmul(A, W), A @ W, rtol=1e-14)
    out = np.full((5, 4), np.nan)
    backend.matmul_into(A, W, out)
    assert_allclose(out, A @ W, rtol=1e-14)
    db = np.full(3, np.nan)
    backend.sum_rows_into(A, db)
    assert_allclose(db, A.sum(axis=0), rtol=1e-14)
    Y = rng.normal(size=(5, 3))
    assert_allclose(backend.row_dots(Y, A), (Y * A).sum(axis=1), rtol=1e-14)


@dtypes
def test_minus_row_max(backend, dtype, rng):
    Z = (rng.normal(size=(6, 4)) * 50).astype(dtype)
    Z[2] = [1.0, 3.0, 3.0, -2.0]  # a tie at the maximum
    Z[4, 1] = np.nan
    S = backend.minus_row_max(Z)
    expected = Z - np.max(Z, axis=1, keepdims=True)
    assert S.dtype == dtype and S is not Z
    assert_array_equal(S, expected)  # exact: a max and one subtraction
    assert np.all(np.isnan(S[4]))  # a NaN in a row makes its row NaN
    assert_array_equal(S[2], [-2.0, 0.0, 0.0, -5.0])


@dtypes
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("targets", ["bool", "float", None])
def test_output_delta(backend, dtype, weighted, targets, rng):
    n, k = 7, 3
    P = rng.random((n, k)).astype(dtype)
    Y = {
        "bool": rng.random((n, k)) < 0.4,
        "float": rng.normal(size=(n, k)).astype(dtype),
        None: None,
    }[targets]
    if targets == "bool" and not numpy_arithmetic(backend):
        Y = Y.astype(dtype)  # the array API's targets are floats
    w = rng.random(n).astype(dtype) if weighted else np.ones(n, dtype)
    B = float(w.sum()) if weighted else float(n)
    expected = (P - (0 if Y is None else Y)) * (w / B)[:, None]
    db = np.full(k, np.nan, dtype)
    dZ = backend.output_delta(P.copy(), Y, w if weighted else None, B, db)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    assert dZ.dtype == dtype
    assert_allclose(dZ, expected, rtol=tol, atol=tol)
    assert_allclose(db, expected.sum(axis=0), rtol=tol, atol=10 * tol)


ELEMENTWISE = {
    "expit": (lambda b, a: b.expit(a.copy()), scipy.special.expit),
    "tanh": (lambda b, a: b.tanh(a.copy()), np.tanh),
    "relu": (lambda b, a: b.relu(a.copy()), lambda a: np.where(a > 0, a, 0.0)),
    "exp": (lambda b, a: b.exp(a.copy()), np.exp),
    "log": (lambda b, a: b.log(np.abs(a)), lambda a: np.log(np.abs(a))),
    "log1p_exp": (lambda b, a: b.log1p_exp(a), lambda a: np.log1p(np.exp(a))),
    "clip": (
        lambda b, a: b.clip(a.copy(), -0.5, 0.25),
        lambda a: np.clip(a, -0.5, 0.25),
    ),
    "scaled": (lambda b, a: b.scaled(a, -0.3), lambda a: -0.3 * a),
    "squared": (lambda b, a: b.squared(a), lambda a: a**2),
    "sqrt": (lambda b, a: b.sqrt(np.abs(a)), lambda a: np.sqrt(np.abs(a))),
    "divide": (lambda b, a: b.divide(a, 2 + a * a), lambda a: a / (2 + a * a)),
    "relu_grad": (
        lambda b, a: b.relu_grad(np.maximum(a, 0), np.full_like(a, 3.0)),
        lambda a: np.where(a > 0, 3.0, 0.0),
    ),
}


@dtypes
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_element_wise_functions(backend, name, dtype, rng):
    a = rng.normal(scale=3, size=(6, 5)).astype(dtype)
    compute, formula = ELEMENTWISE[name]
    got = compute(backend, a)
    assert got.dtype == dtype and got.shape == a.shape
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    assert_allclose(got, formula(a.astype(np.float64)), rtol=rtol, atol=rtol)


def test_blocks_cover_every_element_once(backend):
    for n in (0, 1, BLOCK_SIZE - 1, BLOCK_SIZE, 2 * BLOCK_SIZE + 3):
        covered = np.zeros(n, int)
        for sl in backend.blocks(n):
            covered[sl] += 1
        assert_array_equal(covered, 1)
        scratch = backend.scratch(n, np.float32)
        if backend.block_size is None:
            assert len(backend.blocks(n)) == (n > 0)
            assert scratch is None
        else:
            assert scratch.dtype == np.float32 and scratch.size == min(n, BLOCK_SIZE)


@pytest.mark.parametrize("rate", [0.0, 0.2, 0.75])
def test_keep_mask_is_the_keep_bits_against_the_threshold(backend, rate):
    shape = (37, 29)
    mask = backend.keep_mask(np.random.default_rng(4), shape, rate, np.float64)
    bits, threshold = keep_bits(np.random.default_rng(4), math.prod(shape), rate)
    assert mask.shape == shape
    assert_array_equal(np.asarray(mask) != 0, (bits >= threshold).reshape(shape))
    assert threshold == math.ceil(rate * 2**16)


def test_random_generator_is_seeded(backend):
    a = backend.random_generator([3, 4]).bit_generator.random_raw(5)
    b = backend.random_generator([3, 4]).bit_generator.random_raw(5)
    c = backend.random_generator([3, 5]).bit_generator.random_raw(5)
    assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_numpy_backend_follows_fast_and_numba():
    assert numba_available() == NUMBA
    assert numpy_backend(False) is NUMPY
    fast = numpy_backend(True)
    assert type(fast) is (NumbaBackend if NUMBA else NumpyBackend)
    assert isinstance(fast, NumpyBackend)


# -- the compiled update split over threads ----------------------------------------


@pytest.mark.skipif(not NUMBA, reason="the fast extra (numba) is not installed")
@pytest.mark.parametrize("solver", ["adam", "sgd", "rmsprop", "adagrad"])
def test_a_split_update_gives_the_numpy_bits(solver):
    """A vector of over 2 * MIN_PART values, updated in one part per BLAS
    thread (the parts on other threads), moves as NumPy's update moves it,
    with penalty ranges that the cut between the parts crosses."""
    from threadpoolctl import threadpool_limits

    from skmlp._core.backends import MIN_PART, NumbaBackend, NumpyBackend, _parts
    from skmlp._core.optimizers import make_optimizer
    from skmlp._core.penalties import ElasticNet

    n = 2 * MIN_PART + 1001
    sizes = [MIN_PART - 7, MIN_PART + 900]  # the second range crosses the cut
    settings = {"momentum": 0.9, "nesterovs_momentum": True, "epsilon": 1e-8,
                "rho": 0.9, "beta_1": 0.9, "beta_2": 0.999}  # fmt: skip
    rng = np.random.default_rng(0)
    p0, g = rng.normal(size=n).astype(np.float32), rng.normal(size=n).astype(np.float32)
    results = []
    for backend in (NumpyBackend(), NumbaBackend()):
        penalty = (ElasticNet([0.3, 0.2], 0.4, sizes, backend=backend), 7.0, sum(sizes))
        optimizer = make_optimizer(solver, n, np.float32, settings, backend)
        p = p0.copy()
        with threadpool_limits(2):
            if isinstance(backend, NumbaBackend):
                assert len(_parts(n)) == 2
            for lr in (0.01, 0.02):
                optimizer.step(p, g.copy(), lr, penalty)
        results.append(p)
    assert not np.array_equal(results[0], p0)
    assert_array_equal(results[1], results[0])


def test_small_updates_are_one_part_and_ranges_shift_into_parts():
    from skmlp._core.backends import MIN_PART, _parts, _shift

    assert _parts(1000) == [slice(0, 1000)]
    bounds = np.array([0, 10, 25])
    l1, l2 = np.zeros(2), np.ones(2)
    shifted, a, b = _shift((bounds, l1, l2), slice(20, 40))
    assert shifted.tolist() == [0, 0, 5] and a is l1 and b is l2
    assert _shift((bounds, l1, l2), slice(None))[0] is bounds
    assert all(p.stop - p.start >= MIN_PART for p in _parts(5 * MIN_PART))
