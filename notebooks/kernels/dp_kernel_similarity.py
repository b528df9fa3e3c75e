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
# # Efficiently Computing Similarities to Private Datasets
#
# {cite}`backurs2024efficiently` · [arXiv:2403.08917](https://arxiv.org/abs/2403.08917) (ICLR 2024)
# · no official code repository was found; everything below is our own implementation.
#
# Many private-learning pipelines need one primitive: the total similarity
# $\sum_{x\in X} f(x,y)$ between a query $y$ (public or synthetic data) and a private data set $X$.
# Backurs, Lin, Mahabadi, Silwal and Tarnawski ask for a *data structure* that is built once from
# $X$ under differential privacy (DP) and then answers any number of such queries for free. Their
# algorithms exploit low-dimensional structure in $f$: a Gaussian kernel survives a random
# projection to few dimensions, smooth kernels are short sums of exponentials, and an $\ell_1$
# distance splits into one-dimensional problems, one per coordinate. They also point out that a
# classifier that assigns a query to the private class of highest *average* similarity is a DP
# method that costs one pass over the data, orders of magnitude faster than DP-SGD training at
# comparable accuracy (their Sec. 11, with pretrained image embeddings).

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** DP data structures for kernel and distance sums with better privacy-utility
# trade-offs and faster queries than prior ones, thanks to low-dimensional structure
# (dimensionality reduction, function approximation, one-dimensional decompositions); and DP
# classification by average similarity that is orders of magnitude faster than DP-SGD for
# comparable accuracy.
#
# **This chapter tests** (criteria declared in the box below, before anything runs):
# * *headline*: a DP data structure built from low-dimensional structure (random Fourier features
#   for Gaussian-kernel sums; the one-dimensional decomposition for $\ell_1$ distance sums) answers
#   a workload of queries at $\varepsilon = 1$ with a smaller error than the **naive Laplace
#   mechanism**, which answers each query exactly plus Laplace noise, splitting $\varepsilon$ over
#   the queries. The naive mechanism wins when there are few queries and loses when there are many,
#   so the claim is tested at two workload sizes, fixed before running: the number of queries the
#   chapter evaluates (200 kernel queries, 60 $\ell_1$ queries) and ten times as many. The paper's
#   improvements over *prior data structures* are asymptotic bounds and are not measured here;
# * *supporting*: on scikit-learn's digits at $(\varepsilon, \delta) = (1, 10^{-5})$, the
#   average-similarity classifier is within 5 accuracy points of DP-SGD logistic regression (the
#   catalog's reading of "comparable accuracy"), both tuned on a validation split; the speed claim
#   is recorded as not testable here (reason in the box);
# * *sanity*: the scaling laws of the injected noise ($1/(\varepsilon n)$ for kernel sums; an
#   $\ell_1$ error independent of $n$ and growing like $d^{3/2}$). They re-measure noise that the code
#   adds at a known scale, so they hold by construction.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
EXPONENT_WAS = "counted claim, exponent within a tolerance"
EXPONENT_WHY = ("it re-measures the Laplace noise the code injects at a known scale, so it holds by "
                "construction: a check of our code, not of the paper")
claims.declare(
    "beats_naive_laplace", kind="headline",
    statement=("At eps = 1, the DP data structures (RFF kernel mean, n = 10000; 1-d decomposition for l1 "
               "sums, n = 16000, d = 8) answer a query workload with lower mean absolute error than the naive "
               "Laplace mechanism splitting eps over the workload, at the chapter's workload and at 10x it"),
    metric="log mean |error| of the structure (kernel: against the exact kernel mean; l1: the exact sum)",
    paired_with="log mean |error| of the naive Laplace mechanism on the same data and queries",
    better="lower", margin=0.0, fmt="{:+.1f}",
    changed=repro.Change(
        what="headline: a comparison with the naive Laplace baseline",
        was="no baseline; the four scaling exponents of the injected noise were the counted claims",
        why="the referee: the exponents hold by construction; the claim needs a baseline that could win"))
