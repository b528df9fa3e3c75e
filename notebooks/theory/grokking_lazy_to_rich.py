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
# # Grokking as the Transition from Lazy to Rich Training Dynamics
#
# {cite}`kumar2024grokking` · [OpenReview (ICLR 2024)](https://openreview.net/forum?id=vt5mnLVIVo)
# · [arXiv:2310.06110](https://arxiv.org/abs/2310.06110)
# · the authors' code is in the OpenReview supplementary material (no public repository);
# everything below is our own implementation.
#
# *Grokking* is the name for a training run in which the training loss becomes small long before
# the test loss does. It was first seen on modular arithmetic with weight decay, and several
# explanations of it rely on the regulariser shrinking the weights. Kumar, Bordelon, Gershman and
# Pehlevan propose a different mechanism that needs no regulariser at all: a network that starts
# in the *lazy* regime behaves like a kernel machine with its initial neural tangent kernel (NTK),
# fits the training set with those fixed features and generalises only as well as that kernel
# does; only later does it learn features that suit the task, and then the test loss falls. How
# long the network stays lazy is set by a single output-scale parameter $\alpha$, so $\alpha$ controls
# how strong the grokking is. They demonstrate it on a two-layer network fitted to a quadratic
# function of a Gaussian input, which is the setting reproduced here.

# %% [markdown]
# ```{admonition} The claim
# :class: tip
# **Paper.** For a two-layer network $f(x)=\frac{\alpha}{N}\sum_i\phi(w_i\cdot x)$ trained by plain
# full-batch gradient descent (no regularisation) on the polynomial target $y=(\beta\cdot x)^2/2$,
# grokking (the test loss falling long after the train loss) arises from a transition from lazy to
# rich training: (i) the network first fits the training set while its test loss stays at the level
# of kernel regression with the *initial* NTK (Fig. 1b, black line), (ii) the test loss drops later,
# when the features align with the target, and (iii) the delay is controlled by the laziness
# $\alpha$, since the weights move at a speed $\propto 1/\alpha$ while the function moves at an
# $\alpha$-independent speed (Fig. 3a). The weight norm grows rather than shrinks (Fig. 1c).
#
# **This chapter tests**, on the paper's task at a smaller dimension, with independent draws of data
# and initial weights as the runs, on the catalog's grid $\alpha\in\{1, 3, 10\}$ and at two
# strengths $\varepsilon$ of the quadratic part of $\phi$ (0.1, chosen after a pilot, and 0.05,
# towards the paper's smaller value). Let $t_{\rm train}$ and $t_{\rm test}$ be the first GD steps at
# which the train and the test loss fall to 10 % of their initial values (the catalog's
# definition); the delay is $t_{\rm test}/t_{\rm train}$.
# * *headline*: the delay grows with $\alpha$, paired over draws, at each step of the grid;
# * *supporting*: the networks do grok, i.e. end below the test loss of the initial-NTK kernel
#   regression (the lazy limit, which could win); the lazy networks ($\alpha = 3, 10$) first sit on
#   the kernel level when they fit the training set (within the catalog's 20 %); and the richest
#   network ($\alpha = 1$) has no grokking (delay below 2, the catalog's criterion);
# * *sanity*: the weight norm grows (with fixed readouts and a target larger than the initial
#   function this is close to guaranteed, so it is not counted).
#
# The criteria are declared in the box below, before anything runs.
# ```

# %% tags=["hide-input"]
import repro

claims = repro.Claims()
EPS_CHANGE = repro.Change(
    what="strength of the quadratic part of phi, eps = 0.1, swept together with eps = 0.05",
    was="the paper's smaller value (its Fig. 1); the legacy chapter used eps = 0.1 only",
    why=("with the paper's value a pilot saw train and test loss fall together within the step budget "
         "(no grokking); eps was chosen after seeing results, so the claims must hold at both eps here"))
