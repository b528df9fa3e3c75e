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
# # Beyond Vanilla Variational Autoencoders: Detecting Posterior Collapse in Conditional and Hierarchical Variational Autoencoders
#
# {cite}`dang2024beyond` · [arXiv:2306.05023](https://arxiv.org/abs/2306.05023) (ICLR 2024)
# · [authors' code](https://github.com/thotranhuu99/Posterior_collapse_CVAE_HVAE)
#
# A variational autoencoder suffers *posterior collapse* when some latent coordinates carry no
# information: their approximate posterior equals the prior for every input, so the decoder
# ignores them. For the plain linear VAE, {cite}`lucas2019dont` showed that collapse is decided by
# the spectrum of the data: a principal direction whose variance is below the decoder noise level
# gets no latent. Dang, Tran, Nguyen and Ho carry this analysis to the *conditional* VAE (CVAE),
# which models $y$ given an input $x$, and to two-level hierarchical VAEs. For the CVAE their answer
# is that what matters is the part of $y$ that $x$ does **not** already explain: the more $x$ and $y$
# are correlated, the less is left for the latent, and the more latent coordinates collapse.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For a linear CVAE with a learnable diagonal encoder variance (Theorem 2), the global
# minima of the $\beta$-ELBO are known in closed form: with $\theta_i$ the eigenvalues of the
# covariance of $y$'s linear-regression residual on $x$, latent mode $i$ collapses exactly when
# $\theta_i \le \beta\,\eta_{\rm dec}^2$. Stronger $x$-$y$ correlation shrinks the $\theta_i$ and
# so collapses more modes, and trained non-linear (ReLU) CVAEs follow the same trend.
#
# **This chapter checks**, with thresholds fixed before running (the 90 % agreement and the
# monotone trend are the catalog's checks; the singular-value tolerance is ours, as the paper
# shows that agreement graphically):
# 1. on synthetic Gaussian pairs over a grid of 7 correlations $\rho$ and 4 values of $\beta$, the
#    number of latent modes a trained linear CVAE uses (modes whose KL exceeds 0.01 nats, read off
#    the decoder's singular values, see the method) equals the closed-form prediction at
#    **at least 90 %** of the grid points;
# 2. the same on scikit-learn digits ($x$ = left half, $y$ = right half of each image) over
#    11 values of $\beta$, at **at least 90 %** of them;
# 3. the trained decoder's singular values match the closed form
#    $\lambda_i = \sqrt{(\theta_i - \beta\eta_{\rm dec}^2)_+}/\eta_{\rm enc}$ within
#    $0.05 \max(1, \lambda_1)$ at **at least 90 %** of all grid points of claims 1-2;
# 4. correlation causes collapse in the trained linear models: at every $\beta$ the number of active
#    modes never increases with $\rho$ and falls by at least one from $\rho = 0$ to
#    $\rho = 0.95$; on digits the CVAE has no more active modes than a VAE of $y$ alone at
#    every $\beta$;
# 5. for a ReLU CVAE trained by stochastic gradients, the number of active units (mean of 3 seeds)
#    never increases along $\rho \in \{0, 0.5, 0.7, 0.85, 0.95\}$ and is at least one lower at
#    $\rho = 0.95$ than at $\rho = 0$.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits

import repro
from repro.book.plotting import COLORS, theory_vs_simulation
from repro.book.progress import progress
from repro.papers.theory import cvae_collapse as cc
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)  # the small problems below run on the CPU in float64
N_SYN = run.pick(2000, 10000)           # synthetic pairs per correlation
STEPS = run.pick(4000, 10000)           # full-batch Adam steps of the linear models
RELU_SEEDS = run.pick(3, 5)             # ReLU CVAEs per correlation
RELU_N, RELU_EPOCHS = run.pick((1000, 60), (4000, 150))
KL_TOL = 0.01                           # a coordinate is collapsed when its mean KL is below this (nats)
print(f"{N_SYN} synthetic pairs, {STEPS} Adam steps, ReLU CVAE: {RELU_SEEDS} seeds x "
      f"{RELU_N} pairs x {RELU_EPOCHS} epochs")

