"""Tests of repro.objectives.ensloss (EnsLoss, Dai et al., 2024)."""
import pytest
import torch
import torch.nn.functional as F

from repro.objectives import ensloss


def test_margin_maps_labels_to_signs():
    f = torch.tensor([[2.0], [-1.0], [0.5]])
    y = torch.tensor([1.0, 1.0, 0.0])
    assert torch.allclose(ensloss.margin(f, y), torch.tensor([2.0, -1.0, -0.5]))


def test_sampled_derivatives_are_calibrated_and_convex():
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        s = 3 * torch.randn(257, generator=gen, dtype=torch.float64)
        g = ensloss.sample_derivatives(s, gen)
        assert ensloss.is_cc_derivative(s, g)
        assert (g < 0).all() and (g >= -1 - 1e-5).all()
        # tail: |g| <= 1/s beyond s = 1
        assert (g[s > 1].abs() <= 1 / s[s > 1] + 1e-5).all()


def test_is_cc_detects_violations():
    s = torch.tensor([-1.0, 0.0, 1.0])
    assert not ensloss.is_cc_derivative(s, torch.tensor([-0.2, -0.5, -0.1]))   # not monotone
    assert not ensloss.is_cc_derivative(s, torch.tensor([-0.5, 0.0, 0.1]))     # phi'(0) = 0


def test_sampling_is_reproducible_with_generator():
    s = torch.randn(50)
    a = ensloss.sample_derivatives(s, torch.Generator().manual_seed(3))
    b = ensloss.sample_derivatives(s, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_ensloss_gradient_is_g_over_batch():
    """The gradient of the batch objective w.r.t. the logit of example i is g_i y_i / |B|."""
    f = torch.randn(64, 1, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 2, (64,)).double()
    loss = ensloss.EnsLoss(torch.Generator().manual_seed(1))(f, y)
    loss.backward()
    g = ensloss.sample_derivatives(ensloss.margin(f, y), torch.Generator().manual_seed(1))
    assert torch.allclose(f.grad[:, 0], g * (2 * y - 1) / 64)


def test_fixed_losses_match_formulas():
    f = torch.randn(30, 1, dtype=torch.float64)
    y = torch.randint(0, 2, (30,)).double()
    assert torch.allclose(ensloss.bce(f, y), F.binary_cross_entropy_with_logits(f[:, 0], y))
    s = ensloss.margin(f, y)
    assert torch.allclose(ensloss.hinge(f, y, reduction="none"), torch.clamp(1 - s, min=0))
    assert torch.allclose(ensloss.exponential(f, y, reduction="sum"), torch.exp(-s).sum())


def test_fixed_losses_are_calibrated():
    """Each baseline's derivative at margin 0 is negative and non-decreasing in s (CC losses)."""
    s = torch.linspace(-3, 3, 61, dtype=torch.float64, requires_grad=True)
    for fn in ensloss.FIXED.values():
        s.grad = None
        fn(s, torch.ones(61, dtype=torch.float64), reduction="sum").backward()
        assert ensloss.is_cc_derivative(s.detach(), s.grad)


def test_bad_reduction_raises():
    with pytest.raises(ValueError):
        ensloss.bce(torch.zeros(2), torch.ones(2), reduction="max")
