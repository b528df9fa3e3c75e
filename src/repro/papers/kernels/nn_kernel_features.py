"""Universal random features (URFs) and scalable neural network kernel (SNNK) layers.

Sehanobish, Choromanski, Zhao, Dubey & Likhosherstov, "Scalable Neural Network Kernels",
ICLR 2024 (arXiv:2310.13225). An SNNK replaces a layer ``x -> f(w^T x)`` by a dot product
``phi(x)^T psi(w)`` of random features of the input and of the weights, chosen so that
``E[phi(x)^T psi(w)] = f(w^T x)``: inputs and parameters are disentangled and only meet in
the final dot product.

Our URF construction rests on the Gaussian identity (positive random features, Choromanski et
al. 2021): for ``g ~ N(0, I_d)`` and vectors ``u, v`` (``u`` may be complex),
``E[exp(g^T u - u^T u / 2) exp(g^T v - v^T v / 2)] = exp(u^T v)``. Taking ``v = x`` and
``u = i xi w`` gives ``exp(i xi w^T x)`` and therefore, with
``phi(x) = exp(g^T x - |x|^2 / 2)``:

- ``exp``:   ``psi(w) = exp(g^T w - |w|^2 / 2)`` (``u = w``), unbiased for ``exp(w^T x)``;
- ``cos``:   ``psi(w) = exp(|w|^2 / 2) cos(g^T w)``, unbiased for ``cos(w^T x)``;
- ``sin``:   ``psi(w) = exp(|w|^2 / 2) sin(g^T w)``, unbiased for ``sin(w^T x)``;
- ``gauss``: ``psi(w) = exp(xi^2 |w|^2 / 2) cos(xi g^T w)`` with ``xi ~ N(0, 1)``, unbiased for
  ``exp(-(w^T x)^2 / 2) = E_xi[cos(xi w^T x)]``: the general recipe for any ``f`` written as an
  expectation of ``exp(i xi z)`` over its Fourier measure (the "universal" part).

With ``m`` independent draws, features are divided by ``sqrt(m)`` and the estimate is the mean of
``m`` i.i.d. unbiased terms, so its mean squared error is ``Var / m``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

ACTIVATIONS = ("exp", "cos", "sin", "gauss")


def exact(activation: str, z):
    """The function ``f`` whose value ``f(w^T x)`` the URFs of ``activation`` estimate."""
    z = np.asarray(z, dtype=float)
    if activation == "exp":
        return np.exp(z)
    if activation == "cos":
        return np.cos(z)
    if activation == "sin":
        return np.sin(z)
    if activation == "gauss":
        return np.exp(-z ** 2 / 2)
    raise ValueError(f"activation={activation!r}; choose one of {ACTIVATIONS}")


@dataclass(frozen=True)
class URF:
    """One draw of ``m`` universal random features: projections ``G`` (m, d) and frequencies ``xi``."""

    activation: str
    G: np.ndarray
    xi: np.ndarray

    @property
    def m(self) -> int:
        return self.G.shape[0]

    def phi(self, X: np.ndarray) -> np.ndarray:
        """Input features ``exp(g_j^T x - |x|^2 / 2) / sqrt(m)``, shape ``(n, m)``."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        return np.exp(X @ self.G.T - 0.5 * (X ** 2).sum(1, keepdims=True)) / np.sqrt(self.m)

    def psi(self, W: np.ndarray) -> np.ndarray:
        """Weight features, shape ``(k, m)``, such that ``E[phi(x) . psi(w)] = f(w^T x)``."""
        W = np.atleast_2d(np.asarray(W, dtype=float))
        proj = W @ self.G.T
        sq = (W ** 2).sum(1, keepdims=True)
        if self.activation == "exp":
            out = np.exp(proj - 0.5 * sq)
        elif self.activation == "sin":
            out = np.exp(0.5 * sq) * np.sin(proj)
        else:  # cos (xi = 1) and gauss (xi ~ N(0, 1))
            out = np.exp(0.5 * self.xi ** 2 * sq) * np.cos(self.xi * proj)
        return out / np.sqrt(self.m)

    def estimate(self, X: np.ndarray, W: np.ndarray) -> np.ndarray:
        """URF estimate of ``f(X W^T)`` (shape ``(n, k)``): the SNNK dot products."""
        return self.phi(X) @ self.psi(W).T


