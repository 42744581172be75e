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
target), in the order of ``classes_``. A head computes with the array backend
it is given (NumPy's by default), in place where the backend writes in place.
"""

from .activations import log_softmax
from .backends import NUMPY


def batch_weight(n_samples, sample_weight, backend=NUMPY):
    """B, the weight of a batch: its sample-weight sum (its size when unweighted)."""
    if sample_weight is None:
        return float(n_samples)
    return float(backend.xp.sum(sample_weight))


def _weighted_mean(per_sample, sample_weight, B, backend):
    if sample_weight is None:
        return float(backend.xp.sum(per_sample)) / B
    return float(per_sample @ sample_weight) / B


def _clip_log(log_P, backend):
    # probabilities stay strictly inside (0, 1): log P is clipped to
    # [log(tiny), log(1 - eps)], so that predict_proba == exp(predict_log_proba)
    # and both rank the classes alike, as MLPClassifier's clipped probabilities
    # do; computed from the logits, so log(0) is never taken
    low, high = backend.log_bounds(log_P.dtype)
    return backend.clip(log_P, low, high, out=log_P)


class SoftmaxCrossEntropy:
    """P = softmax(Z);  dZ = (P - Y) w / B;
    loss = -sum_i w_i sum_k Y_ik log P_ik / B."""

    name = "softmax"

    def __init__(self, backend=NUMPY):
        self.backend = backend

    def value_and_grad(self, Z, Y, sample_weight, B, db):
        """(loss, dZ), and db = the sum of dZ's rows (the output layer's)."""
        backend = self.backend
        log_P = log_softmax(Z, backend)
        per_sample = backend.row_dots(Y, log_P)
        loss = -_weighted_mean(per_sample, sample_weight, B, backend)
        P = backend.exp(log_P, out=log_P)
        return loss, backend.output_delta(P, Y, sample_weight, B, db)

    def value(self, Z, Y, sample_weight, B):
        per_sample = self.backend.row_dots(Y, log_softmax(Z, self.backend))
        return -_weighted_mean(per_sample, sample_weight, B, self.backend)

    def log_proba(self, Z):
        return _clip_log(log_softmax(Z, self.backend), self.backend)

    def proba(self, Z):
        P = self.log_proba(Z)
        return self.backend.exp(P, out=P)


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

    def __init__(self, columns="labels", backend=NUMPY):
        if columns not in ("binary", "labels", "ovr"):
            raise ValueError(f"unknown logistic head columns {columns!r}")
        self.columns, self.backend = columns, backend

    def value_and_grad(self, Z, Y, sample_weight, B, db):
        """(loss, dZ), and db = the sum of dZ's rows (the output layer's)."""
        backend = self.backend
        loss = _weighted_mean(_bce_per_sample(Z, Y, backend), sample_weight, B, backend)
        P = backend.expit(Z)
        return loss, backend.output_delta(P, Y, sample_weight, B, db)

    def value(self, Z, Y, sample_weight, B):
        per_sample = _bce_per_sample(Z, Y, self.backend)
        return _weighted_mean(per_sample, sample_weight, B, self.backend)

    def log_proba(self, Z):
        backend = self.backend
        log_on = -backend.log1p_exp(-Z)  # log sigmoid(z), finite for any z
        if self.columns == "binary":
            log_on = backend.xp.concat([-backend.log1p_exp(Z), log_on], axis=1)
        elif self.columns == "ovr":
            # normalised with the row maximum taken out first: rows sum to 1
            # within a few eps whatever the size of the logits
            log_on = log_softmax(log_on, backend)
        return _clip_log(log_on, backend)

    def proba(self, Z):
        P = self.log_proba(Z)
        return self.backend.exp(P, out=P)


def _bce_per_sample(Z, Y, backend):
    # log(1 + e^z) - y z is the binary cross-entropy written in the logit:
    # finite for any finite z, where log(sigmoid(z)) would underflow to log(0)
    L = backend.log1p_exp(Z)
    L -= Y * Z
    return backend.xp.sum(L, axis=1)


def make_head(name, kind="multiclass", normalise_ovr=False, backend=NUMPY):
    """The head ``name`` ('softmax' or 'logistic') for a target of ``kind``.

    ``kind`` is 'binary', 'multiclass' or 'multilabel'; ``normalise_ovr``
    makes a logistic head over a multiclass target normalise its rows;
    ``backend`` is the array backend it computes with.
    """
    if name == SoftmaxCrossEntropy.name:
        return SoftmaxCrossEntropy(backend)
    if name != SigmoidBinaryCrossEntropy.name:
        raise ValueError(f"unknown output head {name!r}")
    if kind == "multilabel":
        return SigmoidBinaryCrossEntropy("labels", backend)
    if kind == "binary":
        return SigmoidBinaryCrossEntropy("binary", backend)
    return SigmoidBinaryCrossEntropy("ovr" if normalise_ovr else "labels", backend)
