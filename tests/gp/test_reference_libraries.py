"""Kernels, kernel ridge regression and GP regression of the book against scikit-learn.

Same float64 inputs on both sides; scikit-learn's hyper-parameters are frozen (``"fixed"`` bounds,
``optimizer=None``) so that only the linear algebra is compared. Conventions:

* ``rbf_kernel(A, B, l)`` = ``sklearn RBF(length_scale=l)``; ``matern52_kernel`` = ``Matern(l,
  nu=2.5)``; ``periodic_kernel(l, p)`` = ``ExpSineSquared(length_scale=l, periodicity=p)``.
* KRR ``(K + lam I)^{-1} y`` is ``KernelRidge(alpha=lam)``'s ``dual_coef_`` (same objective
  ``|y - K a|^2 + lam a^T K a``).
* ``GPRegression(kernel, X, y, noise)`` = ``GaussianProcessRegressor(kernel, alpha=noise,
  optimizer=None, normalize_y=False)``: both give the posterior of the latent f (no noise in the
  predictive variance). With ``WhiteKernel(noise)`` instead of ``alpha``, scikit-learn's predictive
  variance at the test inputs includes the noise (``WhiteKernel(X) = noise I``), so it is ours + noise;
  the marginal likelihood is the same.

Tolerances: 1e-10 relative / 1e-12 absolute (float64 Cholesky on well-conditioned matrices).
"""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, ExpSineSquared, Matern, WhiteKernel
from sklearn.kernel_ridge import KernelRidge

from repro.gp.kernels import EigenKRR, krr_fit_predict, matern52_kernel, periodic_kernel, rbf_kernel
from repro.gp.regression import GPRegression
from repro.papers.kernels import functional_prior as fp

RTOL, ATOL = 1e-10, 1e-12


def _data(n=30, n_test=12, d=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, d))
    y = np.sin(X @ np.arange(1, d + 1)) + 0.1 * rng.standard_normal(n)
    return X, y, rng.uniform(-2.5, 2.5, (n_test, d))


