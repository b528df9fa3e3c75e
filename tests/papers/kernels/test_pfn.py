import math

import numpy as np
import torch
from scipy import integrate, stats

from repro.gp.kernels import rbf_kernel
from repro.papers.kernels import pfn

BORDERS = torch.tensor([-2.0, -1.0, -0.2, 0.3, 1.5, 2.5])


def test_bar_density_integrates_to_one():
    bar = pfn.BarDistribution(BORDERS)
    logits = torch.tensor([0.3, -1.0, 2.0, 0.1, -0.5])
    f = lambda y: math.exp(float(bar.log_density(logits, torch.tensor(y))))
    pts = [float(b) for b in BORDERS]
    total = sum(integrate.quad(f, a, b)[0] for a, b in zip([-40.0] + pts, pts + [40.0]))
    assert abs(total - 1.0) < 1e-5


def test_bar_nll_on_a_known_inner_bucket():
    bar = pfn.BarDistribution(BORDERS)
    logits = torch.log(torch.tensor([0.1, 0.2, 0.4, 0.2, 0.1]))
    # y = 0 lies in bucket 2, [-0.2, 0.3), width 0.5: density 0.4 / 0.5
    got = float(bar.nll(logits, torch.tensor(0.0)))
    assert abs(got - (-math.log(0.4 / 0.5))) < 1e-6
    # the tail bucket: half-normal with median equal to the bucket width, starting at b_1 = -1
    s = 1.0 / stats.halfnorm.ppf(0.5)
    want = -math.log(0.1) - stats.halfnorm.logpdf(-1.0 - (-3.0), scale=s)
    assert abs(float(bar.nll(logits, torch.tensor(-3.0))) - want) < 1e-5


def test_bar_cdf_quantile_and_mean_are_consistent():
    bar = pfn.BarDistribution(BORDERS)
    logits = torch.tensor([[0.5, 0.0, 1.0, -0.3, 0.2]])
    for q in (0.02, 0.3, 0.5, 0.9, 0.99):
        y = bar.quantile(logits, q)
        assert abs(float(bar.cdf(logits, y)) - q) < 1e-5
    f = lambda y: y * math.exp(float(bar.log_density(logits[0], torch.tensor(y))))
    pts = [float(b) for b in BORDERS]
    m = sum(integrate.quad(f, a, b)[0] for a, b in zip([-40.0] + pts, pts + [40.0]))
    assert abs(float(bar.mean(logits)[0]) - m) < 1e-4


def test_borders_have_equal_mass_and_gaussian_logits_sum_to_one():
    ys = torch.randn(20000, generator=torch.Generator().manual_seed(0))
    b = pfn.borders_from_samples(ys, 10)
    assert len(b) == 11 and float(b[0]) == float(ys.min()) and float(b[-1]) == float(ys.max())
    counts = np.histogram(ys.numpy(), bins=b.numpy())[0]
    assert counts.min() >= 1990 and counts.max() <= 2010
    bar = pfn.BarDistribution(b)
    p = torch.softmax(bar.logits_of_gaussian(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.3])), -1)
    np.testing.assert_allclose(p.sum(-1).numpy(), 1.0, atol=1e-6)
    assert abs(float(p[0, 4] + p[0, 5]) - (stats.norm.cdf(b[6]) - stats.norm.cdf(b[4]))) < 1e-5


def test_gp_datasets_have_the_rbf_covariance_plus_noise():
    g = torch.Generator().manual_seed(1)
    x, y = pfn.sample_gp_datasets(20000, 2, 0.2, 0.05, g)
    assert abs(float(y.var()) - 1.05) < 0.04
    gap = (x[:, 0, 0] - x[:, 1, 0]).abs().double()
    prod = (y[:, 0] * y[:, 1]).double()
    for lo, hi in [(0.0, 0.05), (0.15, 0.25), (0.6, 1.0)]:
        s = (gap >= lo) & (gap < hi)
        want = rbf_kernel(gap[s, None].numpy(), np.zeros((1, 1)), lengthscale=0.2).mean()
        assert abs(float(prod[s].mean()) - want) < 0.05, (lo, hi)


def _inputs(n_ctx=5, T=9, seed=0):
    g = torch.Generator().manual_seed(seed)
    x, y = pfn.sample_gp_datasets(2, T, 0.1, 0.01, g)
    return pfn.pack(x, y, torch.tensor([n_ctx, n_ctx]))


def _model():
    torch.manual_seed(0)
    m = pfn.PFN(n_buckets=7, d_model=16, n_layers=2, n_heads=2).eval()
    for p in m.parameters():  # the zero-initialised output layers would hide any leak
        torch.nn.init.normal_(p, std=0.3)
    return m


def test_attention_mask_queries_do_not_see_each_other():
    mask = pfn.attention_mask(torch.tensor([[1.0, 1.0, 0.0, 0.0]]))[0, 0]
    want = torch.tensor([[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 0, 1]], dtype=torch.bool)
    assert torch.equal(mask, want)
    m = _model()
    inp, _ = _inputs()
    out = m(inp)
    changed = inp.clone()
    changed[:, 6, 0] = 0.123  # move one query
    changed[:, 7, 1] = 5.0  # a label given at a query position must be ignored
    out2 = m(changed)
    keep = [0, 1, 2, 3, 4, 5, 8]
    torch.testing.assert_close(out[:, keep], out2[:, keep], rtol=0, atol=1e-6)
    assert (out[:, 6] - out2[:, 6]).abs().max() > 1e-3  # the moved query itself does change


def test_predictions_are_invariant_to_permuting_the_context():
    m = _model()
    inp, _ = _inputs()
    perm = torch.tensor([3, 0, 4, 2, 1, 5, 6, 7, 8])
    torch.testing.assert_close(m(inp)[:, 5:], m(inp[:, perm])[:, 5:], rtol=0, atol=1e-5)
    # and a context label does matter
    other = inp.clone()
    other[:, 0, 1] += 1.0
    assert (m(inp)[:, 5:] - m(other)[:, 5:]).abs().max() > 1e-3


def test_loss_is_mean_over_queries_and_per_dataset_nll():
    bar = pfn.BarDistribution(torch.linspace(-4, 4, 8))
    m = _model()
    inp, tgt = _inputs()
    with torch.no_grad():
        logits = m(inp)
    nll = bar.nll(logits, tgt[..., 0])
    assert abs(float(pfn.pfn_loss(bar)(logits, tgt)) - float(nll[:, 5:].mean())) < 1e-5
    per = pfn.per_dataset_nll(m, bar, inp, tgt)
    np.testing.assert_allclose(per, nll[:, 5:].mean(1).numpy(), rtol=1e-5)


def test_gp_predictive_one_context_point_closed_form():
    x = torch.tensor([[[0.2], [0.35], [0.9]]])
    y = torch.tensor([[1.5, 0.0, 0.0]])
    mean, std = pfn.gp_predictive(x, y, torch.tensor([1]), lengthscale=0.1, noise=0.01)
    k = np.exp(-np.array([0.15, 0.7]) ** 2 / (2 * 0.01))
    np.testing.assert_allclose(mean[0, 1:], k * 1.5 / 1.01, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(std[0, 1:] ** 2, 1 - k ** 2 / 1.01 + 0.01, rtol=1e-5)
