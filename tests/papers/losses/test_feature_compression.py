"""Tests of repro.papers.losses.feature_compression (Chen et al., 2022; Co-teaching, Han et al., 2018)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from repro.papers.losses import feature_compression as fc


def test_nested_distribution_formula():
    p = fc.nested_distribution(5, sigma=2.0)
    w = np.exp(-(np.arange(1, 6) / 2.0) ** 2)
    assert np.allclose(p, w / w.sum()) and p.sum() == pytest.approx(1.0)
    assert np.all(np.diff(p) < 0)     # mu = 0: smaller k more likely


def test_nested_dropout_keeps_a_prefix_with_the_right_frequencies():
    layer = fc.NestedDropout(8, sigma=3.0, generator=torch.Generator().manual_seed(0))
    ks = np.array([layer.sample_k() for _ in range(20000)])
    freq = np.bincount(ks, minlength=9)[1:] / len(ks)
    assert np.abs(freq - fc.nested_distribution(8, 3.0)).max() < 0.01
    h = torch.ones(4, 8)
    out = layer(h)
    k = int(out[0].sum())
    assert torch.equal(out, torch.cat([torch.ones(4, k), torch.zeros(4, 8 - k)], 1))
    layer.eval()
    assert torch.equal(layer(h), h)
    layer.k = 3
    assert layer(h).sum(1).eq(3).all()


def test_logits_per_k_matches_truncated_forward():
    torch.manual_seed(0)
    net = fc.FeatureNet(6, [16], 12, 4, "nested", sigma=3.0).eval()
    x = torch.randn(5, 6)
    per_k = net.logits_per_k(x)
    assert per_k.shape == (12, 5, 4)
    for k in (1, 5, 12):
        net.compress.k = k
        assert torch.allclose(per_k[k - 1], net(x), atol=1e-6)


def test_choose_k_picks_best_and_smallest_tie():
    torch.manual_seed(1)
    net = fc.FeatureNet(3, [8], 6, 3, "nested", sigma=2.0).eval()
    x = torch.randn(40, 3)
    y = net.logits_per_k(x)[3].argmax(1)         # labels that k = 4 predicts perfectly
    k, acc = fc.choose_k(net, x, y)
    assert acc[k - 1] == acc.max() == 1.0 and k <= 4


def test_dropout_and_plain_nets():
    net = fc.FeatureNet(3, [8], 6, 3, "dropout", p=0.5)
    assert isinstance(net.compress, torch.nn.Dropout)
    with pytest.raises(ValueError):
        fc.FeatureNet(3, [8], 6, 3, "pca")


def test_small_loss_selection_and_cross_update():
    logits = torch.tensor([[5.0, 0.0], [0.0, 5.0], [1.0, 0.0], [0.0, 0.1]])
    y = torch.tensor([0, 0, 0, 0])                 # losses: small, large, medium, medium-large
    idx = fc.small_loss_indices(logits, y, forget_rate=0.5)
    assert sorted(idx.tolist()) == [0, 2]
    other = torch.zeros(4, 2)                      # net 2: all losses equal -> keeps the first two
    loss = fc.CoTeachingLoss(0.5)(torch.stack([logits, other]), y)
    expect = F.cross_entropy(logits[[0, 1]], y[[0, 1]]) + F.cross_entropy(other[[0, 2]], y[[0, 2]])
    assert torch.allclose(loss, expect)


def test_forget_rate_schedule():
    assert fc.forget_rate(0, 0.4, 10) == 0.0
    assert fc.forget_rate(5, 0.4, 10) == pytest.approx(0.2)
    assert fc.forget_rate(50, 0.4, 10) == pytest.approx(0.4)


def test_pair_stacks_logits():
    a, b = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    x = torch.randn(4, 3)
    out = fc.CoTeachingPair(a, b)(x)
    assert out.shape == (2, 4, 2) and torch.equal(out[1], b(x))
