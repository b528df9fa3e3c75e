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
# # Cauchy-Schwarz Divergence Information Bottleneck for Regression
#
# {cite}`yu2024cauchy` · [paper (arXiv:2404.17951)](https://arxiv.org/abs/2404.17951) ·
# [authors' code (SJYuCNEL/Cauchy-Schwarz-Information-Bottleneck)](https://github.com/SJYuCNEL/Cauchy-Schwarz-Information-Bottleneck).
# Everything below is our own implementation.
#
# An information bottleneck (IB) network maps the input $x$ to a code $t$ and predicts the
# response $y$ from $t$, trading how much $t$ tells about $y$ against how much it keeps of $x$.
# For regression, the usual IB is written with the Kullback-Leibler divergence, which turns the
# prediction term into the mean squared error (a Gaussian likelihood) and needs a variational bound
# for the compression term. The paper replaces both by the **Cauchy-Schwarz divergence**, whose
# kernel (Parzen) estimates are simple sums over Gram matrices: no distributional assumption on the
# response and no variational approximation. It reports better test error than MSE training and
# other deep IB methods on six real regression sets, and more robustness to adversarial inputs.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Writing the regression information bottleneck with the Cauchy-Schwarz divergence
# instead of the KL divergence (so without the MSE's Gaussian likelihood and without a variational
# bound) gives networks that generalise better than MSE-based and other deep IB training, that are
# more robust to adversarial input perturbations, and that sit on the best accuracy-compression
# trade-off; the evidence is six real regression data sets.
#
# **This chapter tests**, with one network architecture trained on the CS-IB objective and on the
# MSE (the baseline the KL form reduces to), the same budget, and every comparison paired over
# independent runs (each run draws its own data, split, initialisation and batch order): the
# headline, a lower test RMSE on a real regression set (scikit-learn's bundled diabetes data); as
# supporting claims, a lower test RMSE on Friedman #1 with heavy-tailed response noise, and a lower
# RMSE under an FGSM attack on both data sets. The epoch each network keeps is chosen on a
# validation split; because that protocol was fixed after an exploratory run, the two RMSE claims
# are also evaluated at the last epoch and must hold under both rules. The criteria are in the box
# below, declared before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
RULES = repro.Change(
    what="criterion", was="mean over 5 seeds: CS-IB <= MSE (FGSM: <), no interval",
    why="the claim rules: the 95% CI of the paired differences must lie below 0")
STOPPING = repro.Change(
    what="stopping rule",
    was=("best validation epoch only, fixed after an exploratory run without early stopping in which the "
         "MSE network overfitted diabetes and CS-IB came out ahead"),
    why=("a protocol chosen after seeing results is swept: the claim is evaluated at the validation-selected "
         "epoch and at the last epoch, and must hold at both"))
claims.declare(
    "csib_beats_mse_real", kind="headline",
    statement=("Real regression data (diabetes): the CS-IB network has a lower test RMSE than the same "
               "network trained on the MSE, under both stopping rules"),
    metric="CS-IB test RMSE (standardised units)", paired_with="MSE test RMSE",
    better="lower", margin=0.0, fmt="{:+.2f}", changed=(RULES, STOPPING))
claims.declare(
    "csib_heavy_tails", kind="supporting",
    statement=("Friedman #1 with Student-t(2) response noise: CS-IB's test RMSE (against the noise-free "
               "function) is below the MSE network's, under both stopping rules"),
    metric="CS-IB test RMSE", paired_with="MSE test RMSE",
    better="lower", margin=0.0, fmt="{:+.2f}", changed=(RULES, STOPPING, repro.Change(
        what="independent runs at quick scale (every claim)", was="5",
        why=("in the pilot CS-IB was ahead on Friedman in every run, but the heavy-tailed noise made the 95% "
             "interval wider than the effect; more runs narrow it (the rules: enlarge the experiment, not "
             "the threshold)"))))
