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
# $L(P) - L(\infty) \propto P^{-1}$ at fixed data size. (ii) Resolution-limited regimes: in the
# linear random-feature model whose teacher features have variances $\lambda_M \propto M^{-(1+\alpha)}$,
# $L \propto D^{-\alpha}$ when $P \gg D$ and $L \propto P^{-\alpha}$ when $D \gg P$, so the two exponents
# coincide (duality). (iii) In the kernel (infinite-width) limit the data exponent is the exponent
# $\alpha_K$ of the kernel spectrum $\lambda_i \propto i^{-(1+\alpha_K)}$, and it decreases with the
# intrinsic dimension of the data manifold.
#
# **This chapter checks**, with thresholds fixed before running:
# 1. *variance-limited in $D$*: at $P = 8$, the fitted exponent of $L(D,P) - L(\infty,P)$ over
#    $D = 64 \dots 2048$ lies in $[0.8, 1.2]$ (theory: 1; the band is the catalog's);
# 2. *variance-limited in $P$*: at $D = 8$, the exponent of $L(D,P) - L(D,\infty)$ over
#    $P = 64 \dots 2048$ lies in $[0.8, 1.2]$;
# 3. *resolution-limited*: with $\alpha = 1$, the exponents $\alpha_D$ of $L(D, \infty)$ and
#    $\alpha_P$ of $L(\infty, P)$ over $16 \dots 512$ are each within **20 %** of $\alpha$ (the
#    eigenframework theory predicts a pre-asymptotic bias of about 5 % over this range);
# 4. *duality*: $|\alpha_D - \alpha_P| \le 0.25 \times$ their mean (the catalog's 25 %);
# 5. *manifold dimension*: for inputs on a $d$-torus, $d \in \{2, 4, 6\}$, and a random ReLU
#    teacher learned by the infinite-width ReLU kernel, the learning-curve exponent $\alpha_D$
#    (over $D = 32 \dots 1024$) strictly decreases with $d$;
# 6. *kernel spectrum*: for each $d$, $\alpha_D$ is within **25 %** of the spectral exponent
#    $\alpha_K$ fitted on the Gram-matrix eigenvalues $32 \dots 512$ (our tolerance for 1.5 decades
#    of data; the paper shows the agreement on plots).
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"
alpha = 1.0  # teacher-feature variances lambda_M = M^-(1 + alpha)

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter, ScalarFormatter

import repro
from repro.book.params import check_float
from repro.book.plotting import COLORS, theory_vs_simulation
from repro.book.progress import progress
from repro.gp.random_features import draw_feature_map, relu_kernel
from repro.papers.theory import scaling_regimes as sr
from repro.scaling.fits import bootstrap_over_reps
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)  # numpy float64 on one CPU thread; the device is unused
check_float("alpha", alpha, minimum=0.25, maximum=3.0)
rng = run.rng


def size_ticks(axis, sizes):
    """Label a log x-axis with the sizes used, as plain integers."""
    axis.set_xticks(sizes)
    axis.xaxis.set_major_formatter(ScalarFormatter())
    axis.xaxis.set_minor_formatter(NullFormatter())


S = run.pick(2048, 8192)                                   # teacher features
RES_SIZES = run.pick([16, 32, 64, 128, 256, 512], [16, 32, 64, 128, 256, 512, 1024, 2048])
N_RES = run.pick(10, 20)                                   # repetitions, resolution-limited
SMALL = 8                                                  # the fixed resource, variance-limited
VAR_SIZES = run.pick([64, 128, 256, 512, 1024, 2048], [64, 128, 256, 512, 1024, 2048, 4096, 8192])
N_VAR = run.pick(30, 40)                                   # repetitions, variance-limited
DIMS = run.pick([2, 4, 6], [2, 4, 6, 8])                   # intrinsic dimensions of the torus
MAN_SIZES = run.pick([32, 64, 128, 256, 512, 1024], [32, 64, 128, 256, 512, 1024, 2048, 4096])
N_MAN = run.pick(6, 8)                                     # teachers and data sets per dimension
N_SPEC = run.pick(6, 2)                                    # Gram spectra averaged per dimension
N_TEST, TEACHER_WIDTH = run.pick(1500, 4000), 4096
SPEC_LO, SPEC_HI = MAN_SIZES[0], MAN_SIZES[-1] // 2        # eigenvalue indices fitted for alpha_K
lam = sr.powerlaw_feature_variances(S, alpha)
print(f"S={S} teacher features, alpha={alpha}; {N_RES} / {N_VAR} / {N_MAN} repetitions")

