"""Every layer of a network at once: one titled, clickable mosaic of feature maps per layer.

Rows are made for whatever layers the caller names, so a network with other
widths or another number of layers gets its own rows; a click anywhere is
reported as (layer, channel, row, column).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from .maps import ACTIVATION_CMAP, MapsView


class LayerStack(pg.GraphicsLayoutWidget):
    """A column of layers, each a title above a :class:`MapsView` mosaic.

    Signals
    -------
    cell_clicked(str, int, int, int)
        (layer key, channel, row, col) of a clicked cell.
    """

    cell_clicked = Signal(str, int, int, int)

    def __init__(self, cmap: str = ACTIVATION_CMAP, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self._cmap = cmap
        self.titles: dict[str, pg.LabelItem] = {}
        self.views: dict[str, MapsView] = {}
        self._labels: dict[str, list[pg.TextItem]] = {}

    def keys(self) -> list[str]:
        return list(self.views)

    def set_layers(self, keys: Sequence[str]) -> None:
        """One row per key, in order; rows are rebuilt only when the keys change."""
        keys = list(keys)
        if keys == self.keys():
            return
        self.ci.clear()
        for view in self.views.values():
            view.deleteLater()
        self.titles, self.views, self._labels = {}, {}, {}
        for row, key in enumerate(keys):
            self.titles[key] = self.addLabel("", row=2 * row, col=0, size="9pt", justify="left")
            view = MapsView(cmap=self._cmap, parent=self)
            view.cell_clicked.connect(lambda c, r, q, k=key: self.cell_clicked.emit(k, c, r, q))
            self.addItem(view.view, row=2 * row + 1, col=0)
            self.views[key] = view

    def show_layer(self, key: str, values: np.ndarray, levels: tuple[float, float], title: str,
                   columns: int | None = None, labels: Sequence[str] | None = None) -> None:
        """Show (C, H, W) ``values`` (or (n,) as 1×1 maps) in row ``key`` with fixed ``levels``.

        ``labels`` writes a text on each cell of a vector layer (e.g. the digit
        each output neuron stands for), dark on bright cells and light on dark ones.
        """
        values = np.asarray(values, dtype=np.float32)
        if values.ndim == 1:
            values = values.reshape(-1, 1, 1)
        view = self.views[key]
        view.set_columns(columns)
        view.set_maps(values, levels)
        if self.titles[key].text != title:  # setting a label re-lays out the whole stack: only on a change
            self.titles[key].setText(title)
        self._set_labels(key, values, levels, labels)

    def clear_layers(self) -> None:
        """Empty every row (titles, maps, labels and the selection outline)."""
        for key, view in self.views.items():
            view.clear()
            self.titles[key].setText("")
            for text in self._labels.get(key, []):
                text.hide()

    def mark(self, key: str | None, channel: int = 0, row: int = 0, col: int = 0) -> None:
        """Outline one cell of one layer (every other layer's outline is hidden); None hides all."""
        for name, view in self.views.items():
            view.mark(channel if name == key else None, row, col)

    def _set_labels(self, key: str, values: np.ndarray, levels, labels) -> None:
        view, items = self.views[key], self._labels.setdefault(key, [])
        if labels is None or values.shape[1:] != (1, 1):
            for text in items:
                text.hide()
            return
        while len(items) < len(labels):
            text = pg.TextItem("", anchor=(0.5, 0.5))
            view.view.addItem(text)
            items.append(text)
        low, high = levels
        for index, text in enumerate(items):
            if index >= len(labels) or index >= values.shape[0]:
                text.hide()
                continue
            top, left = view.mosaic.origin(index)
            bright = (float(values[index, 0, 0]) - low) / max(1e-12, high - low) > 0.6
            if text.toPlainText() != str(labels[index]):
                text.setText(str(labels[index]))
            if text.color.name() != ("#000000" if bright else "#ffffff"):
                text.setColor("k" if bright else "w")
            text.setPos(left + 0.5, top + 0.5)
            text.show()
