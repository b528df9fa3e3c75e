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
# $\widetilde{NC}_1 = \mathrm{Tr}\,\Sigma_W / \mathrm{Tr}\,\Sigma_B$ strictly decreases, while
# $e^{2\lambda_H t}\,\mathrm{Tr}\,\Sigma_W$ decreases and $e^{2\lambda_H t}\,\mathrm{Tr}\,\Sigma_B$
# increases (Theorem 3.1); (ii) hence, for large enough $\beta$, the minimiser has smaller
# $\widetilde{NC}_1$ than $H_0$, because it is one implicit gradient step of length $1/\beta$
# (Corollary 3.2); (iii) near a collapsed $H_0$ the minimiser moves linearly with the perturbation
# of $H_0$, through an explicit matrix $F$ (Theorem 4.1), whose class blocks have closed-form
# extreme singular values (Theorem 4.2): feature regularisation $\lambda_H$ attenuates within-class
# deviations, classifier regularisation $\lambda_W$ does not.
#
# **This chapter checks**, with thresholds fixed before running (the 10 % tolerances follow the
# catalog's suggested check; the slopes are the orders of the paper's error terms):
# 1. **Flow (Thm 3.1).** Integrating the flow (RK4) from random-ReLU features of scikit-learn
#    digits, for 3 anchors $H_0$ and 3 settings $(\lambda_W, \lambda_H)$: $\widetilde{NC}_1$
#    decreases at every step, $e^{2\lambda_H t}\mathrm{Tr}\,\Sigma_W$ never increases,
#    $e^{2\lambda_H t}\mathrm{Tr}\,\Sigma_B$ increases at every step.
# 2. **Reduction at the minimiser (Cor 3.2).** $\widetilde{NC}_1(H_{1/\beta}) < \widetilde{NC}_1(H_0)$
#    for every $\beta \in \{1, 3, \dots, 1000\}$, anchor and setting.
# 3. **Closeness to collapse is governed by $\beta$.** $\widetilde{NC}_1(H_{1/\beta})$ strictly
#    increases with $\beta$ along that grid (smaller vicinity, less collapse), in every case.
# 4. **First order in $1/\beta$.** At $\beta = 1000$ the measured reduction
#    $\widetilde{NC}_1(H_{1/\beta}) - \widetilde{NC}_1(H_0)$ is within 10 % of the flow's
#    prediction $\beta^{-1}\, \tfrac{d}{dt}\widetilde{NC}_1(H_t)|_{t=0}$, in every case.
# 5. **Linear response near collapse (Thm 4.1).** For $H_0 = H^* + \delta E$ around a collapsed
#    minimiser, the change the optimisation makes, $\delta H - \delta H_0$, is predicted by
#    $(F - I)\,\mathrm{vec}(\delta H_0)$ with relative error $\le 10\,\%$ for every
#    $\delta \le 0.1$, and the error shrinks like $\delta$ (log-log slope in $[0.8, 1.2]$); the
#    large-$\beta$ form of $F$ (Eq. 5) differs from the exact one by $O(\beta^{-2})$ (slope in
#    $[-2.2, -1.8]$).
# 6. **Spectrum of the response (Thm 4.2).** The class blocks of Eq. 5's matrix have
#    $\sigma_{\max}(F_{kk}) = 1$, $\sigma_{\min}(F_{kk}) = 1 - \beta^{-1}\sqrt{\lambda_H/\lambda_W}$,
#    rank-one $F_{k\tilde k}$ with $\sigma_{\max} = 2\beta^{-1}\lambda_H(1-\sqrt{\lambda_H\lambda_W})$
#    (to $10^{-9}$), and the exact response's attenuations $1-\sigma_{\min}(F_{kk})$ and
#    $\sigma_{\max}(F_{k\tilde k})$ are within 10 % of these formulas at $\beta = 100$.
# 7. **Which regularisation drives collapse.** Near collapse, the relative reduction of
#    $\widetilde{NC}_1$ by the minimiser strictly increases with $\lambda_H$ (fixed $\lambda_W$) and
#    strictly decreases with $\lambda_W$ (fixed $\lambda_H$), averaged over perturbation draws.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
n_anchors = 3  # random feature maps H0 of the digits per run (claims 1-4)
delta_grid = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1]  # sizes of the perturbation from collapse (claim 5)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

