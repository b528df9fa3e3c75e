"""Kernels of infinitely wide fully connected networks: NNGP and NTK.

For a ReLU network with weight variance ``sw2`` and bias variance ``sb2`` the layer recursion
uses the arc-cosine kernel of degree 1 (Cho & Saul 2009):
  E[relu(u) relu(v)] = sqrt(q_u q_v) / (2 pi) * (sin t + (pi - t) cos t),
  E[relu'(u) relu'(v)] = (pi - t) / (2 pi),      t = arccos(c_uv / sqrt(q_u q_v)).
The NNGP is Sigma^{l+1} = sw2 * E[phi phi] + sb2 (Lee et al. 2018) and the NTK is
Theta^{l+1} = Sigma^{l+1} + sw2 * E[phi' phi'] * Theta^l (Jacot et al. 2018, Thm. 1), with
Sigma^1 = Theta^1 = sw2 x.x'/d + sb2. ``erf`` uses Williams (1997)'s closed form.
"""
from __future__ import annotations

import numpy as np


def _relu_expectations(k12, k11, k22):
    """Elementwise E[relu(u)relu(v)] and E[relu'(u)relu'(v)] for (u, v) with covariance k."""
    norm = np.sqrt(k11 * k22)
    c = np.clip(k12 / np.maximum(norm, 1e-300), -1.0, 1.0)
    t = np.arccos(c)
    return norm / (2 * np.pi) * (np.sin(t) + (np.pi - t) * c), (np.pi - t) / (2 * np.pi)


def _erf_expectations(k12, k11, k22):
    """Elementwise E[erf(u)erf(v)] and E[erf'(u)erf'(v)] (Williams 1997)."""
    a, b = 1 + 2 * k11, 1 + 2 * k22
    e_phi = 2 / np.pi * np.arcsin(np.clip(2 * k12 / np.sqrt(a * b), -1, 1))
    e_dphi = 4 / np.pi / np.sqrt(a * b - 4 * k12 ** 2)
    return e_phi, e_dphi


EXPECTATIONS = {"relu": _relu_expectations, "erf": _erf_expectations}


def nngp_ntk(X1: np.ndarray, X2: np.ndarray, depth: int, activation: str = "relu",
             sw2: float = 2.0, sb2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """NNGP and NTK Gram matrices of an MLP with ``depth`` hidden layers (inputs ``(n, d)``).

    Returns ``(Sigma, Theta)`` for the scalar network output (readout with variance ``sw2``).
    """
    if activation not in EXPECTATIONS:
        raise ValueError(f"activation={activation!r}; choose one of {sorted(EXPECTATIONS)}")
    X1, X2 = np.asarray(X1, dtype=float), np.asarray(X2, dtype=float)
    d = X1.shape[1]
    k12 = sw2 * X1 @ X2.T / d + sb2
    k11 = sw2 * (X1 ** 2).sum(1) / d + sb2
    k22 = sw2 * (X2 ** 2).sum(1) / d + sb2
    theta = k12.copy()
    expect = EXPECTATIONS[activation]
    for _ in range(depth):
        e12, de12 = expect(k12, k11[:, None], k22[None, :])
        k12 = sw2 * e12 + sb2
        theta = k12 + sw2 * de12 * theta
        k11 = sw2 * expect(k11, k11, k11)[0] + sb2
        k22 = sw2 * expect(k22, k22, k22)[0] + sb2
    return k12, theta
