"""Standard metrics of the book against the libraries that own them, on the same inputs.

Each test names its reference (torchmetrics, scikit-learn, scipy, POT) and tolerance; convention
differences are stated where they exist. Image metrics (SSIM, MS-SSIM, PSNR) are in
``tests/objectives/test_ssim_reference.py``; kernels, KRR and GPs in
``tests/gp/test_reference_libraries.py``; Hessian eigenvalues in
``tests/curvature/test_hessian_reference.py``.
"""
from __future__ import annotations

import numpy as np
import ot
import pytest
import scipy.stats
import torch
from scipy.special import logsumexp
from sklearn import metrics as skm
from sklearn.linear_model import LinearRegression
from sklearn.metrics.pairwise import rbf_kernel as sk_rbf_kernel
from torchmetrics.functional.classification import multiclass_calibration_error

from repro.curvature.batch_hessian import fit_inverse_batch
from repro.gp.regression import gaussian_nll
from repro.objectives import anyloss
from repro.papers.kernels import functional_prior as fp
from repro.scaling.fits import fit_power_law, loglog_slope
from repro.scaling.multivariate import r_squared, rmse
from repro.stats import calibration
from repro.stats.intervals import interval, mean_ci, paired_difference
from repro.stats.metrics import accuracy, mmd2_rbf, mse, topk_accuracy


# ----------------------------------------------------------------------------------------------
# Expected calibration error


def _softmax_probs(n, k, seed, temperature=1.5):
    rng = np.random.default_rng(seed)
    logits = temperature * rng.standard_normal((n, k))
    logits[np.arange(n), rng.integers(0, k, n)] += 1.0  # some signal, so accuracy is not 1/k
    p = np.exp(logits - logits.max(1, keepdims=True))
    p = p / p.sum(1, keepdims=True)
    # round to float32 so that torchmetrics (which casts confidences to float32) sees the same numbers
    p = p.astype(np.float32).astype(np.float64)
    labels = np.where(rng.random(n) < 0.6, p.argmax(1), rng.integers(0, k, n))
    return p, labels


@pytest.mark.parametrize("k, n_bins, seed", [(5, 15, 0), (10, 15, 1), (2, 10, 2), (3, 20, 3)])
def test_ece_matches_torchmetrics(k, n_bins, seed):
    """``calibration.ece`` (equal-width bins) vs torchmetrics ``multiclass_calibration_error(norm='l1')``.

    Both use top-class confidence, bins ``[i/n, (i+1)/n)``, and weight ``|acc - conf|`` by the bin
    share. Conventions differ on bin *edges* (ours ``floor(conf * n)`` in float64, torchmetrics
    ``bucketize`` against a float32 ``linspace``) and at ``conf == 1`` (see the next test), so the
    inputs are checked to lie > 1e-5 from every edge and below 1. atol 1e-6 (float32 in torchmetrics).
    """
    p, labels = _softmax_probs(600, k, seed)
    conf = p.max(1)
    assert np.min(np.abs(conf * n_bins - np.round(conf * n_bins))) > 1e-5 * n_bins and conf.max() < 1
    ours = calibration.ece(p, labels, n_bins=n_bins)
    ref = multiclass_calibration_error(torch.tensor(p), torch.tensor(labels), num_classes=k, n_bins=n_bins,
                                       norm="l1").item()
    assert ours == pytest.approx(ref, abs=1e-6)
    assert ours > 0.02  # a miscalibrated input, not a comparison of two zeros


def test_ece_convention_at_confidence_one_differs_from_torchmetrics():
    """Documented convention difference: ours puts ``conf == 1`` in the last bin ``[1 - 1/n, 1]``;
    torchmetrics' ``bucketize(right=True)`` gives it a bin of its own. They differ only when that
    last bin mixes points with ``acc - conf`` of both signs. Here: a wrong prediction at conf 1
    and a right one at conf 0.92, 10 bins: ours ``|0.5 - 0.96| = 0.46``; torchmetrics
    ``0.5 * 0.08 + 0.5 * 1 = 0.54``."""
    p = np.array([[1.0, 0.0], [0.92, 0.08]])
    labels = np.array([1, 0])
    assert calibration.ece(p, labels, n_bins=10) == pytest.approx(0.46, abs=1e-12)
    ref = multiclass_calibration_error(torch.tensor(p), torch.tensor(labels), num_classes=2, n_bins=10)
    assert ref.item() == pytest.approx(0.54, abs=1e-6)


# ----------------------------------------------------------------------------------------------
# Classification metrics


