"""The book's figure style and the plots several chapters share."""
from __future__ import annotations

import matplotlib

STYLE = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "font.family": "DejaVu Sans",
    "svg.hashsalt": "repro",
}

COLORS = ["#1b6ca8", "#d1495b", "#66a182", "#edae49", "#6c4f8c", "#2e4057", "#8d96a3"]


def use_style() -> None:
    """Apply the book's matplotlib style (idempotent)."""
    matplotlib.rcParams.update(STYLE)
    matplotlib.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=COLORS)


def theory_vs_simulation(ax, x, theory, sim_mean, sim_err=None, *, label: str = "",
                         color=None, logx: bool = False, logy: bool = False):
    """Overlay a theory curve (line) on simulated points (markers with error bars).

    The signature figure of the theory chapters: ``theory`` is evaluated at ``x``,
    ``sim_mean`` (and optional ``sim_err`` half-widths) are the simulation over seeds.
    """
    line, = ax.plot(x, theory, "-", color=color, label=f"{label} theory".strip())
    ax.errorbar(x, sim_mean, yerr=sim_err, fmt="o", ms=4, capsize=2, color=line.get_color(),
                label=f"{label} simulation".strip())
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    return ax
