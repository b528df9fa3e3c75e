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
# answer is a PAC-style bound: if the interventions come from a family with finitely many
# parameters acting on a few nodes, the second moments are low-degree polynomials of those
# parameters, so "approximately invariant in this environment" is a polynomial inequality. Classes
# of such sets have a small VC dimension, so a representation that is approximately invariant on
# $m$ random training interventions is approximately invariant on all but an $O(\log m / m)$
# fraction of the family. The VC dimension, and hence the number of interventions needed, depends
# on the number of intervened nodes and their in-degree, not on the number of variables $d$.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For a linear SEM with interventions drawn from a parameterised family acting on a
# constant-size set of bounded-in-degree nodes, any representation that is $\epsilon$-approximately
# invariant on $m$ i.i.d. training interventions is, with probability $\ge 1-\delta$,
# $\epsilon$-approximately invariant on all but a fraction $\epsilon_{\mathrm{PAC}}(m, \delta)$ of the
# family, with $\epsilon_{\mathrm{PAC}}$ decreasing like $\log m / m$ and free of the ambient
# dimension $d$.
#
# **This chapter checks**, in our own instance (a target with two causes, two children whose
# noise level is intervened on, two grandchildren and $d - 6$ nuisance covariates; $\epsilon$ =
# 0.05 on the change of squared risk; 20 random SEMs with 200 training draws each at quick scale),
# with thresholds fixed before running (checks 2-4 are the catalog's suggestions; 1 is ours):
# 1. **The premise.** For every representation and every $d \in \{10, 50, 200\}$, the change of
#    risk in an environment is exactly affine in the squared noise scales of the two intervened
#    nodes (max error over random environments $\le 10^{-9}$), so the violation sets have VC
#    dimension $\le 6$ whatever $d$.
# 2. **Bound.** For every SEM, every $m \in \{10, \dots, 3000\}$ and every $d$, the 90 % quantile
#    (over training draws) of the violation rate of the selected representation on unseen
#    interventions (its exact probability under the family; 2000 fresh interventions give the same
#    up to Monte-Carlo error) is $\le \epsilon_{\mathrm{PAC}}(m, \delta = 0.1)$.
# 3. **More interventions, fewer violations.** The mean violation rate (over SEMs and training
#    draws) is non-increasing along the
#    $m$ grid, and smaller at $m = 3000$ than at $m = 10$, for every $d$.
# 4. **No dependence on $d$.** At every $m$ the mean violation rates for $d = 10, 50, 200$ differ by
#    less than 0.05.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
eps = 0.05  # tolerance on the change of the squared risk
intervention_scale = 0.1  # intervention strengths t ~ Exponential(scale) at each site

# %%
import inspect
import itertools

import matplotlib.pyplot as plt
import numpy as np

import repro
from repro.book.claims import below
from repro.book.params import check_float
from repro.book.progress import progress
from repro.papers.theory import invariance_pac as ip

run = repro.setup(scale, seed, device)
check_float("eps", eps, minimum=1e-4, maximum=1.0)
check_float("intervention_scale", intervention_scale, minimum=1e-3, maximum=10.0)

DIMS = [10, 50, 200]
M_GRID = np.array([10, 30, 100, 300, 1000, 3000])
N_TEST = run.pick(2000, 20000)
N_SEM = run.pick(20, 40)  # random relevant blocks (SEMs) averaged over
TRIALS = run.pick(200, 500)  # training draws per SEM
DELTA = 0.1
print(f"d in {DIMS}, m in {M_GRID.tolist()}, {N_SEM} SEMs x {TRIALS} training draws, {N_TEST} test interventions, "
      f"eps={eps}, t ~ Exp({intervention_scale})")

# %% [markdown]
# ## Model, representations and the learner
#
# Nodes are ordered causally and $X = BX + D(t)^{1/2}N$ with independent standard Gaussian $N$.
# The target $Y$ has causes $P_1, P_2$; its children $C_1, C_2$ are informative (small noise) but
# spurious: an intervention multiplies the noise standard deviation of $C_k$ by $1 + t_k$, with
# $t_k \sim \mathrm{Exp}(0.1)$ independently (most interventions are mild, a few are strong).
# $E_1, E_2$ are children of $C_1, C_2$; the remaining $d - 6$ covariates are nuisance nodes of
# in-degree at most 2, descending from the causes or from each other. The relevant block (causes,
# target, children, grandchildren) is random; each of the 20 blocks is shared by all $d$, and the
# results are averaged over the blocks.
#
# A representation is a feature set $F$: any subset of the six relevant covariates together with
# all nuisances (64 representations), with its observational least-squares predictor $w_F$. It is
# $\epsilon$-invariant in environment $t$ if its squared risk changes by at most $\epsilon$,
# $|R_t(F, w_F) - R_0(F, w_F)| \le \epsilon$. Every covariance of a linear SEM is linear in the
# noise variances, so $R_t - R_0 = \alpha_F + \beta_F^\top u$ with $u_k = (1+t_k)^2$ and the
# violation event is $(\alpha_F + \beta_F^\top u)^2 > \epsilon^2$: the positivity set of a quadratic
# in two variables. Such sets form a class of VC dimension at most 6 (the dimension of the
# quadratics), for any $d$. The classical realizable VC bound then gives
#
# $$
# \epsilon_{\mathrm{PAC}}(m, \delta) = \frac{2}{m}\Big(6\log_2\frac{2em}{6} + \log_2\frac2\delta\Big).
# $$
#
# The learner keeps the representations that are $\epsilon$-invariant on all $m$ training
# interventions and returns the one with the smallest observational risk; without the filter it
# would pick a representation that uses the children. The code is
# [`src/repro/papers/theory/invariance_pac.py`](https://github.com/reproducible-papers/reproducible-papers/blob/main/src/repro/papers/theory/invariance_pac.py)
# (tests: covariance against simulation, exact affinity, the learner, the bound).

