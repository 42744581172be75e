"""
Regression: a noisy curve with L2 and dropout, and counts with the Poisson loss
===============================================================================

:class:`skmlp.ScratchMLPRegressor` is the regressor of the family: the same
network and training loop as the classifiers, with an identity output and
half the squared error (``loss='squared_error'``), or an exponential output
and half the Poisson deviance (``loss='poisson'``). This example fits

1. a noisy one-dimensional curve, without regularisation, with an L2
   penalty and with dropout, each trained from five random initialisations:
   the band between the lowest and highest of the five fits shows how much
   the learned function depends on the seed, the mean how close it comes to
   the true curve;
2. a count target, where the Poisson loss keeps every prediction positive
   and fits the mean of the counts, which the squared error does not.
"""

# %%
# A noisy curve
# -------------
#
# 40 training points of :math:`\sin(2x) + x/2` with Gaussian noise: few
# enough for 64 hidden units to chase the noise.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_poisson_deviance, mean_squared_error

from skmlp import ScratchMLPRegressor

# every fit runs a fixed number of epochs on purpose
warnings.filterwarnings("ignore", category=ConvergenceWarning)

rng = np.random.RandomState(0)
X = np.sort(rng.uniform(-3, 3, size=(40, 1)), axis=0)
y = np.sin(2 * X[:, 0]) + X[:, 0] / 2 + 0.3 * rng.normal(size=40)
X_grid = np.linspace(-3, 3, 300)[:, None]
truth = np.sin(2 * X_grid[:, 0]) + X_grid[:, 0] / 2

# %%
# Three regularisations, five seeds each
# --------------------------------------
#
# Full batches (``batch_size=40``) of Adam for 1000 epochs. ``alpha=0.3``
# adds :math:`\frac{\alpha}{2B}\lVert W\rVert^2` to each step's loss, with
# :math:`B = 40`; ``dropout=0.05`` zeroes a random 5 % of the hidden units
# at each step (never at prediction).
common = dict(
    hidden_layer_sizes=(64,),
    activation="tanh",
    learning_rate_init=0.025,
    batch_size=40,
    max_iter=1000,
    n_iter_no_change=1000,
)
settings = {
    "no regularisation": dict(alpha=0.0),
    "L2, alpha=0.3": dict(alpha=0.3),
    "dropout=0.05": dict(alpha=0.0, dropout=0.05),
}
curves = {}
for name, params in settings.items():
    fits = [
        ScratchMLPRegressor(**common, **params, random_state=seed).fit(X, y)
        for seed in range(5)
    ]
    curves[name] = np.array([reg.predict(X_grid) for reg in fits])
    error = mean_squared_error(truth, curves[name].mean(axis=0))
    band = np.mean(curves[name].max(axis=0) - curves[name].min(axis=0))
    print(
        f"{name:>18}: mean squared distance to the true curve {error:.4f}, "
        f"mean width of the band {band:.3f}"
    )

# %%
# Each panel: the five fits' band and their mean, the true curve dashed.
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
for ax, (name, predictions) in zip(axes, curves.items()):
    ax.fill_between(
        X_grid[:, 0], predictions.min(axis=0), predictions.max(axis=0), alpha=0.3
    )
    ax.plot(X_grid[:, 0], predictions.mean(axis=0), label="mean of 5 fits")
    ax.plot(X_grid[:, 0], truth, "k--", linewidth=1, label="true curve")
    ax.scatter(X[:, 0], y, s=10, color="k")
    ax.set_title(name)
    ax.set_xlabel("x")
axes[0].set_ylabel("y")
axes[0].legend(loc="upper left")
fig.tight_layout()

# %%
# Without a penalty the fits bend towards single noisy points and disagree
# where the data are sparse. The L2 penalty pulls every seed towards one
# smooth function: the band all but closes, and the mean comes closer to the
# true curve. Dropout does not narrow the band: each fit ends at its own
# point of a noisier training, since every step trains another random
# sub-network (the mean of the fits moves little). Too strong, either one
# underfits: try ``alpha=3`` or ``dropout=0.2``.
#
# Counts: the Poisson loss
# ------------------------
#
# 300 counts drawn from a Poisson distribution whose mean
# :math:`\lambda(x) = e^{1 + \sin(2x)}` varies from 1 to 7. The Poisson
# loss's output is :math:`e^{z}`: every prediction is positive, and the
# gradient of each sample is :math:`e^{z} - y`, prediction minus target.
X_counts = rng.uniform(-3, 3, size=(300, 1))
rate = np.exp(1 + np.sin(2 * X_counts[:, 0]))
counts = rng.poisson(rate)
count_params = dict(
    hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=400, random_state=0
)
models = {
    loss: ScratchMLPRegressor(loss=loss, **count_params).fit(X_counts, counts)
    for loss in ("squared_error", "poisson")
}
true_rate = np.exp(1 + np.sin(2 * X_grid[:, 0]))
for loss, reg in models.items():
    predicted = reg.predict(X_grid)
    deviance = mean_poisson_deviance(true_rate, np.clip(predicted, 1e-9, None))
    print(
        f"{loss:>13} (output {reg.out_activation_!r}): smallest prediction "
        f"{predicted.min():.2f}, Poisson deviance to the true rate {deviance:.4f}"
    )

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.scatter(X_counts[:, 0], counts, s=8, color="0.6", label="counts")
ax.plot(X_grid[:, 0], true_rate, "k--", label="true rate")
for loss, reg in models.items():
    ax.plot(X_grid[:, 0], reg.predict(X_grid), label=f"loss='{loss}'")
ax.set_xlabel("x")
ax.set_ylabel("count")
ax.legend()
fig.tight_layout()
plt.show()
