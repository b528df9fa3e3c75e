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
# # An accurate detection is not all you need to combat label noise in web-noisy datasets
#
# {cite}`albert2024lsa` · [paper (ECCV 2024)](https://www.ecva.net/papers/eccv_2024/papers_ECCV/papers/06511.pdf) ·
# [authors' code (PaulAlbert31/LSA)](https://github.com/PaulAlbert31/LSA). Everything below is our
# own implementation.
#
# Images crawled from the web under a class name are often wrong in two ways: some show another
# class (*in-distribution*, ID, noise) and some show none of the classes at all
# (*out-of-distribution*, OOD, noise). Methods against label noise usually find noisy examples by
# their large training loss. The paper starts from an observation made in the representation space
# of self-supervised contrastive learning: there, the OOD images sit on one side of a hyperplane.
# Estimating that hyperplane ("linear separation") detects OOD images far more accurately than the
# loss does, yet training on what it keeps is not more accurate; the authors trace this to clean
# examples that the two detectors treat differently, and alternate the two detectors during
# training.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (i) In unsupervised contrastive features, a linear separation of ID from OOD examples
# detects the OOD noise almost perfectly, much better than a small-loss criterion; (ii) this better
# detection does *not* give a more accurate classifier than the small-loss criterion; (iii)
# alternating the two detectors during training beats both (combined with PLS, it improves the
# state of the art on web-noisy benchmarks such as mini-WebVision and Controlled Noisy Web Labels).
#
# **This chapter checks**, on digits with 30 % of their labels flipped plus 800 OOD patches cut from
# photographs, each given a random digit label (so that over half of the training set is noisy, as
# in web-crawled data), with an MLP classifier trained end to end on the pixels long enough to
# memorise the noise, and the linear separation fitted in frozen SimCLR features, averaged over 3
# seeds (each with its own noise, patches and encoder):
# 1. *detection*: at the first detection (same warm-up model), linear separation has an OOD AUROC
#    at least 0.05 higher than the small-loss criterion's, and at least 0.95 ("near-perfect");
# 2. *accuracy*: the classifier trained with linear-separation detection is **not** more accurate
#    on the clean test set than the one trained with small-loss detection (mean accuracy of linear
#    separation <= mean accuracy of small loss);
# 3. *hybrid*: alternating the two detectors round by round is more accurate than the better of the
#    two single detectors: the paired 95 % CI of the accuracy difference lies above 0. (The catalog
#    asked for a mean ">=", which a tie within seed noise passes or fails at random; a first run, in an
#    earlier version of this experiment with a classifier on frozen features,
#    showed differences of a fraction of a point in both directions, so we ask for what the paper
#    claims, an improvement, which is the stricter test.)
#
# Thresholds fixed before running: 0.05 and 0.95 translate "much better" and "near-perfect", claim
# 2 is the paper's ordering with no margin.
# ```

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # repetitions; 0 picks the scale's default
id_noise = 0.3       # fraction of digit labels flipped (symmetric)
n_ood = 800          # OOD patches added to the 1257 training digits

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import roc_auc_score

import repro
from repro.book import params
from repro.book.plotting import COLORS
from repro.data import label_noise
from repro.nn import contrastive, models
from repro.papers.losses import web_noise
from repro.stats import intervals as stats

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=50)
params.check_float("id_noise", id_noise, minimum=0.0, maximum=0.6)
params.check_int("n_ood", n_ood, minimum=10, maximum=5000)
n_seeds = n_seeds or run.pick(3, 10)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3")
SEEDS = [1000 * seed + i for i in range(n_seeds)]
K = 10
SSL = dict(epochs=run.pick(40, 200), batch_size=256, lr=1e-3, temperature=0.2, rep_dim=32,
           hidden=run.pick(256, 512))
TRAIN = dict(rounds=run.pick(4, 8), warmup_epochs=5, epochs_per_round=run.pick(20, 40),
             hidden=run.pick((256, 256), (512, 512)), lr=3e-3, batch_size=128)
