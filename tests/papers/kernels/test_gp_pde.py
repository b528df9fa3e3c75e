import math

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

from repro.papers.kernels import gp_pde as gp

D = torch.float64


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny float64 solves: extra (BLAS/LAPACK) threads only contend; restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.linalg.cholesky(torch.eye(2, dtype=D))  # load LAPACK before limiting its threads
    limits = threadpool_limits(1)
    yield
    torch.set_num_threads(threads)
    limits.restore_original_limits()


def _params():
    return dict(log_w=torch.tensor([0.0, -1.0, -2.0], dtype=D),
                log_rho=torch.tensor([0.5, 2.0, 1.0], dtype=D),
                mu=torch.tensor([0.0, 1.5, 4.0], dtype=D))


def test_kernel_second_derivative_matches_finite_differences_and_autograd():
    p = _params()
    r = torch.linspace(-1.3, 1.3, 41, dtype=D)
    d2 = gp.sm_kernel_d2(r, **p)
    h = 1e-4
    fd = (gp.sm_kernel(r + h, **p) - 2 * gp.sm_kernel(r, **p) + gp.sm_kernel(r - h, **p)) / h ** 2
    assert torch.allclose(d2, fd, atol=1e-5 * d2.abs().max())
    rr = r.clone().requires_grad_(True)
    g1 = torch.autograd.grad(gp.sm_kernel(rr, **p).sum(), rr, create_graph=True)[0]
    g2 = torch.autograd.grad(g1.sum(), rr)[0]
    assert torch.allclose(d2, g2, atol=1e-10)


def test_kernel_closed_form_single_component():
    # one component: w e^{-rho r^2} cos(om r); at r = 0, k'' = -w (2 rho + om^2)
    p = dict(log_w=torch.tensor([math.log(2.0)], dtype=D), log_rho=torch.tensor([math.log(3.0)], dtype=D),
             mu=torch.tensor([0.7], dtype=D))
    om = 2 * math.pi * 0.7
    assert math.isclose(gp.sm_kernel_d2(torch.zeros(1, dtype=D), **p).item(), -2 * (6 + om ** 2), rel_tol=1e-12)
    r = torch.tensor([0.3], dtype=D)
    assert math.isclose(gp.sm_kernel(r, **p).item(), 2 * math.exp(-3 * 0.09) * math.cos(om * 0.3), rel_tol=1e-12)


def test_toeplitz_path_equals_dense_path():
    p = _params()
    x = torch.linspace(0, 1, 30, dtype=D)
    K, K2 = gp.kernel_matrices(p, x)
    xp = x.clone()
    xp[5] += 1e-3  # non-uniform grid takes the dense path
    Kd, K2d = gp.kernel_matrices(p, xp)
    r = xp[:, None] - xp[None, :]
    assert torch.allclose(K2d, gp.sm_kernel_d2(r, **p))
    r = x[:, None] - x[None, :]
    assert torch.allclose(K2, gp.sm_kernel_d2(r, **p), atol=1e-12)
    assert torch.allclose(K - torch.diag(K.diagonal()), gp.sm_kernel(r, **p) - torch.diag(gp.sm_kernel(r, **p).diagonal()), atol=1e-12)


def test_solve_u_is_the_exact_minimiser():
    p = gp.init_params(8, 6.0)
    x = torch.linspace(0, 1, 25, dtype=D)
    f = torch.sin(3 * x) * 10
    g = torch.tensor([0.2, -0.4], dtype=D)
    bidx = torch.tensor([0, 24])
    K, K2 = gp.kernel_matrices(p, x, jitter=1e-6)
    u, jmin, _ = gp.solve_u(K, K2, bidx, g, f, lam_b=100.0, lam_r=0.5)
    uu = u.clone().requires_grad_(True)
    J = gp.quadratic_objective(uu, K, K2, bidx, g, f, 100.0, 0.5)
    grad = torch.autograd.grad(J, uu)[0]
    # gradient at the solution vanishes relative to the gradient at U = 0
    u0 = torch.zeros_like(u, requires_grad=True)
    grad0 = torch.autograd.grad(gp.quadratic_objective(u0, K, K2, bidx, g, f, 100.0, 0.5), u0)[0]
    assert grad.norm() < 1e-6 * grad0.norm()
    assert math.isclose(J.item(), jmin.item(), rel_tol=1e-7)
    # and any perturbation increases J
    for s in range(3):
        d = torch.randn(25, generator=torch.Generator().manual_seed(s), dtype=D) * 1e-3
        assert gp.quadratic_objective(u + d, K, K2, bidx, g, f, 100.0, 0.5) > J


def test_single_frequency_poisson_solved_accurately():
    # u = sin(2 pi 3 x), u'' = -(6 pi)^2 u on [0, 1], u(0) = u(1) = 0
    x = torch.linspace(0, 1, 60, dtype=D)
    om = 6 * math.pi
    f = -om ** 2 * torch.sin(om * x)
    bidx = torch.tensor([0, 59])
    g = torch.zeros(2, dtype=D)
    p = dict(log_w=torch.zeros(1, dtype=D), log_rho=torch.tensor([-2.0], dtype=D), mu=torch.tensor([3.0], dtype=D))
    obj, u = gp.profiled_objective(p, x, bidx, g, f, lam_b=1e6, lam_r=1e2)
    xt = torch.linspace(0, 1, 301, dtype=D)
    assert gp.rel_l2(gp.predict(p, x, u, xt), torch.sin(om * xt)) < 1e-4
    # a short fit from the default initial spectrum also solves it
    p2, u2, hist = gp.fit_gp_hm(x, bidx, g, f, Q=6, freq_max=5.0, steps=20, lr=0.05, lam_b=1e6, lam_r=1e2)
    assert hist[-1] < hist[0]
    assert gp.rel_l2(gp.predict(p2, x, u2, xt), torch.sin(om * xt)) < 1e-3


def test_pinn_returns_second_derivative():
    net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    x = torch.linspace(0, 1, 7, dtype=D)[:, None]
    out = gp.PINN(net)(x)
    h = 1e-4
    with torch.no_grad():
        fd = (net(x + h) - 2 * net(x) + net(x - h)) / h ** 2
    assert torch.allclose(out[:, 1:], fd, atol=1e-5)
    t = torch.tensor([[1.0, 0.0, 1.0]] + [[2.0, 0.0, 0.0]] * 6, dtype=D)
    loss = gp.pinn_loss(3.0, 2.0)(out, t)
    exp = ((out[1:, 1] - 2.0) ** 2).mean() / 2.0 + 3.0 * (out[0, 0] ** 2)
    assert torch.allclose(loss, exp)
    assert np.isclose(gp.rel_l2([1.0, 1.0], [1.0, 0.0]), 1.0)
