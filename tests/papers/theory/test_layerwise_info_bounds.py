"""Tests of the exactly solvable layer-wise generalization bounds (He & Goldfeld 2024)."""
import numpy as np
import pytest
from scipy.stats import norm

from repro.papers.theory import layerwise_info_bounds as lb


def model(s=0.1, d=4, n=5):
    mu = np.zeros(d)
    mu[0] = 1.0
    return lb.NoisyMeanLearner(mu, n, s)


def test_expected_ramp_matches_monte_carlo_and_limits():
    rng = np.random.default_rng(0)
    z = 0.3 + 0.7 * rng.standard_normal(400_000)
    assert lb.expected_ramp(0.3, 0.7) == pytest.approx(lb.ramp_loss(z).mean(), abs=3e-3)
    assert lb.expected_ramp(50.0, 1.0) == pytest.approx(0.0, abs=1e-12)
    assert lb.expected_ramp(-50.0, 1.0) == pytest.approx(1.0, abs=1e-12)


def test_posterior_of_training_input_given_w():
    """x_i | (w, y_i) ~ N(y_i (mu + a (w - mu)), c I): check by simulation (regression on w)."""
    m = model(s=0.3, d=2, n=4)
    rng = np.random.default_rng(1)
    T = 100_000
    y = rng.choice([-1.0, 1.0], size=(T, m.n))
    y[:, 0] = 1.0  # condition on y_1 = +1
    X = y[:, :, None] * m.mu + rng.standard_normal((T, m.n, m.d))
    ws = (y[:, :, None] * X).mean(1) + m.s * rng.standard_normal((T, m.d))
    xs = X[:, 0]
    D = ws - m.mu
    slope = (D * (xs - m.mu)).sum(0) / (D ** 2).sum(0)
    resid = xs - m.mu - m.a * D
    assert slope == pytest.approx([m.a, m.a], abs=0.02)
    assert resid.var(0) == pytest.approx([m.c, m.c], abs=0.02)


def test_kl_closed_form_is_mean_of_per_w_kl():
    m = model()
    rng = np.random.default_rng(2)
    W = m.sample_w(rng, 200_000)
    A = rng.standard_normal((3, m.d))
    P = lb.row_basis(A)
    per_w = lb.kl_gaussian_layer(m, 3, (((W - m.mu) @ P) ** 2).sum(1))
    assert per_w.mean() == pytest.approx(lb.kl_fixed_layer(m, 3), rel=5e-3)


def test_gaussian_kl_and_w2_against_direct_formulas():
    m = model(s=0.0)
    c = m.c
    # one dimension: KL(N(d, c) || N(0, 1)) and W2 = sqrt(d^2 + (1 - sqrt c)^2)
    delta = 0.4
    kl = 0.5 * (c + delta ** 2 - 1 - np.log(c))
    assert lb.kl_gaussian_layer(m, 1, (delta / m.a) ** 2) == pytest.approx(kl)
    assert lb.w2_gaussian_layer(m, (delta / m.a) ** 2, 1.0) == pytest.approx(np.hypot(delta, 1 - np.sqrt(c)))


def test_uniform_lipschitz_of_orthonormal_and_scaled_layers():
    rng = np.random.default_rng(3)
    Qm, _ = np.linalg.qr(rng.standard_normal((6, 3)))
    A = Qm.T  # orthonormal rows
    Q = lb.row_basis(A)
    assert lb.uniform_lipschitz(A, Q) == pytest.approx(1.0)
    assert lb.uniform_lipschitz(0.5 * A, Q) == pytest.approx(2.0)
    assert lb.uniform_lipschitz(np.eye(6), Q) == pytest.approx(1.0)


def test_layerwise_bounds_are_ordered_and_gap_matches_simulation():
    m = model(s=0.0, d=6, n=10)
    rng = np.random.default_rng(4)
    mats = [rng.standard_normal((4, 6)), rng.standard_normal((2, 4))]
    W = m.sample_w(rng, 5000)
    r = lb.layerwise_bounds(m, mats, W)
    assert np.all(np.diff(r["kl"]) <= 1e-12)
    assert np.argmin(r["w_bound"]) == len(r["w_bound"]) - 1  # scalar head: the output is the funnel
    sim = lb.simulate_gap(m, mats, rng, 3000)
    se = np.hypot(sim.std() / np.sqrt(len(sim)), r["gaps"].std() / np.sqrt(len(W)))
    assert abs(sim.mean() - r["gaps"].mean()) < 4 * se
    assert r["kl_bound"].min() > sim.mean()
    with pytest.raises(ValueError):
        lb.layerwise_bounds(m, mats, W, head="logits")


