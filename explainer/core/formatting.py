"""How the lessons write numbers: whole numbers without decimals, others rounded; grids as tab-separated text."""

from __future__ import annotations

import math

import numpy as np


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


def _cell_for_copy(value: float, digits: int) -> str:
    """One cell as :func:`format_number` writes it, in characters a spreadsheet reads as a number."""
    text = format_number(value, digits)
    return {"NaN": "nan", "∞": "inf", "−∞": "-inf"}.get(text, text.replace("−", "-"))


def format_grid(values, digits: int = 2, hidden=None) -> str:
    """A matrix as tab-separated text, one row per line, the numbers as the lessons show them.

    This is what "Copy as text" puts on the clipboard: it pastes into a
    spreadsheet cell by cell. The minus sign is ASCII (spreadsheets do not
    read U+2212), and a hidden cell (not computed yet) is left empty.

    Parameters
    ----------
    values : array_like, shape (H, W)
    digits : int
        Decimals kept, as in :func:`format_number`.
    hidden : array_like of bool, shape (H, W), optional
        Cells to leave empty.

    >>> print(format_grid([[308, -498.0], [0.125, 1.5]]).replace("\\t", " | "))
    308 | -498
    0.12 | 1.5
    """
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if values.ndim != 2:
        raise ValueError(f"a grid must be 2-D, got shape {values.shape}")
    mask = np.zeros(values.shape, bool) if hidden is None else np.asarray(hidden, dtype=bool)
    if mask.shape != values.shape:
        raise ValueError(f"the hidden mask has shape {mask.shape}, the grid {values.shape}")
    return "\n".join("\t".join("" if mask[r, c] else _cell_for_copy(values[r, c], digits)
                               for c in range(values.shape[1])) for r in range(values.shape[0]))


def parse_grid(text: str) -> np.ndarray:
    """Read tab-separated numbers (from :func:`format_grid` or a spreadsheet) back into a matrix.

    Lines are rows, tabs separate cells; an empty cell is NaN. Typographic
    minus signs, "∞" and a decimal comma are read too; one trailing line
    break (spreadsheets add it) is ignored.

    Returns
    -------
    ndarray, shape (rows, columns), float64

    Raises
    ------
    ValueError
        For rows of different lengths or a cell that is not a number, naming the row and column.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines = lines[:-1]
    rows = [line.split("\t") for line in lines]
    width = len(rows[0])
    out = np.empty((len(rows), width), np.float64)
    for r, cells in enumerate(rows):
        if len(cells) != width:
            raise ValueError(f"row {r + 1} has {len(cells)} cells, row 1 has {width}: every row must have as many")
        for c, cell in enumerate(cells):
            cell = cell.strip()
            if not cell:
                out[r, c] = np.nan
                continue
            plain = cell.replace("−", "-").replace("∞", "inf").replace(",", ".")
            try:
                out[r, c] = float(plain)
            except ValueError:
                raise ValueError(f"row {r + 1}, column {c + 1}: {cell!r} is not a number") from None
    return out
