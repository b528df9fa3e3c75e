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
# # Compressing Features for Learning with Noisy Labels
#
# {cite}`chen2022compressing` · [paper (IEEE TNNLS, arXiv:2206.13140)](https://arxiv.org/abs/2206.13140) ·
# [authors' code (yingyichen-cyy/Nested-Co-teaching)](https://github.com/yingyichen-cyy/Nested-Co-teaching).
# Everything below is our own implementation.
#
# A network trained on noisy labels eventually memorises them. The paper's remedy is an
# *inductive bias toward compression*: limit how much information the learned representation can
# carry, so that the network can keep the structure shared by many examples but has little room
# left for the idiosyncratic wrong labels. Two regularisers act on the last feature layer:
# Dropout, and Nested Dropout {cite}`rippel2014nested`, which truncates the representation at a
# random length and thereby *orders* the features by importance. A compressed model can then
# serve as the starting point of Co-teaching {cite}`han2018coteaching`, a sample-selection method.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Compressing the features (Dropout, and better Nested Dropout) reduces overfitting to
# noisy labels, and using the compressed models to initialise Co-teaching improves further,
# matching the state of the art on real-world noise (Clothing1M, ANIMAL-10N).
#
# **This chapter checks**, on scikit-learn digits with 40 % symmetric label noise (training and
# validation labels only), an MLP with a 128-dimensional feature layer, averaged over 5 seeds and
# at the *last* epoch (no early stopping):
# 1. *Nested Dropout vs cross-entropy*: test accuracy of Nested Dropout (truncation chosen on the
#    noisy validation split) is at least 2 points above plain cross-entropy;
# 2. *Nested + Co-teaching vs Co-teaching*: Co-teaching initialised from two Nested-Dropout models
#    reaches at least the test accuracy of Co-teaching from scratch (mean difference $\ge 0$);
# 3. *less memorisation*: the fraction of mislabelled training examples that Nested Dropout fits to
#    their wrong label is smaller than for cross-entropy.
#
# Thresholds 1 and 2 are the catalog's suggested check, 3 is the paper's explanation of claim 1;
# all were fixed before running the chapter.
# ```

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # seeds; 0 picks the scale's default
noise_rate = 0.4     # fraction of training labels flipped (symmetric noise)
dropout_p = 0.3      # Dropout rate on the features (authors' CIFAR-10 value)
nested_sigma = 10.0  # Nested Dropout width sigma (authors' CIFAR-10 value)

# %%
import copy
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

import repro
from repro.book import params
from repro.book.plotting import COLORS
from repro.data import datasets, label_noise
from repro.nn import training
from repro.papers.losses import feature_compression as fc
from repro.stats import intervals as stats
from repro.stats import memorization

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=50)
params.check_float("noise_rate", noise_rate, minimum=0.0, maximum=0.8)
params.check_float("dropout_p", dropout_p, minimum=0.0, maximum=0.95)
params.check_float("nested_sigma", nested_sigma, minimum=0.5, maximum=1000.0)
n_seeds = n_seeds or run.pick(5, 10)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## The method
#
# Split the network into features $h(x) \in \mathbb R^D$ and a linear classifier $W$. During
# training, the features pass through a compression layer before $W$:
#
# * **Dropout**: $\tilde h = m \odot h / (1-p)$ with $m_j \sim \mathrm{Bernoulli}(1-p)$;
# * **Nested Dropout**: on each mini-batch draw one length $k \in \{1, \dots, D\}$ with
#   $P(k) \propto \exp\!\big(-(k/\sigma)^2\big)$ and keep $\tilde h = (h_1, \dots, h_k, 0, \dots, 0)$.
#
# With Nested Dropout the first coordinate is used in every step, the $k$-th only when the draw
# reaches $k$, so the network learns to put the most useful information first; with $\sigma = 10$
# almost all draws keep fewer than 25 of the $D = 128$ features, a strong bottleneck. At test time
# we evaluate the classifier on every prefix length $k$ at once (a cumulative sum over features)
# and keep the $k$ with the best accuracy on a validation split that has the same noisy labels. The
# paper's bias-variance analysis argues that the compression trades a little bias for a large
# reduction of the variance term that noisy labels inflate.
#
# **Co-teaching** trains two networks; on each mini-batch each network ranks the examples by its own
# loss and hands the $1 - R(t)$ fraction with the smallest loss to the *other* network, which is
# updated on them; $R(t)$ grows linearly to the noise rate over the first epochs. The paper's
# combination first trains two Nested-Dropout networks, then fine-tunes them with Co-teaching.
# Code: `src/repro/papers/losses/feature_compression.py` (tests in `tests/test_feature_compression.py`); both
# Co-teaching networks are wrapped in one module so that `repro.nn.training.train` runs them.

