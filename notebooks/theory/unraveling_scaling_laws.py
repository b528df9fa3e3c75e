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
# # Unraveling the Mystery of Scaling Laws: Part I
#
# {cite}`su2024unraveling` · [arXiv:2403.06563](https://arxiv.org/abs/2403.06563)
# · no official code was released; everything below is our own implementation.
#
# Kaplan et al. {cite}`kaplan2020scaling` proposed that the test loss of a language model with $N$
# parameters after $S$ optimisation steps is the sum of a model-size power law and a training-step
# power law. Su, Tian, Shen and Cai revisit that formula. They argue that it stays valid for models
# up to 33B parameters, but that its constants depend on the whole training setup (learning rate,
# batch size, context length, data), so they must be re-estimated for each setup, and they give a
# step-by-step recipe to do so with models of 1M-60M parameters. With the constants in hand, they
# predict before training the loss a much larger model will reach, the steps it needs, the critical
# batch size and its whole loss trajectory.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** With constants estimated on small models (1M-60M parameters),
# $L(N, S) = (N_c/N)^{\alpha_N} + (S_c/S)^{\alpha_S}$ predicts before training the minimum loss,
# the steps needed for a loss, the critical batch size and the whole loss trajectory of models up
# to 33B parameters trained in the same setup.
#
# **That headline is not testable here** (the box below says why). **This chapter tests the
# mechanism at toy scale (tier B).** Data with a known irreducible loss: a Markov chain over 128
# tokens whose entropy rate $H$ is exact. Four small next-token MLPs (widths 2-16, about 500-4300
# parameters) are trained with one fixed setup; we fit
# $L(N, S) = (N_c/N)^{\alpha_N} + (S_c/S)^{\alpha_S} + L_\infty$ to their learning curves and predict
# the learning curve of a held-out model with width 64 (about 4 times the parameters of the
# largest fitted one). Each independent chain is a run, and every counted claim must beat a
# predictor that uses no law at all:
# * the predicted trajectory of the held-out model (second half of training) has a smaller mean
#   absolute error than the constant $L = H$ and than the learning curve of the largest fitted model;
# * the predicted final loss is within 5 % of the measured reducible loss $L - H$ (the catalog's
#   criterion; a predictor with error 100 %, such as $L = H$, fails it);
# * the fitted $L_\infty$ is closer to $H$ than the lowest loss any fitted model reached.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
claims.not_testable(
    "predicts_large_models",
    statement=("Scaling-law constants estimated on 1M-60M-parameter Transformers predict the minimum loss, "
               "steps to a loss, critical batch size and loss trajectory of models up to 33B parameters"),
    reason=("it needs Transformer language models over more than two decades of size trained on natural text, "
            "with the critical-batch-size conversion of steps: thousands of GPU hours, against one CPU minute "
            "(quick) or ten GPU minutes (full) here"))
TRIVIAL = repro.Change(
    what="the trajectory claim is paired against naive predictors (L = H and the largest fitted model's curve)",
    was="median MAE over chains < 0.05 nats (catalog), reported as reproduced",
    why=("a referee noted that the constant L = H had a lower error than the law's prediction; a counted "
         "claim must beat the trivial predictor"))
claims.declare(
    "trajectory", kind="supporting",
    statement=("The law fitted on four small models predicts the held-out (4x larger) model's loss trajectory "
               "over the second half of training better than a predictor without the law"),
    metric="MAE of the law's predicted trajectory (nats)",
    paired_with="MAE of the naive predictor named in the setting",
    better="lower", margin=0.0, fmt="{:+.3f}", changed=TRIVIAL)
claims.declare(
    "final_loss", kind="supporting",
    statement="The law predicts the held-out model's final loss within 5 % of its measured reducible loss L - H",
    metric="|predicted - measured final loss| / (measured final loss - H), per chain",
    better="lower", margin=0.05, fmt="{:.2f}",
    changed=repro.Change(what="statistic", was="median over chains <= 0.05",
                         why="claim rules: a 95% interval over independent chains"))
claims.declare(
    "linf_is_entropy", kind="supporting",
    statement=("The fitted irreducible loss L_inf estimates the entropy rate H better than the lowest loss "
               "reached by any fitted model"),
    metric="|L_inf - H| (nats)", paired_with="|lowest loss of the fitted models - H| (nats)",
    better="lower", margin=0.0, fmt="{:+.3f}",
    changed=repro.Change(
        what="criterion", was="median |L_inf - H| < 0.05 nats (our tolerance)",
        why=("the held-out model's reducible loss is smaller than that tolerance, so it did not test the fit; "
             "the fit must now beat the obvious estimate of H")))
claims.show()

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (larger vocabulary, longer training)
seed = 0             # draws the chains, the batches and the initialisations
device = "auto"      # the models are tiny: everything runs on the CPU
n_chains = 0         # independent chains (repetitions of the whole pipeline); 0 picks the default

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book.params import check_int
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.papers.theory import lm_scaling as lm
from repro.scaling import multivariate as ms

run = repro.setup(scale, seed, device)  # one CPU thread, deterministic
check_int("n_chains", n_chains, minimum=0, maximum=20)
N_CHAINS = n_chains or run.pick(4, 5)
rng = run.rng

