"""Lesson ``feature-maps``: several kernels on one real image, shared weights, pooling per map.

As on the lecture's feature-map slide: each kernel slides over the whole
image with the *same* weights and bias, giving one feature map; each map is
then max-pooled separately. Hover a feature map and the kernel is drawn at the
input location it looked at.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ... import io
from ...core import KERNELS, conv2d, dense_parameters, format_number, pool2d
from ..state import AppState
from ..widgets.maps import SIGNED_CMAP, ClickableImageItem, colormap, outline
from ..widgets.matrix_grid import MatrixGrid
from ..workers import WorkResult
from .base import Lesson

#: Lessons work on small pictures so every pixel can matter: longest side in pixels.
WORK_SIDE = 160
MAX_KERNELS = 4
DEFAULT_KERNELS = ["Sobel x (vertical edges)", "Sobel y (horizontal edges)", "Laplacian (outlines)"]
SOURCES = {"image": "Current image (File ▸ Open, drop, or samples)", "drawing": "Your drawing (draw lesson)"}


def to_work_image(image: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    """Greyscale (H, W) float in [0, 1], shrunk by area averaging so the longer side is at most ``side``."""
    from ...core import box_resize

    grey = io.to_grayscale(image) if image.ndim == 3 else np.asarray(image, dtype=np.float32)
    h, w = grey.shape
    scale = min(1.0, side / max(h, w))
    if scale < 1.0:
        grey = box_resize(grey, max(1, round(h * scale)), max(1, round(w * scale)))
    return np.asarray(grey, dtype=np.float64)


def compute_maps(image: np.ndarray, kernels: list[np.ndarray], pool: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Feature map and pooled map of every kernel (padding 0, stride 1; max pooling ``pool``×``pool``)."""
    maps, pooled = [], []
    for k in kernels:
        fmap = conv2d(image[None], k[None, None])[0]
        maps.append(fmap)
        pooled.append(pool2d(fmap[None], pool, mode="max")[0] if min(fmap.shape) >= pool else fmap[:0, :0])
    return maps, pooled


class FeatureMapsState(QObject):
    """The lesson's truth: source, input image, kernels (name + values), pooling, colour scale."""

    image_changed = Signal()
    kernels_changed = Signal()
    display_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = "image"
        self.image = np.zeros((WORK_SIDE, WORK_SIDE))
        self.names: list[str] = list(DEFAULT_KERNELS)
        self.kernels: list[np.ndarray] = [KERNELS[n].copy() for n in DEFAULT_KERNELS]
        self.pool = 2
        self.shared_scale = False

    def set_image(self, image: np.ndarray) -> None:
        if image.shape != self.image.shape or not np.array_equal(image, self.image):
            self.image = image
            self.image_changed.emit()

    def set_kernel(self, index: int, values: np.ndarray, name: str | None = None) -> None:
        values = np.asarray(values, dtype=np.float64)
        if name is not None:
            self.names[index] = name
        if values.shape != self.kernels[index].shape or not np.array_equal(values, self.kernels[index]):
            self.kernels[index] = values
            self.kernels_changed.emit()
        elif name is not None:
            self.kernels_changed.emit()

    def add_kernel(self, name: str) -> None:
        if len(self.kernels) < MAX_KERNELS:
            self.names.append(name)
            self.kernels.append(KERNELS[name].copy())
            self.kernels_changed.emit()

    def remove_kernel(self) -> None:
        if len(self.kernels) > 1:
            self.names.pop()
            self.kernels.pop()
            self.kernels_changed.emit()

    def set_pool(self, size: int) -> None:
        if size != self.pool:
            self.pool = size
            self.kernels_changed.emit()

    def set_shared_scale(self, shared: bool) -> None:
        if shared != self.shared_scale:
            self.shared_scale = shared
            self.display_changed.emit()


