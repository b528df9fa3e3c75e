"""Generative data augmentation (GDA) in the binary Gaussian mixture, the simulation setting of
Zheng, Wu & Li, "Toward Understanding Generative Data Augmentation" (NeurIPS 2023, Sec. 4.1 and
the bGMM simulations of their public code).

Data: balanced labels ``y in {-1, +1}``, ``x | y ~ N(y mu, sigma^2 I_d)``. Learner: the maximum-
likelihood mean ``theta = mean_i y_i x_i``, with loss ``l(theta; x, y) = |x - y theta|^2 / (2 sigma^2)``
(the negative log-likelihood up to a constant). Generator: class means and one pooled diagonal
variance fitted on the ``m`` real samples (Gaussian naive Bayes with a shared variance), from which
``m_G`` synthetic labelled samples are drawn, half per class. The learner is trained on the union.

Since ``z = y x`` is Gaussian, only sums of ``z`` and of ``|z|^2`` matter. The synthetic part is
drawn through these sufficient statistics, exactly: for ``n`` draws of ``N(c, diag v)``,
``sum z ~ N(n c, n diag v)`` and, independently, ``sum |z - zbar|^2 ~ sum_j v_j chi^2_{n-1}``. The
test loss is exact: ``E l(theta) = (d sigma^2 + |theta - mu|^2) / (2 sigma^2)``.
All functions are vectorised over a leading axis of repetitions.
"""
from __future__ import annotations

import numpy as np

from repro.data import gmm


def unit_mean(d: int) -> np.ndarray:
    """The authors' class mean ``mu = (1, ..., 1) / sqrt(d)`` (unit norm)."""
    return np.full(d, 1.0 / np.sqrt(d))


def class_sizes(n: int) -> tuple[int, int]:
    """``(n_neg, n_pos)`` of a balanced set of ``n`` points (the extra point goes to ``-1``)."""
    return n - n // 2, n // 2


def sample_real(reps: int, m: int, mu: np.ndarray, sigma: float, rng: np.random.Generator):
    """``reps`` balanced training sets: ``X (reps, m, d)`` and labels ``y (m,)`` (same for all)."""
    n_neg, n_pos = class_sizes(m)
    y = np.concatenate([-np.ones(n_neg), np.ones(n_pos)])
    cov = sigma ** 2 * np.eye(len(mu))
    X = np.stack([gmm.sample(m, mu, rng, cov=cov, labels=y)[0] for _ in range(reps)])
    return X, y


def fit_generator(X: np.ndarray, y: np.ndarray):
    """Class means ``(reps, d)`` each and the pooled per-coordinate variance ``(reps, d)``.

    Each class's variance uses ``ddof=1``; they are averaged with weights equal to the class
    proportions, as in the authors' Gaussian naive Bayes generator.
    """
    neg, pos = y < 0, y > 0
    mean_neg, mean_pos = X[:, neg].mean(1), X[:, pos].mean(1)
    var = (neg.sum() * X[:, neg].var(1, ddof=1) + pos.sum() * X[:, pos].var(1, ddof=1)) / len(y)
    return mean_neg, mean_pos, var


def gaussian_sum_stats(n: int, centre: np.ndarray, var: np.ndarray, rng: np.random.Generator):
    """Exact ``(sum z, sum |z|^2)`` of ``n`` i.i.d. draws of ``N(centre, diag var)`` per repetition."""
    if n == 0:
        return np.zeros_like(centre), np.zeros(centre.shape[0])
    s = n * centre + np.sqrt(n * var) * rng.standard_normal(centre.shape)
    scatter = (var * rng.chisquare(n - 1, var.shape)).sum(-1) if n > 1 else np.zeros(centre.shape[0])
    return s, scatter + (s ** 2).sum(-1) / n


def augmented_losses(X: np.ndarray, y: np.ndarray, m_gen: int, mu: np.ndarray, sigma: float,
                     rng: np.random.Generator):
    """Train loss (on real + synthetic data), exact test loss and ``theta`` of the GDA learner.

    ``m_gen = 0`` is plain training on the ``m`` real samples. Returns ``(train, test, theta)``.
    """
    Z = y[None, :, None] * X                       # y x, (reps, m, d)
    S, Q = Z.sum(1), (Z ** 2).sum((1, 2))
    N = X.shape[1] + m_gen
    if m_gen > 0:
        mean_neg, mean_pos, var = fit_generator(X, y)
        g_neg, g_pos = class_sizes(m_gen)
        for n, centre in ((g_neg, -mean_neg), (g_pos, mean_pos)):  # z = y x for each class
            s, q = gaussian_sum_stats(n, centre, var, rng)
            S, Q = S + s, Q + q
    theta = S / N
    train = (Q - N * (theta ** 2).sum(-1)) / (2 * sigma ** 2 * N)
    test = (len(mu) * sigma ** 2 + ((theta - mu) ** 2).sum(-1)) / (2 * sigma ** 2)
    return train, test, theta


def generalization_gaps(m: int, d: int, ratios, reps: int, rng: np.random.Generator,
                        sigma: float = 0.6, chunk: int = 1000, signed: bool = False) -> dict:
    """``{ratio: |test - train| per repetition}`` for ``m_G = int(ratio * m)``, on shared real data.

    Every ratio reuses the same real training sets, so differences between ratios are paired.
    Repetitions are processed ``chunk`` at a time to bound memory. ``signed=True`` returns
    ``test - train`` (the authors' gap is its absolute value).
    """
    mu = unit_mean(d)
    out = {r: [] for r in ratios}
    for start in range(0, reps, chunk):
        X, y = sample_real(min(chunk, reps - start), m, mu, sigma, rng)
        for r in ratios:
            train, test, _ = augmented_losses(X, y, int(r * m), mu, sigma, rng)
            out[r].append(test - train if signed else np.abs(test - train))
    return {r: np.concatenate(v) for r, v in out.items()}


def test_error(theta: np.ndarray, mu: np.ndarray, sigma: float) -> np.ndarray:
    """Exact 0-1 test error of ``sign(theta . x)`` for each repetition (:func:`repro.data.gmm.linear_error`)."""
    cov = sigma ** 2 * np.eye(len(mu))
    return np.array([gmm.linear_error(t, mu, 0.0, cov) for t in np.atleast_2d(theta)])


def expected_gap_without_augmentation(m: int, d: int) -> float:
    """``E[test - train] = d / m`` for the plain mean estimator (signed gap; both variances count)."""
    return d / m


def run_means(gaps: np.ndarray, n_runs: int) -> np.ndarray:
    """Split per-repetition gaps into ``n_runs`` consecutive, equal blocks and average each.

    Every repetition draws its own real training set, so the blocks are independent runs of the
    authors' simulation (each averages its repetitions, as their script does). A remainder that
    does not fill a block is dropped.
    """
    gaps = np.asarray(gaps, float)
    size = len(gaps) // n_runs
    if size < 1:
        raise ValueError(f"{len(gaps)} repetitions cannot fill {n_runs} runs")
    return gaps[: size * n_runs].reshape(n_runs, size).mean(1)


def decay_exponents(ms, run_gaps: np.ndarray) -> np.ndarray:
    """Per-run decay exponent ``-slope`` of ``log(mean gap)`` against ``log m``.

    ``run_gaps`` has shape ``(len(ms), n_runs)``: the mean gap of each run at each ``m``. A
    larger exponent is a faster rate.
    """
    x = np.log(np.asarray(ms, float))
    Y = np.log(np.asarray(run_gaps, float))
    x = x - x.mean()
    return -(x @ (Y - Y.mean(0))) / (x @ x)
