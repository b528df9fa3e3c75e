"""Low-rank matrix sensing: y_i = <A_i, X*> + noise, with X* = U* U*^T of rank r.

Used by the robust matrix recovery chapter: measurements may carry sparse gross outliers, and
the l1 loss f(U) = mean_i |<A_i, U U^T> - y_i| is minimised by the sub-gradient method.
"""
from __future__ import annotations

import numpy as np


def problem(d: int, rank: int, m: int, rng: np.random.Generator, noise: float = 0.0,
            outlier_fraction: float = 0.0, outlier_scale: float = 10.0):
    """Ground truth ``X*`` (d x d, PSD, unit spectral norm), symmetric Gaussian sensing
    matrices ``A`` (m, d, d) and measurements ``y`` (m,).

    A fraction of the measurements is replaced by gross outliers ~ N(0, outlier_scale^2).
    """
    U, _ = np.linalg.qr(rng.standard_normal((d, rank)))
    Xs = U @ U.T
    G = rng.standard_normal((m, d, d))
    A = (G + G.transpose(0, 2, 1)) / 2
    y = measure(A, Xs) + noise * rng.standard_normal(m)
    bad = rng.choice(m, size=int(round(outlier_fraction * m)), replace=False)
    y[bad] = outlier_scale * rng.standard_normal(len(bad))
    return Xs, A, y, bad


def measure(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """<A_i, X> for every i."""
    return np.einsum("mij,ij->m", A, X)


def l1_subgradient(U: np.ndarray, A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A sub-gradient of mean_i |<A_i, U U^T> - y_i| with respect to U (A_i symmetric)."""
    r = np.sign(measure(A, U @ U.T) - y)
    return 2 * np.einsum("m,mij->ij", r, A) @ U / len(y)


def l2_gradient(U: np.ndarray, A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of mean_i (<A_i, U U^T> - y_i)^2 / 2 with respect to U (A_i symmetric)."""
    r = measure(A, U @ U.T) - y
    return 2 * np.einsum("m,mij->ij", r, A) @ U / len(y)
