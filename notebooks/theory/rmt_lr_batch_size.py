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
# # Learning Rates as a Function of Batch Size: A Random Matrix Theory Approach to Neural Network Training
#
# {cite}`granziol2022learning` · [JMLR 23(173), 2022](https://jmlr.org/papers/v23/20-1258.html)
# · [arXiv:2006.09092](https://arxiv.org/abs/2006.09092) · no public code was found; everything below
# is our own implementation.
#
# Practitioners scale the learning rate with the batch size: linearly for SGD ("linear scaling
# rule"), and more gently for Adam. Granziol, Zohren and Roberts derive such rules from the
# curvature of the loss. The Hessian of a mini-batch loss is the full-data Hessian plus a random
# fluctuation whose size shrinks with the batch size $B$. Modelling the fluctuation as a random
# matrix (a "spiked" model in which the full Hessian's outliers are perturbed by noise), they show
# that the extreme eigenvalues of the batch Hessian lie *outside* those of the full Hessian, by an
# amount that decreases like $1/B$. Since a gradient step of size $\eta$ is stable only while
# $\eta\,\lambda_{\max} \lesssim 2$, the largest usable learning rate then grows with the batch
# size: linearly for SGD as long as the $1/B$ term dominates, and like $\sqrt B$ for adaptive
# methods such as Adam.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (i) The largest eigenvalue of the mini-batch Hessian exceeds that of the full-data
# Hessian, and the excess decreases with the batch size, $\lambda_{\max}(B)\approx\lambda_{\rm full}+c/B$;
# (ii) hence the maximal stable learning rate grows linearly with $B$ for SGD and as $\sqrt B$ for
# Adam, for $B$ well below the dataset size (validated on VGG and WideResNets on CIFAR-100 and
# ImageNet).
#
# **This chapter checks**, on a 64-32-10 MLP trained on scikit-learn's digits to a mid-training
# checkpoint, with the catalog's thresholds fixed before running:
# 1. the mean (over random batches) top eigenvalue of the batch Hessian exceeds the full-data one
#    for every $B \in \{8,\dots,512\}$ (the training set has 1258 images);
# 2. the law $\lambda_{\rm full}+c/B$, with $\lambda_{\rm full}$ the measured full-data value and only $c$
#    fitted, explains the batch means with $R^2 \ge 0.9$;
# 3. the log-log slope of the largest stable SGD learning rate against $B\in\{8,\dots,256\}$ lies in
#    $[0.6, 1.2]$ (linear scaling);
# 4. the same slope for Adam lies in $[0.3, 0.7]$ (square-root scaling), and is below the SGD slope.
#
# For claims 3 and 4 the slope is measured from three independent checkpoints, and a claim counts as
# reproduced only if the whole 95 % confidence interval over checkpoints satisfies it (a first run,
# with a point estimate, gave slopes of 0.59 to 0.66, on the edge of the band, and verdicts that
# changed with the seed).
#
# A learning rate counts as stable when 200 steps from the checkpoint, for each of two random batch
# sequences, stay finite and end with a lower full training loss than the checkpoint's; the edge
# is averaged (geometric mean) over three independent checkpoints.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"

# %%
import copy
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

import repro
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.curvature import batch_hessian as bh
from repro.data import datasets
from repro.nn import models
from repro.scaling.fits import loglog_slope
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)
dev = "cpu"  # a 2,410-parameter MLP: float64 Lanczos on the CPU is faster than a GPU round trip

HIDDEN = 32
BATCHES = [8, 16, 32, 64, 128, 256, 512]        # batch sizes for the Hessian spectra
N_BATCH_DRAWS = run.pick(80, 400)               # random batches per batch size
LR_BATCHES = [8, 16, 32, 64, 128, 256]          # batch sizes for the learning-rate search
LR_STEPS = run.pick(200, 500)                   # training steps of a stability test
LR_SEQS = run.pick(2, 4)                        # batch sequences that must all stay stable
N_CKPTS = run.pick(3, 5)                        # independent checkpoints averaged in the lr search
BISECT_ITERS = run.pick(8, 12)
CKPT_STEPS, CKPT_LR, CKPT_B = 150, 0.05, 32     # the mid-training checkpoint

