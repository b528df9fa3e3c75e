import numpy as np
import torch

from repro.gp.nn_kernels import nngp_ntk
from repro.papers.kernels import deep_kernel_machine as dk


def _data(P=6, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((P, d))
    return X, X @ X.T / d, rng.standard_normal(P)


def _spd(P, seed):
    A = np.random.default_rng(seed).standard_normal((P, P))
    return torch.tensor(A @ A.T / P + 0.3 * np.eye(P))


def test_gaussian_kl_matches_closed_forms():
    A, B = _spd(5, 1), _spd(5, 2)
    want = torch.distributions.kl_divergence(
        torch.distributions.MultivariateNormal(torch.zeros(5, dtype=torch.float64), A),
        torch.distributions.MultivariateNormal(torch.zeros(5, dtype=torch.float64), B))
    assert abs(dk.gaussian_kl(A, B).item() - want.item()) < 1e-10
    # one dimension: (a/b - 1 - log(a/b)) / 2
    a, b = 0.7, 2.5
    got = dk.gaussian_kl(torch.tensor([[a]], dtype=torch.float64), torch.tensor([[b]], dtype=torch.float64))
    assert abs(got.item() - 0.5 * (a / b - 1 - np.log(a / b))) < 1e-14
    assert abs(dk.gaussian_kl(A, A).item()) < 1e-12


def test_arccos_kernel_matches_relu_nngp():
    X, G0, _ = _data()
    grams = dk.nngp_grams(G0, 3)
    for depth in (1, 2, 3):
        k, _ = nngp_ntk(X, X, depth, "relu", sw2=2.0, sb2=0.0)  # starts from 2 G0; K is homogeneous
        np.testing.assert_allclose(grams[depth - 1], k / 2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.diag(grams[0]), np.diag(G0), rtol=1e-12)


def test_gauss_loglik_matches_torch():
    C, y = _spd(4, 3), torch.tensor([0.3, -1.0, 2.0, 0.1], dtype=torch.float64)
    want = torch.distributions.MultivariateNormal(torch.zeros(4, dtype=torch.float64), C).log_prob(y)
    assert abs(dk.gauss_loglik(y, C).item() - want.item()) < 1e-10


def test_chol_param_roundtrip():
    G = _spd(5, 4).numpy()
    np.testing.assert_allclose(dk.gram_from_chol(torch.tensor(dk.chol_param(G))).numpy(), G, rtol=1e-12)


def test_dkm_optimum_is_nngp_without_likelihood():
    _, G0, y = _data(P=5)
    nngp = dk.nngp_grams(G0, 2)
    init = [g + 0.3 * np.eye(5) for g in nngp]  # start away from the prior
    fit = dk.fit_dkm(G0, y, 0.1, [1.0, 1.0], like_weight=0.0, init=init)
    for G, K in zip(fit["grams"], nngp):
        assert dk.rel_frob(G, K) < 1e-4
    assert max(fit["kls"]) < 1e-8


def test_dkm_fit_improves_objective_and_learns_representation():
    _, G0, y = _data(P=6, seed=1)
    fit = dk.fit_dkm(G0, y, 0.05, [1.0, 1.0])
    G0t, yt = torch.tensor(G0), torch.tensor(y)
    at_prior = dk.dkm_objective([torch.tensor(g) for g in dk.nngp_grams(G0, 2)], G0t, yt, 0.05, [1.0, 1.0])[0]
    assert fit["objective"] > at_prior.item() + 1e-3
    assert fit["result"].success
    # the `train` subset with every point equals no subset
    Gs = [torch.tensor(g) for g in fit["grams"]]
    a = dk.dkm_objective(Gs, G0t, yt, 0.05, [1.0, 1.0])[0]
    b = dk.dkm_objective(Gs, G0t, yt, 0.05, [1.0, 1.0], train=np.arange(6))[0]
    assert abs(a.item() - b.item()) < 1e-12


def test_dkm_objective_gradcheck():
    _, G0, y = _data(P=4)
    G0t, yt = torch.tensor(G0), torch.tensor(y)
    V = torch.tensor(np.stack([dk.chol_param(g + 0.1 * np.eye(4)) for g in dk.nngp_grams(G0, 2)]),
                     requires_grad=True)

    def f(V):
        return dk.dkm_objective([dk.gram_from_chol(V[0]), dk.gram_from_chol(V[1])], G0t, yt, 0.1, [1.0, 2.0])[0]

    assert torch.autograd.gradcheck(f, (V,), eps=1e-6, atol=1e-5)


def test_dgp_log_post_gradient_matches_finite_differences():
    _, G0, y = _data(P=4)
    G0t, yt = torch.tensor(G0), torch.tensor(y)
    rng = np.random.default_rng(5)
    Z = [torch.tensor(rng.standard_normal((4, 7)), requires_grad=True) for _ in range(2)]
    lp, _ = dk.dgp_log_post(Z, G0t, yt, 0.1, [7, 7], 7)
    g = torch.autograd.grad(lp, Z)
    h = 1e-6
    for layer, (i, j) in [(0, (1, 2)), (1, (3, 0))]:
        Zp = [z.detach().clone() for z in Z]
        Zm = [z.detach().clone() for z in Z]
        Zp[layer][i, j] += h
        Zm[layer][i, j] -= h
        fd = (dk.dgp_log_post(Zp, G0t, yt, 0.1, [7, 7], 7)[0] - dk.dgp_log_post(Zm, G0t, yt, 0.1, [7, 7], 7)[0]) / (2 * h)
        assert abs(fd.item() - g[layer][i, j].item()) < 1e-5 * max(1, abs(fd.item()))


def test_hmc_without_data_samples_the_prior():
    # n_rep = 0 removes the likelihood: E[G_1] must be the NNGP Gram K(G_0) (Wishart mean)
    _, G0, y = _data(P=4)
    out = dk.hmc_dgp(G0, y, 0.1, [50], n_rep=0, n_iter=60, n_burn=20, step=0.3, seed=0)
    assert dk.rel_frob(out["mean"][0], dk.nngp_grams(G0, 1)[0]) < 0.05
    assert out["accept"] > 0.5
