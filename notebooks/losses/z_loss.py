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
# # The Z-loss: a shift and scale invariant classification loss belonging to the Spherical Family
#
# {cite}`debrebisson2016zloss` · [paper (arXiv:1604.08859)](https://arxiv.org/abs/1604.08859) ·
# the authors published no code; everything below is our own implementation.
#
# The log-softmax (cross-entropy) needs every one of the $D$ outputs of a classifier, so its cost
# grows with the number of classes. The *spherical family* of losses {cite}`vincent2015efficient`
# avoids this: a loss that sees the outputs $o \in \mathbb{R}^D$ only through the target output
# $o_c$, the sum $\sum_k o_k$ and the squared norm $\sum_k o_k^2$ can be trained, with a linear
# output layer, in time independent of $D$. Until this paper the known members (squared error,
# Taylor softmax) classified clearly worse than the log-softmax. The Z-loss is a new member that
# standardises the outputs before scoring the target, which makes it blind to any shift or
# positive rescaling of $o$.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** The Z-loss (i) is unchanged when the outputs are shifted or positively rescaled,
# (ii) classifies clearly better than the earlier spherical losses (squared error and the log-Taylor
# softmax), and (iii) on a many-class task (language modelling on Penn Treebank, $D = 10^4$) matches
# or beats the log-softmax on top-$k$ scores. It also trains 40 times faster than the log-softmax on
# One Billion Word, which is out of reach here (see the deviations).
#
# **This chapter checks**, with one MLP, one optimiser and one training budget for every loss,
# hyper-parameters chosen on a validation split and means with 95 % confidence intervals over
# seeds:
# 1. $|L_Z(\alpha o + \beta, c) - L_Z(o, c)| < 10^{-6}$ for random outputs and $\alpha > 0$, $\beta$
#    spanning six orders of magnitude (float64), while the log-softmax moves by more than $10^{-2}$;
# 2. on scikit-learn digits with few labels, the Z-loss's top-1 accuracy beats both MSE and the
#    Taylor softmax: the 95 % confidence interval of the paired difference (over seeds) lies above 0;
# 3. the same on a synthetic 1000-class Gaussian-mixture task;
# 4. on that task, the Z-loss's top-5 accuracy is at least the log-softmax's minus 1 point. The
#    paper reports the Z-loss *ahead* of the log-softmax on top-$k$; one point is the slack we allow
#    a small experiment, fixed before running.
# ```

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # seeds averaged per comparison; 0 picks the scale's default
hidden = 0           # hidden width of the MLP on the many-class task; 0 picks the default

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.data import datasets
from repro import objectives
from repro.stats import metrics
from repro.nn import models
from repro.book import params
from repro.book import plotting
from repro.stats import intervals as stats
from repro.nn import training
from repro.book.progress import progress

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=50)
params.check_int("hidden", hidden, minimum=0, maximum=4096)
n_seeds = n_seeds or run.pick(4, 10)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3 (confidence intervals)")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## The method
#
# Standardise the outputs of one example with their own mean and (population) standard deviation,
#
# $$\mu = \frac1D \sum_k o_k, \qquad \sigma^2 = \frac1D \sum_k o_k^2 - \mu^2, \qquad
# z_k = \frac{o_k - \mu}{\sigma},$$
#
# and score only the target's standardised output with a scaled softplus:
#
# $$L_Z(o, c) = \frac1a \log\bigl(1 + e^{a\,(b - z_c)}\bigr).$$
#
# $\mu$ and $\sigma$ need only $\sum_k o_k$ and $\sum_k o_k^2$, so the loss is spherical. Since
# $\alpha o + \beta$ has mean $\alpha\mu + \beta$ and deviation $\alpha \sigma$, $z$ and hence $L_Z$ do
# not change: the network cannot lower the loss by inflating its outputs, only by ranking the target
# higher. $z_c$ can never exceed $\sqrt{D - 1}$ (all other outputs equal), so $b$ sets how far up the
# loss keeps pushing and $a$ how softly it stops ($a \to \infty$ gives the hinge $\max(0, b - z_c)$).
#
# The baselines, all on the same raw outputs:
# * **log-softmax** $-o_c + \log\sum_k e^{o_k}$ (not spherical, the reference);
# * **MSE** $\sum_k (o_k - \mathbb 1[k = c])^2 = \sum_k o_k^2 - 2 o_c + 1$ (spherical);
# * **log-Taylor softmax** $-\log \frac{f(o_c)}{\sum_k f(o_k)}$ with $f(x) = 1 + x + x^2/2$, the
#   second-order series of $e^x$ {cite}`debrebisson2016exploration` (spherical, since
#   $\sum_k f(o_k) = D + \sum_k o_k + \tfrac12 \sum_k o_k^2$).
#
# They live in `src/repro/objectives/spherical.py` (part of the book's loss library `repro.objectives`), tested in
# `tests/test_losses_spherical.py` (limiting cases, invariances, the spherical-statistics form, and
# autograd against the hand-derived gradient). The Z-loss itself:

