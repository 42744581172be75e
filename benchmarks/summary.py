"""Condense a ``run.py --json`` report into the README's table.

``python benchmarks/summary.py benchmarks/results/full.json`` prints one
markdown row per benchmark row and thread count: skmlp's seconds per epoch,
its ratio to scikit-learn's (and PyTorch's ratio, when it ran), peak memory
and accuracy of both, skmlp's share of NumPy's GEMM throughput, and its time
relative to the physical floor of the row (when the floor contenders ran),
with the interquartile range of its per-repeat ratios.
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


def summarize(report):
    by_key = {}
    for r in report["results"]:
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
            f"| {ours['accuracy']:.4f} / {theirs['accuracy']:.4f} "
            f"| {ours['gemm_pct']:.0f} | {_floor(ours)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(summarize(json.load(f)))
