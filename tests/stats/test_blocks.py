"""Tests of the calibration metrics, mixup, extra label noise and the benchmark harness."""
import numpy as np
import torch

from repro.data import label_noise
from repro.nn import mixup
from repro.stats import benchmark, calibration


def test_ece_by_hand_and_perfect_calibration():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    labels = np.array([0, 1, 1, 1])
    # 2 equal-width bins on top-class confidence: [0.6, 0.7] -> bin 1 (>=0.5) holds all four
    # mean conf = (0.9+0.8+0.7+0.6)/4 = 0.75, accuracy = 3/4
    assert np.isclose(calibration.ece(probs, labels, n_bins=2), 0.0)
    labels2 = np.array([1, 1, 1, 1])
    assert np.isclose(calibration.ece(probs, labels2, n_bins=2), abs(0.5 - 0.75))
    rng = np.random.default_rng(0)
    p = rng.uniform(0.5, 1.0, 50000)
    y = (rng.random(50000) < p).astype(int)
    P = np.stack([1 - p, p], 1)
    assert calibration.ece(P, y) < 0.01 and calibration.ece(P, y, adaptive=True) < 0.01


def test_adaptive_bins_are_equal_mass():
    _, _, count = calibration.reliability(np.random.default_rng(0).dirichlet([1, 1, 1], 300),
                                          np.zeros(300, int), n_bins=10, adaptive=True)
    assert np.all(count == 30)


def test_aurc_by_hand():
    # accept in order of confidence: errors [0, 1, 0] -> risks [0, 1/2, 1/3]
    assert np.isclose(calibration.aurc([0.9, 0.8, 0.1], [1, 0, 1]), (0 + 0.5 + 1 / 3) / 3)
    assert calibration.aurc([0.9, 0.1], [1, 0]) < calibration.aurc([0.1, 0.9], [1, 0])


def test_mixup_is_convex_combination():
    x = torch.arange(8.0).reshape(4, 2)
    y = torch.eye(4)
    xm, ym, lam, perm = mixup.mix(x, y, 0.4, torch.Generator().manual_seed(0))
    assert torch.allclose(xm, lam * x + (1 - lam) * x[perm]) and torch.allclose(ym.sum(1), torch.ones(4))
    logits = torch.randn(4, 4)
    assert torch.isclose(mixup.soft_cross_entropy(logits, y),
                         torch.nn.functional.cross_entropy(logits, torch.arange(4)))


def test_instance_dependent_noise_rate_and_long_tail():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(5), 200)
    X = rng.normal(size=(1000, 4))
    noisy = label_noise.instance_dependent(y, X, 5, 0.3, rng)
    assert (noisy != y).sum() == 300
    assert label_noise.long_tail_counts(100, 3, 100).tolist() == [100, 10, 1]
    idx = label_noise.long_tail_subsample(y, 10, rng)
    counts = np.bincount(y[idx], minlength=5)
    assert counts[0] == 200 and counts[-1] == 20 and np.all(np.diff(counts) <= 0)


def test_benchmark_grid_and_table():
    recs = benchmark.grid(lambda seed, method, noise: {"acc": seed + (method == "a") - noise},
                          seeds=[0, 1, 2], method=["a", "b"], noise=[0, 1])
    assert len(recs) == 12
    s = benchmark.summarize(recs, ["method", "noise"], "acc")
    assert s[("a", 0)][0] == 2.0 and s[("a", 0)][2] == 3
    t = benchmark.table(recs, "method", "noise", "acc", fmt="{:.1f}")
    assert "| a | 2.0 ± 2.5 | 1.0 ± 2.5 |" in t
