"""Update rules, from the simplest to the most elaborate.

Each rule updates the network's flat parameter vector ``params`` in place from
the flat gradient ``grads`` and a step size ``lr`` given by the shared
:class:`~skmlp._core.schedules.LearningRateSchedule`. All state is allocated
in ``__init__`` from the parameter count; ``state()``/``load_state()`` export
and restore it as plain arrays and numbers, so ``warm_start`` and repeated
``partial_fit`` continue where the last call stopped. Optimizers never print
and never decide to stop: the training loop does.

``step`` walks the flat vectors block by block and each rule's ``update``
applies its formulas to one block, in place, through one reused scratch
buffer: no temporary the size of the parameters is ever allocated, and the
several passes of an update run over arrays that stay in the CPU's L2 cache.
"""

import math

from . import _fused
from ._array import ArrayOps

# elements per block: the 4-5 arrays an update touches (2.5 MiB at most in
# float64) stay in a 2 MiB L2 cache between passes; 3x faster than whole-array
# passes for Adam on 270k float64 parameters, where each pass goes to memory
BLOCK_SIZE = 32768


class _Optimizer:
    _state_arrays = ()

    def __init__(self, n_params, dtype, ops=None):
        self.steps = 0  # optimizer steps taken so far: the schedule's s
        self.ops = ops = ArrayOps() if ops is None else ops
        # the fused one-pass kernel of the rule (the optional ``fast`` extra),
        # for NumPy arrays; it also folds the penalty's gradient in
        self.fused = ops.numpy and _fused.enabled()
        if self.fused:
            _fused.set_num_threads()  # as many threads as the BLAS may use
        self._c = None  # the fused kernel's coefficients (_coefficients)
        for name in self._state_arrays:
            setattr(self, name, ops.zeros(n_params, dtype))
        # NumPy walks the vectors block by block through one scratch buffer;
        # other array libraries update the whole vector, allocating as they go
        block = BLOCK_SIZE if ops.numpy else max(n_params, 1)
        self._buf = ops.empty(min(n_params, block), dtype) if ops.numpy else None
        self._blocks = [
            slice(start, min(start + block, n_params))
            for start in range(0, n_params, block)
        ]

    def step(self, params, grads, lr, penalty=None):
        """One update of ``params`` (in place) from ``grads`` with step size ``lr``.

        ``penalty`` is None, or on the fused path the penalty's ``(bounds, l1,
        l2)`` (``ElasticNet.ranges``), added to ``grads`` inside the one pass.
        Returns None, or on the fused path the sums of the new weights'
        squares and absolute values in each of the penalty's ranges, taken in
        the same pass (``ElasticNet.value_from_sums``).
        """
        self.steps += 1
        lr = self._step_size(lr)
        if self.fused:
            if penalty is None:
                penalty = _fused.no_penalty(params.dtype)
            return self._fused_update(params, grads, lr, penalty)
        states = [getattr(self, name) for name in self._state_arrays]
        for block in self._blocks:
            buf = None if self._buf is None else self._buf[: block.stop - block.start]
            self.update(
                params[block], grads[block], lr, buf, *[s[block] for s in states]
            )
        return None

    def _step_size(self, lr):
        return lr

    def _coefficients(self, dtype, lr):
        """The fused kernel's scalars: the rule's constants (``_constants``),
        then ``-lr``. One array per optimizer, in the parameters' dtype; each
        step writes only its step size into the last place."""
        if self._c is None or self._c.dtype != dtype:
            self._c = _fused.coefficients(dtype, *self._constants(), 0.0)
        self._c[-1] = -lr
        return self._c

    def state(self):
        """The optimizer's state as plain values and arrays (copies)."""
        return {
            "steps": self.steps,
            **{name: self.ops.copy(getattr(self, name)) for name in self._state_arrays},
        }

    def load_state(self, state):
        self.steps = int(state["steps"])
        for name in self._state_arrays:
            getattr(self, name)[...] = state[name]

    def reset(self):
        self.steps = 0
        for name in self._state_arrays:
            getattr(self, name)[...] = 0


