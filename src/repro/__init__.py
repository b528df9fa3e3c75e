"""Shared package of the Reproducible Papers book: every chapter imports from here.

Start with :func:`repro.book.runtime.setup` and end with :class:`repro.book.claims.Claims`.
"""
from repro.book.claims import Claims
from repro.book.runtime import Run, setup

__all__ = ["Claims", "Run", "setup"]
__version__ = "0.1.0"