# %% [markdown]
# ## Method
#
# ### The linear CVAE
# The encoder is $q(z \mid x, y) = \mathcal N(W_1 x + W_2 y,\ \operatorname{diag}(s^2))$ with a
# learnable variance, the decoder $p(y \mid x, z) = \mathcal N(U_1 z + U_2 x,\ \eta_{\rm dec}^2 I)$ and the
# prior $p(z \mid x) = \mathcal N(0, \eta_{\rm enc}^2 I)$. Training minimises the $\beta$-weighted
# negative ELBO
#
# $$
# \mathcal L = \mathbb E\Big[\tfrac{1}{2\eta_{\rm dec}^2}\lVert y - U_1 z - U_2 x\rVert^2\Big]
# + \beta\, \mathbb E\big[\mathrm{KL}\big(q(z\mid x,y)\,\Vert\, p(z\mid x)\big)\big].
# $$
#
# ### Why only the residual matters
# Write $y = A x + r$ with $A = C_{yx} C_{xx}^{-1}$, so the residual $r$ is uncorrelated with $x$.
# Any encoder mean is $M r + N x$; because $r \perp x$, both the reconstruction error and
# $\mathbb E\lVert \mu \rVert^2$ split into an $r$ part and an $x$ part. The $x$ part of the
# reconstruction can be cancelled by the skip connection $U_2 = A - U_1 N$ at no cost, and then
# $N = 0$ is best for the KL. So at a minimum the CVAE is a plain linear VAE of the residual,
# whose covariance is
#
# $$
# E = C_{yy} - C_{yx} C_{xx}^{-1} C_{xy}.
# $$
#
# ### One mode at a time
# In the eigenbasis of $E$ (eigenvalues $\theta_i$) the problem separates into scalar problems with
# decoder gain $u$, encoder gain $w$ and variance $s^2$. Eliminating $w$ and $s^2$ at their optima
# leaves, with $t = u^2 + \beta\eta_{\rm dec}^2/\eta_{\rm enc}^2$, the function
# $\beta\eta_{\rm dec}^2\log t + \theta\,\beta\eta_{\rm dec}^2 / (\eta_{\rm enc}^2 t)$ (up to constants
# and a positive factor), minimised at $t = \theta/\eta_{\rm enc}^2$ when that is feasible. Hence
#
# $$
# \lambda_i = \frac{\sqrt{(\theta_i - \beta\eta_{\rm dec}^2)_+}}{\eta_{\rm enc}}, \qquad
# \mathrm{KL}_i = \tfrac12 \log\frac{\theta_i}{\beta\eta_{\rm dec}^2}\ \text{ if } \theta_i > \beta\eta_{\rm dec}^2,
# \quad \text{else } \lambda_i = 0,\ \mathrm{KL}_i = 0 .
# $$
#
# $\lambda_i$ is the $i$-th singular value of the decoder $U_1$: this is the paper's Theorem 2 in our
# derivation and our convention for $\beta$ (it agrees with the formula in the authors' code). A mode
# collapses exactly when $\theta_i \le \beta\eta_{\rm dec}^2$, and only the $d_z$ largest modes can be
# used. Since $E \preceq C_{yy}$, a CVAE never has more active modes than a VAE of $y$ alone; the
# stronger the correlation, the smaller $E$.
#
# ### Counting collapsed modes
# The usual active-unit metric calls a latent coordinate active when its KL, averaged over the
# data, exceeds 0.01 nats. We predict the count as $\#\{i \le d_z : \mathrm{KL}_i > 0.01\}$ (a mode
# within 2 % of the threshold is active but has a tiny KL). For the trained *linear* models we read
# the count off the decoder instead: at the optimum $\mathrm{KL}_i > 0.01$ exactly when
# $\lambda_i > \sqrt{(e^{0.02}-1)\beta}\,\eta_{\rm dec}/\eta_{\rm enc}$. The two readings agree at the
# optimum, but the per-coordinate one also depends on how the latent coordinates are rotated within
# the modes, and the diagonal encoder variance pins that rotation only weakly between modes of
# similar, small strength: in our first digits runs a weak active mode sometimes stayed spread over
# two coordinates, each above 0.01 nats, after 4000 steps. The singular values do not depend on
# that rotation (they are also what the paper's theorem is about). We print the per-coordinate count
# too. For the ReLU model, which has no singular values, we use the per-coordinate KL.
#
# ### Training
# The linear CVAE's expected loss depends on the data only through the covariance of $(x, y)$, and
# the expectation over the reparameterisation noise is Gaussian, so we minimise the exact expected
# loss with full-batch Adam (float64, many problems in one batched tensor), as the authors'
# `matrix_CVAE.py` does with its matrix form. The ReLU CVAE is trained the usual way: mini-batches,
# one reparameterised sample. The code is in `src/repro/papers/theory/cvae_collapse.py` (tests in
# `tests/test_cvae_collapse.py`, including a numerical minimisation of the one-mode loss):

