"""The Architecture tab for a model of the user's own: its graph, its summary, a clicked layer's weights.

While the app state holds a user model (File ▸ Open model…), the tab shows it
instead of the bundled network: a banner says which model it is and offers
"Back to bundled models"; the graph draws its layers with skip connections as
arcs, and a graph deeper than :data:`~.stages.COLLAPSE_ABOVE` layers is shown as
stages that open when clicked. The layers and summary are read in a worker.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ...workers import WorkResult
from .stages import STAGE_KIND, layer_rows, stage_rows


def describe_external(model) -> dict:
    """Worker: the model's graph rows and Keras-style summary text."""
    layers = model.layers()
    return {"layers": {layer.name: layer for layer in layers}, "rows": layer_rows(layers), "text": model.summary()}


class ExternalArchitecture(QObject):
    """Shows the user's model on the lesson's Architecture tab while one is in use.

    Attributes
    ----------
    rows : list of SummaryRow
        Every layer of the model on screen (empty when none).
    stages : dict
        The closed stages drawn now: stage name → its layers' names.
    expanded : set of str
        The stages the user opened.
    """

    def __init__(self, lesson) -> None:
        super().__init__(lesson)
        self.lesson = lesson
        self.model = None  # the model whose description is on screen
        self.layers: dict = {}
        self.rows: list = []
        self.stages: dict[str, list[str]] = {}
        self.expanded: set[str] = set()
        self._describer = lesson.make_runner(self._on_described)
        page = lesson.architecture
        self.banner = QWidget(objectName="userModelBanner")
        self.banner.setStyleSheet("#userModelBanner { background: #e8f1fb; border-radius: 4px; }")
        self.banner_text = QLabel(objectName="userModelText", wordWrap=True)
        self.banner_text.setTextFormat(Qt.TextFormat.RichText)
        self.close_button = QPushButton("Close all stages", objectName="closeStagesButton")
        self.close_button.clicked.connect(self.close_stages)
        self.back_button = QPushButton("Back to bundled models", objectName="backToBundledButton")
        self.back_button.clicked.connect(lambda: lesson.app_state.set_external_model(None))
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.close_button)
        row.addWidget(self.back_button)
        self.banner.hide()
        page.layout().insertWidget(0, self.banner)
        page.graph.layer_clicked.connect(self._on_graph_clicked)
        lesson.listen(lesson.app_state.events.external_model,
                      lambda *_: lesson.when_shown("user model", self.refresh))
        if self.active():  # a model opened before this lesson was first shown
            lesson.when_shown("user model", self.refresh)

    def active(self) -> bool:
        """True while a user model is in use (the tab shows it, not the bundled network)."""
        return self.lesson.app_state.external_model is not None

    # -- the model ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the model in use: a user model's description (read in a worker), or the bundled one again."""
        lesson, model = self.lesson, self.lesson.app_state.external_model
        page = lesson.architecture
        page.model_combo.setEnabled(model is None)
        page.summary_title.setText("<b>model.summary()</b> — " + ("traced from the real module" if model is None else
                                                                  "read from the model file"))
        if model is None:
            self.model, self.layers, self.rows, self.stages = None, {}, [], {}
            self.banner.hide()
            lesson.state.selected_layer = ""
            lesson._describe()
            return
        self.banner.show()
        self.banner_text.setText(f"Reading your model <b>{html.escape(model.name)}</b>…")
        self.expanded.clear()
        lesson.state.selected_layer = ""
        lesson.summary.setPlainText(f"Reading {model.name}…")
        self._describer.submit(describe_external, model, context=model)

    def _on_described(self, result: WorkResult) -> None:
        model = result.context
        if model is not self.lesson.app_state.external_model:
            return  # the user has moved on to another model (or back to the bundled ones)
        lesson = self.lesson
        if result.error is not None:
            self.banner_text.setText(f"Could not read the layers of <b>{html.escape(model.name)}</b>: "
                                     f"{html.escape(str(result.error))}")
            lesson.summary.setPlainText(f"Could not read the layers of {model.name}: {result.error}")
            return
        self.model = model
        self.layers, self.rows = result.value["layers"], result.value["rows"]
        params = sum(row.params for row in self.rows)
        kind = {"onnx": "ONNX", "pt2": "torch.export", "convlens": "ConvLens weights"}.get(model.format, model.format)
        lesson.summary.show_summary(result.value["text"])
        self.draw()
        self.banner_text.setText(
            f"Showing your model <b>{html.escape(model.name)}</b> ({kind}, {len(self.rows)} layers, {params:,} "
            f"parameters, input {tuple(model.input_shape)}). The photo lesson runs it on your image."
            + (" Click a stage (a box of many layers) to open it." if self.stages else ""))
        lesson._render_layer()
        lesson.summary_shown.emit()

    # -- the graph ----------------------------------------------------------------------
    def draw(self) -> None:
        """Draw the rows, deep graphs as stages (the open ones layer by layer)."""
        if self.model is None:
            return
        rows, self.stages = stage_rows(self.rows, self.expanded)
        graph = self.lesson.graph
        graph.set_rows(rows, tuple(self.model.input_shape))
        graph.fit()
        self.close_button.setVisible(bool(self.expanded))

    def _on_graph_clicked(self, name: str) -> None:
        if self.active() and name in self.stages:
            # Open it after the click has been handled: drawing anew deletes the box being clicked.
            QTimer.singleShot(0, lambda: self.open_stage(name))

    def open_stage(self, name: str) -> None:
        """Draw the layers of stage ``name`` instead of its box."""
        if name in self.stages:
            members = set(self.stages[name])
            self.expanded.add(name)
            self.draw()
            inner = [layers for layers in self.stages.values() if members.issuperset(layers)]
            single = len(members) - sum(len(layers) for layers in inner)
            how = "one by one" if not inner else (f"as {len(inner)} smaller stages"
                                                  + (f" and {single} single layers" if single else "")
                                                  + " (click a stage to open it)")
            self.lesson.commands.post_message(f"Opened “{name}”: its {len(members)} layers are drawn {how}.")

    def close_stages(self) -> None:
        """Draw every stage as one box again."""
        self.expanded.clear()
        self.draw()

    # -- the selected layer ----------------------------------------------------------------
    def selected_row(self):
        """The graph row of the selected layer or stage, or None."""
        name = self.lesson.state.selected_layer
        if name in self.stages:
            drawn, _ = stage_rows(self.rows, self.expanded)
            return next((row for row in drawn if row.name == name), None)
        return next((row for row in self.rows if row.name == name), None)

    def render_layer(self) -> None:
        """Show the selected layer's shape, parameters, attributes and weights."""
        page, row = self.lesson.architecture, self.selected_row()
        page.explain_button.hide()
        page.layer_weights.hide()
        if row is None:
            page.layer_info.setText("Click a box in the graph to see the layer's weights"
                                    + (", or a stage to open it." if self.stages else "."))
            return
        if row.kind == STAGE_KIND:
            members = self.stages.get(row.name, [])
            kinds = sorted({self.layers[m].op_type for m in members if m in self.layers})
            page.layer_info.setText(f"<b>{html.escape(row.name)}</b>: a stage of {len(members)} layers ({', '.join(kinds)}), "
                                    f"{row.params:,} parameters, output {tuple(row.output_shape)}.")
            return
        layer = self.layers.get(row.name)
        text = f"<b>{html.escape(row.name)}</b> ({row.type}): output {tuple(row.output_shape)}, {row.params:,} parameters."
        if layer is not None and layer.attributes:
            text += "<br>" + ", ".join(f"{key} {_plain(value)}" for key, value in layer.attributes.items())
        weight = None if layer is None else layer.weight
        if weight is not None and np.ndim(weight) == 4:
            w = np.asarray(weight)
            text += (f"<br>Weights {tuple(w.shape)} = (kernels, input channels per group, kh, kw); shown: each "
                     f"kernel's slice for input channel 0 ({w.shape[0]} kernels of {w.shape[2]}×{w.shape[3]}).")
            page.layer_weights.set_weights(w[:, 0], 16)
            page.layer_weights.show()
        elif weight is not None and np.ndim(weight) == 2:
            w = np.asarray(weight)
            text += f"<br>Weight matrix {w.shape[0]} × {w.shape[1]}."
            page.layer_weights.set_weights(w[None], 1)
            page.layer_weights.show()
        elif row.params == 0:
            text += "<br>This layer has no weights."
        page.layer_info.setText(text)
        from .view import LESSON_FOR_KIND  # the lesson's own table of which lesson explains which kind

        target = LESSON_FOR_KIND.get(row.kind)
        page.explain_button.setVisible(target is not None)
        if target is not None:
            page.explain_button.setText(f"Explain {row.type} → “{target}” lesson")


def _plain(value) -> str:
    if isinstance(value, (list, tuple)):
        return "×".join(str(v) for v in value) if len(value) <= 2 else str(tuple(value))
    return str(value)
