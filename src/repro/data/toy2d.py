"""Toy 2-D (or d-dimensional) data with exact references for diffusion chapters.

The centre piece is :class:`GaussianMixture`: a mixture of full-covariance Gaussians whose
density, score and samples are exact, *and* whose noised marginals under a linear-Gaussian
forward process ``x_t = m(t) x_0 + s(t) z`` (the VE and VP SDEs of Song et al., 2021, eq. 29-30)
are again Gaussian mixtures,

    p_t = sum_k w_k N(m mu_k, m^2 Sigma_k + s^2 I),

so the true score grad_x log p_t(x), which a score network tries to learn, is available in
closed form at every noise level. The plain samplers at the bottom (checkerboard, two moons,
swiss roll) are the usual 2-D benchmarks without a closed-form noised density.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch


def _as_tensor(v, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(v, dtype=like.dtype, device=like.device)


@dataclass
class GaussianMixture:
    """Mixture ``sum_k weights[k] N(means[k], covs[k])`` in float64.

    Every method accepts an optional forward-process scaling ``mean_coef`` m and noise ``std`` s
    (scalars or tensors of shape ``(n,)``, one per row of ``x``) and then refers to the noised
    marginal ``p_t`` above; the defaults m=1, s=0 give the data distribution itself.
    """

    weights: torch.Tensor  # (K,)
    means: torch.Tensor    # (K, d)
    covs: torch.Tensor     # (K, d, d)

    def __post_init__(self):
        self.weights = torch.as_tensor(self.weights, dtype=torch.float64)
        self.means = torch.as_tensor(self.means, dtype=torch.float64)
        self.covs = torch.as_tensor(self.covs, dtype=torch.float64)
        if not torch.allclose(self.weights.sum(), torch.tensor(1.0, dtype=torch.float64)):
            raise ValueError("mixture weights must sum to 1")
        K, d = self.means.shape
        if self.weights.shape != (K,) or self.covs.shape != (K, d, d):
            raise ValueError("shapes must be weights (K,), means (K, d), covs (K, d, d)")

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def _components(self, x, mean_coef, std):
        """Means (.., K, d) and covariances (.., K, d, d) of the noised components."""
        m = _as_tensor(mean_coef, x)
        s = _as_tensor(std, x)
        eye = torch.eye(self.dim, dtype=x.dtype, device=x.device)
        mu = self.means.to(x)
        cov = self.covs.to(x)
        if m.dim() == 1 and bool((m == m[0]).all()) and bool((s == s[0]).all()):
            m, s = m[0], s[0]  # one shared time (the samplers' case): K covariances, not n * K
        if m.dim() == 0 and s.dim() == 0:
            return m * mu, m ** 2 * cov + s ** 2 * eye
        m = m.expand(x.shape[0]) if m.dim() == 0 else m
        s = s.expand(x.shape[0]) if s.dim() == 0 else s
        mus = m[:, None, None] * mu
        covs = m[:, None, None, None] ** 2 * cov + s[:, None, None, None] ** 2 * eye
        return mus, covs

    def _log_terms(self, x, mean_coef, std):
        """log(w_k N(x; mu_k, C_k)) of shape (n, K) and the whitened residuals C_k^{-1}(x - mu_k)."""
        mus, covs = self._components(x, mean_coef, std)
        diff = x[:, None, :] - mus                                   # (n, K, d)
        prec = torch.linalg.inv(covs)                                # (K, d, d) or (n, K, d, d)
        if prec.dim() == 3:
            sol = torch.einsum("kij,nkj->nki", prec, diff)
        else:
            sol = torch.einsum("nkij,nkj->nki", prec, diff)
        maha = (diff * sol).sum(-1)
        log_norm = -0.5 * (self.dim * math.log(2 * math.pi) + torch.logdet(covs))
        return torch.log(self.weights.to(x)) + log_norm - 0.5 * maha, sol

    def log_prob(self, x: torch.Tensor, mean_coef=1.0, std=0.0) -> torch.Tensor:
        """log p_t(x) for rows of ``x`` (shape (n, d)); returns shape (n,)."""
        terms, _ = self._log_terms(x, mean_coef, std)
        return torch.logsumexp(terms, dim=1)

    def score(self, x: torch.Tensor, mean_coef=1.0, std=0.0) -> torch.Tensor:
        """grad_x log p_t(x) = -sum_k r_k(x) C_k^{-1}(x - m mu_k), r the responsibilities."""
        terms, sol = self._log_terms(x, mean_coef, std)
        resp = torch.softmax(terms, dim=1)
        return -(resp[..., None] * sol).sum(1)

    def score_fn(self, sde):
        """``score(x, t)`` of the noised marginals of ``sde`` (anything with ``marginal(t)``)."""
        def fn(x, t):
            m, s = sde.marginal(_as_tensor(t, x))
            return self.score(x, m, s)
        return fn

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` exact samples (float64), shape (n, d)."""
        k = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        z = torch.randn(n, self.dim, dtype=torch.float64, generator=generator)
        chol = torch.linalg.cholesky(self.covs)
        return self.means[k] + (chol[k] @ z[..., None])[..., 0]

    def mean(self) -> torch.Tensor:
        return self.weights @ self.means

    def entropy_mc(self, n: int = 100_000, generator: torch.Generator | None = None) -> float:
        """Monte Carlo estimate of the differential entropy -E log p (nats)."""
        return float(-self.log_prob(self.sample(n, generator)).mean())

    def conditional(self, index: int, value: float) -> "GaussianMixture":
        """Exact law of the other coordinates given ``x[index] = value`` (again a mixture).

        Used for inpainting checks: each component conditions by the Gaussian formulas and the
        weights are re-weighted by the component's marginal density at ``value``.
        """
        d = self.dim
        keep = [i for i in range(d) if i != index]
        mu_a, mu_b = self.means[:, keep], self.means[:, index]
        S_aa = self.covs[:, keep][:, :, keep]
        S_ab = self.covs[:, keep, index]
        S_bb = self.covs[:, index, index]
        logw = (torch.log(self.weights) - 0.5 * torch.log(2 * math.pi * S_bb)
                - 0.5 * (value - mu_b) ** 2 / S_bb)
        w = torch.softmax(logw, 0)
        means = mu_a + S_ab * ((value - mu_b) / S_bb)[:, None]
        covs = S_aa - S_ab[:, :, None] * S_ab[:, None, :] / S_bb[:, None, None]
        return GaussianMixture(w, means, covs)


