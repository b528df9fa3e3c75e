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
# # Martingale Posterior Neural Processes
#
# {cite}`lee2023martingale` · [paper (ICLR 2023)](https://openreview.net/forum?id=-9PVqZ-IR_)
# · [arXiv:2304.09431](https://arxiv.org/abs/2304.09431) · no official code was found; everything
# below is our own implementation.
#
# A neural process (NP) is meta-trained on many small regression tasks and learns to map a context
# set $C = \{(x_i, y_i)\}$ straight to a predictive distribution at new inputs. The conditional NP
# (CNP) is deterministic given $C$: it has no notion of *which function* produced the data, only a
# per-point Gaussian. The latent NP adds a finite-dimensional Gaussian latent $z$ to express
# uncertainty over functions. Lee et al. replace that latent with a *martingale posterior*: a
# learned predictive generates imaginary future observations (pseudo contexts) given the real ones;
# each draw of the pseudo contexts, encoded together with the real contexts, gives one function,
# and the spread over draws is the functional uncertainty. No prior over $z$ has to be chosen.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Equipping an NP with a neural predictive that generates exchangeable pseudo contexts
# (MPNP) gives higher predictive log-likelihood than the CNP and the latent NP (and bootstrapped
# NPs) with the same backbone; on 1-D GP regression the paper reports this for context and target
# points of RBF test functions and, after meta-training on RBF functions, on Matern-5/2 and
# periodic test functions.
#
# **This chapter tests** (criteria declared in the box below, before anything runs). Every model
# is meta-trained on RBF-GP functions in each of several *independent meta-training runs* (its own
# training tasks, initialisation and test tasks); log-likelihoods are per point, averaged over the
# test tasks of a run, and every comparison is paired within a run:
# * *headline*: MPNP's target log-likelihood on RBF test tasks beats the CNP's and the latent NP's;
# * *supporting*: (i) the gain comes from the martingale-posterior uncertainty and not from the
#   generator's extra parameters or the extra loss term: MPNP beats a **capacity-matched control**,
#   the same network trained with the same loss but with the generator's noise switched off;
#   (ii) MPNP also beats both baselines on context points, and (iii) on Matern-5/2 and (iv) periodic
#   test functions (out of the training distribution);
# * *sanity*: every meta-trained model beats a constant-mean Gaussian baseline (meta-training works).
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
WHY_RULES = ("the claim rules: a counted claim is paired over >= 3 independently meta-trained models per "
             "method, not over the test tasks of one trained model")
claims.declare(
    "beats_baselines", kind="headline",
    statement="MPNP has a higher target log-likelihood than the CNP and than the latent NP on RBF-GP test tasks",
    metric="mean target LL of MPNP on a run's RBF test tasks (nats per point)",
    paired_with="the baseline's (CNP, latent NP), same run", better="higher", margin=0.0,
    fmt="{:+.2f}",
    changed=(repro.Change(
        what="replication and statistic",
        was=("mean target LL(MPNP) >= that of NP and of CNP, one meta-training run, no interval (the "
             "printed interval was over the 300 test tasks of that run)"),
        why=WHY_RULES + "; the runs are shorter (see Deviations) to pay for them"),
    ) + (repro.Change(
        what="training: learning rate and steps per run",
        was="peak learning rate 1e-3, 1500 steps (one run); a first replicated pilot used 1e-3 and 500 steps",
        why=("in that pilot no model beat the constant baseline (the sanity check failed: undertrained); "
             "the learning rate was then chosen among 1e-3, 3e-3, 1e-2 as the best mean validation "
             "log-likelihood of CNP, NP and MPNP on separately drawn validation tasks (never test "
             "tasks), one rate shared by all models; 400 steps keep four runs in the CPU budget")),))
claims.declare(
    "martingale_not_capacity", kind="supporting",
    statement=("The gain is due to the martingale posterior, not to capacity or the extra loss term: MPNP beats "
               "the same network trained with the same loss with its generator's noise set to zero"),
    metric="mean target LL of MPNP on a run's RBF test tasks",
    paired_with="that of the deterministic control (same parameters, same loss, zero noise)",
    better="higher", margin=0.0, fmt="{:+.2f}",
    changed=repro.Change(what="new claim: a capacity-matched ablation",
                         was="none (MPNP has ~4x the CNP's parameters and an extra loss term)",
                         why="the referee: without a matched control the headline comparison is confounded"))
