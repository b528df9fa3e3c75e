"""One deterministic mini-batch training loop with a progress bar, used by every chapter."""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from repro.book.progress import progress

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def train(model: nn.Module, loss_fn: Callable[..., torch.Tensor], X: torch.Tensor, y: torch.Tensor,
          *, epochs: int, batch_size: int | None = 128, lr: float = 1e-3,
          optimizer: str | torch.optim.Optimizer = "adam", weight_decay: float = 0.0,
          generator: torch.Generator | None = None, desc: str = "train", with_index: bool = False,
          after_step: Callable[[], None] | None = None,
          after_epoch: Callable[[int], None] | None = None, **opt_kwargs) -> list[float]:
    """Train ``model`` to minimise ``loss_fn(model(xb), yb)``; return the mean loss of each epoch.

    Batches are reshuffled every epoch with ``generator`` (seed it for reproducibility);
    ``batch_size=None`` trains full-batch. ``optimizer`` is a name (``"sgd"``, ``"adam"``,
    ``"adamw"``, built with ``lr``, ``weight_decay`` and ``opt_kwargs``) or a ready optimiser over
    ``model``'s parameters; every step goes through ``optimizer.step(closure)``, so optimisers that
    evaluate the gradient more than once (e.g. :class:`repro.nn.sam.SAM`) work unchanged.

    ``with_index=True`` calls ``loss_fn(out, yb, idx)`` with the batch's positions in ``X``, for
    losses that keep per-example state (e.g. :class:`repro.objectives.elr.ELRLoss`). ``after_step()``
    runs after every optimiser step (e.g. ``lambda: ema.update_parameters(model)`` with
    :func:`ema_model`), ``after_epoch(epoch)`` after every epoch (counted from 1), e.g. to record
    test accuracy.
    """
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer={optimizer!r}; choose one of {sorted(OPTIMIZERS)}")
        opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr, weight_decay=weight_decay, **opt_kwargs)
    else:
        opt = optimizer
    n = len(X)
    bs = n if batch_size is None else batch_size
    history = []
    bar = progress(range(epochs), desc=desc)
    for epoch in bar:
        model.train()
        perm = torch.randperm(n, generator=generator, device="cpu").to(X.device)
        total = 0.0
        for i in range(0, n, bs):
            idx = perm[i:i + bs]

            def closure():
                out = model(X[idx])
                loss = loss_fn(out, y[idx], idx) if with_index else loss_fn(out, y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                return loss

            loss = opt.step(closure)
            if after_step is not None:
                after_step()
            total += loss.item() * len(idx)
        history.append(total / n)
        bar.set_postfix(loss=f"{history[-1]:.4f}", refresh=False)
        if after_epoch is not None:
            after_epoch(epoch + 1)
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