# %%
print(inspect.getsource(objectives.z_normalize))
print(inspect.getsource(objectives.z_loss))

# %% [markdown]
# ### Invariance, checked numerically
#
# Random outputs for $D = 1000$ classes, rescaled by $\alpha \in [10^{-3}, 10^{3}]$ and shifted by
# $\beta \in [-10^{3}, 10^{3}]$, in float64. The log-softmax is shown as a contrast: it forgives
# shifts but not rescaling.

# %%
gen = torch.Generator().manual_seed(SEEDS[0])
o = torch.randn(256, 1000, generator=gen, dtype=torch.float64)
y = torch.randint(0, 1000, (256,), generator=gen)
alphas, betas = [1e-3, 0.1, 7.0, 1e3], [-1e3, -3.0, 0.0, 0.5, 1e3]
drift = {"Z-loss": 0.0, "log-softmax": 0.0}
for alpha in alphas:
    for beta in betas:
        t = alpha * o + beta
        for name, fn in (("Z-loss", lambda u: objectives.z_loss(u, y, a=1.0, b=3.0, reduction="none")),
                         ("log-softmax", lambda u: objectives.cross_entropy(u, y, reduction="none"))):
            drift[name] = max(drift[name], (fn(t) - fn(o)).abs().max().item())
print({k: f"{v:.1e}" for k, v in drift.items()})

# %% [markdown]
# ## The experiment
#
# **Protocol.** For each task and each loss: the same one-hidden-layer ReLU MLP (PyTorch default
# initialisation), Adam, the same number of epochs and batch size. Each training set is split
# 75/25 into train and validation. On the first seed, every loss gets a small grid: the learning
# rate in $\{10^{-3}, 3\cdot10^{-3}, 10^{-2}\}$ and, for the Z-loss only, its own $(a, b)$ in
# $\{0.5, 2\} \times \{1.5, 5\}$ (the paper also tunes them). Each loss keeps the configuration with
# the best *validation* score (top-1 for claims 2-3, top-5 for claim 4); the test set is never looked
# at during selection. The chosen configurations are then trained on every seed (new data split, new
# initialisation, new batch order) and scored on the test set.
#
# **Tasks.**
# * *digits*: scikit-learn's 8x8 digits, 10 classes, 200 labelled training images (so errors are
#   measurable), 539 test images;
# * *many-class*: 1000 Gaussian classes in 64 dimensions (means $0.5\,\mathcal N(0, I)$, unit noise),
#   12 points per class of which 3 go to the test set. A hidden layer of 64 units, far narrower than
#   the 1000 outputs, mimics the bottleneck of a language model's output layer.

# %%
LOSS_NAMES = list(objectives.LOSSES)
Z_GRID = [dict(a=a, b=b) for a in (0.5, 2.0) for b in (1.5, 5.0)]

