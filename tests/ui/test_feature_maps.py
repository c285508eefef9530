"""The feature-maps lesson: kernels, maps, pooling, shared-weights note, colour scales, state and sessions."""

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QPushButton

from explainer import core, io
from explainer.ui.lessons.feature_maps import compute as compute_module
from explainer.ui.lessons.feature_maps import create
from explainer.ui.lessons.feature_maps.compute import work_image
from explainer.ui.lessons.feature_maps.state import FeatureMapsState, State
from explainer.ui.widgets.kernel_card import KernelCard
from explainer.ui.widgets.matrix_grid import MatrixGrid


def noise(h=60, w=80, seed=0):
    return np.random.default_rng(seed).random((h, w, 3)).astype(np.float32)


def wait(qtbot, lesson):
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)


def settled(lesson, count=None):
    """The maps on screen answer the current state."""
    if lesson.is_busy() or lesson.result is None or lesson.request is None:
        return False
    request = lesson.request
    return (len(request.kernels) == len(lesson.state.kernels)
            and all(np.array_equal(a, b) for a, b in zip(request.kernels, lesson.state.kernels))
            and request.pool == lesson.state.pool and request.source == lesson.state.source
            and (count is None or len(lesson.result.maps) == count))


@pytest.fixture
def lesson(qtbot, app_state, commands):
    app_state.set_image(noise(), "noise.png")
    widget = create(app_state, commands)
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitUntil(lambda: settled(widget, 3), timeout=10000)
    yield widget
    widget.shutdown()


def messages(commands):
    posted = []
    commands.message_posted.connect(lambda text, ms: posted.append(text))
    return posted


def test_each_kernel_gets_its_map_and_pooled_map(lesson):
    image = lesson.result.image
    assert image.shape == (60, 80)
    np.testing.assert_allclose(image, io.to_grayscale(lesson.app_state.image), rtol=1e-6)
    assert len(lesson.cards) == 3
    for i, kernel in enumerate(lesson.state.kernels):
        expected = core.conv2d(image[None], kernel[None, None])[0]
        np.testing.assert_allclose(lesson.result.maps[i], expected)
        np.testing.assert_allclose(lesson.result.pooled[i], core.pool2d(expected[None], 2)[0])
        np.testing.assert_allclose(lesson.cards[i].map_image.image, expected.astype(np.float32), rtol=1e-5)
    assert "58×78" in lesson.findChild(QLabel, "mapTitle0").text()
    assert "29×39" in lesson.findChild(QLabel, "poolTitle0").text()
    assert "noise.png: 60×80 pixels" in lesson.findChild(QLabel, "inputCaption").text()
    assert "16,432" not in lesson.findChild(QLabel, "mapCaption0").text()
    assert f"{58 * 78:,} positions" in lesson.findChild(QLabel, "mapCaption0").text()


def test_editing_a_kernel_updates_its_map(qtbot, lesson):
    grid = lesson.findChild(MatrixGrid, "kernelEditor0")
    before = lesson.result.maps[0].copy()
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(1, 1).center())
    editor = grid.findChild(QLineEdit, "cellEditor")
    editor.setText("3")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: settled(lesson), timeout=10000)
    assert lesson.state.kernels[0][1, 1] == 3
    assert lesson.state.names[0] == "custom"
    assert lesson.findChild(QComboBox, "kernelPreset0").currentText() == "custom"
    np.testing.assert_allclose(lesson.result.maps[0] - before, 3 * lesson.result.image[1:-1, 1:-1])
    # State -> widget: a weight set in the state shows in the grid and in the map.
    lesson.state.set_weight(0, 0, 0, -4)
    assert grid.values[0, 0] == -4 and grid.cell_text(0, 0) == "−4"
    qtbot.waitUntil(lambda: settled(lesson), timeout=10000)
    np.testing.assert_allclose(lesson.cards[0].map_image.image,
                               core.conv2d(lesson.result.image[None], lesson.state.kernels[0][None, None])[0],
                               rtol=1e-5, atol=1e-6)


