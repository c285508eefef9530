"""The range of the numbers a person can type into the lessons' cells.

Every value typed into a cell (an input pixel, a kernel weight, a bias, a
pooling example) lies within ±:data:`MAX_TYPED_VALUE`. That keeps every number
the lessons derive and show finite and readable: the largest convolution
sum, 3 channels × 7 × 7 products of 999 × 999 plus a bias, is about 1.5 × 10⁸,
far from float64's limit, where a single 1e308 once made the sum read
"∞ + (−498) + 164 + 1 = ∞".
"""

from __future__ import annotations

import math

import numpy as np

#: Largest magnitude of a typed value.
MAX_TYPED_VALUE = 999.0
#: The range in words, for tooltips and messages.
TYPED_RANGE_TEXT = f"between −{MAX_TYPED_VALUE:g} and {MAX_TYPED_VALUE:g}"


def typed_value_problem(value) -> str:
    """Why ``value`` cannot be typed into a cell (a sentence), or "" when it can."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return f"{value!r} is not a number"
    if not math.isfinite(value) or abs(value) > MAX_TYPED_VALUE:
        return f"a value must be a number {TYPED_RANGE_TEXT}, got {value:g}"
    return ""


def check_typed_values(where: str, values) -> None:
    """``ValueError`` unless every value of ``values`` (a number or an array) is finite and within the range."""
    values = np.asarray(values, dtype=np.float64)
    if values.size and not (np.all(np.isfinite(values)) and np.abs(values).max() <= MAX_TYPED_VALUE):
        raise ValueError(f"{where} must hold finite numbers {TYPED_RANGE_TEXT}")