SCHEDULES = {"no detection": ("none",), "small loss": ("loss",), "linear separation": ("linear",),
             "hybrid (alternate)": ("linear", "loss")}

# %% [markdown]
# ## A web-noisy toy: digits plus photograph patches
#
# The 1257 training digits of scikit-learn (pixels in [0, 1]) get 30 % of their labels flipped to
# another digit (ID noise). We add 800 OOD images: 8x8 grey-level patches, each the 4x4 average
# pooling of a random 32x32 crop of one of the two photographs bundled with scikit-learn, scaled to
# [0, 1], each with a uniformly random digit label. With 377 flipped digits, 57 % of the training
# set is therefore noisy; the test set is the 540 clean test digits.

# %%
fig, axes = plt.subplots(2, 10, figsize=(10, 2.3))
demo_digits = contrastive.digit_images(0)[0][:10].numpy()
demo_ood = web_noise.ood_patches(10, np.random.default_rng(0))
for i in range(10):
    for ax, im in zip(axes[:, i], (demo_digits[i], demo_ood[i])):
        ax.imshow(im.reshape(8, 8), cmap="gray_r")
        ax.set_axis_off()
axes[0, 0].set_title("digits (ID)", fontsize=8, loc="left")
axes[1, 0].set_title("photo patches (OOD)", fontsize=8, loc="left")
plt.show()

# %% [markdown]
# ## The detectors
#
# A SimCLR encoder (`repro.nn.contrastive`) is trained on all 2057 training images without labels;
# its 32-dimensional representations are frozen and serve the linear separation only. The classifier
# is a two-hidden-layer MLP (256 units) trained end to end on the 64 pixels with the noisy labels, so
# that, like the paper's networks, it can memorise wrong labels: a short warm-up on everything, then
# 4 rounds of 20 epochs. Each round first *detects* noisy examples with the current classifier, then
# trains only on the rest (they get weight 0 in the loss):
#
# * **small loss**: min-max normalise the per-example cross-entropies $\ell_i$ and fit a
#   two-component Gaussian mixture; example $i$ is noisy when the posterior of the high-loss
#   component exceeds $1/2$;
# * **linear separation**: fit a logistic regression $p(\text{noisy}\mid z) = \sigma(w^\top z + b)$ on the
#   standardised contrastive features, separating the examples the small-loss rule calls clean
#   from those it calls noisy (balanced class weights, no penalty, as in the authors' code), and
#   call noisy whatever lands on the noisy side. The hyperplane lives in the label-free feature
#   space, so it can only capture what is linearly visible there;
# * **hybrid**: linear separation in even rounds, small loss in odd rounds.
#
# OOD detection quality is the AUROC of each detector's noisy probability against the OOD indicator.

# %%
print(inspect.getsource(web_noise.linear_separation_detect))
print(inspect.getsource(web_noise.train_with_detection))


