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
# # Explaining Neural Scaling Laws
#
# {cite}`bahri2024explaining` · [PNAS 2024](https://doi.org/10.1073/pnas.2311878121)
# · [arXiv:2102.06701](https://arxiv.org/abs/2102.06701)
# · no official code repository was found; everything below is our own implementation.
#
# When a network is trained well, its test loss often falls as a power of the number of training
# examples $D$ or of the number of parameters $P$. Bahri, Dyer, Kaplan, Lee and Sharma sort these
# power laws into four kinds. When one resource is held fixed and the other grows large, the loss
# approaches a finite limit, and the approach is generically a $1/D$ or $1/P$ correction: they call
# this **variance-limited** scaling. When one resource is effectively infinite and the other is the
# bottleneck, the loss falls with an exponent set by how finely the model can *resolve* the data,
# i.e. by the spectrum of a kernel or by the dimension of the data manifold: **resolution-limited**
# scaling. They work all four out in a linear random-feature teacher-student model, in which the
# data-size and model-size exponents of the resolution-limited regime are equal (a **duality**),
# and argue that resolution-limited exponents shrink roughly like $1/d$ with the intrinsic
# dimension $d$ of the data.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** (i) Variance-limited regimes: $L(D) - L(\infty) \propto D^{-1}$ at fixed model size and
# $L(P) - L(\infty) \propto P^{-1}$ at fixed data size, because smooth infinite-data and
# infinite-width limits exist. (ii) Resolution-limited regimes: when one resource is effectively
# infinite, the loss falls as a power of the other with an exponent set by how finely the model
# resolves the data manifold, equivalently (at large width) by the kernel spectrum, and shrinking
# roughly like $1/d$ with the manifold dimension $d$. (iii) The data and model resolution-limited
# exponents are related by a duality (equal).
#
# **This chapter tests** these in the catalog's setting, a *nonlinear* random-feature
# teacher-student on manifold data: inputs uniform on a flat $d$-torus ($d = 2, 4, 6$), a random
# ReLU-network teacher, and a student with $P$ random ReLU features fitted by ridgeless least
# squares on $D$ samples. Each run is an independent draw of teacher, data and features:
# * *headline*: the duality: the exponent $\alpha_D$ of $L(D, P{=}\infty)$ and the exponent
#   $\alpha_P$ of $L(D{=}\infty, P)$, fitted over the same range of sizes on the same run, agree
#   within 25 % (the catalog's tolerance) at every $d$;
# * *supporting*: the variance-limited exponents in $D$ (at $P = 8$) and in $P$ (at $D = 8$) are
#   within 0.2 of 1 (the catalog's band); $\alpha_D$ decreases with $d$; $\alpha_D$ times $d$ is the
#   same at neighbouring $d$ within 25 % (the $1/d$ law); and $\alpha_D$ agrees within 25 % with
#   the exponent $\alpha_K$ of the same run's kernel spectrum;
# * *sanity*: the paper's solvable *linear* Gaussian random-feature model, in which the duality
#   is an identity (data and projections are the same kind of Gaussian matrix, so both limits
#   are the same function of it) and the exponents are closed forms of the teacher spectrum.
#
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
LINEAR = repro.Change(
    what="the model of the counted claims: nonlinear ReLU random features on torus data (the catalog's)",
    was=("the linear Gaussian random-feature model, in which the duality is an identity and the two "
         "variance-limited checks are the same statistic (legacy claims 1-4, now sanity checks)"),
    why="a counted check must be able to fail; in the linear model it cannot")
PER_RUN = ("exponents fitted per independent run and judged by a 95% interval over runs, instead of "
           "one bootstrap fit of the averaged curve")
LOG25 = 0.2231  # ln(1.25): agreement within a factor 1.25 either way
claims.declare(
    "duality", kind="headline",
    statement=("Nonlinear random features on a d-torus: the resolution-limited data exponent alpha_D "
               "(P = inf) and model exponent alpha_P (D = inf) agree within 25 %, at d = 2, 4 and 6"),
    metric="|ln(alpha_D / alpha_P)| per run (sizes 32..512 in both directions)",
    better="lower", margin=LOG25, fmt="{:.2f}",
    changed=(LINEAR, repro.Change(what="24 runs per dimension on a 4096-point population",
                                  was="5 runs on an 8192-point population, then 10",
                                  why="with 10 runs this verdict differed between seeds; the experiment was enlarged")))