VOCAB = run.pick(128, 256)
DECAY, LOGIT_SCALE = 1.0, 16.0                         # logit spectrum s_k = 1/k, overall scale
FIT_WIDTHS = run.pick([2, 4, 8, 16], [4, 8, 16, 32])
HELD_WIDTH = run.pick(64, 128)
STEPS = run.pick(6000, 20000)
BATCH, LR = 512, 5e-3
S_MIN = run.pick(300, 1000)                            # the fit ignores the first steps (transient)
EVAL = np.unique(np.geomspace(10, STEPS, 20).astype(int))
WIDTHS = FIT_WIDTHS + [HELD_WIDTH]
print(f"{N_CHAINS} chains over {VOCAB} tokens; widths {FIT_WIDTHS} fitted, {HELD_WIDTH} held out; "
      f"{STEPS} Adam steps of {BATCH} tokens, lr {LR}")

# %% [markdown]
# ## Method
#
# ### Data with a known irreducible loss
#
# A first-order Markov chain over $V$ tokens with transition probabilities
# $P = \operatorname{softmax}(c\sqrt V\, U \operatorname{diag}(s) W^\top)$ row by row, where $U, W$ are
# random orthogonal matrices, $s_k = 1/k$ and $c = 16$. The logit matrix has a power-law spectrum:
# a model that can only represent a rank-$r$ logit table misses the directions $k > r$, whose
# squared weight $\sum_{k>r} s_k^2 \approx 1/r$ falls as a power law in $r$ (until $r$ nears $V$), so
# the capacity term $(N_c/N)^{\alpha_N}$ has a reason to exist, with $\alpha_N$ near 1 for small
# logit errors. Any language model's expected loss is at least the
# chain's entropy rate $H = -\sum_i \pi_i \sum_j P_{ij}\log P_{ij}$ ($\pi$ the stationary
# distribution), which is the irreducible loss $L_\infty$ the law should recover.
#
# ### Models and training
#
# The next-token model reads the previous token (all a first-order chain needs) through
# one-hot $\to$ ReLU layer of width $w$ $\to$ logits, $N = (2V + 1)w + V$ parameters. All models are
# trained in one setup: Adam at a constant learning rate $5\cdot10^{-3}$, batches of 512 token pairs
# drawn fresh from the stationary chain (no repetition, so there is no data limit), and the loss
# evaluated exactly from $\pi$ and $P$ at 20 log-spaced steps. The models share the batches and are
# trained side by side (their gradients are independent, so this is the same as training them one
# at a time).
#
# ### The law and the fit
#
# $$ L(N, S) = \Big(\frac{N_c}{N}\Big)^{\alpha_N} + \Big(\frac{S_c}{S}\Big)^{\alpha_S} + L_\infty $$
#
# is fitted by non-linear least squares to all points $(N, S, L)$ of the four small models with
# $S \ge 300$ (the first steps are a transient that no power law in $S$ describes), and then evaluated
# at the held-out model's $N$ for every $S$. The code is `src/repro/papers/theory/lm_scaling.py` and
# `src/repro/scaling/multivariate.py` (tests in `tests/papers/theory/test_lm_scaling.py` and
# `tests/scaling/test_multivariate.py`).

# %%
print(inspect.getsource(lm.powerlaw_logit_chain))
print(inspect.getsource(ms.SumLaw.__call__))

# %% [markdown]
# ## Training, fitting and predicting, on each chain

# %%
results = []
for c in progress(range(N_CHAINS), desc="chains"):
    P = lm.powerlaw_logit_chain(VOCAB, DECAY, LOGIT_SCALE, rng)
    pi, H = lm.stationary(P), lm.entropy_rate(P)
    torch.manual_seed(1000 * run.seed + c)
    models = lm.ParallelBigramMLPs(VOCAB, WIDTHS)
    curves = lm.train_curves(models, P, pi, steps=STEPS, batch_size=BATCH, lr=LR, eval_steps=EVAL, rng=rng)
    N = np.array(models.n_params(), dtype=float)
    sel = EVAL >= S_MIN
    k = len(FIT_WIDTHS)
    law = ms.fit_sum_law(np.repeat(N[:k], sel.sum()), np.tile(EVAL[sel], k), curves[:k, sel].ravel())
    pred = law(N[k], EVAL)
    results.append(dict(H=H, N=N, curves=curves, law=law, pred=pred,
                        final_err=abs(pred[-1] - curves[k, -1]) / (curves[k, -1] - H),
                        mae=lm.trajectory_mae(pred, curves[k], EVAL, STEPS / 2),
                        mae_floor=lm.trajectory_mae(H, curves[k], EVAL, STEPS / 2),
                        mae_largest=lm.trajectory_mae(curves[k - 1], curves[k], EVAL, STEPS / 2),
                        linf_err=abs(law.L_inf - H),
                        min_loss_err=abs(curves[:k].min() - H)))
print("chain  H      fitted L_inf  alpha_N  alpha_S  held-out final L - H: measured  predicted  "
      "MAE 2nd half  (MAE of L = H)  (MAE of largest fitted)")
