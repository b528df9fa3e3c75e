"""Unconstrained-features model with the features anchored to given features ``H0``.

Tirer, Huang and Niles-Weed, "Perturbation Analysis of Neural Collapse" (ICML 2023), Eq. 2:

    f(W, H; H0) = 1/(2Kn) ||W H - Y||^2 + lam_w/(2K) ||W||^2 + lam_h/(2Kn) ||H||^2
                  + beta/(2Kn) ||H - H0||^2,

with ``K`` classes of ``n`` samples, features ``H`` (``d x Kn``, columns ordered class by class)
and one-hot targets ``Y = I_K (x) 1_n^T``. Everything here works with ``Kn * f`` (same minimisers,
simpler constants). Vectorisation is column-stacking, ``vec(A X B) = (B^T (x) A) vec(X)``, as in
the paper's Theorem 4.1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize


@dataclass(frozen=True)
class Problem:
    """Sizes and hyperparameters of Eq. 2 (``beta = 0`` gives the plain UFM of Eq. 1)."""

    K: int
    n: int
    lam_w: float
    lam_h: float
    beta: float = 0.0

    @property
    def N(self) -> int:
        return self.K * self.n

    @property
    def Y(self) -> np.ndarray:
        return np.kron(np.eye(self.K), np.ones((1, self.n)))

    @property
    def labels(self) -> np.ndarray:
        return np.repeat(np.arange(self.K), self.n)


# ---------------------------------------------------------------- neural-collapse metrics (Sec. 3)
def scatter_traces(H: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """``(Tr Sigma_W(H), Tr Sigma_B(H))`` with the paper's normalisations (1/(Kn) and 1/K)."""
    K = labels.max() + 1
    means = np.stack([H[:, labels == k].mean(1) for k in range(K)], axis=1)
    within = H - means[:, labels]
    between = means - means.mean(1, keepdims=True)
    return float((within ** 2).sum() / H.shape[1]), float((between ** 2).sum() / K)


def nc1_trace(H: np.ndarray, labels: np.ndarray) -> float:
    """The paper's metric of Eq. 3: ``Tr(Sigma_W) / Tr(Sigma_B)`` (0 iff exact within-class collapse)."""
    sw, sb = scatter_traces(H, labels)
    return sw / sb


def nc1_pinv(H: np.ndarray, labels: np.ndarray) -> float:
    """The popular metric ``Tr(Sigma_W Sigma_B^+) / K`` (Papyan et al. 2020), used in Sec. 5."""
    K = labels.max() + 1
    means = np.stack([H[:, labels == k].mean(1) for k in range(K)], axis=1)
    within = H - means[:, labels]
    between = means - means.mean(1, keepdims=True)
    sigma_w = within @ within.T / H.shape[1]
    sigma_b = between @ between.T / K
    return float(np.trace(sigma_w @ np.linalg.pinv(sigma_b)) / K)


# ---------------------------------------------------------------- the reduced objective and its flow
def optimal_W(H: np.ndarray, p: Problem) -> np.ndarray:
    """Closed-form minimiser over ``W`` for fixed ``H``: ``Y H^T (H H^T + n lam_w I)^{-1}`` (Sec. 3)."""
    d = H.shape[0]
    return np.linalg.solve(H @ H.T + p.n * p.lam_w * np.eye(d), H @ p.Y.T).T


def central_path_velocity(H: np.ndarray, p: Problem) -> np.ndarray:
    """Right-hand side of the gradient flow Eq. 4, ``-Kn grad L(H)``, with ``W = W*(H)`` (envelope)."""
    W = optimal_W(H, p)
    return -(W.T @ (W @ H - p.Y) + p.lam_h * H)


def central_path_flow(H0: np.ndarray, p: Problem, t_max: float, steps: int) -> tuple[np.ndarray, list]:
    """Integrate Eq. 4 from ``H0`` to ``t_max`` with ``steps`` classical Runge-Kutta (RK4) steps.

    Returns the times and the list of feature matrices ``H_t`` at those times (``steps + 1`` of them).
    """
    dt = t_max / steps
    H, out = H0.copy(), [H0.copy()]
    for _ in range(steps):
        k1 = central_path_velocity(H, p)
        k2 = central_path_velocity(H + 0.5 * dt * k1, p)
        k3 = central_path_velocity(H + 0.5 * dt * k2, p)
        k4 = central_path_velocity(H + dt * k3, p)
        H = H + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out.append(H.copy())
    return np.linspace(0.0, t_max, steps + 1), out


