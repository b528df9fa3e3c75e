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
# # Information-Theoretic Generalization Bounds for Deep Neural Networks
#
# {cite}`he2024information` · [arXiv:2404.03176](https://arxiv.org/abs/2404.03176) · no public code
# from the authors
#
# Classical information-theoretic bounds control the generalization gap by how much the trained
# weights reveal about each training sample, $I(W; Z_i)$ {cite}`xu2017information`. He and
# Goldfeld move the comparison inside the network: at every layer $l$ they compare the
# distribution of the layer-$l$ representation of a *training* sample with that of a fresh *test*
# sample, both given the trained weights. The gap is bounded at every layer, so the network's
# depth gives a whole family of bounds. With the Kullback-Leibler (KL) divergence the bound can
# only shrink as one goes deeper; with the 1-Wasserstein distance it need not, and the best layer,
# which they call the *generalization funnel*, can lie inside the network.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For a $\sigma$-sub-Gaussian loss, the expected generalization gap is at most
# $\sqrt{2\sigma^2 D_l}$ for *every* layer $l$, where $D_l$ is the KL divergence between the train
# and test distributions of (layer-$l$ representation, label) given the weights, and $D_l$ is
# non-increasing in $l$. For a loss that is $\rho_l$-Lipschitz in the layer-$l$ representation, the
# gap is at most $\rho_l$ times the corresponding 1-Wasserstein distance, which is not monotone in
# $l$: the minimising layer (the funnel) can be an interior layer. Both are worked out in closed
# form for binary Gaussian classification with linear networks.
#
# **This chapter checks**, in an exactly solvable instance of that setting (two Gaussian classes
# in $d = 32$ dimensions, linear networks of depth 4, a noisy class-mean learner; below), with
# thresholds fixed before running (checks 2-4 are the catalog's suggested checks; 1 and 5 are ours):
# 1. **The exact model is right.** The Monte-Carlo gap from simulated training runs agrees with our
#    closed-form expression within 3 standard errors, and the closed-form KL agrees with its
#    Monte-Carlo average over the weights within 3 standard errors.
# 2. **Validity.** Every KL and Wasserstein bound, at every layer, for every architecture and
#    learning-noise level, is $\ge$ the Monte-Carlo generalization gap.
# 3. **KL shrinks with depth.** The KL bound is non-increasing in the layer index in every case.
# 4. **Funnel.** For at least one architecture the Wasserstein bound is minimised at an interior
#    layer (neither the input nor the output).
# 5. **When the funnel is the output.** For every network with a scalar output, the Wasserstein
#    bound is minimised at the output layer (a consequence of the contraction of Wasserstein
#    distances under Lipschitz maps; derived below).
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
n_train = 40  # training-set size n
learning_noise = [0.0, 0.1]  # std s of the Gaussian noise added by the learner

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

import repro
from repro.book.params import ParameterError, check_int
from repro.book.progress import progress
from repro.papers.theory import layerwise_info_bounds as lb

run = repro.setup(scale, seed, device)
check_int("n_train", n_train, minimum=5, maximum=10_000)
if not (isinstance(learning_noise, list) and learning_noise
        and all(isinstance(x, float) and 0 <= x <= 1 for x in learning_noise)):
    raise ParameterError("learning_noise must be a non-empty list of floats in [0, 1]")

D_IN, WIDTHS, KAPPA = 32, [16, 8, 4], 2.0
N_W = run.pick(4000, 40000)  # draws of the weights for the expectations over W
TRIALS = run.pick(3000, 30000)  # simulated training runs for the Monte-Carlo gap
mu = np.zeros(D_IN)
mu[0] = 1.0
print(f"d={D_IN}, widths {WIDTHS}, n={n_train}, learning noise {learning_noise}; "
      f"{N_W} weight draws, {TRIALS} simulated training runs per case")

