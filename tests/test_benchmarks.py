"""The benchmark harness runs end to end (a smoke test: no timing is asserted)."""

import importlib.util
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("skmlp_bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_benchmark_runs_and_reports_every_figure(bench):
    report = bench.main(
        [
            "--quick",
            "--rows",
            "adam-64-f64",
            "logistic-*",
            "--contenders",
            "skmlp",
            "sklearn",
        ]
    )
    results = report["results"]
    assert {r["row"] for r in results} == {"adam-64-f64", "logistic-50000x200"}
    assert not any(r["error"] for r in results)
    for r in results:
        assert r["s_per_epoch"] > 0 and r["peak_mib"] > 0
        assert 0 <= r["accuracy"] <= 1
    # the same network trained the same way reaches the same accuracy
    by = {(r["row"], r["key"]): r for r in results}
    assert by[("adam-64-f64", "skmlp")]["accuracy"] == pytest.approx(
        by[("adam-64-f64", "sklearn")]["accuracy"], abs=0.01
    )
    assert "| row" in report["table"]
