"""The few most likely classes as horizontal bars, the winner highlighted."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class TopClassesPlot(pg.PlotItem):
    """A plot item (add it to a pyqtgraph layout) showing the ``count`` most likely classes.

    Attributes
    ----------
    shown : list of (str, float)
        The classes on the bars, most likely first, with their probabilities.
    """

    def __init__(self, labels: list[str], count: int = 5, title: str | None = None) -> None:
        super().__init__(title=title or f"top-{count} classes")
        self.labels = list(labels)
        self.count = min(count, len(self.labels))
        self.setMouseEnabled(False, False)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setXRange(0, 1)
        self.setYRange(-0.6, self.count - 0.4, padding=0)
        self.setLabel("bottom", "probability")
        bottom = self.getAxis("bottom")
        bottom.setTicks([[(v, f"{v:g}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]])
        bottom.setStyle(hideOverlappingLabels=False)  # keep the "1" at the right end
        self.invertY(True)
        self.bars = pg.BarGraphItem(x0=np.zeros(self.count), y=np.arange(self.count), height=0.65,
                                    width=np.zeros(self.count), brush="#7fa6c9")
        self.addItem(self.bars)
        # The class names' column only grows: the bars do not shift when shorter names come next, and a new
        # photo does not lay the plot (and the panels around it) out again.
        self.getAxis("left").setStyle(autoReduceTextSpace=False)
        self.shown: list[tuple[str, float]] = []
        self._ticks: list | None = None  # the class names on the axis now (None: never set)

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        """Show the most likely classes of ``probabilities`` (one per label); None empties the chart."""
        if probabilities is None:
            self.shown = []
            self.bars.setOpts(width=np.zeros(self.count))
            self._set_ticks([])
            return
        p = np.asarray(probabilities, dtype=float)
        if p.shape != (len(self.labels),):
            raise ValueError(f"expected {len(self.labels)} probabilities, got shape {p.shape}")
        order = np.argsort(p)[::-1][: self.count]
        self.shown = [(self.labels[i], float(p[i])) for i in order]
        brushes = [pg.mkBrush("#e07b00" if i == 0 else "#7fa6c9") for i in range(self.count)]
        self.bars.setOpts(width=p[order], brushes=brushes)
        self._set_ticks([(i, self.labels[c]) for i, c in enumerate(order)])

    def _set_ticks(self, ticks: list) -> None:
        """Name the bars; the axis draws its labels again only when the names or their order change
        (a slider moved in the invariance lab mostly keeps the same five classes in the same order)."""
        if ticks != self._ticks:
            self._ticks = ticks
            self.getAxis("left").setTicks([ticks])
