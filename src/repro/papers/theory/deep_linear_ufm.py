"""Deep linear unconstrained-features model (UFM) with MSE loss and weight decay.

Model of Dang et al. (ICML 2023, Sec. 3): free features ``H`` (``d x N``, one column per sample)
pass through ``M`` linear layers ``W_1 (d x d), ..., W_M (K x d)`` with an optional, unregularised
last-layer bias ``b``; the objective is

    f = 1/(2N) |W_M ... W_1 H + b 1^T - Y|_F^2 + lam_W/2 sum_m |W_m|_F^2 + lam_H/2 |H|_F^2

with one-hot targets ``Y`` (``K x N``); ``loss="ce"`` replaces the squared error by the mean
softmax cross-entropy (the paper's Sec. 4). :func:`minimize` finds a minimiser numerically (L-BFGS in
float64); :func:`imbalanced_optimum` gives the global optimum of the bias-free model in closed
form (the paper's imbalanced-MSE theorem, re-derived here as one scalar problem per class);
:func:`nc1` and :func:`cosines` measure neural collapse.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.optimize import minimize as sp_minimize


def one_hot(counts) -> tuple[np.ndarray, np.ndarray]:
    """Labels ``0..K-1`` repeated ``counts[k]`` times and the ``K x N`` one-hot target matrix."""
    labels = np.repeat(np.arange(len(counts)), counts)
    Y = np.zeros((len(counts), len(labels)))
    Y[labels, np.arange(len(labels))] = 1.0
    return labels, Y


@dataclass
class UFM:
    """Shapes and penalties of one deep linear UFM; ``depth`` is the number of linear layers M."""

    counts: tuple
    dim: int
    depth: int
    lam_w: float
    lam_h: float
    bias: bool = False
    loss: str = "mse"  # "mse" or "ce" (softmax cross-entropy, averaged over samples)

    def __post_init__(self):
        if self.loss not in ("mse", "ce"):
            raise ValueError(f"loss must be 'mse' or 'ce', not {self.loss!r}")
        self.labels, self.Y = one_hot(self.counts)
        self.K, self.N = self.Y.shape
        shapes = [(self.dim, self.N)] + [(self.dim, self.dim)] * (self.depth - 1) + [(self.K, self.dim)]
        if self.bias:
            shapes.append((self.K, 1))
        self.shapes = shapes
        self.sizes = [a * b for a, b in shapes]

    def unpack(self, theta: np.ndarray) -> list[np.ndarray]:
        """``[H, W_1, ..., W_M, (b)]`` from a flat vector."""
        out, i = [], 0
        for shape, size in zip(self.shapes, self.sizes):
            out.append(theta[i:i + size].reshape(shape))
            i += size
        return out

    def init(self, rng: np.random.Generator, std: float = 0.1) -> np.ndarray:
        """Gaussian initialisation with standard deviation ``std`` (the authors' code uses 0.1)."""
        theta = std * rng.standard_normal(sum(self.sizes))
        if self.bias:
            theta[-self.K:] = 0.0
        return theta

    def features(self, theta: np.ndarray) -> list[np.ndarray]:
        """Inputs of every layer: ``[H_1 = H, H_2 = W_1 H, ..., H_M]`` and the output last."""
        parts = self.unpack(theta)
        acts = [parts[0]]
        for W in parts[1:self.depth + 1]:
            acts.append(W @ acts[-1])
        return acts

    def loss_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective and its gradient (backpropagation through the linear layers)."""
        parts = self.unpack(theta)
        H, Ws = parts[0], parts[1:self.depth + 1]
        acts = [H]
        for W in Ws:
            acts.append(W @ acts[-1])
        out = acts[-1] + (parts[-1] if self.bias else 0.0)
        if self.loss == "mse":
            R = (out - self.Y) / self.N
            fit = 0.5 * self.N * np.sum(R * R)
        else:
            z = out - out.max(0, keepdims=True)
            logp = z - np.log(np.exp(z).sum(0, keepdims=True))
            fit = -np.sum(self.Y * logp) / self.N
            R = (np.exp(logp) - self.Y) / self.N
        loss = fit + 0.5 * self.lam_h * np.sum(H * H) + 0.5 * self.lam_w * sum(np.sum(W * W) for W in Ws)
        grads = [None] * len(parts)
        G = R
        for m in range(self.depth, 0, -1):
            W = Ws[m - 1]
            grads[m] = G @ acts[m - 1].T + self.lam_w * W
            G = W.T @ G
        grads[0] = G + self.lam_h * H
        if self.bias:
            grads[-1] = R.sum(1, keepdims=True)
        return float(loss), np.concatenate([g.ravel() for g in grads])


def minimize(ufm: UFM, theta0: np.ndarray, max_iter: int = 20000, gtol: float = 1e-12):
    """Minimise the objective with L-BFGS (float64); returns ``(theta, loss, iterations)``."""
    res = sp_minimize(ufm.loss_grad, theta0, jac=True, method="L-BFGS-B",
                      options=dict(maxiter=max_iter, maxfun=2 * max_iter, gtol=gtol, ftol=0.0, maxcor=30))
    return res.x, float(res.fun), int(res.nit)


@dataclass
class ClassOptimum:
    """Closed-form optimum of the bias-free model, per class (arrays of length K)."""

    layer_sv: np.ndarray  # singular value s_k of every layer along class k (0 if the class collapses)
    feature_norm: np.ndarray  # |mean of H_1 over class k| = s^M / (s^{2M} + N lam_H)
    output: np.ndarray  # prediction for class k on its own one-hot coordinate
    loss: float  # the global minimum of the objective


def imbalanced_optimum(counts, depth: int, lam_w: float, lam_h: float) -> ClassOptimum:
    """Global optimum of the bias-free deep linear UFM with MSE (Dang et al. 2023, Thm. for imbalanced MSE).

    At the optimum every class owns one direction, shared by all layers with the same singular
    value ``s`` (balancedness) and by its collapsed feature mean ``h``. Class ``k`` (``n_k`` samples)
    then solves ``min n_k/(2N) (s^M h - 1)^2 + M lam_W/2 s^2 + n_k lam_H/2 h^2``; eliminating
    ``h = s^M / (s^{2M} + N lam_H)`` leaves ``g(s) = n_k lam_H / (2 (s^{2M} + N lam_H)) + M lam_W s^2 / 2``.
    With ``s^{2M} = N lam_H x^M`` its stationary points solve
    ``x^{M-1} / (x^M + 1)^2 = N lam_W (N lam_H)^{1/M} / n_k`` (the equation of the paper and of the
    authors' code). We take the global minimiser of ``g`` over its roots and ``s = 0``: a class with
    too few samples collapses to zero.
    """
    counts = np.asarray(counts, dtype=float)
    N, M, c = counts.sum(), depth, counts.sum() * lam_h
    sv = np.zeros(len(counts))
    loss = 0.0
    for k, n in enumerate(counts):
        g = lambda s: n * lam_h / (2 * (s ** (2 * M) + c)) + M * lam_w * s**2 / 2  # noqa: E731
        rhs = N * lam_w * c ** (1 / M) / n
        phi = lambda x: x ** (M - 1) / (x**M + 1) ** 2 - rhs  # noqa: E731
        # phi rises to one maximum then decays to -rhs: bracket its roots on a log grid
        xs = np.logspace(-8, 8, 4001)
        vals = phi(xs)
        roots = [brentq(phi, xs[i], xs[i + 1], xtol=1e-15, rtol=1e-15)
                 for i in np.nonzero(np.sign(vals[:-1]) != np.sign(vals[1:]))[0]]
        candidates = [0.0] + [(c * x**M) ** (1 / (2 * M)) for x in roots]
        best = min(candidates, key=g)
        sv[k] = best
        loss += g(best)
    h = sv**M / (sv ** (2 * M) + c)
    return ClassOptimum(layer_sv=sv, feature_norm=h, output=sv**M * h, loss=float(loss))


def balanced_bias_optimum_loss(n: int, K: int, depth: int, lam_w: float, lam_h: float) -> float:
    """Global minimum of the balanced MSE model *with* an unregularised last-layer bias.

    The bias fits the target mean ``1/K`` at no cost; the centred targets have ``K - 1`` equal
    singular directions, each the scalar problem of one class of :func:`imbalanced_optimum`
    with ``n`` samples, so the minimum is ``(K-1)/K`` times the bias-free balanced minimum.
    """
    return (K - 1) / K * imbalanced_optimum([n] * K, depth, lam_w, lam_h).loss


def class_means(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Class means of the columns of ``X`` (``d x N``), as columns of a ``d x K`` matrix."""
    K = labels.max() + 1
    return np.stack([X[:, labels == k].mean(1) for k in range(K)], axis=1)


def nc1(X: np.ndarray, labels: np.ndarray) -> float:
    """Within-class variability ``tr(Sigma_W Sigma_B^+) / K`` (Papyan et al. 2020's NC1 metric).

    ``Sigma_W`` averages the within-class scatter over samples, ``Sigma_B`` the scatter of the class
    means around the global mean over classes (as in the authors' code).
    """
    mu = class_means(X, labels)
    K = mu.shape[1]
    centred = X - mu[:, labels]
    sigma_w = centred @ centred.T / X.shape[1]
    between = mu - X.mean(1, keepdims=True)
    sigma_b = between @ between.T / K
    return float(np.trace(sigma_w @ np.linalg.pinv(sigma_b)) / K)


def cosines(V: np.ndarray) -> np.ndarray:
    """Pairwise cosines of the columns of ``V`` (off-diagonal entries of the normalised Gram)."""
    norms = np.linalg.norm(V, axis=0)
    G = (V.T @ V) / np.outer(norms, norms)
    return G[~np.eye(V.shape[1], dtype=bool)]


def simplex_etf_cosine(K: int) -> float:
    """Cosine between any two vertices of a centred simplex equiangular tight frame: ``-1/(K-1)``."""
    return -1.0 / (K - 1)


def heavy_ball(ufm: UFM, theta0: np.ndarray, lr: float = 0.1, momentum: float = 0.9, steps: int = 10000,
               log_every: int = 100, metrics=None):
    """Full-batch gradient descent with heavy-ball momentum (PyTorch's SGD update rule).

    ``metrics(theta) -> dict`` is evaluated every ``log_every`` steps; returns ``(theta, log)``
    with ``log`` a dict of lists (including ``"step"`` and ``"loss"``).
    """
    theta, buf = theta0.copy(), np.zeros_like(theta0)
    log: dict[str, list] = {}
    for step in range(steps + 1):
        loss, grad = ufm.loss_grad(theta)
        if step % log_every == 0 or step == steps:
            entry = {"step": step, "loss": loss} | (metrics(theta) if metrics else {})
            for k, v in entry.items():
                log.setdefault(k, []).append(v)
        if step < steps:
            buf = momentum * buf + grad
            theta = theta - lr * buf
    return theta, log
