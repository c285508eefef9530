"""Rows of feature-map mosaics painted straight onto a widget: the parts the layer views share.

:class:`~.layer_stack.LayerStack` (the draw lesson) and :class:`~.layer_maps.LayerMapsOverview`
(the photo lesson, users' models) lay their rows out differently, but each row is a
:class:`MapsRow`: the maps it shows, their :class:`~.maps.Mosaic`, a picture coloured exactly as a
pyqtgraph image would colour it (by :class:`~.fast_image.FastImageItem`'s renderer, used off any
scene), and its outlines. :func:`paint_row` paints one at a given place and scale, and
:class:`PaintedRows` is the widget both build on (hit-testing, clicks, hover, copying).

Why not a pyqtgraph scene: every layer changes with every pen stroke or photo, and a graphics
scene walks all its view boxes, labels and items, many through Python, to repaint them.
"""

from __future__ import annotations

import math
import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPen, QStaticText, QTextOption
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from ...core.formatting import format_grid
from .fast_image import FastImageItem
from .maps import Mosaic, colormap, mosaic_columns
from .style import line_scale

#: A mosaic fills its area but for this share of its size on each side (as a view box's padding of 0.02).
PADDING = 0.02
SELECTION_COLOUR, HOVER_COLOUR = QColor("#ff9900"), QColor("#ffffff")
#: The outlines' pen widths at the normal line scale (pixels).
SELECTION_WIDTH, HOVER_WIDTH = 2.0, 1.0


def outline_reach() -> int:
    """How many pixels an outline's pen reaches past the edges of its cells (antialiasing included):
    a widget repainting a row's outlines repaints this much beyond the row."""
    return math.ceil(max(SELECTION_WIDTH, HOVER_WIDTH) * line_scale() / 2) + 1


class Outline:
    """Cells outlined in mosaic coordinates (x = column, y = row), shown or hidden."""

    def __init__(self) -> None:
        self._rect, self._visible = QRectF(), False

    def rect(self) -> QRectF:
        return QRectF(self._rect)

    def isVisible(self) -> bool:  # noqa: N802 (the name a Qt item's outline has)
        return self._visible

    def set(self, rect: QRectF | None) -> bool:
        """Show ``rect`` (None: hide); whether anything changed."""
        visible, rect = rect is not None, QRectF(rect) if rect is not None else QRectF()
        if (visible, rect) == (self._visible, self._rect):
            return False
        self._visible, self._rect = visible, rect
        return True


class Title:
    """A row's rich-text title, laid out once per text and font; ``text`` is what it says ("" for none)."""

    def __init__(self) -> None:
        self.text = ""
        self.static = QStaticText()
        self.static.setTextFormat(Qt.TextFormat.RichText)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.NoWrap)
        self.static.setTextOption(option)

    def set_text(self, text: str, font) -> bool:
        """Say ``text``; whether it changed."""
        if text == self.text:
            return False
        self.text = text
        self.prepare(font)
        return True

    def prepare(self, font) -> None:
        self.static.setText(self.text)
        self.static.prepare(font=font)


