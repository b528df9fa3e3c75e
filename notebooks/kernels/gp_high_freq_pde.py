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
# # Solving High Frequency and Multi-Scale PDEs with Gaussian Processes
#
# {cite}`fang2024solving` · [paper (ICLR 2024)](https://arxiv.org/abs/2311.04465)
# · [authors' code](https://www.github.com/xuangu-fang/Gaussian-Process-Slover-for-High-Freq-PDE)
#
# Physics-informed neural networks (PINNs) learn smooth functions first and high frequencies late
# or never (spectral bias), so a solution that mixes scales is hard for them. Fang et al. solve the
# PDE with a Gaussian process instead and put the frequencies into the kernel: the power spectrum
# of the solution is a mixture of Gaussians (or Student-t's), whose Fourier transform is the
# spectral-mixture kernel. The mixture weights are learned in the log domain, which acts as a
# Jeffreys prior: weights of frequencies the solution does not contain are driven to zero, and the
# remaining frequencies move towards the true ones.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** GP-HM, a GP solver with a spectral-mixture kernel whose log-domain weights prune
# unneeded frequencies, solves high-frequency and multi-scale PDEs with errors orders of magnitude
# below those of PINNs, and the learned frequencies line up with the true ones.
#
# **This chapter tests** it on $u'' = f$ over $[0, 1]$ with the multi-scale solution
# $u(x) = \sin x + 0.1 \sin 20x + 0.05 \sin 100x$ (the paper's 1-D Poisson case), 200 grid
# collocation points and $Q = 30$ mixture components. An independent run draws its own initial
# frequencies for GP-HM and its own initial weights for the PINN; every claim is paired over the
# runs. Our GP-HM holds the boundary and residual weights $(\lambda_b, \lambda_r)$ fixed (see the
# deviations); the pair we used was picked in a prototype on this problem, so every claim is
# required at both the pair the prototype settled on and the one it started from.
# ```

# %% tags=["hide-input"]
import repro

FIT_WEIGHTS = {"lam_b=1e6, lam_r=1e2": (1e6, 1e2), "lam_b=1e4, lam_r=1": (1e4, 1.0)}
SWEPT = repro.Change(
    what="boundary and residual weights (lambda_b, lambda_r)", was="(1e6, 1e2) only",
    why=("that pair was picked in a prototype on this very problem after (1e4, 1) gave errors near the "
         "threshold; the claim rules: sweep a setting chosen by looking at results"))
claims = repro.Claims()
claims.declare(
    "beats_pinn", kind="headline",
    statement=("GP-HM's relative L2 error on the multi-scale Poisson problem is at least 10 times below that of a "
               "tanh PINN trained on the same collocation points (with about 3 times GP-HM's wall-clock)"),
    metric="log10 of GP-HM's relative L2 error", paired_with="the PINN's",
    better="lower", margin=-1.0, fmt="{:+.1f}",
    changed=(SWEPT, repro.Change(
        what="unit of replication", was="one GP-HM and one PINN per seed, thresholds on that single pair",
        why="the claim rules: paired over at least 3 independent runs, with a 95% interval")))
claims.declare(
    "accurate", kind="supporting",
    statement="GP-HM reaches a relative L2 error of at most 1e-2 (the catalog's accuracy threshold)",
    metric="log10 of GP-HM's relative L2 error", better="lower", margin=-2.0, fmt="{:.1f}", changed=SWEPT)
claims.declare(
    "beats_smooth_gp", kind="supporting",
    statement=("the gain comes from the frequencies in the kernel: GP-HM's error is at least 10 times below that "
               "of the same solver with a smooth kernel (two components starting at zero frequency)"),
    metric="log10 of GP-HM's relative L2 error", paired_with="the smooth-kernel GP's",
    better="lower", margin=-1.0, fmt="{:+.1f}", changed=SWEPT)
claims.declare(
    "weights_concentrate", kind="supporting",
    statement=("the learned log-domain weights concentrate near the solution's frequencies: at least 90% of the "
               "total weight within 0.5 cycles of a true frequency"),
    metric="learned weight share near the true frequencies", better="higher", margin=0.9, fmt="{:.2f}",
    changed=(SWEPT, repro.Change(
        what="criterion", was="share >= 0.9 and >= 3x the initial share in one run",
        why="the claim rules: the 95% interval over runs above 0.9 (the 3x part is implied at an initial share of 0.1)"),
        repro.Change(what="independent runs at quick scale (every claim)", was="3",
                     why=("with 3 runs this claim's verdict differed between seeds 0, 1 and 2; the rules: enlarge "
                          "the experiment, not the threshold"))))
