"""Small pyqtgraph building blocks shared by lessons: a titled image view, a grid of them, and a bar chart."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsRectItem

from .maps import ClickableImageItem, cache_axes, colormap, outline


class PanelTitle(pg.LabelItem):
    """A panel's title. Given a ``wrap_width`` it wraps onto more lines instead of widening its column.

    Signals
    -------
    text_changed()
        :meth:`setText` showed a new text (its size may have changed).
    """

    text_changed = Signal()
    wrap_width: float | None = None  # a class default: pyqtgraph sets the text inside __init__

    def setText(self, text, **args) -> None:  # noqa: N802 (pyqtgraph override)
        super().setText(text, **args)
        self.text_changed.emit()

    def set_wrap_width(self, width: float | None) -> None:
        if width != self.wrap_width:
            self.wrap_width = width
            self.updateMin()
            self.resizeEvent(None)

    def updateMin(self) -> None:  # noqa: N802 (pyqtgraph override)
        item = self.item
        item.setTextWidth(-1)
        if self.wrap_width is not None and item.boundingRect().width() > self.wrap_width:
            item.setTextWidth(self.wrap_width)
            option = item.document().defaultTextOption()
            option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.document().setDefaultTextOption(option)
        super().updateMin()
        if self.wrap_width is not None:
            self.setMinimumWidth(0)
            self._sizeHint[Qt.SizeHint.MinimumSize] = (0, self.minimumHeight())


class ImageView:
    """A titled ViewBox with one image at fixed levels and optional outlines.

    Add ``title`` and ``view`` to a pyqtgraph layout (e.g. title above view). With ``frame`` a thin
    grey line (``frame_item``) borders the image, so a picture that is dark at its edge, or a
    stroke that touches it, still shows where the picture ends.
    """

    FRAME_COLOR = "#707070"

    def __init__(self, title: str = "", cmap: str = "grey", levels: tuple[float, float] = (0.0, 1.0),
                 frame: bool = False) -> None:
        self.title = PanelTitle(title, size="9pt")
        self.view = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view.setMouseEnabled(False, False)
        self.image = ClickableImageItem(axisOrder="row-major")
        if cmap != "grey":
            self.image.setColorMap(colormap(cmap))
        self.view.addItem(self.image)
        self.levels = levels
        self.marks: dict[str, object] = {}
        self._shape: tuple[int, int] | None = None
        self.frame_item: QGraphicsRectItem | None = None
        if frame:
            self.frame_item = outline(self.FRAME_COLOR, 1.0)
            self.frame_item.setZValue(5)  # under the marks
            self.view.addItem(self.frame_item)

    def set_image(self, values: np.ndarray, levels: tuple[float, float] | None = None) -> None:
        values = np.asarray(values, dtype=np.float32)
        self.image.setImage(values, autoLevels=False, levels=levels or self.levels)
        if values.shape[:2] != self._shape:
            self._shape = values.shape[:2]
            bounds = QRectF(0, 0, values.shape[1], values.shape[0])
            self.view.setRange(bounds, padding=0.02)
            if self.frame_item is not None:
                self.frame_item.setRect(bounds)
        if self.frame_item is not None:
            self.frame_item.show()

    def clear(self) -> None:
        self.image.clear()
        self._shape = None
        for item in self.marks.values():
            item.hide()
        if self.frame_item is not None:
            self.frame_item.hide()

    def mark(self, name: str, rect: tuple[float, float, float, float] | None, color: str = "#ff9900",
             width: float = 2.0) -> None:
        """Outline ``rect`` = (top, left, height, width) in image pixels under ``name``; None hides it."""
        item = self.marks.get(name)
        if item is None:
            item = outline(color, width)
            self.view.addItem(item)
            self.marks[name] = item
        if rect is None:
            item.hide()
        else:
            top, left, height, w = rect
            item.setRect(QRectF(left, top, w, height))
            item.show()

    def set_title(self, text: str) -> None:
        """Retitle the panel; the same title again is left alone (pyqtgraph lays a label out on every setText)."""
        if self.title.text != text:
            self.title.setText(text)


class PanelGrid(pg.GraphicsLayoutWidget):
    """Titled :class:`ImageView` panels on a grid of equal square cells, packed at the top, centred across.

    Left to pyqtgraph, the columns would share the width by their titles' widths and every row
    would stretch to the height, so panels come out of different sizes with gaps between the
    rows. Here every cell is the largest square with which all of them fit.

    Parameters
    ----------
    rows, columns : int
        The grid's size in panels.
    """

    SPACING = 8
    _built = False  # pyqtgraph resizes the view inside its __init__, before there is a grid to fit

    def __init__(self, rows: int, columns: int, parent=None) -> None:
        super().__init__(parent=parent)
        self.rows, self.columns = rows, columns
        self.panels: dict[str, ImageView] = {}
        self._places: dict[str, tuple[int, int]] = {}
        self.ci.setContentsMargins(0, 0, 0, 0)
        self.ci.layout.setHorizontalSpacing(self.SPACING)
        self.ci.layout.setVerticalSpacing(0)
        self.cell = 0.0
        self._built = True

    def add_panel(self, key: str, panel: ImageView, row: int, col: int) -> ImageView:
        """Put ``panel`` (its title above its view) at grid cell (``row``, ``col``) under ``key``."""
        if not (0 <= row < self.rows and 0 <= col < self.columns):
            raise ValueError(f"cell ({row}, {col}) is outside the {self.rows}×{self.columns} grid")
        self.addItem(panel.title, row=2 * row, col=col)
        self.addItem(panel.view, row=2 * row + 1, col=col)
        self.panels[key] = panel
        self._places[key] = (row, col)
        panel.title.text_changed.connect(self._fit)
        self._fit()
        return panel

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._built:
            self._fit()
        super().resizeEvent(event)

    def _cell_for(self, titles: list[float]) -> float:
        size = self.viewport().size()
        across = (size.width() - (self.columns - 1) * self.SPACING) / self.columns
        down = (size.height() - sum(titles) - self.SPACING * (self.rows - 1)) / self.rows
        return max(16.0, float(int(min(across, down))))

    def _title_heights(self) -> list[float]:
        heights = [0.0] * self.rows
        for key, panel in self.panels.items():
            row = self._places[key][0]
            heights[row] = max(heights[row], panel.title.minimumHeight())
        return heights

    def _fit(self) -> None:
        """Fix every column to the cell's width, every view row to its height, each title row to its titles."""
        cell = self._cell_for(self._title_heights())
        for panel in self.panels.values():
            panel.title.set_wrap_width(cell)  # a title too long for the cell takes two lines
        titles = self._title_heights()
        cell = self._cell_for(titles)
        layout = self.ci.layout
        for col in range(self.columns):
            layout.setColumnFixedWidth(col, cell)
        for row in range(self.rows):
            layout.setRowFixedHeight(2 * row, titles[row])
            layout.setRowFixedHeight(2 * row + 1, cell)
            if row:
                layout.setRowSpacing(2 * row - 1, self.SPACING)  # between a view and the next row's title
        left = max(0.0, (self.viewport().width() - self.columns * cell - (self.columns - 1) * self.SPACING) / 2)
        layout.setContentsMargins(left, 0, left, 0)
        self.cell = cell


