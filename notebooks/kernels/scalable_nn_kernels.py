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
# # Scalable Neural Network Kernels
#
# {cite}`sehanobish2024snnk` · [paper (ICLR 2024, arXiv:2310.13225)](https://arxiv.org/abs/2310.13225) ·
# [authors' code (arijitthegame/neural-network-kernels)](https://github.com/arijitthegame/neural-network-kernels).
# Everything below is our own implementation.
#
# A feed-forward layer computes $f(w^\top x)$ for every row $w$ of its weight matrix: input and
# parameters are mixed inside the non-linearity. The paper rewrites such a layer as a *kernel*
# between the input and the weights, and then linearises the kernel with random features:
# $f(w^\top x) \approx \phi(x)^\top \psi(w)$. In this form the input only enters through
# $\phi(x)$ and the parameters only through $\psi(w)$, which can then be trained, compressed or
# merged with neighbouring layers ("bundling"). To build $\phi$ and $\psi$ for many activations at
# once the authors introduce *universal random features* (URFs), derived from the Fourier
# representation of $f$. The headline results are on Transformer fine-tuning (adapters with up to
# five times fewer trainable parameters); this chapter tests the mechanism underneath.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Random features of the input and of the weights give unbiased estimates of
# $f(w^\top x)$ for a broad class of activations, so a layer can be replaced by a scalable
# kernel $\phi(x)^\top \Psi$; networks built this way reach competitive accuracy with fewer trainable
# parameters.
#
# **This chapter checks** (tier B: the Transformer-adapter results are out of reach on a CPU in
# a minute; thresholds fixed before running, the first and third from the catalog's suggested check):
# 1. *point-wise estimation*: for four activations ($\exp$, $\cos$, $\sin$ and the Gaussian
#    $e^{-z^2/2}$, the last through its Fourier measure), the mean squared error of the URF estimate
#    of $f(w^\top x)$ over random pairs falls like $1/m$ in the number of features $m$: fitted
#    log-log slope in $[-1.2, -0.8]$ for every activation;
# 2. *theory vs simulation*: for $\exp$, the measured $m \cdot \mathrm{MSE}$ agrees with our
#    closed-form variance of one feature within 15 % at every $m$;
# 3. *an SNNK-MLP on digits*: replacing the hidden layer of a 64-64-10 MLP by an SNNK layer with
#    $m = 32$ features (half the input dimension) keeps the test accuracy within 2 points of the
#    standard MLP (mean over seeds) with fewer trainable parameters.
# ```

# %% tags=["parameters"]
scale = "quick"   # "quick" (CPU, < 1 min) or "full"
seed = 0          # seeds the random pairs, the features and the networks
device = "auto"   # "auto", "cpu" or "cuda" (only the MLP experiment uses it)
n_seeds = 0       # network seeds in experiment 3; 0 picks the scale's default
m_snnk = 32       # random features of the SNNK layer in claim 3

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book import params
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.data import datasets
from repro.nn import models, training
from repro.papers.kernels import nn_kernel_features as nkf
from repro.scaling.fits import loglog_slope
from repro.stats import metrics

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=50)
params.check_int("m_snnk", m_snnk, minimum=1, maximum=4096)
n_seeds = n_seeds or run.pick(3, 10)
if n_seeds < 2:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 2")

D = 16                                              # dimension of the (w, x) pairs
R_X, R_W = 1.5, 0.4                                 # norms of x and w
N_PAIRS = run.pick(100, 400)
N_REPS = run.pick(20, 100)                          # independent feature draws per m
MS = [2 ** k for k in range(4, run.pick(13, 15))]   # 16 ... 4096 (full: 16384)
M_GRID = [8, 16, 32, 64, 128]                       # SNNK widths of experiment 3
print(f"{N_PAIRS} pairs in R^{D}, {N_REPS} feature draws per m, m = {MS[0]}..{MS[-1]}; {n_seeds} network seeds")

