"""Label-free representations of 8x8 digits by SimCLR-style contrastive learning (Chen et al., 2020).

Pure PyTorch (no torchvision): :func:`augment` draws random views of a batch of 8x8 images (a
random affine warp: rotation, scaling, shear and translation by ``grid_sample``; additive
Gaussian pixel noise; random pixel dropout), :class:`SimCLR` maps two views of each image
through an MLP encoder and a projection head, and :func:`train_simclr` minimises the NT-Xent
loss (:func:`repro.objectives.contrastive.nt_xent`) through :func:`repro.nn.training.train`: the model's
forward pass draws the two views itself, so the book's one training loop is used unchanged (the
"targets" it is given are ignored). :func:`features` returns the encoder output (before the
projection head), the representation that downstream chapters use, as SimCLR does.

Used by the chapters on noisy long-tailed learning (RCAL) and web-noise detection (LSA).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from repro.data.datasets import _split
from repro.nn.models import mlp, predict
from repro.nn.training import train
from repro.objectives.contrastive import nt_xent


@dataclass(frozen=True)
class Augment:
    """Strengths of the random views; ``Augment(0, 0, 0, 0, 0, 0)`` is the identity."""

    rotation_deg: float = 15.0   # rotation uniform in [-r, r]
    scale: float = 0.15          # isotropic scale uniform in [1 - s, 1 + s]
    shear: float = 0.15          # shear uniform in [-s, s]
    shift_px: float = 1.0        # translation uniform in [-t, t] pixels along each axis
    noise: float = 0.1           # std of additive Gaussian pixel noise (pixels in [0, 1])
    dropout: float = 0.1         # probability of zeroing each pixel


def augment(x: torch.Tensor, generator: torch.Generator, cfg: Augment = Augment(), side: int = 8) -> torch.Tensor:
    """A random view of each row of ``x`` (shape ``(n, side*side)``, pixels in [0, 1]).

    The warp maps output coordinates u (in [-1, 1]^2) to input coordinates A u + b with
    A = R(theta) S(scale) H(shear); pixels falling outside the image are 0 (background).
    Randomness comes only from ``generator`` (on the CPU), so views are reproducible.
    """
    n, dev = x.shape[0], x.device

    def unif(lo, hi):
        return (lo + (hi - lo) * torch.rand(n, generator=generator)).to(dev, x.dtype)

    th = unif(-1, 1) * math.radians(cfg.rotation_deg)
    sc = unif(1 - cfg.scale, 1 + cfg.scale)
    sh = unif(-cfg.shear, cfg.shear)
    tx, ty = (unif(-1, 1) * cfg.shift_px * 2 / side for _ in range(2))
    c, s = torch.cos(th), torch.sin(th)
    # A = R @ diag(sc, sc) @ [[1, sh], [0, 1]]
    a11, a12 = c * sc, (c * sh - s) * sc
    a21, a22 = s * sc, (s * sh + c) * sc
    theta = torch.stack([torch.stack([a11, a12, tx], 1), torch.stack([a21, a22, ty], 1)], 1)
    img = x.reshape(n, 1, side, side)
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    out = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    out = out.reshape(n, -1)
    if cfg.noise > 0:
        out = out + cfg.noise * torch.randn(out.shape, generator=generator).to(dev, x.dtype)
    if cfg.dropout > 0:
        keep = (torch.rand(out.shape, generator=generator) >= cfg.dropout).to(dev, x.dtype)
        out = out * keep
    return out


class SimCLR(nn.Module):
    """Encoder f (MLP ``in_dim -> hidden -> hidden -> rep_dim``) and projection head g
    (MLP ``rep_dim -> hidden -> proj_dim``).

    ``forward(x)`` returns g(f(view_1)) and g(f(view_2)) stacked, shape ``(2n, proj_dim)``, the
    input of :func:`~repro.objectives.contrastive.nt_xent`; ``encoder`` alone gives representations.
    """

    def __init__(self, in_dim: int = 64, hidden: int = 256, rep_dim: int = 32, proj_dim: int = 32,
                 cfg: Augment = Augment(), seed: int = 0):
        super().__init__()
        self.encoder = mlp(in_dim, [hidden, hidden], rep_dim)
        self.head = mlp(rep_dim, [hidden], proj_dim)
        self.cfg = cfg
        self.generator = torch.Generator().manual_seed(seed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        views = torch.cat([augment(x, self.generator, self.cfg), augment(x, self.generator, self.cfg)])
        return self.head(self.encoder(views))


def train_simclr(X: torch.Tensor, *, epochs: int = 100, batch_size: int = 256, lr: float = 1e-3,
                 temperature: float = 0.5, rep_dim: int = 32, hidden: int = 256,
                 cfg: Augment = Augment(), seed: int = 0, desc: str = "SimCLR") -> tuple[SimCLR, list[float]]:
    """Train a :class:`SimCLR` model on unlabelled images ``X`` (pixels in [0, 1]) with Adam.

    Returns the model and the per-epoch NT-Xent losses. No label is ever used.
    """
    torch.manual_seed(seed)
    model = SimCLR(X.shape[1], hidden, rep_dim, rep_dim, cfg, seed).to(X.device)
    dummy = torch.zeros(len(X), dtype=torch.long, device=X.device)
    hist = train(model, lambda out, _y: nt_xent(out, temperature), X, dummy, epochs=epochs,
                 batch_size=batch_size, lr=lr, optimizer="adam",
                 generator=torch.Generator().manual_seed(seed), desc=desc)
    return model, hist


def features(model: SimCLR, X: torch.Tensor) -> torch.Tensor:
    """Encoder representations f(x) of un-augmented images (evaluation mode, no gradient)."""
    return predict(model.encoder, X)


def digit_images(seed: int = 0, test_fraction: float = 0.3, dtype=torch.float32):
    """scikit-learn's 8x8 digits as pixels in [0, 1], split exactly as :func:`repro.data.datasets.digits`
    splits them for the same ``seed``; returns ``X_train, y_train, X_test, y_test`` tensors."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    tr, te = _split(X, y, test_fraction, np.random.default_rng(seed))
    t = lambda a: torch.tensor(a, dtype=dtype)  # noqa: E731
    return t(X[tr] / 16.0), torch.tensor(y[tr]), t(X[te] / 16.0), torch.tensor(y[te])


