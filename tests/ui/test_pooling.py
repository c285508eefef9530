"""The pooling lesson: what the grids show equals explainer.core, and the page follows its state."""

import json
import subprocess
import sys
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox

from explainer import core
from explainer.ui.lessons import pooling as pooling_package
from explainer.ui.lessons import state_class
from explainer.ui.lessons.pooling import view as pooling_view
from explainer.ui.lessons.pooling.features import feature_map_from
from explainer.ui.lessons.pooling.state import EXAMPLE, PICTURE_MAP_SIDE, PoolingState, State
from explainer.ui.lessons.pooling.view import coverage_note
from explainer.ui.state import AppState, Commands
from tests.conftest import REPO


@pytest.fixture
def lesson(qtbot):
    widget = pooling_package.create(AppState(), Commands())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    yield widget
    qtbot.waitUntil(lambda: not widget.is_busy(), timeout=10000)
    widget.shutdown()


@pytest.fixture
def messages(lesson):
    posted = []
    lesson.commands.message_posted.connect(lambda text, _ms: posted.append(text))
    return posted


def shown(grid):
    rows, cols = grid.values.shape
    return [[grid.cell_text(r, c) for c in range(cols)] for r in range(rows)]


def expected(x, size, stride, mode):
    values = core.pool2d(x[None], size, stride, mode)[0]
    return [[core.format_number(v) for v in row] for row in values]


def click(qtbot, grid, row, col):
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(row, col).center())


