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
# # Label Distributionally Robust Losses for Multi-class Classification: Consistency, Robustness and Adaptivity
#
# {cite}`zhu2023ldr` · [paper (arXiv:2112.14869)](https://arxiv.org/abs/2112.14869) ·
# [authors' code (Optimization-AI/ICML2023_LDR)](https://github.com/Optimization-AI/ICML2023_LDR).
# Everything below is our own implementation.
#
# A classification loss has to decide how much to trust the label it is given. Cross-entropy trusts
# it completely; a multi-class SVM cares only about the most offending wrong class. This paper
# writes both as the answer to one question: *if the label information were uncertain, what is the
# worst distribution over the classes that an adversary could put on them, at a price?* Charging
# the adversary a KL divergence from the uniform distribution gives a one-parameter family, LDR-KL,
# whose "price" $\lambda$ moves the loss from the Crammer-Singer SVM ($\lambda \to 0$) through the
# (temperature-scaled) cross-entropy to a symmetric, noise-tolerant loss ($\lambda \to \infty$). The
# adaptive version, ALDR-KL, lets every training example choose its own $\lambda$.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (i) The LDR-KL loss has a closed form that contains the cross-entropy, the
# temperature-scaled cross-entropy and the Crammer-Singer SVM as special or limiting cases; (ii) it is
# top-$k$ consistent for every $k$, whereas a symmetric loss that is top-1 consistent cannot be
# top-$k$ consistent for all $k \ge 2$; (iii) the adaptive loss ALDR-KL is stable and competitive
# under label noise: over 7 datasets, 6 noisy settings and clean data it ranks at or near the top
# of 13 losses.
#
# **This chapter tests**, with an MLP on digits; each seed draws a new train/test split, new noisy
# labels and a new initialisation (shared by all losses), so seeds are independent runs and the
# losses are paired within a run:
# * *headline* (iii at our scale): averaged over six label settings (clean; symmetric noise
#   20/40/60 %; pair noise 20/40 %), ALDR-KL's test accuracy is at most 1 point below that of the
#   strongest of five baselines (CE, MAE, GCE, SCE, LDR-KL with fixed $\lambda$), or above it;
# * *supporting*: at 40 % symmetric noise ALDR-KL beats cross-entropy;
# * *sanity checks* (identities and theorems: they hold if the code is right): the closed form equals
#   a numerical maximisation of the label-DRO problem, and at $\lambda = 1$ without margin it is
#   cross-entropy minus $\log K$; for 100 random conditional label distributions the LDR-KL
#   minimiser keeps the whole ranking of $\eta$ (top-$k$ calibrated for every $k$), while the
#   symmetric MAE reaches its infimum with the top-2 set wrong but not with the top-1 class wrong.
#
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
claims.declare(
    "aldr_competitive", kind="headline",
    statement=("Averaged over six label settings on digits, ALDR-KL's test accuracy is no more than 1 "
               "point below the strongest of five baselines (CE, MAE, GCE, SCE, LDR-KL), or above it"),
    metric="ALDR-KL test accuracy (%), mean over the six settings of a run",
    paired_with="that of the baseline with the highest overall mean", better="higher", margin=-1.0,
    fmt="{:+.1f}",
    changed=(repro.Change(
        what="criterion: paired 95% interval over runs of (ALDR-KL - strongest baseline) above -1 point",
        was="difference of the means over seeds >= -1 point, no interval (legacy claim 3)",
        why="the claim rules ask for a paired interval over independent runs"),
        repro.Change(
        what="training budget: the quick scale's 100 full-batch steps (300 at full scale) is not swept",
        was="the same budgets; the legacy text reported that a one-off full-scale run (300 steps) failed "
            "this criterion",
        why="a sweep over budgets does not fit the CPU minute; the verdict holds for the quick budget "
            "only, and the full-scale run records its own verdict at 300 steps")))
