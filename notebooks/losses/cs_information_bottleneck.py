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
# **Paper.** Training a regression network on the CS-IB objective (conditional CS divergence
# between the true and the predicted response given $x$, plus $\beta$ times the CS mutual
# information between $x$ and the code) generalises better than training on the MSE, and is more
# robust to adversarial input perturbations.
#
# **This chapter checks**, on one network architecture trained both ways, with thresholds fixed
# before running (the catalog's suggested checks), over 5 seeds:
# 1. Friedman #1 regression with heavy-tailed (Student-t, 2 degrees of freedom) response noise:
#    CS-IB's mean test RMSE is at most the MSE baseline's;
# 2. the same models under an FGSM attack of size $\epsilon = 0.1$ on the standardised inputs:
#    CS-IB's mean RMSE is lower than the MSE baseline's;
# 3. scikit-learn's bundled diabetes data (a real regression set): CS-IB's mean test RMSE is at
#    most the MSE baseline's.
# ```

# %% tags=["parameters"]
scale = "quick"      # "quick" (CPU, < 1 min) or "full" (more seeds, longer training)
seed = 0             # base seed: the experiment uses seeds 1000*seed + 0, 1, ...
device = "auto"      # "auto", "cpu" or "cuda"
n_seeds = 0          # seeds per method; 0 picks the scale's default
beta = 0.01          # weight of the compression term (the authors' default)
sigma = 1.0          # Gaussian kernel width on standardised data (the authors' value)
fgsm_eps = 0.1       # FGSM step on the standardised inputs

# %%
import copy
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import make_friedman1
from torch import nn

import repro
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
n_seeds = n_seeds or run.pick(5, 20)
if n_seeds < 3:
    raise params.ParameterError(f"parameter n_seeds={n_seeds} must be >= 3 (confidence intervals)")
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
# of the means of $K$, of the code's Gram matrix and of their product, normalised as in the
# authors' code. The network is trained on $\hat D_{CS} + \beta\, I_{CS}(x;t)$.
# `src/repro/objectives/cauchy_schwarz.py` holds the estimators; `tests/test_losses_cauchy_schwarz.py`
# checks a Gram matrix by hand, that the divergence vanishes exactly for perfect predictions and
# grows with the error, and that the mutual information is 0 for a constant code.

# %%
print(inspect.getsource(cs.conditional_cs_divergence))
print(inspect.getsource(cs.cs_qmi))

# %% [markdown]
# ## Protocol
#
# One architecture for both losses, the one of the authors' code at a smaller width: an encoder
# with two hidden layers of 64 ReLU units to a 16-dimensional code $t$, and a decoder with one
# hidden layer of 64 units to $\hat y$. Adam (learning rate $10^{-3}$, batch 128) for 100 epochs;
# 20 % of the training set is held out for validation and each method keeps the epoch with the
# lowest validation RMSE (the authors report the best *test* epoch; we do not select on test
# data). Inputs and responses are standardised with training statistics; RMSEs are reported in
# the response's units. $\beta = 0.01$ and $\sigma = 1$ as in the authors' code; nothing is tuned.
#
# * **Friedman #1** (`sklearn.datasets.make_friedman1`, 10 inputs of which 5 matter): 600
#   training points with response noise drawn from a Student-t law with 2 degrees of freedom (heavy
#   tails: occasional huge errors); the test RMSE is measured against the noise-free function on
#   1000 test points (the heavy-tailed noise would otherwise dominate every test RMSE).
# * **FGSM**: each test input moves by $\epsilon\,\mathrm{sign}(\nabla_x (\hat y - f(x))^2)$.
# * **Diabetes** (scikit-learn's bundled copy, 442 patients, 10 features): 70 % / 30 % split,
#   RMSE against the recorded test responses.

# %%
EPOCHS, LR, BATCH, WIDTH, CODE = run.pick(100, 300), 1e-3, 128, 64, 16
N_TRAIN, N_TEST, T_DOF = 600, 1000, 2.0


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
    """Train with the MSE or the CS-IB loss; return the model at its best validation epoch."""
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
    model.load_state_dict(best["state"])
    return model, best["epoch"]


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
        model, ep = fit(Xtr, ytr, Xva, yva, method, s)
        out[f"friedman/{method}"] = y_sd * rmse(model, Xte, fte)
        out[f"fgsm/{method}"] = y_sd * rmse(model, fgsm(model, Xte, fte, fgsm_eps), fte)
        out[f"epoch/{method}"] = ep
        model, _ = fit(Da, ya, Dva, yva_d, method, s)
        out[f"diabetes/{method}"] = rmse(model, Db, yb)
    return out


res = stats.over_seeds(one_seed, SEEDS, desc="seeds")
TASKS = {"friedman": "Friedman #1, t(2) noise: test RMSE",
         "fgsm": f"Friedman #1 under FGSM (eps={fgsm_eps:g}): RMSE",
         "diabetes": "diabetes: test RMSE (standardised units)"}
