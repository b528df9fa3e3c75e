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
# # All You Need is a Good Functional Prior for Bayesian Deep Learning
#
# {cite}`tran2022all` · [paper (JMLR 2022, arXiv:2011.12829)](https://arxiv.org/abs/2011.12829)
# · [authors' code (tranbahien/you-need-a-good-prior)](https://github.com/tranbahien/you-need-a-good-prior).
# Everything below is our own implementation.
#
# A Bayesian neural network is usually given an isotropic prior on its weights, often $N(0, 1)$,
# with little thought about what that prior says about *functions*. Tran et al. turn the question
# around: choose a prior over functions that is easy to reason about, a Gaussian process whose
# hyper-parameters are fitted to the data, and tune the hyper-parameters of the weight prior so
# that the network's induced distribution over functions matches it. The match is measured by the
# 1-Wasserstein distance between the two distributions of function values at random sets of inputs,
# estimated with a neural critic; the tuned prior is then used in an ordinary MCMC posterior.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Minimising the Wasserstein distance to a GP prior gives weight priors whose functional
# prior is close to the GP's, and SGHMC posteriors under these tuned priors predict systematically
# better than under a fixed $N(0, 1)$ prior (lower test NLL and RMSE on UCI regression).
#
# **This chapter checks**, on scikit-learn's diabetes data (thresholds fixed before running):
# 1. the estimated 1-Wasserstein distance between the BNN's functional prior and the GP prior at
#    random measurement sets falls at least 10-fold, from the $N(0, 1)$ prior to the tuned prior;
# 2. the SGHMC posterior under the tuned prior has lower test NLL than under $N(0, 1)$: the paired
#    95 % confidence interval over random train/test splits of NLL($N(0,1)$) - NLL(tuned) lies
#    above 0;
# 3. the same for test RMSE.
# ```

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: splits 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda" (this chapter computes on the CPU)
n_splits = 0         # random 70/30 splits; 0 picks the scale's default
width = 50           # hidden units per layer (two tanh layers)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book import params
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.data.datasets import diabetes
from repro.gp.regression import GPRegression, gaussian_nll
from repro.papers.kernels import functional_prior as fp
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)
params.check_int("n_splits", n_splits, minimum=0, maximum=100)
params.check_int("width", width, minimum=4, maximum=1000)
n_splits = n_splits or run.pick(10, 20)
if n_splits < 3:
    raise params.ParameterError(f"parameter n_splits={n_splits} must be >= 3 (confidence intervals)")
SIZES = [10, width, width, 1]
TUNE_ITERS, CRITIC_STEPS = run.pick(60, 300), run.pick(30, 100)
M, N_FUNCS = 32, 128                   # measurement-set size, function draws per step
N_BURN, N_KEEP, THIN = run.pick(1000, 5000), run.pick(20, 50), run.pick(50, 100)
LR_SGHMC = 1e-4
SPLITS = [1000 * seed + i for i in range(n_splits)]
rng = np.random.default_rng(seed)
gen = torch.Generator().manual_seed(seed)
print(f"MLP {'-'.join(map(str, SIZES))} (tanh), {n_splits} splits, prior tuning {TUNE_ITERS} steps, "
      f"SGHMC {N_BURN} burn-in + {N_KEEP} samples every {THIN} steps")

# %% [markdown]
# ## The method
#
# The prior of layer $\ell$ (fan-in $d_\ell$) is $W_\ell \sim N(0, s_\ell^2 / d_\ell)$,
# $b_\ell \sim N(0, t_\ell^2)$, with $\psi = (s_\ell, t_\ell)_\ell$ to be tuned. For a measurement set
# $X_M$ of $M$ inputs, let $p_\psi$ be the law of $f(X_M)$ under this prior and $q$ the law under
# the GP prior $N(0, K(X_M, X_M))$. By Kantorovich-Rubinstein duality
#
# $$W_1(p_\psi, q) = \sup_{\lVert\phi\rVert_L \le 1} \mathbb E_{f\sim p_\psi}[\phi(f)] - \mathbb E_{f\sim q}[\phi(f)],$$
#
# so, as in a Wasserstein GAN, a critic $\phi: \mathbb R^M \to \mathbb R$ (two softplus layers)
# is trained to maximise the difference of means, with the gradient penalty
# $10\,\mathbb E[(\lVert\nabla\phi\rVert - 1)^2]$ keeping it near 1-Lipschitz; then $\psi$ takes one
# RMSprop step down the critic's estimate, which is differentiable in $\psi$ through the
# reparameterised weight draws $W = (s/\sqrt d)\,\varepsilon$. Each step draws a new $X_M$ from the
# training inputs and restarts the critic. The GP (RBF kernel) has its amplitude, lengthscale and
# noise fitted by marginal likelihood. Code: `src/repro/papers/kernels/functional_prior.py`, tests in
# `tests/test_functional_prior.py`.

