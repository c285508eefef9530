"""The kernel stepper, read from its widgets like a student reads the screen."""

import json

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPushButton, QSlider, QSpinBox

from explainer import core
from explainer.ui.lessons import state_class
from explainer.ui.lessons.convolution import create
from explainer.ui.lessons.convolution.presets import THUMBNAIL_SIDE
from explainer.ui.lessons.convolution.state import ConvolutionState, State
from explainer.ui.state import AppState, Commands
from explainer.ui.widgets.matrix_grid import MatrixGrid


@pytest.fixture
def lesson(qtbot):
    widget = create(AppState(), Commands())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def label(lesson, name):
    return lesson.findChild(QLabel, name).text()


def grid(lesson, name):
    return lesson.findChild(MatrixGrid, name)


def spin(lesson, name):
    return lesson.findChild(QSpinBox, name)


def click_cell(qtbot, widget, row, col):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.cell_rect(row, col).center())


def output_texts(lesson, rows, cols):
    out = grid(lesson, "outputGrid")
    return [out.cell_text(r, c) for r in range(rows) for c in range(cols)]


def hover(widget, point):
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(point), widget.mapToGlobal(QPointF(point)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def play_button(lesson):
    return lesson.findChild(QPushButton, "playButton")


def press(qtbot, lesson, key, times=1):
    lesson.setFocus()
    for _ in range(times):
        qtbot.keyClick(lesson, key)


# -- the lecture example, stepping, editing -----------------------------------------


def test_opens_on_the_lecture_example_top_left_cell(lesson):
    assert label(lesson, "channelSum0") == "Σ = 308"
    assert label(lesson, "channelSum1") == "Σ = −498"
    assert label(lesson, "channelSum2") == "Σ = 164"
    assert label(lesson, "sumLine") == "308 + (−498) + 164 + 1 = <b>−25</b>"
    assert label(lesson, "positionLabel") == "cell 1 of 25"
    assert spin(lesson, "paddingSpin").value() == 1
    out = grid(lesson, "outputGrid")
    assert out.cell_text(0, 0) == "−25"
    assert out.cell_text(0, 1) == ""  # not computed yet: fills in as the kernel moves
    red = grid(lesson, "inputGrid0")
    assert red.cell_text(0, 0) == "0" and red.is_padding(0, 0)  # the zero border is shown, and marked
    assert red.cell_text(1, 1) == "156" and not red.is_padding(1, 1)
    assert sorted(red.highlights["window"][0]) == [(r, c) for r in range(3) for c in range(3)]
    assert grid(lesson, "productsGrid1").cell_text(1, 1) == "−167"
    assert label(lesson, "channelName0") == "Red"


def test_stepping_moves_the_window_and_fills_the_output(qtbot, lesson):
    qtbot.mouseClick(lesson.findChild(QPushButton, "stepButton"), Qt.MouseButton.LeftButton)
    red = grid(lesson, "inputGrid0")
    assert sorted(red.highlights["window"][0]) == [(r, c) for r in range(3) for c in range(1, 4)]
    step = core.conv_step(lesson.state.x, lesson.state.w[0], 1, 0, 1, padding=1)
    assert grid(lesson, "outputGrid").cell_text(0, 1) == core.format_number(step.value)
    assert label(lesson, "channelSum0") == f"Σ = {core.format_number(step.channel_sums[0])}"
    press(qtbot, lesson, Qt.Key.Key_Right)
    assert lesson.state.cursor == 2 and label(lesson, "positionLabel") == "cell 3 of 25"
    press(qtbot, lesson, Qt.Key.Key_Left, times=2)
    assert lesson.state.cursor == 0
    assert label(lesson, "channelSum0") == "Σ = 308"
    press(qtbot, lesson, Qt.Key.Key_Left)  # already on the first cell: stays there
    assert label(lesson, "positionLabel") == "cell 1 of 25"


def test_clicking_an_output_cell_jumps_there(qtbot, lesson):
    click_cell(qtbot, grid(lesson, "outputGrid"), 2, 3)
    assert lesson.state.cursor == 2 * 5 + 3
    full = core.conv2d(lesson.state.x, lesson.state.w, lesson.state.b, padding=1)
    assert grid(lesson, "outputGrid").cell_text(2, 3) == core.format_number(full[0, 2, 3])
    assert grid(lesson, "outputGrid").cell_text(2, 4) == ""
    assert label(lesson, "outputValue") == "→ output cell (2, 3) of feature map 1"


def test_play_animates_and_home_returns(qtbot, lesson):
    lesson.findChild(QSlider, "speedSlider").setValue(10)
    assert lesson.state.speed == 10 and label(lesson, "speedLabel") == "10/s"
    qtbot.mouseClick(lesson.findChild(QPushButton, "playButton"), Qt.MouseButton.LeftButton)
    assert play_button(lesson).text() == "Pause"
    qtbot.waitUntil(lambda: lesson.state.cursor >= 3, timeout=3000)
    qtbot.mouseClick(lesson.findChild(QPushButton, "resetButton"), Qt.MouseButton.LeftButton)
    assert lesson.state.cursor == 0 and not play_button(lesson).isChecked()
    press(qtbot, lesson, Qt.Key.Key_Space)
    assert play_button(lesson).isChecked()
    qtbot.waitUntil(lambda: lesson.state.cursor >= 2, timeout=3000)
    press(qtbot, lesson, Qt.Key.Key_Space)
    assert not play_button(lesson).isChecked()
    press(qtbot, lesson, Qt.Key.Key_Home)
    assert label(lesson, "positionLabel") == "cell 1 of 25"


def test_play_stops_on_the_last_cell(qtbot, lesson):
    lesson.state.set_speed(10)
    lesson.state.set_cursor(22)
    play_button(lesson).setChecked(True)
    qtbot.waitUntil(lambda: not play_button(lesson).isChecked(), timeout=3000)
    assert label(lesson, "positionLabel") == "cell 25 of 25"


def test_editing_a_kernel_weight_changes_the_output(qtbot, lesson):
    kernel = grid(lesson, "kernelGrid0")
    click_cell(qtbot, kernel, 1, 1)  # the centre weight (1) of the red kernel slice
    editor = kernel.findChild(QLineEdit, "cellEditor")
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "2")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert kernel.cell_text(1, 1) == "2"
    assert lesson.state.w[0, 0, 1, 1] == 2
    # Red channel sum gains 156 (the pixel under the centre weight): 308 + 156 = 464.
    assert label(lesson, "channelSum0") == "Σ = 464"
    assert grid(lesson, "outputGrid").cell_text(0, 0) == "131"


