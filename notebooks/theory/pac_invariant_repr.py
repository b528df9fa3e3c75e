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
# # PAC Generalization via Invariant Representations
#
# {cite}`parulekar2023pac` · ICML 2023 · [arXiv:2205.15196](https://arxiv.org/abs/2205.15196)
# · no public code from the authors
#
# Invariant-representation methods look for features on which the best predictor is the same in
# every training environment, hoping that it stays the same in environments never seen. In a
# linear structural equation model (SEM) whose environments are interventions, Parulekar,
# Shanmugam and Shakkottai ask how many training interventions make that hope a guarantee. Their
# answer is a PAC-style guarantee: if the interventions come from a family with finitely many
# parameters acting on a few nodes, the second moments are low-degree polynomials of those
# parameters, so "approximately invariant in this environment" is a polynomial inequality. Classes
# of such sets have a small VC dimension, so a representation that is approximately invariant on
# $m$ random training interventions is approximately invariant on all but a small fraction of the
# family, shrinking with $m$. The VC dimension, and hence the number of interventions needed,
# depends on the number of intervened nodes and their in-degree, not on the number of variables $d$.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** In a linear SEM whose interventions come from a parameterised family acting on a
# constant-size set of bounded-in-degree nodes, a representation on which the best linear
# predictor is $\epsilon$-approximately the same across $m$ i.i.d. training interventions stays
# $\epsilon$-approximately invariant, with high probability, on all but a small fraction of the
# whole family; the number of interventions this needs does not grow with the ambient dimension $d$.
#
# **This chapter tests**, in our own instance (a target with two causes, two informative children
# whose noise level is intervened on, their two children, and $d - 6$ nuisance covariates that may
# descend from any earlier node, the intervened ones included), with one run = one random SEM:
# * *headline*: a representation certified invariant on $m$ training interventions violates
#   invariance on fresh interventions less often than the representation a learner picks without
#   the invariance requirement (the lowest observational risk, "ERM"; the negative control), for
#   every $m$ and every $d \in \{10, 50, 200\}$;
# * *supporting*: more training interventions, fewer violations; the violation rate does not grow
#   with $d$;
# * *not testable here*: the paper's own bound (its constants were not available to us);
# * *sanity checks*: our formula for the predictor's shift against refitting, the polynomial
#   structure of the violation sets that the VC argument needs (degree independent of $d$), and
#   the classical VC bound on that class.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
GRAPH = repro.Change(
    what="nuisance covariates may descend from any earlier node (Y, the intervened children and their children included)",
    was="nuisances descended only from the causes of Y, so they never interacted with the intervened nodes",
    why="the referee: with the old graph the rates could not depend on d by construction")
NOTION = repro.Change(
    what=("invariance notion: ||w_F(t) - w_F(0)||_2 <= eps, the least-squares coefficients of Y on the "
          "representation in environment t against the observational ones (the paper's 'best model on top of "
          "the representation is invariant')"),
    was="|R_t(w_F) - R_0(w_F)| <= eps, the change of risk of the fixed observational predictor",
    why="the referee: the legacy notion was not the paper's")
claims.declare(
    "invariance_transfers", kind="headline",
    statement=("A representation certified eps-invariant on m random training interventions violates invariance "
               "on fresh interventions of the family less often than the lowest-risk representation chosen "
               "without the invariance requirement (ERM), at every m in 10..300 and every d"),
    metric=("violation rate on fresh interventions of the certified representation, the largest over the m grid "
            "(mean over training draws), per random SEM"),
    paired_with="violation rate of the ERM representation on the same interventions",
    better="lower", margin=0.0, fmt="{:+.2f}", changed=(NOTION, GRAPH, repro.Change(
        what="headline: certified representation vs ERM, paired per SEM, at every m and d",
        was="the 90% quantile of the violation rate under the classical VC bound (no baseline)",
        why="the claim rules: a comparison that could go the other way; the bound check cannot fail "
            "(it is a theorem) and is now a sanity check")))
claims.declare(
    "more_interventions", kind="supporting",
    statement="More training interventions, fewer violations: the rate at m = 300 is below the rate at m = 10, every d",
    metric="violation rate of the certified representation at m = 300 (mean over training draws), per SEM",
    paired_with="the same at m = 10", better="lower", margin=0.0, fmt="{:+.3f}",
    changed=(NOTION, GRAPH, repro.Change(
        what="criterion: paired 95% interval over SEMs, m grid 10..300",
        was="the mean over SEMs non-increasing along m = 10..3000",
        why="the claim rules; the grid is shorter to keep the quick scale within budget")))
