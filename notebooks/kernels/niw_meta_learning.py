# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A Hierarchical Bayesian Model for Deep Few-Shot Meta Learning
#
# {cite}`kim2023hierarchical` · [arXiv:2306.09702](https://arxiv.org/abs/2306.09702)
# · [authors' repository (minyoungkim21/niwmeta)](https://github.com/minyoungkim21/niwmeta)
# (its README only; everything below is our own implementation).
#
# Gradient-based meta learning such as MAML learns a shared initialisation by differentiating
# *through* the inner gradient steps taken on each episode: the graph of all $K$ steps is kept
# in memory and back-propagated through twice. Kim and Hospedales cast the problem as a
# hierarchical Bayesian model instead: every episode $i$ has its own network weights
# $\theta_i \sim N(\mu, \Sigma)$, and the global pair $(\mu, \Sigma)$ has a
# Normal-Inverse-Wishart (NIW) posterior that accumulates what the episodes have in common. The
# local posterior of each episode is available in (approximately) closed form, so each episode
# is visited once and no inner-loop graph is kept.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** With an NIW variational posterior over the global variables and a quadratic
# approximation of each episode's loss around a point reached by a few SGD steps, the optimal
# local posterior is a closed-form function of the global parameters; meta-training then needs
# neither stored local posteriors nor the unrolled inner-loop graph, and reaches few-shot
# accuracy as good as or better than MAML and ProtoNet (miniImageNet, tieredImageNet, and
# sinusoid/line regression in the paper).
#
# **This chapter checks** (tier B: the mechanism at toy scale; thresholds fixed before running,
# the first two from the catalog's check):
# 1. *accuracy*: on 5-shot sinusoid regression with MAML's 1-40-40-1 ReLU network and the same
#    number $K = 5$ of inner SGD steps, NIW-Meta's mean test MSE over 500 new episodes is at most
#    1.1 times second-order MAML's;
# 2. *memory*: the tensors the meta-gradient's autograd graph keeps for the backward pass do not
#    grow with $K$ for NIW-Meta (ratio $K{=}10$ to $K{=}1$ below 1.1) and grow about linearly for
#    MAML (ratio above 4);
# 3. *time*: the extra wall-clock time of one meta-update per additional inner step is at most
#    half as large for NIW-Meta as for second-order MAML (least-squares slope of the time of a
#    meta-update against $K \in \{1, 2, 5, 10\}$, fastest of repeated timings). The catalog's draft asked for a time ratio below 2 for NIW; but
#    NIW still *runs* the $K$ SGD steps (without a graph), so its time cannot be flat in $K$: what
#    the paper's argument predicts is a smaller slope, which is what we test.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
k_shot = 5  # support points per episode
inner_steps = 5  # K inner SGD steps (all methods) in the accuracy experiment
inner_lr = 0.01  # inner SGD step size (MAML's sinusoid value)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book.params import check_float, check_int
from repro.book.progress import progress
from repro.papers.kernels import meta_learning as ml
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)
check_int("k_shot", k_shot, minimum=1, maximum=50)
check_int("inner_steps", inner_steps, minimum=1, maximum=20)
check_float("inner_lr", inner_lr, minimum=1e-4, maximum=0.1)
dev = run.device

SIZES = (1, 40, 40, 1)
META_ITERS = run.pick(600, 10000)
META_BATCH = 25
N_QUERY = 10
N_TEST = 500
META_LR = 3e-3
CLIP = 10.0  # per-episode cap on the inner gradient norm, all methods
NOISE_VAR = 0.1  # Gaussian likelihood variance of NIW-Meta's episode loss
PRIOR_VAR = 0.1  # initial E[Sigma] of the NIW posterior
KL_WEIGHT = 1e-3  # weight of the local KL term in NIW-Meta's per-episode loss
TIMING_REPEATS = run.pick(15, 30)
print(f"{ml.mlp_dim(SIZES)} weights; {META_ITERS} meta-updates of {META_BATCH} episodes; "
      f"{k_shot}-shot, K={inner_steps}, device {dev}")

