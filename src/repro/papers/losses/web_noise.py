"""Noise detection for web-like noisy data: linear separation vs small loss (Albert et al., ECCV 2024).

A web-crawled training set mixes in-distribution (ID) images, some with wrong labels, and
out-of-distribution (OOD) images that belong to no class but carry a class label anyway. The
paper (authors' code: github.com/PaulAlbert31/LSA) observes that in a contrastive (SimCLR)
feature space the ID and OOD images are almost linearly separable, and compares two detectors:

* **small loss** (:func:`small_loss_detect`): fit a two-component Gaussian mixture to the
  min-max-normalised per-example training losses; an example is noisy when the posterior of the
  high-loss component exceeds 1/2 (the criterion of DivideMix/PLS);
* **linear separation** (:func:`linear_separation_detect`): fit a logistic regression on the
  standardised contrastive features that separates a *trusted* clean subset from a trusted noisy
  subset (in the authors' code both come from the small-loss detection), with balanced class
  weights and no penalty, and call noisy whatever lies on the noisy side of the hyperplane;

and a **hybrid** that alternates the two detectors from one round of training to the next
(:func:`train_with_detection` with ``schedule=("linear", "loss")``). Training on the examples a
detector keeps is done by :func:`train_with_detection`, through :func:`repro.nn.training.train`.

:func:`ood_patches` makes the OOD images of the chapters: 8x8 grey-level patches cut from
scikit-learn's two bundled photographs.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from repro.nn.models import mlp, predict
from repro.nn.training import train


def ood_patches(n: int, rng: np.random.Generator, side: int = 8, zoom: int = 4) -> np.ndarray:
    """``n`` OOD images: random ``side*zoom`` square crops of the grey-level sample photographs
    (china.jpg, flower.jpg), average-pooled by ``zoom`` to ``side x side`` and min-max scaled to
    [0, 1] (like the digits' pixels); returns an array of shape ``(n, side * side)``."""
    from sklearn.datasets import load_sample_images

    images = [im.mean(2) for im in load_sample_images().images]
    w = side * zoom
    out = np.empty((n, side * side))
    for i in range(n):
        im = images[rng.integers(len(images))]
        r, c = rng.integers(im.shape[0] - w + 1), rng.integers(im.shape[1] - w + 1)
        p = im[r:r + w, c:c + w].reshape(side, zoom, side, zoom).mean((1, 3))
        p = (p - p.min()) / max(p.max() - p.min(), 1e-8)
        out[i] = p.ravel()
    return out


def min_max(a) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return (a - a.min()) / max(a.max() - a.min(), 1e-12)


def small_loss_detect(losses, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy mask and noisy probability from a 2-component GMM on min-max-normalised losses."""
    from sklearn.mixture import GaussianMixture

    x = min_max(losses).reshape(-1, 1)
    gmm = GaussianMixture(n_components=2, max_iter=100, tol=1e-3, reg_covar=5e-4, random_state=seed).fit(x)
    p_high = gmm.predict_proba(x)[:, int(np.argmax(gmm.means_.ravel()))]
    return p_high > 0.5, p_high


def linear_separation_detect(features, trusted_clean, trusted_noisy) -> tuple[np.ndarray, np.ndarray]:
    """Noisy mask and noisy probability from a logistic regression on standardised ``features``
    fitted to separate the ``trusted_clean`` from the ``trusted_noisy`` rows (index arrays or
    masks), with balanced class weights and no penalty."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    f = StandardScaler().fit_transform(np.asarray(features, dtype=float))
    idx_c, idx_n = (np.flatnonzero(t) if np.asarray(t).dtype == bool else np.asarray(t)
                    for t in (trusted_clean, trusted_noisy))
    if len(idx_c) == 0 or len(idx_n) == 0:
        raise ValueError("linear separation needs at least one trusted clean and one trusted noisy example")
    X = np.concatenate([f[idx_c], f[idx_n]])
    t = np.concatenate([np.zeros(len(idx_c)), np.ones(len(idx_n))])
    lr = LogisticRegression(C=np.inf, max_iter=2000, class_weight="balanced").fit(X, t)  # no penalty
    p = lr.predict_proba(f)[:, 1]
    return p > 0.5, p


def per_example_losses(model, Z: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Cross-entropy of every example under ``model`` (evaluation mode)."""
    return F.cross_entropy(predict(model, Z), y, reduction="none").cpu().numpy()


def train_with_detection(Z: torch.Tensor, y: torch.Tensor, n_classes: int, *, inputs: torch.Tensor | None = None,
                         schedule=("loss",),
                         rounds: int = 10, warmup_epochs: int = 20, epochs_per_round: int = 10,
                         hidden=(128,), lr: float = 1e-3, weight_decay: float = 0.0,
                         batch_size: int | None = 128, seed: int = 0, after_round=None) -> tuple[torch.nn.Module, list]:
    """Train an MLP classifier with noisy labels ``y``, discarding the examples a detector flags,
    re-detecting every round. The classifier reads ``inputs`` (e.g. raw pixels, trained end to
    end) or, when ``inputs`` is None, the frozen contrastive features ``Z``; the linear separation
    always works in ``Z``.

    After ``warmup_epochs`` on all examples, each of the ``rounds`` rounds (i) computes the
    per-example losses and the small-loss detection, (ii) detects with ``schedule[r % len]``:
    ``"loss"`` keeps the small-loss detection, ``"linear"`` fits the linear separation on ``Z``
    with the small-loss clean/noisy examples as trusted sets, ``"none"`` keeps everything, and
    (iii) trains ``epochs_per_round`` epochs on the kept examples only (weight 0 for the others).
    Returns the model and, per round, ``dict(which, noisy, score)``; ``after_round(r, model,
    record)`` is called after each round's training.
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    X = Z if inputs is None else inputs
    model = mlp(X.shape[1], list(hidden), n_classes).to(X.device)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    train(model, F.cross_entropy, X, y, epochs=warmup_epochs, batch_size=batch_size, optimizer=opt,
          generator=gen, desc="warm-up")
    history = []
    Z_np = Z.cpu().numpy()
    for r in range(rounds):
        which = schedule[r % len(schedule)]
        noisy_sl, p_sl = small_loss_detect(per_example_losses(model, X, y), seed=seed)
        if which == "loss":
            noisy, score = noisy_sl, p_sl
        elif which == "linear":
            noisy, score = linear_separation_detect(Z_np, ~noisy_sl, noisy_sl)
        elif which == "none":
            noisy, score = np.zeros(len(y), dtype=bool), np.zeros(len(y))
        else:
            raise ValueError(f"unknown detector {which!r}; use 'loss', 'linear' or 'none'")
        w = torch.as_tensor(~noisy, dtype=X.dtype, device=X.device)

        def loss(out, yb, idx, w=w):
            return (w[idx] * F.cross_entropy(out, yb, reduction="none")).sum() / w[idx].sum().clamp_min(1.0)

        train(model, loss, X, y, epochs=epochs_per_round, batch_size=batch_size, optimizer=opt,
              generator=gen, desc=f"round {r} ({which})", with_index=True)
        record = dict(which=which, noisy=noisy, score=score)
        history.append(record)
        if after_round is not None:
            after_round(r, model, record)
    return model, history
