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
# # A Study of Bayesian Neural Network Surrogates for Bayesian Optimization
#
# {cite}`li2024bnnbo` · [paper (ICLR 2024, arXiv:2305.20028)](https://arxiv.org/abs/2305.20028)
# · [authors' code (yucenli/bnn-bo)](https://github.com/yucenli/bnn-bo). Everything below is our own
# implementation.
#
# Bayesian optimisation (BO) spends a small budget of function evaluations well by fitting a
# probabilistic *surrogate* to the points seen so far and evaluating next where an acquisition
# function (here expected improvement) is largest. The surrogate is almost always a Gaussian
# process. Li, Rudner and Wilson put a family of Bayesian-neural-network surrogates into the same
# loop: finite networks with different approximate posteriors (Hamiltonian Monte Carlo, deep
# ensembles and others), the infinite-width network (a GP whose kernel is the network's NNGP), and
# deep kernel learning (a GP on learned features), and compare them on many problems.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Over synthetic and real problems: (i) which surrogate works best depends strongly on
# the problem; (ii) among inference methods for finite BNNs, HMC is the most successful (deep
# ensembles do comparatively poorly); (iii) deep kernel learning is relatively competitive with
# the fully Bayesian models and the GP; (iv) the infinite-width BNN (I-BNN) is particularly
# promising in high dimensions.
#
# **This chapter checks**, on Branin (2-D), Hartmann-6 (6-D) and Levy-20 (20-D), with 10 random
# initial points and 20 BO steps (30 evaluations; 80 at full scale), 8 BO seeds per problem shared
# by all surrogates (paired: same initial design and candidate sets), final simple regret
# $r = \min_t f(x_t) - f^\star$, surrogates ranked per problem by median final regret:
# 1. *sanity (the catalog's quick check)*: on Hartmann-6 after 30 evaluations every surrogate
#    (GP, I-BNN, DKL, HMC, deep ensemble) has a lower median regret than random search;
# 2. *(i) problem dependence*: some pair of surrogates swaps order between two problems, each order
#    holding in at least 85 % of the paired seeds (7 of 8) -- a reversal that noise alone would
#    produce with probability about 0.035 per direction;
# 3. *(ii) HMC over ensembles*: HMC has a better mean rank than the deep ensemble across problems,
#    and beats it in more paired runs (problem x seed) than it loses;
# 4. *(iii) DKL competitive*: DKL's median final regret is at most twice the GP's on at least 2 of
#    the 3 problems;
# 5. *(iv) I-BNN in high dimension (the catalog's full-scale check)*: on Levy-20 the I-BNN's median
#    final regret is at most the GP's, and it wins at least as many paired seeds as it loses.
#
# All thresholds were fixed before the experiment was run.
# ```

# %% tags=["parameters"]
scale = "quick"  # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0  # base seed: BO seeds are 1000*seed + 0, 1, ...
device = "auto"  # unused: every surrogate here is small and runs on the CPU
n_candidates = 500  # candidate points per acquisition step

# %%
import inspect
import time

import matplotlib.pyplot as plt
import numpy as np

import repro
from repro.book.params import check_int
from repro.book.progress import progress
from repro.gp.kernels import matern52_kernel
from repro.papers.kernels import bo_surrogates as bs

run = repro.setup(scale, seed, device)
check_int("n_candidates", n_candidates, minimum=10, maximum=100000)

PROBLEMS = run.pick(["branin", "hartmann6", "levy20"], ["branin", "hartmann6", "ackley10", "levy20"])
HIGH_DIM = "levy20"
N_SEEDS = run.pick(8, 8)
N_INIT = 10
N_ITER = run.pick(20, 70)
METHODS = ["GP", "I-BNN", "DKL", "HMC", "Ensemble"]


def make_surrogate(name, s):
    rng = np.random.default_rng([s, 17])
    if name == "GP":
        return bs.MaternGP()
    if name == "I-BNN":
        return bs.IBNN(depth=3, sw2=10.0, sb2=1.3)
    if name == "DKL":
        return bs.DKL(s, steps=run.pick(10, 30))
    if name == "HMC":
        return bs.HMCBNN(rng, samples=run.pick(10, 20), leapfrog=run.pick(5, 10))
    if name == "Ensemble":
        return bs.DeepEnsemble(rng, M=5, steps=run.pick(100, 300))
    return None  # random search


