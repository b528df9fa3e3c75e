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
# **This chapter checks** the mechanism on a toy "many possible answers" task (tier B: the
# language-model results are out of reach here), with thresholds fixed before running, over
# 5 seeds:
# 1. *misalignment*: cross-entropy's test pass@16 ends at least 3 points below its peak (mean over
#    seeds; the catalog's check), while its test pass@1 at the end is higher than at that peak;
# 2. *overconfidence*: at the end of training, on the test items each model gets wrong, DCO
#    ($N' = 16$) puts less confidence on its (wrong) top answer than cross-entropy (paired 95 %
#    interval of the difference below 0);
# 3. *rescue*: DCO ($N' = 16$) ends with test pass@16 at least 3 points above cross-entropy's
#    (mean paired difference, the catalog's check, with its 95 % interval above 0);
# 4. *alignment*: among training budgets $N' \in \{1, 4, 16, 64\}$ ($N' = 1$ is cross-entropy),
#    the one with the highest mean final test pass@N is $N' = N$, for every test budget
#    $N \in \{1, 4, 16, 64\}$.
# ```

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

import repro
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
# from $\log p_y$ so that it stays finite for $p_y$ near 0 and 1; `tests/test_losses_pass_at_n.py`
# checks that $N = 1$ is cross-entropy and that autograd matches the formula above.

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
# 400 training and 400 test problems (`repro.data.datasets.gaussian_mixture_classes`). The model is a
# two-hidden-layer MLP (128 units), trained with Adam (learning rate $10^{-3}$, batch 100) for
# 80 epochs, long enough to fit the training set. Every model of a seed starts from the same
# initialisation and sees the same batches; only the loss differs. We track the *exact* test
# pass@N, the mean over test problems of $1 - (1 - p_y)^N$, and check it once against sampling.

# %%
BUDGETS = (1, 4, 16, 64)     # training budgets N' (1 = cross-entropy) and test budgets N
EPOCHS, WIDTH, LR, BATCH = run.pick(80, 200), 128, 1e-3, 100
N_PER_CLASS, DIM = run.pick(40, 100), 20


def correct_prob(model, X, y):
    with torch.no_grad():
        return F.softmax(model(X), -1).gather(-1, y[:, None])[:, 0]


def one_seed(s: int) -> dict:
    data = datasets.gaussian_mixture_classes(n_answers, N_PER_CLASS, DIM, separation=separation,
                                             seed=s).to(run.device)
    out = {}
    for n_train in BUDGETS:
        torch.manual_seed(s)
        model = models.mlp(DIM, [WIDTH, WIDTH], n_answers).to(run.device)
        curve = []

        def record(epoch, model=model, curve=curve):
            model.eval()
            p = correct_prob(model, data.X_test, data.y_test)
            curve.append([pn.pass_at_n(p, n).mean().item() for n in BUDGETS])

        training.train(model, lambda o, y, n=n_train: pn.dco_loss(o, y, n), data.X_train,
                       data.y_train, epochs=EPOCHS, batch_size=BATCH, lr=LR, optimizer="adam",
                       generator=torch.Generator().manual_seed(s), desc=f"N'={n_train} seed {s}",
                       after_epoch=record if n_train in (1, 16) else None)
        model.eval()
        with torch.no_grad():
            probs = F.softmax(model(data.X_test), -1)
        p = probs.gather(-1, data.y_test[:, None])[:, 0]
        wrong = probs.argmax(1) != data.y_test
        out[f"final/{n_train}"] = np.array([pn.pass_at_n(p, n).mean().item() for n in BUDGETS])
        out[f"conf_wrong/{n_train}"] = probs.max(1).values[wrong].mean().item()
        if curve:
            out[f"curve/{n_train}"] = np.array(curve)
        if n_train == 16 and s == SEEDS[0]:     # pass@16 by actually drawing 16 answers per problem
            g = torch.Generator(device=probs.device).manual_seed(s)
            draws = torch.multinomial(probs, 16, replacement=True, generator=g)
            out["sampled16"] = (draws == data.y_test[:, None]).any(1).float().mean().item()
    return out


res = stats.over_seeds(one_seed, SEEDS, desc="seeds")
final = np.stack([res[f"final/{n}"] for n in BUDGETS], axis=1)   # (seeds, train N', test N)
i16 = BUDGETS.index(16)
print(f"check against sampling (seed {SEEDS[0]}, DCO N'=16): exact pass@16 "
      f"{res['final/16'][0, i16]:.3f}, sampled {res['sampled16'][0]:.3f} (400 problems)")

# %% [markdown]
# ## Results

