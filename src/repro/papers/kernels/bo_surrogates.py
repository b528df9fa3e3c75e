"""Surrogate models and test functions for Bayesian optimisation (Li, Rudner & Wilson, ICLR 2024).

Li et al. compare Gaussian-process and Bayesian-neural-network surrogates inside one BO loop.
Every surrogate here has ``fit(X, y)`` and ``predict(X) -> (mean, var)`` (the interface of
:mod:`repro.gp.bayesopt`), inputs in the unit cube, minimisation:

* :class:`MaternGP` -- exact GP, isotropic Matern-5/2 kernel, lengthscale and noise chosen by
  marginal likelihood on a grid, signal variance profiled out in closed form;
* :class:`IBNN` -- the infinite-width BNN: an exact GP whose kernel is the NNGP of a deep ReLU
  network (arc-cosine recursion, :func:`repro.gp.nn_kernels.nngp_ntk`), depth 3, weight variance 10,
  bias variance 1.3 (the authors' configuration); only signal variance and noise are fitted;
* :class:`DeepEnsemble` -- M one-hidden-layer tanh MLPs, each a MAP fit on a random 80 % of
  the data; predictive mean and variance are those of the members' outputs;
* :class:`HMCBNN` -- the same network with a Gaussian prior, posterior sampled by Hamiltonian
  Monte Carlo (leapfrog, Metropolis correction, step size adapted during burn-in); chains are
  warm-started from the previous BO step;
* :class:`DKL` -- deep kernel learning (Wilson et al. 2016): an RBF GP on the features of an MLP,
  network and kernel trained jointly on the exact log marginal likelihood (PyTorch autograd).

:func:`bo_minimize` is the loop: random initial design, then at every step the point of a
candidate set (uniform points plus Gaussian perturbations of the best points found) with the
largest expected improvement. The test functions are rescaled to ``[0, 1]^d``.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular

from repro.gp.bayesopt import branin, expected_improvement
from repro.gp.kernels import matern52_kernel
from repro.gp.nn_kernels import nngp_ntk

# ----------------------------------------------------------------------------- test functions

_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_H6_C = np.array([1.0, 1.2, 3.0, 3.2])
HARTMANN6_MIN = -3.32237
HARTMANN6_ARGMIN = np.array([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573])


def hartmann6(x) -> float:
    """Hartmann-6 on [0, 1]^6: -sum_i c_i exp(-sum_j A_ij (x_j - P_ij)^2); minimum -3.32237."""
    x = np.asarray(x, dtype=float)
    return float(-_H6_C @ np.exp(-(_H6_A * (x[None, :] - _H6_P) ** 2).sum(1)))


def ackley(x) -> float:
    """Ackley (a=20, b=0.2, c=2 pi) on [-32.768, 32.768]^d, rescaled to [0, 1]^d; minimum 0 at the centre."""
    z = (np.asarray(x, dtype=float) - 0.5) * 2 * 32.768
    return float(-20 * np.exp(-0.2 * np.sqrt(np.mean(z ** 2))) - np.exp(np.mean(np.cos(2 * np.pi * z)))
                 + 20 + np.e)


def levy(x) -> float:
    """Levy on [-10, 10]^d, rescaled to [0, 1]^d; minimum 0 at z = (1, ..., 1), i.e. x = 0.55."""
    z = (np.asarray(x, dtype=float) - 0.5) * 20
    w = 1 + (z - 1) / 4
    return float(np.sin(np.pi * w[0]) ** 2
                 + np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
                 + (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2))


def problem(name: str):
    """``(f, dim, f_min)`` for ``branin``, ``hartmann6``, ``ackley<d>`` or ``levy<d>`` (e.g. ``levy20``)."""
    if name == "branin":
        return branin, 2, 0.397887
    if name == "hartmann6":
        return hartmann6, 6, HARTMANN6_MIN
    for stem, fn in (("ackley", ackley), ("levy", levy)):
        if name.startswith(stem) and name[len(stem):].isdigit():
            return fn, int(name[len(stem):]), 0.0
    raise ValueError(f"unknown problem {name!r}")


# ----------------------------------------------------------------------------- exact GPs

class _ProfiledGP:
    """Exact GP with kernel ``s2 * k(x, x') + s2 * r * delta``; for a fixed ``(k, r)`` the signal
    variance has the closed-form maximiser s2 = y^T (K + r I)^{-1} y / n of the marginal likelihood.

    Subclasses provide ``_kernels()``: an iterable of ``(label, kernel_fn)`` to search over.
    """

    noises = (1e-6, 1e-4, 1e-2, 1e-1)

    def fit(self, X, y):
        X, y = np.asarray(X, float), np.asarray(y, float)
        self.mu, self.sd = y.mean(), y.std() + 1e-12
        z = (y - self.mu) / self.sd
        n, best = len(z), None
        for label, kern in self._kernels(X.shape[1]):
            K = kern(X, X)
            for r in self.noises:
                try:
                    L = cholesky(K + (r + 1e-9) * np.eye(n), lower=True)
                except np.linalg.LinAlgError:
                    continue
                alpha = cho_solve((L, True), z)
                s2 = max(float(z @ alpha) / n, 1e-12)
                lml = -0.5 * n * np.log(s2) - np.log(np.diag(L)).sum() - 0.5 * n * (1 + np.log(2 * np.pi))
                if best is None or lml > best[0]:
                    best = (lml, label, kern, r, L, alpha, s2)
        self.lml, self.label, self.kern, self.noise, self.L, self.alpha, self.s2 = best
        self.X = X
        return self

    def predict(self, Xs):
        Ks = self.kern(self.X, Xs)
        V = solve_triangular(self.L, Ks, lower=True)
        kss = self._diag(Xs)
        mean = Ks.T @ self.alpha
        var = self.s2 * np.maximum(kss - (V ** 2).sum(0), 1e-12)
        return self.mu + self.sd * mean, self.sd ** 2 * var

    def _diag(self, Xs):
        return np.ones(len(Xs))


class MaternGP(_ProfiledGP):
    """Isotropic Matern-5/2 GP; lengthscale grid in units of sqrt(d) (distances grow with d)."""

    def __init__(self, lengthscales=(0.05, 0.1, 0.2, 0.4, 0.8, 1.6)):
        self.lengthscales = lengthscales

    def _kernels(self, d):
        for l in self.lengthscales:
            yield l, (lambda A, B, ls=l * np.sqrt(d): matern52_kernel(A, B, ls))


class IBNN(_ProfiledGP):
    """Infinite-width ReLU BNN as a GP: the NNGP kernel of ``depth`` hidden layers (no lengthscale)."""

    def __init__(self, depth: int = 3, sw2: float = 10.0, sb2: float = 1.3, center: bool = False):
        self.depth, self.sw2, self.sb2, self.center = depth, sw2, sb2, center

    def _in(self, A):
        return 2 * A - 1 if self.center else A

    def kernel(self, A, B):
        K = nngp_ntk(self._in(A), self._in(B), self.depth, "relu", self.sw2, self.sb2)[0]
        return K / self._scale

    def _kernels(self, d):
        self._scale = 1.0
        c = self._in(np.full((1, d), 0.5))
        self._scale = float(nngp_ntk(c, c, self.depth, "relu", self.sw2, self.sb2)[0][0, 0])  # k(centre) = 1
        yield self.depth, self.kernel

    def _diag(self, Xs):
        q = self.sw2 * (self._in(Xs) ** 2).sum(1) / Xs.shape[1] + self.sb2
        for _ in range(self.depth):  # E[relu(u)^2] = q / 2 for u ~ N(0, q)
            q = self.sw2 * q / 2 + self.sb2
        return q / self._scale


# ----------------------------------------------------------------------------- finite BNNs (NumPy)

class _TanhNets:
    """M one-hidden-layer tanh networks f_m(x) = w2 . tanh(W1^T z + b1) + b2, batched over m, with
    inputs z = sqrt(3) (2x - 1) (unit variance on the cube) and hand-written gradients of
    U = sum_n (f - y)^2 / (2 noise) + |theta|^2 / (2 prior var); prior variances: ``w1_var / d`` for the
    input weights, 1 for the biases, ``w2_var`` for the readout (a vague readout prior: a 1/H scaling
    shrinks the MAP fits of the ensemble until they underfit).
    """

    def __init__(self, M: int, d: int, H: int, rng: np.random.Generator, w1_var: float = 10.0,
                 w2_var: float = 1.0):
        self.M, self.d, self.H = M, d, H
        self.pv = [np.full((M, d, H), w1_var / d), np.ones((M, H)), np.full((M, H), w2_var), np.ones(M)]
        self.theta = [np.sqrt(v) * rng.standard_normal(v.shape) for v in self.pv]

    @staticmethod
    def inputs(X):
        return np.sqrt(3) * (2 * np.asarray(X, float) - 1)

    def forward(self, Z, theta=None):
        W1, b1, w2, b2 = theta or self.theta
        Hh = np.tanh(Z @ W1 + b1[:, None, :])
        return (Hh @ w2[:, :, None])[:, :, 0] + b2[:, None], Hh

    def grad(self, Z, y, mask, noise, theta=None, energy=True):
        """(U per member or None, gradients) for targets ``y`` (n,), data weights ``mask`` (M, n)."""
        theta = theta or self.theta
        W1, b1, w2, b2 = theta
        out, Hh = self.forward(Z, theta)
        r = mask * (out - y[None, :]) / noise
        dA = r[:, :, None] * w2[:, None, :] * (1 - Hh ** 2)
        g = [Z.T @ dA, dA.sum(1), (r[:, None, :] @ Hh)[:, 0, :], r.sum(1)]
        g = [gi + t / v for gi, t, v in zip(g, theta, self.pv)]
        if not energy:
            return None, g
        U = 0.5 * (mask * (out - y[None, :]) ** 2).sum(1) / noise + 0.5 * sum(
            (t ** 2 / v).reshape(self.M, -1).sum(1) for t, v in zip(theta, self.pv))
        return U, g


class DeepEnsemble:
    """Deep ensemble: ``M`` MAP-trained tanh MLPs (Adam, full batch) on random 80 % subsets, refit
    from a fresh initialisation at every call of ``fit``; variance across members is the uncertainty."""

    def __init__(self, rng: np.random.Generator, M: int = 5, hidden: int = 50, steps: int = 100,
                 lr: float = 0.03, noise: float = 0.1, train_prop: float = 0.8):
        self.rng, self.M, self.H, self.steps, self.lr = rng, M, hidden, steps, lr
        self.noise, self.train_prop = noise, train_prop

    def fit(self, X, y):
        self.mu, self.sd = y.mean(), y.std() + 1e-12
        z = (y - self.mu) / self.sd
        Z = _TanhNets.inputs(X)
        self.nets = nets = _TanhNets(self.M, X.shape[1], self.H, self.rng)
        mask = (self.rng.random((self.M, len(z))) < self.train_prop).astype(float)
        m = [np.zeros_like(t) for t in nets.theta]
        v = [np.zeros_like(t) for t in nets.theta]
        for t in range(1, self.steps + 1):
            _, g = nets.grad(Z, z, mask, self.noise, energy=False)
            for i, gi in enumerate(g):
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.999 * v[i] + 0.001 * gi ** 2
                nets.theta[i] = nets.theta[i] - self.lr * (m[i] / (1 - 0.9 ** t)) / (
                    np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
        return self

    def predict(self, Xs):
        out, _ = self.nets.forward(_TanhNets.inputs(Xs))
        return self.mu + self.sd * out.mean(0), self.sd ** 2 * (out.var(0) + 1e-6)


class HMCBNN:
    """Bayesian tanh MLP sampled with HMC: ``chains`` chains run in parallel (vectorised), leapfrog
    with ``leapfrog`` steps, Metropolis accept/reject, step size adapted towards 65 % acceptance during
    burn-in. The first ``fit`` starts from a MAP fit; later fits continue the chains (warm start)."""

    def __init__(self, rng: np.random.Generator, chains: int = 2, hidden: int = 50, leapfrog: int = 5,
                 burn: int = 5, samples: int = 10, first_burn: int = 50, noise: float = 0.05):
        self.rng, self.C, self.H, self.L = rng, chains, hidden, leapfrog
        self.burn, self.samples, self.first_burn, self.noise = burn, samples, first_burn, noise
        self.nets = None
        self.accept_rate = np.nan

    def fit(self, X, y):
        self.mu, self.sd = y.mean(), y.std() + 1e-12
        z = (y - self.mu) / self.sd
        Z = _TanhNets.inputs(X)
        mask = np.ones((self.C, len(z)))
        first = self.nets is None
        if first:
            self.nets = _TanhNets(self.C, X.shape[1], self.H, self.rng)
            self.eps = np.full(self.C, 0.005)
            ens = DeepEnsemble(self.rng, self.C, self.H, steps=200, noise=self.noise, train_prop=1.0)
            ens.fit(X, y)
            self.nets.theta = ens.nets.theta
        nets, draws, acc = self.nets, [], []
        n_burn = self.first_burn if first else self.burn
        for it in range(n_burn + self.samples):
            U0, g = nets.grad(Z, z, mask, self.noise)
            theta = [t.copy() for t in nets.theta]
            p = [self.rng.standard_normal(t.shape) for t in theta]
            K0 = 0.5 * sum((pi ** 2).reshape(self.C, -1).sum(1) for pi in p)
            e = [self.eps.reshape((-1,) + (1,) * (t.ndim - 1)) for t in theta]
            p = [pi - 0.5 * ei * gi for pi, ei, gi in zip(p, e, g)]
            for step in range(self.L):
                theta = [t + ei * pi for t, ei, pi in zip(theta, e, p)]
                U1, g = nets.grad(Z, z, mask, self.noise, theta)
                scale = 1.0 if step < self.L - 1 else 0.5
                p = [pi - scale * ei * gi for pi, ei, gi in zip(p, e, g)]
            K1 = 0.5 * sum((pi ** 2).reshape(self.C, -1).sum(1) for pi in p)
            log_ratio = np.nan_to_num(U0 + K0 - U1 - K1, nan=-np.inf)
            ok = np.log(self.rng.random(self.C)) < log_ratio
            nets.theta = [np.where(ok.reshape((-1,) + (1,) * (t.ndim - 1)), t1, t)
                          for t, t1 in zip(nets.theta, theta)]
            if it < n_burn:
                self.eps = self.eps * np.where(ok, 1.1, 0.8)
            else:
                acc.append(ok.mean())
                draws.append([t.copy() for t in nets.theta])
        self.draws, self.accept_rate = draws, float(np.mean(acc))
        return self

    def predict(self, Xs):
        Z = _TanhNets.inputs(Xs)
        out = np.concatenate([self.nets.forward(Z, th)[0] for th in self.draws])
        return self.mu + self.sd * out.mean(0), self.sd ** 2 * (out.var(0) + 1e-6)


# ----------------------------------------------------------------------------- deep kernel learning

class DKL:
    """Deep kernel learning: RBF GP on features g(x) of a tanh MLP d -> H -> H -> ``features``;
    network weights, lengthscale, signal and noise variance maximise the exact log marginal
    likelihood with Adam. The first fit trains ``first_steps``, later fits continue ``steps``."""

    def __init__(self, seed: int, hidden: int = 32, features: int = 4, first_steps: int = 200,
                 steps: int = 10, lr: float = 0.01):
        import torch

        self.torch = torch
        self.gen = torch.Generator().manual_seed(int(seed))
        self.H, self.F, self.first_steps, self.steps, self.lr = hidden, features, first_steps, steps, lr
        self.net = None

    def _init(self, d):
        torch = self.torch
        sizes = [d, self.H, self.H, self.F]
        self.params = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            W = torch.randn(a, b, generator=self.gen, dtype=torch.float64) / np.sqrt(a)
            self.params += [W.requires_grad_(), torch.zeros(b, dtype=torch.float64, requires_grad=True)]
        self.log_ls = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        self.log_s2 = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        self.log_noise = torch.tensor(np.log(1e-2), dtype=torch.float64, requires_grad=True)
        self.all_params = self.params + [self.log_ls, self.log_s2, self.log_noise]
        self.opt = torch.optim.Adam(self.all_params, lr=self.lr)
        self.net = True

    def _features(self, X):
        h = self.torch.as_tensor(np.sqrt(3) * (2 * np.asarray(X, float) - 1))
        for i in range(0, len(self.params), 2):
            h = h @ self.params[i] + self.params[i + 1]
            if i < len(self.params) - 2:
                h = self.torch.tanh(h)
        return h

    def _K(self, A, B):
        d2 = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
        return self.log_s2.exp() * self.torch.exp(-0.5 * d2 / self.log_ls.exp() ** 2)

    def fit(self, X, y):
        torch = self.torch
        first = self.net is None
        if first:
            self._init(X.shape[1])
        self.mu, self.sd = y.mean(), y.std() + 1e-12
        z = torch.as_tensor((y - self.mu) / self.sd)
        n = len(z)
        eye = torch.eye(n, dtype=torch.float64)
        for _ in range(self.first_steps if first else self.steps):
            G = self._features(X)
            K = self._K(G, G) + (self.log_noise.exp() + 1e-6) * eye
            L = torch.linalg.cholesky(K)
            alpha = torch.cholesky_solve(z[:, None], L)[:, 0]
            nlml = 0.5 * z @ alpha + torch.log(torch.diagonal(L)).sum()
            self.opt.zero_grad()
            nlml.backward()
            self.opt.step()
        with torch.no_grad():
            G = self._features(X)
            self.G = G
            self.Lc = torch.linalg.cholesky(self._K(G, G) + (self.log_noise.exp() + 1e-6) * eye)
            self.alpha = torch.cholesky_solve(z[:, None], self.Lc)[:, 0]
        return self

    def predict(self, Xs):
        torch = self.torch
        with torch.no_grad():
            Gs = self._features(Xs)
            Ks = self._K(self.G, Gs)
            V = torch.linalg.solve_triangular(self.Lc, Ks, upper=False)
            mean = (Ks.T @ self.alpha).numpy()
            var = np.maximum((self.log_s2.exp() - (V ** 2).sum(0)).numpy(), 1e-12)
        return self.mu + self.sd * mean, self.sd ** 2 * var


# ----------------------------------------------------------------------------- the BO loop

def candidates(X, y, rng: np.random.Generator, n: int, local_frac: float = 0.5, n_best: int = 5,
               step: float = 0.1) -> np.ndarray:
    """``n`` candidate points: uniform on the cube, and a ``local_frac`` share of Gaussian
    perturbations (std ``step``, clipped to the cube) of the ``n_best`` best points so far."""
    n_loc = int(round(local_frac * n))
    U = rng.random((n - n_loc, X.shape[1]))
    centres = X[np.argsort(y)[:n_best]]
    C = centres[rng.integers(len(centres), size=n_loc)] + step * rng.standard_normal((n_loc, X.shape[1]))
    return np.vstack([U, np.clip(C, 0.0, 1.0)])


def bo_minimize(f, dim: int, surrogate, n_init: int, n_iter: int, rng: np.random.Generator,
                n_candidates: int = 500, local_frac: float = 0.5) -> np.ndarray:
    """BO on [0, 1]^dim with expected improvement; ``surrogate=None`` is random search. The design
    and candidate sets come from ``rng`` only, so two surrogates run from equal ``rng`` states see
    the same initial points. Returns the objective values in evaluation order."""
    X = rng.random((n_init, dim))
    y = np.array([f(x) for x in X])
    for _ in range(n_iter):
        C = candidates(X, y, rng, n_candidates, local_frac)
        if surrogate is None:
            x = rng.random(dim)
        else:
            m, v = surrogate.fit(X, y).predict(C)
            x = C[np.argmax(expected_improvement(m, v, y.min()))]
        X, y = np.vstack([X, x]), np.append(y, f(x))
    return y


def simple_regret(y: np.ndarray, f_min: float) -> np.ndarray:
    """Best-so-far regret min_{t' <= t} y_t' - f_min along the evaluation sequence."""
    return np.minimum.accumulate(np.asarray(y, float)) - f_min
