"""Closed-form ("omniscient") risk estimates for kernel and random-feature ridge regression.

A task is described in the eigenbasis of the limiting kernel: eigenvalues ``lambda_i`` of the
kernel's integral operator, coefficients ``v_i`` of the target in the orthonormal eigenfunctions,
and label-noise variance ``sigma^2``. The learner sees ``n`` samples and fits ridge regression
with ridge ``delta`` on the *sum* of squared errors (``min sum_i (f(x_i)-y_i)^2 + delta ||w||^2``).

Kernel ridge regression (KRR; Sollich 2001, Bordelon et al. 2020, Simon et al. 2021/2023's
"eigenlearning"): the effective ridge ``kappa`` solves ``n = sum_i L_i + delta / kappa`` with
learnabilities ``L_i = lambda_i / (lambda_i + kappa)``, and

    E_test = n / (n - sum_i L_i^2) * (sum_i (1 - L_i)^2 v_i^2 + sigma^2),
    E_train = (delta / (n kappa))^2 * E_test.

Random-feature (RF) ridge regression with ``N`` features whose kernel converges to the kernel
above (Simon, Karkada, Ghosh & Belkin 2024, "More is Better", Sec. 4, the RF eigenframework;
cf. Bach 2023): two effective ridges ``kappa, gamma`` solve

    n = sum_i L_i + delta / kappa,      N = sum_i L_i + N kappa / gamma,
    L_i = lambda_i / (lambda_i + gamma),

and with ``z = sum_i L_i`` and ``q = sum_i L_i^2``

    E_test = 1 / (1 - (q (N - 2 z) + z^2) / (n (N - q)))
             * (sum_i [(1 - L_i) - (N kappa / (N - q)) L_i / (lambda_i + gamma)] v_i^2 + sigma^2),
    E_train = (delta / (n kappa))^2 * E_test = ((n - z) / n)^2 * E_test.

As ``N -> inf``, ``gamma -> kappa`` and the RF estimate reduces to the KRR one. All functions
take ``N = numpy.inf`` for KRR and broadcast over an array of ridges.

Sec. 5 of the paper (Theorem 2, Corollary 1) studies KRR on power-law tasks,
``lambda_i = i^-alpha`` and ``v_i^2 = i^-beta``, with the noise scaled as
``sigma^2 = sigma_rel^2 * E_test(delta=0, sigma=0)``; :func:`powerlaw_optimal_fitting_ratio` is
our own large-``n`` evaluation of that analysis (derivation in its docstring).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_ITERS = 110  # bisection steps in log space: the bracket spans < 200 e-folds, 2^-110 of it is exact


@dataclass(frozen=True)
class RiskEstimate:
    """Eigenframework predictions, one entry per ridge."""

    ridge: np.ndarray
    test: np.ndarray          # predicted test MSE (label noise included)
    train: np.ndarray         # predicted train MSE
    kappa: np.ndarray         # effective ridge of the learned function
    gamma: np.ndarray         # effective ridge of the learnabilities (= kappa for KRR)

    @property
    def fitting_ratio(self) -> np.ndarray:
        """Train MSE over test MSE, the paper's ``R_tr/te`` (Sec. 5)."""
        return self.train / self.test


def _as_task(eigvals, coef):
    lam = np.asarray(eigvals, dtype=np.float64).ravel()
    if lam.size == 0 or np.any(lam <= 0) or not np.all(np.isfinite(lam)):
        raise ValueError("eigvals must be finite and strictly positive")
    v2 = np.asarray(coef, dtype=np.float64)
    v2 = (v2 ** 2).reshape(len(lam), -1).sum(1)  # several outputs: sum their powers
    return lam, v2


def _ridges(ridge):
    r = np.atleast_1d(np.asarray(ridge, dtype=np.float64))
    if np.any(r < 0) or not np.all(np.isfinite(r)):
        raise ValueError("ridges must be finite and >= 0")
    return r


