"""Tests of the learning-theory building blocks against closed forms and hand examples."""
import numpy as np
import torch

from repro.curvature import hessian
from repro.data import gmm, sequences, teacher_student
from repro.papers.theory import matrix_sensing
from repro.scaling import fits as scaling


def test_gmm_errors_match_monte_carlo():
    rng = np.random.default_rng(0)
    mu = np.array([1.0, 0.5, 0.0])
    cov = np.diag([1.0, 2.0, 0.5])
    X, y = gmm.sample(200000, mu, rng, cov=cov)
    w, b = np.array([1.0, -0.3, 0.2]), 0.1
    mc = np.mean(np.sign(X @ w + b) != y)
    assert abs(mc - gmm.linear_error(w, mu, b, cov)) < 0.004
    bayes = np.linalg.solve(cov, mu)
    assert np.isclose(gmm.linear_error(bayes, mu, 0.0, cov), gmm.bayes_error(mu, cov))
    assert gmm.bayes_error(mu, cov) < gmm.linear_error(w, mu, b, cov)


def test_teacher_student_ridge_and_risk():
    rng = np.random.default_rng(0)
    beta = rng.normal(size=5)
    spec = teacher_student.powerlaw_spectrum(5, 1.0)
    assert np.allclose(spec, [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5])
    X, y = teacher_student.linear_teacher(50, beta, rng, noise=0.0, spectrum=spec)
    assert np.allclose(teacher_student.ridge(X, y, 0.0), beta)
    assert teacher_student.excess_risk(beta, beta, spec) == 0
    # wide case uses the dual form: same estimator
    Xw = rng.normal(size=(4, 9))
    yw = rng.normal(size=4)
    primal = np.linalg.solve(Xw.T @ Xw + 0.3 * np.eye(9), Xw.T @ yw)
    assert np.allclose(teacher_student.ridge(Xw, yw, 0.3), primal)


def test_matrix_sensing_gradients_by_finite_differences():
    rng = np.random.default_rng(0)
    Xs, A, y, bad = matrix_sensing.problem(4, 1, 30, rng, outlier_fraction=0.2)
    assert np.isclose(np.linalg.norm(Xs, 2), 1) and len(bad) == 6
    U = rng.normal(size=(4, 2))
    f = lambda U: 0.5 * np.mean((matrix_sensing.measure(A, U @ U.T) - y) ** 2)  # noqa: E731
    g = matrix_sensing.l2_gradient(U, A, y)
    E = np.zeros_like(U)
    E[1, 0] = 1e-6
    assert np.isclose((f(U + E) - f(U - E)) / 2e-6, g[1, 0], rtol=1e-5)
    h = lambda U: np.mean(np.abs(matrix_sensing.measure(A, U @ U.T) - y))  # noqa: E731
    assert np.isclose((h(U + E) - h(U - E)) / 2e-6, matrix_sensing.l1_subgradient(U, A, y)[1, 0], rtol=1e-4)


def test_hessian_tools_on_a_quadratic():
    H = torch.tensor([[3.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, -1.0]], dtype=torch.float64)
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    loss = lambda: 0.5 * w @ H @ w  # noqa: E731
    assert torch.allclose(hessian.full_hessian(loss, [w]), H)
    top = np.linalg.eigvalsh(H.numpy())[::-1]
    assert np.allclose(hessian.top_eigenvalues(loss, [w], k=2), top[:2])
    assert np.isclose(hessian.power_iteration(loss, [w], iters=200), top[0])
    # Rademacher probes: v^T H v = tr H + 2 H_12 v_1 v_2, so the estimate is within 2 |H_12|
    assert abs(hessian.hutchinson_trace(loss, [w], n_samples=50) - 4.0) <= 2.0
    D = torch.diag(torch.tensor([1.0, 2.0, 5.0], dtype=torch.float64))
    assert hessian.hutchinson_trace(lambda: 0.5 * w @ D @ w, [w], n_samples=3) == 8.0


def test_power_law_fits_recover_exponents():
    x = np.array([10, 20, 50, 100, 200, 500, 1000.0])
    a, b = scaling.fit_power_law(x, 3 * x ** -0.7)
    assert np.isclose(a, 3) and np.isclose(b, 0.7)
    a, b, c = scaling.fit_power_law_offset(x, 3 * x ** -0.7 + 0.05)
    assert np.isclose(b, 0.7, atol=1e-3) and np.isclose(c, 0.05, atol=1e-4)
    rng = np.random.default_rng(0)
    y = 3 * x ** -0.7 * np.exp(0.05 * rng.normal(size=len(x)))
    b, (lo, hi) = scaling.bootstrap_exponent(x, y, n_boot=300, rng=rng)
    assert lo < 0.7 < hi and lo < b < hi


def test_sequences():
    rng = np.random.default_rng(0)
    ptr, ltr, pte, lte = sequences.modular_addition(7, 0.5, rng)
    assert len(ptr) + len(pte) == 49 and np.all(ltr == (ptr[:, 0] + ptr[:, 1]) % 7)
    P = np.array([[0.9, 0.1], [0.5, 0.5]])
    seq = sequences.sample_markov(P, 2000, 50, rng)
    a = seq[:, :-1].ravel()
    b = seq[:, 1:].ravel()
    assert abs(np.mean(b[a == 0] == 1) - 0.1) < 0.01
    # stationary (5/6, 1/6): H = 5/6 H(0.9) + 1/6 log 2
    h = lambda p: -(p * np.log(p) + (1 - p) * np.log(1 - p))  # noqa: E731
    assert np.isclose(sequences.markov_entropy_rate(P), 5 / 6 * h(0.9) + 1 / 6 * np.log(2))
    z = sequences.zipf_probabilities(3, 1.0)
    assert np.allclose(z, np.array([1, 1 / 2, 1 / 3]) / (11 / 6))
