"""One row per input channel: the channel ⊙ its kernel slice = the products, and their sum Σ.

This is the lecture's picture of a convolution on an RGB image: each channel
has its own k×k slice of the kernel, the window of the channel is multiplied
element by element with it, and the products are summed. The widget only
shows what it is given (values, the window, the products and sums) and
reports clicks, edits and hovers; it owns no data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from ...core import format_number
from .matrix_grid import MatrixGrid

#: Shading of a channel's largest value, by channel name (others are grey).
CHANNEL_TINTS = {"Red": QColor(200, 70, 60), "Green": QColor(60, 150, 70), "Blue": QColor(60, 100, 200)}
GREY = QColor(120, 120, 120)
#: Room taken by a row's name, its symbols, its sum and the spacing (pixels).
ROW_CHROME_WIDTH = 240


@dataclass
class _Row:
    name: QLabel
    input: MatrixGrid
    kernel: MatrixGrid
    products: MatrixGrid
    sum: QLabel
    widgets: list[QWidget]


class ChannelRows(QWidget):
    """A grid of channel rows: name | padded input | ⊙ kernel slice over = products | Σ.

    Child names (for tests and styling): ``channelName{c}``, ``inputGrid{c}``,
    ``kernelGrid{c}``, ``productsGrid{c}``, ``channelSum{c}``.

    Signals
    -------
    input_edited(int, int, int, float)
        Channel, row, column (padded coordinates) and the value typed into an input cell.
    weight_edited(int, int, int, float)
        Channel, row, column and the value typed into a kernel cell.
    input_hovered(int, object)
        Channel and the (row, col) under the mouse (padded coordinates), or None.
    """

    input_edited = Signal(int, int, int, float)
    weight_edited = Signal(int, int, int, float)
    input_hovered = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[_Row] = []
        self._layout = QGridLayout(self)
        self._layout.setHorizontalSpacing(8)
        self._layout.setVerticalSpacing(10)
        self._layout.setColumnStretch(4, 1)

    # -- content ----------------------------------------------------------------
    def set_channels(self, names) -> None:
        """One row per name; rows are rebuilt only when their number changes."""
        names = list(names)
        if len(names) != len(self.rows):
            self._rebuild(len(names))
        for row, name in zip(self.rows, names):
            row.name.setText(name)
            row.input.tint = CHANNEL_TINTS.get(name, GREY)

    def set_inputs(self, padded: np.ndarray, padding: int) -> None:
        """The input channels (C, H + 2p, W + 2p) with their zero border of ``padding``."""
        for c, row in enumerate(self.rows):
            row.input.set_values(padded[c], padding=padding)

    def set_kernels(self, slices: np.ndarray) -> None:
        """The stepped kernel's slices (C, k, k)."""
        for c, row in enumerate(self.rows):
            row.kernel.set_values(slices[c])

    def set_step(self, window, products: np.ndarray | None, sums: np.ndarray | None) -> None:
        """Outline ``window`` (list of padded (row, col)) on every channel; show products (C, k, k) and Σ.

        ``products`` None clears the step (no output cell to explain).
        """
        for c, row in enumerate(self.rows):
            row.input.set_highlight("window", window)
            if products is None:
                row.products.set_values(np.zeros_like(row.kernel.values))
                row.sum.setText("Σ = —")
            else:
                row.products.set_values(products[c])
                row.sum.setText(f"Σ = {format_number(sums[c])}")

    def set_hover_window(self, cells) -> None:
        """Outline ``cells`` (an output cell's window, hovered elsewhere) on every channel; empty clears."""
        for row in self.rows:
            row.input.set_highlight("hover", cells)

    # -- sizing -----------------------------------------------------------------
    def fit(self, width: int, height: int) -> None:
        """Size the cells so every row fits ``width`` × ``height``, numbers as large as possible."""
        if not self.rows:
            return
        rows, cols = self.rows[0].input.values.shape
        k = self.rows[0].kernel.values.shape[0]
        channels = len(self.rows)
        avail_w = max(200, width - ROW_CHROME_WIDTH)
        avail_h = max(100, (height - 24 - 12 * channels) / channels)
        # Kernel and product cells (stacked) stay readable, numbers like −0.25, while
        # the input keeps at least 8 px per cell; the input takes the rest.
        kernel_cell = int(np.clip((avail_h - 6) / (2 * k), 14, 36 if k <= 5 else 26))
        while kernel_cell > 14 and (avail_w - k * kernel_cell) / cols < 8:
            kernel_cell -= 2
        cell = int(np.clip(min(avail_h / rows, (avail_w - k * kernel_cell) / cols), 6, 52))
        # Kernel cells as large as the input's when there is room left beside it.
        kernel_cell = max(kernel_cell, min(cell, 36, int((avail_w - cols * cell) / k)))
        for row in self.rows:
            row.input.set_cell_size(cell)
            row.kernel.set_cell_size(kernel_cell)
            row.products.set_cell_size(kernel_cell)

    # -- building ---------------------------------------------------------------
    def _rebuild(self, channels: int) -> None:
        for row in self.rows:
            for widget in row.widgets:
                self._layout.removeWidget(widget)
                widget.setParent(None)
                widget.deleteLater()
        self.rows = [self._make_row(c) for c in range(channels)]
        for r in range(self._layout.rowCount()):
            self._layout.setRowStretch(r, 0)
        self._layout.setRowStretch(channels, 1)

    def _make_row(self, c: int) -> _Row:
        name = QLabel(objectName=f"channelName{c}")
        name.setStyleSheet("font-weight: 600;")
        name.setWordWrap(True)
        name.setFixedWidth(64)
        grid = MatrixGrid(editable=True, shading="grey")
        grid.setObjectName(f"inputGrid{c}")
        kernel = MatrixGrid(editable=True, shading="signed")
        kernel.setObjectName(f"kernelGrid{c}")
        products = MatrixGrid(shading="signed")
        products.setObjectName(f"productsGrid{c}")
        channel_sum = QLabel(objectName=f"channelSum{c}")
        channel_sum.setStyleSheet("font-size: 13pt;")
        channel_sum.setMinimumWidth(100)
        grid.value_edited.connect(lambda r, col, v, ch=c: self.input_edited.emit(ch, r, col, v))
        grid.cell_hovered.connect(lambda cell, ch=c: self.input_hovered.emit(ch, cell))
        kernel.value_edited.connect(lambda r, col, v, ch=c: self.weight_edited.emit(ch, r, col, v))
        # The kernel slice above its products, so wide inputs leave room for readable numbers.
        stack = QWidget()
        stack_layout = QGridLayout(stack)
        stack_layout.setContentsMargins(0, 0, 0, 0)
        stack_layout.setSpacing(4)
        for line, (symbol, matrix) in enumerate((("⊙", kernel), ("=", products))):
            label = QLabel(symbol)
            label.setStyleSheet("font-size: 18pt; color: #555;")
            stack_layout.addWidget(label, line, 0)
            stack_layout.addWidget(matrix, line, 1, Qt.AlignmentFlag.AlignLeft)
        widgets = [name, grid, stack, channel_sum]
        for column, widget in enumerate(widgets):
            self._layout.addWidget(widget, c, column, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        return _Row(name, grid, kernel, products, channel_sum, widgets)