GRID_CHANGE = repro.Change(
    what="alpha grid: the catalog's {1, 3, 10}",
    was="{0.25, 0.5, 1, 2} in the legacy chapter, a change from the catalog made without a stated reason",
    why="back to the grid declared in the catalog before any run")
claims.declare(
    "delay_grows", kind="headline",
    statement=("Without regularisation, the grokking delay t_test / t_train grows with the laziness alpha: "
               "alpha = 3 delays more than alpha = 1, and alpha = 10 more than alpha = 3, at eps = 0.1 and 0.05"),
    metric="log delay ratio of the lazier network (a test loss that never crosses is censored at the budget)",
    paired_with="log delay ratio of the richer network on the same draw",
    better="higher", margin=0.0, fmt="{:+.1f}", changed=(GRID_CHANGE, EPS_CHANGE))
claims.declare(
    "groks_past_kernel", kind="supporting",
    statement=("Every network of the grid eventually generalises beyond its initial features: its final test "
               "loss is below that of ridgeless kernel regression with the initial NTK"),
    metric="log final test loss of the network", paired_with="log test loss of initial-NTK kernel regression",
    better="lower", margin=0.0, fmt="{:+.1f}", changed=EPS_CHANGE)
claims.declare(
    "kernel_plateau", kind="supporting",
    statement=("The lazy networks (alpha = 3, 10) first fit a kernel solution: when the train loss reaches 10 %, "
               "their test loss is within 20 % of the initial-NTK kernel-regression test loss (the later drop "
               "of the same runs is groks_past_kernel)"),
    metric="|test loss at t_train / kernel-regression test loss - 1|, per draw",
    better="lower", margin=0.2, fmt="{:.2f}",
    changed=(repro.Change(
        what="plateau measured at the grid's lazy networks alpha = 3 and 10, the runs that must also grok",
        was=("alpha = 8 in a first version (one draw of seed 1 fell outside 20 %), then alpha = 32, "
             "a network that never leaves the kernel regime"),
        why="the check was moved after seeing a failure; it now uses the declared grid"), EPS_CHANGE))
claims.declare(
    "rich_no_delay", kind="supporting",
    statement="The richest network of the grid (alpha = 1) does not grok: its delay ratio is below 2",
    metric="delay ratio t_test / t_train at alpha = 1", better="lower", margin=2.0, fmt="{:.1f}",
    changed=(repro.Change(
        what="the catalog's criterion 'delay < 2x at the smallest alpha' is tested again",
        was="dropped by the legacy chapter after it measured a ratio of 4.5",
        why="a criterion may not be dropped after seeing it fail"), EPS_CHANGE))
claims.declare(
    "norm_grows", kind="sanity",
    statement="The total weight norm at the end of training exceeds its initial value (every alpha, eps, draw)",
    metric="smallest final / initial squared weight norm over all runs", better="higher", margin=1.0,
    deterministic=True, fmt="{:.2f}")
claims.show()

# %% tags=["parameters"]
scale = "quick"
seed = 0
device = "auto"

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

import repro
from repro.book.plotting import COLORS
from repro.book.progress import progress
from repro.papers.theory import lazy_rich_dynamics as lrd

run = repro.setup(scale, seed, device)  # float64 NumPy on one CPU thread; the device is unused

DIM = run.pick(32, 64)               # input dimension D (the paper: 100)
N_TRAIN = int(5.5 * DIM)             # training points P (the paper: 550 = 5.5 D)
WIDTH = 5 * DIM                      # hidden units N (the paper: 500; the cost does not depend on N)
LR = 10.0                            # function-space learning rate: parameters use LR * N / alpha^2
ALPHAS = [1.0, 3.0, 10.0]            # the catalog's grid
LAZY = [3.0, 10.0]                   # the lazy networks of the plateau claim
EPSILONS = [0.1, 0.05]               # strength of the quadratic part of phi (swept, see the claim box)
STEPS = run.pick(8000, 16000)        # GD steps per run (time in steps scales like D)
RECORD = 10                          # record the losses every RECORD steps
N_DRAWS = run.pick(4, 6)             # independent (data, initial weights) draws
draw_seeds = [[run.seed, k] for k in range(N_DRAWS)]

