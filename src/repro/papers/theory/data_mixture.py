"""Data-mixture selection by regression, after Liu et al. (ICLR 2025), "RegMix: Data Mixture as
Regression for Language Model Pre-training" (arXiv:2407.01492).

The recipe (the paper's Sec. 2 and Fig. 1): (1) sample many domain-weight vectors from Dirichlet
distributions centred on a prior (the domains' token shares) with concentrations spread over a log
range, so that both near-uniform and very sparse mixtures appear; (2) train one small proxy model
per mixture and record its validation loss on the target domain; (3) fit a regression from weights
to loss; (4) predict the loss of a very large number of simulated mixtures and average the
top-ranked ones into the final mixture; (5) train the large model on it.

Here the "language models" are tiny next-token MLPs over a short context, trained many at a time:
every parameter carries a leading model axis, so one optimiser step trains all of them, each on
its own mixture.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn


def sample_mixtures(rng: np.random.Generator, n: int, prior, min_strength: float = 0.1,
                    max_strength: float = 5.0, n_strengths: int = 15) -> np.ndarray:
    """``n`` weight vectors, each from Dirichlet(strength * prior) with the strength drawn uniformly
    from ``n_strengths`` log-spaced values in ``[min_strength, max_strength]`` (RegMix's sampler,
    without its per-domain usage bounds). Rows sum to 1."""
    prior = np.asarray(prior, dtype=float)
    prior = prior / prior.sum()
    strengths = np.geomspace(min_strength, max_strength, n_strengths)
    s = strengths[rng.integers(0, n_strengths, n)]
    # Dirichlet via normalised Gammas, vectorised over rows with different concentrations
    g = rng.gamma(s[:, None] * prior[None, :])
    g = np.maximum(g, 1e-300)
    return g / g.sum(1, keepdims=True)


def select_mixture(predict: Callable[[np.ndarray], np.ndarray], rng: np.random.Generator, prior,
                   n_simulated: int = 100_000, top_k: int = 100, **sampler) -> np.ndarray:
    """RegMix's final mixture: the mean of the ``top_k`` simulated mixtures with the lowest
    predicted loss (averaging makes the choice robust to the regressor's noise)."""
    sims = sample_mixtures(rng, n_simulated, prior, **sampler)
    pred = np.asarray(predict(sims))
    best = np.argsort(pred, kind="stable")[:top_k]
    w = sims[best].mean(0)
    return w / w.sum()


def mixture_chain(chains, coefs) -> np.ndarray:
    """The transition matrix ``sum_k coefs_k P_k`` (each row a convex combination of domains)."""
    coefs = np.asarray(coefs, dtype=float)
    if np.any(coefs < 0) or not np.isclose(coefs.sum(), 1.0):
        raise ValueError("coefs must be non-negative and sum to 1")
    return np.tensordot(coefs, np.asarray(chains, dtype=float), axes=1)


def windows(stream: np.ndarray, context: int) -> np.ndarray:
    """All ``(context + 1)``-token windows of a 1-D token stream, shape ``(len - context, context + 1)``."""
    return np.lib.stride_tricks.sliding_window_view(stream, context + 1)


def sample_batches(domain_windows: list[np.ndarray], weights: np.ndarray, batch: int,
                   rng: np.random.Generator) -> np.ndarray:
    """For each model ``m``, ``batch`` windows whose domains are drawn with probabilities
    ``weights[m]``; returns an int array ``(n_models, batch, context + 1)``."""
    weights = np.asarray(weights, dtype=float)
    n_models, K = weights.shape
    cdf = np.cumsum(weights, 1)
    cdf[:, -1] = 1.0
    dom = (rng.random((n_models, batch, 1)) > cdf[:, None, :]).sum(-1)
    out = np.empty((n_models, batch, domain_windows[0].shape[1]), dtype=np.int64)
    for k in range(K):
        mask = dom == k
        cnt = int(mask.sum())
        if cnt:
            out[mask] = domain_windows[k][rng.integers(0, len(domain_windows[k]), cnt)]
    return out


class BatchedLM(nn.Module):
    """``n_models`` independent next-token MLPs: embed each of the ``context`` previous tokens
    (``dim`` each), concatenate, one ReLU hidden layer of ``hidden`` units, logits over ``vocab``.
    Every parameter has a leading model axis; ``forward`` maps ``(n_models, B, context)`` token ids
    to ``(n_models, B, vocab)`` logits. Initialisation: N(0, 1/fan_in) weights, zero biases."""

    def __init__(self, n_models: int, vocab: int, context: int, dim: int, hidden: int,
                 generator: torch.Generator | None = None):
        super().__init__()
        g = generator

        def rand(*shape, fan_in):
            return nn.Parameter(torch.randn(*shape, generator=g) / np.sqrt(fan_in))

        self.vocab, self.context = vocab, context
        self.emb = rand(n_models, vocab, dim, fan_in=1)
        self.w1 = rand(n_models, context * dim, hidden, fan_in=context * dim)
        self.b1 = nn.Parameter(torch.zeros(n_models, 1, hidden))
        self.w2 = rand(n_models, hidden, vocab, fan_in=hidden)
        self.b2 = nn.Parameter(torch.zeros(n_models, 1, vocab))

    def n_parameters_per_model(self) -> int:
        return sum(p[0].numel() for p in self.parameters())

    def forward(self, ctx: torch.Tensor) -> torch.Tensor:
        M, B, c = ctx.shape
        idx = torch.arange(M)[:, None, None]
        x = self.emb[idx, ctx].reshape(M, B, -1)          # (M, B, c * dim)
        h = torch.relu(torch.bmm(x, self.w1) + self.b1)
        return torch.bmm(h, self.w2) + self.b2

    def losses(self, win: torch.Tensor) -> torch.Tensor:
        """Mean next-token cross-entropy (nats) of each model on its windows ``(M, B, context + 1)``."""
        logits = self(win[..., :-1])
        lp = torch.log_softmax(logits, -1)
        return -lp.gather(-1, win[..., -1:]).squeeze(-1).mean(-1)


def train_batched(model: BatchedLM, domain_windows: list[np.ndarray], weights: np.ndarray, *,
                  steps: int, batch: int, lr: float, rng: np.random.Generator,
                  desc: str = "train") -> BatchedLM:
    """Adam on the sum of the models' losses (so each model gets its own gradient), every model
    on fresh windows from its own mixture at each step; a cosine learning-rate decay to 10 %."""
    from repro.book.progress import progress

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * t / steps)))
    for _ in progress(range(steps), desc=desc):
        win = torch.as_tensor(sample_batches(domain_windows, weights, batch, rng))
        loss = model.losses(win).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return model


@torch.no_grad()
def evaluate(model: BatchedLM, win: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Mean cross-entropy (nats/token) of every model on the same windows ``(N, context + 1)``."""
    M = model.emb.shape[0]
    total = np.zeros(M)
    for i in range(0, len(win), chunk):
        w = torch.as_tensor(np.ascontiguousarray(win[i:i + chunk]))
        total += model.losses(w[None].expand(M, -1, -1)).double().numpy() * len(w)
    return total / len(win)
