"""Hessian tools for PyTorch losses: Hessian-vector products, top eigenvalues, trace.

The Hessian-vector product uses double back-propagation (Pearlmutter 1994): Hv = d/dθ (g.v).
Top eigenvalues come from Lanczos (scipy's ARPACK ``eigsh`` on a LinearOperator) or power
iteration; the trace from Hutchinson's estimator E[v^T H v] with Rademacher v.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def flat_params(params) -> list[torch.Tensor]:
    return [p for p in params if p.requires_grad]


def hvp(loss_fn: Callable[[], torch.Tensor], params, v: torch.Tensor) -> torch.Tensor:
    """H v for the Hessian of ``loss_fn()`` w.r.t. ``params`` (``v`` flat, same total size)."""
    params = flat_params(params)
    grads = torch.autograd.grad(loss_fn(), params, create_graph=True)
    g = torch.cat([x.reshape(-1) for x in grads])
    Hv = torch.autograd.grad(g @ v, params)
    return torch.cat([x.reshape(-1) for x in Hv]).detach()


def full_hessian(loss_fn, params) -> torch.Tensor:
    """Dense Hessian (small models only), built column by column from HVPs."""
    params = flat_params(params)
    n = sum(p.numel() for p in params)
    eye = torch.eye(n, dtype=params[0].dtype)
    return torch.stack([hvp(loss_fn, params, eye[i]) for i in range(n)], 1)


def top_eigenpairs(loss_fn, params, k: int = 1, tol: float = 1e-6, seed: int = 0):
    """The ``k`` largest (algebraic) Hessian eigenvalues, decreasing, and their unit eigenvectors
    (columns of a tensor, sign fixed so that each column's largest entry is positive), by Lanczos."""
    from scipy.sparse.linalg import LinearOperator, eigsh

    params = flat_params(params)
    n = sum(p.numel() for p in params)
    dtype = params[0].dtype

    def mv(x):
        return hvp(loss_fn, params, torch.as_tensor(np.ravel(x), dtype=dtype)).double().numpy()

    v0 = np.random.default_rng(seed).standard_normal(n)
    vals, vecs = eigsh(LinearOperator((n, n), matvec=mv, dtype=np.float64), k=k, which="LA", tol=tol, v0=v0)
    order = np.argsort(vals)[::-1]
    V = vecs[:, order]
    V = V * np.sign(V[np.abs(V).argmax(0), np.arange(k)])
    return vals[order], torch.as_tensor(V, dtype=dtype)


def top_eigenvalues(loss_fn, params, k: int = 1, tol: float = 1e-6, seed: int = 0) -> np.ndarray:
    """The ``k`` largest (algebraic) Hessian eigenvalues by Lanczos, in decreasing order."""
    return top_eigenpairs(loss_fn, params, k, tol, seed)[0]


def power_iteration(loss_fn, params, iters: int = 100, seed: int = 0) -> float:
    """Largest-magnitude Hessian eigenvalue by power iteration (Rayleigh quotient)."""
    params = flat_params(params)
    n = sum(p.numel() for p in params)
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(n, generator=g, dtype=params[0].dtype)
    v /= v.norm()
    lam = 0.0
    for _ in range(iters):
        w = hvp(loss_fn, params, v)
        lam = float(v @ w)
        v = w / w.norm()
    return lam


def hutchinson_trace(loss_fn, params, n_samples: int = 100, seed: int = 0) -> float:
    """Unbiased estimate of tr(H) with Rademacher probes."""
    params = flat_params(params)
    n = sum(p.numel() for p in params)
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    for _ in range(n_samples):
        v = (torch.randint(0, 2, (n,), generator=g) * 2 - 1).to(params[0].dtype)
        total += float(v @ hvp(loss_fn, params, v))
    return total / n_samples
