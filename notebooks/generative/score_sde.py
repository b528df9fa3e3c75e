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
# # Score-Based Generative Modeling through Stochastic Differential Equations
#
# {cite}`song2021scoresde` ·
# [paper (arXiv 2011.13456)](https://arxiv.org/abs/2011.13456) ·
# [authors' PyTorch code](https://github.com/yang-song/score_sde_pytorch)
#
# The paper describes diffusion models as a forward stochastic differential equation (SDE) that
# turns data into noise. Running it backwards in time needs only the *score* of the noised data,
# $\nabla_x \log p_t(x)$, which a network learns by denoising score matching; numerical SDE
# solvers then turn noise into samples.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Given a learned score, the reverse-time SDE can be solved by new samplers: a
# *predictor–corrector* (PC) sampler follows each step of a numerical SDE solver (the predictor)
# with a step of score-based Langevin MCMC (the corrector), which corrects the errors of the
# discretised reverse SDE. At the same number of score evaluations, PC$_{1000}$ (one corrector step
# per predictor step) gives better samples than a predictor alone with twice the steps, P$_{2000}$
# (Table 1, CIFAR-10: for the VE SDE and the reverse-diffusion predictor, FID 3.21 against 4.74).
# The paper also derives a *probability-flow ODE* with the same marginals, which gives exact
# likelihoods of the learned model, and reaches record sample quality on images.
#
# **This chapter tests**, on a 2-D Gaussian mixture whose noised scores and densities are known
# exactly, with small MLP score models trained by denoising score matching (VE SDE), each an
# independent training run on its own data:
# * *headline*: PC$_N$ against P$_{2N}$ at equal score evaluations, by the squared MMD of the
#   samples to the data distribution ($N = 100$ at quick scale, the paper's $N = 1000$ at full scale;
#   the paper's corrector signal-to-noise ratio $r = 0.16$), for both the Euler–Maruyama and the
#   reverse-diffusion predictor;
# * *supporting*: the probability-flow ODE turns a learned score into a model whose test
#   log-likelihood is within 0.1 nats of the true one;
# * *sanity checks* of our code with the exact score: the ODE likelihood equals the data
#   log-density, and the P, PC and ODE samplers reproduce the data for both the VE and the VP SDE.
#
# The image results (FID, Inception score, bits/dim, inpainting) are out of scope.
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
TRAINING_CHANGE = repro.Change(
    what=("score networks: independent runs, each a 3 x 64 MLP trained for 2000 Adam steps (batch 1024, "
          "lr 8e-3 then 2e-3, weight EMA 0.99) on its own training set"),
    was="one 3 x 128 MLP trained for 6000 steps (batch 256, lr 2e-3 then 5e-4, EMA 0.999)",
    why=("the claim rules need >= 3 independently trained networks within the quick budget. The batch, "
         "learning rates and EMA were picked in a pilot on other random draws by the held-out denoising "
         "loss in excess of the exact score's. A first version (3 runs, 1000 steps, 500 test points per run) "
         "gave mean likelihood gaps near 0.08 nats and a likelihood verdict that differed between seeds; "
         "the networks are now trained for 2000 steps (closer to the old network's quality), with 1000 test "
         "points per run, and a pilot with 3 runs still gave an interval too wide to decide on one seed, so "
         "there are 4 runs (5 at full scale)"))
claims.declare(
    "pc_beats_p", kind="headline",
    statement=("At equal score evaluations, predictor-corrector sampling PC_N (one Langevin step per "
               "predictor step, r = 0.16) gives samples closer to the data than the predictor alone with "
               "twice the steps, P_2N (VE SDE, learned score; N = 100 quick, 1000 full)"),
    metric="squared MMD (x 1e5) of PC_N samples to the data distribution",
    paired_with="that of P_2N samples",
    better="lower", margin=0.0, fmt="{:+.1f}",
    changed=(repro.Change(
        what=("independent runs: one trained network per run, its PC_N and P_2N samples paired, judged by "
              "the 95% interval of the paired difference"),
        was="one network, MMD of each sampler averaged over 3 sample draws, compared as point values",
        why="the claim rules: sample draws of one network are not independent training runs"),
        repro.Change(
        what="predictor swept over Euler-Maruyama and reverse diffusion; the claim must hold for both",
        was="Euler-Maruyama only (the legacy report: not reproduced)",
        why=("Table 1 of the paper compares PC with the reverse-diffusion and ancestral predictors, not "
             "Euler-Maruyama")),
        repro.Change(
        what=("metric: squared MMD of the samples to the mixture itself, its expectations over the mixture "
              "in closed form"),
        was="squared MMD of 1000-1500 samples to as many held-out data points",
        why=("in a pilot with 4 runs and 1000 samples per sampler the sample-to-sample noise of the MMD "
             "was larger than the differences between the samplers, so the test could not resolve the claim "
             "either way; the closed form removes the reference sample's noise (and 1500 samples per sampler "
             "reduce the rest)")),
        TRAINING_CHANGE))
