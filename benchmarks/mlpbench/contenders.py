"""The contenders of the training rows, made alike.

Each maker takes (row, n_iter, settings) and returns (label, estimator), or
None when the contender has no counterpart for that row.
"""

import contextlib
import importlib
import os
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits

from .devices import on_device
from .floor import FloorNet
from .rows import SEED
from .torch_mlp import TorchMLP
from .util import all_threads


@dataclass(frozen=True)
class Settings:
    """Where a row runs: its BLAS thread count and the PyTorch device (or None).

    ``n_threads=None``: a defaults row -- the harness sets no thread limit, and
    each contender runs with its own default threads (or the limit it sets
    itself, as the forced-thread skmlp contenders do).
    """

    n_threads: int | None
    device: str | None = None

    @property
    def defaults(self):
        return self.n_threads is None


def _mlp_params(row, n_iter):
    """MLPClassifier's (and MLPRegressor's) parameters for exactly `n_iter`
    epochs and no early stop."""
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
    if row.regression:
        est = skmlp.ScratchMLPRegressor(**_mlp_params(row, n_iter), dropout=row.dropout)
        return "skmlp", est
    est = skmlp.ScratchMLPClassifier(**_mlp_params(row, n_iter), dropout=row.dropout)
    return "skmlp", est


class ThreadLimited:
    """An estimator whose fit runs under ``threadpool_limits(thread_limit)``
    (and the context `fixing()` returns, if given): on a defaults row, skmlp
    forced to one thread or to all.  Everything else (n_iter_, classes_,
    predict_proba) is the wrapped estimator's."""

    def __init__(self, wrapped, thread_limit, fixing=contextlib.nullcontext):
        self.wrapped = wrapped
        self.thread_limit = thread_limit
        self.fixing = fixing

    def fit(self, X, y):
        with threadpool_limits(limits=self.thread_limit), self.fixing():
            self.wrapped.fit(X, y)
        return self

    def __getattr__(self, name):
        if name == "wrapped" or name.startswith("__"):  # before __init__ ran
            raise AttributeError(name)
        return getattr(self.wrapped, name)


def skmlp_fixed_threads():
    """skmlp's own choice of its threads turned off, where skmlp has one
    (``config_context(choose_threads=False)``): it may only lower the limit
    it is given, so a forced count needs it off to be the count a fit runs on."""
    import skmlp

    if "choose_threads" in skmlp.get_config():
        return skmlp.config_context(choose_threads=False)
    return contextlib.nullcontext()


def _make_skmlp_limited(row, n_iter, settings, n_threads):
    if not settings.defaults:
        return None  # elsewhere the harness sets every contender's threads
    _, est = make_skmlp(row, n_iter, settings)
    label = "skmlp (1 thread)" if n_threads == 1 else f"skmlp (all {n_threads} threads)"
    return label, ThreadLimited(est, n_threads, skmlp_fixed_threads)


def make_skmlp_1thread(row, n_iter, settings):
    return _make_skmlp_limited(row, n_iter, settings, 1)


def make_skmlp_allthreads(row, n_iter, settings):
    return _make_skmlp_limited(row, n_iter, settings, all_threads())


def make_sklearn(row, n_iter, settings):
    if row.logistic:
        est = LogisticRegression(C=1 / row.alpha, tol=row.tol, max_iter=n_iter)
        return "LogisticRegression", est
    if row.regression:
        name, est = "MLPRegressor", MLPRegressor(**_mlp_params(row, n_iter))
    else:
        name, est = "MLPClassifier", MLPClassifier(**_mlp_params(row, n_iter))
    return (f"{name} (no dropout)" if row.dropout else name), est


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
        n_threads=settings.n_threads,  # None on a defaults row: torch's own
        device=settings.device,
        regression=row.regression,
    )
    label = "PyTorch" if settings.device is None else f"PyTorch ({settings.device})"
    return label, est


class ArrayAPIFit:
    """skmlp fitted on PyTorch tensors on a device, under array_api_dispatch.

    The arrays are moved to the device once, before the timed fits; predictions
    come back to the host as NumPy for the scores (probabilities of a
    classifier, values of a regressor).
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
        if hasattr(self.estimator, "classes_"):
            self.classes_ = _to_numpy(self.estimator.classes_)
        return self

    def _on_host(self, method, X):
        import sklearn

        with sklearn.config_context(array_api_dispatch=True):
            return _to_numpy(getattr(self.estimator, method)(on_device(X, self.device)))

    def predict_proba(self, X):
        return self._on_host("predict_proba", X)

    def predict(self, X):
        return self._on_host("predict", X)


def _to_numpy(array):
    return array.cpu().numpy() if hasattr(array, "cpu") else np.asarray(array)


def make_skmlp_device(row, n_iter, settings):
    if not row.stochastic or settings.device is None or settings.defaults:
        return None
    _, est = make_skmlp(row, n_iter, settings)
    fit = ArrayAPIFit(est, settings.device, settings.n_threads)
    return f"skmlp (torch {settings.device})", fit


def _make_floor(row, n_iter, settings, with_data):
    if not row.stochastic or settings.defaults:
        # the floor of a minibatch step in a thread setting; L-BFGS has none
        return None
    est = FloorNet(
        row.hidden,
        batch_size=row.batch_size,
        max_iter=n_iter,
        with_data=with_data,
        n_threads=settings.n_threads,
        regression=row.regression,
    )
    return ("floor" if with_data else "GEMM only"), est


def make_gemm_only(row, n_iter, settings):
    return _make_floor(row, n_iter, settings, with_data=False)


def make_floor(row, n_iter, settings):
    return _make_floor(row, n_iter, settings, with_data=True)


# "ratio vs sklearn" divides by the s/epoch of this contender, in the same row
# (MLPClassifier, MLPRegressor or LogisticRegression);
# "ratio vs floor" and "ratio vs GEMM-only" by those of the floor contenders.
REFERENCE = "sklearn"
FLOORS = {"ratio_floor": "floor", "ratio_gemm_only": "gemm"}
# On the defaults rows, also every contender's time / these contenders' (the
# same row, the same repeat): "ratio_1thread" on skmlp's line is skmlp with
# its defaults over skmlp forced to one thread.
DEFAULTS_REFERENCES = {
    "ratio_1thread": "skmlp-1thread",
    "ratio_allthreads": "skmlp-allthreads",
    "ratio_torch": "torch",
}
# and skmlp's time over the faster, in each repeat, of skmlp forced to one
# thread and to all ("ratio_best"): how near the thread choice comes to the
# better of the two at that moment (a busy machine, or a host that gives the
# second core only some of the time, changes which one is better)
BEST_OF = ("skmlp-1thread", "skmlp-allthreads")
CONTENDERS = {
    "skmlp": make_skmlp,
    "skmlp-1thread": make_skmlp_1thread,  # defaults rows only
    "skmlp-allthreads": make_skmlp_allthreads,  # defaults rows only
    "sklearn": make_sklearn,
    "torch": make_torch,
    "skmlp-torch": make_skmlp_device,
    "gemm": make_gemm_only,
    "floor": make_floor,
}
# the optional ones, and the module each needs; sklearn is always here
NEEDS = {
    "skmlp": ("skmlp",),
    "skmlp-1thread": ("skmlp",),
    "skmlp-allthreads": ("skmlp",),
    "torch": ("torch",),
    "skmlp-torch": ("skmlp", "torch"),
}


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
