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
# # Perturbation Analysis of Neural Collapse
#
# {cite}`tirer2023perturbation` · ICML 2023 · [arXiv:2210.16658](https://arxiv.org/abs/2210.16658)
# · [PMLR page](https://proceedings.mlr.press/v202/tirer23a.html) · no public code from the authors
#
# Late in training, the penultimate-layer features of a classifier shrink towards their class means
# ("neural collapse", {cite}`papyan2020prevalence`). The usual theoretical account treats the
# features as free variables (the *unconstrained features model*, UFM) and finds that every
# minimiser collapses exactly, whatever the (nonzero) regularisation. Real networks do not get
# there: the deepest features are computed from shallower ones and cannot move arbitrarily far.
# Tirer, Huang and Niles-Weed keep the features of the UFM free but tie them, with a quadratic
# penalty of strength $\beta$, to a given feature matrix $H_0$ (think: the features of an earlier
# layer). Large $\beta$ means a small vicinity, and there they can do perturbation theory: the
# optimised features are less variable within classes than $H_0$, and near collapse the minimiser
# responds *linearly* to how far $H_0$ is from collapse, with a response matrix whose spectrum
# shows which regularisation drives collapse.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For the anchored UFM (their Eq. 2, below): (i) along the gradient flow of the UFM on
# its "central path" (classifier always optimal), the within-class variability metric
# $\widetilde{NC}_1 = \mathrm{Tr}\,\Sigma_W / \mathrm{Tr}\,\Sigma_B$ strictly decreases (Theorem 3.1);
# (ii) hence, for large enough $\beta$, the minimiser has smaller $\widetilde{NC}_1$ than the
# anchor $H_0$, because it is one implicit gradient step of length $1/\beta$ (Corollary 3.2);
# (iii) near a collapsed $H_0$ the minimiser moves linearly with the perturbation of $H_0$,
# through an explicit matrix $F$ (Theorem 4.1), whose class blocks have closed-form extreme
# singular values (Theorem 4.2); the insight the paper draws from them is that the regularisation
# of the features, $\lambda_H$, drives the features towards collapse while the regularisation of
# the classifier, $\lambda_W$, does not.
#
# **This chapter tests**, with criteria declared in the box below before anything runs:
# * *headline*: the reduction of within-class variability by the minimiser relative to its
#   anchor, on anchors far from collapse (random-ReLU features of scikit-learn digits), on the
#   whole grid $\beta \in [1, 1000]$, including small $\beta$ where Corollary 3.2 gives no
#   guarantee. One run is one independent draw of digits and feature map; the anchor itself is
#   the baseline that could win;
# * *supporting*: the closeness to collapse is governed by $\beta$; the effect of $\lambda_H$ and
#   $\lambda_W$, both near collapse (the paper's regime; one run is one draw of the collapsed frame
#   and of the perturbation, paired across regularisation settings) and far from collapse (the
#   digits anchors, paired across settings);
# * *sanity checks*: the theorems themselves (3.1, the first-order form of Corollary 3.2, 4.1,
#   Eq. 5 and 4.2) and the convergence of every solver. They hold if our derivation and code are
#   right, so they are shown but not counted.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
PAIRED = ("the claim rules: a 95% interval over independent anchor draws (legacy: the same inequality "
          "required in every case, without an interval)")
claims.declare(
    "reduces_nc1", kind="headline",
    statement=("The minimiser H_{1/beta} of the anchored model is less variable within classes than its "
               "anchor H0 (NC1~ = Tr S_W / Tr S_B smaller), at every beta on the grid 1, 3, ..., 1000, for "
               "anchors far from collapse"),
    metric=("relative reduction 1 - NC1~(H_{1/beta}) / NC1~(H0), the smallest over the beta grid, per "
            "anchor draw (swept over three (lambda_W, lambda_H) settings)"),
    better="higher", margin=0.0, fmt="{:+.2g}",
    changed=repro.Change(what="criterion", was="NC1~(H_{1/beta}) < NC1~(H0) in every case", why=PAIRED))
claims.declare(
    "beta_governs_closeness", kind="supporting",
    statement=("The smaller the vicinity (the larger beta), the less collapsed the minimiser: NC1~(H_{1/beta}) "
               "increases along beta = 1, 3, ..., 1000"),
    metric=("smallest increase of NC1~(H_{1/beta}) between consecutive beta of the grid, relative to "
            "NC1~(H0), per anchor draw (swept over the three settings)"),
    better="higher", margin=0.0, fmt="{:+.1g}",
    changed=repro.Change(what="criterion", was="strict increase in every case", why=PAIRED))