class MapsRow:
    """One layer's maps: the values shown, their mosaic, their picture and the outlines.

    Attributes
    ----------
    values : ndarray or None
        The (C, H, W) maps shown (None: the row is empty).
    mosaic : Mosaic or None
        How the channels are tiled.
    image : FastImageItem
        The renderer that colours the tiled maps (``image.getLevels()``, ``image.getColorMap()``).
    selection, hover : Outline
        The selected cells and the cell under the pointer.
    labels : list of str
        Texts written on the cells of a vector layer.
    """

    def __init__(self, cmap: str) -> None:
        self.values: np.ndarray | None = None
        self.mosaic: Mosaic | None = None
        self.levels: tuple[float, float] | None = None
        self.columns: int | None = None
        self.cmap = cmap
        self.labels: list[str] = []
        self.selection, self.hover = Outline(), Outline()
        self.image = FastImageItem(axisOrder="row-major")  # never in a scene: only its renderer is used
        self.image.setColorMap(colormap(cmap))

    def set_cmap(self, cmap: str) -> bool:
        """Colour with ``cmap`` from now on; whether it changed."""
        if cmap == self.cmap:
            return False
        self.cmap = cmap
        self.image.setColorMap(colormap(cmap))
        return True

    def set_maps(self, values: np.ndarray, levels: tuple[float, float], columns: int | None = None,
                 aspect: float = 4.0) -> bool:
        """Show (C, H, W) ``values`` (or (n,) as n 1×1 maps) at fixed ``levels``; whether the picture changed."""
        values = np.asarray(values, dtype=np.float32)
        if values.ndim == 1:
            values = values.reshape(-1, 1, 1)
        c, h, w = values.shape
        mosaic = self.mosaic
        if columns != self.columns or mosaic is None or (mosaic.channels, mosaic.height, mosaic.width) != (c, h, w):
            self.columns = columns
            self.mosaic = Mosaic(c, h, w, columns or mosaic_columns(c, h, w, aspect),
                                 gap=1 if min(h, w) > 1 and c > 1 else 0)
        elif self.values is not None and self.levels == tuple(levels) and np.array_equal(self.values, values):
            return False  # the same maps again: nothing to repaint
        self.values, self.levels = values, (float(levels[0]), float(levels[1]))
        self.image.setImage(self.mosaic.tile(values), autoLevels=False, levels=self.levels)
        return True

    def clear(self) -> None:
        self.values, self.labels = None, []
        self.image.clear()
        self.selection.set(None)
        self.hover.set(None)

    def picture(self):
        """The QImage of the mosaic (coloured on first use after a change), or None when empty."""
        image = self.image
        if self.values is None or image.image is None:
            return None
        if image._renderRequired or image.qimage is None:  # pyqtgraph's own test in ImageItem.paint
            image.render()
        return None if image._unrenderable else image.qimage

    def cell_outline(self, channel: int, row: int = 0, col: int = 0, height: int = 1, width: int = 1) -> QRectF:
        """Mosaic rectangle of ``height``×``width`` cells of ``channel`` from (row, col)."""
        top, left = self.mosaic.origin(channel)
        return QRectF(left + col, top + row, width, height)

    def channel_values(self, y: float, x: float) -> np.ndarray | None:
        """The whole map of the channel under mosaic point (y, x) (None: a gap or outside)."""
        cell = None if self.mosaic is None or self.values is None else self.mosaic.locate(y, x)
        return None if cell is None else self.values[cell[0]]


def fit_mosaic(mosaic: Mosaic, area: QRectF) -> tuple[QPointF, float]:
    """(top-left corner, pixels per cell) of ``mosaic`` fitted into ``area``, centred, aspect kept."""
    rows, cols = (max(1, side) for side in mosaic.shape)  # a layer of no channels: an empty 0-row mosaic
    scale = min(area.width() / (cols * (1 + 2 * PADDING)), area.height() / (rows * (1 + 2 * PADDING)))
    scale = max(scale, 1e-6)
    centre = area.center()
    return QPointF(centre.x() - cols * scale / 2, centre.y() - rows * scale / 2), scale


def paint_row(painter: QPainter, row: MapsRow, origin: QPointF, scale: float) -> None:
    """Paint ``row``'s picture with its top-left corner at ``origin``, ``scale`` pixels a cell, then
    its cell labels and outlines. The painter's pen is black again afterwards."""
    picture = row.picture()
    if picture is None:
        return
    ox, oy = origin.x(), origin.y()
    painter.save()
    painter.translate(ox, oy)
    painter.scale(scale, scale)
    painter.drawImage(QRectF(0, 0, picture.width(), picture.height()), picture)
    painter.restore()
    if row.labels:
        low, high = row.levels
        for index, text in enumerate(row.labels):
            top, left = row.mosaic.origin(index)
            bright = (float(row.values[index, 0, 0]) - low) / max(1e-12, high - low) > 0.6
            painter.setPen(Qt.GlobalColor.black if bright else Qt.GlobalColor.white)
            painter.drawText(QRectF(ox + left * scale, oy + top * scale, scale, scale), Qt.AlignmentFlag.AlignCenter,
                             text)
    outlines = [(o, colour, width) for o, colour, width in ((row.selection, SELECTION_COLOUR, SELECTION_WIDTH),
                                                              (row.hover, HOVER_COLOUR, HOVER_WIDTH)) if o.isVisible()]
    if outlines:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for outline, colour, width in outlines:
            pen = QPen(colour)
            pen.setWidthF(width * line_scale())
            painter.setPen(pen)
            rect = outline.rect()
            painter.drawRect(QRectF(ox + rect.x() * scale, oy + rect.y() * scale, rect.width() * scale,
                                    rect.height() * scale))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(Qt.GlobalColor.black)