# %% [markdown]
# ## Method
#
# **Batch Hessians.** For a batch $\mathcal B$ of size $B$ drawn without replacement, the batch loss
# $L_{\mathcal B}(\theta)=\frac1B\sum_{i\in\mathcal B}\ell_i(\theta)$ has Hessian
# $H_{\mathcal B}=H+\varepsilon_{\mathcal B}$ with $H$ the full-data Hessian and a zero-mean fluctuation
# $\varepsilon_{\mathcal B}$ whose entries have variance $\propto 1/B$ (times $(1-B/n)$ without
# replacement). In the paper's spiked random-matrix model an outlier $\lambda$ of $H$ is pushed to
# $\lambda+\sigma^2/(B\lambda)$-type values, giving the $\lambda_{\rm full}+c/B$ law we test. We compute
# the top eigenvalue with Lanczos iterations on exact Hessian-vector products (double
# back-propagation, float64), with `repro.curvature.hessian.top_eigenvalues`, for 80 random batches per $B$
# (400 at full scale) at one fixed parameter vector.
#
# **Stable learning rates.** A step $\theta\leftarrow\theta-\eta\nabla L_{\mathcal B}$ on a quadratic
# with curvature $\lambda$ diverges once $\eta>2/\lambda$, so $\eta_{\max}(B)\approx 2/\lambda_{\max}(B)$,
# which is $\approx 2B/c$ (linear) while $c/B\gg\lambda_{\rm full}$. For Adam, whose step is divided by
# the root of a running average of squared gradients (whose noise part also scales as $1/B$), the
# paper obtains $\eta_{\max}\propto\sqrt B$. We measure $\eta_{\max}$ directly: bisection in $\log\eta$ for
# the edge between stable and unstable 200-step runs from the checkpoint.
# The code is `src/repro/curvature/batch_hessian.py` (tests in `tests/test_batch_hessian.py`: the eigenvalues
# of a least-squares batch Hessian against the closed form $2X_{\mathcal B}^\top X_{\mathcal B}/B$,
# the fit and the bisection on known cases).

# %%
print(inspect.getsource(bh.batch_top_eigenvalues))

# %% [markdown]
# ## The checkpoint
#
# A 64-32-10 ReLU MLP (PyTorch's default initialisation, float64) is trained with SGD
# (learning rate 0.05, batch 32) for 150 steps on 70 % of the 1797 digits; this mid-training point
# (training accuracy around 90 %) is where every spectrum and every stability test starts. The
# spectra use one checkpoint; the learning-rate search is repeated from three independent
# checkpoints (different initialisations and batch orders) and averaged geometrically.

# %%
data = datasets.digits(seed=run.seed, dtype=torch.float64)
X, y = data.X_train, data.y_train
n = len(X)


def make_checkpoint(init_seed):
    """PyTorch-default MLP trained CKPT_STEPS SGD steps; returns (model, state, train loss, accuracy)."""
    torch.manual_seed(init_seed)
    net = models.mlp(64, [HIDDEN], 10).double()
    opt = torch.optim.SGD(net.parameters(), lr=CKPT_LR)
    gen = torch.Generator().manual_seed(init_seed)
    for _ in range(CKPT_STEPS):
        idx = torch.randint(0, n, (CKPT_B,), generator=gen)
        opt.zero_grad()
        F.cross_entropy(net(X[idx]), y[idx]).backward()
        opt.step()
    with torch.no_grad():
        out = net(X)
        return net, copy.deepcopy(net.state_dict()), F.cross_entropy(out, y).item(), (out.argmax(1) == y).double().mean().item()


checkpoints = [make_checkpoint(100 * run.seed + k) for k in range(N_CKPTS)]
model, checkpoint, loss0, acc0 = checkpoints[0]
print(f"n_train={n}, parameters={models.n_parameters(model)}; checkpoints' train loss "
      f"{[round(c[2], 2) for c in checkpoints]}, train accuracy {[round(c[3], 2) for c in checkpoints]}")

# %% [markdown]
# ## Experiment 1: the top eigenvalue of batch Hessians

# %%
params = list(model.parameters())


def loss_on(idx):
    return F.cross_entropy(model(X[idx]), y[idx])


lam_full = bh.batch_top_eigenvalues(loss_on, params, n, n, 1, run.rng)[0]
lam_batches = np.array([bh.batch_top_eigenvalues(loss_on, params, n, B, N_BATCH_DRAWS, run.rng)
                        for B in progress(BATCHES, desc="batch sizes")])      # (B, draw)