# %%
print(inspect.getsource(cc.collapse_theory))
print(inspect.getsource(cc.linear_cvae_loss))

# %% [markdown]
# ## Experiment 1: synthetic pairs with tunable correlation
#
# $y \in \mathbb R^8$ has independent coordinates with variances $v_j$ spread geometrically from
# 0.25 to 4, and $x_j = \rho\, y_j/\sqrt{v_j} + \sqrt{1-\rho^2}\,\varepsilon_j$, so each $x_j$ has
# correlation $\rho$ with $y_j$ and the residual variances are $v_j(1-\rho^2)$. With
# $\eta_{\rm dec} = \eta_{\rm enc} = 1$ and $d_z = 8$ we train one linear CVAE at every
# $(\rho, \beta)$ and compare with the closed form evaluated on the *sample* residual covariance.

# %%
D = 8
VARIANCES = np.geomspace(0.25, 4.0, D)
RHOS = np.array([0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95])
BETAS = np.array([0.25, 0.5, 1.0, 2.0])

rng = np.random.default_rng(1000 * seed + 1)
moments, thetas = [], []
for rho in RHOS:
    X, Y = cc.correlated_pairs(N_SYN, VARIANCES, rho, rng)
    moments.append(cc.second_moments(X, Y))
    thetas.append(np.sort(np.linalg.eigvalsh(cc.residual_covariance(X, Y)))[::-1])
grid = [(i, j) for i in range(len(RHOS)) for j in range(len(BETAS))]
syn = cc.train_linear_cvae(np.stack([moments[i] for i, _ in grid]), D, D,
                           [BETAS[j] for _, j in grid], steps=STEPS, lr=0.02, seed=1000 * seed + 2)

syn_pred = np.zeros((len(RHOS), len(BETAS)), int)
syn_meas = np.zeros_like(syn_pred)
syn_coord = np.zeros_like(syn_pred)
syn_lam_ok = []
for k, (i, j) in enumerate(grid):
    th = cc.collapse_theory(thetas[i], BETAS[j])
    syn_pred[i, j] = cc.predicted_active(thetas[i], BETAS[j], D, kl_tol=KL_TOL)
    syn_meas[i, j] = cc.active_modes(syn["lam"][k], BETAS[j], kl_tol=KL_TOL)
    syn_coord[i, j] = int((syn["kl"][k] > KL_TOL).sum())
    syn_lam_ok.append(np.abs(syn["lam"][k] - th["lam"]).max() <= 0.05 * max(1.0, th["lam"][0]))
