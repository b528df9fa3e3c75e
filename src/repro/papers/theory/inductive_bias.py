"""Inductive bias as the information needed to pick a well-generalising hypothesis.

Boopathy, Yue, Hwang, Iyer & Fiete, "Towards Exact Computation of Inductive Bias" (IJCAI 2024).
Given a distribution over hypotheses that fit the training set, the inductive bias needed to
reach test loss ``eps`` is ``-log2 P(L(h) <= eps)`` bits (the paper's definition, Sec. 3). The
paper samples hypotheses, fits a scaled non-central chi-squared distribution to their test
losses (``scipy.stats.ncx2.fit(losses, floc=0)`` in the authors' ``utils.py``) and reads the
tail probability off the fit, far below what direct sampling can reach.

Their kernel hypothesis space is a Gaussian process with the kernel ``exp(-|x - x'|^2 / 2)``
conditioned to interpolate the training set. Its test-set predictions are Gaussian, so the test
MSE is exactly a weighted sum of non-central chi-squares (a generalised chi-square): the
module samples it cheaply in the eigenbasis of the posterior covariance and also evaluates its
lower tail by a saddlepoint approximation (Lugannani & Rice 1980), a reference that, unlike
Monte Carlo, reaches arbitrarily small probabilities.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

from repro.gp.kernels import rbf_kernel
from repro.gp.regression import GPRegression

LOG2 = np.log(2.0)


def sine_ridge_task(n: int, direction: np.ndarray, rng: np.random.Generator, frequency: float = 2.0):
    """``n`` inputs ``x ~ N(0, I_d)`` with targets ``sin(frequency u.x)`` for a unit vector ``u``.

    Every coordinate has the same spread in every dimension ``d = len(direction)``, so a
    larger ``d`` adds directions over which a hypothesis must generalise at a fixed resolution.
    """
    X = rng.standard_normal((n, len(direction)))
    return X, np.sin(frequency * X @ direction)


def interpolating_gp(X_train, y_train, X_test, lengthscale: float = 1.0, jitter: float = 1e-8):
    """Mean and covariance at ``X_test`` of an RBF GP conditioned on ``f(X_train) = y_train``.

    These are the test predictions of a random hypothesis of the paper's kernel hypothesis space
    (noise-free conditioning; ``jitter`` is a relative nugget for numerical stability only).
    """
    def kernel(A, B):
        return rbf_kernel(A, B, lengthscale)

    gp = GPRegression(kernel, X_train, y_train, noise=jitter)
    mean, cov = gp.predict(X_test, full_cov=True)
    return mean, (cov + cov.T) / 2


class GaussianMSE:
    """Law of ``L = mean((f - y)^2)`` for ``f ~ N(mean, cov)``: ``L = const + sum_i w_i (z_i + c_i)^2``.

    With ``cov = U diag(lam) U^T`` and ``r = U^T (mean - y)``: ``w_i = lam_i / n`` and
    ``c_i = r_i / sqrt(lam_i)``; directions with ``lam_i`` ~ 0 contribute the constant ``r_i^2 / n``.
    """

    def __init__(self, mean, cov, y, tol: float = 1e-10):
        lam, U = np.linalg.eigh(cov)
        n = len(y)
        r = U.T @ (np.asarray(mean) - np.asarray(y))
        keep = lam > tol * max(lam.max(), 1e-300)
        self.w = lam[keep] / n
        self.c = r[keep] / np.sqrt(lam[keep])
        self.const = float((r[~keep] ** 2).sum() / n)

    @property
    def mean(self) -> float:
        return float((self.w * (1 + self.c ** 2)).sum() + self.const)

    @property
    def var(self) -> float:
        return float((2 * self.w ** 2 * (1 + 2 * self.c ** 2)).sum())

    def sample(self, n: int, rng: np.random.Generator, chunk: int = 20000) -> np.ndarray:
        """``n`` independent test losses of random hypotheses."""
        out = np.empty(n)
        for s in range(0, n, chunk):
            m = min(chunk, n - s)
            z = rng.standard_normal((m, len(self.w)))
            out[s:s + m] = ((z + self.c) ** 2) @ self.w + self.const
        return out

    def _cgf(self, t):
        """Cumulant generating function K(t) of ``L`` and its first two derivatives (t < 1/(2 max w))."""
        a = 1 - 2 * self.w * t
        nc = self.w * self.c ** 2
        k0 = (-0.5 * np.log(a) + nc * t / a).sum() + self.const * t
        k1 = (self.w / a + nc / a ** 2).sum() + self.const
        k2 = (2 * self.w ** 2 / a ** 2 + 4 * self.w * nc / a ** 3).sum()
        return k0, k1, k2

    def saddlepoint_log_cdf(self, eps: float) -> float:
        """``log P(L <= eps)`` by the Lugannani-Rice saddlepoint formula, for ``eps`` below the mean.

        Solves ``K'(t) = eps - const`` for ``t < 0``; with ``w = -sqrt(2 (t x - K(t)))`` and
        ``u = t sqrt(K''(t))``, ``P ~ Phi(w) + phi(w) (1/w - 1/u)``, evaluated in log space.
        """
        x = float(eps)
        if x <= self.const:
            return -np.inf
        if x >= self.mean:
            raise ValueError("the saddlepoint lower tail needs eps below the mean loss")

        def g(t):
            return self._cgf(t)[1] - x

        lo = -1.0
        while g(lo) > 0:
            lo *= 4.0
        t = optimize.brentq(g, lo, 0.0, xtol=1e-300, rtol=1e-14, maxiter=500)
        k0, _, k2 = self._cgf(t)
        w = -np.sqrt(max(2 * (t * x - k0), 0.0))
        u = t * np.sqrt(k2)
        # Phi(w) [1 + (phi(w)/Phi(w)) (1/w - 1/u)]; the bracket is positive and O(1/w^2) from 1.
        ratio = np.exp(stats.norm.logpdf(w) - special.log_ndtr(w))
        return float(special.log_ndtr(w) + np.log(1 + ratio * (1 / w - 1 / u)))


def fit_ncx2(losses) -> tuple:
    """Maximum-likelihood scaled non-central chi-squared ``(df, nc, scale)``, location fixed at 0.

    The family and the call are the authors' (``ncx2.fit(losses, floc=0)``, scipy's default
    optimiser).
    The losses are divided by their mean before fitting and the scale multiplied back: the
    maximum-likelihood fit is scale-equivariant, so this changes only the optimiser's starting
    point, which scipy places at ``scale = 1`` and from which it fails on tiny losses.
    """
    losses = np.asarray(losses, dtype=float)
    unit = float(losses.mean())
    df, nc, _, scale = stats.ncx2.fit(losses / unit, floc=0)
    return float(df), float(nc), float(scale * unit)


def ncx2_bits(eps, params) -> np.ndarray:
    """Inductive bias ``-log2 P(L <= eps)`` under a fitted ``(df, nc, scale)``."""
    df, nc, scale = params
    return -stats.ncx2.logcdf(np.asarray(eps, dtype=float), df, nc, loc=0, scale=scale) / LOG2


def monte_carlo_bits(losses, eps) -> np.ndarray:
    """Direct estimate ``-log2(fraction of sampled losses <= eps)`` (``inf`` where none is)."""
    losses = np.sort(np.asarray(losses))
    frac = np.searchsorted(losses, np.atleast_1d(np.asarray(eps, dtype=float)), side="right") / len(losses)
    with np.errstate(divide="ignore"):
        return -np.log2(frac)
