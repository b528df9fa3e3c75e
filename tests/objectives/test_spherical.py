"""Tests of repro.objectives against formulas, limiting cases and a hand-derived gradient."""
import math

import pytest
import torch
import torch.nn.functional as F

from repro import objectives


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    o = torch.randn(16, 7, generator=g, dtype=torch.float64)
    y = torch.randint(0, 7, (16,), generator=g)
    return o, y


def test_cross_entropy_is_log_softmax_and_uniform_gives_log_d(batch):
    o, y = batch
    expected = -(o.gather(1, y[:, None])[:, 0] - torch.logsumexp(o, 1))
    assert torch.allclose(objectives.cross_entropy(o, y, reduction="none"), expected)
    assert objectives.cross_entropy(torch.zeros(3, 7), torch.tensor([0, 3, 6])).item() == pytest.approx(math.log(7))


def test_mse_matches_one_hot_formula_and_vanishes_on_target(batch):
    o, y = batch
    expected = ((o - F.one_hot(y, 7).double()) ** 2).sum(1)
    assert torch.allclose(objectives.mse_onehot(o, y, reduction="none"), expected)
    assert objectives.mse_onehot(F.one_hot(y, 7).double(), y).item() == 0.0


def test_taylor_softmax_limits(batch):
    o, y = batch
    p = objectives.taylor_softmax(o)
    assert torch.allclose(p.sum(1), torch.ones(16, dtype=torch.float64)) and (p > 0).all()
    # equal outputs: uniform, loss log D
    assert objectives.log_taylor_softmax_loss(torch.full((2, 7), 3.0), y[:2]).item() == pytest.approx(math.log(7))
    # small outputs: agrees with the softmax up to third order
    eps = 1e-2
    assert (objectives.taylor_softmax(eps * o) - torch.softmax(eps * o, 1)).abs().max() < 10 * eps ** 3
    # the generic series (order 4) equals the closed form and is closer to the softmax
    f4 = 1 + o + o ** 2 / 2 + o ** 3 / 6 + o ** 4 / 24
    assert torch.allclose(objectives.taylor_softmax(o, order=4), f4 / f4.sum(1, keepdim=True))
    with pytest.raises(ValueError):
        objectives.taylor_softmax(o, order=3)


def test_z_normalize_has_zero_mean_unit_population_std(batch):
    z = objectives.z_normalize(batch[0])
    assert torch.allclose(z.mean(1), torch.zeros(16, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(z.std(1, unbiased=False), torch.ones(16, dtype=torch.float64))


def test_z_loss_formula(batch):
    o, y = batch
    a, b = 1.7, 2.5
    zc = objectives.z_normalize(o).gather(1, y[:, None])[:, 0]
    expected = torch.log1p(torch.exp(a * (b - zc))) / a
    assert torch.allclose(objectives.z_loss(o, y, a=a, b=b, reduction="none"), expected)


@pytest.mark.parametrize("alpha,beta", [(1e-3, 0.0), (1e3, -1e3), (0.5, 7.0), (1.0, 1e3)])
def test_z_loss_shift_and_scale_invariant(batch, alpha, beta):
    o, y = batch
    ref = objectives.z_loss(o, y, a=2.0, b=1.0, reduction="none")
    assert torch.allclose(objectives.z_loss(alpha * o + beta, y, a=2.0, b=1.0, reduction="none"), ref,
                          rtol=0, atol=1e-9)


def test_other_losses_lack_the_invariances(batch):
    o, y = batch
    ce = objectives.cross_entropy
    assert torch.allclose(ce(o + 5.0, y), ce(o, y))          # shift-invariant
    assert not torch.allclose(ce(3.0 * o, y), ce(o, y))      # not scale-invariant
    for fn in (objectives.mse_onehot, objectives.log_taylor_softmax_loss):
        assert not torch.allclose(fn(o + 1.0, y), fn(o, y))
        assert not torch.allclose(fn(3.0 * o, y), fn(o, y))
    # a negative scale reverses the ranking: the Z-loss must change
    assert not torch.allclose(objectives.z_loss(-o, y), objectives.z_loss(o, y))


def test_z_loss_limits():
    d, c = 10, 3
    best = F.one_hot(torch.tensor([c]), d).double()       # target up, all others equal
    z_best = objectives.z_normalize(best)[0, c].item()
    assert z_best == pytest.approx(objectives.z_bound(d))     # sqrt(D-1) is attained
    a, b = 1.0, 2.0
    assert objectives.z_loss(best, torch.tensor([c]), a=a, b=b).item() == pytest.approx(
        math.log1p(math.exp(a * (b - math.sqrt(d - 1)))) / a)
    # a -> infinity: the hinge max(0, b - z_c)
    o = torch.randn(32, d, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y = torch.arange(32) % d
    zc = objectives.z_normalize(o).gather(1, y[:, None])[:, 0]
    hinge = torch.clamp(b - zc, min=0)
    assert torch.allclose(objectives.z_loss(o, y, a=1e4, b=b, reduction="none"), hinge, atol=1e-4)
    # better rank of the target, lower loss
    assert objectives.z_loss(best, torch.tensor([c])) < objectives.z_loss(-best, torch.tensor([c]))
    with pytest.raises(ValueError):
        objectives.z_loss(o, y, a=0.0)


def test_spherical_form_matches(batch):
    o, y = batch
    oc, s, q = objectives.spherical_stats(o, y)
    assert torch.allclose(objectives.z_loss_from_stats(oc, s, q, 7, a=0.7, b=3.0),
                          objectives.z_loss(o, y, a=0.7, b=3.0, reduction="none"))
    assert torch.allclose(q - 2 * oc + 1, objectives.mse_onehot(o, y, reduction="none"))
    taylor = -torch.log((1 + oc + oc ** 2 / 2) / (7 + s + q / 2))
    assert torch.allclose(taylor, objectives.log_taylor_softmax_loss(o, y, reduction="none"))


@pytest.mark.parametrize("a,b", [(1.0, 0.0), (0.5, 3.0), (4.0, -1.0)])
def test_z_loss_autograd_matches_hand_gradient(batch, a, b):
    o, y = batch
    o = o.clone().requires_grad_(True)
    objectives.z_loss(o, y, a=a, b=b, reduction="sum").backward()
    assert torch.allclose(o.grad, objectives.z_loss_grad(o.detach(), y, a=a, b=b), atol=1e-12)
    # the gradient is orthogonal to shifts and to o itself (the two invariances)
    g = o.grad
    assert torch.allclose(g.sum(1), torch.zeros(16, dtype=torch.float64), atol=1e-12)
    assert torch.allclose((g * o.detach()).sum(1), torch.zeros(16, dtype=torch.float64), atol=1e-12)


def test_make_loss_and_reduction(batch):
    o, y = batch
    fn = objectives.make_loss("Z-loss", a=2.0, b=1.0)
    assert fn(o, y).item() == pytest.approx(objectives.z_loss(o, y, a=2.0, b=1.0).item())
    assert set(objectives.SPHERICAL) < set(objectives.LOSSES)
    assert objectives.z_loss(o, y, reduction="sum").item() == pytest.approx(16 * objectives.z_loss(o, y).item())
    with pytest.raises(ValueError):
        objectives.make_loss("hinge")
    with pytest.raises(ValueError):
        objectives.mse_onehot(o, y, reduction="max")