claims.declare(
    "aldr_beats_ce_sym40", kind="supporting",
    statement="Digits with 40% symmetric label noise: ALDR-KL reaches a higher test accuracy than cross-entropy",
    metric="ALDR-KL test accuracy (%)", paired_with="cross-entropy test accuracy (%)",
    better="higher", margin=0.0, fmt="{:+.0f}",
    changed=repro.Change(what="criterion: paired 95% interval over runs above 0",
                         was="mean ALDR-KL >= mean CE over 3 seeds (legacy claim 2)",
                         why="the claim rules ask for a paired interval over independent runs"))
claims.declare(
    "closed_form_dro", kind="sanity",
    statement="The LDR-KL closed form equals a generic numerical maximisation of the label-DRO problem",
    metric="max |closed form - SLSQP maximum| (K=10, 40 gap vectors x 5 lambdas; printed as 1e-07 when below)",
    better="lower", margin=1e-6, fmt="{:.0e}", deterministic=True)
claims.declare(
    "ce_special_case", kind="sanity",
    statement="LDR-KL at lambda = 1 without margin is cross-entropy minus log K",
    metric="max |LDR-KL - (CE - log K)| (float64; printed as 1e-12 when below)",
    better="lower", margin=1e-10, fmt="{:.0e}", deterministic=True)
claims.declare(
    "ldr_keeps_ranking", kind="sanity",
    statement=("The minimiser of LDR-KL's conditional risk ranks all K = 5 classes as eta does (top-k "
               "calibrated for every k), for 100 random eta at lambda = 1 and 10"),
    metric="fraction of the 100 eta whose full ranking is kept, the smaller over lambda = 1 and 10", better="higher",
    margin=0.999, fmt="{:.2f}", deterministic=True)
claims.declare(
    "mae_not_top2", kind="sanity",
    statement="The symmetric MAE reaches its infimum with the top-2 set wrong (not top-2 calibrated)",
    metric="max over eta of the MAE excess conditional risk at a top-2-wrong score vector (printed as 1e-12 when below)",
    better="lower", margin=1e-9, fmt="{:.0e}", deterministic=True)
claims.declare(
    "mae_top1", kind="sanity",
    statement="... but not with the top-1 class wrong (MAE is top-1 calibrated)",
    metric="min over eta of the MAE excess conditional risk when the top-1 class is wrong",
    better="higher", margin=1e-3, fmt="{:.3f}", deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (closer to the paper)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # seeds per (loss, setting); 0 picks the scale's default

# %%
import inspect
import math
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Markdown
from myst_nb import glue

from repro.book import params
from repro.book.plotting import COLORS
from repro.data import datasets, label_noise
from repro.nn import models, training
from repro.objectives import comp_sum, ldr
from repro.stats import benchmark
from repro.stats import intervals as stats
from repro.stats import metrics

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=50)
n_seeds = n_seeds or run.pick(3, 10)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3 (independent runs of a counted claim)")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## The method
#
# For scores $f \in \mathbb R^K$ and a label $y$, let $d_k = f_k - f_y + c\,\mathbb 1[k \ne y]$ be the
# margin-shifted score gaps ($d_y = 0$, $c \ge 0$ a margin). The LDR-KL loss lets an adversary pick
# weights $p$ on the classes, paying $\lambda$ times the KL divergence from the uniform distribution
# $u$:
#
# $$\psi_\lambda(f, y) = \max_{p \in \Delta_K} \sum_k p_k d_k - \lambda\, \mathrm{KL}(p \,\|\, u)
#   = \lambda \log\Bigl(\frac1K \sum_{k} e^{d_k/\lambda}\Bigr),
#   \qquad p^\star = \mathrm{softmax}(d / \lambda).$$
#
# With $c = 0$, $\lambda = 1$ this is the cross-entropy minus $\log K$; $\lambda = \tau$ gives
# $\tau$ times the cross-entropy of the scores divided by the temperature $\tau$. As
# $\lambda \to 0$ the adversary puts all its weight on the worst class and $\psi_\lambda \to \max_k d_k$,
# the Crammer-Singer hinge (with $0 \le \max_k d_k - \psi_\lambda \le \lambda \log K$); as
# $\lambda \to \infty$ it must stay uniform and $\psi_\lambda \to \frac1K \sum_k d_k$, a loss whose sum
# over the $K$ possible labels is a constant: a *symmetric* loss, the property behind the noise
# tolerance of MAE. The gradient with respect to the scores is simply $p^\star - e_y$.
#
# **ALDR-KL** gives each example its own $\lambda$, found by a second, regularised maximisation
# around a reference $\lambda_0$:
#
# $$\psi_A(f, y) = \max_{\lambda} \; \psi_\lambda(f, y) - \frac{\alpha \log K}{2 \lambda_0} (\lambda - \lambda_0)^2 .$$
#
# Because $\partial \psi_\lambda / \partial \lambda = -\mathrm{KL}(p^\star_\lambda \| u)$, the optimum
# satisfies $\lambda^\star = \lambda_0 \bigl(1 - \mathrm{KL}(p^\star_{\lambda^\star} \| u)/(\alpha \log K)\bigr)
# \in [\lambda_0 (1 - 1/\alpha), \lambda_0]$: the more the worst-case weights of an example differ from
# uniform, the smaller its $\lambda$. We solve this scalar problem exactly for every example (a few
# safeguarded Newton steps) and, by Danskin's theorem, differentiate at fixed $\lambda^\star$; the
# authors instead keep one $\lambda$ per example and take one fixed-point step each time it is visited.
# As in the authors' code for tabular data, ALDR-KL divides the scores by their mean absolute value
# and LDR-KL applies a softplus and divides by the mean, with margin $c = 0.1$, $\lambda = \lambda_0 = 10$,
# $\alpha = 2$. The code is in `src/repro/objectives/ldr.py`, tested in `tests/objectives/test_ldr.py`
# (closed form vs a numerical maximum, the special cases and limits, the gradient $p^\star - e_y$, the
# $\lambda^\star$ solver vs a grid search, and finite differences of $\psi_A$).

