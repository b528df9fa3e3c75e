"""RCAL: representation calibration for noisy labels on long-tailed data (Zhang et al., ICCV 2023).

RCAL works on representations z learned without labels (contrastive learning, here
:mod:`repro.nn.contrastive`) and assumes that, before labels were corrupted and classes thinned,
the representations of class k were Gaussian, z | y = k ~ N(mu_k, Sigma_k). It recovers those
distributions from the noisy long-tailed training set and samples extra labelled
representations from them for the classifier ("distributional representation calibration"):

1. **Robust estimation** (paper, Sec. 3.2): within each *noisy* class, the Local Outlier Factor
   flags points that sit in sparse regions relative to their neighbours (mislabelled points,
   which belong to another class's cluster); mean and covariance are computed on the rest
   (:func:`class_stats`).
2. **Tail calibration**: a tail class has too few points for a good covariance, so its
   statistics are averaged with those of the q head classes whose means are nearest
   (Euclidean distance), and alpha * I is added to the covariance (:func:`calibrate_tail`):

       mu_k <- (mu_k + sum_{j in C_k^q} mu_j) / (1 + q),
       Sigma_k <- (Sigma_k + sum_{j in C_k^q} Sigma_j) / (1 + q) + alpha I .

3. **Sampling**: draw ``n_per_class`` representations from every N(mu_k, Sigma_k) and train the
   classifier on the real (noisy) representations plus the sampled ones (:func:`sample_gaussians`,
   :func:`rcal_training_set`).

The paper's "individual representation calibration" (fine-tuning the encoder while keeping its
features close to the contrastive ones, plus mixup) is not implemented: the chapters keep the
encoder frozen, the limiting case of that regulariser. :func:`proportional_noise` is the label
noise of the paper's analysis (Assumption 3.1(3)): a flipped label lands on class j with
probability proportional to the size of class j.
"""
from __future__ import annotations

import numpy as np


