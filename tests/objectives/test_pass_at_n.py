import pytest
import torch
import torch.nn.functional as F

from repro.objectives import pass_at_n as pn


def test_pass_at_n_hand_values():
    p = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    torch.testing.assert_close(pn.pass_at_n(p, 3), torch.tensor([0.0, 0.875, 1.0], dtype=torch.float64))


def test_n_equal_one_is_cross_entropy():
    torch.manual_seed(0)
    z, y = torch.randn(7, 5, dtype=torch.float64), torch.randint(0, 5, (7,))
    torch.testing.assert_close(pn.dco_loss(z, y, 1), F.cross_entropy(z, y))


def test_loss_value_matches_definition():
    torch.manual_seed(1)
    z, y = torch.randn(6, 4, dtype=torch.float64), torch.randint(0, 4, (6,))
    p = F.softmax(z, -1).gather(-1, y[:, None])[:, 0]
    ref = -torch.log(1 - (1 - p) ** 16)
    torch.testing.assert_close(pn.dco_loss(z, y, 16, reduction="none"), ref)


@pytest.mark.parametrize("n", [1, 2, 16])
def test_autograd_matches_hand_gradient(n):
    torch.manual_seed(2)
    z = torch.randn(5, 6, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 6, (5,))
    pn.dco_loss(z, y, n, reduction="sum").backward()
    p = F.softmax(z.detach(), -1)
    py = p.gather(-1, y[:, None])[:, 0]
    expected = pn.dco_weight(py, n)[:, None] * (p - F.one_hot(y, 6).double())
    torch.testing.assert_close(z.grad, expected)


def test_weight_limits_and_stability():
    p = torch.tensor([1e-9, 0.5, 1 - 1e-9], dtype=torch.float64)
    w = pn.dco_weight(p, 16)
    assert w[0] == pytest.approx(1.0, abs=1e-6) and w[2] < 1e-100
    torch.testing.assert_close(pn.dco_weight(p, 1), torch.ones(3, dtype=torch.float64))
    # a confidently right example (p_y ~ 1) has finite loss ~ 0 and a finite gradient
    z = torch.tensor([[60.0, 0.0, 0.0]], requires_grad=True)
    loss = pn.dco_loss(z, torch.tensor([0]), 16)
    loss.backward()
    assert torch.isfinite(loss) and loss.item() < 1e-6 and torch.isfinite(z.grad).all()
    with pytest.raises(ValueError):
        pn.dco_loss(z, torch.tensor([0]), 0)
