import numpy as np
import pytest

from repro.gp.nn_kernels import nngp_ntk
from repro.papers.kernels import bo_surrogates as bs


def test_test_function_minima():
    assert np.isclose(bs.hartmann6(bs.HARTMANN6_ARGMIN), bs.HARTMANN6_MIN, atol=1e-4)
    assert abs(bs.ackley(np.full(10, 0.5))) < 1e-12
    assert abs(bs.levy(np.full(20, 0.55))) < 1e-12
    rng = np.random.default_rng(0)
    for name in ("branin", "hartmann6", "ackley10", "levy20"):
        f, d, f_min = bs.problem(name)
        assert min(f(x) for x in rng.random((200, d))) > f_min
    with pytest.raises(ValueError):
        bs.problem("rosenbrock")


def test_ibnn_kernel_is_the_relu_nngp_and_its_diagonal():
    rng = np.random.default_rng(1)
    X = rng.random((7, 5))
    m = bs.IBNN()
    list(m._kernels(5))
    K = m.kernel(X, X)
    raw = nngp_ntk(X, X, 3, "relu", 10.0, 1.3)[0]
    assert np.allclose(K * m._scale, raw)
    assert np.allclose(np.diag(K), m._diag(X))
    # one-layer arc-cosine closed form, hand-computed for two points
    x, y = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    k = nngp_ntk(x, y, 1, "relu", 2.0, 0.0)[0][0, 0]
    assert np.isclose(k, 2 * (1 / (2 * np.pi)) * (1 + 0))  # q = 1, angle pi/2: sin = 1, cos = 0


@pytest.mark.parametrize("model", [bs.MaternGP(), bs.IBNN()])
def test_exact_gps_interpolate_noise_free_data(model):
    rng = np.random.default_rng(2)
    X = rng.random((15, 3))
    y = np.sin(3 * X).sum(1)
    m, v = model.fit(X, y).predict(X)
    far_m, far_v = model.predict(rng.random((50, 3)))
    assert np.max(np.abs(m - y)) < 0.2 * y.std()
    assert v.mean() < far_v.mean()


def test_tanh_net_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    nets = bs._TanhNets(2, 3, 4, rng)
    Z, y = rng.standard_normal((6, 3)), rng.standard_normal(6)
    mask = (rng.random((2, 6)) < 0.7).astype(float)
    U, g = nets.grad(Z, y, mask, 0.3)
    for i, t in enumerate(nets.theta):
        idx = (1,) + (0,) * (t.ndim - 1)
        h = 1e-6
        t[idx] += h
        Up, _ = nets.grad(Z, y, mask, 0.3)
        t[idx] -= 2 * h
        Um, _ = nets.grad(Z, y, mask, 0.3)
        t[idx] += h
        assert np.isclose((Up[1] - Um[1]) / (2 * h), g[i][idx], rtol=1e-5, atol=1e-7)
    assert np.isclose(Up[0], U[0])  # member 0 does not depend on member 1's parameters


def _smooth_data(n=30, seed=4):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 1))
    return X, np.sin(6 * X[:, 0])


def test_finite_bnns_and_dkl_fit_a_smooth_curve():
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: extra threads only contend
    torch.linalg.cholesky(torch.eye(2, dtype=torch.float64))  # load LAPACK before limiting its threads
    _limits = threadpool_limits(1)
    try:
        X, y = _smooth_data()
        grid = np.linspace(0, 1, 50)[:, None]
        for model in (bs.DeepEnsemble(np.random.default_rng(0), steps=300),
                      bs.HMCBNN(np.random.default_rng(0), samples=20), bs.DKL(0, first_steps=150)):
            m, v = model.fit(X, y).predict(grid)
            rmse = np.sqrt(np.mean((m - np.sin(6 * grid[:, 0])) ** 2))
            assert rmse < 0.25, (type(model).__name__, rmse)
            assert np.all(v > 0)
    finally:
        torch.set_num_threads(threads)
        _limits.restore_original_limits()


def test_hmc_acceptance_and_warm_start():
    X, y = _smooth_data(20)
    model = bs.HMCBNN(np.random.default_rng(1))
    model.fit(X, y)
    assert 0.2 < model.accept_rate <= 1.0
    first = [t.copy() for t in model.nets.theta]
    model.fit(np.vstack([X, [[0.5]]]), np.append(y, np.sin(3.0)))
    assert model.nets.theta[0].shape == first[0].shape  # the chains continue


def test_bo_loop_pairs_designs_and_beats_random_search():
    f, d, f_min = bs.problem("branin")
    y_gp = bs.bo_minimize(f, d, bs.MaternGP(), 5, 15, np.random.default_rng(5), n_candidates=300)
    y_rs = bs.bo_minimize(f, d, None, 5, 15, np.random.default_rng(5))
    assert np.array_equal(y_gp[:5], y_rs[:5])  # same initial design
    r = bs.simple_regret(y_gp, f_min)
    assert np.all(np.diff(r) <= 0) and r[-1] >= 0
    assert r[-1] < bs.simple_regret(y_rs, f_min)[-1]
    assert r[-1] < 0.5
