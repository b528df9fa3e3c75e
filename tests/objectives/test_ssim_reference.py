"""SSIM, MS-SSIM and PSNR of the book against the libraries that own them.

References: ``pytorch_msssim`` (Gongfan Fang's implementation of Wang et al. 2004 / 2003) and
``torchmetrics.functional.image``. Conventions, and where each library differs from
:mod:`repro.objectives.ssim`:

* window: ours is a normalised ``window_size``-tap Gaussian of standard deviation ``sigma``, as is
  ``pytorch_msssim`` (``win_size``, ``win_sigma``). torchmetrics ignores ``kernel_size`` when
  ``gaussian_kernel=True`` and uses ``2 * int(3.5 * sigma + 0.5) + 1`` taps (9 for ``sigma=1``, 5
  for ``sigma=0.6``), so it is compared with ``window_size`` set to that length.
* borders: ours and ``pytorch_msssim`` average the SSIM map over 'valid' positions only.
  torchmetrics reflect-pads the image and averages the full-size map, so its *scalar* differs by
  ~1e-3 on 40x40 images; its ``return_full_image`` map cropped by the window radius is the 'valid'
  map and is what we compare.
* MS-SSIM: ``pytorch_msssim`` raises each scale's mean ``cs`` (and the coarsest mean SSIM) to the
  given weights, per channel, then averages channels; ours averages over channels first. The two
  agree for one-channel images, which is how the book uses MS-SSIM (``msssim_loss`` reshapes every
  image to one channel); for C > 1 they differ (~6e-6 on 3-channel 72x72 images, see the report).
  ``pytorch_msssim`` does not renormalise the weights, so we pass ours (the truncated, renormalised
  exponents). It needs the smaller side > 16 * (win_size - 1), hence 72x72 images for a 5-tap window.
  torchmetrics' MS-SSIM is not used: its coarsest scale uses the reflect-padded full map (above),
  so it differs from both ours and ``pytorch_msssim`` by ~5e-3.
* constants: ``K = (0.01, 0.03)`` and ``data_range = 1`` everywhere.

Tolerances: torchmetrics works in the input dtype (float64 here), so agreement is to 1e-12.
``pytorch_msssim`` builds its window in float32 and casts it, so agreement is to 1e-6.
"""
from __future__ import annotations

import pytest
import torch
from pytorch_msssim import ms_ssim as pm_ms_ssim
from pytorch_msssim import ssim as pm_ssim
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

from repro.objectives import ssim as S
from repro.stats.image_quality import psnr