# %%
print(inspect.getsource(ip.excess_risk_coefficients))
print(inspect.getsource(ip.pac_epsilon))

# %%
rel_seeds = run.rng.integers(2 ** 31, size=N_SEM)
T_test = run.rng.exponential(intervention_scale, size=(N_TEST, 2))
VC = ip.vc_dimension_bound(2)
bound = ip.pac_epsilon(M_GRID, VC, DELTA)

setups = {d: dict(rates=[], erm=[]) for d in DIMS}
affine_err, mc_gap = 0.0, 0.0
for k, rel_seed in enumerate(progress(rel_seeds, desc="SEMs")):
    # nested training draws shared by all d: trial i uses the first m rows of T_train[i]
    T_train = run.rng.exponential(intervention_scale, size=(TRIALS, M_GRID.max(), 2))
    for d in DIMS:
        sem, rel, nui = ip.make_sem(d, np.random.default_rng(rel_seed), np.random.default_rng([rel_seed, d]))
        reps = [list(R) + nui for r in range(len(rel) + 1) for R in itertools.combinations(rel, r)]
        S0 = sem.covariance()
        coef = [ip.excess_risk_coefficients(sem, F) for F in reps]
        alpha, beta = np.array([c[0] for c in coef]), np.array([c[1] for c in coef])
        r0 = np.array([ip.risk(S0, F, ip.ols(S0, F, sem.target), sem.target) for F in reps])
        if k == 0:  # premise check at 3 random environments per representation
            for F, a_, b_ in zip(reps, alpha, beta):
                w = ip.ols(S0, F, sem.target)
                for t in T_test[:3]:
                    direct = ip.risk(sem.covariance((1 + t) ** 2), F, w, sem.target) - ip.risk(S0, F, w, sem.target)
                    affine_err = max(affine_err, abs(a_ + b_ @ (1 + t) ** 2 - direct))
        test_rate = ip.violation_probability(alpha, beta, eps, intervention_scale)  # exact, whole family
        mc_gap = max(mc_gap, np.max(np.abs(ip.violations(alpha, beta, T_test, eps).mean(1) - test_rate)))
        chosen = np.empty((len(M_GRID), TRIALS), int)
        for i in range(TRIALS):
            viol = ip.violations(alpha, beta, T_train[i], eps)  # [representation, environment]
            first_violation = np.where(viol.any(1), viol.argmax(1), M_GRID.max())
            for j, m in enumerate(M_GRID):
                chosen[j, i] = ip.select_invariant((first_violation < m)[:, None], r0)
        setups[d]["rates"].append(test_rate[chosen])
        setups[d]["erm"].append(test_rate[np.argmin(r0)])
for s in setups.values():
    rates = np.array(s["rates"])  # [SEM, m, trial]
    s.update(mean=rates.mean(axis=(0, 2)), q90=np.quantile(rates, 1 - DELTA, axis=2),  # q90: [SEM, m]
             erm_rate=float(np.mean(s["erm"])))

print("d   | ERM violation | " + " | ".join(f"m={m}" for m in M_GRID) + "   (mean / largest 90% quantile over SEMs)")
for d, s in setups.items():
    print(f"{d:3d} | {s['erm_rate']:13.3f} | " + " | ".join(f"{a:.4f}/{q:.3f}" for a, q in zip(s["mean"], s["q90"].max(0))))
print("PAC bound:  " + " | ".join(f"{b:.3f}" for b in bound))
print(f"violation rates on {N_TEST} fresh interventions vs exact probabilities: max difference {mc_gap:.2f}")

# %% [markdown]
# Without the invariance filter, the lowest-risk representation uses the children and loses its
# accuracy guarantee in a sizeable fraction of the interventions (the ERM column). Violation rates
# are exact probabilities under the intervention family (a one-dimensional integral, unit-tested
# against Monte Carlo); the 2000 fresh interventions of the catalog's design agree with them up to
# sampling error (printed above). With the filter,
# the violation rate of the selected representation falls quickly with the number of training
# interventions, and the curves for $d = 10, 50, 200$ coincide: the nuisance dimensions do not
# make approximate invariance harder to certify. The PAC bound is vacuous below about
# $m \approx 100$ and then decays like $\log m / m$, always above the measured quantile.

