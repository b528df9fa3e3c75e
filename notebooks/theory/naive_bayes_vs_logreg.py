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
# # Revisiting Discriminative vs. Generative Classifiers: Theory and Implications
#
# {cite}`zheng2023revisiting` (ICML 2023)
# · [arXiv:2302.02334](https://arxiv.org/abs/2302.02334)
# · [authors' code](https://github.com/ML-GSAI/Revisiting-Dis-vs-Gen-Classifiers)
#
# Naive Bayes and logistic regression can represent exactly the same linear classifiers; one fits
# the class-conditional densities (generative), the other the conditional label probabilities
# directly (discriminative). {cite}`ng2001discriminative` showed for binary problems that naive
# Bayes approaches its own asymptotic error with a number of samples logarithmic in the dimension
# $d$, while logistic regression may need a number linear in $d$. Zheng et al. extend this to the
# multiclass case, reasoning on surrogate losses through $\mathcal H$-consistency bounds, check it
# on Gaussian mixtures, and argue that naive Bayes deserves a place next to logistic regression in
# the linear evaluation of pre-trained features.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** Under mild assumptions, multiclass naive Bayes needs $O(\log d)$ samples to come within
# $\varepsilon$ of its asymptotic error, while multiclass logistic regression needs $O(d)$; Gaussian
# mixture simulations confirm it.
#
# **This chapter checks**, on the authors' simulation design (class means on the diagonal
# direction, shared diagonal covariance with half the features very noisy), for $K = 2$ classes
# (test errors computed exactly) and $K = 3$ classes (test errors on a large fresh sample), with
# $d \in \{25, 50, 100, 200, 400\}$ and $m_\varepsilon(d)$ the number of training samples at
# which the mean test error first comes within $\varepsilon = 0.01$ of the asymptotic error
# (the authors' stopping rule). Thresholds are the catalog's, fixed before running:
# 1. logistic regression: $m_\varepsilon$ grows at least like $d^{0.75}$ (least-squares slope of
#    $\log m_\varepsilon$ on $\log d$ $\ge 0.75$, which is a ratio $\ge 8$ over the 16-fold range of
#    $d$), and a line in $d$ fits $m_\varepsilon$ better ($R^2$) than a line in $\log d$; for $K=2$ and $K=3$;
# 2. naive Bayes: $m_\varepsilon(400) / m_\varepsilon(25) \le 3$, for $K=2$ and $K=3$;
# 3. naive Bayes needs fewer samples than logistic regression at every $d$, for both $K$.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
epsilon = 0.01  # distance to the asymptotic error that defines m_eps (the authors' 0.01)
C = 1.0  # inverse l2 strength of logistic regression (the authors' scikit-learn setting)

# %%
import inspect
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

import repro
from repro.book.params import check_float
from repro.book.progress import progress
from repro.data import gmm
from repro.papers.theory.naive_bayes import (SharedDiagonalGaussianNB, linear_fit_r2,
                                             samples_to_reach)
from repro.scaling.fits import loglog_slope

run = repro.setup(scale, seed, device)
check_float("epsilon", epsilon, minimum=0.001, maximum=0.1)
check_float("C", C, minimum=1e-4, maximum=1e4)
warnings.filterwarnings("ignore", category=ConvergenceWarning)

DIMS = np.array([25, 50, 100, 200, 400])
GRID = np.unique(np.round(4 * 1.2 ** np.arange(50)).astype(int))  # training sizes, ratio 1.2
REPEATS = {2: run.pick(20, 50), 3: run.pick(6, 30)}  # training sets per (d, m)
N_TEST = run.pick(10000, 100000)  # fresh test points for K = 3
print(f"grid of {len(GRID)} training sizes from {GRID[0]} to {GRID[-1]}; repeats {REPEATS}; "
      f"K=3 test set {N_TEST}")


