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
# # Learning from Aggregate responses: Instance Level versus Bag Level Loss Functions
#
# {cite}`javanmard2024aggregate` · [paper (arXiv:2401.11081)](https://arxiv.org/abs/2401.11081) ·
# [OpenReview (ICLR 2024)](https://openreview.net/forum?id=E60SIDItyT) · we found no public code
# from the authors; everything below is our own implementation and our own derivation.
#
# Sometimes a learner may see every example's features but not its response: to protect the
# people behind the data, the responses are released only as averages over small groups ("bags")
# of examples. Two losses suggest themselves. The *bag-level* loss compares each released average
# with the average of the model's predictions over the bag. The *instance-level* loss pretends
# that every example in the bag has the bag's average as its own response. The paper shows that
# for the squared loss the second is the first plus a penalty on how much the predictions differ
# inside a bag, so the two trade bias against variance; it proposes a loss that interpolates
# between them, computes the risk of all of them exactly for linear regression in high
# dimension, and studies how to choose the bag size when the released averages are also made
# differentially private.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (i) The instance-level loss is a regularised bag-level loss: it has lower variance
# and adds bias. (ii) Neither dominates: which one is better depends on the noise level and the
# bag size, and an interpolating loss with a weight $\rho \in [0, 1]$ on the regulariser can beat
# both. (iii) In linear regression with $n \propto d$ the risk of the interpolating estimator has
# an exact asymptotic characterisation. (iv) When the bag averages are released with Laplace noise
# for label differential privacy, there is an optimal bag size.
#
# **This chapter tests**, for linear regression with isotropic Gaussian features, $\|\theta_0\|=1$,
# random bags of size $k \in \{2, 5\}$ and noise levels $\sigma \in \{0.5, 1, 2\}$; each seed draws a
# new $\theta_0$, new features, noise and bags, so the seeds are independent runs and every
# comparison is paired within a run:
# * *headline*: the interpolating estimator, with $\rho$ chosen on held-out *aggregated*
#   validation bags (no oracle), has a lower test risk than both endpoint losses, in the settings
#   where the risk formula (computed from $n, d, k, \sigma$ only, before any simulation) predicts
#   an interior optimum worth at least 10 %;
# * *supporting*: neither endpoint dominates: instance level beats bag level at $\sigma = 2$ and
#   loses at $\sigma = 0.5$, for both bag sizes; under Laplace label-DP bag means the risk-optimal
#   bag size is larger for the stricter privacy budget ($\varepsilon = 2$) than for $\varepsilon = 4$;
# * *sanity checks* (properties that hold by construction or check our own derivation): our
#   proportional-regime risk formula matches simulation (it is our derivation, not the paper's
#   theorem); squared bias rises and variance falls along $\rho$ (the within-bag penalty is a
#   positive semi-definite regulariser); under DP the risk-vs-$k$ curve has an interior minimum
#   (guaranteed by its two degenerate ends: Laplace noise dominates at $k = 1$, aggregation bias at
#   $k = 40$).
#
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
PAIRED = repro.Change(
    what="criterion: paired 95% interval over the seeds (independent data draws), per setting",
    was="a comparison of means over 20 seeds without an interval (legacy report)",
    why="the claim rules ask for a paired interval over independent runs")
claims.declare(
    "tuned_interpolation_wins", kind="headline",
    statement=("With rho chosen on held-out aggregated validation bags, the interpolating estimator "
               "has a lower test risk than the better of the bag-level and instance-level estimators, "
               "in every setting where the risk formula predicts a >= 10% gain from an interior rho"),
    metric="excess risk of the interpolating estimator, validation-tuned rho",
    paired_with="the smaller of the bag-level and instance-level excess risks of the same run",
    better="lower", margin=0.0, fmt="{:+.3f}",
    changed=repro.Change(
        what=("headline: validation-tuned rho against the per-run better endpoint, paired, at every "
              "setting the formula selects (gain >= 10%) before simulating"),
        was=("claim 4: the formula's rho* <= min(bag, instance) in all 6 settings and >= 10% below it in "
             "one, plus the tuned rho >= 10% below at one setting, comparison of means"),
        why=("where the formula's rho* is an endpoint the old check compared the instance-level risk "
             "with itself; the tuned estimator against a baseline that can win is the test of the "
             "paper's claim, and it is made where the (a priori) formula says an interior rho matters")))