claims.declare(
    "variance_limited_D", kind="supporting",
    statement="At P = 8 features, L(D, 8) - L(inf, 8) falls like 1/D: exponent within 0.2 of 1, at every d",
    metric="|exponent - 1| per run (each run averages 16 draws of features and data)",
    better="lower", margin=0.2, fmt="{:.2f}", changed=(LINEAR, repro.Change(
        what="statistic", was="one exponent of the curve averaged over 30 repetitions, inside [0.8, 1.2]",
        why=PER_RUN)))
claims.declare(
    "variance_limited_P", kind="supporting",
    statement="At D = 8 samples, L(8, P) - L(8, inf) falls like 1/P: exponent within 0.2 of 1, at every d",
    metric="|exponent - 1| per run (each run averages 48 draws; a run without a positive excess counts 9.99)",
    better="lower", margin=0.2, fmt="{:.2f}", changed=(LINEAR, repro.Change(
        what="statistic", was="one exponent of the curve averaged over 30 repetitions, inside [0.8, 1.2]",
        why=PER_RUN), repro.Change(
        what="estimator of the mean excess: one draw's loss difference minus its exact first-order term in "
             "(empirical - limiting kernel), which has mean zero (a control variate)",
        was="the plain loss difference averaged over 16 draws (now 48 draws on a 512-point population)",
        why=("the pilot crashed: the plain average was negative at large P, because a draw's first-order "
             "fluctuation (size 1/sqrt(P)) hides the 1/P mean; the claim and criterion are unchanged"))))
claims.declare(
    "falls_with_d", kind="supporting",
    statement="The resolution-limited data exponent alpha_D decreases with the manifold dimension: d = 2 > 4 > 6",
    metric="alpha_D at the smaller d", paired_with="alpha_D at the larger d (runs paired by index)",
    better="higher", margin=0.0, fmt="{:+.2f}",
    changed=(repro.Change(what="statistic", was="strictly decreasing bootstrap point estimates", why=PER_RUN),
             repro.Change(what="24 runs per dimension on a 4096-point population",
                          was="5 runs on an 8192-point population, then 10",
                          why="with 5 and with 10 runs this verdict differed between seeds; the experiment was enlarged")))
claims.declare(
    "inverse_d", kind="supporting",
    statement=("The exponent shrinks like 1/d, as the paper's manifold argument predicts: d * alpha_D agrees "
               "within 25 % between d = 2 and 4 and between d = 4 and 6"),
    metric="|ln(d alpha_D / (d' alpha_D'))| per run pair",
    better="lower", margin=LOG25, fmt="{:.2f}",
    changed=repro.Change(
        what="a quantitative test of the dimension law",
        was="only 'strictly decreasing in d', which passed although the exponents were far from the asymptotic value",
        why="a referee found the ordering alone too weak to support the paper's 1/d law"))
claims.declare(
    "spectrum", kind="supporting",
    statement=("The data exponent is the kernel's spectral exponent: alpha_D agrees within 25 % with alpha_K "
               "fitted on the same run's Gram eigenvalues (indices 32..256), at every d"),
    metric="|ln(alpha_D / alpha_K)| per run", better="lower", margin=LOG25, fmt="{:.2f}",
    changed=repro.Change(what="statistic", was="|alpha_D - alpha_K| / alpha_K <= 0.25 of averaged fits",
                         why=PER_RUN))
claims.declare(
    "linear_identity", kind="sanity",
    statement=("Linear Gaussian model: L(D, inf) and L(inf, P = D) are equal when the same Gaussian matrix "
               "serves as data and as projections (the duality is an identity there)"),
    metric="largest relative difference", better="lower", margin=1e-6, deterministic=True, fmt="{:.0e}")
claims.declare(
    "linear_exponents", kind="sanity",
    statement=("Linear Gaussian model: the exponents follow from the teacher spectrum: both variance-limited "
               "exponents within 0.2 of 1, both resolution-limited ones within 20 % of alpha"),
    metric="largest relative deviation of the four exponents from 1, 1, alpha, alpha",
    better="lower", margin=0.2, deterministic=True, fmt="{:.2f}")
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
alpha = 1.0  # linear model (sanity checks): teacher-feature variances lambda_M = M^-(1 + alpha)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter, ScalarFormatter

