"""Sharpness-aware minimisation (SAM) as a small wrapper around any PyTorch optimiser.

SAM (Foret et al., ICLR 2021, Eq. 2-3; used by Nguyen et al., NeurIPS 2024, Sec. 4) replaces the
gradient at ``w`` by the gradient at the worst-case point of a ball of radius ``rho``, to first
order::

    eps = rho * g(w) / ||g(w)||_2        (ascent step, norm over *all* parameters)
    w  <- base_step(w, g(w + eps))       (descent step from the original weights)

Each step costs two forward/backward passes. ``rho = 0`` is exactly the base optimiser.
"""
from __future__ import annotations

from collections.abc import Callable

import torch


class SAM(torch.optim.Optimizer):
    """SAM around ``base_optimizer`` (a class such as ``torch.optim.SGD``, built on the same params).

    Use either ``step(closure)`` with a closure that zeroes the gradients, computes the loss,
    calls ``backward()`` and returns the loss, or the explicit pair ``first_step()`` (after a
    backward pass at ``w``) / ``second_step()`` (after a backward pass at ``w + eps``).
    """

    def __init__(self, params, base_optimizer: type[torch.optim.Optimizer], rho: float = 0.05,
                 **kwargs):
        if rho < 0:
            raise ValueError(f"rho={rho} must be >= 0")
        super().__init__(params, dict(rho=rho, **kwargs))
        self.base_optimizer = base_optimizer(self.param_groups, **kwargs)
        self.param_groups = self.base_optimizer.param_groups
        self.defaults.update(self.base_optimizer.defaults)

    def _grad_norm(self) -> torch.Tensor:
        norms = [p.grad.norm(2) for g in self.param_groups for p in g["params"] if p.grad is not None]
        if not norms:
            return torch.tensor(0.0)
        return torch.norm(torch.stack(norms), 2)

    @torch.no_grad()
    def first_step(self, zero_grad: bool = True) -> None:
        """Move every parameter to ``w + rho * g / ||g||`` and remember ``w``."""
        norm = self._grad_norm()
        for group in self.param_groups:
            scale = group["rho"] / (norm + 1e-12)
            for p in group["params"]:
                if p.grad is None:
                    continue
                e = p.grad * scale.to(p)
                p.add_(e)
                self.state[p]["e_w"] = e
        if zero_grad:
            self.zero_grad(set_to_none=True)

    @torch.no_grad()
    def second_step(self, zero_grad: bool = True) -> None:
        """Return to ``w`` and take the base optimiser's step with the gradient taken at ``w + eps``."""
        for group in self.param_groups:
            for p in group["params"]:
                if "e_w" in self.state[p]:
                    p.sub_(self.state[p].pop("e_w"))
        self.base_optimizer.step()
        if zero_grad:
            self.zero_grad(set_to_none=True)

    def step(self, closure: Callable[[], torch.Tensor] | None = None):
        """One SAM step; ``closure`` must zero the gradients, compute the loss and backpropagate."""
        if closure is None:
            raise ValueError("SAM.step needs a closure (it evaluates the gradient twice)")
        closure = torch.enable_grad()(closure)
        loss = closure()
        self.first_step(zero_grad=True)
        closure()
        self.second_step(zero_grad=False)
        return loss


def sgd(params, rho: float, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
    """SGD if ``rho == 0`` else SAM around SGD, with the same settings, for ``repro.nn.training.train``.

    Returning plain SGD at ``rho = 0`` saves SAM's second gradient evaluation; the update is the same.
    """
    if rho == 0:
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    return SAM(params, torch.optim.SGD, rho=rho, lr=lr, momentum=momentum, weight_decay=weight_decay)
