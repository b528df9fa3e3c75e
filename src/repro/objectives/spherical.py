"""The spherical loss family and the Z-loss, on raw network outputs ``o`` (shape ``(N, D)``) and labels ``y``.

Every loss takes the pre-activation outputs (no softmax applied by the model) and integer labels,
and returns the mean over the batch (``reduction="none"`` gives one value per row).

The *spherical family* (Vincent et al., 2015; de Brebisson & Vincent, 2016, section 2) holds the
losses that depend on ``o`` only through three numbers per example: the target output ``o_c``,
the sum ``sum_k o_k`` and the squared norm ``sum_k o_k^2``. With a linear output layer
``o = W h`` these can be updated without forming ``o``, so training costs O(d^2) per example
instead of O(D d). MSE, the log-Taylor softmax and the Z-loss are spherical; the log-softmax
(cross-entropy) is not, because of its sum of exponentials.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce


def spherical_stats(o: torch.Tensor, y: torch.Tensor):
    """The three per-example statistics of the spherical family: ``(o_c, sum_k o_k, sum_k o_k^2)``."""
    return o.gather(-1, y[:, None])[:, 0], o.sum(-1), (o * o).sum(-1)


def cross_entropy(o: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Log-softmax loss, the reference: ``-o_c + log sum_k exp(o_k)``.

    Shift-invariant, not scale-invariant, and not spherical (it needs every ``exp(o_k)``).
    """
    return F.cross_entropy(o, y, reduction=reduction)


def mse_onehot(o: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Squared error to the one-hot target on raw outputs: ``sum_k (o_k - 1[k=c])^2``.

    The simplest spherical loss (Vincent et al., 2015): it equals
    ``sum_k o_k^2 - 2 o_c + 1``, a function of the spherical statistics only.
    """
    oc, _, sq = spherical_stats(o, y)
    return reduce(sq - 2.0 * oc + 1.0, reduction)


def taylor_softmax(o: torch.Tensor, order: int = 2) -> torch.Tensor:
    """Taylor softmax (de Brebisson & Vincent, 2016a): ``f(o_k) / sum_j f(o_j)`` with
    ``f(x) = sum_{n<=order} x^n / n!``, the truncated series of ``exp``.

    ``order`` must be even so that ``f > 0`` everywhere (for order 2, ``f >= 1/2``).
    """
    if order < 2 or order % 2:
        raise ValueError(f"order={order} must be an even integer >= 2 (f must stay positive)")
    if order == 2:
        f = 1.0 + o + 0.5 * o * o
    else:
        f, term = torch.ones_like(o), torch.ones_like(o)
        for n in range(1, order + 1):
            term = term * o / n
            f = f + term
    return f / f.sum(-1, keepdim=True)


def log_taylor_softmax_loss(o: torch.Tensor, y: torch.Tensor, order: int = 2,
                            reduction: str = "mean") -> torch.Tensor:
    """Negative log of the second-order Taylor softmax of the target:
    ``-log f(o_c) + log sum_k f(o_k)``, ``f(x) = 1 + x + x^2 / 2``.

    Spherical for order 2, since ``sum_k f(o_k) = D + sum_k o_k + sum_k o_k^2 / 2``.
    """
    p = taylor_softmax(o, order)
    return reduce(-torch.log(p.gather(-1, y[:, None])[:, 0]), reduction)


def z_normalize(o: torch.Tensor, eps: float = 1e-30) -> torch.Tensor:
    """Z-normalized outputs ``z_k = (o_k - mu) / sigma`` with ``mu`` the mean and ``sigma`` the
    population standard deviation of the row (de Brebisson & Vincent, 2016, section 3).

    ``sigma^2 = sum_k o_k^2 / D - mu^2`` is spherical; it is computed here in the centred,
    numerically safer form ``mean_k (o_k - mu)^2``. ``eps`` only guards a constant row.
    """
    mu = o.mean(-1, keepdim=True)
    var = ((o - mu) ** 2).mean(-1, keepdim=True)
    return (o - mu) / torch.sqrt(var.clamp_min(eps))


def z_loss(o: torch.Tensor, y: torch.Tensor, a: float = 1.0, b: float = 0.0,
           reduction: str = "mean") -> torch.Tensor:
    """The Z-loss (de Brebisson & Vincent, 2016, section 3):
    ``L_Z(o, c) = (1/a) * softplus(a * (b - z_c))`` with ``z = z_normalize(o)``.

    It is invariant to ``o -> alpha * o + beta`` for every ``alpha > 0`` and real ``beta``, and
    spherical (``z_c`` needs only ``o_c``, ``sum o`` and ``sum o^2``). ``z_c`` lies in
    ``[-sqrt(D-1), sqrt(D-1)]``; ``b`` sets where the loss stops pushing ``z_c`` up and ``a``
    how sharply (as ``a -> inf`` it becomes the hinge ``max(0, b - z_c)``).
    """
    if a <= 0:
        raise ValueError(f"a={a} must be > 0")
    mu = o.mean(-1)
    sigma = torch.sqrt(((o - mu[:, None]) ** 2).mean(-1).clamp_min(1e-30))
    zc = (o.gather(-1, y[:, None])[:, 0] - mu) / sigma
    return reduce(F.softplus(a * (b - zc)) / a, reduction)


def z_loss_from_stats(oc: torch.Tensor, s: torch.Tensor, q: torch.Tensor, n_classes: int,
                      a: float = 1.0, b: float = 0.0) -> torch.Tensor:
    """The Z-loss per example from the spherical statistics alone (``o_c``, ``sum o``,
    ``sum o^2``): what an O(d^2) output layer would compute without forming ``o``."""
    mu = s / n_classes
    sigma = torch.sqrt((q / n_classes - mu * mu).clamp_min(1e-30))
    return F.softplus(a * (b - (oc - mu) / sigma)) / a


def z_loss_grad(o: torch.Tensor, y: torch.Tensor, a: float = 1.0, b: float = 0.0) -> torch.Tensor:
    """Hand-derived gradient of the per-example Z-loss with respect to ``o`` (for the tests):
    ``dL/do_k = -sigmoid(a (b - z_c)) * (1[k=c] - 1/D - z_c z_k / D) / sigma``."""
    n_classes = o.shape[-1]
    mu = o.mean(-1, keepdim=True)
    sigma = torch.sqrt(((o - mu) ** 2).mean(-1, keepdim=True))
    z = (o - mu) / sigma
    zc = z.gather(-1, y[:, None])
    onehot = F.one_hot(y, n_classes).to(o.dtype)
    return -torch.sigmoid(a * (b - zc)) * (onehot - 1.0 / n_classes - zc * z / n_classes) / sigma


LOSSES = {
    "log-softmax": cross_entropy,
    "MSE": mse_onehot,
    "Taylor softmax": log_taylor_softmax_loss,
    "Z-loss": z_loss,
}
SPHERICAL = ("MSE", "Taylor softmax", "Z-loss")


def make_loss(name: str, **hyper):
    """``loss_fn(o, y)`` for the named loss with its hyper-parameters bound (``a``, ``b`` for Z)."""
    if name not in LOSSES:
        raise ValueError(f"loss {name!r}; choose one of {sorted(LOSSES)}")
    fn = LOSSES[name]
    return lambda o, y: fn(o, y, **hyper)


def z_bound(n_classes: int) -> float:
    """Largest possible ``z_c``: ``sqrt(D - 1)``, reached when the other ``D - 1`` outputs are equal."""
    return math.sqrt(n_classes - 1)
