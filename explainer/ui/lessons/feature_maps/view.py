"""Lesson ``feature-maps``: several kernels on one real image, shared weights, pooling per map.

As on the lecture's feature-map slide: each kernel slides over the whole
image with the *same* weights and bias, giving one feature map; each map is
then max-pooled separately. Hover a feature map and the kernel is drawn on
the input where that cell looked.

The view renders :class:`FeatureMapsState`; the maps are computed in a worker
from the shared image or drawing and drawn with the inputs that made them.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .... import io
from ....core import KERNELS, format_number, window_cells
from ...state import AppState, Commands
from ...widgets.fast_image import FastImageItem
from ...widgets.kernel_card import KernelCard
from ...widgets.maps import SIGNED_CMAP, colormap
from ...widgets.panels import ImageView
from ...workers import WorkResult
from ..base import Lesson
from .compute import FeatureMaps, compute, shared_weights_note
from .state import CUSTOM, DRAWING_SIDE, MAX_KERNELS, PAINT_RANGE, POOL_SIZES, WORK_SIDE, FeatureMapsState

SOURCES = {"image": "Current image (File ▸ Open, drop, or samples)", "drawing": "Your drawing (draw lesson)"}


@dataclass(frozen=True)
class MapsRequest:
    """The inputs of one computation, sent as the worker's context and used to draw its result."""

    source: str
    input_name: str
    side: int
    names: tuple[str, ...]
    kernels: tuple[np.ndarray, ...]
    pool: int