# %%
print(inspect.getsource(fc.NestedDropout.forward))
print(inspect.getsource(fc.CoTeachingLoss.__call__))

# %% [markdown]
# ## The experiment
#
# scikit-learn's 8x8 digits (1257 training images, of which 20 % are held out as a validation split,
# and 540 clean test images, standardised). Exactly 40 % of the training and validation labels
# are moved to another class at random. Every model is an MLP $64 \to 256 \to 128$ (ReLU features)
# followed by a bias-free linear classifier, trained with Adam (learning rate $10^{-3}$, batch 128)
# for the same number of epochs, from the same initialisation and batch order per seed:
#
# * **CE**: cross-entropy, no compression; **Dropout** ($p = 0.3$); **Nested** ($\sigma = 10$);
# * **Co-teaching**: two CE networks trained jointly from scratch, $R(t)$ rising to 0.4 (the noise
#   rate, assumed known as in the paper) over 10 epochs;
# * **Nested + Co-teaching**: the Nested model and a second Nested model (another initialisation)
#   are fine-tuned with Co-teaching for a further number of epochs, $R(t)$ rising over 5 epochs.
#
# After every epoch we record the test accuracy (for Nested models at the $k$ chosen on the noisy
# validation split at that epoch) and the fraction of mislabelled training examples predicted as
# their wrong label. For Co-teaching we report the first network.

# %%
CFG = dict(hidden=run.pick([256], [512, 512]), feat_dim=128, epochs=run.pick(60, 300),
           finetune=run.pick(20, 60), lr=1e-3, batch_size=128, t_k=10, t_k_finetune=5)
METHODS = ["CE", "Dropout", "Nested", "Co-teaching", "Nested + Co-teaching"]