claims.declare(
    "comparable_accuracy", kind="supporting",
    statement=("DP classification on digits at (eps, delta) = (1, 1e-5): average similarity is within 5 points "
               "of DP-SGD logistic regression in test accuracy, hyper-parameters chosen on a validation split"),
    metric="test accuracy of the similarity classifier (points)", paired_with="that of DP-SGD, same split",
    better="higher", margin=-5.0, fmt="{:+.0f}",
    changed=repro.Change(
        what="hyper-parameter selection and replication",
        was=("both methods credited with their best *test* accuracy over their grids, one split, noise draws "
             "averaged"),
        why="the referee: never tune on the test split; independent splits and noise draws are the runs"))
claims.not_testable(
    "orders_faster", kind="supporting",
    statement="DP classification by average similarity is orders of magnitude faster than DP-SGD",
    reason=("the paper's DP-SGD baseline trains deep networks for hours on GPUs; the DP-SGD that fits this "
            "CPU minute is a 64-pixel linear model that itself runs in tens of milliseconds, so a wall-clock "
            "ratio here measures neither method's cost at the paper's scale (and is not reproducible to print)"))
claims.declare("kde_rate_n", kind="sanity",
               statement="DP kernel sums: the privacy error falls like 1/n (eps = 1)",
               metric="|fitted exponent in n + 1|", better="lower", margin=0.15, fmt="{:.2f}",
               deterministic=True, changed=repro.Change("kind: counted -> sanity", EXPONENT_WAS, EXPONENT_WHY))
claims.declare("kde_rate_eps", kind="sanity",
               statement="DP kernel sums: the privacy error falls like 1/eps",
               metric="|fitted exponent in eps + 1| (mean over n)", better="lower", margin=0.15,
               fmt="{:.2f}", deterministic=True,
               changed=repro.Change("kind: counted -> sanity", EXPONENT_WAS, EXPONENT_WHY))
claims.declare("l1_flat_in_n", kind="sanity",
               statement="DP l1 sums by 1-d decomposition: the additive error does not grow with n",
               metric="|fitted exponent in n|", better="lower", margin=0.15, fmt="{:.2f}",
               deterministic=True, changed=repro.Change("kind: counted -> sanity", EXPONENT_WAS, EXPONENT_WHY))
claims.declare("l1_rate_d", kind="sanity",
               statement="DP l1 sums by 1-d decomposition: the additive error grows like d^1.5",
               metric="|fitted exponent in d - 1.5|", better="lower", margin=0.25, fmt="{:.2f}",
               deterministic=True, changed=repro.Change("kind: counted -> sanity", EXPONENT_WAS, EXPONENT_WHY))
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.papers.kernels import dp_kde as dk
from repro.scaling.fits import fit_power_law

run = repro.setup(scale, seed, device)  # numpy float64 on one CPU thread; the device is unused

# experiment 1: DP Gaussian-kernel sums
KDE_D, KDE_DIM, KDE_BW = 512, 8, 2.0            # RFF features, data dimension, bandwidth
KDE_NS = run.pick([1000, 3000, 10000, 30000], [1000, 3000, 10000, 30000, 100000])
KDE_EPS = [0.25, 0.5, 1.0, 2.0, 4.0]
KDE_REP = run.pick(4, 20)                       # independent data / feature / noise draws
N_QUERY = 200
KDE_N_HEAD = 10000                              # the headline's data set size (kernel sums)
# experiment 2: DP l1 distance sums
L1_LEVELS = 8                                   # 2^8 bins per coordinate
L1_NS = run.pick([1000, 4000, 16000, 64000], [1000, 4000, 16000, 64000, 256000])
L1_DS = [2, 4, 8, 16]
L1_REP = run.pick(6, 10)
L1_QUERY = 60
WORKLOAD_FACTORS = (1, 10)                      # naive baseline: workload = factor x queries evaluated
# experiment 3: DP classification on digits
EPS_CLS, DELTA = [0.5, 1.0, 2.0, 8.0], 1e-5
CLS_RUNS = run.pick(5, 20)                      # independent train / validation / test splits
N_TRAIN, N_VAL = 1100, 300                      # the rest (397 images) is the test split
NOISE_DRAWS = 2                                 # noise draws averaged per configuration and split
SIM_GRID = [(1024, 0.5), (1024, 1.0)]           # (RFF features, bandwidth) for the similarity classifier
GD_GRID = [(50, 1.0), (50, 5.0), (50, 20.0), (200, 1.0)]  # (steps, learning rate) for DP-SGD
CLIP = 1.0