claims.declare(
    "context_ll", kind="supporting",
    statement="MPNP has a higher context log-likelihood than the CNP and than the latent NP (RBF)",
    metric="mean context LL of MPNP on a run's RBF test tasks",
    paired_with="the baseline's (CNP, latent NP), same run", better="higher", margin=0.0, fmt="{:+.2f}")
claims.declare(
    "ood_matern", kind="supporting",
    statement="Trained on RBF functions, MPNP beats the CNP and the latent NP in target LL on Matern-5/2 functions",
    metric="mean target LL of MPNP on a run's Matern-5/2 test tasks",
    paired_with="the baseline's (CNP, latent NP), same run", better="higher", margin=0.0, fmt="{:+.2f}",
    changed=repro.Change(what="out-of-distribution kernels: from reported to counted",
                         was="reported, not scored", why="the paper claims them; the claim rules"))
claims.declare(
    "ood_periodic", kind="supporting",
    statement="Trained on RBF functions, MPNP beats the CNP and the latent NP in target LL on periodic functions",
    metric="mean target LL of MPNP on a run's periodic test tasks",
    paired_with="the baseline's (CNP, latent NP), same run", better="higher", margin=0.0, fmt="{:+.2f}",
    changed=repro.Change(what="out-of-distribution kernels: from reported to counted",
                         was="reported, not scored", why="the paper claims them; the claim rules"))
claims.declare(
    "learns", kind="sanity",
    statement="Every meta-trained model beats a constant-mean Gaussian baseline in target LL (RBF)",
    metric=("smallest, over runs and models, of the mean target LL minus that of the constant "
            "N(mean(y_C), var(y_C)) on the run's test tasks"),
    better="higher", margin=0.0, fmt="{:+.2f}", deterministic=True,
    changed=repro.Change(what="kind: counted -> sanity; statistic",
                         was=("claim 1, counted, paired 95% CI over the test tasks of one run; in a pilot, "
                              "a 95% CI over runs per model (it asked whether the population mean gain is "
                              "positive, not whether every trained model learned); claim 2 "
                              "(MPNP >= CNP - 0.1 nats) dropped"),
                         why=("beating a constant predictor checks that meta-training works, it is not "
                              "the paper's claim; claim 2's 0.1-nat tolerance was larger than the effect "
                              "it tested, and the headline now tests MPNP against the CNP directly")))
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
pseudo_ratio = 1.0  # number of generated pseudo contexts per real context (MPNP)
n_samples_eval = 0  # samples for NP/MPNP predictive marginals at test time (0: 20 quick, 50 full)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

from repro.book.params import check_float, check_int
from repro.book.progress import progress
from repro.gp.regression import GPRegression
from repro.nn.models import n_parameters
from repro.papers.kernels import neural_processes as nps

run = repro.setup(scale, seed, device)
check_float("pseudo_ratio", pseudo_ratio, minimum=0.0, maximum=4.0)
check_int("n_samples_eval", n_samples_eval, minimum=0, maximum=1000)

HIDDEN = run.pick(32, 128)          # width of every MLP (paper: 128)
STEPS = run.pick(400, 8000)         # meta-training steps per run (paper: 100k)
BATCH = run.pick(16, 32)            # tasks per step (paper: 100)
POOL = run.pick(200, 4000)          # distinct training batches per run (cycled when STEPS > POOL)
N_RUNS = run.pick(4, 4)             # independent meta-training runs (paired comparisons over runs)
TEST_BATCHES, TEST_BS = run.pick((10, 20), (20, 50))  # 200 / 1000 test tasks per kernel and run
K_TRAIN = 4                         # pseudo-context draws in MPNP's training loss
N_EVAL = n_samples_eval or run.pick(20, 50)
LR = 1e-2                           # peak Adam learning rate, cosine-annealed (see the Change note)
NAMES = ("CNP", "NP", "MPNP", "MPNP-det")  # MPNP-det: the capacity-matched control
print(f"width {HIDDEN}, {STEPS} steps x {BATCH} tasks per run, {N_RUNS} independent meta-training runs, "
      f"{TEST_BATCHES * TEST_BS} test tasks per kernel and run, {N_EVAL} samples at test time")

