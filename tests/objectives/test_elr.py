"""Tests for repro.objectives.elr: ELR loss (Liu et al. 2020, Eqs. 6-7 and 9)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from repro.objectives.elr import ELRLoss, elr_logit_grad
from repro.stats.memorization import fit_fractions, linear_memorization


def _batch(n=6, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, k, generator=g, dtype=torch.float64)
    y = torch.randint(0, k, (n,), generator=g)
    t = torch.softmax(torch.randn(n, k, generator=g, dtype=torch.float64), 1)
    return z, y, t


def test_lambda_zero_is_cross_entropy():
    z, y, _ = _batch()
    loss = ELRLoss(10, 4, lam=0.0, beta=0.7)
    assert torch.allclose(loss(z, y, torch.arange(6)), F.cross_entropy(z, y))


def test_autograd_matches_hand_derived_gradient():
    z, y, t = _batch()
    z.requires_grad_(True)
    lam = 3.0
    p = torch.softmax(z, 1)  # moderate logits: the clamp to [1e-4, 1 - 1e-4] is inactive
    assert p.min() > 1e-4 and p.max() < 1 - 1e-4
    value = F.cross_entropy(z, y) + lam * torch.log(1 - (p * t).sum(1)).mean()
    (auto,) = torch.autograd.grad(value, z)
    assert torch.allclose(auto, elr_logit_grad(z.detach(), y, t, lam), atol=1e-12)


def test_loss_gradient_through_class_matches_formula():
    z, y, _ = _batch()
    loss = ELRLoss(6, 4, lam=2.0, beta=0.5)
    idx = torch.arange(6)
    z.requires_grad_(True)
    loss(z, y, idx).backward()  # targets are updated first, then used (detached)
    assert torch.allclose(z.grad, elr_logit_grad(z.detach(), y, loss.target[idx], 2.0), atol=1e-12)


def test_regulariser_gradient_points_towards_target():
    # A descent step on the ELR term raises <p, t>; for t = e_c it raises the logit of class c.
    z, y, _ = _batch()
    t = F.one_hot(torch.full((6,), 2), 4).double()
    g = elr_logit_grad(z, y, t, 1.0) - elr_logit_grad(z, y, t, 0.0)
    assert (g[:, 2] < 0).all() and (g[:, [0, 1, 3]] > 0).all()


def test_target_update_rule():
    loss = ELRLoss(5, 3, lam=3.0, beta=0.7)
    p1 = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    p2 = torch.tensor([[0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    idx = torch.tensor([4, 1])
    loss.update_targets(p1, idx)
    loss.update_targets(p2, idx)
    expected = 0.7 * 0.3 * p1 + 0.3 * p2  # beta * (1 - beta) p1 + (1 - beta) p2, from t = 0
    assert torch.allclose(loss.target[idx], expected)
    assert torch.equal(loss.target[[0, 2, 3]], torch.zeros(3, 3))  # untouched rows


def test_targets_converge_to_constant_prediction():
    loss = ELRLoss(1, 3, beta=0.7)
    p = torch.tensor([[0.1, 0.6, 0.3]])
    for _ in range(200):
        loss.update_targets(p, torch.tensor([0]))
    assert torch.allclose(loss.target, p)


def test_rejects_bad_hyperparameters():
    with pytest.raises(ValueError):
        ELRLoss(3, 2, beta=1.0)
    with pytest.raises(ValueError):
        ELRLoss(3, 2, lam=-1.0)


def test_fit_fractions_hand_example():
    y_true = torch.tensor([0, 1, 2, 0])
    y_noisy = torch.tensor([1, 1, 0, 2])  # examples 0, 2, 3 corrupted
    logits = F.one_hot(torch.tensor([1, 1, 2, 1]), 3).float()  # predicts 1, 1, 2, 1
    f = fit_fractions(logits, y_true, y_noisy)
    assert f["memorized"] == pytest.approx(1 / 3) and f["correct"] == pytest.approx(1 / 3)


def test_linear_model_learns_early_then_memorizes():
    r = linear_memorization(100, 400, 0.4, 300, 0.05, signal=5.0, seed=0, n_test=500)
    assert r["test_acc"].max() > 0.9 and r["test_acc"][-1] < r["test_acc"].max() - 0.1
    assert r["memorized"][-1] > 0.9