@pytest.mark.parametrize("ls", [0.3, 1.0, 2.5])
def test_kernels_match_sklearn(ls):
    """Gram matrices vs scikit-learn's RBF, Matern(nu=2.5) and ExpSineSquared kernels."""
    X, _, Xs = _data()
    np.testing.assert_allclose(rbf_kernel(X, Xs, ls), RBF(ls)(X, Xs), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(matern52_kernel(X, Xs, ls), Matern(ls, nu=2.5)(X, Xs), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(periodic_kernel(X, Xs, ls, 1.7),
                               ExpSineSquared(length_scale=ls, periodicity=1.7)(X, Xs), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("lam", [1e-3, 0.1, 10.0])
def test_krr_matches_sklearn_kernel_ridge(lam):
    """``krr_fit_predict`` and ``EigenKRR`` vs ``KernelRidge(alpha=lam, kernel='rbf')`` with
    ``gamma = 1 / (2 l^2)``: test predictions, dual coefficients and training fit."""
    X, y, Xs = _data(seed=1)
    ls = 0.8
    ref = KernelRidge(alpha=lam, kernel="rbf", gamma=1 / (2 * ls ** 2)).fit(X, y)
    K, Ks = rbf_kernel(X, X, ls), rbf_kernel(Xs, X, ls)
    np.testing.assert_allclose(krr_fit_predict(K, y, Ks, lam), ref.predict(Xs), rtol=1e-8, atol=1e-10)
    eig = EigenKRR(K)
    np.testing.assert_allclose(eig.fit_coef(y, lam), ref.dual_coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(eig.train_pred(y, lam), ref.predict(X), rtol=1e-8, atol=1e-10)


def test_krr_precomputed_kernel_multi_output():
    """Several targets at once (the self-distillation chapter's use) with a precomputed kernel."""
    X, _, Xs = _data(n=25, seed=2)
    Y = np.random.default_rng(3).standard_normal((25, 3))
    K, Ks = matern52_kernel(X, X, 1.2), matern52_kernel(Xs, X, 1.2)
    ref = KernelRidge(alpha=0.05, kernel="precomputed").fit(K, Y)
    np.testing.assert_allclose(krr_fit_predict(K, Y, Ks, 0.05), ref.predict(Ks), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("noise", [1e-4, 0.01, 0.5])
def test_gp_regression_matches_sklearn(noise):
    """Posterior mean, variance, covariance and log marginal likelihood vs
    ``GaussianProcessRegressor(RBF(l, 'fixed'), alpha=noise, optimizer=None)``."""
    X, y, Xs = _data(seed=4)
    ls = 0.7
    gp = GPRegression(lambda A, B: rbf_kernel(A, B, ls), X, y, noise)
    ref = GaussianProcessRegressor(RBF(ls, "fixed"), alpha=noise, optimizer=None).fit(X, y)
    mean, var = gp.predict(Xs)
    rmean, rstd = ref.predict(Xs, return_std=True)
    np.testing.assert_allclose(mean, rmean, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(var, rstd ** 2, rtol=1e-7, atol=1e-10)
    _, cov = gp.predict(Xs, full_cov=True)
    np.testing.assert_allclose(cov, ref.predict(Xs, return_cov=True)[1], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(gp.log_marginal_likelihood(), ref.log_marginal_likelihood_value_, rtol=RTOL)


def test_gp_with_amplitude_and_white_noise_kernel_matches_sklearn():
    """The functional-prior chapter's amplitude x RBF kernel (``fp.rbf``) vs
    ``ConstantKernel(a) * RBF(l) + WhiteKernel(s)``: same mean and marginal likelihood; sklearn's
    variance includes the white noise at the test points (ours + s)."""
    X, y, Xs = _data(n=40, d=1, seed=5)
    a, ls, s = 1.7, 0.6, 0.04
    gp = GPRegression(lambda A, B: fp.rbf(A, B, a, ls), X, y, s)
    kernel = ConstantKernel(a, "fixed") * RBF(ls, "fixed") + WhiteKernel(s, "fixed")
    ref = GaussianProcessRegressor(kernel, alpha=0.0, optimizer=None).fit(X, y)
    mean, var = gp.predict(Xs)
    rmean, rstd = ref.predict(Xs, return_std=True)
    np.testing.assert_allclose(mean, rmean, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(var + s, rstd ** 2, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(gp.log_marginal_likelihood(), ref.log_marginal_likelihood(kernel.theta), rtol=RTOL)


def test_fit_rbf_gp_reaches_sklearn_marginal_likelihood_optimum():
    """``fp.fit_rbf_gp`` (L-BFGS-B on our marginal likelihood) vs scikit-learn's own optimiser on
    ``ConstantKernel * RBF + WhiteKernel`` with the same data: the two optima agree (log marginal
    likelihood to 1e-3, hyper-parameters to 2%). Our noise is ``s + 1e-6``, so the comparison
    evaluates scikit-learn's LML at our hyper-parameters."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-3, 3, (60, 1))
    y = np.sin(X[:, 0]) + 0.2 * rng.standard_normal(60)
    hyp = fp.fit_rbf_gp(X, y)
    kernel = (ConstantKernel(1.0, (np.exp(-5), np.exp(5))) * RBF(1.0, (np.exp(-5), np.exp(5)))
              + WhiteKernel(0.5, (np.exp(-5), np.exp(5))))
    ref = GaussianProcessRegressor(kernel, alpha=0.0, n_restarts_optimizer=3, random_state=0).fit(X, y)
    k = ref.kernel_
    sk = {"amp2": k.k1.k1.constant_value, "ls": k.k1.k2.length_scale, "noise": k.k2.noise_level}
    ours_theta = np.log([hyp["amp2"], hyp["ls"], hyp["noise"]])
    assert ref.log_marginal_likelihood(ours_theta) == pytest.approx(ref.log_marginal_likelihood_value_, abs=1e-3)
    for key in sk:
        assert hyp[key] == pytest.approx(sk[key], rel=0.02), key
