"""The demo, ``python -m skmlp``: what it claims holds, and CI can read its table.

The demo claims that on its problem (few samples, many noise features) the
grid of each skmlp estimator chooses some regularisation over none, that the
chosen model beats the same model unregularised and MLPClassifier tuned on
the L2 strength it has, that every fit converged, and that the one
configuration both libraries can express gives the same coefficients. The
first test checks each claim on the demo's own settings; the others run the
module as CI does, on a smaller problem, and check the lines CI greps.

Its regression section claims the same of ScratchMLPRegressor against
MLPRegressor on make_friedman1 with 15 noise features: the grid chooses L1,
which beats MLPRegressor's best alpha and no regularisation on the held-out
R^2, every fit converged, and with MLPRegressor's alpha and no L1 the two fit
the same coefficients.
"""

import re
import subprocess
import sys

import pytest

from skmlp.__main__ import (
    format_table,
    run,
    run_regression,
    time_same_model,
    time_same_regression,
)

# the patterns of .ci/run's "wheel" step
HEADER = r"^model +best parameters +test accuracy +fit time \(s\) +search time \(s\)"
MODELS = ["ScratchMLPClassifier", "ScratchLogisticNet", "MLPClassifier"]
REGRESSORS = ["ScratchMLPRegressor", "MLPRegressor"]
REG_HEADER = r"^model +best parameters +test R\^2 +fit time \(s\) +search time \(s\)"


def _params(best):
    """'alpha=0.3, dropout=0, l1_ratio=1' -> {'alpha': 0.3, ...}."""
    return {k: float(v) for k, v in (p.split("=") for p in best.split(", "))}


@pytest.fixture(scope="module")
def rows():
    return run()  # the demo's own settings, one process


def test_the_table_has_the_three_contenders(rows):
    assert [r[0] for r in rows] == MODELS
    for name, best, accuracy, fit_time, seconds, plain, stuck, n_fits in rows:
        params = _params(best)
        ours = name.startswith("Scratch")
        assert set(params) == ({"alpha", "dropout", "l1_ratio"} if ours else {"alpha"})
        assert 1 / 3 < accuracy <= 1 and 0 < plain <= 1  # chance is 1/3
        assert 0 < fit_time < seconds
        assert 0 <= stuck <= n_fits


@pytest.mark.parametrize("name", MODELS[:2])
def test_the_grid_chooses_regularisation_and_it_pays_on_held_out_data(rows, name):
    by_name = {r[0]: r for r in rows}
    _, best, accuracy, _, _, plain, _, _ = by_name[name]
    params = _params(best)
    assert params["alpha"] > 0 or params["dropout"] > 0, best
    # the demo's point: visible on the held-out data, not within noise
    assert accuracy > plain + 0.1, (accuracy, plain)
    assert accuracy > by_name["MLPClassifier"][2] + 0.05


def test_every_fit_of_the_demo_converged(rows):
    # no ConvergenceWarning is hidden: the table counts the fits that stopped
    # at max_iter, and on the demo's settings there are none
    assert [r[6] for r in rows] == [0, 0, 0]


def test_the_configuration_both_express_is_the_same_model():
    ours, theirs, same = time_same_model(repeats=1)
    assert same
    assert ours > 0 and theirs > 0


def test_format_table_matches_what_ci_greps():
    rows = [
        (MODELS[0], "alpha=0.3, dropout=0.3, l1_ratio=1", 0.9, 0.1, 2.0, 0.6, 0, 38),
        (MODELS[1], "alpha=1, dropout=0, l1_ratio=0", 0.8, 0.1, 2.0, 0.6, 1, 38),
        (MODELS[2], "alpha=0", 0.7, 0.1, 1.0, 0.7, 11, 11),
    ]
    lines = format_table(rows).splitlines()
    assert re.match(HEADER, lines[0])
    assert len(lines) == 2 + len(rows)
    for name, line in zip(MODELS, lines[2:], strict=True):
        assert re.match(rf"^{name} +[a-z]+=", line)
    assert lines[3].endswith("1 of 38")


@pytest.fixture(scope="module")
def regression_rows():
    return run_regression()  # the demo's own settings