NEAR = ("near collapse (H0 = H* + 1e-2 ||H*|| E/||E||, beta = 100), per draw of the frame of H* and of E, "
        "the same draws for every setting")
claims.declare(
    "lam_h_drives_near", kind="supporting",
    statement=("Near collapse, a larger feature regularisation lambda_H gives a larger reduction of NC1~ "
               "(lambda_H = 0.05, 0.1, 0.2, 0.4 at lambda_W = 0.5)"),
    metric="smallest change of the relative NC1~ reduction between consecutive lambda_H, " + NEAR,
    better="higher", margin=0.0, fmt="{:+.1g}",
    changed=repro.Change(what="criterion", was=("mean reduction over 5 unpaired draws strictly increasing, "
                                                 "no interval"), why="the claim rules: paired draws and an interval"))
claims.declare(
    "lam_w_not_near", kind="supporting",
    statement=("Near collapse, a larger classifier regularisation lambda_W does not increase the reduction "
               "of NC1~ (lambda_W = 0.25, 0.5, 1, 2 at lambda_H = 0.2)"),
    metric="largest change of the relative NC1~ reduction between consecutive lambda_W, " + NEAR,
    better="lower", margin=0.0, fmt="{:+.1g}",
    changed=repro.Change(what="criterion", was=("mean reduction over 5 unpaired draws strictly decreasing, "
                                                 "no interval"), why="the claim rules: paired draws and an interval"))
claims.declare(
    "lam_h_drives_far", kind="supporting",
    statement=("Far from collapse, feature regularisation still drives collapse: lambda_H = 0.01 gives a "
               "larger NC1~ reduction than lambda_H = 0 (lambda_W = 0.01), at every beta"),
    metric=("smallest over the beta grid of [relative reduction(lambda_H = 0.01) - relative "
            "reduction(lambda_H = 0)], per anchor draw"),
    better="higher", margin=0.0, fmt="{:+.1g}",
    changed=repro.Change(what="claim added", was="the legacy claim 7 tested only near collapse",
                         why="the referee found the far-from-collapse table at odds with claim 7; the "
                             "regime is tested rather than left out"))
claims.declare(
    "lam_w_not_far", kind="supporting",
    statement=("Far from collapse, a larger classifier regularisation lambda_W does not increase the "
               "reduction of NC1~ (lambda_W = 0.01 -> 0.1 at lambda_H = 0.01), at every beta"),
    metric=("largest over the beta grid of [relative reduction(lambda_W = 0.1) - relative "
            "reduction(lambda_W = 0.01)], per anchor draw"),
    better="lower", margin=0.0, fmt="{:+.1g}",
    changed=repro.Change(what="claim added", was="the legacy claim 7 tested only near collapse",
                         why="the referee found the far-from-collapse table at odds with claim 7; the "
                             "regime is tested rather than left out"))
claims.declare(
    "flow_thm31", kind="sanity",
    statement=("Along the central-path flow NC1~ strictly decreases, e^{2 lam_H t} Tr S_W does not increase "
               "and e^{2 lam_H t} Tr S_B increases (Theorem 3.1), at every RK4 step, anchor and setting"),
    metric="number of RK4 steps violating one of the three monotonicities", better="lower", margin=0.5,
    fmt="{:.0f}", deterministic=True)
claims.declare(
    "first_order", kind="sanity",
    statement=("At beta = 1000 the reduction is one flow step of length 1/beta: measured / "
               "beta^-1 dNC1~/dt within 10 % (the first-order form behind Corollary 3.2)"),
    metric="largest |measured / predicted - 1| at beta = 1000 over anchors and settings",
    better="lower", margin=0.1, fmt="{:.1g}", deterministic=True)
claims.declare(
    "linear_response", kind="sanity",
    statement=("Near collapse (F - I) vec(dH0) predicts the change dH - dH0 that the optimisation makes "
               "(Theorem 4.1), to within 10 % for every delta <= 0.1"),
    metric="largest relative error over the delta grid", better="lower", margin=0.1, fmt="{:.1g}", deterministic=True)
claims.declare(
    "linear_response_order", kind="sanity",
    statement="The error of the linear prediction shrinks like delta (second-order remainder)",
    metric="|log-log slope of the error in delta - 1|", better="lower", margin=0.2, fmt="{:.1g}", deterministic=True)
claims.declare(
    "eq5_order", kind="sanity",
    statement="Eq. 5 (the large-beta form of F) differs from the exact F by O(beta^-2)",
    metric="|log-log slope of ||F_Eq5 - F||_2 in beta + 2|", better="lower", margin=0.2, fmt="{:.1g}", deterministic=True)
