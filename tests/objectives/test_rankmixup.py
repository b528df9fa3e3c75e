"""Tests for repro.objectives.rankmixup: MRL and M-NDCG (Noh et al., ICCV 2023)."""
import math

import pytest
import torch
import torch.nn.functional as F

from repro.objectives import rankmixup as rm


def test_mix_batch_convex_combination():
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0], [4.0, 4.0]])
    y = torch.tensor([0, 1, 1])
    perm = torch.tensor([1, 2, 0])
    xm, tm = rm.mix_batch(x, y, 3, 0.7, perm)
    assert torch.allclose(xm[0], 0.7 * x[0] + 0.3 * x[1])
    assert torch.allclose(tm[0], torch.tensor([0.7, 0.3, 0.0]))
    assert torch.allclose(tm[1], torch.tensor([0.0, 1.0, 0.0]))  # same class: still one-hot
    assert torch.allclose(tm.sum(1), torch.ones(3))
    assert torch.allclose(rm.relevance(tm), torch.tensor([0.7, 1.0, 0.7]))


def test_mrl_hand_example_and_mask():
    raw = torch.tensor([[3.0, 0.0], [1.0, 0.5], [2.0, 0.0]])
    mix = torch.tensor([[0.5, 2.0], [1.5, 0.0], [5.0, 0.0]])
    targets = torch.tensor([[0.6, 0.4], [0.3, 0.7], [1.0, 0.0]])  # last row: same-class mixture
    per = rm.mrl(raw, mix, targets, margin=1.0, reduction="none")
    # row 0: max(0, 2 - 3 + 1) = 0; row 1: max(0, 1.5 - 1 + 1) = 1.5; row 2 masked out
    assert torch.allclose(per, torch.tensor([0.0, 1.5, 0.0]))
    assert rm.mrl(raw, mix, targets, margin=1.0).item() == pytest.approx(0.5)


def test_mrl_probability_version():
    raw = torch.tensor([[2.0, 0.0]])
    mix = torch.tensor([[0.0, 0.0]])
    t = torch.tensor([[0.5, 0.5]])
    p_raw = 1 / (1 + math.exp(-2.0))
    assert rm.mrl(raw, mix, t, margin=0.1, on="prob").item() == pytest.approx(max(0, 0.5 - p_raw + 0.1))
    assert rm.mrl(raw, mix, t, margin=0.6, on="prob").item() == pytest.approx(0.5 - p_raw + 0.6)
    with pytest.raises(ValueError):
        rm.mrl(raw, mix, t, on="rank")


def test_mrl_gradient_lowers_mixed_and_raises_raw_top_logit():
    raw = torch.tensor([[1.0, 0.0, -1.0]], requires_grad=True)
    mix = torch.tensor([[0.2, 0.9, 0.0]], requires_grad=True)
    rm.mrl(raw, mix, torch.tensor([[0.4, 0.6, 0.0]]), margin=2.0).backward()
    assert torch.allclose(raw.grad, torch.tensor([[-1.0, 0.0, 0.0]]))
    assert torch.allclose(mix.grad, torch.tensor([[0.0, 1.0, 0.0]]))


def test_ndcg_terms_hand_example_sorted_by_relevance():
    conf_raw = torch.tensor([0.9])
    conf_mix = torch.tensor([[0.6, 0.8]])
    rel = torch.tensor([[0.55, 0.75]])  # sorted: (0.8, 0.75) first, then (0.6, 0.55)
    dcg, idcg = rm.ndcg_terms(conf_raw, conf_mix, rel)
    d2, d3 = 1 / math.log2(3), 1 / math.log2(4)
    assert dcg.item() == pytest.approx(0.9 + 0.8 * d2 + 0.6 * d3)
    assert idcg.item() == pytest.approx(1.0 + 0.75 * d2 + 0.55 * d3)


def _logits_with_conf(conf: torch.Tensor, n_classes: int = 4) -> torch.Tensor:
    """Logits whose softmax has top probability ``conf`` (rest spread evenly) on class 0."""
    rest = (1 - conf) / (n_classes - 1)
    probs = torch.cat([conf[..., None], rest[..., None].expand(*conf.shape, n_classes - 1)], -1)
    return probs.log()


def test_mndcg_zero_when_confidences_equal_relevances():
    rel = torch.tensor([[0.9, 0.6, 0.75], [1.0, 0.5, 0.8]], dtype=torch.float64)
    raw = _logits_with_conf(torch.ones(2, dtype=torch.float64) - 1e-12)
    mix = _logits_with_conf(rel.clone())
    assert rm.mndcg(raw, mix, rel).item() == pytest.approx(0.0, abs=1e-9)


def test_mndcg_symmetric_ratio_and_range():
    rel = torch.tensor([[0.7, 0.6]], dtype=torch.float64)
    raw = _logits_with_conf(torch.tensor([0.95], dtype=torch.float64))
    over = _logits_with_conf(torch.tensor([[0.99, 0.99]], dtype=torch.float64))
    under = _logits_with_conf(torch.tensor([[0.3, 0.3]], dtype=torch.float64))
    for mix in (over, under):
        conf_raw = F.softmax(raw, -1).max(-1).values
        conf_mix = F.softmax(mix, -1).max(-1).values
        dcg, idcg = rm.ndcg_terms(conf_raw, conf_mix, rel)
        expected = 1 - min(dcg.item() / idcg.item(), idcg.item() / dcg.item())
        assert rm.mndcg(raw, mix, rel).item() == pytest.approx(expected)
        assert 0 < expected < 1


