"""Layers: a fully connected (dense) layer and inverted dropout.

A layer's ``forward`` returns its output and keeps only what its ``backward``
needs; ``backward`` returns the gradient with respect to the layer's input and
writes parameter gradients into arrays the network allocated once. ``ops``
(:class:`~skmlp._core._array.ArrayOps`) holds the array namespace and the
products that NumPy writes into buffers.
"""

import numpy as np
import scipy.sparse as sp

from . import _fused
from ._array import ArrayOps, keep_bits


class Dense:
    """Fully connected layer.

    Forward:   Z = A_prev @ W + b
    Backward:  dW = A_prev.T @ dZ,   db = sum over rows of dZ,   dA_prev = dZ @ W.T

    ``W``, ``b``, ``dW`` and ``db`` are views into the network's flat parameter
    and gradient vectors, so an optimizer updates every layer in one pass.
    """

    def __init__(self, W, b, dW, db, ops=None):
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.ops = ArrayOps() if ops is None else ops
        self._A_prev = None
        self._sparse_input = False

    def forward(self, A_prev, out=None, bias=True):
        """Z; ``bias=False`` leaves ``+ b`` to the caller (a fused kernel adds it)."""
        # scipy's issparse, after the test that settles every dense batch at once
        sparse = type(A_prev) is not np.ndarray and sp.issparse(A_prev)
        self._A_prev, self._sparse_input = A_prev, sparse
        if sparse:
            Z = np.ascontiguousarray(A_prev @ self.W)  # sparse input: NumPy/SciPy
        else:
            Z = self.ops.matmul(A_prev, self.W, out=out)
        if bias:
            Z += self.b
        return Z

    def backward(self, dZ, out=None, input_grad=True, bias_grad=True):
        """dW, db (unless ``bias_grad=False``: the caller filled it) and dA_prev."""
        A_prev = self._A_prev
        if self._sparse_input:
            self.dW[...] = A_prev.T @ dZ
        else:
            self.ops.matmul_into(A_prev.T, dZ, self.dW)
        if bias_grad:
            self.ops.sum_rows_into(dZ, self.db)
        if not input_grad:  # the first layer: nobody needs dX
            return None
        return self.ops.matmul(dZ, self.W.T, out=out)


class Dropout:
    """Inverted dropout with rate ``p``.

    Forward (training):  A_drop = A * M / (1 - p),  M_ij ~ Bernoulli(1 - p) each step
    Backward:            dA = dA_drop * M / (1 - p)
    At predict time the layer is the identity: the 1/(1 - p) scaling during
    training already keeps the expected activation unchanged.

    ``rng`` draws the masks (see ``ArrayOps.random_generator`` and
    ``ArrayOps.keep_mask``): with NumPy from its raw bits, compared as
    integers (:func:`~skmlp._core._array.keep_bits`: 16 bits a decision, p
    rounded up to a multiple of 2**-16), at a fraction of the cost of
    ``rng.random(...) >= p``.
    """

    def __init__(self, rate, rng, ops=None):
        self.rate = float(rate)
        self.rng = rng
        self.ops = ArrayOps() if ops is None else ops
        self.mask = None
        # NumPy with the fast extra: one fused pass makes the mask and the
        # output, the mask into a buffer reused from batch to batch
        self._fused = self.ops.numpy and _fused.enabled()
        self._mask_buffer = np.empty((0, 0), dtype=bool)

    def forward(self, A, out=None):
        scale = 1.0 / (1.0 - self.rate)
        ops = self.ops
        if self._fused and out is not None:
            bits, threshold = keep_bits(self.rng, A.size, self.rate)
            self.mask = self._mask_rows(A.shape)
            return _fused.dropout_mask(A, bits, threshold, self.rate, self.mask, out)
        mask = ops.keep_mask(self.rng, A.shape, self.rate, A.dtype)
        if not ops.numpy:
            self.mask = ops.xp.astype(mask, A.dtype)
            return A * self.mask * scale
        self.mask = mask
        out = np.multiply(A, mask, out=out)
        out *= scale
        return out

    def backward(self, dA):
        dA *= self.mask
        dA *= 1.0 / (1.0 - self.rate)
        return dA

    def _mask_rows(self, shape):
        if (
            self._mask_buffer.shape[0] < shape[0]
            or self._mask_buffer.shape[1:] != shape[1:]
        ):
            self._mask_buffer = np.empty(shape, dtype=bool)
        return self._mask_buffer[: shape[0]]
