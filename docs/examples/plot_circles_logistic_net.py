"""
Circles: a logistic network with a small hidden layer
=====================================================

Two concentric circles, one class each. Logistic regression draws a
straight line and cannot separate them. :class:`~skmlp.ScratchLogisticNet`
keeps logistic regression's output -- a sigmoid unit trained with binary
cross-entropy -- and adds hidden layers in front of it; a handful of hidden
units are enough to bend the boundary into a closed curve.
"""

# %%
# The data
# --------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_circles
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split

from skmlp import ScratchLogisticNet

X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
# Three networks
# --------------
#
# With its defaults, ``ScratchLogisticNet`` has no hidden layer and trains
# with L-BFGS: it is logistic regression. The two others add hidden ReLU
# layers of 4 and 3 units, and of 8 units. L-BFGS works on the full
# training set and needs no learning rate. All three use ``alpha=1``, the
# penalty of ``LogisticRegression``'s default ``C=1``.
common = dict(alpha=1.0, max_iter=1000, random_state=0)
models = {
    "no hidden layer": ScratchLogisticNet(**common),
    "hidden layers (4, 3)": ScratchLogisticNet(hidden_layer_sizes=(4, 3), **common),
    "hidden layer (8,)": ScratchLogisticNet(hidden_layer_sizes=(8,), **common),
}
for name, clf in models.items():
    clf.fit(X_train, y_train)
    print(
        f"{name:>20}: test accuracy {clf.score(X_test, y_test):.3f}, "
        f"{clf.n_iter_} L-BFGS iterations"
    )

# %%
# Probability maps
# ----------------
#
# The colour is the predicted probability of the outer class (``classes_[1]``)
# -- the sigmoid of the output unit's logit -- and the black line is where it
# crosses 0.5.
fig, axes = plt.subplots(
    1, 3, figsize=(13, 4.6), sharex=True, sharey=True, layout="constrained"
)
for ax, (name, clf) in zip(axes, models.items()):
    display = DecisionBoundaryDisplay.from_estimator(
        clf,
        X,
        response_method="predict_proba",
        grid_resolution=200,
        eps=0.3,
        cmap="RdBu_r",
        vmin=0,
        vmax=1,
        alpha=0.6,
        ax=ax,
    )
    ax.contour(display.xx0, display.xx1, display.response, levels=[0.5], colors="k")
    ax.scatter(
        X_test[:, 0],
        X_test[:, 1],
        c=y_test,
        cmap="RdBu_r",
        s=10,
        edgecolor="k",
        lw=0.3,
    )
    ax.set_title(f"{name}\ntest accuracy {clf.score(X_test, y_test):.2f}")
    ax.set_aspect("equal")
fig.colorbar(display.surface_, ax=axes, shrink=0.8, label="P(outer circle)")
plt.show()

# %%
# The same loss, a richer function
# --------------------------------
#
# All three models minimise the same binary cross-entropy of one sigmoid
# unit; only the features the unit sees differ. Without a hidden layer they
# are the raw coordinates, and the best the unit can do is a line, so the
# accuracy stays near chance. With hidden layers the unit sees learnt
# features -- each ReLU unit a half-plane, bent at its edge -- and the
# combination of a few of them is a polygon that closes around the inner
# circle.
#
# ``decision_function`` returns the logit itself (positive means the outer
# class), and ``predict_proba`` its sigmoid. The three test points closest to
# the boundary:
clf = models["hidden layer (8,)"]
all_logits = clf.decision_function(X_test)
closest = np.argsort(np.abs(all_logits))[:3]
print("logits:               ", np.round(all_logits[closest], 3))
print("sigmoid of the logits:", np.round(1 / (1 + np.exp(-all_logits[closest])), 3))
print("predict_proba[:, 1]:  ", np.round(clf.predict_proba(X_test[closest])[:, 1], 3))

# %%
# The penalty matters for these probabilities, not only for the boundary.
# The circles are almost separable, and with a tiny ``alpha`` L-BFGS keeps
# growing the weights -- and the logits -- to push every training
# probability towards 0 or 1: same boundary, overconfident probabilities.
# ``alpha=1`` keeps the logits moderate. Whatever the penalty,
# ``predict_proba`` stays strictly inside (0, 1), so a log-loss computed from
# it is always finite.
for alpha in [1e-4, 1.0]:
    net = ScratchLogisticNet(
        hidden_layer_sizes=(8,), alpha=alpha, max_iter=1000, random_state=0
    ).fit(X_train, y_train)
    z = np.abs(net.decision_function(X_test))
    P = net.predict_proba(X_test)
    print(
        f"alpha={alpha:g}: median |logit| {np.median(z):6.1f}, smallest "
        f"probability {P.min():.1e}, largest 1 - {1 - P.max():.1e}"
    )
