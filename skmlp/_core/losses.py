"""Output heads: an output activation fused with its loss.

With a canonical link -- softmax with categorical cross-entropy, the logistic
sigmoid with binary cross-entropy -- the derivative of the loss with respect
to the logits Z collapses to P - Y. Fusing the two avoids the division by P
that separate backward passes would need, and computing the loss from the
logits (log-sum-exp, log(1 + e^z)) never takes log(0) nor overflows.

The loss of a batch is the sample-weighted mean of the per-sample losses,
loss = sum_i w_i l_i / B with B = sum_i w_i, where l_i sums over output units
(as MLPClassifier does for multilabel targets).
"""

import numpy as np
from scipy.special import expit

from .activations import log_softmax


def _weights_and_total(n_samples, sample_weight):
    if sample_weight is None:
        return None, float(n_samples)
    return sample_weight, float(sample_weight.sum())


def _scale_rows(dZ, sample_weight, total):
    """dZ_i *= w_i / B in place: row i's share of the weighted-mean loss."""
    if sample_weight is None:
        dZ *= 1.0 / total
    else:
        dZ *= (sample_weight / total)[:, np.newaxis]
    return dZ


def _weighted_mean(per_sample, sample_weight, total):
    if sample_weight is None:
        return float(per_sample.sum()) / total
    return float(per_sample @ sample_weight) / total


def proba_from_log(log_P):
    # strictly inside (0, 1): a probability that underflows is raised to the
    # smallest normal number, one that rounds to 1 is pulled back by one eps.
    # predict_log_proba is the log of this clipped P, as MLPClassifier's, so
    # the two agree and rank the classes alike: a margin of 1e4 gives
    # log(tiny) = -708 (-87 in float32), never log(0).
    P = np.exp(log_P)
    info = np.finfo(P.dtype)
    return np.clip(P, info.tiny, 1 - info.eps, out=P)


class SoftmaxCrossEntropy:
    """P = softmax(Z);  dZ = (P - Y) w / B;
    loss = -sum_i w_i sum_k Y_ik log P_ik / B."""

    name = "softmax"

    @staticmethod
    def value_and_grad(Z, Y, sample_weight=None):
        sw, total = _weights_and_total(Z.shape[0], sample_weight)
        log_P = log_softmax(Z)
        loss = -_weighted_mean(np.einsum("ij,ij->i", Y, log_P), sw, total)
        dZ = np.exp(log_P, out=log_P)
        dZ -= Y
        return loss, _scale_rows(dZ, sw, total)

    @staticmethod
    def value(Z, Y, sample_weight=None):
        sw, total = _weights_and_total(Z.shape[0], sample_weight)
        return -_weighted_mean(np.einsum("ij,ij->i", Y, log_softmax(Z)), sw, total)

    @staticmethod
    def log_proba(Z):
        return log_softmax(Z)

    @classmethod
    def proba(cls, Z):
        return proba_from_log(cls.log_proba(Z))


class SigmoidBinaryCrossEntropy:
    """P = sigmoid(Z);  dZ = (P - Y) w / B;
    loss = sum_i w_i sum_k [log(1 + e^Z_ik) - Y_ik Z_ik] / B.

    One independent unit per column of Y: binary (one column), multilabel, or
    one-vs-rest multiclass.
    """

    name = "logistic"

    @staticmethod
    def value_and_grad(Z, Y, sample_weight=None):
        sw, total = _weights_and_total(Z.shape[0], sample_weight)
        loss = _weighted_mean(_bce_per_sample(Z, Y), sw, total)
        dZ = expit(Z)
        dZ -= Y
        return loss, _scale_rows(dZ, sw, total)

    @staticmethod
    def value(Z, Y, sample_weight=None):
        sw, total = _weights_and_total(Z.shape[0], sample_weight)
        return _weighted_mean(_bce_per_sample(Z, Y), sw, total)

    @staticmethod
    def log_proba(Z):
        """log P(unit k is on) = -log(1 + e^-z), for each output unit."""
        return -np.logaddexp(0, -Z)

    @staticmethod
    def log_proba_off(Z):
        """log P(unit k is off) = -log(1 + e^z)."""
        return -np.logaddexp(0, Z)

    @classmethod
    def proba(cls, Z):
        return proba_from_log(cls.log_proba(Z))


def _bce_per_sample(Z, Y):
    # log(1 + e^z) - y z is the binary cross-entropy written in the logit:
    # finite for any finite z, where log(sigmoid(z)) would underflow to log(0)
    L = np.logaddexp(0, Z)
    L -= Y * Z
    return L.sum(axis=1)


HEADS = {
    SoftmaxCrossEntropy.name: SoftmaxCrossEntropy,
    SigmoidBinaryCrossEntropy.name: SigmoidBinaryCrossEntropy,
}
