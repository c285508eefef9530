"""The network lesson's view: binds the three pages to :class:`NetworkState` and runs the work.

State → widgets: every field's signal re-renders its widget inside ``QSignalBlocker``.
Widgets → state: each widget signal calls a setter. Nothing is read back from a widget.
Tracing, data loading, weight files and transfer plans go through runners whose results
carry their request (``context=``); training and transfer learning are generator workers
whose reports are handed to the handlers together with the request they answer.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ....models import MODEL_NAMES, weights_path
from ...widgets.training_curves import TrainingHistory
from ...workers import WorkResult
from ..base import Lesson
from .external import ExternalArchitecture
from .jobs import describe_model
from .panels import ArchitecturePage, TrainingPage, TransferPage
from .replay import TrainingRecording, training_animations
from .state import BUNDLED_MODELS, TABS, USER_MODEL, NetworkState
from .training import TrainingTab
from .transfer import BASE_TEXT, NO_MODEL_YET, TransferTab

#: The lesson that explains each kind of layer.
LESSON_FOR_KIND = {"conv": "convolution", "pool": "pooling", "dense": "dense", "deconv": "segmentation",
                   "merge": "segmentation", "activation": "feature-maps", "reshape": "dense"}
#: Layer types explained elsewhere than their kind's lesson: a residual block's sum (ConvLens' ``Sum``) in the
#: photo lesson's channel detail, not with the segmentation networks' score fusions.
LESSON_FOR_TYPE = {"Sum": "photo"}


def lesson_for(row) -> str | None:
    """The lesson that explains a summary row's layer, if any."""
    return LESSON_FOR_TYPE.get(row.type) or LESSON_FOR_KIND.get(row.kind)


