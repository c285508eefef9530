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
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

from .maps import ACTIVATION_CMAP
from .painted_maps import MapsRow, PaintedRows, Title, fit_mosaic, outline_reach, paint_row

#: Space around the rows, above a title and between a title and its maps (pixels).
MARGIN, TITLE_TOP, TITLE_GAP = 10, 6, 3


class LayerStack(PaintedRows):
    """A column of layers, each a title above a mosaic of its channels.

    Signals
    -------
    cell_clicked(str, int, int, int)
        (layer key, channel, row, col) of a clicked cell.

    Attributes
    ----------
    titles, views : dict
        Each row's :class:`~.painted_maps.Title` and :class:`~.painted_maps.MapsRow` (see
        :class:`~.painted_maps.PaintedRows`).
    """

    cell_clicked = Signal(str, int, int, int)

    def __init__(self, cmap: str = ACTIVATION_CMAP, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cmap = cmap

    # -- what the lessons call --------------------------------------------------------------------------------------

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
            self._repaint(key)

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
                self._repaint(name)

    def _title_height(self) -> float:
        return TITLE_TOP + self.fontMetrics().height() + TITLE_GAP

    def _row_rect(self, key: str) -> QRectF:
        """Row ``key``'s whole rectangle (title and maps): the rows share the height."""
        keys = self.keys()
        height = max(0.0, self.height() - MARGIN) / max(1, len(keys))
        return QRectF(0, MARGIN / 2 + keys.index(key) * height, self.width(), height)

    def _repaint_area(self, key: str):
        """Row ``key``'s rectangle to repaint: the row and what its outlines' pens reach beyond it."""
        reach = outline_reach()
        return self._row_rect(key).toAlignedRect().adjusted(0, -reach, 0, reach)

    def _placement(self, key: str) -> tuple[QPointF, float] | None:
        """(top-left corner, pixels per cell) of row ``key``'s mosaic, None while it has none."""
        if self.views[key].mosaic is None:
            return None
        row, title = self._row_rect(key), self._title_height()
        area = QRectF(MARGIN, row.top() + title, max(1.0, row.width() - 2 * MARGIN), max(1.0, row.height() - title))
        return fit_mosaic(self.views[key].mosaic, area)

    def _row_at(self, point: QPointF) -> str | None:
        return next((key for key in self.keys() if self._row_rect(key).contains(point)), None)

    def _clicked(self, cell: tuple[str, int, int, int]) -> None:
        self.cell_clicked.emit(*cell)

    # -- Qt events --------------------------------------------------------------------------------------------------

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
