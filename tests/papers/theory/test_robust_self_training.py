"""Tests of robust self-supervised training against closed forms and small examples."""
import numpy as np

from repro.data import gmm
from repro.papers.theory import robust_self_training as rst


def test_robust_loss_is_the_dro_supremum():
    """sup_z 1{y w.z <= 0} - gamma |z - x| over displacements, brute force, equals the ramp."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal(3)
    u = w / np.linalg.norm(w)
    ts = np.linspace(0, 20, 200001)
    for gamma in (0.5, 1.0, 3.0):
        for _ in range(5):
            x, y = rng.standard_normal(3), rng.choice([-1, 1])
            # the cheapest way to flip the prediction moves x along -y u; other moves cost more
            flipped = (y * (x @ w) - ts * np.linalg.norm(w) <= 0).astype(float)
            brute = max(np.max(flipped - gamma * ts), float(y * (x @ w) <= 0))
            assert abs(brute - rst.robust_loss(w, x[None], np.array([y]), gamma)[0]) < 1e-3


def test_ramp_values():
    assert np.allclose(rst.ramp([-1.0, 0.0, 0.25, 1.0, 3.0]), [1.0, 1.0, 0.75, 0.0, 0.0])


def test_fit_rss_lowers_the_objective_and_finds_the_unlabeled_clusters():
    rng = np.random.default_rng(1)
    mu = np.array([1.5, 0, 0, 0, 0])
    mu_u = rst.shifted_mean(mu, 0.5, rng)
    assert np.isclose(np.linalg.norm(mu_u - mu), 0.75)
    X, y = gmm.sample(6, mu, rng)
    Xu, _ = gmm.sample(4000, mu_u, rng)
    w0 = y @ X
    w = rst.fit_rss(X, y, Xu)
    assert np.isclose(np.linalg.norm(w), 1)
    assert rst.rss_objective(w, X, y, Xu) < rst.rss_objective(w0, X, y, Xu)
    assert w @ mu_u / np.linalg.norm(mu_u) > 0.95
    st = rst.self_training(X, y, Xu)
    assert st @ mu_u / np.linalg.norm(mu_u) > 0.95
    # without unlabeled data the same solver is labelled-only ERM
    erm = rst.fit_rss(X, y, None)
    assert rst.rss_objective(erm, X, y, None) <= rst.rss_objective(w0, X, y, None)


def test_mean_difference_theory_matches_monte_carlo():
    rng = np.random.default_rng(2)
    d, m = 50, 10
    mu = np.zeros(d)
    mu[0] = 1.0
    errs = []
    for _ in range(2000):
        X, y = gmm.sample(m, mu, rng)
        errs.append(gmm.linear_error(y @ X, mu))
    assert abs(np.mean(errs) - rst.mean_difference_error_theory(1.0, d, m)) < 0.01
