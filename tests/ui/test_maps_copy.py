"""Feature maps drawn as images copy their numbers as text too (right-click ▸ Copy values as text)."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu

from explainer.core.formatting import parse_grid
from explainer.ui.widgets.maps import MapsView
from explainer.ui.widgets.panels import ImageView


def test_a_mosaic_copies_the_channel_under_the_pointer(qtbot):
    values = np.random.default_rng(0).normal(size=(3, 4, 5)).astype(np.float32)
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    maps = MapsView(columns=3)
    widget.addItem(maps.view)
    maps.set_maps(values, (-2, 2))
    top, left = maps.mosaic.origin(1)
    text = maps.image.copy_values_at(top + 2.5, left + 3.5)
    assert QApplication.clipboard().text() == text
    np.testing.assert_allclose(parse_grid(text), values[1], atol=5e-5)
    gap = maps.mosaic.origin(1)[1] - 0.5  # the gap between two maps holds no channel
    assert maps.image.copy_values_at(top + 1, gap) is None


def test_an_image_copies_all_its_values_and_a_right_click_offers_it(qtbot):
    picture = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    view = ImageView()
    widget.addItem(view.view)
    view.set_image(picture)
    widget.resize(300, 300)
    widget.show()
    qtbot.waitExposed(widget)
    np.testing.assert_allclose(parse_grid(view.image.copy_values_at(0, 0)), picture, atol=5e-5)
    seen = []

    def laid_out():  # the view box takes its range after the first layout: click where the image is then
        seen.append(widget.mapFromScene(view.image.mapToScene(view.image.boundingRect().center())))
        return len(seen) > 2 and seen[-1] == seen[-2] == seen[-3] and widget.viewport().rect().contains(seen[-1])

    qtbot.waitUntil(laid_out, timeout=5000)
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.RightButton, pos=seen[-1])
    menus = [m for m in widget.findChildren(QMenu) if m.isVisible()]
    assert menus and [a.text() for a in menus[0].actions()] == ["Copy values as text"]
    menus[0].close()