# %% [markdown]
# ## Method
#
# **Tasks.** A task is a function $f \sim \mathrm{GP}(0, s^2 k_\ell)$ observed at $n$ uniform
# inputs on $[-2, 2]$ with noise $N(0, 0.02^2)$, $s \sim U(0.1, 1)$, $\ell \sim U(0.1, 0.6)$
# (periodic kernels also draw a period $p \sim U(0.1, 0.5)$), split into $n_c \sim U\{3..47\}$
# context and $n_t \sim U\{3..50-n_c\}$ target points: the benchmark of the NP literature that the
# paper uses. Functions are drawn with `repro.gp.regression.sample_prior`.
#
# **Shared backbone.** An MLP encodes each context pair, $r_i = h(x_i, y_i)$; mean pooling gives
# $r = \frac1{n_c}\sum_i r_i$; an MLP decoder maps $(x, r)$ to $\mu(x)$ and
# $\sigma(x) = 0.1 + 0.9\,\mathrm{softplus}(\cdot)$.
#
# * **CNP**: $p(y \mid x, C) = N(\mu, \sigma^2)$, trained by maximum likelihood on all points.
# * **NP**: a second encoder gives $q(z \mid S) = N(m(S), \mathrm{diag}\, v(S))$; the decoder sees
#   $(x, r, z)$. Trained with the usual ELBO
#   $E_{q(z \mid C \cup T)} \log p(y_T \mid x_T, r, z) - \mathrm{KL}(q(z \mid C \cup T) \,\|\, q(z \mid C))$.
# * **MPNP**: a generator draws $M = \rho\, n_c$ pseudo contexts ($\rho$ = `pseudo_ratio`) in
#   representation space. Noise vectors $\varepsilon_j \sim N(0, I)$ attend to the real
#   representations $\{r_i\}$ (a cross-attention block) and to each other (an induced set attention
#   block), which makes the generated set $R'$ exchangeable and its law depend on $C$ only through
#   the set $\{r_i\}$. Each draw $R'^{(k)}$ gives a function through
#   $r^{(k)} = \mathrm{mean}(\{r_i\} \cup R'^{(k)})$. The loss is
#
# $$
# \mathcal{L} = \underbrace{-\log \frac1K \sum_{k=1}^K \prod_{t} N\big(y_t; \mu^{(k)}(x_t), \sigma^{(k)}(x_t)^2\big)}_{\mathcal{L}_\text{marg}}
#   \;\underbrace{-\sum_t \log N\big(y_t; \mu(x_t), \sigma(x_t)^2\big)\big|_{r = \mathrm{mean}\{r_i\}}}_{\mathcal{L}_\text{amort}},
# $$
#
# both divided by the number of points: $\mathcal{L}_\text{marg}$ is the likelihood of the
# targets under the martingale posterior (averaged over $K = 4$ generated sets), and
# $\mathcal{L}_\text{amort}$ keeps the encoder-decoder a good predictor from the real contexts
# alone. With zero pseudo contexts MPNP *is* its CNP path (a unit test checks this).
# * **MPNP-det**, the capacity-matched control: MPNP with the generator's noise replaced by zeros.
#   It has exactly MPNP's parameters and is trained with the same two loss terms, but its pseudo
#   contexts are a deterministic function of the context set, so it predicts one function, like a
#   CNP with an attention-based pooling. What MPNP gains over it is what the martingale-posterior
#   uncertainty adds, with capacity and loss held fixed.
#
# **Metric.** For NP and MPNP the predictive at a point is the mixture over $S$ samples,
# $\log \frac1S \sum_s N(y; \mu_s, \sigma_s^2)$; context LL averages it over the context points,
# target LL over the target points of each task. The GP with the true kernel and noise is the
# (unreachable) reference; the constant baseline predicts $N(\bar y_C, \mathrm{var}(y_C))$.
# The code is `src/repro/papers/kernels/neural_processes.py` (tests in `tests/papers/kernels/test_neural_processes.py`):

# %%
print(inspect.getsource(nps.MPNP.generate))
print(inspect.getsource(nps.MPNP.loss))

# %% [markdown]
# ## Data and meta-training
#
# Each run draws its own training tasks, its own test tasks and its own initialisation. Within a
# run, all four models see the same sequence of training batches, start from the same random seed
# and are scored on the same test tasks, so the comparisons are paired by run.

# %%
def make_model(name):
    if name == "MPNP":
        return nps.MPNP(hidden=HIDDEN, pseudo_ratio=pseudo_ratio, n_samples_train=K_TRAIN)
    if name == "MPNP-det":  # zero noise: every draw is the same, so one draw in the loss is exact
        return nps.MPNP(hidden=HIDDEN, pseudo_ratio=pseudo_ratio, n_samples_train=1, stochastic=False)
    return nps.MODELS[name](hidden=HIDDEN)