import repro
from repro.book.claims import below
from repro.book.params import ParameterError, check_int
from repro.book.progress import progress
from repro.papers.theory import anchored_ufm as au

run = repro.setup(scale, seed, device)
check_int("n_anchors", n_anchors, minimum=1, maximum=20)
if not (isinstance(delta_grid, list) and len(delta_grid) >= 3
        and all(isinstance(x, float) and 0 < x <= 0.1 for x in delta_grid)
        and delta_grid == sorted(delta_grid)):
    raise ParameterError("delta_grid must be an increasing list of >= 3 floats in (0, 0.1]")

# sizes of the digits experiment (claims 1-4) and of the near-collapse experiment (claims 5-7)
K_DIG, N_DIG, D_DIG = 10, run.pick(20, 50), run.pick(32, 64)
SETTINGS = [(0.01, 0.0), (0.01, 0.01), (0.1, 0.01)]  # (lambda_W, lambda_H); Thm 3.1 needs lambda_W > 0
BETAS = np.array([1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0])
T_MAX, STEPS = 20.0, run.pick(400, 1000)
K_NC, N_NC, D_NC = 4, run.pick(10, 20), run.pick(10, 16)  # the paper's Figure 1 uses K=4, n=10, d=10
BETA_NC, LW_NC, LH_NC = 100.0, 0.5, 0.2
print(f"digits: K={K_DIG}, n={N_DIG} per class, d={D_DIG}, {n_anchors} anchors x {len(SETTINGS)} settings; "
      f"near collapse: K={K_NC}, n={N_NC}, d={D_NC}, beta={BETA_NC:g}")

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
# the minimisers $H_{1/\beta}$ by L-BFGS started at $H_0$ (gradient norm $\lesssim 10^{-8}$).

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
cases = []
for a, H0 in enumerate(progress(anchors, desc="anchors")):
    for lam_w, lam_h in SETTINGS:
        p = au.Problem(K_DIG, N_DIG, lam_w, lam_h)
        ts, Hs = au.central_path_flow(H0, p, T_MAX, STEPS)
        traces = np.array([au.scatter_traces(H, p.labels) for H in Hs])
        nc_flow = traces[:, 0] / traces[:, 1]
        nc_min = np.array([au.nc1_trace(au.minimise(H0, au.Problem(K_DIG, N_DIG, lam_w, lam_h, b)), p.labels)
                           for b in BETAS])
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
bx.axhspan(0.9, 1.1, color="0.85", label="claim 4 band (at beta = 1000)")
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
# $\lambda_H$ grows at fixed $\lambda_W$ and while $\lambda_W$ grows at fixed $\lambda_H$ (each
# setting has its own collapsed $H^*$, perturbed by Gaussian matrices $E$ of the same relative size;
# the reduction is averaged over 5 draws of $E$ at quick scale).

# %%
LH_GRID, LW_GRID = [0.05, 0.1, 0.2, 0.4], [0.25, 0.5, 1.0, 2.0]
N_DRAWS = run.pick(5, 20)  # perturbations E averaged per setting
spec_rows, spectra = [], {}
formula_err, rank_err, attn_rel = 0.0, 0.0, 0.0
grid = [(LW_NC, lh) for lh in LH_GRID] + [(lw, LH_NC) for lw in LW_GRID if lw != LW_NC]
reduction = {}
for lw, lh in progress(grid, desc="regularisation grid"):
    p = au.Problem(K_NC, N_NC, lw, lh, BETA_NC)
    W, H = au.collapsed_minimiser(D_NC, p, run.rng)
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
    for _ in range(N_DRAWS):
        E_ = run.rng.standard_normal(H.shape)
        H0 = H + 1e-2 * E_ * np.linalg.norm(H) / np.linalg.norm(E_)
        _, H_opt = au.joint_newton(W, H, H0, p)
        drops.append(1 - au.nc1_trace(H_opt, p.labels) / au.nc1_trace(H0, p.labels))
    reduction[(lw, lh)] = np.mean(drops)
    spec_rows.append(f"| {lw:g} | {lh:g} | {1 - th['intra_min']:.2e} | {1 - sx.min():.2e} | "
                     f"{th['inter_max']:.2e} | {ox[0]:.2e} | {reduction[(lw, lh)]:.2e} |")
