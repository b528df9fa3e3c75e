"""Self-distillation with ground-truth targets in kernel ridge regression.

Borup & Andersen (NeurIPS 2021), "Even your Teacher Needs Guidance". Step 0 fits kernel ridge
regression (KRR) to the labels ``y``; step ``t >= 1`` refits the same model (same kernel, same
ridge ``lam``) to the mixed targets

    z_t = alpha * y + (1 - alpha) * f_{t-1}(X),

which is what minimising ``alpha ||y - f(X)||^2 + (1 - alpha) ||f_{t-1}(X) - f(X)||^2 + lam ||f||_H^2``
gives (the two squared errors combine into one, up to a constant). ``alpha = 0`` is pure
self-distillation (Mobahi et al., 2020); ``alpha = 1`` returns the step-0 fit.

With ``K = V diag(d) V^T`` every step is a spectral filter of the labels (the paper's diagonal
matrices ``B^(t)``): ``f_t(X) = V diag(phi_t(d)) V^T y`` with

    a = d / (d + lam),  m = (1 - alpha) a,
    s_t = alpha * (1 + m + ... + m^(t-1)) + m^t,     phi_t = a * s_t,

and ``s_t`` is the weight of the step-t *targets*: ``V^T z_t = s_t * V^T y``. As ``t -> inf``,
``phi_t -> alpha d / (alpha d + lam) = d / (d + lam / alpha)``: plain KRR with ridge
``lam / alpha``. A student's predictions are affine in ``alpha`` (KRR is linear in its targets),
so the ``alpha`` that minimises a squared error against reference targets has a closed form.
"""
from __future__ import annotations

import numpy as np

from repro.gp.kernels import EigenKRR, krr_fit_predict


def _check_alpha(alpha: float) -> float:
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}")
    return float(alpha)