claims.declare(
    "learned_likelihood", kind="supporting",
    statement=("The probability-flow ODE of a learned VE score model gives test log-likelihoods within "
               "0.1 nats of the true ones"),
    metric="test NLL of the learned model by the probability-flow ODE (nats)",
    paired_with="the true NLL of the same test points",
    better="lower", margin=0.1, fmt="{:+.2f}",
    changed=(repro.Change(
        what="independent runs, each with its own network, training set and test set, paired with the truth",
        was="one network and one test set",
        why="the claim rules (a referee: the likelihood of one trained network is one run)"),
        TRAINING_CHANGE))
claims.declare(
    "exact_likelihood", kind="sanity",
    statement=("With the exact score, the probability-flow ODE log-likelihood equals the data log-density "
               "(VE and VP SDE)"),
    metric="largest over VE and VP of the mean |log p_ODE - log p| on test points (nats)",
    better="lower", margin=0.05, fmt="{:.2f}", deterministic=True)
claims.declare(
    "exact_samplers", kind="sanity",
    statement=("With the exact score, reverse-SDE (P), predictor-corrector (PC) and probability-flow ODE "
               "samples match the data (VE and VP SDE)"),
    metric=("largest over the 6 samplers of the squared MMD to the data distribution, in units of its "
            "standard deviation for exact samples (closed form; one draw each)"),
    better="lower", margin=5.0, fmt="{:.1f}", deterministic=True,
    changed=repro.Change(
        what=("unit: the null standard deviation of the statistic, in closed form; threshold 5 units, at which "
              "a draw of exact samples fails with probability below 1% over the 6 samplers (from 600 null "
              "draws in a pilot)"),
        was=("at most 2 noise floors, the floor being 1.645 x the root-mean-square of 10 null draws of the "
             "MMD between two data samples of 1500 (a normal approximation of the 95th percentile)"),
        why=("with the closed-form MMD (see the headline's change) the null distribution is visibly skewed "
             "and its 95th percentile, estimated from a few draws, is noisy: two first runs failed the check "
             "(2.8 and 3.6 floors, once with the floor estimated from 30 draws), while repeated draws of "
             "the same exact-score samplers in a pilot scattered as widely as exact data samples do")))
claims.show()

# %% tags=["parameters"]
scale = "quick"   # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0
device = "auto"

# %%
import inspect
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.stats import gaussian_kde

from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.data.toy2d import asymmetric_mixture
from repro.papers.generative import sde as S

run = repro.setup(scale, seed, device)
t_start = time.time()

cfg = dict(
    n_runs=run.pick(4, 5),                     # independently trained score networks
    n_train=run.pick(10_000, 50_000),          # training set of each network
    hidden=run.pick((64,) * 3, (128,) * 3),
    steps=run.pick(2000, 6000),                # Adam steps: 2/3 at lr, 1/3 at lr / 4
    batch_size=1024,
    lr=run.pick(8e-3, 4e-3),
    ema=0.99,                                  # decay of the weight average used for sampling
    n_test=run.pick(1000, 4000),               # test points of each run's likelihood
    n_test_exact=run.pick(500, 2000),          # test points of the exact-score likelihood check
    ode_steps=run.pick(50, 200),               # RK4 steps of the probability-flow ODE
    n_samples=run.pick(1500, 4000),            # samples per sampler
    exact_steps=run.pick(100, 1000),           # predictor steps of the exact-score samplers
    n_pc=run.pick(100, 1000),                  # N of the P_N / P_2N / PC_N comparison
    n_pc_small=10,                             # a small N where discretisation error shows
    snr=0.16,                                  # corrector signal-to-noise ratio (the paper's, VE)
    bandwidth=0.2,                             # RBF bandwidth of the MMD (about a mode's width)
)
print(cfg)
gen = torch.Generator().manual_seed(seed)