# %% [markdown]
# ## Method: universal random features
#
# The construction rests on one Gaussian identity (the positive random features of Performers):
# for $g \sim \mathcal N(0, I_d)$ and vectors $u, v$ (with $u$ allowed to be complex),
#
# $$
# \mathbb E_g\big[e^{g^\top u - u^\top u/2}\; e^{g^\top v - v^\top v/2}\big] = e^{u^\top v}.
# $$
#
# With $v = x$ and $u = i\xi w$ it yields $e^{i \xi w^\top x}$. Any activation that is an
# expectation of oscillations, $f(z) = \mathbb E_\xi[c(\xi)\, e^{i \xi z}]$ (its Fourier
# representation, $\xi$ drawn from the Fourier measure), therefore satisfies
# $f(w^\top x) = \mathbb E_{\xi, g}[\phi(x)\,\psi(w)]$ with the input feature
# $\phi(x) = e^{g^\top x - \|x\|^2/2}$ and a weight feature $\psi(w)$ that carries $\xi$, $c(\xi)$
# and $\|w\|$. Our four instances:
#
# | $f(z)$ | $\psi(w)$ | Fourier measure |
# |---|---|---|
# | $e^{z}$ | $e^{g^\top w - \|w\|^2/2}$ | (real exponent, $u = w$) |
# | $\cos z$ | $e^{\|w\|^2/2} \cos(g^\top w)$ | $\xi = 1$ |
# | $\sin z$ | $e^{\|w\|^2/2} \sin(g^\top w)$ | $\xi = 1$ |
# | $e^{-z^2/2}$ | $e^{\xi^2 \|w\|^2/2} \cos(\xi\, g^\top w)$ | $\xi \sim \mathcal N(0, 1)$ |
#
# Averaging $m$ independent draws, $\phi(x)^\top\psi(w)$ with features scaled by $1/\sqrt m$, is an
# unbiased Monte Carlo estimate whose MSE is $\mathrm{Var}/m$. For $\exp$ the variance of one term
# has a closed form (our derivation from the same identity):
# $\mathrm{Var} = e^{2\|x+w\|^2 - \|x\|^2 - \|w\|^2} - e^{2 w^\top x}$. The variance grows quickly
# with the norms, which is why the SNNK layer below rescales its inputs to a fixed norm (the
# authors' code has the same option). An SNNK layer then computes $\phi(x)^\top \Psi$, where
# $\Psi$ (initialised, if wanted, at $\psi(W)$ so that the layer starts as an approximation of
# $f(Wx)$) is the trainable part: $m \times$ out parameters instead of in $\times$ out.
#
# The code is `src/repro/papers/kernels/nn_kernel_features.py` (tests: `tests/test_nn_kernel_features.py`, which
# check unbiasedness with 200,000 features, the variance formula, and that an SNNK layer
# initialised from $W$ reproduces $\cos(Wx)$):

# %%
print(inspect.getsource(nkf.URF))

# %% [markdown]
# ## Experiment 1: point-wise kernel estimation
#
# We draw pairs with $\|x\| = 1.5$ and $\|w\| = 0.4$ uniformly on their spheres in $\mathbb R^{16}$
# (so $|w^\top x| \le 0.6$; the Gaussian activation's estimator has a finite fourth moment only for
# $\|w\|^2 < 1/4$), and for every $m$ estimate all $f(w^\top x)$ with independent feature draws.

# %%
X = nkf.sphere(run.rng, N_PAIRS, D, R_X)
W = nkf.sphere(run.rng, N_PAIRS, D, R_W)
z = np.sum(X * W, axis=1)
mse = {a: np.zeros(len(MS)) for a in nkf.ACTIVATIONS}
bias = {a: np.zeros(len(MS)) for a in nkf.ACTIVATIONS}
for a in progress(nkf.ACTIVATIONS, desc="activations"):
    target = nkf.exact(a, z)
    for j, m in enumerate(MS):
        errs = np.empty((N_REPS, N_PAIRS))
        for r in range(N_REPS):
            urf = nkf.draw_urf(run.rng, a, m, D)
            errs[r] = np.sum(urf.phi(X) * urf.psi(W), axis=1) - target
        mse[a][j] = np.mean(errs ** 2)
        bias[a][j] = np.abs(errs.mean(0)).mean() / np.sqrt(mse[a][j] / N_REPS)
slopes = {a: loglog_slope(MS, mse[a]) for a in nkf.ACTIVATIONS}
var_exp = np.mean([nkf.exp_urf_variance(x, w) for x, w in zip(X, W)])
ratio_exp = mse["exp"] * np.array(MS) / var_exp
print("| activation | fitted slope of log MSE vs log m | MSE at m = 4096 |\n|---|---|---|")
for a in nkf.ACTIVATIONS:
    print(f"| {a} | {slopes[a]:.3f} | {mse[a][MS.index(4096)]:.2e} |")
