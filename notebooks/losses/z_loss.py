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
# **Paper.** The Z-loss is a spherical loss that is unchanged when the outputs are shifted or
# positively rescaled. Its central empirical claim is a comparison with the log-softmax: on a
# many-class task (word-level language modelling on Penn Treebank, $D = 10^4$ classes) a network
# trained with the Z-loss ranks the correct class higher than one trained with the log-softmax, as
# measured by top-$k$ scores. The paper also reports that the Z-loss clearly beats the earlier
# spherical losses (squared error and the Taylor softmax), and that on One Billion Word it trains
# 40 times faster than the log-softmax, which is out of reach here (see the deviations).
#
# **This chapter tests** the headline on a synthetic 1000-class problem whose hidden layer is a
# bottleneck, as a language model's is: one MLP, one optimiser and one training budget for every
# loss, each loss's learning rate chosen on a validation split, and every comparison paired over
# independent training runs (new data draw, initialisation and batch order in each run). The hidden
# width is **swept** (32, 64 and 128 units at quick scale, also 256 at full scale) and the claims
# must hold at every width. The supporting claims compare the Z-loss with the other spherical
# losses on the same task and on scikit-learn's digits (10 classes). The invariance and the
# spherical form are sanity checks of our code. The criteria are in the box below, declared before
# anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
ECONOMY = repro.Change(
    what="many-class budget and tuning (economies that pay for the width sweep)",
    was=("8 epochs; learning rate from {3e-3, 1e-2, 3e-2} and the Z-loss's (a, b) from {0.5, 2} x {1.5, 5}, "
         "chosen on the first run's validation split separately for top-1 and top-5; MSE included"),
    why=("the sweep triples the cost in the same CPU budget: 4 epochs; learning rate from {1e-2, 3e-2} chosen "
         "per loss and per width on validation top-5 (used for both metrics); the Z-loss's (a, b) fixed at "
         "(0.5, 5), the pilot's validation choice for top-5; no MSE (it stays in the digits comparison)"))
claims.declare(
    "zloss_vs_ce_topk", kind="headline",
    statement=("1000-class task with a bottleneck hidden layer: the Z-loss's top-5 test accuracy beats the "
               "log-softmax's, at every hidden width of the sweep"),
    metric="Z-loss top-5 test accuracy (points)", paired_with="log-softmax top-5 test accuracy",
    better="higher", margin=0.0, fmt="{:+.1f}",
    changed=(repro.Change(
        what="criterion",
        was="mean top-5 difference >= -1 point (a slack for a small experiment), no interval",
        why=("the claim rules: the paper's direction (the Z-loss ahead) with margin 0, judged by the 95% "
             "CI of the paired differences over independent runs")),
             repro.Change(
        what="hidden width of the many-class MLP",
        was="64 units only, picked during development after exploratory runs",
        why="the referee: a width picked by looking at results must be swept; the claim must hold at each"),
             ECONOMY))
claims.declare(
    "zloss_vs_taylor_many", kind="supporting",
    statement=("1000-class task: the Z-loss's top-1 test accuracy beats the Taylor softmax's (the strongest "
               "earlier spherical loss), at every hidden width of the sweep"),
    metric="Z-loss top-1 test accuracy (points)", paired_with="Taylor-softmax top-1 test accuracy",
    better="higher", margin=0.0, fmt="{:+.1f}",
    changed=(repro.Change(
        what="hidden width and baselines",
        was="width 64 only (picked after exploratory runs); Z-loss vs both MSE and the Taylor softmax",
        why="width swept as for the headline; MSE only in the digits comparison (budget)"), ECONOMY))
claims.declare(
    "zloss_vs_spherical_digits", kind="supporting",
    statement=("scikit-learn digits, 200 labels (10 classes): the Z-loss's top-1 test accuracy beats both "
               "MSE and the Taylor softmax"),
    metric="Z-loss top-1 test accuracy (points)", paired_with="MSE / Taylor-softmax top-1 test accuracy",
    better="higher", margin=0.0, fmt="{:+.1f}",
    changed=repro.Change(
        what="tuning",
        was="the Z-loss's (a, b) in {0.5, 2} x {1.5, 5} chosen with the learning rate on validation",
        why="budget: (a, b) fixed to (0.5, 1.5), the pilot's validation choice; learning rates still tuned"))
