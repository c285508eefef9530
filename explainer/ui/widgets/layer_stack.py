"""Every layer of a network at once: one titled, clickable mosaic of feature maps per layer.

Rows are made for whatever layers the caller names, so a network with other
widths or another number of layers gets its own rows; a click anywhere is
reported as (layer, channel, row, column).

The stack paints itself: each row's title, its mosaic (one picture per layer, coloured by
:class:`~.fast_image.FastImageItem`'s renderer exactly as a pyqtgraph image would be) and the
outlines, straight onto the widget with a QPainter. A scene of view boxes, labels and items (one
per layer) cost most of a pen stroke's repaint, because every layer changes with every stroke
and a graphics scene walks all its items, through Python, to repaint them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPen, QStaticText, QTextOption
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from ...core.formatting import format_grid
from .fast_image import FastImageItem
from .maps import ACTIVATION_CMAP, Mosaic, colormap, mosaic_columns
from .style import line_scale

#: Space around the rows, above a title and between a title and its maps (pixels).
MARGIN, TITLE_TOP, TITLE_GAP = 10, 6, 3
#: A mosaic fills its row but for this share of its size on each side (as a view box's padding of 0.02).
PADDING = 0.02
#: The titles' size at the normal scale (the presenter view scales the widget's font).
TITLE_POINTS = 9.0
SELECTION_COLOUR, HOVER_COLOUR = QColor("#ff9900"), QColor("#ffffff")


class Outline:
    """A cell outline in mosaic coordinates (x = column, y = row), shown or hidden."""

    def __init__(self) -> None:
        self._rect, self._visible = QRectF(), False

    def rect(self) -> QRectF:
        return QRectF(self._rect)

    def isVisible(self) -> bool:  # noqa: N802 (the name a Qt item's outline had)
        return self._visible


class Title:
    """A row's rich-text title; ``text`` is what it says ("" for none)."""

    def __init__(self) -> None:
        self.text = ""
        self.static = QStaticText()
        self.static.setTextFormat(Qt.TextFormat.RichText)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.NoWrap)
        self.static.setTextOption(option)


class LayerMaps:
    """One row's maps: the values shown, their mosaic geometry and the row's outlines.

    Attributes
    ----------
    values : ndarray or None
        The (C, H, W) maps shown (None: the row is empty).
    mosaic : Mosaic or None
        How the channels are tiled.
    selection, hover : Outline
        The selected cell and the cell under the pointer.
    """

    def __init__(self, cmap: str) -> None:
        self.values: np.ndarray | None = None
        self.mosaic: Mosaic | None = None
        self.levels: tuple[float, float] | None = None
        self.columns: int | None = None
        self.labels: list[str] = []
        self.selection, self.hover = Outline(), Outline()
        # Used off-scene, only to turn the tiled maps into a QImage exactly as pyqtgraph colours it.
        self.renderer = FastImageItem(axisOrder="row-major")
        self.renderer.setColorMap(colormap(cmap))

    def picture(self):
        """The QImage of the mosaic (made on first use after a change), or None when empty."""
        renderer = self.renderer
        if self.values is None or renderer.image is None:
            return None
        if renderer._renderRequired or renderer.qimage is None:  # pyqtgraph's own test in ImageItem.paint
            renderer.render()
        return None if renderer._unrenderable else renderer.qimage

    def channel_values(self, y: float, x: float) -> np.ndarray | None:
        cell = None if self.mosaic is None or self.values is None else self.mosaic.locate(y, x)
        return None if cell is None else self.values[cell[0]]


