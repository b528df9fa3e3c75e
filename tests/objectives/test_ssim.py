"""Tests for repro.objectives.ssim, repro.stats.image_quality and repro.papers.losses.perceptual_ae (Snell et al. 2017)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from repro.objectives.ssim import (gaussian_filter, gaussian_kernel, gaussian_window, ms_ssim,
                                   ms_ssim_loss, ssim, ssim_loss)
from repro.papers.losses.perceptual_ae import (ConvAutoencoder, ConvAutoencoderEnsemble, _crops,
                                               sample_image_patches)
from repro.stats.image_quality import gmsd, prewitt_magnitude, psnr


def _images(n=3, size=32, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, size, size, generator=g, dtype=dtype)
    y = (x + 0.2 * torch.randn(n, 1, size, size, generator=g, dtype=dtype)).clamp(0, 1)
    return x, y


def _ssim_numpy(x, y, size, sigma, L=1.0, k1=0.01, k2=0.03):
    """SSIM of two 2-D arrays by explicit loops over window positions (Wang et al. 2004)."""
    t = np.arange(size) - (size - 1) / 2
    g = np.exp(-t ** 2 / (2 * sigma ** 2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (k1 * L) ** 2, (k2 * L) ** 2
    vals = []
    for i in range(x.shape[0] - size + 1):
        for j in range(x.shape[1] - size + 1):
            a, b = x[i:i + size, j:j + size], y[i:i + size, j:j + size]
            ma, mb = (w * a).sum(), (w * b).sum()
            va, vb = (w * (a - ma) ** 2).sum(), (w * (b - mb) ** 2).sum()
            cov = (w * (a - ma) * (b - mb)).sum()
            vals.append((2 * ma * mb + c1) * (2 * cov + c2) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2)))
    return float(np.mean(vals))


def test_window_is_normalised_separable_gaussian():
    w = gaussian_window(5, 1.0, dtype=torch.float64)
    assert w.sum().item() == pytest.approx(1.0)
    assert torch.allclose(w, w.T)
    assert w[2, 2] == w.max()
    with pytest.raises(ValueError):
        gaussian_kernel(4)


def test_banded_filter_equals_convolution():
    x, _ = _images(2, 12)
    g = gaussian_kernel(5, 1.0, dtype=torch.float64)
    ref = F.conv2d(x, gaussian_window(5, 1.0, dtype=torch.float64)[None, None])
    assert torch.allclose(gaussian_filter(x, g), ref, atol=1e-12)


def test_ssim_of_identical_images_is_one():
    x, _ = _images()
    assert torch.allclose(ssim(x, x), torch.ones(3, dtype=x.dtype))
    assert torch.allclose(ms_ssim(x, x), torch.ones(3, dtype=x.dtype))
    assert ssim_loss(x, x).abs().item() < 1e-12


def test_ssim_is_symmetric_and_below_one():
    x, y = _images()
    assert torch.allclose(ssim(x, y), ssim(y, x))
    assert torch.allclose(ms_ssim(x, y), ms_ssim(y, x))
    assert (ssim(x, y) < 1).all() and (ms_ssim(x, y) < 1).all()


def test_ssim_matches_explicit_numpy_loops_on_tiny_image():
    x, y = _images(1, 8, seed=3)
    ref = _ssim_numpy(x[0, 0].numpy(), y[0, 0].numpy(), 3, 0.8)
    assert ssim(x, y, window_size=3, sigma=0.8).item() == pytest.approx(ref, abs=1e-12)
    ref5 = _ssim_numpy(x[0, 0].numpy(), y[0, 0].numpy(), 5, 1.5, L=2.0)
    assert ssim(x, y, window_size=5, sigma=1.5, data_range=2.0).item() == pytest.approx(ref5, abs=1e-12)


def test_ms_ssim_with_one_scale_is_ssim():
    x, y = _images()
    assert torch.allclose(ms_ssim(x, y, scales=1), ssim(x, y))


def test_ms_ssim_hand_combination_of_scales():
    x, y = _images(2, 16)
    kw = dict(window_size=3, sigma=0.8)
    from repro.objectives.ssim import ssim_maps
    g = gaussian_kernel(3, 0.8, dtype=x.dtype)
    w = torch.tensor([0.0448, 0.2856, 0.3001], dtype=x.dtype)
    w = w / w.sum()
    _, cs1 = ssim_maps(x, y, g)
    x2, y2 = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    _, cs2 = ssim_maps(x2, y2, g)
    s3 = ssim(F.avg_pool2d(x2, 2), F.avg_pool2d(y2, 2), **kw)
    ref = cs1.flatten(1).mean(1) ** w[0] * cs2.flatten(1).mean(1) ** w[1] * s3 ** w[2]
    assert torch.allclose(ms_ssim(x, y, scales=3, **kw), ref)


def test_gradients_match_finite_differences():
    x, y = _images(2, 16)
    x.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a: ssim_loss(a, y, window_size=3, sigma=0.8), (x,))
    assert torch.autograd.gradcheck(lambda a: ms_ssim_loss(a, y, window_size=3, sigma=0.8), (x,))


def test_anticorrelated_images_give_finite_loss_and_gradient():
    x, _ = _images(2, 16)
    y = 1 - x
    x.requires_grad_(True)
    loss = ms_ssim_loss(x, y, window_size=3, sigma=0.8)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(x.grad).all()


def test_reduction_and_shape_errors():
    x, y = _images()
    assert ms_ssim_loss(x, y, reduction="none").shape == (3,)
    assert torch.allclose(ms_ssim_loss(x, y, reduction="sum"), ms_ssim_loss(x, y, reduction="none").sum())
    with pytest.raises(ValueError):
        ssim(x, y[:, :, :8])
    with pytest.raises(ValueError):
        ms_ssim(x, y, scales=4, window_size=5)  # 32 -> 16 -> 8 -> 4 is smaller than the window


def test_psnr_closed_form():
    x, _ = _images()
    assert torch.allclose(psnr((x + 0.1), x), torch.full((3,), 20.0, dtype=x.dtype))
    assert torch.allclose(psnr(x + 0.2, x, data_range=2.0), torch.full((3,), 20.0, dtype=x.dtype))


def test_prewitt_magnitude_of_a_ramp():
    j = torch.arange(10, dtype=torch.float64)
    ramp = (0.05 * j).expand(10, 10)[None, None]  # increases along columns
    assert torch.allclose(prewitt_magnitude(ramp), torch.full((1, 1, 8, 8), 0.1, dtype=torch.float64))


def test_gmsd_zero_for_copy_and_brightness_shift_positive_for_noise():
    x, y = _images(3, 32)
    assert torch.allclose(gmsd(x, x), torch.zeros(3, dtype=x.dtype), atol=1e-12)
    assert torch.allclose(gmsd(x + 0.1, x), torch.zeros(3, dtype=x.dtype), atol=1e-12)
    assert (gmsd(y, x) > 0.01).all()
    blur = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    assert (gmsd(blur, x) > 0).all()


def test_crops_stay_in_their_columns():
    img = np.tile(np.arange(50.0), (20, 1))  # pixel value = column index
    rng = np.random.default_rng(0)
    p = _crops(img, 30, 50, 8, 200, rng)
    assert p.min() >= 30 and p.max() <= 49
    p = _crops(img, 0, 30, 8, 200, rng)
    assert p.max() <= 29


def test_patches_and_autoencoder_shapes():
    tr, te = sample_image_patches(32, 6, 4, seed=1)
    assert tr.shape == (6, 1, 32, 32) and te.shape == (4, 1, 32, 32)
    assert 0 <= tr.min() and tr.max() <= 1
    tr2, _ = sample_image_patches(32, 6, 4, seed=1)
    assert torch.equal(tr, tr2)
    out = ConvAutoencoder(32, 16, 4)(tr)
    assert out.shape == tr.shape and 0 <= out.min() and out.max() <= 1


def test_ensemble_equals_separate_autoencoders_in_values_and_gradients():
    models = []
    for s in range(3):
        torch.manual_seed(s)
        models.append(ConvAutoencoder(16, 8, 4).double())
    ens = ConvAutoencoderEnsemble(models)
    x = torch.rand(5, 3, 16, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    out = ens(x)
    alone = [m(x[:, g:g + 1]) for g, m in enumerate(models)]
    assert torch.allclose(out, torch.cat(alone, 1), atol=1e-12)
    # the summed loss gives each replica exactly its own gradient
    ((out - x) ** 2).mean((0, 2, 3)).sum().backward()
    for g, m in enumerate(models):
        ((alone[g] - x[:, g:g + 1]) ** 2).mean().backward()
    assert torch.allclose(ens.conv1.weight.grad[4:8], models[1].encoder[0].weight.grad, atol=1e-12)
    assert torch.allclose(ens.enc_w.grad[2], models[2].encoder[5].weight.grad, atol=1e-12)
    assert torch.allclose(ens.deconv2.bias.grad[1:2], models[1].decoder[5].bias.grad, atol=1e-12)
    # a replica extracted from the ensemble is the stand-alone network again
    with torch.no_grad():
        assert torch.allclose(ens.replica(2)(x[:, 2:3]), out[:, 2:3], atol=1e-12)
