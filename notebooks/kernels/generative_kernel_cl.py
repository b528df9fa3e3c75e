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
# # Generative Kernel Continual Learning
#
# {cite}`derakhshani2022generative` · [arXiv:2112.13410](https://arxiv.org/abs/2112.13410)
# (no official code was found; everything below is our own implementation).
#
# Kernel continual learning (KCL) gives every task its own classifier, a kernel ridge regression
# (KRR) head fitted at test time on a small *memory* of that task, in the feature space of a
# shared extractor that keeps training on new tasks. Because the head is refitted with the current
# features, old tasks do not suffer from stale classifiers; the price is a stored coreset per task.
# The generative variant (GKCL) replaces the coreset by samples from a class-conditional generator,
# and adds a supervised contrastive term to make the features more discriminative.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Replacing KCL's episodic memory by a generative model that supplies samples for the
# task-specific kernel classifiers removes the dependence on stored examples; with a supervised
# contrastive regulariser, GKCL matches the accuracy of KCL with variational random features on
# SplitCIFAR100 with a tenth of the memory, or gains 10.1 points at equal memory.
#
# **This chapter checks** on split-digits (5 task-incremental tasks of 2 classes, scikit-learn's
# 8x8 digits), averaged over 3 seeds run inside the chapter, with a budget of 2 stored examples per
# class (128 floats) for both memories (thresholds from the catalog, fixed before running):
# 1. GKCL's average final accuracy is at least KCL's at equal memory;
# 2. GKCL's average final accuracy is at least 10 points above naive fine-tuning's;
# 3. adding the supervised contrastive (SupCon) term to GKCL does not lower its average accuracy
#    (mean over seeds of GKCL+SupCon minus GKCL at least 0).
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
budget = 2  # memory per class, in stored examples (64 floats each)
supcon_weight = 0.5  # weight of the SupCon term in GKCL+SupCon

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book.params import check_float, check_int
from repro.book.progress import progress
from repro.data.datasets import digits
from repro.objectives.supcon import supcon
from repro.papers.kernels import continual as cl

run = repro.setup(scale, seed, device)
check_int("budget", budget, minimum=1, maximum=20)
check_float("supcon_weight", supcon_weight, minimum=0.0, maximum=10.0)

N_SEEDS = 3
EPOCHS = run.pick(10, 40)
BUDGETS = (1, 2, 5, 10)
N_GEN = 100  # generated samples per class for a GKCL head
LAM = 1.0  # KRR ridge
HIDDEN, FEAT = (32,), 16  # a deliberately weak extractor
print(f"{N_SEEDS} seeds, {EPOCHS} epochs per task, memory budgets {BUDGETS} examples per class")

# %% [markdown]
# ## Method
#
# Task $t$ holds digits $2t$ and $2t+1$ (labels $\pm 1$). The extractor $h_\phi$ (64-32-16 ReLU
# MLP) is trained on each task in turn with KCL's in-batch objective: fit a linear-kernel KRR head
# $\alpha = (H_S H_S^\top + \lambda I)^{-1} y_S$ on half a batch and pay the squared error of its
# predictions $H_Q H_S^\top \alpha$ on the other half. GKCL+SupCon adds
# $w \cdot \mathrm{SupCon}(h_\phi(x), y)$ on the batch. After training task $t$ its memory is
# stored: **KCL** keeps $m$ random training examples per class; **GKCL** keeps, per class, a
# Gaussian $N(\mu, UU^\top + s^2 I)$ of rank $r = m - 1$ (mean, $r$ scaled principal directions and
# one residual variance: $m \cdot 64 + 1$ floats, the cost of $m$ examples) and draws 100 samples
# from it whenever the head is needed. At any time, the head of task $j$ is the KRR fitted on
# task $j$'s memory in the *current* features. **Naive fine-tuning** trains the same extractor with
# a logistic linear head per task, kept fixed after its task, and no memory.
# Average accuracy is the mean over tasks after the last task; forgetting is, per old task, the
# best accuracy it had minus its final accuracy, averaged.

# %%
print(inspect.getsource(cl.krr_batch_loss))
print(inspect.getsource(cl.LowRankGaussian))
print(inspect.getsource(supcon))

