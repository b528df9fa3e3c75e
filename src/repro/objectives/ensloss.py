"""EnsLoss: stochastic ensembles of calibrated binary losses (Dai et al., 2024, arXiv:2409.00908).

Binary labels y in {0, 1} are mapped to +-1 and a real score f(x) gives the margin s = y f(x).
A margin loss phi(s) is *classification-calibrated and convex* (CC) iff it is convex,
differentiable at 0 and phi'(0) < 0 (Bartlett, Jordan & McAuliffe, 2006; paper, Lemma 1). In
terms of the derivative this reads: phi' is non-decreasing and phi'(0) < 0 (paper, Sec. 3.1).
EnsLoss never writes a loss down: on every mini-batch it draws random derivative values and
assigns them to the batch margins so that the CC conditions hold on the batch (paper, Alg. 1,
"doubly stochastic gradient descent"):

1. draw g_i = -exp(Z_i), Z_i ~ N(0, 1) i.i.d. (inverse Box-Cox with lambda = 0), clip at -1;
2. sort both the draws and the margins and give the most negative draw to the smallest margin,
   so that g is non-decreasing in s (convexity) and negative everywhere (calibration);
3. for s > 1 divide by s (a fast-decaying tail, as in the authors' code), subtract 1e-6 so that
   every derivative is strictly negative.

The batch objective is mean_i(g_i * s_i) with g detached, whose gradient w.r.t. s_i is g_i/|B|:
exactly one SGD step on the (unknown) random CC loss with those derivatives. Fixed CC losses
used as baselines (paper, Table 1): logistic / BCE log(1 + e^-s), hinge max(0, 1 - s),
exponential e^-s.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce

TAIL_EPS = 1e-6


def margin(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """s = (2y - 1) f for labels y in {0, 1} and scores f of shape (n,) or (n, 1)."""
    return logits.reshape(-1) * (2.0 * y.reshape(-1).to(logits.dtype) - 1.0)


def sample_derivatives(s: torch.Tensor, generator: torch.Generator | None = None,
                       clip: float = 1.0) -> torch.Tensor:
    """Random CC loss-derivative values for the margins ``s`` (steps 1-3 above), detached.

    The result g satisfies g < 0 and s_i < s_j => g_i <= g_j (a convex, calibrated loss through
    these points exists); |g| <= ``clip``.
    """
    s = s.detach()
    z = torch.randn(len(s), generator=generator, dtype=s.dtype, device="cpu").to(s.device)
    draws = torch.sort(-torch.exp(z).clamp(max=clip)).values          # ascending: most negative first
    g = torch.empty_like(s)
    g[torch.argsort(s)] = draws
    tail = s > 1.0
    g[tail] = g[tail] / s[tail]
    return g - TAIL_EPS


class EnsLoss:
    """EnsLoss objective: a fresh random CC loss-derivative per batch (paper, Alg. 1).

    Call as ``loss(logits, y)`` with y in {0, 1}; the value is mean(g * s) (only its gradient is
    meaningful). ``generator`` makes the derivative draws reproducible.
    """

    def __init__(self, generator: torch.Generator | None = None, clip: float = 1.0, reduction: str = "mean"):
        self.generator, self.clip, self.reduction = generator, clip, reduction

    def __call__(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        s = margin(logits, y)
        g = sample_derivatives(s, self.generator, self.clip)
        return reduce(g * s, self.reduction)


def bce(logits, y, reduction: str = "mean"):
    """Logistic loss log(1 + exp(-s)) = binary cross-entropy with logits."""
    return reduce(F.softplus(-margin(logits, y)), reduction)


def hinge(logits, y, reduction: str = "mean"):
    """Hinge loss max(0, 1 - s)."""
    return reduce(F.relu(1.0 - margin(logits, y)), reduction)


def exponential(logits, y, reduction: str = "mean"):
    """Exponential loss exp(-s) (AdaBoost)."""
    return reduce(torch.exp(-margin(logits, y)), reduction)


FIXED = {"BCE": bce, "hinge": hinge, "exponential": exponential}


def is_cc_derivative(s: torch.Tensor, g: torch.Tensor) -> bool:
    """Whether derivative values g at margins s are consistent with a CC loss: all g < 0 at
    s <= 0 (calibration, phi'(0) < 0) and g non-decreasing in s (convexity)."""
    order = torch.argsort(s)
    gs = g[order]
    return bool((gs[1:] >= gs[:-1] - 1e-12).all() and (g[s <= 0] < 0).all())
