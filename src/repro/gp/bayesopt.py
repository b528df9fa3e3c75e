"""A small Bayesian-optimisation loop with a GP surrogate and expected improvement (minimisation).

EI(x) = (f* - m(x)) Phi(z) + s(x) phi(z), z = (f* - m(x)) / s(x) (Jones et al. 1998), with f* the
best value observed. The acquisition is maximised over a random candidate set. Any surrogate
with ``fit(X, y)`` and ``predict(X) -> (mean, var)`` can replace the GP.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm

from repro.gp.kernels import rbf_kernel
from repro.gp.regression import GPRegression


def expected_improvement(mean, var, best: float) -> np.ndarray:
    s = np.sqrt(np.maximum(var, 1e-18))
    z = (best - mean) / s
    return (best - mean) * norm.cdf(z) + s * norm.pdf(z)


class GPSurrogate:
    """GP with an RBF kernel whose lengthscale and noise are picked by marginal likelihood on a grid.

    Targets are standardised before fitting.
    """

    def __init__(self, lengthscales=(0.05, 0.1, 0.2, 0.4, 0.8), noises=(1e-6, 1e-3, 1e-2, 1e-1)):
        self.lengthscales, self.noises = lengthscales, noises

    def fit(self, X, y):
        self.mu, self.sd = y.mean(), y.std() + 1e-12
        z = (y - self.mu) / self.sd
        fits = [GPRegression(lambda A, B, l=l: rbf_kernel(A, B, l), X, z, n)
                for l in self.lengthscales for n in self.noises]
        self.gp = max(fits, key=lambda g: g.log_marginal_likelihood())
        return self

    def predict(self, X):
        m, v = self.gp.predict(X)
        return self.mu + self.sd * m, self.sd ** 2 * v


def minimize(f, dim: int, n_init: int, n_iter: int, rng: np.random.Generator, surrogate=None,
             n_candidates: int = 2000) -> np.ndarray:
    """Run BO on [0, 1]^dim; return the objective values in evaluation order."""
    surrogate = surrogate or GPSurrogate()
    X = rng.random((n_init, dim))
    y = np.array([f(x) for x in X])
    for _ in range(n_iter):
        surrogate.fit(X, y)
        C = rng.random((n_candidates, dim))
        m, v = surrogate.predict(C)
        x = C[np.argmax(expected_improvement(m, v, y.min()))]
        X, y = np.vstack([X, x]), np.append(y, f(x))
    return y


def branin(x) -> float:
    """Branin function rescaled to [0, 1]^2; global minimum 0.397887."""
    a, b = 15 * x[0] - 5, 15 * x[1]
    return float((b - 5.1 / (4 * np.pi ** 2) * a ** 2 + 5 / np.pi * a - 6) ** 2
                 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(a) + 10)