def _rot_cov(sx: float, sy: float, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    R = np.array([[c, -s], [s, c]])
    return R @ np.diag([sx ** 2, sy ** 2]) @ R.T


def ring_mixture(k: int = 8, radius: float = 2.0, std: float = 0.2) -> GaussianMixture:
    """``k`` equal isotropic Gaussians evenly spaced on a circle (the classic '8 Gaussians')."""
    ang = 2 * math.pi * np.arange(k) / k
    means = radius * np.stack([np.cos(ang), np.sin(ang)], 1)
    return GaussianMixture(np.full(k, 1.0 / k), means, np.tile(std ** 2 * np.eye(2), (k, 1, 1)))


def grid_mixture(side: int = 5, spacing: float = 1.0, std: float = 0.1) -> GaussianMixture:
    """``side`` x ``side`` equal isotropic Gaussians on a centred square grid."""
    g = (np.arange(side) - (side - 1) / 2) * spacing
    means = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    K = len(means)
    return GaussianMixture(np.full(K, 1.0 / K), means, np.tile(std ** 2 * np.eye(2), (K, 1, 1)))


def asymmetric_mixture() -> GaussianMixture:
    """Six components with unequal weights, elongated and rotated covariances, near unit scale.

    A harder target than the symmetric ring: the sampler must get mode weights and shapes right.
    Centred (mean zero), overall standard deviation about 1.3 per coordinate.
    """
    weights = np.array([0.25, 0.2, 0.15, 0.15, 0.15, 0.10])
    means = np.array([[-1.5, -0.8], [1.4, -1.0], [0.0, 1.6], [1.6, 1.2], [-1.6, 1.0], [0.0, -0.2]])
    covs = np.stack([_rot_cov(0.5, 0.18, 0.6), _rot_cov(0.3, 0.3, 0.0), _rot_cov(0.55, 0.15, 0.0),
                     _rot_cov(0.3, 0.15, -0.8), _rot_cov(0.2, 0.2, 0.0), _rot_cov(0.35, 0.15, 1.2)])
    means = means - weights @ means
    return GaussianMixture(weights, means, covs)


def checkerboard(n: int, rng: np.random.Generator, squares: int = 4, size: float = 4.0) -> np.ndarray:
    """Uniform on the black squares of a ``squares`` x ``squares`` board of side ``size``."""
    cell = size / squares
    pts = []
    while sum(len(p) for p in pts) < n:
        u = rng.uniform(-size / 2, size / 2, size=(2 * n, 2))
        idx = np.floor((u + size / 2) / cell).astype(int)
        pts.append(u[(idx.sum(1) % 2) == 0])
    return np.concatenate(pts)[:n]


def two_moons(n: int, rng: np.random.Generator, noise: float = 0.05) -> np.ndarray:
    """Two interleaved half circles, centred and scaled to roughly unit spread."""
    a = rng.uniform(0, math.pi, n)
    top = rng.random(n) < 0.5
    x = np.where(top, np.cos(a), 1 - np.cos(a))
    y = np.where(top, np.sin(a), 0.5 - np.sin(a))
    pts = np.stack([x - 0.5, y - 0.25], 1) * 1.5
    return pts + noise * rng.standard_normal((n, 2))


def swiss_roll(n: int, rng: np.random.Generator, noise: float = 0.05) -> np.ndarray:
    """2-D swiss roll (spiral) scaled to roughly [-2, 2]^2."""
    t = 1.5 * math.pi * (1 + 2 * rng.random(n))
    pts = np.stack([t * np.cos(t), t * np.sin(t)], 1) / 7.0
    return pts + noise * rng.standard_normal((n, 2))