# %% [markdown]
# ## Method
#
# ### A solvable teacher-student model
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
# ### Data on a manifold
#
# For the manifold claims, inputs are uniform on a flat $d$-torus,
# $x = (\cos t_1, \sin t_1, \dots, \cos t_d, \sin t_d)/\sqrt d$, with a constant coordinate appended
# (a bias). The teacher is a random one-hidden-layer ReLU network of width 4096 with Gaussian
# weights, and the student is its infinite-width limit: interpolation with the arc-cosine (ReLU)
# kernel. On the torus the kernel depends only on angle differences, so its eigenfunctions are
# Fourier modes; its $\lvert x-x'\rvert^3$ kink makes the eigenvalues decay like
# $\lvert k\rvert^{-(d+3)}$, i.e. $\lambda_i \propto i^{-(1+3/d)}$ once the $\sim K^d$ modes below
# frequency $K$ are counted. The data exponent should therefore fall like $1/d$ (our derivation
# for this kernel gives $3/d$ asymptotically; the paper's estimate for piecewise-linear fits of a
# smooth target is $4/d$). The random teacher has, on average, power $\lambda_i$ on mode $i$, the
# case in which the learning-curve exponent equals the spectral one.
#
# The code is this book's module `src/repro/papers/theory/scaling_regimes.py` (tests in
# `tests/test_scaling_regimes.py`); exponents are least-squares slopes in log-log space
# (`repro.scaling.fits.fit_power_law`) with bootstrap intervals that resample whole repetitions.

# %%
print(inspect.getsource(sr.teacher_averaged_loss))

# %% [markdown]
# ## Variance-limited scaling
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
# ## Resolution-limited scaling and the duality
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
print("L(D, inf) / L(inf, P=D) at each size:", np.round(res_D.mean(0) / res_P.mean(0), 2))

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
# In both panels the two theory lines are the same curve (the eigenframework is symmetric in
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
# ## Resolution-limited exponents and the manifold dimension
#
# For each $d$ we draw a fresh random ReLU teacher and a fresh data set per repetition, fit the
# kernel interpolant on nested training sets, and measure the test MSE on held-out points. The
# kernel spectrum is read from the eigenvalues of the training Gram matrix (divided by its size,
# an estimate of the integral operator's spectrum), averaged over repetitions.

# %%
man_curves, man_spectra = {}, {}
for d in progress(DIMS, desc="manifold dimension"):
    curves, spectra = [], []
    for _ in range(N_MAN):
        Xall = sr.torus_inputs(MAN_SIZES[-1] + N_TEST, d, rng)
        teacher = draw_feature_map(rng, "relu", Xall.shape[1], TEACHER_WIDTH)
        yall = teacher(Xall) @ rng.standard_normal(TEACHER_WIDTH)
        Xtr, ytr = Xall[:MAN_SIZES[-1]], yall[:MAN_SIZES[-1]]
        Xte, yte = Xall[MAN_SIZES[-1]:], yall[MAN_SIZES[-1]:]
        K = relu_kernel(Xtr, Xtr)
        curves.append(sr.ridgeless_krr_curve(K, ytr, relu_kernel(Xte, Xtr), yte, MAN_SIZES))
        if len(spectra) < N_SPEC:
            spectra.append(np.sort(np.linalg.eigvalsh(K))[::-1] / len(K))
    man_curves[d], man_spectra[d] = np.array(curves), np.mean(spectra, axis=0)

man_alpha_D, man_alpha_K = {}, {}
print(" d   alpha_D (95% bootstrap)   alpha_K   3/d    4/d")
for d in DIMS:
    man_alpha_D[d], ci = bootstrap_over_reps(MAN_SIZES, man_curves[d], rng=fit_rng)
    man_alpha_K[d] = sr.spectrum_exponent(man_spectra[d], SPEC_LO, SPEC_HI)
    print(f"{d:2d}   {man_alpha_D[d]:.2f} ({ci[0]:.2f}-{ci[1]:.2f})          {man_alpha_K[d]:.2f}      "
          f"{3 / d:.2f}   {4 / d:.2f}")

# %%
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
Mx = np.array(MAN_SIZES, float)
for d, color in zip(DIMS, COLORS):
    m, h = mean_ci(man_curves[d])
    ax.errorbar(Mx, m, yerr=h, fmt="o", ms=4, capsize=2, color=color, label=f"d = {d}")
    ax.plot(Mx, m[0] * (Mx / Mx[0]) ** -man_alpha_K[d], "--", color=color, lw=1)
    i = np.arange(1, len(man_spectra[d]) + 1)
    bx.plot(i, man_spectra[d], color=color, label=f"d = {d}")
    sel = (i >= SPEC_LO) & (i <= SPEC_HI)
    bx.plot(i[sel], 3 * man_spectra[d][SPEC_LO - 1] * (i[sel] / SPEC_LO) ** -(1 + man_alpha_K[d]),
            "--", color=color, lw=1)
ax.set(xscale="log", yscale="log", xlabel="training samples D", ylabel="test MSE",
       title="Kernel-limit learning curves\n(dashed: slope -alpha_K from the spectrum)")
ax.legend(fontsize=8)
size_ticks(ax, MAN_SIZES)
bx.set(xscale="log", yscale="log", xlabel="index i", ylabel="eigenvalue of K / n",
       title="ReLU-kernel spectrum on the d-torus\n(dashed: fitted i^-(1+alpha_K), offset)")
