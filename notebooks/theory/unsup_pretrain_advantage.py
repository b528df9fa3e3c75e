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
# # On the Provable Advantage of Unsupervised Pretraining
#
# {cite}`ge2024provable` · [paper (ICLR 2024, OpenReview)](https://openreview.net/forum?id=rmXXKxQpOR)
# · [arXiv:2303.01566](https://arxiv.org/abs/2303.01566) · no public code (a theory paper)
#
# Why should a representation learned from unlabeled data make a downstream task cheaper in
# labels? Ge, Tang, Fan and Jin study a generic two-stage recipe: fit a latent-variable model to
# $m$ unlabeled points by maximum likelihood (MLE), then fit a downstream predictor on top of the
# inferred latent variables by empirical risk minimisation (ERM) on $n$ labelled points. Under a
# condition they call *informative* (the latent model can be recovered from unlabeled data up to
# transformations that the downstream class can undo), the excess risk is bounded by the sum of
# a term in $\mathcal C_\Phi / m$ (the complexity of the latent-variable class, paid with
# unlabeled data) and a term in $\mathcal C_\Psi / n$ (the complexity of the downstream class
# alone, paid with labels); both enter under a square root in their general bound. Supervised
# learning on raw inputs instead pays the complexity of the composed class,
# $\mathcal C_{\Phi\circ\Psi}/n$. One of their worked examples is a Gaussian factor model with a
# linear-regression downstream task; this chapter simulates it.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** MLE pretraining on $m$ unlabeled points followed by ERM on $n$ labels has an
# excess risk controlled by $\mathcal C_\Phi/m$ and $\mathcal C_\Psi/n$, while supervised learning
# alone is controlled by $\mathcal C_{\Phi\circ\Psi}/n$; so pretraining helps when $m \gg n$ and
# the downstream class is simpler than the composed one. In the factor model with $d$ observed
# and $r \ll d$ latent dimensions, the label-dependent part scales with $r$ rather than $d$.
#
# **This chapter checks**, in the factor model $x = Bz + e$, $y = \beta^\top z + \nu$ with
# $d = 100$, $r = 5$, against ridge regression on raw $x$ with the *oracle* ridge (the best of a
# grid, chosen on the true excess risk: the strongest linear supervised baseline). Thresholds
# were fixed before running; 1-3 are the catalog's suggested checks, 4-5 are ours.
# 1. **Advantage.** With $m = 20000$ and $n = 200$ the pretrained pipeline's excess risk is at
#    least $3\times$ smaller than oracle ridge's.
# 2. **Label rate.** Over $n \in [20, 400]$ ($m = 20000$) the log-log slope of its excess risk
#    against $n$ is within $0.2$ of $-1$.
# 3. **Unlabeled data matter.** Reducing $m$ to 500 shrinks the advantage at $n = 200$, and at
#    $n = 400$ the excess risk decreases as $m$ grows through $500, 2000, 20000$.
# 4. **The constant is $r$, not $d$.** For $n \ge 50$ the simulated excess risk ($m = 20000$) is
#    within 25 % of $\sigma^2 r/(n - r - 1)$, least squares on the *true* $r$ latent features.
# 5. **Ambient dimension.** At $n = 100$, as $d$ goes from 25 to 400 ($m = 20000$), the
#    pretrained excess risk changes by at most 30 % (max/min $\le 1.3$), while oracle ridge's
#    grows at least $2\times$.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
latent_dim = 5  # r, number of factors
factor_strength = 4.0  # |B e_j|^2: variance each factor adds along its direction (noise is 1)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

import repro
from repro.book.params import check_float, check_int
from repro.book.plotting import theory_vs_simulation
from repro.book.progress import progress
from repro.papers.theory import factor_pretraining as fp
from repro.scaling.fits import fit_power_law
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)
check_int("latent_dim", latent_dim, minimum=1, maximum=20)
check_float("factor_strength", factor_strength, minimum=0.5, maximum=100.0)