# %% [markdown]
# ## Method
#
# ### The model
#
# Inputs are $x\sim\mathcal N(0, I_D/D)$ and the target is $y=(\beta\cdot x)^2/2$ with
# $\beta\sim\mathcal N(0,I_D)$, so $y$ is of order one. The network has $N$ hidden units, fixed unit
# readouts and the activation $\phi(h)=h+\frac{\varepsilon}{2}h^2$:
#
# $$ f(x) = \frac{\alpha}{N}\sum_{i=1}^N \phi(w_i\cdot x),\qquad w_i\sim\mathcal N(0, I_D). $$
#
# As in the paper, the loss uses the centred output,
# $L=\frac1P\sum_\mu\big(f(x_\mu)-f_0(x_\mu)-y_\mu\big)^2$ with $f_0$ the network at initialisation,
# and the learning rate of the weights is $\eta N/\alpha^2$. Then the change of $f$ per step does not
# depend on $\alpha$, but the change of the weights is $\propto 1/\alpha$: for large $\alpha$ the
# network reaches a low training loss with weights that barely move (lazy training, a kernel
# machine with the initial NTK), while for small $\alpha$ the weights, hence the features, move at
# once (rich training). The initial NTK is $K(x,x')=\frac1N\sum_i\phi'(w_i\cdot x)\phi'(w_i\cdot x')\,x\cdot x'$:
# for small $\varepsilon$ it is close to the linear kernel $x\cdot x'$, which cannot represent the
# quadratic target; $\varepsilon$ sets how much of the quadratic part the initial features carry.
#
# ### Sufficient statistics, and an exact and cheap simulation
#
# Because $\phi$ is quadratic,
# $f(x)=\alpha\big(m\cdot x+\frac{\varepsilon}{2}x^\top Mx\big)$ with $m=\frac1N\sum_iw_i$ and
# $M=\frac1N\sum_iw_iw_i^\top$: the network depends on its $N\times D$ weights only through these
# statistics (the paper's sufficient statistics, Sec. 5). The gradient step is the same affine map
# for every neuron, $w_i\leftarrow(I-c\varepsilon G)w_i-cg$ with the residuals $r_\mu$,
# $g=\sum_\mu r_\mu x_\mu$, $G=\sum_\mu r_\mu x_\mu x_\mu^\top$ and $c=2\eta/(\alpha P)$, so $m$ and $M$
# can be updated in closed form at a cost that does not depend on $N$. The test loss over the
# whole input distribution is also a closed form (Isserlis' theorem): for a residual
# $u\cdot x+x^\top Bx$ with $x\sim\mathcal N(0,S)$, $\mathbb E[r^2]=u^\top Su+\operatorname{tr}(BS)^2+2\operatorname{tr}(BSBS)$.
# So the simulation below is exact full-batch GD of the width-$N$ network with an infinite test set.
# The same code trains the *linearised* network (its first-order Taylor expansion at
# initialisation: the $\alpha\to\infty$ limit), and the ridgeless NTK regression predictor is a
# quadratic form whose test loss is computed the same way.
# The implementation is `src/repro/papers/theory/lazy_rich_dynamics.py`; its tests
# (`tests/papers/theory/test_lazy_rich_dynamics.py`) check the reduced dynamics against explicit GD on the
# weights, the test-loss formula against Monte Carlo and hand-computed cases, and that the
# linearised network converges to NTK regression and does not depend on $\alpha$.

# %%
print(inspect.getsource(lrd.simulate))
print(inspect.getsource(lrd.delay_ratio))

