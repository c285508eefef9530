"""Lesson ``draw``: draw a digit and watch a trained LeNet-style CNN read it.

Shows the MNIST preprocessing honestly (drawing → crop → 20×20 → centred
28×28), every channel of every layer with its tensor shape, the ten class
probabilities, and, for any neuron clicked, its local receptive field on the
input and the weights that feed it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ... import io
from ...core import format_number, looks_inverted, receptive_field
from ...models import load_model, read_digit
from ..state import AppState, NeuronSelection
from ..widgets.drawing_pad import DrawingPad
from ..widgets.maps import SIGNED_CMAP, MapsView, colormap
from ..widgets.panels import ImageView, ProbabilityChart
from ..workers import WorkResult
from .base import Lesson

#: Which layers get a row in the layer view, and how many maps per row.
LAYER_COLUMNS = {"conv1": 16, "pool1": 16, "conv2": 32, "pool2": 32, "dense1": 32, "output": 10}
TERMS = {
    "feature maps": "feature maps",
    "max-pooling": "pooling",
    "average-pooling": "pooling",
    "fully connected": "fully connected",
    "output": "output · softmax",
}


# ---------------------------------------------------------------- background work (no Qt)


def load_digit_model() -> dict:
    """Load the bundled digit model, held-out digits, and per-layer colour levels."""
    model = load_model("mnist")
    images, labels = io.heldout_digits()
    # Fixed colour scales per layer, from typical activations on held-out digits,
    # so colours keep their meaning from one stroke to the next.
    return {"model": model, "images": images, "labels": labels, "levels": levels_for(model, images)}


def levels_for(model, images: np.ndarray) -> dict[str, float]:
    """Colour scales per layer from typical activations of ``model`` on held-out digits."""
    levels: dict[str, float] = {}
    for image in images[:40]:
        reading = read_digit(model, image)
        for stage in reading.stages:
            levels[stage.key] = max(levels.get(stage.key, 0.0), float(np.percentile(stage.values, 99.5)))
    return levels


def digit_from_file(path: str) -> np.ndarray:
    """Load any image as a white-on-black greyscale digit, or raise ValueError."""
    grey = io.to_grayscale(io.load_image(path, max_side=1024))
    if looks_inverted(grey):  # dark ink on light paper -> white on black, like MNIST
        grey = 1.0 - grey
    grey = np.clip((grey - np.percentile(grey, 5)) / max(1e-6, float(grey.max() - np.percentile(grey, 5))), 0, 1)
    if float(grey.max()) - float(np.median(grey)) < 0.2:
        raise ValueError("no digit found: the picture is blank or has too little contrast")
    return grey.astype(np.float32)


# ---------------------------------------------------------------- lesson state


class DrawState(QObject):
    """The lesson's truth: the latest reading of the drawing and the selected neuron."""

    reading_changed = Signal(object)
    selection_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reading = None
        self.selection: tuple[str, int, int, int] | None = None

    def set_reading(self, reading) -> None:
        self.reading = reading
        self.reading_changed.emit(reading)

    def set_selection(self, selection: tuple[str, int, int, int] | None) -> None:
        if selection != self.selection:
            self.selection = selection
            self.selection_changed.emit(selection)


# ---------------------------------------------------------------- the lesson


