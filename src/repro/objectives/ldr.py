"""Label-distributionally robust (LDR) losses (Zhu, Ying & Yang, ICML 2023).

For scores ``f`` (logits, shape ``(N, K)``) and label ``y`` let the margin-shifted score gaps be
``d_k = f_k - f_y + c * 1[k != y]`` (so ``d_y = 0``; ``c`` is the margin). An LDR loss is the
worst case, over label distributions ``p`` in the simplex, of the expected gap minus a
regulariser (paper, Eq. 2); with the KL divergence to the uniform distribution ``u``,

    psi_lam(f, y) = max_{p in simplex} sum_k p_k d_k - lam * KL(p || u)
                  = lam * log( (1/K) sum_k exp(d_k / lam) ),                     (LDR-KL)

attained at ``p* = softmax(d / lam)`` (paper, Eq. 3). Special cases: ``lam = 1, c = 0`` is the
cross-entropy minus ``log K``; ``lam = tau, c = 0`` the temperature-scaled cross-entropy (times
tau); ``lam -> 0`` the Crammer-Singer hinge ``max_k d_k``; ``lam -> inf`` the mean gap
``mean_k d_k``, a symmetric (label-noise tolerant) loss.

The adaptive loss ALDR-KL gives every example its own ``lam`` (paper, Section 5):

    psi_A(f, y) = max_{lam} psi_lam(f, y) - (alpha log K / (2 lam0)) (lam - lam0)^2 .

Since ``d psi_lam / d lam = -KL(p*_lam || u)``, the optimal ``lam`` solves
``lam = lam0 * (1 - KL(p*_lam || u) / (alpha log K))`` and lies in ``[lam0 (1 - 1/alpha), lam0]``
(``alpha > 1``): examples whose worst-case distribution is far from uniform get a smaller ``lam``.
The authors' code keeps one ``lam`` per example and does one fixed-point step per visit; we solve
the scalar problem to convergence (safeguarded Newton on its derivative, it is one-dimensional), and
treat ``lam*`` as a constant in the gradient (Danskin's theorem: the gradient of a max is the
gradient at the maximiser).

Score normalisation (authors' code, tabular data): ALDR-KL divides the scores by their mean
absolute value (``normalize="l1"``), LDR-KL applies a softplus then divides by the mean
(``normalize="softplus"``); both keep ``d`` bounded and leave the arg-max unchanged.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce

NORMALIZE = ("none", "l1", "softplus")


def normalize_scores(f: torch.Tensor, normalize: str = "none", eps: float = 1e-12) -> torch.Tensor:
    """Order-preserving rescaling of the scores used by the authors' code (see the module doc)."""
    if normalize == "none":
        return f
    K = f.shape[-1]
    if normalize == "l1":
        return f * K / (f.abs().sum(-1, keepdim=True) + eps)
    if normalize == "softplus":
        s = F.softplus(f)
        return s * K / (s.sum(-1, keepdim=True) + eps)
    raise ValueError(f"normalize={normalize!r}; choose one of {NORMALIZE}")


def score_gaps(f: torch.Tensor, y: torch.Tensor, margin: float = 0.0) -> torch.Tensor:
    """``d_k = f_k - f_y + margin * 1[k != y]`` (``d_y = 0``), the payoff of the inner DRO problem."""
    onehot = F.one_hot(y, f.shape[-1]).to(f.dtype)
    return f - f.gather(-1, y[:, None]) + margin * (1.0 - onehot)


def ldr_kl_from_gaps(d: torch.Tensor, lam) -> torch.Tensor:
    """Closed form ``lam * log mean_k exp(d_k / lam)`` of the LDR-KL inner maximum (Eq. 3).

    ``lam`` is a positive float or a tensor of shape ``(N,)`` (one temperature per example).
    """
    lam = torch.as_tensor(lam, dtype=d.dtype, device=d.device)
    lam_col = lam[:, None] if lam.ndim == 1 else lam
    return lam * (torch.logsumexp(d / lam_col, dim=-1) - math.log(d.shape[-1]))


def ldr_kl(logits: torch.Tensor, y: torch.Tensor, lam: float = 1.0, margin: float = 0.0,
           normalize: str = "none", reduction: str = "mean") -> torch.Tensor:
    """The LDR-KL loss (Zhu et al. 2023, Eq. 3) on (optionally normalised) scores."""
    if not lam > 0:
        raise ValueError(f"lam={lam} must be > 0")
    d = score_gaps(normalize_scores(logits, normalize), y, margin)
    return reduce(ldr_kl_from_gaps(d, lam), reduction)


def worst_case_distribution(d: torch.Tensor, lam) -> torch.Tensor:
    """The maximiser ``p* = softmax(d / lam)`` of the LDR-KL inner problem."""
    lam = torch.as_tensor(lam, dtype=d.dtype, device=d.device)
    return torch.softmax(d / (lam[:, None] if lam.ndim == 1 else lam), dim=-1)


def kl_to_uniform(p: torch.Tensor) -> torch.Tensor:
    """``KL(p || u) = sum_k p_k log(K p_k)`` row-wise (``0 log 0 = 0``)."""
    K = p.shape[-1]
    return torch.where(p > 0, p * torch.log(K * p.clamp_min(1e-300)), torch.zeros_like(p)).sum(-1)


