import numpy as np

from repro.scaling import multivariate as ms


def test_product_law_recovered_exactly():
    Ne, Nd = (g.ravel() for g in np.meshgrid([100, 300, 1000, 3000], [200, 600, 2000, 6000]))
    truth = ms.ProductLaw(5.0, 0.3, 0.5, 0.4)
    f = ms.fit_product_law(Ne, Nd, truth(Ne, Nd))
    assert np.allclose([f.beta, f.p_e, f.p_d, f.L_inf], [5.0, 0.3, 0.5, 0.4], rtol=1e-5)


def test_sum_law_recovered_exactly():
    N, S = (g.ravel() for g in np.meshgrid([1e3, 3e3, 1e4, 3e4], [100, 300, 1000, 3000, 1e4]))
    truth = ms.SumLaw(50.0, 0.4, 20.0, 0.6, 1.2)
    f = ms.fit_sum_law(N, S, truth(N, S))
    assert np.allclose([f.N_c, f.alpha_N, f.S_c, f.alpha_S, f.L_inf], [50.0, 0.4, 20.0, 0.6, 1.2], rtol=1e-4)
    # the law is the sum of the two power laws and the constant
    assert np.isclose(truth(50.0, 20.0), 3.2)


def test_r_squared_and_rmse():
    y = np.array([1.0, 2.0, 3.0])
    assert ms.r_squared(y, y) == 1.0
    assert np.isclose(ms.r_squared(y, np.full(3, 2.0)), 0.0)
    assert np.isclose(ms.rmse(y, y + 0.5), 0.5)
