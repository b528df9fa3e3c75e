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
# # More is Better in Modern Machine Learning: when Infinite Overparameterization is Optimal and Overfitting is Obligatory
#
# {cite}`simon2024more` · [arXiv:2311.14646](https://arxiv.org/abs/2311.14646) (ICLR 2024)
# · no official code repository was found; everything below is our own implementation.
#
# Practitioners train ever wider networks on ever more data with little or no regularisation,
# and the trained networks often fit their training sets almost perfectly. Classical statistics
# would call that overfitting. Simon, Karkada, Ghosh and Belkin study the simplest model in which
# these habits can be analysed exactly: **random-feature (RF) ridge regression**, a two-layer
# network whose first layer is random and frozen and whose last layer is fitted by ridge
# regression. They derive a closed-form estimate of its test error in terms of the eigenvalues of
# the limiting kernel and the target's coefficients in its eigenbasis, and use it to argue that
# (i) with the ridge tuned, more features and more samples never hurt, so the infinitely wide
# model (kernel ridge regression) is the best, and (ii) on tasks whose eigenvalues and target
# coefficients decay as power laws, as they do for image data, the best ridge is so small that
# the model nearly interpolates its training data: low training error is not a side effect but a
# requirement of good test error.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (1) For RF ridge regression with an optimally tuned ridge, the test error decreases
# monotonically in the number of features $N$ and in the number of samples $n$ (Theorem 1), so
# infinite width (kernel ridge regression, KRR) is optimal. (2) For tasks with power-law
# eigenstructure ($\lambda_i \propto i^{-\alpha}$, $v_i^2 \propto i^{-\beta}$) and label noise below
# a threshold, the optimal ridge is zero and near-optimal test error is reached only by models
# whose training error is much smaller than their test error: overfitting is obligatory
# (Theorem 2, Corollary 1). (3) Image tasks with convolutional NTKs fall into this class. The
# closed-form RF "eigenframework" predicts the test error of finite-width models (Fig. 1).
#
# **This chapter tests**, with the ridge always chosen on a **validation split** (never on test
# data) and every draw of data, validation set and random features an independent run:
# * *headline*, on a Gaussian power-law task ($\alpha = 1.5$, $\beta = 2$; synthetic, so the exact
#   test error is known): the larger model beats the smaller one at their own tuned ridges,
#   exactly at the step where an untuned model gets worse ($N = 128 \to 256$ and
#   $n = 128 \to 256$, the interpolation threshold $N = n$); KRR beats the widest RF model; and,
#   with noise inside the obligatory-overfitting regime, the (near-)interpolating KRR model beats
#   the best KRR model that does *not* overfit (training error at least half the validation error);
# * *supporting*: no doubling of $N$ or $n$ anywhere on the grid raises the tuned test error by
#   more than 2 %; without tuning the same steps *do* raise it (so tuning is what makes more
#   better); the eigenframework predicts the tuned test error within 15 %; above the noise threshold
#   interpolation stops being optimal; and on a real image task (scikit-learn's digits, ReLU features
#   and kernel in place of convolutional NTKs) more features help and interpolation beats the best
#   non-overfitting model;
# * *sanity checks* of our closed forms: the eigenframework's $N \to \infty$ limit is the KRR
#   estimate, and its optimally tuned risk decreases in $N$ and $n$ (Theorem 1 for the estimate).
#
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
LEGACY_RIDGE = ("ridge tuned on the seed-averaged test curve (an oracle), criterion applied to that "
                "averaged curve without an interval (legacy report)")
WHY_RULES = ("the claim rules: the ridge is chosen on a validation split, never on test data, and a "
             "counted claim is judged by a 95% interval over independent draws")
claims.declare(
    "more_is_better", kind="headline",
    statement=("Power-law task, ridge tuned on a validation split: more features, infinite width and "
               "more samples each lower the test MSE against the smaller model at its own tuned ridge, "
               "and with noise below the threshold the near-interpolating KRR model (ridge 1e-8) beats the "
               "best KRR model that does not overfit (train MSE >= 0.5 x validation MSE)"),
    metric="log test MSE of the paper's choice (the larger / interpolating model)",
    paired_with="log test MSE of the alternative that could win (smaller / non-overfitting model)",
    better="lower", margin=0.0, fmt="{:+.2f}",
    changed=repro.Change(
        what="headline: paired comparisons against a competitor at its own validation-tuned ridge",
        was=("five legacy checks; 'overfitting is obligatory' was 'train/test MSE ratio at the optimal "
             "ridge < 0.1'; " + LEGACY_RIDGE),
        why=WHY_RULES + "; the obligatory-overfitting part now asks whether any non-overfitting model "
            "could do as well, which is how the paper's abstract states it"))
claims.declare(
    "every_step", kind="supporting",
    statement=("No doubling of N (at every n, N_max -> infinity included) or of n (at every N) on the grid "
               "raises the validation-tuned test MSE by more than 2%"),
    metric="log tuned test MSE after the step", paired_with="log tuned test MSE before it",
    better="lower", margin=0.0198, fmt="{:+.3f}",
    changed=(repro.Change(what="ridge selection",
                          was="largest step ratio of the averaged curve <= 1.02; " + LEGACY_RIDGE,
                          why=WHY_RULES),
             repro.Change(what=("statistic: each step is a setting of the sweep, judged by the paired "
                                "interval of its change over draws (margin log 1.02); and 20 draws instead "
                                "of 10 for the whole chapter"),
                          was=("declared first as: per draw, the largest relative rise over all steps < 0.02 "
                               "(a pilot with 10 draws gave NOT REPRODUCED)"),
                          why=("in the pilot, single draws rose by a few percent on some steps even at their "
                               "own test-optimal ridge, while the mean over draws fell at every step: the "
                               "per-draw maximum measured draw-to-draw fluctuation, but Theorem 1 is about the "
                               "expected test error; the smallest n needed more draws to resolve its steps"))))
