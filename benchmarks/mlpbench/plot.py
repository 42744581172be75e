"""--plot: the s/epoch ratios to scikit-learn as horizontal bars."""

from .contenders import REFERENCE
from .util import log, threads_text


def _ratios_shown(report):
    return [
        r
        for r in report["results"]
        if r.get("ratio") is not None and r["key"] != REFERENCE
    ]


def _panel(result):
    """The panel a result is drawn in: its thread setting, or "defaults"."""
    return "defaults" if result.get("defaults") else result["threads"]


def _panel_title(panel):
    if panel == "defaults":
        return "defaults rows (no harness limit)"
    return f"{threads_text(panel)} (BLAS)"


def _draw_panel(ax, shown, rows, labels, panel):
    height = 0.8 / len(labels)
    for i, (key, label) in enumerate(labels.items()):
        ratio = {
            r["row"]: r["ratio"]
            for r in shown
            if _panel(r) == panel and r["key"] == key
        }
        y = [j + i * height for j, row in enumerate(rows) if row in ratio]
        bars = ax.barh(
            y, [ratio[row] for row in rows if row in ratio], height, label=label
        )
        ax.bar_label(bars, fmt="%.2f", padding=2, fontsize=8)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_title(_panel_title(panel))
    ax.margins(x=0.12)  # room for the labels
    ax.set_xlabel("s/epoch relative to scikit-learn (< 1 is faster)")


def plot_ratios(report, path):
    """Horizontal bars of s/epoch ratios, one panel per thread setting."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no plot")
        return False
    shown = _ratios_shown(report)
    if not shown:
        log("nothing to plot: no ratio was measured")
        return False
    rows = list(dict.fromkeys(r["row"] for r in shown))
    labels = {r["key"]: r["contender"] for r in shown}  # one bar colour per contender
    # the thread counts in order, then "defaults"
    panels = sorted(
        {_panel(r) for r in shown}, key=lambda p: (p == "defaults", str(p).zfill(6))
    )
    fig, axes = plt.subplots(
        1,
        len(panels),
        sharex=True,
        sharey=True,
        squeeze=False,
        figsize=(4.5 * len(panels) + 2, 0.45 * len(rows) * len(labels) + 1.5),
    )
    for ax, panel in zip(axes[0], panels, strict=True):
        _draw_panel(ax, shown, rows, labels, panel)
    # tick in the middle of each row's group of bars
    height = 0.8 / len(labels)
    axes[0][0].set_yticks(
        [j + (len(labels) - 1) * height / 2 for j in range(len(rows))]
    )
    axes[0][0].set_yticklabels(rows)
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(loc="best")
    # where the figure comes from, wrapped to the figure's width
    caption = f"{report['command']}   ({report['date']})"
    fig.text(0.01, 0.01, caption, fontsize=7, color="gray", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
