"""Multi-seed experiments and their uncertainty."""
from __future__ import annotations

from collections.abc import Callable, Iterable

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
