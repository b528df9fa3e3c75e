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
# **This chapter checks** on $u'' = f$ over $[0, 1]$ with the multi-scale solution
# $u(x) = \sin x + 0.1 \sin 20x + 0.05 \sin 100x$ (the paper's 1-D Poisson case), 200 grid
# collocation points, $Q = 30$ mixture components (thresholds from the catalog's check, fixed
# before running):
# 1. GP-HM reaches relative $L_2$ error $\le 10^{-2}$ on a fine test grid **and** at least 10 times
#    lower than a tanh-MLP PINN trained on the same collocation points for a similar wall-clock time;
# 2. after learning, at least 90 % of the total mixture weight sits on components within 0.5
#    cycles of one of the solution's three frequencies ($1/2\pi$, $20/2\pi$, $100/2\pi$ cycles per
#    unit), and this share is at least 3 times the share at initialisation (sparsity near the truth).
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
n_grid = 200  # collocation points on a uniform grid over [0, 1], boundary included
n_components = 30  # Q, spectral-mixture components
freq_max = 30.0  # initial frequencies spread over [0, freq_max] cycles per unit length

# %%
import inspect
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book.params import check_float, check_int
from repro.book.progress import progress
from repro.nn.models import mlp
from repro.nn.training import train
from repro.papers.kernels import gp_pde as gp

run = repro.setup(scale, seed, device)
check_int("n_grid", n_grid, minimum=20, maximum=5000)
check_int("n_components", n_components, minimum=2, maximum=200)
check_float("freq_max", freq_max, minimum=1.0, maximum=1000.0)

GP_STEPS = run.pick(200, 1000)
PINN_EPOCHS = run.pick(2000, 20000)
PINN_WIDTH = run.pick(64, 128)
LAM_B, LAM_R = 1e6, 1e2  # fixed boundary / residual weights (noise std 1e-3 and 0.1)
print(f"grid {n_grid}, Q = {n_components}, {GP_STEPS} GP-HM steps; PINN {PINN_EPOCHS} epochs, width {PINN_WIDTH}")

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
# is `src/repro/papers/kernels/gp_pde.py` (tests in `tests/test_gp_pde.py`):

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
# ## GP-HM
#
# Initial frequencies: an even grid over $[0, 30]$ cycles as in the authors' code, each shifted by
# a random amount of up to half the spacing (drawn from the seed), equal weights $1/Q$, $\rho = 1$.

# %%
gen = torch.Generator().manual_seed(seed)
p0 = gp.init_params(n_components, freq_max, generator=torch.Generator().manual_seed(seed))
_, u0 = gp.profiled_objective(p0, x, bidx, g, f, LAM_B, LAM_R)
err_init = gp.rel_l2(gp.predict(p0, x, u0, x_test), u_true(xt))
t0 = time.perf_counter()
p_gp, u_gp, hist = gp.fit_gp_hm(x, bidx, g, f, Q=n_components, freq_max=freq_max, steps=GP_STEPS,
                                lr=0.05, lam_b=LAM_B, lam_r=LAM_R, generator=gen,
                                bar=progress(range(GP_STEPS), desc="GP-HM"))
t_gp = time.perf_counter() - t0
pred_gp = gp.predict(p_gp, x, u_gp, x_test).numpy()
err_gp = gp.rel_l2(pred_gp, u_true(xt))
share0, share1 = weight_share(p0), weight_share(p_gp)
print(f"GP-HM: rel. L2 {err_gp:.2e} after {GP_STEPS} steps ({t_gp:.1f} s); "
      f"with the initial kernel {err_init:.2e}")
print(f"weight share near the true frequencies: {share0:.2f} at init -> {share1:.2f} learned")
w = torch.exp(p_gp["log_w"]).numpy()
for i in np.argsort(-w)[:8]:
    print(f"  w = {w[i]:.2e}  mu = {p_gp['mu'][i].item():6.2f} cycles  rho = {np.exp(p_gp['log_rho'][i].item()):.3f}")

# %% [markdown]
# For comparison, the same solver with a smooth kernel: two components that start at zero
# frequency (a squared-exponential kernel) and may move.

