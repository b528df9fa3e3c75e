"""Gradient descent of a two-layer network on a quadratic single-index target, exactly and cheaply.

The model of Kumar, Bordelon, Gershman & Pehlevan (ICLR 2024, Sec. 5) is
``f(x) = (alpha/N) sum_i phi(w_i . x)`` with ``phi(h) = h + eps h^2 / 2`` and fixed readouts, trained
by full-batch GD on ``(1/P) sum_mu (f(x_mu) - f_0(x_mu) - y_mu)^2`` (output centred at its initial
value) with parameter learning rate ``lr * N / alpha^2``, so the function moves at an
``alpha``-independent speed while the weights move at speed ``1/alpha``: large ``alpha`` is lazy.
Data: ``x ~ N(0, I/D)``, ``y = (beta . x)^2 / 2`` with ``beta ~ N(0, I_D)``.

Because ``phi`` is quadratic, ``f(x) = alpha (m . x + eps/2 x^T M x)`` depends on the weights only
through the paper's sufficient statistics ``m = mean_i w_i`` and ``M = mean_i w_i w_i^T``, and every
neuron follows the same affine GD update ``w_i <- A w_i - c g`` (``A = I - c eps G``,
``g = sum_mu r_mu x_mu``, ``G = sum_mu r_mu x_mu x_mu^T``, ``c = 2 lr / (alpha P)``). So ``(m, M)``
evolve in closed form, exactly, at any width ``N``; and the test loss over the Gaussian input
distribution is a closed-form function of ``(m, M)`` (no test set). Everything is float64 NumPy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Task:
    """Inputs ``X`` (P, D) with rows ~ N(0, I/D), teacher ``beta`` and labels ``y = (X beta)^2 / 2``."""

    X: np.ndarray
    y: np.ndarray
    beta: np.ndarray

    @property
    def dim(self) -> int:
        return self.X.shape[1]


def make_task(rng: np.random.Generator, dim: int, n_train: int) -> Task:
    """Draw the paper's polynomial regression task (Sec. 5): ``beta ~ N(0, I)``, ``x ~ N(0, I/D)``."""
    beta = rng.standard_normal(dim)
    X = rng.standard_normal((n_train, dim)) / np.sqrt(dim)
    return Task(X, 0.5 * (X @ beta) ** 2, beta)


def network_output(W: np.ndarray, X: np.ndarray, alpha: float, eps: float) -> np.ndarray:
    """Direct forward pass ``(alpha/N) sum_i phi(w_i . x)`` (used by the tests and for checks)."""
    H = X @ W.T
    return alpha * (H + 0.5 * eps * H ** 2).mean(1)


def quadratic_mse(u: np.ndarray, A: np.ndarray, beta: np.ndarray) -> float:
    """Population MSE of the predictor ``u . x + x^T A x`` for ``y = (beta . x)^2/2``, ``x ~ N(0, I/D)``.

    With residual ``u . x + x^T B x``, ``B = sym(A) - beta beta^T / 2`` and covariance ``S = I/D``,
    Isserlis' theorem gives ``E[r^2] = u^T S u + tr(BS)^2 + 2 tr(BSBS)``.
    """
    D = len(beta)
    B = 0.5 * (A + A.T) - 0.5 * np.outer(beta, beta)
    return float(u @ u / D + (np.trace(B) / D) ** 2 + 2 * np.sum(B * B.T) / D ** 2)


@dataclass
class Trajectory:
    """Losses recorded every ``record_every`` steps (``steps`` holds the step numbers)."""

    steps: np.ndarray
    train: np.ndarray
    test: np.ndarray
    weight_norm2: np.ndarray


