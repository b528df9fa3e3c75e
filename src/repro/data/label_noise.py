"""Label-noise injection with a realised noise rate equal to the one asked for."""
from __future__ import annotations

import numpy as np


def _flip_indices(n: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"noise rate must be in [0, 1], got {rate}")
    return rng.choice(n, size=int(round(rate * n)), replace=False)


def symmetric(y, n_classes: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Relabel exactly ``round(rate * n)`` examples to a *different* class, uniformly at random."""
    y = np.asarray(y).copy()
    idx = _flip_indices(len(y), rate, rng)
    shift = rng.integers(1, n_classes, size=len(idx))
    y[idx] = (y[idx] + shift) % n_classes
    return y


def pair(y, n_classes: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Asymmetric (pair) noise: exactly ``round(rate * n)`` examples of class c become c + 1 mod K."""
    y = np.asarray(y).copy()
    idx = _flip_indices(len(y), rate, rng)
    y[idx] = (y[idx] + 1) % n_classes
    return y


def instance_dependent(y, features, n_classes: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Instance-dependent noise in the spirit of Xia et al. (2020, Alg. 2).

    Each example gets a flip probability q_i ~ N(rate, 0.1^2) clipped to [0, 1]; its wrong-class
    distribution is softmax(x_i W_{y_i}) over the other classes, with W random. Exactly
    ``round(rate * n)`` examples are flipped, those with the largest q_i * u_i^(-1) keys
    (weighted sampling without replacement), so the realised rate is the one asked for.
    """
    y = np.asarray(y).copy()
    X = np.asarray(features, dtype=float).reshape(len(y), -1)
    n, d = X.shape
    q = np.clip(rng.normal(rate, 0.1, n), 1e-6, 1.0)
    keys = rng.random(n) ** (1.0 / q)
    idx = np.argsort(-keys)[: int(round(rate * n))]
    W = rng.standard_normal((n_classes, d, n_classes))
    for i in idx:
        logits = X[i] @ W[y[i]]
        logits[y[i]] = -np.inf
        p = np.exp(logits - logits.max())
        y[i] = rng.choice(n_classes, p=p / p.sum())
    return y


def long_tail_counts(n_max: int, n_classes: int, imbalance: float) -> np.ndarray:
    """Exponential profile n_c = n_max * imbalance^(-c / (K - 1)) (Cui et al. 2019)."""
    c = np.arange(n_classes)
    return np.maximum(1, np.floor(n_max * imbalance ** (-c / max(n_classes - 1, 1)))).astype(int)


def long_tail_subsample(y, imbalance: float, rng: np.random.Generator, n_classes: int | None = None) -> np.ndarray:
    """Indices of a long-tailed subset: class c keeps ``long_tail_counts`` examples (n_max = the
    smallest class size), so the ratio of largest to smallest class is ``imbalance``."""
    y = np.asarray(y)
    K = n_classes or int(y.max()) + 1
    per = [np.flatnonzero(y == c) for c in range(K)]
    counts = long_tail_counts(min(len(p) for p in per), K, imbalance)
    return np.sort(np.concatenate([rng.choice(p, size=k, replace=False) for p, k in zip(per, counts)]))
