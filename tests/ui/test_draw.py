"""The draw lesson, driven like a student: draw with the mouse, click, press keys, save and reopen."""

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from explainer import core
from explainer.models import DigitCNN, ModelLoadError
from explainer.ui.lessons import state_class
from explainer.ui.lessons.draw import create, work
from explainer.ui.lessons.draw.describe import DETAIL_HINT
from explainer.ui.lessons.draw.state import DrawState
from explainer.ui.lessons.draw.view import EMPTY_PAD_TEXT
from explainer.ui.widgets.drawing_pad import DrawingPad, render_strokes
from explainer.ui.widgets.preprocessing_strip import SCALED_TITLE

SEVEN = [[(0.28, 0.2), (0.72, 0.2)], [(0.72, 0.2), (0.42, 0.85)]]


# ---------------------------------------------------------------- driving the lesson like a person


def send_mouse(widget, kind, pos, buttons):
    event = QMouseEvent(kind, QPointF(*pos), widget.mapToGlobal(QPointF(*pos)), Qt.MouseButton.LeftButton,
                        buttons, Qt.KeyboardModifier.NoModifier)
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


def seven():
    return [line(*SEVEN[0]) + line(*SEVEN[1])[1:]]


def predicted(lesson):
    return lesson.findChild(QLabel, "predictedDigit").text()


def settle(qtbot, lesson, timeout=20000):
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=timeout)


def draw_and_wait(qtbot, lesson, strokes):
    canvas = lesson.findChild(DrawingPad, "digitCanvas")
    for stroke in strokes:
        drag(canvas, pad_points(canvas, stroke))
    settle(qtbot, lesson)
    return predicted(lesson)


def ready(qtbot, lesson):
    qtbot.waitUntil(lambda: lesson.model is not None and not lesson.is_busy(), timeout=20000)
    return lesson


def build(qtbot, app_state, commands):
    widget = create(app_state, commands)
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    return widget


@pytest.fixture
def lesson(qtbot, app_state, commands):
    widget = ready(qtbot, build(qtbot, app_state, commands))
    yield widget
    widget.shutdown()


def messages_of(commands):
    posted = []
    commands.message_posted.connect(lambda text, _ms: posted.append(text))
    return posted


# ---------------------------------------------------------------- drawing and reading


def test_canvas_and_label_have_their_names(lesson):
    assert isinstance(lesson.findChild(DrawingPad, "digitCanvas"), DrawingPad)
    assert lesson.findChild(QLabel, "predictedDigit") is not None


def test_starts_with_a_heldout_digit_on_the_pad(lesson):
    labels = lesson.sample_labels
    assert lesson.state.heldout_index == 0 and lesson.state.true_label == int(labels[0])
    np.testing.assert_array_equal(lesson.app_state.drawing_background, lesson.samples[0])
    assert predicted(lesson) == str(labels[0])


@pytest.mark.parametrize("digit, strokes", [
    ("1", [line((0.5, 0.15), (0.5, 0.85))]),
    ("0", [ellipse(0.5, 0.5, 0.22, 0.33)]),
    ("7", seven()),
    ("4", [line((0.55, 0.15), (0.25, 0.6)) + line((0.25, 0.6), (0.75, 0.6))[1:], line((0.6, 0.35), (0.6, 0.88))]),
])
def test_mouse_drawn_digits_are_read(qtbot, lesson, digit, strokes):
    lesson.clear()
    assert draw_and_wait(qtbot, lesson, strokes) == digit


def test_strokes_go_to_the_app_state(qtbot, lesson):
    lesson.clear()
    draw_and_wait(qtbot, lesson, seven())
    app = lesson.app_state
    assert len(app.drawing_strokes) == 1 and len(app.drawing_strokes[0]) == 23
    assert app.drawing_strokes == tuple(lesson.pad.strokes())
    assert app.drawing_background is None
    np.testing.assert_array_equal(app.drawing, lesson.pad.image())
    # The strokes alone rebuild the same picture (what a session relies on).
    np.testing.assert_allclose(render_strokes(app.drawing_strokes), app.drawing, atol=1 / 255)