class DrawLesson(Lesson):
    """Draw a digit; see the preprocessing, every layer, the prediction and receptive fields."""

    lesson_id = "draw"
    #: Emitted after each new reading is shown (tests wait on it).
    reading_shown = Signal()
    #: Emitted once the model has loaded (or failed to).
    model_ready = Signal(bool)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.draw_state = DrawState(self)
        self.model = None
        self.levels: dict[str, float] = {}
        self.samples = np.zeros((0, 28, 28))
        self.sample_labels = np.zeros(0, int)
        self._rng = np.random.default_rng()
        self._true_label: int | None = None

        self._analysis = self.make_runner(self._on_analysis_finished)
        self._loader = self.make_runner(self._on_model_loaded)
        self._files = self.make_runner(self._on_file_loaded)

        self._build()
        self.draw_state.reading_changed.connect(self._on_state_reading_changed)
        self.draw_state.selection_changed.connect(self._on_state_selection_changed)
        self._loader.submit(load_digit_model)
        self.app_state.digit_model_changed.connect(self._on_app_digit_model_changed)

    # -- building ------------------------------------------------------------
    def _build(self) -> None:
        self.pad = DrawingPad()
        self.pad.setObjectName("digitCanvas")
        self.pad.drawing_changed.connect(self._on_pad_drawing_changed)
        self.pad.stroke_finished.connect(self._on_pad_drawing_changed)
        self.pad.stroke_finished.connect(self._on_pad_stroke_finished)

        self.undo_button = QPushButton("Undo", objectName="undoButton", toolTip="Remove the last stroke (Ctrl+Z)")
        self.clear_button = QPushButton("Clear", objectName="clearButton", toolTip="Clear the drawing (Esc)")
        self.sample_button = QPushButton("Load digit", objectName="loadDigitButton",
                                         toolTip="Show a real MNIST digit the network never trained on")
        self.file_button = QPushButton("Open file…", objectName="openDigitFileButton",
                                       toolTip="Read a digit from an image file (any size or colour)")
        self.undo_button.clicked.connect(self.pad.undo)
        self.clear_button.clicked.connect(self.clear)
        self.sample_button.clicked.connect(lambda: self.load_heldout())
        self.file_button.clicked.connect(self._on_file_button_clicked)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.pad.undo,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        buttons = QHBoxLayout()
        for button in (self.undo_button, self.clear_button, self.sample_button, self.file_button):
            buttons.addWidget(button)

        self.predicted = QLabel("", objectName="predictedDigit")
        self.predicted.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.predicted.setMinimumWidth(70)
        self.predicted.setStyleSheet("font-size: 40pt; font-weight: 700; color: #c05800;")
        self.prediction_text = QLabel("", objectName="predictionText")
        self.prediction_text.setWordWrap(True)
        prediction = QHBoxLayout()
        prediction.addWidget(self.predicted)
        prediction.addWidget(self.prediction_text, 1)

        self.chart = ProbabilityChart([str(d) for d in range(10)])
        self.chart.setMinimumHeight(130)
        self.chart.setMaximumHeight(170)

        self.model_label = QLabel("Model: loading…", objectName="modelLabel")
        self.model_label.setStyleSheet("color: #555;")
        self.banner = QLabel("", objectName="modelBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        # Neuron detail: receptive field and weights of the clicked neuron.
        self.detail = QLabel("Click any neuron in the layers on the right to see the part of the input "
                             "it looks at (its local receptive field) and the weights that feed it.",
                             objectName="neuronDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.weights_widget = pg.GraphicsLayoutWidget()
        self.weights_widget.setMinimumHeight(120)
        self.weights_title = self.weights_widget.addLabel("weights feeding the neuron", row=0, col=0, colspan=2,
                                                          size="9pt")
        self.weights_view = MapsView(cmap=SIGNED_CMAP, columns=16, aspect=3.0, parent=self)
        self.weights_widget.addItem(self.weights_view.view, row=1, col=0)
        self.weights_bar = pg.ColorBarItem(colorMap=colormap(SIGNED_CMAP), values=(-1, 1), interactive=False,
                                           width=10, label="weight")
        self.weights_bar.setImageItem(self.weights_view.image)
        self.weights_widget.addItem(self.weights_bar, row=1, col=1)
        self.weights_widget.hide()

        left = QVBoxLayout()
        left.addWidget(self.pad, 5)
        left.addLayout(buttons)
        left.addWidget(self.model_label)
        left.addWidget(self.banner)
        left.addLayout(prediction)
        left.addWidget(self.chart, 2)
        detail_frame = QFrame()
        detail_frame.setFrameShape(QFrame.Shape.StyledPanel)
        detail_layout = QVBoxLayout(detail_frame)
        detail_layout.setContentsMargins(6, 6, 6, 6)
        detail_layout.addWidget(self.detail)
        detail_layout.addWidget(self.weights_widget, 1)
        left.addWidget(detail_frame, 3)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(370)

        # What the network sees: the MNIST recipe, step by step.
        self.steps_widget = pg.GraphicsLayoutWidget()
        self.steps_widget.setObjectName("preprocessingView")
        self.steps_widget.setFixedHeight(175)
        self.step_views = {
            "raw": ImageView("your drawing"),
            "cropped": ImageView("cropped to its bounding box"),
            "scaled": ImageView("scaled to fit 20×20"),
            "digit": ImageView("centred in 28×28: the input"),
        }
        for col, view in enumerate(self.step_views.values()):
            self.steps_widget.addItem(view.title, row=0, col=col)
            self.steps_widget.addItem(view.view, row=1, col=col)
        steps_heading = QLabel("<b>What the network sees</b> — the MNIST recipe: crop, scale into 20×20, "
                               "centre by centre of mass in 28×28")

        # Every layer's activations.
        self.layers_widget = pg.GraphicsLayoutWidget()
        self.layers_widget.setObjectName("layersView")
        self.layer_titles: dict[str, pg.LabelItem] = {}
        self.layer_views: dict[str, MapsView] = {}
        for row, (key, columns) in enumerate(LAYER_COLUMNS.items()):
            title = self.layers_widget.addLabel("", row=2 * row, col=0, size="9pt", justify="left")
            view = MapsView(columns=columns, parent=self)
            view.cell_clicked.connect(lambda c, r, q, k=key: self.select_neuron(k, c, r, q))
            self.layers_widget.addItem(view.view, row=2 * row + 1, col=0)
            self.layer_titles[key] = title
            self.layer_views[key] = view
        self.output_labels = []
        for digit in range(10):
            text = pg.TextItem(str(digit), color="w", anchor=(0.5, 0.5))
            text.setPos(digit + 0.5, 0.5)
            self.layer_views["output"].view.addItem(text)
            self.output_labels.append(text)
        layers_heading = QLabel("<b>Every layer</b> — each small square is one channel (feature map); "
                                "colour = activation (dark = 0). Click a neuron to see its receptive field.")
        layers_heading.setWordWrap(True)

        right = QVBoxLayout()
        right.addWidget(steps_heading)
        right.addWidget(self.steps_widget)
        right.addWidget(layers_heading)
        right.addWidget(self.layers_widget, 1)

        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(left_widget)
        outer.addLayout(right, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- public API ----------------------------------------------------------
    def clear(self) -> None:
        """Clear the drawing (the Clear button and Esc)."""
        self._true_label = None
        self.pad.clear()

    def load_heldout(self, index: int | None = None) -> int | None:
        """Put a held-out MNIST digit on the pad; returns its true label (None if none bundled)."""
        if len(self.samples) == 0:
            self.app_state.post_message("No held-out digits are bundled (assets/samples/mnist_heldout.npz).")
            return None
        if index is None:
            index = int(self._rng.integers(len(self.samples)))
        index = int(np.clip(index, 0, len(self.samples) - 1))
        self._true_label = int(self.sample_labels[index])
        self.pad.set_background(self.samples[index])
        self.app_state.post_message(f"Held-out MNIST digit #{index}: its true label is {self._true_label}.")
        return self._true_label

    def load_file(self, path) -> None:
        """Read a digit from an image file in the background."""
        self._files.submit(digit_from_file, str(path))

    def open_file(self, path) -> bool:
        """Files opened or dropped while drawing become the digit on the pad."""
        self.load_file(path)
        return True

    def select_neuron(self, key: str, channel: int, row: int, col: int) -> None:
        self.draw_state.set_selection((key, channel, row, col))

    # -- background results --------------------------------------------------
    def _on_model_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            self.show_load_failure(self.banner, "digit model", result.error)
            self.banner.setText(self.banner.text() + "<br>You can still draw and see the preprocessing.")
            self.model_ready.emit(False)
        else:
            payload = result.value
            self.model = payload["model"]
            self.banner.hide()
            user = self.app_state.digit_model is not None and self.model is self.app_state.digit_model
            total = sum(p.numel() for p in self.model.parameters())
            self.model_label.setText(f"Model: {'your trained model' if user else 'bundled digit CNN'} "
                                     f"({total:,} parameters)")
            self.levels = payload["levels"]
            self.samples, self.sample_labels = payload["images"], payload["labels"]
            self.model_ready.emit(True)
            if self.pad.is_blank() and len(self.samples):
                self.load_heldout(0)
                return
        self._on_pad_drawing_changed()

    def _on_app_digit_model_changed(self, model) -> None:
        if model is None:
            self._loader.submit(load_digit_model)
            return
        self._loader.submit(lambda: {"model": model, "images": self.samples, "labels": self.sample_labels,
                                     "levels": levels_for(model, self.samples)})

    def _on_pad_drawing_changed(self) -> None:
        self._analysis.submit(read_digit, self.model, self.pad.image())

    def _on_pad_stroke_finished(self) -> None:
        # Share the drawing so other lessons (feature maps, pooling) can use it.
        self.app_state.set_drawing(None if self.pad.is_blank() else self.pad.image())

    def _on_analysis_finished(self, result: WorkResult) -> None:
        if result.error is not None:
            self.app_state.post_message(f"Could not read the drawing: {result.error}", 10000)
            return
        self.draw_state.set_reading(result.value)

    def _on_file_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a digit image", "", io.IMAGE_FILE_FILTER)
        if path:
            self.load_file(path)

    def _on_file_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            message = str(result.error) if isinstance(result.error, ValueError) else repr(result.error)
            self.app_state.post_message(f"Could not use that image as a digit: {message}. "
                                        "The drawing is unchanged.", 12000)
            return
        self._true_label = None
        self.pad.set_background(result.value)
        self.app_state.post_message("Digit loaded from file; draw on top of it or clear it.")

    # -- state -> widgets ----------------------------------------------------
    def _on_state_reading_changed(self, reading) -> None:
        steps = reading.steps
        if steps is None:
            for view in self.step_views.values():
                view.clear()
            for key, view in self.layer_views.items():
                view.clear()
                self.layer_titles[key].setText("")
            self.predicted.setText("")
            self.prediction_text.setText("Draw a digit on the black pad.")
            self.chart.set_probabilities(None)
            self.pad.set_overlay(None)
            self.reading_shown.emit()
            return
        self.step_views["raw"].set_image(steps.raw)
        top, bottom, left, right = steps.box
        self.step_views["raw"].mark("box", (top, left, bottom - top, right - left))
        self.step_views["cropped"].set_image(steps.cropped)
        self.step_views["scaled"].set_image(steps.scaled)
        self.step_views["scaled"].set_title(f"scaled to fit 20×20 ({steps.scaled.shape[0]}×{steps.scaled.shape[1]})")
        self.step_views["digit"].set_image(steps.digit)
        oy, ox = steps.offset
        self.step_views["digit"].mark("box", (oy, ox, steps.scaled.shape[0], steps.scaled.shape[1]), "#4aa3ff", 1)

        if reading.prediction is None:
            self.predicted.setText("")
            self.prediction_text.setText("No model loaded: only the preprocessing is shown.")
            self.chart.set_probabilities(None)
        else:
            p = reading.probabilities
            self.predicted.setText(str(reading.prediction))
            runner_up = int(np.argsort(p)[-2])
            truth = "" if self._true_label is None else (
                f"<br>True label: <b>{self._true_label}</b> "
                + ("✓" if self._true_label == reading.prediction else "✗ (the network is wrong here)"))
            self.prediction_text.setText(
                f"The network reads <b>{reading.prediction}</b> with probability {p[reading.prediction]:.1%}."
                f"<br>Next best: {runner_up} ({p[runner_up]:.1%}).{truth}")
            self.chart.set_probabilities(p)
        by_key = {stage.key: stage for stage in reading.stages}
        for key, view in self.layer_views.items():
            stage = by_key.get(key)
            if stage is None:
                view.clear()
                continue
            if key == "output":
                values = reading.probabilities.reshape(-1, 1, 1)
                view.set_maps(values, (0.0, 1.0))
                for digit, text in enumerate(self.output_labels):
                    text.setColor("k" if values[digit, 0, 0] > 0.6 else "w")
                self.layer_titles[key].setText(f"<b>output</b> · 10 logits → softmax probabilities  "
                                               f"<span style='color:#666'>{stage.shape}</span>")
                continue
            values = stage.values if stage.spatial else stage.values.reshape(-1, 1, 1)
            view.set_maps(values, (0.0, max(1e-6, self.levels.get(key, float(values.max()) or 1.0))))
            term = TERMS.get(stage.term, stage.term)
            self.layer_titles[key].setText(f"<b>{stage.title}</b> — {term}  "
                                           f"<span style='color:#666'>shape {stage.shape}</span>")
        if self.draw_state.selection is None and "conv1" in by_key:
            # Start with a neuron selected, so the receptive field idea is visible at once.
            self.draw_state.set_selection(("conv1", 0, 10, 10))
        else:
            self._on_state_selection_changed(self.draw_state.selection)
        self.reading_shown.emit()

    def _stage(self, key: str):
        reading = self.draw_state.reading
        if reading is None:
            return None
        return next((s for s in reading.stages if s.key == key), None)

    def _on_state_selection_changed(self, selection) -> None:
        for view in self.layer_views.values():
            view.mark(None)
        stage = self._stage(selection[0]) if selection else None
        reading = self.draw_state.reading
        if stage is None or reading is None or reading.steps is None:
            self.step_views["digit"].mark("field", None)
            self.pad.set_overlay(None)
            self.weights_widget.hide()
            return
        key, channel, row, col = selection
        self.layer_views[key].mark(channel, row, col)
        self.app_state.set_selection(NeuronSelection("mnist", key, channel, row, col))
        if stage.spatial:
            top, bottom, left, right = receptive_field(stage.geometry, row, col, (28, 28))
            value = stage.values[channel, row, col]
            where = f"channel {channel}, position ({row}, {col})"
        else:  # vectors are shown as 1×1 "channels"
            top, bottom, left, right = 0, 28, 0, 28
            value = stage.values[channel] if key != "output" else reading.probabilities[channel]
            where = f"neuron {channel}" if key != "output" else f"digit {channel} (probability)"
        self.step_views["digit"].mark("field", (top, left, bottom - top, right - left), "#ff9900", 2)
        self._overlay_on_pad(reading.steps, top, bottom, left, right)
        size = f"{bottom - top}×{right - left}"
        lines = [f"<b>{stage.title}</b>, {where}: value <b>{format_number(value, 3)}</b>",
                 f"Local receptive field: input rows {top}–{bottom - 1}, columns {left}–{right - 1} "
                 f"({size} of the 28×28 input, outlined in orange)."]
        if not stage.spatial:
            lines[1] = "A fully connected neuron sees the <b>whole</b> 28×28 input (outlined in orange)."
        self._show_weights(stage, channel, lines)

    def _overlay_on_pad(self, steps, top, bottom, left, right) -> None:
        # Map the field from the 28×28 input back through the preprocessing onto the drawing.
        oy, ox = steps.offset
        sy = steps.cropped.shape[0] / steps.scaled.shape[0]
        sx = steps.cropped.shape[1] / steps.scaled.shape[1]
        box_top, _, box_left, _ = steps.box
        y0, y1 = box_top + (top - oy) * sy, box_top + (bottom - oy) * sy
        x0, x1 = box_left + (left - ox) * sx, box_left + (right - ox) * sx
        scale = self.pad.resolution / steps.raw.shape[0]
        self.pad.set_overlay(QRectF(x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale))

    def _show_weights(self, stage, index: int, lines: list[str]) -> None:
        module = stage.module
        if module is None:
            kind = "mean" if "average" in stage.term else "maximum"
            lines.append(f"Pooling has <b>no weights</b>: it only takes the {kind} of each window "
                         "of the feature map below it.")
            self.detail.setText("<br>".join(lines))
            self.weights_widget.hide()
            return
        weight = module.weight.detach().numpy()[index]
        bias = float(module.bias.detach().numpy()[index]) if module.bias is not None else 0.0
        if weight.ndim == 3:  # a conv kernel: one k×k slice per input channel
            shown, columns = weight, 16
            what = (f"{weight.shape[0]} input channel(s) × {weight.shape[1]}×{weight.shape[2]} weights "
                    f"+ bias {format_number(bias, 3)} = {weight.size + 1} parameters, "
                    "the same for every position of this feature map (shared weights)")
        elif stage.key == "dense1":
            previous = self._stage("pool2")
            shown = weight.reshape(previous.values.shape) if previous is not None else weight.reshape(-1, 1, 1)
            columns = 16
            what = (f"{weight.size} weights (one per flattened pool2 value, shown in the pool2 layout) "
                    f"+ bias {format_number(bias, 3)}")
        else:
            shown, columns = weight.reshape(-1, 1, 1), 32
            what = f"{weight.size} weights (one per dense1 neuron) + bias {format_number(bias, 3)}"
        lines.append(f"Weights feeding it: {what}. Blue negative, red positive.")
        self.detail.setText("<br>".join(lines))
        limit = float(np.abs(weight).max()) or 1.0
        self.weights_view.set_columns(columns)
        self.weights_view.set_maps(shown, (-limit, limit))
        self.weights_bar.setLevels((-limit, limit))
        self.weights_title.setText(f"weights feeding {stage.key} #{index}")
        self.weights_widget.show()


def create(state: AppState, parent: QWidget | None = None) -> DrawLesson:
    return DrawLesson(state, parent)

