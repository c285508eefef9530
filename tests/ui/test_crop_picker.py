"""The crop picker: the square is the only thing drawn over the picture, and it reports where it was left."""

import numpy as np
import pyqtgraph as pg

from explainer.ui.widgets.crop_picker import CropPicker


def test_the_square_has_no_handles(qtbot):
    picker = CropPicker((5, 16))
    qtbot.addWidget(picker)
    picker.show()
    picker.set_picture(np.random.default_rng(0).random((40, 60, 3)).astype(np.float32))
    picker.set_square(8, (3, 4))
    handles = [item for item in picker.box.scene().items() if isinstance(item, pg.graphicsItems.ROI.Handle)]
    assert picker.roi.getHandles() == [] and handles == []
    assert picker.square() == (3, 4) and picker.roi.size() == pg.Point(8, 8)
    moved = []
    picker.square_moved.connect(lambda row, col: moved.append((row, col)))
    picker.roi.setPos([10, 12])  # as a drag ends
    assert moved[-1] == (12, 10)
