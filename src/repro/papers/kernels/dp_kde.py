"""Differentially private similarity sums: kernel sums, l1 distance sums, DP classification.

Backurs, Lin, Mahabadi, Silwal & Tarnawski, "Efficiently computing similarities to private
datasets" (ICLR 2024). A private data set ``X`` is turned once into a DP data structure that then
answers any number of queries ``sum_{x in X} f(x, y)`` (post-processing costs no privacy). This
module holds small, self-contained versions of the mechanisms the paper builds on:

* :class:`DPKernelMean`: Gaussian-kernel sums through random Fourier features (Rahimi & Recht
  2007) with Laplace noise on the averaged feature vector (pure epsilon-DP);
* :class:`DPL1Distance`: l1 distance sums by the paper's one-dimensional decomposition (Sec. 4):
  ``||x - y||_1 = sum_j |x_j - y_j|`` and each 1-d sum is read off noisy counts and sums stored
  on a dyadic tree over the coordinate's range (the binary-tree mechanism);
* :func:`dp_class_sums` / :func:`similarity_predict`: the paper's DP classifier (Sec. 11): per-class
  noisy sums of feature maps, predict the class of highest average similarity;
* :func:`dp_gd_softmax`: the DP-SGD baseline, full-batch (DP-GD) with per-example clipping.

Gaussian mechanisms are accounted in zero-concentrated DP (Bun & Steinke 2016): a query of
l2-sensitivity ``Delta`` with noise ``N(0, sigma^2)`` is ``rho = Delta^2 / (2 sigma^2)``-zCDP,
rho's add up over compositions, and ``rho``-zCDP implies ``(rho + 2 sqrt(rho log(1/delta)),
delta)``-DP (their Prop. 1.3).
"""
from __future__ import annotations

import numpy as np

# ------------------------------------------------------------------------ privacy accounting

def zcdp_to_eps(rho: float, delta: float) -> float:
    """Epsilon of ``(eps, delta)``-DP implied by ``rho``-zCDP (Bun & Steinke 2016, Prop. 1.3)."""
    return float(rho + 2.0 * np.sqrt(rho * np.log(1.0 / delta)))


def rho_for_eps(eps: float, delta: float) -> float:
    """Largest ``rho`` whose zCDP guarantee gives ``(eps, delta)``-DP (inverse of :func:`zcdp_to_eps`)."""
    if eps <= 0 or not 0 < delta < 1:
        raise ValueError("need eps > 0 and 0 < delta < 1")
    L = np.log(1.0 / delta)
    return float((np.sqrt(L + eps) - np.sqrt(L)) ** 2)


def gaussian_sigma(sensitivity: float, rho: float) -> float:
    """Noise std of the Gaussian mechanism that is ``rho``-zCDP for l2-sensitivity ``sensitivity``."""
    return float(sensitivity / np.sqrt(2.0 * rho))


# ------------------------------------------------------------------------ kernel sums via RFF

def draw_rff(rng: np.random.Generator, d: int, n_features: int, bandwidth: float):
    """Random Fourier features for ``k(x, y) = exp(-||x - y||^2 / bandwidth^2)`` (the paper's
    Gaussian kernel): ``phi(x) = sqrt(2/D) cos(W x + b)``, ``W ~ N(0, 2/bandwidth^2)``."""
    W = rng.standard_normal((d, n_features)) * np.sqrt(2.0) / bandwidth
    b = rng.uniform(0.0, 2 * np.pi, n_features)
    return W, b