# %% [markdown]
# ## Experiment: sweeping the laziness $\alpha$
#
# For each draw we sample a task ($D$ inputs, $P=5.5D$ training points, as in the paper) and one
# set of initial weights, and train the network with every $\alpha$ of the grid and both
# $\varepsilon$ from the same initial weights. We record both losses every few steps and compute the
# test loss of ridgeless kernel regression with the initial NTK (for each $\varepsilon$).

# %%
def one_draw(rep_seed):
    rng = np.random.default_rng(rep_seed)
    task = lrd.make_task(rng, DIM, N_TRAIN)
    W0 = rng.standard_normal((WIDTH, DIM))
    out = {}
    for eps in EPSILONS:
        u, A = lrd.ntk_regression(task, W0, eps)
        out[eps] = {"kernel": lrd.quadratic_mse(u, A, task.beta),
                    "runs": {a: lrd.simulate(task, W0, a, eps, LR, STEPS, record_every=RECORD) for a in ALPHAS}}
    return out


draws = [one_draw(s) for s in progress(draw_seeds, desc="draws")]
delay, censored, plateau, final_rel = {}, {}, {}, {}
for eps in EPSILONS:
    for a in ALPHAS:
        dr = [lrd.delay_ratio(d[eps]["runs"][a]) for d in draws]
        delay[eps, a] = np.array([v for v, _ in dr])
        censored[eps, a] = int(sum(c for _, c in dr))
        final_rel[eps, a] = np.array([d[eps]["runs"][a].test[-1] / d[eps]["kernel"] for d in draws])
        plateau[eps, a] = np.array([lrd.test_loss_at_fit(d[eps]["runs"][a]) / d[eps]["kernel"] for d in draws])
norm_growth = min(float(r.weight_norm2[-1] / r.weight_norm2[0])
                  for d in draws for eps in EPSILONS for r in d[eps]["runs"].values())
