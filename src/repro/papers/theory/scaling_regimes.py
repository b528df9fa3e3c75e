"""Teacher-student models that show the four scaling regimes of Bahri, Dyer, Kaplan, Lee & Sharma
("Explaining Neural Scaling Laws", PNAS 2024; arXiv:2102.06701).

**Linear random-feature model** (the paper's solvable model, Sec. "Random feature models").
A latent input ``z ~ N(0, I_S)`` carries ``S`` teacher features ``F(z) = G z`` with
``G = diag(sqrt(lam))``, so ``E[F_M F_N] = lam_M delta_MN``; the paper takes
``lam_M ~ M^-(1+alpha)``. The teacher is ``y = omega . F(z)``; the student has ``P`` random
projections ``f(z) = Pm F(z)`` (``Pm`` is ``P x S``, i.i.d. ``N(0, 1)``) and is fitted by
ridgeless (minimum-norm) least squares on ``D`` samples. Its weights act on the teacher features
as ``w = Pm^T theta`` and the population loss is ``L = sum_M lam_M (omega_M - w_M)^2``.
``D -> inf`` gives the best ``P``-projection model, ``P -> inf`` the kernel (min-norm) regression
on all ``S`` features.

The loss is a quadratic form ``omega^T A omega`` in the teacher, so its average over teachers
``omega ~ N(0, I_S)`` is ``tr A``: the ``teacher_averaged_*`` functions return it in closed form
(the data ``Z`` and projections ``Pm`` stay random). With ``X = Z G`` (``D x S``) and
``w = H X omega``:  ``E_omega L = tr(Lam) - 2 tr(X Lam H) + tr(H^T Lam H X X^T)``.

**Data on a manifold.** :func:`torus_inputs` puts inputs on a flat ``d``-torus, so that the
intrinsic dimension is ``d`` whatever the ambient one; :func:`ridgeless_krr_curve` gives
kernel-limit learning curves on nested training sets and :func:`spectrum_exponent` reads the
exponent ``alpha_K`` of a kernel spectrum ``lam_i ~ i^-(1+alpha_K)``.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from repro.scaling.fits import fit_power_law


def powerlaw_feature_variances(S: int, alpha: float) -> np.ndarray:
    """Teacher-feature variances ``lam_M = M^-(1+alpha)``, ``M = 1..S``."""
    if S < 1 or alpha <= 0:
        raise ValueError("need S >= 1 and alpha > 0")
    return np.arange(1, S + 1, dtype=np.float64) ** (-(1.0 + alpha))


def teacher_features(Z: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``X = Z G``: teacher features of latent samples ``Z`` (rows ``~ N(0, I_S)``)."""
    return np.asarray(Z, dtype=np.float64) * np.sqrt(lam)


def population_loss(lam: np.ndarray, omega: np.ndarray, w: np.ndarray) -> float:
    """``sum_M lam_M (omega_M - w_M)^2``: the exact test MSE of effective weights ``w``."""
    return float(np.asarray(lam) @ (np.asarray(omega) - np.asarray(w)) ** 2)


def _min_norm_map(Phi: np.ndarray) -> np.ndarray:
    """``pinv(Phi)`` (``P x D``), through the smaller Gram matrix."""
    D, P = Phi.shape
    if D <= P:
        return Phi.T @ np.linalg.solve(Phi @ Phi.T, np.eye(D))
    return np.linalg.solve(Phi.T @ Phi, Phi.T)


def student_weights(X: np.ndarray, y: np.ndarray, Pm: np.ndarray | None = None) -> np.ndarray:
    """Effective teacher-feature weights ``w`` of the ridgeless student trained on ``(X, y)``.

    ``Pm=None`` is the kernel limit ``P -> inf`` (min-norm regression on ``X`` itself).
    """
    if Pm is None:
        return X.T @ np.linalg.solve(X @ X.T, y)
    return Pm.T @ (_min_norm_map(X @ Pm.T) @ y)


def best_projection_weights(lam: np.ndarray, omega: np.ndarray, Pm: np.ndarray) -> np.ndarray:
    """``D -> inf``: the population-optimal ``w = Pm^T theta*`` of the ``P``-projection student."""
    B = Pm * lam
    theta = np.linalg.solve(B @ Pm.T, B @ omega)
    return Pm.T @ theta


