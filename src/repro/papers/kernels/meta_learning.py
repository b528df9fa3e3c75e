"""Few-shot meta learning: MAML and the NIW hierarchical Bayesian model (Kim & Hospedales, 2023).

Everything is written for a *batch of episodes* at once: a network's weights are a flat vector,
and a batch of per-episode weights is a matrix ``theta`` of shape ``(B, d)`` that a functional MLP
(:func:`mlp_forward`) applies to inputs of shape ``(B, N, in)``.

**MAML** (Finn et al., 2017): ``K`` gradient steps on the support loss from shared weights
``theta0``, then the query loss of the adapted weights; the meta-gradient goes back through the
``K`` steps (second order) or ignores their Jacobian (first order).

**NIW-Meta** (Kim & Hospedales, 2023, Sec. 3): per-episode weights ``theta_i ~ N(mu, Sigma)``
with a global Normal-Inverse-Wishart variable ``(mu, Sigma)`` whose variational posterior is
``q(mu, Sigma) = NIW(m0, l0, Lambda, n0)``. Here Sigma and Lambda are diagonal, i.e. every weight
has its own 1-d NIW (a normal-inverse-gamma: ``sigma_j^2 ~ IG(n0/2, lambda_j/2)``,
``mu_j | sigma_j^2 ~ N(m0_j, sigma_j^2 / l0)``). With the episode loss approximated by a
quadratic around a point ``mbar`` reached by a few SGD steps from ``m0``,
``l_i(theta) ~ l_i(mbar) + 1/2 (theta - mbar)^T A (theta - mbar)``, the local posterior that
minimises ``E_q[l_i] + E_{q(mu,Sigma)} KL(q_i || N(mu, Sigma))`` is Gaussian in closed form
(:meth:`DiagNIW.local_posterior`), a differentiable function of the global parameters. ``mbar``
and ``A`` are constants: no graph of the inner SGD steps is kept.
"""
from __future__ import annotations

import math
import time
import weakref

import torch
from torch import nn

# ----------------------------------------------------------------------------------------------
# tasks and the functional MLP


def sinusoid_tasks(n_tasks: int, n_support: int, n_query: int, generator: torch.Generator,
                   amp=(0.1, 5.0), phase=(0.0, math.pi), x_range=(-5.0, 5.0), device="cpu"):
    """MAML's sinusoid regression episodes ``y = a sin(x - p)``: amplitude ``a ~ U(amp)``,
    phase ``p ~ U(phase)``, inputs ``x ~ U(x_range)``. Returns ``xs, ys, xq, yq`` of shapes
    ``(B, n_support, 1)`` and ``(B, n_query, 1)`` plus the ``(a, p)`` of each episode."""
    u = torch.rand(n_tasks, 2, generator=generator, dtype=torch.float64)
    a = amp[0] + (amp[1] - amp[0]) * u[:, 0]
    p = phase[0] + (phase[1] - phase[0]) * u[:, 1]
    x = x_range[0] + (x_range[1] - x_range[0]) * torch.rand(
        n_tasks, n_support + n_query, 1, generator=generator, dtype=torch.float64)
    y = a[:, None, None] * torch.sin(x - p[:, None, None])
    x, y = x.float().to(device), y.float().to(device)
    return x[:, :n_support], y[:, :n_support], x[:, n_support:], y[:, n_support:], (a, p)


def mlp_sizes(sizes) -> list[tuple[int, int]]:
    """Layer shapes ``[(in, out), ...]`` of an MLP with widths ``sizes = (in, h1, ..., out)``."""
    return list(zip(sizes[:-1], sizes[1:]))


def mlp_dim(sizes) -> int:
    """Number of weights and biases of the MLP with widths ``sizes``."""
    return sum(i * o + o for i, o in mlp_sizes(sizes))


def mlp_init(sizes, generator: torch.Generator) -> torch.Tensor:
    """A flat weight vector with PyTorch's default ``nn.Linear`` initialisation (uniform in
    ``+-1/sqrt(fan_in)`` for weights and biases)."""
    parts = []
    for i, o in mlp_sizes(sizes):
        bound = 1.0 / math.sqrt(i)
        parts.append((torch.rand(i * o + o, generator=generator) * 2 - 1) * bound)
    return torch.cat(parts)


