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
# # More is Better in Modern Machine Learning: when Infinite Overparameterization is Optimal and Overfitting is Obligatory
#
# {cite}`simon2024more` · [arXiv:2311.14646](https://arxiv.org/abs/2311.14646) (ICLR 2024)
# · no official code repository was found; everything below is our own implementation.
#
# Practitioners train ever wider networks on ever more data with little or no regularisation,
# and the trained networks often fit their training sets almost perfectly. Classical statistics
# would call that overfitting. Simon, Karkada, Ghosh and Belkin study the simplest model in which
# these habits can be analysed exactly: **random-feature (RF) ridge regression**, a two-layer
# network whose first layer is random and frozen and whose last layer is fitted by ridge
# regression. They derive a closed-form estimate of its test error in terms of the eigenvalues of
# the limiting kernel and the target's coefficients in its eigenbasis, and use it to argue that
# (i) with the ridge tuned, more features and more samples never hurt, so the infinitely wide
# model (kernel ridge regression) is the best, and (ii) on tasks whose eigenvalues and target
# coefficients decay as power laws, as they do for image data, the best ridge is so small that
# the model nearly interpolates its training data: low training error is not a side effect but a
# requirement of good test error.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (1) For RF ridge regression with an optimally tuned ridge, the test error decreases
# monotonically in the number of features $N$ and in the number of samples $n$ (Theorem 1), so
# infinite width is optimal. (2) The paper's closed-form RF "eigenframework" predicts the test
# error of finite-width models (Fig. 1). (3) For kernel regression on power-law tasks
# ($\lambda_i = i^{-\alpha}$, $v_i^2 = i^{-\beta}$), the train/test error ratio at the optimal ridge
# is bounded away from 1, and it is exactly zero (zero ridge is optimal) when the label noise is
# below a threshold set by $\alpha$ and $\beta$ (Theorem 2, Corollary 1).
#
# **This chapter checks**, on a Gaussian power-law task with $\alpha = 1.5$, $\beta = 2$
# (synthetic, so the theory's inputs are known exactly), with thresholds fixed before running:
# 1. the seed-averaged, optimally tuned test MSE never rises by more than **2 %** (our allowance for
#    Monte-Carlo noise) from one width to the next, $N = 16 \dots 1024$, at every
#    $n \in \{32,\dots,512\}$;
# 2. likewise from one sample size to the next, $n = 32 \dots 512$, at every width;
# 3. the eigenframework's optimally tuned test MSE is within **15 %** relative error of the
#    simulation for every $n, N \ge 64$ (a tolerance fixed in advance; the paper shows the
#    agreement graphically);
# 4. in the obligatory-overfitting regime (noise $\sigma^2_{\rm rel} = 0.5$, below the bound
#    $(\beta-\alpha)/(\alpha(\alpha-1)) = 2/3$ from our large-$n$ form of Corollary 1), the measured
#    train/test MSE ratio at the optimal ridge is **below 0.1** (the theory says 0 as
#    $n \to \infty$; 0.1 is an order of magnitude below 1, the no-overfitting value);
# 5. outside that regime ($\sigma^2_{\rm rel} = 10$) the measured optimal ratio lies within
#    **0.1** of the eigenframework's prediction, so the measurement can tell the regimes apart.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

import repro
from repro.gp import eigenframework as ef
from repro.scaling import powerlaw as pl
from repro.gp import random_features as rf
from repro.book.plotting import COLORS, theory_vs_simulation
from repro.book.progress import progress
from repro.stats.intervals import mean_ci, over_seeds

run = repro.setup(scale, seed, device)  # numpy float64 on one CPU thread; the device is unused

ALPHA, BETA = 1.5, 2.0                      # power-law exponents of the task
M = run.pick(2000, 4000)                    # number of eigenmodes kept in the synthetic task
NOISE = 0.05                                # label-noise variance of experiment 1
NS = run.pick([32, 64, 128, 256, 512], [32, 64, 128, 256, 512, 1024])
WIDTHS = run.pick([16, 32, 64, 128, 256, 512, 1024], [16, 32, 64, 128, 256, 512, 1024, 2048])
N_REP = run.pick(10, 20)                    # independent draws (data and features) per seed
N_OVERFIT = run.pick(512, 1024)             # samples in experiment 3
SIGMA_REL = [0.0, 0.5, 10.0]                # noise / (ridgeless noiseless test MSE), experiment 3
N_DIGITS = run.pick(256, 512)               # samples in the digits experiment
RIDGE_LO, RIDGE_HI = 1e-8, 1e2              # ridge grid, relative to n * E[k(x, x)]
replicates = [[run.seed, k] for k in range(N_REP)]  # seeds of np.random.default_rng

