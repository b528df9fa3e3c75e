"""Pass@N and the loss aligned with it (Chen, Raventos, Cheng, Ganguli & Druckmann, NeurIPS 2025).

A model that answers by sampling is right under *pass@N* if at least one of N independent samples
is correct. With probability ``p`` on the correct answer (paper, Eq. 1),

    pass@N(p) = 1 - (1 - p)^N .

Training on ``-log pass@N`` (the paper's Direct Coverage Optimization, DCO) gives, per example,

    l_N(z, y) = -log(1 - (1 - p_y)^N),          p = softmax(z),

whose gradient with respect to the logits is the cross-entropy gradient times a scalar weight
(paper, Eq. 5)

    d l_N / d z = F(N, p_y) * (p - e_y),   F(N, p) = N p (1 - p)^(N-1) / (1 - (1 - p)^N).

F equals 1 for N = 1 (l_1 is cross-entropy), tends to 1 as p -> 0 and to 0 as p -> 1: examples the
model already gets right with high probability stop pushing its confidence up, which is what
keeps probability mass on alternative answers and helps pass@N at large N.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce


def pass_at_n(p: torch.Tensor, n: int) -> torch.Tensor:
    """Exact pass@N for per-example correct-answer probabilities ``p`` (Eq. 1)."""
    return 1.0 - (1.0 - p) ** n


def _log1mexp(a: torch.Tensor) -> torch.Tensor:
    """``log(1 - exp(a))`` for ``a < 0``, accurate at both ends (Maechler's two-branch form).

    Each branch gets an input clamped into its own range, so the branch ``torch.where`` discards
    cannot put an inf or a NaN into the gradient.
    """
    near0 = a > -0.6931471805599453
    a_hi = a.clamp(min=-0.6931471805599453)
    a_lo = a.clamp(max=-0.6931471805599453)
    return torch.where(near0, torch.log(-torch.expm1(a_hi)), torch.log1p(-torch.exp(a_lo)))


_SMALL = -10.0  # below this log-scale, series expansions are exact to float64 round-off


def log1m_pow(log_p: torch.Tensor, n: int) -> torch.Tensor:
    """``log(1 - (1 - p)^n)`` from ``log p``, stable for p near 0 and near 1, in float32 as in float64.

    With ``s = log(-n log(1 - p))`` the result is ``log(1 - exp(-e^s))``. For small ``p`` the naive
    ``log(-expm1(log p))`` rounds ``1 - p`` to 1 in float32 (p below about 3e-8) and the loss became
    ``inf``; here ``log(-log(1 - p)) = log p + log1p(p/2 + ...)`` and ``log(1 - exp(-e^s)) =
    s - e^s/2 + ...`` are used where their series are exact, so the result is ``~ log(n p)``.
    """
    log_p = log_p.clamp(max=-1e-12)
    small = log_p < _SMALL
    lp_lo, lp_hi = log_p.clamp(max=_SMALL), log_p.clamp(min=_SMALL)
    # log(-log(1 - p)) in two regimes
    log_nlq = torch.where(small, lp_lo + torch.log1p(torch.exp(lp_lo) / 2),
                          torch.log(-_log1mexp(lp_hi)))
    s = torch.log(torch.as_tensor(float(n), dtype=log_p.dtype)) + log_nlq
    s_lo, s_hi = s.clamp(max=_SMALL), s.clamp(min=_SMALL)
    return torch.where(s < _SMALL, s_lo - torch.exp(s_lo) / 2,
                       torch.log(-torch.expm1(-torch.exp(s_hi))))


def dco_loss(logits: torch.Tensor, y: torch.Tensor, n: int, reduction: str = "mean") -> torch.Tensor:
    """Direct Coverage Optimization loss ``-log pass@N(p_y)``; ``n = 1`` is cross-entropy."""
    if n < 1:
        raise ValueError(f"n={n} must be >= 1")
    log_p = F.log_softmax(logits, dim=-1).gather(-1, y[:, None])[:, 0]
    loss = -log_p if n == 1 else -log1m_pow(log_p, n)
    return reduce(loss, reduction)


def dco_weight(p: torch.Tensor, n: int) -> torch.Tensor:
    """The factor F(N, p) multiplying the cross-entropy gradient (Eq. 5)."""
    return n * p * (1.0 - p) ** (n - 1) / pass_at_n(p, n)
