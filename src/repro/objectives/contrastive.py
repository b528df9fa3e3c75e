"""The NT-Xent (normalised temperature-scaled cross-entropy) loss of SimCLR (Chen et al., 2020).

A batch of n examples is augmented twice; ``z`` stacks the two views' projections, rows
``0..n-1`` for the first view and ``n..2n-1`` for the second, so the positive partner of row i
is row ``(i + n) mod 2n``. With u_i = z_i / ||z_i|| and s_ij = <u_i, u_j> / tau, the loss of
anchor i is the cross-entropy of picking its partner among the 2n - 1 other rows (SimCLR, Eq. 1):

    l_i = -log [ exp(s_{i,p(i)}) / sum_{j != i} exp(s_ij) ],      L = 1/(2n) sum_i l_i .

Used by :mod:`repro.nn.contrastive` to learn label-free representations of the digits.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce


def nt_xent(z: torch.Tensor, temperature: float = 0.5, reduction: str = "mean") -> torch.Tensor:
    """NT-Xent of ``z`` (shape ``(2n, d)``, the two views stacked); ``reduction`` as elsewhere."""
    if z.ndim != 2 or z.shape[0] % 2:
        raise ValueError(f"z must have shape (2n, d), got {tuple(z.shape)}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    n2 = z.shape[0]
    u = F.normalize(z, dim=1)
    s = u @ u.T / temperature
    s = s.masked_fill(torch.eye(n2, dtype=torch.bool, device=z.device), float("-inf"))
    partner = (torch.arange(n2, device=z.device) + n2 // 2) % n2
    return reduce(F.cross_entropy(s, partner, reduction="none"), reduction)