# %% [markdown]
# ## Method
#
# ### Random-feature ridge regression
#
# Draw $N$ random weights $w_j$ once. The model is $f(x) = \sum_{j=1}^N a_j\, h(w_j, x)/\sqrt N$,
# with the raw features normalised so that $\mathbb E_w[h(w,x)h(w,x')] = k(x,x')$; as
# $N\to\infty$ the RF kernel $\frac1N\sum_j h(w_j,x)h(w_j,x')$ tends to $k$ and RF regression
# tends to kernel ridge regression (KRR). Only $a$ is fitted, on $n$ samples, by
# $\min_a \sum_{i=1}^n (f(x_i)-y_i)^2 + \delta \lVert a\rVert^2$ (the ridge multiplies the *sum*
# of squared errors, as in the paper). One thin SVD of the $n\times N$ feature matrix gives the
# solution for every ridge of a path at the cost of a matrix product, in float64, so the grid can
# go down to $10^{-8}$ (relative to $n\,\mathbb E[k(x,x)]$) and effectively reach interpolation.
#
# ### The eigenframework
#
# Let $\lambda_i$ be the eigenvalues of $k$ under the data distribution, $v_i$ the target's
# coefficients in the orthonormal eigenfunctions and $\sigma^2$ the label-noise variance. The
# paper's estimate (Sec. 4) introduces two effective ridges $\kappa, \gamma$ that solve
#
# $$ n = \sum_i \mathcal L_i + \frac{\delta}{\kappa},\qquad
#    N = \sum_i \mathcal L_i + \frac{N\kappa}{\gamma},\qquad
#    \mathcal L_i = \frac{\lambda_i}{\lambda_i+\gamma}. $$
#
# With $z = \sum_i \mathcal L_i$ and $q = \sum_i \mathcal L_i^2$, the test and train MSE are
#
# $$ E_{\rm te} = \frac{\sum_i \Big[(1-\mathcal L_i) - \frac{N\kappa}{N-q}\,
#    \frac{\mathcal L_i}{\lambda_i+\gamma}\Big] v_i^2 + \sigma^2}
#    {1 - \frac{q(N-2z)+z^2}{n(N-q)}},\qquad
#    E_{\rm tr} = \Big(\frac{\delta}{n\kappa}\Big)^2 E_{\rm te}. $$
#
# As $N\to\infty$, $\gamma\to\kappa$ and this is the classic KRR estimate
# $E_{\rm te} = \frac{n}{n-q}\big(\sum_i(1-\mathcal L_i)^2v_i^2 + \sigma^2\big)$. The estimate
# assumes that the random features behave like Gaussians (the paper's universality ansatz); on the
# Gaussian task below that holds exactly, and on real data (digits) we check how far it carries.
# Both equations reduce to one monotone equation in $\gamma$, solved by bisection, vectorised over
# the ridge path. The code is the book's module `src/repro/gp/eigenframework.py` (tests in
# `tests/test_eigenframework.py`: hand-computed cases, the $N\to\infty$ and $\delta\to\infty$
# limits, agreement with simulation); the simulations use `src/repro/gp/random_features.py` (tests
# in `tests/test_random_features.py`) and `src/repro/scaling/powerlaw.py`.
#
# ### Why overfitting can be obligatory
#
# The ratio $R = E_{\rm tr}/E_{\rm te} = (\delta/n\kappa)^2$ is 0 for an interpolating model and
# tends to 1 as the ridge grows. For KRR on a power-law task the paper scales the noise with the
# difficulty of the task, $\sigma^2 = \sigma^2_{\rm rel}\, E_{\rm te}(\delta=0,\sigma=0)$, and
# studies the $R$ at which $E_{\rm te}$ is smallest. Replacing sums by integrals (our own
# derivation of the same large-$n$ analysis, in `ef.powerlaw_optimal_fitting_ratio`), with
# $s = (\kappa_0/\kappa)^{1/\alpha}\in(0,1]$ and $s=1$ the ridgeless interpolator,
#
# $$ R = (1-s)^2,\qquad E_{\rm te} \propto \frac{s^{1-\beta} + \alpha\sigma^2_{\rm rel}}
#    {1-(1-1/\alpha)\,s}, $$
#
# whose minimiser is $s=1$ (interpolation is optimal, $R^*=0$) exactly when
# $\sigma^2_{\rm rel} \le (\beta-\alpha)/(\alpha(\alpha-1))$, and otherwise solves
# $(\alpha-1)(\beta s + \alpha\sigma^2_{\rm rel} s^\beta) = \alpha(\beta-1)$, so $R^* < 1$ always.
# For $\alpha=1.5$, $\beta=2$ the bound is $2/3$.

