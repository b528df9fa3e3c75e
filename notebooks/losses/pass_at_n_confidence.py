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
# # Rethinking Fine-Tuning when Scaling Test-Time Compute: Limiting Confidence Improves Mathematical Reasoning
#
# {cite}`chen2025rethinking` · [paper (arXiv:2502.07154)](https://arxiv.org/abs/2502.07154).
# Everything below is our own implementation.
#
# A common way to spend more compute at test time is *pass@N*: draw $N$ answers from the model
# and count the problem as solved if any of them is right (a verifier, such as a proof checker,
# picks it out). If the model puts probability $p$ on the right answer, this succeeds with
# probability $1 - (1 - p)^N$. The paper points out that fine-tuning with cross-entropy is not
# aimed at this target. Cross-entropy keeps rewarding confidence, and on problems the model gets
# *wrong* a confident model puts almost no mass on the right answer, so $N$ samples rarely find
# it. Longer training can therefore raise pass@1 while lowering pass@N. The remedy is to train on
# $-\log \text{pass@}N$ itself, which stops pushing confidence up once an answer is likely enough.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (i) Cross-entropy training can be misaligned with pass@N: test pass@N at large $N$
# *decreases* with longer training, because the model becomes overconfident; (ii) the loss
# $-\log(1 - (1-p_y)^N)$ (Direct Coverage Optimization, DCO) limits confidence and rescues pass@N;
# (iii) the training budget should match the test budget: DCO with $N' = N$ gives the best
# pass@N, with a trade-off (large $N'$ lowers pass@1). Shown for language models fine-tuned on
# MATH and MiniF2F.
#
# **This chapter tests** the mechanism on a toy "many possible answers" task (tier B: the
# language-model results are out of reach here). Each seed draws a new task (class means,
# training, validation and test problems) and a new initialisation, so seeds are independent runs;
# the models of a seed share the initialisation and batches, and comparisons are paired:
# * *headline*: not testable here (LLM fine-tuning on MATH and MiniF2F);
# * *supporting*: (1) misalignment: cross-entropy's test pass@16 at the epoch where its
#   *validation* pass@16 peaks is higher than at the end of training, while its test pass@1 ends
#   higher than at that epoch; (2) overconfidence: on the test problems each model gets wrong,
#   DCO ($N' = 16$) is less confident than cross-entropy; (3) rescue: DCO ($N' = 16$) ends with a
#   higher test pass@16 than cross-entropy trained as long, and (4) than cross-entropy early-stopped
#   at its best validation pass@16, both losses stopped by the same rule; (5) alignment: for every
#   test budget $N \in \{1, 4, 16, 64\}$, training with $N' = N$ beats the strongest other training
#   budget $N' \in \{1, 4, 16, 64\}$ ($N' = 1$ is cross-entropy).
#
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
claims.not_testable(
    "llm_pass_at_n", statement=(
        "Cross-entropy fine-tuning of language models is misaligned with pass@N, and the "
        "confidence-limiting DCO loss rescues pass@N, improving mathematical reasoning on MATH and "
        "MiniF2F (answers and proof search)"),
    reason=("it needs a pretrained language model fine-tuned on MATH and MiniF2F, with many sampled "
            "solutions (or proof-tree searches) per problem and a verifier; neither the model nor the "
            "data is bundled, and the compute is GPU-days, far beyond a CPU minute or a GPU's ten"))
VAL = repro.Change(
    what="the peak epoch is chosen on a validation split (400 problems), not on the test curve; paired interval",
    was="cross-entropy's test pass@16 drop from its test-set peak to the end, mean >= 3 points over 5 seeds",
    why="the maximum of a noisy test curve minus its last value is >= 0 by construction; the claim "
        "rules forbid choosing on the test split")
claims.declare(
    "ce_pass16_declines", kind="supporting",
    statement=("Cross-entropy: test pass@16 at the epoch of best validation pass@16 is more than 3 points "
               "higher than at the end of training"),
    metric="test pass@16 (points) at the validation-chosen epoch", paired_with="test pass@16 at the end",
    better="higher", margin=3.0, fmt="{:+.0f}", changed=VAL)