# %% [markdown]
# ## Method
#
# A mechanism $M$ is $\varepsilon$-DP if changing one point of $X$ changes the probability of any
# output by at most a factor $e^\varepsilon$. Adding Laplace noise of scale
# $\Delta_1/\varepsilon$ to a vector whose $\ell_1$ change under such a swap is at most $\Delta_1$ is
# $\varepsilon$-DP; Gaussian noise of standard deviation $\Delta_2/\sqrt{2\rho}$ gives $\rho$-zCDP,
# which composes additively and implies $(\rho + 2\sqrt{\rho\log(1/\delta)}, \delta)$-DP. Anything
# computed from a released vector afterwards is free.
#
# ### Kernel sums through random Fourier features
# For $k(x,y) = e^{-\lVert x-y\rVert^2/\sigma^2}$, draw $W\sim\mathcal N(0, 2/\sigma^2)$ and
# $b\sim U[0,2\pi]$, and let $\phi(x) = \sqrt{2/D}\cos(Wx+b)$, so that
# $\mathbb E\,\phi(x)\cdot\phi(y) = k(x,y)$. The structure releases
# $z = \frac1n\sum_x\phi(x) + \mathrm{Lap}(b)^D$ with $b = 2\sqrt{2D}/(n\varepsilon)$ (each
# coordinate of $\phi$ is at most $\sqrt{2/D}$ in size) and answers $\phi(y)\cdot z$. The privacy
# error $\phi(y)\cdot\mathrm{Lap}(b)^D$ has standard deviation about $4\sqrt D/(\varepsilon n)$; the
# approximation error of the features, $O(1/\sqrt D)$, does not depend on $\varepsilon$. The paper
# improves this kind of structure by first projecting the data to $O(\log(1/\alpha)/\alpha^2)$
# dimensions, which preserves Gaussian-kernel sums up to $\alpha$ (its Sec. 7); we keep the simple
# random-feature version.
#
# ### $\ell_1$ distance sums by one-dimensional decomposition
# $\sum_x \lVert x-y\rVert_1 = \sum_j\sum_x |x_j - y_j|$, and for one coordinate,
# $\sum_x |x_j - t| = (t\,C_< - S_<) + (S_\ge - t\,C_\ge)$ with $C$, $S$ the count and the sum of
# the points below or above $t$. Bucket each coordinate into $2^L$ bins and store noisy counts
# and sums on every node of the dyadic tree over the bins: a prefix is a union of at most $L+1$
# nodes, and one point touches $L+1$ nodes per coordinate, so Laplace noise of scale
# $4d(L+1)/\varepsilon$ makes the whole structure $\varepsilon$-DP (the paper's Sec. 4 builds on the
# same decomposition). The additive error is a sum of $O(dL)$ noise terms of size $\propto d/\varepsilon$:
# independent of $n$ and growing like $d^{3/2}$.
#
# ### The naive baseline: the Laplace mechanism on a known workload
# Without a data structure, $Q$ queries known in advance can be answered exactly, each plus Laplace
# noise, with $\varepsilon$ split evenly between them (basic composition). Replacing one private
# point changes a kernel mean (with $0 \le k \le 1$) by at most $1/n$ and an $\ell_1$ sum over
# $[0,1]^d$ by at most $d$, so the noise scales are $Q/(n\varepsilon)$ and $dQ/\varepsilon$
# (`dk.laplace_workload`). It has no approximation error, and its error grows linearly with the
# number of queries, while a data structure's error does not depend on it: which one wins depends
# on $Q$, hence the two workload sizes of the headline.
#
# ### DP classification by average similarity
# Release, for each class $c$, the noisy sum $S_c = \sum_{x\in c}\phi(x) + \mathcal N(0,\sigma^2)$ and
# the noisy count $n_c$ (one point changes one class's sum and count, an $\ell_2$ change of at most
# $\sqrt{2+1}$), and predict $\arg\max_c \phi(y)\cdot S_c/n_c$, the class of highest average
# kernel similarity. The baseline is DP-SGD on multinomial logistic regression, in its full-batch
# form (DP-GD): each step clips every per-example gradient to norm $C=1$ and adds Gaussian noise,
# so that the zCDP budget is exactly split between the steps. Both are given the same
# $(\varepsilon, \delta)$. The code is `src/repro/papers/kernels/dp_kde.py`, tested in `tests/papers/kernels/test_dp_kde.py`
# (sensitivity bounds checked by brute force over neighbouring data sets, exact answers without
# noise, privacy accounting against closed forms).