# %%
print(inspect.getsource(ef.rf_risk))

# %% [markdown]
# ## Experiment 1: more features and more samples, with the ridge tuned
#
# The task has $M$ Gaussian eigenfunctions $z_i$ with $\lambda_i = i^{-1.5}$, $v_i^2 = i^{-2}$
# and noise variance $0.05$; the random features are $h(w,x) = w\cdot x$ with
# $x = \Lambda^{1/2}z$ and $w\sim\mathcal N(0,I)$, whose kernel is $k(z,z') = \sum_i\lambda_i z_iz_i'$.
# Because the predictor is linear in $z$, its test MSE is computed exactly from its coefficients
# (no test set). For each of the draws, one data set of 512 points and one set of 1024 weights
# are shared by the whole $(n, N)$ grid (the first $n$ points, the first $N$ features), and each
# model is fitted along a 31-point ridge path from $10^{-8}$ to $10^{2}$.

# %%
task = pl.powerlaw_task(M, ALPHA, BETA, noise_var=NOISE)
scale_k = task.eigvals.sum()  # E[k(x, x)]
ridges_for = lambda n: rf.relative_ridges(n, scale_k, RIDGE_LO, RIDGE_HI, 31)


def powerlaw_sweep(rep_seed):
    rng = np.random.default_rng(rep_seed)
    X, y = task.sample(rng, max(NS))
    fmap = rf.draw_feature_map(rng, "linear", M, max(WIDTHS))
    sqrt_lam = np.sqrt(task.eigvals)[:, None]

    def test_mse(path, N, ridges):  # f(z) = z . (sqrt(lam) * W_N a / sqrt(N)): exact population MSE
        return task.population_mse(fmap.W[:, :N] @ path.coef(ridges) / np.sqrt(N))

    train, test = rf.nested_sweep(fmap.raw(X), y, NS, WIDTHS, ridges_for, test_mse)
    return {"train": train, "test": test}


sim = over_seeds(powerlaw_sweep, replicates, desc="power-law draws")
theory = np.array([[ef.rf_risk(task.eigvals, task.coef, n, N, ridges_for(n), NOISE).test
                    for N in WIDTHS] for n in progress(NS, desc="theory")])
krr_best = np.array([ef.krr_risk(task.eigvals, task.coef, n, ridges_for(n), NOISE).test.min() for n in NS])

mean_curve = sim["test"].mean(0)                     # (n, N, ridge), averaged over draws
k_best = mean_curve.argmin(-1)                       # ridge tuned on the averaged curve
best_sim = np.take_along_axis(sim["test"], k_best[None, ..., None], -1)[..., 0]   # (draw, n, N)
best_mean, best_err = mean_ci(best_sim)
best_theory = theory.min(-1)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for c, i in enumerate([0, 2, 4]):
    theory_vs_simulation(axes[0], WIDTHS, best_theory[i], best_mean[i], best_err[i], label=f"n={NS[i]}",
                         color=COLORS[c], logx=True, logy=True)
    axes[0].axhline(krr_best[i], color=COLORS[c], ls=":", lw=1)
axes[0].set(xlabel="number of features N", ylabel="test MSE at the optimal ridge",
            title="More features never hurt (dotted: N = ∞, KRR)")
for c, j in enumerate([1, 3, 6]):
    theory_vs_simulation(axes[1], NS, best_theory[:, j], best_mean[:, j], best_err[:, j],
                         label=f"N={WIDTHS[j]}", color=COLORS[c], logx=True, logy=True)
axes[1].set(xlabel="number of samples n", ylabel="test MSE at the optimal ridge",
            title="More samples never hurt")
