"""The pooling lesson: what the grids show equals explainer.core."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSpinBox

from explainer import core
from explainer.ui.lessons.pooling import EXAMPLE, PoolingLesson
from explainer.ui.state import AppState


@pytest.fixture
def lesson(qtbot):
    widget = PoolingLesson(AppState())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    yield widget


def shown(grid):
    rows, cols = grid.values.shape
    return [[grid.cell_text(r, c) for c in range(cols)] for r in range(rows)]


def expected(x, size, stride, mode):
    values = core.pool2d(x[None], size, stride, mode)[0]
    return [[core.format_number(v) for v in row] for row in values]


@pytest.mark.parametrize("size, stride", [(2, 2), (3, 1), (2, 3), (1, 1), (5, 2)])
def test_grids_show_core_pool2d(lesson, size, stride):
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(size)
    lesson.findChild(QSpinBox, "poolStrideSpin").setValue(stride)
    for mode in ("max", "avg", "l2"):
        assert shown(lesson.grids[mode]) == expected(EXAMPLE, size, stride, mode)
        n = core.output_size(8, size, stride)
        assert f"→ {n}×{n}" in lesson.titles[mode].text()


def test_clicking_an_output_cell_shows_its_arithmetic(qtbot, lesson):
    grid = lesson.grids["avg"]
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(1, 2).center())
    text = lesson.findChild(QLabel, "poolArithmetic").text()
    # Window rows 2-3, columns 4-5 of the example: 2, 8, 6, 2 -> mean 4.5
    assert "mean(2, 8, 6, 2) = 4.5" in text
    assert sorted(lesson.input_grid.highlights["window"][0]) == [(2, 4), (2, 5), (3, 4), (3, 5)]
    grid = lesson.grids["l2"]
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(0, 0).center())
    assert "√(1² + 3² + 5² + 6²) = 8.43" in lesson.findChild(QLabel, "poolArithmetic").text()
    grid = lesson.grids["max"]
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(2, 2).center())
    assert "max(1, 0, 3, 9) = 9" in lesson.findChild(QLabel, "poolArithmetic").text()


def test_overlap_and_gaps_are_explained(lesson):
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(3)
    lesson.findChild(QSpinBox, "poolStrideSpin").setValue(1)
    assert "overlap" in lesson.findChild(QLabel, "coverageNote").text()
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(2)
    lesson.findChild(QSpinBox, "poolStrideSpin").setValue(3)
    note = lesson.findChild(QLabel, "coverageNote").text()
    assert "gaps" in note and "28 of 64" in note  # rows/cols 2 and 5 are never looked at
    assert "right" in lesson.input_grid.highlights and "below" in lesson.input_grid.highlights


def test_window_too_large_is_explained(lesson):
    lesson.pool.set_input(np.ones((4, 4)))
    lesson.findChild(QSpinBox, "poolSizeSpin").setValue(5)
    assert "does not fit" in lesson.titles["max"].text()
    assert not lesson.grids["max"].isVisible()


def test_stride_vs_pooling(lesson):
    lesson.tabs.setCurrentIndex(1)
    conv2 = core.conv2d(EXAMPLE[None], core.KERNELS["lecture: X kernel"][None, None], stride=2)[0]
    assert shown(lesson.stride_grids["conv2"]) == [[core.format_number(v) for v in r] for r in conv2]
    conv1 = core.conv2d(EXAMPLE[None], core.KERNELS["lecture: X kernel"][None, None])[0]
    pooled = core.pool2d(conv1[None], 2)[0]
    assert shown(lesson.stride_grids["pooled"]) == [[core.format_number(v) for v in r] for r in pooled]
    assert "→ 3×3" in lesson.stride_titles["conv2"].text() and "→ 3×3" in lesson.stride_titles["pooled"].text()


def test_feature_map_of_the_current_image(lesson):
    image = np.zeros((50, 50, 3), np.float32)
    image[:, 25:] = 1.0  # one vertical edge
    lesson.app_state.set_image(image, "edge.png")
    lesson.set_source("image")
    assert lesson.pool.x.shape == (24, 24)
    assert lesson.pool.x.max() > 0 and lesson.pool.x.min() >= 0
    assert shown(lesson.grids["max"]) == expected(lesson.pool.x, 2, 2, "max")
