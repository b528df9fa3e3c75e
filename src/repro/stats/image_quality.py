"""Full-reference image-quality metrics: PSNR and GMSD (evaluation only, never a training loss).

* PSNR, :math:`10 \\log_{10}(L^2 / \\mathrm{MSE})` per image, the pixel-fidelity score an
  :math:`\\ell_2` loss maximises.
* GMSD, gradient magnitude similarity deviation (Xue, Zhang, Mou and Bovik, IEEE TIP 2014): both
  images are averaged over 2x2 blocks and filtered with the 3x3 Prewitt kernels; with gradient
  magnitudes :math:`m_r, m_d` the local similarity is
  :math:`\\mathrm{GMS} = (2 m_r m_d + c) / (m_r^2 + m_d^2 + c)` and GMSD is the *standard deviation*
  of the GMS map (0 for a perfect copy; larger is worse). It was built to predict human quality
  ratings, shares no formula with SSIM, and serves here as a perceptual proxy independent of the
  training losses. :math:`c = 170 / 255^2` is the authors' constant rescaled to images in [0, 1].

SSIM and MS-SSIM are in :mod:`repro.objectives.ssim`. Images are ``(N, C, H, W)`` tensors.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

#: Xue et al.'s constant (170 for 8-bit images) rescaled to the range [0, 1].
GMSD_C = 170.0 / 255.0 ** 2


def psnr(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """Per-image peak signal-to-noise ratio in dB, shape ``(N,)`` (``inf`` for identical images)."""
    mse = ((x - y) ** 2).flatten(1).mean(1)
    return 10 * torch.log10(data_range ** 2 / mse)


def prewitt_magnitude(x: torch.Tensor) -> torch.Tensor:
    """Gradient magnitude with the 3x3 Prewitt kernels (each divided by 3), 'valid' size."""
    hx = torch.tensor([[1.0, 0.0, -1.0]] * 3, dtype=x.dtype, device=x.device) / 3
    k = torch.stack([hx, hx.T])[:, None]  # (2, 1, 3, 3): horizontal and vertical derivative
    n, c, h, w = x.shape
    g = F.conv2d(x.reshape(n * c, 1, h, w), k)
    return torch.sqrt((g ** 2).sum(1) + 1e-12).reshape(n, c, h - 2, w - 2)


def gmsd(x: torch.Tensor, y: torch.Tensor, *, data_range: float = 1.0, downsample: bool = True,
         c: float = GMSD_C) -> torch.Tensor:
    """Per-image GMSD of distorted ``x`` against reference ``y``, shape ``(N,)``; lower is better."""
    if x.shape != y.shape or x.dim() != 4:
        raise ValueError(f"expected two (N, C, H, W) tensors of one shape, got {tuple(x.shape)}, {tuple(y.shape)}")
    x, y = x / data_range, y / data_range
    if downsample:
        x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    mx, my = prewitt_magnitude(x), prewitt_magnitude(y)
    gms = (2 * mx * my + c) / (mx ** 2 + my ** 2 + c)
    return gms.flatten(1).std(1, unbiased=False)