# %%
fig, ax = plt.subplots(figsize=(7, 4.2))
for k, (d, s) in enumerate(setups.items()):
    ax.plot(M_GRID * (1 + 0.04 * (k - 1)), s["mean"] + 1e-4, "o-", label=f"mean violation rate, d = {d}")
    ax.plot(M_GRID * (1 + 0.04 * (k - 1)), s["q90"].max(0) + 1e-4, "v:", color=f"C{k}", alpha=0.7,
            label=f"largest 90 % quantile, d = {d}")
ax.plot(M_GRID, bound, "k-", lw=2, label=r"PAC bound $\epsilon_{\mathrm{PAC}}(m, 0.1)$ (any d)")
ax.axhline(setups[DIMS[0]]["erm_rate"], color="C3", ls="--", lw=1, label="ERM without the invariance filter")
ax.set(xscale="log", yscale="log", xlabel="number of training interventions m",
       ylabel="fraction of unseen interventions violated (+1e-4)",
       title="Approximate invariance on unseen interventions")
ax.legend(fontsize=7, ncol=2, loc="center right")
fig.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
below_bound = all(np.all(s["q90"] <= bound) for s in setups.values())  # every SEM, m and d
decreasing = all(np.all(np.diff(s["mean"]) <= 0) and s["mean"][-1] < s["mean"][0] for s in setups.values())
spread = np.max([s["mean"] for s in setups.values()], axis=0) - np.min([s["mean"] for s in setups.values()], axis=0)

claims = repro.Claims()
claims.add(
    "Risk changes are affine in the intervention parameters, for any d (VC dimension <= 6)",
    measured={"max error of the affine form": below(affine_err, 1e-9), "VC bound": str(VC)},
    criterion="max |affine form - direct| <= 1e-9 over all representations, environments checked and d",
    passed=affine_err <= 1e-9)
claims.add(
    "Invariance on m training interventions certifies invariance on unseen ones (PAC bound)",
    measured={"worst 90% quantile - bound": f"{max(np.max(s['q90'] - bound) for s in setups.values()):.2f}"},
    criterion="90% quantile (over training draws) of the violation rate <= eps_PAC(m, 0.1), every SEM, m and d",
    passed=below_bound)
claims.add(
    "More training interventions, fewer violations on unseen interventions",
    measured={f"mean rate d={d}, m={M_GRID[0]} -> {M_GRID[-1]}": f"{s['mean'][0]:.3f} -> {s['mean'][-1]:.3f}"
              for d, s in setups.items()},
    criterion="mean violation rate non-increasing in m and smaller at m=3000 than at m=10, every d",
    passed=decreasing)
claims.add(
    "The guarantee does not depend on the ambient dimension d",
    measured={"largest spread across d of the mean rate": f"{spread.max():.3f}"},
    criterion="at every m, max - min over d in {10, 50, 200} of the mean violation rate < 0.05",
    passed=bool(spread.max() < 0.05))
claims.report()

# %% [markdown]
# ## Verdict
#
# All four checks reproduce in our instance. The premise of the paper's argument holds exactly:
# whatever the number of covariates, the change of risk under an intervention is a fixed
# low-degree polynomial (here affine in the squared noise scales) of the two intervention
# parameters, so a VC dimension of at most 6 covers every representation. Requiring invariance on
# $m$ training interventions drives the violation rate on 2000 unseen interventions down quickly,
# and the 90 % quantile stays below the PAC bound at every $m$, for $d$ from 10 to 200 and in every
# one of the 20 random SEMs. The mean decrease is a trend, not a law: in a single SEM the learner can
# trade a representation that was just caught violating for a slightly worse one that has not been
# caught yet, so a single SEM's curve can tick up by a few $10^{-5}$; averaged over SEMs it decreases. The bound is
# loose: it is vacuous for $m \lesssim 100$ and, where it is informative, it sits one or two orders
# of magnitude above what we measure; that is the price of a worst-case, distribution-free
# argument. The dimension-independence is visible in both places: the bound does not involve $d$,
# and the measured rates coincide across $d$. The second is by design of our instance, and it is
# exactly the situation the theory describes: the nuisance covariates never interact with the two
# intervened nodes, so adding 190 of them changes neither the polynomial structure of the violation
# sets nor which representation the learner picks. Check 4 therefore confirms the theory's premise
# rather than testing a subtle effect.
#
# ## Deviations from the paper
#
# * **Our own instance.** We could read the paper's abstract but not its theorems' constants, so
#   the bound is the classical realizable VC bound applied to the VC dimension of our violation
#   sets, which is the structure of the paper's argument, not its exact statement.
# * **Invariance notion.** We call a representation $\epsilon$-invariant when its observational
#   least-squares predictor keeps its squared risk within $\epsilon$; the paper's
#   $\epsilon$-approximate invariance is stated on the optimal predictors on top of the
#   representation. Both are polynomial conditions in the intervention parameters.
# * **Population moments.** Environments are evaluated with exact population covariances (infinitely
#   many samples per environment); the paper's second question, how many samples per environment
#   are needed, and the latent-variable extension are not tested.
# * **Representations.** Feature subsets (64 per $d$, always including the nuisances), not general
#   linear maps.
