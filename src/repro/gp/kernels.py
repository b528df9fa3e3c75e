"""Kernels and kernel ridge regression in float64.

Kernel ridge regression (KRR) minimises sum_i (f(x_i) - y_i)^2 + lam * ||f||_H^2, whose
solution is f(x) = k(x, X) (K + lam I)^{-1} y. Solving through the eigendecomposition
K = V diag(d) V^T makes every ridge along a path cost one matrix-vector product.
"""
from __future__ import annotations

import numpy as np


def sq_dists(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Pairwise squared Euclidean distances, clipped at zero."""
    A, B = np.atleast_2d(A), np.atleast_2d(B)
    d2 = (A ** 2).sum(1)[:, None] + (B ** 2).sum(1)[None, :] - 2.0 * A @ B.T
    return np.maximum(d2, 0.0)


def rbf_kernel(A: np.ndarray, B: np.ndarray, lengthscale: float = 1.0) -> np.ndarray:
    """Gaussian kernel k(a, b) = exp(-|a - b|^2 / (2 l^2))."""
    return np.exp(-sq_dists(A, B) / (2.0 * lengthscale ** 2))


def matern52_kernel(A: np.ndarray, B: np.ndarray, lengthscale: float = 1.0) -> np.ndarray:
    """Matern-5/2 kernel (1 + r + r^2 / 3) exp(-r), r = sqrt(5) |a - b| / l, unit variance."""
    r = np.sqrt(5.0 * sq_dists(A, B)) / lengthscale
    return (1.0 + r + r ** 2 / 3.0) * np.exp(-r)


def periodic_kernel(A: np.ndarray, B: np.ndarray, lengthscale: float = 1.0, period: float = 1.0) -> np.ndarray:
    """Exp-sine-squared kernel exp(-2 sin^2(pi |a - b| / p) / l^2)."""
    d = np.sqrt(sq_dists(A, B))
    return np.exp(-2.0 * np.sin(np.pi * d / period) ** 2 / lengthscale ** 2)


class EigenKRR:
    """KRR on a fixed training Gram matrix, solved once by ``numpy.linalg.eigh``.

    ``fit_coef(y, lam)`` returns alpha = (K + lam I)^{-1} y; ``train_pred(y, lam)`` returns
    K alpha. Eigenvalues below zero from round-off are clipped.
    """

    def __init__(self, K: np.ndarray):
        K = np.asarray(K, dtype=np.float64)
        if K.shape[0] != K.shape[1]:
            raise ValueError("K must be square")
        d, V = np.linalg.eigh(0.5 * (K + K.T))
        self.d, self.V = np.clip(d, 0.0, None), V

    def fit_coef(self, y: np.ndarray, lam: float) -> np.ndarray:
        return self.V @ ((self.V.T @ y) / (self.d + lam))

    def train_pred(self, y: np.ndarray, lam: float) -> np.ndarray:
        return self.V @ (self.d / (self.d + lam) * (self.V.T @ y))


def krr_fit_predict(K_train: np.ndarray, y: np.ndarray, K_test_train: np.ndarray, lam: float) -> np.ndarray:
    """Predictions k(x*, X) (K + lam I)^{-1} y by a Cholesky solve."""
    from scipy.linalg import cho_factor, cho_solve

    n = len(K_train)
    c = cho_factor(K_train + lam * np.eye(n), lower=True)
    return K_test_train @ cho_solve(c, y)