# %%
ce, dco = res["curve/1"], res["curve/16"]            # (seeds, epochs, test N)
epochs = np.arange(1, EPOCHS + 1)
fig, axes = plt.subplots(1, 2, figsize=(11.5, 3.8))
for ax, j, title in ((axes[0], 0, "test pass@1"), (axes[1], i16, "test pass@16")):
    for curves, name, c in ((ce, "cross-entropy (N'=1)", COLORS[0]), (dco, "DCO, N'=16", COLORS[1])):
        m, h = stats.mean_ci(curves[:, :, j])
        ax.plot(epochs, m, color=c, label=name)
        ax.fill_between(epochs, m - h, m + h, color=c, alpha=0.25)
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
# ## Verdict

# %% tags=["nbval-check-output"]
claims = repro.Claims()
peak_idx = ce[:, :, i16].argmax(1)
rows = np.arange(n_seeds)
drop16 = 100 * (ce[rows, peak_idx, i16] - ce[:, -1, i16])
p1_gain = 100 * (ce[:, -1, 0] - ce[rows, peak_idx, 0])
claims.add("Cross-entropy: test pass@16 falls from its peak while pass@1 keeps rising",
           measured={"pass@16 drop peak -> end (points, mean)": float(drop16.mean()),
                     "pass@1 end - at that peak (points, mean)": float(p1_gain.mean())},
           criterion="mean pass@16 drop >= 3 points and mean pass@1 change > 0",
           passed=drop16.mean() >= 3 and p1_gain.mean() > 0, fmt="{:.0f}")
d_conf = np.array(res["conf_wrong/16"]) - np.array(res["conf_wrong/1"])
m_c, h_c = stats.mean_ci(d_conf)
claims.add("DCO (N'=16) is less confident than cross-entropy on the test items it gets wrong",
           measured={"mean top-answer probability on wrong items, CE": float(np.mean(res["conf_wrong/1"])),
                     "DCO": float(np.mean(res["conf_wrong/16"])),
                     "DCO - CE (mean; CI high)": [m_c, m_c + h_c]},
           criterion="paired 95% CI of DCO - CE below 0", passed=m_c + h_c < 0, fmt="{:.1f}")
d16 = 100 * (final[:, i16, i16] - final[:, 0, i16])
m_d, h_d = stats.mean_ci(d16)
claims.add("DCO (N'=16) rescues test pass@16",
           measured={"DCO - CE final pass@16 (points; mean, CI low)": [m_d, m_d - h_d]},
           criterion="mean >= 3 points and paired 95% CI low > 0", passed=m_d >= 3 and m_d - h_d > 0,
           fmt="{:.0f}")
best = [BUDGETS[int(i)] for i in mean_final.argmax(0)]
claims.add("The best training budget N' equals the test budget N",
           measured={"best N' for test N = 1, 4, 16, 64": best},
           criterion="argmax over N' of mean final pass@N is N' = N for every N",
           passed=best == list(BUDGETS), fmt="{:d}")
claims.report()

# %% [markdown]
# **What reproduced.** The whole mechanism appears in this toy. Cross-entropy keeps raising the
# mean probability of the right answer (pass@1) for the full run, yet its pass@16 peaks within the
# first ten or so epochs and then falls by well over ten points: as the model fits the training set
# it becomes confident everywhere, including on the test problems it answers wrongly, where the
# right answer's probability is squeezed towards zero and sixteen samples stop finding it. DCO with
# $N' = 16$ leaves clearly more probability on the alternatives of the problems it gets wrong,
# and ends with a pass@16 about as high as cross-entropy's early peak, paying for it with a lower
# pass@1. Sweeping the training budget shows the paper's trade-off cleanly: each $N'$ is best at
# its own test budget, so the training loss should be chosen for the way the model will be used.
#
# **What this does not show.** The paper's evidence is on language models fine-tuned for
# mathematical answers and proofs, where an "answer" is a whole generated sequence and the
# overconfidence builds up over a long fine-tuning run; it also uses DCO variants for chain of
# thought and proof search. Testing that headline needs LLM fine-tuning on MATH or MiniF2F, far
# beyond this book's budget. Here each problem has a single categorical answer, so pass@N is
# computed exactly (checked once against drawing 16 answers).
#
# ## Deviations from the paper
#
# * **Toy task.** A 20-class Gaussian-mixture task with overlapping classes stands in for math
#   problems; 400 training problems, a small MLP. The task is hard on purpose (50-65 % test
#   accuracy), since the effect concerns the problems the model gets wrong.
# * **No early stopping or regularisation**, which would hide part of cross-entropy's decline;
#   the paper's point is about the loss, and both losses are trained the same way.
# * **Exact pass@N.** With one categorical answer per problem, $1 - (1 - p_y)^N$ is exact; the
#   paper estimates pass@N from samples of generated text.
