"""Lesson ``convolution``: step a kernel across the channels of an input, every number shown.

Opens on the lecture's own example: the 5×5 red, green and blue channels
with zero padding 1, three 3×3 kernel slices and bias 1, whose top-left
output is 308 + (−498) + 164 + 1 = −25. Everything is editable; every value
comes from :func:`explainer.core.conv_step` and :func:`explainer.core.conv2d`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ... import io
from ...core import conv2d, conv_step, describe_output_size, format_number
from ..state import AppState
from ..widgets.matrix_grid import MatrixGrid
from .base import Lesson

PRESETS = {
    "rgb": "Lecture: RGB image, 3×3 kernels, bias 1, padding 1",
    "binary": "Lecture: binary 5×5 image, X kernel",
    "digit": "Digit 28×28 with a 5×5 kernel → 24×24",
    "crop": "Crop of the current image (real pixels)",
}
CHANNEL_NAMES = {1: ["Image"], 3: ["Red", "Green", "Blue"]}
CHANNEL_TINTS = {"Red": QColor(200, 70, 60), "Green": QColor(60, 150, 70), "Blue": QColor(60, 100, 200)}
# A 5×5 kernel that responds to vertical strokes (positive centre column, negative sides).
STROKE_KERNEL = np.array([[-1, -1, 2, -1, -1]] * 5, dtype=np.float64) / 5.0


class ConvState(QObject):
    """The stepper's truth: input, kernels, biases, geometry, active kernel and cursor.

    Signals
    -------
    changed()
        Input, kernels, bias or geometry changed (the output must be recomputed).
    cursor_changed(int)
        The output cell being explained (row-major index).
    kernel_changed(int)
        Which kernel (output channel) is being stepped.
    """

    changed = Signal()
    cursor_changed = Signal(int)
    kernel_changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.x = np.zeros((1, 5, 5))
        self.w = np.zeros((1, 1, 3, 3))
        self.b = np.zeros(1)
        self.stride = 1
        self.padding = 0
        self.dilation = 1
        self.kernel = 0
        self.cursor = 0
        self.channel_names = ["Image"]
        self.output: np.ndarray | None = None
        self.error = ""

    # -- derived -------------------------------------------------------------
    def _recompute(self) -> None:
        try:
            self.output = conv2d(self.x, self.w, self.b, self.stride, self.padding, self.dilation)
            self.error = ""
        except ValueError as exc:
            self.output, self.error = None, str(exc)

    @property
    def out_shape(self) -> tuple[int, int] | None:
        return None if self.output is None else self.output.shape[1:]

    @property
    def cells(self) -> int:
        shape = self.out_shape
        return 0 if shape is None else shape[0] * shape[1]

    def cursor_cell(self) -> tuple[int, int] | None:
        shape = self.out_shape
        if shape is None:
            return None
        return divmod(min(self.cursor, self.cells - 1), shape[1])

    # -- setters (emit only on real change) ----------------------------------
    def load(self, x, w, b, stride=1, padding=0, dilation=1, names=None) -> None:
        self.x = np.array(x, dtype=np.float64)
        self.w = np.array(w, dtype=np.float64)
        self.b = np.array(b, dtype=np.float64)
        self.stride, self.padding, self.dilation = int(stride), int(padding), int(dilation)
        self.channel_names = list(names or CHANNEL_NAMES.get(self.x.shape[0], [f"ch {i}" for i in range(len(self.x))]))
        self.kernel = 0
        self.cursor = 0
        self._recompute()
        self.changed.emit()
        self.kernel_changed.emit(0)
        self.cursor_changed.emit(0)

    def set_geometry(self, stride: int | None = None, padding: int | None = None, dilation: int | None = None) -> None:
        new = (stride or self.stride, self.padding if padding is None else padding, dilation or self.dilation)
        if new != (self.stride, self.padding, self.dilation):
            self.stride, self.padding, self.dilation = new
            self._changed_keep_cursor()

    def set_input_value(self, channel: int, row: int, col: int, value: float) -> None:
        if self.x[channel, row, col] != value:
            self.x[channel, row, col] = value
            self._changed_keep_cursor()

    def set_weight(self, kernel: int, channel: int, row: int, col: int, value: float) -> None:
        if self.w[kernel, channel, row, col] != value:
            self.w[kernel, channel, row, col] = value
            self._changed_keep_cursor()

    def set_bias(self, kernel: int, value: float) -> None:
        if self.b[kernel] != value:
            self.b[kernel] = value
            self._changed_keep_cursor()

    def set_input(self, x: np.ndarray, names: list[str] | None = None) -> None:
        x = np.asarray(x, dtype=np.float64)
        if x.shape[0] != self.w.shape[1]:
            self.w = _match_channels(self.w, x.shape[0])
        if not np.array_equal(x, self.x) or names:
            self.x = x.copy()
            if names:
                self.channel_names = list(names)
            self._changed_keep_cursor()

    def set_channels(self, channels: int) -> None:
        if channels == self.x.shape[0]:
            return
        if channels == 1:
            self.x = np.round(self.x.mean(axis=0, keepdims=True), 2)
        else:
            self.x = np.repeat(self.x[:1], channels, axis=0)
        self.w = _match_channels(self.w, channels)
        self.channel_names = CHANNEL_NAMES.get(channels, [f"ch {i}" for i in range(channels)])
        self._changed_keep_cursor()

    def set_kernel_count(self, count: int) -> None:
        k = self.w.shape[0]
        if count == k:
            return
        if count < k:
            self.w, self.b = self.w[:count].copy(), self.b[:count].copy()
        else:
            rng = np.random.default_rng(count)
            extra = rng.integers(-1, 2, size=(count - k, *self.w.shape[1:])).astype(np.float64)
            self.w = np.concatenate([self.w, extra])
            self.b = np.concatenate([self.b, np.zeros(count - k)])
        self.kernel = min(self.kernel, count - 1)
        self._changed_keep_cursor()
        self.kernel_changed.emit(self.kernel)

    def set_kernel_size(self, size: int) -> None:
        k = self.w.shape[-1]
        if size == k:
            return
        out = np.zeros((*self.w.shape[:2], size, size))
        # Keep the centre of the old kernel, pad the new border with zeros.
        if size > k:
            o = (size - k) // 2
            out[..., o : o + k, o : o + k] = self.w
        else:
            o = (k - size) // 2
            out[...] = self.w[..., o : o + size, o : o + size]
        self.w = out
        self._changed_keep_cursor()

    def set_kernel(self, kernel: int) -> None:
        kernel = int(np.clip(kernel, 0, self.w.shape[0] - 1))
        if kernel != self.kernel:
            self.kernel = kernel
            self.kernel_changed.emit(kernel)

    def set_cursor(self, index: int) -> None:
        index = int(np.clip(index, 0, max(0, self.cells - 1)))
        if index != self.cursor:
            self.cursor = index
            self.cursor_changed.emit(index)

    def _changed_keep_cursor(self) -> None:
        self._recompute()
        self.changed.emit()
        if self.cells and self.cursor >= self.cells:
            self.set_cursor(self.cells - 1)
        else:
            self.cursor_changed.emit(self.cursor)


def _match_channels(w: np.ndarray, channels: int) -> np.ndarray:
    if w.shape[1] == channels:
        return w
    if channels < w.shape[1]:
        return w[:, :channels].copy()
    return np.repeat(w[:, :1], channels, axis=1)


# ---------------------------------------------------------------- the lesson


class ConvolutionLesson(Lesson):
    """The kernel stepper."""

    lesson_id = "convolution"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.conv = ConvState(self)
        self._hover_output: tuple[int, int] | None = None
        self._hover_input: tuple[int, int, int] | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.channel_rows: list[dict] = []
        self._build()
        self.conv.changed.connect(self._on_conv_changed)
        self.conv.cursor_changed.connect(self._on_conv_cursor_changed)
        self.conv.kernel_changed.connect(self._on_conv_kernel_changed)
        self.app_state.image_changed.connect(self._on_app_image_changed)
        self.app_state.kernel_sent.connect(self.use_kernel)
        self.load_preset("rgb")

    # -- building ------------------------------------------------------------
    def _spin(self, name: str, lo: int, hi: int, tip: str, slot) -> QSpinBox:
        spin = QSpinBox(objectName=name, minimum=lo, maximum=hi, toolTip=tip)
        spin.valueChanged.connect(slot)
        return spin

    def _build(self) -> None:
        self.preset_combo = QComboBox(objectName="presetCombo")
        for key, title in PRESETS.items():
            self.preset_combo.addItem(title, key)
        self.preset_combo.activated.connect(lambda i: self.load_preset(self.preset_combo.itemData(i)))
        self.channels_combo = QComboBox(objectName="channelsCombo", toolTip="Input channels: 1 (grey) or 3 (RGB)")
        self.channels_combo.addItems(["1", "3"])
        self.channels_combo.activated.connect(lambda i: self.conv.set_channels(int(self.channels_combo.itemText(i))))
        self.kernels_spin = self._spin("kernelsSpin", 1, 4, "Number of kernels = output channels (feature maps)",
                                       self.conv.set_kernel_count)
        self.size_spin = self._spin("kernelSizeSpin", 1, 7, "Kernel size k (k×k)", self.conv.set_kernel_size)
        self.stride_spin = self._spin("strideSpin", 1, 4, "Stride s: step of the kernel",
                                      lambda v: self.conv.set_geometry(stride=v))
        self.padding_spin = self._spin("paddingSpin", 0, 3, "Zero padding p on every border",
                                       lambda v: self.conv.set_geometry(padding=v))
        self.dilation_spin = self._spin("dilationSpin", 1, 3, "Dilation d: spacing between kernel taps",
                                        lambda v: self.conv.set_geometry(dilation=v))
        self.preset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset_combo.setMinimumContentsLength(20)
        self.position_label = QLabel(objectName="positionLabel")
        examples = QHBoxLayout()
        examples.addWidget(QLabel("Example:"))
        examples.addWidget(self.preset_combo, 1)
        examples.addSpacing(12)
        examples.addWidget(self.position_label)
        settings = QHBoxLayout()
        for label, widget in (("input channels", self.channels_combo), ("kernels", self.kernels_spin),
                              ("kernel size", self.size_spin), ("stride", self.stride_spin),
                              ("padding", self.padding_spin), ("dilation", self.dilation_spin)):
            settings.addWidget(QLabel(label))
            settings.addWidget(widget)
            settings.addSpacing(8)
        settings.addStretch(1)

        self.back_button = QPushButton("◀ Step", objectName="stepBackButton", toolTip="Previous output cell (←)")
        self.next_button = QPushButton("Step ▶", objectName="stepButton", toolTip="Next output cell (→)")
        self.play_button = QPushButton("Play", objectName="playButton", checkable=True,
                                       toolTip="Animate the kernel across the input (Space)")
        self.reset_button = QPushButton("Reset", objectName="resetButton", toolTip="Back to the first cell (Home)")
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, objectName="speedSlider", minimum=1, maximum=10,
                                    value=3, toolTip="Animation speed: cells per second")
        self.speed_label = QLabel()
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.play_button.toggled.connect(self._on_play_toggled)
        self.reset_button.clicked.connect(self.reset)
        self.speed_slider.valueChanged.connect(self._on_speed_changed)
        self._on_speed_changed(self.speed_slider.value())
        transport = QHBoxLayout()
        for widget in (self.back_button, self.next_button, self.play_button, self.reset_button):
            transport.addWidget(widget)
        speed = QHBoxLayout()
        speed.addWidget(QLabel("speed"))
        speed.addWidget(self.speed_slider, 1)
        speed.addWidget(self.speed_label)

        for key, slot in ((Qt.Key.Key_Right, lambda: self.step(1)), (Qt.Key.Key_Left, lambda: self.step(-1)),
                          (Qt.Key.Key_Home, self.reset), (Qt.Key.Key_Space, self.play_button.toggle)):
            QShortcut(QKeySequence(key), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        # Centre: one row per input channel: input ⊙ kernel slice = products, Σ.
        self.rows_widget = QWidget()
        self.rows_layout = QGridLayout(self.rows_widget)
        self.rows_layout.setHorizontalSpacing(8)
        self.rows_layout.setVerticalSpacing(10)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.rows_widget)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scroll.viewport().installEventFilter(self)

        # Right: the sum, the bias, the output.
        self.kernel_combo = QComboBox(objectName="kernelCombo", toolTip="Which kernel (output channel) to step")
        self.kernel_combo.activated.connect(self.conv.set_kernel)
        self.bias_spin = QDoubleSpinBox(objectName="biasInput", minimum=-1000, maximum=1000, decimals=2,
                                        toolTip="The kernel's bias, shared by every output cell")
        self.bias_spin.valueChanged.connect(lambda v: self.conv.set_bias(self.conv.kernel, v))
        kernel_row = QHBoxLayout()
        kernel_row.addWidget(self.kernel_combo, 1)
        kernel_row.addWidget(QLabel("bias"))
        kernel_row.addWidget(self.bias_spin)
        self.sum_line = QLabel(objectName="sumLine")
        self.sum_line.setWordWrap(True)
        self.sum_line.setStyleSheet("font-size: 15pt;")
        self.sum_line.setTextFormat(Qt.TextFormat.RichText)
        self.bias_label = QLabel(objectName="biasValue")
        self.output_value = QLabel(objectName="outputValue")
        self.output_value.setStyleSheet("font-size: 13pt;")
        self.output_value.setWordWrap(True)
        self.output_title = QLabel(objectName="outputTitle")
        self.output_title.setWordWrap(True)
        self.output_grid = MatrixGrid(shading="signed")
        self.output_grid.setObjectName("outputGrid")
        self.output_grid.cell_clicked.connect(self._on_output_cell_clicked)
        self.output_grid.cell_hovered.connect(self._on_output_cell_hovered)
        self.formula = QLabel(objectName="sizeFormula")
        self.formula.setWordWrap(True)
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.error_label = QLabel(objectName="settingsError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #a00; background: #fde8e8; padding: 6px; border-radius: 4px;")
        self.error_label.hide()

        # "Use a real image": pick where to crop the current image.
        self.crop_panel = QFrame(objectName="cropPanel")
        crop_layout = QVBoxLayout(self.crop_panel)
        crop_layout.setContentsMargins(0, 0, 0, 0)
        self.crop_size_spin = QSpinBox(objectName="cropSizeSpin", minimum=5, maximum=16, value=8,
                                       toolTip="Side of the crop in pixels")
        self.crop_size_spin.valueChanged.connect(self._on_crop_size_changed)
        crop_top = QHBoxLayout()
        crop_top.addWidget(QLabel("Drag the square to choose the pixels; crop size"))
        crop_top.addWidget(self.crop_size_spin)
        crop_layout.addLayout(crop_top)
        self.crop_view = pg.GraphicsLayoutWidget()
        self.crop_view.setFixedHeight(170)
        self.crop_box = self.crop_view.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.crop_box.setMouseEnabled(False, False)
        self.crop_image = pg.ImageItem(axisOrder="row-major")
        self.crop_box.addItem(self.crop_image)
        self.crop_roi = pg.RectROI([0, 0], [8, 8], pen=pg.mkPen("#ff9900", width=2), movable=True,
                                   resizable=False, rotatable=False, removable=False)
        for handle in list(self.crop_roi.getHandles()):
            self.crop_roi.removeHandle(handle)
        self.crop_roi.sigRegionChangeFinished.connect(self._on_crop_roi_moved)
        self.crop_box.addItem(self.crop_roi)
        crop_layout.addWidget(self.crop_view)
        self.crop_panel.hide()

        right = QVBoxLayout()
        right.addLayout(transport)
        right.addLayout(speed)
        right.addWidget(self.crop_panel)
        right.addLayout(kernel_row)
        heading = QLabel("<b>Sum of the channel sums, plus the bias</b>")
        right.addWidget(heading)
        right.addWidget(self.sum_line)
        right.addWidget(self.output_value)
        right.addWidget(self.output_title)
        right.addWidget(self.output_grid, 0, Qt.AlignmentFlag.AlignLeft)
        right.addWidget(self.error_label)
        right.addWidget(self.formula)
        right.addStretch(1)
        right_widget = QWidget()
        right_widget.setLayout(right)
        right_widget.setFixedWidth(350)

        body = QHBoxLayout()
        body.addWidget(self.scroll, 1)
        body.addWidget(right_widget)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(examples)
        outer.addLayout(settings)
        outer.addLayout(body, 1)

    def _make_channel_rows(self) -> None:
        for row in self.channel_rows:
            for widget in row["widgets"]:
                widget.setParent(None)
                widget.deleteLater()
        self.channel_rows = []
        for c in range(self.conv.x.shape[0]):
            name = QLabel(objectName=f"channelName{c}")
            name.setStyleSheet("font-weight: 600;")
            name.setWordWrap(True)
            name.setFixedWidth(64)
            grid = MatrixGrid(editable=True, shading="grey")
            grid.setObjectName(f"inputGrid{c}")
            times = QLabel("⊙")
            kernel = MatrixGrid(editable=True, shading="signed")
            kernel.setObjectName(f"kernelGrid{c}")
            equals = QLabel("=")
            products = MatrixGrid(shading="signed")
            products.setObjectName(f"productsGrid{c}")
            channel_sum = QLabel(objectName=f"channelSum{c}")
            channel_sum.setStyleSheet("font-size: 13pt;")
            channel_sum.setMinimumWidth(100)
            for symbol in (times, equals):
                symbol.setStyleSheet("font-size: 18pt; color: #555;")
            grid.value_edited.connect(lambda r, col, v, ch=c: self._on_input_edited(ch, r, col, v))
            grid.cell_hovered.connect(lambda cell, ch=c: self._on_input_cell_hovered(ch, cell))
            kernel.value_edited.connect(lambda r, col, v, ch=c: self.conv.set_weight(self.conv.kernel, ch, r, col, v))
            # Kernel slice above its products, so wide inputs leave room for readable numbers.
            stack = QWidget()
            stack_layout = QGridLayout(stack)
            stack_layout.setContentsMargins(0, 0, 0, 0)
            stack_layout.setSpacing(4)
            stack_layout.addWidget(times, 0, 0)
            stack_layout.addWidget(kernel, 0, 1, Qt.AlignmentFlag.AlignLeft)
            stack_layout.addWidget(equals, 1, 0)
            stack_layout.addWidget(products, 1, 1, Qt.AlignmentFlag.AlignLeft)
            widgets = [name, grid, stack, channel_sum]
            for column, widget in enumerate(widgets):
                self.rows_layout.addWidget(widget, c, column,
                                           Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
            self.channel_rows.append(dict(name=name, input=grid, kernel=kernel, products=products,
                                          sum=channel_sum, widgets=widgets))
        self.rows_layout.setColumnStretch(4, 1)
        self.rows_layout.setRowStretch(self.conv.x.shape[0], 1)

    # -- public API ----------------------------------------------------------
    def load_preset(self, key: str) -> None:
        """Load one of :data:`PRESETS` by key."""
        self.play_button.setChecked(False)
        self.crop_panel.setVisible(key == "crop")
        if key in ("rgb", "binary"):
            preset = io.load_preset(key)
            self.conv.load(preset["input"], preset["kernels"], preset["bias"], preset["stride"], preset["padding"],
                           preset["dilation"], preset["channel_names"])
        elif key == "digit":
            images, labels = io.heldout_digits()
            digit = np.round(images[0] * 255) if len(images) else np.zeros((28, 28))
            names = [f"Digit ({labels[0]})" if len(labels) else "Digit"]
            self.conv.load(digit[None], STROKE_KERNEL[None, None], [0.0], 1, 0, 1, names)
            # Start where the kernel responds most, not on the empty border.
            self.conv.set_cursor(int(np.argmax(self.conv.output[0])))
        elif key == "crop":
            self._update_crop_view()
            crop = self._crop_values(self.crop_size_spin.value())
            kernels = io.load_preset("rgb")["kernels"] if crop.shape[0] == 3 else np.ones((1, 1, 3, 3)) / 9
            self.conv.load(crop, kernels, [0.0], 1, 1, 1, CHANNEL_NAMES[crop.shape[0]])
        else:
            raise ValueError(f"unknown preset {key!r}; presets: {', '.join(PRESETS)}")
        index = self.preset_combo.findData(key)
        if index != self.preset_combo.currentIndex():
            self.preset_combo.setCurrentIndex(index)

    def use_kernel(self, payload: dict) -> None:
        """Step a kernel sent by another lesson (e.g. a learned one) over a crop of the current image."""
        weights = np.asarray(payload["weights"], dtype=np.float64)
        self.load_preset("crop")
        if weights.shape[0] != self.conv.x.shape[0]:
            self.conv.set_channels(weights.shape[0])
        k = weights.shape[-1]
        self.conv.load(self.conv.x, weights[None], [float(payload.get("bias", 0.0))], 1, k // 2, 1,
                       self.conv.channel_names)
        self.app_state.post_message(
            f"Stepping {payload.get('name', 'the kernel')} over raw 0–255 pixels of the current image "
            "(the network itself sees normalised values).", 10000)

    def step(self, delta: int) -> None:
        if self.conv.cells:
            self.conv.set_cursor(self.conv.cursor + delta)

    def reset(self) -> None:
        self.play_button.setChecked(False)
        self.conv.set_cursor(0)

    def shutdown(self) -> None:
        self._timer.stop()

    # -- crop of the current image -------------------------------------------
    def _current_image(self) -> np.ndarray:
        image = self.app_state.image
        if image is None:
            return np.zeros((32, 32, 3), np.float32)
        # Lessons work on small pictures: at most 256 px so the crop square is easy to see.
        h, w = image.shape[:2]
        step = max(1, int(np.ceil(max(h, w) / 256)))
        return image[::step, ::step]

    def _update_crop_view(self) -> None:
        image = self._current_image()
        self.crop_image.setImage(image, autoLevels=False, levels=(0, 1))
        self.crop_box.setRange(QRectF(0, 0, image.shape[1], image.shape[0]), padding=0.02)
        size = self.crop_size_spin.value()
        pos = self.crop_roi.pos()
        x = int(np.clip(pos.x(), 0, max(0, image.shape[1] - size)))
        y = int(np.clip(pos.y(), 0, max(0, image.shape[0] - size)))
        self.crop_roi.maxBounds = QRectF(0, 0, image.shape[1], image.shape[0])
        self.crop_roi.setSize([size, size], finish=False)
        self.crop_roi.setPos([x, y], finish=False)

    def _crop_values(self, size: int) -> np.ndarray:
        image = self._current_image()
        pos = self.crop_roi.pos()
        size = min(size, image.shape[0], image.shape[1])
        x = int(np.clip(round(pos.x()), 0, image.shape[1] - size))
        y = int(np.clip(round(pos.y()), 0, image.shape[0] - size))
        crop = np.round(image[y : y + size, x : x + size] * 255).astype(np.float64)
        rgb = np.moveaxis(crop, 2, 0)
        if self.conv.x.shape[0] == 1 and self.preset_combo.currentData() == "crop":
            return np.round(rgb.mean(axis=0, keepdims=True))
        return rgb

    def _on_crop_roi_moved(self) -> None:
        if self.preset_combo.currentData() == "crop":
            self.conv.set_input(self._crop_values(self.crop_size_spin.value()))

    def _on_crop_size_changed(self, size: int) -> None:
        if self.preset_combo.currentData() == "crop":
            self._update_crop_view()
            self.conv.set_input(self._crop_values(size))

    def _on_app_image_changed(self, _image) -> None:
        if self.preset_combo.currentData() == "crop":
            self._update_crop_view()
            self.conv.set_input(self._crop_values(self.crop_size_spin.value()))

    # -- playback ------------------------------------------------------------
    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            if self.conv.cursor >= self.conv.cells - 1:
                self.conv.set_cursor(0)
            self._timer.start()
        else:
            self._timer.stop()

    def _on_speed_changed(self, value: int) -> None:
        self._timer.setInterval(int(1000 / value))
        self.speed_label.setText(f"{value}/s")

    def _on_timer_timeout(self) -> None:
        if self.conv.cursor >= self.conv.cells - 1:
            self.play_button.setChecked(False)
        else:
            self.step(1)

    # -- widget -> state -----------------------------------------------------
    def _on_input_edited(self, channel: int, prow: int, pcol: int, value: float) -> None:
        p = self.conv.padding
        self.conv.set_input_value(channel, prow - p, pcol - p, value)

    def _on_output_cell_clicked(self, row: int, col: int) -> None:
        shape = self.conv.out_shape
        if shape is not None:
            self.conv.set_cursor(row * shape[1] + col)

    def _on_output_cell_hovered(self, cell) -> None:
        self._hover_output = cell
        self._show_hover_links()

    def _on_input_cell_hovered(self, channel: int, cell) -> None:
        self._hover_input = None if cell is None else (channel, *cell)
        self._show_hover_links()

    # -- state -> widgets ----------------------------------------------------
    def _window_cells(self, row: int, col: int) -> list[tuple[int, int]]:
        k, s, d = self.conv.w.shape[-1], self.conv.stride, self.conv.dilation
        return [(row * s + d * i, col * s + d * j) for i in range(k) for j in range(k)]

    def _sync_controls(self) -> None:
        conv = self.conv
        for widget, value in ((self.kernels_spin, conv.w.shape[0]), (self.size_spin, conv.w.shape[-1]),
                              (self.stride_spin, conv.stride), (self.padding_spin, conv.padding),
                              (self.dilation_spin, conv.dilation)):
            if widget.value() != value:
                blocker = widget.blockSignals(True)
                widget.setValue(value)
                widget.blockSignals(blocker)
        blocker = self.channels_combo.blockSignals(True)
        self.channels_combo.setCurrentText(str(conv.x.shape[0]))
        self.channels_combo.blockSignals(blocker)
        blocker = self.kernel_combo.blockSignals(True)
        if self.kernel_combo.count() != conv.w.shape[0]:
            self.kernel_combo.clear()
            self.kernel_combo.addItems([f"Kernel {i + 1} of {conv.w.shape[0]}" for i in range(conv.w.shape[0])])
        self.kernel_combo.setCurrentIndex(conv.kernel)
        self.kernel_combo.blockSignals(blocker)
        blocker = self.bias_spin.blockSignals(True)
        self.bias_spin.setValue(float(conv.b[conv.kernel]))
        self.bias_spin.blockSignals(blocker)

    def _on_conv_changed(self) -> None:
        conv = self.conv
        if len(self.channel_rows) != conv.x.shape[0]:
            self._make_channel_rows()
        self._sync_controls()
        c_in, h, w = conv.x.shape
        k = conv.w.shape[-1]
        padded = np.pad(conv.x, ((0, 0), (conv.padding,) * 2, (conv.padding,) * 2))
        for c, row in enumerate(self.channel_rows):
            name = conv.channel_names[c] if c < len(conv.channel_names) else f"ch {c}"
            row["name"].setText(name)
            row["input"].tint = CHANNEL_TINTS.get(name, QColor(120, 120, 120))
            row["input"].set_values(padded[c], padding=conv.padding)
            row["kernel"].set_values(conv.w[conv.kernel, c])
        self._relayout()
        n = describe_output_size(h, k, conv.stride, conv.padding, conv.dilation)
        if conv.output is None:
            self.error_label.setText(f"<b>Impossible setting.</b> {conv.error}. "
                                     "Make the kernel or dilation smaller, or add padding.")
            self.error_label.show()
            self.output_grid.hide()
            self.output_title.setText("")
            self.formula.setText(f"<b>Output size</b> (n = {h}, k = {k}, p = {conv.padding}, s = {conv.stride}, "
                                 f"d = {conv.dilation}):<br>{n} — no output")
        else:
            self.error_label.hide()
            self.output_grid.show()
            oh, ow = conv.out_shape
            width_line = "" if h == w else "<br>" + describe_output_size(w, k, conv.stride, conv.padding, conv.dilation)
            self.formula.setText(
                f"<b>Output size</b> ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 with n = {h}, k = {k}, p = {conv.padding}, "
                f"s = {conv.stride}, d = {conv.dilation}:<br>{n}{width_line}<br>"
                f"Input ({c_in}, {h}, {w}) → output <b>({conv.w.shape[0]}, {oh}, {ow})</b>: "
                f"one {oh}×{ow} feature map per kernel.")
        self._on_conv_cursor_changed(conv.cursor)

    def _relayout(self) -> None:
        """Size the cells so every channel row fits the visible area, numbers as large as possible."""
        conv = self.conv
        rows, cols = conv.x.shape[1] + 2 * conv.padding, conv.x.shape[2] + 2 * conv.padding
        k = conv.w.shape[-1]
        channels = conv.x.shape[0]
        viewport = self.scroll.viewport()
        avail_w = max(200, viewport.width() - 240)  # name, symbols, channel sum and spacing
        avail_h = max(100, (viewport.height() - 24 - 12 * channels) / channels)
        # Kernel and product cells (stacked) stay readable, numbers like −0.25, while
        # the input keeps at least 8 px per cell; the input takes the rest.
        kernel_cell = int(np.clip((avail_h - 6) / (2 * k), 14, 36 if k <= 5 else 26))
        while kernel_cell > 14 and (avail_w - k * kernel_cell) / cols < 8:
            kernel_cell -= 2
        cell = int(np.clip(min(avail_h / rows, (avail_w - k * kernel_cell) / cols), 6, 52))
        kernel_cell = max(kernel_cell, min(cell, 36))
        for row in self.channel_rows:
            row["input"].set_cell_size(cell)
            row["kernel"].set_cell_size(kernel_cell)
            row["products"].set_cell_size(kernel_cell)
        if conv.out_shape is not None:
            oh, ow = conv.out_shape
            room = self.height() - (560 if self.crop_panel.isVisible() else 360)
            self.output_grid.set_cell_size(int(np.clip(min(330 / ow, max(80, room) / oh), 6, 52)))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if obj is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self._relayout)
        return super().eventFilter(obj, event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        QTimer.singleShot(0, self._relayout)

    def _on_conv_kernel_changed(self, kernel: int) -> None:
        self._on_conv_changed()

    def _on_conv_cursor_changed(self, index: int) -> None:
        conv = self.conv
        cell = conv.cursor_cell()
        if cell is None:
            for row in self.channel_rows:
                row["input"].set_highlight("window", None)
                row["products"].set_values(np.zeros_like(conv.w[0, 0]))
                row["sum"].setText("Σ = —")
            self.sum_line.setText("—")
            self.output_value.setText("")
            self.position_label.setText("")
            return
        r, c = cell
        step = conv_step(conv.x, conv.w[conv.kernel], conv.b[conv.kernel], r, c, conv.stride, conv.padding,
                         conv.dilation)
        window = [(int(a), int(b)) for a in step.rows for b in step.cols]
        for ch, row in enumerate(self.channel_rows):
            row["input"].set_highlight("window", window)
            row["products"].set_values(step.products[ch])
            row["sum"].setText(f"Σ = {format_number(step.channel_sums[ch])}")
        parts = [format_number(v) for v in step.channel_sums]
        shown = " + ".join(f"({p})" if p.startswith("−") else p for p in parts)
        bias = format_number(step.bias)
        self.sum_line.setText(f"{shown} + {f'({bias})' if bias.startswith('−') else bias} = "
                              f"<b>{format_number(step.value)}</b>")
        self.bias_label.setText(bias)
        self.output_value.setText(f"→ output cell ({r}, {c}) of feature map {conv.kernel + 1}")
        oh, ow = conv.out_shape
        self.output_title.setText(f"<b>Output</b> of kernel {conv.kernel + 1}: {oh}×{ow} "
                                  f"(cells fill in as the kernel moves; click one to jump)")
        out = conv.output[conv.kernel]
        self.output_grid.set_values(out)
        hidden = np.arange(out.size).reshape(out.shape) > index
        self.output_grid.set_hidden(hidden)
        self.output_grid.set_highlight("window", [(r, c)])
        self.position_label.setText(f"cell {index + 1} of {conv.cells}")
        self._show_hover_links()

    def _show_hover_links(self) -> None:
        conv = self.conv
        # Output hovered -> its window on every input channel.
        window = []
        if self._hover_output is not None and conv.out_shape is not None:
            window = self._window_cells(*self._hover_output)
        for row in self.channel_rows:
            row["input"].set_highlight("hover", window)
        # Input hovered -> every output cell whose window contains it.
        outputs = []
        if self._hover_input is not None and conv.out_shape is not None:
            _, pr, pc = self._hover_input
            oh, ow = conv.out_shape
            outputs = [(r, c) for r in range(oh) for c in range(ow) if (pr, pc) in self._window_cells(r, c)]
        self.output_grid.set_highlight("hover", outputs)


def create(state: AppState, parent: QWidget | None = None) -> ConvolutionLesson:
    return ConvolutionLesson(state, parent)

