"""The ``reduction`` argument shared by every loss of the library (as in ``torch.nn.functional``)."""
from __future__ import annotations

import torch


def reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Mean, sum or no reduction of per-example losses; any other value raises ``ValueError``."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction={reduction!r}; choose 'mean', 'sum' or 'none'")