# results[kind][name][r] = {"ctx": per-task LL, "tar": per-task LL} of run r
results = {kind: {name: [] for name in (*NAMES, "constant", "GP oracle")} for kind in nps.KERNELS}
curves, trained, tests0 = {}, {}, None
for r in progress(range(N_RUNS), desc="independent meta-training runs"):
    test_rng = np.random.default_rng([seed, 0, r])
    tests = {kind: [nps.sample_batch(kind, TEST_BS, test_rng) for _ in range(TEST_BATCHES)]
             for kind in nps.KERNELS}
    for kind, b in tests.items():
        results[kind]["constant"].append(nps.constant_baseline(b))
        results[kind]["GP oracle"].append(nps.gp_oracle(b))
    train_rng = np.random.default_rng([seed, 1, r])
    pool = [nps.sample_batch("rbf", BATCH, train_rng) for _ in range(POOL)]
    for name in NAMES:
        torch.manual_seed(1000 * seed + r)
        model = make_model(name)
        torch.manual_seed(1000 * seed + r + 1)
        losses = nps.meta_train(model, pool, steps=STEPS, lr=LR, device=run.device, desc=name)
        torch.manual_seed(7 + r)
        for kind in nps.KERNELS:
            results[kind][name].append(nps.evaluate(model, tests[kind], n_samples=N_EVAL, device=run.device))
        if r == 0:
            curves[name], trained[name] = losses, model
    if r == 0:
        tests0 = tests
    del pool
print({name: n_parameters(m) for name, m in trained.items()}, "parameters")

# %%
def per_run(kind, name, key="tar"):
    """Mean per-point log-likelihood over a run's test tasks, one value per run."""
    return np.array([res[key].mean() for res in results[kind][name]])


print(f"{'kernel':9s} {'model':10s} {'context LL':>11s} {'target LL':>10s}   target LL per run")
for kind in nps.KERNELS:
    for name in ("constant", *NAMES, "GP oracle"):
        c, t = per_run(kind, name, "ctx"), per_run(kind, name, "tar")
        print(f"{kind:9s} {name:10s} {c.mean():11.3f} {t.mean():10.3f}   "
              + " ".join(f"{v:+.3f}" for v in t))

fig, ax = plt.subplots(figsize=(6, 3.5))
sm = lambda v: np.convolve(v, np.ones(50) / 50, mode="valid")
for name, losses in curves.items():
    ax.plot(sm(losses), label=name)
ax.set(xlabel="step", ylabel="training loss per point (50-step mean)",
       title="Meta-training on RBF-GP tasks (run 0)")
ax.legend()
plt.show()

# %% [markdown]
# ## Predictive bands
#
# One test task per kernel (the same task for every model, run 0): the mean and $\pm 2$ standard
# deviations of the predictive. For NP and MPNP the thin lines are individual sampled functions
# (each latent draw, respectively each draw of the pseudo contexts) and the band is that of the
# sample mixture; the CNP and the deterministic control predict a single function.

# %%
grid = torch.linspace(-2, 2, 200).view(1, -1, 1)
fig, axes = plt.subplots(3, 5, figsize=(16, 8), sharex=True)
for row, kind in enumerate(nps.KERNELS):
    b = tests0[kind][0]
    i = 0
    xc, yc = b.xc[i:i + 1], b.yc[i:i + 1]
    xt, yt = b.x[i, b.n_ctx:, 0], b.y[i, b.n_ctx:, 0]
    gp = GPRegression(b.kernels[i], xc[0].double().numpy(), yc[0, :, 0].double().numpy(), 0.02 ** 2)
    gm, gv = gp.predict(grid[0].double().numpy())
    for col, name in enumerate(("GP oracle", *NAMES)):
        ax = axes[row, col]
        g = grid[0, :, 0].numpy()
        if name == "GP oracle":
            m, sd = gm, np.sqrt(gv + 0.02 ** 2)
        else:
            model = trained[name].cpu().eval()
            torch.manual_seed(3)
            with torch.no_grad():
                mu, sig = model(xc, yc, grid, n_samples=20 if name in ("NP", "MPNP") else 1)
            mu, sig = mu[:, 0, :, 0].numpy(), sig[:, 0, :, 0].numpy()
            m = mu.mean(0)
            sd = np.sqrt((sig ** 2 + mu ** 2).mean(0) - m ** 2)
            if name in ("NP", "MPNP"):
                ax.plot(g, mu[:8].T, color="C1", lw=0.6, alpha=0.6)
        ax.plot(g, m, color="C0")
        ax.fill_between(g, m - 2 * sd, m + 2 * sd, color="C0", alpha=0.2)
        ax.plot(xt, yt, "x", color="C3", ms=4, label="targets")
        ax.plot(xc[0, :, 0], yc[0, :, 0], "o", color="k", ms=3, label="context")
        ax.set_ylim(float(b.y[i].min()) - 1.0, float(b.y[i].max()) + 1.0)
        if row == 0:
            ax.set_title(name)
        if col == 0:
            ax.set_ylabel(kind)
