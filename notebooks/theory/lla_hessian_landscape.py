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
# # Investigating generalization capabilities of neural networks by means of loss landscapes and Hessian analysis
#
# {cite}`gabdullin2024investigating` · [arXiv:2412.10146](https://arxiv.org/abs/2412.10146)
# · [authors' code (the LLA library)](https://github.com/GabdullinN/loss-landscape-analysis)
#
# Two tools are used to look at the loss surface around a trained network. *Landscape slices*
# plot the loss along one or two directions in weight space; since a network's weights can often
# be rescaled without changing what it computes, the directions must be normalised for such plots
# to mean anything, and {cite}`li2018visualizing` introduced *filter normalisation* for this.
# *Hessian analysis* looks at the eigenvalues of the Hessian of the loss, most cheaply through
# Hessian-vector products. Gabdullin's paper, written around the LLA library, discusses both: how
# normalisation choices (batch normalisation in particular) change what the slices show, why the
# top Hessian eigenvectors make useful axes, and it observes that the Hessian eigenvalue spectral
# density (HESD) of trained networks has a typical shape, mostly positive mass with a thin negative
# tail. From that shape it builds two scalar criteria, $re$ and $Kh_{0.5}$, that measure how much
# negative curvature there is, and reports that when a model is evaluated on a different data set,
# the *change* of the criteria tracks the *change* of accuracy, which would make them a cheap,
# label-free proxy of generalization.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (i) Landscape plots depend on how the directions are normalised; with batch
# normalisation the conventional (filter) normalisation does not always give a correct picture,
# and using the top Hessian eigenvectors as axes mitigates this. (ii) The Hessian eigenvalue
# spectral density (HESD) of trained networks has a typical shape, and criteria computed from it
# ($re$, $Kh_{0.5}$) on the data a model is evaluated on change with the accuracy when the data
# set changes, which makes them a cheap estimate of generalization. The paper's evidence is
# ImageNet-1K models and CNNs evaluated across data sets; this is a **tier-B** chapter: we test
# the mechanisms on small networks on digits.
#
# **This chapter tests**, with criteria declared in the box below before anything runs:
# * *headline*: at our scale, the increase of $Kh_{0.5}$ under a synthetic distribution shift
#   (pixel noise of three strengths) ranks model configurations by their accuracy drop; one run is
#   one independent set of trainings of the twelve configurations;
# * *supporting*: $Kh_{0.5}$ ranks the drop better than the simplest Hessian alternative, the top
#   eigenvalue of the training loss (the baseline that could win); Hessian axes are less distorted
#   than raw random directions by a function-preserving rescaling in front of batch norm (the
#   remedy of (i)), over independently trained batch-norm networks;
# * *not testable here*: the claim at ImageNet scale, and the specific way filter normalisation
#   misleads with batch norm (see the reasons in the box);
# * *sanity checks*: the rescaling leaves the function and the filter-normalised slices unchanged,
#   and stretches raw slices (algebra, shown in the method section).
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
PER_REPEAT = repro.Change(
    what="runs: one Spearman correlation per independent set of trainings (repeat) of the twelve configurations",
    was="one Spearman correlation of the means over 3 trainings per configuration, no interval",
    why="the claim rules: independent runs and a 95% interval. A pilot with 3 sets gave kh_beats_sharpness "
        "a positive mean with an interval reaching below 0 (not reproduced); 5 sets are used so that the paired "
        "comparison is not decided by a 3-run interval, and to pay for them the quick-scale spectra use one "
        "Lanczos probe (the authors' library default) instead of 2")
claims.not_testable(
    "criteria_at_scale", kind="supporting", statement=("Changes of the HESD criteria track changes of accuracy when ImageNet-scale models "
                                    "are evaluated on a different real data set"),
    reason=("needs pre-trained ImageNet models, real shifted data sets (ImageNet-v2, CINIC-10) and GPU-hours of "
            "Hessian-vector products: beyond a CPU minute and the book's no-download rule; the mechanism is tested "
            "at our scale below"))
