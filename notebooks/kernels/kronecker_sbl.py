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
# # Bayesian Algorithms for Kronecker-structured Sparse Vector Recovery With Application to IRS-MIMO Channel Estimation
#
# {cite}`he2024kronecker` · [paper (arXiv:2307.14719)](https://arxiv.org/abs/2307.14719) ·
# [authors' code (MATLAB, YanbinHe/JournalKroSBL)](https://github.com/YanbinHe/JournalKroSBL).
# Everything below is our own Python implementation.
#
# Many multidimensional signals (a wireless channel seen through several antenna arrays, an image
# in a separable basis) are measured through a dictionary that is a Kronecker product,
# $H = A_1 \otimes A_2 \otimes A_3$, and are sparse in a structured way: the non-zero entries of
# $x$ sit on a Kronecker product of per-dimension supports. Sparse Bayesian learning (SBL) gives
# every entry of $x$ its own prior variance and learns the variances from the data; the paper
# forces the variance vector itself to be a Kronecker product, $\gamma = \gamma_1 \otimes \gamma_2
# \otimes \gamma_3$, and derives two EM algorithms for this "KroSBL" model: one whose M-step is
# solved by alternating minimisation (AM-KroSBL, with a convergence guarantee) and one that
# replaces the M-step by a rank-one SVD approximation (SVD-KroSBL). The structure has two payoffs
# that the paper measures on synthetic data: far fewer hyper-parameters to learn (better accuracy)
# and a posterior that factorises over dimensions (lower cost).

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For a Kronecker dictionary and a Kronecker-supported sparse vector, both KroSBL
# algorithms recover $x$ with lower NMSE and better support recovery than classic SBL (which
# ignores the structure) and than Kronecker OMP (KOMP, a greedy method that uses it); SVD-KroSBL is
# the more accurate and the faster of the two KroSBL variants and much faster than classic SBL;
# and the SBL cost of AM-KroSBL never increases over the iterations (its convergence theorem).
#
# **This chapter tests**, on the paper's synthetic set-up shrunk to $x \in \mathbb R^{8^3}$ with
# $m = 5 \cdot 6 \cdot 8 = 240$ measurements and $2$ non-zeros per dimension (8 in $x$), at SNR
# 20 dB over 200 trials (the paper's count). Every trial draws a new problem (dictionaries, sparse
# vector, noise), so trials are independent runs; every algorithm sees the same trials, and each
# comparison is the paired per-trial difference with its 95 % interval. NMSE is the paper's metric, averaged arithmetically
# over trials. The criteria are declared in the box below, before anything runs:
# * *headline*: both KroSBL variants have a lower NMSE than classic SBL and than KOMP;
# * *supporting*: both recover the support better than classic SBL and KOMP; SVD-KroSBL is more
#   accurate than AM-KroSBL **at the same pruning threshold** (both thresholds of the authors'
#   code, $10^{-2}$ and $10^{-3}$, each applied to both variants); SVD-KroSBL takes at most half of
#   classic SBL's time and less than AM-KroSBL's;
# * *sanity*: without pruning, the SBL cost of AM-KroSBL never increases (the paper's convergence
#   theorem, evaluated on 10 instances: it holds if our M-step is right).
# ```

# %% tags=["hide-input"]
import math

import repro

claims = repro.Claims()
PAIRED = ("the claim rules: a counted claim is a paired comparison with a 95% interval over independent "
          "trials, not a comparison of two plain means")
claims.declare(
    "beats_sbl_and_komp", kind="headline",
    statement="Both KroSBL variants (AM, SVD) recover x with a lower NMSE than classic SBL and than KOMP (20 dB)",
    metric="NMSE of the KroSBL variant on a trial", paired_with="that of the baseline on the same trial",
    better="lower", margin=0.0, fmt="{:+.3f}",
    changed=repro.Change(what="statistic", was="plain means of 50 trials compared (legacy claims 1 and 2)",
                         why=(PAIRED + "; 200 trials (the paper's count) instead of 50: with 100 the verdict "
                              "of AM-KroSBL vs classic SBL differed between seeds (heavy-tailed NMSE)")))
