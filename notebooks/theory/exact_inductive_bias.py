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
# # Towards Exact Computation of Inductive Bias
#
# {cite}`boopathy2024towards` · [arXiv:2406.15941](https://arxiv.org/abs/2406.15941) (IJCAI 2024)
# · [authors' code](https://github.com/FieteLab/Exact-Inductive-Bias)
#
# How much does an architecture "know" about a task before it sees data? Boopathy, Yue, Hwang,
# Iyer and Fiete make this a number. Put a probability distribution on a hypothesis space, keep
# only hypotheses that fit the training set, and ask how likely a random one is to reach test loss
# at most $\varepsilon$. The information needed to single out such a hypothesis,
#
# $$ I(\varepsilon) = -\log_2 \Pr_{h}\big[L_{\rm test}(h) \le \varepsilon\big] \quad\text{bits}, $$
#
# is the inductive bias the task demands of that hypothesis space at that training-set size.
# For good models $\Pr[L \le \varepsilon]$ is astronomically small (hundreds of bits), far below
# what counting samples can see. The paper's answer is to sample a few thousand hypotheses, fit a
# parametric model of their loss distribution (a scaled non-central chi-squared) and read the
# probability off the fitted lower tail. It then reports that higher-dimensional tasks need more
# inductive bias and that neural networks encode a lot of it.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** The inductive bias $I(\varepsilon)$ can be estimated directly by fitting a scaled
# non-central $\chi^2$ to the test losses of sampled hypotheses (the authors fit
# `scipy.stats.ncx2.fit(losses, floc=0)` to 10 000 samples) and extrapolating its lower tail; and
# higher-dimensional tasks require more inductive bias.
#
# **This chapter checks** the paper's kernel hypothesis space (Gaussian-process draws with the
# authors' kernel $e^{-\lVert x - x'\rVert^2/2}$, conditioned to interpolate 50 training points), on
# regression tasks $y = \sin(2\,u^\top x)$, $x \sim \mathcal N(0, I_d)$, $d \in \{2, 4, 8, 16\}$, with
# several random tasks per dimension. For this space the loss distribution is known exactly, so we
# can test the estimator against the truth. Thresholds, fixed before running (the 10 % and the
# monotone trend are the catalog's checks; the 2 % is our Monte-Carlo precision):
# 1. *where Monte Carlo is feasible*: at the loss levels that 1 % and 0.1 % of $5\times10^5$
#    sampled hypotheses reach, the fitted estimate is within **10 %** of the direct Monte-Carlo
#    $-\log_2 \Pr$, for every task and both levels;
# 2. *dimension, as the paper measures it*: the estimated $I(\varepsilon{=}0.01)$, averaged over
#    the tasks of each $d$, strictly increases from $d = 2$ to 4, 8 and 16;
# 3. *dimension, exactly*: the same holds for the exact $I(0.01)$ (saddlepoint evaluation of the
#    known distribution, itself checked against Monte Carlo within **2 %** at the levels of claim 1);
# 4. *far tail*: at $\varepsilon = 0.01$, beyond the reach of sampling, the estimate averaged over
#    the tasks of each $d$ is within **10 %** of the exact value (the tolerance of claim 1).
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
eps = 0.01  # target test MSE at which the inductive bias is compared across dimensions

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

import repro
from repro.book.params import check_float
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.papers.theory import inductive_bias as ib
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)  # numpy float64 on one CPU thread; the device is unused
check_float("eps", eps, minimum=1e-4, maximum=0.1)
rng = run.rng

DIMS = [2, 4, 8, 16]
N_TRAIN, N_TEST = 50, 100
N_TASKS = run.pick(3, 10)          # random tasks (direction u, training and test sets) per dimension
N_FIT = 10_000                     # sampled hypotheses the estimator sees (the authors' default)
N_MC = run.pick(500_000, 2_000_000)  # independent hypotheses for the direct Monte-Carlo reference
LEVELS = np.array([1e-2, 1e-3])    # probabilities at which the estimate is compared with Monte Carlo
print(f"d in {DIMS}: {N_TASKS} tasks each, {N_TRAIN} train / {N_TEST} test points, "
      f"{N_FIT} hypotheses per fit, {N_MC} for Monte Carlo")

