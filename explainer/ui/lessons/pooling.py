"""Lesson ``pooling``: max, average and L2 pooling side by side, and stride vs pooling.

Every output cell can be clicked to see its window and its arithmetic; the
values come from :func:`explainer.core.pool2d` / :func:`explainer.core.pool_step`
and, for the stride comparison, :func:`explainer.core.conv2d`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ... import io
from ...core import (
    KERNELS,
    box_resize,
    conv2d,
    describe_output_size,
    output_size_unchecked,
    pool2d,
    pool_step,
)
from ..state import AppState
from ..widgets.matrix_grid import MatrixGrid
from .base import Lesson

MODES = {"max": "Max pooling", "avg": "Average pooling", "l2": "L2 pooling"}
MODE_RULES = {"max": "the largest value in the window", "avg": "the mean of the window",
              "l2": "the square root of the sum of squares"}
# A small feature map with visible numbers (a ReLU output: no negatives).
EXAMPLE = np.array([
    [1, 3, 2, 0, 1, 4, 0, 2],
    [5, 6, 1, 2, 0, 1, 3, 1],
    [0, 2, 7, 1, 2, 8, 1, 0],
    [1, 0, 3, 4, 6, 2, 0, 1],
    [2, 1, 0, 5, 1, 0, 2, 3],
    [0, 4, 1, 2, 3, 9, 1, 0],
    [3, 1, 0, 1, 2, 1, 4, 2],
    [1, 2, 6, 0, 1, 0, 2, 5],
], dtype=np.float64)
SOURCES = {
    "example": "Small example feature map (8×8, numbers)",
    "image": "Feature map of the current image (vertical edges, 24×24)",
    "drawing": "Feature map of your drawing (vertical strokes, 24×24)",
}
NEIGHBOUR_COLORS = (QColor(0, 114, 178), QColor(0, 158, 115))


def feature_map_from(image: np.ndarray, side: int = 26) -> np.ndarray:
    """A ReLU feature map of a picture: greyscale, shrunk to ``side``, Sobel-x, ReLU, rounded to 0.01."""
    grey = io.to_grayscale(image) if image.ndim == 3 else np.asarray(image, dtype=np.float64)
    small = box_resize(grey, side, side)
    fmap = np.maximum(conv2d(small[None], KERNELS["Sobel x (vertical edges)"][None, None])[0], 0.0)
    return np.round(fmap, 2)


class PoolingState(QObject):
    """The lesson's truth: input map, window size, stride, and the clicked output cell."""

    changed = Signal()
    selection_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = "example"
        self.x = EXAMPLE.copy()
        self.size = 2
        self.stride = 2
        self.selection: tuple[str, int, int] | None = ("max", 0, 0)

    def set_input(self, x: np.ndarray) -> None:
        if x.shape != self.x.shape or not np.array_equal(x, self.x):
            self.x = np.asarray(x, dtype=np.float64)
            self.changed.emit()

    def set_size(self, size: int) -> None:
        if size != self.size:
            self.size = size
            self.changed.emit()

    def set_stride(self, stride: int) -> None:
        if stride != self.stride:
            self.stride = stride
            self.changed.emit()

    def set_selection(self, selection: tuple[str, int, int] | None) -> None:
        if selection != self.selection:
            self.selection = selection
            self.selection_changed.emit(selection)

    def out_side(self, n: int) -> int:
        return output_size_unchecked(n, self.size, self.stride)


