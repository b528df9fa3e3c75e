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
# # Transformers Can Do Bayesian Inference
#
# {cite}`muller2022transformers` · [paper (ICLR 2022)](https://openreview.net/forum?id=KSugKcbNf9)
# · [arXiv:2112.10510](https://arxiv.org/abs/2112.10510)
# · [authors' code](https://github.com/automl/TransformersCanDoBayesianInference)
#
# Bayesian prediction asks for the posterior predictive $p(y \mid x, D)$, which for most priors
# has no closed form. A *Prior-Data Fitted Network* (PFN) learns it instead: a transformer is
# shown many small datasets drawn from the prior, each with a few labels hidden, and is trained
# to predict the hidden labels probabilistically from the rest. Once trained, a new dataset goes
# in as the context of one forward pass and a predictive distribution comes out, with no fitting
# at test time. A Gaussian-process prior is the natural test bench, because there the exact
# answer is known.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Minimising the prior-data negative log-likelihood makes the network approximate the
# posterior predictive distribution of the prior it was trained on; on a Gaussian-process prior
# with fixed hyper-parameters the PFN's predictions are almost indistinguishable from the exact
# GP posterior (the paper's Sec. 5.1 and its Fig. 3), and elsewhere the same recipe is much faster
# than MCMC or variational inference.
#
# **This chapter checks** (thresholds from the catalog's check, fixed before running). Prior: RBF
# kernel with length-scale 0.1 and unit output scale, noise variance 0.01, $x \sim U[0, 1]$,
# 1 to 20 context points. A PFN is trained only on datasets sampled freshly from this prior, then
# evaluated on 1000 held-out datasets (2000 at full scale), each with its own random context size:
# 1. **Near-exact posterior.** The per-point test NLL of the PFN exceeds that of the exact GP
#    posterior predictive by less than **0.15 nats at quick scale** (**0.10 nats at full scale**):
#    the upper end of the paired 95 % confidence interval over datasets of
#    $\mathrm{NLL}_\mathrm{PFN} - \mathrm{NLL}_\mathrm{GP}$ must lie below the threshold.
# 2. **Far below the prior.** The PFN recovers at least **80 %** of the NLL improvement that the
#    exact posterior achieves over a prior-only predictor $N(0, 1 + \sigma^2)$, i.e.
#    $(\mathrm{NLL}_\mathrm{prior} - \mathrm{NLL}_\mathrm{PFN}) /
#    (\mathrm{NLL}_\mathrm{prior} - \mathrm{NLL}_\mathrm{GP}) \ge 0.8$.
#
# The speed-up claims concern priors without a closed-form posterior (GP hyper-priors, Bayesian
# neural networks) and are not tested here; see the deviations.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
lengthscale = 0.1  # RBF length-scale of the GP prior (inputs in [0, 1])
noise = 0.01  # observation-noise variance of the GP prior
max_ctx = 20  # context sizes are drawn from 1..max_ctx

# %%
import inspect
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book.params import check_float, check_int
from repro.nn.models import n_parameters
from repro.papers.kernels import pfn
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)
check_float("lengthscale", lengthscale, minimum=0.02, maximum=2.0)
check_float("noise", noise, minimum=1e-3, maximum=1.0)
check_int("max_ctx", max_ctx, minimum=1, maximum=100)

D_MODEL = run.pick(32, 128)
N_LAYERS = run.pick(4, 6)
N_HEADS = 4
N_BUCKETS = run.pick(250, 1000)
BATCH = run.pick(32, 128)
STEPS = run.pick(1100, 20000)
LR = run.pick(6e-3, 1e-3)
N_POINTS = max_ctx + 10  # every dataset: n_ctx context points, the other N_POINTS - n_ctx are queries
N_EVAL = run.pick(1000, 2000)
THRESHOLD = run.pick(0.15, 0.10)
gen = torch.Generator().manual_seed(seed)
print(f"PFN d={D_MODEL}, {N_LAYERS} layers, {N_BUCKETS} buckets; {STEPS} steps of {BATCH} fresh datasets "
      f"({STEPS * BATCH} in all) on {run.device}; {N_EVAL} held-out datasets")

