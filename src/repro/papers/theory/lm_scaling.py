"""Scaling of small language models on a Markov chain with a power-law logit spectrum.

A first-order chain over ``vocab`` tokens has transition logits ``A = scale * U diag(s) V^T`` with
random orthogonal ``U, V`` and ``s_k = k^-decay``: a rank-``r`` model can capture the first ``r``
directions, so the loss of models of growing capacity keeps falling as a power law until it
reaches the chain's entropy rate, the irreducible loss (exact: ``repro.data.sequences.markov_entropy_rate``).

The language model sees the previous token (all a first-order chain needs) through an MLP
``one-hot -> ReLU(width) -> logits``; its population cross-entropy is computed exactly from the
stationary distribution, so learning curves carry no test-set noise. Used to test the
``L(N, S)`` law of Kaplan et al. (2020) as re-derived by Su et al. (2024).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from repro.data.sequences import markov_entropy_rate


def powerlaw_logit_chain(vocab: int, decay: float, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Transition matrix ``softmax(scale * U diag(k^-decay) V^T)`` (rows sum to 1)."""
    U = np.linalg.qr(rng.standard_normal((vocab, vocab)))[0]
    V = np.linalg.qr(rng.standard_normal((vocab, vocab)))[0]
    s = np.arange(1, vocab + 1, dtype=float) ** -float(decay)
    A = scale * np.sqrt(vocab) * (U * s) @ V.T
    A -= A.max(1, keepdims=True)
    P = np.exp(A)
    return P / P.sum(1, keepdims=True)


def stationary(P: np.ndarray) -> np.ndarray:
    """Stationary distribution of the chain (left eigenvector for eigenvalue 1)."""
    w, v = np.linalg.eig(P.T)
    pi = np.abs(np.real(v[:, np.argmin(np.abs(w - 1))]))
    return pi / pi.sum()


def sample_bigrams(P: np.ndarray, pi: np.ndarray, n: int, rng: np.random.Generator):
    """``n`` (previous, next) token pairs of the stationary chain, as int64 arrays."""
    prev = rng.choice(len(P), size=n, p=pi)
    u = rng.random(n)[:, None]
    nxt = np.minimum((u > np.cumsum(P[prev], 1)).sum(1), len(P) - 1)
    return prev.astype(np.int64), nxt.astype(np.int64)


class BigramMLP(nn.Module):
    """``one-hot(previous token) -> ReLU(width) -> next-token logits``."""

    def __init__(self, vocab: int, width: int):
        super().__init__()
        self.vocab = vocab
        self.net = nn.Sequential(nn.Linear(vocab, width), nn.ReLU(), nn.Linear(width, vocab))

    def forward(self, prev: torch.Tensor) -> torch.Tensor:
        return self.net(F.one_hot(prev, self.vocab).float())

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


@torch.no_grad()
def population_loss(model: BigramMLP, P: np.ndarray, pi: np.ndarray) -> float:
    """Exact expected cross-entropy (nats/token) under the stationary chain: sum_i pi_i KL-free CE."""
    logq = F.log_softmax(model(torch.arange(len(P))), -1).double().numpy()
    return float(-(pi[:, None] * P * logq).sum())


def train_curve(model: BigramMLP, P: np.ndarray, pi: np.ndarray, *, steps: int, batch_size: int, lr: float,
                eval_steps, rng: np.random.Generator) -> np.ndarray:
    """Adam at a constant learning rate on fresh batches; the exact loss at each of ``eval_steps``."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    eval_steps, out = sorted(int(s) for s in eval_steps), []
    for step in range(1, steps + 1):
        prev, nxt = sample_bigrams(P, pi, batch_size, rng)
        loss = F.cross_entropy(model(torch.from_numpy(prev)), torch.from_numpy(nxt))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step in eval_steps:
            out.append(population_loss(model, P, pi))
    return np.array(out)


class ParallelBigramMLPs(nn.Module):
    """Several independent :class:`BigramMLP` towers of different widths trained side by side.

    The towers share nothing but the input batch; the total loss is the sum of the towers'
    losses, so each parameter's gradient (and hence its Adam update) is exactly what training
    that tower alone on the same batches would give. One pass costs far less than one per tower.
    """

    def __init__(self, vocab: int, widths):
        super().__init__()
        self.vocab, self.widths = vocab, [int(w) for w in widths]
        self.towers = nn.ModuleList(BigramMLP(vocab, w) for w in self.widths)

    def forward(self, prev: torch.Tensor) -> torch.Tensor:
        """Logits of every tower, shape (towers, batch, vocab)."""
        x = F.one_hot(prev, self.vocab).float()
        return torch.stack([t.net(x) for t in self.towers])

    def n_params(self) -> list[int]:
        return [t.n_params() for t in self.towers]


def all_logits(model: ParallelBigramMLPs) -> torch.Tensor:
    """Logits of every tower for every previous token, shape (towers, vocab, vocab).

    The input of token ``i`` is the one-hot ``e_i``, so the first layer's output is column ``i`` of
    its weight matrix: no matrix product is needed.
    """
    out = []
    for t in model.towers:
        first, last = t.net[0], t.net[2]
        out.append(last(torch.relu(first.weight.T + first.bias)))
    return torch.stack(out)


def train_curves(model: ParallelBigramMLPs, P: np.ndarray, pi: np.ndarray, *, steps: int, batch_size: int,
                 lr: float, eval_steps, rng: np.random.Generator) -> np.ndarray:
    """Adam at a constant learning rate on fresh mini-batches of ``batch_size`` token pairs.

    A batch of (previous, next) pairs enters the loss only through its count matrix
    ``C_ij = #{pairs (i, j)}``, ``loss = -sum_ij C_ij log q_ij / batch_size``, so we draw ``C`` from the
    multinomial over pairs and evaluate each tower once per previous token: the same gradient as a
    mini-batch, at a cost independent of the batch size. The towers share the batches.
    Returns the exact population loss of each tower at ``eval_steps``, shape (towers, len(eval_steps)).
    """
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    joint = (pi[:, None] * P).ravel()
    cdf = np.cumsum(joint / joint.sum())
    eval_steps, out = set(int(s) for s in eval_steps), []
    V = model.vocab
    for step in range(1, steps + 1):
        pairs = np.minimum(np.searchsorted(cdf, rng.random(batch_size), side="right"), V * V - 1)
        counts = torch.from_numpy(np.bincount(pairs, minlength=V * V).reshape(V, V).astype(np.float32))
        logq = F.log_softmax(all_logits(model), -1)
        loss = -(counts * logq).sum() / batch_size
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step in eval_steps:
            with torch.no_grad():
                logq = F.log_softmax(all_logits(model), -1).double().numpy()
            out.append(-(pi[None, :, None] * P[None] * logq).sum((1, 2)))
    return np.array(out).T


def entropy_rate(P: np.ndarray) -> float:
    """The chain's entropy rate (nats/token): the irreducible loss of any language model."""
    return markov_entropy_rate(P)


def trajectory_mae(pred, curve, eval_steps, from_step: float) -> float:
    """Mean absolute error of a predicted loss trajectory over the recorded steps ``>= from_step``.

    ``pred`` may be a scalar (a constant predictor such as ``L = H``) or one value per step.
    """
    eval_steps, curve = np.asarray(eval_steps), np.asarray(curve, dtype=float)
    sel = eval_steps >= from_step
    if not sel.any():
        raise ValueError("no recorded step at or after from_step")
    pred = np.broadcast_to(np.asarray(pred, dtype=float), curve.shape)
    return float(np.abs(pred[sel] - curve[sel]).mean())
