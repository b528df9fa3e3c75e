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
# # EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing Overfitting in Classification
#
# {cite}`dai2025ensloss` · [paper (ICML 2025, arXiv:2409.00908)](https://arxiv.org/abs/2409.00908) ·
# [authors' code (statmlben/ensLoss)](https://github.com/statmlben/ensLoss). Everything below is
# our own implementation.
#
# For binary classification, many surrogate losses of the margin $s = y f(x)$ lead to the
# Bayes classifier: any loss that is convex and *classification-calibrated* (CC) will do. Rather
# than picking one (logistic, hinge, exponential, ...), the paper ensembles them the way Dropout
# ensembles sub-networks: every mini-batch step uses a *different, randomly generated* CC loss.
# The trick is that the loss itself is never needed, only its derivative at the batch margins,
# and the CC conditions are simple constraints on those derivative values.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Training with a fresh random CC loss-derivative on every mini-batch ("doubly
# stochastic" gradient descent) remains statistically consistent and overfits less than training
# with any single fixed CC loss; on 14 OpenML tabular and 46 image binary tasks EnsLoss beats the
# fixed losses (BCE, hinge, exponential, focal, ...) in most pairwise comparisons.
#
# **This chapter tests**, on 4 small binary tasks (breast cancer, digits 3 vs 8, digits 4 vs 9, a
# synthetic Gaussian task) with 20 % of the training labels flipped, the same MLP trained for a
# fixed number of epochs with BCE, hinge, exponential and EnsLoss, every comparison paired over
# independent runs (each run redraws every task's split, label noise, initialisation and batch
# order; a run's value is the average over the 4 tasks): the headline, EnsLoss's final-epoch test
# accuracy above that of *each* fixed loss; and as a supporting claim, the paper's mechanism, a
# smaller drop from peak to final test accuracy than BCE's (less overfitting). That every random
# derivative is a legitimate CC derivative is a sanity check of our generator. The criteria are in
# the box below, declared before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
claims.declare(
    "ensloss_beats_fixed", kind="headline",
    statement=("20% flipped training labels, final epoch: EnsLoss's test accuracy (mean over 4 binary tasks) "
               "is above that of each fixed loss (BCE, hinge, exponential)"),
    metric="EnsLoss final test accuracy, mean over tasks (points)", paired_with="the fixed loss's",
    better="higher", margin=0.0, fmt="{:+.1f}",
    changed=repro.Change(
        what="criterion and baseline",
        was=("paired mean difference >= 0 over 4 tasks x 5 seeds against the best fixed loss per task, chosen "
             "on the test accuracies, no interval"),
        why=("the claim rules: the 95% CI over independent runs (a run averages the 4 tasks, which share its "
             "seed) must lie above 0, against each fixed loss in turn rather than one picked on the test set")))
claims.declare(
    "ensloss_overfits_less", kind="supporting",
    statement="EnsLoss's drop from peak to final test accuracy (mean over tasks) is smaller than BCE's",
    metric="EnsLoss peak-minus-final test accuracy (points)", paired_with="BCE's",
    better="lower", margin=0.0, fmt="{:+.1f}",
    changed=(repro.Change(
        what="criterion", was="EnsLoss mean drop < BCE mean drop over 4 tasks x 5 seeds, no interval",
        why="the claim rules: the 95% CI of the paired per-run differences must lie below 0"), repro.Change(
        what="independent runs at quick scale (every claim)", was="5",
        why=("with 5 runs this claim's verdict differed between seeds 0, 1 and 2 (its interval ended near 0); "
             "the rules: enlarge the experiment, not the threshold"))))
claims.declare(
    "derivatives_are_cc", kind="sanity",
    statement=("Every random derivative draw is negative and non-decreasing in the margin (so a convex, "
               "calibrated loss through it exists)"),
    metric="fraction of 1000 draws (batches of 128 margins) violating a condition", better="lower",
    margin=1e-12, deterministic=True, fmt="{:.0e}")
claims.show()

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the runs use seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # independent runs (each over all tasks); 0 picks the scale's default
noise_rate = 0.2     # fraction of training labels flipped

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Markdown
from myst_nb import glue
from sklearn.datasets import load_breast_cancer, load_digits

