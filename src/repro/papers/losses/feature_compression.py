"""Feature compression against noisy labels (Chen, Hu, Shen, Ai & Suykens, IEEE TNNLS 2022,
arXiv:2206.13140), with Co-teaching (Han et al., NeurIPS 2018).

A network is split into a feature extractor h(x) in R^D and a linear classifier W. Compression
acts on h(x) during training only:

* **Dropout** (paper, Sec. 3.1): each coordinate of h(x) is zeroed with probability p (inverted
  scaling by 1/(1-p)), an information bottleneck on the representation.
* **Nested Dropout** (Rippel et al., 2014; paper, Sec. 3.2): for each mini-batch draw one
  truncation index k in {1..D} with p(k) proportional to exp(-((k - mu)/sigma)^2) (the discrete
  Gaussian of the authors' code, mu = 0) and keep only h_1..h_k. The first coordinates must then
  carry the most useful information, so features are ordered by importance; at test time the
  classifier uses the first k coordinates, k chosen on a validation set (paper, Eq. 4-5).
* **Co-teaching** (Han et al., 2018; paper, Sec. 3.4): two networks; in each mini-batch each one
  keeps the fraction 1 - R(t) of examples with the smallest loss under its own predictions and the
  *other* network is updated on them. R(t) = tau * min(t / T_k, 1) with tau the noise rate.

Everything plugs into :func:`repro.nn.training.train`: :class:`CoTeachingPair` stacks both networks'
logits and :class:`CoTeachingLoss` does the cross-update, so no second training loop is needed.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from repro.nn.models import mlp


def nested_distribution(dim: int, sigma: float, mu: float = 0.0) -> np.ndarray:
    """p(k) proportional to exp(-((k - mu) / sigma)^2) for k = 1..dim (authors' ``GaussianDist``)."""
    k = np.arange(1, dim + 1, dtype=float)
    w = np.exp(-((k - mu) / sigma) ** 2)
    return w / w.sum()


class NestedDropout(nn.Module):
    """Keep the first k features, k ~ :func:`nested_distribution` once per batch (training), or
    ``self.k`` features at evaluation (``None``: all). ``generator`` makes the draws reproducible."""

    def __init__(self, dim: int, sigma: float, mu: float = 0.0, generator: torch.Generator | None = None):
        super().__init__()
        self.dim, self.k = dim, None
        self.register_buffer("cdf", torch.as_tensor(np.cumsum(nested_distribution(dim, sigma, mu))))
        self.generator = generator

    def sample_k(self) -> int:
        u = torch.rand(1, generator=self.generator, dtype=torch.float64).item()
        return int(torch.searchsorted(self.cdf.cpu(), torch.tensor([u], dtype=torch.float64)).item()) + 1

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        k = self.sample_k() if self.training else (self.k or self.dim)
        mask = torch.zeros(self.dim, dtype=h.dtype, device=h.device)
        mask[:min(k, self.dim)] = 1.0
        return h * mask


class FeatureNet(nn.Module):
    """MLP feature extractor -> compression -> linear classifier (bias-free, as in the authors'
    code). ``compression``: ``"none"``, ``"dropout"`` (rate ``p``) or ``"nested"`` (``sigma``)."""

    def __init__(self, in_dim: int, hidden: Sequence[int], feat_dim: int, n_classes: int,
                 compression: str = "none", p: float = 0.3, sigma: float = 10.0,
                 generator: torch.Generator | None = None):
        super().__init__()
        self.features = nn.Sequential(mlp(in_dim, hidden, feat_dim), nn.ReLU())
        if compression == "none":
            self.compress = nn.Identity()
        elif compression == "dropout":
            self.compress = nn.Dropout(p)
        elif compression == "nested":
            self.compress = NestedDropout(feat_dim, sigma, generator=generator)
        else:
            raise ValueError(f"compression={compression!r}; choose 'none', 'dropout' or 'nested'")
        self.compression = compression
        self.classifier = nn.Linear(feat_dim, n_classes, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.compress(self.features(x)))

    @torch.no_grad()
    def logits_per_k(self, x: torch.Tensor) -> torch.Tensor:
        """Logits using only the first k features, for every k = 1..D at once: shape (D, n, C).

        Row k-1 equals ``classifier(h * 1[j <= k])`` (a cumulative sum over feature j of h_j W_j)."""
        h = self.features(x)
        contrib = h[:, :, None] * self.classifier.weight.T[None]          # (n, D, C)
        return contrib.cumsum(1).permute(1, 0, 2)


@torch.no_grad()
def choose_k(net: FeatureNet, X_val: torch.Tensor, y_val: torch.Tensor) -> tuple[int, np.ndarray]:
    """Truncation k with the best accuracy on (possibly noisy) validation labels, the smallest k
    among ties; returns k and the accuracy of every k (authors' ``TestNested``)."""
    acc = (net.logits_per_k(X_val).argmax(2) == y_val[None]).double().mean(1).cpu().numpy()
    return int(np.argmax(acc)) + 1, acc


class CoTeachingPair(nn.Module):
    """Two networks trained together; the forward pass stacks their logits, shape (2, n, C)."""

    def __init__(self, net1: nn.Module, net2: nn.Module):
        super().__init__()
        self.net1, self.net2 = net1, net2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([self.net1(x), self.net2(x)])


def small_loss_indices(logits: torch.Tensor, y: torch.Tensor, forget_rate: float) -> torch.Tensor:
    """Indices of the ``max(1, int((1 - forget_rate) * n))`` examples with the smallest cross-entropy."""
    loss = F.cross_entropy(logits.detach(), y, reduction="none")
    n_keep = max(1, int((1.0 - forget_rate) * len(y)))
    return torch.argsort(loss, stable=True)[:n_keep]


class CoTeachingLoss:
    """Cross-update of Co-teaching for :class:`CoTeachingPair` outputs (Han et al., 2018, Alg. 1):
    net 1 is trained on the small-loss examples selected by net 2 and vice versa.
    ``forget_rate`` is R(t); update it each epoch with :func:`forget_rate`."""

    def __init__(self, forget: float = 0.0):
        self.forget_rate = forget

    def __call__(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        idx1 = small_loss_indices(out[0], y, self.forget_rate)
        idx2 = small_loss_indices(out[1], y, self.forget_rate)
        return F.cross_entropy(out[0][idx2], y[idx2]) + F.cross_entropy(out[1][idx1], y[idx1])


def forget_rate(epoch: int, tau: float, t_k: int) -> float:
    """R(t) = tau * min(t / T_k, 1) (Han et al., 2018, Sec. 3), epoch t counted from 0."""
    return tau * min(epoch / t_k, 1.0)