for c, r in enumerate(results):
    print(f"{c:5d}  {r['H']:.3f}  {r['law'].L_inf:12.3f}  {r['law'].alpha_N:7.2f}  {r['law'].alpha_S:7.2f}"
          f"  {r['curves'][-1, -1] - r['H']:34.3f}  {r['pred'][-1] - r['H']:9.3f}  {r['mae']:12.3f}"
          f"  {r['mae_floor']:13.3f}  {r['mae_largest']:22.3f}")

# %% [markdown]
# Left: the learning curves of the first chain (reducible loss $L - H$, log axes), with the fitted
# law on the four small models and its prediction for the held-out model (dashed). Right: the
# reducible loss at the end of training against model size for every chain, measured (markers)
# and from the fitted law (lines); the held-out size is the rightmost point.

# %%
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
r = results[0]
s_line = np.geomspace(S_MIN, STEPS, 60)
for i, w in enumerate(WIDTHS):
    held = i == len(FIT_WIDTHS)
    ax.plot(EVAL, r["curves"][i] - r["H"], "o" if not held else "s", ms=4, color=COLORS[i % len(COLORS)],
            mfc="none" if held else None, label=f"width {w} (N = {int(r['N'][i])})" + (", held out" if held else ""))
    ax.plot(s_line, r["law"](r["N"][i], s_line) - r["H"], "--" if held else "-", color=COLORS[i % len(COLORS)], lw=1)
ax.set(xscale="log", yscale="log", xlabel="step S", ylabel="reducible loss L - H (nats)",
       title="Learning curves and the fitted L(N, S) (chain 0)")
ax.legend(fontsize=7)
n_line = np.geomspace(r["N"][0], r["N"][-1], 60)
for c, r in enumerate(results):
    col = COLORS[c % len(COLORS)]
    bx.plot(r["N"], r["curves"][:, -1] - r["H"], "o", color=col, label=f"chain {c}: measured")
    bx.plot(n_line, r["law"](n_line, STEPS) - r["H"], "-", color=col, lw=1)
bx.axvline(r["N"][len(FIT_WIDTHS) - 1] * 1.4, color="k", ls=":", lw=1)
bx.set(xscale="log", xlabel="parameters N", ylabel=f"L - H at step {STEPS} (nats)",
       title="Final reducible loss vs size\n(lines: fitted law; right of dotted: held out)")
bx.legend(fontsize=7)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Results

# %%
claims.record("trajectory", method=[r["mae"] for r in results], baseline=[r["mae_floor"] for r in results],
              setting="vs the constant L = H")
claims.record("trajectory", method=[r["mae"] for r in results], baseline=[r["mae_largest"] for r in results],
              setting="vs the largest fitted model's curve")
claims.record("final_loss", values=[r["final_err"] for r in results])
claims.record("linf_is_entropy", method=[r["linf_err"] for r in results],
              baseline=[r["min_loss_err"] for r in results])
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The paper's headline (prediction across two decades of Transformer sizes, up to 33B parameters)
# is not testable here. At toy scale the report above gives the verdicts, each against a predictor
# that does not use the law: the constant $L = H$ (the entropy rate, known exactly here) and the
# curve of the largest model the law was fitted on. The held-out model ends close to the entropy
# rate (the table above lists its reducible loss), so a loose absolute tolerance on the trajectory
# error, like the catalog's 0.05 nats used by the legacy version of this chapter, is met even by
# $L = H$; the paired comparisons ask whether the law adds anything. The final-loss criterion asks
# for an error of 5 % of a small reducible loss, which small absolute errors in $L_\infty$ or
# $\alpha_N$ already exceed, and nothing in four small models pins those down that finely; fitting
# an offset power law on one decade of sizes trades $L_\infty$ against $\alpha_N$.
#
# ## Deviations from the paper
#
# * **Models and data.** The paper trains decoder-only Transformers of 1M-60M parameters on natural
#   text to predict models up to 33B. We train one-hidden-layer next-token MLPs of 0.6k-17k
#   parameters on a synthetic first-order Markov chain over 128 tokens, chosen so that the
#   irreducible loss is known exactly and capacity matters as a power law.
# * **No critical batch size.** Su et al. (following Kaplan et al.) express the step term in
#   $S_{\min}$, the steps needed at a batch size far below the critical one, and estimate the critical
#   batch size from the loss. We keep one batch size and one constant learning rate for every model,
#   so $S$ is the raw step count; the paper's claims about critical batch sizes and tokens-to-loss
#   are not tested.
# * **One joint fit.** We fit all five constants at once by least squares on the small models' curves
#   (steps $\ge 300$); the paper estimates them in separate steps. The constant $L_\infty$ is our
#   addition for data with an irreducible loss (Kaplan et al.'s form has none).
# * **Repetitions.** Four independent chains at quick scale, each a run of the whole pipeline;
#   `scale="full"` uses 256 tokens, widths 4-32 fitted and 128 held out, 20000 steps and 5 chains.
# * **Thresholds.** The 5 % on the final loss is the catalog's; the other claims are comparisons.