def test_accuracy_and_topk_accuracy_match_sklearn():
    """``accuracy`` / ``topk_accuracy`` vs ``sklearn.metrics.accuracy_score`` /
    ``top_k_accuracy_score`` (continuous random logits, so no ties; exact up to 1e-15)."""
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(300, 7, generator=g, dtype=torch.float64)
    y = torch.randint(0, 7, (300,), generator=g)
    assert accuracy(logits, y) == pytest.approx(skm.accuracy_score(y, logits.argmax(1)), abs=1e-15)
    for k in (1, 2, 5):
        ref = skm.top_k_accuracy_score(y.numpy(), logits.numpy(), k=k, labels=np.arange(7))
        assert topk_accuracy(logits, y, k) == pytest.approx(ref, abs=1e-15)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_anyloss_confusion_metrics_match_sklearn(threshold):
    """The AnyLoss chapter's confusion-matrix metrics on hard predictions ``score >= threshold`` vs
    scikit-learn: ``confusion_matrix``, ``accuracy_score``, ``f1_score``, ``fbeta_score``,
    ``balanced_accuracy_score``, and the geometric mean as ``sqrt(recall(1) * recall(0))``
    (imbalanced-learn's ``geometric_mean_score`` for binary labels). Tolerance 1e-12."""
    g = torch.Generator().manual_seed(1)
    y = (torch.rand(200, generator=g) < 0.3).double()
    scores = torch.sigmoid(2 * (y - 0.5) + torch.randn(200, generator=g, dtype=torch.float64))
    tn, fp, fn, tp = anyloss.hard_confusion(scores, y, threshold)
    pred = (scores >= threshold).numpy().astype(int)
    yt = y.numpy().astype(int)
    assert [float(v) for v in (tn, fp, fn, tp)] == skm.confusion_matrix(yt, pred).ravel().tolist()
    ref = {"accuracy": skm.accuracy_score(yt, pred), "f1": skm.f1_score(yt, pred),
           "balanced_accuracy": skm.balanced_accuracy_score(yt, pred),
           "gmean": np.sqrt(skm.recall_score(yt, pred, pos_label=1) * skm.recall_score(yt, pred, pos_label=0))}
    for name, want in ref.items():
        assert float(anyloss.metric(name, tn, fp, fn, tp)) == pytest.approx(want, abs=1e-12), name
    assert float(anyloss.metric("fbeta", tn, fp, fn, tp, beta=2.0)) == pytest.approx(
        skm.fbeta_score(yt, pred, beta=2.0), abs=1e-12)


# ----------------------------------------------------------------------------------------------
# Regression metrics and fits


def test_regression_metrics_match_sklearn():
    """``mse``, ``rmse``, ``r_squared`` vs ``mean_squared_error``, ``root_mean_squared_error``,
    ``r2_score`` (1e-12 relative)."""
    rng = np.random.default_rng(2)
    y = rng.standard_normal(50)
    pred = y + 0.5 * rng.standard_normal(50)
    assert mse(pred, y) == pytest.approx(skm.mean_squared_error(y, pred), rel=1e-12)
    assert rmse(y, pred) == pytest.approx(skm.root_mean_squared_error(y, pred), rel=1e-12)
    assert r_squared(y, pred) == pytest.approx(skm.r2_score(y, pred), rel=1e-12)


def test_fit_inverse_batch_matches_sklearn_linear_regression():
    """``fit_inverse_batch`` (lam = a + c / B) vs ``LinearRegression`` on the feature 1/B and
    ``r2_score`` of its fit (1e-10)."""
    rng = np.random.default_rng(3)
    B = np.array([8, 16, 32, 64, 128, 256, 512], float)
    lam = 2.0 + 30.0 / B + 0.05 * rng.standard_normal(len(B))
    a, c, r2 = fit_inverse_batch(B, lam)
    ref = LinearRegression().fit((1 / B)[:, None], lam)
    assert a == pytest.approx(ref.intercept_, rel=1e-10) and c == pytest.approx(ref.coef_[0], rel=1e-10)
    assert r2 == pytest.approx(skm.r2_score(lam, ref.predict((1 / B)[:, None])), rel=1e-10)


def test_power_law_fit_matches_scipy_linregress():
    """``fit_power_law`` / ``loglog_slope`` vs ``scipy.stats.linregress`` on (log x, log y) (1e-10)."""
    rng = np.random.default_rng(4)
    x = np.geomspace(10, 1e4, 12)
    y = 3.0 * x ** -0.7 * np.exp(0.1 * rng.standard_normal(12))
    ref = scipy.stats.linregress(np.log(x), np.log(y))
    a, b = fit_power_law(x, y)
    assert b == pytest.approx(-ref.slope, rel=1e-10) and a == pytest.approx(np.exp(ref.intercept), rel=1e-10)
    assert loglog_slope(x, y) == pytest.approx(ref.slope, rel=1e-10)


# ----------------------------------------------------------------------------------------------
# Likelihoods


def test_gaussian_nll_matches_scipy_norm():
    """``gaussian_nll`` vs ``-mean(scipy.stats.norm.logpdf)`` (1e-12)."""
    rng = np.random.default_rng(5)
    y, m, v = rng.standard_normal(40), rng.standard_normal(40), rng.uniform(0.1, 2.0, 40)
    ref = -np.mean(scipy.stats.norm.logpdf(y, loc=m, scale=np.sqrt(v)))
    assert gaussian_nll(y, m, v) == pytest.approx(ref, rel=1e-12)


