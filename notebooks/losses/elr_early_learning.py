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
# # Early-Learning Regularization Prevents Memorization of Noisy Labels
#
# {cite}`liu2020elr` · [paper (arXiv:2007.00151)](https://arxiv.org/abs/2007.00151) ·
# [authors' code (shengliu66/ELR)](https://github.com/shengliu66/ELR). Everything below is our own
# implementation.
#
# When a fraction of the training labels is wrong, a network trained with cross-entropy goes
# through two phases. First it fits the *clean* examples and, because the wrong labels are
# inconsistent with the structure of the data, it predicts the *true* class of many mislabelled
# examples too: test accuracy rises. Later it has capacity left to fit the wrong labels one by one,
# and test accuracy falls. The paper shows that this already happens for logistic regression on a
# high-dimensional two-class mixture, and proposes a regulariser that exploits the first phase:
# keep, for every training example, a running average of the model's own past predictions, and
# penalise the model for moving away from it.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (i) Early learning followed by memorisation is a basic phenomenon of high-dimensional
# classification with noisy labels, present even in linear models; (ii) adding
# $\lambda \log(1 - \langle p_i, t_i \rangle)$ to the cross-entropy, with $t_i$ a temporal ensemble of
# past predictions, stops the memorisation of wrong labels and improves test accuracy (on CIFAR-10
# with 40 % symmetric noise, Table 1 of the paper puts ELR several points ahead of cross-entropy).
#
# **This chapter checks**, with 40 % symmetric label noise and the paper's CIFAR-10
# hyper-parameters $\lambda = 3$, $\beta = 0.7$ (not tuned here), over several seeds:
# 1. *linear model*: logistic regression trained by gradient descent on a two-class Gaussian mixture
#    in dimension 1000 with 400 examples: on every seed, test accuracy peaks and then drops by at
#    least 3 points, and at the end at least 90 % of the flipped examples are fitted to their wrong
#    label;
# 2. *MLP on digits, cross-entropy*: test accuracy peaks and then falls by at least 5 points
#    (mean over seeds, 95 % CI above 0); at the peak at most 20 % of the mislabelled training
#    examples are fitted to their wrong label, at the end at least 50 % are;
# 3. *ELR vs cross-entropy*: final test accuracy of ELR is at least 5 points higher (mean paired
#    difference, and the 95 % CI of the difference above 0);
# 4. *ELR vs cross-entropy*: ELR's final fraction of memorised wrong labels is lower (95 % CI of the
#    paired difference below 0).
#
# Thresholds 1 and 3 are the catalog's suggested checks; 2 and 4 translate the shape of the
# paper's Figure 1 (memorisation near zero early, most wrong labels fitted at the end for CE, ELR
# staying low). All were fixed before running the chapter.
# ```

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # seeds per method; 0 picks the scale's default
noise_rate = 0.4     # fraction of training labels flipped (symmetric noise)
lam = 3.0            # ELR strength lambda (paper, CIFAR-10)
beta = 0.7           # temporal-ensemble momentum beta (paper, CIFAR-10)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import repro
from repro.book import params
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.data import datasets, label_noise
from repro.nn import models, training
from repro.objectives import elr
from repro.stats import intervals as stats
from repro.stats import memorization, metrics

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=50)
params.check_float("noise_rate", noise_rate, minimum=0.0, maximum=0.8)
params.check_float("lam", lam, minimum=0.0, maximum=100.0)
params.check_float("beta", beta, minimum=0.0, maximum=0.999)
n_seeds = n_seeds or run.pick(5, 10)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3 (confidence intervals)")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## Early learning and memorisation in a linear model
#
# The paper's Section 3 setting in miniature: two classes, $x = y\,v + z$ with $y = \pm 1$,
# $\|v\| = 5$ and $z \sim \mathcal N(0, I_d)$ in $d = 1000$ dimensions; $n = 400$ training points of
# which 40 % have their label flipped. Logistic regression starts from $w = 0$ and follows full-batch
# gradient descent. Since $d > n$ the noisy training set is linearly separable, so GD can (and
# eventually does) fit every wrong label; but the signal direction $v$ is shared by all examples,
# while each example's noise direction is its own, so the gradient is at first dominated by $v$.