claims.declare(
    "thm42_closed_form", kind="sanity",
    statement=("The class blocks of Eq. 5's F have the extreme singular values of Theorem 4.2 and rank-one "
               "off-diagonal blocks"),
    metric="largest deviation from the formulas and sigma_2/sigma_1 of the off-diagonal blocks (floored at 1e-12)",
    better="lower", margin=1e-9, fmt="{:.0e}", deterministic=True)
claims.declare(
    "thm42_exact_f", kind="sanity",
    statement="The exact F's attenuations agree with Theorem 4.2's formulas to 10 % at beta = 100",
    metric="largest relative deviation over the regularisation grid", better="lower", margin=0.1, fmt="{:.2f}", deterministic=True)
claims.declare(
    "solvers_converged", kind="sanity",
    statement=("Every minimiser is converged: L-BFGS to max |grad| <= 1e-6 and Newton to max |grad| < 1e-11 "
               "(the solvers raise otherwise)"),
    metric="largest final max |grad| of the L-BFGS minimisations (floored at 1e-7)",
    better="lower", margin=1e-6, fmt="{:.0e}", deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
n_anchors = 5  # independent draws of digits and random feature map (runs of the far-from-collapse claims)
n_draws = 5  # independent draws of collapsed frame and perturbation (runs of the near-collapse claims)
delta_grid = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1]  # sizes of the perturbation from collapse (sanity checks)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from repro.book.params import ParameterError, check_int
from repro.book.progress import progress
from repro.papers.theory import anchored_ufm as au

run = repro.setup(scale, seed, device)
check_int("n_anchors", n_anchors, minimum=3, maximum=20)
check_int("n_draws", n_draws, minimum=3, maximum=50)
if not (isinstance(delta_grid, list) and len(delta_grid) >= 3
        and all(isinstance(x, float) and 0 < x <= 0.1 for x in delta_grid)
        and delta_grid == sorted(delta_grid)):
    raise ParameterError("delta_grid must be an increasing list of >= 3 floats in (0, 0.1]")

# sizes of the digits experiment (far from collapse) and of the near-collapse experiment
K_DIG, N_DIG, D_DIG = 10, run.pick(20, 50), run.pick(32, 64)
SETTINGS = [(0.01, 0.0), (0.01, 0.01), (0.1, 0.01)]  # (lambda_W, lambda_H); Thm 3.1 needs lambda_W > 0
BETAS = np.array([1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0])
T_MAX, STEPS = 20.0, run.pick(400, 1000)
K_NC, N_NC, D_NC = 4, run.pick(10, 20), run.pick(10, 16)  # the paper's Figure 1 uses K=4, n=10, d=10
BETA_NC, LW_NC, LH_NC = 100.0, 0.5, 0.2
print(f"digits: K={K_DIG}, n={N_DIG} per class, d={D_DIG}, {n_anchors} anchors x {len(SETTINGS)} settings; "
      f"near collapse: K={K_NC}, n={N_NC}, d={D_NC}, beta={BETA_NC:g}, {n_draws} draws")

