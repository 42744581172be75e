"""Update rules, from the simplest to the most elaborate.

Each rule updates the network's flat parameter vector ``params`` in place from
the flat gradient ``grads`` and a step size ``lr`` given by the shared
:class:`~skmlp._core.schedules.LearningRateSchedule`. All state is allocated
in ``__init__`` from the parameter count; ``state()``/``load_state()`` export
and restore it as plain arrays and numbers, so ``warm_start`` and repeated
``partial_fit`` continue where the last call stopped. Optimizers never print
and never decide to stop: the training loop does.

A rule's formulas are written once, in its ``update`` (for the element-wise
operations of any backend; on NumPy each pass writes into one reused
scratch buffer, block by block, so that the several passes of a step run
over arrays that stay in the CPU's cache), and once more as a compiled loop
(``_kernels``) that :class:`~skmlp._core.backends.NumbaBackend` calls through
``kernel_step`` with the rule's scalars.
"""

import math

from .backends import NUMPY


class _Optimizer:
    _state_arrays = ()

    def __init__(self, n_params, dtype, backend=NUMPY):
        self.steps = 0  # optimizer steps taken so far: the schedule's s
        self.backend = backend
        for name in self._state_arrays:
            setattr(self, name, backend.zeros(n_params, dtype))
        self.blocks = backend.blocks(n_params)
        self.scratch = backend.scratch(n_params, dtype)

    def step(self, params, grads, lr, penalty=None):
        """One update of ``params`` (in place) from ``grads`` with step size ``lr``.

        ``penalty`` is None or ``(penalty, B, n_weights)``: the penalty's
        gradient on the first ``n_weights`` parameters is part of the step.
        """
        self.steps += 1
        self.backend.update(self, params, grads, self._step_size(lr), penalty)

    def _step_size(self, lr):
        return lr

    def state_arrays(self):
        return [getattr(self, name) for name in self._state_arrays]

    def state(self):
        """The optimizer's state as plain values and arrays (copies)."""
        return {
            "steps": self.steps,
            **{
                name: self.backend.copy(getattr(self, name))
                for name in self._state_arrays
            },
        }

    def load_state(self, state):
        self.steps = int(state["steps"])
        for name in self._state_arrays:
            getattr(self, name)[...] = state[name]

    def reset(self):
        self.steps = 0
        for name in self._state_arrays:
            getattr(self, name)[...] = 0


def _scaled_step(params, grads, lr, cache, epsilon, buf, backend):
    """params -= lr * g / (sqrt(cache) + epsilon)."""
    buf = backend.sqrt(cache, buf)
    buf += epsilon
    buf = backend.divide(grads, buf, buf)
    buf *= -lr
    params += buf


class SGD(_Optimizer):
    """Stochastic gradient descent with momentum mu, optionally Nesterov's.

    v = mu * v - lr * g
    plain momentum:  params += v
    Nesterov:        params += mu * v - lr * g
    With mu = 0 both are plain gradient descent, params -= lr * g.

    References
    ----------
    Sutskever, Martens, Dahl and Hinton, "On the importance of initialization
    and momentum in deep learning", ICML 2013.
    """

    _state_arrays = ("velocity",)

    def __init__(self, n_params, dtype, momentum=0.9, nesterov=True, backend=NUMPY):
        super().__init__(n_params, dtype, backend)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def update(self, params, grads, lr, buf, v):
        mu = self.momentum
        buf = self.backend.scaled(grads, -lr, buf)  # buf = -lr * g
        v *= mu
        v += buf
        if self.nesterov:
            params += buf
            buf = self.backend.scaled(v, mu, buf)
            params += buf
        else:
            params += v

    def kernel_step(self, kernels, params, grads, lr, penalty, part=slice(None)):
        c = _in_dtype(params.dtype, self.momentum, -lr)
        p, g, v = params[part], grads[part], self.velocity[part]
        kernels.momentum(p, g, v, c, penalty, self.nesterov)


