import numpy as np
import pytest
import torch
from scipy import stats

from repro.papers.kernels import neural_processes as nps


def _batch(seed=0, B=3, n_ctx=7, n=12):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(B, n, 1, generator=g) * 4 - 2
    y = torch.sin(3 * x) + 0.1 * torch.randn(B, n, 1, generator=g)
    return nps.TaskBatch(x, y, n_ctx, [None] * B)


def test_gaussian_logpdf_matches_scipy():
    y, m, s = torch.tensor([0.3, -1.0, 2.5]), torch.tensor([0.0, 0.5, 2.0]), torch.tensor([0.1, 1.0, 3.0])
    got = nps.gaussian_logpdf(y, m, s).numpy()
    np.testing.assert_allclose(got, stats.norm.logpdf(y.numpy(), m.numpy(), s.numpy()), rtol=1e-5)


def test_logmeanexp_and_predictive_ll():
    a = torch.tensor([[-1.0, 2.0], [0.5, -300.0], [3.0, 1.0]])
    want = np.log(np.mean(np.exp(a.double().numpy()), axis=0))
    np.testing.assert_allclose(nps.logmeanexp(a, 0).numpy(), want, rtol=1e-6)
    # a two-component equal mixture: per-point log density of the mixture
    mean = torch.tensor([0.0, 1.0]).view(2, 1, 1, 1)
    std = torch.tensor([1.0, 0.5]).view(2, 1, 1, 1)
    y = torch.tensor([0.7]).view(1, 1, 1)
    got = nps.predictive_ll(mean, std, y).item()
    want = np.log(0.5 * stats.norm.pdf(0.7, 0, 1) + 0.5 * stats.norm.pdf(0.7, 1, 0.5))
    assert abs(got - want) < 1e-6


def test_sample_batch_shapes_and_sizes():
    rng = np.random.default_rng(0)
    for kind in nps.KERNELS:
        b = nps.sample_batch(kind, 4, rng, max_points=20)
        n = b.x.shape[1]
        assert b.x.shape == b.y.shape == (4, n, 1)
        assert 3 <= b.n_ctx <= 17 and 3 <= n - b.n_ctx <= 20 - b.n_ctx
        assert float(b.x.abs().max()) <= 2.0 and len(b.kernels) == 4
    with pytest.raises(ValueError):
        nps.draw_kernel("linear", rng)


@pytest.mark.parametrize("name", ["CNP", "NP", "MPNP"])
def test_forward_shapes_and_finite_loss(name):
    torch.manual_seed(0)
    model = nps.MODELS[name](hidden=16)
    b = _batch()
    mean, std = model(b.xc, b.yc, b.x, n_samples=5)
    S = 1 if name == "CNP" else 5
    assert mean.shape == std.shape == (S, 3, 12, 1)
    assert bool((std >= 0.1).all())
    loss = model.loss(b)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_isab_is_permutation_equivariant():
    torch.manual_seed(0)
    isab = nps.ISAB(8, n_inducing=3)
    x = torch.randn(2, 6, 8)
    perm = torch.randperm(6)
    torch.testing.assert_close(isab(x[:, perm]), isab(x)[:, perm], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["CNP", "NP", "MPNP"])
