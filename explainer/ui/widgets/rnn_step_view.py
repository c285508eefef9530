"""One step of a plain RNN, ``h_t = tanh(W x_t + U h_{t−1} + b)``, as a column of coloured vectors.

Each vector of the step (the word's embedding, the previous state, the two
products, the bias, their sum and the new state) is one row of cells, one cell
per unit, with its own fixed colour scale. The widget takes the step's numbers
(e.g. :class:`explainer.core.sequence.RNNStep`) and keeps nothing else.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from .fast_image import FastImageItem
from .maps import SIGNED_CMAP, colormap

#: (attribute of the step, row title), top to bottom.
ROWS = (
    ("x", "x<sub>t</sub> (the word's vector)"),
    ("h_prev", "h<sub>t−1</sub> (the memory so far)"),
    ("wx", "W x<sub>t</sub>"),
    ("uh", "U h<sub>t−1</sub>"),
    ("b", "b"),
    ("pre", "W x<sub>t</sub> + U h<sub>t−1</sub> + b"),
    ("h", "h<sub>t</sub> = tanh( … )"),
)


class RNNStepView(pg.GraphicsLayoutWidget):
    """The vectors of one RNN step, one row each, with the unit number along the bottom.

    Attributes
    ----------
    values : dict
        Row key → the vector drawn (float32), e.g. ``values["h"]`` is h_t on screen.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        cmap = colormap(SIGNED_CMAP)
        self.images, self.plots, self.values = {}, {}, {}
        self.levels = {key: (-1.0, 1.0) for key, _ in ROWS}
        for row, (key, title) in enumerate(ROWS):
            label = self.addLabel(title, row=row, col=0, justify="right", size="9pt")
            label.setMinimumWidth(190)
            plot = self.addPlot(row=row, col=1)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            image = FastImageItem(axisOrder="row-major")
            image.setColorMap(cmap)
            plot.addItem(image)
            self.images[key], self.plots[key] = image, plot
        # The unit numbers in a row of their own, so every vector row gets the same height.
        self.axis = pg.AxisItem("bottom")
        self.axis.setLabel("unit")
        self.axis.enableAutoSIPrefix(False)
        self.axis.linkToView(self.plots[ROWS[-1][0]].getViewBox())
        self.addItem(self.axis, row=len(ROWS), col=1)
        self.bar = pg.ColorBarItem(colorMap=cmap, values=(-1, 1), interactive=False, width=10, label="h (±1)")
        self.bar.setImageItem(self.images["h"])
        self.addItem(self.bar, row=0, col=2, rowspan=len(ROWS))
        self.ci.layout.setColumnStretchFactor(1, 1)
        self._sizes: dict[str, int] = {}

    def set_lengths(self, inputs: int, units: int) -> None:
        """The sizes of x_t and of the state, so the rows are laid out before the first step."""
        for key, _ in ROWS:
            self._fit(key, inputs if key == "x" else units)

    def _fit(self, key: str, length: int) -> None:
        if self._sizes.get(key) != length:
            self._sizes[key] = length
            self.plots[key].setRange(QRectF(0, 0, length, 1), padding=0)

    def set_levels(self, levels: dict[str, tuple[float, float]]) -> None:
        """Colour scale per row key (missing keys keep theirs)."""
        self.levels.update(levels)

    def set_step(self, step) -> None:
        """Show a step: an object with the vectors named in :data:`ROWS` (None clears the rows)."""
        for key, _ in ROWS:
            image = self.images[key]
            if step is None:
                image.clear()
                self.values[key] = np.zeros(0, np.float32)
                continue
            vector = np.asarray(getattr(step, key), dtype=np.float32)
            self.values[key] = vector
            image.setImage(vector[None, :], autoLevels=False, levels=self.levels[key])
            self._fit(key, len(vector))