# %% [markdown]
# ## Method
#
# **Training objective.** Draw a dataset $D \cup \{(x_i, y_i)\}$ from the prior, show the network
# the labelled context $D$ and the query inputs $x_i$, and minimise
# $\ell(\theta) = \mathbb{E}\left[-\log q_\theta(y_i \mid x_i, D)\right]$. Because
#
# $$
# \ell(\theta) = \mathbb{E}_{D, x}\big[\mathrm{KL}\big(p(\cdot \mid x, D)\,\|\,q_\theta(\cdot \mid x, D)\big)\big]
#   + \mathbb{E}_{D, x}\big[H\big(p(\cdot \mid x, D)\big)\big],
# $$
#
# the minimiser is the posterior predictive itself. The same identity makes our test sharp: on
# held-out datasets drawn from the prior, the expected gap $\mathrm{NLL}_\mathrm{PFN} -
# \mathrm{NLL}_\mathrm{GP}$ *is* the expected KL divergence from the exact posterior predictive
# to the PFN's, so it is non-negative and zero only for a perfect PFN.
#
# **Architecture.** Context points become tokens $W_x x + W_y y$, queries $W_x x$; there is no
# positional encoding. Context tokens attend to all context tokens, a query token to the context
# and to itself only, so the output is a function of the context *set* and a query's prediction
# does not depend on the other queries (both are unit-tested in `tests/test_pfn.py`).
#
# **Riemann (bar) output.** The head outputs logits over $K$ buckets whose borders are quantiles of
# $10^5$ prior samples of $y$, so every bucket holds the same prior mass. Inside bucket $k$ of width
# $w_k$ the density is $p_k / w_k$; the two outer buckets become half-normal tails, so any $y$ has
# a finite loss. The GP's Gaussian predictive squeezed into the same buckets gives a
# *discretisation floor*, the NLL a perfect bar head could reach. The code is
# `src/repro/papers/kernels/pfn.py`:

# %%
print(inspect.getsource(pfn.BarDistribution.log_density))
print(inspect.getsource(pfn.attention_mask))

# %% [markdown]
# ## Training on the prior
#
# Every step draws `BATCH` new datasets (no dataset is seen twice); each has its own context size
# $n \sim U\{1, \dots, 20\}$ and $30 - n$ queries. The loop is the book's `repro.nn.training.train`,
# fed one chunk of fresh prior data at a time.

# %%
_, y_prior = pfn.sample_gp_datasets(2000, 50, lengthscale, noise, gen)
bar = pfn.BarDistribution(pfn.borders_from_samples(y_prior, N_BUCKETS)).to(run.device)
model = pfn.PFN(N_BUCKETS, D_MODEL, N_LAYERS, N_HEADS).to(run.device)
print(f"{n_parameters(model)} parameters; bucket widths from {bar.widths.min():.3f} to {bar.widths[1:-1].max():.3f}")
t0 = time.perf_counter()
history = pfn.train_pfn(model, bar, steps=STEPS, batch_size=BATCH, n_points=N_POINTS, max_ctx=max_ctx,
                        lengthscale=lengthscale, noise=noise, lr=LR, generator=gen, device=run.device,
                        chunk=run.pick(100, 500))
train_seconds = time.perf_counter() - t0
print(f"trained in {train_seconds:.0f} s; training loss over the last chunk {history[-1]:.3f}")

# %% [markdown]
# ## Held-out GP datasets: PFN against the exact posterior
#
# The evaluation datasets come from a separate random stream. For each we compute the PFN's
# per-point NLL on its queries, the exact GP posterior predictive NLL (`repro.gp.regression.GPRegression`
# with the true hyper-parameters), the same GP rendered in the PFN's buckets, and the prior-only
# predictor $N(0, 1 + \sigma^2)$.

# %%
eval_gen = torch.Generator().manual_seed(10_000 + seed)
x_ev, y_ev = pfn.sample_gp_datasets(N_EVAL, N_POINTS, lengthscale, noise, eval_gen)
n_ev = torch.randint(1, max_ctx + 1, (N_EVAL,), generator=eval_gen)
inp_ev, tgt_ev = pfn.pack(x_ev, y_ev, n_ev)

t0 = time.perf_counter()
nll_pfn = pfn.per_dataset_nll(model, bar, inp_ev.to(run.device), tgt_ev.to(run.device))
pfn_seconds = time.perf_counter() - t0
t0 = time.perf_counter()
gp_mean, gp_std = pfn.gp_predictive(x_ev, y_ev, n_ev, lengthscale, noise)
gp_seconds = time.perf_counter() - t0

yq = y_ev.double().numpy()
w = tgt_ev[..., 1].double().numpy()  # 1 at query positions


def per_dataset(a):
    return (a * w).sum(1) / w.sum(1)


nll_gp = per_dataset(pfn.gaussian_point_nll(yq, gp_mean, gp_std))
nll_prior = per_dataset(pfn.gaussian_point_nll(yq, 0.0, np.sqrt(1 + noise)))
with torch.no_grad():
    floor_logits = bar.logits_of_gaussian(torch.tensor(gp_mean), torch.tensor(gp_std)).to(run.device)
    nll_floor = per_dataset(bar.nll(floor_logits, y_ev.to(run.device)).double().cpu().numpy())

gap, gap_half = mean_ci(nll_pfn - nll_gp)
ratio = (nll_prior.mean() - nll_pfn.mean()) / (nll_prior.mean() - nll_gp.mean())
print(f"mean per-point NLL  prior-only {nll_prior.mean():.3f} | PFN {nll_pfn.mean():.3f} | "
      f"GP in the buckets {nll_floor.mean():.3f} | exact GP {nll_gp.mean():.3f}")