def simulate(task: Task, W0: np.ndarray, alpha: float, eps: float, lr: float, n_steps: int,
             record_every: int = 1, linearized: bool = False) -> Trajectory:
    """Full-batch GD of the centred network from first-layer weights ``W0`` (N, D), exactly.

    ``lr`` is the function-space learning rate: the parameters move with ``lr * N / alpha^2``.
    ``linearized=True`` trains the network's first-order Taylor expansion around ``W0`` instead
    (the lazy / kernel limit ``alpha -> inf``, in which ``alpha`` drops out).
    """
    X, y = task.X, task.y
    P, D = X.shape
    N = W0.shape[0]
    m0, M0 = W0.mean(0), W0.T @ W0 / N
    dm, dM = np.zeros(D), np.zeros((D, D))
    c = 2.0 * lr / (alpha * P)
    eye = np.eye(D)
    rec = {"steps": [], "train": [], "test": [], "weight_norm2": []}
    for t in range(n_steps + 1):
        r = alpha * (X @ dm + 0.5 * eps * ((X @ dM) * X).sum(1)) - y
        if t % record_every == 0 or t == n_steps:
            rec["steps"].append(t)
            rec["train"].append(float(r @ r) / P)
            rec["test"].append(quadratic_mse(alpha * dm, 0.5 * alpha * eps * dM, task.beta))
            rec["weight_norm2"].append(N * float(np.trace(M0 + dM)))
        if t == n_steps:
            break
        g = X.T @ r
        G = (X * r[:, None]).T @ X
        if linearized:
            S = np.outer(g, m0) + eps * G @ M0
            dm = dm - c * (g + eps * G @ m0)
            dM = dM - c * (S + S.T)
        else:
            m, M = m0 + dm, M0 + dM
            A = eye - c * eps * G
            Am = A @ m
            M = A @ M @ A.T - c * (np.outer(Am, g) + np.outer(g, Am)) + c * c * np.outer(g, g)
            dm, dM = Am - c * g - m0, M - M0
    return Trajectory(**{k: np.asarray(v) for k, v in rec.items()})


def ntk_regression(task: Task, W0: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Ridgeless regression with the network's empirical NTK at initialisation.

    The NTK is ``K(x, x') = (1/N) sum_i phi'(w_i.x) phi'(w_i.x') x.x'`` (up to the constant
    ``alpha^2/N`` that the learning rate cancels). The interpolant ``sum_mu a_mu K(x, x_mu)`` is a
    quadratic form; returns its ``(u, A)`` so that :func:`quadratic_mse` gives its test loss.
    """
    X, y = task.X, task.y
    N = W0.shape[0]
    C = 1.0 + eps * X @ W0.T                 # phi'(w_i . x_mu), shape (P, N)
    K = (C @ C.T / N) * (X @ X.T)
    a = np.linalg.solve(K, y)
    T = (C.T * a) @ X / N                    # T_i = (1/N) sum_mu a_mu phi'_i(x_mu) x_mu
    u = T.sum(0)
    A = 0.5 * eps * (W0.T @ T + T.T @ W0)
    return u, A


def crossing_step(steps: np.ndarray, loss: np.ndarray, fraction: float) -> float:
    """First recorded step at which ``loss <= fraction * loss[0]``; ``inf`` if it never does."""
    hit = np.nonzero(np.asarray(loss) <= fraction * loss[0])[0]
    return float(steps[hit[0]]) if len(hit) else float("inf")


def delay_ratio(traj: Trajectory, fraction: float = 0.1) -> tuple[float, bool]:
    """The grokking delay ``t_test / t_train`` (crossing steps of ``fraction`` of the initial losses).

    A test loss that never crosses within the run is censored at the last recorded step (a lower
    bound on the delay); the second value says whether that happened.
    """
    t_tr = crossing_step(traj.steps, traj.train, fraction)
    t_te = crossing_step(traj.steps, traj.test, fraction)
    censored = not np.isfinite(t_te)
    if censored:
        t_te = float(traj.steps[-1])
    if not np.isfinite(t_tr):
        return float("nan"), True
    return t_te / max(t_tr, 1.0), censored


def test_loss_at_fit(traj: Trajectory, fraction: float = 0.1) -> float:
    """Test loss at the first recorded step where the train loss reaches ``fraction`` of its start (nan if never)."""
    hit = np.nonzero(traj.train <= fraction * traj.train[0])[0]
    return float(traj.test[hit[0]]) if len(hit) else float("nan")
