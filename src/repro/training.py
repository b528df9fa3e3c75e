"""A minimal, deterministic mini-batch training loop with a progress bar."""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from repro.progress import progress

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def train(model: nn.Module, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
          X: torch.Tensor, y: torch.Tensor, *, epochs: int, batch_size: int = 128, lr: float = 1e-3,
          optimizer: str = "adam", weight_decay: float = 0.0, generator: torch.Generator | None = None,
          desc: str = "train", after_step: Callable[[], None] | None = None, **opt_kwargs) -> list[float]:
    """Train ``model`` to minimise ``loss_fn(model(xb), yb)``; return the mean loss of each epoch.

    Batches are reshuffled every epoch with ``generator`` (seed it for reproducibility).
    ``after_step`` is called after every optimiser step, e.g. to update a weight average
    (``lambda: ema.update_parameters(model)`` with :func:`ema_model`).
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer!r}; choose one of {sorted(OPTIMIZERS)}")
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr, weight_decay=weight_decay, **opt_kwargs)
    history = []
    bar = progress(range(epochs), desc=desc)
    for _ in bar:
        model.train()
        perm = torch.randperm(len(X), generator=generator, device="cpu").to(X.device)
        total = 0.0
        for i in range(0, len(X), batch_size):
            idx = perm[i:i + batch_size]
            loss = loss_fn(model(X[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if after_step is not None:
                after_step()
            total += loss.item() * len(idx)
        history.append(total / len(X))
        bar.set_postfix(loss=f"{history[-1]:.4f}", refresh=False)
    return history


def ema_model(model: nn.Module, decay: float) -> torch.optim.swa_utils.AveragedModel:
    """An exponential moving average of ``model``'s weights (PyTorch's ``AveragedModel``).

    The effective decay after n updates is min(decay, (1 + n) / (10 + n)): a warm-up so that the
    average forgets the random initialisation quickly in short runs. Update it with
    ``ema.update_parameters(model)``; evaluate ``ema.module``.
    """
    def avg(averaged, current, n):
        d = min(decay, (1 + float(n)) / (10 + float(n)))
        return d * averaged + (1 - d) * current

    return torch.optim.swa_utils.AveragedModel(model, avg_fn=avg)