print("active modes, predicted / trained (per-coordinate KL count) (rows: rho, columns: beta =", BETAS, ")")
for i, rho in enumerate(RHOS):
    print(f"rho={rho:4.2f}: " + "  ".join(f"{p}/{m} ({c})" for p, m, c in
                                          zip(syn_pred[i], syn_meas[i], syn_coord[i])))

# %% [markdown]
# Left: the number of active modes as a function of $\rho$, one curve per $\beta$ (lines:
# closed form; markers: trained models, nudged vertically so that equal counts stay visible). Right: at $\beta = 1$, the decoder's singular values,
# mode by mode (crosses: the closed form on the sample's residual spectrum, which is what the
# claims use; lines: on the population spectrum). Each mode switches off when $v_j(1-\rho^2)$ drops below $\beta\eta_{\rm dec}^2$.

# %%
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
for j, beta in enumerate(BETAS):
    theory_vs_simulation(ax, RHOS, syn_pred[:, j], syn_meas[:, j] + 0.06 * (j - 1.5),
                         label=rf"$\beta={beta:g}$", color=COLORS[j])
ax.set(xlabel=r"correlation $\rho$ between $x_j$ and $y_j$", ylabel="active latent modes",
       title="Linear CVAE: more correlation, more collapse")
ax.legend(fontsize=7, ncol=2)
jb = int(np.where(BETAS == 1.0)[0][0])
rho_fine = np.linspace(0, 0.99, 200)
for m in range(D):
    lam_fine = np.sqrt(np.clip(VARIANCES[::-1][m] * (1 - rho_fine ** 2) - 1.0, 0, None))
    bx.plot(rho_fine, lam_fine, color=COLORS[m % len(COLORS)], lw=1)
    sim = [syn["lam"][grid.index((i, jb))][m] for i in range(len(RHOS))]
    sample = [cc.collapse_theory(thetas[i], 1.0)["lam"][m] for i in range(len(RHOS))]
    bx.plot(RHOS, sim, "o", ms=5, color=COLORS[m % len(COLORS)])
    bx.plot(RHOS, sample, "x", ms=7, color="k")
bx.plot([], [], "k-", lw=1, label="closed form, population spectrum")
bx.plot([], [], "kx", ms=7, label="closed form, sample spectrum")
bx.plot([], [], "ko", ms=5, label="trained linear CVAE")
bx.set(xlabel=r"correlation $\rho$", ylabel=r"decoder singular value $\lambda_i$",
       title=r"Singular values of $U_1$ at $\beta=1$, one colour per mode")
bx.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 2: digits, left half predicts right half
#
# scikit-learn's 1797 digits, pixels scaled to $[0, 1]$; $x$ is the left 8x4 half, $y$ the right
# half. The left-half pixels are nearly collinear (some never light up), which makes plain gradient
# descent on the skip connection $U_2$ very slow; we therefore feed the CVAE the left half's
# principal components with variance above $10^{-3}$, whitened (23 of 32). This changes the
# optimisation, not the model class, and the closed form is computed from the same $x$. Here
# $\eta_{\rm dec} = 0.1$, $\eta_{\rm enc} = 1$, $d_z = 32$, and 11 values of $\beta$ from 0.25 to 8
# (a factor $\sqrt 2$ apart). As a
# contrast we also train a linear VAE of the right half alone (no $x$), whose prediction uses
# $C_{yy}$ instead of $E$.

# %%
img = load_digits().images / 16.0
XL, YR = img[:, :, :4].reshape(-1, 32), img[:, :, 4:].reshape(-1, 32)
XLc = XL - XL.mean(0)
ev, P = np.linalg.eigh(XLc.T @ XLc / len(XLc))
keep = ev > 1e-3
XW = XLc @ P[:, keep] / np.sqrt(ev[keep])
ETA_DIG, DZ_DIG = 0.1, 32
BETAS_DIG = 0.25 * 2.0 ** (np.arange(11) / 2)
theta_dig = np.sort(np.linalg.eigvalsh(cc.residual_covariance(XW, YR)))[::-1]
theta_vae = np.sort(np.linalg.eigvalsh(cc.second_moments(np.zeros((len(YR), 0)), YR)))[::-1]
dig = cc.train_linear_cvae(cc.second_moments(XW, YR), XW.shape[1], DZ_DIG, BETAS_DIG, eta_dec=ETA_DIG,
                           steps=STEPS, lr=0.02, seed=1000 * seed + 3)
