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
# # Training Bayesian Neural Networks with Sparse Subspace Variational Inference
#
# {cite}`li2024sparse` · [paper (arXiv:2402.11025)](https://arxiv.org/abs/2402.11025)
# · [authors' code (ljb121002/SSVI)](https://github.com/ljb121002/SSVI). Everything below is our
# own implementation.
#
# Mean-field variational inference (VI) doubles the parameters of a network (a mean and a standard
# deviation per weight) and sparse Bayesian networks have so far been obtained either by pruning a
# trained dense BNN or by shrinking it gradually, so that training still pays the dense price. Li
# et al. keep the variational family on a *sparse subspace* from the first step: only a fixed
# number of weights are random variables, all others are exactly zero. Which weights belong to the
# subspace is revised during training: periodically the least useful active weights, ranked by a
# statistic of their posterior such as the signal-to-noise ratio $|\mu|/\sigma$, are removed, and
# the same number of new weights is added where the loss gradient is largest.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** A BNN trained by SSVI stays at a fixed, low density throughout training; at 10-20x
# compression (10 % and 5 % density) its accuracy is within 3 points of dense VI (ResNet-18 on
# CIFAR-10/100), its uncertainty metrics are comparable and sometimes better, it outperforms
# sparse BNNs obtained otherwise, and training needs up to 20x fewer FLOPs than dense VI.
#
# **This chapter checks**, with a mean-field Gaussian MLP on scikit-learn's digits, over paired
# repetitions (thresholds fixed from the paper and the catalog before running):
# 1. *10 % density*: SSVI's mean test accuracy is at least dense VI's minus 3 points, and the
#    weight density never exceeds 10 % at any training step;
# 2. *10 % density, against a fixed subspace*: SSVI is more accurate than static random-sparse
#    VI (same initial mask, never updated): the paired 95 % confidence interval of the accuracy
#    difference lies above 0;
# 3. *5 % density* (20x compression): SSVI's mean accuracy is at least dense VI's minus 3 points,
#    and the paired 95 % CI of SSVI minus static sparse VI lies above 0;
# 4. *uncertainty at 10 %*: SSVI's mean test NLL is at most dense VI's + 0.05 nats and its mean
#    ECE at most dense VI's + 1 point;
# 5. *sparse training vs compression*: at 10 % density SSVI's mean accuracy exceeds that of dense
#    VI pruned post hoc to 10 % by the same criterion (no fine-tuning) by at least 1 point;
# 6. *training cost*: counted theoretical training FLOPs (forward and backward passes of the
#    active weights plus the dense weight gradients of the subspace updates) are at least
#    0.9/density times fewer than dense VI's: >= 9x at 10 %, >= 18x at 5 % (the paper's "up to 20x").
#
# The catalog's check was claim 1 plus "SSVI >= static sparse VI on average"; a bare comparison
# of means turned out to be a coin flip between seeds (see the Deviations), so claims 2 and 3 ask
# for the stricter paired confidence interval instead.
# ```

# %% tags=["parameters"]
scale = "quick"           # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0                  # base seed: repetition r uses data split and initialisation 1000*seed + r
device = "auto"           # "auto", "cpu" or "cuda"
n_reps = 0                # paired repetitions; 0 picks the scale's default
density = 0.1             # main SSVI density (fraction of weights in the subspace)
low_density = 0.05        # second, more aggressive density
criterion = "folded_snr"  # removal score: "folded_snr" (authors' default), "snr" or "magnitude"
growth = "gradient"       # addition rule: "gradient" (largest |dCE/dmu|) or "random"

# %%
import copy
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book import params
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.data import datasets
from repro.nn import training
from repro.papers.kernels import sparse_vi as sv
from repro.stats import calibration
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)
params.check_int("n_reps", n_reps, minimum=0, maximum=50)
params.check_float("density", density, minimum=0.005, maximum=0.5)
params.check_float("low_density", low_density, minimum=0.005, maximum=0.5)
params.check_choice("criterion", criterion, sv.CRITERIA)
params.check_choice("growth", growth, sv.GROWTH)
n_reps = n_reps or run.pick(4, 10)
if n_reps < 2:
    raise params.ParameterError(f"parameter n_reps={n_reps} must be >= 2 (paired comparisons)")

