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
# # Scale Mixtures of Neural Network Gaussian Processes
#
# {cite}`lee2022scale` · [paper (ICLR 2022)](https://openreview.net/forum?id=YVPBh4k78iZ)
# · [arXiv:2107.01408](https://arxiv.org/abs/2107.01408)
# · [authors' code](https://github.com/yuneg11/Scale-Mixtures-of-NNGP)
#
# An infinitely wide network with Gaussian weights is a Gaussian process, the NNGP. Lee et al.
# make one change: the variance of the last-layer weights becomes random. Conditional on it
# the network is still an NNGP; integrated over it, the network is a *scale mixture* of NNGPs, and
# an inverse-gamma prior gives a Student-t process, whose tails are heavier.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** With last-layer variance $\sigma^2 \sim \mathrm{InvGamma}(a, b)$, the output of a
# wide network converges to a Student-t process with $2a$ degrees of freedom and scale
# $(b/a) K$, $K$ the NNGP kernel; its posterior is available in closed form for regression, and
# the heavy-tailed process is more robust than the NNGP on out-of-distribution inputs.
#
# **This chapter tests** (criteria declared in the box below, before anything runs):
# * *headline*: on scikit-learn's diabetes data with corrupted (shifted) test inputs, the Student-t
#   process has a lower test negative log-likelihood (NLL) than the NNGP, both with every
#   hyper-parameter fitted by marginal likelihood; 100 random train/test splits are the independent
#   runs and the comparison is paired by split;
# * *supporting*: the same against the NNGP as the authors' code runs it, with the readout variance
#   fixed at 1 instead of fitted;
# * *sanity*: the outputs of 5000 random width-1000 ReLU networks with $a = 2$ follow the predicted
#   Student-t (a Kolmogorov-Smirnov test does not reject it) and not the variance-matched Gaussian
#   (the test rejects it). This evaluates the paper's limit theorem on our sampler: it holds if the
#   theorem and our code are right.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
claims.declare(
    "robust_shifted", kind="headline",
    statement=("On shifted test inputs the Student-t process has a lower test NLL than the NNGP, both fitted "
               "by marginal likelihood (diabetes, Gaussian feature corruption)"),
    metric="mean test NLL of the NNGP on a split's shifted test inputs (nats)",
    paired_with="that of the Student-t process, same split", better="higher", margin=0.01, fmt="{:+.3f}",
    changed=repro.Change(
        what="margin: a minimal effect size of 0.01 nats (in the paper's direction)",
        was="a bare difference of means over 10 splits",
        why=("in a pilot of the earlier version the verdict flipped between seeds because the true difference "
             "is essentially zero; the margin is stricter than 0, so it cannot turn a failure into a pass")))
claims.declare(
    "robust_vs_fixed_scale", kind="supporting",
    statement=("On shifted test inputs the Student-t process has a lower test NLL than the NNGP with the readout "
               "variance fixed at 1 (the authors' regression baseline)"),
    metric="mean test NLL of the fixed-scale NNGP on a split's shifted test inputs (nats)",
    paired_with="that of the Student-t process, same split", better="higher", margin=0.01, fmt="{:+.2f}",
    changed=(repro.Change(what="from a printed line to a counted claim", was="reported, not scored",
                          why="it is the comparison the paper makes; the claim rules"),
             repro.Change(what="splits: 30 -> 100", was="30 random splits",
                          why=("with 30 splits this verdict differed between seeds 0, 1 and 2; the experiment "
                               "was enlarged, the criterion kept"))))
claims.declare(
    "prior_is_student_t", kind="sanity",
    statement="Outputs of 5000 random width-1000 networks with an IG(2, 2) readout variance pass a KS test against t_{2a}(0, b/a K)",
    metric="KS p-value against the predicted Student-t", better="higher", margin=0.05, fmt="{:.2f}",
    deterministic=True,
    changed=repro.Change(what="kind: counted -> sanity", was="legacy claim 1, counted",
                         why="it evaluates the paper's limit theorem on our sampler, a check of code and theorem"))