def effective_ridges(eigvals, n, N=np.inf, ridge=0.0):
    """Solve the RF eigenframework's two equations for ``(kappa, gamma)``, one pair per ridge.

    ``N = inf`` gives KRR (``kappa = gamma``). Eliminating ``kappa = gamma (1 - z / N)`` leaves
    one equation in ``gamma`` whose left side decreases strictly on ``{z(gamma) < N}``; it is
    solved by bisection in ``log gamma``, vectorised over ridges. At ``ridge = 0`` the solution is
    the limit ``ridge -> 0+`` (``z = min(n, N)``, and ``kappa = 0`` when ``N <= n``).
    """
    lam = np.asarray(eigvals, dtype=np.float64).ravel()
    r = _ridges(ridge)
    if n <= 0 or N <= 0:
        raise ValueError("n and N must be positive")
    if np.any(r == 0) and len(lam) <= min(n, N):
        raise ValueError("ridgeless estimates need more eigenvalues than min(n, N)")
    inv_N = 0.0 if np.isinf(N) else 1.0 / N

    def excess(g):  # z + delta / kappa - n, +inf where the N-equation has no positive kappa
        z = (lam[:, None] / (lam[:, None] + g[None, :])).sum(0)
        slack = 1.0 - z * inv_N
        with np.errstate(divide="ignore", invalid="ignore"):
            out = z + np.where(r > 0, r / (g * slack), 0.0) - n
        return np.where(slack > 0, out, np.inf)

    lo = np.full(r.shape, np.log(lam.min() * 1e-30))
    hi = np.full(r.shape, np.log(10.0 * (lam.sum() + r.max()) / min(n, N) + lam.max()))
    for _ in range(_ITERS):
        mid = 0.5 * (lo + hi)
        above = excess(np.exp(mid)) > 0
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    gamma = np.exp(0.5 * (lo + hi))
    z = (lam[:, None] / (lam[:, None] + gamma[None, :])).sum(0)
    kappa = gamma * np.maximum(1.0 - z * inv_N, 0.0)
    return kappa, gamma


def rf_risk(eigvals, coef, n, N=np.inf, ridge=0.0, noise_var=0.0) -> RiskEstimate:
    """The RF eigenframework's test and train MSE (module docstring); ``N = inf`` is KRR.

    ``coef`` holds the target's eigencoefficients ``v_i`` (shape ``(M,)``, or ``(M, C)`` for
    ``C`` outputs, whose MSEs are summed); ``noise_var`` is the total label-noise variance.
    """
    lam, v2 = _as_task(eigvals, coef)
    r = _ridges(ridge)
    kappa, gamma = effective_ridges(lam, n, N, r)
    L = lam[:, None] / (lam[:, None] + gamma[None, :])
    z, q = L.sum(0), (L ** 2).sum(0)
    inv_N = 0.0 if np.isinf(N) else 1.0 / N
    x = (q * (1.0 - 2.0 * z * inv_N) + z ** 2 * inv_N) / (n * (1.0 - q * inv_N))
    bias_weight = (1.0 - L) - (kappa / (1.0 - q * inv_N))[None, :] * L / (lam[:, None] + gamma[None, :])
    denom = 1.0 - x  # 0 at the interpolation threshold n = N with ridge 0: infinite risk
    with np.errstate(divide="ignore"):
        test = np.where(denom > 1e-12, (bias_weight.T @ v2 + noise_var) / np.maximum(denom, 1e-300), np.inf)
    ratio = ((n - z) / n) ** 2  # (delta / (n kappa))^2, written without 0/0 at delta = 0
    finite = np.isfinite(test)
    train = np.where(ratio > 1e-20, np.inf, 0.0)
    train[finite] = ratio[finite] * test[finite]
    return RiskEstimate(r, test, train, kappa, gamma)


