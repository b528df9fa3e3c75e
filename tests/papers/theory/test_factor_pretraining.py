"""Tests of the factor-model pretraining pipeline against closed forms and Monte Carlo."""
import numpy as np
import pytest

from repro.papers.theory import factor_pretraining as fp


def _model(d=8, r=2, seed=0):
    rng = np.random.default_rng(seed)
    B = fp.factor_loadings(d, r, 3.0, rng)
    beta = np.array([1.0, -0.5])[:r]
    return rng, B, beta


def test_loadings_have_the_asked_strength():
    _, B, _ = _model()
    assert np.allclose(B.T @ B, 3.0 * np.eye(2))


def test_sample_covariance_is_wishart():
    rng, B, _ = _model()
    cov = fp.covariance(B)
    m = 50
    draws = np.array([fp.sample_covariance(m, cov, rng) for _ in range(4000)])
    assert np.allclose(draws.mean(0), cov, atol=0.08)
    # Var(S_ij) = (cov_ij^2 + cov_ii cov_jj) / m for a Wishart / m
    var = (cov**2 + np.outer(np.diag(cov), np.diag(cov))) / m
    assert np.allclose(draws.var(0), var, rtol=0.15)
    with pytest.raises(ValueError):
        fp.sample_covariance(5, cov, rng)


def test_mle_recovers_population_and_maximises_likelihood():
    rng, B, _ = _model()
    cov = fp.covariance(B)
    Bh = fp.mle_loadings(cov, 2)
    assert np.allclose(Bh @ Bh.T, B @ B.T)
    S = fp.sample_covariance(40, cov, rng)
    Bh = fp.mle_loadings(S, 2)
    best = fp.log_likelihood(Bh, S)
    for _ in range(20):
        assert fp.log_likelihood(Bh + 0.05 * rng.standard_normal(Bh.shape), S) < best
    # rotations of the factors leave the likelihood unchanged (identifiable up to O(r))
    c, s = np.cos(0.7), np.sin(0.7)
    assert np.isclose(fp.log_likelihood(Bh @ np.array([[c, -s], [s, c]]), S), best)


def test_posterior_mean_and_risks_match_monte_carlo():
    rng, B, beta = _model()
    A = fp.posterior_mean_map(B)
    assert np.allclose(A, B.T @ np.linalg.inv(fp.covariance(B)))
    X, y = fp.sample(400000, B, beta, rng, noise_y=0.5)
    w_star = fp.bayes_predictor(B, beta)
    mse_star = np.mean((y - X @ w_star) ** 2)
    assert abs(mse_star - fp.bayes_risk(B, beta, 0.5)) < 0.01
    w = w_star + 0.1 * rng.standard_normal(len(w_star))
    mc_excess = np.mean((y - X @ w) ** 2) - mse_star
    assert abs(mc_excess - fp.excess_risk(w, B, beta)) < 0.01
    assert fp.excess_risk(w_star, B, beta) == pytest.approx(0.0, abs=1e-14)


def test_pretraining_with_exact_covariance_gives_the_oracle_rate():
    rng, B, beta = _model(d=6, r=2)
    cov = fp.covariance(B)
    n, reps = 20, 3000
    sigma2 = fp.bayes_risk(B, beta)
    ex = [fp.excess_risk(fp.pretrain_then_regress(cov, 2, *fp.sample(n, B, beta, rng)), B, beta)
          for _ in range(reps)]
    theory = float(fp.ols_excess_theory(2, n, sigma2))
    assert theory == pytest.approx(sigma2 * 2 / 17)
    assert abs(np.mean(ex) / theory - 1) < 0.08
    assert np.isinf(fp.ols_excess_theory(2, 3, 1.0))


def test_ridge_path_matches_direct_solution():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((7, 10)), rng.standard_normal(7)
    lams = [0.1, 2.0]
    W = fp.ridge_path(X, y, lams)
    for lam, w in zip(lams, W):
        assert np.allclose(w, np.linalg.solve(X.T @ X + lam * np.eye(10), X.T @ y))


def test_pretraining_split_and_cached_bayes_predictor_agree():
    rng = np.random.default_rng(3)
    B = fp.factor_loadings(12, 2, 4.0, rng)
    beta = np.array([1.0, -2.0])
    X, y = fp.sample(40, B, beta, rng, 1.0)
    S = fp.sample_covariance(500, fp.covariance(B), rng)
    w = fp.pretrain_then_regress(S, 2, X, y)
    np.testing.assert_array_equal(w, fp.regress_on_map(fp.pretrained_map(S, 2), X, y))
    assert fp.excess_risk(w, B, beta, fp.bayes_predictor(B, beta)) == fp.excess_risk(w, B, beta)