def dro_objective(p, d, lam: float) -> float:
    """Inner DRO objective ``sum_k p_k d_k - lam KL(p || u)`` for one example (NumPy, float64)."""
    p, d = np.asarray(p, float), np.asarray(d, float)
    K = len(d)
    kl = float(np.sum(np.where(p > 0, p * np.log(K * np.clip(p, 1e-300, None)), 0.0)))
    return float(p @ d) - lam * kl


def dro_max_numeric(d, lam: float) -> tuple[float, np.ndarray]:
    """Maximise :func:`dro_objective` over the simplex with a generic solver (SLSQP, float64).

    Independent of the closed form: used to check Eq. 3. Returns ``(value, p)``.
    """
    from scipy.optimize import minimize

    d = np.asarray(d, float)
    K = len(d)

    def neg(p):
        return -dro_objective(p, d, lam)

    def neg_grad(p):
        return -(d - lam * (np.log(K * np.clip(p, 1e-300, None)) + 1.0))

    res = minimize(neg, np.full(K, 1.0 / K), jac=neg_grad, method="SLSQP",
                   bounds=[(1e-12, 1.0)] * K,
                   constraints=[{"type": "eq", "fun": lambda p: p.sum() - 1.0, "jac": lambda p: np.ones(K)}],
                   options={"ftol": 1e-15, "maxiter": 1000})
    p = np.clip(res.x, 0.0, None)
    p = p / p.sum()
    return dro_objective(p, d, lam), p


def crammer_singer(logits: torch.Tensor, y: torch.Tensor, margin: float = 1.0,
                   reduction: str = "mean") -> torch.Tensor:
    """``max_k d_k = max(0, max_{k != y} f_k - f_y + margin)``: the ``lam -> 0`` limit of LDR-KL."""
    return reduce(score_gaps(logits, y, margin).max(-1).values, reduction)


def aldr_lambda(d: torch.Tensor, lam0: float = 10.0, alpha: float = 2.0, n_iter: int = 8,
                tol: float = 1e-9) -> torch.Tensor:
    """Per-example maximiser ``lam*`` of the ALDR-KL outer problem (no gradient).

    ``g(lam) = psi_lam(d) - (alpha log K / (2 lam0)) (lam - lam0)^2`` has derivative
    ``g'(lam) = -KL(p_lam || u) - (alpha log K / lam0) (lam - lam0)`` (``p_lam = softmax(d / lam)``),
    ``<= 0`` at ``lam0`` and ``>= 0`` at ``lam0 (1 - 1/alpha)``, and second derivative
    ``g''(lam) = Var_{p_lam}(d) / lam^3 - alpha log K / lam0``. We run safeguarded Newton steps on
    ``g'`` inside that bracket (a bisection step whenever Newton would leave it or ``g'' >= 0``),
    stopping after ``n_iter`` steps or once no ``lam`` moves by more than ``tol * lam0``.
    """
    if alpha <= 1:
        raise ValueError(f"alpha={alpha} must be > 1 (so that lam* > 0)")
    with torch.no_grad():
        d = d.detach()
        c2 = alpha * math.log(d.shape[-1]) / lam0
        lo = torch.full(d.shape[:1], lam0 * (1.0 - 1.0 / alpha), dtype=d.dtype, device=d.device)
        hi = torch.full_like(lo, lam0)
        lam = hi.clone()
        for _ in range(n_iter):
            p = worst_case_distribution(d, lam)
            slope = -kl_to_uniform(p) - c2 * (lam - lam0)
            mean = (p * d).sum(-1)
            curv = (p * (d - mean[:, None]) ** 2).sum(-1) / lam ** 3 - c2
            lo = torch.where(slope > 0, lam, lo)
            hi = torch.where(slope > 0, hi, lam)
            newton = lam - slope / torch.where(curv < 0, curv, -torch.ones_like(curv))
            ok = (curv < 0) & (newton >= lo) & (newton <= hi)
            new_lam = torch.where(ok, newton, 0.5 * (lo + hi))
            converged = bool(((new_lam - lam).abs() <= tol * lam0).all())
            lam = new_lam
            if converged:
                break
        return lam


def aldr_kl(logits: torch.Tensor, y: torch.Tensor, lam0: float = 10.0, alpha: float = 2.0,
            margin: float = 0.1, normalize: str = "l1", reduction: str = "mean") -> torch.Tensor:
    """The adaptive ALDR-KL loss (Zhu et al. 2023, Section 5), defaults from the authors' code
    (``lam0 = 10``, ``alpha = 2``, margin 0.1, L1-normalised scores)."""
    d = score_gaps(normalize_scores(logits, normalize), y, margin)
    lam = aldr_lambda(d, lam0, alpha)
    penalty = alpha * math.log(d.shape[-1]) / (2.0 * lam0) * (lam - lam0) ** 2
    return reduce(ldr_kl_from_gaps(d, lam) - penalty, reduction)


def symmetric_ce(logits: torch.Tensor, y: torch.Tensor, balance: float = 0.5, A: float = 4.0,
                 reduction: str = "mean") -> torch.Tensor:
    """Symmetric cross-entropy (Wang et al. 2019): ``(1 - b) CE + b * A (1 - p_y)``, the reverse
    cross-entropy with ``log 0 := -A``; the form and defaults of the LDR authors' baseline."""
    logp = F.log_softmax(logits, dim=-1).gather(-1, y[:, None])[:, 0]
    return reduce((1.0 - balance) * (-logp) + balance * A * (1.0 - logp.exp()), reduction)
