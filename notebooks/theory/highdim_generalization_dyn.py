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
# # High-dimensional dynamics of generalization error in neural networks
#
# {cite}`advani2020high` · [paper (Neural Networks 132, 2020)](https://doi.org/10.1016/j.neunet.2020.08.022)
# · [arXiv:1710.03667](https://arxiv.org/abs/1710.03667) · no public code
#
# How does the test error of a network evolve *during* gradient descent when the data set is
# about as large as the number of weights? Advani, Saxe and Sompolinsky answer this exactly for
# the simplest case, a linear student learning a noisy linear teacher, by writing the dynamics in
# the eigenbasis of the input correlation matrix. When inputs are random and the dimension is
# large, that matrix's spectrum follows the Marchenko-Pastur law, and the learning curves become
# one-dimensional integrals. The consequences are sharp: learning to convergence
# ("overtraining") hurts most when the number of samples $P$ equals the number of weights $N$,
# because the spectrum then reaches down to zero and tiny eigenvalues amplify the label noise; and
# with fewer samples than weights, whatever the initial weights put into the directions the data
# never span stays there for good, so large initial weights cost test error forever. They then
# carry these lessons to non-linear networks; this chapter stays with the linear theory.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For a linear student trained by gradient descent on $P = \alpha N$ examples of a
# noisy linear teacher in $N$ dimensions, in the limit $N, P \to \infty$: (i) the test and
# training error at every time are given by integrals over the Marchenko-Pastur eigenvalue
# density, each eigen-mode relaxing exponentially at a rate equal to its eigenvalue; (ii) the
# damage done by training to convergence instead of stopping early is largest at $\alpha = 1$
# (it diverges there in the limit) and shrinks on both sides: smaller *or* larger networks
# overtrain less; (iii) when $\alpha < 1$ the weights in the $N - P$ directions the data do not
# span never change, so the asymptotic test error grows with the initial weight variance
# $\sigma_0^2$ by $(1-\alpha)\sigma_0^2$: good generalization needs small initial weights.
#
# **This chapter tests**, at $N = 300$ (quick scale), with every data set (inputs, teacher, noise,
# initial weights) an independent run and criteria declared before running:
# * *headline*: overtraining $E_g(\infty) - \min_t E_g(t)$ is worst near $\alpha = 1$ and shrinks at
#   every step away from it, towards smaller *and* larger networks, at two signal-to-noise ratios.
#   The grid leaves out $\alpha = 1$ itself, where the theory diverges (with it the location of the
#   peak could not fail);
# * *supporting*: the Marchenko-Pastur theory predicts the simulated test-error learning curves
#   ($\alpha \in \{0.5, 2\}$, within 5 %) and the simulated overtraining off the peak
#   ($\alpha \le 0.5$ or $\ge 1.5$, within 10 %);
# * *sanity*: the frozen subspace: below $\alpha = 1$ initial weights of variance $\sigma_0^2$ add
#   $(N-P)/N\,\sigma_0^2$ to the converged error on average, above it they add nothing; both are
#   properties of the exact gradient-flow solution, not tests of the paper.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
claims.declare(
    "peak_at_one", kind="headline",
    statement=("Overtraining is worst near alpha = P/N = 1 and shrinks at every step of the grid away from it, "
               "towards smaller and larger networks (SNR 1 and 10; alpha = 1 itself left out)"),
    metric="overtraining at the alpha closer to 1 (per data set)",
    paired_with="overtraining at the next alpha further away (data sets paired by index)",
    better="higher", margin=0.0, fmt="{:+.2g}",
    changed=(repro.Change(
        what="metric: overtraining itself instead of its logarithm",
        was="log overtraining, floored at 1e-12",
        why=("a data set can have no overtraining at all (a monotone test curve, overtraining exactly 0); its "
             "log was then the floor, an artifact that dominated the interval in the first run of this design")),
             repro.Change(
        what="alpha = 1 removed from the grid; the claim is a paired comparison at every step away from 1",
        was=("argmax over a grid that included alpha = 1 (where the theory diverges and the sampled spectrum "
             "reaches ~1/N^2) lies in [0.8, 1.25]"),
        why="with alpha = 1 in the grid the location of the peak could not fail")))