# %%
print(inspect.getsource(ldr.ldr_kl_from_gaps))
print(inspect.getsource(ldr.aldr_kl))

# %% [markdown]
# ### The closed form and the special cases, checked numerically
#
# We maximise the inner problem over the simplex with a generic constrained solver (SLSQP) for random
# gaps and several $\lambda$, and compare with the closed form; then compare LDR-KL at $\lambda = 1$,
# $c = 0$ with PyTorch's cross-entropy.

# %%
gen = torch.Generator().manual_seed(SEEDS[0])
f_chk = 3 * torch.randn(40, 10, generator=gen, dtype=torch.float64)
y_chk = torch.randint(0, 10, (40,), generator=gen)
dro_err = 0.0
for lam in (0.05, 0.5, 1.0, 5.0, 50.0):
    d = ldr.score_gaps(f_chk, y_chk, margin=0.1)
    closed = ldr.ldr_kl_from_gaps(d, lam)
    for i in range(len(d)):
        dro_err = max(dro_err, abs(ldr.dro_max_numeric(d[i].numpy(), lam)[0] - closed[i].item()))
ce_err = (ldr.ldr_kl(f_chk, y_chk, lam=1.0, margin=0.0, reduction="none")
          - (comp_sum.cross_entropy(f_chk, y_chk, reduction="none") - math.log(10))).abs().max().item()
print(f"max |closed form - numerical max| = {dro_err:.1e};  max |LDR-KL(lam=1) - (CE - log K)| = {ce_err:.1e}")