claims.declare(
    "prior_not_gaussian", kind="sanity",
    statement="The same outputs are rejected by a KS test against the Gaussian of the same variance",
    metric="KS p-value against the variance-matched Gaussian", better="lower", margin=0.01, fmt="{:.0e}",
    deterministic=True,
    changed=repro.Change(what="kind: counted -> sanity", was="legacy claim 1, counted",
                         why="it evaluates the paper's limit theorem on our sampler, a check of code and theorem"))
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
a_prior = 2.0  # inverse-gamma shape of the prior-sampling experiment
corruption = 1.0  # std of the Gaussian noise added to the standardised test features

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from repro.book.params import check_float
from repro.book.progress import progress
from repro.data.datasets import diabetes
from repro.papers.kernels import scale_mixture_nngp as sm

run = repro.setup(scale, seed, device)
check_float("a_prior", a_prior, minimum=1.1, maximum=100.0)
check_float("corruption", corruption, minimum=0.0, maximum=10.0)
rng = np.random.default_rng(seed)

N_NETS = 5000
WIDTH = 1000
N_SPLITS = run.pick(100, 200)
DEPTH = run.pick(2, 3)
print(f"{N_NETS} networks of width {WIDTH}; {N_SPLITS} diabetes splits, NNGP depth {DEPTH}")

# %% [markdown]
# ## Method
#
# Let $\phi(x) \in \mathbb{R}^{n}$ be the last hidden layer of a width-$n$ ReLU network and the
# readout $f(x) = \sum_j w_j \phi_j(x)$ with $w_j \sim N(0, \sigma^2 / n)$. As $n \to \infty$,
# $f \mid \sigma^2 \sim \mathrm{GP}(0, \sigma^2 K)$ with $K(x, x') = E[\phi_j(x)\phi_j(x')]$
# (the NNGP with unit readout variance). If $\sigma^2 \sim \mathrm{InvGamma}(a, b)$, then
#
# $$
# p(f) = \int N(f; 0, \sigma^2 K)\, \mathrm{IG}(\sigma^2; a, b)\, d\sigma^2
#      = \mathrm{MVT}_{2a}\big(f;\, 0,\, \tfrac{b}{a} K\big),
# $$
#
# a Student-t process. For regression with noise $N(0, \sigma^2 r)$ (scaled by the same
# $\sigma^2$) the prior is conjugate: with $\beta = y^\top (K + rI)^{-1} y$, the posterior is
# $\sigma^2 \mid y \sim \mathrm{IG}(a + n/2,\; b + \beta/2)$ and the predictive is a Student-t with
# $2a + n$ degrees of freedom, the GP mean, and the GP variance multiplied by
# $(b + \beta/2)/(a + n/2)$. The NNGP baseline uses $y \sim N(0, s^2(K + rI))$. Both are fitted by
# maximising the marginal likelihood ($s^2$, $r$ for the NNGP; $a$, $b$, $r$ for the t process).
# The code is `src/repro/papers/kernels/scale_mixture_nngp.py` (tests in `tests/papers/kernels/test_scale_mixture_nngp.py`):

# %%
print(inspect.getsource(sm.tp_predict))

# %% [markdown]
# ## Experiment 1: the prior of finite networks
#
# One hidden layer of width 1000 ($W_1 \sim N(0, 2/d)$), readout variance drawn per network from
# $\mathrm{IG}(a=2, b=2)$, output at one fixed input with $\lVert x \rVert^2 = d$ (so $K(x,x) = 1$).
# The prediction is $f \sim t_{4}(0, b/a)$; the Gaussian with the same variance $b/(a-1)$ is the
# comparison.