claims.declare(
    "learning_helps", kind="supporting",
    statement=("learning the spectrum (pruning and moving frequencies) lowers the error below that of the initial "
               "over-complete spectrum with the same exact solve"),
    metric="log10 of GP-HM's relative L2 error", paired_with="the initial kernel's",
    better="lower", margin=0.0, fmt="{:+.2f}", changed=(SWEPT, repro.Change(
        what="new claim", was="not tested (the old verdict prose reported the opposite without a check)",
        why="the paper's mechanism says the learned spectrum is what makes the solver accurate")))
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0  # base seed: run r uses seed 1000 * seed + r
device = "auto"
n_runs = 0  # independent runs; 0 picks the scale's default
n_grid = 200  # collocation points on a uniform grid over [0, 1], boundary included
n_components = 30  # Q, spectral-mixture components
freq_max = 30.0  # initial frequencies spread over [0, freq_max] cycles per unit length

# %%
import inspect
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Markdown
from myst_nb import glue

from repro.book.params import ParameterError, check_float, check_int
from repro.book.progress import progress
from repro.nn.models import mlp
from repro.nn.training import train
from repro.papers.kernels import gp_pde as gp

run = repro.setup(scale, seed, device)
check_int("n_runs", n_runs, minimum=0, maximum=50)
check_int("n_grid", n_grid, minimum=20, maximum=5000)
check_int("n_components", n_components, minimum=2, maximum=200)
check_float("freq_max", freq_max, minimum=1.0, maximum=1000.0)
N_RUNS = n_runs or run.pick(5, 8)
if N_RUNS < 3:
    raise ParameterError(f"parameter n_runs={n_runs} must be >= 3 (independent runs per claim)")
SEEDS = [1000 * seed + r for r in range(N_RUNS)]

GP_STEPS = run.pick(200, 1000)
PINN_EPOCHS = run.pick(2000, 20000)
PINN_WIDTH = run.pick(64, 128)
print(f"grid {n_grid}, Q = {n_components}, {GP_STEPS} GP-HM steps; PINN {PINN_EPOCHS} epochs, width {PINN_WIDTH}; "
      f"{N_RUNS} runs (seeds {SEEDS})")

# %% [markdown]
# ## Method
#
# The spectral-mixture covariance with weights $w_q = e^{\theta_q}$, inverse squared length scales
# $\rho_q$ and frequencies $\mu_q$ (cycles per unit length) is
#
# $$
# k(x, x') = \sum_{q=1}^{Q} w_q\, e^{-\rho_q r^2} \cos(2\pi \mu_q r), \qquad r = x - x'.
# $$
#
# The unknowns are the solution values $U$ at grid points $X$ (the two boundary points included).
# The GP conditional mean through $(X, U)$ is $u(x) = k(x, X) K^{-1} U$, so its second derivative
# on the grid is $u''(X) = K'' K^{-1} U$ with $K''_{ij} = \partial^2 k / \partial r^2 (x_i - x_j)$
# in closed form. GP-HM maximises the log joint: the GP prior $\log N(U; 0, K)$, a boundary fit
# and a residual fit. With the fit weights $\lambda_b, \lambda_r$ held fixed, the negative log joint is
#
# $$
# \tfrac12 \log|K| + J(U), \qquad
# J(U) = \tfrac12 U^\top K^{-1} U + \tfrac{\lambda_b}{2} \lVert U_b - g \rVert^2
#       + \tfrac{\lambda_r}{2} \lVert K'' K^{-1} U - f \rVert^2 .
# $$
#
# $J$ is quadratic in $U$. Writing $U = L z$ with $K = L L^\top$ gives a ridge problem
# $\tfrac12\lVert z\rVert^2 + \tfrac12 \lVert B z - y\rVert^2$, solved exactly by one linear solve;
# the hyper-parameters $(\theta, \log\rho, \mu)$ are then learned with Adam on the profiled
# objective $\tfrac12\log|K| + \min_U J(U)$, differentiated through the solve. On a uniform grid
# $K$ and $K''$ are Toeplitz, so the kernel is evaluated at the $2M-1$ distinct lags only. The code
# is `src/repro/papers/kernels/gp_pde.py` (tests in `tests/papers/kernels/test_gp_pde.py`):