D = 100  # ambient dimension of the main experiment
NS = np.array(run.pick([20, 30, 50, 80, 120, 200, 300, 400], [20, 30, 50, 80, 120, 200, 300, 400, 600, 1000]))
MS = [500, 2000, 20000]  # unlabeled sample sizes
DS = [25, 50, 100, 200, 400]
N_DSWEEP = 100  # labels in the ambient-dimension sweep
REPS = run.pick(200, 1000)  # independent problems (B, beta, data) per setting
REPS_D = run.pick(400, 1000)
LAMS = np.logspace(-2, 5, 36)  # ridge grid for the oracle baseline
NOISE_Y = 1.0
print(f"d={D}, r={latent_dim}, strength={factor_strength}; {REPS} problems per n-curve, "
      f"{REPS_D} per point of the d sweep")

# %% [markdown]
# ## Method
#
# ### The model
# A latent vector $z \sim N(0, I_r)$ generates the observation $x = Bz + e$ with
# $e \sim N(0, I_d)$ and the label $y = \beta^\top z + \nu$, $\nu \sim N(0, 1)$. The label depends on
# $x$ only through $z$, which the observation reveals only noisily. Since everything is Gaussian,
#
# $$
# \mathbb E[z \mid x] = A_B\, x, \qquad A_B = (I_r + B^\top B)^{-1} B^\top, \qquad
# \mathbb E[y \mid x] = \beta^\top A_B\, x = w_\star^\top x ,
# $$
#
# and the Bayes risk is $\sigma^2 = 1 + \beta^\top (I_r + B^\top B)^{-1}\beta$. Every predictor below
# is linear, $x \mapsto w^\top x$, so its excess risk has the closed form
# $(w - w_\star)^\top \Sigma\, (w - w_\star)$ with $\Sigma = BB^\top + I_d$: no test set is needed.
#
# ### Pretraining (MLE) and the downstream ERM
# Unlabeled $x$ are $N(0, BB^\top + I)$, a probabilistic-PCA model with known noise, whose MLE is
# explicit: with the top $r$ eigenpairs $(\lambda_i, u_i)$ of the sample covariance $S$,
# $\hat B = U_r \operatorname{diag}(\sqrt{\max(\lambda_i - 1, 0)})$. It is unique only up to a
# rotation $\hat B Q$, $Q \in O(r)$, because $z$ and $Qz$ have the same law; this is the
# "transformation" of the paper's informative condition, and it is harmless here because the
# downstream class (all linear maps of $\hat z$) absorbs any rotation. Downstream, we regress $y$ on
# $\hat z = A_{\hat B}\, x$ by least squares on the $n$ labelled points (the ERM over $\Psi$, an
# $r$-parameter class).
#
# The MLE needs the unlabeled data only through $S$. Instead of generating $m \times d$ numbers
# we draw $mS$ directly from its Wishart law (Bartlett decomposition), which is exact in
# distribution and makes $m = 20000$ cost the same as $m = 500$.
#
# ### Baselines and the reference curve
# *Supervised*: ridge regression on raw $x$, $d$ parameters, with the ridge chosen by an oracle
# from a grid of 36 values using the true excess risk (no practical tuning can do better). Plain
# least squares on raw $x$ has expected excess risk $\sigma^2 d/(n - d - 1)$ for $n > d + 1$.
# *Oracle representation*: if $B$ were known, the downstream regression is least squares on $r$
# Gaussian features whose residual $y - w_\star^\top x$ is independent of them, so
#
# $$
# \mathbb E[\text{excess risk}] = \frac{\sigma^2\, r}{n - r - 1} \approx \frac{\sigma^2 r}{n}.
# $$
#
# This is the $\mathcal C_\Psi/n$ term made exact; the $\mathcal C_\Phi/m$ term is the extra error
# from using $\hat B$ instead of $B$. (The paper's bound has square roots because it covers general
# losses; for the squared loss in this well-specified Gaussian model the rates are the faster
# $1/n$ and $1/m$, which satisfy the bound.)
#
# The code is the book's module `src/repro/papers/theory/factor_pretraining.py` (tests in
# `tests/test_factor_pretraining.py`); the two steps of the pipeline:

