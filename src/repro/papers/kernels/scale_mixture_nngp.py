"""Scale mixtures of NNGPs and the Student-t process (Lee et al. 2022, ICLR).

Put a prior ``sigma^2 ~ InvGamma(a, b)`` on the variance of the last-layer weights of a wide
network whose NNGP (unit last-layer variance) is ``K``. Conditional on ``sigma^2`` the output is
``GP(0, sigma^2 K)``; integrating ``sigma^2`` out gives a Student-t process with ``2a`` degrees of
freedom and scale matrix ``(b / a) K`` (paper, Thm. 3.1 and Cor. 3.2). With Gaussian noise whose
variance is also scaled by ``sigma^2`` (``y = f + e``, ``e ~ N(0, sigma^2 r)``) the posterior is
conjugate (paper, Sec. 3.3):
  sigma^2 | y ~ InvGamma(a + n/2, b + y^T (K + r I)^{-1} y / 2),
  y* | y ~ t_{2a+n}(k*^T (K + rI)^{-1} y, (b + beta/2)/(a + n/2) * (k** + r - k*^T (K+rI)^{-1} k*)).
"""
from __future__ import annotations

import numpy as np
from scipy import optimize, stats
from scipy.linalg import cho_solve, solve_triangular
from scipy.special import gammaln

from repro.gp.nn_kernels import nngp_ntk
from repro.gp.regression import _chol


def unit_nngp(X1, X2, depth: int, sw2: float = 2.0, sb2: float = 0.0):
    """ReLU NNGP of an MLP whose readout weights have unit variance and no readout bias, i.e.
    ``E[phi(h(x)) phi(h(x'))]`` of the last hidden layer; ``sw2`` and ``sb2`` are the weight and
    bias variances of the hidden layers. :func:`repro.gp.nn_kernels.nngp_ntk` returns the output
    kernel ``sw2 E[phi phi] + sb2``, so the readout's bias is removed and its weight variance divided out."""
    k, _ = nngp_ntk(X1, X2, depth, "relu", sw2=sw2, sb2=sb2)
    return (k - sb2) / sw2


def sample_mlp_outputs(x: np.ndarray, width: int, n_samples: int, a: float, b: float,
                       rng: np.random.Generator, sw2: float = 2.0) -> np.ndarray:
    """Outputs at input ``x`` (shape ``(d,)``) of ``n_samples`` random one-hidden-layer ReLU MLPs
    of the given width: ``W1 ~ N(0, sw2/d)``, readout ``w ~ N(0, sigma^2/width)`` with
    ``sigma^2 ~ InvGamma(a, b)`` drawn per network (paper, Sec. 3.1 initialisation)."""
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[0]
    out = np.empty(n_samples)
    chunk = 500
    for s in range(0, n_samples, chunk):
        m = min(chunk, n_samples - s)
        h = rng.standard_normal((m, width, d)) @ x * np.sqrt(sw2 / d)
        phi = np.maximum(h, 0.0)
        sigma2 = stats.invgamma.rvs(a, scale=b, size=m, random_state=rng)
        w = rng.standard_normal((m, width)) * np.sqrt(sigma2[:, None] / width)
        out[s:s + m] = (w * phi).sum(1)
    return out


def student_t_logpdf(y, loc, scale2, dof):
    """Elementwise log density of a univariate Student-t with squared scale ``scale2``."""
    z2 = (np.asarray(y) - loc) ** 2 / scale2
    return (gammaln((dof + 1) / 2) - gammaln(dof / 2) - 0.5 * np.log(dof * np.pi * scale2)
            - (dof + 1) / 2 * np.log1p(z2 / dof))


def tp_log_marginal(K, y, a, b, r):
    """log p(y) under the Student-t process: y ~ MVT_{2a}(0, (b/a)(K + r I))."""
    n = len(y)
    L = _chol(K + r * np.eye(n))
    beta = float(y @ cho_solve((L, True), y))
    return float(gammaln(a + n / 2) - gammaln(a) - n / 2 * np.log(2 * np.pi * b)
                 - np.log(np.diag(L)).sum() - (a + n / 2) * np.log1p(beta / (2 * b)))


def gp_log_marginal(K, y, s2, r):
    """log p(y) under the NNGP with readout variance ``s2``: y ~ N(0, s2 (K + r I))."""
    n = len(y)
    L = _chol(s2 * (K + r * np.eye(n)))
    alpha = cho_solve((L, True), y)
    return float(-0.5 * y @ alpha - np.log(np.diag(L)).sum() - 0.5 * n * np.log(2 * np.pi))


def predictive(K, y, Ks, kss, r):
    """Shared pieces: mean ``k*^T (K+rI)^{-1} y``, unscaled variance ``k** + r - ...``, beta."""
    n = len(y)
    L = _chol(K + r * np.eye(n))
    alpha = cho_solve((L, True), y)
    V = solve_triangular(L, Ks, lower=True)
    return Ks.T @ alpha, kss + r - (V ** 2).sum(0), float(y @ alpha)


def tp_predict(K, y, Ks, kss, a, b, r):
    """Student-t process predictive of noisy y*: (mean, squared scale, dof)."""
    n = len(y)
    mean, v, beta = predictive(K, y, Ks, kss, r)
    return mean, (b + beta / 2) / (a + n / 2) * v, 2 * a + n


def gp_predict(K, y, Ks, kss, s2, r):
    """NNGP predictive of noisy y*: (mean, variance)."""
    mean, v, _ = predictive(K, y, Ks, kss, r)
    return mean, s2 * v


def fit_gp(K, y, r_grid=np.logspace(-3, 1, 41)):
    """Type-II ML for the NNGP: readout variance in closed form (s2 = beta/n) per noise ratio."""
    best = None
    for r in r_grid:
        _, _, beta = predictive(K, y, K[:, :1], np.zeros(1), r)
        s2 = beta / len(y)
        ll = gp_log_marginal(K, y, s2, r)
        if best is None or ll > best[0]:
            best = (ll, s2, r)
    return dict(s2=best[1], r=best[2], lml=best[0])


def fit_tp(K, y, r_init: float = 0.1):
    """Type-II ML for the Student-t process over (a, b, r) (log-parametrised, a in [1.01, 1e3])."""
    def nll(p):
        a = 1.01 + np.exp(p[0])
        return -tp_log_marginal(K, y, a, np.exp(p[1]), np.exp(p[2]))
    res = optimize.minimize(nll, x0=[0.0, 0.0, np.log(r_init)], method="L-BFGS-B",
                            bounds=[(-5, 7), (-10, 10), (-9, 3)])
    return dict(a=1.01 + np.exp(res.x[0]), b=float(np.exp(res.x[1])), r=float(np.exp(res.x[2])),
                lml=-float(res.fun))
