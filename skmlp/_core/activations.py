"""Hidden-layer activations ``A = f(Z)`` and their backward pass ``dZ = dA * f'(Z)``.

Each derivative is written in terms of the output ``A`` (relu: ``A > 0``,
logistic: ``A (1 - A)``, tanh: ``1 - A**2``), so the forward pass can overwrite
``Z`` in place and nothing but ``A`` is kept for the backward pass.

``backend`` is the array backend (:mod:`~skmlp._core.backends`); where it
writes in place, the forward pass writes over ``Z`` and the backward over ``dA``.
"""

from .backends import NUMPY


class _Activation:
    """f computed by the backend's element-wise ``function``, over Z where it can."""

    function = None

    @classmethod
    def forward(cls, Z, backend=NUMPY):
        return getattr(backend, cls.function)(Z, out=Z)


class Identity:
    """A = Z;   dZ = dA."""

    name = "identity"

    @staticmethod
    def forward(Z, backend=NUMPY):
        return Z

    @staticmethod
    def backward(A, dA, backend=NUMPY):
        return dA


class Logistic(_Activation):
    """A = 1 / (1 + exp(-Z));   dZ = dA * A * (1 - A)."""

    name, function = "logistic", "expit"

    @staticmethod
    def backward(A, dA, backend=NUMPY):
        dA *= A
        dA *= 1 - A
        return dA


class Tanh(_Activation):
    """A = tanh(Z);   dZ = dA * (1 - A**2)."""

    name, function = "tanh", "tanh"

    @staticmethod
    def backward(A, dA, backend=NUMPY):
        dA *= 1 - A * A
        return dA


class ReLU(_Activation):
    """A = max(Z, 0);   dZ = dA * [A > 0]."""

    name, function = "relu", "relu"

    @staticmethod
    def backward(A, dA, backend=NUMPY):
        return backend.relu_grad(A, dA)


ACTIVATIONS = {cls.name: cls for cls in (Identity, Logistic, Tanh, ReLU)}


def log_softmax(Z, backend=NUMPY):
    """log P = Z - logsumexp(Z) row-wise, computed from logits without overflow."""
    xp = backend.xp
    S = backend.minus_row_max(Z)  # Z - max_k Z_k: exp(S) <= 1
    S -= xp.log(xp.sum(xp.exp(S), axis=1, keepdims=True))
    return S
