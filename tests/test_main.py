"""The demo, ``python -m skmlp``, on a smaller problem."""

import subprocess
import sys

from skmlp.__main__ import format_table, run


def test_demo_tunes_all_three_contenders():
    rows = run(n_samples_per_class=100, max_iter=100, n_jobs=1)
    assert [r[0] for r in rows] == [
        "ScratchMLPClassifier",
        "ScratchLogisticNet",
        "MLPClassifier",
    ]
    for name, best, accuracy, fit_time, seconds in rows:
        assert "alpha=" in best
        assert ("dropout=" in best) == name.startswith("Scratch")
        assert 0.5 < accuracy <= 1  # chance is 1/3 on 3 classes
        assert 0 < fit_time < seconds
    table = format_table(rows)
    assert table.splitlines()[0].startswith("model")
    assert len(table.splitlines()) == 2 + len(rows)


def test_demo_runs_as_a_module():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "skmlp",
            "--n-samples-per-class",
            "40",
            "--max-iter",
            "20",
            "--n-jobs",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    assert "ScratchLogisticNet" in out and "test accuracy" in out
