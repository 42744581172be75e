"""A feed-forward network: dense layers, one hidden activation, optional dropout.

Every layer's W and b are views into one flat parameter vector laid out as
[W_1, ..., W_L, b_1, ..., b_L] (and dW, db into one flat gradient vector of
the same layout): an optimizer updates all layers in a few in-place passes,
L-BFGS reads and writes the same vector, and the weights of every layer form
one contiguous slice for the penalty.
"""

import math

import numpy as np

from .activations import ACTIVATIONS
from .backends import NUMPY
from .layers import Dense, Dropout


class Network:
    """Layers of sizes ``layer_sizes = [n_features, h_1, ..., h_{L-1}, n_outputs]``.

    Forward:   A_0 = X;  Z_l = A_{l-1} W_l + b_l;  A_l = f(Z_l) for l < L
               (dropout on each hidden A_l while training); returns the logits Z_L.
    Backward:  from dZ_L, each layer gives dW_l and dA_{l-1} = dZ_l W_l^T,
               then dZ_{l-1} = dA_{l-1} * f'(Z_{l-1}) (through the dropout mask)
               and db_{l-1} = the sum of dZ_{l-1}'s rows.
    """

    def __init__(
        self, layer_sizes, activation="relu", dropout=0.0, dtype=np.float64, rng=None,
        backend=NUMPY,
    ):  # fmt: skip
        self.layer_sizes = [int(n) for n in layer_sizes]
        self.backend = backend
        self.dtype = backend.dtype(dtype)
        self.activation = ACTIVATIONS[activation]
        n_hidden = len(self.layer_sizes) - 2
        rates = _per_hidden_layer(dropout, n_hidden)
        self.dropout_rates = rates
        self.dropouts = [Dropout(r, rng, backend) if r > 0 else None for r in rates]

        shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self.n_weights = sum(i * o for i, o in shapes)
        n_params = self.n_weights + sum(o for _, o in shapes)
        self.params = backend.zeros(n_params, self.dtype)
        self.grads = backend.zeros(n_params, self.dtype)
        self.coefs, self.intercepts = self._views(self.params, shapes)
        dcoefs, dintercepts = self._views(self.grads, shapes)
        self.layers = [
            Dense(*arrays, backend)
            for arrays in zip(self.coefs, self.intercepts, dcoefs, dintercepts)
        ]
        self._hidden_A = [None] * n_hidden
        self._Z = self._dA = self._dropped = [None] * (n_hidden + 1)
        self._training = False
        self._capacity = 0

    def _views(self, flat, shapes):
        """Each layer's W and b as views into ``flat``."""
        xp, start, views = self.backend.xp, 0, []
        for shape in shapes + [(o,) for _, o in shapes]:
            size = math.prod(shape)
            views.append(xp.reshape(flat[start : start + size], shape))
            start += size
        return views[: len(shapes)], views[len(shapes) :]

    def seed_dropout(self, rng):
        """Give every dropout layer the generator of its masks (one per network:
        see ``backend.random_generator``)."""
        for d in self.dropouts:
            if d is not None:
                d.rng = rng
        return self

    @property
    def weights(self):
        """The flat vector of every layer's weights (no intercepts): a view."""
        return self.params[: self.n_weights]

    @property
    def weight_grads(self):
        return self.grads[: self.n_weights]

    def initialize(self, rng, factor=6.0):
        """Glorot-uniform weights and intercepts, drawn as MLPClassifier draws them.

        For each layer in turn: W ~ U(-r, r) of shape (fan_in, fan_out), then
        b ~ U(-r, r), with r = sqrt(factor / (fan_in + fan_out)); ``factor`` is
        2 for logistic hidden units and 6 otherwise (Glorot and Bengio, 2010).
        """
        # drawn on the host, so that every array library gets the same weights
        asarray = self.backend.asarray
        for W, b in zip(self.coefs, self.intercepts):
            fan_in, fan_out = W.shape
            bound = np.sqrt(factor / (fan_in + fan_out))
            W[...] = asarray(rng.uniform(-bound, bound, (fan_in, fan_out)), self.dtype)
            b[...] = asarray(rng.uniform(-bound, bound, fan_out), self.dtype)
        return self

    def set_weights(self, coefs, intercepts):
        for W, b, W_new, b_new in zip(self.coefs, self.intercepts, coefs, intercepts):
            W[...] = W_new
            b[...] = b_new
        return self

    def forward(self, X, training=False):
        """Logits Z_L of the batch ``X``; caches for ``backward`` when training."""
        if not training:
            return forward(
                X, self.coefs, self.intercepts, self.activation, self.backend
            )
        n = X.shape[0]
        self._reserve(n)
        self._training = True
        A, last = X, len(self.layers) - 1
        for l, layer in enumerate(self.layers):
            Z = layer.product(A, out=_rows(self._Z[l], n))
            if l == last:
                Z += layer.b
                return Z
            A = self.backend.add_bias_and_activate(Z, layer.b, self.activation)
            self._hidden_A[l] = A
            if self.dropouts[l] is not None:
                A = self.dropouts[l].forward(A, out=_rows(self._dropped[l], n))

    def backward(self, dZ):
        """Fill ``self.grads`` from dZ_L, the gradient of the loss at the logits
        (the head has filled the output layer's db_L with dZ_L)."""
        if not self._training:
            raise RuntimeError("backward needs a forward pass with training=True")
        n = dZ.shape[0]
        for l in range(len(self.layers) - 1, 0, -1):
            dA = self.layers[l].backward(dZ, out=_rows(self._dA[l - 1], n))
            dropout = self.dropouts[l - 1]
            mask, rate = (
                (None, 0.0) if dropout is None else (dropout.mask, dropout.rate)
            )
            dZ = self.backend.activation_backward(
                self.activation,
                self._hidden_A[l - 1],
                dA,
                mask,
                rate,
                self.layers[l - 1].db,
            )
        self.layers[0].backward(dZ, input_grad=False)
        return self.grads

    def _reserve(self, n):
        # work buffers for the largest batch seen, reused (as views [:n]) by
        # every later batch: no per-batch allocation of activations or deltas
        if n <= self._capacity:
            return
        widths, buffer = self.layer_sizes[1:], self.backend.buffer
        self._Z = [buffer((n, w), self.dtype) for w in widths]
        self._dA = [buffer((n, w), self.dtype) for w in widths[:-1]]
        self._dropped = [
            buffer((n, w), self.dtype) if d is not None else None
            for w, d in zip(widths[:-1], self.dropouts)
        ]
        self._capacity = n


def forward(X, coefs, intercepts, activation, backend=NUMPY):
    """The logits of ``X`` through the layers ``(coefs, intercepts)``: prediction.

    Nothing is kept for a backward pass and no buffer is reused, so a fitted
    model's own arrays serve as they are, with no set-up per call.
    """
    A, last = X, len(coefs) - 1
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        Z = backend.matmul(A, W)
        if l == last:
            Z += b
            return Z
        A = backend.add_bias_and_activate(Z, b, activation)


def _rows(buffer, n):
    # the first n rows of a work buffer, or None where the backend allocates
    return None if buffer is None else buffer[:n]


def _per_hidden_layer(dropout, n_hidden):
    if np.ndim(dropout) == 0:
        return [float(dropout)] * n_hidden
    rates = [float(r) for r in dropout]
    if len(rates) != n_hidden:
        raise ValueError(f"dropout has {len(rates)} rates for {n_hidden} hidden layers")
    return rates
