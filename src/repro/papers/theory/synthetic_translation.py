"""A synthetic translation task and a two-tower (encoder / decoder) MLP whose halves scale separately.

The task stands in for machine translation in the study of encoder/decoder scaling by Ghorbani et
al. (ICLR 2022): a source sentence ``x`` of ``length`` tokens from a vocabulary of ``vocab``
symbols (i.i.d. uniform) is translated position by position; target position ``t`` reads two source
positions ``a_t, b_t`` (a reordering), combines them as ``(x[a_t] + x[b_t]) mod vocab`` and maps the
result through a per-position random bijection ``sigma_t`` (a lexicon). With probability ``noise``
the target token is replaced by a uniform one, so the irreducible cross-entropy is known exactly
(:meth:`TranslationTask.irreducible_loss`).

The model is a two-hidden-layer MLP split in two towers: the *encoder* maps the one-hot source to a
ReLU code of width ``enc_width``; the *decoder* maps the code through a ReLU layer of width
``dec_width`` to the logits of all target positions. Their parameter counts are ``N_e`` and ``N_d``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class TranslationTask:
    """Reordering + lexicon + noise; see the module docstring."""

    vocab: int
    length: int
    noise: float
    pos_a: np.ndarray
    pos_b: np.ndarray
    lexicon: np.ndarray  # (length, vocab): sigma_t

    @classmethod
    def random(cls, vocab: int, length: int, noise: float, rng: np.random.Generator) -> "TranslationTask":
        """Draw the reordering (two distinct source positions per target position) and the lexicon."""
        if length < 2:
            raise ValueError("length must be >= 2")
        pos_a = rng.permutation(length)
        pos_b = (pos_a + rng.integers(1, length, length)) % length
        lexicon = np.stack([rng.permutation(vocab) for _ in range(length)])
        return cls(vocab, length, float(noise), pos_a, pos_b, lexicon)

    def translate(self, x: np.ndarray) -> np.ndarray:
        """The noiseless target of source sentences ``x`` (n, length)."""
        combined = (x[:, self.pos_a] + x[:, self.pos_b]) % self.vocab
        return self.lexicon[np.arange(self.length), combined]

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` (source, noisy target) pairs as int arrays of shape (n, length)."""
        x = rng.integers(0, self.vocab, (n, self.length))
        y = self.translate(x)
        flip = rng.random(y.shape) < self.noise
        return x, np.where(flip, rng.integers(0, self.vocab, y.shape), y)

    def irreducible_loss(self) -> float:
        """Cross-entropy per target token (nats) of the Bayes predictor, the law's ``L_inf``."""
        p_right = 1 - self.noise + self.noise / self.vocab
        p_other = self.noise / self.vocab
        h = -p_right * np.log(p_right)
        if p_other > 0:
            h -= (self.vocab - 1) * p_other * np.log(p_other)
        return float(h)


def one_hot(x, vocab: int) -> torch.Tensor:
    """Flattened one-hot encoding (n, length * vocab) of integer tokens."""
    return F.one_hot(torch.as_tensor(x), vocab).float().flatten(1)


class TwoTowerMLP(nn.Module):
    """Encoder ``one-hot source -> ReLU(enc_width)``; decoder ``-> ReLU(dec_width) -> logits``."""

    def __init__(self, vocab: int, length: int, enc_width: int, dec_width: int):
        super().__init__()
        self.vocab, self.length = vocab, length
        self.encoder = nn.Sequential(nn.Linear(length * vocab, enc_width), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(enc_width, dec_width), nn.ReLU(),
                                     nn.Linear(dec_width, length * vocab))

    def forward(self, x_onehot: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x_onehot)).view(-1, self.length, self.vocab)

    def sizes(self) -> tuple[int, int]:
        """(N_e, N_d): trainable parameters of the encoder and of the decoder."""
        count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
        return count(self.encoder), count(self.decoder)


def token_cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy per target token; ``logits`` (n, length, vocab), ``y`` (n, length)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def train_two_tower(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, *, steps: int, batch_size: int,
                    lr: float, generator: torch.Generator) -> list[float]:
    """Adam on random mini-batches with the learning rate decayed linearly to zero over ``steps``.

    The decay makes the final loss a property of the architecture rather than of the last few
    noisy steps, which is what a scaling-law fit needs. Returns the training loss of every step.
    """
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - s / steps)
    history = []
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, len(X), (batch_size,), generator=generator)
        loss = token_cross_entropy(model(X[idx]), Y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        history.append(loss.item())
    return history
