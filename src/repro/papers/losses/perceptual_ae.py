"""Data and model of the MS-SSIM autoencoder chapter (Snell et al., 2017).

* :func:`sample_image_patches`: grayscale patches cut from scikit-learn's two bundled photographs
  (``china.jpg``, ``flower.jpg``), with train and test patches taken from disjoint regions of each
  photograph, so that every test patch shows pixels no model was trained on;
* :class:`ConvAutoencoder`: a small deterministic convolutional autoencoder with a dense
  bottleneck and a sigmoid output (SSIM needs a known data range, here [0, 1]);
* :class:`ConvAutoencoderEnsemble`: several independent replicas of it run as one grouped network,
  so that replicates train together at the cost of little more than one.
"""
from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn


def grayscale_photos(downscale: int = 2) -> list[np.ndarray]:
    """scikit-learn's sample photographs as float grayscale arrays in [0, 1].

    Luma ``0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601), then the mean over ``downscale`` x
    ``downscale`` blocks (427 x 640 becomes 213 x 320 for ``downscale=2``). The decoded photographs
    are cached; each call returns fresh copies.
    """
    return [g.copy() for g in _grayscale_photos(downscale)]


@functools.lru_cache(maxsize=4)
def _grayscale_photos(downscale: int) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_sample_images

    out = []
    for img in load_sample_images().images:
        g = img.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0
        h, w = (s // downscale * downscale for s in g.shape)
        g = g[:h, :w].reshape(h // downscale, downscale, w // downscale, downscale).mean((1, 3))
        g.setflags(write=False)
        out.append(g)
    return tuple(out)


def _crops(img: np.ndarray, col0: int, col1: int, size: int, n: int, rng: np.random.Generator) -> np.ndarray:
    if col1 - col0 < size or img.shape[0] < size:
        raise ValueError(f"region of width {col1 - col0} cannot hold {size}-pixel patches")
    r = rng.integers(0, img.shape[0] - size + 1, n)
    c = rng.integers(col0, col1 - size + 1, n)
    return np.stack([img[i:i + size, j:j + size] for i, j in zip(r, c)])


def sample_image_patches(size: int = 32, n_train: int = 2000, n_test: int = 400, seed: int = 0,
                         test_fraction: float = 0.3, downscale: int = 2,
                         dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Random ``size`` x ``size`` grayscale patches, shape ``(n, 1, size, size)``, values in [0, 1].

    In each photograph the rightmost ``test_fraction`` of the columns is the test region and the
    rest the training region; a patch lies entirely inside one region, so train and test patches
    share no pixel. Both photographs contribute half of each set. The crop positions depend on
    ``seed``; the regions do not.
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for k, img in enumerate(grayscale_photos(downscale)):
        cut = int(round(img.shape[1] * (1 - test_fraction)))
        ntr = n_train // 2 + (n_train % 2 if k == 0 else 0)
        nte = n_test // 2 + (n_test % 2 if k == 0 else 0)
        train.append(_crops(img, 0, cut, size, ntr, rng))
        test.append(_crops(img, cut, img.shape[1], size, nte, rng))
    to = lambda a: torch.tensor(np.concatenate(a)[:, None], dtype=dtype)  # noqa: E731
    return to(train), to(test)


class ConvAutoencoder(nn.Module):
    """Conv encoder (two stride-2 4x4 convolutions) -> dense code -> mirrored decoder -> sigmoid.

    An image of side ``size`` (a multiple of 4) is mapped to ``code`` numbers; with ``code`` much
    smaller than ``size**2`` the reconstruction must discard detail, and what it keeps depends on
    the training loss.
    """

    def __init__(self, size: int = 32, code: int = 64, width: int = 16):
        super().__init__()
        if size % 4:
            raise ValueError(f"size={size} must be a multiple of 4")
        s = size // 4
        self.encoder = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.ReLU(),
            nn.Flatten(), nn.Linear(2 * width * s * s, code))
        self.decoder = nn.Sequential(
            nn.Linear(code, 2 * width * s * s), nn.ReLU(), nn.Unflatten(1, (2 * width, s, s)),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


class ConvAutoencoderEnsemble(nn.Module):
    """``G`` independent :class:`ConvAutoencoder` replicas evaluated in one pass (grouped convolutions).

    Built from a list of trained or freshly initialised autoencoders (their weights are copied, so
    replica ``g`` starts exactly where ``models[g]`` is). Input and output have shape
    ``(N, G, size, size)``: channel ``g`` is an image for replica ``g``, and replica ``g``'s output
    depends only on channel ``g`` and on its own weights. Training the ensemble on the *sum* of the
    replicas' losses therefore gives every replica exactly its own gradient, so with an elementwise
    optimiser (Adam, SGD) each replica follows the trajectory it would follow alone on the same
    batches, up to floating-point rounding; it only saves the per-call overhead of running ``G``
    tiny networks one after the other.
    """

    def __init__(self, models: list[ConvAutoencoder]):
        super().__init__()
        ref = models[0]
        G = len(models)
        enc, dec = ref.encoder, ref.decoder
        width = enc[0].out_channels
        self.groups, self.code = G, enc[5].out_features
        self.side = dec[2].unflattened_size[-1]
        self.conv1 = nn.Conv2d(G, G * width, 4, 2, 1, groups=G)
        self.conv2 = nn.Conv2d(G * width, G * 2 * width, 4, 2, 1, groups=G)
        self.deconv1 = nn.ConvTranspose2d(G * 2 * width, G * width, 4, 2, 1, groups=G)
        self.deconv2 = nn.ConvTranspose2d(G * width, G, 4, 2, 1, groups=G)
        self.to(enc[0].weight)  # dtype and device of the replicas
        cat = lambda get: torch.cat([get(m).detach() for m in models])  # noqa: E731
        stack = lambda get: torch.stack([get(m).detach() for m in models])  # noqa: E731
        with torch.no_grad():
            for mine, i, part in [(self.conv1, 0, "encoder"), (self.conv2, 2, "encoder"),
                                  (self.deconv1, 3, "decoder"), (self.deconv2, 5, "decoder")]:
                mine.weight.copy_(cat(lambda m: getattr(m, part)[i].weight))
                mine.bias.copy_(cat(lambda m: getattr(m, part)[i].bias))
        self.enc_w = nn.Parameter(stack(lambda m: m.encoder[5].weight))  # (G, code, features)
        self.enc_b = nn.Parameter(stack(lambda m: m.encoder[5].bias))
        self.dec_w = nn.Parameter(stack(lambda m: m.decoder[0].weight))  # (G, features, code)
        self.dec_b = nn.Parameter(stack(lambda m: m.decoder[0].bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, G = x.shape[:2]
        h = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        h = h.reshape(n, G, -1).transpose(0, 1)  # (G, n, features), each replica's own flattening
        z = torch.baddbmm(self.enc_b[:, None], h, self.enc_w.transpose(1, 2))
        h = torch.relu(torch.baddbmm(self.dec_b[:, None], z, self.dec_w.transpose(1, 2)))
        h = h.transpose(0, 1).reshape(n, -1, self.side, self.side)
        return torch.sigmoid(self.deconv2(torch.relu(self.deconv1(h))))

    def replica(self, g: int) -> ConvAutoencoder:
        """A stand-alone :class:`ConvAutoencoder` with replica ``g``'s current weights."""
        width = self.conv1.out_channels // self.groups
        m = ConvAutoencoder(4 * self.side, self.code, width).to(self.enc_w)
        w1, w2 = width, 2 * width
        with torch.no_grad():
            m.encoder[0].weight.copy_(self.conv1.weight[g * w1:(g + 1) * w1])
            m.encoder[0].bias.copy_(self.conv1.bias[g * w1:(g + 1) * w1])
            m.encoder[2].weight.copy_(self.conv2.weight[g * w2:(g + 1) * w2])
            m.encoder[2].bias.copy_(self.conv2.bias[g * w2:(g + 1) * w2])
            m.encoder[5].weight.copy_(self.enc_w[g])
            m.encoder[5].bias.copy_(self.enc_b[g])
            m.decoder[0].weight.copy_(self.dec_w[g])
            m.decoder[0].bias.copy_(self.dec_b[g])
            m.decoder[3].weight.copy_(self.deconv1.weight[g * w2:(g + 1) * w2])
            m.decoder[3].bias.copy_(self.deconv1.bias[g * w1:(g + 1) * w1])
            m.decoder[5].weight.copy_(self.deconv2.weight[g * w1:(g + 1) * w1])
            m.decoder[5].bias.copy_(self.deconv2.bias[g:g + 1])
        return m