def _class_means(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.stack([X[:, labels == k].mean(1) for k in range(labels.max() + 1)], axis=1)


def nc1_trace_rate(H: np.ndarray, p: Problem) -> float:
    """Time derivative of :func:`nc1_trace` along Eq. 4 at ``H`` (exact: the traces are quadratic)."""
    V = central_path_velocity(H, p)
    labels = p.labels
    within = lambda X: X - _class_means(X, labels)[:, labels]  # noqa: E731
    between = lambda X: _class_means(X, labels) - X.mean(1, keepdims=True)  # noqa: E731
    sw, sb = scatter_traces(H, labels)
    dsw = 2 * (within(H) * within(V)).sum() / H.shape[1]
    dsb = 2 * (between(H) * between(V)).sum() / p.K
    return float((dsw * sb - sw * dsb) / sb ** 2)


def reduced_objective(H: np.ndarray, H0: np.ndarray, p: Problem) -> tuple[float, np.ndarray]:
    """``Kn`` times Eq. 2 minimised over ``W``, and its gradient in ``H`` (envelope theorem)."""
    W = optimal_W(H, p)
    R = W @ H - p.Y
    value = 0.5 * (R ** 2).sum() + 0.5 * p.n * p.lam_w * (W ** 2).sum() + 0.5 * p.lam_h * (H ** 2).sum() \
        + 0.5 * p.beta * ((H - H0) ** 2).sum()
    grad = W.T @ R + p.lam_h * H + p.beta * (H - H0)
    return float(value), grad


class NotConverged(RuntimeError):
    """An optimiser stopped before its convergence test was met (the result would be unreliable)."""


def minimise(H0: np.ndarray, p: Problem, start: np.ndarray | None = None, gtol: float = 1e-11,
             max_iter: int = 20000, tol: float = 1e-6, full_output: bool = False):
    """Minimiser ``H_{1/beta}`` of Eq. 2 reached by L-BFGS from ``start`` (default ``H0``).

    Convergence is checked on the result, not on L-BFGS's status (which reports a line-search
    failure once the gradient is at round-off): the largest entry of the gradient of ``Kn * f``
    must be at most ``tol``, else :class:`NotConverged` is raised. With ``full_output=True`` the
    result is ``(H, max |grad|)``.
    """
    shape = H0.shape

    def fun(x):
        v, g = reduced_objective(x.reshape(shape), H0, p)
        return v, g.ravel()

    x0 = (H0 if start is None else start).ravel()
    res = minimize(fun, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": gtol, "ftol": 0.0, "maxcor": 30})
    H = res.x.reshape(shape)
    grad = float(np.abs(reduced_objective(H, H0, p)[1]).max())
    if not np.isfinite(grad) or grad > tol:
        raise NotConverged(f"L-BFGS stopped after {res.nit} iterations with max |grad| = {grad:.2e} "
                           f"> tol = {tol:.0e} ({res.message})")
    return (H, grad) if full_output else H


# ---------------------------------------------------------------- collapse and perturbation (Sec. 4)
def collapsed_minimiser(d: int, p: Problem, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A global minimiser ``(W*, H*)`` of Eq. 1 (Theorem 2.1): orthogonal collapse, random frame ``R``.

    ``H* = sqrt(rho) R (x) 1_n^T``, ``W* = sqrt(lam_h/lam_w) sqrt(rho) R^T`` with
    ``rho = (1 - sqrt(lam_h lam_w)) sqrt(lam_w/lam_h)``; requires ``d >= K`` and ``lam_h lam_w < 1``.
    """
    c = np.sqrt(p.lam_h * p.lam_w)
    if not (d >= p.K and 0 < c < 1):
        raise ValueError("Theorem 2.1 needs d >= K and 0 < lam_h * lam_w < 1")
    rho = (1 - c) * np.sqrt(p.lam_w / p.lam_h)
    R, _ = np.linalg.qr(rng.standard_normal((d, p.K)))
    H = np.sqrt(rho) * np.kron(R, np.ones((1, p.n)))
    W = np.sqrt(p.lam_h / p.lam_w) * np.sqrt(rho) * R.T
    return W, H


def commutation(rows: int, cols: int) -> np.ndarray:
    """Matrix ``T`` with ``T vec(A) = vec(A^T)`` for ``A`` of shape ``rows x cols`` (column-stacking)."""
    T = np.zeros((rows * cols, rows * cols))
    for i in range(rows):
        for j in range(cols):
            T[i * cols + j, j * rows + i] = 1.0
    return T


def hessian_blocks(W: np.ndarray, H: np.ndarray, p: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blocks ``(A_HH, A_HW, A_WW)`` of the Hessian of ``Kn * f`` in ``(vec H, vec W)``, ``beta`` included.

    ``A_HH = I_N (x) W^T W + (lam_h + beta) I``, ``A_WW = H H^T (x) I_K + n lam_w I`` and
    ``A_HW = H^T (x) W^T + (R^T (x) I_d) T`` with ``R = W H - Y`` (derivative of ``grad_H`` in ``vec W``).
    """
    K, d = W.shape
    N = H.shape[1]
    R = W @ H - p.Y
    A_hh = np.kron(np.eye(N), W.T @ W) + (p.lam_h + p.beta) * np.eye(d * N)
    A_ww = np.kron(H @ H.T, np.eye(K)) + p.n * p.lam_w * np.eye(d * K)
    A_hw = np.kron(H.T, W.T) + np.kron(R.T, np.eye(d)) @ commutation(K, d)
    return A_hh, A_hw, A_ww


def linear_response(W: np.ndarray, H: np.ndarray, p: Problem) -> np.ndarray:
    """Theorem 4.1: ``vec(dH) ~ F vec(dH0)`` with ``F = beta (A_HH - A_HW A_WW^{-1} A_WH)^{-1}``.

    ``(W, H)`` must be the minimiser of Eq. 2 for the unperturbed ``H0``.
    """
    A_hh, A_hw, A_ww = hessian_blocks(W, H, p)
    schur = A_hh - A_hw @ np.linalg.solve(A_ww, A_hw.T)
    return p.beta * np.linalg.inv(schur)


def large_beta_response(W: np.ndarray, H: np.ndarray, p: Problem) -> np.ndarray:
    """Eq. 5, the ``beta >> 1`` expansion of :func:`linear_response`: ``I - M / beta`` with
    ``M = lam_h I + I_N (x) W^T W - Z`` and ``Z = A_HW A_WW^{-1} A_WH`` (the paper's ``Z*``)."""
    A_hh, A_hw, A_ww = hessian_blocks(W, H, p)
    M = A_hh - p.beta * np.eye(A_hh.shape[0]) - A_hw @ np.linalg.solve(A_ww, A_hw.T)
    return np.eye(A_hh.shape[0]) - M / p.beta


def class_blocks(F: np.ndarray, d: int, n: int, k: int, j: int) -> np.ndarray:
    """Block ``F_{k,j}`` of Eq. 6 (``dn x dn``): how class ``j`` of ``dH0`` moves class ``k`` of ``dH``."""
    m = d * n
    return F[k * m:(k + 1) * m, j * m:(j + 1) * m]


def theorem42_singular_values(p: Problem) -> dict:
    """Theorem 4.2: ``sigma_max(F_kk) = 1``, ``sigma_min(F_kk) = 1 - sqrt(lam_h/lam_w)/beta`` and
    ``sigma_max(F_kj) = 2 lam_h (1 - sqrt(lam_h lam_w)) / beta`` for ``k != j`` (rank one)."""
    return {"intra_max": 1.0,
            "intra_min": 1.0 - np.sqrt(p.lam_h / p.lam_w) / p.beta,
            "inter_max": 2.0 * p.lam_h * (1.0 - np.sqrt(p.lam_h * p.lam_w)) / p.beta}


def joint_newton(W: np.ndarray, H: np.ndarray, H0: np.ndarray, p: Problem, tol: float = 1e-11,
                 max_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Stationary point of Eq. 2 in ``(W, H)`` by Newton's method from ``(W, H)`` (small problems).

    Used to get minimisers to round-off accuracy near a known minimiser, where Newton converges
    quadratically. It stops when the largest entry of the gradient of ``Kn * f`` is below ``tol``
    and raises :class:`NotConverged` when that has not happened within ``max_iter`` steps (or the
    iterates blew up). Whether the stationary point is a minimum is left to the caller.
    """
    K, d = W.shape
    N = H.shape[1]
    grad = np.inf
    for it in range(max_iter + 1):
        R = W @ H - p.Y
        g_h = W.T @ R + p.lam_h * H + p.beta * (H - H0)
        g_w = R @ H.T + p.n * p.lam_w * W
        g = np.concatenate([g_h.ravel(order="F"), g_w.ravel(order="F")])
        grad = float(np.abs(g).max())
        if grad < tol or not np.isfinite(grad) or it == max_iter:
            break
        A_hh, A_hw, A_ww = hessian_blocks(W, H, p)
        A = np.block([[A_hh, A_hw], [A_hw.T, A_ww]])
        step = np.linalg.solve(A, g)
        H = H - step[:d * N].reshape((d, N), order="F")
        W = W - step[d * N:].reshape((K, d), order="F")
    if not grad < tol:
        raise NotConverged(f"Newton's method: max |grad| = {grad:.2e} >= tol = {tol:.0e} "
                           f"after {max_iter} steps")
    return W, H
