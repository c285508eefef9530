"""P(positive) as a text is read: one curve per network, and the push of every word as bars."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from .heat_strip import word_ticks
from .maps import SIGNED_CMAP, colormap

#: Okabe–Ito colours, one per curve in the order they are added.
CURVE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


def _plot(title: str, left: str) -> pg.PlotItem:
    plot = pg.PlotItem(title=title)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setLabel("left", left)
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.getAxis("left").setWidth(58)  # both plots alike, so their words line up
    return plot


class SentimentPlot(pg.GraphicsLayoutWidget):
    """Top: P(positive) before any word (x = −1) and after each word t (x = t), one curve per network,
    the 0.5 line and a legend. Bottom: how much each word moved one network's P, as signed bars.

    Attributes
    ----------
    curves : dict
        Name → PlotDataItem (``curves[name].getData()`` is what is drawn).
    moves : ndarray
        The bars' heights on screen.

    Signals
    -------
    word_clicked(int)
        A click on the plots near word t.
    """

    word_clicked = Signal(int)

    def __init__(self, names: dict[str, str], parent=None) -> None:
        super().__init__(parent=parent)
        self.cmap = colormap(SIGNED_CMAP)
        self.top = _plot("P(positive) after each word", "P(positive)")
        self.top.setYRange(0, 1, padding=0.03)
        self.top.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0, 0.25, 0.5, 0.75, 1)], []])
        self.top.addLegend(offset=(-10, 10), labelTextSize="9pt", brush=pg.mkBrush(255, 255, 255, 200),
                           pen=pg.mkPen("#bbbbbb"), colCount=3)
        # A few fixed guide lines (an axis grid costs more to paint than everything else here).
        for level in (0.25, 0.75, 1.0):
            self.top.addItem(pg.InfiniteLine(level, angle=0, pen=pg.mkPen("#dddddd", width=1)))
        self.top.addItem(pg.InfiniteLine(0.5, angle=0, pen=pg.mkPen("#666666", width=1, style=Qt.PenStyle.DashLine)))
        self.curves = {}
        for (name, title), color in zip(names.items(), CURVE_COLORS):
            self.curves[name] = self.top.plot([], [], pen=pg.mkPen(color, width=1), symbol="o", symbolSize=5,
                                              symbolBrush=color, symbolPen=None, name=title)
        self.bottom = _plot("", "change of P")
        self.bottom.setXLink(self.top)
        self.bottom.addItem(pg.InfiniteLine(0.0, angle=0, pen=pg.mkPen("#666666", width=1)))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, pen=pg.mkPen("#555555", width=0.5))
        #: One brush per step of the colour map, reused (making 400 brushes per keystroke shows in the latency).
        self.palette = [pg.mkBrush(c) for c in self.cmap.map(np.linspace(0, 1, 101), "qcolor")]
        self.bottom.addItem(self.bars)
        self.markers = [pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#E69F00", width=2)) for _ in range(2)]
        self.top.addItem(self.markers[0])
        self.bottom.addItem(self.markers[1])
        self.addItem(self.top, row=0, col=0)
        self.addItem(self.bottom, row=1, col=0)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        self.labels: list[str] = []
        self.moves = np.zeros(0)
        self.top.getViewBox().sigResized.connect(self._label_words)
        self.scene().sigMouseClicked.connect(self._on_clicked)

    def set_curves(self, labels: list[str], curves: dict[str, tuple[float, np.ndarray]]) -> None:
        """The words read and, per network, (P before any word, P after each word)."""
        count = len(labels)
        self.labels = list(labels)
        for name, item in self.curves.items():
            if name in curves and count:
                start, running = curves[name]
                item.setData(np.arange(-1, count), np.concatenate([[start], running]),
                             symbol="o" if count <= 80 else None)  # dots only while they stay apart
            else:
                item.setData([], [])
        self.top.setXRange(-1.5, max(count, 1) - 0.5, padding=0)
        self._label_words()

    def set_moves(self, moves: np.ndarray, limit: float, title: str) -> None:
        """Bars of how much each word moved P (coloured, saturating at ±``limit``)."""
        self.moves = np.asarray(moves, dtype=np.float64)
        if len(self.moves):
            steps = np.rint(100 * np.clip(0.5 + 0.5 * self.moves / max(limit, 1e-12), 0, 1)).astype(int)
            self.bars.setOpts(x=np.arange(len(self.moves)), height=self.moves,
                              brushes=[self.palette[i] for i in steps])
            top = max(limit, float(np.abs(self.moves).max()))
        else:
            self.bars.setOpts(x=[], height=[], brushes=None)
            top = limit
        self.bottom.setYRange(-top, top, padding=0.05)
        self.bottom.setTitle(title)

    def set_step(self, t: int | None) -> None:
        for marker in self.markers:
            marker.setVisible(t is not None)
            if t is not None:
                marker.setValue(t)

    def _label_words(self, *_args) -> None:
        ticks = word_ticks(["start"] + self.labels, self.top.getViewBox().width(), offset=-1)
        for plot in (self.top, self.bottom):
            plot.getAxis("bottom").setTicks([ticks, []])

    def _on_clicked(self, event) -> None:
        for plot in (self.top, self.bottom):
            view = plot.getViewBox()
            if view.sceneBoundingRect().contains(event.scenePos()) and self.labels:
                x = view.mapSceneToView(event.scenePos()).x()
                self.word_clicked.emit(int(np.clip(round(x), 0, len(self.labels) - 1)))
                return
