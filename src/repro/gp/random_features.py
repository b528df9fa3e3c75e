"""Random-feature (RF) ridge regression in float64, over a whole ridge path at once.

A random-feature model draws ``N`` weights ``w_j`` once and fits only the last layer,
``f(x) = sum_j a_j h(w_j, x) / sqrt(N)``. The raw features ``h`` are normalised so that
``E_w[h(w, x) h(w, x')] = k(x, x')``: the RF kernel ``sum_j h_j(x) h_j(x') / N`` converges to
``k`` as ``N -> inf``, and RF ridge regression converges to kernel ridge regression (KRR)
(Rahimi & Recht 2007; Simon, Karkada, Ghosh & Belkin 2024, Sec. 3).

Draw the widest feature matrix once (:class:`FeatureMap.raw`) and take the RF model with the
first ``N`` features with :func:`first_features`: models of different widths then share their
random weights, which makes width sweeps smooth. :class:`RidgePath` solves
``min_a ||Phi a - y||^2 + delta ||a||^2`` (the paper's convention: the ridge multiplies the
*sum* of squared errors) for every ridge from one thin SVD, so ridges down to ``1e-8`` of the
kernel scale are exact rather than limited by a Cholesky factorisation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repro.gp.kernels import rbf_kernel

KINDS = ("linear", "relu", "fourier")


@dataclass(frozen=True)
class FeatureMap:
    """Random weights of one of three feature families and their limiting kernels.

    - ``linear``: ``h_j(x) = w_j . x``, ``w_j ~ N(0, I)``; kernel ``x . x'``.
    - ``relu``: ``h_j(x) = sqrt(2) relu(w_j . x / sqrt(d))``, ``w_j ~ N(0, I)``; kernel
      :func:`relu_kernel` (the arc-cosine kernel of order 1, Cho & Saul 2009).
    - ``fourier``: ``h_j(x) = sqrt(2) cos(w_j . x / l + b_j)``, ``w_j ~ N(0, I)``,
      ``b_j ~ U[0, 2 pi)``; kernel ``exp(-|x - x'|^2 / (2 l^2))`` (Rahimi & Recht 2007).
    """

    kind: str
    W: np.ndarray                 # (d, N_max)
    b: np.ndarray | None = None   # phases of Fourier features
    lengthscale: float = 1.0

    @property
    def width(self) -> int:
        return self.W.shape[1]

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Unnormalised features ``h_j(x)`` of all ``N_max`` weights, shape ``(n, N_max)``."""
        X = np.asarray(X, dtype=np.float64)
        if self.kind == "linear":
            return X @ self.W
        if self.kind == "relu":
            return np.sqrt(2.0) * np.maximum(X @ self.W / np.sqrt(self.W.shape[0]), 0.0)
        return np.sqrt(2.0) * np.cos(X @ self.W / self.lengthscale + self.b)

    def __call__(self, X: np.ndarray, N: int | None = None) -> np.ndarray:
        """Normalised features of the RF model with the first ``N`` weights (default all)."""
        return first_features(self.raw(X), N or self.width)

    def kernel(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """The limiting (``N -> inf``) kernel of this family."""
        A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
        if self.kind == "linear":
            return A @ B.T
        if self.kind == "relu":
            return relu_kernel(A, B)
        return rbf_kernel(A, B, self.lengthscale)


def draw_feature_map(rng: np.random.Generator, kind: str, d: int, width: int,
                     lengthscale: float = 1.0) -> FeatureMap:
    """Draw ``width`` random weights in dimension ``d`` for feature family ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}; choose one of {KINDS}")
    W = rng.standard_normal((d, width))
    b = rng.uniform(0.0, 2 * np.pi, width) if kind == "fourier" else None
    return FeatureMap(kind, W, b, float(lengthscale))


def first_features(raw: np.ndarray, N: int) -> np.ndarray:
    """RF features of the model made of the first ``N`` raw features: ``raw[:, :N] / sqrt(N)``."""
    if not 1 <= N <= raw.shape[1]:
        raise ValueError(f"N={N} must be between 1 and {raw.shape[1]}")
    return raw[:, :N] / np.sqrt(N)


def relu_kernel(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``2 E_w[relu(w.a/sqrt d) relu(w.b/sqrt d)] = |a||b| (sin t + (pi - t) cos t) / (pi d)``."""
    A, B = np.atleast_2d(A).astype(np.float64), np.atleast_2d(B).astype(np.float64)
    na, nb = np.linalg.norm(A, axis=1), np.linalg.norm(B, axis=1)
    outer = np.outer(na, nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.clip(np.where(outer > 0, A @ B.T / outer, 1.0), -1.0, 1.0)
    t = np.arccos(cos)
    return outer * (np.sin(t) + (np.pi - t) * cos) / (np.pi * A.shape[1])


def relative_ridges(n: int, scale: float, lo: float = 1e-8, hi: float = 1e2, num: int = 31) -> np.ndarray:
    """Log-spaced ridges ``delta = n * scale * r``, ``r`` from ``lo`` to ``hi``.

    With the sum-of-squares loss, ``delta / n`` plays the role of a per-sample ridge; ``scale``
    should be the kernel's scale, e.g. its mean diagonal ``E[k(x, x)]`` (the eigenvalue sum).
    """
    return n * scale * np.logspace(np.log10(lo), np.log10(hi), num)


class RidgePath:
    """Ridge regression ``min_a ||Phi a - y||^2 + delta ||a||^2`` for many ridges, one SVD.

    With ``Phi = U diag(s) V^T`` (thin SVD), ``a(delta) = V diag(s / (s^2 + delta)) U^T y`` and
    the training residual is ``(I - U U^T) y + U diag(delta / (s^2 + delta)) U^T y``. Works for
    ``n < N`` and ``n >= N`` alike; ``y`` may have several columns (MSEs are summed over them
    and averaged over samples). Everything is float64.
    """

    def __init__(self, features: np.ndarray, y: np.ndarray):
        Phi = np.asarray(features, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if Phi.ndim != 2 or len(Phi) != len(y):
            raise ValueError("features must be (n, N) and y must have n rows")
        self.n = len(y)
        self.U, self.s, self.Vt = np.linalg.svd(Phi, full_matrices=False)
        self._set_targets(y)

    def _set_targets(self, y):
        y = np.asarray(y, dtype=np.float64)
        if len(y) != self.n:
            raise ValueError("y must have n rows")
        self._vector = y.ndim == 1
        Y = y.reshape(self.n, -1)
        self.c = self.U.T @ Y                                    # (r, C)
        self.perp = float(((Y - self.U @ self.c) ** 2).sum())    # part of y no ridge can fit

    def retarget(self, y: np.ndarray) -> "RidgePath":
        """The same features with new labels, reusing the SVD (e.g. several noise levels)."""
        other = object.__new__(RidgePath)
        other.n, other.U, other.s, other.Vt = self.n, self.U, self.s, self.Vt
        other._set_targets(y)
        return other

    def coef(self, ridges) -> np.ndarray:
        """Weights ``a(delta)``, shape ``(N, R)`` (or ``(N, R, C)`` for several outputs)."""
        r = np.atleast_1d(np.asarray(ridges, dtype=np.float64))
        filt = self.s[:, None] / (self.s[:, None] ** 2 + r[None, :])             # (r, R)
        k, C = self.c.shape
        a = (self.Vt.T @ (filt[:, :, None] * self.c[:, None, :]).reshape(k, -1)).reshape(-1, len(r), C)
        return a[:, :, 0] if self._vector else a

    def train_mse(self, ridges) -> np.ndarray:
        """Mean over samples of the squared training residual, one value per ridge."""
        r = np.atleast_1d(np.asarray(ridges, dtype=np.float64))
        shrink = r[None, :] / (self.s[:, None] ** 2 + r[None, :])               # (r, R)
        return (self.perp + (shrink ** 2).T @ (self.c ** 2).sum(1)) / self.n

    def predict(self, features: np.ndarray, ridges) -> np.ndarray:
        """Predictions on new features, shape ``(m, R)`` (or ``(m, R, C)``)."""
        a = self.coef(ridges)
        return np.tensordot(np.asarray(features, dtype=np.float64), a, axes=(1, 0))

    def test_mse(self, features: np.ndarray, y: np.ndarray, ridges) -> np.ndarray:
        """Mean over test samples of the squared error, one value per ridge."""
        pred = self.predict(features, ridges)
        y = np.asarray(y, dtype=np.float64)
        err = pred - (y[:, None] if self._vector else y[:, None, :])
        return (err ** 2).reshape(len(y), err.shape[1], -1).sum(2).mean(0)


def nested_sweep(raw_train: np.ndarray, y: np.ndarray, ns, Ns, ridges, test_mse):
    """Train and test MSE of RF ridge regression over sample sizes ``ns`` x widths ``Ns``.

    The model with ``n`` samples and ``N`` features uses the first ``n`` rows and first ``N``
    columns of ``raw_train`` (:func:`first_features`), so the grid shares its random draws
    (common random numbers). ``ridges(n)`` gives the ridge path for ``n`` samples, and
    ``test_mse(path, N, ridge_array)`` returns the test MSE along it. Returns two arrays of
    shape ``(len(ns), len(Ns), R)``: train MSE and test MSE.
    """
    train, test = None, None
    for i, n in enumerate(ns):
        r = np.asarray(ridges(n))
        for j, N in enumerate(Ns):
            path = RidgePath(first_features(raw_train[:n], N), y[:n])
            if train is None:
                train = np.empty((len(ns), len(Ns), len(r)))
                test = np.empty_like(train)
            train[i, j] = path.train_mse(r)
            test[i, j] = test_mse(path, N, r)
    return train, test
