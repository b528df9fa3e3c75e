"""Closed-form checks of the SDE toolkit (repro.papers.generative.sde) on Gaussian data, where everything is exact."""
import math

import pytest
import torch

from repro.papers.generative.sde import (DSMObjective, ScoreNet, ScoreNetEnsemble, VESDE, VPSDE, divergence, dsm_loss,
                                        langevin_corrector, mmd2_null_sd, mmd2_to_mixture, pf_ode_log_likelihood, pf_ode_sample,
                                        reverse_sde_sample, train_score_ensemble)
from repro.data.toy2d import GaussianMixture, asymmetric_mixture
from repro.stats.metrics import mmd2_rbf

D = torch.float64
C2 = 0.25  # data variance of the isotropic Gaussian test distribution N(mu, C2 I)
MU = torch.tensor([0.5, -0.3], dtype=D)


def gaussian():
    return GaussianMixture([1.0], MU[None], (C2 * torch.eye(2, dtype=D))[None])


def test_ve_marginal_and_variance_ode():
    sde = VESDE(0.01, 10.0)
    t = torch.tensor([0.0, 0.3, 1.0], dtype=D)
    m, s = sde.marginal(t)
    assert torch.allclose(m, torch.ones(3, dtype=D))
    assert torch.allclose(s, torch.tensor([0.01, 0.01 * 1000 ** 0.3, 10.0], dtype=D))
    # d s^2 / dt = g^2 (the variance of x_t grows at rate g(t)^2 when f = 0)
    h = 1e-6
    ds2 = (sde.marginal(t + h)[1] ** 2 - sde.marginal(t - h)[1] ** 2) / (2 * h)
    assert torch.allclose(ds2, sde.diffusion(t) ** 2, rtol=1e-6)


def test_vp_marginal_and_moment_odes():
    sde = VPSDE(0.1, 20.0)
    t = torch.tensor([0.1, 0.5, 0.9], dtype=D)
    m, s = sde.marginal(t)
    assert torch.allclose(m ** 2 + s ** 2, torch.ones(3, dtype=D))  # variance preserving
    assert torch.allclose(m, torch.exp(-0.25 * t ** 2 * 19.9 - 0.05 * t))
    h = 1e-6
    dlogm = (torch.log(sde.marginal(t + h)[0]) - torch.log(sde.marginal(t - h)[0])) / (2 * h)
    assert torch.allclose(dlogm, -0.5 * sde.beta(t), rtol=1e-6)  # d m / dt = -beta m / 2
    assert float(sde.marginal(torch.tensor(1.0, dtype=D))[0]) < 0.01  # prior ~ N(0, I)


def test_divergence_of_a_linear_map_is_its_trace():
    A = torch.tensor([[1.0, 2.0], [-3.0, 0.5]], dtype=D)
    x = torch.randn(5, 2, dtype=D)
    y, div = divergence(lambda z: z @ A.T + z ** 2, x)
    assert torch.allclose(div, torch.full((5,), 1.5, dtype=D) + 2 * x.sum(1))


@pytest.mark.parametrize("sde", [VESDE(0.01, 10.0), VPSDE()], ids=["VE", "VP"])
def test_pf_ode_likelihood_of_a_gaussian_is_exact(sde):
    g = gaussian()
    x = g.sample(200, torch.Generator().manual_seed(0))
    logp, x_T = pf_ode_log_likelihood(sde, g.score_fn(sde), x, n_steps=40, eps=1e-5)
    # exact model density: the PF-ODE maps the SDE's prior onto p_eps, up to the prior mismatch
    # log pi(x_T) - log p_T(x_T); remove that to isolate the ODE solution
    mT, sT = sde.marginal(torch.tensor(1.0, dtype=D))
    mismatch = sde.prior_log_prob(x_T) - g.log_prob(x_T, mT, sT)
    me, se = sde.marginal(torch.tensor(1e-5, dtype=D))
    assert (logp - mismatch - g.log_prob(x, me, se)).abs().max() < 1e-3  # RK4, 40 steps
    if isinstance(sde, VPSDE):  # VP's prior matches p_T: close to the clean data density too
        assert (logp - g.log_prob(x)).abs().mean() < 0.01


@pytest.mark.parametrize("sde", [VESDE(0.01, 10.0), VPSDE()], ids=["VE", "VP"])
def test_pf_ode_transports_prior_to_data_for_a_gaussian(sde):
    g = gaussian()
    gen = torch.Generator().manual_seed(1)
    mT, sT = sde.marginal(torch.tensor(1.0, dtype=D))
    x_T = mT * MU + torch.sqrt(mT ** 2 * C2 + sT ** 2) * torch.randn(4000, 2, generator=gen, dtype=D)
    x0, nfe = pf_ode_sample(sde, g.score_fn(sde), x_T, n_steps=40, eps=1e-5)
    assert nfe == 160
    # for Gaussian data the flow is affine: x_0 - mu = (x_T - mT mu) * sqrt(C2 / (mT^2 C2 + sT^2))
    scale = math.sqrt(C2 / float(mT ** 2 * C2 + sT ** 2))
    me, se = (float(v) for v in sde.marginal(torch.tensor(1e-5, dtype=D)))
    scale = math.sqrt((me ** 2 * C2 + se ** 2) / float(mT ** 2 * C2 + sT ** 2))
    assert torch.allclose(x0 - me * MU, (x_T - mT * MU) * scale, atol=1e-4)


