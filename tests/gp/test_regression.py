import numpy as np
import pytest
import torch

from repro.gp.kernels import rbf_kernel
from repro.gp.nn_kernels import nngp_ntk
from repro.gp.regression import GPRegression, gaussian_nll, sample_prior


def test_gp_one_point_posterior_by_hand():
    # one observation y=1 at x=0, k(0,0)=1, noise 0.5: mean at 0 is 1/1.5, var 1 - 1/1.5
    gp = GPRegression(rbf_kernel, np.zeros((1, 1)), np.array([1.0]), noise=0.5)
    m, v = gp.predict(np.zeros((1, 1)))
    assert np.allclose(m, 1 / 1.5) and np.allclose(v, 1 - 1 / 1.5)
    # log N(1; 0, 1.5)
    assert np.isclose(gp.log_marginal_likelihood(), -0.5 / 1.5 - 0.5 * np.log(2 * np.pi * 1.5))


def test_gp_marginal_likelihood_matches_multivariate_normal():
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 2)), rng.normal(size=8)
    gp = GPRegression(rbf_kernel, X, y, noise=0.1)
    ref = multivariate_normal(np.zeros(8), rbf_kernel(X, X) + 0.1 * np.eye(8)).logpdf(y)
    assert np.isclose(gp.log_marginal_likelihood(), ref)
    m, C = gp.predict(X[:3], full_cov=True)
    _, v = gp.predict(X[:3])
    assert np.allclose(np.diag(C), v)


def test_prior_samples_have_kernel_covariance():
    X = np.linspace(-1, 1, 5)[:, None]
    f = sample_prior(rbf_kernel, X, 20000, np.random.default_rng(0))
    assert np.abs(np.cov(f.T) - rbf_kernel(X, X)).max() < 0.04


def test_gaussian_nll():
    assert np.isclose(gaussian_nll(np.array([0.0]), np.array([0.0]), np.array([1.0])), 0.5 * np.log(2 * np.pi))


def test_relu_nngp_diagonal_and_depth_zero():
    X = np.random.default_rng(0).normal(size=(4, 3))
    S0, T0 = nngp_ntk(X, X, depth=0)
    assert np.allclose(S0, 2.0 * X @ X.T / 3) and np.allclose(T0, S0)
    # with sw2 = 2 and no bias, ReLU preserves the diagonal: q^{l+1} = 2 * q^l / 2
    S, T = nngp_ntk(X, X, depth=3)
    assert np.allclose(np.diag(S), np.diag(S0))
    # NTK diagonal of a depth-L ReLU net with sw2=2, sb2=0 is (L + 1) q
    assert np.allclose(np.diag(T), 4 * np.diag(S0))
    with pytest.raises(ValueError):
        nngp_ntk(X, X, 1, activation="cos")


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_nngp_ntk_match_wide_network_monte_carlo(activation):
    """Empirical NNGP (output covariance) and NTK (gradient inner products) of wide random nets."""
    torch.manual_seed(0)
    X = torch.tensor(np.random.default_rng(1).normal(size=(3, 4)))
    S, T = nngp_ntk(X.numpy(), X.numpy(), depth=1, activation=activation, sw2=1.5, sb2=0.1)
    act = torch.relu if activation == "relu" else torch.erf
    width, n_nets = 2000, 300
    outs, ntks = [], []
    for _ in range(n_nets):
        W1 = torch.randn(4, width, dtype=torch.float64, requires_grad=True)
        b1 = torch.randn(width, dtype=torch.float64, requires_grad=True)
        w2 = torch.randn(width, dtype=torch.float64, requires_grad=True)
        b2 = torch.randn((), dtype=torch.float64, requires_grad=True)
        h = act(X @ W1 * np.sqrt(1.5 / 4) + np.sqrt(0.1) * b1)
        f = h @ w2 * np.sqrt(1.5 / width) + np.sqrt(0.1) * b2
        outs.append(f.detach())
        if len(ntks) < 3:
            grads = [torch.cat([g.reshape(-1) for g in torch.autograd.grad(fi, [W1, b1, w2, b2], retain_graph=True)])
                     for fi in f]
            G = torch.stack(grads)
            ntks.append((G @ G.T).numpy())
    emp_S = torch.stack(outs).T.cov(correction=0).numpy()
    assert np.abs(emp_S - S).max() < 0.25 * np.abs(S).max()
    assert np.abs(np.mean(ntks, 0) - T).max() < 0.05 * np.abs(T).max()