# %% [markdown]
# ## An exactly solvable model
#
# Labels $y = \pm 1$ are equally likely and $x = y\mu + g$ with $g \sim N(0, I_d)$. The learner
# estimates the class-mean direction with a Gaussian mechanism,
# $w = \frac1n\sum_i y_i x_i + \xi$, $\xi \sim N(0, s^2 I)$. Writing $u_i = y_i g_i \sim N(0, I)$,
# $w = \mu + \frac1n\sum_j u_j + \xi$ does not depend on any label, and $(u_i, w)$ is jointly
# Gaussian. Conditioning gives the distribution of a training input given the weights:
#
# $$
# x_i \mid (w, y_i) \sim N\big(y_i(\mu + a(w-\mu)),\; c\,I\big), \qquad
# a = \frac{1}{1 + ns^2}, \quad c = 1 - \frac an ,
# $$
#
# while a test input is $N(y\mu, I)$. A training point is pulled towards the learned $w$ and is
# slightly less spread: that is overfitting, in closed form.
#
# The network is linear, $T_l = M_l T_{l-1}$ with fixed layers of widths $32 \to 16 \to 8 \to 4$
# (so $T_l = A_l x$), followed by a head that computes the classifier $f(x) = u^\top x$, where $u$
# is the learned $w$ projected on what the last hidden layer can see, normalised. The loss is the
# ramp loss $\ell = \min(1, \max(0, 1 - yf))$: bounded in $[0, 1]$, hence $\tfrac12$-sub-Gaussian,
# and 1-Lipschitz in $f$. Given $w$ and the label, the train and test laws of $T_l$ are Gaussians
# on the row space of $A_l$ (rank $r_l$) with covariances $cA_lA_l^\top$ and $A_lA_l^\top$ and means
# $a A_l(w-\mu)$ apart, so
#
# $$
# D_l = \mathbb{E}_w \tfrac12\big[r_l(c - 1 - \ln c) + a^2\lVert P_{A_l}(w-\mu)\rVert^2\big]
# = -\frac{r_l}{2}\ln\Big(1 - \frac an\Big)
# $$
#
# for a layer that does not depend on $w$: the KL bound depends on the layer only through its rank,
# and it can only decrease when the width shrinks. The Wasserstein bound uses
# $\rho_l = \sup_w$ (Lipschitz constant of $T_l \mapsto f$), computed exactly from a
# pseudo-inverse, times $\mathbb{E}_w W_1$. $W_1$ between Gaussians with different covariances has
# no closed form, so we use the closed-form $W_2 \ge W_1$,
# $W_2^2 = a^2\lVert A_l(w-\mu)\rVert^2 + (1-\sqrt c)^2\lVert A_l\rVert_F^2$, which keeps the bound
# valid.
#
# **Why a scalar output is always the funnel (check 5).** The output $f$ is a function of $T_l$ that
# is at most $\rho_l$-Lipschitz, and Wasserstein distances contract under Lipschitz maps, so the
# output's distance is at most $\rho_l$ times the layer-$l$ distance, while the loss is 1-Lipschitz
# in $f$: the output layer's bound is never larger. An interior funnel needs a head whose output
# carries directions that the loss ignores. A two-logit softmax-style head does exactly that: the
# loss depends on $z_1 - z_2$ only, and gradient training never changes the common mode $z_1 + z_2$
# (the loss gradient with respect to the logits sums to zero), so the common mode keeps whatever
# the initialisation gave it. We therefore also test heads $z = (f + h, -f + h)$ with a common mode
# $h = \kappa\, q^\top x$ ($q$ a random unit vector the last hidden layer can see, $\kappa = 2$) and
# the loss $\ell(y(z_1 - z_2)/2)$, which is $1/\sqrt2$-Lipschitz in $z$.
#
# The code is [`src/repro/papers/theory/layerwise_info_bounds.py`](https://github.com/reproducible-papers/reproducible-papers/blob/main/src/repro/papers/theory/layerwise_info_bounds.py)
# (tests in `tests/test_layerwise_info_bounds.py` check the posterior by simulation, the closed-form
# KL against Monte Carlo and the Lipschitz constants):

# %%
print(inspect.getsource(lb.kl_gaussian_layer))
print(inspect.getsource(lb.uniform_lipschitz))

# %% [markdown]
# ## Architectures and the experiment
#
# Two families of hidden layers, each with both heads: *Gaussian* layers (i.i.d. Gaussian entries,
# variance $1/\text{fan-in}$; badly conditioned products) and *orthonormal* layers (orthonormal
# rows: each layer keeps a random subspace of the previous one). For each architecture and noise
# level we compute the bounds at the input ($l = 0$), the three hidden layers and the output, and
# the gap of 3000 independently simulated training runs (test loss in closed form, training loss
# on the training sample).

