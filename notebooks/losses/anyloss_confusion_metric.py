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
# # AnyLoss: Transforming Classification Metrics into Loss Functions
#
# {cite}`han2024anyloss` · [paper (arXiv:2405.14745)](https://arxiv.org/abs/2405.14745) ·
# [authors' code (doheonhan/anyloss, TensorFlow)](https://github.com/doheonhan/anyloss). Everything
# below is our own PyTorch implementation.
#
# Binary classifiers are judged by numbers computed from the confusion matrix (F1, balanced
# accuracy, ...), but trained with cross-entropy, because counting true positives is not
# differentiable. On imbalanced data the two disagree: cross-entropy is happy to predict the
# majority class for borderline cases, which costs little accuracy but much F1. AnyLoss makes the
# confusion matrix itself differentiable: it pushes every predicted probability through a steep
# sigmoid centred at 0.5, so that the sums of these "almost hard" predictions behave like counts,
# and then uses one minus the metric of choice as the loss.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Any confusion-matrix metric becomes a trainable loss once the predicted probabilities
# are amplified by $A(p) = 1/(1 + e^{-L(p - 0.5)})$ (with $L = 73$); the resulting losses are
# particularly effective on imbalanced binary data, where they beat cross-entropy on the metric
# they target, and they learn about as fast.
#
# **This chapter tests**, with one MLP trained full-batch with the same optimiser and budget for
# every loss, on four imbalanced tasks built from bundled or generated data (breast cancer with
# malignant cases subsampled to 10 %, digits "8 vs rest", digits "0 vs rest", a synthetic task with
# 5 % positives). Each seed draws its own split and initialisation (shared by all losses), so seeds
# are independent runs and the losses are paired within a run; every counted claim must hold on
# every task:
# * *headline*: AnyLoss-F1 beats cross-entropy (BCE, threshold 0.5) on test F1;
# * *supporting*: AnyLoss-BA beats BCE on test balanced accuracy; AnyLoss-F1 beats BCE whose
#   decision threshold is tuned for F1 on a validation split (the stronger baseline the catalog
#   asks for; the paper does not make this comparison); AnyLoss-F1 learns at least as fast as BCE
#   (test F1 averaged over the whole run);
# * *sanity check*: the amplified "soft" confusion matrix of the trained AnyLoss-F1 models gives an
#   F1 within 0.02 of that of the thresholded predictions (the approximation the loss relies on).
#
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
PROTOCOL = (
    repro.Change(
        what="criterion: paired 95% interval above 0 on every task (a sweep over the tasks)",
        was="the same interval on at least 2 of 3 tasks (all 3 for AnyLoss-BA); before that, a "
            "comparison of means, replaced when verdicts flipped between base seeds",
        why="the claim rules evaluate a sweep only as 'passes at every setting'; this is stricter"),
    repro.Change(
        what="task 'digits 0 vs rest' added back to the sweep",
        was="replaced by '8 vs rest' after a trial run in which every loss was near-perfect on 0 vs rest",
        why="a setting chosen after seeing results must be swept in the notebook"))
claims.declare(
    "f1_beats_bce", kind="headline",
    statement="On imbalanced binary tasks, AnyLoss-F1 reaches a higher test F1 than BCE at threshold 0.5",
    metric="test F1 of AnyLoss-F1", paired_with="test F1 of BCE (threshold 0.5)", better="higher",
    margin=0.0, fmt="{:+.2f}", changed=PROTOCOL)
claims.declare(
    "ba_beats_bce", kind="supporting",
    statement="AnyLoss-BA reaches a higher test balanced accuracy than BCE at threshold 0.5",
    metric="test balanced accuracy of AnyLoss-BA", paired_with="that of BCE (threshold 0.5)",
    better="higher", margin=0.0, fmt="{:+.2f}", changed=PROTOCOL)
claims.declare(
    "f1_beats_tuned_bce", kind="supporting",
    statement=("AnyLoss-F1 reaches a higher test F1 than BCE with its threshold tuned for F1 on the "
               "validation split"),
    metric="test F1 of AnyLoss-F1", paired_with="test F1 of BCE, validation-tuned threshold",
    better="higher", margin=0.0, fmt="{:+.2f}", changed=PROTOCOL)
