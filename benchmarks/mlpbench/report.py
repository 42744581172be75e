"""What a run reports: environment, tables, notes, JSON and markdown files."""

import importlib
import json
import os
import platform

from .contenders import REFERENCE
from .rows import ROWS
from .util import fmt, threads_text

# the optional modules, listed when one of these contenders was asked for
OPTIONAL_MODULES = {
    "skmlp": {"skmlp", "skmlp-torch", "onnx"},
    "torch": {"torch", "skmlp-torch"},
    "onnxruntime": {"onnx"},
}


def versions(contender_keys):
    found = {"python": platform.python_version()}
    for module in ["numpy", "scipy", "sklearn", "threadpoolctl", *OPTIONAL_MODULES]:
        if not OPTIONAL_MODULES.get(module, set(contender_keys)) & set(contender_keys):
            continue
        try:
            found[module] = importlib.import_module(module).__version__
        except Exception as exc:
            found[module] = f"not importable ({type(exc).__name__})"
    return found


def describe_pools(pools):
    """One line per pool, 'openblas 0.3.30 SkylakeX pthreads, 2 threads: lib….so'."""
    lines = []
    for pool in pools:
        keys = ["internal_api", "version", "architecture", "threading_layer"]
        name = " ".join(str(pool[key]) for key in keys if pool.get(key))
        library = os.path.basename(pool["filepath"])
        lines.append(f"{name}, {threads_text(pool['num_threads'])}: {library}")
    return lines


def load_average():
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


# header, alignment, how to show a result; a failed contender keeps the first 3
_NAMING = [
    ("row", "<", lambda r: r["row"]),
    ("contender", "<", lambda r: r["contender"]),
    ("threads", ">", lambda r: str(r["threads"])),
]
_TIMES = [
    *_NAMING,
    ("epochs", ">", lambda r: fmt(r.get("n_iter"), "d")),
    ("fit s", ">", lambda r: fmt(r.get("fit_s"), ".3g")),
    ("s/epoch", ">", lambda r: fmt(r.get("s_per_epoch"), ".3g")),
    ("ratio vs sklearn", ">", lambda r: fmt(r.get("ratio"), ".2f")),
    ("ratio vs floor", ">", lambda r: fmt(r.get("ratio_floor"), ".2f")),
    ("floor ratio IQR", ">", lambda r: _span(r.get("ratio_floor_iqr"))),
    ("ratio vs GEMM-only", ">", lambda r: fmt(r.get("ratio_gemm_only"), ".2f")),
    ("peak MiB", ">", lambda r: fmt(r.get("peak_mib"), ".3g")),
]
# the held-out scores of each task: a table has those of the tasks it shows
SCORES = {
    "classification": [
        ("accuracy", ">", lambda r: fmt(r.get("accuracy"), ".4f")),
        ("log-loss", ">", lambda r: fmt(r.get("log_loss"), ".5f")),
    ],
    "regression": [("R²", ">", lambda r: fmt(r.get("r2"), ".4f"))],
}
_GEMM = ("% GEMM", ">", lambda r: fmt(r.get("gemm_pct"), ".0f"))
COLUMNS = [*_TIMES, *SCORES["classification"], _GEMM]


def task_of(result):
    """'classification' or 'regression' (reports from before the regression
    rows have no "task": classification)."""
    return result.get("task", "classification")


def training_columns(results):
    """The training table's columns: the scores of the tasks in `results`
    (accuracy and log-loss, R², or all three), the classifiers' without any."""
    tasks = {task_of(r) for r in results} or {"classification"}
    scores = [column for task in SCORES if task in tasks for column in SCORES[task]]
    return [*_TIMES, *scores, _GEMM]