print(f"\nexp: m * MSE / closed-form variance, per m: {np.round(ratio_exp, 3)}")
print("mean |bias| in units of its standard error, per activation (about 0.8 for an unbiased estimator):",
      {a: round(float(bias[a].mean()), 2) for a in nkf.ACTIVATIONS})

# %%
fig, ax = plt.subplots(figsize=(6.6, 4.2))
for c, a in enumerate(nkf.ACTIVATIONS):
    ax.plot(MS, mse[a], "o-", ms=4, color=COLORS[c], label=f"{a} (slope {slopes[a]:.2f})")
ax.plot(MS, var_exp / np.array(MS), "k--", lw=1, label="exp: closed-form Var / m")
ax.set(xscale="log", yscale="log", xlabel="number of random features m",
       ylabel="MSE of the estimate of f(w.x)", title=f"URF estimation error ({N_PAIRS} pairs, {N_REPS} draws per m)")
ax.set_xticks(MS, [str(m) for m in MS], minor=False)
ax.set_xticks([], minor=True)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 2: an SNNK layer inside an MLP
#
# On scikit-learn's digits (8x8 images, 64 standardised pixels, 30 % test) we compare a standard
# MLP 64-64-10 (ReLU) with the same network whose hidden layer is an SNNK layer: the input is
# rescaled to unit norm, lifted by $m$ fixed random features $\phi$ (the $\cos$ URF), and multiplied
# by the trainable $\Psi \in \mathbb R^{m \times 64}$ plus a bias; the output layer is unchanged. Both
# are trained from scratch with full-batch Adam (learning rate $10^{-2}$, 300 steps) on the
# cross-entropy; trainable parameters are counted without the fixed random projections. We sweep
# $m$ to see the whole accuracy/parameter trade-off; the claim is checked at $m = 32$.

# %%
STEPS, LR = 300, 1e-2
loss_fn = torch.nn.CrossEntropyLoss()


def fit(model, data, s):
    torch.manual_seed(s)
    model = model.to(run.device)
    training.train(model, loss_fn, data.X_train, data.y_train, epochs=STEPS, batch_size=None, lr=LR,
                   optimizer="adam", generator=torch.Generator().manual_seed(s), desc="fit")
    model.eval()
    with torch.no_grad():
        return metrics.accuracy(model(data.X_test), data.y_test)


acc = {"MLP": [], **{m: [] for m in M_GRID}}
n_params = {}
for i in progress(range(n_seeds), desc="seeds"):
    s = 1000 * seed + i
    data = datasets.digits(seed=s).to(run.device)
    torch.manual_seed(s)
    mlp = models.mlp(64, [64], 10)
    n_params["MLP"] = nkf.n_trainable(mlp)
    acc["MLP"].append(fit(mlp, data, s))
    for m in M_GRID:
        net = nkf.snnk_mlp(64, m, 64, 10, "cos", radius=1.0, generator=torch.Generator().manual_seed(s))
        n_params[m] = nkf.n_trainable(net)
        acc[m].append(fit(net, data, s))
acc = {k: 100 * np.array(v) for k, v in acc.items()}
print("| model | trainable parameters | test accuracy (%, mean over seeds) |\n|---|---|---|")
for k in acc:
    name = "MLP 64-64-10" if k == "MLP" else f"SNNK-MLP, m = {k}"
    print(f"| {name} | {n_params[k]} | {acc[k].mean():.1f} |")

# %%
fig, ax = plt.subplots(figsize=(6.6, 4.2))
ps = [n_params[m] for m in M_GRID]
ax.errorbar(ps, [acc[m].mean() for m in M_GRID], yerr=[acc[m].std() for m in M_GRID], fmt="o-", capsize=3,
            color=COLORS[0], label="SNNK-MLP (m = " + ", ".join(map(str, M_GRID)) + ")")
ax.errorbar([n_params["MLP"]], [acc["MLP"].mean()], yerr=[acc["MLP"].std()], fmt="s", ms=8, capsize=3,
            color=COLORS[1], label="standard MLP 64-64-10")
