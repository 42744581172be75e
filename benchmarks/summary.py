"""Condense a ``run.py --json`` report into the README's table.

``python benchmarks/summary.py benchmarks/results/full.json`` prints one
markdown row per benchmark row and thread count: skmlp's seconds per epoch,
its ratio to scikit-learn's (and PyTorch's ratio, when it ran), peak memory
and accuracy of both (R², marked so, on the regression rows), skmlp's share
of NumPy's GEMM throughput, and its time relative to the physical floor of
the row (when the floor contenders ran), with the interquartile range of its
per-repeat ratios.

The defaults rows (each contender with its own threads) get a table of their
own, with one line per row and ``--busy`` setting; give the reports of an
idle and of busy runs together to have them side by side::

    python benchmarks/summary.py idle.json busy1.json busy2.json
"""

import json
import sys


def _ratio(value):
    return "–" if value is None else f"{value:.2f}"


def _floor(result):
    """skmlp / floor and the quartiles of its per-repeat ratios: 1.12 (1.07–1.18)."""
    ratio, quartiles = result.get("ratio_floor"), result.get("ratio_floor_iqr")
    if ratio is None or quartiles is None:
        return _ratio(ratio)
    return f"{ratio:.2f} ({quartiles[0]:.2f}–{quartiles[1]:.2f})"


def _with_iqr(result, name):
    """'0.86 (0.80–0.93)': a median paired ratio and its quartiles, or '–'."""
    if result is None or result.get("error"):
        return "–"
    ratio, quartiles = result.get(name), result.get(f"{name}_iqr")
    if ratio is None or quartiles is None:
        return _ratio(ratio)
    return f"{ratio:.2f} ({quartiles[0]:.2f}–{quartiles[1]:.2f})"


def _scores(ours, theirs):
    """'0.8312 / 0.8310' (accuracy), or 'R² 0.9312 / 0.9312' on a regression
    row, skmlp's first."""
    if ours.get("task") == "regression":
        return f"R² {ours['r2']:.4f} / {theirs['r2']:.4f}"
    return f"{ours['accuracy']:.4f} / {theirs['accuracy']:.4f}"


def summarize(report):
    by_key = {}
    for r in report["results"]:
        if r.get("defaults"):  # summarize_defaults' table
            continue
        by_key.setdefault((r["row"], r["threads"]), {})[r["key"]] = r
    lines = [
        "| row | BLAS threads | skmlp s/epoch | vs scikit-learn | PyTorch vs "
        "scikit-learn | peak MiB skmlp / sklearn | accuracy skmlp / sklearn "
        "| skmlp % of GEMM | skmlp / floor (IQR) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for (row, threads), c in by_key.items():
        ours, theirs, torch = c.get("skmlp"), c.get("sklearn"), c.get("torch")
        if ours is None or theirs is None or ours["error"] or theirs["error"]:
            continue
        torch_ratio = _ratio(torch["ratio"] if torch and not torch["error"] else None)
        lines.append(
            f"| {row} | {threads} | {ours['s_per_epoch']:.3g} | {ours['ratio']:.2f} "
            f"| {torch_ratio} | {ours['peak_mib']:.1f} / {theirs['peak_mib']:.1f} "
            f"| {_scores(ours, theirs)} "
            f"| {ours['gemm_pct']:.0f} | {_floor(ours)} |"
        )
    return "\n".join(lines)


def summarize_defaults(reports):
    """The defaults rows of one or more reports (e.g. idle, --busy 1, --busy
    2): one line per row and busy setting, skmlp with its defaults against
    skmlp on one thread, on all, and the faster of the two in each repeat,
    MLPClassifier and PyTorch with theirs --
    median paired ratios, interquartile ranges in brackets."""
    found = {}
    for report in reports:
        busy = report.get("config", {}).get("busy", 0)
        for r in report["results"]:
            if r.get("defaults") and r["key"] == "skmlp":
                found[r["row"], busy] = r
    rows = list(dict.fromkeys(row for row, _ in found))
    lines = [
        "| row | busy | skmlp s/epoch (IQR) | default / 1 thread | default / all "
        "threads | default / the faster of the two | default / MLPClassifier "
        "| default / PyTorch | repeats |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row, busy in sorted(found, key=lambda k: (rows.index(k[0]), k[1])):
        r = found[row, busy]
        if r.get("error"):
            lines.append(f"| {row} | {busy} | failed | | | | | | |")
            continue
        q1, q3 = r["s_per_epoch_iqr"]
        cells = [
            f"{r['s_per_epoch']:.3g} ({q1:.3g}–{q3:.3g})",
            *(
                _with_iqr(r, name)
                for name in (
                    "ratio_1thread",
                    "ratio_allthreads",
                    "ratio_best",
                    "ratio",
                    "ratio_torch",
                )
            ),
            str(len(r["fit_seconds"])),
        ]
        lines.append(f"| {row} | {busy} | " + " | ".join(cells) + " |")
    return "\n".join(lines) if found else ""


def main(paths):
    reports = []
    for path in paths:
        with open(path) as f:
            reports.append(json.load(f))
    found = []
    for path, report in zip(paths, reports, strict=True):
        if any(not r.get("defaults") for r in report["results"]):
            found.append((f"{path}:\n\n" if len(paths) > 1 else "") + summarize(report))
    if defaults := summarize_defaults(reports):
        found.append(defaults)
    return "\n\n".join(found)


if __name__ == "__main__":
    print(main(sys.argv[1:]))