claims.declare(
    "untuned_peak", kind="supporting",
    statement=("Without tuning (ridge 1e-8, near interpolation) more is worse at the interpolation "
               "threshold: N = 256 is worse than N = 128 at n = 256, and n = 256 worse than n = 128 at N = 256"),
    metric="log test MSE of the larger model at ridge 1e-8",
    paired_with="log test MSE of the smaller model at ridge 1e-8",
    better="higher", margin=0.0, fmt="{:+.2f}")
claims.declare(
    "theory_agrees", kind="supporting",
    statement=("The RF eigenframework predicts the simulated test MSE at the validation-chosen ridge "
               "(every n, N >= 64 of the grid)"),
    metric="mean over the grid of |simulated / predicted test MSE - 1|, per draw",
    better="lower", margin=0.15, fmt="{:.3f}",
    changed=repro.Change(what="statistic and ridge",
                         was=("largest |simulation / theory - 1| of the seed-averaged curve <= 0.15, at "
                              "the ridge tuned on that curve (legacy report)"),
                         why=WHY_RULES))
claims.declare(
    "noise_threshold", kind="supporting",
    statement=("Above the noise threshold (sigma2_rel = 10 > 2/3) interpolation is no longer optimal: "
               "the validation-tuned KRR model beats the near-interpolating one"),
    metric="log test MSE at the validation-tuned ridge", paired_with="log test MSE at ridge 1e-8",
    better="lower", margin=0.0, fmt="{:+.2f}",
    changed=repro.Change(what="claim about the noisy regime",
                         was=("the optimal train/test ratio at sigma2_rel = 10 within 0.1 of the "
                              "eigenframework's; " + LEGACY_RIDGE),
                         why=WHY_RULES + "; the paired comparison tests the regime boundary directly"))
claims.declare(
    "image_task", kind="supporting",
    statement=("Real image task (scikit-learn digits; ReLU random features and kernel instead of the "
               "paper's convolutional NTKs): N = n features beat N = n/2 at their own tuned ridges, and the "
               "near-interpolating KRR model beats the best non-overfitting one"),
    metric="log test MSE of the paper's choice on held-out digits",
    paired_with="log test MSE of the alternative that could win",
    better="lower", margin=0.0, fmt="{:+.2f}",
    changed=repro.Change(what="real-data part: from a figure to a counted check",
                         was="a figure with no check, ridge tuned on the test images",
                         why="the referee: the image-task part of the claim needs a declared check"))
claims.declare(
    "krr_limit", kind="sanity",
    statement="The RF eigenframework at N = 1e12 equals the KRR estimate",
    metric="max relative difference over the ridge path (printed as 1e-08 when below)",
    better="lower", margin=1e-6, fmt="{:.0e}", deterministic=True)
claims.declare(
    "theory_monotone", kind="sanity",
    statement=("The eigenframework's test MSE at its own optimal ridge decreases along every step of the "
               "(n, N) grid, N = infinity included (Theorem 1 for the estimate)"),
    metric="largest relative change over one step", better="lower", margin=0.0, fmt="{:+.2f}",
    deterministic=True)
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown
from myst_nb import glue
from scipy.optimize import minimize_scalar
from sklearn.datasets import load_digits

from repro.gp import eigenframework as ef
from repro.gp import random_features as rf
from repro.scaling import powerlaw as pl
from repro.book.plotting import COLORS, theory_vs_simulation
from repro.book.progress import progress
from repro.stats.intervals import mean_ci, over_seeds

run = repro.setup(scale, seed, device)  # numpy float64 on one CPU thread; the device is unused

ALPHA, BETA = 1.5, 2.0                      # power-law exponents of the task
M = run.pick(2000, 4000)                    # number of eigenmodes kept in the synthetic task
NOISE = 0.05                                # label-noise variance of experiment 1
NS = run.pick([32, 64, 128, 256, 512], [32, 64, 128, 256, 512, 1024])
WIDTHS = run.pick([16, 32, 64, 128, 256, 512, 1024], [16, 32, 64, 128, 256, 512, 1024, 2048])
N_REP = 20                                  # independent draws (data, validation set, features)
N_VAL = run.pick(1000, 2000)                # validation samples of the Gaussian task
N_OVERFIT = run.pick(512, 1024)             # samples in experiment 3
SIGMA_REL = [0.0, 0.5, 10.0]                # noise / (ridgeless noiseless test MSE), experiment 3
N_DIGITS, N_DIGITS_VAL = run.pick(256, 512), 500   # digits: training and validation images
PEAK = 256                                  # the interpolation threshold N = n of the headline steps
R_MIN = 0.5                                 # "does not overfit": train MSE >= R_MIN x validation MSE
RIDGE_LO, RIDGE_HI = 1e-8, 1e2              # ridge grid, relative to n * E[k(x, x)]
replicates = [[run.seed, k] for k in range(N_REP)]  # seeds of np.random.default_rng


def tuned(val, test):
    """Test MSE at the ridge with the smallest validation MSE (last axis: the ridge path)."""
    k = val.argmin(-1)
    return np.take_along_axis(test, k[..., None], -1)[..., 0], k


def non_overfitting(train, val, test):
    """Test MSE of the best ridge (on validation) among those with train MSE >= R_MIN x validation MSE."""
    allowed = np.where(train >= R_MIN * val, val, np.inf)
    return tuned(allowed, test)