# %%
def gaussian_layers(rng):
    dims = [D_IN] + WIDTHS
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(WIDTHS))]


def orthonormal_layers(rng):
    dims = [D_IN] + WIDTHS
    return [np.linalg.qr(rng.standard_normal((dims[i], dims[i + 1])))[0].T for i in range(len(WIDTHS))]


results = []
for s in learning_noise:
    model = lb.NoisyMeanLearner(mu, n_train, s)
    for family, make in (("Gaussian", gaussian_layers), ("orthonormal", orthonormal_layers)):
        mats = make(run.rng)
        Q = lb.row_basis(lb.layer_maps(mats)[-1])
        q = Q @ run.rng.standard_normal(Q.shape[1])
        q /= np.linalg.norm(q)
        W = model.sample_w(run.rng, N_W)
        sim = lb.simulate_gap(model, mats, run.rng, TRIALS)
        # Monte-Carlo check of the closed-form KL at the input layer (rank d)
        per_w = lb.kl_gaussian_layer(model, D_IN, ((W - mu) ** 2).sum(1))
        for head, common in (("scalar", None), ("logits", KAPPA * q)):
            r = lb.layerwise_bounds(model, mats, W, head, common)
            results.append(dict(s=s, family=family, head=head, sim=sim.mean(), sim_se=sim.std(ddof=1) / np.sqrt(TRIALS),
                                exact=r["gaps"].mean(), exact_se=r["gaps"].std(ddof=1) / np.sqrt(N_W),
                                kl_mc=per_w.mean(), kl_mc_se=per_w.std(ddof=1) / np.sqrt(N_W),
                                kl_closed=lb.kl_fixed_layer(model, D_IN), **r))

print("noise | layers      | head   | MC gap (closed form)  | KL bound by layer 0..4          | Wasserstein bound by layer 0..4")
for r in results:
    wb = ", ".join(f"{v:.3g}" for v in r["w_bound"])
    print(f"{r['s']:5.2f} | {r['family']:11s} | {r['head']:6s} | {r['sim']:.3f} ({r['exact']:.3f})         | "
          + ", ".join(f"{v:.3f}" for v in r["kl_bound"]) + f" | {wb}")

# %% [markdown]
# The figure shows the bounds layer by layer for the first noise level, against the simulated
# gap (grey band: 95 % interval). The KL bound falls with every narrowing layer and, in this
# model, is the tighter of the two bounds at every layer. With badly conditioned Gaussian layers
# the Wasserstein bound grows inside the network (the Lipschitz constant of the rest of the
# network is large); with orthonormal layers and a two-logit head its minimum sits at the last
# hidden layer, the funnel.

# %%
first = [r for r in results if r["s"] == learning_noise[0]]
fig, axes = plt.subplots(1, 4, figsize=(15, 3.8), sharey=False)
layers = np.arange(len(WIDTHS) + 2)
labels = ["input"] + [f"h{i + 1}" for i in range(len(WIDTHS))] + ["output"]
for ax, r in zip(axes, first):
    ax.axhspan(r["sim"] - 1.96 * r["sim_se"], r["sim"] + 1.96 * r["sim_se"], color="0.75", label="MC gap")
    ax.plot(layers, r["kl_bound"], "o-", label="KL bound")
    ax.plot(layers, r["w_bound"], "s-", label="Wasserstein bound")
    best = int(np.argmin(r["w_bound"]))
    ax.plot(best, r["w_bound"][best], "*", ms=14, color="C3", label="funnel (min W bound)")
    ax.set(yscale="log", xticks=layers, xticklabels=labels, xlabel="layer",
           title=f"{r['family']} layers, {r['head']} head")
axes[0].set_ylabel("bound on the generalization gap (log)")
axes[0].legend(fontsize=8)
fig.suptitle(f"Layer-wise bounds, n = {n_train}, learning noise s = {learning_noise[0]:g}")
fig.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
model_ok = all(abs(r["sim"] - r["exact"]) <= 3 * np.hypot(r["sim_se"], r["exact_se"])
               and abs(r["kl_mc"] - r["kl_closed"]) <= 3 * r["kl_mc_se"] for r in results)
