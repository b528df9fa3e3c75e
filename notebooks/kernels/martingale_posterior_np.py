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
# NPs) with the same backbone; on 1-D GP regression the paper reports this for RBF, Matern-5/2 and
# periodic test functions after meta-training on RBF functions.
#
# **This chapter checks** (fixed before running; the models are meta-trained on RBF-GP functions,
# test tasks are fresh RBF-GP functions, log-likelihoods are per point, averaged over tasks):
# 1. every model (CNP, NP, MPNP) beats a constant-mean Gaussian baseline in target
#    log-likelihood, i.e. the paired 95 % confidence interval over test tasks of
#    $\mathrm{LL}(\text{model}) - \mathrm{LL}(\text{baseline})$ lies above 0 (catalog quick check);
# 2. MPNP is not worse than the CNP by more than 0.1 nats: mean target LL of MPNP
#    $\ge$ that of the CNP $- 0.1$ (catalog quick check);
# 3. **headline**: MPNP's mean target log-likelihood is $\ge$ the latent NP's and $\ge$ the CNP's
#    (in full scale averaged over 3 meta-training seeds and 1000 test tasks; at quick scale one
#    meta-training seed and 300 test tasks).
#
# NPs need tens of thousands of steps; the quick scale trains for 1500 steps of 16 tasks with
# width-32 networks, far from the paper's budget. Claims 1-2 are what quick scale can test; claim 3
# is the paper's headline, checked at whatever scale the chapter is run, and its verdict is
# reported honestly either way. Matern-5/2 and periodic test functions are reported, not scored.
# ```

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

import repro
from repro.book.params import check_float, check_int
from repro.book.progress import progress
from repro.gp.regression import GPRegression
from repro.nn.models import n_parameters
from repro.papers.kernels import neural_processes as nps
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)
check_float("pseudo_ratio", pseudo_ratio, minimum=0.0, maximum=4.0)
check_int("n_samples_eval", n_samples_eval, minimum=0, maximum=1000)

HIDDEN = run.pick(32, 128)          # width of every MLP (paper: 128)
STEPS = run.pick(1500, 10000)       # meta-training steps (paper: 100k)
BATCH = run.pick(16, 32)            # tasks per step (paper: 100)
POOL = run.pick(1500, 4000)         # distinct training batches (cycled when STEPS > POOL)
N_TRAIN_SEEDS = run.pick(1, 3)      # meta-training seeds averaged (paper: 3)
TEST_BATCHES, TEST_BS = run.pick((10, 30), (20, 50))  # 300 / 1000 test tasks per kernel
K_TRAIN = 4                         # pseudo-context draws in MPNP's training loss
N_EVAL = n_samples_eval or run.pick(20, 50)
LR = 1e-3
print(f"width {HIDDEN}, {STEPS} steps x {BATCH} tasks, {N_TRAIN_SEEDS} meta-training seed(s), "
      f"{TEST_BATCHES * TEST_BS} test tasks per kernel, {N_EVAL} samples at test time")

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
#
# **Metric.** For NP and MPNP the predictive at a point is the mixture over $S$ samples,
# $\log \frac1S \sum_s N(y; \mu_s, \sigma_s^2)$; context LL averages it over the context points,
# target LL over the target points of each task. The GP with the true kernel and noise is the
# (unreachable) reference; the constant baseline predicts $N(\bar y_C, \mathrm{var}(y_C))$.
# The code is `src/repro/papers/kernels/neural_processes.py` (tests in `tests/test_neural_processes.py`):

# %%
print(inspect.getsource(nps.MPNP.generate))
print(inspect.getsource(nps.MPNP.loss))

# %% [markdown]
# ## Data and meta-training
#
# All models of a meta-training seed see the same sequence of training batches and start from the
# same random seed; test tasks are shared by all models (paired comparisons).

# %%
test_rng = np.random.default_rng([seed, 0])
tests = {kind: [nps.sample_batch(kind, TEST_BS, test_rng) for _ in range(TEST_BATCHES)]
         for kind in nps.KERNELS}
ref = {kind: {"GP oracle": nps.gp_oracle(b), "constant": nps.constant_baseline(b)}
       for kind, b in tests.items()}

results = {kind: {name: [] for name in nps.MODELS} for kind in nps.KERNELS}
curves, trained = {}, {}
for s in progress(range(N_TRAIN_SEEDS), desc="meta-training seeds"):
    train_rng = np.random.default_rng([seed, 1, s])
    pool = [nps.sample_batch("rbf", BATCH, train_rng) for _ in range(POOL)]
    for name, cls in nps.MODELS.items():
        torch.manual_seed(1000 * seed + s)
        kw = dict(pseudo_ratio=pseudo_ratio, n_samples_train=K_TRAIN) if name == "MPNP" else {}
        model = cls(hidden=HIDDEN, **kw)
        torch.manual_seed(1000 * seed + s + 1)
        losses = nps.meta_train(model, pool, steps=STEPS, lr=LR, device=run.device, desc=name)
        torch.manual_seed(7)
        for kind in nps.KERNELS:
            results[kind][name].append(nps.evaluate(model, tests[kind], n_samples=N_EVAL, device=run.device))
        if s == 0:
            curves[name], trained[name] = losses, model
    del pool