# %% [markdown]
# ## The model
#
# Take $K$ classes of $n$ samples, features $H \in \mathbb{R}^{d \times Kn}$ (columns grouped by
# class), one-hot targets $Y = I_K \otimes \mathbf 1_n^\top$ and a last layer $W \in
# \mathbb{R}^{K\times d}$. The anchored UFM minimises
#
# $$
# f(W, H; H_0) = \frac{1}{2Kn}\lVert WH - Y\rVert_F^2 + \frac{\lambda_W}{2K}\lVert W\rVert_F^2
# + \frac{\lambda_H}{2Kn}\lVert H\rVert_F^2 + \frac{\beta}{2Kn}\lVert H - H_0\rVert_F^2 .
# $$
#
# With $\beta = 0$ it is the UFM of {cite}`tirer2022extended`, whose minimisers are exactly collapsed
# (all features of a class equal, class means orthogonal with equal norms). For fixed $H$ the best
# classifier is ridge regression, $W^*(H) = YH^\top(HH^\top + n\lambda_W I)^{-1}$; substituting it
# leaves a function $\mathcal L(H)$ of the features alone. The minimiser over $H$,
# $H_{1/\beta}$, satisfies
#
# $$
# \frac{H_{1/\beta} - H_0}{1/\beta} = -Kn\,\nabla \mathcal L(H_{1/\beta}),
# $$
#
# an *implicit* gradient step of length $1/\beta$ from $H_0$. As $\beta \to \infty$ this becomes the
# gradient flow $\dot H_t = -Kn\nabla\mathcal L(H_t)$, which by the envelope theorem is
# $\dot H = -W^{*\top}(W^*H - Y) - \lambda_H H$, the "central path" of {cite}`han2022neural` with
# regularisation. Theorem 3.1 says $\widetilde{NC}_1$ decreases along it; Corollary 3.2 transfers
# this to $H_{1/\beta}$ for large $\beta$.
#
# Near collapse the paper linearises the optimality conditions of $f$ in $(W, H)$. Writing
# $A_{HH}, A_{HW}, A_{WW}$ for the blocks of the Hessian of $Kn\,f$ at the unperturbed minimiser,
# a perturbation $\delta H_0$ of the anchor moves the minimiser by
#
# $$
# \mathrm{vec}(\delta H) \approx F\,\mathrm{vec}(\delta H_0), \qquad
# F = \beta\,\big(A_{HH} - A_{HW}A_{WW}^{-1}A_{WH}\big)^{-1},
# $$
#
# and for $\beta \gg 1$, $F \approx I - \beta^{-1}(\lambda_H I + I \otimes W^{*\top}W^* - Z^*)$
# (Eq. 5), with $Z^* = A_{HW}A_{WW}^{-1}A_{WH}$. Cutting $F$ into $dn \times dn$ blocks by class,
# the diagonal blocks carry within-class deviations forward and the off-diagonal ones carry
# cross-talk between classes. The code below computes the Hessian blocks in closed form (checked
# against finite differences in `tests/test_anchored_ufm.py`); the module is
# [`src/repro/papers/theory/anchored_ufm.py`](https://github.com/reproducible-papers/reproducible-papers/blob/main/src/repro/papers/theory/anchored_ufm.py).

# %%
print(inspect.getsource(au.central_path_velocity))
print(inspect.getsource(au.hessian_blocks))
print(inspect.getsource(au.linear_response))

# %% [markdown]
# ## Part 1: anchors far from collapse (digits features)
#
# Each anchor $H_0$ is a random one-layer ReLU feature map of a balanced random subset of
# scikit-learn's digits ($n$ images per class, standardised pixels, Gaussian weights), rescaled so
# that the mean squared column norm is 1: features that are far from collapsed, like those of an
# early layer. For each anchor and setting we integrate the flow to $t = 20$ and compute
# the minimisers $H_{1/\beta}$ by L-BFGS started at $H_0$; `au.minimise` raises if the largest
# gradient entry of the result exceeds $10^{-6}$ (the largest one is a sanity check below). The
# anchors are independent draws (images and feature map): they are the runs of the claims.

# %%
X_all, y_all = load_digits(return_X_y=True)
X_all = (X_all - X_all.mean(0)) / (X_all.std(0) + 1e-8)


def digits_anchor(rng):
    """Random-ReLU features (d x Kn, class by class) of a balanced random subset of the digits."""
    idx = np.concatenate([rng.choice(np.flatnonzero(y_all == k), N_DIG, replace=False) for k in range(K_DIG)])
    A = rng.standard_normal((D_DIG, X_all.shape[1])) / np.sqrt(X_all.shape[1])
    H0 = np.maximum(A @ X_all[idx].T, 0.0)
    return H0 / np.sqrt((H0 ** 2).sum(0).mean())


anchors = [digits_anchor(run.rng) for _ in range(n_anchors)]
cases, grad_max = [], 0.0
for a, H0 in enumerate(progress(anchors, desc="anchors")):
    for lam_w, lam_h in SETTINGS:
        p = au.Problem(K_DIG, N_DIG, lam_w, lam_h)
        ts, Hs = au.central_path_flow(H0, p, T_MAX, STEPS)
        traces = np.array([au.scatter_traces(H, p.labels) for H in Hs])
        nc_flow = traces[:, 0] / traces[:, 1]
        nc_min = []
        for b in BETAS:
            H_b, g = au.minimise(H0, au.Problem(K_DIG, N_DIG, lam_w, lam_h, b), full_output=True)
            nc_min.append(au.nc1_trace(H_b, p.labels))
            grad_max = max(grad_max, g)
        nc_min = np.array(nc_min)
        cases.append(dict(anchor=a, lam_w=lam_w, lam_h=lam_h, t=ts, nc_flow=nc_flow,
                          sw=np.exp(2 * lam_h * ts) * traces[:, 0], sb=np.exp(2 * lam_h * ts) * traces[:, 1],
                          rate=au.nc1_trace_rate(H0, p), nc_min=nc_min,
                          pinv0=au.nc1_pinv(H0, p.labels), pinv_end=au.nc1_pinv(Hs[-1], p.labels)))

