"""The kernel stepper, read from its widgets like a student reads the screen."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox

from explainer import core
from explainer.ui.lessons.convolution import ConvolutionLesson
from explainer.ui.state import AppState
from explainer.ui.widgets.matrix_grid import MatrixGrid


@pytest.fixture
def lesson(qtbot):
    widget = ConvolutionLesson(AppState())
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


def click_cell(qtbot, widget, row, col):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.cell_rect(row, col).center())


def test_opens_on_the_lecture_example_top_left_cell(lesson):
    assert label(lesson, "channelSum0") == "Σ = 308"
    assert label(lesson, "channelSum1") == "Σ = −498"
    assert label(lesson, "channelSum2") == "Σ = 164"
    assert lesson.findChild(QLabel, "sumLine").text() == "308 + (−498) + 164 + 1 = <b>−25</b>"
    assert lesson.findChild(QSpinBox, "paddingSpin").value() == 1
    out = grid(lesson, "outputGrid")
    assert out.cell_text(0, 0) == "−25"
    assert out.cell_text(0, 1) == ""  # not computed yet: fills in as the kernel moves
    red = grid(lesson, "inputGrid0")
    assert red.cell_text(0, 0) == "0" and red.is_padding(0, 0)  # the zero border is shown, and marked
    assert red.cell_text(1, 1) == "156" and not red.is_padding(1, 1)
    assert sorted(red.highlights["window"][0]) == [(r, c) for r in range(3) for c in range(3)]
    assert grid(lesson, "productsGrid1").cell_text(1, 1) == "−167"


def test_stepping_moves_the_window_and_fills_the_output(qtbot, lesson):
    qtbot.mouseClick(lesson.findChild(QPushButton, "stepButton"), Qt.MouseButton.LeftButton)
    red = grid(lesson, "inputGrid0")
    assert sorted(red.highlights["window"][0]) == [(r, c) for r in range(3) for c in range(1, 4)]
    step = core.conv_step(lesson.conv.x, lesson.conv.w[0], 1, 0, 1, padding=1)
    assert grid(lesson, "outputGrid").cell_text(0, 1) == core.format_number(step.value)
    assert label(lesson, "channelSum0") == f"Σ = {core.format_number(step.channel_sums[0])}"
    qtbot.keyClick(lesson, Qt.Key.Key_Right)
    assert lesson.conv.cursor == 2
    qtbot.keyClick(lesson, Qt.Key.Key_Left)
    qtbot.keyClick(lesson, Qt.Key.Key_Left)
    assert lesson.conv.cursor == 0
    assert label(lesson, "channelSum0") == "Σ = 308"


def test_clicking_an_output_cell_jumps_there(qtbot, lesson):
    click_cell(qtbot, grid(lesson, "outputGrid"), 2, 3)
    assert lesson.conv.cursor == 2 * 5 + 3
    full = core.conv2d(lesson.conv.x, lesson.conv.w, lesson.conv.b, padding=1)
    assert grid(lesson, "outputGrid").cell_text(2, 3) == core.format_number(full[0, 2, 3])
    assert grid(lesson, "outputGrid").cell_text(2, 4) == ""


def test_play_animates_and_reset_returns(qtbot, lesson):
    lesson.findChild(type(lesson.speed_slider), "speedSlider").setValue(10)
    qtbot.mouseClick(lesson.findChild(QPushButton, "playButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lesson.conv.cursor >= 3, timeout=3000)
    qtbot.mouseClick(lesson.findChild(QPushButton, "resetButton"), Qt.MouseButton.LeftButton)
    assert lesson.conv.cursor == 0 and not lesson.play_button.isChecked()


def test_editing_a_kernel_weight_changes_the_output(qtbot, lesson):
    kernel = grid(lesson, "kernelGrid0")
    click_cell(qtbot, kernel, 1, 1)  # the centre weight (1) of the red kernel slice
    editor = kernel.findChild(QLineEdit, "cellEditor")
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "2")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert kernel.cell_text(1, 1) == "2"
    # Red channel sum gains 156 (the pixel under the centre weight): 308 + 156 = 464.
    assert label(lesson, "channelSum0") == "Σ = 464"
    assert grid(lesson, "outputGrid").cell_text(0, 0) == "131"


def test_editing_a_pixel_and_the_bias(qtbot, lesson):
    red = grid(lesson, "inputGrid0")
    click_cell(qtbot, red, 1, 1)  # padded (1, 1) = pixel (0, 0) = 156
    editor = red.findChild(QLineEdit, "cellEditor")
    editor.setText("100")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert lesson.conv.x[0, 0, 0] == 100
    assert label(lesson, "channelSum0") == "Σ = 252"
    bias = lesson.bias_spin
    bias.setValue(-5)
    assert lesson.findChild(QLabel, "sumLine").text().endswith("(−5) = <b>−87</b>")


def test_a_bad_number_is_refused(qtbot, lesson):
    kernel = grid(lesson, "kernelGrid0")
    click_cell(qtbot, kernel, 0, 0)
    editor = kernel.findChild(QLineEdit, "cellEditor")
    editor.setText("abc")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "not a number" in editor.toolTip()
    assert lesson.conv.w[0, 0, 0, 0] == -1


def test_settings_update_formula_and_shape(qtbot, lesson):
    lesson.findChild(QSpinBox, "strideSpin").setValue(2)
    formula = label(lesson, "sizeFormula")
    assert "⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3" in formula
    assert "(1, 3, 3)" in formula
    assert lesson.conv.output.shape == (1, 3, 3)
    lesson.findChild(QSpinBox, "kernelsSpin").setValue(3)
    assert "(3, 3, 3)" in label(lesson, "sizeFormula")
    assert lesson.findChild(QComboBox, "kernelCombo").count() == 3
    lesson.findChild(QSpinBox, "dilationSpin").setValue(2)
    assert lesson.conv.output.shape == (3, 2, 2)
    np.testing.assert_allclose(lesson.conv.output, core.conv2d(lesson.conv.x, lesson.conv.w, lesson.conv.b,
                                                               stride=2, padding=1, dilation=2))


def test_impossible_setting_shows_why_and_recovers(qtbot, lesson):
    lesson.findChild(QSpinBox, "paddingSpin").setValue(0)
    lesson.findChild(QSpinBox, "kernelSizeSpin").setValue(7)
    error = lesson.findChild(QLabel, "settingsError")
    assert error.isVisible()
    assert "does not fit" in error.text() and "7x7" in error.text()
    assert "= −1" in label(lesson, "sizeFormula")
    lesson.findChild(QSpinBox, "paddingSpin").setValue(1)
    assert not error.isVisible()
    assert lesson.conv.output.shape == (1, 1, 1)


def test_one_channel_and_presets(qtbot, lesson):
    lesson.load_preset("binary")
    assert lesson.conv.output.tolist() == [[[4, 3, 4], [2, 4, 3], [2, 3, 4]]]
    lesson.step(8)
    assert [grid(lesson, "outputGrid").cell_text(r, c) for r in range(3) for c in range(3)] == list("434243234")
    lesson.load_preset("digit")
    assert lesson.conv.x.shape == (1, 28, 28) and lesson.conv.output.shape == (1, 24, 24)
    assert "24×24" in label(lesson, "sizeFormula") or "(1, 24, 24)" in label(lesson, "sizeFormula")
    lesson.conv.set_channels(3)
    assert len(lesson.channel_rows) == 3 and lesson.conv.w.shape[1] == 3


def test_real_image_crop(qtbot, lesson):
    image = np.zeros((40, 50, 3), np.float32)
    image[..., 0] = np.linspace(0, 1, 50)[None, :]
    lesson.app_state.set_image(image, "ramp.png")
    lesson.load_preset("crop")
    assert lesson.crop_panel.isVisible()
    lesson.findChild(QSpinBox, "cropSizeSpin").setValue(6)
    x = lesson.conv.x
    assert x.shape == (3, 6, 6)
    assert x.max() <= 255 and np.all(x == np.round(x))  # actual 0-255 pixel values
    assert np.all(np.diff(x[0], axis=1) >= 0)  # the red ramp increases to the right


def hover(widget, point):
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(point), widget.mapToGlobal(QPointF(point)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_hover_links_output_and_input(qtbot, lesson):
    out = grid(lesson, "outputGrid")
    red = grid(lesson, "inputGrid0")
    hover(out, out.cell_rect(1, 1).center())
    assert sorted(red.highlights["hover"][0]) == [(r, c) for r in range(1, 4) for c in range(1, 4)]
    QApplication.sendEvent(out, QEvent(QEvent.Type.Leave))
    assert "hover" not in red.highlights
    hover(red, red.cell_rect(1, 1).center())
    assert sorted(out.highlights["hover"][0]) == [(0, 0), (0, 1), (1, 0), (1, 1)]