from repro.book import params
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.data import datasets, label_noise
from repro.nn import models, training
from repro.objectives import ensloss
from repro.stats import intervals as stats

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=50)
params.check_float("noise_rate", noise_rate, minimum=0.0, maximum=0.45)
n_seeds = n_seeds or run.pick(8, 16)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3 (independent runs per claim)")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## The method
#
# Write $y \in \{-1, +1\}$ and $s_i = y_i f(x_i)$ for the margins of a mini-batch $B$. A margin
# loss $\phi$ is convex and calibrated iff it is convex and $\phi'(0) < 0$
# {cite}`bartlett2006convexity`. The step of SGD on $\frac{1}{|B|}\sum_i \phi(s_i)$ only needs the
# numbers $g_i = \phi'(s_i)$, and a set of numbers $\{(s_i, g_i)\}$ is the derivative of *some* CC
# loss as soon as
#
# $$ g_i < 0 \ \text{ for } s_i \le 0 \qquad\text{and}\qquad s_i < s_j \Rightarrow g_i \le g_j . $$
#
# EnsLoss therefore, on each batch: draws $|B|$ values $-e^{Z}$, $Z \sim \mathcal N(0, 1)$, clipped
# at $-1$; sorts them and gives the most negative to the smallest margin (monotone, hence convex);
# divides by $s_i$ where $s_i > 1$ (a decaying tail, as in the authors' code); and minimises
# $\frac{1}{|B|}\sum_i g_i s_i$ with $g$ held fixed, whose gradient is exactly $g_i / |B|$ per
# margin. Every step is thus a legitimate SGD step on a different random CC loss. The paper proves
# that this doubly stochastic procedure is consistent and argues that the random loss acts like
# Dropout: no single loss can be overfitted. Code: `src/repro/objectives/ensloss.py`, tested in
# `tests/objectives/test_ensloss.py` (CC conditions, gradient $= g/|B|$, baselines against PyTorch).

# %%
print(inspect.getsource(ensloss.sample_derivatives))

# %% [markdown]
# ### Sanity check: every draw is a CC derivative
#
# 1000 draws on batches of 128 random margins (a tenth of them tied in pairs): each draw must be
# negative everywhere and non-decreasing when the margins are sorted.

# %%
gen_chk = torch.Generator().manual_seed(10_000 + seed)
bad = 0
for _ in range(1000):
    m = 3 * torch.randn(128, generator=gen_chk, dtype=torch.float64)
    m[:13] = m[13:26]  # some ties
    g = ensloss.sample_derivatives(m, gen_chk)
    order = torch.argsort(m, stable=True)
    ms, gs = m[order], g[order]
    rising = torch.diff(gs)[torch.diff(ms) > 0]
    bad += bool((g >= 0).any() or (rising < 0).any())
print(f"draws violating a CC condition: {bad} of 1000")

# %% [markdown]
# What do these random losses look like? Below, ten draws of derivative values on a batch of 128
# margins, and the losses they integrate to ($\phi(s) = \int g$, up to a constant), next to the
# three fixed losses.

# %%
gen = torch.Generator().manual_seed(seed)
s_grid = torch.linspace(-3, 3, 128, dtype=torch.float64)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for k in range(10):
    g = ensloss.sample_derivatives(s_grid, gen)
    phi = torch.cat([torch.zeros(1, dtype=g.dtype), torch.cumsum(-(g[1:] + g[:-1]) / 2 * torch.diff(s_grid), 0)])
    phi = -phi + phi[-1]  # integrate g and set phi(3) = 0 (only the shape matters)
    axes[0].plot(s_grid, g, color=COLORS[6], lw=0.8, alpha=0.7, label="EnsLoss draws" if k == 0 else None)
    axes[1].plot(s_grid, phi, color=COLORS[6], lw=0.8, alpha=0.7, label="EnsLoss draws" if k == 0 else None)
y1 = torch.ones(128)
for (name, fn), c in zip(ensloss.FIXED.items(), COLORS):
    sg = s_grid.clone().requires_grad_(True)
    val = fn(sg, y1, reduction="none")
    val.sum().backward()
    axes[0].plot(s_grid, sg.grad, color=c, lw=2, label=name)
    axes[1].plot(s_grid, val.detach() - val.detach()[-1], color=c, lw=2, label=name)
