"""The drawing pad repaints only the rows a pen movement changed, and what is on screen is still exact.

A pen movement (and a moved receptive-field outline) repaints a full-width band of
the pad rather than the whole pad. These tests draw with real mouse events and
compare what the window holds (its backing store, what the screen is given) with a
whole fresh repaint of the pad (``grab()``) after every event: not one pixel may differ.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from explainer.ui.widgets import style
from explainer.ui.widgets.drawing_pad import DrawingPad


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].copy()


def on_screen(pad: DrawingPad) -> np.ndarray:
    """What the window holds now, after the pending repaints (device pixels, as grab() gives them)."""
    QApplication.processEvents()
    return pixels(pad.backingStore().paintDevice().copy())


def assert_exact(pad: DrawingPad, where: str) -> None:
    shown, whole = on_screen(pad), pixels(pad.grab().toImage())
    assert shown.shape == whole.shape
    differ = np.argwhere((shown != whole).any(axis=1))
    assert len(differ) == 0, f"{where}: {len(differ)} rows differ from a whole repaint, first {differ[0].tolist()}"


def mouse(pad: DrawingPad, kind: QEvent.Type, point: QPointF) -> None:
    button = Qt.MouseButton.LeftButton
    QApplication.sendEvent(pad, QMouseEvent(
        kind, point, pad.mapToGlobal(point), Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else button,
        Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button,
        Qt.KeyboardModifier.NoModifier))


def shown_pad(qtbot, size, **kwargs) -> DrawingPad:
    pad = DrawingPad(**kwargs)
    qtbot.addWidget(pad)
    pad.resize(*size)
    pad.show()
    qtbot.waitExposed(pad)
    QApplication.processEvents()  # the first whole paint (with the hint) is on screen before anything is drawn
    return pad


def draw_and_compare(pad: DrawingPad, rng, strokes: int, moves: int, step: float) -> int:
    """Strokes of random pen movements with moving outlines, each event compared with a whole repaint."""
    width, height = pad.width(), pad.height()
    compared = 0
    for stroke in range(strokes):
        point = QPointF(*rng.uniform(0, 1, 2) * (width, height))
        mouse(pad, QEvent.Type.MouseButtonPress, point)
        assert_exact(pad, f"stroke {stroke}, press")
        for move in range(moves):
            point = QPointF(float(np.clip(point.x() + rng.normal(0, step), -20, width + 20)),
                            float(np.clip(point.y() + rng.normal(0, step), -20, height + 20)))
            mouse(pad, QEvent.Type.MouseMove, point)
            if move % 4 == 0:  # the outline of a receptive field moves too, sometimes partly off the pad
                side = pad.resolution
                pad.set_overlay(QRectF(*(rng.uniform(-0.2, 1.0, 2) * side), *(rng.uniform(0.05, 0.5, 2) * side)))
            elif move % 9 == 0:
                pad.set_overlay(None)
            assert_exact(pad, f"stroke {stroke}, move {move}")
            compared += 1
        mouse(pad, QEvent.Type.MouseButtonRelease, point)
        assert_exact(pad, f"stroke {stroke}, release")
    return compared


@pytest.mark.parametrize("size", [(353, 353), (287, 419), (400, 331), (160, 160), (733, 701)])
def test_what_is_shown_while_drawing_is_a_whole_repaint(qtbot, size):
    pad = shown_pad(qtbot, size)
    assert draw_and_compare(pad, np.random.default_rng(size[0]), strokes=3, moves=16, step=14.0) == 48
    assert pad.stroke_count() == 3


def test_a_coarse_pad_with_a_picture_under_the_strokes(qtbot):
    # Each pad pixel covers many screen pixels, so the smoothing around a changed row reaches further.
    pad = shown_pad(qtbot, (420, 420), resolution=28, pen_fraction=0.1)
    pad.set_background(np.random.default_rng(1).uniform(0, 1, (28, 28)))
    assert_exact(pad, "background")
    assert draw_and_compare(pad, np.random.default_rng(2), strokes=2, moves=16, step=25.0) == 32


@pytest.mark.parametrize("size, line", [((500, 480), 2.0), ((170, 160), 3.0)])
def test_long_fast_moves_and_thick_outlines(qtbot, monkeypatch, size, line):
    monkeypatch.setitem(style._scale, "line", line)  # the presenter view draws outlines thicker
    pad = shown_pad(qtbot, size)  # on a small pad a thick outline's pen covers more than a pad row
    assert draw_and_compare(pad, np.random.default_rng(size[0]), strokes=2, moves=12, step=size[0] / 4) == 24


def test_a_pen_movement_repaints_a_band_not_the_whole_pad(qtbot):
    pad = shown_pad(qtbot, (350, 350))
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