# %%
b_prior = a_prior  # scale b/a = 1
d = 8
x0 = np.ones(d)
f = sm.sample_mlp_outputs(x0, WIDTH, N_NETS, a_prior, b_prior, rng)
k00 = sm.unit_nngp(x0[None], x0[None], 1)[0, 0]
t_scale = np.sqrt(b_prior / a_prior * k00)
g_scale = np.sqrt(b_prior / (a_prior - 1) * k00)
ks_t = stats.kstest(f, stats.t(2 * a_prior, scale=t_scale).cdf)
ks_g = stats.kstest(f, stats.norm(scale=g_scale).cdf)
print(f"KS vs Student-t: D={ks_t.statistic:.4f} p={ks_t.pvalue:.3f}")
print(f"KS vs Gaussian : D={ks_g.statistic:.4f} p={ks_g.pvalue:.2e}")

fig, ax = plt.subplots(1, 2, figsize=(10, 4))
q = np.linspace(0.002, 0.998, 300)
emp = np.quantile(f, q)
ax[0].plot(stats.t(2 * a_prior, scale=t_scale).ppf(q), emp, ".", ms=3, label=f"Student-t, {2 * a_prior:.0f} dof")
ax[0].plot(stats.norm(scale=g_scale).ppf(q), emp, ".", ms=3, label="Gaussian, same variance")
lim = np.abs(emp).max()
ax[0].plot([-lim, lim], [-lim, lim], "k--", lw=1)
ax[0].set(xlabel="predicted quantile", ylabel="empirical quantile", title="QQ plot of network outputs")
ax[0].legend()
grid = np.linspace(-6, 6, 400)
ax[1].hist(f, bins=np.linspace(-6, 6, 80), density=True, alpha=0.4, label="5000 networks")
ax[1].semilogy(grid, stats.t(2 * a_prior, scale=t_scale).pdf(grid), label="Student-t")
ax[1].semilogy(grid, stats.norm(scale=g_scale).pdf(grid), label="Gaussian")
ax[1].set(xlabel="f(x)", ylabel="density (log)", title="Tails of the output distribution")
ax[1].legend()
plt.show()

# %% [markdown]
# ## Experiment 2: regression with shifted test inputs
#
# Diabetes (442 patients, 10 standardised features); 30 % test. The shifted test set adds
# Gaussian noise of standard deviation `corruption` to every standardised test feature (the
# targets are unchanged), a covariate corruption neither model saw. ReLU NNGP kernel with
# `DEPTH` hidden layers, inputs as they are.

# %%
res = {k: [] for k in ("gp_in", "tp_in", "gp_shift", "tp_shift", "gpfix_shift", "a")}
for split in progress(range(N_SPLITS), desc="splits"):
    Xtr, ytr, Xte, yte = diabetes(seed=1000 * seed + split, test_fraction=0.3)
    Xtr, ytr, Xte, yte = (np.asarray(v, dtype=np.float64) for v in (Xtr, ytr, Xte, yte))
    Xsh = Xte + corruption * rng.standard_normal(Xte.shape)
    K = sm.unit_nngp(Xtr, Xtr, DEPTH)
    gp, tp = sm.fit_gp(K, ytr), sm.fit_tp(K, ytr)
    res["a"].append(tp["a"])
    for name, Xs in (("in", Xte), ("shift", Xsh)):
        Ks = sm.unit_nngp(Xtr, Xs, DEPTH)
        kss = np.diag(sm.unit_nngp(Xs, Xs, DEPTH))
        m, v = sm.gp_predict(K, ytr, Ks, kss, gp["s2"], gp["r"])
        res[f"gp_{name}"].append(float(np.mean(0.5 * np.log(2 * np.pi * v) + 0.5 * (yte - m) ** 2 / v)))
        if name == "shift":  # the authors' baseline: readout variance fixed at 1, not fitted
            m, v = sm.gp_predict(K, ytr, Ks, kss, 1.0, gp["r"])
            res["gpfix_shift"].append(float(np.mean(0.5 * np.log(2 * np.pi * v) + 0.5 * (yte - m) ** 2 / v)))
        m, s2, dof = sm.tp_predict(K, ytr, Ks, kss, tp["a"], tp["b"], tp["r"])
        res[f"tp_{name}"].append(float(-np.mean(sm.student_t_logpdf(yte, m, s2, dof))))