print(f"{len(PROBLEMS)} problems x {N_SEEDS} seeds; {N_INIT} initial points + {N_ITER} BO steps; "
      f"{n_candidates} candidates per step")

# %% [markdown]
# ## Method
#
# **The loop.** Inputs live in $[0,1]^d$. After a uniform random design of 10 points, each step
# fits the surrogate to the standardised observations, computes its predictive mean $m(x)$ and
# variance $s^2(x)$ on a candidate set, and evaluates the candidate with the largest expected
# improvement $\mathrm{EI}(x) = (f^* - m)\Phi(z) + s\,\varphi(z)$, $z = (f^* - m)/s$, $f^*$ the best
# value so far. Half of the candidates are uniform, half are Gaussian perturbations (standard
# deviation 0.1) of the five best points: a cheap stand-in for the gradient-based acquisition
# optimiser of the paper, which matters in 20 dimensions where uniform points are all far apart.
#
# **The surrogates** (all in `src/repro/papers/kernels/bo_surrogates.py`, tests in `tests/test_bo_surrogates.py`):
# * *GP*: isotropic Matern-5/2 kernel; lengthscale (grid, in units of $\sqrt d$) and noise (grid)
#   chosen by marginal likelihood, signal variance profiled out in closed form.
# * *I-BNN*: a GP whose kernel is the NNGP of an infinitely wide 3-hidden-layer ReLU network,
#   $\Sigma^{1} = \sigma_w^2\, x^\top x'/d + \sigma_b^2$ and
#   $\Sigma^{l+1} = \sigma_w^2\, \tfrac{\sqrt{\Sigma^l_{xx}\Sigma^l_{x'x'}}}{2\pi}
#   (\sin\theta + (\pi - \theta)\cos\theta) + \sigma_b^2$ with
#   $\cos\theta = \Sigma^l_{xx'}/\sqrt{\Sigma^l_{xx}\Sigma^l_{x'x'}}$; $\sigma_w^2 = 10$,
#   $\sigma_b^2 = 1.3$ as in the authors' configuration. There is no lengthscale: the kernel
#   compares inputs by angle and magnitude, not by Euclidean distance. Only signal and noise
#   variance are fitted.
# * *DKL*: an RBF GP on 4 features of a $d \to 32 \to 32 \to 4$ tanh network; weights and GP
#   hyper-parameters maximise the exact log marginal likelihood (Adam, warm-started between BO steps).
# * *HMC*: a one-hidden-layer tanh network (50 units), Gaussian prior, Gaussian likelihood with
#   fixed noise on the standardised targets; two HMC chains (5 leapfrog steps, step size adapted in
#   burn-in), started from a MAP fit and continued from one BO step to the next.
# * *Deep ensemble*: five such networks, each a MAP fit (Adam) on a random 80 % of the data from a
#   fresh initialisation; the spread of their predictions is the uncertainty.
#
# The HMC transition, the most involved piece of code:

# %%
print(inspect.getsource(bs.HMCBNN.fit))

# %% [markdown]
# ## Experiment: regret curves over paired seeds
#
# For every problem and BO seed all surrogates (and random search) start from the same 10 points
# and see the same candidate sets, so their regrets can be compared seed by seed.

# %%
regret = {p: {m: [] for m in ["Random"] + METHODS} for p in PROBLEMS}
seconds = {m: 0.0 for m in ["Random"] + METHODS}
jobs = [(p, s) for p in PROBLEMS for s in range(N_SEEDS)]
for p, s in progress(jobs, desc="problem x seed"):
    f, dim, f_min = bs.problem(p)
    bo_seed = 1000 * seed + s
    for m in ["Random"] + METHODS:
        t0 = time.perf_counter()
        y = bs.bo_minimize(f, dim, make_surrogate(m, bo_seed), N_INIT, N_ITER,
                           np.random.default_rng([bo_seed, 1]), n_candidates=n_candidates)
        seconds[m] += time.perf_counter() - t0
        regret[p][m].append(bs.simple_regret(y, f_min))