# %%
print(inspect.getsource(fp.mle_loadings))
print(inspect.getsource(fp.pretrained_map))
print(inspect.getsource(fp.regress_on_map))


# %% [markdown]
# ## Excess risk against the number of labels
#
# Each of the independent problems draws its own loadings ($B = \sqrt{4}\,Q$, $Q$ a random
# orthonormal $d\times r$ frame, so each factor lifts one direction's variance from 1 to 5) and its
# own $\beta$ (uniform direction, $\lVert\beta\rVert^2 = r$), hence $\sigma^2 = 2$ and the null
# predictor $w = 0$ has excess risk $\lVert\beta\rVert^2 s/(1+s) = 4$. The labelled sets are nested
# (the first $n$ of 400 points), so the curves are smooth in $n$.

# %%
def one_problem(d, ns, ms, rng):
    """Excess risks of pretrain+OLS (one row per m) and of oracle ridge, for each n in ns."""
    B = fp.factor_loadings(d, latent_dim, factor_strength, rng)
    beta = rng.standard_normal(latent_dim)
    beta *= np.sqrt(latent_dim) / np.linalg.norm(beta)
    X, y = fp.sample(max(ns), B, beta, rng, NOISE_Y)
    cov = fp.covariance(B)
    w_star = fp.bayes_predictor(B, beta)
    pre = np.zeros((len(ms), len(ns)))
    for i, m in enumerate(ms):
        A = fp.pretrained_map(fp.sample_covariance(m, cov, rng), latent_dim)  # pretrain once per m
        for j, n in enumerate(ns):
            pre[i, j] = fp.excess_risk(fp.regress_on_map(A, X[:n], y[:n]), B, beta, w_star)
    ridge = np.array([min(fp.excess_risk(w, B, beta, w_star) for w in fp.ridge_path(X[:n], y[:n], LAMS))
                      for n in ns])
    return pre, ridge, fp.bayes_risk(B, beta, NOISE_Y)


out = [one_problem(D, NS, MS, run.rng) for _ in progress(range(REPS), desc="n sweep")]
pre = np.array([o[0] for o in out])  # (reps, len(MS), len(NS))
ridge = np.array([o[1] for o in out])  # (reps, len(NS))
sigma2 = float(np.mean([o[2] for o in out]))
theory_r = fp.ols_excess_theory(latent_dim, NS, sigma2)
pre_mean, pre_ci = mean_ci(pre)
ridge_mean, ridge_ci = mean_ci(ridge)

print(f"sigma^2 = {sigma2:.2f}")
print("| n | " + " | ".join(f"pretrain m={m}" for m in MS) + " | oracle ridge | sigma^2 r/(n-r-1) |")
print("|---" * (len(MS) + 3) + "|")
for j, n in enumerate(NS):
    print(f"| {n} | " + " | ".join(f"{pre_mean[i, j]:.3f}" for i in range(len(MS)))
          + f" | {ridge_mean[j]:.3f} | {theory_r[j]:.3f} |")

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.6))
theory_vs_simulation(ax, NS, theory_r, pre_mean[-1], pre_ci[-1], color="C0")
ax.get_lines()[0].set_label(r"theory with known B: $\sigma^2 r/(n-r-1)$")
ax.containers[0].set_label(f"pretrain+OLS, m={MS[-1]}")
for i, (m, c) in enumerate(zip(MS[:-1], ("C3", "C2"))):
    ax.errorbar(NS, pre_mean[i], yerr=pre_ci[i], fmt="s--", ms=4, capsize=2, color=c, lw=1,
                label=f"pretrain+OLS, m={m}")