claims.declare(
    "curves_match_theory", kind="supporting",
    statement=("The Marchenko-Pastur theory predicts the simulated test-error learning curve of gradient "
               "descent within 5 % (alpha = 0.5 and 2, SNR 1 and 10)"),
    metric=("signed relative deviation (simulated / theory - 1), averaged over the 41 logged times, per data "
            "set; tested in both directions (the 'above' and 'below' settings)"),
    better="lower", margin=0.05, fmt="{:+.3f}",
    changed=repro.Change(
        what="statistic", was="largest relative gap of the curve averaged over data sets, over all times",
        why="claim rules: a 95% interval over independent data sets"))
claims.declare(
    "overtraining_matches_theory", kind="supporting",
    statement=("Off the peak (alpha = 0.25, 0.5, 1.5, 2, 3, 4; SNR 1 and 10) the theory predicts the simulated "
               "overtraining within 10 %"),
    metric=("simulated E_g(inf) - E_g(t*) / theory - 1 per data set, t* the theory's optimal stopping time; "
            "tested in both directions"),
    better="lower", margin=0.10, fmt="{:+.2f}",
    changed=repro.Change(
        what="new claim, with an unbiased statistic",
        was=("not checked; the per-data-set E_g(inf) - min_t E_g(t) was up to a third off the theory off the "
             "peak, because a mean of minima lies below the minimum of the mean"),
        why="a referee noted that simulation and theory were compared only on the peak location"))
claims.declare(
    "frozen_penalty", kind="sanity",
    statement=("alpha = 0.5: initial weights of variance 1 raise the converged test error by (N - P)/N = 0.5 on "
               "average over data sets (the frozen subspace)"),
    metric="|mean Delta E_g(inf) / 0.5 - 1|", better="lower", margin=0.05, deterministic=True, fmt="{:.2f}")
claims.declare(
    "no_penalty_above_one", kind="sanity",
    statement="alpha = 2: the converged test error does not depend on the initial weights (no frozen subspace)",
    metric="|mean Delta E_g(inf)|", better="lower", margin=1e-6, deterministic=True, fmt="{:.0e}")
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
n_inputs = 300  # N, the number of weights of the linear student (the catalog's check uses 300)

# %%
import inspect

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

import repro
from repro.book.params import check_int
from repro.book.plotting import theory_vs_simulation
from repro.book.progress import progress
from repro.papers.theory import linear_gd_dynamics as lgd
from repro.stats import marchenko_pastur as mp
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)
check_int("n_inputs", n_inputs, minimum=50, maximum=5000)
N = n_inputs if run.quick else max(n_inputs, 1000)
R = run.pick(30, 40)  # data sets (teacher, inputs, noise, initial weights) per condition
SIGMA_W2 = 1.0  # teacher weight variance; the SNR sets the noise variance 1 / SNR
SNRS = (1.0, 10.0)
ALPHAS_CURVE = (0.5, 2.0)
ALPHAS_SWEEP = (0.25, 0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0)  # alpha = 1 left out (theory diverges)
OFF_PEAK = (0.25, 0.5, 1.5, 2.0, 3.0, 4.0)
T_LOG = np.logspace(-1, 3, 41)  # logged times of claim 1
T_FINE = np.logspace(-2, 4, 241)  # grid on which min_t E_g(t) is taken
print(f"N = {N} weights, {R} data sets per condition; numpy on CPU (the device is not used)")