def _scaled_step(params, grads, lr, cache, epsilon, buf, ops):
    """params -= lr * g / (sqrt(cache) + epsilon)."""
    buf = ops.sqrt(cache, buf)
    buf += epsilon
    buf = ops.divide(grads, buf, buf)
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

    def __init__(self, n_params, dtype, momentum=0.9, nesterov=True, ops=None):
        super().__init__(n_params, dtype, ops)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def update(self, params, grads, lr, buf, v):
        mu = self.momentum
        buf = self.ops.scaled(grads, -lr, buf)  # buf = -lr * g
        v *= mu
        v += buf
        if self.nesterov:
            params += buf
            buf = self.ops.scaled(v, mu, buf)
            params += buf
        else:
            params += v

    def _constants(self):
        return (self.momentum,)

    def _fused_update(self, params, grads, lr, penalty):
        c = self._coefficients(params.dtype, lr)
        return _fused.sgd(params, grads, self.velocity, c, *penalty, self.nesterov)


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

    def __init__(self, n_params, dtype, epsilon=1e-8, ops=None):
        super().__init__(n_params, dtype, ops)
        self.epsilon = float(epsilon)

    def update(self, params, grads, lr, buf, G):
        buf = self.ops.squared(grads, buf)
        G += buf
        _scaled_step(params, grads, lr, G, self.epsilon, buf, self.ops)

    def _constants(self):
        # RMSprop's kernel with rho = 1: G * 1 + (g * g) * 1 is G + g * g exactly
        return (1.0, 1.0, self.epsilon)

    def _fused_update(self, params, grads, lr, penalty):
        c = self._coefficients(params.dtype, lr)
        return _fused.rmsprop(params, grads, self.cache, c, *penalty)


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

    def __init__(self, n_params, dtype, rho=0.9, epsilon=1e-8, ops=None):
        super().__init__(n_params, dtype, ops)
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def update(self, params, grads, lr, buf, G):
        buf = self.ops.squared(grads, buf)
        buf *= 1 - self.rho
        G *= self.rho
        G += buf
        _scaled_step(params, grads, lr, G, self.epsilon, buf, self.ops)

    def _constants(self):
        return (self.rho, 1 - self.rho, self.epsilon)

    def _fused_update(self, params, grads, lr, penalty):
        c = self._coefficients(params.dtype, lr)
        return _fused.rmsprop(params, grads, self.cache, c, *penalty)


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
        self, n_params, dtype, beta_1=0.9, beta_2=0.999, epsilon=1e-8, ops=None
    ):
        super().__init__(n_params, dtype, ops)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)

    def _step_size(self, lr):
        t = self.steps  # already counts this step
        return lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def update(self, params, grads, lr_t, buf, m, v):
        m *= self.beta_1
        buf = self.ops.scaled(grads, 1 - self.beta_1, buf)
        m += buf
        v *= self.beta_2
        buf = self.ops.squared(grads, buf)
        buf *= 1 - self.beta_2
        v += buf
        _scaled_step(params, m, lr_t, v, self.epsilon, buf, self.ops)

    def _constants(self):
        b1, b2 = self.beta_1, self.beta_2
        return (b1, 1 - b1, b2, 1 - b2, self.epsilon)

    def _fused_update(self, params, grads, lr_t, penalty):
        c = self._coefficients(params.dtype, lr_t)
        return _fused.adam(params, grads, self.m, self.v, c, *penalty)


# solver name -> (update rule, {the rule's argument: the estimator parameter
# that sets it}): the named optimizers are aliases over the rules, as optax
# builds its optimizers from a table
OPTIMIZERS = {
    "sgd": (SGD, {"momentum": "momentum", "nesterov": "nesterovs_momentum"}),
    "adagrad": (Adagrad, {"epsilon": "epsilon"}),
    "rmsprop": (RMSprop, {"rho": "rho", "epsilon": "epsilon"}),
    "adam": (Adam, {"beta_1": "beta_1", "beta_2": "beta_2", "epsilon": "epsilon"}),
}


def make_optimizer(solver, n_params, dtype, settings, ops=None):
    """The optimizer of ``solver`` for ``n_params`` parameters.

    ``settings`` maps parameter names (the estimator's) to values; only those
    the rule takes are read. ``ops`` gives the array namespace and device.
    """
    rule, arguments = OPTIMIZERS[solver]
    kwargs = {a: settings[p] for a, p in arguments.items()}
    return rule(n_params, dtype, ops=ops, **kwargs)