# %%
print(inspect.getsource(dk.DPL1Distance.query))

# %% [markdown]
# ## Experiment 1: DP kernel sums, and the naive baseline
#
# Data: $n$ points from a standard Gaussian in $d=8$ dimensions, queries from the same
# distribution, bandwidth $\sigma = 2$, $D = 512$ features. For each $(n,\varepsilon)$ we report the
# mean absolute difference between the private and the non-private answer of the same
# structure (the privacy error), and the total error against the exact kernel mean
# $\frac1n\sum_x k(x,y)$. At $n = 10^4$ and $\varepsilon = 1$ the naive Laplace mechanism answers the
# same queries. Each draw (data, queries, features, noise) is an independent run.

# %%
def kde_draw(rep):
    rng = np.random.default_rng([run.seed, 1, rep])
    W, b = dk.draw_rff(rng, KDE_DIM, KDE_D, KDE_BW)
    X = rng.standard_normal((max(KDE_NS), KDE_DIM))
    Q = rng.standard_normal((N_QUERY, KDE_DIM))
    Phi = dk.rff(X, W, b)                                   # features of the largest data set
    priv, total = np.zeros((len(KDE_NS), len(KDE_EPS))), np.zeros((len(KDE_NS), len(KDE_EPS)))
    naive = {}
    for i, n in enumerate(KDE_NS):
        exact = dk.gaussian_kernel(Q, X[:n], KDE_BW).mean(1)
        structure = dk.DPKernelMean.from_features(Phi[:n], W, b)   # no noise yet
        clean = structure.query(Q)
        for j, eps in enumerate(KDE_EPS):
            est = structure.privatize(eps, rng).query(Q)
            priv[i, j], total[i, j] = np.abs(est - clean).mean(), np.abs(est - exact).mean()
        if n == KDE_N_HEAD:
            for f in WORKLOAD_FACTORS:
                ans = dk.laplace_workload(exact, 1.0 / n, 1.0, rng, workload=f * N_QUERY)
                naive[f] = np.abs(ans - exact).mean()
    return priv, total, naive


kde = [kde_draw(r) for r in progress(range(KDE_REP), desc="KDE draws")]
kde_priv = np.mean([p for p, _, _ in kde], 0)
kde_total = np.mean([t for _, t, _ in kde], 0)
j1, i_head = KDE_EPS.index(1.0), KDE_NS.index(KDE_N_HEAD)
slope_kde_n = -fit_power_law(KDE_NS, kde_priv[:, j1])[1]
slope_kde_eps = np.mean([-fit_power_law(KDE_EPS, kde_priv[i])[1] for i in range(len(KDE_NS))])
kde_struct_err = np.array([t[i_head, j1] for _, t, _ in kde])          # per draw
kde_naive_err = {f: np.array([nv[f] for _, _, nv in kde]) for f in WORKLOAD_FACTORS}
print(f"privacy error ~ n^{slope_kde_n:.2f} at eps=1; ~ eps^{slope_kde_eps:.2f} (mean over n)")
print(f"n={KDE_N_HEAD}, eps=1, mean |error| per draw: structure {np.round(kde_struct_err, 5)}; "
      + "; ".join(f"naive, {f * N_QUERY} queries {np.round(v, 5)}" for f, v in kde_naive_err.items()))

