"""Step a transposed convolution: each input cell stamps a scaled copy of the kernel into the output.

The widget draws a :class:`~explainer.ui.widgets.transposed_stepper_state.TransposedStepperState`
and calls its setters; it owns no data. The partial output, the stamp counts
and the newest stamp come from :mod:`explainer.core` through the state.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ...core import format_number, transposed_stamps
from .matrix_grid import MatrixGrid
from .transposed_stepper_state import KERNEL_SIZES, PADDINGS, STRIDES, TransposedStepperState

#: Kernel sizes compared under the stepper (stride 2 over a 3×3 input of ones).
COMPARED_KERNELS = (3, 4)


class TransposedStepper(QWidget):
    """Spin boxes for kernel size, stride and padding, step buttons, and the input, kernel, output and count grids.

    Parameters
    ----------
    state : TransposedStepperState
        What to show; edits go back to it through its setters.

    Attributes
    ----------
    partial, counts : ndarray
        The output after ``state.step`` stamps and the stamps covering each output cell, as shown
        (empty arrays while the setting is impossible).
    """

    def __init__(self, state: TransposedStepperState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.partial = np.zeros((0, 0))
        self.counts = np.zeros((0, 0), np.int64)
        self.size_spin = QSpinBox(objectName="tconvKernelSpin", minimum=KERNEL_SIZES[0], maximum=KERNEL_SIZES[1])
        self.stride_spin = QSpinBox(objectName="tconvStrideSpin", minimum=STRIDES[0], maximum=STRIDES[1])
        self.padding_spin = QSpinBox(objectName="tconvPaddingSpin", minimum=PADDINGS[0], maximum=PADDINGS[1])
        self.size_spin.valueChanged.connect(self._on_size_spin_value_changed)
        self.stride_spin.valueChanged.connect(self._on_stride_spin_value_changed)
        self.padding_spin.valueChanged.connect(self._on_padding_spin_value_changed)
        self.back_button = QPushButton("◀ Step", objectName="tconvBackButton")
        self.next_button = QPushButton("Step ▶", objectName="tconvStepButton")
        self.all_button = QPushButton("All stamps", objectName="tconvAllButton")
        self.back_button.clicked.connect(lambda: state.set_step(state.step - 1))
        self.next_button.clicked.connect(lambda: state.set_step(state.step + 1))
        self.all_button.clicked.connect(lambda: state.set_step(state.input.size))
        self.input_grid = MatrixGrid(editable=True, shading="grey")
        self.input_grid.setObjectName("tconvInput")
        self.kernel_grid = MatrixGrid(editable=True, shading="signed")
        self.kernel_grid.setObjectName("tconvKernel")
        self.output_grid = MatrixGrid(shading="grey")
        self.output_grid.setObjectName("tconvOutput")
        self.count_grid = MatrixGrid(shading="grey")
        self.count_grid.setObjectName("tconvCounts")
        self.input_grid.value_edited.connect(self._on_input_grid_value_edited)
        self.kernel_grid.value_edited.connect(self._on_kernel_grid_value_edited)
        self.formula = QLabel(objectName="tconvFormula", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.formula.setStyleSheet("font-size: 12pt;")
        self.stamp_text = QLabel(objectName="tconvStampText", wordWrap=True)
        self.compare = {k: MatrixGrid(shading="grey") for k in COMPARED_KERNELS}
        self._build_layout()
        for k, grid in self.compare.items():  # fixed pictures: the overlap counts of two kernel sizes
            counts = transposed_stamps(np.ones((3, 3)), np.ones((k, k)), stride=2)[1]
            grid.set_cell_size(24)
            grid.set_values(counts, levels=(0, 4))
        for name in ("input", "kernel", "stride", "padding", "step"):
            getattr(state.events, name).connect(self._on_state_changed)
        self._on_state_changed()

    def _build_layout(self) -> None:
        controls = QHBoxLayout()
        for label, widget in (("kernel", self.size_spin), ("stride", self.stride_spin),
                              ("padding", self.padding_spin)):
            controls.addWidget(QLabel(label))
            controls.addWidget(widget)
        controls.addSpacing(12)
        for button in (self.back_button, self.next_button, self.all_button):
            controls.addWidget(button)
        controls.addStretch(1)
        grids = QGridLayout()
        titles = ("input (click to edit)", "kernel (click to edit)", "output so far", "stamps covering each pixel")
        for col, (title, grid) in enumerate(zip(titles, (self.input_grid, self.kernel_grid, self.output_grid,
                                                          self.count_grid))):
            grids.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
            grids.addWidget(grid, 1, col, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grids.setColumnStretch(len(titles), 1)
        compare = QHBoxLayout()
        for k, grid in self.compare.items():
            box = QVBoxLayout()
            box.addWidget(QLabel(f"<b>stride 2, kernel {k}</b>: stamps per pixel"))
            box.addWidget(grid, 0, Qt.AlignmentFlag.AlignLeft)
            compare.addLayout(box)
        compare.addStretch(1)
        self.compare_note = QLabel(
            "With stride 2, a 3×3 kernel's stamps overlap on every other row and column. The uneven "
            "checkerboard of counts (1, 2, 4) turns into checkerboard artefacts. A 4×4 kernel (a multiple of the "
            "stride, as FCN's bilinear upsamplers use) covers the inside evenly.", wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.formula)
        layout.addWidget(self.stamp_text)
        layout.addLayout(grids)
        layout.addWidget(self.compare_note)
        layout.addLayout(compare)
        layout.addStretch(1)

    # -- widget → state ---------------------------------------------------------
    def _on_input_grid_value_edited(self, row: int, col: int, value: float) -> None:
        self._edit(self.state.edit_input, row, col, value)

    def _on_kernel_grid_value_edited(self, row: int, col: int, value: float) -> None:
        self._edit(self.state.edit_kernel, row, col, value)

    def _edit(self, setter, row: int, col: int, value: float) -> None:
        try:
            setter(row, col, value)
        except ValueError as exc:  # e.g. 1e300: say so, keep the old value
            self.stamp_text.setText(f"Not used: {exc}.")

    def _on_size_spin_value_changed(self, value: int) -> None:
        self.state.set_kernel_size(value)

    def _on_stride_spin_value_changed(self, value: int) -> None:
        self.state.stride = int(value)

    def _on_padding_spin_value_changed(self, value: int) -> None:
        self.state.padding = int(value)

    # -- state → widget ---------------------------------------------------------
    def _on_state_changed(self, *_) -> None:
        state = self.state
        for spin, value in ((self.size_spin, state.kernel.shape[0]), (self.stride_spin, state.stride),
                            (self.padding_spin, state.padding)):
            with QSignalBlocker(spin):
                spin.setValue(int(value))
        self.input_grid.set_cell_size(40)
        self.input_grid.set_values(state.input)
        self.kernel_grid.set_cell_size(40)
        self.kernel_grid.set_values(state.kernel)
        n, k, s, p = state.input.shape[0], state.kernel.shape[0], state.stride, state.padding
        try:
            out_side = state.output_side()
            self.partial, self.counts = state.stamps()
            stamp = state.last_stamp()
        except ValueError as exc:
            self.partial, self.counts = np.zeros((0, 0)), np.zeros((0, 0), np.int64)
            self.formula.setText(f"<b>Impossible setting:</b> {exc}")
            self.stamp_text.setText("Lower the padding or use a larger kernel.")
            self.input_grid.set_highlight("window", None)
            self.output_grid.hide()
            self.count_grid.hide()
            return
        self.output_grid.show()
        self.count_grid.show()
        self.formula.setText(f"o = s(i − 1) + k − 2p + output_padding = {s}·({n} − 1) + {k} − 2·{p} + 0 = "
                             f"<b>{out_side}</b>  (from <code>explainer.core.transposed_stamps</code>)")
        cell = int(np.clip(300 / out_side, 16, 40))
        self.output_grid.set_cell_size(cell)
        self.output_grid.set_values(self.partial)
        self.count_grid.set_cell_size(cell)
        self.count_grid.set_values(self.counts, levels=(0, max(1.0, float(self.counts.max()))))
        if stamp is None:
            self.input_grid.set_highlight("window", None)
            self.output_grid.set_highlight("window", None)
            self.stamp_text.setText("Press Step to stamp the first input cell." if state.step == 0 else "")
            return
        r, c, cells = stamp
        value = format_number(state.input[r, c])
        self.input_grid.set_highlight("window", [(r, c)])
        self.output_grid.set_highlight("window", cells)
        self.stamp_text.setText(f"Stamp {state.step} of {state.input.size}: input cell ({r}, {c}) = {value} adds "
                                f"{value} × kernel at output rows {r * s - p}…, columns {c * s - p}… (stride {s}).")