vae = cc.train_linear_cvae(cc.second_moments(np.zeros((len(YR), 0)), YR), 0, DZ_DIG, BETAS_DIG,
                           eta_dec=ETA_DIG, steps=STEPS, lr=0.02, seed=1000 * seed + 4)
dig_pred = np.array([cc.predicted_active(theta_dig, b, DZ_DIG, ETA_DIG, KL_TOL) for b in BETAS_DIG])
vae_pred = np.array([cc.predicted_active(theta_vae, b, DZ_DIG, ETA_DIG, KL_TOL) for b in BETAS_DIG])
dig_meas = np.array([cc.active_modes(lam, b, ETA_DIG, kl_tol=KL_TOL) for lam, b in zip(dig["lam"], BETAS_DIG)])
vae_meas = np.array([cc.active_modes(lam, b, ETA_DIG, kl_tol=KL_TOL) for lam, b in zip(vae["lam"], BETAS_DIG)])
dig_coord = (dig["kl"] > KL_TOL).sum(1)
dig_lam_ok = []
for k, b in enumerate(BETAS_DIG):
    lam_th = cc.collapse_theory(theta_dig[:DZ_DIG], b, ETA_DIG)["lam"]
    dig_lam_ok.append(np.abs(dig["lam"][k] - lam_th).max() <= 0.05 * max(1.0, lam_th[0]))
print(f"x: {XW.shape[1]} whitened components of the left half")
for k, b in enumerate(BETAS_DIG):
    print(f"beta={b:5.2f}: CVAE active modes predicted/trained {dig_pred[k]:2d}/{dig_meas[k]:2d} "
          f"(per-coordinate {dig_coord[k]:2d});  VAE of y alone {vae_pred[k]:2d}/{vae_meas[k]:2d}")

# %% [markdown]
# ## Experiment 3: a ReLU CVAE trained by stochastic gradients
#
# The same synthetic pairs (now $\beta = 1$), a CVAE whose encoder and decoder are one-hidden-layer
# ReLU networks (64 units, $d_z = 8$, the decoder is $g(z) + h(x)$ as in the authors' ReLU model),
# Adam with learning rate $3\cdot10^{-3}$, batches of 100, one reparameterised sample per example.
# A unit is active when its KL, averaged over the training data, exceeds 0.01 nats. The linear
# closed form is shown for reference only: nothing guarantees that a non-linear model reaches it.

# %%
RELU_RHOS = np.array([0.0, 0.5, 0.7, 0.85, 0.95])


def relu_active_units(rho, run_seed):
    data_rng = np.random.default_rng(run_seed)
    X, Y = cc.correlated_pairs(RELU_N, VARIANCES, rho, data_rng)
    x, y = torch.tensor(X, dtype=torch.float32), torch.tensor(Y, dtype=torch.float32)
    torch.manual_seed(run_seed)
    model = cc.ReluCVAE(D, D, D, hidden=64)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(run_seed)
    for _ in range(RELU_EPOCHS):
        perm = torch.randperm(RELU_N, generator=gen)
        for b in range(0, RELU_N, 100):
            idx = perm[b:b + 100]
            loss = cc.relu_cvae_loss(model, x[idx], y[idx], beta=1.0)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    theta = np.linalg.eigvalsh(cc.residual_covariance(X, Y))
    return cc.active_units(model, x, y, KL_TOL), cc.predicted_active(theta, 1.0, D, kl_tol=KL_TOL)