for eps in EPSILONS:
    for a in ALPHAS:
        print(f"eps={eps:<5g} alpha={a:<4g} delay t_test/t_train per draw: {np.round(delay[eps, a], 1)}"
              f" ({censored[eps, a]} censored); test at t_train / kernel: {np.round(plateau[eps, a], 2)};"
              f" final test / kernel: {np.round(final_rel[eps, a], 3)}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, eps in zip(axes[:2], EPSILONS):
    d0 = draws[0][eps]
    init = d0["runs"][ALPHAS[0]].test[0]
    for c, a in enumerate(ALPHAS):
        tr = d0["runs"][a]
        ax.plot(tr.steps[1:], tr.train[1:] / init, "--", color=COLORS[c], lw=1.2)
        ax.plot(tr.steps[1:], tr.test[1:] / init, "-", color=COLORS[c], label=f"α = {a:g}")
    ax.axhline(d0["kernel"] / init, color="k", ls=":", label="initial-NTK kernel regression")
    ax.axhline(0.1, color="grey", lw=0.8)
    ax.set(xscale="log", yscale="log", ylim=(1e-3, 2), xlabel="GD step", ylabel="loss / initial test loss",
           title=f"Test (solid), train (dashed), draw 0, ε = {eps:g}")
    ax.legend(fontsize=7, loc="lower left")
ax = axes[2]
for c, eps in enumerate(EPSILONS):
    for k in range(N_DRAWS):
        ax.plot(ALPHAS, [delay[eps, a][k] for a in ALPHAS], "o", color=COLORS[c], alpha=0.4, ms=4)
    ax.plot(ALPHAS, [np.exp(np.log(delay[eps, a]).mean()) for a in ALPHAS], "-o", color=COLORS[c],
            label=f"ε = {eps:g}, geometric mean")
ax.axhline(2, color="grey", lw=0.8, ls=":")
ax.set(xscale="log", yscale="log", xlabel="output scale α (laziness)", ylabel="t_test / t_train",
       title="Delay between fitting and generalising")
ax.set_xticks(ALPHAS, [f"{a:g}" for a in ALPHAS])
ax.set_xticks([], minor=True)
ax.legend(fontsize=7)
fig.tight_layout()
plt.show()

# %% [markdown]
# The left panels show one draw at each $\varepsilon$: whether a lazy run sits on the dotted
# kernel-regression level when its train loss is low, and whether it later falls below that level,
# is what the claims `kernel_plateau` and `groks_past_kernel` measure over all draws (results
# below). The right panel shows the delay of every draw.

# %% [markdown]
# ## Results

# %%
for eps in EPSILONS:
    for lo, hi in zip(ALPHAS[:-1], ALPHAS[1:]):
        claims.record("delay_grows", method=np.log(delay[eps, hi]), baseline=np.log(delay[eps, lo]),
                      setting=f"eps {eps:g}, alpha {lo:g} -> {hi:g}")
    for a in ALPHAS:
        claims.record("groks_past_kernel", method=np.log(final_rel[eps, a]), baseline=np.zeros(N_DRAWS),
                      setting=f"eps {eps:g}, alpha {a:g}")
    for a in LAZY:
        claims.record("kernel_plateau", values=np.abs(plateau[eps, a] - 1), setting=f"eps {eps:g}, alpha {a:g}")
    claims.record("rich_no_delay", values=delay[eps, ALPHAS[0]], setting=f"eps {eps:g}")
claims.record("norm_grows", value=norm_growth)
claims.results()

# %% tags=["nbval-check-output"]
claims.report()

# %% [markdown]
# ## Verdict
#
# The verdict of each claim is in the report above, with every measurement in the results cell
# before it. The headline asks whether the delay between fitting the training set and generalising
# grows with the output scale $\alpha$, draw by draw, at every step of the catalog's grid and at both
# $\varepsilon$; `groks_past_kernel` asks whether the networks then leave the kernel solution behind
# (a network that never generalises within the budget fails it, and its delay is censored, so the
# headline's interval is then a lower bound); `kernel_plateau` asks whether the lazy networks first
# sit on the initial-NTK kernel-regression level, which is the paper's mechanism. The catalog's
# criterion that the richest network should show no delay (`rich_no_delay`) is kept as declared:
# with $P = 5.5D$ points a 10 % train loss can be reached much sooner than a 10 % test loss even
# without a kernel plateau, so the crossing-time ratio is a coarse measure of "no grokking".
# A value near one in `kernel_plateau` is a snapshot at one moment: it cannot tell a flat stretch at
# the kernel level from a test curve that merely crosses that level while the train loss falls,
# and the left panels should be read with that in mind (the paper's Fig. 1b shows a clear plateau;
# whether our runs show one is visible there, not claimed). In the lazy runs the test loss is
# still falling at the end of the budget, so their delays are censored lower bounds (the
# experiment cell counts them).
# The weight-norm check is only a sanity check: with fixed readouts the function can only grow
# towards a target larger than the initial (centred) output by moving the weights away from their
# initial values.
#
# **Deviations from the paper.**
# - Scale: $D = 32$, $P = 176$, $N = 160$ at quick scale ($D=64$ at full scale; the paper: $D = 100$,
#   $P = 550$, $N = 500$), 8000 GD steps with a function-space learning rate 10 times the paper's
#   ($\eta N/\alpha^2$ with $\eta = 10$): the same gradient flow sampled more coarsely. The dimension
#   was lowered from the legacy chapter's 50 to afford two values of $\varepsilon$ and more draws in
#   the CPU budget.
# - We simulate GD exactly through the sufficient statistics $(m, M)$ and use the exact
#   population test loss, instead of training the $N\times D$ weights and evaluating on a finite
#   test set; the unit tests check that this is the same GD.
# - $\varepsilon$ is swept over 0.1 and 0.05 (the claim box says why); the paper varies it more
#   widely. We do not reproduce the DMFT theory curves, the MNIST, transformer and student-teacher
#   experiments, or the dataset-size sweep.
# - The delay is measured with the 10 %-of-initial-loss crossing times, a definition of ours (from
#   the catalog); the paper shows the curves.
