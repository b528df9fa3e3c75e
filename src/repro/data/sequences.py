"""Synthetic token sequences: modular arithmetic, Markov chains and Zipfian vocabularies."""
from __future__ import annotations

import numpy as np


def modular_addition(p: int, train_fraction: float, rng: np.random.Generator):
    """All pairs (a, b) in Z_p^2 with label (a + b) mod p, split at random.

    Returns ``(pairs_train, labels_train, pairs_test, labels_test)``; pairs are int arrays (n, 2).
    """
    a, b = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
    pairs = np.stack([a.ravel(), b.ravel()], 1)
    labels = (pairs[:, 0] + pairs[:, 1]) % p
    idx = rng.permutation(len(pairs))
    n_train = int(round(train_fraction * len(pairs)))
    tr, te = idx[:n_train], idx[n_train:]
    return pairs[tr], labels[tr], pairs[te], labels[te]


def random_markov_chain(vocab: int, rng: np.random.Generator, concentration: float = 1.0) -> np.ndarray:
    """A transition matrix with rows ~ Dirichlet(concentration)."""
    return rng.dirichlet(np.full(vocab, concentration), size=vocab)


def sample_markov(P: np.ndarray, n_seq: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """``n_seq`` sequences of ``length`` tokens from transition matrix ``P`` (uniform start)."""
    vocab = len(P)
    out = np.empty((n_seq, length), dtype=np.int64)
    out[:, 0] = rng.integers(0, vocab, n_seq)
    cdf = np.cumsum(P, 1)
    for t in range(1, length):
        u = rng.random(n_seq)
        out[:, t] = np.minimum((u[:, None] > cdf[out[:, t - 1]]).sum(1), vocab - 1)
    return out


def markov_entropy_rate(P: np.ndarray) -> float:
    """Entropy rate (nats/token) of the chain under its stationary distribution."""
    w, v = np.linalg.eig(P.T)
    pi = np.real(v[:, np.argmin(np.abs(w - 1))])
    pi = pi / pi.sum()
    logP = np.log(np.where(P > 0, P, 1.0))
    return float(-(pi[:, None] * P * logP).sum())


def zipf_probabilities(vocab: int, exponent: float = 1.0) -> np.ndarray:
    """p_k proportional to k^{-exponent}, k = 1..vocab."""
    p = np.arange(1, vocab + 1, dtype=float) ** (-exponent)
    return p / p.sum()
