"""The command line: options, the order of the run, what it prints and writes."""

import argparse
import os
import platform
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from threadpoolctl import threadpool_info

from . import report as rep
from .busy import Busy
from .contenders import CONTENDERS, available_contenders
from .data import DataCache
from .latency import run_latency_rows
from .measure import add_gemm_percentages, gemm_throughputs
from .plot import plot_ratios
from .rows import (
    DEFAULT_REPEATS,
    DEFAULTS_REPEATS,
    LATENCY_ROWS,
    QUICK,
    ROWS,
    SEED,
    adapt_rows,
    select_rows,
)
from .running import run_rows, thread_counts
from .torch_mlp import default_threads
from .util import all_threads

DESCRIPTION = (
    "Benchmark skmlp's classifiers and regressor against scikit-learn (and "
    "PyTorch when installed), beside the physical floor of each minibatch row."
)
CONTENDER_KEYS = [*CONTENDERS, "onnx"]  # onnx: the prediction-latency rows only


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=DESCRIPTION, epilog="Details: benchmarks/README.md"
    )
    parser.add_argument(
        "--rows",
        nargs="+",
        metavar="NAME",
        help="rows to run; shell patterns allowed ('adam-*'). Default: all",
    )
    parser.add_argument(
        "--contenders",
        nargs="+",
        choices=CONTENDER_KEYS,
        default=CONTENDER_KEYS,
        help="default: all that are importable (skmlp-torch needs --device)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: n={QUICK['n_train']}, <= {QUICK['epochs']} "
        f"epochs, <= {QUICK['lbfgs_iter']} L-BFGS iterations, "
        f"{QUICK['repeats']} repeat, 1 thread",
    )
    parser.add_argument("--epochs", type=int, help="epochs of the stochastic rows")
    parser.add_argument(
        "--repeats",
        type=int,
        help=f"timed fits per contender (default {DEFAULT_REPEATS}, "
        f"{DEFAULTS_REPEATS} on the defaults rows; --quick 1)",
    )
    parser.add_argument(
        "--threads",
        choices=["1", "all", "both"],
        help="BLAS threads: 1 (low noise), all cores, or both "
        "(default both; --quick 1). The defaults rows ignore it: each "
        "contender runs there with its own threads",
    )
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        metavar="N",
        help="keep N CPU-bound processes spinning during the measurement "
        "(default 0: add no load)",
    )
    parser.add_argument(
        "--device",
        help="PyTorch device (e.g. cuda) of the PyTorch loop and of skmlp fitted "
        "on torch tensors (array API); default: none, PyTorch on the CPU and no "
        "array-API contender",
    )
    parser.add_argument("--json", metavar="PATH", help="write every figure as JSON")
    parser.add_argument(
        "--markdown", metavar="PATH", help="write the table as markdown"
    )
    parser.add_argument(
        "--plot", metavar="PATH", help="bar chart of the ratios (needs matplotlib)"
    )
    parser.add_argument("--list", action="store_true", help="list the rows and exit")
    args = parser.parse_args(argv)
    if args.busy < 0:
        parser.error("--busy must be 0 or more")
    asked = sys.argv[1:] if argv is None else list(argv)
    if args.device is None and "skmlp-torch" in asked:
        parser.error("--contenders skmlp-torch needs --device")
    return args


@dataclass
class Plan:
    """What the options ask for, resolved."""

    rows: dict
    latency_rows: dict
    repeats: int
    threads_list: list
    contenders: dict  # {key: maker} of the training rows
    missing: dict  # {key: why it does not run}


def make_plan(args):
    rows, latency_rows = select_rows(args.rows)
    repeats = args.repeats or (QUICK["repeats"] if args.quick else DEFAULT_REPEATS)
    threads = args.threads or (QUICK["threads"] if args.quick else "both")
    training_keys = [key for key in args.contenders if key in CONTENDERS]
    contenders, missing = available_contenders(training_keys, args.device)
    return Plan(
        adapt_rows(rows, args.quick, args.epochs, args.repeats),
        latency_rows,
        repeats,
        thread_counts(threads),
        contenders,
        missing,
    )


def list_rows():
    for name, row in {**ROWS, **LATENCY_ROWS}.items():
        print(f"{name:<26} {row.about}")


