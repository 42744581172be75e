"""
Training on PyTorch tensors, on the GPU when there is one
=========================================================

With scikit-learn's array API dispatch switched on, :class:`~skmlp.ScratchMLPClassifier`
trains on PyTorch tensors where they live -- on the GPU when the tensors are
on a CUDA device -- and returns its predictions there. This example fits the
same network on NumPy arrays and on tensors and shows that, with the same
``random_state``, the two models agree to rounding. It runs on the CPU build
of PyTorch too; on a machine with CUDA it uses the GPU.

See :ref:`gpu` for what runs where.
"""

# %%
# Switching dispatch on
# ---------------------
#
# SciPy reads ``SCIPY_ARRAY_API`` once, when it is first imported, and
# scikit-learn refuses to dispatch without it: set it before importing
# scikit-learn (or in the shell, ``export SCIPY_ARRAY_API=1``).
import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import warnings

import matplotlib.pyplot as plt
import numpy as np
import sklearn
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchMLPClassifier
from skmlp.datasets import make_spiral

# a fixed budget of epochs, shorter than convergence: silence the
# ConvergenceWarning that reports it
warnings.filterwarnings("ignore", category=ConvergenceWarning)

device = "cuda" if torch.cuda.is_available() else "cpu"
if device == "cpu":
    # these layers are narrow: on a CPU, PyTorch's extra threads would spend
    # more time synchronising than multiplying
    torch.set_num_threads(1)
print(f"PyTorch {torch.__version__} on {device}")

# %%
# Data on the device
# ------------------
#
# Three interleaved spirals, standardised with NumPy, then copied to the
# device. ``y`` may stay a NumPy array: it follows ``X`` to its device.
X, y = make_spiral(n_samples_per_class=500, n_classes=3, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

X_train_t = torch.asarray(X_train, device=device)
X_test_t = torch.asarray(X_test, device=device)
y_train_t = torch.asarray(y_train, device=device)
y_test_t = torch.asarray(y_test, device=device)

params = dict(
    hidden_layer_sizes=(64, 64),
    batch_size=128,
    learning_rate_init=0.01,
    max_iter=60,
    random_state=0,
)

# %%
# The same fit, in NumPy and in PyTorch
# -------------------------------------
#
# Dispatch is a scikit-learn setting: ``sklearn.set_config(array_api_dispatch=True)``
# for the whole session, or a ``with`` block as here. NumPy input takes the
# NumPy path, with or without it.
with sklearn.config_context(array_api_dispatch=True):
    on_numpy = ScratchMLPClassifier(**params).fit(X_train, y_train)
    on_torch = ScratchMLPClassifier(**params).fit(X_train_t, y_train_t)

    proba_t = on_torch.predict_proba(X_test_t)
    print("coefs_[0]:", type(on_torch.coefs_[0]).__name__, on_torch.coefs_[0].device)
    print("predict_proba:", type(proba_t).__name__, proba_t.device, proba_t.dtype)
    print(
        f"test accuracy: NumPy {on_numpy.score(X_test, y_test):.4f}, "
        f"PyTorch {on_torch.score(X_test_t, y_test_t):.4f}"
    )

# %%
# The initial weights and the order of the minibatches are drawn on the host
# from ``random_state``, so both fits start from the same weights and see the
# same batches; what is left is rounding in the matrix products.
difference = max(
    float(np.abs(W - W_t.cpu().numpy()).max())
    for W, W_t in zip(on_numpy.coefs_, on_torch.coefs_)
)
proba_difference = np.abs(on_numpy.predict_proba(X_test) - proba_t.cpu().numpy()).max()
print(f"largest coefficient difference: {difference:.1e}")
print(f"largest probability difference: {proba_difference:.1e}")

# %%
# Dropout on the device
# ---------------------
#
# With PyTorch, the dropout masks are drawn on the device by a
# ``torch.Generator`` seeded from ``random_state``: a model is reproducible,
# but its masks are not NumPy's, so it is not the NumPy model.
with sklearn.config_context(array_api_dispatch=True):
    drop_a = ScratchMLPClassifier(dropout=0.1, **params).fit(X_train_t, y_train_t)
    drop_b = ScratchMLPClassifier(dropout=0.1, **params).fit(X_train_t, y_train_t)
    same = all(torch.equal(A, B) for A, B in zip(drop_a.coefs_, drop_b.coefs_))
    print(f"two dropout fits with random_state=0 are identical: {same}")
    print(f"test accuracy with dropout: {drop_a.score(X_test_t, y_test_t):.4f}")

# %%
# Training curves and decision regions
# ------------------------------------
#
# The loss curves of the NumPy and the PyTorch fit lie on top of each other.
# The decision regions are computed on the device: the grid is a tensor, and
# only the probabilities come back to the host for plotting.
lim = np.abs(X_test).max() + 0.2
xx, yy = np.meshgrid(np.linspace(-lim, lim, 250), np.linspace(-lim, lim, 250))
grid = torch.asarray(np.c_[xx.ravel(), yy.ravel()], device=device)
with sklearn.config_context(array_api_dispatch=True):
    regions = on_torch.predict(grid).cpu().numpy().reshape(xx.shape)

fig, (ax_loss, ax_regions) = plt.subplots(1, 2, figsize=(10, 4.2))
ax_loss.plot(on_numpy.loss_curve_, lw=3, alpha=0.5, label="NumPy")
ax_loss.plot(on_torch.loss_curve_, lw=1, color="k", label=f"PyTorch ({device})")
ax_loss.plot(drop_a.loss_curve_, lw=1, label=f"PyTorch ({device}), dropout=0.1")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss")
ax_loss.set_yscale("log")
ax_loss.legend()
ax_regions.contourf(xx, yy, regions, levels=[-0.5, 0.5, 1.5, 2.5], alpha=0.3)
ax_regions.scatter(X_test[:, 0], X_test[:, 1], c=y_test, s=8, edgecolor="none")
ax_regions.set_title("PyTorch model: decision regions, test points")
ax_regions.set_aspect("equal")
fig.tight_layout()
plt.show()
