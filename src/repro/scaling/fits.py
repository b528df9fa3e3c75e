"""Power-law and scaling-exponent fitting with bootstrap confidence intervals.

``fit_power_law`` fits y = a x^{-b} by least squares in log-log space; ``fit_power_law_offset``
fits y = a x^{-b} + c (an irreducible term) by non-linear least squares. Bootstrap intervals
resample the (x, y) points with replacement.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import curve_fit


def fit_power_law(x, y) -> tuple[float, float]:
    """(a, b) of y = a x^{-b}, fitted on log y = log a - b log x."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    slope, intercept = np.polyfit(lx, ly, 1)
    return float(np.exp(intercept)), float(-slope)


def loglog_slope(x, y) -> float:
    """Least-squares slope of ``log y`` against ``log x`` (the growth exponent of y in x)."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def _offset_model(x, a, b, c):
    return a * x ** (-b) + c


def fit_power_law_offset(x, y, p0=None) -> tuple[float, float, float]:
    """(a, b, c) of y = a x^{-b} + c with c >= 0."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    a0, b0 = fit_power_law(x, np.maximum(y - 0.5 * y.min(), 1e-12))
    p0 = p0 or (a0, b0, 0.5 * y.min())
    popt, _ = curve_fit(_offset_model, x, y, p0=p0, bounds=([0, 0, 0], [np.inf, 10, np.inf]), maxfev=20000)
    return tuple(float(v) for v in popt)


def bootstrap_exponent(x, y, n_boot: int = 1000, level: float = 0.95, rng=None, offset: bool = False):
    """Point estimate of the exponent b and its percentile bootstrap interval (lo, hi)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    x, y = np.asarray(x, float), np.asarray(y, float)
    fit = (lambda xs, ys: fit_power_law_offset(xs, ys)[1]) if offset else (lambda xs, ys: fit_power_law(xs, ys)[1])
    b = fit(x, y)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(x), len(x))
        if len(np.unique(x[idx])) < 3:
            continue
        try:
            boots.append(fit(x[idx], y[idx]))
        except RuntimeError:
            continue
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    return b, (float(lo), float(hi))


def bootstrap_over_reps(x, Y, n_boot: int = 1000, level: float = 0.95, rng=None):
    """Exponent ``b`` of ``mean(Y) ~ x^-b`` and a percentile bootstrap interval over repetitions.

    ``Y`` is ``(reps, len(x))``; each bootstrap sample resamples whole repetitions (rows), averages
    them and refits, so the interval reflects the spread between independent runs.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    x, Y = np.asarray(x, dtype=np.float64), np.atleast_2d(np.asarray(Y, dtype=np.float64))
    b = fit_power_law(x, Y.mean(0))[1]
    boots = []
    for _ in range(n_boot):
        m = Y[rng.integers(0, len(Y), len(Y))].mean(0)
        if np.all(m > 0):
            boots.append(fit_power_law(x, m)[1])
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    return b, (float(lo), float(hi))
