"""Hessian eigenvalue spectral density (HESD) by stochastic Lanczos quadrature, and the
spectrum-shape criteria of Gabdullin (2024), "Investigating generalization capabilities of neural
networks by means of loss landscapes and Hessian analysis" (arXiv:2412.10146).

Stochastic Lanczos quadrature (Golub & Meurant; Ghorbani et al. 2019): ``m`` Lanczos steps on a
symmetric operator ``H`` started from a random unit vector ``v`` give a tridiagonal ``T_m`` whose
eigenvalues ``theta_k`` (nodes) and squared first eigenvector components ``tau_k`` (weights, summing
to 1) form an ``m``-point Gauss quadrature of the spectral measure ``sum_i (v.u_i)^2 delta(l - l_i)``:
``v^T f(H) v ~ sum_k tau_k f(theta_k)``, exact for polynomials of degree < 2m. Averaging over probes
estimates the eigenvalue density of ``H``.

The paper's criteria (its Sec. on Hessian analysis, implemented as ``hessian_criteria`` in the
authors' LLA library) read the quadrature of each probe:

* ``re = |min_k theta_k / max_k theta_k|``, how deep the most negative curvature goes relative to
  the largest positive one;
* ``Kh_n = sum_{theta_k<0} |theta_k tau_k|^n / sum_{theta_k>0} (theta_k tau_k)^n`` (the paper uses
  ``n = 0.5``, "Kh0.5"), the share of negative spectral mass;

both averaged over probes. Small values mean the point is close to a clean minimum of the loss on
the data the Hessian is computed on; the paper reads growth of them as worse generalization.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class Quadrature:
    """Gauss-quadrature nodes and weights of each probe: arrays of shape ``(n_probes, m)``."""

    nodes: np.ndarray
    weights: np.ndarray

    def density(self, grid: np.ndarray, width: float) -> np.ndarray:
        """Spectral density on ``grid``: Gaussian-smoothed nodes, averaged over probes."""
        d = grid[None, None, :] - self.nodes[..., None]
        g = np.exp(-0.5 * (d / width) ** 2) / (np.sqrt(2 * np.pi) * width)
        return (self.weights[..., None] * g).sum(1).mean(0)


def lanczos(matvec: Callable[[np.ndarray], np.ndarray], v0: np.ndarray, steps: int):
    """``steps`` Lanczos iterations with full re-orthogonalisation from ``v0``.

    Returns ``(alpha, beta)``, the diagonal and off-diagonal of the tridiagonal matrix ``T``
    (``beta`` has one entry fewer). Stops early, returning a shorter ``T``, if the Krylov space
    is exhausted (an invariant subspace was found).
    """
    n = len(v0)
    steps = min(steps, n)
    Q = np.zeros((steps, n))
    q = v0 / np.linalg.norm(v0)
    alpha, beta = [], []
    for j in range(steps):
        Q[j] = q
        w = np.asarray(matvec(q), dtype=float)
        a = float(q @ w)
        alpha.append(a)
        w = w - Q[: j + 1].T @ (Q[: j + 1] @ w)   # full re-orthogonalisation (twice is enough)
        w = w - Q[: j + 1].T @ (Q[: j + 1] @ w)
        b = float(np.linalg.norm(w))
        if j == steps - 1 or b < 1e-10 * max(1.0, abs(a)):
            break
        beta.append(b)
        q = w / b
    return np.array(alpha), np.array(beta)


def slq(matvec: Callable[[np.ndarray], np.ndarray], n: int, steps: int = 40, n_probes: int = 2,
        seed: int = 0) -> Quadrature:
    """Stochastic Lanczos quadrature of the spectrum of an ``n x n`` symmetric operator.

    Probes are Gaussian vectors from ``np.random.default_rng(seed)``; each gives ``steps`` nodes
    (fewer if the Krylov space closes, padded with zero-weight copies of the last node).
    """
    rng = np.random.default_rng(seed)
    steps = min(steps, n)
    nodes = np.zeros((n_probes, steps))
    weights = np.zeros((n_probes, steps))
    for p in range(n_probes):
        a, b = lanczos(matvec, rng.standard_normal(n), steps)
        T = np.diag(a) + np.diag(b, 1) + np.diag(b, -1)
        theta, U = np.linalg.eigh(T)
        k = len(theta)
        nodes[p, :k], weights[p, :k] = theta, U[0] ** 2
        nodes[p, k:] = theta[-1]
    return Quadrature(nodes, weights)


def hessian_criteria(quad: Quadrature, n: float = 0.5) -> tuple[float, float]:
    """The paper's ``(re, Kh_n)`` from a quadrature, each averaged over probes (see module doc)."""
    if n <= 0:
        raise ValueError("the power n of Kh_n must be positive")
    re, kh = [], []
    for th, w in zip(quad.nodes, quad.weights):
        re.append(abs(th.min() / th.max()))
        pos = np.sum((th[th > 0] * w[th > 0]) ** n)
        neg = np.sum(np.abs(th[th < 0] * w[th < 0]) ** n)
        kh.append(neg / pos)
    return float(np.mean(re)), float(np.mean(kh))