class ProbabilityChart(pg.PlotWidget):
    """Bar chart of class probabilities, the winner highlighted."""

    def __init__(self, labels: list[str], parent=None) -> None:
        super().__init__(parent=parent)
        self.labels = labels
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setYRange(0, 1, padding=0.02)
        self.setXRange(-0.6, len(labels) - 0.4, padding=0)
        self.setLabel("left", "probability")
        self.setLabel("bottom", "class")
        self.getAxis("bottom").setTicks([list(enumerate(labels))])
        self.showGrid(y=True, alpha=0.25)
        cache_axes(*(self.getAxis(side) for side in ("left", "bottom")))
        self.bars = pg.BarGraphItem(x=np.arange(len(labels)), height=np.zeros(len(labels)), width=0.7,
                                    brush="#9ab")
        self.addItem(self.bars)
        self.probabilities = np.zeros(len(labels))

    def set_labels(self, labels: list[str]) -> None:
        """Show a different set of classes (their bars start at 0)."""
        labels = list(labels)
        if labels == list(self.labels):
            return
        self.labels = labels
        self.setXRange(-0.6, len(labels) - 0.4, padding=0)
        self.getAxis("bottom").setTicks([list(enumerate(labels))])
        self.bars.setOpts(x=np.arange(len(labels)), height=np.zeros(len(labels)), brushes=None)
        self.probabilities = np.zeros(len(labels))

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        if probabilities is None:
            probabilities = np.zeros(len(self.labels))
        self.probabilities = np.asarray(probabilities, dtype=float)
        best = int(self.probabilities.argmax()) if self.probabilities.any() else -1
        brushes = [pg.mkBrush("#e07b00" if i == best else "#7fa6c9") for i in range(len(self.labels))]
        self.bars.setOpts(height=self.probabilities, brushes=brushes)
