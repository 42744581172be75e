"""The problem every solver minimises: a network's loss plus its penalty.

An :class:`Objective` travels as one value through the minibatch loop, L-BFGS
and the estimator's ``loss_``: the network (forward and backward), the output
head (the loss fused with its output activation) and the weight penalty.
"""

from dataclasses import dataclass

from .losses import batch_weight


@dataclass
class Objective:
    """loss(X, Y, w) = head loss of network(X) + penalty(W) / B, B = sum of w."""

    network: object
    head: object
    penalty: object

    def value(self, X, Y, sample_weight=None):
        """The objective at the current weights (a prediction-mode forward pass)."""
        B = batch_weight(X.shape[0], sample_weight, self.network.backend)
        loss = self.head.value(self.network.forward(X), Y, sample_weight, B)
        return float(loss + self.penalty.value(self.network.weights, B))

    def value_and_grad(self, X, Y, sample_weight=None, penalty_grad=True):
        """The objective of a training batch, its gradient left in ``network.grads``.

        Forward (dropout on), the head's fused loss and dZ_L, backward, then
        the penalty's value and gradient (``penalty_grad=False``: its value
        only, for an optimizer step that adds the gradient itself). Returns
        (value, B); a batch whose sample weights sum to zero has no objective:
        (0.0, 0.0), no gradient.
        """
        network = self.network
        B = batch_weight(X.shape[0], sample_weight, network.backend)
        if B <= 0:
            return 0.0, 0.0
        # the penalty's value before the passes (the weights do not change
        # until the update): a dot over every weight with two BLAS threads
        # straight before the update slowed the update in a micro-benchmark
        penalty = self.penalty.value(network.weights, B)
        Z = network.forward(X, training=True)
        # the head fills the output layer's intercept gradient db_L with dZ_L
        db = network.layers[-1].db
        loss, dZ = self.head.value_and_grad(Z, Y, sample_weight, B, db)
        network.backward(dZ)
        if penalty_grad:
            self.penalty.add_grad(network.weights, network.weight_grads, B)
        return loss + penalty, B
