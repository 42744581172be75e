"""Layers: a fully connected (dense) layer and inverted dropout.

A layer's ``forward`` returns its output and keeps only what its ``backward``
needs; ``backward`` returns the gradient with respect to the layer's input and
writes parameter gradients into arrays the network allocated once. The
``backend`` (:mod:`~skmlp._core.backends`) holds the arrays' library and the
forms that write into buffers.
"""

from .backends import NUMPY


class Dense:
    """Fully connected layer.

    Forward:   Z = A_prev @ W + b
    Backward:  dW = A_prev.T @ dZ,   dA_prev = dZ @ W.T
               (db = the sum of dZ's rows is filled by whoever makes dZ:
               the output head, or the activation's backward)

    ``W``, ``b``, ``dW`` and ``db`` are views into the network's flat parameter
    and gradient vectors, so an optimizer updates every layer in one pass.
    """

    def __init__(self, W, b, dW, db, backend=NUMPY):
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.backend = backend
        self._A_prev = None

    def product(self, A_prev, out=None):
        """A_prev @ W: the layer's output before its intercept."""
        self._A_prev = A_prev
        return self.backend.matmul(A_prev, self.W, out=out)

    def forward(self, A_prev, out=None):
        """Z = A_prev @ W + b."""
        Z = self.product(A_prev, out)
        Z += self.b
        return Z

    def backward(self, dZ, out=None, input_grad=True):
        """dW, and dA_prev unless ``input_grad=False`` (the first layer)."""
        self.backend.matmul_into(self._A_prev.T, dZ, self.dW)
        if not input_grad:  # nobody needs dX
            return None
        return self.backend.matmul(dZ, self.W.T, out=out)


class Dropout:
    """Inverted dropout with rate ``p``.

    Forward (training):  A_drop = A * M / (1 - p),  M_ij ~ Bernoulli(1 - p) each step
    Backward:            dA = dA_drop * M / (1 - p)
    At predict time the layer is the identity: the 1/(1 - p) scaling during
    training already keeps the expected activation unchanged.

    ``rng`` draws the masks (``backend.random_generator``); on the host they
    come from raw random bits compared as integers
    (:func:`~skmlp._core.backends.keep_bits`: 16 bits a decision, p rounded
    up to a multiple of 2**-16). The backward pass is taken together with the
    activation's (``backend.activation_backward``), from :attr:`mask`.
    """

    def __init__(self, rate, rng, backend=NUMPY):
        self.rate = float(rate)
        self.rng = rng
        self.backend = backend
        self.mask = None

    def forward(self, A, out=None):
        A_drop, self.mask = self.backend.dropout(A, self.rng, self.rate, out)
        return A_drop