claims.declare(
    "learns_fast", kind="supporting",
    statement="AnyLoss-F1 learns at least as fast as BCE: its test F1 averaged over the run is higher",
    metric="test F1 of AnyLoss-F1 averaged over the epochs (area under the learning curve / epochs)",
    paired_with="the same for BCE", better="higher", margin=0.0, fmt="{:+.2f}",
    changed=PROTOCOL + (repro.Change(
        what="claim added", was="no learning-speed claim",
        why="added after seeing the learning curves, since learning speed is part of the paper's claim"),))
claims.declare(
    "soft_tracks_hard", kind="sanity",
    statement="With L = 73 the amplified soft confusion matrix tracks the real one",
    metric="mean |soft F1 - hard F1| of the trained AnyLoss-F1 models on the test sets, over tasks and seeds",
    better="lower", margin=0.02, fmt="{:.2f}", deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # seeds (data splits and initialisations) per task; 0 picks the scale's default
L = 73.0             # amplification of the approximation function (paper's value)
hidden = 32          # hidden units of the MLP; 0 gives a single-layer perceptron (logistic model)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from IPython.display import Markdown
from myst_nb import glue
from sklearn.datasets import load_breast_cancer, load_digits, make_classification

from repro.book import params
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.data.datasets import standardize
from repro.nn import models, training
from repro.objectives import anyloss as al
from repro.stats import intervals as stats

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=200)
params.check_float("L", L, minimum=1.0, maximum=1000.0)
params.check_int("hidden", hidden, minimum=0, maximum=4096)
n_seeds = n_seeds or run.pick(20, 60)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## The method
#
# With $p_i = \sigma(z_i)$ the network's probability for example $i$ and $a_i = A(p_i)$, the
# confusion matrix of a batch is replaced by
#
# $$
# \mathrm{TP} = \sum_i y_i a_i, \quad \mathrm{FN} = \sum_i y_i (1 - a_i), \quad
# \mathrm{FP} = \sum_i (1 - y_i) a_i, \quad \mathrm{TN} = \sum_i (1 - y_i)(1 - a_i),
# $$
#
# and the loss is $1 - M(\mathrm{TN}, \mathrm{FP}, \mathrm{FN}, \mathrm{TP})$ for a metric $M$, e.g.
#
# $$
# F_1 = \frac{2\,\mathrm{TP}}{2\,\mathrm{TP} + \mathrm{FP} + \mathrm{FN}}, \qquad
# \mathrm{BA} = \frac12\Big(\frac{\mathrm{TP}}{\mathrm{TP} + \mathrm{FN}} + \frac{\mathrm{TN}}{\mathrm{TN} + \mathrm{FP}}\Big).
# $$
#
# Why amplify? With the raw $p_i$ (as in earlier "expected confusion matrix" losses), a prediction
# of 0.6 counts as 0.6 of a true positive, so the loss keeps pushing confident, correct outputs
# towards 1 instead of fixing wrong ones. $A$ maps $p = 0.55$ to $0.975$ and $p = 0.45$ to $0.025$
# when $L = 73$, so the soft counts are close to the counts at threshold 0.5, and its gradient
# $L\,a(1-a)$ is concentrated on the examples near the decision boundary, the only ones whose
# count can change. The loss is a property of the whole batch (a ratio of sums), so we train
# full-batch. `src/repro/objectives/anyloss.py` holds the loss; `tests/objectives/test_anyloss.py` checks
# hand-computed metrics, that confident outputs give exactly the hard confusion matrix, the
# authors' closed forms for $F_\beta$ and BA, and the F1 gradient against a hand derivation.

# %%
print(inspect.getsource(al.soft_confusion))
print(inspect.getsource(al.anyloss))

