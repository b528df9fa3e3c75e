"""Layer-wise information-theoretic generalization bounds in an exactly solvable Gaussian model.

He and Goldfeld, "Information-Theoretic Generalization Bounds for Deep Neural Networks" (2024):
the expected generalization gap is bounded at *every* layer ``l`` by a divergence between the
distribution of the layer-``l`` representation of a training sample and that of a fresh test
sample (both given the trained weights ``W``):

* KL:  ``gap <= sqrt(2 sigma^2 KL_l)`` for a ``sigma``-sub-Gaussian loss, with
  ``KL_l = E_W KL(P^train_{T_l, Y | W} || P^test_{T_l, Y | W})``; it can only shrink with ``l``
  (data processing, since ``T_{l+1}`` is a function of ``T_l`` and ``W``);
* Wasserstein: ``gap <= rho_l E_W W1(P^train_{T_l,Y|W}, P^test_{T_l,Y|W})`` for a loss that is
  ``rho_l``-Lipschitz in the layer-``l`` representation for every ``W``; no monotonicity.

Model used here (our own exactly solvable instance of their binary Gaussian example):
``y = +-1`` uniform, ``x = y mu + g``, ``g ~ N(0, I_d)``. The learner is a noisy class-mean
estimator ``w = (1/n) sum_i y_i x_i + xi``, ``xi ~ N(0, s^2 I)`` (a Gaussian mechanism). Then
``w`` is independent of every label, and given ``(w, y_i)`` the training input is Gaussian:
``x_i | w, y_i ~ N(y_i (mu + a (w - mu)), c I)`` with ``a = 1/(1 + n s^2)``, ``c = 1 - a/n``.
A linear network ``T_l = A_l x`` (``A_0 = I``) therefore has Gaussian train and test
representations, and the divergences are closed-form.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class NoisyMeanLearner:
    """Data model and learner: dimension ``d``, mean ``mu``, ``n`` samples, learning noise ``s``."""

    mu: np.ndarray
    n: int
    s: float

    @property
    def d(self) -> int:
        return len(self.mu)

    @property
    def a(self) -> float:
        """Posterior shrinkage ``Cov(u_i, w) / Var(w) = 1 / (1 + n s^2)`` (``u_i = y_i g_i``)."""
        return 1.0 / (1.0 + self.n * self.s ** 2)

    @property
    def c(self) -> float:
        """Variance factor of a training input given ``(w, y_i)``: ``1 - a/n``."""
        return 1.0 - self.a / self.n

    def sample_w(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draws of the learned vector: ``w ~ N(mu, (1/n + s^2) I)`` (rows)."""
        return self.mu + np.sqrt(1.0 / self.n + self.s ** 2) * rng.standard_normal((size, self.d))

    def train(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The learner on an actual data set (rows of ``X``): noisy class-mean difference."""
        return (y[:, None] * X).mean(0) + self.s * rng.standard_normal(X.shape[1])

    def sample_data(self, rng: np.random.Generator, n: int | None = None):
        n = self.n if n is None else n
        y = rng.choice([-1.0, 1.0], size=n)
        return y[:, None] * self.mu + rng.standard_normal((n, self.d)), y


def ramp_loss(margin):
    """Ramp loss ``min(1, max(0, 1 - margin))``: bounded in [0, 1] (so 1/2-sub-Gaussian), 1-Lipschitz."""
    return np.clip(1.0 - np.asarray(margin, dtype=float), 0.0, 1.0)


def expected_ramp(m, sd):
    """``E ramp(Z)`` for ``Z ~ N(m, sd^2)`` in closed form (vectorised)."""
    m, sd = np.asarray(m, float), np.asarray(sd, float)
    lo, hi = -m / sd, (1.0 - m) / sd
    return norm.cdf(lo) + (1.0 - m) * (norm.cdf(hi) - norm.cdf(lo)) + sd * (norm.pdf(hi) - norm.pdf(lo))


def row_basis(A: np.ndarray) -> np.ndarray:
    """Orthonormal basis (columns) of the row space of ``A``."""
    _, sv, Vt = np.linalg.svd(A, full_matrices=False)
    return Vt[sv > sv.max() * 1e-10].T


def readout_directions(W: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Unit classifier directions ``u(w)`` (rows) for draws ``W`` (rows): ``w`` projected on the
    row space (basis ``Q``) of the last hidden layer, so that ``f(x) = u^T x`` is computed by the
    network, then normalised."""
    V = (W @ Q) @ Q.T
    return V / np.linalg.norm(V, axis=1, keepdims=True)


def gap_given_w(model: NoisyMeanLearner, U: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Exact ``E[test loss - train loss | w]`` of the classifiers ``u^T x`` (rows of ``U``, ``W``)."""
    test = expected_ramp(U @ model.mu, 1.0)
    train = expected_ramp(np.einsum("ij,ij->i", U, model.mu + model.a * (W - model.mu)), np.sqrt(model.c))
    return test - train


def kl_gaussian_layer(model: NoisyMeanLearner, rank: int, proj_sq) -> np.ndarray:
    """``KL(P^train_{T,Y|w} || P^test_{T,Y|w})`` for ``T = A x`` with labels uniform in both.

    On the row space of ``A`` (rank ``r``) the two laws are Gaussian with covariances ``c A A^T``
    and ``A A^T`` and means ``a A (w - mu)`` apart, so
    ``KL = (r (c - 1 - ln c) + a^2 ||P_A (w - mu)||^2) / 2``; ``proj_sq = ||P_A (w - mu)||^2``.
    """
    c = model.c
    return 0.5 * (rank * (c - 1.0 - np.log(c)) + model.a ** 2 * np.asarray(proj_sq))


def kl_fixed_layer(model: NoisyMeanLearner, rank: int) -> float:
    """``E_w`` of :func:`kl_gaussian_layer` for a layer that does not depend on ``w``:
    ``E ||P_A (w - mu)||^2 = r (1/n + s^2)`` and ``a (1/n + s^2) = 1/n`` give ``-(r/2) ln(1 - a/n)``."""
    return -0.5 * rank * np.log(model.c)


def w2_gaussian_layer(model: NoisyMeanLearner, shift_sq, frob_sq) -> np.ndarray:
    """2-Wasserstein distance between the train and test laws of ``T = A x`` given ``w`` (and the
    label): ``sqrt(a^2 ||A (w - mu)||^2 + (1 - sqrt c)^2 ||A||_F^2)``. It upper-bounds ``W1``,
    so using it keeps the Wasserstein bound valid. ``shift_sq = ||A (w - mu)||^2``."""
    return np.sqrt(model.a ** 2 * np.asarray(shift_sq) + (1.0 - np.sqrt(model.c)) ** 2 * frob_sq)


def uniform_lipschitz(A_l: np.ndarray, Q: np.ndarray) -> float:
    """``rho_l = sup_w`` Lipschitz constant of ``T_l -> u(w)^T x`` (hence of the ramp loss).

    ``u`` ranges over unit vectors of the row space of the last hidden layer (basis ``Q``), which
    lies in that of ``A_l``; the smallest-norm ``b`` with ``b^T A_l = u^T`` is ``pinv(A_l)^T u``,
    so ``rho_l = ||pinv(A_l)^T Q||_2``.
    """
    return float(np.linalg.norm(np.linalg.pinv(A_l).T @ Q, 2))


def layer_maps(mats: list[np.ndarray]) -> list[np.ndarray]:
    """Input-to-layer maps ``A_0 = I, A_l = M_l ... M_1`` of a linear network with layers ``mats``."""
    d = mats[0].shape[1]
    maps = [np.eye(d)]
    for M in mats:
        maps.append(M @ maps[-1])
    return maps


def layerwise_bounds(model: NoisyMeanLearner, mats: list[np.ndarray], W: np.ndarray, head: str = "scalar",
                     common: np.ndarray | None = None) -> dict:
    """KL and Wasserstein bounds at every layer (input, hidden layers, output), averaged over ``W``.

    ``head="scalar"``: the output is ``f = u^T x`` and the loss ``ramp(y f)`` (Lipschitz 1 in ``f``).
    ``head="logits"``: two logits ``z = (f + h, -f + h)`` with a common mode ``h = common^T x``
    (``common`` in the last hidden row space) that the loss ``ramp(y (z_1 - z_2)/2)`` ignores; the
    loss is ``1/sqrt 2``-Lipschitz in ``z``. Returns per-layer arrays ``kl``, ``kl_bound``
    (``sqrt(KL/2)``: the loss lies in [0, 1]), ``w2``, ``rho``, ``w_bound`` and the per-draw gaps.
    """
    maps = layer_maps(mats)
    Q = row_basis(maps[-1])
    U = readout_directions(W, Q)
    D = W - model.mu
    kl, w2, rho = [], [], []
    for A in maps:
        r = Q.shape[1] if A is maps[-1] else np.linalg.matrix_rank(A)
        kl.append(kl_fixed_layer(model, r))
        w2.append(w2_gaussian_layer(model, ((D @ A.T) ** 2).sum(1), (A ** 2).sum()).mean())
        rho.append(uniform_lipschitz(A, Q))
    fd = np.einsum("ij,ij->i", U, D)
    if head == "scalar":
        kl.append(kl_gaussian_layer(model, 1, fd ** 2).mean())
        w2.append(w2_gaussian_layer(model, fd ** 2, 1.0).mean())
        rho.append(1.0)
    elif head == "logits":
        if common is None:
            raise ValueError("head='logits' needs the common-mode vector")
        hd = D @ common
        # rows u + common and -u + common span {u, q} (q = common / |common|); project w - mu on it
        qhat = common / np.linalg.norm(common)
        cos = U @ qhat
        g = 1.0 - cos ** 2  # squared norm of the part of q orthogonal to u (> 0 unless u = +-q)
        along_perp = (D @ qhat - cos * fd) ** 2 / g
        kl.append(kl_gaussian_layer(model, 2, fd ** 2 + along_perp).mean())
        frob = 2.0 + 2.0 * (common @ common)
        w2.append(w2_gaussian_layer(model, (fd + hd) ** 2 + (hd - fd) ** 2, frob).mean())
        rho.append(1.0 / np.sqrt(2.0))
    else:
        raise ValueError(f"unknown head {head!r}")
    kl, w2, rho = np.array(kl), np.array(w2), np.array(rho)
    return dict(kl=kl, kl_bound=np.sqrt(kl / 2.0), w2=w2, rho=rho, w_bound=rho * w2,
                gaps=gap_given_w(model, U, W))


def simulate_gap(model: NoisyMeanLearner, mats: list[np.ndarray], rng: np.random.Generator, trials: int) -> np.ndarray:
    """Monte-Carlo generalization gaps: draw a training set, train, and return (exact test loss) -
    (empirical training loss) of the network's classifier, for ``trials`` independent runs."""
    Q = row_basis(layer_maps(mats)[-1])
    out = np.empty(trials)
    for t in range(trials):
        X, y = model.sample_data(rng)
        w = model.train(X, y, rng)
        u = readout_directions(w[None, :], Q)[0]
        out[t] = expected_ramp(u @ model.mu, 1.0) - ramp_loss(y * (X @ u)).mean()
    return out


# ---------------------------------------------------------------- Gaussian noise injection (SDPI)
def noise_covariances(mats: list[np.ndarray], tau: float) -> list[np.ndarray]:
    """Covariances ``Sigma_l`` of the injected noise in ``T_l = M_l T_{l-1} + tau N_l`` (``N_l`` standard
    Gaussian, independent; ``Sigma_0 = 0``): ``Sigma_l = M_l Sigma_{l-1} M_l^T + tau^2 I``."""
    d = mats[0].shape[1]
    out = [np.zeros((d, d))]
    for M in mats:
        out.append(M @ out[-1] @ M.T + tau ** 2 * np.eye(M.shape[0]))
    return out


def kl_noisy_layer(model: NoisyMeanLearner, A: np.ndarray, Sigma: np.ndarray) -> float:
    """``E_w KL(P^train_{T,Y|w} || P^test_{T,Y|w})`` for ``T = A x + noise`` with noise covariance ``Sigma``.

    With ``K = A A^T`` the laws are Gaussian with covariances ``c K + Sigma`` (train) and
    ``S = K + Sigma`` (test) and means ``a A (w - mu)`` apart; since ``E_w`` of the squared mean
    term is ``(a/n) tr(S^{-1} K)`` and ``1 - c = a/n``, the trace terms cancel and
    ``E_w KL = -1/2 ln det(I - (a/n) S^{-1/2} K S^{-1/2})`` (on the support of ``S``). Without
    noise and for a rank-``r`` map it is :func:`kl_fixed_layer`.
    """
    K = A @ A.T
    S = K + Sigma
    lam, V = np.linalg.eigh(S)
    keep = lam > lam.max() * 1e-10
    R = V[:, keep] / np.sqrt(lam[keep])
    gamma = np.clip(np.linalg.eigvalsh(R.T @ K @ R), 0.0, 1.0)
    return float(-0.5 * np.log1p(-(model.a / model.n) * gamma).sum())


def noisy_gap_given_w(model: NoisyMeanLearner, W: np.ndarray, A_L: np.ndarray, Sigma_L: np.ndarray) -> np.ndarray:
    """Exact ``E[test loss - train loss | w]`` of the scalar readout ``f = b^T T_L`` of a network with
    injected noise (``T_L = A_L x + noise``, covariance ``Sigma_L``), for draws ``W`` (rows).

    The readout realises the classifier ``u(w)^T x`` of :func:`readout_directions` (``b^T A_L = u^T``,
    minimum-norm ``b``); the noise adds ``b^T Sigma_L b`` to the variance of ``f``, train and test alike.
    """
    Q = row_basis(A_L)
    U = readout_directions(W, Q)
    B = U @ np.linalg.pinv(A_L)
    v = np.einsum("ij,jk,ik->i", B, Sigma_L, B)
    test = expected_ramp(U @ model.mu, np.sqrt(1.0 + v))
    train = expected_ramp(np.einsum("ij,ij->i", U, model.mu + model.a * (W - model.mu)), np.sqrt(model.c + v))
    return test - train


def w1_lower_gaussian_layer(model: NoisyMeanLearner, shift_sq) -> np.ndarray:
    """Lower bound on ``W1`` between the train and test laws given ``w``: the distance of their means,
    ``a ||A (w - mu)||`` (a unit linear functional is 1-Lipschitz); ``shift_sq = ||A (w - mu)||^2``."""
    return model.a * np.sqrt(np.asarray(shift_sq))
