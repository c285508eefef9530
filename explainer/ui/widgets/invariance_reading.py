"""The invariance lab's live reading on screen: the two pictures, the answer, the chart and every layer.

A mixin of :class:`~explainer.ui.widgets.invariance_lab.InvarianceLab` (it uses the lab's
widgets: ``pictures``, ``caption``, ``predicted``, ``answer``, ``chart`` and ``layers``, its
``state``, ``labels``, ``kind`` and texts, its ``reading_shown`` signal and its
``_input_changed``). The reading itself is made in a worker
(:func:`~explainer.ui.widgets.invariance_work.read_transformed`).
"""

from __future__ import annotations

import numpy as np

from .invariance_work import LabRequest


def layer_columns(stage, kind: str) -> int:
    """Maps per mosaic row: vectors up to 32 wide, the output on one row; a digit network's maps in two
    rows, a photo network's many layers each in a wide, low block (its rows share the height)."""
    units = stage.values.shape[0]
    if stage.key == "output" or not stage.spatial:
        return units if stage.key == "output" else min(units, 32)
    if kind == "photo":  # up to 24 maps a row, at most three rows
        return min(units, max(24, -(-units // 3)))
    return units if units <= 12 else -(-units // 2)


class LabReadingDisplay:
    """Draws a reading (:meth:`show_reading`) on the lab's widgets; the layers only while their page is shown."""

    def show_reading(self, request: LabRequest | None, reading) -> None:
        """Draw ``reading`` (the answer to ``request``); None shows the message that there is nothing to read."""
        changed = self.reading is None or reading is None or not np.array_equal(reading.x, self.reading.x)
        self.request, self.reading = request, reading
        if reading is None:
            self.pictures.clear_pictures()
            self.caption.setText("")  # nothing read: no input to say where it came from
            self.predicted.setText("")
            self.answer.setText(self.empty_text)
            self.chart.set_probabilities(None)
            self.layers.clear_layers()
        else:
            self.caption.setText(self.caption_text)
            first = reading.before if self.kind == "digit" else reading.base
            self.pictures.show_pictures(first, reading.after)
            self._show_answer(request, reading)
            self._layers_stale = True
            if self.state.panel == 0:
                self._show_layers()
        if changed:
            self._input_changed()
        self.reading_shown.emit()

    def _show_answer(self, request: LabRequest, reading) -> None:
        if reading.probabilities is None:
            self.predicted.setText("")
            self.answer.setText(self.no_model_text)
            self.chart.set_probabilities(None)
            return
        p, best = reading.probabilities, reading.prediction
        runner_up = int(np.argsort(p)[-2])
        self.predicted.setText(self.labels[best])
        text = (f"The network reads <b>{self.labels[best]}</b> ({p[best]:.1%}).<br>Next best: "
                f"{self.labels[runner_up]} ({p[runner_up]:.1%}).")
        if request.label is not None:
            verdict = "✓" if request.label == best else "✗"
            text += f"<br>True class: <b>{self.labels[request.label]}</b> {verdict}"
        self.answer.setText(text)
        self.chart.set_probabilities(p)

    def _show_layers(self) -> None:
        self._layers_stale = False
        reading = self.reading
        inside = set() if reading is None else _inside_blocks(reading.stages)
        shown = [] if reading is None else [s for s in reading.stages if self._shows_stage(s) and s.key not in inside]
        if not shown:
            self.layers.clear_layers()
            return
        self.layers.set_layers([stage.key for stage in shown])
        for stage in shown:
            title = f"<b>{stage.title}</b>  <span style='color:#666'>shape {stage.shape}</span>"
            if stage.key == "output":  # drawn as the probabilities, not the logits the title names
                title = (f"<b>{stage.title} → softmax probabilities</b>  "
                         f"<span style='color:#666'>shape {stage.shape}</span>")
                self.layers.show_layer("output", reading.probabilities, (0.0, 1.0), title,
                                       layer_columns(stage, self.kind), self.labels if self.kind == "digit" else None)
                continue
            high = self.request.levels.get(stage.key) or float(stage.values.max()) or 1.0
            self.layers.show_layer(stage.key, stage.values, (0.0, max(1e-6, high)), title,
                                   layer_columns(stage, self.kind))

    def _shows_stage(self, stage) -> bool:
        """Every layer of a digit network; a photo network's convolutions and output (its many pooling
        layers would leave each row too little height), and of a residual block only its sum (see
        :func:`_inside_blocks`)."""
        if stage.key in ("input", "flatten"):
            return False
        return self.kind == "digit" or not stage.key.startswith("pool")


def _inside_blocks(stages) -> set[str]:
    """Keys of the two convolutions of each residual block (the stages just before a shortcut's sum).

    The lab shows what a block hands on, its sum, not the convolutions inside it: a residual photo
    network would otherwise give each of its many rows a sliver of height.
    """
    inside: set[str] = set()
    for i, stage in enumerate(stages):
        if stage.shortcut is not None:
            inside.update(s.key for s in stages[max(0, i - 2) : i] if s.term == "feature maps")
    return inside
