import numpy as np
import torch

from repro.data.datasets import (diabetes, digits, gaussian_mixture_classes, regression_1d,
                                 standardize)


def test_digits_split_and_standardization():
    d = digits(seed=0, test_fraction=0.3)
    assert d.X_train.shape[1] == 64 and d.n_classes == 10
    assert len(d.X_train) + len(d.X_test) == 1797
    assert abs(len(d.X_test) - 0.3 * 1797) < 1
    assert torch.allclose(d.X_train.mean(0), torch.zeros(64), atol=1e-5)
    assert len(digits(seed=0, n_train=100).X_train) == 100
    assert not torch.equal(digits(seed=1).y_train[:50], d.y_train[:50])


def test_gaussian_mixture_is_stratified():
    d = gaussian_mixture_classes(n_classes=7, n_per_class=10, dim=3, test_fraction=0.3, seed=1)
    assert np.bincount(d.y_test.numpy(), minlength=7).tolist() == [3] * 7
    assert np.bincount(d.y_train.numpy(), minlength=7).tolist() == [7] * 7


def test_regression_1d_noise_level():
    x, y = regression_1d(20000, np.sin, noise=0.2, rng=np.random.default_rng(0))
    assert x.shape == (20000, 1) and abs(np.std(y - np.sin(x[:, 0])) - 0.2) < 0.01


def test_diabetes_and_standardize():
    Xtr, ytr, Xte, yte = diabetes(seed=0)
    assert Xtr.shape[1] == 10 and len(Xtr) + len(Xte) == 442
    assert abs(ytr.mean()) < 1e-12 and abs(ytr.std() - 1) < 1e-12
    a, b = standardize(np.array([[0.0], [2.0]]), np.array([[1.0]]))
    assert np.allclose(a.ravel(), [-1, 1]) and np.allclose(b.ravel(), [0])
