"""Closed-form checks of the 2-D Gaussian-mixture reference (repro.data.toy2d)."""
import math

import numpy as np
import pytest
import torch

from repro.data.toy2d import (GaussianMixture, asymmetric_mixture, checkerboard, grid_mixture,
                              ring_mixture, swiss_roll, two_moons)

D = torch.float64


def test_log_prob_matches_torch_mvn_for_one_component():
    cov = torch.tensor([[0.5, 0.2], [0.2, 0.3]], dtype=D)
    g = GaussianMixture([1.0], [[0.3, -1.0]], cov[None])
    x = torch.randn(50, 2, dtype=D)
    mu = torch.tensor([0.3, -1.0], dtype=D)
    assert torch.allclose(g.log_prob(x), torch.distributions.MultivariateNormal(mu, cov).log_prob(x),
                          atol=1e-12)
    m, s = 0.7, 0.4
    noised = torch.distributions.MultivariateNormal(m * mu, m ** 2 * cov + s ** 2 * torch.eye(2, dtype=D))
    assert torch.allclose(g.log_prob(x, m, s), noised.log_prob(x), atol=1e-12)


@pytest.mark.parametrize("m,s", [(1.0, 0.0), (1.0, 0.3), (0.6, 0.8)])
def test_score_is_gradient_of_log_prob(m, s):
    g = asymmetric_mixture()
    x = 2 * torch.randn(40, 2, dtype=D)
    xr = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(g.log_prob(xr, m, s).sum(), xr)
    assert torch.allclose(g.score(x, m, s), grad, atol=1e-10)


def test_per_row_times_match_shared_time():
    g = ring_mixture()
    x = torch.randn(30, 2, dtype=D)
    m = torch.linspace(0.2, 1.0, 30, dtype=D)
    s = torch.sqrt(1 - m ** 2) + 0.01
    per_row = g.log_prob(x, m, s)
    one_by_one = torch.stack([g.log_prob(x[i:i + 1], m[i], s[i])[0] for i in range(30)])
    assert torch.allclose(per_row, one_by_one, atol=1e-12)
    xr = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(g.log_prob(xr, m, s).sum(), xr)
    assert torch.allclose(g.score(x, m, s), grad, atol=1e-10)


def test_density_integrates_to_one_on_a_grid():
    g = asymmetric_mixture()
    u = torch.linspace(-5, 5, 401, dtype=D)
    xx = torch.stack(torch.meshgrid(u, u, indexing="ij"), -1).reshape(-1, 2)
    h = float(u[1] - u[0])
    assert abs(float(g.log_prob(xx).exp().sum()) * h * h - 1) < 1e-4
    assert abs(float(g.log_prob(xx, 0.8, 0.5).exp().sum()) * h * h - 1) < 1e-4


def test_samples_have_the_mixture_moments():
    g = asymmetric_mixture()
    x = g.sample(200_000, torch.Generator().manual_seed(0))
    mean = g.mean()
    cov = sum(w * (C + torch.outer(mu - mean, mu - mean)) for w, mu, C in zip(g.weights, g.means, g.covs))
    assert torch.allclose(x.mean(0), mean, atol=0.01)
    assert torch.allclose(torch.cov(x.T), cov, atol=0.02)


def test_noised_marginal_matches_noising_samples():
    g = ring_mixture(4, 1.5, 0.2)
    gen = torch.Generator().manual_seed(1)
    m, s = 0.5, 0.7
    xt = m * g.sample(100_000, gen) + s * torch.randn(100_000, 2, generator=gen, dtype=D)
    # E[log p_t(x_t)] under samples = -entropy; compare with a grid integral of -p log p
    u = torch.linspace(-4, 4, 321, dtype=D)
    xx = torch.stack(torch.meshgrid(u, u, indexing="ij"), -1).reshape(-1, 2)
    lp = g.log_prob(xx, m, s)
    neg_entropy = float((lp.exp() * lp).sum()) * float(u[1] - u[0]) ** 2
    assert abs(float(g.log_prob(xt, m, s).mean()) - neg_entropy) < 0.01


def test_conditional_is_joint_over_marginal():
    g = asymmetric_mixture()
    x1 = 0.4
    cond = g.conditional(0, x1)
    x2 = torch.linspace(-4, 4, 2001, dtype=D)
    joint = g.log_prob(torch.stack([torch.full_like(x2, x1), x2], 1)).exp()
    h = float(x2[1] - x2[0])
    target = joint / (joint.sum() * h)
    got = cond.log_prob(x2[:, None]).exp()
    assert torch.allclose(got, target, atol=1e-6)


def test_presets_and_plain_samplers():
    assert grid_mixture(5).means.shape == (25, 2)
    assert ring_mixture(8).weights.shape == (8,)
    rng = np.random.default_rng(0)
    cb = checkerboard(1000, rng)
    idx = np.floor((cb + 2.0) / 1.0).astype(int)
    assert cb.shape == (1000, 2) and np.all(idx.sum(1) % 2 == 0)
    assert two_moons(100, rng).shape == (100, 2) and swiss_roll(100, rng).shape == (100, 2)
    with pytest.raises(ValueError):
        GaussianMixture([0.5, 0.6], [[0, 0], [1, 1]], np.tile(np.eye(2), (2, 1, 1)))