class PaintedRows(QWidget):
    """What a widget of painted map rows does whatever its layout: hit-testing, clicks, hover, copying.

    A subclass keeps its rows in :attr:`views` and :attr:`titles` (one per layer key, top to
    bottom), places them (:meth:`_placement`, :meth:`_row_at`), says what to repaint for a row
    (:meth:`_repaint_area`) and what a click on a cell reports (:meth:`_clicked`).

    Attributes
    ----------
    titles : dict[str, Title]
        Each row's title (``titles[key].text``).
    views : dict[str, MapsRow]
        Each row's maps, mosaic and outlines.
    """

    #: The titles' size at the normal scale (the presenter view scales the widget's font).
    TITLE_POINTS = 9.0
    SIZE_HINT = (480, 360)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.titles: dict[str, Title] = {}
        self.views: dict[str, MapsRow] = {}
        font = QFont(self.font())
        font.setPointSizeF(self.TITLE_POINTS)
        self.setFont(font)  # set explicitly, so the presenter view scales it
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # every pixel is painted: nothing below first
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def keys(self) -> list[str]:
        """Layer keys, top to bottom."""
        return list(self.views)

    # -- what a subclass decides ------------------------------------------------------------------------------------

    def _placement(self, key: str) -> tuple[QPointF, float] | None:
        """(top-left corner, pixels per cell) of row ``key``'s mosaic; None while it has none."""
        raise NotImplementedError

    def _row_at(self, point: QPointF) -> str | None:
        """The key of the row whose maps (or whole row) hold widget ``point``, or None."""
        raise NotImplementedError

    def _repaint_area(self, key: str) -> QRect | None:
        """The widget rectangle to repaint when row ``key`` changes (its outlines' reach included)."""
        raise NotImplementedError

    def _clicked(self, cell: tuple[str, int, int, int]) -> None:
        """Report a left click on (layer key, channel, row, col)."""
        raise NotImplementedError

    def _fonts_changed(self) -> None:
        """The titles are laid out again in the new font; lay the rows out and repaint."""
        self.update()

    # -- shared ------------------------------------------------------------------------------------------------------

    def cell_rect(self, key: str, channel: int, row: int = 0, col: int = 0) -> QRectF:
        """Where cell (channel, row, col) of row ``key`` is on the widget (an empty rect: not shown)."""
        placed = self._placement(key)
        if placed is None:
            return QRectF()
        origin, scale = placed
        top, left = self.views[key].mosaic.origin(channel)
        return QRectF(origin.x() + (left + col) * scale, origin.y() + (top + row) * scale, scale, scale)

    def cell_at(self, point: QPointF) -> tuple[str, int, int, int] | None:
        """(layer key, channel, row, col) under widget ``point``, or None (a title, a margin, a gap)."""
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

    def _mosaic_point(self, point: QPointF) -> tuple[str, float, float] | None:
        """(layer key, y, x) in the mosaic coordinates of the row under widget ``point``."""
        key = self._row_at(point)
        placed = None if key is None or self.views[key].values is None else self._placement(key)
        if placed is None:
            return None
        origin, scale = placed
        return key, (point.y() - origin.y()) / scale, (point.x() - origin.x()) / scale

    def _repaint(self, key: str) -> None:
        area = self._repaint_area(key)
        if area is not None:
            self.update(area)

    def _hover(self, cell: tuple[str, int, int, int] | None) -> None:
        for key, view in self.views.items():
            rect = view.cell_outline(cell[1], cell[2], cell[3]) if cell is not None and cell[0] == key else None
            if view.hover.set(rect):
                self._repaint(key)

    # -- Qt events ---------------------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(*self.SIZE_HINT)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(120, 60)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.type() == event.Type.FontChange:
            for title in self.titles.values():
                title.prepare(self.font())
            self._fonts_changed()
        super().changeEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        point = event.position()
        cell = self.cell_at(point)  # None on a title, a margin or a gap: nothing to click or copy there
        if cell is not None and event.button() == Qt.MouseButton.RightButton:
            menu = QMenu(self)
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            action = menu.addAction("Copy values as text", lambda: self.copy_values_at(point))
            action.setToolTip("Tab-separated numbers, one row per line: they paste into a spreadsheet")
            menu.popup(event.globalPosition().toPoint())  # no nested event loop
            event.accept()
        elif cell is not None and event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self._clicked(cell)
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hover(self.cell_at(event.position()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hover(None)
        super().leaveEvent(event)
