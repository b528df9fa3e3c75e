import numpy as np
import torch

from repro.stats.metrics import accuracy, mmd2_rbf, mse, relative_error, topk_accuracy


def test_accuracy_and_topk_by_hand():
    logits = torch.tensor([[0.1, 0.5, 0.4], [0.9, 0.05, 0.05], [0.2, 0.3, 0.5]])
    y = torch.tensor([2, 0, 1])
    assert accuracy(logits, y) == 1 / 3
    assert topk_accuracy(logits, y, 2) == 1.0
    assert topk_accuracy(logits, y, 3) == 1.0


def test_mse():
    assert mse([1, 2], [1, 4]) == 2.0


def test_mmd_hand_example_and_separation():
    # two points per set, bandwidth 1: k(0,1) = exp(-1/2)
    X, Y = np.array([[0.0], [0.0]]), np.array([[1.0], [1.0]])
    assert abs(mmd2_rbf(X, Y, 1.0) - (1 + 1 - 2 * np.exp(-0.5))) < 1e-12
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    assert abs(mmd2_rbf(A, B, 1.0)) < 0.01 < mmd2_rbf(A, B + 1.0, 1.0)


def test_relative_error():
    assert relative_error([3.0, 4.0], [3.0, 0.0]) == 4.0 / 3.0
