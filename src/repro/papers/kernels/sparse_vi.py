"""Sparse Subspace Variational Inference (SSVI; Li et al., ICLR 2024) for mean-field Gaussian MLPs.

A Bayesian network whose variational family lives on a sparse subspace: only the weights selected
by a binary mask gamma carry a Gaussian N(mu, sigma^2); every other weight is exactly zero. SSVI
alternates (i) ordinary VI steps on (mu, sigma) of the active weights and (ii) every ``delta``
steps, an update of the subspace: the active weights with the lowest *removal score* are dropped
and as many inactive weights are added, those with the largest |dL/dmu| (RigL-style growth; the
paper's ablations also use random growth). The number of active weights never changes, so the
model is sparse from the first step to the last. The fraction moved per update follows a cosine
schedule alpha/2 (1 + cos(pi t / T_end)) and stops at ``T_end``.

Removal scores (paper, Sec. 4.2), for w ~ N(mu, sigma^2):
  * ``"magnitude"``: |mu|;
  * ``"snr"``: |mu| / sigma, the signal-to-noise ratio;
  * ``"folded_snr"``: E|w| / sd|w|, the SNR of the folded normal |w|, with
    E|w| = mu erf(mu / (sigma sqrt 2)) + sigma sqrt(2/pi) exp(-mu^2 / (2 sigma^2)) and
    Var|w| = mu^2 + sigma^2 - (E|w|)^2 (the authors' default criterion).

Everything is built by composition on :class:`repro.nn.bnn.BayesLinear`, whose ``mask`` buffer
already restricts the forward pass and the KL to the active weights; ``bnn.py`` is unchanged.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from repro.nn.bnn import BayesLinear, kl_divergence

CRITERIA = ("magnitude", "snr", "folded_snr")
GROWTH = ("gradient", "random")


def bayes_mlp(in_dim: int, hidden: Sequence[int], out_dim: int, prior_std: float = 1.0,
              init_std: float = 1e-3) -> nn.Sequential:
    """ReLU MLP of :class:`BayesLinear` layers (mean-field Gaussian weights, local reparameterisation)."""
    layers, d = [], in_dim
    for h in hidden:
        layers += [BayesLinear(d, h, prior_std, init_std), nn.ReLU()]
        d = h
    layers.append(BayesLinear(d, out_dim, prior_std, init_std))
    return nn.Sequential(*layers)


def bayes_layers(model: nn.Module) -> list[BayesLinear]:
    return [m for m in model.modules() if isinstance(m, BayesLinear)]


def weight_density(model: nn.Module) -> float:
    """Fraction of weights (biases excluded) that are active."""
    layers = bayes_layers(model)
    return sum(float(m.mask.sum()) for m in layers) / sum(m.mask.numel() for m in layers)


def _topk_mask(score: torch.Tensor, k: int) -> torch.Tensor:
    """0/1 mask of the ``k`` largest entries of ``score`` (ties broken by a stable sort)."""
    flat = score.flatten()
    order = torch.sort(flat, descending=True, stable=True).indices
    mask = torch.zeros_like(flat)
    mask[order[:k]] = 1.0
    return mask.view_as(score)


def _n_active(numel: int, density: float) -> int:
    return max(1, int(round(density * numel)))


@torch.no_grad()
def random_masks(model: nn.Module, density: float, generator: torch.Generator | None = None) -> None:
    """Give every BayesLinear a uniformly random mask with ``round(density * n)`` active weights."""
    for m in bayes_layers(model):
        k = _n_active(m.mask.numel(), density)
        u = torch.rand(m.mask.shape, generator=generator)
        m.mask.copy_(_topk_mask(u, k))


def sigma(layer: BayesLinear) -> torch.Tensor:
    """Posterior standard deviations of the layer's weights."""
    return F.softplus(layer.w_rho)