def edge_image(h=50, w=50):
    image = np.zeros((h, w, 3), np.float32)
    image[:, w // 2 :] = 1.0  # one vertical edge
    return image


def non_default_state():
    state = PoolingState()
    state.set_example(np.arange(36, dtype=float).reshape(6, 6) % 7)
    state.set_window(size=3, stride=1)
    state.select("l2", 2, 3)
    state.stride_kernel = "sharpen"
    state.tab = 1
    return state


# -- what the grids show -------------------------------------------------------
@pytest.mark.parametrize("size, stride", [(2, 2), (3, 1), (2, 3), (1, 1), (5, 2)])
def test_grids_show_core_pool2d(lesson, size, stride):
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(size)
    lesson.findChild(QSpinBox, "poolStrideSpin").setValue(stride)
    assert (lesson.state.size, lesson.state.stride) == (size, stride)  # widget -> state
    for mode in ("max", "avg", "l2"):
        assert shown(lesson.grids[mode]) == expected(EXAMPLE, size, stride, mode)
        n = core.output_size(8, size, stride)
        assert f"→ {n}×{n}" in lesson.titles[mode].text()
        assert core.describe_output_size(8, size, stride) in lesson.titles[mode].text()


def test_state_drives_the_spin_boxes_and_grids(lesson):
    lesson.state.set_window(size=3, stride=2)
    assert lesson.findChild(QSpinBox, "poolSizeSpin").value() == 3
    assert lesson.findChild(QSpinBox, "poolStrideSpin").value() == 2
    assert shown(lesson.grids["avg"]) == expected(EXAMPLE, 3, 2, "avg")
    lesson.state.size = 4  # set directly, as a tour would
    assert lesson.findChild(QSpinBox, "poolSizeSpin").value() == 4
    assert shown(lesson.grids["max"]) == expected(EXAMPLE, 4, 2, "max")


def test_the_lectures_three_kinds_side_by_side(lesson):
    assert lesson.state.selection == ("max", 0, 0)
    assert "max(1, 3, 5, 6) = 6" in lesson.findChild(QLabel, "poolArithmetic").text()
    titles = [lesson.titles[m].text() for m in ("max", "avg", "l2")]
    assert "Max pooling" in titles[0] and "Average pooling" in titles[1] and "L2 pooling" in titles[2]
    assert "square root of the sum of squares" in titles[2]
    positions = [lesson.grids[m].mapTo(lesson, lesson.grids[m].rect().topLeft()) for m in ("max", "avg", "l2")]
    assert positions[0].x() < positions[1].x() < positions[2].x()
    assert positions[0].y() == positions[1].y() == positions[2].y()


def test_clicking_an_output_cell_shows_its_arithmetic(qtbot, lesson):
    click(qtbot, lesson.grids["avg"], 1, 2)
    assert lesson.state.selection == ("avg", 1, 2)
    text = lesson.findChild(QLabel, "poolArithmetic").text()
    # Window rows 2-3, columns 4-5 of the example: 2, 8, 6, 2 -> mean 4.5
    assert "mean(2, 8, 6, 2) = 4.5" in text
    assert sorted(lesson.input_grid.highlights["window"][0]) == [(2, 4), (2, 5), (3, 4), (3, 5)]
    assert lesson.grids["avg"].highlights["window"][0] == [(1, 2)]
    assert "window" not in lesson.grids["max"].highlights
    click(qtbot, lesson.grids["l2"], 0, 0)
    assert "√(1² + 3² + 5² + 6²) = 8.43" in lesson.findChild(QLabel, "poolArithmetic").text()
    click(qtbot, lesson.grids["max"], 2, 2)
    assert "max(1, 0, 3, 9) = 9" in lesson.findChild(QLabel, "poolArithmetic").text()


def test_selection_set_in_the_state_is_shown(lesson):
    lesson.state.set_window(size=3, stride=1)
    lesson.state.select("avg", 4, 1)
    step = core.pool_step(EXAMPLE[None], 3, 4, 1, stride=1, mode="avg")
    assert step.formula() in lesson.findChild(QLabel, "poolArithmetic").text()
    assert lesson.input_grid.highlights["window"][0] == core.window_cells(4, 1, 3, 1)
    assert lesson.input_grid.highlights["right"][0] == core.window_cells(4, 2, 3, 1)
    assert lesson.input_grid.highlights["below"][0] == core.window_cells(5, 1, 3, 1)


def test_a_selection_that_no_longer_exists_moves_to_the_first_cell(qtbot, lesson):
    click(qtbot, lesson.grids["avg"], 3, 3)
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(4)  # 8x8, window 4, stride 2: output 3x3
    assert lesson.state.selection == ("max", 0, 0)
    assert "max(1, 3, 2, 0, 5, 6, 1, 2, 0, 2, 7, 1, 1, 0, 3, 4) = 7" in lesson.arithmetic.text()


# -- coverage ----------------------------------------------------------------------
def test_overlap_and_gaps_are_explained(lesson):
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(3)
    lesson.findChild(QSpinBox, "poolStrideSpin").setValue(1)
    note = lesson.findChild(QLabel, "coverageNote").text()
    assert "overlap" in note and "up to 9 windows" in note
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(2)
    lesson.findChild(QSpinBox, "poolStrideSpin").setValue(3)
    note = lesson.findChild(QLabel, "coverageNote").text()
    assert "gaps" in note and "28 of 64" in note  # rows/cols 2 and 5 are never looked at
    assert "right" in lesson.input_grid.highlights and "below" in lesson.input_grid.highlights


def test_dropped_rows_and_columns_are_explained(lesson):
    lesson.state.set_window(size=3, stride=2)  # windows start at 0, 2, 4: row and column 7 are never read
    note = lesson.findChild(QLabel, "coverageNote").text()
    assert "overlap" in note and "The last row and the last column do not fill a window" in note
    assert "(15 values)" in note
    lesson.state.set_window(size=3, stride=3)  # windows at 0 and 3: rows/columns 6 and 7 dropped
    note = lesson.findChild(QLabel, "coverageNote").text()
    assert "tile" in note and "the last 2 rows and the last 2 columns" in note.lower() and "(28 values)" in note


@pytest.mark.parametrize("shape, size, stride", [((8, 8), 2, 3), ((8, 8), 3, 2), ((6, 9), 2, 4), ((5, 5), 1, 2)])
def test_coverage_note_counts_come_from_core(shape, size, stride):
    counts = core.window_coverage(shape, size, stride)
    note = coverage_note(shape, size, stride)
    if stride > size:
        assert f"{int((counts == 0).sum())} of {counts.size} input values" in note
    else:
        assert f"({int((counts == 0).sum())} values)" in note or not (counts == 0).any()


def test_window_too_large_is_explained(lesson):
    lesson.state.set_example(np.ones((4, 4)))
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(5)
    assert "does not fit" in lesson.titles["max"].text()
    assert not lesson.grids["max"].isVisible()
    assert lesson.state.selection is None
    assert lesson.findChild(QLabel, "coverageNote").text() == ""
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(4)
    assert lesson.grids["max"].isVisible() and shown(lesson.grids["max"]) == [["1"]]


# -- the editable example ------------------------------------------------------------
def test_typing_a_number_into_the_example(qtbot, lesson):
    click(qtbot, lesson.input_grid, 1, 1)
    editor = lesson.input_grid.findChild(QLineEdit, "cellEditor")
    editor.setText("12")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert lesson.state.x[1, 1] == 12 and EXAMPLE[1, 1] == 6
    assert lesson.output_text("max", 0, 0) == "12"
    assert "max(1, 3, 5, 12) = 12" in lesson.arithmetic.text()
    qtbot.mouseClick(lesson.findChild(QPushButton, "poolResetButton"), Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(lesson.state.x, EXAMPLE)
    assert lesson.output_text("max", 0, 0) == "6"


def test_an_out_of_range_number_is_refused_with_a_message(qtbot, lesson, messages):
    click(qtbot, lesson.input_grid, 0, 0)
    editor = lesson.input_grid.findChild(QLineEdit, "cellEditor")
    editor.setText("5000")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert lesson.state.x[0, 0] == 1
    # The cell editor refuses it and stays open, saying the range; a script's value gets a message.
    assert "between −999 and 999" in editor.toolTip() and not messages
    lesson.input_grid.value_edited.emit(0, 0, 5000.0)
    assert lesson.state.x[0, 0] == 1
    assert messages and "between −999 and 999" in messages[-1]


# -- stride vs pooling ---------------------------------------------------------------
def test_stride_vs_pooling(qtbot, lesson):
    lesson.tabs.setCurrentIndex(1)
    assert lesson.state.tab == 1
    view = lesson.stride_view
    conv2 = core.conv2d(EXAMPLE[None], core.KERNELS["lecture: X kernel"][None, None], stride=2)[0]
    assert shown(view.grids["conv2"]) == [[core.format_number(v) for v in r] for r in conv2]
    conv1 = core.conv2d(EXAMPLE[None], core.KERNELS["lecture: X kernel"][None, None])[0]
    pooled = core.pool2d(conv1[None], 2)[0]
    assert shown(view.grids["pooled"]) == [[core.format_number(v) for v in r] for r in pooled]
    assert "→ 3×3" in view.titles["conv2"].text() and "→ 3×3" in view.titles["pooled"].text()
    assert "36 kernel positions instead of 9" in view.note.text()


def test_stride_tab_kernel_follows_the_state_and_the_combo(qtbot, lesson):
    combo = lesson.findChild(QComboBox, "strideKernelCombo")
    lesson.state.stride_kernel = "5×5 Gaussian blur"
    assert combo.currentText() == "5×5 Gaussian blur"
    assert "→ 2×2" in lesson.stride_view.titles["conv2"].text()  # (8 - 5) // 2 + 1
    combo.setFocus()
    index = combo.findText("Sobel y (horizontal edges)")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)  # what choosing it in the pop-up does
    assert lesson.state.stride_kernel == "Sobel y (horizontal edges)"
    conv2 = core.conv2d(EXAMPLE[None], core.KERNELS["Sobel y (horizontal edges)"][None, None], stride=2)[0]
    assert shown(lesson.stride_view.grids["conv2"]) == [[core.format_number(v) for v in r] for r in conv2]
    lesson.state.tab = 1
    assert lesson.tabs.currentIndex() == 1


def test_kernel_larger_than_the_input_is_explained(lesson):
    lesson.state.set_example(np.ones((4, 4)))
    lesson.state.stride_kernel = "5×5 Gaussian blur"
    assert "does not fit" in lesson.stride_view.note.text()
    lesson.state.tab = 1
    assert not lesson.stride_view.grids["conv2"].isVisible()


# -- the feature map of the current image or drawing ------------------------------------
def test_feature_map_of_the_current_image(qtbot, lesson):
    lesson.app_state.set_image(edge_image(), "edge.png")
    combo = lesson.findChild(QComboBox, "poolSourceCombo")
    index = combo.findData("image")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert lesson.state.source == "image"
    qtbot.waitUntil(lambda: lesson.state.feature_map is not None, timeout=10000)
    x = lesson.state.feature_map
    assert x.shape == (PICTURE_MAP_SIDE, PICTURE_MAP_SIDE) == (24, 24)
    assert x.max() > 0 and x.min() >= 0
    np.testing.assert_array_equal(x, feature_map_from(edge_image()))
    assert shown(lesson.grids["max"]) == expected(x, 2, 2, "max")
    assert "Vertical edges of the image" in lesson.input_title.text()
    assert not lesson.input_grid.editable
    assert not lesson.findChild(QPushButton, "poolResetButton").isEnabled()


def test_feature_map_is_computed_in_a_worker(qtbot, lesson, monkeypatch):
    threads = []

    def recording(picture):
        threads.append(threading.current_thread())
        return feature_map_from(picture)

    monkeypatch.setattr(pooling_view, "feature_map_from", recording)
    lesson.state.set_source("drawing")
    drawing = np.zeros((280, 280), np.float32)
    drawing[40:240, 130:150] = 1.0
    lesson.app_state.set_drawing(drawing)
    qtbot.waitUntil(lambda: lesson.state.feature_map is not None, timeout=10000)
    assert threads and threading.main_thread() not in threads
    assert "Vertical edges of the drawing" in lesson.input_title.text()
    np.testing.assert_array_equal(lesson.state.input_map(), feature_map_from(drawing))


def test_a_late_feature_map_of_a_cleared_drawing_is_dropped(qtbot, lesson):
    lesson.state.set_source("drawing")
    drawing = np.zeros((280, 280), np.float32)
    drawing[:, 140:] = 1.0
    lesson.app_state.set_drawing(drawing)
    assert lesson.is_busy()
    lesson.app_state.set_drawing(None)  # cleared before the worker answers
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert lesson.state.feature_map is None
    assert shown(lesson.grids["max"]) == expected(EXAMPLE, 2, 2, "max")
    assert "nothing is drawn yet" in lesson.input_title.text()


def test_picking_the_image_with_none_open_keeps_the_input(lesson, messages):
    combo = lesson.findChild(QComboBox, "poolSourceCombo")
    index = combo.findData("image")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert lesson.state.source == "example"
    assert combo.currentData() == "example"
    assert messages and "no image is open" in messages[-1]


def test_a_hidden_lesson_computes_nothing_until_shown(qtbot, lesson):
    lesson.state.set_source("image")
    lesson.hide()
    lesson.app_state.set_image(edge_image(), "edge.png")
    assert lesson.is_stale() and not lesson.is_busy() and lesson.state.feature_map is None
    lesson.show()
    qtbot.waitUntil(lambda: lesson.state.feature_map is not None, timeout=10000)
    np.testing.assert_array_equal(lesson.state.feature_map, feature_map_from(edge_image()))


def test_back_to_the_example_forgets_the_picture_map(qtbot, lesson):
    lesson.app_state.set_image(edge_image(), "edge.png")
    lesson.state.set_source("image")
    qtbot.waitUntil(lambda: lesson.state.feature_map is not None, timeout=10000)
    lesson.state.select("max", 11, 11)
    lesson.state.set_source("example")
    assert lesson.state.feature_map is None
    assert lesson.state.selection == ("max", 0, 0)  # (11, 11) does not exist in the 8x8 example's output
    assert shown(lesson.grids["max"]) == expected(EXAMPLE, 2, 2, "max")
    assert lesson.findChild(QComboBox, "poolSourceCombo").currentData() == "example"


# -- state, sessions, bad input -------------------------------------------------------
def test_state_round_trip():
    state = non_default_state()
    again = State.from_dict(state.to_dict())
    assert state_class("pooling") is State is PoolingState
    for name in ("source", "size", "stride", "selection", "stride_kernel", "tab"):
        assert getattr(again, name) == getattr(state, name), name
    np.testing.assert_array_equal(again.x, state.x)
    assert again.to_dict() == state.to_dict() != PoolingState().to_dict()
    assert "feature_map" not in state.to_dict()


def test_state_module_imports_no_qt():
    code = ("import sys\nfrom explainer.ui.lessons.pooling.state import State\nState().validate()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("change, message", [
    ({"stride": 99}, "stride must be between 1 and 5"),
    ({"size": 0}, "window size must be between 1 and 5"),
    ({"source": "webcam"}, "the input must be one of"),
    ({"selection": ["max", 9, 0]}, "does not exist"),
    ({"selection": ["median", 0, 0]}, "pooling mode must be one of"),
    ({"stride_kernel": "no such kernel"}, "kernel must be one of"),
    ({"tab": 5}, "tab must be between"),
    ({"x": {"dtype": "<f8", "shape": [2, 2, 2], "data": [0] * 8}}, "must be 2-D"),
    ({"x": {"dtype": "<f8", "shape": [40, 40], "data": [0] * 1600}}, "between 1×1 and 32×32"),
    ({"size": "2"}, "should be a whole number"),
    ({"colour": "red"}, "unknown field"),
])
def test_a_malformed_state_is_refused_and_nothing_changes(lesson, change, message):
    lesson.state.set_window(size=3, stride=1)
    before = lesson.state.to_dict()
    arithmetic = lesson.arithmetic.text()
    data = {**before, **change}
    with pytest.raises(ValueError, match=message):
        lesson.restore_state(data)
    assert lesson.state.to_dict() == before
    assert lesson.arithmetic.text() == arithmetic
    assert lesson.findChild(QSpinBox, "poolStrideSpin").value() == 1


