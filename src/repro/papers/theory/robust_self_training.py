"""Robust self-supervised (RSS) training of a linear classifier with out-of-domain unlabeled data.

Saberi et al., "Out-Of-Domain Unlabeled Data Improves Generalization" (ICLR 2024). Their RSS
estimator (eq. "RSSEstimator" of the paper / poster) minimises

    (1/m) sum_i phi_gamma(x_i, y_i; w) + (lambda/n) sum_j phi_gamma'(x'_j, sign(w.x'_j); w),

where phi_gamma(x, y; w) = sup_z loss(z, y; w) - gamma c(z, x) is the Wasserstein-DRO
(adversarially robust) surrogate of the loss. For a linear classifier, the 0-1 loss and the
Euclidean cost c(z, x) = |z - x|, the supremum is attained by moving x straight to the decision
boundary, and phi_gamma is the ramp clip(1 - gamma * margin, 0, 1) of the normalised margin
margin = y w.x / |w| (the loss of the authors' simulation code). On unlabeled points the label is
the classifier's own prediction, so the margin is |w.x'| / |w|: the second term pushes the
boundary away from dense regions of the unlabeled data (the cluster assumption).
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm


def ramp(margin):
    """clip(1 - margin, 0, 1): the DRO surrogate of the 0-1 loss at (gamma-scaled) margin."""
    return np.clip(1.0 - np.asarray(margin, float), 0.0, 1.0)


def robust_loss(w, X, y, gamma: float):
    """phi_gamma for each row of X: ramp(gamma * y w.x / |w|)."""
    w = np.asarray(w, float)
    return ramp(gamma * y * (X @ w) / np.linalg.norm(w))


def rss_objective(w, X, y, Xu, gamma: float = 1.0, gamma_u: float = 0.5, lam: float = 5.0) -> float:
    """The RSS objective at w (labelled robust loss + lam * pseudo-labelled robust loss)."""
    value = robust_loss(w, X, y, gamma).mean()
    if Xu is not None and len(Xu) and lam > 0:
        pseudo = np.sign(Xu @ w)
        value += lam * robust_loss(w, Xu, pseudo, gamma_u).mean()
    return float(value)


def _ramp_grad(X, signs, s, gamma):
    """Gradient w.r.t. w of mean ramp(gamma * s) where s = signs * (X @ w), |w| = 1."""
    active = (gamma * s > 0) & (gamma * s < 1)
    return -(gamma * active * signs) @ X / len(X)


def fit_rss(X, y, Xu=None, gamma: float = 1.0, gamma_u: float = 0.5, lam: float = 5.0,
            steps: int = 150, eta0: float = 0.3, w0=None) -> np.ndarray:
    """Minimise :func:`rss_objective` over unit vectors; returns the best iterate (unit norm).

    Riemannian (sub)gradient descent on the sphere: each step rotates w by the angle
    eta_t = eta0 (1 - t/steps) against the tangent gradient, and the iterate with the lowest
    objective is kept (the authors also keep their lowest-loss checkpoint). The start is the
    labelled mean difference sum_i y_i x_i (the classical supervised estimate) unless w0 is given.
    ``Xu=None`` or ``lam=0`` gives labelled-only ERM with the same loss and optimiser.
    """
    w = np.asarray(w0 if w0 is not None else y @ X, float)
    w = w / np.linalg.norm(w)
    use_u = Xu is not None and len(Xu) > 0 and lam > 0
    best_val, best_w = np.inf, w
    for t in range(steps):
        s = y * (X @ w)
        val = ramp(gamma * s).mean()
        g = _ramp_grad(X, y, s, gamma)
        if use_u:
            su = Xu @ w
            val += lam * ramp(gamma_u * np.abs(su)).mean()
            g = g + lam * _ramp_grad(Xu, np.sign(su), np.abs(su), gamma_u)
        if val < best_val:
            best_val, best_w = val, w
        g = g - (g @ w) * w
        ng = np.linalg.norm(g)
        if ng == 0:
            break
        eta = eta0 * (1 - t / steps)
        w = np.cos(eta) * w - np.sin(eta) * g / ng
    return best_w


def self_training(X, y, Xu, iters: int = 10) -> np.ndarray:
    """Plain self-training: refit the mean-difference classifier on labels + hard pseudo-labels."""
    w = y @ X
    for _ in range(iters):
        w = (y @ X + np.sign(Xu @ w) @ Xu) / (len(X) + len(Xu))
    return w / np.linalg.norm(w)


def shifted_mean(mu, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """mu + alpha |mu| v with v a uniformly random unit vector (the authors' shift of the
    unlabeled domain)."""
    mu = np.asarray(mu, float)
    v = rng.standard_normal(len(mu))
    return mu + alpha * np.linalg.norm(mu) * v / np.linalg.norm(v)


def mean_difference_error_theory(mu_norm: float, d: int, m: int) -> float:
    """High-dimensional prediction of the error of w = sum_i y_i x_i / m on N(+-mu, I):
    w.mu ~ |mu|^2 and |w|^2 ~ |mu|^2 + d/m, so the error is Phi(-|mu|^2 / sqrt(|mu|^2 + d/m))."""
    return float(norm.cdf(-mu_norm**2 / np.sqrt(mu_norm**2 + d / m)))