from repro.book.params import check_float
from repro.book.plotting import COLORS, theory_vs_simulation
from repro.book.progress import progress
from repro.gp.random_features import draw_feature_map, relu_kernel
from repro.papers.theory import scaling_regimes as sr
from repro.scaling.fits import bootstrap_over_reps, fit_power_law
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)  # numpy float64 on one CPU thread; the device is unused
check_float("alpha", alpha, minimum=0.25, maximum=3.0)
rng = run.rng


def size_ticks(axis, sizes):
    """Label a log x-axis with the sizes used, as plain integers."""
    axis.set_xticks(sizes)
    axis.xaxis.set_major_formatter(ScalarFormatter())
    axis.xaxis.set_minor_formatter(NullFormatter())


# linear Gaussian model (sanity checks)
S = run.pick(2048, 8192)                                   # teacher features
RES_SIZES = run.pick([16, 32, 64, 128, 256, 512], [16, 32, 64, 128, 256, 512, 1024, 2048])
N_RES = run.pick(10, 20)                                   # repetitions, resolution-limited
SMALL = 8                                                  # the fixed resource, variance-limited
VAR_SIZES = run.pick([64, 128, 256, 512, 1024, 2048], [64, 128, 256, 512, 1024, 2048, 4096, 8192])
N_VAR = run.pick(12, 40)                                   # repetitions, variance-limited
# nonlinear random features on the torus (counted claims)
DIMS = run.pick([2, 4, 6], [2, 4, 6, 8])                   # intrinsic dimensions of the torus
SIZES = run.pick([32, 64, 128, 256, 512], [32, 64, 128, 256, 512, 1024])   # D or P, resolution-limited
POOL = run.pick(4096, 16384)                               # population: a pool of M points on the torus
N_RUNS = run.pick(24, 24)                                  # independent runs per dimension (resolution-limited)
N_VAR_RUNS = run.pick(8, 12)                               # of which the first ones also run the variance-limited fits
N_INNER = 16                                               # draws averaged inside one variance-limited run (D)
N_INNER_P = 48                                             # the same for the vary-P experiment
NL_VAR_SIZES = [64, 128, 256, 512, 1024, 2048]             # growing resource, variance-limited
VAR_EVAL = 512                                             # pool points used by the vary-P experiment
TEACHER_WIDTH = 4096
SPEC_LO, SPEC_HI = SIZES[0], SIZES[-1] // 2                # eigenvalue indices fitted for alpha_K
lam = sr.powerlaw_feature_variances(S, alpha)
print(f"linear model: S={S}, alpha={alpha}; torus: d in {DIMS}, {N_RUNS} runs, pool of {POOL} points")

