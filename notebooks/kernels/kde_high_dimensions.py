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
# # Kernel Density Estimators in Large Dimensions
#
# {cite}`biroli2024kernel` · [arXiv:2408.05807](https://arxiv.org/abs/2408.05807)
# · the paper is a theoretical (statistical-physics) study with no code release; everything
# below is our own implementation.
#
# A kernel density estimator (KDE) puts a small Gaussian bump of width $h$ on every data point and
# averages them. Textbook theory studies it with the dimension $d$ fixed and the number of points
# $n\to\infty$. Biroli and Mézard look at the opposite, high-dimensional situation, where $n$ grows
# only exponentially with $d$, $n = e^{\alpha d}$, as it must if the data are to cover the space at
# all. Then the estimate at a point $x$ is a sum of exponentially many, exponentially varying
# terms, exactly the structure of Derrida's *random energy model* (REM) of spin glasses, and the
# bandwidth plays the role of temperature. Decreasing $h$, the KDE goes through three regimes: a
# classical one where the sum obeys the central limit theorem (CLT); below $h_{\rm CLT}(\alpha)$ a
# regime where the sum is still self-averaging but has heavy-tailed (stable-law) fluctuations; and
# below $h_G(\alpha)$ a "condensed" regime where a handful of nearest data points carry the whole
# estimate. The bandwidth that minimises the Kullback-Leibler divergence to the true density
# lies in the non-classical part of this phase diagram.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For Gaussian data $y_i\sim\mathcal N(0,I_d)$, $n=e^{\alpha d}$, a Gaussian-kernel KDE
# evaluated at a fresh point $x\sim\mathcal N(0,I_d)$ has, as $d\to\infty$, (i) a condensation
# bandwidth $h_G(\alpha)$ below which a few points dominate the kernel sum, (ii) a larger
# bandwidth $h_{\rm CLT}(\alpha)$ below which the CLT fails, and (iii) a KL-optimal bandwidth
# below $h_{\rm CLT}$, outside the classical regime.
#
# **This chapter checks**, with our own closed forms for the large-$d$ limit (derived below in the
# paper's REM framework: $h_{\rm CLT}=\sqrt2\,h_G$, $\mathbb E[\mathrm{IPR}] = 1-h^2/h_G^2$ below
# $h_G$, $h_{\rm KL}=\sqrt{u_{\min}(\alpha)}$), against simulations at
# $\alpha\in\{0.2,0.3,0.4\}$ and $d\in\{10,18,26\}$ ($n$ up to $3.3\times10^4$). Finite-$d$
# corrections are of relative order $\log d/d$, so the tolerances below were fixed, before
# running, at a level such corrections allow; all are checked at the largest $d$ for every $\alpha$:
# 1. **Condensation at $h_G$:** the bandwidth where the mean inverse participation ratio (IPR) of
#    the kernel weights reaches $1/2$ is within **20 %** of the theory's $h_G/\sqrt2$ (the 20 %
#    window is the catalog's check on $h_G$).
# 2. **CLT regime:** for $h\ge 1.25\,h_{\rm CLT}$ the measured $\frac1d\log(n\,\mathrm{IPR})$
#    matches the CLT prediction $\frac1d\log(\mathbb E[w^2]/\mathbb E[w]^2)$ within **0.05** nats per
#    dimension.
# 3. **CLT breakdown:** at $h=h_G$ the measured $\frac1d\log(n\,\mathrm{IPR})$ lies below the CLT
#    prediction by at least **half** the theoretical gap (the sample lacks the rare close points
#    that would carry $\mathbb E[w^2]$).
# 4. **KL-optimal bandwidth (paper's claim):** the simulated KL-optimal bandwidth is below
#    $h_{\rm CLT}(\alpha)$.
# 5. **Its value:** the simulated KL-optimal bandwidth is within **20 %** of $h_{\rm KL}(\alpha)$.
# 6. **KL curve:** for $h\ge h_{\rm CLT}$ the simulated KL per dimension is within **0.01** nats of
#    the theory; below $h_G$ (the condensed part, where finite-$d$ corrections are largest) the
#    largest deviation from theory shrinks from $d=10$ to $d=26$.
# ```

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

import repro
from repro.book.plotting import COLORS, theory_vs_simulation
from repro.book.progress import progress
from repro.papers.kernels import kde_highdim as kh
from repro.stats.intervals import mean_ci

run = repro.setup(scale, seed, device)  # numpy float64 on one CPU thread; the device is unused