claims.declare(
    "ce_pass1_rises", kind="supporting",
    statement="Cross-entropy: test pass@1 keeps rising after that epoch",
    metric="test pass@1 (points) at the end", paired_with="test pass@1 at the validation-chosen epoch",
    better="higher", margin=0.0, fmt="{:+.0f}", changed=VAL)
claims.declare(
    "dco_less_confident", kind="supporting",
    statement=("At the end of training, on the test problems each model gets wrong, DCO (N' = 16) puts "
               "less probability on its (wrong) top answer than cross-entropy"),
    metric="mean top-answer probability on wrongly answered test problems, DCO",
    paired_with="the same for cross-entropy", better="lower", margin=0.0, fmt="{:+.2f}")
claims.declare(
    "dco_rescues_at_end", kind="supporting",
    statement=("Trained as long, DCO (N' = 16) ends with a test pass@16 more than 3 points above "
               "cross-entropy's"),
    metric="final test pass@16 of DCO (points)", paired_with="final test pass@16 of cross-entropy",
    better="higher", margin=3.0, fmt="{:+.0f}",
    changed=repro.Change(
        what="criterion: the whole paired 95% interval above 3 points",
        was="mean paired difference >= 3 points and its 95% interval above 0",
        why="the claims API evaluates one margin; the stricter of the two conditions was kept"))
claims.declare(
    "dco_beats_early_stopped_ce", kind="supporting",
    statement=("DCO (N' = 16) beats cross-entropy early-stopped at its best validation pass@16 on test "
               "pass@16, both stopped by that same validation rule"),
    metric="test pass@16 of DCO (points), validation-stopped",
    paired_with="test pass@16 of cross-entropy, validation-stopped", better="higher", margin=0.0,
    fmt="{:+.1f}",
    changed=repro.Change(
        what="claim added: the early-stopped cross-entropy baseline",
        was="only cross-entropy trained for the full budget was compared",
        why="a referee: cross-entropy past its best epoch is a weak baseline; early stopping on a "
            "validation split is the standard remedy that could make DCO unnecessary"))
claims.declare(
    "matched_budget_best", kind="supporting",
    statement=("For every test budget N, training with N' = N gives a higher final test pass@N than the "
               "strongest other training budget (the one with the highest mean)"),
    metric="final test pass@N (points) of N' = N", paired_with="that of the strongest other N'",
    better="higher", margin=0.0, fmt="{:+.1f}",
    changed=repro.Change(
        what="criterion: paired 95% interval against the strongest other budget, per test budget",
        was="argmax over N' of the mean final pass@N equals N, for every N (no interval)",
        why="the claim rules ask for a paired interval over independent runs"))
claims.show()

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (more seeds, longer training)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # seeds per method; 0 picks the scale's default
n_answers = 20       # number of possible answers (classes)
separation = 0.6     # spread of the class means: smaller is harder

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from IPython.display import Markdown
from myst_nb import glue

from repro.book import params
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.data import datasets
from repro.nn import models, training
from repro.objectives import pass_at_n as pn
from repro.stats import intervals as stats

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=100)
params.check_int("n_answers", n_answers, minimum=2, maximum=1000)
params.check_float("separation", separation, minimum=0.05, maximum=10.0)
n_seeds = n_seeds or run.pick(5, 20)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3 (confidence intervals)")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## The loss and its gradient
#
# With $p = \mathrm{softmax}(z)$ and correct answer $y$, DCO minimises
# $\ell_N(z, y) = -\log\bigl(1 - (1 - p_y)^N\bigr)$. Its gradient is cross-entropy's, scaled by one
# number per example:
#
# $$\frac{\partial \ell_N}{\partial z} = F(N, p_y)\,(p - e_y), \qquad
#   F(N, p) = \frac{N\,p\,(1 - p)^{N-1}}{1 - (1 - p)^N}.$$
#
# $F = 1$ for $N = 1$ (cross-entropy); for $N > 1$ it is close to 1 while $p_y$ is small and falls
# to 0 as $p_y \to 1$: once $N$ samples would almost surely contain the right answer, the example
# stops asking for more confidence. The implementation (`src/repro/objectives/pass_at_n.py`) works
# from $\log p_y$ so that it stays finite for $p_y$ near 0 and 1; `tests/objectives/test_pass_at_n.py`
# checks that $N = 1$ is cross-entropy, that autograd matches the formula above, and that the loss
# and its gradient stay finite in float32 for $p_y$ down to $10^{-40}$.

