"""Gaussian kernel density estimation when log(n) is proportional to d.

Large-d theory and simulation for Biroli & Mézard, "Kernel Density Estimators in Large
Dimensions" (arXiv:2408.05807). Data y_i ~ N(0, I_d), i = 1..n = exp(alpha d), query
x ~ N(0, I_d), Gaussian kernel of bandwidth h:

    rho_h(x) = (1/n) sum_i N(x; y_i, h^2 I) = (2 pi h^2)^(-d/2) (1/n) sum_i exp(-d u_i / (2 h^2)),

with u_i = |x - y_i|^2 / d. Given x (|x|^2 = d at large d), d u_i is a non-central chi-square;
its per-dimension log-moment generating function is
``phi(t) = -log(1 - 2t)/2 + t/(1 - 2t)`` and its large-deviation rate is the Legendre transform
``I(u) = sup_t [t u - phi(t)]``. The sum over i is a random energy model (REM) at inverse
temperature beta = 1/(2 h^2) with exp(d (alpha - I(u))) "levels" at energy d u (the paper's
Sec. 3-4). All closed forms below are our own derivation in that framework, parametrised by
``s = 1 - 2t`` so that ``u = 1/s + 1/s^2`` and ``I = log(s)/2 + (1 - s)/(2 s^2)``:

* the sum condenses on the nearest data points (extreme-value regime) when the saddle point of
  beta falls below the nearest-neighbour distance u_min(alpha), i.e. for h < h_G(alpha) with
  ``1/h_G^2 = s_G - 1`` and ``I(s_G) = alpha`` (s_G > 1);
* the second moment sum_i w_i^2 (inverse temperature 2 beta) condenses for h < h_CLT: the
  Gaussian CLT for rho_h(x) breaks down there and ``h_CLT = sqrt(2) h_G``;
* the KL divergence KL(rho || rho_h) per dimension is minimal at ``h_KL = sqrt(u_min) < h_G``.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import logsumexp

LOG_2PI = float(np.log(2 * np.pi))


# ---------------------------------------------------------------- large-deviation theory

def phi(t):
    """Per-dimension log-MGF of |x - y|^2 for y ~ N(0, I), |x|^2 = d (valid for t < 1/2)."""
    t = np.asarray(t, dtype=float)
    return -0.5 * np.log1p(-2 * t) + t / (1 - 2 * t)


def rate_of_s(s):
    """Rate function I(u(s)) at ``u = 1/s + 1/s^2`` (s = 1 - 2t > 0; s = 1 is the typical u = 2)."""
    s = np.asarray(s, dtype=float)
    return 0.5 * np.log(s) + (1 - s) / (2 * s ** 2)


def u_of_s(s):
    """Squared distance per dimension u = phi'(t) at s = 1 - 2t."""
    s = np.asarray(s, dtype=float)
    return 1 / s + 1 / s ** 2


def rate(u):
    """Large-deviation rate I(u) of |x - y|^2 / d, by inverting u(s) (u > 0)."""
    u = np.asarray(u, dtype=float)
    s = (1 + np.sqrt(1 + 4 * u)) / (2 * u)  # positive root of u s^2 - s - 1 = 0
    return rate_of_s(s)


def s_condensation(alpha: float) -> float:
    """The s > 1 with I(s) = alpha: nearest-neighbour level of n = exp(alpha d) points."""
    if alpha <= 0:
        raise ValueError("alpha must be positive")
    hi = 2.0
    while rate_of_s(hi) < alpha:
        hi *= 2
    return brentq(lambda s: rate_of_s(s) - alpha, 1.0, hi, xtol=1e-14)


def u_min(alpha: float) -> float:
    """Nearest-neighbour squared distance per dimension, u with I(u) = alpha, u < 2."""
    return float(u_of_s(s_condensation(alpha)))


def h_G(alpha: float) -> float:
    """Condensation (extreme-value) bandwidth: the first moment sum_i w_i condenses below it."""
    return float(1 / np.sqrt(s_condensation(alpha) - 1))


def h_CLT(alpha: float) -> float:
    """CLT-breakdown bandwidth: the second moment sum_i w_i^2 condenses below it (= sqrt(2) h_G)."""
    return float(np.sqrt(2) * h_G(alpha))


def h_KL(alpha: float) -> float:
    """Large-d minimiser of KL(rho || rho_h): h^2 = u_min(alpha), inside the condensed phase."""
    return float(np.sqrt(u_min(alpha)))