claims.declare(
    "dimension_free", kind="supporting",
    statement=("The violation rate does not grow with the ambient dimension: at every m, the rate at d = 200 "
               "exceeds the rate at d = 10 by less than 0.01"),
    metric=("largest over the m grid of [violation rate at d = 200 - at d = 10] (same relevant block and same "
            "interventions), per SEM"),
    better="lower", margin=0.01, fmt="{:+.3f}",
    changed=(NOTION, GRAPH, repro.Change(
        what="criterion: 95% interval over SEMs of the paired difference below 0.01",
        was="max - min over d of the mean rate below 0.05 (larger than the rates themselves)",
        why="the claim rules: a tolerance no larger than the effect; 0.01 is fixed before running")))
claims.not_testable(
    "paper_bound", kind="supporting",
    statement="The violation rate stays below the paper's finite-sample bound, with constants free of d",
    reason=("we could read the paper's abstract but not its theorem's constants; the classical realizable VC "
            "bound on our violation class is checked instead, as a sanity check (it is a theorem)"))
claims.declare(
    "shift_formula", kind="sanity",
    statement="The closed-form shift of the least-squares coefficients (Woodbury) equals refitting in the environment",
    metric="largest |closed form - refit| over representations, environments and d (floored at 1e-12)",
    better="lower", margin=1e-9, fmt="{:.0e}", deterministic=True)
claims.declare(
    "degree4_premise", kind="sanity",
    statement=("The violation event is the positivity set of a polynomial of degree <= 4 in the two intervention "
               "parameters, for every representation and every d (so the VC dimension is <= 15 whatever d)"),
    metric="largest relative residual of a degree-4 fit on fresh points, over representations and d (floored at 1e-10)",
    better="lower", margin=1e-6, fmt="{:.0e}", deterministic=True)