print("anchor | lambda_W | lambda_H | NC1~(H0) | NC1~ flow t=20 | NC1~ min. beta=1 | beta=1000 | "
      "first-order ratio at beta=1000 | Tr(S_W S_B^+)/K: H0 -> flow end")
for c in cases:
    ratio = (c["nc_min"][-1] - c["nc_flow"][0]) / (c["rate"] / BETAS[-1])
    print(f"{c['anchor']:6d} | {c['lam_w']:8g} | {c['lam_h']:8g} | {c['nc_flow'][0]:8.2f} | {c['nc_flow'][-1]:14.2f} | "
          f"{c['nc_min'][0]:16.2f} | {c['nc_min'][-1]:9.3f} | {ratio:30.3f} | {c['pinv0']:.2f} -> {c['pinv_end']:.4f}")

# %% [markdown]
# The figure puts the two views side by side for the first anchor. Lines: $\widetilde{NC}_1$
# along the flow against time $t$. Markers: $\widetilde{NC}_1$ of the minimiser $H_{1/\beta}$ placed
# at $t = 1/\beta$. For large $\beta$ (small $t$) the markers sit on the line, as the implicit-step
# argument says; for small $\beta$ the minimiser is one long implicit step and falls behind the flow,
# but it still reduces the variability. Right: the measured reduction divided by the first-order
# prediction $\beta^{-1}\,d\widetilde{NC}_1/dt$, for every anchor and setting, tends to 1.

# %%
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
for i, c in enumerate(c for c in cases if c["anchor"] == 0):
    line, = ax.plot(c["t"][1:], c["nc_flow"][1:], label=rf"flow, $\lambda_W={c['lam_w']:g}$, $\lambda_H={c['lam_h']:g}$")
    ax.plot(1 / BETAS, c["nc_min"], "o", color=line.get_color(), ms=5,
            label=r"minimiser $H_{1/\beta}$ at $t=1/\beta$" if i == 0 else None)
ax.axhline(cases[0]["nc_flow"][0], color="0.5", ls=":", lw=1, label=r"$H_0$")
ax.set(xscale="log", xlabel=r"flow time $t$ (markers: $1/\beta$)", ylabel=r"$\widetilde{NC}_1 = $Tr$\Sigma_W/$Tr$\Sigma_B$",
       title="Within-class variability: flow vs minimisers")
ax.legend(fontsize=8)
ratios = np.array([(c["nc_min"] - c["nc_flow"][0]) / (c["rate"] / BETAS) for c in cases])
for r in ratios:
    bx.plot(BETAS, r, "-", color="C0", alpha=0.35, lw=1)
bx.plot(BETAS, ratios.mean(0), "o-", color="C1", label="mean over anchors and settings")
bx.axhline(1.0, color="k", lw=1, ls="--", label="first-order prediction")
bx.axhspan(0.9, 1.1, color="0.85", label="sanity band (checked at beta = 1000)")
bx.set(xscale="log", xlabel=r"$\beta$", ylabel="measured / predicted reduction",
       title=r"Reduction of $\widetilde{NC}_1$ vs $\beta^{-1}\,d\widetilde{NC}_1/dt$")
bx.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Part 2: anchors near collapse
#
# Now $H_0 = H^* + \delta E$, where $(W^*, H^*)$ is an exactly collapsed minimiser of the plain UFM
# (Theorem 2.1 of the paper, built in closed form with a random orthonormal frame) and $E$ is a
# Gaussian matrix rescaled to $\lVert E\rVert_F = \lVert H^*\rVert_F$. With $\delta = 0$ the
# minimiser is $(W^*, H^*)$ itself (the paper's Corollary 2.2, unit-tested). For $\delta > 0$ we
# compute the minimiser to round-off with Newton's method started at $(W^*, H^*)$ (it agrees with
# L-BFGS on the reduced problem) and compare the change the optimisation makes to the anchor's
# perturbation, $\delta H - \delta H_0$, with the linear prediction $(F - I)\,\delta H_0$. We
# compare the changes rather than $\delta H$ itself because $F = I - O(1/\beta)$: predicting
# $\delta H \approx \delta H_0$ would already be within about 1 % and would test nothing.

# %%
p_nc = au.Problem(K_NC, N_NC, LW_NC, LH_NC, BETA_NC)
W_star, H_star = au.collapsed_minimiser(D_NC, p_nc, run.rng)
E = run.rng.standard_normal(H_star.shape)
E *= np.linalg.norm(H_star) / np.linalg.norm(E)
F_exact = au.linear_response(W_star, H_star, p_nc)
eye = np.eye(F_exact.shape[0])
lin_err = []
for delta in progress(delta_grid, desc="perturbations"):
    H0 = H_star + delta * E
    _, H_opt = au.joint_newton(W_star, H_star, H0, p_nc)
    d_h0 = (delta * E).ravel(order="F")
    moved = (H_opt - H_star).ravel(order="F") - d_h0
    lin_err.append(np.linalg.norm(moved - (F_exact - eye) @ d_h0) / np.linalg.norm(moved))
