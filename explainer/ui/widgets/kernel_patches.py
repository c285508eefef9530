"""A first layer's kernels as small RGB patches, the way they are usually shown; click one to pick it."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Signal

from .maps import ClickableImageItem, outline


def kernel_patch_image(weights: np.ndarray, rows: int = 2) -> tuple[np.ndarray, int]:
    """Tile kernels (K, C, k, k) into one RGB picture, grey meaning 0; returns (picture, columns).

    Each kernel is scaled by its own largest magnitude (0.5 ± 0.5), as is usual
    for RGB kernels; a kernel with other than 3 input channels is shown grey
    (the mean over its channels).
    """
    weights = np.asarray(weights, dtype=np.float32)
    count, channels, k = weights.shape[0], weights.shape[1], weights.shape[-1]
    columns = max(1, math.ceil(count / rows))
    rows = max(1, math.ceil(count / columns))
    picture = np.ones((rows * (k + 1) - 1, columns * (k + 1) - 1, 3), np.float32)
    for i, kernel in enumerate(weights):
        rgb = kernel.transpose(1, 2, 0) if channels == 3 else np.repeat(kernel.mean(0)[:, :, None], 3, axis=2)
        rgb = 0.5 + 0.5 * rgb / (np.abs(rgb).max() or 1.0)
        r, c = divmod(i, columns)
        picture[r * (k + 1) : r * (k + 1) + k, c * (k + 1) : c * (k + 1) + k] = rgb
    return picture, columns


class KernelPatches(QObject):
    """A titled ViewBox of kernel patches (not a widget: add ``title`` and ``view`` to a pyqtgraph layout).

    Signals
    -------
    patch_clicked(int)
        Index of the clicked kernel.
    """

    patch_clicked = Signal(int)

    def __init__(self, title: str = "", rows: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = pg.LabelItem(title, size="9pt")
        self.view = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view.setMouseEnabled(False, False)
        self.image = ClickableImageItem(axisOrder="row-major")
        self.image.click_handler = self._on_image_clicked
        self.view.addItem(self.image)
        self.selection = outline()
        self.view.addItem(self.selection)
        self.rows = rows
        self.count = 0
        self.columns = 1
        self.size = 1

    def set_kernels(self, weights: np.ndarray) -> None:
        """Show kernels (K, C, k, k)."""
        picture, self.columns = kernel_patch_image(weights, self.rows)
        self.count, self.size = int(weights.shape[0]), int(weights.shape[-1])
        self.image.setImage(picture, autoLevels=False, levels=(0, 1))
        self.view.setRange(QRectF(0, 0, picture.shape[1], picture.shape[0]), padding=0.02)

    def patch_at(self, y: float, x: float) -> int | None:
        """Index of the kernel under picture point (y=row, x=column), or None in a gap or outside."""
        step = self.size + 1
        if y < 0 or x < 0 or int(y) % step == self.size or int(x) % step == self.size:
            return None
        r, c = int(y) // step, int(x) // step
        index = r * self.columns + c
        return index if c < self.columns and index < self.count else None

    def patch_centre(self, index: int) -> tuple[float, float]:
        """(y, x) of the middle of kernel ``index`` in picture coordinates."""
        r, c = divmod(index, self.columns)
        step = self.size + 1
        return r * step + self.size / 2, c * step + self.size / 2

    def mark(self, index: int | None) -> None:
        """Outline kernel ``index``; None hides the outline."""
        if index is None or not 0 <= index < self.count:
            self.selection.hide()
            return
        r, c = divmod(index, self.columns)
        step = self.size + 1
        self.selection.setRect(QRectF(c * step - 0.25, r * step - 0.25, self.size + 0.5, self.size + 0.5))
        self.selection.show()

    def _on_image_clicked(self, y: float, x: float) -> None:
        index = self.patch_at(y, x)
        if index is not None:
            self.patch_clicked.emit(index)
