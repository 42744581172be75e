"""The rows: what each one trains (or predicts), and how options adapt them."""

import fnmatch
from dataclasses import dataclass, replace

SEED = 0
DEFAULT_REPEATS = 3  # timed fits per contender and row, unless --repeats
DEFAULTS_REPEATS = 7  # those of the defaults rows: median and IQR of 7 at least


@dataclass(frozen=True)
class Row:
    """One network, one way of training it; every contender trains it alike."""

    data: str  # a key of data.DATASETS
    hidden: tuple  # hidden_layer_sizes
    dtype: str  # "float64" or "float32", the dtype of X
    solver: str = "adam"
    batch_size: object = 200  # an int, "auto" (min(200, n)), or "full" (all of X)
    epochs: int = 2  # max_iter: epochs, or L-BFGS iterations
    tol: float = 0.0  # 0 with a huge n_iter_no_change: exactly `epochs` epochs
    dropout: float = 0.0
    alpha: float = 1e-4
    logistic: bool = False  # ScratchLogisticNet against LogisticRegression(C=1/alpha)
    # ScratchMLPRegressor against MLPRegressor (squared error, identity output),
    # scored by R^2 on the held-out split instead of accuracy and log-loss
    regression: bool = False
    # A "defaults" row runs once, with no thread limit from the harness: skmlp,
    # MLPClassifier and PyTorch with their own default threads, beside skmlp
    # forced to one thread and to all (see DEFAULTS_CONTENDERS); --threads does
    # not apply to it.
    defaults: bool = False
    repeats: int | None = None  # timed fits per contender; None: --repeats' default
    n_train: int | None = None  # the first n_train training rows only (None: all)
    about: str = ""

    @property
    def stochastic(self):
        return self.solver != "lbfgs"

    @property
    def task(self):
        return "regression" if self.regression else "classification"


@dataclass(frozen=True)
class LatencyRow:
    """predict_proba on `n_predict` rows with a network fitted beforehand.

    The network is fitted (untimed) on the first `fit_samples` training rows of
    the data set for `fit_epochs` epochs: its weights do not change how long a
    prediction takes, only its shape and dtype do.
    """

    n_predict: int
    data: str = "synthetic"
    hidden: tuple = (256, 256)
    dtype: str = "float32"
    fit_samples: int = 5_000
    fit_epochs: int = 1
    about: str = ""


ROWS = {
    "adam-256x256-f64": Row("synthetic", (256, 256), "float64", about="MNIST-sized"),
    "adam-256x256-f32": Row("synthetic", (256, 256), "float32", about="same, float32"),
    "adam-1024x1024-f32": Row(
        "synthetic",
        (1024, 1024),
        "float32",
        batch_size=512,
        epochs=1,
        about="wide layers: GEMM-bound",
    ),
    "adam-64-f64": Row(
        "synthetic", (64,), "float64", epochs=3, about="narrow: overhead-bound"
    ),
    "dropout-256x256-f32": Row(
        "synthetic",
        (256, 256),
        "float32",
        dropout=0.2,
        about="dropout 0.2; MLPClassifier has none and trains without",
    ),
    "reg-adam-256x256-f32": Row(
        "regression",
        (256, 256),
        "float32",
        regression=True,
        about="regression, 3 targets, MNIST-sized: squared error, float32",
    ),
    "reg-adam-64-f64": Row(
        "regression",
        (64,),
        "float64",
        epochs=3,
        regression=True,
        about="regression, 3 targets, narrow: overhead-bound, float64",
    ),
    "lbfgs-digits": Row(
        "digits",
        (100,),
        "float64",
        solver="lbfgs",
        batch_size="auto",
        epochs=200,
        about="L-BFGS, full batch, load_digits",
    ),
    "logistic-50000x200": Row(
        "binary",
        (),
        "float64",
        solver="lbfgs",
        batch_size="auto",
        epochs=10_000,
        tol=1e-8,
        alpha=1.0,
        logistic=True,
        about="no hidden layer vs LogisticRegression(C=1), both to tol=1e-8",
    ),
    # small fits, each contender with its default threads (busy machine or idle)
    "digits-default": Row(
        "digits",
        (100,),
        "float64",
        batch_size="auto",
        epochs=100,
        defaults=True,
        repeats=DEFAULTS_REPEATS,
        about="load_digits, the default network and settings ((100,), Adam, "
        "batch 'auto'), 100 epochs; default threads vs 1 and all",
    ),
    "spiral-512-full": Row(
        "spiral",
        (512,),
        "float64",
        batch_size="full",
        epochs=300,
        defaults=True,
        repeats=DEFAULTS_REPEATS,
        n_train=1_000,
        about="1 000 points of the book's spiral (2 features, 3 classes), "
        "(512,), full batch, 300 epochs; default threads vs 1 and all",
    ),
    "adam-64-784-f32": Row(
        "synthetic",
        (64,),
        "float32",
        epochs=10,
        defaults=True,
        repeats=DEFAULTS_REPEATS,
        n_train=10_000,
        about="(64,), batch 200, 10 epochs on 10 000 rows of the MNIST-sized "
        "data, float32; default threads vs 1 and all",
    ),
}