# %% [markdown]
# ### Top-$k$ consistency: a computation
#
# A loss is top-$k$ calibrated when, for every conditional label distribution $\eta$, score vectors
# that get the top-$k$ set of $\eta$ wrong cannot approach the minimal conditional risk
# $\min_f \sum_y \eta_y \psi(f, y)$. For a convex loss like LDR-KL it suffices that the minimiser
# ranks the classes strictly in the order of $\eta$: then it is top-$k$ calibrated for every $k$ at
# once. We minimise the conditional risk (L-BFGS, float64) for 100 random $\eta$ over $K = 5$ classes
# (consecutive probabilities at least 0.01 apart) at $\lambda \in \{1, 10\}$, $c = 0.1$.
#
# MAE, $1 - \mathrm{softmax}(f)_y$, is symmetric ($\sum_y (1 - p_y) = K - 1$) and its conditional risk
# $1 - \sum_y \eta_y p_y$ has infimum $1 - \max_y \eta_y$, approached by putting one large score $M$
# on the most likely class and *any* scores on the others. We evaluate it at $M = 60$ with the other
# classes ranked in *reverse* order of $\eta$ (top-2 set wrong), and, for contrast, with the two most
# likely classes tied (top-1 wrong), whose infimum is $1 - (\eta_{(1)} + \eta_{(2)})/2$.

# %%
K_CAL = 5


def sample_eta(n, K, rng, min_gap=0.01):
    out = []
    while len(out) < n:
        e = rng.dirichlet(np.ones(K))
        if np.diff(np.sort(e)).min() >= min_gap:
            out.append(e)
    return torch.tensor(np.array(out))