# %%
print(inspect.getsource(pn.dco_loss))
p_grid = np.linspace(0.001, 0.999, 400)
fig, ax = plt.subplots(figsize=(6, 3.4))
for i, n in enumerate((1, 4, 16, 64)):
    ax.plot(p_grid, pn.dco_weight(torch.tensor(p_grid), n).numpy(), color=COLORS[i], label=f"N = {n}")
ax.set_xlabel("probability of the correct answer $p_y$")
ax.set_ylabel("gradient weight F(N, $p_y$)")
ax.set_title("DCO scales the cross-entropy gradient down on confident examples")
ax.legend()
plt.show()

# %% [markdown]
# ## A toy task with many possible answers
#
# Each "problem" is a point $x \in \mathbb R^{20}$ and its answer one of 20 classes; the class
# means are drawn close together (`separation` 0.6), so 35-50 % of the test problems are
# answered wrongly even by a well-trained model, and there is something for extra samples to find.
# 400 training, 400 validation and 400 test problems (`repro.data.datasets.gaussian_mixture_classes`,
# 60 points per class, one third for training; the held-out two thirds are split at random into
# validation and test). The validation problems are used only to pick an early-stopping epoch. The model is a
# two-hidden-layer MLP (128 units), trained with Adam (learning rate $10^{-3}$, batch 100) for
# 80 epochs, long enough to fit the training set. Every model of a seed starts from the same
# initialisation and sees the same batches; only the loss differs. We track the *exact*
# validation and test pass@N, the mean over problems of $1 - (1 - p_y)^N$, and check it once
# against sampling.

# %%
BUDGETS = (1, 4, 16, 64)     # training budgets N' (1 = cross-entropy) and test budgets N
EPOCHS, WIDTH, LR, BATCH = run.pick(80, 200), 128, 1e-3, 100
N_PER_CLASS, DIM = run.pick(60, 150), 20   # one third train, one third validation, one third test


def correct_prob(model, X, y):
    with torch.no_grad():
        return F.softmax(model(X), -1).gather(-1, y[:, None])[:, 0]