claims.not_testable(
    "speedup_one_billion_word", kind="supporting",
    statement=("On One Billion Word, the Z-loss with the spherical output-layer trick trains 40 times faster "
               "than the log-softmax and 4 times faster than the hierarchical softmax"),
    reason=("the speed-up comes from never forming a vocabulary-sized output (hundreds of thousands of "
            "words) on a GPU over days of training; at D = 1000 on one CPU thread the dense output layer "
            "is not the bottleneck, and a wall-clock ratio would not be stable across machines"))
claims.declare(
    "shift_scale_invariance", kind="sanity",
    statement="L_Z(alpha o + beta, c) = L_Z(o, c) for alpha in [1e-3, 1e3], beta in [-1e3, 1e3] (float64, D = 1000)",
    metric="max |change of the Z-loss| over the grid (printed as 1e-09 when below)",
    better="lower", margin=1e-6, fmt="{:.0e}", deterministic=True)
claims.declare(
    "ce_scale_sensitive", kind="sanity",
    statement="Control: the same grid moves the log-softmax loss (so the check above can fail)",
    metric="max |change of the log-softmax loss| over the grid (printed as 1 when above)",
    better="higher", margin=1e-2, fmt="{:.0e}", deterministic=True)
claims.declare(
    "spherical_form", kind="sanity",
    statement="The Z-loss computed from (o_c, sum o, sum o^2) alone equals the Z-loss on the full outputs",
    metric="max |difference| (float64, printed as 1e-12 when below)",
    better="lower", margin=1e-9, fmt="{:.0e}", deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the runs use seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # independent training runs per comparison; 0 picks the scale's default

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Markdown
from myst_nb import glue

from repro import objectives
from repro.book import params, plotting
from repro.book.progress import progress
from repro.data import datasets
from repro.nn import models, training
from repro.stats import intervals as stats
from repro.stats import metrics

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=50)
n_seeds = n_seeds or run.pick(4, 10)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3 (independent runs per claim)")
SEEDS = [1000 * seed + i for i in range(n_seeds)]
WIDTHS = run.pick([32, 64, 128], [32, 64, 128, 256])

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
# They live in `src/repro/objectives/spherical.py` (part of the book's loss library
# `repro.objectives`), tested in `tests/objectives/test_spherical.py` (limiting cases, invariances,
# the spherical-statistics form, and autograd against the hand-derived gradient). The Z-loss itself:

# %%
print(inspect.getsource(objectives.z_normalize))
print(inspect.getsource(objectives.z_loss))

# %% [markdown]
# ### Sanity checks: invariance and the spherical form
#
# Random outputs for $D = 1000$ classes, rescaled by $\alpha \in [10^{-3}, 10^{3}]$ and shifted by
# $\beta \in [-10^{3}, 10^{3}]$, in float64. The log-softmax is the control: it forgives shifts but
# not rescaling, so a check that cannot tell the two apart would show it here. Then the Z-loss is
# computed a second time from the three spherical statistics alone, as an $O(d^2)$ output layer
# would, and compared with the loss on the full outputs.

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
oc, s, q = objectives.spherical_stats(o, y)
spherical_gap = max((objectives.z_loss_from_stats(oc, s, q, 1000, a=a, b=b)
                     - objectives.z_loss(o, y, a=a, b=b, reduction="none")).abs().max().item()
                    for a, b in ((1.0, 3.0), (0.5, 5.0), (2.0, 1.5)))
print({k: f"{v:.1e}" for k, v in drift.items()}, f"spherical form: {spherical_gap:.1e}")

# %% [markdown]
# ## The experiment
#
# **Protocol.** For each task and each loss: the same one-hidden-layer ReLU MLP (PyTorch default
# initialisation), Adam, the same number of epochs and batch size. Each run draws its own data (the
# many-class task) or its own split (digits), its own initialisation and batch order; within a run
# every loss sees the same data, initialisation seed and batch order, which is what pairs them.
# Each training set is split 75/25 into train and validation. On the first run every loss chooses
# its learning rate from a small grid by its *validation* score (top-5 on the many-class task, top-1
# on digits), separately at each width; the test sets are never looked at during selection. The
# chosen configurations are then trained on every run and scored on the test set. The Z-loss's
# $(a, b)$ are fixed per task (see the change notes in the claim box).
#
# **Tasks.**
# * *many-class*: 1000 Gaussian classes in 64 dimensions (means $0.5\,\mathcal N(0, I)$, unit noise),
#   12 points per class of which 3 go to the test set. The hidden layer (32 to 128 units) is far
#   narrower than the 1000 outputs, like the bottleneck before a language model's output layer.
#   Losses: log-softmax, Taylor softmax, Z-loss.
# * *digits*: scikit-learn's 8x8 digits, 10 classes, 200 labelled training images (so errors are
#   measurable), 539 test images; a 64-unit hidden layer. Losses: all four.