claims.declare(
    "support_recovery", kind="supporting",
    statement="Both KroSBL variants recover the support better than classic SBL and than KOMP",
    metric="support recovery rate of the KroSBL variant on a trial", paired_with="that of the baseline",
    better="higher", margin=0.0, fmt="{:+.2f}",
    changed=repro.Change(what="statistic", was="plain mean SRRs of 50 trials compared (legacy claim 3)",
                         why=PAIRED))
claims.declare(
    "svd_more_accurate", kind="supporting",
    statement="SVD-KroSBL is more accurate than AM-KroSBL, both with the same pruning threshold",
    metric="NMSE of SVD-KroSBL on a trial (the paper's metric)", paired_with="that of AM-KroSBL",
    better="lower", margin=0.0, fmt="{:+.4f}",
    changed=(repro.Change(
        what="metric: back to the paper's arithmetic-mean NMSE",
        was=("mean over trials of the NMSE in dB, chosen after the arithmetic mean showed no difference "
             "between the two variants (legacy claim 4)"),
        why="the referee: a metric switched after seeing results is not a test; we report the original one"),
        repro.Change(
        what="pruning thresholds: the same for both variants, swept over the authors' two values",
        was="1e-2 for AM-KroSBL and 1e-3 for SVD-KroSBL (the authors' code), which confounds the comparison",
        why="the referee: different thresholds confound an accuracy comparison of the two M-steps")))
claims.declare(
    "svd_faster_than_classic", kind="supporting",
    statement="SVD-KroSBL takes at most half the time of classic SBL",
    metric="log10 of SVD-KroSBL's wall-clock time on a trial", paired_with="log10 of classic SBL's",
    better="lower", margin=math.log10(0.5), fmt="{:+.0f}",
    changed=repro.Change(what="statistic", was="ratio of total times <= 0.5, no interval (legacy claim 5)",
                         why=PAIRED))
claims.declare(
    "svd_faster_than_am", kind="supporting",
    statement="SVD-KroSBL is faster than AM-KroSBL, both with the same pruning threshold",
    metric="log10 of SVD-KroSBL's wall-clock time on a trial", paired_with="log10 of AM-KroSBL's",
    better="lower", margin=0.0, fmt="{:+.0f}",
    changed=repro.Change(what="statistic and pruning thresholds",
                         was="ratio of total times < 1 with the authors' different thresholds (legacy claim 5)",
                         why=PAIRED + "; the same threshold for both, as for svd_more_accurate"))
claims.declare(
    "am_monotone", kind="sanity",
    statement="Without pruning, AM-KroSBL never increases the SBL cost (the paper's convergence theorem)",
    metric="largest relative increase cost(t+1) - cost(t) over (1 + |cost(t)|), every iteration, 10 instances",
    better="lower", margin=1e-9, fmt="{:.0e}", deterministic=True,
    changed=repro.Change(what="kind: counted -> sanity", was="legacy claim 6, counted",
                         why="a theorem evaluated on our implementation: it holds if our M-step is right"))
claims.show()

# %% tags=["parameters"]
scale = "quick"   # "quick" (CPU, < 1 min) or "full" (the paper's problem size)
seed = 0          # seeds the dictionaries, sparse vectors and noise
device = "auto"   # unused: the algorithms are NumPy (CPU) code
n_trials = 0      # trials at the main SNR; 0 picks the scale's default
snr_db = 20.0     # main signal-to-noise ratio (dB), the catalog's check

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

from repro.book import params
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.papers.kernels import kronecker_sbl as ks

run = repro.setup(scale, seed, device)
params.check_int("n_trials", n_trials, minimum=0, maximum=1000)
params.check_float("snr_db", snr_db, minimum=-10.0, maximum=60.0)
n_trials = n_trials or run.pick(200, 30)
if n_trials < 10:
    raise params.ParameterError(f"parameter n_trials={n_trials} must be >= 10")

# problem sizes: quick shrinks the paper's (n = 15 per dimension, m = (8, 12, 15), 3 non-zeros)
N_DIM = run.pick(8, 15)
M_DIMS = run.pick((5, 6, 8), (8, 12, 15))
K_DIM = run.pick(2, 3)
SWEEP_SNRS = [5.0, 10.0, 15.0, 25.0, 30.0]
N_SWEEP = run.pick(4, 4)
PRUNES = (1e-2, 1e-3)   # the authors' thresholds (AM: 1e-2, SVD and classic SBL: 1e-3), each for both
# convergence study (paper: 30 dB, m_1 = 14, 4 non-zeros per dimension, no pruning)
CONV = dict(n=N_DIM, ms=run.pick((5, 6, 8), (14, 12, 15)), k=run.pick(2, 4), snr=30.0,
            iters=run.pick(200, 500), instances=10)