# %% [markdown]
# ## Method
#
# ### The kernel hypothesis space and its exact loss distribution
#
# A hypothesis is a draw of a Gaussian process with kernel $k(x,x') = e^{-\lVert x-x'\rVert^2/2}$,
# conditioned to pass exactly through the training points: the authors' kernel hypothesis space,
# whose code builds the test predictions as the interpolant plus the square root of the posterior
# covariance times Gaussian noise. On the $n$ test points the predictions are therefore
# $f \sim \mathcal N(m, \Sigma)$ with the usual noise-free GP posterior mean and covariance. Writing
# $\Sigma = U \operatorname{diag}(\lambda) U^\top$ and $r = U^\top (m - y)$, the test MSE is
#
# $$ L = \frac1n \lVert f - y\rVert^2 = \sum_i \frac{\lambda_i}{n}\,\big(z_i + r_i/\sqrt{\lambda_i}\big)^2,
#    \qquad z_i \sim \mathcal N(0,1) \text{ i.i.d.}, $$
#
# a weighted sum of independent non-central $\chi^2_1$ variables (a *generalised* $\chi^2$). Two
# consequences. Sampling a hypothesis's loss costs one Gaussian vector in this eigenbasis, so the
# Monte-Carlo reference with $5\times 10^5$ hypotheses takes a fraction of a second. And the lower
# tail can be computed without sampling: the cumulant generating function is
# $K(t) = \sum_i \big[-\tfrac12 \log(1 - 2 w_i t) + w_i c_i^2 t / (1 - 2 w_i t)\big]$ with
# $w_i = \lambda_i/n$, $c_i = r_i/\sqrt{\lambda_i}$, and the Lugannani-Rice saddlepoint formula
# evaluates $\log \Pr[L \le \varepsilon]$ at the root $\hat t < 0$ of $K'(t) = \varepsilon$. Its
# relative error does not grow in the tail; we call it the *exact* value and check it against Monte
# Carlo (claim 3) and, in the unit tests, against scipy's non-central $\chi^2$ where the weights
# are equal.
#
# ### The paper's estimator
#
# The paper models the loss distribution by a single scaled non-central $\chi^2$,
# $L \approx s\,\chi'^2_{k}(\delta)$, fitted by maximum likelihood to $N = 10^4$ sampled losses,
# and returns $-\log_2 F_{k,\delta}(\varepsilon/s)$. The motivation is the formula above: with
# equal weights it is exact; with unequal weights it is an approximation whose quality the paper
# bounds in terms of $N$. We call scipy exactly as the authors' `utils.py` does, with one numerical
# change: the losses are divided by their mean before the fit and the scale multiplied back, which
# leaves the maximum-likelihood answer unchanged but keeps scipy's optimiser (started at scale 1)
# from failing on tiny losses. The authors' code works in nats; we report bits as the paper's
# definition does.

# %%
print(inspect.getsource(ib.GaussianMSE.saddlepoint_log_cdf))
print(inspect.getsource(ib.fit_ncx2))

# %% [markdown]
# ### Tasks
#
# Inputs are standard Gaussian in $\mathbb R^d$ and the target is a sine ridge
# $y = \sin(2\,u^\top x)$ along a random unit direction $u$. Every coordinate has the same spread
# whatever $d$, so going up in dimension adds directions over which the hypothesis has to
# generalise at a fixed resolution (the kernel's length scale), which is the sense of "dimension"
# in the authors' earlier work on inductive-bias complexity. A task is one draw of $u$, 50 training
# and 100 test points.

# %% [markdown]
# ## Experiment
#
# For every task we (i) compute the GP posterior on the test points, (ii) draw $N_{\rm MC}$ losses
# for the Monte-Carlo reference and, independently, $10^4$ losses for the paper's fit, and
# (iii) evaluate the inductive bias three ways: Monte Carlo, the fitted non-central $\chi^2$, and
# the saddlepoint formula.