lin_err = np.array(lin_err)
slope_delta = np.polyfit(np.log(delta_grid), np.log(lin_err), 1)[0]

BETAS_NC = np.array([10.0, 30.0, 100.0, 300.0, 1000.0])
eq5_gap = []
for b in BETAS_NC:
    pb = au.Problem(K_NC, N_NC, LW_NC, LH_NC, b)
    eq5_gap.append(np.linalg.norm(au.large_beta_response(W_star, H_star, pb) - au.linear_response(W_star, H_star, pb), 2))
eq5_gap = np.array(eq5_gap)
slope_beta = np.polyfit(np.log(BETAS_NC), np.log(eq5_gap), 1)[0]
for delta, e in zip(delta_grid, lin_err):
    print(f"delta = {delta:6.0e}: relative error of the linear prediction of dH - dH0 = {e:.1e}")
print(f"log-log slope in delta: {slope_delta:.2f}; ||F_eq5 - F||_2 at beta = 10..1000: "
      + ", ".join(f"{g:.1e}" for g in eq5_gap) + f" (slope {slope_beta:.2f})")

# %% [markdown]
# ### The spectrum of the response (Theorem 4.2)
#
# For a collapsed anchor we cut Eq. 5's $F$ and the exact $F$ into class blocks and compare
# their singular values with the theorem, over a grid of $(\lambda_W, \lambda_H)$ with
# $\lambda_W\lambda_H < 1$. Then, as the practical consequence, we measure how much the actual
# minimiser reduces $\widetilde{NC}_1$ of a near-collapsed anchor ($\delta = 10^{-2}$) while
# $\lambda_H$ grows at fixed $\lambda_W$ and while $\lambda_W$ grows at fixed $\lambda_H$. One run
# is one draw of the random frame of $H^*$ and of the Gaussian direction $E$; the same draws are
# used for every regularisation setting, so the comparisons between settings are paired (the
# table shows the mean over draws).

# %%
LH_GRID, LW_GRID = [0.05, 0.1, 0.2, 0.4], [0.25, 0.5, 1.0, 2.0]
draw_seeds = run.rng.integers(2 ** 32, size=n_draws)  # one (frame, E) draw per run, shared by all settings
spec_rows, spectra = [], {}
formula_err, rank_err, attn_rel = 0.0, 0.0, 0.0
grid = [(LW_NC, lh) for lh in LH_GRID] + [(lw, LH_NC) for lw in LW_GRID if lw != LW_NC]
reduction = {}
for lw, lh in progress(grid, desc="regularisation grid"):
    p = au.Problem(K_NC, N_NC, lw, lh, BETA_NC)
    W, H = au.collapsed_minimiser(D_NC, p, np.random.default_rng(draw_seeds[0]))
    F5, Fx = au.large_beta_response(W, H, p), au.linear_response(W, H, p)
    th = au.theorem42_singular_values(p)
    s5 = np.linalg.svd(au.class_blocks(F5, D_NC, N_NC, 0, 0), compute_uv=False)
    o5 = np.linalg.svd(au.class_blocks(F5, D_NC, N_NC, 1, 0), compute_uv=False)
    sx = np.linalg.svd(au.class_blocks(Fx, D_NC, N_NC, 0, 0), compute_uv=False)
    ox = np.linalg.svd(au.class_blocks(Fx, D_NC, N_NC, 1, 0), compute_uv=False)
    formula_err = max(formula_err, abs(s5.max() - th["intra_max"]), abs(s5.min() - th["intra_min"]),
                      abs(o5[0] - th["inter_max"]))
    rank_err = max(rank_err, o5[1] / o5[0])
    attn_rel = max(attn_rel, abs((1 - sx.min()) / (1 - th["intra_min"]) - 1), abs(ox[0] / th["inter_max"] - 1))
    spectra[(lw, lh)] = sx
    drops = []
    for s_ in draw_seeds:
        g = np.random.default_rng(s_)
        W, H = au.collapsed_minimiser(D_NC, p, g)  # the same frame for every setting of this draw
        E_ = g.standard_normal(H.shape)  # and the same direction of perturbation
        H0 = H + 1e-2 * E_ * np.linalg.norm(H) / np.linalg.norm(E_)
        _, H_opt = au.joint_newton(W, H, H0, p)
        drops.append(1 - au.nc1_trace(H_opt, p.labels) / au.nc1_trace(H0, p.labels))
    reduction[(lw, lh)] = np.array(drops)
    spec_rows.append(f"| {lw:g} | {lh:g} | {1 - th['intra_min']:.2e} | {1 - sx.min():.2e} | "
                     f"{th['inter_max']:.2e} | {ox[0]:.2e} | {reduction[(lw, lh)].mean():.2e} |")
