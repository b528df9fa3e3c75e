"""Tests for repro.objectives.aggregate (Javanmard et al., ICLR 2024): bag/instance/interpolating losses."""
import numpy as np
import pytest
import torch

from repro.objectives import aggregate as ag


def _data(n=24, d=3, k=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n)
    bags = ag.random_bags(n, k, rng)
    return X, y, bags


def test_random_bags_partition():
    bags = ag.random_bags(12, 3, np.random.default_rng(1))
    assert bags.shape == (4, 3) and sorted(bags.ravel().tolist()) == list(range(12))
    with pytest.raises(ValueError):
        ag.random_bags(10, 3, np.random.default_rng(0))


def test_instance_loss_is_bag_loss_plus_within_bag_penalty():
    g = torch.Generator().manual_seed(0)
    pred = torch.randn(20, generator=g, dtype=torch.float64)
    y_bag = torch.randn(5, generator=g, dtype=torch.float64)
    bags = torch.randperm(20, generator=g).reshape(5, 4)
    inst = ag.instance_level_loss(pred, y_bag, bags, "none")
    assert torch.allclose(inst, ag.bag_level_loss(pred, y_bag, bags, "none")
                          + ag.within_bag_penalty(pred, bags, "none"), atol=1e-14)
    assert torch.allclose(ag.interpolating_loss(pred, y_bag, bags, 0.0), ag.bag_level_loss(pred, y_bag, bags))
    assert torch.allclose(ag.interpolating_loss(pred, y_bag, bags, 1.0), inst.mean())
    assert torch.allclose(ag.interpolating_loss(pred, y_bag, bags, 1.0, "sum"), inst.sum())


def test_hand_computed_bag():
    pred = torch.tensor([1.0, 3.0])  # one bag, mean prediction 2, response 0
    y_bag, bags = torch.tensor([0.0]), torch.tensor([[0, 1]])
    assert ag.bag_level_loss(pred, y_bag, bags).item() == pytest.approx(4.0)
    assert ag.instance_level_loss(pred, y_bag, bags).item() == pytest.approx(5.0)  # (1 + 9) / 2
    assert ag.within_bag_penalty(pred, bags).item() == pytest.approx(1.0)
    assert ag.interpolating_loss(pred, y_bag, bags, 0.5).item() == pytest.approx(4.5)


def test_bag_size_one_is_plain_squared_loss():
    pred, y = torch.randn(7, dtype=torch.float64), torch.randn(7, dtype=torch.float64)
    bags = torch.arange(7)[:, None]
    for rho in (0.0, 0.3, 1.0):
        assert torch.allclose(ag.interpolating_loss(pred, y, bags, rho), ((pred - y) ** 2).mean())


def test_closed_form_is_stationary_point_of_torch_loss():
    X, y, bags = _data()
    y_bag = ag.bag_means(y, bags)
    for rho in (0.0, 0.4, 1.0):
        theta = torch.tensor(ag.interpolating_least_squares(X, y_bag, bags, [rho])[0], requires_grad=True)
        loss = ag.interpolating_loss(torch.as_tensor(X) @ theta, torch.as_tensor(y_bag), bags, rho)
        (grad,) = torch.autograd.grad(loss, theta)
        assert grad.abs().max() < 1e-12


def test_autograd_matches_hand_gradient():
    # d/dtheta of mean_a [(ybar - xbar^T theta)^2 + rho/k sum_i ((x_i - xbar)^T theta)^2]
    #   = (2/m) [ -Xbar^T (ybar - Xbar theta) + (rho/k) W^T W theta ]
    X, y, bags = _data(seed=3)
    m, k = bags.shape
    y_bag = ag.bag_means(y, bags)
    theta0 = np.random.default_rng(5).standard_normal(X.shape[1])
    A, B, Xbar = ag.bag_grams(X, bags)
    rho = 0.7
    hand = 2 / m * (-Xbar.T @ (y_bag - Xbar @ theta0) + rho / k * B @ theta0)
    theta = torch.tensor(theta0, requires_grad=True)
    loss = ag.interpolating_loss(torch.as_tensor(X) @ theta, torch.as_tensor(y_bag), bags, rho)
    (grad,) = torch.autograd.grad(loss, theta)
    assert np.allclose(grad.numpy(), hand, atol=1e-12)


