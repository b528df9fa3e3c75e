"""Tests of repro.papers.kernels.self_distillation against hand computations, recursions and limiting cases."""
import numpy as np
import pytest

from repro.papers.kernels import self_distillation as sd
from repro.gp.kernels import EigenKRR, krr_fit_predict, rbf_kernel
from repro.stats.metrics import relative_error


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X, Xe = rng.uniform(-1, 1, (25, 2)), rng.uniform(-1, 1, (7, 2))
    y = np.sin(3 * X[:, 0]) + 0.3 * rng.standard_normal(25)
    return rbf_kernel(X, X, 0.5), y, rbf_kernel(Xe, X, 0.5)


def test_one_point_by_hand():
    # K = [[1]], lam = 1: a = 1/2, step 1 with alpha = 1/2 has filter a (alpha + (1 - alpha) a) = 3/8
    assert sd.spectral_filter(np.array([1.0]), 1.0, 0.5, 1)[0] == pytest.approx(0.375)
    eig = EigenKRR(np.array([[1.0]]))
    assert sd.closed_form_fit(eig, np.array([2.0]), 1.0, 0.5, 1)[0] == pytest.approx(0.75)


@pytest.mark.parametrize("alpha", [0.0, 0.2, 0.7, 1.0])
def test_target_weights_follow_the_recursion(alpha):
    d, lam = np.array([0.0, 1e-9, 0.3, 2.0, 40.0]), 0.2
    a, s = d / (d + lam), np.ones_like(d)
    for t in range(25):
        np.testing.assert_allclose(sd.target_weights(d, lam, alpha, t), s, rtol=1e-12, atol=1e-15)
        s = alpha + (1 - alpha) * a * s


def test_special_cases_of_alpha():
    d, lam = np.array([0.1, 1.0, 10.0]), 0.5
    a = d / (d + lam)
    np.testing.assert_allclose(sd.spectral_filter(d, lam, 1.0, 7), a)        # labels only: step-0 fit
    np.testing.assert_allclose(sd.spectral_filter(d, lam, 0.0, 7), a ** 8)   # Mobahi et al.: powers
    np.testing.assert_allclose(sd.spectral_filter(d, lam, 0.3, 10_000), sd.limit_filter(d, lam, 0.3))
    np.testing.assert_allclose(sd.limit_filter(d, lam, 0.3), d / (d + lam / 0.3))
    assert not sd.limit_filter(d, lam, 0.0).any()
    t = np.arange(6)[:, None]
    assert sd.spectral_filter(d[None, :], lam, 0.4, t).shape == (6, 3)


def test_alpha_out_of_range_is_rejected():
    with pytest.raises(ValueError):
        sd.target_weights(np.ones(2), 1.0, 1.5, 1)


@pytest.mark.parametrize("alpha", [0.0, 0.35, 0.8])
def test_closed_form_matches_retraining(problem, alpha):
    K, y, Ke = problem
    train, ev = sd.iterate_distillation(K, y, 0.1, [alpha] * 6, Ke)
    eig = EigenKRR(K)
    for t in range(7):
        ct, ce = sd.closed_form_fit(eig, y, 0.1, alpha, t, Ke)
        assert relative_error(ct, train[t]) < 1e-10
        assert relative_error(ce, ev[t]) < 1e-10
        # a function of the initial fit: f_t(X) = V diag(s_t) V^T f_0(X)
        s = sd.target_weights(eig.d, 0.1, alpha, t)
        assert relative_error(eig.V @ (s * (eig.V.T @ train[0])), train[t]) < 1e-10


def test_limit_is_krr_with_amplified_ridge(problem):
    K, y, Ke = problem
    _, ev = sd.iterate_distillation(K, y, 0.1, [0.4] * 150, Ke)
    target = krr_fit_predict(K, y, Ke, 0.1 / 0.4)
    assert relative_error(ev[-1], target) < 1e-10
    assert relative_error(krr_fit_predict(K, y, Ke, 0.1), target) > 1e-3


def test_optimal_alpha_is_the_minimiser():
    rng = np.random.default_rng(1)
    p0, p1, ref = rng.standard_normal((3, 40))
    a = sd.optimal_alpha(p0, p1, ref, clip=False)
    loss = lambda x: np.sum((ref - x * p1 - (1 - x) * p0) ** 2)
    assert loss(a) <= min(loss(a - 1e-4), loss(a + 1e-4))
    assert sd.optimal_alpha(p0, p1, 0.3 * p1 + 0.7 * p0, clip=False) == pytest.approx(0.3)
    assert sd.optimal_alpha(p0, p1, 2.0 * p1 - p0) == 1.0                  # clipped from 2
    assert sd.optimal_alpha(p0, p0, ref) == 1.0                              # degenerate: no change


def test_training_labels_never_ask_for_distillation(problem):
    # measured on the training labels themselves, the best weight is >= 1: distilling only adds bias
    K, y, _ = problem
    eig = EigenKRR(K)
    teacher = sd.closed_form_fit(eig, y, 0.1, 0.0, 3)
    p0, p1 = eig.train_pred(teacher, 0.1), eig.train_pred(y, 0.1)
    assert sd.optimal_alpha(p0, p1, y, clip=False) >= 1.0


def test_distill_optimal_agrees_with_retraining_and_grid(problem):
    K, y, Ke = problem
    Kv, yv = Ke, np.sin(np.arange(7.0))
    eig = EigenKRR(K)
    alphas, train, ev = sd.distill_optimal(eig, y, 0.05, 4, Kv, yv, Ke)
    assert ((0 <= alphas) & (alphas <= 1)).all()
    it_train, it_ev = sd.iterate_distillation(K, y, 0.05, alphas, Ke)
    assert relative_error(train, it_train) < 1e-10 and relative_error(ev, it_ev) < 1e-10
    grid = np.linspace(0, 1, 101)
    best, losses = sd.grid_search_alpha(K, y, it_train[0], 0.05, Kv, yv, grid)
    assert abs(best - alphas[0]) <= 0.01 and losses.shape == (101,)


def test_validation_tuned_krr_picks_the_best_ridge_by_brute_force(problem):
    K, y, Ke = problem
    Kv, yv = Ke, np.cos(np.arange(7.0))
    lams = np.logspace(-3, 1, 9)
    lam, losses, pred = sd.validation_tuned_krr(EigenKRR(K), y, lams, Kv, yv, Ke)
    brute = [np.sum((yv - krr_fit_predict(K, y, Kv, l)) ** 2) for l in lams]
    np.testing.assert_allclose(losses, brute, rtol=1e-9)
    assert lam == lams[np.argmin(brute)]
    assert relative_error(pred, krr_fit_predict(K, y, Ke, lam)) < 1e-10
    assert sd.validation_tuned_krr(EigenKRR(K), y, [0.1], Kv, yv)[0] == 0.1
    with pytest.raises(ValueError):
        sd.validation_tuned_krr(EigenKRR(K), y, [0.0, 1.0], Kv, yv)
