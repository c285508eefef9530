"""Argument checks shared by the teaching math.

Every check raises :class:`ValueError` with a sentence a student can act on:
it names what was expected and what was given.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(name: str, value, ndim: int, layout: str) -> np.ndarray:
    """Return ``value`` as a float64 array with exactly ``ndim`` dimensions.

    Parameters
    ----------
    name : str
        What the argument is called in the caller, used in the message.
    value : array_like
        The argument.
    ndim : int
        The number of dimensions required.
    layout : str
        A description of the layout, for example ``"(C, H, W)"``.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers {layout}; got {type(value).__name__}") from exc
    if arr.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions {layout}, but it has {arr.ndim} (shape {arr.shape})"
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); every dimension needs at least one element")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_int(name: str, value, minimum: int) -> int:
    """Return ``value`` as an int, requiring ``value >= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    value = int(value)
    if value < minimum:
        if minimum == 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
        raise ValueError(f"{name} must be {minimum} or more, got {value}")
    return value


def check_square_kernel(name: str, w: np.ndarray) -> int:
    """Return the side of a square kernel whose last two axes are (k, k)."""
    kh, kw = w.shape[-2:]
    if kh != kw:
        raise ValueError(f"{name} must be square (k x k), got {kh}x{kw}")
    return int(kh)
