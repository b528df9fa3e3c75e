"""Independent runs and their uncertainty: t-intervals, paired differences, the verdict rule."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from repro.book.progress import progress


def mean_ci(values, level: float = 0.95, axis: int = 0):
    """Mean and half-width of the Student-t confidence interval along ``axis``.

    With a single value the half-width is ``nan`` (no spread can be estimated).
    """
    a = np.asarray(values, dtype=float)
    n = a.shape[axis]
    mean = a.mean(axis=axis)
    if n < 2:
        return mean, np.full_like(mean, np.nan)
    sem = a.std(axis=axis, ddof=1) / np.sqrt(n)
    return mean, sps.t.ppf(0.5 + level / 2, n - 1) * sem


def over_seeds(fn: Callable[[int], dict], seeds: Iterable[int], desc: str = "seeds") -> dict:
    """Run ``fn(seed) -> {name: value}`` for each seed; return ``{name: np.array over seeds}``."""
    results: dict[str, list] = {}
    for s in progress(list(seeds), desc=desc):
        for k, v in fn(s).items():
            results.setdefault(k, []).append(v)
    return {k: np.asarray(v) for k, v in results.items()}


@dataclass(frozen=True)
class Interval:
    """A mean over ``n`` independent runs with its two-sided confidence interval ``[low, high]``."""

    mean: float
    low: float
    high: float
    n: int
    level: float = 0.95

    def clears(self, margin: float, better: str) -> bool:
        """The verdict rule of the book (BOOK.md, "Claims").

        ``better="higher"``: the whole interval lies above ``margin``; ``better="lower"``: the
        whole interval lies below it. An interval that touches the margin does not clear it.
        """
        if better == "higher":
            return bool(self.low > margin)
        if better == "lower":
            return bool(self.high < margin)
        raise ValueError(f"better={better!r}: use 'higher' or 'lower'")


def interval(values, level: float = 0.95) -> Interval:
    """Student-t interval of the mean of per-run values (each run an independent replicate).

    Raises ``ValueError`` for fewer than two finite values: with one run no spread can be
    estimated, so no interval exists.
    """
    a = np.asarray(values, dtype=float).ravel()
    if a.size < 2:
        raise ValueError(f"an interval over runs needs at least 2 runs, got {a.size}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"non-finite per-run values: {a.tolist()}")
    mean, half = mean_ci(a, level)
    return Interval(float(mean), float(mean - half), float(mean + half), int(a.size), level)


def paired_difference(method, baseline, level: float = 0.95) -> Interval:
    """Interval of the mean of ``method[i] - baseline[i]``, run ``i`` pairing the two.

    Pairing (same data split, initialisation seed and budget in run ``i``) removes the
    run-to-run variation the two share, so the interval is that of a paired t-test.
    """
    m, b = np.asarray(method, dtype=float).ravel(), np.asarray(baseline, dtype=float).ravel()
    if m.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {m.size} and {b.size}")
    return interval(m - b, level)