claims.declare(
    "kh_tracks_drop", kind="headline",
    statement=("At our scale the increase of Kh0.5 under pixel-noise shift (shifted minus clean test data) ranks "
               "twelve digit-MLP configurations by their accuracy drop, at every noise strength"),
    metric="Spearman correlation across the configurations, per independent set of trainings",
    better="higher", margin=0.6, fmt="{:.2f}", changed=PER_REPEAT)
claims.declare(
    "kh_beats_sharpness", kind="supporting",
    statement=("Kh0.5 ranks the accuracy drop (strength 4) better than the top Hessian eigenvalue of the training "
               "loss does"),
    metric="Spearman(increase of Kh0.5, drop)", paired_with="Spearman(top eigenvalue of the training loss, drop)",
    better="higher", margin=0.0, fmt="{:+.2f}",
    changed=(PER_REPEAT, repro.Change(
        what="claim: the paper's criterion against the sharpness baseline, paired",
        was="the sharpness baseline's own Spearman >= 0.6 (a claim the paper does not make)",
        why="the claim rules: compare with the baseline that could win")))
claims.declare(
    "hessian_axes_mitigate", kind="supporting",
    statement=("A function-preserving rescaling in front of batch norm distorts a slice along the top Hessian "
               "eigenvector (fixed step) less than a slice along a raw random direction"),
    metric="|ln(curvature at alpha_small / curvature at alpha_large)| along each copy's top Hessian eigenvector",
    paired_with="the same along one raw filter-normalised random direction",
    better="lower", margin=0.0, fmt="{:+.1f}",
    changed=repro.Change(
        what="claim added: the Hessian-axis remedy, over 3 independently trained batch-norm networks",
        was="not tested (the legacy chapter tested the invariance of filter-normalised slices)",
        why="the referee: the chapter tested the converse of the paper's claim and never the remedy"))
claims.not_testable(
    "filter_norm_misleads", kind="supporting",
    statement="Filter-normalised landscape plots can mislead when batch normalisation is present",
    reason=("the abstract does not say how, the paper's batch-norm examples were not available to us, and the one "
            "mechanism we can construct, a rescaling in front of batch norm, leaves filter-normalised slices exactly "
            "unchanged (sanity check below)"))
claims.declare(
    "rescaling_invariance", kind="sanity",
    statement=("Rescaling the pre-batch-norm layer changes neither the outputs nor the filter-normalised slices "
               "(every network, both alphas)"),
    metric="largest change of outputs and slice values (floored at 1e-12)", better="lower", margin=1e-8,
    fmt="{:.0e}", deterministic=True)
