"""The training rows, each contender timed interleaved with the others."""

import contextlib
import time
import traceback
import warnings
from dataclasses import dataclass, replace

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from .contenders import BEST_OF, DEFAULTS_REFERENCES, FLOORS, REFERENCE, Settings
from .measure import (
    flops_per_epoch,
    held_out_scores,
    n_iter_of,
    peak_fit_mib,
    timed_fit,
)
from .rows import Row
from .util import all_threads, fmt, log, output_units, threads_text


@dataclass(frozen=True)
class RowRun:
    """One row in one thread setting: what run_row needs besides the contenders."""

    name: str
    row: Row
    settings: Settings
    data: tuple  # X_train, X_test, y_train, y_test
    repeats: int


def thread_counts(choice):
    n_all = all_threads()
    return {"1": [1], "all": [n_all], "both": sorted({1, n_all})}[choice]


def row_settings(row, threads_list, device=None):
    """The settings a row runs in: one per thread count, or -- a defaults row --
    one with no thread limit from the harness."""
    if row.defaults:
        return [Settings(None, device)]
    return [Settings(n_threads, device) for n_threads in threads_list]


def _thread_limit(settings):
    """The harness's limit on every contender's threads (none on a defaults row)."""
    if settings.defaults:
        return contextlib.nullcontext()
    return threadpool_limits(limits=settings.n_threads)


def row_data(data, row):
    """(X_train, X_test, y_train, y_test) of the row: its data set in its
    dtype, the first `n_train` training rows when it says so."""
    X_train, X_test, y_train, y_test = data.get(row.data, row.dtype)
    if row.n_train is not None:
        X_train, y_train = X_train[: row.n_train], y_train[: row.n_train]
    return X_train, X_test, y_train, y_test


def run_rows(rows, contenders, threads_list, repeats, data, device=None):
    results = []
    with warnings.catch_warnings():
        # max_iter is reached on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, row in rows.items():
            try:
                arrays = row_data(data, row)
            except Exception as exc:  # e.g. the spiral without skmlp
                log(traceback.format_exc())
                error = f"data {row.data!r}: {type(exc).__name__}: {exc}"
                for settings in row_settings(row, threads_list, device):
                    results += _failed_row(name, row, settings, contenders, error)
                continue
            if row.batch_size == "full":  # full batch: all the training rows
                row = replace(row, batch_size=len(arrays[2]))
            for settings in row_settings(row, threads_list, device):
                log(f"{name}, {_settings_text(settings)}:")
                with _thread_limit(settings):
                    run = RowRun(name, row, settings, arrays, row.repeats or repeats)
                    results += run_row(run, contenders)
    return results


def _settings_text(settings):
    if settings.defaults:
        return "each contender's default threads (no limit from the harness)"
    return threads_text(settings.n_threads)


def _failed_row(name, row, settings, contenders, error):
    """A result with `error` for every contender the row would have run."""
    found = []
    for key, make in contenders.items():
        made = make(row, row.epochs, settings)
        if made is not None:
            found.append(
                {
                    "row": name,
                    "contender": made[0],
                    "key": key,
                    "threads": _threads_of(settings, made[1]),
                    "dtype": row.dtype,
                    "task": row.task,
                    "defaults": row.defaults,
                    "error": error,
                }
            )
    return found


def _threads_of(settings, est):
    """What the 'threads' column says: the harness's limit, or on a defaults
    row the contender's own (an int) or "default"."""
    if not settings.defaults:
        return settings.n_threads
    return getattr(est, "thread_limit", "default")


def run_row(run, contenders):
    """Results of every contender on one row, timed interleaved."""
    row, settings = run.row, run.settings
    X_train, _, y_train, _ = run.data
    makers = {
        key: make
        for key, make in contenders.items()
        if make(row, row.epochs, settings) is not None
    }
    cells = {key: {"fit_seconds": [], "n_iter": [], "error": None} for key in makers}
    # The untimed memory fit also warms each contender up.  One epoch is enough:
    # the memory a stochastic fit needs does not grow with the epochs.
    memory_iter = 1 if row.stochastic else row.epochs
    for key, make in makers.items():
        label, est = make(row, memory_iter, settings)
        _record_memory_fit(cells[key], label, est, run)
    keys = list(makers)
    for repeat in range(run.repeats):
        # rotate the order, so no contender always runs right after the same one
        for key in keys[repeat % len(keys) :] + keys[: repeat % len(keys)]:
            label, est = makers[key](row, row.epochs, settings)
            _record_timed_fit(cells[key], label, est, run)

    outputs = output_units(y_train, row.regression)
    layer_sizes = [X_train.shape[1], *row.hidden, outputs]
    flops = flops_per_epoch(len(y_train), layer_sizes)
    return [_summarise(run, key, cells, flops) for key in keys]