def test_predictive_scores_match_scipy_mixture_density():
    """Functional-prior chapter's RMSE and mixture NLL vs sklearn's ``root_mean_squared_error`` of
    the sample mean and ``-mean(log mean_s N(y; f_s, noise))`` from ``scipy.stats.norm`` (1e-12)."""
    rng = np.random.default_rng(6)
    preds, y, noise = rng.standard_normal((25, 30)), rng.standard_normal(30), 0.3
    r, nll = fp.predictive_scores(preds, y, noise)
    dens = scipy.stats.norm.logpdf(y[None], loc=preds, scale=np.sqrt(noise))
    assert r == pytest.approx(skm.root_mean_squared_error(y, preds.mean(0)), rel=1e-12)
    assert nll == pytest.approx(-np.mean(logsumexp(dens, axis=0, b=1 / len(preds))), rel=1e-12)


# ----------------------------------------------------------------------------------------------
# Intervals over runs


def test_t_intervals_match_scipy_ttests():
    """``mean_ci`` / ``interval`` vs ``scipy.stats.ttest_1samp(...).confidence_interval`` and
    ``paired_difference`` vs ``ttest_rel(...).confidence_interval`` (1e-12)."""
    rng = np.random.default_rng(7)
    a, b = rng.normal(1.0, 0.5, 8), rng.normal(0.8, 0.5, 8)
    for level in (0.9, 0.95):
        ref = scipy.stats.ttest_1samp(a, 0.0).confidence_interval(level)
        mean, half = mean_ci(a, level)
        assert mean - half == pytest.approx(ref.low, rel=1e-12) and mean + half == pytest.approx(ref.high, rel=1e-12)
        iv = interval(a, level)
        assert (iv.low, iv.high) == pytest.approx((ref.low, ref.high), rel=1e-12)
        ref = scipy.stats.ttest_rel(a, b).confidence_interval(level)
        iv = paired_difference(a, b, level)
        assert (iv.low, iv.high) == pytest.approx((ref.low, ref.high), rel=1e-12)


# ----------------------------------------------------------------------------------------------
# Distances between distributions


def test_mmd2_rbf_matches_u_statistic_from_sklearn_kernel():
    """No maintained library computes Gretton et al.'s unbiased MMD^2 for arbitrary samples, so
    ``mmd2_rbf`` is checked against the U-statistic written pair by pair with scikit-learn's
    ``rbf_kernel(gamma = 1 / (2 h^2))`` (1e-12)."""
    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((15, 3)), rng.standard_normal((12, 3)) + 0.4
    h = 1.3
    kxx, kyy, kxy = (sk_rbf_kernel(A, B, gamma=1 / (2 * h ** 2)) for A, B in ((X, X), (Y, Y), (X, Y)))
    m, n = len(X), len(Y)
    xx = sum(kxx[i, j] for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(kyy[i, j] for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(kxy[i, j] for i in range(m) for j in range(n)) / (m * n)
    assert mmd2_rbf(X, Y, h) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_wasserstein_critic_estimate_matches_pot_emd():
    """The functional-prior chapter's W1 estimate (a WGAN-GP critic, ``fp.train_critic``) vs the
    exact W1 of the same two 2-D empirical measures from POT (``ot.emd2``, Euclidean cost).

    The critic value would be a lower bound on W1 if the critic were exactly 1-Lipschitz; the
    gradient penalty only enforces that softly, and here the estimate *exceeds* the exact in-sample
    W1 (1.327 vs 1.230, +8%). It is a neural, stochastic estimate, so the tolerance is 12% relative,
    not round-off; the exact value is not analytic here (different covariances). It must also
    separate the pair from a same-distribution pair.
    """
    g = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    n = 400
    scale, shift = torch.tensor([1.5, 0.5]), torch.tensor([1.0, -0.5])
    a = torch.randn(n, 2, generator=g)
    b = torch.randn(n, 2, generator=g) * scale + shift
    w = np.full(n, 1.0 / n)
    exact = ot.emd2(w, w, ot.dist(a.double().numpy(), b.double().numpy(), metric="euclidean"))
    phi = fp.train_critic(fp.critic(2, 64), a, b, 300, lr=0.05, generator=g)
    with torch.no_grad():
        est = (phi(a).mean() - phi(b).mean()).item()
    assert est == pytest.approx(exact, rel=0.12)
    b0 = torch.randn(n, 2, generator=g)
    exact0 = ot.emd2(w, w, ot.dist(a.double().numpy(), b0.double().numpy(), metric="euclidean"))
    phi0 = fp.train_critic(fp.critic(2, 64), a, b0, 300, lr=0.05, generator=g)
    with torch.no_grad():
        est0 = (phi0(a).mean() - phi0(b0).mean()).item()
    assert est0 < exact0 < 0.5 * exact  # equal laws: small finite-sample W1 (0.226), critic 0.083
