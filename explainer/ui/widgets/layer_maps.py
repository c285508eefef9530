"""Every channel of every layer of a network, one titled row per layer, clickable.

The lesson decides what a row says and how its colours scale (:class:`LayerMaps`);
this widget only lays the rows out, shows them and reports clicks. It paints
itself (see :mod:`.painted_maps`): inside a scroll area only the rows in sight
are coloured and painted, and a network of hundreds of layers costs no more to
set up than its rows' numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter

from .maps import ACTIVATION_CMAP
from .painted_maps import MapsRow, PaintedRows, Title, fit_mosaic, outline_reach, paint_row


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


class LayerMapsOverview(PaintedRows):
    """A column of rows, one per layer: a title above a mosaic of the layer's channels.

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
    rows_built
        A new list of layers has its rows (at once: kept for callers that wait for it).
    """

    channel_clicked = Signal(str, int)
    rows_built = Signal()
    #: Height of a row with its own column count (a strip of numbers), at most.
    STRIP_HEIGHT = 26
    #: Smallest and largest tile side, in screen pixels.
    TILE_RANGE = (6, 160)
    SPACING = 2
    MARGIN = 2
    SIZE_HINT = (480, 400)

    def __init__(self, cmap: str = ACTIVATION_CMAP, parent=None) -> None:
        super().__init__(parent)
        self._cmap = cmap
        self._layers: dict[str, LayerMaps] = {}
        self._layout_key: list[tuple[str, int | None]] = []
        self._tops: dict[str, tuple[float, float, float]] = {}  # each row's (title top, maps top, maps height)
        self._columns: dict[str, int] = {}  # each row's maps per mosaic line, as the last fit chose them
        self._fitted: tuple | None = None  # what the last fit was made for (sizes and shapes, not values)
        self._marked: tuple[str | None, int] = (None, 0)
        self.tile = 0
        #: Smallest tile side (screen pixels) before the widget grows taller instead; 0: always fit.
        self.min_tile = 0

    # -- reading -------------------------------------------------------------
    def title(self, key: str) -> str:
        return self.titles[key].text

    def maps(self, key: str) -> MapsRow:
        return self.views[key]

    def row_rect(self, key: str) -> QRectF:
        """Where row ``key``'s maps area is on the widget (below its title)."""
        _title, top, height = self._tops[key]
        return QRectF(self.MARGIN, top, max(1.0, self.width() - 2 * self.MARGIN), height)

    # -- showing -------------------------------------------------------------
    def set_layers(self, layers: list[LayerMaps]) -> None:
        """Show ``layers``, rebuilding the rows only if the layer list changed (then :attr:`rows_built`)."""
        wanted = [(layer.key, layer.columns) for layer in layers]
        rebuilt = wanted != self._layout_key
        if rebuilt:
            self.titles = {layer.key: Title() for layer in layers}
            self.views = {layer.key: MapsRow(self._cmap) for layer in layers}
            self._layout_key = wanted
        self._layers = {layer.key: layer for layer in layers}
        moved = self._fit() or rebuilt  # rows laid out again (other shapes): every row may have moved
        for layer in layers:
            row = self.views[layer.key]
            changed = row.set_cmap(layer.cmap or self._cmap)
            changed = row.set_maps(layer.values, layer.levels, self._columns[layer.key]) or changed
            changed = self.titles[layer.key].set_text(layer.title, self.font()) or changed
            if changed and not moved:
                self._repaint(layer.key)
        self.mark(*self._marked)
        if moved:
            self.update()
        if rebuilt:
            self.rows_built.emit()

    def mark(self, key: str | None, channel: int = 0) -> None:
        """Outline ``channel`` of layer ``key`` (the whole map); None clears every outline."""
        self._marked = (key, channel)
        for name, row in self.views.items():
            outline = None
            if name == key and row.values is not None and 0 <= channel < row.values.shape[0]:
                outline = row.cell_outline(channel, 0, 0, *row.values.shape[1:])
            if row.selection.set(outline):
                self._repaint(name)

    # -- layout --------------------------------------------------------------
    def _title_height(self) -> int:
        return self.fontMetrics().height() + 4

    def _fit(self) -> bool:
        """Choose the tile size and each auto-tiled row's columns, and place every row; whether they were placed
        anew (False: the same sizes and shapes as last time, the same places)."""
        layers = [self._layers[key] for key in self.views if key in self._layers]
        width = self.width() - 2 * self.MARGIN - 4
        height = self.height() - 2 * self.MARGIN - 4
        title = self._title_height()
        fitted = (width, height, title, self.min_tile,
                  tuple((layer.key, layer.columns, np.shape(layer.values)) for layer in layers))
        if fitted == self._fitted:
            return False  # another photo through the same network at the same size: the same places
        self._fitted = fitted
        self._tops, self._columns = {}, {}
        if not layers:
            if self.min_tile and self.minimumHeight():
                self.setMinimumHeight(0)  # no rows: nothing to scroll to
            return True
        fixed = {layer.key: self._strip_height(layer, width) for layer in layers if layer.columns is not None}
        tiled = [(layer.key, _as_maps(layer.values).shape[0]) for layer in layers if layer.columns is None]
        other = title * len(layers) + sum(fixed.values()) + self.SPACING * (2 * len(layers) - 1)
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
        y = float(self.MARGIN)
        for layer in layers:
            if layer.key in fixed:
                maps_height = fixed[layer.key]
                self._columns[layer.key] = layer.columns
            else:
                count = _as_maps(layer.values).shape[0]
                lines = _lines(count, width, tile)
                self._columns[layer.key] = math.ceil(count / max(1, lines))  # as many on every line (48: two of 24)
                maps_height = lines * tile
            self._tops[layer.key] = (y, y + title + self.SPACING, float(maps_height))
            y += title + maps_height + 2 * self.SPACING
        return True

    def _strip_height(self, layer: LayerMaps, width: int) -> int:
        values = _as_maps(layer.values)
        channels, h, w = values.shape
        columns = max(1, min(layer.columns, channels))
        rows = math.ceil(channels / columns)
        natural = width * rows * h / max(1, columns * w)  # the strip's height at the full width
        return int(min(self.STRIP_HEIGHT, max(8, natural)))

    def _repaint_area(self, key: str):
        """Row ``key``'s title and maps, as a widget rectangle to repaint (with what its outlines reach below);
        None for a row not placed yet."""
        if key not in self._tops:
            return None
        title, top, height = self._tops[key]
        return QRectF(0, title, self.width(), top + height - title + outline_reach()).toAlignedRect()

    def _refit(self) -> None:
        """Lay the rows out again for the widget's size, re-tiling their maps where the columns change."""
        if not self._layers:
            return
        self._fit()
        for key, layer in self._layers.items():
            self.views[key].set_maps(layer.values, layer.levels, self._columns[key])
            self.views[key].hover.set(None)  # re-tiled: the pointer is over another cell now, if any
        self.mark(*self._marked)
        self.update()

    def _placement(self, key: str) -> tuple[QPointF, float] | None:
        row = self.views[key]
        return None if row.mosaic is None or key not in self._tops else fit_mosaic(row.mosaic, self.row_rect(key))

    def _row_at(self, point: QPointF) -> str | None:
        return next((key for key, (_title, top, height) in self._tops.items() if top <= point.y() < top + height),
                    None)

    def _clicked(self, cell: tuple[str, int, int, int]) -> None:
        self.channel_clicked.emit(cell[0], cell[1])

    def _fonts_changed(self) -> None:
        if hasattr(self, "_layers"):  # not the base class setting the title font, before there are rows
            self._refit()

    # -- Qt events -----------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._refit()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(event.rect(), Qt.GlobalColor.white)
        painter.setPen(Qt.GlobalColor.black)
        painter.setFont(self.font())
        dirty, reach = event.rect(), outline_reach()
        for key, (title_top, top, height) in self._tops.items():
            if top + height + reach < dirty.top() or title_top > dirty.bottom():
                continue  # out of sight (scrolled away) or not changed: not coloured, not painted
            title = self.titles[key]
            if title.text:
                painter.drawStaticText(QPointF(self.MARGIN + 2, title_top + 1), title.static)
            row = self.views[key]
            if row.mosaic is not None:
                paint_row(painter, row, *fit_mosaic(row.mosaic, self.row_rect(key)))
        painter.end()


def _lines(count: int, width: int, side: int) -> int:
    """Lines of tiles ``count`` maps take at ``side`` pixels a tile in ``width`` pixels."""
    return math.ceil(count / max(1, min(count, width // side)))  # no maps (a layer of 0 channels): no lines


def _as_maps(values) -> np.ndarray:
    """(C, H, W) maps; a vector (n,) is n one-pixel maps."""
    values = np.asarray(values)
    return values.reshape(-1, 1, 1) if values.ndim == 1 else values