# %%
print(inspect.getsource(gp.solve_u))

# %% [markdown]
# ## The problem

# %%
def u_true(x):
    return np.sin(x) + 0.1 * np.sin(20 * x) + 0.05 * np.sin(100 * x)

def f_true(x):
    return -np.sin(x) - 40 * np.sin(20 * x) - 500 * np.sin(100 * x)

TRUE_FREQS = np.array([1.0, 20.0, 100.0]) / (2 * np.pi)  # cycles per unit length
xg = np.linspace(0.0, 1.0, n_grid)
xt = np.linspace(0.0, 1.0, 2000)  # test grid
x = torch.tensor(xg, dtype=gp.DTYPE)
bidx = torch.tensor([0, n_grid - 1])
f = torch.tensor(f_true(xg), dtype=gp.DTYPE)
g = torch.tensor(u_true(xg[[0, -1]]), dtype=gp.DTYPE)
x_test = torch.tensor(xt, dtype=gp.DTYPE)

def weight_share(p):
    """Share of the total mixture weight on components within 0.5 cycles of a true frequency."""
    w = torch.exp(p["log_w"]).numpy()
    near = np.abs(np.abs(p["mu"].numpy())[:, None] - TRUE_FREQS[None, :]).min(1) < 0.5
    return float(w[near].sum() / w.sum())

# %% [markdown]
# ## The runs
#
# Each run draws GP-HM's initial frequencies (the authors' even grid over $[0, 30]$ cycles, each
# shifted by a random amount of up to half the spacing; equal weights $1/Q$, $\rho = 1$) and fits
# GP-HM at each pair of fit weights. Its error with the *initial* kernel (exact solve, nothing
# learned) is the baseline of `learning_helps`. The smooth-kernel GP (two components starting at
# zero frequency, i.e. a squared-exponential kernel that may learn a frequency) has no random
# initialisation, so it is fitted once per pair of weights. The PINN is a tanh MLP (3 hidden
# layers) trained with Adam (learning rate $10^{-3}$, full batch) on the same 200 points: the mean
# squared residual $u'' - f$ (divided by the mean of $f^2$ so both terms are of order one) plus
# 100 times the mean squared boundary error, with $u''$ by automatic differentiation, through the
# book's training loop. Its initial weights come from the run's seed.

# %%
Xp = torch.tensor(xg[:, None], dtype=torch.float32)
isb = np.zeros(n_grid)
isb[[0, -1]] = 1
Tp = torch.tensor(np.stack([f_true(xg), u_true(xg), isb], 1), dtype=torch.float32)
x_test32 = torch.tensor(xt[:, None], dtype=torch.float32)

smooth = {}
for name, (lam_b, lam_r) in FIT_WEIGHTS.items():
    p_se, u_se, _ = gp.fit_gp_hm(x, bidx, g, f, Q=2, freq_max=1e-9, steps=GP_STEPS // 2, lr=0.05,
                                 lam_b=lam_b, lam_r=lam_r)
    smooth[name] = gp.rel_l2(gp.predict(p_se, x, u_se, x_test), u_true(xt))

res = {name: {k: [] for k in ("gp", "init", "share0", "share1")} for name in FIT_WEIGHTS}
pinn_err, t_gp, t_pinn = [], [], []
for r, s in enumerate(progress(SEEDS, desc="runs")):
    for name, (lam_b, lam_r) in FIT_WEIGHTS.items():
        p0 = gp.init_params(n_components, freq_max, generator=torch.Generator().manual_seed(s))
        _, u0 = gp.profiled_objective(p0, x, bidx, g, f, lam_b, lam_r)
        t0 = time.perf_counter()
        p1, u1, hist = gp.fit_gp_hm(x, bidx, g, f, Q=n_components, freq_max=freq_max, steps=GP_STEPS,
                                    lr=0.05, lam_b=lam_b, lam_r=lam_r,
                                    generator=torch.Generator().manual_seed(s))
        t_gp.append(time.perf_counter() - t0)
        pred1 = gp.predict(p1, x, u1, x_test).numpy()
        for k, v in (("gp", gp.rel_l2(pred1, u_true(xt))),
                     ("init", gp.rel_l2(gp.predict(p0, x, u0, x_test), u_true(xt))),
                     ("share0", weight_share(p0)), ("share1", weight_share(p1))):
            res[name][k].append(v)
        if r == 0 and name == next(iter(FIT_WEIGHTS)):
            shown = dict(p0=p0, p1=p1, pred=pred1, hist=hist)
    torch.manual_seed(s)
    net = mlp(1, [PINN_WIDTH] * 3, 1, activation="tanh")
    t0 = time.perf_counter()
    pinn_hist = train(gp.PINN(net), gp.pinn_loss(100.0, float(np.mean(f_true(xg) ** 2))), Xp, Tp,
                      epochs=PINN_EPOCHS, batch_size=None, lr=1e-3, desc="PINN")
    t_pinn.append(time.perf_counter() - t0)
    with torch.no_grad():
        pred_pinn = net(x_test32)[:, 0].double().numpy()
    pinn_err.append(gp.rel_l2(pred_pinn, u_true(xt)))
    if r == 0:
        shown.update(pred_pinn=pred_pinn, pinn_hist=pinn_hist)

