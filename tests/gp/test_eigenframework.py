"""Tests of repro.gp.eigenframework (and the power-law tasks of repro.scaling.powerlaw it is checked on)."""
import numpy as np
import pytest

from repro.gp import eigenframework as ef
from repro.gp import random_features as rf
from repro.scaling import powerlaw as pl


def test_krr_hand_computed_single_mode():
    # lambda = 1, v = 1, n = 2, ridge 3/2: kappa = 1 solves 2 = 1/(1+k) + 1.5/k, L = 1/2,
    # E_test = n/(n - L^2) (1-L)^2 = 2/7 and E_train = ((n - L)/n)^2 E_test = 9/56.
    est = ef.krr_risk([1.0], [1.0], n=2, ridge=1.5)
    assert est.kappa[0] == pytest.approx(1.0, rel=1e-12)
    assert est.test[0] == pytest.approx(2 / 7, rel=1e-12)
    assert est.train[0] == pytest.approx(9 / 56, rel=1e-12)


def test_rf_hand_computed_single_mode():
    # lambda = 1, v = 1, n = 2, N = 4. Take gamma = 1: L = 1/2, z = 1/2, q = 1/4,
    # kappa = gamma (1 - z/N) = 7/8, ridge = kappa (n - z) = 21/16,
    # x = (q (N - 2z) + z^2) / (n (N - q)) = 2/15, bias weight = 1/2 - (7/8)(16/15)(1/4) = 4/15,
    # E_test = (4/15) / (1 - 2/15) = 4/13.
    est = ef.rf_risk([1.0], [1.0], n=2, N=4, ridge=21 / 16)
    assert est.gamma[0] == pytest.approx(1.0, rel=1e-12)
    assert est.kappa[0] == pytest.approx(7 / 8, rel=1e-12)
    assert est.test[0] == pytest.approx(4 / 13, rel=1e-12)


def test_infinite_width_is_krr():
    task = pl.powerlaw_task(800, 1.5, 1.8, noise_var=0.1)
    ridges = np.logspace(-6, 2, 9)
    krr = ef.krr_risk(task.eigvals, task.coef, 64, ridges, task.noise_var)
    wide = ef.rf_risk(task.eigvals, task.coef, 64, 1e9, ridges, task.noise_var)
    np.testing.assert_allclose(wide.test, krr.test, rtol=1e-6)
    np.testing.assert_allclose(wide.train, krr.train, rtol=1e-6)
    np.testing.assert_allclose(wide.gamma, wide.kappa, rtol=1e-6)


@pytest.mark.parametrize("N", [20, 200, np.inf])
def test_huge_ridge_gives_null_predictor(N):
    task = pl.powerlaw_task(500, 1.3, 1.5, noise_var=0.2)
    est = ef.rf_risk(task.eigvals, task.coef, 50, N, [1e12], task.noise_var)
    null = ef.null_risk(task.coef, task.noise_var)
    assert est.test[0] == pytest.approx(null, rel=1e-6)
    assert est.train[0] == pytest.approx(null, rel=1e-6)


def test_ridgeless_underparameterised_noise_only():
    # no signal, N < n, ridge 0: the classic n / (n - N) variance inflation of least squares
    lam = pl.powerlaw_eigenvalues(500, 1.5)
    est = ef.rf_risk(lam, np.zeros(500), n=100, N=40, ridge=0.0, noise_var=1.0)
    assert est.test[0] == pytest.approx(100 / 60, rel=1e-6)
    assert est.train[0] == pytest.approx((1 - 40 / 100) ** 2 * 100 / 60, rel=1e-6)


def test_ridge_zero_is_the_small_ridge_limit():
    task = pl.powerlaw_task(600, 1.5, 2.0, noise_var=0.05)
    for N in (30, 90, np.inf):
        a = ef.rf_risk(task.eigvals, task.coef, 60, N, [0.0, 1e-11], task.noise_var)
        assert a.test[0] == pytest.approx(a.test[1], rel=1e-4)


