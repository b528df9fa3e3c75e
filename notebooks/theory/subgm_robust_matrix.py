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
# # Global Convergence of Sub-gradient Method for Robust Matrix Recovery: Small Initialization, Noisy Measurements, and Over-parameterization
#
# {cite}`ma2023global` · [arXiv:2202.08788](https://arxiv.org/abs/2202.08788) · no public code
# from the authors that we know of.
#
# A positive semidefinite matrix $X^\star = U^\star U^{\star\top}$ of rank $r$ is observed through
# $m$ random linear measurements, and a fraction of them is replaced by garbage. Ma and Fattahi
# fit a factor $U \in \mathbb{R}^{d \times r'}$ by the plain sub-gradient method on the $\ell_1$
# loss, where the search rank $r'$ may be much larger than the true rank. Their analysis says that
# what makes this work is the *starting point*: started from a tiny $U_0$, the iterates recover
# $X^\star$ whatever the over-estimated rank, and the outliers do not bias the answer.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For symmetric Gaussian measurements with a fraction of gross outliers, the
# sub-gradient method (SubGM) on $f(U) = \frac1m \lVert y - \mathcal A(UU^\top)\rVert_1$ with
# geometrically decaying steps and a small random initialisation $U_0 = \alpha B$ converges to
# $X^\star$ even when the rank is over-estimated ($r' \ge r$, up to $r' = d$); the smaller $\alpha$,
# the more accurate the result, so small initialisation removes the harm of over-parameterisation,
# while a large initialisation leaves the over-parameterised problem slow; and the number of
# measurements needed does not grow with $r'$.
#
# **This chapter checks**, on $d = 20$, $r = 2$, $m = 500$ measurements of which 30 % are outliers
# $\sim N(0, 10^2)$, 2000 iterations with $\eta_t = 0.1 \cdot 0.995^t$, several random problems per
# seed. Thresholds were fixed before running; claims 1-3 are the catalog's suggested checks.
# 1. With $\alpha = 10^{-3}$, SubGM ends with relative error
#    $\lVert UU^\top - X^\star\rVert_F / \lVert X^\star\rVert_F < 10^{-2}$ for every
#    $r' \in \{r, 2.5r, d\} = \{2, 5, 20\}$ and every problem.
# 2. Gradient descent on the $\ell_2$ loss from the same start, with the best of three constant
#    steps, never gets below relative error $0.1$ at any iteration, for any $r'$.
# 3. With $r' = d$, the large start $\alpha = 1$ ends with an error at least $10\times$ that of
#    $\alpha = 10^{-3}$ (geometric mean over problems).
# 4. With $r' = d$, the final error decreases monotonically as $\alpha$ goes from $1$ to $10^{-6}$,
#    and at $\alpha = 10^{-6}$ it is within a factor $10$ of the exactly parameterised run
#    ($r' = r$, same $\alpha$): over-parameterisation costs (almost) nothing.
# 5. Sample size: the smallest $m$ on the grid at which at least half the problems are solved to
#    error $< 10^{-2}$ (with $\alpha = 10^{-6}$) is at most one grid step (factor 1.5) larger for
#    $r' = d$ than for $r' = r$.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
outlier_fraction = 0.3  # fraction of measurements replaced by N(0, 10^2) garbage
iterations = 2000  # SubGM / GD iterations per run

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

import repro
from repro.book.params import check_float, check_int
from repro.book.progress import progress
from repro.papers.theory import matrix_sensing as ms
from repro.papers.theory import subgradient_sensing as sg

run = repro.setup(scale, seed, device)
check_float("outlier_fraction", outlier_fraction, minimum=0.0, maximum=0.45)
check_int("iterations", iterations, minimum=500, maximum=20000)

D, R, M = 20, 2, 500  # dimension, true rank, number of measurements
RANKS = (R, 5, D)  # search ranks r' = r, 2.5 r, d
ALPHAS = (1e-3, 1e-1, 1.0)  # initialisation scales of the main experiment
ALPHA_SWEEP = 10.0 ** -np.arange(7)  # 1 ... 1e-6
ETA0, RHO = 0.1, 0.995  # geometric step schedule eta_t = ETA0 * RHO**t
L2_STEPS = (0.01, 0.03, 0.1)  # constant steps tried for l2 gradient descent
M_GRID = (100, 150, 225, 340, 500)  # sample sizes, factor 1.5 apart
N_PROB = run.pick(4, 16)  # random problems per configuration
N_PROB_M = run.pick(6, 24)  # random problems per sample size
STEPS = sg.geometric_steps(ETA0, RHO, iterations)
print(f"d={D}, r={R}, m={M}, outliers {outlier_fraction:.0%}; {N_PROB} problems per setting, "
      f"{N_PROB_M} per sample size; step sum {STEPS.sum():.1f}, last step {STEPS[-1]:.1e}")