# %% [markdown]
# ## Data, models and what is measured
#
# **Data** (the authors' "easy" simulation). Class $k$ has mean $\mu_k \mathbf 1$ with
# $\mu_0 = -1$ and $\mu_k = 2^{k-1}$ for $k \ge 1$ (so $\pm 1$ for two classes; $-1, 1, 2$ for three),
# classes are equally likely, and all classes share the covariance
# $\Sigma = \operatorname{diag}(d, \dots, d, 1, \dots, 1)$, half the features with variance $d$.
# The naive Bayes assumption holds, and so does the logistic model: both methods are well
# specified, and both converge to the Bayes classifier, so the asymptotic error of both is the
# Bayes error.
#
# **Naive Bayes** estimates the class means, the class frequencies and one variance per feature
# pooled over classes (as in the authors' code), giving the linear scores
# $\log \hat\pi_k + \sum_j (\hat\mu_{kj} x_j - \hat\mu_{kj}^2/2) / \hat s_j$.
# **Logistic regression** is scikit-learn's multinomial model with L-BFGS and $C = 1$, the
# authors' setting. Each feature's variance takes naive Bayes $O(1)$ samples to estimate, and a
# union bound over $d$ features costs only $\log d$; logistic regression has $d$ weights to learn
# jointly, which is where its $O(d)$ comes from.
#
# **Errors.** For $K = 2$ every fitted classifier is a hyperplane and the mixture is
# $x \mid y \sim N(y \mathbf 1, \Sigma)$, so its test error is exact:
# $\tfrac12[\Phi(-(w^\top \mathbf 1 + b)/s) + \Phi(-(w^\top \mathbf 1 - b)/s)]$, $s = \sqrt{w^\top \Sigma w}$
# (`repro.data.gmm.linear_error`), and so is the Bayes error. For $K = 3$ we use one large fresh test set
# per $d$ and take the asymptotic error as the error of the Bayes classifier on that same test set.
#
# **Sample complexity.** For each $d$ we walk up a grid of training sizes (ratio 1.2), average the
# test error over independent training sets, and record $m_\varepsilon(d)$, the first size at which
# the mean error is within $\varepsilon$ of the asymptotic error (log-interpolated between grid
# points), stopping there as the authors do. The code is `src/repro/papers/theory/naive_bayes.py` (tests in
# `tests/test_naive_bayes.py`):

# %%
print(inspect.getsource(SharedDiagonalGaussianNB.fit))
print(inspect.getsource(samples_to_reach))


