"""
Decision boundaries on the spiral: no penalty, L2, dropout
==========================================================

Three interleaved spiral arms, one per class, cannot be separated by a
straight line: a hidden layer has to bend the boundary around them. With
64 hidden units the network can bend it far enough to wrap around single
noisy points. This example trains the same network three times -- without
regularisation, with an L2 penalty (``alpha``) and with dropout -- and draws
the three decision boundaries, to show what each regulariser does to the
function the network learns.
"""

# %%
# The data
# --------
#
# :func:`skmlp.datasets.make_spiral` draws 100 points per arm with some noise
# on the angle. A second draw, with another seed, serves as test set: new
# points from the same spiral.
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay

from skmlp import ScratchMLPClassifier
from skmlp.datasets import make_spiral

# Every fit below runs a fixed number of epochs on purpose, so reaching
# ``max_iter`` is expected: silence the ConvergenceWarning that reports it.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_spiral(n_samples_per_class=100, n_classes=3, random_state=0)
X_test, y_test = make_spiral(n_samples_per_class=100, n_classes=3, random_state=1)
print(X.shape, y.shape)

# %%
# Three networks
# --------------
#
# All three have one hidden layer of 64 ReLU units and are trained with Adam
# on full batches (``batch_size=300``) for 2000 epochs; ``n_iter_no_change``
# is set so that every epoch runs and the three differ only in their
# regularisation.
#
# - ``alpha=0.1``: with full batches of :math:`B = 300` samples, the L2 term
#   of a step is :math:`\frac{\alpha}{2B}\lVert W\rVert^2 \approx
#   1.7\times10^{-4}\,\lVert W\rVert^2` (see the user guide on how ``alpha``
#   is scaled).
# - ``dropout=0.05``: each step zeroes a random 5 % of the hidden units.
common = dict(
    hidden_layer_sizes=(64,),
    solver="adam",
    learning_rate_init=0.02,
    batch_size=300,
    max_iter=2000,
    n_iter_no_change=2000,
    random_state=0,
)
models = {
    "no regularisation": ScratchMLPClassifier(alpha=0.0, **common),
    "L2, alpha=0.1": ScratchMLPClassifier(alpha=0.1, **common),
    "dropout=0.05": ScratchMLPClassifier(alpha=0.0, dropout=0.05, **common),
}
for name, clf in models.items():
    clf.fit(X, y)
    print(
        f"{name:>18}: train accuracy {clf.score(X, y):.3f}, "
        f"test accuracy {clf.score(X_test, y_test):.3f}, "
        f"final training loss {clf.loss_:.3f}"
    )

# %%
# The decision boundaries
# -----------------------
#
# Each panel colours the plane by the predicted class; dots are the
# training points.
fig, axes = plt.subplots(1, 3, figsize=(13, 4.4), sharex=True, sharey=True)
for ax, (name, clf) in zip(axes, models.items()):
    DecisionBoundaryDisplay.from_estimator(
        clf,
        X,
        response_method="predict",
        grid_resolution=300,
        eps=0.15,
        multiclass_colors="viridis",
        alpha=0.35,
        ax=ax,
    )
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", s=12, edgecolor="k", lw=0.3)
    ax.set_title(
        f"{name}\ntrain {clf.score(X, y):.2f} / test {clf.score(X_test, y_test):.2f}"
    )
    ax.set_xlabel("$x_1$")
axes[0].set_ylabel("$x_2$")
fig.tight_layout()
plt.show()

# %%
# What to read in the picture
# ---------------------------
#
# Without regularisation the boundary follows the training points closely,
# with bays and tongues shaped around individual points: the network spends
# part of its capacity on the noise of this particular sample. The L2
# penalty keeps the weights small, which makes the function change more
# gently. Dropout trains a different random sub-network at every step, so no
# unit can rely on a specific partner. Both give up some training accuracy
# in exchange for a simpler function.
#
# Whether the trade pays off on new data depends on how much the
# unregularised network overfits -- with 64 units and 300 points, only
# mildly, as the test accuracies show -- and on the strength: too much of
# either regulariser and the network can no longer follow the arms. The
# strengths are hyper-parameters to choose by cross-validation, which the
# grid-search example does.
