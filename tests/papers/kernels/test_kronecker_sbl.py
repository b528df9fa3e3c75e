"""Tests of repro.papers.kernels.kronecker_sbl: Kronecker algebra, SBL posteriors, M-steps and recovery."""
import numpy as np
import pytest

from repro.papers.kernels import kronecker_sbl as ks


def _mats(rng, ms, ns):
    return [rng.standard_normal((m, n)) for m, n in zip(ms, ns)]


def test_kron_apply_and_kron_vec_match_dense_kronecker():
    rng = np.random.default_rng(0)
    mats = _mats(rng, (3, 4, 2), (2, 5, 3))
    x = rng.standard_normal(2 * 5 * 3)
    assert np.allclose(ks.kron_apply(mats, x), ks.kron_all(mats) @ x)
    vs = [rng.standard_normal(n) for n in (2, 3, 4)]
    assert np.allclose(ks.kron_vec(vs), np.kron(np.kron(vs[0], vs[1]), vs[2]))
    # (A ⊗ B) vec(X) = vec(A X B^T) in C order
    A, B, X = rng.standard_normal((3, 2)), rng.standard_normal((4, 5)), rng.standard_normal((2, 5))
    assert np.allclose(ks.kron_apply([A, B], X.ravel()), (A @ X @ B.T).ravel())


def test_dense_posterior_matches_textbook_formulas():
    rng = np.random.default_rng(1)
    H = rng.standard_normal((6, 9))
    gamma, s2, y = rng.uniform(0.1, 2.0, 9), 0.3, rng.standard_normal(6)
    post = ks.dense_posterior(H, gamma, s2, y)
    Sigma = np.linalg.inv(H.T @ H / s2 + np.diag(1 / gamma))
    Sy = s2 * np.eye(6) + H @ np.diag(gamma) @ H.T
    assert np.allclose(post.mean, Sigma @ H.T @ y / s2)
    assert np.allclose(post.var, np.diag(Sigma))
    assert np.isclose(post.cost, np.linalg.slogdet(Sy)[1] + y @ np.linalg.solve(Sy, y))


@pytest.mark.parametrize("ms", [(3, 4, 2), (5, 2, 4)])
def test_kron_posterior_equals_dense_posterior(ms):
    rng = np.random.default_rng(2)
    ns = (4, 3, 3)
    mats = _mats(rng, ms, ns)
    gammas = [rng.uniform(0.05, 2.0, n) for n in ns]
    y, s2 = rng.standard_normal(int(np.prod(ms))), 0.2
    fast = ks.kron_posterior(mats, gammas, s2, y)
    slow = ks.dense_posterior(ks.kron_all(mats), ks.kron_vec(gammas), s2, y)
    assert np.allclose(fast.mean, slow.mean)
    assert np.allclose(fast.var, slow.var)
    assert np.isclose(fast.cost, slow.cost)
    assert np.allclose(fast.second_moment, slow.var + slow.mean ** 2)


def _surrogate(Lam, gammas):
    g = ks.kron_vec(gammas)
    return np.sum(Lam.ravel() / g + np.log(g))


def test_am_mstep_is_exact_for_rank_one_and_stationary_otherwise():
    rng = np.random.default_rng(3)
    true = [rng.uniform(0.2, 2.0, n) for n in (3, 4, 5)]
    Lam = ks.kron_vec(true).reshape(3, 4, 5)
    got = ks.am_mstep(Lam, [np.ones(n) for n in (3, 4, 5)], tol=1e-12, max_inner=5000)
    assert np.allclose(ks.kron_vec(got), Lam.ravel(), rtol=1e-6)
    # general Lambda: the result satisfies every block's zero-gradient equation and beats the start
    Lam = rng.uniform(0.1, 3.0, (3, 4, 5))
    start = [np.ones(n) for n in (3, 4, 5)]
    got = ks.am_mstep(Lam, start, tol=1e-13, max_inner=5000)
    assert _surrogate(Lam, got) < _surrogate(Lam, start)
    g1, g2, g3 = got
    assert np.allclose(g1, np.einsum("ijk,j,k->i", Lam, 1 / g2, 1 / g3) / 20, rtol=1e-6)
    assert np.allclose(g3, np.einsum("ijk,i,j->k", Lam, 1 / g1, 1 / g2) / 12, rtol=1e-6)
    # a small perturbation of one block does not lower the surrogate: a minimum along that block
    for eps in (1e-3, -1e-3):
        bumped = [g1 * (1 + eps), g2, g3]
        assert _surrogate(Lam, bumped) >= _surrogate(Lam, got) - 1e-10


