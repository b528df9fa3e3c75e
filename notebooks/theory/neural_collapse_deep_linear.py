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
# # Neural Collapse in Deep Linear Networks: From Balanced to Imbalanced Data
#
# {cite}`dang2023neural` · ICML 2023 · [arXiv:2301.00437](https://arxiv.org/abs/2301.00437)
# · [authors' code](https://github.com/thotranhuu99/Neural-Collapse-in-Deep-Linear-Networks)
#
# At the end of training, the last-layer features of a classifier tend to shrink onto their class
# means, and the means arrange themselves in a very symmetric configuration: "neural collapse"
# {cite}`papyan2020prevalence`. A popular explanation treats the features as free parameters (the
# *unconstrained features model*, UFM) and studies the minimisers of the regularised training loss.
# Dang, Tran, Osher, Tran-The, Ho and Nguyen put $M$ linear layers between the free features and
# the output and solve the resulting problem exactly: for mean squared error (MSE) and cross-entropy
# (CE), every layer's features collapse at the global optimum. For MSE without a bias and with
# imbalanced classes they find something new: the class means are still mutually orthogonal, but
# each has its own length, fixed by its sample count through a scalar equation, and a class with
# too few samples can be pushed all the way to zero.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** In the deep linear UFM with weight decay on all layers and on the features, every
# global minimiser shows neural collapse in every layer: features equal their class means (NC1),
# and for balanced classes the centred class means and the classifier rows form a simplex
# equiangular tight frame (ETF; pairwise cosines $-1/(K-1)$), with MSE plus a bias or with CE. With
# imbalanced classes, MSE and no bias, the class means and classifier rows are orthogonal, with
# lengths given in closed form by the class sizes $n_k$; the authors validate this by training.
#
# **This chapter tests** the model trained with the authors' optimiser (full-batch gradient
# descent with momentum 0.9, step 0.1) on the MSE objective, $K = 4$ classes, depths
# $M = 1, \dots, 4$; criteria are declared in the box below before anything runs:
# * *headline*: independent training runs (random starts) end in the geometry the paper derives,
#   and not in the other setting's: centred class means and classifier rows closer to the simplex
#   ETF than to an orthogonal frame for balanced MSE with a bias, and closer to an orthogonal frame
#   than to a simplex ETF for imbalanced bias-free MSE, at every layer and depth;
# * *supporting*: with imbalanced classes, the trained lengths follow the closed form in the class
#   sizes better than equal lengths (the balanced prediction) do;
# * *sanity checks* (the theorems evaluated at the global minimum our optimiser reaches): NC1 in
#   every layer, the ETF and orthogonal cosines and the closed-form lengths within the catalog's
#   tolerances, minority collapse where the closed form predicts it, and the objective at the
#   closed-form global minimum. CE is not tested (see Deviations).
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
RUNS = repro.Change(
    what=("counted claims measured on single random starts at weight decay 1e-2 (runs), where momentum GD converges "
          "in 2000 steps; balanced + bias starts added at that decay"),
    was="one start per depth at weight decay 5e-4 (20000 steps), every check required without an interval",
    why="the claim rules: >= 3 independent runs; 20000-step runs replicated would exceed the quick budget")
PER_TRAINING = repro.Change(
    what="one run = one training (a random start at one depth; every depth is trained from its own start): 32 runs",
    was="one run = one start index, the worst of its 4 depth trainings: 8 runs",
    why=("with 8 runs both counted verdicts differed between seeds 0, 1 and 2 (a few starts stop in a spurious "
         "minimum); the rule is to enlarge the experiment, and the 4 trainings of a start index are independent "
         "runs, so they are no longer collapsed into one value"))
claims.declare(
    "geometry_of_training", kind="headline",
    statement=("Training runs (depths 1 to 4) end in the paper's geometry at every layer: simplex ETF (not orthogonal) "
               "for balanced MSE with a bias, orthogonal (not simplex ETF) for imbalanced bias-free MSE"),
    metric=("max |cosine - predicted| - max |cosine - alternative| over the (centred for the balanced case) class "
            "means of every layer and the classifier rows, surviving classes only, per training run (start x depth)"),
    better="lower", margin=0.0, fmt="{:+.2f}", changed=(RUNS, PER_TRAINING))