def test_editing_a_pixel_and_the_bias(qtbot, lesson):
    red = grid(lesson, "inputGrid0")
    click_cell(qtbot, red, 1, 1)  # padded (1, 1) = pixel (0, 0) = 156
    editor = red.findChild(QLineEdit, "cellEditor")
    editor.setText("100")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert lesson.state.x[0, 0, 0] == 100
    assert label(lesson, "channelSum0") == "Σ = 252"
    lesson.bias_spin.setValue(-5)
    assert lesson.state.b[0] == -5
    assert label(lesson, "sumLine").endswith("(−5) = <b>−87</b>")


def test_a_bad_number_is_refused(qtbot, lesson):
    kernel = grid(lesson, "kernelGrid0")
    click_cell(qtbot, kernel, 0, 0)
    editor = kernel.findChild(QLineEdit, "cellEditor")
    editor.setText("abc")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "not a number" in editor.toolTip()
    assert lesson.state.w[0, 0, 0, 0] == -1


# -- geometry ------------------------------------------------------------------------


def test_settings_update_formula_and_shape(qtbot, lesson):
    spin(lesson, "strideSpin").setValue(2)
    assert lesson.state.stride == 2
    formula = label(lesson, "sizeFormula")
    assert "⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3" in formula
    assert "(1, 3, 3)" in formula
    assert lesson.state.result()[0].shape == (1, 3, 3)
    spin(lesson, "kernelsSpin").setValue(3)
    assert "(3, 3, 3)" in label(lesson, "sizeFormula")
    assert lesson.findChild(QComboBox, "kernelCombo").count() == 3
    spin(lesson, "dilationSpin").setValue(2)
    output, _ = lesson.state.result()
    assert output.shape == (3, 2, 2)
    np.testing.assert_allclose(output, core.conv2d(lesson.state.x, lesson.state.w, lesson.state.b,
                                                   stride=2, padding=1, dilation=2))
    assert label(lesson, "positionLabel") == "cell 1 of 4"


def test_a_geometry_change_keeps_the_cursor_inside(qtbot, lesson):
    click_cell(qtbot, grid(lesson, "outputGrid"), 4, 4)
    assert label(lesson, "positionLabel") == "cell 25 of 25"
    spin(lesson, "strideSpin").setValue(2)
    assert lesson.state.cursor == 8 and label(lesson, "positionLabel") == "cell 9 of 9"