print(f"mean ± 95% CI over {n_seeds} seeds (RMSE; lower is better)")
for key, name in TASKS.items():
    parts = [f"{m} {stats.mean_ci(res[f'{key}/{m}'])[0]:.3f} ± {stats.mean_ci(res[f'{key}/{m}'])[1]:.3f}"
             for m in ("MSE", "CS-IB")]
    wins = int(np.sum(res[f"{key}/CS-IB"] < res[f"{key}/MSE"]))
    print(f"  {name:45s} {parts[0]:22s} {parts[1]:22s} CS-IB better on {wins}/{n_seeds} seeds")
print("best validation epoch (Friedman), MSE:", res["epoch/MSE"].tolist(), " CS-IB:", res["epoch/CS-IB"].tolist())

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
for ax, (key, name) in zip(axes, TASKS.items()):
    a, b = res[f"{key}/MSE"], res[f"{key}/CS-IB"]
    for i in range(n_seeds):
        ax.plot([0, 1], [a[i], b[i]], "-", color="gray", lw=0.8, alpha=0.7)
    ax.plot(np.zeros(n_seeds), a, "o", color=COLORS[0], label="MSE")
    ax.plot(np.ones(n_seeds), b, "o", color=COLORS[1], label="CS-IB")
    ax.set_xticks([0, 1], ["MSE", "CS-IB"])
    ax.set_xlim(-0.4, 1.4)
    ax.set_title(name, fontsize=9)
    ax.set_ylabel("RMSE")
axes[0].legend(fontsize=8)
fig.suptitle("Same network, two losses (lines join the runs of one seed)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
claims = repro.Claims()
statements = {"friedman": "Friedman #1 with t(2) noise: CS-IB test RMSE <= MSE's",
              "fgsm": f"Friedman #1 under FGSM (eps = {fgsm_eps:g}): CS-IB RMSE < MSE's",
              "diabetes": "Diabetes: CS-IB test RMSE <= MSE's"}
for key, statement in statements.items():
    m_mse, m_cs = res[f"{key}/MSE"].mean(), res[f"{key}/CS-IB"].mean()
    strict = key == "fgsm"
    claims.add(statement, measured={"mean RMSE, MSE": m_mse, "CS-IB": m_cs,
                                    "seeds with CS-IB better": f"{int(np.sum(res[f'{key}/CS-IB'] < res[f'{key}/MSE']))}/{n_seeds}"},
               criterion=f"mean over {n_seeds} seeds: CS-IB {'<' if strict else '<='} MSE",
               passed=bool(m_cs < m_mse if strict else m_cs <= m_mse), fmt="{:.2f}")
claims.report()

# %% [markdown]
# **What reproduced.** On Friedman #1 with heavy-tailed noise, the CS-IB network predicts the
# underlying function better than the same network trained on the MSE, on every seed we ran (mean
# test RMSE about 1.7-1.8 against 2.1-2.3 for seeds 0, 1 and 2), and it stays better under the FGSM
# attack, whose damage it starts from a lower level and grows by about as much. The mechanism is
# visible in the estimator: the conditional CS divergence sees residuals only through Gaussian
# kernels, so a training point with a huge noise draw pulls on the fit with a bounded force, while
# the squared error lets it dominate. The MSE baseline's best validation epoch also comes earlier,
# a sign that it starts fitting the outliers sooner.
#
# **What did not reproduce.** On the diabetes data the CS-IB network is slightly *worse* than the
# MSE network on every seed (mean test RMSE 0.73-0.78 against 0.71-0.75 in units of the response's
# standard deviation), so the claim that CS-IB generalises better on real regression sets does not
# hold here. Diabetes has light-tailed noise and only about 250 training points after the
# validation split, so the robustness of the kernel loss buys nothing, while its estimate from
# batches of 128 is noisier than the squared error. Two protocol differences may matter too: we
# select each method's epoch on a validation split, whereas the authors' code keeps the best *test*
# RMSE over training (optimistic for whichever loss fluctuates more), and we did not tune
# $\beta$ or $\sigma$, which the paper does per data set. Without early stopping (an exploratory
# run we did before fixing the protocol), the MSE network overfits diabetes and CS-IB comes out
# ahead; that comparison is less fair, so it is not the one reported.
#
# ## Deviations from the paper
#
# * **Data.** The paper's six real data sets (California housing, Appliance energy, Beijing PM2.5,
#   Bike sharing, ...) need downloads; we use the synthetic Friedman #1 function, with heavy-tailed
#   noise as the catalog suggests, and scikit-learn's bundled diabetes data. On Friedman the test
#   RMSE is measured against the noise-free function.
# * **Smaller network, fixed hyper-parameters.** Widths 64 instead of 128, Adam at $10^{-3}$ for
#   100 epochs instead of $10^{-4}$ with a step schedule for 200; $\beta = 0.01$ and $\sigma = 1$
#   as in the authors' code, not tuned.
# * **Deterministic code.** As in the authors' released training script, the code $t$ is the
#   encoder's deterministic output during training (no sampled noise).
# * **Baselines.** Only the MSE-trained network; the other deep IB methods of the paper (VIB,
#   nonlinear IB, HSIC bottleneck) are not run, and the information-plane analysis is omitted.
