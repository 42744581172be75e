"""The data sets: generated or shipped with scikit-learn, from fixed seeds."""

import time

import numpy as np
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from .rows import QUICK, SEED
from .util import log


def _split_and_scale(X, y, n_test):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=n_test, random_state=SEED, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _generated(quick, full_size, **params):
    """make_classification with `params`, `full_size` = (n_train, n_test) unless
    --quick; split and standardised."""
    n_train, n_test = (QUICK["n_train"], QUICK["n_test"]) if quick else full_size
    X, y = make_classification(n_samples=n_train + n_test, random_state=SEED, **params)
    return _split_and_scale(X, y, n_test)


def make_regression_data(quick):
    """The classifier rows' synthetic data in size, for regression: 60000 +
    10000 samples, 784 features (50 informative), 3 targets; make_regression's
    linear targets plus Gaussian noise (noise=100 against targets of standard
    deviation 400--435: the best possible R^2 is about 0.94).  X and the
    targets are standardised on the training part (the targets' raw scale,
    hundreds, would take most of an epoch of Adam's steps of 1e-3 to reach)."""
    n_train, n_test = (QUICK["n_train"], QUICK["n_test"]) if quick else (60_000, 10_000)
    X, y = make_regression(
        n_samples=n_train + n_test,
        n_features=784,
        n_informative=50,
        n_targets=3,
        noise=100.0,
        random_state=SEED,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=n_test, random_state=SEED
    )
    x_scaler, y_scaler = StandardScaler().fit(X_train), StandardScaler().fit(y_train)
    return (
        x_scaler.transform(X_train),
        x_scaler.transform(X_test),
        y_scaler.transform(y_train),
        y_scaler.transform(y_test),
    )


def make_synthetic(quick):
    """MNIST-shaped: 60000 + 10000 samples, 784 features, 10 classes."""
    # class_sep=2: about 83 % test accuracy after 2 epochs of the (256, 256) net
    return _generated(
        quick,
        (60_000, 10_000),
        n_features=784,
        n_informative=50,
        n_redundant=0,
        n_classes=10,
        class_sep=2.0,
    )


def make_binary(quick):
    """50000 + 10000 samples, 200 features, 2 classes."""
    return _generated(quick, (50_000, 10_000), n_features=200, n_informative=20)


def make_digits(quick):
    """load_digits (ships with scikit-learn), 25 % held out."""
    X, y = load_digits(return_X_y=True)
    return _split_and_scale(X, y, n_test=len(y) // 4)


def make_spiral_data(quick):
    """The book's spiral ("Neural Networks from Scratch", ``spiral_data(samples=
    1000, classes=3)``): 1000 points per arm, 3 arms, 2 features, from
    skmlp.datasets.make_spiral, in a seeded random order (the arms come one
    after the other: a row's first `n_train` points are then a random subset
    of every arm); a fresh draw of 100 points per arm held out.  Not
    standardised, as in the book (the points lie in [-1, 1]); the same size
    under --quick (it is small)."""
    from skmlp.datasets import make_spiral  # the row fails if skmlp does not import

    X_train, y_train = make_spiral(
        n_samples_per_class=1000, n_classes=3, random_state=SEED
    )
    order = np.random.default_rng(SEED).permutation(len(y_train))
    X_test, y_test = make_spiral(
        n_samples_per_class=100, n_classes=3, random_state=SEED + 1
    )
    return X_train[order], X_test, y_train[order], y_test


DATASETS = {
    "synthetic": make_synthetic,
    "binary": make_binary,
    "digits": make_digits,
    "spiral": make_spiral_data,
    "regression": make_regression_data,
}


class DataCache:
    """Builds each data set once (float64) and each dtype of it once: X in
    the dtype, and real-valued targets (regression) too -- float32 end to
    end, as every contender keeps it; class labels stay as they are."""

    def __init__(self, quick):
        self.quick = quick
        self._arrays = {}

    def get(self, name, dtype):
        if (name, "float64") not in self._arrays:
            t0 = time.perf_counter()
            self._arrays[name, "float64"] = DATASETS[name](self.quick)
            log(f"data {name}: {time.perf_counter() - t0:.1f} s")
        if (name, dtype) not in self._arrays:
            X_train, X_test, y_train, y_test = self._arrays[name, "float64"]
            if y_train.dtype.kind == "f":  # regression targets
                y_train, y_test = y_train.astype(dtype), y_test.astype(dtype)
            self._arrays[name, dtype] = (
                X_train.astype(dtype),
                X_test.astype(dtype),
                y_train,
                y_test,
            )
        return self._arrays[name, dtype]
