"""Tests for repro.objectives.anyloss (Han, Moniz & Chawla, KDD 2024): AnyLoss from confusion-matrix metrics."""
import math

import pytest
import torch

from repro.objectives import anyloss as al


def test_amplify_fixed_point_and_limits():
    p = torch.tensor([0.0, 0.45, 0.5, 0.55, 1.0], dtype=torch.float64)
    a = al.amplify(p)  # L = 73
    assert a[2] == pytest.approx(0.5)
    assert a[0] < 1e-15 and a[-1] > 1 - 1e-15
    assert a[3] == pytest.approx(1 / (1 + math.exp(-73 * 0.05)))  # 0.975
    assert torch.allclose(a[1] + a[3], torch.tensor(1.0, dtype=torch.float64))  # odd symmetry about 0.5


def test_hand_computed_metrics():
    tn, fp, fn, tp = (torch.tensor(v, dtype=torch.float64) for v in (4.0, 1.0, 2.0, 3.0))
    assert al.accuracy(tn, fp, fn, tp) == pytest.approx(0.7)
    assert al.f_beta(tn, fp, fn, tp) == pytest.approx(6 / 9)  # 2 TP / (2 TP + FP + FN)
    assert al.f_beta(tn, fp, fn, tp, beta=2.0) == pytest.approx(15 / (15 + 8 + 1))
    assert al.balanced_accuracy(tn, fp, fn, tp) == pytest.approx((3 / 5 + 4 / 5) / 2)
    assert al.gmean(tn, fp, fn, tp) == pytest.approx(math.sqrt(0.6 * 0.8))
    with pytest.raises(ValueError):
        al.metric("auc", tn, fp, fn, tp)


def test_soft_confusion_is_hard_confusion_for_confident_outputs():
    y = torch.tensor([1, 1, 0, 0, 0, 1, 0], dtype=torch.float64)
    logits = torch.tensor([9.0, -9.0, 9.0, -9.0, -9.0, 9.0, -9.0], dtype=torch.float64)
    soft = al.soft_confusion(logits, y)
    hard = al.hard_confusion(torch.sigmoid(logits), y)
    for s, h in zip(soft, hard):
        assert float(s) == pytest.approx(float(h), abs=1e-12)
    assert [float(v) for v in hard] == [3, 1, 1, 2]  # tn, fp, fn, tp


def test_soft_confusion_rows_sum_to_class_counts():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 1, generator=g, dtype=torch.float64)
    y = (torch.rand(50, generator=g) < 0.2).double()
    tn, fp, fn, tp = al.soft_confusion(logits, y)
    assert float(tp + fn) == pytest.approx(float(y.sum()))
    assert float(tn + fp) == pytest.approx(float(50 - y.sum()))


def test_authors_closed_forms_agree_with_confusion_forms():
    # The authors write F-beta as (1 + b^2) sum(y a) / (b^2 sum(y) + sum(a)) and balanced accuracy as
    # (N (sum(y a) + sum(y)) - sum(y) (sum(a) + sum(y))) / (2 sum(y) (N - sum(y))).
    g = torch.Generator().manual_seed(1)
    logits = 0.05 * torch.randn(40, generator=g, dtype=torch.float64)
    y = (torch.rand(40, generator=g) < 0.3).double()
    a = al.amplify(torch.sigmoid(logits))
    sya, sy, sa, n = (y * a).sum(), y.sum(), a.sum(), 40.0
    for beta in (0.5, 1.0, 2.0):
        closed = (1 + beta ** 2) * sya / (beta ** 2 * sy + sa)
        assert torch.allclose(1 - al.anyloss(logits, y, "fbeta", beta=beta), closed)
    ba = (n * (sya + sy) - sy * (sa + sy)) / (2 * sy * (n - sy))
    assert torch.allclose(1 - al.anyloss(logits, y, "balanced_accuracy"), ba)


def test_f1_autograd_matches_hand_gradient():
    g = torch.Generator().manual_seed(2)
    logits = (0.03 * torch.randn(30, 1, generator=g, dtype=torch.float64)).requires_grad_(True)
    y = (torch.rand(30, generator=g) < 0.3).double()
    (auto,) = torch.autograd.grad(al.AnyLoss("f1")(logits, y), logits)
    assert torch.allclose(auto, al.f1_logit_grad(logits.detach(), y), atol=1e-12)
    assert auto.abs().max() > 1e-3  # near p = 0.5 the amplified loss has a real gradient


def test_perfect_and_trivial_predictions():
    y = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0])
    perfect = 20 * (2 * y - 1)
    for name in ("f1", "balanced_accuracy", "accuracy", "gmean"):
        assert float(al.anyloss(perfect, y, name)) == pytest.approx(0.0, abs=1e-6)
    all_negative = -20 * torch.ones(5)
    assert float(al.anyloss(all_negative, y, "balanced_accuracy")) == pytest.approx(0.5, abs=1e-6)
    assert float(al.anyloss(all_negative, y, "f1")) == pytest.approx(1.0, abs=1e-6)


def test_best_threshold():
    scores = torch.tensor([0.1, 0.2, 0.3, 0.35, 0.9])
    y = torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0])
    assert al.best_threshold(scores, y, "f1") == pytest.approx(0.3)
    with pytest.raises(ValueError):
        al.AnyLoss("f1", L=0.0)


def test_batched_confusion_matches_one_at_a_time():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(4, 25, generator=g, dtype=torch.float64)
    y = (torch.rand(4, 25, generator=g) < 0.3).double()
    batched = al.soft_confusion(logits, y)
    for s in range(4):
        one = al.soft_confusion(logits[s], y[s])
        assert all(torch.allclose(b[s], o) for b, o in zip(batched, one))
    total = al.anyloss(logits, y, "balanced_accuracy")
    assert torch.allclose(total, sum(al.anyloss(logits[s], y[s], "balanced_accuracy") for s in range(4)))


def test_seed_batched_mlp_equals_separate_networks_and_survives_permutation():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(3, 7, 5, generator=g)
    model = al.SeedBatchedMLP(3, 5, 4, generator=g)
    out = model(al.with_seed_index(X))
    for s in range(3):
        h = torch.relu(X[s] @ model.w1[s] + model.b1[s])
        assert torch.allclose(out[s], (h @ model.w2[s] + model.b2[s])[:, 0], atol=1e-6)
    perm = torch.tensor([2, 0, 1])
    assert torch.allclose(model(al.with_seed_index(X)[perm]), out[perm])
    linear = al.SeedBatchedMLP(3, 5, 0, generator=g)
    assert linear(al.with_seed_index(X)).shape == (3, 7)
