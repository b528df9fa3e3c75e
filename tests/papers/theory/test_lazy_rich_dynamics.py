import numpy as np
import pytest

from repro.papers.theory import lazy_rich_dynamics as lr


def _setup(D=6, P=20, N=9, seed=0):
    rng = np.random.default_rng(seed)
    return lr.make_task(rng, D, P), rng.standard_normal((N, D))


def test_quadratic_mse_closed_form_cases():
    D = 4
    beta = np.zeros(D)
    # E[(x.x)^2] with x ~ N(0, I/D) is 1 + 2/D
    assert lr.quadratic_mse(np.zeros(D), np.eye(D), beta) == pytest.approx(1 + 2 / D)
    # linear part only: E[(u.x)^2] = |u|^2 / D
    u = np.arange(1.0, D + 1)
    assert lr.quadratic_mse(u, np.zeros((D, D)), beta) == pytest.approx(u @ u / D)
    # the zero predictor has loss E[y^2] = 3 |beta|^4 / (4 D^2)
    b = np.ones(D)
    assert lr.quadratic_mse(np.zeros(D), np.zeros((D, D)), b) == pytest.approx(3 * D ** 2 / (4 * D ** 2))


def test_quadratic_mse_matches_monte_carlo():
    rng = np.random.default_rng(1)
    D = 5
    u, A, beta = rng.standard_normal(D), rng.standard_normal((D, D)), rng.standard_normal(D)
    x = rng.standard_normal((400_000, D)) / np.sqrt(D)
    r = x @ u + np.einsum("pi,ij,pj->p", x, A, x) - 0.5 * (x @ beta) ** 2
    assert lr.quadratic_mse(u, A, beta) == pytest.approx(np.mean(r ** 2), rel=0.02)


def test_reduced_dynamics_equal_direct_gradient_descent():
    task, W0 = _setup()
    alpha, eps, lrate, steps = 0.7, 0.3, 0.5, 5
    traj = lr.simulate(task, W0, alpha, eps, lrate, steps)
    N, P = W0.shape[0], len(task.y)
    W, f0 = W0.copy(), lr.network_output(W0, task.X, alpha, eps)
    for _ in range(steps):  # explicit GD on the weights with learning rate lr N / alpha^2
        r = lr.network_output(W, task.X, alpha, eps) - f0 - task.y
        H = task.X @ W.T
        grad = (2 / P) * (alpha / N) * ((r[:, None] * (1 + eps * H)).T @ task.X)
        W -= lrate * N / alpha ** 2 * grad
    r = lr.network_output(W, task.X, alpha, eps) - f0 - task.y
    assert traj.train[-1] == pytest.approx(np.mean(r ** 2), rel=1e-10)
    assert traj.weight_norm2[-1] == pytest.approx(np.sum(W ** 2), rel=1e-10)


def test_linearized_dynamics_converge_to_ntk_regression():
    task, W0 = _setup(D=5, P=12, N=40)
    u, A = lr.ntk_regression(task, W0, eps=0.8)
    X = task.X
    assert np.allclose(X @ u + np.einsum("pi,ij,pj->p", X, A, X), task.y, atol=1e-8)  # interpolates
    C = 1 + 0.8 * X @ W0.T
    lam = np.linalg.eigvalsh((C @ C.T / 40) * (X @ X.T))
    lrate = 0.5 * len(X) / lam[-1]  # half the stability limit of the function-space step
    n = int(20 * lam[-1] / lam[0])
    traj = lr.simulate(task, W0, 1.0, 0.8, lrate, n, record_every=n, linearized=True)
    assert traj.train[-1] < 1e-8
    assert traj.test[-1] == pytest.approx(lr.quadratic_mse(u, A, task.beta), rel=1e-3)


def test_linearized_dynamics_do_not_depend_on_alpha():
    task, W0 = _setup()
    a = lr.simulate(task, W0, 1.0, 0.2, 0.5, 20, linearized=True)
    b = lr.simulate(task, W0, 7.0, 0.2, 0.5, 20, linearized=True)
    assert np.allclose(a.test, b.test) and np.allclose(a.train, b.train)


def test_crossing_step():
    steps = np.array([0, 10, 20, 30])
    assert lr.crossing_step(steps, np.array([1.0, 0.5, 0.09, 0.01]), 0.1) == 20
    assert lr.crossing_step(steps, np.array([1.0, 0.5, 0.2, 0.15]), 0.1) == float("inf")


def test_delay_ratio_censors_a_test_loss_that_never_crosses():
    steps = np.array([0, 10, 20, 30])
    tr = lr.Trajectory(steps, np.array([1.0, 0.05, 0.01, 0.01]), np.array([1.0, 0.5, 0.09, 0.01]), np.ones(4))
    assert lr.delay_ratio(tr) == (2.0, False)
    stuck = lr.Trajectory(steps, tr.train, np.array([1.0, 0.5, 0.3, 0.2]), np.ones(4))
    assert lr.delay_ratio(stuck) == (3.0, True)   # censored at the last step: a lower bound
    never_fits = lr.Trajectory(steps, np.ones(4), tr.test, np.ones(4))
    ratio, censored = lr.delay_ratio(never_fits)
    assert np.isnan(ratio) and censored


def test_test_loss_at_fit():
    steps = np.array([0, 10, 20, 30])
    tr = lr.Trajectory(steps, np.array([1.0, 0.5, 0.05, 0.01]), np.array([2.0, 1.5, 1.2, 0.1]), np.ones(4))
    assert lr.test_loss_at_fit(tr) == 1.2
    assert np.isnan(lr.test_loss_at_fit(lr.Trajectory(steps, np.ones(4), tr.test, np.ones(4))))
