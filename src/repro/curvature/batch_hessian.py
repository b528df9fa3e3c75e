"""Mini-batch Hessian spectra and maximal stable learning rates (Granziol et al., JMLR 2022).

The paper models the Hessian of a mini-batch of size ``B`` as the full-data Hessian plus a
random-matrix perturbation whose variance shrinks like ``1/B``; its extreme eigenvalues are then
pushed outwards, ``lambda_max(B) ~ lambda_full + c/B`` (their Theorems 1-3), and the largest
stable learning rate, set by ``lambda_max(B)``, grows linearly in ``B`` for SGD while
``c/B`` dominates (and as ``sqrt(B)`` for adaptive methods). This module measures the pieces:
top eigenvalues of random batch Hessians (Lanczos on Hessian-vector products, via
:mod:`repro.curvature.hessian`), the ``a + c/B`` fit, a log-space bisection for the largest learning
rate a training run tolerates, and log-log slopes.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from repro.curvature.hessian import top_eigenvalues


def batch_top_eigenvalues(loss_on: Callable[[torch.Tensor], torch.Tensor], params, n: int,
                          batch_size: int, n_batches: int, rng: np.random.Generator,
                          tol: float = 1e-4) -> np.ndarray:
    """Largest Hessian eigenvalue of ``loss_on(idx)`` for ``n_batches`` random batches.

    Each batch is ``batch_size`` distinct indices out of ``range(n)`` drawn from ``rng``;
    ``batch_size >= n`` gives the full-data Hessian (one batch is then enough).
    """
    out = []
    for k in range(n_batches):
        idx = torch.as_tensor(rng.choice(n, min(batch_size, n), replace=False))
        out.append(top_eigenvalues(lambda: loss_on(idx), params, k=1, tol=tol, seed=k)[0])
    return np.asarray(out)


def fit_inverse_batch(B, lam, intercept: float | None = None) -> tuple[float, float, float]:
    """Least-squares fit ``lam = a + c / B``; returns ``(a, c, R^2)``.

    With ``intercept`` given, ``a`` is fixed to it and only ``c`` is fitted (R^2 is still measured
    against the mean of ``lam``).
    """
    B, lam = np.asarray(B, float), np.asarray(lam, float)
    if intercept is None:
        A = np.stack([np.ones_like(B), 1 / B], 1)
        (a, c), *_ = np.linalg.lstsq(A, lam, rcond=None)
    else:
        a = float(intercept)
        c = float(np.sum((lam - a) / B) / np.sum(1 / B ** 2))
    resid = lam - (a + c / B)
    r2 = 1 - np.sum(resid ** 2) / np.sum((lam - lam.mean()) ** 2)
    return float(a), float(c), float(r2)


def max_stable_lr(is_stable: Callable[[float], bool], lo: float, hi: float, iters: int = 10) -> float:
    """Bisection in log space for the stability edge of ``is_stable`` on ``[lo, hi]``.

    Assumes ``is_stable(lo)`` and not ``is_stable(hi)``; returns the geometric midpoint of the last
    bracket (relative resolution ``(hi/lo) ** (2 ** -iters)``).
    """
    a, b = np.log(lo), np.log(hi)
    for _ in range(iters):
        mid = 0.5 * (a + b)
        if is_stable(float(np.exp(mid))):
            a = mid
        else:
            b = mid
    return float(np.exp(0.5 * (a + b)))
