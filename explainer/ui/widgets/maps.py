"""Showing many feature maps (or kernels) at once as one clickable mosaic.

One pyqtgraph ImageItem per layer, not per channel: tiling the channels into
a single picture keeps updates fast enough to redraw every layer on every
pen stroke, and a click is mapped back to (channel, row, column).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QMenu

from ...core.formatting import format_grid
from .fast_image import FastImageItem

#: Sequential, colour-blind-safe map for values that start at 0 (ReLU outputs, pixels).
ACTIVATION_CMAP = "viridis"
#: Diverging, colour-blind-safe map centred on 0 for signed values (weights, pre-activations).
SIGNED_CMAP = "CET-D1A"


def colormap(name: str) -> pg.ColorMap:
    return pg.colormap.get(name)


def mosaic_columns(channels: int, height: int, width: int, aspect: float = 4.0) -> int:
    """A column count that lays ``channels`` maps out roughly ``aspect`` times wider than tall."""
    best = max(1, math.ceil(math.sqrt(channels * aspect * height / width)))
    return min(channels, best)


class Mosaic:
    """Geometry of channels tiled in a grid with a gap between them.

    Parameters
    ----------
    channels, height, width : int
        Number and size of the maps.
    columns : int
        Maps per row.
    gap : int
        Pixels between maps (shown as background).
    """

    def __init__(self, channels: int, height: int, width: int, columns: int, gap: int = 1) -> None:
        self.channels, self.height, self.width = channels, height, width
        self.columns = max(1, min(columns, channels))
        self.rows = math.ceil(channels / self.columns)
        self.gap = gap

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows * (self.height + self.gap) - self.gap, self.columns * (self.width + self.gap) - self.gap)

    def origin(self, channel: int) -> tuple[int, int]:
        """Top-left (row, col) of ``channel``'s tile in the mosaic."""
        r, c = divmod(channel, self.columns)
        return r * (self.height + self.gap), c * (self.width + self.gap)

    def tile(self, values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """Arrange (C, H, W) values into the mosaic; gaps hold ``fill``."""
        h, w, gap = self.height, self.width, self.gap
        # One block per tile, (rows, h + gap, columns, w + gap): a single copy puts every channel in place.
        blocks = np.full((self.rows * self.columns, h + gap, w + gap), fill, dtype=np.float32)
        blocks[: self.channels, :h, :w] = values[: self.channels]
        grid = blocks.reshape(self.rows, self.columns, h + gap, w + gap).transpose(0, 2, 1, 3)
        rows, cols = self.shape
        return np.ascontiguousarray(grid.reshape(self.rows * (h + gap), self.columns * (w + gap))[:rows, :cols])

    def locate(self, y: float, x: float) -> tuple[int, int, int] | None:
        """(channel, row, col) under mosaic point (y, x), or None in a gap or outside."""
        if y < 0 or x < 0:
            return None
        tile_r, in_r = divmod(int(y), self.height + self.gap)
        tile_c, in_c = divmod(int(x), self.width + self.gap)
        if in_r >= self.height or in_c >= self.width or tile_c >= self.columns:
            return None
        channel = tile_r * self.columns + tile_c
        if channel >= self.channels:
            return None
        return channel, in_r, in_c


class ClickableImageItem(FastImageItem):
    """An ImageItem that reports clicks and hovers in image (x=column, y=row) coordinates.

    A right-click offers "Copy values as text": the numbers under the pointer (the whole image, or
    what ``values_at(row, col)`` returns, e.g. one channel of a mosaic) as tab-separated text.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.click_handler = None
        self.hover_handler = None
        self.values_at = None
        self.setAcceptHoverEvents(True)

    def copy_values_at(self, row: float, col: float) -> str | None:
        """Put the values under (row, col) on the clipboard as tab-separated text; returns it (None: nothing)."""
        if self.values_at is not None:
            values = self.values_at(row, col)
        else:
            values = self.image if self.image is not None and np.ndim(self.image) == 2 else None
        if values is None:
            return None
        text = format_grid(np.asarray(values, dtype=np.float64), digits=4)
        QGuiApplication.clipboard().setText(text)
        return text

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph override)
        if ev.button() == Qt.MouseButton.RightButton and self.scene() is not None and self.scene().views():
            pos = ev.pos()
            menu = QMenu(self.scene().views()[0])
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            action = menu.addAction("Copy values as text", lambda: self.copy_values_at(pos.y(), pos.x()))
            action.setToolTip("Tab-separated numbers, one row per line: they paste into a spreadsheet")
            menu.popup(ev.screenPos().toPoint())  # no nested event loop
            ev.accept()
            return
        if self.click_handler is not None and ev.button() == Qt.MouseButton.LeftButton:
            pos = ev.pos()
            self.click_handler(pos.y(), pos.x())
            ev.accept()

    def hoverEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph override)
        if self.hover_handler is None:
            return
        if ev.isExit():
            self.hover_handler(None, None)
        else:
            pos = ev.pos()
            self.hover_handler(pos.y(), pos.x())


def cache_axes(*axes: pg.AxisItem) -> None:
    """Keep each axis as a cached picture, repainted only when its ticks or size change.

    Without it, an axis with grid lines is replayed from its QPicture whenever
    anything under the grid changes (a bar moving), about 0.6 ms each time.
    """
    for axis in axes:
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def outline(color: str = "#ff9900", width: float = 2.0) -> QGraphicsRectItem:
    """A rectangle item to mark a selection; add it to a ViewBox, hide/show as needed."""
    item = QGraphicsRectItem()
    pen = QPen(QColor(color))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    item.setPen(pen)
    item.setZValue(10)
    item.hide()
    return item


class MapsView(QObject):
    """A ViewBox showing (C, H, W) maps as a clickable mosaic with a selection outline.

    Not a widget: it lives in a pyqtgraph layout the caller owns, so a lesson
    can stack several in one GraphicsLayoutWidget.

    Signals
    -------
    cell_clicked(int, int, int)
        (channel, row, col) of a clicked cell.
    cell_hovered(object)
        (channel, row, col) under the mouse, or None.
    """

    cell_clicked = Signal(int, int, int)
    cell_hovered = Signal(object)

    def __init__(self, cmap: str = ACTIVATION_CMAP, columns: int | None = None, aspect: float = 4.0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view.setMouseEnabled(False, False)
        self.image = ClickableImageItem(axisOrder="row-major")
        self.image.setColorMap(colormap(cmap))
        self.image.click_handler = self._on_image_clicked
        self.image.values_at = self._channel_values_at
        self.image.hover_handler = self._on_image_hovered
        self.view.addItem(self.image)
        self.selection = outline()
        self.view.addItem(self.selection)
        self.hover = outline("#ffffff", 1.0)
        self.view.addItem(self.hover)
        self._columns = columns
        self._aspect = aspect
        self.mosaic: Mosaic | None = None
        self.values: np.ndarray | None = None
        self._levels: tuple[float, float] | None = None

    def set_columns(self, columns: int | None) -> None:
        """Maps per mosaic row (None: choose from the aspect ratio); applies at the next set_maps."""
        if columns != self._columns:
            self._columns = columns
            self.mosaic = None

    def set_maps(self, values: np.ndarray, levels: tuple[float, float]) -> None:
        """Show (C, H, W) ``values`` with fixed ``levels`` (no auto-levels: colours keep their meaning)."""
        values = np.asarray(values, dtype=np.float32)
        if values.ndim == 1:
            values = values[None, None, :]
        c, h, w = values.shape
        tiled = self.mosaic is None or (self.mosaic.channels, self.mosaic.height, self.mosaic.width) != (c, h, w)
        if tiled:
            columns = self._columns or mosaic_columns(c, h, w, self._aspect)
            self.mosaic = Mosaic(c, h, w, columns, gap=1 if min(h, w) > 1 and c > 1 else 0)
            rows, cols = self.mosaic.shape
            self.view.setRange(QRectF(0, 0, cols, rows), padding=0.02)
        if (not tiled and self.values is not None and self._levels == tuple(levels) and self.image.image is not None
                and np.array_equal(self.values, values)):
            return  # the same maps again (e.g. a selected neuron's weights after each stroke): nothing to repaint
        self.values = values
        self._levels = tuple(levels)
        self.image.setImage(self.mosaic.tile(values), autoLevels=False, levels=levels)

    def clear(self) -> None:
        self.values = None
        self.image.clear()
        self.selection.hide()
        self.hover.hide()

    def mark(self, channel: int | None, top: int = 0, left: int = 0, height: int = 1, width: int = 1,
             item: QGraphicsRectItem | None = None) -> None:
        """Outline ``height``×``width`` cells of ``channel`` starting at (top, left); None hides it."""
        item = item or self.selection
        if channel is None or self.mosaic is None:
            item.hide()
            return
        oy, ox = self.mosaic.origin(channel)
        item.setRect(QRectF(ox + left, oy + top, width, height))
        item.show()

    def _channel_values_at(self, y: float, x: float):
        """The whole map of the channel under mosaic point (y, x), for "Copy values as text"."""
        if self.mosaic is None or self.values is None:
            return None
        cell = self.mosaic.locate(y, x)
        return None if cell is None else self.values[cell[0]]

    def _on_image_clicked(self, y: float, x: float) -> None:
        if self.mosaic is not None:
            cell = self.mosaic.locate(y, x)
            if cell is not None:
                self.cell_clicked.emit(*cell)

    def _on_image_hovered(self, y, x) -> None:
        cell = None if y is None or self.mosaic is None else self.mosaic.locate(y, x)
        if cell is None:
            self.hover.hide()
        else:
            self.mark(cell[0], cell[1], cell[2], item=self.hover)
        self.cell_hovered.emit(cell)