class PoolingLesson(Lesson):
    """Pooling kinds side by side, and a stride-2 convolution compared with convolution + pooling."""

    lesson_id = "pooling"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.pool = PoolingState(self)
        self.outputs: dict[str, np.ndarray | None] = {}
        self._build()
        self.pool.changed.connect(self._on_pool_changed)
        self.pool.selection_changed.connect(self._on_selection_changed)
        self.app_state.image_changed.connect(lambda _i: self._load_source())
        self.app_state.drawing_changed.connect(lambda _d: self._load_source())
        self._on_pool_changed()

    # -- building ------------------------------------------------------------
    def _build(self) -> None:
        self.source_combo = QComboBox(objectName="poolSourceCombo")
        for key, text in SOURCES.items():
            self.source_combo.addItem(text, key)
        self.source_combo.activated.connect(lambda i: self.set_source(self.source_combo.itemData(i)))
        self.size_spin = QSpinBox(objectName="poolSizeSpin", minimum=1, maximum=5, value=2,
                                  toolTip="Side of the pooling window")
        self.stride_spin = QSpinBox(objectName="poolStrideSpin", minimum=1, maximum=5, value=2,
                                    toolTip="Step between windows")
        self.size_spin.valueChanged.connect(self.pool.set_size)
        self.stride_spin.valueChanged.connect(self.pool.set_stride)
        top = QHBoxLayout()
        top.addWidget(QLabel("Input:"))
        top.addWidget(self.source_combo, 1)
        top.addSpacing(12)
        top.addWidget(QLabel("window"))
        top.addWidget(self.size_spin)
        top.addWidget(QLabel("stride"))
        top.addWidget(self.stride_spin)
        self.coverage = QLabel(objectName="coverageNote")
        self.coverage.setWordWrap(True)

        # Tab 1: the three kinds of pooling.
        self.input_grid = MatrixGrid(shading="grey")
        self.input_grid.setObjectName("poolInputGrid")
        self.input_title = QLabel(objectName="poolInputTitle")
        self.grids: dict[str, MatrixGrid] = {}
        self.titles: dict[str, QLabel] = {}
        kinds = QGridLayout()
        kinds.setHorizontalSpacing(14)
        kinds.addWidget(self.input_title, 0, 0)
        kinds.addWidget(self.input_grid, 1, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        for column, (mode, title) in enumerate(MODES.items(), start=1):
            label = QLabel(objectName=f"{mode}Title")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            grid = MatrixGrid(shading="grey")
            grid.setObjectName(f"{mode}Grid")
            grid.cell_clicked.connect(lambda r, c, m=mode: self.pool.set_selection((m, r, c)))
            self.titles[mode] = label
            self.grids[mode] = grid
            kinds.addWidget(label, 0, column)
            kinds.addWidget(grid, 1, column, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        kinds.setRowStretch(2, 1)
        kinds.setColumnStretch(4, 1)
        self.arithmetic = QLabel(objectName="poolArithmetic")
        self.arithmetic.setWordWrap(True)
        self.arithmetic.setTextFormat(Qt.TextFormat.RichText)
        self.arithmetic.setStyleSheet("font-size: 13pt; background: #fff8ec; padding: 8px; border-radius: 4px;")
        kinds_page = QWidget()
        kinds_layout = QVBoxLayout(kinds_page)
        kinds_layout.addWidget(self.arithmetic)
        kinds_layout.addWidget(self.coverage)
        kinds_layout.addLayout(kinds, 1)
        kinds_scroll = QScrollArea()
        kinds_scroll.setWidget(kinds_page)
        kinds_scroll.setWidgetResizable(True)

        # Tab 2: stride 2 convolution vs convolution + 2x2 max pooling.
        self.kernel_combo = QComboBox(objectName="strideKernelCombo")
        self.kernel_combo.addItems(list(KERNELS))
        self.kernel_combo.setCurrentText("lecture: X kernel")
        self.kernel_combo.activated.connect(lambda _i: self._update_stride_tab())
        self.stride_grids = {key: MatrixGrid(shading="signed") for key in ("conv1", "conv2", "pooled")}
        for key, grid in self.stride_grids.items():
            grid.setObjectName(f"{key}StrideGrid")
        self.stride_input = MatrixGrid(shading="grey")
        self.stride_input.setObjectName("strideInputGrid")
        self.stride_titles = {key: QLabel(objectName=f"{key}StrideTitle") for key in ("input", "conv1", "conv2",
                                                                                          "pooled")}
        for label in self.stride_titles.values():
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
        stride_grid = QGridLayout()
        stride_grid.setHorizontalSpacing(14)
        stride_grid.addWidget(self.stride_titles["input"], 0, 0)
        stride_grid.addWidget(self.stride_input, 1, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        stride_grid.addWidget(self.stride_titles["conv2"], 0, 1)
        stride_grid.addWidget(self.stride_grids["conv2"], 1, 1, Qt.AlignmentFlag.AlignTop)
        stride_grid.addWidget(self.stride_titles["conv1"], 0, 2)
        stride_grid.addWidget(self.stride_grids["conv1"], 1, 2, Qt.AlignmentFlag.AlignTop)
        stride_grid.addWidget(self.stride_titles["pooled"], 0, 3)
        stride_grid.addWidget(self.stride_grids["pooled"], 1, 3, Qt.AlignmentFlag.AlignTop)
        stride_grid.setRowStretch(2, 1)
        stride_grid.setColumnStretch(4, 1)
        self.stride_note = QLabel(objectName="strideNote")
        self.stride_note.setWordWrap(True)
        self.stride_note.setTextFormat(Qt.TextFormat.RichText)
        stride_page = QWidget()
        stride_layout = QVBoxLayout(stride_page)
        kernel_row = QHBoxLayout()
        kernel_row.addWidget(QLabel("Kernel:"))
        kernel_row.addWidget(self.kernel_combo)
        kernel_row.addStretch(1)
        stride_layout.addLayout(kernel_row)
        stride_layout.addWidget(self.stride_note)
        stride_layout.addLayout(stride_grid, 1)
        stride_scroll = QScrollArea()
        stride_scroll.setWidget(stride_page)
        stride_scroll.setWidgetResizable(True)

        self.tabs = QTabWidget(objectName="poolingTabs")
        self.tabs.addTab(kinds_scroll, "Max, average and L2 pooling")
        self.tabs.addTab(stride_scroll, "Stride vs pooling")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(top)
        outer.addWidget(self.tabs, 1)

    # -- sources -------------------------------------------------------------
    def set_source(self, key: str) -> None:
        self.pool.source = key
        self.source_combo.setCurrentIndex(self.source_combo.findData(key))
        self._load_source()

    def _load_source(self) -> None:
        key = self.pool.source
        if key == "image" and self.app_state.image is not None:
            self.pool.set_input(feature_map_from(self.app_state.image))
        elif key == "drawing" and self.app_state.drawing is not None:
            self.pool.set_input(feature_map_from(self.app_state.drawing))
        elif key == "example":
            self.pool.set_input(EXAMPLE.copy())
        else:
            what = "no image is open" if key == "image" else "nothing is drawn yet (draw in the “Draw a digit” lesson)"
            self.app_state.post_message(f"Using the small example: {what}.")
            self.set_source("example")

    # -- state -> widgets ----------------------------------------------------
    def _cell_size(self, n: int, columns: int = 4) -> int:
        width = max(600, self.width() - 60)
        height = max(200, self.height() - 260)
        return int(np.clip(min((width / columns - 16) / max(n, 1), height / max(n, 1)), 8, 48))

    def _on_pool_changed(self) -> None:
        x, size, stride = self.pool.x, self.pool.size, self.pool.stride
        n = x.shape[0]
        cell = self._cell_size(n)
        self.input_grid.set_cell_size(cell)
        self.input_grid.set_values(x)
        self.input_title.setText(f"<b>Input feature map</b><br>{n}×{x.shape[1]}")
        out = self.pool.out_side(n)
        for mode, grid in self.grids.items():
            if out < 1:
                self.outputs[mode] = None
                grid.hide()
                self.titles[mode].setText(f"<b>{MODES[mode]}</b><br>window {size}×{size} does not fit "
                                          f"a {n}×{n} map")
                continue
            values = pool2d(x[None], size, stride, mode)[0]
            self.outputs[mode] = values
            grid.show()
            grid.set_cell_size(int(np.clip(cell * max(1, n / max(out, 1)) * 0.6, cell, 44)))
            # Max and average stay within the input's range; L2 can exceed it.
            levels = None if mode == "l2" else (float(x.min()), float(x.max()))
            grid.set_values(values, levels=levels)
            self.titles[mode].setText(f"<b>{MODES[mode]}</b>: {MODE_RULES[mode]}<br>"
                                      f"{describe_output_size(n, size, stride)} → {out}×{out}")
        self._update_coverage()
        selection = self.pool.selection
        if selection is not None and (out < 1 or selection[1] >= out or selection[2] >= out):
            selection = ("max", 0, 0) if out >= 1 else None
        self.pool.selection = None
        self.pool.set_selection(selection)
        self._update_stride_tab()

    def _update_coverage(self) -> None:
        x, size, stride = self.pool.x, self.pool.size, self.pool.stride
        n = x.shape[0]
        out = self.pool.out_side(n)
        if out < 1:
            self.coverage.setText("")
            return
        covered = np.zeros(x.shape, int)
        for r in range(out):
            for c in range(out):
                covered[r * stride : r * stride + size, c * stride : c * stride + size] += 1
        unseen = int((covered == 0).sum())
        if stride < size:
            text = (f"Stride {stride} &lt; window {size}: windows <b>overlap</b>; a pixel is used by up to "
                    f"{covered.max()} windows.")
        elif stride > size:
            text = (f"Stride {stride} &gt; window {size}: <b>gaps</b> between windows; "
                    f"{unseen} of {x.size} input values are never looked at.")
        else:
            text = f"Stride {stride} = window {size}: windows tile the map without overlap."
        if unseen and stride <= size:
            text += f" The last {n - ((out - 1) * stride + size)} row(s)/column(s) do not fill a window and are dropped."
        self.coverage.setText(text + " The clicked window is orange; its right and lower neighbours are blue and green.")

    def _on_selection_changed(self, selection) -> None:
        for grid in self.grids.values():
            grid.set_highlight("window", None)
        for name in ("window", "right", "below"):
            self.input_grid.set_highlight(name, None)
        if selection is None:
            self.arithmetic.setText("Click any output cell to see its window and arithmetic.")
            return
        mode, row, col = selection
        size, stride = self.pool.size, self.pool.stride
        step = pool_step(self.pool.x[None], size, row, col, stride=stride, mode=mode)
        self.grids[mode].set_highlight("window", [(row, col)])
        cells = [(step.top + i, step.left + j) for i in range(size) for j in range(size)]
        self.input_grid.set_highlight("window", cells)
        out = self.pool.out_side(self.pool.x.shape[0])
        for name, (dr, dc), color in (("right", (0, 1), NEIGHBOUR_COLORS[0]), ("below", (1, 0), NEIGHBOUR_COLORS[1])):
            r, c = row + dr, col + dc
            if r < out and c < out:
                self.input_grid.set_highlight(
                    name, [(r * stride + i, c * stride + j) for i in range(size) for j in range(size)], color)
        self.arithmetic.setText(
            f"<b>{MODES[mode]}</b>, output cell ({row}, {col}): window rows {step.top}–{step.top + size - 1}, "
            f"columns {step.left}–{step.left + size - 1}<br>{step.formula()}")

    def _update_stride_tab(self) -> None:
        x = self.pool.x
        kernel = KERNELS[self.kernel_combo.currentText()]
        k = kernel.shape[0]
        n = x.shape[0]
        cell = self._cell_size(n)
        self.stride_input.set_cell_size(cell)
        self.stride_input.set_values(x)
        self.stride_titles["input"].setText(f"<b>Input</b> {n}×{n}")
        if n < k:
            self.stride_note.setText(f"The {k}×{k} kernel does not fit the {n}×{n} input.")
            for grid in self.stride_grids.values():
                grid.hide()
            return
        conv1 = conv2d(x[None], kernel[None, None])[0]
        conv2 = conv2d(x[None], kernel[None, None], stride=2)[0]
        for grid in self.stride_grids.values():
            grid.show()
        self.stride_grids["conv2"].set_cell_size(int(np.clip(cell * 1.6, 8, 44)))
        self.stride_grids["conv2"].set_values(conv2)
        self.stride_titles["conv2"].setText(f"<b>Convolution, stride 2</b><br>{describe_output_size(n, k, 2)}"
                                            f" → {conv2.shape[0]}×{conv2.shape[1]}")
        self.stride_grids["conv1"].set_cell_size(cell)
        self.stride_grids["conv1"].set_values(conv1)
        self.stride_titles["conv1"].setText(f"<b>Convolution, stride 1</b><br>{describe_output_size(n, k, 1)}"
                                            f" → {conv1.shape[0]}×{conv1.shape[1]}")
        if min(conv1.shape) >= 2:
            pooled = pool2d(conv1[None], 2, mode="max")[0]
            self.stride_grids["pooled"].show()
            self.stride_grids["pooled"].set_cell_size(int(np.clip(cell * 1.6, 8, 44)))
            self.stride_grids["pooled"].set_values(pooled)
            self.stride_titles["pooled"].setText(
                f"<b>… then 2×2 max pooling</b><br>{describe_output_size(conv1.shape[0], 2, 2)}"
                f" → {pooled.shape[0]}×{pooled.shape[1]}")
            same = np.array_equal(pooled.shape, conv2.shape)
            self.stride_note.setText(
                f"Both paths shrink the {n}×{n} input about twice: the stride-2 convolution to "
                f"{conv2.shape[0]}×{conv2.shape[1]} by computing only every second position, convolution + "
                f"pooling to {pooled.shape[0]}×{pooled.shape[1]} by computing every position and keeping the "
                f"strongest of each 2×2 block{' (same size)' if same else ''}. Pooling costs "
                f"{conv1.size:,} kernel positions instead of {conv2.size:,}, but keeps a detail wherever it "
                "was in its block.")
        else:
            self.stride_grids["pooled"].hide()
            self.stride_titles["pooled"].setText("")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._on_pool_changed()

    # -- helpers for tests ---------------------------------------------------
    def output_text(self, mode: str, row: int, col: int) -> str:
        return self.grids[mode].cell_text(row, col)


def create(state: AppState, parent: QWidget | None = None) -> PoolingLesson:
    return PoolingLesson(state, parent)