# %% [markdown]
# ## Method
#
# ### A solvable teacher-student model (sanity checks)
#
# A latent input $z \sim N(0, I_S)$ carries $S$ teacher features $F_M(z) = \sqrt{\lambda_M}\, z_M$,
# uncorrelated with variances $\lambda_M = M^{-(1+\alpha)}$. The teacher is linear in them,
# $y = \sum_M \omega_M F_M$, with $\omega_M \sim N(0,1)$. The student sees $P$ random mixtures of the
# teacher features, $f_\mu = \sum_M \mathcal P_{\mu M} F_M$ with i.i.d. Gaussian $\mathcal P$, and fits
# $\hat y = \sum_\mu \theta_\mu f_\mu$ to $D$ samples by ridgeless (minimum-norm) least squares. This is
# the paper's linear random-feature model: $P$ plays the role of the number of parameters and
# $\mathcal P$ that of a random first layer. The student's weights on the teacher features are
# $w = \mathcal P^\top \theta$, and its population loss is exact:
#
# $$ L(D, P) = \mathbb E_z\big[(y - \hat y)^2\big] = \sum_M \lambda_M (\omega_M - w_M)^2 . $$
#
# Two limits have closed forms. $P \to \infty$ is min-norm regression on all $S$ features (the kernel
# limit). $D \to \infty$ is the best the $P$-feature student can do, the $\lambda$-weighted projection
# of $\omega$ onto the row space of $\mathcal P$.
#
# ### Averaging over teachers exactly
#
# $L$ is a quadratic form $\omega^\top A\, \omega$ in the teacher, so its average over
# $\omega \sim N(0, I)$ is $\operatorname{tr} A$. We use that average (the data $Z$ and projections
# $\mathcal P$ remain random and are resampled in every repetition), which removes the largest source
# of noise. With $X = Z \Lambda^{1/2}$ the data's teacher features:
#
# $$ \bar L(D,\infty) = \operatorname{tr}\Lambda - \operatorname{tr}\big[(XX^\top)^{-1} X\Lambda X^\top\big],\qquad
#    \bar L(\infty,P) = \operatorname{tr}\Lambda - \operatorname{tr}\big[(\mathcal P\Lambda\mathcal P^\top)^{-1}\mathcal P\Lambda^2\mathcal P^\top\big]. $$
#
# ### Why the duality holds here
#
# Both limits are $\operatorname{tr}\big[(I - \Pi)\Lambda\big]$, where $\Pi$ projects onto
# $\Lambda^{1/2} U$ and $U$ is the row space of $Z$ (kernel limit, $D$ rows) or of $\mathcal P$
# (feature limit, $P$ rows). Both matrices are i.i.d. Gaussian, so $U$ is a uniformly random subspace
# of the same law in both cases: $\bar L(D, \infty)$ and $\bar L(\infty, P{=}D)$ have the same
# distribution, and are *equal* when the same Gaussian matrix is used for both (a unit test checks
# this to round-off). The eigenframework estimate for random-feature regression, which we use as the
# theory line, is likewise symmetric in $D \leftrightarrow P$ at zero ridge (also unit-tested). The
# tail $\sum_{M > D} \lambda_M \propto D^{-\alpha}$ that no $D$-dimensional subspace can capture sets the
# resolution-limited exponent $\alpha$ in both directions.
#
# ### Data on a manifold (the counted claims)
#
# For the counted claims, inputs are uniform on a flat $d$-torus,
# $x = (\cos t_1, \sin t_1, \dots, \cos t_d, \sin t_d)/\sqrt d$, with a constant coordinate appended
# (a bias). The teacher is a random one-hidden-layer ReLU network of width 4096 with Gaussian
# weights. The student has $P$ random ReLU features of the same family,
# $\sqrt{2/P}\,\mathrm{relu}(v_j\cdot x/\sqrt{2d+1})$, fitted by ridgeless (minimum-norm) least
# squares; as $P\to\infty$ it becomes interpolation with the arc-cosine (ReLU) kernel. Unlike the
# linear model, data (points on the torus) and features (Gaussian weights) are different objects
# here, so the duality is not built in. On the torus the kernel depends only on angle differences, so its eigenfunctions are
# Fourier modes; its $\lvert x-x'\rvert^3$ kink makes the eigenvalues decay like
# $\lvert k\rvert^{-(d+3)}$, i.e. $\lambda_i \propto i^{-(1+3/d)}$ once the $\sim K^d$ modes below
# frequency $K$ are counted. The data exponent should therefore fall like $1/d$ (our derivation
# for this kernel gives $3/d$ asymptotically; the paper's estimate for piecewise-linear fits of a
# smooth target is $4/d$). The random teacher has, on average, power $\lambda_i$ on mode $i$, the
# case in which the learning-curve exponent equals the spectral one.
#
# *The population and the two limits.* Each run draws a pool of $M$ points on the torus and takes
# the uniform distribution over the pool as the population, so every loss is exact (computed on the
# whole pool) and training sets are i.i.d. draws from it (with replacement). $L(D, P{=}\infty)$ is
# kernel interpolation of $D$ such points; $L(D{=}\infty, P)$ is the least-squares fit of the $P$
# features on the whole pool, the best that $P$ features can do.
#
# The code is this book's module `src/repro/papers/theory/scaling_regimes.py` (tests in
# `tests/papers/theory/test_scaling_regimes.py`); exponents are least-squares slopes in log-log space
# (`repro.scaling.fits.fit_power_law`) with bootstrap intervals that resample whole repetitions.

# %%
print(inspect.getsource(sr.teacher_averaged_loss))

# %% [markdown]
# ## The linear model: four regimes as closed forms (sanity checks)
#
# ### Variance-limited scaling
#
# One resource is fixed at 8 (projections or samples) and the other grows from 64 to 2048. We
# subtract the exact limit of the same draw ($L(\infty, 8)$ for the same projections, $L(8, \infty)$
# for the same data) and average the excess over repetitions.

# %%
var_D, var_P = [], []
for _ in progress(range(N_VAR), desc="variance-limited"):
    Pm = rng.standard_normal((SMALL, S))
    X = sr.teacher_features(rng.standard_normal((VAR_SIZES[-1], S)), lam)
    limit = sr.teacher_averaged_feature_limit(lam, Pm)[0]
    var_D.append([sr.teacher_averaged_loss(lam, X[:D], Pm) - limit for D in VAR_SIZES])
    X = sr.teacher_features(rng.standard_normal((SMALL, S)), lam)
    Pm = rng.standard_normal((VAR_SIZES[-1], S))
    limit = sr.teacher_averaged_kernel_limit(lam, X)[0]
    var_P.append([sr.teacher_averaged_loss(lam, X, Pm[:P]) - limit for P in VAR_SIZES])
