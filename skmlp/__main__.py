"""The demo: ``python -m skmlp``.

Few samples, many features, most of them noise: 150 training rows of 100
features of which 6 carry the signal (scikit-learn's ``make_classification``,
3 classes), 500 held-out rows. A network of 64 hidden units fits the noise
unless it is regularised, and the L2 penalty (``alpha``) that
``MLPClassifier`` offers shrinks the noise features' weights without
removing them; skmlp's ``l1_ratio`` (L1) and ``dropout`` go further.

Both skmlp estimators are tuned by ``GridSearchCV`` over ``dropout`` x
``alpha`` x ``l1_ratio``, and scikit-learn's ``MLPClassifier`` over
``alpha``, the one of these it has, on the same split. The table shows each
one's held-out accuracy next to the same model fitted with no
regularisation at all, and how many of the fits stopped at ``max_iter``
before converging. A last line times one configuration that both libraries
can express (L2, no dropout), where the two fit the same model.

A second section does the same for regression: ``ScratchMLPRegressor``
against ``MLPRegressor`` on scikit-learn's ``make_friedman1`` (a smooth
nonlinear function of 5 features, plus 15 features of noise; 150 training
and 500 held-out rows), X and y standardised (``TransformedTargetRegressor``).
``GridSearchCV`` tunes ``alpha`` x ``l1_ratio`` for skmlp and ``alpha`` for
``MLPRegressor``; the table gives the held-out R^2 of each choice. L1 suits
noise features: its pull on a weight towards zero does not fade as the
weight gets small, where L2's does. The last line times the configuration
both can express (MLPRegressor's choice of ``alpha``, no L1).
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from . import (
    ScratchLogisticNet,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    __version__,
)

HIDDEN = (64,)
# the grids: "none" (alpha=0, dropout=0) is a candidate of each
SKMLP_GRID = {
    "clf__dropout": [0.0, 0.3],
    "clf__alpha": [0.0, 0.3, 1.0],
    "clf__l1_ratio": [0.0, 1.0],
}
MLP_GRID = {"clf__alpha": SKMLP_GRID["clf__alpha"]}
# the regression section's grids ("reg" in a pipeline whose target is scaled)
REG_ALPHA = "regressor__reg__alpha"
SKMLP_REG_GRID = {
    REG_ALPHA: [0.0, 0.3, 1.0, 3.0],
    "regressor__reg__l1_ratio": [0.0, 1.0],
}
MLP_REG_GRID = {REG_ALPHA: SKMLP_REG_GRID[REG_ALPHA]}
REG_PROBLEM = {"n_train": 150, "n_test": 500, "n_features": 20}


def make_data(n_train=150, n_test=500, n_features=100, random_state=0):
    """(X_train, X_test, y_train, y_test): 3 classes, 6 informative features."""
    X, y = make_classification(
        n_train + n_test,
        n_features,
        n_informative=6,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        flip_y=0.03,
        random_state=random_state,
    )
    return train_test_split(
        X, y, train_size=n_train, stratify=y, random_state=random_state
    )


def make_regression_data(n_train=150, n_test=500, n_features=20, random_state=0):
    """(X_train, X_test, y_train, y_test): Friedman's function of 5 features,
    the other features noise, Gaussian noise of 1 on y (std about 5)."""
    X, y = make_friedman1(
        n_train + n_test, n_features=n_features, noise=1.0, random_state=random_state
    )
    return train_test_split(X, y, train_size=n_train, random_state=random_state)


def _common(max_iter, random_state):
    return dict(
        hidden_layer_sizes=HIDDEN,
        solver="adam",
        learning_rate_init=0.01,
        batch_size=32,
        max_iter=max_iter,
        random_state=random_state,
    )


def _contenders(max_iter, random_state):
    common = _common(max_iter, random_state)
    return {
        "ScratchMLPClassifier": (ScratchMLPClassifier(**common), SKMLP_GRID),
        "ScratchLogisticNet": (ScratchLogisticNet(**common), SKMLP_GRID),
        "MLPClassifier": (MLPClassifier(**common), MLP_GRID),
    }


def _regression_contenders(max_iter, random_state):
    common = _common(max_iter, random_state)
    return {
        "ScratchMLPRegressor": (ScratchMLPRegressor(**common), SKMLP_REG_GRID),
        "MLPRegressor": (MLPRegressor(**common), MLP_REG_GRID),
    }


def _scaled_target(regressor):
    """X and y standardised on the data each fit sees."""
    pipeline = Pipeline([("scale", StandardScaler()), ("reg", regressor)])
    return TransformedTargetRegressor(pipeline, transformer=StandardScaler())


def _network(model):
    """The fitted network at the end of a pipeline (in a target transform)."""
    return model.regressor_[-1] if hasattr(model, "regressor_") else model[-1]


def _converged(model, X=None, y=None):
    """1 if the fit stopped before max_iter (a 'scorer', so that GridSearchCV
    reports it from its worker processes), else 0."""
    net = _network(model)
    return float(net.n_iter_ < net.max_iter)


def _tune(model, grid, data, score, n_jobs):
    """GridSearchCV of `model` over `grid` on `data`'s training part: (best
    params, held-out score, mean fit time of one candidate, wall time of the
    search, held-out score with alpha=0, fits that stopped at max_iter, fits)."""
    X_train, X_test, y_train, y_test = data
    search = GridSearchCV(
        model,
        grid,
        cv=3,
        n_jobs=n_jobs,
        scoring={score: score, "converged": _converged},
        refit=score,
    )
    (alpha,) = [key for key in grid if key.endswith("alpha")]
    # no fit's ConvergenceWarning is lost: the count of fits that stopped
    # at max_iter is a column of the table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        search.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        plain = clone(model).set_params(**{alpha: 0.0}).fit(X_train, y_train)
    results = search.cv_results_
    n_splits = search.n_splits_
    converged = [results[f"split{i}_test_converged"] for i in range(n_splits)]
    fits = [search.best_estimator_, plain]
    n_fits = n_splits * len(results["params"]) + len(fits)
    stuck = int(np.sum(1 - np.asarray(converged)))
    stuck += sum(1 - int(_converged(p)) for p in fits)
    best = ", ".join(
        f"{k.rsplit('__', 1)[-1]}={v:g}" for k, v in sorted(search.best_params_.items())
    )
    return (
        best,
        search.score(X_test, y_test),
        float(results["mean_fit_time"].mean()),
        seconds,
        plain.score(X_test, y_test),
        stuck,
        n_fits,
    )


def run(n_train=150, n_features=100, max_iter=500, n_jobs=1, random_state=0):
    """Tune each contender on one split of :func:`make_data`.

    Returns one row per contender: (name, best params, test accuracy, mean fit
    time of one candidate, wall time of the whole search, test accuracy with
    no regularisation, fits that stopped at max_iter, fits in all).
    """
    data = make_data(n_train, n_features=n_features, random_state=random_state)
    rows = []
    for name, (clf, grid) in _contenders(max_iter, random_state).items():
        pipeline = Pipeline([("scale", StandardScaler()), ("clf", clf)])
        rows.append((name, *_tune(pipeline, grid, data, "accuracy", n_jobs)))
    return rows


def run_regression(max_iter=500, n_jobs=1, random_state=0):
    """Tune each regressor on one split of :func:`make_regression_data`.

    Returns one row per contender, as :func:`run` does, with the held-out R^2
    in place of the accuracy.
    """
    data = make_regression_data(**REG_PROBLEM, random_state=random_state)
    rows = []
    for name, (reg, grid) in _regression_contenders(max_iter, random_state).items():
        rows.append((name, *_tune(_scaled_target(reg), grid, data, "r2", n_jobs)))
    return rows


def time_same_model(n_train=150, n_features=100, repeats=3, random_state=0):
    """Best-of-``repeats`` fit times of the one configuration both can express.

    ScratchMLPClassifier and MLPClassifier with L2 (alpha=1) and no dropout,
    fitted in turn on the same scaled training data. Returns (skmlp seconds,
    MLPClassifier seconds, whether their coefficients agree to 1e-10).
    """
    X_train, _, y_train, _ = make_data(
        n_train, n_features=n_features, random_state=random_state
    )
    X_train = StandardScaler().fit_transform(X_train)
    (ours, _), (theirs, _) = (
        _contenders(500, random_state)[k]
        for k in ("ScratchMLPClassifier", "MLPClassifier")
    )
    best, same = _race(ours.set_params(alpha=1.0), theirs.set_params(alpha=1.0),
                       X_train, y_train, repeats)  # fmt: skip
    return best[ScratchMLPClassifier], best[MLPClassifier], same


def _race(ours, theirs, X, y, repeats):
    """({class: best-of-``repeats`` fit seconds}, whether the two fitted
    models' coefficients agree to 1e-10): fitted in turn on the same data."""
    best = {}
    for _ in range(repeats):
        for est in (ours, theirs):
            start = time.perf_counter()
            est.fit(X, y)
            seconds = time.perf_counter() - start
            best[type(est)] = min(best.get(type(est), np.inf), seconds)
    same = all(
        np.allclose(a, b, rtol=0, atol=1e-10)
        for a, b in zip(ours.coefs_, theirs.coefs_, strict=True)
    )
    return best, same


def time_same_regression(alpha, max_iter=500, repeats=3, random_state=0):
    """Best-of-``repeats`` fit times of ScratchMLPRegressor and MLPRegressor
    with L2 ``alpha`` and no L1, fitted in turn on the same standardised
    training data (X and y, as in the section's pipelines). Returns (skmlp
    seconds, MLPRegressor seconds, whether their coefficients agree to 1e-10,
    skmlp's held-out R^2, MLPRegressor's, fits that stopped at max_iter)."""
    X_train, X_test, y_train, y_test = make_regression_data(
        **REG_PROBLEM, random_state=random_state
    )
    x_scale = StandardScaler().fit(X_train)
    y_scale = StandardScaler().fit(y_train[:, None])
    X_train, X_test = x_scale.transform(X_train), x_scale.transform(X_test)
    y_train = y_scale.transform(y_train[:, None])[:, 0]
    y_test = y_scale.transform(y_test[:, None])[:, 0]  # R^2 is the same in y's units
    (ours, _), (theirs, _) = _regression_contenders(max_iter, random_state).values()
    ours, theirs = ours.set_params(alpha=alpha), theirs.set_params(alpha=alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # counted below
        best, same = _race(ours, theirs, X_train, y_train, repeats)
    stuck = sum(int(est.n_iter_ >= est.max_iter) for est in (ours, theirs))
    return (
        best[ScratchMLPRegressor],
        best[MLPRegressor],
        same,
        ours.score(X_test, y_test),
        theirs.score(X_test, y_test),
        stuck,
    )


def format_table(rows, score="test accuracy"):
    header = (
        "model",
        "best parameters",
        score,
        "fit time (s)",
        "search time (s)",
        "unregularised",
        "not converged",
    )
    body = [
        (n, p, f"{a:.3f}", f"{f:.2f}", f"{s:.1f}", f"{u:.3f}", f"{k} of {m}")
        for n, p, a, f, s, u, k, m in rows
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skmlp", description=__doc__)
    parser.add_argument(
        "--n-train", type=int, default=150, help="classification rows to train on"
    )
    parser.add_argument(
        "--n-features", type=int, default=100, help="classification features"
    )
    parser.add_argument(
        "--max-iter", type=int, default=500, help="epochs of every fit, at most"
    )
    # one process: on two busy cores, worker processes cost more than they buy
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    print(
        f"skmlp {__version__}: {args.n_train} training and 500 held-out rows, "
        f"{args.n_features} features of which 6 informative,\n3 classes; one "
        f"hidden layer of {HIDDEN[0]} units. GridSearchCV (3-fold) tunes dropout x "
        "alpha\n(L2) x l1_ratio for skmlp, and alpha, the one it has, for "
        "MLPClassifier.\n"
    )
    rows = run(
        args.n_train, args.n_features, args.max_iter, args.n_jobs, args.random_state
    )
    print(format_table(rows))
    ours_row, theirs_row = rows[0], rows[-1]
    print(
        f"\nOn the held-out rows, {ours_row[0]}'s choice scores "
        f"{ours_row[2] - ours_row[5]:+.3f} against no regularisation,\nand "
        f"{ours_row[2] - theirs_row[2]:+.3f} against MLPClassifier's best alpha."
    )
    ours, theirs, same = time_same_model(
        args.n_train, args.n_features, random_state=args.random_state
    )
    print(
        "\nunregularised: the same model fitted with alpha=0 and no dropout; not "
        "converged: fits\nthat stopped at max_iter. fit time: mean over the "
        "grid's candidates and folds;\nsearch time: the whole GridSearchCV, "
        "refit included.\n"
        "Where both can express the model (alpha=1, no dropout, no L1): "
        f"ScratchMLPClassifier\nfits in {ours:.3f} s, MLPClassifier in "
        f"{theirs:.3f} s ({theirs / ours:.1f}x the time), "
        + ("with the same coefficients." if same else "with other coefficients.")
    )
    regression(args.max_iter, args.n_jobs, args.random_state)
    return rows


def regression(max_iter=500, n_jobs=1, random_state=0):
    """The demo's regression section: prints it, returns its table's rows."""
    problem = REG_PROBLEM
    print(
        f"\nRegression: make_friedman1, {problem['n_train']} training and "
        f"{problem['n_test']} held-out rows, {problem['n_features']} features "
        "of which 5\ninformative (noise 1 on y); X and y standardised. "
        "GridSearchCV (3-fold) tunes alpha\n(L2) x l1_ratio for "
        "ScratchMLPRegressor, and alpha for MLPRegressor.\n"
    )
    rows = run_regression(max_iter, n_jobs, random_state)
    print(format_table(rows, score="test R^2"))
    ours_row, theirs_row = rows
    print(
        f"\nOn the held-out rows, {ours_row[0]}'s choice scores "
        f"{ours_row[2] - theirs_row[2]:+.3f} R^2 against\nMLPRegressor's best "
        f"alpha, and {ours_row[2] - ours_row[5]:+.3f} against no regularisation "
        "(the columns as above)."
    )
    alpha = float(theirs_row[1].removeprefix("alpha="))
    ours, theirs, same, r2_ours, r2_theirs, stuck = time_same_regression(
        alpha, max_iter, random_state=random_state
    )
    outcome = (
        f"with the same\ncoefficients (test R^2 {r2_ours:.3f})."
        if same
        else f"with other\ncoefficients (test R^2 {r2_ours:.3f} and {r2_theirs:.3f})."
    )
    print(
        f"Where both can express the model (alpha={alpha:g}, no L1): "
        f"ScratchMLPRegressor\nfits in {ours:.3f} s, MLPRegressor in "
        f"{theirs:.3f} s ({theirs / ours:.1f}x the time), {outcome}"
        + (f"\n{stuck} of these 2 fits stopped at max_iter." if stuck else "")
    )
    return rows


if __name__ == "__main__":
    main()