HIDDEN = run.pick([128, 128], [256, 256])
EPOCHS = run.pick(40, 100)
BATCH = 128
LR = 1e-2            # Adam, all variational parameters
KL_WEIGHT = 0.1      # tempered ELBO (the authors temper the KL too)
PRIOR_STD, INIT_STD = 1.0, 0.01
DELTA = run.pick(25, 50)   # optimiser steps between subspace updates
ALPHA = 0.3                # initial fraction of active weights moved per update (cosine-annealed)
GRAD_BATCH = BATCH         # examples for the growth gradient: one mini-batch, as the authors
MC = 32                    # posterior samples at test time
SEEDS = [1000 * seed + r for r in range(n_reps)]
print(f"MLP 64-{'-'.join(map(str, HIDDEN))}-10, {EPOCHS} epochs, {n_reps} paired repetitions, "
      f"densities {density:g} and {low_density:g}, criterion {criterion}, growth {growth}")

# %% [markdown]
# ## The method
#
# Each weight $w_i$ of the network has a Gaussian factor $q(w_i) = N(\mu_i, \sigma_i^2)$,
# $\sigma_i = \mathrm{softplus}(\rho_i)$, and prior $N(0, s_0^2)$. SSVI restricts $q$ to a subspace
# given by a binary mask $\gamma$ with $\lVert\gamma\rVert_0 = s$: inactive weights are the point
# mass at $0$. For a fixed $\gamma$ the objective is the usual (here tempered) negative ELBO over
# the active weights,
#
# $$\mathcal L(\mu, \rho; \gamma) = \frac{1}{N}\sum_{n} \mathbb E_q\big[-\log p(y_n \mid x_n, w \odot \gamma)\big]
#   + \frac{\beta}{N} \sum_{i: \gamma_i = 1} \mathrm{KL}\big(N(\mu_i, \sigma_i^2)\,\Vert\, N(0, s_0^2)\big),$$
#
# minimised with the local reparameterisation trick (the pre-activations of a layer are Gaussian
# with mean $x (\mu\odot\gamma)^\top$ and variance $x^2 (\sigma^2\odot\gamma)^\top$). Every $\Delta$
# steps, until 75 % of training, the subspace is updated with a fraction
# $f_t = \tfrac{\alpha}{2}(1 + \cos(\pi t / T_{\mathrm{end}}))$ of each layer's $s_\ell$ active weights:
#
# * **removal**: drop the $\lfloor f_t s_\ell \rfloor$ active weights with the lowest score. The
#   authors' default score is the signal-to-noise ratio of $|w|$ under $q$ (a folded normal),
#   $\;\mathbb E|w| / \mathrm{sd}|w|$ with
#   $\mathbb E|w| = \mu\,\mathrm{erf}\big(\tfrac{\mu}{\sigma\sqrt 2}\big) + \sigma\sqrt{2/\pi}\,e^{-\mu^2/2\sigma^2}$ and
#   $\mathrm{Var}|w| = \mu^2 + \sigma^2 - (\mathbb E|w|)^2$; it tends to $|\mu|/\sigma$ for large SNR;
# * **addition**: add as many weights outside the kept set, those with the largest gradient
#   $|\partial \mathrm{CE} / \partial \mu_i|$ of the mean network on a batch (as in RigL), starting
#   at $\mu_i = 0$ and $\rho_i$ equal to the mean $\rho$ of the layer's active weights.
#
# The number of active weights never changes, so the density is the target density at every step.
# The code is `src/repro/papers/kernels/sparse_vi.py` (tests in `tests/test_sparse_vi.py`); it composes
# `repro.nn.bnn.BayesLinear`, whose mask already restricts the forward pass and the KL.

# %%
print(inspect.getsource(sv.removal_score))
print(inspect.getsource(sv.SSVI.update))

# %% [markdown]
# ## Experiment
#
# Per repetition (its own train/test split of digits, 1257/540 images), all runs start from the
# same initial means; the sparse runs at one density also share the same random initial mask, so
# SSVI and static sparse VI differ only by the subspace updates. Methods:
# dense VI; SSVI at `density` and `low_density`; static random-sparse VI at both densities; dense VI
# pruned after training to each density by the same score (no fine-tuning); and, for the record,
# SSVI at `low_density` with the two other removal scores (on the first repetition only at quick scale). Predictions average the softmax of
# 32 posterior samples.

# %%
SIZES = [(64, HIDDEN[0])] + list(zip(HIDDEN[:-1], HIDDEN[1:])) + [(HIDDEN[-1], 10)]
OTHER_CRITERIA = [c for c in sv.CRITERIA if c != criterion]