ax.errorbar(NS, ridge_mean, yerr=ridge_ci, fmt="D-", ms=4, capsize=2, color="C4",
            label="supervised: oracle ridge on raw x")
ok = NS > D + 1
ax.plot(NS[ok], fp.ols_excess_theory(D, NS[ok], sigma2), ":", color="C5",
        label=r"supervised OLS on raw x, theory $\sigma^2 d/(n-d-1)$")
ax.axhline(latent_dim * factor_strength / (1 + factor_strength), color="0.5", lw=1, ls="-.",
           label="null predictor w = 0")
ax.set(xscale="log", yscale="log", xlabel="labelled samples n", ylabel="excess risk (exact)",
       title=f"Factor model d={D}, r={latent_dim}: pretraining vs supervised")
ax.set_xticks(NS, [str(n) for n in NS], minor=False)
ax.xaxis.set_minor_locator(plt.NullLocator())
ax.legend(fontsize=7.5, loc="lower left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Excess risk against the ambient dimension
#
# The paper's comparison is between $\mathcal C_\Psi$, which here does not involve $d$ at all,
# and $\mathcal C_{\Phi\circ\Psi}$, which grows with $d$. We hold $n = 100$ labels and $m = 20000$
# unlabeled points fixed and vary $d$.

# %%
d_pre, d_ridge = [], []
for d in progress(DS, desc="d sweep"):
    res = [one_problem(d, [N_DSWEEP], [MS[-1]], run.rng) for _ in range(REPS_D)]
    d_pre.append([r_[0][0, 0] for r_ in res])
    d_ridge.append([r_[1][0] for r_ in res])
d_pre, d_ridge = np.array(d_pre).T, np.array(d_ridge).T  # (reps, len(DS))
dp_mean, dp_ci = mean_ci(d_pre)
dr_mean, dr_ci = mean_ci(d_ridge)
theory_d = float(fp.ols_excess_theory(latent_dim, N_DSWEEP, sigma2))
for d, a, b in zip(DS, dp_mean, dr_mean):
    print(f"d={d:4d}: pretrain+OLS {a:.3f}   oracle ridge {b:.3f}")

fig, ax = plt.subplots(figsize=(6.4, 3.8))
theory_vs_simulation(ax, DS, np.full(len(DS), theory_d), dp_mean, dp_ci, color="C0", logx=True, logy=True)
ax.get_lines()[0].set_label(r"theory with known B: $\sigma^2 r/(n-r-1)$")
ax.containers[0].set_label(f"pretrain+OLS, m={MS[-1]}")
ax.errorbar(DS, dr_mean, yerr=dr_ci, fmt="D-", ms=4, capsize=2, color="C4",
            label="supervised: oracle ridge on raw x")
ax.set(xlabel="ambient dimension d", ylabel="excess risk (exact)",
       title=f"n={N_DSWEEP} labels: the cost of d falls on unlabeled data only")
ax.set_xticks(DS, [str(d) for d in DS], minor=False)
ax.xaxis.set_minor_locator(plt.NullLocator())
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
j200, j400 = list(NS).index(200), list(NS).index(400)
in_fit = (NS >= 20) & (NS <= 400)
adv = {m: ridge_mean[j200] / pre_mean[i, j200] for i, m in enumerate(MS)}
slope = -fit_power_law(NS[in_fit], pre_mean[-1, in_fit])[1]
at400 = pre_mean[:, j400]
big = NS >= 50
ratio_theory = pre_mean[-1, big] / theory_r[big]
spread_pre = dp_mean.max() / dp_mean.min()
growth_ridge = dr_mean[-1] / dr_mean[0]

claims = repro.Claims()
claims.add(
    "Pretraining on m=20000 unlabeled points beats oracle ridge on raw x at n=200 by >= 3x",
    measured={"ridge / pretrained excess risk": adv[MS[-1]]},
    criterion="ratio >= 3 (d=100, r=5)", passed=adv[MS[-1]] >= 3, fmt="{:.0f}")
claims.add(
    "The pretrained pipeline's excess risk falls like 1/n in the labels",
    measured={"log-log slope over n in [20, 400]": f"{slope:.1f}"},
    criterion="|slope + 1| <= 0.2", passed=abs(slope + 1) <= 0.2)
claims.add(
    "Fewer unlabeled points shrink the advantage; more lower the risk",
    measured={"advantage at n=200, m=500 / 20000": f"{adv[MS[0]]:.0f} / {adv[MS[-1]]:.0f}",
              "excess at n=400, m=500/2000/20000": "[" + ", ".join(f"{v:.2f}" for v in at400) + "]"},
    criterion="advantage(m=500) < advantage(m=20000) and excess(n=400) strictly decreasing in m",
    passed=adv[MS[0]] < adv[MS[-1]] and bool(np.all(np.diff(at400) < 0)))
claims.add(
    "The label cost is that of r latent features: simulation matches sigma^2 r/(n-r-1)",
    measured={"simulated / theory, n >= 50 (min, max)": f"{ratio_theory.min():.1f}, {ratio_theory.max():.1f}"},
    criterion="every ratio in [0.8, 1.25]",
    passed=bool(np.all((ratio_theory >= 0.8) & (ratio_theory <= 1.25))))
claims.add(
    "With m=20000, raising d from 25 to 400 barely moves the pretrained risk; ridge's grows",
    measured={"pretrained max/min over d": f"{spread_pre:.1f}",
              "ridge d=400 / d=25": f"{growth_ridge:.0f}"},
    criterion="pretrained max/min <= 1.3 and ridge ratio >= 2",
    passed=spread_pre <= 1.3 and growth_ridge >= 2)
claims.report()

# %% [markdown]
# ## Verdict
#
# The report above is the verdict. In this factor model the paper's picture holds cleanly.
# With plenty of unlabeled data, the labelled part of the problem is exactly an $r$-dimensional
# least-squares fit: the simulated excess risk sits on $\sigma^2 r/(n-r-1)$ and falls like $1/n$,
# and at $n = 200$ it is several times below even the oracle-tuned ridge on raw inputs, which
# carries the cost of all $d$ coordinates. Cutting the unlabeled data to $m = 500$ adds an error
# from the estimated loadings that does not shrink with more labels (the $m = 500$ curve flattens
# at large $n$), and the advantage shrinks accordingly: this is the $\mathcal C_\Phi/m$ term. The
# dimension sweep shows where the cost of $d$ goes: into the unlabeled sample, not the labels.
#
# What this does *not* test: the paper's statements are upper bounds with unspecified constants
# and logarithmic factors, so there is no number in the paper to compare ours with; we test the
# predicted ordering and scalings. The $1/n$ slope is faster than the square-root rate of the
# paper's general bound, which is expected (and compatible) for the squared loss in a
# well-specified Gaussian model.
#
# ## Deviations from the paper
#
# * **No experiments in the paper.** It is a theory paper; the sizes ($d = 100$, $r = 5$,
#   $m \le 20000$, $n \le 400$), the factor strength ($|Be_j|^2 = 4$), $\lVert\beta\rVert^2 = r$ and
#   unit noises are our choices, fixed before running, in the form of the paper's factor model.
# * **Exact risks, not test sets.** All predictors are linear in $x$, so we compute their excess
#   risk in closed form; the unlabeled data enter the MLE only through their sample covariance,
#   which we draw from its exact Wishart law instead of generating the points.
# * **Baseline.** The paper's baseline is ERM over the composed class, which here is the class of
#   all (norm-bounded) linear predictors on $x$; we use ridge regression with an oracle choice of
#   the ridge, which is at least as good as any practical tuning, so the advantage we report is
#   conservative.
# * **Not covered.** The paper's Gaussian-mixture and contrastive-learning instantiations are not
#   simulated here.
