import numpy as np
from sklearn.gaussian_process.kernels import ExpSineSquared, Matern

from repro.gp.kernels import (EigenKRR, krr_fit_predict, matern52_kernel, periodic_kernel,
                              rbf_kernel, sq_dists)


def test_rbf_by_hand():
    K = rbf_kernel(np.array([[0.0], [1.0]]), np.array([[0.0], [2.0]]), lengthscale=2.0)
    assert np.allclose(K, [[1, np.exp(-4 / 8)], [np.exp(-1 / 8), np.exp(-1 / 8)]])
    assert sq_dists(np.array([[1.0, 1.0]]), np.array([[1.0, 1.0]]))[0, 0] == 0.0


def test_eigen_krr_matches_direct_solve_and_limits():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = rng.normal(size=30)
    K = rbf_kernel(X, X)
    e = EigenKRR(K)
    for lam in (1e-3, 1.0):
        direct = np.linalg.solve(K + lam * np.eye(30), y)
        assert np.allclose(e.fit_coef(y, lam), direct, atol=1e-8)
        assert np.allclose(e.train_pred(y, lam), K @ direct, atol=1e-8)
        assert np.allclose(krr_fit_predict(K, y, K, lam), K @ direct, atol=1e-8)
    assert np.abs(e.train_pred(y, 1e12)).max() < 1e-9  # infinite ridge: the zero function


def test_matern52_values():
    A = np.array([[0.0, 0.0]])
    B = np.array([[0.0, 0.0], [0.3, 0.4]])
    r = np.sqrt(5) * 0.5 / 2.0
    assert np.allclose(matern52_kernel(A, B, 2.0), [[1.0, (1 + r + r ** 2 / 3) * np.exp(-r)]])


def test_kernels_match_sklearn():
    X = np.linspace(-2, 2, 9)[:, None]
    np.testing.assert_allclose(matern52_kernel(X, X, 0.4), Matern(0.4, nu=2.5)(X), atol=1e-12)
    np.testing.assert_allclose(periodic_kernel(X, X, 0.6, 0.3),
                               ExpSineSquared(0.6, 0.3)(X), atol=1e-12)