print("| lambda_W | lambda_H | 1 - sigma_min(F_kk) theorem | exact F | sigma_max(F_kj) theorem | exact F | "
      "NC1~ reduction (mean over draws) |\n|---|---|---|---|---|---|---|\n" + "\n".join(spec_rows))
red_lh = np.array([reduction[(LW_NC, lh)] for lh in LH_GRID])  # settings x draws
red_lw = np.array([reduction[(lw, LH_NC)] for lw in LW_GRID])

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.9))
ax = axes[0]
ax.loglog(delta_grid, lin_err, "o-", label="measured")
ax.loglog(delta_grid, lin_err[0] * np.array(delta_grid) / delta_grid[0], "k--", lw=1, label=r"slope 1 ($\propto\delta$)")
ax.axhline(0.1, color="C1", ls=":", label="10 % threshold")
ax.set(xlabel=r"perturbation size $\delta$", ylabel="relative error",
       title=r"Thm 4.1: predicting $\delta H - \delta H_0$")
ax.legend(fontsize=8)
bx = axes[1]
bx.loglog(BETAS_NC, eq5_gap, "o-", label=r"$\Vert F_{\mathrm{Eq.5}} - F\Vert_2$")
bx.loglog(BETAS_NC, eq5_gap[0] * (BETAS_NC / BETAS_NC[0]) ** -2.0, "k--", lw=1, label=r"slope $-2$")
bx.set(xlabel=r"$\beta$", ylabel="spectral-norm gap", title=r"Eq. 5 vs exact response")
bx.legend(fontsize=8)
cx = axes[2]
for j, lh in enumerate(LH_GRID):
    sv = spectra[(LW_NC, lh)]
    line, = cx.plot(np.arange(1, len(sv) + 1), sv, label=rf"$\lambda_H={lh:g}$")
    cx.axhline(1 - np.sqrt(lh / LW_NC) / BETA_NC, color=line.get_color(), ls="--", lw=1)
cx.set(xlabel="index", ylabel=r"singular values of $F_{kk}$ (exact)",
       title=rf"Intra-class block, $\lambda_W={LW_NC:g}$, $\beta={BETA_NC:g}$ (dashed: Thm 4.2 min)")
cx.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Results
#
# Far from collapse, the per-run values are the relative reductions
# $r = 1 - \widetilde{NC}_1(H_{1/\beta})/\widetilde{NC}_1(H_0)$ of each anchor draw; near collapse,
# the reductions of each (frame, perturbation) draw. The worst case over the $\beta$ grid (or over
# consecutive regularisation values) is taken within each run, so a claim holds only if it holds
# across the grid.

# %%
nc0 = np.array([[c["nc_flow"][0] for c in cases if c["anchor"] == a] for a in range(n_anchors)])  # anchors x settings
nc_min = np.array([[c["nc_min"] for c in cases if c["anchor"] == a] for a in range(n_anchors)])  # x betas
r_far = 1 - nc_min / nc0[:, :, None]
for i, (lam_w, lam_h) in enumerate(SETTINGS):
    at = f"lam_W={lam_w:g}, lam_H={lam_h:g}"
    claims.record("reduces_nc1", values=r_far[:, i, :].min(1), setting=at)
    claims.record("beta_governs_closeness", values=(np.diff(nc_min[:, i, :], axis=1) / nc0[:, i, None]).min(1),
                  setting=at)
claims.record("lam_h_drives_near", values=np.diff(red_lh, axis=0).min(0))
claims.record("lam_w_not_near", values=np.diff(red_lw, axis=0).max(0))
claims.record("lam_h_drives_far", values=(r_far[:, 1, :] - r_far[:, 0, :]).min(1))
claims.record("lam_w_not_far", values=(r_far[:, 2, :] - r_far[:, 1, :]).max(1))
print("far from collapse, [reduction(lam_W=0.1) - reduction(lam_W=0.01)] at lam_H=0.01, mean over anchors, "
      "per beta: " + ", ".join(f"beta={b:g}: {v:+.3g}" for b, v in zip(BETAS, (r_far[:, 2] - r_far[:, 1]).mean(0))))