class FeatureMapsLesson(Lesson):
    """Several detectors on one image: shared weights, one feature map each, pooled separately.

    Signals
    -------
    maps_shown()
        New maps are on screen.
    """

    lesson_id = "feature-maps"
    maps_shown = Signal()

    def __init__(self, app_state: AppState, commands: Commands, parent: QWidget | None = None) -> None:
        super().__init__(app_state, commands, FeatureMapsState(), parent)
        #: The request whose maps are on screen and its result (None: nothing computed yet / no input).
        self.request: MapsRequest | None = None
        self.result: FeatureMaps | None = None
        self.cards: list[KernelCard] = []
        self._hover_message_shown = False
        self._runner = self.make_runner(self._on_maps_computed)
        self._sample_runner = self.make_runner(self._on_sample_loaded)
        self._build()
        events = self.state.events
        events.source.connect(self._on_state_source)
        events.names.connect(self._on_state_names)
        events.kernels.connect(self._on_state_kernels)
        events.pool.connect(self._on_state_pool)
        events.shared_scale.connect(self._on_state_shared_scale)
        events.paint.connect(self._on_state_paint)
        events.paint_value.connect(self._on_state_paint)
        events.probe.connect(self._show_probe)
        self.listen(app_state.events.image, lambda *_: self._on_input_changed("image"))
        self.listen(app_state.events.drawing, lambda *_: self._on_input_changed("drawing"))
        for handler in (self._on_state_source, self._on_state_kernels, self._on_state_pool,
                        self._on_state_shared_scale, self._on_state_paint):
            handler()

    # -- building ------------------------------------------------------------------
    def _build(self) -> None:
        self.source_combo = QComboBox(objectName="sourceCombo")
        for key, text in SOURCES.items():
            self.source_combo.addItem(text, key)
        self.source_combo.activated.connect(
            lambda i: setattr(self.state, "source", self.source_combo.itemData(i)))
        self.sample_combo = QComboBox(objectName="sampleCombo", toolTip="Use a bundled sample photo")
        self.sample_combo.addItem("Sample photo…")
        for name, path in io.sample_images().items():
            self.sample_combo.addItem(name.capitalize(), str(path))
        self.sample_combo.activated.connect(self._on_sample_activated)
        self.pool_combo = QComboBox(objectName="poolCombo", toolTip="Max-pooling window applied to each map")
        for size in POOL_SIZES:
            self.pool_combo.addItem(f"{size}×{size} max pooling", size)
        self.pool_combo.activated.connect(lambda i: setattr(self.state, "pool", self.pool_combo.itemData(i)))
        self.shared_check = QCheckBox("same colour scale for all maps", objectName="sharedScaleCheck")
        self.shared_check.toggled.connect(lambda on: setattr(self.state, "shared_scale", on))
        self.add_button = QPushButton("Add kernel", objectName="addKernelButton")
        self.add_button.clicked.connect(self.state.add_kernel)
        self.remove_button = QPushButton("Remove kernel", objectName="removeKernelButton")
        self.remove_button.clicked.connect(self.state.remove_kernel)
        self.paint_check = QCheckBox("paint kernels with", objectName="paintCheck",
                                     toolTip="Click or drag on a kernel's cells to set them to this value")
        self.paint_check.toggled.connect(lambda on: setattr(self.state, "paint", on))
        self.paint_value = QDoubleSpinBox(objectName="paintValue", minimum=PAINT_RANGE[0], maximum=PAINT_RANGE[1],
                                          decimals=1, singleStep=1)
        self.paint_value.valueChanged.connect(lambda v: setattr(self.state, "paint_value", v))
        top = QHBoxLayout()
        top.addWidget(QLabel("Input:"))
        top.addWidget(self.source_combo, 1)
        top.addWidget(self.sample_combo)
        top.addSpacing(10)
        top.addWidget(self.pool_combo)
        top.addWidget(self.shared_check)
        second = QHBoxLayout()
        for widget in (self.add_button, self.remove_button):
            second.addWidget(widget)
        second.addSpacing(10)
        second.addWidget(self.paint_check)
        second.addWidget(self.paint_value)
        second.addStretch(1)

        # The input image, with the kernel drawn where the probed map cell looked.
        self.input_widget = pg.GraphicsLayoutWidget()
        self.input_widget.setMinimumSize(260, 260)
        self.input = ImageView()
        self.input_widget.addItem(self.input.view)
        self.stamp = FastImageItem(axisOrder="row-major")
        self.stamp.setColorMap(colormap(SIGNED_CMAP))
        self.stamp.setOpacity(0.85)
        self.stamp.setZValue(5)
        self.stamp.hide()
        self.input.view.addItem(self.stamp)
        self.input_caption = QLabel(objectName="inputCaption", wordWrap=True)
        self.note = QLabel(objectName="sharedWeightsNote", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.note.setStyleSheet("background: #eef5ff; padding: 8px; border-radius: 4px;")
        heading = QLabel("<b>Input</b> (greyscale). Hover a feature map: the kernel that made that cell is "
                         "drawn here, at the place it looked.", wordWrap=True)
        left_widget = QWidget()
        left = QVBoxLayout(left_widget)
        left.addWidget(heading)
        left.addWidget(self.input_widget, 1)
        left.addWidget(self.input_caption)
        left.addWidget(self.note)
        left_widget.setFixedWidth(330)

        cards_widget = QWidget()
        self.cards_layout = QGridLayout(cards_widget)
        self.cards_layout.setSpacing(6)
        body = QHBoxLayout()
        body.addWidget(left_widget)
        body.addWidget(cards_widget, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(top)
        outer.addLayout(second)
        outer.addLayout(body, 1)

    def _sync_cards(self) -> None:
        """One card per kernel in the state."""
        while len(self.cards) < len(self.state.kernels):
            card = KernelCard(len(self.cards), list(KERNELS), CUSTOM)
            card.preset_chosen.connect(self.state.choose_preset)
            card.value_edited.connect(self.state.set_weight)
            card.cell_hovered.connect(self._on_card_cell_hovered)
            card.set_paint_value(self.state.paint_value if self.state.paint else None)
            self.cards_layout.addWidget(card, card.index, 0)
            self.cards.append(card)
        while len(self.cards) > len(self.state.kernels):
            card = self.cards.pop()
            card.setParent(None)
            card.deleteLater()

    # -- state -> widgets ----------------------------------------------------------
    def _on_state_source(self, *_) -> None:
        with QSignalBlocker(self.source_combo):
            self.source_combo.setCurrentIndex(self.source_combo.findData(self.state.source))
        self._schedule_maps()

    def _on_state_names(self, *_) -> None:
        if len(self.state.names) == len(self.state.kernels) == len(self.cards):
            for card, name, values in zip(self.cards, self.state.names, self.state.kernels):
                card.set_kernel(name, values)
            self._show_result()

    def _on_state_kernels(self, *_) -> None:
        if len(self.state.names) != len(self.state.kernels):
            return  # the names follow in a moment (restoring a session sets fields one by one)
        self._sync_cards()
        for card, name, values in zip(self.cards, self.state.names, self.state.kernels):
            card.set_kernel(name, values)
        self.add_button.setEnabled(len(self.state.kernels) < MAX_KERNELS)
        self.remove_button.setEnabled(len(self.state.kernels) > 1)
        self._schedule_maps()

    def _on_state_pool(self, *_) -> None:
        with QSignalBlocker(self.pool_combo):
            self.pool_combo.setCurrentIndex(self.pool_combo.findData(self.state.pool))
        self._schedule_maps()

    def _on_state_shared_scale(self, *_) -> None:
        with QSignalBlocker(self.shared_check):
            self.shared_check.setChecked(self.state.shared_scale)
        self._show_result()

    def _on_state_paint(self, *_) -> None:
        with QSignalBlocker(self.paint_check), QSignalBlocker(self.paint_value):
            self.paint_check.setChecked(self.state.paint)
            self.paint_value.setValue(self.state.paint_value)
        for card in self.cards:
            card.set_paint_value(self.state.paint_value if self.state.paint else None)

    # -- widgets -> state ----------------------------------------------------------
    def _on_card_cell_hovered(self, index: int, cell) -> None:
        self.state.probe = None if cell is None else (index, *cell)

    def _on_sample_activated(self, row: int) -> None:
        path = self.sample_combo.itemData(row)
        with QSignalBlocker(self.sample_combo):
            self.sample_combo.setCurrentIndex(0)
        if path:
            self._sample_runner.submit(io.load_image, path, context=path)

    def _on_sample_loaded(self, result: WorkResult) -> None:
        path = result.context
        if result.error is not None:
            self.commands.post_message(f"Could not open the sample {path}: {result.error}", 10000)
            return
        self.app_state.set_image(result.value, pathlib.Path(path).name, path)
        self.state.source = "image"

    # -- computing ------------------------------------------------------------------
    def _on_input_changed(self, source: str) -> None:
        if source == self.state.source:
            self._schedule_maps()

    def _schedule_maps(self) -> None:
        self.when_shown("maps", self._request_maps)

    def _request_maps(self) -> None:
        if self.state.source == "drawing":
            raw, name, side = self.app_state.drawing, "your drawing", DRAWING_SIDE
        else:
            raw, name, side = self.app_state.image, self.app_state.image_name or "image", WORK_SIDE
        request = MapsRequest(self.state.source, name, side, self.state.names, self.state.kernels, self.state.pool)
        # Greyscale, shrinking and the convolutions all run in the worker (a photo may be 3000×2000).
        self._runner.submit(compute, raw, side, request.kernels, request.pool, context=request)

    def _on_maps_computed(self, result: WorkResult) -> None:
        request: MapsRequest = result.context
        self.request, self.result = request, result.value
        if result.error is not None:
            self.result = None
            message = f"Could not compute the feature maps: {result.error}."
            if isinstance(result.error, ValueError):
                message += " Pick a smaller kernel or a larger input."
            self.commands.post_message(message, 10000)
            self._show_empty(message)
        elif result.value is None:
            self._show_empty("No drawing yet: draw a digit in the “Draw a digit” lesson."
                             if request.source == "drawing" else
                             "No image yet: open one (File ▸ Open), drop one, or pick a sample.")
        else:
            self._show_result()

    # -- showing ----------------------------------------------------------------------
    def _show_empty(self, message: str) -> None:
        self.input.clear()
        self.input_caption.setText(message)
        self.note.setText("")
        for card in self.cards:
            card.clear_maps("")
        self._show_probe()

    def _show_result(self, *_) -> None:
        request, result = self.request, self.result
        if result is None:
            return
        h, w = result.image.shape
        self.input.set_image(result.image)
        self.input_caption.setText(f"{request.input_name}: {h}×{w} pixels "
                                   f"(shrunk to at most {request.side} px so each pixel counts).")
        if len(result.maps) != len(self.cards):
            return  # kernels were added or removed: their maps are on the way
        names = request.names  # the names of the kernels these maps were computed with
        shared = max(float(np.abs(m).max()) for m in result.maps) or 1.0
        for card, name, kernel, fmap, pooled in zip(self.cards, names, request.kernels, result.maps, result.pooled):
            limit = shared if self.state.shared_scale else (float(np.abs(fmap).max()) or 1.0)
            k = kernel.shape[0]
            caption = (f"{name}: values {format_number(fmap.min())} to {format_number(fmap.max())}; "
                       f"colours ±{format_number(limit)} ({'shared' if self.state.shared_scale else 'this map'})"
                       f" — {k}×{k} weights + 1 bias, the same at all {fmap.size:,} positions.")
            card.show_maps(fmap, pooled, request.pool, limit, caption)
        self.note.setText(shared_weights_note(result.image.shape, request.kernels, result.maps))
        self._show_probe()
        self.maps_shown.emit()

    def _show_probe(self, *_) -> None:
        """Draw the probed map cell's kernel on the input, over the window it read."""
        probe, result = self.state.probe, self.result
        valid = (probe is not None and result is not None and probe[0] < len(result.maps)
                 and probe[0] < len(self.cards)
                 and 0 <= probe[1] < result.maps[probe[0]].shape[0] and 0 <= probe[2] < result.maps[probe[0]].shape[1])
        for i, card in enumerate(self.cards):
            card.mark_cell(probe[1:] if valid and i == probe[0] else None)
        if not valid:
            self.stamp.hide()
            self.input.mark("window", None)
            if self._hover_message_shown:  # the pointer left the map: take its message away
                self._hover_message_shown = False
                self.commands.post_message("", 1)
            return
        index, row, col = probe
        kernel = self.request.kernels[index]
        cells = window_cells(row, col, kernel.shape[0])
        top, left = cells[0]
        bottom, right = cells[-1]
        limit = float(np.abs(kernel).max()) or 1.0
        self.stamp.setImage(kernel, autoLevels=False, levels=(-limit, limit))
        self.stamp.setRect(QRectF(left, top, right - left + 1, bottom - top + 1))
        self.stamp.show()
        self.input.mark("window", (top, left, bottom - top + 1, right - left + 1))
        k = kernel.shape[0]
        name = self.request.names[index]
        self._hover_message_shown = True
        self.commands.post_message(
            f"{name}: feature-map cell ({row}, {col}) = {format_number(result.maps[index][row, col], 3)}, computed "
            f"from input rows {top}–{bottom}, columns {left}–{right} with the same {k}×{k} weights "
            "as every other cell.", 0)