print(f"PFN - GP: {gap:.3f} +- {gap_half:.3f} (95% CI); of which discretisation {np.mean(nll_floor - nll_gp):.3f}")
print(f"fraction of the prior-to-posterior improvement recovered by the PFN: {ratio:.3f}")
print(f"wall time on {N_EVAL} datasets: PFN forward {pfn_seconds:.2f} s ({run.device}, batched), "
      f"exact GP {gp_seconds:.2f} s (CPU, one dataset at a time)")

# %%
bins = [(1, 5), (6, 10), (11, 15), (16, 20)]
bins = [(lo, min(hi, max_ctx)) for lo, hi in bins if lo <= max_ctx]
nn_ = n_ev.numpy()
rows = {name: [] for name in ("prior-only", "PFN", "GP in buckets", "exact GP")}
for lo, hi in bins:
    s = (nn_ >= lo) & (nn_ <= hi)
    for name, v in zip(rows, (nll_prior, nll_pfn, nll_floor, nll_gp)):
        rows[name].append(v[s].mean())
print("| context size | " + " | ".join(rows) + " |")
print("|---" * (len(rows) + 1) + "|")
for i, (lo, hi) in enumerate(bins):
    print(f"| {lo}-{hi} | " + " | ".join(f"{rows[k][i]:.3f}" for k in rows) + " |")

fig, ax = plt.subplots(1, 2, figsize=(11, 3.8))
chunk_end = np.minimum(np.arange(1, len(history) + 1) * run.pick(100, 500), STEPS)
ax[0].plot(chunk_end, history, "-o", ms=3, label="PFN training loss (fresh prior data)")
ax[0].axhline(nll_gp.mean(), color="k", ls="--", lw=1, label="exact GP posterior (held-out)")
ax[0].axhline(nll_prior.mean(), color="0.5", ls=":", lw=1.5, label="prior-only")
ax[0].set(xlabel="step", ylabel="per-point NLL", title="Training on the GP prior")
ax[0].legend()
mid = [(lo + hi) / 2 for lo, hi in bins]
for name, style, color in zip(rows, (":", "-o", "--", "-s"), ("0.5", "C0", "C2", "k")):
    ax[1].plot(mid, rows[name], style, color=color, label=name)
ax[1].set(xlabel="number of context points", ylabel="mean per-point NLL", title="Held-out datasets")
ax[1].legend()
plt.show()

# %% [markdown]
# ## Predictive bands
#
# Three held-out datasets with 3, 8 and 20 context points; 200 query inputs on a grid (queries
# do not see each other, so one forward pass predicts all of them). Shaded: the PFN's central
# 90 % interval from the bar distribution; lines: the GP posterior mean and its 90 % interval.

# %%
band_gen = torch.Generator().manual_seed(20_000 + seed)
grid = torch.linspace(0, 1, 200)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
for ax, n in zip(axes, (3, 8, min(20, max_ctx))):
    xc, yc = pfn.sample_gp_datasets(1, n, lengthscale, noise, band_gen)
    x_all = torch.cat([xc, grid.view(1, -1, 1)], 1)
    y_all = torch.cat([yc, torch.zeros(1, len(grid))], 1)
    inp, _ = pfn.pack(x_all, y_all, torch.tensor([n]))
    model.eval()
    with torch.no_grad():
        logits = model(inp.to(run.device))[0, n:]
        lo, med, hi = (bar.quantile(logits, q).cpu().numpy() for q in (0.05, 0.5, 0.95))
    m, s = pfn.gp_predictive(x_all, y_all, torch.tensor([n]), lengthscale, noise)
    m, s = m[0, n:], s[0, n:]
    ax.fill_between(grid, lo, hi, alpha=0.3, color="C0", label="PFN 90% interval")
    ax.plot(grid, med, color="C0", label="PFN median")
    ax.plot(grid, m, "k--", lw=1.2, label="GP mean")
    ax.plot(grid, m - 1.645 * s, "k:", lw=1)
    ax.plot(grid, m + 1.645 * s, "k:", lw=1, label="GP 90% interval")
    ax.plot(xc[0, :, 0], yc[0], "o", color="C1", ms=5, label="context")
    ax.set(title=f"{n} context points", xlabel="x")
axes[0].set_ylabel("y")
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=5, bbox_to_anchor=(0.5, -0.14))
plt.show()