claims.declare(
    "lengths_follow_counts", kind="supporting",
    statement=("With imbalanced classes the class-mean and classifier-row lengths follow the closed form in the class "
               "sizes better than equal lengths do"),
    metric="max relative length error vs the closed form, per training run (start x depth)",
    paired_with="the same vs equal lengths (the mean of the closed-form lengths of the surviving classes)",
    better="lower", margin=0.0, fmt="{:+.2f}", changed=(RUNS, PER_TRAINING))
claims.declare(
    "nc1_every_layer", kind="sanity",
    statement="NC1: features collapse to their class means at every layer (4 settings x 4 depths, best start)",
    metric="worst tr(Sigma_W Sigma_B^+)/K (floored at 1e-6)", better="lower", margin=1e-3, fmt="{:.0e}",
    deterministic=True)
claims.declare(
    "etf_balanced", kind="sanity",
    statement="Balanced MSE + bias (decay 5e-4): centred class means and classifier rows form a simplex ETF",
    metric="max |cosine + 1/3| over layers and depths (floored at 1e-6)", better="lower", margin=0.02,
    fmt="{:.0e}", deterministic=True)
claims.declare(
    "orthogonal_imbalanced", kind="sanity",
    statement="Imbalanced bias-free MSE (decay 5e-4): orthogonal class means and classifier rows",
    metric="max |cosine| over layers and depths (floored at 1e-6)", better="lower", margin=0.02, fmt="{:.0e}",
    deterministic=True)
claims.declare(
    "lengths_closed_form", kind="sanity",
    statement="Imbalanced bias-free MSE (decay 5e-4): every length within 5 % of the closed form",
    metric="max relative length error (floored at 1e-6)", better="lower", margin=0.05, fmt="{:.0e}",
    deterministic=True)
claims.declare(
    "minority_collapse", kind="sanity",
    statement=("Decay 1e-2, best of the starts: the smallest class is switched off exactly at the depths where the "
               "closed form says so (and the surviving lengths match it within 5 %)"),
    metric="number of depths where the trained and predicted on/off status of the smallest class disagree, or "
           "lengths miss by > 5 %", better="lower", margin=0.5, fmt="{:.0f}", deterministic=True)
