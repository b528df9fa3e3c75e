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
# **This chapter checks**, on the paper's synthetic set-up shrunk to $x \in \mathbb R^{8^3}$ with
# $m = 5 \cdot 6 \cdot 8 = 240$ measurements and $2$ non-zeros per dimension (8 in $x$), at SNR
# 20 dB over 50 independent trials (thresholds fixed before running):
# 1. *vs classic SBL*: the mean NMSE (the paper's metric, averaged over trials) of SVD-KroSBL and
#    of AM-KroSBL is below that of classic SBL (the catalog's check, for SVD-KroSBL);
# 2. *vs KOMP*: the mean NMSE of both KroSBL variants is below that of KOMP;
# 3. *support*: the mean support recovery rate of both KroSBL variants is above that of classic SBL
#    and of KOMP;
# 4. *SVD vs AM accuracy*: SVD-KroSBL has the lower average NMSE in dB (mean over trials of
#    $10\log_{10}$ NMSE; see below why this and not the arithmetic mean);
# 5. *run time*: SVD-KroSBL's total time is at most half that of classic SBL (the catalog's check)
#    and below that of AM-KroSBL;
# 6. *convergence*: without pruning, the SBL cost of AM-KroSBL does not increase at any iteration,
#    on every one of 10 instances (relative increase $\le 10^{-9}$, round-off).
# ```

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

import repro
from repro.book import params
from repro.book.claims import below
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.papers.kernels import kronecker_sbl as ks

run = repro.setup(scale, seed, device)
params.check_int("n_trials", n_trials, minimum=0, maximum=1000)
params.check_float("snr_db", snr_db, minimum=-10.0, maximum=60.0)
n_trials = n_trials or run.pick(50, 30)
if n_trials < 10:
    raise params.ParameterError(f"parameter n_trials={n_trials} must be >= 10")

# problem sizes: quick shrinks the paper's (n = 15 per dimension, m = (8, 12, 15), 3 non-zeros)
N_DIM = run.pick(8, 15)
M_DIMS = run.pick((5, 6, 8), (8, 12, 15))
K_DIM = run.pick(2, 3)
SWEEP_SNRS = [5.0, 10.0, 15.0, 25.0, 30.0]
N_SWEEP = run.pick(8, 4)
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
# problem shrinks as the support is found. All SBL variants stop when $\gamma$ changes by less
# than $10^{-4}$ (relative) or after 150 iterations, as in the authors' code.
#
# **KOMP** {cite}`caiafa2013kronecker`, the greedy baseline: correlate the residual with every
# Kronecker atom, add the best atom's index in each dimension to that dimension's set, refit by
# least squares on the Kronecker sub-dictionary (whose pseudo-inverse is $\otimes_i A_{i,S_i}^+$),
# and stop once the residual energy falls to the noise level $m\sigma^2$. **Oracle LS** (least
# squares on the true support) is shown as the floor no method can beat on average.
#
# The code is `src/repro/papers/kernels/kronecker_sbl.py` (tests: `tests/test_kronecker_sbl.py`, which check the
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


def run_all(problem, y, s2, H):
    """NMSE, SRR, seconds and iterations of every algorithm on one measurement vector."""
    results = {
        "classic SBL": ks.classic_sbl(H, y, s2),
        "AM-KroSBL": ks.kron_sbl(problem.mats, y, s2, "am"),
        "SVD-KroSBL": ks.kron_sbl(problem.mats, y, s2, "svd"),
        "KOMP": ks.kron_omp(problem.mats, y, s2),
    }
    out = {a: (ks.nmse(r.x, problem.x), ks.support_recovery_rate(r.x, problem.x), r.seconds, r.iterations)
           for a, r in results.items()}
    x_or = ks.oracle_ls(problem.mats, y, problem.factors)
    out["oracle LS"] = (ks.nmse(x_or, problem.x), 1.0, 0.0, 0)
    return out


def trials(n, snrs, desc):
    """``{snr: {algo: array (n, 4)}}``; every SNR sees the same n problems (fresh noise)."""
    rows = {s: {a: [] for a in ALGOS} for s in snrs}
    for _ in progress(range(n), desc=desc):
        problem = ks.sample_problem(run.rng, N_DIM, M_DIMS, K_DIM)
        H = ks.kron_all(problem.mats)
        for s in snrs:
            y, s2 = problem.noisy(run.rng, s)
            for a, v in run_all(problem, y, s2, H).items():
                rows[s][a].append(v)
    return {s: {a: np.array(v) for a, v in r.items()} for s, r in rows.items()}


main = trials(n_trials, [snr_db], f"trials at {snr_db:g} dB")[snr_db]
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
# Two averages of the NMSE are printed. The paper's is the arithmetic mean over 200 trials. With
# 50 trials that mean is decided by the few instances on which an algorithm fails outright (NMSE of
# order 1, against $10^{-3}$ for a success): one such instance moves it by several dB, and the
# figure below shows that some instances defeat every method at once. That is harmless for claims 1
# to 3, where the gap between the KroSBL variants and the baselines is large, but it makes the
# arithmetic mean useless for telling the two KroSBL variants apart at our trial count. Claim 4
# therefore uses the mean of the NMSE in dB (a geometric mean), which weighs every trial equally.

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
# ## Verdict
#
# Run times are wall-clock and vary from machine to machine, so the report prints the time ratios
# as bounds ("< 0.25"), which stay the same from run to run; the measured values are in the table
# of experiment 1.

# %% tags=["nbval-check-output"]
def ratio_bound(r, cuts=(0.25, 0.5, 1.0)):
    """A time ratio printed stably: the smallest cut above it, else the value to one digit."""
    for c in cuts:
        if r < c:
            return f"< {c:g}"
    return f"{r:.1f}"


