"""Learning from aggregate responses: bag-level, instance-level and interpolating losses.

Javanmard, Chen, Mirrokni, Badanidiyuru & Fu, "Learning from Aggregate responses: Instance Level
versus Bag Level Loss Functions", ICLR 2024 (arXiv:2401.11081).

The n training examples are split into m disjoint bags of k examples; the learner sees every
feature vector x_i but, for bag a, only the mean response ybar_a. With predictions f_i and the bag
mean prediction fbar_a, the per-bag losses (squared loss, paper Sec. 2) are

    bag level       (ybar_a - fbar_a)^2
    instance level  1/k sum_{i in a} (ybar_a - f_i)^2
                  = (ybar_a - fbar_a)^2 + 1/k sum_{i in a} (f_i - fbar_a)^2      (exact identity)

so the instance-level loss is the bag-level loss plus a penalty on the spread of the predictions
inside each bag (the paper's "regularised bag-level loss"). The interpolating loss weights that
penalty by rho in [0, 1]: rho = 0 is the bag-level loss, rho = 1 the instance-level loss.

For a linear model f(x) = x^T theta the interpolating estimator has the closed form
(:func:`interpolating_least_squares`)

    (k Xbar^T Xbar + rho W^T W) theta = k Xbar^T ybar,

with Xbar the m x d bag means and W the n x d features centred within their bag. Its risk in the
proportional regime (n, d -> infinity, n/d fixed, isotropic Gaussian features) is
:func:`asymptotic_risk`, our own derivation (see the chapter). :func:`laplace_bag_means` is the
label-DP release of the bag means (clip, average, add Laplace noise; the paper's Sec. 4).
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import brentq

from repro.objectives.reduction import reduce


# ----------------------------------------------------------------------------- bags
def random_bags(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """A random partition of ``range(n)`` into ``n // k`` disjoint bags of size ``k``: (m, k) indices."""
    if k < 1 or n % k:
        raise ValueError(f"bag size k={k} must be >= 1 and divide n={n}")
    return rng.permutation(n).reshape(n // k, k)


def bag_means(values, bags):
    """Mean of ``values`` (numpy array or tensor, first axis = examples) over each bag: (m, ...)."""
    return values[bags].mean(1)


# ----------------------------------------------------------------------------- losses
def _check(pred: torch.Tensor, y_bag: torch.Tensor, bags: torch.Tensor) -> torch.Tensor:
    bags = torch.as_tensor(bags, device=pred.device)
    if bags.ndim != 2 or y_bag.shape[0] != bags.shape[0]:
        raise ValueError("bags must be (m, k) indices and y_bag must have one response per bag")
    return bags


def bag_level_loss(pred: torch.Tensor, y_bag: torch.Tensor, bags, reduction: str = "mean"):
    """Per bag ``(ybar_a - mean_{i in a} f_i)^2`` (paper Sec. 2, bag-level loss)."""
    bags = _check(pred, y_bag, bags)
    return reduce((y_bag - pred[bags].mean(1)) ** 2, reduction)


def instance_level_loss(pred: torch.Tensor, y_bag: torch.Tensor, bags, reduction: str = "mean"):
    """Per bag ``1/k sum_{i in a} (ybar_a - f_i)^2`` (paper Sec. 2, instance-level loss)."""
    bags = _check(pred, y_bag, bags)
    return reduce(((y_bag[:, None] - pred[bags]) ** 2).mean(1), reduction)


def within_bag_penalty(pred: torch.Tensor, bags, reduction: str = "mean"):
    """Per bag ``1/k sum_{i in a} (f_i - fbar_a)^2``: what the instance-level loss adds to the bag-level one."""
    bags = torch.as_tensor(bags, device=pred.device)
    p = pred[bags]
    return reduce(((p - p.mean(1, keepdim=True)) ** 2).mean(1), reduction)


def interpolating_loss(pred: torch.Tensor, y_bag: torch.Tensor, bags, rho: float,
                       reduction: str = "mean"):
    """Bag-level loss + ``rho`` x within-bag penalty (paper's interpolating loss, rho in [0, 1])."""
    if not 0.0 <= rho <= 1.0:
        raise ValueError(f"rho must be in [0, 1], got {rho}")
    return reduce(bag_level_loss(pred, y_bag, bags, "none")
                  + rho * within_bag_penalty(pred, bags, "none"), reduction)


# ----------------------------------------------------------------------------- linear model
def bag_grams(X: np.ndarray, bags: np.ndarray):
    """``(A, B, Xbar)`` with ``A = k Xbar^T Xbar``, ``B = W^T W = X^T X - A`` (within-bag scatter)."""
    k = bags.shape[1]
    Xbar = X[bags].mean(1)
    A = k * Xbar.T @ Xbar
    return A, X.T @ X - A, Xbar


def interpolating_least_squares(X: np.ndarray, y_bag: np.ndarray, bags: np.ndarray, rhos,
                                grams=None) -> np.ndarray:
    """Minimiser of the interpolating loss for a linear model, for each rho in ``rhos``.

    Solves ``(A + rho B) theta = k Xbar^T ybar`` (see :func:`bag_grams`). ``y_bag`` may be (m,) or
    (m, r) (several response vectors at once); returns (len(rhos), d) or (len(rhos), d, r).
    ``rho = 0`` needs m >= d (least squares on the bag means).
    """
    A, B, Xbar = grams if grams is not None else bag_grams(X, bags)
    rhs = bags.shape[1] * Xbar.T @ y_bag
    return np.stack([np.linalg.solve(A + rho * B, rhs) for rho in np.atleast_1d(rhos)])


def asymptotic_risk(n: int, d: int, k: int, rho: float, sigma2: float, signal2: float = 1.0):
    """Proportional-regime ``(bias^2, variance)`` of the interpolating estimator's excess risk.

    Model: x ~ N(0, I_d), y = x^T theta0 + noise of variance ``sigma2`` (any extra noise added to
    the bag means, e.g. Laplace noise of variance v, enters as ``sigma2 + k v``), ||theta0||^2 =
    ``signal2``, m = n / k random bags. With weights 1 for the m bag-mean directions and rho for
    the n - m within-bag directions, delta solves
        m delta / (1 + delta) + (n - m) rho delta / (1 + rho delta) = d,
    the estimator keeps a fraction a = m w1 / (m w1 + (n - m) w_rho) of theta0
    (w1 = 1/(1 + delta), w_rho = rho / (1 + rho delta)) and the orthogonal error has squared norm
    tr(S^-2) [m ((1-a)^2 signal2 + sigma2) / (1 + delta)^2 + (n - m) rho^2 a^2 signal2 / (1 + rho delta)^2]
    with tr(S^-2) = delta / (d / delta - delta h), h = m / (1+delta)^2 + (n-m) rho^2 / (1+rho delta)^2.
    Limits: rho = 0 gives (0, sigma2 d / (m - d)); rho = 1 gives bias (1 - 1/k)^2 signal2 + ...
    """
    m = n / k
    if rho == 0 and m <= d:
        return np.inf, np.inf
    if n <= d:
        raise ValueError("the formula is for n > d")

    def g(dl):
        return m * dl / (1 + dl) + (n - m) * rho * dl / (1 + rho * dl) - d

    hi = 1.0
    while g(hi) < 0:
        hi *= 2
    dl = brentq(g, 0.0, hi, xtol=1e-15, rtol=1e-14)
    w1, wr = 1 / (1 + dl), rho / (1 + rho * dl)
    a = m * w1 / (m * w1 + (n - m) * wr)
    h = m / (1 + dl) ** 2 + (n - m) * rho ** 2 / (1 + rho * dl) ** 2
    tr_s2 = dl / (d / dl - dl * h)
    bias2 = signal2 * (1 - a) ** 2 + tr_s2 * signal2 * (m * (1 - a) ** 2 / (1 + dl) ** 2
                                                        + (n - m) * rho ** 2 * a ** 2 / (1 + rho * dl) ** 2)
    variance = tr_s2 * m * sigma2 / (1 + dl) ** 2
    return float(bias2), float(variance)


# ----------------------------------------------------------------------------- label DP
def laplace_scale(k: int, epsilon: float, clip: float) -> float:
    """Laplace scale for an epsilon-label-DP bag mean of k responses clipped to [-clip, clip].

    Replacing one response moves the bag mean by at most 2 clip / k (the sensitivity), so the
    scale is 2 clip / (k epsilon); the noise variance is 2 scale^2.
    """
    if epsilon <= 0 or clip <= 0:
        raise ValueError("epsilon and clip must be > 0")
    return 2.0 * clip / (k * epsilon)


def laplace_bag_means(y: np.ndarray, bags: np.ndarray, epsilon: float, clip: float,
                      rng: np.random.Generator) -> np.ndarray:
    """Clip responses to [-clip, clip], average each bag, add Laplace noise (paper Sec. 4 mechanism)."""
    ybar = bag_means(np.clip(y, -clip, clip), bags)
    return ybar + rng.laplace(0.0, laplace_scale(bags.shape[1], epsilon, clip), size=ybar.shape)