def one_seed(s: int) -> dict:
    data = datasets.gaussian_mixture_classes(n_answers, N_PER_CLASS, DIM, separation=separation,
                                             seed=s, test_fraction=2 / 3)
    held = torch.randperm(len(data.y_test), generator=torch.Generator().manual_seed(s))
    iv, it = held[: len(held) // 2], held[len(held) // 2:]
    X_val, y_val = data.X_test[iv].to(run.device), data.y_test[iv].to(run.device)
    X_test, y_test = data.X_test[it].to(run.device), data.y_test[it].to(run.device)
    X_train, y_train = data.X_train.to(run.device), data.y_train.to(run.device)
    out = {}
    for n_train in BUDGETS:
        torch.manual_seed(s)
        model = models.mlp(DIM, [WIDTH, WIDTH], n_answers).to(run.device)
        curve = []

        def record(epoch, model=model, curve=curve):
            model.eval()
            pv, pt = correct_prob(model, X_val, y_val), correct_prob(model, X_test, y_test)
            curve.append([pn.pass_at_n(p, n).mean().item() for p in (pv, pt) for n in BUDGETS])

        training.train(model, lambda o, y, n=n_train: pn.dco_loss(o, y, n), X_train, y_train,
                       epochs=EPOCHS, batch_size=BATCH, lr=LR, optimizer="adam",
                       generator=torch.Generator().manual_seed(s), desc=f"N'={n_train} seed {s}",
                       after_epoch=record if n_train in (1, 16) else None)
        model.eval()
        with torch.no_grad():
            probs = F.softmax(model(X_test), -1)
        p = probs.gather(-1, y_test[:, None])[:, 0]
        wrong = probs.argmax(1) != y_test
        out[f"final/{n_train}"] = np.array([pn.pass_at_n(p, n).mean().item() for n in BUDGETS])
        out[f"conf_wrong/{n_train}"] = probs.max(1).values[wrong].mean().item()
        if curve:   # (epochs, 8): validation pass@N for N in BUDGETS, then test pass@N
            out[f"val_curve/{n_train}"] = np.array(curve)[:, :len(BUDGETS)]
            out[f"curve/{n_train}"] = np.array(curve)[:, len(BUDGETS):]
        if n_train == 16 and s == SEEDS[0]:     # pass@16 by actually drawing 16 answers per problem
            g = torch.Generator(device=probs.device).manual_seed(s)
            draws = torch.multinomial(probs, 16, replacement=True, generator=g)
            out["sampled16"] = (draws == y_test[:, None]).any(1).float().mean().item()
    return out


res = stats.over_seeds(one_seed, SEEDS, desc="seeds")
final = np.stack([res[f"final/{n}"] for n in BUDGETS], axis=1)   # (seeds, train N', test N)
i16 = BUDGETS.index(16)
print(f"check against sampling (seed {SEEDS[0]}, DCO N'=16): exact pass@16 "
      f"{res['final/16'][0, i16]:.3f}, sampled {res['sampled16'][0]:.3f} ({n_answers * N_PER_CLASS // 3} test problems)")

# %% [markdown]
# ## Results

# %%
ce, dco = res["curve/1"], res["curve/16"]            # (seeds, epochs, test N)
rows = np.arange(n_seeds)
stop_ce = res["val_curve/1"][:, :, i16].argmax(1)    # epoch of best validation pass@16
stop_dco = res["val_curve/16"][:, :, i16].argmax(1)
epochs = np.arange(1, EPOCHS + 1)
fig, axes = plt.subplots(1, 2, figsize=(11.5, 3.8))
for ax, j, title in ((axes[0], 0, "test pass@1"), (axes[1], i16, "test pass@16")):
    for curves, name, c in ((ce, "cross-entropy (N'=1)", COLORS[0]), (dco, "DCO, N'=16", COLORS[1])):
        m, h = stats.mean_ci(curves[:, :, j])
        ax.plot(epochs, m, color=c, label=name)
        ax.fill_between(epochs, m - h, m + h, color=c, alpha=0.25)
    ax.axvline(np.median(stop_ce) + 1, color=COLORS[0], ls=":", lw=1,
               label="cross-entropy's early stop (median)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(title)
    ax.set_title(f"{title} during training (mean, 95% CI, {n_seeds} seeds)", fontsize=10)
    ax.legend()
fig.tight_layout()
plt.show()

# %%
mean_final = final.mean(0)
print("final test pass@N (mean over seeds); rows: training budget N', columns: test budget N")
print("N' \\ N " + "".join(f"{n:>8d}" for n in BUDGETS))
for i, n in enumerate(BUDGETS):
    print(f"{n:6d} " + "".join(f"{v:8.3f}" for v in mean_final[i]))
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for i, n in enumerate(BUDGETS):
    ax.plot(BUDGETS, mean_final[i], "o-", color=COLORS[i], label=f"trained with N' = {n}")
ax.set_xscale("log", base=2)
ax.set_xticks(BUDGETS, [str(n) for n in BUDGETS])
ax.set_xlabel("test budget N")
ax.set_ylabel("final test pass@N")
ax.set_title("Each training budget is best at its own test budget")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Claims

# %%
pts = lambda a: 100 * np.asarray(a)  # noqa: E731  (pass@N in points)
claims.record("ce_pass16_declines", method=pts(ce[rows, stop_ce, i16]), baseline=pts(ce[:, -1, i16]))
claims.record("ce_pass1_rises", method=pts(ce[:, -1, 0]), baseline=pts(ce[rows, stop_ce, 0]))
claims.record("dco_less_confident", method=res["conf_wrong/16"], baseline=res["conf_wrong/1"])
claims.record("dco_rescues_at_end", method=pts(final[:, i16, i16]), baseline=pts(final[:, 0, i16]))
claims.record("dco_beats_early_stopped_ce", method=pts(dco[rows, stop_dco, i16]),
              baseline=pts(ce[rows, stop_ce, i16]))
for j, n in enumerate(BUDGETS):
    others = [i for i in range(len(BUDGETS)) if i != j]
    rival = max(others, key=lambda i: final[:, i, j].mean())
    claims.record("matched_budget_best", method=pts(final[:, j, j]), baseline=pts(final[:, rival, j]),
                  setting=f"N={n} vs N'={BUDGETS[rival]}")
claims.results()
print("early-stopping epoch (validation pass@16): cross-entropy", (stop_ce + 1).tolist(),
      "DCO", (stop_dco + 1).tolist())
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: not testable here** (language-model fine-tuning; see the claim box). The toy task
# tests the mechanism the paper proposes.
#
# **Misalignment.** Cross-entropy's test pass@16 declining after the epoch chosen on validation
# data: {glue:md}`verdict_ce_pass16_declines`; its pass@1 rising over the same stretch:
# {glue:md}`verdict_ce_pass1_rises`. As the model fits the training set it becomes confident
# everywhere, including on the test problems it answers wrongly, where the right answer's
# probability is squeezed towards zero and sixteen samples stop finding it.
#
# **Overconfidence and rescue.** DCO ($N' = 16$) less confident on the problems it gets wrong:
# {glue:md}`verdict_dco_less_confident`. DCO against cross-entropy trained as long:
# {glue:md}`verdict_dco_rescues_at_end`. Against the stronger baseline, cross-entropy stopped early
# at its best validation pass@16 (DCO stopped by the same rule):
# {glue:md}`verdict_dco_beats_early_stopped_ce`. This comparison separates "DCO is better" from
# "cross-entropy was trained too long": early stopping is the usual remedy for the second, and it
# needs a validation set that the paper's setting (pass@N with a verifier) also has. The paired
# differences are in the results cell above.
#
# **Alignment of budgets.** Training with $N' = N$ beating the strongest other training budget at
# every test budget: {glue:md}`verdict_matched_budget_best` (per test budget in the report). The
# paper's trade-off, a large $N'$ costs pass@1, is the $N = 1$ setting.
#
# **What this does not show.** The paper's evidence is on language models fine-tuned for
# mathematical answers and proofs, where an "answer" is a whole generated sequence and the
# overconfidence builds up over a long fine-tuning run; it also uses DCO variants for chain of
# thought and proof search. Here each problem has a single categorical answer, so pass@N is
# computed exactly (checked once against drawing 16 answers).
#
# ## Deviations from the paper
#
# * **Toy task.** A 20-class Gaussian-mixture task with overlapping classes stands in for math
#   problems; 400 training problems, a small MLP. The task is hard on purpose, since the effect
#   concerns the problems the model gets wrong.
# * **Early stopping.** Only through a validation split (400 problems per run); the main
#   comparisons train both losses for the same fixed number of epochs, without regularisation,
#   as the paper's point is about the loss.
# * **Exact pass@N.** With one categorical answer per problem, $1 - (1 - p_y)^N$ is exact; the
#   paper estimates pass@N from samples of generated text.
# * **Data layout.** The legacy version used 40 points per class, half for training and half for
#   testing; a validation third was added (60 points per class), keeping 400 training problems.