print({name: n_parameters(m) for name, m in trained.items()}, "parameters")

# %%
def seed_mean(kind, name, key):
    """Per-task log-likelihood averaged over meta-training seeds."""
    return np.mean([r[key] for r in results[kind][name]], axis=0)


table = {}
print(f"{'kernel':9s} {'model':10s} {'context LL':>11s} {'target LL':>10s}")
for kind in nps.KERNELS:
    for name in ("constant", *nps.MODELS, "GP oracle"):
        if name in nps.MODELS:
            c, t = seed_mean(kind, name, "ctx"), seed_mean(kind, name, "tar")
        else:
            c, t = ref[kind][name]["ctx"], ref[kind][name]["tar"]
        table[kind, name] = (c.mean(), t.mean())
        print(f"{kind:9s} {name:10s} {c.mean():11.3f} {t.mean():10.3f}")
    if N_TRAIN_SEEDS > 1:
        spread = {n: np.std([r["tar"].mean() for r in results[kind][n]], ddof=1) for n in nps.MODELS}
        print(f"{'':9s} seed-to-seed std of target LL: "
              + ", ".join(f"{n} {v:.3f}" for n, v in spread.items()))

fig, ax = plt.subplots(figsize=(6, 3.5))
sm = lambda v: np.convolve(v, np.ones(50) / 50, mode="valid")
for name, losses in curves.items():
    ax.plot(sm(losses), label=name)
ax.set(xlabel="step", ylabel="training loss per point (50-step mean)",
       title="Meta-training on RBF-GP tasks (seed 0)")
ax.legend()
plt.show()

# %% [markdown]
# ## Predictive bands
#
# One test task per kernel (the same task for every model): the mean and $\pm 2$ standard
# deviations of the predictive. For NP and MPNP the thin lines are individual sampled functions
# (each latent draw, respectively each draw of the pseudo contexts) and the band is that of the
# sample mixture.

# %%
grid = torch.linspace(-2, 2, 200).view(1, -1, 1)
fig, axes = plt.subplots(3, 4, figsize=(14, 8), sharex=True)
for row, kind in enumerate(nps.KERNELS):
    b = tests[kind][0]
    i = 0
    xc, yc = b.xc[i:i + 1], b.yc[i:i + 1]
    xt, yt = b.x[i, b.n_ctx:, 0], b.y[i, b.n_ctx:, 0]
    gp = GPRegression(b.kernels[i], xc[0].double().numpy(), yc[0, :, 0].double().numpy(), 0.02 ** 2)
    gm, gv = gp.predict(grid[0].double().numpy())
    for col, name in enumerate(("GP oracle", *nps.MODELS)):
        ax = axes[row, col]
        g = grid[0, :, 0].numpy()
        if name == "GP oracle":
            m, sd = gm, np.sqrt(gv + 0.02 ** 2)
        else:
            model = trained[name].cpu().eval()
            torch.manual_seed(3)
            with torch.no_grad():
                mu, sig = model(xc, yc, grid, n_samples=1 if name == "CNP" else 20)
            mu, sig = mu[:, 0, :, 0].numpy(), sig[:, 0, :, 0].numpy()
            m = mu.mean(0)
            sd = np.sqrt((sig ** 2 + mu ** 2).mean(0) - m ** 2)
            if name != "CNP":
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
# ## Paired comparisons on RBF test tasks

# %%
rbf = {name: seed_mean("rbf", name, "tar") for name in nps.MODELS}
base = ref["rbf"]["constant"]["tar"]
vs_base = {name: mean_ci(v - base) for name, v in rbf.items()}
mp_cnp = mean_ci(rbf["MPNP"] - rbf["CNP"])
mp_np = mean_ci(rbf["MPNP"] - rbf["NP"])
for name, (d, h) in vs_base.items():
    print(f"{name:5s} - constant: {d:+.3f} +- {h:.3f} nats (95% CI over {len(base)} tasks)")
print(f"MPNP - CNP: {mp_cnp[0]:+.3f} +- {mp_cnp[1]:.3f};  MPNP - NP: {mp_np[0]:+.3f} +- {mp_np[1]:.3f}")