# %%
print(inspect.getsource(fp.fit_prior))

# %% [markdown]
# ## Tuning the prior
#
# Tuned once, on the training inputs and GP hyper-parameters of the first split. The $N(0, 1)$
# baseline has unit-variance weights and biases without fan-in scaling (the usual default); we also
# show the fan-in-scaled prior the tuning starts from ($s_\ell = t_\ell = 1$). Wasserstein
# estimates average 3 fresh measurement sets, each with its own critic, evaluated on fresh draws.

# %%
Xtr0, ytr0, _, _ = diabetes(seed=SPLITS[0])
hyp0 = fp.fit_rbf_gp(Xtr0, ytr0)
print("GP hyper-parameters (split 0):", {k: round(float(v), 3) for k, v in hyp0.items()})
std_prior = fp.PriorMLP(SIZES, 1.0, 1.0, fan_in_scaling=False)
tuned = fp.PriorMLP(SIZES, 1.0, 1.0, fan_in_scaling=True)
W = {"N(0,1)": fp.wasserstein_estimate(std_prior, Xtr0, hyp0, 3, M, 256, 100, rng, gen),
     "fan-in scaled, untuned": fp.wasserstein_estimate(tuned, Xtr0, hyp0, 3, M, 256, 100, rng, gen)}
hist = fp.fit_prior(tuned, Xtr0, hyp0, TUNE_ITERS, M, N_FUNCS, CRITIC_STEPS, rng, gen)
W["tuned"] = fp.wasserstein_estimate(tuned, Xtr0, hyp0, 3, M, 256, 100, rng, gen)
for k, v in W.items():
    print(f"W1 estimate, {k:24s}: {v:8.3f}")
print("(the estimator is noisy at the level of a few tenths: values near 0 can come out negative)")
print("tuned (weight std * sqrt(fan-in), bias std) per layer:",
      [(round(tuned.log_w[l].exp().item(), 2), round(tuned.log_b[l].exp().item(), 2)) for l in range(3)])

# %%
xs = np.zeros((200, 10))
xs[:, 2] = np.linspace(-3, 3, 200)  # vary BMI (feature 2), others at their mean
Xt = torch.tensor(xs, dtype=torch.float32)
gp_draws = fp.gp_functions(xs, hyp0, 6, rng).numpy()
with torch.no_grad():
    draws = {"N(0,1)": std_prior.sample_functions(Xt, 6, gen).numpy(),
             "tuned": tuned.sample_functions(Xt, 6, gen).numpy()}
fig, axes = plt.subplots(1, 4, figsize=(15, 3.3))
for ax, (name, F_) in zip(axes, (("GP prior", gp_draws), ("BNN prior N(0,1)", draws["N(0,1)"]),
                                  ("BNN prior, tuned", draws["tuned"]))):
    ax.plot(xs[:, 2], F_.T, lw=1)
    ax.set(title=name, xlabel="standardised BMI (others at 0)")
axes[0].set_ylabel("f(x)")
axes[3].plot(hist, color=COLORS[0], lw=1)
axes[3].set(title="critic's W1 estimate while tuning", xlabel="prior step", yscale="symlog")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Posteriors on diabetes
#
# For every split (70 % train, targets standardised), SGHMC with full-batch gradients samples the
# posterior of the same network under the two priors; the Gaussian noise variance is fixed to the
# GP's fitted value on that split, the same for both. The predictive distribution is the mixture
# over the kept samples. The GP itself is shown as a reference.

# %%
res = {k: [] for k in ("nll_std", "nll_tuned", "rmse_std", "rmse_tuned", "nll_gp", "rmse_gp")}
stds = {"std": [(1.0, 1.0)] * 3, "tuned": fp.prior_stds(tuned)}
for i, s in enumerate(progress(SPLITS, desc="splits")):
    Xtr, ytr, Xte, yte = diabetes(seed=s)
    hyp = fp.fit_rbf_gp(Xtr, ytr)
    gp = GPRegression(lambda A, B: fp.rbf(A, B, hyp["amp2"], hyp["ls"]), Xtr, ytr, hyp["noise"])
    m, v = gp.predict(Xte)
    res["rmse_gp"].append(float(np.sqrt(np.mean((m - yte) ** 2))))
    res["nll_gp"].append(gaussian_nll(yte, m, v + hyp["noise"]))
    for name, st in stds.items():
        preds = fp.sghmc_regression(SIZES, st, Xtr, ytr, hyp["noise"], Xte, n_burn=N_BURN, n_keep=N_KEEP,
                                    thin=THIN, lr=LR_SGHMC, seed=s)
        r, nll = fp.predictive_scores(preds, yte, hyp["noise"])
        res[f"rmse_{name}"].append(r)
        res[f"nll_{name}"].append(nll)