axes[0].set(xlabel="margin s", ylabel="loss derivative φ'(s)", title="Random calibrated derivatives",
            ylim=(-3, 0.3))
axes[1].set(xlabel="margin s", ylabel="loss φ(s) - φ(3)", title="The losses they integrate to", ylim=(-0.5, 6))
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The experiment
#
# Four binary tasks from bundled data, each split 50/50 into train and test sets and standardised:
# breast cancer (569 examples, 30 features), digits 3 vs 8 and 4 vs 9 (8x8 images, about 360
# examples each), and a synthetic task (600 points in 20 dimensions, classes separated along one
# direction). 20 % of the training labels are flipped; test labels are clean. The flipped labels
# give a small network something to overfit within a short CPU budget (the paper's deep networks
# overfit their clean but larger image tasks in the same way). Every loss trains the same MLP
# (two hidden layers of 128, same initialisation and batch order per seed) with Adam
# (learning rate $10^{-3}$, batch 32) for a fixed number of epochs, without early stopping or
# weight decay. We record the test accuracy after every epoch.

# %%
TASKS = ["breast cancer", "digits 3v8", "digits 4v9", "synthetic"]
LOSSES = ["BCE", "hinge", "exponential", "EnsLoss"]
CFG = dict(hidden=run.pick([128, 128], [512, 512]), epochs=run.pick(60, 200), lr=1e-3, batch_size=32)


