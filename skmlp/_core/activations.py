"""Hidden-layer activations ``A = f(Z)`` and their backward pass ``dZ = dA * f'(Z)``.

Each derivative is written in terms of the output ``A`` (relu: ``A > 0``,
logistic: ``A (1 - A)``, tanh: ``1 - A**2``), so the forward pass can overwrite
``Z`` in place and nothing but ``A`` is kept for the backward pass.

``xp`` is the array namespace (NumPy by default); with NumPy the forward pass
writes over ``Z`` (``out=``), with any other namespace it returns a new array.
"""

import numpy as np
from scipy.special import expit


class Identity:
    """A = Z;   dZ = dA."""

    name = "identity"

    @staticmethod
    def forward(Z, xp=np):
        return Z

    @staticmethod
    def backward(A, dA, xp=np):
        return dA


class Logistic:
    """A = 1 / (1 + exp(-Z));   dZ = dA * A * (1 - A)."""

    name = "logistic"

    @staticmethod
    def forward(Z, xp=np):
        return expit(Z, out=Z) if xp is np else 1.0 / (1.0 + xp.exp(-Z))

    @staticmethod
    def backward(A, dA, xp=np):
        dA *= A
        dA *= 1 - A
        return dA


class Tanh:
    """A = tanh(Z);   dZ = dA * (1 - A**2)."""

    name = "tanh"

    @staticmethod
    def forward(Z, xp=np):
        return np.tanh(Z, out=Z) if xp is np else xp.tanh(Z)

    @staticmethod
    def backward(A, dA, xp=np):
        dA *= 1 - A * A
        return dA


class ReLU:
    """A = max(Z, 0);   dZ = dA * [A > 0]."""

    name = "relu"

    @staticmethod
    def forward(Z, xp=np):
        return np.maximum(Z, 0, out=Z) if xp is np else Z * xp.astype(Z > 0, Z.dtype)

    @staticmethod
    def backward(A, dA, xp=np):
        if xp is np:
            # a multiply by the boolean mask is one pass; boolean-index
            # assignment (dA[A <= 0] = 0) gathers indices first, several times slower
            np.multiply(dA, A > 0, out=dA)
            return dA
        return dA * xp.astype(A > 0, dA.dtype)


ACTIVATIONS = {cls.name: cls for cls in (Identity, Logistic, Tanh, ReLU)}


def log_softmax(Z, xp=np):
    """log P = Z - logsumexp(Z) row-wise, computed from logits without overflow."""
    S = Z - xp.max(Z, axis=1, keepdims=True)
    S -= xp.log(xp.sum(xp.exp(S), axis=1, keepdims=True))
    return S
