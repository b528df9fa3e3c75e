import pytest
import torch

from repro.metrics import accuracy
from repro.models import mlp, n_parameters, predict
from repro.training import train


def test_mlp_shapes_and_parameter_count():
    m = mlp(4, [8, 8], 3)
    assert m(torch.zeros(5, 4)).shape == (5, 3)
    assert n_parameters(m) == (4 * 8 + 8) + (8 * 8 + 8) + (8 * 3 + 3)
    with pytest.raises(ValueError):
        mlp(2, [3], 1, activation="nope")


def test_training_learns_separable_task_and_is_deterministic():
    def fit():
        torch.manual_seed(0)
        X = torch.randn(200, 2)
        y = (X[:, 0] > 0).long()
        m = mlp(2, [16], 2)
        hist = train(m, torch.nn.functional.cross_entropy, X, y, epochs=30, batch_size=32, lr=1e-2,
                     generator=torch.Generator().manual_seed(0))
        return hist, accuracy(predict(m, X), y)

    (h1, a1), (h2, _) = fit(), fit()
    assert h1 == h2 and h1[-1] < h1[0] and a1 > 0.95
