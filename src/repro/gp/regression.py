"""Exact Gaussian-process regression in float64 (Rasmussen & Williams 2006, Alg. 2.1).

Posterior mean  m(x*) = k*^T (K + s^2 I)^{-1} y,
posterior cov   k(x*, x*') - k*^T (K + s^2 I)^{-1} k*',
log marginal likelihood  -y^T (K + s^2 I)^{-1} y / 2 - sum log diag L - n log(2 pi) / 2,
with L the Cholesky factor of K + s^2 I.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular

Kernel = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _chol(K: np.ndarray, jitter: float = 1e-10) -> np.ndarray:
    """Lower Cholesky factor, adding jitter * mean(diag) only if needed."""
    scale = max(float(np.mean(np.diag(K))), 1e-300)
    for j in (0.0, jitter, 1e3 * jitter, 1e6 * jitter):
        try:
            return cholesky(K + j * scale * np.eye(len(K)), lower=True)
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError("matrix is not positive definite even with jitter")


@dataclass
class GPRegression:
    """A GP conditioned on ``(X, y)`` with Gaussian noise variance ``noise``."""

    kernel: Kernel
    X: np.ndarray
    y: np.ndarray
    noise: float

    def __post_init__(self):
        self.X = np.asarray(self.X, dtype=np.float64)
        self.y = np.asarray(self.y, dtype=np.float64)
        K = self.kernel(self.X, self.X) + self.noise * np.eye(len(self.X))
        self.L = _chol(K)
        self.alpha = cho_solve((self.L, True), self.y)

    def predict(self, Xs: np.ndarray, full_cov: bool = False):
        """Posterior mean and variance (or covariance if ``full_cov``) of f at ``Xs``."""
        Ks = self.kernel(self.X, Xs)
        mean = Ks.T @ self.alpha
        V = solve_triangular(self.L, Ks, lower=True)
        if full_cov:
            return mean, self.kernel(Xs, Xs) - V.T @ V
        kss = np.diag(self.kernel(Xs, Xs)) if len(Xs) <= 2000 else np.array(
            [self.kernel(x[None], x[None])[0, 0] for x in Xs])
        return mean, np.maximum(kss - (V ** 2).sum(0), 0.0)

    def log_marginal_likelihood(self) -> float:
        n = len(self.y)
        return float(-0.5 * self.y @ self.alpha - np.log(np.diag(self.L)).sum() - 0.5 * n * np.log(2 * np.pi))


def sample_prior(kernel: Kernel, X: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of f(X) ~ N(0, K(X, X)), shape ``(n_samples, len(X))``."""
    L = _chol(kernel(X, X), jitter=1e-8)
    return (L @ rng.standard_normal((len(X), n_samples))).T


def gaussian_nll(y: np.ndarray, mean: np.ndarray, var: np.ndarray) -> float:
    """Mean negative log density of ``y`` under independent N(mean, var)."""
    var = np.asarray(var, dtype=float)
    return float(np.mean(0.5 * np.log(2 * np.pi * var) + 0.5 * (y - mean) ** 2 / var))
