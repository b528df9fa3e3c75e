"""Tests of repro.papers.theory.scaling_regimes against exact identities and limiting cases."""
import numpy as np
import pytest

from repro.papers.theory import scaling_regimes as sr
from repro.scaling.fits import bootstrap_over_reps


@pytest.fixture
def small():
    rng = np.random.default_rng(0)
    S = 12
    return rng, S, sr.powerlaw_feature_variances(S, 1.0)


def _trace_by_basis(S, loss_of_teacher):
    """sum_k L(e_k) = tr A = E_{omega ~ N(0, I)} omega^T A omega for a quadratic loss."""
    return sum(loss_of_teacher(np.eye(S)[k]) for k in range(S))


@pytest.mark.parametrize("D,P", [(4, 7), (7, 4), (5, 5)])
def test_teacher_average_equals_trace_of_quadratic_form(small, D, P):
    rng, S, lam = small
    X = sr.teacher_features(rng.standard_normal((D, S)), lam)
    Pm = rng.standard_normal((P, S))
    exact = _trace_by_basis(S, lambda om: sr.population_loss(lam, om, sr.student_weights(X, X @ om, Pm)))
    assert sr.teacher_averaged_loss(lam, X, Pm) == pytest.approx(exact, rel=1e-9)


def test_limits_equal_trace_and_are_exactly_dual(small):
    rng, S, lam = small
    M = rng.standard_normal((5, S))
    X = sr.teacher_features(M, lam)
    kern = _trace_by_basis(S, lambda om: sr.population_loss(lam, om, sr.student_weights(X, X @ om)))
    feat = _trace_by_basis(S, lambda om: sr.population_loss(lam, om, sr.best_projection_weights(lam, om, M)))
    assert sr.teacher_averaged_kernel_limit(lam, X)[0] == pytest.approx(kern, rel=1e-9)
    assert sr.teacher_averaged_feature_limit(lam, M)[0] == pytest.approx(feat, rel=1e-9)
    # the same Gaussian matrix used as data or as projections gives the same averaged loss
    assert kern == pytest.approx(feat, rel=1e-9)


def test_nested_sizes_match_single_calls(small):
    rng, S, lam = small
    M = rng.standard_normal((9, S))
    X = sr.teacher_features(M, lam)
    nested = sr.teacher_averaged_kernel_limit(lam, X, [3, 6, 9])
    single = [sr.teacher_averaged_kernel_limit(lam, X[:k])[0] for k in (3, 6, 9)]
    assert np.allclose(nested, single)
    assert np.all(np.diff(nested) < 0)  # more data, lower loss


def test_full_rank_student_learns_teacher_exactly(small):
    rng, S, lam = small
    X = sr.teacher_features(rng.standard_normal((S, S)), lam)
    assert abs(sr.teacher_averaged_kernel_limit(lam, X)[0]) < 1e-10
    assert abs(sr.teacher_averaged_feature_limit(lam, rng.standard_normal((S, S)))[0]) < 1e-10


def test_wide_student_approaches_kernel_limit():
    rng = np.random.default_rng(1)
    S = 40
    lam = sr.powerlaw_feature_variances(S, 1.0)
    X = sr.teacher_features(rng.standard_normal((5, S)), lam)
    kern = sr.teacher_averaged_kernel_limit(lam, X)[0]
    wide = sr.teacher_averaged_loss(lam, X, rng.standard_normal((20000, S)))
    assert wide == pytest.approx(kern, rel=0.02)


def test_theory_loss_is_symmetric_and_has_the_right_limits():
    lam = sr.powerlaw_feature_variances(500, 1.0)
    assert sr.theory_loss(lam, 20, 80) == pytest.approx(sr.theory_loss(lam, 80, 20), rel=1e-6)
    assert sr.theory_loss(lam, 30, np.inf) == pytest.approx(sr.theory_loss(lam, np.inf, 30), rel=1e-6)
    assert sr.theory_loss(lam, 100, np.inf) < sr.theory_loss(lam, 100, 400) < sr.theory_loss(lam, 100, 200)


def test_torus_inputs_are_homogeneous():
    rng = np.random.default_rng(2)
    X = sr.torus_inputs(5, 3, rng)
    assert X.shape == (5, 7)
    assert np.allclose(np.linalg.norm(X[:, :-1], axis=1), 1.0) and np.all(X[:, -1] == 1)
    # shifting all angles by the same vector leaves dot products unchanged
    t = np.arctan2(X[:, 3:6], X[:, :3])
    shifted = np.concatenate([np.cos(t + 0.7), np.sin(t + 0.7)], 1) / np.sqrt(3)
    assert np.allclose(X[:, :-1] @ X[:, :-1].T, shifted @ shifted.T)


def test_ridgeless_krr_recovers_a_target_in_the_span():
    rng = np.random.default_rng(3)
    from repro.gp.kernels import rbf_kernel

    Xtr, Xte = rng.uniform(-1, 1, (30, 2)), rng.uniform(-1, 1, (50, 2))
    centres = Xtr[:3]
    f = lambda A: rbf_kernel(A, centres, 0.5) @ np.array([1.0, -2.0, 0.5])  # noqa: E731
    K, Kt = rbf_kernel(Xtr, Xtr, 0.5), rbf_kernel(Xte, Xtr, 0.5)
    curve = sr.ridgeless_krr_curve(K, f(Xtr), Kt, f(Xte), [1, 3, 30])
    assert curve[0] > 1e-2 and curve[1] < 1e-12 and curve[2] < 1e-8


