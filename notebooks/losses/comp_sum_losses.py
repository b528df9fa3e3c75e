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
# # Cross-Entropy Loss Functions: Theoretical Analysis and Applications
#
# {cite}`mao2023crossentropy` · [paper (arXiv:2304.07288)](https://arxiv.org/abs/2304.07288) ·
# the authors published no code; everything below is our own implementation.
#
# We train with cross-entropy but judge with accuracy. What does a small excess cross-entropy say
# about the excess *error*, for the hypothesis set we actually use? Bayes-consistency only answers
# in the limit and for all measurable functions. This paper gives non-asymptotic *H-consistency
# bounds* for the whole family of *comp-sum* losses, which apply a function $\Phi$ to the sum of
# exponentiated score gaps: the sum-exponential loss, cross-entropy, generalised cross-entropy (GCE)
# and the mean absolute error (MAE) are members. The bounds have an explicit shape: a square-root
# for cross-entropy, a linear one (with a factor equal to the number of classes) for MAE.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For a symmetric and complete hypothesis set $H$ and every comp-sum loss $\ell_\tau$,
# $R_{01}(h) - R^*_{01}(H) + M_{01}(H) \le \Gamma_\tau\bigl(R_{\ell_\tau}(h) - R^*_{\ell_\tau}(H) + M_{\ell_\tau}(H)\bigr)$
# for every $h \in H$, with explicit $\Gamma_\tau$ ($M$: minimizability gaps), and the bounds are
# tight. Adding a smooth adversarial term to a comp-sum loss gives robust training algorithms that,
# the paper reports, beat the state of the art in adversarial and in clean accuracy. It also
# compares the comp-sum losses empirically.
#
# **This chapter tests:**
# * *headline*: not testable here. The bounds and their tightness are theorems: evaluating them
#   on examples cannot come out the other way if the proofs are right, so they are sanity checks
#   below. The empirical headline (adversarial training against TRADES on CIFAR and SVHN) needs
#   adversarially trained ResNets, far beyond this budget;
# * *supporting*: the empirical comparison of comp-sum losses, at our scale: on digits with 40 %
#   symmetric label noise, the bounded members GCE and MAE against cross-entropy, paired over
#   independent training runs, under two optimisers (a sweep: the claim must hold under both);
# * *sanity checks*: no sampled hypothesis violates the bounds; the cross-entropy bound is
#   attained at the two-class near tie (the equality case of the proof); the cross-entropy
#   minimizability gap of a small linear class is positive and the optimiser that computes it is
#   below every trained linear scorer.
#
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
claims.not_testable(
    "bounds_and_adversarial", statement=(
        "Comp-sum losses admit tight H-consistency bounds, and regularised smooth adversarial "
        "comp-sum losses beat the state of the art (PGD adversarial training, TRADES) in robust and "
        "in clean accuracy"),
    reason=("the bounds and their tightness are theorems, so a numerical evaluation of them cannot "
            "fail if the proofs are right (it is run below as sanity checks); the empirical claim "
            "compares adversarial training of ResNets on CIFAR-10, CIFAR-100 and SVHN under 40-step "
            "PGD evaluation, which needs data sets that are not bundled and hours of GPU time, far "
            "beyond a CPU minute or a GPU's ten"))
SWEEP_CHANGE = repro.Change(
    what="criterion: paired 95% interval over independent runs, swept over the two optimisers (Adam "
         "and momentum SGD); 5 runs instead of 3",
    was="mean GCE >= mean CE and mean MAE >= mean CE over 3 seeds, with Adam only (the SGD run was "
        "shown as context)",
    why="the claim rules ask for a paired interval; the optimiser of the claim had been chosen "
        "with the SGD table in view, so both optimisers are now a sweep that must pass")
claims.declare(
    "gce_beats_ce_noisy", kind="supporting",
    statement=("Digits with 40% symmetric label noise: GCE (q = 0.7) reaches a higher test accuracy "
               "than cross-entropy, same network, budget and optimiser"),
    metric="test accuracy of GCE (%)", paired_with="test accuracy of cross-entropy (%)",
    better="higher", margin=0.0, fmt="{:+.0f}", changed=SWEEP_CHANGE)
claims.declare(
    "mae_beats_ce_noisy", kind="supporting",
    statement=("Digits with 40% symmetric label noise: MAE reaches a higher test accuracy than "
               "cross-entropy, same network, budget and optimiser"),
    metric="test accuracy of MAE (%)", paired_with="test accuracy of cross-entropy (%)",
    better="higher", margin=0.0, fmt="{:+.0f}", changed=SWEEP_CHANGE)