claims.declare(
    "csib_fgsm", kind="supporting",
    statement=("Under an FGSM attack (eps = 0.1 on standardised inputs), CS-IB's RMSE is below the MSE "
               "network's, on Friedman #1 and on diabetes"),
    metric="CS-IB RMSE under FGSM", paired_with="MSE RMSE under FGSM",
    better="lower", margin=0.0, fmt="{:+.2f}",
    changed=(RULES, repro.Change(
        what="data sets", was="Friedman #1 only",
        why="the paper's robustness results are on real data, so the claim is also required on diabetes")))
claims.declare(
    "eq18_zero_at_truth", kind="sanity",
    statement=("Our estimator of Eq. 18 is 0 for perfect predictions and positive for imperfect ones "
               "(a batch of the Friedman task)"),
    metric="|D_CS(y, y)| (printed as 1e-12 when below; 1 if an error gave D_CS <= 0)",
    better="lower", margin=1e-9, deterministic=True, fmt="{:.0e}")
claims.declare(
    "flattened_is_sse", kind="sanity",
    statement=("Read as one B-dimensional point (1-D tensors, as in the authors' housing script), the "
               "responses turn Eq. 18 into the batch's sum of squared errors / sigma^2"),
    metric="relative difference from SSE / sigma^2 (printed as 1e-12 when below)",
    better="lower", margin=1e-6, deterministic=True, fmt="{:.0e}")
claims.show()

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (more runs, longer training)
seed = 0             # base seed: the runs use seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # independent runs per method; 0 picks the scale's default
beta = 0.01          # weight of the compression term (fixed; see the method)
sigma = 1.0          # Gaussian kernel width on standardised data (the authors' value)
fgsm_eps = 0.1       # FGSM step on the standardised inputs

# %%
import copy
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import make_friedman1
from IPython.display import Markdown
from myst_nb import glue
from torch import nn

from repro.book import params
from repro.book.plotting import COLORS
from repro.data import datasets
from repro.nn import training
from repro.objectives import cauchy_schwarz as cs
from repro.stats import intervals as stats

run = repro.setup(scale, seed, device)
params.check_int("n_seeds", n_seeds, minimum=0, maximum=100)
params.check_float("beta", beta, minimum=0.0, maximum=100.0)
params.check_float("sigma", sigma, minimum=1e-3, maximum=100.0)
params.check_float("fgsm_eps", fgsm_eps, minimum=0.0, maximum=5.0)
n_seeds = n_seeds or run.pick(8, 20)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3 (independent runs per claim)")
SEEDS = [1000 * seed + i for i in range(n_seeds)]

# %% [markdown]
# ## The objective
#
# With Gaussian kernels of width $\sigma$, let $K$ be the Gram matrix of the inputs of a batch,
# $L$ of the responses, $P$ of the predictions and $C_{ji} = \kappa(\hat y_j - y_i)$ the cross Gram
# matrix. The conditional CS divergence between $p(y\mid x)$ and the model's $q(\hat y \mid x)$ is
# estimated by
#
# $$\hat D_{CS} = \log \sum_j \frac{\sum_i K_{ji} L_{ji}}{\sum_i K_{ji}^2}
#   + \log \sum_j \frac{\sum_i K_{ji} P_{ji}}{\sum_i K_{ji}^2}
#   - 2 \log \sum_j \frac{\sum_i K_{ji} C_{ji}}{\sum_i K_{ji}^2},$$
#
# which is 0 when $\hat y = y$ and grows with the error, but only through kernels of the residuals:
# a prediction far from an outlying response costs at most a bounded amount, unlike the squared
# error. The compression term is the CS quadratic mutual information $I_{CS}(x; t)$, a combination
# of the means of $K$, of the code's Gram matrix and of their product, normalised by
# $\sqrt{I_{CS}(x;x)\, I_{CS}(t;t)}$ as in the authors' code. The network is trained on
# $\hat D_{CS} + \beta\, I_{CS}(x;t)$.
#
# **Where the authors' script differs.** Their California-housing script passes the batch's
# responses and predictions as 1-D tensors to a Gram routine that then reads each as *one*
# $B$-dimensional point rather than $B$ points on a line. Every entry of $L$ and $P$ is then 1, every
# entry of $C$ is $\exp(-\lVert y - \hat y\rVert^2 / 2\sigma^2)$, $K$ cancels, and the prediction term
# becomes $\lVert y - \hat y\rVert^2/\sigma^2$ (divided by $\ln 2$ in their bits): the batch's *sum of
# squared errors*, not a CS divergence (a sanity check below computes both). We implement the
# paper's Eq. 18 as written, with $B \times B$ Gram matrices of the responses. Their script also
# trains once for each $\beta$ of a grid from 0 to 1 (its `--beta` default of 0.01 is never used)
# and keeps, for each, the best *test* RMSE over the epochs. We fix $\beta = 0.01$ before running
# and choose epochs on a validation split.
#
# `src/repro/objectives/cauchy_schwarz.py` holds the estimators; `tests/objectives/test_cauchy_schwarz.py`
# checks a Gram matrix by hand, that the divergence vanishes exactly for perfect predictions and
# grows with the error, that the mutual information is 0 for a constant code, and, against an
# operation-by-operation transcription of the authors' routine, that their 1-D call gives the sum
# of squared errors while $(B, 1)$ columns give our Eq. 18.