def test_restore_state_shows_it(lesson):
    lesson.restore_state(non_default_state().to_dict())
    x = non_default_state().x
    assert lesson.findChild(QSpinBox, "poolSizeSpin").value() == 3
    assert shown(lesson.input_grid) == [[core.format_number(v) for v in r] for r in x]
    assert shown(lesson.grids["l2"]) == expected(x, 3, 1, "l2")
    assert core.pool_step(x[None], 3, 2, 3, stride=1, mode="l2").formula() in lesson.arithmetic.text()
    assert lesson.tabs.currentIndex() == 1
    assert lesson.findChild(QComboBox, "strideKernelCombo").currentText() == "sharpen"


def test_session_round_trip(window, make_window, qtbot, tmp_path):
    first = window.show_lesson("pooling")
    first.state.update_from(non_default_state())
    first.state.set_example_value(0, 0, 4.5)
    path = window.save_session(tmp_path / "pooling.convlens")
    second_window = make_window()
    second_window.load_session(path)
    second = second_window.lesson("pooling")
    assert second_window.current_lesson_id == "pooling"
    assert second.state.to_dict() == first.state.to_dict()
    for mode in ("max", "avg", "l2"):
        assert shown(second.grids[mode]) == shown(first.grids[mode])
    assert second.arithmetic.text() == first.arithmetic.text()
    assert second.input_grid.cell_text(0, 0) == "4.5"
    assert second.tabs.currentIndex() == 1
    assert second.findChild(QSpinBox, "poolStrideSpin").value() == 1