# %% [markdown]
# ## Experiment

# %%
def sgn(y):
    return (np.asarray(y) % 2 == 0) * 2.0 - 1


def run_seed(s):
    d = digits(seed=1000 * seed + s)
    Xtr, ytr, Xte, yte = d.X_train, d.y_train, d.X_test, d.y_test
    tr, te = cl.split_tasks(ytr), cl.split_tasks(yte)
    rng = np.random.default_rng(1000 * seed + s)
    keys = [f"KCL m={m}" for m in BUDGETS] + [f"GKCL m={m}" for m in BUDGETS] + \
           [f"GKCL+SupCon m={m}" for m in BUDGETS] + ["naive"]
    acc = {k: np.full((5, 5), np.nan) for k in keys}
    for mode, w, prefix in (("naive", 0.0, None), ("krr", 0.0, ("KCL", "GKCL")), ("krr", supcon_weight, ("GKCL+SupCon",))):
        mem = {}

        def after(t, net, heads):
            Xt, yt = Xtr[tr[t]].numpy(), ytr[tr[t]].numpy()
            mem[t] = {}
            for m in BUDGETS:
                xs, ys, xg, yg = [], [], [], []
                for c in (2 * t, 2 * t + 1):
                    Xc = Xt[yt == c]
                    xs.append(Xc[rng.choice(len(Xc), m, replace=False)])
                    ys += [sgn(c)] * m
                    xg.append(cl.LowRankGaussian(Xc, m - 1).sample(N_GEN, rng))
                    yg += [sgn(c)] * N_GEN
                mem[t][m] = (np.concatenate(xs), np.array(ys), np.concatenate(xg), np.array(yg))
            for j in range(t + 1):
                Xj, yj = Xte[te[j]].numpy(), sgn(yte[te[j]])
                if mode == "naive":
                    acc["naive"][t, j] = cl.naive_accuracy(net, heads[j], Xj, yj)
                    continue
                for m in BUDGETS:
                    xs, ys, xg, yg = mem[j][m]
                    gk = cl.krr_head_accuracy(net, xg, yg, Xj, yj, LAM)
                    if w == 0:
                        acc[f"KCL m={m}"][t, j] = cl.krr_head_accuracy(net, xs, ys, Xj, yj, LAM)
                        acc[f"GKCL m={m}"][t, j] = gk
                    else:
                        acc[f"GKCL+SupCon m={m}"][t, j] = gk

        cl.train_sequence(Xtr, ytr, tr, mode=mode, supcon_weight=w, epochs=EPOCHS, hidden=HIDDEN,
                          feat_dim=FEAT, lam=LAM, seed=1000 * seed + s, after_task=after)
    return {k: cl.average_accuracy_and_forgetting(a) for k, a in acc.items()}


results = [run_seed(s) for s in progress(range(N_SEEDS), desc="seeds")]
keys = list(results[0])
avg = {k: np.array([r[k][0] for r in results]) for k in keys}
forg = {k: np.array([r[k][1] for r in results]) for k in keys}
print("| method | average accuracy | forgetting |\n|---|---|---|")
for k in keys:
    print(f"| {k} | {100 * avg[k].mean():.1f} | {100 * forg[k].mean():.1f} |")

# %%
fig, ax = plt.subplots(1, 2, figsize=(11, 4))
for name in ("KCL", "GKCL", "GKCL+SupCon"):
    ax[0].plot(BUDGETS, [100 * avg[f"{name} m={m}"].mean() for m in BUDGETS], "o-", label=name)
    ax[1].plot(BUDGETS, [100 * forg[f"{name} m={m}"].mean() for m in BUDGETS], "o-", label=name)
for a in ax:
    a.axhline(100 * (avg if a is ax[0] else forg)["naive"].mean(), color="k", ls="--", label="naive fine-tuning")
    a.set(xscale="log", xlabel="memory per class (stored examples' worth of floats)")
ax[0].set(ylabel="average final accuracy (%)", title="Split-digits, 5 tasks")
ax[1].set(ylabel="average forgetting (points)", title="Forgetting")
ax[0].legend()
plt.show()

