"""Tests for repro.papers.losses.multi_sample_dropout (Inoue 2019): limiting cases and the averaged loss."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from repro.papers.losses.multi_sample_dropout import (MultiSampleDropoutHead, dropout_objective,
                                                      dropout_samples, mlp_msd, multi_sample_loss)


def _data(n=16, d=12, c=5):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, d, generator=g), torch.randint(0, c, (n,), generator=g)


def test_one_sample_is_standard_dropout():
    h, y = _data()
    head = MultiSampleDropoutHead(12, 5, n_samples=1, p=0.5).train()
    torch.manual_seed(3)
    loss_msd = multi_sample_loss(head(h), y)
    torch.manual_seed(3)
    loss_std = F.cross_entropy(head.head(nn.Dropout(0.5).train()(h)), y)
    assert torch.equal(loss_msd, loss_std)


def test_p_zero_equals_plain_loss():
    h, y = _data()
    head = MultiSampleDropoutHead(12, 5, n_samples=8, p=0.0).train()
    torch.testing.assert_close(multi_sample_loss(head(h), y), F.cross_entropy(head.head(h), y))


def test_loss_is_mean_over_samples_and_masks_are_sequential_dropout_calls():
    h, y = _data()
    head = MultiSampleDropoutHead(12, 5, n_samples=4, p=0.3).train()
    torch.manual_seed(7)
    logits = head(h)
    torch.manual_seed(7)
    manual = [F.cross_entropy(head.head(F.dropout(h, 0.3, True)), y) for _ in range(4)]
    assert logits.shape == (4, 16, 5)
    torch.testing.assert_close(multi_sample_loss(logits, y), torch.stack(manual).mean())
    # the samples differ (independent masks) and each keeps about 1 - p of the units
    s = dropout_samples(torch.ones(4000), 3, 0.3)
    assert not torch.equal(s[0], s[1])
    assert abs((s > 0).float().mean().item() - 0.7) < 0.03
    assert torch.allclose(s[s > 0], torch.tensor(1 / 0.7))


def test_gradient_is_mean_of_per_sample_gradients():
    h, y = _data()
    head = MultiSampleDropoutHead(12, 5, n_samples=3, p=0.5).train()
    torch.manual_seed(1)
    multi_sample_loss(head(h), y).backward()
    g_multi = head.head.weight.grad.clone()
    torch.manual_seed(1)
    grads = []
    for _ in range(3):
        head.zero_grad()
        F.cross_entropy(head.head(F.dropout(h, 0.5, True)), y).backward()
        grads.append(head.head.weight.grad.clone())
    torch.testing.assert_close(g_multi, torch.stack(grads).mean(0))


def test_eval_mode_is_deterministic_plain_head():
    h, _ = _data()
    net = mlp_msd(12, [8], 5, n_samples=8, p=0.5).eval()
    out = net(h)
    assert out.shape == (16, 5)
    torch.testing.assert_close(out, net.head.head(net.body(h)))
    assert multi_sample_loss(out, torch.zeros(16, dtype=torch.long)).dim() == 0


def test_variance_of_loss_shrinks_like_one_over_m():
    h, y = _data(n=4)
    head = MultiSampleDropoutHead(12, 5, n_samples=1, p=0.5).train()
    torch.manual_seed(0)
    with torch.no_grad():
        single = torch.stack([multi_sample_loss(head(h), y) for _ in range(4000)])
        head.n_samples = 8
        multi = torch.stack([multi_sample_loss(head(h), y) for _ in range(1000)])
    assert abs(multi.mean() - single.mean()) < 0.05 * single.mean()   # same expected objective
    ratio = single.var() / multi.var()
    assert 6.0 < ratio < 10.5


def test_dropout_objective_reproducible_and_p_zero():
    X, y = _data()
    net = mlp_msd(12, [8], 5, n_samples=2, p=0.5)
    a = dropout_objective(net, X, y, 4, torch.Generator().manual_seed(5))
    b = dropout_objective(net, X, y, 4, torch.Generator().manual_seed(5))
    assert a == b
    net0 = mlp_msd(12, [8], 5, n_samples=2, p=0.0)
    with torch.no_grad():
        plain = F.cross_entropy(net0.head.head(net0.body(X)), y).item()
    assert dropout_objective(net0, X, y, 3, torch.Generator().manual_seed(0)) == pytest.approx(plain, rel=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError):
        MultiSampleDropoutHead(4, 2, n_samples=0)
    with pytest.raises(ValueError):
        MultiSampleDropoutHead(4, 2, p=1.0)
