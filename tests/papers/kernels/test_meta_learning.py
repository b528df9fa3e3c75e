import math

import pytest
import torch

from repro.papers.kernels import meta_learning as ml


@pytest.fixture(autouse=True)
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    yield
    torch.set_default_dtype(old)


def test_mlp_forward_matches_nn_linear():
    sizes = (2, 3, 1)
    g = torch.Generator().manual_seed(0)
    theta = ml.mlp_init(sizes, g).double()
    assert theta.numel() == ml.mlp_dim(sizes) == 2 * 3 + 3 + 3 + 1
    l1, l2 = torch.nn.Linear(2, 3).double(), torch.nn.Linear(3, 1).double()
    with torch.no_grad():
        l1.weight.copy_(theta[:6].reshape(2, 3).T)
        l1.bias.copy_(theta[6:9])
        l2.weight.copy_(theta[9:12].reshape(3, 1).T)
        l2.bias.copy_(theta[12:])
    x = torch.randn(4, 2, generator=g, dtype=torch.float64)
    want = l2(torch.relu(l1(x)))
    got = ml.mlp_forward(theta[None], x[None], sizes)[0]
    torch.testing.assert_close(got, want)


def test_inner_step_is_hand_computed_sgd_on_linear_model():
    # f(x) = w x + b, loss = mean (w x + b - y)^2; one SGD step by hand
    sizes = (1, 1)
    x = torch.tensor([[[1.0], [2.0], [-1.0]]])
    y = torch.tensor([[[0.5], [1.0], [2.0]]])
    w, b, lr = 0.3, -0.2, 0.1
    theta = torch.tensor([[w, b]])
    r = (w * x + b - y)[0, :, 0]
    gw, gb = (2 * r * x[0, :, 0]).mean(), (2 * r).mean()
    got = ml.inner_sgd(theta, x, y, sizes, lr, 1, create_graph=False)
    torch.testing.assert_close(got, torch.tensor([[w - lr * gw, b - lr * gb]]))


def test_second_order_maml_gradient_matches_finite_differences():
    sizes = (1, 4, 1)
    g = torch.Generator().manual_seed(1)
    theta0 = ml.mlp_init(sizes, g).double().requires_grad_(True)
    batch = [t.double() for t in ml.sinusoid_tasks(3, 4, 5, g)[:4]]
    loss = ml.maml_loss(theta0, batch, sizes, 0.05, 2)
    (grad,) = torch.autograd.grad(loss, theta0)
    eps = 1e-6
    fd = torch.zeros_like(theta0)
    for j in range(theta0.numel()):
        e = torch.zeros_like(theta0)
        e[j] = eps
        fd[j] = (ml.maml_loss(theta0 + e, batch, sizes, 0.05, 2)
                 - ml.maml_loss(theta0 - e, batch, sizes, 0.05, 2)) / (2 * eps)
    torch.testing.assert_close(grad, fd, atol=1e-6, rtol=1e-5)
    # first order differs from second order (the inner-loop Jacobian matters)
    (g1,) = torch.autograd.grad(ml.maml_loss(theta0, batch, sizes, 0.05, 2, first_order=True), theta0)
    assert (g1 - grad).abs().max() > 1e-4


def test_local_posterior_is_conjugate_gaussian_posterior_for_linear_regression():
    # y = X theta + noise with orthogonal columns: the loss is exactly quadratic with diagonal A,
    # so the closed form must equal the exact Bayesian posterior under N(m0, E[Sigma]).
    X = torch.tensor([[1.0, 1.0], [1.0, -1.0], [2.0, 0.5], [2.0, -0.5]])
    assert abs(float(X[:, 0] @ X[:, 1])) < 1e-12
    y = torch.tensor([0.3, -1.2, 2.0, 0.7])
    s2 = 0.5
    A = (X ** 2).sum(0) / s2
    mbar = torch.linalg.lstsq(X, y[:, None]).solution[:, 0]
    m0 = torch.tensor([0.4, -0.1])
    niw = ml.DiagNIW(m0, l0=2.0, n0=3.0, prior_var=0.7)
    m, V = niw.local_posterior(mbar[None], A[None])
    P0 = torch.diag(niw.prior_precision())
    Sinv = X.T @ X / s2 + P0
    S = torch.linalg.inv(Sinv)
    mu = S @ (X.T @ y / s2 + P0 @ m0)
    torch.testing.assert_close(m[0].detach(), mu.detach())
    torch.testing.assert_close(V[0].detach(), torch.diagonal(S).detach())


