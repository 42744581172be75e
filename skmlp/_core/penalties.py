"""Weight penalties. Intercepts are never penalised.

The penalty of a step is divided by B, the sample-weight sum of the batch (the
whole training set for L-BFGS), which is MLPClassifier's scaling of ``alpha``:
it makes ``alpha`` the inverse of LogisticRegression's ``C`` when the network
has no hidden layer.
"""

import numpy as np
from scipy.linalg import blas


class ElasticNet:
    """R(W) = alpha * (l1_ratio * sum|W| + (1 - l1_ratio) * 1/2 sum W**2) / B

    dR/dW = alpha * (l1_ratio * sign(W) + (1 - l1_ratio) * W) / B

    ``alpha`` is one strength for every layer, or one per weight matrix; then
    ``layer_sizes`` (the number of weights of each matrix, in the order of the
    flat weight vector) says where each strength applies.
    """

    def __init__(self, alpha, l1_ratio=0.0, layer_sizes=None):
        self.l1_ratio = float(l1_ratio)
        if np.ndim(alpha) == 0:
            parts = [(slice(None), float(alpha))]
        else:
            bounds = np.cumsum([0, *layer_sizes])
            parts = [(slice(int(start), int(stop)), float(a))
                     for start, stop, a in zip(bounds[:-1], bounds[1:], alpha)]
        self._parts = [(s, a) for s, a in parts if a != 0.0]

    @property
    def active(self):
        return bool(self._parts)

    def value(self, W, B):
        """``W`` is the flat vector of every layer's weights."""
        total = 0.0
        for part, alpha in self._parts:
            Wp = W[part]
            l1 = float(np.abs(Wp).sum()) if self.l1_ratio > 0 else 0.0
            l2 = 0.5 * float(Wp @ Wp) if self.l1_ratio < 1 else 0.0
            total += alpha * (self.l1_ratio * l1 + (1 - self.l1_ratio) * l2)
        return total / B

    def add_grad(self, W, dW, B):
        """dW += dR/dW, in place."""
        for part, alpha in self._parts:
            if self.l1_ratio < 1:
                # one fused pass: dW += c * W  (no temporary the size of W)
                _axpy(alpha * (1 - self.l1_ratio) / B, W[part], dW[part])
            if self.l1_ratio > 0:
                dW[part] += (alpha * self.l1_ratio / B) * np.sign(W[part])
        return dW


class L2(ElasticNet):
    """R(W) = alpha * 1/2 sum W**2 / B  (MLPClassifier's penalty)."""

    def __init__(self, alpha):
        super().__init__(alpha, l1_ratio=0.0)


class L1(ElasticNet):
    """R(W) = alpha * sum|W| / B."""

    def __init__(self, alpha):
        super().__init__(alpha, l1_ratio=1.0)


def _axpy(a, x, y):
    """y += a * x in place, through BLAS when the dtypes allow it."""
    if x.dtype == np.float64:
        blas.daxpy(x, y, a=a)
    elif x.dtype == np.float32:
        blas.saxpy(x, y, a=a)
    else:  # pragma: no cover - the network only holds float32/float64
        y += a * x