# %%
LIN = dict(n=400, dim=1000, signal=5.0, lr=0.02, steps=run.pick(400, 2000))
lin = stats.over_seeds(
    lambda s: memorization.linear_memorization(LIN["n"], LIN["dim"], noise_rate, LIN["steps"], LIN["lr"],
                                      signal=LIN["signal"], seed=s),
    SEEDS, desc="linear model")
lin_drop = 100 * (lin["test_acc"].max(1) - lin["test_acc"][:, -1])
print(f"peak test accuracy {100 * lin['test_acc'].max(1).mean():.1f} %, final "
      f"{100 * lin['test_acc'][:, -1].mean():.1f} %, final memorised fraction "
      f"{lin['memorized'][:, -1].mean():.2f}")

# %%
steps = np.arange(1, LIN["steps"] + 1)
fig, ax = plt.subplots(figsize=(7, 3.6))
for key, label, c in (("test_acc", "test accuracy", COLORS[0]),
                      ("correct", "flipped examples fitted to their TRUE label", COLORS[2]),
                      ("memorized", "flipped examples fitted to their WRONG label", COLORS[1])):
    m = lin[key].mean(0)
    ax.plot(steps, m, color=c, label=label)
    ax.fill_between(steps, lin[key].min(0), lin[key].max(0), color=c, alpha=0.2)
ax.set_xscale("log")
ax.set_xlabel("gradient-descent step")
ax.set_ylabel("fraction")
ax.set_title(f"Logistic regression, d={LIN['dim']}, n={LIN['n']}, {noise_rate:.0%} flipped labels "
             f"(mean, range over {n_seeds} seeds)", fontsize=10)
ax.legend(fontsize=8, loc="center right")
plt.show()

# %% [markdown]
# ## The method
#
# For example $i$ with logits $z_i$, prediction $p_i = \mathrm{softmax}(z_i)$ and (possibly wrong)
# label $y_i$, ELR minimises on each mini-batch $B$
#
# $$L = \frac{1}{|B|}\sum_{i \in B} \Bigl[-\log p_{i,y_i} + \lambda \log\bigl(1 - \langle p_i, t_i\rangle\bigr)\Bigr],
# \qquad t_i \leftarrow \beta\, t_i + (1 - \beta)\, p_i ,$$
#
# where the target $t_i$ (initially 0) is updated with the detached prediction each time example
# $i$ is in a batch. The gradient of the regulariser with respect to the logits is
#
# $$\frac{\partial}{\partial z_{ic}}\, \lambda \log(1 - \langle p_i, t_i\rangle)
#   = \lambda\, \frac{p_{ic}\,(\langle p_i, t_i \rangle - t_{ic})}{1 - \langle p_i, t_i\rangle}.$$
#
# For an example whose label is wrong but whose target still points to the true class $c$, this
# term is negative for $c$ (a descent step raises the true logit) and, as $\langle p_i, t_i\rangle \to 1$,
# it grows without bound, so it can cancel the cross-entropy's pull toward the wrong label, which
# is bounded by 1. The paper's full method (ELR+) adds mixup, weight averaging and two networks; it
# is out of scope here. The loss lives in `src/repro/objectives/elr.py`; `tests/test_losses_elr.py` checks autograd
# against the formula above, that $\lambda = 0$ is plain cross-entropy, and the target update.

# %%
print(inspect.getsource(elr.ELRLoss))

# %% [markdown]
# ## The experiment: an MLP on digits with 40 % symmetric noise
#
# scikit-learn's 8x8 digits (1257 training images, 540 test images, standardised). Exactly 40 % of
# the training labels are moved to a different class chosen uniformly (`repro.data.label_noise.symmetric`);
# the test labels are clean. The network is an over-parameterised MLP (two hidden layers, no weight
# decay, no early stopping) so that cross-entropy can memorise within the budget. Both methods use
# the same initialisation, batch order, Adam (learning rate $10^{-3}$, batch 128) and number of
# epochs; ELR uses $\lambda = 3$, $\beta = 0.7$ from the paper's CIFAR-10 configuration. After every
# epoch we record test accuracy and, on the mislabelled training examples, the fraction predicted as
# their true class and as their wrong label ("memorised").

# %%
MLP = dict(hidden=run.pick([256, 256], [512, 512]), epochs=run.pick(100, 300), lr=1e-3, batch_size=128)
METHODS = {"CE": 0.0, "ELR": lam}


