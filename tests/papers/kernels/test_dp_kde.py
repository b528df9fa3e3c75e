import numpy as np
import pytest

from repro.papers.kernels import dp_kde as dk


def test_zcdp_conversion_and_inverse():
    rho = 0.5
    assert np.isclose(dk.zcdp_to_eps(rho, 1e-5), 0.5 + 2 * np.sqrt(0.5 * np.log(1e5)))
    for eps in [0.1, 1.0, 8.0]:
        assert np.isclose(dk.zcdp_to_eps(dk.rho_for_eps(eps, 1e-5), 1e-5), eps)
    assert np.isclose(dk.gaussian_sigma(2.0, 0.5), 2.0)  # Delta^2 / (2 sigma^2) = rho
    with pytest.raises(ValueError):
        dk.rho_for_eps(0.0, 1e-5)


def test_rff_approximates_gaussian_kernel_and_is_bounded():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    W, b = dk.draw_rff(rng, 3, 20000, 1.5)
    Phi = dk.rff(X, W, b)
    assert np.abs(Phi @ dk.rff(Y, W, b).T - dk.gaussian_kernel(X, Y, 1.5)).max() < 0.03
    assert np.abs(Phi).max() <= np.sqrt(2 / 20000) + 1e-15
    assert np.allclose(np.diag(dk.gaussian_kernel(X, X, 1.5)), 1.0)


def test_kernel_mean_noise_scale_is_the_l1_sensitivity_over_eps():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    W, b = dk.draw_rff(rng, 2, 64, 1.0)
    s = dk.DPKernelMean(X, W, b, 0.5, rng)
    assert np.isclose(s.scale, 2 * np.sqrt(2 * 64) / (50 * 0.5))
    # brute-force l1 change of the released mean over many replacements of one point
    base = dk.rff(X, W, b).mean(0)
    worst = 0.0
    for _ in range(200):
        X2 = X.copy()
        X2[rng.integers(50)] = rng.normal(size=2) * 5
        worst = max(worst, np.abs(dk.rff(X2, W, b).mean(0) - base).sum())
    assert worst <= 2 * np.sqrt(2 * 64) / 50
    clean = dk.DPKernelMean(X, W, b, None, rng)
    assert np.allclose(clean.query(X[:3]), dk.rff(X[:3], W, b) @ base)
    again = clean.privatize(0.5, rng)
    assert np.isclose(again.scale, s.scale) and np.allclose(again.mean, base)
    same = dk.DPKernelMean.from_features(dk.rff(X, W, b), W, b)
    assert np.allclose(same.query(X[:3]), clean.query(X[:3]))


def test_dyadic_prefix_covers_exactly():
    for levels in [1, 3, 5]:
        for k in range(2 ** levels + 1):
            nodes = dk._dyadic_prefix(k, levels)
            covered = sorted(i for lev, j in nodes for i in range(j << lev, (j + 1) << lev))
            assert covered == list(range(k)) and len(nodes) <= levels + 1


def test_l1_structure_is_exact_without_noise_up_to_bucketing():
    rng = np.random.default_rng(2)
    X, Q = rng.uniform(size=(300, 3)), rng.uniform(size=(10, 3))
    s = dk.DPL1Distance(X, 6, None, rng)
    exact = dk.l1_distance_sums(X, Q)
    assert np.allclose(exact, np.abs(Q[:, None] - X[None]).sum((1, 2)))
    # error only from points sharing the query's bin: at most 2 * count / 2^levels per coordinate
    B = 64
    bins_X, bins_Q = (X * B).astype(int), (Q * B).astype(int)
    bound = np.array([sum(2 * np.sum(bins_X[:, j] == bins_Q[q, j]) / B for j in range(3)) for q in range(10)])
    assert np.all(np.abs(s.query(Q) - exact) <= bound + 1e-9)
    # a query exactly on a bin edge with the points away from it is exact
    X2 = np.array([[0.1], [0.9]])
    assert np.isclose(dk.DPL1Distance(X2, 4, None, rng).query(np.array([[0.5]]))[0], 0.8)


def test_l1_structure_sensitivity_by_brute_force():
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(40, 2))
    levels = 3

    def released(data):
        s = dk.DPL1Distance(data, levels, None, rng)
        return np.concatenate([np.concatenate([c.ravel(), t.ravel()]) for c, t in zip(s.count, s.total)])

    base, worst = released(X), 0.0
    for _ in range(300):
        X2 = X.copy()
        X2[rng.integers(40)] = rng.uniform(size=2)
        worst = max(worst, np.abs(released(X2) - base).sum())
    assert worst <= 4 * 2 * (levels + 1)
    assert np.isclose(dk.DPL1Distance(X, levels, 2.0, rng).scale, 4 * 2 * (levels + 1) / 2.0)
    with pytest.raises(ValueError):
        dk.DPL1Distance(X + 1.0, levels, 1.0, rng)


def test_dp_class_sums_and_similarity_prediction():
    rng = np.random.default_rng(4)
    Phi = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    y = np.array([0, 0, 1])
    sums, counts = dk.dp_class_sums(Phi, y, 2, 1e12, rng)  # negligible noise
    assert np.allclose(sums, [[1.9, 0.1], [0.0, 1.0]], atol=1e-5) and np.allclose(counts, [2, 1], atol=1e-5)
    assert list(dk.similarity_predict(np.array([[1.0, 0.0], [0.0, 1.0]]), sums, counts)) == [0, 1]
    with pytest.raises(ValueError):
        dk.dp_class_sums(Phi * 3, y, 2, 1.0, rng)


def test_dp_gd_without_noise_learns_separable_data():
    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(-2, 0.5, (50, 2)), rng.normal(2, 0.5, (50, 2))]) / 4
    y = np.repeat([0, 1], 50)
    W = dk.dp_gd_softmax(X, y, 2, rho=1e12, steps=100, lr=5.0, clip=1.0, rng=rng)
    assert np.mean(dk.softmax_predict(X, W) == y) == 1.0
    assert W.shape == (3, 2)


def test_laplace_workload_noise_scale_and_sensitivity():
    rng = np.random.default_rng(0)
    noisy = np.concatenate([dk.laplace_workload(np.zeros(60), 2.0, 0.5, rng) for _ in range(800)])
    # Laplace(b) has mean |noise| = b = sensitivity * Q / eps = 240
    assert abs(np.abs(noisy).mean() / 240.0 - 1) < 0.02
    with pytest.raises(ValueError):
        dk.laplace_workload(np.zeros(5), 1.0, 1.0, rng, workload=4)
    # the sensitivities used by the chapter hold: replacing one point in [0, 1]^d moves an l1 sum
    # by at most d, and a Gaussian kernel mean by at most 1 / n
    d, n = 4, 30
    X, Q = rng.uniform(size=(n, d)), rng.uniform(size=(20, d))
    for _ in range(200):
        X2 = X.copy()
        X2[rng.integers(n)] = rng.uniform(size=d) * rng.integers(0, 2, d)  # corners included
        assert np.abs(dk.l1_distance_sums(X2, Q) - dk.l1_distance_sums(X, Q)).max() <= d
        diff = dk.gaussian_kernel(Q, X2, 0.7).mean(1) - dk.gaussian_kernel(Q, X, 0.7).mean(1)
        assert np.abs(diff).max() <= 1.0 / n + 1e-12
