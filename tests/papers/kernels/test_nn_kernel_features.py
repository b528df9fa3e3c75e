"""Tests of repro.papers.kernels.nn_kernel_features: unbiasedness, variance formula and the SNNK layer."""
import numpy as np
import pytest
import torch

from repro.papers.kernels import nn_kernel_features as nkf


@pytest.mark.parametrize("activation", nkf.ACTIVATIONS)
def test_urf_is_unbiased(activation):
    rng = np.random.default_rng(0)
    X, W = nkf.sphere(rng, 3, 5, 0.8), nkf.sphere(rng, 2, 5, 0.4)
    m = 200_000
    urf = nkf.draw_urf(rng, activation, m, 5)
    terms = urf.phi(X)[:, None, :] * urf.psi(W)[None, :, :] * m   # single-feature terms
    est, se = terms.mean(-1), terms.std(-1) / np.sqrt(m)
    z = (est - nkf.exact(activation, X @ W.T)) / se
    assert np.all(np.abs(z) < 5)
    assert np.allclose(urf.estimate(X, W), est)


def test_exp_urf_variance_formula():
    rng = np.random.default_rng(1)
    x, w = nkf.sphere(rng, 1, 4, 0.7)[0], nkf.sphere(rng, 1, 4, 0.5)[0]
    urf = nkf.draw_urf(rng, "exp", 400_000, 4)
    terms = (urf.phi(x) * urf.psi(w))[0] * urf.m
    assert np.isclose(terms.var(), nkf.exp_urf_variance(x, w), rtol=0.05)
    # at w = 0 the estimator is exact up to phi's fluctuation: Var = exp(|x|^2) - 1
    assert np.isclose(nkf.exp_urf_variance(x, 0 * w), np.exp(x @ x) - 1)


def test_gaussian_identity_limits_and_errors():
    assert np.allclose(nkf.exact("gauss", [0.0, 1.0]), [1.0, np.exp(-0.5)])
    with pytest.raises(ValueError, match="activation"):
        nkf.exact("relu", 0.0)
    with pytest.raises(ValueError, match="activation"):
        nkf.draw_urf(np.random.default_rng(0), "relu", 4, 2)


def test_snnk_layer_approximates_the_layer_and_counts_parameters():
    g = torch.Generator().manual_seed(0)
    W = torch.randn(3, 6, generator=g) * 0.3
    layer = nkf.SNNKLayer(6, 3, 100_000, "cos", radius=1.0, generator=g, init_weight=W)
    x = torch.randn(5, 6, generator=g)
    xt = x / x.norm(dim=1, keepdim=True)
    assert torch.allclose(layer(x), torch.cos(xt @ W.T), atol=0.03)
    small = nkf.snnk_mlp(64, 16, 32, 10)
    assert nkf.n_trainable(small) == 16 * 32 + 32 + 32 * 10 + 10
    assert small(torch.randn(4, 64)).shape == (4, 10)
