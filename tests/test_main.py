"""The demo, ``python -m skmlp``: what it claims holds, and CI can read its table.

The demo claims that on its problem (few samples, many noise features) the
grid of each skmlp estimator chooses some regularisation over none, that the
chosen model beats the same model unregularised and MLPClassifier tuned on
the L2 strength it has, that every fit converged, and that the one
configuration both libraries can express gives the same coefficients. The
first test checks each claim on the demo's own settings; the others run the
module as CI does, on a smaller problem, and check the lines CI greps.
"""

import re
import subprocess
import sys

import pytest

from skmlp.__main__ import format_table, run, time_same_model

# the patterns of .ci/run's "wheel" step
HEADER = r"^model +best parameters +test accuracy +fit time \(s\) +search time \(s\)"
MODELS = ["ScratchMLPClassifier", "ScratchLogisticNet", "MLPClassifier"]


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
    assert "ConvergenceWarning" not in out.stderr, out.stderr
