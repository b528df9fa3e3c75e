import numpy as np
import pytest
import torch

from repro.curvature import batch_hessian as bh
from repro.scaling.fits import loglog_slope


def test_fit_inverse_batch_recovers_exact_law():
    B = np.array([4, 8, 16, 64, 256])
    a, c, r2 = bh.fit_inverse_batch(B, 1.5 + 12 / B)
    assert (a, c, r2) == pytest.approx((1.5, 12, 1.0))
    a, c, r2 = bh.fit_inverse_batch(B, 1.5 + 12 / B, intercept=1.5)
    assert (a, c, r2) == pytest.approx((1.5, 12, 1.0))
    assert bh.fit_inverse_batch(B, 3.0 - 0.1 * np.log(B), intercept=5.0)[2] < 0  # wrong law: bad fit


def test_max_stable_lr_finds_the_edge():
    edge = 0.37
    got = bh.max_stable_lr(lambda lr: lr < edge, 1e-3, 1e3, iters=30)
    assert got == pytest.approx(edge, rel=1e-6)


def test_loglog_slope():
    x = np.array([1.0, 2, 4, 8])
    assert loglog_slope(x, 3 * x ** 0.5) == pytest.approx(0.5)


def test_batch_eigenvalues_of_least_squares_match_closed_form():
    rng = np.random.default_rng(0)
    X = torch.tensor(rng.standard_normal((40, 6)))
    y = torch.tensor(rng.standard_normal(40))
    w = torch.zeros(6, dtype=torch.float64, requires_grad=True)

    def loss_on(idx):
        return ((X[idx] @ w - y[idx]) ** 2).mean()

    lam = bh.batch_top_eigenvalues(loss_on, [w], 40, 10, 3, np.random.default_rng(1), tol=1e-10)
    rng1 = np.random.default_rng(1)
    for value in lam:  # same batches: Hessian is 2 X_B^T X_B / B
        idx = rng1.choice(40, 10, replace=False)
        Xb = X[idx].numpy()
        assert value == pytest.approx(np.linalg.eigvalsh(2 * Xb.T @ Xb / 10)[-1], rel=1e-6)
    full = bh.batch_top_eigenvalues(loss_on, [w], 40, 40, 1, rng, tol=1e-10)[0]
    assert full == pytest.approx(np.linalg.eigvalsh(2 * X.numpy().T @ X.numpy() / 40)[-1], rel=1e-6)
