"""Physical-floor contenders: the least work any implementation of a row must do.

"GEMM only" runs the network's matrix products alone, batch by batch, in the
row's dtype on preallocated buffers: forward ``Z = A W`` per layer, backward
``dW = A^T dZ`` per layer and ``dA = dZ W^T`` for every layer but the first.
Same batch size, same number of batches per epoch (the last one shorter when
the batch size does not divide the training set).

"floor" adds the data no implementation can skip: each epoch a fresh
permutation and, each step, the gather of the batch rows into a buffer
(``np.take(..., out=..., mode="clip")``, the fastest gather here), and one
streaming pass over the parameters, the gradient and Adam's two moments (read
p, g, m, v; write p, m, v).  That pass is the fastest of the kernels available
here, chosen by timing them on the row's parameter count (interleaved, the
fastest of 51 calls each): a fused numba loop (serial, and split over the
run's threads in a pool of sleeping threads when it has more than one) when
numba is importable, and the cheapest NumPy expression of the same traffic
(three in-place ufunc passes) in any case.
Its step size is 0, so the weights -- the GEMM inputs -- stay the same across
epochs: the traffic is the same, and no value can overflow into a slow path.

The output layer is as wide as the model's: one unit per class (one for two
classes), or per target column on a regression row.  On a classification row
the output gradient ``dZ`` is a fixed buffer: the softmax head is work the
floor does not count.  On a regression row the squared error's head is the
data itself, ``dZ = Z - Y``: the floor gathers the batch's target rows with
its input rows and forms ``Z - Y`` in ``dZ`` (one subtraction, the least any
implementation does with the targets); "GEMM only" does neither.

Neither contender computes activations, a loss, biases' gradients or the
optimizer's arithmetic: they bound from below what a training step costs.
"""

import functools
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .rows import SEED
from .util import output_units

_KERNELS = {}  # (n_params, dtype, n_threads) -> (name, function)
# rounds of the candidates' timing, interleaved: with seven calls of one
# candidate after the other's seven, a noisy moment could pick the slower
# (the narrow row's floor took NumPy's three passes in a run on 2026-11-30,
# 47 us against the fused loop's 36 over its 50 890 float64 parameters)
_ROUNDS = 51
_BETA1, _BETA2 = 0.9, 0.999


def _numpy_pass(p, g, m, v, lr):
    """Reads p, g, m, v and writes p, m, v in three passes (all values bounded)."""
    np.maximum(m, g, out=m)
    np.minimum(v, m, out=v)
    np.multiply(p, 1 - lr, out=p)


@functools.cache  # one set of compiled loops per process
def _numba_passes():
    """{name: fused loop} compiled by numba, or {} without numba."""
    try:
        import numba
    except ImportError:
        return {}

    def stream(p, g, m, v, b1, b2, lr):
        for i in numba.prange(p.shape[0]):
            gi = g[i]
            mi = b1 * m[i] + gi
            m[i] = mi
            v[i] = b2 * v[i] + gi * gi
            p[i] -= lr * mi

    # serial and GIL-free; with several threads it runs on contiguous chunks in
    # a pool of sleeping Python threads (_threaded). numba's own parallel
    # layer is not a candidate: its idle OpenMP workers spin against the BLAS
    # threads between the products, and on a 2-core machine the "floor" then
    # ran slower than skmlp (timed alone, it looked fastest)
    return {"numba fused loop": numba.njit(fastmath=True, nogil=True)(stream)}


_POOLS = {}  # n_threads -> ThreadPoolExecutor of n_threads - 1 workers