worst_z = max(abs(r["sim"] - r["exact"]) / np.hypot(r["sim_se"], r["exact_se"]) for r in results)
margin = min(min(r["kl_bound"].min(), r["w_bound"].min()) / r["sim"] for r in results)
valid = all(np.all(np.isfinite(r["kl_bound"])) and np.all(np.isfinite(r["w_bound"]))
            and min(r["kl_bound"].min(), r["w_bound"].min()) >= r["sim"] for r in results)
kl_mono = all(np.all(np.diff(r["kl"]) <= 0) for r in results)
interior = sorted({f"{r['family']}/{r['head']}" for r in results
                   if 0 < np.argmin(r["w_bound"]) < len(r["w_bound"]) - 1})
scalar_out = all(np.argmin(r["w_bound"]) == len(r["w_bound"]) - 1 for r in results if r["head"] == "scalar")

claims = repro.Claims()
claims.add(
    "The closed-form model matches simulated training (gap and KL)",
    measured={"cases": str(len(results)), "largest |sim - exact| / SE": f"{worst_z:.0f}" if worst_z >= 3 else "< 3"},
    criterion="simulated vs closed-form gap and MC vs closed-form KL within 3 standard errors, every case",
    passed=model_ok)
claims.add(
    "Every layer-wise KL and Wasserstein bound lies above the Monte-Carlo generalization gap",
    measured={"smallest bound / MC gap": f"{margin:.1f}"},
    criterion="every bound finite and >= MC gap, every layer, architecture and noise level",
    passed=valid)
claims.add(
    "The KL bound is non-increasing with the layer index",
    measured={"non-increasing in every case": str(kl_mono)},
    criterion="KL_{l+1} <= KL_l for all l, every case",
    passed=kl_mono)
claims.add(
    "The Wasserstein bound can be minimised at an interior layer (a generalization funnel)",
    measured={"architectures with an interior funnel": ", ".join(interior) if interior else "none"},
    criterion="at least one architecture (any noise level) has its argmin strictly inside",
    passed=len(interior) > 0)
claims.add(
    "With a scalar output the funnel is the output layer (Wasserstein contraction)",
    measured={"argmin at the output for every scalar head": str(scalar_out)},
    criterion="argmin of the Wasserstein bound = output layer for every scalar-head case",
    passed=scalar_out)
claims.report()

# %% [markdown]
# ## Verdict
#
# All five checks reproduce in our exactly solvable model. The bounds are valid at every layer,
# for both learning-noise levels and all four architectures; the KL bound shrinks exactly with the
# rank of the representation, $-\tfrac{r_l}{2}\ln(1 - a/n)$, so narrowing layers tighten it and
# the Gaussian noise of the learner (smaller $a$) tightens it further. The Wasserstein bound
# behaves very differently: its Lipschitz factor can blow up inside a badly conditioned network,
# and whether its minimum is interior depends on the head. With a scalar output the funnel is
# always the output layer; this follows from the contraction of Wasserstein distances under
# Lipschitz maps and our check confirms it. An interior funnel appears when the output carries a
# direction the loss ignores, such as the common mode of a two-logit head, which training never
# removes. So the paper's funnel exists, but in linear networks it reflects where the loss stops
# looking at the representation rather than a special compression layer.
#
# The bounds are not tight: the best one (the KL bound at the output) is still about 1.5 to 2
# times the gap, and the Wasserstein bounds are looser, as expected from the sub-Gaussian
# constant of a $[0, 1]$ loss and the $W_2$ proxy.
#
# ## Deviations from the paper
#
# * **Setting.** The paper's binary Gaussian example uses trained linear networks; we could read
#   the abstract but not the exact analytic expressions, so we built our own exactly solvable
#   instance: a Gaussian-mechanism learner (noisy class-mean estimate) feeding fixed linear layers.
#   Its train representation given the weights is an exact Gaussian posterior, so every divergence
#   is closed-form (expectations over the weights by Monte Carlo over $W$).
# * **Wasserstein distance.** We evaluate the Wasserstein bound with the closed-form $W_2$, an upper
#   bound on $W_1$: the bound stays valid but is looser than the paper's, and the location of the
#   funnel is that of the $W_2$ version.
# * **Not tested.** The strong-data-processing analysis of Dropout, DropConnect and Gaussian noise
#   injection, and the Gibbs-algorithm results on deeper and narrower networks, are not reproduced
#   here.
