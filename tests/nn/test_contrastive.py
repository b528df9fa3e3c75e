"""Tests for repro.nn.contrastive: digit augmentations, the SimCLR model and the linear probe."""
import numpy as np
import torch

from repro.nn import contrastive as C


def _img():
    x = torch.zeros(1, 64)
    x[0, 3 * 8 + 4] = 1.0  # a single bright pixel at row 3, column 4
    return x


def test_identity_augmentation_is_exact():
    x = torch.rand(5, 64, generator=torch.Generator().manual_seed(0))
    out = C.augment(x, torch.Generator().manual_seed(1), C.Augment(0, 0, 0, 0, 0, 0))
    assert torch.allclose(out, x, atol=1e-6)


def test_one_pixel_shift_moves_the_pixel():
    # rotation, scale and shear off, shift uniform in [-1, 1] pixels per axis:
    cfg = C.Augment(rotation_deg=0, scale=0, shear=0, shift_px=1.0, noise=0, dropout=0)
    out = C.augment(_img().repeat(200, 1), torch.Generator().manual_seed(0), cfg)
    # mass is conserved while the pixel stays inside the image, and it moves at most one pixel
    assert torch.allclose(out.sum(1), torch.ones(200), atol=1e-5)
    rows, cols = np.divmod(np.arange(64), 8)
    r = (out.numpy() * rows).sum(1)
    c = (out.numpy() * cols).sum(1)
    assert np.all(np.abs(r - 3) <= 1 + 1e-5) and np.all(np.abs(c - 4) <= 1 + 1e-5)
    assert np.std(c) > 0.3 and np.std(r) > 0.3


def test_views_are_reproducible_and_random():
    x = torch.rand(4, 64, generator=torch.Generator().manual_seed(0))
    a = C.augment(x, torch.Generator().manual_seed(3))
    b = C.augment(x, torch.Generator().manual_seed(3))
    c = C.augment(x, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.allclose(a, c)


def test_dropout_rate():
    x = torch.ones(200, 64)
    cfg = C.Augment(0, 0, 0, 0, noise=0, dropout=0.25)
    out = C.augment(x, torch.Generator().manual_seed(0), cfg)
    assert abs(float((out == 0).float().mean()) - 0.25) < 0.02


def test_simclr_forward_shape_and_training_lowers_loss():
    X = C.digit_images(0)[0][:64]
    model, hist = C.train_simclr(X, epochs=10, batch_size=32, rep_dim=8, hidden=32, seed=0, lr=1e-2)
    assert model(X[:10]).shape == (20, 8)
    assert C.features(model, X).shape == (64, 8)
    assert hist[-1] < hist[0] - 0.1


def test_digit_images_split_matches_datasets_digits():
    from repro.data import datasets
    Xtr, ytr, Xte, yte = C.digit_images(3)
    d = datasets.digits(seed=3)
    assert torch.equal(ytr, d.y_train) and torch.equal(yte, d.y_test)
    assert float(Xtr.min()) >= 0 and float(Xtr.max()) <= 1


def test_linear_probe_separable_and_weights():
    g = torch.Generator().manual_seed(0)
    Z = torch.randn(200, 2, generator=g)
    y = (Z[:, 0] > 0).long()
    pred = C.linear_probe(Z, y, Z, 2, epochs=200, lr=0.05, seed=0)
    assert float((pred == y).float().mean()) > 0.97
    # flipping the labels of half the data but giving those rows weight 0 changes nothing
    y2 = y.clone()
    y2[:100] = 1 - y2[:100]
    w = torch.ones(200)
    w[:100] = 0
    pred2 = C.linear_probe(Z, y2, Z, 2, epochs=200, lr=0.05, seed=0, sample_weight=w)
    assert float((pred2 == y).float().mean()) > 0.95