print(f"x in R^{N_DIM}^3 = R^{N_DIM ** 3}, m = {'x'.join(map(str, M_DIMS))} = {np.prod(M_DIMS)} measurements, "
      f"{K_DIM}^3 = {K_DIM ** 3} non-zeros; {n_trials} trials at {snr_db:g} dB, {N_SWEEP} per other SNR")

# %% [markdown]
# ## Method
#
# ### The model and classic SBL
# We observe $y = Hx + e$ with $H = A_1 \otimes A_2 \otimes A_3$ ($A_i \in \mathbb R^{m_i \times n}$,
# so $H$ is $m \times n^3$ with $m = m_1 m_2 m_3$) and white noise of known variance $\sigma^2$.
# SBL places the prior $x \sim \mathcal N(0, \Gamma)$, $\Gamma = \mathrm{diag}(\gamma)$, and chooses
# $\gamma$ by maximising the evidence, i.e. by minimising the *SBL cost*
#
# $$
# \mathcal L(\gamma) = \log\det \Sigma_y + y^\top \Sigma_y^{-1} y, \qquad \Sigma_y = \sigma^2 I + H \Gamma H^\top .
# $$
#
# EM treats $x$ as hidden. The E-step computes the Gaussian posterior of $x$,
# $\mu = \Gamma H^\top \Sigma_y^{-1} y$ and $\Sigma = \Gamma - \Gamma H^\top \Sigma_y^{-1} H \Gamma$;
# the M-step minimises the surrogate $\sum_j \lambda_j / \gamma_j + \log \gamma_j$ with
# $\lambda = \mathrm{diag}(\Sigma) + \mu^2$. Without constraints its minimiser is $\gamma = \lambda$:
# that is classic SBL. Its E-step factorises an $m \times m$ matrix at every iteration.
#
# ### KroSBL: a Kronecker-structured prior
# If $x$ is supported on $S_1 \times S_2 \times S_3$, a prior variance of the form
# $\gamma = \gamma_1 \otimes \gamma_2 \otimes \gamma_3$ can represent its support exactly with
# $3n$ instead of $n^3$ numbers. Two things follow.
#
# *The E-step factorises.* $H \Gamma H^\top = \bigotimes_i A_i \Gamma_i A_i^\top$; with the small
# eigendecompositions $A_i \Gamma_i A_i^\top = U_i \,\mathrm{diag}(p_i)\, U_i^\top$ we get
# $\Sigma_y = U(\sigma^2 I + p_1 \otimes p_2 \otimes p_3)U^\top$ with $U = \otimes_i U_i$, so both
# the posterior and the cost need only $m_i \times m_i$ eigendecompositions and mode-wise products:
# with $F_i = \Gamma_i A_i^\top U_i$ and $d = 1/(\sigma^2 + \otimes_i p_i)$,
#
# $$
# \mu = (\otimes_i F_i)\big(d \odot (\otimes_i U_i^\top) y\big), \qquad
# \mathrm{diag}(\Sigma) = \otimes_i \gamma_i - (\otimes_i F_i \odot F_i)\, d, \qquad
# \mathcal L = \textstyle\sum \log(\sigma^2 + \otimes_i p_i) + \sum d \odot \big((\otimes_i U_i^\top) y\big)^2 .
# $$
#
# *The M-step becomes a structured problem*: minimise $\sum_j \lambda_j/\gamma_j + \log\gamma_j$ over
# $\gamma = \otimes_i \gamma_i$. Writing $\lambda$ as an $n \times n \times n$ tensor $\Lambda$,
#
# - **AM-KroSBL** minimises over one factor at a time; each block has a closed form,
#   $\gamma_1[a] = \frac{1}{n^2} \sum_{b,c} \Lambda_{abc} / (\gamma_2[b]\,\gamma_3[c])$ (and likewise for
#   the others), and the sweeps are repeated until the product stops changing. Every block update
#   lowers the surrogate, so each EM iteration lowers $\mathcal L$: the guarantee tested below.
# - **SVD-KroSBL** replaces the M-step by the nearest rank-one tensor to $\Lambda$ in Frobenius
#   norm, found by a leading SVD of the $n \times n^2$ unfolding and then of the $n \times n$
#   remainder. This is an approximation, with no monotonicity guarantee, but a single cheap step.
#
# Both prune, per dimension, the indices whose variance falls below a fraction of the largest
# ($10^{-2}$ for AM, $10^{-3}$ for SVD and classic SBL, the values in the authors' code), so the
# problem shrinks as the support is found. Comparisons of the two KroSBL variants with each other
# use the same threshold for both, at each of the two values. All SBL variants stop when $\gamma$ changes by less
# than $10^{-4}$ (relative) or after 150 iterations, as in the authors' code.
#
# **KOMP** {cite}`caiafa2013kronecker`, the greedy baseline: correlate the residual with every
# Kronecker atom, add the best atom's index in each dimension to that dimension's set, refit by
# least squares on the Kronecker sub-dictionary (whose pseudo-inverse is $\otimes_i A_{i,S_i}^+$),
# and stop once the residual energy falls to the noise level $m\sigma^2$. **Oracle LS** (least
# squares on the true support) is shown as the floor no method can beat on average.
#
# The code is `src/repro/papers/kernels/kronecker_sbl.py` (tests: `tests/papers/kernels/test_kronecker_sbl.py`, which check the
# factorised E-step against the dense formulas, both M-steps on rank-one inputs and their
# optimality conditions, and recovery on easy problems). The three pieces that differ from
# classic SBL:

