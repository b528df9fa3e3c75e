import numpy as np
import torch
from scipy.optimize import minimize

from repro.papers.theory import cvae_collapse as cc


def test_residual_covariance_is_regression_residual_covariance():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 3))
    Y = X @ rng.standard_normal((3, 2)) + 0.3 * rng.standard_normal((500, 2))
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    R = Yc - Xc @ np.linalg.lstsq(Xc, Yc, rcond=None)[0]
    np.testing.assert_allclose(cc.residual_covariance(X, Y), R.T @ R / 500, atol=1e-12)


def test_correlated_pairs_population_residual():
    rng = np.random.default_rng(1)
    v = np.array([0.5, 2.0])
    X, Y = cc.correlated_pairs(200_000, v, 0.6, rng)
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(cc.residual_covariance(X, Y))),
                               np.sort(v * (1 - 0.36)), rtol=0.02)


def test_closed_form_minimises_one_mode_loss():
    """Per mode the loss is a scalar problem in (u, w, log s2); compare with a numerical minimum."""
    beta, eta_d, eta_e = 0.7, 0.8, 1.3
    for theta in (2.0, 0.3):  # active (theta > beta eta_d^2 = 0.448), then collapsed
        def f(p):
            u, w, ls = p
            s2 = np.exp(ls)
            rec = ((1 - u * w) ** 2 * theta + u ** 2 * s2) / (2 * eta_d ** 2)
            kl = 0.5 * ((w ** 2 * theta + s2) / eta_e ** 2 - 1 - np.log(s2 / eta_e ** 2))
            return rec + beta * kl
        best = min((minimize(f, x0, method="BFGS", options={"gtol": 1e-10}) for x0 in
                    ([1.0, 0.5, 0.0], [0.1, 0.1, -1.0])), key=lambda r: r.fun)
        th = cc.collapse_theory([theta], beta, eta_d, eta_e)
        assert abs(abs(best.x[0]) - th["lam"][0]) < 1e-4
        assert abs(np.exp(best.x[2] / 2) - th["sigma"][0]) < 1e-4
        u, w, ls = best.x
        kl = 0.5 * ((w ** 2 * theta + np.exp(ls)) / eta_e ** 2 - 1 - ls + np.log(eta_e ** 2))
        assert abs(kl - th["kl"][0]) < 1e-6


def test_predicted_active_counts_threshold_and_dz():
    theta = [4.0, 2.0, 1.0, 0.5]
    assert cc.predicted_active(theta, 1.5, d_z=4) == 2
    assert cc.predicted_active(theta, 1.5, d_z=1) == 1
    assert cc.predicted_active(theta, 10.0, d_z=4) == 0
    # a mode barely above threshold has KL < 0.01 and counts as collapsed
    assert cc.predicted_active([1.01], 1.0, d_z=1) == 0


def test_loss_matches_monte_carlo():
    rng = np.random.default_rng(2)
    X, Y = cc.correlated_pairs(4000, [1.0, 3.0], 0.5, rng)
    C = cc.second_moments(X, Y)
    g = torch.Generator().manual_seed(0)
    W, U1, U2 = (torch.randn(1, *s, generator=g, dtype=torch.float64) for s in ((2, 4), (2, 2), (2, 2)))
    ls = torch.tensor([[0.3, -0.5]], dtype=torch.float64)
    loss, _ = cc.linear_cvae_loss(torch.tensor(C)[None], W, U1, U2, ls, torch.tensor([0.8]))
    S = torch.tensor(np.concatenate([X - X.mean(0), Y - Y.mean(0)], 1))
    mu = S @ W[0].T
    eps = torch.randn(50, *mu.shape, generator=g, dtype=torch.float64)
    z = mu + eps * (0.5 * ls[0]).exp()
    rec = ((S[:, 2:] - z @ U1[0].T - S[:, :2] @ U2[0].T) ** 2).sum(-1).mean() / 2
    kl = cc.kl_per_coordinate(mu, ls[0].expand_as(mu)).sum(1).mean()
    assert abs(loss.item() - (rec + 0.8 * kl).item()) / loss.item() < 0.01


def test_trained_linear_cvae_reaches_closed_form():
    rng = np.random.default_rng(3)
    X, Y = cc.correlated_pairs(2000, [0.5, 1.5, 3.0], 0.6, rng)
    theta = np.sort(np.linalg.eigvalsh(cc.residual_covariance(X, Y)))[::-1]
    out = cc.train_linear_cvae(cc.second_moments(X, Y), 3, 3, [0.5, 2.0], steps=1500, lr=0.03)
    for k, beta in enumerate([0.5, 2.0]):
        th = cc.collapse_theory(theta, beta)
        np.testing.assert_allclose(out["lam"][k], th["lam"], atol=0.03)
        np.testing.assert_allclose(np.sort(out["kl"][k])[::-1], th["kl"], atol=0.02)


def test_relu_cvae_shapes_and_active_units():
    torch.manual_seed(0)
    m = cc.ReluCVAE(3, 2, 4, hidden=8)
    x, y = torch.randn(10, 3), torch.randn(10, 2)
    y_hat, mu, logvar = m(x, y)
    assert y_hat.shape == (10, 2) and mu.shape == (10, 4)
    assert cc.relu_cvae_loss(m, x, y, 1.0).ndim == 0
    for p in (m.enc_x[-1], m.enc_y[-1]):  # encoder outputs zero: posterior = prior, nothing active
        torch.nn.init.zeros_(p.weight)
        torch.nn.init.zeros_(p.bias)
    assert cc.active_units(m, x, y) == 0


def test_active_modes_matches_kl_criterion_at_optimum():
    theta = np.array([3.0, 1.3, 1.015, 1.025, 0.4])
    for beta, eta in ((1.0, 1.0), (0.5, 0.3)):
        th = cc.collapse_theory(theta * beta * eta ** 2, beta, eta)
        assert cc.active_modes(th["lam"], beta, eta) == int((th["kl"] > 0.01).sum()) == 3
