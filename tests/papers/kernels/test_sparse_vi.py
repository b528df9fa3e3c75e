import math

import numpy as np
import torch
from scipy import stats
from torch.nn import functional as F

from repro.nn.bnn import kl_divergence
from repro.papers.kernels import sparse_vi as sv


def test_folded_snr_matches_scipy_foldnorm_and_limits():
    mu = torch.tensor([0.0, 0.3, -1.0, 2.5], dtype=torch.float64)
    sd = torch.tensor([1.0, 0.5, 2.0, 0.4], dtype=torch.float64)
    got = sv.removal_score(mu, sd, "folded_snr").numpy()
    want = [stats.foldnorm(abs(m) / s, scale=s).mean() / stats.foldnorm(abs(m) / s, scale=s).std()
            for m, s in zip(mu.tolist(), sd.tolist())]
    np.testing.assert_allclose(got, want, rtol=1e-8)
    # mu = 0: SNR of the half-normal, sqrt(2/pi) / sqrt(1 - 2/pi)
    assert abs(got[0] - math.sqrt(2 / math.pi) / math.sqrt(1 - 2 / math.pi)) < 1e-10
    # far from zero the folded SNR tends to |mu| / sigma
    big = sv.removal_score(torch.tensor([30.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64))
    assert abs(big.item() - 30.0) < 1e-6
    np.testing.assert_allclose(sv.removal_score(mu, sd, "snr").numpy(), (mu.abs() / sd).numpy())


def test_random_masks_exact_counts():
    model = sv.bayes_mlp(10, [20, 30], 4)
    sv.random_masks(model, 0.1, torch.Generator().manual_seed(0))
    for m in sv.bayes_layers(model):
        assert int(m.mask.sum()) == round(0.1 * m.mask.numel())
    assert abs(sv.weight_density(model) - (20 + 60 + 12) / (200 + 600 + 120)) < 1e-12


def test_elbo_loss_is_ce_plus_scaled_kl():
    torch.manual_seed(0)
    model = sv.bayes_mlp(3, [5], 2)
    out, y = torch.randn(4, 2), torch.tensor([0, 1, 1, 0])
    loss = sv.elbo_loss(model, n_train=50, kl_weight=0.3)(out, y)
    want = F.cross_entropy(out, y) + 0.3 * kl_divergence(model) / 50
    assert abs(loss.item() - want.item()) < 1e-6


def test_mean_forward_gradients_match_autograd_of_dense_mean_network():
    torch.manual_seed(0)
    model = sv.bayes_mlp(4, [6], 3)
    X, y = torch.randn(9, 4), torch.randint(0, 3, (9,))
    l1, l2 = sv.bayes_layers(model)
    with torch.no_grad():
        l1.mask[0, :2] = 0.0
    grads = sv.mean_forward_gradients(model, X, y)
    W1 = (l1.w_mu * l1.mask).detach().requires_grad_(True)
    W2 = l2.w_mu.detach().clone().requires_grad_(True)
    logits = F.linear(F.relu(F.linear(X, W1, l1.b_mu)), W2, l2.b_mu)
    g1, g2 = torch.autograd.grad(F.cross_entropy(logits, y), [W1, W2])
    assert torch.allclose(grads[0], g1) and torch.allclose(grads[1], g2)
    assert grads[0][0, :2].abs().sum() > 0  # defined at the inactive positions


def _sparse_model():
    torch.manual_seed(1)
    model = sv.bayes_mlp(6, [8], 3)
    sv.random_masks(model, 0.5, torch.Generator().manual_seed(2))
    return model


def test_ssvi_update_keeps_count_drops_lowest_and_reinitialises_new_weights():
    model = _sparse_model()
    X, y = torch.randn(32, 6), torch.randint(0, 3, (32,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    opt.step()  # creates Adam state
    layer = sv.bayes_layers(model)[0]
    old = layer.mask.clone() > 0
    score = sv.removal_score(layer.w_mu, sv.sigma(layer), "folded_snr").detach()
    n_on = int(old.sum())
    n_move = int(0.25 * n_on)
    keep = torch.zeros_like(old)
    keep.view(-1)[torch.where(old.view(-1), score.view(-1), torch.tensor(-math.inf)).argsort(descending=True)[: n_on - n_move]] = True
    ssvi = sv.SSVI(model, opt, X, y, T_end=100, delta=10, grad_batch=len(X),
                   generator=torch.Generator().manual_seed(3))
    grads = sv.mean_forward_gradients(model, X, y)  # grad_batch = len(X): the same batch, permuted
    rho_before = layer.w_rho.detach().clone()
    ssvi.update(0.25)
    new_mask = layer.mask > 0
    assert int(new_mask.sum()) == n_on
    assert torch.all(new_mask[keep])  # the top-scoring active weights survive
    new = new_mask & ~old
    assert new.any()
    assert torch.all(layer.w_mu[new] == 0)
    assert torch.allclose(layer.w_rho[new], rho_before[keep].mean().expand(int(new.sum())))
    st = opt.state[layer.w_mu]
    assert torch.all(st["exp_avg"][new] == 0) and torch.all(st["exp_avg_sq"][new] == 0)
    # the added weights have the largest |grad| among the positions outside the kept set
    g = grads[0].abs()
    grown = new_mask & ~keep
    assert int(grown.sum()) == n_move
    assert g[grown].min() >= g[~keep & ~grown].max() - 1e-6


def test_ssvi_schedule_density_constant_and_stops_at_T_end():
    model = _sparse_model()
    X, y = torch.randn(32, 6), torch.randint(0, 3, (32,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ssvi = sv.SSVI(model, opt, X, y, T_end=35, delta=10, alpha=0.3, growth="random",
                   generator=torch.Generator().manual_seed(0))
    d0 = sv.weight_density(model)
    for _ in range(60):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
        ssvi()
    assert ssvi.n_updates == 3  # steps 10, 20, 30
    assert max(ssvi.density_trace) == min(ssvi.density_trace) == d0
    assert abs(ssvi.drop_fraction(0) - 0.3) < 1e-12 and abs(ssvi.drop_fraction(35)) < 1e-12


def test_prune_posthoc_keeps_top_scores():
    torch.manual_seed(0)
    model = sv.bayes_mlp(5, [4], 2)
    sv.prune_posthoc(model, 0.25, "magnitude")
    for m in sv.bayes_layers(model):
        k = round(0.25 * m.mask.numel())
        assert int(m.mask.sum()) == k
        assert m.w_mu.abs()[m.mask > 0].min() >= m.w_mu.abs()[m.mask == 0].max()


def test_training_flops_by_hand():
    # one 10x20 layer at density 0.1: 20 active weights; 12 FLOPs per weight, example and step
    assert sv.training_flops([(10, 20)], 0.1, steps=3, batch_size=4) == 12 * 20 * 4 * 3
    extra = sv.training_flops([(10, 20)], 0.1, steps=3, batch_size=4, n_updates=2, grad_batch=5)
    assert extra - 12 * 20 * 4 * 3 == (4 * 20 + 2 * 200) * 5 * 2  # sparse passes, dense weight gradient
    dense = sv.training_flops([(10, 20)], 0.1, steps=3, batch_size=4, n_updates=2, grad_batch=5,
                              dense_growth_pass=True)
    assert dense - 12 * 20 * 4 * 3 == 6 * 200 * 5 * 2
    # density 1 and no updates: 12 FLOPs per weight, example and step
    assert sv.training_flops([(3, 4), (4, 2)], 1.0, steps=1, batch_size=1) == 12 * 20