def rff(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Feature map ``sqrt(2/D) cos(X W + b)``; ``E[phi(x).phi(y)] = k(x, y)``, ``|phi_i| <= sqrt(2/D)``."""
    return np.sqrt(2.0 / W.shape[1]) * np.cos(np.asarray(X, dtype=np.float64) @ W + b)


def gaussian_kernel(X: np.ndarray, Y: np.ndarray, bandwidth: float) -> np.ndarray:
    """Exact ``exp(-||x - y||^2 / bandwidth^2)`` Gram matrix."""
    sq = (X ** 2).sum(1)[:, None] + (Y ** 2).sum(1)[None, :] - 2 * X @ Y.T
    return np.exp(-np.maximum(sq, 0.0) / bandwidth ** 2)


class DPKernelMean:
    """Pure ``eps``-DP structure for the kernel mean ``(1/n) sum_x k(x, y)`` (KDE up to a constant).

    Releases ``z = (1/n) sum_x phi(x) + Laplace(b)^D``. Neighbouring data sets replace one point
    (``n`` is public); the mean's l1-sensitivity is ``2 D sqrt(2/D) / n = 2 sqrt(2 D) / n`` and
    ``b`` is that over ``eps``. A query is ``phi(y) . z``: the noise part has standard deviation
    ``sqrt(2) b ||phi(y)||_2 ~ 4 sqrt(D) / (eps n)``, the 1/(eps n) law.
    ``eps=None`` gives the non-private RFF estimate.
    """

    def __init__(self, X: np.ndarray, W: np.ndarray, b: np.ndarray, eps: float | None,
                 rng: np.random.Generator):
        self.W, self.b = W, b
        n, D = len(X), W.shape[1]
        self.n = n
        self.mean = rff(X, W, b).mean(0)
        self.scale = 0.0 if eps is None else 2.0 * np.sqrt(2.0 * D) / (n * eps)
        self.z = self.mean + (rng.laplace(0.0, self.scale, D) if eps is not None else 0.0)

    @classmethod
    def from_features(cls, Phi: np.ndarray, W: np.ndarray, b: np.ndarray) -> "DPKernelMean":
        """Non-private structure from precomputed features ``Phi = rff(X, W, b)`` (privatize it next)."""
        out = object.__new__(cls)
        out.W, out.b, out.n = W, b, len(Phi)
        out.mean, out.scale = Phi.mean(0), 0.0
        out.z = out.mean
        return out

    def privatize(self, eps: float, rng: np.random.Generator) -> "DPKernelMean":
        """The same structure released at another ``eps`` (the feature mean is not recomputed)."""
        out = object.__new__(DPKernelMean)
        out.W, out.b, out.mean = self.W, self.b, self.mean
        out.scale = 2.0 * np.sqrt(2.0 * len(self.mean)) / (self.n * eps)
        out.n = self.n
        out.z = self.mean + rng.laplace(0.0, out.scale, len(self.mean))
        return out

    def query(self, Y: np.ndarray) -> np.ndarray:
        return rff(Y, self.W, self.b) @ self.z


# ------------------------------------------------------------------------ l1 distance sums

def _dyadic_prefix(k: int, levels: int) -> list[tuple[int, int]]:
    """Nodes ``(level, index)`` of a dyadic tree over ``2^levels`` leaves covering leaves ``[0, k)``.

    Level 0 holds the leaves, level ``l`` nodes span ``2^l`` leaves; at most ``levels + 1`` nodes.
    """
    nodes, start = [], 0
    for lev in range(levels, -1, -1):
        width = 1 << lev
        if start + width <= k:
            nodes.append((lev, start >> lev))
            start += width
    return nodes


class DPL1Distance:
    """Pure ``eps``-DP structure for ``sum_{x in X} ||x - y||_1`` with data in ``[0, 1]^d``.

    The paper's 1-d decomposition (Sec. 4): per coordinate, the points are bucketed into
    ``2^levels`` equal bins and every node of the dyadic tree over the bins stores a Laplace-noised
    count and a noised sum of the coordinate values. For a query value ``t`` in bin ``k``,
    ``sum_x |x_j - t| = (t C_< - S_<) + (S_>= - t C_>=)`` with the prefix ``[0, k)`` read from at most
    ``levels + 1`` nodes and the suffix from the totals; the points inside bin ``k`` add at most
    ``count / 2^levels`` of bucketing error. One point touches ``levels + 1`` nodes per coordinate
    with count 1 and value <= 1, so replacing it moves the released vector by at most
    ``4 d (levels + 1)`` in l1: Laplace noise of scale ``4 d (levels + 1) / eps``. The additive
    error therefore does not grow with ``n`` and scales like ``d^{3/2} / eps`` (``d`` independent
    coordinate errors, each with noise proportional to ``d``). ``eps=None`` disables the noise.
    """

    def __init__(self, X: np.ndarray, levels: int, eps: float | None, rng: np.random.Generator):
        X = np.asarray(X, dtype=np.float64)
        if X.min() < 0 or X.max() > 1:
            raise ValueError("DPL1Distance expects data in [0, 1]^d")
        self.levels, self.d = levels, X.shape[1]
        B = 1 << levels
        self.scale = 0.0 if eps is None else 4.0 * self.d * (levels + 1) / eps
        leaf = np.minimum((X * B).astype(int), B - 1)
        self.count, self.total = [], []   # per level: arrays (d, nodes at that level)
        for lev in range(levels + 1):
            idx = leaf >> lev
            m = B >> lev
            c = np.stack([np.bincount(idx[:, j], minlength=m) for j in range(self.d)]).astype(float)
            s = np.stack([np.bincount(idx[:, j], weights=X[:, j], minlength=m) for j in range(self.d)])
            if eps is not None:
                c = c + rng.laplace(0.0, self.scale, c.shape)
                s = s + rng.laplace(0.0, self.scale, s.shape)
            self.count.append(c)
            self.total.append(s)

    def query(self, Y: np.ndarray) -> np.ndarray:
        Y = np.atleast_2d(np.asarray(Y, dtype=np.float64))
        B = 1 << self.levels
        out = np.zeros(len(Y))
        top_c, top_s = self.count[self.levels][:, 0], self.total[self.levels][:, 0]
        for q, y in enumerate(Y):
            for j in range(self.d):
                k = min(int(y[j] * B), B - 1)
                nodes = _dyadic_prefix(k, self.levels)
                c_lo = sum(self.count[lev][j, i] for lev, i in nodes)
                s_lo = sum(self.total[lev][j, i] for lev, i in nodes)
                out[q] += (y[j] * c_lo - s_lo) + ((top_s[j] - s_lo) - y[j] * (top_c[j] - c_lo))
        return out


def l1_distance_sums(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Exact ``sum_x ||x - y||_1`` for every row ``y`` of ``Y``."""
    return np.abs(np.asarray(Y)[:, None, :] - np.asarray(X)[None, :, :]).sum((1, 2))


# ------------------------------------------------------------------------ DP classification

def dp_class_sums(Phi: np.ndarray, y: np.ndarray, n_classes: int, rho: float, rng: np.random.Generator,
                  norm_bound: float = np.sqrt(2.0)):
    """Gaussian-noised per-class sums of features and per-class counts, ``rho``-zCDP.

    Add/remove neighbours: one point changes one class's feature sum by ``phi(x)`` and its count
    by 1, an l2 change of at most ``sqrt(norm_bound^2 + 1)``; ``norm_bound`` must hold for every
    possible input, not only the data (``sqrt(2)`` for :func:`rff`). Returns ``(sums, counts)``.
    """
    if np.any(np.linalg.norm(Phi, axis=1) > norm_bound * (1 + 1e-12)):
        raise ValueError("a feature vector exceeds norm_bound: the sensitivity would be wrong")
    sigma = gaussian_sigma(np.sqrt(norm_bound ** 2 + 1.0), rho)
    sums = np.stack([Phi[y == c].sum(0) for c in range(n_classes)])
    counts = np.bincount(y, minlength=n_classes).astype(float)
    return sums + sigma * rng.standard_normal(sums.shape), counts + sigma * rng.standard_normal(n_classes)


def similarity_predict(Phi_query: np.ndarray, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Class of highest average similarity ``phi(y) . S_c / n_c`` (noisy counts floored at 1)."""
    return np.argmax(Phi_query @ sums.T / np.maximum(counts, 1.0)[None, :], axis=1)


def dp_gd_softmax(X: np.ndarray, y: np.ndarray, n_classes: int, rho: float, steps: int, lr: float,
                  clip: float, rng: np.random.Generator) -> np.ndarray:
    """DP-SGD baseline: full-batch DP gradient descent on multinomial logistic regression.

    Each step clips every per-example gradient (weights and bias together) to l2 norm ``clip``,
    sums them, adds ``N(0, (sigma clip)^2)`` noise and divides by ``n`` (Abadi et al. 2016 without
    subsampling, so that the zCDP accounting is exact: ``rho = steps / (2 sigma^2)``). A loop of
    its own because the per-example clipping is the method. Returns ``W`` of shape ``(d+1, C)``
    (last row: bias).
    """
    Xb = np.hstack([X, np.ones((len(X), 1))])
    n, p = Xb.shape
    sigma = gaussian_sigma(1.0, rho / steps)  # noise multiplier for sensitivity 1 (times clip)
    W = np.zeros((p, n_classes))
    Y = np.eye(n_classes)[y]
    for _ in range(steps):
        logits = Xb @ W
        P = np.exp(logits - logits.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        R = P - Y                                                 # per-example dL/dlogits
        norms = np.linalg.norm(Xb, axis=1) * np.linalg.norm(R, axis=1)  # ||x r^T||_F
        scale = np.minimum(1.0, clip / np.maximum(norms, 1e-12))
        G = (Xb * scale[:, None]).T @ R + sigma * clip * rng.standard_normal((p, n_classes))
        W -= lr * G / n
    return W


def softmax_predict(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Predicted classes of the linear model returned by :func:`dp_gd_softmax`."""
    return np.argmax(np.hstack([X, np.ones((len(X), 1))]) @ W, axis=1)


# ------------------------------------------------------------------------ the naive baseline

def laplace_workload(exact: np.ndarray, sensitivity: float, eps: float, rng: np.random.Generator,
                     workload: int | None = None) -> np.ndarray:
    """The naive baseline: answer a workload of ``Q`` queries directly with the Laplace mechanism.

    Each answer has sensitivity ``sensitivity`` (replacing one private point changes it by at most
    that much: ``d`` for an l1 distance sum over ``[0, 1]^d``, ``1 / n`` for a kernel mean with
    ``0 <= k <= 1``); the budget ``eps`` is split evenly over the ``Q`` queries (basic composition),
    so every answer gets Laplace noise of scale ``sensitivity * Q / eps``. ``workload`` is ``Q``
    (default: ``len(exact)``); the noise does not depend on which of the ``Q`` answers are looked at.
    Unlike a data structure, the mechanism must know its queries and their number in advance.
    """
    exact = np.asarray(exact, dtype=np.float64)
    Q = len(exact) if workload is None else int(workload)
    if Q < len(exact):
        raise ValueError("the workload must include every query answered")
    return exact + rng.laplace(0.0, sensitivity * Q / eps, exact.shape)