claims.declare(
    "instance_wins_high_noise", kind="supporting",
    statement="At high noise (sigma = 2) the instance-level loss beats the bag-level loss, k = 2 and 5",
    metric="excess risk of the instance-level estimator", paired_with="excess risk of the bag-level estimator",
    better="lower", margin=0.0, fmt="{:+.2f}", changed=PAIRED)
claims.declare(
    "bag_wins_low_noise", kind="supporting",
    statement="At low noise (sigma = 0.5) the bag-level loss beats the instance-level loss, k = 2 and 5",
    metric="excess risk of the bag-level estimator", paired_with="excess risk of the instance-level estimator",
    better="lower", margin=0.0, fmt="{:+.2f}", changed=PAIRED)
claims.declare(
    "dp_bag_size_grows", kind="supporting",
    statement=("Under Laplace label-DP bag means the risk-optimal bag size depends on the privacy "
               "budget: it is larger at epsilon = 2 than at epsilon = 4 (instance-level loss)"),
    metric="log2 of the best bag size at epsilon = 2", paired_with="log2 of the best bag size at epsilon = 4",
    better="higher", margin=0.0, fmt="{:+.1f}",
    changed=repro.Change(
        what="DP claim: how the optimal bag size moves with epsilon, paired over runs",
        was="an interior argmin of the mean risk over k, >= 10% below both ends, for both epsilons",
        why="the interior minimum is guaranteed by the two degenerate ends of the k grid, so it is now a "
            "sanity check; the dependence on the privacy budget could go either way"))
claims.declare(
    "formula_matches_simulation", kind="sanity",
    statement=("Our own proportional-regime risk formula (our derivation, not the paper's theorem) "
               "matches the simulated mean risk at d = 400, n = 4000"),
    metric="largest |simulation mean / formula - 1| over every (k, sigma, rho) of the grid",
    better="lower", margin=0.10, fmt="{:.2f}", deterministic=True)
claims.declare(
    "penalty_regularises", kind="sanity",
    statement=("The within-bag penalty is a regulariser: along the rho grid the mean squared bias never "
               "decreases and the variance never increases, k = 2 and 5"),
    metric="number of steps of the rho grid that break the monotonicity", better="lower", margin=0.5,
    fmt="{:.0f}", deterministic=True)
claims.declare(
    "dp_interior_minimum", kind="sanity",
    statement=("Under Laplace label-DP the mean instance-level risk over k in {1, ..., 40} is smallest at "
               "an interior k (guaranteed by the degenerate ends of the grid)"),
    metric="largest ratio of the minimum risk to the smaller end risk, both epsilons (1 if the argmin is an end)",
    better="lower", margin=0.9, fmt="{:.2f}", deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda" (the experiment is closed-form linear algebra on CPU)
n_seeds = 0          # data sets averaged per point; 0 picks the scale's default

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown
from myst_nb import glue

from repro.book import params
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.objectives import aggregate as ag
from repro.stats import intervals as stats

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=200)
n_seeds = n_seeds or run.pick(20, 50)
if n_seeds < 5:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 5")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## The losses
#
# Split the $n$ training examples at random into $m = n/k$ bags of $k$. For bag $a$ the learner
# sees every $x_i$, $i \in a$, and only the mean response $\bar y_a$. With predictions $f_i$ and
# their bag mean $\bar f_a$, the squared-loss identity
#
# $$
# \underbrace{\frac1k \sum_{i \in a} (\bar y_a - f_i)^2}_{\text{instance level}}
# = \underbrace{(\bar y_a - \bar f_a)^2}_{\text{bag level}}
# + \underbrace{\frac1k \sum_{i \in a} (f_i - \bar f_a)^2}_{\text{spread inside the bag}}
# $$
#
# is the paper's first observation: fitting every instance to its bag's mean is the bag-level
# fit plus a penalty that pushes the predictions inside a bag towards each other. The
# interpolating loss weights that penalty by $\rho$:
#
# $$
# L_\rho(\theta) = \frac1m \sum_a \Big[(\bar y_a - \bar f_a)^2 + \rho\, \frac1k \sum_{i\in a} (f_i - \bar f_a)^2\Big],
# \qquad \rho = 0: \text{bag level}, \quad \rho = 1: \text{instance level}.
# $$
#
# For a linear model $f(x) = x^\top\theta$, with $\bar X$ the $m \times d$ matrix of bag-mean
# features and $W$ the features centred within their bags, the minimiser solves
# $(k\bar X^\top \bar X + \rho\, W^\top W)\,\theta = k \bar X^\top \bar y$. The bag-level
# estimator is least squares on the $m$ bag means (unbiased, but it uses only $m$ "samples"); the
# instance-level one adds $W^\top W$, which makes the system better conditioned (less variance)
# but pulls the estimate towards directions that do not vary inside bags (bias). The losses
# (PyTorch, for any model) and the linear solver are in `src/repro/objectives/aggregate.py`;
# `tests/objectives/test_aggregate.py` checks the identity, a hand-computed bag, the gradient against
# a hand derivation, and that $\rho=0$ and $\rho=1$ are the two least-squares problems.

