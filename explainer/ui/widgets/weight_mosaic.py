"""Signed weights (kernels or a weight matrix) as one mosaic, coloured symmetrically around 0."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .maps import SIGNED_CMAP, MapsView, cache_axes, colormap


def symmetric_levels(values: np.ndarray) -> tuple[float, float]:
    """``(-m, m)`` with ``m`` the largest magnitude (1 for all zeros), so 0 is the colormap's centre."""
    limit = float(np.abs(values).max()) if np.size(values) else 0.0
    limit = limit or 1.0
    return (-limit, limit)


class WeightMosaic(pg.GraphicsLayoutWidget):
    """A titled mosaic of (C, H, W) weights with a diverging colormap and, optionally, its colour bar.

    Attributes
    ----------
    maps : MapsView
        The mosaic (``maps.values`` holds what is shown).
    """

    def __init__(self, title: str = "", columns: int | None = 16, color_bar: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.title = self.addLabel(title, row=0, col=0, size="9pt")
        if not title:
            self.title.hide()
        self.maps = MapsView(cmap=SIGNED_CMAP, columns=columns, parent=self)
        self.addItem(self.maps.view, row=1, col=0)
        self.bar = None
        if color_bar:
            self.bar = pg.ColorBarItem(colorMap=colormap(SIGNED_CMAP), values=(-1, 1), interactive=False, width=10)
            self.bar.setImageItem(self.maps.image)
            cache_axes(self.bar.axis)
            self.addItem(self.bar, row=1, col=1)

    def set_weights(self, values: np.ndarray, columns: int | None = None) -> None:
        """Show ``values`` (C, H, W), levels ±max|value|; ``columns`` maps per row (None keeps the current)."""
        values = np.asarray(values, dtype=np.float32)
        if columns is not None:
            self.maps.set_columns(columns)
        levels = symmetric_levels(values)
        self.maps.set_maps(values, levels)
        if self.bar is not None and tuple(self.bar.levels()) != levels:
            self.bar.setLevels(levels)

    def clear_weights(self) -> None:
        self.maps.clear()
