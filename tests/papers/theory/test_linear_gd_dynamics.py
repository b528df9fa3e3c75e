"""Tests of repro.stats.marchenko_pastur and repro.papers.theory.linear_gd_dynamics against closed forms and literal GD."""
import numpy as np
import pytest

from repro.papers.theory import linear_gd_dynamics as lgd
from repro.stats import marchenko_pastur as mp


@pytest.mark.parametrize("alpha", [0.3, 1.0, 2.5])
def test_mp_mass_and_mean(alpha):
    assert mp.expect(lambda lam: np.ones_like(lam), alpha) == pytest.approx(1.0, abs=1e-10)
    assert mp.expect(lambda lam: lam, alpha) == pytest.approx(alpha, abs=1e-10)
    # second moment of X X^T: alpha (1 + alpha)
    assert mp.expect(lambda lam: lam**2, alpha) == pytest.approx(alpha * (1 + alpha), abs=1e-9)


def test_mp_density_matches_quadrature_and_edges():
    lo, hi = mp.edges(4.0)
    assert (lo, hi) == pytest.approx((1.0, 9.0))
    lam = np.linspace(lo, hi, 20001)
    assert np.trapezoid(mp.density(lam, 4.0), lam) == pytest.approx(1.0, abs=1e-3)
    assert mp.density(np.array([0.5, 9.5]), 4.0).tolist() == [0.0, 0.0]


def test_asymptotic_matches_inverse_moment():
    for alpha in (0.5, 2.0):
        inv = mp.expect(lambda lam: 1 / lam, alpha, n=2000, f0=0.0)
        expected = alpha / (1 - alpha) if alpha < 1 else 1 / (alpha - 1)
        assert inv == pytest.approx(expected, rel=1e-6)
        assert lgd.asymptotic_gen_error(alpha, 1.0, 0.5, 0.2) == pytest.approx(
            max(0, 1 - alpha) * 1.2 + 0.5 * expected + 0.5)
    assert np.isinf(lgd.asymptotic_gen_error(1.0, 1.0, 0.1))
    # long-time limit of the time-dependent formula
    assert lgd.gen_error(1e4, 2.0, 1.0, 0.3, 0.5)[0] == pytest.approx(
        lgd.gen_error(np.inf, 2.0, 1.0, 0.3, 0.5)[0], rel=1e-6)


def test_theory_at_time_zero():
    # before learning: test error = teacher + init + noise; training error the same
    for alpha in (0.5, 2.0):
        assert lgd.gen_error(0.0, alpha, 1.0, 0.2, 0.3)[0] == pytest.approx(1.5)
        assert lgd.train_error(0.0, alpha, 1.0, 0.2, 0.3)[0] == pytest.approx(1.5)
    # no noise, alpha > 1: training and test error vanish at long times
    assert lgd.gen_error(200.0, 3.0, 1.0, 0.0)[0] < 1e-8


def test_gradient_flow_matches_literal_gd_and_limits():
    rng = np.random.default_rng(0)
    for P in (20, 80):
        task = lgd.sample_task(40, P, rng, 1.0, 0.25, 0.5)
        flow = lgd.GradientFlow(**task)
        lr, steps = 1e-3, 3000
        w_gd = lgd.gradient_descent(task["X"], task["y"], task["w0"], lr, steps)
        assert np.linalg.norm(flow.weights(lr * steps) - w_gd) < 1e-2 * np.linalg.norm(w_gd)
        w = flow.weights(3.0)
        assert flow.gen_error(3.0)[0] == pytest.approx(np.sum((w - task["w_bar"]) ** 2) / 40 + 0.25)
        r = task["y"] - task["X"].T @ w
        assert flow.train_error(3.0)[0] == pytest.approx(r @ r / P)
        # t = inf: min-norm correction of w0 (pseudo-inverse solution)
        w_inf = task["w0"] + np.linalg.pinv(task["X"].T) @ (task["y"] - task["X"].T @ task["w0"])
        assert np.allclose(flow.weights(np.inf), w_inf)
    # P < N: the component orthogonal to the inputs (frozen subspace) never moves
    task = lgd.sample_task(40, 20, rng, 1.0, 0.0, 1.0)
    flow = lgd.GradientFlow(**task)
    Q = np.eye(40) - flow.U @ flow.U.T
    assert np.allclose(Q @ flow.weights(50.0), Q @ task["w0"])


def test_simulation_close_to_theory():
    rng = np.random.default_rng(1)
    t = np.array([0.5, 5.0, 50.0])
    sims = [lgd.GradientFlow(**lgd.sample_task(200, 400, rng, 1.0, 0.2)).gen_error(t) for _ in range(10)]
    theory = lgd.gen_error(t, 2.0, 1.0, 0.2)
    assert np.allclose(np.mean(sims, 0), theory, rtol=0.05)


def test_reused_svd_gives_same_flow():
    rng = np.random.default_rng(2)
    task = lgd.sample_task(30, 45, rng, 1.0, 0.1, 0.2)
    a = lgd.GradientFlow(**task)
    b = lgd.GradientFlow(**task, svd=(a.U, a.s, a.Vt))
    assert np.allclose(a.gen_error([0.1, 1.0, np.inf]), b.gen_error([0.1, 1.0, np.inf]))


def test_overtraining_at_the_theory_stopping_time_is_below_the_per_set_minimum():
    rng = np.random.default_rng(11)
    t_grid = np.logspace(-2, 4, 121)
    t_star = lgd.overtraining(3.0, 1.0, 0.1, t_grid=t_grid)[2]
    for _ in range(5):
        flow = lgd.GradientFlow(**lgd.sample_task(60, 180, rng, 1.0, 0.1))
        curve = flow.gen_error(np.r_[t_grid, np.inf])
        at = lgd.overtraining_at(flow, t_star)
        assert at == pytest.approx(curve[-1] - flow.gen_error(t_star)[0])
        assert curve[-1] - curve.min() >= at - 1e-15      # the per-set minimum is biased upwards