# %% [markdown]
# ## Method
#
# **Model.** Episode $i$ has data $D_i$ and weights $\theta_i$; $\theta_i \mid \mu, \Sigma \sim
# N(\mu, \Sigma)$ and $(\mu, \Sigma)$ is global. The variational posterior of the global variable is
# $q(\mu, \Sigma) = \mathrm{NIW}(m_0, l_0, \Lambda, n_0)$; we make $\Sigma$ and $\Lambda$
# diagonal, which turns the NIW into one normal-inverse-gamma per weight,
# $\sigma_j^2 \sim \mathrm{IG}(n_0/2, \lambda_j/2)$, $\mu_j \mid \sigma_j^2 \sim N(m_{0j}, \sigma_j^2/l_0)$.
# The per-episode part of the evidence lower bound is
#
# $$
# f_i(q_i) = E_{q_i}[\ell_i(\theta)] + E_{q(\mu,\Sigma)}\,\mathrm{KL}\big(q_i(\theta)\,\|\,N(\mu,\Sigma)\big),
# $$
#
# and under the NIW the second term is, per weight,
# $\tfrac12\big[E\log\sigma_j^2 - \log V_j + \tfrac{n_0}{\lambda_j}(V_j + (m_j - m_{0j})^2) + 1/l_0 - 1\big]$
# for $q_i = N(m, \mathrm{diag}\,V)$.
#
# **Closed-form local posterior.** Take a few SGD steps on the episode's loss from $m_0$ to a
# point $\bar m_i$ and approximate $\ell_i(\theta) \approx \ell_i(\bar m_i) + \tfrac12(\theta - \bar m_i)^\top
# A_i (\theta - \bar m_i)$ ($A_i$: here the diagonal Gauss-Newton matrix of the support set's
# Gaussian negative log-likelihood). Then $f_i$ is minimised by
#
# $$
# V_i = \big(A_i + \tfrac{n_0}{\Lambda}\big)^{-1}, \qquad
# m_i = V_i\big(A_i \bar m_i + \tfrac{n_0}{\Lambda} m_0\big),
# $$
#
# a precision-weighted average of the adapted and the global weights. $\bar m_i$ and $A_i$ are
# treated as constants, so $m_i$ and $V_i$ are cheap, differentiable functions of the global
# parameters $(m_0, l_0, \Lambda, n_0)$: the global parameters are trained by SGD on $f_i$ one
# episode batch at a time, and the graph of the inner SGD steps is thrown away.
#
# **Our few-shot objective.** $q_i$ is computed from the support set (as at test time); the data
# term is the query negative log-likelihood at the posterior mean $m_i$, and the local KL term
# has weight `KL_WEIGHT`. At test time the prediction uses $m_i$ computed from the support set.
# The baselines: second-order MAML (meta-gradient through the $K$ steps) and first-order MAML
# (query gradient at the adapted weights, applied to the initialisation). The code is in
# `src/repro/papers/kernels/meta_learning.py` (tests: `tests/test_meta_learning.py`):

# %%
print(inspect.getsource(ml.DiagNIW.local_posterior))
print(inspect.getsource(ml.niw_loss))

# %% [markdown]
# ## Experiment 1: 5-shot sinusoid regression
#
# MAML's benchmark: $y = a\sin(x - p)$ with $a \sim U(0.1, 5)$, $p \sim U(0, \pi)$,
# $x \sim U(-5, 5)$; `k_shot` support and 10 query points per training episode, 500 new test
# episodes with 50 query points each. All three methods start from the same initialisation and
# see the same episodes; Adam with learning rate `META_LR` on the meta-parameters.

# %%
def train_method(name, steps=inner_steps):
    gen = torch.Generator().manual_seed(1000 * seed + 1)
    theta0 = ml.mlp_init(SIZES, torch.Generator().manual_seed(1000 * seed)).to(dev)
    if name == "NIW-Meta":
        model = ml.DiagNIW(theta0, prior_var=PRIOR_VAR).to(dev)
        params = list(model.parameters())
    else:
        model = torch.nn.Parameter(theta0.clone())
        params = [model]
    opt = torch.optim.Adam(params, lr=META_LR)
    curve = []
    for it in progress(range(META_ITERS), desc=name):
        batch = ml.sinusoid_tasks(META_BATCH, k_shot, N_QUERY, gen, device=dev)
        if name == "NIW-Meta":
            loss = ml.niw_loss(model, batch, SIZES, inner_lr, steps, NOISE_VAR, kl_weight=KL_WEIGHT,
                               sample=False, clip=CLIP)
        else:
            loss = ml.maml_loss(model, batch, SIZES, inner_lr, steps,
                                first_order=(name == "FO-MAML"), clip=CLIP)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        curve.append(loss.item())
    return model, curve