@pytest.mark.parametrize("sde,predictor", [(VESDE(0.01, 10.0), "euler_maruyama"),
                                           (VESDE(0.01, 10.0), "reverse_diffusion"),
                                           (VPSDE(), "euler_maruyama"), (VPSDE(), "reverse_diffusion")])
@pytest.mark.parametrize("corrector_steps", [0, 1])
def test_reverse_sde_recovers_gaussian_moments(sde, predictor, corrector_steps):
    g = gaussian()
    gen = torch.Generator().manual_seed(2)
    x_T = sde.prior_sample(5000, 2, gen)
    x, nfe = reverse_sde_sample(sde, g.score_fn(sde), x_T, 300, corrector_steps, predictor=predictor,
                                generator=gen)
    assert nfe == 300 * (1 + corrector_steps)
    assert torch.allclose(x.mean(0), MU, atol=0.03)  # 4 standard errors
    assert torch.allclose(x.var(0), torch.full((2,), C2, dtype=D), rtol=0.08)


def test_langevin_corrector_keeps_the_target():
    g = gaussian()
    sde = VESDE(0.01, 10.0)
    gen = torch.Generator().manual_seed(3)
    t = 0.5
    m, s = sde.marginal(torch.tensor(t, dtype=D))
    x = MU + torch.sqrt(C2 + s ** 2) * torch.randn(10000, 2, generator=gen, dtype=D)
    x = langevin_corrector(sde, g.score_fn(sde), x, t, n_steps=30, snr=0.16, generator=gen)
    assert torch.allclose(x.mean(0), MU, atol=0.03)
    # unadjusted Langevin inflates the variance by about eps / 2, eps ~ 2 snr^2 (C2 + s^2)
    assert torch.allclose(x.var(0) / (C2 + s ** 2), torch.ones(2, dtype=D), atol=0.06)


def test_dsm_loss_at_the_true_score_matches_closed_form():
    """For N(0, c^2 I) data and VE noise: E||s score + z||^2 = d c^2 / (c^2 + s^2) at the optimum."""
    sde = VESDE(0.01, 10.0)
    g = GaussianMixture([1.0], [[0.0, 0.0]], (C2 * torch.eye(2, dtype=D))[None])
    gen = torch.Generator().manual_seed(4)
    x0 = g.sample(400_000, gen)
    loss = dsm_loss(g.score_fn(sde), sde, x0, eps=1e-5, generator=gen)
    t = torch.linspace(1e-5, 1, 20001, dtype=D)
    closed = torch.trapezoid(2 * C2 / (C2 + sde.marginal(t)[1] ** 2), t) / (1 - 1e-5)
    assert abs(float(loss) - float(closed)) < 0.01
    worse = dsm_loss(lambda x, tt: 1.1 * g.score_fn(sde)(x, tt), sde, x0, generator=gen)
    assert float(worse) > float(loss)


def test_score_net_scaling_and_objective():
    torch.manual_seed(0)
    sde = VESDE(0.01, 10.0)
    net = ScoreNet(sde, 2, (16, 16))
    x, t = torch.randn(8, 2), torch.rand(8)
    out = net(x, t)
    assert out.shape == (8, 2)
    assert torch.allclose(net(x, 0.5), net(x, torch.full((8,), 0.5)))
    obj = DSMObjective(net, sde)
    assert obj(torch.randn(32, 2)).shape == (32,)


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError):
        VESDE(1.0, 0.5)
    g = gaussian()
    sde = VPSDE()
    with pytest.raises(ValueError):
        reverse_sde_sample(sde, g.score_fn(sde), torch.zeros(2, 2, dtype=D), 2, predictor="heun")
    with pytest.raises(ValueError):
        pf_ode_sample(sde, g.score_fn(sde), torch.zeros(2, 2, dtype=D), 2, method="rk45")


def test_ensemble_members_are_independent_score_nets():
    torch.manual_seed(0)
    sde = VESDE(0.01, 10.0)
    ens = ScoreNetEnsemble(sde, 3, 2, (16, 16))
    x, t = torch.randn(8, 3, 2), torch.rand(8, 3)
    out = ens(x, t)
    assert out.shape == (8, 3, 2)
    for k in range(3):
        member = ens.member(k)
        assert isinstance(member, ScoreNet)
        assert torch.allclose(member(x[:, k], t[:, k]), out[:, k], atol=1e-5, rtol=1e-5)
    # own initialisation: no two members share weights
    w = ens.weights[0]
    assert not torch.allclose(w[0], w[1]) and not torch.allclose(w[1], w[2])
    assert torch.allclose(ens(x, 0.5), ens(x, torch.full((8, 3), 0.5)))
    with pytest.raises(ValueError):
        ScoreNetEnsemble(sde, 0)


