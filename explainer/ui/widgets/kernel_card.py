"""One kernel at work: an editable kernel, the feature map it makes, and that map pooled.

The card owns no data: the view hands it the kernel (name and values) and the
maps to show, and the card reports what the user did through its signals.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .fast_image import FastImageItem
from .maps import SIGNED_CMAP, ClickableImageItem, colormap, outline
from .matrix_grid import MatrixGrid

#: Largest side of the kernel editor in pixels (cells are at most 30 px).
GRID_SIDE = 100


class KernelCard(QFrame):
    """A kernel editor beside its feature map (with colour bar) and its pooled map.

    Parameters
    ----------
    index : int
        Which kernel this card shows; every signal carries it.
    presets : sequence of str
        Names offered in the preset box.
    custom_name : str
        Shown when the kernel was edited by hand (choosing it does nothing).

    Signals
    -------
    preset_chosen(int, str)
        (index, preset name) picked in the box.
    value_edited(int, int, int, float)
        (index, row, col, value) typed or painted into the kernel.
    cell_hovered(int, object)
        (index, (row, col)) of the feature-map cell under the mouse, or (index, None).
    """

    preset_chosen = Signal(int, str)
    value_edited = Signal(int, int, int, float)
    cell_hovered = Signal(int, object)

    def __init__(self, index: int, presets: Sequence[str], custom_name: str = "custom",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.presets = tuple(presets)
        self.map_values: np.ndarray | None = None
        self._hovered: tuple[int, int] | None = None
        self.setObjectName(f"kernelCard{index}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.combo = QComboBox(objectName=f"kernelPreset{index}")
        self.combo.addItems(list(self.presets))
        self.combo.addItem(custom_name)
        self.combo.activated.connect(self._on_combo_activated)
        self.grid = MatrixGrid(editable=True, shading="signed")
        self.grid.setObjectName(f"kernelEditor{index}")
        self.grid.set_cell_size(30)
        self.grid.value_edited.connect(lambda row, col, value: self.value_edited.emit(self.index, row, col, value))

        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setMinimumHeight(120)
        self.map_view = self._view(0)
        self.map_image = ClickableImageItem(axisOrder="row-major")
        self.map_image.setColorMap(colormap(SIGNED_CMAP))
        self.map_image.hover_handler = self._on_map_hovered
        self.map_view.addItem(self.map_image)
        self.bar = pg.ColorBarItem(colorMap=colormap(SIGNED_CMAP), values=(-1, 1), interactive=False, width=10)
        self.bar.setImageItem(self.map_image)
        self.plots.addItem(self.bar, row=0, col=1)
        self.pool_view = self._view(2)
        self.pool_image = FastImageItem(axisOrder="row-major")
        self.pool_image.setColorMap(colormap(SIGNED_CMAP))
        self.pool_view.addItem(self.pool_image)
        self.plots.ci.layout.setColumnStretchFactor(0, 2)
        self.plots.ci.layout.setColumnStretchFactor(2, 2)
        self.hover_mark = outline("#ffffff", 1.5)
        self.map_view.addItem(self.hover_mark)
        self.map_title = QLabel(objectName=f"mapTitle{index}")
        self.pool_title = QLabel(objectName=f"poolTitle{index}")
        self.caption = QLabel(objectName=f"mapCaption{index}", wordWrap=True)

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

    def _view(self, col: int) -> pg.ViewBox:
        view = self.plots.addViewBox(row=0, col=col, lockAspect=True, invertY=True, enableMenu=False)
        view.setMouseEnabled(False, False)
        return view

    # -- content ----------------------------------------------------------------
    def set_kernel(self, name: str, values: np.ndarray) -> None:
        """Show the kernel's preset name (or the custom entry) and its values."""
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(self.combo.findText(name) if name in self.presets else self.combo.count() - 1)
        # Bigger kernels get smaller cells, so four cards still fit one screen.
        self.grid.set_cell_size(min(30, max(16, GRID_SIDE // max(values.shape))))
        self.grid.set_values(values)

    def set_paint_value(self, value: float | None) -> None:
        """Clicks and drags on the kernel write ``value``; None: clicks open an editor."""
        self.grid.paint_value = value

    def show_maps(self, fmap: np.ndarray, pooled: np.ndarray, pool: int, limit: float, caption: str) -> None:
        """Show a feature map and its ``pool``×``pool`` max-pooled map in colours ±``limit``."""
        levels = (-limit, limit)
        self.map_values = fmap
        self.map_image.setImage(np.asarray(fmap, dtype=np.float32), autoLevels=False, levels=levels)
        self.bar.setLevels(levels)
        frame = QRectF(0, 0, fmap.shape[1], fmap.shape[0])
        self.map_view.setRange(frame, padding=0.02)
        if pooled.size:
            self.pool_image.setImage(np.asarray(pooled, dtype=np.float32), autoLevels=False, levels=levels)
        else:
            self.pool_image.clear()
        # The pooled map on the feature map's pixel scale, so the shrinking is visible.
        self.pool_view.setRange(frame, padding=0.02)
        self.map_title.setText(f"<b>feature map</b> {fmap.shape[0]}×{fmap.shape[1]}")
        self.pool_title.setText(f"<b>{pool}×{pool} max-pooled</b> {pooled.shape[0]}×{pooled.shape[1]}"
                                if pooled.size else f"<b>{pool}×{pool} max-pooled</b>: the map is too small")
        self.caption.setText(caption)

    def clear_maps(self, caption: str) -> None:
        """No maps to show (no input yet, or they could not be computed): say why."""
        self.map_values = None
        self.map_image.clear()
        self.pool_image.clear()
        self.hover_mark.hide()
        self.map_title.setText("<b>feature map</b>")
        self.pool_title.setText("<b>max-pooled</b>")
        self.caption.setText(caption)

    def mark_cell(self, cell: tuple[int, int] | None) -> None:
        """Outline one feature-map cell (row, col); None hides the outline."""
        if cell is None:
            self.hover_mark.hide()
        else:
            self.hover_mark.setRect(QRectF(cell[1], cell[0], 1, 1))
            self.hover_mark.show()

    # -- user input ---------------------------------------------------------------
    def _on_combo_activated(self, row: int) -> None:
        name = self.combo.itemText(row)
        if name in self.presets:
            self.preset_chosen.emit(self.index, name)

    def _on_map_hovered(self, y, x) -> None:
        """``y``, ``x`` in map pixels from the image item, or None when the mouse leaves."""
        cell = None
        if y is not None and self.map_values is not None:
            row, col = int(np.floor(y)), int(np.floor(x))
            if 0 <= row < self.map_values.shape[0] and 0 <= col < self.map_values.shape[1]:
                cell = (row, col)
        if cell != self._hovered:
            self._hovered = cell
            self.cell_hovered.emit(self.index, cell)