# %%
print(inspect.getsource(cs.conditional_cs_divergence))
print(inspect.getsource(cs.cs_qmi))

# %% [markdown]
# ### Sanity checks: Eq. 18 and its 1-D reading
#
# On one batch of the Friedman task (inputs standardised, responses standardised), Eq. 18 must be
# 0 for $\hat y = y$ and positive for an imperfect $\hat y$; the 1-D reading of the authors' script
# must equal the sum of squared errors divided by $\sigma^2$ whatever the inputs.

# %%
X_chk, f_chk = make_friedman1(128, noise=0.0, random_state=1000 * seed)
X_chk = torch.tensor((X_chk - X_chk.mean(0)) / X_chk.std(0), dtype=torch.float64)
y_chk = torch.tensor((f_chk - f_chk.mean()) / f_chk.std(), dtype=torch.float64)
y_off = y_chk + 0.3 * torch.randn(128, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
d_exact = cs.conditional_cs_divergence(X_chk, y_chk[:, None], y_chk[:, None], sigma).item()
d_off = cs.conditional_cs_divergence(X_chk, y_chk[:, None], y_off[:, None], sigma).item()
sse = ((y_chk - y_off) ** 2).sum().item()
flat = cs.flattened_response_divergence(X_chk, y_chk, y_off, sigma).item()
flat_gap = abs(flat - sse / sigma**2) / (sse / sigma**2)
print(f"Eq. 18: {d_exact:.1e} at y_hat = y, {d_off:.3f} with noise; 1-D reading {flat:.3f} vs "
      f"SSE / sigma^2 = {sse / sigma**2:.3f}")

# %% [markdown]
# ## Protocol
#
# One architecture for both losses, the one of the authors' code at a smaller width: an encoder
# with two hidden layers of 64 ReLU units to a 16-dimensional code $t$, and a decoder with one
# hidden layer of 64 units to $\hat y$. Adam (learning rate $10^{-3}$, batch 128) for 100 epochs;
# 20 % of the training set is held out for validation. Each method's network is scored twice: at
# the epoch with the lowest validation RMSE (the authors keep the best *test* epoch; we do not
# select on test data) and at the last epoch. Inputs and responses are standardised with training
# statistics; Friedman RMSEs are reported in the response's units, diabetes RMSEs in standardised
# units. $\sigma = 1$ as in the authors' code and $\beta = 0.01$; nothing is tuned.
#
# * **Friedman #1** (`sklearn.datasets.make_friedman1`, 10 inputs of which 5 matter): 600
#   training points with response noise drawn from a Student-t law with 2 degrees of freedom (heavy
#   tails: occasional huge errors); the test RMSE is measured against the noise-free function on
#   1000 test points (the heavy-tailed noise would otherwise dominate every test RMSE).
# * **Diabetes** (scikit-learn's bundled copy, 442 patients, 10 features): 70 % / 30 % split,
#   RMSE against the recorded test responses.
# * **FGSM**: each test input of the validation-selected network moves by
#   $\epsilon\,\mathrm{sign}(\nabla_x (\hat y - y)^2)$ (on Friedman, $y$ is the noise-free value).

# %%
EPOCHS, LR, BATCH, WIDTH, CODE = run.pick(100, 300), 1e-3, 128, 64, 16
N_TRAIN, N_TEST, T_DOF = 600, 1000, 2.0
RULE_NAMES = {"val": "validation-selected epoch", "last": "last epoch"}


class BottleneckNet(nn.Module):
    """Encoder x -> t and decoder t -> y_hat; forward returns [y_hat, t] side by side."""

    def __init__(self, d_in: int):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH),
                                     nn.ReLU(), nn.Linear(WIDTH, CODE))
        self.decoder = nn.Sequential(nn.Linear(CODE, WIDTH), nn.ReLU(), nn.Linear(WIDTH, 1))

    def forward(self, x):
        t = self.encoder(x)
        return torch.cat([self.decoder(t), t], 1)