class NetworkLesson(TrainingTab, TransferTab, Lesson):
    """Architecture graph and summary, live training of a digit CNN, transfer learning.

    The architecture tab and the bindings live here; the training tab's behaviour is in
    :class:`~.training.TrainingTab`, the transfer tab's in :class:`~.transfer.TransferTab`.
    """

    lesson_id = "network"
    summary_shown = Signal()
    training_finished = Signal(bool)  # True when the run produced a model
    transfer_finished = Signal(object)  # the transfer's report extras

    def __init__(self, app_state, commands, state: NetworkState | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(app_state, commands, state or NetworkState(), parent)
        self.description: dict | None = None  # the summary on screen, with the model it was traced from
        self.data = None  # training digits (DigitData), loaded in a worker
        self._data_pending = False
        self.history = TrainingHistory()
        self.recording = TrainingRecording(self.history)  # snapshots of the last run, for Export animation…
        self.transferred_model = None
        self._train_worker = self._transfer_worker = None
        self._transfer_rows: dict[tuple, str] = {}
        self._describer = self.make_runner(self._on_described)
        self._data_loader = self.make_runner(self._on_data_loaded)
        self._planner = self.make_runner(self._on_planned)
        self._file_loader = self.make_runner(self._on_model_file_loaded)
        self._build()
        self.external = ExternalArchitecture(self)  # a user model (File ▸ Open model…) replaces the bundled one
        self._bind_state()
        for signal in (app_state.events.digit_model, app_state.events.digit_model_name):
            self.listen(signal, lambda *_: self.when_shown("digit model", self._on_model_in_use_changed))
        self._on_model_in_use_changed()
        self._load_data()
        self._describe()

    # ================================================================ layout and binding
    def _build(self) -> None:
        self.architecture, self.training, self.transferring = ArchitecturePage(), TrainingPage(), TransferPage()
        self.tabs = QTabWidget(objectName="networkTabs")
        for page, title in zip((self.architecture, self.training, self.transferring), TABS):
            self.tabs.addTab(page, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        a, t, x = self.architecture, self.training, self.transferring
        for name in BUNDLED_MODELS:  # the image networks; the text networks are shown in their own lesson
            text = MODEL_NAMES[name]
            if weights_path(name).is_file():
                a.model_combo.addItem(f"{name} — {text}", name)
        a.model_combo.addItem(f"{USER_MODEL} — trained or loaded in the “Train a digit CNN” tab", USER_MODEL)
        for key in ("in use", "bundled", "yours"):
            x.base_combo.addItem(BASE_TEXT.get(key, key), key)
        # Shortcuts the tests and tours use.
        self.graph, self.summary, self.layer_info = a.graph, a.summary, a.layer_info
        self.progress, self.train_status, self.curves = t.progress, t.train_status, t.curves
        self.transfer_result, self.transfer_table = x.transfer_result, x.transfer_table

        a.graph.layer_clicked.connect(lambda name: setattr(self.state, "selected_layer", name))
        a.copy_button.clicked.connect(self._on_copy_clicked)
        a.explain_button.clicked.connect(self._on_explain_clicked)
        t.folder_button.clicked.connect(self._on_folder_clicked)
        t.bundled_data_button.clicked.connect(lambda: setattr(self.state, "data_folder", ""))
        t.start_button.clicked.connect(self.start_training)
        t.tensorboard_check.toggled.connect(self._on_tensorboard_toggled)
        t.pause_button.toggled.connect(self._on_pause_toggled)
        t.cancel_button.clicked.connect(self.cancel_training)
        t.use_button.clicked.connect(self.use_trained_model)
        t.bundled_button.clicked.connect(lambda: self.app_state.set_digit_model(None))
        t.save_button.clicked.connect(self._on_save_clicked)
        t.load_button.clicked.connect(self._on_load_clicked)
        x.transfer_button.clicked.connect(self.start_transfer)

    def _bind(self, name: str, widget, signal, show, read=lambda value: value) -> None:
        """Widget → state through ``signal``; state → widget through ``show`` inside a signal blocker."""
        signal.connect(lambda *args: setattr(self.state, name, read(*args)))

        def render(*_) -> None:
            with QSignalBlocker(widget):
                show(getattr(self.state, name))

        getattr(self.state.events, name).connect(render)
        render()

    def _bind_state(self) -> None:
        a, t, x, s = self.architecture, self.training, self.transferring, self.state
        spins = {"conv1": t.conv1_spin, "conv2": t.conv2_spin, "hidden": t.hidden_spin, "batch_size": t.batch_spin,
                 "epochs": t.epochs_spin, "train_digits": t.digits_spin, "seed": t.seed_spin,
                 "dropout": t.dropout_spin, "lr": t.lr_spin, "task_digit": x.digit_spin}
        for name, spin in spins.items():
            self._bind(name, spin, spin.valueChanged, spin.setValue)
        for name, combo in (("kernel", t.kernel_combo), ("pool", t.pool_combo), ("task", x.task_combo),
                            ("transfer_base", x.base_combo)):
            self._bind(name, combo, combo.activated, lambda v, c=combo: c.setCurrentIndex(c.findData(v)),
                       lambda i, c=combo: c.itemData(i))
        self._bind("augment", t.augment_check, t.augment_check.toggled, t.augment_check.setChecked)
        self._bind("tab", self.tabs, self.tabs.currentChanged, self.tabs.setCurrentIndex)
        self._bind("head", x.softmax_radio, x.softmax_radio.toggled, self._show_head,
                   lambda on: "softmax2" if on else "sigmoid1")
        a.model_combo.activated.connect(lambda i: s.show_model(a.model_combo.itemData(i)))
        s.events.model_name.connect(self._show_model_name)
        self._show_model_name(s.model_name)
        s.events.model_name.connect(self._describe)
        s.events.selected_layer.connect(self._render_layer)
        s.events.data_folder.connect(self._load_data)
        s.events.train_digits.connect(self._render_data)
        s.events.task.connect(self._render_task)
        self._render_task()
        s.events.trained_model.connect(self._on_trained_model_changed)
        for signal in (s.events.head, s.events.transfer_base):
            signal.connect(self._plan)

    def _show_head(self, head: str) -> None:
        with QSignalBlocker(self.transferring.sigmoid_radio):
            self.transferring.softmax_radio.setChecked(head == "softmax2")
            self.transferring.sigmoid_radio.setChecked(head != "softmax2")

    def _show_model_name(self, name: str) -> None:
        combo = self.architecture.model_combo
        with QSignalBlocker(combo):
            combo.setCurrentIndex(combo.findData(name))

    def _render_task(self, *_) -> None:
        self.transferring.digit_spin.setEnabled(self.state.task == "digit d vs the rest")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.graph.fit(keep_scroll=True)

    # ================================================================ the model in use elsewhere
    def _user_model(self):
        """"your model": the one trained or loaded here, else the digit model the other lessons use."""
        return self.state.trained_model if self.state.trained_model is not None else self.app_state.digit_model

    def _on_model_in_use_changed(self) -> None:
        name = self.app_state.digit_model_name
        self.training.in_use_label.setText(f"The draw and dense lessons use: <b>{name}</b>.")
        self.transferring.base_combo.setItemText(0, f"the digit model in use ({name})")
        if self.state.model_name == USER_MODEL and self.state.trained_model is None:
            self._describe()
        self._plan()

    def use_trained_model(self) -> None:
        """Make the model trained (or loaded) here the digit model of every lesson."""
        if self.state.trained_model is not None:
            self.app_state.set_digit_model(self.state.trained_model, self.state.trained_model_name)
            self.commands.post_message("The draw and dense lessons now use the model you trained.")

    def _on_trained_model_changed(self, model) -> None:
        for button in (self.training.use_button, self.training.save_button):
            button.setEnabled(model is not None)
        if model is not None:
            self.training.kernels.set_weights(model.features[0].weight.detach().numpy()[:, 0])
        if self.state.model_name == USER_MODEL:
            self._describe()
        self._plan()

    # ================================================================ architecture
    def _describe(self, *_) -> None:
        if self.external.active():
            return  # the user's model is on screen; the bundled one is described again when it comes back
        name = self.state.model_name
        model = self._user_model() if name == USER_MODEL else None
        if name == USER_MODEL and model is None:
            self.description = None
            self.graph.scene().clear()
            self.graph.boxes.clear()
            self.summary.setPlainText(NO_MODEL_YET)
            self._render_layer()
            return
        self.summary.setPlainText(f"Tracing {name}…")
        self._describer.submit(describe_model, name, model, context=(name, model))

    def _on_described(self, result: WorkResult) -> None:
        name, model = result.context
        if name != self.state.model_name or (name == USER_MODEL and model is not self._user_model()):
            return  # answers a choice the user has moved on from
        if self.external.active():
            return
        if result.error is not None:
            self.description = None
            self.graph.scene().clear()
            self.graph.boxes.clear()
            self.summary.setPlainText(f"Could not load the model {name}: {result.error}")
            self._render_layer()
            return
        self.description = dict(result.value, name=name)
        self.graph.set_rows(self.description["rows"], self.description["shape"])
        self.graph.fit()
        self.summary.show_summary(self.description["text"])
        self._render_layer()
        self.summary_shown.emit()

    def _selected_row(self):
        if self.external.active():
            return self.external.selected_row()
        if self.description is None:
            return None
        return next((r for r in self.description["rows"] if r.name == self.state.selected_layer), None)

    def _render_layer(self, *_) -> None:
        """Show the selected layer's shape, parameters and weights (from the traced model on screen)."""
        if self.external.active():
            return self.external.render_layer()
        a, row = self.architecture, self._selected_row()
        if row is None:
            a.layer_info.setText("Click a box in the graph to see the layer's weights.")
            a.layer_weights.hide()
            a.explain_button.hide()
            return
        module = dict(self.description["model"].named_modules()).get(row.name)
        weight = getattr(module, "weight", None)
        text = (f"<b>{row.name}</b> ({row.type}): output {tuple(row.output_shape)}, {row.params:,} parameters"
                f"{'' if row.params == row.trainable else f' ({row.trainable:,} trainable)'}.")
        if weight is not None and weight.dim() == 4:
            w = weight.detach().numpy()
            text += (f"<br>Weights {tuple(w.shape)} = (kernels, input channels, k, k); shown: each kernel's "
                     f"slice for input channel 0 ({w.shape[0]} kernels of {w.shape[2]}×{w.shape[3]}).")
            a.layer_weights.set_weights(w[:, 0], 16)
            a.layer_weights.show()
        elif weight is not None and weight.dim() == 2:
            w = weight.detach().numpy()
            text += f"<br>Weight matrix {w.shape[0]} × {w.shape[1]} (a row per output neuron)."
            a.layer_weights.set_weights(w[None], 1)
            a.layer_weights.show()
        else:
            text += "<br>This layer has no weights." if row.params == 0 else ""
            a.layer_weights.hide()
        a.layer_info.setText(text)
        lesson = lesson_for(row)
        a.explain_button.setVisible(lesson is not None)
        if lesson is not None:
            a.explain_button.setText(f"Explain {row.type} → “{lesson}” lesson")

    @property
    def layer_weights(self):
        """The mosaic of the selected layer's weights (``layer_weights.values``: what it shows)."""
        return self.architecture.layer_weights.maps

    def _on_explain_clicked(self) -> None:
        row = self._selected_row()
        if row is not None and lesson_for(row) is not None:
            self.commands.request_lesson(lesson_for(row))

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.summary.toPlainText())
        self.commands.post_message("Summary copied to the clipboard.")

    def animations(self):
        """The last training run's curves and kernels, replayed a snapshot at a time (see :mod:`.replay`)."""
        return training_animations(self)

    # ================================================================ lifecycle
    def is_busy(self) -> bool:
        return super().is_busy() or self._train_worker is not None or self._transfer_worker is not None

    def shutdown(self) -> None:
        super().shutdown()
        for worker in (self._train_worker, self._transfer_worker):
            if worker is not None:
                for signal in (worker.yielded, worker.errored, worker.finished):
                    signal.disconnect()  # a closed lesson hears nothing more from a run (it may be deleted)
                worker.quit()  # the run stops at its next step; workers.stop_all_work waits for it at exit
                worker.resume()
        self._train_worker = self._transfer_worker = None


def create(app_state, commands, parent: QWidget | None = None) -> NetworkLesson:
    return NetworkLesson(app_state, commands, parent=parent)
