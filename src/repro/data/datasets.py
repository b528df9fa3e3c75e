"""Data generated in code or bundled with scikit-learn: nothing is downloaded at run time."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Split:
    """Train/test tensors of a classification or regression task."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int | None = None

    def to(self, device) -> "Split":
        return Split(*(t.to(device) for t in (self.X_train, self.y_train, self.X_test, self.y_test)),
                     n_classes=self.n_classes)


def _split(X, y, test_fraction: float, rng: np.random.Generator):
    idx = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    return idx[n_test:], idx[:n_test]


def standardize(train: np.ndarray, test: np.ndarray, eps: float = 1e-8):
    """Standardize features with the training set's mean and standard deviation."""
    mu, sd = train.mean(0), train.std(0) + eps
    return (train - mu) / sd, (test - mu) / sd


def digits(seed: int = 0, test_fraction: float = 0.3, n_train: int | None = None,
           dtype=torch.float32) -> Split:
    """scikit-learn's bundled 8x8 digits (1797 images, 10 classes), standardized.

    ``n_train`` keeps only the first ``n_train`` shuffled training images (fewer labels make the
    task harder, so differences between methods become measurable).
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    tr, te = _split(X, y, test_fraction, rng)
    if n_train is not None:
        tr = tr[:n_train]
    Xtr, Xte = standardize(X[tr].astype(float), X[te].astype(float))
    return Split(torch.tensor(Xtr, dtype=dtype), torch.tensor(y[tr]), torch.tensor(Xte, dtype=dtype),
                 torch.tensor(y[te]), n_classes=10)


def gaussian_mixture_classes(n_classes: int, n_per_class: int, dim: int, separation: float = 1.0,
                             seed: int = 0, test_fraction: float = 0.5, dtype=torch.float32) -> Split:
    """Many-class task: class means ~ N(0, separation^2 I / dim * dim), unit isotropic noise.

    Means are drawn as ``separation * N(0, I_dim)``; each point is its class mean plus N(0, I_dim).
    The split is stratified: each class contributes ``test_fraction`` of its points to the test set.
    """
    rng = np.random.default_rng(seed)
    means = separation * rng.standard_normal((n_classes, dim))
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = means[y] + rng.standard_normal((len(y), dim))
    per = np.arange(len(y)) % n_per_class
    test = per < int(round(test_fraction * n_per_class))
    order = rng.permutation(len(y))
    test, X, y = test[order], X[order], y[order]
    return Split(torch.tensor(X[~test], dtype=dtype), torch.tensor(y[~test]),
                 torch.tensor(X[test], dtype=dtype), torch.tensor(y[test]), n_classes=n_classes)


def regression_1d(n: int, fn, noise: float = 0.1, low: float = -1.0, high: float = 1.0,
                  rng: np.random.Generator | None = None):
    """Inputs uniform on [low, high] (shape ``(n, 1)``) and targets ``fn(x) + noise * N(0, 1)``."""
    rng = rng if rng is not None else np.random.default_rng(0)
    x = rng.uniform(low, high, size=(n, 1))
    return x, fn(x[:, 0]) + noise * rng.standard_normal(n)


def diabetes(seed: int = 0, test_fraction: float = 0.3):
    """scikit-learn's bundled diabetes regression (442 patients, 10 features), standardized.

    Returns float64 NumPy arrays ``X_train, y_train, X_test, y_test``; targets are centred and
    scaled with the training statistics.
    """
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(seed)
    tr, te = _split(X, y, test_fraction, rng)
    Xtr, Xte = standardize(X[tr], X[te])
    mu, sd = y[tr].mean(), y[tr].std()
    return Xtr, (y[tr] - mu) / sd, Xte, (y[te] - mu) / sd