axes[0, 0].legend(loc="lower left", fontsize=7)
fig.suptitle("Predictive mean and 2-sd band on one test task per kernel (trained on RBF only)")
plt.show()

# %% [markdown]
# ## Paired comparisons over independent meta-training runs
#
# One value per run: the difference between two models' mean log-likelihoods on that run's test
# tasks. The interval is over runs (the source of variation the paper's claim is about), not over
# the test tasks of one trained model.

# %%
mp = {kind: per_run(kind, "MPNP") for kind in nps.KERNELS}
for base in ("CNP", "NP"):
    label = "vs CNP" if base == "CNP" else "vs latent NP"
    claims.record("beats_baselines", method=mp["rbf"], baseline=per_run("rbf", base), setting=label)
    claims.record("context_ll", method=per_run("rbf", "MPNP", "ctx"), baseline=per_run("rbf", base, "ctx"),
                  setting=label)
    claims.record("ood_matern", method=mp["matern52"], baseline=per_run("matern52", base), setting=label)
    claims.record("ood_periodic", method=mp["periodic"], baseline=per_run("periodic", base), setting=label)
claims.record("martingale_not_capacity", method=mp["rbf"], baseline=per_run("rbf", "MPNP-det"))
gain_over_constant = {name: per_run("rbf", name) - per_run("rbf", "constant") for name in NAMES}
print("target LL gain over the constant baseline, per run:",
      {name: np.round(v, 3).tolist() for name, v in gain_over_constant.items()})
claims.record("learns", value=min(v.min() for v in gain_over_constant.values()))
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The report above is the verdict; the results cell before it gives every paired difference with
# its 95 % interval over the independent meta-training runs, and the table gives the per-run
# log-likelihoods. What limits it:
# * every model is far from converged: compare the models' target log-likelihoods with the GP with
#   the true kernel in the table, and the smooth, wide bands in the figure with the GP's. A ranking
#   of early-training models is what quick scale can measure; whether it holds at the paper's
#   budget is what the full scale is for, and the full scale was **not executed** here (no GPU
#   was available), so its verdicts and its fit in a 10-minute GPU budget are untested;
# * the headline compares MPNP with baselines that have fewer parameters and one loss term. The
#   supporting claim `martingale_not_capacity` is the matched comparison: the same network and
#   loss with the generator's noise switched off. Where the headline reproduces and that claim
#   does not, the headline's gain cannot be attributed to the martingale posterior: it is
#   confounded with capacity and the extra loss term;
# * the out-of-distribution kernels test how RBF-trained models generalise at a tiny budget; a
#   smooth-trend predictor cannot follow periods of 0.1 to 0.5, so on periodic functions every
#   model is compared near the level of the constant baseline (see the table).
#
# ## Deviations from the paper
#
# * **Budget.** Quick scale: width-32 networks, 400 steps of 16 tasks (200 distinct batches, each
#   seen twice) at a peak learning rate of $10^{-2}$ per run, 4 independent meta-training runs, 200 test tasks per kernel and run; full
#   scale: width 128, 8000 steps of 32 tasks, 4 runs, 1000 test tasks. The paper trains for
#   100 000 steps of 100 tasks. The earlier version of this chapter trained one run for 1500 steps;
#   replicating over runs (four models, four runs) within the CPU minute required shorter runs.
# * **Architecture.** Our own small version of the paper's design: one single-head cross-attention
#   block and one induced set attention block (4 inducing points, no layer norm) generate the pseudo
#   contexts in representation space; the number of pseudo contexts equals the number of real ones
#   (`pseudo_ratio = 1`), $K = 4$ draws in the training loss. The paper's exact generator, loss
#   weights and number of pseudo contexts may differ: no official code was available to us.
# * **Baselines.** No bootstrapped NP (BNP) or attentive variants; the latent NP is trained with the
#   ELBO (its KL term uses $q(z \mid C)$ as the prior, as is standard). The deterministic control
#   (MPNP-det) is ours, not the paper's.
# * **Metric.** Per-point log-likelihood of the sample mixture (the NP literature's convention),
#   not the joint likelihood of all targets; it rewards any model that mixes over functions.
# * **Matched backbones.** Encoder and decoder MLPs are identical; the NP's latent encoder and the
#   MPNP generator add parameters of their own (counts printed above); MPNP-det has exactly MPNP's.