# %% [markdown]
# ## Tasks and training
#
# Each seed draws its own stratified split (60 % train, 20 % validation, 20 % test) and its own
# initialisation, shared by all losses. Features are standardised with training statistics.
#
# * **breast cancer** (scikit-learn, 569 tumours, 30 features): all 357 benign tumours and a random
#   40 of the 212 malignant ones (the positives), 10 % positive;
# * **digits, 8 vs rest** (1797 images, 174 eights, 10 % positive): added after a trial run of the
#   catalog's "0 vs rest", on which every loss was almost perfect; 8 is among the hardest digits;
# * **digits, 0 vs rest** (178 zeros, 10 % positive), the catalog's task, kept in the sweep because
#   the switch to "8 vs rest" was made after seeing results;
# * **synthetic** (`make_classification`: 2000 points, 20 features of which 5 informative, 5 %
#   positive, a new data set per seed).
#
# Model: MLP with one hidden layer of 32 ReLU units and one output logit. Optimiser: Adam, learning
# rate $10^{-2}$, 200 full-batch epochs, no weight decay, no early stopping, the same for every loss
# (not tuned for any of them). All seeds of a task have splits of the same size, so we train the
# seeds' networks side by side as one batched model (`SeedBatchedMLP`, with the book's training
# loop): Adam acts element by element and the per-seed losses are summed, so this is the same as
# training each seed alone, only faster. The same initialisation is used for every loss. Losses: BCE; BCE with positives weighted by $n_-/n_+$ (class-weighted
# BCE, a standard fix for imbalance); AnyLoss-F1; AnyLoss-BA. BCE is evaluated at threshold 0.5 and
# also with the threshold that maximises F1 on the validation split.

# %%
TASKS = ("breast cancer", "digits 8 vs rest", "digits 0 vs rest", "synthetic")
LR, EPOCHS = 1e-2, 200
LOSSES = ("BCE", "weighted BCE", "AnyLoss-F1", "AnyLoss-BA")


def make_task(name: str, s: int):
    """Standardised train / validation / test tensors of one imbalanced task (labels in {0, 1})."""
    rng = np.random.default_rng(s)
    if name == "breast cancer":
        X, y = load_breast_cancer(return_X_y=True)
        y = 1 - y  # malignant = positive
        neg, pos = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
        keep = np.concatenate([neg, rng.choice(pos, 40, replace=False)])
        X, y = X[keep], y[keep]
    elif name.startswith("digits"):
        X, y = load_digits(return_X_y=True)
        y = (y == int(name.split()[1])).astype(int)
    else:
        X, y = make_classification(n_samples=run.pick(2000, 5000), n_features=20, n_informative=5,
                                   weights=[0.95], flip_y=0.0, random_state=s)
    parts = [[], [], []]
    for c in (0, 1):  # stratified 60 / 20 / 20
        idx = rng.permutation(np.flatnonzero(y == c))
        cut = [int(0.6 * len(idx)), int(0.8 * len(idx))]
        for part, chunk in zip(parts, np.split(idx, cut)):
            part.extend(chunk)
    tr, va, te = (np.array(p) for p in parts)
    Xtr, Xva = standardize(X[tr].astype(float), X[va].astype(float))
    _, Xte = standardize(X[tr].astype(float), X[te].astype(float))
    t = lambda a: torch.tensor(a, dtype=torch.float32, device=run.device)  # noqa: E731
    return t(Xtr), t(y[tr]), t(Xva), t(y[va]), t(Xte), t(y[te])


def loss_fn(name: str, y_train: torch.Tensor):
    """The loss of ``name`` for a batch of seeds: outputs and labels of shape (S, n), summed over seeds."""
    if name == "BCE":
        return lambda out, y: F.binary_cross_entropy_with_logits(out, y, reduction="none").mean(-1).sum()
    if name == "weighted BCE":
        w = ((1 - y_train).sum(-1) / y_train.sum(-1))[:, None]  # n_- / n_+ per seed
        return lambda out, y: F.binary_cross_entropy_with_logits(
            out, y, pos_weight=w, reduction="none").mean(-1).sum()
    return al.AnyLoss("f1" if name == "AnyLoss-F1" else "balanced_accuracy", L=L)


def scores(tn, fp, fn, tp) -> dict:
    return {"f1": al.f_beta(tn, fp, fn, tp).cpu().numpy(), "ba": al.balanced_accuracy(tn, fp, fn, tp).cpu().numpy(),
            "acc": al.accuracy(tn, fp, fn, tp).cpu().numpy()}


