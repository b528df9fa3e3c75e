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
# # Scaling Laws for Neural Machine Translation
#
# {cite}`ghorbani2022scaling` · [arXiv:2109.07740](https://arxiv.org/abs/2109.07740) (ICLR 2022)
# · the authors released generated translations, not training code; everything below is our own
# implementation.
#
# An encoder-decoder translation model has two towers that can be grown separately. Ghorbani and
# co-authors train Transformer translation models in which only the encoder, only the decoder, or
# both are deepened, and find that the test cross-entropy is described by one formula in the two
# sizes: a product of two power laws plus a constant. The constant is the loss no model size can
# remove; the two exponents say how fast each tower pays off. Because the exponents differ, the
# total parameter count alone does not determine the loss: where the parameters go matters, and the
# formula tells how to split a budget between encoder and decoder.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** The per-token cross-entropy of an encoder-decoder model with $N_e$ encoder and $N_d$
# decoder parameters follows
# $L(N_e, N_d) = \beta\, N_e^{-p_e} N_d^{-p_d} + L_\infty$ (their Eq. 1, written without the
# reference sizes, which only rescale $\beta$); fitted on some models, it predicts others, while a
# law in the total parameter count $N_e + N_d$ does not; and the encoder and decoder exponents differ.
# The paper also studies how the composition of the test data and BLEU interact with scaling;
# that needs natural-language corpora and is not tested here.
#
# **This chapter checks a mechanism at toy scale (tier B).** On a synthetic translation task with a
# known irreducible loss, we train a $4 \times 4$ grid of two-tower networks (encoder and decoder
# widths $16 \dots 128$), fit both laws on the 12 configurations with unequal widths, and predict the
# 4 *balanced* ones (equal widths), as the paper predicts one scaling approach from others.
# Thresholds, fixed before running (1-3 from the catalog entry for this paper):
# 1. the bivariate law predicts the held-out configurations with $R^2 \ge 0.95$;
# 2. its held-out RMSE is lower than that of the total-parameter law
#    $L(N) = \beta N^{-p} + L_\infty$, $N = N_e + N_d$, fitted on the same points;
# 3. $p_e$ and $p_d$ differ: the 95 % bootstrap interval of $p_d - p_e$ (resampling the fitted
#    configurations) excludes 0;
# 4. the fitted $L_\infty$ is the irreducible loss: within 20 % of the task's exact Bayes
#    cross-entropy (our tolerance; the paper cannot check this on real data).
#
# Testing the headline itself would take Transformer encoder-decoders trained to convergence on a
# real parallel corpus over a range of 100M-parameter-scale sizes, as in the paper: far beyond a CPU
# minute.
# ```

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (more widths, steps and repetitions)
seed = 0             # draws the task, the data and the initialisations
device = "auto"      # the networks are tiny: everything runs on the CPU
vocab = 8            # source/target vocabulary
noise = 0.1          # probability that a target token is replaced by a uniform one

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book.params import check_float, check_int
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.papers.theory import synthetic_translation as st
from repro.scaling import multivariate as ms
from repro.scaling.fits import fit_power_law_offset

run = repro.setup(scale, seed, device)  # one CPU thread, deterministic
check_int("vocab", vocab, minimum=4, maximum=64)
check_float("noise", noise, minimum=0.0, maximum=0.9)
rng = run.rng

LENGTH = 6                                              # tokens per sentence
WIDTHS = run.pick([16, 32, 64, 128], [16, 32, 64, 128, 256])
REPS = run.pick(2, 3)                                   # initialisations averaged per configuration
STEPS = run.pick(400, 2000)                             # Adam steps, learning rate decayed to 0
BATCH, LR = 512, 1e-2
N_TRAIN, N_TEST = run.pick(100_000, 400_000), run.pick(8000, 20000)
N_BOOT = run.pick(200, 1000)

