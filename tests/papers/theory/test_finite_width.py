import numpy as np
import pytest

from repro.gp.nn_kernels import nngp_ntk
from repro.papers.theory import finite_width as fw


def test_exact_formula_limits():
    assert fw.relu_kurtosis_exact(64, 0) == 0
    assert fw.relu_kurtosis_exact(10, 1) == pytest.approx(1.5)       # 3 * 5 / n
    n = 1e6
    assert fw.relu_kurtosis_exact(n, 100) == pytest.approx(fw.relu_kurtosis_leading(n, 100), rel=1e-3)


def test_first_layer_is_gaussian_with_exact_variance():
    ens = fw.relu_ensemble(16, 2, 2000, cw=2.0, seed=0)
    assert np.allclose(ens.G[:, 0], 2.0)
    assert abs(fw.excess_kurtosis(ens)[0]) < 0.1
    assert fw.excess_kurtosis_from_variance(ens)[0] == pytest.approx(0.0, abs=1e-12)


def test_monte_carlo_matches_exact_kurtosis():
    ens = fw.relu_ensemble(8, 3, 20000, seed=1, method="matrices")
    exact = fw.relu_kurtosis_exact(8, np.arange(4))
    assert fw.excess_kurtosis_from_variance(ens) == pytest.approx(exact, rel=0.1, abs=0.02)
    assert fw.excess_kurtosis(ens)[1:] == pytest.approx(exact[1:], rel=0.15)


def test_mean_kernel_follows_infinite_width_recursion():
    for cw in (1.5, 2.0, 2.5):
        ens = fw.relu_ensemble(32, 5, 3000, cw=cw, seed=2)
        x = np.ones((1, 8))
        theory = [nngp_ntk(x, x, L, "relu", sw2=cw)[0][0, 0] for L in range(6)]
        assert ens.m2.mean(0) == pytest.approx(theory, rel=0.05)
        assert ens.G.mean(0) == pytest.approx(theory, rel=0.05)


def test_rotation_sampler_matches_weight_matrices():
    a = fw.relu_ensemble(12, 4, 6000, seed=3, method="matrices")
    b = fw.relu_ensemble(12, 4, 6000, seed=4, method="rotation")
    assert fw.excess_kurtosis_from_variance(a) == pytest.approx(fw.excess_kurtosis_from_variance(b), rel=0.12, abs=0.02)
    assert a.m2.mean(0) == pytest.approx(b.m2.mean(0), rel=0.1)
    with pytest.raises(ValueError):
        fw.relu_ensemble(4, 1, 10, method="other")
