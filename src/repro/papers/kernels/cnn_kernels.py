"""Kernels of infinitely wide hierarchical (tree-like) convolutional networks.

Cagnetta, Favero & Wyart, "What can be learnt with wide convolutional neural networks?"
(ICML 2023), Sec. 2: a 1-d CNN whose layers use non-overlapping filters, so that the network is
a tree. Layer 1 sees patches of ``filters[0]`` adjacent inputs, layer ``l`` combines
``filters[l-1]`` neighbouring units of layer ``l-1``, and the readout averages the units left
after the last layer (no weight sharing is needed in the infinite-width limit: a CNN without
pooling and its locally connected version have the same kernels). With ReLU units, weights of
variance 2 (He) and no biases, and every first-layer patch on the unit sphere, the recursion
(paper's Eqs. 3-5, arc-cosine kernels of Cho & Saul 2009) acts on patch cosines:

    k1(t) = (sqrt(1 - t^2) + (pi - arccos t) t) / pi,    k0(t) = (pi - arccos t) / pi,
    NNGP:  Sigma <- mean_over_children k1(Sigma),
    NTK:   Theta <- mean_over_children [k0(Sigma) Theta + k1(Sigma)],   Sigma = Theta = cos at start.

A single patch covering the whole input with extra filter-1 layers is a fully connected ReLU
network (the same kernels as :func:`repro.gp.nn_kernels.nngp_ntk` after rescaling the input).
All functions accept per-patch cosines of any trailing shape, so the same code gives Gram
matrices and the kernel on a grid (used for exact spectra on a torus: :func:`torus_spectrum`).
"""
from __future__ import annotations

import numpy as np


def k0(t):
    """Arc-cosine kernel of degree 0 (twice E[relu'(u) relu'(v)] at unit variances)."""
    return (np.pi - np.arccos(np.clip(t, -1.0, 1.0))) / np.pi


def k1(t):
    """Arc-cosine kernel of degree 1 (twice E[relu(u) relu(v)] at unit variances)."""
    t = np.clip(t, -1.0, 1.0)
    return (np.sqrt(1.0 - t ** 2) + (np.pi - np.arccos(t)) * t) / np.pi


def _check_filters(d: int, filters) -> list[int]:
    filters = [int(f) for f in filters]
    if not filters or min(filters) < 1:
        raise ValueError(f"filters must be a non-empty list of positive sizes, got {filters}")
    if d % int(np.prod(filters)):
        raise ValueError(f"input dimension {d} is not a multiple of prod(filters) = {int(np.prod(filters))}")
    return filters


def _arccos_pair(t):
    """``(k0(t), k1(t))`` with one ``arccos`` evaluation (the hot loop of every Gram matrix)."""
    t = np.clip(t, -1.0, 1.0)
    k0t = 1.0 - np.arccos(t) / np.pi
    return k0t, np.sqrt(1.0 - t * t) / np.pi + k0t * t


def _group_mean(children: list, g: int) -> list:
    """Average consecutive groups of ``g`` children (the inputs of one parent node)."""
    return [sum(children[i:i + g]) / g for i in range(0, len(children), g)]


