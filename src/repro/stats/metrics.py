"""Evaluation metrics shared by the chapters."""
from __future__ import annotations

import numpy as np
import torch


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose arg-max equals the label."""
    return (logits.argmax(-1) == y).double().mean().item()


def topk_accuracy(logits: torch.Tensor, y: torch.Tensor, k: int) -> float:
    """Fraction of rows whose label is among the ``k`` largest scores (ties broken by index)."""
    top = logits.topk(k, dim=-1).indices
    return (top == y[:, None]).any(-1).double().mean().item()


def mse(pred, target) -> float:
    """Mean squared error of two arrays or tensors."""
    return float(np.mean((np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)) ** 2))


def mmd2_rbf(X, Y, bandwidth: float) -> float:
    """Unbiased squared maximum mean discrepancy with the RBF kernel exp(-|x-y|^2 / (2 h^2)).

    Gretton et al. (2012), eq. (3): mean of k over distinct pairs within X and within Y minus
    twice the mean over cross pairs. Can be slightly negative when the distributions are equal.
    """
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)

    def gram(A, B):
        d2 = (A ** 2).sum(1)[:, None] + (B ** 2).sum(1)[None, :] - 2 * A @ B.T
        return np.exp(-np.maximum(d2, 0) / (2 * bandwidth ** 2))

    m, n = len(X), len(Y)
    kxx, kyy, kxy = gram(X, X), gram(Y, Y), gram(X, Y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.mean())


def relative_error(a, b) -> float:
    """``||a - b|| / ||b||`` over all entries (Frobenius norm for stacked predictions)."""
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(b))