def linear_probe(Z: torch.Tensor, y: torch.Tensor, Z_test: torch.Tensor, n_classes: int, *,
                 epochs: int = 300, lr: float = 1e-2, weight_decay: float = 1e-3, seed: int = 0,
                 sample_weight: torch.Tensor | None = None, desc: str = "linear probe") -> torch.Tensor:
    """Softmax-regression probe on frozen representations, trained full-batch with Adam through
    :func:`repro.nn.training.train`; returns the predicted classes of ``Z_test``.

    ``sample_weight`` (one per row of ``Z``) turns the loss into a weighted mean of per-example
    cross-entropies (e.g. weight 0 for examples a selection rule discards).
    """
    torch.manual_seed(seed)
    lin = nn.Linear(Z.shape[1], n_classes).to(Z.device)
    if sample_weight is None:
        loss = F.cross_entropy
        idx_loss = False
    else:
        w = sample_weight.to(Z.device, Z.dtype)

        def loss(out, yb, idx):
            return (w[idx] * F.cross_entropy(out, yb, reduction="none")).sum() / w[idx].sum().clamp_min(1e-12)
        idx_loss = True
    train(lin, loss, Z, y, epochs=epochs, batch_size=None, lr=lr, weight_decay=weight_decay,
          optimizer="adam", generator=torch.Generator().manual_seed(seed), desc=desc, with_index=idx_loss)
    return predict(lin, Z_test).argmax(1)