def test_choosing_a_kernel_steps_it(qtbot, lesson):
    spin(lesson, "kernelsSpin").setValue(2)
    combo = lesson.findChild(QComboBox, "kernelCombo")
    combo.activated.emit(1)  # what choosing the second item does
    assert lesson.state.kernel == 1
    np.testing.assert_array_equal(grid(lesson, "kernelGrid0").values, lesson.state.w[1, 0])
    assert label(lesson, "outputValue").endswith("of feature map 2")
    lesson.state.set_kernel(0)  # state -> widget
    assert combo.currentIndex() == 0 and combo.currentText() == "Kernel 1 of 2"


def test_state_drives_the_widgets(lesson):
    lesson.state.set_geometry(stride=2)
    assert spin(lesson, "strideSpin").value() == 2
    assert "(1, 3, 3)" in label(lesson, "sizeFormula")
    lesson.state.set_cursor(4)
    assert label(lesson, "positionLabel") == "cell 5 of 9"
    lesson.state.set_kernel_size(5)
    assert spin(lesson, "kernelSizeSpin").value() == 5
    assert grid(lesson, "kernelGrid0").values.shape == (5, 5)
    lesson.state.set_bias(2.5)
    assert lesson.bias_spin.value() == 2.5
    lesson.state.set_speed(7)
    assert lesson.findChild(QSlider, "speedSlider").value() == 7


def test_kernel_size_keeps_the_centre(lesson):
    centre = lesson.state.w[0, :, 1, 1].copy()
    spin(lesson, "kernelSizeSpin").setValue(5)
    np.testing.assert_array_equal(lesson.state.w[0, :, 2, 2], centre)
    assert np.all(lesson.state.w[0, :, 0, :] == 0)
    spin(lesson, "kernelSizeSpin").setValue(1)
    np.testing.assert_array_equal(lesson.state.w[0, :, 0, 0], centre)


def test_impossible_setting_shows_why_and_recovers(qtbot, lesson):
    spin(lesson, "paddingSpin").setValue(0)
    spin(lesson, "kernelSizeSpin").setValue(7)
    error = lesson.findChild(QLabel, "settingsError")
    assert error.isVisible()
    assert "does not fit" in error.text() and "7x7" in error.text()
    assert "= −1" in label(lesson, "sizeFormula")
    assert not grid(lesson, "outputGrid").isVisible()
    assert label(lesson, "sumLine") == "—" and label(lesson, "channelSum0") == "Σ = —"
    press(qtbot, lesson, Qt.Key.Key_Right)  # nothing to step: no crash, nothing moves
    assert lesson.state.cursor == 0
    spin(lesson, "paddingSpin").setValue(1)
    assert not error.isVisible()
    assert lesson.state.result()[0].shape == (1, 1, 1)
    assert label(lesson, "positionLabel") == "cell 1 of 1"


# -- presets and sources -------------------------------------------------------------


def test_one_channel_and_presets(qtbot, lesson):
    lesson.load_preset("binary")
    assert lesson.state.result()[0].tolist() == [[[4, 3, 4], [2, 4, 3], [2, 3, 4]]]
    assert lesson.findChild(QComboBox, "presetCombo").currentData() == "binary"
    lesson.state.step(8)
    assert output_texts(lesson, 3, 3) == list("434243234")
    lesson.load_preset("digit")
    assert lesson.state.x.shape == (1, 28, 28) and lesson.state.result()[0].shape == (1, 24, 24)
    assert "(1, 24, 24)" in label(lesson, "sizeFormula")
    # It opens where the stroke kernel responds most, not on the empty border.
    output = lesson.state.result()[0][0]
    assert lesson.state.cursor == int(np.argmax(output)) and output.max() > 0
    channels = lesson.findChild(QComboBox, "channelsCombo")
    channels.activated.emit(1)  # choose "3"
    assert lesson.state.channels == 3 and lesson.state.w.shape[1] == 3
    assert grid(lesson, "inputGrid2") is not None and label(lesson, "channelName2") == "Blue"


def test_the_preset_combo_loads_a_preset(qtbot, lesson):
    combo = lesson.findChild(QComboBox, "presetCombo")
    combo.activated.emit(combo.findData("binary"))
    assert lesson.state.preset == "binary" and lesson.state.x.shape == (1, 5, 5)
    assert grid(lesson, "inputGrid1") is None  # the green and blue rows are gone
    assert label(lesson, "sumLine") == "4 + 0 = <b>4</b>"


