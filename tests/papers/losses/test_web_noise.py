"""Tests for repro.papers.losses.web_noise: OOD patches, small-loss and linear-separation detectors, training loop."""
import numpy as np
import pytest
import torch

from repro.papers.losses import web_noise as W


def test_ood_patches_shape_range_and_seed():
    a = W.ood_patches(20, np.random.default_rng(0))
    b = W.ood_patches(20, np.random.default_rng(0))
    assert a.shape == (20, 64) and np.array_equal(a, b)
    assert np.allclose(a.min(1), 0) and np.allclose(a.max(1), 1)


def test_small_loss_separates_two_modes():
    rng = np.random.default_rng(1)
    losses = np.r_[rng.normal(0.1, 0.03, 300), rng.normal(2.0, 0.2, 100)]
    noisy, p = W.small_loss_detect(losses)
    assert noisy[:300].mean() < 0.02 and noisy[300:].mean() > 0.98
    assert np.all((p >= 0) & (p <= 1))


def test_linear_separation_recovers_hyperplane_from_partial_trust():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((400, 5))
    truth = X[:, 0] + 0.5 * X[:, 1] > 0.3
    # trust only 50 of each side; the hyperplane must generalise to the rest
    tc, tn = np.flatnonzero(~truth)[:50], np.flatnonzero(truth)[:50]
    noisy, p = W.linear_separation_detect(X, tc, tn)
    assert (noisy == truth).mean() > 0.95
    mask_c = np.zeros(400, bool)
    mask_c[tc] = True
    mask_n = np.zeros(400, bool)
    mask_n[tn] = True
    assert np.array_equal(W.linear_separation_detect(X, mask_c, mask_n)[0], noisy)
    with pytest.raises(ValueError):
        W.linear_separation_detect(X, tc, [])


def test_train_with_detection_discards_flagged_examples():
    g = torch.Generator().manual_seed(0)
    Z = torch.randn(300, 4, generator=g)
    y = (Z[:, 0] > 0).long()
    y_noisy = y.clone()
    y_noisy[:60] = 1 - y_noisy[:60]  # 20 % flipped labels get large losses after warm-up
    seen = []
    model, hist = W.train_with_detection(Z, y_noisy, 2, schedule=("loss", "none"), rounds=2, warmup_epochs=30,
                                         epochs_per_round=5, hidden=(16,), lr=1e-2, seed=0,
                                         after_round=lambda r, m, rec: seen.append(rec["which"]))
    assert seen == ["loss", "none"] and [h["which"] for h in hist] == seen
    assert hist[0]["noisy"][:60].mean() > 0.6 and hist[0]["noisy"][60:].mean() < 0.1
    assert not hist[1]["noisy"].any()
    with pytest.raises(ValueError):
        W.train_with_detection(Z, y_noisy, 2, schedule=("bogus",), rounds=1, warmup_epochs=1, epochs_per_round=1)


def test_train_with_detection_classifier_reads_inputs_but_separation_reads_features():
    g = torch.Generator().manual_seed(3)
    X = torch.randn(200, 6, generator=g)  # classifier inputs
    Z = torch.randn(200, 3, generator=g)  # label-free features for the linear separation
    y = (X[:, 0] > 0).long()
    model, hist = W.train_with_detection(Z, y, 2, inputs=X, schedule=("linear",), rounds=1, warmup_epochs=2,
                                         epochs_per_round=1, hidden=(8,), seed=0)
    assert model[0].in_features == 6  # trained on the 6-d inputs, not the 3-d features
    assert hist[0]["noisy"].shape == (200,)
