"""Bayesian deep learning tools: a mean-field variational linear layer and an SGHMC sampler.

``BayesLinear``: weights w ~ N(mu, sigma^2) with sigma = softplus(rho), trained by the ELBO
(Blundell et al. 2015) with the local reparameterisation trick (Kingma et al. 2015): the
pre-activation b = x mu + sqrt(x^2 sigma^2) eps. Its ``kl()`` is the closed-form KL to N(0, s0^2).
An optional binary ``mask`` restricts the layer to a sparse subspace of weights.

``SGHMC``: stochastic-gradient Hamiltonian Monte Carlo (Chen et al. 2014, eq. 15) with friction
``alpha`` and learning rate ``lr``: v <- (1 - alpha) v - lr * grad U + N(0, 2 alpha lr), theta <- theta + v.
With exact gradients its stationary distribution is exp(-U).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class BayesLinear(nn.Module):
    """Mean-field Gaussian linear layer with prior N(0, prior_std^2) on every weight and bias."""

    def __init__(self, in_features: int, out_features: int, prior_std: float = 1.0, init_std: float = 1e-3):
        super().__init__()
        self.prior_std = prior_std
        bound = 1 / math.sqrt(in_features)
        self.w_mu = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.b_mu = nn.Parameter(torch.zeros(out_features))
        rho0 = math.log(math.expm1(init_std))
        self.w_rho = nn.Parameter(torch.full((out_features, in_features), rho0))
        self.b_rho = nn.Parameter(torch.full((out_features,), rho0))
        self.register_buffer("mask", torch.ones(out_features, in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w_mu, w_var = self.w_mu * self.mask, (F.softplus(self.w_rho) * self.mask) ** 2
        mean = F.linear(x, w_mu, self.b_mu)
        var = F.linear(x ** 2, w_var, F.softplus(self.b_rho) ** 2)
        return mean + var.clamp_min(1e-16).sqrt() * torch.randn_like(mean)

    def kl(self) -> torch.Tensor:
        """KL(q || p) summed over the active weights and the biases."""
        def term(mu, sigma):
            s0 = self.prior_std
            return torch.log(s0 / sigma) + (sigma ** 2 + mu ** 2) / (2 * s0 ** 2) - 0.5

        return ((term(self.w_mu, F.softplus(self.w_rho)) * self.mask).sum()
                + term(self.b_mu, F.softplus(self.b_rho)).sum())

    def n_active(self) -> int:
        return int(self.mask.sum().item()) + self.b_mu.numel()


def kl_divergence(model: nn.Module) -> torch.Tensor:
    """Sum of ``kl()`` over every BayesLinear in ``model``."""
    return sum(m.kl() for m in model.modules() if isinstance(m, BayesLinear))


class SGHMC(torch.optim.Optimizer):
    """SGHMC sampler: call ``step()`` after back-propagating the potential U (e.g. N x mean NLL + prior)."""

    def __init__(self, params, lr: float = 1e-3, alpha: float = 0.1, generator: torch.Generator | None = None):
        super().__init__(params, dict(lr=lr, alpha=alpha))
        self.generator = generator

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            lr, alpha = group["lr"], group["alpha"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                v = state.setdefault("v", torch.zeros_like(p))
                noise = torch.randn(p.shape, generator=self.generator, dtype=p.dtype, device="cpu").to(p.device)
                v.mul_(1 - alpha).add_(p.grad, alpha=-lr).add_(noise * math.sqrt(2 * alpha * lr))
                p.add_(v)
