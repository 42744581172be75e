"""The benchmark harness runs end to end (smoke tests: no timing is asserted),
and its floor contenders compute the products they claim to."""

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.metrics import accuracy_score, r2_score

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    # run.py puts benchmarks/ on sys.path and imports the mlpbench package
    return _load("skmlp_bench_run", RUN)


def _record_fitted(patch):
    """{(row, contender key): fitted estimator} of the runs while ``patch`` holds."""
    running = sys.modules["mlpbench.running"]
    summarise, fitted = running._summarise, {}

    def spy(run, key, cells, flops):
        fitted[run.name, key] = cells[key].get("estimator")
        return summarise(run, key, cells, flops)

    patch.setattr(running, "_summarise", spy)
    return fitted


def _held_out_accuracy(row, est):
    """accuracy_score of ``est`` on the held-out split of ``row``'s --quick data."""
    from mlpbench.data import DataCache
    from mlpbench.rows import ROWS

    _, X_test, _, y_test = DataCache(quick=True).get(ROWS[row].data, ROWS[row].dtype)
    inner = getattr(est, "estimator", None)  # skmlp fitted on torch tensors
    if inner is None:
        return accuracy_score(y_test, est.predict(X_test))
    import torch

    with sklearn.config_context(array_api_dispatch=True):
        pred = inner.predict(torch.asarray(X_test, device=est.device))
    return accuracy_score(y_test, pred.cpu().numpy())


def test_quick_benchmark_runs_and_reports_every_figure(bench, tmp_path, monkeypatch):
    fitted = _record_fitted(monkeypatch)
    report = bench.main(
        [
            "--quick",
            "--rows",
            "adam-64-f64",
            "logistic-*",
            "--contenders",
            "skmlp",
            "sklearn",
            "--json",
            str(tmp_path / "out" / "bench.json"),
            "--markdown",
            str(tmp_path / "bench.md"),
        ]
    )
    results = report["results"]
    assert {r["row"] for r in results} == {"adam-64-f64", "logistic-50000x200"}
    assert not any(r["error"] for r in results)
    for r in results:
        assert r["s_per_epoch"] > 0 and r["peak_mib"] > 0
        # the held-out accuracy of the fitted model, recomputed
        expected = _held_out_accuracy(r["row"], fitted[r["row"], r["key"]])
        assert r["accuracy"] == pytest.approx(expected, abs=1e-12)
    # the same network trained the same way reaches the same accuracy
    by = {(r["row"], r["key"]): r for r in results}
    assert by[("adam-64-f64", "skmlp")]["accuracy"] == pytest.approx(
        by[("adam-64-f64", "sklearn")]["accuracy"], abs=0.01
    )
    assert "| row" in report["table"]
    assert report["latency"] == []  # no prediction row was asked for
    # what --json writes, summary.py condenses into the README's table
    saved = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert saved["results"] == json.loads(json.dumps(results))
    summary = _load("summary", RUN.parent / "summary.py").summarize(saved)
    assert "| adam-64-f64 | 1 |" in summary and "| logistic-50000x200 | 1 |" in summary
    assert report["table"] in (tmp_path / "bench.md").read_text()


# the regression rows: ScratchMLPRegressor beside MLPRegressor, PyTorch and
# the floors, scored by R^2

REGRESSION_ROWS = ["reg-adam-256x256-f32", "reg-adam-64-f64"]


@pytest.fixture(scope="module")
def regression_run(bench, tmp_path_factory):
    """One quick run of the regression rows with every training contender
    (PyTorch where it is installed), the fitted estimators recorded."""
    patch = pytest.MonkeyPatch()
    fitted = _record_fitted(patch)
    path = tmp_path_factory.mktemp("regression") / "bench.json"
    try:
        report = bench.main(["--quick", "--rows", "reg-*", "--json", str(path)])
    finally:
        patch.undo()
    return {**report, "fitted": fitted, "json": path}


