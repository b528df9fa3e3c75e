"""Validation of chapter parameters: an unknown value stops the chapter at once, clearly."""
from __future__ import annotations

from collections.abc import Sequence


class ParameterError(ValueError):
    """A chapter parameter has a value the chapter does not accept."""


def check_choice(name: str, value, choices: Sequence):
    """Return ``value`` if it is one of ``choices``, else raise :class:`ParameterError`."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"parameter {name}={value!r} is not allowed; choose one of {options}")
    return value


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` if it is an int within [minimum, maximum], else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name}={value!r} must be an integer")
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name}={value!r} must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name}={value!r} must be <= {maximum}")
    return value


def check_float(name: str, value, minimum: float | None = None, maximum: float | None = None) -> float:
    """Return ``value`` as float if it is a real number within [minimum, maximum], else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"parameter {name}={value!r} must be a number")
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name}={value!r} must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name}={value!r} must be <= {maximum}")
    return float(value)