def test_svd_mstep_rank_one_and_best_rank_one_for_two_modes():
    rng = np.random.default_rng(4)
    true = [rng.uniform(0.2, 2.0, n) for n in (3, 4, 5)]
    got = ks.svd_mstep(ks.kron_vec(true).reshape(3, 4, 5))
    assert np.allclose(ks.kron_vec(got), ks.kron_vec(true))
    M = rng.uniform(0.1, 1.0, (4, 6))  # positive: the leading singular vectors are positive
    U, s, Vt = np.linalg.svd(M)
    got = ks.svd_mstep(M)
    assert np.allclose(np.outer(*got), s[0] * np.outer(U[:, 0], Vt[0]) * np.sign(U[0, 0] * Vt[0, 0]))


def test_sample_problem_structure_and_snr():
    rng = np.random.default_rng(5)
    p = ks.sample_problem(rng, 6, (3, 4, 5), 2)
    assert all(np.count_nonzero(f) == 2 for f in p.factors)
    assert np.allclose(p.x, ks.kron_vec(p.factors))
    assert np.allclose(p.y_clean, ks.kron_all(p.mats) @ p.x)
    y, s2 = p.noisy(rng, 20.0)
    assert np.isclose(s2, p.signal_power / 100)
    assert y.shape == p.y_clean.shape and not np.allclose(y, p.y_clean)


def test_metrics_hand_examples():
    x = np.array([0.0, 1.0, -2.0, 0.0])
    assert ks.nmse(x, x) == 0.0
    assert np.isclose(ks.nmse(np.zeros(4), x), 1.0)
    # estimated support {1, 3}, true {1, 2}: intersection 1, union 3
    assert np.isclose(ks.support_recovery_rate(np.array([0, 1.0, 1e-5, 0.5]), x), 1 / 3)
    assert ks.support_recovery_rate(x, x) == 1.0


def _easy_problem(seed, snr=60.0):
    rng = np.random.default_rng(seed)
    p = ks.sample_problem(rng, 6, (5, 5, 6), 2)
    y, s2 = p.noisy(rng, snr)
    return p, y, s2


@pytest.mark.parametrize("mstep", ks.MSTEPS)
def test_kron_sbl_recovers_an_easy_problem(mstep):
    p, y, s2 = _easy_problem(6)
    res = ks.kron_sbl(p.mats, y, s2, mstep)
    assert ks.nmse(res.x, p.x) < 1e-4
    assert ks.support_recovery_rate(res.x, p.x) == 1.0


def test_classic_sbl_and_oracle_recover_an_easy_problem():
    p, y, s2 = _easy_problem(7)
    res = ks.classic_sbl(ks.kron_all(p.mats), y, s2)
    assert ks.nmse(res.x, p.x) < 1e-4
    assert ks.nmse(ks.oracle_ls(p.mats, p.y_clean, p.factors), p.x) < 1e-20


def test_kron_omp_exact_on_noiseless_problem():
    p, _, _ = _easy_problem(8)
    res = ks.kron_omp(p.mats, p.y_clean, rel_tol=1e-10)
    assert ks.nmse(res.x, p.x) < 1e-16


def test_am_kroSBL_cost_never_increases_without_pruning():
    p, y, s2 = _easy_problem(9, snr=15.0)
    res = ks.kron_sbl(p.mats, y, s2, "am", prune=0, max_iter=60, tol=0, history=True)
    c = np.array(res.costs)
    assert len(c) == 61 and len(res.means) == 61
    assert np.all(np.diff(c) <= 1e-9 * (1 + np.abs(c[:-1])))
    assert np.allclose(res.means[-1], res.x)


def test_bad_mstep_is_rejected():
    p, y, s2 = _easy_problem(10)
    with pytest.raises(ValueError, match="mstep"):
        ks.kron_sbl(p.mats, y, s2, "em")
