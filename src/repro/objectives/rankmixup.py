"""RankMixup: ranking-based mixup losses for calibration (Noh et al., ICCV 2023).

Mixup (Zhang et al., 2018) supervises an augmented sample ``x~ = lam x_a + (1 - lam) x_b`` with
the label mixture ``lam e_a + (1 - lam) e_b``. RankMixup drops the label mixture and uses an
*ordering* instead: the network is trained with cross-entropy on the raw samples only, and the
augmented samples enter through a ranking term on the *top-class* scores.

* **MRL** (the paper's mixup-based ranking loss): a raw sample should be scored above its
  mixed version by a margin ``m``, ``max(0, s~_i - s_i + m)`` per sample, where ``s`` is the
  largest logit (as in the authors' code; the paper writes it with the largest softmax
  probability, ``on="prob"`` here). Blends of two samples of the same class (whose label mixture
  is still one-hot) are handled in one of two ways, chosen with ``mask``:

  - ``mask="skip"`` (default): such a blend contributes 0 and still counts in the batch mean,
    ``L = mean_i keep_i * h_i`` with ``h_i`` the hinge and ``keep_i`` 0 for a same-class blend;
  - ``mask="authors"``: what the authors' code computes. Their mask has shape ``(B,)`` and their
    hinge ``(B, 1)``, so the product broadcasts to a ``B x B`` matrix whose mean is
    ``mean(keep) * mean_i h_i``: every blend's hinge is kept (same-class blends included) and the
    whole term is scaled by the fraction of mixed-class blends in the batch. No blend is skipped.
* **M-NDCG** (the paper's mixup normalised discounted cumulative gain loss): with ``K`` mixed versions of each sample, list the raw sample
  first (relevance 1) and the mixed ones in decreasing order of their relevance
  ``r_k = max(lam_k, 1 - lam_k)`` (1 for same-class pairs). With confidences ``c`` (largest
  softmax probability) and discounts ``d_j = 1 / log2(j + 1)`` for positions ``j = 1..K+1``,
  ``DCG = sum_j d_j c_j`` and ``IDCG = sum_j d_j r_j``; the loss is ``1 - min(DCG/IDCG, IDCG/DCG)``,
  zero exactly when the discounted confidences match the discounted mixing coefficients.

The total objective is ``CE(raw) + weight * L_rank`` (the authors use weight 0.1, a logit margin
of 2 and mixing coefficients from Beta(2, 2) on CIFAR, with 1 mixed copy for MRL and 3 for
M-NDCG). :class:`RankMixupLoss` packages it for :func:`repro.nn.training.train` (``with_index=True``):
it looks up the batch's raw inputs, mixes them and runs the model on the mixtures itself, so
the shared training loop is used unchanged. :class:`MixupLoss` is the plain-mixup baseline in the
same form.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce

VARIANTS = ("mrl", "mndcg")


def mix_batch(x: torch.Tensor, y: torch.Tensor, n_classes: int, lam: float, perm: torch.Tensor):
    """Mixup of a batch with itself: ``(lam x + (1 - lam) x[perm], lam e_y + (1 - lam) e_y[perm])``."""
    onehot = F.one_hot(y, n_classes).to(x.dtype)
    return lam * x + (1 - lam) * x[perm], lam * onehot + (1 - lam) * onehot[perm]


def relevance(mixed_target: torch.Tensor) -> torch.Tensor:
    """Relevance of a mixed sample for M-NDCG: the largest entry of its label mixture."""
    return mixed_target.max(-1).values


def mrl(raw_logits: torch.Tensor, mix_logits: torch.Tensor, mixed_target: torch.Tensor,
        margin: float = 2.0, on: str = "logit", reduction: str = "mean", mask: str = "skip") -> torch.Tensor:
    """Mixup ranking loss (MRL): the hinge ``h_i = max(0, s(mixed_i) - s(raw_i) + margin)``, masked.

    ``s`` is the top logit (``on="logit"``, authors' code) or top softmax probability
    (``on="prob"``, as the paper writes it). A blend is *same-class* when its mixed target is
    still one-hot (two samples of one class, or ``lam`` in {0, 1}).

    * ``mask="skip"``: per sample ``keep_i * h_i``, with ``keep_i = 0`` for a same-class blend
      (which still counts in the mean).
    * ``mask="authors"``: the authors' code, whose ``(B,)`` mask times ``(B, 1)`` hinge broadcasts
      to ``B x B``; its mean is ``mean(keep) * mean_i h_i``. Per sample we return
      ``mean(keep) * h_i``, whose mean is exactly that: same-class blends are *not* skipped, the
      whole term is scaled by the fraction of mixed-class blends.
    """
    if on == "logit":
        s_raw, s_mix = raw_logits.max(-1).values, mix_logits.max(-1).values
    elif on == "prob":
        s_raw, s_mix = F.softmax(raw_logits, -1).max(-1).values, F.softmax(mix_logits, -1).max(-1).values
    else:
        raise ValueError(f"on={on!r}; choose 'logit' or 'prob'")
    keep = (mixed_target < 1.0).all(-1).to(raw_logits.dtype)
    hinge = F.relu(s_mix - s_raw + margin)
    if mask == "skip":
        per = keep * hinge
    elif mask == "authors":
        per = keep.mean() * hinge
    else:
        raise ValueError(f"mask={mask!r}; choose 'skip' or 'authors'")
    return reduce(per, reduction)


def ndcg_terms(conf_raw: torch.Tensor, conf_mix: torch.Tensor, rel_mix: torch.Tensor):
    """``(DCG, IDCG)`` per sample from raw confidences ``(B,)``, mixed
    confidences ``(B, K)`` and their relevances ``(B, K)``; the raw sample (relevance 1) comes first,
    the mixed ones sorted by decreasing relevance (as in the M-NDCG of the paper)."""
    order = torch.argsort(rel_mix, dim=1, descending=True, stable=True)
    conf = torch.cat([conf_raw[:, None], conf_mix.gather(1, order)], 1)
    rel = torch.cat([torch.ones_like(conf_raw)[:, None], rel_mix.gather(1, order)], 1)
    disc = 1.0 / torch.log2(torch.arange(2, conf.shape[1] + 2, dtype=conf.dtype, device=conf.device))
    return (conf * disc).sum(1), (rel * disc).sum(1)


def mndcg(raw_logits: torch.Tensor, mix_logits: torch.Tensor, rel_mix: torch.Tensor,
          reduction: str = "mean") -> torch.Tensor:
    """M-NDCG loss: ``1 - min(DCG/IDCG, IDCG/DCG)`` per sample.

    ``raw_logits`` is ``(B, C)``, ``mix_logits`` ``(B, K, C)`` (K mixed versions of each sample),
    ``rel_mix`` ``(B, K)`` their mixing-coefficient relevances (:func:`relevance`). Confidences are
    top softmax probabilities.
    """
    conf_raw = F.softmax(raw_logits, -1).max(-1).values
    conf_mix = F.softmax(mix_logits, -1).max(-1).values
    dcg, idcg = ndcg_terms(conf_raw, conf_mix, rel_mix)
    ratio = torch.where(idcg > dcg, dcg / idcg, idcg / dcg)
    return reduce(1.0 - ratio, reduction)


class _MixingLoss:
    """Shared state of the mixup-style losses: the training inputs, the model and the RNGs."""

    def __init__(self, model, X: torch.Tensor, n_classes: int, mix_alpha: float = 1.0, seed: int = 0):
        if mix_alpha <= 0:
            raise ValueError(f"mix_alpha must be > 0, got {mix_alpha}")
        self.model, self.X, self.n_classes, self.mix_alpha = model, X, n_classes, float(mix_alpha)
        self.rng = np.random.default_rng(seed)
        self.gen = torch.Generator().manual_seed(seed)

    def draw(self, xb: torch.Tensor, yb: torch.Tensor):
        """One mixup of the batch: lam ~ Beta(alpha, alpha), a random pairing within the batch."""
        lam = float(self.rng.beta(self.mix_alpha, self.mix_alpha))
        perm = torch.randperm(len(xb), generator=self.gen).to(xb.device)
        return mix_batch(xb, yb, self.n_classes, lam, perm)


class MixupLoss(_MixingLoss):
    """Plain mixup (Zhang et al., 2018): soft cross-entropy on one mixed batch per step.

    Call as ``loss(out, y, index)``; ``out`` (the raw batch's logits) is not used.
    """

    def __call__(self, out: torch.Tensor, y: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        x_mix, t_mix = self.draw(self.X[index], y)
        logits = self.model(x_mix)
        return -(t_mix * F.log_softmax(logits, -1)).sum(-1).mean()


class RankMixupLoss(_MixingLoss):
    """``CE(raw) + weight * L_rank`` with ``L_rank`` the MRL (``variant="mrl"``, ``n_mix`` mixed
    copies, usually 1; ``mrl_mask`` as in :func:`mrl`) or the M-NDCG (``variant="mndcg"``, usually
    3 copies).

    ``weight=0`` is plain cross-entropy. Call as ``loss(out, y, index)`` with
    :func:`repro.nn.training.train(..., with_index=True)`; ``out`` are the raw batch's logits.
    """

    def __init__(self, model, X: torch.Tensor, n_classes: int, variant: str = "mndcg",
                 weight: float = 0.1, mix_alpha: float = 2.0, n_mix: int = 3, margin: float = 2.0,
                 seed: int = 0, mrl_mask: str = "skip"):
        super().__init__(model, X, n_classes, mix_alpha, seed)
        if variant not in VARIANTS:
            raise ValueError(f"variant={variant!r}; choose one of {VARIANTS}")
        if n_mix < 1:
            raise ValueError(f"n_mix must be >= 1, got {n_mix}")
        if mrl_mask not in ("skip", "authors"):
            raise ValueError(f"mrl_mask={mrl_mask!r}; choose 'skip' or 'authors'")
        self.variant, self.weight, self.n_mix, self.margin = variant, float(weight), int(n_mix), float(margin)
        self.mrl_mask = mrl_mask

    def __call__(self, out: torch.Tensor, y: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        ce = F.cross_entropy(out, y)
        if self.weight == 0.0:
            return ce
        xb = self.X[index]
        mixes = [self.draw(xb, y) for _ in range(self.n_mix)]
        logits = self.model(torch.cat([m[0] for m in mixes])).view(self.n_mix, len(xb), -1)
        targets = torch.stack([m[1] for m in mixes])
        if self.variant == "mrl":
            rank = torch.stack([mrl(out, logits[k], targets[k], self.margin, reduction="none", mask=self.mrl_mask)
                                for k in range(self.n_mix)]).mean(0).mean()
        else:
            rank = mndcg(out, logits.transpose(0, 1), relevance(targets).t())
        return ce + self.weight * rank
