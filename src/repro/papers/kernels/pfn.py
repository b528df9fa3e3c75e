"""Prior-Data Fitted Networks (Mueller et al., ICLR 2022) for a Gaussian-process prior.

A PFN is a transformer ``q_theta(y | x, D)`` trained on datasets drawn from a prior: each
training step draws datasets ``D u {(x_i, y_i)}`` from the prior, shows the network the labelled
context ``D`` and the unlabelled query inputs ``x_i``, and minimises the prior-data NLL
``E[-log q_theta(y_i | x_i, D)]`` (the paper's Eq. 2). Its minimiser is the posterior predictive
``p(y | x, D)`` (the paper's Insight 1), so the trained network does approximate Bayesian
inference in one forward pass.

* :func:`sample_gp_datasets`: a batch of datasets, ``x ~ U[0, 1]``, ``y ~ N(0, K + s^2 I)``
  with an RBF kernel (the same covariance as :func:`repro.gp.regression.sample_prior` plus noise,
  batched with one stacked Cholesky so that training data are cheap).
* :class:`BarDistribution`: the paper's Riemann ("bar") output distribution, a piecewise-constant
  density on buckets whose borders are quantiles of prior samples; the two outer buckets get
  half-normal tails so that the support is the whole real line.
* :class:`PFN`: a small pre-LayerNorm transformer without positional encodings; context tokens
  ``enc(x) + enc(y)`` attend to each other, query tokens ``enc(x)`` attend to the context and to
  themselves only (the paper's attention mask), so the output is invariant to permutations of
  the context and a query's prediction does not depend on the other queries.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# ----------------------------------------------------------------------------- prior

def sample_gp_datasets(n_datasets: int, n_points: int, lengthscale: float, noise: float,
                       generator: torch.Generator, device="cpu", dtype=torch.float64):
    """``n_datasets`` independent GP datasets of ``n_points`` points each.

    ``x ~ U[0, 1]`` and ``y = f(x) + eps`` with ``f ~ GP(0, k)``, ``k(a, b) =
    exp(-(a - b)^2 / (2 l^2))`` (unit output scale, :func:`repro.gp.kernels.rbf_kernel`) and
    ``eps ~ N(0, noise)``, drawn jointly as ``y = L z`` with ``L L^T = K + noise I``.
    Returns ``x`` of shape ``(n_datasets, n_points, 1)`` and ``y`` of shape
    ``(n_datasets, n_points)``, float32 on ``device``. Random numbers come from ``generator``
    (on the CPU, so results do not depend on the device).
    """
    x = torch.rand(n_datasets, n_points, 1, generator=generator, dtype=dtype)
    z = torch.randn(n_datasets, n_points, 1, generator=generator, dtype=dtype)
    x, z = x.to(device), z.to(device)
    K = torch.exp(-(x - x.transpose(1, 2)) ** 2 / (2.0 * lengthscale ** 2))
    K = K + noise * torch.eye(n_points, dtype=dtype, device=device)
    y = (torch.linalg.cholesky(K) @ z).squeeze(-1)
    return x.float(), y.float()


# ----------------------------------------------------------------------------- bar distribution

_HALF_NORMAL_MEDIAN = 0.6744897501960817  # Phi^{-1}(0.75): the median of |N(0, 1)|


def borders_from_samples(ys, n_buckets: int) -> torch.Tensor:
    """``n_buckets + 1`` bucket borders with equal prior mass: sample quantiles of ``ys``.

    Inner borders lie halfway between the sorted samples that close each group of
    ``len(ys) // n_buckets``; the outer borders are the smallest and largest sample.
    """
    ys = torch.as_tensor(ys, dtype=torch.float64).flatten().sort().values
    per = len(ys) // n_buckets
    if per < 1:
        raise ValueError(f"need at least {n_buckets} samples for {n_buckets} buckets, got {len(ys)}")
    ys = ys[:per * n_buckets]
    inner = (ys[per - 1:-1:per][:n_buckets - 1] + ys[per::per][:n_buckets - 1]) / 2
    return torch.cat([ys[:1], inner, ys[-1:]]).float()


class BarDistribution(nn.Module):
    """Riemann distribution over ``K`` buckets with half-normal tails (the paper's Sec. 4).

    Logits ``l`` give bucket probabilities ``p = softmax(l)``. Inside an inner bucket ``k`` of
    width ``w_k`` the density is ``p_k / w_k``. The first bucket's mass is spread as a half-normal
    that decreases to the left from its right border ``b_1`` (and the last bucket's as a half-normal
    to the right of ``b_{K-1}``), with the scale that puts half of that mass inside the bucket's
    original width; the density is therefore positive on the whole line and integrates to one.
    """

    def __init__(self, borders: torch.Tensor):
        super().__init__()
        borders = torch.as_tensor(borders, dtype=torch.float32).flatten()
        if len(borders) < 4:
            raise ValueError("a bar distribution needs at least 3 buckets (4 borders)")
        if not bool((borders[1:] > borders[:-1]).all()):
            raise ValueError("borders must be strictly increasing")
        self.register_buffer("borders", borders)
        self.register_buffer("widths", borders[1:] - borders[:-1])
        self.n_buckets = len(borders) - 1
        self.tail_scales = (float(self.widths[0]) / _HALF_NORMAL_MEDIAN,
                            float(self.widths[-1]) / _HALF_NORMAL_MEDIAN)

    def bucket(self, y: torch.Tensor) -> torch.Tensor:
        """Index of the bucket holding ``y`` (values outside the borders go to the tail buckets)."""
        idx = torch.searchsorted(self.borders, y.contiguous(), right=True) - 1
        return idx.clamp(0, self.n_buckets - 1)

    def log_density(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``log q(y)`` for logits of shape ``(..., K)`` and ``y`` of shape ``(...)``."""
        logp = torch.log_softmax(logits, -1)
        k = self.bucket(y)
        out = (logp * F.one_hot(k, self.n_buckets)).sum(-1)  # no gather: deterministic on CUDA too
        inner = out - torch.log(self.widths[k])
        b, (s0, s1) = self.borders, self.tail_scales
        log_hn0 = math.log(math.sqrt(2 / math.pi) / s0) - 0.5 * ((b[1] - y) / s0) ** 2
        log_hn1 = math.log(math.sqrt(2 / math.pi) / s1) - 0.5 * ((y - b[-2]) / s1) ** 2
        out = torch.where(k == 0, out + log_hn0,
                          torch.where(k == self.n_buckets - 1, out + log_hn1, inner))
        return out

    def nll(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Negative log density, elementwise (the PFN's training loss)."""
        return -self.log_density(logits, y)

    def mean(self, logits: torch.Tensor) -> torch.Tensor:
        """Mean: bucket midpoints inside, ``b_1 - s_0 sqrt(2/pi)`` and ``b_{K-1} + s_1 sqrt(2/pi)`` in the tails."""
        mids = (self.borders[:-1] + self.borders[1:]) / 2
        c = math.sqrt(2 / math.pi)
        mids = torch.cat([(self.borders[1] - c * self.tail_scales[0]).reshape(1), mids[1:-1],
                          (self.borders[-2] + c * self.tail_scales[1]).reshape(1)])
        return torch.softmax(logits, -1) @ mids

    def cdf(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``Q(Y <= y)`` elementwise (computed on the CPU, where cumsum is deterministic)."""
        dev, logits, y = logits.device, logits.cpu(), y.cpu()
        b, w = self.borders.cpu(), self.widths.cpu()
        p = torch.softmax(logits, -1)
        before = torch.cumsum(p, -1) - p  # mass of the buckets left of each bucket
        k = self.bucket(y)
        pk = p.gather(-1, k.unsqueeze(-1)).squeeze(-1)
        start = before.gather(-1, k.unsqueeze(-1)).squeeze(-1)
        frac = ((y - b[k]) / w[k]).clamp(0, 1)
        s0, s1 = self.tail_scales
        sq2 = math.sqrt(2)
        left = torch.erfc(((b[1] - y) / s0).clamp(min=0) / sq2)  # P(HN >= b_1 - y)
        right = torch.erf(((y - b[-2]) / s1).clamp(min=0) / sq2)  # P(HN <= y - b_{K-1})
        frac = torch.where(k == 0, left, torch.where(k == self.n_buckets - 1, right, frac))
        return (start + pk * frac).to(dev)

    def quantile(self, logits: torch.Tensor, q: float) -> torch.Tensor:
        """The ``q``-quantile of every distribution in ``logits`` (shape ``(...)``), computed on the CPU."""
        dev, dtype = logits.device, logits.dtype
        p = torch.softmax(logits.double().cpu(), -1)
        cum = torch.cumsum(p, -1)
        qt = torch.full(cum.shape[:-1] + (1,), float(q), dtype=cum.dtype, device=cum.device)
        k = torch.searchsorted(cum.contiguous(), qt).squeeze(-1).clamp(0, self.n_buckets - 1)
        pk = p.gather(-1, k.unsqueeze(-1)).squeeze(-1)
        start = (cum - p).gather(-1, k.unsqueeze(-1)).squeeze(-1)
        b, w = self.borders.double().cpu(), self.widths.double().cpu()
        inner = b[k] + (q - start) / pk * w[k]
        normal = torch.distributions.Normal(torch.tensor(0.0, dtype=p.dtype, device=p.device), 1.0)
        s0, s1 = self.tail_scales
        r0 = (q / pk).clamp(1e-12, 1 - 1e-12)  # Q(Y <= y) = p_0 * 2 (1 - Phi((b_1 - y) / s0))
        left = b[1] - s0 * normal.icdf(1 - r0 / 2)
        r1 = ((q - start) / pk).clamp(0, 1 - 1e-12)  # = start + p_K (2 Phi((y - b_{K-1}) / s1) - 1)
        right = b[-2] + s1 * normal.icdf((1 + r1) / 2)
        out = torch.where(k == 0, left, torch.where(k == self.n_buckets - 1, right, inner))
        return out.to(device=dev, dtype=dtype)

    def logits_of_gaussian(self, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        """Logits whose bucket masses are those of ``N(mean, std^2)``: the bar head's best
        rendering of a Gaussian predictive, used to measure the discretisation floor."""
        b = self.borders.double()
        mean, std = torch.as_tensor(mean).to(b), torch.as_tensor(std).to(b)
        c = torch.special.ndtr((b[1:-1] - mean.unsqueeze(-1)) / std.unsqueeze(-1))
        zeros, ones = torch.zeros_like(c[..., :1]), torch.ones_like(c[..., :1])
        mass = torch.diff(torch.cat([zeros, c, ones], -1), dim=-1)
        return torch.log(mass.clamp(min=1e-300)).float()


# ----------------------------------------------------------------------------- transformer

def attention_mask(is_ctx: torch.Tensor) -> torch.Tensor:
    """Boolean ``(B, 1, T, T)`` mask: token ``i`` may attend to ``j`` iff ``j`` is context or ``j = i``."""
    T = is_ctx.shape[-1]
    eye = torch.eye(T, dtype=torch.bool, device=is_ctx.device)
    return (is_ctx.bool()[:, None, :] | eye)[:, None]


class _Block(nn.Module):
    def __init__(self, d: int, heads: int, d_ff: int):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, d_ff), nn.GELU(), nn.Linear(d_ff, d))
        for lin in (self.out, self.ff[2]):  # every block starts as the identity (as the authors do)
            nn.init.zeros_(lin.weight)
            nn.init.zeros_(lin.bias)

    def forward(self, h, mask):
        B, T, d = h.shape
        q, k, v = self.qkv(self.ln1(h)).view(B, T, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])  # written out: deterministic on any device
        a = torch.softmax(scores.masked_fill(~mask, float("-inf")), -1) @ v
        h = h + self.out(a.transpose(1, 2).reshape(B, T, d))
        return h + self.ff(self.ln2(h))


class PFN(nn.Module):
    """Transformer mapping ``(x, y_ctx, is_ctx)`` tokens to bar-distribution logits.

    Input ``inp`` of shape ``(B, T, 3)``: columns ``x`` (in [0, 1]), ``y`` (ignored where
    ``is_ctx = 0``) and ``is_ctx``. Output logits of shape ``(B, T, n_buckets)``; only the
    query positions are meaningful predictions. No positional encoding is used.
    """

    def __init__(self, n_buckets: int, d_model: int = 64, n_layers: int = 4, n_heads: int = 4,
                 d_ff: int | None = None):
        super().__init__()
        d_ff = d_ff or 2 * d_model
        if d_model % n_heads:
            raise ValueError("d_model must be divisible by n_heads")
        self.x_enc, self.y_enc = nn.Linear(1, d_model), nn.Linear(1, d_model)
        self.blocks = nn.ModuleList(_Block(d_model, n_heads, d_ff) for _ in range(n_layers))
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, n_buckets))

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        x, y, ctx = inp[..., :1], inp[..., 1:2], inp[..., 2:3]
        h = self.x_enc((x - 0.5) * math.sqrt(12.0)) + ctx * self.y_enc(y * ctx)
        mask = attention_mask(ctx[..., 0])
        for blk in self.blocks:
            h = blk(h, mask)
        return self.head(self.ln(h))


def pack(x: torch.Tensor, y: torch.Tensor, n_ctx: torch.Tensor):
    """Model inputs and targets for datasets whose first ``n_ctx[b]`` points are the context.

    Returns ``inp`` (B, T, 3) = ``[x, y * is_ctx, is_ctx]`` and ``target`` (B, T, 2) =
    ``[y, is_query]``, as :class:`PFN` and :func:`pfn_loss` expect.
    """
    T = x.shape[1]
    is_ctx = (torch.arange(T, device=x.device)[None, :] < n_ctx.to(x.device)[:, None]).float()
    inp = torch.stack([x[..., 0], y * is_ctx, is_ctx], -1)
    return inp, torch.stack([y, 1.0 - is_ctx], -1)


def pfn_loss(bar: BarDistribution):
    """Loss ``(logits, target) -> mean NLL over the query points`` of a batch."""
    def loss(logits, target):
        w = target[..., 1]
        return (bar.nll(logits, target[..., 0]) * w).sum() / w.sum()
    return loss


def per_dataset_nll(model: PFN, bar: BarDistribution, inp: torch.Tensor, target: torch.Tensor,
                    batch_size: int = 500) -> np.ndarray:
    """Mean query NLL of every dataset, shape ``(B,)``, in evaluation mode without gradients."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(inp), batch_size):
            nll = bar.nll(model(inp[i:i + batch_size]), target[i:i + batch_size, :, 0])
            w = target[i:i + batch_size, :, 1]
            out.append(((nll * w).sum(1) / w.sum(1)).cpu())
    return torch.cat(out).double().numpy()


# ----------------------------------------------------------------------------- training and baselines

def train_pfn(model: PFN, bar: BarDistribution, *, steps: int, batch_size: int, n_points: int,
              max_ctx: int, lengthscale: float, noise: float, lr: float, generator: torch.Generator,
              device="cpu", chunk: int = 100, warmup: float = 0.05, desc: str = "prior batches") -> list[float]:
    """Fit ``model`` to the GP prior by minimising the prior-data NLL (the paper's Algorithm 1).

    Every step sees ``batch_size`` datasets never seen before: ``chunk`` steps' worth is drawn
    with :func:`sample_gp_datasets`, each dataset with its own context size ``U{1..max_ctx}`` (the
    other ``n_points - n_ctx`` points are queries), and handed to :func:`repro.nn.training.train`
    for one epoch. Adam with a linear warm-up over ``warmup * steps`` steps and cosine decay, as
    the authors train. Returns the mean training loss of every chunk.
    """
    from repro.book.progress import progress
    from repro.nn.training import train

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n_warm = max(int(warmup * steps), 1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / n_warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    loss_fn, history = pfn_loss(bar), []
    n_chunks = -(-steps // chunk)
    for c in progress(range(n_chunks), desc=desc):
        n_steps = min(chunk, steps - c * chunk)
        x, y = sample_gp_datasets(n_steps * batch_size, n_points, lengthscale, noise, generator, device)
        n_ctx = torch.randint(1, max_ctx + 1, (n_steps * batch_size,), generator=generator)
        inp, target = pack(x, y, n_ctx)
        history += train(model, loss_fn, inp, target, epochs=1, batch_size=batch_size, optimizer=opt,
                         generator=generator, after_step=sched.step, desc="steps")
    return history


def gp_predictive(x: torch.Tensor, y: torch.Tensor, n_ctx: torch.Tensor, lengthscale: float,
                  noise: float):
    """Exact GP posterior predictive of ``y`` at every query point (:class:`repro.gp.regression.GPRegression`).

    Returns ``mean`` and ``std`` arrays of shape ``(B, T)``, float64; context positions hold the
    prior (mean 0, variance ``1 + noise``). The predictive variance includes the noise.
    """
    from functools import partial

    from repro.gp.kernels import rbf_kernel
    from repro.gp.regression import GPRegression

    kernel = partial(rbf_kernel, lengthscale=lengthscale)
    xd, yd = x.double().cpu().numpy(), y.double().cpu().numpy()
    mean, var = np.zeros(yd.shape), np.full(yd.shape, 1.0 + noise)
    for b, n in enumerate(n_ctx.tolist()):
        m, v = GPRegression(kernel, xd[b, :n], yd[b, :n], noise).predict(xd[b, n:])
        mean[b, n:], var[b, n:] = m, v + noise
    return mean, np.sqrt(var)


def gaussian_point_nll(y, mean, std) -> np.ndarray:
    """Elementwise ``-log N(y; mean, std^2)``."""
    return 0.5 * np.log(2 * np.pi * std ** 2) + 0.5 * ((y - mean) / std) ** 2
