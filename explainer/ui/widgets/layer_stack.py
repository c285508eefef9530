"""Every layer of a network at once: one titled, clickable mosaic of feature maps per layer.

Rows are made for whatever layers the caller names, so a network with other
widths or another number of layers gets its own rows; a click anywhere is
reported as (layer, channel, row, column). The rows share the height, each
mosaic as large as its share and the width allow.

The stack paints itself (titles, mosaics and outlines, see :mod:`.painted_maps`)
rather than holding a pyqtgraph scene.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from .maps import ACTIVATION_CMAP
from .painted_maps import MapsRow, Title, copy_channel, fit_mosaic, offer_copy, outline_reach, paint_row

#: Space around the rows, above a title and between a title and its maps (pixels).
MARGIN, TITLE_TOP, TITLE_GAP = 10, 6, 3
#: The titles' size at the normal scale (the presenter view scales the widget's font).
TITLE_POINTS = 9.0


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
    views : dict[str, MapsRow]
        Each row's maps, mosaic and outlines.
    """

    cell_clicked = Signal(str, int, int, int)

    def __init__(self, cmap: str = ACTIVATION_CMAP, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cmap = cmap
        self.titles: dict[str, Title] = {}
        self.views: dict[str, MapsRow] = {}
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
        self.views = {key: MapsRow(self._cmap) for key in keys}
        self.update()

    def show_layer(self, key: str, values: np.ndarray, levels: tuple[float, float], title: str,
                   columns: int | None = None, labels: Sequence[str] | None = None) -> None:
        """Show (C, H, W) ``values`` (or (n,) as 1×1 maps) in row ``key`` with fixed ``levels``.

        ``labels`` writes a text on each cell of a vector layer (e.g. the digit
        each output neuron stands for), dark on bright cells and light on dark ones.
        """
        view = self.views[key]
        changed = view.set_maps(values, levels, columns)
        c, h, w = view.values.shape
        texts = [] if labels is None or (h, w) != (1, 1) else [str(text) for text in labels][:c]
        if texts != view.labels:
            view.labels, changed = texts, True
        if self.titles[key].set_text(title, self.font()) or changed:
            self.update(self._repaint_rect(key))

    def clear_layers(self) -> None:
        """Empty every row (titles, maps, labels and the outlines)."""
        for key, view in self.views.items():
            view.clear()
            self.titles[key].set_text("", self.font())
        self.update()

    def mark(self, key: str | None, channel: int = 0, row: int = 0, col: int = 0) -> None:
        """Outline one cell of one layer (every other layer's outline is hidden); None hides all."""
        for name, view in self.views.items():
            shown = name == key and view.mosaic is not None
            if view.selection.set(view.cell_outline(channel, row, col) if shown else None):
                self.update(self._repaint_rect(name))

    def cell_rect(self, key: str, channel: int, row: int = 0, col: int = 0) -> QRectF:
        """Where cell (channel, row, col) of row ``key`` is on the widget (an empty rect: not shown)."""
        view = self.views[key]
        if view.mosaic is None:
            return QRectF()
        origin, scale = self._placement(key)
        top, left = view.mosaic.origin(channel)
        return QRectF(origin.x() + (left + col) * scale, origin.y() + (top + row) * scale, scale, scale)

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
        return copy_channel(None if found is None else self.views[found[0]].channel_values(found[1], found[2]))

    # -- geometry ---------------------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(480, 360)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(120, 60)

    def _title_height(self) -> float:
        return TITLE_TOP + self.fontMetrics().height() + TITLE_GAP

    def _row_rect(self, key: str) -> QRectF:
        """Row ``key``'s whole rectangle (title and maps): the rows share the height."""
        keys = self.keys()
        height = max(0.0, self.height() - MARGIN) / max(1, len(keys))
        return QRectF(0, MARGIN / 2 + keys.index(key) * height, self.width(), height)

    def _repaint_rect(self, key: str):
        """Row ``key``'s rectangle to repaint: the row and what its outlines' pens reach beyond it."""
        reach = outline_reach()
        return self._row_rect(key).toAlignedRect().adjusted(0, -reach, 0, reach)

    def _placement(self, key: str) -> tuple[QPointF, float]:
        """(top-left corner, pixels per cell) of row ``key``'s mosaic (which must exist)."""
        row, title = self._row_rect(key), self._title_height()
        area = QRectF(MARGIN, row.top() + title, max(1.0, row.width() - 2 * MARGIN), max(1.0, row.height() - title))
        return fit_mosaic(self.views[key].mosaic, area)

    def _mosaic_point(self, point: QPointF) -> tuple[str, float, float] | None:
        """(layer key, y, x) in the mosaic coordinates of the row under widget ``point``."""
        for key in self.keys():
            if self._row_rect(key).contains(point):
                if self.views[key].values is None:
                    return None
                origin, scale = self._placement(key)
                return key, (point.y() - origin.y()) / scale, (point.x() - origin.x()) / scale
        return None

    # -- Qt events --------------------------------------------------------------------------------------------------

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.type() == event.Type.FontChange:
            for title in self.titles.values():
                title.prepare(self.font())
            self.update()
        super().changeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(event.rect(), Qt.GlobalColor.white)
        painter.setPen(Qt.GlobalColor.black)
        painter.setFont(self.font())
        dirty = QRectF(event.rect())
        for key, view in self.views.items():
            row = self._row_rect(key)
            if not row.intersects(dirty):
                continue
            if self.titles[key].text:
                painter.drawStaticText(QPointF(MARGIN, row.top() + TITLE_TOP), self.titles[key].static)
            if view.mosaic is not None:
                paint_row(painter, view, *self._placement(key))
        painter.end()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        point = event.position()
        if event.button() == Qt.MouseButton.RightButton and self.cell_at(point) is not None:  # not a title or gap
            offer_copy(self, event.globalPosition().toPoint(), lambda: self.copy_values_at(point))
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
            rect = view.cell_outline(cell[1], cell[2], cell[3]) if cell is not None and cell[0] == key else None
            if view.hover.set(rect):
                self.update(self._repaint_rect(key))