res = {k: np.array(v) for k, v in res.items()}
for k in ("gp_in", "tp_in", "gp_shift", "tp_shift", "gpfix_shift"):
    print(f"{k:9s} mean NLL {res[k].mean():.3f} +- {res[k].std(ddof=1) / np.sqrt(N_SPLITS):.3f}")
print(f"fitted a: median {np.median(res['a']):.0f} (upper bound of the search: {1.01 + np.exp(7):.0f})")

fig, ax = plt.subplots(figsize=(6, 4))
pos = np.arange(2)
ax.bar(pos - 0.2, [res["gp_in"].mean(), res["gp_shift"].mean()], 0.4, label="NNGP")
ax.bar(pos + 0.2, [res["tp_in"].mean(), res["tp_shift"].mean()], 0.4, label="Student-t process")
ax.set_xticks(pos, ["in-distribution", f"shifted (noise {corruption:g})"])
ax.set(ylabel="mean test NLL", title=f"Diabetes, {N_SPLITS} splits")
ax.legend()
plt.show()

# %% [markdown]
# ## Results
#
# One value per split (an independent train/test draw and corruption); the interval is over splits.

# %%
claims.record("robust_shifted", method=res["gp_shift"], baseline=res["tp_shift"])
claims.record("robust_vs_fixed_scale", method=res["gpfix_shift"], baseline=res["tp_shift"])
claims.record("prior_is_student_t", value=ks_t.pvalue)
claims.record("prior_not_gaussian", value=ks_g.pvalue)
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The report above is the verdict. The prior experiment (sanity) shows what the theorem predicts:
# the outputs of random networks whose readout variance is drawn from $\mathrm{IG}(2, 2)$ follow the
# Student-t with 4 degrees of freedom, and the QQ plot shows that the Gaussian of the same variance
# misses both tails. (Under the null a KS test still rejects 5 % of the time, so this check carries
# a small, known chance of failing by luck.)
#
# For regression, the closed-form posterior explains what the comparison with a *fitted* NNGP can
# show: the predictive has $2a + n$ degrees of freedom, and with $n \approx 300$ training points it
# is a Gaussian for all practical purposes; what is left of the scale mixture is a data-dependent
# rescaling of the predictive variance, $(b + \beta/2)/(a + n/2)$. An NNGP baseline whose readout
# variance $s^2$ is fitted by marginal likelihood makes the same rescaling ($s^2 = \beta/n$), and the
# marginal likelihood drives the fitted shape $a$ to large values (printed above), so the two models
# nearly coincide and the headline's difference is close to zero (results cell). The authors'
# regression baseline keeps the readout variance fixed (their code's default is 1); the supporting
# claim compares with that baseline. Where the headline fails and the supporting claim holds, our
# reading is that the robustness gain in regression is a gain over a *mis-scaled* NNGP, which a
# fitted scale removes. Testing the paper's headline exactly as run would need its UCI benchmarks
# and its choice of $a, b$ by validation.
#
# ## Deviations from the paper
#
# * **Prior experiment.** One hidden layer (the paper also shows deeper and convolutional
#   networks) so that 5000 width-1000 networks fit in the CPU budget; the limit theorem concerns the
#   last layer only, so depth does not change what is tested.
# * **Regression.** scikit-learn's diabetes data instead of the paper's UCI benchmarks (not
#   downloadable here); covariate corruption by Gaussian noise as the shift; all hyper-parameters,
#   including $(a, b)$, fitted by marginal likelihood on the training split (the paper picks $a, b$
#   from a small grid); the headline's NNGP baseline has its readout variance fitted too. 100 splits
#   instead of the catalog's 10, and a minimal effect size of 0.01 nats in the claims' criteria.
# * **Classification**, which needs approximate inference over $\sigma^2$, is not covered.
