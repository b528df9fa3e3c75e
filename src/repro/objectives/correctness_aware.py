"""Correctness-aware (CA) post-hoc calibration (Liu, Wang, Zou, Zou & Zheng, arXiv:2404.13016).

A post-hoc calibrator rescales a trained classifier's logits ``z`` per sample, ``z / T(x)``
with ``T(x) > 0``, so the predicted class never changes and only the confidence
``c = max_k softmax(z / T)_k`` moves. The paper's point is the *objective* used to fit ``T`` on a
validation set. Cross-entropy (NLL) raises the probability of the true class; on a wrong
prediction whose true class is already fairly likely (a "narrow" misclassification) this can be
achieved by *sharpening*, i.e. by raising the confidence of the wrong class too. The
correctness-aware loss instead targets what calibration asks for: confidence near 1 on correct
predictions and near 0 on wrong ones. As in the authors' code it is the squared error

    L_CA = sum_i w_i (c_i - 1[correct_i])^2 / sum_i w_i,

with class-balancing weights ``w = 1 - acc`` on correct and ``w = acc`` on wrong predictions
(``acc`` the batch accuracy), so that the rare errors are not drowned out.

Because one image says little about whether its own prediction is right, the calibrator's input is
built from *transformed copies* of it (the paper: rotation, greyscale, colour jitter): the
probabilities that the classifier gives, on each transformed copy, to the top-``k`` classes of the
original (:func:`view_features`). Unstable predictions under transformation flag likely errors.

This module holds the loss, the comparison objectives (NLL and the Brier/MSE loss), the
calibrators (global temperature scaling, Guo et al. 2017, and the per-sample temperature network
of the authors' code) and, for the digits chapter, small 8x8 image transforms used both to make the
calibrator's views and to build shifted test sets.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from repro.objectives.reduction import reduce

OBJECTIVES = ("ca", "ce", "mse")


def confidence_correctness(logits: torch.Tensor, y: torch.Tensor):
    """Top-class confidence and 0/1 correctness of the prediction ``argmax(logits)``."""
    p = F.softmax(logits, -1)
    conf, pred = p.max(-1)
    return conf, (pred == y).to(logits.dtype)


def balance_weights(correct: torch.Tensor) -> torch.Tensor:
    """Weights ``1 - acc`` for correct and ``acc`` for wrong predictions (``acc`` = mean correctness).

    Correct and wrong predictions then carry equal total weight, ``n acc (1 - acc)`` each.
    """
    acc = correct.mean()
    return torch.where(correct > 0.5, 1.0 - acc, acc)


def correctness_aware_loss(logits: torch.Tensor, y: torch.Tensor, reduction: str = "mean",
                           balanced: bool = True) -> torch.Tensor:
    """CA loss on calibrated logits: weighted ``(c - 1[correct])^2`` (authors' code).

    ``reduction="mean"`` returns ``sum w_i l_i / sum w_i`` (the plain mean if ``balanced=False``
    or if every prediction is correct or every one wrong); ``"none"`` returns the unweighted
    per-sample terms and ``"sum"`` their weighted sum.
    """
    conf, correct = confidence_correctness(logits, y)
    per = (conf - correct) ** 2
    if reduction == "none":
        return per
    w = balance_weights(correct) if balanced else torch.ones_like(per)
    if float(w.sum()) == 0.0:  # all correct or all wrong: fall back to equal weights
        w = torch.ones_like(per)
    if reduction == "mean":
        return (w * per).sum() / w.sum()
    return reduce(w * per, reduction)


def brier_loss(logits: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """MSE (Brier) loss ``sum_k (p_k - 1[k = y])^2`` on the whole probability vector."""
    p = F.softmax(logits, -1)
    return reduce(((p - F.one_hot(y, p.shape[-1]).to(p.dtype)) ** 2).sum(-1), reduction)


def objective(name: str):
    """The calibrator training objective: ``"ca"``, ``"ce"`` (NLL) or ``"mse"`` (Brier)."""
    if name == "ca":
        return correctness_aware_loss
    if name == "ce":
        return F.cross_entropy
    if name == "mse":
        return brier_loss
    raise ValueError(f"objective {name!r}; choose one of {OBJECTIVES}")


def view_features(logits: torch.Tensor, view_logits: list[torch.Tensor], k: int = 4) -> torch.Tensor:
    """Calibrator input (authors' code): for each transformed view, its softmax probabilities on the
    original's top-``k`` classes (in the original's order); shape ``(n, len(view_logits) * k)``."""
    top = logits.topk(k, -1).indices
    return torch.cat([F.softmax(v, -1).gather(1, top) for v in view_logits], 1)


class SampleTemperature(nn.Module):
    """Per-sample temperature ``T(f) = t_min + softplus(a(f))`` from features ``f``, with ``a`` a
    one-hidden-layer ReLU network; applied as ``logits / T``. Input: ``[logits, features]``.

    The authors clamp a linear output to [0.1, 10]; softplus keeps the gradient alive everywhere.
    The output layer starts at zero with a bias giving ``T = 1`` (the uncalibrated model).
    """

    def __init__(self, n_classes: int, n_features: int, hidden: int = 5, t_min: float = 0.05):
        super().__init__()
        self.n_classes, self.t_min = n_classes, t_min
        self.net = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        nn.init.zeros_(self.net[2].weight)
        nn.init.constant_(self.net[2].bias, float(np.log(np.expm1(1.0 - t_min))))

    def temperature(self, feats: torch.Tensor) -> torch.Tensor:
        return self.t_min + F.softplus(self.net(feats))

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        logits, feats = inp[:, :self.n_classes], inp[:, self.n_classes:]
        return logits / self.temperature(feats)


class GlobalTemperature(nn.Module):
    """Temperature scaling (Guo et al., 2017): one ``T = exp(s)`` for all samples; input ``logits``."""

    def __init__(self, n_classes: int):
        super().__init__()
        self.n_classes = n_classes
        self.log_t = nn.Parameter(torch.zeros(()))

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        return inp[:, :self.n_classes] / self.log_t.exp()


# --- 8x8 digit transforms (views for the calibrator, and shifted test sets) ---------------------

def rotate(images: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate ``(n, 8, 8)`` images about their centre (bilinear, zero fill)."""
    from scipy.ndimage import rotate as _rot

    return np.stack([_rot(im, degrees, reshape=False, order=1, mode="constant") for im in images])


def translate(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift ``(n, 8, 8)`` images by whole pixels, filling with zeros."""
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of each ``(8, 8)`` image."""
    from scipy.ndimage import gaussian_filter

    return np.stack([gaussian_filter(im, sigma, mode="constant") for im in images])


def add_noise(images: np.ndarray, sigma: float, rng: np.random.Generator, high: float = 16.0) -> np.ndarray:
    """Additive Gaussian pixel noise, clipped to the digits' range [0, high]."""
    return np.clip(images + sigma * rng.standard_normal(images.shape), 0.0, high)