def test_endpoints_are_the_two_least_squares_problems():
    X, y, bags = _data(n=40, d=4, k=4, seed=2)
    y_bag = ag.bag_means(y, bags)
    th_bag, th_inst = ag.interpolating_least_squares(X, y_bag, bags, [0.0, 1.0])
    Xbar = ag.bag_means(X, bags)
    assert np.allclose(th_bag, np.linalg.lstsq(Xbar, y_bag, rcond=None)[0])
    y_expanded = np.empty(len(y))
    y_expanded[bags] = y_bag[:, None]  # every instance gets its bag's response
    assert np.allclose(th_inst, np.linalg.lstsq(X, y_expanded, rcond=None)[0])


def test_several_responses_at_once():
    X, y, bags = _data()
    Y = np.stack([ag.bag_means(y, bags), ag.bag_means(y ** 2, bags)], 1)
    both = ag.interpolating_least_squares(X, Y, bags, [0.5])[0]
    assert np.allclose(both[:, 1], ag.interpolating_least_squares(X, Y[:, 1], bags, [0.5])[0])


def test_asymptotic_risk_limits():
    n, d, s2 = 4000, 400, 1.3
    for k in (1, 2, 5):  # bag level = least squares on m = n/k bag means: unbiased, s2 d / (m - d)
        b, v = ag.asymptotic_risk(n, d, k, 0.0, s2)
        assert b == pytest.approx(0, abs=1e-12) and v == pytest.approx(s2 * d / (n / k - d), rel=1e-9)
    for k in (2, 5):  # instance level: keeps theta0 / k; the other k-1 instances act as noise
        b, v = ag.asymptotic_risk(n, d, k, 1.0, s2, 2.0)
        expect = 2.0 * (1 - 1 / k) ** 2 + d / (n - d) * (2.0 * (k - 1) / k ** 2 + s2 / k)
        assert b + v == pytest.approx(expect, rel=1e-9)
    assert ag.asymptotic_risk(n, d, 1, 0.6, s2)[1] == pytest.approx(s2 * d / (n - d), rel=1e-9)
    assert ag.asymptotic_risk(1000, 400, 5, 0.0, 1.0) == (np.inf, np.inf)  # m = 200 < d


def test_asymptotic_risk_matches_small_simulation():
    rng = np.random.default_rng(0)
    n, d, k, rho, sigma = 1200, 120, 3, 0.2, 1.0
    risks = []
    for _ in range(15):
        X = rng.standard_normal((n, d))
        th0 = rng.standard_normal(d)
        th0 /= np.linalg.norm(th0)
        bags = ag.random_bags(n, k, rng)
        y_bag = ag.bag_means(X @ th0 + sigma * rng.standard_normal(n), bags)
        risks.append(np.sum((ag.interpolating_least_squares(X, y_bag, bags, [rho])[0] - th0) ** 2))
    assert np.mean(risks) == pytest.approx(sum(ag.asymptotic_risk(n, d, k, rho, sigma ** 2)), rel=0.1)


def test_laplace_mechanism():
    assert ag.laplace_scale(4, 2.0, 3.0) == pytest.approx(0.75)  # 2 * 3 / (4 * 2)
    rng = np.random.default_rng(0)
    y = np.full(40000, 10.0)  # every response clipped to 1
    bags = ag.random_bags(len(y), 4, rng)
    noisy = ag.laplace_bag_means(y, bags, epsilon=1.0, clip=1.0, rng=rng)
    assert noisy.mean() == pytest.approx(1.0, abs=0.03)
    assert noisy.var() == pytest.approx(2 * ag.laplace_scale(4, 1.0, 1.0) ** 2, rel=0.05)
    with pytest.raises(ValueError):
        ag.laplace_scale(2, 0.0, 1.0)