ALPHAS = [0.2, 0.3, 0.4]
DIMS = run.pick([10, 18, 26], [10, 18, 26, 30])
N_QUERY = run.pick(200, 400)            # fresh query points x per data set
N_REP = run.pick(2, 4)                  # independent data sets per (alpha, d)
HS = np.geomspace(0.35, 3.0, 28)        # bandwidth grid
print({"n per (alpha, d)": {(a, d): int(round(np.exp(a * d))) for a in ALPHAS for d in DIMS}})

# %% [markdown]
# ## Method
#
# ### The KDE as a random energy model
#
# Write $u_i = |x-y_i|^2/d$. The Gaussian KDE is
#
# $$ \hat\rho_h(x) = \frac{1}{n}\sum_{i=1}^n \frac{e^{-|x-y_i|^2/2h^2}}{(2\pi h^2)^{d/2}}
#    = \frac{(2\pi h^2)^{-d/2}}{n}\, Z, \qquad Z=\sum_i w_i,\quad w_i = e^{-\beta d\,u_i},
#    \quad \beta = \frac{1}{2h^2}. $$
#
# For fixed typical $x$ ($|x|^2\approx d$), $d\,u_i$ is a non-central $\chi^2$ with $d$ degrees of
# freedom, whose per-dimension log moment generating function is
# $\varphi(t) = -\tfrac12\log(1-2t) + t/(1-2t)$. By Cramér's theorem the number of data points at
# distance $u$ is $e^{d(\alpha - I(u))}$ with $I(u)=\sup_t[tu-\varphi(t)]$. Parametrising by
# $s = 1-2t$, $u = 1/s+1/s^2$ and $I = \tfrac12\log s + (1-s)/(2s^2)$. Points exist only where
# $I(u)\le\alpha$: the nearest neighbour sits at $u_{\min}(\alpha)$, with $I(u_{\min})=\alpha$.
# This is the REM of the paper (Sec. 3-4): $\frac1d\log Z$ is dominated by the saddle point
# $u^*(\beta)=\varphi'(-\beta)$ as long as $u^*>u_{\min}$ (then $Z\approx\mathbb E Z$), and freezes at
# $u_{\min}$ otherwise. With $s_G>1$ the root of $I(s_G)=\alpha$:
#
# * **condensation:** $u^*(\beta)=u_{\min}$ at $1/h_G^2 = s_G-1$; below $h_G$ a few nearest points
#   carry the sum, and the mean IPR $\sum_i p_i^2$ of the weights $p_i = w_i/Z$ is $1-h^2/h_G^2$
#   (the REM's $1-\beta_G/\beta$), zero above;
# * **CLT breakdown:** the CLT for $Z$ needs its second moment, i.e. $\sum_i w_i^2$ (a REM at
#   $2\beta$), to be self-averaging; it condenses at $2\beta=\beta_G$, so $h_{\rm CLT}=\sqrt2\,h_G$.
#   Above $h_{\rm CLT}$, $n\,\mathrm{IPR}\approx \mathbb E[w^2]/\mathbb E[w]^2 = e^{d[\varphi(-2\beta)-2\varphi(-\beta)]}$;
#   below, the points that would carry $\mathbb E[w^2]$ are absent from the sample and $n\,\mathrm{IPR}$
#   falls short of that CLT value;
# * **KL divergence:** above $h_G$, $\frac1d\mathrm{KL}(\rho\,\Vert\,\hat\rho_h)$ is the KL between
#   $\mathcal N(0,1)$ and the smoothed $\mathcal N(0,1+h^2)$, $\tfrac12[\log(1+h^2)+1/(1+h^2)-1]$,
#   which decreases as $h$ decreases; below $h_G$ it is
#   $\alpha-\tfrac12+\log h+u_{\min}/(2h^2)$, minimal at $h_{\rm KL}=\sqrt{u_{\min}(\alpha)}<h_G$.
#
# These closed forms are our own derivation in the paper's framework (we could not consult the
# paper's equations line by line, so the thresholds are ours, not copied); the code is
# `src/repro/papers/kernels/kde_highdim.py`, tested in `tests/test_kde_highdim.py` against a brute-force Legendre
# transform, the exact non-central $\chi^2$ tail at $d=1000$, continuity at $h_G$ and the exact
# Gaussian KL. The simulation evaluates the KDE in log space (log-sum-exp) for the whole bandwidth
# grid at once.

# %%
for a in ALPHAS:
    print(f"alpha={a}: h_KL={kh.h_KL(a):.3f}  h_G={kh.h_G(a):.3f}  h_CLT={kh.h_CLT(a):.3f}  "
          f"u_min={kh.u_min(a):.3f}")
print(inspect.getsource(kh.kde_sweep))

