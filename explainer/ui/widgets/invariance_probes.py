"""Two of the invariance lab's pages: where the network looks (occlusion map) and the adversarial nudge.

Each page takes the lab's :class:`~explainer.ui.widgets.invariance_state.InvarianceState`
for its settings (spin boxes and the ε slider call its setters and follow its
signals) and is told what to draw; the lab runs the work in workers.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .invariance_pictures import NudgeView, OcclusionMapView
from .invariance_state import MAX_EPSILON, InvarianceState
from .panels import ProbabilityChart
from .top_classes import TopClassesPlot

#: One step of the ε slider.
EPSILON_STEP = 0.005
#: Why one small step can flip the answer, in the lecture's words (dot products).
NUDGE_WHY = ("<b>Why so small a change flips the answer:</b> the nudge moves each pixel by ε (a pixel already "
             "black or white cannot go further) in the direction that raises the network's loss for the class it "
             "pushes away from (the sign of the gradient). Each neuron takes a dot "
             "product of thousands of pixels with its weights, so thousands of tiny changes that all push "
             "the same way add up to a large change in its sum.")


class ClassChart(pg.PlotWidget):
    """The top five of many classes with long names, as horizontal bars (the photo lesson's chart).

    A plot widget, so the presenter view gives its larger axes room as it does for every chart.
    """

    def __init__(self, labels: list[str], parent: QWidget | None = None) -> None:
        self.plot = TopClassesPlot(labels, 5, title="top-5 classes")
        super().__init__(parent=parent, plotItem=self.plot)

    def set_probabilities(self, probabilities) -> None:
        self.plot.set_probabilities(probabilities)


def probability_chart(labels: list[str]) -> QWidget:
    """A bar per class for short labels (digits), the top five for long ones (CIFAR-10 classes)."""
    if max(len(label) for label in labels) <= 2:
        return ProbabilityChart(labels)
    return ClassChart(labels)


class OcclusionPanel(QWidget):
    """Patch and stride, "Where does it look?", progress, the map over the input and what it means.

    Signals
    -------
    run_requested(), cancel_requested()
    """

    run_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, state: InvarianceState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.patch_spin = QSpinBox(objectName="patchSpin", minimum=1, maximum=state.side, suffix=" px")
        self.patch_spin.setToolTip("Side of the patch slid over the input")
        self.stride_spin = QSpinBox(objectName="strideSpin", minimum=1, maximum=state.side, suffix=" px")
        self.stride_spin.setToolTip("Step between two positions of the patch")
        self.run_button = QPushButton("Where does it look?", objectName="occlusionButton")
        self.run_button.setToolTip("Hide each part of the network's input in turn under a patch (black on a "
                                   "digit, grey on a photo) and measure how much the probability of the class drops")
        self.cancel_button = QPushButton("Cancel", objectName="cancelOcclusionButton", enabled=False)
        self.progress = QProgressBar(objectName="occlusionProgress")
        self.progress.setFormat("%v / %m positions")
        self.view = OcclusionMapView("the network's input, the map over it")
        self.view.setObjectName("occlusionView")
        self.note = QLabel("", objectName="occlusionNote", wordWrap=True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setMinimumHeight(self.note.fontMetrics().height() * 3)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Patch"))
        controls.addWidget(self.patch_spin)
        controls.addWidget(QLabel("stride"))
        controls.addWidget(self.stride_spin)
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.note)

        self.patch_spin.valueChanged.connect(lambda v: setattr(state, "patch", int(v)))
        self.stride_spin.valueChanged.connect(lambda v: setattr(state, "stride", int(v)))
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        state.events.patch.connect(self._on_state_patch_changed)
        state.events.stride.connect(self._on_state_patch_changed)
        self._on_state_patch_changed()

    def _on_state_patch_changed(self, *_) -> None:
        for spin, value in ((self.patch_spin, self.state.patch), (self.stride_spin, self.state.stride)):
            with QSignalBlocker(spin):
                spin.setValue(value)

    def begin(self, total: int, what: str, colour: str) -> None:
        """A map of ``total`` positions of a ``colour`` patch starts, for the class named ``what``."""
        self.view.show_map(None)
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.note.setText(f"Sliding a {colour} patch over the input: the drop of P({what})…")
        self._running(True)

    def show_step(self, done: int, pixel_map: np.ndarray) -> None:
        self.progress.setValue(done)
        self.view.show_map(pixel_map)

    def finish(self, note: str) -> None:
        self._running(False)
        self.note.setText(note)

    def clear_map(self, note: str) -> None:
        self.view.show_map(None)
        self.progress.setValue(0)
        self.note.setText(note)

    def _running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.patch_spin.setEnabled(not running)
        self.stride_spin.setEnabled(not running)


class NudgePanel(QWidget):
    """The ε slider, the input / nudge ×10 / nudged input, the new answer and its probabilities, and why."""

    def __init__(self, state: InvarianceState, labels: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.labels = labels
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="epsilonSlider")
        self.slider.setRange(0, round(MAX_EPSILON / EPSILON_STEP))
        self.slider.setToolTip(f"How far each pixel may move (0 … {MAX_EPSILON:g}; pixels run from 0 to 1)")
        self.value = QLabel("", objectName="epsilonValue")
        self.value.setMinimumWidth(self.value.fontMetrics().horizontalAdvance("ε = 0.000 "))
        self.view = NudgeView()
        self.view.setObjectName("nudgeView")
        self.answer = QLabel("", objectName="nudgeAnswer", wordWrap=True)
        self.answer.setTextFormat(Qt.TextFormat.RichText)
        self.chart = probability_chart(labels)
        self.chart.setMinimumHeight(130)
        self.chart.setMaximumHeight(300)
        self.view.setMinimumHeight(200)
        self.view.setMaximumHeight(280)
        self.why = QLabel(NUDGE_WHY, objectName="nudgeWhy", wordWrap=True)
        self.why.setTextFormat(Qt.TextFormat.RichText)
        self.why.setStyleSheet("color: #333;")

        top = QHBoxLayout()
        top.addWidget(QLabel("Size of the nudge"))
        top.addWidget(self.slider, 1)
        top.addWidget(self.value)
        bottom = QHBoxLayout()
        bottom.addWidget(self.answer, 1)
        bottom.addWidget(self.chart, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, 2)
        layout.addLayout(bottom, 1)
        layout.addWidget(self.why)

        self.slider.valueChanged.connect(lambda v: setattr(state, "epsilon", round(v * EPSILON_STEP, 6)))
        state.events.epsilon.connect(self._on_state_epsilon_changed)
        self._on_state_epsilon_changed()

    def _on_state_epsilon_changed(self, *_) -> None:
        with QSignalBlocker(self.slider):
            self.slider.setValue(round(self.state.epsilon / EPSILON_STEP))
        self.value.setText(f"ε = {self.state.epsilon:.3f}")

    def show_result(self, x: np.ndarray, result, label: int, known: bool) -> None:
        """Show the nudge of input ``x`` (C, H, W): an :class:`~explainer.models.invariance.FgsmResult`
        for class ``label`` (``known``: the true class, else the one the network read)."""
        def picture(values: np.ndarray) -> np.ndarray:
            return values[0] if values.shape[0] == 1 else values.transpose(1, 2, 0)

        self.view.show_nudge(picture(x), picture(result.perturbation), picture(result.adversarial))
        self.chart.set_probabilities(result.probabilities_after)
        before, after = result.prediction_before, result.prediction_after
        pb, pa = result.probabilities_before, result.probabilities_after
        name = "the true class" if known else "the class it read"
        text = (f"Pushed away from <b>{self.labels[label]}</b> ({name}). Before: <b>{self.labels[before]}</b> "
                f"({pb[before]:.1%}). After: <b>{self.labels[after]}</b> ({pa[after]:.1%}); "
                f"P({self.labels[label]}) went from {pb[label]:.1%} to {pa[label]:.1%}.")
        largest = float(np.abs(result.perturbation).max()) if result.perturbation.size else 0.0
        if after != before:
            text += " <span style='color:#b00020'><b>The answer flipped.</b></span>"
        text += f"<br>No pixel moved by more than {largest:.3f}."
        self.answer.setText(text)

    def clear_result(self, text: str) -> None:
        self.view.clear_all()
        self.chart.set_probabilities(None)
        self.answer.setText(text)