def test_exponents_of_exact_power_laws():
    i = np.arange(1, 1001)
    assert sr.spectrum_exponent(i ** -1.75, 10, 500) == pytest.approx(0.75)
    x = np.array([10.0, 20, 40, 80])
    Y = np.vstack([2 * x ** -0.6, 3 * x ** -0.6])
    b, (lo, hi) = bootstrap_over_reps(x, Y, n_boot=50)
    assert b == pytest.approx(0.6) and lo == pytest.approx(0.6) and hi == pytest.approx(0.6)
    with pytest.raises(ValueError):
        sr.powerlaw_feature_variances(10, 0.0)


def test_rf_feature_limit_curve_is_least_squares_on_the_pool():
    rng = np.random.default_rng(3)
    F, y = rng.standard_normal((200, 12)), rng.standard_normal(200)
    curve = sr.rf_feature_limit_curve(F, y, [3, 7, 12])
    for P, v in zip([3, 7, 12], curve):
        theta = np.linalg.lstsq(F[:, :P], y, rcond=None)[0]
        assert v == pytest.approx(np.mean((F[:, :P] @ theta - y) ** 2), rel=1e-8)
    assert np.all(np.diff(curve) < 0)


def test_min_norm_fit_loss_with_more_data_than_features_is_ols():
    rng = np.random.default_rng(4)
    F, w = rng.standard_normal((50, 5)), rng.standard_normal(5)
    assert sr.min_norm_fit_loss(F, F @ w, F, F @ w) == pytest.approx(0.0, abs=1e-20)
    # fewer points than features: the interpolant is exact on the training points
    Ft, yt = rng.standard_normal((3, 8)), rng.standard_normal(3)
    theta = np.linalg.lstsq(Ft, yt, rcond=None)[0]
    assert sr.min_norm_fit_loss(Ft, yt, Ft, yt) == pytest.approx(0.0, abs=1e-20)
    assert np.allclose(theta, np.linalg.pinv(Ft) @ yt)


def test_relu_teacher_targets_chunking():
    from repro.gp.random_features import draw_feature_map
    rng = np.random.default_rng(5)
    fmap = draw_feature_map(rng, "relu", 5, 64)
    X, a = rng.standard_normal((37, 5)), rng.standard_normal(64)
    full = fmap.raw(X) @ a / 8.0
    assert np.allclose(sr.relu_teacher_targets(fmap, a, X, chunk=10), full)


def test_rf_excess_control_variate_removes_the_first_order_term():
    rng = np.random.default_rng(6)
    A = rng.standard_normal((30, 4))
    K = A @ A.T + 0.5 * np.eye(30)
    tr, te = np.arange(5), np.arange(5, 30)
    y = rng.standard_normal(30)
    args = (K[np.ix_(tr, tr)], K[np.ix_(te, tr)])
    assert sr.rf_excess_control_variate(*args, *args, y[tr], y[te]) == pytest.approx(0.0, abs=1e-12)
    E = rng.standard_normal((30, 30))
    E = E + E.T
    small = [sr.rf_excess_control_variate(*args, (K + h * E)[np.ix_(tr, tr)], (K + h * E)[np.ix_(te, tr)],
                                          y[tr], y[te]) for h in (1e-3, 2e-3)]
    assert abs(small[1] / small[0]) == pytest.approx(4.0, rel=0.05)   # second order in the perturbation


def test_rf_excess_control_variate_is_unbiased_for_random_features():
    from repro.gp.random_features import draw_feature_map
    rng = np.random.default_rng(7)
    X = sr.torus_inputs(60, 2, rng)
    y = np.sin(3 * X[:, 0]) + X[:, 1]
    tr, te = np.arange(6), np.arange(6, 60)
    from repro.gp.random_features import relu_kernel
    K = relu_kernel(X, X)
    plain, cv = [], []
    for _ in range(400):
        F = draw_feature_map(rng, "relu", X.shape[1], 64)(X)
        Kp = F @ F.T
        a = (K[np.ix_(tr, tr)], K[np.ix_(te, tr)], Kp[np.ix_(tr, tr)], Kp[np.ix_(te, tr)], y[tr], y[te])
        cv.append(sr.rf_excess_control_variate(*a))
        theta = np.linalg.lstsq(F[tr], y[tr], rcond=None)[0]
        base = K[np.ix_(te, tr)] @ np.linalg.solve(K[np.ix_(tr, tr)], y[tr]) - y[te]
        plain.append(np.mean((F[te] @ theta - y[te]) ** 2) - np.mean(base ** 2))
    plain, cv = np.array(plain), np.array(cv)
    assert np.std(cv) < 0.5 * np.std(plain)                           # much less noisy
    se = np.sqrt(np.var(plain) / len(plain) + np.var(cv) / len(cv))
    assert abs(plain.mean() - cv.mean()) < 4 * se                      # same mean