def ramp_image():
    image = np.zeros((40, 50, 3), np.float32)
    image[..., 0] = np.linspace(0, 1, 50)[None, :]
    return image


def test_real_image_crop(qtbot, lesson):
    lesson.app_state.set_image(ramp_image(), "ramp.png")
    lesson.load_preset("crop")
    assert lesson.crop_picker.isVisible()
    spin(lesson, "cropSizeSpin").setValue(6)
    x = lesson.state.x
    assert x.shape == (3, 6, 6) and lesson.state.crop_size == 6
    assert x.max() <= 255 and np.all(x == np.round(x))  # actual 0-255 pixel values
    assert np.all(np.diff(x[0], axis=1) > 0)  # the red ramp increases to the right
    # Dragging the square to the right picks brighter red pixels.
    lesson.crop_picker.roi.setPos([20, 10])  # (x, y), as a drag leaves it
    assert lesson.state.crop_pos == (10, 20)
    np.testing.assert_array_equal(lesson.state.x[0], np.round(ramp_image()[10:16, 20:26, 0] * 255))
    # One channel: grey values straight from the picture, whole numbers.
    lesson.findChild(QComboBox, "channelsCombo").activated.emit(0)
    expected = np.round(np.round(ramp_image()[10:16, 20:26] * 255).mean(axis=2))
    np.testing.assert_array_equal(lesson.state.x[0], expected)


def test_a_new_image_is_cropped_when_the_lesson_is_shown(qtbot, lesson):
    lesson.load_preset("crop")
    assert np.all(lesson.state.x == 0)  # no current image yet: a black picture
    lesson.hide()
    lesson.app_state.set_image(ramp_image(), "ramp.png")
    assert lesson.is_stale() and np.all(lesson.state.x == 0)  # hidden: no work done
    lesson.show()
    qtbot.waitExposed(lesson)
    assert not lesson.is_stale()
    assert lesson.state.x[0].max() > 0


def test_a_large_photo_is_read_through_a_small_view(qtbot, lesson):
    rng = np.random.default_rng(1)
    photo = rng.random((2000, 3000, 3), dtype=np.float32)
    lesson.load_preset("crop")
    lesson.app_state.set_image(photo, "big.png")
    step = int(np.ceil(3000 / THUMBNAIL_SIDE))
    picture = lesson.crop_picker.image.image
    assert max(picture.shape[:2]) <= THUMBNAIL_SIDE
    size, (row, col) = lesson.state.crop_size, lesson.state.crop_pos
    expected = np.round(photo[::step, ::step][row : row + size, col : col + size] * 255)
    np.testing.assert_array_equal(lesson.state.x, np.moveaxis(expected, 2, 0))


def test_hover_links_output_and_input(qtbot, lesson):
    out = grid(lesson, "outputGrid")
    red = grid(lesson, "inputGrid0")
    hover(out, out.cell_rect(1, 1).center())
    assert sorted(red.highlights["hover"][0]) == [(r, c) for r in range(1, 4) for c in range(1, 4)]
    assert sorted(grid(lesson, "inputGrid2").highlights["hover"][0]) == sorted(red.highlights["hover"][0])
    QApplication.sendEvent(out, QEvent(QEvent.Type.Leave))
    assert "hover" not in red.highlights
    hover(red, red.cell_rect(1, 1).center())
    assert sorted(out.highlights["hover"][0]) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    spin(lesson, "strideSpin").setValue(2)  # the links follow the geometry
    assert sorted(out.highlights["hover"][0]) == [(0, 0)]


# -- a kernel sent by another lesson -------------------------------------------------


def learned_kernel():
    return np.arange(27, dtype=np.float64).reshape(3, 3, 3) / 10 - 1.3


def test_a_kernel_offered_before_the_lesson_exists_is_taken_when_it_is_built(qtbot):
    app_state, commands = AppState(), Commands()
    messages = []
    commands.message_posted.connect(lambda text, ms: messages.append(text))
    app_state.set_image(ramp_image(), "ramp.png")
    app_state.offer_kernel(learned_kernel(), 0.25, "photo network conv1 kernel 5")
    lesson = create(app_state, commands)
    qtbot.addWidget(lesson)
    assert app_state.pending_kernel is None
    np.testing.assert_allclose(lesson.state.w[0], learned_kernel())
    assert lesson.state.b.tolist() == [0.25] and lesson.state.padding == 1 and lesson.state.preset == "crop"
    assert lesson.state.x.shape == (3, 8, 8) and lesson.state.x[0].max() > 0  # real pixels of the ramp
    assert "photo network conv1 kernel 5" in messages[-1]
    lesson.shutdown()


