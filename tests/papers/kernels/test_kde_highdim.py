import numpy as np
from scipy.stats import ncx2

from repro.papers.kernels import kde_highdim as k


def test_rate_is_legendre_transform_of_phi():
    u = np.array([0.4, 0.8, 1.5, 2.0])
    t = np.linspace(-20, 0.49, 200001)
    legendre = np.max(t[None, :] * u[:, None] - k.phi(t)[None, :], axis=1)
    assert np.allclose(k.rate(u), legendre, atol=1e-6)
    assert abs(float(k.rate(2.0))) < 1e-12          # the typical distance costs nothing


def test_rate_matches_noncentral_chi_square_tail():
    d = 1000  # -(1/d) log P(|x - y|^2 <= d u) -> I(u), error O(log(d)/d)
    for u in [0.6, 1.0, 1.5]:
        lp = ncx2.logcdf(d * u, d, d)
        assert abs(-lp / d - float(k.rate(u))) < 5e-3


def test_thresholds_order_and_limits():
    for a in [0.05, 0.2, 0.5, 1.0]:
        assert k.h_KL(a) < k.h_G(a) < k.h_CLT(a)
        assert np.isclose(k.h_CLT(a), np.sqrt(2) * k.h_G(a))
        assert np.isclose(k.rate(k.u_min(a)), a)
    hs = [k.h_G(a) for a in [0.1, 0.2, 0.4]]
    assert hs[0] > hs[1] > hs[2]                      # more data, smaller condensation bandwidth


def test_kl_is_gaussian_smoothing_kl_above_hG_and_continuous():
    a = 0.3
    h = np.array([1.0, 1.5, 3.0])
    exact = 0.5 * (np.log1p(h ** 2) + 1 / (1 + h ** 2) - 1)   # KL(N(0,1) || N(0,1+h^2))
    assert np.allclose(k.kl_per_dim(h, a), exact)
    hg = k.h_G(a)
    assert abs(float(k.kl_per_dim(hg * (1 - 1e-7), a) - k.kl_per_dim(hg * (1 + 1e-7), a))) < 1e-6
    grid = np.linspace(0.3, 2.0, 20001)
    assert abs(grid[np.argmin(k.kl_per_dim(grid, a))] - k.h_KL(a)) < 1e-3


def test_ipr_and_second_moment_limits():
    a = 0.3
    hg, hc = k.h_G(a), k.h_CLT(a)
    assert float(k.ipr(1.01 * hg, a)) == 0.0 and np.isclose(k.ipr(hg / 2, a), 0.75)
    h = np.array([1.05 * hc, 2 * hc])
    assert np.allclose(k.log_n_ipr(h, a), k.log_n_ipr_clt(h))
    assert np.isclose(k.log_n_ipr(0.5 * hg, a), a)          # condensed: IPR = O(1)
    assert float(k.log_n_ipr(hg, a)) < float(k.log_n_ipr_clt(hg))


def test_kde_sweep_matches_direct_sum():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((50, 3))
    hs = np.array([0.05, 0.5, 2.0])
    log_rho, ipr = k.kde_sweep(x, y, hs, chunk=7)
    for j, h in enumerate(hs):
        sq = ((x[:, None, :] - y[None]) ** 2).sum(-1)
        w = np.exp(-sq / (2 * h ** 2))
        with np.errstate(divide="ignore"):
            direct = np.log(w.mean(1)) - 1.5 * np.log(2 * np.pi * h ** 2)
        ok = np.isfinite(direct)
        assert np.allclose(log_rho[ok, j], direct[ok])
        p = w / w.sum(1, keepdims=True)
        assert np.allclose(ipr[ok, j], (p ** 2).sum(1)[ok])
    assert np.all(np.isfinite(log_rho)) and np.all(ipr <= 1 + 1e-12)


def test_crossing():
    x = np.array([1.0, 2.0, 4.0])
    y = np.array([0.8, 0.4, 0.0])
    assert np.isclose(k.crossing(x, y, 0.4), 2.0)
    assert np.isnan(k.crossing(x, y, 0.9))