class KernelCard(QFrame):
    """One kernel: its name, an editable grid, its feature map with colour bar, and the pooled map."""

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setObjectName(f"kernelCard{index}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.combo = QComboBox(objectName=f"kernelPreset{index}")
        self.combo.addItems(list(KERNELS))
        self.combo.addItem("custom")
        self.grid = MatrixGrid(editable=True, shading="signed")
        self.grid.setObjectName(f"kernelEditor{index}")
        self.grid.set_cell_size(30)
        self.caption = QLabel(objectName=f"mapCaption{index}")
        self.caption.setWordWrap(True)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setMinimumHeight(150)
        self.map_view = self.plots.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.map_view.setMouseEnabled(False, False)
        self.map_image = ClickableImageItem(axisOrder="row-major")
        self.map_image.setColorMap(colormap(SIGNED_CMAP))
        self.map_view.addItem(self.map_image)
        self.bar = pg.ColorBarItem(colorMap=colormap(SIGNED_CMAP), values=(-1, 1), interactive=False, width=10)
        self.bar.setImageItem(self.map_image)
        self.plots.addItem(self.bar, row=0, col=1)
        self.pool_view = self.plots.addViewBox(row=0, col=2, lockAspect=True, invertY=True, enableMenu=False)
        self.pool_view.setMouseEnabled(False, False)
        self.pool_image = pg.ImageItem(axisOrder="row-major")
        self.pool_image.setColorMap(colormap(SIGNED_CMAP))
        self.pool_view.addItem(self.pool_image)
        self.plots.ci.layout.setColumnStretchFactor(0, 2)
        self.plots.ci.layout.setColumnStretchFactor(2, 2)
        self.map_title = QLabel(objectName=f"mapTitle{index}")
        self.pool_title = QLabel(objectName=f"poolTitle{index}")
        self.hover_mark = outline("#ffffff", 1.5)
        self.map_view.addItem(self.hover_mark)

        left = QVBoxLayout()
        left.addWidget(self.combo)
        left.addWidget(self.grid, 0, Qt.AlignmentFlag.AlignHCenter)
        left.addStretch(1)
        titles = QHBoxLayout()
        titles.addWidget(self.map_title, 2)
        titles.addWidget(self.pool_title, 1)
        right = QVBoxLayout()
        right.addLayout(titles)
        right.addWidget(self.plots, 1)
        right.addWidget(self.caption)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(left)
        layout.addLayout(right, 1)


class FeatureMapsLesson(Lesson):
    """Several detectors on one image: shared weights, one feature map each, pooled separately."""

    lesson_id = "feature-maps"
    maps_shown = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.fm = FeatureMapsState(self)
        self.maps: list[np.ndarray] = []
        self.pooled: list[np.ndarray] = []
        self.cards: list[KernelCard] = []
        self._runner = self.make_runner(self._on_maps_computed)
        self._build()
        self.fm.image_changed.connect(self._request_maps)
        self.fm.kernels_changed.connect(self._on_fm_kernels_changed)
        self.fm.display_changed.connect(self._show_maps)
        self.app_state.image_changed.connect(lambda _img: self._load_source())
        self.app_state.drawing_changed.connect(lambda _d: self._load_source())
        self._on_fm_kernels_changed()
        self._load_source()

    # -- building ------------------------------------------------------------
    def _build(self) -> None:
        self.source_combo = QComboBox(objectName="sourceCombo")
        for key, text in SOURCES.items():
            self.source_combo.addItem(text, key)
        self.source_combo.activated.connect(self._on_source_activated)
        self.sample_combo = QComboBox(objectName="sampleCombo", toolTip="Use a bundled sample photo")
        self.sample_combo.addItem("Sample photo…")
        for name in io.sample_images():
            self.sample_combo.addItem(name.capitalize(), name)
        self.sample_combo.activated.connect(self._on_sample_activated)
        self.pool_combo = QComboBox(objectName="poolCombo", toolTip="Max-pooling window applied to each map")
        for size in (2, 3, 4):
            self.pool_combo.addItem(f"{size}×{size} max pooling", size)
        self.pool_combo.activated.connect(lambda i: self.fm.set_pool(self.pool_combo.itemData(i)))
        self.shared_check = QCheckBox("same colour scale for all maps", objectName="sharedScaleCheck")
        self.shared_check.toggled.connect(self.fm.set_shared_scale)
        self.add_button = QPushButton("Add kernel", objectName="addKernelButton")
        self.add_button.clicked.connect(lambda: self.fm.add_kernel(next(
            (n for n in KERNELS if n not in self.fm.names), "identity")))
        self.remove_button = QPushButton("Remove kernel", objectName="removeKernelButton")
        self.remove_button.clicked.connect(self.fm.remove_kernel)
        self.paint_check = QCheckBox("paint kernels with", objectName="paintCheck",
                                     toolTip="Click or drag on a kernel's cells to set them to this value")
        self.paint_value = QDoubleSpinBox(objectName="paintValue", minimum=-9, maximum=9, value=1, decimals=1,
                                          singleStep=1)
        self.paint_check.toggled.connect(self._on_paint_mode_changed)
        self.paint_value.valueChanged.connect(lambda _v: self._on_paint_mode_changed(self.paint_check.isChecked()))
        top = QHBoxLayout()
        top.addWidget(QLabel("Input:"))
        top.addWidget(self.source_combo, 1)
        top.addWidget(self.sample_combo)
        top.addSpacing(10)
        top.addWidget(self.pool_combo)
        top.addWidget(self.shared_check)
        second = QHBoxLayout()
        second.addWidget(self.add_button)
        second.addWidget(self.remove_button)
        second.addSpacing(10)
        second.addWidget(self.paint_check)
        second.addWidget(self.paint_value)
        second.addStretch(1)

        # The input image, with the kernel drawn where the hovered map cell looked.
        self.input_widget = pg.GraphicsLayoutWidget()
        self.input_widget.setMinimumSize(260, 260)
        self.input_view = self.input_widget.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.input_view.setMouseEnabled(False, False)
        self.input_image = pg.ImageItem(axisOrder="row-major")
        self.input_view.addItem(self.input_image)
        self.stamp = pg.ImageItem(axisOrder="row-major")
        self.stamp.setColorMap(colormap(SIGNED_CMAP))
        self.stamp.setOpacity(0.85)
        self.stamp.setZValue(5)
        self.stamp.hide()
        self.input_view.addItem(self.stamp)
        self.stamp_mark = outline("#ff9900", 2)
        self.input_view.addItem(self.stamp_mark)
        self.input_caption = QLabel(objectName="inputCaption")
        self.input_caption.setWordWrap(True)
        self.note = QLabel(objectName="sharedWeightsNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setStyleSheet("background: #eef5ff; padding: 8px; border-radius: 4px;")
        left = QVBoxLayout()
        heading = QLabel("<b>Input</b> (greyscale). Hover a feature map: the kernel that made that cell is "
                         "drawn here, at the place it looked.")
        heading.setWordWrap(True)
        left.addWidget(heading)
        left.addWidget(self.input_widget, 1)
        left.addWidget(self.input_caption)
        left.addWidget(self.note)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(330)

        self.cards_layout = QGridLayout()
        self.cards_layout.setSpacing(6)
        cards_widget = QWidget()
        cards_widget.setLayout(self.cards_layout)
        body = QHBoxLayout()
        body.addWidget(left_widget)
        body.addWidget(cards_widget, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(top)
        outer.addLayout(second)
        outer.addLayout(body, 1)

    def _make_cards(self) -> None:
        while len(self.cards) < len(self.fm.kernels):
            card = KernelCard(len(self.cards))
            i = card.index
            card.combo.activated.connect(lambda row, i=i, c=card: self._on_card_preset(i, c.combo.itemText(row)))
            card.grid.value_edited.connect(lambda r, col, v, i=i: self._on_kernel_edited(i, r, col, v))
            card.map_image.hover_handler = lambda y, x, i=i: self._on_map_hover(i, y, x)
            self.cards.append(card)
            self.cards_layout.addWidget(card, i, 0)
        while len(self.cards) > len(self.fm.kernels):
            card = self.cards.pop()
            card.setParent(None)
            card.deleteLater()
        self._on_paint_mode_changed(self.paint_check.isChecked())

    # -- public API ----------------------------------------------------------
    def set_source(self, key: str) -> None:
        index = self.source_combo.findData(key)
        self.source_combo.setCurrentIndex(index)
        self.fm.source = key
        self._load_source()

    # -- sources -------------------------------------------------------------
    def _load_source(self) -> None:
        if self.fm.source == "drawing":
            drawing = self.app_state.drawing
            if drawing is None:
                self.input_caption.setText("No drawing yet: draw a digit in the “Draw a digit” lesson.")
                return
            image = to_work_image(drawing, side=96)
            name = "your drawing"
        else:
            if self.app_state.image is None:
                self.input_caption.setText("No image yet: open one (File ▸ Open), drop one, or pick a sample.")
                return
            image = to_work_image(self.app_state.image)
            name = self.app_state.image_name or "image"
        self._source_name = name
        self.fm.set_image(image)

    def _on_source_activated(self, index: int) -> None:
        self.set_source(self.source_combo.itemData(index))

    def _on_sample_activated(self, index: int) -> None:
        name = self.sample_combo.itemData(index)
        self.sample_combo.setCurrentIndex(0)
        if name:
            try:
                self.app_state.set_image(io.load_image(io.sample_images()[name]), f"{name}.jpg")
            except ValueError as exc:
                self.app_state.post_message(f"Could not open the sample: {exc}")
            self.set_source("image")

    # -- kernels -------------------------------------------------------------
    def _on_card_preset(self, index: int, name: str) -> None:
        if name in KERNELS:
            self.fm.set_kernel(index, KERNELS[name].copy(), name)

    def _on_kernel_edited(self, index: int, row: int, col: int, value: float) -> None:
        values = self.fm.kernels[index].copy()
        values[row, col] = value
        self.fm.set_kernel(index, values, "custom")

    def _on_paint_mode_changed(self, on: bool) -> None:
        for card in self.cards:
            card.grid.paint_value = self.paint_value.value() if on else None

    def _on_fm_kernels_changed(self) -> None:
        self._make_cards()
        for card, name, values in zip(self.cards, self.fm.names, self.fm.kernels):
            blocker = card.combo.blockSignals(True)
            card.combo.setCurrentText(name)
            card.combo.blockSignals(blocker)
            card.grid.set_values(values)
        self.add_button.setEnabled(len(self.fm.kernels) < MAX_KERNELS)
        self.remove_button.setEnabled(len(self.fm.kernels) > 1)
        self._request_maps()

    # -- computing and showing ------------------------------------------------
    def _request_maps(self) -> None:
        self._runner.submit(compute_maps, self.fm.image, [k.copy() for k in self.fm.kernels], self.fm.pool)

    def _on_maps_computed(self, result: WorkResult) -> None:
        if result.error is not None:
            self.app_state.post_message(f"Could not compute the feature maps: {result.error}", 10000)
            return
        if result.request != self._runner.latest_request:
            return  # a newer request is on its way
        self.maps, self.pooled = result.value
        self._show_maps()

    def _show_maps(self) -> None:
        image = self.fm.image
        self.input_image.setImage(image, autoLevels=False, levels=(0, 1))
        self.input_view.setRange(QRectF(0, 0, image.shape[1], image.shape[0]), padding=0.02)
        h, w = image.shape
        self.input_caption.setText(f"{getattr(self, '_source_name', 'image')}: {h}×{w} pixels "
                                   f"(shrunk to at most {WORK_SIDE} px so each pixel counts).")
        if not self.maps or len(self.maps) != len(self.cards):
            return
        shared = max(float(np.abs(m).max()) for m in self.maps) or 1.0
        for card, name, kernel, fmap, pooled in zip(self.cards, self.fm.names, self.fm.kernels, self.maps,
                                                     self.pooled):
            limit = shared if self.fm.shared_scale else (float(np.abs(fmap).max()) or 1.0)
            card.map_image.setImage(fmap, autoLevels=False, levels=(-limit, limit))
            card.bar.setLevels((-limit, limit))
            card.map_view.setRange(QRectF(0, 0, fmap.shape[1], fmap.shape[0]), padding=0.02)
            if pooled.size:
                card.pool_image.setImage(pooled, autoLevels=False, levels=(-limit, limit))
                # Same pixel scale as the feature map, so the shrinking is visible.
                card.pool_view.setRange(QRectF(0, 0, fmap.shape[1], fmap.shape[0]), padding=0.02)
            k = kernel.shape[0]
            card.map_title.setText(f"<b>feature map</b> {fmap.shape[0]}×{fmap.shape[1]}")
            card.pool_title.setText(f"<b>{self.fm.pool}×{self.fm.pool} max-pooled</b> "
                                    f"{pooled.shape[0]}×{pooled.shape[1]}")
            card.caption.setText(f"{name}: values {format_number(fmap.min())} to {format_number(fmap.max())}; "
                                 f"colours ±{format_number(limit)} ({'shared' if self.fm.shared_scale else 'this map'})"
                                 f" — {k}×{k} weights + 1 bias, the same at all {fmap.size:,} positions.")
        self._update_note()
        self.maps_shown.emit()

    def _update_note(self) -> None:
        h, w = self.fm.image.shape
        fmap = self.maps[0]
        k = self.fm.kernels[0].shape[0]
        conv_params = sum(kk.size + 1 for kk in self.fm.kernels)
        dense = dense_parameters((h, w), fmap.shape) * len(self.fm.kernels)
        self.note.setText(
            f"<b>Shared weights.</b> Each feature map reuses one {k}×{k} kernel and one bias at every "
            f"position: {len(self.fm.kernels)} map(s) cost <b>{conv_params:,}</b> parameters. "
            f"A fully connected layer from the {h}×{w} input to the same {len(self.fm.kernels)} × "
            f"{fmap.shape[0]}×{fmap.shape[1]} outputs would need <b>{dense:,}</b> "
            f"({h * w:,} × {fmap.size * len(self.fm.kernels):,} weights + biases) — "
            f"{dense / conv_params:,.0f} times more, and it would have to learn each detector "
            "separately at every place.")

    def _on_map_hover(self, index: int, y, x) -> None:
        card = self.cards[index] if index < len(self.cards) else None
        if card is None or y is None or not self.maps:
            self.stamp.hide()
            self.stamp_mark.hide()
            if card is not None:
                card.hover_mark.hide()
            return
        fmap = self.maps[index]
        row, col = int(y), int(x)
        if not (0 <= row < fmap.shape[0] and 0 <= col < fmap.shape[1]):
            return
        self.show_kernel_at(index, row, col)

    def show_kernel_at(self, index: int, row: int, col: int) -> None:
        """Draw kernel ``index`` on the input where feature-map cell (row, col) looked (padding 0, stride 1)."""
        kernel = self.fm.kernels[index]
        k = kernel.shape[0]
        limit = float(np.abs(kernel).max()) or 1.0
        self.stamp.setImage(kernel, autoLevels=False, levels=(-limit, limit))
        self.stamp.setRect(QRectF(col, row, k, k))
        self.stamp.show()
        self.stamp_mark.setRect(QRectF(col, row, k, k))
        self.stamp_mark.show()
        card = self.cards[index]
        card.hover_mark.setRect(QRectF(col, row, 1, 1))
        card.hover_mark.show()
        value = self.maps[index][row, col]
        self.app_state.post_message(
            f"{self.fm.names[index]}: feature-map cell ({row}, {col}) = {format_number(value, 3)}, computed "
            f"from input rows {row}–{row + k - 1}, columns {col}–{col + k - 1} with the same {k}×{k} weights "
            "as every other cell.", 0)


def create(state: AppState, parent: QWidget | None = None) -> FeatureMapsLesson:
    return FeatureMapsLesson(state, parent)
