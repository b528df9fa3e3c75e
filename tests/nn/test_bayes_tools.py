import math

import numpy as np
import torch

from repro.gp import bayesopt
from repro.nn.bnn import SGHMC, BayesLinear, kl_divergence


def test_bayes_linear_kl_and_moments():
    torch.manual_seed(0)
    layer = BayesLinear(3, 2, prior_std=1.0, init_std=1.0)
    with torch.no_grad():
        layer.w_mu.zero_()
    # q = prior on weights (mu 0, sigma 1): KL of weights is 0; biases have mu 0 and sigma 1 too
    assert abs(kl_divergence(layer).item()) < 1e-5
    x = torch.ones(20000, 3)
    out = layer(x)
    # variance of each output = sum_j x_j^2 sigma^2 + sigma_b^2 = 4
    assert abs(out.var(0).mean().item() - 4.0) < 0.15
    layer.mask[:, 0] = 0
    assert layer.n_active() == 6
    assert abs(layer(x).var(0).mean().item() - 3.0) < 0.15


def test_sghmc_samples_a_gaussian():
    g = torch.Generator().manual_seed(0)
    theta = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = SGHMC([theta], lr=0.01, alpha=0.1, generator=g)
    draws = []
    for t in range(30000):
        opt.zero_grad()
        (0.5 * ((theta - 2.0) / 0.5) ** 2).sum().backward()  # U of N(2, 0.5^2)
        opt.step()
        if t > 2000:
            draws.append(theta.item())
    assert abs(np.mean(draws) - 2.0) < 0.05 and abs(np.std(draws) - 0.5) < 0.05


def test_expected_improvement_limits():
    assert np.isclose(bayesopt.expected_improvement(np.array([0.0]), np.array([1e-20]), 1.0)[0], 1.0)
    ei0 = bayesopt.expected_improvement(np.array([1.0]), np.array([1.0]), 1.0)[0]
    assert np.isclose(ei0, 1 / math.sqrt(2 * math.pi))


def test_branin_minimum():
    assert np.isclose(bayesopt.branin(np.array([(np.pi + 5) / 15, 2.275 / 15])), 0.397887, atol=1e-5)


def test_bo_beats_random_search_on_a_smooth_function():
    f = lambda x: float(np.sum((x - 0.3) ** 2))  # noqa: E731
    bo = bayesopt.minimize(f, 3, n_init=5, n_iter=15, rng=np.random.default_rng(0), n_candidates=500)
    rand = [f(x) for x in np.random.default_rng(1).random((200, 3))]
    assert bo.min() < min(rand) < 0.05
