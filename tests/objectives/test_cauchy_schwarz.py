import math

import pytest
import torch

from repro.objectives import cauchy_schwarz as cs


def test_gram_hand_values():
    a = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    G = cs.gaussian_gram(a, a, sigma=1.0)
    torch.testing.assert_close(G, torch.tensor([[1.0, math.exp(-0.5)], [math.exp(-0.5), 1.0]],
                                               dtype=torch.float64))


def test_conditional_divergence_zero_iff_equal_and_nonnegative():
    torch.manual_seed(0)
    x = torch.randn(40, 3, dtype=torch.float64)
    y = torch.randn(40, 1, dtype=torch.float64)
    assert abs(cs.conditional_cs_divergence(x, y, y).item()) < 1e-12
    for shift in (0.1, 1.0, 3.0):
        d = cs.conditional_cs_divergence(x, y, y + shift)
        assert d.item() > 0
    # a larger error gives a larger divergence
    d = [cs.conditional_cs_divergence(x, y, y + s).item() for s in (0.1, 0.5, 2.0)]
    assert d[0] < d[1] < d[2]


def test_qmi_limits():
    torch.manual_seed(1)
    x = torch.randn(30, 2, dtype=torch.float64)
    const = torch.zeros(30, 4, dtype=torch.float64)
    assert abs(cs.cs_qmi(x, const).item()) < 1e-12           # a constant code carries nothing
    assert cs.cs_qmi(x, x[:, :1]).item() > 0
    assert cs.cs_qmi_normalized(x, x).item() == pytest.approx(1.0)
    # same marginal, dependence broken by shuffling the rows: far less information
    x = torch.randn(200, 2, dtype=torch.float64)
    shuffled = x[torch.randperm(200)]
    assert cs.cs_qmi(x, shuffled).item() < 0.1 * cs.cs_qmi(x, x).item()


def test_loss_is_differentiable_and_beta_zero_drops_compression():
    torch.manual_seed(2)
    x, y = torch.randn(16, 3), torch.randn(16)
    t = torch.randn(16, 5, requires_grad=True)
    y_hat = t.sum(1)
    loss = cs.cs_ib_loss(x, y, y_hat, t, beta=0.1)
    loss.backward()
    assert torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0
    base = cs.cs_ib_loss(x, y, y_hat.detach(), t.detach(), beta=0.0)
    torch.testing.assert_close(base, cs.conditional_cs_divergence(x, y[:, None], y_hat.detach()[:, None]))