# %% [markdown]
# ## Experiment 2: $\ell_1$ distance sums, error against $n$ and $d$, and the naive baseline
#
# Data and queries uniform in $[0,1]^d$, $2^8$ bins per coordinate, $\varepsilon = 1$. We measure
# the mean absolute error of $\sum_x\lVert x-y\rVert_1$ over 60 queries, for $n$ from $10^3$ upwards at
# $d=8$ and for $d\in\{2,4,8,16\}$ at $n=16000$. At $n = 16000$, $d = 8$ the naive Laplace mechanism
# answers the same queries.

# %%
def l1_error(n, d, rep):
    rng = np.random.default_rng([run.seed, 2, n, d, rep])
    X, Q = rng.uniform(size=(n, d)), rng.uniform(size=(L1_QUERY, d))
    est = dk.DPL1Distance(X, L1_LEVELS, 1.0, rng).query(Q)
    exact = dk.l1_distance_sums(X, Q)
    naive = [np.abs(dk.laplace_workload(exact, d, 1.0, rng, workload=f * L1_QUERY) - exact).mean()
             for f in WORKLOAD_FACTORS]
    return (np.abs(est - exact).mean(), np.mean(exact), *naive)


cells = [(n, 8) for n in L1_NS] + [(16000, d) for d in L1_DS if d != 8]
l1_runs = {(n, d): np.array([l1_error(n, d, r) for r in range(L1_REP)]) for n, d in progress(cells, desc="l1 cells")}
l1 = {k: v.mean(0) for k, v in l1_runs.items()}
err_n = np.array([l1[(n, 8)][0] for n in L1_NS])
rel_n = np.array([l1[(n, 8)][0] / l1[(n, 8)][1] for n in L1_NS])
err_d = np.array([l1[(16000, d)][0] for d in L1_DS])
slope_l1_n = -fit_power_law(L1_NS, err_n)[1]
slope_l1_d = -fit_power_law(L1_DS, err_d)[1]
l1_struct_err = l1_runs[(16000, 8)][:, 0]
l1_naive_err = {f: l1_runs[(16000, 8)][:, 2 + k] for k, f in enumerate(WORKLOAD_FACTORS)}
print(f"additive error ~ n^{slope_l1_n:.2f} (d=8), ~ d^{slope_l1_d:.2f} (n=16000); "
      f"relative error at n={L1_NS[-1]}: {rel_n[-1]:.1e}")
print("n=16000, d=8, mean |error| per draw: structure " + str(np.round(l1_struct_err, 0)) + "; "
      + "; ".join(f"naive, {f * L1_QUERY} queries {np.round(v, 0)}" for f, v in l1_naive_err.items()))

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
ax = axes[0]
for j, eps in enumerate(KDE_EPS):
    ax.loglog(KDE_NS, kde_priv[:, j], "o-", color=COLORS[j % len(COLORS)], label=f"privacy error, eps={eps:g}")
ax.loglog(KDE_NS, kde_total[:, j1], "k--", label="total error vs exact KDE, eps=1")
ax.loglog(KDE_NS, kde_priv[0, j1] * (np.array(KDE_NS) / KDE_NS[0]) ** -1.0, ":", color="grey", label="slope -1")
for f in WORKLOAD_FACTORS:
    ax.plot([KDE_N_HEAD], [kde_naive_err[f].mean()], "kx", ms=8)
    ax.annotate(f"naive, {f * N_QUERY} queries", (KDE_N_HEAD, kde_naive_err[f].mean()), fontsize=7,
                xytext=(4, 2), textcoords="offset points")
ax.set(xlabel="private data set size n", ylabel="mean |error| of the kernel mean",
       title="DP Gaussian-kernel sums (RFF + Laplace)")