# %%
def mixture(d, K):
    """Class means (K, d) and the shared diagonal variances (d,) of the authors' design."""
    mus = np.array([-1.0] + [2.0 ** (k - 1) for k in range(1, K)])
    var = np.r_[np.full(d // 2, float(d)), np.ones(d - d // 2)]
    return mus[:, None] * np.ones(d), var


def draw(n, means, var, rng):
    """n points with balanced random labels 0..K-1 (every class present when n >= K)."""
    K = len(means)
    y = rng.permutation(np.arange(n) % K)
    return means[y] + rng.standard_normal((n, len(var))) * np.sqrt(var), y


def fit(method, X, y):
    if method == "naive Bayes":
        return SharedDiagonalGaussianNB().fit(X, y)
    return LogisticRegression(C=C, max_iter=1000).fit(X, y)


def binary_linear(model):
    """(w, b) of a fitted two-class model, oriented so that w.x + b > 0 predicts class 1."""
    if isinstance(model, SharedDiagonalGaussianNB):
        return model.binary_linear()
    return model.coef_[0], float(model.intercept_[0])


def learning_curve(method, d, K, rng, test=None):
    """Mean test error on GRID until it comes within epsilon of the asymptotic error."""
    means, var = mixture(d, K)
    if K == 2:  # labels 0/1 with means -1 / +1: exact errors from repro.data.gmm
        asym = gmm.bayes_error(np.ones(d), np.diag(var))
        def error(model):
            w, b = binary_linear(model)
            return gmm.linear_error(w, np.ones(d), b, np.diag(var))
    else:
        Xt, yt = test
        bayes = SharedDiagonalGaussianNB(var_smoothing=0.0)
        bayes.classes_, bayes.means_, bayes.var_ = np.arange(K), means, var
        bayes.priors_ = np.full(K, 1.0 / K)
        asym = np.mean(bayes.predict(Xt) != yt)
        error = lambda model: np.mean(model.predict(Xt) != yt)  # noqa: E731
    curve = []
    for m in GRID:
        if m < 2 * K:
            continue
        errs = [error(fit(method, *draw(m, means, var, rng))) for _ in range(REPEATS[K])]
        curve.append((m, np.mean(errs)))
        if curve[-1][1] <= asym + epsilon:
            break
    ms, es = np.array(curve).T
    return dict(m=ms, err=es, asym=asym, m_eps=samples_to_reach(ms, es, asym + epsilon))


# %% [markdown]
# ## Experiment: learning curves and $m_\varepsilon(d)$

# %%
METHODS = ("naive Bayes", "logistic regression")
results = {}
for K in (2, 3):
    for d in progress(DIMS, desc=f"K={K}"):
        rng = np.random.default_rng([seed, K, int(d)])
        test = draw(N_TEST, *mixture(d, K), rng) if K == 3 else None
        for method in METHODS:
            results[(K, method, int(d))] = learning_curve(method, int(d), K, rng, test)

m_eps = {(K, method): np.array([results[(K, method, int(d))]["m_eps"] for d in DIMS])
         for K in (2, 3) for method in METHODS}
print("asymptotic (Bayes) error per d:")
for K in (2, 3):
    print(f"  K={K}: " + ", ".join(f"d={d}: {results[(K, METHODS[0], int(d))]['asym']:.0e}" for d in DIMS))
print("\nm_eps (samples to come within epsilon of the asymptotic error):")
print("| K | method | " + " | ".join(f"d={d}" for d in DIMS) + " |")
print("|---|---|" + "---|" * len(DIMS))
for (K, method), v in m_eps.items():
    print(f"| {K} | {method} | " + " | ".join(f"{x:.0f}" for x in v) + " |")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for ax, K in zip(axes, (2, 3)):
    for method, color in zip(METHODS, ("C0", "C1")):
        for d, ls in ((25, ":"), (100, "--"), (400, "-")):
            r = results[(K, method, d)]
            ax.plot(r["m"], np.maximum(r["err"] - r["asym"], 1e-4), ls, color=color,
                    label=f"{method}, d={d}")
    ax.axhline(epsilon, color="0.5", lw=1, label=r"$\varepsilon$")
    ax.set(xscale="log", yscale="log", xlabel="training samples m",
           ylabel="test error - asymptotic error", title=f"Learning curves, K={K} classes")
    ax.legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for ax, K in zip(axes, (2, 3)):
    for method, color in zip(METHODS, ("C0", "C1")):
        v = m_eps[(K, method)]
        ax.plot(DIMS, v, "o", color=color, label=f"{method} (simulation)")
        for feat, ls, name in ((DIMS, "-", "a + b d"), (np.log(DIMS), "--", "a + b log d")):
            coef = np.polyfit(feat, v, 1)
            dd = np.linspace(DIMS[0], DIMS[-1], 200)
            ax.plot(dd, np.polyval(coef, dd if feat is DIMS else np.log(dd)), ls, color=color,
                    lw=1, label=f"{method}, fit {name}")
    ax.set(xscale="log", yscale="log", xlabel="dimension d", ylabel=r"$m_\varepsilon$",
           title=rf"Samples to reach asymptotic error + {epsilon:g}, K={K}")
    ax.legend(fontsize=7)
fig.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
claims = repro.Claims()
for K in (2, 3):
    lr, nb = m_eps[(K, METHODS[1])], m_eps[(K, METHODS[0])]
    slope = loglog_slope(DIMS, lr)
    r2_lin, r2_log = linear_fit_r2(DIMS, lr), linear_fit_r2(np.log(DIMS), lr)
    claims.add(
        f"K={K}: logistic regression needs a number of samples growing ~linearly in d",
        measured={"m_eps d=25..400": [f"{x:.0f}" for x in lr], "log-log slope": f"{slope:.1f}",
                  "R2 line in d / in log d": f"{r2_lin:.2f} / {r2_log:.2f}"},
        criterion="slope >= 0.75 (ratio >= 8 over d = 25..400) and R2(d) > R2(log d)",
        passed=slope >= 0.75 and r2_lin > r2_log)
    claims.add(
        f"K={K}: naive Bayes needs a number of samples growing sub-linearly in d",
        measured={"m_eps d=25..400": [f"{x:.0f}" for x in nb], "ratio d=400 / d=25": f"{nb[-1] / nb[0]:.1f}"},
        criterion="m_eps(400) / m_eps(25) <= 3",
        passed=nb[-1] / nb[0] <= 3)
claims.add(
    "Naive Bayes reaches asymptotic error + eps with fewer samples than logistic regression",
    measured={f"K={K} min over d of m_LR / m_NB": f"{np.min(m_eps[(K, METHODS[1])] / m_eps[(K, METHODS[0])]):.0f}"
              for K in (2, 3)},
    criterion="m_eps(naive Bayes) < m_eps(logistic regression) at every d, K = 2 and 3",
    passed=all(np.all(m_eps[(K, METHODS[0])] < m_eps[(K, METHODS[1])]) for K in (2, 3)))
claims.report()

# %% [markdown]
# ## Verdict
#
# *Written after the runs with seeds 0, 1 and 2, which give the same verdicts.*
#
# **Two classes: reproduced.** With exact test errors, logistic regression needs about 50 samples
# at $d = 25$ and about 470 at $d = 400$: a line in $d$ fits these numbers almost perfectly
# ($R^2 \approx 1$), the log-log slope is about 0.8, and a line in $\log d$ fits clearly worse.
# Naive Bayes needs 5-9 samples at every dimension; in this design it even gets slightly easier
# as $d$ grows, because every extra feature adds signal while costing naive Bayes only one more
# variance to estimate. The per-feature logic of the $O(\log d)$ argument is visible here: naive
# Bayes never has to learn how the features interact, logistic regression does.
#
# **Three classes: half reproduced.** Naive Bayes again needs few samples (about 80 at $d = 25$,
# falling to about 10 at $d \ge 200$) and beats logistic regression by a factor of at least 7 at
# every $d$. But the catalog's linear-growth check for logistic regression fails over
# $d = 25 \dots 400$: its $m_\varepsilon$ first *falls* from $d = 25$ to $d = 100$ and only then
# grows, faster than linearly (about $\times 6$ from $d = 100$ to $d = 400$). The reason is the
# design, not the method: the class means $-\mathbf 1, \mathbf 1, 2\mathbf 1$ put classes 1 and 2
# close together, their separation grows with $d$, and at $d = 25$ the three-class problem still has
# a Bayes error of about 2 % and a narrow margin that every method needs many samples to resolve.
# In the authors' simulations $d \ge 100$, where the Bayes error is essentially zero and only the
# dimension matters; over that range our logistic-regression numbers grow about sixfold for a
# fourfold increase in $d$.
# We keep the verdict as NOT REPRODUCED because the range $d = 25 \dots 400$ was fixed
# beforehand; a test of the multiclass claim that is not confounded by the signal strength would
# hold the Mahalanobis separation fixed while $d$ grows.
#
# ## Deviations from the paper
#
# * **Scale.** $d \le 400$ instead of up to 1000, $K \in \{2, 3\}$ instead of up to 7, and a
#   training-size grid with ratio 1.2 instead of the authors' arithmetic step of $\lceil\log d\rceil$;
#   20 (two classes) or 6 (three classes) training sets per grid point, where the authors ran 5.
# * **Exact errors.** For two classes we compute test errors exactly from the Gaussian model
#   instead of on 10 000 test points; for three classes we use 10 000 fresh test points (as the authors).
# * **Regularisation.** Logistic regression keeps the authors' scikit-learn default $C = 1$ at
#   every $m$; it is not tuned per training size.
# * **Not reproduced here.** The theory itself (the multiclass $\mathcal H$-consistency bounds) is
#   not re-derived, and the experiments on features of pre-trained vision models (which need
#   ImageNet-scale models and data) are out of scope.