def test_ensemble_dsm_gradient_is_each_members_own_gradient():
    """The ensemble loss summed over members gives member k exactly the gradient of its own DSM loss."""
    torch.manual_seed(1)
    sde = VESDE(0.01, 10.0)
    ens = ScoreNetEnsemble(sde, 2, 2, (8,)).double()
    x0 = torch.randn(16, 2, 2, dtype=D)
    per = dsm_loss(ens, sde, x0, reduce=False, generator=torch.Generator().manual_seed(5))
    assert per.shape == (16, 2)
    per.mean(0).sum().backward()
    # the same (t, z) draws, replayed for member 1 alone
    g = torch.Generator().manual_seed(5)
    t = 1e-5 + (1 - 1e-5) * torch.rand(16, 2, generator=g, dtype=D)
    z = torch.randn(16, 2, 2, generator=g, dtype=D)
    member = ens.member(1).double()
    s = sde.marginal(t[:, 1])[1][:, None]
    own = ((s * member(x0[:, 1] + s * z[:, 1], t[:, 1]) + z[:, 1]) ** 2).sum(1)
    assert torch.allclose(own, per[:, 1].detach())
    own.mean().backward()
    first = [m for m in member.net if isinstance(m, torch.nn.Linear)][0]
    assert torch.allclose(first.weight.grad, ens.weights[0].grad[1])
    assert torch.allclose(first.bias.grad, ens.biases[0].grad[1])


def test_train_score_ensemble_learns_and_checks_shapes():
    torch.manual_seed(2)
    sde = VESDE(0.01, 10.0)
    g = gaussian()
    gen = torch.Generator().manual_seed(6)
    x = torch.stack([g.sample(512, gen), g.sample(512, gen)], 1)
    model, history = train_score_ensemble(sde, x, hidden=(32, 32), schedule=((15, 5e-3), (5, 1e-3)),
                                          batch_size=128, ema_decay=0.9, generator=gen)
    assert len(history) == 20 and history[-1] < history[0]
    assert not model.training and model.n_members == 2
    with pytest.raises(ValueError):
        train_score_ensemble(sde, x[:, 0], generator=gen)


def test_mmd_to_a_mixture_in_closed_form():
    gmm = asymmetric_mixture()
    gen = torch.Generator().manual_seed(7)
    # E_{p x p} k(Y, Y') in closed form against Monte Carlo over independent pairs
    y1, y2 = gmm.sample(200_000, gen), gmm.sample(200_000, gen)
    mc = torch.exp(-((y1 - y2) ** 2).sum(1) / (2 * 0.3 ** 2)).mean()
    x = gmm.sample(2, gen)
    # with two samples, MMD^2 = k(x1, x2) - mean_i E k(x_i, Y) * 2 + E k(Y, Y'); recover E k(Y, Y')
    k12 = torch.exp(-((x[0] - x[1]) ** 2).sum() / (2 * 0.3 ** 2))
    zero_self = mmd2_to_mixture(x, gmm, 0.3) - float(k12)
    far = mmd2_to_mixture(x + 100.0, gmm, 0.3) - float(k12)  # cross term vanishes far away
    assert abs(far - float(mc)) < 3e-3
    assert zero_self < far
    # the same quantity as the two-sample statistic against a large held-out set
    xs = gmm.sample(1500, gen)
    ref = gmm.sample(4000, gen).numpy()
    for shift in (0.0, 0.15):
        closed = mmd2_to_mixture(xs + shift, gmm, 0.2)
        assert abs(closed - mmd2_rbf((xs + shift).numpy(), ref, 0.2)) < 0.05 * abs(closed) + 8e-4  # the sampled reference adds noise of sd ~3e-4
    assert mmd2_to_mixture(xs + 0.15, gmm, 0.2) > 10 * abs(mmd2_to_mixture(xs, gmm, 0.2))
    with pytest.raises(ValueError):
        mmd2_to_mixture(xs[:1], gmm, 0.2)


def test_null_sd_of_the_mixture_mmd_matches_simulation():
    gmm = asymmetric_mixture()
    gen = torch.Generator().manual_seed(8)
    n = 200
    sd = mmd2_null_sd(gmm, 0.2, n, gen)
    null = torch.tensor([mmd2_to_mixture(gmm.sample(n, gen), gmm, 0.2) for _ in range(400)])
    assert abs(float(null.mean())) < 3 * sd / 20                # unbiased: mean zero under the null
    assert abs(float(null.std()) / sd - 1) < 0.15               # sd of a 400-draw sd is about 4-8 %
    # sd = sqrt(2 E h^2 / (n (n - 1))): only the Monte Carlo part E mu(X)^2 differs between calls
    expected = sd * math.sqrt(n * (n - 1) / (4 * n * (4 * n - 1)))
    assert mmd2_null_sd(gmm, 0.2, 4 * n, gen) == pytest.approx(expected, rel=0.02)