def test_predictions_invariant_to_context_order(name):
    torch.manual_seed(0)
    model = nps.MODELS[name](hidden=16)
    b = _batch(1)
    perm = torch.randperm(b.n_ctx)
    torch.manual_seed(5)
    m1, s1 = model(b.xc, b.yc, b.x, n_samples=3)
    torch.manual_seed(5)  # same noise: z draws / pseudo-context noise
    m2, s2 = model(b.xc[:, perm], b.yc[:, perm], b.x, n_samples=3)
    torch.testing.assert_close(m1, m2, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(s1, s2, atol=1e-5, rtol=1e-5)


def test_mpnp_pseudo_contexts_are_exchangeable():
    # permuting the noise vectors permutes the generated pseudo contexts
    torch.manual_seed(0)
    model = nps.MPNP(hidden=16)
    rc = torch.randn(2, 5, 16)
    eps = torch.randn(3, 2, 4, 16)
    perm = torch.randperm(4)
    out = model.out(model.isab(model.cross(eps, rc[None])))
    out_p = model.out(model.isab(model.cross(eps[:, :, perm], rc[None])))
    torch.testing.assert_close(out_p, out[:, :, perm], atol=1e-5, rtol=1e-5)


def test_mpnp_without_pseudo_contexts_is_its_cnp_path():
    torch.manual_seed(0)
    mp = nps.MPNP(hidden=16, pseudo_ratio=0.0, n_samples_train=3)
    cnp = nps.CNP(hidden=16)
    cnp.load_state_dict({k: v for k, v in mp.state_dict().items() if k.split(".")[0] in ("enc", "dec")})
    b = _batch(2)
    m1, s1 = mp(b.xc, b.yc, b.x, n_samples=4)
    m0, s0 = cnp(b.xc, b.yc, b.x)
    torch.testing.assert_close(m1, m0.expand_as(m1))
    torch.testing.assert_close(s1, s0.expand_as(s1))
    # L_marg over K identical draws is the CNP loss, and L_amort is the CNP loss too
    torch.testing.assert_close(mp.loss(b), 2 * cnp.loss(b), atol=1e-5, rtol=1e-5)


def test_pseudo_contexts_change_the_prediction():
    torch.manual_seed(0)
    mp = nps.MPNP(hidden=16, pseudo_ratio=1.0)
    b = _batch(3)
    with torch.no_grad():
        mean, _ = mp(b.xc, b.yc, b.x, n_samples=4)
    assert float(mean.std(0).mean()) > 1e-4  # different draws of Z' give different functions


def test_np_elbo_kl_vanishes_when_target_equals_context():
    torch.manual_seed(0)
    model = nps.LatentNP(hidden=16)
    b = _batch(4, n_ctx=12, n=12)  # context = all points: q(z | C u T) = q(z | C)
    prior, post = model.latent(b.xc, b.yc), model.latent(b.x, b.y)
    kl = torch.distributions.kl_divergence(post, prior).sum()
    assert kl.item() < 1e-10


def test_baselines_and_evaluate():
    rng = np.random.default_rng(1)
    batches = [nps.sample_batch("rbf", 5, rng, max_points=30) for _ in range(3)]
    const = nps.constant_baseline(batches)
    oracle = nps.gp_oracle(batches)
    assert const["tar"].shape == oracle["tar"].shape == (15,)
    assert oracle["tar"].mean() > const["tar"].mean()  # the true posterior beats a constant
    res = nps.evaluate(nps.MPNP(hidden=8), batches, n_samples=3)
    assert res["ctx"].shape == res["tar"].shape == (15,) and np.isfinite(res["tar"]).all()


def test_meta_train_reduces_cnp_loss():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    batches = [nps.sample_batch("rbf", 8, rng, max_points=20) for _ in range(10)]
    model = nps.CNP(hidden=16)
    losses = nps.meta_train(model, batches, steps=200, lr=3e-3)
    # the same 10 batches are cycled: compare the first pass over them with the last
    assert np.mean(losses[-10:]) < np.mean(losses[:10]) - 0.05


def test_deterministic_mpnp_control_matches_mpnp_capacity_and_has_no_spread():
    torch.manual_seed(0)
    mp = nps.MPNP(hidden=16)
    det = nps.MPNP(hidden=16, stochastic=False, n_samples_train=1)
    det.load_state_dict(mp.state_dict())  # same parameters, same names
    assert sum(p.numel() for p in det.parameters()) == sum(p.numel() for p in mp.parameters())
    b = _batch(5)
    with torch.no_grad():
        mean, std = det(b.xc, b.yc, b.x, n_samples=4)
    assert float(mean.std(0).max()) == 0.0 and float(std.std(0).max()) == 0.0
    # L_marg over K identical draws is L_marg over one draw
    det4 = nps.MPNP(hidden=16, stochastic=False, n_samples_train=4)
    det4.load_state_dict(mp.state_dict())
    torch.testing.assert_close(det4.loss(b), det.loss(b), atol=1e-6, rtol=1e-6)
    # its pseudo contexts still change the prediction (the control keeps the generator's capacity)
    cnp = nps.CNP(hidden=16)
    cnp.load_state_dict({k: v for k, v in mp.state_dict().items() if k.split(".")[0] in ("enc", "dec")})
    with torch.no_grad():
        m0, _ = cnp(b.xc, b.yc, b.x)
    assert float((mean[0] - m0[0]).abs().max()) > 1e-4
    # evaluate() uses a single draw for the deterministic control
    res = nps.evaluate(det, [b], n_samples=5)
    assert res["tar"].shape == (3,)
