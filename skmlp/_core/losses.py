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
target), in the order of ``classes_``. A head computes in the array namespace
``xp`` it is given (NumPy by default); NumPy keeps its in-place ``out=`` forms.
"""

import math

import numpy as np
from scipy.special import expit

from . import _fused
from ._array import sum_rows_into
from .activations import log_softmax

# NumPy with the fast extra: the softmax head's loss and dZ in one numba
# kernel. Its exp is its own vectorised one and its log the C library's, not
# NumPy's: this one piece equals the NumPy path within a few units in the
# last place, not to the bit; the tests turn it off to compare the rest of
# the fused path bit for bit
FUSED_SOFTMAX = True


def batch_weight(n_samples, sample_weight, xp=np):
    """B, the weight of a batch: its sample-weight sum (its size when unweighted)."""
    if sample_weight is None:
        return float(n_samples)
    return float(xp.sum(sample_weight))


def _scale_rows(dZ, sample_weight, B, xp):
    """dZ_i *= w_i / B in place: row i's share of the weighted-mean loss."""
    if sample_weight is None:
        dZ *= 1.0 / B
    else:
        dZ *= (sample_weight / B)[:, None]
    return dZ


def _sum_rows(dZ, db, xp):
    """dZ, after ``db[...] = the sum of its rows`` when ``db`` is given (the
    output layer's intercept gradient, which the fused head makes in its pass)."""
    if db is not None:
        sum_rows_into(dZ, db, xp)
    return dZ


def _weighted_mean(per_sample, sample_weight, B, xp):
    if sample_weight is None:
        return float(xp.sum(per_sample)) / B
    return float(per_sample @ sample_weight) / B


def _row_dots(Y, log_P, xp):
    """sum_k Y_ik log P_ik for each row i (Y may be boolean with NumPy)."""
    if xp is np:
        return np.einsum("ij,ij->i", Y, log_P)
    return xp.sum(Y * log_P, axis=1)


def _log1p_exp(Z, xp):
    """log(1 + e^z), finite for any finite z."""
    if xp is np:
        return np.logaddexp(0, Z)
    return xp.logaddexp(xp.zeros_like(Z), Z)


def _clip_log(log_P, xp):
    # probabilities stay strictly inside (0, 1): log P is clipped to
    # [log(tiny), log(1 - eps)], so that predict_proba == exp(predict_log_proba)
    # and both rank the classes alike, as MLPClassifier's clipped probabilities
    # do; computed from the logits, so log(0) is never taken
    if xp is np:
        info = np.finfo(log_P.dtype)
        return np.clip(log_P, np.log(info.tiny), np.log1p(-info.eps), out=log_P)
    info = xp.finfo(log_P.dtype)
    low = math.log(float(info.smallest_normal))  # the array API name of tiny
    return xp.clip(log_P, low, math.log1p(-float(info.eps)))


class SoftmaxCrossEntropy:
    """P = softmax(Z);  dZ = (P - Y) w / B;
    loss = -sum_i w_i sum_k Y_ik log P_ik / B."""

    name = "softmax"

    def __init__(self, xp=np):
        self.xp = xp
        self._fused = FUSED_SOFTMAX and xp is np and _fused.enabled()

    def value_and_grad(self, Z, Y, sample_weight, B, db=None):
        xp = self.xp
        if self._fused:
            # NumPy's sum casts to another dtype, and sums a single column
            # pairwise: there, its own sum
            same = db is None or (db.dtype == Z.dtype and Z.shape[1] > 1)
            loss, dZ = _fused.softmax_cross_entropy(
                Z, Y, sample_weight, B, db if same else None
            )
            return loss, dZ if same else _sum_rows(dZ, db, xp)
        log_P = log_softmax(Z, xp)
        loss = -_weighted_mean(_row_dots(Y, log_P, xp), sample_weight, B, xp)
        dZ = np.exp(log_P, out=log_P) if xp is np else xp.exp(log_P)
        dZ -= Y
        dZ = _scale_rows(dZ, sample_weight, B, xp)
        return loss, _sum_rows(dZ, db, xp)

    def value(self, Z, Y, sample_weight, B):
        per_sample = _row_dots(Y, log_softmax(Z, self.xp), self.xp)
        return -_weighted_mean(per_sample, sample_weight, B, self.xp)

    def log_proba(self, Z):
        return _clip_log(log_softmax(Z, self.xp), self.xp)

    def proba(self, Z):
        return self.xp.exp(self.log_proba(Z))


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

    def __init__(self, columns="labels", xp=np):
        if columns not in ("binary", "labels", "ovr"):
            raise ValueError(f"unknown logistic head columns {columns!r}")
        self.columns, self.xp = columns, xp

    def value_and_grad(self, Z, Y, sample_weight, B, db=None):
        xp = self.xp
        loss = _weighted_mean(_bce_per_sample(Z, Y, xp), sample_weight, B, xp)
        dZ = expit(Z) if xp is np else 1.0 / (1.0 + xp.exp(-Z))
        dZ -= Y
        dZ = _scale_rows(dZ, sample_weight, B, xp)
        return loss, _sum_rows(dZ, db, xp)

    def value(self, Z, Y, sample_weight, B):
        per_sample = _bce_per_sample(Z, Y, self.xp)
        return _weighted_mean(per_sample, sample_weight, B, self.xp)

    def log_proba(self, Z):
        xp = self.xp
        log_on = -_log1p_exp(-Z, xp)  # log sigmoid(z), finite for any z
        if self.columns == "binary":
            log_on = xp.concat([-_log1p_exp(Z, xp), log_on], axis=1)
        elif self.columns == "ovr":
            # normalised with the row maximum taken out first: rows sum to 1
            # within a few eps whatever the size of the logits
            log_on = log_softmax(log_on, xp)
        return _clip_log(log_on, xp)

    def proba(self, Z):
        return self.xp.exp(self.log_proba(Z))


def _bce_per_sample(Z, Y, xp):
    # log(1 + e^z) - y z is the binary cross-entropy written in the logit:
    # finite for any finite z, where log(sigmoid(z)) would underflow to log(0)
    L = _log1p_exp(Z, xp)
    L -= Y * Z
    return xp.sum(L, axis=1)


def make_head(name, kind="multiclass", normalise_ovr=False, xp=np):
    """The head ``name`` ('softmax' or 'logistic') for a target of ``kind``.

    ``kind`` is 'binary', 'multiclass' or 'multilabel'; ``normalise_ovr``
    makes a logistic head over a multiclass target normalise its rows; ``xp``
    is the array namespace it computes in.
    """
    if name == SoftmaxCrossEntropy.name:
        return SoftmaxCrossEntropy(xp)
    if name != SigmoidBinaryCrossEntropy.name:
        raise ValueError(f"unknown output head {name!r}")
    if kind == "multilabel":
        return SigmoidBinaryCrossEntropy("labels", xp)
    if kind == "binary":
        return SigmoidBinaryCrossEntropy("binary", xp)
    return SigmoidBinaryCrossEntropy("ovr" if normalise_ovr else "labels", xp)