claims.declare(
    "raw_slice_distorted", kind="sanity",
    statement="Along a raw (not re-normalised) direction the same function looks sharper or flatter",
    metric="smallest curvature ratio alpha_small / alpha_large over the networks", better="higher", margin=2.0,
    fmt="{:.0f}", deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
alpha_small = 0.5  # rescaling factors of the pre-batch-norm layer (claims 1-2)
alpha_large = 2.0
n_bn_nets = 3  # independently trained batch-norm networks (runs of the Hessian-axis claim)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import spearmanr
from sklearn.datasets import load_digits
from torch import nn

from repro.book.claims import below
from repro.book.params import check_float, check_int
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.curvature import hessian
from repro.curvature import hessian_spectrum as hsp
from repro.curvature import loss_landscape as ll
from repro.data.label_noise import symmetric
from repro.nn import models

run = repro.setup(scale, seed, device)
check_float("alpha_small", alpha_small, minimum=0.05, maximum=1.0)
check_float("alpha_large", alpha_large, minimum=1.0, maximum=20.0)
check_int("n_bn_nets", n_bn_nets, minimum=3, maximum=20)
torch.set_default_dtype(torch.float64)  # small models: float64 on the CPU, so round-off is negligible
dev = "cpu"  # Hessian-vector products of a few thousand parameters: the CPU is the right device

N_TRAIN = run.pick([100, 200, 400, 1257], [100, 200, 400, 800, 1257])  # training-set sizes
NOISE_RATES = run.pick([0.0, 0.15, 0.3], [0.0, 0.1, 0.2, 0.3])                    # label-noise rates
REPEATS = run.pick(5, 8)          # independent sets of trainings of every configuration (runs)
HIDDEN = 32                       # width of the models of claims 3-4
STEPS = run.pick(300, 600)        # full-batch Adam steps
SEVERITIES = [2.0, 4.0, 6.0]      # std of the pixel noise, in grey levels (pixels run 0..16)
SLQ_STEPS, SLQ_PROBES = run.pick((40, 1), (80, 4))
TS = np.linspace(-1, 1, 21)       # 1-D slice coordinates
GRID = np.linspace(-1, 1, run.pick(15, 31))  # 2-D slice coordinates
print(f"{len(N_TRAIN) * len(NOISE_RATES)} model configurations x {REPEATS} trainings; "
      f"pixel-noise strengths {SEVERITIES}")

# %% [markdown]
# ## Data
#
# scikit-learn's 1797 digit images (8 x 8 pixels, grey levels 0-16), split at random into 1257
# training and 540 test images. The inputs are standardised with the training statistics. The
# *shifted* test sets add Gaussian noise of standard deviation $s \in \{2, 4, 6\}$ grey levels to
# every pixel of the test images (clipped to 0-16), one fixed noise draw per strength.

# %%
X_all, y_all = load_digits(return_X_y=True)
perm = run.rng.permutation(len(X_all))
test_idx, train_idx = perm[:540], perm[540:]
mu, sd = X_all[train_idx].mean(0), X_all[train_idx].std(0) + 1.0


def prep(A):
    return torch.tensor((A - mu) / sd)


X_train, y_train = prep(X_all[train_idx]), torch.tensor(y_all[train_idx])
y_test = torch.tensor(y_all[test_idx])
pixel_noise = run.rng.standard_normal((len(test_idx), 64))
test_sets = {0.0: prep(X_all[test_idx])}
for s in SEVERITIES:
    test_sets[s] = prep(np.clip(X_all[test_idx] + s * pixel_noise, 0, 16))

# %% [markdown]
# ## Method
#
# ### Landscape slices and filter normalisation
#
# A 1-D slice is $t \mapsto L(\theta + t\,d)$ and a 2-D slice $(a, b) \mapsto L(\theta + a\,d_1 + b\,d_2)$.
# A Gaussian direction $d$ is *filter-normalised* when each of its rows (the weights into one unit)
# is rescaled to the norm of the same row of $\theta$, and its bias and batch-norm entries are set to
# zero {cite}`li2018visualizing`. Now take a layer followed by batch normalisation and multiply its
# weights and bias by $\alpha > 0$. In evaluation mode batch norm computes
# $(z - m)/\sqrt{v + \epsilon}$ with running mean $m$ and variance $v$; multiplying $m$ by $\alpha$ and
# $v, \epsilon$ by $\alpha^2$ makes the rescaled network compute exactly the same function (our
# `rescale_before_batchnorm`). Its filter-normalised direction is $\alpha$ times the original one on
# that layer, so the whole slice $\alpha(W + t\,D)$ is the original slice seen through batch norm: it
# is *identical*. A direction that is not re-normalised moves $\alpha W$ by $t\,D$, i.e. the original
# weights by $t\,D/\alpha$: the slice is stretched by $\alpha$ along that layer, its curvature scaled
# by up to $1/\alpha^2$. The top Hessian eigenvectors, the paper's *Hessian axes*, pick the directions
# of largest curvature instead of random ones; as unit vectors they are not rescaling-invariant
# either, but they show the directions the loss is most sensitive to, which random directions almost
# never align with.
#
# ### Hessian spectra and the paper's criteria
#
# Stochastic Lanczos quadrature turns $m$ Hessian-vector products started from a random unit vector
# $v$ into nodes $\theta_k$ and weights $\tau_k$ ($\sum_k \tau_k = 1$) such that
# $v^\top f(H) v \approx \sum_k \tau_k f(\theta_k)$: a smoothed eigenvalue density, averaged over a few
# probes. For each probe the paper's criteria are
#
# $$ re = \left|\frac{\min_k \theta_k}{\max_k \theta_k}\right|, \qquad
#    Kh_{0.5} = \frac{\sum_{\theta_k < 0} |\theta_k \tau_k|^{0.5}}{\sum_{\theta_k > 0} (\theta_k \tau_k)^{0.5}}, $$
#
# averaged over probes (the authors' `hessian_criteria`). At a clean minimum of the loss on the
# evaluation data the Hessian is positive semi-definite and both vanish; negative curvature appears
# when the weights are not a minimum of *that* loss, which is what a distribution shift does. The
# code is in `src/repro/curvature/hessian_spectrum.py` (tests: Lanczos against dense eigenvalues, quadrature
# exactness for polynomials, the criteria on hand-made spectra) and `src/repro/curvature/loss_landscape.py`
# (tests: filter-norm row norms, exact invariance of the rescaling, restoring the weights); the
# top eigenvalues use `repro.curvature.hessian`.

# %%
print(inspect.getsource(hsp.hessian_criteria))
print(inspect.getsource(ll.filter_normalize))

# %% [markdown]
# ## Experiment 1: a function-preserving rescaling and the landscape
#
# A batch-normalised MLP (64 -> 64 -> batch norm -> ReLU -> 10) is trained on the full training set,
# then copied with the first layer rescaled by $\alpha \in \{0.5, 2\}$; this is repeated for
# `n_bn_nets` independent trainings. For each network one Gaussian direction is drawn and
# filter-normalised on the original. "Raw" slices use this same direction for the three copies;
# "filter" slices re-normalise it for each copy; "Hessian" slices use each copy's own top Hessian
# eigenvector (a unit vector) scaled to the norm of the original filter-normalised direction, the
# same step length for all copies. The loss is the cross-entropy on the training set, in
# evaluation mode; the curvature of a slice is that of its least-squares parabola.

# %%
ALPHAS = [alpha_small, 1.0, alpha_large]


def train_loss(model):
    return F.cross_entropy(model(X_train), y_train).item()


def hessian_top(model, X, y, k=1):
    return hessian.top_eigenvalues(lambda: F.cross_entropy(model(X), y), list(model.parameters()), k=k)


def train_bn_net(k):
    torch.manual_seed(1000 * seed + 7 + k)
    net = nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    net.train()
    for _ in range(STEPS):
        opt.zero_grad()
        F.cross_entropy(net(X_train), y_train).backward()
        opt.step()
    return net.eval()


bn_runs = []
for k in progress(range(n_bn_nets), desc="batch-norm networks"):
    net = train_bn_net(k)
    copies = {a: ll.rescale_before_batchnorm(net, 0, 1, a) for a in ALPHAS}
    with torch.no_grad():
        out_gap = max(float((copies[a](X_train) - net(X_train)).abs().max()) for a in ALPHAS)
    gen = torch.Generator().manual_seed(1000 * seed + 11 + k)
    d_raw = ll.filter_normalize(ll.gaussian_direction(net, gen), net)
    step = ll.direction_norm(d_raw)
    sl, lam = {}, {}
    for a in ALPHAS:
        m = copies[a]
        sl["raw", a] = ll.landscape(train_loss, m, d_raw, TS)
        sl["filter", a] = ll.landscape(train_loss, m, ll.filter_normalize(d_raw, m), TS)
        vals, vecs = hessian.top_eigenpairs(lambda: F.cross_entropy(m(X_train), y_train), list(m.parameters()), k=1)
        lam[a] = float(vals[0])
        sl["hessian", a] = ll.landscape(train_loss, m, ll.to_list(vecs[:, 0] * step, m), TS)
    curv = {(kind, a): ll.curvature_1d(TS, sl[kind, a]) for kind in ("raw", "filter", "hessian") for a in ALPHAS}
    bn_runs.append(dict(net=net, d_raw=d_raw, slices=sl, curv=curv, lam=lam, out_gap=out_gap,
                        filter_gap=max(np.abs(sl["filter", a] - sl["filter", 1.0]).max() for a in ALPHAS)))

for k, r in enumerate(bn_runs):
    print(f"network {k}: largest output change {below(r['out_gap'], 1e-10)}; curvature at alpha = "
          + "/".join(f"{a:g}" for a in ALPHAS) + ": raw " + "/".join(f"{r['curv']['raw', a]:.3g}" for a in ALPHAS)
          + ", filter " + "/".join(f"{r['curv']['filter', a]:.3g}" for a in ALPHAS)
          + ", Hessian axis " + "/".join(f"{r['curv']['hessian', a]:.3g}" for a in ALPHAS)
          + "; top eigenvalue " + "/".join(f"{r['lam'][a]:.3g}" for a in ALPHAS))
bn_net, d_raw, slices = bn_runs[0]["net"], bn_runs[0]["d_raw"], bn_runs[0]["slices"]
gen = torch.Generator().manual_seed(1000 * seed + 101)

# %% [markdown]
# For the 2-D picture we compare two random filter-normalised directions with the two top Hessian
# eigenvectors (the paper's Hessian axes, here unit vectors scaled to the norm of the filter-normalised
# direction so the two panels have the same step length).

# %%
d2 = ll.filter_normalize(ll.gaussian_direction(bn_net, gen), bn_net)
plist = list(bn_net.parameters())
_, evecs = hessian.top_eigenpairs(lambda: F.cross_entropy(bn_net(X_train), y_train), plist, k=2)
step = ll.direction_norm(d_raw)
h1, h2 = (ll.to_list(evecs[:, i] * step, bn_net) for i in range(2))
surf_random = ll.landscape(train_loss, bn_net, d_raw, GRID, d2, GRID)
surf_hessian = ll.landscape(train_loss, bn_net, h1, GRID, h2, GRID)

# %%
fig, axes = plt.subplots(1, 4, figsize=(18, 3.9))
for ax, kind in zip(axes[:3], ["raw", "filter", "hessian"]):
    for c, a in enumerate(ALPHAS):
        ax.plot(TS, slices[kind, a], ["-", "--", ":"][c], color=COLORS[c], lw=2.2 - 0.4 * c,
                label=f"α = {a:g}")
    ax.set(xlabel="step t along the direction", ylabel="training loss",
           title={"raw": "raw direction", "filter": "filter-normalised direction",
                  "hessian": "top Hessian eigenvector (fixed step)"}[kind])
    ax.legend()
vmax = max(surf_random.max(), surf_hessian.max())
levels = np.geomspace(max(surf_random.min(), 1e-4), vmax, 12)
ax = axes[3]
ax.contour(GRID, GRID, surf_random.T, levels=levels, colors=COLORS[0], linewidths=1)
ax.contour(GRID, GRID, surf_hessian.T, levels=levels, colors=COLORS[1], linewidths=1)
ax.plot([], [], color=COLORS[0], label="random filter-normalised axes")
ax.plot([], [], color=COLORS[1], label="top-2 Hessian axes")
ax.set(xlabel="a", ylabel="b", title="2-D slices, same contour levels")
ax.legend(fontsize=8, loc="lower left")
fig.suptitle("The first batch-norm MLP and two function-identical rescaled copies", fontsize=11)
fig.tight_layout()
plt.show()

# %% [markdown]
# The three networks compute the same function. Along the raw direction the copies look sharper or
# flatter; after filter normalisation the three curves lie on top of each other (the algebra of
# the method section). Along each copy's own top Hessian eigenvector, at a fixed step, the
# curvature is that copy's largest eigenvalue, which the rescaling changes as well (printed above
# for every network): whether it changes less than the raw slice is the supporting claim
# `hessian_axes_mitigate`. The 2-D panel shows what Hessian axes add: at the same step length the
# loss rises far faster along the top eigenvectors than along random directions.
#
# ## Experiment 2: Hessian criteria under a distribution shift
#
# Twelve configurations of a ReLU MLP (64 -> 32 -> 10): four training-set sizes (100 to 1257
# images) times three rates of symmetric label noise (0, 15 and 30 %), each trained `REPEATS` times
# (different subset, initialisation and label noise) with 300 steps of full-batch Adam. For every trained model we compute the top Hessian eigenvalue of its
# training loss, and on the clean and the three shifted test sets its accuracy and the criteria
# $re$, $Kh_{0.5}$ of the Hessian of the test loss. Values are averaged over the trainings of a
# configuration.

# %%
def train_model(n, rate, rep):
    g = np.random.default_rng([seed, n, int(100 * rate), rep])
    idx = g.permutation(len(train_idx))[:n]
    yy = torch.tensor(symmetric(y_all[train_idx][idx], 10, rate, g))
    torch.manual_seed(int(g.integers(2 ** 31)))
    model = models.mlp(64, [HIDDEN], 10)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(STEPS):
        opt.zero_grad()
        F.cross_entropy(model(X_train[idx]), yy).backward()
        opt.step()
    return model, X_train[idx], yy


def analyse(model, Xtr, ytr):
    params = list(model.parameters())
    n_par = sum(p.numel() for p in params)
    row = {"lam_train": hessian_top(model, Xtr, ytr)[0]}
    for s, Xe in test_sets.items():
        with torch.no_grad():
            row["acc", s] = (model(Xe).argmax(1) == y_test).double().mean().item()
        lf = lambda: F.cross_entropy(model(Xe), y_test)  # noqa: E731
        quad = hsp.slq(lambda v: hessian.hvp(lf, params, torch.tensor(v)).numpy(), n_par,
                       SLQ_STEPS, SLQ_PROBES, seed=seed)
        row["re", s], row["kh", s] = hsp.hessian_criteria(quad, 0.5)
        if s in (0.0, SEVERITIES[1]):
            row["quad", s] = quad
    return row


CONFIGS = [(n, r) for r in NOISE_RATES for n in N_TRAIN]
results, per_repeat = [], []
for n, r in progress(CONFIGS, desc="configurations"):
    rows = [analyse(*train_model(n, r, k)) for k in range(REPEATS)]
    per_repeat.append(rows)
    is_quad = lambda k: isinstance(k, tuple) and k[0] == "quad"  # noqa: E731
    avg = {k: float(np.mean([row[k] for row in rows])) for k in rows[0] if not is_quad(k)}
    avg["quad"] = {k: v for k, v in rows[0].items() if is_quad(k)}  # spectra of the first training
    results.append(avg)

drop = {s: np.array([r["acc", 0.0] - r["acc", s] for r in results]) for s in SEVERITIES}
dkh = {s: np.array([r["kh", s] - r["kh", 0.0] for r in results]) for s in SEVERITIES}
dre = {s: np.array([r["re", s] - r["re", 0.0] for r in results]) for s in SEVERITIES}
lam_train = np.array([r["lam_train"] for r in results])
rho_kh = {s: spearmanr(dkh[s], drop[s])[0] for s in SEVERITIES}
rho_re = {s: spearmanr(dre[s], drop[s])[0] for s in SEVERITIES}
rho_lam = spearmanr(lam_train, drop[SEVERITIES[1]])[0]

print("n_train noise | clean acc | acc drop at s=2,4,6 | Kh0.5 clean -> s=2,4,6 | top eig (train)")
for (n, r), res in zip(CONFIGS, results):
    print(f"{n:6d} {r:5.2f} | {res['acc', 0.0]:.2f} | "
          + " ".join(f"{res['acc', 0.0] - res['acc', s]:.2f}" for s in SEVERITIES)
          + f" | {res['kh', 0.0]:.2f} -> " + " ".join(f"{res['kh', s]:.2f}" for s in SEVERITIES)
          + f" | {res['lam_train']:.3f}")
print("Spearman(increase of Kh0.5, accuracy drop):", {s: round(float(v), 2) for s, v in rho_kh.items()})
print("Spearman(increase of re, accuracy drop):   ", {s: round(float(v), 2) for s, v in rho_re.items()})
print(f"Spearman(top eigenvalue of the training loss, drop at s={SEVERITIES[1]:g}): {rho_lam:.2f}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.9))
ex = results[CONFIGS.index((N_TRAIN[-1], 0.0))]["quad"]
lo = min(ex["quad", s].nodes.min() for s in (0.0, SEVERITIES[1]))
hi = max(ex["quad", s].nodes.max() for s in (0.0, SEVERITIES[1]))
grid = np.linspace(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo), 600)
for c, s in enumerate([0.0, SEVERITIES[1]]):
    axes[0].semilogy(grid, ex["quad", s].density(grid, 0.01 * (hi - lo)) + 1e-7, color=COLORS[c],
                     label="clean test data" if s == 0 else f"pixel noise s={s:g}")
axes[0].axvline(0, color="grey", lw=1)
axes[0].set(xlabel="Hessian eigenvalue", ylabel="density (log scale)",
            title=f"HESD of the test loss, n={N_TRAIN[-1]}, clean labels")
axes[0].legend(fontsize=8)
markers = {r: m for r, m in zip(NOISE_RATES, "os^")}
for c, s in enumerate(SEVERITIES):
    for (n, r), x, y in zip(CONFIGS, dkh[s], drop[s]):
        axes[1].scatter(x, y, color=COLORS[c], marker=markers[r], s=18 + 12 * np.log2(n / 100))
    axes[1].scatter([], [], color=COLORS[c], label=f"s={s:g}: ρ={rho_kh[s]:.2f}")
axes[1].set(xlabel="increase of Kh0.5 (shifted - clean)", ylabel="accuracy drop",
            title="Paper's criterion vs accuracy drop")
axes[1].legend(fontsize=8, title="Spearman ρ", title_fontsize=8)
for (n, r), x, y in zip(CONFIGS, lam_train, drop[SEVERITIES[1]]):
    axes[2].scatter(x, y, color=COLORS[0], marker=markers[r], s=18 + 12 * np.log2(n / 100))
for r in NOISE_RATES:
    axes[2].scatter([], [], color="grey", marker=markers[r], label=f"label noise {r:g}")
axes[2].set_xscale("log")
axes[2].set(xlabel="top Hessian eigenvalue of the training loss",
            ylabel=f"accuracy drop at s={SEVERITIES[1]:g}", title=f"Sharpness vs drop: ρ={rho_lam:.2f}")
axes[2].legend(fontsize=8)
fig.suptitle(f"{len(CONFIGS)} digit MLP configurations, {REPEATS} trainings each (marker size: training-set size)",
             fontsize=11)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Results
#
# Each repeat $k$ is an independent set of trainings of the twelve configurations (its own subsets,
# initialisations and label noise); the Spearman correlations are computed within each repeat, so
# they are the independent runs of the headline and of the comparison with sharpness. The
# Hessian-axis claim is paired over the independently trained batch-norm networks.

# %%
def rep(key, k):
    return np.array([rows[k][key] for rows in per_repeat])


for s_ in SEVERITIES:
    rho = [spearmanr(rep(("kh", s_), k) - rep(("kh", 0.0), k), rep(("acc", 0.0), k) - rep(("acc", s_), k))[0]
           for k in range(REPEATS)]
    claims.record("kh_tracks_drop", values=rho, setting=f"pixel noise s={s_:g}")
s_mid = SEVERITIES[1]
rho_kh_k = [spearmanr(rep(("kh", s_mid), k) - rep(("kh", 0.0), k), rep(("acc", 0.0), k) - rep(("acc", s_mid), k))[0]
            for k in range(REPEATS)]
rho_lam_k = [spearmanr(rep("lam_train", k), rep(("acc", 0.0), k) - rep(("acc", s_mid), k))[0] for k in range(REPEATS)]
claims.record("kh_beats_sharpness", method=rho_kh_k, baseline=rho_lam_k)


def distortion(r, kind):
    return abs(np.log(r["curv"][kind, alpha_small] / r["curv"][kind, alpha_large]))


claims.record("hessian_axes_mitigate", method=[distortion(r, "hessian") for r in bn_runs],
              baseline=[distortion(r, "raw") for r in bn_runs])
claims.record("rescaling_invariance", value=max(max(r["out_gap"], r["filter_gap"]) for r in bn_runs) + 1e-12)
claims.record("raw_slice_distorted",
              value=min(r["curv"]["raw", alpha_small] / r["curv"]["raw", alpha_large] for r in bn_runs))
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The verdicts are in the report above, computed from the criteria declared at the top.
#
# *The paper's criterion (headline).* At mild and moderate pixel noise the increase of $Kh_{0.5}$
# on the shifted test data, read off the Hessian of the test loss alone, ranks the configurations
# by their accuracy drop; the headline requires it at every strength, with the catalog's threshold
# on the lower end of the interval over independent sets of trainings. At the strongest noise the
# ranking degrades: accuracy saturates near chance, and for models trained on few images
# $Kh_{0.5}$ can *decrease* as the noise grows (see the table), because their clean test loss was
# already far from a minimum. The change of the criterion is a proxy for the change of accuracy
# only while the shift is moderate.
#
# *Against sharpness.* The comparison with the top eigenvalue of the training loss is paired within
# each set of trainings; that baseline is driven mostly by the label-noise and training-set-size
# structure of the configurations.
#
# *Hessian axes.* The curvature along a copy's own top Hessian eigenvector is its largest
# eigenvalue (times the squared step), and a rescaling in front of batch norm changes it: Hessian
# axes are not rescaling-invariant. The supporting claim asks whether they are at least *less*
# distorted than a raw random direction; filter normalisation, by contrast, removes this
# rescaling exactly (a sanity check), so in this mechanism it is not the conventional method that
# misleads.
#
# *What testing the headline at scale would take.* The paper's claim is about large models and real
# data-set changes (ImageNet-1K vs. ImageNet-v2 and others), where computing the criteria on a
# subsample replaces evaluating on a large labelled set. That needs pre-trained ImageNet models,
# real shifted data sets and GPU-hours of Hessian-vector products, none of which fit a CPU minute or
# the book's no-download rule.
#
# **Deviations from the paper.**
# - Models and data: small MLPs (about 2,400 parameters, and a 4,900-parameter batch-norm MLP for
#   experiment 1) on scikit-learn's 8x8 digits, instead of ImageNet models, ResNets and LeNets on
#   image data sets; the distribution shift is synthetic Gaussian pixel noise rather than a change of
#   data set. Small models let us use float64 and exact statements about round-off.
# - Model quality is varied by training-set size and label noise (12 configurations, 3 trainings
#   each, averaged) instead of by architecture and pre-training.
# - The HESD uses 40 Lanczos steps and 1 probe per spectrum at quick scale (80 and 4 at full scale);
#   the authors' library defaults to 100 steps and one run. The criteria follow the authors'
#   `hessian_criteria` formula with $n = 0.5$.
# - The rescaling experiment uses a batch-norm MLP in evaluation mode with the running statistics
#   and $\epsilon$ rescaled to keep the function exact; Li et al.'s convention of zero directions for
#   biases and batch-norm parameters is used for filter normalisation. The paper's own batch-norm
#   examples and its procedures for choosing Hessian axes are not reproduced; our Hessian axis is
#   the plain top eigenvector of each copy at a fixed step length.
# - The top eigenvalue of the training loss is not a criterion of the paper; it is the catalog's
#   "Hessian-based sharpness", used as the baseline that the paper's criterion must beat.
# - Runs: 5 independent sets of trainings of the 12 configurations (3 in the legacy chapter; the
#   quick scale is slower for it) and 3 batch-norm networks at quick scale.
