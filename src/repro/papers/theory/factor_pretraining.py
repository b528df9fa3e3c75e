"""Unsupervised pretraining in a Gaussian factor model, then regression on the learned factors.

The factor-model instance of Ge, Tang, Fan and Jin, "On the Provable Advantage of Unsupervised
Pretraining" (ICLR 2024), in our notation:

    z ~ N(0, I_r),   x = B z + e,  e ~ N(0, I_d),   y = beta.z + nu,  nu ~ N(0, sigma_y^2).

Pretraining fits B by maximum likelihood on unlabeled x (the marginal is N(0, B B^T + I), so the
MLE is probabilistic PCA with known unit noise); the downstream learner regresses y on the
posterior mean E[z | x] = (I + B^T B)^{-1} B^T x by least squares. Every predictor involved is
linear in x, so its excess risk has the closed form (w - w*)^T Sigma (w - w*), Sigma = B B^T + I,
w* = Sigma^{-1} B beta (the Bayes predictor E[y | x] = w*.x).
"""
from __future__ import annotations

import numpy as np
import scipy.linalg


def factor_loadings(d: int, r: int, strength: float, rng: np.random.Generator) -> np.ndarray:
    """``B = sqrt(strength) Q`` with Q a uniformly random d x r orthonormal frame."""
    Q, R = np.linalg.qr(rng.standard_normal((d, r)))
    return np.sqrt(strength) * Q * np.sign(np.diag(R))


def sample(n: int, B: np.ndarray, beta: np.ndarray, rng: np.random.Generator, noise_y: float = 1.0):
    """``n`` labelled draws of the model: returns ``X (n, d)``, ``y (n,)``."""
    d, r = B.shape
    Z = rng.standard_normal((n, r))
    X = Z @ B.T + rng.standard_normal((n, d))
    return X, Z @ beta + noise_y * rng.standard_normal(n)


def covariance(B: np.ndarray) -> np.ndarray:
    """Population covariance of x, ``B B^T + I``."""
    return B @ B.T + np.eye(B.shape[0])


def sample_covariance(m: int, cov: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The (known-mean) sample covariance X^T X / m of ``m`` draws of N(0, cov), drawn directly.

    X^T X is Wishart(m, cov); we draw it by the Bartlett decomposition, O(d^2) random numbers
    instead of m d, which is exact in distribution. It is all the MLE of :func:`mle_loadings`
    needs from the m unlabeled points (a sufficient statistic). Requires m >= d.
    """
    d = cov.shape[0]
    if m < d:
        raise ValueError(f"the Bartlett draw needs m >= d, got m={m}, d={d}")
    A = np.tril(rng.standard_normal((d, d)), -1)
    A[np.diag_indices(d)] = np.sqrt(rng.chisquare(m - np.arange(d)))
    LA = np.linalg.cholesky(cov) @ A
    return LA @ LA.T / m


def mle_loadings(S: np.ndarray, r: int, noise: float = 1.0) -> np.ndarray:
    """Maximum-likelihood loadings of N(0, B B^T + noise I) given the sample covariance ``S``.

    Probabilistic PCA with known noise (Tipping and Bishop 1999, eq. 7): with the top-r
    eigenpairs (lambda_i, u_i) of S, B_hat = U_r diag(sqrt(max(lambda_i - noise, 0))), unique up
    to a right rotation, which the downstream regression absorbs (the paper's invariance).
    """
    d = S.shape[0]
    lam, U = scipy.linalg.eigh(S, subset_by_index=[d - r, d - 1])  # only the top r pairs
    lam, U = lam[::-1], U[:, ::-1]
    return U * np.sqrt(np.maximum(lam - noise, 0.0))


def log_likelihood(B: np.ndarray, S: np.ndarray, noise: float = 1.0) -> float:
    """Average Gaussian log-likelihood per point of data with sample covariance ``S``."""
    C = B @ B.T + noise * np.eye(B.shape[0])
    _, logdet = np.linalg.slogdet(C)
    return float(-0.5 * (len(C) * np.log(2 * np.pi) + logdet + np.trace(np.linalg.solve(C, S))))


def posterior_mean_map(B: np.ndarray) -> np.ndarray:
    """The r x d matrix A with E[z | x] = A x, A = (I + B^T B)^{-1} B^T = B^T (B B^T + I)^{-1}."""
    r = B.shape[1]
    return np.linalg.solve(np.eye(r) + B.T @ B, B.T)


def bayes_predictor(B: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """w* with E[y | x] = w*.x; w* = A^T beta with A the posterior-mean map."""
    return posterior_mean_map(B).T @ beta


def bayes_risk(B: np.ndarray, beta: np.ndarray, noise_y: float = 1.0) -> float:
    """Irreducible squared error, sigma^2 = noise_y^2 + beta^T (I + B^T B)^{-1} beta."""
    r = B.shape[1]
    return float(noise_y**2 + beta @ np.linalg.solve(np.eye(r) + B.T @ B, beta))


def excess_risk(w: np.ndarray, B: np.ndarray, beta: np.ndarray, w_star: np.ndarray | None = None) -> float:
    """Exact excess squared-error risk of the linear predictor x -> w.x.

    ``w_star`` (:func:`bayes_predictor` of ``B``, ``beta``) may be passed to skip recomputing it.
    """
    e = np.asarray(w, float) - (bayes_predictor(B, beta) if w_star is None else w_star)
    Be = B.T @ e
    return float(Be @ Be + e @ e)


def pretrained_map(S: np.ndarray, r: int) -> np.ndarray:
    """Pretraining: the estimated posterior-mean map x -> E_hat[z | x] of the MLE loadings of ``S``."""
    return posterior_mean_map(mle_loadings(S, r))


def regress_on_map(A: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares of y on the representation A x; returns the predictor w = A^T coef in x-space."""
    coef = np.linalg.lstsq(X @ A.T, y, rcond=None)[0]
    return A.T @ coef


def pretrain_then_regress(S: np.ndarray, r: int, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """MLE pretraining on ``S`` then least squares of y on E_hat[z | x]; returns w in x-space."""
    return regress_on_map(pretrained_map(S, r), X, y)


def ridge_path(X: np.ndarray, y: np.ndarray, lams) -> np.ndarray:
    """Ridge solutions argmin |y - X w|^2 + lam |w|^2 for each lam (rows), via one thin SVD."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    uy = U.T @ y
    lams = np.asarray(lams, float)[:, None]
    return (s * uy / (s**2 + lams)) @ Vt


def ols_excess_theory(p: int, n, sigma2: float):
    """Expected excess risk of least squares with p Gaussian features and n > p + 1 samples.

    E[excess] = sigma^2 p / (n - p - 1) (mean of an inverse Wishart); ``inf`` where n <= p + 1.
    """
    n = np.asarray(n, float)
    with np.errstate(divide="ignore"):
        return np.where(n > p + 1, sigma2 * p / np.maximum(n - p - 1, 1e-300), np.inf)
