"""Progress bars that help at a terminal or in Jupyter and stay quiet in CI logs."""
from __future__ import annotations

import os

from tqdm import tqdm


def quiet() -> bool:
    """True when progress bars should be off: in CI or when ``REPRO_QUIET`` is set."""
    return bool(os.environ.get("CI")) or bool(os.environ.get("REPRO_QUIET"))


def progress(iterable=None, **kwargs):
    """``tqdm`` over ``iterable`` unless :func:`quiet`; accepts tqdm's keyword arguments."""
    kwargs.setdefault("disable", quiet())
    kwargs.setdefault("mininterval", 0.5)
    kwargs.setdefault("leave", False)
    return tqdm(iterable, **kwargs)