claims.declare(
    "bounds_hold", kind="sanity",
    statement=("No sampled hypothesis (random, perturbed-Bayes, linear, trained linear, near-worst) "
               "violates the H-consistency bound of sum-exp, CE, GCE or MAE on finite input spaces"),
    metric="violations of excess 0-1 risk <= Gamma(excess surrogate risk) + 1e-9, summed over the "
           "four losses", better="lower", margin=0.5, fmt="{:.0f}", deterministic=True)
claims.declare(
    "ce_bound_attained", kind="sanity",
    statement=("The cross-entropy bound is attained at the two-class near tie, the equality case of "
               "the tightness proof"),
    metric="max over the near-tie family of excess 0-1 risk / Gamma_CE(excess CE)",
    better="higher", margin=0.99, fmt="{:.2f}", deterministic=True)
claims.declare(
    "linear_gap", kind="sanity",
    statement=("The cross-entropy minimizability gap of 3-feature linear scorers (5 classes) is "
               "positive, and the best linear risk found is below every trained linear scorer's"),
    metric=("CE minimizability gap of the linear class (nats; set to -1 if a sampled or trained linear "
            "scorer beats the computed best linear risk by more than 1e-9)"),
    better="higher", margin=0.0, fmt="{:.2f}", deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # independent training runs of the digits comparison; 0 picks the scale's default
n_classes = 5        # classes of the finite-input bound check

# %%
import inspect
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Markdown
from matplotlib.ticker import LogLocator
from myst_nb import glue

from repro.book import params
from repro.book.plotting import COLORS
from repro.data import datasets, label_noise
from repro.nn import models, training
from repro.objectives import comp_sum
from repro.stats import benchmark
from repro.stats import intervals as stats
from repro.stats import metrics

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=50)
params.check_int("n_classes", n_classes, minimum=2, maximum=50)
n_seeds = n_seeds or run.pick(5, 10)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3 (independent runs of a counted claim)")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## The method
#
# For scores $h \in \mathbb R^n$ and label $y$, a comp-sum loss is
#
# $$\ell_\tau(h, y) = \Phi_\tau\Bigl(\sum_{y' \ne y} e^{h_{y'} - h_y}\Bigr), \qquad
# \Phi_\tau(u) = \begin{cases} \log(1 + u) & \tau = 1,\\ \frac{(1 + u)^{1 - \tau} - 1}{1 - \tau} & \tau \ne 1. \end{cases}$$
#
# Since $1 + u = 1/p_y$ with $p = \mathrm{softmax}(h)$, $\ell_\tau = (p_y^{\tau - 1} - 1)/(1 - \tau)$:
# $\tau = 0$ is the sum-exponential loss $1/p_y - 1$, $\tau = 1$ cross-entropy $-\log p_y$,
# $\tau \in (1, 2)$ GCE $(1 - p_y^{q})/q$ with $q = \tau - 1$, and $\tau = 2$ MAE $1 - p_y$.
#
# **The bound.** At an input $x$ with conditional label distribution $\eta$, let
# $\Delta C_{01} = \max_y \eta_y - \eta_{\arg\max h}$ be the excess conditional zero-one risk and
# $\Delta C_\tau = \sum_y \eta_y \ell_\tau(h, y) - \inf_{h'} \sum_y \eta_y \ell_\tau(h', y)$ the excess
# conditional surrogate risk (for $\tau < 2$ the infimum is attained at
# $p \propto \eta^{1/(2 - \tau)}$). The paper shows $\mathcal T_\tau(\Delta C_{01}) \le \Delta C_\tau$, with
# $M(t) = \bigl(\tfrac{(1 + t)^{p} + (1 - t)^{p}}{2}\bigr)^{1/p}$, $p = \frac1{2 - \tau}$ and
#
# $$\mathcal T_\tau(t) = \begin{cases}
#   \frac{2^{1-\tau}}{1 - \tau}\,\bigl(1 - M(t)\bigr) & \tau \in [0, 1),\\
#   \frac{1 + t}{2}\log(1 + t) + \frac{1 - t}{2}\log(1 - t) & \tau = 1,\\
#   \frac{M(t) - 1}{(\tau - 1)\, n^{\tau - 1}} & \tau \in (1, 2),\\
#   t / n & \tau = 2,
# \end{cases}$$
#
# and, $\mathcal T_\tau$ being convex, Jensen's inequality lifts it to expectations with
# $\Gamma_\tau = \mathcal T_\tau^{-1}$. For cross-entropy $\mathcal T(t) \ge t^2/2$, so the excess error is
# at most $\sqrt{2 \times \text{excess cross-entropy}}$; for MAE it is $n$ times the excess MAE.
# When $H$ can realise any score vector at each input (true for all score functions, and for linear
# scorers $h(x) = W\phi(x)$ with $\phi(x) \ne 0$), the terms $-R^*(H) + M(H)$ on each side equal
# minus the expected best *conditional* risk, so both sides of the bound are computable exactly on
# a finite input space; the minimizability gap $M(H)$ itself is what separates the bound on the
# excess risk over the *Bayes* risk from the bound on the *estimation error* within $H$.
#
# The losses and the bound functions are in `src/repro/objectives/comp_sum.py`, tested in
# `tests/objectives/test_comp_sum.py` (definition via the sum of exponentials, named members, the
# gradient $p_y^{\tau - 1}(p - e_y)$, the closed-form minimal conditional risk vs L-BFGS, the special
# cases of $\mathcal T_\tau$, and equality in the two-class tie, where the bound is attained).