# %% [markdown]
# ## Experiment: the bandwidth sweep
#
# For each $(\alpha,d)$ and each of the independent data sets we draw $n=\mathrm{round}(e^{\alpha d})$
# points and fresh query points from $\mathcal N(0,I_d)$, and at every bandwidth of the grid we
# record the KL divergence, the IPR of the kernel weights and $\log(n\,\mathrm{IPR})$, averaged over
# the queries. The KL is estimated as the exactly known KL between $\rho$ and the smoothed density
# $\mathcal N(0,(1+h^2)I_d)=\mathbb E\,\hat\rho_h$ plus the query average of
# $\log\mathbb E\hat\rho_h(x)-\log\hat\rho_h(x)$: an unbiased control variate that removes the
# query-to-query noise coming from $|x|^2$. (With the plain average of $\log\rho-\log\hat\rho_h$,
# 400 queries left about 0.005 nats/dim of noise, and seed 2 missed the 0.01 tolerance of claim 6
# at one bandwidth; we reduced the noise rather than loosening the tolerance.)

# %%
def one_dataset(a, d, r):
    rng = np.random.default_rng([run.seed, r, int(round(100 * a)), d])
    n = int(round(np.exp(a * d)))
    y = rng.standard_normal((n, d))
    x = rng.standard_normal((N_QUERY, d))
    log_rho, ipr = kh.kde_sweep(x, y, HS)
    # KL = E[log rho - log N(0,(1+h^2)I)] + E[log N(0,(1+h^2)I) - log KDE]: the first term is known
    # exactly (Gaussian KL), so only the second is estimated (a control variate for the |x|^2 noise)
    var = 1 + HS ** 2
    log_smooth = -0.5 * (x ** 2).sum(1)[:, None] / var - 0.5 * d * np.log(2 * np.pi * var)
    kl_smooth = 0.5 * (np.log(var) + 1 / var - 1)
    return {"kl": kl_smooth + (log_smooth - log_rho).mean(0) / d,
            "ipr": ipr.mean(0),
            "lnipr": (np.log(n) + np.log(ipr)).mean(0) / d}


res = {}
for a, d in progress([(a, d) for a in ALPHAS for d in DIMS], desc="(alpha, d)"):
    reps = [one_dataset(a, d, r) for r in range(N_REP)]
    res[a, d] = {key: np.array([rep[key] for rep in reps]) for key in reps[0]}


def kl_argmin(kl_curve):
    """Bandwidth minimising the KL curve: grid argmin refined by a parabola in log h."""
    j = int(np.clip(np.argmin(kl_curve), 1, len(HS) - 2))
    lx, yv = np.log(HS[j - 1:j + 2]), kl_curve[j - 1:j + 2]
    c = np.polyfit(lx, yv, 2)
    return float(np.exp(-c[1] / (2 * c[0]))) if c[0] > 0 else float(HS[j])


# %%
hh = np.geomspace(HS[0], HS[-1], 400)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
dmax = DIMS[-1]
for c, a in enumerate(ALPHAS):
    r = res[a, dmax]
    m, e = mean_ci(r["ipr"]) if N_REP > 1 else (r["ipr"][0], None)
    axes[0].plot(hh, kh.ipr(hh, a), "-", color=COLORS[c], label=f"α={a} theory (d=∞)")
    axes[0].plot(HS, m, "o", ms=4, color=COLORS[c], label=f"α={a} simulation (d={dmax})")
    axes[0].axvline(kh.h_G(a), color=COLORS[c], ls=":", lw=1)
    m, e = mean_ci(r["lnipr"])
    theory_vs_simulation(axes[1], HS, kh.log_n_ipr(HS, a), m, e, label=f"α={a}", color=COLORS[c], logx=True)
    axes[1].plot(HS, kh.log_n_ipr_clt(HS), "--", color=COLORS[c], lw=1)
    axes[1].axvline(kh.h_CLT(a), color=COLORS[c], ls=":", lw=1)
    m, e = mean_ci(r["kl"])
    theory_vs_simulation(axes[2], HS, kh.kl_per_dim(HS, a), m, e, label=f"α={a}", color=COLORS[c], logx=True)
    axes[2].axvline(kh.h_KL(a), color=COLORS[c], ls=":", lw=1)
axes[0].set(xscale="log", xlabel="bandwidth h", ylabel="mean IPR of kernel weights",
            title="Condensation below h_G (dotted)")
axes[1].set(xlabel="bandwidth h", ylabel="(1/d) log(n · IPR)", ylim=(-0.05, 0.8),
            title="CLT (dashed) fails below h_CLT (dotted)")