def draw_urf(rng: np.random.Generator, activation: str, m: int, d: int) -> URF:
    """Draw ``m`` features in dimension ``d``: ``g_j ~ N(0, I_d)`` and, for ``gauss``, ``xi_j ~ N(0, 1)``."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation={activation!r}; choose one of {ACTIVATIONS}")
    G = rng.standard_normal((m, d))
    xi = rng.standard_normal(m) if activation == "gauss" else np.ones(m)
    return URF(activation, G, xi)


def exp_urf_variance(x, w) -> float:
    """Variance of one ``exp`` URF term ``phi_1(x) psi_1(w)`` (with ``m = 1``).

    ``E[(phi psi)^2] = exp(-|x|^2 - |w|^2) E[exp(2 g^T (x + w))] = exp(2|x + w|^2 - |x|^2 - |w|^2)``,
    minus the squared mean ``exp(2 w^T x)``; the MSE of the ``m``-feature estimate is this over ``m``.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    return float(np.exp(2 * np.sum((x + w) ** 2) - x @ x - w @ w) - np.exp(2 * w @ x))


def sphere(rng: np.random.Generator, n: int, d: int, radius: float) -> np.ndarray:
    """``n`` points drawn uniformly on the sphere of ``radius`` in ``R^d``."""
    Z = rng.standard_normal((n, d))
    return radius * Z / np.linalg.norm(Z, axis=1, keepdims=True)


class SNNKLayer(nn.Module):
    """SNNK layer ``x -> phi(x~)^T Psi + b`` replacing ``x -> f(W x~)`` (paper Sec. 3).

    ``x~ = radius * x / |x|`` keeps the positive random features in a low-variance range (the
    authors' code also normalises inputs). ``phi`` is fixed (``G`` and ``xi`` are buffers, drawn
    from ``generator``); only ``Psi`` (``m x out``) and the bias are trained, so the layer has
    ``m * out + out`` trainable parameters instead of ``in * out + out``: fewer when ``m < in``.
    ``init_weight`` (``out x in``) initialises ``Psi = psi(W)``, so that at initialisation the
    layer approximates ``f(W x~)``; otherwise ``Psi`` starts like a ``Linear(m, out)`` weight.
    """

    def __init__(self, in_dim: int, out_dim: int, m: int, activation: str = "cos", radius: float = 1.0,
                 generator: torch.Generator | None = None, init_weight: torch.Tensor | None = None):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation={activation!r}; choose one of {ACTIVATIONS}")
        self.activation, self.radius, self.m = activation, float(radius), int(m)
        G = torch.randn(m, in_dim, generator=generator, dtype=torch.float64)
        xi = (torch.randn(m, generator=generator, dtype=torch.float64) if activation == "gauss"
              else torch.ones(m, dtype=torch.float64))
        self.register_buffer("G", G.float())
        self.register_buffer("xi", xi.float())
        if init_weight is not None:
            urf = URF(activation, G.numpy(), xi.numpy())
            psi = torch.tensor(urf.psi(init_weight.detach().double().cpu().numpy()).T, dtype=torch.float32)
        else:
            psi = (torch.rand(m, out_dim, generator=generator) * 2 - 1) / np.sqrt(m)
        self.Psi = nn.Parameter(psi)
        self.bias = nn.Parameter(torch.zeros(out_dim))

    def phi(self, x: torch.Tensor) -> torch.Tensor:
        xt = self.radius * x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return torch.exp(xt @ self.G.T - 0.5 * self.radius ** 2) / np.sqrt(self.m)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.phi(x) @ self.Psi + self.bias


def snnk_mlp(in_dim: int, m: int, hidden: int, out_dim: int, activation: str = "cos", radius: float = 1.0,
             generator: torch.Generator | None = None) -> nn.Sequential:
    """The MLP ``in -> hidden -> out`` with its hidden layer replaced by an :class:`SNNKLayer`.

    The SNNK already stands for ``f(W x)``, so no activation follows it.
    """
    return nn.Sequential(SNNKLayer(in_dim, hidden, m, activation, radius, generator), nn.Linear(hidden, out_dim))


def n_trainable(model: nn.Module) -> int:
    """Number of trainable parameters (buffers such as the random projections excluded)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