claims.declare(
    "vc_bound", kind="sanity",
    statement=("The 90% quantile (over training draws) of the violation rate is below the classical realizable VC "
                "bound eps_PAC(m, 0.1) with VC dimension 15, every SEM, m and d (not the paper's bound)"),
    metric="largest [90% quantile - bound]", better="lower", margin=0.0, fmt="{:+.1f}", deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
eps = 0.05  # tolerance on the shift of the least-squares coefficients (Euclidean norm)
intervention_scale = 0.1  # intervention strengths t ~ Exponential(scale) at each site

# %%
import inspect
import itertools

import matplotlib.pyplot as plt
import numpy as np

from repro.book.params import check_float
from repro.book.progress import progress
from repro.papers.theory import invariance_pac as ip

run = repro.setup(scale, seed, device)
check_float("eps", eps, minimum=1e-4, maximum=1.0)
check_float("intervention_scale", intervention_scale, minimum=1e-3, maximum=10.0)

DIMS = [10, 50, 200]
M_GRID = np.array([10, 30, 100, 300])
N_TEST = run.pick(5000, 20000)  # fresh interventions per SEM, shared by every d and representation
N_SEM = run.pick(10, 30)  # random relevant blocks (SEMs): the independent runs
TRIALS = run.pick(50, 200)  # training draws per SEM
DELTA = 0.1
print(f"d in {DIMS}, m in {M_GRID.tolist()}, {N_SEM} SEMs x {TRIALS} training draws, {N_TEST} fresh interventions, "
      f"eps={eps}, t ~ Exp({intervention_scale})")

# %% [markdown]
# ## Model, representations and the learner
#
# Nodes are ordered causally and $X = BX + D(t)^{1/2}N$ with independent standard Gaussian $N$.
# The target $Y$ has causes $P_1, P_2$; its children $C_1, C_2$ are informative (small noise) but
# spurious: an intervention multiplies the noise standard deviation of $C_k$ by $1 + t_k$, with
# $t_k \sim \mathrm{Exp}(0.1)$ independently (most interventions are mild, a few are strong).
# $E_1, E_2$ are children of $C_1, C_2$; the remaining $d - 6$ covariates are nuisance nodes of
# in-degree at most 2 whose parents are drawn among *all* earlier nodes, so nuisances can carry
# the intervened noise too, and more of them do when $d$ grows. The relevant block is random; each
# block (one run) is shared by all $d$.
#
# A representation is a feature set $F$: any subset of the six relevant covariates, with or without
# all the nuisances (128 representations). Following the paper's notion, $F$ is
# $\epsilon$-invariant in environment $t$ if the least-squares predictor of $Y$ on $X_F$ hardly
# moves: $\lVert w_F(t) - w_F(0)\rVert_2 \le \epsilon$. An intervention on two sites is a rank-two
# update of the covariance, so (Woodbury) $w_F(t) - w_F(0) = g_F\,z_F(u)$ with $u_k = (1+t_k)^2$
# and a two-vector $z_F(u)$ that is a ratio of polynomials of degree at most 2; the violation
# event is then the positivity set of a polynomial of degree at most 4 in $u$, whatever $|F|$ and
# $d$. Such sets form a class of VC dimension at most 15, and the classical realizable VC bound gives
#
# $$
# \epsilon_{\mathrm{PAC}}(m, \delta) = \frac{2}{m}\Big(15\log_2\frac{2em}{15} + \log_2\frac2\delta\Big).
# $$
#
# The learner keeps the representations that are $\epsilon$-invariant on all $m$ training
# interventions and returns the one with the smallest observational risk (it fails loudly if none
# survives); ERM, the negative control, returns the smallest-risk representation without the filter.
# The code is
# [`src/repro/papers/theory/invariance_pac.py`](https://github.com/reproducible-papers/reproducible-papers/blob/main/src/repro/papers/theory/invariance_pac.py)
# (tests: covariances against simulation, the shift against refitting, the learner, the bound).

# %%
print(inspect.getsource(ip.coefficient_terms))
print(inspect.getsource(ip.coefficient_shift))

# %%
rel_seeds = run.rng.integers(2 ** 31, size=N_SEM)
VC = ip.vc_dimension_polynomials(2, 4)
bound = ip.pac_epsilon(M_GRID, VC, DELTA)
MONOMIALS = [(i, j) for i in range(5) for j in range(5 - i)]


def degree4_residual(terms, rng):
    """Relative residual of a degree-4 polynomial fit to det(I + D G)^2 (||shift||^2 - eps^2) in u."""
    T = rng.exponential(0.5, size=(60, 2))
    u = (1 + T) ** 2
    D = u - 1
    G = terms["G"]
    det = (1 + D[:, 0] * G[0, 0]) * (1 + D[:, 1] * G[1, 1]) - D[:, 0] * D[:, 1] * G[0, 1] * G[1, 0]
    y = det ** 2 * (ip.coefficient_shift(terms, T) ** 2 - eps ** 2)
    V = np.stack([u[:, 0] ** i * u[:, 1] ** j for i, j in MONOMIALS], axis=1)
    coef = np.linalg.lstsq(V[:40], y[:40], rcond=None)[0]
    return float(np.abs(V[40:] @ coef - y[40:]).max() / np.abs(y[40:]).max())


rates = {d: np.zeros((N_SEM, len(M_GRID))) for d in DIMS}  # mean over training draws, per SEM
q90 = {d: np.zeros((N_SEM, len(M_GRID))) for d in DIMS}
erm = {d: np.zeros(N_SEM) for d in DIMS}
shift_err, poly_res = 0.0, 0.0
for k, rel_seed in enumerate(progress(rel_seeds, desc="SEMs")):
    T_train = run.rng.exponential(intervention_scale, size=(TRIALS * M_GRID.max(), 2))  # shared by all d
    T_test = run.rng.exponential(intervention_scale, size=(N_TEST, 2))
    for d in DIMS:
        sem, rel, nui = ip.make_sem(d, np.random.default_rng(rel_seed), np.random.default_rng([rel_seed, d]),
                                    nuisance_parents="any")
        reps = [list(R) + extra for extra in ([], nui) for r in range(len(rel) + 1)
                for R in itertools.combinations(rel, r)]
        S0 = sem.covariance()
        terms = [ip.coefficient_terms(sem, F) for F in reps]
        r0 = np.array([ip.risk(S0, F, t["w0"], sem.target) for F, t in zip(reps, terms)])
        test_rate = np.array([(ip.coefficient_shift(t, T_test) > eps).mean() for t in terms])
        # index of the first violating training intervention of each representation, per training draw
        first = np.empty((len(reps), TRIALS), int)
        for r, t in enumerate(terms):
            viol = (ip.coefficient_shift(t, T_train) > eps).reshape(TRIALS, M_GRID.max())
            first[r] = np.where(viol.any(1), viol.argmax(1), M_GRID.max())
        chosen = np.array([[ip.select_by_first_violation(first[:, i], m, r0) for i in range(TRIALS)] for m in M_GRID])
        rates[d][k] = test_rate[chosen].mean(1)
        q90[d][k] = np.quantile(test_rate[chosen], 1 - DELTA, axis=1)
        erm[d][k] = test_rate[np.argmin(r0)]
        if k == 0:  # sanity checks on the first SEM: closed form vs refit, degree-4 structure
            g = np.random.default_rng(1)
            for F, t in zip(reps[::9], terms[::9]):
                T = T_test[:3]
                direct = [np.linalg.norm(ip.ols(sem.covariance((1 + x) ** 2), F, sem.target) - t["w0"]) for x in T]
                shift_err = max(shift_err, float(np.abs(ip.coefficient_shift(t, T) - direct).max()))
                if len(F):
                    poly_res = max(poly_res, degree4_residual(t, g))

print("d   | ERM rate | " + " | ".join(f"m={m}" for m in M_GRID) + "   (certified representation: mean over SEMs "
      "/ largest 90% quantile)")
for d in DIMS:
    print(f"{d:3d} | {erm[d].mean():8.3f} | "
          + " | ".join(f"{a:.4f}/{q:.3f}" for a, q in zip(rates[d].mean(0), q90[d].max(0))))
print("VC bound (VC dimension 15): " + " | ".join(f"{b:.3f}" for b in bound))

# %% [markdown]
# The ERM column is the negative control: without the invariance requirement the lowest-risk
# representation uses the informative children (and the nuisances that descend from them) and its
# predictor moves in a sizeable fraction of the interventions. The figure shows the certified
# representation's violation rate against $m$ for every $d$, with the classical VC bound.

# %%
fig, ax = plt.subplots(figsize=(7, 4.2))
for j, d in enumerate(DIMS):
    x = M_GRID * (1 + 0.04 * (j - 1))
    ax.plot(x, rates[d].mean(0) + 1e-4, "o-", color=f"C{j}", label=f"certified, mean over SEMs, d = {d}")
    ax.plot(x, q90[d].max(0) + 1e-4, "v:", color=f"C{j}", alpha=0.7, label=f"largest 90 % quantile, d = {d}")
    ax.axhline(erm[d].mean(), color=f"C{j}", ls="--", lw=1, label=f"ERM (no invariance filter), d = {d}")
ax.plot(M_GRID, bound, "k-", lw=2, label=r"VC bound $\epsilon_{\mathrm{PAC}}(m, 0.1)$ (any d)")
ax.set(xscale="log", yscale="log", xlabel="number of training interventions m",
       ylabel="fraction of fresh interventions violated (+1e-4)",
       title="Approximate invariance on unseen interventions")
ax.legend(fontsize=7, ncol=2, loc="lower left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Results
#
# One run is one random SEM (relevant block); within it, the training and fresh interventions are
# shared by every $d$ and representation, so the comparisons are paired.

# %%
for d in DIMS:
    claims.record("invariance_transfers", method=rates[d].max(1), baseline=erm[d], setting=f"d={d}")
    claims.record("more_interventions", method=rates[d][:, -1], baseline=rates[d][:, 0], setting=f"d={d}")
claims.record("dimension_free", values=(rates[DIMS[-1]] - rates[DIMS[0]]).max(1))
claims.record("shift_formula", value=max(shift_err, 1e-12))
claims.record("degree4_premise", value=max(poly_res, 1e-10))
claims.record("vc_bound", value=max(float((q90[d] - bound).max()) for d in DIMS))
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The verdicts are in the report above, computed from the criteria declared at the top.
#
# **Headline.** Requiring the least-squares predictor to stay put on the training interventions
# is what buys invariance on unseen ones: the certified representation violates invariance on
# fresh interventions far less often than the lowest-risk representation, which leans on the
# intervened children. The comparison is paired per random SEM and required at every $m$ of the
# grid and every $d$.
#
# **Supporting.** More training interventions lower the violation rate, as the PAC argument
# predicts. The claim that the rate does not grow with $d$ is the one the referee found untested:
# now that the nuisance covariates may descend from the intervened nodes, more of them change
# which representation the learner certifies, and in some random SEMs the rate at $d = 200$
# exceeds the rate at $d = 10$ by more than the declared tolerance (per-SEM values in the results
# cell). The dimension-independence the paper proves is about the *bound*: the polynomial structure
# of the violation sets (degree at most 4 in the two intervention parameters, checked numerically
# for every $d$) does not involve $d$, so neither does the VC dimension nor the bound; the
# empirical rate can still depend on $d$ below the bound, and in our instance it does.
#
# **Not tested.** The paper's own bound: we apply the classical realizable VC bound to our class,
# which is the structure of the argument but not the paper's statement; it holds (a theorem) and is
# loose at these $m$.
#
# ## Deviations from the paper
#
# * **Our own instance and bound.** We could read the paper's abstract but not its theorems'
#   constants, so the bound is the classical realizable VC bound applied to the VC dimension of our
#   violation sets, and it is reported as a sanity check, not as the paper's bound.
# * **Invariance notion.** The shift of the least-squares coefficients in the Euclidean norm,
#   against the observational coefficients (the paper's notion compares the best predictors on top
#   of the representation across environments; ours fixes the observational one as reference).
# * **Population moments.** Environments are evaluated with exact population covariances (infinitely
#   many samples per environment); the paper's finite-sample question within an environment and the
#   latent-variable extension are not tested.
# * **Representations.** Feature subsets (128 per $d$), not general linear maps.
# * **Sizes.** 10 random SEMs with 50 training draws each, $m$ up to 300 and 5000 fresh
#   interventions at quick scale (the catalog suggests 2000 fresh interventions).