def teacher_averaged_loss(lam: np.ndarray, X: np.ndarray, Pm: np.ndarray) -> float:
    """``E_omega L(D, P)`` of the ridgeless student with data ``X = Z G`` and projections ``Pm``.

    Cost ``O(S D P)``: when ``D <= P`` we form ``H = Pm^T pinv(X Pm^T)`` (``S x D``), otherwise
    ``Q = pinv(X Pm^T) X`` (``P x S``) and use ``tr(H^T Lam H X X^T) = tr(C Q Q^T)`` with
    ``C = Pm Lam Pm^T``.
    """
    lam = np.asarray(lam, dtype=np.float64)
    Phi = X @ Pm.T
    D, P = Phi.shape
    pinv = _min_norm_map(Phi)
    if D <= P:
        H = Pm.T @ pinv
        return float(lam.sum() - 2 * np.trace((X * lam) @ H) + np.sum(((H.T * lam) @ H) * (X @ X.T)))
    Q = pinv @ X
    C = (Pm * lam) @ Pm.T
    return float(lam.sum() - 2 * np.sum(lam * (Pm * Q).sum(0)) + np.sum(C * (Q @ Q.T)))


def teacher_averaged_kernel_limit(lam: np.ndarray, X: np.ndarray, sizes=None) -> np.ndarray:
    """``E_omega L(D, P=inf) = tr(Lam) - tr(K^-1 X Lam X^T)``, ``K = X X^T``, for nested ``D``.

    ``sizes`` (default: all rows) are prefixes of the rows of ``X``; one Gram matrix serves all.
    """
    lam = np.asarray(lam, dtype=np.float64)
    sizes = [len(X)] if sizes is None else list(sizes)
    Xm = X[: max(sizes)]
    K, M = Xm @ Xm.T, (Xm * lam) @ Xm.T
    out = []
    for D in sizes:
        c = cho_factor(K[:D, :D], lower=True)
        out.append(lam.sum() - np.trace(cho_solve(c, M[:D, :D])))
    return np.asarray(out)


def teacher_averaged_feature_limit(lam: np.ndarray, Pm: np.ndarray, sizes=None) -> np.ndarray:
    """``E_omega L(D=inf, P) = tr(Lam) - tr(C^-1 Pm Lam^2 Pm^T)``, ``C = Pm Lam Pm^T``, nested ``P``."""
    lam = np.asarray(lam, dtype=np.float64)
    sizes = [len(Pm)] if sizes is None else list(sizes)
    Pmm = Pm[: max(sizes)]
    C, M = (Pmm * lam) @ Pmm.T, (Pmm * lam ** 2) @ Pmm.T
    out = []
    for P in sizes:
        c = cho_factor(C[:P, :P], lower=True)
        out.append(lam.sum() - np.trace(cho_solve(c, M[:P, :P])))
    return np.asarray(out)


def theory_loss(lam: np.ndarray, D: float, P: float) -> float:
    """Ridgeless loss predicted by the random-feature eigenframework (:mod:`repro.gp.eigenframework`).

    Teacher-averaged target power ``v_M^2 = lam_M``; ``D`` or ``P`` may be ``inf``.
    """
    from repro.gp.eigenframework import krr_risk, rf_risk

    lam = np.asarray(lam, dtype=np.float64)
    big = 1e12
    if np.isinf(P):
        return float(krr_risk(lam, np.sqrt(lam), big if np.isinf(D) else D).test[0])
    return float(rf_risk(lam, np.sqrt(lam), big if np.isinf(D) else D, P).test[0])


def torus_inputs(n: int, d: int, rng: np.random.Generator, bias: bool = True) -> np.ndarray:
    """``n`` points uniform on a flat ``d``-torus in ``R^{2d}``: ``(cos t_j, sin t_j)_j / sqrt(d)``.

    Dot products depend on the angle differences only (the torus is homogeneous); ``bias`` appends
    a constant coordinate 1, which gives ReLU features a bias.
    """
    t = rng.uniform(0.0, 2 * np.pi, (n, d))
    X = np.concatenate([np.cos(t), np.sin(t)], axis=1) / np.sqrt(d)
    return np.concatenate([X, np.ones((n, 1))], axis=1) if bias else X


def ridgeless_krr_curve(K: np.ndarray, y: np.ndarray, K_test: np.ndarray, y_test: np.ndarray,
                        sizes, jitter: float = 1e-10) -> np.ndarray:
    """Test MSE of kernel interpolation on the first ``D`` training points, for each ``D``.

    ``jitter`` times the mean diagonal is added to the Gram matrix for numerical stability.
    """
    out = []
    for D in sizes:
        Kd = K[:D, :D]
        c = cho_factor(Kd + jitter * np.trace(Kd) / D * np.eye(D), lower=True)
        pred = K_test[:, :D] @ cho_solve(c, y[:D])
        out.append(np.mean((pred - y_test) ** 2))
    return np.asarray(out)