def test_session_with_the_image_as_input(window, make_window, qtbot, tmp_path):
    window.app_state.set_image(edge_image(40, 60), "edge in memory")
    first = window.show_lesson("pooling")
    first.state.set_source("image")
    first.state.set_window(size=3, stride=3)
    qtbot.waitUntil(lambda: first.state.feature_map is not None and not window.is_busy(), timeout=10000)
    path = window.save_session(tmp_path / "image.convlens")
    second_window = make_window()
    second_window.load_session(path)
    second = second_window.lesson("pooling")
    assert second.state.source == "image"
    qtbot.waitUntil(lambda: second.state.feature_map is not None and not second_window.is_busy(), timeout=10000)
    np.testing.assert_array_equal(second.state.feature_map, first.state.feature_map)
    assert shown(second.grids["avg"]) == shown(first.grids["avg"]) == expected(first.state.feature_map, 3, 3, "avg")


def test_a_hand_edited_session_with_stride_99_is_refused(window, qtbot, tmp_path):
    lesson = window.show_lesson("pooling")
    lesson.state.set_window(size=3, stride=1)
    path = window.save_session(tmp_path / "edited.convlens")
    data = json.loads(path.read_text())
    data["lessons"]["pooling"]["stride"] = 99
    path.write_text(json.dumps(data))
    before = lesson.state.to_dict()
    with pytest.raises(ValueError, match="the pooling lesson's state: stride must be between 1 and 5, got 99"):
        window.load_session(path)
    assert lesson.state.to_dict() == before
    assert lesson.findChild(QSpinBox, "poolStrideSpin").value() == 1