relu_au = np.zeros((len(RELU_RHOS), RELU_SEEDS))
relu_lin = np.zeros_like(relu_au)
for i, rho in enumerate(progress(RELU_RHOS, desc="ReLU CVAE")):
    for s in range(RELU_SEEDS):
        relu_au[i, s], relu_lin[i, s] = relu_active_units(rho, 1000 * seed + 100 + 10 * i + s)
au_mean, au_ci = mean_ci(relu_au, axis=1)
for i, rho in enumerate(RELU_RHOS):
    print(f"rho={rho:4.2f}: ReLU active units {relu_au[i].astype(int).tolist()} (mean {au_mean[i]:.1f}); "
          f"linear closed form {relu_lin[i].mean():.1f}")

# %%
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
theory_vs_simulation(ax, BETAS_DIG, dig_pred, dig_meas, label="CVAE", color=COLORS[0], logx=True)
theory_vs_simulation(ax, BETAS_DIG, vae_pred, vae_meas, label="VAE of y alone", color=COLORS[1],
                     logx=True)
ax.set(xlabel=r"$\beta$ (log scale)", ylabel="active latent modes (of 32)",
       title="Digits: conditioning on the left half collapses more")
ax.set_xticks(BETAS_DIG[::2], [f"{b:g}" for b in BETAS_DIG[::2]])
ax.minorticks_off()
ax.legend(fontsize=8)
bx.errorbar(RELU_RHOS, au_mean, yerr=au_ci, fmt="o-", ms=5, capsize=3, color=COLORS[2],
            label=f"ReLU CVAE (mean, 95% CI over {RELU_SEEDS} seeds)")
bx.plot(RELU_RHOS, relu_lin.mean(1), "s--", color="0.4", label="linear closed form (reference)")
bx.set(xlabel=r"correlation $\rho$", ylabel="active units (of 8)", ylim=(-0.5, 8.5),
       title=r"ReLU CVAE, $\beta=1$")
bx.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
agree_syn = float((syn_pred == syn_meas).mean())
agree_dig = float((dig_pred == dig_meas).mean())
lam_ok = float(np.mean(syn_lam_ok + dig_lam_ok))
mono_rho = bool(np.all(np.diff(syn_meas, axis=0) <= 0))
drop_rho = int((syn_meas[0] - syn_meas[-1]).min())
cvae_le_vae = bool(np.all(dig_meas <= vae_meas))
relu_mono = bool(np.all(np.diff(au_mean) <= 0))
relu_drop = float(au_mean[0] - au_mean[-1])

claims = repro.Claims()
claims.add(
    "Linear CVAE, synthetic: the closed form predicts how many latent modes collapse",
    measured={"grid points agreeing": f"{int(round(agree_syn * syn_pred.size))} of {syn_pred.size}"},
    criterion="predicted == trained number of active modes at >= 90% of the 28 (rho, beta) points",
    passed=agree_syn >= 0.9)
claims.add(
    "Linear CVAE, digits halves: the closed form predicts how many latent modes collapse",
    measured={"beta values agreeing": f"{int(round(agree_dig * len(BETAS_DIG)))} of {len(BETAS_DIG)}"},
    criterion=f"predicted == trained number of active modes at >= 90% of the {len(BETAS_DIG)} beta values",
    passed=agree_dig >= 0.9)
claims.add(
    "Trained decoder singular values equal sqrt((theta_i - beta eta_dec^2)_+) / eta_enc",
    measured={"grid points within tolerance": f"{int(round(lam_ok * (len(syn_lam_ok) + len(dig_lam_ok))))}"
              f" of {len(syn_lam_ok) + len(dig_lam_ok)}"},
    criterion="max_i |lambda_i(trained) - lambda_i(closed form)| <= 0.05 max(1, lambda_1) at >= 90% of points",
    passed=lam_ok >= 0.9)
