"""Kernel continual learning with stored or generated memory (Derakhshani et al., 2021; 2022).

Task-incremental setting: tasks arrive one after another; a shared feature extractor is trained
on each task in turn, and every task has its own classifier, a kernel ridge regression (KRR) head
fitted on that task's *memory* with the features of the current extractor. Since heads are
refitted from memory at test time, a drifting extractor does not leave stale heads behind
(kernel continual learning, KCL). The memory is either a small stored coreset of real examples
(KCL) or samples drawn from a small class-conditional generator (generative KCL, GKCL). Naive
fine-tuning keeps a linear head per task fixed after its task and has no memory.

Here the generator of a class is a low-rank Gaussian in input space (mean, ``r`` principal
directions and an isotropic residual variance) fitted when the class's task arrives: it costs
``(r + 1) * d + 1`` floats, the price of ``r + 1`` stored examples.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from repro.gp.kernels import krr_fit_predict
from repro.nn.models import mlp
from repro.objectives.supcon import supcon


def split_tasks(y: torch.Tensor, n_tasks: int = 5) -> list[np.ndarray]:
    """Indices of each task: task ``t`` holds classes ``2t`` and ``2t + 1``."""
    y = np.asarray(y)
    return [np.flatnonzero((y == 2 * t) | (y == 2 * t + 1)) for t in range(n_tasks)]


def krr_torch(F_train: torch.Tensor, y: torch.Tensor, F_test: torch.Tensor, lam: float) -> torch.Tensor:
    """Linear-kernel KRR predictions ``F_test F_train^T (F_train F_train^T + lam I)^{-1} y``,
    differentiable in the features (KCL's in-batch classifier)."""
    K = F_train @ F_train.T
    alpha = torch.linalg.solve(K + lam * torch.eye(len(K), dtype=K.dtype, device=K.device), y)
    return F_test @ F_train.T @ alpha


def krr_batch_loss(feats: torch.Tensor, signs: torch.Tensor, lam: float) -> torch.Tensor:
    """KCL's training loss on one batch: fit the KRR head on the first half of the batch, squared
    error of its predictions (targets +-1) on the second half."""
    h = len(feats) // 2
    pred = krr_torch(feats[:h], signs[:h], feats[h:], lam)
    return ((pred - signs[h:]) ** 2).mean()


class LowRankGaussian:
    """Gaussian ``N(mean, U U^T + s2 I)`` of rank ``r`` fitted by PCA (probabilistic-PCA style:
    ``U`` holds the top ``r`` principal directions scaled by the excess of their variances over
    ``s2``, the mean of the remaining eigenvalues). ``r = 0`` keeps only the mean and ``s2``."""

    def __init__(self, X: np.ndarray, rank: int):
        X = np.asarray(X, dtype=np.float64)
        self.mean = X.mean(0)
        d = X.shape[1]
        C = np.cov(X, rowvar=False) if len(X) > 1 else np.zeros((d, d))
        ev, V = np.linalg.eigh(C)
        ev, V = ev[::-1].clip(min=0), V[:, ::-1]
        r = min(rank, d - 1)
        self.s2 = float(ev[r:].mean())
        self.U = V[:, :r] * np.sqrt(np.maximum(ev[:r] - self.s2, 0.0))
        self.rank = r

    def n_floats(self) -> int:
        return self.mean.size + self.U.size + 1

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        d = self.mean.size
        return (self.mean + rng.standard_normal((n, self.rank)) @ self.U.T
                + np.sqrt(self.s2) * rng.standard_normal((n, d)))


def features(net: nn.Module, X) -> np.ndarray:
    with torch.no_grad():
        return net(torch.as_tensor(X, dtype=torch.float32)).numpy().astype(np.float64)


def krr_head_accuracy(net: nn.Module, Xmem: np.ndarray, ymem: np.ndarray, Xte: np.ndarray,
                      yte: np.ndarray, lam: float) -> float:
    """Accuracy on ``(Xte, yte)`` (labels +-1) of the linear-kernel KRR head fitted on the memory."""
    Fm, Ft = features(net, Xmem), features(net, Xte)
    pred = krr_fit_predict(Fm @ Fm.T, ymem, Ft @ Fm.T, lam)
    return float(np.mean(np.sign(pred) == yte))


def train_sequence(X: torch.Tensor, y: torch.Tensor, tasks: list[np.ndarray], *, mode: str,
                   hidden=(32,), feat_dim: int = 16, epochs: int = 20, batch_size: int = 64,
                   lr: float = 1e-2, lam: float = 1.0, supcon_weight: float = 0.0,
                   temperature: float = 0.1, seed: int = 0, after_task=None):
    """Train the shared extractor on the tasks in order. ``mode="krr"``: KCL's in-batch KRR loss
    (plus ``supcon_weight`` times SupCon on the batch's features); ``mode="naive"``: a linear head
    per task trained with the logistic loss, no memory. Returns ``(net, heads)``.
    ``after_task(t, net, heads)`` is called after each task (to evaluate)."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = mlp(X.shape[1], hidden, feat_dim)
    heads = []
    for t, idx in enumerate(tasks):
        Xt, yt = X[idx], y[idx]
        signs = (yt % 2 == 0).float() * 2 - 1  # even class +1, odd class -1
        params = list(net.parameters())
        if mode == "naive":
            head = nn.Linear(feat_dim, 1)
            heads.append(head)
            params = params + list(head.parameters())
        opt = torch.optim.Adam(params, lr=lr)
        for _ in range(epochs):
            perm = torch.randperm(len(idx), generator=gen)
            for i in range(0, len(idx) - 3, batch_size):
                b = perm[i:i + batch_size]
                f = net(Xt[b])
                if mode == "naive":
                    loss = nn.functional.softplus(-signs[b] * head(f)[:, 0]).mean()
                else:
                    loss = krr_batch_loss(f, signs[b], lam)
                    if supcon_weight > 0:
                        loss = loss + supcon_weight * supcon(f, yt[b], temperature)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        if after_task is not None:
            after_task(t, net, heads)
    return net, heads


def naive_accuracy(net: nn.Module, head: nn.Module, Xte, yte_sign) -> float:
    """Accuracy of naive fine-tuning's stored linear head of a task."""
    with torch.no_grad():
        out = head(net(torch.as_tensor(Xte, dtype=torch.float32)))[:, 0].numpy()
    return float(np.mean(np.sign(out) == yte_sign))


def average_accuracy_and_forgetting(acc: np.ndarray) -> tuple[float, float]:
    """From ``acc[i, j]`` (accuracy on task ``j`` after training task ``i``, ``j <= i``): the
    average final accuracy over tasks and the average forgetting, max over earlier stages of the
    accuracy on a task minus its final accuracy (tasks 0..T-2)."""
    T = acc.shape[0]
    avg = float(acc[-1].mean())
    forg = float(np.mean([acc[j:T - 1, j].max() - acc[-1, j] for j in range(T - 1)]))
    return avg, forg