def target_weights(d, lam: float, alpha: float, t) -> np.ndarray:
    """Per-eigenvalue weight ``s_t`` of the step-``t`` targets: ``V^T z_t = s_t V^T y``.

    ``s_t = alpha * sum_{k<t} m^k + m^t`` with ``m = (1 - alpha) d / (d + lam)``; ``s_0 = 1``.
    ``d`` and ``t`` broadcast (pass ``t[:, None]`` and ``d[None, :]`` for a table). The geometric sum
    is written as ``(1 - m^t) / (1 - m)`` with ``1 - m = alpha + (1 - alpha) lam / (d + lam)``
    computed without cancellation.
    """
    alpha = _check_alpha(alpha)
    d, t = np.broadcast_arrays(np.asarray(d, dtype=np.float64), np.asarray(t, dtype=np.float64))
    m = (1.0 - alpha) * d / (d + lam)
    one_minus_m = alpha + (1.0 - alpha) * lam / (d + lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_log_m = np.where(t > 0, t * np.log(m), 0.0)  # m = 0 gives -inf, and m^t = 0 for t >= 1
    m_t = np.exp(t_log_m)
    geometric = -np.expm1(t_log_m) / one_minus_m  # 1 + m + ... + m^(t-1), accurate for m near 1
    return alpha * geometric + m_t


def spectral_filter(d, lam: float, alpha: float, t) -> np.ndarray:
    """Closed-form filter ``phi_t(d) = d / (d + lam) * s_t(d)``: ``f_t(X) = V diag(phi_t) V^T y``."""
    d = np.asarray(d, dtype=np.float64)
    return d / (d + lam) * target_weights(d, lam, alpha, t)


def limit_filter(d, lam: float, alpha: float) -> np.ndarray:
    """Infinite-step filter ``d / (d + lam / alpha)`` (zero for ``alpha = 0``): KRR with ridge lam/alpha."""
    alpha = _check_alpha(alpha)
    d = np.asarray(d, dtype=np.float64)
    return np.zeros_like(d) if alpha == 0.0 else alpha * d / (alpha * d + lam)


def closed_form_fit(eig: EigenKRR, y: np.ndarray, lam: float, alpha: float, t: int,
                    K_eval: np.ndarray | None = None):
    """Step-``t`` predictions from the initial problem alone, without fitting steps ``1..t-1``.

    Returns the training-set predictions ``V diag(phi_t) V^T y`` and, if ``K_eval = k(E, X)`` is
    given, the predictions on ``E``: ``k(E, X) V diag(s_t / (d + lam)) V^T y``.
    """
    y_hat = eig.V.T @ y
    s = target_weights(eig.d, lam, alpha, t)
    train = eig.V @ (eig.d / (eig.d + lam) * s * y_hat)
    if K_eval is None:
        return train
    return train, K_eval @ (eig.V @ (s / (eig.d + lam) * y_hat))


def iterate_distillation(K: np.ndarray, y: np.ndarray, lam: float, alphas, K_eval: np.ndarray | None = None):
    """Run self-distillation literally: refit KRR (Cholesky solve) on the mixed targets at every step.

    ``alphas[t-1]`` is the weight of the labels at step ``t``; ``len(alphas)`` steps follow the
    step-0 fit. Returns an array ``(steps + 1, n)`` of training predictions and, with ``K_eval``,
    one ``(steps + 1, len(K_eval))`` of predictions on the evaluation inputs.
    """
    y = np.asarray(y, dtype=np.float64)
    train, evals = [], []
    teacher = None
    for alpha in [1.0, *alphas]:
        z = y if teacher is None else _check_alpha(alpha) * y + (1.0 - alpha) * teacher
        teacher = krr_fit_predict(K, z, K, lam)
        train.append(teacher)
        if K_eval is not None:
            evals.append(krr_fit_predict(K, z, K_eval, lam))
    return (np.array(train), np.array(evals)) if K_eval is not None else np.array(train)


def optimal_alpha(pred_distill: np.ndarray, pred_labels: np.ndarray, reference: np.ndarray,
                  clip: bool = True) -> float:
    """Closed-form weight minimising ``||reference - f_t(E)||^2`` over alpha.

    The student is affine in alpha: ``f_t = alpha * p1 + (1 - alpha) * p0`` with ``p0`` the student
    fitted to the teacher alone (``pred_distill``) and ``p1`` the one fitted to the labels alone
    (``pred_labels``, i.e. the step-0 fit). The minimiser is
    ``<reference - p0, p1 - p0> / ||p1 - p0||^2``; with ``clip`` it is clipped to [0, 1], which is
    the constrained minimiser because the criterion is a convex quadratic in alpha.
    """
    diff = pred_labels - pred_distill
    denom = float(diff @ diff)
    if denom == 0.0:
        return 1.0
    alpha = float((reference - pred_distill) @ diff) / denom
    return float(np.clip(alpha, 0.0, 1.0)) if clip else alpha


def distill_optimal(eig: EigenKRR, y: np.ndarray, lam: float, steps: int, K_val: np.ndarray,
                    y_val: np.ndarray, K_eval: np.ndarray | None = None):
    """Distil for ``steps`` steps, choosing each step's alpha in closed form on a validation set.

    At step ``t`` the teacher is ``f_{t-1}``; alpha_t minimises the validation squared error of
    the student (:func:`optimal_alpha`). Returns ``alphas`` (length ``steps``), training
    predictions ``(steps + 1, n)`` and, with ``K_eval``, evaluation predictions.
    """
    coef_labels = eig.fit_coef(y, lam)
    teacher = eig.V @ (eig.d * (eig.V.T @ coef_labels))
    coefs, alphas = [coef_labels], []
    for _ in range(steps):
        coef_distill = eig.fit_coef(teacher, lam)
        alpha = optimal_alpha(K_val @ coef_distill, K_val @ coef_labels, y_val)
        coef = alpha * coef_labels + (1.0 - alpha) * coef_distill
        teacher = eig.V @ (eig.d * (eig.V.T @ coef))
        coefs.append(coef)
        alphas.append(alpha)
    coefs = np.array(coefs)
    train = coefs @ (eig.V * eig.d) @ eig.V.T
    if K_eval is None:
        return np.array(alphas), train
    return np.array(alphas), train, coefs @ K_eval.T


def grid_search_alpha(K: np.ndarray, y: np.ndarray, teacher: np.ndarray, lam: float, K_val: np.ndarray,
                      y_val: np.ndarray, grid) -> tuple[float, np.ndarray]:
    """Brute force: refit the student for every alpha in ``grid``; return the best and all losses.

    The criterion is the one :func:`optimal_alpha` minimises: the validation sum of squared errors.
    """
    losses = np.array([np.sum((y_val - krr_fit_predict(K, a * y + (1.0 - a) * teacher, K_val, lam)) ** 2)
                       for a in grid])
    return float(np.asarray(grid)[np.argmin(losses)]), losses


def validation_tuned_krr(eig: EigenKRR, y: np.ndarray, lams, K_val: np.ndarray, y_val: np.ndarray,
                         K_eval: np.ndarray | None = None):
    """The step-0 baseline that spends the validation set on the ridge instead of on alpha.

    Fits KRR to the labels for every ridge in ``lams`` and keeps the one with the smallest
    validation sum of squared errors (the first on ties). Returns the chosen ridge, the
    validation losses and, with ``K_eval``, the chosen fit's predictions on the evaluation inputs.
    """
    lams = np.asarray(lams, dtype=np.float64)
    if lams.ndim != 1 or lams.size == 0 or (lams <= 0).any():
        raise ValueError("lams must be a non-empty 1-D array of positive ridges")
    coefs = [eig.fit_coef(y, lam) for lam in lams]
    losses = np.array([np.sum((y_val - K_val @ c) ** 2) for c in coefs])
    best = int(np.argmin(losses))
    if K_eval is None:
        return float(lams[best]), losses
    return float(lams[best]), losses, K_eval @ coefs[best]
