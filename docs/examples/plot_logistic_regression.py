r"""
ScratchLogisticNet is logistic regression: the coefficients agree
=================================================================

With no hidden layer, ``solver='lbfgs'`` and ``alpha = 1 / C``,
:class:`~skmlp.ScratchLogisticNet` minimises the same objective as
scikit-learn's :class:`~sklearn.linear_model.LogisticRegression`, so the two
should find the same coefficients. This example checks it over a range of
regularisation strengths, on a binary and on a multiclass problem.

Why ``alpha = 1 / C``: ``LogisticRegression`` minimises
:math:`C \sum_i w_i \ell_i + \tfrac12 \lVert\beta\rVert^2`. Dividing by
:math:`C B`, with :math:`B = \sum_i w_i`, leaves the minimiser unchanged and
gives :math:`\frac1B \sum_i w_i \ell_i + \frac{1}{2CB}\lVert\beta\rVert^2`,
which is our objective -- mean loss plus
:math:`\frac{\alpha}{2B}\lVert W\rVert^2` -- for :math:`\alpha = 1/C`.
Neither penalises the intercept.
"""

# %%
# Binary: breast cancer data
# --------------------------
#
# 30 standardised features. Both models are fitted with a tight tolerance so
# that what remains of the difference is the optimizers' last digits, not an
# early stop.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchLogisticNet

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)

Cs = [0.01, 0.1, 1.0, 10.0]
pairs = {}
for C in Cs:
    ours = ScratchLogisticNet(alpha=1 / C, tol=1e-8, max_iter=1000).fit(X, y)
    theirs = LogisticRegression(C=C, tol=1e-8, max_iter=10_000).fit(X, y)
    pairs[C] = (ours.coef_.ravel(), theirs.coef_.ravel())
    print(
        f"C = {C:>5}: largest |coefficient| {np.abs(theirs.coef_).max():6.3f}, "
        f"largest difference {np.abs(ours.coef_ - theirs.coef_).max():.1e}, "
        f"intercepts {ours.intercept_[0]:+.4f} vs {theirs.intercept_[0]:+.4f}"
    )

# %%
# Every coefficient, ours against theirs: the points lie on the diagonal.
# Weaker regularisation (larger ``C``) lets the coefficients grow.
fig, ax = plt.subplots(figsize=(5.5, 5.5))
for C, (ours_coef, theirs_coef) in pairs.items():
    ax.scatter(theirs_coef, ours_coef, s=18, label=f"C = {C:g}  (alpha = {1 / C:g})")
lim = max(np.abs(np.concatenate(list(pairs.values()), axis=None)).max(), 1.0) * 1.05
ax.plot([-lim, lim], [-lim, lim], color="k", lw=0.8, zorder=0)
ax.set_xlim(-lim, lim)
ax.set_ylim(-lim, lim)
ax.set_xlabel("LogisticRegression(C).coef_")
ax.set_ylabel("ScratchLogisticNet(alpha=1/C).coef_")
ax.set_title("Breast cancer: 30 coefficients per C")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()

# %%
# Multiclass: one-vs-rest
# -----------------------
#
# For a multiclass target ``ScratchLogisticNet`` trains one sigmoid unit per
# class against all others -- what
# :class:`~sklearn.multiclass.OneVsRestClassifier` does with one
# ``LogisticRegression`` per class -- and normalises each row of
# ``predict_proba`` to sum to one, as the one-vs-rest wrapper does.
X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)

ours = ScratchLogisticNet(alpha=1.0, tol=1e-8, max_iter=1000).fit(X, y)
theirs = OneVsRestClassifier(LogisticRegression(C=1.0, tol=1e-8, max_iter=10_000))
theirs.fit(X, y)
theirs_coef = np.vstack([est.coef_ for est in theirs.estimators_])
print("coef_ shape:", ours.coef_.shape)
print(f"largest coefficient difference: {np.abs(ours.coef_ - theirs_coef).max():.1e}")
print(
    "largest probability difference: "
    f"{np.abs(ours.predict_proba(X) - theirs.predict_proba(X)).max():.1e}"
)

# %%
# Where the similarity ends
# -------------------------
#
# The agreement is a test of the machinery -- loss, gradient, penalty
# scaling and optimizer -- on a problem with a unique answer. Add a hidden
# layer (``hidden_layer_sizes=(16,)``) and the same estimator becomes a
# neural network with a non-convex objective, which logistic regression
# cannot follow; see the circles example.