class Adagrad(_Optimizer):
    """Adaptive gradient: each parameter's step shrinks with its gradient history.

    G = G + g**2
    params -= lr * g / (sqrt(G) + epsilon)

    References
    ----------
    Duchi, Hazan and Singer, "Adaptive Subgradient Methods for Online Learning
    and Stochastic Optimization", JMLR 12, 2011.
    """

    _state_arrays = ("cache",)

    def __init__(self, n_params, dtype, epsilon=1e-8, backend=NUMPY):
        super().__init__(n_params, dtype, backend)
        self.epsilon = float(epsilon)

    def update(self, params, grads, lr, buf, G):
        buf = self.backend.squared(grads, buf)
        G += buf
        _scaled_step(params, grads, lr, G, self.epsilon, buf, self.backend)

    def kernel_step(self, kernels, params, grads, lr, penalty, part=slice(None)):
        # RMSprop's kernel with rho = 1: G * 1 + (g * g) * 1 is G + g * g exactly
        c = _in_dtype(params.dtype, 1.0, 1.0, self.epsilon, -lr)
        kernels.rmsprop(params[part], grads[part], self.cache[part], c, penalty)


class RMSprop(_Optimizer):
    """Adagrad with a leaky cache: a moving average of squared gradients.

    G = rho * G + (1 - rho) * g**2
    params -= lr * g / (sqrt(G) + epsilon)

    References
    ----------
    Tieleman and Hinton, "Lecture 6.5 - RMSprop", COURSERA: Neural Networks
    for Machine Learning, 2012.
    """

    _state_arrays = ("cache",)

    def __init__(self, n_params, dtype, rho=0.9, epsilon=1e-8, backend=NUMPY):
        super().__init__(n_params, dtype, backend)
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def update(self, params, grads, lr, buf, G):
        buf = self.backend.squared(grads, buf)
        buf *= 1 - self.rho
        G *= self.rho
        G += buf
        _scaled_step(params, grads, lr, G, self.epsilon, buf, self.backend)

    def kernel_step(self, kernels, params, grads, lr, penalty, part=slice(None)):
        c = _in_dtype(params.dtype, self.rho, 1 - self.rho, self.epsilon, -lr)
        kernels.rmsprop(params[part], grads[part], self.cache[part], c, penalty)


class Adam(_Optimizer):
    """Adaptive moment estimation, in the form MLPClassifier uses.

    t = t + 1
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    params -= lr_t * m / (sqrt(v) + epsilon)

    The bias corrections of m and v are folded into lr_t (Kingma and Ba's
    "more efficient" ordering, section 2 of the paper).

    References
    ----------
    Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
    """

    _state_arrays = ("m", "v")

    def __init__(
        self, n_params, dtype, beta_1=0.9, beta_2=0.999, epsilon=1e-8, backend=NUMPY
    ):
        super().__init__(n_params, dtype, backend)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)

    def _step_size(self, lr):
        t = self.steps  # already counts this step
        return lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def update(self, params, grads, lr_t, buf, m, v):
        m *= self.beta_1
        buf = self.backend.scaled(grads, 1 - self.beta_1, buf)
        m += buf
        v *= self.beta_2
        buf = self.backend.squared(grads, buf)
        buf *= 1 - self.beta_2
        v += buf
        _scaled_step(params, m, lr_t, v, self.epsilon, buf, self.backend)

    def kernel_step(self, kernels, params, grads, lr_t, penalty, part=slice(None)):
        b1, b2 = self.beta_1, self.beta_2
        c = _in_dtype(params.dtype, b1, 1 - b1, b2, 1 - b2, self.epsilon, -lr_t)
        p, g, m, v = params[part], grads[part], self.m[part], self.v[part]
        kernels.adam(p, g, m, v, c, penalty)


# solver name -> (update rule, {the rule's argument: the estimator parameter
# that sets it}): the named optimizers are aliases over the rules, as optax
# builds its optimizers from a table
OPTIMIZERS = {
    "sgd": (SGD, {"momentum": "momentum", "nesterov": "nesterovs_momentum"}),
    "adagrad": (Adagrad, {"epsilon": "epsilon"}),
    "rmsprop": (RMSprop, {"rho": "rho", "epsilon": "epsilon"}),
    "adam": (Adam, {"beta_1": "beta_1", "beta_2": "beta_2", "epsilon": "epsilon"}),
}


def make_optimizer(solver, n_params, dtype, settings, backend=NUMPY):
    """The optimizer of ``solver`` for ``n_params`` parameters.

    ``settings`` maps parameter names (the estimator's) to values; only those
    the rule takes are read. ``backend`` holds the arrays' library and device.
    """
    rule, arguments = OPTIMIZERS[solver]
    kwargs = {a: settings[p] for a, p in arguments.items()}
    return rule(n_params, dtype, backend=backend, **kwargs)


def _in_dtype(dtype, *values):
    # a compiled rule's scalars, each in the parameters' dtype, as NumPy casts
    # a Python float before it meets an array of that dtype
    cast = dtype.type
    return tuple(cast(v) for v in values)
