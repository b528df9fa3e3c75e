"""Early-Learning Regularization (ELR) for noisy labels (Liu et al., NeurIPS 2020).

For example i with logits z_i, prediction p_i = softmax(z_i) (clamped to [eps, 1 - eps] as in
the authors' code) and (possibly wrong) label y_i, the loss on a batch B is (paper, Eq. 6)

    L = 1/|B| sum_i [ CE(z_i, y_i) + lambda * log(1 - <p_i, t_i>) ],

where t_i is a temporal ensemble of the model's own past predictions (paper, Eq. 7),

    t_i <- beta * t_i + (1 - beta) * p_i      (p_i detached, updated each time i is in a batch).

The regulariser is minimised by aligning p_i with t_i; since t_i is formed during early learning,
when the model mostly predicts the true class, it pulls p_i away from memorising a false y_i.
Its gradient with respect to the logits (paper, Lemma 4.2 / Eq. 9) is

    d/dz_ic  lambda * log(1 - <p_i, t_i>) = lambda * p_ic * (<p_i, t_i> - t_ic) / (1 - <p_i, t_i>),

implemented by :func:`elr_logit_grad` and checked against autograd in the tests.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

EPS = 1e-4  # probability clamp of the reference implementation


class ELRLoss:
    """Cross-entropy plus the ELR term, with one target row per training example.

    ``lam`` is lambda, ``beta`` the temporal-ensembling momentum. ``lam=0`` is plain cross-entropy.
    Call as ``loss(logits, y, index)`` (``repro.nn.training.train(..., with_index=True)``) where ``index`` holds the batch's positions in the training
    set; each call first updates ``self.target[index]``, then returns the mean loss.
    """

    def __init__(self, n_examples: int, n_classes: int, lam: float = 3.0, beta: float = 0.7,
                 device="cpu"):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"beta must be in [0, 1), got {beta}")
        if lam < 0:
            raise ValueError(f"lam must be >= 0, got {lam}")
        self.lam, self.beta = float(lam), float(beta)
        self.target = torch.zeros(n_examples, n_classes, device=device)

    def update_targets(self, p: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Eq. 7: t_i <- beta t_i + (1 - beta) p_i / sum(p_i) (p detached); returns the new rows."""
        p = p.detach()
        if self.target.dtype != p.dtype:
            self.target = self.target.to(p.dtype)
        self.target[index] = self.beta * self.target[index] + (1 - self.beta) * p / p.sum(1, keepdim=True)
        return self.target[index]

    def __call__(self, logits: torch.Tensor, y: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        p = F.softmax(logits, dim=1).clamp(EPS, 1.0 - EPS)
        t = self.update_targets(p, index)
        ce = F.cross_entropy(logits, y)
        if self.lam == 0.0:
            return ce
        return ce + self.lam * torch.log(1.0 - (t * p).sum(1)).mean()


def elr_logit_grad(logits: torch.Tensor, y: torch.Tensor, target: torch.Tensor, lam: float) -> torch.Tensor:
    """Hand-derived gradient of the batch-mean ELR loss w.r.t. the logits (Eq. 9, no clamping).

    Row i: (p_i - e_{y_i} + lambda * g_i) / |B| with g_ic = p_ic (<p_i, t_i> - t_ic) / (1 - <p_i, t_i>).
    """
    p = F.softmax(logits, dim=1)
    pt = (p * target).sum(1, keepdim=True)
    g = p * (pt - target) / (1.0 - pt)
    return (p - F.one_hot(y, p.shape[1]).to(p.dtype) + lam * g) / len(logits)
