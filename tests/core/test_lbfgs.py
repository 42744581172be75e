"""run_lbfgs on every backend, on a convex problem whose optimum is known
independently (SciPy's BFGS on the formula, scikit-learn's LogisticRegression)."""

import warnings

import numpy as np
import pytest
import scipy.optimize
from numpy.testing import assert_allclose

from skmlp._core.lbfgs import run_lbfgs
from skmlp._core.losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from skmlp._core.network import Network
from skmlp._core.objective import Objective
from skmlp._core.penalties import ElasticNet
from skmlp._core.training import DataSet

from . import _reference as ref


def logistic_problem(rng, n=80, d=4):
    X = rng.normal(size=(n, d))
    true_w = rng.normal(size=d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ true_w + 0.3)))).astype(np.float64)
    return X, y


def reference_optimum(X, y, alpha, sample_weight=None):
    """argmin sum_i w_i [log(1 + e^z_i) - y_i z_i] / B + alpha/2 ||w||^2 / B."""
    sw = np.ones(len(y)) if sample_weight is None else sample_weight
    B = sw.sum()

    def f(theta):
        coef, intercept = theta[:-1], theta[-1]
        z = X @ coef + intercept
        loss = sw @ (np.logaddexp(0, z) - y * z) / B + 0.5 * alpha * coef @ coef / B
        r = sw * (1 / (1 + np.exp(-z)) - y) / B
        grad = np.append(X.T @ r + alpha * coef / B, r.sum())
        return loss, grad

    res = scipy.optimize.minimize(
        f, np.zeros(X.shape[1] + 1), jac=True, method="BFGS", options={"gtol": 1e-12}
    )
    return res.x[:-1], res.x[-1], res.fun


# L-BFGS-B stops on the relative reduction of f (SciPy's default ftol, which
# run_lbfgs leaves alone, as MLPClassifier does) before gtol = 1e-10 is met:
# the weights are then within ~1e-5 of the optimum, the objective within ~1e-9.
COEF_TOL = {"rtol": 1e-4, "atol": 1e-5}


def fit(backend, X, y, alpha, sample_weight=None, dtype=np.float64, **kwargs):
    network = Network([X.shape[1], 1], "identity", dtype=dtype, backend=backend)
    network.initialize(np.random.default_rng(0))
    kwargs = {"max_iter": 1000, "tol": 1e-10, **kwargs}
    objective = Objective(
        network,
        SigmoidBinaryCrossEntropy("binary", backend),
        ElasticNet(alpha, backend=backend),
    )
    data = DataSet(X.astype(dtype), y[:, None].astype(dtype), sample_weight)
    res = run_lbfgs(objective, data, **kwargs)
    return network, res


@pytest.mark.parametrize("alpha", [1e-2, 1.0, 30.0])
def test_matches_independent_optimum(backend, alpha, rng):
    X, y = logistic_problem(rng)
    network, res = fit(backend, X, y, alpha)
    coef, intercept, best = reference_optimum(X, y, alpha)
    assert res.stop_reason == "converged"
    assert res.fun == pytest.approx(best, rel=1e-8)
    assert_allclose(network.coefs[0].ravel(), coef, **COEF_TOL)
    assert_allclose(network.intercepts[0], [intercept], **COEF_TOL)
    assert_allclose(res.x, network.params)  # the network ends holding the solution


def test_sample_weights_match_independent_optimum_and_repeated_rows(backend, rng):
    X, y = logistic_problem(rng, n=40)
    counts = rng.integers(0, 4, len(y)).astype(np.float64)
    network, _ = fit(backend, X, y, 0.5, sample_weight=counts)
    coef, intercept, _ = reference_optimum(X, y, 0.5, counts)
    assert_allclose(network.coefs[0].ravel(), coef, **COEF_TOL)
    assert_allclose(network.intercepts[0], [intercept], **COEF_TOL)
    rows = np.repeat(np.arange(len(y)), counts.astype(int))
    repeated, _ = fit(backend, X[rows], y[rows], 0.5)
    assert_allclose(repeated.params, network.params, **COEF_TOL)


def test_matches_sklearn_logistic_regression(backend, rng):
    from sklearn.linear_model import LogisticRegression

    X, y = logistic_problem(rng)
    alpha = 2.0
    network, _ = fit(backend, X, y, alpha)
    clf = LogisticRegression(C=1 / alpha, tol=1e-10, max_iter=10_000).fit(X, y)
    assert_allclose(network.coefs[0].ravel(), clf.coef_.ravel(), rtol=1e-4, atol=1e-5)
    assert_allclose(network.intercepts[0], clf.intercept_, rtol=1e-4, atol=1e-5)