# %%
for fn in (ks.kron_posterior, ks.am_mstep, ks.svd_mstep):
    print(inspect.getsource(fn))

# %% [markdown]
# ## Experiment 1: recovery at 20 dB
#
# Each trial draws Gaussian dictionaries $A_i$, three factors $x_i$ with 2 non-zero standard
# normal entries at random positions, $x = x_1 \otimes x_2 \otimes x_3$, and white noise scaled to
# the SNR (noise power = mean power of $Hx$ divided by the SNR), as in the authors' script. Every
# algorithm sees the same $y$ and the true noise variance. We record the NMSE
# $\|\hat x - x\|^2 / \|x\|^2$, the support recovery rate (SRR, $|\hat S \cap S| / |\hat S \cup S|$ with
# $\hat S$ the entries above $10^{-3}$ of the largest), the wall-clock time of each run (classic
# SBL is handed the dense $H$ ready-made) and the number of EM iterations.

# %%
ALGOS = ["classic SBL", "AM-KroSBL", "SVD-KroSBL", "KOMP", "oracle LS"]
COLOR = dict(zip(ALGOS, [COLORS[1], COLORS[2], COLORS[0], COLORS[3], "0.5"]))


EXTRA = {"AM-KroSBL (prune 1e-3)": ("am", 1e-3), "SVD-KroSBL (prune 1e-2)": ("svd", 1e-2)}


def run_all(problem, y, s2, H, extra=False):
    """NMSE, SRR, seconds and iterations of every algorithm on one measurement vector; with
    ``extra`` also both KroSBL variants at the other variant's pruning threshold."""
    results = {
        "classic SBL": ks.classic_sbl(H, y, s2),
        "AM-KroSBL": ks.kron_sbl(problem.mats, y, s2, "am"),
        "SVD-KroSBL": ks.kron_sbl(problem.mats, y, s2, "svd"),
        "KOMP": ks.kron_omp(problem.mats, y, s2),
    }
    if extra:
        for name, (mstep, prune) in EXTRA.items():
            results[name] = ks.kron_sbl(problem.mats, y, s2, mstep, prune=prune)
    out = {a: (ks.nmse(r.x, problem.x), ks.support_recovery_rate(r.x, problem.x), r.seconds, r.iterations)
           for a, r in results.items()}
    x_or = ks.oracle_ls(problem.mats, y, problem.factors)
    out["oracle LS"] = (ks.nmse(x_or, problem.x), 1.0, 0.0, 0)
    return out


