"""Every channel of every layer of a network, one titled row per layer, clickable.

The lesson decides what a row says and how its colours scale (:class:`LayerMaps`);
this widget only lays the rows out, shows them and reports clicks. Rows are
rebuilt only when the network's layers change, so a new photo just updates
the pictures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal

from .maps import ACTIVATION_CMAP, MapsView


@dataclass
class LayerMaps:
    """One row: a layer's title and its channels.

    Attributes
    ----------
    key : str
        The layer's id (``"conv1"``, ``"pool2"``, ``"output"``).
    title : str
        Rich text shown above the maps.
    values : ndarray, shape (C, H, W) or (n,)
        A vector is shown as n one-pixel channels in a row.
    levels : (low, high)
        Fixed colour levels.
    columns : int or None
        Channels per mosaic row (None: chosen from the shape).
    """

    key: str
    title: str
    values: np.ndarray
    levels: tuple[float, float]
    columns: int | None = None


class LayerMapsOverview(pg.GraphicsLayoutWidget):
    """A column of :class:`MapsView` rows, one per layer.

    Signals
    -------
    channel_clicked(str, int)
        (layer key, channel) of a clicked map.
    """

    channel_clicked = Signal(str, int)

    def __init__(self, cmap: str = ACTIVATION_CMAP, parent=None) -> None:
        super().__init__(parent=parent)
        self._cmap = cmap
        self._titles: dict[str, pg.LabelItem] = {}
        self._views: dict[str, MapsView] = {}
        self._layout_key: list[tuple[str, int | None]] = []

    # -- reading -------------------------------------------------------------
    def keys(self) -> list[str]:
        """Layer keys, top to bottom."""
        return list(self._views)

    def title(self, key: str) -> str:
        return self._titles[key].text

    def maps(self, key: str) -> MapsView:
        return self._views[key]

    # -- showing -------------------------------------------------------------
    def set_layers(self, layers: list[LayerMaps]) -> None:
        """Show ``layers``, rebuilding the rows only if the layer list changed."""
        wanted = [(layer.key, layer.columns) for layer in layers]
        if wanted != self._layout_key:
            self._rebuild(layers)
            self._layout_key = wanted
        for layer in layers:
            values = np.asarray(layer.values)
            if values.ndim == 1:
                values = values.reshape(-1, 1, 1)
            if self._titles[layer.key].text != layer.title:  # relaying out a label is slow: only on a change
                self._titles[layer.key].setText(layer.title)
            self._views[layer.key].set_maps(values, layer.levels)

    def _rebuild(self, layers: list[LayerMaps]) -> None:
        self.clear()
        for view in self._views.values():
            view.deleteLater()
        self._titles.clear()
        self._views.clear()
        for row, layer in enumerate(layers):
            self._titles[layer.key] = self.addLabel("", row=2 * row, col=0, size="9pt", justify="left")
            view = MapsView(cmap=self._cmap, columns=layer.columns, parent=self)
            view.cell_clicked.connect(lambda channel, _r, _c, key=layer.key: self.channel_clicked.emit(key, channel))
            self.addItem(view.view, row=2 * row + 1, col=0)
            self._views[layer.key] = view

    def mark(self, key: str | None, channel: int = 0) -> None:
        """Outline ``channel`` of layer ``key`` (the whole map); None clears every outline."""
        for name, view in self._views.items():
            if name == key and view.values is not None and 0 <= channel < view.values.shape[0]:
                view.mark(channel, 0, 0, *view.values.shape[1:])
            else:
                view.mark(None)