def kernels_from_cosines(cos, filters) -> tuple[np.ndarray, np.ndarray]:
    """NNGP and NTK of the tree CNN from the first-layer patch cosines.

    ``cos`` is a sequence of ``P = d / filters[0]`` arrays (one per patch, in input order) that
    broadcast against each other; ``filters[1:]`` group them layer by layer and the readout
    averages whatever is left. Broadcasting keeps the cost low on grids: a layer's arrays only
    grow to the dimensions their receptive field depends on.
    """
    cos = [np.asarray(c, dtype=np.float64) for c in cos]
    filters = _check_filters(len(cos) * int(filters[0]), filters)
    groups = filters[1:] + [len(cos) // int(np.prod(filters[1:]))]  # last: the readout
    sigma, theta = cos, cos
    for g in groups:
        pairs = [_arccos_pair(c) for c in sigma]
        rfk = [b for _, b in pairs]
        theta = _group_mean([a * t + b for (a, b), t in zip(pairs, theta)], g)
        sigma = _group_mean(rfk, g)
    return sigma[0], theta[0]


def patch_cosines(X: np.ndarray, Y: np.ndarray, s: int, normalize: bool = False) -> np.ndarray:
    """Cosines (a list of ``d/s`` arrays ``(n_X, n_Y)``) between the non-overlapping ``s``-patches of X and Y."""
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    P = X.shape[1] // s
    Xp, Yp = X.reshape(len(X), P, s), Y.reshape(len(Y), P, s)
    if normalize:
        Xp = Xp / np.linalg.norm(Xp, axis=-1, keepdims=True)
        Yp = Yp / np.linalg.norm(Yp, axis=-1, keepdims=True)
    return [Xp[:, p] @ Yp[:, p].T for p in range(P)]


def cnn_kernels(X: np.ndarray, Y: np.ndarray, filters, normalize: bool = False):
    """Gram matrices ``(NNGP, NTK)`` of the tree CNN with ``filters`` (first layer first)."""
    filters = _check_filters(np.shape(X)[1], filters)
    return kernels_from_cosines(patch_cosines(X, Y, filters[0], normalize), filters)


def fc_kernels(X: np.ndarray, Y: np.ndarray, depth: int):
    """Gram matrices ``(NNGP, NTK)`` of a fully connected ReLU net with ``depth`` hidden layers
    on the normalised inputs: the tree CNN whose one patch is the whole input."""
    d = np.shape(X)[1]
    return cnn_kernels(X, Y, [d] + [1] * (depth - 1), normalize=True)


def sample_patch_spheres(rng: np.random.Generator, n: int, d: int, s: int) -> np.ndarray:
    """``n`` inputs in ``R^d`` whose ``d/s`` consecutive ``s``-patches are uniform on ``S^{s-1}``
    (the input distribution of the paper's teacher-student experiments)."""
    Z = rng.standard_normal((n, d // s, s))
    return (Z / np.linalg.norm(Z, axis=-1, keepdims=True)).reshape(n, d)


def gaussian_field(rng: np.random.Generator, K: np.ndarray, jitter: float = 1e-10) -> np.ndarray:
    """One draw of a centred Gaussian random field with covariance Gram matrix ``K``."""
    n = len(K)
    L = np.linalg.cholesky(K + jitter * np.trace(K) / n * np.eye(n))
    return L @ rng.standard_normal(n)


def torus_spectrum(filters, n_patches: int, grid: int, kernel: str = "ntk", fc: bool = False) -> np.ndarray:
    """Exact Mercer eigenvalues on inputs made of 2-d patches on circles, one per Fourier mode.

    With ``filters[0] = 2`` every patch is an angle, the data are uniform on the torus
    ``T^P`` and any kernel of the per-patch cosines ``cos(theta_p - theta'_p)`` is translation
    invariant there, so its eigenfunctions are Fourier modes and its eigenvalues the Fourier
    coefficients of ``K(Delta theta)``, computed by an FFT on a ``grid^P`` lattice (modes with
    ``|k_p| < grid/2`` are resolved, higher ones alias). ``fc=True`` gives the fully connected
    kernel of depth ``len(filters)`` on the normalised input, whose cosine is the mean patch
    cosine. The ``grid^P`` eigenvalues come in FFT order, the same for every kernel, so a
    teacher's and a student's spectra can be paired mode by mode.
    """
    angles = 2 * np.pi * np.arange(grid) / grid
    cos = [np.cos(angles).reshape([grid if q == p else 1 for q in range(n_patches)]) for p in range(n_patches)]
    if fc:
        sig, th = kernels_from_cosines([sum(cos) / n_patches], [2 * n_patches] + [1] * (len(filters) - 1))
    else:
        sig, th = kernels_from_cosines(cos, filters)
    K = np.broadcast_to(th if kernel == "ntk" else sig, [grid] * n_patches)
    lam = np.real(np.fft.fftn(K)) / K.size
    return np.clip(lam.ravel(), 0.0, None)
