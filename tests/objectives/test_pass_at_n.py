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


@pytest.mark.parametrize("n", [2, 16, 64])
def test_log1m_pow_float32_small_p_is_finite_and_accurate(n):
    """Regression: log(1 - (1 - p)^n) was inf in float32 for p below about 3e-8."""
    log_p64 = torch.log(torch.tensor([1e-40, 1e-20, 1e-9, 3e-8, 1e-6, 1e-3, 0.3, 0.9, 1 - 1e-6],
                                     dtype=torch.float64))
    ref = torch.log(-torch.expm1(n * torch.log1p(-torch.exp(log_p64))))  # float64 reference
    ref[:2] = torch.log(torch.tensor(float(n), dtype=torch.float64)) + log_p64[:2]  # log(n p), exact here
    got = pn.log1m_pow(log_p64.float(), n)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got.double(), ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(pn.log1m_pow(log_p64, n), ref, rtol=1e-10, atol=1e-12)


def test_dco_loss_float32_confidently_wrong_has_finite_loss_and_gradient():
    z = torch.tensor([[0.0, 25.0, 0.0], [0.0, 40.0, 0.0]], requires_grad=True)  # p_y ~ 1e-11, 4e-18
    y = torch.tensor([0, 0])
    loss = pn.dco_loss(z, y, 16, reduction="none")
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(z.grad).all()
    z64 = z.detach().double()
    logp = F.log_softmax(z64, -1)[:, 0]
    torch.testing.assert_close(loss.double(), -(torch.log(torch.tensor(16.0, dtype=torch.float64)) + logp),
                               rtol=1e-5, atol=1e-4)
    # the gradient is cross-entropy's times F(N, p) ~ 1 for tiny p
    p = F.softmax(z64, -1)
    torch.testing.assert_close(z.grad.double(), p - F.one_hot(y, 3).double(), rtol=1e-4, atol=1e-5)