def attempt(cell, function, *args):
    """function(*args), or None with the error kept: one failure spoils one cell."""
    if cell["error"] is None:
        try:
            return function(*args)
        except Exception as exc:
            cell["error"] = f"{type(exc).__name__}: {exc}"
            log(traceback.format_exc())
    return None


def _record_memory_fit(cell, label, est, run):
    X, y, device = run.data[0], run.data[2], run.settings.device
    cell["label"] = label  # named in the table even if it fails here
    cell["threads"] = _threads_of(run.settings, est)
    t0 = time.perf_counter()
    cell["peak_mib"] = peak = attempt(cell, peak_fit_mib, est, X, y, device)
    seconds = time.perf_counter() - t0
    log(f"  {label:<27} {fmt(peak, '.3g'):>8} MiB  (untimed fit, {seconds:.1f} s)")


def _record_timed_fit(cell, label, est, run):
    X, y, device = run.data[0], run.data[2], run.settings.device
    seconds = attempt(cell, timed_fit, est, X, y, device)
    if seconds is not None:
        cell["fit_seconds"].append(seconds)
        cell["n_iter"].append(n_iter_of(est))
        cell["label"], cell["estimator"] = label, est
        log(f"  {label:<27} {seconds:8.3f} s  {n_iter_of(est)} epochs")


def _per_epoch(cell):
    return np.divide(cell["fit_seconds"], cell["n_iter"])


def _paired_ratios(cell, other):
    """s/epoch divided by `other`'s in the same repeat (the two fits ran side by
    side), one ratio per repeat; None when `other` did not run or failed."""
    if other is None or other["error"] is not None:
        return None
    return _per_epoch(cell) / _per_epoch(other)


def _paired_ratio(cell, other):
    """The median over repeats of the paired ratios, or None."""
    ratios = _paired_ratios(cell, other)
    return None if ratios is None else float(np.median(ratios))


def _quartiles(cell, other):
    """[first, third] quartile of the paired ratios, or None: how far one
    repeat's pair strays from the median on this machine."""
    ratios = _paired_ratios(cell, other)
    return None if ratios is None else np.percentile(ratios, [25, 75]).tolist()


def _faster_of(cells, *keys):
    """A cell whose time in each repeat is the fastest of these contenders' in
    that repeat, or None where one of them did not run or failed."""
    found = [cells.get(key) for key in keys]
    if any(cell is None or cell["error"] is not None for cell in found):
        return None
    fastest = np.min([_per_epoch(cell) for cell in found], axis=0)
    return {"error": None, "fit_seconds": fastest, "n_iter": 1}


def _summarise(run, key, cells, flops):
    cell = cells[key]
    result = {
        "row": run.name,
        "contender": cell.get("label") or key,
        "key": key,
        "threads": cell.get("threads", run.settings.n_threads),
        "dtype": run.row.dtype,
        "task": run.row.task,
        "defaults": run.row.defaults,
        "error": cell["error"],
    }
    if cell["error"] is not None:
        return result
    est = cell["estimator"]
    scores = held_out_scores(est, run.data[1], run.data[3], run.row.regression)
    result.update(
        fit_seconds=cell["fit_seconds"],
        n_iter=cell["n_iter"][-1],
        fit_s=float(np.median(cell["fit_seconds"])),
        s_per_epoch=float(np.median(_per_epoch(cell))),
        s_per_epoch_iqr=np.percentile(_per_epoch(cell), [25, 75]).tolist(),
        peak_mib=cell["peak_mib"],
        **scores,  # accuracy and log_loss, or r2 (a regression row)
        flops_per_epoch=flops,
        gemm_pct=None,  # once the run's best GEMM throughput is known
        ratio=_paired_ratio(cell, cells.get(REFERENCE)),
        ratio_iqr=_quartiles(cell, cells.get(REFERENCE)),
    )
    keys = {**FLOORS, **(DEFAULTS_REFERENCES if run.settings.defaults else {})}
    others = {name: cells.get(key) for name, key in keys.items()}
    if run.settings.defaults:
        others["ratio_best"] = _faster_of(cells, *BEST_OF)
    for name, other in others.items():
        result[name] = _paired_ratio(cell, other)
        result[f"{name}_iqr"] = _quartiles(cell, other)
    if getattr(est, "detail", None):
        result["detail"] = est.detail
    return result