res = {name: {k: np.array(v) for k, v in d.items()} for name, d in res.items()}
pinn_err = np.array(pinn_err)
print(f"wall-clock per fit: GP-HM {np.mean(t_gp):.1f} s, PINN {np.mean(t_pinn):.1f} s")
print(f"PINN relative L2 per run: {np.array2string(pinn_err, precision=3)}")
for name, d in res.items():
    print(f"\n{name}: smooth-kernel GP {smooth[name]:.2e}")
    for r, s in enumerate(SEEDS):
        print(f"  seed {s}: GP-HM {d['gp'][r]:.2e} (initial kernel {d['init'][r]:.2e}), "
              f"PINN / GP-HM = {pinn_err[r] / d['gp'][r]:.0f}, "
              f"weight share near true frequencies {d['share0'][r]:.2f} -> {d['share1'][r]:.2f}")

# %% [markdown]
# The first run at the first pair of weights: solutions, pointwise errors, the spectral-mixture
# weights before and after learning, and the training curves.

# %%
p0, p1 = shown["p0"], shown["p1"]
fig, ax = plt.subplots(2, 2, figsize=(11, 7))
ax[0, 0].plot(xt, u_true(xt), "k", lw=2, label="exact")
ax[0, 0].plot(xt, shown["pred"], "--", label="GP-HM")
ax[0, 0].plot(xt, shown["pred_pinn"], ":", label="PINN")
ax[0, 0].set(xlabel="x", ylabel="u(x)", title="Solutions")
ax[0, 0].legend()
ax[0, 1].semilogy(xt, np.abs(shown["pred"] - u_true(xt)) + 1e-16, label="GP-HM")
ax[0, 1].semilogy(xt, np.abs(shown["pred_pinn"] - u_true(xt)) + 1e-16, label="PINN")
ax[0, 1].set(xlabel="x", ylabel="|error|", title="Pointwise error")
ax[0, 1].legend()
mu0, w0 = np.abs(p0["mu"].numpy()), torch.exp(p0["log_w"]).numpy()
mu1, w1 = np.abs(p1["mu"].numpy()), torch.exp(p1["log_w"]).numpy()
ax[1, 0].scatter(mu0, w0, marker="x", color="0.5", label="initial")
ax[1, 0].vlines(mu1, 1e-12, w1, color="C0", lw=1)
ax[1, 0].scatter(mu1, w1, color="C0", s=15, label="learned")
ax[1, 0].set_ylim(min(w1.min(), w0.min()) / 3, 3 * max(w1.max(), w0.max()))
for fr in TRUE_FREQS:
    ax[1, 0].axvline(fr, color="C3", lw=1, ls="--")
ax[1, 0].set_yscale("log")
ax[1, 0].set(xlabel="frequency |mu| (cycles per unit)", ylabel="weight w",
             title="Spectral-mixture weights (dashed: true frequencies)")
ax[1, 0].legend()
ax[1, 1].plot(np.array(shown["hist"]) - min(shown["hist"]) + 1, label="GP-HM profiled objective (shifted)")
ax[1, 1].plot(shown["pinn_hist"], label="PINN loss")
ax[1, 1].set(xscale="log", yscale="log", xlabel="Adam step (GP-HM) / epoch (PINN)", title="Training curves")
ax[1, 1].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Results

# %%
for name, d in res.items():
    lg = np.log10(d["gp"])
    claims.record("beats_pinn", method=lg, baseline=np.log10(pinn_err), setting=name)
    claims.record("accurate", values=lg, setting=name)
    claims.record("beats_smooth_gp", method=lg, baseline=np.full(N_RUNS, np.log10(smooth[name])), setting=name)
    claims.record("weights_concentrate", values=d["share1"], setting=name)
    claims.record("learning_helps", method=lg, baseline=np.log10(d["init"]), setting=name)
