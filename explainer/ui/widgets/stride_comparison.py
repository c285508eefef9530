"""Two ways to shrink a map side by side: a stride-2 convolution, and convolution + 2×2 max pooling.

The lecture: "we can use a stride of 2 for downsampling an image similar to
MaxPooling". Given an input map and a kernel, the widget shows the input, the
stride-2 convolution, the stride-1 convolution and its 2×2 max pooling, each
with the output-size formula, and a note comparing sizes and costs. All values
come from :func:`explainer.core.conv2d` and :func:`explainer.core.pool2d`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ...core import conv2d, describe_output_size, pool2d
from .matrix_grid import MatrixGrid

#: The panels, left to right.
PANELS = ("input", "conv2", "conv1", "pooled")


class StrideComparison(QWidget):
    """Input, stride-2 convolution, stride-1 convolution and its 2×2 max pooling.

    Attributes
    ----------
    grids : dict[str, MatrixGrid]
        By panel: "input", "conv2" (stride 2), "conv1" (stride 1), "pooled".
    titles : dict[str, QLabel]
    note : QLabel
        The comparison in words (or why the kernel does not fit).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grids = {key: MatrixGrid(shading="grey" if key == "input" else "signed") for key in PANELS}
        self.titles = {key: QLabel(objectName=f"{key}StrideTitle") for key in PANELS}
        for key in PANELS:
            self.grids[key].setObjectName(f"{key}StrideGrid")
            self.titles[key].setWordWrap(True)
            self.titles[key].setTextFormat(Qt.TextFormat.RichText)
        self.note = QLabel(objectName="strideNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        for column, key in enumerate(PANELS):
            grid.addWidget(self.titles[key], 0, column)
            grid.addWidget(self.grids[key], 1, column, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grid.setRowStretch(2, 1)
        grid.setColumnStretch(len(PANELS), 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addLayout(grid, 1)

    def show_maps(self, x: np.ndarray, kernel: np.ndarray, cell: int = 32, big: int | None = None) -> None:
        """Compare both paths for the 2-D map ``x`` and the square ``kernel``.

        ``cell`` sizes the input grid and the stride-1 output, ``big`` the two smaller outputs
        (default: 1.6 × ``cell``, at most 44 px); :func:`fitting_cells` finds both for a given room.
        """
        x = np.asarray(x, dtype=np.float64)
        kernel = np.asarray(kernel, dtype=np.float64)
        h, w = x.shape
        k = kernel.shape[0]
        self.grids["input"].set_cell_size(cell)
        self.grids["input"].set_values(x)
        self.titles["input"].setText(f"<b>Input</b><br>{h}×{w}")
        if h < k or w < k:
            self.note.setText(f"The {k}×{k} kernel does not fit the {h}×{w} input: pick a smaller kernel "
                              "or a larger input.")
            for key in PANELS[1:]:
                self.grids[key].hide()
                self.titles[key].setText("")
            return
        conv1 = conv2d(x[None], kernel[None, None])[0]
        conv2 = conv2d(x[None], kernel[None, None], stride=2)[0]
        big = int(np.clip(cell * 1.6, 8, 44)) if big is None else int(big)
        self._show("conv2", conv2, big, f"<b>Convolution, stride 2</b><br>{describe_output_size(h, k, 2)}")
        self._show("conv1", conv1, cell, f"<b>Convolution, stride 1</b><br>{describe_output_size(h, k, 1)}")
        if min(conv1.shape) < 2:
            self.grids["pooled"].hide()
            self.titles["pooled"].setText("<b>… then 2×2 max pooling</b><br>the stride-1 output is too small "
                                          "for a 2×2 window")
            self.note.setText(f"The stride-2 convolution shrinks the {h}×{w} input to "
                              f"{conv2.shape[0]}×{conv2.shape[1]}; the stride-1 output is too small to pool.")
            return
        pooled = pool2d(conv1[None], 2, mode="max")[0]
        self._show("pooled", pooled, big,
                   f"<b>… then 2×2 max pooling</b><br>{describe_output_size(conv1.shape[0], 2, 2)}")
        same = " (the same size)" if pooled.shape == conv2.shape else ""
        self.note.setText(
            f"Both paths shrink the {h}×{w} input about twice: the stride-2 convolution to "
            f"{conv2.shape[0]}×{conv2.shape[1]} by computing only every second position, convolution + "
            f"pooling to {pooled.shape[0]}×{pooled.shape[1]} by computing every position and keeping the "
            f"strongest of each 2×2 block{same}. Pooling costs {conv1.size:,} kernel positions instead of "
            f"{conv2.size:,}, but keeps a detail wherever it was in its block.")

    def _show(self, key: str, values: np.ndarray, cell: int, title: str) -> None:
        grid = self.grids[key]
        grid.set_cell_size(cell)
        grid.set_values(values)
        grid.show()
        self.titles[key].setText(f"{title} → {values.shape[0]}×{values.shape[1]}")


def fitting_cells(shape: tuple[int, int], k: int, width: float, height: float, largest: int = 48,
                  largest_big: int = 44) -> tuple[int, int]:
    """(cell, big): the largest cells (``cell`` ≤ ``largest``) at which :class:`StrideComparison`'s four
    grids for a ``shape`` input and a ``k``×``k`` kernel fit side by side in ``width`` × ``height`` pixels.

    ``big``, for the two smaller outputs, is 1.6 × ``cell`` up to ``largest_big`` (never below ``cell``).
    """
    h, w = shape
    conv1 = (h - k + 1, w - k + 1)
    conv2 = ((h - k) // 2 + 1, (w - k) // 2 + 1)
    pooled = (conv1[0] // 2, conv1[1] // 2)
    fits = h >= k and w >= k
    for cell in range(int(largest), 8, -1):
        big = int(np.clip(cell * 1.6, 8, max(largest_big, cell)))
        across = w * cell + (conv2[1] * big + conv1[1] * cell + pooled[1] * big if fits else 0)
        tallest = max([h * cell, *((conv1[0] * cell, conv2[0] * big, pooled[0] * big) if fits else ())])
        if across <= width and tallest <= height:
            return cell, big
    return 8, int(np.clip(8 * 1.6, 8, max(largest_big, 8)))