regret = {p: {m: np.array(v) for m, v in d.items()} for p, d in regret.items()}
print("seconds per BO run:", {m: round(t / len(jobs), 2) for m, t in seconds.items()})

# %%
fig, axes = plt.subplots(1, len(PROBLEMS), figsize=(4.2 * len(PROBLEMS), 3.6))
evals = np.arange(1, N_INIT + N_ITER + 1)
for ax, p in zip(axes, PROBLEMS):
    for m in ["Random"] + METHODS:
        r = np.maximum(regret[p][m], 1e-6)
        q25, q50, q75 = np.quantile(r, [0.25, 0.5, 0.75], axis=0)
        ls = "--" if m == "Random" else "-"
        ax.plot(evals, q50, ls, label=m)
        ax.fill_between(evals, q25, q75, alpha=0.12)
    ax.set_yscale("log")
    ax.axvline(N_INIT, color="0.7", lw=0.8)
    ax.set(title=f"{p} (d = {bs.problem(p)[1]})", xlabel="evaluations")
axes[0].set_ylabel("best-so-far regret (median, IQR)")
axes[-1].legend(fontsize=8)
plt.show()

# %% [markdown]
# ## The rank table
#
# Surrogates ranked on each problem by median final regret (1 = best; random search shown for
# reference, not ranked), and the paired win counts that the claims use.

# %%
final = {p: {m: regret[p][m][:, -1] for m in regret[p]} for p in PROBLEMS}
ranks = {}
for p in PROBLEMS:
    order = sorted(METHODS, key=lambda m: (np.median(final[p][m]), np.mean(final[p][m])))
    ranks[p] = {m: order.index(m) + 1 for m in METHODS}
mean_rank = {m: float(np.mean([ranks[p][m] for p in PROBLEMS])) for m in METHODS}

print(f"{'':10s}" + "".join(f"{p:>22s}" for p in PROBLEMS) + f"{'mean rank':>11s}")
for m in ["Random"] + METHODS:
    cells = "".join(f"{np.median(final[p][m]):>14.3g} (rank {ranks[p][m] if m in METHODS else '-'})"
                    for p in PROBLEMS)
    print(f"{m:10s}{cells}{mean_rank[m] if m in METHODS else float('nan'):>11.1f}")


def wins(p, a, b):
    """Seeds where surrogate a ends with a strictly lower regret than b on problem p."""
    return int(np.sum(final[p][a] < final[p][b]))


NEED = int(np.ceil(0.85 * N_SEEDS))
reversals = [(a, b, p, q, wins(p, a, b), wins(q, b, a))
             for i, a in enumerate(METHODS) for b in METHODS[i + 1:]
             for p in PROBLEMS for q in PROBLEMS
             if p != q and wins(p, a, b) >= NEED and wins(q, b, a) >= NEED]
print(f"\nrank reversals holding in >= {NEED}/{N_SEEDS} paired seeds each way:")
for a, b, p, q, w1, w2 in reversals:
    print(f"  {a} beats {b} on {p} ({w1}/{N_SEEDS}), {b} beats {a} on {q} ({w2}/{N_SEEDS})")

# %% [markdown]
# ## Why the I-BNN struggles here: a look at its prior
#
# With inputs in $[0,1]^d$ (the unit cube the paper's code also works in) and the authors' weight
# and bias variances, the NNGP kernel correlates any two points strongly, and its prior standard
# deviation grows with $\lVert x \rVert$. The Matern GP, for comparison, with a lengthscale of
# $0.2\sqrt d$.