# %% tags=["nbval-check-output"]
claims = repro.Claims()
g, k, n = avg[f"GKCL m={budget}"].mean(), avg[f"KCL m={budget}"].mean(), avg["naive"].mean()
sc = avg[f"GKCL+SupCon m={budget}"].mean()
claims.add(
    f"GKCL is at least as accurate as KCL at equal memory ({budget} examples per class)",
    measured={"GKCL - KCL (points)": f"{round(100 * (g - k)):.0f}"},
    criterion=f"mean over {N_SEEDS} seeds of average final accuracy: GKCL >= KCL",
    passed=bool(g >= k))
claims.add(
    "GKCL is at least 10 points more accurate than naive fine-tuning",
    measured={"GKCL - naive (points)": f"{round(100 * (g - n)):.0f}"},
    criterion=f"mean over {N_SEEDS} seeds: GKCL >= naive + 10 points",
    passed=bool(g >= n + 0.10))
claims.add(
    "The SupCon term does not lower GKCL's accuracy",
    measured={"GKCL+SupCon - GKCL": ">= 0" if sc >= g else "< 0"},
    criterion=f"mean over {N_SEEDS} seeds: GKCL+SupCon >= GKCL",
    passed=bool(sc >= g))
claims.report()

# %% [markdown]
# ## Verdict
#
# **Claim 1 reproduces.** At a memory of 2 examples' worth of floats per class, GKCL's average
# final accuracy (about 98.5 %) is above KCL's by 1 to 3 points on chapter seeds 0, 1 and 2. It
# also forgets less (below 1 point against about 2). The table shows why. With a tiny coreset,
# the KRR head of an old task sits on two random examples per class, and its quality depends on
# which two were kept. A low-rank Gaussian of the same size stores the class mean and its main
# direction of variation, and the 100 samples drawn from it give the head the class's centre and
# spread. Even the rank-0 generator (mean and one variance, $m = 1$) beats every coreset up to
# $m = 5$. The advantage shrinks as the budget grows and the coreset becomes representative.
#
# **Claim 2 does not reproduce.** Naive fine-tuning ends only 2 to 4 points below GKCL (about 94
# to 97 % against 98.5 %), not 10. Two-class digit tasks are easy, and a linear head fitted on
# an early task stays usable while the small extractor keeps training. Naive fine-tuning forgets
# about 6 points, against below 1 for GKCL: the mechanism (heads refitted from memory make drift
# harmless) is visible, but the benchmark leaves too little to forget for a 10-point gap. The
# paper's large gaps come from SplitCIFAR100 and miniImageNet with 20 tasks, where feature drift
# destroys old heads. Testing them would need those datasets and convolutional extractors.
#
# **Claim 3 does not reproduce.** With the SupCon term (weight 0.5, temperature 0.1) GKCL loses
# 0.3 to 1 point on every seed. Within one two-class task the KRR objective already separates the
# classes in feature space; the contrastive term adds a second pull on a 16-dimensional feature,
# which makes it drift more from one task to the next (GKCL+SupCon forgets more than GKCL). In
# the paper the regulariser makes the *generated* samples more discriminative. Here the generator
# lives in input space and never sees the SupCon term, so that route is absent (see the
# deviations).
#
# ## Deviations from the paper
#
# * **Benchmark.** Split-digits (scikit-learn's 8x8 digits, 5 tasks of 2 classes, about 250
#   training images per task) instead of SplitMNIST, PermutedMNIST, RotatedMNIST and SplitCIFAR100;
#   a deliberately weak 64-32-16 MLP extractor trained 10 epochs per task (40 at full scale).
# * **Generator.** One low-rank Gaussian per class in input space, fitted when the class's task
#   arrives, with its size matched to the coreset budget. The paper trains a single conditional
#   generative model continually (with its own replay), and its regulariser shapes what it
#   generates. Ours needs no replay, so it does not test the generator's own forgetting.
# * **Kernel.** Linear-kernel KRR heads (the paper's headline setting), ridge $\lambda = 1$,
#   without variational random features.
# * **SupCon** acts on the extractor's features during training only, with a fixed weight 0.5 and
#   temperature 0.1, not tuned.
# * **Claim 3** is our addition (the paper reports that the regulariser helps); the threshold
#   "at least as accurate" was fixed before running.