class KernelPath:
    """Ridge regression with training kernel (Gram) matrix K for a whole ridge path, one eigh.

    With K = U diag(l) U^T, the dual weights are U diag(1 / (l + delta)) U^T Y and the training
    residual is U diag(delta / (l + delta)) U^T Y; targets Y have C columns, kept apart.
    """

    def __init__(self, K):
        lam, self.U = np.linalg.eigh(K)
        self.lam = np.clip(lam, 0.0, None)

    def dual(self, Y, ridges):                                        # (n, R, C)
        c = self.U.T @ Y
        return np.tensordot(self.U, c[:, None, :] / (self.lam[:, None, None] + ridges[None, :, None]), (1, 0))

    def train_mse(self, Y, ridges):                                   # (R, C)
        shrink = ridges[None, :] / (self.lam[:, None] + ridges[None, :])
        return (shrink ** 2).T @ (self.U.T @ Y) ** 2 / len(Y)


def ridge_coef(F, Y, ridges):
    """Weights (N, R, C) of ridge regression on features F (n, N), from the smaller Gram matrix.

    The same solution as ``rf.RidgePath`` (an SVD of F), cheaper on this grid: the primal form
    V diag(1 / (s^2 + delta)) V^T F^T Y when N < n, else F^T times the dual weights.
    """
    if F.shape[1] >= F.shape[0]:
        return np.tensordot(F.T, KernelPath(F @ F.T).dual(Y, ridges), (1, 0))
    lam, V = np.linalg.eigh(F.T @ F)
    c = V.T @ (F.T @ Y)
    return np.tensordot(V, c[:, None, :] / (np.clip(lam, 0.0, None)[:, None, None] + ridges[None, :, None]), (1, 0))


def path_mse(A, Y, W):
    """MSE of the predictions A @ W (features and weights, or kernel and dual weights) on targets Y,
    averaged over the rows of A, per ridge and output: shape (R, C)."""
    return ((np.tensordot(A, W, (1, 0)) - Y[:, None, :]) ** 2).mean(0)


# %% [markdown]
# ## Method
#
# ### Random-feature ridge regression
#
# Draw $N$ random weights $w_j$ once. The model is $f(x) = \sum_{j=1}^N a_j\, h(w_j, x)/\sqrt N$,
# with the raw features normalised so that $\mathbb E_w[h(w,x)h(w,x')] = k(x,x')$; as
# $N\to\infty$ the RF kernel $\frac1N\sum_j h(w_j,x)h(w_j,x')$ tends to $k$ and RF regression
# tends to kernel ridge regression (KRR). Only $a$ is fitted, on $n$ samples, by
# $\min_a \sum_{i=1}^n (f(x_i)-y_i)^2 + \delta \lVert a\rVert^2$ (the ridge multiplies the *sum*
# of squared errors, as in the paper). One eigendecomposition of the smaller Gram matrix
# ($\Phi^\top\Phi$ if $N < n$, else $\Phi\Phi^\top$, for the $n\times N$ feature matrix $\Phi$) gives
# the solution for every ridge of a path at the cost of a matrix product, in float64, so the grid
# can go down to $10^{-8}$ (relative to $n\,\mathbb E[k(x,x)]$) and effectively reach
# interpolation. KRR is the same computation with the kernel matrix in place of $\Phi\Phi^\top$
# (helpers `ridge_coef` and `KernelPath` above; the book's SVD-based `rf.RidgePath` gives the same
# weights).
#
# **Choosing the ridge.** The paper's "optimal ridge" minimises the expected test error. We
# estimate it the way a practitioner would: every draw comes with its own validation set, and each
# model uses the ridge of its path with the smallest validation MSE. The test error is then measured
# on data the choice never saw (for the Gaussian task, the exact population MSE; for digits, held-out
# images).
#
# ### The eigenframework
#
# Let $\lambda_i$ be the eigenvalues of $k$ under the data distribution, $v_i$ the target's
# coefficients in the orthonormal eigenfunctions and $\sigma^2$ the label-noise variance. The
# paper's estimate (Sec. 4) introduces two effective ridges $\kappa, \gamma$ that solve
#
# $$ n = \sum_i \mathcal L_i + \frac{\delta}{\kappa},\qquad
#    N = \sum_i \mathcal L_i + \frac{N\kappa}{\gamma},\qquad
#    \mathcal L_i = \frac{\lambda_i}{\lambda_i+\gamma}. $$
#
# With $z = \sum_i \mathcal L_i$ and $q = \sum_i \mathcal L_i^2$, the test and train MSE are
#
# $$ E_{\rm te} = \frac{\sum_i \Big[(1-\mathcal L_i) - \frac{N\kappa}{N-q}\,
#    \frac{\mathcal L_i}{\lambda_i+\gamma}\Big] v_i^2 + \sigma^2}
#    {1 - \frac{q(N-2z)+z^2}{n(N-q)}},\qquad
#    E_{\rm tr} = \Big(\frac{\delta}{n\kappa}\Big)^2 E_{\rm te}. $$
#
# As $N\to\infty$, $\gamma\to\kappa$ and this is the classic KRR estimate
# $E_{\rm te} = \frac{n}{n-q}\big(\sum_i(1-\mathcal L_i)^2v_i^2 + \sigma^2\big)$. The estimate
# assumes that the random features behave like Gaussians (the paper's universality ansatz); on the
# Gaussian task below that holds exactly. Both equations reduce to one monotone equation in
# $\gamma$, solved by bisection, vectorised over the ridge path. The code is the book's module
# `src/repro/gp/eigenframework.py` (tests in `tests/gp/test_eigenframework.py`); the simulations use
# `src/repro/gp/random_features.py` (tests in `tests/gp/test_random_features.py`) and
# `src/repro/scaling/powerlaw.py`.
#
# ### Why overfitting can be obligatory
#
# The ratio $R = E_{\rm tr}/E_{\rm te} = (\delta/n\kappa)^2$ is 0 for an interpolating model and
# tends to 1 as the ridge grows. For KRR on a power-law task the paper scales the noise with the
# difficulty of the task, $\sigma^2 = \sigma^2_{\rm rel}\, E_{\rm te}(\delta=0,\sigma=0)$, and
# studies the $R$ at which $E_{\rm te}$ is smallest. Replacing sums by integrals (our own
# derivation of the same large-$n$ analysis, in `ef.powerlaw_optimal_fitting_ratio`), with
# $s = (\kappa_0/\kappa)^{1/\alpha}\in(0,1]$ and $s=1$ the ridgeless interpolator,
#
# $$ R = (1-s)^2,\qquad E_{\rm te} \propto \frac{s^{1-\beta} + \alpha\sigma^2_{\rm rel}}
#    {1-(1-1/\alpha)\,s}, $$
#
# whose minimiser is $s=1$ (interpolation is optimal, $R^*=0$) exactly when
# $\sigma^2_{\rm rel} \le (\beta-\alpha)/(\alpha(\alpha-1))$, and otherwise solves
# $(\alpha-1)(\beta s + \alpha\sigma^2_{\rm rel} s^\beta) = \alpha(\beta-1)$, so $R^* < 1$ always.
# For $\alpha=1.5$, $\beta=2$ the bound is $2/3$: the headline uses $\sigma^2_{\rm rel} = 0.5$
# (inside), the supporting claim `noise_threshold` uses $\sigma^2_{\rm rel} = 10$ (outside).