def test_mndcg_autograd_matches_hand_gradient_in_confidence():
    # When DCG < IDCG the loss is 1 - DCG/IDCG, so d loss / d c_j = -d_j / IDCG.
    conf_raw = torch.tensor([0.8], dtype=torch.float64, requires_grad=True)
    conf_mix = torch.tensor([[0.3, 0.5]], dtype=torch.float64, requires_grad=True)
    rel = torch.tensor([[0.6, 0.9]], dtype=torch.float64)
    dcg, idcg = rm.ndcg_terms(conf_raw, conf_mix, rel)
    assert dcg.item() < idcg.item()
    (1 - dcg / idcg).sum().backward()
    d = [1.0, 1 / math.log2(3), 1 / math.log2(4)]
    i = idcg.item()
    assert conf_raw.grad.item() == pytest.approx(-d[0] / i)
    # the 0.9-relevance copy (conf 0.5) is ranked second, the 0.6 one (conf 0.3) third
    assert torch.allclose(conf_mix.grad, torch.tensor([[-d[2] / i, -d[1] / i]], dtype=torch.float64))


class _Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.f = torch.nn.Linear(3, 4)

    def forward(self, x):
        return self.f(x)


def test_weight_zero_is_cross_entropy_and_losses_are_finite():
    model = _Linear()
    X = torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    y = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    idx = torch.arange(8)
    out = model(X)
    ce = F.cross_entropy(out, y)
    assert torch.allclose(rm.RankMixupLoss(model, X, 4, weight=0.0)(out, y, idx), ce)
    for variant, n_mix in (("mrl", 1), ("mndcg", 3)):
        out = model(X)
        loss = rm.RankMixupLoss(model, X, 4, variant=variant, n_mix=n_mix, seed=3)(out, y, idx)
        assert torch.isfinite(loss) and loss.item() >= ce.item() - 1e-7
        loss.backward()
    assert torch.isfinite(rm.MixupLoss(model, X, 4, mix_alpha=1.0, seed=0)(out, y, idx))


def test_same_seed_same_loss():
    model = _Linear()
    X = torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    y = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    out, idx = model(X), torch.arange(8)
    a = rm.RankMixupLoss(model, X, 4, seed=5)(out, y, idx)
    b = rm.RankMixupLoss(model, X, 4, seed=5)(out, y, idx)
    assert a.item() == b.item()


def test_rejects_bad_arguments():
    model, X = _Linear(), torch.zeros(2, 3)
    with pytest.raises(ValueError):
        rm.RankMixupLoss(model, X, 4, variant="ndcg")
    with pytest.raises(ValueError):
        rm.RankMixupLoss(model, X, 4, n_mix=0)
    with pytest.raises(ValueError):
        rm.MixupLoss(model, X, 4, mix_alpha=0.0)


def _authors_mrl(inputs, mixup, target_re, margin):
    """The authors' MRL term, transcribed operation by operation (shapes included)."""
    diff = (mixup.max(dim=1)[0].unsqueeze(1) - inputs.max(dim=1)[0].unsqueeze(1))  # (B, 1)
    mask = (target_re == 1.0).sum(dim=1).reshape(1, -1)
    mask = mask.sum(dim=0) == 0.0  # (B,)
    return (mask * F.relu(diff + margin)).mean()  # (B,) * (B, 1) -> (B, B)


def test_mrl_authors_mask_broadcasts_and_scales_rather_than_skips():
    raw = torch.tensor([[3.0, 0.0], [1.0, 0.5], [2.0, 0.0]])
    mix = torch.tensor([[0.5, 2.0], [1.5, 0.0], [5.0, 0.0]])
    targets = torch.tensor([[0.6, 0.4], [0.3, 0.7], [1.0, 0.0]])  # last row: same-class blend
    hinge = torch.tensor([0.0, 1.5, 4.0])  # margin 1: max(0, mix - raw + 1) per row
    authors = rm.mrl(raw, mix, targets, margin=1.0, mask="authors")
    # the same-class row is not skipped: its hinge (4.0) enters, scaled by 2/3 with the others
    assert authors.item() == pytest.approx((2 / 3) * hinge.mean().item())
    assert authors.item() == pytest.approx(_authors_mrl(raw, mix, targets, 1.0).item())
    assert torch.allclose(rm.mrl(raw, mix, targets, margin=1.0, mask="authors", reduction="none"),
                          (2 / 3) * hinge)
    # ours skips it instead: a different number on the same batch
    assert rm.mrl(raw, mix, targets, margin=1.0).item() == pytest.approx(1.5 / 3)
    with pytest.raises(ValueError):
        rm.mrl(raw, mix, targets, mask="drop")


def test_mrl_authors_mask_matches_transcription_on_random_batches():
    g = torch.Generator().manual_seed(0)
    for _ in range(5):
        raw, mix = torch.randn(16, 5, generator=g), torch.randn(16, 5, generator=g)
        y = torch.randint(0, 5, (16,), generator=g)
        _, t = rm.mix_batch(torch.zeros(16, 1), y, 5, 0.7, torch.randperm(16, generator=g))
        assert rm.mrl(raw, mix, t, margin=2.0, mask="authors").item() == pytest.approx(
            _authors_mrl(raw, mix, t, 2.0).item(), rel=1e-6)


def test_rankmixup_loss_passes_the_mrl_mask():
    model = _Linear()
    X = torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    y = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    idx = torch.arange(8)
    vals = {m: rm.RankMixupLoss(model, X, 4, variant="mrl", n_mix=1, seed=2, mrl_mask=m)(model(X), y, idx).item()
            for m in ("skip", "authors")}
    assert vals["skip"] != vals["authors"]
    with pytest.raises(ValueError):
        rm.RankMixupLoss(model, X, 4, mrl_mask="drop")
