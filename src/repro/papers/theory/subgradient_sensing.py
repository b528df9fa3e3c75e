"""Sub-gradient method (SubGM) with small initialisation for robust low-rank matrix recovery.

Ma & Fattahi, "Global Convergence of Sub-gradient Method for Robust Matrix Recovery: Small
Initialization, Noisy Measurements, and Over-parameterization" (JMLR 2023). The model is the
symmetric factorisation X = U U^T with U in R^{d x r'} (r' >= r may over-estimate the rank), the
loss is the l1 loss f(U) = (1/m) ||y - A(U U^T)||_1 (their eq. 2), and SubGM is
U_{t+1} = U_t - eta_t D_t with D_t a sub-gradient of f at U_t, started at U_0 = alpha B
(their Algorithm 1) with geometrically decaying steps eta_t = eta_0 rho^t. The loss and the
sub-gradient themselves live in :mod:`repro.papers.theory.matrix_sensing`.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from repro.papers.theory import matrix_sensing

Gradient = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def geometric_steps(eta0: float, rho: float, steps: int) -> np.ndarray:
    """Step sizes eta_t = eta0 * rho**t, t = 0..steps-1 (the paper's exponentially decaying schedule)."""
    if eta0 <= 0 or not 0 < rho <= 1 or steps < 0:
        raise ValueError("need eta0 > 0, 0 < rho <= 1 and steps >= 0")
    return eta0 * rho ** np.arange(steps)


def small_init(d: int, rank: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """U_0 = alpha B with B a d x rank Gaussian matrix scaled to unit spectral norm (so ||U_0|| = alpha)."""
    B = rng.standard_normal((d, rank))
    return alpha * B / np.linalg.norm(B, 2)


def flatten(A: np.ndarray) -> np.ndarray:
    """Sensing matrices (m, d, d) as one (m, d*d) matrix, for the fast gradients below."""
    return A.reshape(len(A), -1)


def l1_subgradient_flat(U: np.ndarray, Af: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:func:`repro.papers.theory.matrix_sensing.l1_subgradient` with ``Af = flatten(A)``: same value, two BLAS
    matrix-vector products instead of two einsums (about twice as fast)."""
    d = U.shape[0]
    r = np.sign(Af @ (U @ U.T).ravel() - y)
    return 2 * (r @ Af).reshape(d, d) @ U / len(y)


def l2_gradient_flat(U: np.ndarray, Af: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:func:`repro.papers.theory.matrix_sensing.l2_gradient` with ``Af = flatten(A)``."""
    d = U.shape[0]
    r = Af @ (U @ U.T).ravel() - y
    return 2 * (r @ Af).reshape(d, d) @ U / len(y)


def relative_error(U: np.ndarray, Xs: np.ndarray) -> float:
    """||U U^T - X*||_F / ||X*||_F."""
    return float(np.linalg.norm(U @ U.T - Xs) / np.linalg.norm(Xs))


def descend(U0: np.ndarray, A: np.ndarray, y: np.ndarray, grad: Gradient, steps: np.ndarray,
            Xs: np.ndarray | None = None, blowup: float = 1e6):
    """Run U <- U - steps[t] * grad(U, A, y) for every t.

    ``grad`` is e.g. :func:`repro.papers.theory.matrix_sensing.l1_subgradient` (SubGM) or
    :func:`repro.papers.theory.matrix_sensing.l2_gradient` (gradient descent on the l2 loss). Returns the final
    U and, when ``Xs`` is given, the relative error before every step and after the last one
    (length ``len(steps) + 1``). A run whose error exceeds ``blowup`` stops, and the rest of its
    trajectory is filled with ``inf`` (a diverged run, e.g. l2 descent with too large a step).
    """
    U = np.array(U0, dtype=float)
    errs = np.full(len(steps) + 1, np.inf)
    for t, eta in enumerate(steps):
        if Xs is not None:
            errs[t] = relative_error(U, Xs)
            if not errs[t] < blowup:
                errs[t] = np.inf
                return U, errs
        U = U - eta * grad(U, A, y)
    if Xs is not None:
        e = relative_error(U, Xs)
        errs[-1] = e if e < blowup else np.inf
    return U, errs


def subgm(U0, A, y, steps, Xs=None):
    """SubGM on the l1 loss (the paper's Algorithm 1); ``A`` is (m, d, d) or ``flatten``-ed (m, d*d)."""
    grad = matrix_sensing.l1_subgradient if A.ndim == 3 else l1_subgradient_flat
    return descend(U0, A, y, grad, steps, Xs)


def l2_gd(U0, A, y, steps, Xs=None):
    """Gradient descent on the l2 loss (1/2m) ||y - A(U U^T)||^2, the non-robust baseline."""
    grad = matrix_sensing.l2_gradient if A.ndim == 3 else l2_gradient_flat
    return descend(U0, A, y, grad, steps, Xs)
