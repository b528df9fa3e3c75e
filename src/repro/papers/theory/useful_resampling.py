"""USEFUL (UpSample Early For Uniform Learning) and the two-feature patch model it is analysed in.

Nguyen et al., "Changing the Training Data Distribution to Reduce Simplicity Bias Improves
In-distribution Generalization", NeurIPS 2024:

* Sec. 4 (theory): data whose label is carried either by a *fast-learnable* feature patch
  (large norm ``beta_e``) or by a *slow-learnable* one (small norm ``beta_d``), among Gaussian
  noise patches, learned by a two-layer CNN with cubic activation
  ``f(x) = sum_j sum_p <w_j, x_p>^3``. Feature learning is measured by the filters' alignment
  ``max_j <w_j, v>`` with each feature direction ``v``.
* Sec. 5 (method): after a few epochs, cluster each class's examples by the network's outputs
  (k-means, k = 2), keep the cluster with the lower mean loss (its features are already learned)
  and add one more copy of every other example, then retrain from scratch on the new set.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


# --------------------------------------------------------------------------- the resampling step
def kmeans_2(points: np.ndarray, seed: int = 0) -> np.ndarray:
    """Labels (0/1) of a 2-means clustering of ``points`` (rows); deterministic given ``seed``."""
    from sklearn.cluster import KMeans

    points = np.asarray(points, dtype=float).reshape(len(points), -1)
    if len(points) < 2 or np.allclose(points, points[0]):
        return np.zeros(len(points), dtype=int)
    return KMeans(n_clusters=2, n_init=10, random_state=seed).fit_predict(points)


def slow_cluster_mask(outputs, y, losses, seed: int = 0) -> np.ndarray:
    """Boolean mask of the examples USEFUL upsamples (Sec. 5, steps i-iii).

    For every class separately: 2-means on that class's network ``outputs`` (logits, one row per
    example), then mark the cluster whose mean per-example ``losses`` is *higher* (the examples
    whose features are not learned yet). A class that does not split (fewer than two examples or
    identical outputs) contributes nothing.
    """
    outputs = np.asarray(outputs, dtype=float).reshape(len(y), -1)
    y, losses = np.asarray(y), np.asarray(losses, dtype=float)
    mask = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        labels = kmeans_2(outputs[idx], seed=seed)
        if labels.min() == labels.max():
            continue
        hard = int(losses[idx][labels == 1].mean() > losses[idx][labels == 0].mean())
        mask[idx[labels == hard]] = True
    return mask


def upsample_indices(mask: np.ndarray, factor: int = 2) -> np.ndarray:
    """Indices of the resampled training set: every example once, the ``mask`` ones ``factor`` times."""
    if factor < 1:
        raise ValueError(f"factor={factor} must be >= 1")
    mask = np.asarray(mask, dtype=bool)
    return np.concatenate([np.arange(len(mask))] + [np.flatnonzero(mask)] * (factor - 1))


# ------------------------------------------------------------------- the two-feature patch model
@dataclass
class PatchData:
    """Patch data of Sec. 4: ``X`` has shape (n, P, d); ``fast`` marks fast-feature examples."""

    X: torch.Tensor
    y: torch.Tensor          # labels in {-1, +1} (float)
    fast: np.ndarray         # True where the feature patch is the fast one
    v_fast: torch.Tensor
    v_slow: torch.Tensor


def two_feature_patches(n: int, *, d: int = 50, n_patches: int = 4, beta_fast: float = 1.0,
                        beta_slow: float = 0.5, p_fast: float = 0.5, noise_std: float = 0.5,
                        rng: np.random.Generator) -> PatchData:
    """Sample ``n`` examples of the two-feature patch model.

    Label ``y`` uniform in {-1, +1}. Patch 0 is the feature patch: ``beta_fast * y * v_e`` with
    probability ``p_fast``, else ``beta_slow * y * v_d`` (``v_e = e_0``, ``v_d = e_1``). The other
    patches are Gaussian noise of per-coordinate std ``noise_std / sqrt(d)`` with their components
    along ``v_e`` and ``v_d`` removed. A larger norm (``beta_fast > beta_slow``) makes a feature
    faster to learn: with cubic activation its gradient scales like ``beta^3``.
    """
    if d < 2 or n_patches < 1:
        raise ValueError("need d >= 2 and n_patches >= 1")
    y = rng.choice([-1.0, 1.0], size=n)
    fast = rng.random(n) < p_fast
    X = noise_std / np.sqrt(d) * rng.standard_normal((n, n_patches, d))
    X[:, :, :2] = 0.0
    X[:, 0, :] = 0.0
    X[fast, 0, 0] = beta_fast * y[fast]
    X[~fast, 0, 1] = beta_slow * y[~fast]
    eye = torch.eye(d)
    return PatchData(torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32),
                     fast, eye[0], eye[1])


class CubicCNN(nn.Module):
    """Two-layer CNN of Sec. 4: ``f(x) = sum_j sum_p <w_j, x_p>^3`` with ``J`` filters in R^d.

    The filters are shared across patches (a convolution with stride = patch size); the second
    layer is fixed to ones. Filters start i.i.d. ``N(0, init_std^2)``.
    """

    def __init__(self, d: int, n_filters: int = 10, init_std: float = 0.01,
                 generator: torch.Generator | None = None):
        super().__init__()
        self.W = nn.Parameter(init_std * torch.randn(n_filters, d, generator=generator))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return (X @ self.W.T).pow(3).sum(dim=(1, 2))


def logistic_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean of ``log(1 + exp(-y f(x)))`` for labels in {-1, +1}."""
    return nn.functional.softplus(-y * out).mean()


@torch.no_grad()
def alignment(model: CubicCNN, v: torch.Tensor) -> float:
    """Feature alignment ``max_j <w_j, v>`` (the quantity tracked in Sec. 4's theorems)."""
    return float((model.W @ v.to(model.W)).max())