def test_prediction_updates_while_drawing(qtbot, lesson):
    lesson.clear()
    canvas = lesson.findChild(DrawingPad, "digitCanvas")
    points = pad_points(canvas, line((0.5, 0.15), (0.5, 0.85)))
    send_mouse(canvas, QMouseEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
    for point in points[1:]:
        send_mouse(canvas, QMouseEvent.Type.MouseMove, point, Qt.MouseButton.LeftButton)
    # No release yet: the label already shows a reading of the stroke in progress.
    qtbot.waitUntil(lambda: predicted(lesson) != "", timeout=10000)
    assert lesson.app_state.drawing_strokes == ()  # the stroke is shared once it is finished
    send_mouse(canvas, QMouseEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)
    settle(qtbot, lesson)
    assert canvas.stroke_count() == 1 and len(lesson.app_state.drawing_strokes) == 1


def assert_everything_cleared(lesson):
    assert lesson.findChild(DrawingPad, "digitCanvas").is_blank()
    assert predicted(lesson) == ""
    assert lesson.prediction_text.text() == EMPTY_PAD_TEXT
    assert lesson.steps.scaled_title == SCALED_TITLE
    assert lesson.detail.text() == DETAIL_HINT and "value" not in lesson.detail.text()
    assert not lesson.weights.isVisible()
    assert all(view.image.image is None for view in lesson.steps.views.values())
    assert not any(mark.isVisible() for view in lesson.steps.views.values() for mark in view.marks.values())
    assert lesson.layers.keys()  # the rows stay, empty
    assert all(view.values is None for view in lesson.layers.views.values())
    assert all(title.text == "" for title in lesson.layers.titles.values())
    assert not any(view.selection.isVisible() for view in lesson.layers.views.values())
    assert not lesson.chart.probabilities.any()
    assert lesson.pad._overlay is None
    app = lesson.app_state
    assert app.drawing is None and app.drawing_strokes == () and app.drawing_background is None
    assert lesson.state.true_label is None and lesson.state.heldout_index is None


def test_clear_removes_everything_read_from_the_old_drawing(qtbot, lesson):
    # A held-out 8 with a stroke on top, read, and a neuron selected: everything on screen is filled in.
    eight = int(np.flatnonzero(lesson.sample_labels == 8)[0])
    lesson.load_heldout(eight)
    draw_and_wait(qtbot, lesson, [line((0.1, 0.1), (0.15, 0.12))])
    assert predicted(lesson) == "8"
    assert "True label: <b>8</b>" in lesson.prediction_text.text()
    assert lesson.steps.scaled_title.startswith(f"{SCALED_TITLE} (")
    assert "value" in lesson.detail.text() and lesson.weights.isVisible()
    assert lesson.chart.probabilities.sum() == pytest.approx(1.0)
    qtbot.keyClick(lesson.findChild(DrawingPad, "digitCanvas"), Qt.Key.Key_Escape)
    settle(qtbot, lesson)
    assert_everything_cleared(lesson)


def test_clear_button_and_clearing_before_the_reading_arrives(qtbot, lesson):
    draw_and_wait(qtbot, lesson, [line((0.5, 0.15), (0.5, 0.85))])
    qtbot.mouseClick(lesson.findChild(QPushButton, "clearButton"), Qt.MouseButton.LeftButton)
    settle(qtbot, lesson)
    assert_everything_cleared(lesson)
    # Clear right after a stroke, without waiting: the late reading of the stroke never shows.
    canvas = lesson.findChild(DrawingPad, "digitCanvas")
    drag(canvas, pad_points(canvas, line((0.5, 0.15), (0.5, 0.85))))
    qtbot.mouseClick(lesson.findChild(QPushButton, "clearButton"), Qt.MouseButton.LeftButton)
    settle(qtbot, lesson)
    assert_everything_cleared(lesson)


def test_undo_removes_last_stroke(qtbot, lesson):
    lesson.clear()
    four = [line((0.55, 0.15), (0.25, 0.6)) + line((0.25, 0.6), (0.75, 0.6))[1:], line((0.6, 0.35), (0.6, 0.88))]
    draw_and_wait(qtbot, lesson, four)
    canvas = lesson.findChild(DrawingPad, "digitCanvas")
    assert canvas.stroke_count() == 2
    qtbot.mouseClick(lesson.findChild(QPushButton, "undoButton"), Qt.MouseButton.LeftButton)
    settle(qtbot, lesson)
    assert canvas.stroke_count() == 1 and len(lesson.app_state.drawing_strokes) == 1
    assert predicted(lesson) != ""


def test_heldout_digit_goes_through(qtbot, lesson):
    for index in range(5):
        label = lesson.load_heldout(index)
        settle(qtbot, lesson)
        assert predicted(lesson) == str(label)
        assert f"True label: <b>{label}</b>" in lesson.prediction_text.text()
        assert (lesson.state.heldout_index, lesson.state.true_label) == (index, label)
        np.testing.assert_array_equal(lesson.app_state.drawing_background, lesson.samples[index])


def test_setting_the_heldout_index_in_the_state_loads_that_digit(qtbot, lesson):
    lesson.clear()
    lesson.state.heldout_index = 4
    settle(qtbot, lesson)
    label = int(lesson.sample_labels[4])
    assert lesson.state.true_label == label
    np.testing.assert_array_equal(lesson.pad.background(), lesson.samples[4])
    assert predicted(lesson) == str(label) and f"True label: <b>{label}</b>" in lesson.prediction_text.text()


def test_layers_show_shapes_and_lecture_terms(qtbot, lesson):
    lesson.load_heldout(0)
    settle(qtbot, lesson)
    titles = {key: title.text for key, title in lesson.layers.titles.items()}
    assert list(titles) == ["conv1", "pool1", "conv2", "pool2", "dense1", "output"]
    assert "(1, 32, 24, 24)" in titles["conv1"] and "feature maps" in titles["conv1"]
    assert "(1, 32, 12, 12)" in titles["pool1"] and "pooling" in titles["pool1"]
    assert "(1, 64, 8, 8)" in titles["conv2"]
    assert "(1, 128)" in titles["dense1"] and "fully connected" in titles["dense1"]
    assert "10 logits" in titles["output"] and "(1, 10)" in titles["output"]
    # Every channel is on screen: the conv1 mosaic holds 32 maps of 24x24.
    mosaic = lesson.layers.views["conv1"].mosaic
    assert (mosaic.channels, mosaic.height, mosaic.width) == (32, 24, 24)
    # The probabilities shown sum to 1.
    assert lesson.chart.probabilities.sum() == pytest.approx(1.0)


def test_clicking_a_neuron_shows_its_receptive_field(qtbot, lesson):
    lesson.load_heldout(0)
    settle(qtbot, lesson)
    view = lesson.layers.views["conv2"]
    oy, ox = view.mosaic.origin(5)
    cell = lesson.layers.cell_rect("conv2", 5, 2, 3)
    assert cell.width() > 2  # the cell is on screen, a few pixels wide
    qtbot.mouseClick(lesson.layers, Qt.MouseButton.LeftButton, pos=cell.center().toPoint())  # channel 5, row 2, col 3
    assert lesson.state.selection == ("conv2", 5, 2, 3)
    top, bottom, left, right = core.receptive_field([(5, 1, 0), (2, 2, 0), (5, 1, 0)], 2, 3, (28, 28))
    text = lesson.detail.text()
    assert f"input rows {top}–{bottom - 1}, columns {left}–{right - 1}" in text
    assert "14×14" in text and "channel 5, position (2, 3)" in text
    field = lesson.steps.views["digit"].marks["field"]
    assert field.isVisible() and field.rect().width() == 14
    assert view.selection.isVisible() and view.selection.rect().topLeft() == QPointF(ox + 3, oy + 2)
    # The weights shown are conv2's kernel for channel 5: 32 slices of 5x5.
    assert lesson.weights.isVisible()
    assert lesson.weights.maps.values.shape == (32, 5, 5)
    np.testing.assert_allclose(lesson.weights.maps.values, lesson.model.features[3].weight[5].detach().numpy())
    assert lesson.pad._overlay is not None


def test_selection_set_in_the_state_is_shown(qtbot, lesson):
    lesson.load_heldout(2)
    settle(qtbot, lesson)
    lesson.state.selection = ("pool2", 3, 1, 2)
    assert "pool2" in lesson.detail.text() and "channel 3, position (1, 2)" in lesson.detail.text()
    assert not lesson.weights.isVisible()  # pooling has no weights
    assert lesson.layers.views["pool2"].selection.isVisible()
    assert not lesson.layers.views["conv2"].selection.isVisible()
    with pytest.raises(ValueError, match="selected layer"):
        lesson.select_neuron("softmax", 0)
    assert lesson.state.selection == ("pool2", 3, 1, 2)


def test_pool_and_dense_neurons(qtbot, lesson):
    lesson.load_heldout(1)
    settle(qtbot, lesson)
    lesson.select_neuron("pool1", 0, 0, 0)
    assert "no weights" in lesson.detail.text()
    assert "6×6" in lesson.detail.text()
    lesson.select_neuron("dense1", 7)
    assert "whole" in lesson.detail.text()
    assert "1,024 weights (one per flattened pool2 value" in lesson.detail.text()
    assert lesson.weights.maps.values.shape == (64, 4, 4)
    lesson.select_neuron("output", 3)
    assert "128 weights (one per dense1 neuron)" in lesson.detail.text()
    assert "digit 3 (probability)" in lesson.detail.text()


# ---------------------------------------------------------------- files


def test_digit_from_file_dark_on_light(qtbot, lesson, tmp_path):
    img = Image.new("L", (200, 260), 255)
    ImageDraw.Draw(img).line([(100, 30), (100, 230)], fill=0, width=18)
    path = tmp_path / "one.png"
    img.save(path)
    lesson.load_file(path)
    settle(qtbot, lesson)
    assert predicted(lesson) == "1"
    assert lesson.state.true_label is None and lesson.state.heldout_index is None
    background = lesson.app_state.drawing_background
    assert background.shape == (260, 260)  # squared (not stretched), at most the pad's 280 pixels
    assert background[:, :10].max() == 0  # the added margins are black, like the paper once inverted


def test_large_picture_is_shrunk_to_the_pad(tmp_path):
    img = Image.new("L", (1600, 1200), 255)
    ImageDraw.Draw(img).line([(800, 100), (800, 1100)], fill=0, width=90)
    path = tmp_path / "big.png"
    img.save(path)
    digit = work.digit_from_file(str(path))
    assert digit.shape == (280, 280) and digit.dtype == np.float32
    assert digit[140, 140] > 0.9 and digit[140, 40] == 0


def test_unusable_file_keeps_drawing(qtbot, lesson, commands, tmp_path):
    lesson.clear()
    draw_and_wait(qtbot, lesson, [line((0.5, 0.15), (0.5, 0.85))])
    messages = messages_of(commands)
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG not really")
    for path in (blank, junk):
        lesson.load_file(path)
        settle(qtbot, lesson)
    assert any("no digit found" in m for m in messages)
    assert any("not a readable image" in m for m in messages)
    assert lesson.findChild(DrawingPad, "digitCanvas").stroke_count() == 1
    assert len(lesson.app_state.drawing_strokes) == 1
    assert predicted(lesson) == "1"


def test_missing_model_shows_banner_and_keeps_working(qtbot, monkeypatch, app_state, commands):
    def broken(model=None):
        raise ModelLoadError("the bundled weights for 'mnist' are missing (assets/models/mnist.pt)")

    monkeypatch.setattr(work, "load_digit_model", broken)
    widget = build(qtbot, app_state, commands)
    with qtbot.waitSignal(widget.model_ready, timeout=10000) as loaded:
        pass
    assert loaded.args == [False]
    settle(qtbot, widget)
    assert widget.banner.isVisible() and "missing" in widget.banner.text()
    assert draw_and_wait(qtbot, widget, [line((0.5, 0.15), (0.5, 0.85))]) == ""
    assert "only the preprocessing" in widget.prediction_text.text()
    assert widget.steps.views["digit"].image.image is not None
    widget.shutdown()


def test_file_dropped_on_window_goes_to_the_pad(qtbot, window, tmp_path):
    lesson = ready(qtbot, window.show_lesson("draw"))
    img = Image.new("L", (120, 160), 255)
    ImageDraw.Draw(img).line([(60, 15), (60, 145)], fill=0, width=12)
    path = tmp_path / "dropped-one.png"
    img.save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    settle(qtbot, lesson)
    assert predicted(lesson) == "1"


# ---------------------------------------------------------------- the digit model in use


def small_model():
    torch.manual_seed(0)
    return DigitCNN(conv1=8, conv2=16, hidden=64).eval()


def test_uses_the_app_state_model_set_before_it_was_built(qtbot, app_state, commands):
    model = small_model()
    app_state.set_digit_model(model, "your trained model")
    lesson = ready(qtbot, build(qtbot, app_state, commands))
    assert lesson.model is model
    total = sum(p.numel() for p in model.parameters())
    assert total != 184_586
    assert lesson.model_label.text() == f"Model: your trained model ({total:,} parameters)"
    titles = {key: title.text for key, title in lesson.layers.titles.items()}
    assert "(1, 8, 24, 24)" in titles["conv1"] and "(1, 8, 12, 12)" in titles["pool1"]
    assert "(1, 16, 8, 8)" in titles["conv2"] and "(1, 16, 4, 4)" in titles["pool2"]
    assert "(1, 64)" in titles["dense1"]
    mosaic = lesson.layers.views["conv1"].mosaic
    assert (mosaic.channels, mosaic.height, mosaic.width) == (8, 24, 24)
    assert lesson.layers.views["conv2"].mosaic.channels == 16
    lesson.select_neuron("dense1", 5)
    assert "256 weights (one per flattened pool2 value" in lesson.detail.text()
    assert lesson.weights.maps.values.shape == (16, 4, 4)
    np.testing.assert_allclose(lesson.weights.maps.values.ravel(),
                               model.classifier[2].weight[5].detach().numpy())
    lesson.select_neuron("conv2", 3, 1, 1)
    assert "8 input channel(s) × 5×5 weights" in lesson.detail.text()
    assert "= 201 parameters" in lesson.detail.text()
    assert lesson.weights.maps.values.shape == (8, 5, 5)
    lesson.select_neuron("output", 2)
    assert "64 weights (one per dense1 neuron)" in lesson.detail.text()
    lesson.shutdown()


def test_follows_a_new_model_and_waits_while_hidden(qtbot, lesson):
    model = small_model()
    lesson.select_neuron("conv1", 20, 3, 3)  # a channel the small model does not have
    lesson.hide()
    lesson.app_state.set_digit_model(model, "your trained model")
    assert lesson.is_stale() and not lesson.is_busy()  # hidden: nothing loads yet
    assert lesson.model is not model
    lesson.show()
    qtbot.waitUntil(lambda: lesson.model is model and not lesson.is_busy(), timeout=20000)
    assert "your trained model" in lesson.model_label.text()
    assert "(1, 8, 24, 24)" in lesson.layers.titles["conv1"].text
    assert lesson.state.selection == ("conv1", 0, 10, 10)  # the old selection did not fit: back to the first
    lesson.app_state.set_digit_model(None)
    qtbot.waitUntil(lambda: lesson.model is not model and lesson.model is not None and not lesson.is_busy(),
                    timeout=20000)
    assert "bundled digit CNN (184,586 parameters)" in lesson.model_label.text()
    assert "(1, 32, 24, 24)" in lesson.layers.titles["conv1"].text


def test_window_lesson_opened_after_use_this_model(qtbot, window):
    model = small_model()
    window.app_state.set_digit_model(model, "your trained model")
    lesson = ready(qtbot, window.show_lesson("draw"))
    assert lesson.model is model and "your trained model" in lesson.model_label.text()
    assert "(1, 16, 8, 8)" in lesson.layers.titles["conv2"].text


# ---------------------------------------------------------------- the app state drives the pad


def test_pad_follows_the_app_state_drawing(qtbot, lesson):
    side = 280
    strokes = tuple(tuple((x * side, y * side) for x, y in stroke) for stroke in [line((0.5, 0.15), (0.5, 0.85))])
    lesson.app_state.set_drawing(render_strokes(strokes), strokes, None)
    settle(qtbot, lesson)
    assert tuple(lesson.pad.strokes()) == lesson.app_state.drawing_strokes
    assert lesson.pad.background() is None and predicted(lesson) == "1"
    # Hidden, the lesson only notes the change; shown again, it follows.
    lesson.hide()
    lesson.app_state.set_drawing(None, (), None)
    assert lesson.pad.stroke_count() == 1 and lesson.is_stale()
    lesson.show()
    settle(qtbot, lesson)
    assert lesson.pad.is_blank() and predicted(lesson) == ""


def test_drawing_given_as_pixels_only_is_shown(qtbot, lesson):
    drawing = np.zeros((280, 280), np.float32)
    drawing[40:240, 130:150] = 1.0
    lesson.app_state.set_drawing(drawing)
    settle(qtbot, lesson)
    assert lesson.pad.background() is not None and predicted(lesson) == "1"


# ---------------------------------------------------------------- state and sessions


def test_state_round_trip():
    state = DrawState(selection=("dense1", 7, 0, 0), true_label=3, heldout_index=12)
    again = DrawState.from_dict(state.to_dict())
    assert again.selection == ("dense1", 7, 0, 0) and isinstance(again.selection, tuple)
    assert again.true_label == 3 and again.heldout_index == 12
    assert state_class("draw") is DrawState
    assert DrawState.from_dict({}).selection == DrawState().selection


@pytest.mark.parametrize("bad, words", [
    ({"selection": ["conv1", -1, 0, 0]}, "channel"),
    ({"selection": ["softmax", 0, 0, 0]}, "selected layer"),
    ({"selection": ["conv1", 0, 99, 0]}, "row"),
    ({"selection": ["conv1", 0, 0]}, "4 items"),
    ({"true_label": 12}, "true label"),
    ({"true_label": "seven"}, "whole number"),
    ({"heldout_index": -3}, "held-out"),
    ({"colour": "red"}, "unknown field"),
    (["conv1"], "mapping"),
])
def test_malformed_state_is_refused_and_nothing_changes(qtbot, lesson, bad, words):
    lesson.select_neuron("conv2", 1, 2, 3)
    before = lesson.state.to_dict()
    detail = lesson.detail.text()
    with pytest.raises(ValueError, match=words):
        lesson.restore_state(bad)
    assert lesson.state.to_dict() == before
    assert lesson.detail.text() == detail


def test_session_round_trip(qtbot, window, make_window, tmp_path):
    lesson = ready(qtbot, window.show_lesson("draw"))
    label = lesson.load_heldout(3)
    lesson.select_neuron("conv2", 5, 2, 3)
    settle(qtbot, lesson)
    detail, prediction = lesson.detail.text(), lesson.prediction_text.text()
    assert f"True label: <b>{label}</b>" in prediction
    path = window.save_session(tmp_path / "draw.convlens")

    other = make_window()
    other.load_session(path)
    again = ready(qtbot, other.lesson("draw"))
    assert other.current_lesson_id == "draw"
    assert again.state.to_dict() == lesson.state.to_dict()
    np.testing.assert_array_equal(again.pad.background(), lesson.pad.background())
    assert again.detail.text() == detail
    assert again.prediction_text.text() == prediction


def test_a_drawn_seven_comes_back_from_a_session(qtbot, window, make_window, tmp_path):
    """The issue's acceptance test: draw a 7, save, open in a new window: the same strokes, read as 7."""
    lesson = ready(qtbot, window.show_lesson("draw"))
    qtbot.mouseClick(lesson.findChild(QPushButton, "clearButton"), Qt.MouseButton.LeftButton)
    assert draw_and_wait(qtbot, lesson, seven()) == "7"
    strokes = lesson.pad.strokes()
    path = window.save_session(tmp_path / "seven.convlens")

    other = make_window()
    assert other.lesson("draw") is None
    other.load_session(path)
    again = ready(qtbot, other.show_lesson("draw"))
    assert again.pad.strokes() == strokes
    assert again.pad.background() is None
    assert predicted(again) == "7"
    assert "reads <b>7</b>" in again.prediction_text.text()


# ---------------------------------------------------------------- how it looks


def test_every_preprocessing_picture_has_a_frame(lesson):
    """A stroke that touches the edge of a picture is seen to touch it, not to be cut off."""
    views = lesson.steps.views
    assert set(views) == {"raw", "cropped", "scaled", "digit"}
    for name, view in views.items():
        frame, image = view.frame_item, view.image.image
        assert image is not None and frame is not None and frame.isVisible(), name
        assert frame.rect().getRect() == (0, 0, image.shape[1], image.shape[0]), name
        assert frame.zValue() > view.image.zValue() and frame.pen().widthF() >= 1, name
    # The cropped digit touches its picture's edges (it is cut to its bounding box): the frame is there to show it.
    cropped = views["cropped"].image.image
    assert cropped[0].max() > 0 or cropped[:, 0].max() > 0