def make_problem(tag: int, k: int, m: int = M):
    """Problem k of experiment `tag` for this seed: X*, A, y and an init generator."""
    rng = np.random.default_rng([seed, tag, k])
    Xs, A, y, _ = ms.problem(D, R, m, rng, outlier_fraction=outlier_fraction, outlier_scale=10.0)
    return Xs, sg.flatten(A), y, rng  # flattened A: same gradients, twice as fast


def gmean(x):
    return float(np.exp(np.mean(np.log(x))))


# %% [markdown]
# ## Method
#
# **Model.** $y_i = \langle A_i, X^\star\rangle + s_i$, $i = 1..m$, with $A_i$ symmetric Gaussian
# ($A_i = (G_i + G_i^\top)/2$) and $s_i \neq 0$ only on a random 30 % of the measurements, where
# $y_i$ is replaced by an independent $N(0, 10^2)$ value: ten times the typical size of a clean
# measurement. $X^\star = U^\star U^{\star\top}$ with orthonormal $U^\star \in \mathbb R^{20\times 2}$.
#
# **SubGM** (the paper's Algorithm 1). With $r = \operatorname{sign}(\mathcal A(UU^\top) - y)$,
# a sub-gradient of the $\ell_1$ loss is $D(U) = \frac2m \sum_i r_i A_i\, U$ and
#
# $$U_{t+1} = U_t - \eta_t D(U_t), \qquad \eta_t = \eta_0 \rho^t, \qquad U_0 = \alpha B,\ \lVert B\rVert = 1.$$
#
# Why the steps must shrink geometrically: the paper's Sign-RIP says that, for Gaussian
# measurements, $\frac1m\sum_i r_i A_i$ is close to $\varphi\,\Delta / \lVert\Delta\rVert_F$ with
# $\Delta = UU^\top - X^\star$ and a scalar $\varphi$ of order $\sqrt{2/\pi}\,(1-p)$: the
# sub-gradient keeps the same size however close we are, so a constant step would make the
# iterates rattle around $X^\star$. Since only the sign of each residual enters, an outlier of any
# size moves $U$ no more than a clean measurement does; that is the robustness. Near $U = 0$ the
# same approximation gives $D(U) \approx -2\varphi X^\star U / \lVert X^\star\rVert_F$: from a tiny
# start, the component of $U$ along the column space of $X^\star$ grows exponentially while
# everything else, in particular the $r' - r$ superfluous directions, stays at the scale $\alpha$.
# That is the mechanism by which small initialisation neutralises over-parameterisation; a large
# start instead leaves $O(1)$ mass in the superfluous directions, which the decaying steps then
# remove only slowly.
#
# **Baseline.** Gradient descent on $\frac1{2m}\lVert y - \mathcal A(UU^\top)\rVert_2^2$ from the
# same start, with the best of the constant steps $\{0.01, 0.03, 0.1\}$ (judged by its best error
# along the trajectory, which favours the baseline).
#
# Sub-gradient and gradient are those of `src/repro/papers/theory/matrix_sensing.py`; the schedule, the
# initialisation, the loop and a twice-faster version of the same sub-gradient (sensing matrices
# stored as one $m \times d^2$ matrix, unit-tested against the shared one) are in
# `src/repro/papers/theory/subgradient_sensing.py` (tests in `tests/test_subgradient_sensing.py`):

# %%
print(inspect.getsource(sg.l1_subgradient_flat))
print(inspect.getsource(sg.small_init))

# %% [markdown]
# ## Experiment 1: search rank, initialisation scale and the $\ell_2$ baseline (claims 1-3)