var_D, var_P = np.array(var_D), np.array(var_P)
fit_rng = np.random.default_rng(run.seed + 1000)
exp_var_D, ci_var_D = bootstrap_over_reps(VAR_SIZES, var_D, rng=fit_rng)
exp_var_P, ci_var_P = bootstrap_over_reps(VAR_SIZES, var_P, rng=fit_rng)
print(f"exponent of L(D, P=8) - L(inf, 8): {exp_var_D:.2f}  (95% bootstrap {ci_var_D[0]:.2f}-{ci_var_D[1]:.2f})")
print(f"exponent of L(D=8, P) - L(8, inf): {exp_var_P:.2f}  (95% bootstrap {ci_var_P[0]:.2f}-{ci_var_P[1]:.2f})")

# %% [markdown]
# ### Resolution-limited scaling and the duality
#
# Now the other resource is infinite: $L(D, \infty)$ (kernel limit) for $D = 16 \dots 512$ and
# $L(\infty, P)$ (population-optimal student) for $P = 16 \dots 512$, each on nested prefixes of one
# draw per repetition.

# %%
res_D, res_P = [], []
for _ in progress(range(N_RES), desc="resolution-limited"):
    X = sr.teacher_features(rng.standard_normal((RES_SIZES[-1], S)), lam)
    res_D.append(sr.teacher_averaged_kernel_limit(lam, X, RES_SIZES))
    res_P.append(sr.teacher_averaged_feature_limit(lam, rng.standard_normal((RES_SIZES[-1], S)), RES_SIZES))
res_D, res_P = np.array(res_D), np.array(res_P)
alpha_D, ci_D = bootstrap_over_reps(RES_SIZES, res_D, rng=fit_rng)
alpha_P, ci_P = bootstrap_over_reps(RES_SIZES, res_P, rng=fit_rng)
print(f"alpha_D = {alpha_D:.2f} (95% bootstrap {ci_D[0]:.2f}-{ci_D[1]:.2f}); "
      f"alpha_P = {alpha_P:.2f} ({ci_P[0]:.2f}-{ci_P[1]:.2f}); teacher spectrum alpha = {alpha:g}")
print("L(D, inf) / L(inf, P=D) at each size (independent draws):", np.round(res_D.mean(0) / res_P.mean(0), 2))
Zsame = rng.standard_normal((RES_SIZES[-1], S))            # one Gaussian matrix as data AND as projections
same_D = sr.teacher_averaged_kernel_limit(lam, sr.teacher_features(Zsame, lam), RES_SIZES)
same_P = sr.teacher_averaged_feature_limit(lam, Zsame, RES_SIZES)
identity_gap = float(np.max(np.abs(same_D / same_P - 1)))
linear_dev = max(abs(exp_var_D - 1), abs(exp_var_P - 1), abs(alpha_D - alpha) / alpha, abs(alpha_P - alpha) / alpha)
print(f"same matrix: largest |L(D, inf) / L(inf, D) - 1| = {identity_gap:.1e}")

# %% [markdown]
# The figure puts the two directions on the same axes: the horizontal axis is $D$ for one curve and
# $P$ for the other. Markers are simulations (means over repetitions, 95 % intervals), lines the
# eigenframework theory for the same finite $S$, and dashed lines the slopes $-1$ and $-\alpha$.

# %%
Vx, Rx = np.array(VAR_SIZES, float), np.array(RES_SIZES, float)
th_var = [sr.theory_loss(lam, n, SMALL) - sr.theory_loss(lam, np.inf, SMALL) for n in Vx]
th_res = [sr.theory_loss(lam, n, np.inf) for n in Rx]
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
for data, label, color in ((var_D, "vary D, P = 8", COLORS[0]), (var_P, "vary P, D = 8", COLORS[1])):
    m, h = mean_ci(data)
    theory_vs_simulation(ax, Vx, th_var, m, h, label=label, color=color, logx=True, logy=True)
