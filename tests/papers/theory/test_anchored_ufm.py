"""Tests of the anchored unconstrained-features model (Tirer, Huang & Niles-Weed 2023)."""
import numpy as np
import pytest

from repro.papers.theory import anchored_ufm as au


def small(beta=5.0, lam_w=0.3, lam_h=0.2, K=3, n=2, d=4, seed=0):
    rng = np.random.default_rng(seed)
    p = au.Problem(K, n, lam_w, lam_h, beta)
    return p, rng, rng.standard_normal((d, K * n)), rng.standard_normal((d, K * n))


def test_nc1_metrics_on_hand_example():
    labels = np.array([0, 0, 1, 1])
    H = np.array([[1.0, 3.0, -1.0, -3.0]])  # class means +-2, within deviations +-1
    sw, sb = au.scatter_traces(H, labels)
    assert sw == pytest.approx(1.0) and sb == pytest.approx(4.0)
    assert au.nc1_trace(H, labels) == pytest.approx(0.25)
    assert au.nc1_pinv(H, labels) == pytest.approx(0.25 / 2)
    collapsed = np.kron(np.eye(2), np.ones((1, 2)))
    assert au.nc1_trace(collapsed, labels) == 0.0


def test_commutation_matrix():
    A = np.arange(6.0).reshape(2, 3)
    assert np.allclose(au.commutation(2, 3) @ A.ravel(order="F"), A.T.ravel(order="F"))


def test_optimal_W_and_reduced_gradient():
    p, rng, H, H0 = small()
    W = au.optimal_W(H, p)
    assert np.allclose((W @ H - p.Y) @ H.T + p.n * p.lam_w * W, 0, atol=1e-12)
    _, g = au.reduced_objective(H, H0, p)
    E = rng.standard_normal(H.shape)
    eps = 1e-6
    fd = (au.reduced_objective(H + eps * E, H0, p)[0] - au.reduced_objective(H - eps * E, H0, p)[0]) / (2 * eps)
    assert fd == pytest.approx((g * E).sum(), rel=1e-7)


def test_hessian_blocks_match_finite_differences():
    p, rng, H, H0 = small()
    W = rng.standard_normal((p.K, H.shape[0]))
    A_hh, A_hw, A_ww = au.hessian_blocks(W, H, p)

    def grads(W, H):
        R = W @ H - p.Y
        g_h = W.T @ R + p.lam_h * H + p.beta * (H - H0)
        return g_h.ravel(order="F"), (R @ H.T + p.n * p.lam_w * W).ravel(order="F")

    dW = rng.standard_normal(W.shape)
    dH = rng.standard_normal(H.shape)
    eps = 1e-6
    gh_p, gw_p = grads(W + eps * dW, H + eps * dH)
    gh_m, gw_m = grads(W - eps * dW, H - eps * dH)
    vh, vw = dH.ravel(order="F"), dW.ravel(order="F")
    assert np.allclose((gh_p - gh_m) / (2 * eps), A_hh @ vh + A_hw @ vw, atol=1e-6)
    assert np.allclose((gw_p - gw_m) / (2 * eps), A_hw.T @ vh + A_ww @ vw, atol=1e-6)


def test_collapsed_minimiser_is_stationary_and_kept_by_eq2():
    p = au.Problem(3, 4, 0.5, 0.2, beta=10.0)
    W, H = au.collapsed_minimiser(5, p, np.random.default_rng(1))
    R = W @ H - p.Y
    assert np.abs(W.T @ R + p.lam_h * H).max() < 1e-12
    assert np.abs(R @ H.T + p.n * p.lam_w * W).max() < 1e-12
    # Corollary 2.2: with H0 = H* the minimiser of Eq. 2 is H* itself
    assert np.abs(au.minimise(H + 0.1, p, start=None) - H).max() > 1e-3  # sanity: other anchor moves
    assert np.allclose(au.minimise(H, p, start=H + 0.01), H, atol=1e-7)
    with pytest.raises(ValueError):
        au.collapsed_minimiser(2, p, np.random.default_rng(0))


def test_theorem42_singular_values_exact_for_eq5():
    p = au.Problem(3, 3, 0.5, 0.2, beta=50.0)
    d = 5
    W, H = au.collapsed_minimiser(d, p, np.random.default_rng(2))
    F = au.large_beta_response(W, H, p)
    th = au.theorem42_singular_values(p)
    s = np.linalg.svd(au.class_blocks(F, d, p.n, 1, 1), compute_uv=False)
    t = np.linalg.svd(au.class_blocks(F, d, p.n, 0, 2), compute_uv=False)
    assert s.max() == pytest.approx(th["intra_max"], abs=1e-12)
    assert s.min() == pytest.approx(th["intra_min"], abs=1e-12)
    assert t[0] == pytest.approx(th["inter_max"], abs=1e-12) and t[1] < 1e-12


def test_linear_response_matches_finite_perturbation():
    p = au.Problem(3, 2, 0.5, 0.2, beta=20.0)
    d = 4
    rng = np.random.default_rng(3)
    W, H = au.collapsed_minimiser(d, p, rng)
    F = au.linear_response(W, H, p)
    E = rng.standard_normal(H.shape)
    eps = 1e-6
    _, Hp = au.joint_newton(W, H, H + eps * E, p)
    _, Hm = au.joint_newton(W, H, H - eps * E, p)
    fd = ((Hp - Hm) / (2 * eps)).ravel(order="F")
    assert np.allclose(fd, F @ E.ravel(order="F"), atol=1e-6)


def test_flow_rate_and_rk4():
    p, rng, H, _ = small(lam_h=0.1)
    rate = au.nc1_trace_rate(H, p)
    t, Hs = au.central_path_flow(H, p, 1e-4, 4)
    fd = (au.nc1_trace(Hs[-1], p.labels) - au.nc1_trace(H, p.labels)) / 1e-4
    assert fd == pytest.approx(rate, rel=1e-3)
    assert len(Hs) == 5 and t[-1] == pytest.approx(1e-4)


def test_minimise_reports_convergence_and_detects_a_stopped_run():
    p, rng, _, H0 = small()
    H, grad = au.minimise(H0, p, full_output=True)
    assert grad <= 1e-6
    assert np.abs(au.reduced_objective(H, H0, p)[1]).max() == pytest.approx(grad)
    with pytest.raises(au.NotConverged):
        au.minimise(H0, p, max_iter=2)  # two L-BFGS steps cannot reach the minimiser


def test_joint_newton_detects_non_convergence():
    p = au.Problem(3, 2, 0.5, 0.2, beta=20.0)
    W, H = au.collapsed_minimiser(4, p, np.random.default_rng(4))
    H0 = H + 0.05 * np.random.default_rng(5).standard_normal(H.shape)
    W1, H1 = au.joint_newton(W, H, H0, p)
    R = W1 @ H1 - p.Y
    assert np.abs(W1.T @ R + p.lam_h * H1 + p.beta * (H1 - H0)).max() < 1e-11
    with pytest.raises(au.NotConverged):
        au.joint_newton(W, H, H0, p, max_iter=1)  # one Newton step from a far start is not enough