task = st.TranslationTask.random(vocab, LENGTH, noise, rng)
x, y = task.sample(N_TRAIN, rng)
X, Y = st.one_hot(x, vocab), torch.as_tensor(y)
x, y = task.sample(N_TEST, rng)
Xte, Yte = st.one_hot(x, vocab), torch.as_tensor(y)
L_BAYES = task.irreducible_loss()
print(f"vocab {vocab}, length {LENGTH}, noise {noise}: irreducible loss {L_BAYES:.3f} nats/token; "
      f"{len(WIDTHS)}x{len(WIDTHS)} widths {WIDTHS}, {REPS} repetitions, {STEPS} steps")

# %% [markdown]
# ## Method
#
# ### A synthetic translation task
#
# A source sentence is $x = (x_1, \dots, x_6)$ with tokens uniform over a vocabulary of 8. The target
# has six tokens too; position $t$ reads two source positions $a_t \ne b_t$ (a fixed random
# reordering), combines them, $c_t = (x_{a_t} + x_{b_t}) \bmod 8$, and maps the result through a
# fixed random bijection $\sigma_t$ (a lexicon): $y_t = \sigma_t(c_t)$. With probability $0.1$ the
# target token is replaced by a uniform one. The best possible predictor puts probability
# $0.9 + 0.1/8$ on $\sigma_t(c_t)$, so the irreducible loss is known exactly:
#
# $$ L^\star = -q \log q - 7\,\tfrac{0.1}{8}\log\tfrac{0.1}{8},\qquad q = 0.9 + \tfrac{0.1}{8}. $$
#
# The combination $(x_a + x_b) \bmod 8$ is not linear in the one-hot inputs, so the network needs
# hidden units to represent it: capacity matters, which is what makes a scaling law possible.
#
# ### A two-tower network
#
# The model is our stand-in for an encoder-decoder: an **encoder** maps the one-hot source
# ($6 \times 8$ inputs) to a ReLU code of width $w_e$, a **decoder** maps the code through a ReLU
# layer of width $w_d$ to the logits of the six target tokens. So
# $N_e = 48 w_e + w_e$ and $N_d = w_e w_d + w_d + 48 w_d + 48$. Unlike the paper's decoder, ours is
# not autoregressive: the target tokens are conditionally independent given the source, so there is
# nothing for a target-side language model to learn. Each configuration is trained with Adam
# (learning rate $10^{-2}$ decayed linearly to 0, batches of 512) and scored by the cross-entropy
# per target token on fresh test sentences, averaged over initialisations.
#
# ### The two laws
#
# Both are fitted by non-linear least squares on the loss itself, with non-negative exponents and
# $L_\infty \ge 0$, from several starting points: the bivariate law
# $\beta N_e^{-p_e} N_d^{-p_d} + L_\infty$ (four parameters) and the total-parameter law
# $\beta N^{-p} + L_\infty$ (three). The code is `src/repro/papers/theory/synthetic_translation.py` and
# `src/repro/scaling/multivariate.py` (tests in `tests/test_synthetic_translation.py` and
# `tests/test_multivariate_scaling.py`).

# %%
print(inspect.getsource(st.TranslationTask.translate))
print(inspect.getsource(ms.fit_product_law))

# %% [markdown]
# ## Training the grid

# %%
grid = []
for i, (we, wd) in enumerate(progress([(a, b) for a in WIDTHS for b in WIDTHS], desc="grid")):
    losses = []
    for r in range(REPS):
        torch.manual_seed(1000 * run.seed + 10 * i + r)
        model = st.TwoTowerMLP(vocab, LENGTH, we, wd)
        st.train_two_tower(model, X, Y, steps=STEPS, batch_size=BATCH, lr=LR,
                           generator=torch.Generator().manual_seed(1000 * run.seed + 10 * i + r))
        with torch.no_grad():
            losses.append(st.token_cross_entropy(model(Xte), Yte).item())
    grid.append((we, wd, *model.sizes(), np.mean(losses)))
we, wd, Ne, Nd, L = (np.array(c, dtype=float) for c in zip(*grid))
Ntot = Ne + Nd
print("test loss (rows: encoder width, columns: decoder width)")
print("        " + "".join(f"{w:>8d}" for w in WIDTHS))
for k, w in enumerate(WIDTHS):
    print(f"{w:>8d}" + "".join(f"{v:8.2f}" for v in L[k * len(WIDTHS):(k + 1) * len(WIDTHS)]))