def evaluate(model, data):
    p = sv.mc_predict(model, data.X_test, MC).cpu().numpy()
    y = data.y_test.cpu().numpy()
    return {"acc": 100 * float((p.argmax(1) == y).mean()),
            "nll": float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean()),
            "ece": 100 * calibration.ece(p, y)}


def fit(data, s, dens=1.0, mode="dense", crit=criterion):
    """Train one BNN; mode is "dense", "static" (fixed random mask) or "ssvi"."""
    n = len(data.X_train)
    steps = EPOCHS * ((n + BATCH - 1) // BATCH)
    torch.manual_seed(s)
    model = sv.bayes_mlp(64, HIDDEN, 10, PRIOR_STD, INIT_STD).to(run.device)
    g = torch.Generator().manual_seed(s)
    if mode != "dense":
        sv.random_masks(model, dens, g)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = None
    if mode == "ssvi":
        sched = sv.SSVI(model, opt, data.X_train, data.y_train, T_end=int(0.75 * steps), delta=DELTA,
                        alpha=ALPHA, criterion=crit, growth=growth, grad_batch=GRAD_BATCH, generator=g)
    training.train(model, sv.elbo_loss(model, n, KL_WEIGHT), data.X_train, data.y_train, epochs=EPOCHS,
                   batch_size=BATCH, optimizer=opt, generator=torch.Generator().manual_seed(s + 1),
                   after_step=sched, desc=f"{mode} {dens:g}")
    return model, sched, n * EPOCHS


res, traces, moved, flops, first_layer = {}, {}, {}, {}, {}
for s in progress(SEEDS, desc="repetitions"):
    data = datasets.digits(seed=s).to(run.device)
    row = {}
    dense, _, n_ex = fit(data, s)
    row["dense VI"] = evaluate(dense, data)
    flops["dense VI"] = sv.training_flops(SIZES, 1.0, steps=1, batch_size=n_ex)
    for d in (density, low_density):
        pruned = copy.deepcopy(dense)
        sv.prune_posthoc(pruned, d, criterion)
        row[f"post-hoc {d:g}"] = evaluate(pruned, data)
        m, _, _ = fit(data, s, d, "static")
        row[f"static {d:g}"] = evaluate(m, data)
        pixels_static = sv.bayes_layers(m)[0].mask.sum(0).cpu().numpy()
        m, sched, _ = fit(data, s, d, "ssvi")
        row[f"SSVI {d:g}"] = evaluate(m, data)
        traces.setdefault(d, []).append(np.array(sched.density_trace))
        moved.setdefault(d, []).append(np.array(sched.moved))
        flops[f"SSVI {d:g}"] = sv.training_flops(SIZES, d, steps=1, batch_size=n_ex,
                                                 n_updates=sched.n_updates, grad_batch=GRAD_BATCH)
        flops[f"SSVI {d:g}, dense growth pass"] = sv.training_flops(
            SIZES, d, steps=1, batch_size=n_ex, n_updates=sched.n_updates, grad_batch=GRAD_BATCH,
            dense_growth_pass=True)
        if d == low_density:  # active first-layer weights per input pixel
            first_layer.setdefault("static", []).append(pixels_static)
            first_layer.setdefault("SSVI", []).append(sv.bayes_layers(m)[0].mask.sum(0).cpu().numpy())
    for c in OTHER_CRITERIA if s - SEEDS[0] < run.pick(1, n_reps) else []:
        m, _, _ = fit(data, s, low_density, "ssvi", crit=c)
        row[f"SSVI {low_density:g} [{c}]"] = evaluate(m, data)
    for k, v in row.items():
        for metric, x in v.items():
            res.setdefault(k, {}).setdefault(metric, []).append(x)
res = {k: {m: np.array(x) for m, x in v.items()} for k, v in res.items()}

print(f"{'method':28s} {'accuracy %':>11s} {'NLL':>7s} {'ECE %':>7s}  repetitions")
for k, v in res.items():
    print(f"{k:28s} {v['acc'].mean():11.1f} {v['nll'].mean():7.3f} {v['ece'].mean():7.2f}  {len(v['acc'])}")

# %%
main = ["dense VI", f"SSVI {density:g}", f"static {density:g}", f"post-hoc {density:g}",
        f"SSVI {low_density:g}", f"static {low_density:g}", f"post-hoc {low_density:g}"]
colors = [COLORS[5], COLORS[0], COLORS[3], COLORS[1], COLORS[0], COLORS[3], COLORS[1]]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, metric, label in zip(axes, ("acc", "nll", "ece"), ("test accuracy (%)", "test NLL (nats)", "ECE (%)")):
    for i, (k, c) in enumerate(zip(main, colors)):
        v = res[k][metric]
        ax.bar(i, v.mean(), color=c, alpha=0.5 if k.endswith(f"{low_density:g}") else 0.9)
        ax.plot(np.full(len(v), i), v, "k.", ms=4)
    ax.set_xticks(range(len(main)), main, rotation=35, ha="right", fontsize=8)
    ax.set_ylabel(label)
axes[0].set_ylim(max(0, min(res[k]["acc"].min() for k in main) - 5), 100)
axes[1].set_yscale("log")
fig.suptitle(f"Digits, mean-field VI MLP, {n_reps} paired repetitions (dots)", fontsize=10)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The sparsity trajectory
#
# First panel: the weight density at every optimiser step. SSVI sits at its target density from
# the first step to the last; dense VI followed by pruning is dense for the whole of training.
# Second panel: the fraction of the active weights replaced at each subspace update (the cosine
# schedule, as far as the addition step picks weights that were not active already). Last two
# panels: where the first-layer weights end up, counted per input pixel at 5 % density. SSVI moves
# them to the informative pixels in the centre of the 8x8 images, while a static random mask
# spreads them uniformly, including the nearly constant border pixels.

# %%
fig, axes = plt.subplots(1, 4, figsize=(15, 3.4), gridspec_kw=dict(width_ratios=[1.4, 1.2, 1, 1]))
n_steps = len(traces[density][0])
ax = axes[0]
ax.plot(np.arange(1, n_steps + 1), np.ones(n_steps), color=COLORS[5], label="dense VI (+ post-hoc pruning at the end)")
for d, ls in ((density, "-"), (low_density, "--")):
    ax.plot(np.arange(1, n_steps + 1), np.max(traces[d], 0), ls, color=COLORS[0], label=f"SSVI {d:g} (max over repetitions)")
ax.set_yscale("log")
ax.set(xlabel="optimiser step", ylabel="weight density", title="Density during training")
ax.legend(fontsize=7, loc="center right", bbox_to_anchor=(1.0, 0.3))
ax = axes[1]
for d, ls in ((density, "-"), (low_density, "--")):
    mv = np.mean(moved[d], 0)
    ax.plot(DELTA * np.arange(1, len(mv) + 1), mv, ls + "o", ms=3, color=COLORS[0], label=f"SSVI {d:g}")
ax.set(xlabel="optimiser step", ylabel="fraction of active weights replaced", title="Subspace updates")
ax.legend(fontsize=7)
vmax = max(np.mean(first_layer[k], 0).max() for k in first_layer)
for ax, k in zip(axes[2:], ("static", "SSVI")):
    im = ax.imshow(np.mean(first_layer[k], 0).reshape(8, 8), vmin=0, vmax=vmax, cmap="viridis")
    ax.set_title(f"{k} {low_density:g}: active weights\nper input pixel", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(im, ax=axes[2:], fraction=0.04)
plt.show()

# %% [markdown]
# ## Training cost
#
# Dense masked tensors do not save time on a CPU, so, as the paper does, we count theoretical
# FLOPs: per example and step, two matrix products over the active weights in the forward pass
# (mean and variance of the pre-activations, 2 FLOPs per weight each) and twice that in the
# backward pass. Each gradient-based addition step needs $|\partial \mathrm{CE}/\partial\mu|$ at all
# positions on one mini-batch; counted as in RigL {cite}`evci2020rigl`, the forward and
# input-gradient passes of that step stay sparse and only the weight gradient is dense (2 FLOPs per
# weight and example). Our masked implementation actually runs a dense pass there; the line
# "dense growth pass" counts that more pessimistic cost (6 FLOPs per weight and example).

# %%
for k in ("dense VI", f"SSVI {density:g}", f"SSVI {density:g}, dense growth pass", f"SSVI {low_density:g}",
          f"SSVI {low_density:g}, dense growth pass"):
    print(f"{k:32s} {flops[k]:.2e} training FLOPs   (dense / this = {flops['dense VI'] / flops[k]:.1f}x)")
ratio_hi = flops["dense VI"] / flops[f"SSVI {density:g}"]
ratio_lo = flops["dense VI"] / flops[f"SSVI {low_density:g}"]

# %% [markdown]
# Paired differences (same split, same initialisation, same initial mask) of SSVI minus static
# sparse VI, per repetition:

# %%
diff = {d: res[f"SSVI {d:g}"]["acc"] - res[f"static {d:g}"]["acc"] for d in (density, low_density)}
for d in (density, low_density):
    m, h = mean_ci(diff[d])
    print(f"density {d:g}: SSVI - static = {np.round(diff[d], 1)} points, mean {m:.2f}, 95% CI [{m - h:.2f}, {m + h:.2f}]")

# %% tags=["nbval-check-output"]
acc = {k: v["acc"].mean() for k, v in res.items()}
D, L = f"{density:g}", f"{low_density:g}"
max_density = max(float(t.max()) for t in traces[density])
lo = {d: float(np.subtract(*mean_ci(diff[d]))) for d in (density, low_density)}
claims = repro.Claims()
claims.add(
    f"At {density:.0%} density SSVI stays sparse throughout training and is within 3 points of dense VI",
    measured={"acc dense": acc["dense VI"], f"acc SSVI {D}": acc[f"SSVI {D}"],
              "max density during training": f"<= {density:g}" if max_density <= density + 1e-4 else f"{max_density:.4f}"},
    criterion=f"mean over {n_reps} repetitions: SSVI >= dense - 3; density <= {density:g} at every step "
              "(up to rounding to whole weights)",
    passed=bool(acc[f"SSVI {D}"] >= acc["dense VI"] - 3 and max_density <= density + 1e-4),
    fmt="{:.1f}")
claims.add(
    f"At {density:.0%} density SSVI is more accurate than static random-sparse VI",
    measured={f"acc SSVI {D}": acc[f"SSVI {D}"], f"acc static {D}": acc[f"static {D}"],
              "paired 95% CI above 0": "yes" if lo[density] > 0 else "no"},
    criterion=f"paired 95% CI over {n_reps} repetitions of acc(SSVI) - acc(static) entirely above 0",
    passed=bool(lo[density] > 0), fmt="{:.1f}")
claims.add(
    f"At {low_density:.0%} density (20x compression) SSVI is within 3 points of dense VI and beats static sparse VI",
    measured={"acc dense": acc["dense VI"], f"acc SSVI {L}": acc[f"SSVI {L}"], f"acc static {L}": acc[f"static {L}"],
              "paired 95% CI above 0": "yes" if lo[low_density] > 0 else "no"},
    criterion=f"mean SSVI >= dense - 3, and paired 95% CI of acc(SSVI) - acc(static) entirely above 0",
    passed=bool(acc[f"SSVI {L}"] >= acc["dense VI"] - 3 and lo[low_density] > 0),
    fmt="{:.1f}")
nll_d, nll_s = res["dense VI"]["nll"].mean(), res[f"SSVI {D}"]["nll"].mean()
ece_d, ece_s = res["dense VI"]["ece"].mean(), res[f"SSVI {D}"]["ece"].mean()
claims.add(
    f"At {density:.0%} density SSVI's uncertainty is as good as dense VI's",
    measured={"NLL dense": f"{nll_d:.2f}", f"NLL SSVI {D}": f"{nll_s:.2f}",
              "ECE dense %": f"{ece_d:.1f}", f"ECE SSVI {D} %": f"{ece_s:.1f}"},
    criterion="mean NLL(SSVI) <= NLL(dense) + 0.05 nats and mean ECE(SSVI) <= ECE(dense) + 1 point",
    passed=bool(nll_s <= nll_d + 0.05 and ece_s <= ece_d + 1.0))
claims.add(
    f"Sparse training beats compressing a dense BNN after training at {density:.0%} density",
    measured={f"acc SSVI {D}": acc[f"SSVI {D}"], f"acc post-hoc pruned {D}": acc[f"post-hoc {D}"]},
    criterion=f"mean accuracy SSVI >= post-hoc pruned dense VI ({criterion}, no fine-tuning) + 1 point",
    passed=bool(acc[f"SSVI {D}"] >= acc[f"post-hoc {D}"] + 1), fmt="{:.1f}")
claims.add(
    "SSVI's theoretical training FLOPs are about 1/density of dense VI's",
    measured={f"reduction at {D}": f">= {0.9 / density:.0f}x" if ratio_hi >= 0.9 / density else f"{ratio_hi:.1f}x",
              f"reduction at {L}": f">= {0.9 / low_density:.0f}x" if ratio_lo >= 0.9 / low_density else f"{ratio_lo:.1f}x"},
    criterion="dense FLOPs / SSVI FLOPs >= 0.9 / density at both densities (growth counted as in RigL)",
    passed=bool(ratio_hi >= 0.9 / density and ratio_lo >= 0.9 / low_density))
claims.report()

# %% [markdown]
# ## Verdict
#
# **Claims 1, 3, 4, 5 and 6 reproduce; claim 2 does not.** On digits, a mean-field VI network that
# only ever holds 10 % of its weights (SSVI) is as accurate as dense VI (within about half a point
# either way, well inside the paper's 3-point budget) and at 5 % density (20x compression) it
# still is, while its density never leaves the target during training. Its predictive NLL and ECE
# are as good as, and here slightly better than, dense VI's: the sparse networks carry far fewer
# weights whose posterior noise the tempered ELBO leaves too wide. Training sparse from the start
# also beats training dense and pruning afterwards by a wide margin (the same removal score, used
# once at the end and without fine-tuning, loses more than 10 points at 10 % density). By the
# FLOP count, SSVI's training costs about 9.5x (10 %) and 18x (5 %) less than dense VI; the
# subspace updates cost a few per cent on top of the ideal 1/density.
#
# **Claim 2 (SSVI better than a fixed random subspace at 10 %) does not reproduce at this scale.**
# At 10 % the 64-128-128-10 network is still wide enough that a random sparse subnetwork of the
# same size fits digits about as well: the paired difference is a fraction of a point and its
# confidence interval includes 0 (the mean sign even changes between seeds). The benefit of moving
# the subspace appears where capacity is scarce: at 5 % density SSVI is about 2 points ahead of the
# static mask on every seed (claim 3), and the pixel maps show why: SSVI moves first-layer weights
# off the constant border pixels onto the informative centre of the image, which a random mask
# cannot do. The paper's comparison is on ResNet-18 with CIFAR, where the network is far from
# over-parameterised at 10 %; testing that would need the CNN setting (a `full`-scale extension).
# The comparison of removal scores (folded SNR, SNR, magnitude), run on one repetition at quick
# scale, shows no difference larger than the noise.
#
# ## Deviations from the paper
#
# * **Model and data.** A two-hidden-layer MLP (128 units at quick scale, 256 at full) on
#   scikit-learn's 8x8 digits instead of ResNet-18 on CIFAR-10/100 (not available offline, and far
#   beyond the CPU budget); 40 epochs of Adam (lr 0.01) instead of 200 epochs of SGD with a cosine
#   schedule.
# * **VI settings.** Prior $N(0, 1)$, initial $\sigma = 0.01$, KL weight 0.1 (the authors temper
#   the KL by 0.01 with a much smaller prior scale, and warm it up); our settings were chosen so that
#   dense VI learns non-trivial posterior standard deviations within 400 steps, and all methods
#   share them.
# * **Subspace schedule.** Update every 25 steps until 75 % of training with initial moved
#   fraction 0.3 (the authors: every 100 steps over far longer training, same fraction and cosine
#   decay); the same density in every layer, including the first (the authors' uniform allocation
#   keeps the first layer dense, which in a 64-input MLP would already exceed 10 % of the weights).
#   Growth uses the gradient of the *mean* network on one mini-batch, computed in a separate pass
#   (the authors reuse the stochastic training pass). New weights start at $\mu = 0$ and the layer's
#   mean $\rho$, as in the authors' code.
# * **Post-hoc pruning baseline.** One-shot pruning of the trained dense VI network to the target
#   density per layer by the same score, without fine-tuning; the paper compares with published
#   sparse-BNN methods instead.
# * **FLOPs** are counted, not measured (masked dense tensors save no time on a CPU); the growth
#   step is counted as in RigL (sparse forward, dense weight gradient). Our masked implementation's
#   dense growth pass is shown for comparison (8.8x and 15.6x).
# * **Claims 2 and 3** replace the catalog's "SSVI >= static on average over 3 seeds" by a paired
#   95 % confidence interval above 0 over 4 paired repetitions. We made this change after a first
#   draft of the chapter with the bare comparison of means gave opposite verdicts for seeds 0 and 2
#   at 10 % density (SSVI ahead by 0.2 points on one, behind by 0.4 on the other): the methods tie
#   there, and a sign of a tie is a coin flip. The new criterion is stricter, not looser.
# * The paper's robustness-to-hyper-parameters experiments are not reproduced.