# %%
print(inspect.getsource(comp_sum.comp_sum))
print(inspect.getsource(comp_sum.error_transformation))

# %% [markdown]
# ## Checking the bounds on finite input spaces
#
# **Distributions.** 300 inputs $x$, uniform marginal, $n = 5$ classes; each $\eta(x)$ is drawn from a
# Dirichlet distribution (concentration 0.5), and each input has a feature vector
# $\phi(x) \in \mathbb R^3$ for the linear hypothesis set.
#
# **Hypotheses** (each gives one point per loss):
# * *random scorers* from the complete set: i.i.d. Gaussian scores at scales from 0.1 to 10;
# * *perturbed Bayes scorers*: $\log \eta(x)$ plus Gaussian noise at scales from 0.01 to 3;
# * *linear scorers* $W\phi(x)$: random $W$ and the iterates of gradient descent on the exact
#   population risk of each loss (partially trained models);
# * *near-worst cases*: the two-class construction behind the bound's tightness,
#   $\eta(x) = (\tfrac{1 + t}{2}, \tfrac{1 - t}{2}, 0, \ldots)$ at every input, scored with a near tie
#   that favours the wrong class, for $t$ from 0.05 to 0.95.

# %%
TAUS = {"sum-exp": 0.0, "CE": 1.0, "GCE (q=0.7)": 1.7, "MAE": 2.0}
N_X, D_PHI = 300, 3
gen = torch.Generator().manual_seed(SEEDS[0])
eta = torch.distributions.Dirichlet(torch.full((n_classes,), 0.5)).sample((N_X,)).double()
eta = eta.clamp_min(1e-12)
eta = eta / eta.sum(1, keepdim=True)
phi = torch.randn(N_X, D_PHI, generator=gen, dtype=torch.float64)


def excess(h: torch.Tensor, eta_: torch.Tensor, tau: float):
    """(excess zero-one risk, excess surrogate risk) of scores h over inputs with label law eta_."""
    q = torch.softmax(h, -1)
    e01 = comp_sum.zero_one_regret(q, eta_).mean(-1)
    es = (comp_sum.conditional_risk(q, eta_, tau) - comp_sum.min_conditional_risk(eta_, tau)).mean(-1)
    return e01, es


