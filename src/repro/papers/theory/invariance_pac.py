"""Approximate invariance of representations across interventions in a linear SEM, with PAC bounds.

Parulekar, Shanmugam and Shakkottai, "PAC Generalization via Invariant Representations"
(ICML 2023). In a linear structural equation model (SEM) whose interventions act on a fixed,
small set of nodes through parameters ``t``, every second moment is a polynomial of bounded
degree in ``t``. Whether a representation is epsilon-approximately invariant in the environment
``t`` is then a polynomial inequality in ``t`` whose degree and number of variables do not depend
on the ambient dimension ``d``; a VC argument turns "invariant on ``m`` random training
environments" into "invariant on all but a small fraction of the family", with a sample size free
of ``d``.

Here: nodes are ordered topologically, ``X = B X + D(t)^{1/2} N`` (row ``i`` of ``B`` holds the
parents of node ``i``), an intervention rescales the noise standard deviation of site ``k`` by
``1 + t_k``, and a representation is a feature subset ``F`` with its observational least-squares
predictor ``w_F``. The environment's excess risk ``R_t(F) - R_0(F)`` is *affine* in
``u_k = (1 + t_k)^2`` (covariances are linear in the noise variances), so the violation event
``|R_t - R_0| > eps`` is ``q(u) > 0`` for a quadratic ``q`` in the ``k`` variables ``u``: a class of
VC dimension at most ``(k + 1)(k + 2)/2`` (Dudley), whatever ``d``.

The paper's notion is about the *best predictor on top of the representation*: it must stay
(approximately) the same across environments. :func:`coefficient_terms` and
:func:`coefficient_shift` measure exactly that, ``||w_F(t) - w_F(0)||_2`` with ``w_F(t)`` the
least-squares coefficients of ``Y`` on ``X_F`` in environment ``t``. An intervention on ``k`` sites
is a rank-``k`` update of the covariance, so by the Woodbury identity the shift is ``g z(u)`` with a
``k``-vector ``z(u)`` that is a ratio of polynomials of degree ``<= k`` in ``u`` (multilinear); the
violation event ``||w_F(t) - w_F(0)||^2 > eps^2`` is the positivity set of a polynomial of degree
``<= 2k`` in ``u`` whatever ``|F|`` and ``d``: for two sites, degree 4, a class of VC dimension at
most 15 (the number of monomials of degree ``<= 4`` in two variables).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LinearSEM:
    """Linear Gaussian SEM ``X = B X + noise`` with noise variances ``var``; ``target`` is Y's index
    and ``sites`` the nodes whose noise standard deviation an intervention rescales."""

    B: np.ndarray
    var: np.ndarray
    target: int
    sites: list[int]

    def covariance(self, u=None) -> np.ndarray:
        """Covariance of all nodes when site ``k``'s noise variance is multiplied by ``u[k]``."""
        v = self.var.copy()
        if u is not None:
            v[self.sites] *= np.asarray(u, float)
        M = np.linalg.inv(np.eye(len(v)) - self.B)
        return (M * v) @ M.T


def ols(S: np.ndarray, feats, target: int) -> np.ndarray:
    """Population least-squares coefficients of ``target`` on ``feats`` under covariance ``S``."""
    feats = list(feats)
    if not feats:
        return np.zeros(0)
    return np.linalg.solve(S[np.ix_(feats, feats)], S[feats, target])


def risk(S: np.ndarray, feats, w: np.ndarray, target: int) -> float:
    """Population squared error ``E (Y - w^T X_F)^2`` under covariance ``S``."""
    feats = list(feats)
    if not feats:
        return float(S[target, target])
    return float(S[target, target] - 2 * w @ S[feats, target] + w @ S[np.ix_(feats, feats)] @ w)


def excess_risk_coefficients(sem: LinearSEM, feats) -> tuple[float, np.ndarray]:
    """``(alpha, beta)`` with ``R_t(F, w_F) - R_0(F, w_F) = alpha + beta^T u``, ``u = (1 + t)^2``.

    ``w_F`` is the observational (``t = 0``) least-squares predictor; exact because the risk at a
    fixed ``w`` is linear in the covariance, which is linear in the noise variances.
    """
    S0 = sem.covariance()
    w = ols(S0, feats, sem.target)
    r0 = risk(S0, feats, w, sem.target)
    k = len(sem.sites)
    base = risk(sem.covariance(np.zeros(k)), feats, w, sem.target)  # u = 0: site noise switched off
    beta = np.array([risk(sem.covariance(np.eye(k)[j]), feats, w, sem.target) - base for j in range(k)])
    return base - r0, beta