def test_the_regression_table_has_both_regressors(regression_rows):
    assert [r[0] for r in regression_rows] == REGRESSORS
    for name, best, r2, fit_time, seconds, plain, stuck, n_fits in regression_rows:
        ours = name.startswith("Scratch")
        assert set(_params(best)) == ({"alpha", "l1_ratio"} if ours else {"alpha"})
        assert 0 < r2 <= 1 and plain <= 1
        assert 0 < fit_time < seconds
        assert stuck == 0 and n_fits == 3 * (8 if ours else 4) + 2


def test_l1_is_chosen_and_pays_on_held_out_regression_data(regression_rows):
    (_, best, r2, _, _, plain, _, _), theirs = regression_rows
    assert _params(best)["l1_ratio"] == 1, best
    # the section's point: visible on the held-out R^2, not within noise
    assert r2 > theirs[2] + 0.05, (r2, theirs[2])
    assert r2 > plain + 0.1, (r2, plain)
    # with alpha=0 the two are the same model
    assert plain == pytest.approx(theirs[5], abs=1e-9)


def test_the_regression_both_express_is_the_same_model(regression_rows):
    theirs = regression_rows[1]
    alpha = _params(theirs[1])["alpha"]
    ours_s, theirs_s, same, r2_ours, r2_theirs, stuck = time_same_regression(
        alpha, repeats=1
    )
    assert same and stuck == 0
    assert ours_s > 0 and theirs_s > 0
    # the R^2 of MLPRegressor's row: the same fit outside the pipeline
    assert r2_ours == pytest.approx(theirs[2], abs=1e-9)
    assert r2_theirs == pytest.approx(theirs[2], abs=1e-9)


def test_regression_table_does_not_match_the_classifier_patterns():
    rows = [
        (REGRESSORS[0], "alpha=0.3, l1_ratio=1", 0.8, 0.1, 2.0, 0.6, 0, 26),
        (REGRESSORS[1], "alpha=0.3", 0.7, 0.1, 1.0, 0.6, 2, 14),
    ]
    lines = format_table(rows, score="test R^2").splitlines()
    assert re.match(REG_HEADER, lines[0]) and not re.match(HEADER, lines[0])
    for name, line in zip(REGRESSORS, lines[2:], strict=True):
        assert re.match(rf"^{name} +[a-z]+=", line)
        assert not any(re.match(rf"^{model} +[a-z]+=", line) for model in MODELS)
    assert lines[3].endswith("2 of 14")


def test_demo_runs_as_a_module():
    # a smaller problem and few epochs: the count of fits that stopped at
    # max_iter is then in the table, and no ConvergenceWarning on stderr
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "skmlp",
            "--n-train",
            "60",
            "--n-features",
            "20",
            "--max-iter",
            "5",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = out.stdout.splitlines()
    assert any(re.match(HEADER, line) for line in lines), out.stdout
    for name in MODELS:
        line = next(line for line in lines if re.match(rf"^{name} +[a-z]+=", line))
        stuck, n_fits = map(int, re.search(r"(\d+) of (\d+)$", line).groups())
        assert stuck == n_fits  # 5 epochs: none converged, and the table says so
    # the regression section, after the classifiers' (the same rule: counted)
    (start,) = [i for i, line in enumerate(lines) if re.match(REG_HEADER, line)]
    assert start > max(i for i, line in enumerate(lines) if re.match(HEADER, line))
    assert lines[start - 2].endswith("ScratchMLPRegressor, and alpha for MLPRegressor.")
    for name in REGRESSORS:
        line = next(x for x in lines[start:] if re.match(rf"^{name} +alpha=", x))
        r2 = float(re.search(r"\s{2}(-?\d+\.\d{3})\s{2}", line).group(1))
        assert -1 < r2 <= 1  # the test R^2, the first number of the line
        stuck, n_fits = map(int, re.search(r"(\d+) of (\d+)$", line).groups())
        assert stuck == n_fits
    assert "2 of these 2 fits stopped at max_iter." in lines
    assert "ConvergenceWarning" not in out.stderr, out.stderr