def one_seed(s: int) -> dict:
    data = datasets.digits(seed=s)
    y_noisy = torch.as_tensor(label_noise.symmetric(data.y_train.numpy(), data.n_classes, noise_rate,
                                                    np.random.default_rng(s)))
    data, y_noisy = data.to(run.device), y_noisy.to(run.device)
    # the memorisation curves only look at the mislabelled examples: evaluate the network on those alone
    wrong = data.y_train != y_noisy
    X_wrong, y_true_wrong, y_noisy_wrong = data.X_train[wrong], data.y_train[wrong], y_noisy[wrong]
    out = {}
    for name, lam_m in METHODS.items():
        torch.manual_seed(s)
        model = models.mlp(data.X_train.shape[1], MLP["hidden"], data.n_classes).to(run.device)
        loss = elr.ELRLoss(len(y_noisy), data.n_classes, lam=lam_m, beta=beta, device=run.device)
        hist = {"test_acc": [], "correct": [], "memorized": []}

        def record(epoch, model=model, hist=hist):
            model.eval()
            with torch.no_grad():
                hist["test_acc"].append(metrics.accuracy(model(data.X_test), data.y_test))
                for k, v in memorization.fit_fractions(model(X_wrong), y_true_wrong, y_noisy_wrong).items():
                    hist[k].append(v)

        # Adam's multi-tensor ("foreach") update: the same arithmetic as the default one, fewer calls
        opt = torch.optim.Adam(model.parameters(), lr=MLP["lr"], foreach=True)
        training.train(model, loss, data.X_train, y_noisy, epochs=MLP["epochs"],
                       batch_size=MLP["batch_size"], optimizer=opt, with_index=True,
                       generator=torch.Generator().manual_seed(s), desc=f"{name} seed {s}",
                       after_epoch=record)
        out.update({f"{name}/{k}": np.asarray(v) for k, v in hist.items()})
    return out


curves = stats.over_seeds(one_seed, SEEDS, desc="digits")

# %% [markdown]
# ## Results

# %%
epochs = np.arange(1, MLP["epochs"] + 1)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
panels = [("test_acc", "test accuracy"), ("correct", "mislabelled: fitted to TRUE class"),
          ("memorized", "mislabelled: fitted to WRONG label")]
for ax, (key, title) in zip(axes, panels):
    for name, c in zip(METHODS, COLORS):
        v = curves[f"{name}/{key}"]
        m, h = stats.mean_ci(v)
        ax.plot(epochs, m, color=c, label=name if name == "CE" else f"ELR (λ={lam:g}, β={beta:g})")
        ax.fill_between(epochs, m - h, m + h, color=c, alpha=0.25)
    ax.set_xlabel("epoch")
    ax.set_ylabel("fraction")
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, 1)
axes[0].legend(loc="lower left")
fig.suptitle(f"MLP on digits, {noise_rate:.0%} symmetric noise (mean and 95% CI over {n_seeds} seeds)")
fig.tight_layout()
plt.show()

# %%
acc = {n: 100 * curves[f"{n}/test_acc"] for n in METHODS}
mem = {n: curves[f"{n}/memorized"] for n in METHODS}
peak_ep = acc["CE"].argmax(1)
ce_drop = acc["CE"].max(1) - acc["CE"][:, -1]
ce_mem_at_peak = mem["CE"][np.arange(n_seeds), peak_ep]
print(f"{'':5s}{'peak acc':>10s}{'final acc':>11s}{'memorised (end)':>17s}")
for n in METHODS:
    print(f"{n:5s}{acc[n].max(1).mean():9.1f} %{acc[n][:, -1].mean():9.1f} %{mem[n][:, -1].mean():15.2f}")
print(f"CE peaks at epoch {', '.join(str(e + 1) for e in peak_ep)} (per seed)")

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
claims = repro.Claims()
claims.add("Linear model: GD on noisy labels first learns (test accuracy peaks), then memorises",
           measured={"smallest drop peak -> end (points)": round(float(lin_drop.min())),
                     "final memorised fraction (mean)": round(float(lin["memorized"][:, -1].mean()), 2)},
           criterion=f"drop >= 3 points on every seed and memorised >= 0.90 ({n_seeds} seeds)",
           passed=lin_drop.min() >= 3 and lin["memorized"][:, -1].mean() >= 0.9, fmt="{:.2f}")