def removal_score(mu: torch.Tensor, sd: torch.Tensor, criterion: str = "folded_snr") -> torch.Tensor:
    """Score of each weight ~ N(mu, sd^2) for staying in the subspace (low scores are removed)."""
    if criterion == "magnitude":
        return mu.abs()
    if criterion == "snr":
        return mu.abs() / sd
    if criterion == "folded_snr":
        z = mu / sd
        mean_abs = mu * torch.erf(z / math.sqrt(2)) + sd * math.sqrt(2 / math.pi) * torch.exp(-0.5 * z ** 2)
        var_abs = (mu ** 2 + sd ** 2 - mean_abs ** 2).clamp_min(1e-30)
        return mean_abs / var_abs.sqrt()
    raise ValueError(f"criterion={criterion!r}; choose one of {CRITERIA}")


@torch.no_grad()
def prune_posthoc(model: nn.Module, density: float, criterion: str = "folded_snr") -> None:
    """Post-hoc compression of a trained VI network: keep the top ``density`` weights per layer by score."""
    for m in bayes_layers(model):
        score = removal_score(m.w_mu, sigma(m), criterion)
        score = torch.where(m.mask > 0, score, torch.full_like(score, -1.0))
        m.mask.copy_(_topk_mask(score, _n_active(m.mask.numel(), density)))


def mean_forward_gradients(model: nn.Sequential, X: torch.Tensor, y: torch.Tensor) -> list[torch.Tensor]:
    """Dense gradients of the cross-entropy of the *mean* network w.r.t. every layer's effective weights.

    The effective weight is mu * mask; its gradient is defined at inactive positions too, which is
    what the growth step ranks. ``model`` must be a Sequential of BayesLinear and activation modules.
    """
    weights, h = [], X
    for mod in model:
        if isinstance(mod, BayesLinear):
            w = (mod.w_mu * mod.mask).detach().requires_grad_(True)
            weights.append(w)
            h = F.linear(h, w, mod.b_mu.detach())
        else:
            h = mod(h)
    return list(torch.autograd.grad(F.cross_entropy(h, y), weights))


def elbo_loss(model: nn.Module, n_train: int, kl_weight: float = 1.0):
    """Negative ELBO per training example: mean cross-entropy + kl_weight * KL(q || p) / n_train."""
    def loss(out, yb):
        return F.cross_entropy(out, yb) + kl_weight * kl_divergence(model) / n_train
    return loss


@torch.no_grad()
def mc_predict(model: nn.Module, X: torch.Tensor, n_samples: int = 32) -> torch.Tensor:
    """Posterior predictive probabilities: softmax averaged over ``n_samples`` weight samples."""
    model.eval()
    return torch.stack([F.softmax(model(X), -1) for _ in range(n_samples)]).mean(0)


