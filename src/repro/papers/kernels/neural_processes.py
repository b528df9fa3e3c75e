"""Neural processes on 1-D GP functions: CNP, latent NP and the martingale posterior NP (MPNP).

Lee, Yun, Nam, Fong & Lee, "Martingale Posterior Neural Processes", ICLR 2023.

All three models share one backbone: a per-point MLP encoder ``(x_i, y_i) -> r_i``, mean pooling,
and an MLP decoder ``(x*, r) -> (mu, sigma)`` with ``sigma = 0.1 + 0.9 softplus(.)``.

* **CNP** (Garnelo et al. 2018a): ``r = mean_i r_i``; loss ``-log N(y | mu, sigma^2)`` per point.
* **NP** (Garnelo et al. 2018b): adds a latent path ``z ~ N(mu_z, sigma_z^2)`` pooled from a second
  encoder; trained with the ELBO ``E_q(z|C u T)[log p(y | x, r, z)] - KL(q(z | C u T) || q(z | C))``.
* **MPNP** (Lee et al. 2023): instead of a latent variable, a learned predictive generates a set of
  *pseudo contexts* ``Z'`` (here in representation space, as in the paper's Fig. 1): noise vectors
  ``eps_j ~ N(0, I)`` attend to the real context representations (a cross-attention block) and to
  each other through an induced set attention block (ISAB, Lee et al. 2019), so ``Z'`` is
  exchangeable. The decoder sees ``r = mean(R_c u R')``. Every draw of ``Z'`` gives one function;
  the spread over draws is the martingale-posterior uncertainty. Loss
  ``L_marg + L_amort``: the negative log of the likelihood *averaged over* ``K`` draws of ``Z'``
  (``L_marg``), plus the CNP loss of the same encoder/decoder on the real contexts alone
  (``L_amort``). With zero pseudo points MPNP is exactly its CNP path.

Metric (as in the NP literature): per-point predictive log-likelihood, marginalised over samples
by ``log mean_k p_k(y_i)``, averaged over the context points and over the target points of a task.
GP tasks: functions drawn with :func:`repro.gp.regression.sample_prior`, plus Gaussian observation noise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from repro.book.progress import progress
from repro.gp.kernels import matern52_kernel, periodic_kernel, rbf_kernel
from repro.gp.regression import GPRegression, gaussian_nll, sample_prior
from repro.nn.models import mlp

# --------------------------------------------------------------------------- GP tasks


KERNELS = ("rbf", "matern52", "periodic")


def draw_kernel(kind: str, rng: np.random.Generator):
    """A random kernel of family ``kind`` with the NP benchmark's hyper-parameter priors.

    Output scale s ~ U(0.1, 1), lengthscale l ~ U(0.1, 0.6), period p ~ U(0.1, 0.5) (periodic).
    """
    s = rng.uniform(0.1, 1.0)
    ell = rng.uniform(0.1, 0.6)
    if kind == "rbf":
        return lambda A, B: s ** 2 * rbf_kernel(A, B, ell)
    if kind == "matern52":
        return lambda A, B: s ** 2 * matern52_kernel(A, B, ell)
    if kind == "periodic":
        p = rng.uniform(0.1, 0.5)
        return lambda A, B: s ** 2 * periodic_kernel(A, B, ell, p)
    raise ValueError(f"kind={kind!r}; choose one of {KERNELS}")


@dataclass
class TaskBatch:
    """``B`` tasks with the same sizes: ``x, y`` of shape ``(B, N, 1)``; the first ``n_ctx`` points
    of each task are its context, the rest its targets. ``kernels`` keeps each task's kernel (for
    the GP oracle)."""

    x: torch.Tensor
    y: torch.Tensor
    n_ctx: int
    kernels: list

    @property
    def xc(self):
        return self.x[:, :self.n_ctx]

    @property
    def yc(self):
        return self.y[:, :self.n_ctx]

    def to(self, device):
        return TaskBatch(self.x.to(device), self.y.to(device), self.n_ctx, self.kernels)


def sample_batch(kind: str, batch_size: int, rng: np.random.Generator, *, max_points: int = 50,
                 min_ctx: int = 3, noise: float = 0.02) -> TaskBatch:
    """One batch of GP regression tasks: ``n_ctx ~ U{min_ctx, max_points - 3}``,
    ``n_tar ~ U{3, max_points - n_ctx}``, ``x ~ U(-2, 2)``, ``y = f(x) + noise * eps``."""
    n_ctx = int(rng.integers(min_ctx, max_points - 3 + 1))
    n_tar = int(rng.integers(3, max_points - n_ctx + 1))
    n = n_ctx + n_tar
    xs, ys, ks = [], [], []
    for _ in range(batch_size):
        k = draw_kernel(kind, rng)
        x = rng.uniform(-2.0, 2.0, (n, 1))
        f = sample_prior(k, x, 1, rng)[0]
        xs.append(x)
        ys.append(f + noise * rng.standard_normal(n))
        ks.append(k)
    x = torch.tensor(np.stack(xs), dtype=torch.float32)
    y = torch.tensor(np.stack(ys)[..., None], dtype=torch.float32)
    return TaskBatch(x, y, n_ctx, ks)


# --------------------------------------------------------------------------- likelihoods


def gaussian_logpdf(y: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Elementwise log N(y; mean, std^2)."""
    return -0.5 * math.log(2 * math.pi) - torch.log(std) - 0.5 * ((y - mean) / std) ** 2