# %%
p_se, u_se, _ = gp.fit_gp_hm(x, bidx, g, f, Q=2, freq_max=1e-9, steps=GP_STEPS // 2, lr=0.05,
                             lam_b=LAM_B, lam_r=LAM_R, bar=progress(range(GP_STEPS // 2), desc="smooth"))
err_se = gp.rel_l2(gp.predict(p_se, x, u_se, x_test), u_true(xt))
print(f"smooth kernel (2 components from zero frequency): rel. L2 {err_se:.2e}")

# %% [markdown]
# ## PINN baseline
#
# A tanh MLP (3 hidden layers) trained with Adam (learning rate $10^{-3}$, full batch) on the same
# 200 points: the mean squared residual $u'' - f$ (divided by the mean of $f^2$ so both terms are of
# order one) plus 100 times the mean squared boundary error, with $u''$ by automatic
# differentiation, through the book's training loop.

# %%
Xp = torch.tensor(xg[:, None], dtype=torch.float32)
isb = np.zeros(n_grid)
isb[[0, -1]] = 1
Tp = torch.tensor(np.stack([f_true(xg), u_true(xg), isb], 1), dtype=torch.float32)
net = mlp(1, [PINN_WIDTH] * 3, 1, activation="tanh")
t0 = time.perf_counter()
pinn_hist = train(gp.PINN(net), gp.pinn_loss(100.0, float(np.mean(f_true(xg) ** 2))), Xp, Tp,
                  epochs=PINN_EPOCHS, batch_size=None, lr=1e-3, desc="PINN")
t_pinn = time.perf_counter() - t0
with torch.no_grad():
    pred_pinn = net(torch.tensor(xt[:, None], dtype=torch.float32))[:, 0].double().numpy()
err_pinn = gp.rel_l2(pred_pinn, u_true(xt))
print(f"PINN: rel. L2 {err_pinn:.2e} ({t_pinn:.1f} s); GP-HM {err_gp:.2e} ({t_gp:.1f} s); "
      f"ratio {err_pinn / err_gp:.0f}")

# %%
fig, ax = plt.subplots(2, 2, figsize=(11, 7))
ax[0, 0].plot(xt, u_true(xt), "k", lw=2, label="exact")
ax[0, 0].plot(xt, pred_gp, "--", label="GP-HM")
ax[0, 0].plot(xt, pred_pinn, ":", label="PINN")
ax[0, 0].set(xlabel="x", ylabel="u(x)", title="Solutions")
ax[0, 0].legend()
ax[0, 1].semilogy(xt, np.abs(pred_gp - u_true(xt)) + 1e-16, label="GP-HM")
ax[0, 1].semilogy(xt, np.abs(pred_pinn - u_true(xt)) + 1e-16, label="PINN")
ax[0, 1].set(xlabel="x", ylabel="|error|", title="Pointwise error")
ax[0, 1].legend()
mu0, w0, mu1 = np.abs(p0["mu"].numpy()), torch.exp(p0["log_w"]).numpy(), np.abs(p_gp["mu"].numpy())
ax[1, 0].scatter(mu0, w0, marker="x", color="0.5", label="initial")
ax[1, 0].vlines(mu1, 1e-12, w, color="C0", lw=1)
ax[1, 0].scatter(mu1, w, color="C0", s=15, label="learned")
ax[1, 0].set_ylim(min(w.min(), w0.min()) / 3, 3 * max(w.max(), w0.max()))
for fr in TRUE_FREQS:
    ax[1, 0].axvline(fr, color="C3", lw=1, ls="--")
ax[1, 0].set_yscale("log")
ax[1, 0].set(xlabel="frequency |mu| (cycles per unit)", ylabel="weight w",
             title="Spectral-mixture weights (dashed: true frequencies)")
ax[1, 0].legend()
ax[1, 1].plot(np.array(hist) - min(hist) + 1, label="GP-HM profiled objective (shifted)")
ax[1, 1].plot(pinn_hist, label="PINN loss")
ax[1, 1].set(xscale="log", yscale="log", xlabel="Adam step (GP-HM) / epoch (PINN)", title="Training curves")
ax[1, 1].legend()
plt.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
claims = repro.Claims()


def bound(v):
    return "< 1e-3" if v < 1e-3 else "< 1e-2" if v < 1e-2 else "< 1e-1" if v < 1e-1 else ">= 1e-1"


claims.add(
    "GP-HM solves the multi-scale 1-D Poisson problem far more accurately than a PINN",
    measured={"GP-HM rel. L2": bound(err_gp), "PINN rel. L2": bound(err_pinn),
              "PINN / GP-HM >= 10": "yes" if err_pinn >= 10 * err_gp else "no"},
    criterion="GP-HM relative L2 <= 1e-2 and at least 10x below the PINN (same points, similar time)",
    passed=bool(err_gp <= 1e-2 and err_pinn >= 10 * err_gp))
ok2 = share1 >= 0.9 and share1 >= 3 * share0
claims.add(
    "Learned log-domain weights concentrate near the solution's frequencies",
    measured={"learned weight share near true frequencies": ">= 0.9" if share1 >= 0.9 else "< 0.9",
              "at least 3x the initial share": "yes" if share1 >= 3 * share0 else "no"},
    criterion="share of total weight within 0.5 cycles of a true frequency >= 0.9 and >= 3x its initial value",
    passed=bool(ok2))
claims.report()

# %% [markdown]
# ## Verdict
#
# **Claim 1 reproduces**, with a wide margin, for seeds 0, 1 and 2. GP-HM reaches a relative
# $L_2$ error of about $3$ to $6 \times 10^{-4}$, the PINN about $0.17$, a ratio of 250 to 500
# (the PINN had about three times GP-HM's wall-clock). The figure shows the mechanism the paper
# names: the PINN fits the smooth part $\sin x$ and the boundary values but none of the
# oscillations; its loss stalls at about 1, i.e. the normalised residual of the high-frequency
# source is not reduced at all (spectral bias). A GP with a smooth kernel fails just as badly
# ($0.35$), so the gain comes from the frequencies in the kernel, not from using a GP.
#
# One finding the headline does not show: in our variant the accuracy does not come from learning
# the kernel. The overcomplete initial spectrum (30 frequencies from 0 to 30 cycles, long length
# scales) with the exact solve for $U$ is already accurate ($0.6$ to $1.3 \times 10^{-4}$), and
# learning the hyper-parameters makes the error slightly *larger*. The $\tfrac12\log|K|$ term of
# the log joint rewards shrinking the total prior variance, which, with the fit weights held
# fixed, makes the prior relatively stronger. In the paper the precisions are learned too and can
# follow; we fixed them (see the deviations).
#
# **Claim 2 reproduces** for all three seeds. The weight share near the true frequencies rises from
# about 0.1 at initialisation to 0.95 or more. The largest learned weights sit at $|\mu| \approx 0.15$, $3.18$
# and $15.92$ cycles, against the true $0.159$, $3.183$ and $15.915$, and the unused components fall
# from $1/30$ to about $2 \times 10^{-5}$: heavily pruned, though not zero, after 200 steps. The
# $\sin x$ part, the largest in amplitude, gets by far the largest weight.
#
# ## Deviations from the paper
#
# * **Optimisation.** The paper learns $U$, the kernel and the two fit precisions together with
#   Adam over many epochs (about $10^5$ in the authors' code). In a CPU budget that did not converge
#   (a first attempt, with Adam, still had a relative error of 0.99 after 12 000 steps), and with
#   L-BFGS the learned boundary precision collapsed. So we fix the boundary and residual weights
#   ($\lambda_b = 10^6$, $\lambda_r = 10^2$, i.e. noise standard deviations $10^{-3}$ and $0.1$),
#   solve for $U$ exactly (the objective is quadratic in $U$) and learn only the kernel by Adam on
#   the profiled objective. The objective is the same as the paper's; the optimisation is not. The
#   two weights were picked in a prototype on this very problem. With $\lambda_b = 10^4$,
#   $\lambda_r = 1$ the learned kernel gave errors of about $10^{-2}$, right at the threshold. The
#   threshold itself was not changed.
# * **Scale.** 200 collocation points and 200 Adam steps (quick; 1000 steps at full scale), fewer
#   than the paper uses. The mixture is Gaussian only (no Student-t mixture).
# * **Dimension.** 1-D only: there is no product over dimensions and no Kronecker algebra (we use
#   the Toeplitz structure of a uniform 1-D grid instead), and no 2-D Poisson, Allen-Cahn or
#   advection problem.
# * **Initial frequencies.** The authors' even grid, shifted per component by a random fraction of
#   the spacing drawn from the seed, so that the seeds test the solver's sensitivity to its
#   initialisation (GP-HM has no other randomness here).
# * **Baseline.** One plain tanh PINN (3 hidden layers of width 64, Adam, 2000 full-batch epochs,
#   float32). We ran none of the paper's other baselines (random-Fourier-feature PINNs, spectral
#   methods, ...). It gets about three times GP-HM's wall-clock, which favours the baseline.