def test_logit_head_kl_is_not_above_last_hidden_layer():
    m = model(s=0.1, d=6, n=10)
    rng = np.random.default_rng(5)
    mats = [rng.standard_normal((3, 6))]
    Q = lb.row_basis(mats[0])
    q = Q @ np.array([0.0, 1.0, 0.0])
    r = lb.layerwise_bounds(m, mats, m.sample_w(rng, 5000), head="logits", common=2 * q)
    assert r["kl"][-1] <= r["kl"][-2] and r["rho"][-1] == pytest.approx(1 / np.sqrt(2))
    assert norm.cdf(0) == 0.5


def test_logit_head_projection_matches_direct_computation():
    m = model(s=0.1, d=5, n=10)
    rng = np.random.default_rng(6)
    mats = [rng.standard_normal((4, 5))]
    Q = lb.row_basis(mats[0])
    common = 3.0 * Q[:, 1]
    W = m.sample_w(rng, 3)
    r = lb.layerwise_bounds(m, mats, W, head="logits", common=common)
    U = lb.readout_directions(W, Q)
    direct = []
    for u, w in zip(U, W):
        A = np.stack([u + common, -u + common])
        P = lb.row_basis(A)
        direct.append(lb.kl_gaussian_layer(m, 2, float((((w - m.mu) @ P) ** 2).sum())))
    assert r["kl"][-1] == pytest.approx(np.mean(direct))


def test_noisy_layer_kl_matches_per_w_gaussian_kl_and_noiseless_limit():
    rng = np.random.default_rng(11)
    d = 5
    mu = np.zeros(d)
    mu[0] = 1.0
    model = lb.NoisyMeanLearner(mu, 8, 0.2)
    mats = [np.linalg.qr(rng.standard_normal((d, 3)))[0].T]
    A = lb.layer_maps(mats)[-1]
    Sig = lb.noise_covariances(mats, 0.7)[-1]
    assert np.allclose(Sig, 0.49 * np.eye(3))
    # Monte Carlo over w of the exact Gaussian KL
    W = model.sample_w(rng, 20000)
    S1 = A @ A.T + Sig
    S0 = model.c * A @ A.T + Sig
    S1i = np.linalg.inv(S1)
    dlt = model.a * (W - mu) @ A.T
    per_w = 0.5 * (np.trace(S1i @ S0) - 3 + np.einsum("ij,jk,ik->i", dlt, S1i, dlt)
                   + np.log(np.linalg.det(S1) / np.linalg.det(S0)))
    assert lb.kl_noisy_layer(model, A, Sig) == pytest.approx(per_w.mean(), rel=0.02)
    assert lb.kl_noisy_layer(model, A, 0 * Sig) == pytest.approx(lb.kl_fixed_layer(model, 3), rel=1e-10)
    assert lb.kl_noisy_layer(model, A, Sig) < lb.kl_fixed_layer(model, 3)  # noise contracts


def test_noisy_gap_reduces_to_noiseless_gap_and_w1_lower_bound():
    rng = np.random.default_rng(12)
    d = 6
    mu = np.zeros(d)
    mu[0] = 1.0
    model = lb.NoisyMeanLearner(mu, 10, 0.0)
    mats = [np.linalg.qr(rng.standard_normal((d, 4)))[0].T]
    A = lb.layer_maps(mats)[-1]
    W = model.sample_w(rng, 50)
    U = lb.readout_directions(W, lb.row_basis(A))
    assert np.allclose(lb.noisy_gap_given_w(model, W, A, np.zeros((4, 4))), lb.gap_given_w(model, U, W))
    shift = ((W - mu) @ A.T) ** 2
    assert np.all(lb.w1_lower_gaussian_layer(model, shift.sum(1))
                  <= lb.w2_gaussian_layer(model, shift.sum(1), (A ** 2).sum()) + 1e-15)