# %%
print(inspect.getsource(ag.interpolating_loss))
print(inspect.getsource(ag.interpolating_least_squares))

# %% [markdown]
# ## The risk in the proportional regime
#
# The paper characterises the risk of the interpolating estimator as $n, d \to \infty$ with
# $n/d$ fixed. We did not transcribe its theorem; we derived the risk ourselves for the same model,
# $x \sim \mathcal N(0, I_d)$, $y = x^\top \theta_0 + \varepsilon$, $\varepsilon \sim \mathcal N(0, \sigma^2)$,
# and check it against simulation (sanity check `formula_matches_simulation`). The sketch: for Gaussian features the rescaled bag
# means $\sqrt k\, \bar x_a$ and the within-bag deviations are independent standard Gaussian
# vectors ($m$ and $n - m$ of them), so the estimator is a weighted least-squares fit on $n$
# Gaussian rows with weights $1$ (bag rows, response $\sqrt k\,\bar y_a$) and $\rho$ (within-bag
# rows, response $0$). Splitting $\theta$ along $\theta_0$ and orthogonally to it and using
# leave-one-out (deterministic-equivalent) arguments gives: with $\delta$ the root of
#
# $$
# \frac{m\,\delta}{1 + \delta} + \frac{(n - m)\,\rho\,\delta}{1 + \rho\,\delta} = d ,
# $$
#
# the estimate keeps a fraction $a = \frac{m w_1}{m w_1 + (n - m) w_\rho}$ of $\theta_0$
# ($w_1 = \frac1{1+\delta}$, $w_\rho = \frac{\rho}{1 + \rho\delta}$), and
#
# $$
# \mathbb E\|\hat\theta_\rho - \theta_0\|^2 \to (1-a)^2\|\theta_0\|^2 + \tau\Big[\frac{m\big((1-a)^2\|\theta_0\|^2 + \sigma^2\big)}{(1+\delta)^2}
# + \frac{(n-m)\,\rho^2 a^2 \|\theta_0\|^2}{(1+\rho\delta)^2}\Big],
# \qquad \tau = \frac{\delta}{d/\delta - \delta h},
# $$
#
# with $h = \frac{m}{(1+\delta)^2} + \frac{(n-m)\rho^2}{(1+\rho\delta)^2}$; the $\sigma^2$ term
# is the variance, the rest the squared bias. Two limits are easy to read. At $\rho = 0$ it is
# $\sigma^2 d/(m - d)$: unbiased least squares with $m$ samples. At $\rho = 1$ it is
# $(1 - \tfrac1k)^2\|\theta_0\|^2 + \frac{d}{n-d}\big(\tfrac{k-1}{k^2}\|\theta_0\|^2 + \tfrac{\sigma^2}{k}\big)$:
# the instance-level fit recovers only $\theta_0/k$, and the other $k - 1$ members of a bag act
# as extra noise. Both limits are unit-tested.