def rmse(model, X, y) -> float:
    model.eval()
    with torch.no_grad():
        return ((model(X)[:, 0] - y) ** 2).mean().sqrt().item()


def fit(X, y, X_val, y_val, method: str, s: int):
    """Train with the MSE or the CS-IB loss; return the models at the best validation and the last epoch."""
    torch.manual_seed(s)
    model = BottleneckNet(X.shape[1]).to(run.device)
    if method == "MSE":
        def loss_fn(out, yb, idx):
            return ((out[:, 0] - yb) ** 2).mean()
    else:
        def loss_fn(out, yb, idx):
            return cs.cs_ib_loss(X[idx], yb, out[:, 0], out[:, 1:], beta, sigma)
    best = {"rmse": np.inf}

    def keep_best(epoch):
        r = rmse(model, X_val, y_val)
        if r < best["rmse"]:
            best.update(rmse=r, state=copy.deepcopy(model.state_dict()), epoch=epoch)

    training.train(model, loss_fn, X, y, epochs=EPOCHS, batch_size=BATCH, lr=LR, optimizer="adam",
                   with_index=True, generator=torch.Generator().manual_seed(s), desc=method,
                   after_epoch=keep_best)
    last = copy.deepcopy(model)
    model.load_state_dict(best["state"])
    return {"val": model, "last": last}, best["epoch"]


def fgsm(model, X, y, eps: float) -> torch.Tensor:
    X = X.clone().requires_grad_(True)
    loss = ((model(X)[:, 0] - y) ** 2).sum()
    (grad,) = torch.autograd.grad(loss, X)
    return (X + eps * grad.sign()).detach()


def tensors(*arrays):
    return [torch.tensor(a, dtype=torch.float32, device=run.device) for a in arrays]


def split_val(X, y, rng):
    idx = rng.permutation(len(X))
    n_val = len(X) // 5
    return X[idx[n_val:]], y[idx[n_val:]], X[idx[:n_val]], y[idx[:n_val]]


