"""Supervised contrastive loss (SupCon; Khosla et al., 2020, Eq. 2, the "L_out" form).

With u_i = z_i / ||z_i||, s_ij = <u_i, u_j> / tau and P(i) the other examples of anchor i's class,
the loss of anchor i averages the log-probability of picking each positive among all others:

    l_i = -1/|P(i)| sum_{p in P(i)} log [ exp(s_ip) / sum_{a != i} exp(s_ia) ].

Anchors without a positive in the batch are skipped. Used by :mod:`repro.papers.kernels.continual` (generative
kernel continual learning, Derakhshani et al., 2022) to make features more discriminative.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce


def supcon(z: torch.Tensor, labels: torch.Tensor, temperature: float = 0.1,
           reduction: str = "mean") -> torch.Tensor:
    """SupCon loss of features ``z`` (``(n, d)``) with integer ``labels`` (``(n,)``)."""
    if z.ndim != 2 or labels.shape != (z.shape[0],):
        raise ValueError(f"z must be (n, d) and labels (n,), got {tuple(z.shape)}, {tuple(labels.shape)}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    n = z.shape[0]
    u = F.normalize(z, dim=1)
    eye = torch.eye(n, dtype=torch.bool, device=z.device)
    s = (u @ u.T / temperature).masked_fill(eye, float("-inf"))
    logp = s - torch.logsumexp(s, dim=1, keepdim=True)
    pos = (labels[:, None] == labels[None, :]) & ~eye
    npos = pos.sum(1)
    keep = npos > 0
    per = -(logp.masked_fill(~pos, 0.0).sum(1)[keep] / npos[keep])
    return reduce(per, reduction)