axes[2].set(xlabel="bandwidth h", ylabel="KL(ρ || KDE) / d", yscale="log",
            title="KL per dimension; dotted: h_KL")
for ax in axes:
    ax.legend(fontsize=7)
fig.suptitle(f"Gaussian KDE with n = exp(α d), d = {dmax}: lines large-d theory, points simulation "
             f"(mean ± 95% CI over {N_REP} data sets × {N_QUERY} queries)", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Approach to the large-$d$ limit
#
# The condensed side is where finite-$d$ effects live: at finite $n$ the nearest neighbour is
# farther than $u_{\min}(\alpha)$ and the transition at $h_G$ is rounded. The figure shows the KL
# curve and the IPR for $\alpha = 0.3$ at each dimension.

# %%
a_show = 0.3
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for c, d in enumerate(DIMS):
    r = res[a_show, d]
    m, e = mean_ci(r["kl"])
    axes[0].errorbar(HS, m, yerr=e, fmt="o-", ms=3, lw=0.8, color=COLORS[c], label=f"d={d} simulation")
    m, e = mean_ci(r["ipr"])
    axes[1].errorbar(HS, m, yerr=e, fmt="o-", ms=3, lw=0.8, color=COLORS[c], label=f"d={d} simulation")
axes[0].plot(hh, kh.kl_per_dim(hh, a_show), "k-", label="theory d=∞")
axes[1].plot(hh, kh.ipr(hh, a_show), "k-", label="theory d=∞")
for ax in axes:
    ax.axvline(kh.h_G(a_show), color="grey", ls=":", lw=1)
    ax.axvline(kh.h_CLT(a_show), color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.legend(fontsize=8)
axes[0].set(yscale="log", xlabel="bandwidth h", ylabel="KL(ρ || KDE) / d", title=f"KL, α={a_show}")
axes[1].set(xlabel="bandwidth h", ylabel="mean IPR", title=f"IPR, α={a_show} (dotted h_G, dashed h_CLT)")
fig.tight_layout()
plt.show()

summary = {}
for a in ALPHAS:
    for d in DIMS:
        r = res[a, d]
        kl = r["kl"].mean(0)
        th = kh.kl_per_dim(HS, a)
        summary[a, d] = {
            "h_half": kh.crossing(HS, r["ipr"].mean(0), 0.5),
            "h_opt": kl_argmin(kl),
            "clt_err": np.abs(r["lnipr"].mean(0) - kh.log_n_ipr_clt(HS))[HS >= 1.25 * kh.h_CLT(a)].max(),
            "gap_hG": float(np.interp(np.log(kh.h_G(a)), np.log(HS), kh.log_n_ipr_clt(HS) - r["lnipr"].mean(0))),
            "kl_err_clt": np.abs(kl - th)[HS >= kh.h_CLT(a)].max(),
            "kl_err_cond": np.abs(kl - th)[HS <= kh.h_G(a)].max(),
        }
print("alpha  d     n  h_IPR=1/2 (th)   h_opt (th)     KL err h>=h_CLT  KL err h<=h_G")
for (a, d), s in summary.items():
    print(f"{a:.1f}  {d:3d} {int(round(np.exp(a * d))):6d}  {s['h_half']:.2f} ({kh.h_G(a) / np.sqrt(2):.2f})"
          f"      {s['h_opt']:.2f} ({kh.h_KL(a):.2f})    {s['kl_err_clt']:.3f}            {s['kl_err_cond']:.3f}")

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
top = {a: summary[a, DIMS[-1]] for a in ALPHAS}
low = {a: summary[a, DIMS[0]] for a in ALPHAS}
half_ratio = [top[a]["h_half"] / (kh.h_G(a) / np.sqrt(2)) for a in ALPHAS]
gap_ratio = [top[a]["gap_hG"] / float(kh.log_n_ipr_clt(kh.h_G(a)) - kh.log_n_ipr(kh.h_G(a), a)) for a in ALPHAS]
opt_over_clt = [top[a]["h_opt"] / kh.h_CLT(a) for a in ALPHAS]
opt_ratio = [top[a]["h_opt"] / kh.h_KL(a) for a in ALPHAS]

claims = repro.Claims()
claims.add(f"Condensation: mean IPR reaches 1/2 near the theory's h_G/sqrt(2) (d={DIMS[-1]}, alpha={ALPHAS})",
           measured={"h_1/2 / theory": half_ratio},
           criterion="every ratio within [0.8, 1.2]",
           passed=all(0.8 <= v <= 1.2 for v in half_ratio), fmt="{:.2f}")
claims.add("CLT regime: (1/d) log(n IPR) follows the CLT prediction for h >= 1.25 h_CLT",
           measured={"largest |error| (nats/dim)": [top[a]["clt_err"] for a in ALPHAS]},
           criterion="every error <= 0.05",
           passed=all(top[a]["clt_err"] <= 0.05 for a in ALPHAS), fmt="{:.2f}")
claims.add("CLT breakdown: at h_G, (1/d) log(n IPR) falls below the CLT prediction",
           measured={"gap / theoretical gap": gap_ratio},
           criterion="every ratio >= 0.5",
           passed=all(v >= 0.5 for v in gap_ratio), fmt="{:.1f}")
claims.add("KL-optimal bandwidth lies below h_CLT (outside the classical regime)",
           measured={"h_opt / h_CLT": opt_over_clt},
           criterion="every ratio < 1",
           passed=all(v < 1 for v in opt_over_clt), fmt="{:.2f}")
claims.add("KL-optimal bandwidth matches the large-d value h_KL = sqrt(u_min)",
           measured={"h_opt / h_KL": opt_ratio},
           criterion="every ratio within [0.8, 1.2]",
           passed=all(0.8 <= v <= 1.2 for v in opt_ratio), fmt="{:.2f}")
kl_clt = [top[a]["kl_err_clt"] for a in ALPHAS]
shrinks = [bool(top[a]["kl_err_cond"] < low[a]["kl_err_cond"]) for a in ALPHAS]
claims.add(f"KL curve: exact above h_CLT; below h_G the deviation shrinks from d={DIMS[0]} to d={DIMS[-1]}",
           measured={"largest |error| h>=h_CLT": ["< 0.01" if v < 0.01 else f"{v:.2f}" for v in kl_clt],
                     "error h<=h_G shrinks": ["yes" if v else "no" for v in shrinks]},
           criterion="errors above h_CLT < 0.01 and the condensed-side error shrinks for every alpha",
           passed=all(v < 0.01 for v in kl_clt) and all(shrinks))
claims.report()

# %% [markdown]
# **Verdict.** Five of the six checks reproduce, with the same verdicts for seeds 0, 1 and 2. The
# simulations show the paper's phase diagram: above $h_{\rm CLT}$ the KDE behaves classically (its
# KL matches the Gaussian-smoothing prediction to better than 0.01 nats per dimension and
# $n\,\mathrm{IPR}$ follows the CLT second-moment formula); below $h_{\rm CLT}$ the CLT formula
# overestimates $n\,\mathrm{IPR}$ (claim 3); below $h_G$ the kernel weights condense on a few
# points; and the KL-optimal bandwidth sits well below $h_{\rm CLT}$ (about $0.7\,h_{\rm CLT}$),
# within 16 % of our large-$d$ value $\sqrt{u_{\min}}$. Claim 1 is **not reproduced** at
# $d=26$: the simulated IPR reaches $1/2$ at bandwidths 14-24 % above the $d=\infty$ value
# $h_G/\sqrt2$, outside the 20 % window for $\alpha=0.2$, where $n=181$ points only. The
# shift is the expected finite-size effect (the nearest neighbour at finite $n$ is farther than
# $u_{\min}$, so condensation sets in at a larger $h$) and it shrinks with $d$ (ratio about 1.5,
# 1.3, 1.2 for $d=10,18,26$ at $\alpha=0.2$), but at this scale it does not meet the tolerance we
# fixed. The same effect explains the upward bias of the KL-optimal bandwidth and the large
# (but shrinking) KL deviations on the condensed side, where the KL grows like $u_{\rm nn}/(2h^2)$.
#
# **Deviations from the paper.**
# - The closed forms ($h_G$, $h_{\rm CLT}=\sqrt2 h_G$, the IPR $1-h^2/h_G^2$, the KL curve and
#   $h_{\rm KL}=\sqrt{u_{\min}}$) are our own large-deviation/REM derivation for isotropic Gaussian
#   data and a typical query point, following the paper's approach; the unit tests check them
#   against brute-force numerics, not against the paper's printed equations.
# - Dimensions are small ($d\le26$ at quick scale, $\le30$ at full scale, $n\le 1.6\times10^5$): the
#   paper's statements are $d\to\infty$ limits, so sharp transitions appear as smooth crossovers
#   and the checks use tolerances for $\log d/d$ corrections, fixed before running.
# - The heavy-tailed (stable-law) statistics between $h_G$ and $h_{\rm CLT}$ are probed only through
#   the failure of the second-moment (CLT) prediction for $n\,\mathrm{IPR}$, not by fitting a stable law.
