"""Full-batch training with L-BFGS (``scipy.optimize.minimize``, method L-BFGS-B).

The objective is the sample-weighted mean loss plus the penalty, both from one
forward and one backward pass per evaluation (``jac=True``): SciPy works on a
float64 copy of the flat parameter vector, while the network's weights,
forward and backward stay in the network's own dtype.
"""

import numpy as np
import scipy.optimize

# gtol (tol) is the stopping rule; SciPy's default ftol (2e-9 relative decrease)
# would stop first and leave the optimum to ~1e-3. 64 eps and 50 line-search
# steps are LogisticRegression's settings.
_OPTIONS = {"ftol": 64 * np.finfo(float).eps, "maxls": 50}


def run_lbfgs(
    objective,
    data,
    *,
    max_iter=200,
    max_fun=15000,
    tol=1e-4,
    on_iteration=None,
    pace=None,
):
    """Minimise the objective over ``network.params`` on ``data``; SciPy's result.

    The network ends holding the best weights found. ``on_iteration(x)`` is
    called after each L-BFGS iteration, ``pace(n_rows)`` before each
    evaluation of the objective. The result gets an extra attribute
    ``stop_reason``: ``'converged'``, ``'max_iter'``, ``'diverged'`` or
    ``'interrupted'``.
    """
    network = objective.network
    params, backend = network.params, network.backend

    def set_params(x):
        # SciPy's float64 host vector -> the network's dtype (and device), in place
        params[...] = backend.asarray(x, dtype=network.dtype)

    @np.errstate(over="ignore", invalid="ignore")  # handled: inf steers back
    def loss_and_grad(x):
        if pace is not None:
            pace(data.X.shape[0])
        set_params(x)
        loss, _ = objective.value_and_grad(data.X, data.Y, data.sample_weight)
        if not np.isfinite(loss):
            # an infinite value makes the line search step back
            return np.inf, np.zeros_like(x)
        return loss, backend.to_host(network.grads)

    x0 = backend.to_host(params)
    best = {"x": x0.copy()}

    def callback(intermediate_result):
        best["x"] = np.array(intermediate_result.x, copy=True)
        if on_iteration is not None:
            on_iteration(intermediate_result)

    try:
        res = scipy.optimize.minimize(
            loss_and_grad,
            x0,
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol, **_OPTIONS},
        )
    except KeyboardInterrupt:
        set_params(best["x"])
        return scipy.optimize.OptimizeResult(
            x=best["x"],
            fun=np.nan,
            nit=-1,
            success=False,
            status=-1,
            message="interrupted",
            stop_reason="interrupted",
        )
    x = res.x if np.isfinite(res.fun) and np.isfinite(res.x).all() else best["x"]
    set_params(x)
    if not backend.all_finite(params):  # cannot happen unless x0 itself was bad
        set_params(x0)
    res.stop_reason = _stop_reason(res)
    return res


def _stop_reason(res):
    if not np.isfinite(res.fun):
        return "diverged"
    return "max_iter" if res.status == 1 else "converged"
