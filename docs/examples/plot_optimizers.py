"""
Comparing optimizers: SGD, momentum, Adagrad, RMSprop, Adam
===========================================================

The same network, the same data, the same initial weights and the same
minibatches; only the update rule changes. ``loss_curve_`` records the
training loss after every epoch, so the curves show how fast each rule
makes progress.
"""

# %%
# Five solvers
# ------------
#
# Each rule gets a learning rate that worked well for it among a few values
# a factor of about 3 apart, preferring a smooth curve to a slightly lower
# but spiky one: plain SGD wants large steps, the rules that divide by a
# running gradient scale (RMSprop, Adam) smaller ones.
# Every run takes the same 400 epochs of minibatches of 50 samples
# (``n_iter_no_change`` is set to let every epoch run).
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning

from skmlp import ScratchMLPClassifier
from skmlp.datasets import make_spiral

# Every fit below runs a fixed number of epochs on purpose, so reaching
# ``max_iter`` is expected: silence the ConvergenceWarning that reports it.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_spiral(n_samples_per_class=100, n_classes=3, random_state=0)

common = dict(
    hidden_layer_sizes=(64,),
    batch_size=50,
    max_iter=400,
    n_iter_no_change=400,
    random_state=0,
)
solvers = {
    "SGD": dict(solver="sgd", momentum=0.0, learning_rate_init=0.5),
    "SGD + Nesterov momentum": dict(solver="sgd", momentum=0.9, learning_rate_init=0.1),
    "Adagrad": dict(solver="adagrad", learning_rate_init=0.3),
    "RMSprop": dict(solver="rmsprop", rho=0.9, learning_rate_init=0.03),
    "Adam": dict(solver="adam", learning_rate_init=0.03),
}
fitted = {}
for name, params in solvers.items():
    clf = ScratchMLPClassifier(**common, **params).fit(X, y)
    fitted[name] = clf
    print(
        f"{name:>24}: final loss {clf.loss_curve_[-1]:.3f}, "
        f"training accuracy {clf.score(X, y):.3f}"
    )

# %%
# The loss curves
# ---------------
fig, ax = plt.subplots(figsize=(8, 4.5))
for name, clf in fitted.items():
    ax.plot(range(1, len(clf.loss_curve_) + 1), clf.loss_curve_, label=name, lw=1.6)
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (log scale)")
ax.set_title("Spiral data, 64 ReLU units, minibatches of 50")
ax.legend()
ax.grid(True, which="both", alpha=0.3)
fig.tight_layout()
plt.show()

# %%
# What the curves say
# -------------------
#
# Plain SGD moves along the gradient only, and on this problem the gradient
# is small along the directions that matter: it is the slowest. Momentum
# accumulates consistent directions and gets much further with the same
# number of steps. Adagrad starts fast but its steps shrink for good as its
# cache of squared gradients grows. RMSprop and Adam rescale each
# parameter's step by a *recent* gradient scale and keep making progress;
# Adam's momentum smooths its path.
#
# One problem is not a benchmark: with other data, other learning rates or
# longer training the ranking can change. The learning rate matters more
# than the choice of rule -- try a few values on a log scale before
# concluding that a rule does not work. With ``decay``, every rule's step
# additionally shrinks as :math:`\eta / (1 + \text{decay} \cdot s)` with the
# step count :math:`s`.