# %% tags=["nbval-check-output"]
claims = repro.Claims()
upper = gap + gap_half
claims.add(
    "A PFN trained only on prior samples matches the exact GP posterior predictive in test NLL",
    measured={"NLL PFN - NLL GP (nats, to 0.1)": f"{gap:.1f}",
              f"95% CI upper bound < {THRESHOLD:.2f}": "yes" if upper < THRESHOLD else "no"},
    criterion=f"upper end of the paired 95% CI over {N_EVAL} held-out GP datasets below {THRESHOLD:.2f} nats",
    passed=bool(upper < THRESHOLD))
claims.add(
    "The PFN's predictions are far better than the prior-only predictor",
    measured={"share of the prior-to-GP NLL improvement recovered (to 0.1)": f"{ratio:.1f}"},
    criterion="(NLL prior - NLL PFN) / (NLL prior - NLL GP) >= 0.80",
    passed=bool(ratio >= 0.8))
claims.report()

# %% [markdown]
# ## Verdict
#
# **Both claims reproduce at quick scale**, with the same verdicts for seeds 0, 1 and 2.
#
# * **Near-exact posterior.** After about 35 000 prior datasets (1100 steps, some 20-30 s on one CPU
#   thread) the tiny PFN's per-point NLL on 1000 held-out GP datasets is within about 0.09-0.10
#   nats of the exact GP posterior predictive (seeds 0-2), with a 95 % interval of about
#   $\pm 0.01$, so the 0.15-nat threshold of the quick check is met with room to spare. By the
#   identity in the method section this gap is the average KL divergence from the exact posterior
#   predictive to the PFN's. Some 0.015 nats of it are the price of the bar head alone (the
#   "GP in buckets" line: the exact Gaussian squeezed into the same 250 buckets); the rest is the
#   network's approximation error, which grows with the number of context points (the table and
#   the right panel): with 1-5 points the PFN is within a few hundredths of a nat of the GP, with
#   16-20 points, where the posterior is sharp, it is further off. The training curve is still
#   falling when training stops, so this is a budget limit, not a floor of the method.
# * **Far below the prior.** The PFN recovers 92-93 % of the NLL improvement that exact Bayesian
#   inference achieves over the prior-only predictor, against a threshold of 80 %.
# * The bands show the same thing qualitatively: the PFN's 90 % interval follows the GP's, pinches
#   at the context points and opens between them, without the network ever having seen a GP
#   formula. The visible deviations are modest, the largest near the edge of a dense cluster of
#   context points in the 20-point panel, where the PFN's band is wider than the GP's.
#
# **Not tested: the speed-ups.** With fixed hyper-parameters the exact GP is itself cheap (one
# 20 x 20 Cholesky per dataset), and the timings printed above show it is as fast as or faster than
# the PFN's forward pass here; the paper's speed-ups (over 200-fold) are measured against MCMC or
# variational inference for priors *without* a closed-form posterior (GP hyper-priors, Bayesian
# neural networks). A fair test would train a PFN on a GP hyper-prior and compare it with NUTS
# over the hyper-parameters at equal predictive quality, which is beyond this chapter's budget.
# The full scale (d = 128, 6 layers, 1000 buckets, 2.6 million prior datasets, stricter 0.10-nat
# threshold) is written to run on one GPU in a few minutes but was not executed for this book:
# no GPU was available to this session.
#
# ## Deviations from the paper
#
# * **Prior.** One input dimension, length-scale 0.1, unit output scale and noise variance 0.01.
#   The authors' GP notebook uses noise $10^{-4}$; with so little noise the posterior predictive
#   becomes extremely sharp near the data and a bar head needs thousands of buckets to follow it,
#   which a CPU budget does not allow. The paper's GP experiments also include several input
#   dimensions and hyper-priors; we keep the fixed-hyper-parameter case of its Sec. 5.1.
# * **Network and training.** A pre-LayerNorm transformer with $d = 32$, 4 layers and 4 heads
#   (quick; $d = 128$, 6 layers at full scale) instead of the authors' post-LayerNorm encoder with
#   $d = 512$; 250 buckets (1000 at full scale) with borders from $10^5$ prior samples; 1100 Adam
#   steps of 32 datasets (quick) instead of hundreds of thousands of datasets; linear warm-up and
#   cosine decay as in their code, but no gradient clipping (the book's training loop has none).
#   Each dataset has its own context size drawn uniformly from 1 to 20 with the remaining points
#   as queries; the authors draw one context size per batch.
# * **Bar head.** The same construction (equal-mass buckets, half-normal tails on the two outer
#   buckets), written from the paper's description; we also report the discretisation floor,
#   which the paper does not.
# * **Evaluation.** 1000 held-out datasets (2000 at full scale) with mixed context sizes; the paper
#   plots the NLL against the number of context points, which our table and figure show in four
#   bins. The speed-up claims are not tested (see the verdict).
# * **Attention** is written out as softmax$(QK^\top/\sqrt{d_h})V$ with an explicit mask and the
#   bar NLL avoids `gather`, so that the computation is deterministic on CPU and GPU alike.