# %%
EPS_GRID = np.geomspace(1e-3, 1.0, 40)
records = []
for d in progress(DIMS, desc="dimensions"):
    for t in range(N_TASKS):
        u = rng.standard_normal(d)
        u /= np.linalg.norm(u)
        X_tr, y_tr = ib.sine_ridge_task(N_TRAIN, u, rng)
        X_te, y_te = ib.sine_ridge_task(N_TEST, u, rng)
        mean, cov = ib.interpolating_gp(X_tr, y_tr, X_te)
        law = ib.GaussianMSE(mean, cov, y_te)
        mc = law.sample(N_MC, rng)
        fit = ib.fit_ncx2(law.sample(N_FIT, rng))
        levels = np.quantile(mc, LEVELS)  # loss levels reached by 1% and 0.1% of hypotheses
        exact = lambda e: -law.saddlepoint_log_cdf(e) / ib.LOG2 if e < law.mean else 0.0  # noqa: E731
        records.append(dict(
            d=d, mean_loss=law.mean,
            mc=ib.monte_carlo_bits(mc, levels), est=ib.ncx2_bits(levels, fit),
            sp=np.array([exact(e) for e in levels]),
            est_eps=float(ib.ncx2_bits(eps, fit)), exact_eps=exact(eps),
            curve_est=ib.ncx2_bits(EPS_GRID, fit) if t == 0 else None,
            curve_exact=np.array([exact(e) for e in EPS_GRID]) if t == 0 else None,
            curve_mc=ib.monte_carlo_bits(mc, EPS_GRID) if t == 0 else None))

rel_mc = np.array([r["est"] / r["mc"] - 1 for r in records])          # tasks x levels
rel_sp = np.array([r["sp"] / r["mc"] - 1 for r in records])
by_d = {d: [r for r in records if r["d"] == d] for d in DIMS}
est_mean = np.array([np.mean([r["est_eps"] for r in by_d[d]]) for d in DIMS])
exact_mean = np.array([np.mean([r["exact_eps"] for r in by_d[d]]) for d in DIMS])
print(f"{'d':>3} {'mean loss':>10} {'max |est/MC - 1|':>17} {'I(eps) estimate':>16} {'I(eps) exact':>13}   (bits)")
for i, d in enumerate(DIMS):
    k = [j for j, r in enumerate(records) if r["d"] == d]
    print(f"{d:>3} {np.mean([records[j]['mean_loss'] for j in k]):>10.2f} "
          f"{np.abs(rel_mc[k]).max():>17.2f} {est_mean[i]:>16.0f} {exact_mean[i]:>13.0f}")

# %% [markdown]
# The figure shows, for the first task of each dimension, the inductive bias as a function of the
# target loss: Monte Carlo (dots) can only go down to a probability of about $1/N_{\rm MC}$
# (19 bits), the saddlepoint curve (line) goes everywhere, and the dashed curve is the paper's
# fitted extrapolation. The dotted vertical line is $\varepsilon = 0.01$.

# %%
fig, axes = plt.subplots(1, len(DIMS), figsize=(14, 3.6), sharey=False)
for ax, d, c in zip(axes, DIMS, COLORS):
    r = by_d[d][0]
    ok = np.isfinite(r["curve_mc"]) & (r["curve_mc"] > 0)
    ax.plot(EPS_GRID, r["curve_exact"], "-", color=c, label="exact (saddlepoint)")
    ax.plot(EPS_GRID, r["curve_est"], "--", color="k", label="paper's ncx2 fit")
    ax.plot(EPS_GRID[ok], r["curve_mc"][ok], "o", ms=4, color=c, mfc="none", label="Monte Carlo")
    ax.axvline(eps, color="0.5", ls=":", lw=1)
    ax.set(xscale="log", yscale="log", xlabel=r"target test MSE $\varepsilon$", title=f"d = {d}")
    ax.set_ylim(bottom=0.1)