def test_mse(name, model, steps=inner_steps):
    gen = torch.Generator().manual_seed(10_000 + seed)
    xs, ys, xq, yq, _ = ml.sinusoid_tasks(N_TEST, k_shot, 50, gen, device=dev)
    if name == "NIW-Meta":
        theta = ml.niw_adapt(model, xs, ys, SIZES, inner_lr, steps, NOISE_VAR, clip=CLIP)
    else:
        start = model.detach().expand(N_TEST, -1)
        theta = ml.inner_sgd(start, xs, ys, SIZES, inner_lr, steps, create_graph=False, clip=CLIP).detach()
    return ml.task_mse(theta, xq, yq, SIZES).detach().cpu().numpy(), (theta, xs, ys)


METHODS = ("MAML", "FO-MAML", "NIW-Meta")
models, curves, mse, adapted = {}, {}, {}, {}
for name in METHODS:
    models[name], curves[name] = train_method(name)
    mse[name], adapted[name] = test_mse(name, models[name])
gen = torch.Generator().manual_seed(10_000 + seed)
_, _, _, yq_test, _ = ml.sinusoid_tasks(N_TEST, k_shot, 50, gen)
zero_mse = float((yq_test ** 2).mean())
for name in METHODS:
    m, h = mean_ci(mse[name])
    print(f"{name:9s} test MSE {m:.3f} +- {h:.3f}")
print(f"predicting 0: {zero_mse:.3f}")
niw = models["NIW-Meta"]
print(f"NIW posterior: n0={niw.n0.item():.2f}, l0={niw.l0.item():.2f}, "
      f"median E[sigma^2]={float((niw.lam / niw.n0).median()):.4f}")

# %%
fig, ax = plt.subplots(1, 2, figsize=(11, 4))
w = 50
for name in ("MAML", "FO-MAML"):
    c = np.convolve(curves[name], np.ones(w) / w, mode="valid")
    ax[0].plot(c, label=name)
ax[0].set(xlabel="meta-update", ylabel="query MSE (moving average)", title="MAML training", yscale="log")
ax[0].legend()
theta, xs, ys = adapted["NIW-Meta"]
grid = torch.linspace(-5, 5, 200).reshape(1, -1, 1).to(dev)
gen = torch.Generator().manual_seed(10_000 + seed)
*_, (amp, ph) = ml.sinusoid_tasks(N_TEST, k_shot, 50, gen)
for name, ls in zip(METHODS, ("-", "--", "-.")):
    th = adapted[name][0][:1]
    ax[1].plot(grid[0, :, 0].cpu(), ml.mlp_forward(th, grid, SIZES)[0, :, 0].detach().cpu(), ls, label=name)
ax[1].plot(grid[0, :, 0].cpu(), amp[0] * torch.sin(grid[0, :, 0].cpu().double() - ph[0]), "k:", label="truth")
ax[1].plot(xs[0, :, 0].cpu(), ys[0, :, 0].cpu(), "ko", label=f"{k_shot} support points")
ax[1].set(xlabel="x", ylabel="y", title="One test episode after adaptation")
ax[1].legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Experiment 2: memory and time of one meta-update against $K$
#
# For $K \in \{1, 2, 5, 10\}$ we build one meta-update on a fixed batch of 25 episodes and
# measure (i) the bytes of the tensors that the meta-loss's autograd graph still holds for the
# backward pass (counted exactly with saved-tensor hooks, so the number is deterministic), and
# (ii) the wall-clock time of a full meta-update (forward, backward, optimiser step), the fastest
# of `TIMING_REPEATS` timings, the methods interleaved so that a busy machine slows them alike.

# %%
KS = (1, 2, 5, 10)
gen = torch.Generator().manual_seed(2000 + seed)
batch = ml.sinusoid_tasks(META_BATCH, k_shot, N_QUERY, gen, device=dev)
theta_init = ml.mlp_init(SIZES, torch.Generator().manual_seed(1))


