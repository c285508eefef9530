"""The network lesson's three pages: widgets and layout only (the view binds them to the state)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...widgets.layer_graph import LayerGraph
from ...widgets.summary_text import SummaryText
from ...widgets.training_curves import TrainingCurves
from ...widgets.weight_mosaic import WeightMosaic
from .state import HEAD_TEXT, KERNEL_SIZES, POOL_KINDS, RANGES, TASKS


def _label(text: str = "", name: str = "", rich: bool = False) -> QLabel:
    label = QLabel(text, objectName=name)
    label.setWordWrap(True)
    if rich:
        label.setTextFormat(Qt.TextFormat.RichText)
    return label


class ArchitecturePage(QWidget):
    """Model chooser, layer graph, ``model.summary()`` text and the clicked layer's weights."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_combo = QComboBox(objectName="modelCombo")
        self.graph = LayerGraph()
        self.graph.setObjectName("layerGraph")
        self.graph.setMinimumHeight(170)
        self.summary = SummaryText()
        self.copy_button = QPushButton("Copy summary", objectName="copySummaryButton")
        self.layer_info = _label("Click a box in the graph to see the layer's weights.", "layerInfo", rich=True)
        self.layer_weights = WeightMosaic(color_bar=True)
        self.layer_weights.setObjectName("layerWeights")
        self.layer_weights.hide()
        self.explain_button = QPushButton("Explain this kind of layer", objectName="explainLayerButton")
        self.explain_button.hide()

        top = QHBoxLayout()
        top.addWidget(QLabel("Model:"))
        top.addWidget(self.model_combo, 1)
        left = QWidget()
        summary_box = QVBoxLayout(left)
        summary_box.setContentsMargins(0, 0, 0, 0)
        self.summary_title = QLabel("<b>model.summary()</b> — traced from the real module", objectName="summaryTitle")
        summary_box.addWidget(self.summary_title)
        summary_box.addWidget(self.summary, 1)
        summary_box.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignLeft)
        right = QWidget()
        detail = QVBoxLayout(right)
        detail.setContentsMargins(0, 0, 0, 0)
        detail.addWidget(self.layer_info)
        detail.addWidget(self.layer_weights, 1)
        detail.addWidget(self.explain_button, 0, Qt.AlignmentFlag.AlignLeft)
        detail.addStretch(0)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(left)
        bottom.addWidget(right)
        bottom.setSizes([560, 440])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel("<b>Layer graph</b> (left to right; activations and dropout are folded into the "
                                "box before them; drag to scroll)"))
        layout.addWidget(self.graph, 1)
        layout.addWidget(bottom, 2)