axes[0].set_ylabel(r"inductive bias $-\log_2 P(L \leq \varepsilon)$ (bits)")
axes[0].legend(fontsize=7)
fig.suptitle("Inductive bias of the interpolating RBF-kernel hypothesis space, one task per dimension")
fig.tight_layout()
plt.show()

# %% [markdown]
# Left: the error of the fitted estimate against Monte Carlo at the two feasible levels, per task
# (the band is claim 1's 10 %). Right: the inductive bias at $\varepsilon = 0.01$ against the
# dimension, mean over tasks with a 95 % interval, as the paper estimates it and exactly.

# %%
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
ds = np.array([r["d"] for r in records], float)
for j, (lev, mk) in enumerate(zip(LEVELS, ["o", "s"])):
    ax.plot(ds * (1 + 0.04 * (2 * j - 1)), rel_mc[:, j], mk, color=COLORS[j], mfc="none",
            label=f"ncx2 fit, P = {lev:g}")
    ax.plot(ds * (1 + 0.04 * (2 * j - 1)), rel_sp[:, j], "x", color=COLORS[j],
            label=f"saddlepoint, P = {lev:g}")
ax.axhspan(-0.1, 0.1, color="0.9", zorder=0)
ax.axhline(0, color="0.5", lw=1)
ax.set(xscale="log", xlabel="task dimension d", ylabel="relative error vs Monte Carlo",
       title="Where sampling can check it")
ax.set_xticks(DIMS, [str(d) for d in DIMS])
ax.minorticks_off()
ax.legend(fontsize=7)
for vals, lab, c, mk in [("est_eps", "paper's ncx2 estimate", "k", "s--"),
                         ("exact_eps", "exact (saddlepoint)", COLORS[0], "o-")]:
    m, h = mean_ci(np.array([[r[vals] for r in by_d[d]] for d in DIMS]), axis=1)
    bx.errorbar(DIMS, m, yerr=h, fmt=mk, color=c, capsize=3, label=lab)
bx.set(xscale="log", yscale="log", xlabel="task dimension d",
       ylabel=rf"inductive bias at $\varepsilon={eps:g}$ (bits)",
       title=f"Mean over {N_TASKS} tasks per dimension")
bx.set_xticks(DIMS, [str(d) for d in DIMS])
bx.minorticks_off()
bx.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
max_rel_mc = float(np.abs(rel_mc).max())
worst_d = int(records[int(np.abs(rel_mc).max(1).argmax())]["d"])
max_rel_sp = float(np.abs(rel_sp).max())
far_rel = np.abs(est_mean / exact_mean - 1)

claims = repro.Claims()
claims.add(
    "The fitted ncx2 estimate matches direct Monte Carlo where sampling reaches (P = 1e-2, 1e-3)",
    measured={"max |estimate / MC - 1|": max_rel_mc, "at d": str(worst_d),
              "tasks within 10%": f"{int((np.abs(rel_mc).max(1) <= 0.1).sum())} of {len(records)}"},
    criterion="|estimate / MC - 1| <= 0.10 for every task, dimension and both levels",
    passed=max_rel_mc <= 0.10, fmt="{:.2f}")
claims.add(
    f"Estimated inductive bias at eps = {eps:g} increases with task dimension",
    measured={f"mean bits, d = {DIMS}": [float(v) for v in est_mean]},
    criterion=f"mean over {N_TASKS} tasks strictly increasing over d = {DIMS}",
    passed=bool(np.all(np.diff(est_mean) > 0)), fmt="{:.2g}")
claims.add(
    f"Exact inductive bias at eps = {eps:g} increases with task dimension",
    measured={f"mean bits, d = {DIMS}": [float(v) for v in exact_mean],
              "saddlepoint vs MC, max rel. error": max_rel_sp},
    criterion=f"mean over {N_TASKS} tasks strictly increasing over d = {DIMS}; "
              "saddlepoint within 2% of Monte Carlo at both levels",
    passed=bool(np.all(np.diff(exact_mean) > 0)) and max_rel_sp <= 0.02, fmt="{:.2g}")