ax.plot(Vx, 2 * th_var[0] * Vx[0] / Vx, "k--", lw=1, label="slope -1")
ax.set(xlabel="D or P (the growing resource)", ylabel="L - L(limit)", title="Variance-limited: excess loss")
ax.legend(fontsize=8)
for data, label, color in ((res_D, "L(D, P=inf)", COLORS[2]), (res_P, "L(D=inf, P)", COLORS[3])):
    m, h = mean_ci(data)
    theory_vs_simulation(bx, Rx, th_res, m, h, label=label, color=color, logx=True, logy=True)
bx.plot(Rx, 2 * th_res[0] * (Rx / Rx[0]) ** -alpha, "k--", lw=1, label=f"slope -{alpha:g}")
bx.set(xlabel="D or P (the bottleneck)", ylabel="test loss L", title="Resolution-limited: loss")
bx.legend(fontsize=8)
size_ticks(ax, VAR_SIZES)
size_ticks(bx, RES_SIZES)
fig.tight_layout()
plt.show()

# %% [markdown]
# The simulated pairs coincide point by point, as they must: this is why the linear model gives
# sanity checks only. In both panels the two theory lines are the same curve (the eigenframework is symmetric in
# $D \leftrightarrow P$), so only one colour is visible.
#
# The eigenframework also gives the whole surface $L(D, P)$. Cutting it at fixed $P$ shows the
# crossover the paper describes: a resolution-limited power law while $D \ll P$, the
# ridgeless interpolation peak at $D = P$, then a variance-limited approach to the plateau
# $L(\infty, P)$, itself a power law in $P$. By the symmetry, the same picture holds with $D$ and $P$
# exchanged.

# %%
grid = np.unique(np.round(np.logspace(np.log10(8), np.log10(1024), 60)))
fig, ax = plt.subplots(figsize=(6.4, 4))
for P, color in zip((16, 64, 256), COLORS):
    ax.plot(grid, [sr.theory_loss(lam, n, P) for n in grid], color=color, label=f"P = {P}")
    ax.axhline(sr.theory_loss(lam, np.inf, P), color=color, ls=":", lw=1)
