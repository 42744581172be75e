"""Prediction-latency rows: predict_proba on 1 and on 10 000 rows.

Each contender predicts with a network fitted (untimed) beforehand: skmlp's
``predict_proba``, MLPClassifier's, and onnxruntime running skmlp's network as
exported by ``skmlp.onnx.to_onnx(model, X[:1], options={"zipmap": False})``.
Calls are timed in blocks long enough for the clock (about 20 ms), the blocks
of the contenders interleaved like the fits of the training rows; the figure is
the median time of one call.
"""

import importlib
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from .contenders import REFERENCE, Settings, make_sklearn, make_skmlp
from .rows import Row
from .running import attempt
from .util import fmt, log, threads_text

BLOCK_SECONDS = 0.02  # each timed block runs calls for about this long
MAX_CALLS = 10_000
LABELS = {"skmlp": "skmlp", "sklearn": "MLPClassifier", "onnx": "onnxruntime"}
LATENCY_CONTENDERS = tuple(LABELS)


@dataclass(frozen=True)
class LatencyRun:
    """One latency row in one thread setting."""

    name: str
    row: object  # rows.LatencyRow
    n_threads: int
    X: np.ndarray  # the rows to predict
    blocks: int


def onnx_missing():
    """Why the onnxruntime contender cannot run here, or None when it can."""
    for module in ("skmlp.onnx", "onnxruntime"):
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or a module half written
            return f"import {module} failed ({type(exc).__name__}: {exc})"
    return None


def _fit_models(lrow, data, keys):
    """{key: fitted estimator or the exception raised}: skmlp and MLPClassifier
    fitted alike on the first `fit_samples` training rows."""
    X_train, _, y_train, _ = data
    row = Row(lrow.data, lrow.hidden, lrow.dtype, epochs=lrow.fit_epochs)
    fitted = {}
    makers = {"skmlp": make_skmlp, "sklearn": make_sklearn}
    # skmlp's network is also the one onnxruntime runs
    wanted = {"skmlp": {"skmlp", "onnx"}, "sklearn": {"sklearn"}}
    for key in [k for k, users in wanted.items() if users & set(keys)]:
        try:
            _, est = makers[key](row, lrow.fit_epochs, Settings(1))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                n = lrow.fit_samples
                fitted[key] = est.fit(X_train[:n], y_train[:n])
        except Exception as exc:
            fitted[key] = exc
    return fitted


def _onnx_predictor(model, X, n_threads):
    """predict_proba through onnxruntime for the exported `model`."""
    import onnxruntime

    import skmlp.onnx

    onx = skmlp.onnx.to_onnx(model, X[:1], options={"zipmap": False})
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = n_threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    outputs = [o.name for o in session.get_outputs()]
    proba = next((o for o in outputs if "prob" in o.lower()), outputs[-1])
    return lambda Z: session.run([proba], {name: Z})[0]


def _predictors(fitted, keys, X, n_threads):
    """{key: (label, predict(X) -> probabilities)}, and {key: why not}."""
    found, failed = {}, {}
    for key in keys:
        model = fitted.get("skmlp" if key == "onnx" else key)
        if isinstance(model, Exception):
            failed[key] = f"fit failed: {type(model).__name__}: {model}"
        elif key == "onnx":
            try:
                found[key] = LABELS[key], _onnx_predictor(model, X, n_threads)
            except Exception as exc:
                failed[key] = f"export failed: {type(exc).__name__}: {exc}"
        else:
            found[key] = LABELS[key], model.predict_proba
    return found, failed


def _block(predict, X, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        predict(X)
    return (time.perf_counter() - t0) / calls


def _calls_per_block(predict, X):
    predict(X)  # warm-up
    one = max(_block(predict, X, 1), 1e-7)
    return max(1, min(MAX_CALLS, math.ceil(BLOCK_SECONDS / one)))


def run_latency_row(run, predictors, failed):
    """Results of every predictor on one latency row, blocks interleaved."""
    cells = {
        key: {"seconds": [], "error": failed.get(key), "label": label}
        for key, (label, _) in predictors.items()
    }
    cells.update({k: {"error": why, "label": LABELS[k]} for k, why in failed.items()})
    calls = {}
    for key, (_, predict) in predictors.items():
        calls[key] = attempt(cells[key], _calls_per_block, predict, run.X)
    keys = [key for key in predictors if cells[key]["error"] is None]
    for block in range(run.blocks if keys else 0):
        for key in keys[block % len(keys) :] + keys[: block % len(keys)]:
            predict = predictors[key][1]
            seconds = attempt(cells[key], _block, predict, run.X, calls[key])
            if seconds is not None:
                cells[key]["seconds"].append(seconds)
    diff = _onnx_difference(predictors, cells, run.X)
    return [
        _latency_result(
            run, key, cells, calls.get(key), diff if key == "onnx" else None
        )
        for key in cells
    ]


def _onnx_difference(predictors, cells, X):
    """max |onnxruntime's probabilities - skmlp's| on the row's input, or None."""
    if any(k not in predictors or cells[k]["error"] for k in ("skmlp", "onnx")):
        return None
    theirs, ours = (np.asarray(predictors[k][1](X)) for k in ("onnx", "skmlp"))
    return float(np.max(np.abs(theirs - ours)))


def _latency_result(run, key, cells, calls, diff):
    cell = cells[key]
    result = {
        "row": run.name,
        "contender": cell["label"],
        "key": key,
        "threads": run.n_threads,
        "dtype": run.row.dtype,
        "n_predict": run.row.n_predict,
        "error": cell["error"],
    }
    if cell["error"] is not None:
        return result
    seconds = np.asarray(cell["seconds"])
    ref = cells.get(REFERENCE)
    result.update(
        calls_per_block=calls,
        call_seconds=cell["seconds"],
        s_per_call=float(np.median(seconds)),
        rows_per_s=float(run.row.n_predict / np.median(seconds)),
        ratio=None,
        max_abs_diff=diff,
    )
    if ref is not None and ref["error"] is None:
        result["ratio"] = float(np.median(seconds / np.asarray(ref["seconds"])))
    return result


def _rows_to_predict(X_test, n):
    """The first `n` test rows, the test set repeated if it is shorter."""
    return np.ascontiguousarray(X_test[np.arange(n) % len(X_test)])


def run_latency_rows(rows, selected, threads_list, repeats, data):
    """(results, {key: why not run}) of the latency rows."""
    keys = [k for k in LATENCY_CONTENDERS if k in selected]
    missing = {}
    if "onnx" in keys and (why := onnx_missing()):
        keys.remove("onnx")
        missing["onnx"] = why
    results, models = [], {}
    for name, lrow in rows.items():
        row_data = data.get(lrow.data, lrow.dtype)
        model_key = (lrow.data, lrow.hidden, lrow.dtype, lrow.fit_samples)
        if model_key not in models:
            models[model_key] = _fit_models(lrow, row_data, keys)
        X = _rows_to_predict(row_data[1], lrow.n_predict)
        for n_threads in threads_list:
            log(f"{name}, {threads_text(n_threads)}:")
            with threadpool_limits(limits=n_threads):
                found, failed = _predictors(models[model_key], keys, X, n_threads)
                run = LatencyRun(name, lrow, n_threads, X, max(5, 5 * repeats))
                for r in run_latency_row(run, found, failed):
                    results.append(r)
                    seconds = fmt(r.get("s_per_call"), ".3g")
                    log(f"  {r['contender']:<27} {seconds:>9} s per call")
    return results, missing