# %% [markdown]
# ## The model: forward SDEs, their reversal and the probability flow
#
# A forward SDE $\mathrm{d}x = f(x,t)\,\mathrm{d}t + g(t)\,\mathrm{d}w$ on $t\in[0,1]$ blurs the
# data distribution $p_0$ into a simple prior $p_1$. The paper uses two linear ones, whose
# transition kernels are Gaussian, $x_t = m(t)\,x_0 + s(t)\,z$:
#
# * **VE** (variance exploding, the continuous limit of SMLD/NCSN): $f = 0$,
#   $s(t) = \sigma_\min(\sigma_\max/\sigma_\min)^t$, $g(t)^2 = \mathrm{d}s^2/\mathrm{d}t$, prior
#   $\mathcal N(0,\sigma_\max^2 I)$. We keep $\sigma_\min = 0.01$ and set $\sigma_\max = 10$,
#   about twice the largest distance between our data points.
# * **VP** (variance preserving, the limit of DDPM): $f = -\tfrac12\beta(t)x$, $g = \sqrt{\beta(t)}$,
#   $\beta(t) = 0.1 + 19.9\,t$, $m(t) = e^{-\frac14 t^2 (19.9) - 0.05 t}$, $s^2 = 1 - m^2$, prior $\mathcal N(0, I)$.
#
# Anderson's theorem gives the reverse-time SDE (paper eq. 6)
# $$\mathrm{d}x = \big[f(x,t) - g(t)^2\,\nabla_x\log p_t(x)\big]\mathrm{d}t + g(t)\,\mathrm{d}\bar w,$$
# and the ODE (eq. 13) $\mathrm{d}x/\mathrm{d}t = \tilde f(x,t) = f - \tfrac12 g^2\nabla_x\log p_t$
# has the same marginals $p_t$. Being an ODE, it is a continuous normalizing flow: integrating
# $\mathrm{d}\log p_t(x_t)/\mathrm{d}t = -\nabla\cdot\tilde f$ from the data to the prior gives the
# exact log-likelihood (eq. 39)
# $$\log p_0(x_0) = \log p_1(x_1) + \int_0^1 \nabla\cdot\tilde f(x_t,t)\,\mathrm{d}t .$$
# In two dimensions we compute the divergence exactly with two autograd passes (the paper, in
# 3072 dimensions, uses the Hutchinson trace estimator) and integrate with fixed-step RK4.
#
# **Samplers.** A *predictor* is one step of a reverse-SDE solver: Euler–Maruyama, or the paper's
# *reverse diffusion*, the discrete reversal of the forward chain (for VE,
# $x \leftarrow x + (s_i^2 - s_{i+1}^2)\,s_\theta + \sqrt{s_i^2 - s_{i+1}^2}\,z$). The *corrector* is
# one step of Langevin dynamics at the current noise level,
# $x \leftarrow x + \epsilon\,s_\theta(x,t) + \sqrt{2\epsilon}\,z$, with the step set by a target
# signal-to-noise ratio $r$: $\epsilon = 2\,(r\,\lVert z\rVert/\lVert s_\theta\rVert)^2$ (norms
# averaged over the batch, paper Algorithm 4). PC$_N$ interleaves the two and costs $2N$ score
# evaluations, like P$_{2N}$.
#
# **Training.** Denoising score matching (eq. 7) with the weight $\lambda(t) = s(t)^2$ minimises
# $\mathbb E\,\lVert s(t)\,s_\theta(x_t,t) + z\rVert^2$; the network is an MLP on
# $[x_t/\sqrt{m^2 + s^2},\ \sin(\pi k t),\ \cos(\pi k t)]$ whose output is divided by $s(t)$,
# and we sample with an exponential moving average of its weights, as the authors do.
# The independent networks of the runs are trained side by side as one batched ensemble
# (`ScoreNetEnsemble`): each has its own initialisation, training set and noise draws, and
# because Adam and the weight average act element-wise, this is the same computation as separate
# training runs (up to floating-point rounding).
# The code is in [`src/repro/papers/generative/sde.py`](https://github.com/reproducible-papers/reproducible-papers/blob/main/src/repro/papers/generative/sde.py)
# and the exact reference in [`src/repro/data/toy2d.py`](https://github.com/reproducible-papers/reproducible-papers/blob/main/src/repro/data/toy2d.py);
# here are the predictor–corrector loop and the likelihood:

