"""Lesson ``dense``: flatten → fully connected → softmax, on the digit model's real head.

Shows the flattened feature maps as a strip, both weight matrices as images
(rows = neurons / classes), the hidden activations, the logits, and the
softmax probabilities with the formula written out for the top class. A
temperature slider and a logit override show how softmax reacts.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ... import io
from ...core import format_number, mnist_preprocess, softmax
from ...models import count_parameters, load_model, stages
from ..state import AppState
from ..widgets.maps import ACTIVATION_CMAP, SIGNED_CMAP, MapsView, colormap
from ..widgets.matrix_grid import MatrixGrid
from ..widgets.panels import ProbabilityChart
from ..workers import WorkResult
from .base import Lesson

SOURCES = {"heldout": "Held-out MNIST digit", "drawing": "Your drawing (draw lesson)"}


def head_of(model, digit: np.ndarray) -> dict:
    """Run the digit model on one 28×28 digit and collect its fully connected head."""
    import torch

    layer_stages, logits = stages(model, torch.from_numpy(digit.astype(np.float32))[None, None])
    by_key = {s.key: s for s in layer_stages}
    dense1, output = by_key["dense1"].module, by_key["output"].module
    w1, b1 = dense1.weight.detach().numpy().astype(np.float64), dense1.bias.detach().numpy().astype(np.float64)
    w2, b2 = output.weight.detach().numpy().astype(np.float64), output.bias.detach().numpy().astype(np.float64)
    flat = by_key["flatten"].values.astype(np.float64)
    pre = w1 @ flat + b1
    hidden = np.maximum(pre, 0.0)
    # What each class "looks for" in the flattened maps, exactly for this input:
    # logit_c = Σ_j (W2[c] · mask · W1)[j] · flat_j + const, where mask keeps the ReLUs that are on.
    templates = (w2 * (pre > 0)) @ w1
    return {"digit": digit, "pool2": by_key["pool2"].values, "flat": flat, "w1": w1, "b1": b1, "hidden": hidden,
            "w2": w2, "b2": b2, "logits": logits[0].numpy().astype(np.float64), "templates": templates,
            "pool2_shape": by_key["pool2"].values.shape}


def load_head_model(model=None) -> dict:
    """The digit model (bundled unless one is given), its parameter counts per layer, held-out digits."""
    model = model if model is not None else load_model("mnist")
    parts = {}
    for name, module in model.named_modules():
        if list(module.children()):
            continue
        total, _ = count_parameters(module)
        if total:
            parts[f"{type(module).__name__} {name}"] = total
    images, labels = io.heldout_digits()
    return {"model": model, "parts": parts, "images": images, "labels": labels}


class DenseState(QObject):
    """Temperature, the optional logit override, and the head's numbers for the current input."""

    head_changed = Signal()
    softmax_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.head: dict | None = None
        self.temperature = 1.0
        self.override: tuple[int, float] | None = None

    def set_head(self, head: dict) -> None:
        self.head = head
        self.head_changed.emit()
        self.softmax_changed.emit()

    def set_temperature(self, t: float) -> None:
        if t != self.temperature:
            self.temperature = t
            self.softmax_changed.emit()

    def set_override(self, override: tuple[int, float] | None) -> None:
        if override != self.override:
            self.override = override
            self.softmax_changed.emit()

    def logits(self) -> np.ndarray | None:
        if self.head is None:
            return None
        z = self.head["logits"].copy()
        if self.override is not None:
            z[self.override[0]] = self.override[1]
        return z

    def probabilities(self) -> np.ndarray | None:
        z = self.logits()
        return None if z is None else softmax(z, self.temperature)