# %% [markdown]
# ## Fitting on unbalanced models, predicting balanced ones

# %%
held = we == wd
fit = ~held
law = ms.fit_product_law(Ne[fit], Nd[fit], L[fit])
b_tot, p_tot, c_tot = fit_power_law_offset(Ntot[fit], L[fit])
total_law = lambda n: b_tot * np.asarray(n, float) ** -p_tot + c_tot  # noqa: E731
pred_biv, pred_tot = law(Ne[held], Nd[held]), total_law(Ntot[held])
r2_biv, r2_tot = ms.r_squared(L[held], pred_biv), ms.r_squared(L[held], pred_tot)
rmse_biv, rmse_tot = ms.rmse(L[held], pred_biv), ms.rmse(L[held], pred_tot)
print(f"bivariate law: p_e = {law.p_e:.2f}, p_d = {law.p_d:.2f}, L_inf = {law.L_inf:.2f}")
print(f"total law:     p   = {p_tot:.2f}, L_inf = {c_tot:.2f}   (irreducible loss {L_BAYES:.2f})")
print(f"held-out R^2: bivariate {r2_biv:.2f}, total {r2_tot:.2f}; RMSE: {rmse_biv:.3f} vs {rmse_tot:.3f}")

boot_rng = np.random.default_rng(run.seed + 1000)
idx = np.flatnonzero(fit)
boot = []
for _ in progress(range(N_BOOT), desc="bootstrap"):
    s = boot_rng.choice(idx, len(idx))
    f = ms.fit_product_law(Ne[s], Nd[s], L[s])
    boot.append((f.p_e, f.p_d))
boot = np.array(boot)
ci_e, ci_d = np.quantile(boot, [0.025, 0.975], axis=0).T
ci_diff = np.quantile(boot[:, 1] - boot[:, 0], [0.025, 0.975])
print(f"95% bootstrap: p_e {ci_e[0]:.2f}-{ci_e[1]:.2f}, p_d {ci_d[0]:.2f}-{ci_d[1]:.2f}, "
      f"p_d - p_e {ci_diff[0]:.2f}-{ci_diff[1]:.2f}")

# %% [markdown]
# Left: the measured grid (markers; filled: fitted, open: held out) against the fitted bivariate
# law (lines), one colour per encoder width. Right: predicted against measured loss for the four
# held-out balanced models, for both laws.

# %%
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
nd_line = np.geomspace(Nd.min() * 0.8, Nd.max() * 1.2, 50)
for k, w in enumerate(WIDTHS):
    sel = we == w
    ne = Ne[sel][0]
    ax.plot(Nd[sel & fit], L[sel & fit], "o", color=COLORS[k], label=f"encoder width {w}")
    ax.plot(Nd[sel & held], L[sel & held], "o", mfc="none", color=COLORS[k])
    ax.plot(nd_line, law(ne, nd_line), "-", color=COLORS[k], lw=1)
ax.axhline(L_BAYES, color="k", ls=":", lw=1, label="irreducible loss")
ax.set(xscale="log", xlabel="decoder parameters N_d", ylabel="test cross-entropy (nats/token)",
       title="Grid and fitted bivariate law\n(open markers: held out)")
ax.legend(fontsize=8)
lim = [min(L.min(), pred_biv.min(), pred_tot.min()) - 0.05, max(L.max(), pred_tot.max()) + 0.05]
bx.plot(lim, lim, "k--", lw=1)
bx.plot(L[held], pred_biv, "o", color=COLORS[0], label=f"bivariate, R2 = {r2_biv:.2f}")
bx.plot(L[held], pred_tot, "s", color=COLORS[1], label=f"total parameters, R2 = {r2_tot:.2f}")
bx.set(xlim=lim, ylim=lim, xlabel="measured loss (balanced models)", ylabel="predicted loss",
       title="Held-out predictions")