def make_step(name, K):
    if name == "NIW-Meta":
        mod = ml.DiagNIW(theta_init.to(dev), prior_var=PRIOR_VAR).to(dev)
        params = list(mod.parameters())
        fn = lambda: ml.niw_loss(mod, batch, SIZES, inner_lr, K, NOISE_VAR, kl_weight=KL_WEIGHT,
                                 sample=False, clip=CLIP)
    else:
        p = torch.nn.Parameter(theta_init.clone().to(dev))
        params = [p]
        fn = lambda: ml.maml_loss(p, batch, SIZES, inner_lr, K, first_order=(name == "FO-MAML"), clip=CLIP)
    opt = torch.optim.SGD(params, lr=0.0)

    def step():
        loss = fn()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if dev == "cuda":
            torch.cuda.synchronize()

    return fn, step


mem = {n: [] for n in METHODS}
for name in METHODS:
    for K in KS:
        fn, _ = make_step(name, K)
        _, nbytes = ml.retained_graph_bytes(fn)
        mem[name].append(nbytes)
times = {n: {K: [] for K in KS} for n in METHODS}
steps = {(n, K): make_step(n, K)[1] for n in METHODS for K in KS}
for r in progress(range(TIMING_REPEATS), desc="timing"):
    for K in KS:
        for name in METHODS:
            times[name][K].append(ml.time_meta_update(steps[(name, K)], repeats=1, warmup=int(r == 0)))
tmed = {n: np.array([np.min(times[n][K]) for K in KS]) for n in METHODS}  # min: least load noise
tslope = {n: float(np.polyfit(KS, tmed[n], 1)[0]) for n in METHODS}  # seconds per extra inner step
for name in METHODS:
    print(f"{name:9s} graph MB " + " ".join(f"K={K}: {b / 2**20:.2f}" for K, b in zip(KS, mem[name]))
          + " | ms " + " ".join(f"{t * 1e3:.1f}" for t in tmed[name]) + f" | slope {tslope[name] * 1e3:.2f} ms/step")

fig, ax = plt.subplots(1, 2, figsize=(11, 4))
for name in METHODS:
    ax[0].plot(KS, np.array(mem[name]) / 2**20, "o-", label=name)
    ax[1].plot(KS, tmed[name] * 1e3, "o-", label=name)
ax[0].set(xlabel="inner steps K", ylabel="graph kept for backward (MB)", title="Memory of the meta-gradient")
ax[1].set(xlabel="inner steps K", ylabel="ms per meta-update (min of repeats)", title="Time per meta-update")
ax[0].legend()
plt.show()

# %% tags=["nbval-check-output"]
claims = repro.Claims()
ratio = float(mse["NIW-Meta"].mean() / mse["MAML"].mean())
claims.add(
    "NIW-Meta's 5-shot sinusoid test MSE is within 10% of second-order MAML's (same K)",
    measured={"MSE(NIW) / MSE(MAML)": "<= 1.1" if ratio <= 1.1 else "> 1.1",
              "NIW-Meta beats predicting 0": "yes" if mse["NIW-Meta"].mean() < zero_mse else "no"},
    criterion=f"mean over {N_TEST} test episodes: MSE(NIW-Meta) <= 1.1 x MSE(MAML)",
    passed=bool(ratio <= 1.1))
r_niw = mem["NIW-Meta"][-1] / mem["NIW-Meta"][0]
r_maml = mem["MAML"][-1] / mem["MAML"][0]
claims.add(
    "The meta-gradient graph of NIW-Meta does not grow with K; MAML's grows about linearly",
    measured={"NIW memory K=10 / K=1": f"{r_niw:.1f}", "MAML memory K=10 / K=1": f"{r_maml:.1f}"},
    criterion="ratio < 1.1 for NIW-Meta and > 4 for MAML (retained saved tensors, exact count)",
    passed=bool(r_niw < 1.1 and r_maml > 4))
slope = tslope["NIW-Meta"] / tslope["MAML"]
claims.add(
    "Each extra inner step costs NIW-Meta at most half the time it costs second-order MAML",
    measured={"time slope NIW / MAML": "<= 0.5" if slope <= 0.5 else "> 0.5"},
    criterion="least-squares slope of time vs K (K = 1, 2, 5, 10; fastest of repeated timings): NIW-Meta <= 0.5 x MAML",
    passed=bool(slope <= 0.5))
claims.report()