class TrainingPage(QWidget):
    """The training settings, start / pause / cancel, the curves and the first layer's kernels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conv1_spin = self._spin("conv1Spin", "conv1", "Feature maps of the first convolution")
        self.conv2_spin = self._spin("conv2Spin", "conv2", "Feature maps of the second convolution")
        self.hidden_spin = self._spin("hiddenSpin", "hidden", "Neurons of the fully connected hidden layer")
        self.kernel_combo = QComboBox(objectName="kernelSizeCombo")
        for size in KERNEL_SIZES:
            self.kernel_combo.addItem(f"{size}×{size}", size)
        self.pool_combo = QComboBox(objectName="poolKindCombo")
        for kind in POOL_KINDS:
            self.pool_combo.addItem(kind, kind)
        self.dropout_spin = QDoubleSpinBox(objectName="dropoutSpin", singleStep=0.1, decimals=2,
                                           toolTip="Fraction of inputs dropped before each dense layer")
        self.dropout_spin.setRange(*RANGES["dropout"])
        self.lr_spin = QDoubleSpinBox(objectName="lrSpin", singleStep=0.001, decimals=4,
                                      toolTip="Peak learning rate (one-cycle)")
        self.lr_spin.setRange(*RANGES["lr"])
        self.batch_spin = self._spin("batchSpin", "batch_size", "Digits per gradient step")
        self.epochs_spin = self._spin("epochsSpin", "epochs", "Passes over the training digits")
        self.digits_spin = self._spin("digitsSpin", "train_digits",
                                      "How many training digits to use (at most as many as the data has)")
        self.digits_spin.setSingleStep(100)
        self.seed_spin = self._spin("seedSpin", "seed", "Random seed: the same seed and settings give the same run")
        self.augment_check = QCheckBox("augment (shifts, rotations, stroke width)", objectName="augmentCheck")
        form = QFormLayout()
        form.setVerticalSpacing(4)
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
        form.addRow("seed", self.seed_spin)
        form.addRow(self.augment_check)

        self.data_label = _label(name="trainingDataLabel", rich=True)
        self.folder_button = QPushButton("Use an MNIST folder…", objectName="dataFolderButton")
        self.bundled_data_button = QPushButton("Bundled sample", objectName="bundledDataButton")
        self.start_button = QPushButton("Start training", objectName="startTrainingButton")
        self.pause_button = QPushButton("Pause", objectName="pauseTrainingButton", checkable=True, enabled=False)
        self.cancel_button = QPushButton("Cancel", objectName="cancelTrainingButton", enabled=False)
        self.tensorboard_check = QCheckBox("Write a TensorBoard log of each run…", objectName="tensorboardCheck")
        self.tensorboard_check.setToolTip("Scalars (loss, accuracy, learning rate) and the network's graph, for "
                                          "tensorboard --logdir FOLDER")
        self.tensorboard_label = _label(name="tensorboardLabel", rich=True)
        self.tensorboard_label.hide()
        self.progress = QProgressBar(objectName="trainingProgress")
        self.train_status = _label("Not trained yet.", "trainingStatus")
        self.use_button = QPushButton("Use this model", objectName="useModelButton", enabled=False,
                                      toolTip="The draw and dense lessons will use the model you trained")
        self.bundled_button = QPushButton("Back to bundled model", objectName="bundledModelButton")
        self.save_button = QPushButton("Save…", objectName="saveModelButton", enabled=False)
        self.load_button = QPushButton("Load…", objectName="loadModelButton")
        self.in_use_label = _label(name="modelInUseLabel", rich=True)

        data_buttons = QHBoxLayout()
        data_buttons.addWidget(self.folder_button)
        data_buttons.addWidget(self.bundled_data_button)
        run_buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.cancel_button):
            run_buttons.addWidget(button)
        model_buttons = QGridLayout()
        model_buttons.addWidget(self.use_button, 0, 0)
        model_buttons.addWidget(self.bundled_button, 0, 1)
        model_buttons.addWidget(self.save_button, 1, 0)
        model_buttons.addWidget(self.load_button, 1, 1)
        controls_widget = QWidget()
        controls_widget.setFixedWidth(340)
        controls = QVBoxLayout(controls_widget)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addLayout(form)
        controls.addWidget(self.data_label)
        controls.addLayout(data_buttons)
        controls.addLayout(run_buttons)
        controls.addWidget(self.tensorboard_check)
        controls.addWidget(self.tensorboard_label)
        controls.addWidget(self.progress)
        controls.addWidget(self.train_status)
        controls.addLayout(model_buttons)
        controls.addWidget(self.in_use_label)
        controls.addStretch(1)

        self.curves = TrainingCurves()
        self.curves.setObjectName("trainingCurves")
        self.kernels = WeightMosaic("first-layer kernels (they change as they learn)")
        self.kernels.setObjectName("kernelsView")
        self.kernels.setFixedHeight(150)
        right = QVBoxLayout()
        right.addWidget(self.curves, 3)
        right.addWidget(self.kernels)
        layout = QHBoxLayout(self)
        layout.addWidget(controls_widget)
        layout.addLayout(right, 1)

    @staticmethod
    def _spin(name: str, field: str, tip: str) -> QSpinBox:
        low, high = RANGES[field]
        box = QSpinBox(objectName=name, toolTip=tip)
        box.setRange(low, high)
        return box


class TransferPage(QWidget):
    """Freeze a digit network and train a new two-class output layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base_combo = QComboBox(objectName="transferBaseCombo")
        self.task_combo = QComboBox(objectName="taskCombo")
        for task in TASKS:
            self.task_combo.addItem(task, task)
        self.digit_spin = QSpinBox(objectName="taskDigitSpin", minimum=0, maximum=9)
        self.softmax_radio = QRadioButton(f"{HEAD_TEXT['softmax2']} (cross-entropy)", objectName="softmaxHeadRadio")
        self.sigmoid_radio = QRadioButton(f"{HEAD_TEXT['sigmoid1']} (binary cross-entropy)",
                                          objectName="sigmoidHeadRadio")
        self.head_group = QButtonGroup(self)
        self.head_group.addButton(self.softmax_radio)
        self.head_group.addButton(self.sigmoid_radio)
        self.plan_label = _label(name="transferPlan", rich=True)
        self.transfer_button = QPushButton("Train the new output layer", objectName="transferButton")
        self.transfer_progress = QProgressBar(objectName="transferProgress")
        self.transfer_result = _label(name="transferResult", rich=True)
        self.transfer_table = _label(name="transferTable", rich=True)

        task_row = QHBoxLayout()
        task_row.addWidget(self.task_combo, 1)
        task_row.addWidget(QLabel("d ="))
        task_row.addWidget(self.digit_spin)
        form = QFormLayout()
        form.addRow("start from", self.base_combo)
        form.addRow("new task", task_row)
        form.addRow("new output layer", self.softmax_radio)
        form.addRow("", self.sigmoid_radio)
        intro = _label(
            "The lecture's tips: <i>find the best pre-trained model and use transfer learning</i>, and "
            "<i>modify the output layer: MNIST needs 10 neurons but you may only need 2</i>. Here the trained "
            "digit network is <b>frozen</b> (its weights do not change) and only a new output layer is trained "
            "for a two-class task. Two classes can use 2 softmax units or a single sigmoid unit.", rich=True)
        box = QGroupBox("Retrain only the output layer")
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(form)
        box_layout.addWidget(self.plan_label)
        box_layout.addWidget(self.transfer_button, 0, Qt.AlignmentFlag.AlignLeft)
        box_layout.addWidget(self.transfer_progress)
        box_layout.addWidget(self.transfer_result)
        box_layout.addWidget(self.transfer_table)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(box)
        layout.addStretch(1)
