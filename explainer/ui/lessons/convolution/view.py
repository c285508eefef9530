"""Lesson ``convolution``: step a kernel across the channels of an input, every number shown.

Opens on the lecture's own example: the 5×5 red, green and blue channels
with zero padding 1, three 3×3 kernel slices and bias 1, whose top-left
output is 308 + (−498) + 164 + 1 = −25. Everything is editable; every value
comes from :func:`explainer.core.conv_step` and :func:`explainer.core.conv2d`.

The view draws :class:`~.state.ConvolutionState` and sends every user action
to one of its setters; nothing is read back from a widget. The numbers of each
step are drawn by :class:`~.step_display.StepDisplay` (a mixin).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QSpinBox, QVBoxLayout, QWidget,
)

from ....core.limits import MAX_TYPED_VALUE, TYPED_RANGE_TEXT
from ...animation import Animation
from ...state import AppState, Commands
from ...widgets.channel_rows import ChannelRows
from ...widgets.crop_picker import CropPicker
from ...widgets.matrix_grid import MatrixGrid
from ...widgets.stepper_controls import StepperControls
from ..base import Lesson
from .presets import PRESETS, clamp_crop, crop_pixels, example_for, kernel_example, thumbnail
from .state import (
    CHANNEL_CHOICES, CROP_SIZE_RANGE, DILATION_RANGE, KERNEL_COUNT_RANGE, KERNEL_SIZE_RANGE, PADDING_RANGE,
    SPEED_RANGE, STRIDE_RANGE, ConvolutionState,
)
from .step_display import StepDisplay


class ConvolutionLesson(StepDisplay, Lesson):
    """The kernel stepper."""

    lesson_id = "convolution"

    def __init__(self, app_state: AppState, commands: Commands, state: ConvolutionState | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(app_state, commands, state if state is not None else ConvolutionState(), parent)
        self._hover_output: tuple[int, int] | None = None
        self._hover_input: tuple[int, int, int] | None = None
        # A strided view of the current image: no pixel is copied, however large the photo.
        self._picture = thumbnail(app_state.image)
        self._keep_restored_input = False  # set by apply_state: a restored input is not re-cut from the image
        self._build()
        events = self.state.events
        for signal in (events.x, events.w, events.b, events.stride, events.padding, events.dilation,
                       events.kernel, events.channel_names):
            signal.connect(self._render)
        events.cursor.connect(self._render_step)
        events.preset.connect(self._render_preset)
        events.crop_size.connect(self._render_crop)
        events.crop_pos.connect(self._render_crop)
        events.speed.connect(self._render_speed)
        self.listen(app_state.events.image, self._on_app_image_changed)
        self.listen(app_state.events.pending_kernel, self._on_app_pending_kernel)
        self.crop_picker.set_picture(self._picture)
        for render in (self._render_preset, self._render_crop, self._render_speed, self._render):
            render()
        self._take_pending_kernel()  # the lesson may have been built to show an offered kernel

    # -- building ------------------------------------------------------------------
    def _spin(self, name: str, limits: tuple[int, int], tip: str, slot) -> QSpinBox:
        spin = QSpinBox(objectName=name, minimum=limits[0], maximum=limits[1], toolTip=tip)
        spin.valueChanged.connect(slot)
        return spin

    @staticmethod
    def _label(name: str, style: str = "", rich: bool = False) -> QLabel:
        label = QLabel(objectName=name, wordWrap=True)
        label.setStyleSheet(style)
        if rich:
            label.setTextFormat(Qt.TextFormat.RichText)
        return label

    def _build(self) -> None:
        s = self.state
        self.preset_combo = QComboBox(objectName="presetCombo", minimumContentsLength=20)
        self.preset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        for key, title in PRESETS.items():
            self.preset_combo.addItem(title, key)
        self.preset_combo.activated.connect(lambda i: self.load_preset(self.preset_combo.itemData(i)))
        self.position_label = QLabel(objectName="positionLabel")
        self.channels_combo = QComboBox(objectName="channelsCombo", toolTip="Input channels: 1 (grey) or 3 (RGB)")
        self.channels_combo.addItems([str(n) for n in CHANNEL_CHOICES])
        self.channels_combo.activated.connect(lambda i: self._on_channels_chosen(CHANNEL_CHOICES[i]))
        self.kernels_spin = self._spin("kernelsSpin", KERNEL_COUNT_RANGE,
                                       "Number of kernels = output channels (feature maps)", s.set_kernel_count)
        self.size_spin = self._spin("kernelSizeSpin", KERNEL_SIZE_RANGE, "Kernel size k (k×k)", s.set_kernel_size)
        self.stride_spin = self._spin("strideSpin", STRIDE_RANGE, "Stride s: step of the kernel",
                                      lambda v: s.set_geometry(stride=v))
        self.padding_spin = self._spin("paddingSpin", PADDING_RANGE, "Zero padding p on every border",
                                       lambda v: s.set_geometry(padding=v))
        self.dilation_spin = self._spin("dilationSpin", DILATION_RANGE, "Dilation d: spacing between kernel taps",
                                        lambda v: s.set_geometry(dilation=v))
        examples = QHBoxLayout()
        examples.addWidget(QLabel("Example:"))
        examples.addWidget(self.preset_combo, 1)
        examples.addSpacing(12)
        examples.addWidget(self.position_label)
        settings = QHBoxLayout()
        for text, widget in (("input channels", self.channels_combo), ("kernels", self.kernels_spin),
                             ("kernel size", self.size_spin), ("stride", self.stride_spin),
                             ("padding", self.padding_spin), ("dilation", self.dilation_spin)):
            settings.addWidget(QLabel(text))
            settings.addWidget(widget)
            settings.addSpacing(8)
        settings.addStretch(1)

        self.stepper = StepperControls(SPEED_RANGE)
        self.stepper.step_requested.connect(s.step)
        self.stepper.reset_requested.connect(self.reset)
        self.stepper.playing_changed.connect(self._on_stepper_playing_changed)
        self.stepper.ticked.connect(self._on_stepper_ticked)
        self.stepper.speed_chosen.connect(s.set_speed)
        for key, slot in ((Qt.Key.Key_Right, lambda: s.step(1)), (Qt.Key.Key_Left, lambda: s.step(-1)),
                          (Qt.Key.Key_Home, self.reset),
                          (Qt.Key.Key_Space, lambda: self.stepper.set_playing(not self.stepper.is_playing()))):
            QShortcut(QKeySequence(key), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        # Centre: one row per input channel: input ⊙ kernel slice = products, Σ.
        self.rows = ChannelRows()
        self.rows.input_edited.connect(lambda c, r, col, v: s.set_input_value(c, r - s.padding, col - s.padding, v))
        self.rows.weight_edited.connect(s.set_weight)
        self.rows.input_hovered.connect(self._on_rows_input_hovered)
        self.scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.rows)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scroll.viewport().installEventFilter(self)

        # Right: the crop picker, the sum, the bias, the output.
        self.crop_picker = CropPicker(CROP_SIZE_RANGE)
        self.crop_picker.setObjectName("cropPanel")
        self.crop_picker.size_chosen.connect(lambda size: self._apply_crop(size, s.crop_pos))
        self.crop_picker.square_moved.connect(lambda row, col: self._apply_crop(s.crop_size, (row, col)))
        self.kernel_combo = QComboBox(objectName="kernelCombo", toolTip="Which kernel (output channel) to step")
        self.kernel_combo.activated.connect(s.set_kernel)
        self.bias_spin = QDoubleSpinBox(objectName="biasInput", minimum=-MAX_TYPED_VALUE, maximum=MAX_TYPED_VALUE,
                                        decimals=2, toolTip="The kernel's bias, shared by every output cell: "
                                                            f"a number {TYPED_RANGE_TEXT}")
        self.bias_spin.valueChanged.connect(s.set_bias)
        kernel_row = QHBoxLayout()
        kernel_row.addWidget(self.kernel_combo, 1)
        kernel_row.addWidget(QLabel("bias"))
        kernel_row.addWidget(self.bias_spin)
        self.sum_line = self._label("sumLine", "font-size: 15pt;", rich=True)
        self.output_value = self._label("outputValue", "font-size: 13pt;")
        self.output_title = self._label("outputTitle")
        self.output_grid = MatrixGrid(shading="signed")
        self.output_grid.setObjectName("outputGrid")
        self.output_grid.cell_clicked.connect(self._on_output_cell_clicked)
        self.output_grid.cell_hovered.connect(self._on_output_cell_hovered)
        self.formula = self._label("sizeFormula", rich=True)
        self.error_label = self._label("settingsError",
                                       "color: #a00; background: #fde8e8; padding: 6px; border-radius: 4px;")
        self.error_label.hide()

        right = QVBoxLayout()
        right.addWidget(self.stepper)
        right.addWidget(self.crop_picker)
        right.addLayout(kernel_row)
        # Word-wrapped: in the presenter view (text ×1.5) the heading is wider than the column.
        right.addWidget(QLabel("<b>Sum of the channel sums, plus the bias</b>", objectName="sumHeading",
                               wordWrap=True))
        for label in (self.sum_line, self.output_value, self.output_title):
            right.addWidget(label)
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

    # -- public API ----------------------------------------------------------------
    def load_preset(self, key: str) -> None:
        """Load one of :data:`~.presets.PRESETS` by key."""
        self._keep_restored_input = False
        self.stepper.set_playing(False)
        self.state.load(example_for(key, self._picture, self.state.crop_size, self.state.crop_pos), key)

    def use_kernel(self, weights, bias: float = 0.0, name: str = "the kernel") -> None:
        """Step a kernel (C, k, k) sent by another lesson over a crop of the current image."""
        self._keep_restored_input = False
        self.stepper.set_playing(False)
        try:
            self.state.load(kernel_example(weights, bias, self._picture, self.state.crop_size,
                                           self.state.crop_pos), "crop")
        except ValueError as exc:  # the state is unchanged
            self.commands.post_message(f"Cannot step {name} here: {exc}.", 10000)
            return
        self.commands.post_message(f"Stepping {name} over raw 0–255 pixels of the current image "
                                   "(the network itself sees normalised values).", 10000)

    def reset(self) -> None:
        self.stepper.set_playing(False)
        self.state.set_cursor(0)

    def shutdown(self) -> None:
        self.stepper.stop()
        super().shutdown()

    def animations(self) -> list[Animation]:
        """The kernel stepping over the input, a frame per output cell (every cell, or a range of them)."""
        cells = self.state.cells
        why = "" if cells else ("These settings give no output, so the kernel has nowhere to step: make the kernel "
                                "or the dilation smaller, or add padding.")
        return [Animation("The kernel stepping over the input", cells, self.state.set_cursor, self, unit="cell",
                          fps=self.state.speed, unavailable=why, start=lambda: self.stepper.set_playing(False))]

    # -- app state -----------------------------------------------------------------
    def _on_app_image_changed(self, *_args) -> None:
        self.when_shown("image", self._refresh_picture)

    def _refresh_picture(self) -> None:
        self._picture = thumbnail(self.app_state.image)
        self.crop_picker.set_picture(self._picture)
        self._render_crop()
        if self.state.preset == "crop" and not self._keep_restored_input:
            self._apply_crop(self.state.crop_size, self.state.crop_pos)

    def apply_state(self, saved) -> None:
        """A restored input is kept as saved (typed pixels too) until the user moves or resizes the crop;
        the session's image arriving afterwards only redraws the picture under the crop square."""
        super().apply_state(saved)
        self._keep_restored_input = True

    def _on_app_pending_kernel(self, offer, *_args) -> None:
        if offer is not None:
            self.when_shown("kernel", self._take_pending_kernel)

    def _take_pending_kernel(self) -> None:
        offer = self.app_state.take_kernel()
        if offer is not None:
            self.use_kernel(offer.weights, offer.bias, offer.name)

    # -- widget -> state -----------------------------------------------------------
    def _apply_crop(self, size: int, pos: tuple[int, int]) -> None:
        """Cut the square at ``pos`` from the picture; in the crop example its pixels become the input."""
        self._keep_restored_input = False
        if self.state.preset != "crop":
            return
        fitted, pos = clamp_crop(self._picture.shape, size, pos)
        self.state.set_crop(crop_pixels(self._picture, fitted, pos, self.state.channels), size, pos)

    def _on_channels_chosen(self, channels: int) -> None:
        self.state.set_channels(channels)
        if self.state.preset == "crop":  # grey pixels straight from the picture, as whole numbers
            self._apply_crop(self.state.crop_size, self.state.crop_pos)

    def _on_stepper_playing_changed(self, playing: bool) -> None:
        if playing and self.state.cursor >= self.state.cells - 1:  # from the end: start again
            self.state.set_cursor(0)

    def _on_stepper_ticked(self) -> None:
        if self.state.cursor >= self.state.cells - 1:
            self.stepper.set_playing(False)
        else:
            self.state.step(1)

    def _on_output_cell_clicked(self, row: int, col: int) -> None:
        shape = self.state.output_shape()
        if shape is not None:
            self.state.set_cursor(row * shape[1] + col)

    def _on_output_cell_hovered(self, cell) -> None:
        self._hover_output = cell
        self._show_hover_links()

    def _on_rows_input_hovered(self, channel: int, cell) -> None:
        self._hover_input = None if cell is None else (channel, *cell)
        self._show_hover_links()

    # -- state -> widgets ----------------------------------------------------------
    def _render_preset(self, *_args) -> None:
        with QSignalBlocker(self.preset_combo):
            self.preset_combo.setCurrentIndex(self.preset_combo.findData(self.state.preset))
        self.crop_picker.setVisible(self.state.preset == "crop")
        self._relayout()

    def _render_crop(self, *_args) -> None:
        fitted, pos = clamp_crop(self._picture.shape, self.state.crop_size, self.state.crop_pos)
        self.crop_picker.set_square(self.state.crop_size, pos, drawn=fitted)

    def _render_speed(self, *_args) -> None:
        self.stepper.set_speed(self.state.speed)

    def _render_controls(self) -> None:
        s = self.state
        for spin, value in ((self.kernels_spin, s.kernel_count), (self.size_spin, s.kernel_size),
                            (self.stride_spin, s.stride), (self.padding_spin, s.padding),
                            (self.dilation_spin, s.dilation)):
            with QSignalBlocker(spin):
                spin.setValue(value)
        with QSignalBlocker(self.channels_combo):
            self.channels_combo.setCurrentText(str(s.channels))
        with QSignalBlocker(self.kernel_combo):
            if self.kernel_combo.count() != s.kernel_count:
                self.kernel_combo.clear()
                self.kernel_combo.addItems([f"Kernel {i + 1} of {s.kernel_count}" for i in range(s.kernel_count)])
            self.kernel_combo.setCurrentIndex(s.kernel)
        with QSignalBlocker(self.bias_spin):
            self.bias_spin.setValue(float(s.b[s.kernel]) if s.kernel < len(s.b) else 0.0)

    def _relayout(self) -> None:
        """Size the cells so every channel row fits the visible area, numbers as large as possible."""
        viewport = self.scroll.viewport()
        self.rows.fit(viewport.width(), viewport.height())
        shape = None if self.state.problem() else self.state.output_shape()
        if shape is not None:
            oh, ow = shape
            room = self.height() - (560 if self.state.preset == "crop" else 360)
            self.output_grid.set_cell_size(int(np.clip(min(330 / ow, max(80, room) / oh), 6, 52)))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if obj is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self, self._relayout)
        return super().eventFilter(obj, event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._relayout)