def one_seed(s: int) -> dict:
    data = datasets.digits(seed=s)
    rng = np.random.default_rng(s)
    y_noisy = torch.as_tensor(label_noise.symmetric(data.y_train.numpy(), 10, noise_rate, rng))
    perm = torch.as_tensor(rng.permutation(len(y_noisy)))
    va, tr = perm[:len(perm) // 5], perm[len(perm) // 5:]
    dev = run.device
    X_tr, y_tr, y_true = data.X_train[tr].to(dev), y_noisy[tr].to(dev), data.y_train[tr].to(dev)
    X_va, y_va = data.X_train[va].to(dev), y_noisy[va].to(dev)
    X_te, y_te = data.X_test.to(dev), data.y_test.to(dev)

    def make(compression, init_seed):
        torch.manual_seed(init_seed)
        return fc.FeatureNet(64, CFG["hidden"], CFG["feat_dim"], 10, compression, p=dropout_p,
                             sigma=nested_sigma, generator=torch.Generator().manual_seed(init_seed)).to(dev)

    def fit(model, net, loss, epochs, desc, t_k=None):
        hist = {"acc": [], "mem": [], "k": []}
        best = {"val": -1.0, "state": None}   # checkpoint with the best NOISY validation accuracy

        def record(epoch):
            if t_k is not None:                       # Co-teaching: R(t) for the next epoch
                loss.forget_rate = fc.forget_rate(epoch, noise_rate, t_k)
            net.eval()
            with torch.no_grad():
                k = fc.choose_k(net, X_va, y_va)[0] if net.compression == "nested" else None
                if k is not None:
                    net.compress.k = k
                val = (net(X_va).argmax(1) == y_va).float().mean().item()
                if val > best["val"]:
                    best.update(val=val, state=copy.deepcopy(net.state_dict()))
                hist["acc"].append(100 * (net(X_te).argmax(1) == y_te).float().mean().item())
                hist["mem"].append(memorization.fit_fractions(net(X_tr), y_true, y_tr)["memorized"])
                hist["k"].append(k or CFG["feat_dim"])
                if k is not None:
                    net.compress.k = None

        training.train(model, loss, X_tr, y_tr, epochs=epochs, batch_size=CFG["batch_size"], lr=CFG["lr"],
                       optimizer="adam", generator=torch.Generator().manual_seed(s), desc=f"{desc} seed {s}",
                       after_epoch=record)
        return {k: np.asarray(v) for k, v in hist.items()}, best["state"]

    out, nets, best_state = {}, {}, {}
    for name, comp in (("CE", "none"), ("Dropout", "dropout"), ("Nested", "nested")):
        nets[name] = make(comp, s)
        hist, best_state[name] = fit(nets[name], nets[name], F.cross_entropy, CFG["epochs"], name)
        out.update({f"{name}/{k}": v for k, v in hist.items()})
    pair = fc.CoTeachingPair(make("none", s), make("none", s + 500))
    loss = fc.CoTeachingLoss()
    hist, _ = fit(pair, pair.net1, loss, CFG["epochs"], "Co-teaching", t_k=CFG["t_k"])
    out.update({f"Co-teaching/{k}": v for k, v in hist.items()})
    second = make("nested", s + 500)                 # stage 1: a second Nested model
    _, second_best = fit(second, second, F.cross_entropy, CFG["epochs"], "Nested (2nd)")
    nets["Nested"].load_state_dict(best_state["Nested"])  # stage 2 starts from the best checkpoints
    second.load_state_dict(second_best)
    pair = fc.CoTeachingPair(nets["Nested"], second)  # stage 2: Co-teaching fine-tuning
    loss = fc.CoTeachingLoss()
    hist, _ = fit(pair, pair.net1, loss, CFG["finetune"], "Nested + Co-teaching", t_k=CFG["t_k_finetune"])
    out.update({f"Nested + Co-teaching/{k}": v for k, v in hist.items()})
    return out


curves = stats.over_seeds(one_seed, SEEDS, desc="seeds")

# %% [markdown]
# ## Results

# %%
E, E2 = CFG["epochs"], CFG["finetune"]
xs = {m: np.arange(1, E + 1) for m in METHODS}
xs["Nested + Co-teaching"] = np.arange(E + 1, E + E2 + 1)
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for name, c in zip(METHODS, COLORS):
    for ax, key in zip(axes, ("acc", "mem")):
        m, h = stats.mean_ci(curves[f"{name}/{key}"])
        ax.plot(xs[name], m, color=c, label=name)
        ax.fill_between(xs[name], m - h, m + h, color=c, alpha=0.15)
axes[0].set(xlabel="epoch", ylabel="clean test accuracy (%)", title="Test accuracy")
axes[1].set(xlabel="epoch", ylabel="fraction", title="Mislabelled training examples fitted to their WRONG label",
            ylim=(0, 1))
axes[0].axvline(E, color="grey", lw=0.8, ls=":")
axes[1].axvline(E, color="grey", lw=0.8, ls=":")
axes[0].legend(loc="lower left", fontsize=8)
fig.suptitle(f"MLP on digits, {noise_rate:.0%} symmetric noise (mean and 95% CI over {n_seeds} seeds); "
             f"Nested + Co-teaching fine-tunes after epoch {E}", fontsize=10)
fig.tight_layout()
plt.show()

# %%
final = {m: curves[f"{m}/acc"][:, -1] for m in METHODS}
peak = {m: curves[f"{m}/acc"].max(1) for m in METHODS}
mem = {m: curves[f"{m}/mem"][:, -1] for m in METHODS}
print(f"{'method':22s}{'final acc':>11s}{'peak acc':>10s}{'memorised':>11s}{'k (val)':>9s}")
for m in METHODS:
    print(f"{m:22s}{final[m].mean():9.1f} %{peak[m].mean():8.1f} %{mem[m].mean():11.2f}"
          f"{curves[f'{m}/k'][:, -1].mean():9.0f}")

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
claims = repro.Claims()
d1 = final["Nested"] - final["CE"]
claims.add("Nested Dropout beats cross-entropy at the last epoch under 40% symmetric noise",
           measured={"Nested - CE, final test accuracy (points, mean; per seed min)":
                     [round(float(d1.mean())), round(float(d1.min()))]},
           criterion=f"mean >= 2 points ({n_seeds} seeds)", passed=d1.mean() >= 2, fmt="{:.0f}")
d2 = final["Nested + Co-teaching"] - final["Co-teaching"]
claims.add("Co-teaching initialised from Nested-Dropout models is at least as good as Co-teaching",
           measured={"(Nested + Co-teaching) - Co-teaching, final test accuracy (points, mean)": round(float(d2.mean()))},
           criterion=f"mean >= 0 ({n_seeds} seeds)", passed=d2.mean() >= 0, fmt="{:.0f}")
claims.add("Nested Dropout memorises fewer wrong labels than cross-entropy",
           measured={"memorised fraction at the end, Nested / CE (mean)":
                     [round(float(mem["Nested"].mean()), 1), round(float(mem["CE"].mean()), 1)]},
           criterion="Nested < CE on every seed", passed=bool((mem["Nested"] < mem["CE"]).all()), fmt="{:.1f}")
claims.report()

# %% [markdown]
# **What reproduced.** Compression against memorisation is clear at this scale. Cross-entropy peaks
# within about ten epochs and then fits almost every wrong label, losing more than 20 points of test
# accuracy; Dropout on the features only slows this down. With Nested Dropout the network learns more
# slowly (early on it is held to a handful of features), but it keeps the mislabelled examples at
# their true class for the whole run: the fraction of wrong labels it fits stays close to the level
# reached by Co-teaching, and its last-epoch accuracy is far above cross-entropy's, with the
# truncation chosen on *noisy* validation labels. The validation split selects a short prefix of the
# ordered features (a few tens of the 128), as the paper's ordering argument predicts.
#
# **What did not.** Starting Co-teaching from two Nested-Dropout models did *not* beat Co-teaching
# from scratch here: it ends a few points lower on average. At this scale Co-teaching alone already
# prevents almost all memorisation (its curve barely declines), so there is little overfitting left
# for compression to remove, while the strong bottleneck ($\sigma = 10$, set for CIFAR-10's ResNet
# features in the authors' code and not tuned here) costs accuracy: the Nested models' peak is below
# the unconstrained networks' peak, and fine-tuning keeps that bottleneck. The paper's gains from the
# combination are on large real-noise datasets (Clothing1M, ANIMAL-10N) with pretrained or deep
# convolutional networks, where a single network overfits much more than two co-teaching MLPs do on
# 1000 digits; testing that headline needs those datasets. We report the claim as not reproduced
# rather than search for a $\sigma$ or a fine-tuning schedule that would flip it.
#
# ## Deviations from the paper
#
# * **Data and noise.** scikit-learn digits with synthetic 40 % symmetric noise instead of CIFAR-10/100
#   with synthetic noise and Clothing1M / ANIMAL-10N with real noise; no pair-flip noise.
# * **Model and optimiser.** An MLP with a 128-dimensional feature layer instead of ResNet-18/50 or
#   VGG-19 (512 to 2048 features); Adam at a constant learning rate instead of SGD with momentum,
#   warm-up, weight decay and step schedules; no data augmentation.
# * **Hyper-parameters.** Dropout rate 0.3 and Nested width $\sigma = 10$ are the authors' CIFAR-10
#   settings, used as is; the forget rate equals the true noise rate, as in Co-teaching.
# * **Model selection.** The paper saves the checkpoint with the best validation accuracy; we compare
#   methods at the last epoch (the claim is about overfitting) and use the best-on-noisy-validation
#   checkpoints only as the starting point of the Co-teaching fine-tuning, as the authors' recipe does.
# * **Co-teaching reporting.** We report the first network of each pair (the paper's code evaluates
#   both); the combined method also trains longer in total (its fine-tuning stage comes on top).
