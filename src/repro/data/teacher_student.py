"""Teacher-student regression data with known ground truth.

Linear teacher: x ~ N(0, Sigma), y = x.beta + sigma * eps. For a predictor w the excess test
risk is (w - beta)^T Sigma (w - beta) and the test MSE adds sigma^2.
"""
from __future__ import annotations

import numpy as np


def powerlaw_spectrum(d: int, alpha: float) -> np.ndarray:
    """Eigenvalues k^{-alpha}, k = 1..d."""
    return np.arange(1, d + 1, dtype=float) ** (-alpha)


def linear_teacher(n: int, beta: np.ndarray, rng: np.random.Generator, noise: float = 0.0,
                   spectrum: np.ndarray | None = None):
    """``n`` samples with diagonal covariance ``spectrum`` (identity if None): ``X, y``."""
    d = len(beta)
    X = rng.standard_normal((n, d))
    if spectrum is not None:
        X = X * np.sqrt(spectrum)
    return X, X @ beta + noise * rng.standard_normal(n)


def excess_risk(w: np.ndarray, beta: np.ndarray, spectrum: np.ndarray | None = None) -> float:
    """(w - beta)^T Sigma (w - beta) for diagonal Sigma = diag(spectrum)."""
    diff = np.asarray(w) - np.asarray(beta)
    return float(diff @ (diff * spectrum) if spectrum is not None else diff @ diff)


def ridge(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Ridge estimator argmin |y - Xw|^2 + lam |w|^2 (lam = 0 gives the min-norm solution)."""
    if lam == 0:
        return np.linalg.pinv(X) @ y
    n, d = X.shape
    if d <= n:
        return np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
    return X.T @ np.linalg.solve(X @ X.T + lam * np.eye(n), y)
