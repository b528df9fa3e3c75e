"""Score-based generative modelling with SDEs (Song et al., ICLR 2021), for small data.

Forward SDE ``dx = f(x, t) dt + g(t) dw`` on t in [0, T] (paper eq. 5); here f is linear in x,
so the transition kernel is Gaussian, ``x_t = m(t) x_0 + s(t) z`` (``marginal``). Given a score
``score(x, t) ~ grad_x log p_t(x)``:

* reverse-time SDE (eq. 6)   ``dx = [f - g^2 score] dt + g dw_bar``  -> :func:`reverse_sde_sample`
  (Euler-Maruyama or reverse-diffusion predictor, optional Langevin corrector, Algorithms 2-5);
* probability-flow ODE (eq. 13) ``dx = [f - g^2 score / 2] dt``    -> :func:`pf_ode_sample`, and
  its instantaneous change of variables (eq. 39) ``d log p / dt = -div f~`` gives the exact
  log-likelihood :func:`pf_ode_log_likelihood` (exact divergence by autograd, fine in low d);
* denoising score matching (eq. 7) trains a :class:`ScoreNet` with :func:`dsm_loss`.

Conventions follow the authors' code (yang-song/score_sde_pytorch): T = 1, the VE kernel std is
sigma(t) itself (eq. 30 subtracts sigma(0)^2, a difference of order sigma_min^2), the prior is
N(0, sigma_max^2 I) for VE and N(0, I) for VP. Tensors are (n, d); times are scalars or (n,).
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from repro.nn.models import mlp

ScoreFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class SDE:
    """A forward SDE with linear drift f(x, t) = a(t) x and scalar diffusion g(t)."""

    T = 1.0

    def marginal(self, t):
        """(m(t), s(t)) with x_t | x_0 ~ N(m(t) x_0, s(t)^2 I)."""
        raise NotImplementedError

    def drift(self, x, t):
        raise NotImplementedError

    def diffusion(self, t):
        raise NotImplementedError

    def prior_std(self) -> float:
        raise NotImplementedError

    def prior_sample(self, n: int, dim: int, generator=None, dtype=torch.float64, device=None) -> torch.Tensor:
        return self.prior_std() * torch.randn(n, dim, generator=generator, dtype=dtype, device=device)

    def prior_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        s2 = self.prior_std() ** 2
        d = x.shape[1]
        return -0.5 * (x ** 2).sum(1) / s2 - 0.5 * d * math.log(2 * math.pi * s2)

    def corrector_alpha(self, t, dt: float):
        """Langevin step-size factor: 1 for VE; 1 - beta(t) dt (the discrete alpha_i) for VP."""
        return 1.0


class VESDE(SDE):
    """Variance exploding SDE (eq. 9 / 30): sigma(t) = sigma_min (sigma_max / sigma_min)^t, f = 0,
    g(t) = sigma(t) sqrt(2 log(sigma_max / sigma_min)). Paper defaults sigma_min = 0.01 and
    sigma_max about the largest distance between data points (Song & Ermon 2020, technique 1)."""

    def __init__(self, sigma_min: float = 0.01, sigma_max: float = 10.0):
        if not 0 < sigma_min < sigma_max:
            raise ValueError("need 0 < sigma_min < sigma_max")
        self.sigma_min, self.sigma_max = sigma_min, sigma_max
        self.log_ratio = math.log(sigma_max / sigma_min)

    def sigma(self, t):
        t = t if torch.is_tensor(t) else torch.as_tensor(t, dtype=torch.float64)
        return self.sigma_min * torch.exp(t * self.log_ratio)

    def marginal(self, t):
        s = self.sigma(t)
        return torch.ones_like(s), s

    def drift(self, x, t):
        return torch.zeros_like(x)

    def diffusion(self, t):
        return self.sigma(t) * math.sqrt(2 * self.log_ratio)

    def prior_std(self) -> float:
        return self.sigma_max


class VPSDE(SDE):
    """Variance preserving SDE (eq. 11 / 29): beta(t) = beta_min + t (beta_max - beta_min),
    f = -beta x / 2, g = sqrt(beta); m(t) = exp(-t^2 (beta_max - beta_min)/4 - t beta_min / 2),
    s(t)^2 = 1 - m(t)^2. Paper defaults beta_min = 0.1, beta_max = 20."""

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0):
        if not 0 <= beta_min < beta_max:
            raise ValueError("need 0 <= beta_min < beta_max")
        self.beta_min, self.beta_max = beta_min, beta_max

    def beta(self, t):
        return self.beta_min + t * (self.beta_max - self.beta_min)

    def marginal(self, t):
        t = torch.as_tensor(t, dtype=torch.float64) if not torch.is_tensor(t) else t
        log_m = -0.25 * t ** 2 * (self.beta_max - self.beta_min) - 0.5 * t * self.beta_min
        return torch.exp(log_m), torch.sqrt(-torch.expm1(2 * log_m))

    def drift(self, x, t):
        b = torch.as_tensor(self.beta(t), dtype=x.dtype)
        return -0.5 * (b[:, None] if b.dim() else b) * x

    def diffusion(self, t):
        t = t if torch.is_tensor(t) else torch.as_tensor(t, dtype=torch.float64)
        return torch.sqrt(self.beta(t))

    def prior_std(self) -> float:
        return 1.0

    def corrector_alpha(self, t, dt: float):
        return 1.0 - float(self.beta(float(t))) * dt


def _col(v, x):
    """A scalar or (n,) tensor as something that broadcasts against x of shape (n, d)."""
    v = torch.as_tensor(v, dtype=x.dtype, device=x.device)
    return v[:, None] if v.dim() == 1 else v


# ---------------------------------------------------------------- score model and training
class ScoreNet(nn.Module):
    """MLP score model s(x, t) = net([x, emb(t)]) / s(t) (output scaled by the kernel std, as the
    authors' ``scale_by_sigma`` for VE; the network then predicts -z, which is O(1)).

    emb(t) = [sin(pi k t), cos(pi k t)]_{k=1..n_freq}, a low-frequency Fourier time embedding.
    The input x_t is divided by its typical scale sqrt(m^2 data_std^2 + s^2) (our addition, in
    the spirit of Karras et al. 2022: VE inputs reach |x| ~ sigma_max, which a small MLP handles
    badly otherwise).
    """

    def __init__(self, sde: SDE, dim: int = 2, hidden=(128, 128, 128), n_freq: int = 4,
                 activation: str = "silu", data_std: float = 1.0):
        super().__init__()
        self.sde, self.data_std = sde, data_std
        self.register_buffer("freqs", math.pi * torch.arange(1, n_freq + 1, dtype=torch.float32))
        self.net = mlp(dim + 2 * n_freq, hidden, dim, activation)

    def forward(self, x: torch.Tensor, t) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
        t = t.expand(x.shape[0]) if t.dim() == 0 else t
        a = t[:, None] * self.freqs.to(x.dtype)
        m, s = self.sde.marginal(t)
        m, s = m[:, None].to(x.dtype), s[:, None].to(x.dtype)
        c_in = torch.rsqrt(m ** 2 * self.data_std ** 2 + s ** 2)
        h = self.net(torch.cat([c_in * x, torch.sin(a), torch.cos(a)], 1))
        return h / s


def dsm_loss(score_model: ScoreFn, sde: SDE, x0: torch.Tensor, eps: float = 1e-5,
             reduce: bool = True, generator=None) -> torch.Tensor:
    """Denoising score matching, eq. 7 with lambda(t) = s(t)^2 (the authors' default weighting):

        E_t E_z || s(t) score(m x0 + s z, t) + z ||^2,  t ~ U(eps, T), z ~ N(0, I).

    Minimised by the true score of p_t. Returns the batch mean, or per-example losses.
    ``x0`` is (n, d), or (n, K, d) for a :class:`ScoreNetEnsemble` (one time per example and member;
    per-example losses are then (n, K)).
    """
    t = eps + (sde.T - eps) * torch.rand(x0.shape[:-1], generator=generator, dtype=x0.dtype, device=x0.device)
    z = torch.randn(x0.shape, generator=generator, dtype=x0.dtype, device=x0.device)
    m, s = sde.marginal(t)
    m, s = m[..., None].to(x0.dtype), s[..., None].to(x0.dtype)
    out = score_model(m * x0 + s * z, t)
    per = ((s * out + z) ** 2).sum(-1)
    return per.mean() if reduce else per


class ScoreNetEnsemble(nn.Module):
    """K independent :class:`ScoreNet` s of one architecture, trained in one batched pass.

    Member k has its own initialisation (PyTorch's default, drawn member by member), its own
    training data and its own noise draws: ``forward(x, t)`` takes x of shape (n, K, d) (column k
    is member k's mini-batch) and t of shape (n, K), and returns (n, K, d). Adam and the weight
    EMA act element-wise, and the DSM loss summed over members gives each member exactly the
    gradient of its own loss, so training the ensemble is K independent training runs that share
    the Python overhead of one. ``member(k)`` returns member k as a standalone :class:`ScoreNet`.
    """

    def __init__(self, sde: SDE, n_members: int, dim: int = 2, hidden=(128, 128, 128), n_freq: int = 4,
                 data_std: float = 1.0):
        super().__init__()
        if n_members < 1:
            raise ValueError(f"n_members={n_members}; need at least 1")
        self.sde, self.dim, self.hidden, self.n_freq, self.data_std = sde, dim, tuple(hidden), n_freq, data_std
        members = [ScoreNet(sde, dim, hidden, n_freq, "silu", data_std) for _ in range(n_members)]
        self.register_buffer("freqs", members[0].freqs.clone())
        linears = [[m for m in net.net if isinstance(m, nn.Linear)] for net in members]
        self.weights = nn.ParameterList(nn.Parameter(torch.stack([ls[i].weight.detach() for ls in linears]))
                                        for i in range(len(linears[0])))
        self.biases = nn.ParameterList(nn.Parameter(torch.stack([ls[i].bias.detach() for ls in linears]))
                                       for i in range(len(linears[0])))

    @property
    def n_members(self) -> int:
        return self.weights[0].shape[0]

    def forward(self, x: torch.Tensor, t) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
        t = t.expand(x.shape[:-1]) if t.dim() == 0 else t
        a = t[..., None] * self.freqs.to(x.dtype)
        m, s = self.sde.marginal(t)
        m, s = m[..., None].to(x.dtype), s[..., None].to(x.dtype)
        c_in = torch.rsqrt(m ** 2 * self.data_std ** 2 + s ** 2)
        h = torch.cat([c_in * x, torch.sin(a), torch.cos(a)], -1).transpose(0, 1)  # (K, n, in)
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b[:, None, :], h, w.transpose(1, 2))
            if i < last:
                h = nn.functional.silu(h)
        return h.transpose(0, 1) / s

    def member(self, k: int) -> ScoreNet:
        """Member k as a standalone :class:`ScoreNet` (a copy of its weights)."""
        net = ScoreNet(self.sde, self.dim, self.hidden, self.n_freq, "silu", self.data_std)
        linears = [m for m in net.net if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for lin, w, b in zip(linears, self.weights, self.biases):
                lin.weight.copy_(w[k])
                lin.bias.copy_(b[k])
        return net.to(self.freqs.device)


class DSMObjective(nn.Module):
    """Wraps a score model so that ``forward(x0)`` returns per-example DSM losses.

    This fits the book's generic loop ``repro.nn.training.train(objective, lambda l, _: l.mean(),
    X, y)``: every mini-batch draws fresh (t, z) from PyTorch's global generator. For the
    authors' weight averaging (EMA, decay 0.999 for VE models) pass
    ``after_step=lambda: ema.update_parameters(score_model)`` with ``repro.nn.training.ema_model``.
    """

    def __init__(self, score_model: nn.Module, sde: SDE, eps: float = 1e-5):
        super().__init__()
        self.score_model, self.sde, self.eps = score_model, sde, eps

    def forward(self, x0):
        return dsm_loss(self.score_model, self.sde, x0, self.eps, reduce=False)


# ---------------------------------------------------------------- samplers
def langevin_corrector(sde: SDE, score_fn: ScoreFn, x: torch.Tensor, t: float, n_steps: int = 1,
                       snr: float = 0.16, dt: float = 0.0, generator=None) -> torch.Tensor:
    """Annealed Langevin corrector at fixed time t (Algorithms 4/5).

    Step size eps = 2 alpha (snr ||z|| / ||score||)^2 with norms averaged over the batch, as in
    the authors' code; then x <- x + eps score + sqrt(2 eps) z.
    """
    alpha = sde.corrector_alpha(t, dt)
    for _ in range(n_steps):
        g = score_fn(x, torch.full((x.shape[0],), t, dtype=x.dtype, device=x.device))
        z = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
        step = 2 * alpha * (snr * z.norm(dim=1).mean() / g.norm(dim=1).mean()) ** 2
        x = x + step * g + torch.sqrt(2 * step) * z
    return x


def reverse_sde_sample(sde: SDE, score_fn: ScoreFn, x_T: torch.Tensor, n_steps: int,
                       corrector_steps: int = 0, snr: float = 0.16, eps: float = 1e-3,
                       predictor: str = "euler_maruyama", denoise: bool = True,
                       generator=None, corrector_min_t: float = 0.0) -> tuple[torch.Tensor, int]:
    """Predictor(-corrector) sampling of the reverse-time SDE (eq. 6) from ``x_T`` at t = T to eps.

    Grid t_i = linspace(T, eps, n_steps + 1). At each t_i (i < n_steps): ``corrector_steps``
    Langevin steps at t_i, then one predictor step to t_{i+1}:

    * ``euler_maruyama``: x <- x - [f - g^2 score] dt + g sqrt(dt) z (eq. 6 discretised);
    * ``reverse_diffusion``: the discrete reverse of the forward chain (eq. 45-47), for VE
      x <- x + (s_i^2 - s_{i+1}^2) score + sqrt(s_i^2 - s_{i+1}^2) z; for VP we divide by the
      chain's exact per-step scaling a = m_i / m_{i+1} where eq. 47 uses its first-order form.

    With ``denoise`` the last step returns its mean (no noise), as the authors' samplers do.
    ``corrector_min_t`` > 0 skips the corrector below that time (a diagnostic, not in the paper).
    Returns the samples and the number of score evaluations per sample.
    """
    if predictor not in ("euler_maruyama", "reverse_diffusion"):
        raise ValueError(f"predictor={predictor!r}; choose 'euler_maruyama' or 'reverse_diffusion'")
    ts = torch.linspace(sde.T, eps, n_steps + 1, dtype=torch.float64)
    x, nfe = x_T.clone(), 0
    n = x.shape[0]
    for i in range(n_steps):
        t, t_next = float(ts[i]), float(ts[i + 1])
        dt = t - t_next
        if corrector_steps and t >= corrector_min_t:
            x = langevin_corrector(sde, score_fn, x, t, corrector_steps, snr, dt, generator)
            nfe += corrector_steps
        tt = torch.full((n,), t, dtype=x.dtype, device=x.device)
        score = score_fn(x, tt)
        nfe += 1
        z = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
        if predictor == "euler_maruyama":
            g = float(sde.diffusion(torch.tensor(t, dtype=torch.float64)))
            mean = x - (sde.drift(x, tt) - g ** 2 * score) * dt
            noise = g * math.sqrt(dt) * z
        else:
            m0, s0 = (float(v) for v in sde.marginal(torch.tensor(t, dtype=torch.float64)))
            m1, s1 = (float(v) for v in sde.marginal(torch.tensor(t_next, dtype=torch.float64)))
            a = m0 / m1                       # per-step scaling of the forward chain
            var = s0 ** 2 - a ** 2 * s1 ** 2  # per-step noise variance of the forward chain
            mean = x / a + var / a * score
            noise = math.sqrt(var) / a * z
        x = mean if (denoise and i == n_steps - 1) else mean + noise
    return x, nfe


def pf_ode_drift(sde: SDE, score_fn: ScoreFn, x: torch.Tensor, t) -> torch.Tensor:
    """Probability-flow drift f~(x, t) = f(x, t) - g(t)^2 score(x, t) / 2 (eq. 13)."""
    tt = torch.as_tensor(t, dtype=x.dtype, device=x.device)
    tt = tt.expand(x.shape[0]) if tt.dim() == 0 else tt
    g = sde.diffusion(tt).to(x.dtype)
    return sde.drift(x, tt) - 0.5 * _col(g, x) ** 2 * score_fn(x, tt)


def divergence(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor):
    """(fn(x), exact divergence sum_i d fn_i / d x_i) by d autograd passes; rows independent."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        y = fn(x)
        div = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        for i in range(x.shape[1]):
            div = div + torch.autograd.grad(y[:, i].sum(), x, retain_graph=i < x.shape[1] - 1)[0][:, i]
    return y.detach(), div.detach()


def _ode_solve(rhs, state, t0: float, t1: float, n_steps: int, method: str):
    """Fixed-step Euler or classical RK4 for a tuple state; returns the state at t1."""
    if method not in ("euler", "rk4"):
        raise ValueError(f"method={method!r}; choose 'euler' or 'rk4'")
    h = (t1 - t0) / n_steps
    add = lambda s, k, c: tuple(a + c * b for a, b in zip(s, k))  # noqa: E731
    for i in range(n_steps):
        t = t0 + i * h
        k1 = rhs(state, t)
        if method == "euler":
            state = add(state, k1, h)
            continue
        k2 = rhs(add(state, k1, h / 2), t + h / 2)
        k3 = rhs(add(state, k2, h / 2), t + h / 2)
        k4 = rhs(add(state, k3, h), t + h)
        state = tuple(s + h / 6 * (a + 2 * b + 2 * c + d) for s, a, b, c, d in zip(state, k1, k2, k3, k4))
    return state


def pf_ode_sample(sde: SDE, score_fn: ScoreFn, x_T: torch.Tensor, n_steps: int, eps: float = 1e-3,
                  method: str = "rk4") -> tuple[torch.Tensor, int]:
    """Integrate the probability-flow ODE (eq. 13) from T down to eps; deterministic given x_T.
    Returns samples and score evaluations per sample (4 per RK4 step)."""
    with torch.no_grad():
        (x,) = _ode_solve(lambda s, t: (pf_ode_drift(sde, score_fn, s[0], t),), (x_T.clone(),),
                          sde.T, eps, n_steps, method)
    return x, n_steps * (4 if method == "rk4" else 1)


def pf_ode_log_likelihood(sde: SDE, score_fn: ScoreFn, x: torch.Tensor, n_steps: int,
                          eps: float = 1e-5, method: str = "rk4") -> tuple[torch.Tensor, torch.Tensor]:
    """Exact log-likelihood under the probability-flow model (eq. 39, Appendix D.2):

        log p_eps(x) = log p_T(x_T) + int_eps^T div f~(x_t, t) dt,

    integrating x forward from eps to T together with the divergence, computed exactly by
    autograd (no Hutchinson estimator: we are in low dimension). Returns (log p, x_T).
    """
    def rhs(state, t):
        y, div = divergence(lambda z: pf_ode_drift(sde, score_fn, z, t), state[0])
        return y, div

    x_T, integral = _ode_solve(rhs, (x.detach().clone(), torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)),
                               eps, sde.T, n_steps, method)
    return sde.prior_log_prob(x_T) + integral, x_T


# ---------------------------------------------------------------- independent training runs
def train_score_ensemble(sde: SDE, x_train: torch.Tensor, hidden=(128, 128, 128),
                         schedule=((100, 2e-3), (50, 5e-4)), batch_size: int = 256,
                         ema_decay: float = 0.999, generator=None, device="cpu", eps: float = 1e-5):
    """Train K independent score networks by denoising score matching, one per data set.

    ``x_train`` is (n, K, d): column k is the training set of member k. Members are initialised
    from PyTorch's global generator (seed it first); ``generator`` shuffles the mini-batches;
    (t, z) are drawn afresh for every mini-batch. ``schedule`` lists (epochs, learning rate) stages
    of Adam. Every step goes through :func:`repro.nn.training.train`; the weights are averaged
    with an EMA of decay ``ema_decay`` (the authors' VE setting). Returns the EMA ensemble in
    evaluation mode and the mean loss per epoch (summed over members).
    """
    from repro.nn.training import ema_model, train

    if x_train.dim() != 3:
        raise ValueError(f"x_train has shape {tuple(x_train.shape)}; expected (n, K, d)")
    n, K, d = x_train.shape
    net = ScoreNetEnsemble(sde, K, d, hidden).to(device)
    objective = DSMObjective(net, sde, eps)
    ema = ema_model(net, ema_decay)
    X = x_train.float().to(device)
    history = []
    for epochs, lr in schedule:
        history += train(objective, lambda losses, _: losses.mean(0).sum(), X, torch.zeros(n, device=device),
                         epochs=epochs, batch_size=batch_size, lr=lr, generator=generator,
                         desc=f"DSM x{K} lr={lr:g}", after_step=lambda: ema.update_parameters(net))
    return ema.module.eval(), history


# ---------------------------------------------------------------- sample quality
def _gauss_kernel_mean(diff: torch.Tensor, cov: torch.Tensor, bandwidth: float) -> torch.Tensor:
    """E exp(-|u|^2 / (2 h^2)) for u ~ N(diff, cov): h^d det(cov + h^2 I)^(-1/2) exp(-diff' A^-1 diff / 2)."""
    d = diff.shape[-1]
    a = cov + bandwidth ** 2 * torch.eye(d, dtype=cov.dtype)
    sol = torch.linalg.solve(a, diff.unsqueeze(-1)).squeeze(-1)
    return bandwidth ** d * torch.exp(-0.5 * (diff * sol).sum(-1)) / torch.sqrt(torch.linalg.det(a))


def mmd2_to_mixture(x, mixture, bandwidth: float) -> float:
    """Unbiased squared MMD between samples ``x`` (n, d) and a Gaussian mixture, RBF kernel.

    With k(x, y) = exp(-|x - y|^2 / (2 h^2)), the expectations over the mixture are Gaussian
    integrals in closed form, so only the samples' own term is estimated:

        MMD^2 = mean_{i != j} k(x_i, x_j) - 2 mean_i E_p k(x_i, Y) + E_{p x p} k(Y, Y').

    It estimates the same quantity as :func:`repro.stats.metrics.mmd2_rbf` against data drawn from
    the mixture, without the noise of a finite reference sample. ``mixture`` has ``weights`` (K,),
    ``means`` (K, d) and ``covs`` (K, d, d) (e.g. :class:`repro.data.toy2d.GaussianMixture`).
    """
    x = torch.as_tensor(x, dtype=torch.float64).cpu()
    n = x.shape[0]
    if n < 2:
        raise ValueError("need at least 2 samples")
    w = torch.as_tensor(mixture.weights, dtype=torch.float64)
    mu = torch.as_tensor(mixture.means, dtype=torch.float64)
    cov = torch.as_tensor(mixture.covs, dtype=torch.float64)
    sq = (x ** 2).sum(1)
    d2 = (sq[:, None] + sq[None, :] - 2 * x @ x.T).clamp_min(0)
    kxx = torch.exp(-d2 / (2 * bandwidth ** 2))
    self_term = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
    cross = (w * _gauss_kernel_mean(x[:, None, :] - mu[None], cov[None], bandwidth)).sum(1).mean()
    pp = (w[:, None] * w[None, :] * _gauss_kernel_mean(mu[:, None] - mu[None], cov[:, None] + cov[None],
                                                        bandwidth)).sum()
    return float(self_term - 2 * cross + pp)


def mmd2_null_sd(mixture, bandwidth: float, n: int, generator=None, n_mc: int = 20_000) -> float:
    """Standard deviation of :func:`mmd2_to_mixture` for ``n`` exact samples of the mixture.

    Under the null the statistic is a degenerate U-statistic with the centred kernel
    h(x, x') = k(x, x') - mu(x) - mu(x') + mu_bar (mu(x) = E_p k(x, Y), mu_bar = E k(Y, Y')), so
    its variance is 2 E[h(X, X')^2] / (n (n - 1)) with E h^2 = E k(X, X')^2 - 2 E mu(X)^2 + mu_bar^2.
    E k^2 and mu_bar are Gaussian integrals in closed form (k^2 is the RBF kernel of bandwidth
    h / sqrt 2); E mu(X)^2 is a Monte Carlo mean over ``n_mc`` samples drawn with ``generator``.
    """
    w = torch.as_tensor(mixture.weights, dtype=torch.float64)
    mu = torch.as_tensor(mixture.means, dtype=torch.float64)
    cov = torch.as_tensor(mixture.covs, dtype=torch.float64)

    def pair_mean(h):  # E k_h(Y, Y') over independent draws of the mixture
        return float((w[:, None] * w[None, :] * _gauss_kernel_mean(mu[:, None] - mu[None], cov[:, None] + cov[None],
                                                                   h)).sum())

    ek2 = pair_mean(bandwidth / math.sqrt(2))  # k(x, y)^2 is the RBF kernel of bandwidth h / sqrt 2
    mu_bar = pair_mean(bandwidth)
    y = mixture.sample(n_mc, generator)
    mux = (w * _gauss_kernel_mean(y[:, None, :] - mu[None], cov[None], bandwidth)).sum(1)
    eh2 = ek2 - 2 * float((mux ** 2).mean()) + mu_bar ** 2
    return math.sqrt(max(eh2, 0.0) * 2 / (n * (n - 1)))