def spectrum_exponent(eigvals, lo: int, hi: int) -> float:
    """``alpha_K`` of ``lam_i ~ i^-(1+alpha_K)``, fitted on sorted eigenvalues ``lo <= i <= hi``."""
    ev = np.sort(np.asarray(eigvals, dtype=np.float64))[::-1]
    i = np.arange(1, len(ev) + 1)
    sel = (i >= lo) & (i <= hi)
    if sel.sum() < 3 or np.any(ev[sel] <= 0):
        raise ValueError("need at least 3 positive eigenvalues in [lo, hi]")
    return fit_power_law(i[sel], ev[sel])[1] - 1.0


# ---- nonlinear random-feature teacher-student on a manifold ------------------------------------
# The population is the uniform distribution over a fixed pool of ``M`` points on the torus, so
# every loss below is exact (evaluated on the whole pool) and the ``D -> inf`` limit of a
# ``P``-feature student is the least-squares fit on the whole pool. Training sets are drawn from the
# pool *with replacement* (i.i.d. from that population; no finite-population correction).

def relu_teacher_targets(fmap, coef: np.ndarray, X: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """``y = (1/sqrt(width)) sum_j coef_j h_j(x)`` of a random ReLU network, evaluated in row chunks."""
    out = [fmap.raw(X[i:i + chunk]) @ coef for i in range(0, len(X), chunk)]
    return np.concatenate(out) / np.sqrt(fmap.width)


def rf_feature_limit_curve(F: np.ndarray, y: np.ndarray, sizes, jitter: float = 1e-10) -> np.ndarray:
    """``L(D = inf, P)``: population MSE of the best model on the first ``P`` columns of ``F``.

    ``F`` (``M x P_max``) are the student's features on the whole population pool and ``y`` the
    targets there; the optimum is least squares on the pool, whose loss is
    ``(y.y - b_P . G_P^-1 b_P) / M`` with ``G = F^T F``, ``b = F^T y``.
    """
    F, y = np.asarray(F, np.float64), np.asarray(y, np.float64)
    G, b = F.T @ F, F.T @ y
    out = []
    for P in sizes:
        Gp = G[:P, :P]
        c = cho_factor(Gp + jitter * np.trace(Gp) / P * np.eye(P), lower=True)
        out.append(max(float(y @ y - b[:P] @ cho_solve(c, b[:P])), 0.0) / len(y))
    return np.asarray(out)


def min_norm_fit_loss(F_train: np.ndarray, y_train: np.ndarray, F_pop: np.ndarray, y_pop: np.ndarray) -> float:
    """Population MSE of the minimum-norm least-squares fit of ``y_train`` on features ``F_train``."""
    theta = np.linalg.lstsq(F_train, y_train, rcond=None)[0]
    return float(np.mean((F_pop @ theta - y_pop) ** 2))


def rf_excess_control_variate(K_tr: np.ndarray, K_te: np.ndarray, Kp_tr: np.ndarray, Kp_te: np.ndarray,
                              y_tr: np.ndarray, y_te: np.ndarray) -> float:
    """An unbiased, low-variance estimate of ``E_features[L(D, P)] - L(D, inf)`` from one feature draw.

    The ridgeless ``P``-feature student is kernel interpolation with its empirical kernel ``Kp``
    (train-train ``Kp_tr``, test-train ``Kp_te``), whose mean over feature draws is the limiting
    kernel ``K``. The loss difference ``L(Kp) - L(K)`` has a first-order term linear in
    ``Kp - K``, of mean zero but of size ``1/sqrt(P)``, which hides the ``1/P`` mean; it is
    subtracted exactly (a control variate), leaving the second-order part.
    """
    a = np.linalg.solve(K_tr, y_tr)
    r = K_te @ a - y_te
    n = len(y_te)
    loss_k = float(r @ r) / n
    rp = Kp_te @ np.linalg.solve(Kp_tr, y_tr) - y_te
    loss_p = float(rp @ rp) / n
    dK_tr, dK_te = Kp_tr - K_tr, Kp_te - K_te
    dpred = dK_te @ a - K_te @ np.linalg.solve(K_tr, dK_tr @ a)
    return loss_p - loss_k - 2.0 * float(r @ dpred) / n