class DenseLesson(Lesson):
    """The fully connected head of the digit network, with softmax and temperature."""

    lesson_id = "dense"
    head_shown = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.dense = DenseState(self)
        self.model = None
        self.images = np.zeros((0, 28, 28))
        self.labels = np.zeros(0, int)
        self._loader = self.make_runner(self._on_model_loaded)
        self._runner = self.make_runner(self._on_head_computed)
        self._build()
        self.dense.head_changed.connect(self._on_head_changed)
        self.dense.softmax_changed.connect(self._on_softmax_changed)
        self.app_state.drawing_changed.connect(lambda _d: self._request() if self._source() == "drawing" else None)
        self._loader.submit(load_head_model)
        self.app_state.digit_model_changed.connect(lambda model: self._loader.submit(load_head_model, model))

    # -- building ------------------------------------------------------------
    def _build(self) -> None:
        self.source_combo = QComboBox(objectName="denseSourceCombo")
        for key, text in SOURCES.items():
            self.source_combo.addItem(text, key)
        self.source_combo.activated.connect(lambda _i: self._request())
        self.index_spin = QSpinBox(objectName="digitIndexSpin", minimum=0, maximum=0,
                                   toolTip="Which held-out digit to use")
        self.index_spin.valueChanged.connect(lambda _v: self._request())
        self.input_label = QLabel(objectName="denseInputLabel")
        top = QHBoxLayout()
        top.addWidget(QLabel("Input:"))
        top.addWidget(self.source_combo)
        top.addWidget(QLabel("#"))
        top.addWidget(self.index_spin)
        top.addWidget(self.input_label, 1)

        self.banner = QLabel(objectName="denseBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        # The head as pictures: flatten strip, W1, hidden strip, W2.
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setObjectName("denseHeadView")
        self.flat_title = self.plots.addLabel("", row=0, col=0, colspan=3, justify="left", size="9pt")
        self.flat_view = self.plots.addViewBox(row=1, col=0, colspan=3, enableMenu=False)
        self.flat_view.setMouseEnabled(False, False)
        self.flat_image = pg.ImageItem(axisOrder="row-major")
        self.flat_image.setColorMap(colormap(ACTIVATION_CMAP))
        self.flat_view.addItem(self.flat_image)
        self.w1_title = self.plots.addLabel("", row=2, col=0, colspan=3, justify="left", size="9pt")
        self.w1_view = self.plots.addViewBox(row=3, col=0, colspan=3, enableMenu=False, invertY=True)
        self.w1_view.setMouseEnabled(False, False)
        self.w1_image = pg.ImageItem(axisOrder="row-major")
        self.w1_image.setColorMap(colormap(SIGNED_CMAP))
        self.w1_view.addItem(self.w1_image)
        self.hidden_title = self.plots.addLabel("", row=4, col=0, colspan=3, justify="left", size="9pt")
        self.hidden_view = self.plots.addViewBox(row=5, col=0, colspan=3, enableMenu=False)
        self.hidden_view.setMouseEnabled(False, False)
        self.hidden_image = pg.ImageItem(axisOrder="row-major")
        self.hidden_image.setColorMap(colormap(ACTIVATION_CMAP))
        self.hidden_view.addItem(self.hidden_image)
        self.w2_title = self.plots.addLabel("", row=6, col=0, colspan=3, justify="left", size="9pt")
        self.w2_plot = self.plots.addPlot(row=7, col=0, colspan=2)
        self.w2_plot.setMenuEnabled(False)
        self.w2_plot.setMouseEnabled(False, False)
        self.w2_plot.hideButtons()
        self.w2_plot.invertY(True)
        self.w2_plot.getAxis("left").setTicks([[(i + 0.5, str(i)) for i in range(10)]])
        self.w2_plot.setLabel("left", "class")
        self.w2_plot.setLabel("bottom", "dense1 neuron")
        self.w2_image = pg.ImageItem(axisOrder="row-major")
        self.w2_image.setColorMap(colormap(SIGNED_CMAP))
        self.w2_plot.addItem(self.w2_image)
        self.w2_bar = pg.ColorBarItem(colorMap=colormap(SIGNED_CMAP), values=(-1, 1), interactive=False, width=10,
                                      label="weight")
        self.w2_bar.setImageItem(self.w2_image)
        self.plots.addItem(self.w2_bar, row=7, col=2)
        layout = self.plots.ci.layout
        layout.setRowStretchFactor(1, 1)
        layout.setRowStretchFactor(3, 5)
        layout.setRowStretchFactor(5, 1)
        layout.setRowStretchFactor(7, 4)
        layout.setColumnStretchFactor(0, 6)
        layout.setColumnStretchFactor(2, 1)

        self.logit_grid = MatrixGrid(shading="signed")
        self.logit_grid.setObjectName("logitGrid")
        self.logit_grid.set_cell_size(36)
        self.logit_title = QLabel("<b>logits z</b> (classes 0–9), before softmax")

        # "What each class looks for".
        self.templates = pg.GraphicsLayoutWidget()
        self.templates.setObjectName("classTemplates")
        self.templates.setFixedHeight(130)
        self.template_views: list[MapsView] = []
        for c in range(10):
            self.templates.addLabel(str(c), row=0, col=c, size="10pt")
            view = MapsView(cmap=SIGNED_CMAP, columns=8, parent=self)
            self.templates.addItem(view.view, row=1, col=c)
            self.template_views.append(view)
        templates_title = QLabel(
            "<b>What each class looks for</b>: the weights from the 1,024 flattened values to each class, laid "
            "out like the 64 pool2 maps (4×4 each). Through the hidden layer this is exact for the current "
            "input (hidden ReLUs that are off pass nothing). Red: evidence for the class; blue: against it.")
        templates_title.setWordWrap(True)

        # Right: softmax, temperature, logit override, parameter counts.
        self.chart = ProbabilityChart([str(d) for d in range(10)])
        self.chart.setMinimumHeight(170)
        self.temperature_slider = QSlider(Qt.Orientation.Horizontal, objectName="temperatureSlider", minimum=1,
                                          maximum=50, value=10, toolTip="Temperature T (softmax of z / T)")
        self.temperature_label = QLabel(objectName="temperatureLabel")
        self.temperature_slider.valueChanged.connect(lambda v: self.dense.set_temperature(v / 10))
        temp_row = QHBoxLayout()
        temp_row.addWidget(QLabel("temperature T"))
        temp_row.addWidget(self.temperature_slider, 1)
        temp_row.addWidget(self.temperature_label)
        self.override_check = QCheckBox("set logit of class", objectName="overrideCheck")
        self.override_class = QSpinBox(objectName="overrideClass", minimum=0, maximum=9)
        self.override_value = QDoubleSpinBox(objectName="overrideValue", minimum=-100, maximum=100, decimals=2,
                                             singleStep=0.5)
        for widget in (self.override_check, self.override_class, self.override_value):
            signal = widget.toggled if widget is self.override_check else widget.valueChanged
            signal.connect(lambda *_: self._on_override_edited())
        override_row = QHBoxLayout()
        override_row.addWidget(self.override_check)
        override_row.addWidget(self.override_class)
        override_row.addWidget(QLabel("to"))
        override_row.addWidget(self.override_value)
        override_row.addStretch(1)
        self.formula = QLabel(objectName="softmaxFormula")
        self.formula.setWordWrap(True)
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setStyleSheet("font-size: 12pt; background: #fff8ec; padding: 8px; border-radius: 4px;")
        self.sum_label = QLabel(objectName="probabilitySum")
        self.params = QLabel(objectName="paramCounts")
        self.params.setWordWrap(True)
        self.params.setTextFormat(Qt.TextFormat.RichText)
        right = QVBoxLayout()
        right.addWidget(self.logit_title)
        right.addWidget(self.logit_grid, 0, Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(QLabel("<b>softmax probabilities</b>"))
        right.addWidget(self.chart, 1)
        right.addLayout(temp_row)
        right.addLayout(override_row)
        right.addWidget(self.formula)
        right.addWidget(self.sum_label)
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame_layout = QVBoxLayout(frame)
        frame_layout.addWidget(self.params)
        right.addWidget(frame)
        right_widget = QWidget()
        right_widget.setLayout(right)
        right_widget.setFixedWidth(400)

        body = QHBoxLayout()
        body.addWidget(self.plots, 1)
        body.addWidget(right_widget)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(top)
        outer.addWidget(self.banner)
        outer.addLayout(body, 1)
        outer.addWidget(templates_title)
        outer.addWidget(self.templates)

    # -- inputs --------------------------------------------------------------
    def _source(self) -> str:
        return self.source_combo.currentData()

    def _input_digit(self) -> tuple[np.ndarray | None, str]:
        if self._source() == "drawing":
            drawing = self.app_state.drawing
            steps = mnist_preprocess(drawing) if drawing is not None else None
            if steps is None:
                return None, "Nothing drawn yet: draw a digit in the “Draw a digit” lesson."
            return steps.digit, "your drawing (preprocessed to 28×28)"
        if len(self.images) == 0:
            return None, "No held-out digits are bundled."
        index = self.index_spin.value()
        return self.images[index], f"held-out digit #{index}, true label {self.labels[index]}"

    def _request(self) -> None:
        if self.model is None:
            return
        digit, text = self._input_digit()
        self.input_label.setText(text)
        if digit is not None:
            self._runner.submit(head_of, self.model, digit)

    # -- results -------------------------------------------------------------
    def _on_model_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            self.show_load_failure(self.banner, "digit model", result.error)
            return
        payload = result.value
        self.model = payload["model"]
        self.images, self.labels = payload["images"], payload["labels"]
        self.index_spin.setMaximum(max(0, len(self.images) - 1))
        parts = payload["parts"]
        total = sum(parts.values())
        dense = sum(v for k, v in parts.items() if k.startswith("Linear"))
        rows = "".join(f"<tr><td>{name}</td><td align='right'>{count:,}</td></tr>" for name, count in parts.items())
        self.params.setText(
            f"<b>Parameters</b> (counted from the model)<table>{rows}</table>"
            f"The fully connected layers hold <b>{dense:,}</b> of {total:,} ({dense / total:.0%}); the two "
            "convolutions, thanks to shared weights, only "
            f"{total - dense:,}.")
        self._request()

    def _on_head_computed(self, result: WorkResult) -> None:
        if result.error is not None:
            self.app_state.post_message(f"Could not run the dense head: {result.error}", 10000)
            return
        self.dense.set_head(result.value)

    def _on_override_edited(self) -> None:
        if self.override_check.isChecked():
            self.dense.set_override((self.override_class.value(), self.override_value.value()))
        else:
            self.dense.set_override(None)

    def _on_head_changed(self) -> None:
        head = self.dense.head
        flat, hidden, w1, w2 = head["flat"], head["hidden"], head["w1"], head["w2"]
        top = float(flat.max()) or 1.0
        self.flat_image.setImage(flat[None, :], autoLevels=False, levels=(0, top))
        self.flat_view.setRange(QRectF(0, 0, flat.size, 1), padding=0)
        c, h, w = head["pool2_shape"]
        self.flat_title.setText(f"<b>flatten</b>: pool2 (1, {c}, {h}, {w}) → x, a vector of {flat.size} values "
                                f"(one strip, brighter = larger)")
        limit1 = float(np.abs(w1).max())
        self.w1_image.setImage(w1, autoLevels=False, levels=(-limit1, limit1))
        self.w1_view.setRange(QRectF(0, 0, w1.shape[1], w1.shape[0]), padding=0)
        self.hidden_image.setImage(hidden[None, :], autoLevels=False, levels=(0, float(hidden.max()) or 1.0))
        self.hidden_view.setRange(QRectF(0, 0, hidden.size, 1), padding=0)
        self.w1_title.setText(f"<b>dense1 · fully connected</b>: weights W₁ ({w1.shape[0]} × {w1.shape[1]}), "
                              "a row per hidden neuron")
        self.hidden_title.setText(f"h = ReLU(W₁x + b₁): {hidden.size} hidden neurons, "
                                  f"{int((hidden > 0).sum())} active")
        limit2 = float(np.abs(w2).max())
        self.w2_image.setImage(w2, autoLevels=False, levels=(-limit2, limit2))
        self.w2_image.setRect(QRectF(0, 0, w2.shape[1], w2.shape[0]))
        self.w2_bar.setLevels((-limit2, limit2))
        self.w2_title.setText(f"<b>output · fully connected</b>: weights W₂ ({w2.shape[0]} × {w2.shape[1]}), "
                              "one row per class: z = W₂h + b₂")
        templates = head["templates"]
        limit = float(np.abs(templates).max()) or 1.0
        for view, template in zip(self.template_views, templates):
            view.set_maps(template.reshape(head["pool2_shape"]), (-limit, limit))
        self.head_shown.emit()

    def _on_softmax_changed(self) -> None:
        t = self.dense.temperature
        self.temperature_label.setText(f"T = {t:.1f}")
        z = self.dense.logits()
        if z is None:
            return
        p = self.dense.probabilities()
        self.logit_grid.set_values(z[None, :])
        self.chart.set_probabilities(p)
        top = int(np.argmax(p))
        exps = np.exp(z / t - (z / t).max())
        shift = float((z / t).max())
        self.formula.setText(
            f"softmax(z)ᵢ = e<sup>zᵢ/T</sup> / Σⱼ e<sup>zⱼ/T</sup><br>"
            f"For the top class {top}: e<sup>{format_number(z[top], 2)}/{t:.1f}</sup> / "
            f"Σⱼ e<sup>zⱼ/{t:.1f}</sup> = {format_number(exps[top], 4)} / {format_number(exps.sum(), 4)} "
            f"= <b>{format_number(p[top], 6)}</b><br>"
            f"<span style='color:#666'>(every exponent shifted by −{format_number(shift, 2)} so nothing "
            "overflows; the shift cancels)</span>")
        self.sum_label.setText(f"Sum of the ten probabilities: {p.sum():.6f}")


def create(state: AppState, parent: QWidget | None = None) -> DenseLesson:
    return DenseLesson(state, parent)