# %%
for d in (2, 6, 20):
    Xr = np.random.default_rng(seed).random((200, d))
    ib = bs.IBNN()
    list(ib._kernels(d))  # sets the kernel's normalisation for dimension d
    K = ib.kernel(Xr, Xr)
    sd = np.sqrt(np.diag(K))
    iu = np.triu_indices(len(Xr), 1)
    corr_ib = np.median((K / np.outer(sd, sd))[iu])
    corr_gp = np.median(matern52_kernel(Xr, Xr, 0.2 * np.sqrt(d))[iu])
    ratio = np.sqrt(ib._diag(np.ones((1, d))) / ib._diag(np.zeros((1, d))))[0]
    print(f"d={d:2d}: median prior correlation of random pairs I-BNN {corr_ib:.2f} vs Matern {corr_gp:.2f}; "
          f"I-BNN prior sd at corner (1,..,1) / at corner 0 = {ratio:.1f}")

# %% tags=["nbval-check-output"]
claims = repro.Claims()

h30 = {m: float(np.median(regret["hartmann6"][m][:, 29])) for m in ["Random"] + METHODS}
beat_random = [m for m in METHODS if h30[m] < h30["Random"]]
claims.add(
    "On Hartmann-6 after 30 evaluations every surrogate beats random search (median regret)",
    measured={"surrogates below random": f"{len(beat_random)}/{len(METHODS)}",
              "not below": ", ".join(m for m in METHODS if m not in beat_random) or "none"},
    criterion="median regret at evaluation 30 below random search's, for all 5 surrogates",
    passed=len(beat_random) == len(METHODS))

claims.add(
    "The ranking of surrogates depends on the problem (a paired rank reversal)",
    measured={"reversed pairs": len({(a, b) for a, b, *_ in reversals}),
              "example": (f"{reversals[0][0]} vs {reversals[0][1]}" if reversals else "none")},
    criterion=f"some pair swaps order between two problems, each way in >= {NEED}/{N_SEEDS} paired seeds",
    passed=len(reversals) > 0, fmt="{:.0f}")

hmc_w = sum(wins(p, "HMC", "Ensemble") for p in PROBLEMS)
ens_w = sum(wins(p, "Ensemble", "HMC") for p in PROBLEMS)
claims.add(
    "HMC is a better inference method for the finite BNN than a deep ensemble",
    measured={"mean rank HMC": mean_rank["HMC"], "mean rank ensemble": mean_rank["Ensemble"],
              "paired wins HMC / ensemble": f"{hmc_w}/{ens_w}"},
    criterion="mean rank of HMC lower than the ensemble's and HMC wins more paired runs than it loses",
    passed=mean_rank["HMC"] < mean_rank["Ensemble"] and hmc_w > ens_w, fmt="{:.1f}")

close = [p for p in PROBLEMS if np.median(final[p]["DKL"]) <= 2 * np.median(final[p]["GP"])]
claims.add(
    "Deep kernel learning is competitive with the GP",
    measured={"problems with DKL regret <= 2x GP": f"{len(close)}/{len(PROBLEMS)}"},
    criterion="median final regret of DKL at most twice the GP's on a majority of the problems",
    passed=len(close) > len(PROBLEMS) / 2)

ib, gp = np.median(final[HIGH_DIM]["I-BNN"]), np.median(final[HIGH_DIM]["GP"])
ib_w, gp_w = wins(HIGH_DIM, "I-BNN", "GP"), wins(HIGH_DIM, "GP", "I-BNN")
claims.add(
    "In 20 dimensions the infinite-width BNN does at least as well as the GP",
    measured={"median regret I-BNN / GP": f"{ib / gp:.1f}" if gp > 0 else "inf",
              "paired wins I-BNN / GP": f"{ib_w}/{gp_w}"},
    criterion=f"on {HIGH_DIM}: median final regret of I-BNN <= GP's and I-BNN wins >= as many seeds as GP",
    passed=ib <= gp and ib_w >= gp_w)
claims.report()

