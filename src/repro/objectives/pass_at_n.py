"""Pass@N and the loss aligned with it (Chen, Raventos, Cheng, Ganguli & Druckmann, NeurIPS 2025).

A model that answers by sampling is right under *pass@N* if at least one of N independent samples
is correct. With probability ``p`` on the correct answer (paper, Eq. 1),

    pass@N(p) = 1 - (1 - p)^N .

Training on ``-log pass@N`` (the paper's Direct Coverage Optimization, DCO) gives, per example,

    l_N(z, y) = -log(1 - (1 - p_y)^N),          p = softmax(z),

whose gradient with respect to the logits is the cross-entropy gradient times a scalar weight
(paper, Eq. 5)

    d l_N / d z = F(N, p_y) * (p - e_y),   F(N, p) = N p (1 - p)^(N-1) / (1 - (1 - p)^N).

F equals 1 for N = 1 (l_1 is cross-entropy), tends to 1 as p -> 0 and to 0 as p -> 1: examples the
model already gets right with high probability stop pushing its confidence up, which is what
keeps probability mass on alternative answers and helps pass@N at large N.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce


def pass_at_n(p: torch.Tensor, n: int) -> torch.Tensor:
    """Exact pass@N for per-example correct-answer probabilities ``p`` (Eq. 1)."""
    return 1.0 - (1.0 - p) ** n


def log1m_pow(log_p: torch.Tensor, n: int) -> torch.Tensor:
    """``log(1 - (1 - p)^n)`` from ``log p``, stable for p near 0 and near 1."""
    log_q = torch.log(-torch.expm1(log_p.clamp(max=-1e-12)))      # log(1 - p)
    return torch.log(-torch.expm1(n * log_q))


def dco_loss(logits: torch.Tensor, y: torch.Tensor, n: int, reduction: str = "mean") -> torch.Tensor:
    """Direct Coverage Optimization loss ``-log pass@N(p_y)``; ``n = 1`` is cross-entropy."""
    if n < 1:
        raise ValueError(f"n={n} must be >= 1")
    log_p = F.log_softmax(logits, dim=-1).gather(-1, y[:, None])[:, 0]
    loss = -log_p if n == 1 else -log1m_pow(log_p, n)
    return reduce(loss, reduction)


def dco_weight(p: torch.Tensor, n: int) -> torch.Tensor:
    """The factor F(N, p) multiplying the cross-entropy gradient (Eq. 5)."""
    return n * p * (1.0 - p) ** (n - 1) / pass_at_n(p, n)