claims.declare(
    "global_minimum", kind="sanity",
    statement="The optimiser (best start) reaches the closed-form global minimum in every setting and depth",
    metric="max relative objective gap (floored at 1e-6)", better="lower", margin=1e-4, fmt="{:.0e}",
    deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
feature_dim = 32  # d, width of the features and of the hidden linear layers

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

from repro.book.params import check_int
from repro.book.progress import progress
from repro.papers.theory import deep_linear_ufm as du

run = repro.setup(scale, seed, device)
check_int("feature_dim", feature_dim, minimum=4, maximum=512)
STEPS = run.pick(20000, 30000)  # the authors train for 30000 steps
DEPTHS = (1, 2, 3, 4)
LR, MOMENTUM, INIT_STD = 0.1, 0.9, 0.2
BALANCED, IMBALANCED = (50,) * 4, (100, 50, 20, 10)
WD, WD_LARGE = 5e-4, 1e-2  # weight decay of the authors' synthetic runs, and a larger one
STEPS_LARGE = run.pick(2000, 5000)  # the larger decay converges 20x faster
RESTARTS = run.pick(8, 16)  # random starts at the larger decay: the runs of the counted claims
K = 4
print(f"d = {feature_dim}, {STEPS} steps of momentum GD per run, depths {DEPTHS}; numpy on CPU")

# %% [markdown]
# ## Method
#
# ### The model
# Features $H \in \mathbb R^{d\times N}$ are free parameters (one column per training sample), followed
# by $M$ linear layers $W_1, \dots, W_{M-1} \in \mathbb R^{d\times d}$ and $W_M \in \mathbb R^{K\times d}$:
#
# $$
# \min_{H, W_1..W_M, b}\; \frac1{2N}\big\lVert W_M\cdots W_1 H + b\mathbf 1^\top - Y\big\rVert_F^2
# + \frac{\lambda_W}2\sum_{m=1}^M \lVert W_m\rVert_F^2 + \frac{\lambda_H}2\lVert H\rVert_F^2 ,
# $$
#
# with one-hot targets $Y$ and an unregularised bias $b$ (dropped in the bias-free settings). The
# input of layer $m$ is
# $H_m = W_{m-1}\cdots W_1 H$ (so $H_1 = H$); collapse is measured on every $H_m$.
#
# ### The closed form (bias-free MSE)
# At the optimum every class owns one direction that runs through all layers: each $W_m$ has the
# same singular value $s_k$ along class $k$'s direction (weight decay balances the layers), and
# all $n_k$ features of class $k$ equal one vector of length $h_k$. The objective then splits into
# one scalar problem per class,
#
# $$
# \min_{s, h}\; \frac{n_k}{2N}(s^M h - 1)^2 + \frac{M\lambda_W}2 s^2 + \frac{n_k\lambda_H}2 h^2 .
# $$
#
# The best $h$ is $h_k = s^M/(s^{2M} + N\lambda_H)$, which leaves
# $g_k(s) = \frac{n_k\lambda_H}{2(s^{2M} + N\lambda_H)} + \frac{M\lambda_W}{2}s^2$. Writing
# $s^{2M} = N\lambda_H x^M$, its stationary points solve
#
# $$
# \frac{x^{M-1}}{(x^M + 1)^2} = \frac{N\lambda_W (N\lambda_H)^{1/M}}{n_k},
# $$
#
# the equation of the paper's imbalanced-MSE theorem (and of the authors' code). The right side
# grows as $n_k$ shrinks; once it is too large, or once the root is worse than $s = 0$, the class
# gets $s_k = 0$: its features and classifier row vanish (claim 4). For $M \ge 2$, $s = 0$ is
# always a local minimum of $g_k$ (the fit term is flat there to order $s^{2M}$), so an optimiser
# started too small can also get stuck there; we initialise at standard deviation 0.2. The class
# means at layer $m$ have lengths $s_k^{m-1}h_k$, the classifier rows lengths $s_k$, and all are
# mutually orthogonal. With a bias and balanced classes the bias absorbs the target mean $1/K$, and
# the centred targets have $K-1$ equal directions: the centred means form a simplex ETF and the
# minimum is $(K-1)/K$ of the bias-free one.
#
# The model, the closed form and the metrics are this book's `src/repro/papers/theory/deep_linear_ufm.py`
# (tests in `tests/test_deep_linear_ufm.py`):

# %%
print(inspect.getsource(du.imbalanced_optimum))

# %% [markdown]
# ## Training every setting
#
# Four settings, each at depths 1 to 4, all trained from the same kind of random start: balanced
# MSE with bias and imbalanced bias-free MSE, each at the authors' weight decay
# ($\lambda_W = \lambda_H = 5\cdot10^{-4}$) and at a larger one ($10^{-2}$).
#
# At the larger weight decay a single run can stop in a spurious local minimum: some class's
# direction shrinks to zero before the fit can grow it, and for $M \ge 2$ zero is a local minimum
# of that class's scalar problem. The first version of this chapter trained one start per depth
# there and failed claims 4 and 5 at $M = 2$ for exactly this reason. Since the theorems are about
# *global* minimisers, this setting now trains `RESTARTS` random starts per depth and keeps the one
# with the lowest objective; the number of starts that stopped above the global minimum is printed
# below. The other settings use one start per depth.

# %%
SETTINGS = {
    "balanced MSE + bias": dict(counts=BALANCED, bias=True, loss="mse", wd=WD),
    "imbalanced MSE": dict(counts=IMBALANCED, bias=False, loss="mse", wd=WD),
    "imbalanced MSE, large decay": dict(counts=IMBALANCED, bias=False, loss="mse", wd=WD_LARGE),
    "balanced MSE + bias, large decay": dict(counts=BALANCED, bias=True, loss="mse", wd=WD_LARGE),
}


def summarise(ufm, theta):
    """NC metrics of every layer at parameters theta."""
    parts, acts = ufm.unpack(theta), ufm.features(theta)
    layers = acts[:-1]
    means = [du.class_means(a, ufm.labels) for a in layers]
    centred = [m - a.mean(1, keepdims=True) for m, a in zip(means, layers)]
    return dict(nc1=[du.nc1(a, ufm.labels) for a in layers], means=means, centred=centred,
                classifier=parts[ufm.depth], loss=ufm.loss_grad(theta)[0])


def trace_metrics(ufm, opt):
    """Cheap metrics logged during training (worst layer)."""
    def metrics(theta):
        acts = ufm.features(theta)[:-1]
        out = dict(nc1=max(du.nc1(a, ufm.labels) for a in acts))
        if opt is not None:
            m = [du.class_means(a, ufm.labels) for a in acts]
            out["cos"] = max(np.abs(du.cosines(x)).max() for x in m)
            out["len"] = max(np.abs(np.linalg.norm(x, axis=0) / (opt.layer_sv**i * opt.feature_norm) - 1).max()
                             for i, x in enumerate(m))
        return out
    return metrics


results, traces = {}, {}
for name, cfg in SETTINGS.items():
    for M in progress(DEPTHS, desc=name):
        ufm = du.UFM(cfg["counts"], feature_dim, M, cfg["wd"], cfg["wd"], cfg["bias"], cfg["loss"])
        opt = du.imbalanced_optimum(cfg["counts"], M, cfg["wd"], cfg["wd"]) if not cfg["bias"] else None
        trace = name == "imbalanced MSE" and M == 3
        large = cfg["wd"] == WD_LARGE
        starts = []
        for _ in range(RESTARTS if large else 1):
            theta, log = du.heavy_ball(ufm, ufm.init(run.rng, INIT_STD), LR, MOMENTUM,
                                       STEPS_LARGE if large else STEPS,
                                       log_every=200 if trace else STEPS,
                                       metrics=trace_metrics(ufm, opt) if trace else None)
            starts.append((log["loss"][-1], theta))
        if trace:
            traces[name, M] = log
        theta = min(starts, key=lambda st: st[0])[1]
        best_loss = opt.loss if opt is not None else du.balanced_bias_optimum_loss(cfg["counts"][0], K, M, cfg["wd"], cfg["wd"])
        stuck = sum(st[0] > (1 + 1e-4) * best_loss for st in starts) if large else 0
        results[name, M] = summarise(ufm, theta) | dict(opt=opt, stuck=stuck, starts=len(starts))
        if large:  # every start, for the counted claims
            results[name, M]["all_starts"] = [summarise(ufm, th) | dict(opt=opt) for _, th in starts]
        r = results[name, M]
        print(f"{name:28s} M={M}: loss {r['loss']:.6f}, worst-layer NC1 {max(r['nc1']):.1e}"
              + (f", {stuck} of {len(starts)} starts stuck above the global minimum" if large else ""))

# %% [markdown]
# The training dynamics of one run (imbalanced MSE, $M = 3$), logged every 200 steps: the
# within-class variability of the worst layer, the largest class-mean cosine of any layer, and the
# largest relative deviation of a class-mean length from the closed form. All fall geometrically
# once the fit is made; the slow rate is the weight decay's.

# %%
log = traces["imbalanced MSE", 3]
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(log["step"], log["nc1"], label=r"NC1 $= \mathrm{tr}(\Sigma_W\Sigma_B^+)/K$ (worst layer)")
ax.plot(log["step"], log["cos"], label="max |cosine| between class means (any layer)")
ax.plot(log["step"], log["len"], label="max relative error of class-mean lengths vs closed form")
ax.axhline(1e-3, color="0.5", ls=":", lw=1, label="NC1 threshold $10^{-3}$")
ax.set(yscale="log", ylim=(1e-14, 1e2), xlabel="gradient step (momentum 0.9, step 0.1)",
       ylabel="metric", title=r"Imbalanced MSE, $M = 3$, $n_k = (100, 50, 20, 10)$")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Geometry of the class means
#
# Gram matrices of the normalised class means at the input of the last layer, $M = 3$: balanced
# data with a bias give the simplex ETF (off-diagonal $-1/3$, after centring), imbalanced bias-free MSE gives an
# orthogonal frame (off-diagonal 0), and with the large weight decay the smallest class is gone.

# %%
def normalised_gram(V):
    n = np.linalg.norm(V, axis=0)
    n = np.where(n > 1e-12, n, 1.0)
    return (V / n).T @ (V / n)


panels = [("balanced MSE + bias", "centred"), ("imbalanced MSE", "means"),
          ("imbalanced MSE, large decay", "means")]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, (name, key) in zip(axes, panels):
    G = normalised_gram(results[name, 3][key][-1])
    im = ax.imshow(G, vmin=-1, vmax=1, cmap="RdBu_r")
    for i in range(K):
        for j in range(K):
            ax.text(j, i, f"{G[i, j]:.2f}", ha="center", va="center", fontsize=8)
    ax.set(title=f"{name}\n({'centred ' if key == 'centred' else ''}class means, layer 3)",
           xticks=range(K), yticks=range(K), xlabel="class", ylabel="class")
    ax.grid(False)
fig.colorbar(im, ax=axes, shrink=0.8, label="cosine")
plt.show()

# %% [markdown]
# ## Lengths: closed form against training
#
# Class-mean lengths of the free features $H_1$ and classifier-row lengths, against the class
# size, at every depth (lines: closed form; markers: trained). Larger classes get *longer*
# classifier rows and *shorter* feature means; with the large weight decay the 10-sample class sits
# at zero for $M \ge 3$.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
counts = np.array(IMBALANCED)
for ax, name in zip(axes, ("imbalanced MSE", "imbalanced MSE, large decay")):
    for i, M in enumerate(DEPTHS):
        r = results[name, M]
        opt = r["opt"]
        ax.plot(counts, opt.feature_norm, "-", color=f"C{i}", label=f"M={M}: feature mean (theory)")
        ax.plot(counts, np.linalg.norm(r["means"][0], axis=0), "o", color=f"C{i}")
        ax.plot(counts, opt.layer_sv, "--", color=f"C{i}", label=f"M={M}: classifier row (theory)")
        ax.plot(counts, np.linalg.norm(r["classifier"], axis=1), "s", color=f"C{i}", mfc="none")
    ax.set(xscale="log", xlabel="class size $n_k$", ylabel="length",
           title=f"{name} ($\\lambda = {SETTINGS[name]['wd']:g}$); markers: trained")
    ax.set_xticks(counts, [str(c) for c in counts])
axes[0].legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()

# %%
def lengths_error(r, skip_zero=True):
    """Max relative error of class-mean lengths (every layer) and classifier rows vs closed form."""
    opt, alive = r["opt"], r["opt"].layer_sv > 0
    errs = [np.abs(np.linalg.norm(m, axis=0)[alive] / (opt.layer_sv[alive] ** i * opt.feature_norm[alive]) - 1)
            for i, m in enumerate(r["means"])]
    errs.append(np.abs(np.linalg.norm(r["classifier"], axis=1)[alive] / opt.layer_sv[alive] - 1))
    return float(max(e.max() for e in errs))


def max_cos_error(r, key, target, alive=None):
    vecs = [m if alive is None else m[:, alive] for m in r[key]]
    rows = r["classifier"].T if alive is None else r["classifier"].T[:, alive]
    return float(max(np.abs(du.cosines(v) - target).max() for v in vecs + [rows]))


nc1_worst = max(max(r["nc1"]) for r in results.values())
etf_err = max(max_cos_error(results["balanced MSE + bias", M], "centred", du.simplex_etf_cosine(K)) for M in DEPTHS)
orth_err = max(max_cos_error(results["imbalanced MSE", M], "means", 0.0) for M in DEPTHS)
len_err = max(lengths_error(results["imbalanced MSE", M]) for M in DEPTHS)
large = {M: results["imbalanced MSE, large decay", M] for M in DEPTHS}
predicted_off = {M: bool(large[M]["opt"].layer_sv[-1] == 0) for M in DEPTHS}
minority_ratio = {M: float(np.linalg.norm(large[M]["means"][0][:, -1])
                           / np.linalg.norm(large[M]["means"][0], axis=0).max()) for M in DEPTHS}
large_len_err = max(lengths_error(large[M]) for M in DEPTHS)
gap = {}
for (name, M), r in results.items():
    cfg = SETTINGS[name]
    best = (du.balanced_bias_optimum_loss(cfg["counts"][0], K, M, cfg["wd"], cfg["wd"]) if cfg["bias"]
            else r["opt"].loss)
    gap[name, M] = abs(r["loss"] - best) / best
print(f"worst NC1 {nc1_worst:.1e}; ETF cosine error {etf_err:.1e}; orthogonality error {orth_err:.1e}; "
      f"length error {len_err:.1e} (large decay {large_len_err:.1e}); largest objective gap {max(gap.values()):.1e}")
print("closed form switches the 10-sample class off at depths:", [M for M in DEPTHS if predicted_off[M]])
print("trained |mean of smallest class| / |largest mean|:", {M: f"{v:.1e}" for M, v in minority_ratio.items()})
for name in ("imbalanced MSE, large decay", "balanced MSE + bias, large decay"):
    print(f"{name}: {sum(results[name, M]['stuck'] for M in DEPTHS)} of "
          f"{sum(results[name, M]['starts'] for M in DEPTHS)} single starts stopped above the global minimum")

# %% [markdown]
# ## Results
#
# The counted claims use every training at weight decay $10^{-2}$: one run is one random start at
# one depth (each depth is trained from its own start), 32 runs per setting. The sanity checks use the runs at the
# authors' decay and the best start at the larger one.

# %%
def equal_lengths_error(r):
    """Max relative length error against equal lengths (the mean of the closed-form lengths, surviving classes)."""
    opt, alive = r["opt"], r["opt"].layer_sv > 0
    errs = []
    for i, m in enumerate(r["means"]):
        target = (opt.layer_sv[alive] ** i * opt.feature_norm[alive]).mean()
        errs.append(np.abs(np.linalg.norm(m, axis=0)[alive] / target - 1))
    errs.append(np.abs(np.linalg.norm(r["classifier"], axis=1)[alive] / opt.layer_sv[alive].mean() - 1))
    return float(max(e.max() for e in errs))


def geometry_margin(r, balanced):
    """[error to the predicted cosine] - [error to the alternative], worst over layers and classifier rows."""
    if balanced:
        return max_cos_error(r, "centred", du.simplex_etf_cosine(K)) - max_cos_error(r, "centred", 0.0)
    alive = r["opt"].layer_sv > 0
    return (max_cos_error(r, "means", 0.0, alive)
            - max_cos_error(r, "means", du.simplex_etf_cosine(int(alive.sum())), alive))


for name, balanced in (("balanced MSE + bias, large decay", True), ("imbalanced MSE, large decay", False)):
    per_run = [geometry_margin(st, balanced) for M in DEPTHS for st in results[name, M]["all_starts"]]
    claims.record("geometry_of_training", values=per_run, setting="balanced + bias" if balanced else "imbalanced")
runs_imb = [st for M in DEPTHS for st in results["imbalanced MSE, large decay", M]["all_starts"]]
claims.record("lengths_follow_counts", method=[lengths_error(st) for st in runs_imb],
              baseline=[equal_lengths_error(st) for st in runs_imb])
claims.record("nc1_every_layer", value=max(nc1_worst, 1e-6))
claims.record("etf_balanced", value=max(etf_err, 1e-6))
claims.record("orthogonal_imbalanced", value=max(orth_err, 1e-6))
claims.record("lengths_closed_form", value=max(len_err, 1e-6))
claims.record("minority_collapse", value=sum((minority_ratio[M] < 1e-3) != predicted_off[M] for M in DEPTHS)
              + int(large_len_err > 0.05))
claims.record("global_minimum", value=max(max(gap.values()), 1e-6))
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The verdicts are in the report above, computed from the criteria declared at the top.
#
# **Headline.** The counted test asks whether single training runs land in the geometry the paper
# derives rather than in the other setting's: the simplex ETF for balanced data with a bias, an
# orthogonal frame for imbalanced data without one. Each training (a random start at one depth) is
# one run, and a run counts against the claim if at any layer its class means or classifier rows
# sit closer to the wrong geometry. Single starts at the larger weight decay can stop in a spurious local minimum with a
# class switched off (the count is printed above the results); such a run ends in neither geometry,
# and the claim is about where training ends, so those runs stay in.
#
# **Lengths.** With imbalanced classes the trained lengths are compared, per run, with the closed
# form in the class sizes and with the equal lengths a balanced analysis would predict.
#
# **Sanity checks.** At the authors' weight decay, and for the best start at the larger one, the
# optimiser reaches the closed-form global minimum, and there every theorem of the paper for MSE
# holds to the catalog's tolerances: collapse in every layer, the simplex ETF, orthogonality with
# the closed-form lengths, and minority collapse exactly where the closed form predicts it. These
# are theorems evaluated at the global minimum, so they check our code and optimiser rather than
# reproduce a result. The landscape of the deep model is not benign at the larger decay, although
# its global minimiser is exactly the one the closed form describes.
#
# ## Deviations from the paper
#
# * **Scale and optimiser.** The authors' synthetic runs use $d = 64$, 30000 steps and their class
#   sizes; we use $d = 32$, $n_k = (100, 50, 20, 10)$ (the catalog's), 20000 steps at quick scale
#   (30000 at full), the same full-batch momentum update, step size and weight decay, in float64
#   with NumPy rather than PyTorch.
# * **Initialisation.** We start from standard deviation 0.2 instead of the authors' 0.1 (at
#   $d = 64$). In pilot runs at $d = 32$ and depth $\ge 3$ a smaller start could end in the local
#   minimum where minority classes are zero (for $M \ge 2$, $s = 0$ is always a local minimum of a
#   class's scalar problem), and a much larger one (0.3) made momentum GD diverge at depth 4. The
#   theorems are about global minimisers, which the sanity check `global_minimum` certifies we reach.
# * **Cross-entropy not tested.** The paper also proves collapse to a simplex ETF for balanced CE.
#   In pilot runs (depth 4, weight decay $5\cdot10^{-4}$), momentum GD from some starts ended, after
#   10000 steps, at non-collapsed points whose objective was *lower* than that of the collapsed
#   solution found from other starts. Whether those runs had simply not converged, or the ETF is not
#   the global minimiser there (deep models favour low-rank solutions), needs a closed form or a
#   far longer study than this chapter's budget, so CE is left out rather than tested loosely.
# * **Derivation.** The closed form is re-derived here as one scalar problem per class; it gives
#   the same equation as the paper's theorem and the authors' code, and we select the global
#   minimiser among its roots and zero explicitly.
# * **Runs.** The counted claims use single starts at weight decay $10^{-2}$ (2000 steps each),
#   where runs are cheap enough to replicate; at the authors' decay ($5\cdot10^{-4}$, 20000 steps)
#   one start per depth is trained and used for the sanity checks.
# * **Not covered.** The paper's real-network experiments (MLPs and ResNets with linear heads on
#   image data) are not reproduced.