def mlp_forward(theta: torch.Tensor, x: torch.Tensor, sizes) -> torch.Tensor:
    """ReLU MLP with per-episode weights: ``theta`` ``(B, d)``, ``x`` ``(B, N, in)`` -> ``(B, N, out)``.
    Weights are stored layer by layer, ``W`` (in x out, row-major) then ``b``."""
    B, h, o0 = theta.shape[0], x, 0
    layers = mlp_sizes(sizes)
    for k, (i, o) in enumerate(layers):
        W = theta[:, o0:o0 + i * o].reshape(B, i, o)
        b = theta[:, o0 + i * o:o0 + i * o + o].reshape(B, 1, o)
        o0 += i * o + o
        h = torch.baddbmm(b, h, W)
        if k < len(layers) - 1:
            h = torch.relu(h)
    return h


def task_mse(theta, x, y, sizes) -> torch.Tensor:
    """Per-episode mean squared error, shape ``(B,)``."""
    return ((mlp_forward(theta, x, sizes) - y) ** 2).mean(dim=(1, 2))


# ----------------------------------------------------------------------------------------------
# MAML


def inner_sgd(theta: torch.Tensor, xs, ys, sizes, lr: float, steps: int,
              create_graph: bool, clip: float | None = None) -> torch.Tensor:
    """``steps`` steps of SGD on each episode's support MSE, all episodes at once.

    ``theta`` has shape ``(B, d)``; since episode ``b``'s loss depends only on row ``b``, the
    gradient of the *sum* of the per-episode losses is the stack of per-episode gradients.
    ``create_graph=True`` keeps the graph of every step (second-order MAML); otherwise each step
    is taken on a detached gradient. ``clip`` caps each episode's gradient norm (a safeguard
    against divergent inner loops).
    """
    for _ in range(steps):
        if not theta.requires_grad:
            theta = theta.detach().requires_grad_(True)
        loss = task_mse(theta, xs, ys, sizes).sum()
        (g,) = torch.autograd.grad(loss, theta, create_graph=create_graph)
        if clip is not None:
            g = g * (clip / g.norm(dim=-1, keepdim=True).clamp(min=clip))
        theta = theta - lr * g
    return theta


def maml_loss(theta0: torch.Tensor, batch, sizes, lr: float, steps: int,
              first_order: bool = False, clip: float | None = None) -> torch.Tensor:
    """MAML's meta-objective for a batch of episodes: mean query MSE after ``steps`` inner SGD
    steps from the shared ``theta0`` (shape ``(d,)``). With ``first_order=True`` the inner
    gradients are treated as constants (FO-MAML): the meta-gradient is the query gradient at the
    adapted weights."""
    xs, ys, xq, yq = batch[:4]
    theta = theta0.expand(xs.shape[0], -1)
    theta = inner_sgd(theta, xs, ys, sizes, lr, steps, create_graph=not first_order, clip=clip)
    if first_order:  # theta = theta0 - (constant); gradient flows to theta0 unchanged
        theta = theta0.expand(xs.shape[0], -1) + (theta - theta0).detach()
    return task_mse(theta, xq, yq, sizes).mean()


# ----------------------------------------------------------------------------------------------
# NIW-Meta


def ggn_diag(theta: torch.Tensor, x: torch.Tensor, sizes) -> torch.Tensor:
    """Diagonal of the Gauss-Newton matrix ``sum_n J_n^T J_n`` of the (scalar-output) network on
    each episode's inputs: ``(B, d)``. One backward pass per input point (all episodes at once)."""
    theta = theta.detach().requires_grad_(True)
    f = mlp_forward(theta, x, sizes)[..., 0]  # (B, N)
    out = torch.zeros_like(theta)
    for n in range(f.shape[1]):
        (g,) = torch.autograd.grad(f[:, n].sum(), theta, retain_graph=n < f.shape[1] - 1)
        out += g ** 2
    return out


def _softplus_inv(y: float) -> float:
    return y + math.log(-math.expm1(-y))


