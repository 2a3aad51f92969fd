"""Guard clauses shared by the differential-privacy modules; each names the argument it checks."""

from __future__ import annotations

import math

import numpy as np

from shopmind.errors import InvalidArgument


def _number(name: str, value: object) -> float:
    # bool is an int subclass; True as an epsilon is a caller's slip, not a number
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InvalidArgument(f"{name} must be a number, got {type(value).__name__}", argument=name)
    return float(value)


def check_epsilon(value: object, name: str = "epsilon") -> float:
    """``value`` as a float if it is a finite number > 0; else InvalidArgument naming ``name``."""
    x = _number(name, value)
    if not (math.isfinite(x) and x > 0):
        raise InvalidArgument(f"{name} must be a finite number > 0, got {value!r}", argument=name)
    return x


def check_delta(value: object, name: str = "delta", *, allow_zero: bool = False) -> float:
    """``value`` as a float if it lies in (0, 1), or [0, 1) with ``allow_zero``."""
    x = _number(name, value)
    low_ok = x >= 0 if allow_zero else x > 0
    if not (math.isfinite(x) and low_ok and x < 1):
        bound = "[0, 1)" if allow_zero else "(0, 1)"
        raise InvalidArgument(f"{name} must be in {bound}, got {value!r}", argument=name)
    return x


def check_sensitivity(value: object, name: str = "sensitivity") -> float:
    """``value`` as a float if it is a finite number > 0."""
    x = _number(name, value)
    if not (math.isfinite(x) and x > 0):
        raise InvalidArgument(f"{name} must be a finite number > 0, got {value!r}", argument=name)
    return x


def check_positive_int(value: object, name: str) -> int:
    """``value`` if it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidArgument(f"{name} must be an integer >= 1, got {value!r}", argument=name)
    return int(value)


def check_rng(value: object, name: str = "rng") -> np.random.Generator:
    """``value`` if it is a numpy Generator (the only source of randomness the mechanisms use)."""
    if not isinstance(value, np.random.Generator):
        raise InvalidArgument(
            f"{name} must be a numpy.random.Generator (e.g. numpy.random.default_rng()), "
            f"got {type(value).__name__}",
            argument=name,
        )
    return value


def check_text(value: object, name: str) -> str:
    """``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"{name} must be a non-empty string, got {value!r}", argument=name)
    return value