# %% [markdown]
# ## Method: one exponential per eigen-mode
#
# **Setting** (the paper's Sections 2-3). Inputs $x \in \mathbb R^N$ have i.i.d. $N(0, 1/N)$
# entries; the teacher has weights $\bar w$ with entries of variance $\sigma_{\bar w}^2$ and labels
# $y = \bar w \cdot x + \epsilon$, $\epsilon \sim N(0, \sigma_\epsilon^2)$. The student $w$ starts
# from entries of variance $\sigma_0^2$ and follows gradient flow on
# $\tfrac12 \sum_{\mu=1}^P (y_\mu - w\cdot x_\mu)^2$:
#
# $$
# \dot w = X (y - X^\top w) = C(\bar w - w) + X\epsilon, \qquad C = X X^\top ,
# $$
#
# with $X$ the $N \times P$ matrix of inputs and time in units of the paper's $\tau$. The test
# error is $E_g = \mathbb E_{x,\epsilon}(y - w\cdot x)^2 = \lVert w - \bar w\rVert^2/N + \sigma_\epsilon^2$.
#
# **Modes.** With $C = \sum_i \lambda_i v_i v_i^\top$, the error component $e_i = v_i\cdot(w - \bar w)$
# obeys $\dot e_i = -\lambda_i e_i + \sqrt{\lambda_i}\,\xi_i$, where $\xi_i$ is the noise projected
# on the $i$-th singular direction (variance $\sigma_\epsilon^2$). So
#
# $$
# e_i(t) = e_i(0)\, e^{-\lambda_i t} + \frac{\xi_i}{\sqrt{\lambda_i}}\,\big(1 - e^{-\lambda_i t}\big),
# \qquad \lambda_i > 0,
# $$
#
# and $e_i(t) = e_i(0)$ for $\lambda_i = 0$. A mode first forgets its initial error, then fills up
# with noise amplified by $1/\lambda_i$: small eigenvalues learn slowly and overfit badly.
#
# **Average over the spectrum.** For $\alpha = P/N$ fixed and $N \to \infty$ the eigenvalues of $C$
# follow the Marchenko-Pastur law, an atom $(1-\alpha)_+$ at zero plus
# $\rho(\lambda) = \sqrt{(\lambda_+ - \lambda)(\lambda - \lambda_-)}/(2\pi\lambda)$ on
# $\lambda_\pm = (1 \pm \sqrt\alpha)^2$. Since $\mathbb E\, e_i(0)^2 = \sigma_0^2 + \sigma_{\bar w}^2$,
#
# $$
# E_g(t) = \int \rho(\lambda)\Big[(\sigma_0^2 + \sigma_{\bar w}^2)\, e^{-2\lambda t}
#   + \frac{\sigma_\epsilon^2}{\lambda}\big(1 - e^{-\lambda t}\big)^2\Big] d\lambda + \sigma_\epsilon^2 ,
# $$
#
# the paper's learning curve (the training error follows the same way). At $t = \infty$,
# $E_g(\infty) = (1-\alpha)_+(\sigma_0^2 + \sigma_{\bar w}^2) + \sigma_\epsilon^2 \int\rho/\lambda
# + \sigma_\epsilon^2$, with $\int\rho/\lambda = \alpha/(1-\alpha)$ below $\alpha = 1$ and
# $1/(\alpha - 1)$ above: the noise term diverges at $\alpha = 1$, where $\lambda_- = 0$ (claim 2),
# and the atom carries the initial weights into the final error (claim 3).
#
# **Simulation.** For each sampled data set we do not need to iterate: the flow on that data set
# is solved exactly through the singular value decomposition $X = U S V^\top$ (coordinates along
# $U$ relax as $e^{-S^2 t}$, the rest is frozen). It is the same trajectory that gradient descent
# with a small step follows, which the unit tests and the check below confirm. The simulation
# differs from the theory only through finite $N$: a sampled spectrum instead of
# $\rho$, and sampled teachers, noise and initial weights. The code is in this book's
# `src/repro/stats/marchenko_pastur.py` and `src/repro/papers/theory/linear_gd_dynamics.py` (tests in
# `tests/papers/theory/test_linear_gd_dynamics.py`):

# %%
print(inspect.getsource(lgd.gen_error))
print(inspect.getsource(lgd.GradientFlow.gen_error))

# %% [markdown]
# As a sanity check, literal gradient descent with step $0.01$ for 2000 steps lands on the exact
# flow at $t = 20$ (the difference is the discretisation error of the step size):

# %%
task = lgd.sample_task(N, 2 * N, run.rng, SIGMA_W2, 0.1)
flow = lgd.GradientFlow(**task)
w_gd = lgd.gradient_descent(task["X"], task["y"], task["w0"], lr=0.01, steps=2000)
gap = np.linalg.norm(w_gd - flow.weights(20.0)) / np.linalg.norm(flow.weights(20.0))
print(f"relative distance between 2000 GD steps (lr 0.01) and the flow at t = 20: {gap:.1e}")

