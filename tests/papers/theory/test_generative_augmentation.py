"""Tests of repro.papers.theory.generative_augmentation against direct sampling and closed forms."""
import numpy as np
import pytest

from repro.data import gmm
from repro.papers.theory import generative_augmentation as ga


def test_sum_statistics_have_the_moments_of_explicit_draws():
    rng = np.random.default_rng(0)
    reps, n = 40000, 5
    centre = np.tile([0.5, -1.0, 2.0], (reps, 1))
    var = np.tile([0.3, 1.0, 2.0], (reps, 1))
    s, q = ga.gaussian_sum_stats(n, centre, var, rng)
    assert np.allclose(s.mean(0), n * centre[0], atol=0.05)
    assert np.allclose(s.var(0), n * var[0], rtol=0.05)
    explicit = centre[:, None, :] + np.sqrt(var)[:, None, :] * rng.standard_normal((reps, n, 3))
    q_explicit = (explicit ** 2).sum((1, 2))
    assert q.mean() == pytest.approx(n * ((centre[0] ** 2).sum() + var[0].sum()), rel=0.02)
    assert q.std() == pytest.approx(q_explicit.std(), rel=0.05)


def test_generator_fit_on_a_hand_example():
    X = np.array([[[0.0], [2.0], [1.0], [3.0], [5.0]]])  # labels -1, -1, +1, +1, +1
    y = np.array([-1.0, -1.0, 1.0, 1.0, 1.0])
    mean_neg, mean_pos, var = ga.fit_generator(X, y)
    assert mean_neg[0, 0] == 1.0 and mean_pos[0, 0] == 3.0
    assert var[0, 0] == pytest.approx((2 * 2.0 + 3 * 4.0) / 5)  # ddof=1 variances 2 and 4


def test_plain_learner_losses_and_expected_gap():
    rng = np.random.default_rng(1)
    m, d, sigma = 10, 4, 0.6
    mu = ga.unit_mean(d)
    X, y = ga.sample_real(20000, m, mu, sigma, rng)
    train, test, theta = ga.augmented_losses(X, y, 0, mu, sigma, rng)
    Z = y[None, :, None] * X
    assert np.allclose(theta, Z.mean(1))
    assert np.allclose(train, ((Z - theta[:, None, :]) ** 2).sum(-1).mean(1) / (2 * sigma ** 2))
    # the exact test loss agrees with a Monte-Carlo estimate for one repetition
    Xt, yt = gmm.sample(200000, mu, rng, cov=sigma ** 2 * np.eye(d))
    mc = ((Xt - yt[:, None] * theta[0]) ** 2).sum(1).mean() / (2 * sigma ** 2)
    assert test[0] == pytest.approx(mc, rel=0.01)
    assert (test - train).mean() == pytest.approx(ga.expected_gap_without_augmentation(m, d), rel=0.05)


def test_many_synthetic_samples_dominate_the_training_loss():
    rng = np.random.default_rng(2)
    m, d, sigma = 20, 3, 0.6
    mu = ga.unit_mean(d)
    X, y = ga.sample_real(50, m, mu, sigma, rng)
    train, _, theta = ga.augmented_losses(X, y, 10 ** 6, mu, sigma, rng)
    mean_neg, mean_pos, var = ga.fit_generator(X, y)
    # theta -> average of the two generator centres; train loss -> generator variance + centre spread
    centre = 0.5 * (mean_pos - mean_neg)
    spread = (0.5 * (mean_pos + mean_neg)) ** 2
    assert np.allclose(theta, centre, atol=5e-3)
    assert np.allclose(train, (var + spread).sum(1) / (2 * sigma ** 2), rtol=1e-2)


def test_gaps_are_paired_and_test_error_is_bayes_at_the_mean():
    rng = np.random.default_rng(3)
    gaps = ga.generalization_gaps(10, 2, [0, 5], 7, rng)
    assert set(gaps) == {0, 5} and gaps[0].shape == (7,) and np.all(gaps[5] >= 0)
    signed = ga.generalization_gaps(10, 2, [0, 5], 7, np.random.default_rng(3), signed=True)
    assert all(np.allclose(np.abs(signed[r]), gaps[r]) for r in (0, 5))  # same draws, sign kept
    mu = ga.unit_mean(2)
    assert ga.test_error(mu, mu, 0.6)[0] == pytest.approx(gmm.bayes_error(mu / 0.6))
    assert ga.class_sizes(7) == (4, 3)


def test_run_means_average_consecutive_blocks():
    gaps = np.arange(10.0)
    assert np.allclose(ga.run_means(gaps, 3), [1.0, 4.0, 7.0])  # the remainder (9) is dropped
    with pytest.raises(ValueError):
        ga.run_means(np.ones(2), 3)


def test_decay_exponents_recover_a_power_law_per_run():
    ms = np.array([100, 200, 500, 1000])
    rates = np.array([0.5, 1.0, 0.25])
    gaps = 3.0 * ms[:, None] ** -rates[None, :]
    assert np.allclose(ga.decay_exponents(ms, gaps), rates)
    from repro.scaling.fits import loglog_slope
    assert ga.decay_exponents(ms, gaps)[0] == pytest.approx(-loglog_slope(ms, gaps[:, 0]))
