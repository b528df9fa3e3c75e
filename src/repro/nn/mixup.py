"""Mixup (Zhang et al. 2018): train on convex combinations of pairs of examples and labels."""
from __future__ import annotations

import torch


def mix(x: torch.Tensor, y_onehot: torch.Tensor, alpha: float, generator: torch.Generator | None = None):
    """Return ``(lam * x + (1 - lam) * x[perm], same for labels, lam, perm)``, lam ~ Beta(alpha, alpha)."""
    lam = torch.distributions.Beta(alpha, alpha).sample().item() if alpha > 0 else 1.0
    perm = torch.randperm(len(x), generator=generator)
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm], lam, perm


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against soft targets: -mean_i sum_k t_ik log softmax(z_i)_k."""
    return -(target * torch.log_softmax(logits, -1)).sum(-1).mean()