def violations(alpha: np.ndarray, beta: np.ndarray, T: np.ndarray, eps: float) -> np.ndarray:
    """Boolean matrix ``[representation, environment]``: ``|R_t - R_0| > eps`` for environments ``T``
    (rows of intervention parameters ``t``)."""
    U = (1.0 + np.asarray(T)) ** 2
    return np.abs(alpha[:, None] + beta @ U.T) > eps


def vc_dimension_bound(n_sites: int) -> int:
    """VC dimension bound of the violation sets: dimension of quadratics in ``n_sites`` variables."""
    return (n_sites + 1) * (n_sites + 2) // 2


def pac_epsilon(m, vc: int, delta: float) -> np.ndarray:
    """Realizable VC bound (double-sample argument, Blumer et al. 1989): with probability
    ``>= 1 - delta`` over ``m`` i.i.d. training environments, every representation that is invariant
    on all of them violates invariance on at most a fraction
    ``(2/m) (vc log2(2 e m / vc) + log2(2/delta))`` of the family (capped at 1)."""
    m = np.asarray(m, float)
    eps = 2.0 / m * (vc * np.log2(2 * np.e * m / vc) + np.log2(2.0 / delta))
    return np.minimum(eps, 1.0)


def select_invariant(train_viol: np.ndarray, train_risk: np.ndarray) -> int | None:
    """The learner: among representations with no violation on the training environments (columns
    of ``train_viol``), the one with the smallest observational risk.

    Returns ``None`` when no representation survives: the caller must decide what that means (an
    index such as ``-1`` would silently select the last representation).
    """
    ok = ~train_viol.any(axis=1)
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    return int(idx[np.argmin(train_risk[idx])])


def select_by_first_violation(first_violation: np.ndarray, m: int, train_risk: np.ndarray) -> int:
    """:func:`select_invariant` on the first ``m`` training environments, given for each
    representation the index of its first violating environment (``>= m`` when none); raises
    ``ValueError`` when no representation is invariant on all ``m`` of them."""
    chosen = select_invariant((np.asarray(first_violation) < m)[:, None], train_risk)
    if chosen is None:
        raise ValueError(f"no representation is invariant on the first {m} training environments")
    return chosen


def vc_dimension_polynomials(n_vars: int, degree: int) -> int:
    """VC dimension bound of positivity sets of polynomials: the number of monomials of degree
    ``<= degree`` in ``n_vars`` variables (Dudley; the class is a linear space of that dimension)."""
    from math import comb
    return comb(n_vars + degree, degree)


def coefficient_terms(sem: LinearSEM, feats) -> dict:
    """Everything :func:`coefficient_shift` needs for the representation ``feats``.

    With ``a_k = sqrt(var_k) M[:, site_k]`` (``M = (I - B)^{-1}``), an intervention with squared
    scales ``u`` gives ``S(u) = S0 + sum_k (u_k - 1) a_k a_k^T``. Writing ``A = S0[F, F]``,
    ``U = [a_k[F]]``, ``c = [a_k[Y]]``, ``g = A^{-1} U``, ``G = U^T g`` and ``h = U^T w_F(0)``, the
    Woodbury identity gives ``w_F(u) - w_F(0) = g z`` with
    ``z = D c - (I + D G)^{-1} D (h + G D c)`` and ``D = diag(u - 1)``.
    """
    feats = list(feats)
    p = len(sem.var)
    M = np.linalg.inv(np.eye(p) - sem.B)
    a = M[:, sem.sites] * np.sqrt(sem.var[sem.sites])  # p x k
    S0 = sem.covariance()
    k = len(sem.sites)
    if not feats:
        z = np.zeros((0, k))
        return dict(G=np.zeros((k, k)), c=a[sem.target], h=np.zeros(k), Q=np.zeros((k, k)), w0=np.zeros(0), g=z)
    A = S0[np.ix_(feats, feats)]
    w0 = np.linalg.solve(A, S0[feats, sem.target])
    U = a[feats]
    g = np.linalg.solve(A, U)
    return dict(G=U.T @ g, c=a[sem.target], h=U.T @ w0, Q=g.T @ g, w0=w0, g=g)


def coefficient_shift(terms: dict, T: np.ndarray) -> np.ndarray:
    """``||w_F(t) - w_F(0)||_2`` for each row ``t`` of ``T`` (two intervention sites), where
    ``w_F(t)`` are the least-squares coefficients of ``Y`` on the representation in environment ``t``."""
    D = (1.0 + np.asarray(T, float)) ** 2 - 1.0  # n x 2
    G, c, h = terms["G"], terms["c"], terms["h"]
    Dc = D * c
    rhs = D * (h + Dc @ G.T)  # D (h + G D c)
    m11, m12 = 1.0 + D[:, 0] * G[0, 0], D[:, 0] * G[0, 1]
    m21, m22 = D[:, 1] * G[1, 0], 1.0 + D[:, 1] * G[1, 1]
    det = m11 * m22 - m12 * m21
    sol = np.stack([(m22 * rhs[:, 0] - m12 * rhs[:, 1]) / det, (m11 * rhs[:, 1] - m21 * rhs[:, 0]) / det], axis=1)
    z = Dc - sol
    return np.sqrt(np.maximum(np.einsum("ni,ij,nj->n", z, terms["Q"], z), 0.0))


