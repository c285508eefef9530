"""How thick lines are drawn now: 1 normally, 2 in the presenter view (set by :mod:`explainer.ui.presenter`).

Widgets that paint themselves take their outline pens through :func:`scaled_pen`.
"""

from __future__ import annotations

from PySide6.QtGui import QPen

_scale = {"line": 1.0}


def set_line_scale(scale: float) -> None:
    _scale["line"] = float(scale)


def line_scale() -> float:
    return _scale["line"]


def scaled_pen(pen: QPen) -> QPen:
    """``pen`` as thick as the current line scale wants it (at least 1 px before scaling)."""
    if _scale["line"] != 1.0:
        pen = QPen(pen)
        pen.setWidthF(max(1.0, pen.widthF()) * _scale["line"])
    return pen
