"""The drawing pad repaints only the rows a pen movement changed, and what is on screen is still exact.

A pen movement (and a moved receptive-field outline) repaints a full-width band of
the pad rather than the whole pad. These tests draw with real mouse events and
compare what the window shows (its backing store, as the screen gets it) with a
whole fresh repaint of the pad (``grab()``) after every movement: not one pixel
may differ.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from explainer.ui.widgets.drawing_pad import DrawingPad


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].copy()


def on_screen(pad: DrawingPad) -> np.ndarray:
    """What the window shows now, after the pending repaints."""
    QApplication.processEvents()
    return pixels(pad.screen().grabWindow(pad.winId()).toImage())


def mouse(pad: DrawingPad, kind: QEvent.Type, point: QPointF) -> None:
    button = Qt.MouseButton.LeftButton
    QApplication.sendEvent(pad, QMouseEvent(
        kind, point, pad.mapToGlobal(point), Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else button,
        Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button,
        Qt.KeyboardModifier.NoModifier))


@pytest.mark.parametrize("size", [(353, 353), (287, 419), (400, 331)])
def test_what_is_shown_while_drawing_is_a_whole_repaint(qtbot, size):
    pad = DrawingPad()
    qtbot.addWidget(pad)
    pad.resize(*size)
    pad.show()
    qtbot.waitExposed(pad)
    rng = np.random.default_rng(size[0])
    compared = 0
    for _stroke in range(3):
        point = QPointF(*rng.uniform(40, 250, 2))
        mouse(pad, QEvent.Type.MouseButtonPress, point)
        assert np.array_equal(on_screen(pad), pixels(pad.grab().toImage()))
        for move in range(20):
            point = QPointF(float(np.clip(point.x() + rng.normal(0, 12), 5, size[0] - 5)),
                            float(np.clip(point.y() + rng.normal(0, 12), 5, size[1] - 5)))
            mouse(pad, QEvent.Type.MouseMove, point)
            if move % 5 == 0:  # the outline of a receptive field moves too
                pad.set_overlay(QRectF(*rng.uniform(0, 200, 2), 40, 50))
            shown = on_screen(pad)
            assert np.array_equal(shown, pixels(pad.grab().toImage())), f"stroke {_stroke}, move {move}"
            compared += 1
        mouse(pad, QEvent.Type.MouseButtonRelease, point)
    assert compared == 60
    assert not pad.is_blank()


def test_a_pen_movement_repaints_a_band_not_the_whole_pad(qtbot):
    pad = DrawingPad()
    qtbot.addWidget(pad)
    pad.resize(350, 350)
    pad.show()
    qtbot.waitExposed(pad)
    mouse(pad, QEvent.Type.MouseButtonPress, QPointF(100, 100))
    QApplication.processEvents()
    painted = []

    class Spy(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 (Qt override)
            if watched is pad and event.type() == QEvent.Type.Paint:
                painted.append(event.region().boundingRect())
            return False

    spy = Spy()
    pad.installEventFilter(spy)
    mouse(pad, QEvent.Type.MouseMove, QPointF(110, 104))
    QApplication.processEvents()
    pad.removeEventFilter(spy)
    assert len(painted) == 1
    band = painted[0]
    assert band.left() == 0 and band.width() == pad.width()  # whole rows: exact smooth scaling
    assert band.top() > 40 and band.bottom() < 170  # about the segment (rows 100–104) and the pen around it
    assert band.height() < pad.height() / 2