# %%
src = inspect.getsource(S.reverse_sde_sample)
print(src[src.index("    ts = "):])
print(inspect.getsource(S.pf_ode_log_likelihood).split('"""')[-1])

# %% [markdown]
# ## Data: a Gaussian mixture with exact noised scores
#
# Six anisotropic components with unequal weights. Under either SDE the noised marginal is again a
# mixture, $p_t = \sum_k w_k\,\mathcal N(m\mu_k,\ m^2\Sigma_k + s^2 I)$, so the true score
# $\nabla_x\log p_t$ and density are available at every $t$: we can test the samplers and the
# likelihood with the *exact* score, then measure what a learned score changes.
#
# **Sample quality.** The squared maximum mean discrepancy (MMD) with an RBF kernel of bandwidth
# $h$ compares samples with a distribution through $\mathbb E\,k(x,x') - 2\,\mathbb E\,k(x,y) +
# \mathbb E\,k(y,y')$. For a Gaussian mixture the expectations over $y \sim p$ are Gaussian integrals,
# so we compute them exactly (`mmd2_to_mixture`) and estimate only the samples' own term, without
# the noise of a finite reference set. Its scale of noise is its standard deviation for as many
# exact samples from the mixture, also in closed form (`mmd2_null_sd`); below, MMD values are
# shown in these units ("null sd").

# %%
gmm = asymmetric_mixture()
ve, vp = S.VESDE(0.01, 10.0), S.VPSDE(0.1, 20.0)
h, n_s = cfg["bandwidth"], cfg["n_samples"]
x_test = gmm.sample(cfg["n_test_exact"], gen)             # for the exact-score checks


def mmd(x):
    return S.mmd2_to_mixture(x, gmm, h)


null_sd = S.mmd2_null_sd(gmm, h, n_s, gen)
print(f"standard deviation of the squared MMD of {n_s} exact samples: {null_sd:.2e}")

# %% [markdown]
# ## Part 1: the exact score (sanity checks)
#
# ### Likelihood through the probability-flow ODE
#
# For each test point we integrate the ODE from $t = 10^{-5}$ to $1$ and add the prior log-density
# to the accumulated divergence. The only approximations are RK4 and the mismatch between the
# SDE's fixed prior and the true $p_1$ (tiny for VP; for VE it is of order
# $\lVert x\rVert^2/\sigma_\max^2$ in the tails).

# %%
exact, exact_err = {}, {}
for name, sde in (("VE", ve), ("VP", vp)):
    logp, _ = S.pf_ode_log_likelihood(sde, gmm.score_fn(sde), x_test, cfg["ode_steps"], eps=1e-5)
    exact[name] = logp
    err = (logp - gmm.log_prob(x_test)).abs()
    exact_err[name] = float(err.mean())
    print(f"{name}: mean |log p_ODE - log p| = {err.mean():.4f} nats (max {err.max():.3f})")

# %% [markdown]
# ### Sampling with the exact score
#
# Reverse-SDE Euler–Maruyama (P), the same with one Langevin corrector step per predictor step
# (PC), and the probability-flow ODE, all from the SDE's prior.

# %%
samples, exact_mmd = {}, {}
for name, sde in (("VE", ve), ("VP", vp)):
    score = gmm.score_fn(sde)
    N = cfg["exact_steps"]
    draws = {
        "P": S.reverse_sde_sample(sde, score, sde.prior_sample(n_s, 2, gen), N, generator=gen)[0],
        "PC": S.reverse_sde_sample(sde, score, sde.prior_sample(n_s, 2, gen), N, 1, cfg["snr"], generator=gen)[0],
        "ODE": S.pf_ode_sample(sde, score, sde.prior_sample(n_s, 2, gen), cfg["ode_steps"])[0],
    }
    for k, x in draws.items():
        samples[f"exact {name} {k}"] = x
        exact_mmd[f"{name} {k}"] = mmd(x)