lam_mean, lam_err = mean_ci(lam_batches, axis=1)
a_fix, c_fix, r2_fix = bh.fit_inverse_batch(BATCHES, lam_mean, intercept=lam_full)
a_free, c_free, r2_free = bh.fit_inverse_batch(BATCHES, lam_mean)
print(f"full-data lambda_max = {lam_full:.2f}")
print(f"fit with the measured intercept: c = {c_fix:.0f}, R^2 = {r2_fix:.2f}; "
      f"free fit: a = {a_free:.2f}, c = {c_free:.0f}, R^2 = {r2_free:.2f}")

# %% [markdown]
# ## Experiment 2: the largest stable learning rate

# %%
def stable(opt_name, lr, B, ckpt):
    net, state, start_loss, _ = ckpt
    for s in range(LR_SEQS):
        net.load_state_dict(state)
        o = (torch.optim.SGD if opt_name == "SGD" else torch.optim.Adam)(net.parameters(), lr=lr)
        g = torch.Generator().manual_seed(1000 * run.seed + s)
        for _ in range(LR_STEPS):
            idx = torch.randint(0, n, (B,), generator=g)
            o.zero_grad()
            loss = F.cross_entropy(net(X[idx]), y[idx])
            if not torch.isfinite(loss):
                return False
            loss.backward()
            o.step()
        with torch.no_grad():
            final = F.cross_entropy(net(X), y).item()
        if not (np.isfinite(final) and final < start_loss):
            return False
    return True


ranges = {"SGD": (1e-3, 1e3), "Adam": (1e-5, 10.0)}
lr_all = {name: np.array([[bh.max_stable_lr(lambda lr: stable(name, lr, B, ck), *ranges[name], BISECT_ITERS)
                           for B in LR_BATCHES] for ck in progress(checkpoints, desc=name)]) for name in ranges}
lr_max = {name: np.exp(np.log(v).mean(0)) for name, v in lr_all.items()}  # geometric mean over checkpoints
slopes = {name: loglog_slope(LR_BATCHES, v) for name, v in lr_max.items()}
slope_ck = {name: np.array([loglog_slope(LR_BATCHES, row) for row in v]) for name, v in lr_all.items()}
slope_m, slope_ci = {}, {}
for name, v in {**slope_ck, "SGD - Adam": slope_ck["SGD"] - slope_ck["Adam"]}.items():
    m, h = mean_ci(v)
    slope_m[name], slope_ci[name] = float(m), (float(m - h), float(m + h))
    print(f"slope {name}: per checkpoint {np.round(v, 2)}, mean {m:.2f}, 95% CI [{m - h:.2f}, {m + h:.2f}]")
for name, v in lr_max.items():
    print(f"{name}: largest stable learning rate {np.round(v, 3)}; log-log slope {slopes[name]:.2f}")
print("2 / lambda_max(B) (the curvature bound, SGD):", np.round(2 / lam_mean[:len(LR_BATCHES)], 3))
small = [i for i, B in enumerate(LR_BATCHES) if B <= 32]
print(f"crossover batch size c / lambda_full = {c_fix / lam_full:.0f}; slopes over B <= 32: "
      + ", ".join(f"{k} {loglog_slope(np.array(LR_BATCHES)[small], v[small]):.2f}" for k, v in lr_max.items()))

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
ax = axes[0]
Bs = np.array(BATCHES, float)
grid = np.geomspace(Bs.min(), Bs.max(), 100)
ax.errorbar(Bs, lam_mean, yerr=lam_err, fmt="o", color=COLORS[0], capsize=2,
            label=f"batch Hessian, mean ± 95% CI of {N_BATCH_DRAWS} batches")
ax.plot(grid, lam_full + c_fix / grid, "-", color=COLORS[1], label=f"λ_full + c/B, c = {c_fix:.0f}")
ax.axhline(lam_full, color="grey", ls="--", label="full-data Hessian")
ax.set(xscale="log", xlabel="batch size B", ylabel="top Hessian eigenvalue",
       title="Batch Hessians are sharper than the full Hessian")
ax.set_xticks(BATCHES, [str(b) for b in BATCHES])
ax.set_xticks([], minor=True)
ax.legend(fontsize=8)
ax = axes[1]
for c, (name, v) in enumerate(lr_max.items()):
    ax.plot(LR_BATCHES, v, "o-", color=COLORS[c], label=f"{name} (slope {slopes[name]:.2f})")
