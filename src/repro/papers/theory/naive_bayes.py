"""Gaussian naive Bayes with a shared diagonal covariance, and sample-complexity helpers.

Used by the discriminative-vs-generative chapter (Zheng et al., "Revisiting Discriminative vs.
Generative Classifiers: Theory and Implications", ICML 2023). Naive Bayes here estimates one
mean per class and one variance per feature pooled over classes, so that its decision rule,
argmax_k [log pi_k - sum_j (x_j - mu_kj)^2 / (2 s_j)], is linear in x, like multiclass logistic
regression: both are the same hypothesis class, fitted generatively or discriminatively.
"""
from __future__ import annotations

import numpy as np

from repro.scaling.multivariate import r_squared


class SharedDiagonalGaussianNB:
    """Class means, class priors and a pooled per-feature variance (within-class, divided by m)."""

    def __init__(self, var_smoothing: float = 1e-9):
        self.var_smoothing = var_smoothing

    def fit(self, X: np.ndarray, y: np.ndarray) -> "SharedDiagonalGaussianNB":
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.means_ = np.array([X[y == c].mean(0) for c in self.classes_])
        counts = np.array([(y == c).sum() for c in self.classes_])
        self.priors_ = counts / len(y)
        resid = X - self.means_[np.searchsorted(self.classes_, y)]
        self.var_ = (resid ** 2).mean(0) + self.var_smoothing
        return self

    def linear(self):
        """Scores as a linear map: ``W (K, d)`` and ``b (K,)`` with score_k(x) = W_k . x + b_k."""
        W = self.means_ / self.var_
        b = np.log(self.priors_) - 0.5 * (self.means_ ** 2 / self.var_).sum(1)
        return W, b

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        W, b = self.linear()
        return np.asarray(X, dtype=float) @ W.T + b

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def binary_linear(self):
        """For two classes: ``(w, b)`` with sign(w . x + b) > 0 predicting ``classes_[1]``."""
        if len(self.classes_) != 2:
            raise ValueError("binary_linear needs exactly two classes")
        W, b = self.linear()
        return W[1] - W[0], float(b[1] - b[0])


def samples_to_reach(grid, mean_errors, target: float) -> float:
    """Smallest sample size at which the learning curve ``mean_errors`` (over ``grid``) is <= target.

    Interpolates linearly in (log m, error) between the last grid point above the target and the
    first one at or below it; ``inf`` if the curve never reaches the target, ``grid[0]`` if it
    starts below it.
    """
    grid, e = np.asarray(grid, dtype=float), np.asarray(mean_errors, dtype=float)
    hit = np.nonzero(e <= target)[0]
    if len(hit) == 0:
        return float("inf")
    i = hit[0]
    if i == 0:
        return float(grid[0])
    lo, hi = np.log(grid[i - 1]), np.log(grid[i])
    frac = (e[i - 1] - target) / (e[i - 1] - e[i])
    return float(np.exp(lo + frac * (hi - lo)))


def linear_fit_r2(x, y) -> float:
    """R^2 of the least-squares line y ~ a + b x (:func:`repro.scaling.multivariate.r_squared`)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return r_squared(y, np.polyval(np.polyfit(x, y, 1), x))
