"""A feed-forward network: dense layers, one hidden activation, optional dropout.

Every layer's W and b are views into one flat parameter vector laid out as
[W_1, ..., W_L, b_1, ..., b_L] (and dW, db into one flat gradient vector of
the same layout): an optimizer updates all layers in a few in-place passes,
L-BFGS reads and writes the same vector, and the weights of every layer form
one contiguous slice for the penalty.
"""

import math

import numpy as np

from . import _fused
from ._array import ArrayOps
from .activations import ACTIVATIONS, ReLU
from .layers import Dense, Dropout


class Network:
    """Layers of sizes ``layer_sizes = [n_features, h_1, ..., h_{L-1}, n_outputs]``.

    Forward:   A_0 = X;  Z_l = A_{l-1} W_l + b_l;  A_l = f(Z_l) for l < L
               (dropout on each hidden A_l while training); returns the logits Z_L.
    Backward:  from dZ_L, each layer gives dW_l, db_l and dA_{l-1} = dZ_l W_l^T,
               then dZ_{l-1} = dA_{l-1} * f'(Z_{l-1}) (through the dropout mask).
    """

    def __init__(
        self,
        layer_sizes,
        activation="relu",
        dropout=0.0,
        dtype=np.float64,
        rng=None,
        ops=None,
        weights=None,
    ):
        """``weights=(coefs, intercepts)`` makes a network for prediction only,
        over those arrays as they are: no copy, no flat vectors, no gradient."""
        self.layer_sizes = [int(n) for n in layer_sizes]
        self.ops = ArrayOps() if ops is None else ops
        self.dtype = np.dtype(dtype) if self.ops.numpy else dtype
        self.activation = ACTIVATIONS[activation]
        # NumPy with the fast extra: ReLU layers add the bias and apply the
        # activation in one pass, and its backward (through the dropout mask)
        # fills the intercept's gradient in the same pass
        self._fused_relu = (
            self.ops.numpy and self.activation is ReLU and _fused.enabled()
        )
        n_hidden = len(self.layer_sizes) - 2
        rates = _per_hidden_layer(dropout, n_hidden)
        self.dropout_rates = rates
        self.dropouts = [Dropout(r, rng, self.ops) if r > 0 else None for r in rates]

        shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self.n_weights = sum(i * o for i, o in shapes)
        n_params = self.n_weights + sum(o for _, o in shapes)
        if weights is None:
            self.params = self.ops.zeros(n_params, self.dtype)
            self.grads = self.ops.zeros(n_params, self.dtype)
            self.coefs, self.intercepts = self._views(self.params, shapes)
            dcoefs, dintercepts = self._views(self.grads, shapes)
        else:
            self.params = self.grads = None
            self.coefs, self.intercepts = list(weights[0]), list(weights[1])
            dcoefs = dintercepts = [None] * len(shapes)
        self.layers = [
            Dense(W, b, dW, db, self.ops)
            for W, b, dW, db in zip(self.coefs, self.intercepts, dcoefs, dintercepts)
        ]
        self._hidden_A = [None] * n_hidden
        self._Z = self._dA = self._dropped = None  # NumPy's work buffers
        self._training = False
        self._capacity = 0

    def _views(self, flat, shapes):
        """Each layer's W and b as views into ``flat``."""
        xp, start, views = self.ops.xp, 0, []
        for shape in shapes + [(o,) for _, o in shapes]:
            size = math.prod(shape)
            views.append(xp.reshape(flat[start : start + size], shape))
            start += size
        return views[: len(shapes)], views[len(shapes) :]

    def seed_dropout(self, rng):
        """Give every dropout layer the generator of its masks (one per network:
        see ``ArrayOps.random_generator``)."""
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
        ops = self.ops

        def to_device(a):
            return a if ops.numpy else ops.asarray(a, dtype=self.dtype)

        for W, b in zip(self.coefs, self.intercepts):
            fan_in, fan_out = W.shape
            bound = np.sqrt(factor / (fan_in + fan_out))
            W[...] = to_device(rng.uniform(-bound, bound, (fan_in, fan_out)))
            b[...] = to_device(rng.uniform(-bound, bound, fan_out))
        return self

    def set_weights(self, coefs, intercepts):
        for W, b, W_new, b_new in zip(self.coefs, self.intercepts, coefs, intercepts):
            W[...] = W_new
            b[...] = b_new
        return self

    def forward(self, X, training=False):
        """Logits Z_L of the batch ``X``; caches for ``backward`` when training."""
        n = X.shape[0]
        if training:
            self._reserve(n)
        self._training = training
        last = len(self.layers) - 1
        A, xp = X, self.ops.xp
        fused = self._fused_relu and X.dtype == self.dtype  # else NumPy promotes
        for l, layer in enumerate(self.layers):
            out = self._buffer(self._Z, l, n) if training else None
            if l == last:
                return layer.forward(A, out=out)
            if fused:
                A = _fused.bias_relu(layer.forward(A, out=out, bias=False), layer.b)
            else:
                A = self.activation.forward(layer.forward(A, out=out), xp)
            if training:
                self._hidden_A[l] = A
                if self.dropouts[l] is not None:
                    out = self._buffer(self._dropped, l, n)
                    A = self.dropouts[l].forward(A, out=out)

    def backward(self, dZ, output_bias_grad=True):
        """Fill ``self.grads`` from dZ_L, the gradient of the loss at the logits.

        ``output_bias_grad=False``: the caller has filled the output layer's
        intercept gradient db_L already (the head does, in its pass over dZ_L).
        """
        if not self._training:
            raise RuntimeError("backward needs a forward pass with training=True")
        n, db_filled = dZ.shape[0], not output_bias_grad
        for l in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[l]
            out = self._buffer(self._dA, l - 1, n) if l > 0 else None
            dA = layer.backward(dZ, out, input_grad=l > 0, bias_grad=not db_filled)
            if l == 0:
                return self.grads
            dZ, db_filled = self._hidden_backward(l - 1, dA)

    def _hidden_backward(self, l, dA):
        """dZ_l = dA_l (through hidden layer l's dropout mask) * f'(Z_l), and
        whether the intercept's gradient db_l was filled on the way."""
        A, dropout = self._hidden_A[l], self.dropouts[l]
        if self._fused_relu:
            mask, rate = (
                (None, 0.0) if dropout is None else (dropout.mask, dropout.rate)
            )
            return _fused.relu_backward(A, dA, self.layers[l].db, mask, rate), True
        if dropout is not None:
            dA = dropout.backward(dA)
        return self.activation.backward(A, dA, self.ops.xp), False

    def _buffer(self, buffers, l, n):
        # NumPy's work buffer of layer l for a batch of n rows; other array
        # libraries allocate their results (no out=)
        return buffers[l][:n] if self.ops.numpy else None

    def _reserve(self, n):
        # work buffers for the largest batch seen, reused (as views [:n]) by
        # every later batch: no per-batch allocation of activations or deltas
        if n <= self._capacity or not self.ops.numpy:
            return
        widths = self.layer_sizes[1:]
        self._Z = [np.empty((n, w), dtype=self.dtype) for w in widths]
        self._dA = [np.empty((n, w), dtype=self.dtype) for w in widths[:-1]]
        self._dropped = [
            np.empty((n, w), dtype=self.dtype) if d is not None else None
            for w, d in zip(widths[:-1], self.dropouts)
        ]
        self._capacity = n


def _per_hidden_layer(dropout, n_hidden):
    if np.ndim(dropout) == 0:
        return [float(dropout)] * n_hidden
    rates = [float(r) for r in dropout]
    if len(rates) != n_hidden:
        raise ValueError(f"dropout has {len(rates)} rates for {n_hidden} hidden layers")
    return rates
