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
# # Even your Teacher Needs Guidance: Ground-Truth Targets Dampen Regularization Imposed by Self-Distillation
#
# {cite}`borup2021even` · [paper (NeurIPS 2021)](https://proceedings.neurips.cc/paper/2021/hash/2adcefe38fbcd3dcd45908fbab1bf628-Abstract.html)
# · [arXiv:2102.13088](https://arxiv.org/abs/2102.13088)
# · [authors' code](https://github.com/Kennethborup/self_distillation)
#
# Self-distillation retrains a model on its own predictions. In kernel ridge regression,
# {cite}`mobahi2020self` showed that doing this repeatedly is extra regularisation that, step
# after step, shrinks the fit to zero. Borup and Andersen put the ground-truth labels back into
# the targets of every step, with weight $\alpha$. They show that the whole procedure then has a
# closed form, that its limit is ordinary kernel ridge regression with a *bounded* amount of
# extra regularisation, and that the best $\alpha$ for a step can be computed rather than searched for.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** In kernel ridge regression (KRR) where step $t$ refits the model to
# $\alpha y + (1-\alpha) f_{t-1}(X)$, keeping a weight $\alpha > 0$ on the ground-truth labels is
# what keeps self-distillation useful: (i) every distilled solution is an explicit function of
# the initial fit, so no intermediate model has to be trained; (ii) infinitely many steps give
# the original problem with the ridge amplified from $\lambda$ to $\lambda/\alpha$, which is finite
# for every $\alpha > 0$, whereas $\alpha = 0$ collapses to the zero function; (iii) the weight
# $\alpha$ that minimises a squared-error criterion at a step has a closed form that replaces a grid
# search. The practical promise is that a distillation step with that weight generalises better
# than its teacher.
#
# **This chapter tests**, on the authors' noisy 1-D sine toy problem and on scikit-learn's
# diabetes data; each synthetic data set and each diabetes split is one run, and every comparison
# is paired within runs:
# * *headline*: the practical promise, against the baseline that could win. One step with the
#   closed-form $\alpha^*$ (chosen on a validation set) is compared with the step-0 fit whose ridge
#   is tuned on the same validation set: both spend the validation data on one number, so the
#   comparison asks whether distillation buys more than ridge tuning does;
# * *supporting*: one $\alpha^*$ step beats its own teacher (same ridge); pure self-distillation
#   ($\alpha = 0$) over-regularises after $T$ steps; ground-truth weighting ends below it;
# * *sanity checks* (theorems of our derivation, so they hold if the code is right): (i)-(iii) above.
#
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
LEGACY = "mean test MSE compared without an interval (legacy report, seed 0, quick scale)"
WHY_PAIRED = "the claim rules: a paired 95% interval over independent data sets / splits"
claims.declare(
    "beats_tuned_teacher", kind="headline",
    statement=("One self-distillation step with the closed-form ground-truth weight alpha* (chosen on "
               "the validation set) has a lower test MSE than the step-0 KRR fit with its ridge tuned "
               "on the same validation set, on the synthetic toy problem and on diabetes"),
    metric="test MSE after one alpha* step (fixed ridge)",
    paired_with="test MSE of the step-0 fit with validation-tuned ridge",
    better="lower", margin=0.0, fmt="{:+.3f}",
    changed=repro.Change(
        what="headline added: one alpha* step vs the step-0 fit with its ridge tuned on the validation set",
        was="no headline; the legacy run printed this baseline's mean test MSE as context only",
        why="the claim rules ask for the paper's central promise against a baseline that could win; "
            "the validation-tuned ridge uses the same validation data and was chosen as the "
            "stronger baseline, not by which one passes"))
claims.declare(
    "one_step_beats_teacher", kind="supporting",
    statement=("One step with the validation-chosen alpha* lowers the test MSE of its teacher, the "
               "step-0 fit at the same ridge, on both data families"),
    metric="test MSE after one alpha* step", paired_with="test MSE of the step-0 fit (same ridge)",
    better="lower", margin=0.0, fmt="{:+.3f}",
    changed=repro.Change(what="criterion", was="mean test MSE after step 1 <= step 0, " + LEGACY,
                         why=WHY_PAIRED))