LATENCY_COLUMNS = [
    *_NAMING,
    ("rows", ">", lambda r: str(r["n_predict"])),
    ("calls/block", ">", lambda r: fmt(r.get("calls_per_block"), "d")),
    ("s/call", ">", lambda r: fmt(r.get("s_per_call"), ".3g")),
    ("rows/s", ">", lambda r: fmt(r.get("rows_per_s"), ".3g")),
    ("ratio vs sklearn", ">", lambda r: fmt(r.get("ratio"), ".2f")),
    ("max abs diff vs skmlp", ">", lambda r: fmt(r.get("max_abs_diff"), ".1e")),
]


def _span(quartiles, spec=".2f"):
    if quartiles is None:
        return "n/a"
    return "{}–{}".format(*(format(q, spec) for q in quartiles))


def _with_iqr(r, name):
    """'1.05 (1.01–1.10)': the median paired ratio and its quartiles."""
    ratio, quartiles = r.get(name), r.get(f"{name}_iqr")
    if ratio is None or quartiles is None:
        return fmt(ratio, ".2f")
    return f"{ratio:.2f} ({_span(quartiles)})"


# the defaults rows: each contender with its own threads, and the ratios the
# busy-machine comparison needs, each with its interquartile range
DEFAULTS_COLUMNS = [
    *_NAMING,
    ("epochs", ">", lambda r: fmt(r.get("n_iter"), "d")),
    ("fit s", ">", lambda r: fmt(r.get("fit_s"), ".3g")),
    ("s/epoch", ">", lambda r: fmt(r.get("s_per_epoch"), ".3g")),
    ("s/epoch IQR", ">", lambda r: _span(r.get("s_per_epoch_iqr"), ".3g")),
    ("vs skmlp 1 thread (IQR)", ">", lambda r: _with_iqr(r, "ratio_1thread")),
    ("vs skmlp all threads (IQR)", ">", lambda r: _with_iqr(r, "ratio_allthreads")),
    ("vs the faster of the two (IQR)", ">", lambda r: _with_iqr(r, "ratio_best")),
    ("vs sklearn (IQR)", ">", lambda r: _with_iqr(r, "ratio")),
    ("vs PyTorch (IQR)", ">", lambda r: _with_iqr(r, "ratio_torch")),
    ("accuracy", ">", lambda r: fmt(r.get("accuracy"), ".4f")),
]


def format_table(results, columns=COLUMNS):
    """One aligned markdown table; a failed contender gets 'failed' in its cells."""
    lines = [[head for head, _, _ in columns]]
    for r in results:
        cells = [show(r) for _, _, show in columns]
        if r.get("error"):  # the error itself is in the notes
            n = len(_NAMING)
            cells[n:] = ["failed"] + [""] * (len(columns) - n - 1)
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    rule = [
        (":" + "-" * (w - 1)) if a == "<" else ("-" * (w - 1) + ":")
        for w, (_, a, _) in zip(widths, columns, strict=True)
    ]
    lines.insert(1, rule)
    return "\n".join(
        "| "
        + " | ".join(
            format(c, a + str(w))
            for c, w, (_, a, _) in zip(line, widths, columns, strict=True)
        )
        + " |"
        for line in lines
    )


COLUMN_NOTES = [
    "ratio vs sklearn: s/epoch / s/epoch of the row's scikit-learn contender, "
    "same threads, median of per-repeat pairs; < 1 is faster.",
    "ratio vs floor, ratio vs GEMM-only: s/epoch / s/epoch of the row's 'floor' "
    "and 'GEMM only' contenders, median of per-repeat pairs (on skmlp's line: "
    "skmlp / floor and skmlp / GEMM-only). GEMM only: the network's matrix "
    "products alone (forward, weight gradients, input gradients but the first "
    "layer's); floor: those plus the shuffled batch gather and one streaming "
    "pass over parameters, gradient and Adam's moments. Minibatch rows only.",
    "floor ratio IQR: first and third quartiles of the same per-repeat "
    "ratios to the floor: how far one pair strays from the median on this "
    "machine (a busy neighbour slows one fit of a pair and not the other).",
    "epochs: n_iter_; for the L-BFGS rows an 'epoch' is one L-BFGS iteration.",
    "peak MiB: tracemalloc peak of a separate untimed fit (1 epoch for the "
    "stochastic rows); n/a for PyTorch, whose allocator tracemalloc cannot see "
    "(on a CUDA device: torch.cuda.max_memory_allocated).",
    "% GEMM: n*(6*sum(in*out) - 2*d*h1) FLOPs per epoch / s/epoch / NumPy's "
    "matmul FLOP/s (the 'NumPy matmul' line); PyTorch multiplies with its own "
    "BLAS.",
]

