"""The feature-maps lesson: kernels, maps, pooling, shared-weights note, colour scales."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton

from explainer import core
from explainer.ui.lessons.feature_maps import FeatureMapsLesson, to_work_image
from explainer.ui.state import AppState
from explainer.ui.widgets.matrix_grid import MatrixGrid


@pytest.fixture
def lesson(qtbot):
    state = AppState()
    rng = np.random.default_rng(0)
    state.set_image(rng.random((60, 80, 3)).astype(np.float32), "noise.png")
    widget = FeatureMapsLesson(state)
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitUntil(lambda: not widget.is_busy() and len(widget.maps) == 3, timeout=10000)
    yield widget
    widget.shutdown()


def wait(qtbot, lesson):
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)


def test_each_kernel_gets_its_map_and_pooled_map(lesson):
    image = lesson.fm.image
    assert image.shape == (60, 80)
    for i, kernel in enumerate(lesson.fm.kernels):
        expected = core.conv2d(image[None], kernel[None, None])[0]
        np.testing.assert_allclose(lesson.maps[i], expected)
        np.testing.assert_allclose(lesson.pooled[i], core.pool2d(expected[None], 2)[0])
        np.testing.assert_allclose(lesson.cards[i].map_image.image, expected.astype(np.float32), rtol=1e-5)
    assert "58×78" in lesson.findChild(QLabel, "mapTitle0").text()
    assert "29×39" in lesson.findChild(QLabel, "poolTitle0").text()


def test_editing_a_kernel_updates_its_map(qtbot, lesson):
    grid = lesson.findChild(MatrixGrid, "kernelEditor0")
    before = lesson.maps[0].copy()
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(1, 1).center())
    editor = grid.findChild(QLineEdit, "cellEditor")
    editor.setText("3")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    wait(qtbot, lesson)
    assert lesson.fm.kernels[0][1, 1] == 3
    assert lesson.findChild(QComboBox, "kernelPreset0").currentText() == "custom"
    np.testing.assert_allclose(lesson.maps[0] - before, 3 * lesson.fm.image[1:-1, 1:-1])


def test_paint_mode(qtbot, lesson):
    lesson.findChild(QCheckBox, "paintCheck").setChecked(True)
    lesson.paint_value.setValue(-2)
    grid = lesson.findChild(MatrixGrid, "kernelEditor1")
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(0, 2).center())
    wait(qtbot, lesson)
    assert lesson.fm.kernels[1][0, 2] == -2
    assert grid.findChild(QLineEdit, "cellEditor") is None


def test_presets_and_adding_kernels(qtbot, lesson):
    combo = lesson.findChild(QComboBox, "kernelPreset2")
    combo.setCurrentText("box blur")
    combo.activated.emit(combo.currentIndex())
    wait(qtbot, lesson)
    np.testing.assert_allclose(lesson.fm.kernels[2], core.KERNELS["box blur"])
    qtbot.mouseClick(lesson.findChild(QPushButton, "addKernelButton"), Qt.MouseButton.LeftButton)
    wait(qtbot, lesson)
    assert len(lesson.cards) == 4 and len(lesson.maps) == 4
    assert not lesson.findChild(QPushButton, "addKernelButton").isEnabled()
    qtbot.mouseClick(lesson.findChild(QPushButton, "removeKernelButton"), Qt.MouseButton.LeftButton)
    wait(qtbot, lesson)
    assert len(lesson.cards) == 3


def test_shared_weights_note_counts_parameters(lesson):
    note = lesson.findChild(QLabel, "sharedWeightsNote").text()
    assert "<b>30</b>" in note  # three 3x3 kernels + 3 biases
    dense = core.dense_parameters((60, 80), (58, 78)) * 3
    assert f"<b>{dense:,}</b>" in note


def test_hover_draws_the_same_kernel_on_the_input(lesson):
    lesson.show_kernel_at(1, 10, 20)
    assert lesson.stamp.isVisible()
    rect = lesson.stamp_mark.rect()
    assert (rect.x(), rect.y(), rect.width()) == (20, 10, 3)
    np.testing.assert_allclose(lesson.stamp.image, lesson.fm.kernels[1].astype(np.float32))


def test_colour_scale_is_centred_and_can_be_shared(qtbot, lesson):
    levels = [tuple(card.map_image.levels) for card in lesson.cards]
    for lo, hi in levels:
        assert lo == pytest.approx(-hi)
    lesson.findChild(QCheckBox, "sharedScaleCheck").setChecked(True)
    shared = [tuple(card.map_image.levels) for card in lesson.cards]
    assert len(set(shared)) == 1
    assert shared[0][1] == pytest.approx(max(np.abs(m).max() for m in lesson.maps))


def test_drawing_source(qtbot, lesson):
    drawing = np.zeros((280, 280), np.float32)
    drawing[60:220, 130:150] = 1.0
    lesson.app_state.set_drawing(drawing)
    lesson.set_source("drawing")
    wait(qtbot, lesson)
    np.testing.assert_allclose(lesson.fm.image, to_work_image(drawing, side=96))