# %%
TASKS = {
    "many-class": dict(make=lambda s: datasets.gaussian_mixture_classes(
                           1000, run.pick(12, 40), 64, separation=0.5, seed=s, test_fraction=0.25),
                       widths=WIDTHS, epochs=run.pick(4, 20), batch_size=256, lrs=(1e-2, 3e-2),
                       losses=["log-softmax", "Taylor softmax", "Z-loss"], select="top5",
                       z_hyper=dict(a=0.5, b=5.0)),
    "digits": dict(make=lambda s: datasets.digits(seed=s, n_train=200),
                   widths=[64], epochs=run.pick(60, 100), batch_size=32, lrs=(1e-3, 3e-3, 1e-2),
                   losses=list(objectives.LOSSES), select="top1", z_hyper=dict(a=0.5, b=1.5)),
}


DATA = {}  # (task, run) -> data, drawn once per run and shared by every loss and width


def train_eval(key: str, name: str, lr: float, width: int, s: int) -> dict:
    """Train one loss on run ``s``'s train split; top-1/top-5 accuracy on its validation and test sets."""
    task = TASKS[key]
    if (key, s) not in DATA:
        DATA[key, s] = task["make"](s).to(run.device)
    data = DATA[key, s]
    g = torch.Generator().manual_seed(s)
    perm = torch.randperm(len(data.X_train), generator=g).to(run.device)
    n_val = len(perm) // 4
    val, tr = perm[:n_val], perm[n_val:]
    torch.manual_seed(s)
    model = models.mlp(data.X_train.shape[1], [width], data.n_classes).to(run.device)
    hyper = task["z_hyper"] if name == "Z-loss" else {}
    training.train(model, objectives.make_loss(name, **hyper), data.X_train[tr], data.y_train[tr],
                   epochs=task["epochs"], batch_size=task["batch_size"], lr=lr, generator=g,
                   desc=f"{name} h={width} lr={lr:g}")
    out = {}
    for split, X, y in (("val", data.X_train[val], data.y_train[val]), ("test", data.X_test, data.y_test)):
        o = models.predict(model, X)
        out[f"{split}_top1"] = 100 * metrics.accuracy(o, y)
        out[f"{split}_top5"] = 100 * metrics.topk_accuracy(o, y, 5)
    return out


def run_task(key: str) -> dict:
    """Per width: learning rate chosen on the first run's validation split, then every run."""
    task = TASKS[key]
    chosen, results = {}, {}
    for width in task["widths"]:
        for name in task["losses"]:
            tried = {lr: train_eval(key, name, lr, width, SEEDS[0]) for lr in task["lrs"]}
            lr = max(task["lrs"], key=lambda r: tried[r][f"val_{task['select']}"])  # first best wins ties
            chosen[width, name] = lr
            rest = stats.over_seeds(lambda s: train_eval(key, name, lr, width, s), SEEDS[1:],
                                    desc=f"{name} h={width}")
            results[width, name] = {k: np.concatenate([[tried[lr][k]], rest[k]]) for k in rest}
    return dict(chosen=chosen, results=results)


outcome = {key: run_task(key) for key in progress(TASKS, desc="tasks")}

# %% [markdown]
# ## Results
#
# Test accuracy (%), mean and 95 % confidence half-width over the runs, with the learning rate each
# loss chose on validation.

# %%
def test_acc(task: str, width: int, name: str, metric: str) -> np.ndarray:
    return outcome[task]["results"][width, name][f"test_{metric}"]


for task, spec in TASKS.items():
    print(f"{task} ({n_seeds} runs)")
    for width in spec["widths"]:
        for name in spec["losses"]:
            cells = [f"{m[:3]}-{m[3:]} {stats.mean_ci(test_acc(task, width, name, m))[0]:5.1f} ± "
                     f"{stats.mean_ci(test_acc(task, width, name, m))[1]:4.1f}" for m in ("top1", "top5")]
            print(f"  h={width:<4d}{name:15s}" + "   ".join(cells)
                  + f"   (lr={outcome[task]['chosen'][width, name]:g})")

