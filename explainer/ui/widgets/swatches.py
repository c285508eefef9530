"""Colour keys for label maps: class indices to colours, and a legend of coloured swatches."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def colorize(labels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Label map to colours.

    Parameters
    ----------
    labels : ndarray of int, shape (H, W)
        Indices into ``palette``.
    palette : ndarray of uint8, shape (N, 3)

    Returns
    -------
    ndarray of uint8, shape (H, W, 3)
    """
    return np.take(palette, np.asarray(labels, dtype=np.int64), axis=0)  # 4× faster than palette[labels]


def swatch_html(colours, names, text_colours=None) -> str:
    """Rich text of coloured swatches, one per name (white text unless ``text_colours`` says otherwise).

    A swatch never breaks across lines (its spaces are non-breaking); a wrapping label breaks between them.
    """
    text_colours = text_colours or ["white"] * len(names)
    return " ".join(f"<span style='background: rgb({r},{g},{b}); color: {text}'>"
                    f"&nbsp;{html.escape(str(name)).replace(' ', '&nbsp;')}&nbsp;</span>"
                    for (r, g, b), name, text in zip(colours, names, text_colours))


def swatch_legend(title: str, colours, names, text_colours=None) -> QLabel:
    """A wrapping label: ``title`` then one swatch per name."""
    label = QLabel(f"{title} {swatch_html(colours, names, text_colours)}".strip())
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    return label