class DiagNIW(nn.Module):
    """Variational posterior ``q(mu, Sigma) = NIW(m0, l0, Lambda, n0)`` with diagonal ``Lambda``
    (an independent normal-inverse-gamma per weight; ``l0`` and ``n0`` shared).

    Positive parameters are stored through softplus. ``E[Sigma^{-1}] = n0 / lambda`` is the
    expected prior precision of a per-episode weight.
    """

    def __init__(self, m0: torch.Tensor, l0: float = 1.0, n0: float = 1.0, prior_var: float = 1e-2):
        super().__init__()
        d = m0.numel()
        self.m0 = nn.Parameter(m0.clone())
        self.raw_l0 = nn.Parameter(torch.tensor(_softplus_inv(l0), dtype=m0.dtype))
        self.raw_n0 = nn.Parameter(torch.tensor(_softplus_inv(n0), dtype=m0.dtype))
        self.raw_lam = nn.Parameter(torch.full((d,), _softplus_inv(n0 * prior_var), dtype=m0.dtype))

    @property
    def l0(self):
        return nn.functional.softplus(self.raw_l0)

    @property
    def n0(self):
        return nn.functional.softplus(self.raw_n0)

    @property
    def lam(self):
        return nn.functional.softplus(self.raw_lam)

    def prior_precision(self) -> torch.Tensor:
        """``E_q[1/sigma_j^2] = n0 / lambda_j``, shape ``(d,)``."""
        return self.n0 / self.lam

    def local_posterior(self, mbar: torch.Tensor, A: torch.Tensor):
        """Closed-form local posterior ``q_i = N(m, diag(V))`` (paper, Sec. 3.2): minimiser over
        Gaussians ``q`` of ``E_q[1/2 (theta-mbar)^T A (theta-mbar)] + E_{q(mu,Sigma)} KL(q ||
        N(mu, Sigma))``, i.e. ``V = 1/(A + n0/lambda)``, ``m = V (A mbar + (n0/lambda) m0)``.
        ``mbar`` and ``A`` (``(B, d)``) are constants; ``m``, ``V`` depend on the global
        parameters differentiably."""
        p = self.prior_precision()
        V = 1.0 / (A + p)
        return V * (A * mbar + p * self.m0), V

    def expected_local_kl(self, m: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
        """``E_{q(mu,Sigma)} KL(N(m, diag V) || N(mu, Sigma))`` per episode (``m``, ``V`` of shape
        ``(B, d)``): per weight, ``1/2 [E log sigma^2 - log V + (n0/lambda)(V + (m - m0)^2)
        + 1/l0 - 1]`` with ``E log sigma^2 = log(lambda/2) - digamma(n0/2)``."""
        e_log_s2 = torch.log(self.lam / 2) - torch.digamma(self.n0 / 2)
        per = e_log_s2 - torch.log(V) + self.prior_precision() * (V + (m - self.m0) ** 2) + 1 / self.l0 - 1
        return 0.5 * per.sum(-1)

    def kl_to(self, m_p, l_p, lam_p, n_p) -> torch.Tensor:
        """``KL(q(mu, Sigma) || NIW(m_p, l_p, lam_p, n_p))`` summed over weights (diagonal)."""
        aq, bq = self.n0 / 2, self.lam / 2
        ap, bp = n_p / 2, lam_p / 2
        ap, bp = torch.as_tensor(ap, dtype=bq.dtype), torch.as_tensor(bp, dtype=bq.dtype)
        kl_ig = ((aq - ap) * torch.digamma(aq) - torch.lgamma(aq) + torch.lgamma(ap)
                 + ap * (torch.log(bq) - torch.log(bp)) + aq * (bp - bq) / bq)
        r = l_p / self.l0
        kl_n = 0.5 * (r - 1 - torch.log(r) + l_p * (self.m0 - m_p) ** 2 * self.prior_precision())
        return (kl_ig + kl_n).sum()


def niw_conjugate_update(m_p, l_p, lam_p, n_p, means: torch.Tensor, variances: torch.Tensor):
    """Optimal ``q(mu, Sigma)`` given fixed Gaussian local posteriors ``N(means_i, diag
    variances_i)``, ``i = 1..N``: the conjugate NIW update with expected sufficient statistics,
    ``n = n_p + N``, ``l = l_p + N``, ``m = (l_p m_p + sum_i m_i) / l``,
    ``lambda = lam_p + sum_i (V_i + m_i^2) + l_p m_p^2 - l m^2``."""
    N = means.shape[0]
    n, l = n_p + N, l_p + N
    m = (l_p * m_p + means.sum(0)) / l
    lam = lam_p + (variances + means ** 2).sum(0) + l_p * m_p ** 2 - l * m ** 2
    return m, l, lam, n


def niw_loss(niw: DiagNIW, batch, sizes, lr: float, steps: int, noise_var: float,
             a_max: float = 1e4, kl_weight: float = 1.0, sample: bool = True,
             clip: float | None = None,
             global_kl_weight: float = 0.0, prior=None,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """NIW-Meta's per-episode objective for a batch of episodes (to minimise).

    1. ``mbar``: ``steps`` SGD steps on the support MSE from ``m0`` (no graph kept);
    2. ``A``: diagonal Gauss-Newton of the support negative log-likelihood
       ``sum_n (f(x_n) - y_n)^2 / (2 noise_var)`` at ``mbar``, clipped at ``a_max``;
    3. closed-form local posterior ``q_i = N(m, V)`` (:meth:`DiagNIW.local_posterior`);
    4. loss = query NLL at one reparameterised sample ``theta ~ q_i`` + expected local KL
       (per episode, averaged) + ``global_kl_weight * KL(q(mu,Sigma) || prior)``.
    """
    xs, ys, xq, yq = batch[:4]
    B = xs.shape[0]
    with torch.no_grad():
        start = niw.m0.detach().expand(B, -1).clone()
    mbar = inner_sgd(start, xs, ys, sizes, lr, steps, create_graph=False, clip=clip).detach()
    A = (ggn_diag(mbar, xs, sizes) / noise_var).clamp(max=a_max)
    m, V = niw.local_posterior(mbar, A)
    theta = m
    if sample:
        eps = torch.randn(m.shape, generator=generator, dtype=m.dtype, device=m.device)
        theta = m + V.sqrt() * eps
    nll = ((mlp_forward(theta, xq, sizes) - yq) ** 2).sum(dim=(1, 2)) / (2 * noise_var)
    loss = (nll + kl_weight * niw.expected_local_kl(m, V)).mean()
    if global_kl_weight > 0:
        loss = loss + global_kl_weight * niw.kl_to(*prior)
    return loss


def niw_adapt(niw: DiagNIW, xs, ys, sizes, lr: float, steps: int, noise_var: float,
              a_max: float = 1e4, clip: float | None = None) -> torch.Tensor:
    """Test-time adaptation: the mean of the closed-form local posterior from the support set."""
    with torch.no_grad():
        start = niw.m0.detach().expand(xs.shape[0], -1).clone()
    mbar = inner_sgd(start, xs, ys, sizes, lr, steps, create_graph=False, clip=clip).detach()
    A = (ggn_diag(mbar, xs, sizes) / noise_var).clamp(max=a_max)
    with torch.no_grad():
        m, _ = niw.local_posterior(mbar, A)
    return m


# ----------------------------------------------------------------------------------------------
# cost of a meta-update


class _Held:
    __slots__ = ("t", "__weakref__")


def retained_graph_bytes(loss_fn) -> tuple[torch.Tensor, int]:
    """Run ``loss_fn()`` and return ``(loss, bytes)``, where ``bytes`` is the memory of the tensors
    that the autograd graph of ``loss`` still holds for its backward pass when ``loss_fn`` returns
    (unique storages). Temporary graphs built and freed inside ``loss_fn`` do not count.
    Deterministic: it counts tensors, it does not read an allocator."""
    alive = weakref.WeakSet()

    def pack(t):
        h = _Held()
        h.t = t
        alive.add(h)
        return h

    def unpack(h):
        return h.t

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        loss = loss_fn()
    seen, total = set(), 0
    for h in list(alive):
        st = h.t.untyped_storage()
        key = (st.data_ptr(), st.nbytes())
        if key not in seen:
            seen.add(key)
            total += st.nbytes()
    return loss, total


def time_meta_update(step_fn, repeats: int, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``step_fn()`` (one full meta-update) over ``repeats`` calls."""
    for _ in range(warmup):
        step_fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step_fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]
