"""Lesson ``dense``: flatten → fully connected → softmax, on the real head of the digit model in use.

Shows the flattened feature maps as a strip, both weight matrices as images
(rows = neurons / classes), the hidden activations, the logits, and the
softmax probabilities with the formula written out for the top class. A
temperature slider and a logit override show how softmax reacts. Every shape
and count is read from the model in use (``app_state.digit_model``; None is
the bundled one).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
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

from ....core import format_number
from ...state import AppState, Commands
from ...widgets.dense_head import ClassTemplates, DenseHeadView
from ...widgets.matrix_grid import MatrixGrid
from ...widgets.panels import ProbabilityChart
from ...workers import WorkResult
from ..base import Lesson
from .head import load_head_model, read_head
from .state import LOGIT_LIMIT, SOURCES, TEMPERATURE_MAX, TEMPERATURE_MIN, DenseState

#: Slider steps per unit of temperature.
TEMPERATURE_STEPS = 10


def _same_array(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or (a.shape == b.shape and np.array_equal(a, b))


class DenseLesson(Lesson):
    """The fully connected head of the digit network, with softmax and temperature.

    Signals
    -------
    head_shown()
        The head's pictures and numbers were redrawn for a new result (or cleared).
    """

    lesson_id = "dense"
    head_shown = Signal()

    def __init__(self, app_state: AppState, commands: Commands, parent: QWidget | None = None) -> None:
        super().__init__(app_state, commands, DenseState(), parent)
        self._model_runner = self.make_runner(self._on_model_loaded)
        self._head_runner = self.make_runner(self._on_head_computed)
        self._build()
        state = self.state
        for field in ("source", "index"):
            getattr(state.events, field).connect(self._on_input_changed)
        state.events.model_info.connect(self._on_model_info_changed)
        state.events.head.connect(self._on_head_changed)
        for field in ("temperature", "override_on", "override_class", "override_value", "head"):
            getattr(state.events, field).connect(self._on_softmax_inputs_changed)
        self.listen(app_state.events.digit_model, lambda *_: self.when_shown("model", self._load_model))
        self.listen(app_state.events.drawing, self._on_app_drawing_changed)
        self._show_controls()
        self._on_softmax_inputs_changed()
        self.when_shown("model", self._load_model)  # the model in use now, even if set before this lesson existed

    # -- building ------------------------------------------------------------
    def _build(self) -> None:
        self.source_combo = QComboBox(objectName="denseSourceCombo")
        for key, text in SOURCES.items():
            self.source_combo.addItem(text, key)
        self.source_combo.activated.connect(lambda i: setattr(self.state, "source", self.source_combo.itemData(i)))
        self.index_spin = QSpinBox(objectName="digitIndexSpin", minimum=0, maximum=0,
                                   toolTip="Which held-out digit to use")
        self.index_spin.valueChanged.connect(lambda v: setattr(self.state, "index", v))
        self.input_label = QLabel(objectName="denseInputLabel")
        self.model_label = QLabel(objectName="denseModelLabel")
        self.model_label.setStyleSheet("color: #555;")
        top = QHBoxLayout()
        for widget, stretch in ((QLabel("Input:"), 0), (self.source_combo, 0), (QLabel("#"), 0),
                                (self.index_spin, 0), (self.input_label, 1), (self.model_label, 0)):
            top.addWidget(widget, stretch)

        self.banner = QLabel(objectName="denseBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        self.plots = DenseHeadView()
        self.plots.setObjectName("denseHeadView")
        self.logit_grid = MatrixGrid(shading="signed")
        self.logit_grid.setObjectName("logitGrid")
        self.logit_grid.set_cell_size(36)
        self.logit_title = QLabel("<b>logits z</b>, before softmax", objectName="logitTitle")
        self.templates = ClassTemplates()
        self.templates.setObjectName("classTemplates")
        self.templates.setFixedHeight(130)
        self.templates_title = QLabel(objectName="templatesTitle")
        self.templates_title.setWordWrap(True)

        # Right: softmax, temperature, logit override, parameter counts.
        self.chart = ProbabilityChart([str(d) for d in range(self.state.classes)])
        self.chart.setMinimumHeight(170)
        self.temperature_slider = QSlider(Qt.Orientation.Horizontal, objectName="temperatureSlider",
                                          minimum=round(TEMPERATURE_MIN * TEMPERATURE_STEPS),
                                          maximum=round(TEMPERATURE_MAX * TEMPERATURE_STEPS),
                                          toolTip="Temperature T (softmax of z / T)")
        self.temperature_slider.valueChanged.connect(
            lambda v: setattr(self.state, "temperature", v / TEMPERATURE_STEPS))
        self.temperature_label = QLabel(objectName="temperatureLabel")
        temp_row = QHBoxLayout()
        temp_row.addWidget(QLabel("temperature T"))
        temp_row.addWidget(self.temperature_slider, 1)
        temp_row.addWidget(self.temperature_label)
        self.override_check = QCheckBox("set logit of class", objectName="overrideCheck")
        self.override_check.toggled.connect(lambda on: setattr(self.state, "override_on", on))
        self.override_class = QSpinBox(objectName="overrideClass", minimum=0, maximum=self.state.classes - 1)
        self.override_class.valueChanged.connect(lambda v: setattr(self.state, "override_class", v))
        self.override_value = QDoubleSpinBox(objectName="overrideValue", minimum=-LOGIT_LIMIT, maximum=LOGIT_LIMIT,
                                             decimals=2, singleStep=0.5)
        self.override_value.valueChanged.connect(lambda v: setattr(self.state, "override_value", v))
        override_row = QHBoxLayout()
        for widget in (self.override_check, self.override_class, QLabel("to"), self.override_value):
            override_row.addWidget(widget)
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
        QVBoxLayout(frame).addWidget(self.params)
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
        outer.addWidget(self.templates_title)
        outer.addWidget(self.templates)

    # -- state → input widgets -----------------------------------------------
    def _show_controls(self) -> None:
        state = self.state
        with QSignalBlocker(self.source_combo):
            self.source_combo.setCurrentIndex(self.source_combo.findData(state.source))
        with QSignalBlocker(self.index_spin):
            self.index_spin.setValue(state.index)
        self.index_spin.setEnabled(state.source == "heldout")
        with QSignalBlocker(self.temperature_slider):
            self.temperature_slider.setValue(round(state.temperature * TEMPERATURE_STEPS))
        self.temperature_label.setText(f"T = {state.temperature:.1f}")
        with QSignalBlocker(self.override_check):
            self.override_check.setChecked(state.override_on)
        with QSignalBlocker(self.override_class):
            self.override_class.setValue(state.override_class)
        with QSignalBlocker(self.override_value):
            self.override_value.setValue(state.override_value)

    # -- requests ------------------------------------------------------------
    def _load_model(self) -> None:
        """Describe the digit model in use (the bundled one is loaded in the worker)."""
        model, name = self.app_state.digit_model, self.app_state.digit_model_name
        self.state.head = None  # numbers of the previous model must not stand beside the new model's
        self._model_runner.submit(load_head_model, model, name, context=model)

    def _request_head(self) -> None:
        info, state = self.state.model_info, self.state
        if info is None:
            return  # the model's arrival asks again
        count = len(info.images)
        if state.source == "heldout" and count and state.index >= count:
            self.commands.post_message(f"There is no held-out digit #{state.index}: the bundle has {count:,}; "
                                       f"showing #{count - 1}.", 8000)
            state.index = count - 1  # asks again
            return
        drawing = self.app_state.drawing
        self._head_runner.submit(read_head, info, state.source, state.index, drawing,
                                 context=(info, state.source, state.index, drawing))

    def _on_input_changed(self, *_) -> None:
        self._show_controls()
        self.when_shown("head", self._request_head)

    def _on_app_drawing_changed(self, *_) -> None:
        if self.state.source == "drawing":
            self.when_shown("head", self._request_head)

    # -- results -------------------------------------------------------------
    def _on_model_loaded(self, result: WorkResult) -> None:
        if result.context is not self.app_state.digit_model:
            return  # the model in use changed meanwhile; its own load is on its way
        if result.error is not None:
            self.state.model_info = None
            if isinstance(result.error, ValueError):  # a model this lesson cannot show: say why
                self.banner.setText(f"<b>The digit model in use cannot be shown here:</b> {result.error}.")
                self.banner.show()
            else:
                self.show_load_failure(self.banner, "digit model", result.error)
            return
        self.banner.hide()
        self.state.model_info = result.value

    def _on_head_computed(self, result: WorkResult) -> None:
        info, source, index, drawing = result.context
        state = self.state
        if info is not state.model_info or self._model_runner.is_busy():
            return  # computed with a model that is no longer (or soon no longer) the one in use
        if (source, index) != (state.source, state.index):
            return  # a newer request is waiting for the lesson to be shown
        if source == "drawing" and not _same_array(drawing, self.app_state.drawing):
            return
        if result.error is not None:
            self.input_label.setText("The head could not be computed.")
            self.commands.post_message(f"Could not run the dense head: {result.error}", 10000)
            return
        self.input_label.setText(result.value.text)
        state.head = result.value.head
        if result.value.head is None:  # no new numbers: still tell listeners the pictures were cleared
            self.head_shown.emit()

    # -- rendering -----------------------------------------------------------
    def _on_model_info_changed(self, info) -> None:
        self.state.head = None  # the head on screen belongs to the previous model
        if info is None:  # loading, or the model cannot be shown: no numbers of another model stay
            self.model_label.setText("")
            self.plots.blank()
            self.templates_title.setText("")
            self.params.setText("")
            return
        c, h, w = info.maps_shape
        labels = [str(k) for k in range(info.classes)]
        self.model_label.setText(f"Model: {info.name}")
        with QSignalBlocker(self.index_spin):
            self.index_spin.setMaximum(max(0, len(info.images) - 1))
            self.index_spin.setValue(self.state.index)
        with QSignalBlocker(self.override_class):
            self.override_class.setMaximum(info.classes - 1)
            self.override_class.setValue(self.state.override_class)
        self.chart.set_labels(labels)
        self.plots.set_class_labels(labels)
        self.plots.set_weights(info.w1, info.w2)  # shown even before an input is read
        self.logit_title.setText(f"<b>logits z</b> (classes 0–{info.classes - 1}), before softmax")
        self._show_titles()
        self.templates_title.setText(
            f"<b>What each class looks for</b>: the weights from the {info.flat_size:,} flattened values to each "
            f"class, laid out like the {c} {info.maps_key} maps ({h}×{w} each). Through the hidden layer this is "
            "exact for the current input (hidden ReLUs that are off pass nothing). Red: evidence for the class; "
            "blue: against it.")
        total, dense = info.total_params, info.linear_params
        rows = "".join(f"<tr><td>{name}</td><td align='right'>{count:,}</td></tr>"
                       for name, count in info.parts.items())
        share = dense / total if total else 0.0
        self.params.setText(
            f"<b>Parameters</b> of the model in use ({info.name}), counted from the model<table>{rows}</table>"
            f"The fully connected layers hold <b>{dense:,}</b> of {total:,} ({share:.0%}); the convolutions, "
            f"thanks to shared weights, only {total - dense:,}.")
        self.when_shown("head", self._request_head)

    def _show_titles(self) -> None:
        """Titles of the head's pictures: shapes from the model in use, the active count from the input."""
        info, head = self.state.model_info, self.state.head
        if info is None:
            return
        c, h, w = info.maps_shape
        active = "" if head is None else f", {int((head.hidden > 0).sum())} active"
        self.plots.set_titles(
            f"<b>flatten</b>: {info.maps_key} (1, {c}, {h}, {w}) → x, a vector of {info.flat_size:,} values "
            "(one strip, brighter = larger)",
            f"<b>dense1 · fully connected</b>: weights W₁ ({info.hidden_size} × {info.flat_size:,}), "
            "a row per hidden neuron",
            f"h = ReLU(W₁x + b₁): {info.hidden_size} hidden neurons{active}",
            f"<b>output · fully connected</b>: weights W₂ ({info.classes} × {info.hidden_size}), "
            "one row per class: z = W₂h + b₂")

    def _on_head_changed(self, head) -> None:
        self._show_titles()
        if head is None:
            self.plots.clear_activations()
            self.templates.blank()
            return
        self.plots.set_activations(head.flat, head.hidden)
        self.plots.set_weights(head.w1, head.w2)
        classes = head.templates.shape[0]
        self.templates.set_templates(head.templates.reshape((classes,) + head.maps.shape),
                                     [str(k) for k in range(classes)])
        self.head_shown.emit()

    def _on_softmax_inputs_changed(self, *_) -> None:
        self._show_controls()
        parts = self.state.softmax()
        if parts is None:
            self.logit_grid.set_values(np.zeros((1, self.state.classes)))
            self.logit_grid.set_hidden(np.ones((1, self.state.classes), bool))
            self.chart.set_probabilities(None)
            self.formula.setText("softmax(z)ᵢ = e<sup>zᵢ/T</sup> / Σⱼ e<sup>zⱼ/T</sup>")
            self.sum_label.setText("")
            return
        t = self.state.temperature
        z, p = self.state.logits(), parts.probabilities
        self.logit_grid.set_hidden(None)
        self.logit_grid.set_values(z[None, :])
        self.chart.set_probabilities(p)
        top = int(np.argmax(p))
        self.formula.setText(
            "softmax(z)ᵢ = e<sup>zᵢ/T</sup> / Σⱼ e<sup>zⱼ/T</sup><br>"
            f"For the top class {top}: e<sup>{format_number(z[top], 2)}/{t:.1f}</sup> / "
            f"Σⱼ e<sup>zⱼ/{t:.1f}</sup> = {format_number(parts.exps[top], 4)} / {format_number(parts.total, 4)} "
            f"= <b>{format_number(p[top], 6)}</b><br>"
            f"<span style='color:#666'>(every exponent shifted by −{format_number(parts.shift, 2)} so nothing "
            "overflows; the shift cancels)</span>")
        self.sum_label.setText(f"Sum of the {p.size} probabilities: {p.sum():.6f}")


def create(app_state: AppState, commands: Commands, parent: QWidget | None = None) -> DenseLesson:
    return DenseLesson(app_state, commands, parent)
