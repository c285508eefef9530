"""How the lessons write numbers: whole numbers without decimals, others rounded."""

from __future__ import annotations

import math


def format_number(value: float, digits: int = 2) -> str:
    """Write ``value`` the way a teacher would on the board.

    Whole numbers lose their decimals (``308``, ``-25``); others are rounded
    to ``digits`` decimals with trailing zeros dropped (``0.5``, ``-1.25``).
    A minus sign is the typographic one (U+2212) so columns line up.

    >>> format_number(-25.0)
    '−25'
    >>> format_number(0.123456)
    '0.12'
    """
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == round(value) and abs(value) < 1e15:
        text = str(int(round(value)))
    else:
        text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
    return text.replace("-", "−")
