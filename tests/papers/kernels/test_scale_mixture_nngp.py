import numpy as np
from scipy import stats

from repro.papers.kernels import scale_mixture_nngp as sm


def test_student_t_logpdf_matches_scipy():
    y = np.linspace(-3, 3, 7)
    got = sm.student_t_logpdf(y, 0.5, 2.0, 5.0)
    np.testing.assert_allclose(got, stats.t.logpdf(y, 5.0, loc=0.5, scale=np.sqrt(2.0)), rtol=1e-12)


def test_tp_marginal_single_point_is_student_t():
    # n=1: y ~ t_{2a}(0, (b/a)(k + r))
    K = np.array([[1.5]])
    y = np.array([0.7])
    a, b, r = 2.0, 3.0, 0.5
    want = stats.t.logpdf(0.7, 2 * a, scale=np.sqrt(b / a * (1.5 + r)))
    assert abs(sm.tp_log_marginal(K, y, a, b, r) - want) < 1e-12


def test_tp_tends_to_gp_for_large_a():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 3))
    K = sm.unit_nngp(X, X, depth=2)
    y = rng.standard_normal(8)
    a = 1e7
    lt = sm.tp_log_marginal(K, y, a, a * 0.8, 0.1)  # sigma^2 concentrates at b/a = 0.8
    lg = sm.gp_log_marginal(K, y, 0.8, 0.1)
    assert abs(lt - lg) < 1e-4


def test_tp_predictive_limits_gp_mean_and_scale():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((10, 2))
    Xs = rng.standard_normal((4, 2))
    K, Ks = sm.unit_nngp(X, X, 1), sm.unit_nngp(X, Xs, 1)
    kss = np.diag(sm.unit_nngp(Xs, Xs, 1))
    y = rng.standard_normal(10)
    m_t, s2_t, dof = sm.tp_predict(K, y, Ks, kss, 2.0, 1.0, 0.1)
    m_g, v_g = sm.gp_predict(K, y, Ks, kss, 1.0, 0.1)
    np.testing.assert_allclose(m_t, m_g)
    _, v, beta = sm.predictive(K, y, Ks, kss, 0.1)
    np.testing.assert_allclose(s2_t, (1.0 + beta / 2) / (2.0 + 5) * v)
    assert dof == 14


def test_unit_nngp_relu_one_layer_diag():
    # E[relu(u)^2] = q/2 with q = sw2 |x|^2 / d
    x = np.array([[1.0, 2.0, -2.0]])
    assert abs(sm.unit_nngp(x, x, 1)[0, 0] - (2 * 9 / 3) / 2) < 1e-12


def test_sample_mlp_outputs_variance():
    rng = np.random.default_rng(2)
    x = np.ones(4)
    f = sm.sample_mlp_outputs(x, 200, 4000, a=5.0, b=4.0, rng=rng)
    # Var f = E[sigma^2] * E[relu(h)^2] = b/(a-1) * 1
    assert abs(f.var() - 1.0) < 0.15


def test_fit_gp_closed_form_s2():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 2))
    K = sm.unit_nngp(X, X, 1)
    y = rng.standard_normal(12)
    fit = sm.fit_gp(K, y)
    for s in (0.9, 1.1):
        assert sm.gp_log_marginal(K, y, s * fit["s2"], fit["r"]) <= fit["lml"] + 1e-9


def test_unit_nngp_uses_the_bias_variance():
    # one hidden layer with bias variance sb2: h = w.x + c, q = sw2 |x|^2 / d + sb2, E[relu(h)^2] = q/2
    x = np.array([[1.0, 2.0, -2.0]])
    for sb2 in (0.0, 0.5, 2.0):
        assert abs(sm.unit_nngp(x, x, 1, sb2=sb2)[0, 0] - (2 * 9 / 3 + sb2) / 2) < 1e-12
    # off-diagonal, two hidden layers: compare with a Monte Carlo estimate of E[phi(h2(x)) phi(h2(x'))]
    rng = np.random.default_rng(3)
    X = np.array([[1.0, 0.0], [0.6, 0.8]])
    sw2, sb2, width, n = 2.0, 0.7, 1, 400_000
    W1 = rng.standard_normal((n, 2)) * np.sqrt(sw2 / 2)
    b1 = rng.standard_normal(n) * np.sqrt(sb2)
    phi1 = np.maximum(X @ W1.T + b1, 0.0)                 # (2, n): layer-1 features, one unit per sample
    # layer 2 in the infinite-width limit is Gaussian with covariance sw2 E[phi1 phi1] + sb2
    C = sw2 * (phi1 @ phi1.T) / n + sb2
    L = np.linalg.cholesky(C)
    h2 = L @ rng.standard_normal((2, n))
    want = np.maximum(h2, 0) @ np.maximum(h2, 0).T / n
    got = sm.unit_nngp(X, X, 2, sw2=sw2, sb2=sb2)
    np.testing.assert_allclose(got, want, rtol=0.02)
    assert abs(got[0, 1] - sm.unit_nngp(X, X, 2, sw2=sw2)[0, 1]) > 0.05  # the bias matters
