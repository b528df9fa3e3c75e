"""Tests of the sub-gradient method for robust matrix recovery (repro.papers.theory.subgradient_sensing)."""
import numpy as np
import pytest

from repro.papers.theory import matrix_sensing
from repro.papers.theory import subgradient_sensing as sg


def test_geometric_steps_and_init_scale():
    steps = sg.geometric_steps(0.5, 0.9, 4)
    assert np.allclose(steps, [0.5, 0.45, 0.405, 0.3645])
    with pytest.raises(ValueError):
        sg.geometric_steps(0.1, 1.5, 3)
    U0 = sg.small_init(7, 3, 1e-3, np.random.default_rng(0))
    assert U0.shape == (7, 3) and np.isclose(np.linalg.norm(U0, 2), 1e-3)


def test_relative_error_hand_example():
    Xs = np.diag([1.0, 0.0])
    assert sg.relative_error(np.array([[1.0], [0.0]]), Xs) == 0.0
    assert np.isclose(sg.relative_error(np.zeros((2, 1)), Xs), 1.0)
    assert np.isclose(sg.relative_error(np.array([[0.0], [1.0]]), Xs), np.sqrt(2.0))


def test_descend_matches_manual_loop_and_flags_divergence():
    rng = np.random.default_rng(1)
    Xs, A, y, _ = matrix_sensing.problem(4, 1, 40, rng)
    U0 = sg.small_init(4, 2, 0.5, rng)
    steps = sg.geometric_steps(0.1, 0.9, 5)
    U, errs = sg.subgm(U0, A, y, steps, Xs)
    V = U0.copy()
    for eta in steps:
        V = V - eta * matrix_sensing.l1_subgradient(V, A, y)
    assert np.allclose(U, V) and len(errs) == 6
    assert np.isclose(errs[0], sg.relative_error(U0, Xs)) and np.isclose(errs[-1], sg.relative_error(V, Xs))
    _, errs = sg.l2_gd(U0 * 10, A, y, np.full(50, 5.0), Xs)  # far too large a step: diverges
    assert np.isinf(errs[-1])


def test_subgm_small_init_recovers_despite_outliers_l2_does_not():
    rng = np.random.default_rng(0)
    Xs, A, y, bad = matrix_sensing.problem(6, 1, 150, rng, outlier_fraction=0.2)
    U0 = sg.small_init(6, 3, 1e-3, rng)  # over-parameterised: r' = 3 > r = 1
    _, e1 = sg.subgm(U0, A, y, sg.geometric_steps(0.1, 0.99, 800), Xs)
    _, e2 = sg.l2_gd(U0, A, y, np.full(800, 0.05), Xs)
    assert e1[-1] < 1e-2 and e2.min() > 0.1


def test_flat_gradients_equal_the_shared_ones():
    rng = np.random.default_rng(2)
    Xs, A, y, _ = matrix_sensing.problem(5, 2, 30, rng, outlier_fraction=0.2)
    U = rng.standard_normal((5, 3))
    Af = sg.flatten(A)
    assert np.allclose(sg.l1_subgradient_flat(U, Af, y), matrix_sensing.l1_subgradient(U, A, y))
    assert np.allclose(sg.l2_gradient_flat(U, Af, y), matrix_sensing.l2_gradient(U, A, y))
    steps = sg.geometric_steps(0.1, 0.95, 20)
    assert np.allclose(sg.subgm(U, Af, y, steps, Xs)[1], sg.subgm(U, A, y, steps, Xs)[1])