def trained_linear_path(tau: float, steps: int, lr: float) -> list[torch.Tensor]:
    """Scores along gradient descent on the exact population risk of loss tau, linear scorers."""
    W = torch.zeros(D_PHI, n_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([W], lr=lr)
    path = []
    for step in range(steps):
        risk = comp_sum.conditional_risk(torch.softmax(phi @ W, 1), eta, tau).mean()
        opt.zero_grad()
        risk.backward()
        opt.step()
        if step % 5 == 0:
            path.append((phi @ W).detach())
    return path


families = {}
scales = torch.logspace(-1, 1, run.pick(100, 400), dtype=torch.float64)
families["random"] = torch.stack([s * torch.randn(N_X, n_classes, generator=gen, dtype=torch.float64) for s in scales])
noise = torch.logspace(-2, np.log10(3), run.pick(100, 400), dtype=torch.float64)
families["perturbed Bayes"] = torch.stack([eta.log() + s * torch.randn(N_X, n_classes, generator=gen, dtype=torch.float64)
                                           for s in noise])
W_rand = torch.randn(run.pick(100, 400), D_PHI, n_classes, generator=gen, dtype=torch.float64) * 3
linear = [phi @ W for W in W_rand]
for tau in TAUS.values():
    linear += trained_linear_path(tau, steps=run.pick(200, 1000), lr=0.05)
families["linear"] = torch.stack(linear)

# near-worst case: its own distributions, one per t, with a near tie won by the wrong class
t_grid = torch.linspace(0.05, 0.95, 19, dtype=torch.float64)
eta_worst = torch.zeros(len(t_grid), 1, n_classes, dtype=torch.float64)
eta_worst[:, 0, 0], eta_worst[:, 0, 1] = (1 + t_grid) / 2, (1 - t_grid) / 2
h_worst = torch.full((len(t_grid), 1, n_classes), -40.0, dtype=torch.float64)
h_worst[:, 0, 0], h_worst[:, 0, 1] = 0.0, 1e-6

points = {name: {} for name in TAUS}
for name, tau in TAUS.items():
    for fam, H in families.items():
        points[name][fam] = excess(H, eta.expand(len(H), -1, -1), tau)
    points[name]["near-worst"] = excess(h_worst, eta_worst, tau)

violations, max_ratio, away_ratio = {}, {}, {}
for name, tau in TAUS.items():
    e01 = torch.cat([v[0] for v in points[name].values()])
    es = torch.cat([v[1] for v in points[name].values()])
    gamma = comp_sum.bound_gamma(es, tau, n_classes)
    violations[name] = int((e01 > gamma + 1e-9).sum())
    ok = gamma > 1e-6
    max_ratio[name] = float((e01[ok] / gamma[ok]).max())
    # the same ratio away from the proof's equality case (every family but the near tie)
    e01_f = torch.cat([v[0] for f, v in points[name].items() if f != "near-worst"])
    g_f = comp_sum.bound_gamma(torch.cat([v[1] for f, v in points[name].items() if f != "near-worst"]),
                               tau, n_classes)
    away_ratio[name] = float((e01_f[g_f > 1e-6] / g_f[g_f > 1e-6]).max())
    print(f"{name:12s} {len(e01):5d} hypotheses, violations {violations[name]}, "
          f"max excess-error / Gamma(excess surrogate) = {max_ratio[name]:.3f} "
          f"(without the near tie: {away_ratio[name]:.3f})")
e01_w, es_w = points["CE"]["near-worst"]
g_w = comp_sum.bound_gamma(es_w, 1.0, n_classes)
ce_tie_ratio = float((e01_w / g_w).max())

# %%
fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharey=True)
markers = {"random": ".", "perturbed Bayes": "x", "linear": "+", "near-worst": "o"}
for ax, (name, tau) in zip(axes.flat, TAUS.items()):
    es_all = torch.cat([v[1] for v in points[name].values()])
    lo_x, hi_x = float(es_all[es_all > 0].min()) / 2, float(es_all.max()) * 2
    grid = torch.logspace(np.log10(lo_x), np.log10(hi_x), 400, dtype=torch.float64)
    for (fam, (e01, es)), c in zip(points[name].items(), COLORS):
        ax.scatter(es, e01, s=10, marker=markers[fam], color=c, label=fam, alpha=0.7)
    ax.plot(grid, comp_sum.bound_gamma(grid, tau, n_classes), "k-", lw=1.5, label=r"$\Gamma_\tau$ (bound)")
    ax.set_xscale("log")
    ax.set_xlim(lo_x, hi_x)
    ax.xaxis.set_major_locator(LogLocator(numticks=5))
    ax.set_title(f"{name} (tau={tau:g})", fontsize=10)
    ax.set_xlabel("excess surrogate risk (log scale)")
for ax in axes[:, 0]:
    ax.set_ylabel("excess zero-one risk")
axes[0, 0].legend(fontsize=7, loc="upper left")
fig.suptitle(f"H-consistency bounds on finite input spaces ({n_classes} classes):\n"
             "every point must lie below the curve")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Minimizability gaps for linear scorers.** With only three features for five classes, the best