bx.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
dims_alpha = [man_alpha_D[d] for d in DIMS]
rel_gap = {d: abs(man_alpha_D[d] - man_alpha_K[d]) / man_alpha_K[d] for d in DIMS}
claims = repro.Claims()
claims.add("Variance-limited in D: L(D, P=8) - L(inf, 8) falls like 1/D",
           measured={"exponent": exp_var_D}, criterion=f"exponent over D = {VAR_SIZES[0]}..{VAR_SIZES[-1]} in [0.8, 1.2]",
           passed=0.8 <= exp_var_D <= 1.2, fmt="{:.2f}")
claims.add("Variance-limited in P: L(D=8, P) - L(8, inf) falls like 1/P",
           measured={"exponent": exp_var_P}, criterion=f"exponent over P = {VAR_SIZES[0]}..{VAR_SIZES[-1]} in [0.8, 1.2]",
           passed=0.8 <= exp_var_P <= 1.2, fmt="{:.2f}")
claims.add(f"Resolution-limited: L(D, inf) ~ D^-alpha and L(inf, P) ~ P^-alpha, alpha = {alpha:g}",
           measured={"alpha_D": alpha_D, "alpha_P": alpha_P},
           criterion=f"both within 20 % of alpha (sizes {RES_SIZES[0]}..{RES_SIZES[-1]})",
           passed=max(abs(alpha_D - alpha), abs(alpha_P - alpha)) <= 0.2 * alpha, fmt="{:.2f}")
claims.add("Duality: the data and model resolution-limited exponents agree",
           measured={"|alpha_D - alpha_P| / mean": abs(alpha_D - alpha_P) / (0.5 * (alpha_D + alpha_P))},
           criterion="<= 0.25", passed=abs(alpha_D - alpha_P) <= 0.25 * 0.5 * (alpha_D + alpha_P),
           fmt="{:.2f}")
claims.add("Manifold: the kernel-limit data exponent decreases with the intrinsic dimension d",
           measured={f"alpha_D (d={d})": man_alpha_D[d] for d in DIMS},
           criterion="strictly decreasing in d",
           passed=all(a > b for a, b in zip(dims_alpha, dims_alpha[1:])), fmt="{:.2f}")
claims.add("Kernel spectrum: the data exponent equals the spectral exponent alpha_K",
           measured={f"|alpha_D - alpha_K| / alpha_K (d={d})": rel_gap[d] for d in DIMS},
           criterion="<= 0.25 for every d", passed=max(rel_gap.values()) <= 0.25, fmt="{:.2f}")
claims.report()

# %% [markdown]
# **Verdict.** The report above is the outcome; each line can fail. In the linear random-feature
# model all four regimes appear as the paper describes. With one resource held at 8, the excess
# loss over the limit falls with an exponent close to 1 in both directions. With the other
# resource infinite, the loss falls as a power law whose exponent is the teacher spectrum's
# $\alpha$, and the data and model exponents agree; in fact the two resolution-limited curves
# coincide point by point (ratio close to 1 at every size above), and so do the two
# variance-limited ones, because in this model the roles of data and projections are exchangeable.
# The eigenframework lines lie on the simulations, except at the smallest sizes where $D$ or $P$ is
# too small for its asymptotics.
#
# On the torus, the kernel-limit exponent falls as the intrinsic dimension grows, and it matches the
# exponent of the kernel's own spectrum. At $d = 2$ both sit near our asymptotic value $3/d$; for
# $d = 4, 6$ both are still above $3/d$ at these sizes: with $D \le 1024$ samples a
# 6-dimensional torus is resolved only at its lowest frequencies, and the spectrum has not yet
# settled into its asymptotic decay. That the learning curve and the spectrum agree *at the same
# sizes*, even when neither is asymptotic, is the content of the paper's statement that
# resolution-limited exponents can be read from the kernel spectrum. (At $d = 2$ the spectral fit
# is slightly steep because the eigenvalues of a finite Gram matrix bend down as the index
# approaches the matrix size.)
#
# ## Deviations from the paper
#
# * **Models.** The paper's evidence includes random-feature models built on real data (CIFAR-10
#   and others), trained deep networks and pretrained models; all are outside a CPU budget of a
#   minute. We test the theory in its own solvable model, with Gaussian latent features, and in a
#   kernel teacher-student on synthetic manifolds.
# * **Teacher average.** We average the loss over teachers in closed form (it is quadratic in the
#   teacher) instead of sampling teachers; data and projections are sampled.
# * **Sizes.** $S = 2048$ teacher features and sizes up to 512 (resolution-limited) or 2048
#   (variance-limited) at quick scale; the finite $S$ is included in the theory lines. The
#   resolution-limited fits span 1.5 decades; `scale="full"` uses $S = 8192$, sizes to 2048 and 8192,
#   and adds $d = 8$.
# * **Exponent on manifolds.** The paper's $4/d$ estimate is for piecewise-linear models of smooth
#   targets; our kernel has its own exponent ($3/d$ asymptotically, by our derivation), so the claim
#   we check is the one the paper makes for kernels: learning-curve exponent = spectral exponent,
#   decreasing with $d$.
# * **Thresholds.** The 20 % and 25 % tolerances are ours (the catalog's 25 % for the duality); the
#   paper compares exponents on plots rather than with a stated tolerance.