# ---------------------------------------------------------------- export animation, copy numbers


def test_the_window_sweep_exports_a_frame_per_output_cell(qtbot, lesson, tmp_path):
    from tests.ui.gif_export import export_gif, frame_pixels

    lesson.state.select("l2", 1, 2)
    lesson.state.tab = 1
    (animation,) = lesson.animations()
    assert animation.name == "The l2 pooling window sweeping the map" and animation.frame_count == 16
    result, gif = export_gif(qtbot, lesson, animation, tmp_path / "pool.gif", fps=2, width=500)
    assert (gif.n_frames, gif.size[0], gif.info["duration"]) == (16, 500, 500)
    assert frame_pixels(gif, 0) != frame_pixels(gif, 1)
    assert lesson.state.selection == ("l2", 1, 2) and lesson.state.tab == 1  # put back


def test_no_sweep_when_the_window_does_not_fit(lesson):
    lesson.state.set_example(np.ones((3, 3)))
    lesson.state.set_window(size=4)
    (animation,) = lesson.animations()
    assert animation.frame_count == 0 and "does not fit" in animation.unavailable


def test_ctrl_c_copies_a_pooling_output_as_shown(qtbot, lesson):
    from PySide6.QtWidgets import QApplication

    from explainer.core.formatting import parse_grid

    grid = lesson.grids["avg"]
    click(qtbot, grid, 0, 0)
    qtbot.keyClick(grid, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    parsed = parse_grid(QApplication.clipboard().text())
    assert [[core.format_number(v) for v in row] for row in parsed] == shown(grid)


def _grids_fit(lesson) -> list:
    """Rectangles of the input grid and every shown pooled grid, in the lesson's coordinates."""
    page = lesson.kinds_page
    grids = [lesson.input_grid, *(g for g in lesson.grids.values() if g.isVisible())]
    rects = [g.geometry().translated(g.parentWidget().mapTo(lesson, g.parentWidget().rect().topLeft()))
             for g in grids]
    inside = page.rect().translated(page.mapTo(lesson, page.rect().topLeft()))
    assert all(inside.contains(r) for r in rects), (inside, rects)
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1 :])
    return rects


