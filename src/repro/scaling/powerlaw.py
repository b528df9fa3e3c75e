"""Gaussian tasks with a prescribed eigenstructure, power laws in particular.

The input is ``z ~ N(0, I_M)``; the kernel is ``k(z, z') = sum_i lambda_i z_i z'_i``, so its
eigenfunctions are the coordinates ``z_i`` (orthonormal under the data distribution) with
eigenvalues ``lambda_i``. The target is ``y = sum_i v_i z_i + eps``, ``eps ~ N(0, sigma^2)``.
Power-law tasks take ``lambda_i = i^-alpha`` and ``v_i^2 = i^-beta`` (Simon, Karkada, Ghosh &
Belkin 2024, Sec. 5, "powerlaw eigenstructure"). Gaussian eigenfunctions make the
eigenframework's universality assumption exact, and the test MSE of a linear predictor is known
in closed form (:meth:`GaussianEigenTask.population_mse`): no test set, no test-set noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def powerlaw_eigenvalues(M: int, alpha: float) -> np.ndarray:
    """``lambda_i = i^-alpha`` for ``i = 1..M``."""
    return np.arange(1, M + 1, dtype=np.float64) ** (-float(alpha))


def powerlaw_coefficients(M: int, beta: float) -> np.ndarray:
    """Target coefficients ``v_i = i^(-beta/2)``, so that ``v_i^2 = i^-beta``."""
    return np.arange(1, M + 1, dtype=np.float64) ** (-float(beta) / 2)


@dataclass(frozen=True)
class GaussianEigenTask:
    """A regression task given by kernel eigenvalues, target coefficients and noise variance."""

    eigvals: np.ndarray
    coef: np.ndarray
    noise_var: float = 0.0

    @property
    def dim(self) -> int:
        return len(self.eigvals)

    def sample(self, rng: np.random.Generator, n: int):
        """``(X, y)``: ``X = z * sqrt(lambda)`` (the kernel's features, ``k = X X^T``), labels."""
        Z = rng.standard_normal((n, self.dim))
        y = Z @ self.coef + np.sqrt(self.noise_var) * rng.standard_normal(n)
        return Z * np.sqrt(self.eigvals), y

    def population_mse(self, weights: np.ndarray) -> np.ndarray:
        """Test MSE of linear predictors ``f(X) = X @ w`` on this task, label noise included.

        In eigencoordinates ``f(z) = sum_i sqrt(lambda_i) w_i z_i``, so the MSE is
        ``sum_i (sqrt(lambda_i) w_i - v_i)^2 + sigma^2``. ``weights`` is ``(M,)`` or ``(M, R)``.
        """
        w = np.asarray(weights, dtype=np.float64)
        a = np.sqrt(self.eigvals).reshape((-1,) + (1,) * (w.ndim - 1)) * w
        return ((a - self.coef.reshape(a.shape[:1] + (1,) * (w.ndim - 1))) ** 2).sum(0) + self.noise_var

    def with_noise(self, noise_var: float) -> "GaussianEigenTask":
        return GaussianEigenTask(self.eigvals, self.coef, float(noise_var))


def powerlaw_task(M: int, alpha: float, beta: float, noise_var: float = 0.0) -> GaussianEigenTask:
    """Power-law task with ``M`` modes: ``lambda_i = i^-alpha``, ``v_i^2 = i^-beta``."""
    if M < 1 or alpha <= 0:
        raise ValueError("need M >= 1 and alpha > 0")
    return GaussianEigenTask(powerlaw_eigenvalues(M, alpha), powerlaw_coefficients(M, beta), float(noise_var))