def ldr_conditional_minimiser(eta, lam, margin):
    """argmin_f sum_y eta_y psi_lam(f, y) for each row of eta (f_K fixed to 0: shift invariance)."""
    n, K = eta.shape
    free = torch.zeros(n, K - 1, dtype=torch.float64, requires_grad=True)
    labels = torch.arange(K).repeat(n)

    def risk():
        f = torch.cat([free, torch.zeros(n, 1, dtype=torch.float64)], 1)
        per = ldr.ldr_kl(f.repeat_interleave(K, 0), labels, lam=lam, margin=margin, reduction="none")
        return (per.view(n, K) * eta).sum()

    opt = torch.optim.LBFGS([free], lr=1, max_iter=500, tolerance_grad=1e-12, tolerance_change=1e-15,
                            history_size=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        r = risk()
        r.backward()
        return r

    opt.step(closure)
    f = torch.cat([free.detach(), torch.zeros(n, 1, dtype=torch.float64)], 1)
    return f


eta = sample_eta(100, K_CAL, np.random.default_rng(SEEDS[0]))
order = eta.argsort(1, descending=True)
rank_ok, sep = {}, {}
for lam in (1.0, 10.0):
    f_star = ldr_conditional_minimiser(eta, lam, 0.1)
    sorted_f = f_star.gather(1, order)
    rank_ok[lam] = float((sorted_f[:, :-1] > sorted_f[:, 1:]).all(1).double().mean())
    sep[lam] = float((sorted_f[:, :-1] - sorted_f[:, 1:]).min())

M = 60.0
reverse = torch.zeros_like(eta)
reverse.scatter_(1, order, torch.arange(K_CAL, dtype=torch.float64).expand(len(eta), -1))  # ascending in eta
reverse.scatter_(1, order[:, :1], M)                       # ... except a large score on the top class
tie12 = torch.zeros_like(eta)
tie12.scatter_(1, order[:, :2], M)
mae_risk = lambda f: 1 - (eta * torch.softmax(f, 1)).sum(1)
eta_sorted = eta.gather(1, order)
mae_gap_top2 = float((mae_risk(reverse) - (1 - eta_sorted[:, 0])).abs().max())
mae_gap_top1 = float((0.5 * (eta_sorted[:, 0] - eta_sorted[:, 1])).min())
print(f"LDR-KL minimiser ranks all {K_CAL} classes as eta: " + ", ".join(
    f"lam={k:g}: {100 * v:.0f} % (smallest gap between consecutive scores {sep[k]:.1e})" for k, v in rank_ok.items()))
print(f"MAE: risk at a top-2-wrong score vector minus the infimum: {mae_gap_top2:.1e}; "
      f"smallest excess risk when the top-1 class is wrong: {mae_gap_top1:.3f} "
      f"(risk at the top-1 tie: {float((mae_risk(tie12) - (1 - 0.5 * eta_sorted[:, :2].sum(1))).abs().max()):.0e} from its formula)")

# %% [markdown]
# ## The experiment: digits under label noise
#
# **Data.** scikit-learn's 8x8 digits (1257 training and 540 test images, standardised). Training
# labels are corrupted with `repro.data.label_noise`: *symmetric* noise moves exactly 20, 40 or 60 % of
# them to a different class chosen uniformly; *pair* noise moves 20 or 40 % of them from class $c$ to
# $c + 1 \bmod 10$ (a class-dependent flip). Test labels are clean.
#
# **Losses** (all on the same raw network outputs): cross-entropy (CE); MAE $1 - p_y$; GCE
# $(1 - p_y^{q})/q$ with $q = 0.7$ ([Zhang & Sabuncu, 2018](https://arxiv.org/abs/1805.07836)); SCE
# $\tfrac12\,\mathrm{CE} + \tfrac12 \cdot 4\,(1 - p_y)$, the symmetric cross-entropy
# ([Wang et al., 2019](https://arxiv.org/abs/1908.06112)) in the form the LDR authors use; LDR-KL with
# fixed $\lambda = 10$; ALDR-KL with $\lambda_0 = 10$, $\alpha = 2$. CE, MAE and GCE come from
# `repro.objectives.comp_sum`. Every loss hyper-parameter is the default, or the middle value of the
# grid, in the authors' released code; none is tuned here.
#
# **Training.** The same one-hidden-layer tanh MLP (64 units, as the authors' feed-forward network for
# tabular data uses tanh) for every loss, full-batch SGD with momentum 0.9 and weight decay
# $5 \cdot 10^{-3}$ (the authors' optimiser and decay), learning rate 0.1, 100 steps (300 at full
# scale), no early stopping. Each seed draws a new train/test split, new noisy labels and a new
# initialisation, shared by all losses.

# %%
LOSSES = {
    "CE": comp_sum.cross_entropy,
    "MAE": comp_sum.mae,
    "GCE": partial(comp_sum.gce, q=0.7),
    "SCE": partial(ldr.symmetric_ce, balance=0.5, A=4.0),
    "LDR-KL": partial(ldr.ldr_kl, lam=10.0, margin=0.1, normalize="softplus"),
    "ALDR-KL": partial(ldr.aldr_kl, lam0=10.0, alpha=2.0, margin=0.1, normalize="l1"),
}
SETTINGS = ["clean", "sym 20%", "sym 40%", "sym 60%", "pair 20%", "pair 40%"]
TRAIN = dict(hidden=[64], steps=run.pick(100, 300), lr=0.1, momentum=0.9, weight_decay=5e-3)
_cache = {}


def noisy_data(s: int, setting: str):
    if (s, setting) not in _cache:
        data = datasets.digits(seed=s)
        y = data.y_train.numpy()
        rng = np.random.default_rng(s)
        if setting != "clean":
            kind, rate = setting.split()
            rate = float(rate.rstrip("%")) / 100
            y = (label_noise.symmetric if kind == "sym" else label_noise.pair)(y, 10, rate, rng)
        _cache[s, setting] = (data.to(run.device), torch.as_tensor(y).to(run.device))
    return _cache[s, setting]


def fit(seed: int, setting: str, loss: str) -> dict:
    data, y_noisy = noisy_data(seed, setting)
    torch.manual_seed(seed)
    model = models.mlp(data.X_train.shape[1], TRAIN["hidden"], 10, activation="tanh").to(run.device)
    training.train(model, LOSSES[loss], data.X_train, y_noisy, epochs=TRAIN["steps"], batch_size=None,
                   lr=TRAIN["lr"], optimizer="sgd", momentum=TRAIN["momentum"],
                   weight_decay=TRAIN["weight_decay"], desc=f"{loss} {setting} seed {seed}")
    out = {"test_acc": 100 * metrics.accuracy(models.predict(model, data.X_test), data.y_test)}
    if loss == "ALDR-KL" and setting == "sym 40%":  # the per-example temperatures, for the figure
        f = ldr.normalize_scores(models.predict(model, data.X_train), "l1")
        lam = ldr.aldr_lambda(ldr.score_gaps(f, y_noisy, 0.1), 10.0, 2.0)
        out["lam_clean"] = lam[y_noisy == data.y_train].cpu().numpy()
        out["lam_noisy"] = lam[y_noisy != data.y_train].cpu().numpy()
    return out


records = benchmark.grid(fit, SEEDS, desc="setting x loss x seed", setting=SETTINGS, loss=list(LOSSES))

# %% [markdown]
# ## Results
#
# Test accuracy (%), mean ± 95 % confidence half-width over seeds.

# %%
print(benchmark.table(records, row="setting", col="loss", metric="test_acc", fmt="{:.1f}"))
acc = {(r["setting"], r["loss"], r["seed"]): r["test_acc"] for r in records}
per_loss = {n: np.array([[acc[st, n, s] for s in SEEDS] for st in SETTINGS]) for n in LOSSES}  # (settings, seeds)
overall = {n: per_loss[n].mean() for n in LOSSES}
print("mean over the six settings: " + ", ".join(f"{n} {v:.1f}" for n, v in overall.items()))

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [1.6, 1]})
ax = axes[0]
x = np.arange(len(SETTINGS))
for i, (n, c) in enumerate(zip(LOSSES, COLORS)):
    m, h = stats.mean_ci(per_loss[n], axis=1)
    ax.errorbar(x + (i - 2.5) * 0.07, m, yerr=h, marker="o", ms=4, capsize=2, color=c, label=n,
                lw=2.2 if n == "ALDR-KL" else 1.0)