TASKS = {
    "digits": dict(make=lambda s: datasets.digits(seed=s, n_train=200),
                   hidden=[64], epochs=run.pick(60, 100), batch_size=32, lrs=(1e-3, 3e-3, 1e-2)),
    "many-class": dict(make=lambda s: datasets.gaussian_mixture_classes(
                           1000, run.pick(12, 40), 64, separation=0.5, seed=s, test_fraction=0.25),
                       hidden=[hidden or 64], epochs=run.pick(8, 20), batch_size=256,
                       lrs=(3e-3, 1e-2, 3e-2)),
}


def train_eval(task: dict, name: str, lr: float, hyper: dict, s: int) -> dict:
    """Train one loss on one seed's train split; accuracies on its validation and test sets."""
    data = task["make"](s).to(run.device)
    g = torch.Generator().manual_seed(s)
    perm = torch.randperm(len(data.X_train), generator=g).to(run.device)
    n_val = len(perm) // 4
    val, tr = perm[:n_val], perm[n_val:]
    torch.manual_seed(s)
    model = models.mlp(data.X_train.shape[1], task["hidden"], data.n_classes).to(run.device)
    training.train(model, objectives.make_loss(name, **hyper), data.X_train[tr], data.y_train[tr],
                   epochs=task["epochs"], batch_size=task["batch_size"], lr=lr, generator=g,
                   desc=f"{name} lr={lr:g} {hyper}")
    out = {}
    for split, X, y in (("val", data.X_train[val], data.y_train[val]), ("test", data.X_test, data.y_test)):
        o = models.predict(model, X)
        out[f"{split}_top1"] = metrics.accuracy(o, y)
        out[f"{split}_top5"] = metrics.topk_accuracy(o, y, 5)
    return out


def run_task(task: dict) -> dict:
    """Grid on the first seed's validation split, then the chosen configurations on every seed."""
    cache = {}

    def get(name, lr, hyper, s):
        key = (name, lr, tuple(sorted(hyper.items())), s)
        if key not in cache:
            cache[key] = train_eval(task, name, lr, hyper, s)
        return cache[key]

    chosen, results = {}, {}
    for name in LOSS_NAMES:
        grid = [(lr, h) for lr in task["lrs"] for h in (Z_GRID if name == "Z-loss" else [{}])]
        scores = [(get(name, lr, h, SEEDS[0]), lr, h) for lr, h in grid]
        for metric in ("top1", "top5"):
            best = max(scores, key=lambda r: r[0][f"val_{metric}"])  # first best wins ties
            chosen[name, metric] = (best[1], best[2])
    for (name, metric), (lr, h) in chosen.items():
        results[name, metric] = stats.over_seeds(lambda s: get(name, lr, h, s), SEEDS, desc=name)
    return dict(chosen=chosen, results=results, grid=cache)


outcome = {}
for key, task in progress(TASKS.items(), desc="tasks", total=len(TASKS)):
    outcome[key] = run_task(task)

# %% [markdown]
# ## Results
#
# Test accuracy (%), mean and 95 % confidence half-width over the seeds, with the configuration each
# loss chose on validation.

# %%
def test_acc(task: str, name: str, metric: str) -> np.ndarray:
    return 100 * outcome[task]["results"][name, metric][f"test_{metric}"]