def test_a_kernel_offered_to_a_built_lesson_is_stepped_when_it_is_shown(qtbot, window):
    lesson = window.show_lesson("convolution")
    messages = []
    window.commands.message_posted.connect(lambda text, ms: messages.append(text))
    lesson.hide()  # as if another lesson were in front
    window.app_state.offer_kernel(learned_kernel()[:1, :1, :1] * 0 + 2, 0.0, "a 1×1 kernel")
    assert lesson.state.preset == "rgb"  # hidden: it waits
    window.commands.request_lesson("convolution")
    lesson.show()
    assert window.current_lesson_id == "convolution"
    assert lesson.state.w.shape == (1, 1, 1, 1) and lesson.state.channels == 1 and lesson.state.padding == 0
    assert lesson.crop_picker.isVisible() and "a 1×1 kernel" in messages[-1]
    assert window.app_state.pending_kernel is None


def test_an_unusable_kernel_is_explained(qtbot, lesson):
    messages = []
    lesson.commands.message_posted.connect(lambda text, ms: messages.append(text))
    lesson.app_state.offer_kernel(np.ones((5, 3, 3)), 0.0, "a five-channel kernel")
    assert "Cannot step a five-channel kernel" in messages[-1] and "5 channel" in messages[-1]
    lesson.app_state.offer_kernel(np.ones((3, 9, 9)), 0.0, "a 9×9 kernel")
    assert "Cannot step a 9×9 kernel" in messages[-1] and "kernel size must be between 1 and 7" in messages[-1]
    lesson.app_state.offer_kernel(np.ones((3, 3)), 0.0, "a flat kernel")
    assert "Cannot step a flat kernel" in messages[-1] and "(channels, k, k)" in messages[-1]
    assert lesson.state.preset == "rgb" and label(lesson, "channelSum0") == "Σ = 308"
    assert lesson.app_state.pending_kernel is None


# -- state and sessions --------------------------------------------------------------


def non_default_state():
    state = ConvolutionState()
    state.set_kernel_count(2)
    state.set_kernel(1)
    state.set_geometry(stride=2, padding=2, dilation=2)
    state.set_weight(0, 0, 0, 0.5)
    state.set_input_value(1, 2, 3, 7.0)
    state.set_cursor(3)
    state.crop_size = 10
    state.crop_pos = (4, 9)
    state.set_speed(6)
    return state


