"""Shared package of the Reproducible Papers book: every chapter imports from here.

Start with :func:`repro.runtime.setup` and end with :class:`repro.claims.Claims`.
"""
from repro.claims import Claims
from repro.runtime import Run, setup

__all__ = ["Claims", "Run", "setup"]
__version__ = "0.1.0"