res = {k: np.array(v) for k, v in res.items()}
for k in ("gp", "std", "tuned"):
    print(f"{k:6s} test NLL {res['nll_' + k].mean():.3f}  RMSE {res['rmse_' + k].mean():.3f}  (mean over {n_splits} splits)")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for ax, metric in zip(axes, ("nll", "rmse")):
    a, b = res[f"{metric}_std"], res[f"{metric}_tuned"]
    ax.plot(a, b, "o", color=COLORS[0])
    lim = [min(a.min(), b.min()) - 0.02, max(a.max(), b.max()) + 0.02]
    ax.plot(lim, lim, "k--", lw=1)
    ax.set(xlabel=f"test {metric.upper()}, N(0,1) prior", ylabel=f"test {metric.upper()}, tuned prior",
           title=f"{n_splits} splits: below the diagonal = tuned prior better")
plt.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
d_nll, h_nll = mean_ci(res["nll_std"] - res["nll_tuned"])
d_rmse, h_rmse = mean_ci(res["rmse_std"] - res["rmse_tuned"])
claims = repro.Claims()
claims.add(
    "Tuning the weight prior brings the BNN's functional prior close to the GP prior",
    measured={"W1 N(0,1) prior": f"{W['N(0,1)']:.0f}",
              "W1 tuned prior": "<= 1/10 of it" if W["tuned"] <= W["N(0,1)"] / 10 else f"{W['tuned']:.1f}"},
    criterion="estimated W1(tuned prior, GP) <= W1(N(0,1) prior, GP) / 10",
    passed=bool(W["tuned"] <= W["N(0,1)"] / 10))
claims.add(
    "SGHMC under the tuned prior has lower test NLL than under N(0,1)",
    measured={"NLL(N(0,1)) - NLL(tuned)": f"{d_nll:.2f}", "95% CI above 0": "yes" if d_nll - h_nll > 0 else "no"},
    criterion=f"paired 95% CI over {n_splits} splits entirely above 0",
    passed=bool(d_nll - h_nll > 0))
claims.add(
    "SGHMC under the tuned prior has lower test RMSE than under N(0,1)",
    measured={"RMSE(N(0,1)) - RMSE(tuned)": f"{d_rmse:.2f}", "95% CI above 0": "yes" if d_rmse - h_rmse > 0 else "no"},
    criterion=f"paired 95% CI over {n_splits} splits entirely above 0",
    passed=bool(d_rmse - h_rmse > 0))
claims.report()

# %% [markdown]
# ## Verdict
#
# **All three claims reproduce.** Matching the GP prior in Wasserstein distance takes the
# functional prior of the 10-50-50-1 tanh network from very far away (estimated $W_1 \approx 85$
# for $N(0, 1)$ weights, whose functions have a huge amplitude and swing through the whole range
# of the tanh units) to the estimator's noise floor (a few tenths at most, sometimes negative). Under the
# tuned prior the SGHMC posterior predicts better on every seed: the test NLL drops by about
# 0.06-0.07 nats and the RMSE by 0.03-0.04 on average over 10 splits, with paired 95 % confidence
# intervals above 0, and the BNN then performs about as well as the GP whose prior it imitates.
#
# Two qualifications. First, most of the distance is removed by the fan-in scaling
# $s/\sqrt{d}$ alone (the untuned scaled prior already sits at $W_1 \approx 0.4$-$2$); the
# Wasserstein tuning then adjusts the per-layer scales by factors between about 0.5 and 2. We did
# not run a third posterior under the untuned scaled prior, so this chapter does not separate the
# gain of the tuning from that of the scaling; the paper's baseline, like ours, is the fixed
# $N(0, 1)$ prior. Second, the chains are short (2000 SGHMC steps, 20 kept samples): both priors
# get the same budget, but the absolute numbers are those of a small sampler.
#
# ## Deviations from the paper
#
# * **Data and model.** scikit-learn's diabetes data (442 patients) instead of the paper's UCI
#   benchmarks; two tanh hidden layers of 50 units; 10 random 70/30 splits.
# * **Prior family.** Only the Gaussian prior with one weight and one bias scale per layer (the
#   paper also tunes hierarchical and normalising-flow priors); tuned once, on the first split's
#   training inputs and GP hyper-parameters, and reused for all splits (the three GP
#   hyper-parameters fitted on that split's training targets are the only information shared with
#   later splits' test sets). 60 prior steps with 30 critic steps each at quick scale (the authors
#   use 200 critic steps and more iterations); measurement sets of 32 training inputs.
# * **Inference.** Plain SGHMC with full-batch gradients, fixed friction and step size, 1000
#   burn-in steps and 20 samples 50 steps apart, and the noise variance fixed to the GP's fitted
#   value, instead of the authors' adaptive SGHMC with a sampled noise variance and long chains.
# * **Wasserstein estimates** for the claim use a fresh critic per measurement set, trained on one
#   set of draws and evaluated on fresh ones; they are noisy near 0, which is why the tuned prior's
#   estimate is reported only as a bound relative to the $N(0, 1)$ prior's.