# %%
curves = {}  # (method, r', alpha) -> (N_PROB, iterations + 1) relative errors
for k in progress(range(N_PROB), desc="problems"):
    Xs, A, y, rng = make_problem(1, k)
    for rp in RANKS:
        B = sg.small_init(D, rp, 1.0, rng)  # one direction per r', scaled by each alpha
        for a in ALPHAS:
            _, e = sg.subgm(a * B, A, y, STEPS, Xs)
            curves.setdefault(("SubGM", rp, a), []).append(e)
        best = None
        for eta in L2_STEPS:
            _, e = sg.l2_gd(1e-3 * B, A, y, np.full(iterations, eta), Xs)
            best = e if best is None or np.min(e) < np.min(best) else best
        curves.setdefault(("l2-GD", rp, 1e-3), []).append(best)
curves = {key: np.array(v) for key, v in curves.items()}

print("final relative error, geometric mean over problems [worst problem]")
for key, e in curves.items():
    print(f"  {key[0]:5s} r'={key[1]:2d} alpha={key[2]:g}: {gmean(e[:, -1]):.1e} [{e[:, -1].max():.1e}]"
          + (f", best along the run {e.min():.2f}" if key[0] == "l2-GD" else ""))

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
t = np.arange(iterations + 1)
for ax, rp in zip(axes, RANKS):
    for a, c in zip(ALPHAS, ("C0", "C2", "C1")):
        e = curves[("SubGM", rp, a)]
        ax.plot(t, np.exp(np.log(e).mean(0)), color=c, label=rf"SubGM, $\alpha$={a:g}")
    e = curves[("l2-GD", rp, 1e-3)]
    ax.plot(t, np.exp(np.log(e).mean(0)), color="k", ls="--", label=r"$\ell_2$-GD, $\alpha$=0.001")
    ax.axhline(1e-2, color="0.6", lw=1, ls=":")
    ax.set(yscale="log", xlabel="iteration", title=f"search rank r' = {rp}", ylim=(1e-7, 10))
axes[0].set_ylabel(r"$\|UU^\top - X^\star\|_F / \|X^\star\|_F$")
axes[0].legend(fontsize=8)
fig.suptitle(f"30% outliers, d={D}, r={R}, m={M} (geometric mean over {N_PROB} problems)", fontsize=11)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 2: how small must the start be? (claim 4)
#
# Same problems as above, $r' = d$ and $r' = r$, $\alpha$ from $1$ down to $10^{-6}$.

# %%
sweep = {rp: np.zeros((N_PROB, len(ALPHA_SWEEP))) for rp in (R, D)}
resid = np.zeros((N_PROB, len(ALPHA_SWEEP)))  # size of U outside its top-r singular directions
for k in progress(range(N_PROB), desc="alpha sweep"):
    Xs, A, y, rng = make_problem(1, k)
    for rp in (R, D):
        B = sg.small_init(D, rp, 1.0, rng)
        for j, a in enumerate(ALPHA_SWEEP):
            if rp == R and a in ALPHAS:  # already run in experiment 1 (same problem, same B)
                sweep[rp][k, j] = curves[("SubGM", rp, a)][k, -1]
                continue
            U, e = sg.subgm(a * B, A, y, STEPS, Xs)
            sweep[rp][k, j] = e[-1]
            if rp == D:
                resid[k, j] = np.linalg.svd(U, compute_uv=False)[R]
for j, a in enumerate(ALPHA_SWEEP):
    print(f"alpha={a:7.0e}: final error r'=r {gmean(sweep[R][:, j]):.1e}, r'=d {gmean(sweep[D][:, j]):.1e}; "
          f"largest superfluous singular value of U (r'=d) {gmean(resid[:, j]):.1e}")

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for rp, c in ((R, "C0"), (D, "C1")):
    lo, mid, hi = np.exp(np.percentile(np.log(sweep[rp]), [0, 50, 100], axis=0))
    ax.errorbar(ALPHA_SWEEP, mid, yerr=[mid - lo, hi - mid], fmt="o-", ms=4, capsize=2, color=c,
                label=f"r' = {rp}" + (" (= r)" if rp == R else " (= d)"))
ax.set(xscale="log", yscale="log", xlabel=r"initialisation scale $\alpha$",
       ylabel="final relative error", title=f"SubGM after {iterations} iterations (median, min-max)")
ax.invert_xaxis()
ax.legend()
plt.show()

