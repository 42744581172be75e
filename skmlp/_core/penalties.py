"""Weight penalties. Intercepts are never penalised.

The penalty of a step is divided by B, the sample-weight sum of the batch (the
whole training set for L-BFGS), which is MLPClassifier's scaling of ``alpha``:
it makes ``alpha`` the inverse of LogisticRegression's ``C`` when the network
has no hidden layer.
"""

import numpy as np

# With the fast extra, the penalty's value in a minibatch loop comes from the
# sums that the previous step's fused update took of the weights it wrote
# (ElasticNet.value_from_sums), instead of one more pass over the weights: in
# another order than NumPy's dot, so the value agrees within rounding, not to
# the bit; the tests turn it off to compare the fused path bit for bit
FUSED_VALUE = True

# elements per block of the in-place L2 update (as in optimizers.py): the
# scratch buffer stays small and the block stays in cache
_BLOCK = 32768


class ElasticNet:
    """R(W) = alpha * (l1_ratio * sum|W| + (1 - l1_ratio) * 1/2 sum W**2) / B

    dR/dW = alpha * (l1_ratio * sign(W) + (1 - l1_ratio) * W) / B

    ``alpha`` is one strength for every layer, or one per weight matrix; then
    ``layer_sizes`` (the number of weights of each matrix, in the order of the
    flat weight vector) says where each strength applies.
    """

    def __init__(self, alpha, l1_ratio=0.0, layer_sizes=None, xp=np):
        self.l1_ratio, self.xp = float(l1_ratio), xp
        if np.ndim(alpha) == 0:
            parts = [(slice(None), float(alpha))]
        else:
            bounds = np.cumsum([0, *layer_sizes])
            parts = [
                (slice(int(start), int(stop)), float(a))
                for start, stop, a in zip(bounds[:-1], bounds[1:], alpha)
            ]
        self._parts = [(s, a) for s, a in parts if a != 0.0]
        self._buf = None
        self._ranges = None  # (key, ranges) of the last call of ranges
        self._part_ranges = None

    def _scratch(self, dtype):
        # allocated once, reused by every step: no page faults on the hot path
        if self._buf is None or self._buf.dtype != dtype:
            self._buf = np.empty(_BLOCK, dtype=dtype)
        return self._buf

    def value(self, W, B):
        """``W`` is the flat vector of every layer's weights."""
        xp, r = self.xp, self.l1_ratio
        sums = [
            (
                float(W[part] @ W[part]) if r < 1 else 0.0,
                float(xp.sum(xp.abs(W[part]))) if r > 0 else 0.0,
            )
            for part, _ in self._parts
        ]
        return self._value(sums, B)

    def value_from_sums(self, sums, B):
        """The value, from the sums ``(sum W**2, sum |W|)`` of each range of
        :meth:`ranges` (as the fused update kernels return them)."""
        rows = sums.tolist()  # Python floats: no NumPy scalar per element
        return self._value([rows[j] for j in self._part_ranges], B)

    def _value(self, sums, B):
        # sums: (sum of squares, sum of absolute values) of each part's weights
        total = 0.0
        for (_, alpha), (squares, absolutes) in zip(self._parts, sums, strict=True):
            l1 = float(absolutes) if self.l1_ratio > 0 else 0.0
            l2 = 0.5 * float(squares) if self.l1_ratio < 1 else 0.0
            total += alpha * (self.l1_ratio * l1 + (1 - self.l1_ratio) * l2)
        return total / B

    def ranges(self, n_weights, B, dtype):
        """``(bounds, l1, l2)``: the gradient as a fused update adds it.

        On ``[bounds[j], bounds[j + 1])`` of the flat weight vector the
        gradient gains ``l2[j] * W + l1[j] * sign(W)``, the coefficients of
        :meth:`add_grad` (computed alike, stored in ``dtype``). Kept from one
        call to the next while B stays the same (every full batch).
        """
        key = (n_weights, B, np.dtype(dtype))
        if self._ranges is None or self._ranges[0] != key:
            self._ranges = key, self._make_ranges(n_weights, B, dtype)
        return self._ranges[1]

    def _make_ranges(self, n_weights, B, dtype):
        bounds, l1, l2 = [0], [], []
        self._part_ranges = []  # the range of each part, for value_from_sums
        for part, alpha in self._parts:
            start, stop, _ = part.indices(n_weights)
            if start > bounds[-1]:  # a layer without penalty
                bounds.append(start)
                l1.append(0.0)
                l2.append(0.0)
            self._part_ranges.append(len(bounds) - 1)
            bounds.append(stop)
            l1.append(alpha * self.l1_ratio / B if self.l1_ratio > 0 else 0.0)
            l2.append(alpha * (1 - self.l1_ratio) / B if self.l1_ratio < 1 else 0.0)
        as_array = np.asarray
        return as_array(bounds, np.int64), as_array(l1, dtype), as_array(l2, dtype)

    def add_grad(self, W, dW, B):
        """dW += dR/dW, in place."""
        for part, alpha in self._parts:
            if self.l1_ratio < 1:
                c = alpha * (1 - self.l1_ratio) / B
                if self.xp is np:
                    # one fused pass: dW += c * W  (no temporary the size of W)
                    _axpy(c, W[part], dW[part], self._scratch(dW.dtype))
                else:
                    dW[part] += c * W[part]
            if self.l1_ratio > 0:
                dW[part] += (alpha * self.l1_ratio / B) * self.xp.sign(W[part])
        return dW


def _axpy(a, x, y, buf):
    """y += a * x in place, block by block through the scratch buffer ``buf``.

    NumPy ufuncs, not SciPy's BLAS axpy: SciPy ships its own OpenBLAS, whose
    thread pool would spin against NumPy's between the matrix products of
    every step (2.5x slower training with 2 BLAS threads on 2 cores).
    """
    for start in range(0, x.size, _BLOCK):
        stop = min(start + _BLOCK, x.size)
        b = buf[: stop - start]
        np.multiply(x[start:stop], a, out=b)
        y[start:stop] += b