bx.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
claims = repro.Claims()
claims.add("The bivariate law fitted on unbalanced models predicts the balanced ones",
           measured={"held-out R^2": r2_biv}, criterion="R^2 >= 0.95 (catalog)",
           passed=r2_biv >= 0.95, fmt="{:.2f}")
claims.add("The bivariate law predicts better than a law in the total parameter count",
           measured={"RMSE bivariate": rmse_biv, "RMSE total": rmse_tot},
           criterion="RMSE bivariate < RMSE total on the held-out models",
           passed=rmse_biv < rmse_tot, fmt="{:.2f}")
claims.add("Encoder and decoder exponents differ",
           measured={"p_e": law.p_e, "p_d": law.p_d, "95% CI of p_d - p_e": f"[{ci_diff[0]:.2f}, {ci_diff[1]:.2f}]"},
           criterion="bootstrap 95% interval of p_d - p_e excludes 0",
           passed=ci_diff[0] > 0 or ci_diff[1] < 0, fmt="{:.2f}")
claims.add("The fitted L_inf is the irreducible loss of the task",
           measured={"fitted L_inf": law.L_inf, "exact": L_BAYES},
           criterion="|L_inf - exact| <= 0.2 * exact",
           passed=abs(law.L_inf - L_BAYES) <= 0.2 * L_BAYES, fmt="{:.2f}")
claims.report()

# %% [markdown]
# **Verdict.** The report above is the outcome; each line can fail. The two-tower networks do show
# the qualitative picture the paper describes: the loss falls with both the encoder and the decoder
# width, and a law that keeps the two sizes apart predicts the held-out balanced models better than
# a law in the total parameter count (claim 2). But at this scale the bivariate product law is not
# an accurate description (claims 1, 3 and 4):
#
# * its held-out $R^2$ stays around 0.9, below the 0.95 the claim asks for, and the misses are
#   systematic rather than noise: every balanced model is *better* than predicted (right panel).
#   In our networks the loss behaves more like a bottleneck, set mainly by the narrower tower, so
#   configurations with one narrow tower (all the fitted ones) look worse than a product of power
#   laws would make the balanced ones;
# * the fitted encoder and decoder exponents are close to each other, and with 12 fitted
#   configurations the bootstrap interval of their difference always contains 0: we cannot say
#   they differ, which is a failure to *detect* a difference, not evidence that there is none;
# * the fitted $L_\infty$ collapses to 0 although the task's irreducible loss is 0.47 nats: with
#   the measured losses still 0.1-1.2 nats above the floor, the grid does not constrain the
#   constant, and the four-parameter law trades it off against the exponents. The paper's
#   $L_\infty$ estimates come from models much closer to convergence over a wider size range.
#
# The task is too small, and the models too far from the regime the paper studied, for a clean
# bivariate law: what reproduces is that *where* the parameters go matters (claim 2), not the
# specific functional form.
#
# ## Deviations from the paper
#
# * **Models.** The paper scales the depth of Transformer encoders and decoders (up to billions of
#   parameters) on large English-German and other corpora. We scale the widths of a two-tower ReLU
#   network of 1k-30k parameters on a synthetic task; the decoder is not autoregressive, so there
#   is no target-side language modelling, which the paper identifies as part of why decoder
#   scaling differs.
# * **Task.** Synthetic reordering + modular combination + lexicon with 10 % uniform noise, so the
#   irreducible loss is exact (claim 4 is our addition; the paper cannot check it).
# * **Training.** 400 Adam steps per model at quick scale, 2 initialisations averaged; the models
#   are not trained to convergence. `scale="full"` uses a $5 \times 5$ grid (widths to 256), 2000
#   steps and 3 initialisations.
# * **Fit and held-out set.** We fit on the 12 unbalanced configurations and predict the 4
#   balanced ones; the paper fits on encoder-scaling and decoder-scaling series and checks other
#   series. Confidence intervals resample the fitted configurations (our choice; the paper reports
#   none).
# * **Not tested.** The effect of the test data's origin (source- vs target-original text) on
#   scaling, and the relation between cross-entropy and BLEU, both need natural-language data.