# linear scorer cannot reach the Bayes conditional risk at every input. The gap
# $M_{\ell}(H_{\text{lin}}) = R^*_\ell(H_{\text{lin}}) - \mathbb E_x[\inf_h C_\ell(h, x)]$ is what the bound on the
# estimation error *within* $H$ must absorb; we compute it for cross-entropy by minimising the
# (convex) population risk over $W$.

# %%
W = torch.zeros(D_PHI, n_classes, dtype=torch.float64, requires_grad=True)
lbfgs = torch.optim.LBFGS([W], max_iter=500, tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe")


def closure():
    lbfgs.zero_grad()
    r = comp_sum.conditional_risk(torch.softmax(phi @ W, 1), eta, 1.0).mean()
    r.backward()
    return r


lbfgs.step(closure)
with torch.no_grad():
    best_lin = float(comp_sum.conditional_risk(torch.softmax(phi @ W, 1), eta, 1.0).mean())
    trained_ce = [float(comp_sum.conditional_risk(torch.softmax(h, 1), eta, 1.0).mean()) for h in linear]
bayes_ce = float(comp_sum.min_conditional_risk(eta, 1.0).mean())
gap_ce = best_lin - bayes_ce
print(f"cross-entropy: best linear risk {best_lin:.3f}, Bayes (pointwise) risk {bayes_ce:.3f}, "
      f"minimizability gap {gap_ce:.3f}; smallest CE risk among the {len(linear)} sampled and trained "
      f"linear scorers {min(trained_ce):.3f}")

# %% [markdown]
# ## Comp-sum losses on digits with noisy labels
#
# scikit-learn digits (1257 training and 540 test images, standardised), 0, 20 or 40 % of the
# training labels moved to a different class uniformly (`repro.data.label_noise.symmetric`), clean test
# labels. The same one-hidden-layer tanh MLP (64 units) for every loss, full-batch Adam, learning
# rate $10^{-2}$, 100 steps (300 at full scale), no early stopping, no hyper-parameter tuned. The
# 40 % setting, on which the claims are tested, is also run with the optimiser of the companion
# chapter on LDR losses (full-batch SGD, momentum 0.9, learning rate 0.1, weight decay
# $5\cdot10^{-3}$): the claims must hold under both optimisers. Each seed draws its own train/test
# split, label noise and initialisation, so the runs are independent; the losses are paired
# within a run.

# %%
LOSSES = {"sum-exp": comp_sum.sum_exp, "CE": comp_sum.cross_entropy,
          "GCE": partial(comp_sum.gce, q=0.7), "MAE": comp_sum.mae}
OPTIM = {"adam": dict(optimizer="adam", lr=1e-2),
         "sgd": dict(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-3)}
STEPS = run.pick(100, 300)


def fit(seed: int, noise: float, loss: str, optim: str = "adam") -> dict:
    data = datasets.digits(seed=seed)
    y = label_noise.symmetric(data.y_train.numpy(), 10, noise, np.random.default_rng(seed))
    data, y = data.to(run.device), torch.as_tensor(y).to(run.device)
    torch.manual_seed(seed)
    model = models.mlp(data.X_train.shape[1], [64], 10, activation="tanh").to(run.device)
    training.train(model, LOSSES[loss], data.X_train, y, epochs=STEPS, batch_size=None,
                   desc=f"{loss} noise={noise} seed {seed}", **OPTIM[optim])
    return {"test_acc": 100 * metrics.accuracy(models.predict(model, data.X_test), data.y_test)}


records = benchmark.grid(fit, SEEDS, desc="noise x loss x seed", noise=[0.0, 0.2, 0.4], loss=list(LOSSES))
records_sgd = benchmark.grid(partial(fit, optim="sgd"), SEEDS, desc="SGD check", noise=[0.4], loss=list(LOSSES))
print("Adam: test accuracy (%), mean ± 95% CI over seeds")
print(benchmark.table(records, row="noise", col="loss", metric="test_acc", fmt="{:.1f}"))
print("\nSGD with momentum, 40 % noise")
print(benchmark.table(records_sgd, row="noise", col="loss", metric="test_acc", fmt="{:.1f}"))

# %%
acc = {(r["noise"], r["loss"], r["seed"]): r["test_acc"] for r in records}
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for name, c in zip(LOSSES, COLORS):
    vals = np.array([[acc[nz, name, s] for s in SEEDS] for nz in (0.0, 0.2, 0.4)])
    m, h = stats.mean_ci(vals, axis=1)
    ax.errorbar([0, 20, 40], m, yerr=h, marker="o", capsize=3, color=c, label=name)
ax.set_xlabel("symmetric label noise (%)")
ax.set_ylabel("test accuracy (%)")
ax.set_title(f"Comp-sum losses on digits, Adam ({n_seeds} seeds, 95% CI)")
ax.legend()
plt.show()

# %% [markdown]
# ## Results

# %%
acc_sgd = {(r["loss"], r["seed"]): r["test_acc"] for r in records_sgd}
at40 = {"adam": {n: [acc[0.4, n, s] for s in SEEDS] for n in LOSSES},
        "sgd": {n: [acc_sgd[n, s] for s in SEEDS] for n in LOSSES}}
for opt in ("adam", "sgd"):
    claims.record("gce_beats_ce_noisy", method=at40[opt]["GCE"], baseline=at40[opt]["CE"],
                  setting=f"optimiser={opt}")
for opt in ("adam", "sgd"):
    claims.record("mae_beats_ce_noisy", method=at40[opt]["MAE"], baseline=at40[opt]["CE"],
                  setting=f"optimiser={opt}")
claims.record("bounds_hold", value=sum(violations.values()))
claims.record("ce_bound_attained", value=ce_tie_ratio)
claims.record("linear_gap", value=gap_ce if min(trained_ce) >= best_lin - 1e-9 else -1.0)
claims.results()
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: not testable here.** The paper's central results are theorems, and its empirical
# headline is about adversarial training of ResNets (see the claim box for the reason).
#
# **Supporting claims.** GCE against cross-entropy on digits with 40 % symmetric noise:
# {glue:md}`verdict_gce_beats_ce_noisy`; MAE against cross-entropy:
# {glue:md}`verdict_mae_beats_ce_noisy`; each must hold under Adam and under momentum SGD (the
# paired differences per optimiser are in the results cell). This comparison tests a consequence
# that the catalog drew from the robustness literature more than a theorem of this paper: the
# bounded losses resist symmetric noise better than cross-entropy, which fits the wrong labels.
# MAE's gradient $p_y(p - e_y)$ is small on the examples the network gets wrong, so its learning
# speed depends on the optimiser, which is why both optimisers are required.
#
# **Sanity checks** (theorems and implementation checks, not reproductions). No sampled
# hypothesis violates any of the four bounds: {glue:md}`verdict_bounds_hold`. The cross-entropy
# bound is attained at the two-class near tie, the construction of the tightness proof:
# {glue:md}`verdict_ce_bound_attained`; this shows that $\Gamma_{CE}$ is computed correctly, not
# that typical hypotheses come near it. Away from that construction (the ratios "without the near
# tie" printed above) random, perturbed and linear scorers sit below the curves, which is what a
# worst-case bound predicts. For GCE and MAE ($\tau > 1$) the bound carries a factor that grows
# with the number of classes, and the two-class near tie comes close to it only where
# $\Gamma_\tau$ saturates. The cross-entropy minimizability gap of the three-feature linear class
# is positive and the optimiser that computes it beats every sampled or trained linear scorer:
# {glue:md}`verdict_linear_gap`. The gap is what separates a bound on the excess risk over the
# Bayes risk from a bound on the estimation error within $H$, and for a class this small it is a
# large part of the cross-entropy risk (printed above the digits section).
#
# ## Deviations from the paper
#
# * **Bounds checked numerically, not proved.** We evaluate both sides of the bound exactly on
#   finite input spaces with known $\eta$, for complete and linear hypothesis sets; the paper proves
#   them for all distributions and also treats bounded (non-complete) score sets, which we do not.
# * **Minimizability gaps.** For linear scorers we compute the cross-entropy gap numerically; the
#   paper's analytic characterisation of the gaps is not reproduced.
# * **No adversarial experiments.** The smooth adversarial comp-sum losses and their comparison with
#   PGD adversarial training and TRADES on CIFAR-10, CIFAR-100 and SVHN are out of scope for a CPU
#   budget of seconds; the headline is therefore recorded as not testable here.
# * **Empirical comparison.** One small dataset (digits, MLP, full-batch training) with symmetric
#   noise instead of the paper's image benchmarks; hyper-parameters are fixed, not tuned. The
#   legacy version of this chapter tested the comparison with Adam only, 3 seeds and a comparison
#   of means; it now uses paired intervals over 5 runs and both optimisers (see the change note).