# %%
colors = dict(zip(objectives.LOSSES, plotting.COLORS))
many = TASKS["many-class"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, metric in zip(axes[:2], ("top5", "top1")):
    bar_w = 0.8 / len(many["losses"])
    for i, name in enumerate(many["losses"]):
        for j, width in enumerate(WIDTHS):
            vals = test_acc("many-class", width, name, metric)
            m, h = stats.mean_ci(vals)
            x = j + (i - (len(many["losses"]) - 1) / 2) * bar_w
            ax.bar(x, m, bar_w, yerr=h, capsize=3, color=colors[name], label=name if j == 0 else None)
            ax.plot(np.full(len(vals), x), vals, "k.", ms=3)
    ax.set_xticks(range(len(WIDTHS)), [f"h={w}" for w in WIDTHS])
    ax.set_ylabel(f"test {metric[:3]}-{metric[3:]} accuracy (%)")
    ax.set_title(f"1000 classes: {metric[:3]}-{metric[3:]}")
axes[0].legend(loc="upper left")
ax = axes[2]
for k, (other, metric, label) in enumerate([("log-softmax", "top5", "Z - log-softmax, top-5 (headline)"),
                                            ("Taylor softmax", "top1", "Z - Taylor, top-1")]):
    for j, width in enumerate(WIDTHS):
        d = test_acc("many-class", width, "Z-loss", metric) - test_acc("many-class", width, other, metric)
        iv = stats.interval(d)
        x = j + (k - 0.5) * 0.3
        ax.errorbar(x, iv.mean, yerr=[[iv.mean - iv.low], [iv.high - iv.mean]], fmt="o", capsize=3,
                    color=plotting.COLORS[k], label=label if j == 0 else None)
        ax.plot(np.full(len(d), x + 0.06), d, ".", color=plotting.COLORS[k], ms=3)
ax.axhline(0, color="k", lw=0.8)
ax.set_xticks(range(len(WIDTHS)), [f"h={w}" for w in WIDTHS])
ax.set_ylabel("paired difference (points)")
ax.set_title("Z-loss minus baseline: 95% CI over runs")
ax.legend(fontsize=8)
fig.suptitle("1000-class task, same MLP and budget per width (bars: 95% CI, dots: runs)")
fig.tight_layout()
plt.show()

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.4))
for i, name in enumerate(TASKS["digits"]["losses"]):
    vals = test_acc("digits", 64, name, "top1")
    m, h = stats.mean_ci(vals)
    ax.bar(i, m, 0.7, yerr=h, capsize=3, color=colors[name])
    ax.plot(np.full(len(vals), i), vals, "k.", ms=3)
ax.set_xticks(range(len(TASKS["digits"]["losses"])), TASKS["digits"]["losses"])
ax.set_ylim(50, 100)
ax.set_ylabel("test top-1 accuracy (%)")
ax.set_title("digits, 200 labels, 10 classes (bars: 95% CI, dots: runs)")
plt.show()

# %% [markdown]
# ## Claims: measured

# %%
for width in WIDTHS:
    claims.record("zloss_vs_ce_topk", method=test_acc("many-class", width, "Z-loss", "top5"),
                  baseline=test_acc("many-class", width, "log-softmax", "top5"), setting=f"hidden {width}")
for width in WIDTHS:
    claims.record("zloss_vs_taylor_many", method=test_acc("many-class", width, "Z-loss", "top1"),
                  baseline=test_acc("many-class", width, "Taylor softmax", "top1"), setting=f"hidden {width}")
for other in ("MSE", "Taylor softmax"):
    claims.record("zloss_vs_spherical_digits", method=test_acc("digits", 64, "Z-loss", "top1"),
                  baseline=test_acc("digits", 64, other, "top1"), setting=f"vs {other}")
claims.record("shift_scale_invariance", value=max(drift["Z-loss"], 1e-9))
claims.record("ce_scale_sensitive", value=min(drift["log-softmax"], 1.0))
claims.record("spherical_form", value=max(spherical_gap, 1e-12))
claims.results()
for key, c in claims.declared.items():  # the verdicts and per-setting tallies, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)
    if c.measurements and c.counted:
        glue(f"{key}_cleared", sum(m.passed for m in c.measurements), display=False)
        glue(f"{key}_ahead", sum(m.interval.mean > 0 for m in c.measurements), display=False)
        glue(f"{key}_settings", len(c.measurements), display=False)
