"""Landscape slices, filter normalisation and the batch-norm rescaling (Li et al. 2018)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from repro.curvature import loss_landscape as ll
from repro.curvature.hessian import top_eigenpairs


def _bn_net():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.ReLU(), nn.Linear(7, 3)).double()
    net.train()
    with torch.no_grad():  # give the running statistics non-trivial values
        for _ in range(5):
            net(torch.randn(32, 5, dtype=torch.float64))
    return net.eval()


def test_filter_normalize_row_norms_and_zeroed_vectors():
    net = _bn_net()
    d = ll.filter_normalize(ll.gaussian_direction(net, torch.Generator().manual_seed(0)), net)
    for dd, p in zip(d, net.parameters()):
        if p.dim() <= 1:
            assert torch.all(dd == 0)
        else:
            assert torch.allclose(dd.norm(dim=1), p.detach().norm(dim=1))


def test_rescaling_preserves_function_and_filter_slice():
    net = _bn_net()
    X, y = torch.randn(20, 5, dtype=torch.float64), torch.randint(0, 3, (20,))
    loss = lambda m: F.cross_entropy(m(X), y).item()  # noqa: E731
    d = ll.filter_normalize(ll.gaussian_direction(net, torch.Generator().manual_seed(1)), net)
    ts = np.linspace(-1, 1, 7)
    base = ll.landscape(loss, net, d, ts)
    for alpha in (0.3, 4.0):
        new = ll.rescale_before_batchnorm(net, 0, 1, alpha)
        with torch.no_grad():
            assert torch.allclose(new(X), net(X), atol=1e-12)
        assert np.allclose(ll.landscape(loss, new, ll.filter_normalize(d, new), ts), base, atol=1e-12)
        raw = ll.landscape(loss, new, d, ts)  # same direction, not re-normalised: a different slice
        assert not np.allclose(raw, base, atol=1e-3)
    with pytest.raises(ValueError):
        ll.rescale_before_batchnorm(net, 0, 1, -1.0)


def test_landscape_restores_weights_and_2d_shape():
    net = _bn_net()
    before = [p.detach().clone() for p in net.parameters()]
    d = ll.gaussian_direction(net, torch.Generator().manual_seed(2))
    out = ll.landscape(lambda m: float(sum(p.sum() for p in m.parameters())), net, d, [0.0, 1.0], d, [0.0, 2.0, 3.0])
    assert out.shape == (2, 3)
    s0 = float(sum(p.sum() for p in before))
    sd = float(sum(x.sum() for x in d))
    assert out[1, 2] == pytest.approx(s0 + 4 * sd)  # linear loss: theta + 1 d + 3 d
    for p, b in zip(net.parameters(), before):
        assert torch.equal(p, b)


def test_curvature_of_a_parabola_and_top_eigenvectors_of_a_quadratic():
    ts = np.linspace(-1, 1, 9)
    assert ll.curvature_1d(ts, 3 * ts ** 2 + ts + 1) == pytest.approx(6.0)
    A = torch.diag(torch.tensor([5.0, 2.0, 1.0, -1.0], dtype=torch.float64))
    w = nn.Parameter(torch.tensor([0.3, -0.2, 0.1, 0.5], dtype=torch.float64))
    vals, vecs = top_eigenpairs(lambda: 0.5 * w @ A @ w, [w], k=2)
    assert np.allclose(vals, [5.0, 2.0])
    assert torch.allclose(vecs[:, 0].abs(), torch.tensor([1.0, 0, 0, 0], dtype=torch.float64), atol=1e-6)
    assert ll.direction_norm(ll.to_list(vecs[:, 0], nn.Linear(2, 1).double())) == pytest.approx(1.0)