def one_seed(s: int) -> dict:
    rng = np.random.default_rng(s)
    X, f = make_friedman1(N_TRAIN + N_TEST, noise=0.0, random_state=s)
    y = f + rng.standard_t(T_DOF, size=len(f))
    Xtr, Xte = X[:N_TRAIN], X[N_TRAIN:]
    Xtr, Xte = datasets.standardize(Xtr, Xte)
    y_mu, y_sd = y[:N_TRAIN].mean(), y[:N_TRAIN].std()
    Xtr, ytr, Xva, yva = split_val(Xtr, (y[:N_TRAIN] - y_mu) / y_sd, rng)
    Xtr, ytr, Xva, yva, Xte, fte = tensors(Xtr, ytr, Xva, yva, Xte, (f[N_TRAIN:] - y_mu) / y_sd)
    Da, ya, Db, yb = datasets.diabetes(seed=s)
    Da, ya, Dva, yva_d = split_val(Da, ya, rng)
    Da, ya, Dva, yva_d, Db, yb = tensors(Da, ya, Dva, yva_d, Db, yb)
    out = {}
    for method in ("MSE", "CS-IB"):
        models_f, ep = fit(Xtr, ytr, Xva, yva, method, s)
        models_d, _ = fit(Da, ya, Dva, yva_d, method, s)
        for rule in RULE_NAMES:
            out[f"friedman/{rule}/{method}"] = y_sd * rmse(models_f[rule], Xte, fte)
            out[f"diabetes/{rule}/{method}"] = rmse(models_d[rule], Db, yb)
        out[f"fgsm_friedman/{method}"] = y_sd * rmse(models_f["val"], fgsm(models_f["val"], Xte, fte, fgsm_eps), fte)
        out[f"fgsm_diabetes/{method}"] = rmse(models_d["val"], fgsm(models_d["val"], Db, yb, fgsm_eps), yb)
        out[f"epoch/{method}"] = ep
    return out


res = stats.over_seeds(one_seed, SEEDS, desc="runs")
TASKS = {"friedman/val": "Friedman #1, t(2) noise, validation-selected epoch",
         "friedman/last": "Friedman #1, t(2) noise, last epoch",
         "diabetes/val": "diabetes, validation-selected epoch (std. units)",
         "diabetes/last": "diabetes, last epoch (std. units)",
         "fgsm_friedman": f"Friedman #1 under FGSM (eps={fgsm_eps:g})",
         "fgsm_diabetes": f"diabetes under FGSM (eps={fgsm_eps:g}, std. units)"}
print(f"test RMSE, mean ± 95% CI over {n_seeds} runs (lower is better)")
for key, name in TASKS.items():
    parts = [f"{m} {stats.mean_ci(res[f'{key}/{m}'])[0]:.3f} ± {stats.mean_ci(res[f'{key}/{m}'])[1]:.3f}"
             for m in ("MSE", "CS-IB")]
    wins = int(np.sum(res[f"{key}/CS-IB"] < res[f"{key}/MSE"]))
    print(f"  {name:52s} {parts[0]:22s} {parts[1]:22s} CS-IB better in {wins}/{n_seeds} runs")
print("best validation epoch (Friedman), MSE:", res["epoch/MSE"].tolist(), " CS-IB:", res["epoch/CS-IB"].tolist())

# %%
fig, axes = plt.subplots(1, 4, figsize=(15, 3.6))
for ax, key in zip(axes, ("friedman/val", "diabetes/val", "diabetes/last", "fgsm_friedman")):
    a, b = res[f"{key}/MSE"], res[f"{key}/CS-IB"]
    for i in range(n_seeds):
        ax.plot([0, 1], [a[i], b[i]], "-", color="gray", lw=0.8, alpha=0.7)
    ax.plot(np.zeros(n_seeds), a, "o", color=COLORS[0], label="MSE")
    ax.plot(np.ones(n_seeds), b, "o", color=COLORS[1], label="CS-IB")
    ax.set_xticks([0, 1], ["MSE", "CS-IB"])
    ax.set_xlim(-0.4, 1.4)
    ax.set_title(TASKS[key], fontsize=8)
    ax.set_ylabel("RMSE")
