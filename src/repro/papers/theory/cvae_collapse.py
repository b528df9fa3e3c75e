"""Posterior collapse in conditional VAEs: the linear closed form and trained models.

Dang, Tran, Nguyen & Ho, "Beyond Vanilla Variational Autoencoders: Detecting Posterior Collapse
in Conditional and Hierarchical Variational Autoencoders", ICLR 2024 (Sec. 4.1, Theorem 2).

Model (our notation, the standard beta-ELBO): encoder ``q(z|x,y) = N(W1 x + W2 y, diag(s2))``,
decoder ``p(y|x,z) = N(U1 z + U2 x, eta_dec^2 I)``, prior ``p(z|x) = N(0, eta_enc^2 I)``, loss
``E||y - U1 z - U2 x||^2 / (2 eta_dec^2) + beta KL(q || p)``. At a global minimum the latent only
encodes the part of ``y`` that ``x`` cannot predict linearly, whose covariance is
``E = C_yy - C_yx C_xx^+ C_xy``; with ``theta_i`` its eigenvalues, mode ``i`` collapses iff
``theta_i <= beta eta_dec^2`` (Theorem 2).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


# --------------------------------------------------------------------------- closed form
def residual_covariance(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``E = C_yy - C_yx C_xx^+ C_xy`` of centred data: the covariance of y's linear-regression residual."""
    X = X - X.mean(0)
    Y = Y - Y.mean(0)
    n = len(X)
    Cxx, Cxy, Cyy = X.T @ X / n, X.T @ Y / n, Y.T @ Y / n
    E = Cyy - Cxy.T @ np.linalg.pinv(Cxx, rcond=1e-10, hermitian=True) @ Cxy
    return (E + E.T) / 2


def collapse_theory(theta, beta: float, eta_dec: float = 1.0, eta_enc: float = 1.0) -> dict:
    """Global minimum of the linear CVAE, mode by mode (Theorem 2 in our derivation).

    For a residual eigenvalue ``theta``: decoder singular value
    ``lam = sqrt(max(theta - beta eta_dec^2, 0)) / eta_enc``; encoder std
    ``sigma = sqrt(beta) eta_enc eta_dec / sqrt(theta)`` if active, else ``eta_enc`` (the prior);
    per-mode KL ``max(log(theta / (beta eta_dec^2)), 0) / 2`` nats.
    """
    theta = np.clip(np.asarray(theta, dtype=float), 0.0, None)
    thr = beta * eta_dec ** 2
    active = theta > thr
    lam = np.sqrt(np.clip(theta - thr, 0.0, None)) / eta_enc
    safe = np.where(active, theta, 1.0)
    sigma = np.where(active, np.sqrt(thr) * eta_enc / np.sqrt(safe), eta_enc)
    kl = np.where(active, 0.5 * np.log(safe / thr), 0.0)
    return {"lam": lam, "sigma": sigma, "kl": kl, "active": active}


def predicted_active(theta, beta: float, d_z: int, eta_dec: float = 1.0, kl_tol: float = 0.01) -> int:
    """Number of latent coordinates whose KL at the optimum exceeds ``kl_tol`` nats.

    Only the ``d_z`` largest residual eigenvalues can be used; the KL criterion matches the
    active-unit metric applied to trained models (a mode barely above threshold has tiny KL).
    """
    theta = np.sort(np.asarray(theta, dtype=float))[::-1][:d_z]
    return int((collapse_theory(theta, beta, eta_dec)["kl"] > kl_tol).sum())


def correlated_pairs(n: int, variances, rho: float, rng: np.random.Generator):
    """Gaussian ``(x, y)`` with ``y_j ~ N(0, v_j)`` and ``x_j = rho y_j / sqrt(v_j) + sqrt(1-rho^2) n_j``.

    Coordinate ``j`` of y has correlation ``rho`` with x_j, so the residual variance is
    ``v_j (1 - rho^2)``: larger ``rho`` shrinks the residual spectrum uniformly.
    """
    v = np.asarray(variances, dtype=float)
    Y = rng.standard_normal((n, len(v))) * np.sqrt(v)
    X = rho * Y / np.sqrt(v) + np.sqrt(1 - rho ** 2) * rng.standard_normal((n, len(v)))
    return X, Y


def active_modes(lam, beta: float, eta_dec: float = 1.0, eta_enc: float = 1.0, kl_tol: float = 0.01) -> int:
    """Modes a trained linear decoder uses: singular values of ``U1`` above the KL-equivalent cut.

    At the optimum ``KL_i = log(1 + lam_i^2 eta_enc^2 / (beta eta_dec^2)) / 2``, so ``KL_i > kl_tol``
    iff ``lam_i > sqrt((exp(2 kl_tol) - 1) beta) eta_dec / eta_enc``. Unlike a per-coordinate KL
    count, this does not depend on how the latent coordinates are rotated within the modes.
    """
    cut = np.sqrt((np.exp(2 * kl_tol) - 1) * beta) * eta_dec / eta_enc
    return int((np.asarray(lam) > cut).sum())


