import numpy as np
import pytest
import torch
from torch.nn import functional as F

from repro.data.sequences import markov_entropy_rate
from repro.papers.theory import lm_scaling as lm


def _chain(V=6, seed=0):
    return lm.powerlaw_logit_chain(V, 0.5, 2.0, np.random.default_rng(seed))


def test_chain_is_stochastic_and_stationary():
    P = _chain()
    assert np.allclose(P.sum(1), 1) and np.all(P > 0)
    pi = lm.stationary(P)
    assert np.allclose(pi @ P, pi) and np.isclose(pi.sum(), 1)
    assert np.isclose(lm.entropy_rate(P), markov_entropy_rate(P))
    # scale 0 gives the uniform chain, entropy log V
    U = lm.powerlaw_logit_chain(6, 0.5, 0.0, np.random.default_rng(0))
    assert np.allclose(U, 1 / 6) and np.isclose(lm.entropy_rate(U), np.log(6))


def test_bigram_sampling_frequencies():
    P = _chain()
    pi = lm.stationary(P)
    prev, nxt = lm.sample_bigrams(P, pi, 200000, np.random.default_rng(1))
    counts = np.zeros((6, 6))
    np.add.at(counts, (prev, nxt), 1)
    assert np.abs(counts / counts.sum() - pi[:, None] * P).max() < 0.005


def test_population_loss_is_entropy_rate_plus_kl():
    P = _chain()
    pi = lm.stationary(P)
    m = lm.BigramMLP(6, 4)
    logq = F.log_softmax(m(torch.arange(6)), -1).detach().double().numpy()
    kl = (pi[:, None] * P * (np.log(P) - logq)).sum()
    assert np.isclose(lm.population_loss(m, P, pi), lm.entropy_rate(P) + kl)
    assert kl >= 0


def test_parallel_towers_match_single_models():
    torch.manual_seed(0)
    models = lm.ParallelBigramMLPs(6, [2, 3])
    assert models.n_params() == [(2 * 6 + 1) * 2 + 6, (2 * 6 + 1) * 3 + 6]
    x = torch.arange(6)
    fast = lm.all_logits(models)
    for t, tower in enumerate(models.towers):
        assert torch.allclose(fast[t], tower(x), atol=1e-6)


def test_training_approaches_entropy_rate():
    P = _chain(V=5)
    pi = lm.stationary(P)
    torch.manual_seed(0)
    models = lm.ParallelBigramMLPs(5, [16])
    curves = lm.train_curves(models, P, pi, steps=300, batch_size=256, lr=2e-2, eval_steps=[10, 300],
                             rng=np.random.default_rng(0))
    H = lm.entropy_rate(P)
    assert curves.shape == (1, 2)
    assert curves[0, 1] < curves[0, 0] and curves[0, 1] - H < 0.02


def test_trajectory_mae_and_the_constant_predictor():
    steps = np.array([10, 100, 1000, 2000])
    curve = np.array([3.0, 2.0, 1.5, 1.25])
    assert lm.trajectory_mae(curve, curve, steps, 1000) == 0.0
    assert lm.trajectory_mae(1.0, curve, steps, 1000) == pytest.approx(0.375)      # a constant L = H
    assert lm.trajectory_mae(curve + 0.1, curve, steps, 100) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        lm.trajectory_mae(curve, curve, steps, 5000)
