"""The demo: ``python -m skmlp``.

Builds the spiral problem, tunes dropout and the L2 strength ``alpha`` of both
estimators with GridSearchCV, does the same (alpha only) for scikit-learn's
MLPClassifier on the same split, and prints one table.
"""

import argparse
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from . import ScratchLogisticNet, ScratchMLPClassifier, __version__
from .datasets import make_spiral


def _contenders(max_iter, random_state):
    common = dict(
        hidden_layer_sizes=(64, 64),
        solver="adam",
        learning_rate_init=0.01,
        batch_size=64,
        max_iter=max_iter,
        random_state=random_state,
    )
    grid = {"clf__dropout": [0.0, 0.1], "clf__alpha": [1e-4, 1e-2, 1e-1]}
    return {
        "ScratchMLPClassifier": (ScratchMLPClassifier(**common), grid),
        "ScratchLogisticNet": (ScratchLogisticNet(**common), grid),
        "MLPClassifier": (MLPClassifier(**common), {"clf__alpha": grid["clf__alpha"]}),
    }


def run(n_samples_per_class=300, max_iter=300, n_jobs=2, random_state=0):
    """Tune each contender.

    Returns rows (name, best params, test accuracy, mean fit time of one
    candidate, wall time of the whole search).
    """
    X, y = make_spiral(n_samples_per_class, 3, random_state=random_state)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=random_state
    )
    rows = []
    for name, (clf, grid) in _contenders(max_iter, random_state).items():
        search = GridSearchCV(
            Pipeline([("scale", StandardScaler()), ("clf", clf)]),
            grid,
            cv=3,
            n_jobs=n_jobs,
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            search.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        best = ", ".join(
            f"{k.removeprefix('clf__')}={v:g}" for k, v in search.best_params_.items()
        )
        fit_time = float(search.cv_results_["mean_fit_time"].mean())
        rows.append((name, best, search.score(X_test, y_test), fit_time, seconds))
    return rows


def format_table(rows):
    header = (
        "model",
        "best parameters",
        "test accuracy",
        "fit time (s)",
        "search time (s)",
    )
    body = [(n, p, f"{a:.3f}", f"{f:.2f}", f"{s:.1f}") for n, p, a, f, s in rows]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skmlp", description=__doc__)
    parser.add_argument("--n-samples-per-class", type=int, default=300)
    parser.add_argument("--max-iter", type=int, default=300)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    print(
        f"skmlp {__version__}: spiral data, 3 classes x {args.n_samples_per_class} "
        "points, 25% held out; GridSearchCV (3-fold) over dropout x alpha\n"
    )
    rows = run(args.n_samples_per_class, args.max_iter, args.n_jobs, args.random_state)
    print(format_table(rows))
    print(
        "\nfit time: mean over the grid's candidates and folds of one fit; search "
        "time: the whole GridSearchCV, refit included."
    )
    return rows


if __name__ == "__main__":
    main()
