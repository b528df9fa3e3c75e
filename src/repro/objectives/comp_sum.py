"""Comp-sum losses (Mao, Mohri & Zhong, ICML 2023): cross-entropy, GCE, MAE and sum-exponential.

For a score vector ``h`` (logits) and label ``y``, a *comp-sum* loss composes a function
``Phi`` with the sum of exponentiated score gaps (paper, Eq. 1 and Section 3)

    l_tau(h, y) = Phi_tau( sum_{y' != y} exp(h_y' - h_y) ),
    Phi_tau(u) = log(1 + u)                          if tau = 1,
                 ((1 + u)^(1 - tau) - 1) / (1 - tau)   otherwise   (tau >= 0).

Since ``1 + u = 1 / p_y`` with ``p = softmax(h)``, ``l_tau = (p_y^(tau - 1) - 1) / (1 - tau)``:
tau = 0 is the sum-exponential loss ``1/p_y - 1``, tau = 1 the cross-entropy ``-log p_y``,
tau in (1, 2) the generalised cross-entropy of Zhang & Sabuncu (2018) with ``q = tau - 1``,
``(1 - p_y^q) / q``, and tau = 2 the mean absolute error ``1 - p_y`` (half the L1 distance between
``p`` and the one-hot label).

H-consistency bounds (paper, Theorem 3.1). For a hypothesis set that is symmetric and complete, with
``n`` classes, every scorer ``h`` satisfies

    R_01(h) - R*_01(H) + M_01(H) <= Gamma_tau( R_tau(h) - R*_tau(H) + M_tau(H) ),

with ``M`` the minimizability gaps and ``Gamma_tau`` the inverse of the error transformation
``T_tau`` (:func:`error_transformation`). Writing both sides with the best-in-class *conditional*
risks, the inequality is implied by its pointwise form
``Delta C_01(h, x) <= Gamma_tau(Delta C_tau(h, x))`` and the concavity of ``Gamma_tau``; the helpers
below compute both conditional regrets exactly for a class-probability vector ``eta``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce


def comp_sum(logits: torch.Tensor, y: torch.Tensor, tau: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    """The comp-sum loss ``Phi_tau(sum_{y' != y} exp(h_y' - h_y))`` (Mao et al. 2023, Eq. 1).

    Computed from ``log p_y`` (log-softmax) for stability; ``tau`` must be >= 0.
    """
    if tau < 0:
        raise ValueError(f"tau={tau} must be >= 0")
    logp = F.log_softmax(logits, dim=-1).gather(-1, y[:, None])[:, 0]
    if tau == 1.0:
        loss = -logp
    else:
        loss = (torch.exp((tau - 1.0) * logp) - 1.0) / (1.0 - tau)
    return reduce(loss, reduction)


def cross_entropy(logits, y, reduction: str = "mean"):
    """tau = 1: the logistic loss ``-log p_y`` (comp-sum with ``Phi(u) = log(1 + u)``)."""
    return comp_sum(logits, y, 1.0, reduction)


def gce(logits, y, q: float = 0.7, reduction: str = "mean"):
    """Generalised cross-entropy ``(1 - p_y^q) / q`` (Zhang & Sabuncu 2018), comp-sum with tau = 1 + q."""
    if not 0.0 < q <= 1.0:
        raise ValueError(f"q={q} must be in (0, 1]")
    return comp_sum(logits, y, 1.0 + q, reduction)


def mae(logits, y, reduction: str = "mean"):
    """Mean absolute error ``1 - p_y`` (tau = 2), bounded and symmetric: ``sum_y (1 - p_y) = K - 1``."""
    return comp_sum(logits, y, 2.0, reduction)


def sum_exp(logits, y, reduction: str = "mean"):
    """Sum-exponential loss ``sum_{y' != y} exp(h_y' - h_y) = 1/p_y - 1`` (tau = 0)."""
    return comp_sum(logits, y, 0.0, reduction)


LOSSES = {"CE": cross_entropy, "GCE": gce, "MAE": mae, "sum-exp": sum_exp}


def _phi_of_prob(q: torch.Tensor, tau: float) -> torch.Tensor:
    """The loss as a function of the predicted probability ``q`` of the label: ``(q^(tau-1) - 1)/(1 - tau)``."""
    return -torch.log(q) if tau == 1.0 else (q ** (tau - 1.0) - 1.0) / (1.0 - tau)


def conditional_risk(q: torch.Tensor, eta: torch.Tensor, tau: float) -> torch.Tensor:
    """``C_tau(h, x) = sum_y eta_y l_tau(h, y)`` with ``q = softmax(h(x))`` (rows of ``q`` and ``eta``)."""
    return (eta * _phi_of_prob(q, tau)).sum(-1)


def min_conditional_risk(eta: torch.Tensor, tau: float) -> torch.Tensor:
    """``inf_h C_tau(h, x)`` over all score vectors (complete H), in closed form.

    For tau < 2 the minimiser is ``q* = eta^(1/(2 - tau)) / sum(eta^(1/(2 - tau)))`` (Lagrange
    condition ``eta_y q_y^(tau - 2) = const``; for tau = 1, ``q* = eta`` and the value is the entropy);
    for tau = 2 (MAE) the infimum ``1 - max_y eta_y`` is approached as ``q`` tends to a one-hot vector.
    """
    if tau > 2:
        raise ValueError(f"tau={tau}: closed form implemented for 0 <= tau <= 2")
    if tau == 2.0:
        return 1.0 - eta.max(-1).values
    w = eta ** (1.0 / (2.0 - tau))
    q = w / w.sum(-1, keepdim=True)
    return (eta * torch.where(eta > 0, _phi_of_prob(q.clamp_min(1e-300), tau), torch.zeros_like(q))).sum(-1)


def zero_one_regret(q: torch.Tensor, eta: torch.Tensor) -> torch.Tensor:
    """``Delta C_01 = max_y eta_y - eta_{argmax q}``: the conditional excess zero-one risk."""
    return eta.max(-1).values - eta.gather(-1, q.argmax(-1, keepdim=True))[..., 0]


def _power_mean(a, b, p):
    return ((a ** p + b ** p) / 2.0) ** (1.0 / p)


def error_transformation(t, tau: float, n_classes: int):
    """``T_tau(t)`` of the comp-sum H-consistency bound (Mao et al. 2023, Theorem 3.1), t in [0, 1].

    With ``M(t) = (((1 + t)^p + (1 - t)^p) / 2)^(1/p)``, ``p = 1 / (2 - tau)``:
    tau in [0, 1): ``2^(1 - tau) / (1 - tau) * (1 - M(t))``;  tau = 1: ``(1+t)/2 log(1+t) + (1-t)/2 log(1-t)``;
    tau in (1, 2): ``(M(t) - 1) / ((tau - 1) n^(tau - 1))``;  tau = 2: ``t / n``.
    Convex and increasing, ``T(0) = 0``; for CE ``T(t) >= t^2 / 2``, hence ``Gamma(v) <= sqrt(2 v)``.
    """
    t = torch.as_tensor(t, dtype=torch.float64)
    if tau < 0 or tau > 2:
        raise ValueError(f"tau={tau} must be in [0, 2]")
    if tau == 1.0:
        return (1 + t) / 2 * torch.log1p(t) + torch.xlogy((1 - t) / 2, 1 - t)
    if tau == 2.0:
        return t / n_classes
    m = _power_mean(1 + t, 1 - t, 1.0 / (2.0 - tau))
    if tau < 1:
        return 2 ** (1 - tau) / (1 - tau) * (1 - m)
    return (m - 1) / ((tau - 1) * n_classes ** (tau - 1))


def bound_gamma(v, tau: float, n_classes: int, n_iter: int = 80):
    """``Gamma_tau(v) = T_tau^{-1}(v)`` (bisection on [0, 1]; 1 where ``v >= T_tau(1)``)."""
    v = torch.as_tensor(v, dtype=torch.float64)
    lo, hi = torch.zeros_like(v), torch.ones_like(v)
    for _ in range(n_iter):
        mid = (lo + hi) / 2
        below = error_transformation(mid, tau, n_classes) < v
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    return torch.where(v >= error_transformation(torch.ones_like(v), tau, n_classes), torch.ones_like(v), hi)
