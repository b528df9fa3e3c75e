import numpy as np
import torch

from repro.papers.theory import synthetic_translation as st


def _task(noise=0.0, seed=0):
    return st.TranslationTask.random(5, 4, noise, np.random.default_rng(seed))


def test_translation_is_reorder_add_and_lexicon():
    task = _task()
    assert np.all(task.pos_a != task.pos_b)
    x = np.array([[0, 1, 2, 3], [4, 4, 0, 1]])
    y = task.translate(x)
    for n in range(2):
        for t in range(4):
            c = (x[n, task.pos_a[t]] + x[n, task.pos_b[t]]) % 5
            assert y[n, t] == task.lexicon[t, c]


def test_noise_rate_and_irreducible_loss():
    task = _task(noise=0.3)
    x, y = task.sample(20000, np.random.default_rng(1))
    wrong = (y != task.translate(x)).mean()
    assert abs(wrong - 0.3 * 4 / 5) < 0.01
    q, o = 1 - 0.3 + 0.3 / 5, 0.3 / 5
    assert np.isclose(task.irreducible_loss(), -q * np.log(q) - 4 * o * np.log(o))
    assert _task(noise=0.0).irreducible_loss() == 0.0
    # uniform noise: the loss of a uniform guess
    assert np.isclose(st.TranslationTask.random(5, 4, 1.0, np.random.default_rng(0)).irreducible_loss(), np.log(5))


def test_bayes_predictor_attains_irreducible_loss():
    task = _task(noise=0.2)
    x, y = task.sample(50000, np.random.default_rng(2))
    q = 1 - 0.2 + 0.2 / 5
    logits = np.full(y.shape + (5,), np.log(0.2 / 5))
    np.put_along_axis(logits, task.translate(x)[..., None], np.log(q), axis=-1)
    ce = st.token_cross_entropy(torch.tensor(logits), torch.as_tensor(y)).item()
    assert abs(ce - task.irreducible_loss()) < 0.01


def test_two_tower_sizes_and_shapes():
    m = st.TwoTowerMLP(vocab=5, length=4, enc_width=7, dec_width=3)
    Ne, Nd = m.sizes()
    assert Ne == 20 * 7 + 7
    assert Nd == 7 * 3 + 3 + 3 * 20 + 20
    assert Ne + Nd == sum(p.numel() for p in m.parameters())
    out = m(st.one_hot(np.zeros((2, 4), int), 5))
    assert out.shape == (2, 4, 5)


def test_training_learns_noiseless_task():
    task = _task()
    x, y = task.sample(4000, np.random.default_rng(3))
    torch.manual_seed(0)
    m = st.TwoTowerMLP(5, 4, 64, 64)
    hist = st.train_two_tower(m, st.one_hot(x, 5), torch.as_tensor(y), steps=150, batch_size=256,
                              lr=1e-2, generator=torch.Generator().manual_seed(0))
    assert len(hist) == 150 and hist[-1] < 0.5 * hist[0]