def run_task(task: str, t_index: int) -> dict:
    """Train every loss on every seed of one task (all seeds at once, see the text) and score it."""
    splits = [make_task(task, s) for s in SEEDS]
    Xtr, ytr, Xva, yva, Xte, yte = (torch.stack([sp[j] for sp in splits]) for j in range(6))
    Xtr, Xva, Xte = (al.with_seed_index(X) for X in (Xtr, Xva, Xte))
    out = {}
    for name in progress(LOSSES, desc=task):
        model = al.SeedBatchedMLP(len(SEEDS), Xtr.shape[-1] - 1, hidden,
                                  generator=torch.Generator().manual_seed(10 * seed + t_index)).to(run.device)
        curve = []

        def record(epoch, model=model, curve=curve):
            with torch.no_grad():
                curve.append(scores(*al.hard_confusion(torch.sigmoid(model(Xte)), yte))["f1"])

        training.train(model, loss_fn(name, ytr), Xtr, ytr, epochs=EPOCHS, batch_size=None, lr=LR,
                       optimizer="adam", generator=torch.Generator().manual_seed(seed), desc=name,
                       after_epoch=record)
        with torch.no_grad():
            z_te, p_va = model(Xte), torch.sigmoid(model(Xva))
        p_te = torch.sigmoid(z_te)
        for k, v in scores(*al.hard_confusion(p_te, yte)).items():
            out[f"{task}/{name}/{k}"] = v
        out[f"{task}/{name}/curve"] = np.stack(curve, 1)  # (seeds, epochs)
        if name == "BCE":  # decision threshold tuned for F1 on each seed's validation split
            thr = torch.tensor([[al.best_threshold(p_va[i], yva[i], "f1")] for i in range(len(SEEDS))])
            out[f"{task}/BCE, tuned threshold/f1"] = scores(*al.hard_confusion(p_te, yte, thr))["f1"]
        if name == "AnyLoss-F1":
            out[f"{task}/soft_gap"] = np.abs(scores(*al.soft_confusion(z_te, yte, L))["f1"]
                                             - out[f"{task}/{name}/f1"])
    return out


res = {}
for t_index, task in enumerate(TASKS):
    res.update(run_task(task, t_index))

# %% [markdown]
# ## Results
#
# Test metrics at threshold 0.5 (mean over seeds, with the half-width of the 95 % confidence
# interval of the mean).

# %%
ROWS = ("BCE", "BCE, tuned threshold", "weighted BCE", "AnyLoss-F1", "AnyLoss-BA")


def cell(task, name, metric):
    key = f"{task}/{name}/{metric}"
    if key not in res:
        return "-"
    m, h = stats.mean_ci(res[key])
    return f"{m:.3f} ± {h:.3f}"


for metric, label in (("f1", "F1"), ("ba", "balanced accuracy"), ("acc", "accuracy")):
    print(f"\nTest {label} ({n_seeds} seeds)\n\n| loss | " + " | ".join(TASKS) + " |\n|---|" + "---|" * len(TASKS))
    for name in ROWS:
        print(f"| {name} | " + " | ".join(cell(t, name, metric) for t in TASKS) + " |")

# %%
fig, axes = plt.subplots(2, 2, figsize=(11, 7))
axes = axes.ravel()
ep = np.arange(1, EPOCHS + 1)
for ax, task in zip(axes, TASKS):
    for name, c in zip(LOSSES, COLORS):
        m, h = stats.mean_ci(res[f"{task}/{name}/curve"])
        ax.plot(ep, m, color=c, label=name)
        ax.fill_between(ep, m - h, m + h, color=c, alpha=0.2)
    ax.set(xlabel="epoch (full batch)", ylabel="test F1 at threshold 0.5", title=task, ylim=(0, 1))
axes[0].legend(loc="lower right", fontsize=8)
fig.suptitle(f"Learning curves (mean and 95% CI over {n_seeds} seeds)")
fig.tight_layout()
plt.show()

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
width = 0.16
for ax, (metric, label) in zip(axes, (("f1", "test F1"), ("ba", "test balanced accuracy"))):
    for j, name in enumerate(ROWS):
        ms, hs = [], []
        for task in TASKS:
            key = f"{task}/{name}/{metric}"
            m, h = stats.mean_ci(res[key]) if key in res else (np.nan, np.nan)
            ms.append(m)
            hs.append(h)
        ax.bar(np.arange(len(TASKS)) + (j - 2) * width, ms, width, yerr=hs, capsize=2,
               color=COLORS[j], label=name)
    ax.set_xticks(np.arange(len(TASKS)), [t.replace(" vs", "\nvs") for t in TASKS])
    ax.set(ylabel=label, ylim=(0.3, 1.0), title=f"{label} (threshold 0.5 unless tuned)")
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=len(ROWS), fontsize=8)
fig.suptitle(f"Final test metrics (mean and 95% CI over {n_seeds} seeds; BA is not shown for the tuned threshold)",
             fontsize=10)
