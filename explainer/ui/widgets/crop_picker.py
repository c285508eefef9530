"""A picture with a draggable square, to choose which pixels a lesson takes from it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from .fast_image import FastImageItem


class CropPicker(QWidget):
    """A (small) picture with an orange square the user drags, and the square's side.

    The picker shows what it is given; where the square is, and what the
    pixels under it become, belong to the caller.

    Child names: ``cropSizeSpin``.

    Signals
    -------
    square_moved(int, int)
        The user let go of the square at top-left (row, col), in picture pixels.
    size_chosen(int)
        The user chose a new side for the square.
    """

    square_moved = Signal(int, int)
    size_chosen = Signal(int)

    def __init__(self, sizes: tuple[int, int] = (5, 16), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size_spin = QSpinBox(objectName="cropSizeSpin", minimum=sizes[0], maximum=sizes[1],
                                  toolTip="Side of the crop in pixels")
        self.size_spin.valueChanged.connect(self.size_chosen)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setFixedHeight(170)
        self.box = self.view.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.box.setMouseEnabled(False, False)
        self.image = FastImageItem(axisOrder="row-major")
        self.box.addItem(self.image)
        # A plain ROI: RectROI adds a scale handle, and removing it before the ROI is in a scene leaves
        # the handle drawn (a cyan square on the corner). The side is set from the spin box only.
        self.roi = pg.ROI([0, 0], [8, 8], pen=pg.mkPen("#ff9900", width=2), movable=True,
                          resizable=False, rotatable=False, removable=False)
        self.roi.sigRegionChangeFinished.connect(self._on_roi_change_finished)
        self.box.addItem(self.roi)
        self._shape: tuple[int, int] | None = None
        top = QHBoxLayout()
        top.addWidget(QLabel("Drag the square to choose the pixels; crop size"))
        top.addWidget(self.size_spin)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.view)

    def set_picture(self, picture: np.ndarray) -> None:
        """The picture (H, W, 3), values 0–1."""
        self.image.setImage(picture, autoLevels=False, levels=(0, 1))
        shape = (int(picture.shape[0]), int(picture.shape[1]))
        if shape != self._shape:
            self._shape = shape
            bounds = QRectF(0, 0, shape[1], shape[0])
            self.box.setRange(bounds, padding=0.02)
            self.roi.maxBounds = bounds

    def set_square(self, size: int, pos: tuple[int, int], drawn: int | None = None) -> None:
        """Show side ``size`` and put the square (``drawn`` pixels if the picture is smaller) at ``pos`` = (row, col).

        Nothing is reported back: this shows a choice, it does not make one.
        """
        with QSignalBlocker(self.size_spin):
            self.size_spin.setValue(size)
        side = size if drawn is None else drawn
        self.roi.setSize([side, side], finish=False)
        self.roi.setPos([pos[1], pos[0]], finish=False)

    def square(self) -> tuple[int, int]:
        """Top-left (row, col) of the square as drawn, in whole pixels."""
        pos = self.roi.pos()
        return int(round(pos.y())), int(round(pos.x()))

    def _on_roi_change_finished(self) -> None:
        self.square_moved.emit(*self.square())