# %% [markdown]
# ## Experiment 3: measurements needed, exact versus over-estimated rank (claim 5)
#
# For each $m$ on a grid with ratio 1.5, fresh random problems, $\alpha = 10^{-6}$ (and
# $\alpha = 10^{-3}$ for comparison, not part of a claim); a run succeeds if its final error is
# below $10^{-2}$.

# %%
success = {}
for i, m in enumerate(progress(M_GRID, desc="sample sizes")):
    for k in range(N_PROB_M):
        Xs, A, y, rng = make_problem(3 + i, k, m)
        for rp in (R, D):
            B = sg.small_init(D, rp, 1.0, rng)
            for a in (1e-6, 1e-3):
                _, e = sg.subgm(a * B, A, y, STEPS, Xs)
                success.setdefault((rp, a), np.zeros((len(M_GRID), N_PROB_M)))[i, k] = e[-1] < 1e-2
rate = {key: v.mean(1) for key, v in success.items()}


def m_needed(r):
    ok = np.nonzero(r >= 0.5)[0]
    return M_GRID[ok[0]] if len(ok) else np.inf


for key, r in rate.items():
    print(f"r'={key[0]:2d}, alpha={key[1]:g}: success " + " ".join(f"{x:.2f}" for x in r)
          + f"  -> m needed {m_needed(r)}")

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for (rp, a), c, ls in (((R, 1e-6), "C0", "-"), ((D, 1e-6), "C1", "-"), ((R, 1e-3), "C0", ":"),
                       ((D, 1e-3), "C1", ":")):
    ax.plot(M_GRID, rate[(rp, a)], "o", ls=ls, color=c, label=rf"r'={rp}, $\alpha$={a:g}")
ax.set(xscale="log", xlabel="number of measurements m", ylabel="fraction solved (error < 1e-2)",
       title=f"Success rate, 30% outliers ({N_PROB_M} problems per m)")
ax.set_xticks(M_GRID, [str(m) for m in M_GRID])
ax.legend()
plt.show()

# %% tags=["nbval-check-output"]
final = {key: e[:, -1] for key, e in curves.items()}
worst_small = {rp: final[("SubGM", rp, 1e-3)].max() for rp in RANKS}
l2_best = {rp: curves[("l2-GD", rp, 1e-3)].min() for rp in RANKS}
ratio_large = gmean(final[("SubGM", D, 1.0)]) / gmean(final[("SubGM", D, 1e-3)])
g_d = np.array([gmean(sweep[D][:, j]) for j in range(len(ALPHA_SWEEP))])
g_r = np.array([gmean(sweep[R][:, j]) for j in range(len(ALPHA_SWEEP))])
ratio_over = g_d[-1] / g_r[-1]
m_r, m_d = m_needed(rate[(R, 1e-6)]), m_needed(rate[(D, 1e-6)])


def sci(x):
    return f"{x:.0e}"


claims = repro.Claims()
claims.add(
    "SubGM from alpha=1e-3 recovers X* despite 30% outliers, for every search rank r'",
    measured={f"worst final error r'={rp}": sci(v) for rp, v in worst_small.items()},
    criterion="final relative error < 1e-2 for r' in {2, 5, 20}, every problem",
    passed=all(v < 1e-2 for v in worst_small.values()))
claims.add(
    "l2 gradient descent (same start, best constant step) fails under the outliers",
    measured={f"best error along the run r'={rp}": f"{v:.1f}" for rp, v in l2_best.items()},
    criterion="min over iterations of the relative error > 0.1 for every r'",
    passed=all(v > 0.1 for v in l2_best.values()))
claims.add(
    "With r'=d, a large start (alpha=1) ends far worse than alpha=1e-3",
    measured={"final error ratio alpha=1 / alpha=1e-3": f"{ratio_large:.0f}"},
    criterion="ratio of geometric-mean final errors >= 10",
    passed=ratio_large >= 10)
claims.add(
    "Smaller starts make over-parameterisation harmless (r'=d matches r'=r at alpha=1e-6)",
    measured={"r'=d error, alpha=1..1e-6": [sci(v) for v in g_d],
              "r'=d / r'=r at alpha=1e-6": f"{ratio_over:.1g}"},
    criterion="r'=d final error decreasing in 1/alpha, and <= 10x the r'=r error at alpha=1e-6",
    passed=bool(np.all(np.diff(g_d) < 0)) and ratio_over <= 10)