claims.add(
    "Input-output correlation causes collapse in trained linear models",
    measured={"non-increasing in rho at every beta": str(mono_rho),
              "smallest drop rho=0 -> 0.95": str(drop_rho),
              "digits CVAE <= VAE(y) at every beta": str(cvae_le_vae)},
    criterion="active count non-increasing in rho, drop >= 1 at every beta, and CVAE <= VAE on digits",
    passed=mono_rho and drop_rho >= 1 and cvae_le_vae)
claims.add(
    "ReLU CVAE: active units decrease as the correlation rho grows",
    measured={"mean active units over rho": [round(float(a), 1) for a in au_mean]},
    criterion=f"mean over {RELU_SEEDS} seeds non-increasing along rho = {RELU_RHOS.tolist()} and "
              "lower by >= 1 at rho=0.95 than at rho=0",
    passed=relu_mono and relu_drop >= 1,
    fmt="{:.1f}")
claims.report()

# %% [markdown]
# ## Verdict
#
# The closed form of the linear CVAE is a precise predictor. On the synthetic grid, trained
# linear CVAEs use exactly the modes whose residual variance $\theta_i$ exceeds
# $\beta\eta_{\rm dec}^2$ (by more than the 0.01-nat margin), and their decoder singular values sit
# on $\sqrt{(\theta_i - \beta\eta_{\rm dec}^2)_+}$. On the digits halves the same holds at all or
# all but one of the 11 values of $\beta$: the occasional miss is a mode within a few percent of
# the threshold, where the loss is nearly flat and 4000 Adam steps do not quite settle it. Correlation
# between input and output causes collapse exactly as the theorem says: raising $\rho$ shrinks the
# residual spectrum and, with it, the number of active modes at every $\beta$; on digits,
# conditioning on the left half leaves fewer active modes than modelling the right half alone
# (equal at small $\beta$, where both models use every mode with non-negligible variance).
#
# The trend carries over to a ReLU CVAE trained with stochastic gradients: its active units fall
# with $\rho$, from about 4 of 8 at $\rho = 0$ to none at $\rho = 0.95$. Its counts are close to the
# linear optimum but not equal to it: at moderate correlation a run sometimes keeps one more unit,
# and at $\rho = 0.85$ it usually drops the one weak mode (residual variance just above the
# threshold) that the linear optimum keeps. Only the qualitative claim is tested for it, as in the
# paper. The ReLU claim's margin is thin where the mean curve is flat between $\rho = 0$ and $0.5$
# (one seed keeping an extra unit can tie the means), which is why it is averaged over seeds.
#
# ## Deviations from the paper
#
# * **Scale and data.** The paper verifies Theorem 2 on synthetic data and MNIST quarters/halves
#   and runs ReLU and CNN CVAEs on MNIST. We use an 8-dimensional synthetic design whose residual
#   spectrum is spread out (so that modes collapse one at a time as $\rho$ grows; the authors'
#   synthetic ReLU experiment uses isotropic data, where all modes collapse together), and
#   scikit-learn digits instead of MNIST (nothing is downloaded).
# * **Whitened inputs on digits.** The left-half pixels are close to collinear; we feed the linear
#   CVAE the whitened principal components of the left half with variance above $10^{-3}$ so that
#   Adam converges within the budget. The closed form is computed from the same inputs.
# * **Exact expected loss.** The linear models minimise the exact expectation of the loss over the
#   reparameterisation noise (as the authors' matrix script does); the ReLU model uses the usual
#   one-sample estimate.
# * **Collapse criterion.** A coordinate counts as collapsed when its data-averaged KL is below
#   0.01 nats (the authors' active-unit threshold, applied per coordinate); the closed-form count
#   applies the same criterion to the theoretical per-mode KL.
# * **Not tested here.** The hierarchical VAE results (Theorems 3-5: a learnable second-level
#   encoder variance causes collapse) and the MNIST/CNN experiments are outside this chapter;
#   testing them would need the two-level linear model's closed form and a second experiment
#   of the same kind as Experiment 1.
