"""Gradient-descent dynamics of a linear student learning a noisy linear teacher.

Setting of Advani, Saxe & Sompolinsky (2020, Sec. 2-3): inputs ``x ~ N(0, I/N)`` in ``N``
dimensions, ``P = alpha N`` training pairs ``y = w_bar . x + eps`` with teacher entries of
variance ``sigma_w2`` and label noise of variance ``sigma_eps2``; a student ``w`` starting from
entries of variance ``sigma_02`` follows the gradient flow of ``L = 1/2 sum_mu (y_mu - w . x_mu)^2``,
``dw/dt = X (y - X^T w)`` (time in units of the paper's ``tau``).

In the eigenbasis of ``C = X X^T`` each mode of the error ``w - w_bar`` relaxes on its own: a mode
with eigenvalue ``lam`` forgets its initial error as ``exp(-lam t)`` and absorbs the noise as
``(1 - exp(-lam t)) / sqrt(lam)``; zero modes (``P < N``) never move. Averaging over the
Marchenko-Pastur law (:mod:`repro.stats.marchenko_pastur`) gives the paper's learning curves

    E_g(t) = int rho(lam) [ (sigma_02 + sigma_w2) e^{-2 lam t} + sigma_eps2 (1 - e^{-lam t})^2 / lam ] + sigma_eps2,
    E_t(t) = (1/alpha) int_bulk rho(lam) [ lam (sigma_02 + sigma_w2) + sigma_eps2 ] e^{-2 lam t} + (1 - 1/alpha)_+ sigma_eps2,

where ``E_g`` is the test mean squared error and ``E_t`` the per-sample training error.
:class:`GradientFlow` is the exact flow on one sampled data set (the simulation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repro.stats import marchenko_pastur as mp


def _times(t) -> np.ndarray:
    t = np.atleast_1d(np.asarray(t, dtype=float))
    if np.any(t < 0):
        raise ValueError("times must be >= 0")
    return t


def asymptotic_gen_error(alpha: float, sigma_w2: float = 1.0, sigma_eps2: float = 0.0,
                         sigma_02: float = 0.0) -> float:
    """``E_g(t -> inf)``: frozen-subspace error plus noise amplified by ``int rho / lam``.

    ``int_bulk rho / lam`` equals ``alpha / (1 - alpha)`` for ``alpha < 1`` and ``1 / (alpha - 1)``
    for ``alpha > 1``; it diverges at ``alpha = 1`` (``inf`` is returned when there is noise).
    """
    if alpha == 1.0:
        inv = np.inf
    else:
        inv = alpha / (1 - alpha) if alpha < 1 else 1 / (alpha - 1)
    noise = sigma_eps2 * inv if sigma_eps2 > 0 else 0.0
    return float(mp.zero_mass(alpha) * (sigma_02 + sigma_w2) + noise + sigma_eps2)


def gen_error(t, alpha: float, sigma_w2: float = 1.0, sigma_eps2: float = 0.0,
              sigma_02: float = 0.0, n_quad: int = 400) -> np.ndarray:
    """Theory ``E_g(t)`` (test MSE, noise floor included) at times ``t`` (``np.inf`` allowed)."""
    t = _times(t)
    out = np.empty_like(t)
    fin = np.isfinite(t)
    if fin.any():
        tf = t[fin]

        def f(lam):
            lam = lam[:, None]
            decay = np.exp(-lam * tf)
            with np.errstate(divide="ignore", invalid="ignore"):
                noise = np.where(lam > 0, (1 - decay) ** 2 / np.where(lam > 0, lam, 1), 0.0)
            return (sigma_02 + sigma_w2) * decay**2 + sigma_eps2 * noise

        out[fin] = mp.expect(f, alpha, n_quad) + sigma_eps2
    out[~fin] = asymptotic_gen_error(alpha, sigma_w2, sigma_eps2, sigma_02)
    return out


def train_error(t, alpha: float, sigma_w2: float = 1.0, sigma_eps2: float = 0.0,
                sigma_02: float = 0.0, n_quad: int = 400) -> np.ndarray:
    """Theory of the per-sample training error ``(1/P) |y - X^T w(t)|^2`` at times ``t``."""
    t = _times(t)
    lam, w = mp.bulk_nodes(alpha, n_quad)
    decay2 = np.exp(-2 * lam[:, None] * t)
    bulk = (w * (lam * (sigma_02 + sigma_w2) + sigma_eps2)) @ decay2
    return bulk / alpha + max(0.0, 1 - 1 / alpha) * sigma_eps2


def overtraining(alpha: float, sigma_w2: float = 1.0, sigma_eps2: float = 0.0,
                 sigma_02: float = 0.0, t_grid=None) -> tuple[float, float, float]:
    """``(E_g(inf) - min_t E_g(t), min_t E_g(t), argmin t)`` with the minimum over ``t_grid``."""
    t_grid = np.logspace(-2, 4, 241) if t_grid is None else np.asarray(t_grid, float)
    curve = gen_error(t_grid, alpha, sigma_w2, sigma_eps2, sigma_02)
    i = int(np.argmin(curve))
    best = min(curve[i], asymptotic_gen_error(alpha, sigma_w2, sigma_eps2, sigma_02))
    return asymptotic_gen_error(alpha, sigma_w2, sigma_eps2, sigma_02) - best, best, float(t_grid[i])


def sample_task(n_inputs: int, n_samples: int, rng: np.random.Generator, sigma_w2: float = 1.0,
                sigma_eps2: float = 0.0, sigma_02: float = 0.0) -> dict:
    """One draw of the teacher-student problem: ``X`` (N x P), ``y``, ``w_bar``, ``w0``."""
    X = mp.sample_inputs(n_inputs, n_samples, rng)
    w_bar = np.sqrt(sigma_w2) * rng.standard_normal(n_inputs)
    y = X.T @ w_bar + np.sqrt(sigma_eps2) * rng.standard_normal(n_samples)
    w0 = np.sqrt(sigma_02) * rng.standard_normal(n_inputs)
    return dict(X=X, y=y, w_bar=w_bar, w0=w0, sigma_eps2=sigma_eps2)


@dataclass
class GradientFlow:
    """Exact gradient flow ``dw/dt = X (y - X^T w)`` on one data set, through the SVD of ``X``.

    With ``X = U S V^T`` the coordinates ``a = U^T w`` relax as
    ``a(t) = a* + (a0 - a*) exp(-S^2 t)`` with ``a* = V^T y / S``; the part of ``w`` orthogonal to
    the span of the inputs is frozen at its initial value.
    """

    X: np.ndarray
    y: np.ndarray
    w_bar: np.ndarray
    w0: np.ndarray
    sigma_eps2: float = 0.0
    svd: tuple | None = None  # (U, s, Vt) of X, to reuse one decomposition for several targets

    def __post_init__(self):
        U, s, Vt = self.svd if self.svd is not None else np.linalg.svd(self.X, full_matrices=False)
        keep = s > s.max() * max(self.X.shape) * np.finfo(float).eps
        self.U, self.s, self.Vt = U[:, keep], s[keep], Vt[keep]
        self.N, self.P = self.X.shape
        vy = self.Vt @ self.y
        self.a_star = vy / self.s
        self.a0 = self.U.T @ self.w0
        self.b = self.U.T @ self.w_bar
        e0 = self.w0 - self.w_bar
        self.frozen2 = max(0.0, float(e0 @ e0 - (self.U.T @ e0) @ (self.U.T @ e0)))
        self.resid_out2 = max(0.0, float(self.y @ self.y - vy @ vy))

    @property
    def eigenvalues(self) -> np.ndarray:
        """Non-zero eigenvalues ``s^2`` of ``C = X X^T``."""
        return self.s**2

    def weights(self, t: float) -> np.ndarray:
        """Student weights ``w(t)``."""
        a = self.a_star + (self.a0 - self.a_star) * np.exp(-self.s**2 * t)
        return self.w0 - self.U @ self.a0 + self.U @ a

    def gen_error(self, t) -> np.ndarray:
        """Test MSE ``|w(t) - w_bar|^2 / N + sigma_eps2`` (exact average over fresh inputs)."""
        t = _times(t)
        decay = np.exp(-np.outer(t, self.s**2))
        diff = (self.a_star - self.b) + (self.a0 - self.a_star) * decay
        return (self.frozen2 + (diff**2).sum(1)) / self.N + self.sigma_eps2

    def train_error(self, t) -> np.ndarray:
        """Per-sample training error ``|y - X^T w(t)|^2 / P``."""
        t = _times(t)
        decay2 = np.exp(-2 * np.outer(t, self.s**2))
        return (self.resid_out2 + decay2 @ (self.s**2 * (self.a0 - self.a_star) ** 2)) / self.P


def gradient_descent(X: np.ndarray, y: np.ndarray, w0: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """Literal full-batch gradient descent ``w <- w + lr X (y - X^T w)``; returns ``w`` after ``steps``.

    For small ``lr`` step ``k`` approximates the flow at time ``t = lr k``.
    """
    C, Xy = X @ X.T, X @ y
    w = np.array(w0, dtype=float)
    for _ in range(steps):
        w += lr * (Xy - C @ w)
    return w


def overtraining_at(flow: GradientFlow, t_stop: float) -> float:
    """``E_g(inf) - E_g(t_stop)`` of one data set: the cost of training to convergence instead of stopping at ``t_stop``.

    With ``t_stop`` the theory's optimal stopping time this is a linear statistic of the sampled
    curve, so its mean over data sets estimates the theory's overtraining without bias; the
    per-data-set ``E_g(inf) - min_t E_g(t)`` is biased upwards (the mean of minima lies below the
    minimum of the mean), most visibly where overtraining is small.
    """
    e = flow.gen_error(np.array([t_stop, np.inf]))
    return float(e[1] - e[0])