def logmeanexp(a: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """log mean_k exp(a_k) along ``dim``, computed stably."""
    return torch.logsumexp(a, dim=dim) - math.log(a.shape[dim])


def predictive_ll(mean: torch.Tensor, std: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-point log-likelihood marginalised over the leading sample axis: ``(S, B, N, 1) -> (B, N)``."""
    return logmeanexp(gaussian_logpdf(y, mean, std).sum(-1), dim=0)


# --------------------------------------------------------------------------- set attention


class MAB(nn.Module):
    """Single-head attention block (Set Transformer, Lee et al. 2019), without layer norm:
    ``H = Q + softmax(W_q Q (W_k K)^T / sqrt d) W_v K``, then ``H + FF(H)`` if ``ff``.
    Invariant to the order of the keys, equivariant in the queries; leading batch dimensions of
    queries and keys broadcast, so one context set serves ``K`` sets of queries."""

    def __init__(self, dim: int, ff: bool = True):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.ff = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim)) if ff else None

    def forward(self, q: torch.Tensor, kv: torch.Tensor) -> torch.Tensor:
        h = q + F.scaled_dot_product_attention(self.q(q), self.k(kv), self.v(kv))
        return h if self.ff is None else h + self.ff(h)


class ISAB(nn.Module):
    """Induced set attention block: ``m`` learned inducing points summarise the set, then every
    element attends to the summary (linear cost in the set size, permutation equivariant)."""

    def __init__(self, dim: int, n_inducing: int = 4):
        super().__init__()
        self.inducing = nn.Parameter(torch.randn(n_inducing, dim) / math.sqrt(dim))
        self.mab1, self.mab2 = MAB(dim, ff=False), MAB(dim, ff=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ind = self.inducing.expand(*x.shape[:-2], *self.inducing.shape)
        return self.mab2(x, self.mab1(ind, x))


# --------------------------------------------------------------------------- models


def _std(raw: torch.Tensor) -> torch.Tensor:
    return 0.1 + 0.9 * F.softplus(raw)


class Decoder(nn.Module):
    """MLP ``(x, r) -> (mu, sigma)``; its first layer ``W_x x + W_r r`` is split so that the
    representation term is computed once per function rather than once per target point."""

    def __init__(self, r_dim: int, hidden: int, depth: int = 3):
        super().__init__()
        self.wx, self.wr = nn.Linear(1, hidden), nn.Linear(r_dim, hidden, bias=False)
        self.rest = mlp(hidden, [hidden] * (depth - 2), 2)

    def forward(self, x: torch.Tensor, r: torch.Tensor):
        """``x (B, N, 1)``, ``r (S, B, R)`` -> mean, std ``(S, B, N, 1)``."""
        out = self.rest(F.relu(self.wx(x)[None] + self.wr(r)[:, :, None, :]))
        return out[..., :1], _std(out[..., 1:])


class CNP(nn.Module):
    """Conditional neural process: deterministic mean-pooled context representation."""

    n_samples_train = 1

    def __init__(self, hidden: int = 64, depth: int = 3):
        super().__init__()
        self.hidden = hidden
        self.enc = mlp(2, [hidden] * (depth - 1), hidden)
        self.dec = Decoder(hidden, hidden, depth)

    def encode(self, xc, yc):
        """Per-point context representations ``(B, Nc, H)``."""
        return self.enc(torch.cat([xc, yc], -1))

    def decode(self, x, r):
        """``x (B, N, 1)``, ``r (S, B, H)`` -> mean, std of shape ``(S, B, N, 1)``."""
        return self.dec(x, r)

    def forward(self, xc, yc, x, n_samples: int = 1):
        return self.decode(x, self.encode(xc, yc).mean(1)[None])

    def loss(self, batch: TaskBatch) -> torch.Tensor:
        mean, std = self(batch.xc, batch.yc, batch.x)
        return -gaussian_logpdf(batch.y, mean[0], std[0]).mean()


class LatentNP(nn.Module):
    """Neural process with a deterministic path (as the CNP) and a global Gaussian latent z."""

    def __init__(self, hidden: int = 64, depth: int = 3):
        super().__init__()
        self.hidden = hidden
        self.enc = mlp(2, [hidden] * (depth - 1), hidden)
        self.lat_enc = mlp(2, [hidden] * (depth - 1), 2 * hidden)
        self.dec = Decoder(2 * hidden, hidden, depth)

    def latent(self, xc, yc) -> torch.distributions.Normal:
        out = self.lat_enc(torch.cat([xc, yc], -1)).mean(1)
        return torch.distributions.Normal(out[..., :self.hidden], 0.1 + 0.9 * torch.sigmoid(out[..., self.hidden:]))

    def decode(self, x, r, z):
        """``r (B, H)``, ``z (S, B, H)`` -> mean, std ``(S, B, N, 1)``."""
        return self.dec(x, torch.cat([r.expand(z.shape[0], -1, -1), z], -1))

    def forward(self, xc, yc, x, n_samples: int = 1):
        r = self.enc(torch.cat([xc, yc], -1)).mean(1)
        z = self.latent(xc, yc).sample((n_samples,))
        return self.decode(x, r, z)

    def loss(self, batch: TaskBatch) -> torch.Tensor:
        """Negative ELBO per point: reconstruction under q(z | all points) + KL to q(z | context)."""
        r = self.enc(torch.cat([batch.xc, batch.yc], -1)).mean(1)
        prior = self.latent(batch.xc, batch.yc)
        post = self.latent(batch.x, batch.y)
        mean, std = self.decode(batch.x, r, post.rsample((1,)))
        rec = gaussian_logpdf(batch.y, mean[0], std[0]).sum((1, 2))
        kl = torch.distributions.kl_divergence(post, prior).sum(-1)
        return -(rec - kl).mean() / batch.x.shape[1]


class MPNP(nn.Module):
    """Martingale posterior NP: CNP backbone plus a generator of exchangeable pseudo contexts.

    ``pseudo_ratio`` sets the number of pseudo contexts to ``round(pseudo_ratio * n_ctx)``
    (``0`` recovers the CNP path exactly); ``n_samples_train`` is the number ``K`` of generated
    pseudo-context sets averaged in ``L_marg``.

    ``stochastic=False`` is the capacity-matched control: the same network and the same loss, but
    the generator's noise is replaced by zeros, so the pseudo contexts are a deterministic function
    of the context set and every draw gives the same function (no martingale-posterior
    uncertainty). Its ``L_marg`` over ``K`` identical draws equals that over one draw.
    """

    def __init__(self, hidden: int = 64, depth: int = 3, pseudo_ratio: float = 1.0,
                 n_samples_train: int = 4, n_inducing: int = 4, stochastic: bool = True):
        super().__init__()
        self.hidden, self.pseudo_ratio, self.n_samples_train = hidden, pseudo_ratio, n_samples_train
        self.stochastic = stochastic
        self.enc = mlp(2, [hidden] * (depth - 1), hidden)
        self.dec = Decoder(hidden, hidden, depth)
        self.cross = MAB(hidden, ff=False)
        self.isab = ISAB(hidden, n_inducing)
        self.out = nn.Linear(hidden, hidden)

    encode = CNP.encode
    decode = CNP.decode

    def n_pseudo(self, n_ctx: int) -> int:
        return int(round(self.pseudo_ratio * n_ctx))

    def generate(self, rc: torch.Tensor, n_samples: int, n_pseudo: int) -> torch.Tensor:
        """``K`` sets of ``M`` pseudo-context representations ``(K, B, M, H)`` from ``R_c (B, Nc, H)``:
        noise ``eps (K, B, M, H)`` attends to ``R_c`` (cross attention), then to itself (ISAB).
        Without ``stochastic`` the noise is zero (the deterministic control)."""
        B, _, H = rc.shape
        shape = (n_samples, B, n_pseudo, H)
        eps = torch.randn(shape, device=rc.device) if self.stochastic else rc.new_zeros(shape)
        h = self.cross(eps, rc[None])
        return self.out(self.isab(h))

    def pooled(self, rc: torch.Tensor, n_samples: int) -> torch.Tensor:
        """``r_k = mean(R_c u R'_k)`` for ``k = 1..K``: ``(K, B, H)``."""
        M = self.n_pseudo(rc.shape[1])
        if M == 0:
            return rc.mean(1)[None].expand(n_samples, -1, -1)
        rp = self.generate(rc, n_samples, M)
        Nc = rc.shape[1]
        return (rc.sum(1)[None] + rp.sum(2)) / (Nc + M)

    def forward(self, xc, yc, x, n_samples: int = 1):
        return self.decode(x, self.pooled(self.encode(xc, yc), n_samples))

    def loss(self, batch: TaskBatch) -> torch.Tensor:
        """``L_marg + L_amort`` per point."""
        rc = self.encode(batch.xc, batch.yc)
        N = batch.x.shape[1]
        mean, std = self.decode(batch.x, self.pooled(rc, self.n_samples_train))
        joint = gaussian_logpdf(batch.y, mean, std).sum((2, 3))  # (K, B)
        l_marg = -logmeanexp(joint, 0).mean() / N
        m0, s0 = self.decode(batch.x, rc.mean(1)[None])
        l_amort = -gaussian_logpdf(batch.y, m0[0], s0[0]).mean()
        return l_marg + l_amort


MODELS = {"CNP": CNP, "NP": LatentNP, "MPNP": MPNP}


# --------------------------------------------------------------------------- training and evaluation


def meta_train(model: nn.Module, batches: list[TaskBatch], *, steps: int, lr: float = 5e-4,
               device: str = "cpu", desc: str = "meta-train") -> list[float]:
    """Adam with cosine-annealed learning rate over ``steps`` steps, cycling through ``batches``.

    Meta-learning draws a new batch of *tasks* at every step (each with its own context/target
    split), which the fixed-dataset loop :func:`repro.nn.training.train` does not express; every model
    of a chapter sees the same sequence of batches.
    """
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    losses = []
    bar = progress(range(steps), desc=desc)
    for step in bar:
        loss = model.loss(batches[step % len(batches)].to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % 100 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-100:]):.3f}", refresh=False)
    return losses


@torch.no_grad()
def evaluate(model: nn.Module, batches: list[TaskBatch], *, n_samples: int = 50,
             device: str = "cpu") -> dict[str, np.ndarray]:
    """Per-task context and target log-likelihoods (per-point, sample-marginalised)."""
    model.to(device).eval()
    ctx, tar = [], []
    for b in batches:
        b = b.to(device)
        S = 1 if isinstance(model, CNP) or not getattr(model, "stochastic", True) else n_samples
        mean, std = model(b.xc, b.yc, b.x, n_samples=S)
        ll = predictive_ll(mean, std, b.y)  # (B, N)
        ctx.append(ll[:, :b.n_ctx].mean(1).cpu().numpy())
        tar.append(ll[:, b.n_ctx:].mean(1).cpu().numpy())
    return {"ctx": np.concatenate(ctx), "tar": np.concatenate(tar)}


def constant_baseline(batches: list[TaskBatch]) -> dict[str, np.ndarray]:
    """A constant-mean Gaussian per task: mean and variance of the context outputs."""
    ctx, tar = [], []
    for b in batches:
        yc = b.yc.double()
        m = yc.mean(1, keepdim=True)
        s = yc.std(1, keepdim=True, unbiased=False).clamp_min(1e-3)
        ll = gaussian_logpdf(b.y.double(), m, s)[..., 0]
        ctx.append(ll[:, :b.n_ctx].mean(1).numpy())
        tar.append(ll[:, b.n_ctx:].mean(1).numpy())
    return {"ctx": np.concatenate(ctx), "tar": np.concatenate(tar)}


def gp_oracle(batches: list[TaskBatch], noise: float = 0.02) -> dict[str, np.ndarray]:
    """The true GP posterior predictive (exact kernel and noise): the reference upper bound."""
    ctx, tar = [], []
    for b in batches:
        x, y = b.x.double().numpy(), b.y.double().numpy()[..., 0]
        for i, k in enumerate(b.kernels):
            gp = GPRegression(k, x[i, :b.n_ctx], y[i, :b.n_ctx], noise ** 2)
            m, v = gp.predict(x[i])
            v = v + noise ** 2
            n = b.n_ctx
            ctx.append(-gaussian_nll(y[i, :n], m[:n], v[:n]))
            tar.append(-gaussian_nll(y[i, n:], m[n:], v[n:]))
    return {"ctx": np.array(ctx), "tar": np.array(tar)}
