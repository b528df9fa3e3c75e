"""SSIM and multi-scale SSIM as differentiable losses (Snell et al., 2017).

Snell, Ridgeway, Liao, Roads, Mozer and Zemel, "Learning to Generate Images with Perceptual
Similarity Metrics" (ICIP 2017, arXiv:1511.06409) train autoencoders with ``1 - MS-SSIM`` instead
of a pixel loss. The index itself is Wang, Bovik, Sheikh and Simoncelli (2004) for SSIM and Wang,
Simoncelli and Bovik (2003) for its multi-scale version. With local Gaussian-weighted statistics
:math:`\\mu_x, \\mu_y, \\sigma_x^2, \\sigma_y^2, \\sigma_{xy}` at every pixel,

.. math::

    l = \\frac{2\\mu_x\\mu_y + C_1}{\\mu_x^2 + \\mu_y^2 + C_1}, \\qquad
    cs = \\frac{2\\sigma_{xy} + C_2}{\\sigma_x^2 + \\sigma_y^2 + C_2}, \\qquad
    \\mathrm{SSIM} = \\operatorname{mean}(l \\cdot cs),

:math:`C_1 = (K_1 L)^2`, :math:`C_2 = (K_2 L)^2`, :math:`L` the data range. MS-SSIM halves the
image :math:`M - 1` times and combines the mean contrast-structure term of every scale with the
luminance term of the coarsest one,
:math:`\\mathrm{MS\\text{-}SSIM} = \\bar l_M^{\\,w_M} \\prod_{j=1}^{M} \\overline{cs}_j^{\\,w_j}`
(the product of the coarsest scale's two factors is taken as its mean SSIM, the usual practical
form). The weights are Wang et al.'s five-scale exponents truncated to ``M`` scales and
renormalised to sum to one, so ``M = 1`` is plain SSIM.

Images are tensors of shape ``(N, C, H, W)`` with values in ``[0, data_range]``; statistics use
'valid' convolutions (no padding), one channel at a time.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from repro.objectives.reduction import reduce

#: Wang, Simoncelli & Bovik (2003), exponents of scales 1 (finest) to 5.
MS_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def gaussian_kernel(size: int = 5, sigma: float = 1.0, dtype=torch.float32, device=None) -> torch.Tensor:
    """Normalised 1-D Gaussian of odd length ``size``."""
    if size < 1 or size % 2 == 0:
        raise ValueError(f"window size={size} must be a positive odd integer")
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    return g / g.sum()


def gaussian_window(size: int = 5, sigma: float = 1.0, dtype=torch.float32, device=None) -> torch.Tensor:
    """Normalised 2-D Gaussian window: the outer product of two :func:`gaussian_kernel`."""
    g = gaussian_kernel(size, sigma, dtype, device)
    return g[:, None] * g[None, :]


def _band(n: int, g: torch.Tensor) -> torch.Tensor:
    """``(n, n - k + 1)`` matrix whose column j holds ``g`` in rows j..j+k-1 (entry ``[i, j] = g[i - j]``)."""
    k = len(g)
    d = torch.arange(n, device=g.device)[:, None] - torch.arange(n - k + 1, device=g.device)[None, :]
    inside = (d >= 0) & (d < k)
    return torch.where(inside, g[d.clamp(0, k - 1)], torch.zeros((), dtype=g.dtype, device=g.device))


def gaussian_filter(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """'Valid' filtering of every channel of ``x`` (N, C, H, W) with the window ``outer(g, g)``.

    The window is separable, so the filter is two matrix products with banded matrices,
    ``B_H^T x B_W`` (much faster on a CPU than a depthwise convolution for small images).
    """
    g = g.to(x)
    return _band(x.shape[-2], g).T @ x @ _band(x.shape[-1], g)


def ssim_maps(x: torch.Tensor, y: torch.Tensor, g: torch.Tensor, data_range: float = 1.0,
              k1: float = 0.01, k2: float = 0.03) -> tuple[torch.Tensor, torch.Tensor]:
    """Luminance map ``l`` and contrast-structure map ``cs`` of Wang et al. (2004), 'valid' size.

    Local moments are weighted by the 2-D window ``outer(g, g)``, ``g`` a 1-D kernel.
    """
    if x.shape != y.shape or x.dim() != 4:
        raise ValueError(f"expected two (N, C, H, W) tensors of one shape, got {tuple(x.shape)}, {tuple(y.shape)}")
    if min(x.shape[-2:]) < len(g):
        raise ValueError(f"image {tuple(x.shape[-2:])} is smaller than the {len(g)}-pixel window")
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    mx, my, exx, eyy, exy = gaussian_filter(torch.cat([x, y, x * x, y * y, x * y], 1), g).chunk(5, 1)
    sxx, syy, sxy = exx - mx * mx, eyy - my * my, exy - mx * my
    lum = (2 * mx * my + c1) / (mx * mx + my * my + c1)
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    return lum, cs


def ssim(x: torch.Tensor, y: torch.Tensor, *, window_size: int = 5, sigma: float = 1.0,
         data_range: float = 1.0, k1: float = 0.01, k2: float = 0.03) -> torch.Tensor:
    """Per-image SSIM, shape ``(N,)``: the mean of ``l * cs`` over positions and channels."""
    win = gaussian_kernel(window_size, sigma, dtype=x.dtype, device=x.device)
    lum, cs = ssim_maps(x, y, win, data_range, k1, k2)
    return (lum * cs).flatten(1).mean(1)


def ms_ssim(x: torch.Tensor, y: torch.Tensor, *, scales: int = 3, weights=None, window_size: int = 5,
            sigma: float = 1.0, data_range: float = 1.0, k1: float = 0.01, k2: float = 0.03,
            eps: float = 1e-4) -> torch.Tensor:
    """Per-image multi-scale SSIM, shape ``(N,)``, with ``scales`` scales (2x2 average pooling).

    ``weights`` defaults to :data:`MS_WEIGHTS` truncated to ``scales`` and renormalised. Each
    scale's mean term is clamped below at ``eps`` before the fractional power (a mean ``cs`` can be
    negative for anti-correlated images; the clamp keeps the value and its gradient finite).
    """
    if scales < 1:
        raise ValueError(f"scales={scales} must be >= 1")
    if weights is None:
        if scales > len(MS_WEIGHTS):
            raise ValueError(f"default weights cover at most {len(MS_WEIGHTS)} scales; pass weights")
        weights = MS_WEIGHTS[:scales]
    w = torch.as_tensor(weights, dtype=x.dtype, device=x.device)
    if len(w) != scales:
        raise ValueError(f"{len(w)} weights for {scales} scales")
    w = w / w.sum()
    win = gaussian_kernel(window_size, sigma, dtype=x.dtype, device=x.device)
    value = torch.ones(x.shape[0], dtype=x.dtype, device=x.device)
    for j in range(scales):
        lum, cs = ssim_maps(x, y, win, data_range, k1, k2)
        term = (lum * cs if j == scales - 1 else cs).flatten(1).mean(1)
        value = value * term.clamp_min(eps) ** w[j]
        if j < scales - 1:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    return value


def ssim_loss(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean", **kw) -> torch.Tensor:
    """``1 - SSIM(pred, target)`` per image, reduced; keyword arguments go to :func:`ssim`."""
    return reduce(1 - ssim(pred, target, **kw), reduction)


def ms_ssim_loss(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean", **kw) -> torch.Tensor:
    """``1 - MS-SSIM(pred, target)`` per image, reduced: the training loss of Snell et al.

    Keyword arguments (``scales``, ``window_size``, ``sigma``, ...) go to :func:`ms_ssim`.
    """
    return reduce(1 - ms_ssim(pred, target, **kw), reduction)