ax.axhline(acc["MLP"].mean() - 2, color=COLORS[1], ls=":", lw=1, label="MLP - 2 points")
ax.set(xscale="log", xlabel="trainable parameters (log scale)", ylabel="test accuracy (%)",
       title=f"Digits: accuracy vs trainable parameters (mean ± sd, {n_seeds} seeds)")
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
gap = acc["MLP"].mean() - acc[m_snnk].mean()
claims = repro.Claims()
claims.add("URF estimation error falls like 1/m for exp, cos, sin and the Gaussian activation",
           measured={f"slope {a}": slopes[a] for a in nkf.ACTIVATIONS},
           criterion="fitted log-log slope of MSE vs m in [-1.2, -0.8] for every activation",
           passed=all(-1.2 <= s <= -0.8 for s in slopes.values()), fmt="{:.1f}")
claims.add("exp URF: measured m * MSE matches the closed-form variance of one feature",
           measured={"largest |ratio - 1| over m": np.max(np.abs(ratio_exp - 1))},
           criterion="|m * MSE / Var - 1| <= 0.15 at every m", passed=np.max(np.abs(ratio_exp - 1)) <= 0.15,
           fmt="{:.1f}")
claims.add(f"An SNNK hidden layer with m = {m_snnk} keeps MLP accuracy on digits with fewer trainable parameters",
           measured={"accuracy gap MLP - SNNK (points)": gap, "SNNK params": n_params[m_snnk],
                     "MLP params": n_params["MLP"]},
           criterion="gap <= 2 points (mean over seeds) and fewer trainable parameters",
           passed=gap <= 2 and n_params[m_snnk] < n_params["MLP"], fmt="{:.0f}")
claims.report()

# %% [markdown]
# **Verdict.** *(Written for the quick-scale runs with seeds 0, 1 and 2, which give the same
# verdicts: claim 1 reproduced, claims 2 and 3 not.)* The mechanism itself reproduces: for all four
# activations the URF estimates are unbiased (their mean error is at the level of its own standard
# error) and their mean squared error falls like $1/m$ over more than two decades of $m$ (claim 1).
#
# Claim 2, our own theory-vs-simulation check, fails, and in a telling way: the measured
# $m \cdot \mathrm{MSE}$ is mostly *below* the closed-form variance (the dashed line), by up to about
# 40 % at $m = 16$, and approaches it as $m$ grows (within a few per cent at the largest $m$), on
# every seed. The formula is right
# (the unit test checks it with 400,000 samples at smaller norms); what fails is the measurement. A
# single $\exp$ feature is a product of log-normal variables, so its squared error is strongly
# right-skewed: the expectation is carried by rare, very large errors that 2,000 samples (100 pairs
# times 20 draws) mostly miss, and the sample MSE is then typically below the true one. Averaging
# more features makes the error closer to Gaussian, which is why the agreement improves with $m$;
# with 20 times more samples (the `full` scale: 400 pairs, 100 draws) the same check passed in
# our run with seed 0.
# This is the practical face of the variance problem the paper warns about: the constant in front
# of $1/m$ grows like $e^{\|x\|^2}$, and for the Gaussian activation it is finite only for small
# $\|w\|$, so inputs and weights must be normalised for URFs to be usable.
#
# The catalog's check of the headline (claim 3) does **not** reproduce in our small setting: with
# $m = 32$ random features of the 64 pixels the SNNK-MLP has about 57 % of the trainable parameters
# of the 64-64-10 MLP but loses about 8 points of accuracy; the accuracy/parameter curve shows that it
# needs $m \approx 128$, and thus more parameters than the MLP, to come within 2 points. The reason
# is structural. An SNNK layer followed by a linear read-out is linear in the fixed features
# $\phi(x)$, so the whole network is a random-features model: its features are not learned, and a
# few dozen random features of a 64-dimensional input lose information that a trained first layer
# keeps. The paper's parameter savings come from a different regime: adapters inside large
# pre-trained Transformers (hidden size 768), where the rest of the network already provides learned
# features and the replaced layers are wide. Testing that headline would take a pre-trained BERT or
# ViT, GLUE or CIFAR fine-tuning runs and a GPU: hours, not a minute.
#
# **Deviations from the paper.**
# - Our URFs are derived by us from the Gaussian identity for four activations with simple Fourier
#   representations; the paper's URF family is more general (e.g. arbitrary Fourier measures with
#   importance weights, and ReLU-type variants built from arc-cosine features) and we do not test
#   softplus or GELU.
# - No bundling and no closed-form fully bundled network; no Transformer adapters or uptraining.
# - Experiment 2 trains a tiny MLP on digits from scratch; the initialisation of $\Psi$ at $\psi(W)$
#   is implemented and unit-tested but not needed for training from scratch.
