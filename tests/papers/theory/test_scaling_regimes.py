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
