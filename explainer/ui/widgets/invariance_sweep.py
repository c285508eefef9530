"""The invariance lab's sweep page: pick a transform and curves, run, watch accuracy fall as it grows.

The widget takes the lab's :class:`~explainer.ui.widgets.invariance_state.InvarianceState`
for its choices (the combo box and check boxes call the state's setters and
follow its signals) and is told what to draw: the lab runs the sweep in a
worker and hands each point over as it arrives.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core.transforms import RANGES
from .invariance_state import TRANSFORM_TEXT, InvarianceState
from .maps import cache_axes

#: How each curve is drawn: Okabe–Ito colours by network, dashed when the recipe is off.
CURVE_STYLE = {
    "pool_recipe": ("#0072B2", Qt.PenStyle.SolidLine, "o"),
    "pool_raw": ("#0072B2", Qt.PenStyle.DashLine, "t"),
    "nopool_recipe": ("#D55E00", Qt.PenStyle.SolidLine, "s"),
    "nopool_raw": ("#D55E00", Qt.PenStyle.DashLine, "d"),
    "photo": ("#009E73", Qt.PenStyle.SolidLine, "o"),
}
#: The unit written on the x axis for each transform.
AXIS_UNITS = {"shift_x": "px", "shift_y": "px", "rotation": "degrees, + = counter-clockwise", "scale": "× size",
              "thickness": "px", "noise": "σ", "contrast": "× contrast"}
READY_TEXT = "Choose a transform and the curves, then press <b>Run sweep</b>."


class SweepPanel(QWidget):
    """Transform choice, curve check boxes, Run / Cancel, a progress bar, the accuracy plot and a note.

    Signals
    -------
    run_requested()
    cancel_requested()

    Attributes
    ----------
    points : dict of str to list of (float, float)
        The (value, accuracy) points drawn so far, per curve.
    """

    run_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, state: InvarianceState, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.points: dict[str, list[tuple[float, float]]] = {}
        self.transform_combo = QComboBox(objectName="sweepTransformCombo")
        for name in state.transforms:
            word, unit = TRANSFORM_TEXT[name]
            self.transform_combo.addItem(word, name)
        self.checks: dict[str, QCheckBox] = {}
        for key, (_model, _recipe, text) in state.series.items():
            box = QCheckBox(text, objectName=f"{key}Check")
            box.toggled.connect(lambda on, k=key: state.show_series(k, on))
            self.checks[key] = box
        self.run_button = QPushButton("Run sweep", objectName="runSweepButton")
        self.run_button.setToolTip(f"Accuracy on {what} at 17 values across the slider's whole range")
        self.cancel_button = QPushButton("Cancel", objectName="cancelSweepButton", enabled=False)
        self.progress = QProgressBar(objectName="sweepProgress")
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m points")
        self.progress.setValue(0)

        self.plot = pg.PlotWidget(objectName="sweepPlot")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setYRange(0, 100, padding=0.03)
        self.plot.setLabel("left", "accuracy", units="%")
        self.plot.setTitle(f"Accuracy on {what}")
        self.legend = self.plot.addLegend(labelTextSize="9pt")
        self.legend.anchor(itemPos=(0.5, 1), parentPos=(0.5, 1), offset=(0, -10))  # curves fall at the edges
        cache_axes(*(self.plot.getAxis(side) for side in ("left", "bottom")))
        self.curves: dict[str, pg.PlotDataItem] = {}
        for key, (_model, _recipe, text) in state.series.items():
            color, style, symbol = CURVE_STYLE[key]
            curve = pg.PlotDataItem([], [], pen=pg.mkPen(color, width=2.5, style=style), symbol=symbol,
                                    symbolSize=7, symbolBrush=color, symbolPen=color, name=text)
            self.curves[key] = curve
        self.note = QLabel(READY_TEXT, objectName="sweepNote", wordWrap=True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setMinimumHeight(self.note.fontMetrics().height() * 3)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Vary:"))
        controls.addWidget(self.transform_combo)
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.progress, 1)
        curves = QGridLayout()
        for index, box in enumerate(self.checks.values()):
            curves.addWidget(box, index // 2, index % 2)
        if len(self.checks) == 1:  # one curve: nothing to choose
            next(iter(self.checks.values())).hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addLayout(curves)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.note)

        self.transform_combo.activated.connect(
            lambda i: setattr(state, "sweep_transform", self.transform_combo.itemData(i)))
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        state.events.sweep_transform.connect(self._on_state_transform_changed)
        state.events.sweep_series.connect(self._on_state_series_changed)
        self._on_state_series_changed()
        self._on_state_transform_changed()

    # -- state -> widgets ------------------------------------------------------
    def _on_state_transform_changed(self, *_) -> None:
        name = self.state.sweep_transform
        with QSignalBlocker(self.transform_combo):
            self.transform_combo.setCurrentIndex(self.transform_combo.findData(name))
        word, _unit = TRANSFORM_TEXT[name]
        self.plot.setLabel("bottom", f"{word} ({AXIS_UNITS[name]})")
        low, high = RANGES[name]
        self.plot.setXRange(low, high, padding=0.03)
        self.clear_curves(READY_TEXT)

    def _on_state_series_changed(self, *_) -> None:
        for key, box in self.checks.items():
            with QSignalBlocker(box):
                box.setChecked(key in self.state.sweep_series)
        self.run_button.setEnabled(bool(self.state.sweep_series) and not self.cancel_button.isEnabled())

    # -- what the lab tells it -------------------------------------------------
    def clear_curves(self, note: str = "") -> None:
        """Take every curve off the plot (and out of the legend) and write ``note``."""
        self.points = {}
        for curve in self.curves.values():
            if curve.scene() is not None:
                self.plot.removeItem(curve)
            curve.setData([], [])
        self.progress.setValue(0)
        self.note.setText(note)

    def begin(self, keys: list[str], total: int) -> None:
        """A sweep of the curves ``keys`` with ``total`` points in all starts: empty curves, progress 0."""
        self.clear_curves("Sweeping…")
        for key in keys:
            self.points[key] = []
            self.plot.addItem(self.curves[key])
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self._running(True)

    def add_point(self, key: str, value: float, accuracy: float) -> None:
        """Draw one more point of curve ``key`` (``accuracy`` in [0, 1], drawn in %)."""
        self.points.setdefault(key, []).append((float(value), float(accuracy)))
        xs, ys = zip(*sorted(self.points[key]))
        self.curves[key].setData(np.array(xs), 100.0 * np.array(ys))
        self.progress.setValue(self.progress.value() + 1)

    def finish(self, note: str) -> None:
        """The sweep ended (done, cancelled or failed): ``note`` says what the curves show."""
        self._running(False)
        self.note.setText(note)

    def point_count(self) -> int:
        return sum(len(points) for points in self.points.values())

    def _running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.run_button.setEnabled(not running and bool(self.state.sweep_series))
        self.transform_combo.setEnabled(not running)
        for box in self.checks.values():
            box.setEnabled(not running)
