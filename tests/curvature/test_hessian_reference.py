"""Hessian tools against an explicit Hessian of a tiny non-quadratic model.

Reference: the dense Hessian from ``torch.autograd.functional.hessian`` (a different code path
from our Hessian-vector products: it differentiates a function of one flat parameter vector) and
its spectrum from ``scipy.linalg.eigh`` (LAPACK). The model is a 2-4-1 tanh MLP on a
cross-entropy (logistic) loss: 17 parameters in four tensors, an indefinite Hessian.
Tolerances: float64 throughout; 1e-10 for the Hessian entries, 1e-8 for Lanczos eigenvalues
(``tol=1e-12``), eigenvectors up to sign to 1e-6, power iteration to 1e-6 relative.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from torch.nn import functional as F

from repro.curvature import hessian


def _model():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(32, 2, generator=g, dtype=torch.float64)
    y = (X[:, 0] * X[:, 1] > 0).double()
    shapes = [(4, 2), (4,), (1, 4), (1,)]
    params = [torch.randn(*s, generator=g, dtype=torch.float64).requires_grad_(True) for s in shapes]

    def loss_of(W1, b1, W2, b2):
        return F.binary_cross_entropy_with_logits((torch.tanh(X @ W1.T + b1) @ W2.T + b2)[:, 0], y)

    def flat_loss(theta):
        parts, i = [], 0
        for s in shapes:
            n = int(np.prod(s))
            parts.append(theta[i:i + n].reshape(s))
            i += n
        return loss_of(*parts)

    theta = torch.cat([p.detach().reshape(-1) for p in params])
    H = torch.autograd.functional.hessian(flat_loss, theta).numpy()
    return (lambda: loss_of(*params)), params, H


def test_full_hessian_matches_autograd_functional_hessian():
    loss_fn, params, H = _model()
    assert H.shape == (17, 17)
    np.testing.assert_allclose(hessian.full_hessian(loss_fn, params).numpy(), H, rtol=0, atol=1e-10)


@pytest.mark.parametrize("k", [1, 3])
def test_top_eigenpairs_match_scipy_eigh(k):
    """Lanczos (ARPACK) top-k algebraic eigenvalues and eigenvectors vs ``scipy.linalg.eigh``."""
    loss_fn, params, H = _model()
    w, V = scipy.linalg.eigh(H)
    assert w[0] < 0 < w[-1]  # indefinite: 'largest algebraic' is not 'largest magnitude' by accident
    want, Vwant = w[::-1][:k], V[:, ::-1][:, :k]
    vals, vecs = hessian.top_eigenpairs(loss_fn, params, k=k, tol=1e-12)
    np.testing.assert_allclose(vals, want, rtol=0, atol=1e-8)
    assert np.all(np.diff(want) < -1e-6)  # distinct eigenvalues, so the eigenvectors are defined
    np.testing.assert_allclose(np.abs(vecs.numpy().T @ Vwant), np.eye(k), atol=1e-6)
    np.testing.assert_allclose(hessian.top_eigenvalues(loss_fn, params, k=k, tol=1e-12), want, atol=1e-8)


def test_power_iteration_matches_largest_magnitude_eigenvalue():
    loss_fn, params, H = _model()
    w = scipy.linalg.eigvalsh(H)
    top = w[np.argmax(np.abs(w))]
    assert hessian.power_iteration(loss_fn, params, iters=500) == pytest.approx(top, rel=1e-6)


def test_hutchinson_trace_is_unbiased_for_the_explicit_trace():
    """Hutchinson's estimate vs ``trace(H)``: with Rademacher probes the error of the mean of n
    probes has standard deviation sqrt(2 (||H||_F^2 - sum H_ii^2) / n); within 4 of them."""
    loss_fn, params, H = _model()
    n = 400
    sd = np.sqrt(2 * (np.sum(H ** 2) - np.sum(np.diag(H) ** 2)) / n)
    assert abs(hessian.hutchinson_trace(loss_fn, params, n_samples=n) - np.trace(H)) < 4 * sd