def _held_out_r2(row, est):
    """r2_score of ``est`` on the held-out split of ``row``'s --quick data,
    predicted on one BLAS thread as in the run (float32 products on two
    threads round otherwise)."""
    from mlpbench.data import DataCache
    from mlpbench.rows import ROWS
    from threadpoolctl import threadpool_limits

    _, X_test, _, y_test = DataCache(quick=True).get(ROWS[row].data, ROWS[row].dtype)
    with threadpool_limits(1):
        return r2_score(y_test, est.predict(X_test))


def test_regression_rows_run_quick_and_report_the_held_out_r2(regression_run):
    results = regression_run["results"]
    assert {r["row"] for r in results} == set(REGRESSION_ROWS)
    assert not any(r["error"] for r in results), [r["error"] for r in results]
    torch_runs = "torch" not in regression_run["missing"]
    predictors = {"skmlp", "sklearn"} | ({"torch"} if torch_runs else set())
    for row in REGRESSION_ROWS:
        by = {r["key"]: r for r in results if r["row"] == row}
        assert set(by) == predictors | {"gemm", "floor"}
        assert by["sklearn"]["contender"] == "MLPRegressor"
        for key in predictors:
            r = by[key]
            assert r["task"] == "regression" and r["n_iter"] == 2  # --quick
            assert r["accuracy"] is None and r["log_loss"] is None
            # the held-out R^2 of the fitted model, recomputed
            expected = _held_out_r2(row, regression_run["fitted"][row, key])
            assert r["r2"] == pytest.approx(expected, abs=1e-12), (row, key)
        for key in ("gemm", "floor"):  # they train nothing
            assert by[key]["r2"] is None and by[key]["s_per_epoch"] > 0
        ours = by["skmlp"]
        assert ours["ratio"] > 0 and ours["ratio_floor"] > 0
        assert ours["ratio_gemm_only"] > 0
    # the regressors fit 3 targets, and predict them
    est = regression_run["fitted"]["reg-adam-64-f64", "skmlp"]
    assert est.n_outputs_ == 3 and est.out_activation_ == "identity"
    first_line = regression_run["table"].splitlines()[0]
    header = [cell.strip() for cell in first_line.split("|")]
    assert "R²" in header and "ratio vs floor" in header
    assert "accuracy" not in header and "log-loss" not in header
    assert any(n.startswith("regression rows (") for n in regression_run["notes"])


