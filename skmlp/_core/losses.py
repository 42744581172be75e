"""Output heads: an output activation fused with its loss.

With a canonical link -- softmax with categorical cross-entropy, the logistic
sigmoid with binary cross-entropy -- the derivative of the loss with respect
to the logits Z collapses to P - Y. Fusing the two avoids the division by P
that separate backward passes would need, and computing the loss from the
logits (log-sum-exp, log(1 + e^z)) never takes log(0) nor overflows.

The loss of a batch is the sample-weighted mean of the per-sample losses,
loss = sum_i w_i l_i / B with B = sum_i w_i (see :func:`batch_weight`), where
l_i sums over output units (as MLPClassifier does for multilabel targets).

A head also owns the class probabilities of a fitted model: ``log_proba(Z)``
and ``proba(Z)`` give one column per class (per label for a multilabel
target), in the order of ``classes_``.
"""

import numpy as np
from scipy.special import expit, logsumexp

from .activations import log_softmax


def batch_weight(n_samples, sample_weight):
    """B, the weight of a batch: its sample-weight sum (its size when unweighted)."""
    return float(n_samples) if sample_weight is None else float(sample_weight.sum())


def _scale_rows(dZ, sample_weight, B):
    """dZ_i *= w_i / B in place: row i's share of the weighted-mean loss."""
    if sample_weight is None:
        dZ *= 1.0 / B
    else:
        dZ *= (sample_weight / B)[:, np.newaxis]
    return dZ


def _weighted_mean(per_sample, sample_weight, B):
    if sample_weight is None:
        return float(per_sample.sum()) / B
    return float(per_sample @ sample_weight) / B


def _clip_log(log_P):
    # probabilities stay strictly inside (0, 1): log P is clipped to
    # [log(tiny), log(1 - eps)], so that predict_proba == exp(predict_log_proba)
    # and both rank the classes alike, as MLPClassifier's clipped probabilities
    # do; computed from the logits, so log(0) is never taken
    info = np.finfo(log_P.dtype)
    return np.clip(log_P, np.log(info.tiny), np.log1p(-info.eps), out=log_P)


class SoftmaxCrossEntropy:
    """P = softmax(Z);  dZ = (P - Y) w / B;
    loss = -sum_i w_i sum_k Y_ik log P_ik / B."""

    name = "softmax"

    def value_and_grad(self, Z, Y, sample_weight, B):
        log_P = log_softmax(Z)
        loss = -_weighted_mean(np.einsum("ij,ij->i", Y, log_P), sample_weight, B)
        dZ = np.exp(log_P, out=log_P)
        dZ -= Y
        return loss, _scale_rows(dZ, sample_weight, B)

    def value(self, Z, Y, sample_weight, B):
        per_sample = np.einsum("ij,ij->i", Y, log_softmax(Z))
        return -_weighted_mean(per_sample, sample_weight, B)

    def log_proba(self, Z):
        return _clip_log(log_softmax(Z))

    def proba(self, Z):
        return np.exp(self.log_proba(Z))


class SigmoidBinaryCrossEntropy:
    """P = sigmoid(Z);  dZ = (P - Y) w / B;
    loss = sum_i w_i sum_k [log(1 + e^Z_ik) - Y_ik Z_ik] / B.

    One independent unit per column of Y. The class probabilities depend on
    what the units stand for (``columns``):

    - ``'binary'``: one unit for ``classes_[1]``; columns [1 - p, p];
    - ``'labels'``: one unit per label of a multilabel target; columns p_k;
    - ``'ovr'``: one unit per class, one-vs-rest; rows normalised to sum to 1,
      log P_k = log p_k - logsumexp_j(log p_j), as scikit-learn's one-vs-rest
      logistic regression.
    """

    name = "logistic"

    def __init__(self, columns="labels"):
        if columns not in ("binary", "labels", "ovr"):
            raise ValueError(f"unknown logistic head columns {columns!r}")
        self.columns = columns

    def value_and_grad(self, Z, Y, sample_weight, B):
        loss = _weighted_mean(_bce_per_sample(Z, Y), sample_weight, B)
        dZ = expit(Z)
        dZ -= Y
        return loss, _scale_rows(dZ, sample_weight, B)

    def value(self, Z, Y, sample_weight, B):
        return _weighted_mean(_bce_per_sample(Z, Y), sample_weight, B)

    def log_proba(self, Z):
        log_on = -np.logaddexp(0, -Z)  # log sigmoid(z), finite for any z
        if self.columns == "binary":
            log_on = np.hstack([-np.logaddexp(0, Z), log_on])
        elif self.columns == "ovr":
            log_on -= logsumexp(log_on, axis=1, keepdims=True)
        return _clip_log(log_on)

    def proba(self, Z):
        return np.exp(self.log_proba(Z))


def _bce_per_sample(Z, Y):
    # log(1 + e^z) - y z is the binary cross-entropy written in the logit:
    # finite for any finite z, where log(sigmoid(z)) would underflow to log(0)
    L = np.logaddexp(0, Z)
    L -= Y * Z
    return L.sum(axis=1)


def make_head(name, kind="multiclass", normalise_ovr=False):
    """The head ``name`` ('softmax' or 'logistic') for a target of ``kind``.

    ``kind`` is 'binary', 'multiclass' or 'multilabel'; ``normalise_ovr``
    makes a logistic head over a multiclass target normalise its rows.
    """
    if name == SoftmaxCrossEntropy.name:
        return SoftmaxCrossEntropy()
    if name != SigmoidBinaryCrossEntropy.name:
        raise ValueError(f"unknown output head {name!r}")
    if kind == "multilabel":
        return SigmoidBinaryCrossEntropy("labels")
    if kind == "binary":
        return SigmoidBinaryCrossEntropy("binary")
    return SigmoidBinaryCrossEntropy("ovr" if normalise_ovr else "labels")