# %% [markdown]
# ## Experiment 1: risk along the interpolation path
#
# For every seed we draw $\theta_0$ uniformly on the unit sphere, $n = 4000$ training and $4000$
# validation examples in $d = 400$ dimensions, and random bags of size $k$; both sets release only
# bag means. Since the estimator is linear in the responses, one solve per $\rho$ gives the
# noise-free part and the unit-noise part, and every $\sigma$ reuses them. The variance is the
# squared norm of the noise part (times $\sigma^2$), the squared bias that of the noise-free part:
# both conditional on the features, then averaged over seeds. The validation criterion is the
# bag-level squared error on the held-out bags, all a practitioner could compute: its expectation
# is $(\text{risk} + \sigma^2)/k$, so it ranks the values of $\rho$ correctly.

# %%
N, D = 4000, 400
KS, SIGMAS = (2, 5), (0.5, 1.0, 2.0)
RHOS = np.array(run.pick([0, .01, .02, .05, .1, .15, .2, .3, .4, .5, .7, 1],
                         [0, .005, .01, .02, .03, .05, .07, .1, .15, .2, .25, .3, .4, .5, .6, .7, .85, 1]))


def experiment_1(s: int) -> dict:
    rng = np.random.default_rng(s)
    th0 = rng.standard_normal(D)
    th0 /= np.linalg.norm(th0)
    X, Xv = rng.standard_normal((N, D)), rng.standard_normal((N, D))
    e, ev = rng.standard_normal(N), rng.standard_normal(N)
    G = X.T @ X
    out = {}
    for k in KS:
        bags, vbags = ag.random_bags(N, k, rng), ag.random_bags(N, k, rng)
        A, _, Xbar = ag.bag_grams(X, bags)
        grams = (A, G - A, Xbar)
        # columns: noise-free bag means, unit-noise bag means
        Y = np.stack([Xbar @ th0, ag.bag_means(e, bags)], 1)
        sol = ag.interpolating_least_squares(X, Y, bags, RHOS, grams)  # (rho, d, 2)
        bias_vec, noise_vec = sol[:, :, 0] - th0, sol[:, :, 1]
        Xv_bar, ev_bar = ag.bag_means(Xv, vbags), ag.bag_means(ev, vbags)
        out[f"bias2/{k}"] = (bias_vec ** 2).sum(1)
        out[f"var1/{k}"] = (noise_vec ** 2).sum(1)  # variance at sigma = 1
        for sg in SIGMAS:
            err = bias_vec + sg * noise_vec
            out[f"risk/{k}/{sg}"] = (err ** 2).sum(1)
            # held-out aggregated bags: ybar_v - xbar_v^T theta = -xbar_v^T err + sigma * ebar_v
            val = ((sg * ev_bar[:, None] - Xv_bar @ err.T) ** 2).mean(0)
            out[f"val/{k}/{sg}"] = val
    return out


res1 = stats.over_seeds(experiment_1, SEEDS, desc="experiment 1")
theory = {(k, sg): np.array([sum(ag.asymptotic_risk(N, D, k, r, sg ** 2)) for r in RHOS])
          for k in KS for sg in SIGMAS}
