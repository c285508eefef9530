"""A 1-D convolution at one position: the kernel (k × d), the window of k word vectors, and their products.

The three matrices have one row per word of the window (oldest first) and one
column per embedding dimension; the activation is the sum of the products
plus the bias. They are stacked in one plot, each with its own fixed,
symmetric colour scale, the window's words written beside every block.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from .fast_image import FastImageItem
from .maps import SIGNED_CMAP, colormap

PARTS = (("kernel", "kernel w (k × d), the same at every word"),
         ("window", "window x: the k words' vectors"),
         ("products", "w ⊙ x (sum + bias = activation)"))
#: Rows of space above each block for its title.
TITLE_ROWS = 1.7


class WindowProducts(pg.GraphicsLayoutWidget):
    """Kernel, window and products, stacked, rows labelled with the window's words.

    Attributes
    ----------
    values : dict
        ``"kernel"``, ``"window"``, ``"products"`` → the (k, d) matrix drawn.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        cmap = colormap(SIGNED_CMAP)
        self.plot = self.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setLabel("bottom", "dimension")
        self.plot.getAxis("left").setWidth(78)
        self.images, self.titles, self.values = {}, {}, {}
        self.levels = {key: (-1.0, 1.0) for key, _ in PARTS}
        for key, title in PARTS:
            image = FastImageItem(axisOrder="row-major")
            image.setColorMap(cmap)
            self.plot.addItem(image)
            text = pg.TextItem(title, color="#000000", anchor=(0, 1))
            self.plot.addItem(text)
            self.images[key], self.titles[key] = image, text
        self._shape = None

    def set_levels(self, levels: dict[str, tuple[float, float]]) -> None:
        self.levels.update(levels)

    def _top(self, block: int, k: int) -> float:
        return TITLE_ROWS + block * (k + TITLE_ROWS)

    def set_window(self, kernel: np.ndarray, window: np.ndarray, words: list[str]) -> None:
        """``kernel`` and ``window`` as (k, d), ``words`` the k row labels (oldest first)."""
        kernel = np.asarray(kernel, dtype=np.float32)
        window = np.asarray(window, dtype=np.float32)
        if kernel.shape != window.shape or kernel.ndim != 2 or len(words) != kernel.shape[0]:
            raise ValueError(f"kernel {kernel.shape} and window {window.shape} must both be (k, d) with k words")
        k, d = kernel.shape
        ticks = []
        for block, (key, values) in enumerate((("kernel", kernel), ("window", window),
                                               ("products", kernel * window))):
            top = self._top(block, k)
            self.values[key] = values
            self.images[key].setImage(values, autoLevels=False, levels=self.levels[key])
            self.images[key].setRect(QRectF(0, top, d, k))
            self.titles[key].setPos(0, top - 0.1)
            ticks += [(top + i + 0.5, word) for i, word in enumerate(words)]
        self.plot.getAxis("left").setTicks([ticks, []])
        if kernel.shape != self._shape:
            self._shape = kernel.shape
            self.plot.setRange(QRectF(0, 0, d, self._top(3, k) - TITLE_ROWS), padding=0)

    def clear(self) -> None:
        for key, image in self.images.items():
            image.clear()
            self.values[key] = np.zeros((0, 0), np.float32)