def test_skmlp_and_mlpregressor_reach_the_same_r2_on_the_same_model(regression_run):
    by = {(r["row"], r["key"]): r for r in regression_run["results"]}
    # float64: skmlp fits MLPRegressor's model (the same weights, to rounding)
    ours, theirs = by["reg-adam-64-f64", "skmlp"], by["reg-adam-64-f64", "sklearn"]
    assert ours["r2"] == pytest.approx(theirs["r2"], abs=1e-10)
    fitted = regression_run["fitted"]
    for a, b in zip(
        fitted["reg-adam-64-f64", "skmlp"].coefs_,
        fitted["reg-adam-64-f64", "sklearn"].coefs_,
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
    # float32: the same training, rounded alike or nearly
    row = "reg-adam-256x256-f32"
    ours, theirs = by[row, "skmlp"], by[row, "sklearn"]
    assert ours["r2"] == pytest.approx(theirs["r2"], abs=1e-4)
    checks = "\n".join(regression_run["checks"])
    assert "reg-adam-64-f64 (1 thread): |R²(skmlp) - R²(MLPRegressor)|" in checks
    assert "(the same model, < 1e-6: ok)" in checks


def test_regression_floor_has_one_output_per_target_and_the_head_z_minus_y(
    regression_run,
):
    from mlpbench.floor import FloorNet

    for key in ("gemm", "floor"):  # sized by the targets, not their values
        net = regression_run["fitted"]["reg-adam-64-f64", key].network_
        assert net.W[-1].shape == (64, 3)
    # one batch of all the rows: the floor's last step read every target
    rng = np.random.default_rng(0)
    X = np.column_stack([np.arange(7.0), rng.standard_normal((7, 2))])
    Y = rng.standard_normal((7, 2))
    floor = FloorNet((4,), batch_size=7, max_iter=1, with_data=True, n_threads=1)
    floor.regression = True
    net = floor.fit(X, Y).network_
    order = net.A[0][:, 0].astype(int)  # the shuffled rows, by their first column
    assert sorted(order) == list(range(7))
    np.testing.assert_array_equal(net.A[0], X[order])
    np.testing.assert_allclose(net.A[-1], net.A[1] @ net.W[1])
    np.testing.assert_allclose(net.dZ[-1], net.A[-1] - Y[order])
    # a 1-d target: one output unit
    one = FloorNet((4,), 7, 1, with_data=False, n_threads=1, regression=True)
    assert one.fit(X, Y[:, 0]).network_.W[-1].shape == (4, 1)


def test_summary_gives_the_regression_rows_r2(regression_run):
    saved = json.loads(regression_run["json"].read_text())
    summary = _load("summary", RUN.parent / "summary.py").summarize(saved)
    by = {(r["row"], r["key"]): r for r in saved["results"]}
    for row in REGRESSION_ROWS:
        ours, theirs = by[row, "skmlp"], by[row, "sklearn"]
        line = next(x for x in summary.splitlines() if x.startswith(f"| {row} | 1 |"))
        assert f"| R² {ours['r2']:.4f} / {theirs['r2']:.4f} |" in line


@pytest.fixture(scope="module")
def mixed(bench):
    """One quick run of a minibatch row, an L-BFGS row and a prediction row with
    the floors, onnxruntime and skmlp on torch tensors (on the CPU)."""
    patch = pytest.MonkeyPatch()
    fitted = _record_fitted(patch)
    report = bench.main(
        [
            "--quick",
            "--rows",
            "adam-64-f64",
            "lbfgs-digits",
            "predict-1-*",
            "--contenders",
            "skmlp",
            "gemm",
            "floor",
            "onnx",
            "skmlp-torch",
            "--device",
            "cpu",
        ]
    )
    patch.undo()
    return {**report, "fitted": fitted}


def test_floor_contenders_give_the_floor_ratios(mixed):
    by = {
        (r["row"], r["key"]): r for r in mixed["results"] if r["key"] != "skmlp-torch"
    }
    assert not any(r["error"] for r in by.values())
    # the floors exist for the minibatch row only
    assert {key for row, key in by if row == "lbfgs-digits"} == {"skmlp"}
    assert by[("lbfgs-digits", "skmlp")]["ratio_floor"] is None
    ours = by[("adam-64-f64", "skmlp")]
    assert ours["ratio_floor"] > 0 and ours["ratio_gemm_only"] > 0
    for key in ("gemm", "floor"):
        floor = by[("adam-64-f64", key)]
        assert floor["n_iter"] == ours["n_iter"] and floor["s_per_epoch"] > 0
        assert floor["accuracy"] is None  # it trains nothing
    assert by[("adam-64-f64", "floor")]["detail"].startswith("optimizer pass: ")
    assert by[("adam-64-f64", "floor")]["ratio_floor"] == 1.0
    assert by[("adam-64-f64", "floor")]["ratio_floor_iqr"] == [1.0, 1.0]
    assert by[("lbfgs-digits", "skmlp")]["ratio_floor_iqr"] is None
    q1, q3 = ours["ratio_floor_iqr"]
    assert q1 <= ours["ratio_floor"] <= q3
    header = mixed["table"].splitlines()[0]
    assert "ratio vs floor" in header and "ratio vs GEMM-only" in header
    assert "floor ratio IQR" in header
    floor_cell = _load("summary", RUN.parent / "summary.py")._floor(ours)
    assert floor_cell == f"{ours['ratio_floor']:.2f} ({q1:.2f}–{q3:.2f})"


def test_floor_ratio_quartiles_come_from_the_paired_repeats(bench):
    from mlpbench.running import _paired_ratio, _quartiles

    two_epochs = [2, 2, 2, 2]
    cell = {"fit_seconds": [2.0, 4.0, 6.0, 8.0], "n_iter": two_epochs, "error": None}
    floor = {"fit_seconds": [1.0, 2.0, 2.0, 2.0], "n_iter": two_epochs, "error": None}
    # per repeat: 2, 2, 3 and 4; the median 2.5, the quartiles 2 and 3.25
    assert _paired_ratio(cell, floor) == 2.5
    assert _quartiles(cell, floor) == [2.0, 3.25]
    assert _quartiles(cell, None) is None
    assert _quartiles(cell, {**floor, "error": "ValueError: ..."}) is None


def test_gemm_only_network_multiplies_like_backpropagation(bench):
    from mlpbench.floor import _Network  # bench: run.py has put it on the path

    rng = np.random.default_rng(1)
    net = _Network([5, 4, 3], batch_size=6, dtype=np.float64, rng=rng)
    net.A[0][:] = rng.standard_normal((6, 5))
    net.products(4)  # a short last batch: the first 4 rows
    A0, (W0, W1), dZ1 = net.A[0][:4], net.W, net.dZ[1][:4]
    np.testing.assert_allclose(net.A[1][:4], A0 @ W0)
    np.testing.assert_allclose(net.A[2][:4], net.A[1][:4] @ W1)
    np.testing.assert_allclose(net.dW[1], net.A[1][:4].T @ dZ1)
    np.testing.assert_allclose(net.dZ[0][:4], dZ1 @ W1.T)
    np.testing.assert_allclose(net.dW[0], A0.T @ net.dZ[0][:4])
    assert len(net.dZ) == 2  # no gradient buffer for the input
    # the weights are views of the flat parameters the optimizer pass streams over
    assert np.shares_memory(net.W[0], net.params)
    assert np.shares_memory(net.dW[1], net.grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_optimizer_pass_streams_without_changing_the_weights(bench, dtype):
    from mlpbench import floor

    dtype = np.dtype(dtype)
    kernels = {"NumPy": floor._numpy_pass}
    for name, fused in floor._numba_passes().items():
        kernels[name] = floor._wrap(fused, dtype)
    for name, step in kernels.items():
        p = np.linspace(-1, 1, 1000, dtype=dtype)
        g = np.linspace(0.5, 2, 1000, dtype=dtype)
        m, v = np.full_like(p, -1), np.full_like(p, 5)
        before = p.copy()
        step(p, g, m, v, dtype.type(0))
        np.testing.assert_array_equal(p, before, err_msg=name)  # step size 0
        # the moments were written, from the gradient
        assert np.all(m != -1) and np.all(v != 5), name
        assert np.all(np.isfinite(m)) and np.all(np.isfinite(v)), name
    chosen, _ = floor.optimizer_pass(1000, dtype, 1)
    assert chosen in {"NumPy, 3 in-place passes", *kernels}


def test_prediction_rows_time_every_predictor(mixed):
    latency = {r["key"]: r for r in mixed["latency"]}
    onnx_runs = "onnx" not in mixed["missing"]
    assert set(latency) == {"skmlp"} | ({"onnx"} if onnx_runs else set())
    for r in latency.values():
        assert r["error"] is None and r["s_per_call"] > 0 and r["n_predict"] == 1
    if onnx_runs:  # onnxruntime runs skmlp's own network
        assert latency["onnx"]["max_abs_diff"] < 1e-5
    else:
        assert any(note.startswith("onnx not run: ") for note in mixed["notes"])
    assert "| predict-1-256x256-f32" in mixed["latency_table"]


def test_device_contender_reports_instead_of_crashing(mixed):
    if "skmlp-torch" in mixed["missing"]:
        pytest.skip(mixed["missing"]["skmlp-torch"])
    (ours,) = [r for r in mixed["results"] if r["key"] == "skmlp-torch"]
    assert ours["row"] == "adam-64-f64" and ours["contender"] == "skmlp (torch cpu)"
    if ours["error"] is None:  # array-API support in skmlp
        est = mixed["fitted"]["adam-64-f64", "skmlp-torch"]
        expected = _held_out_accuracy("adam-64-f64", est)
        assert ours["accuracy"] == pytest.approx(expected, abs=1e-12)
    else:  # not (yet), or SCIPY_ARRAY_API unset: a note names it and the error
        failed = [n for n in mixed["notes"] if "skmlp (torch cpu)" in n]
        assert failed and ours["error"] in failed[0]


def test_array_api_contender_needs_a_device(bench):
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--contenders", "skmlp-torch"])


def test_step_phases_time_the_calls_of_a_step():
    phases = _load("skmlp_bench_phases", RUN.parent / "step_phases.py")
    figures = phases.main(["adam-256x256-f32", "--quick"])
    assert figures["steps"] == 10  # 2000 rows in batches of 200, one epoch
    step = figures["step"]
    # the products run inside every step, and no phase outlasts the step
    assert 0 < figures["NumpyBackend.matmul"] < step
    assert 0 < figures["NumpyBackend.matmul_into"] < step
    # the batch gather runs outside the step, the other phases inside it one
    # after the other -- but for one forward pass after the epoch (the check
    # that the kept weights give finite outputs), a 1/10 step here; the row
    # sums of db run inside the heads and the activations' backward
    outside = ("steps", "step", "NumpyBackend.take_rows", "NumpyBackend.sum_rows_into")
    inside = [v for k, v in figures.items() if k not in outside]
    assert sum(inside) <= 1.1 * step
    # the timers are gone afterwards
    from skmlp._core import backends

    assert backends.NumpyBackend.matmul.__name__ == "matmul"
    assert not hasattr(backends.NumpyBackend.matmul, "__wrapped__")


def _cpu_by_library():
    return _load("skmlp_bench_cpu", RUN.parent / "cpu_by_library.py")


def test_cpu_shares_are_read_from_perf_report():
    report = """# Samples: 9K of event 'cpu-clock:ppp'
#
# Overhead  Shared Object
# ........  .............
#
    68.62%  libscipy_openblas64_-32a4b2a6.so
     7.29%  libpython3.11.so.1.0
     5.54%  [JIT] tid 2744
     0.07%  [kernel.kallsyms]
"""
    assert _cpu_by_library().shares(report) == {
        "libscipy_openblas64_-32a4b2a6.so": 68.62,
        "libpython3.11.so.1.0": 7.29,
        "[JIT] tid 2744": 5.54,
        "[kernel.kallsyms]": 0.07,
    }


def _perf_can_sample():
    import shutil
    import subprocess

    perf = shutil.which("perf")
    if perf is None:
        return False
    probe = subprocess.run(
        [perf, "record", "-q", "-o", "/dev/null", "--", "true"], capture_output=True
    )
    return probe.returncode == 0


@pytest.mark.skipif(
    not _perf_can_sample(), reason="needs Linux perf, allowed to sample"
)
@pytest.mark.parametrize("contender", ["skmlp", "floor"])
def test_cpu_by_library_samples_the_fits(contender):
    found = _cpu_by_library().main(
        ["adam-64-f64", "--quick", "--fits", "2", "--contender", contender]
    )
    # every sample falls in some library, and the interpreter runs every step
    # (libpython, or the python executable itself where it is linked in)
    assert 95 < sum(found.values()) <= 100.5
    assert any("python" in name for name in found)


# --busy and the defaults rows (each contender with its own threads)

DEFAULTS_ROWS = ["digits-default", "spiral-512-full", "adam-64-784-f32"]


def _alive(pid):
    """Whether process `pid` exists and is not a zombie (an orphan's zombie
    lasts until its new parent reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _cpu_seconds(pid):
    """User + system CPU time of `pid` from /proc, or None without /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _blas_threads():
    from threadpoolctl import threadpool_info

    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


def _recording_busy(patch):
    """[Busy objects started by main()] while ``patch`` holds."""
    cli = sys.modules["mlpbench.cli"]
    started = []

    class Recorded(cli.Busy):
        def start(self):
            started.append(self)
            super().start()

    patch.setattr(cli, "Busy", Recorded)
    return started


def test_busy_processes_spin_during_the_block_and_stop_after(bench):
    from mlpbench.busy import Busy

    with Busy(2) as busy:
        assert len(busy.pids) == 2 and len(busy.running()) == 2
        before = [_cpu_seconds(pid) for pid in busy.pids]
        time.sleep(0.5)
        after = [_cpu_seconds(pid) for pid in busy.pids]
        if None not in before + after:  # they burn CPU time
            assert all(b > a for a, b in zip(before, after, strict=True))
    assert busy.running() == []
    assert not any(_alive(pid) for pid in busy.pids)
    with Busy(0) as idle:  # nothing to start
        assert idle.pids == []
    with pytest.raises(ValueError):
        Busy(-1)


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_busy_processes_stop_when_the_measurement_raises(bench, monkeypatch, error):
    started = _recording_busy(monkeypatch)
    cli = sys.modules["mlpbench.cli"]

    def measurement_that_fails(*args, **kwargs):
        (busy,) = started
        assert len(busy.running()) == 1  # spinning while the rows run
        raise error("the measurement failed")

    monkeypatch.setattr(cli, "run_training_rows", measurement_that_fails)
    with pytest.raises(error, match="the measurement failed"):
        bench.main(
            ["--quick", "--rows", "digits-default", "--contenders", "sklearn"]
            + ["--busy", "1"]
        )
    (busy,) = started
    assert len(busy.pids) == 1 and busy.running() == []
    assert not _alive(busy.pids[0])


def test_busy_processes_end_with_a_benchmark_killed_outright(bench):
    """SIGKILL leaves no time to clean up: the spinners notice their parent is
    gone and exit by themselves."""
    code = (
        f"import sys, time; sys.path.insert(0, {str(RUN.parent)!r})\n"
        "from mlpbench.busy import Busy\n"
        "busy = Busy(1); busy.start(); print(busy.pids[0], flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        spinner = int(parent.stdout.readline())
        assert _alive(spinner)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while _alive(spinner) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(spinner)


def test_busy_must_not_be_negative(bench):
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--busy", "-1"])


def test_forced_thread_contender_limits_only_its_fit(bench):
    from mlpbench.contenders import ThreadLimited

    class Stub:
        def fit(self, X, y):
            self.seen = _blas_threads()
            self.n_iter_ = 3
            return self

    before = _blas_threads()
    est = ThreadLimited(Stub(), 1).fit(None, None)
    assert est.seen == {1} and est.n_iter_ == 3  # the wrapped estimator's
    assert _blas_threads() == before


def test_forced_skmlp_runs_on_the_count_it_is_given(bench):
    """skmlp forced to all threads fits on all of them: its own choice of
    threads (which may only lower the limit in force) is off in that fit."""
    from mlpbench.contenders import Settings, make_skmlp_1thread, make_skmlp_allthreads
    from mlpbench.rows import ROWS
    from mlpbench.util import all_threads

    import skmlp

    row = ROWS["digits-default"]
    assert make_skmlp_1thread(row, 1, Settings(1)) is None  # defaults rows only
    for make, n_threads in [(make_skmlp_1thread, 1), (make_skmlp_allthreads, None)]:
        label, est = make(row, 1, Settings(None))
        seen = {}

        def fit(X, y, seen=seen):
            seen["threads"] = _blas_threads()
            seen["config"] = skmlp.get_config()

        est.wrapped.fit = fit
        est.fit(None, None)
        assert seen["threads"] == {n_threads or all_threads()}, label
        assert not seen["config"].get("choose_threads", False), label


def test_defaults_rows_take_seven_repeats_unless_told(bench):
    from mlpbench.rows import ROWS, adapt_rows

    rows = adapt_rows(ROWS, quick=False, epochs=None)
    assert all(rows[name].repeats == 7 for name in DEFAULTS_ROWS)
    assert rows["adam-64-f64"].repeats == 3
    assert {r.repeats for r in adapt_rows(ROWS, False, None, 5).values()} == {5}
    assert {r.repeats for r in adapt_rows(ROWS, True, None).values()} == {1}


@pytest.fixture(scope="module")
def defaults_run(bench, tmp_path_factory):
    """One quick run of the defaults rows with --busy 1, every contender, with
    the BLAS threads each timed fit starts under recorded."""
    patch = pytest.MonkeyPatch()
    started = _recording_busy(patch)
    running = sys.modules["mlpbench.running"]
    timed_fit, threads_seen = running.timed_fit, {}

    def spy(est, X, y, device=None):
        key = getattr(est, "thread_limit", type(est).__name__)
        threads_seen.setdefault(key, set()).update(_blas_threads())
        return timed_fit(est, X, y, device)

    patch.setattr(running, "timed_fit", spy)
    folder = tmp_path_factory.mktemp("defaults")
    path, plot = folder / "bench.json", folder / "bench.png"
    before = _blas_threads()
    try:
        report = bench.main(
            ["--quick", "--rows", *DEFAULTS_ROWS, "--busy", "1"]
            + ["--json", str(path), "--plot", str(plot)]
        )
    finally:
        patch.undo()
    return {
        "report": report,
        "json": path,
        "plot": plot,
        "busy": started,
        "threads_seen": threads_seen,
        "threads_before": before,
    }


def test_defaults_rows_run_quick_and_give_the_ratios(defaults_run):
    from mlpbench.util import all_threads

    report = defaults_run["report"]
    assert report["config"]["busy"] == 1
    torch_runs = "torch" not in report["missing"]
    expected_threads = {
        "skmlp": "default",
        "skmlp-1thread": 1,
        "skmlp-allthreads": all_threads(),
        "sklearn": "default",
        **({"torch": "default"} if torch_runs else {}),
    }
    for row in DEFAULTS_ROWS:
        by = {r["key"]: r for r in report["results"] if r["row"] == row}
        # no floor, no contender in a harness thread setting on these rows
        assert {k: r["threads"] for k, r in by.items()} == expected_threads
        assert not any(r["error"] for r in by.values()), by
        ours = by["skmlp"]
        assert ours["defaults"] is True and ours["n_iter"] == 2  # --quick's epochs
        names = ["ratio", "ratio_1thread", "ratio_allthreads", "ratio_best"]
        names += ["ratio_torch"] if torch_runs else []
        for name in names:
            q1, q3 = ours[f"{name}_iqr"]
            assert ours[name] > 0 and q1 <= ours[name] <= q3
        # one repeat under --quick: the ratio is that pair's
        one = by["skmlp-1thread"]
        assert ours["ratio_1thread"] == pytest.approx(
            ours["s_per_epoch"] / one["s_per_epoch"]
        )
        assert one["ratio_1thread"] == 1.0
        every = by["skmlp-allthreads"]
        faster = min(one["s_per_epoch"], every["s_per_epoch"])
        assert ours["ratio_best"] == pytest.approx(ours["s_per_epoch"] / faster)
        assert one["ratio_best"] == pytest.approx(
            max(1.0, one["s_per_epoch"] / every["s_per_epoch"])
        )
        assert by["sklearn"]["ratio"] == 1.0
        if not torch_runs:
            assert ours["ratio_torch"] is None
    # the default contenders ran under no limit of the harness (--quick's
    # thread setting is 1): the forced ones set theirs inside their fit
    seen, before = defaults_run["threads_seen"], defaults_run["threads_before"]
    assert all(threads == before for threads in seen.values()), seen
    assert "vs skmlp 1 thread" in report["defaults_table"]
    tables = sys.modules["mlpbench.report"].tables(report)
    assert tables.startswith(report["defaults_table"].splitlines()[0])
    assert any(note.startswith("defaults rows (") for note in report["notes"])


def test_busy_run_records_its_load_and_leaves_nothing_running(defaults_run):
    (busy,) = defaults_run["busy"]
    assert len(busy.pids) == 1 and busy.running() == []
    assert not _alive(busy.pids[0])
    saved = json.loads(defaults_run["json"].read_text())
    assert saved["config"]["busy"] == 1
    assert "busy: 1 CPU-bound process" in "\n".join(
        sys.modules["mlpbench.report"].environment_lines(saved)
    )
    pytest.importorskip("matplotlib")
    assert defaults_run["plot"].stat().st_size > 0  # a panel for the defaults rows
    # summary.py lines the defaults rows up by row and busy setting
    summary = _load("summary", RUN.parent / "summary.py").main(
        [str(defaults_run["json"])]
    )
    assert summary.startswith("| row | busy | skmlp s/epoch (IQR) | default / 1 thread")
    for row in DEFAULTS_ROWS:
        assert f"| {row} | 1 | " in summary