# %% [markdown]
# ## Verdict
#
# **Claim 1 (accuracy) does not reproduce at this scale.** After 600 meta-updates NIW-Meta's
# 5-shot test MSE is far below that of predicting zero (about 4), so it has meta-learned
# something, but it is well above second-order MAML's: about 1.2 to 1.7 against 0.7 to 1.1 over
# seeds 0, 1, 2 (ratio 1.5 to 2.6, not within 10 %). First-order MAML lies in between. The reason
# is in the approximation that makes NIW-Meta cheap. The inner point $\bar m_i$ is treated as if it
# did not depend on the global mean $m_0$, which holds when the SGD steps reach the episode's
# minimiser. After $K = 5$ small steps they do not, so the real dependence is large. With
# $\bar m_i$ held fixed, $m_0$ gets the query gradient damped by $(n_0/\lambda)/(A_i + n_0/\lambda)$,
# plus a Reptile-like pull towards $\bar m_i$ from the KL term. That is a weakened first-order
# method, and on this benchmark even undamped first-order MAML trails MAML. We also tried the
# paper's sampling-based data term (one reparameterised draw from $q_i$) while setting the method
# up, and it was worse still, near the zero predictor. To get rid of the sampling noise on
# weights the support set does not constrain, the learned prior precision grows until the local
# posterior stays at $m_0$. The paper reports the opposite ranking on miniImageNet and
# tieredImageNet with large pretrained backbones. There only a small head adapts and the
# quadratic approximation is much better. Testing that headline would need those datasets,
# ResNet/ViT backbones and long meta-training, none of which fit here.
#
# **Claim 2 (memory) reproduces.** The graph NIW-Meta keeps for its meta-gradient has the same size
# (1.13 MB for 25 episodes) for every $K$, because the inner steps run without a graph and only the
# closed-form posterior and one query forward pass are differentiated. Second-order MAML's graph
# grows linearly, from 0.48 MB at $K=1$ to 4.03 MB at $K=10$ (×8.4). The count is exact, so it
# is the same on every run.
#
# **Claim 3 (time) reproduces.** Each extra inner step costs NIW-Meta what it costs first-order
# MAML, a plain forward and backward pass. On a quiet machine that was about 0.5 to 0.6 ms,
# against 1.5 to 1.6 ms for second-order MAML. Under heavy load both take two to four times
# longer. The slope ratio was 0.28 to 0.41 in every run we made (seeds 0, 1, 2, quiet and busy
# machine). NIW-Meta's fixed cost is the highest of the three,
# because the diagonal Gauss-Newton takes one backward pass per support point. So it is the
# slowest method at $K = 1$ and wins only as $K$ grows. Its time per update is not flat in $K$,
# because NIW-Meta still takes the $K$ SGD steps. That is why the catalog's draft (a ratio below
# 2 between $K=10$ and $K=1$) could not hold.
#
# ## Deviations from the paper
#
# * **Benchmark and scale.** Only the sinusoid toy (MAML's 1-40-40-1 ReLU network; the paper's
#   regression toy mixes sines and lines), 600 meta-updates of 25 episodes at quick scale (10 000 at
#   full scale) instead of tens of thousands; no image few-shot benchmark and no ProtoNet.
# * **Diagonal NIW.** $\Sigma$ and $\Lambda$ are diagonal (one normal-inverse-gamma per weight)
#   with shared $l_0$, $n_0$; $A_i$ is the diagonal Gauss-Newton matrix of a Gaussian likelihood
#   with variance 0.1 on the support set. The paper's exact choices for $A_i$ and its
#   hyper-parameters were not available to us (the authors' repository held only a README).
# * **Objective.** The local posterior comes from the support set and the data term is the query
#   negative log-likelihood at the posterior mean. The local KL term has weight $10^{-3}$, and the
#   KL of the global posterior to a hyper-prior is left out (its weight per episode vanishes for
#   an unbounded stream of episodes). The sampled data term was worse (see the verdict). These
#   choices were fixed in a short trial on seed 0 before the claims were evaluated; the thresholds
#   were not changed.
# * **Safeguard.** Every method caps each episode's inner-gradient norm at 10. Without the cap,
#   NIW-Meta's inner loop diverged in trials: nothing in its objective penalises an
#   initialisation with sharp curvature, because it never differentiates through the steps.
# * **Time claim.** The catalog's draft (time ratio below 2 for NIW) is replaced by a slope
#   comparison, for the reason given under the claim. Time is the fastest of repeated timings,
#   which is less sensitive to a busy machine than the median.