# %% tags=["nbval-check-output"]
claims = repro.Claims()
claims.add(
    "Every meta-trained model beats a constant-mean Gaussian baseline in target log-likelihood (RBF)",
    measured={f"{n} - constant, CI lower bound > 0": "yes" if d - h > 0 else "no"
              for n, (d, h) in vs_base.items()},
    criterion="paired 95% CI over test tasks of LL(model) - LL(constant) above 0 for CNP, NP and MPNP",
    passed=all(d - h > 0 for d, h in vs_base.values()))
claims.add(
    "MPNP is within 0.1 nats of the CNP or better in target log-likelihood (RBF)",
    measured={"MPNP - CNP >= -0.1": "yes" if mp_cnp[0] >= -0.1 else "no"},
    criterion="mean target LL(MPNP) >= mean target LL(CNP) - 0.1",
    passed=bool(mp_cnp[0] >= -0.1))
claims.add(
    "Headline: MPNP has the highest target log-likelihood of the three models (RBF)",
    measured={"MPNP >= NP": "yes" if mp_np[0] >= 0 else "no",
              "MPNP >= CNP": "yes" if mp_cnp[0] >= 0 else "no"},
    criterion=f"mean target LL(MPNP) >= that of NP and of CNP ({N_TRAIN_SEEDS} meta-training seed(s), "
              f"{len(base)} test tasks, {STEPS} steps)",
    passed=bool(mp_np[0] >= 0 and mp_cnp[0] >= 0))
claims.report()

# %% [markdown]
# ## Verdict
#
# **Claims 1 and 2 reproduce** at quick scale on seeds 0, 1 and 2: all three models beat the
# constant-mean baseline on RBF test tasks (paired 95 % intervals above 0), and MPNP is not
# behind the CNP at all.
#
# **The headline ranking (claim 3) holds at quick scale, on all three seeds, but only by a small
# margin and at a scale far from the paper's.** MPNP's mean target log-likelihood on RBF tasks is
# ahead of the CNP's by 0.01 to 0.03 nats and ahead of the latent NP's by 0.01 to 0.025 nats
# (seeds 0, 1, 2), and the paired 95 % interval over the 300 test tasks excludes 0 on every seed.
# Context log-likelihoods rank the same way. Three things limit what this shows:
# * after 1500 steps every model is badly underfit: target log-likelihoods around $-0.35$ to
#   $-0.45$ nats against about $+1.7$ for the GP with the true kernel, and the predictive-band
#   figure shows smooth trends with wide bands, not the GP's wiggles. The ranking is a ranking of
#   early-training models; whether it survives to convergence is what the full scale is for;
# * the full scale (width 128, 10 000 steps of 32 tasks, 3 seeds, 1000 test tasks) was **not
#   executed**: no GPU was available when this chapter was written, and on a CPU thread it runs
#   far past any budget. Only a 60-step smoke run of the full-scale code path was done, so its
#   verdicts, and the estimate that it fits in 10 GPU minutes, are untested;
# * the comparison is matched in encoder and decoder, not in cost: MPNP has about four times the
#   CNP's parameters (the generator) and decodes $K + 1 = 5$ functions per training task. We did
#   not run an ablation that separates the martingale-posterior construction from that extra
#   capacity.
#
# On functions the models never saw in training, MPNP's lead is larger on Matern-5/2 (0.025 to
# 0.08 nats over both baselines on every seed), while on periodic functions all three models are
# close to the constant baseline, and below it on two of three seeds: an RBF-trained model at
# this budget predicts a smooth trend, which misses a period of 0.1 to 0.5. These
# out-of-distribution numbers are reported, not scored.
#
# ## Deviations from the paper
#
# * **Budget.** Quick scale: width-32 networks, 1500 steps of 16 tasks, one meta-training seed,
#   300 test tasks per kernel; full scale: width 128, 10 000 steps of 32 tasks, 3 seeds, 1000 test
#   tasks. The paper trains for 100 000 steps of 100 tasks. All models are far from the GP oracle.
# * **Architecture.** Our own small version of the paper's design: one single-head cross-attention
#   block and one induced set attention block (4 inducing points, no layer norm) generate the pseudo
#   contexts in representation space; the number of pseudo contexts equals the number of real ones
#   (`pseudo_ratio = 1`), $K = 4$ draws in the training loss. The paper's exact generator, loss
#   weights and number of pseudo contexts may differ: no official code was available to us.
# * **Baselines.** No bootstrapped NP (BNP) or attentive variants; the latent NP is trained with the
#   ELBO (its KL term uses $q(z \mid C)$ as the prior, as is standard).
# * **Metric.** Per-point log-likelihood of the sample mixture (the NP literature's convention),
#   not the joint likelihood of all targets; it rewards any model that mixes over functions.
# * **Matched backbones.** Encoder and decoder MLPs are identical; the NP's latent encoder and the
#   MPNP generator add parameters of their own (counts printed above).