axes[0].legend(fontsize=8)
fig.suptitle("Same network, two losses (lines join the two networks of one run)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Claims: measured

# %%
for rule, label in RULE_NAMES.items():
    claims.record("csib_beats_mse_real", method=res[f"diabetes/{rule}/CS-IB"],
                  baseline=res[f"diabetes/{rule}/MSE"], setting=label)
for rule, label in RULE_NAMES.items():
    claims.record("csib_heavy_tails", method=res[f"friedman/{rule}/CS-IB"],
                  baseline=res[f"friedman/{rule}/MSE"], setting=label)
for data in ("friedman", "diabetes"):
    claims.record("csib_fgsm", method=res[f"fgsm_{data}/CS-IB"], baseline=res[f"fgsm_{data}/MSE"],
                  setting="Friedman #1" if data == "friedman" else "diabetes")
claims.record("eq18_zero_at_truth", value=max(abs(d_exact), 1e-12) if d_off > 0 else 1.0)
claims.record("flattened_is_sse", value=max(flat_gap, 1e-12))
claims.results()
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)
for rule in RULE_NAMES:  # which network is ahead on diabetes under each stopping rule (for the prose)
    d = res[f"diabetes/{rule}/CS-IB"].mean() - res[f"diabetes/{rule}/MSE"].mean()
    glue(f"diabetes_{rule}_ahead", "CS-IB" if d < 0 else "the MSE network", display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: {glue:md}`verdict_csib_beats_mse_real`.** On scikit-learn's diabetes data the claim
# asks for a lower CS-IB test RMSE than the MSE network's, paired run by run, at the
# validation-selected epoch and at the last epoch (the effect sizes are in the results cell above).
# On average {glue:text}`diabetes_val_ahead` is ahead at the validation-selected epoch and
# {glue:text}`diabetes_last_ahead` at the last epoch: trained to the end, the MSE network overfits
# this small data set, which is what the earlier exploratory run saw; stopped on a validation
# split, it does not. Diabetes has light-tailed noise and only a few hundred training points after
# the validation split, so the robustness of the kernel loss buys little, while its estimate from
# batches of 128 is noisier than the squared error. We did not tune $\beta$ or $\sigma$ (the
# authors' script trains one network per $\beta$ of a grid), and we select epochs on a validation
# split where the authors' script keeps the best *test* RMSE over training (optimistic for
# whichever loss fluctuates more).
#
# **Supporting.** Friedman #1 with heavy-tailed noise: {glue:md}`verdict_csib_heavy_tails`. Here the
# mechanism is visible in the estimator: the conditional CS divergence sees residuals only through
# Gaussian kernels, so a training point with a huge noise draw pulls on the fit with a bounded
# force, while the squared error lets it dominate. FGSM on both data sets:
# {glue:md}`verdict_csib_fgsm`. This compares RMSE *under attack*, the paper's metric, so a
# network that starts from a lower clean error is favoured; the results cell and the table above
# show both the clean and the attacked errors. The sanity checks confirm that our estimator is the
# paper's Eq. 18 (zero exactly at perfect predictions) and that the 1-D reading of the authors'
# script collapses to the sum of squared errors, so their released housing experiment trains on
# a squared-error loss plus the compression term, not on the CS divergence the paper describes.
#
# ## Deviations from the paper
#
# * **Data.** The paper's six real data sets (California housing, Appliance energy, Beijing PM2.5,
#   Bike sharing, ...) need downloads; we use scikit-learn's bundled diabetes data (real) and the
#   synthetic Friedman #1 function with heavy-tailed noise, as the catalog suggests. On Friedman the
#   test RMSE is measured against the noise-free function.
# * **The prediction term is Eq. 18 as the paper writes it**, with Gram matrices over the batch's
#   pairs of responses; the authors' housing script computes the batch's sum of squared errors
#   instead (see the method).
# * **Smaller network, fixed hyper-parameters.** Widths 64 instead of 128, Adam at $10^{-3}$ for
#   100 epochs instead of $10^{-4}$ with a step schedule for 200; $\sigma = 1$ as in the authors'
#   code and $\beta = 0.01$ fixed (the default of their script's argument, which the script itself
#   does not use: it trains once per $\beta$ of a grid); no $\beta$ is chosen per data set here.
# * **Epoch selection** on a validation split (and the last epoch), not on the test set.
# * **Deterministic code.** As in the authors' released training script, the code $t$ is the
#   encoder's deterministic output during training (no sampled noise).
# * **Baselines.** Only the MSE-trained network; the other deep IB methods of the paper (VIB,
#   nonlinear IB, HSIC bottleneck) are not run, and the information-plane analysis is omitted.
# * **Runs.** 8 independent runs at quick scale, 20 at full scale; each draws its own Friedman
#   sample and noise, diabetes split, initialisation and batch order.
