import numpy as np
import torch

from repro.gp.kernels import krr_fit_predict
from repro.papers.kernels import continual as cl


def test_split_tasks_pairs_of_classes():
    y = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3])
    t = cl.split_tasks(y)
    assert [list(i) for i in t] == [[0, 1], [2, 3, 10], [4, 5], [6, 7], [8, 9]]


def test_krr_torch_matches_numpy_krr():
    g = torch.Generator().manual_seed(0)
    F, Ft = torch.randn(7, 3, generator=g, dtype=torch.float64), torch.randn(4, 3, generator=g, dtype=torch.float64)
    y = torch.randn(7, generator=g, dtype=torch.float64)
    got = cl.krr_torch(F, y, Ft, 0.5).numpy()
    want = krr_fit_predict((F @ F.T).numpy(), y.numpy(), (Ft @ F.T).numpy(), 0.5)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_low_rank_gaussian_full_rank_recovers_covariance_and_memory_count():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4)) @ np.diag([3.0, 1.0, 0.5, 0.2])
    G = cl.LowRankGaussian(X, 3)
    np.testing.assert_allclose(G.U @ G.U.T + G.s2 * np.eye(4), np.cov(X, rowvar=False), atol=1e-10)
    assert G.n_floats() == 4 * 4 + 1
    G0 = cl.LowRankGaussian(X, 0)
    assert G0.n_floats() == 4 + 1
    np.testing.assert_allclose(G0.s2, np.trace(np.cov(X, rowvar=False)) / 4)
    S = G.sample(100_000, rng)
    np.testing.assert_allclose(np.cov(S, rowvar=False), np.cov(X, rowvar=False), atol=0.1)


def test_average_accuracy_and_forgetting_by_hand():
    acc = np.array([[1.0, 0, 0], [0.8, 0.9, 0], [0.7, 0.95, 0.6]])
    avg, forg = cl.average_accuracy_and_forgetting(acc)
    assert abs(avg - (0.7 + 0.95 + 0.6) / 3) < 1e-12
    assert abs(forg - ((1.0 - 0.7) + (0.9 - 0.95)) / 2) < 1e-12


def test_train_sequence_runs_and_krr_head_separates_easy_task():
    rng = np.random.default_rng(1)
    y = torch.tensor(np.repeat(np.arange(4), 30))
    X = torch.tensor(rng.standard_normal((120, 5)) + 3 * np.eye(4, 5)[y.numpy()], dtype=torch.float32)
    tasks = cl.split_tasks(y, n_tasks=2)
    seen = []
    net, heads = cl.train_sequence(X, y, tasks, mode="naive", epochs=2, seed=0,
                                   after_task=lambda t, n, h: seen.append((t, len(h))))
    assert seen == [(0, 1), (1, 2)] and len(heads) == 2
    net, heads = cl.train_sequence(X, y, tasks, mode="krr", supcon_weight=0.5, epochs=5, seed=0)
    idx = tasks[0]
    s = (y[idx].numpy() % 2 == 0) * 2.0 - 1
    assert cl.krr_head_accuracy(net, X[idx].numpy(), s, X[idx].numpy(), s, 1.0) > 0.9