class LayerStack(QWidget):
    """A column of layers, each a title above a mosaic of its channels.

    Signals
    -------
    cell_clicked(str, int, int, int)
        (layer key, channel, row, col) of a clicked cell.

    Attributes
    ----------
    titles : dict[str, Title]
        Each row's title (``titles[key].text``).
    views : dict[str, LayerMaps]
        Each row's maps, mosaic and outlines.
    """

    cell_clicked = Signal(str, int, int, int)

    def __init__(self, cmap: str = ACTIVATION_CMAP, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cmap = cmap
        self.titles: dict[str, Title] = {}
        self.views: dict[str, LayerMaps] = {}
        self._hovered: str | None = None
        font = QFont(self.font())
        font.setPointSizeF(TITLE_POINTS)
        self.setFont(font)  # set explicitly, so the presenter view scales it
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # every pixel is painted: nothing below first
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- what the lessons call --------------------------------------------------------------------------------------

    def keys(self) -> list[str]:
        return list(self.views)

    def set_layers(self, keys: Sequence[str]) -> None:
        """One row per key, in order; rows are rebuilt only when the keys change."""
        keys = list(keys)
        if keys == self.keys():
            return
        self.titles = {key: Title() for key in keys}
        self.views = {key: LayerMaps(self._cmap) for key in keys}
        self._hovered = None
        self._prepare_titles()
        self.update()

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
        c, h, w = values.shape
        if columns != view.columns or view.mosaic is None or (view.mosaic.channels, view.mosaic.height,
                                                              view.mosaic.width) != (c, h, w):
            view.columns = columns
            view.mosaic = Mosaic(c, h, w, columns or mosaic_columns(c, h, w),
                                 gap=1 if min(h, w) > 1 and c > 1 else 0)
        elif (view.values is not None and view.levels == tuple(levels) and np.array_equal(view.values, values)
              and self.titles[key].text == title):
            return  # the same maps again: nothing to repaint
        view.values, view.levels = values, tuple(levels)
        view.renderer.setImage(view.mosaic.tile(values), autoLevels=False, levels=levels)
        view.labels = [] if labels is None or (h, w) != (1, 1) else [str(text) for text in labels][:c]
        if self.titles[key].text != title:
            self.titles[key].text = title
            self._prepare_titles([key])
        self.update(self._row_rect(key).toAlignedRect())

    def clear_layers(self) -> None:
        """Empty every row (titles, maps, labels and the outlines)."""
        for key, view in self.views.items():
            view.values, view.labels = None, []
            view.renderer.clear()
            view.selection._visible = view.hover._visible = False
            self.titles[key].text = ""
        self._prepare_titles()
        self.update()

    def mark(self, key: str | None, channel: int = 0, row: int = 0, col: int = 0) -> None:
        """Outline one cell of one layer (every other layer's outline is hidden); None hides all."""
        for name, view in self.views.items():
            shown = name == key and view.mosaic is not None
            rect = QRectF()
            if shown:
                top, left = view.mosaic.origin(channel)
                rect = QRectF(left + col, top + row, 1, 1)
            if (shown, rect) != (view.selection._visible, view.selection._rect if shown else QRectF()):
                view.selection._visible, view.selection._rect = shown, rect
                self.update()

    def cell_rect(self, key: str, channel: int, row: int = 0, col: int = 0) -> QRectF:
        """Where cell (channel, row, col) of row ``key`` is on the widget (an empty rect: not shown)."""
        view = self.views[key]
        placed = self._placement(key)
        if view.mosaic is None or placed is None:
            return QRectF()
        (ox, oy), scale = placed
        top, left = view.mosaic.origin(channel)
        return QRectF(ox + (left + col) * scale, oy + (top + row) * scale, scale, scale)

    def cell_at(self, point: QPointF) -> tuple[str, int, int, int] | None:
        """(layer key, channel, row, col) under widget ``point``, or None."""
        found = self._mosaic_point(point)
        if found is None:
            return None
        key, y, x = found
        cell = self.views[key].mosaic.locate(y, x)
        return None if cell is None else (key, *cell)

    def copy_values_at(self, point: QPointF) -> str | None:
        """Put the channel under widget ``point`` on the clipboard as tab-separated text; returns it (None: nothing)."""
        found = self._mosaic_point(point)
        values = None if found is None else self.views[found[0]].channel_values(found[1], found[2])
        if values is None:
            return None
        text = format_grid(np.asarray(values, dtype=np.float64), digits=4)
        QGuiApplication.clipboard().setText(text)
        return text

    # -- geometry ---------------------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(480, 360)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(120, 60)

    def _title_height(self) -> float:
        return TITLE_TOP + self.fontMetrics().height() + TITLE_GAP

    def _row_rect(self, key: str) -> QRectF:
        """Row ``key``'s whole rectangle (title and maps)."""
        keys = self.keys()
        index = keys.index(key)
        height = max(0.0, self.height() - MARGIN) / max(1, len(keys))
        return QRectF(0, MARGIN / 2 + index * height, self.width(), height)

    def _placement(self, key: str) -> tuple[tuple[float, float], float] | None:
        """((x, y) of the mosaic's top-left corner, pixels per cell) of row ``key``, or None without a mosaic."""
        mosaic = self.views[key].mosaic
        if mosaic is None:
            return None
        row = self._row_rect(key)
        title = self._title_height()
        area = QRectF(MARGIN, row.top() + title, max(1.0, row.width() - 2 * MARGIN), max(1.0, row.height() - title))
        rows, cols = mosaic.shape
        scale = min(area.width() / (cols * (1 + 2 * PADDING)), area.height() / (rows * (1 + 2 * PADDING)))
        centre = area.center()
        return (centre.x() - cols * scale / 2, centre.y() - rows * scale / 2), scale

    def _mosaic_point(self, point: QPointF) -> tuple[str, float, float] | None:
        """(layer key, y, x) in the mosaic coordinates of the row under widget ``point``."""
        for key in self.keys():
            if not self._row_rect(key).contains(point):
                continue
            placed = self._placement(key)
            if placed is None or self.views[key].values is None:
                return None
            (ox, oy), scale = placed
            return key, (point.y() - oy) / scale, (point.x() - ox) / scale
        return None

    def _prepare_titles(self, keys: Sequence[str] | None = None) -> None:
        for key in keys if keys is not None else self.keys():
            self.titles[key].static.setText(self.titles[key].text)
            self.titles[key].static.prepare(font=self.font())

    # -- Qt events --------------------------------------------------------------------------------------------------

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.type() == event.Type.FontChange:
            self._prepare_titles()
            self.update()
        super().changeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(event.rect(), Qt.GlobalColor.white)
        painter.setPen(Qt.GlobalColor.black)
        painter.setFont(self.font())
        dirty = QRectF(event.rect())
        for key in self.keys():
            row = self._row_rect(key)
            if not row.intersects(dirty):
                continue
            title = self.titles[key]
            if title.text:
                painter.drawStaticText(QPointF(MARGIN, row.top() + TITLE_TOP), title.static)
            self._paint_maps(painter, key)
        painter.end()

    def _paint_maps(self, painter: QPainter, key: str) -> None:
        view, placed = self.views[key], self._placement(key)
        picture = view.picture()
        if placed is None or picture is None:
            return
        (ox, oy), scale = placed
        painter.save()
        painter.translate(ox, oy)
        painter.scale(scale, scale)
        painter.drawImage(QRectF(0, 0, picture.width(), picture.height()), picture)
        painter.restore()
        for index, text in enumerate(view.labels):
            rect = self.cell_rect(key, index)
            bright = (float(view.values[index, 0, 0]) - view.levels[0]) / max(1e-12, view.levels[1] - view.levels[0])
            painter.setPen(Qt.GlobalColor.black if bright > 0.6 else Qt.GlobalColor.white)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for outline, colour, width in ((view.selection, SELECTION_COLOUR, 2.0), (view.hover, HOVER_COLOUR, 1.0)):
            if outline.isVisible():
                pen = QPen(colour)
                pen.setWidthF(width * line_scale())
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                rect = outline.rect()
                painter.drawRect(QRectF(ox + rect.x() * scale, oy + rect.y() * scale,
                                        rect.width() * scale, rect.height() * scale))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(Qt.GlobalColor.black)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        point = event.position()
        if event.button() == Qt.MouseButton.RightButton and self._mosaic_point(point) is not None:
            menu = QMenu(self)
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            action = menu.addAction("Copy values as text", lambda: self.copy_values_at(point))
            action.setToolTip("Tab-separated numbers, one row per line: they paste into a spreadsheet")
            menu.popup(event.globalPosition().toPoint())  # no nested event loop
            event.accept()
            return
        cell = self.cell_at(point) if event.button() == Qt.MouseButton.LeftButton else None
        if cell is None:
            super().mousePressEvent(event)
            return
        event.accept()
        self.cell_clicked.emit(*cell)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hover(self.cell_at(event.position()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hover(None)
        super().leaveEvent(event)

    def _hover(self, cell: tuple[str, int, int, int] | None) -> None:
        for key, view in self.views.items():
            shown = cell is not None and cell[0] == key
            rect = QRectF()
            if shown:
                top, left = view.mosaic.origin(cell[1])
                rect = QRectF(left + cell[3], top + cell[2], 1, 1)
            if shown != view.hover._visible or (shown and rect != view.hover._rect):
                view.hover._visible, view.hover._rect = shown, rect
                self.update(self._row_rect(key).toAlignedRect())
