"""Tests for repro.objectives.ldr: LDR-KL and ALDR-KL losses (Zhu, Ying & Yang, ICML 2023)."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from repro.objectives import ldr


def _batch(n=8, k=5, seed=0, scale=2.0):
    g = torch.Generator().manual_seed(seed)
    f = scale * torch.randn(n, k, generator=g, dtype=torch.float64)
    y = torch.randint(0, k, (n,), generator=g)
    return f, y


@pytest.mark.parametrize("lam", [0.1, 1.0, 10.0])
def test_closed_form_equals_numerical_dro_maximum(lam):
    f, y = _batch(n=6)
    d = ldr.score_gaps(f, y, margin=0.5)
    closed = ldr.ldr_kl_from_gaps(d, lam)
    for i in range(len(d)):
        value, p = ldr.dro_max_numeric(d[i].numpy(), lam)
        assert abs(value - closed[i].item()) < 1e-6
        assert np.allclose(p, ldr.worst_case_distribution(d[i:i + 1], lam)[0].numpy(), atol=1e-4)


def test_closed_form_attains_objective_at_softmax():
    f, y = _batch()
    d = ldr.score_gaps(f, y, 0.3)
    p = ldr.worst_case_distribution(d, 2.0)
    for i in range(len(d)):
        assert ldr.dro_objective(p[i].numpy(), d[i].numpy(), 2.0) == pytest.approx(
            ldr.ldr_kl_from_gaps(d[i:i + 1], 2.0).item(), abs=1e-12)


def test_lambda_one_no_margin_is_cross_entropy_minus_log_k():
    f, y = _batch()
    got = ldr.ldr_kl(f, y, lam=1.0, margin=0.0, reduction="none")
    assert torch.allclose(got, F.cross_entropy(f, y, reduction="none") - math.log(5), atol=1e-12)


def test_temperature_scaled_cross_entropy():
    f, y = _batch()
    tau = 3.0
    got = ldr.ldr_kl(f, y, lam=tau, reduction="none")
    assert torch.allclose(got, tau * (F.cross_entropy(f / tau, y, reduction="none") - math.log(5)), atol=1e-12)


def test_small_lambda_tends_to_crammer_singer():
    f, y = _batch()
    cs = ldr.crammer_singer(f, y, margin=1.0, reduction="none")
    for lam in (1.0, 0.1, 1e-3):
        gap = cs - ldr.ldr_kl(f, y, lam=lam, margin=1.0, reduction="none")
        assert (gap >= -1e-12).all() and (gap <= lam * math.log(5) + 1e-12).all()


def test_large_lambda_tends_to_symmetric_mean_gap():
    f, y = _batch()
    d = ldr.score_gaps(f, y, 1.0)
    assert torch.allclose(ldr.ldr_kl_from_gaps(d, 1e7), d.mean(-1), atol=1e-5)
    # the limit is symmetric: its sum over all labels does not depend on the scores
    total = sum(ldr.score_gaps(f, torch.full_like(y, c), 1.0).mean(-1) for c in range(5))
    assert torch.allclose(total, torch.full_like(total, 1.0 * 4), atol=1e-12)


def test_autograd_gradient_is_worst_case_distribution_minus_onehot():
    f, y = _batch()
    f.requires_grad_(True)
    ldr.ldr_kl(f, y, lam=0.7, margin=0.2, reduction="sum").backward()
    d = ldr.score_gaps(f.detach(), y, 0.2)
    expected = ldr.worst_case_distribution(d, 0.7) - F.one_hot(y, 5).double()
    assert torch.allclose(f.grad, expected, atol=1e-12)


def test_normalisations_preserve_argmax():
    f, _ = _batch(n=50)
    for mode in ldr.NORMALIZE:
        assert torch.equal(ldr.normalize_scores(f, mode).argmax(1), f.argmax(1))
    assert torch.allclose(ldr.normalize_scores(f, "l1").abs().mean(1), torch.ones(50, dtype=torch.float64))
    with pytest.raises(ValueError):
        ldr.normalize_scores(f, "l2")


def _aldr_objective(d, lam, lam0, alpha):
    return ldr.ldr_kl_from_gaps(d, lam) - alpha * math.log(d.shape[-1]) / (2 * lam0) * (lam - lam0) ** 2


@pytest.mark.parametrize("scale", [0.5, 3.0, 10.0])
def test_aldr_lambda_is_the_grid_maximiser(scale):
    f, y = _batch(n=20, scale=scale)
    d = ldr.score_gaps(f, y, 0.1)
    lam0, alpha = 10.0, 2.0
    lam = ldr.aldr_lambda(d, lam0, alpha)
    assert (lam >= lam0 * (1 - 1 / alpha) - 1e-12).all() and (lam <= lam0 + 1e-12).all()
    grid = torch.linspace(lam0 / 2, lam0, 4001, dtype=torch.float64)
    vals = torch.stack([_aldr_objective(d, float(g), lam0, alpha) for g in grid], 1)
    assert (_aldr_objective(d, lam, lam0, alpha) >= vals.max(1).values - 1e-10).all()
    # stationarity: lam = lam0 (1 - KL(p_lam || u) / (alpha log K))
    kl = ldr.kl_to_uniform(ldr.worst_case_distribution(d, lam))
    assert torch.allclose(lam, lam0 * (1 - kl / (alpha * math.log(5))), atol=1e-8)


def test_aldr_value_and_danskin_gradient():
    f, y = _batch(n=4, scale=1.5)
    f.requires_grad_(True)
    loss = ldr.aldr_kl(f, y, lam0=2.0, alpha=2.0, margin=0.1, normalize="none", reduction="sum")
    loss.backward()
    # the value is at least the LDR-KL loss at lam0 (lam0 is feasible, with zero penalty)
    assert loss.item() >= ldr.ldr_kl(f.detach(), y, 2.0, 0.1, reduction="sum").item() - 1e-12
    # central finite differences of the full max-function agree with the autograd gradient
    eps, num = 1e-6, torch.zeros_like(f)
    for i in range(f.shape[0]):
        for j in range(f.shape[1]):
            e = torch.zeros_like(f)
            e[i, j] = eps
            up = ldr.aldr_kl(f.detach() + e, y, 2.0, 2.0, 0.1, "none", "sum")
            dn = ldr.aldr_kl(f.detach() - e, y, 2.0, 2.0, 0.1, "none", "sum")
            num[i, j] = (up - dn) / (2 * eps)
    assert torch.allclose(f.grad, num, atol=1e-6)


def test_aldr_rejects_alpha_at_most_one():
    f, y = _batch()
    with pytest.raises(ValueError):
        ldr.aldr_kl(f, y, alpha=1.0)
    with pytest.raises(ValueError):
        ldr.ldr_kl(f, y, lam=0.0)


def test_symmetric_ce_limits():
    f, y = _batch()
    p = torch.softmax(f, 1).gather(1, y[:, None])[:, 0]
    assert torch.allclose(ldr.symmetric_ce(f, y, balance=0.0, reduction="none"),
                          F.cross_entropy(f, y, reduction="none"), atol=1e-12)
    assert torch.allclose(ldr.symmetric_ce(f, y, balance=1.0, A=4.0, reduction="none"), 4 * (1 - p), atol=1e-12)