ax.plot(grid, [sr.theory_loss(lam, n, np.inf) for n in grid], "k", label="P = inf (kernel)")
ax.set(xscale="log", yscale="log", ylim=(1e-3, 3), xlabel="training samples D", ylabel="test loss L",
       title="Eigenframework theory: L(D, P) (dotted: D = inf plateaus)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Nonlinear random features on the torus: the counted claims
#
# For each $d$ and each run we draw a pool, a teacher, a training set (for the kernel limit and
# the spectrum) and a set of student features (for the $D = \infty$ limit), and fit the exponents
# of the two resolution-limited curves over the same sizes. The first 8 runs also fit the
# variance-limited exponents, averaging 16 draws of the 8 features (48 of the 8 points) and of the
# growing resource, since one draw of an
# 8-dimensional fit is noisy; the limits $L(\infty, 8)$ (least squares on the pool) and
# $L(8, \infty)$ (kernel interpolation) are computed for the same draw. In $P$, one draw's loss
# difference has a first-order part, linear in the deviation of the empirical feature kernel from
# the ReLU kernel, of mean zero but of size $1/\sqrt P$, larger than the $1/P$ mean it hides; we
# subtract that linear part exactly (a control variate, `sr.rf_excess_control_variate`, checked
# in the unit tests to leave the mean unchanged).

# %%
def torus_run(d, with_var):
    X = sr.torus_inputs(POOL, d, rng)
    teacher = draw_feature_map(rng, "relu", X.shape[1], TEACHER_WIDTH)
    y = sr.relu_teacher_targets(teacher, rng.standard_normal(TEACHER_WIDTH), X)
    # resolution-limited in D: kernel interpolation on i.i.d. draws from the pool
    idx = rng.integers(POOL, size=SIZES[-1])
    K = relu_kernel(X[idx], X[idx])
    curve_D = sr.ridgeless_krr_curve(K, y[idx], relu_kernel(X, X[idx]), y, SIZES)
    spectrum = np.sort(np.linalg.eigvalsh(K))[::-1] / len(K)
    # resolution-limited in P: the best P-feature model on the whole pool
    curve_P = sr.rf_feature_limit_curve(draw_feature_map(rng, "relu", X.shape[1], SIZES[-1]).raw(X), y, SIZES)
    if not with_var:
        return dict(curve_D=curve_D, curve_P=curve_P, spectrum=spectrum)
    # variance-limited in D at P = 8
    exc_D = np.zeros(len(NL_VAR_SIZES))
    for _ in range(N_INNER):
        F8 = draw_feature_map(rng, "relu", X.shape[1], SMALL).raw(X)
        limit = sr.rf_feature_limit_curve(F8, y, [SMALL])[0]
        tr = rng.integers(POOL, size=NL_VAR_SIZES[-1])
        exc_D += [sr.min_norm_fit_loss(F8[tr[:n]], y[tr[:n]], F8, y) - limit for n in NL_VAR_SIZES]
    # variance-limited in P at D = 8 (population: the first VAR_EVAL pool points); the ridgeless
    # P-feature student is interpolation with its empirical kernel, whose mean is the ReLU kernel
    Xe, ye = X[:VAR_EVAL], y[:VAR_EVAL]
    exc_P = np.zeros(len(NL_VAR_SIZES))
    for _ in range(N_INNER_P):
        tr = rng.choice(VAR_EVAL, SMALL, replace=False)
        K_te = relu_kernel(Xe, Xe[tr])
        Fe = draw_feature_map(rng, "relu", X.shape[1], NL_VAR_SIZES[-1]).raw(Xe)
        for j, n in enumerate(NL_VAR_SIZES):
            Fn = Fe[:, :n] / np.sqrt(n)
            Kp_te = Fn @ Fn[tr].T
            exc_P[j] += sr.rf_excess_control_variate(K_te[tr], K_te, Kp_te[tr], Kp_te, ye[tr], ye)
    return dict(curve_D=curve_D, curve_P=curve_P, spectrum=spectrum, exc_D=exc_D / N_INNER, exc_P=exc_P / N_INNER_P)


torus = {d: [torus_run(d, k < N_VAR_RUNS) for k in progress(range(N_RUNS), desc=f"torus d={d}")] for d in DIMS}
expo = {}
for d in DIMS:
    runs_d = torus[d]
    expo[d] = dict(
        alpha_D=np.array([fit_power_law(SIZES, r["curve_D"])[1] for r in runs_d]),
        alpha_P=np.array([fit_power_law(SIZES, r["curve_P"])[1] for r in runs_d]),
        alpha_K=np.array([sr.spectrum_exponent(r["spectrum"], SPEC_LO, SPEC_HI) for r in runs_d]),
        var_D=np.array([fit_power_law(NL_VAR_SIZES, r["exc_D"])[1] for r in runs_d[:N_VAR_RUNS]]),
        var_P=np.array([fit_power_law(NL_VAR_SIZES, r["exc_P"])[1] if np.all(r["exc_P"] > 0) else np.nan
                        for r in runs_d[:N_VAR_RUNS]]))
print(" d   alpha_D   alpha_P   alpha_K   var. in D   var. in P   (means over runs)   3/d    4/d")
for d in DIMS:
    e = expo[d]
    print(f"{d:2d}   {e['alpha_D'].mean():.2f}      {e['alpha_P'].mean():.2f}      {e['alpha_K'].mean():.2f}"
          f"      {e['var_D'].mean():.2f}        {e['var_P'].mean():.2f}                        "
          f"{3 / d:.2f}   {4 / d:.2f}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
Sx, Vx2 = np.array(SIZES, float), np.array(NL_VAR_SIZES, float)
for d, color in zip(DIMS, COLORS):
    for key, marker, ls in (("curve_D", "o", "-"), ("curve_P", "s", "--")):
        m, h = mean_ci(np.array([r[key] for r in torus[d]]))
        axes[0].errorbar(Sx, m, yerr=h, fmt=marker + ls, ms=4, capsize=2, color=color,
                         label=f"d = {d}, " + ("L(D, P = inf)" if key == "curve_D" else "L(D = inf, P)"))
    for key, marker, ls in (("exc_D", "o", "-"), ("exc_P", "s", "--")):
        m, h = mean_ci(np.array([r[key] for r in torus[d][:N_VAR_RUNS]]))
        axes[1].errorbar(Vx2, m, yerr=h, fmt=marker + ls, ms=4, capsize=2, color=color,
                         label=f"d = {d}, " + ("vary D, P = 8" if key == "exc_D" else "vary P, D = 8"))
    i = np.arange(1, len(torus[d][0]["spectrum"]) + 1)
    axes[2].plot(i, np.mean([r["spectrum"] for r in torus[d]], axis=0), color=color, label=f"d = {d}")
axes[1].plot(Vx2, 0.5 * axes[1].get_ylim()[1] * Vx2[0] / Vx2, "k:", lw=1, label="slope -1")
axes[0].set(xscale="log", yscale="log", xlabel="D or P (the bottleneck)", ylabel="population MSE",
            title="Resolution-limited (circles: data, squares: features)")
axes[1].set(xscale="log", yscale="log", xlabel="D or P (the growing resource)", ylabel="L - L(limit)",
            title="Variance-limited excess loss")
axes[2].set(xscale="log", yscale="log", xlabel="index i", ylabel="eigenvalue of K / D",
            title="ReLU-kernel spectrum on the d-torus")
for ax in axes:
    ax.legend(fontsize=6)
size_ticks(axes[0], SIZES)
size_ticks(axes[1], NL_VAR_SIZES)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Results

# %%
for d in DIMS:
    e = expo[d]
    claims.record("duality", values=np.abs(np.log(e["alpha_D"] / e["alpha_P"])), setting=f"d = {d}")
    claims.record("variance_limited_D", values=np.abs(e["var_D"] - 1), setting=f"d = {d}")
    # a run whose mean excess is not positive at every P shows no 1/P decay: it counts as a failure (9.99)
    claims.record("variance_limited_P", values=np.nan_to_num(np.abs(e["var_P"] - 1), nan=9.99), setting=f"d = {d}")
    claims.record("spectrum", values=np.abs(np.log(e["alpha_D"] / e["alpha_K"])), setting=f"d = {d}")
for lo, hi in zip(DIMS[:-1], DIMS[1:]):
    claims.record("falls_with_d", method=expo[lo]["alpha_D"], baseline=expo[hi]["alpha_D"], setting=f"d {lo} -> {hi}")
    claims.record("inverse_d", values=np.abs(np.log(lo * expo[lo]["alpha_D"] / (hi * expo[hi]["alpha_D"]))),
                  setting=f"d {lo} vs {hi}")
claims.record("linear_identity", value=max(identity_gap, 1e-7))  # round-off: printed as 1e-07 when below
claims.record("linear_exponents", value=linear_dev)
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The verdicts are in the report above and every measured value in the results cell before it.
# The counted claims all come from the nonlinear random-feature model on the torus, where each of
# them could fail: data points and random features are different objects, so nothing forces the
# data and model exponents to agree, and the variance-limited excess losses in $D$ and in $P$ are
# different statistics. The linear Gaussian model of the paper, which the legacy version of this
# chapter used for its counted checks, now gives sanity checks only: there the two
# resolution-limited losses are the same function of an i.i.d. Gaussian matrix (the identity check
# above evaluates it on one matrix), and its exponents follow from the teacher spectrum in closed form.
#
# The dimension claims separate two statements of the paper: that the resolution-limited
# exponent falls as the manifold dimension grows (`falls_with_d`), and that it falls like $1/d$
# (`inverse_d`). With at most 512 samples a 6-dimensional torus is resolved only at its lowest
# frequencies, so the exponents measured here are pre-asymptotic; `spectrum` asks whether the
# learning curve and the kernel spectrum agree at the same sizes, which is the paper's statement
# that the resolution-limited exponent can be read from the kernel spectrum.
#
# ## Deviations from the paper
#
# * **Models.** The paper's evidence includes random-feature models built on real data (CIFAR-10
#   and others), trained deep networks and pretrained models; all are outside a CPU budget of a
#   minute. We test the claims in the catalog's synthetic nonlinear teacher-student (ReLU random
#   features on a $d$-torus, a random ReLU-network teacher) and keep the paper's solvable linear
#   model for sanity checks.
# * **Population.** The population of each run is a pool of 4096 points on the torus (16384 at full
#   scale); losses are exact on that pool, and the $D = \infty$ limit is least squares on it.
# * **Teacher average (linear model).** We average the loss over teachers in closed form (it is
#   quadratic in the teacher) instead of sampling teachers; data and projections are sampled.
# * **Sizes.** Resolution-limited fits over sizes 32 to 512 (1.2 decades; to 1024 at full scale),
#   variance-limited fits over 64 to 2048. `scale="full"` also adds $d = 8$.
# * **Exponent on manifolds.** The paper's $4/d$ estimate is for piecewise-linear models of smooth
#   targets; our kernel has its own constant ($3/d$ asymptotically, by our derivation), so we test
#   the $1/d$ shape of the law, not its constant.
# * **Thresholds.** The 25 % tolerances and the 0.2 band are the catalog's; the paper compares
#   exponents on plots rather than with a stated tolerance.
