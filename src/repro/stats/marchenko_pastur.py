"""The Marchenko-Pastur law for the input correlation matrix of a linear student.

Convention of Advani, Saxe & Sompolinsky (2020, Sec. 3): ``P`` inputs ``x ~ N(0, I/N)`` in
``N`` dimensions, load ``alpha = P/N``, correlation matrix ``C = X X^T = sum_mu x_mu x_mu^T``
(``X`` is ``N x P``). As ``N, P -> inf`` at fixed ``alpha`` the eigenvalues of ``C`` have density

    rho(lam) = (1 - alpha)_+ delta(lam) + sqrt((lam_+ - lam)(lam - lam_-)) / (2 pi lam),

on ``[lam_-, lam_+]`` with ``lam_(+/-) = (1 +/- sqrt(alpha))^2`` (mean eigenvalue ``alpha``).
"""
from __future__ import annotations

import numpy as np


def edges(alpha: float) -> tuple[float, float]:
    """Support ``(lam_-, lam_+) = ((1 - sqrt(alpha))^2, (1 + sqrt(alpha))^2)`` of the bulk."""
    if alpha <= 0:
        raise ValueError("alpha = P/N must be positive")
    r = np.sqrt(alpha)
    return float((1 - r) ** 2), float((1 + r) ** 2)


def zero_mass(alpha: float) -> float:
    """Fraction ``(1 - alpha)_+`` of exactly-zero eigenvalues (the frozen subspace when P < N)."""
    return max(0.0, 1.0 - alpha)


def density(lam, alpha: float) -> np.ndarray:
    """Continuous part of the density at ``lam`` (zero outside the bulk; the atom is excluded)."""
    lam = np.asarray(lam, dtype=float)
    lo, hi = edges(alpha)
    inside = (lam > lo) & (lam < hi)
    out = np.zeros_like(lam)
    li = lam[inside]
    out[inside] = np.sqrt((hi - li) * (li - lo)) / (2 * np.pi * li)
    return out


def bulk_nodes(alpha: float, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights for integrals over the bulk: ``sum(w f(lam)) = int rho f``.

    Substituting ``lam = m + h cos(theta)`` (centre ``m = 1 + alpha``, half-width ``h = 2 sqrt(alpha)``)
    turns the bulk integral into ``int_0^pi f(lam) h^2 sin^2(theta) / (2 pi lam) dtheta``, a smooth
    integrand even at ``alpha = 1`` where ``lam_- = 0``; Gauss-Legendre in ``theta`` then converges fast.
    """
    m, h = 1.0 + alpha, 2.0 * np.sqrt(alpha)
    x, w = np.polynomial.legendre.leggauss(n)
    theta = 0.5 * np.pi * (x + 1)
    lam = m + h * np.cos(theta)
    weights = 0.5 * np.pi * w * h**2 * np.sin(theta) ** 2 / (2 * np.pi * lam)
    return lam, weights


def expect(f, alpha: float, n: int = 400, f0: float | None = None) -> float:
    """``int rho(lam) f(lam) dlam`` including the atom at zero (weight ``(1-alpha)_+``, value ``f0``).

    ``f`` is vectorised over eigenvalues; ``f0`` defaults to ``f(0)`` when the atom is present.
    """
    lam, w = bulk_nodes(alpha, n)
    total = np.tensordot(w, f(lam), axes=(0, 0))
    mass = zero_mass(alpha)
    if mass > 0:
        total = total + mass * (f(np.zeros(1))[0] if f0 is None else f0)
    return total


def sample_inputs(n_inputs: int, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """An ``N x P`` input matrix with i.i.d. ``N(0, 1/N)`` entries (one sample per column)."""
    return rng.standard_normal((n_inputs, n_samples)) / np.sqrt(n_inputs)