print("| lambda_W | lambda_H | 1 - sigma_min(F_kk) theorem | exact F | sigma_max(F_kj) theorem | exact F | "
      "NC1~ reduction |\n|---|---|---|---|---|---|---|\n" + "\n".join(spec_rows))
red_lh = [reduction[(LW_NC, lh)] for lh in LH_GRID]
red_lw = [reduction[(lw, LH_NC)] for lw in LW_GRID]

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
    s = spectra[(LW_NC, lh)]
    line, = cx.plot(np.arange(1, len(s) + 1), s, label=rf"$\lambda_H={lh:g}$")
    cx.axhline(1 - np.sqrt(lh / LW_NC) / BETA_NC, color=line.get_color(), ls="--", lw=1)
cx.set(xlabel="index", ylabel=r"singular values of $F_{kk}$ (exact)",
       title=rf"Intra-class block, $\lambda_W={LW_NC:g}$, $\beta={BETA_NC:g}$ (dashed: Thm 4.2 min)")
cx.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
flow_nc_ok = all(np.all(np.diff(c["nc_flow"]) < 0) for c in cases)
flow_sw_ok = all(np.all(np.diff(c["sw"]) <= 0) for c in cases)
flow_sb_ok = all(np.all(np.diff(c["sb"]) > 0) for c in cases)
nc_drop = max(c["nc_flow"][-1] / c["nc_flow"][0] for c in cases)
reduced = all(np.all(c["nc_min"] < c["nc_flow"][0]) for c in cases)
worst_reduction = max(np.max(c["nc_min"] / c["nc_flow"][0]) for c in cases)
monotone = all(np.all(np.diff(c["nc_min"]) > 0) for c in cases)
first_order = ratios[:, -1]

claims = repro.Claims()
claims.add(
    "Along the central-path gradient flow NC1~ strictly decreases, e^{2 lam_H t} Tr S_W decreases, "
    "e^{2 lam_H t} Tr S_B increases (Thm 3.1)",
    measured={"cases": str(len(cases)), "steps each": str(STEPS),
              "NC1~ decreasing at every step": str(flow_nc_ok), "S_W term non-increasing": str(flow_sw_ok),
              "S_B term increasing": str(flow_sb_ok), "largest NC1~(t=20)/NC1~(0)": f"{nc_drop:.2f}"},
    criterion="all three monotonicities hold at every RK4 step, in every case",
    passed=flow_nc_ok and flow_sw_ok and flow_sb_ok)
claims.add(
    "The minimiser of the anchored UFM has smaller within-class variability than the anchor H0 (Cor 3.2)",
    measured={"largest NC1~(H_1/beta)/NC1~(H0)": f"{worst_reduction:.3f}"},
    criterion="NC1~(H_1/beta) < NC1~(H0) for every beta in 1..1000, anchor and setting",
    passed=reduced)
claims.add(
    "The larger beta (the smaller the vicinity of H0), the less collapsed the minimiser",
    measured={"NC1~ strictly increasing in beta in all cases": str(monotone)},
    criterion="NC1~(H_1/beta) strictly increases along beta = 1, 3, ..., 1000 in every case",
    passed=monotone)
claims.add(
    "For large beta the reduction is one gradient-flow step of length 1/beta (first order)",
    measured={"measured/predicted at beta=1000, min": f"{first_order.min():.2f}",
              "max": f"{first_order.max():.2f}"},
    criterion="every ratio in [0.9, 1.1]",
    passed=bool(np.all(np.abs(first_order - 1) <= 0.1)))