S = summary
kro = ("SVD-KroSBL", "AM-KroSBL")
t_svd_cls = S["SVD-KroSBL"]["time"] / S["classic SBL"]["time"]
t_svd_am = S["SVD-KroSBL"]["time"] / S["AM-KroSBL"]["time"]
am_inc = max(conv_inc["AM-KroSBL"])

claims = repro.Claims()
claims.add(f"Both KroSBL variants have a lower mean NMSE than classic SBL ({snr_db:g} dB, {n_trials} trials)",
           measured={f"{a} (dB)": S[a]["mean_db"] for a in (*kro, "classic SBL")},
           criterion="mean NMSE of SVD-KroSBL and of AM-KroSBL < mean NMSE of classic SBL",
           passed=all(S[a]["mean_db"] < S["classic SBL"]["mean_db"] for a in kro), fmt="{:.0f}")
claims.add("Both KroSBL variants have a lower mean NMSE than Kronecker OMP",
           measured={f"{a} (dB)": S[a]["mean_db"] for a in (*kro, "KOMP")},
           criterion="mean NMSE of SVD-KroSBL and of AM-KroSBL < mean NMSE of KOMP",
           passed=all(S[a]["mean_db"] < S["KOMP"]["mean_db"] for a in kro), fmt="{:.0f}")
claims.add("Both KroSBL variants recover the support better than classic SBL and KOMP",
           measured={a: S[a]["srr"] for a in (*kro, "classic SBL", "KOMP")},
           criterion="mean SRR of each KroSBL variant > mean SRR of classic SBL and of KOMP",
           passed=all(S[a]["srr"] > max(S["classic SBL"]["srr"], S["KOMP"]["srr"]) for a in kro), fmt="{:.2f}")
claims.add("SVD-KroSBL is more accurate than AM-KroSBL",
           measured={f"{a} (mean dB)": S[a]["db_mean"] for a in kro},
           criterion="mean over trials of NMSE in dB: SVD-KroSBL < AM-KroSBL",
           passed=S["SVD-KroSBL"]["db_mean"] < S["AM-KroSBL"]["db_mean"], fmt="{:.0f}")
claims.add("SVD-KroSBL is the fastest SBL variant",
           measured={"time SVD / classic SBL": ratio_bound(t_svd_cls), "time SVD / AM": ratio_bound(t_svd_am)},
           criterion="total time ratio SVD-KroSBL / classic SBL <= 0.5 and SVD-KroSBL / AM-KroSBL < 1",
           passed=t_svd_cls <= 0.5 and t_svd_am < 1)
claims.add("AM-KroSBL never increases the SBL cost (no pruning)",
           measured={"largest relative increase": below(max(am_inc, 0.0), 1e-9)},
           criterion=f"cost(t+1) - cost(t) <= 1e-9 (1 + |cost(t)|), every iteration, {CONV['instances']} instances",
           passed=am_inc <= 1e-9)
claims.report()

# %% [markdown]
# **Verdict.** At quick scale all six checks pass, with the same verdicts for seeds 0, 1 and 2.
# Imposing the Kronecker structure on the SBL prior pays off in accuracy: on most trials the KroSBL
# estimates are within a few dB of the oracle that knows the support (left panel of the first
# figure), while classic SBL, learning $n^3 = 512$ free variances from 240 measurements with a
# dictionary whose columns are strongly correlated (two atoms sharing two of their three indices
# are as correlated as two columns of a $5 \times 8$ Gaussian matrix), lands in poor local optima on a
# large share of the trials, and KOMP's greedy choices of per-dimension indices are often wrong.
# The KroSBL variants also find the support much more often. In run time the structure is worth
# more than an order of magnitude: SVD-KroSBL's E-step costs a few $m_i \times m_i$
# eigendecompositions instead of an $m \times m$ factorisation, and its M-step is two SVDs; AM-KroSBL
# is slower than SVD-KroSBL because of its inner alternating loop and because it needs more EM
# iterations. SVD-KroSBL is also the more accurate of the two, as the paper found; the gap in the
# mean of the dB values is 0.8 to 2.4 dB for seeds 0 to 2, while the arithmetic means of the two are within the
# noise of 50 trials. Finally, the cost of AM-KroSBL decreased at every iteration of every
# instance, as its convergence theorem requires. SVD-KroSBL has no such guarantee, and the printout
# of experiment 3 shows whether its cost went up anywhere (for seed 0 it did, by a few parts in
# $10^7$, well above round-off); yet it usually reaches a lower cost than AM-KroSBL within the same
# number of iterations (last figure), because AM's EM steps are short. Classic SBL reaches the lowest cost of all (it
# has more freedom) but not the lowest error: a lower evidence cost does not mean a better
# estimate when the model is over-parameterised.
#
# **Deviations from the paper.**
# - Size: at quick scale $x \in \mathbb R^{512}$ with $m = 5 \cdot 6 \cdot 8 = 240$ measurements and
#   2 non-zeros per dimension, against the paper's $15^3 = 3375$ unknowns, $m = 8 \cdot 12 \cdot 15 = 1440$
#   and 3 non-zeros per dimension (the ratios $m_i / n$ are about the same). `full` scale uses the
#   paper's sizes; classic SBL then takes several seconds per run on one CPU thread, so it runs 30
#   trials at 20 dB and 4 per other SNR instead of 200 (about 6 minutes, all of it NumPy on the CPU).
# - Trials: 50 at 20 dB and 8 per other SNR, against 200 in the paper, which is why claim 4 uses
#   the mean of the NMSE in dB rather than the arithmetic mean (see experiment 1).
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
