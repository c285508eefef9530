"""Every channel of every layer of a network, one titled row per layer, clickable.

The lesson decides what a row says and how its colours scale (:class:`LayerMaps`);
this widget only lays the rows out, shows them and reports clicks. Rows are
rebuilt only when the network's layers change, so a new photo just updates
the pictures.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal

from .maps import ACTIVATION_CMAP, MapsView, colormap


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
        Channels per mosaic row (None: the overview tiles the row at the size every tiled row shares).
    cmap : str or None
        The row's colour map (None: the overview's), e.g. a signed one for values of both signs.
    """

    key: str
    title: str
    values: np.ndarray
    levels: tuple[float, float]
    columns: int | None = None
    cmap: str | None = None


class LayerMapsOverview(pg.GraphicsLayoutWidget):
    """A column of :class:`MapsView` rows, one per layer.

    Rows whose :attr:`LayerMaps.columns` is None are tiled here: every such layer gets tiles
    (one channel each) of the same size on screen, the largest with which all the rows fit the
    widget, so a layer of 88 small maps is as readable as one of 24 large ones. Rows with
    their own column count (a vector as one strip) keep it and take a thin strip's height.

    With :attr:`min_tile` set, the widget asks for the height its rows need at that tile size
    (its minimum height) instead of shrinking the tiles below it: a deep network's rows then
    stay readable in a scroll area around the widget.

    Signals
    -------
    channel_clicked(str, int)
        (layer key, channel) of a clicked map.
    """

    channel_clicked = Signal(str, int)
    #: Every row of a new layer list has been added (see :meth:`set_layers`).
    rows_built = Signal()
    #: Rows added per turn of the event loop (about 2.5 ms each).
    ROWS_PER_TURN = 6
    #: Height of a row with its own column count (a strip of numbers), at most.
    STRIP_HEIGHT = 26
    #: Smallest and largest tile side, in screen pixels.
    TILE_RANGE = (6, 160)
    SPACING = 2
    MARGIN = 2

    def __init__(self, cmap: str = ACTIVATION_CMAP, parent=None) -> None:
        super().__init__(parent=parent)
        self._cmap = cmap
        self._titles: dict[str, pg.LabelItem] = {}
        self._views: dict[str, MapsView] = {}
        self._row_cmaps: dict[str, str] = {}  # each row's colour map, as last set
        self._layers: dict[str, LayerMaps] = {}
        self._layout_key: list[tuple[str, int | None]] = []
        self._unbuilt: list[tuple[str, int | None]] = []  # rows of the layer list still to add
        self._generation = 0  # which rebuild a queued batch of rows belongs to
        self._fitted: tuple | None = None  # what the last fit was made for (sizes and shapes, not values)
        self._marked: tuple[str | None, int] = (None, 0)
        self.tile = 0
        #: Smallest tile side (screen pixels) before the widget grows taller instead; 0: always fit.
        self.min_tile = 0
        self.ci.setContentsMargins(*(self.MARGIN,) * 4)
        self.ci.layout.setVerticalSpacing(self.SPACING)

    # -- reading -------------------------------------------------------------
    def keys(self) -> list[str]:
        """Layer keys, top to bottom (of the rows added so far: see :attr:`building`)."""
        return list(self._views)

    def title(self, key: str) -> str:
        return self._titles[key].text

    def maps(self, key: str) -> MapsView:
        return self._views[key]

    # -- showing -------------------------------------------------------------
    @property
    def building(self) -> bool:
        """True while rows of a new layer list are still being added (a few per turn of the event loop)."""
        return bool(self._unbuilt)

    def set_layers(self, layers: list[LayerMaps]) -> None:
        """Show ``layers``, rebuilding the rows only if the layer list changed.

        A new layer list gets its first :attr:`ROWS_PER_TURN` rows at once and the rest a few per turn
        of the event loop (:attr:`building` until :attr:`rows_built`): building a row takes pyqtgraph
        about 2.5 ms, and a 69-layer model stalled the window for a fifth of a second.
        """
        wanted = [(layer.key, layer.columns) for layer in layers]
        rebuilt = wanted != self._layout_key
        if rebuilt:
            self._rebuild(layers)
            self._layout_key = wanted
        self._layers = {layer.key: layer for layer in layers}
        self._fit(show=False)
        self._show_rows(list(self._views))
        if rebuilt and not self._unbuilt:
            self.rows_built.emit()

    def _show_rows(self, keys: list[str]) -> None:
        for key in keys:
            layer = self._layers[key]
            if self._titles[key].text != layer.title:  # relaying out a label is slow: only on a change
                self._titles[key].setText(layer.title)
            cmap = layer.cmap or self._cmap
            if self._row_cmaps.get(key) != cmap:
                self._views[key].image.setColorMap(colormap(cmap))
                self._row_cmaps[key] = cmap
            self._views[key].set_maps(_as_maps(layer.values), layer.levels)
        self.mark(*self._marked)

    def _rebuild(self, layers: list[LayerMaps]) -> None:
        self.clear()
        self._fitted = None
        for view in self._views.values():
            view.deleteLater()
        self._titles.clear()
        self._views.clear()
        self._row_cmaps.clear()
        self._unbuilt = [(layer.key, layer.columns) for layer in layers]
        self._generation += 1
        self._add_rows()

    def _add_rows(self) -> list[str]:
        """Add the next :attr:`ROWS_PER_TURN` rows (laid out once); the rest in a later turn of the event loop."""
        batch, self._unbuilt = self._unbuilt[: self.ROWS_PER_TURN], self._unbuilt[self.ROWS_PER_TURN :]
        with _one_activation(self.ci):
            for key, columns in batch:
                row = len(self._views)
                self._titles[key] = self.addLabel("", row=2 * row, col=0, size="9pt", justify="left")
                view = MapsView(cmap=self._cmap, columns=columns, parent=self)
                self._row_cmaps[key] = self._cmap
                view.cell_clicked.connect(lambda channel, _r, _c, key=key: self.channel_clicked.emit(key, channel))
                self.addItem(view.view, row=2 * row + 1, col=0)
                self._views[key] = view
        if self._unbuilt:
            QTimer.singleShot(0, self, partial(self._build_more, self._generation))
        return [key for key, _columns in batch]

    def _build_more(self, generation: int) -> None:
        if generation != self._generation or not self._unbuilt:
            return  # the layer list changed since: its own rebuild goes on
        added = self._add_rows()
        self._fit(show=True)
        self._show_rows(added)
        if not self._unbuilt:
            self.rows_built.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if getattr(self, "_layers", None):  # pyqtgraph resizes inside __init__, before there are rows
            self._fit(show=True)
        super().resizeEvent(event)

    def _fit(self, show: bool) -> None:
        """Choose the tile size and each auto-tiled row's columns, and fix every row's height.

        ``show`` re-tiles the maps on screen now (on a resize); otherwise the caller shows them next.
        """
        layers = [self._layers[key] for key in self._views if key in self._layers]
        if not layers:
            if self.min_tile and self.minimumHeight():
                self.setMinimumHeight(0)  # no rows: nothing to scroll to
            return
        width = self.viewport().width() - 2 * self.MARGIN - 4
        height = self.viewport().height() - 2 * self.MARGIN - 4
        title_heights = tuple(self._titles[layer.key].minimumHeight() for layer in layers)
        fitted = (width, height, title_heights,
                  tuple((layer.key, layer.columns, _as_maps(layer.values).shape) for layer in layers))
        if fitted == self._fitted and not show:
            return  # another photo through the same network at the same size: the same fit (and no relayout)
        self._fitted = fitted
        titles = sum(title_heights)
        fixed = {layer.key: self._strip_height(layer, width) for layer in layers if layer.columns is not None}
        tiled = [(layer.key, _as_maps(layer.values).shape[0]) for layer in layers if layer.columns is None]
        other = titles + sum(fixed.values()) + self.SPACING * (2 * len(layers) - 1)
        if self.min_tile:
            needed = other + sum(_lines(count, width, self.min_tile) * self.min_tile for _, count in tiled)
            needed += 2 * self.MARGIN + 4
            if self.minimumHeight() != needed:
                self.setMinimumHeight(needed)  # a scroll area around the widget gives it this height
            height = max(height, needed - 2 * self.MARGIN - 4)
        room = height - other
        low, high = self.TILE_RANGE
        low = max(low, self.min_tile)
        tile = low
        for side in range(min(high, max(low, width)), low - 1, -1):
            if sum(_lines(count, width, side) * side for _, count in tiled) <= room:
                tile = side
                break
        self.tile = tile
        layout = self.ci.layout
        for row, layer in enumerate(layers):
            layout.setRowFixedHeight(2 * row, self._titles[layer.key].minimumHeight())
            if layer.key in fixed:
                layout.setRowFixedHeight(2 * row + 1, fixed[layer.key])
                continue
            count = _as_maps(layer.values).shape[0]
            rows = _lines(count, width, tile)
            columns = math.ceil(count / rows)  # as many maps on every line (48 in two lines of 24, not 40 and 8)
            layout.setRowFixedHeight(2 * row + 1, rows * tile)
            view = self._views[layer.key]
            if view.mosaic is None or view.mosaic.columns != columns:
                view.set_columns(columns)
                if show and view.values is not None:
                    view.set_maps(view.values, (float(layer.levels[0]), float(layer.levels[1])))
        if show:
            self.mark(*self._marked)

    def _strip_height(self, layer: LayerMaps, width: int) -> int:
        values = _as_maps(layer.values)
        channels, h, w = values.shape
        columns = max(1, min(layer.columns, channels))
        rows = math.ceil(channels / columns)
        natural = width * rows * h / max(1, columns * w)  # the strip's height at the full width
        return int(min(self.STRIP_HEIGHT, max(8, natural)))

    def mark(self, key: str | None, channel: int = 0) -> None:
        """Outline ``channel`` of layer ``key`` (the whole map); None clears every outline."""
        self._marked = (key, channel)
        for name, view in self._views.items():
            if name == key and view.values is not None and 0 <= channel < view.values.shape[0]:
                view.mark(channel, 0, 0, *view.values.shape[1:])
            else:
                view.mark(None)


def _lines(count: int, width: int, side: int) -> int:
    """Lines of tiles ``count`` maps take at ``side`` pixels a tile in ``width`` pixels."""
    return math.ceil(count / min(count, max(1, width // side)))


@contextmanager
def _one_activation(layout: pg.GraphicsLayout) -> Iterator[None]:
    """Add many items to ``layout`` and lay it out once at the end.

    pyqtgraph's ``addItem`` lays the whole grid out again after every item it adds, so building the
    rows of a 757-layer model took 31 s on the GUI thread (127 layers: 0.9 s); laid out once, it is
    linear.
    """
    grid = layout.layout
    grid.activate = lambda: None  # shadows the Qt method on this one grid while the items go in
    try:
        yield
    finally:
        del grid.activate
        grid.activate()


def _as_maps(values) -> np.ndarray:
    """(C, H, W) maps; a vector (n,) is n one-pixel maps."""
    values = np.asarray(values)
    return values.reshape(-1, 1, 1) if values.ndim == 1 else values
