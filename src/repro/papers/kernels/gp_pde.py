"""GP-HM: a Gaussian-process solver for high-frequency and multi-scale PDEs (Fang et al., ICLR 2024).

The solution ``u`` of the 1-D Poisson problem ``u'' = f`` gets a GP prior whose covariance is a
spectral mixture (the Wiener-Khinchin transform of a Gaussian-mixture power spectrum):

    k(r) = sum_q w_q exp(-rho_q r^2) cos(2 pi mu_q r),        r = x - x',

with weights estimated in the log domain, ``w_q = exp(theta_q)`` (the paper shows this amounts to
a Jeffreys prior that prunes frequencies). The unknowns are the solution values ``U`` on a grid
``X`` (boundary points included); the GP conditional mean interpolates them, so
``u''(X) = K''(X, X) K(X, X)^{-1} U`` with ``K''`` the kernel differentiated twice. GP-HM maximises
the log joint (paper, Eq. 9) ``log N(U; 0, K)`` plus a boundary-fit and a residual-fit term.

Our CPU-scale variant (a deviation): with the kernel fixed and the two fit weights fixed,

    J(U) = 1/2 U^T K^{-1} U + lam_b/2 ||U_b - g||^2 + lam_r/2 ||K'' K^{-1} U - f||^2

is quadratic in ``U``, so its minimiser is one linear solve (:func:`solve_u`); the kernel
hyper-parameters are then learned by minimising the profiled objective
``1/2 log|K| + min_U J(U)`` (:func:`profiled_objective`) with Adam (:func:`fit_gp_hm`).
Everything runs in float64 with a small jitter. The PINN baseline is a tanh MLP whose ``u''``
comes from autograd.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

DTYPE = torch.float64


def sm_kernel(r: torch.Tensor, log_w, log_rho, mu) -> torch.Tensor:
    """Spectral-mixture covariance at lags ``r`` (any shape): ``sum_q w_q e^{-rho_q r^2} cos(2 pi mu_q r)``."""
    r = r[..., None]
    return (torch.exp(log_w) * torch.exp(-torch.exp(log_rho) * r ** 2)
            * torch.cos(2 * math.pi * mu * r)).sum(-1)


def sm_kernel_d2(r: torch.Tensor, log_w, log_rho, mu) -> torch.Tensor:
    """``d^2 k / dr^2`` of :func:`sm_kernel` in closed form (equal to ``d^2 k(x, x') / dx^2``):
    ``sum_q w_q e^{-rho r^2} [(4 rho^2 r^2 - 2 rho - om^2) cos(om r) + 4 rho om r sin(om r)]``
    with ``om = 2 pi mu``."""
    r = r[..., None]
    rho, om = torch.exp(log_rho), 2 * math.pi * mu
    env = torch.exp(log_w) * torch.exp(-rho * r ** 2)
    return (env * ((4 * rho ** 2 * r ** 2 - 2 * rho - om ** 2) * torch.cos(om * r)
                   + 4 * rho * om * r * torch.sin(om * r))).sum(-1)


def init_params(Q: int, freq_max: float, log_rho0: float = 0.0,
                generator: torch.Generator | None = None) -> dict:
    """Initial kernel hyper-parameters as in the authors' setup: equal weights ``1/Q``,
    frequencies (cycles per unit length) evenly spread over ``[0, freq_max]``, one common ``rho``.
    With a ``generator`` each frequency is shifted by a uniform amount of up to half the spacing."""
    mu = torch.linspace(0, 1, Q, dtype=DTYPE) * freq_max
    if generator is not None:
        mu = mu + (torch.rand(Q, generator=generator, dtype=DTYPE) - 0.5) * freq_max / (Q - 1)
    return dict(log_w=torch.full((Q,), math.log(1.0 / Q), dtype=DTYPE),
                log_rho=torch.full((Q,), float(log_rho0), dtype=DTYPE), mu=mu)


def kernel_matrices(p: dict, x: torch.Tensor, jitter: float = 1e-8):
    """``K(X, X) + jitter * k(0) I`` and ``K''(X, X)`` for 1-D points ``x`` (fast on a uniform grid)."""
    m = len(x)
    h = x[1] - x[0]
    if m > 2 and torch.allclose(x[1:] - x[:-1], h.expand(m - 1)):
        # uniform grid: both matrices are Toeplitz, evaluate the 2m-1 distinct lags only
        idx = torch.arange(m)[:, None] - torch.arange(m)[None, :] + (m - 1)
        lags = h * torch.arange(-(m - 1), m, dtype=DTYPE)
        K = sm_kernel(lags, p["log_w"], p["log_rho"], p["mu"])[idx]
        K2 = sm_kernel_d2(lags, p["log_w"], p["log_rho"], p["mu"])[idx]
    else:
        r = x[:, None] - x[None, :]
        K = sm_kernel(r, p["log_w"], p["log_rho"], p["mu"])
        K2 = sm_kernel_d2(r, p["log_w"], p["log_rho"], p["mu"])
    K = K + jitter * K.diagonal().mean() * torch.eye(m, dtype=DTYPE)
    return K, K2


def quadratic_objective(u, K, K2, bidx, g, f, lam_b: float, lam_r: float):
    """``J(U)`` of the module docstring (GP prior + boundary + residual), for checking :func:`solve_u`."""
    a = torch.linalg.solve(K, u)
    return (0.5 * (u * a).sum() + 0.5 * lam_b * ((u[bidx] - g) ** 2).sum()
            + 0.5 * lam_r * ((K2 @ a - f) ** 2).sum())


def solve_u(K, K2, bidx, g, f, lam_b: float, lam_r: float):
    """Exact minimiser of :func:`quadratic_objective` over ``U``, and its minimum.

    Whitening ``U = L z`` (``K = L L^T``) turns ``J`` into ``1/2 ||z||^2 + 1/2 ||B z - y||^2`` with
    ``B = [sqrt(lam_b) (L)_b ; sqrt(lam_r) K'' L^{-T}]`` and ``y = [sqrt(lam_b) g ; sqrt(lam_r) f]``,
    a ridge problem: ``z = B^T (I + B B^T)^{-1} y`` and ``min J = 1/2 y^T (I + B B^T)^{-1} y``.
    Returns ``(U, min J, L)``."""
    L = torch.linalg.cholesky(K)
    A = torch.linalg.solve_triangular(L, K2, upper=False).T        # K'' L^{-T}  (K'' symmetric)
    B = torch.cat([math.sqrt(lam_b) * L[bidx], math.sqrt(lam_r) * A])
    y = torch.cat([math.sqrt(lam_b) * g, math.sqrt(lam_r) * f])
    S = torch.eye(len(y), dtype=DTYPE) + B @ B.T
    Ls = torch.linalg.cholesky(S)
    c = torch.cholesky_solve(y[:, None], Ls)[:, 0]
    z = B.T @ c
    return L @ z, 0.5 * (y * c).sum(), L


def profiled_objective(p, x, bidx, g, f, lam_b: float, lam_r: float, jitter: float = 1e-8):
    """``1/2 log|K| + min_U J(U)``: the negative GP-HM log joint with ``U`` profiled out."""
    K, K2 = kernel_matrices(p, x, jitter)
    u, jmin, L = solve_u(K, K2, bidx, g, f, lam_b, lam_r)
    return torch.log(torch.diagonal(L)).sum() + jmin, u


def predict(p, x, u, x_test, jitter: float = 1e-8) -> torch.Tensor:
    """GP conditional mean ``k(x_test, X) K^{-1} U``."""
    K, _ = kernel_matrices(p, x, jitter)
    Ks = sm_kernel(x_test[:, None] - x[None, :], p["log_w"], p["log_rho"], p["mu"])
    return Ks @ torch.linalg.solve(K, u)


def fit_gp_hm(x, bidx, g, f, Q: int = 30, freq_max: float = 30.0, steps: int = 300,
              lr: float = 0.05, lam_b: float = 1e4, lam_r: float = 1.0, jitter: float = 1e-8,
              log_rho0: float = 0.0, generator: torch.Generator | None = None, bar=None):
    """Learn the spectral-mixture hyper-parameters with Adam on :func:`profiled_objective`,
    starting from :func:`init_params`. ``bar``: an iterable of length ``steps`` (e.g. a progress
    bar). Returns ``(params, U, history)``: learned parameters, the exact ``U`` for them and the
    objective at every step."""
    p = init_params(Q, freq_max, log_rho0, generator)
    for v in p.values():
        v.requires_grad_(True)
    opt = torch.optim.Adam(list(p.values()), lr=lr)
    hist = []
    for _ in (range(steps) if bar is None else bar):
        opt.zero_grad()
        obj, _ = profiled_objective(p, x, bidx, g, f, lam_b, lam_r, jitter)
        obj.backward()
        opt.step()
        hist.append(obj.item())
    p = {k: v.detach() for k, v in p.items()}
    _, u = profiled_objective(p, x, bidx, g, f, lam_b, lam_r, jitter)
    return p, u, hist


class PINN(nn.Module):
    """Wraps an MLP ``u(x)``; ``forward`` returns ``[u, u_xx]`` per input (autograd, kept in the
    graph), so the residual loss trains with :func:`repro.nn.training.train`."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x):
        x = x.detach().requires_grad_(True)
        u = self.net(x)
        du = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
        d2u = torch.autograd.grad(du.sum(), x, create_graph=True)[0]
        return torch.cat([u, d2u], dim=1)


def pinn_loss(boundary_weight: float = 1.0, residual_scale: float = 1.0):
    """Loss for :class:`PINN` outputs against targets ``[f, g, is_boundary]``: mean squared
    residual over the interior divided by ``residual_scale`` plus ``boundary_weight`` times the
    mean squared boundary error."""
    def loss(out, t):
        interior = t[:, 2] == 0
        res = ((out[interior, 1] - t[interior, 0]) ** 2).mean() / residual_scale
        bnd = ((out[~interior, 0] - t[~interior, 1]) ** 2).mean()
        return res + boundary_weight * bnd
    return loss


def rel_l2(pred, truth) -> float:
    """Relative L2 error ``||pred - truth|| / ||truth||``."""
    pred, truth = np.asarray(pred), np.asarray(truth)
    return float(np.linalg.norm(pred - truth) / np.linalg.norm(truth))
