import numpy as np

from repro.stats.intervals import mean_ci, over_seeds


def test_mean_ci_matches_t_interval():
    m, h = mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0
    # t_{0.975, 2} = 4.302653; sem = 1 / sqrt(3)
    assert abs(h - 4.302653 / np.sqrt(3)) < 1e-5


def test_mean_ci_single_value_has_no_width():
    m, h = mean_ci([4.0])
    assert m == 4.0 and np.isnan(h)


def test_over_seeds_collects_per_key():
    r = over_seeds(lambda s: {"a": s, "b": 2 * s}, range(3))
    assert r["a"].tolist() == [0, 1, 2] and r["b"].tolist() == [0, 2, 4]
