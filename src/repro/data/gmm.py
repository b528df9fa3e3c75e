"""Two-class Gaussian mixtures with known Bayes error (the workhorse of theory chapters).

Labels y in {-1, +1} with equal probability, x | y ~ N(y mu, Sigma). For a linear classifier
sign(w.x + b) the error is  1/2 [Phi(-(w.mu + b)/s) + Phi(-(w.mu - b)/s)],  s = sqrt(w^T Sigma w),
and the Bayes classifier is w = Sigma^{-1} mu, b = 0, with error Phi(-sqrt(mu^T Sigma^{-1} mu)).
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm


def sample(n: int, mu: np.ndarray, rng: np.random.Generator, cov: np.ndarray | None = None,
           labels: np.ndarray | None = None):
    """``n`` points of the mixture; returns ``X (n, d)`` and ``y`` in {-1, +1}."""
    mu = np.asarray(mu, dtype=float)
    y = labels if labels is not None else rng.choice([-1, 1], size=n)
    noise = rng.standard_normal((n, len(mu)))
    if cov is not None:
        noise = noise @ np.linalg.cholesky(cov).T
    return y[:, None] * mu + noise, y


def linear_error(w: np.ndarray, mu: np.ndarray, b: float = 0.0, cov: np.ndarray | None = None) -> float:
    """Exact test error of sign(w.x + b) on the mixture."""
    w, mu = np.asarray(w, dtype=float), np.asarray(mu, dtype=float)
    s = np.sqrt(w @ (cov @ w if cov is not None else w))
    m = w @ mu
    return float(0.5 * (norm.cdf(-(m + b) / s) + norm.cdf(-(m - b) / s)))


def bayes_error(mu: np.ndarray, cov: np.ndarray | None = None) -> float:
    """Error of the Bayes-optimal classifier."""
    mu = np.asarray(mu, dtype=float)
    snr = mu @ (np.linalg.solve(cov, mu) if cov is not None else mu)
    return float(norm.cdf(-np.sqrt(snr)))
