"""A benchmark harness: a function evaluated over a grid of settings and seeds, then tabled.

``grid(fn, seeds, method=[...], noise=[...])`` calls ``fn(seed=s, method=m, noise=r)`` (returning
a dict of metrics) for every combination; ``table`` prints mean +- 95% CI half-width.
"""
from __future__ import annotations

import itertools

import numpy as np

from repro.book.progress import progress
from repro.stats.intervals import mean_ci


def grid(fn, seeds, desc: str = "grid", **axes) -> list[dict]:
    """Records ``{axis: value, ..., "seed": s, metric: value, ...}`` for every combination."""
    names = list(axes)
    combos = list(itertools.product(*axes.values(), list(seeds)))
    records = []
    for combo in progress(combos, desc=desc):
        setting = dict(zip(names, combo[:-1]))
        records.append({**setting, "seed": combo[-1], **fn(seed=combo[-1], **setting)})
    return records


def summarize(records: list[dict], by: list[str], metric: str) -> dict:
    """``{settings tuple: (mean, ci half-width, n)}`` of ``metric`` grouped by the ``by`` axes."""
    groups: dict[tuple, list] = {}
    for r in records:
        groups.setdefault(tuple(r[k] for k in by), []).append(r[metric])
    return {k: (*map(float, mean_ci(np.array(v))), len(v)) for k, v in groups.items()}


def table(records: list[dict], row: str, col: str, metric: str, fmt: str = "{:.3f}") -> str:
    """Markdown table of ``metric`` (mean +- CI over seeds), rows and columns from two axes."""
    s = summarize(records, [row, col], metric)
    rows = list(dict.fromkeys(r[row] for r in records))
    cols = list(dict.fromkeys(r[col] for r in records))
    out = [f"| {row} \\ {col} | " + " | ".join(map(str, cols)) + " |", "|---" * (len(cols) + 1) + "|"]
    for r in rows:
        cells = []
        for c in cols:
            m, h, _ = s[(r, c)]
            cells.append(fmt.format(m) + ("" if np.isnan(h) else " ± " + fmt.format(h)))
        out.append(f"| {r} | " + " | ".join(cells) + " |")
    return "\n".join(out)