def trials(n, snrs, desc, extra=False):
    """``{snr: {algo: array (n, 4)}}``; every SNR sees the same n problems (fresh noise)."""
    names = ALGOS + (list(EXTRA) if extra else [])
    rows = {s: {a: [] for a in names} for s in snrs}
    for _ in progress(range(n), desc=desc):
        problem = ks.sample_problem(run.rng, N_DIM, M_DIMS, K_DIM)
        H = ks.kron_all(problem.mats)
        for s in snrs:
            y, s2 = problem.noisy(run.rng, s)
            for a, v in run_all(problem, y, s2, H, extra).items():
                rows[s][a].append(v)
    return {s: {a: np.array(v) for a, v in r.items()} for s, r in rows.items()}


main = trials(n_trials, [snr_db], f"trials at {snr_db:g} dB", extra=True)[snr_db]
db = lambda v: 10 * np.log10(v)  # noqa: E731
summary = {a: dict(mean_db=db(r[:, 0].mean()), db_mean=db(r[:, 0]).mean(), srr=r[:, 1].mean(),
                   fail=np.mean(r[:, 0] > 0.1), time=r[:, 2].sum(), iters=r[:, 3].mean())
           for a, r in main.items()}
print(f"{n_trials} trials at {snr_db:g} dB\n")
print("| algorithm | mean NMSE (dB) | mean of NMSE in dB | SRR | trials with NMSE > 0.1 | "
      "time per run (ms) | EM iterations |\n|---|---|---|---|---|---|---|")
for a, s in summary.items():
    print(f"| {a} | {s['mean_db']:.1f} | {s['db_mean']:.1f} | {s['srr']:.2f} | {s['fail']:.0%} | "
          f"{1000 * s['time'] / n_trials:.1f} | {s['iters']:.0f} |")

# %% [markdown]
# Two averages of the NMSE are printed. The paper's, used by every claim, is the arithmetic mean.
# It is decided by the few instances on which an algorithm fails outright (NMSE of order 1, against
# $10^{-3}$ for a success), and the figure below shows that some instances defeat every method at
# once. The mean of the NMSE in dB (a geometric mean) weighs every trial equally; it is shown for
# context only. (An earlier version of this chapter switched claim 4 to it after the arithmetic mean
# showed no difference between the two KroSBL variants; the claim box records that we went back.)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
ax = axes[0]
lo = db(main["oracle LS"][:, 0])
for a, mk in (("classic SBL", "s"), ("AM-KroSBL", "^"), ("SVD-KroSBL", "o"), ("KOMP", "x")):
    ax.scatter(lo, db(main[a][:, 0]), s=18, marker=mk, color=COLOR[a], label=a, alpha=0.8)
lim = [min(lo.min(), -45) - 2, 12]
ax.plot(lim, lim, "k--", lw=1, label="= oracle LS")
ax.set(xlim=lim, ylim=lim, xlabel="oracle LS NMSE (dB)", ylabel="algorithm NMSE (dB)",
       title=f"Every trial at {snr_db:g} dB: distance to the oracle")