claims.declare(
    "pure_sd_overregularises", kind="supporting",
    statement=("Without ground truth (alpha = 0), T distillation steps (T = the parameter `steps`) "
               "over-regularise: the test MSE ends above that of the step-0 fit, on both data families"),
    metric="test MSE after T steps with alpha = 0", paired_with="test MSE of the step-0 fit",
    better="higher", margin=0.0, fmt="{:+.3f}",
    changed=repro.Change(what="criterion", was="mean step-T MSE with alpha = 0 > mean step-0 MSE, " + LEGACY,
                         why=WHY_PAIRED))
claims.declare(
    "ground_truth_dampens", kind="supporting",
    statement=("Weighting the ground truth (alpha*_t chosen at every step) dampens the over-"
               "regularisation: after T steps its test MSE is below that of pure self-distillation, "
               "on both data families"),
    metric="test MSE after T steps with alpha*_t", paired_with="test MSE after T steps with alpha = 0",
    better="lower", margin=0.0, fmt="{:+.3f}",
    changed=repro.Change(what="criterion", was="mean step-T MSE of the alpha* path < that of alpha = 0, "
                         + LEGACY, why=WHY_PAIRED))
claims.declare(
    "closed_form", kind="sanity",
    statement="Every distilled solution follows in closed form from the initial fit (one eigendecomposition)",
    metric=("max relative error, closed form vs step-by-step retraining, steps 0..T, alpha in "
            "{0, 0.35, 0.7}, train and test predictions (printed as 1e-12 when below)"),
    better="lower", margin=1e-8, fmt="{:.0e}", deterministic=True)
claims.declare(
    "amplified_ridge_limit", kind="sanity",
    statement="Infinitely many steps give KRR with the ridge amplified to lambda/alpha",
    metric=("max relative error, retrained limit vs KRR with ridge lambda/alpha, alpha in {0.35, 0.7} "
            "(printed as 1e-12 when below)"),
    better="lower", margin=1e-6, fmt="{:.0e}", deterministic=True)
