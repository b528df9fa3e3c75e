"""Finite-width statistics of a deep ReLU network's preactivations at initialisation.

For one input, a layer's preactivations given the previous layer are i.i.d. Gaussian with the
random variance ``G_{l+1} = (C_W/n) |relu(z_l)|^2`` (Gaussian weights, no biases), so a
preactivation is a Gaussian scale mixture with excess kurtosis ``3 Var(G) / E[G]^2``. For ReLU,
``E[G_{l+1} | G_l] = (C_W/2) G_l`` and ``E[G_{l+1}^2 | G_l] = (C_W^2/4)(1 + 5/n) G_l^2``, so after
``L`` hidden ReLU layers of width ``n`` the excess kurtosis is exactly ``3((1 + 5/n)^L - 1)``, whose
leading order ``15 L/n`` is the depth-to-width scaling of Roberts, Yaida & Hanin (2022, Ch. 5:
the normalised four-point vertex of the scale-invariant universality class grows linearly in
``L/n``), and the mean kernel follows the infinite-width recursion ``K_{l+1} = (C_W/2) K_l``
(criticality at ``C_W = 2``).

The Monte Carlo draws real weight matrices (``method="matrices"``) or, equivalently in law and
much faster, uses that ``W a`` with i.i.d. ``N(0, C_W/n)`` entries is distributed as
``|a| sqrt(C_W/n) g`` with ``g ~ N(0, I_n)`` for any fixed vector ``a`` (``method="rotation"``);
the tests check that both give the same statistics.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Ensemble:
    """Per network (rows) and depth ``L = 0..depth`` (columns, ``L`` ReLU layers before the layer):
    ``G`` the conditional variance of the layer's preactivations, and ``m2``/``m4`` the mean over
    the layer's ``n`` units of ``z^2`` and ``z^4``."""

    G: np.ndarray
    m2: np.ndarray
    m4: np.ndarray


def relu_ensemble(width: int, depth: int, n_networks: int, cw: float = 2.0, in_dim: int = 8,
                  seed: int = 0, chunk: int = 256, method: str = "rotation") -> Ensemble:
    """Preactivations of ``n_networks`` random ReLU MLPs (width ``width``, weights ``N(0, C_W/fan_in)``,
    no biases) at the fixed input ``x = (1, ..., 1)`` (so ``|x|^2 / in_dim = 1``), float64."""
    if method not in ("rotation", "matrices"):
        raise ValueError(f"method={method!r}; choose 'rotation' or 'matrices'")
    gen = torch.Generator().manual_seed(seed)
    x = torch.ones(in_dim, dtype=torch.float64)
    G, m2, m4 = [], [], []
    for start in range(0, n_networks, chunk):
        m = min(chunk, n_networks - start)
        W = torch.randn(m, width, in_dim, generator=gen, dtype=torch.float64) * np.sqrt(cw / in_dim)
        z = W @ x                                                   # (m, width): first layer
        g = torch.full((m,), cw * float(x @ x) / in_dim, dtype=torch.float64)
        rows_G, rows_2, rows_4 = [g], [(z ** 2).mean(1)], [(z ** 4).mean(1)]
        for _ in range(depth):
            a = torch.relu(z)
            g = cw / width * (a ** 2).sum(1)
            if method == "matrices":
                W = torch.randn(m, width, width, generator=gen, dtype=torch.float64) * np.sqrt(cw / width)
                z = torch.bmm(W, a.unsqueeze(2)).squeeze(2)
            else:
                z = torch.sqrt(g)[:, None] * torch.randn(m, width, generator=gen, dtype=torch.float64)
            rows_G.append(g)
            rows_2.append((z ** 2).mean(1))
            rows_4.append((z ** 4).mean(1))
        G.append(torch.stack(rows_G, 1))
        m2.append(torch.stack(rows_2, 1))
        m4.append(torch.stack(rows_4, 1))
    return Ensemble(*(torch.cat(v).numpy() for v in (G, m2, m4)))


def excess_kurtosis(ens: Ensemble) -> np.ndarray:
    """Sample excess kurtosis of a preactivation at each depth, pooling units and networks."""
    return ens.m4.mean(0) / ens.m2.mean(0) ** 2 - 3


def excess_kurtosis_from_variance(ens: Ensemble) -> np.ndarray:
    """Lower-variance estimate ``3 (E[G^2] / E[G]^2 - 1)`` (exact for a Gaussian scale mixture)."""
    return 3 * ((ens.G ** 2).mean(0) / ens.G.mean(0) ** 2 - 1)


def relu_kurtosis_exact(width, depth):
    """Exact excess kurtosis after ``depth`` ReLU layers of width ``width`` (any ``C_W``, no bias)."""
    return 3 * ((1 + 5 / np.asarray(width, float)) ** np.asarray(depth, float) - 1)


def relu_kurtosis_leading(width, depth):
    """Leading order in ``L/n``: ``15 L / n``."""
    return 15 * np.asarray(depth, float) / np.asarray(width, float)
