"""Extreme typed values: every number a person can type stays within ±999, so every number shown is finite.

A kernel cell of 1e308 once made the convolution lesson's sum read
"∞ + (−498) + 164 + 1 = ∞". The cell editor now refuses it and says the range
(its tooltip says it before anything is typed), the lesson states refuse such
values from scripts and sessions, and the largest allowed values still give
finite sums everywhere.
"""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QLineEdit

from explainer.core.limits import MAX_TYPED_VALUE
from explainer.ui.state import AppState, Commands
from explainer.ui.widgets.matrix_grid import MatrixGrid

from .support import excepthook_calls, no_worker_left  # noqa: F401 (fixture)

RANGE_TEXT = "between −999 and 999"
HUGE = ["1e308", "-1e308", "1000", "-999.5", "1e20", "inf", "nan"]


def type_into(qtbot, grid, row, col, text):
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(row, col).center())
    editor = grid.findChild(QLineEdit, "cellEditor")
    assert editor is not None
    editor.setText(text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    return editor


def test_the_limit_is_999():
    assert MAX_TYPED_VALUE == 999


# ---------------------------------------------------------------- the cell editor

@pytest.mark.parametrize("text", HUGE)
def test_the_cell_editor_refuses_values_outside_the_range_and_says_it(qtbot, text):
    grid = MatrixGrid(editable=True)
    qtbot.addWidget(grid)
    grid.set_values(np.zeros((3, 3)))
    grid.show()
    edits = []
    grid.value_edited.connect(lambda *args: edits.append(args))
    editor = type_into(qtbot, grid, 1, 1, text)
    assert edits == []
    assert grid.findChild(QLineEdit, "cellEditor") is editor  # still open, to correct the number
    assert "d00" in editor.styleSheet()
    assert RANGE_TEXT in editor.toolTip() or "not a number" in editor.toolTip()


@pytest.mark.parametrize("text, value", [("999", 999.0), ("-999", -999.0), ("12.5", 12.5), ("−3", -3.0)])
def test_values_inside_the_range_are_taken(qtbot, text, value):
    grid = MatrixGrid(editable=True)
    qtbot.addWidget(grid)
    grid.set_values(np.zeros((2, 2)))
    grid.show()
    edits = []
    grid.value_edited.connect(lambda *args: edits.append(args))
    type_into(qtbot, grid, 0, 1, text)
    assert edits == [(0, 1, value)]


def test_the_tooltip_says_the_range_before_anything_is_typed(qtbot):
    editable, shown = MatrixGrid(editable=True), MatrixGrid()
    for grid in (editable, shown):
        qtbot.addWidget(grid)
    assert RANGE_TEXT in editable.toolTip()
    assert editable.toolTip() and not shown.toolTip()


def test_painting_a_value_outside_the_range_paints_nothing(qtbot):
    grid = MatrixGrid(editable=True)
    qtbot.addWidget(grid)
    grid.set_values(np.zeros((2, 2)))
    grid.show()
    edits = []
    grid.value_edited.connect(lambda *args: edits.append(args))
    grid.paint_value = 1e308
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(0, 0).center())
    assert edits == []


# ---------------------------------------------------------------- the convolution lesson

@pytest.fixture
def convolution(qtbot, no_worker_left):
    from explainer.ui.lessons.convolution import create

    widget = create(AppState(), Commands())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    yield widget
    widget.shutdown()


def sum_line(lesson):
    return lesson.findChild(QLabel, "sumLine").text()


def test_typing_1e308_into_a_kernel_cell_changes_nothing(qtbot, convolution):
    kernel = convolution.findChild(MatrixGrid, "kernelGrid0")
    before, line = convolution.state.w.copy(), sum_line(convolution)
    with excepthook_calls() as hooks:
        editor = type_into(qtbot, kernel, 0, 0, "1e308")
    assert hooks == []
    np.testing.assert_array_equal(convolution.state.w, before)
    assert sum_line(convolution) == line and "∞" not in line
    assert RANGE_TEXT in editor.toolTip()


