import math

import numpy as np
import torch

from repro.papers.kernels import functional_prior as fp


def test_prior_function_variance_of_a_linear_layer():
    # f = x W + b with W ~ N(0, s^2/d), b ~ N(0, t^2): Var f(x) = s^2 |x|^2 / d + t^2
    prior = fp.PriorMLP([3, 1], w_scale=2.0, b_scale=0.5)
    X = torch.tensor([[1.0, 2.0, -1.0], [0.0, 0.0, 0.0]])
    f = prior.sample_functions(X, 40000, torch.Generator().manual_seed(0))
    want = torch.tensor([4.0 * 6 / 3 + 0.25, 0.25])
    assert torch.allclose(f.var(0), want, rtol=0.05)
    unscaled = fp.PriorMLP([3, 1], 1.0, 1.0, fan_in_scaling=False)
    assert abs(unscaled.w_std(0).item() - 1.0) < 1e-12 and abs(prior.w_std(0).item() - 2 / math.sqrt(3)) < 1e-6


def test_gradient_penalty_zero_for_unit_slope_linear_critic():
    phi = torch.nn.Linear(2, 1)
    with torch.no_grad():
        phi.weight.copy_(torch.tensor([[0.6, 0.8]]))
    a, b = torch.randn(50, 2), torch.randn(50, 2)
    assert fp.gradient_penalty(phi, a, b).item() < 1e-10


def test_critic_recovers_w1_of_a_shift():
    # W1(N(d, 1), N(0, 1)) = d
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    d = 1.5
    fb, fg = torch.randn(256, 1, generator=g) + d, torch.randn(256, 1, generator=g)
    phi = fp.train_critic(fp.critic(1, 16), fb, fg, 120, lr=0.05, generator=g)
    with torch.no_grad():
        est = phi(torch.randn(4000, 1, generator=g) + d).mean() - phi(torch.randn(4000, 1, generator=g)).mean()
    assert abs(est.item() - d) < 0.2


def test_sghmc_linear_regression_matches_closed_form_posterior_mean():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 1))
    y = 0.8 * X[:, 0] + 0.3 + 0.3 * rng.standard_normal(40)
    noise, sw, sb = 0.09, 1.0, 1.0
    Phi = np.hstack([X, np.ones((40, 1))])
    A = Phi.T @ Phi / noise + np.diag([1 / sw ** 2, 1 / sb ** 2])
    mean_w = np.linalg.solve(A, Phi.T @ y / noise)
    Xs = np.array([[-1.0], [2.0]])
    want = np.hstack([Xs, np.ones((2, 1))]) @ mean_w
    preds = fp.sghmc_regression([1, 1], [(sw, sb)], X, y, noise, Xs, n_burn=300, n_keep=200, thin=4,
                                lr=2e-3, seed=0)
    np.testing.assert_allclose(preds.mean(0), want, atol=0.05)


def test_predictive_scores_single_sample_is_gaussian_nll():
    preds = np.array([[0.0, 1.0]])
    y = np.array([0.5, 1.0])
    rmse, nll = fp.predictive_scores(preds, y, 0.25)
    assert abs(rmse - math.sqrt(0.125)) < 1e-12
    assert abs(nll - np.mean(0.5 * np.log(2 * np.pi * 0.25) + 0.5 * (y - preds[0]) ** 2 / 0.25)) < 1e-12


def test_fit_rbf_gp_recovers_noise_level():
    rng = np.random.default_rng(1)
    X = rng.uniform(-3, 3, (120, 1))
    y = np.sin(X[:, 0]) + 0.2 * rng.standard_normal(120)
    hyp = fp.fit_rbf_gp(X, y)
    assert 0.02 < hyp["noise"] < 0.08 and 0.5 < hyp["ls"] < 3
