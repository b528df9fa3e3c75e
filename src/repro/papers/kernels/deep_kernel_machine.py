"""Deep kernel machines and the Bayesian representation learning limit (Yang et al. 2023, ICML).

A deep Gaussian process (DGP) with ``L`` hidden layers acts on Gram matrices. With inputs
``X`` (``P x N_0``) let ``G_0 = X X^T / N_0``. Layer ``l`` has ``N_l`` feature columns drawn
independently from ``N(0, K(G_{l-1}))`` and ``G_l = F_l F_l^T / N_l``; the outputs ``Y``
(``P x N_{L+1}``) have columns from ``N(0, K(G_L) + s2 I)``. Here ``K`` is the arc-cosine
(ReLU NNGP) kernel map, which needs nothing but the previous Gram matrix.

*Bayesian representation learning limit* (paper, Sec. 4): let every width grow, ``N_l = nu_l N``
for the hidden layers and ``N_{L+1} = N`` output columns, i.e. the data ``y`` are replicated
``N`` times. Because ``N_l G_l`` is Wishart, ``log p(G_1..G_L | Y) = N * L(G) + O(1)`` with the
*DKM objective* (paper, Eq. 14-16)

    L(G_1..G_L) = log N(y; 0, K(G_L) + s2 I) - sum_l nu_l KL(N(0, G_l) || N(0, K(G_{l-1}))),

so the posterior concentrates on the maximiser ``G*``. Without the replication the likelihood is
``O(1)`` against an ``O(N)`` prior and the posterior falls back onto the NNGP prior.

This module gives the objective (torch, float64, Cholesky-parameterised Gram matrices), its
optimiser, and an HMC sampler of the
finite-width DGP posterior in whitened coordinates ``F_l = chol(K(G_{l-1})) Z_l``.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy import optimize

DTYPE = torch.float64


# --------------------------------------------------------------------------- kernel and KL
def arccos_kernel(G: torch.Tensor) -> torch.Tensor:
    """ReLU NNGP map ``K(G) = 2 E[relu(u) relu(v)]``, ``(u, v) ~ N(0, G)`` (Cho & Saul 2009).

    Scaled so that ``K(G)_ii = G_ii`` (He initialisation); positively homogeneous, ``K(cG) = cK(G)``.
    The diagonal is set in closed form so that gradients stay finite where ``cos t = 1``.
    """
    d = torch.diagonal(G)
    norm = torch.sqrt(d[:, None] * d[None, :])
    c = (G / norm).clamp(-1 + 1e-12, 1 - 1e-12)
    t = torch.arccos(c)
    K = norm / math.pi * (torch.sin(t) + (math.pi - t) * c)
    eye = torch.eye(G.shape[0], dtype=G.dtype, device=G.device, requires_grad=False)
    return K * (1 - eye) + torch.diag(d)


def gaussian_kl(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """``KL(N(0, A) || N(0, B)) = (tr(B^-1 A) - P + log|B| - log|A|) / 2`` for P x P covariances."""
    P = A.shape[0]
    LA = torch.linalg.cholesky(A)
    LB = torch.linalg.cholesky(B)
    M = torch.linalg.solve_triangular(LB, LA, upper=False)
    return 0.5 * ((M ** 2).sum() - P + 2 * torch.log(torch.diagonal(LB)).sum()
                  - 2 * torch.log(torch.diagonal(LA)).sum())


def gauss_loglik(y: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """``log N(y; 0, C)`` for a vector ``y`` (or the sum over the columns of a matrix ``y``)."""
    y = y.reshape(C.shape[0], -1)
    L = torch.linalg.cholesky(C)
    a = torch.linalg.solve_triangular(L, y, upper=False)
    n = y.shape[1]
    return -0.5 * (a ** 2).sum() - n * torch.log(torch.diagonal(L)).sum() \
        - 0.5 * n * C.shape[0] * math.log(2 * math.pi)


# --------------------------------------------------------------------------- the DKM objective
def gram_from_chol(V: torch.Tensor) -> torch.Tensor:
    """``G = V V^T`` from an unconstrained square matrix: lower triangle, diagonal through exp."""
    Lo = torch.tril(V, -1) + torch.diag(torch.exp(torch.diagonal(V)))
    return Lo @ Lo.T


def chol_param(G: np.ndarray) -> np.ndarray:
    """Inverse of :func:`gram_from_chol`: the unconstrained matrix whose Gram is ``G``."""
    Lo = np.linalg.cholesky(G)
    V = np.tril(Lo, -1)
    V[np.diag_indices_from(V)] = np.log(np.diag(Lo))
    return V


def nngp_grams(G0, n_layers: int, kernel=arccos_kernel) -> list:
    """Prior (NNGP) Gram matrices ``G_l = K(G_{l-1})``, ``l = 1..L``: the DKM optimum at zero
    likelihood weight."""
    G = torch.as_tensor(G0, dtype=DTYPE)
    out = []
    for _ in range(n_layers):
        G = kernel(G)
        out.append(G.detach().numpy())
    return out


def dkm_objective(Gs, G0, y, noise: float, nus, train=None, like_weight: float = 1.0,
                  kernel=arccos_kernel, jitter: float = 1e-8):
    """DKM objective (paper, Eq. 16) and its pieces for Gram matrices ``Gs = [G_1, ..., G_L]``.

    ``y`` holds the targets of the points ``train`` (all points if None); the KL terms cover all
    points, so test points can be carried along (the full, non-sparse DKM). ``like_weight``
    multiplies the log-likelihood (1 in the paper; 0 gives back the NNGP prior).
    Returns ``(objective, loglik, [KL_1, ..., KL_L])``.
    """
    P = G0.shape[0]
    eye = torch.eye(P, dtype=DTYPE)
    prev = G0
    kls = []
    for G, nu in zip(Gs, nus):
        Kp = kernel(prev) + jitter * eye
        kls.append(gaussian_kl(G + jitter * eye, Kp))
        prev = G
    Ktop = kernel(prev)
    if train is not None:
        Ktop = Ktop[train][:, train]
    C = Ktop + noise * torch.eye(Ktop.shape[0], dtype=DTYPE)
    ll = gauss_loglik(y, C)
    obj = like_weight * ll - sum(nu * kl for nu, kl in zip(nus, kls))
    return obj, ll, kls


def fit_dkm(G0, y, noise: float, nus, train=None, like_weight: float = 1.0, init=None,
            maxiter: int = 2000, kernel=arccos_kernel, gtol: float = 1e-9):
    """Maximise the DKM objective over Cholesky-parameterised ``G_1..G_L`` with L-BFGS.

    Starts from the NNGP Grams (or ``init``). Returns a dict with the Grams (NumPy), the
    objective, log-likelihood, KLs and the optimiser's result.
    """
    G0t = torch.as_tensor(G0, dtype=DTYPE)
    yt = torch.as_tensor(y, dtype=DTYPE)
    L = len(nus)
    P = G0t.shape[0]
    start = init if init is not None else nngp_grams(G0t, L, kernel)
    x0 = np.concatenate([chol_param(G + 1e-10 * np.eye(P)).ravel() for G in start])

    def unpack(x):
        V = torch.as_tensor(x, dtype=DTYPE).reshape(L, P, P).requires_grad_(True)
        return V, [gram_from_chol(V[i]) for i in range(L)]

    def f(x):
        V, Gs = unpack(x)
        obj = dkm_objective(Gs, G0t, yt, noise, nus, train, like_weight, kernel)[0]
        (-obj).backward()
        return -obj.item(), V.grad.numpy().ravel().copy()

    res = optimize.minimize(f, x0, jac=True, method="L-BFGS-B",
                            options=dict(maxiter=maxiter, gtol=gtol, ftol=1e-15, maxcor=30))
    _, Gs = unpack(res.x)
    obj, ll, kls = dkm_objective([G.detach() for G in Gs], G0t, yt, noise, nus, train,
                                 like_weight, kernel)
    return dict(grams=[G.detach().numpy() for G in Gs], objective=obj.item(), loglik=ll.item(),
                kls=[k.item() for k in kls], result=res)


# --------------------------------------------------------------------------- finite DGP sampler
def dgp_log_post(Zs, G0, y, noise: float, widths, n_rep: int, kernel=arccos_kernel,
                 jitter: float = 1e-8):
    """Log posterior (up to a constant) of a finite DGP in whitened coordinates.

    ``F_l = chol(K(G_{l-1})) Z_l`` with ``Z_l`` (``P x N_l``) standard normal under the prior
    (no Jacobian: ``p(F | G) dF = N(Z; 0, I) dZ``), ``G_l = F_l F_l^T / N_l``; the output layer
    sees ``n_rep`` copies of ``y`` (``n_rep = N`` is the representation learning limit,
    ``n_rep = 1`` the plain DGP). Returns ``(log_post, [G_1, ..., G_L])``.
    """
    P = G0.shape[0]
    eye = torch.eye(P, dtype=DTYPE)
    prev = G0
    Gs = []
    lp = 0.0
    for Z, N in zip(Zs, widths):
        Lk = torch.linalg.cholesky(kernel(prev) + jitter * eye)
        F = Lk @ Z
        prev = F @ F.T / N
        Gs.append(prev)
        lp = lp - 0.5 * (Z ** 2).sum()
    C = kernel(prev) + noise * eye
    lp = lp + n_rep * gauss_loglik(y, C)
    return lp, Gs


def hmc_dgp(G0, y, noise: float, widths, n_rep: int, n_iter: int, n_burn: int,
            step: float = 0.1, traj: float = 1.0, max_leap: int = 20, seed: int = 0,
            kernel=arccos_kernel, record=None):
    """Hamiltonian Monte Carlo (Metropolis-corrected leapfrog, jittered step) on the whitened
    DGP posterior, started from a prior draw. Each trajectory integrates for about ``traj`` time
    units (at most ``max_leap`` leapfrog steps); in whitened coordinates the prior has unit
    curvature, and a length near pi would map ``Z`` to ``-Z``, which leaves every Gram matrix
    unchanged, so lengths around 1 decorrelate best. During the ``n_burn`` burn-in iterations the step
    size adapts towards an acceptance probability of 0.75; it is frozen afterwards, so the kept
    chain is a valid Markov chain. Returns the mean of each ``G_l`` over the kept iterations,
    the acceptance rate of the kept iterations, the final step and, if ``record`` (a function of
    the Grams) is given, its value after every iteration."""
    g = torch.Generator().manual_seed(seed)
    G0t = torch.as_tensor(G0, dtype=DTYPE)
    yt = torch.as_tensor(y, dtype=DTYPE)
    P = G0t.shape[0]
    Z = [torch.randn(P, N, generator=g, dtype=DTYPE) for N in widths]

    def grad(Zs):
        Zs = [z.detach().requires_grad_(True) for z in Zs]
        lp, Gs = dgp_log_post(Zs, G0t, yt, noise, widths, n_rep, kernel)
        gr = torch.autograd.grad(lp, Zs)
        return lp.detach(), list(gr), [G.detach() for G in Gs]

    lp, gr, Gs = grad(Z)
    sums = [torch.zeros(P, P, dtype=DTYPE) for _ in widths]
    trace, accepted = [], 0
    for it in range(n_iter):
        eps = step * (0.8 + 0.4 * torch.rand(1, generator=g).item())
        n_leap = int(min(max_leap, max(1, round(traj / eps))))
        p = [torch.randn(z.shape, generator=g, dtype=DTYPE) for z in Z]
        h0 = lp.item() - 0.5 * sum((q ** 2).sum().item() for q in p)
        Zn = [z.clone() for z in Z]
        pn = [q + 0.5 * eps * d for q, d in zip(p, gr)]
        try:
            for k in range(n_leap):
                Zn = [z + eps * q for z, q in zip(Zn, pn)]
                lpn, grn, Gn = grad(Zn)
                scale = eps if k < n_leap - 1 else 0.5 * eps
                pn = [q + scale * d for q, d in zip(pn, grn)]
            h1 = lpn.item() - 0.5 * sum((q ** 2).sum().item() for q in pn)
        except torch.linalg.LinAlgError:  # a diverging trajectory: reject it
            h1 = -math.inf
        log_acc = min(0.0, h1 - h0) if math.isfinite(h1) else -math.inf
        if math.log(torch.rand(1, generator=g).item() + 1e-300) < log_acc:
            Z, lp, gr, Gs = Zn, lpn, grn, Gn
            accepted += it >= n_burn
        if it < n_burn:
            step *= math.exp((math.exp(log_acc) - 0.75) / math.sqrt(1 + it))
        else:
            sums = [s + G for s, G in zip(sums, Gs)]
        if record is not None:
            trace.append(record([G.numpy() for G in Gs]))
    n_keep = n_iter - n_burn
    return dict(mean=[(s / n_keep).numpy() for s in sums], accept=accepted / n_keep, step=step,
                trace=np.array(trace), last=[G.numpy() for G in Gs])


def rel_frob(A, B) -> float:
    """``||A - B||_F / ||B||_F``."""
    return float(np.linalg.norm(A - B) / np.linalg.norm(B))