def main(argv=None):
    """Run the benchmark; returns the report (what --json writes, plus 'table')."""
    args = parse_args(argv)
    if args.list:
        list_rows()
        return None
    plan = make_plan(args)
    report = start_report(argv, args, plan)
    print("\n".join(rep.environment_lines(report)))
    print(f"load average before: {report['load_before']}")
    if report["load_before"] and report["load_before"][0] > 0.5:
        print("  the machine is busy: absolute times suffer, the paired ratios less")
    data = DataCache(args.quick)
    regression = any(row.regression for row in plan.rows.values())
    warm_up_skmlp(plan.contenders, regression)
    # the load of --busy: started before any timed work, stopped after the
    # last, also when the measurement raises (or is interrupted)
    with Busy(args.busy):
        results, gemm = run_training_rows(plan, data, args.device)
        importable = [key for key in args.contenders if key not in plan.missing]
        latency, latency_missing = run_latency_rows(
            plan.latency_rows, importable, plan.threads_list, plan.repeats, data
        )
    report["missing"].update(latency_missing)
    finish_report(report, results, latency, gemm)
    print(f"load average after: {report['load_after']}\n")
    print(rep.tables(report) + "\n")
    print("\n".join(f"- {note}" for note in report["notes"]))
    write_outputs(report, args)
    return report


def warm_up_skmlp(contenders, regression=False):
    """One tiny untimed fit per dtype before any measurement.

    With the ``fast`` extra, skmlp's compiled kernels are loaded (or compiled,
    after an upgrade) on their first use in a process; like an import, that
    is paid once, and its Python objects would otherwise count in the peak
    memory of the first row that uses them. The fit uses every kernel the
    rows do: three classes (the softmax head), ReLU and dropout; and, when
    regression rows run, the regressor with three targets (its head).
    """
    if "skmlp" not in contenders:
        return
    import warnings

    import numpy as np

    from skmlp import ScratchMLPClassifier, ScratchMLPRegressor

    X = np.random.default_rng(0).normal(size=(40, 4))
    y = np.arange(40) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dtype in (np.float32, np.float64):
            for dropout in (0.0, 0.1):
                est = ScratchMLPClassifier((4,), max_iter=1, dropout=dropout)
                est.fit(X.astype(dtype), y)
            if regression:
                est = ScratchMLPRegressor(hidden_layer_sizes=(4,), max_iter=1)
                est.fit(X.astype(dtype), X[:, :3].astype(dtype))


def run_training_rows(plan, data, device):
    """The training rows' results, and the GEMM throughputs they are judged by."""
    if not plan.rows:
        return [], {}
    dtypes = {row.dtype for row in plan.rows.values()}
    gemm_threads = set(plan.threads_list)
    if any(row.defaults for row in plan.rows.values()):
        gemm_threads |= {1, all_threads()}  # their forced-thread contenders'
    gemm_threads = sorted(gemm_threads)
    gemm = gemm_throughputs(dtypes, gemm_threads)
    print(rep.gemm_line(gemm) + " (before the rows)")
    results = run_rows(
        plan.rows, plan.contenders, plan.threads_list, plan.repeats, data, device
    )
    # measured again after the rows: the better of the two is what the machine can do
    gemm = gemm_throughputs(dtypes, gemm_threads, best=gemm)
    add_gemm_percentages(results, gemm)
    print(rep.gemm_line(gemm) + " (best of before and after the rows)")
    return results, gemm


def start_report(argv, args, plan):
    """What the run is and where: the report's first keys."""
    command_args = sys.argv[1:] if argv is None else list(argv)
    # read before any row sets torch's threads (the defaults rows restore it)
    torch_threads = default_threads() if "torch" in plan.contenders else None
    return {
        "command": " ".join(["python benchmarks/run.py", *command_args]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.system()} {platform.release()}, "
        f"{os.cpu_count()} CPUs",
        "load_before": rep.load_average(),
        "versions": rep.versions(args.contenders),
        # after torch's import, so its OpenMP pool is listed too
        "blas": rep.describe_pools(threadpool_info()),
        "config": {
            "quick": args.quick,
            "repeats": plan.repeats,
            "threads": plan.threads_list,
            "seed": SEED,
            "device": args.device,
            "busy": args.busy,
            "torch_default_threads": torch_threads,
            "rows": {name: asdict(row) for name, row in plan.rows.items()},
            "latency_rows": {n: asdict(r) for n, r in plan.latency_rows.items()},
        },
        "missing": dict(plan.missing),
    }


def finish_report(report, results, latency, gemm):
    report.update(
        gemm_flops=gemm, load_after=rep.load_average(), results=results, latency=latency
    )
    report["checks"] = rep.logistic_checks(results) + rep.regression_checks(results)
    report["notes"] = rep.notes(report)
    in_settings, defaults = rep.split_results(results)
    columns = rep.training_columns(in_settings)
    report["table"] = rep.format_table(in_settings, columns)
    if defaults:
        report["defaults_table"] = rep.format_table(defaults, rep.DEFAULTS_COLUMNS)
    if latency:
        report["latency_table"] = rep.format_table(latency, rep.LATENCY_COLUMNS)


def write_outputs(report, args):
    for path in (args.json, args.markdown, args.plot):
        if path:  # e.g. benchmarks/results/, which git ignores
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if args.json:
        rep.write_json(report, args.json)
    if args.markdown:
        rep.write_markdown(report, args.markdown)
    if args.plot:
        plot_ratios(report, args.plot)