violations = sum(int((np.diff(c["nc_flow"]) >= 0).sum() + (np.diff(c["sw"]) > 0).sum()
                     + (np.diff(c["sb"]) <= 0).sum()) for c in cases)
claims.record("flow_thm31", value=violations)
claims.record("first_order", value=np.abs(ratios[:, -1] - 1).max())
claims.record("linear_response", value=lin_err.max())
claims.record("linear_response_order", value=abs(slope_delta - 1))
claims.record("eq5_order", value=abs(slope_beta + 2))
claims.record("thm42_closed_form", value=max(formula_err, rank_err, 1e-12))
claims.record("thm42_exact_f", value=attn_rel)
claims.record("solvers_converged", value=max(grad_max, 1e-7))
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The verdicts are in the report above, computed from the criteria declared at the top; this
# paragraph says what they mean.
#
# **Headline.** On anchors far from collapse (random-ReLU features of the digits), the minimiser
# of the anchored model was less variable within classes than its anchor, across independent
# anchor draws and at every $\beta$ of the grid, including small $\beta$ where Corollary 3.2 gives
# no guarantee; the smallest reductions occur at the largest $\beta$, where the minimiser is one
# short implicit step from the anchor. The closeness to collapse is governed by $\beta$ in the
# direction the model predicts: the smaller the vicinity, the less collapse.
#
# **Regularisation.** Near collapse (the regime of Theorem 4.2) the paper's insight holds on actual
# minimisers, paired over draws: a larger $\lambda_H$ increases the within-class reduction and a
# larger $\lambda_W$ decreases it. Far from collapse the insight about $\lambda_W$ does **not**
# carry over: with the digits anchors a tenfold larger $\lambda_W$ gives a much *larger* reduction
# for small $\beta$ (long implicit steps), and a smaller one only for large $\beta$ (see the line
# printed per $\beta$ above the results). So the claim that classifier regularisation does not
# drive collapse is a statement about the perturbative regime, not about the anchored model in
# general. The effect of $\lambda_H$ far from collapse has the predicted sign but is
# tiny at large $\beta$: a uniform shrinkage of the features leaves $\widetilde{NC}_1$ unchanged, so
# $\lambda_H$ acts only at second order there.
#
# **Sanity checks.** Theorems 3.1, 4.1 and 4.2, Eq. 5's order and the first-order form of the
# implicit step hold numerically on our instances, and every minimiser passed the solvers'
# convergence test. They confirm that our derivation and code match the paper's statements; they
# are not counted as reproductions.
#
# The popular metric $\mathrm{Tr}(\Sigma_W\Sigma_B^+)/K$ (printed in the first table) falls as
# well along the flow, but the theorems are about the trace ratio $\widetilde{NC}_1$, so the claims
# use that.
#
# ## Deviations from the paper
#
# * **Equations.** We follow the model and theorems as numbered in the OpenReview version of the
#   paper (Eq. 2 with both $\lambda_H$ and $\beta$, Theorems 3.1, 4.1, 4.2); the ICML version may
#   number them differently. Our Hessian blocks are derived and unit-tested independently; the
#   agreement with the closed-form singular values of Theorem 4.2 to round-off confirms that they
#   describe the same matrix as the paper's $Z^*$.
# * **Anchors.** The paper's experiments use CIFAR-10 with MLPs (layer-wise training) and ResNet18
#   (weight-decay study). We test the theory directly on the model: far-from-collapse anchors are
#   random-ReLU features of scikit-learn's digits, near-collapse anchors the paper's own
#   construction with the sizes of its Figure 1 at quick scale. The deep-network experiments (the
#   analogy of $\lambda_H$ with weight decay of the feature layers) are not reproduced; they would
#   need GPU training of ResNets.
# * **Runs.** A run is an independent draw of the anchor (digits subset and feature map) or, near
#   collapse, of the collapsed frame and the perturbation direction; the regularisation settings
#   share the draws, so their comparisons are paired. The worst case over the $\beta$ grid (or over
#   consecutive regularisation values) is taken within each run.
# * **Flow and minimisers.** The flow is integrated with RK4 rather than analysed in continuous
#   time; minimisers far from collapse come from L-BFGS started at $H_0$ (a local minimiser reached
#   from the anchor, which is what the implicit-step view describes), near collapse from Newton's
#   method; both solvers now check convergence on their result and raise otherwise.
# * **Regularisation far from collapse.** The claims `lam_h_drives_far` and `lam_w_not_far` extend
#   the paper's near-collapse insight to the anchors of the first part; the paper derives the
#   insight near collapse only, and these claims show how far it reaches.