fig.tight_layout(rect=(0, 0.07, 1, 1))
plt.show()

# %% [markdown]
# ## Claims

# %%
for t in TASKS:  # area under the learning curve / number of epochs
    for name in LOSSES:
        res[f"{t}/{name}/auc"] = res[f"{t}/{name}/curve"].mean(1)
for t in TASKS:
    claims.record("f1_beats_bce", method=res[f"{t}/AnyLoss-F1/f1"], baseline=res[f"{t}/BCE/f1"], setting=t)
for t in TASKS:
    claims.record("ba_beats_bce", method=res[f"{t}/AnyLoss-BA/ba"], baseline=res[f"{t}/BCE/ba"], setting=t)
for t in TASKS:
    claims.record("f1_beats_tuned_bce", method=res[f"{t}/AnyLoss-F1/f1"],
                  baseline=res[f"{t}/BCE, tuned threshold/f1"], setting=t)
for t in TASKS:
    claims.record("learns_fast", method=res[f"{t}/AnyLoss-F1/auc"], baseline=res[f"{t}/BCE/auc"], setting=t)
claims.record("soft_tracks_hard", value=float(np.mean([res[f"{t}/soft_gap"] for t in TASKS])))
claims.results()
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: {glue:md}`verdict_f1_beats_bce`.** With the same network, optimiser and budget for
# every loss, the report gives AnyLoss-F1's paired F1 difference with BCE on each task; the claim
# needs an interval above zero on every imbalanced task. **Supporting:** AnyLoss-BA against BCE on
# balanced accuracy {glue:md}`verdict_ba_beats_bce`; AnyLoss-F1 against BCE with a validation-tuned
# threshold {glue:md}`verdict_f1_beats_tuned_bce`; learning speed {glue:md}`verdict_learns_fast`.
# **Sanity:** the amplified confusion matrix tracking the real one
# {glue:md}`verdict_soft_tracks_hard`, which is what makes the loss trainable without any tuning.
#
# **Reading the results.** Early in training, cross-entropy predicts the majority class almost
# everywhere (see its learning curve on the synthetic task), while AnyLoss-F1, whose gradient comes
# from the borderline examples of both classes, reaches its plateau sooner; the per-task learning
# speed differences are in the report. At the end of training the differences in F1 are small
# compared with their spread over runs on most tasks (see the table and the report), and the
# honest baselines are strong: class-weighted BCE, a one-line change, gives a balanced accuracy
# comparable with AnyLoss-BA's (table above). Our reading: BCE's bias against the minority class
# is a matter of optimisation (it is strongest before the minority examples are fitted) and of
# capacity; an MLP trained to convergence on a few hundred examples eventually separates the
# training data whatever the loss, and the thresholded predictions of all losses then agree. On
# "0 vs rest" every loss is close to perfect, so there is nothing for AnyLoss to win. The paper's
# large gains come from other data sets, networks and training budgets.
#
# ## Deviations from the paper
#
# * **Data.** The paper uses 102 tabular data sets and four imbalanced ones; we use four small
#   imbalanced tasks built from scikit-learn's bundled data and generator (breast cancer subsampled to
#   10 % positives, digits "8 vs rest" and "0 vs rest", a synthetic task with 5 % positives), with
#   one random stratified split per seed instead of 10-fold cross-validation.
# * **Model and training.** One MLP (one hidden layer of 32 units), Adam at a fixed learning rate,
#   200 full-batch epochs, identical for all losses; the paper's networks, batch sizes and
#   schedules differ (its code is in TensorFlow/Keras; ours is PyTorch).
# * **Baselines.** We compare with BCE, class-weighted BCE and BCE with a validation-tuned threshold;
#   the paper also compares with MSE and a score-oriented loss (SOL) and with resampling methods,
#   which we leave out.
# * **Statistics.** 20 seeds at quick scale (60 at full scale) instead of the catalog's 5, and paired
#   confidence intervals, required on every task (see the change notes).