# %% [markdown]
# ## Learning curves: theory against simulation
#
# Zero initial weights ($\sigma_0^2 = 0$), $\sigma_{\bar w}^2 = 1$, noise variance $1/\mathrm{SNR}$.
# For every condition we draw `R` data sets and record the test and training error of the exact
# flow at the logged times.

# %%
def simulate(alpha, snr, sigma_02=0.0, times=T_LOG, reps=R):
    """Test and training error curves of `reps` independent data sets."""
    P = int(round(alpha * N))
    test, train = [], []
    for _ in range(reps):
        flow = lgd.GradientFlow(**lgd.sample_task(N, P, run.rng, SIGMA_W2, 1 / snr, sigma_02))
        test.append(flow.gen_error(times))
        train.append(flow.train_error(times))
    return np.array(test), np.array(train)


curves = {}
for alpha in progress(ALPHAS_CURVE, desc="learning curves"):
    for snr in SNRS:
        test, train = simulate(alpha, snr)
        theory = lgd.gen_error(T_LOG, alpha, SIGMA_W2, 1 / snr)
        curves[alpha, snr] = dict(test=test, train=train, theory=theory,
                                  theory_train=lgd.train_error(T_LOG, alpha, SIGMA_W2, 1 / snr),
                                  rel=np.abs(test.mean(0) - theory) / theory,
                                  dev=(test / theory - 1).mean(1))
        print(f"alpha = {alpha:3.1f}, SNR = {snr:4.1f}: max relative gap {curves[alpha, snr]['rel'].max():.1%} "
              f"(at t = {T_LOG[curves[alpha, snr]['rel'].argmax()]:.3g}); E_g from {theory[0]:.2f} to "
              f"min {theory.min():.2f}, end {theory[-1]:.2f}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
ax = axes[0]
for alpha, color in zip(ALPHAS_CURVE, ("C0", "C1")):
    eig = lgd.GradientFlow(**lgd.sample_task(N, int(alpha * N), run.rng, SIGMA_W2)).eigenvalues
    ax.hist(eig, bins=40, density=True, alpha=0.35, color=color,
            label=rf"sampled, $\alpha={alpha:g}$ (nonzero eigenvalues)")
    lam = np.linspace(*mp.edges(alpha), 400)
    ax.plot(lam, mp.density(lam, alpha) / min(1.0, alpha), color=color,
            label=rf"Marchenko-Pastur, $\alpha={alpha:g}$")
ax.set(xlabel=r"eigenvalue $\lambda$ of $C = XX^\top$", ylabel="density of the bulk",
       title=f"Input correlation spectrum (N = {N})")
ax.legend(fontsize=8)
for bx, key, name in ((axes[1], "test", "test error $E_g$"), (axes[2], "train", "training error $E_t$")):
    for i, ((alpha, snr), c) in enumerate(curves.items()):
        m, ci = mean_ci(c[key])
        th = c["theory"] if key == "test" else c["theory_train"]
        theory_vs_simulation(bx, T_LOG[::4], th[::4], m[::4], ci[::4], color=f"C{i}",
                             label=rf"$\alpha={alpha:g}$, SNR {snr:g}", logx=True)
        bx.plot(T_LOG, th, color=f"C{i}")
    bx.set(xlabel="training time t", ylabel=name, title=f"{name}: theory (lines) vs simulation")
    bx.set_yscale("log")
axes[2].set_ylim(1e-3, 4)  # at alpha = 0.5 the training error falls to zero (round-off below 1e-15)
axes[1].legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()

# %% [markdown]
# The dips in the test error are where early stopping would help: the signal is learned fast
# along the large eigenvalues, the noise creeps in later along the small ones. At $\alpha = 0.5$
# the training error goes to zero (the student can interpolate) while the test error keeps
# rising; at $\alpha = 2$ both settle at finite values.
#
# ## Overtraining is worst near $\alpha = 1$
#
# Overtraining is the test error at convergence minus the best test error along the trajectory,
# $E_g(\infty) - \min_t E_g(t)$, with the minimum over 241 log-spaced times in $[10^{-2}, 10^4]$.
# The converged student is the exact $t=\infty$ limit (initial weights plus the minimum-norm
# correction). Both SNRs reuse one decomposition per data set.

# %%
sweep = {snr: [] for snr in SNRS}
best = {snr: [] for snr in SNRS}
ot_runs = {}                      # (snr, alpha) -> per-data-set E_g(inf) - min_t E_g(t)
ot_star = {}                      # (snr, alpha) -> per-data-set E_g(inf) - E_g(t*), t* from the theory
t_star = {(snr, a): lgd.overtraining(a, SIGMA_W2, 1 / snr, t_grid=T_FINE)[2] for snr in SNRS for a in ALPHAS_SWEEP}
for alpha in progress(ALPHAS_SWEEP, desc="alpha sweep"):
    P = int(round(alpha * N))
    per = {snr: [] for snr in SNRS}
    per_best = {snr: [] for snr in SNRS}
    per_star = {snr: [] for snr in SNRS}
    for _ in range(R):
        X = mp.sample_inputs(N, P, run.rng)
        w_bar = np.sqrt(SIGMA_W2) * run.rng.standard_normal(N)
        xi = run.rng.standard_normal(P)
        svd = None
        for snr in SNRS:
            flow = lgd.GradientFlow(X, X.T @ w_bar + xi / np.sqrt(snr), w_bar, np.zeros(N), 1 / snr, svd)
            svd = (flow.U, flow.s, flow.Vt)
            curve = flow.gen_error(np.r_[T_FINE, np.inf])
            per[snr].append(curve[-1] - curve.min())
            per_best[snr].append(curve.min())
            per_star[snr].append(lgd.overtraining_at(flow, t_star[snr, alpha]))
    for snr in SNRS:
        ot_runs[snr, alpha], ot_star[snr, alpha] = np.array(per[snr]), np.array(per_star[snr])
        sweep[snr].append(mean_ci(per[snr]))
        best[snr].append(np.mean(per_best[snr]))
sweep = {snr: np.array(v) for snr, v in sweep.items()}
theory_ot = {snr: np.array([lgd.overtraining(a, SIGMA_W2, 1 / snr, t_grid=T_FINE)[0] for a in ALPHAS_SWEEP])
             for snr in SNRS}
argmax_alpha = {snr: ALPHAS_SWEEP[int(np.argmax(sweep[snr][:, 0]))] for snr in SNRS}
print("alpha     " + " ".join(f"{a:>8g}" for a in ALPHAS_SWEEP))
for snr in SNRS:
    print(f"SNR {snr:4g} sim " + " ".join(f"{v:8.3g}" for v in sweep[snr][:, 0]))
    print(f"SNR {snr:4g} th. " + " ".join(f"{v:8.3g}" for v in theory_ot[snr]))
    print(f"SNR {snr:4g} t*  " + " ".join(f"{ot_star[snr, a].mean():8.3g}" for a in ALPHAS_SWEEP)
          + "   (simulated E_g(inf) - E_g(t*), t* the theory's optimal stopping time)")
print("simulated overtraining peaks at alpha =", argmax_alpha)

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
alphas = np.array(ALPHAS_SWEEP)
branches = (np.geomspace(0.2, 0.995, 50), np.geomspace(1.005, 4.4, 60))  # theory diverges at alpha = 1
ax, bx = axes
for i, snr in enumerate(SNRS):
    for k, dense in enumerate(branches):
        ot = np.array([lgd.overtraining(a, SIGMA_W2, 1 / snr, t_grid=T_FINE)[:2] for a in dense])
        ax.plot(dense, ot[:, 0], color=f"C{i}", label=f"SNR {snr:g} theory (N = inf)" if k == 0 else None)
        bx.plot(dense, [lgd.asymptotic_gen_error(a, SIGMA_W2, 1 / snr) for a in dense], color=f"C{i}",
                label=rf"$E_g(\infty)$, SNR {snr:g}" if k == 0 else None)
        bx.plot(dense, ot[:, 1], "--", color=f"C{i}",
                label=rf"$\min_t E_g(t)$, SNR {snr:g}" if k == 0 else None)
    ax.errorbar(alphas, sweep[snr][:, 0], yerr=sweep[snr][:, 1], fmt="o", ms=4, capsize=2,
                color=f"C{i}", label=f"SNR {snr:g} simulation (N = {N})")
    bx.plot(alphas, best[snr], "o", ms=4, color=f"C{i}")
axes[0].axvline(1, color="0.5", ls=":", lw=1)
axes[0].set(xscale="log", yscale="log", xlabel=r"$\alpha = P/N$", ylabel=r"$E_g(\infty) - \min_t E_g(t)$",
            title="Overtraining against the load")
axes[0].legend(fontsize=8)
bx.set(xscale="log", yscale="log", ylim=(0.05, 50), xlabel=r"$\alpha = P/N$", ylabel="test error",
       title="Converged vs early-stopped (dots: simulated optimum)")
bx.legend(fontsize=8)
for a in axes:
    a.set_xticks([0.25, 0.5, 1, 2, 4], ["0.25", "0.5", "1", "2", "4"])
    a.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
fig.tight_layout()
plt.show()

# %% [markdown]
# The theory diverges at $\alpha = 1$, which is why the grid leaves it out: at finite $N$ the
# smallest sampled eigenvalue there is of order $1/N^2$, and the simulated overtraining would be
# enormous whatever the theory said elsewhere. Close to $\alpha = 1$ the sampled spectrum's lower edge
# fluctuates below $\lambda_-$ and $1/\lambda$ magnifies it, so finite-$N$ effects are largest there;
# the comparison with the theory is therefore made off the peak. Early stopping, by contrast, keeps
# the test error smooth across $\alpha = 1$ (right, dashed).
#
# ## Initial weights and the frozen subspace (sanity checks)
#
# With fewer samples than weights, $C$ has $N - P$ zero eigenvalues and gradient descent never
# touches the weights in those directions. We rerun the same data sets (same inputs, teacher and
# noise) from initial weights of variance $\sigma_0^2 \in \{0, 0.25, 1\}$ (the same random direction,
# rescaled), at $\mathrm{SNR} = 10$. The penalty of one data set, the squared norm of the frozen
# part of the initial weights plus its overlap with the frozen part of the teacher, fluctuates by
# about 20 % at $N = 300$, so at $\alpha = 0.5$ this check averages over more data sets (`R_INIT`) than the others.
# Both checks are properties of the exact solution (on average the frozen part of isotropic
# initial weights has squared norm $(N-P)\sigma_0^2$), so they are sanity checks of the code.

# %%
SIGMA0S = (0.0, 0.25, 1.0)
SNR_INIT = 10.0
R_INIT = run.pick(200, 400)  # the frozen-weight penalty fluctuates ~20 % per data set at N = 300
T_INIT = np.r_[T_LOG, np.inf]
init_curves, init_delta = {}, {}
for alpha in ALPHAS_CURVE:
    P = int(round(alpha * N))
    reps = R_INIT if alpha < 1 else R  # above alpha = 1 the limit is the same for every data set
    runs = np.zeros((len(SIGMA0S), reps, len(T_INIT)))
    for r in range(reps):
        task = lgd.sample_task(N, P, run.rng, SIGMA_W2, 1 / SNR_INIT, 1.0)
        direction, svd = task.pop("w0"), None
        for j, s02 in enumerate(SIGMA0S):
            flow = lgd.GradientFlow(**task, w0=np.sqrt(s02) * direction, svd=svd)
            svd = (flow.U, flow.s, flow.Vt)
            runs[j, r] = flow.gen_error(T_INIT)
    init_curves[alpha] = runs
    init_delta[alpha] = runs[-1, :, -1].mean() - runs[0, :, -1].mean()
    print(f"alpha = {alpha:g}: E_g(inf) with sigma0^2 = 1 minus with sigma0^2 = 0: simulated "
          f"{init_delta[alpha]:.3g}, theory {mp.zero_mass(alpha) * 1.0:.3g}")

fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for ax, alpha in zip(axes, ALPHAS_CURVE):
    for j, s02 in enumerate(SIGMA0S):
        m, ci = mean_ci(init_curves[alpha][j][:, :-1])
        th = lgd.gen_error(T_LOG, alpha, SIGMA_W2, 1 / SNR_INIT, s02)
        theory_vs_simulation(ax, T_LOG[::4], th[::4], m[::4], ci[::4], color=f"C{j}",
                             label=rf"$\sigma_0^2={s02:g}$", logx=True)
        ax.plot(T_LOG, th, color=f"C{j}")
        ax.axhline(lgd.asymptotic_gen_error(alpha, SIGMA_W2, 1 / SNR_INIT, s02), color=f"C{j}", ls=":", lw=1)
    ax.set(xlabel="training time t", ylabel="test error $E_g$", yscale="log",
           title=rf"$\alpha = {alpha:g}$ (SNR {SNR_INIT:g}); dotted: $E_g(\infty)$")
    ax.legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()

# %% [markdown]
# At $\alpha = 2$ large initial weights only slow the start (the initial error must be unlearned)
# and the curves meet at the same limit: with $P > N$ the converged student is unique. At
# $\alpha = 0.5$ half of the initial weights are frozen and the curves never meet.

# %% [markdown]
# ## Results

# %%
for snr in SNRS:
    below = [a for a in ALPHAS_SWEEP if a < 1][::-1]          # from 0.9 down to 0.25
    above = [a for a in ALPHAS_SWEEP if a > 1]                # from 1.1 up to 4
    for branch in (below, above):
        for near, far in zip(branch[:-1], branch[1:]):
            claims.record("peak_at_one", method=ot_runs[snr, near], baseline=ot_runs[snr, far],
                          setting=f"SNR {snr:g}, alpha {near:g} vs {far:g}")
for (alpha, snr), c in curves.items():
    claims.record("curves_match_theory", values=c["dev"], setting=f"alpha {alpha:g}, SNR {snr:g}, above")
    claims.record("curves_match_theory", values=-c["dev"], setting=f"alpha {alpha:g}, SNR {snr:g}, below")
for snr in SNRS:
    for alpha in OFF_PEAK:
        th = lgd.overtraining(alpha, SIGMA_W2, 1 / snr, t_grid=T_FINE)[0]
        dev = ot_star[snr, alpha] / th - 1
        claims.record("overtraining_matches_theory", values=dev, setting=f"SNR {snr:g}, alpha {alpha:g}, above")
        claims.record("overtraining_matches_theory", values=-dev, setting=f"SNR {snr:g}, alpha {alpha:g}, below")
claims.record("frozen_penalty", value=abs(init_delta[0.5] / (mp.zero_mass(0.5) * 1.0) - 1))
claims.record("no_penalty_above_one", value=max(abs(init_delta[2.0]), 1e-12))
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The verdicts are in the report above, every measured value in the results cell before it. The
# headline is the paper's qualitative law for overtraining, tested as a chain of paired
# comparisons: each step of the grid away from $\alpha = 1$, on either side, must lower the
# overtraining of independent data sets, so a peak anywhere other than next to $\alpha = 1$, or a
# flat stretch, would fail it. The two supporting claims ask whether the random-matrix theory is
# quantitatively right at $N = 300$: for the whole learning curve (the average deviation over the
# logged times, tested in both directions) and for the overtraining off the peak, measured at the
# theory's optimal stopping time so that the simulated statistic is an unbiased estimate of the
# theory's. The initial-weight results are properties of the exact solution and are reported as
# sanity checks only; the paper's non-linear networks are not tested.
#
# ## Deviations from the paper
#
# * **Scope.** Only the linear student (the paper's Sections 2-4) is tested. The non-linear
#   two-layer networks, the Rademacher-complexity comparison and the paper's alternative bound are
#   not reproduced here.
# * **Simulation by the exact flow.** The simulated trajectories are the exact gradient flow on
#   each sampled data set, computed through its singular value decomposition rather than by
#   iterating small gradient steps; the unit tests and the check above show it is the
#   small-step limit of literal gradient descent.
# * **Exact test error.** We use $\lVert w - \bar w\rVert^2/N + \sigma_\epsilon^2$, the exact average
#   over fresh inputs, instead of a finite test set.
# * **Settings are ours.** $\sigma_{\bar w}^2 = 1$, SNR 1 and 10, $\sigma_0^2 \in \{0, 0.25, 1\}$ and the
#   grids of $\alpha$ and $t$ are our choices, not the paper's figure settings; `full` scale uses
#   $N = 1000$, 40 data sets per condition (400 for the initial-weight check at $\alpha = 0.5$).
# * **Catalog correction.** The catalog's draft check placed the initial-weight penalty at
#   $\alpha > 1$; the theory (and the paper's frozen-subspace argument) puts it at $\alpha < 1$, and
#   above $\alpha = 1$ the limit does not depend on the initial weights at all.