# --------------------------------------------------------------------------- linear CVAE, trained
def second_moments(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Covariance of the centred stacked vector ``s = [x; y]`` (the linear CVAE's loss needs only this)."""
    S = np.concatenate([X - X.mean(0), Y - Y.mean(0)], axis=1)
    return S.T @ S / len(S)


def linear_cvae_loss(C, W, U1, U2, log_s2, beta, eta_dec: float = 1.0, eta_enc: float = 1.0):
    """Exact expected beta-ELBO loss of a batch of linear CVAEs on data with moments ``C``.

    Shapes: ``C (B, D, D)`` with ``D = d_x + d_y`` (x first); ``W (B, d_z, D)`` is ``[W1 W2]``;
    ``U1 (B, d_y, d_z)``, ``U2 (B, d_y, d_x)``, ``log_s2 (B, d_z)``, ``beta (B,)``. The expectation
    over the reparameterisation noise is taken in closed form. Returns ``(loss (B,), kl (B, d_z))``
    with ``kl`` the data-averaged KL of each latent coordinate (nats).
    """
    d_y, d_x = U2.shape[-2:]
    eye = torch.eye(d_y, dtype=C.dtype).expand(C.shape[0], d_y, d_y)
    G = torch.cat([-U2, eye], dim=-1) - U1 @ W  # y - U1 mu - U2 x = G s
    s2 = log_s2.exp()
    recon = torch.einsum("bij,bjk,bik->b", G, C, G) + (U1 ** 2 * s2[:, None, :]).sum((1, 2))
    mu2 = torch.einsum("bij,bjk,bik->bi", W, C, W)  # E[mu_j^2]
    r = s2 / eta_enc ** 2
    kl = 0.5 * (mu2 / eta_enc ** 2 + r - 1 - torch.log(r))
    return recon / (2 * eta_dec ** 2) + beta * kl.sum(1), kl


def train_linear_cvae(C: np.ndarray, d_x: int, d_z: int, beta, *, eta_dec: float = 1.0,
                      eta_enc: float = 1.0, steps: int = 3000, lr: float = 0.02, seed: int = 0,
                      init_scale: float = 0.1, lr_final: float | None = None) -> dict:
    """Full-batch Adam on the exact loss for a batch of problems (float64).

    With ``lr_final`` the learning rate decays geometrically from ``lr`` to it (default: constant).

    ``C`` is ``(B, D, D)`` (or ``(D, D)``, shared by all), ``beta`` a scalar or ``(B,)``.
    Returns per-coordinate KL ``(B, d_z)``, decoder singular values ``(B, min(d_y, d_z))``
    sorted in decreasing order, and the final losses.
    """
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    C = np.asarray(C, dtype=float)
    if C.ndim == 2:
        C = np.broadcast_to(C, (len(beta),) + C.shape)
    B, D = C.shape[0], C.shape[-1]
    beta = np.broadcast_to(beta, (B,))
    d_y = D - d_x
    g = torch.Generator().manual_seed(seed)
    dt = torch.float64

    def init(*shape):
        return (init_scale * torch.randn(*shape, generator=g, dtype=dt)).requires_grad_()

    W, U1, U2 = init(B, d_z, D), init(B, d_y, d_z), init(B, d_y, d_x)
    log_s2 = torch.zeros(B, d_z, dtype=dt).requires_grad_()
    Ct, bt = torch.tensor(C, dtype=dt), torch.tensor(beta, dtype=dt)
    opt = torch.optim.Adam([W, U1, U2, log_s2], lr=lr)
    decay = ((lr_final or lr) / lr) ** (1 / max(steps - 1, 1))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, decay)
    for _ in range(steps):
        loss, _ = linear_cvae_loss(Ct, W, U1, U2, log_s2, bt, eta_dec, eta_enc)
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        loss, kl = linear_cvae_loss(Ct, W, U1, U2, log_s2, bt, eta_dec, eta_enc)
        sv = torch.linalg.svdvals(U1)
    return {"kl": kl.numpy(), "lam": sv.numpy(), "loss": loss.numpy()}


# --------------------------------------------------------------------------- ReLU CVAE
class ReluCVAE(nn.Module):
    """A one-hidden-layer ReLU CVAE with the same factorisation as the linear model.

    Encoder mean and log-variance from MLPs of ``x`` and of ``y`` (added); decoder mean
    ``g(z) + h(x)`` with ReLU MLPs ``g`` and ``h``; fixed decoder variance ``eta_dec^2``.
    """

    def __init__(self, d_x: int, d_y: int, d_z: int, hidden: int = 64):
        super().__init__()

        def mlp(i, o):
            return nn.Sequential(nn.Linear(i, hidden), nn.ReLU(), nn.Linear(hidden, o))

        self.enc_x, self.enc_y = mlp(d_x, 2 * d_z), mlp(d_y, 2 * d_z)
        self.dec_z, self.dec_x = mlp(d_z, d_y), mlp(d_x, d_y)
        self.d_z = d_z

    def encode(self, x, y):
        h = self.enc_x(x) + self.enc_y(y)
        return h[:, :self.d_z], h[:, self.d_z:]

    def forward(self, x, y):
        mu, logvar = self.encode(x, y)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec_z(z) + self.dec_x(x), mu, logvar


def kl_per_coordinate(mu, logvar, eta_enc: float = 1.0):
    """KL(N(mu, e^logvar) || N(0, eta_enc^2)) per sample and coordinate (nats)."""
    r = logvar.exp() / eta_enc ** 2
    return 0.5 * (mu ** 2 / eta_enc ** 2 + r - 1 - torch.log(r))


def relu_cvae_loss(model: ReluCVAE, x, y, beta: float, eta_dec: float = 1.0):
    """One-sample reparameterised beta-ELBO loss (mean over the batch)."""
    y_hat, mu, logvar = model(x, y)
    recon = ((y - y_hat) ** 2).sum(1) / (2 * eta_dec ** 2)
    return (recon + beta * kl_per_coordinate(mu, logvar).sum(1)).mean()


def active_units(model: ReluCVAE, x, y, kl_tol: float = 0.01) -> int:
    """Latent coordinates whose data-averaged KL exceeds ``kl_tol`` nats."""
    with torch.no_grad():
        mu, logvar = model.encode(x, y)
        return int((kl_per_coordinate(mu, logvar).mean(0) > kl_tol).sum())