@pytest.mark.parametrize("size, stride, smallest", [(2, 2, 44), (3, 1, 36), (2, 1, 32), (8, 8, 46)])
def test_the_grids_use_the_room_and_stay_on_the_page(qtbot, lesson, size, stride, smallest):
    lesson.resize(1100, 800)  # the lesson's share of a 1400×900 window
    lesson.state.size, lesson.state.stride = size, stride
    qtbot.wait(20)
    _grids_fit(lesson)
    # The 8×8 map and three pooled ones side by side, each given the room it needs (four equal
    # columns gave 30 px cells at this size, whatever the pooled maps' size).
    assert lesson.input_grid.cell >= smallest
    assert all(g.cell >= lesson.input_grid.cell for g in lesson.grids.values() if g.isVisible())
    lesson.resize(700, 520)  # a small window: the cells shrink, and everything stays on the page
    qtbot.waitUntil(lambda: lesson.input_grid.cell < smallest)
    _grids_fit(lesson)


def test_a_picture_s_larger_map_still_fits(qtbot, lesson):
    lesson.resize(1100, 800)
    lesson.app_state.set_image(edge_image(), "edge.png")
    lesson.state.source = "image"
    qtbot.waitUntil(lambda: lesson.state.feature_map is not None, timeout=10000)
    qtbot.wait(20)
    assert lesson.input_grid.values.shape == (24, 24)
    _grids_fit(lesson)
    assert lesson.input_grid.cell >= 12


def test_the_stride_tab_s_grids_use_the_room_and_stay_on_the_page(qtbot, lesson):
    from explainer.ui.widgets.stride_comparison import PANELS

    lesson.resize(1100, 800)
    lesson.state.tab = 1
    qtbot.waitUntil(lambda: lesson.stride_view.isVisible())
    view = lesson.stride_view
    grids = [view.grids[key] for key in PANELS]
    page = view.rect().translated(view.mapTo(lesson, view.rect().topLeft()))
    rects = [g.geometry().translated(g.parentWidget().mapTo(lesson, g.parentWidget().rect().topLeft())) for g in grids]
    assert all(page.contains(r) for r in rects), (page, rects)
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1 :])
    assert view.grids["input"].cell >= 40  # four equal columns gave 29 px
    assert view.grids["conv2"].cell >= view.grids["input"].cell  # the smaller outputs get the larger cells


def test_fitting_cells_shrink_to_the_room_and_leave_out_what_does_not_fit():
    from explainer.ui.widgets.stride_comparison import fitting_cells

    cell, big = fitting_cells((8, 8), 3, 1000, 600)
    assert 8 * cell + 3 * big + 6 * cell + 3 * big <= 1000 and (cell, big) != (8, 12)
    smaller, _ = fitting_cells((8, 8), 3, 500, 600)
    assert smaller < cell
    alone, _ = fitting_cells((2, 2), 3, 90, 600)  # the kernel does not fit: only the input is shown
    assert alone == 45