def test_kappa_parameterisation_matches_ridge_parameterisation():
    task = pl.powerlaw_task(400, 1.4, 1.6, noise_var=0.1)
    est = ef.krr_risk(task.eigvals, task.coef, 40, np.logspace(-4, 1, 6), task.noise_var)
    back = ef.krr_risk_from_kappa(task.eigvals, task.coef, 40, est.kappa, task.noise_var)
    np.testing.assert_allclose(back.ridge, est.ridge, rtol=1e-8)
    np.testing.assert_allclose(back.test, est.test, rtol=1e-8)


def test_optimally_tuned_theory_is_monotone_in_n_and_N():
    # the paper's Theorem 1, checked on the estimate itself
    task = pl.powerlaw_task(1000, 1.5, 1.5, noise_var=0.05)
    ridges = np.concatenate([[0.0], np.logspace(-7, 3, 41)])
    best = np.array([[ef.rf_risk(task.eigvals, task.coef, n, N, ridges, task.noise_var).test.min()
                      for N in (8, 32, 128, np.inf)] for n in (8, 32, 128)])
    assert np.all(np.diff(best, axis=0) <= 1e-12) and np.all(np.diff(best, axis=1) <= 1e-12)


def test_rf_theory_matches_simulation():
    task = pl.powerlaw_task(400, 1.5, 1.5, noise_var=0.05)
    n, N = 80, 120
    ridges = rf.relative_ridges(n, task.eigvals.sum(), 1e-6, 1e1, 4)
    rng = np.random.default_rng(0)
    tests, trains = [], []
    for _ in range(40):
        X, y = task.sample(rng, n)
        fmap = rf.draw_feature_map(rng, "linear", task.dim, N)
        path = rf.RidgePath(fmap(X), y)
        tests.append(task.population_mse(fmap.W @ path.coef(ridges) / np.sqrt(N)))
        trains.append(path.train_mse(ridges))
    est = ef.rf_risk(task.eigvals, task.coef, n, N, ridges, task.noise_var)
    np.testing.assert_allclose(np.mean(tests, 0), est.test, rtol=0.1)
    np.testing.assert_allclose(np.mean(trains, 0), est.train, rtol=0.1)


def test_powerlaw_optimal_fitting_ratio_matches_large_n_estimate():
    alpha, beta, n = 1.5, 2.0, 1000
    task = pl.powerlaw_task(100_000, alpha, beta)
    base = ef.krr_risk(task.eigvals, task.coef, n, 0.0).test[0]
    k0 = ef.effective_ridges(task.eigvals, n, np.inf, 0.0)[1][0]
    kappas = k0 * np.logspace(0, 3, 400)
    for s2 in (0.5, 10.0):
        est = ef.krr_risk_from_kappa(task.eigvals, task.coef, n, kappas, s2 * base)
        measured = est.fitting_ratio[est.test.argmin()]
        assert measured == pytest.approx(ef.powerlaw_optimal_fitting_ratio(alpha, beta, s2), abs=0.03)
    assert ef.powerlaw_interpolation_optimal(alpha, beta, 0.5)
    assert not ef.powerlaw_interpolation_optimal(alpha, beta, 10.0)
    assert ef.powerlaw_optimal_fitting_ratio(alpha, beta, 0.5) == 0.0


def test_gaussian_task_population_mse_and_sampling():
    task = pl.powerlaw_task(5, 1.0, 1.0, noise_var=0.3)
    rng = np.random.default_rng(1)
    X, y = task.sample(rng, 200_000)
    np.testing.assert_allclose(X.var(0), task.eigvals, rtol=0.02)
    w = rng.standard_normal(5)
    mc = ((X @ w - y) ** 2).mean()
    assert task.population_mse(w) == pytest.approx(mc, rel=0.02)
    W = np.stack([w, np.zeros(5)], 1)
    assert task.population_mse(W)[1] == pytest.approx(ef.null_risk(task.coef, 0.3))


def test_bad_inputs_fail_clearly():
    with pytest.raises(ValueError):
        ef.krr_risk([1.0, -1.0], [1.0, 1.0], 2, 1.0)
    with pytest.raises(ValueError):
        ef.krr_risk([1.0, 0.5], [1.0, 1.0], 4, 0.0)  # ridgeless with n >= number of modes
    with pytest.raises(ValueError):
        ef.powerlaw_optimal_fitting_ratio(0.9, 1.5, 0.0)
