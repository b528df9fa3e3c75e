"""Functional Bayesian Tucker decomposition, a light version (after Fang et al., ICLR 2024).

Data are observations y_n at continuous indices (i_n, j_n) of a 2-mode "tensor",
    y_n = sum_{k,l} W_kl u_k(i_n) v_l(j_n) + noise,
with a Tucker core W and latent functions u_k, v_l that carry GP priors. FunBaT writes each GP
with a Matern kernel as a linear stochastic differential equation (its state-space form), so the
posterior of a latent function given the others is a Kalman filter + Rauch-Tung-Striebel smoother
over the sorted indices: cost linear in the number of observations. The paper runs conditional
expectation propagation over all factors; here ("lite") we alternate: W by ridge least squares,
then all u_k jointly by Kalman/RTS smoothing with the others fixed at their posterior means, then
all v_l. Matern-3/2 with lengthscale l, variance s2: lambda = sqrt(3)/l,
    d/dt [f, f'] = [[0, 1], [-lambda^2, -2 lambda]] [f, f'] + white noise,
stationary covariance diag(s2, lambda^2 s2) (Hartikainen & Sarkka 2010).
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, cholesky


def matern32(a: np.ndarray, b: np.ndarray, lengthscale: float, variance: float = 1.0) -> np.ndarray:
    """Matern-3/2 kernel s2 (1 + sqrt3 r / l) exp(-sqrt3 r / l) between 1-D index arrays."""
    r = np.sqrt(3) * np.abs(np.asarray(a)[:, None] - np.asarray(b)[None, :]) / lengthscale
    return variance * (1 + r) * np.exp(-r)


def kalman_smoother(t: np.ndarray, H: np.ndarray, y: np.ndarray, observed: np.ndarray, noise: float,
                    lengthscale: float, variance: float = 1.0):
    """Posterior means and variances of R independent Matern-3/2 GPs f_1..f_R at the times ``t`` (n,)
    (any order; ties allowed), given y_n = H_n . f(t_n) + N(0, noise) where ``observed[n]`` (rows with
    observed False are prediction points). ``H`` is (n, R). Returns ``(mean (n, R), var (n, R))``.

    The exact discretisation over a step dt is A = exp(-lambda dt) [[1 + lambda dt, dt],
    [-lambda^2 dt, 1 - lambda dt]] and Q = Pinf - A Pinf A^T; the cost is O(n R^3)."""
    t, H, y, observed = (np.asarray(a) for a in (t, H, y, observed))
    n, R = H.shape
    order = np.argsort(t, kind="stable")
    ts, Hs, ys, os_ = t[order], H[order], y[order], observed[order]
    lam = np.sqrt(3) / lengthscale
    D = 2 * R
    sel = np.arange(0, D, 2)  # positions of the function values in the stacked state
    # all transitions at once: block-diagonal A_k, Q_k for the step from t_{k-1} to t_k
    dt = np.r_[0.0, np.diff(ts)]
    e = np.exp(-lam * dt)[:, None, None]
    A1 = e * np.stack([np.stack([1 + lam * dt, dt], -1), np.stack([-lam ** 2 * dt, 1 - lam * dt], -1)], 1)
    Pinf1 = np.diag([variance, lam ** 2 * variance])
    Q1 = Pinf1 - A1 @ Pinf1 @ np.swapaxes(A1, 1, 2)
    A, Q = np.zeros((n, D, D)), np.zeros((n, D, D))
    for r in range(R):
        A[:, 2 * r:2 * r + 2, 2 * r:2 * r + 2] = A1
        Q[:, 2 * r:2 * r + 2, 2 * r:2 * r + 2] = Q1
    Hfull = np.zeros((n, D))
    Hfull[:, sel] = Hs
    ms, Ps, mp, Pp = np.zeros((n, D)), np.zeros((n, D, D)), np.zeros((n, D)), np.zeros((n, D, D))
    m, P = np.zeros(D), np.kron(np.eye(R), Pinf1)
    for k in range(n):
        if k > 0:
            m, P = A[k] @ m, A[k] @ P @ A[k].T + Q[k]
        mp[k], Pp[k] = m, P
        if os_[k]:
            h = Hfull[k]
            Ph = P @ h
            gain = Ph / (h @ Ph + noise)
            m = m + gain * (ys[k] - h @ m)
            P = P - np.outer(gain, Ph)
        ms[k], Ps[k] = m, P
    # Rauch-Tung-Striebel backward pass; the gains G_k = Ps_k A_{k+1}^T Pp_{k+1}^{-1} in one batch
    G = np.swapaxes(np.linalg.solve(Pp[1:], A[1:] @ Ps[:-1]), 1, 2)
    mean_s, var_s = np.zeros((n, R)), np.zeros((n, R))
    m_s, P_s = ms[-1], Ps[-1]
    mean_s[-1], var_s[-1] = m_s[sel], np.diag(P_s)[sel]
    for k in range(n - 2, -1, -1):
        m_s = ms[k] + G[k] @ (m_s - mp[k + 1])
        P_s = Ps[k] + G[k] @ (P_s - Pp[k + 1]) @ G[k].T
        mean_s[k], var_s[k] = m_s[sel], np.diag(P_s)[sel]
    mean, var = np.zeros((n, R)), np.zeros((n, R))
    mean[order], var[order] = mean_s, var_s
    return mean, var


def make_data(n: int, rng: np.random.Generator, noise_sd: float = 0.1):
    """Synthetic continuous-indexed 2-mode data with ranks (2, 2) and smooth latent functions."""
    i, j = rng.random(n), rng.random(n)
    return i, j, truth(i, j) + noise_sd * rng.standard_normal(n)


W_TRUE = np.array([[1.0, 0.5], [-0.4, 0.8]])


def latent_u(i):
    return np.stack([np.sin(2 * np.pi * i), np.cos(3 * np.pi * i ** 2)], 1)


def latent_v(j):
    return np.stack([np.cos(2 * np.pi * j), np.exp(-((j - 0.4) / 0.15) ** 2)], 1)


def truth(i, j):
    return np.einsum("nk,kl,nl->n", latent_u(i), W_TRUE, latent_v(j))


def funbat_fit_predict(i, j, y, i_test, j_test, ranks=(2, 2), lengthscale=0.2, n_iter=5,
                       ridge=1e-3, rng=None):
    """FunBaT-lite: alternate ridge updates of the core W with Kalman/RTS smoothing of all mode-1
    functions (then all mode-2 functions) given the rest; noise variance from the residuals.
    Returns predictions at the test indices."""
    rng = rng or np.random.default_rng(0)
    n, nt = len(y), len(i_test)
    R1, R2 = ranks
    ti, tj = np.concatenate([i, i_test]), np.concatenate([j, j_test])
    obs = np.r_[np.ones(n, bool), np.zeros(nt, bool)]
    yy = np.r_[y, np.zeros(nt)]
    U = 0.1 * rng.standard_normal((n + nt, R1))
    V = np.cos(np.pi * np.outer(tj, np.arange(R2)))  # smooth deterministic start for mode 2
    W = rng.standard_normal((R1, R2)) / np.sqrt(R1 * R2)
    noise = np.var(y)
    for _ in range(n_iter):
        U, _ = kalman_smoother(ti, V @ W.T, yy, obs, noise, lengthscale)
        V, _ = kalman_smoother(tj, U @ W, yy, obs, noise, lengthscale)
        Z = np.einsum("nk,nl->nkl", U[:n], V[:n]).reshape(n, -1)
        W = np.linalg.solve(Z.T @ Z + ridge * np.eye(R1 * R2), Z.T @ y).reshape(R1, R2)
        noise = max(float(np.mean((y - Z @ W.ravel()) ** 2)), 1e-6)
    return np.einsum("nk,kl,nl->n", U[n:], W, V[n:])


def binned_tucker_fit_predict(i, j, y, i_test, j_test, bins: int, ranks=(2, 2), n_iter=30,
                              ridge=1e-2, rng=None):
    """Discretised baseline: indices binned into ``bins`` equal cells per mode, a Tucker model with
    one factor row per bin fitted by alternating ridge least squares on the observed entries."""
    rng = rng or np.random.default_rng(0)
    R1, R2 = ranks
    bi, bj = (np.minimum((a * bins).astype(int), bins - 1) for a in (i, j))
    U, V = rng.standard_normal((bins, R1)), rng.standard_normal((bins, R2))
    W = np.eye(R1, R2)

    def rows(idx, A, target, F):  # ridge solve for each bin's factor row
        out = np.zeros_like(F)
        for b in range(len(F)):
            sel = idx == b
            if sel.any():
                out[b] = np.linalg.solve(A[sel].T @ A[sel] + ridge * np.eye(F.shape[1]), A[sel].T @ target[sel])
        return out

    for _ in range(n_iter):
        U = rows(bi, V[bj] @ W.T, y, U)
        V = rows(bj, U[bi] @ W, y, V)
        Z = np.einsum("nk,nl->nkl", U[bi], V[bj]).reshape(len(y), -1)
        W = np.linalg.solve(Z.T @ Z + ridge * np.eye(R1 * R2), Z.T @ y).reshape(R1, R2)
    ti, tj = (np.minimum((a * bins).astype(int), bins - 1) for a in (i_test, j_test))
    return np.einsum("nk,kl,nl->n", U[ti], W, V[tj])


def full_gp_fit_predict(i, j, y, i_test, j_test, lengthscale=0.2, noise=0.01):
    """Exact GP on (i, j) with the product kernel k(i,i') k(j,j') (Matern-3/2): O(N^3)."""
    K = matern32(i, i, lengthscale) * matern32(j, j, lengthscale) + noise * np.eye(len(y))
    L = cholesky(K, lower=True)
    alpha = cho_solve((L, True), y)
    return (matern32(i_test, i, lengthscale) * matern32(j_test, j, lengthscale)) @ alpha
