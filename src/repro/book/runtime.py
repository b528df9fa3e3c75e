"""One call that makes a chapter reproducible: seeds, threads, determinism and device.

Every chapter calls :func:`setup` right after its parameters cell (BOOK.md, "Scales and
budgets"): it validates the common parameters, seeds Python, NumPy and PyTorch, pins every
thread pool to one thread, switches PyTorch to deterministic algorithms and resolves the device.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass

import numpy as np

from repro.book.params import check_choice, check_int

SCALES = ("quick", "full")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Run:
    """What :func:`setup` decided; chapters read ``run.quick``, ``run.device``, ``run.rng``."""

    scale: str
    seed: int
    device: str
    rng: np.random.Generator

    @property
    def quick(self) -> bool:
        return self.scale == "quick"

    def pick(self, quick, full):
        """Return ``quick`` at quick scale and ``full`` at full scale."""
        return quick if self.quick else full


def resolve_device(device: str = "auto") -> str:
    """``auto`` is CUDA when available, else CPU; asking for CUDA without one is an error."""
    import torch

    check_choice("device", device, DEVICES)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for but PyTorch sees no CUDA device; "
                         "use device='auto' or device='cpu'")
    return device


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy's legacy global state and PyTorch (CPU and CUDA); return a Generator."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def setup(scale: str = "quick", seed: int = 0, device: str = "auto", *, style: bool = True) -> Run:
    """Validate the common parameters and make the run deterministic on one thread.

    Raises ``ValueError`` with a clear message for an unknown scale or device or a bad seed.
    """
    import torch
    from threadpoolctl import threadpool_limits

    check_choice("scale", scale, SCALES)
    check_int("seed", seed, minimum=0)
    resolved = resolve_device(device)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(1)
    threadpool_limits(1)
    torch.use_deterministic_algorithms(True)
    if style:
        from repro.book.plotting import use_style

        use_style()
    rng = seed_everything(seed)
    print(f"scale={scale} seed={seed} device={resolved} torch={torch.__version__}")
    return Run(scale=scale, seed=seed, device=resolved, rng=rng)