ax.legend(fontsize=7)
ax = axes[1]
ax.loglog(L1_NS, err_n, "o-", color=COLORS[0], label="additive error, d=8 (vs n, bottom axis)")
ax.loglog(L1_NS, rel_n * err_n[0] / rel_n[0], "s--", color=COLORS[1], label="relative error (rescaled)")
for f in WORKLOAD_FACTORS:
    ax.plot([16000], [l1_naive_err[f].mean()], "kx", ms=8)
    ax.annotate(f"naive, {f * L1_QUERY} queries", (16000, l1_naive_err[f].mean()), fontsize=7,
                xytext=(4, 2), textcoords="offset points")
ax.set(xlabel="private data set size n", ylabel="mean |error| of the l1 sum",
       title="DP l1 distance sums (1-d decomposition)")
ax2 = ax.twiny()
ax2.loglog(L1_DS, err_d, "^-", color=COLORS[2], label="additive error vs d (top axis), n=16000")
ax2.set_xlabel("dimension d")
h1, l1_ = ax.get_legend_handles_labels()
h2, l2_ = ax2.get_legend_handles_labels()
ax.legend(h1 + h2, l1_ + l2_, fontsize=7, loc="lower left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 3: DP classification on digits
#
# Digits (1797 images of 8x8 pixels, 10 classes), each image scaled to unit norm (a per-example
# map, no privacy cost). Each run draws its own split: 1100 private training images, 300
# validation images and 397 test images. For each $\varepsilon$, each method picks the configuration
# of its small grid with the best *validation* accuracy (averaged over two noise draws), and that
# configuration is scored on the test images (averaged over two fresh noise draws). The privacy cost
# of the selection is not charged, equally for both methods.

# %%
Xd, yd = load_digits(return_X_y=True)
Xd = Xd / np.linalg.norm(Xd, axis=1, keepdims=True)


def similarity_fit_predict(D, bw, rho, rng, tr, ev):
    W, b = dk.draw_rff(rng, Xd.shape[1], D, bw)
    sums, counts = dk.dp_class_sums(dk.rff(Xd[tr], W, b), yd[tr], 10, rho, rng)
    return dk.similarity_predict(dk.rff(Xd[ev], W, b), sums, counts)


def dpgd_fit_predict(steps, lr, rho, rng, tr, ev):
    W = dk.dp_gd_softmax(Xd[tr], yd[tr], 10, rho, steps, lr, CLIP, rng)
    return dk.softmax_predict(Xd[ev], W)


methods = {"average similarity": (similarity_fit_predict, SIM_GRID), "DP-SGD (full batch)": (dpgd_fit_predict, GD_GRID)}
acc = {(name, eps): [] for name in methods for eps in EPS_CLS}   # test accuracy per run
chosen = {(name, eps): [] for name in methods for eps in EPS_CLS}
for r in progress(range(CLS_RUNS), desc="splits"):
    perm = np.random.default_rng([run.seed, 3, r]).permutation(len(Xd))
    tr, va, te = perm[:N_TRAIN], perm[N_TRAIN:N_TRAIN + N_VAL], perm[N_TRAIN + N_VAL:]
    for e, eps in enumerate(EPS_CLS):
        rho = dk.rho_for_eps(eps, DELTA)
        for name, (fn, grid) in methods.items():
            def score(cfg, ev, stream):
                return np.mean([np.mean(fn(*cfg, rho, np.random.default_rng([run.seed, stream, r, e, k]), tr, ev)
                                        == yd[ev]) for k in range(NOISE_DRAWS)])
            val = [score(cfg, va, 4) for cfg in grid]
            cfg = grid[int(np.argmax(val))]
            acc[(name, eps)].append(score(cfg, te, 5))
            chosen[(name, eps)].append(cfg)
nonpriv = np.mean(similarity_fit_predict(*SIM_GRID[0], 1e12, np.random.default_rng(0), tr, te) == yd[te])
for eps in EPS_CLS:
    print(f"eps={eps:<4g} similarity {np.mean(acc[('average similarity', eps)]):.3f}   "
          f"DP-SGD {np.mean(acc[('DP-SGD (full batch)', eps)]):.3f}   (test accuracy, mean over {CLS_RUNS} splits)")
print(f"non-private similarity classifier (last split): {nonpriv:.3f}")
print("configurations chosen on validation at eps=1:",
      {name: chosen[(name, 1.0)] for name in methods})

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for c, name in enumerate(methods):
    ax.semilogx(EPS_CLS, [100 * np.mean(acc[(name, e)]) for e in EPS_CLS], "o-", color=COLORS[c], label=name)
ax.axhline(100 * nonpriv, color="grey", ls="--", label="similarity, no privacy")
ax.set(xlabel="privacy budget epsilon (delta = 1e-5)", ylabel="test accuracy (%)",
       title="DP classification on digits (n = 1100 private images)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Results

# %%
for f in WORKLOAD_FACTORS:
    claims.record("beats_naive_laplace", method=np.log(kde_struct_err), baseline=np.log(kde_naive_err[f]),
                  setting=f"kernel, {f * N_QUERY} queries")
for f in WORKLOAD_FACTORS:
    claims.record("beats_naive_laplace", method=np.log(l1_struct_err), baseline=np.log(l1_naive_err[f]),
                  setting=f"l1, {f * L1_QUERY} queries")
claims.record("comparable_accuracy", method=100 * np.array(acc[("average similarity", 1.0)]),
              baseline=100 * np.array(acc[("DP-SGD (full batch)", 1.0)]))
claims.record("kde_rate_n", value=abs(slope_kde_n + 1))
claims.record("kde_rate_eps", value=abs(slope_kde_eps + 1))
claims.record("l1_flat_in_n", value=abs(slope_l1_n))
claims.record("l1_rate_d", value=abs(slope_l1_d - 1.5))
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The report above is the verdict, and the results cell before it holds every paired difference
# with its interval over independent draws. How to read it:
# * the headline asks whether the data structures beat the naive Laplace mechanism on the same
#   queries, at the chapter's workload and at ten times it. The naive mechanism's error grows in
#   proportion to the number of queries it must answer and it has no approximation error, while a
#   structure's error does not depend on the number of queries; a verdict of *not reproduced* at the
#   smaller workload says that for so few queries the naive mechanism is the better choice, and the
#   per-setting results show where the structures win;
# * the classification claim is scored with hyper-parameters chosen on a validation split, over
#   independent splits. With about 110 private images per class, the noise on each class's feature
#   sum is large compared with the sum at $\varepsilon = 1$; the gap to DP-SGD shrinks as
#   $\varepsilon$ grows (figure), and would as $n$ grows, since the noise does not depend on $n$
#   while the class sums grow like $n$;
# * the speed claim is not testable here (reason in the report): the paper's baseline is DP-SGD
#   *training of deep networks* on CIFAR-10-sized data, against which one pass over pretrained
#   embeddings is orders of magnitude cheaper; our DP-SGD is a linear model on 64 pixels;
# * the four scaling laws hold (sanity): they confirm that our noise is injected at the intended
#   scales, not the paper's claims.
#
# ## Deviations from the paper
# - We test the mechanisms behind the paper's data structures against the naive Laplace mechanism,
#   not the paper's improvements over prior data structures (its $\ell_1$ and kernel bounds are
#   asymptotic guarantees, and the dimensionality-reduction and function-approximation steps are not
#   implemented).
# - DP kernel sums use random Fourier features with Laplace noise, a simple pure-DP structure; the
#   paper reduces the dimension first and then uses prior DP-KDE structures.
# - The $\ell_1$ structure buckets each coordinate into $2^8$ bins and uses the plain binary-tree
#   mechanism with Laplace noise; its privacy is pure $\varepsilon$-DP under replacement of one point.
# - The naive baseline splits $\varepsilon$ evenly over a workload known in advance (basic
#   composition); advanced composition or the Gaussian mechanism would lower its error for large
#   workloads at the price of a $\delta$.
# - DP classification: scikit-learn's digits (raw pixels scaled to unit norm) instead of CIFAR-10
#   with pretrained embeddings; DP-SGD is full-batch logistic regression with zCDP accounting
#   rather than subsampled training of a deep network; hyper-parameters are chosen on a
#   validation split whose privacy cost is not charged (equally for both methods).