DEFAULTS_NOTE = (
    "defaults rows ({rows}): the harness sets no thread limit; skmlp, "
    "MLPClassifier and PyTorch run with their own default threads (threads "
    "'default'; PyTorch's default here: {torch}), beside skmlp forced to one "
    "thread and to all (threadpool_limits around its fit). Every ratio is "
    "the contender's s/epoch / the named contender's, median of the "
    "per-repeat pairs (interquartile range in brackets); on skmlp's line: "
    "skmlp default / skmlp 1 thread, / skmlp all threads, / MLPClassifier "
    "default, / PyTorch default. Busy processes during the measurement: {busy}."
)

REGRESSION_NOTE = (
    "regression rows ({rows}): ScratchMLPRegressor, MLPRegressor and the "
    "PyTorch loop train the same network with an identity output and half "
    "the squared error (PyTorch: summed over the targets, averaged over the "
    "batch, MLPRegressor's gradient). R²: r2_score of the predictions on the "
    "held-out split, the targets' uniform average. The floor there also "
    "gathers the batch's target rows and forms the output gradient Z - Y "
    "(the squared error's head, which no implementation can skip); GEMM only "
    "does neither."
)

LATENCY_NOTE = (
    "prediction rows: predict_proba of a (256, 256) float32 network fitted for "
    "1 epoch on 5000 training rows of the synthetic data (skmlp and "
    "MLPClassifier alike); onnxruntime runs skmlp's network exported by "
    "skmlp.onnx.to_onnx (zipmap off), with intra-op threads = BLAS threads. "
    "s/call: median over interleaved blocks of calls; max abs diff: largest "
    "|probability - skmlp's| on the same rows."
)


def _details(results):
    return [
        f"{r['row']} / {r['contender']} / {threads_text(r['threads'])}: {r['detail']}"
        for r in results
        if r.get("detail")
    ]


def _errors(results):
    return [
        f"{r['row']} / {r['contender']} / {threads_text(r['threads'])} failed: "
        f"{r['error']}"
        for r in results
        if r.get("error")
    ]


def notes(report):
    results, latency = report["results"], report.get("latency", [])
    found = list(COLUMN_NOTES) if split_results(results)[0] else []
    if any(r["contender"].endswith("(no dropout)") for r in results):
        found.append(
            "dropout row: MLPClassifier has no dropout; it trains the same "
            "architecture without, which is less work: a ratio below 1 is "
            "conservative. The floors there are those of the network without "
            "dropout."
        )
    regression_rows = [r["row"] for r in results if task_of(r) == "regression"]
    if regression_rows:
        rows = ", ".join(dict.fromkeys(regression_rows))
        found.append(REGRESSION_NOTE.format(rows=rows))
    defaults_rows = list(dict.fromkeys(r["row"] for r in results if r.get("defaults")))
    if defaults_rows:
        config = report.get("config", {})
        torch_threads = config.get("torch_default_threads")
        found.append(
            DEFAULTS_NOTE.format(
                rows=", ".join(defaults_rows),
                torch="n/a" if torch_threads is None else threads_text(torch_threads),
                busy=config.get("busy", 0),
            )
        )
    if latency:
        found.append(LATENCY_NOTE)
    found += [f"{key} not run: {why}" for key, why in report["missing"].items()]
    found += report["checks"]
    found += _details(results)
    found += _errors(results) + _errors(latency)
    return found