def test_the_largest_values_keep_every_number_finite(qtbot, convolution):
    s = convolution.state
    s.set_kernel_size(7)
    for c in range(s.channels):
        for r in range(s.x.shape[1]):
            for col in range(s.x.shape[2]):
                s.set_input_value(c, r, col, 999)
        for r in range(7):
            for col in range(7):
                s.set_weight(c, r, col, -999)
    s.set_bias(-999)
    line = sum_line(convolution)
    assert "∞" not in line and "NaN" not in line and "e+" not in line
    out = convolution.findChild(MatrixGrid, "outputGrid")
    texts = [out.cell_text(r, c) for r in range(out.values.shape[0]) for c in range(out.values.shape[1])]
    assert texts and not any("∞" in t or "NaN" in t for t in texts)
    assert np.all(np.isfinite(out.values))


@pytest.mark.parametrize("setter, args", [
    ("set_weight", (0, 0, 0)), ("set_input_value", (0, 0, 0)), ("set_bias", ()),
])
@pytest.mark.parametrize("value", [1e308, -1000.0, float("nan"), float("inf")])
def test_the_convolution_setters_refuse_values_outside_the_range(convolution, setter, args, value):
    before = convolution.state.to_dict()
    with pytest.raises(ValueError, match=RANGE_TEXT):
        getattr(convolution.state, setter)(*args, value)
    assert convolution.state.to_dict() == before


def test_the_bias_box_has_the_same_range(convolution):
    spin = convolution.findChild(QDoubleSpinBox, "biasInput")
    assert (spin.minimum(), spin.maximum()) == (-999, 999)
    assert RANGE_TEXT in spin.toolTip()


@pytest.mark.parametrize("field, index", [("x", 0), ("w", 5), ("b", 0)])
@pytest.mark.parametrize("value", [1000.0, -1e308])
def test_a_convolution_state_with_values_outside_the_range_is_refused(convolution, field, index, value):
    before = convolution.state.to_dict()
    data = dict(before)
    array = dict(before[field])
    array["data"] = list(array["data"])
    array["data"][index] = value
    data[field] = array
    with pytest.raises(ValueError, match=RANGE_TEXT):
        convolution.restore_state(data)
    assert convolution.state.to_dict() == before


# ---------------------------------------------------------------- pooling and feature maps

def test_pooling_refuses_1e308_in_the_editor(qtbot, no_worker_left):
    from explainer.ui.lessons.pooling import create

    lesson = create(AppState(), Commands())
    qtbot.addWidget(lesson)
    lesson.show()
    before = lesson.state.x.copy()
    with excepthook_calls() as hooks:
        editor = type_into(qtbot, lesson.input_grid, 0, 0, "1e308")
    assert hooks == [] and RANGE_TEXT in editor.toolTip()
    np.testing.assert_array_equal(lesson.state.x, before)
    data = lesson.state.to_dict()
    data["x"] = dict(data["x"], data=[1e308] + data["x"]["data"][1:])
    with pytest.raises(ValueError, match=RANGE_TEXT):
        lesson.restore_state(data)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    lesson.shutdown()


def test_feature_maps_refuse_values_outside_the_range(qtbot, no_worker_left):
    from explainer.ui.lessons.feature_maps import create

    lesson = create(AppState(), Commands())
    qtbot.addWidget(lesson)
    lesson.show()
    before = lesson.state.to_dict()
    with excepthook_calls() as hooks:
        editor = type_into(qtbot, lesson.findChild(MatrixGrid, "kernelEditor0"), 1, 1, "1e308")
    assert hooks == [] and RANGE_TEXT in editor.toolTip()
    assert lesson.state.to_dict() == before
    with pytest.raises(ValueError, match=RANGE_TEXT):
        lesson.state.set_weight(0, 1, 1, 1e308)
    data = dict(before)
    kernels = [dict(k) for k in before["kernels"]]
    kernels[0]["data"] = [5000.0] + list(kernels[0]["data"][1:])
    data["kernels"] = kernels
    with pytest.raises(ValueError, match=RANGE_TEXT):
        lesson.restore_state(data)
    assert lesson.state.to_dict() == before
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    lesson.shutdown()