claims.results()
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)
for i, (name, d) in enumerate(res.items()):
    glue(f"gp_err_{i}", float(np.median(d["gp"])), display=False)
    glue(f"init_err_{i}", float(np.median(d["init"])), display=False)
    glue(f"share_{i}", float(np.min(d["share1"])), display=False)
    glue(f"smooth_err_{i}", float(smooth[name]), display=False)
    glue(f"ratio_{i}", float(np.median(pinn_err / d["gp"])), display=False)
glue("pinn_err", float(np.median(pinn_err)), display=False)
glue("time_ratio", float(np.mean(t_pinn) / np.mean(t_gp)), display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: {glue:md}`verdict_beats_pinn`** across the two pairs of fit weights. With the pair
# the prototype settled on ($\lambda_b = 10^6$, $\lambda_r = 10^2$), GP-HM's median relative
# $L_2$ error is {glue:text}`gp_err_0:.0e` against the PINN's {glue:text}`pinn_err:.2f` (a median ratio
# of {glue:text}`ratio_0:.0f`): the PINN fits $\sin x$ and the boundary values but none of the oscillations (spectral
# bias, as the figure shows). With the pair the prototype started from ($10^4$, $1$), GP-HM's
# median error is {glue:text}`gp_err_1:.0e`, a median ratio of only {glue:text}`ratio_1:.0f`. The paper's margin
# ("orders of magnitude") therefore holds only at fit weights chosen on this very problem; the
# paper learns these weights, which our solver does not (see the deviations). The PINN had about
# {glue:text}`time_ratio:.0f` times GP-HM's wall-clock per fit.
#
# **Supporting claims.** The accuracy threshold of $10^{-2}$: {glue:md}`verdict_accurate`. The
# gain coming from the frequencies in the kernel: {glue:md}`verdict_beats_smooth_gp`; a smooth
# kernel reaches {glue:text}`smooth_err_0:.0e` at the first pair of weights but {glue:text}`smooth_err_1:.0e`
# at the second, better than GP-HM there, so the solver's fit weights matter as much as the
# kernel. The learned weights concentrating near the true frequencies: {glue:md}`verdict_weights_concentrate`
# (the smallest share over runs is {glue:text}`share_0:.2f` and {glue:text}`share_1:.2f` at the two pairs):
# the log-domain weights do prune the spectrum as the paper says. Learning the spectrum lowering
# the error below the initial over-complete spectrum: {glue:md}`verdict_learning_helps`; the
# initial kernel with the exact solve has median errors {glue:text}`init_err_0:.0e` and
# {glue:text}`init_err_1:.0e`. The $\tfrac12\log|K|$ term of the log joint rewards shrinking the
# total prior variance, which, with the fit weights held fixed, makes the prior relatively
# stronger; in the paper the fit precisions are learned too and can follow.
#
# ## Deviations from the paper
#
# * **Optimisation.** The paper learns $U$, the kernel and the two fit precisions together with
#   Adam over many epochs (about $10^5$ in the authors' code). In a CPU budget that did not converge
#   (a first attempt, with Adam, still had a relative error of 0.99 after 12 000 steps), and with
#   L-BFGS the learned boundary precision collapsed. So we fix the boundary and residual weights,
#   solve for $U$ exactly (the objective is quadratic in $U$) and learn only the kernel by Adam on
#   the profiled objective. The objective is the same as the paper's; the optimisation is not.
#   Because the first pair of weights was picked in a prototype on this problem, every claim is
#   required at both pairs the prototype tried.
# * **Scale.** 200 collocation points and 200 Adam steps (quick; 1000 steps at full scale), fewer
#   than the paper uses. The mixture is Gaussian only (no Student-t mixture).
# * **Dimension.** 1-D only: there is no product over dimensions and no Kronecker algebra (we use
#   the Toeplitz structure of a uniform 1-D grid instead), and no 2-D Poisson, Allen-Cahn or
#   advection problem.
# * **Baseline.** One plain tanh PINN (3 hidden layers of width 64, Adam, 2000 full-batch epochs,
#   float32). We ran none of the paper's other baselines (random-Fourier-feature PINNs, spectral
#   methods, ...).
