"""Tests of repro.papers.theory.deep_linear_ufm: gradients, the closed-form optimum, NC metrics."""
import numpy as np
import pytest

from repro.papers.theory import deep_linear_ufm as du


@pytest.mark.parametrize("loss,bias", [("mse", False), ("mse", True), ("ce", False)])
def test_gradient_matches_finite_differences(loss, bias):
    ufm = du.UFM((3, 2, 2), dim=4, depth=3, lam_w=0.01, lam_h=0.02, bias=bias, loss=loss)
    theta = ufm.init(np.random.default_rng(0), 0.5)
    _, g = ufm.loss_grad(theta)
    rng = np.random.default_rng(1)
    for i in rng.choice(theta.size, 15, replace=False):
        e = np.zeros_like(theta)
        e[i] = 1e-6
        num = (ufm.loss_grad(theta + e)[0] - ufm.loss_grad(theta - e)[0]) / 2e-6
        assert num == pytest.approx(g[i], abs=1e-7)


def test_closed_form_depth_one():
    # M = 1: (s^2 + N lam_H)^2 = n lam_H / lam_W, so s^2 = sqrt(n lam_H / lam_W) - N lam_H
    counts, lam_w, lam_h = (40, 10), 1e-3, 2e-3
    opt = du.imbalanced_optimum(counts, 1, lam_w, lam_h)
    N = sum(counts)
    for n, s in zip(counts, opt.layer_sv):
        assert s**2 == pytest.approx(np.sqrt(n * lam_h / lam_w) - N * lam_h, rel=1e-9)
    assert opt.feature_norm == pytest.approx(opt.layer_sv / (opt.layer_sv**2 + N * lam_h))


def test_minority_class_collapses_for_large_decay():
    opt = du.imbalanced_optimum((100, 50, 20, 10), 3, 1e-2, 1e-2)
    assert opt.layer_sv[-1] == 0.0 and opt.output[-1] == 0.0
    assert np.all(opt.layer_sv[:-1] > 0)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_numerical_minimum_equals_closed_form(depth):
    counts = (12, 6, 3)
    ufm = du.UFM(counts, dim=6, depth=depth, lam_w=5e-3, lam_h=5e-3)
    theta, loss, _ = du.minimize(ufm, ufm.init(np.random.default_rng(0), 0.4))
    opt = du.imbalanced_optimum(counts, depth, 5e-3, 5e-3)
    assert loss == pytest.approx(opt.loss, rel=1e-8)
    means = du.class_means(ufm.features(theta)[0], ufm.labels)
    assert np.linalg.norm(means, axis=0) == pytest.approx(opt.feature_norm, rel=1e-4)
    assert np.abs(du.cosines(means)).max() < 1e-4


def test_bias_minimum_and_heavy_ball():
    ufm = du.UFM((5,) * 3, dim=5, depth=2, lam_w=5e-3, lam_h=5e-3, bias=True)
    theta0 = ufm.init(np.random.default_rng(2), 0.4)
    _, loss, _ = du.minimize(ufm, theta0)
    assert loss == pytest.approx(du.balanced_bias_optimum_loss(5, 3, 2, 5e-3, 5e-3), rel=1e-8)
    theta, log = du.heavy_ball(ufm, theta0, lr=0.1, steps=3000, log_every=1000)
    assert log["step"] == [0, 1000, 2000, 3000] and log["loss"][-1] == pytest.approx(loss, rel=1e-5)


def test_nc_metrics():
    labels = np.repeat(np.arange(3), 4)
    etf = np.eye(3) - 1 / 3
    assert du.cosines(etf) == pytest.approx(np.full(6, du.simplex_etf_cosine(3)))
    X = etf[:, labels]
    assert du.nc1(X, labels) == pytest.approx(0.0, abs=1e-12)
    noisy = X + 0.1 * np.random.default_rng(0).standard_normal(X.shape)
    assert du.nc1(noisy, labels) > 1e-3
    assert du.class_means(X, labels) == pytest.approx(etf)