def make_sem(d: int, rng_relevant: np.random.Generator, rng_nuisance: np.random.Generator,
             max_parents: int = 2, nuisance_parents: str = "causes") -> tuple[LinearSEM, list[int], list[int]]:
    """SEM with ``d`` covariates around a target ``Y`` (our instance of the paper's setting).

    Nodes in order: causes ``P1, P2`` of ``Y``; ``Y``; its children ``C1, C2`` (the intervention
    sites); ``E1, E2`` (children of ``C1, C2``); then ``d - 6`` nuisance covariates forming a random
    DAG of in-degree ``<= max_parents`` whose parents are ``P1, P2`` or earlier nuisances
    (``nuisance_parents="causes"``: the nuisances never see the intervened nodes), or any earlier
    node, ``Y``, the intervened children and their children included (``"any"``). The relevant block is drawn from ``rng_relevant`` (so it can be shared across ``d``), the nuisances
    from ``rng_nuisance``. Returns the SEM, the six relevant covariate indices and the nuisances.
    """
    if d < 6:
        raise ValueError("need d >= 6 covariates")
    if nuisance_parents not in ("causes", "any"):
        raise ValueError("nuisance_parents must be 'causes' or 'any'")
    p = d + 1
    P1, P2, Y, C1, C2, E1, E2 = range(7)
    B = np.zeros((p, p))
    sign = lambda: rng_relevant.choice([-1.0, 1.0])  # noqa: E731
    B[Y, P1], B[Y, P2] = sign() * rng_relevant.uniform(0.5, 1.0), sign() * rng_relevant.uniform(0.5, 1.0)
    B[C1, Y], B[C2, Y] = sign() * rng_relevant.uniform(0.5, 1.0), sign() * rng_relevant.uniform(0.5, 1.0)
    B[E1, C1], B[E2, C2] = sign() * rng_relevant.uniform(0.5, 1.0), sign() * rng_relevant.uniform(0.5, 1.0)
    var = np.ones(p)
    var[[C1, C2]] = rng_relevant.uniform(0.2, 0.5, size=2)  # children are informative about Y
    for i in range(7, p):
        pool = ([P1, P2] if nuisance_parents == "causes" else [P1, P2, Y, C1, C2, E1, E2]) + list(range(7, i))
        k = rng_nuisance.integers(0, max_parents + 1)
        for j in rng_nuisance.choice(pool, size=min(k, len(pool)), replace=False):
            B[i, j] = rng_nuisance.normal(0.0, 0.5)
    sem = LinearSEM(B, var, target=Y, sites=[C1, C2])
    return sem, [P1, P2, C1, C2, E1, E2], list(range(7, p))


def violation_probability(alpha: np.ndarray, beta: np.ndarray, eps: float, scale: float,
                          n_grid: int = 100_000) -> np.ndarray:
    """Probability that ``|alpha + beta^T u| > eps`` when ``t_1, t_2 ~ Exp(scale)`` i.i.d. and
    ``u = (1 + t)^2`` (two sites), for each representation (rows of ``beta``).

    The condition is affine in ``u_2``, so given ``t_1`` its probability is closed-form (an
    exponential tail); the remaining integral over ``t_1`` uses ``n_grid`` midpoint quantiles.
    """
    q = (np.arange(n_grid) + 0.5) / n_grid
    u1 = (1.0 - scale * np.log1p(-q)) ** 2  # t_1 = F^{-1}(q)

    def tail(U):  # P(u_2 > U)
        U = np.maximum(U, 1.0)
        return np.exp(-(np.sqrt(U) - 1.0) / scale)

    out = np.empty(len(alpha))
    for r, (a, (b1, b2)) in enumerate(zip(alpha, beta)):
        c = a + b1 * u1
        if abs(b2) < 1e-15:
            p = (np.abs(c) > eps).astype(float)
        elif b2 > 0:
            p = tail((eps - c) / b2) + (1.0 - tail((-eps - c) / b2))
        else:
            p = (1.0 - tail((eps - c) / b2)) + tail((-eps - c) / b2)
        out[r] = p.mean()
    return out