def logistic_checks(results):
    """skmlp's no-hidden-layer net must reach LogisticRegression's log-loss."""
    done = {(r["row"], r["threads"], r["key"]): r for r in results if not r["error"]}
    found = []
    for (row, threads, key), ours in done.items():
        theirs = done.get((row, threads, REFERENCE))
        if key == "skmlp" and ROWS[row].logistic and theirs is not None:
            gap = abs(ours["log_loss"] - theirs["log_loss"])
            verdict = "ok" if gap < 1e-4 else "NOT EQUAL"
            found.append(
                f"{row} ({threads_text(threads)}): |log-loss(skmlp) - "
                f"log-loss(LogisticRegression)| = {gap:.2e} (< 1e-4: {verdict})"
            )
    return found


def regression_checks(results):
    """skmlp's R² beside MLPRegressor's on each regression row: on a float64
    row the two fit the same model (skmlp's parity with MLPRegressor), and the
    R² must agree to 1e-6; in float32 the kernels' rounding may differ."""
    done = {(r["row"], r["threads"], r["key"]): r for r in results if not r["error"]}
    found = []
    for (row, threads, key), ours in done.items():
        theirs = done.get((row, threads, REFERENCE))
        if key == "skmlp" and ROWS[row].regression and theirs is not None:
            gap = abs(ours["r2"] - theirs["r2"])
            line = (
                f"{row} ({threads_text(threads)}): |R²(skmlp) - R²(MLPRegressor)| "
                f"= {gap:.2e}"
            )
            if ROWS[row].dtype == "float64":
                verdict = "ok" if gap < 1e-6 else "NOT EQUAL"
                line += f" (the same model, < 1e-6: {verdict})"
            found.append(line)
    return found


def busy_line(report):
    n = report.get("config", {}).get("busy", 0)
    if not n:
        return "busy: 0 (no load added by the benchmark)"
    return (
        f"busy: {n} CPU-bound process{'es' if n != 1 else ''} spinning during "
        "the measurement (--busy)"
    )


def environment_lines(report):
    return [
        f"command: {report['command']}",
        f"date: {report['date']}   machine: {report['machine']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
        *("BLAS/OpenMP: " + pool for pool in report["blas"]),
        busy_line(report),
    ]


def gemm_line(gemm):
    return "NumPy matmul GFLOP/s: " + ", ".join(
        f"{dtype} {threads_text(threads)} {flops / 1e9:.1f}"
        for dtype, by_threads in gemm.items()
        for threads, flops in by_threads.items()
    )


def load_line(report):
    return (
        f"load average before: {report['load_before']}, after: {report['load_after']}"
    )


def split_results(results):
    """(the rows in thread settings, the defaults rows)."""
    return (
        [r for r in results if not r.get("defaults")],
        [r for r in results if r.get("defaults")],
    )


def tables(report):
    """The training table, the defaults rows' table and the latency table
    under it, those that have lines."""
    found = [report["table"]] if split_results(report["results"])[0] else []
    for key in ("defaults_table", "latency_table"):
        if report.get(key):
            found.append(report[key])
    return "\n\n".join(found)


def write_markdown(report, path):
    header = [*environment_lines(report), gemm_line(report["gemm_flops"])]
    text = "\n".join(
        [
            "# skmlp benchmark",
            "",
            *(f"- {line}" for line in [*header, load_line(report)]),
            "",
            tables(report),
            "",
            *(f"- {note}" for note in report["notes"]),
            "",
        ]
    )
    with open(path, "w") as f:
        f.write(text)


def write_json(report, path):
    tables = ("table", "defaults_table", "latency_table")
    kept = {k: v for k, v in report.items() if k not in tables}
    with open(path, "w") as f:
        json.dump(kept, f, indent=1)
