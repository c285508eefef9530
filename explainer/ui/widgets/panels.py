"""Small pyqtgraph building blocks shared by lessons: a titled image view and a bar chart."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from .maps import ClickableImageItem, cache_axes, colormap, outline


class ImageView:
    """A titled ViewBox with one image at fixed levels and optional outlines.

    Add ``title`` and ``view`` to a pyqtgraph layout (e.g. title above view).
    """

    def __init__(self, title: str = "", cmap: str = "grey", levels: tuple[float, float] = (0.0, 1.0)) -> None:
        self.title = pg.LabelItem(title, size="9pt")
        self.view = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view.setMouseEnabled(False, False)
        self.image = ClickableImageItem(axisOrder="row-major")
        if cmap != "grey":
            self.image.setColorMap(colormap(cmap))
        self.view.addItem(self.image)
        self.levels = levels
        self.marks: dict[str, object] = {}
        self._shape: tuple[int, int] | None = None

    def set_image(self, values: np.ndarray, levels: tuple[float, float] | None = None) -> None:
        values = np.asarray(values, dtype=np.float32)
        self.image.setImage(values, autoLevels=False, levels=levels or self.levels)
        if values.shape[:2] != self._shape:
            self._shape = values.shape[:2]
            self.view.setRange(QRectF(0, 0, values.shape[1], values.shape[0]), padding=0.02)

    def clear(self) -> None:
        self.image.clear()
        self._shape = None
        for item in self.marks.values():
            item.hide()

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
        self.title.setText(text)


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
