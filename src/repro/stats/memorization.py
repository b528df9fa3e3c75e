"""Early learning and memorisation under label noise (Liu et al., NeurIPS 2020, Sec. 3 and Fig. 1).

Tools to watch a classifier trained on noisy labels first fit the true classes of mislabelled
examples, then memorise their wrong labels.
"""
from __future__ import annotations

import numpy as np
import torch


@torch.no_grad()
def fit_fractions(logits: torch.Tensor, y_true: torch.Tensor, y_noisy: torch.Tensor) -> dict:
    """On the examples whose label was corrupted: fraction predicted as the true class ("correct")
    and as the false label ("memorized"), the two curves of the paper's Fig. 1."""
    wrong = y_true != y_noisy
    pred = logits.argmax(1)[wrong]
    return {"correct": (pred == y_true[wrong]).float().mean().item(),
            "memorized": (pred == y_noisy[wrong]).float().mean().item()}


def linear_memorization(n: int, dim: int, noise_rate: float, steps: int, lr: float, *, signal: float,
                        n_test: int = 2000, seed: int = 0) -> dict:
    """Section 3's linear setting: two classes x = y * v + N(0, I_d) with ||v|| = ``signal``,
    a fraction ``noise_rate`` of training labels flipped, logistic regression by full-batch GD from 0.

    Returns per-step test accuracy and the fractions of flipped examples fitted to the true / false
    label (``memorized`` is the fraction classified as their flipped label).
    """
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(dim, generator=g, dtype=torch.float64)
    v *= signal / v.norm()

    def sample(m):
        y = torch.randint(0, 2, (m,), generator=g).double() * 2 - 1
        return y[:, None] * v + torch.randn(m, dim, generator=g, dtype=torch.float64), y

    X, y = sample(n)
    Xt, yt = sample(n_test)
    flip = torch.zeros(n, dtype=torch.bool)
    flip[torch.randperm(n, generator=g)[: int(round(noise_rate * n))]] = True
    yn = torch.where(flip, -y, y)
    w = torch.zeros(dim, dtype=torch.float64)
    out = {"test_acc": [], "memorized": [], "correct": []}
    for _ in range(steps):
        margin = yn * (X @ w)
        w += lr * (X.T @ (yn * torch.sigmoid(-margin))) / n
        s = torch.sign(X @ w)
        out["test_acc"].append((torch.sign(Xt @ w) == yt).double().mean().item())
        out["memorized"].append((s[flip] == yn[flip]).double().mean().item())
        out["correct"].append((s[flip] == y[flip]).double().mean().item())
    return {k: np.asarray(v) for k, v in out.items()}