ax.set_xticks(x, SETTINGS)
ax.set_xlabel("training-label noise")
ax.set_ylabel("test accuracy (%)")
ax.set_title(f"MLP on digits, six label settings ({n_seeds} seeds, 95% CI)")
ax.legend(ncol=2, fontsize=8, loc="lower left")
ax = axes[1]
lam_c = np.concatenate([r["lam_clean"] for r in records if "lam_clean" in r])
lam_n = np.concatenate([r["lam_noisy"] for r in records if "lam_noisy" in r])
bins = np.linspace(min(lam_c.min(), lam_n.min()), 10.0, 40)
ax.hist(lam_c, bins=bins, alpha=0.6, density=True, color=COLORS[2], label="correct label")
ax.hist(lam_n, bins=bins, alpha=0.6, density=True, color=COLORS[1], label="flipped label")
ax.set_xlabel(r"per-example $\lambda^\star$ after training")
ax.set_ylabel("density")
ax.set_title("ALDR-KL temperatures, sym 40% noise")
ax.legend()
fig.tight_layout()
plt.show()
lam_all = np.concatenate([lam_c, lam_n])
print(f"median lambda*: correct labels {np.median(lam_c):.2f}, flipped labels {np.median(lam_n):.2f} "
      f"(range {lam_all.min():.2f}-{lam_all.max():.2f})")
glue("lam_spread", float(100 * (1 - lam_all.min() / 10.0)), display=False)

# %% [markdown]
# ## Claims
#
# The headline's baseline is the one with the highest mean over all settings and runs (the
# strongest competitor, so the choice can only make the claim harder); each run's value is the mean
# over the six settings.