m_drop, h_drop = stats.mean_ci(ce_drop)
claims.add("MLP + cross-entropy: early learning, then memorisation of the wrong labels",
           measured={"drop peak -> end (points, mean; CI low)": [round(float(m_drop)), round(float(m_drop - h_drop))],
                     "memorised at peak (mean)": round(float(ce_mem_at_peak.mean()), 1),
                     "memorised at end (mean)": round(float(mem["CE"][:, -1].mean()), 1)},
           criterion="mean drop >= 5 and CI low > 0; memorised <= 0.2 at the peak, >= 0.5 at the end",
           passed=m_drop >= 5 and m_drop - h_drop > 0 and ce_mem_at_peak.mean() <= 0.2
           and mem["CE"][:, -1].mean() >= 0.5, fmt="{:.1f}")

d_acc = acc["ELR"][:, -1] - acc["CE"][:, -1]
m_acc, h_acc = stats.mean_ci(d_acc)
claims.add("ELR ends with higher test accuracy than cross-entropy",
           measured={"ELR - CE final accuracy (points, mean; CI low)": [round(float(m_acc)), round(float(m_acc - h_acc))]},
           criterion=f"mean >= 5 points and CI low > 0 (paired, {n_seeds} seeds)",
           passed=m_acc >= 5 and m_acc - h_acc > 0, fmt="{:.0f}")

d_mem = mem["ELR"][:, -1] - mem["CE"][:, -1]
m_mem, h_mem = stats.mean_ci(d_mem)
claims.add("ELR memorises fewer wrong labels than cross-entropy",
           measured={"ELR - CE final memorised fraction (mean; CI high)": [round(float(m_mem), 1), round(float(m_mem + h_mem), 1)]},
           criterion=f"CI high < 0 (paired, {n_seeds} seeds)",
           passed=m_mem + h_mem < 0, fmt="{:.1f}")
claims.report()

# %% [markdown]
# **What reproduced.** Both halves of the story appear cleanly at this scale. In the linear model,
# one or a few gradient steps already give near-perfect test accuracy (the averaged gradient points
# along the shared mean direction), and the flipped examples are at first classified by their
# *true* label; as training continues, the per-example noise directions take over, GD fits every
# flipped label, and test accuracy falls by tens of points. The MLP on digits behaves the same way
# under cross-entropy: test accuracy peaks within the first few epochs, while almost no wrong label
# is fitted, then the network memorises essentially all of them and loses over 20 points. With ELR
# the fraction of memorised wrong labels stays below about 10 % for the whole run, the mislabelled
# examples keep being predicted as their true class, and test accuracy stays close to its peak,
# ending well above cross-entropy's final accuracy, and above its early-stopped peak too.
#
# **Caveat.** The hyper-parameters were not tuned here (they are the paper's CIFAR-10 values), and
# the comparison is at a fixed number of epochs with no early stopping, the setting in which
# memorisation hurts cross-entropy most. A validation-based early stop would recover most of
# cross-entropy's peak accuracy; the paper's claim, and ours, is about what happens if one keeps
# training.
#
# ## Deviations from the paper
#
# * **Data and model.** scikit-learn digits and a two-hidden-layer MLP instead of CIFAR-10/100 with
#   ResNets and Clothing1M/WebVision; no data augmentation, Adam instead of SGD with momentum and a
#   learning-rate schedule.
# * **Only symmetric noise, only cross-entropy as baseline.** The paper also uses asymmetric noise
#   and compares with many methods (co-teaching, GCE, SCE, DivideMix, ...); we test ELR against its
#   own base loss only.
# * **ELR, not ELR+.** The paper's stronger variant (mixup, weight averaging of the targets' source
#   network, two networks) is out of scope.
# * **Linear demo.** The paper's theory concerns a two-class mixture in the high-dimensional limit;
#   we simulate one finite instance ($d = 1000$, $n = 400$, $\|v\| = 5$), chosen so that the
#   signal is strong enough for early learning ($(1 - 2\cdot 0.4)\,\|v\|^2 > d/n$) yet $d > n$ so
#   that memorisation is possible.
