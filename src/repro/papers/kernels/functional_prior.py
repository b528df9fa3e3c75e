"""Functional priors for BNNs by Wasserstein matching to a GP (Tran et al., JMLR 2022).

Per-layer Gaussian prior scales psi of an MLP, w ~ N(0, s_l^2 / fan_in), b ~ N(0, t_l^2), are
tuned so that the distribution of f(X_M) under the BNN prior matches a GP prior at random
measurement sets X_M, minimising the 1-Wasserstein distance in its dual form
W1 = sup_{||phi||_L <= 1} E_bnn[phi(f)] - E_gp[phi(f)], with phi a neural critic kept 1-Lipschitz by a
gradient penalty (Gulrajani et al. 2017). The critic is re-initialised and trained for a few
Adagrad steps at every outer step (as in the authors' code); the scales follow RMSprop on the
critic's estimate. Posteriors under a given prior are sampled with :class:`repro.nn.bnn.SGHMC`.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy.optimize import minimize
from torch import nn
from torch.nn import functional as F

from repro.gp.kernels import rbf_kernel
from repro.gp.regression import GPRegression, _chol


def rbf(A, B, amp2, ls):
    """Isotropic RBF kernel with amplitude: ``amp2 *`` :func:`repro.gp.kernels.rbf_kernel`."""
    return amp2 * rbf_kernel(A, B, ls)


def fit_rbf_gp(X, y):
    """RBF-kernel GP hyper-parameters (amplitude^2, lengthscale, noise) by marginal likelihood."""
    def nlml(t):
        a, l, s = np.exp(t)
        try:
            return -GPRegression(lambda A, B: rbf(A, B, a, l), X, y, s + 1e-6).log_marginal_likelihood()
        except np.linalg.LinAlgError:
            return 1e10
    best = min((minimize(nlml, np.log(x0), method="L-BFGS-B", bounds=[(-5, 5)] * 3)
                for x0 in ([1.0, 3.0, 0.5], [1.0, 1.0, 0.5])), key=lambda r: r.fun)
    a, l, s = np.exp(best.x)
    return {"amp2": a, "ls": l, "noise": s + 1e-6}


class PriorMLP(nn.Module):
    """MLP prior with learnable per-layer scales; draws whole functions in batches."""

    def __init__(self, sizes, w_scale=1.0, b_scale=1.0, fan_in_scaling=True):
        super().__init__()
        self.sizes = list(sizes)
        self.fan_in_scaling = fan_in_scaling
        L = len(sizes) - 1
        self.log_w = nn.Parameter(torch.full((L,), math.log(w_scale)))
        self.log_b = nn.Parameter(torch.full((L,), math.log(b_scale)))

    def w_std(self, l):
        s = self.log_w[l].exp()
        return s / math.sqrt(self.sizes[l]) if self.fan_in_scaling else s

    def sample_functions(self, X, n, generator=None):
        """f(X) for n prior draws: shape (n, len(X))."""
        h = X.unsqueeze(0).expand(n, -1, -1)
        L = len(self.sizes) - 1
        for l in range(L):
            W = torch.randn(n, self.sizes[l], self.sizes[l + 1], generator=generator) * self.w_std(l)
            b = torch.randn(n, 1, self.sizes[l + 1], generator=generator) * self.log_b[l].exp()
            h = torch.bmm(h, W) + b
            if l < L - 1:
                h = torch.tanh(h)
        return h[..., 0]


def critic(dim, width=200):
    """Critic phi: R^dim -> R, two softplus layers of ``width`` (the authors' architecture)."""
    return nn.Sequential(nn.Linear(dim, width), nn.Softplus(), nn.Linear(width, width), nn.Softplus(),
                         nn.Linear(width, 1))


def gradient_penalty(phi, a, b, generator=None):
    """WGAN-GP penalty E[(||grad phi(x)|| - 1)^2] on random interpolates of the two sample sets."""
    eps = torch.rand(len(a), 1, generator=generator)
    x = (eps * a + (1 - eps) * b).detach().requires_grad_(True)
    g = torch.autograd.grad(phi(x).sum(), x, create_graph=True)[0]
    return ((g.norm(dim=1) - 1) ** 2).mean()


def train_critic(phi, f_bnn, f_gp, steps, lr=0.01, penalty=10.0, generator=None):
    """Maximise E phi(f_bnn) - E phi(f_gp) - penalty * GP by Adagrad."""
    opt = torch.optim.Adagrad(phi.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = -(phi(f_bnn).mean() - phi(f_gp).mean()) + penalty * gradient_penalty(phi, f_bnn, f_gp, generator)
        loss.backward()
        opt.step()
    return phi


def gp_functions(X, hyp, n, rng):
    """n draws of a noise-free GP prior with RBF hyper-parameters ``hyp`` at X: (n, len(X))."""
    L = _chol(rbf(X, X, hyp["amp2"], hyp["ls"]), jitter=1e-8)
    return torch.tensor((L @ rng.standard_normal((len(X), n))).T, dtype=torch.float32)


def wasserstein_estimate(prior, X_pool, hyp, n_sets, m, n_samples, critic_steps, rng, generator):
    """W1 estimate averaged over n_sets measurement sets of m inputs drawn from X_pool.

    The critic is trained on one pair of sample sets and evaluated on fresh ones (no optimism).
    """
    vals = []
    for _ in range(n_sets):
        Xm = X_pool[rng.choice(len(X_pool), m, replace=False)]
        fg = gp_functions(Xm, hyp, n_samples, rng)
        with torch.no_grad():
            fb = prior.sample_functions(torch.tensor(Xm, dtype=torch.float32), n_samples, generator)
        phi = train_critic(critic(m), fb, fg, critic_steps, generator=generator)
        with torch.no_grad():
            fg2 = gp_functions(Xm, hyp, n_samples, rng)
            fb2 = prior.sample_functions(torch.tensor(Xm, dtype=torch.float32), n_samples, generator)
            vals.append(float(phi(fb2).mean() - phi(fg2).mean()))
    return float(np.mean(vals))


def fit_prior(prior, X_pool, hyp, n_iters, m, n_samples, critic_steps, rng, generator, lr=0.02):
    """Tune ``prior``'s scales to minimise W1 to the GP prior; returns the critic value per step."""
    opt = torch.optim.RMSprop(prior.parameters(), lr=lr)
    hist = []
    for _ in range(n_iters):
        Xm = X_pool[rng.choice(len(X_pool), m, replace=False)]
        Xt = torch.tensor(Xm, dtype=torch.float32)
        fg = gp_functions(Xm, hyp, n_samples, rng)
        with torch.no_grad():
            fb = prior.sample_functions(Xt, n_samples, generator)
        phi = train_critic(critic(m), fb, fg, critic_steps, generator=generator)
        for p in phi.parameters():
            p.requires_grad_(False)
        opt.zero_grad()
        w = phi(prior.sample_functions(Xt, n_samples, generator)).mean() - phi(fg).mean()
        w.backward()
        opt.step()
        hist.append(float(w.detach()))
    return hist


def prior_stds(prior: PriorMLP):
    """(weight std, bias std) per layer as floats."""
    return [(prior.w_std(l).item(), prior.log_b[l].exp().item()) for l in range(len(prior.sizes) - 1)]


def sghmc_regression(sizes, stds, X, y, noise, Xs, *, n_burn, n_keep, thin, lr, alpha=0.1, seed=0):
    """SGHMC (full-batch gradients) posterior of a tanh MLP with prior N(0, std^2) per layer.

    Returns the predictive means (n_kept, len(Xs)) of the kept samples.
    """
    from repro.nn.bnn import SGHMC

    g = torch.Generator().manual_seed(seed)
    params = []
    for l, (sw, sb) in enumerate(stds):
        W = (torch.randn(sizes[l], sizes[l + 1], generator=g) * min(sw, 1.0)).requires_grad_(True)
        b = torch.zeros(sizes[l + 1], requires_grad=True)
        params += [W, b]
    X, y, Xs = (torch.as_tensor(a, dtype=torch.float32) for a in (X, y, Xs))

    def f(Z):
        h = Z
        for l in range(len(stds)):
            h = h @ params[2 * l] + params[2 * l + 1]
            if l < len(stds) - 1:
                h = torch.tanh(h)
        return h[:, 0]

    opt = SGHMC(params, lr=lr, alpha=alpha, generator=g)
    preds = []
    for t in range(n_burn + n_keep * thin):
        opt.zero_grad()
        U = 0.5 * ((f(X) - y) ** 2).sum() / noise
        for l, (sw, sb) in enumerate(stds):
            U = U + 0.5 * (params[2 * l] ** 2).sum() / sw ** 2 + 0.5 * (params[2 * l + 1] ** 2).sum() / sb ** 2
        U.backward()
        opt.step()
        if t >= n_burn and (t - n_burn) % thin == thin - 1:
            with torch.no_grad():
                preds.append(f(Xs).numpy().copy())
    return np.array(preds)


def predictive_scores(preds, y, noise):
    """Test RMSE of the mean and NLL of the Gaussian mixture over samples."""
    from scipy.special import logsumexp

    mean = preds.mean(0)
    ll = -0.5 * np.log(2 * np.pi * noise) - 0.5 * (y[None] - preds) ** 2 / noise
    return float(np.sqrt(np.mean((mean - y) ** 2))), float(-np.mean(logsumexp(ll, 0) - np.log(len(preds))))
