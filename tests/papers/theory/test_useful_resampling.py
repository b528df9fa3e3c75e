import numpy as np
import pytest
import torch

from repro.papers.theory import useful_resampling as ur


def test_slow_cluster_mask_picks_higher_loss_cluster_per_class():
    # class 0: a confident cluster (low loss) and an unsure one; class 1 likewise, reversed order
    out = np.array([[5.0], [5.1], [4.9], [0.1], [0.0], [-5.0], [-5.2], [0.2], [0.0], [0.1]])
    y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    loss = np.array([0.01, 0.01, 0.01, 0.7, 0.7, 0.02, 0.02, 0.6, 0.7, 0.6])
    mask = ur.slow_cluster_mask(out, y, loss)
    np.testing.assert_array_equal(mask, [0, 0, 0, 1, 1, 0, 0, 1, 1, 1])


def test_class_that_cannot_split_is_left_alone():
    out = np.array([[1.0], [1.0], [1.0], [0.0], [3.0]])
    y = np.array([0, 0, 0, 1, 1])
    mask = ur.slow_cluster_mask(out, y, np.array([0.1, 0.2, 0.3, 1.0, 0.0]))
    np.testing.assert_array_equal(mask, [0, 0, 0, 1, 0])


def test_upsample_indices():
    idx = ur.upsample_indices(np.array([False, True, False, True]))
    np.testing.assert_array_equal(idx, [0, 1, 2, 3, 1, 3])
    np.testing.assert_array_equal(ur.upsample_indices(np.array([True, False]), factor=3), [0, 1, 0, 0])
    np.testing.assert_array_equal(ur.upsample_indices(np.array([True, False]), factor=1), [0, 1])
    with pytest.raises(ValueError):
        ur.upsample_indices(np.array([True]), factor=0)


def test_two_feature_patches_structure():
    d = ur.two_feature_patches(400, d=20, n_patches=3, beta_fast=2.0, beta_slow=0.5, p_fast=0.25,
                               rng=np.random.default_rng(0))
    X, y = d.X.numpy(), d.y.numpy()
    assert X.shape == (400, 3, 20)
    np.testing.assert_allclose(X[d.fast, 0, 0], 2.0 * y[d.fast])
    np.testing.assert_allclose(X[~d.fast, 0, 1], 0.5 * y[~d.fast])
    assert np.all(X[d.fast, 0, 1:] == 0) and np.all(X[~d.fast, 0][:, [0] + list(range(2, 20))] == 0)
    assert np.all(X[:, 1:, :2] == 0)                 # noise is orthogonal to both features
    assert 0.15 < d.fast.mean() < 0.35


def test_cubic_cnn_and_alignment():
    m = ur.CubicCNN(3, n_filters=2)
    with torch.no_grad():
        m.W.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0]]))
    X = torch.tensor([[[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])   # one example, two patches
    # patch 1: <w1,x>=1, <w2,x>=2.5 ; patch 2: 0, 0
    assert m(X).item() == pytest.approx(1 + 2.5 ** 3)
    assert ur.alignment(m, torch.tensor([1.0, 0.0, 0.0])) == pytest.approx(1.0)
    assert ur.alignment(m, torch.tensor([0.0, 1.0, 0.0])) == pytest.approx(2.0)
    assert ur.logistic_loss(torch.tensor([0.0]), torch.tensor([1.0])).item() == pytest.approx(np.log(2))
