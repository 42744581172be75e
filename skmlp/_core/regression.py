"""Regression heads: an output activation fused with its loss, as in ``losses``.

Both pair a loss with its canonical link, so the derivative of the loss with
respect to the output layer's pre-activation Z collapses to P - Y, as for the
classification heads:

- identity output, half squared error: P = Z, dZ = (Z - Y) w / B;
- exp output (log link), half Poisson deviance: P = e^Z, dZ = (e^Z - Y) w / B.

w are the sample weights and B = sum_i w_i the batch weight. The values are
those scikit-learn's MLPRegressor reports (``sklearn/neural_network/_base.py``),
so that the loss curves, the stopping rule and L-BFGS agree with it:

- squared error: loss = sum_i w_i 0.5 sum_k (Z_ik - Y_ik)^2 / (B K), the mean
  over the K outputs of each output's weighted mean. The gradient is that of
  the sum over outputs (K times the value's); for one output, the common
  case, the two are the same objective;
- Poisson: loss = sum_i w_i sum_k [Y_ik log(Y_ik / P_ik) - Y_ik + P_ik] / B,
  half the Poisson deviance, with the constant Y log Y - Y that makes it zero
  at P = Y (0 log 0 = 0).

On NumPy the values are computed as MLPRegressor computes them (``np.average``
and SciPy's ``xlogy``); other backends compute the same formulas with the
array API. ``predict(Z)`` is the model's prediction from the output layer's
pre-activation. A head computes with the array backend it is given, as the
classification heads do.
"""

import numpy as np

from .backends import NUMPY


class HalfSquaredError:
    """P = Z;  dZ = (Z - Y) w / B;
    loss = sum_i w_i 0.5 sum_k (Z_ik - Y_ik)^2 / (B K)."""

    name = "identity"

    def __init__(self, backend=NUMPY):
        self.backend, self.xp = backend, backend.xp

    def value_and_grad(self, Z, Y, sample_weight, B, db):
        """(loss, dZ), and db = the sum of dZ's rows (the output layer's)."""
        D = Z - Y
        loss = self._value(D, sample_weight, B)
        return loss, self.backend.output_delta(D, None, sample_weight, B, db)

    def value(self, Z, Y, sample_weight, B):
        return self._value(Z - Y, sample_weight, B)

    def _value(self, D, sample_weight, B):
        # (Z - Y)^2 equals MLPRegressor's (Y - Z)^2 to the bit
        per_output = self.backend.column_means(D * D, sample_weight, B)
        return float(0.5 * self.xp.mean(per_output))

    def predict(self, Z):
        return Z


class HalfPoissonDeviance:
    """P = exp(Z);  dZ = (P - Y) w / B;
    loss = sum_i w_i sum_k [Y_ik log(Y_ik / P_ik) - Y_ik + P_ik] / B."""

    name = "exp"

    def __init__(self, backend=NUMPY):
        self.backend, self.xp = backend, backend.xp

    def value_and_grad(self, Z, Y, sample_weight, B, db):
        """(loss, dZ), and db = the sum of dZ's rows (the output layer's)."""
        P = self.backend.exp(Z)
        loss = self._value(P, Y, sample_weight, B)
        return loss, self.backend.output_delta(P, Y, sample_weight, B, db)

    def value(self, Z, Y, sample_weight, B):
        return self._value(self.backend.exp(Z), Y, sample_weight, B)

    # Y / P overflows, or is 0 / 0, only where P does: the loss is then not
    # finite, which the training loop detects
    @np.errstate(divide="ignore", over="ignore", invalid="ignore")
    def _value(self, P, Y, sample_weight, B):
        L = self.backend.xlogy(Y, Y / P)  # MLPRegressor's expression, term by term
        L = L - Y
        L = L + P
        return float(self.xp.sum(self.backend.column_means(L, sample_weight, B)))

    def predict(self, Z):
        return self.backend.exp(Z, out=Z)


# loss name -> output activation (MLPRegressor's out_activation_) -> head
OUTPUT_ACTIVATIONS = {"squared_error": "identity", "poisson": "exp"}
_HEADS = {head.name: head for head in (HalfSquaredError, HalfPoissonDeviance)}


def make_regression_head(out_activation, backend=NUMPY):
    """The regression head of output activation ``'identity'`` or ``'exp'``."""
    if out_activation not in _HEADS:
        raise ValueError(f"unknown regression output activation {out_activation!r}")
    return _HEADS[out_activation](backend)