rel_dev = {key: np.abs(res1[f"risk/{key[0]}/{key[1]}"].mean(0) / theory[key] - 1) for key in theory}
print(f"largest |simulation / theory - 1| over {len(theory) * len(RHOS)} grid points: "
      f"{max(v.max() for v in rel_dev.values()):.3f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
rho_fine = np.linspace(0, 1, 201)
for ax, k in zip(axes, KS):
    for sg, c in zip(SIGMAS, COLORS):
        curve = [sum(ag.asymptotic_risk(N, D, k, r, sg ** 2)) for r in rho_fine]
        m, h = stats.mean_ci(res1[f"risk/{k}/{sg}"])
        ax.plot(rho_fine, curve, color=c, label=rf"$\sigma={sg:g}$ theory")
        ax.errorbar(RHOS, m, yerr=h, fmt="o", ms=4, capsize=2, color=c, label=rf"$\sigma={sg:g}$ simulation")
    ax.set(xlabel=r"$\rho$  (0 = bag-level loss, 1 = instance-level loss)",
           ylabel=r"excess risk $\|\hat\theta_\rho - \theta_0\|^2$", yscale="log",
           title=f"bag size k = {k}, d = {D}, n = {N} ({n_seeds} seeds, 95% CI)")
axes[0].legend(fontsize=8, ncol=2)
fig.tight_layout()
plt.show()

# %% [markdown]
# The same runs split into squared bias and variance (for $\sigma = 1$) show the regulariser at
# work: moving from the bag-level to the instance-level loss buys variance with bias.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, k in zip(axes, KS):
    bv = np.array([ag.asymptotic_risk(N, D, k, r, 1.0) for r in rho_fine])
    ax.plot(rho_fine, bv[:, 0], color=COLORS[1], label="squared bias, theory")
    ax.plot(rho_fine, bv[:, 1], color=COLORS[0], label=r"variance ($\sigma=1$), theory")
    ax.plot(RHOS, res1[f"bias2/{k}"].mean(0), "o", color=COLORS[1], ms=4, label="squared bias, simulation")
    ax.plot(RHOS, res1[f"var1/{k}"].mean(0), "o", color=COLORS[0], ms=4, label="variance, simulation")
    ax.set(xlabel=r"$\rho$", ylabel="contribution to the excess risk", yscale="log",
           title=f"bias-variance trade-off, k = {k}")
    ax.set_ylim(1e-3, 2)
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
mean_risk = {(k, sg): res1[f"risk/{k}/{sg}"].mean(0) for k in KS for sg in SIGMAS}
# rho chosen per seed on the held-out aggregated bags
chosen = {(k, sg): res1[f"val/{k}/{sg}"].argmin(1) for k in KS for sg in SIGMAS}
tuned = {key: res1[f"risk/{key[0]}/{key[1]}"][np.arange(n_seeds), idx].mean() for key, idx in chosen.items()}
print("| k | sigma | bag level | instance level | tuned rho (median) | interpolating, tuned | oracle rho (theory) |")
print("|---|---|---|---|---|---|---|")
for (k, sg), r in mean_risk.items():
    print(f"| {k} | {sg:g} | {r[0]:.3f} | {r[-1]:.3f} | {np.median(RHOS[chosen[k, sg]]):.2f} | "
          f"{tuned[k, sg]:.3f} | {rho_fine[np.argmin([sum(ag.asymptotic_risk(N, D, k, x, sg ** 2)) for x in rho_fine])]:.3f} |")

# %% [markdown]
# ## Experiment 2: label differential privacy and the bag size
#
# Releasing plain bag means is not differentially private. The mechanism we test clips each
# response to $[-C, C]$, averages each bag and adds Laplace noise of scale $2C/(k\varepsilon)$:
# changing one person's response moves one bag mean by at most $2C/k$, so the release is
# $\varepsilon$-label-DP. Larger bags need less noise per bag, but aggregate more. Here
# $d = 200$, $n = 2000$, $\sigma = 1$, $\|\theta_0\| = 1$ and $C = 4$ (about 2.8 standard deviations
# of $y$; clipping touches about 0.5 % of the responses). In the formula the Laplace noise enters as
# extra response noise, $\sigma^2 \to \sigma^2 + k \cdot 2(2C/(k\varepsilon))^2$; clipping is
# ignored there.

# %%
N2, D2, CLIP = 2000, 200, 4.0
EPSILONS = (2.0, 4.0)
K_GRID = (1, 2, 4, 5, 8, 10, 20, 40)


def dp_noise_var(k: int, eps: float) -> float:
    return 1.0 + k * 2 * ag.laplace_scale(k, eps, CLIP) ** 2


def experiment_2(s: int) -> dict:
    rng = np.random.default_rng(10 ** 6 + s)
    th0 = rng.standard_normal(D2)
    th0 /= np.linalg.norm(th0)
    X = rng.standard_normal((N2, D2))
    y = X @ th0 + rng.standard_normal(N2)
    G = X.T @ X
    out = {}
    for k in K_GRID:
        bags = ag.random_bags(N2, k, rng)
        A, _, Xbar = ag.bag_grams(X, bags)
        for eps in EPSILONS:
            ybar = ag.laplace_bag_means(y, bags, eps, CLIP, rng)
            rhos = [1.0] + ([0.0] if N2 // k > D2 + 1 else [])
            sol = ag.interpolating_least_squares(X, ybar, bags, rhos, (A, G - A, Xbar))
            out[f"inst/{eps}/{k}"] = ((sol[0] - th0) ** 2).sum()
            if len(rhos) > 1:
                out[f"bag/{eps}/{k}"] = ((sol[1] - th0) ** 2).sum()
    return out


res2 = stats.over_seeds(experiment_2, SEEDS, desc="experiment 2")
dp_inst = {eps: np.array([res2[f"inst/{eps}/{k}"].mean() for k in K_GRID]) for eps in EPSILONS}
for eps in EPSILONS:
    print(f"epsilon = {eps:g}: instance-level risk by k " +
          ", ".join(f"{k}: {r:.2f}" for k, r in zip(K_GRID, dp_inst[eps])))

# %%
fig, ax = plt.subplots(figsize=(7, 4))
k_fine = np.unique(np.round(np.geomspace(1, 40, 60)).astype(int))
for eps, c in zip(EPSILONS, COLORS):
    th = [sum(ag.asymptotic_risk(N2, D2, k, 1.0 if k > 1 else 0.0, dp_noise_var(k, eps))) for k in k_fine]
    ax.plot(k_fine, th, color=c, label=rf"instance level, $\varepsilon={eps:g}$: theory")
    m, h = stats.mean_ci(np.stack([res2[f"inst/{eps}/{k}"] for k in K_GRID], 1))
    ax.errorbar(K_GRID, m, yerr=h, fmt="o", ms=4, capsize=2, color=c,
                label=rf"instance level, $\varepsilon={eps:g}$: simulation")
    kb = [k for k in K_GRID if f"bag/{eps}/{k}" in res2]
    ax.plot(kb, [res2[f"bag/{eps}/{k}"].mean() for k in kb], "s--", ms=4, color=c, alpha=0.6,
            label=rf"bag level, $\varepsilon={eps:g}$: simulation")
ax.axhline(1.0, color="0.5", lw=1, ls=":", label=r"predicting 0 ($\|\theta_0\|^2$)")
ax.set(xscale="log", yscale="log", xlabel="bag size k", ylabel="excess risk",
       title=rf"Laplace label-DP bag means, d={D2}, n={N2} ({n_seeds} seeds, 95% CI)")
ax.legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Results
#
# The headline's settings are those where the formula (no simulation) predicts that the best
# $\rho$ on a fine grid is at least 10 % below the better endpoint; they are computed here from
# $n, d, k, \sigma$ alone. In each run, the baseline is the better of the two endpoint losses *in
# that run* (an oracle choice that only makes the baseline stronger).

# %%
settings = [(k, sg) for k in KS for sg in SIGMAS]
fine = {key: np.array([sum(ag.asymptotic_risk(N, D, key[0], r, key[1] ** 2)) for r in rho_fine]) for key in settings}
predicted_gain = {key: 1 - f.min() / min(f[0], f[-1]) for key, f in fine.items()}
head_settings = [key for key in settings if predicted_gain[key] >= 0.10]
print("settings of the headline (predicted gain >= 10 %):",
      ", ".join(f"k={k}, sigma={sg:g}" for k, sg in head_settings))
for k, sg in head_settings:
    r = res1[f"risk/{k}/{sg}"]
    claims.record("tuned_interpolation_wins", method=r[np.arange(n_seeds), chosen[k, sg]],
                  baseline=np.minimum(r[:, 0], r[:, -1]), setting=f"k={k}, sigma={sg:g}")
for k in KS:
    r = res1[f"risk/{k}/2.0"]
    claims.record("instance_wins_high_noise", method=r[:, -1], baseline=r[:, 0], setting=f"k={k}")
for k in KS:
    r = res1[f"risk/{k}/0.5"]
    claims.record("bag_wins_low_noise", method=r[:, 0], baseline=r[:, -1], setting=f"k={k}")
k_best = {eps: np.array(K_GRID)[np.stack([res2[f"inst/{eps}/{k}"] for k in K_GRID], 1).argmin(1)]
          for eps in EPSILONS}
claims.record("dp_bag_size_grows", method=np.log2(k_best[2.0]), baseline=np.log2(k_best[4.0]))
max_dev = max(v.max() for v in rel_dev.values())
claims.record("formula_matches_simulation", value=max_dev)
breaks = sum(int((np.diff(res1[f"bias2/{k}"].mean(0)) < 0).sum() + (np.diff(res1[f"var1/{k}"].mean(0)) > 0).sum())
             for k in KS)
claims.record("penalty_regularises", value=breaks)
dp_ratio = [1.0 if int(np.argmin(dp_inst[e])) in (0, len(K_GRID) - 1)
            else dp_inst[e].min() / min(dp_inst[e][0], dp_inst[e][-1]) for e in EPSILONS]
claims.record("dp_interior_minimum", value=max(dp_ratio))
claims.results()
for eps in EPSILONS:
    print(f"epsilon = {eps:g}: best bag size per run: {k_best[eps].tolist()}")
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: {glue:md}`verdict_tuned_interpolation_wins`.** The exact identity "instance level =
# bag level + within-bag spread" turns the choice of loss into a choice of regularisation
# strength, and a $\rho$ chosen on held-out aggregated bags, all a practitioner can compute, is
# compared with the better endpoint of the same run in every setting where the formula predicts a
# sizeable gain (paired differences in the results cell). The bag-level error on held-out
# aggregated bags is an unbiased proxy for the risk (its expectation is
# $(\text{risk} + \sigma^2)/k$), which is why no oracle is needed there. Where the formula's optimum is
# flat and close to an endpoint (the settings left out of the headline), validation noise makes
# the tuned estimator tie with that endpoint; the legacy version of this chapter had found that a
# criterion over every setting flipped between seeds for exactly this reason.
#
# **Supporting claims.** Instance level beating bag level at high noise:
# {glue:md}`verdict_instance_wins_high_noise`; bag level beating instance level at low noise:
# {glue:md}`verdict_bag_wins_low_noise`. The bag-level estimator is unbiased but uses only
# $m = n/k$ effective samples, so its variance $\sigma^2 d/(m-d)$ grows with the noise; the
# instance-level estimator recovers only $\theta_0/k$, a bias that no amount of data removes. The
# risk-optimal bag size under label-DP moving to larger bags as the privacy budget tightens:
# {glue:md}`verdict_dp_bag_size_grows` (the best bag size of every run is printed above). The
# Laplace noise scale shrinks like $1/k$, so a smaller $\varepsilon$ makes aggregation worth more
# bias. The bag-level loss does *not* benefit from bagging under this mechanism (dashed lines in
# the figure): averaging shrinks the signal in the bag-mean features as fast as it shrinks the
# noise.
#
# **Sanity checks** (not reproductions): our own risk formula against simulation
# {glue:md}`verdict_formula_matches_simulation`; bias up and variance down along $\rho$
# {glue:md}`verdict_penalty_regularises`; an interior DP optimum over $k$
# {glue:md}`verdict_dp_interior_minimum`.
#
# ## Deviations from the paper
#
# * **Theory.** We derived the proportional-regime risk ourselves (sketch above) rather than
#   transcribing the paper's theorem; it is validated by simulation only, so it is a sanity check
#   of our derivation, not a reproduction of the paper's characterisation. It is stated for
#   isotropic Gaussian features and random bags, the paper's main setting.
# * **Scale.** $d = 400$, $n = 4000$ and 20 seeds (50 at full scale), six $(k, \sigma)$ settings,
#   one signal strength; the paper also varies the overparametrisation ratio and the signal-to-noise
#   ratio more widely and runs experiments on real data with neural networks, which we do not.
# * **Choice of $\rho$.** We pick $\rho$ on held-out aggregated bags from a grid of 12 values
#   (18 at full scale); the paper's analysis uses the risk formula to study the optimal $\rho$.
#   The headline's settings are selected with our formula, before the simulation, with the 10 %
#   threshold of the legacy version (see the change note).
# * **Privacy.** Our mechanism (clip, average, Laplace noise with sensitivity $2C/k$) and the
#   choice of the instance-level loss for the bag-size study are our reading of the paper's
#   Section 4; the optimal bag size is measured on a grid of bag sizes per run, not derived in
#   closed form.
