"""Word embeddings as pictures: the lookup table with the rows a text picks, and a 2-D map of the words.

:class:`EmbeddingLookup` draws the whole embedding matrix (one row per id) with
the rows of the current words marked, and those rows stacked as the matrix
``x`` the network reads. :class:`EmbeddingMap` scatters the most frequent words
on a 2-D projection of their vectors, coloured by a signed value per word (how
it pushes the prediction), with the current words ringed and labelled; hovering
a point reports which word it is.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from .fast_image import FastImageItem
from .maps import SIGNED_CMAP, colormap

#: Height of one row label on a vertical word axis (pixels).
ROW_LABEL_PX = 13.0
#: Most words labelled on the map at once.
MAP_LABELS = 14
#: Where a word's label may sit around its point, tried in this order: (x, y) anchors of the label
#: (0, 1): up and to the right; (1, 1): up and to the left; (0, 0): down and to the right; (1, 0): down
#: and to the left.
LABEL_ANCHORS = ((0.0, 1.0), (1.0, 1.0), (0.0, 0.0), (1.0, 0.0))


def place_labels(points: list[tuple[float, float]], sizes: list[tuple[float, float]],
                 area: tuple[float, float, float, float] | None = None) -> list[tuple[float, float] | None]:
    """An anchor for each label (one of :data:`LABEL_ANCHORS`) so that no two labels overlap, or None (left out).

    Labels are placed in order, each at the first anchor around its point whose rectangle overlaps
    no label placed before it, preferring anchors that keep it inside ``area`` (left, top, width,
    height); a label that fits nowhere is left out: its point keeps its ring, and hovering names it.

    Parameters
    ----------
    points : list of (x, y)
        Each label's point, in pixels (y downwards).
    sizes : list of (width, height)
        Each label's size in pixels.
    """
    placed: list[tuple[float, float, float, float]] = []
    anchors: list[tuple[float, float] | None] = []

    def rect(point, size, anchor):
        return point[0] - anchor[0] * size[0], point[1] - anchor[1] * size[1], size[0], size[1]

    def overlaps(a, b) -> bool:
        return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]

    def inside(r) -> bool:
        return area is None or (r[0] >= area[0] and r[1] >= area[1] and r[0] + r[2] <= area[0] + area[2]
                                and r[1] + r[3] <= area[1] + area[3])

    for point, size in zip(points, sizes):
        free = [a for a in LABEL_ANCHORS if not any(overlaps(rect(point, size, a), p) for p in placed)]
        choice = next((a for a in free if inside(rect(point, size, a))), free[0] if free else None)
        anchors.append(choice)
        if choice is not None:
            placed.append(rect(point, size, choice))
    return anchors


def _fixed_plot(title: str, left: str, bottom: str) -> pg.PlotItem:
    plot = pg.PlotItem(title=title)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setLabel("left", left)
    plot.setLabel("bottom", bottom)
    for side in ("left", "bottom"):  # plain numbers: no "(x0.001)" rescaling of small coordinates
        plot.getAxis(side).enableAutoSIPrefix(False)
    return plot


def row_ticks(labels: list[str], pixels: float) -> list[tuple[float, str]]:
    """Ticks for one label per image row (row i centred at i + 0.5), every n-th so that none overlap."""
    if not labels:
        return []
    every = max(1, int(np.ceil(ROW_LABEL_PX / max(pixels / len(labels), 1e-6))))
    return [(i + 0.5, labels[i]) for i in range(0, len(labels), every)]


class EmbeddingLookup(QWidget):
    """The embedding table (ids × dimensions) and the rows the current words pick from it.

    Two plots side by side: the whole table, narrow (the rows picked are marked with lines),
    and the picked rows with their ids on the left and their words on the right.

    Attributes
    ----------
    rows : ndarray (T, d)
        The picked rows on screen (float32).
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        cmap = colormap(SIGNED_CMAP)
        self.table_view = pg.GraphicsLayoutWidget()
        self.table_view.setFixedWidth(170)  # the whole table is context: the picked rows get the room
        self.table_plot = _fixed_plot("", "", "dim.")
        self.table_plot.invertY(True)
        self.table_image = FastImageItem(axisOrder="row-major")
        self.table_image.setColorMap(cmap)
        self.table_plot.addItem(self.table_image)
        self.picks = pg.PlotDataItem([], [], connect="pairs", pen=pg.mkPen("#000000", width=1.2))
        self.table_plot.addItem(self.picks)
        self.table_view.addItem(self.table_plot)
        self.rows_view = pg.GraphicsLayoutWidget()
        self.rows_plot = _fixed_plot("x = the rows picked", "", "dimension")
        self.rows_plot.invertY(True)
        self.rows_plot.showAxis("right")
        self.rows_plot.getAxis("right").setWidth(86)
        self.rows_image = FastImageItem(axisOrder="row-major")
        self.rows_image.setColorMap(cmap)
        self.rows_plot.addItem(self.rows_image)
        self.bar = pg.ColorBarItem(colorMap=cmap, values=(-1, 1), interactive=False, width=10)
        self.bar.setImageItem([self.table_image, self.rows_image])
        self.bar.axis.setWidth(34)
        self.rows_view.addItem(self.rows_plot, row=0, col=0)
        self.rows_view.addItem(self.bar, row=0, col=1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.table_view)
        layout.addWidget(self.rows_view, 1)
        self.levels = (-1.0, 1.0)
        self.rows = np.zeros((0, 0), np.float32)
        self.labels: list[str] = []
        self.ids = np.zeros(0, np.int64)
        self._table_shape = (0, 0)
        self.rows_plot.getViewBox().sigResized.connect(self._label_rows)

    def set_table(self, table: np.ndarray, limit: float) -> None:
        """The whole embedding table (V, d); colours saturate at ±``limit``."""
        self.levels = (-float(limit), float(limit))
        self.bar.setLevels(self.levels)
        self.table_image.setImage(np.asarray(table, dtype=np.float32), autoLevels=False, levels=self.levels)
        self._table_shape = table.shape
        self.table_plot.setRange(QRectF(0, 0, table.shape[1], table.shape[0]), padding=0)
        self.table_plot.setTitle(f"E: {table.shape[0]:,} × {table.shape[1]}", size="9pt")

    def set_rows(self, ids: np.ndarray, labels: list[str], rows: np.ndarray) -> None:
        """The ids read, their words (one per row) and their rows (T, d) of the table."""
        rows = np.asarray(rows, dtype=np.float32)
        ids = np.asarray(ids)
        old = self.rows.shape
        self.rows, self.labels, self.ids = rows, list(labels), ids
        if len(rows):
            self.rows_image.setImage(rows, autoLevels=False, levels=self.levels)
        else:
            self.rows_image.clear()
        if rows.shape != old:
            self.rows_plot.setRange(QRectF(0, 0, max(rows.shape[1], 1), max(len(rows), 1)), padding=0)
        width = self._table_shape[1]
        ys = np.repeat(np.unique(ids).astype(float) + 0.5, 2)
        xs = np.tile([0.0, float(width)], len(ys) // 2)
        self.picks.setData(xs, ys)
        self.rows_plot.setTitle(f"x: the {len(rows)} row{'s' if len(rows) != 1 else ''} picked" if len(rows)
                                else "x: no words, no rows")
        self._label_rows()

    def _label_rows(self, *_args) -> None:
        height = self.rows_plot.getViewBox().height()
        self.rows_plot.getAxis("left").setTicks([row_ticks([str(i) for i in self.ids], height), []])
        self.rows_plot.getAxis("right").setTicks([row_ticks(self.labels, height), []])


class EmbeddingMap(pg.GraphicsLayoutWidget):
    """The most frequent words on a 2-D map of their embedding, coloured by a signed value.

    Signals
    -------
    word_hovered(object)
        Index of the map point under the mouse (within a few pixels), or None.
    """

    word_hovered = Signal(object)
    HOVER_PX = 8.0

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        self.cmap = colormap(SIGNED_CMAP)
        self.plot = _fixed_plot("", "second principal component", "first principal component")
        self.plot.getViewBox().setAspectLocked(False)
        self.points = pg.ScatterPlotItem(size=5, pen=None)
        self.points.setZValue(0)
        self.plot.addItem(self.points)
        self.rings = pg.ScatterPlotItem(size=12, pen=pg.mkPen("#000000", width=1.5), brush=None)
        self.rings.setZValue(2)
        self.plot.addItem(self.rings)
        self.hover_ring = pg.ScatterPlotItem(size=16, pen=pg.mkPen("#E69F00", width=2.5), brush=None)
        self.hover_ring.setZValue(3)
        self.plot.addItem(self.hover_ring)
        self.texts = []
        for _ in range(MAP_LABELS):
            text = pg.TextItem("", color="#000000", anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 190))
            text.setZValue(4)
            text.hide()
            self.plot.addItem(text)
            self.texts.append(text)
        self.bar = pg.ColorBarItem(colorMap=self.cmap, values=(-1, 1), interactive=False, width=10,
                                   label="push on P(positive)")
        self.addItem(self.plot, row=0, col=0)
        self.addItem(self.bar, row=0, col=1)
        self._palette = [pg.mkBrush(c) for c in self.cmap.map(np.linspace(0, 1, 101), "qcolor")]
        self.xy = np.zeros((0, 2))
        self.values = np.zeros(0)
        self.highlighted = np.zeros(0, np.int64)
        self.labels: list[str] = []
        self.hovered: int | None = None
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        view = self.plot.getViewBox()
        view.sigResized.connect(self._place_labels)  # the labels' room is counted in pixels
        view.sigRangeChanged.connect(self._place_labels)

    def set_map(self, xy: np.ndarray, values: np.ndarray, limit: float, title: str = "") -> None:
        """Points (W, 2) coloured by ``values`` (W,), saturating at ±``limit``."""
        self.xy = np.asarray(xy, dtype=np.float64)
        self.values = np.asarray(values, dtype=np.float64)
        limit = max(float(limit), 1e-12)
        self.bar.setLevels((-limit, limit))
        # 101 shared brushes instead of one per point: pyqtgraph then draws each colour's symbol once
        # (a new map took 150–300 ms with 3,000 distinct brushes).
        steps = np.round(100 * np.clip(0.5 + 0.5 * self.values / limit, 0, 1)).astype(int)
        self.points.setData(pos=self.xy, brush=[self._palette[i] for i in steps])
        self.plot.setTitle(title)
        if len(self.xy):
            low, high = self.xy.min(axis=0), self.xy.max(axis=0)
            pad = 0.04 * (high - low + 1e-9)
            self.plot.setRange(QRectF(low[0] - pad[0], low[1] - pad[1], *(high - low + 2 * pad)), padding=0)
        self.set_hovered(None)

    def set_highlight(self, indices, labels: list[str]) -> None:
        """Ring the map points ``indices`` (the current words on the map); label the first few.

        Labels never cover one another: each sits beside its point where there is room
        (:func:`place_labels`), and one with no room is left out (its point stays ringed).
        """
        indices = np.asarray(indices, dtype=np.int64)
        indices = indices[(indices >= 0) & (indices < len(self.xy))]
        self.highlighted = indices
        self.labels = list(labels)
        self.rings.setData(pos=self.xy[indices] if len(indices) else np.zeros((0, 2)))
        for i, text in enumerate(self.texts):
            if i < len(indices) and i < len(labels):
                text.setText(labels[i])
                text.setPos(QPointF(*self.xy[indices[i]]))
        self._place_labels()

    def _place_labels(self, *_args) -> None:
        count = min(len(self.highlighted), len(self.labels), len(self.texts))
        view = self.plot.getViewBox()
        points, sizes = [], []
        for i in range(count):
            point = view.mapViewToScene(QPointF(*self.xy[self.highlighted[i]]))
            box = self.texts[i].textItem.boundingRect()
            points.append((point.x(), point.y()))
            sizes.append((box.width(), box.height()))
        area = view.sceneBoundingRect()
        anchors = place_labels(points, sizes, (area.x(), area.y(), area.width(), area.height()))
        for i, text in enumerate(self.texts):
            anchor = anchors[i] if i < count else None
            if anchor is None:
                text.hide()
            else:
                text.setAnchor(anchor)
                text.show()

    def set_hovered(self, index: int | None) -> None:
        self.hovered = index
        self.hover_ring.setData(pos=self.xy[[index]] if index is not None else np.zeros((0, 2)))

    def point_at(self, scene_pos) -> int | None:
        """The map point within :attr:`HOVER_PX` of a scene position, or None."""
        view = self.plot.getViewBox()
        if not len(self.xy) or not view.sceneBoundingRect().contains(scene_pos):
            return None
        pixel = view.viewPixelSize()
        here = view.mapSceneToView(scene_pos)
        dx = (self.xy[:, 0] - here.x()) / pixel[0]
        dy = (self.xy[:, 1] - here.y()) / pixel[1]
        distance = dx * dx + dy * dy
        best = int(np.argmin(distance))
        return best if distance[best] <= self.HOVER_PX ** 2 else None

    def _on_mouse_moved(self, scene_pos) -> None:
        index = self.point_at(scene_pos)
        if index != self.hovered:
            self.set_hovered(index)
            self.word_hovered.emit(index)
