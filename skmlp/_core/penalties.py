"""Weight penalties. Intercepts are never penalised.

The penalty of a step is divided by B, the sample-weight sum of the batch (the
whole training set for L-BFGS), which is MLPClassifier's scaling of ``alpha``:
it makes ``alpha`` the inverse of LogisticRegression's ``C`` when the network
has no hidden layer.
"""

import numpy as np

from .backends import NUMPY


class ElasticNet:
    """R(W) = alpha * (l1_ratio * sum|W| + (1 - l1_ratio) * 1/2 sum W**2) / B

    dR/dW = alpha * (l1_ratio * sign(W) + (1 - l1_ratio) * W) / B

    ``alpha`` is one strength for every layer, or one per weight matrix; then
    ``layer_sizes`` (the number of weights of each matrix, in the order of the
    flat weight vector) says where each strength applies.
    """

    def __init__(self, alpha, l1_ratio=0.0, layer_sizes=None, backend=NUMPY):
        self.l1_ratio, self.backend = float(l1_ratio), backend
        if np.ndim(alpha) == 0:
            parts = [(slice(None), float(alpha))]
        else:
            bounds = np.cumsum([0, *layer_sizes])
            parts = [
                (slice(int(start), int(stop)), float(a))
                for start, stop, a in zip(bounds[:-1], bounds[1:], alpha)
            ]
        self._parts = [(s, a) for s, a in parts if a != 0.0]
        self._scratch = None
        self._ranges = None  # (key, ranges) of the last call of ranges

    def value(self, W, B):
        """``W`` is the flat vector of every layer's weights."""
        xp, r, total = self.backend.xp, self.l1_ratio, 0.0
        for part, alpha in self._parts:
            l1 = float(xp.sum(xp.abs(W[part]))) if r > 0 else 0.0
            l2 = 0.5 * float(W[part] @ W[part]) if r < 1 else 0.0
            total += alpha * (r * l1 + (1 - r) * l2)
        return total / B

    def add_grad(self, W, dW, B):
        """dW += dR/dW, in place."""
        for part, alpha in self._parts:
            if self.l1_ratio < 1:
                c = alpha * (1 - self.l1_ratio) / B
                self._axpy(c, W[part], dW[part])
            if self.l1_ratio > 0:
                dW[part] += (alpha * self.l1_ratio / B) * self.backend.xp.sign(W[part])
        return dW

    def _axpy(self, a, x, y):
        # y += a * x, block by block through one scratch buffer where the
        # backend writes in place: no temporary the size of the weights
        backend = self.backend
        if self._scratch is None or self._scratch.dtype != y.dtype:
            self._scratch = backend.scratch(backend.block_size or 1, y.dtype)
        for sl in backend.blocks(x.shape[0]):
            buf = None if self._scratch is None else self._scratch[: sl.stop - sl.start]
            y[sl] += backend.scaled(x[sl], a, buf)

    def ranges(self, n_weights, B, dtype):
        """``(bounds, l1, l2)``: the gradient as a compiled update adds it.

        On ``[bounds[j], bounds[j + 1])`` of the flat weight vector the
        gradient gains ``l2[j] * W + l1[j] * sign(W)``, the coefficients of
        :meth:`add_grad` (computed alike, stored in ``dtype``). Kept from one
        call to the next while B stays the same (every full batch).
        """
        key = (n_weights, B, np.dtype(dtype))
        if self._ranges is None or self._ranges[0] != key:
            self._ranges = key, self._make_ranges(n_weights, B, dtype)
        return self._ranges[1]

    def _make_ranges(self, n_weights, B, dtype):
        bounds, l1, l2 = [0], [], []
        for part, alpha in self._parts:
            start, stop, _ = part.indices(n_weights)
            if start > bounds[-1]:  # a layer without penalty
                bounds.append(start)
                l1.append(0.0)
                l2.append(0.0)
            bounds.append(stop)
            l1.append(alpha * self.l1_ratio / B if self.l1_ratio > 0 else 0.0)
            l2.append(alpha * (1 - self.l1_ratio) / B if self.l1_ratio < 1 else 0.0)
        return (
            np.asarray(bounds, np.int64),
            np.asarray(l1, dtype),
            np.asarray(l2, dtype),
        )
