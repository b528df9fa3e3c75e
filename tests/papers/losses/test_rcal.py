"""Tests for repro.papers.losses.rcal: robust class Gaussians, tail calibration and sampling (RCAL)."""
import numpy as np
import pytest

from repro.papers.losses import rcal


def test_proportional_noise_rate_and_destinations():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), [600, 300, 100])
    yn = rcal.proportional_noise(y, 3, 0.3, rng)
    flipped = yn != y
    assert flipped.sum() == 300
    # class-0 flips go to 1 vs 2 in ratio 300:100
    dest = yn[flipped & (y == 0)]
    assert abs((dest == 1).mean() - 0.75) < 0.08
    with pytest.raises(ValueError):
        rcal.proportional_noise(y, 3, 1.5, rng)


def test_lof_removes_far_points_and_class_stats():
    rng = np.random.default_rng(1)
    inl = rng.standard_normal((60, 2))
    out = rng.standard_normal((6, 2)) * 0.3 + 12.0
    Z = np.vstack([inl, out])
    y = np.zeros(66, dtype=int)
    keep = rcal.lof_inliers(Z, n_neighbors=10)
    assert keep[:60].mean() > 0.9 and keep[60:].mean() < 0.5
    m_rob, c_rob, _ = rcal.class_stats(Z, y, 1, robust=True)
    m_all, c_all, mask = rcal.class_stats(Z, y, 1, robust=False)
    assert mask.all()
    assert np.allclose(m_all[0], Z.mean(0)) and np.allclose(c_all[0], np.cov(Z, rowvar=False))
    assert np.linalg.norm(m_rob[0]) < 0.3 * np.linalg.norm(m_all[0])
    assert rcal.lof_inliers(Z[:2]).all()


def test_head_tail_and_calibration_formula():
    head, tail = rcal.head_tail_split([50, 5, 40, 3])
    assert head.tolist() == [0, 2] and tail.tolist() == [1, 3]
    means = np.array([[0.0, 0], [1, 0], [10, 0], [9, 0]])
    covs = np.stack([np.eye(2) * v for v in (1.0, 0.0, 3.0, 0.5)])
    m, c, nb = rcal.calibrate_tail(means, covs, head, tail, q=1, alpha=0.1)
    assert nb == {1: [0], 3: [2]}
    assert np.allclose(m[1], [0.5, 0]) and np.allclose(m[3], [9.5, 0])
    assert np.allclose(c[1], np.eye(2) * (0.5 + 0.1)) and np.allclose(c[3], np.eye(2) * (1.75 + 0.1))
    assert np.allclose(m[[0, 2]], means[[0, 2]]) and np.allclose(c[[0, 2]], covs[[0, 2]])
    m2, c2, _ = rcal.calibrate_tail(means, covs, head, tail, q=2, calibrate_mean=False)
    assert np.allclose(m2, means) and np.allclose(c2[1], np.eye(2) * (0 + 1 + 3) / 3)
    m0, c0, _ = rcal.calibrate_tail(means, covs, head, tail, q=0)
    assert np.allclose(m0, means) and np.allclose(c0, covs)
    with pytest.raises(ValueError):
        rcal.calibrate_tail(means, covs, head, tail, q=3)


def test_sampling_moments_and_loglik():
    rng = np.random.default_rng(2)
    mu = np.array([[1.0, -2.0]])
    S = np.array([[[2.0, 0.6], [0.6, 0.5]]])
    Zs, ys = rcal.sample_gaussians(mu, S, 40000, rng)
    assert (ys == 0).all() and Zs.shape == (40000, 2)
    assert np.allclose(Zs.mean(0), mu[0], atol=0.03) and np.allclose(np.cov(Zs, rowvar=False), S[0], atol=0.05)
    from scipy.stats import multivariate_normal
    x = rng.standard_normal((5, 2))
    assert np.allclose(rcal.gaussian_loglik(x, mu[0], S[0]), multivariate_normal(mu[0], S[0]).logpdf(x))
    # a rank-deficient covariance still samples (on its support)
    Zd, _ = rcal.sample_gaussians(np.zeros((1, 2)), np.zeros((1, 2, 2)), 10, rng)
    assert np.abs(Zd).max() < 1e-2


def test_training_set_and_errors():
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(4), [40, 30, 6, 4])
    Z = np.eye(4)[y] * 5 + rng.standard_normal((80, 4))
    Za, ya, info = rcal.rcal_training_set(Z, y, 4, rng, n_per_class=25, q=1)
    assert len(Za) == 80 + 100 and np.bincount(ya[80:]).tolist() == [25] * 4
    assert np.array_equal(Za[:80], Z) and info["tail"].tolist() == [2, 3]
    e_mu, e_cov = rcal.estimation_errors(info["means"], info["covs"], info["means"], info["covs"])
    assert np.allclose(e_mu, 0) and np.allclose(e_cov, 0)
    e_mu, e_cov = rcal.estimation_errors(np.ones((1, 2)), 2 * np.eye(2)[None], np.zeros((1, 2)), np.eye(2)[None])
    assert np.allclose(e_mu, 1.0) and np.allclose(e_cov, 1.0)