def log_partition(beta, alpha: float):
    """(1/d) log sum_i exp(-beta d u_i) at large d (REM free energy, quenched)."""
    beta = np.asarray(beta, dtype=float)
    beta_G = (s_condensation(alpha) - 1) / 2
    annealed = alpha + phi(-beta)
    frozen = -beta * u_min(alpha)
    return np.where(beta < beta_G, annealed, frozen)


def log_kde(h, alpha: float):
    """(1/d) log rho_h(x) at large d for a typical query x ~ rho."""
    h = np.asarray(h, dtype=float)
    return -alpha - 0.5 * np.log(2 * np.pi * h ** 2) + log_partition(1 / (2 * h ** 2), alpha)


def kl_per_dim(h, alpha: float):
    """(1/d) KL(rho || rho_h) at large d: the Gaussian-smoothing KL above h_G, the
    nearest-neighbour form ``alpha - 1/2 + log h + u_min / (2 h^2)`` below."""
    return -0.5 * LOG_2PI - 0.5 - log_kde(h, alpha)


def ipr(h, alpha: float):
    """Mean inverse participation ratio sum_i p_i^2 of the kernel weights p_i = w_i / sum_j w_j:
    0 above h_G, ``1 - h^2 / h_G^2`` below (REM: 1 - beta_G / beta)."""
    h = np.asarray(h, dtype=float)
    return np.clip(1 - h ** 2 / h_G(alpha) ** 2, 0.0, None)


def log_n_ipr(h, alpha: float):
    """(1/d) log(n * IPR) = alpha + F(2 beta) - 2 F(beta), F the log-partition.

    Above h_CLT it equals the CLT value ``phi(-2 beta) - 2 phi(-beta)`` = (1/d) log of
    E[w^2] / E[w]^2; below h_CLT the sample misses the rare close points that would carry
    E[w^2], and the measured value falls below the CLT prediction; below h_G it is alpha.
    """
    beta = 1 / (2 * np.asarray(h, dtype=float) ** 2)
    return alpha + log_partition(2 * beta, alpha) - 2 * log_partition(beta, alpha)


def log_n_ipr_clt(h):
    """The CLT (annealed) prediction of (1/d) log(n * IPR), valid for h > h_CLT."""
    beta = 1 / (2 * np.asarray(h, dtype=float) ** 2)
    return phi(-2 * beta) - 2 * phi(-beta)


# ---------------------------------------------------------------- simulation

def kde_sweep(x, y, hs, chunk: int = 8192):
    """Gaussian KDE of data ``y`` (n, d) at queries ``x`` (m, d) for every bandwidth in ``hs``.

    Returns ``(log_rho, ipr)``, each (m, len(hs)): the log-density (log-sum-exp over the data,
    stable for any h) and the inverse participation ratio of the kernel weights.
    Data are processed in chunks of ``chunk`` points and combined in log space.
    """
    x, y, hs = np.asarray(x, float), np.asarray(y, float), np.asarray(hs, float)
    m, d = x.shape
    n = len(y)
    beta = 1 / (2 * hs ** 2)                                   # (H,)
    lse1 = np.full((m, len(hs)), -np.inf)
    lse2 = np.full((m, len(hs)), -np.inf)
    xx = (x ** 2).sum(1)
    for start in range(0, n, chunk):
        yc = y[start:start + chunk]
        sq = np.maximum(xx[:, None] + (yc ** 2).sum(1)[None, :] - 2 * x @ yc.T, 0.0)  # (m, c)
        e = -sq[:, :, None] * beta[None, None, :]              # (m, c, H)
        lse1 = np.logaddexp(lse1, logsumexp(e, axis=1))
        lse2 = np.logaddexp(lse2, logsumexp(2 * e, axis=1))
    log_rho = lse1 - np.log(n) - 0.5 * d * np.log(2 * np.pi * hs ** 2)[None, :]
    return log_rho, np.exp(lse2 - 2 * lse1)


def log_gaussian(x):
    """log N(x; 0, I) for rows of x."""
    x = np.asarray(x, float)
    return -0.5 * (x ** 2).sum(1) - 0.5 * x.shape[1] * LOG_2PI


def crossing(x, y, level: float) -> float:
    """First x (log-interpolated, scanning from large x down) where the curve y rises to ``level``.

    ``x`` increasing; returns nan when y never reaches the level.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    for k in range(len(x) - 1, 0, -1):
        if y[k] < level <= y[k - 1]:
            f = (level - y[k]) / (y[k - 1] - y[k])
            return float(np.exp(np.log(x[k]) + f * (np.log(x[k - 1]) - np.log(x[k]))))
    return float("nan")