def _threaded(function, n_threads):
    """``function(p, g, m, v, ...)`` on ``n_threads`` contiguous chunks at once."""
    if n_threads not in _POOLS:
        _POOLS[n_threads] = ThreadPoolExecutor(n_threads - 1)
    pool = _POOLS[n_threads]

    def run(p, g, m, v, *scalars):
        cuts = [t * p.shape[0] // n_threads for t in range(n_threads + 1)]
        chunks = [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        rest = [
            pool.submit(function, p[c], g[c], m[c], v[c], *scalars) for c in chunks[1:]
        ]
        c = chunks[0]
        function(p[c], g[c], m[c], v[c], *scalars)
        for future in rest:
            future.result()

    return run


def _wrap(fused, dtype):
    b1, b2 = dtype.type(_BETA1), dtype.type(_BETA2)
    return lambda p, g, m, v, lr: fused(p, g, m, v, b1, b2, lr)


def _best_of(candidates, n_params, dtype, rounds=_ROUNDS):
    """The candidate that streams `n_params` values of `dtype` fastest: each
    timed once per round, the candidates in turn, for `rounds` rounds; the
    fastest of its rounds counts (a busy neighbour only ever slows a call)."""
    p, g, m, v = (np.full(n_params, 0.5, dtype=dtype) for _ in range(4))
    lr = dtype.type(0)
    timings = dict.fromkeys(candidates, math.inf)
    for function in candidates.values():
        function(p, g, m, v, lr)  # compiles numba's loops, touches the pages
    for _ in range(rounds):
        for name, function in candidates.items():
            t0 = time.perf_counter()
            function(p, g, m, v, lr)
            timings[name] = min(timings[name], time.perf_counter() - t0)
    name = min(timings, key=timings.get)
    return name, candidates[name]


def optimizer_pass(n_params, dtype, n_threads):
    """(name, function(p, g, m, v, lr)): the fastest streaming pass found here."""
    dtype = np.dtype(dtype)
    key = (n_params, dtype.name, n_threads)
    if key not in _KERNELS:
        candidates = {"NumPy, 3 in-place passes": _numpy_pass}
        for name, fused in _numba_passes().items():
            candidates[name] = _wrap(fused, dtype)
            if n_threads > 1:
                threaded = _threaded(fused, n_threads)
                candidates[f"{name}, {n_threads} threads"] = _wrap(threaded, dtype)
        _KERNELS[key] = _best_of(candidates, n_params, dtype)
    return _KERNELS[key]


def _layer_shapes(sizes):
    return list(zip(sizes[:-1], sizes[1:], strict=True))


def _n_params(shapes):
    """Weights and biases of the layers (fan_in, fan_out) in `shapes`."""
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in shapes)


class _Network:
    """Preallocated buffers of one network: flat parameters and gradient (the
    weight matrices are views into them), Adam's moments, activations and their
    gradients for one batch."""

    def __init__(self, sizes, batch_size, dtype, rng):
        shapes = _layer_shapes(sizes)
        n_params = _n_params(shapes)
        self.params = np.empty(n_params, dtype=dtype)
        self.grad = np.zeros(n_params, dtype=dtype)
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)
        self.W, self.dW, start = [], [], 0
        for fan_in, fan_out in shapes:
            stop = start + fan_in * fan_out
            bound = (6 / (fan_in + fan_out)) ** 0.5  # Glorot, as MLPClassifier
            self.params[start : stop + fan_out] = rng.uniform(
                -bound, bound, stop + fan_out - start
            )
            self.W.append(self.params[start:stop].reshape(fan_in, fan_out))
            self.dW.append(self.grad[start:stop].reshape(fan_in, fan_out))
            start = stop + fan_out  # the biases follow their weights
        self.A = [np.zeros((batch_size, k), dtype=dtype) for k in sizes]
        self.dZ = [np.zeros((batch_size, k), dtype=dtype) for k in sizes[1:]]
        self.dZ[-1][:] = rng.uniform(-1, 1, self.dZ[-1].shape)

    def products(self, b):
        """The matrix products of one step on the first `b` rows of the buffers."""
        self.forward(b)
        self.backward(b)

    def forward(self, b):
        """``Z = A W`` layer by layer; ``A[-1]`` is then the output layer's Z."""
        A = [a[:b] for a in self.A]
        for layer, W in enumerate(self.W):
            np.matmul(A[layer], W, out=A[layer + 1])

    def backward(self, b):
        """The weight gradients, and the input gradients but the first layer's,
        from the output gradient ``dZ[-1]``."""
        A, dZ = [a[:b] for a in self.A], [d[:b] for d in self.dZ]
        for layer in reversed(range(len(self.W))):
            np.matmul(A[layer].T, dZ[layer], out=self.dW[layer])
            if layer > 0:  # no gradient for the input
                np.matmul(dZ[layer], self.W[layer].T, out=dZ[layer - 1])


@dataclass
class FloorNet:
    """The "GEMM only" (with_data=False) or "floor" (with_data=True) contender."""

    hidden: tuple
    batch_size: int
    max_iter: int
    with_data: bool
    n_threads: int
    regression: bool = False

    def _sizes(self, X, y):
        return [X.shape[1], *self.hidden, output_units(y, self.regression)]

    def prepare(self, X, y):
        """Chooses (and compiles) the optimizer pass for this network, once."""
        if self.with_data:
            n_params = _n_params(_layer_shapes(self._sizes(X, y)))
            optimizer_pass(n_params, X.dtype, self.n_threads)

    def fit(self, X, y):
        rng = np.random.default_rng(SEED)
        batch = min(self.batch_size, len(X))
        net = _Network(self._sizes(X, y), batch, X.dtype, rng)
        net.A[0][:] = X[:batch]
        self.kernel_, step = None, None
        if self.with_data:
            self.kernel_, step = optimizer_pass(
                len(net.params), X.dtype, self.n_threads
            )
        # the targets a regression row's head reads: (n, outputs) in X's dtype
        # (no copy when they are already), and a buffer for a batch of them
        Y = Y_batch = None
        if self.regression and self.with_data:
            Y = np.asarray(y, dtype=X.dtype).reshape(len(y), -1)
            Y_batch = np.empty((batch, Y.shape[1]), dtype=X.dtype)
        lr = X.dtype.type(0)
        for _ in range(self.max_iter):
            order = rng.permutation(len(X)) if self.with_data else None
            for start in range(0, len(X), batch):
                b = min(batch, len(X) - start)
                if self.with_data:
                    # mode="clip": the indices are valid, and the default
                    # ("raise") would copy through a temporary when given out=
                    rows = order[start : start + b]
                    np.take(X, rows, axis=0, out=net.A[0][:b], mode="clip")
                net.forward(b)
                if Y is not None:  # the squared error's head: dZ = Z - Y
                    np.take(Y, rows, axis=0, out=Y_batch[:b], mode="clip")
                    np.subtract(net.A[-1][:b], Y_batch[:b], out=net.dZ[-1][:b])
                net.backward(b)
                if self.with_data:
                    step(net.params, net.grad, net.m, net.v, lr)
        self.n_iter_ = self.max_iter
        self.network_ = net  # its buffers hold the last step's (for the tests)
        return self

    @property
    def detail(self):
        """What the run should say about this contender (for the notes)."""
        if self.with_data:
            return f"optimizer pass: {self.kernel_}"
        return None
