"""Loss-landscape slices of PyTorch models: random and Hessian directions, filter normalisation,
and the function-preserving rescaling that motivates normalising them.

A slice evaluates ``L(theta + a d1 + b d2)`` on a grid of ``(a, b)``. Li et al. (2018), "Visualizing
the loss landscape of neural nets", Sec. 4, draw ``d`` Gaussian and rescale each *filter* (here each
row of a weight matrix: the weights into one unit) to the norm of the same filter of ``theta``;
directions of 1-D parameters (biases, batch-norm affine parameters) are set to zero. With that
normalisation a slice does not change when a unit's incoming weights are multiplied by a constant
that a following normalisation layer undoes. Gabdullin (2024, arXiv:2412.10146) revisits these
normalisations for batch-normalised networks and proposes the top Hessian eigenvectors as axes.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

NORMALIZATIONS = ("none", "filter")


def _params(model: nn.Module) -> list[torch.Tensor]:
    return [p for p in model.parameters() if p.requires_grad]


def gaussian_direction(model: nn.Module, generator: torch.Generator) -> list[torch.Tensor]:
    """One i.i.d. standard Gaussian tensor per trainable parameter (drawn on the CPU)."""
    return [torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device) for p in _params(model)]


def filter_normalize(direction: Sequence[torch.Tensor], model: nn.Module) -> list[torch.Tensor]:
    """Li et al.'s filter normalisation: each row of a >= 2-D direction gets the norm of the same
    row of the weights; 1-D directions (biases, batch-norm parameters) are zeroed."""
    out = []
    for d, p in zip(direction, _params(model)):
        if p.dim() <= 1:
            out.append(torch.zeros_like(p))
            continue
        d2, p2 = d.reshape(len(d), -1), p.detach().reshape(len(p), -1)
        scale = p2.norm(dim=1, keepdim=True) / (d2.norm(dim=1, keepdim=True) + 1e-12)
        out.append((d2 * scale).reshape(p.shape))
    return out


def direction_norm(direction: Sequence[torch.Tensor]) -> float:
    return float(torch.sqrt(sum((d.double() ** 2).sum() for d in direction)))


def to_list(vec: torch.Tensor, model: nn.Module) -> list[torch.Tensor]:
    """Split a flat vector into tensors shaped like the model's trainable parameters."""
    out, i = [], 0
    for p in _params(model):
        out.append(vec[i:i + p.numel()].reshape(p.shape).to(p.dtype))
        i += p.numel()
    return out


@torch.no_grad()
def landscape(loss_fn: Callable[[nn.Module], float], model: nn.Module, d1: Sequence[torch.Tensor],
              ts1: Sequence[float], d2: Sequence[torch.Tensor] | None = None,
              ts2: Sequence[float] | None = None) -> np.ndarray:
    """Loss on a 1-D (``d2 is None``) or 2-D grid of ``theta + a d1 (+ b d2)``.

    ``loss_fn(model)`` returns a float. The model's parameters are restored afterwards.
    Returns an array of shape ``(len(ts1),)`` or ``(len(ts1), len(ts2))``.
    """
    params = _params(model)
    base = [p.detach().clone() for p in params]
    two_d = d2 is not None
    ts2 = list(ts2) if two_d else [0.0]
    out = np.zeros((len(ts1), len(ts2)))
    try:
        for i, a in enumerate(ts1):
            for j, b in enumerate(ts2):
                for k, p in enumerate(params):
                    step = a * d1[k] + (b * d2[k] if two_d else 0.0)
                    p.copy_(base[k] + step)
                out[i, j] = float(loss_fn(model))
    finally:
        for p, b0 in zip(params, base):
            p.copy_(b0)
    return out if two_d else out[:, 0]


def curvature_1d(ts: np.ndarray, values: np.ndarray) -> float:
    """Second derivative at 0 of the least-squares parabola through a 1-D slice."""
    return float(2 * np.polyfit(np.asarray(ts, float), np.asarray(values, float), 2)[0])


@torch.no_grad()
def rescale_before_batchnorm(model: nn.Sequential, linear_index: int, bn_index: int,
                             alpha: float) -> nn.Sequential:
    """A copy of ``model`` whose layer ``linear_index`` (weights and bias) is multiplied by
    ``alpha`` and whose following batch norm (evaluation mode) absorbs it exactly: running mean
    times ``alpha``, running variance and ``eps`` times ``alpha**2``. The function is unchanged."""
    if alpha <= 0:
        raise ValueError("alpha must be positive")
    new = copy.deepcopy(model)
    lin, bn = new[linear_index], new[bn_index]
    if not isinstance(lin, nn.Linear) or not isinstance(bn, nn.BatchNorm1d):
        raise TypeError("expected an nn.Linear followed by an nn.BatchNorm1d")
    lin.weight.mul_(alpha)
    if lin.bias is not None:
        lin.bias.mul_(alpha)
    bn.running_mean.mul_(alpha)
    bn.running_var.mul_(alpha ** 2)
    bn.eps = bn.eps * alpha ** 2
    return new

