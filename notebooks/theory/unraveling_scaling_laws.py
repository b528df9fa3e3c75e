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
# **Paper.** With constants estimated on small models,
# $L(N, S) = (N_c/N)^{\alpha_N} + (S_c/S)^{\alpha_S}$ (plus a constant where the data have an
# irreducible loss) predicts the loss trajectory of much larger models trained in the same setup.
#
# **This chapter checks a mechanism at toy scale (tier B).** Data with a known irreducible loss:
# a Markov chain over 128 tokens whose entropy rate is exact. Four small next-token MLPs (widths
# 2-16, about 500-4300 parameters) are trained with one fixed setup; we fit
# $L(N, S) = (N_c/N)^{\alpha_N} + (S_c/S)^{\alpha_S} + L_\infty$ to their learning curves and predict
# the learning curve of a held-out model with width 64 (about 4 times the parameters of the
# largest fitted one). The whole pipeline is repeated on 4 independent chains and each claim is
# judged on the median over chains. Thresholds, fixed before running:
# 1. the predicted final loss of the held-out model is within **5 %** of its measured reducible loss
#    $L - H$ (catalog entry for this paper);
# 2. the mean absolute error of the predicted trajectory over the second half of training is
#    **< 0.05 nats** (catalog);
# 3. the fitted $L_\infty$ is within **0.05 nats** of the chain's entropy rate $H$ (our tolerance,
#    the same scale as claim 2: a constant off by more would by itself spoil the trajectory).
#
# Testing the headline itself would take Transformer language models over two decades of size
# (the paper's 1M-60M to predict up to 33B), on natural text, with the critical-batch-size
# conversion of steps: far beyond a CPU minute.
# ```

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
# `src/repro/scaling/multivariate.py` (tests in `tests/test_lm_scaling.py` and
# `tests/test_multivariate_scaling.py`).

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
    second_half = EVAL >= STEPS / 2
    results.append(dict(H=H, N=N, curves=curves, law=law, pred=pred,
                        final_err=abs(pred[-1] - curves[k, -1]) / (curves[k, -1] - H),
                        mae=np.abs(pred - curves[k])[second_half].mean(),
                        mae_floor=(curves[k] - H)[second_half].mean(),
                        linf_err=abs(law.L_inf - H)))
print("chain  H      fitted L_inf  alpha_N  alpha_S  held-out final L - H: measured  predicted  "
      "MAE 2nd half  (MAE of L = H)")
for c, r in enumerate(results):
    print(f"{c:5d}  {r['H']:.3f}  {r['law'].L_inf:12.3f}  {r['law'].alpha_N:7.2f}  {r['law'].alpha_S:7.2f}"
          f"  {r['curves'][-1, -1] - r['H']:34.3f}  {r['pred'][-1] - r['H']:9.3f}  {r['mae']:12.3f}"
          f"  {r['mae_floor']:13.3f}")

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
# ## Verdict

# %% tags=["nbval-check-output"]
final_err = float(np.median([r["final_err"] for r in results]))
mae = float(np.median([r["mae"] for r in results]))
linf_err = float(np.median([r["linf_err"] for r in results]))
claims = repro.Claims()
claims.add("The law fitted on small models predicts the held-out model's final loss",
           measured={"median |error| / measured reducible loss": final_err},
           criterion="<= 0.05 (catalog), median over chains", passed=final_err <= 0.05, fmt="{:.1f}")
claims.add("The law predicts the held-out model's loss trajectory",
           measured={"median MAE over the second half (nats)": mae},
           criterion="< 0.05 nats (catalog), median over chains", passed=mae < 0.05, fmt="{:.3f}")
claims.add("The fitted L_inf is the entropy rate of the data",
           measured={"median |L_inf - H| (nats)": linf_err},
           criterion="< 0.05 nats, median over chains", passed=linf_err < 0.05, fmt="{:.3f}")
claims.report()

# %% [markdown]
# **Verdict.** The report above is the outcome; each line can fail. On data whose logit spectrum
# makes capacity a power law, the additive law describes the learning curves of the four small
# models roughly (left panel: the step term is not quite shared between sizes), and with the
# constants it finds, the fitted constant $L_\infty$ usually lands close to the chain's
# true entropy rate and the predicted trajectory of the 4-times-larger model stays within the
# catalog's 0.05 nats over the second half of training (claims 2 and 3). Two cautions:
#
# * **The 0.05-nat bar is loose here.** The held-out model ends only about 0.02 nats above the
#   entropy rate, so the constant prediction $L = H$ has a mean absolute error of about 0.02 nats
#   too (last column of the table): claim 2 shows the law does not go badly wrong, not that it
#   forecasts the shape of the curve. Claim 3 is close to its threshold (median 0.03-0.05 nats over
#   the three seeds we ran), and single chains range from 0.01 to 0.2 nats: an occasional chain
#   gives a fit that trades $L_\infty$ against a small $\alpha_N$, the classic degeneracy of fitting
#   an offset power law on one decade of sizes.
# * **The final-loss prediction fails (claim 1).** The catalog's 5 % of the *reducible* loss is a
#   demanding bar when that loss is 0.02 nats: it asks for an absolute error of 0.001 nats, and
#   our predictions miss by 0.01-0.08 nats, often predicting a loss *below* the entropy rate. Small
#   absolute errors in $L_\infty$ or $\alpha_N$ are enough for that, and nothing in four small models
#   pins them down to a thousandth of a nat.
#
# So the mechanism the paper relies on (a size term and a step term that add, with constants that
# can be read from small models) holds roughly at toy scale, but predicting the larger model's loss
# *to within a small fraction of its reducible part* did not reproduce.
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
# * **Repetitions.** Four independent chains per run at quick scale, judged by the median;
#   `scale="full"` uses 256 tokens, widths 4-32 fitted and 128 held out, 20000 steps and 5 chains.
# * **Thresholds.** 5 % and 0.05 nats are the catalog's; the 0.05-nat tolerance on $L_\infty$ is ours.