for ax, ticks in zip(axes, [WIDTHS, NS]):
    ax.set_xticks(ticks, [str(t) for t in ticks], minor=False)
    ax.set_xticks([], minor=True)
    ax.legend(ncol=1, fontsize=8, loc="upper right")
fig.suptitle(f"RF ridge regression on a power-law task (α={ALPHA}, β={BETA}); "
             f"lines: eigenframework, points: mean ± 95% CI of {N_REP} draws", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 2: without tuning, more is not always better
#
# The monotonicity needs the ridge to be tuned. At the smallest ridge of the grid (effectively the
# minimum-norm interpolator) the test error peaks where the number of features equals the number
# of samples ("double descent"), for the Gaussian task and for a real one: random ReLU features on
# scikit-learn's 1797 digit images (64 pixels, standardised; centred one-hot targets, squared
# error summed over the 10 outputs). For digits we treat the 1797 images as the population: the
# theory's eigenvalues and coefficients come from the eigendecomposition of the ReLU (arc-cosine)
# kernel matrix divided by 1797, training sets are drawn from it with replacement, and the test
# MSE is computed over all 1797 images.

# %%
digits_X, digits_labels = load_digits(return_X_y=True)
digits_X = (digits_X - digits_X.mean(0)) / (digits_X.std(0) + 1e-8)
P = len(digits_X)
digits_Y = np.eye(10)[digits_labels]
digits_Y -= digits_Y.mean(0)
lam_d, V_d = np.linalg.eigh(rf.relu_kernel(digits_X, digits_X) / P)
keep = lam_d > 1e-12 * lam_d.max()
lam_d, V_d = lam_d[keep][::-1], V_d[:, keep][:, ::-1]
coef_d = V_d.T @ digits_Y / np.sqrt(P)  # eigenfunctions sqrt(P) V, inner product = mean over images
ridges_d = rf.relative_ridges(N_DIGITS, lam_d.sum(), RIDGE_LO, RIDGE_HI, 31)


def digits_sweep(rep_seed):
    rng = np.random.default_rng(rep_seed)
    idx = rng.integers(0, P, N_DIGITS)
    fmap = rf.draw_feature_map(rng, "relu", digits_X.shape[1], max(WIDTHS))
    raw = fmap.raw(digits_X)

    def test_mse(path, N, ridges):
        return path.test_mse(rf.first_features(raw, N), digits_Y, ridges)

    train, test = rf.nested_sweep(raw[idx], digits_Y[idx], [N_DIGITS], WIDTHS, lambda n: ridges_d, test_mse)
    return {"test": test[0]}


sim_d = over_seeds(digits_sweep, replicates, desc="digits draws")["test"]     # (draw, N, ridge)
theory_d = np.array([ef.rf_risk(lam_d, coef_d, N_DIGITS, N, ridges_d).test for N in WIDTHS])
kd = sim_d.mean(0).argmin(-1)
best_d = np.take_along_axis(sim_d, kd[None, :, None], -1)[..., 0]
digits_gap = np.abs(best_d.mean(0) / theory_d.min(-1) - 1)
i256 = NS.index(256)
print(f"digits: largest relative gap between eigenframework and simulation at the tuned ridge, "
      f"N >= 64: {digits_gap[np.array(WIDTHS) >= 64].max():.2f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
panels = [(axes[0], sim["test"][:, i256], theory[i256], NS[i256], "Gaussian power-law task"),
          (axes[1], sim_d, theory_d, N_DIGITS, "ReLU random features on digits")]
for ax, s, t, n_train, title in panels:
    m0, e0 = mean_ci(s[..., 0])
    theory_vs_simulation(ax, WIDTHS, t[:, 0], m0, e0, label="ridge 1e-8", color=COLORS[1], logx=True, logy=True)
    kb = s.mean(0).argmin(-1)
    sb = np.take_along_axis(s, kb[None, :, None], -1)[..., 0]
    mb, eb = mean_ci(sb)
    theory_vs_simulation(ax, WIDTHS, t.min(-1), mb, eb, label="tuned ridge", color=COLORS[0], logx=True, logy=True)
    ax.axvline(n_train, color="grey", ls="--", lw=1)
    ax.set_xticks(WIDTHS, [str(t) for t in WIDTHS], minor=False)
    ax.set_xticks([], minor=True)
    ax.set(xlabel="number of features N", ylabel="test MSE", title=f"{title}, n={n_train}")
    ax.legend(fontsize=8)
fig.suptitle("Near-interpolation peaks at N = n (dashed); the tuned ridge removes the peak", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 3: overfitting is obligatory on a power-law task
#
# Now the width is infinite (KRR, the best RF model by experiment 1) and $n$ is fixed. We add noise
# $\sigma^2 = \sigma^2_{\rm rel}\,E_{\rm te}(\delta=0,\sigma=0)$ with $\sigma^2_{\rm rel}\in\{0, 0.5, 10\}$
# (the first two inside the interpolation-optimal regime $\sigma^2_{\rm rel}\le 2/3$, the last
# outside), sweep an 81-point ridge path and plot the test MSE against the fitting ratio
# $R = E_{\rm tr}/E_{\rm te}$. The same inputs and the same standard-normal noise draw, rescaled, are
# used for the three noise levels.

# %%
base = ef.krr_risk(task.eigvals, task.coef, N_OVERFIT, 0.0).test[0]   # ridgeless noiseless test MSE
ridges_o = rf.relative_ridges(N_OVERFIT, scale_k, RIDGE_LO, RIDGE_HI, 81)
theory_o = [ef.krr_risk(task.eigvals, task.coef, N_OVERFIT, ridges_o, s2 * base) for s2 in SIGMA_REL]


def overfit_draw(rep_seed):
    rng = np.random.default_rng(rep_seed)
    noiseless = task.with_noise(0.0)
    X, y0 = noiseless.sample(rng, N_OVERFIT)
    eps = rng.standard_normal(N_OVERFIT)
    path0 = rf.RidgePath(X, y0)   # KRR = ridge regression on the kernel's features X
    out = {}
    for s2 in SIGMA_REL:
        path = path0.retarget(y0 + np.sqrt(s2 * base) * eps)
        out[f"test{s2}"] = task.with_noise(s2 * base).population_mse(path.coef(ridges_o))
        out[f"train{s2}"] = path.train_mse(ridges_o)
    return out


sim_o = over_seeds(overfit_draw, replicates, desc="overfitting draws")
ratio_sim, ratio_theory = {}, {}
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for c, (s2, th) in enumerate(zip(SIGMA_REL, theory_o)):
    te, tr = sim_o[f"test{s2}"], sim_o[f"train{s2}"]
    k = te.mean(0).argmin()
    ratio_sim[s2] = tr.mean(0)[k] / te.mean(0)[k]
    ratio_theory[s2] = th.fitting_ratio[th.test.argmin()]
    ax.plot(th.fitting_ratio, th.test / base, "-", color=COLORS[c], label=f"σ²_rel={s2:g} theory")
    m, e = mean_ci(te / base)
    sel = slice(0, None, 4)
    ax.errorbar((tr.mean(0) / te.mean(0))[sel], m[sel], yerr=e[sel], fmt="o", ms=3, capsize=2,
                color=COLORS[c], label=f"σ²_rel={s2:g} simulation")
    ax.plot(ratio_sim[s2], te.mean(0)[k] / base, "*", ms=14, color=COLORS[c], mec="k")
ax.set_yscale("log")
ax.set_ylim(0.7, 60)  # clip the large-ridge end, which climbs to the null predictor
ax.set(xlabel="fitting ratio  train MSE / test MSE", ylabel="test MSE / ridgeless noiseless test MSE",
       title=f"KRR on the power-law task, n={N_OVERFIT} (stars: optimal ridge)")
ax.legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()
print("optimal fitting ratio, simulation:", {k: round(float(v), 3) for k, v in ratio_sim.items()})
print("optimal fitting ratio, eigenframework at this n:", {k: round(float(v), 3) for k, v in ratio_theory.items()})
print("optimal fitting ratio, large-n formula:",
      {s2: round(ef.powerlaw_optimal_fitting_ratio(ALPHA, BETA, s2), 3) for s2 in SIGMA_REL})

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
steps_N = best_mean[:, 1:] / best_mean[:, :-1]
steps_n = best_mean[1:, :] / best_mean[:-1, :]
big = (np.array(NS)[:, None] >= 64) & (np.array(WIDTHS)[None, :] >= 64)
rel_err = np.abs(best_mean / best_theory - 1)[big]
bound = (BETA - ALPHA) / (ALPHA * (ALPHA - 1))

claims = repro.Claims()
claims.add("Tuned test MSE is non-increasing in the number of features N (every n)",
           measured={"largest step ratio": steps_N.max()},
           criterion="every step MSE(N_next) / MSE(N) <= 1.02", passed=steps_N.max() <= 1.02, fmt="{:.2f}")
claims.add("Tuned test MSE is non-increasing in the number of samples n (every N)",
           measured={"largest step ratio": steps_n.max()},
           criterion="every step MSE(n_next) / MSE(n) <= 1.02", passed=steps_n.max() <= 1.02, fmt="{:.2f}")
claims.add("RF eigenframework predicts the tuned test MSE (n, N >= 64)",
           measured={"largest relative error": rel_err.max()},
           criterion="|simulation / theory - 1| <= 0.15 everywhere", passed=rel_err.max() <= 0.15, fmt="{:.2f}")
claims.add(f"Overfitting is obligatory: sigma2_rel=0.5 (< {bound:.2f}), train/test MSE at the optimal ridge",
           measured={"R_opt": ratio_sim[0.5]},
           criterion="R_opt < 0.1 (theory: 0 as n -> inf)", passed=ratio_sim[0.5] < 0.1, fmt="{:.2f}")
claims.add("Outside the regime (sigma2_rel=10) the optimal train/test ratio matches the eigenframework",
           measured={"R_opt simulation": ratio_sim[10.0], "R_opt theory": ratio_theory[10.0]},
           criterion="|simulation - theory| <= 0.1",
           passed=abs(ratio_sim[10.0] - ratio_theory[10.0]) <= 0.1, fmt="{:.2f}")
claims.report()

# %% [markdown]
# **Verdict.** Each of the five checks could fail; at quick scale all five are reproduced, with the
# same verdicts for seeds 0, 1 and 2. With the ridge tuned, the simulated test error of RF
# regression goes down at every step as features or samples are added, and the dotted KRR levels
# ($N=\infty$) lie below every finite width, as Theorem 1 says. On the Gaussian task the
# eigenframework tracks the simulations to within a few per cent (error bars: 95 % intervals over
# independent draws of data and features). Experiment 2 shows why tuning matters: at a near-zero
# ridge the error peaks at $N = n$ and more features can hurt. On real data (ReLU features on
# digits) the theory gets the shape right, but the printed gap between theory and simulation is
# larger, 0.13 to 0.21 for seeds 0 to 2 at quick scale and more at full scale ($n = 512$): the Gaussian universality ansatz is only approximate for a
# small, low-dimensional data set used as its own population, which is why the quantitative claim
# is checked on the Gaussian task. In experiment 3 the best test error is reached at a train/test
# ratio near 0 for $\sigma^2_{\rm rel} \in \{0, 0.5\}$, that is by (nearly) interpolating noisy labels,
# while much stronger noise ($\sigma^2_{\rm rel}=10$) moves the optimum to the ratio the theory
# predicts, still well below 1.
#
# **Deviations from the paper.**
# - Scale: $n \le 512$, $N \le 1024$ and 10 draws at quick scale (the paper goes to thousands of
#   samples and features); `full` scale doubles them. The power-law spectrum is truncated at
#   $M = 2000$ modes; the theory uses the same truncated spectrum, so the comparison is exact
#   in expectation, but the large-$n$ formulas for the optimal ratio are only approached.
# - Real data: the paper uses CIFAR-10 with ReLU features (Fig. 1) and convolutional NTKs on
#   MNIST, SVHN and CIFAR-10 (Fig. 2); we use scikit-learn's digits with ReLU features, as an
#   illustration only, and no convolutional kernels.
# - The closed form for the optimal fitting ratio and the interpolation bound
#   $\sigma^2_{\rm rel}\le(\beta-\alpha)/(\alpha(\alpha-1))$ are our own large-$n$ derivation from the
#   KRR estimate, in the setting of the paper's Sec. 5; the unit tests check them against the
#   finite-$n$ estimate at $n = 1000$.
# - The ridge is tuned on the seed-averaged test curve (an oracle), separately for each $(n, N)$,
#   on a grid of 31 (experiments 1-2) or 81 (experiment 3) log-spaced values.