claims.add(
    "Measurements needed do not grow with the search rank (alpha=1e-6)",
    measured={"m needed r'=r": str(m_r), "m needed r'=d": str(m_d)},
    criterion="smallest grid m with >= 50% solved: m(r'=d) <= 1.5 m(r'=r) (one grid step)",
    passed=m_d <= 1.5 * m_r + 1e-9)
claims.report()

# %% [markdown]
# ## Verdict
#
# *Written after the runs with seeds 0, 1 and 2, which give the same verdicts.*
#
# **Robustness (claims 1 and 2) reproduces clearly.** Started from $\alpha = 10^{-3}$, SubGM ends
# below the $10^{-2}$ threshold for every search rank, including $r' = d = 20$, although 30 % of
# the measurements are garbage ten times larger than the signal; with $r' = r$ it converges
# linearly down to a few $10^{-6}$, the level set by the last step size. Gradient descent on the
# squared loss, from the same start and with its best step, never gets closer than about the size
# of $X^\star$ itself: the outliers dominate its gradient.
#
# **Initialisation (claims 3 and 4) reproduces, with a caveat on the size of the effect.** With
# $r' = d$, the large start ends about 12 times worse than $\alpha = 10^{-3}$ on all three seeds,
# just above the catalog's factor 10. That ratio is not a robust number: on other random
# problems drawn in exploratory runs it was 8-9 with this schedule, and with other
# $(\eta_0, \rho)$ anywhere from about 2 to 30, because the error floor of an over-parameterised
# run depends both on $\alpha$ and on how large the step still is when the signal part has
# converged (jitter of size $\eta_t$ leaks into the superfluous directions, which the shrinking
# steps then remove only slowly). The robust statement is the paper's: the over-parameterised
# error falls monotonically as $\alpha$ shrinks (experiment 2), together with the mass of $U$
# outside its top-$r$ directions, and at $\alpha = 10^{-6}$ it reaches the accuracy of an exactly
# parameterised run.
#
# **Sample size (claim 5) passes, but is weak evidence.** With $\alpha = 10^{-6}$ the growth
# phase, about $\log(1/\alpha)/0.8 \approx 17$ units of step, uses most of this schedule's total
# budget of 20; some runs with $r' = r$ then stop before converging (their success rate stays near
# one half even at $m = 500$, and the $r' = r$ error at $\alpha = 10^{-6}$ in experiment 2 is
# higher than at larger $\alpha$). The reference $m$ for $r' = r$ is therefore noisy, and claim 4's
# comparison at $\alpha = 10^{-6}$ is against a slightly handicapped $r' = r$ run. At
# $\alpha = 10^{-3}$, where every $r' = r$ run converges, the over-parameterised model needs about
# twice as many measurements before its error floor drops below $10^{-2}$ (dotted curves): rank
# independence of the sample size needs a start that is small enough, as the paper's theorem
# assumes, and a step budget that covers the longer growth phase; a clean test would let the
# number of iterations grow with $\log(1/\alpha)$.
#
# ## Deviations from the paper
#
# * **Scale.** $d = 20$, $r = 2$, $m \le 500$ and a few problems per seed (16 at full scale), to fit
#   in half a minute of CPU. Our $X^\star$ has condition number 1.
# * **Sample size.** The catalog suggested $m \approx 5dr = 200$; in exploratory runs SubGM with
#   30 % outliers failed there on some problems even with $r' = r$ (the random part of the
#   averaged sign matrix is as large as the signal), so the main experiments use $m = 500$ and
#   experiment 3 maps the range $100 \le m \le 500$.
# * **Step schedule.** $\eta_t = 0.1 \cdot 0.995^t$ was chosen before the main runs so that the
#   total step budget $\sum_t \eta_t = 20$ covers the growth from $\alpha = 10^{-3}$ to
#   $\lVert X^\star\rVert$ with room to spare; it is tight for $\alpha = 10^{-6}$ (see the verdict).
#   The paper's theorems fix $\eta_0$ and $\rho$ only up to constants.
# * **Initialisation.** $B$ is a Gaussian matrix scaled to unit spectral norm, so $\alpha$ is the
#   spectral norm of $U_0$ for every $r'$.
# * **Not tested.** Dense Gaussian noise (the paper's second noise model), the regime of very dense
#   outliers in which the global minimiser of the $\ell_1$ loss is not $X^\star$, and the
#   asymmetric case.
