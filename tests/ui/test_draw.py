"""The draw lesson, driven like a student: draw with the mouse, click, press keys."""

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from explainer import core
from explainer.ui.lessons.draw import DrawLesson
from explainer.ui.state import AppState
from explainer.ui.widgets.drawing_pad import DrawingPad


def send_mouse(widget, kind, pos, buttons):
    button = Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, QPointF(*pos), widget.mapToGlobal(QPointF(*pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget, points):
    """Press, move through ``points`` (widget pixels), release: one stroke."""
    send_mouse(widget, QMouseEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
    for point in points[1:]:
        send_mouse(widget, QMouseEvent.Type.MouseMove, point, Qt.MouseButton.LeftButton)
    send_mouse(widget, QMouseEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)


def pad_points(pad, pts):
    """Pad-relative fractions (0..1) to widget pixels."""
    side = min(pad.width(), pad.height())
    x0, y0 = (pad.width() - side) / 2, (pad.height() - side) / 2
    return [(x0 + fx * side, y0 + fy * side) for fx, fy in pts]


def line(a, b, n=12):
    return [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for t in np.linspace(0, 1, n)]


def ellipse(cx, cy, rx, ry, n=40):
    return [(cx + rx * np.sin(t), cy - ry * np.cos(t)) for t in np.linspace(0, 2 * np.pi, n)]


@pytest.fixture
def lesson(qtbot):
    widget = DrawLesson(AppState())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    with qtbot.waitSignal(widget.model_ready, timeout=20000) as ready:
        pass
    assert ready.args == [True]
    qtbot.waitUntil(lambda: not widget.is_busy(), timeout=10000)
    yield widget
    widget.shutdown()


def draw_and_wait(qtbot, lesson, strokes):
    canvas = lesson.findChild(DrawingPad, "digitCanvas")
    for stroke in strokes:
        drag(canvas, pad_points(canvas, stroke))
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    return lesson.findChild(QLabel, "predictedDigit").text()


def test_canvas_and_label_have_their_names(lesson):
    assert isinstance(lesson.findChild(DrawingPad, "digitCanvas"), DrawingPad)
    assert lesson.findChild(QLabel, "predictedDigit") is not None


@pytest.mark.parametrize("digit, strokes", [
    ("1", [line((0.5, 0.15), (0.5, 0.85))]),
    ("0", [ellipse(0.5, 0.5, 0.22, 0.33)]),
    ("7", [line((0.28, 0.2), (0.72, 0.2)) + line((0.72, 0.2), (0.42, 0.85))[1:]]),
    ("4", [line((0.55, 0.15), (0.25, 0.6)) + line((0.25, 0.6), (0.75, 0.6))[1:], line((0.6, 0.35), (0.6, 0.88))]),
])
def test_mouse_drawn_digits_are_read(qtbot, lesson, digit, strokes):
    lesson.clear()
    assert draw_and_wait(qtbot, lesson, strokes) == digit


def test_prediction_updates_while_drawing(qtbot, lesson):
    lesson.clear()
    canvas = lesson.findChild(DrawingPad, "digitCanvas")
    points = pad_points(canvas, line((0.5, 0.15), (0.5, 0.85)))
    send_mouse(canvas, QMouseEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
    for point in points[1:]:
        send_mouse(canvas, QMouseEvent.Type.MouseMove, point, Qt.MouseButton.LeftButton)
    # No release yet: the label already shows a reading of the stroke in progress.
    qtbot.waitUntil(lambda: lesson.findChild(QLabel, "predictedDigit").text() != "", timeout=10000)
    send_mouse(canvas, QMouseEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert canvas.stroke_count() == 1


def test_escape_and_clear_button_clear(qtbot, lesson):
    draw_and_wait(qtbot, lesson, [line((0.5, 0.15), (0.5, 0.85))])
    qtbot.keyClick(lesson.findChild(DrawingPad, "digitCanvas"), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert lesson.findChild(DrawingPad, "digitCanvas").is_blank()
    assert lesson.findChild(QLabel, "predictedDigit").text() == ""
    draw_and_wait(qtbot, lesson, [line((0.5, 0.15), (0.5, 0.85))])
    qtbot.mouseClick(lesson.findChild(QPushButton, "clearButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert lesson.findChild(QLabel, "predictedDigit").text() == ""


def test_undo_removes_last_stroke(qtbot, lesson):
    lesson.clear()
    four = [line((0.55, 0.15), (0.25, 0.6)) + line((0.25, 0.6), (0.75, 0.6))[1:], line((0.6, 0.35), (0.6, 0.88))]
    draw_and_wait(qtbot, lesson, four)
    canvas = lesson.findChild(DrawingPad, "digitCanvas")
    assert canvas.stroke_count() == 2
    qtbot.mouseClick(lesson.findChild(QPushButton, "undoButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert canvas.stroke_count() == 1
    assert lesson.findChild(QLabel, "predictedDigit").text() != ""


def test_heldout_digit_goes_through(qtbot, lesson):
    for index in range(5):
        label = lesson.load_heldout(index)
        qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
        assert lesson.findChild(QLabel, "predictedDigit").text() == str(label)
        assert f"True label: <b>{label}</b>" in lesson.prediction_text.text()


def test_layers_show_shapes_and_lecture_terms(qtbot, lesson):
    lesson.load_heldout(0)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    titles = {key: label.text for key, label in lesson.layer_titles.items()}
    assert "(1, 32, 24, 24)" in titles["conv1"] and "feature maps" in titles["conv1"]
    assert "(1, 32, 12, 12)" in titles["pool1"] and "pooling" in titles["pool1"]
    assert "(1, 64, 8, 8)" in titles["conv2"]
    assert "(1, 128)" in titles["dense1"] and "fully connected" in titles["dense1"]
    assert "(1, 10)" in titles["output"]
    # Every channel is on screen: the conv1 mosaic holds 32 maps of 24x24.
    mosaic = lesson.layer_views["conv1"].mosaic
    assert (mosaic.channels, mosaic.height, mosaic.width) == (32, 24, 24)
    # The probabilities shown sum to 1.
    assert lesson.chart.probabilities.sum() == pytest.approx(1.0)


def test_clicking_a_neuron_shows_its_receptive_field(qtbot, lesson):
    lesson.load_heldout(0)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    view = lesson.layer_views["conv2"]
    oy, ox = view.mosaic.origin(5)
    view._on_image_clicked(oy + 2.5, ox + 3.5)  # channel 5, row 2, col 3
    assert lesson.draw_state.selection == ("conv2", 5, 2, 3)
    top, bottom, left, right = core.receptive_field([(5, 1, 0), (2, 2, 0), (5, 1, 0)], 2, 3, (28, 28))
    text = lesson.detail.text()
    assert f"input rows {top}–{bottom - 1}, columns {left}–{right - 1}" in text
    assert "14×14" in text
    field = lesson.step_views["digit"].marks["field"]
    assert field.isVisible() and field.rect().width() == 14
    # The weights shown are conv2's kernel for channel 5: 32 slices of 5x5.
    assert lesson.weights_widget.isVisible()
    assert lesson.weights_view.values.shape == (32, 5, 5)
    np.testing.assert_allclose(lesson.weights_view.values, lesson.model.features[3].weight[5].detach().numpy())
    # The same neuron is selected in the shared state for other lessons.
    assert lesson.app_state.selection.layer == "conv2"


def test_pool_and_dense_neurons(qtbot, lesson):
    lesson.load_heldout(1)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    lesson.select_neuron("pool1", 0, 0, 0)
    assert "no weights" in lesson.detail.text()
    assert "6×6" in lesson.detail.text()
    lesson.select_neuron("dense1", 7, 0, 0)
    assert "whole" in lesson.detail.text()
    assert lesson.weights_view.values.shape == (64, 4, 4)


def test_digit_from_file_dark_on_light(qtbot, lesson, tmp_path):
    img = Image.new("L", (200, 260), 255)
    ImageDraw.Draw(img).line([(100, 30), (100, 230)], fill=0, width=18)
    path = tmp_path / "one.png"
    img.save(path)
    lesson.load_file(path)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert lesson.findChild(QLabel, "predictedDigit").text() == "1"


def test_unusable_file_keeps_drawing(qtbot, lesson, tmp_path):
    lesson.clear()
    draw_and_wait(qtbot, lesson, [line((0.5, 0.15), (0.5, 0.85))])
    messages = []
    lesson.app_state.message_posted.connect(lambda text, _ms: messages.append(text))
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG not really")
    for path in (blank, junk):
        lesson.load_file(path)
        qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert any("no digit found" in m for m in messages)
    assert any("not a readable image" in m for m in messages)
    assert lesson.findChild(DrawingPad, "digitCanvas").stroke_count() == 1
    assert lesson.findChild(QLabel, "predictedDigit").text() == "1"


def test_missing_model_shows_banner_and_keeps_working(qtbot, monkeypatch):
    from explainer.models import ModelLoadError
    from explainer.ui.lessons import draw

    def broken():
        raise ModelLoadError("the bundled weights for 'mnist' are missing (assets/models/mnist.pt)")

    monkeypatch.setattr(draw, "load_digit_model", broken)
    widget = DrawLesson(AppState())
    qtbot.addWidget(widget)
    widget.show()
    with qtbot.waitSignal(widget.model_ready, timeout=10000) as ready:
        pass
    assert ready.args == [False]
    assert widget.banner.isVisible() and "missing" in widget.banner.text()
    draw_and_wait(qtbot, widget, [line((0.5, 0.15), (0.5, 0.85))])
    assert widget.findChild(QLabel, "predictedDigit").text() == ""
    assert "only the preprocessing" in widget.prediction_text.text()
    assert widget.step_views["digit"].image.image is not None
    widget.shutdown()


def test_file_dropped_on_window_goes_to_the_pad(qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    from explainer.ui.app import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    lesson = window.show_lesson("draw")
    qtbot.waitUntil(lambda: lesson.model is not None and not lesson.is_busy(), timeout=20000)
    img = Image.new("L", (120, 160), 255)
    ImageDraw.Draw(img).line([(60, 15), (60, 145)], fill=0, width=12)
    path = tmp_path / "dropped-one.png"
    img.save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert lesson.findChild(QLabel, "predictedDigit").text() == "1"
    window.close()
