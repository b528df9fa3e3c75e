"""Tests of the SEM invariance tools (Parulekar, Shanmugam & Shakkottai 2023)."""
import itertools

import numpy as np
import pytest

from repro.papers.theory import invariance_pac as ip


def small_sem():
    return ip.make_sem(9, np.random.default_rng(0), np.random.default_rng(1))


def test_covariance_matches_simulation():
    sem, _, _ = small_sem()
    rng = np.random.default_rng(2)
    p = len(sem.var)
    u = np.array([2.0, 0.5])
    v = sem.var.copy()
    v[sem.sites] *= u
    N = rng.standard_normal((200_000, p)) * np.sqrt(v)
    X = np.linalg.solve(np.eye(p) - sem.B, N.T).T
    assert np.allclose(np.cov(X.T), sem.covariance(u), atol=0.03)


def test_ols_is_population_least_squares_and_risk():
    sem, rel, _ = small_sem()
    S = sem.covariance()
    F = rel[:3]
    w = ip.ols(S, F, sem.target)
    # gradient of the risk vanishes at w, and the risk of w = 0 is Var(Y)
    assert np.allclose(S[np.ix_(F, F)] @ w - S[F, sem.target], 0)
    assert ip.risk(S, F, np.zeros(3), sem.target) == pytest.approx(S[sem.target, sem.target])
    assert ip.risk(S, [], np.zeros(0), sem.target) == pytest.approx(S[sem.target, sem.target])


def test_excess_risk_is_affine_in_squared_scales():
    sem, rel, nui = small_sem()
    S0 = sem.covariance()
    rng = np.random.default_rng(3)
    for F in ([rel[0], rel[1]], [rel[0], rel[2], rel[4]] + nui, rel + nui):
        alpha, beta = ip.excess_risk_coefficients(sem, F)
        w = ip.ols(S0, F, sem.target)
        t = rng.exponential(0.5, size=2)
        direct = ip.risk(sem.covariance((1 + t) ** 2), F, w, sem.target) - ip.risk(S0, F, w, sem.target)
        assert alpha + beta @ (1 + t) ** 2 == pytest.approx(direct, abs=1e-10)
    # the causal representation (parents only) is exactly invariant: interventions hit children only
    alpha, beta = ip.excess_risk_coefficients(sem, [rel[0], rel[1]])
    assert abs(alpha) < 1e-12 and np.abs(beta).max() < 1e-12


def test_pac_epsilon_and_vc_dimension():
    assert ip.vc_dimension_bound(2) == 6 and ip.vc_dimension_bound(1) == 3
    m = np.array([10, 100, 1000, 10_000])
    e = ip.pac_epsilon(m, 6, 0.1)
    assert e[0] == 1.0 and np.all(np.diff(e) <= 0)
    assert e[-1] == pytest.approx(2 / 1e4 * (6 * np.log2(2 * np.e * 1e4 / 6) + np.log2(20)))


def test_selection_and_violations():
    alpha = np.array([0.0, 0.0, 0.1])
    beta = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.0]])
    T = np.array([[0.0, 0.0], [1.0, 0.0]])
    v = ip.violations(alpha, beta, T, 0.05)
    assert v.tolist() == [[False, False], [True, True], [True, True]]
    assert ip.select_invariant(v, np.array([3.0, 1.0, 0.5])) == 0
    assert ip.select_invariant(np.ones((2, 1), bool), np.zeros(2)) is None
    with pytest.raises(ValueError):
        ip.make_sem(4, np.random.default_rng(0), np.random.default_rng(0))


def test_relevant_block_shared_across_dimensions():
    a, rel, _ = ip.make_sem(8, np.random.default_rng(5), np.random.default_rng(0))
    b, _, _ = ip.make_sem(40, np.random.default_rng(5), np.random.default_rng(1))
    assert np.allclose(a.B[:7, :7], b.B[:7, :7]) and np.allclose(a.var[:7], b.var[:7])
    assert len(list(itertools.combinations(rel, 2))) == 15


def test_violation_probability_matches_monte_carlo():
    rng = np.random.default_rng(7)
    alpha = np.array([0.0, -0.02, 0.01])
    beta = np.array([[0.0, 0.0], [0.01, 0.01], [-0.03, 0.02]])
    T = rng.exponential(0.3, size=(400_000, 2))
    mc = ip.violations(alpha, beta, T, 0.05).mean(1)
    exact = ip.violation_probability(alpha, beta, 0.05, 0.3)
    assert np.allclose(exact, mc, atol=3e-3)


def test_empty_selection_fails_clearly():
    """Regression: with nothing invariant the learner returned -1 and callers indexed the last
    representation; now it returns None and the selection helper raises."""
    viol = np.ones((3, 4), bool)
    assert ip.select_invariant(viol, np.arange(3.0)) is None
    first = np.array([0, 2, 1])  # every representation violates within the first 3 environments
    with pytest.raises(ValueError, match="no representation"):
        ip.select_by_first_violation(first, 3, np.arange(3.0))
    assert ip.select_by_first_violation(first, 2, np.array([5.0, 1.0, 0.0])) == 1  # only rep 1 survives 2


def test_coefficient_shift_matches_refitting_in_the_environment():
    sem, rel, nui = ip.make_sem(12, np.random.default_rng(0), np.random.default_rng(1), nuisance_parents="any")
    T = np.random.default_rng(3).exponential(0.5, size=(6, 2))
    for F in ([rel[0], rel[1]], rel + nui, [rel[2]] + nui[:3], []):
        terms = ip.coefficient_terms(sem, F)
        direct = [np.linalg.norm(ip.ols(sem.covariance((1 + t) ** 2), F, sem.target) - terms["w0"]) for t in T]
        assert np.allclose(ip.coefficient_shift(terms, T), direct, atol=1e-10)
    # with nuisances that only descend from the causes, the causal parents' predictor is exactly invariant
    sem, rel, nui = ip.make_sem(12, np.random.default_rng(0), np.random.default_rng(1))
    assert ip.coefficient_shift(ip.coefficient_terms(sem, rel[:2] + nui), T).max() < 1e-12
    assert ip.vc_dimension_polynomials(2, 4) == 15 and ip.vc_dimension_polynomials(2, 2) == 6
    with pytest.raises(ValueError):
        ip.make_sem(12, np.random.default_rng(0), np.random.default_rng(1), nuisance_parents="all")
