"""Fitting scaling laws in two variables and scoring them on held-out points.

* :func:`fit_product_law`: ``L(N_e, N_d) = beta N_e^-p_e N_d^-p_d + L_inf``, the bivariate law of
  Ghorbani et al. (ICLR 2022, Eq. 1 up to the choice of reference sizes, which only rescales beta).
* :func:`fit_sum_law`: ``L(N, S) = (N_c/N)^alpha_N + (S_c/S)^alpha_S + L_inf``, the model-size /
  training-steps law of Kaplan et al. (2020, Eq. 1.6 in ``S_min``) as used by Su et al. (2024).

Both are non-linear least squares on the loss itself (scipy ``least_squares``, positive
exponents and ``L_inf >= 0``), started from a few initial exponents so that a bad local minimum
is unlikely. :func:`r_squared` scores predictions on points that were not fitted.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares


@dataclass(frozen=True)
class ProductLaw:
    """``beta * Ne**-p_e * Nd**-p_d + L_inf``."""

    beta: float
    p_e: float
    p_d: float
    L_inf: float

    def __call__(self, Ne, Nd):
        return self.beta * np.asarray(Ne, float) ** -self.p_e * np.asarray(Nd, float) ** -self.p_d + self.L_inf


@dataclass(frozen=True)
class SumLaw:
    """``(N_c/N)**alpha_N + (S_c/S)**alpha_S + L_inf``."""

    N_c: float
    alpha_N: float
    S_c: float
    alpha_S: float
    L_inf: float

    def __call__(self, N, S):
        N, S = np.asarray(N, float), np.asarray(S, float)
        return (self.N_c / N) ** self.alpha_N + (self.S_c / S) ** self.alpha_S + self.L_inf


def _best_fit(residuals, starts, lower, upper):
    best = None
    for x0 in starts:
        sol = least_squares(residuals, x0, bounds=(lower, upper), method="trf", x_scale="jac",
                            max_nfev=5000)
        if best is None or sol.cost < best.cost:
            best = sol
    return best.x


def fit_product_law(Ne, Nd, L) -> ProductLaw:
    """Least-squares fit of :class:`ProductLaw` to losses ``L`` at sizes ``(Ne, Nd)``."""
    Ne, Nd, L = (np.asarray(v, float) for v in (Ne, Nd, L))
    le, ld = np.log(Ne / np.exp(np.log(Ne).mean())), np.log(Nd / np.exp(np.log(Nd).mean()))

    def res(th):  # th = (log beta at the geometric-mean sizes, p_e, p_d, L_inf)
        return np.exp(th[0] - th[1] * le - th[2] * ld) + th[3] - L

    starts = [(np.log(max(L.mean() - c * L.min(), 1e-3)), pe, pd, c * L.min())
              for pe in (0.2, 0.8) for pd in (0.2, 0.8) for c in (0.0, 0.7)]
    lb, pe, pd, c = _best_fit(res, starts, [-30, 0, 0, 0], [30, 5, 5, np.inf])
    gm_e, gm_d = np.exp(np.log(Ne).mean()), np.exp(np.log(Nd).mean())
    return ProductLaw(float(np.exp(lb) * gm_e ** pe * gm_d ** pd), float(pe), float(pd), float(c))


def fit_sum_law(N, S, L) -> SumLaw:
    """Least-squares fit of :class:`SumLaw` to losses ``L`` at model sizes ``N`` and steps ``S``."""
    N, S, L = (np.asarray(v, float) for v in (N, S, L))

    def res(th):  # th = (log N_c, alpha_N, log S_c, alpha_S, L_inf)
        return np.exp(th[1] * (th[0] - np.log(N))) + np.exp(th[3] * (th[2] - np.log(S))) + th[4] - L

    starts = [(np.log(N.min()), aN, np.log(S.min()), aS, c * L.min())
              for aN in (0.3, 1.0) for aS in (0.3, 1.0) for c in (0.0, 0.8)]
    lNc, aN, lSc, aS, c = _best_fit(res, starts, [-50, 1e-3, -50, 1e-3, 0], [50, 5, 50, 5, np.inf])
    return SumLaw(float(np.exp(lNc)), float(aN), float(np.exp(lSc)), float(aS), float(c))


def r_squared(y, y_pred) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` of predictions ``y_pred`` for ``y``."""
    y, y_pred = np.asarray(y, float), np.asarray(y_pred, float)
    return float(1 - ((y - y_pred) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def rmse(y, y_pred) -> float:
    """Root-mean-square error."""
    y, y_pred = np.asarray(y, float), np.asarray(y_pred, float)
    return float(np.sqrt(((y - y_pred) ** 2).mean()))
