"""Tests of the shared-variance Gaussian naive Bayes and the sample-complexity helpers."""
import numpy as np
import pytest

from repro.data import gmm
from repro.papers.theory.naive_bayes import (SharedDiagonalGaussianNB, linear_fit_r2,
                                             samples_to_reach)
from repro.scaling.fits import loglog_slope


def test_nb_hand_example():
    X = np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 3.0], [6.0, 5.0]])
    y = np.array([0, 0, 1, 1])
    nb = SharedDiagonalGaussianNB(var_smoothing=0.0).fit(X, y)
    assert np.allclose(nb.means_, [[1.0, 1.0], [5.0, 4.0]])
    assert np.allclose(nb.var_, [1.0, 0.5])  # within-class squares (1+1+1+1)/4, (0+0+1+1)/4
    assert np.allclose(nb.priors_, [0.5, 0.5])
    # scores equal the Gaussian log-likelihoods up to a class-independent constant
    x = np.array([[3.0, 2.0]])
    ll = [-0.5 * ((x[0] - m) ** 2 / nb.var_).sum() for m in nb.means_]
    s = nb.decision_function(x)[0]
    assert np.isclose(s[1] - s[0], ll[1] - ll[0])
    w, b = nb.binary_linear()
    assert np.isclose(w @ x[0] + b, s[1] - s[0])
    assert list(nb.predict(np.array([[0.0, 0.0], [9.0, 9.0]]))) == [0, 1]


def test_nb_with_true_parameters_limit_is_bayes():
    rng = np.random.default_rng(0)
    mu, var = np.array([1.0, 0.5, -0.3]), np.array([1.0, 4.0, 0.5])
    X, y = gmm.sample(200000, mu, rng, cov=np.diag(var))
    w, b = SharedDiagonalGaussianNB().fit(X, y).binary_linear()
    # w -> 2 mu / var, the Bayes direction for x | y ~ N(y mu, diag var)
    assert np.allclose(w, 2 * mu / var, atol=0.03)
    assert gmm.linear_error(w, mu, b, np.diag(var)) - gmm.bayes_error(mu, np.diag(var)) < 1e-4
    with pytest.raises(ValueError):
        SharedDiagonalGaussianNB().fit(np.eye(3), np.arange(3)).binary_linear()


def test_sample_complexity_helpers():
    grid = [10, 20, 40, 80]
    assert samples_to_reach(grid, [0.5, 0.3, 0.1, 0.05], 0.2) == pytest.approx(np.sqrt(20 * 40))
    assert samples_to_reach(grid, [0.1, 0.05, 0.0, 0.0], 0.2) == 10
    assert samples_to_reach(grid, [0.5, 0.4, 0.3, 0.3], 0.2) == np.inf
    d = np.array([25, 50, 100, 200])
    assert loglog_slope(d, 3 * d) == pytest.approx(1.0)
    assert linear_fit_r2(d, 2 * d + 1) == pytest.approx(1.0)
    assert linear_fit_r2(d, np.log(d)) < 1.0
