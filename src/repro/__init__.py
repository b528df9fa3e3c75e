"""Shared package of the Reproducible Papers book: every chapter imports from here.

The public surface a chapter uses: :func:`setup` (seeds, one thread, determinism, device),
:class:`Claims` and :class:`Change` (declared claims and their verdicts) and :func:`progress`.
The package is laid out as the book's machinery (:mod:`repro.book`), shared building blocks
(:mod:`repro.data`, :mod:`repro.nn`, :mod:`repro.stats`, :mod:`repro.gp`,
:mod:`repro.curvature`, :mod:`repro.scaling`, the loss library :mod:`repro.objectives`) and
the methods of single papers by part (:mod:`repro.papers`).
"""
from repro.book.claims import Change, Claims
from repro.book.progress import progress
from repro.book.runtime import Run, setup

__all__ = ["Change", "Claims", "Run", "progress", "setup"]
__version__ = "0.1.0"