# %%
print(inspect.getsource(ef.rf_risk))

# %% [markdown]
# ## Experiment 1: more features and more samples, with the ridge tuned on validation data
#
# The task has $M$ Gaussian eigenfunctions $z_i$ with $\lambda_i = i^{-1.5}$, $v_i^2 = i^{-2}$
# and noise variance $0.05$; the random features are $h(w,x) = w\cdot x$ with
# $x = \Lambda^{1/2}z$ and $w\sim\mathcal N(0,I)$, whose kernel is $k(z,z') = \sum_i\lambda_i z_iz_i'$.
# Because the predictor is linear in $z$, its test MSE is computed exactly from its coefficients
# (no test set). Each draw has one training set of 512 points, one validation set and one set of
# 1024 weights, shared by the whole $(n, N)$ grid (the first $n$ points, the first $N$ features);
# each model is fitted along a 31-point ridge path from $10^{-8}$ to $10^{2}$ and uses the ridge
# with the smallest validation MSE. KRR ($N=\infty$) is ridge regression on the kernel's own
# features $x$.

# %%
task = pl.powerlaw_task(M, ALPHA, BETA, noise_var=NOISE)
scale_k = task.eigvals.sum()  # E[k(x, x)]
ridges_for = lambda n: rf.relative_ridges(n, scale_k, RIDGE_LO, RIDGE_HI, 31)
W_ALL = WIDTHS + [np.inf]


def powerlaw_sweep(rep_seed):
    rng = np.random.default_rng(rep_seed)
    X, y = task.sample(rng, max(NS))
    Xv, yv = task.sample(rng, N_VAL)
    fmap = rf.draw_feature_map(rng, "linear", M, max(WIDTHS))
    raw, raw_v = fmap.raw(X), fmap.raw(Xv)
    shape = (len(NS), len(WIDTHS) + 1)      # last width: KRR
    out = {"tuned": np.empty(shape), "untuned": np.empty(shape), "k": np.empty(shape, dtype=int)}
    for i, n in enumerate(NS):
        r = ridges_for(n)
        for j, N in enumerate(W_ALL):
            if np.isinf(N):                      # KRR = ridge regression on the kernel's features X
                w = ridge_coef(X[:n], y[:n, None], r)[..., 0]
                val = path_mse(Xv, yv[:, None], w[..., None])[:, 0]
            else:                                # f(z) = z . (sqrt(lam) * W_N a / sqrt(N))
                a = ridge_coef(rf.first_features(raw[:n], N), y[:n, None], r)[..., 0]
                val = path_mse(rf.first_features(raw_v, N), yv[:, None], a[..., None])[:, 0]
                w = fmap.W[:, :N] @ a / np.sqrt(N)
            k = int(val.argmin())                # the ridge chosen on validation data
            out["untuned"][i, j], out["tuned"][i, j] = task.population_mse(w[:, [0, k]])  # exact test MSE
            out["k"][i, j] = k
    return out


sim = over_seeds(powerlaw_sweep, replicates, desc="power-law draws")
best_sim, k_sim = sim["tuned"], sim["k"]                  # (draw, n, N incl. KRR): validation-tuned
untuned_sim = sim["untuned"]                              # ridge 1e-8, no tuning
theory = np.array([[ef.rf_risk(task.eigvals, task.coef, n, N, ridges_for(n), NOISE).test
                    for N in W_ALL] for n in progress(NS, desc="theory")])