# %%
def one_seed(s: int) -> dict:
    rng = np.random.default_rng(s)
    Xtr, ytr, Xte, yte = contrastive.digit_images(s)
    y_id = label_noise.symmetric(ytr.numpy(), K, id_noise, rng)
    X_ood = torch.tensor(web_noise.ood_patches(n_ood, rng), dtype=Xtr.dtype)
    X = torch.cat([Xtr, X_ood])
    y = torch.as_tensor(np.concatenate([y_id, rng.integers(0, K, n_ood)]))
    is_ood = np.r_[np.zeros(len(Xtr), bool), np.ones(n_ood, bool)]
    is_idn = np.r_[y_id != ytr.numpy(), np.zeros(n_ood, bool)]
    clean = ~is_ood & ~is_idn
    model, _ = contrastive.train_simclr(X.to(run.device), seed=s, desc=f"SimCLR seed {s}", **SSL)
    X, X_te = X.to(run.device), Xte.to(run.device)
    Z = contrastive.features(model, X)
    y, y_te = y.to(run.device), yte.to(run.device)
    out = {}
    for name, sched in SCHEDULES.items():
        auc = []

        def record(r, m, rec, auc=auc, sched=sched):
            auc.append(roc_auc_score(is_ood, rec["score"]) if sched != ("none",) else np.nan)

        clf, hist = web_noise.train_with_detection(Z, y, K, inputs=X, schedule=sched, seed=s,
                                                   after_round=record, **TRAIN)
        out[f"acc/{name}"] = float((models.predict(clf, X_te).argmax(1) == y_te).float().mean())
        out[f"auc/{name}"] = np.asarray(auc)
        kept = ~hist[-1]["noisy"]
        out[f"kept ood/{name}"] = kept[is_ood].mean()
        out[f"kept id-noise/{name}"] = kept[is_idn].mean()
        out[f"kept clean/{name}"] = kept[clean].mean()
    return out


R = stats.over_seeds(one_seed, SEEDS, desc="seeds")

# %% [markdown]
# ## Results

