"""Mixture sampling, selection and the batched tiny language models of the RegMix chapter."""
import numpy as np
import pytest
import torch

from repro.data import sequences as sq
from repro.papers.theory import data_mixture as dm


def test_sample_mixtures_on_the_simplex_and_sparse_at_low_strength():
    rng = np.random.default_rng(0)
    W = dm.sample_mixtures(rng, 2000, np.ones(4))
    assert W.shape == (2000, 4)
    assert np.allclose(W.sum(1), 1.0) and np.all(W >= 0)
    assert np.allclose(W.mean(0), 0.25, atol=0.03)  # symmetric prior: mean weights equal
    sparse = dm.sample_mixtures(rng, 500, np.ones(4), min_strength=0.1, max_strength=0.1, n_strengths=1)
    dense = dm.sample_mixtures(rng, 500, np.ones(4), min_strength=50, max_strength=50, n_strengths=1)
    assert sparse.max(1).mean() > 0.8 > 0.4 > dense.max(1).mean()


def test_select_mixture_finds_the_minimiser_of_a_known_function():
    target = np.array([0.5, 0.3, 0.2])
    w = dm.select_mixture(lambda X: ((X - target) ** 2).sum(1), np.random.default_rng(1), np.ones(3),
                          n_simulated=20000, top_k=20)
    assert np.allclose(w.sum(), 1.0)
    assert np.abs(w - target).max() < 0.05


def test_mixture_chain_and_windows():
    rng = np.random.default_rng(2)
    P = [sq.random_markov_chain(4, rng) for _ in range(2)]
    M = dm.mixture_chain(P, [0.25, 0.75])
    assert np.allclose(M, 0.25 * P[0] + 0.75 * P[1]) and np.allclose(M.sum(1), 1)
    with pytest.raises(ValueError):
        dm.mixture_chain(P, [0.5, 0.6])
    w = dm.windows(np.arange(6), 2)
    assert w.shape == (4, 3) and w[1].tolist() == [1, 2, 3]


def test_sample_batches_follows_the_weights():
    doms = [np.full((10, 3), k) for k in range(3)]  # domain k's windows are all k
    W = np.array([[1.0, 0, 0], [0, 0, 1.0], [0.5, 0.5, 0]])
    out = dm.sample_batches(doms, W, 4000, np.random.default_rng(3))
    assert out.shape == (3, 4000, 3)
    assert np.all(out[0] == 0) and np.all(out[1] == 2)
    assert abs((out[2, :, 0] == 1).mean() - 0.5) < 0.03 and not np.any(out[2] == 2)


def test_batched_models_are_independent_and_learn_a_deterministic_chain():
    torch.manual_seed(0)
    model = dm.BatchedLM(3, 5, 2, dim=4, hidden=8, generator=torch.Generator().manual_seed(0))
    assert model.n_parameters_per_model() == 5 * 4 + 8 * 8 + 8 + 8 * 5 + 5
    win = torch.randint(0, 5, (3, 7, 3))
    loss = model.losses(win)
    g = torch.autograd.grad(loss[1], list(model.parameters()))
    assert all(float(x[0].abs().sum()) == 0 and float(x[2].abs().sum()) == 0 for x in g)  # no cross-talk
    # a chain that always steps t -> t + 1 (mod 5) is learnable to near-zero loss
    P = np.roll(np.eye(5), 1, axis=1)
    doms = [dm.windows(sq.sample_markov(P, 1, 500, np.random.default_rng(4))[0], 2)]
    dm.train_batched(model, doms, np.ones((3, 1)), steps=150, batch=32, lr=3e-2, rng=np.random.default_rng(5))
    assert np.all(dm.evaluate(model, doms[0]) < 0.05)
    untrained = dm.BatchedLM(1, 5, 2, dim=4, hidden=8, generator=torch.Generator().manual_seed(1))
    assert dm.evaluate(untrained, doms[0])[0] > 0.5