# %% [markdown]
# ## Verdict
#
# The verdicts below are the same for chapter seeds 0, 1 and 2 (each a different set of 8 BO seeds).
#
# **Claim 1 (sanity) does not reproduce**, because of the I-BNN (and, for two of the three chapter
# seeds, the deep ensemble). The GP, DKL and HMC beat random search on Hartmann-6 after 30
# evaluations; the I-BNN's median regret is *above* random search's on Hartmann-6 and Levy-20. The
# diagnostic above shows why: on the unit cube, with the authors' $\sigma_w^2 = 10$,
# $\sigma_b^2 = 1.3$ and depth 3, the NNGP kernel correlates almost all pairs of points (median
# about 0.9) and its prior standard deviation varies by a factor 2.7 from one corner of the cube to
# the other. The posterior is then close to a smooth trend in $\lVert x \rVert$ whose uncertainty is
# largest far from the origin, and expected improvement keeps sampling large-norm points; on
# Hartmann-6 and Levy-20, whose minima lie inside the cube, those points are poor. On Branin the
# I-BNN is second only to the GP. The ensemble with 100 Adam steps on at most 30 points is a
# weak surrogate, in line with the paper's remark that deep ensembles do relatively poorly.
#
# **Claim 2 (ranking depends on the problem) reproduces**, in a paired, noise-proof form: on every
# chapter seed at least one pair of surrogates swaps order between two problems with each order
# holding in at least 7 of 8 paired BO seeds (the I-BNN beats HMC, DKL or the ensemble on Branin
# and loses to it on Hartmann-6 or Levy-20). At our budget, however, the *best* surrogate does not
# depend on the problem: the Matern GP ranks first on every problem for every chapter seed. The
# problem dependence we see is among the BNN surrogates, not between them and the GP.
#
# **Claim 3 (HMC over deep ensembles) reproduces**: HMC has the better mean rank on all three
# chapter seeds and wins more paired runs than it loses, although the margin is modest (for seed 0,
# 10 wins to 8) and both finite BNNs stay far behind the GP.
#
# **Claim 4 (DKL competitive) does not reproduce**: DKL is the second-best surrogate on Hartmann-6
# and Levy-20, but its median regret is 2 to 5 times the GP's on Hartmann-6 and 6 to 20 times
# larger on Branin, so the "within a factor 2 on most problems" criterion holds on one problem of
# three (Levy-20). With 10 to 30 points, a feature extractor trained by marginal likelihood (and
# warm-started for only 10 Adam steps per BO step) has little to learn from.
#
# **Claim 5 (I-BNN strong in high dimension) does not reproduce**: on Levy-20 the I-BNN never beats
# the GP on a paired seed (0 wins against 6 or 7 losses, the rest ties), for the reason given under
# claim 1. The paper's
# high-dimensional evidence comes from other problems (draws from BNN priors, PDE control, pest
# control, cell coverage) with 100s of evaluations and a gradient-based acquisition optimiser;
# 30 evaluations of a 20-D Levy function, where no surrogate gets far from random search, are a
# much harder place to show an advantage, and a single fixed kernel shape is exposed to the
# objective's geometry. Testing the headline as stated would need those problems and budgets.
#
# ## Deviations from the paper
#
# * **Budget.** 10 random initial points + 20 sequential EI steps (70 at full scale) instead of
#   Sobol designs and batches of $q = 10$ over about 20 rounds (some 200 evaluations); 8 BO seeds per
#   problem instead of 5 trials, paired across surrogates.
# * **Acquisition optimiser.** EI maximised over 500 candidates (uniform plus perturbations of
#   the best points) instead of BoTorch's multi-start gradient optimiser of Monte-Carlo qEI.
# * **Surrogates.** GP: isotropic Matern-5/2 with grid-searched hyper-parameters (the paper uses
#   BoTorch's ARD Matern with priors). I-BNN: the authors' kernel and hyper-parameters, but the
#   signal variance is fitted (profiled) rather than fixed. Finite BNNs: one hidden layer of 50
#   tanh units (the paper uses three layers of 128), 5 ensemble members (the paper's configuration
#   uses 10), 2 HMC chains of 15 transitions per BO step continued across steps (the paper runs a
#   fresh chain with hundreds of samples). DKL: a $32 \to 32 \to 4$ feature network,
#   warm-started between steps. SGHMC, Laplace and the multi-objective and real-world problems are
#   left out.
# * **Problems.** Branin, Hartmann-6 and Levy-20 (plus Ackley-10 at full scale), all generated in
#   code; the paper's real-world benchmarks are not reproduced.
