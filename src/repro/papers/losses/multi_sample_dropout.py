"""Multi-sample dropout (Inoue, 2019, arXiv:1905.09788).

Ordinary dropout draws one mask per training iteration. Multi-sample dropout draws ``M`` masks
on the *same* features from the shared extractor, passes each masked copy through the same
(weight-shared) head and averages the ``M`` losses (Sec. III, Fig. 1 of the paper):

    L_M = (1/M) sum_{m=1..M} loss(head(mask_m * h / (1 - p)), y).

At evaluation dropout is off and the head sees ``h`` once, so the network is unchanged at test
time. ``M = 1`` is ordinary dropout; ``p = 0`` makes every sample identical, so ``L_M`` is the
plain loss.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def dropout_samples(h: torch.Tensor, n_samples: int, p: float, training: bool = True) -> torch.Tensor:
    """``n_samples`` independent dropout masks on ``h``: shape ``(n_samples, *h.shape)``.

    The masks are drawn one after the other, so with a fixed seed sample ``m`` is exactly the mask
    an ordinary dropout layer would have drawn at its ``m``-th call.
    """
    if n_samples < 1:
        raise ValueError(f"n_samples={n_samples} must be >= 1")
    return torch.stack([F.dropout(h, p, training) for _ in range(n_samples)])


def multi_sample_loss(stacked_logits: torch.Tensor, y: torch.Tensor,
                      loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy
                      ) -> torch.Tensor:
    """Mean over the leading sample axis of ``loss_fn(logits_m, y)`` (the paper's averaged loss).

    A 2-D input (one sample, e.g. evaluation outputs) is scored directly.
    """
    if stacked_logits.dim() == 2:
        return loss_fn(stacked_logits, y)
    return torch.stack([loss_fn(o, y) for o in stacked_logits]).mean()


class MultiSampleDropoutHead(nn.Module):
    """Dropout with ``n_samples`` masks followed by a weight-shared head (default: one Linear).

    In training mode ``forward`` returns the stacked logits ``(n_samples, batch, classes)``; in
    evaluation mode it returns ``head(h)`` of shape ``(batch, classes)``.
    """

    def __init__(self, in_dim: int, out_dim: int, n_samples: int = 8, p: float = 0.5,
                 head: nn.Module | None = None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p={p} must be in [0, 1)")
        if n_samples < 1:
            raise ValueError(f"n_samples={n_samples} must be >= 1")
        self.n_samples, self.p = n_samples, p
        self.head = head if head is not None else nn.Linear(in_dim, out_dim)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return self.head(h)
        masked = dropout_samples(h, self.n_samples, self.p, True)       # (M, B, D)
        return self.head(masked.reshape(-1, h.shape[-1])).reshape(self.n_samples, h.shape[0], -1)


class MultiSampleDropoutNet(nn.Module):
    """A feature extractor ``body`` (run once) and a :class:`MultiSampleDropoutHead`."""

    def __init__(self, body: nn.Module, head: MultiSampleDropoutHead):
        super().__init__()
        self.body, self.head = body, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def mlp_msd(in_dim: int, hidden: list[int], out_dim: int, n_samples: int, p: float = 0.5
            ) -> MultiSampleDropoutNet:
    """ReLU MLP body ``in_dim -> hidden...`` then multi-sample dropout and a Linear classifier."""
    layers, d = [], in_dim
    for w in hidden:
        layers += [nn.Linear(d, w), nn.ReLU()]
        d = w
    return MultiSampleDropoutNet(nn.Sequential(*layers), MultiSampleDropoutHead(d, out_dim, n_samples, p))


@torch.no_grad()
def dropout_objective(net: MultiSampleDropoutNet, X: torch.Tensor, y: torch.Tensor, n_masks: int,
                      generator: torch.Generator) -> float:
    """The training objective, dropout on, on ``(X, y)``: cross-entropy averaged over ``n_masks``
    masks drawn from ``generator`` (pass a fresh generator with the same seed to compare models
    on the same masks). Independent of the model's own ``n_samples``.
    """
    h = net.body(X)
    keep = 1.0 - net.head.p
    total = 0.0
    for _ in range(n_masks):
        mask = (torch.rand(h.shape, generator=generator, device="cpu") < keep).to(h.device, h.dtype)
        total += F.cross_entropy(net.head.head(h * mask / keep), y).item()
    return total / n_masks
