"""Tests of repro.gp.random_features: feature maps, their kernels, and the ridge path."""
import numpy as np
import pytest

from repro.gp import random_features as rf
from repro.gp.kernels import rbf_kernel


def _direct(Phi, y, ridge):
    return np.linalg.solve(Phi.T @ Phi + ridge * np.eye(Phi.shape[1]), Phi.T @ y)


@pytest.mark.parametrize("shape", [(30, 12), (12, 30)])
def test_ridge_path_matches_direct_solves(shape):
    rng = np.random.default_rng(0)
    Phi, y = rng.standard_normal(shape), rng.standard_normal(shape[0])
    Xt, yt = rng.standard_normal((7, shape[1])), rng.standard_normal(7)
    ridges = np.array([1e-3, 0.1, 10.0])
    path = rf.RidgePath(Phi, y)
    a = path.coef(ridges)
    for k, r in enumerate(ridges):
        w = _direct(Phi, y, r)
        np.testing.assert_allclose(a[:, k], w, rtol=1e-9, atol=1e-12)
        assert path.train_mse(ridges)[k] == pytest.approx(((Phi @ w - y) ** 2).mean(), rel=1e-9)
        assert path.test_mse(Xt, yt, ridges)[k] == pytest.approx(((Xt @ w - yt) ** 2).mean(), rel=1e-9)


def test_tiny_ridge_is_min_norm_interpolation():
    rng = np.random.default_rng(1)
    Phi, y = rng.standard_normal((10, 40)), rng.standard_normal(10)
    path = rf.RidgePath(Phi, y)
    np.testing.assert_allclose(path.coef([1e-12])[:, 0], np.linalg.pinv(Phi) @ y, atol=1e-9)
    assert path.train_mse([1e-12])[0] < 1e-20


def test_multi_output_and_retarget():
    rng = np.random.default_rng(2)
    Phi, Y = rng.standard_normal((20, 8)), rng.standard_normal((20, 3))
    path = rf.RidgePath(Phi, Y)
    assert path.coef([0.1, 1.0]).shape == (8, 2, 3)
    cols = sum(rf.RidgePath(Phi, Y[:, c]).train_mse([0.1, 1.0]) for c in range(3))
    np.testing.assert_allclose(path.train_mse([0.1, 1.0]), cols, rtol=1e-12)
    again = path.retarget(Y[:, 1])
    np.testing.assert_allclose(again.coef([0.5]), rf.RidgePath(Phi, Y[:, 1]).coef([0.5]), rtol=1e-12)


@pytest.mark.parametrize("kind", rf.KINDS)
def test_rf_kernel_converges_to_the_exact_kernel(kind):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((15, 6)) / np.sqrt(6) * 2
    fmap = rf.draw_feature_map(rng, kind, 6, 40_000, lengthscale=1.5)
    K = fmap.kernel(X, X)
    errs = []
    for N in (100, 1_000, 40_000):
        F = fmap(X, N)
        errs.append(np.abs(F @ F.T - K).max() / np.abs(K).max())
    assert errs[0] > errs[1] > errs[2] and errs[2] < 0.03


def test_relu_kernel_values():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((5, 7))
    K = rf.relu_kernel(X, X)
    np.testing.assert_allclose(np.diag(K), (X ** 2).sum(1) / 7, rtol=1e-12)
    # orthogonal inputs: theta = pi/2, k = |a||b| / (pi d)
    a, b = np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]])
    assert rf.relu_kernel(a, b)[0, 0] == pytest.approx(2 / (2 * np.pi))
    np.testing.assert_allclose(rf.draw_feature_map(rng, "fourier", 7, 3).kernel(X, X), rbf_kernel(X, X))


def test_first_features_and_ridges():
    raw = np.arange(12.0).reshape(2, 6)
    np.testing.assert_allclose(rf.first_features(raw, 4), raw[:, :4] / 2)
    with pytest.raises(ValueError):
        rf.first_features(raw, 7)
    r = rf.relative_ridges(50, 2.0, 1e-8, 1e2, 11)
    assert r[0] == pytest.approx(50 * 2 * 1e-8) and r[-1] == pytest.approx(50 * 2 * 1e2) and len(r) == 11
    with pytest.raises(ValueError):
        rf.draw_feature_map(np.random.default_rng(0), "tanh", 3, 4)


def test_nested_sweep_matches_a_direct_fit():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((40, 5)), rng.standard_normal(40)
    fmap = rf.draw_feature_map(rng, "relu", 5, 64)
    H = fmap.raw(X)
    Xt, yt = rng.standard_normal((9, 5)), rng.standard_normal(9)
    Ht = fmap.raw(Xt)
    ridges = lambda n: rf.relative_ridges(n, 1.0, 1e-4, 1.0, 3)
    train, test = rf.nested_sweep(H, y, [10, 40], [16, 64], ridges,
                                  lambda path, N, r: path.test_mse(rf.first_features(Ht, N), yt, r))
    assert train.shape == test.shape == (2, 2, 3)
    direct = rf.RidgePath(fmap(X[:10], 16), y[:10])
    np.testing.assert_allclose(test[0, 0], direct.test_mse(fmap(Xt, 16), yt, ridges(10)), rtol=1e-12)
