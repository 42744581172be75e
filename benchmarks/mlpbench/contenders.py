"""The contenders of the training rows, made alike.

Each maker takes (row, n_iter, settings) and returns (label, estimator), or
None when the contender has no counterpart for that row.
"""

import importlib
import os
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from .devices import on_device
from .floor import FloorNet
from .rows import SEED
from .torch_mlp import TorchMLP


@dataclass(frozen=True)
class Settings:
    """Where a row runs: its BLAS thread count and the PyTorch device (or None)."""

    n_threads: int
    device: str | None = None


def _mlp_params(row, n_iter):
    """MLPClassifier's parameters for exactly `n_iter` epochs and no early stop."""
    return dict(
        hidden_layer_sizes=row.hidden,
        solver=row.solver,
        alpha=row.alpha,
        batch_size=row.batch_size,
        learning_rate_init=1e-3,
        max_iter=n_iter,
        tol=row.tol,
        n_iter_no_change=1_000_000,
        early_stopping=False,
        max_fun=1_000_000,
        shuffle=True,
        random_state=SEED,
    )


def make_skmlp(row, n_iter, settings):
    import skmlp

    if row.logistic:
        return "skmlp", skmlp.ScratchLogisticNet(**_mlp_params(row, n_iter))
    est = skmlp.ScratchMLPClassifier(**_mlp_params(row, n_iter), dropout=row.dropout)
    return "skmlp", est


def make_sklearn(row, n_iter, settings):
    if row.logistic:
        est = LogisticRegression(C=1 / row.alpha, tol=row.tol, max_iter=n_iter)
        return "LogisticRegression", est
    label = "MLPClassifier (no dropout)" if row.dropout else "MLPClassifier"
    return label, MLPClassifier(**_mlp_params(row, n_iter))


def make_torch(row, n_iter, settings):
    if not row.stochastic:
        return None  # torch.optim.LBFGS is a different algorithm from SciPy's
    est = TorchMLP(
        row.hidden,
        batch_size=row.batch_size,
        max_iter=n_iter,
        alpha=row.alpha,
        dropout=row.dropout,
        random_state=SEED,
        n_threads=settings.n_threads,
        device=settings.device,
    )
    label = "PyTorch" if settings.device is None else f"PyTorch ({settings.device})"
    return label, est


class ArrayAPIFit:
    """skmlp fitted on PyTorch tensors on a device, under array_api_dispatch.

    The arrays are moved to the device once, before the timed fits; predictions
    come back to the host as NumPy for the scores.
    """

    untraced_memory = True  # torch's allocator does not report to tracemalloc

    def __init__(self, estimator, device, n_threads):
        self.estimator = estimator
        self.device = device
        self.n_threads = n_threads

    def fit(self, X, y):
        import sklearn
        import torch

        # the row's thread count, as the PyTorch loop sets it (torch's setting
        # is global: without this it would be whatever ran last)
        torch.set_num_threads(self.n_threads)

        if os.environ.get("SCIPY_ARRAY_API") != "1":
            raise RuntimeError(
                "SCIPY_ARRAY_API=1 must be set before scipy is imported "
                "(benchmarks/run.py sets it when --device is given)"
            )
        with sklearn.config_context(array_api_dispatch=True):
            self.estimator.fit(on_device(X, self.device), on_device(y, self.device))
        self.n_iter_ = self.estimator.n_iter_
        self.classes_ = _to_numpy(self.estimator.classes_)
        return self

    def predict_proba(self, X):
        import sklearn

        with sklearn.config_context(array_api_dispatch=True):
            return _to_numpy(self.estimator.predict_proba(on_device(X, self.device)))


def _to_numpy(array):
    return array.cpu().numpy() if hasattr(array, "cpu") else np.asarray(array)


def make_skmlp_device(row, n_iter, settings):
    if not row.stochastic or settings.device is None:
        return None
    _, est = make_skmlp(row, n_iter, settings)
    fit = ArrayAPIFit(est, settings.device, settings.n_threads)
    return f"skmlp (torch {settings.device})", fit


def _make_floor(row, n_iter, settings, with_data):
    if not row.stochastic:
        return None  # the floor of a minibatch step; L-BFGS has none
    est = FloorNet(
        row.hidden,
        batch_size=row.batch_size,
        max_iter=n_iter,
        with_data=with_data,
        n_threads=settings.n_threads,
    )
    return ("floor" if with_data else "GEMM only"), est


def make_gemm_only(row, n_iter, settings):
    return _make_floor(row, n_iter, settings, with_data=False)


def make_floor(row, n_iter, settings):
    return _make_floor(row, n_iter, settings, with_data=True)


# "ratio vs sklearn" divides by the s/epoch of this contender, in the same row;
# "ratio vs floor" and "ratio vs GEMM-only" by those of the floor contenders.
REFERENCE = "sklearn"
FLOORS = {"ratio_floor": "floor", "ratio_gemm_only": "gemm"}
CONTENDERS = {
    "skmlp": make_skmlp,
    "sklearn": make_sklearn,
    "torch": make_torch,
    "skmlp-torch": make_skmlp_device,
    "gemm": make_gemm_only,
    "floor": make_floor,
}
# the optional ones, and the module each needs; sklearn is always here
NEEDS = {"skmlp": ("skmlp",), "torch": ("torch",), "skmlp-torch": ("skmlp", "torch")}


def available_contenders(selected, device=None):
    """The selected contenders that run here {key: maker}, and {key: why not}."""
    found, missing = {}, {}
    for key in selected:
        if key == "skmlp-torch" and device is None:
            continue  # runs only with --device
        try:
            for module in NEEDS.get(key, ()):
                importlib.import_module(module)
        except Exception as exc:  # an ImportError, or a package half written
            missing[key] = f"{type(exc).__name__}: {exc}"
            continue
        found[key] = CONTENDERS[key]
    return found, missing
