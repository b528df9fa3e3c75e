import numpy as np

from repro.papers.kernels import funbat as fb


def _exact(t, H, y, obs, noise, ls):
    """Exact GP posterior of each f_k given y_n = sum_k H_nk f_k(t_n) + noise (dense algebra)."""
    K = fb.matern32(t, t, ls)
    Ky = (H[obs] @ H[obs].T) * K[np.ix_(obs, obs)] + noise * np.eye(obs.sum())
    means, variances = [], []
    for k in range(H.shape[1]):
        Kfo = K[:, obs] * H[obs, k][None, :]
        means.append(Kfo @ np.linalg.solve(Ky, y[obs]))
        variances.append(1 - np.einsum("ij,ji->i", Kfo, np.linalg.solve(Ky, Kfo.T)))
    return np.stack(means, 1), np.stack(variances, 1)


def test_kalman_smoother_equals_exact_gp_single_function():
    rng = np.random.default_rng(0)
    t = rng.random(30)
    y = np.sin(6 * t) + 0.1 * rng.standard_normal(30)
    obs = np.ones(30, bool)
    obs[::4] = False  # prediction points in between
    m, v = fb.kalman_smoother(t, np.ones((30, 1)), y, obs, 0.01, 0.3, 1.0)
    me, ve = _exact(t, np.ones((30, 1)), y, obs, 0.01, 0.3)
    assert np.max(np.abs(m - me)) < 1e-8 and np.max(np.abs(v - ve)) < 1e-8


def test_kalman_smoother_equals_exact_gp_with_weighted_sum_and_ties():
    rng = np.random.default_rng(1)
    t = np.round(rng.random(40), 2)  # repeated indices
    H = rng.standard_normal((40, 2))
    y = rng.standard_normal(40)
    obs = rng.random(40) < 0.8
    m, v = fb.kalman_smoother(t, H, y, obs, 0.1, 0.2)
    me, ve = _exact(t, H, y, obs, 0.1, 0.2)
    assert np.max(np.abs(m - me)) < 1e-8 and np.max(np.abs(v - ve)) < 1e-8


def test_prior_when_nothing_is_observed():
    t = np.linspace(0, 1, 5)
    m, v = fb.kalman_smoother(t, np.ones((5, 1)), np.zeros(5), np.zeros(5, bool), 0.1, 0.3, 2.0)
    assert np.allclose(m, 0) and np.allclose(v, 2.0)


def test_matern32_closed_form():
    r = np.sqrt(3) * 0.5 / 0.25
    assert np.isclose(fb.matern32(np.array([0.0]), np.array([0.5]), 0.25)[0, 0], (1 + r) * np.exp(-r))


def test_funbat_beats_binned_tucker_and_gp_is_accurate():
    rng = np.random.default_rng(2)
    i, j, y = fb.make_data(400, rng)
    it, jt, _ = fb.make_data(200, rng)
    f = fb.truth(it, jt)
    rmse = lambda p: np.sqrt(np.mean((p - f) ** 2))  # noqa: E731
    r_fb = rmse(fb.funbat_fit_predict(i, j, y, it, jt))
    r_tk = rmse(fb.binned_tucker_fit_predict(i, j, y, it, jt, bins=10))
    r_gp = rmse(fb.full_gp_fit_predict(i, j, y, it, jt))
    assert r_fb < 0.1 and r_gp < 0.12 and r_fb < r_tk
    # the truth is the Tucker form sum_kl W_kl u_k v_l
    u, v = fb.latent_u(np.array([0.3])), fb.latent_v(np.array([0.7]))
    assert np.isclose(fb.truth(np.array([0.3]), np.array([0.7]))[0], (u @ fb.W_TRUE @ v.T)[0, 0])