for task in TASKS:
    print(f"{task} ({n_seeds} seeds)")
    for name in LOSS_NAMES:
        cells = []
        for metric in ("top1", "top5"):
            m, h = stats.mean_ci(test_acc(task, name, metric))
            lr, hyper = outcome[task]["chosen"][name, metric]
            cells.append(f"{metric} {m:5.1f} ± {h:4.1f}  (lr={lr:g}{''.join(f', {k}={v:g}' for k, v in hyper.items())})")
        print(f"  {name:15s}" + "   ".join(cells))

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
colors = dict(zip(LOSS_NAMES, plotting.COLORS))
for ax, (task, metric, title) in zip(axes, [("digits", "top1", "digits, 200 labels: top-1"),
                                            ("many-class", "top5", "1000 classes: top-1 and top-5")]):
    metric_list = ["top1"] if task == "digits" else ["top1", "top5"]
    width = 0.8 / len(LOSS_NAMES)
    for i, name in enumerate(LOSS_NAMES):
        for j, met in enumerate(metric_list):
            vals = test_acc(task, name, met)
            m, h = stats.mean_ci(vals)
            x = j + (i - 1.5) * width
            ax.bar(x, m, width, yerr=h, capsize=3, color=colors[name], label=name if j == 0 else None)
            ax.plot(np.full(len(vals), x), vals, "k.", ms=3)
    ax.set_xticks(range(len(metric_list)), [f"{m[:3]}-{m[3:]}" for m in metric_list])
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(title)
axes[0].set_ylim(50, 100)
axes[1].legend(loc="upper left")
fig.suptitle("Same MLP and budget, hyper-parameters chosen on validation (bars: 95% CI, dots: seeds)")
fig.tight_layout()
plt.show()

# %% [markdown]
# The Z-loss's two hyper-parameters on the many-class task, on the validation split of the first
# seed (at the learning rate it chose): $b$ and $a$ shape where and how sharply the loss stops
# pushing the target's standardised score up.

# %%
grid = outcome["many-class"]["grid"]
lr_z = outcome["many-class"]["chosen"]["Z-loss", "top5"][0]
fig, ax = plt.subplots(figsize=(6.4, 3.4))
for a in (0.5, 2.0):
    bs = [h["b"] for h in Z_GRID if h["a"] == a]
    for metric, ls in (("val_top1", "-"), ("val_top5", "--")):
        vals = [100 * grid["Z-loss", lr_z, (("a", a), ("b", b)), SEEDS[0]][metric] for b in bs]
        ax.plot(bs, vals, ls, marker="o", label=f"a={a:g}, {metric[4:]}")
for name, c in (("Taylor softmax", colors["Taylor softmax"]), ("log-softmax", colors["log-softmax"])):
    lr_n = outcome["many-class"]["chosen"][name, "top5"][0]
    ax.axhline(100 * grid[name, lr_n, (), SEEDS[0]]["val_top5"], color=c, lw=1, ls=":",
               label=f"{name}, top5")
ax.set_xlabel("b")
ax.set_ylabel("validation accuracy (%)")
ax.set_title(f"Z-loss on 1000 classes: effect of (a, b) at lr={lr_z:g}")
ax.legend(fontsize=8, ncol=2)
plt.show()

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
claims = repro.Claims()
claims.add("Z-loss is unchanged by o -> alpha*o + beta (alpha > 0); log-softmax is not",
           measured={"max |dL| Z-loss": "< 1e-6" if drift["Z-loss"] < 1e-6 else f"{drift['Z-loss']:.0e}",
                     "max |dL| log-softmax": "> 1e-2" if drift["log-softmax"] > 1e-2 else f"{drift['log-softmax']:.0e}"},
           criterion="Z-loss drift < 1e-6 and log-softmax drift > 1e-2 (float64, D=1000)",
           passed=drift["Z-loss"] < 1e-6 and drift["log-softmax"] > 1e-2)


def beats(task: str, other: str, metric: str):
    diff = test_acc(task, "Z-loss", metric) - test_acc(task, other, metric)
    m, h = stats.mean_ci(diff)
    return m, m - h


for i, (task, label) in enumerate([("digits", "digits (200 labels)"), ("many-class", "1000-class mixture")]):
    rows = {other: beats(task, other, "top1") for other in ("MSE", "Taylor softmax")}
    claims.add(f"{label}: Z-loss top-1 beats the other spherical losses (MSE, Taylor softmax)",
               measured={f"Z - {k} (points, mean; CI low)": [round(v[0]), round(v[1])] for k, v in rows.items()},
               criterion=f"lower end of the 95% CI of the paired difference > 0, for both ({n_seeds} seeds)",
               passed=all(low > 0 for _, low in rows.values()), fmt="{:.0f}")