def _pair(n, c, h, w, seed=0, noise=0.1):
    """A reference image in [0, 1] and a noisy, clipped copy (positively correlated, so every
    mean ``cs`` is positive and neither library's relu/clamp is active)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.rand(n, c, h, w, generator=g, dtype=torch.float64)
    x = (y + noise * torch.randn(n, c, h, w, generator=g, dtype=torch.float64)).clamp(0, 1)
    return x, y


def _renormalised(scales):
    w = torch.tensor(S.MS_WEIGHTS[:scales], dtype=torch.float64)
    return (w / w.sum()).tolist()


@pytest.mark.parametrize("c", [1, 3])
@pytest.mark.parametrize("window_size, sigma", [(5, 1.0), (11, 1.5)])
def test_ssim_matches_pytorch_msssim(c, window_size, sigma):
    """Per-image SSIM vs ``pytorch_msssim.ssim(size_average=False)``: same 'valid' map, mean over
    positions and channels; atol 1e-6 (float32 window in the reference)."""
    x, y = _pair(4, c, 40, 40)
    ours = S.ssim(x, y, window_size=window_size, sigma=sigma, data_range=1.0)
    ref = pm_ssim(x, y, data_range=1.0, size_average=False, win_size=window_size, win_sigma=sigma)
    assert ours.shape == ref.shape == (4,)
    torch.testing.assert_close(ours, ref, atol=1e-6, rtol=0)
    assert (ours < 0.99).all()  # not a trivial near-1 comparison


@pytest.mark.parametrize("sigma, taps", [(1.0, 9), (0.6, 5), (1.5, 11)])
def test_ssim_matches_torchmetrics_valid_map(sigma, taps):
    """SSIM vs torchmetrics ``structural_similarity_index_measure``: torchmetrics' full-size map,
    cropped by the window radius, averaged per image equals ours to 1e-12 (float64). Its scalar
    averages the reflect-padded border too, and differs (asserted, to pin the convention)."""
    x, y = _pair(3, 3, 40, 40, seed=1)
    ours = S.ssim(x, y, window_size=taps, sigma=sigma, data_range=1.0)
    scalar, full = structural_similarity_index_measure(x, y, data_range=1.0, sigma=sigma, reduction="none",
                                                       return_full_image=True)
    r = (taps - 1) // 2
    assert full.shape == x.shape  # the map is full size: torchmetrics chose taps = ``taps``
    valid = full[..., r:-r, r:-r].flatten(1).mean(1)
    torch.testing.assert_close(ours, valid, atol=1e-12, rtol=0)
    assert (scalar - ours).abs().max() > 1e-5


def test_ssim_maps_match_torchmetrics_pointwise():
    """The luminance x contrast-structure map itself, position by position (float64, 1e-12)."""
    x, y = _pair(2, 1, 24, 30, seed=2)
    lum, cs = S.ssim_maps(x, y, S.gaussian_kernel(9, 1.0, dtype=torch.float64))
    _, full = structural_similarity_index_measure(x, y, data_range=1.0, sigma=1.0, reduction="none",
                                                  return_full_image=True)
    torch.testing.assert_close(lum * cs, full[..., 4:-4, 4:-4], atol=1e-12, rtol=0)


@pytest.mark.parametrize("scales", [2, 3, 5])
def test_ms_ssim_matches_pytorch_msssim_one_channel(scales):
    """MS-SSIM (one channel) vs ``pytorch_msssim.ms_ssim`` with our renormalised weights; the
    notebook's configuration (5-tap window, sigma 1, 3 scales) among them; atol 1e-6."""
    size = 72 if scales <= 3 else 96  # > 64 as pytorch_msssim requires; 96 stays even over 4 halvings
    x, y = _pair(3, 1, size, size, seed=3)
    ours = S.ms_ssim(x, y, scales=scales, window_size=5, sigma=1.0, data_range=1.0)
    ref = pm_ms_ssim(x, y, data_range=1.0, size_average=False, win_size=5, win_sigma=1.0,
                     weights=_renormalised(scales))
    torch.testing.assert_close(ours, ref, atol=1e-6, rtol=0)
    # MS-SSIM differs from single-scale SSIM by far more than the tolerance: the scales matter
    assert (ours - S.ssim(x, y, window_size=5, sigma=1.0)).abs().max() > 3e-3


def test_ms_ssim_one_scale_is_pytorch_msssim_ssim():
    """``scales=1`` is plain SSIM: equal to ``pytorch_msssim.ssim`` (atol 1e-6)."""
    x, y = _pair(2, 1, 32, 32, seed=4)
    ref = pm_ssim(x, y, data_range=1.0, size_average=False, win_size=5, win_sigma=1.0)
    torch.testing.assert_close(S.ms_ssim(x, y, scales=1, window_size=5, sigma=1.0), ref, atol=1e-6, rtol=0)


@pytest.mark.parametrize("data_range", [1.0, 255.0])
def test_psnr_matches_torchmetrics(data_range):
    """Per-image PSNR vs torchmetrics ``peak_signal_noise_ratio(dim=(1, 2, 3), reduction='none')``
    with the same fixed ``data_range``; rtol 1e-7 (torchmetrics takes a float32 log of the base)."""
    x, y = _pair(5, 3, 16, 16, seed=5, noise=0.05)
    x, y = x * data_range, y * data_range
    ours = psnr(x, y, data_range=data_range)
    ref = peak_signal_noise_ratio(x, y, data_range=data_range, reduction="none", dim=(1, 2, 3))
    torch.testing.assert_close(ours, ref.to(ours.dtype), rtol=1e-7, atol=0)
    assert (ours > 20).all() and (ours < 40).all()