def proportional_noise(y, n_classes: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Flip exactly ``round(rate * n)`` labels; a flipped label of class k becomes j != k with
    probability proportional to n_j, the number of examples of class j (paper, Assumption 3.1(3))."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"noise rate must be in [0, 1], got {rate}")
    y = np.asarray(y).copy()
    counts = np.bincount(y, minlength=n_classes).astype(float)
    idx = rng.choice(len(y), size=int(round(rate * len(y))), replace=False)
    for i in idx:
        p = counts.copy()
        p[y[i]] = 0.0
        y[i] = rng.choice(n_classes, p=p / p.sum())
    return y


def lof_inliers(Z: np.ndarray, n_neighbors: int = 10) -> np.ndarray:
    """Boolean mask of the points that scikit-learn's Local Outlier Factor keeps as inliers
    (``contamination="auto"``: LOF score below 1.5); all points are kept when there are fewer
    than 3, and at least one point is always kept (the least outlying)."""
    from sklearn.neighbors import LocalOutlierFactor

    n = len(Z)
    if n < 3:
        return np.ones(n, dtype=bool)
    lof = LocalOutlierFactor(n_neighbors=min(n_neighbors, n - 1))
    keep = lof.fit_predict(Z) == 1
    if not keep.any():
        keep[np.argmax(lof.negative_outlier_factor_)] = True
    return keep


def class_stats(Z: np.ndarray, y: np.ndarray, n_classes: int, robust: bool = True,
                n_neighbors: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class means ``(K, d)``, covariances ``(K, d, d)`` and the inlier mask ``(n,)``.

    ``robust=True`` estimates each class from its LOF inliers (step 1), ``robust=False`` from
    all its points. A class with one point gets a zero covariance (calibration fills it in).
    """
    Z, y = np.asarray(Z, dtype=float), np.asarray(y)
    d = Z.shape[1]
    means, covs = np.zeros((n_classes, d)), np.zeros((n_classes, d, d))
    inlier = np.zeros(len(y), dtype=bool)
    for k in range(n_classes):
        idx = np.flatnonzero(y == k)
        if len(idx) == 0:
            raise ValueError(f"class {k} has no example")
        keep = lof_inliers(Z[idx], n_neighbors) if robust else np.ones(len(idx), dtype=bool)
        inlier[idx[keep]] = True
        Zk = Z[idx[keep]]
        means[k] = Zk.mean(0)
        if len(Zk) > 1:
            covs[k] = np.cov(Zk, rowvar=False)
    return means, covs, inlier





def head_tail_split(counts, n_head: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Head classes (the ``n_head`` largest, default half of them) and tail classes (the rest)."""
    counts = np.asarray(counts)
    K = len(counts)
    n_head = K // 2 if n_head is None else n_head
    order = np.argsort(-counts, kind="stable")
    return np.sort(order[:n_head]), np.sort(order[n_head:])


def calibrate_tail(means: np.ndarray, covs: np.ndarray, head, tail, q: int = 2, alpha: float = 0.0,
                   calibrate_mean: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
    """Step 2: average each tail class's mean and covariance with those of its q nearest head
    classes (distance between means), then add ``alpha * I``; returns new means, covariances and
    ``{tail class: its q neighbours}``. Head classes are left unchanged. ``q = 0`` leaves the
    tail statistics as they are (plus ``alpha * I``); ``calibrate_mean=False`` averages the
    covariance only."""
    head, tail = np.asarray(head), np.asarray(tail)
    if q < 0 or q > len(head):
        raise ValueError(f"q must be in [0, {len(head)}], got {q}")
    means, covs = means.copy(), covs.copy()
    d = means.shape[1]
    neighbours = {}
    for k in tail:
        dist = np.linalg.norm(means[head] - means[k], axis=1)
        nb = head[np.argsort(dist, kind="stable")[:q]]
        neighbours[int(k)] = nb.tolist()
        if calibrate_mean:
            means[k] = (means[k] + means[nb].sum(0)) / (1 + q)
        covs[k] = (covs[k] + covs[nb].sum(0)) / (1 + q) + alpha * np.eye(d)
    return means, covs, neighbours


def sample_gaussians(means: np.ndarray, covs: np.ndarray, n_per_class, rng: np.random.Generator,
                     jitter: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Step 3: ``n_per_class`` (an int or one per class) draws from each N(mu_k, Sigma_k);
    returns the draws and their labels. Covariances are symmetrised and eigenvalues clipped at
    ``jitter`` so that rank-deficient estimates still sample."""
    K, d = means.shape
    counts = np.broadcast_to(np.asarray(n_per_class), (K,))
    Zs, ys = [], []
    for k in range(K):
        S = (covs[k] + covs[k].T) / 2
        w, V = np.linalg.eigh(S)
        L = V * np.sqrt(np.clip(w, jitter, None))
        Zs.append(means[k] + rng.standard_normal((int(counts[k]), d)) @ L.T)
        ys.append(np.full(int(counts[k]), k))
    return np.concatenate(Zs), np.concatenate(ys)


def gaussian_loglik(Z: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Log-density of each row of ``Z`` under N(mean, cov) (cov must be positive definite)."""
    d = len(mean)
    L = np.linalg.cholesky(cov)
    r = np.linalg.solve(L, (Z - mean).T)
    return -0.5 * (r ** 2).sum(0) - np.log(np.diag(L)).sum() - 0.5 * d * np.log(2 * np.pi)


def rcal_training_set(Z: np.ndarray, y_noisy: np.ndarray, n_classes: int, rng: np.random.Generator, *,
                      n_per_class: int = 200, q: int = 2, alpha: float = 0.0, robust: bool = True,
                      calibrate: bool = True, calibrate_mean: bool = True, n_head: int | None = None,
                      n_neighbors: int = 10) -> tuple[np.ndarray, np.ndarray, dict]:
    """Steps 1-3: the real representations with their noisy labels plus ``n_per_class`` samples of
    every calibrated class Gaussian. Returns ``Z_train, y_train, info`` where ``info`` holds the
    estimated ``means``, ``covs``, the ``inlier`` mask, ``head``, ``tail`` and ``neighbours``."""
    Z = np.asarray(Z, dtype=float)
    means, covs, inlier = class_stats(Z, y_noisy, n_classes, robust=robust, n_neighbors=n_neighbors)
    head, tail = head_tail_split(np.bincount(y_noisy, minlength=n_classes), n_head)
    neighbours = {}
    if calibrate:
        means, covs, neighbours = calibrate_tail(means, covs, head, tail, q=q, alpha=alpha,
                                                 calibrate_mean=calibrate_mean)
    Zs, ys = sample_gaussians(means, covs, n_per_class, rng)
    info = dict(means=means, covs=covs, inlier=inlier, head=head, tail=tail, neighbours=neighbours)
    return np.concatenate([Z, Zs]), np.concatenate([np.asarray(y_noisy), ys]), info


def estimation_errors(means_hat: np.ndarray, covs_hat: np.ndarray, means: np.ndarray,
                      covs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class scale-free errors of estimated Gaussians against reference ones:
    ||mu_hat - mu|| / sqrt(tr Sigma) and ||Sigma_hat - Sigma||_F / ||Sigma||_F."""
    scale = np.sqrt(np.trace(covs, axis1=1, axis2=2))
    e_mu = np.linalg.norm(means_hat - means, axis=1) / scale
    e_cov = np.linalg.norm(covs_hat - covs, axis=(1, 2)) / np.linalg.norm(covs, axis=(1, 2))
    return e_mu, e_cov