claims.add(
    f"The fitted estimate extrapolates correctly to eps = {eps:g}, beyond the reach of sampling",
    measured={"|mean estimate / mean exact - 1| per d": [float(v) for v in far_rel]},
    criterion="<= 0.10 at every d",
    passed=bool(np.all(far_rel <= 0.10)), fmt="{:.2f}")
claims.report()

# %% [markdown]
# ## Verdict
#
# *Written after running seeds 0, 1 and 2; see the report above for this run's numbers.*
#
# **What reproduces.** The qualitative story holds. The inductive bias of the interpolating kernel
# hypothesis space grows steeply with the task's dimension, from a few bits at $d = 2$ (50 points
# pin down a function of two variables almost completely) to about a hundred at $d = 4$ and a few
# hundred at $d = 8$ and 16, and the paper's estimator ranks the dimensions in the same order as
# the exact computation. Where the loss distribution is spread over many comparable directions
# ($d \ge 8$), the single scaled non-central $\chi^2$ matches Monte Carlo within a few percent.
#
# **What does not.** The estimator is not accurate to the catalog's 10 % across the board:
# * Even where Monte Carlo can check it, at $d = 2$ the fitted tail is far too light-tailed
#   near zero and underestimates $-\log_2 P$ by 10 to 30 %: the posterior covariance there has a
#   few dominant directions with large offsets, a shape one scaled non-central $\chi^2$ cannot follow.
# * Beyond the reach of sampling, at $\varepsilon = 0.01$, the extrapolation is biased low at
#   $d = 4$ (around 40 %), and at $d = 8$ and 16 individual fits sometimes land 30 % low: the
#   maximum-likelihood fit is dominated by the bulk of the distribution, so two fits of similar
#   likelihood can disagree by a hundred bits in the far tail. The monotone trend survives because
#   the differences between dimensions are larger than these errors, not because the estimate is
#   exact. (At $d = 2$ the inductive bias is only a bit or two, so relative errors there are large
#   in ratio but small in bits.) At the precision of the paper's plots (log scale, orders of magnitude between tasks) the
#   estimator is informative; as an "exact" number it is not, at least for this hypothesis space.
#
# Because this hypothesis space has a known loss law, the saddlepoint formula gives the inductive
# bias directly and precisely; the paper's sampling approach is meant for spaces (trained networks)
# where no such formula exists, and this chapter can only measure its error where the truth is known.
#
# ## Deviations from the paper
#
# * **Tasks.** The paper measures inductive bias on image benchmarks (MNIST, CIFAR-10 and others)
#   and on tasks of varied dimensionality; we use synthetic Gaussian-input regression tasks with
#   $d \in \{2, 4, 8, 16\}$, 50 training and 100 test points, so that the exact loss law is cheap.
#   In development we also tried inputs on the unit sphere (norm fixed while $d$ grows): there the
#   exact inductive bias peaks near $d = 8$ and then falls, because the fixed-length-scale kernel
#   sees all points as nearly equidistant. "More dimensions, more bias" therefore depends on how
#   the task's geometry scales with $d$; our tasks keep the resolution per dimension fixed.
# * **Hypothesis spaces.** Only the kernel (Gaussian-process) space is tested; the neural-network
#   spaces (trained networks from random initialisations) and the comparison between architectures
#   are not. Their loss laws are unknown, which is what the estimator is for, but it is also why
#   they cannot be checked against an exact value.
# * **Sampling.** We draw hypotheses exactly from the GP posterior (eigenbasis of the posterior
#   covariance) rather than by the authors' gradient-descent approximation of the kernel solves.
# * **Fit.** The losses are rescaled to mean one before scipy's maximum-likelihood fit (same
#   estimator, better-conditioned start); bits instead of the code's nats. The authors' fallback
#   (a normal approximation when scipy's log-CDF underflows) was never needed here.
# * **Scale.** Quick: 3 tasks per dimension and $5\times10^5$ Monte-Carlo hypotheses; full: 10 tasks
#   and $2\times10^6$.