# %%
baselines = [n for n in LOSSES if n != "ALDR-KL"]
best = max(baselines, key=lambda n: overall[n])
print(f"strongest baseline: {best}")
claims.record("aldr_competitive", method=per_loss["ALDR-KL"].mean(0), baseline=per_loss[best].mean(0))
i40 = SETTINGS.index("sym 40%")
claims.record("aldr_beats_ce_sym40", method=per_loss["ALDR-KL"][i40], baseline=per_loss["CE"][i40])
claims.record("closed_form_dro", value=max(dro_err, 1e-7))
claims.record("ce_special_case", value=max(ce_err, 1e-12))
claims.record("ldr_keeps_ranking", value=min(rank_ok.values()))
claims.record("mae_not_top2", value=max(mae_gap_top2, 1e-12))
claims.record("mae_top1", value=mae_gap_top1)
claims.results()
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)
glue("best_baseline", best, display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: {glue:md}`verdict_aldr_competitive`** at the quick budget (100 full-batch steps).
# Averaged over the six label settings, ALDR-KL is compared with the strongest baseline,
# {glue:text}`best_baseline`, run by run (the paired differences are in the results cell). With
# three runs the paired interval is wide compared with the one-point margin, so "not reproduced"
# here can mean too few runs as much as a worse loss; more runs do not fit the CPU minute (ALDR-KL's
# per-example temperature solve is the costly part). The budget matters too: the legacy version of
# this chapter ran the full scale (300 steps) once and found that ALDR-KL failed this criterion
# there, mostly at 60 % symmetric noise, where the LDR losses slowly fit the wrong labels when
# trained longer while GCE and MAE do not. The short budget acts like early stopping; the
# full-scale run (10 runs, 300 steps) records its own verdict.
#
# **Supporting.** ALDR-KL against cross-entropy at 40 % symmetric noise:
# {glue:md}`verdict_aldr_beats_ce_sym40`.
#
# **Sanity checks** (identities and theorems, not reproductions): the closed form against a generic
# solver {glue:md}`verdict_closed_form_dro`; the cross-entropy special case
# {glue:md}`verdict_ce_special_case`; the LDR-KL minimiser keeping the whole ranking of $\eta$
# {glue:md}`verdict_ldr_keeps_ranking`; MAE reaching its infimum with the top-2 set wrong
# {glue:md}`verdict_mae_not_top2` but not with the top-1 class wrong {glue:md}`verdict_mae_top1`.
# Together they show the paper's dichotomy on concrete distributions: getting any top-$k$ set
# wrong costs LDR-KL risk, while the symmetric MAE only cares about the top class.
#
# **What the temperatures show.** With the authors' normalisation (scores divided by their mean
# absolute value, so every gap is bounded by a few units) and $\lambda_0 = 10$, the worst-case
# distribution is never far from uniform: after training, every example's $\lambda^\star$ is at most
# {glue:text}`lam_spread:.1f` % below $\lambda_0$ (right panel), and correctly and wrongly labelled
# examples get almost the same value. So at this setting the adaptivity is small, and ALDR-KL
# behaves much like LDR-KL at a large fixed $\lambda$, close to the symmetric mean-gap end of the
# family. Its competitiveness here comes from the family (large $\lambda$, bounded scores) more than
# from the per-example temperatures; making $\lambda^\star$ vary widely would need unnormalised
# scores or a smaller $\lambda_0$, which the paper tunes per dataset.
#
# ## Deviations from the paper
#
# * **Data and scale.** One small image dataset (digits) instead of seven benchmarks (Vowel, Letter,
#   News20, ALOI, Kuzushiji-49, CIFAR-100, Tiny-ImageNet) and the real-world mini-WebVision; a 64-unit
#   MLP, full-batch SGD with momentum for 100 steps instead of mini-batches for 100 epochs with a
#   step schedule. The budget is not swept (see the change note).
# * **Noise settings.** The paper uses uniform noise 0.3/0.6/0.9 and class-dependent noise
#   0.1/0.3/0.5; we use the catalog's symmetric 20/40/60 % and pair 20/40 % (`repro.data.label_noise`,
#   exact realised rates).
# * **Baselines and tuning.** Five baselines instead of thirteen, all at their default
#   hyper-parameters; the paper selects each loss's hyper-parameter by 5-fold cross-validation. The
#   headline compares ALDR-KL with the strongest baseline over runs, not the paper's ranking over
#   many datasets.
# * **ALDR-KL solver.** We maximise over each example's $\lambda$ exactly at every step instead of
#   the authors' one fixed-point step per visit with a stored $\lambda$; both target the same loss
#   (checked against the authors' code).
# * **Consistency.** The theorems are proved for all distributions; we compute the minimisers for 100
#   random ones with $K = 5$, and show the MAE counter-example by evaluating the risk at explicit
#   score vectors rather than by the paper's general argument.
