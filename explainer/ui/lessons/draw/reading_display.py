"""The draw lesson's reading on screen: preprocessing, every layer, the prediction and the clicked neuron.

A mixin of :class:`~explainer.ui.lessons.draw.view.DrawLesson` (it uses the page's
widgets: ``steps``, ``layers``, ``predicted``, ``prediction_text``, ``chart``,
``pad``, ``detail`` and ``weights``, the lesson's state and its ``reading_shown``
signal). The texts come from :mod:`.describe`; the reading itself is made in the
lesson's worker (:mod:`.work`).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF

from . import work
from .describe import (
    DETAIL_HINT,
    describe_neuron,
    field_on_drawing,
    fits,
    layer_columns,
    layer_title,
    prediction_text,
    shown_stages,
)
from .state import DEFAULT_SELECTION

#: What the prediction line says while the pad is empty.
EMPTY_PAD_TEXT = "Draw a digit on the black pad."


class ReadingDisplay:
    """Shows a reading (:meth:`show_reading`) and the selected neuron on the lesson's widgets."""

    def show_reading(self, request: work.ReadingRequest | None, reading) -> None:
        """Show ``reading`` with the drawing it was made from (``request``); None or an empty drawing clears."""
        self.request, self.reading = request, reading
        if reading is None or reading.steps is None:
            self._show_blank()
            self.reading_shown.emit()
            return
        self.steps.show_steps(request.image, reading.steps)
        if reading.prediction is None:
            self.predicted.setText("")
            self.prediction_text.setText(request.no_model)
            self.chart.set_probabilities(None)
        else:
            self.predicted.setText(str(reading.prediction))
            self.prediction_text.setText(prediction_text(reading, request.true_label))
            self.chart.set_probabilities(reading.probabilities)
        self._show_layers(request, reading)
        if reading.stages and not fits(reading, self.state.selection):
            with self.state.events.selection.blocked():  # the selection is drawn just below
                self.state.selection = DEFAULT_SELECTION if fits(reading, DEFAULT_SELECTION) else None
        self._show_selection()
        self.reading_shown.emit()

    def _show_layers(self, request: work.ReadingRequest, reading) -> None:
        stages = shown_stages(reading)
        if not stages:
            self.layers.clear_layers()
            return
        self.layers.set_layers([stage.key for stage in stages])
        for stage in stages:
            if stage.key == "output":
                labels = [str(d) for d in range(len(reading.probabilities))]
                self.layers.show_layer("output", reading.probabilities, (0.0, 1.0), layer_title(stage),
                                       layer_columns(stage), labels)
                continue
            high = request.levels.get(stage.key) or float(stage.values.max()) or 1.0
            self.layers.show_layer(stage.key, stage.values, (0.0, max(1e-6, high)), layer_title(stage),
                                   layer_columns(stage))

    def _show_blank(self) -> None:
        self.steps.clear_steps()
        self.layers.clear_layers()
        self.predicted.setText("")
        self.prediction_text.setText(EMPTY_PAD_TEXT)
        self.chart.set_probabilities(None)
        self._show_selection()

    def _show_selection(self) -> None:
        """Outline the selected neuron, its receptive field (28×28 input and pad) and show its weights."""
        reading, selection = self.reading, self.state.selection
        detail = describe_neuron(reading, selection) if reading is not None else None
        if detail is None:
            self.layers.mark(None)
            self.steps.mark_field(None)
            self.pad.set_overlay(None)
            self.detail.setText(DETAIL_HINT)
            self.weights.hide()
            return
        key, channel, row, col = selection
        self.layers.mark(key, channel, row, col)
        self.steps.mark_field(detail.field)
        x, y, width, height = field_on_drawing(reading.steps, detail.field)
        scale = self.pad.resolution / self.request.image.shape[0]
        side = float(self.pad.resolution)  # a field reaching past the drawing is cut at the pad's edge
        field = QRectF(x * scale, y * scale, width * scale, height * scale).intersected(QRectF(0, 0, side, side))
        self.pad.set_overlay(field)
        self.detail.setText(detail.text)
        if detail.weights is None:
            self.weights.hide()
            return
        self.weights.set_weights(detail.weights, detail.weights_columns)
        title = f"weights feeding {key} #{channel}"
        if self.weights.title.text != title:
            self.weights.title.setText(title)
        if self.weights.isHidden():  # show() on a shown widget still costs a call into Qt's visibility code
            self.weights.show()