claims.declare(
    "alpha_star_vs_grid", kind="sanity",
    statement="The closed-form per-step alpha* matches a 101-point grid search on the same criterion",
    metric="max |closed-form alpha* - grid-search alpha| over every step checked (grid step 0.01)",
    better="lower", margin=0.01, fmt="{:.1g}", deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
steps = 10  # distillation steps after the step-0 fit
alpha_fixed = 0.35  # the fixed ground-truth weight of the authors' toy example

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FormatStrFormatter
from IPython.display import Markdown
from myst_nb import glue

from repro.papers.kernels import self_distillation as sd
from repro.data.datasets import diabetes, regression_1d
from repro.gp.kernels import EigenKRR, krr_fit_predict, rbf_kernel
from repro.stats.metrics import relative_error
from repro.book.params import check_float, check_int
from repro.book.progress import progress

run = repro.setup(scale, seed, device)
check_int("steps", steps, minimum=2, maximum=100)
check_float("alpha_fixed", alpha_fixed, minimum=0.01, maximum=0.99)

R_SYN = run.pick(400, 4000)  # synthetic data sets
R_DIA = run.pick(100, 400)  # random train/validation/test splits of diabetes
N_GRID_SETS = run.pick(5, 50)  # data sets on which the grid search of `alpha_star_vs_grid` is run
GRID = np.linspace(0.0, 1.0, 101)  # grid step 0.01
LAM_FACTORS = np.logspace(-2, 1.5, run.pick(15, 36))  # ridge grid (x the default ridge), includes 1
print(f"{R_SYN} synthetic data sets, {R_DIA} diabetes splits, {steps} distillation steps")

# %% [markdown]
# ## Method: self-distillation is a spectral filter
#
# ### One step
# KRR with Gram matrix $K = k(X, X)$ and ridge $\lambda$ fits targets $z \in \mathbb{R}^n$ with
# $f(x) = k(x, X)(K + \lambda I)^{-1} z$. Step 0 fits the labels, $f_0$ with $z_0 = y$. Step
# $t \ge 1$ keeps the kernel and $\lambda$ and minimises
#
# $$
# \alpha \lVert y - f(X) \rVert^2 + (1-\alpha) \lVert f_{t-1}(X) - f(X) \rVert^2 + \lambda \lVert f \rVert_{\mathcal H}^2 .
# $$
#
# The two squared errors add up to $\lVert z_t - f(X) \rVert^2$ plus a constant, with
# $z_t = \alpha y + (1-\alpha) f_{t-1}(X)$: a step is plain KRR on mixed targets. $\alpha = 1$
# returns $f_0$; $\alpha = 0$ is pure self-distillation.
#
# ### Closed form
# Write $K = V \operatorname{diag}(d) V^\top$ and $a_i = d_i / (d_i + \lambda)$, so that a fit to
# targets $z$ has training predictions $V \operatorname{diag}(a) V^\top z$. In eigen-coordinates
# $\hat z = V^\top z$ the targets evolve one coordinate at a time,
# $\hat z_t = \alpha \hat y + (1-\alpha)\, a \odot \hat z_{t-1}$, and unrolling gives
# $\hat z_t = s_t \odot \hat y$ with
#
# $$
# s_t = \alpha \sum_{k=0}^{t-1} m^k + m^t = \alpha\,\frac{1 - m^t}{1 - m} + m^t, \qquad m = (1-\alpha)\, a .
# $$
#
# Hence the step-$t$ solution is a reweighting of the initial fit, computed without training steps
# $1, \dots, t-1$:
#
# $$
# f_t(X) = V \operatorname{diag}(s_t) V^\top f_0(X) = V \operatorname{diag}(a \odot s_t) V^\top y,
# \qquad f_t(x) = k(x, X)\, V \operatorname{diag}\!\Big(\frac{s_t}{d + \lambda}\Big) V^\top y .
# $$
#
# The diagonal $a \odot s_t$ is the paper's matrix $B^{(t)}$; it obeys the recursion
# $B^{(t)} = A\big(\alpha I + (1-\alpha) B^{(t-1)}\big)$ with $A = \operatorname{diag}(a)$ that the
# authors' toy notebook iterates. Since $s_t - s_{t-1} = -m^{t-1} (1-\alpha)(1-a) \le 0$, every step
# shrinks every eigen-direction a little more, small-eigenvalue (wiggly) directions the most.
#
# ### The limit: amplified, but bounded, regularisation
# For $\lambda > 0$, $0 \le m < 1$, so $s_t \to \alpha/(1-m)$ and, using
# $(d + \lambda)(1 - m) = \alpha d + \lambda$,
#
# $$
# a \odot s_\infty = \frac{\alpha d}{\alpha d + \lambda} = \frac{d}{d + \lambda/\alpha} :
# $$
#
# infinitely many steps give KRR with ridge $\lambda / \alpha$. For $\alpha = 0$ the filter is
# $a^{t+1} \to 0$, the collapse found by {cite}`mobahi2020self`; any weight on the ground truth
# stops it at a finite ridge. That is the "dampening" of the title.
#
# ### The optimal weight
# KRR is linear in its targets, so the step-$t$ student is affine in $\alpha$:
# $f_t = \alpha\, p_1 + (1-\alpha)\, p_0$, where $p_1 = f_0$ is the fit to the labels and $p_0$ the
# fit to the teacher $f_{t-1}(X)$ alone. For reference targets $r$ at evaluation inputs $E$, the
# squared error $\lVert r - f_t(E) \rVert^2$ is a convex quadratic in $\alpha$ with minimiser
#
# $$
# \alpha_t^* = \frac{\langle r - p_0(E),\; p_1(E) - p_0(E) \rangle}{\lVert p_1(E) - p_0(E) \rVert^2},
# $$
#
# clipped to $[0, 1]$ (clipping a convex quadratic's minimiser gives the constrained minimiser).
# Two fits per step replace one fit per grid point. *Which* data $r$ lives on matters: on the
# training labels themselves $\alpha^* \ge 1$ always (in eigen-coordinates every component of the
# training residual, $(1-a) + a(1-\alpha)(1 - a\, s_{t-1})$, is non-negative and decreasing in
# $\alpha$), so the training data never ask for distillation. We therefore measure the criterion on
# a held-out validation set, as a practitioner would, and choose $\alpha^*_t$ greedily, one step at
# a time.
#
# The implementation is this book's module `src/repro/papers/kernels/self_distillation.py` (unit tests in
# `tests/papers/kernels/test_self_distillation.py`); its two key functions:

# %%
print(inspect.getsource(sd.target_weights))
print(inspect.getsource(sd.optimal_alpha))

# %% [markdown]
# ## Data and settings
#
# ```{admonition} Settings (taken from the authors' notebook and from scikit-learn's defaults, not tuned)
# :class: note
# * **Synthetic** (the authors' toy problem): $y = \sin(2\pi x) + \varepsilon$, $\varepsilon \sim N(0, 0.5^2)$,
#   11 training points on $[0, 1]$; RBF kernel with $\gamma = 80$ (length scale $1/\sqrt{160}$),
#   $\lambda = 0.2$, fixed weight $\alpha = 0.35$: the values in the authors' notebook. The
#   validation set for $\alpha^*$ is 11 more noisy points; the test MSE is measured against the
#   noise-free sine on a grid of 400 points.
# * **Diabetes** (scikit-learn, 442 patients, 10 standardised features, standardised target):
#   30 % test; of the rest, one third validation, two thirds training. RBF kernel and ridge at
#   scikit-learn's `KernelRidge` defaults ($\gamma = 1/10$, i.e. length scale $\sqrt 5$; $\lambda = 1$).
# * Means are over many data sets (synthetic) or random splits (diabetes); the error bars are
#   standard errors of those means. The claims use paired 95% intervals over the same runs.
# ```

# %%
SINE = lambda x: np.sin(2 * np.pi * x)  # noqa: E731
SYN = dict(n=11, noise=0.5, lengthscale=1 / np.sqrt(160), lam=0.2)
DIA = dict(lengthscale=np.sqrt(5.0), lam=1.0)
X_GRID = np.linspace(0, 1, 400)[:, None]


def synthetic_task(rng):
    """Training, validation and test arrays of one draw of the toy problem."""
    X, y = regression_1d(SYN["n"], SINE, SYN["noise"], 0.0, 1.0, rng)
    Xv, yv = regression_1d(SYN["n"], SINE, SYN["noise"], 0.0, 1.0, rng)
    ls = SYN["lengthscale"]
    return dict(K=rbf_kernel(X, X, ls), y=y, Kv=rbf_kernel(Xv, X, ls), yv=yv,
                Kt=rbf_kernel(X_GRID, X, ls), yt=SINE(X_GRID[:, 0]), lam=SYN["lam"])


def diabetes_task(split_seed):
    """One random train / validation / test split of diabetes."""
    Xtr, ytr, Xte, yte = diabetes(seed=split_seed, test_fraction=0.3)
    nv = len(Xtr) // 3
    X, y, Xv, yv = Xtr[nv:], ytr[nv:], Xtr[:nv], ytr[:nv]
    ls = DIA["lengthscale"]
    return dict(K=rbf_kernel(X, X, ls), y=y, Kv=rbf_kernel(Xv, X, ls), yv=yv,
                Kt=rbf_kernel(Xte, X, ls), yt=yte, lam=DIA["lam"])


syn_tasks = [synthetic_task(run.rng) for _ in range(R_SYN)]
dia_tasks = [diabetes_task(10**6 * seed + r) for r in range(R_DIA)]
TASKS = {"synthetic": syn_tasks, "diabetes": dia_tasks}
print(f"diabetes: {len(dia_tasks[0]['y'])} train, {len(dia_tasks[0]['yv'])} validation, "
      f"{len(dia_tasks[0]['yt'])} test")

# %% [markdown]
# ## Closed form against retraining (sanity checks `closed_form`, `amplified_ridge_limit`)
#
# On the first data set of each kind we run distillation literally, refitting KRR by a Cholesky
# solve at every step, for $\alpha \in \{0, 0.35, 0.7\}$, and compare training and test predictions
# of every step with the closed form, which uses one eigendecomposition and no intermediate fits.
# For the limit we retrain until $(1-\alpha)^t < 10^{-14}$ (the slowest eigen-direction contracts
# by less than $1-\alpha$ per step) and compare with KRR fitted once with ridge $\lambda/\alpha$. As
# a contrast that shows the check can tell ridges apart, we also print the distance to KRR with
# the original $\lambda$.

# %%
closed_err, limit_err, limit_vs_plain = {}, {}, {}
for name, tasks in TASKS.items():
    task = tasks[0]
    K, y, Kt, lam = task["K"], task["y"], task["Kt"], task["lam"]
    eig = EigenKRR(K)
    errs = []
    for alpha in (0.0, alpha_fixed, 0.7):
        train, test = sd.iterate_distillation(K, y, lam, [alpha] * steps, Kt)
        for t in range(steps + 1):
            c_train, c_test = sd.closed_form_fit(eig, y, lam, alpha, t, Kt)
            errs += [relative_error(c_train, train[t]), relative_error(c_test, test[t])]
    closed_err[name] = max(errs)
    errs, contrast = [], []
    for alpha in (alpha_fixed, 0.7):
        t_inf = int(np.ceil(np.log(1e-14) / np.log(1 - alpha)))
        _, test = sd.iterate_distillation(K, y, lam, [alpha] * t_inf, Kt)
        amplified = krr_fit_predict(K, y, Kt, lam / alpha)
        errs.append(relative_error(test[-1], amplified))
        contrast.append(relative_error(test[-1], krr_fit_predict(K, y, Kt, lam)))
    limit_err[name], limit_vs_plain[name] = max(errs), min(contrast)
    print(f"{name:9s}: closed form vs retraining {closed_err[name]:.1e}; limit vs KRR(lam/alpha) "
          f"{limit_err[name]:.1e}; limit vs KRR(lam) {limit_vs_plain[name]:.2f}")

# %% [markdown]
# The figure shows what the closed form says, on the authors' design of 11 equally spaced noisy
# points. Left: pure self-distillation ($\alpha = 0$) flattens the fit step after step, while with
# $\alpha = 0.35$ the fits settle on KRR with ridge $\lambda/\alpha$. Right: the filter
# $a \odot s_t$ applied to each eigen-direction (lines: closed form; dots: the ratio
# $(V^\top f_t(X))_i / (V^\top y)_i$ measured on the retrained fits). With $\alpha = 0$ the filter
# keeps sinking towards zero; with $\alpha = 0.35$ it stops at the dashed limit.

# %%
# the authors' exact design for the picture: 11 equally spaced inputs
X = np.linspace(0, 1, SYN["n"])[:, None]
y = SINE(X[:, 0]) + SYN["noise"] * run.rng.standard_normal(SYN["n"])
lam, ls = SYN["lam"], SYN["lengthscale"]
K, Kt = rbf_kernel(X, X, ls), rbf_kernel(X_GRID, X, ls)
eig = EigenKRR(K)
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
ax.plot(X_GRID[:, 0], SINE(X_GRID[:, 0]), color="0.6", lw=1, label=r"true $\sin(2\pi x)$")
ax.scatter(X[:, 0], y, color="k", marker="x", zorder=3, label="training data")
_, f0 = sd.closed_form_fit(eig, y, lam, 1.0, 0, Kt)
ax.plot(X_GRID[:, 0], f0, color="C0", label=r"$f_0$ (KRR, $\lambda$)")
for alpha, color in ((0.0, "C1"), (alpha_fixed, "C2")):
    _, ft = sd.closed_form_fit(eig, y, lam, alpha, steps, Kt)
    ax.plot(X_GRID[:, 0], ft, color=color, label=rf"$f_{{{steps}}}$, $\alpha={alpha:g}$")
ax.plot(X_GRID[:, 0], krr_fit_predict(K, y, Kt, lam / alpha_fixed), "--", color="C2",
        label=rf"KRR with $\lambda/\alpha$ ($\alpha={alpha_fixed:g}$)")
ax.set(xlabel="x", ylabel="f(x)", title="Fits on 11 equally spaced noisy points", ylim=(-2, 2))
ax.legend(fontsize=8, ncol=2, loc="lower left")

order = np.argsort(eig.d)[::-1]
d, y_hat = eig.d[order], (eig.V.T @ y)[order]
for alpha, color, ts in ((0.0, "C1", (1, 3, steps)), (alpha_fixed, "C2", (1, 3, steps))):
    train = sd.iterate_distillation(K, y, lam, [alpha] * steps)
    for t, style in zip(ts, (":", "-.", "-")):
        bx.plot(d, sd.spectral_filter(d, lam, alpha, t), style, color=color,
                label=rf"$\alpha={alpha:g}$, $t={t}$")
        bx.plot(d, (eig.V.T @ train[t])[order] / y_hat, "o", ms=3, color=color)
bx.plot(d, d / (d + lam), color="C0", label=r"$t=0$")
bx.plot(d, sd.limit_filter(d, lam, alpha_fixed), "k--", lw=1, label=rf"$t=\infty$, $\alpha={alpha_fixed:g}$")
bx.set(xlabel=r"eigenvalue $d_i$ of $K$", ylabel=r"filter $a_i s_{t,i}$",
       title="Per-direction shrinkage (lines: closed form, dots: retrained)")
bx.legend(fontsize=8, ncol=2)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The optimal weight against a grid search (sanity check `alpha_star_vs_grid`)
#
# Along the path that uses $\alpha^*_t$ at every step, we redo each step's choice by brute force:
# refit the student for each of the 101 values $\alpha \in \{0, 0.01, \dots, 1\}$ and keep the one
# with the smallest validation squared error, the same criterion the closed form minimises.

# %%
alpha_gap, n_checked, n_clipped = 0.0, 0, 0
table = []
for name, tasks in TASKS.items():
    for i, task in enumerate(progress(tasks[:N_GRID_SETS], desc=f"grid search, {name}")):
        K, y, lam = task["K"], task["y"], task["lam"]
        eig = EigenKRR(K)
        alphas, train = sd.distill_optimal(eig, y, lam, steps, task["Kv"], task["yv"])
        for t in range(1, steps + 1):
            best, _ = sd.grid_search_alpha(K, y, train[t - 1], lam, task["Kv"], task["yv"], GRID)
            alpha_gap = max(alpha_gap, abs(best - alphas[t - 1]))
            n_checked += 1
            n_clipped += alphas[t - 1] in (0.0, 1.0)
            if i == 0 and t <= 3:
                table.append(f"| {name} | {t} | {alphas[t - 1]:.3f} | {best:.2f} |")
print("| data | step | closed-form alpha* | grid alpha |\n|---|---|---|---|\n" + "\n".join(table))
print(f"\n{n_checked} steps checked, largest |closed form - grid| = {alpha_gap:.3f}; "
      f"{n_clipped} of them at the boundary 0 or 1")

# %% [markdown]
# ## Does the optimal weight help on test data? (headline and supporting claims)
#
# For every data set we follow three policies for $T$ steps: pure self-distillation
# ($\alpha = 0$), the authors' fixed $\alpha = 0.35$, and the greedy $\alpha^*_t$ chosen on the
# validation set at each step. Fits come from the closed form (`closed_form` checks that it equals
# retraining). The headline's baseline, the step-0 fit with its ridge tuned on the same validation
# set, picks the ridge from the grid $\lambda \times 10^{-2}, \dots, \lambda \times 10^{1.5}$
# (log-spaced, containing $\lambda$ itself), so it can always fall back to the teacher's ridge.
# Each synthetic data set and each diabetes split is one independent run; the claims pair the
# policies on the same run.

# %%
def test_mse_paths(task):
    """Test MSE per step (0..steps) of the three policies, and the alpha* path's weights."""
    K, y, lam, Kt, yt = task["K"], task["y"], task["lam"], task["Kt"], task["yt"]
    eig = EigenKRR(K)
    alphas, _, opt = sd.distill_optimal(eig, y, lam, steps, task["Kv"], task["yv"], Kt)
    out = {"optimal": ((opt - yt) ** 2).mean(1)}
    for label, alpha in (("alpha=0", 0.0), ("fixed", alpha_fixed)):
        out[label] = np.array([((sd.closed_form_fit(eig, y, lam, alpha, t, Kt)[1] - yt) ** 2).mean()
                               for t in range(steps + 1)])
    out["limit"] = ((krr_fit_predict(K, y, Kt, lam / alpha_fixed) - yt) ** 2).mean()
    _, _, tuned = sd.validation_tuned_krr(eig, y, lam * LAM_FACTORS, task["Kv"], task["yv"], Kt)
    out["tuned ridge"] = ((tuned - yt) ** 2).mean()
    return out, alphas


curves, alpha_paths = {}, {}
for name, tasks in TASKS.items():
    results = [test_mse_paths(task) for task in progress(tasks, desc=f"policies, {name}")]
    curves[name] = {k: np.array([r[0][k] for r in results]) for k in results[0][0]}
    alpha_paths[name] = np.array([r[1] for r in results])
    c = curves[name]
    print(f"{name:9s} mean test MSE: step 0 {c['optimal'][:, 0].mean():.3f} | step 1 with alpha* "
          f"{c['optimal'][:, 1].mean():.3f} (better on {np.mean(c['optimal'][:, 1] <= c['optimal'][:, 0]):.0%} "
          f"of data sets; mean alpha*_1 = {alpha_paths[name][:, 0].mean():.2f}) | step {steps}: alpha=0 "
          f"{c['alpha=0'][:, -1].mean():.3f}, alpha* {c['optimal'][:, -1].mean():.3f} | step-0 fit, "
          f"validation-tuned ridge {c['tuned ridge'].mean():.3f} (alpha* step better on "
          f"{np.mean(c['optimal'][:, 1] < c['tuned ridge']):.0%})")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
t_axis = np.arange(steps + 1)
for ax, (name, c) in zip(axes, curves.items()):
    for key, label, color in (("alpha=0", r"$\alpha=0$ (no ground truth)", "C1"),
                              ("fixed", rf"$\alpha={alpha_fixed:g}$", "C2"),
                              ("optimal", r"$\alpha^*_t$ (validation)", "C0")):
        m, se = c[key].mean(0), c[key].std(0, ddof=1) / np.sqrt(len(c[key]))
        ax.errorbar(t_axis, m, yerr=se, fmt="o-", ms=3, capsize=2, color=color, label=label)
    ax.axhline(c["optimal"][:, 0].mean(), color="0.5", lw=1, ls=":", label="step-0 fit")
    ax.axhline(c["tuned ridge"].mean(), color="C3", lw=1, ls="-.", label="step-0 fit, ridge tuned on validation")
    ax.axhline(c["limit"].mean(), color="C2", lw=1, ls="--", label=rf"limit, KRR with $\lambda/{alpha_fixed:g}$")
    ax.set(xlabel="distillation step t", ylabel="mean test MSE", title=f"{name}: test MSE per step")
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## When can distillation help at all?
#
# Every step with $\alpha < 1$ only adds shrinkage, so distillation can only help a teacher that
# is under-regularised. The sweep below repeats the step-0 fit and one $\alpha^*$ step over the
# same ridge grid as the tuned baseline (same data, one eigendecomposition per data set). This is
# context, not a claim: it shows where the gains measured above come from and how they change
# as the teacher's ridge approaches the best one.

# %%
sweep = {}
for name, tasks in TASKS.items():
    base = tasks[0]["lam"]
    mse = np.zeros((len(tasks), len(LAM_FACTORS), 2))
    for i, task in enumerate(progress(tasks, desc=f"ridge sweep, {name}")):
        eig = EigenKRR(task["K"])
        for j, lam in enumerate(base * LAM_FACTORS):
            _, _, pred = sd.distill_optimal(eig, task["y"], lam, 1, task["Kv"], task["yv"], task["Kt"])
            mse[i, j] = ((pred - task["yt"]) ** 2).mean(1)
    sweep[name] = mse.mean(0)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, (name, m) in zip(axes, sweep.items()):
    lams = TASKS[name][0]["lam"] * LAM_FACTORS
    ax.plot(lams, m[:, 0], "o-", ms=3, color="C0", label="step-0 fit")
    ax.plot(lams, m[:, 1], "s-", ms=3, color="C2", label=r"after one $\alpha^*$ step")
    ax.axvline(TASKS[name][0]["lam"], color="0.5", ls=":", lw=1, label=r"$\lambda$ used above")
    ax.axhline(curves[name]["tuned ridge"].mean(), color="C3", lw=1, ls="-.",
               label="step-0 fit, ridge tuned on validation")
    ax.set(xscale="log", yscale="log", xlabel=r"ridge $\lambda$", ylabel="mean test MSE (log scale)",
           title=f"{name}: ridge sweep")
    for axis in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
        axis(FormatStrFormatter("%.1f"))
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Results
#
# Every counted claim is recorded per data family (`setting=`), pairing the two policies on each
# synthetic data set / diabetes split; a claim passes only if it passes on both families.

# %%
for name, c in curves.items():
    claims.record("beats_tuned_teacher", method=c["optimal"][:, 1], baseline=c["tuned ridge"], setting=name)
for name, c in curves.items():
    claims.record("one_step_beats_teacher", method=c["optimal"][:, 1], baseline=c["optimal"][:, 0],
                  setting=name)
for name, c in curves.items():
    claims.record("pure_sd_overregularises", method=c["alpha=0"][:, -1], baseline=c["optimal"][:, 0],
                  setting=name)
for name, c in curves.items():
    claims.record("ground_truth_dampens", method=c["optimal"][:, -1], baseline=c["alpha=0"][:, -1],
                  setting=name)
FLOOR = 1e-12  # round-off level: smaller errors print as this, so the report is byte-stable
for name in TASKS:
    claims.record("closed_form", value=max(closed_err[name], FLOOR), setting=name)
for name in TASKS:
    claims.record("amplified_ridge_limit", value=max(limit_err[name], FLOOR), setting=name)
claims.record("alpha_star_vs_grid", value=alpha_gap)
claims.results()
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: {glue:md}`verdict_beats_tuned_teacher`.** The practical promise of the paper is that
# a self-distillation step which keeps the ground truth in its targets, with the weight given by
# the closed form, generalises better than its teacher. We asked for more than beating the
# teacher: the step's $\alpha^*$ is chosen on a validation set, so the baseline spends the same
# validation set on the ridge of the step-0 fit instead. The report gives the paired differences
# on each data family. On the toy problem the step is ahead by a wide margin compared with the
# spread over data sets. On diabetes the gain is a small fraction of the test MSE, but it is
# consistent across splits. A step's filter $a\,(\alpha + (1-\alpha)\,a)$ is not a ridge filter:
# it shrinks the small-eigenvalue directions more sharply than any change of $\lambda$ does, which
# is why tuning $\alpha$ can do something that tuning $\lambda$ cannot. The ridge sweep gives the
# limits: a step with $\alpha < 1$ only adds shrinkage, so it helps an under-regularised teacher
# a lot, and its advantage shrinks as the teacher's ridge nears the best one.
#
# **Supporting claims.** One $\alpha^*$ step against its own teacher at the same ridge:
# {glue:md}`verdict_one_step_beats_teacher`. Pure self-distillation ($\alpha = 0$)
# over-regularising after $T$ steps: {glue:md}`verdict_pure_sd_overregularises`. The
# ground-truth-weighted path ending below pure self-distillation:
# {glue:md}`verdict_ground_truth_dampens`. Without the labels every step multiplies each
# eigen-direction by $a_i < 1$ again, so the fit keeps shrinking towards zero. Keeping the labels
# stops this at a finite ridge. The greedy $\alpha^*_t$ is optimal only one step at a time. In
# the figure above, its test MSE over many steps moves back towards the step-0 value. This is why
# the headline is about the first step, while `ground_truth_dampens` compares the two paths at
# step $T$.
#
# **Sanity checks** (identities of our derivation, not reproductions): closed form against
# retraining {glue:md}`verdict_closed_form`, the limit against KRR with ridge $\lambda/\alpha$
# {glue:md}`verdict_amplified_ridge_limit`, the closed-form $\alpha^*_t$ against a 101-point grid
# search {glue:md}`verdict_alpha_star_vs_grid` (two fits per step instead of 101).
#
# ## Deviations from the paper
#
# * **Data.** The authors' toy example uses one data set of 11 equally spaced points. We draw the
#   11 inputs uniformly at random and repeat over many data sets (each an independent run), with
#   the authors' kernel ($\gamma = 80$), ridge ($\lambda = 0.2$), noise level ($0.5$) and fixed
#   weight ($\alpha = 0.35$). Diabetes is not in the paper. It is the catalog's choice of a small
#   real data set, run at scikit-learn's default kernel ridge settings, not tuned. Its runs are
#   random splits of the same 442 patients. They overlap, so they are not independent draws from
#   a population. The diabetes intervals describe the variation over splits of this one data set.
# * **Criterion for $\alpha^*$.** We minimise the squared error on a held-out validation set (as
#   large as the training set on the toy problem, half as large on diabetes). The toy notebook
#   measures losses against the noise-free sine, which a practitioner does not have. On the
#   training labels the criterion always returns $\alpha^* = 1$ (derived above and unit-tested),
#   so some held-out reference is needed.
# * **Baseline.** The paper compares the distilled model with its teacher. Our headline's
#   validation-tuned ridge is an extra, stronger baseline. Its grid is the chapter's ridge sweep,
#   fixed before the claim rules, and it contains the teacher's ridge.
# * **Derivations.** The closed form, the limit and $\alpha^*$ are derived in this chapter in our
#   own notation, checked against literal retraining, and agree with the $B^{(t)}$ recursion of
#   the authors' public notebook.
# * **Not reproduced here.** The paper's deep-learning experiments (ResNets on CIFAR-10, and the
#   estimate of $\alpha$ for networks) are outside this chapter's CPU budget.