# %%
print(f"{'':20s}{'test acc (%)':>14s}{'OOD AUROC, round 1':>20s}{'kept: clean':>13s}{'ID-noisy':>10s}{'OOD':>7s}")
for name in SCHEDULES:
    m, h = stats.mean_ci(100 * R[f"acc/{name}"])
    auc = R[f"auc/{name}"][:, 0].mean()
    print(f"{name:20s}{m:9.1f} ± {h:3.1f}{auc:17.3f}   {R[f'kept clean/{name}'].mean():10.2f}"
          f"{R[f'kept id-noise/{name}'].mean():10.2f}{R[f'kept ood/{name}'].mean():7.2f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
rounds = np.arange(1, TRAIN["rounds"] + 1)
for i, name in enumerate(list(SCHEDULES)[1:], 1):
    m = R[f"auc/{name}"].mean(0)
    axes[0].plot(rounds, m, "o-", color=COLORS[i], label=name)
axes[0].set_xlabel("detection round")
axes[0].set_ylabel("OOD AUROC")
axes[0].set_title("OOD detection (mean over seeds)", fontsize=10)
axes[0].legend(fontsize=8)
for i, name in enumerate(SCHEDULES):
    v = 100 * R[f"acc/{name}"]
    m, h = stats.mean_ci(v)
    axes[1].barh(i, m, xerr=h, color=COLORS[i], capsize=3)
    axes[1].plot(v, np.full(len(v), i), "k.", ms=3)
axes[1].set_yticks(range(len(SCHEDULES)), list(SCHEDULES), fontsize=8)
axes[1].invert_yaxis()
axes[1].set_xlim(50, 100)
axes[1].set_xlabel("clean test accuracy (%)")
axes[1].set_title(f"accuracy (mean, 95% CI, {n_seeds} seeds)", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
claims = repro.Claims()
auc_lin, auc_sl = R["auc/linear separation"][:, 0].mean(), R["auc/small loss"][:, 0].mean()
claims.add("Linear separation in contrastive features detects OOD noise far better than small loss",
           measured={"OOD AUROC linear separation": round(float(auc_lin), 2),
                     "OOD AUROC small loss": f"{auc_sl:.1f}"},
           criterion="linear >= small loss + 0.05 and linear >= 0.95 (first detection, mean over seeds)",
           passed=auc_lin >= auc_sl + 0.05 and auc_lin >= 0.95, fmt="{:.2f}")
acc = {n: 100 * R[f"acc/{n}"].mean() for n in SCHEDULES}
claims.add("The better OOD detection does not give a more accurate classifier than small loss",
           measured={"linear - small loss test accuracy (points)": "<= 0" if acc["linear separation"] <= acc["small loss"] else "> 0"},
           criterion="mean accuracy of linear separation <= mean accuracy of small loss",
           passed=acc["linear separation"] <= acc["small loss"])
best = max(("linear separation", "small loss"), key=lambda n: acc[n])
m3, h3 = stats.mean_ci(100 * (R["acc/hybrid (alternate)"] - R[f"acc/{best}"]))
claims.add("Alternating the two detectors is more accurate than the better single detector",
           measured={"better single detector": best,
                     "hybrid - better single (paired CI)": "above 0" if m3 - h3 > 0 else
                     ("below 0" if m3 + h3 < 0 else "contains 0")},
           criterion=f"paired 95% CI above 0 ({n_seeds} seeds)", passed=m3 - h3 > 0)
claims.report()

# %% [markdown]
# **Verdict.** Claims 1 and 2 reproduce, claim 3 does not; the verdicts are the same for base seeds
# 0, 1 and 2, with wide margins.
#
# 1. *Detection reproduces.* In the label-free SimCLR space the photograph patches lie on one side of
#    a hyperplane. A logistic regression fitted to the small-loss detector's own noisy/clean split
#    finds that hyperplane from imperfect trust and flags the OOD images with an AUROC of 1.00. The
#    small-loss rule it was fitted on gets about 0.75.
# 2. *Better detection does not mean better accuracy: reproduces.* The classifier trained on the
#    pixels memorises wrong labels: with no detection it loses about 20 points of clean test
#    accuracy. Linear separation removes almost all OOD images, yet it is about as inaccurate as no
#    detection at all (about 77 % against about 95 % for small loss). The reason shows in the
#    "kept" columns: the hyperplane cannot see in-distribution noise, because a digit "7" labelled
#    "3" looks like any other 7 in a space learnt without labels. So it keeps every flipped digit,
#    and the network memorises them. The small-loss rule drops over 90 % of the flipped digits and
#    keeps part of the OOD patches, which do little harm to digit classification. Here the
#    mechanism behind the paper's point is ID noise. The paper explains it differently: linear
#    separation also discards the clean examples that matter. We did not see that (it keeps all
#    the clean digits).
# 3. *The hybrid does not reproduce.* Alternating the detectors every round is 15 to 20 points
#    *worse* than small loss alone. During each linear-separation round (20 epochs) the network
#    memorises the flipped digits it kept. By the following small-loss round their losses are small, and
#    the rule can no longer find them (about 90 % of them stay in). The paper alternates inside
#    a much stronger pipeline (PLS, with pseudo-labels for the ID noise and mixup),
#    and that pipeline handles the ID noise the linear separation leaves behind. Our plain
#    discard-and-retrain loop has nothing that plays this role.
#
# Testing the headline (state of the art on mini-WebVision and Controlled Noisy Web Labels) would
# need real web-crawled images, a ResNet trained for hundreds of epochs, and the full PLS pipeline
# with the linear separation in place of its detector. All of that is out of scope.
#
# ## Deviations from the paper
#
# * **Data.** scikit-learn digits with symmetric label flips (ID noise) and 8x8 patches of the two
#   bundled photographs (OOD noise) replace mini-WebVision, Controlled Noisy Web Labels and CIFAR
#   with injected ImageNet32/Places365 images.
# * **Models.** A small SimCLR MLP encoder (`repro.nn.contrastive`, trained for 40 epochs) supplies the
#   features for the linear separation. The classifier is a separate MLP on the pixels, trained
#   with Adam from scratch. The paper uses ResNets and trains its classifier within PLS.
# * **Detectors and training.** Our small loss is a 2-component GMM on the normalised losses, as in
#   DivideMix/PLS. Flagged examples are discarded rather than relabelled, and detection happens
#   every 20 epochs instead of every epoch. The hybrid alternates per round. The trusted sets for
#   the linear separation come from the small-loss detection, as in the authors' code.
# * **Scale.** 3 repetitions per run (10 at `full` scale), 4 rounds of 20 epochs.