gap, _ = beats("many-class", "log-softmax", "top5")
claims.add("1000-class mixture: Z-loss top-5 accuracy is at least close to the log-softmax's",
           measured={"Z - log-softmax top-5 (points)": round(gap)},
           criterion=f"mean difference >= -1 point ({n_seeds} seeds)",
           passed=gap >= -1.0, fmt="{:.0f}")
claims.report()

# %% [markdown]
# **What reproduced.** The invariance is exact up to float64 round-off (claim 1), and it is what
# makes the loss usable: the network cannot lower $L_Z$ by inflating its outputs. On the 1000-class
# task the Z-loss is clearly the best spherical loss (claim 3): MSE barely learns at all (well under
# 1 % top-1, its one-hot target is almost all zeros, so predicting 0 everywhere is nearly optimal),
# and the Taylor softmax trails the Z-loss by 3-4 points of top-1 and 5-8 points of top-5 on
# every seed we tried. The Z-loss is also *ahead* of the log-softmax there, by 1-4 points of top-5
# and about 2 points of top-1 (claim 4), which is the direction the paper reports for top-$k$
# scores on Penn Treebank.
#
# **What did not reproduce.** On digits, with 10 classes, the Z-loss does not beat MSE or the
# Taylor softmax: all four losses land within a couple of points of each other and the Z-loss is, if
# anything, slightly behind (claim 2). This is consistent with the paper's framing rather than a
# contradiction of its evidence, which is entirely on tasks with $10^4$ or more classes: with
# $D = 10$ the standardised score is capped at $z_c \le \sqrt{D-1} = 3$, so the Z-loss has little
# room to separate the target, while the weaknesses of its rivals (MSE's nearly-all-zero target,
# the Taylor softmax's polynomial tails, which leave a floor of $1/2$ per wrong class in the
# normaliser) only bite when $D$ is large.
#
# **How fragile is claim 3? It depends on the bottleneck.** The many-class MLP has a 64-unit hidden
# layer, far narrower than its 1000 outputs (like a language model, whose hidden size is far below
# its vocabulary), and a short training budget; we picked this width during development, partly for
# speed and after exploratory runs, so read it as one setting among several. Rerunning this
# chapter with `hidden=128` (seed 0) gave top-1 / top-5 of 18.9 / 38.7 %
# for the log-softmax, 17.6 / 34.9 % for the Taylor softmax and 17.0 / 37.8 % for the Z-loss: the
# Z-loss keeps a clear top-5 lead over the other spherical losses and stays within a point of the
# log-softmax on top-5, but loses its top-1 edge over the Taylor softmax (claim 3 then fails). So
# what survives every setting we tried is the ranking claim: on many classes the Z-loss's top-5 is
# the best of the spherical losses and close to the log-softmax's. Its top-1 advantage is real only
# when the output layer is a tight bottleneck.
#
# ## Deviations from the paper
#
# * **No language model, no speed-up.** The paper's evidence is word-level language modelling (Penn
#   Treebank, $D = 10^4$) and the One Billion Word benchmark, where the spherical trick (keeping
#   $W^\top W$ to get $\sum_k o_k$ and $\sum_k o_k^2$ in $O(d^2)$) makes the Z-loss 40 times faster
#   than the log-softmax. With $D = 1000$ and a CPU budget of seconds the dense output layer is not
#   the bottleneck, so we compute every loss on the full output vector and test accuracy only; the
#   spherical form of the Z-loss is checked in the unit tests (`z_loss_from_stats`).
# * **Synthetic many-class data** (a 1000-class Gaussian mixture) stands in for language modelling,
#   and 200 labelled digits for a small real task the paper did not use.
# * **Small grid, tuned once.** The learning rate and the Z-loss's $(a, b)$ are chosen from a small
#   grid on the validation split of the first seed only, then kept for all seeds. The Z-loss gets
#   four times as many configurations as each baseline because $(a, b)$ belong to the loss.
# * **Few seeds.** 4 seeds at quick scale (10 at full scale); the confidence intervals are Student-t
#   over seeds and include data, initialisation and batch-order variation.