ax.plot(LR_BATCHES, 2 / lam_mean[:len(LR_BATCHES)], ":", color=COLORS[0], label="SGD bound 2/λ_max(B)")
ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="largest stable learning rate",
       title="Stable learning rate against batch size")
ax.set_xticks(LR_BATCHES, [str(b) for b in LR_BATCHES])
ax.set_xticks([], minor=True)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
claims = repro.Claims()
claims.add("Batch-Hessian top eigenvalue exceeds the full-data one for every B in 8..512",
           measured={"smallest mean batch / full ratio": (lam_mean / lam_full).min()},
           criterion="> 1 at every B", fmt="{:.2f}", passed=bool(np.all(lam_mean > lam_full)))
claims.add("lambda_max(B) follows lambda_full + c/B (lambda_full measured, c fitted)",
           measured={"R^2": r2_fix}, criterion="R^2 >= 0.9", fmt="{:.2f}", passed=r2_fix >= 0.9)
lo, hi = slope_ci["SGD"]
claims.add("Largest stable SGD learning rate grows linearly with B (B = 8..256)",
           measured={"slope": slope_m["SGD"], "95% CI low": lo, "95% CI high": hi},
           criterion="the 95% CI over checkpoints lies inside [0.6, 1.2]", fmt="{:.2f}",
           passed=0.6 <= lo and hi <= 1.2)
lo, hi = slope_ci["Adam"]
dlo, _ = slope_ci["SGD - Adam"]
claims.add("Largest stable Adam learning rate grows as sqrt(B), more slowly than SGD's",
           measured={"slope": slope_m["Adam"], "95% CI low": lo, "95% CI high": hi,
                     "SGD - Adam slope, CI low": dlo},
           criterion="the 95% CI lies inside [0.3, 0.7] and the SGD - Adam CI lies above 0", fmt="{:.2f}",
           passed=0.3 <= lo and hi <= 0.7 and dlo > 0)
claims.report()

# %% [markdown]
# **Verdict.** The spectral half of the paper reproduces, with the same verdicts for seeds 0, 1 and 2:
# the top eigenvalue of every batch Hessian exceeds the full-data one, by a margin that shrinks as
# the batch grows, and $\lambda_{\rm full}+c/B$ with the measured $\lambda_{\rm full}$ and one fitted
# constant explains the batch means ($R^2$ 0.93 to 0.98). Near $B = 512$ (40 % of the training
# set) the excess is only 1-2 %, as expected when batches are drawn without replacement.
#
# The learning-rate half is **not reproduced** at this scale. The largest stable SGD learning rate
# does grow with the batch size, but with a log-log slope of about 0.6 over $B = 8\dots256$, at the
# lower edge of the band, so the 95 % interval over checkpoints is not inside it; and Adam's slope
# (about 0.6-0.7) is not smaller than SGD's, let alone close to 1/2. The spectra explain part of the
# first finding: with $c/\lambda_{\rm full}\approx 20$-$30$, the $1/B$ term dominates only for
# $B\lesssim 30$, and the curvature bound $2/\lambda_{\max}(B)$ itself flattens beyond that; over
# $B\le 32$ the measured SGD slope is steeper (about 0.8, printed above). The measured edges also lie
# above $2/\lambda_{\max}(B)$ at large $B$: with a cross-entropy loss, a run can pass through an
# unstable phase and still end below its starting loss, so the operational edge is not exactly the
# curvature bound. Testing the paper's rules faithfully would need a regime with a much larger
# noise constant $c/\lambda_{\rm full}$ (larger models and datasets, as in the paper) and the paper's
# protocol of full training runs.
#
# **Deviations from the paper.**
# - Scale: a 2,410-parameter MLP on the 8x8 digits instead of VGG-16 and WideResNets on CIFAR-100
#   and ImageNet; the spectra are measured at one mid-training checkpoint rather than along training.
# - The stability edge is an operational definition of ours (from the catalog): 200 SGD or Adam steps
#   from the checkpoint that stay finite and lower the full training loss, for every one of two batch
#   sequences; the paper instead trains to completion at learning rates scaled by its rules and
#   compares the results.
# - Adam keeps PyTorch's defaults ($\beta_1=0.9$, $\beta_2=0.999$, $\epsilon=10^{-8}$); the
#   paper's square-root rule concerns the small-batch regime, where the $\epsilon$ term does not matter.