LATENCY_ROWS = {
    "predict-1-256x256-f32": LatencyRow(
        1, about="predict_proba latency, 1 row, (256, 256) float32"
    ),
    "predict-10000-256x256-f32": LatencyRow(
        10_000, about="predict_proba throughput, 10 000 rows, (256, 256) float32"
    ),
    # a small model served one request at a time: the per-call overhead
    "predict-1-64-digits": LatencyRow(
        1,
        data="digits",
        hidden=(64,),
        dtype="float64",
        fit_samples=1_000,
        about="predict_proba latency, 1 row, (64,) float64 on digits",
    ),
    "predict-300-64-digits": LatencyRow(
        300,
        data="digits",
        hidden=(64,),
        dtype="float64",
        fit_samples=1_000,
        about="predict_proba, 300 rows, (64,) float64 on digits",
    ),
}

# --quick: small data, few epochs and iterations, one repeat: a smoke test
QUICK = {
    "n_train": 2_000,
    "n_test": 1_000,
    "epochs": 2,
    "lbfgs_iter": 50,
    "repeats": 1,
    "threads": "1",
}


def select_rows(patterns):
    """({name: Row}, {name: LatencyRow}) matching the shell patterns (all if none)."""
    if not patterns:
        return dict(ROWS), dict(LATENCY_ROWS)

    def matching(rows):
        return {
            name: row
            for name, row in rows.items()
            if any(fnmatch.fnmatch(name, p) for p in patterns)
        }

    chosen, latency = matching(ROWS), matching(LATENCY_ROWS)
    if not chosen and not latency:
        names = ", ".join([*ROWS, *LATENCY_ROWS])
        raise SystemExit(f"no row matches {patterns}; rows: {names}")
    return chosen, latency


def adapt_rows(rows, quick, epochs, repeats=None):
    """--epochs sets the epochs of the stochastic rows; --quick caps them, and
    the iterations of the L-BFGS rows that run a fixed number (tol=0).
    --repeats sets every row's repeats; otherwise --quick's, or the row's own,
    or DEFAULT_REPEATS."""

    def n_iter(row):
        if row.stochastic:
            return epochs or (min(row.epochs, QUICK["epochs"]) if quick else row.epochs)
        if quick and row.tol == 0:
            return min(row.epochs, QUICK["lbfgs_iter"])
        return row.epochs

    def n_repeats(row):
        return repeats or (QUICK["repeats"] if quick else None) or row.repeats

    return {
        name: replace(
            row, epochs=n_iter(row), repeats=n_repeats(row) or DEFAULT_REPEATS
        )
        for name, row in rows.items()
    }
