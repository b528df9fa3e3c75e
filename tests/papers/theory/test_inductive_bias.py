"""Tests of repro.papers.theory.inductive_bias against closed forms and small hand-checkable cases."""
import numpy as np
from scipy import stats

from repro.papers.theory import inductive_bias as ib


def test_interpolating_gp_fits_training_points_and_has_zero_variance_there():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 3))
    y = np.sin(X[:, 0])
    mean, cov = ib.interpolating_gp(X, y, X)
    assert np.allclose(mean, y, atol=1e-5)
    assert np.abs(cov).max() < 1e-5


def test_gaussian_mse_moments_match_closed_form_and_samples():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 5))
    cov, mean, y = A @ A.T / 5, rng.standard_normal(5), rng.standard_normal(5)
    g = ib.GaussianMSE(mean, cov, y)
    # E mean((f-y)^2) = (tr cov + |mean - y|^2) / n
    assert np.isclose(g.mean, (np.trace(cov) + ((mean - y) ** 2).sum()) / 5)
    f = rng.multivariate_normal(mean, cov, size=200000)
    direct = ((f - y) ** 2).mean(1)
    s = g.sample(200000, rng)
    assert abs(s.mean() - direct.mean()) < 0.01 * direct.mean()
    assert abs(s.var() - g.var) < 0.03 * g.var
    assert abs(direct.var() - g.var) < 0.03 * g.var


def test_saddlepoint_matches_exact_noncentral_chi2_deep_in_the_tail():
    # equal weights: L = w * ncx2(k, sum c^2) exactly
    k, w, c = 20, 0.05, np.full(20, 0.7)
    g = ib.GaussianMSE(np.zeros(k), np.eye(k), np.zeros(k))
    g.w, g.c, g.const = np.full(k, w), c, 0.0
    nc = float((c ** 2).sum())
    for eps in (0.5, 0.2, 0.05):
        exact = stats.ncx2.logcdf(eps / w, k, nc)
        assert abs(g.saddlepoint_log_cdf(eps) - exact) < 0.02 * abs(exact)


def test_ncx2_fit_recovers_parameters_and_bits():
    rng = np.random.default_rng(2)
    true = (10.0, 4.0, 1e-3)  # tiny scale: the rescaling keeps the optimiser on track
    x = stats.ncx2.rvs(true[0], true[1], scale=true[2], size=20000, random_state=rng)
    p = ib.fit_ncx2(x)
    eps = np.quantile(x, 0.01)
    assert abs(ib.ncx2_bits(eps, p) - ib.ncx2_bits(eps, true)) < 0.05 * ib.ncx2_bits(eps, true)


def test_monte_carlo_bits_counts_fraction_below():
    losses = np.array([0.1, 0.2, 0.3, 0.4])
    assert np.allclose(ib.monte_carlo_bits(losses, [0.2, 0.4]), [1.0, 0.0])
    assert np.isinf(ib.monte_carlo_bits(losses, 0.05)[0])


def test_sine_ridge_task_shapes_and_targets():
    rng = np.random.default_rng(3)
    u = np.array([1.0, 0.0, 0.0])
    X, y = ib.sine_ridge_task(7, u, rng)
    assert X.shape == (7, 3) and np.allclose(y, np.sin(2 * X[:, 0]))
