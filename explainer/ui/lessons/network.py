"""Lesson ``network``: architecture graph and summary, live training, transfer learning.

The lecture builds its models in Keras, prints ``model.summary()``, looks at
the graph in TensorBoard, and ends with transfer learning. This lesson does
all of that for the bundled models, traced from the real modules.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QThreadPool, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import create_worker

from ...models import (
    MODEL_NAMES,
    ModelLoadError,
    all_cores,
    load_model,
    load_model_file,
    save_weights,
    weights_path,
)
from ...models.summary import format_summary, summarize
from ...models.live import TrainSettings, bundled_digits, folder_digits, train_digits, transfer
from ..state import AppState
from ..widgets.layer_graph import LayerGraph
from ..widgets.maps import SIGNED_CMAP, MapsView, colormap
from ..workers import WorkResult
from .base import Lesson

INPUT_SHAPES = {"mnist": (1, 1, 28, 28), "cifar10": (1, 3, 32, 32), "fcn32s": (1, 1, 96, 96),
                "fcn16s": (1, 1, 96, 96), "fcn8s": (1, 1, 96, 96)}
LESSON_FOR_KIND = {"conv": "convolution", "pool": "pooling", "dense": "dense", "deconv": "segmentation",
                   "merge": "segmentation", "activation": "feature-maps", "reshape": "dense"}
USER_MODEL = "your trained model"


def describe_model(name: str, model=None) -> dict:
    """Load (unless given) and trace a model: its summary rows and text."""
    if model is None:
        model = load_model(name)
    shape = INPUT_SHAPES.get(name, (1, 1, 28, 28))
    rows = summarize(model, shape)
    return {"name": name, "model": model, "rows": rows, "shape": shape, "text": format_summary(rows, name)}


def _train_on_all_cores(settings: TrainSettings, data):
    """:func:`train_digits` with every core (the app otherwise runs torch on one thread)."""
    with all_cores():
        yield from train_digits(settings, data)


class NetworkLesson(Lesson):
    """Architecture, training and transfer learning for the bundled models."""

    lesson_id = "network"
    summary_shown = Signal()
    training_finished = Signal(bool)  # True when a model was produced
    transfer_finished = Signal(object)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.description: dict | None = None
        self.trained_model = None
        self.data = bundled_digits()
        self._train_worker = None
        self._transfer_worker = None
        self.history: dict[str, list] = {k: [] for k in ("x", "loss", "ex", "val_loss", "acc", "val_acc")}
        self._runner = self.make_runner(self._on_described)
        self._build()
        self._update_data_label()
        self.show_model(self.model_combo.currentData())

    # ================================================================ building
    def _build(self) -> None:
        self.tabs = QTabWidget(objectName="networkTabs")
        self.tabs.addTab(self._build_architecture(), "Architecture")
        self.tabs.addTab(self._build_training(), "Train a digit CNN")
        self.tabs.addTab(self._build_transfer(), "Transfer learning")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.tabs)

    def _build_architecture(self) -> QWidget:
        self.model_combo = QComboBox(objectName="modelCombo")
        for name, text in MODEL_NAMES.items():
            if weights_path(name).is_file():
                self.model_combo.addItem(f"{name} — {text}", name)
        self.model_combo.activated.connect(lambda i: self.show_model(self.model_combo.itemData(i)))
        top = QHBoxLayout()
        top.addWidget(QLabel("Model:"))
        top.addWidget(self.model_combo, 1)
        self.graph = LayerGraph()
        self.graph.setObjectName("layerGraph")
        self.graph.setMinimumHeight(170)
        self.graph.layer_clicked.connect(self.select_layer)
        self.summary = QPlainTextEdit(objectName="summaryText", readOnly=True)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(9)
        self.summary.setFont(mono)
        self.summary.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.copy_button = QPushButton("Copy summary", objectName="copySummaryButton")
        self.copy_button.clicked.connect(self._on_copy_clicked)
        summary_box = QVBoxLayout()
        summary_box.addWidget(QLabel("<b>model.summary()</b> — traced from the real module"))
        summary_box.addWidget(self.summary, 1)
        summary_box.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.layer_info = QLabel("Click a box in the graph to see the layer's weights.", objectName="layerInfo")
        self.layer_info.setWordWrap(True)
        self.layer_info.setTextFormat(Qt.TextFormat.RichText)
        self.layer_weights_widget = pg.GraphicsLayoutWidget()
        self.layer_weights = MapsView(cmap=SIGNED_CMAP, columns=16, parent=self)
        self.layer_weights_widget.addItem(self.layer_weights.view, row=0, col=0)
        self.layer_bar = pg.ColorBarItem(colorMap=colormap(SIGNED_CMAP), values=(-1, 1), interactive=False, width=10)
        self.layer_bar.setImageItem(self.layer_weights.image)
        self.layer_weights_widget.addItem(self.layer_bar, row=0, col=1)
        self.layer_weights_widget.hide()
        self.explain_button = QPushButton("Explain this kind of layer", objectName="explainLayerButton")
        self.explain_button.hide()
        self.explain_button.clicked.connect(self._on_explain_clicked)
        detail = QVBoxLayout()
        detail.addWidget(self.layer_info)
        detail.addWidget(self.layer_weights_widget, 1)
        detail.addWidget(self.explain_button, 0, Qt.AlignmentFlag.AlignLeft)
        detail.addStretch(0)

        bottom = QSplitter(Qt.Orientation.Horizontal)
        left, right = QWidget(), QWidget()
        left.setLayout(summary_box)
        right.setLayout(detail)
        bottom.addWidget(left)
        bottom.addWidget(right)
        bottom.setSizes([560, 440])
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(QLabel("<b>Layer graph</b> (left to right; activations and dropout are folded into the "
                                "box before them; drag to scroll)"))
        layout.addWidget(self.graph, 1)
        layout.addWidget(bottom, 2)
        return page

    def _build_training(self) -> QWidget:
        def spin(name, lo, hi, value, tip):
            box = QSpinBox(objectName=name, minimum=lo, maximum=hi, value=value, toolTip=tip)
            return box

        self.conv1_spin = spin("conv1Spin", 1, 32, 8, "Feature maps of the first convolution")
        self.conv2_spin = spin("conv2Spin", 1, 64, 16, "Feature maps of the second convolution")
        self.hidden_spin = spin("hiddenSpin", 8, 256, 64, "Neurons of the fully connected hidden layer")
        self.kernel_combo = QComboBox(objectName="kernelSizeCombo")
        self.kernel_combo.addItems(["5", "3"])
        self.pool_combo = QComboBox(objectName="poolKindCombo")
        self.pool_combo.addItems(["max", "avg"])
        self.dropout_spin = QDoubleSpinBox(objectName="dropoutSpin", minimum=0.0, maximum=0.8, singleStep=0.1)
        self.dropout_spin.setValue(0.2)
        self.lr_spin = QDoubleSpinBox(objectName="lrSpin", minimum=0.0001, maximum=0.1, singleStep=0.001,
                                      toolTip="Peak learning rate (one-cycle)")
        self.lr_spin.setDecimals(4)  # before the value, or 0.003 is rounded to 2 decimals first
        self.lr_spin.setValue(0.01)
        self.batch_spin = spin("batchSpin", 8, 512, 64, "Digits per gradient step")
        self.epochs_spin = spin("epochsSpin", 1, 50, 20, "Passes over the training digits")
        self.digits_spin = spin("digitsSpin", 50, 60000, 2000, "How many training digits to use")
        self.augment_check = QCheckBox("augment (shifts, rotations, stroke width)", objectName="augmentCheck")
        form = QFormLayout()
        form.addRow("conv1 filters", self.conv1_spin)
        form.addRow("conv2 filters", self.conv2_spin)
        form.addRow("kernel size", self.kernel_combo)
        form.addRow("pooling", self.pool_combo)
        form.addRow("dense neurons", self.hidden_spin)
        form.addRow("dropout", self.dropout_spin)
        form.addRow("learning rate", self.lr_spin)
        form.addRow("batch size", self.batch_spin)
        form.addRow("epochs", self.epochs_spin)
        form.addRow("training digits", self.digits_spin)
        form.addRow(self.augment_check)
        self.data_label = QLabel(objectName="trainingDataLabel")
        self.data_label.setWordWrap(True)
        self.folder_button = QPushButton("Use an MNIST folder…", objectName="dataFolderButton")
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.start_button = QPushButton("Start training", objectName="startTrainingButton")
        self.pause_button = QPushButton("Pause", objectName="pauseTrainingButton", checkable=True, enabled=False)
        self.cancel_button = QPushButton("Cancel", objectName="cancelTrainingButton", enabled=False)
        self.start_button.clicked.connect(self.start_training)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.cancel_button.clicked.connect(self.cancel_training)
        self.progress = QProgressBar(objectName="trainingProgress")
        self.train_status = QLabel("Not trained yet.", objectName="trainingStatus")
        self.train_status.setWordWrap(True)
        self.use_button = QPushButton("Use this model", objectName="useModelButton", enabled=False,
                                      toolTip="The draw and dense lessons will use the model you trained")
        self.bundled_button = QPushButton("Back to bundled model", objectName="bundledModelButton")
        self.save_button = QPushButton("Save…", objectName="saveModelButton", enabled=False)
        self.load_button = QPushButton("Load…", objectName="loadModelButton")
        self.use_button.clicked.connect(self.use_trained_model)
        self.bundled_button.clicked.connect(lambda: self.app_state.set_digit_model(None))
        self.save_button.clicked.connect(self._on_save_clicked)
        self.load_button.clicked.connect(self._on_load_clicked)

        buttons = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.cancel_button):
            buttons.addWidget(b)
        model_buttons = QGridLayout()
        model_buttons.addWidget(self.use_button, 0, 0)
        model_buttons.addWidget(self.bundled_button, 0, 1)
        model_buttons.addWidget(self.save_button, 1, 0)
        model_buttons.addWidget(self.load_button, 1, 1)
        controls = QVBoxLayout()
        controls.addLayout(form)
        controls.addWidget(self.data_label)
        controls.addWidget(self.folder_button)
        controls.addLayout(buttons)
        controls.addWidget(self.progress)
        controls.addWidget(self.train_status)
        controls.addLayout(model_buttons)
        controls.addStretch(1)
        controls_widget = QWidget()
        controls_widget.setLayout(controls)
        controls_widget.setFixedWidth(330)

        self.curves = pg.GraphicsLayoutWidget()
        self.curves.setObjectName("trainingCurves")
        self.loss_plot = self.curves.addPlot(row=0, col=0, title="Loss (cross-entropy)")
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.addLegend(offset=(-10, 10))
        self.loss_plot.showGrid(x=True, y=True, alpha=0.25)
        self.train_loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#0072B2", width=1.5), name="training")
        self.val_loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#D55E00", width=2.5), symbol="o",
                                                  symbolSize=6, symbolBrush="#D55E00", name="validation")
        self.acc_plot = self.curves.addPlot(row=0, col=1, title="Accuracy")
        self.acc_plot.setLabel("bottom", "epoch")
        self.acc_plot.setLabel("left", "accuracy")
        self.acc_plot.setYRange(0, 1)
        self.acc_plot.addLegend(offset=(-10, -10))
        self.acc_plot.showGrid(x=True, y=True, alpha=0.25)
        self.train_acc_curve = self.acc_plot.plot([], [], pen=pg.mkPen("#0072B2", width=1.5), name="training")
        self.val_acc_curve = self.acc_plot.plot([], [], pen=pg.mkPen("#D55E00", width=2.5), symbol="o",
                                                symbolSize=6, symbolBrush="#D55E00", name="validation")
        self.kernels_widget = pg.GraphicsLayoutWidget()
        self.kernels_widget.setObjectName("kernelsView")
        self.kernels_widget.setFixedHeight(150)
        self.kernels_title = self.kernels_widget.addLabel("first-layer kernels (they change as they learn)", row=0,
                                                          col=0, size="9pt")
        self.kernels_view = MapsView(cmap=SIGNED_CMAP, columns=16, parent=self)
        self.kernels_widget.addItem(self.kernels_view.view, row=1, col=0)

        right = QVBoxLayout()
        right.addWidget(self.curves, 3)
        right.addWidget(self.kernels_widget)
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.addWidget(controls_widget)
        layout.addLayout(right, 1)
        return page

    def _build_transfer(self) -> QWidget:
        self.base_combo = QComboBox(objectName="transferBaseCombo")
        self.base_combo.addItem("bundled digit CNN", "bundled")
        self.task_combo = QComboBox(objectName="taskCombo")
        self.task_combo.addItems(["even vs odd", "5 or more vs less than 5", "digit d vs the rest"])
        self.digit_spin = QSpinBox(objectName="taskDigitSpin", minimum=0, maximum=9, value=7)
        self.softmax_radio = QRadioButton("2 softmax units (cross-entropy)", objectName="softmaxHeadRadio",
                                          checked=True)
        self.sigmoid_radio = QRadioButton("1 sigmoid unit (binary cross-entropy)", objectName="sigmoidHeadRadio")
        group = QButtonGroup(self)
        group.addButton(self.softmax_radio)
        group.addButton(self.sigmoid_radio)
        self.transfer_button = QPushButton("Train the new output layer", objectName="transferButton")
        self.transfer_button.clicked.connect(self.start_transfer)
        self.transfer_progress = QProgressBar(objectName="transferProgress")
        self.transfer_result = QLabel(objectName="transferResult")
        self.transfer_result.setWordWrap(True)
        self.transfer_result.setTextFormat(Qt.TextFormat.RichText)
        self.transfer_table = QLabel(objectName="transferTable")
        self.transfer_table.setTextFormat(Qt.TextFormat.RichText)
        self.transfer_rows: dict[str, str] = {}
        task_row = QHBoxLayout()
        task_row.addWidget(self.task_combo, 1)
        task_row.addWidget(QLabel("d ="))
        task_row.addWidget(self.digit_spin)
        form = QFormLayout()
        form.addRow("start from", self.base_combo)
        form.addRow("new task", task_row)
        form.addRow("new output layer", self.softmax_radio)
        form.addRow("", self.sigmoid_radio)
        intro = QLabel(
            "The lecture's tips: <i>find the best pre-trained model and use transfer learning</i>, and "
            "<i>modify the output layer: MNIST needs 10 neurons but you may only need 2</i>. Here the trained "
            "digit network is <b>frozen</b> (its weights do not change) and only a new output layer is trained "
            "for a two-class task. Two classes can use 2 softmax units or a single sigmoid unit.")
        intro.setWordWrap(True)
        box = QGroupBox("Retrain only the output layer")
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(form)
        box_layout.addWidget(self.transfer_button, 0, Qt.AlignmentFlag.AlignLeft)
        box_layout.addWidget(self.transfer_progress)
        box_layout.addWidget(self.transfer_result)
        box_layout.addWidget(self.transfer_table)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(box)
        layout.addStretch(1)
        return page

    # ================================================================ architecture
    def show_model(self, name: str | None) -> None:
        if name is None:
            return
        if name == USER_MODEL and self.trained_model is not None:
            self._runner.submit(describe_model, "mnist", self.trained_model)
        else:
            self._runner.submit(describe_model, name)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.graph.fit(keep_scroll=True)

    def _on_described(self, result: WorkResult) -> None:
        if result.error is not None:
            self.summary.setPlainText(f"Could not load the model: {result.error}")
            return
        self.description = result.value
        self.graph.set_rows(self.description["rows"], self.description["shape"])
        self.graph.fit()
        self.summary.setPlainText(self.description["text"])
        self.layer_weights_widget.hide()
        self.explain_button.hide()
        self.summary_shown.emit()

    def select_layer(self, name: str) -> None:
        """Show the weights of layer ``name`` and offer the lesson that explains its kind."""
        if self.description is None:
            return
        row = next((r for r in self.description["rows"] if r.name == name), None)
        if row is None:
            return
        module = dict(self.description["model"].named_modules()).get(name)
        weight = getattr(module, "weight", None) if module is not None else None
        text = (f"<b>{row.name}</b> ({row.type}): output {tuple(row.output_shape)}, {row.params:,} parameters"
                f"{'' if row.params == row.trainable else f' ({row.trainable:,} trainable)'}.")
        if weight is not None and weight.dim() == 4:
            w = weight.detach().numpy()
            shown = w[:, 0] if w.shape[1] > 1 else w[:, 0]
            text += (f"<br>Weights {tuple(w.shape)} = (kernels, input channels, k, k); shown: each kernel's "
                     f"slice for input channel 0 ({w.shape[0]} kernels of {w.shape[2]}×{w.shape[3]}).")
            self._show_weights(shown, 16)
        elif weight is not None and weight.dim() == 2:
            w = weight.detach().numpy()
            text += f"<br>Weight matrix {w.shape[0]} × {w.shape[1]} (a row per output neuron)."
            self._show_weights(w[None], 1)
        else:
            text += "<br>This layer has no weights." if row.params == 0 else ""
            self.layer_weights_widget.hide()
        self.layer_info.setText(text)
        lesson = LESSON_FOR_KIND.get(row.kind)
        self._explain_target = lesson
        self.explain_button.setVisible(lesson is not None)
        if lesson is not None:
            self.explain_button.setText(f"Explain {row.type} → “{lesson}” lesson")

    def _show_weights(self, values: np.ndarray, columns: int) -> None:
        limit = float(np.abs(values).max()) or 1.0
        self.layer_weights.set_columns(columns)
        self.layer_weights.set_maps(values, (-limit, limit))
        self.layer_bar.setLevels((-limit, limit))
        self.layer_weights_widget.show()

    def _on_explain_clicked(self) -> None:
        if getattr(self, "_explain_target", None):
            self.app_state.request_lesson(self._explain_target)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.summary.toPlainText())
        self.app_state.post_message("Summary copied to the clipboard.")

    # ================================================================ training
    def _update_data_label(self) -> None:
        if self.data is None:
            self.data_label.setText("<b>No training digits found.</b> The bundled sample "
                                    "(assets/samples/mnist_train_subset.npz) is missing: click “Use an MNIST "
                                    "folder…” and pick the folder with train-images-idx3-ubyte.gz "
                                    "(for example ../shared/data/mnist).")
            self.start_button.setEnabled(False)
        else:
            self.data_label.setText(f"Data: {self.data.source}.")
            self.digits_spin.setMaximum(len(self.data.x_train))
            self.start_button.setEnabled(self._train_worker is None)

    def use_data_folder(self, folder) -> bool:
        try:
            self.data = folder_digits(folder)
        except ValueError as exc:
            self.app_state.post_message(f"Could not use that folder: {exc}", 12000)
            return False
        self.digits_spin.setValue(len(self.data.x_train))
        self._update_data_label()
        return True

    def _on_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with MNIST training files")
        if folder:
            self.use_data_folder(folder)

    def settings(self) -> TrainSettings:
        return TrainSettings(conv1=self.conv1_spin.value(), conv2=self.conv2_spin.value(),
                             hidden=self.hidden_spin.value(), kernel=int(self.kernel_combo.currentText()),
                             pool=self.pool_combo.currentText(), dropout=self.dropout_spin.value(),
                             lr=self.lr_spin.value(), batch_size=self.batch_spin.value(),
                             epochs=self.epochs_spin.value(), train_digits=self.digits_spin.value(),
                             augment=self.augment_check.isChecked())

    def is_training(self) -> bool:
        return self._train_worker is not None

    def start_training(self) -> None:
        if self.data is None or self._train_worker is not None:
            return
        settings = self.settings()
        for values in self.history.values():
            values.clear()
        self._refresh_curves()
        self.progress.setRange(0, settings.epochs)
        self.progress.setValue(0)
        self.train_status.setText("Training…")
        worker = create_worker(_train_on_all_cores, settings, self.data, _start_thread=False)
        worker.yielded.connect(self._on_training_progress)
        worker.errored.connect(self._on_training_error)
        worker.finished.connect(self._on_training_finished)
        self._train_worker = worker
        self._trained_this_run = None
        for widget, enabled in ((self.start_button, False), (self.pause_button, True), (self.cancel_button, True),
                                (self.use_button, False), (self.save_button, False)):
            widget.setEnabled(enabled)
        worker.start()

    def _on_pause_toggled(self, paused: bool) -> None:
        if self._train_worker is None:
            return
        if paused:
            self._train_worker.pause()
            self.train_status.setText("Paused.")
        else:
            self._train_worker.resume()
            self.train_status.setText("Training…")
        self.pause_button.setText("Resume" if paused else "Pause")

    def cancel_training(self) -> None:
        if self._train_worker is not None:
            self._train_worker.quit()
            self._train_worker.resume()
            self.train_status.setText("Cancelling…")

    def _on_training_progress(self, p) -> None:
        if p.kind == "done":
            self._trained_this_run = p.extra["model"]
            self.kernels_view.set_maps(p.extra["kernels"], self._kernel_levels(p.extra["kernels"]))
            self.train_status.setText(f"Done: best validation accuracy {p.extra['best_val_accuracy']:.1%} "
                                      f"after {p.epochs} epochs in {p.seconds:.1f} s (the best epoch's weights "
                                      "are kept).")
            return
        if p.kind == "batch":
            self.history["x"].append((p.epoch - 1) + p.batch / p.batches)
            self.history["loss"].append(p.loss)
            self.history["acc"].append(p.accuracy)
        if p.kind == "epoch":
            self.history["ex"].append(float(p.epoch))
            self.history["val_loss"].append(p.val_loss)
            self.history["val_acc"].append(p.val_accuracy)
            self.progress.setValue(p.epoch)
            self.train_status.setText(f"Epoch {p.epoch}/{p.epochs}: training loss {p.loss:.3f}, validation "
                                      f"accuracy {p.val_accuracy:.1%} ({p.seconds:.1f} s)")
        if "kernels" in p.extra:
            self.kernels_view.set_maps(p.extra["kernels"], self._kernel_levels(p.extra["kernels"]))
        if p.kind == "epoch" or p.batch % 5 == 0:
            self._refresh_curves()

    @staticmethod
    def _kernel_levels(kernels: np.ndarray) -> tuple[float, float]:
        limit = float(np.abs(kernels).max()) or 1.0
        return (-limit, limit)

    def _refresh_curves(self) -> None:
        h = self.history
        self.train_loss_curve.setData(h["x"], h["loss"])
        self.val_loss_curve.setData(h["ex"], h["val_loss"])
        self.train_acc_curve.setData(h["x"], h["acc"])
        self.val_acc_curve.setData(h["ex"], h["val_acc"])

    def _on_training_error(self, exc) -> None:
        self.train_status.setText(f"Training failed: {exc}")

    def _on_training_finished(self) -> None:
        self._train_worker = None
        self.pause_button.setChecked(False)
        for widget, enabled in ((self.start_button, self.data is not None), (self.pause_button, False),
                                (self.cancel_button, False)):
            widget.setEnabled(enabled)
        self._refresh_curves()
        produced = self._trained_this_run is not None
        if produced:
            self.trained_model = self._trained_this_run
            self.use_button.setEnabled(True)
            self.save_button.setEnabled(True)
            self._add_user_model_entries()
        elif not self.train_status.text().startswith("Training failed"):
            self.train_status.setText("Cancelled. The previous model (if any) is kept.")
        self.training_finished.emit(produced)

    def _add_user_model_entries(self) -> None:
        if self.model_combo.findData(USER_MODEL) < 0:
            self.model_combo.addItem(USER_MODEL, USER_MODEL)
        if self.base_combo.findData("trained") < 0:
            self.base_combo.addItem(USER_MODEL, "trained")

    def use_trained_model(self) -> None:
        if self.trained_model is not None:
            self.app_state.set_digit_model(self.trained_model)
            self.app_state.post_message("The draw and dense lessons now use the model you trained.")

    def save_model(self, path) -> bool:
        if self.trained_model is None:
            return False
        try:
            save_weights(path, "mnist", self.trained_model, self.trained_model.config)
        except OSError as exc:
            self.app_state.post_message(f"Could not save to {path}: {exc}", 12000)
            return False
        self.app_state.post_message(f"Saved the trained model to {path}.")
        return True

    def load_model_from(self, path) -> bool:
        try:
            model = load_model_file(path, "mnist")
        except ModelLoadError as exc:
            self.train_status.setText(f"Could not load that file: {exc}")
            self.app_state.post_message(f"Could not load the model: {exc}", 12000)
            return False
        self.trained_model = model
        self.use_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self._add_user_model_entries()
        self.kernels_view.set_maps(model.features[0].weight.detach().numpy()[:, 0],
                                   self._kernel_levels(model.features[0].weight.detach().numpy()))
        self.train_status.setText(f"Loaded a model with {sum(p.numel() for p in model.parameters()):,} "
                                  "parameters. Click “Use this model” to draw with it.")
        return True

    def _on_save_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the trained model", "my-digit-cnn.pt",
                                              "ConvLens weights (*.pt)")
        if path:
            self.save_model(path)

    def _on_load_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a trained digit model", "", "ConvLens weights (*.pt)")
        if path:
            self.load_model_from(path)

    # ================================================================ transfer learning
    def task_name(self) -> str:
        task = self.task_combo.currentText()
        return f"digit {self.digit_spin.value()} vs the rest" if task.startswith("digit d") else task

    def start_transfer(self) -> None:
        if self.data is None or self._transfer_worker is not None:
            return
        base = self.trained_model if self.base_combo.currentData() == "trained" else None
        if base is None:
            try:
                base = load_model("mnist")
            except ModelLoadError as exc:
                self.transfer_result.setText(f"No base model: {exc}")
                return
        head = "softmax2" if self.softmax_radio.isChecked() else "sigmoid1"
        epochs = 20
        self.transfer_progress.setRange(0, epochs)
        self.transfer_progress.setValue(0)
        worker = create_worker(transfer, base, self.task_name(), head, self.data, epochs, _start_thread=False)
        worker.yielded.connect(self._on_transfer_progress)
        worker.errored.connect(lambda exc: self.transfer_result.setText(f"Transfer learning failed: {exc}"))
        worker.finished.connect(self._on_transfer_finished)
        self._transfer_worker = worker
        self.transfer_button.setEnabled(False)
        worker.start()

    def _on_transfer_progress(self, p) -> None:
        self.transfer_progress.setValue(p.epoch)
        if p.kind != "done":
            return
        extra = p.extra
        head = "2 softmax units" if extra["head"] == "softmax2" else "1 sigmoid unit"
        shape = "128 × 2 + 2" if extra["head"] == "softmax2" else "128 × 1 + 1"
        self.transfer_result.setText(
            f"<b>{self.task_name()}</b> with {head}: "
            f"trained <b>{extra['trained']:,}</b> parameters ({shape}), frozen <b>{extra['frozen']:,}</b>; "
            f"validation accuracy <b>{p.val_accuracy:.1%}</b> after {p.epochs} epochs in {p.seconds:.2f} s.")
        self.transfer_rows[f"{self.task_name()} · {head}"] = (
            f"<tr><td>{self.task_name()}</td><td>{head}</td><td align='right'>{extra['trained']:,}</td>"
            f"<td align='right'>{extra['frozen']:,}</td><td align='right'>{p.val_accuracy:.1%}</td></tr>")
        self.transfer_table.setText(
            "<table cellspacing='6'><tr><th align='left'>task</th><th align='left'>output layer</th>"
            "<th>trained</th><th>frozen</th><th>accuracy</th></tr>" + "".join(self.transfer_rows.values())
            + "</table>")
        self.transferred_model = extra["model"]
        self._last_transfer = extra

    def _on_transfer_finished(self) -> None:
        self._transfer_worker = None
        self.transfer_button.setEnabled(True)
        extra, self._last_transfer = getattr(self, "_last_transfer", None), None
        if extra is not None:
            self.transfer_finished.emit(extra)

    # ================================================================ lifecycle
    def is_busy(self) -> bool:
        return super().is_busy() or self._train_worker is not None or self._transfer_worker is not None

    def shutdown(self) -> None:
        super().shutdown()
        for worker in (self._train_worker, self._transfer_worker):
            if worker is not None:
                worker.quit()
                worker.resume()
        QThreadPool.globalInstance().waitForDone(900)


def create(state: AppState, parent: QWidget | None = None) -> NetworkLesson:
    return NetworkLesson(state, parent)

