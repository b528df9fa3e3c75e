"""Stochastic Lanczos quadrature and the HESD criteria of Gabdullin (2024)."""
import numpy as np
import pytest

from repro.curvature import hessian_spectrum as hsp


def _sym(rng, eigs):
    Q, _ = np.linalg.qr(rng.standard_normal((len(eigs), len(eigs))))
    return Q @ np.diag(eigs) @ Q.T


def test_full_lanczos_recovers_the_spectrum():
    rng = np.random.default_rng(0)
    eigs = np.linspace(-1.0, 3.0, 12)
    A = _sym(rng, eigs)
    a, b = hsp.lanczos(lambda v: A @ v, rng.standard_normal(12), 12)
    T = np.diag(a) + np.diag(b, 1) + np.diag(b, -1)
    assert np.allclose(np.linalg.eigvalsh(T), eigs, atol=1e-9)


def test_quadrature_is_exact_for_low_degree_polynomials():
    rng = np.random.default_rng(1)
    A = _sym(rng, rng.normal(size=40))
    v = rng.standard_normal(40)
    v /= np.linalg.norm(v)
    a, b = hsp.lanczos(lambda x: A @ x, v, 6)
    theta, U = np.linalg.eigh(np.diag(a) + np.diag(b, 1) + np.diag(b, -1))
    tau = U[0] ** 2
    assert tau.sum() == pytest.approx(1.0)
    for k in range(2 * 6):  # m-point Gauss quadrature: exact up to degree 2m - 1
        assert (tau * theta ** k).sum() == pytest.approx(v @ np.linalg.matrix_power(A, k) @ v, rel=1e-8, abs=1e-10)


def test_slq_weights_and_extreme_nodes():
    rng = np.random.default_rng(2)
    eigs = np.concatenate([np.zeros(50), [5.0, -0.5]])
    A = _sym(rng, eigs)
    q = hsp.slq(lambda v: A @ v, len(eigs), steps=20, n_probes=3, seed=0)
    assert np.allclose(q.weights.sum(1), 1.0)
    assert q.nodes.max() == pytest.approx(5.0, abs=1e-8)
    assert q.nodes.min() == pytest.approx(-0.5, abs=1e-8)


def test_criteria_on_hand_made_quadratures():
    psd = hsp.Quadrature(np.array([[0.0, 1.0, 4.0]]), np.array([[0.5, 0.25, 0.25]]))
    assert hsp.hessian_criteria(psd) == (0.0, 0.0)  # a clean minimum: no negative mass
    q = hsp.Quadrature(np.array([[-1.0, 4.0]]), np.array([[0.25, 0.75]]))
    re, kh = hsp.hessian_criteria(q, 0.5)
    assert re == pytest.approx(0.25)
    assert kh == pytest.approx(np.sqrt(0.25) / np.sqrt(3.0))
    with pytest.raises(ValueError):
        hsp.hessian_criteria(q, 0.0)


def test_density_integrates_to_one():
    q = hsp.Quadrature(np.array([[-1.0, 2.0]]), np.array([[0.3, 0.7]]))
    grid = np.linspace(-5, 6, 4001)
    assert np.trapezoid(q.density(grid, 0.2), grid) == pytest.approx(1.0, abs=1e-6)
