"""
Choosing dropout and alpha with a grid search
=============================================

How much regularisation does a network need? The answer depends on the
data, the architecture and the training budget, so it is chosen by
cross-validation. This example searches a grid of ``dropout`` rates and L2
strengths ``alpha`` for a two-layer network on the spiral problem, with
scikit-learn's :class:`~sklearn.model_selection.GridSearchCV`, and draws the
result as heat maps.
"""

# %%
# A pipeline and a grid
# ---------------------
#
# Inside a :class:`~sklearn.pipeline.Pipeline`, a step's parameters are
# named ``<step>__<parameter>``: the grid is over ``clf__dropout`` and
# ``clf__alpha``. The spiral's rows are ordered along each arm, so the folds
# are shuffled; otherwise each fold would test on a stretch of the arms that
# the other folds never saw.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ScratchMLPClassifier
from skmlp.datasets import make_spiral

# Every fit below runs a fixed number of epochs on purpose, so reaching
# ``max_iter`` is expected: silence the ConvergenceWarning that reports it.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_spiral(n_samples_per_class=100, n_classes=3, random_state=0)

pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        (
            "clf",
            ScratchMLPClassifier(
                hidden_layer_sizes=(64, 64),
                learning_rate_init=0.02,
                max_iter=300,
                n_iter_no_change=300,  # a fixed budget: every epoch runs
                random_state=0,
            ),
        ),
    ]
)
param_grid = {
    "clf__dropout": [0.0, 0.1, 0.2],
    "clf__alpha": [1e-4, 1e-2, 1e-1, 1.0],
}
search = GridSearchCV(
    pipe,
    param_grid,
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
    return_train_score=True,
    n_jobs=2,
)
search.fit(X, y)
print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")

# %%
# The heat maps
# -------------
#
# The left map is the mean accuracy on the held-out folds, what the search
# maximises. The right map is the mean accuracy on the training folds: how
# closely the network fits the data it learns from.
results = pd.DataFrame(search.cv_results_)
rows, cols = "param_clf__dropout", "param_clf__alpha"
test = results.pivot(index=rows, columns=cols, values="mean_test_score")
train = results.pivot(index=rows, columns=cols, values="mean_train_score")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, table, title in [
    (axes[0], test, "validation accuracy (held-out folds)"),
    (axes[1], train, "training accuracy (training folds)"),
]:
    image = ax.imshow(table.to_numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(table.shape[1]), [f"{a:g}" for a in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{d:g}" for d in table.index])
    ax.set_xlabel("alpha")
    ax.set_ylabel("dropout")
    ax.set_title(title)
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", color="w")
    fig.colorbar(image, ax=ax)
fig.tight_layout()
plt.show()

# %%
# Reading the maps
# ----------------
#
# Moving right (more L2) or down (more dropout), the training accuracy
# falls: both regularisers restrain how closely the network fits its
# training folds. The validation accuracy only gains from that restraint
# while the network was fitting noise; past some strength it falls too,
# because the network can no longer follow the arms within its 300 epochs.
# The search picks the cell where the two effects balance. On this small
# problem and budget the unregularised network overfits only mildly, so the
# best cell has little regularisation; with a larger network, fewer samples
# or a longer training budget, it moves towards stronger regularisation.
#
# Remember that ``alpha`` is divided by the minibatch's size (here the
# default ``batch_size='auto'``: 200 samples, each training fold at once):
# change the batch size and the same ``alpha`` means a different strength.
