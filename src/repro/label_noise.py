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
