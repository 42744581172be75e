"""Hidden-layer activations ``A = f(Z)`` and their backward pass ``dZ = dA * f'(Z)``.

Each derivative is written in terms of the output ``A`` (relu: ``A > 0``,
logistic: ``A (1 - A)``, tanh: ``1 - A**2``), so the forward pass can overwrite
``Z`` in place and nothing but ``A`` is kept for the backward pass.
"""

import numpy as np
from scipy.special import expit


class Identity:
    """A = Z;   dZ = dA."""

    name = "identity"

    @staticmethod
    def forward(Z):
        return Z

    @staticmethod
    def backward(A, dA):
        return dA


class Logistic:
    """A = 1 / (1 + exp(-Z));   dZ = dA * A * (1 - A)."""

    name = "logistic"

    @staticmethod
    def forward(Z):
        return expit(Z, out=Z)

    @staticmethod
    def backward(A, dA):
        dA *= A
        dA *= 1 - A
        return dA


class Tanh:
    """A = tanh(Z);   dZ = dA * (1 - A**2)."""

    name = "tanh"

    @staticmethod
    def forward(Z):
        return np.tanh(Z, out=Z)

    @staticmethod
    def backward(A, dA):
        dA *= 1 - A * A
        return dA


class ReLU:
    """A = max(Z, 0);   dZ = dA * [A > 0]."""

    name = "relu"

    @staticmethod
    def forward(Z):
        return np.maximum(Z, 0, out=Z)

    @staticmethod
    def backward(A, dA):
        # a multiply by the boolean mask is one pass; boolean-index assignment
        # (dA[A <= 0] = 0) gathers indices first and is several times slower
        np.multiply(dA, A > 0, out=dA)
        return dA


ACTIVATIONS = {cls.name: cls for cls in (Identity, Logistic, Tanh, ReLU)}


def log_softmax(Z):
    """log P = Z - logsumexp(Z) row-wise, computed from logits without overflow."""
    S = Z - Z.max(axis=1, keepdims=True)
    S -= np.log(np.exp(S).sum(axis=1, keepdims=True))
    return S
