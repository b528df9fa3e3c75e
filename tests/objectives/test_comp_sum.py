"""Tests for repro.objectives.comp_sum: comp-sum losses (Mao, Mohri & Zhong, ICML 2023)."""
import math

import pytest
import torch
import torch.nn.functional as F

from repro.objectives import comp_sum


def _batch(n=8, k=5, seed=0, scale=2.0):
    g = torch.Generator().manual_seed(seed)
    h = scale * torch.randn(n, k, generator=g, dtype=torch.float64)
    y = torch.randint(0, k, (n,), generator=g)
    return h, y


def _phi(u, tau):
    return torch.log1p(u) if tau == 1 else ((1 + u) ** (1 - tau) - 1) / (1 - tau)


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.3, 2.0, 3.0])
def test_definition_with_sum_of_exponentials(tau):
    h, y = _batch()
    hy = h.gather(1, y[:, None])
    u = (torch.exp(h - hy) * (1 - F.one_hot(y, 5))).sum(1)
    assert torch.allclose(comp_sum.comp_sum(h, y, tau, "none"), _phi(u, tau), atol=1e-10)


def test_named_members():
    h, y = _batch()
    p = torch.softmax(h, 1).gather(1, y[:, None])[:, 0]
    assert torch.allclose(comp_sum.cross_entropy(h, y, "none"), F.cross_entropy(h, y, reduction="none"))
    assert torch.allclose(comp_sum.mae(h, y, "none"), 1 - p)
    assert torch.allclose(comp_sum.gce(h, y, 0.7, "none"), (1 - p ** 0.7) / 0.7)
    assert torch.allclose(comp_sum.sum_exp(h, y, "none"), 1 / p - 1)


def test_continuous_in_tau_at_cross_entropy():
    h, y = _batch()
    ce = comp_sum.cross_entropy(h, y, "none")
    for tau in (1 - 1e-7, 1 + 1e-7):
        assert torch.allclose(comp_sum.comp_sum(h, y, tau, "none"), ce, atol=1e-5)


def test_mae_is_symmetric():
    h, _ = _batch()
    total = sum(comp_sum.mae(h, torch.full((8,), c), "none") for c in range(5))
    assert torch.allclose(total, torch.full_like(total, 4.0))


@pytest.mark.parametrize("tau", [0.0, 1.0, 1.5, 2.0])
def test_autograd_gradient_matches_hand_derivation(tau):
    # d l / d h_j = p_y^(tau - 1) (p_j - 1[j = y])
    h, y = _batch()
    h.requires_grad_(True)
    comp_sum.comp_sum(h, y, tau, "sum").backward()
    p = torch.softmax(h.detach(), 1)
    py = p.gather(1, y[:, None])
    assert torch.allclose(h.grad, py ** (tau - 1) * (p - F.one_hot(y, 5)), atol=1e-10)


def test_bad_arguments():
    h, y = _batch()
    with pytest.raises(ValueError):
        comp_sum.comp_sum(h, y, -1.0)
    with pytest.raises(ValueError):
        comp_sum.gce(h, y, q=0.0)
    with pytest.raises(ValueError):
        comp_sum.comp_sum(h, y, 1.0, reduction="avg")


def _random_eta_q(n=4000, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    eta = torch.distributions.Dirichlet(torch.full((k,), 0.7)).sample((n,)).double()
    q = torch.softmax(torch.randn(n, k, generator=g, dtype=torch.float64) * 2, 1)
    return eta, q


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.5])
def test_min_conditional_risk_matches_numerical_minimum(tau):
    torch.manual_seed(0)
    eta = torch.distributions.Dirichlet(torch.ones(4)).sample((5,)).double()
    h = torch.zeros(5, 4, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([h], max_iter=500, tolerance_grad=1e-12, tolerance_change=1e-15,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        r = comp_sum.conditional_risk(torch.softmax(h, 1), eta, tau).sum()
        r.backward()
        return r

    opt.step(closure)
    num = comp_sum.conditional_risk(torch.softmax(h.detach(), 1), eta, tau)
    assert torch.allclose(num, comp_sum.min_conditional_risk(eta, tau), atol=1e-8)


def test_error_transformation_special_cases():
    t = torch.linspace(0, 0.999, 50, dtype=torch.float64)
    assert torch.allclose(comp_sum.error_transformation(t, 0.0, 5), 1 - torch.sqrt(1 - t ** 2))
    assert torch.allclose(comp_sum.error_transformation(t, 2.0, 5), t / 5)
    ce = comp_sum.error_transformation(t, 1.0, 5)
    assert (ce >= t ** 2 / 2 - 1e-15).all()
    for tau in (1 - 1e-6, 1 + 1e-6):  # continuous at the cross-entropy
        assert torch.allclose(comp_sum.error_transformation(t, tau, 2), ce, atol=1e-5)
    assert torch.allclose(comp_sum.error_transformation(t, 2 - 1e-3, 3), t / 3, atol=2e-3)


@pytest.mark.parametrize("tau", [0.0, 1.0, 1.5])
def test_gamma_inverts_transformation(tau):
    t = torch.linspace(0, 0.99, 30, dtype=torch.float64)
    assert torch.allclose(comp_sum.bound_gamma(comp_sum.error_transformation(t, tau, 4), tau, 4), t, atol=1e-10)


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.5, 2.0])
def test_pointwise_bound_holds_and_two_class_case_is_tight(tau):
    eta, q = _random_eta_q()
    regret = comp_sum.conditional_risk(q, eta, tau) - comp_sum.min_conditional_risk(eta, tau)
    assert (comp_sum.zero_one_regret(q, eta) <= comp_sum.bound_gamma(regret, tau, 4) + 1e-9).all()
    # two classes, eta = ((1 + t)/2, (1 - t)/2), q = (1/2, 1/2) with the wrong class winning the tie
    t = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)
    eta2 = torch.stack([(1 + t) / 2, (1 - t) / 2], 1)
    q2 = torch.tensor([[0.5 - 1e-12, 0.5 + 1e-12]] * 3, dtype=torch.float64)
    reg2 = comp_sum.conditional_risk(q2, eta2, tau) - comp_sum.min_conditional_risk(eta2, tau)
    assert torch.allclose(reg2, comp_sum.error_transformation(t, tau, 2), atol=1e-9)