print("MMD^2 / null sd:", {k: round(v / null_sd, 2) for k, v in exact_mmd.items()})

# %% [markdown]
# ## Part 2: learned scores (VE SDE), independent runs
#
# Each run draws its own training and test sets and sampling noise, and trains its own
# network from its own initialisation; the networks are trained side by side with the book's
# generic training loop (the objective draws fresh $(t, z)$ for every mini-batch).

# %%
K, N = cfg["n_runs"], cfg["n_pc"]
run_gens = [torch.Generator().manual_seed(1000 * seed + k + 1) for k in range(K)]
data = [dict(train=gmm.sample(cfg["n_train"], g), test=gmm.sample(cfg["n_test"], g)) for g in run_gens]
per_epoch = -(-cfg["n_train"] // cfg["batch_size"])
schedule = ((round(2 * cfg["steps"] / 3 / per_epoch), cfg["lr"]), (round(cfg["steps"] / 3 / per_epoch), cfg["lr"] / 4))
torch.manual_seed(seed)
ensemble, history = S.train_score_ensemble(
    ve, torch.stack([d["train"] for d in data], 1), hidden=cfg["hidden"], schedule=schedule,
    batch_size=cfg["batch_size"], ema_decay=cfg["ema"], generator=gen, device=run.device)
print(f"{K} networks, {schedule} (epochs, lr); DSM loss summed over networks: "
      f"first epoch {history[0]:.3f}, last epoch {history[-1]:.3f}")


def score_of(model):
    def fn(x, t):
        return model(x.float().to(run.device), t.float().to(run.device)).to(x.dtype).cpu()
    return fn


# %% [markdown]
# ### Likelihood of each learned model
#
# The probability-flow ODE of each network defines a normalised density; its NLL on the run's test
# points minus their true NLL is the KL divergence from the data to the model, up to sampling
# noise. For scale we also show a Gaussian kernel density estimate (Scott's bandwidth) fitted to
# the same training set; it is context, not part of any criterion.

# %%
nll = {"model": [], "true": [], "kde": []}
for k in progress(range(K), desc="likelihoods"):
    d = data[k]
    logp, _ = S.pf_ode_log_likelihood(ve, score_of(ensemble.member(k).eval()), d["test"].float(),
                                      cfg["ode_steps"], eps=1e-5)
    nll["model"].append(float(-logp.double().mean()))
    nll["true"].append(float(-gmm.log_prob(d["test"]).mean()))
    nll["kde"].append(float(-gaussian_kde(d["train"].numpy().T).logpdf(d["test"].numpy().T).mean()))
    if k == 0:
        logp_model0 = logp
for k in range(K):
    print(f"run {k}: NLL true {nll['true'][k]:.3f}, model {nll['model'][k]:.3f} "
          f"(gap {nll['model'][k] - nll['true'][k]:+.3f}), KDE {nll['kde'][k]:.3f} "
          f"(gap {nll['kde'][k] - nll['true'][k]:+.3f}) nats")

# %% [markdown]
# ### Predictor–corrector versus predictor only, at matched score evaluations
#
# The paper's Table 1 comparison: P$_N$ ($N$ evaluations), P$_{2N}$ and PC$_N$ (both $2N$), for
# each network and each predictor. Two diagnostics that are not part of any criterion: a PC
# variant that switches the corrector off below $t = 0.3$ ($\sigma < 0.08$, finer than the
# mixture's components), and the same comparison with the *exact* score at a small $N$, where
# the predictor's discretisation error is far above the noise.

# %%
PREDICTORS = {"euler_maruyama": "Euler-Maruyama", "reverse_diffusion": "reverse diffusion"}


def sampler_runs(N, diagnostic=False):
    runs = {f"P{N}": dict(n_steps=N), f"P{2 * N}": dict(n_steps=2 * N),
            f"PC{N}": dict(n_steps=N, corrector_steps=1, snr=cfg["snr"])}
    if diagnostic:
        runs[f"PC{N} (t>0.3)"] = dict(n_steps=N, corrector_steps=1, snr=cfg["snr"], corrector_min_t=0.3)
    return runs


pc = {p: {} for p in PREDICTORS}        # pc[predictor][sampler] = list over runs of MMD^2
nfe = {}
for k in progress(range(K), desc="samplers"):
    score, g = score_of(ensemble.member(k).eval()), run_gens[k]
    for p in PREDICTORS:
        for name, kw in sampler_runs(N, diagnostic=p == "euler_maruyama").items():
            if p != "euler_maruyama" and name == f"P{N}":
                continue  # P_N is shown for one predictor only (not part of the claim)
            with torch.no_grad():
                x, nfe[name] = S.reverse_sde_sample(ve, score, ve.prior_sample(n_s, 2, g, torch.float32),
                                                    predictor=p, generator=g, **kw)
            pc[p].setdefault(name, []).append(mmd(x))
            if k == 0 and p == "euler_maruyama":
                samples[f"learned {name}"] = x
    if k == 0:
        with torch.no_grad():
            samples["learned ODE"] = S.pf_ode_sample(ve, score, ve.prior_sample(n_s, 2, g, torch.float32),
                                                     cfg["ode_steps"])[0]

n_small, pc_exact = cfg["n_pc_small"], {}
for name, kw in sampler_runs(n_small).items():
    pc_exact[name] = [mmd(S.reverse_sde_sample(ve, gmm.score_fn(ve), ve.prior_sample(n_s, 2, gen), generator=gen,
                                               **kw)[0]) for _ in range(3)]
for p, label in PREDICTORS.items():
    print(f"learned score, {label}: " + ";  ".join(
        f"{name}: MMD^2/null sd {np.mean(v) / null_sd:.2f} ({nfe[name]} evals)" for name, v in pc[p].items()))
print("exact score, Euler-Maruyama: " + ";  ".join(
    f"{name}: MMD^2/null sd {np.mean(v) / null_sd:.2f}" for name, v in pc_exact.items()))

# %% [markdown]
# ## Figures

# %%
u = np.linspace(-3.5, 3.5, 200)
grid = torch.tensor(np.stack(np.meshgrid(u, u), -1).reshape(-1, 2))
dens = gmm.log_prob(grid).exp().numpy().reshape(200, 200)
panels = [("true density", None), ("exact score, VE, PC", samples["exact VE PC"]),
          ("exact score, VP, ODE", samples["exact VP ODE"]), (f"learned (run 0), P{2 * N}", samples[f"learned P{2 * N}"]),
          (f"learned (run 0), PC{N}", samples[f"learned PC{N}"]), ("learned (run 0), ODE", samples["learned ODE"])]
fig, axes = plt.subplots(2, 3, figsize=(9.6, 6.4), sharex=True, sharey=True)
for ax, (title, x) in zip(axes.flat, panels):
    ax.contour(u, u, dens, levels=6, colors="0.6", linewidths=0.7)
    if x is None:
        ax.imshow(dens, extent=(u[0], u[-1], u[0], u[-1]), origin="lower", cmap="Blues")
    else:
        x = np.asarray(x)
        ax.scatter(x[:, 0], x[:, 1], s=1.5, alpha=0.5)
    ax.set_title(title)
    ax.set_xlim(-3.5, 3.5)
    ax.set_ylim(-3.5, 3.5)
for ax in axes[1]:
    ax.set_xlabel("$x_1$")
for ax in axes[:, 0]:
    ax.set_ylabel("$x_2$")
fig.suptitle("Samples (dots) over the true density (contours); Euler-Maruyama predictor")
fig.tight_layout()
plt.show()

# %%
true_lp = gmm.log_prob(x_test).numpy()
fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.0))
ax = axes[0]
for lab, xs, lp in (("exact score, VE", x_test, exact["VE"]), ("exact score, VP", x_test, exact["VP"]),
                    ("learned score (run 0), VE", data[0]["test"], logp_model0)):
    ax.scatter(gmm.log_prob(xs).numpy(), np.asarray(lp.detach().double()), s=4, alpha=0.6, label=lab)