claims.add(
    "Near collapse the minimiser responds linearly to the anchor's perturbation (Thm 4.1, Eq. 5)",
    measured={"max rel. error, delta<=0.1": f"{lin_err.max():.0e}", "slope in delta": f"{slope_delta:.1f}",
              "slope of Eq.5 gap in beta": f"{slope_beta:.1f}"},
    criterion="rel. error of (F-I) dH0 vs dH-dH0 <= 0.10 for every delta, slope in [0.8, 1.2]; "
              "Eq.5 gap slope in [-2.2, -1.8]",
    passed=bool(lin_err.max() <= 0.1 and 0.8 <= slope_delta <= 1.2 and -2.2 <= slope_beta <= -1.8))
claims.add(
    "Class blocks of the response have the closed-form extreme singular values of Thm 4.2",
    measured={"Eq.5 vs formulas": below(formula_err, 1e-9), "inter-class sigma_2/sigma_1": below(rank_err, 1e-9),
              "exact F vs formulas (attenuations), max rel. dev.": f"{attn_rel:.3f}"},
    criterion="Eq.5 blocks match to <= 1e-9 and are rank one (sigma_2/sigma_1 <= 1e-9); "
              "exact-F attenuations within 10 % at beta = 100",
    passed=formula_err <= 1e-9 and rank_err <= 1e-9 and attn_rel <= 0.1)
claims.add(
    "Feature regularisation lam_H drives (near-)collapse, classifier regularisation lam_W does not",
    measured={"NC1~ reduction vs lam_H=" + "/".join(f"{v:g}" for v in LH_GRID): [f"{v:.1e}" for v in red_lh],
              "vs lam_W=" + "/".join(f"{v:g}" for v in LW_GRID): [f"{v:.1e}" for v in red_lw]},
    criterion="reduction strictly increasing in lam_H and strictly decreasing in lam_W",
    passed=bool(np.all(np.diff(red_lh) > 0) and np.all(np.diff(red_lw) < 0)))
claims.report()

# %% [markdown]
# ## Verdict
#
# All seven checks reproduce. Along the regularised central-path flow, started from random-ReLU
# features of the digits that are far from collapsed, $\widetilde{NC}_1$ falls at every one of
# the integration steps in every case, and the two trace statements of Theorem 3.1 hold exactly
# as stated. The minimiser of the anchored model is always less variable within classes than its
# anchor, on the whole grid $\beta \in [1, 1000]$, not only for the "large enough" $\beta$ that
# Corollary 3.2 guarantees, and the closer the minimiser must stay to the anchor (larger $\beta$),
# the less it collapses. At $\beta = 1000$ the reduction agrees with one flow step of length
# $1/\beta$ to about a percent; the right panel of the first figure shows how the agreement
# degrades for small $\beta$, where the minimiser is a long *implicit* step.
#
# Near collapse, Theorem 4.1's linear response predicts what the optimisation does to a perturbed
# anchor with an error that shrinks in proportion to the perturbation (the second-order
# remainder), and its large-$\beta$ form Eq. 5 is off by $O(\beta^{-2})$, as stated. Theorem
# 4.2's singular values are exact for Eq. 5's matrix and within a few percent of the exact response
# at $\beta = 100$. The consequence the paper draws is visible on actual minimisers: raising the
# feature regulariser $\lambda_H$ increases the within-class reduction, while raising the classifier
# regulariser $\lambda_W$ decreases it.
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
#   (weight-decay study). We test the theory directly on the model: part 1 uses random-ReLU
#   features of scikit-learn's digits as far-from-collapse anchors, part 2 uses the paper's own
#   near-collapse construction with the sizes of its Figure 1 at quick scale ($K = 4$, $n = d = 10$,
#   $\beta = 100$). The deep-network experiments (the analogy of $\lambda_H$ with weight decay of
#   the feature layers) are not reproduced; they would need GPU training of ResNets.
# * **Flow and minimisers.** The flow is integrated with RK4 (step $0.05$ at quick scale) rather
#   than analysed in continuous time; minimisers far from collapse come from L-BFGS started at
#   $H_0$ (a local minimiser reached from the anchor, which is what the implicit-step view
#   describes), near collapse from Newton's method at round-off accuracy.
# * **Claims 3 and 7** are consequences the paper discusses (closeness to collapse governed by the
#   hyperparameters, Theorem 4.2's insight) rather than theorems; we test them on minimisers.
