import pytest
import torch

from repro.nn.models import mlp, n_parameters, predict
from repro.nn.training import train
from repro.stats.metrics import accuracy


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


def test_after_step_drives_an_ema_with_warmup():
    from repro.nn.training import ema_model

    torch.manual_seed(0)
    m = torch.nn.Linear(1, 1, bias=False)
    ema = ema_model(m, decay=0.9)
    w0 = m.weight.item()
    seen = []
    train(m, lambda out, y: ((out - y) ** 2).mean(), torch.ones(4, 1), torch.full((4, 1), 3.0),
          epochs=3, batch_size=2, lr=0.1, optimizer="sgd", generator=torch.Generator().manual_seed(0),
          after_step=lambda: (ema.update_parameters(m), seen.append(m.weight.item())))
    assert len(seen) == 6
    # first update copies the weights; then d_n = min(0.9, (1 + n) / (10 + n)) for n = 1..5
    expected = seen[0]
    for n, w in enumerate(seen[1:], start=1):
        d = min(0.9, (1 + n) / (10 + n))
        expected = d * expected + (1 - d) * w
    assert abs(ema.module.weight.item() - expected) < 1e-6 and expected != w0


def test_full_batch_after_epoch_and_per_example_losses():
    torch.manual_seed(0)
    X, y = torch.randn(10, 2), torch.randn(10, 1)
    seen, batches = [], []

    def loss_fn(out, yb, idx):
        batches.append(sorted(idx.tolist()))
        return ((out - yb) ** 2).mean()

    hist = train(torch.nn.Linear(2, 1), loss_fn, X, y, epochs=4, batch_size=None, lr=0.05,
                 optimizer="sgd", with_index=True, after_epoch=seen.append)
    assert seen == [1, 2, 3, 4] and len(hist) == 4 and hist[-1] < hist[0]
    assert batches == [list(range(10))] * 4          # full batch: every index, once per epoch
    with pytest.raises(ValueError, match="optimizer"):
        train(torch.nn.Linear(2, 1), loss_fn, X, y, epochs=1, optimizer="lbfgs")