def test_local_posterior_minimises_the_local_objective():
    g = torch.Generator().manual_seed(2)
    d = 5
    niw = ml.DiagNIW(torch.randn(d, generator=g), l0=1.5, n0=2.5, prior_var=0.3)
    mbar, A = torch.randn(1, d, generator=g), torch.rand(1, d, generator=g) * 3

    def f(m, V):
        return 0.5 * ((m - mbar) ** 2 * A).sum() + 0.5 * (A * V).sum() + niw.expected_local_kl(m, V).sum()

    m, V = niw.local_posterior(mbar, A)
    m, V = m.detach().requires_grad_(True), V.detach().requires_grad_(True)
    gm, gV = torch.autograd.grad(f(m, V), (m, V))
    assert gm.abs().max() < 1e-10 and gV.abs().max() < 1e-10


def test_expected_local_kl_matches_monte_carlo():
    g = torch.Generator().manual_seed(3)
    d = 3
    niw = ml.DiagNIW(torch.randn(d, generator=g), l0=2.0, n0=6.0, prior_var=0.5)
    m, V = torch.randn(1, d, generator=g), torch.rand(1, d, generator=g) + 0.2
    n = 400_000
    a, b = float(niw.n0.detach()) / 2, niw.lam.detach() / 2
    s2 = b / torch.distributions.Gamma(a, 1.0).sample((n, d))
    mu = niw.m0.detach() + torch.randn(n, d, generator=g) * (s2 / float(niw.l0)).sqrt()
    kl = 0.5 * (torch.log(s2 / V) + (V + (m - mu) ** 2) / s2 - 1).sum(-1)
    assert abs(float(kl.mean()) - float(niw.expected_local_kl(m, V))) < 0.02


def test_global_posterior_optimum_is_conjugate_niw_update():
    # With local posteriors held fixed, the ELBO in the global parameters is maximised by the
    # conjugate NIW update with expected sufficient statistics: the gradient vanishes there.
    g = torch.Generator().manual_seed(4)
    N, d = 6, 3
    means, variances = torch.randn(N, d, generator=g), torch.rand(N, d, generator=g) + 0.1
    m_p, l_p, lam_p, n_p = torch.zeros(d), 1.0, torch.full((d,), 2.0), 3.0
    m, l, lam, n = ml.niw_conjugate_update(m_p, l_p, lam_p, n_p, means, variances)
    niw = ml.DiagNIW(m, l0=l, n0=n)
    with torch.no_grad():
        niw.raw_lam.copy_(lam + torch.log(-torch.expm1(-lam)))
    torch.testing.assert_close(niw.lam, lam)

    def objective():
        return niw.expected_local_kl(means, variances).sum() + niw.kl_to(m_p, l_p, lam_p, n_p)

    grads = torch.autograd.grad(objective(), list(niw.parameters()))
    assert max(float(gr.abs().max()) for gr in grads) < 1e-9
    base = float(objective())
    with torch.no_grad():
        niw.raw_n0 += 0.1
    assert float(objective()) > base


def test_kl_to_self_is_zero():
    niw = ml.DiagNIW(torch.tensor([0.3, -1.0]), l0=2.0, n0=4.0, prior_var=0.2)
    assert abs(float(niw.kl_to(niw.m0.detach(), 2.0, niw.lam.detach(), 4.0))) < 1e-10


def test_retained_graph_memory_constant_for_niw_and_growing_for_maml():
    sizes = (1, 8, 1)
    g = torch.Generator().manual_seed(5)
    theta0 = ml.mlp_init(sizes, g).double()
    batch = [t.double() for t in ml.sinusoid_tasks(4, 5, 5, g)[:4]]
    niw = ml.DiagNIW(theta0)
    p = torch.nn.Parameter(theta0.clone())
    mem_niw = [ml.retained_graph_bytes(lambda: ml.niw_loss(niw, batch, sizes, 0.01, k, 0.1))[1] for k in (1, 4)]
    mem_maml = [ml.retained_graph_bytes(lambda: ml.maml_loss(p, batch, sizes, 0.01, k))[1] for k in (1, 4)]
    assert mem_niw[0] == mem_niw[1] > 0
    assert mem_maml[1] > 2.5 * mem_maml[0]


def test_niw_loss_gradient_skips_inner_loop_but_reaches_all_globals():
    sizes = (1, 8, 1)
    g = torch.Generator().manual_seed(6)
    niw = ml.DiagNIW(ml.mlp_init(sizes, g).double())
    batch = [t.double() for t in ml.sinusoid_tasks(4, 5, 5, g)[:4]]
    loss = ml.niw_loss(niw, batch, sizes, 0.01, 3, 0.1, generator=g)
    loss.backward()
    for prm in niw.parameters():
        assert prm.grad is not None and torch.isfinite(prm.grad).all()
    assert math.isfinite(float(loss))