def krr_risk(eigvals, coef, n, ridge=0.0, noise_var=0.0) -> RiskEstimate:
    """KRR omniscient risk estimate (eigenlearning): :func:`rf_risk` with ``N = inf``."""
    return rf_risk(eigvals, coef, n, np.inf, ridge, noise_var)


def krr_risk_from_kappa(eigvals, coef, n, kappa, noise_var=0.0) -> RiskEstimate:
    """KRR estimate parameterised by the effective ridge instead of the ridge.

    ``delta = kappa (n - sum_i L_i)`` is explicit, so no equation is solved; ``kappa`` below
    ``kappa_0`` (where ``sum_i L_i = n``) would need a negative ridge and is rejected.
    """
    lam, v2 = _as_task(eigvals, coef)
    k = np.atleast_1d(np.asarray(kappa, dtype=np.float64))
    L = lam[:, None] / (lam[:, None] + k[None, :])
    z, q = L.sum(0), (L ** 2).sum(0)
    ridge = k * (n - z)
    if np.any(ridge < -1e-12 * k * n):
        raise ValueError("kappa below kappa_0 needs a negative ridge")
    test = n / (n - q) * (((1.0 - L) ** 2).T @ v2 + noise_var)
    train = ((n - z) / n) ** 2 * test
    return RiskEstimate(np.maximum(ridge, 0.0), test, train, k, k)


def null_risk(coef, noise_var=0.0) -> float:
    """Test MSE of the zero predictor, the ``ridge -> inf`` limit: ``sum_i v_i^2 + sigma^2``."""
    return float((np.asarray(coef, dtype=np.float64) ** 2).sum() + noise_var)


def powerlaw_optimal_fitting_ratio(alpha: float, beta: float, sigma_rel2: float) -> float:
    """Large-``n`` optimal fitting ratio ``E_train / E_test`` of KRR on a power-law task.

    Our evaluation of the setting of the paper's Sec. 5: ``lambda_i = i^-alpha``,
    ``v_i^2 = i^-beta`` (``alpha > 1``, ``1 < beta < 2 alpha + 1``) and noise
    ``sigma^2 = sigma_rel2 * E_test(delta=0, sigma=0)``. Replacing sums by integrals, with
    ``s = (kappa_0 / kappa)^(1/alpha)`` in ``(0, 1]`` (``s = 1`` is the ridgeless interpolator):
    ``sum L_i^2 / n = (1 - 1/alpha) s``, ``E_train / E_test = (1 - s)^2`` and
    ``E_test ∝ (s^(1-beta) + alpha sigma_rel2) / (1 - (1 - 1/alpha) s)``. Setting the derivative
    to zero gives ``(alpha-1) (beta s + alpha sigma_rel2 s^beta) = alpha (beta-1)``; when the
    left side at ``s = 1`` is already larger, zero ridge is optimal and the ratio is 0. That
    happens exactly when ``sigma_rel2 <= (beta - alpha) / (alpha (alpha - 1))``
    (:func:`powerlaw_interpolation_optimal`).
    """
    if not (alpha > 1 and 1 < beta < 2 * alpha + 1 and sigma_rel2 >= 0):
        raise ValueError("need alpha > 1, 1 < beta < 2 alpha + 1 and sigma_rel2 >= 0")
    g = lambda s: (alpha - 1) * (beta * s + alpha * sigma_rel2 * s ** beta) - alpha * (beta - 1)
    if g(1.0) <= 0:
        return 0.0
    lo, hi = 0.0, 1.0  # g(0) < 0 < g(1), g increasing
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if g(mid) < 0 else (lo, mid)
    return float((1.0 - 0.5 * (lo + hi)) ** 2)


def powerlaw_interpolation_optimal(alpha: float, beta: float, sigma_rel2: float) -> bool:
    """True when zero ridge is optimal at large ``n`` (our form of the paper's Corollary 1)."""
    return sigma_rel2 * alpha * (alpha - 1) <= beta - alpha