lim = [true_lp.min() - 0.3, true_lp.max() + 0.3]
ax.plot(lim, lim, "k--", lw=1, label="$y = x$")
ax.set_xlabel("true log-density $\\log p(x)$ [nats]")
ax.set_ylabel("probability-flow ODE $\\log p(x)$ [nats]")
ax.set_title("Exact likelihood from the probability-flow ODE")
ax.legend(fontsize=8)
ax = axes[1]
gaps = {k: np.array(nll[k]) - np.array(nll["true"]) for k in ("model", "kde")}
for i, (k, lab) in enumerate((("model", "learned score, ODE"), ("kde", "Gaussian KDE (context)"))):
    ax.scatter(np.full(K, i) + np.linspace(-0.1, 0.1, K), gaps[k], color=COLORS[i], label=lab)
ax.axhline(0.1, color="k", ls=":", lw=1, label="criterion (0.1 nats)")
ax.axhline(0.0, color="0.5", lw=0.8)
ax.set_xticks([0, 1], ["learned model", "KDE"])
ax.set_ylabel("test NLL minus true NLL [nats]")
ax.set_title(f"Per run ({K} independent runs)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), sharey=True)
for ax, p in zip(axes[:2], PREDICTORS):
    names = list(pc[p])
    vals = np.array([pc[p][nm] for nm in names]) / null_sd        # (samplers, runs)
    for k in range(K):
        ax.plot(range(len(names)), vals[:, k], "o-", color=COLORS[k], alpha=0.8, label=f"run {k}")
    ax.set_xticks(range(len(names)), [f"{nm}\n{nfe[nm]} evals" for nm in names], fontsize=8)
    ax.set_title(f"learned score, {PREDICTORS[p]}")
ax = axes[2]
names = list(pc_exact)
ax.bar(range(len(names)), [np.mean(pc_exact[nm]) / null_sd for nm in names], color=COLORS[:len(names)])
ax.set_xticks(range(len(names)), names, fontsize=8)
ax.set_title(f"exact score, Euler-Maruyama, N = {n_small}")
for ax in axes:
    ax.axhline(1.0, color="k", ls=":", lw=1)
axes[0].set_ylabel("MMD$^2$ to the data distribution / null sd")
axes[0].legend(fontsize=8)
fig.suptitle("Predictor-only versus predictor-corrector at matched score evaluations (VE SDE)")
fig.tight_layout()
plt.show()
print(f"elapsed: {time.time() - t_start:.0f} s")

# %% [markdown]
# ## Results
#
# Every claim is recorded against its declared criterion; the effect sizes follow at full
# precision (MMD values in units of $10^{-5}$).

# %%
claims.record("pc_beats_p", method=1e5 * np.array(pc["euler_maruyama"][f"PC{N}"]),
              baseline=1e5 * np.array(pc["euler_maruyama"][f"P{2 * N}"]), setting="Euler-Maruyama")
claims.record("pc_beats_p", method=1e5 * np.array(pc["reverse_diffusion"][f"PC{N}"]),
              baseline=1e5 * np.array(pc["reverse_diffusion"][f"P{2 * N}"]), setting="reverse diffusion")
claims.record("learned_likelihood", method=nll["model"], baseline=nll["true"])
claims.record("exact_likelihood", value=max(exact_err.values()))
claims.record("exact_samplers", value=max(exact_mmd.values()) / null_sd)
claims.results()

from myst_nb import glue  # noqa: E402  (numbers quoted by the verdict below)

for key, c in claims.declared.items():
    glue(f"verdict_{key}", c.verdict.lower(), display=False)
for tag, res, names in (("em", pc["euler_maruyama"], (f"P{N}", f"P{2 * N}", f"PC{N}", f"PC{N} (t>0.3)")),
                        ("rd", pc["reverse_diffusion"], (None, f"P{2 * N}", f"PC{N}", None)),
                        ("ex", pc_exact, (f"P{n_small}", f"P{2 * n_small}", f"PC{n_small}", None))):
    for label, name in zip(("p_n", "p_2n", "pc_n", "pc_hi"), names):
        if name is not None:
            glue(f"{tag}_{label}", f"{np.mean(res[name]) / null_sd:.1f}", display=False)
glue("nll_gap", f"{np.mean(gaps['model']):.2f}", display=False)
glue("kde_gap", f"{np.mean(gaps['kde']):.2f}", display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The verdicts are those of the report above, computed from the criteria declared at the top; the
# effect sizes are in the results cell.
#
# **Predictor–corrector (headline): {glue:text}`verdict_pc_beats_p`.** The paper's central sampling
# claim is that a corrector step per predictor step is a better use of score evaluations than
# twice as many predictor steps. Averaged over the runs, with the Euler–Maruyama predictor the
# squared MMD to the data distribution, in units of its null sd, is {glue:text}`em_p_n` for P$_N$,
# {glue:text}`em_p_2n` for P$_{2N}$ and {glue:text}`em_pc_n` for PC$_N$ (reverse diffusion:
# {glue:text}`rd_p_2n` for P$_{2N}$, {glue:text}`rd_pc_n` for PC$_N$). Two diagnostics, not part of
# any criterion, locate the effect:
#
# * Switching the corrector off below $t = 0.3$ gives {glue:text}`em_pc_hi`, to set beside
#   PC$_N$'s value: the difference is what the corrector does at the lowest noise levels. A likely
#   reason why it can hurt there: in two dimensions the data have full support, so the true score
#   stays of the size of the inverse component width while a network's error, divided by $s(t)$,
#   grows like $1/\sigma$, and Langevin steps follow that error. On 3072-dimensional images,
#   where the paper measured its gain, samples must also stay on the thin shell of typical points at
#   each noise level, which Langevin steps help to maintain; that effect has no counterpart here.
# * With the *exact* score at $N = 10$, where the predictor's discretisation error is far above the
#   sampling noise, P$_{10}$, P$_{20}$ and PC$_{10}$ give {glue:text}`ex_p_n`, {glue:text}`ex_p_2n` and
#   {glue:text}`ex_pc_n`: spending the extra evaluations on predictor steps is the competitor that a
#   corrector has to beat, even where there is error to correct.
#
# The paper tuned $r$ per dataset; we kept its CIFAR-10 value rather than tune it on our samples.
#
# **Likelihood of learned models (supporting): {glue:text}`verdict_learned_likelihood`.** Each
# network's probability-flow ODE is a normalised density, so its test NLL minus the true NLL
# estimates a KL divergence, here {glue:text}`nll_gap` nats on average over the runs against the
# 0.1-nat criterion (a Gaussian kernel density estimate on the same data, for scale:
# {glue:text}`kde_gap` nats).
#
# **Sanity checks.** With the exact score the probability-flow ODE reproduces the mixture's
# log-density (the VE residual is mostly the fixed $\mathcal N(0,\sigma_\max^2 I)$ prior standing in
# for the true $p_1$), and the samplers, for both SDEs, are checked against the MMD's sampling
# noise; the report says whether both hold. They test our implementation of the framework
# (reverse SDE, probability flow, change of variables), so that the learned-score claims measure the
# score models and the samplers.
#
# ## Deviations from the paper
#
# * **Data and scale.** A 2-D Gaussian mixture instead of CIFAR-10/CelebA/LSUN: it gives exact
#   scores and densities, so errors can be attributed to the score model or to the solver. The
#   image results (FID 2.20, 2.99 bits/dim) and the inverse problems are out of scope.
# * **Network and training.** Small MLPs with a sinusoidal time embedding and input scaling
#   $x/\sqrt{m^2+s^2}$ (our addition, so that VE inputs of size $\sigma_\max$ stay well
#   conditioned) instead of NCSN++/DDPM++; at quick scale four networks of width 64, each trained
#   for 2000 Adam steps with a weight average of decay 0.99 (a short run needs a short averaging
#   window), instead of 1.3M iterations with decay 0.999. How the recipe was chosen, and why the
#   number of steps was raised after a pilot, is printed with the changes in the report.
# * **Replication.** The independent networks are trained side by side as one batched ensemble,
#   which is the same computation as separate runs up to floating-point rounding (own
#   initialisation, data and noise; Adam and the weight average act element-wise; the unit tests
#   check that each member receives exactly its own gradient).
# * **Likelihood.** Exact divergence and fixed-step RK4 instead of the Hutchinson estimator and
#   adaptive RK45; no dequantisation (the data are continuous).
# * **Samplers.** $N = 100$ predictor steps at quick scale (the paper's $N = 1000$ at full scale);
#   $\sigma_\max = 10$ follows the paper's rule (about the largest pairwise distance) for our data.
#   The ancestral-sampling predictor of Table 1 is not implemented; Euler–Maruyama and reverse
#   diffusion are. Conditional generation (inpainting, colourisation) is not tested here;
#   `GaussianMixture.conditional` provides the exact conditionals for a later chapter.
# * **Metric.** Squared MMD with an RBF kernel of bandwidth 0.2 to the (known) data distribution
#   instead of FID/IS against held-out images.