def test_one_forward_per_evaluation(backend, rng):
    X, y = logistic_problem(rng)
    network = Network([X.shape[1], 1], "identity", backend=backend)
    calls = []
    forward = network.forward
    network.forward = lambda *args, **kw: calls.append(1) or forward(*args, **kw)
    objective = Objective(
        network,
        SigmoidBinaryCrossEntropy(backend=backend),
        ElasticNet(1.0, backend=backend),
    )
    res = run_lbfgs(objective, DataSet(X, y[:, None]), tol=1e-8)
    assert len(calls) == res.nfev


def test_float32_network_stays_float32(backend, rng):
    X, y = logistic_problem(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a float32 line search may end abnormally
        network, res = fit(backend, X, y, 1.0, dtype=np.float32, tol=1e-5)
    assert network.params.dtype == np.float32
    assert all(W.dtype == np.float32 for W in network.coefs + network.intercepts)
    coef, intercept, _ = reference_optimum(X, y, 1.0)
    assert_allclose(network.coefs[0].ravel(), coef, atol=2e-3)
    assert_allclose(network.intercepts[0], [intercept], atol=2e-3)


def test_max_iter_stop_reason(backend, rng):
    X, y = logistic_problem(rng)
    _, res = fit(backend, X, y, 1.0, max_iter=2)
    assert res.stop_reason == "max_iter"
    assert res.nit == 2


def test_on_iteration_and_interrupt(backend, rng):
    X, y = logistic_problem(rng)
    seen = []

    def on_iteration(intermediate):
        seen.append(np.array(intermediate.x))
        if len(seen) == 3:
            raise KeyboardInterrupt

    network, res = fit(backend, X, y, 1.0, on_iteration=on_iteration)
    assert res.stop_reason == "interrupted"
    assert len(seen) == 3
    assert np.isfinite(network.params).all()
    assert_allclose(network.params, seen[-1])  # the last completed iterate


def test_infinite_loss_is_not_accepted(backend, rng):
    # a loss that is infinite at the start: nothing better is found, and the
    # network keeps finite weights
    X, y = logistic_problem(rng)
    network = Network([X.shape[1], 1], "identity", backend=backend)
    network.initialize(np.random.default_rng(0))
    x0 = network.params.copy()
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        objective = Objective(
            network,
            SigmoidBinaryCrossEntropy(backend=backend),
            ElasticNet(1e308, backend=backend),
        )
        res = run_lbfgs(objective, DataSet(X * 1e200, y[:, None]))
    assert res.stop_reason == "diverged"
    assert np.isfinite(network.params).all()
    assert_allclose(network.params, x0)


def test_result_is_the_objective_at_the_kept_weights(backend, rng):
    X, y = logistic_problem(rng)
    w = rng.uniform(0.5, 2.0, len(y))
    network, res = fit(backend, X, y, 0.3, sample_weight=w)
    coef, intercept = network.coefs[0].ravel(), network.intercepts[0][0]
    z = X @ coef + intercept
    expected = (w @ (np.logaddexp(0, z) - y * z) + 0.5 * 0.3 * coef @ coef) / w.sum()
    assert res.fun == pytest.approx(expected, rel=1e-12)


def test_converged_hidden_layer_network_has_a_small_gradient(backend, rng):
    # a non-convex objective: no optimum to compare with, but convergence
    # means the gradient's largest entry is below tol
    X = rng.normal(size=(60, 3))
    Y = np.eye(3)[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    network = Network([3, 5, 3], "tanh", backend=backend)
    network.initialize(np.random.default_rng(0))
    objective = Objective(
        network, SoftmaxCrossEntropy(backend), ElasticNet(1.0, backend=backend)
    )
    res = run_lbfgs(objective, DataSet(X, Y), max_iter=1000, tol=1e-6)
    assert res.stop_reason == "converged"
    args = (network.layer_sizes, "tanh", "softmax", X, Y, None, 1.0, 0.0)
    assert ref.objective(network.params, *args) == pytest.approx(res.fun, rel=1e-12)
    assert np.abs(ref.gradient(network.params, *args)).max() <= 1e-6