holds = {key: c.verdict == "REPRODUCED" for key, c in claims.declared.items()}
glue("ce_reading", Markdown(
    "The Z-loss's top-5 edge over the log-softmax holds at every width of the sweep." if holds["zloss_vs_ce_topk"]
    else "At this scale the Z-loss's top-5 edge over the log-softmax is small compared with the run-to-run "
         "spread and does not hold across the sweep. The earlier version of this chapter tested one width, "
         "picked after exploratory runs, with a one-point slack in the log-softmax's favour, and overstated it."),
    display=False)
glue("taylor_reading", Markdown(
    "Among losses whose cost does not grow with the number of classes, the Z-loss ranks the target best at "
    "every width: this part of the paper's evidence survives the sweep." if holds["zloss_vs_taylor_many"]
    else "So even among the spherical losses, the Z-loss's lead depends on the width."), display=False)
glue("digits_reading", Markdown(
    "it beats both, as the paper's claim says." if holds["zloss_vs_spherical_digits"]
    else "it does not beat both. This is consistent with the paper's framing rather than a contradiction of "
         "its evidence, which is on tasks with $10^4$ or more classes: with $D = 10$ the standardised score "
         "is capped at $z_c \\le \\sqrt{D-1} = 3$, so the Z-loss has little room to separate the target, "
         "while the weaknesses of its rivals (MSE's nearly-all-zero target, the Taylor softmax's polynomial "
         "tails, which leave a floor of $1/2$ per wrong class in its normaliser) only bite when $D$ is large."),
    display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline** (`zloss_vs_ce_topk`, {glue:md}`verdict_zloss_vs_ce_topk`). On the 1000-class task
# the Z-loss's mean top-5 accuracy is above the log-softmax's at {glue:text}`zloss_vs_ce_topk_ahead`
# of the {glue:text}`zloss_vs_ce_topk_settings` hidden widths, and the 95 % interval of the paired
# difference clears zero at {glue:text}`zloss_vs_ce_topk_cleared` of them (per-width intervals in
# the results cell, per-run differences in the right panel of the first figure). The claim asks for
# every width, because the width is a choice made before seeing test results.
# {glue:md}`ce_reading`
#
# **The other spherical losses.** Against the Taylor softmax, the strongest earlier spherical loss,
# the Z-loss's top-1 advantage on the 1000-class task (`zloss_vs_taylor_many`,
# {glue:md}`verdict_zloss_vs_taylor_many`) clears zero at {glue:text}`zloss_vs_taylor_many_cleared`
# of the {glue:text}`zloss_vs_taylor_many_settings` widths. {glue:md}`taylor_reading`
# On digits, with 10 classes, against MSE and the Taylor softmax (`zloss_vs_spherical_digits`,
# {glue:md}`verdict_zloss_vs_spherical_digits`), {glue:md}`digits_reading`
#
# The three sanity checks (invariance, its control, the spherical form) test our implementation, not
# the paper; the speed-up on One Billion Word is not testable here.
#
# ## Deviations from the paper
#
# * **No language model, no speed-up.** The paper's evidence is word-level language modelling (Penn
#   Treebank, $D = 10^4$) and the One Billion Word benchmark, where the spherical trick (keeping
#   $W^\top W$ to get $\sum_k o_k$ and $\sum_k o_k^2$ in $O(d^2)$) makes the Z-loss 40 times faster
#   than the log-softmax. With $D = 1000$ and a CPU budget of seconds the dense output layer is not
#   the bottleneck, so we compute every loss on the full output vector and test accuracy only; the
#   spherical form of the Z-loss is checked above and in the unit tests (`z_loss_from_stats`).
# * **Synthetic many-class data** (a 1000-class Gaussian mixture behind a narrow hidden layer) stands
#   in for language modelling, and 200 labelled digits for a small real task the paper did not use.
# * **Top-5 only.** The paper reports several top-$k$ scores; the headline fixes $k = 5$ before
#   running, and every loss's learning rate is chosen on validation top-5 (also for the top-1
#   comparison with the Taylor softmax, so the losses are selected alike).
# * **Small budget and small grids.** Four epochs, a learning rate from $\{10^{-2}, 3\cdot10^{-2}\}$
#   chosen on the first run's validation split at each width, the Z-loss's $(a, b)$ fixed per task
#   from the pilot's validation choice, and MSE only on digits: these economies pay for sweeping
#   three widths within the CPU budget and are listed as changes in the report. Full scale uses more
#   data, 20 epochs, 10 runs and adds a 256-unit width.
# * **Runs.** 4 independent runs at quick scale (10 at full scale); each draws new data (or a new
#   digits split), a new initialisation and a new batch order, and the intervals are Student-t over
#   the paired per-run differences.