ax.legend(fontsize=8, loc="upper left")
ax = axes[1]
order = ["classic SBL", "AM-KroSBL", "SVD-KroSBL", "KOMP"]
ax.bar(range(4), [1000 * summary[a]["time"] / n_trials for a in order], color=[COLOR[a] for a in order])
ax.set_yscale("log")
ax.set_xticks(range(4), order)
ax.set(ylabel="wall-clock time per run (ms, log scale)", title="Cost of one recovery")
for i, a in enumerate(order):
    ax.text(i, 1000 * summary[a]["time"] / n_trials, f"{summary[a]['iters']:.0f} it.", ha="center",
            va="bottom", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 2: the SNR sweep
#
# The paper's Figures 1(a) and 2(a) sweep the SNR from 5 to 30 dB. We repeat the comparison at the
# other SNRs with fewer trials (each trial's problem is reused across SNRs, with fresh noise); the
# 20 dB point is experiment 1. This is context for the claims, which are checked at 20 dB only.

# %%
sweep = trials(N_SWEEP, SWEEP_SNRS, "SNR sweep")
sweep[snr_db] = main
snrs = sorted(sweep)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for a in ALGOS:
    axes[0].plot(snrs, [sweep[s][a][:, 0].mean() for s in snrs], "o-", ms=4, color=COLOR[a], label=a)
    if a != "oracle LS":
        axes[1].plot(snrs, [sweep[s][a][:, 1].mean() for s in snrs], "o-", ms=4, color=COLOR[a], label=a)
axes[0].set(yscale="log", xlabel="SNR (dB)", ylabel="mean NMSE (log scale)",
            title=f"Mean NMSE ({N_SWEEP} trials per SNR, {n_trials} at {snr_db:g} dB)")
axes[1].set(xlabel="SNR (dB)", ylabel="mean support recovery rate", ylim=(0, 1.02),
            title="Support recovery rate")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 3: does AM-KroSBL's cost always go down?
#
# The paper proves that AM-KroSBL converges to a stationary point of the SBL cost; the engine is
# that every EM iteration lowers $\mathcal L$. We switch pruning off (as the paper's convergence
# study does: pruning changes the model) and run the EM iterations at 30 dB on 10 fresh
# instances, recording $\mathcal L$ after every E-step; SVD-KroSBL is run alongside for contrast
# (no guarantee). The figure shows one instance of the quick-scale size (also at `full` scale, where
# classic SBL without pruning would be too slow) with classic SBL added.

# %%
conv_inc = {"AM-KroSBL": [], "SVD-KroSBL": []}
conv_nmse = {"AM-KroSBL": [], "SVD-KroSBL": []}
for i in progress(range(CONV["instances"]), desc="convergence"):
    problem = ks.sample_problem(run.rng, CONV["n"], CONV["ms"], CONV["k"])
    y, s2 = problem.noisy(run.rng, CONV["snr"])
    for mstep, a in (("am", "AM-KroSBL"), ("svd", "SVD-KroSBL")):
        r = ks.kron_sbl(problem.mats, y, s2, mstep, prune=0, max_iter=CONV["iters"], tol=0, history=True)
        c = np.array(r.costs)
        conv_inc[a].append(np.max(np.diff(c) / (1 + np.abs(c[:-1]))))
        conv_nmse[a].append(ks.nmse(r.x, problem.x))
for a in conv_inc:
    print(f"{a}: largest relative cost change between consecutive iterations (positive = increase) over "
          f"{CONV['instances']} instances x {CONV['iters']} iterations = {max(conv_inc[a]):.1e}; "
          f"final NMSE (mean of dB) {db(np.array(conv_nmse[a])).mean():.1f} dB")

# %%
problem = ks.sample_problem(run.rng, 8, (5, 6, 8), 2)  # the quick-scale size at both scales
y, s2 = problem.noisy(run.rng, 30.0)
traces = {
    "classic SBL": ks.classic_sbl(ks.kron_all(problem.mats), y, s2, prune=None, max_iter=200, tol=0, history=True),
    "AM-KroSBL": ks.kron_sbl(problem.mats, y, s2, "am", prune=0, max_iter=200, tol=0, history=True),
    "SVD-KroSBL": ks.kron_sbl(problem.mats, y, s2, "svd", prune=0, max_iter=200, tol=0, history=True),
}
c_min = min(min(r.costs) for r in traces.values())
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for a, r in traces.items():
    it = np.arange(1, len(r.costs) + 1)
    axes[0].plot(it, np.array(r.costs) - c_min + 1, color=COLOR[a], label=a)
    axes[1].plot(it, [ks.nmse(m, problem.x) for m in r.means], color=COLOR[a], label=a)
axes[0].set(xscale="log", yscale="log", xlabel="EM iteration", ylabel="SBL cost - lowest cost reached + 1",
            title="SBL cost per iteration (one instance, 30 dB, no pruning)")
axes[1].set(xscale="log", yscale="log", xlabel="EM iteration", ylabel="NMSE of the posterior mean",
            title="Recovery error per iteration")
axes[1].axhline(ks.nmse(ks.oracle_ls(problem.mats, y, problem.factors), problem.x), color="0.5", ls="--",
                lw=1, label="oracle LS")
for ax in axes:
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Results
#
# One value per trial (an independent problem); the interval is over trials. Run times are
# wall-clock: they are compared on a log10 scale, and the report prints them rounded to the order
# of magnitude so that it stays the same from run to run; the results cell has full precision.

# %%
PR = {1e-2: {"AM": "AM-KroSBL", "SVD": "SVD-KroSBL (prune 1e-2)"},
      1e-3: {"AM": "AM-KroSBL (prune 1e-3)", "SVD": "SVD-KroSBL"}}
for kro in ("AM-KroSBL", "SVD-KroSBL"):
    for base in ("classic SBL", "KOMP"):
        label = f"{kro.split('-')[0]} vs {base}"
        claims.record("beats_sbl_and_komp", method=main[kro][:, 0], baseline=main[base][:, 0], setting=label)
        claims.record("support_recovery", method=main[kro][:, 1], baseline=main[base][:, 1], setting=label)
for prune, names in PR.items():
    claims.record("svd_more_accurate", method=main[names["SVD"]][:, 0], baseline=main[names["AM"]][:, 0],
                  setting=f"prune {prune:g}")
    claims.record("svd_faster_than_am", method=np.log10(main[names["SVD"]][:, 2]),
                  baseline=np.log10(main[names["AM"]][:, 2]), setting=f"prune {prune:g}")
claims.record("svd_faster_than_classic", method=np.log10(main["SVD-KroSBL"][:, 2]),
              baseline=np.log10(main["classic SBL"][:, 2]))
claims.record("am_monotone", value=max(max(conv_inc["AM-KroSBL"]), 0.0))
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The report above is the verdict and the results cell holds every paired difference with its
# interval over trials. What the experiments show beyond it: on most trials the KroSBL estimates
# are within a few dB of the oracle that knows the support (left panel of the first figure), while
# classic SBL, learning $n^3 = 512$ free variances from 240 measurements with a dictionary whose
# columns are strongly correlated (two atoms sharing two of their three indices are as correlated
# as two columns of a $5 \times 8$ Gaussian matrix), lands in poor local optima on a share of the
# trials, and KOMP's greedy choices of per-dimension indices are often wrong. SVD-KroSBL's E-step
# costs a few $m_i \times m_i$ eigendecompositions instead of an $m \times m$ factorisation, and its
# M-step is two SVDs; AM-KroSBL is slower because of its inner alternating loop and because it
# needs more EM iterations. The comparison of the two KroSBL variants uses the paper's arithmetic
# mean and the same pruning threshold for both; because that mean is dominated by rare failures,
# it needs many trials to separate two methods that both succeed on most of them. The cost of
# AM-KroSBL never went up (a sanity check of our M-step against the paper's theorem). SVD-KroSBL has
# no such guarantee, and the printout of experiment 3 shows whether its cost went up anywhere; yet
# it usually reaches a lower cost than AM-KroSBL within the same number of iterations (last figure),
# because AM's EM steps are short. Classic SBL reaches the lowest cost of all (it has more freedom)
# but not the lowest error: a lower evidence cost does not mean a better estimate when the model is
# over-parameterised.
#
# **Deviations from the paper.**
# - Size: at quick scale $x \in \mathbb R^{512}$ with $m = 5 \cdot 6 \cdot 8 = 240$ measurements and
#   2 non-zeros per dimension, against the paper's $15^3 = 3375$ unknowns, $m = 8 \cdot 12 \cdot 15 = 1440$
#   and 3 non-zeros per dimension (the ratios $m_i / n$ are about the same). `full` scale uses the
#   paper's sizes; classic SBL then takes several seconds per run on one CPU thread, so it runs 30
#   trials at 20 dB and 4 per other SNR instead of 200.
# - Trials: 200 at 20 dB, as in the paper, and 4 per other SNR.
# - Pruning: the authors' code prunes AM-KroSBL at $10^{-2}$ and SVD-KroSBL at $10^{-3}$; the
#   headline and support claims keep these defaults, while the comparisons of the two variants
#   with each other run both at each threshold.
# - Baselines: we leave out the earlier Kronecker SBL variant the paper also compares with (one
#   AM sweep per EM iteration) and the under-sampling and sparsity sweeps of the paper's Figures 1-2;
#   KOMP stops at the noise level $\|r\|^2 \le m\sigma^2$ (it is given the noise variance, like the
#   SBL algorithms), whereas the authors' script stops it at a 1 % relative residual or 10 indices
#   per dimension.
# - Implementation: our own NumPy code. The E-step uses per-dimension eigendecompositions and
#   mode products throughout (the authors form the $n^3 \times n^3$ posterior covariance); the AM
#   inner loop stops at a relative change of $10^{-6}$ (at most 200 sweeps). Timings are wall-clock
#   on one CPU thread and depend on these choices, so only their ratios are claimed.
# - Not covered: the IRS-MIMO channel-estimation application, the block-sparse extension and the
#   analysis of the SBL cost's local minima.