def binary_task(name: str, s: int):
    """Train/test split (50/50) of one binary task, standardised, with noisy training labels."""
    rng = np.random.default_rng(s)
    if name == "breast cancer":
        X, y = load_breast_cancer(return_X_y=True)
    elif name.startswith("digits"):
        a, b = int(name[-3]), int(name[-1])
        X, y = load_digits(return_X_y=True)
        keep = (y == a) | (y == b)
        X, y = X[keep], (y[keep] == b).astype(int)
    else:
        y = rng.integers(0, 2, 600)
        X = rng.normal(size=(600, 20))
        X[:, 0] += 1.5 * (2 * y - 1)
    idx = rng.permutation(len(X))
    te, tr = idx[:len(X) // 2], idx[len(X) // 2:]
    Xtr, Xte = datasets.standardize(X[tr].astype(float), X[te].astype(float))
    ytr = label_noise.symmetric(y[tr], 2, noise_rate, rng)
    t = lambda a: torch.tensor(a, dtype=torch.float32, device=run.device)  # noqa: E731
    return t(Xtr), t(ytr), t(Xte), torch.tensor(y[te], device=run.device)


def one_seed(s: int) -> dict:
    out = {}
    for task in TASKS:
        Xtr, ytr, Xte, yte = binary_task(task, s)
        for name in LOSSES:
            torch.manual_seed(s)
            model = models.mlp(Xtr.shape[1], CFG["hidden"], 1).to(run.device)
            loss = (ensloss.EnsLoss(torch.Generator().manual_seed(s)) if name == "EnsLoss"
                    else ensloss.FIXED[name])
            acc = []

            def record(epoch, model=model, acc=acc):
                model.eval()
                with torch.no_grad():
                    acc.append(((model(Xte)[:, 0] > 0).long() == yte).float().mean().item())

            training.train(model, loss, Xtr, ytr, epochs=CFG["epochs"], batch_size=CFG["batch_size"],
                           lr=CFG["lr"], optimizer="adam", generator=torch.Generator().manual_seed(s),
                           desc=f"{task} {name} seed {s}", after_epoch=record)
            out[f"{task}/{name}"] = 100 * np.asarray(acc)
    return out


curves = stats.over_seeds(one_seed, SEEDS, desc="runs")

# %% [markdown]
# ## Results

# %%
epochs = np.arange(1, CFG["epochs"] + 1)
fig, axes = plt.subplots(1, len(TASKS), figsize=(14, 3.6), sharey=False)
for ax, task in zip(axes, TASKS):
    for name, c in zip(LOSSES, COLORS[:3] + [COLORS[4]]):
        m, h = stats.mean_ci(curves[f"{task}/{name}"])
        ax.plot(epochs, m, color=c, lw=2 if name == "EnsLoss" else 1.2, label=name)
        ax.fill_between(epochs, m - h, m + h, color=c, alpha=0.15)
    ax.set(xlabel="epoch", ylabel="test accuracy (%)", title=task)
axes[0].legend(loc="lower left", fontsize=8)
fig.suptitle(f"Test accuracy during training, {noise_rate:.0%} flipped training labels "
             f"(mean and 95% CI over {n_seeds} runs)")
fig.tight_layout()
plt.show()

# %%
final = {(t, n): curves[f"{t}/{n}"][:, -1] for t in TASKS for n in LOSSES}
peak = {(t, n): curves[f"{t}/{n}"].max(1) for t in TASKS for n in LOSSES}
print(f"{'task':15s}" + "".join(f"{n:>22s}" for n in LOSSES))
print(f"{'':15s}" + "".join(f"{'final / peak (%)':>22s}" for _ in LOSSES))
for t in TASKS:
    print(f"{t:15s}" + "".join(f"{final[t, n].mean():15.1f} /{peak[t, n].mean():5.1f}" for n in LOSSES))
best_fixed = {t: max(ensloss.FIXED, key=lambda n: final[t, n].mean()) for t in TASKS}
print("best fixed loss per task (final accuracy, for reading only):", best_fixed)


def over_tasks(d: dict, name: str) -> np.ndarray:
    """Per-run value averaged over the tasks."""
    return np.mean([d[t, name] for t in TASKS], 0)


# %% [markdown]
# ## Claims: measured

# %%
for other in ensloss.FIXED:
    claims.record("ensloss_beats_fixed", method=over_tasks(final, "EnsLoss"), baseline=over_tasks(final, other),
                  setting=f"vs {other}")
drop = {n: {t: peak[t, n] - final[t, n] for t in TASKS} for n in ("EnsLoss", "BCE")}
claims.record("ensloss_overfits_less", method=np.mean([drop["EnsLoss"][t] for t in TASKS], 0),
              baseline=np.mean([drop["BCE"][t] for t in TASKS], 0))
claims.record("derivatives_are_cc", value=bad / 1000)
claims.results()
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: {glue:md}`verdict_ensloss_beats_fixed`.** On all four tasks the picture is the one the
# paper draws for its image tasks: every loss reaches about the same peak test accuracy within the
# first epochs, then keeps fitting the flipped labels and loses accuracy. The headline asks whether
# EnsLoss ends above each fixed loss, run by run (effect sizes in the results cell above, per-task
# means in the table). Less overfitting than BCE, the mechanism the paper argues:
# {glue:md}`verdict_ensloss_overfits_less`. The mechanism is visible in the first figure: the random
# derivatives are bounded by 1 in magnitude and decay quickly for confident margins ($s > 1$), so
# a fitted example barely pulls on the weights, and each flipped label (at a negative margin)
# receives a random push whose size changes from step to step rather than the same systematic
# one. This slows memorisation down; it does not stop it: without early stopping every loss ends
# below its peak (figure above). The paper's claim, and ours, is the relative one. The sanity
# check confirms that every derivative our generator draws is a legitimate CC derivative.
#
# ## Deviations from the paper
#
# * **Data, model and noise.** Four small bundled or synthetic tasks with 20 % flipped training
#   labels and a two-layer MLP, instead of 14 OpenML tabular tasks (clean) and 46 CIFAR-derived
#   image tasks with ResNets, VGG and MobileNet. Label noise is our device to make overfitting
#   visible with a small network in a CPU budget of seconds.
# * **Optimiser and schedule.** Adam with a constant learning rate and a fixed number of epochs for
#   every loss, no tuning; the paper tunes per method and reports over several architectures.
# * **Baselines.** BCE, hinge and exponential only (the paper also compares with focal loss and
#   several hinge variants), and no combination with other regularisers (the paper's
#   compatibility table).
# * **Derivative generator.** We follow the authors' code path (log-normal magnitudes, clipped at
#   1, sorted against the margins, $1/s$ tail for $s > 1$), not the other distributions the paper
#   discusses.
# * **Runs.** 8 independent runs at quick scale, 16 at full scale; each run covers all four tasks,
#   and the claims are evaluated on the per-run averages over the tasks.
