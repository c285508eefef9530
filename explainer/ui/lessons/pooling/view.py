"""The pooling lesson's page: max, average and L2 pooling side by side, and stride versus pooling.

Every output cell can be clicked to see its window and its arithmetic; the
values come from :func:`explainer.core.pool2d` / :func:`explainer.core.pool_step`,
window outlines from :func:`explainer.core.window_cells` and the coverage note
from :func:`explainer.core.window_coverage`. The page draws from
:class:`~.state.PoolingState`; widgets only call its setters.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ....core import KERNELS, POOL_MODES, describe_output_size, pool2d, pool_step, window_cells, window_coverage
from ...animation import Animation
from ...presenter import font_scale
from ...widgets.matrix_grid import MatrixGrid
from ...widgets.stride_comparison import PANELS, StrideComparison, fitting_cells
from ...workers import WorkResult
from ..base import Lesson
from .features import feature_map_from
from .state import PICTURE_MAP_SIDE, SIZE_RANGE, STRIDE_RANGE, PoolingState

MODES = {"max": "Max pooling", "avg": "Average pooling", "l2": "L2 pooling"}
MODE_RULES = {"max": "the largest value in the window", "avg": "the mean of the window",
              "l2": "the square root of the sum of squares"}
SOURCE_TEXTS = {
    "example": "Example feature map (click a number to change it)",
    "image": f"Feature map of the current image (vertical edges, {PICTURE_MAP_SIDE}×{PICTURE_MAP_SIDE})",
    "drawing": f"Feature map of your drawing (vertical strokes, {PICTURE_MAP_SIDE}×{PICTURE_MAP_SIDE})",
}
MISSING = {"image": "no image is open (open or drop one)",
           "drawing": "nothing is drawn yet (draw in the “Draw a digit” lesson)"}
NEIGHBOUR_COLORS = {"right": QColor(0, 114, 178), "below": QColor(0, 158, 115)}


def _rows(n: int, what: str) -> str:
    return f"the last {what}" if n == 1 else f"the last {n} {what}s"


def coverage_note(shape: tuple[int, int], size: int, stride: int) -> str:
    """Overlaps, gaps and dropped edges of ``size`` windows at ``stride`` on a map of ``shape``, in words."""
    counts = window_coverage(shape, size, stride)
    if not counts.any():
        return ""
    unseen = int((counts == 0).sum())
    if stride < size:
        text = (f"Stride {stride} &lt; window {size}: windows <b>overlap</b>; a value is used by up to "
                f"{counts.max()} windows.")
    elif stride > size:
        text = (f"Stride {stride} &gt; window {size}: <b>gaps</b> between windows; "
                f"{unseen} of {counts.size} input values are never looked at.")
    else:
        text = f"Stride {stride} = window {size}: windows tile the map without overlap."
    if unseen and stride <= size:
        # With no gaps, the only unread values are the last rows and columns no whole window reaches.
        rows = shape[0] - 1 - int(np.flatnonzero(counts.any(axis=1))[-1])
        cols = shape[1] - 1 - int(np.flatnonzero(counts.any(axis=0))[-1])
        edges = " and ".join(_rows(n, what) for n, what in ((rows, "row"), (cols, "column")) if n)
        text += f" {edges[0].upper()}{edges[1:]} do not fill a window and are dropped ({unseen} values)."
    return text + " The clicked window is orange; its right and lower neighbours are blue and green."


class PoolingLesson(Lesson):
    """Pooling kinds side by side, and a stride-2 convolution compared with convolution + pooling."""

    lesson_id = "pooling"

    def __init__(self, app_state, commands, state: PoolingState | None = None, parent: QWidget | None = None) -> None:
        super().__init__(app_state, commands, state or PoolingState(), parent)
        self.state: PoolingState
        self._features = self.make_runner(self._on_features_finished)
        self._build()
        events = self.state.events
        for signal in (events.x, events.size, events.stride, events.feature_map):
            signal.connect(self._render)
        events.source.connect(self._on_state_source_changed)
        events.selection.connect(self._render_selection)
        events.stride_kernel.connect(self._on_state_stride_kernel_changed)
        events.tab.connect(self._on_state_tab_changed)
        self.listen(app_state.events.image, self._on_app_image_changed)
        self.listen(app_state.events.drawing, self._on_app_drawing_changed)
        self._on_state_source_changed(self.state.source)
        self._on_state_stride_kernel_changed(self.state.stride_kernel)
        self._on_state_tab_changed(self.state.tab)

    # -- building ------------------------------------------------------------
    def _build(self) -> None:
        self.source_combo = QComboBox(objectName="poolSourceCombo")
        for key, text in SOURCE_TEXTS.items():
            self.source_combo.addItem(text, key)
        self.source_combo.activated.connect(self._on_source_combo_activated)
        self.reset_button = QPushButton("Reset example", objectName="poolResetButton",
                                        toolTip="Put the lesson's 8×8 example back")
        self.reset_button.clicked.connect(self.state.reset_example)
        self.size_spin = QSpinBox(objectName="poolSizeSpin", minimum=SIZE_RANGE[0], maximum=SIZE_RANGE[1],
                                  value=self.state.size, toolTip="Side of the pooling window")
        self.stride_spin = QSpinBox(objectName="poolStrideSpin", minimum=STRIDE_RANGE[0], maximum=STRIDE_RANGE[1],
                                    value=self.state.stride, toolTip="Step between windows")
        self.size_spin.valueChanged.connect(lambda v: self.state.set_window(size=v))
        self.stride_spin.valueChanged.connect(lambda v: self.state.set_window(stride=v))
        top = QHBoxLayout()
        top.addWidget(QLabel("Input:"))
        top.addWidget(self.source_combo, 1)
        top.addWidget(self.reset_button)
        top.addSpacing(12)
        for text, spin in (("window", self.size_spin), ("stride", self.stride_spin)):
            top.addWidget(QLabel(text))
            top.addWidget(spin)

        # Tab 1: the three kinds of pooling.
        self.input_grid = MatrixGrid(editable=True, shading="grey")
        self.input_grid.setObjectName("poolInputGrid")
        self.input_grid.value_edited.connect(self._on_input_value_edited)
        self.input_title = QLabel(objectName="poolInputTitle")
        self.input_title.setTextFormat(Qt.TextFormat.RichText)
        self.grids: dict[str, MatrixGrid] = {}
        self.titles: dict[str, QLabel] = {}
        kinds = QGridLayout()
        kinds.setHorizontalSpacing(14)
        kinds.addWidget(self.input_title, 0, 0)
        kinds.addWidget(self.input_grid, 1, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        for column, mode in enumerate(POOL_MODES, start=1):
            label = QLabel(objectName=f"{mode}Title", wordWrap=True, textFormat=Qt.TextFormat.RichText)
            grid = MatrixGrid(shading="grey")
            grid.setObjectName(f"{mode}Grid")
            grid.cell_clicked.connect(lambda r, c, m=mode: self.state.select(m, r, c))
            self.titles[mode], self.grids[mode] = label, grid
            kinds.addWidget(label, 0, column)
            kinds.addWidget(grid, 1, column, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        kinds.setRowStretch(2, 1)
        kinds.setColumnStretch(len(POOL_MODES) + 1, 1)
        self.arithmetic = QLabel(objectName="poolArithmetic", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.arithmetic.setStyleSheet("font-size: 13pt; background: #fff8ec; padding: 8px; border-radius: 4px;")
        self.coverage = QLabel(objectName="coverageNote", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        kinds_page = self.kinds_page = QWidget()
        kinds_layout = QVBoxLayout(kinds_page)
        kinds_layout.addWidget(self.arithmetic)
        kinds_layout.addWidget(self.coverage)
        kinds_layout.addLayout(kinds, 1)

        # Tab 2: stride-2 convolution vs convolution + 2x2 max pooling.
        self.kernel_combo = QComboBox(objectName="strideKernelCombo")
        self.kernel_combo.addItems(list(KERNELS))
        self.kernel_combo.activated.connect(
            lambda i: setattr(self.state, "stride_kernel", self.kernel_combo.itemText(i)))
        self.stride_view = StrideComparison()
        stride_page = QWidget()
        stride_layout = QVBoxLayout(stride_page)
        kernel_row = QHBoxLayout()
        kernel_row.addWidget(QLabel("Kernel:"))
        kernel_row.addWidget(self.kernel_combo)
        kernel_row.addStretch(1)
        stride_layout.addLayout(kernel_row)
        stride_layout.addWidget(self.stride_view, 1)

        self.tabs = QTabWidget(objectName="poolingTabs")
        for page, title in ((kinds_page, "Max, average and L2 pooling"), (stride_page, "Stride vs pooling")):
            scroll = QScrollArea()
            scroll.setWidget(page)
            scroll.setWidgetResizable(True)
            self.tabs.addTab(scroll, title)
        self.tabs.currentChanged.connect(lambda i: setattr(self.state, "tab", i))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(top)
        outer.addWidget(self.tabs, 1)

    # -- widgets -> state ----------------------------------------------------
    def _on_source_combo_activated(self, index: int) -> None:
        key = self.source_combo.itemData(index)
        if key in MISSING and self._picture(key) is None:
            self.commands.post_message(f"Keeping the current input: {MISSING[key]}.")
            with QSignalBlocker(self.source_combo):
                self.source_combo.setCurrentIndex(self.source_combo.findData(self.state.source))
            return
        self.state.set_source(key)

    def _on_input_value_edited(self, row: int, col: int, value: float) -> None:
        try:
            self.state.set_example_value(row, col, value)
        except ValueError as exc:
            self.commands.post_message(f"The value was not changed: {exc}.")

    # -- the picture's feature map (in a worker) -----------------------------
    def _picture(self, source: str) -> np.ndarray | None:
        return {"image": self.app_state.image, "drawing": self.app_state.drawing}.get(source)

    def _on_app_image_changed(self, *_args) -> None:
        if self.state.source == "image":
            self.when_shown("picture", self._request_features)

    def _on_app_drawing_changed(self, *_args) -> None:
        if self.state.source == "drawing":
            self.when_shown("picture", self._request_features)

    def _request_features(self) -> None:
        source = self.state.source
        picture = self._picture(source)
        if picture is None:
            self.state.feature_map = None
            self._render()  # the example stands in; the title says why
            return
        self._features.submit(feature_map_from, picture, context=(source, picture))

    def _on_features_finished(self, result: WorkResult) -> None:
        source, picture = result.context
        if source != self.state.source or picture is not self._picture(source):
            return  # the input changed since (e.g. back to the example, or the drawing was cleared)
        if result.error is not None:
            self.commands.post_message(f"Could not compute the feature map of the {source}: {result.error}", 10000)
            return
        self.state.feature_map = result.value

    # -- state -> widgets ----------------------------------------------------
    def _on_state_source_changed(self, source: str, *_old) -> None:
        with QSignalBlocker(self.source_combo):
            self.source_combo.setCurrentIndex(self.source_combo.findData(source))
        self.reset_button.setEnabled(source == "example")
        self.state.feature_map = None  # a map of the previous source must never show under this one
        self._render()
        if source != "example":
            self.when_shown("picture", self._request_features)

    def _on_state_stride_kernel_changed(self, name: str, *_old) -> None:
        with QSignalBlocker(self.kernel_combo):
            self.kernel_combo.setCurrentText(name)
        self._render_stride_tab()

    def _on_state_tab_changed(self, index: int, *_old) -> None:
        with QSignalBlocker(self.tabs):
            self.tabs.setCurrentIndex(index)

    @staticmethod
    def _output_cell(cell: int, rows: int, out_rows: int, largest: int) -> int:
        """An output grid's cell: larger than the input's when the output has fewer rows (up to ``largest``)."""
        return int(np.clip(cell * max(1, rows / max(out_rows, 1)) * 0.6, cell, max(largest, cell)))

    def _kinds_cells(self, shape: tuple[int, int], out_shape: tuple[int, int]) -> tuple[int, int]:
        """(input cell, output cell) in pixels: the largest (up to 48, ×1.5 with the presenter view's
        text) at which the input and the three pooled maps fit side by side across the lesson, under
        its header."""
        (h, w), (out_h, out_w) = shape, (max(out_shape[0], 0), max(out_shape[1], 0))
        scale = font_scale()
        width = max(600, self.width() - 60) - len(POOL_MODES) * 14  # the grid layout's spacing
        height = max(200, self.height() - round(260 * scale))
        largest, largest_out = round(48 * scale), round(44 * scale)
        for cell in range(largest, 8, -1):
            out_cell = self._output_cell(cell, h, out_h, largest_out)
            if (w * cell + len(POOL_MODES) * out_w * out_cell <= width and h * cell <= height
                    and out_h * out_cell <= height):
                return cell, out_cell
        return 8, self._output_cell(8, h, out_h, largest_out)

    def _input_title(self) -> str:
        source, x = self.state.source, self.state.input_map()
        shape = f"{x.shape[0]}×{x.shape[1]}"
        if source == "example":
            return f"<b>Input feature map</b><br>{shape} · click a number to change it"
        if self.state.feature_map is not None:
            return f"<b>Vertical edges of the {source}</b><br>{shape} (Sobel x, then ReLU)"
        why = MISSING[source] if self._picture(source) is None else f"computing the {source}'s feature map…"
        return f"<b>Input: the example</b> ({shape})<br>{why}"

    def _render(self, *_args) -> None:
        state = self.state
        x = state.input_map()
        size, stride = state.size, state.stride
        h, w = x.shape
        out_h, out_w = state.output_shape(x.shape)
        cell, out_cell = self._kinds_cells((h, w), (out_h, out_w))
        with QSignalBlocker(self.size_spin), QSignalBlocker(self.stride_spin):
            self.size_spin.setValue(size)
            self.stride_spin.setValue(stride)
        self.input_grid.editable = state.source == "example"
        self.input_grid.set_cell_size(cell)
        self.input_grid.set_values(x)
        self.input_title.setText(self._input_title())
        for mode, grid in self.grids.items():
            if out_h < 1 or out_w < 1:
                grid.hide()
                self.titles[mode].setText(f"<b>{MODES[mode]}</b><br>window {size}×{size} does not fit "
                                          f"a {h}×{w} map: make the window smaller")
                continue
            grid.set_cell_size(out_cell)
            # Max and average stay within the input's range; L2 can exceed it.
            levels = None if mode == "l2" else (float(x.min()), float(x.max()))
            grid.set_values(pool2d(x[None], size, stride, mode)[0], levels=levels)
            grid.show()
            size_text = describe_output_size(h, size, stride)
            if w != h:
                size_text += f" rows, {describe_output_size(w, size, stride)} columns"
            self.titles[mode].setText(f"<b>{MODES[mode]}</b>: {MODE_RULES[mode]}<br>{size_text} → {out_h}×{out_w}")
        self.coverage.setText(coverage_note((h, w), size, stride))
        self._render_selection()
        self._render_stride_tab()

    def _render_selection(self, *_args) -> None:
        state = self.state
        x = state.input_map()
        for grid in self.grids.values():
            grid.set_highlight("window", None)
        for name in ("window", "right", "below"):
            self.input_grid.set_highlight(name, None)
        if not state.selection_fits(x.shape):
            self.arithmetic.setText("Click any output cell to see its window and arithmetic.")
            return
        mode, row, col = state.selection
        size, stride = state.size, state.stride
        out_h, out_w = state.output_shape(x.shape)
        step = pool_step(x[None], size, row, col, stride=stride, mode=mode)
        self.grids[mode].set_highlight("window", [(row, col)])
        self.input_grid.set_highlight("window", window_cells(row, col, size, stride))
        for name, (r, c) in (("right", (row, col + 1)), ("below", (row + 1, col))):
            if r < out_h and c < out_w:
                self.input_grid.set_highlight(name, window_cells(r, c, size, stride), NEIGHBOUR_COLORS[name])
        self.arithmetic.setText(
            f"<b>{MODES[mode]}</b>, output cell ({row}, {col}): window rows {step.top}–{step.top + size - 1}, "
            f"columns {step.left}–{step.left + size - 1}<br>{step.formula()}")

    def _render_stride_tab(self, *_args) -> None:
        x = self.state.input_map()
        kernel, scale = KERNELS[self.state.stride_kernel], font_scale()
        width = max(600, self.width() - 60) - len(PANELS) * 14  # the grid layout's spacing
        height = max(200, self.height() - round(260 * scale))
        cell, big = fitting_cells(x.shape, kernel.shape[0], width, height, round(48 * scale), round(44 * scale))
        self.stride_view.show_maps(x, kernel, cell, big)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._render()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the presenter view: the grids' room changes with the text
            self._render()

    # -- animation -------------------------------------------------------------
    def animations(self) -> list[Animation]:
        """The pooling window sweeping the map, a frame per output cell of the selected kind (max by default)."""
        out_h, out_w = self.state.output_shape()
        cells = max(0, out_h) * max(0, out_w)
        mode = self.state.selection[0] if self.state.selection is not None else "max"

        def show(index: int) -> None:
            self.state.select(mode, *divmod(index, out_w))

        def start() -> None:
            self.state.tab = 0  # the three kinds side by side

        why = "" if cells else "The window does not fit the map, so there is no output to sweep: make it smaller."
        def region():  # the explanation and the grids, without the empty page below them
            return self.kinds_page.childrenRect().adjusted(-6, -6, 6, 6).intersected(self.kinds_page.rect())

        return [Animation(f"The {MODES[mode].lower()} window sweeping the map", cells, show, self.kinds_page,
                          unit="window", fps=2, unavailable=why, region=region, start=start, busy=self.is_busy)]

    # -- helpers for tests ---------------------------------------------------
    def output_text(self, mode: str, row: int, col: int) -> str:
        return self.grids[mode].cell_text(row, col)