class SSVI:
    """Subspace scheduler: call it after every optimiser step (``train(..., after_step=ssvi)``).

    Every ``delta`` steps before ``T_end`` it removes ``n_move = floor(frac * n_active)`` active
    weights per layer with the lowest :func:`removal_score` and adds ``n_move`` weights outside the
    kept set, ranked by |dCE/dmu| of the mean network on a random batch of (``X``, ``y``)
    (``growth="gradient"``) or at random (``growth="random"``). A newly added weight starts at
    mu = 0 with rho equal to the mean rho of the layer's active weights (the authors' choice); a
    weight removed and re-added in the same update keeps its values. Adam/SGD state of new
    weights is zeroed. ``density_trace`` records the weight density after every step.
    """

    def __init__(self, model: nn.Sequential, optimizer: torch.optim.Optimizer, X: torch.Tensor,
                 y: torch.Tensor, *, T_end: int, delta: int = 50, alpha: float = 0.3,
                 criterion: str = "folded_snr", growth: str = "gradient", grad_batch: int = 256,
                 generator: torch.Generator | None = None):
        if criterion not in CRITERIA:
            raise ValueError(f"criterion={criterion!r}; choose one of {CRITERIA}")
        if growth not in GROWTH:
            raise ValueError(f"growth={growth!r}; choose one of {GROWTH}")
        self.model, self.optimizer, self.X, self.y = model, optimizer, X, y
        self.T_end, self.delta, self.alpha = T_end, delta, alpha
        self.criterion, self.growth, self.grad_batch = criterion, growth, grad_batch
        self.generator = generator
        self.step = 0
        self.n_updates = 0
        self.moved: list[float] = []  # fraction of active weights that changed at each update
        self.density_trace: list[float] = []

    def drop_fraction(self, step: int) -> float:
        return self.alpha / 2 * (1 + math.cos(math.pi * step / self.T_end))

    def __call__(self) -> None:
        self.step += 1
        if self.step % self.delta == 0 and self.step < self.T_end:
            self.update(self.drop_fraction(self.step))
        self.density_trace.append(weight_density(self.model))

    @torch.no_grad()
    def _reset_state(self, param: torch.Tensor, new: torch.Tensor) -> None:
        for value in self.optimizer.state.get(param, {}).values():
            if torch.is_tensor(value) and value.shape == param.shape:
                value[new] = 0.0

    def update(self, frac: float) -> None:
        """One removal-and-addition step moving ``frac`` of each layer's active weights."""
        layers = bayes_layers(self.model)
        if self.growth == "gradient":
            idx = torch.randperm(len(self.X), generator=self.generator)[: self.grad_batch].to(self.X.device)
            grads = mean_forward_gradients(self.model, self.X[idx], self.y[idx])
        moved, active = 0, 0
        with torch.no_grad():
            for i, m in enumerate(layers):
                old = m.mask > 0
                n_on = int(old.sum())
                n_move = int(frac * n_on)
                if n_move == 0:
                    continue
                score = removal_score(m.w_mu, sigma(m), self.criterion)
                score = torch.where(old, score, torch.full_like(score, -math.inf))
                keep = _topk_mask(score, n_on - n_move) > 0
                if self.growth == "gradient":
                    g = grads[i].abs()
                else:
                    g = torch.rand(m.mask.shape, generator=self.generator).to(m.mask.device)
                g = torch.where(keep, torch.full_like(g, -math.inf), g)
                grow = _topk_mask(g, n_move) > 0
                new = grow & ~old
                rho_fill = m.w_rho[keep].mean()
                m.w_mu[new] = 0.0
                m.w_rho[new] = rho_fill
                self._reset_state(m.w_mu, new)
                self._reset_state(m.w_rho, new)
                m.mask.copy_((keep | grow).float())
                moved += int(new.sum())
                active += n_on
        self.n_updates += 1
        self.moved.append(moved / max(active, 1))


def training_flops(layer_sizes: Sequence[tuple[int, int]], density: float | Sequence[float], steps: int,
                   batch_size: int, n_updates: int = 0, grad_batch: int = 0,
                   dense_growth_pass: bool = False) -> float:
    """Theoretical training FLOPs of a local-reparameterisation BNN with sparse weight matrices.

    Per example and layer the forward pass does two matrix products (mean and variance), 2 FLOPs
    per active weight each; the backward pass costs twice the forward. A gradient-growth update
    needs |dL/dmu| at *every* position on ``grad_batch`` examples: counted as in RigL (Evci et al.
    2020), the mean network's forward and input-gradient passes stay sparse (2 + 2 FLOPs per active
    weight) and only the weight gradient is dense (2 FLOPs per weight). ``dense_growth_pass=True``
    instead counts a fully dense forward and backward pass (6 FLOPs per weight), the cost of our
    masked-dense implementation. ``density`` is one value or one per layer; biases and
    activations are ignored.
    """
    sizes = [a * b for a, b in layer_sizes]
    dens = [density] * len(sizes) if isinstance(density, (int, float)) else list(density)
    nnz = sum(d * n for d, n in zip(dens, sizes))
    growth = 6 * sum(sizes) if dense_growth_pass else 4 * nnz + 2 * sum(sizes)
    return 3 * 4 * nnz * batch_size * steps + growth * grad_batch * n_updates