best_mean, best_err = mean_ci(best_sim)
iP, jP, jH = NS.index(PEAK), WIDTHS.index(PEAK), WIDTHS.index(PEAK // 2)
iH = NS.index(PEAK // 2)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for c, i in enumerate([0, 2, 4]):
    theory_vs_simulation(axes[0], WIDTHS, theory[i, :-1].min(-1), best_mean[i, :-1], best_err[i, :-1],
                         label=f"n={NS[i]}", color=COLORS[c], logx=True, logy=True)
    axes[0].axhline(best_mean[i, -1], color=COLORS[c], ls=":", lw=1)
axes[0].set(xlabel="number of features N", ylabel="test MSE at the validation-tuned ridge",
            title="More features never hurt (dotted: KRR, N = ∞)")
for c, j in enumerate([1, 3, 6]):
    theory_vs_simulation(axes[1], NS, theory[:, j].min(-1), best_mean[:, j], best_err[:, j],
                         label=f"N={WIDTHS[j]}", color=COLORS[c], logx=True, logy=True)
axes[1].set(xlabel="number of samples n", ylabel="test MSE at the validation-tuned ridge",
            title="More samples never hurt")
for ax, ticks in zip(axes, [WIDTHS, NS]):
    ax.set_xticks(ticks, [str(t) for t in ticks], minor=False)
    ax.set_xticks([], minor=True)
    ax.legend(ncol=1, fontsize=8, loc="upper right" if ax is axes[0] else "lower left")
fig.suptitle(f"RF ridge regression on a power-law task (α={ALPHA}, β={BETA}); lines: eigenframework at "
             f"its optimal ridge, points: mean ± 95% CI of {N_REP} draws", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 2: without tuning, more is not always better
#
# The monotonicity needs the ridge to be tuned. At the smallest ridge of the grid (effectively the
# minimum-norm interpolator) the test error peaks where the number of features equals the number
# of samples ("double descent"). We show it for the Gaussian task and for a real one: random ReLU
# features on scikit-learn's 1797 digit images (64 pixels). Each digits draw splits the images at
# random into a training set, a validation set of 500 images and a held-out test set of the
# rest, and draws new random weights; pixels are centred and scaled with training-set statistics,
# targets are centred one-hot vectors, and the squared error is summed over the 10 outputs.

# %%
digits_X, digits_labels = load_digits(return_X_y=True)
P = len(digits_X)
digits_Y = np.eye(10)[digits_labels]


def digits_draw(rep_seed):
    rng = np.random.default_rng(rep_seed)
    perm = rng.permutation(P)
    tr, va, te = perm[:N_DIGITS], perm[N_DIGITS:N_DIGITS + N_DIGITS_VAL], perm[N_DIGITS + N_DIGITS_VAL:]
    mu = digits_X[tr].mean(0)
    X = (digits_X - mu) / (digits_X[tr] - mu).std()
    Y = digits_Y - digits_Y[tr].mean(0)
    fmap = rf.draw_feature_map(rng, "relu", X.shape[1], max(WIDTHS))
    raw = fmap.raw(X)
    kscale = np.mean((X[tr] ** 2).sum(1)) / X.shape[1]              # E[k(x, x)] of the ReLU kernel
    r31 = rf.relative_ridges(N_DIGITS, kscale, RIDGE_LO, RIDGE_HI, 31)
    out = {"test": np.empty((len(WIDTHS), 31)), "val": np.empty((len(WIDTHS), 31))}
    for j, N in enumerate(WIDTHS):                                   # squared errors summed over outputs
        a = ridge_coef(rf.first_features(raw[tr], N), Y[tr], r31)
        out["val"][j] = path_mse(rf.first_features(raw[va], N), Y[va], a).sum(-1)
        out["test"][j] = path_mse(rf.first_features(raw[te], N), Y[te], a).sum(-1)
    r81 = rf.relative_ridges(N_DIGITS, kscale, RIDGE_LO, RIDGE_HI, 81)
    kpath = KernelPath(rf.relu_kernel(X[tr], X[tr]))
    dual = kpath.dual(Y[tr], r81)
    out["krr_train"] = kpath.train_mse(Y[tr], r81).sum(-1)
    out["krr_val"] = path_mse(rf.relu_kernel(X[va], X[tr]), Y[va], dual).sum(-1)
    out["krr_test"] = path_mse(rf.relu_kernel(X[te], X[tr]), Y[te], dual).sum(-1)
    return out


sim_d = over_seeds(digits_draw, replicates, desc="digits draws")
best_d, _ = tuned(sim_d["val"], sim_d["test"])                        # (draw, N)
jd, jdh = WIDTHS.index(N_DIGITS), WIDTHS.index(N_DIGITS // 2)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
panels = [(axes[0], untuned_sim[:, iP, :-1], best_sim[:, iP, :-1], theory[iP, :-1], PEAK, "Gaussian power-law task"),
          (axes[1], sim_d["test"][..., 0], best_d, None, N_DIGITS, "ReLU random features on digits")]
for ax, s0, sb, t, n_train, title in panels:
    m0, e0 = mean_ci(s0)
    mb, eb = mean_ci(sb)
    if t is not None:
        theory_vs_simulation(ax, WIDTHS, t[:, 0], m0, e0, label="ridge 1e-8", color=COLORS[1], logx=True, logy=True)
        theory_vs_simulation(ax, WIDTHS, t.min(-1), mb, eb, label="tuned ridge", color=COLORS[0], logx=True, logy=True)
    else:
        ax.errorbar(WIDTHS, m0, yerr=e0, fmt="o-", ms=4, capsize=2, color=COLORS[1], label="ridge 1e-8 simulation")
        ax.errorbar(WIDTHS, mb, yerr=eb, fmt="o-", ms=4, capsize=2, color=COLORS[0], label="tuned ridge simulation")
        ax.set(xscale="log", yscale="log")
    ax.axvline(n_train, color="grey", ls="--", lw=1)
    ax.set_xticks(WIDTHS, [str(w) for w in WIDTHS], minor=False)
    ax.set_xticks([], minor=True)
    ax.set(xlabel="number of features N", ylabel="test MSE", title=f"{title}, n={n_train}")
    ax.legend(fontsize=8)
fig.suptitle("Near-interpolation peaks at N = n (dashed); the validation-tuned ridge removes the peak",
             fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Experiment 3: overfitting is obligatory on a power-law task
#
# Now the width is infinite (KRR, the best RF model by experiment 1) and $n$ is fixed. We add noise
# $\sigma^2 = \sigma^2_{\rm rel}\,E_{\rm te}(\delta=0,\sigma=0)$ with $\sigma^2_{\rm rel}\in\{0, 0.5, 10\}$
# (the first two inside the interpolation-optimal regime $\sigma^2_{\rm rel}\le 2/3$, the last
# outside), sweep an 81-point ridge path and plot the test MSE against the fitting ratio
# $R = E_{\rm tr}/E_{\rm te}$. The same inputs and the same standard-normal noise draws, rescaled,
# are used for the three noise levels; the validation set carries noise of the same level. Three
# models are compared in each draw: the near-interpolating one (ridge $10^{-8}$, no tuning), the
# validation-tuned one, and the best *non-overfitting* one: the ridge with the smallest validation
# MSE among those whose training MSE is at least half the validation MSE.

# %%
base = ef.krr_risk(task.eigvals, task.coef, N_OVERFIT, 0.0).test[0]   # ridgeless noiseless test MSE
ridges_o = rf.relative_ridges(N_OVERFIT, scale_k, RIDGE_LO, RIDGE_HI, 81)
theory_o = [ef.krr_risk(task.eigvals, task.coef, N_OVERFIT, ridges_o, s2 * base) for s2 in SIGMA_REL]


def overfit_draw(rep_seed):
    rng = np.random.default_rng(rep_seed)
    noiseless = task.with_noise(0.0)
    X, y0 = noiseless.sample(rng, N_OVERFIT)
    Xv, yv0 = noiseless.sample(rng, N_VAL)
    eps, eps_v = rng.standard_normal(N_OVERFIT), rng.standard_normal(N_VAL)
    sd = np.sqrt(np.array(SIGMA_REL) * base)
    Y, Yv = y0[:, None] + eps[:, None] * sd, yv0[:, None] + eps_v[:, None] * sd   # one column per noise level
    kpath = KernelPath(X @ X.T)                # KRR: kernel k(x, x') = x . x', weights X^T dual
    w = np.tensordot(X.T, kpath.dual(Y, ridges_o), (1, 0))
    train, val = kpath.train_mse(Y, ridges_o), path_mse(Xv, Yv, w)
    out = {}
    for c, s2 in enumerate(SIGMA_REL):
        out[f"test{s2}"] = task.with_noise(s2 * base).population_mse(w[..., c])
        out[f"train{s2}"], out[f"val{s2}"] = train[:, c], val[:, c]
    return out


sim_o = over_seeds(overfit_draw, replicates, desc="overfitting draws")
choice = {}   # per noise level: test MSE of the interpolating, tuned and best non-overfitting models
for s2 in SIGMA_REL:
    te, tr, va = sim_o[f"test{s2}"], sim_o[f"train{s2}"], sim_o[f"val{s2}"]
    t_tuned, k_tuned = tuned(va, te)
    t_safe, k_safe = non_overfitting(tr, va, te)
    choice[s2] = {"interp": te[:, 0], "tuned": t_tuned, "safe": t_safe,
                  "R_tuned": tr[np.arange(N_REP), k_tuned] / t_tuned,
                  "R_safe": tr[np.arange(N_REP), k_safe] / t_safe}

fig, ax = plt.subplots(figsize=(6.6, 4.4))
for c, (s2, th) in enumerate(zip(SIGMA_REL, theory_o)):
    te, tr = sim_o[f"test{s2}"], sim_o[f"train{s2}"]
    ax.plot(th.fitting_ratio, th.test / base, "-", color=COLORS[c], label=f"σ²_rel={s2:g} theory")
    m, e = mean_ci(te / base)
    sel = slice(0, None, 4)
    ax.errorbar((tr.mean(0) / te.mean(0))[sel], m[sel], yerr=e[sel], fmt="o", ms=3, capsize=2,
                color=COLORS[c], label=f"σ²_rel={s2:g} simulation")
    ch = choice[s2]
    ax.plot(ch["R_tuned"].mean(), ch["tuned"].mean() / base, "*", ms=14, color=COLORS[c], mec="k")
    ax.plot(ch["R_safe"].mean(), ch["safe"].mean() / base, "s", ms=8, color=COLORS[c], mec="k")
ax.axvline(R_MIN, color="grey", ls="--", lw=1)
ax.set_yscale("log")
ax.set_ylim(0.7, 60)  # clip the large-ridge end, which climbs to the null predictor
ax.set(xlabel="fitting ratio  train MSE / test MSE", ylabel="test MSE / ridgeless noiseless test MSE",
       title=f"KRR on the power-law task, n={N_OVERFIT}\n(stars: validation-tuned; squares: best "
             f"non-overfitting; dashed: R = {R_MIN})")
ax.legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()
print("mean fitting ratio at the validation-tuned ridge:",
      {s2: round(float(choice[s2]["R_tuned"].mean()), 3) for s2 in SIGMA_REL})
print("optimal fitting ratio, eigenframework at this n:",
      {s2: round(float(th.fitting_ratio[th.test.argmin()]), 3) for s2, th in zip(SIGMA_REL, theory_o)})
print("optimal fitting ratio, large-n formula:",
      {s2: round(ef.powerlaw_optimal_fitting_ratio(ALPHA, BETA, s2), 3) for s2 in SIGMA_REL})

# %% [markdown]
# The same comparison on digits, with KRR and the ReLU (arc-cosine) kernel, the $N\to\infty$
# limit of the random features above, on $n$ = 256 training images (512 at full scale), with
# no added noise: the labels are what they are.

# %%
d_tuned, dk = tuned(sim_d["krr_val"], sim_d["krr_test"])
d_safe, dks = non_overfitting(sim_d["krr_train"], sim_d["krr_val"], sim_d["krr_test"])
d_interp = sim_d["krr_test"][:, 0]
fig, ax = plt.subplots(figsize=(6.0, 4.0))
R_d = sim_d["krr_train"] / sim_d["krr_test"]
m, e = mean_ci(sim_d["krr_test"])
ax.errorbar(R_d.mean(0), m, yerr=e, fmt="o-", ms=3, capsize=2, color=COLORS[0], label="KRR, ReLU kernel")
ax.plot(R_d[np.arange(N_REP), dk].mean(), d_tuned.mean(), "*", ms=14, color=COLORS[0], mec="k",
        label="validation-tuned")
ax.plot(R_d[np.arange(N_REP), dks].mean(), d_safe.mean(), "s", ms=8, color=COLORS[0], mec="k",
        label="best non-overfitting")
ax.axvline(R_MIN, color="grey", ls="--", lw=1)
ax.set(xlabel="fitting ratio  train MSE / test MSE", ylabel="test MSE (held-out digits)", yscale="log",
       title=f"Digits, n={N_DIGITS}: test error against the fitting ratio")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Closed-form checks
#
# Two properties of the eigenframework that must hold if our implementation is right: its
# $N\to\infty$ limit is the KRR estimate, and its test MSE at the optimal ridge (found by a bounded
# one-dimensional search over $\log\delta$, not on the grid) decreases along every step of the
# $(n, N)$ grid, which is Theorem 1 applied to the estimate.

# %%
r_check = ridges_for(PEAK)
krr_gap = np.abs(ef.rf_risk(task.eigvals, task.coef, PEAK, 1e12, r_check, NOISE).test
                 / ef.krr_risk(task.eigvals, task.coef, PEAK, r_check, NOISE).test - 1).max()


def optimal_theory(n, N):
    f = lambda lr: ef.rf_risk(task.eigvals, task.coef, n, N, n * scale_k * np.exp(lr), NOISE).test[0]
    lo, hi = np.log(1e-10), np.log(1e3)
    res = minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-5})
    return min(res.fun, f(lo))


opt_theory = np.array([[optimal_theory(n, N) for N in W_ALL] for n in progress(NS, desc="optimal ridge")])
theory_steps = max((opt_theory[:, 1:] / opt_theory[:, :-1] - 1).max(), (opt_theory[1:] / opt_theory[:-1] - 1).max())

# %% [markdown]
# ## Results
#
# Every counted claim is recorded per comparison (`setting=`), pairing the two models within each
# draw; a claim passes only if it passes at every setting.

# %%
WMAX = max(WIDTHS)
log = np.log
claims.record("more_is_better", method=log(best_sim[:, iP, jP]), baseline=log(best_sim[:, iP, jH]),
              setting=f"more features: N = {PEAK} vs {PEAK // 2}, n = {PEAK}")
claims.record("more_is_better", method=log(best_sim[:, iP, -1]), baseline=log(best_sim[:, iP, WIDTHS.index(WMAX)]),
              setting=f"infinite width: KRR vs N = {WMAX}, n = {PEAK}")
claims.record("more_is_better", method=log(best_sim[:, iP, jP]), baseline=log(best_sim[:, iH, jP]),
              setting=f"more samples: n = {PEAK} vs {PEAK // 2}, N = {PEAK}")
claims.record("more_is_better", method=log(choice[0.5]["interp"]), baseline=log(choice[0.5]["safe"]),
              setting=f"overfitting: ridge 1e-8 vs best non-overfitting ridge, KRR, n = {N_OVERFIT}, "
                      "sigma2_rel = 0.5")

W_NAME = [str(w) for w in WIDTHS] + ["inf"]
for i, n in enumerate(NS):                    # one setting per step: each doubling of N at this n
    for j in range(len(W_ALL) - 1):
        claims.record("every_step", method=log(best_sim[:, i, j + 1]), baseline=log(best_sim[:, i, j]),
                      setting=f"n={n}: N {W_NAME[j]}->{W_NAME[j + 1]}")
for j, N in enumerate(W_NAME):                # and each doubling of n at this N
    for i in range(len(NS) - 1):
        claims.record("every_step", method=log(best_sim[:, i + 1, j]), baseline=log(best_sim[:, i, j]),
                      setting=f"N={N}: n {NS[i]}->{NS[i + 1]}")

steps = np.concatenate([np.diff(log(best_sim), axis=2).reshape(N_REP, -1),
                        np.diff(log(best_sim), axis=1).reshape(N_REP, -1)], axis=1)
print(f"single draws: {(steps > np.log(1.02)).sum()} of {steps.size} (draw, step) pairs rise by more than 2% "
      f"(at {(steps > np.log(1.02)).any(0).sum()} of {steps.shape[1]} steps)")

claims.record("untuned_peak", method=log(untuned_sim[:, iP, jP]), baseline=log(untuned_sim[:, iP, jH]),
              setting=f"features: N = {PEAK} vs {PEAK // 2}, n = {PEAK}")
claims.record("untuned_peak", method=log(untuned_sim[:, iP, jP]), baseline=log(untuned_sim[:, iH, jP]),
              setting=f"samples: n = {PEAK} vs {PEAK // 2}, N = {PEAK}")

big_n = np.array(NS) >= 64
big_N = np.array(W_ALL) >= 64
theory_at_choice = np.take_along_axis(np.broadcast_to(theory, (N_REP,) + theory.shape), k_sim[..., None], -1)[..., 0]
rel_gap = np.abs(best_sim / theory_at_choice - 1)[:, big_n][:, :, big_N]
claims.record("theory_agrees", values=rel_gap.reshape(N_REP, -1).mean(1))

claims.record("noise_threshold", method=log(choice[10.0]["tuned"]), baseline=log(choice[10.0]["interp"]),
              setting=f"KRR, n = {N_OVERFIT}, sigma2_rel = 10")

claims.record("image_task", method=log(best_d[:, jd]), baseline=log(best_d[:, jdh]),
              setting=f"more features: N = {N_DIGITS} vs {N_DIGITS // 2}, n = {N_DIGITS}")
claims.record("image_task", method=log(d_interp), baseline=log(d_safe),
              setting=f"overfitting: ridge 1e-8 vs best non-overfitting ridge, KRR, n = {N_DIGITS}")

FLOOR = 1e-8  # differences below this print as 1e-08, so the report is byte-stable
claims.record("krr_limit", value=max(krr_gap, FLOOR))
claims.record("theory_monotone", value=theory_steps)
claims.results()
for key, c in claims.declared.items():  # the verdicts, for the prose below
    glue(f"verdict_{key}", Markdown(f"**{c.verdict.lower()}**"), display=False)

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# **Headline: {glue:md}`verdict_more_is_better`** (the per-comparison intervals are in the results
# cell above). Its four comparisons each pit the paper's choice against an alternative that wins
# in a classical picture: half the features or half the samples at the interpolation threshold,
# where an untuned smaller model *is* better (`untuned_peak`, the same comparisons at ridge
# $10^{-8}$: {glue:md}`verdict_untuned_peak`); the widest finite model against KRR; and a model
# that keeps its training error comparable to its validation error against one that interpolates
# noisy labels. Every ridge is chosen on validation data, so the comparisons are between models a
# practitioner could actually fit, and the test error is measured on data the choice never saw.
#
# **Supporting.** Theorem 1 on every step of the grid, $N = \infty$ included (`every_step`):
# {glue:md}`verdict_every_step`. This claim was changed after a pilot (the note in the report):
# single draws do not improve at every step, as the count printed in the results cell shows, so
# the claim is judged on each step's mean change over draws, which is what the theorem is about.
# The eigenframework's prediction of the tuned test error of finite-width models
# (`theory_agrees`): {glue:md}`verdict_theory_agrees`. The regime boundary (`noise_threshold`, a
# positive ridge beating interpolation when the noise is far above the threshold):
# {glue:md}`verdict_noise_threshold`; it shows that the obligatory-overfitting comparison of the
# headline can come out the other way. The real-image check on scikit-learn's digits with ReLU
# features and the ReLU kernel (`image_task`): {glue:md}`verdict_image_task`. The two closed-form
# checks are sanity checks of our code, not reproductions.
#
# ## Deviations from the paper
#
# - **Ridge selection.** The paper's optimal ridge minimises the expected test error; we choose it
#   per draw on a validation set (Gaussian task: 1000 samples at quick scale; digits: 500 images),
#   on a grid of 31 (RF) or 81 (KRR) log-spaced values from $10^{-8}$ to $10^{2}$ relative to
#   $n\,\mathbb E[k(x,x)]$. The interpolating model is the smallest ridge of that grid.
# - **"Does not overfit"** is our operationalisation of the abstract's "training error much smaller
#   than the test error": training MSE at least half the validation MSE (fixed before running).
# - **Scale.** $n \le 512$ and $N \le 1024$ at quick scale, with 20 independent draws (the paper goes
#   to thousands of samples and features); `full` scale doubles $n$, $N$, the validation set and
#   the number of modes. The power-law spectrum is truncated at $M$ modes (2000 at quick scale);
#   the theory uses the same truncated spectrum.
# - **The headline's steps** ($N$ and $n$ from 128 to 256 at the other equal to 256) were fixed
#   before running, at the interpolation threshold $N = n$ where untuned models get worse;
#   `every_step` covers the rest of the grid.
# - **Real data.** The paper uses CIFAR-10 with ReLU random features (Fig. 1) and convolutional NTKs
#   on MNIST, SVHN and CIFAR-10 (its obligatory-overfitting experiments). Neither the data sets nor a
#   convolutional NTK on tens of thousands of images fit this book's CPU budget and no-download
#   rule; we use scikit-learn's 8×8 digits with the fully connected ReLU kernel, a smaller and
#   different kernel on a much simpler image task. The eigenframework is not compared with the
#   digits simulations: its Gaussian universality ansatz is not exact for real images, so the
#   quantitative comparison with theory is made on the Gaussian task.
# - The closed form for the optimal fitting ratio and the interpolation bound
#   $\sigma^2_{\rm rel}\le(\beta-\alpha)/(\alpha(\alpha-1))$ are our own large-$n$ derivation from the
#   KRR estimate, in the setting of the paper's Sec. 5; the unit tests check them against the
#   finite-$n$ estimate at $n = 1000$.