def test_paint_mode(qtbot, lesson):
    check = lesson.findChild(QCheckBox, "paintCheck")
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert lesson.state.paint
    spin = lesson.findChild(QDoubleSpinBox, "paintValue")
    spin.setValue(-2)
    assert lesson.state.paint_value == -2
    grid = lesson.findChild(MatrixGrid, "kernelEditor1")
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(0, 2).center())
    wait(qtbot, lesson)
    assert lesson.state.kernels[1][0, 2] == -2
    assert grid.findChild(QLineEdit, "cellEditor") is None
    # State -> widget.
    lesson.state.paint_value = 4.0
    lesson.state.paint = False
    assert spin.value() == 4.0 and not check.isChecked()
    assert all(card.grid.paint_value is None for card in lesson.cards)
    lesson.state.paint = True
    assert all(card.grid.paint_value == 4.0 for card in lesson.cards)


def test_presets_and_adding_kernels(qtbot, lesson):
    combo = lesson.findChild(QComboBox, "kernelPreset2")
    combo.setCurrentText("box blur")
    combo.activated.emit(combo.currentIndex())
    wait(qtbot, lesson)
    np.testing.assert_allclose(lesson.state.kernels[2], core.KERNELS["box blur"])
    assert lesson.state.names[2] == "box blur"
    add = lesson.findChild(QPushButton, "addKernelButton")
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(lesson, 4), timeout=10000)
    assert len(lesson.cards) == 4 and len(lesson.result.maps) == 4
    assert not add.isEnabled()
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert len(lesson.state.kernels) == 4
    qtbot.mouseClick(lesson.findChild(QPushButton, "removeKernelButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(lesson, 3), timeout=10000)
    assert len(lesson.cards) == 3 and len(lesson.findChildren(KernelCard)) == 3
    # State -> widget: a preset chosen in the state shows in its card.
    lesson.state.choose_preset(0, "sharpen")
    assert lesson.findChild(QComboBox, "kernelPreset0").currentText() == "sharpen"
    np.testing.assert_allclose(lesson.findChild(MatrixGrid, "kernelEditor0").values, core.KERNELS["sharpen"])


def test_shared_weights_note_counts_parameters(qtbot, lesson):
    note = lesson.findChild(QLabel, "sharedWeightsNote").text()
    assert "<b>30</b>" in note  # three 3x3 kernels + 3 biases
    dense = core.dense_parameters((60, 80), (58, 78)) * 3
    assert f"<b>{dense:,}</b>" in note
    # A 5×5 kernel: the counts follow the current sizes.
    lesson.state.add_kernel()
    lesson.state.choose_preset(3, "5×5 Gaussian blur")
    qtbot.waitUntil(lambda: settled(lesson, 4), timeout=10000)
    note = lesson.findChild(QLabel, "sharedWeightsNote").text()
    assert "<b>56</b>" in note  # 3 × (9 + 1) + (25 + 1)
    outputs = 3 * 58 * 78 + 56 * 76
    assert f"<b>{core.dense_parameters((60, 80), (outputs,)):,}</b>" in note
    assert "3×3 or 5×5" in note
    assert "56×76" in lesson.findChild(QLabel, "mapTitle3").text()


def test_hovering_a_map_draws_the_kernel_where_it_looked(qtbot, lesson, commands):
    posted = messages(commands)
    card = lesson.cards[1]
    # What pyqtgraph calls when the mouse moves over the map: (y, x) in map pixels.
    card.map_image.hover_handler(10.4, 20.7)
    assert lesson.state.probe == (1, 10, 20)
    assert lesson.stamp.isVisible()
    rect = lesson.input.marks["window"].rect()
    cells = core.window_cells(10, 20, 3)
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (cells[0][1], cells[0][0], 3, 3)
    np.testing.assert_allclose(lesson.stamp.image, lesson.state.kernels[1].astype(np.float32))
    assert card.hover_mark.isVisible() and not lesson.cards[0].hover_mark.isVisible()
    assert "rows 10–12, columns 20–22" in posted[-1]
    assert core.format_number(lesson.result.maps[1][10, 20], 3) in posted[-1]
    # State -> view: a probe set in the state (a tour, a session) is drawn the same way.
    lesson.state.probe = (2, 0, 5)
    rect = lesson.input.marks["window"].rect()
    assert (rect.x(), rect.y()) == (5, 0)
    np.testing.assert_allclose(lesson.stamp.image, lesson.state.kernels[2].astype(np.float32))
    assert lesson.cards[2].hover_mark.isVisible() and not card.hover_mark.isVisible()
    card.map_image.hover_handler(None, None)  # the mouse leaves the map
    assert lesson.state.probe is None
    assert not lesson.stamp.isVisible() and not lesson.input.marks["window"].isVisible()


def test_real_mouse_hover_over_a_map(qtbot, lesson):
    card = lesson.cards[0]

    def move_over_map_pixel():
        # Map pixel (x=5.5, y=7.5), mapped again each time: the view may still be settling its range.
        point = card.plots.mapFromScene(card.map_image.mapToScene(QPointF(5.5, 7.5)))
        qtbot.mouseMove(card.plots.viewport(), point)
        return lesson.state.probe == (0, 7, 5)

    qtbot.waitUntil(move_over_map_pixel, timeout=5000)
    assert lesson.stamp.isVisible() and card.hover_mark.isVisible()
    rect = lesson.input.marks["window"].rect()
    assert (rect.x(), rect.y(), rect.width()) == (5, 7, 3)


def test_colour_scale_is_centred_and_can_be_shared(qtbot, lesson):
    levels = [tuple(card.map_image.levels) for card in lesson.cards]
    for lo, hi in levels:
        assert lo == pytest.approx(-hi)
    assert len(set(levels)) == 3
    check = lesson.findChild(QCheckBox, "sharedScaleCheck")
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert lesson.state.shared_scale
    shared = [tuple(card.map_image.levels) for card in lesson.cards]
    assert len(set(shared)) == 1
    assert shared[0][1] == pytest.approx(max(np.abs(m).max() for m in lesson.result.maps))
    lesson.state.shared_scale = False
    assert not check.isChecked()
    assert [tuple(card.map_image.levels) for card in lesson.cards] == levels


def test_pooling_size(qtbot, lesson):
    combo = lesson.findChild(QComboBox, "poolCombo")
    combo.setCurrentIndex(combo.findData(3))
    combo.activated.emit(combo.currentIndex())
    assert lesson.state.pool == 3
    qtbot.waitUntil(lambda: settled(lesson), timeout=10000)
    assert "3×3 max-pooled</b> 19×26" in lesson.findChild(QLabel, "poolTitle0").text()
    np.testing.assert_allclose(lesson.result.pooled[0], core.pool2d(lesson.result.maps[0][None], 3)[0])
    lesson.state.pool = 4
    assert combo.currentData() == 4
    qtbot.waitUntil(lambda: settled(lesson), timeout=10000)
    assert "4×4 max-pooled</b> 14×19" in lesson.findChild(QLabel, "poolTitle1").text()


def test_drawing_source(qtbot, lesson):
    drawing = np.zeros((280, 280), np.float32)
    drawing[60:220, 130:150] = 1.0
    lesson.app_state.set_drawing(drawing)
    combo = lesson.findChild(QComboBox, "sourceCombo")
    combo.setCurrentIndex(combo.findData("drawing"))
    combo.activated.emit(combo.currentIndex())
    assert lesson.state.source == "drawing"
    qtbot.waitUntil(lambda: settled(lesson), timeout=10000)
    np.testing.assert_allclose(lesson.result.image, work_image(drawing, 96))
    assert "your drawing: 96×96" in lesson.findChild(QLabel, "inputCaption").text()
    # A new drawing is used at once; a new image is not (it is not the source).
    drawing2 = np.zeros((280, 280), np.float32)
    drawing2[100:120, 40:240] = 1.0
    lesson.app_state.set_drawing(drawing2)
    lesson.app_state.set_image(noise(30, 30, seed=4), "other.png")
    qtbot.waitUntil(lambda: settled(lesson), timeout=10000)
    np.testing.assert_allclose(lesson.result.image, work_image(drawing2, 96))
    lesson.state.source = "image"
    assert combo.currentData() == "image"
    qtbot.waitUntil(lambda: settled(lesson) and lesson.result.image.shape == (30, 30), timeout=10000)


def test_no_drawing_yet_is_explained(qtbot, lesson):
    lesson.state.source = "drawing"
    qtbot.waitUntil(lambda: not lesson.is_busy() and lesson.request.source == "drawing", timeout=10000)
    assert lesson.result is None
    assert "No drawing yet" in lesson.findChild(QLabel, "inputCaption").text()
    assert lesson.cards[0].map_image.image is None


def test_kernel_larger_than_the_image_is_explained(qtbot, app_state, commands):
    posted = messages(commands)
    app_state.set_image(noise(4, 4), "tiny.png")
    lesson = create(app_state, commands)
    qtbot.addWidget(lesson)
    lesson.show()
    qtbot.waitUntil(lambda: settled(lesson, 3), timeout=10000)
    assert "2×2" in lesson.findChild(QLabel, "mapTitle0").text()
    lesson.state.choose_preset(0, "5×5 Gaussian blur")
    qtbot.waitUntil(lambda: not lesson.is_busy() and lesson.result is None, timeout=10000)
    caption = lesson.findChild(QLabel, "inputCaption").text()
    assert caption.startswith("Could not compute the feature maps: kernel 5x5 does not fit a 4x4 input")
    assert "smaller kernel" in caption
    assert posted and posted[-1] == caption
    lesson.state.choose_preset(0, "identity")  # and it recovers
    qtbot.waitUntil(lambda: settled(lesson, 3), timeout=10000)
    lesson.shutdown()


def test_sample_photo_becomes_the_current_image(qtbot, lesson):
    combo = lesson.findChild(QComboBox, "sampleCombo")
    assert combo.count() > 1
    row = combo.findText("Chelsea")
    assert row > 0
    lesson.state.source = "drawing"
    combo.activated.emit(row)
    qtbot.waitUntil(lambda: lesson.app_state.image_name == "chelsea.jpg", timeout=10000)
    assert lesson.state.source == "image"
    assert combo.currentIndex() == 0
    qtbot.waitUntil(lambda: settled(lesson) and lesson.request.input_name == "chelsea.jpg", timeout=10000)
    assert max(lesson.result.image.shape) == 160


def test_big_photo_is_prepared_off_the_gui_thread(qtbot, lesson, monkeypatch):
    threads = []
    original = compute_module.work_image

    def recording(image, side):
        threads.append(threading.current_thread())
        return original(image, side)

    monkeypatch.setattr(compute_module, "work_image", recording)
    photo = np.zeros((2000, 3000, 3), np.float32)
    photo[:, 1500:] = 1.0
    lesson.app_state.set_image(photo, "big.jpg")
    qtbot.waitUntil(lambda: settled(lesson) and lesson.request.input_name == "big.jpg", timeout=20000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert lesson.result.image.shape == (107, 160)
    assert "big.jpg: 107×160" in lesson.findChild(QLabel, "inputCaption").text()


def test_hidden_lesson_waits_until_shown(qtbot, app_state, commands):
    app_state.set_image(noise(), "first.png")
    lesson = create(app_state, commands)
    qtbot.addWidget(lesson)
    assert lesson.result is None and not lesson.is_busy() and lesson.is_stale()
    lesson.show()
    qtbot.waitUntil(lambda: settled(lesson, 3), timeout=10000)
    lesson.hide()
    app_state.set_image(noise(40, 50, seed=2), "second.png")
    lesson.state.pool = 3
    assert lesson.is_stale() and not lesson.is_busy()
    assert lesson.request.input_name == "first.png"
    lesson.show()
    qtbot.waitUntil(lambda: settled(lesson) and lesson.request.input_name == "second.png", timeout=10000)
    assert lesson.result.image.shape == (40, 50) and not lesson.is_stale()
    lesson.shutdown()


def non_default_state():
    state = FeatureMapsState()
    state.source = "drawing"
    state.add_kernel()
    state.choose_preset(1, "5×5 Gaussian blur")
    state.set_weight(0, 2, 1, 7.5)
    state.pool = 3
    state.shared_scale = True
    state.paint = True
    state.paint_value = -3.0
    state.probe = (1, 4, 6)
    return state


def test_state_round_trip():
    state = non_default_state()
    copy = State.from_dict(state.to_dict())
    for name in ("source", "names", "pool", "shared_scale", "paint", "paint_value", "probe"):
        assert getattr(copy, name) == getattr(state, name), name
    assert copy.names == ("custom", "5×5 Gaussian blur", "Laplacian (outlines)", "identity")
    assert len(copy.kernels) == 4
    for a, b in zip(copy.kernels, state.kernels):
        np.testing.assert_array_equal(a, b)
    assert copy.kernels[0][2, 1] == 7.5 and copy.kernels[1].shape == (5, 5)
    assert FeatureMapsState().to_dict() != state.to_dict()


@pytest.mark.parametrize("field, value, message", [
    ("pool", 99, "pooling size"),
    ("source", "webcam", "input source"),
    ("paint_value", 50.0, "paint value"),
    ("names", ["identity"], "3 kernels but 1 kernel names"),
    ("names", ["identity", "nope", "sharpen"], "kernel 2's name"),
    ("probe", [7, 0, 0], "probed kernel"),
    ("probe", [0, -1, 0], "probed row"),
    ("kernels", [], "number of kernels"),
])
def test_malformed_state_is_refused_and_nothing_changes(lesson, field, value, message):
    before = lesson.state.to_dict()
    data = dict(before)
    data[field] = value
    with pytest.raises(ValueError, match=message):
        lesson.restore_state(data)
    assert lesson.state.to_dict() == before


def test_bad_kernel_arrays_are_refused(lesson):
    before = lesson.state.to_dict()
    for kernels, message in [
        ([{"dtype": "<f8", "shape": [2, 3], "data": [0.0] * 6}] * 3, "square"),
        ([{"dtype": "<f8", "shape": [1, 1], "data": ["nan"]}] * 3, "finite"),
        ([{"dtype": "<f8", "shape": [11, 11], "data": [0.0] * 121}] * 3, "side"),
        ([{"dtype": "<f8", "shape": [3, 3], "data": ["x"] * 9}] * 3, "number"),
    ]:
        data = dict(before, kernels=kernels)
        with pytest.raises(ValueError, match=message):
            lesson.restore_state(data)
        assert lesson.state.to_dict() == before


def test_restoring_a_state_shows_it(qtbot, lesson):
    lesson.restore_state(non_default_state().to_dict() | {"source": "image", "probe": [1, 4, 6]})
    qtbot.waitUntil(lambda: settled(lesson, 4), timeout=10000)
    assert [lesson.findChild(QComboBox, f"kernelPreset{i}").currentText() for i in range(4)] == \
        ["custom", "5×5 Gaussian blur", "Laplacian (outlines)", "identity"]
    assert lesson.findChild(MatrixGrid, "kernelEditor0").values[2, 1] == 7.5
    assert lesson.findChild(QComboBox, "poolCombo").currentData() == 3
    assert lesson.findChild(QCheckBox, "sharedScaleCheck").isChecked()
    assert lesson.findChild(QCheckBox, "paintCheck").isChecked()
    assert lesson.findChild(QDoubleSpinBox, "paintValue").value() == -3
    assert lesson.stamp.isVisible() and lesson.input.marks["window"].rect().width() == 5


def test_session_round_trip(qtbot, window, make_window, tmp_path):
    window.app_state.set_image(noise(50, 70, seed=3), "noise.png")
    lesson = window.show_lesson("feature-maps")
    lesson.state.add_kernel()
    lesson.state.choose_preset(3, "emboss")
    lesson.state.set_weight(1, 0, 0, 2.5)
    lesson.state.pool = 4
    lesson.state.shared_scale = True
    qtbot.waitUntil(lambda: settled(lesson, 4), timeout=10000)
    path = window.save_session(tmp_path / "fm.convlens")

    other = make_window()
    other.load_session(path)
    restored = other.lesson("feature-maps")
    assert other.current_lesson_id == "feature-maps"
    qtbot.waitUntil(lambda: not other.is_busy() and other.app_state.image is not None
                    and settled(restored, 4) and restored.result.image.shape == (50, 70), timeout=15000)
    assert restored.state.to_dict() == lesson.state.to_dict()
    assert restored.findChild(QComboBox, "kernelPreset3").currentText() == "emboss"
    assert restored.findChild(QComboBox, "kernelPreset1").currentText() == "custom"
    assert restored.findChild(MatrixGrid, "kernelEditor1").values[0, 0] == 2.5
    assert "4×4 max-pooled</b> 12×17" in restored.findChild(QLabel, "poolTitle0").text()
    assert restored.findChild(QCheckBox, "sharedScaleCheck").isChecked()
    assert len({tuple(card.map_image.levels) for card in restored.cards}) == 1