def test_state_round_trip():
    assert state_class("convolution") is State
    state = non_default_state()
    data = json.loads(json.dumps(state.to_dict()))
    copy = State.from_dict(data)
    for name in data:
        a, b = getattr(state, name), getattr(copy, name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype
        else:
            assert a == b, name
    assert copy.cursor == 3 and copy.kernel == 1 and copy.crop_pos == (4, 9)


def test_an_impossible_geometry_is_a_state_too(qtbot, lesson):
    state = ConvolutionState()
    state.set_geometry(padding=0)
    state.set_kernel_size(7)
    data = state.to_dict()
    lesson.restore_state(data)
    assert lesson.state.kernel_size == 7 and lesson.state.output_shape() is None
    assert "does not fit" in label(lesson, "settingsError")
    with pytest.raises(ValueError, match="cursor"):
        State.from_dict({**data, "cursor": 3})


@pytest.mark.parametrize("change, words", [
    ({"stride": 99}, "stride must be between 1 and 4"),
    ({"padding": -1}, "padding"),
    ({"dilation": 4}, "dilation"),
    ({"cursor": 25}, "cursor"),
    ({"kernel": 1}, "active kernel"),
    ({"preset": "mystery"}, "preset"),
    ({"channel_names": ["Red"]}, "channel name"),
    ({"x": {"dtype": "<f8", "shape": [2, 5, 5], "data": [0.0] * 50}}, "channel"),
    ({"w": {"dtype": "<f8", "shape": [5, 3, 3, 3], "data": [0.0] * 135}}, "bias"),
    ({"b": {"dtype": "<f8", "shape": [1], "data": ["nan"]}}, "finite"),
    ({"stride": "2"}, "whole number"),
    ({"volume": 11}, "unknown field"),
])
def test_a_malformed_state_is_refused_and_nothing_changes(lesson, change, words):
    lesson.state.set_cursor(3)
    before = lesson.state.to_dict()
    shown = label(lesson, "sumLine"), label(lesson, "positionLabel")
    with pytest.raises(ValueError, match=words):
        lesson.restore_state({**before, **change})
    assert lesson.state.to_dict() == before
    assert (label(lesson, "sumLine"), label(lesson, "positionLabel")) == shown


def test_restoring_a_state_redraws_everything(qtbot, lesson):
    state = non_default_state()
    lesson.restore_state(state.to_dict())
    assert spin(lesson, "strideSpin").value() == 2 and spin(lesson, "dilationSpin").value() == 2
    assert lesson.findChild(QComboBox, "kernelCombo").currentIndex() == 1
    oh, ow = state.output_shape()
    assert label(lesson, "positionLabel") == f"cell 4 of {oh * ow}"
    row, col = divmod(3, ow)
    step = core.conv_step(state.x, state.w[1], state.b[1], row, col, stride=2, padding=2, dilation=2)
    assert label(lesson, "channelSum1") == f"Σ = {core.format_number(step.channel_sums[1])}"


def test_kernel_on_cell_4_of_25_comes_back_in_a_new_window(qtbot, window, make_window, tmp_path):
    """The issue's acceptance check: step with →, save the session, open it in a new window."""
    lesson = window.show_lesson("convolution")
    qtbot.waitExposed(lesson)
    assert label(lesson, "positionLabel") == "cell 1 of 25"
    press(qtbot, lesson, Qt.Key.Key_Right, times=3)
    assert label(lesson, "positionLabel") == "cell 4 of 25"
    sum_line = label(lesson, "sumLine")
    path = window.save_session(tmp_path / "lesson.convlens")

    other = make_window()
    other.load_session(path)
    qtbot.waitUntil(lambda: not other.is_busy(), timeout=10000)
    restored = other.lesson("convolution")
    assert other.current_lesson_id == "convolution"
    assert label(restored, "positionLabel") == "cell 4 of 25"
    assert label(restored, "sumLine") == sum_line
    assert restored.state.cursor == 3


def test_a_session_brings_back_an_edited_crop(qtbot, window, make_window, tmp_path):
    window.app_state.set_image(ramp_image(), "ramp.png")  # not a file: embedded in the session
    lesson = window.show_lesson("convolution")
    lesson.load_preset("crop")
    lesson.crop_picker.roi.setPos([30, 5])
    spin(lesson, "strideSpin").setValue(2)
    lesson.state.set_cursor(5)
    shown = label(lesson, "sumLine"), label(lesson, "positionLabel"), label(lesson, "sizeFormula")
    path = window.save_session(tmp_path / "crop.convlens")

    other = make_window()
    other.load_session(path)
    qtbot.waitUntil(lambda: not other.is_busy() and other.app_state.image is not None, timeout=10000)
    restored = other.lesson("convolution")
    assert restored.state.preset == "crop" and restored.state.crop_pos == (5, 30)
    np.testing.assert_array_equal(restored.state.x, lesson.state.x)
    assert (label(restored, "sumLine"), label(restored, "positionLabel"), label(restored, "sizeFormula")) == shown
    assert restored.crop_picker.square() == (5, 30)


def test_restoring_fewer_kernels_than_the_active_one(qtbot, lesson):
    spin(lesson, "kernelsSpin").setValue(3)
    lesson.findChild(QComboBox, "kernelCombo").activated.emit(2)
    assert lesson.state.kernel == 2
    lesson.restore_state(ConvolutionState().to_dict())  # one kernel: the fields arrive one by one
    assert lesson.state.kernel == 0 and lesson.findChild(QComboBox, "kernelCombo").count() == 1
    assert label(lesson, "sumLine") == "308 + (−498) + 164 + 1 = <b>−25</b>"
    assert not lesson.findChild(QLabel, "settingsError").isVisible()


def test_whole_numbers_from_a_file_become_decimals(lesson):
    data = ConvolutionState().to_dict()
    data["x"] = {"dtype": "<i8", "shape": [3, 5, 5], "data": [int(v) for v in ConvolutionState().x.ravel()]}
    lesson.restore_state(data)
    assert lesson.state.x.dtype == np.float64
    lesson.state.set_input_value(0, 0, 0, 0.5)
    assert lesson.state.x[0, 0, 0] == 0.5
