"""The presenter view: larger text and lines, the lesson list and status bar hidden, and back exactly."""

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QApplication

from explainer.ui import presenter


@pytest.fixture
def presenting(window, qtbot):
    yield window
    window.presenter.set_on(False)  # the application font is shared by every later test


def _label_items(window):
    for view in window.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.LabelItem) and item.text:
                yield item


def test_f5_turns_the_presenter_view_on_and_off(presenting, qtbot):
    window = presenting
    window.show_lesson("draw")
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)
    app_size = QApplication.font().pointSizeF()
    title_sheet = window.lesson_title.styleSheet()
    labels = {item: item.opts["size"] for item in _label_items(window)}
    assert labels, "the draw lesson has titled pyqtgraph panels"
    chart = window.lesson("draw").chart
    chart_height = chart.minimumHeight()
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert chart.minimumHeight() == round(chart_height * 1.5)  # room for the larger axis text
    assert window.presenting and window.presenter.action.isChecked()
    assert not window.side_column.isVisible() and not window.statusBar().isVisible()
    assert QApplication.font().pointSizeF() == pytest.approx(app_size * 1.5)
    assert "font-size: 24pt" in window.lesson_title.styleSheet()  # 16pt × 1.5
    for item, size in labels.items():
        assert float(item.opts["size"][:-2]) == pytest.approx(float(size[:-2]) * 1.5)
    assert presenter.line_scale() == 2.0
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window.presenting
    assert window.side_column.isVisible() and window.statusBar().isVisible()
    assert QApplication.font().pointSizeF() == pytest.approx(app_size)
    assert window.lesson_title.styleSheet() == title_sheet
    assert chart.minimumHeight() == chart_height
    assert {item: item.opts["size"] for item in labels} == labels
    assert presenter.line_scale() == 1.0


def test_switching_many_times_never_drifts(presenting):
    window = presenting
    size = QApplication.font().pointSizeF()
    for _ in range(5):
        window.presenter.set_on(True)
        window.presenter.set_on(False)
    assert QApplication.font().pointSizeF() == pytest.approx(size)
    window.presenter.set_on(True)
    assert QApplication.font().pointSizeF() == pytest.approx(size * 1.5)


def test_lines_are_twice_as_thick(presenting, qtbot):
    window = presenting
    window.show_lesson("draw")
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)
    chart = window.lesson("draw").chart
    axis = chart.getAxis("left")
    width = max(1.0, axis.pen().widthF())
    window.presenter.set_on(True)
    assert axis.pen().widthF() == pytest.approx(width * 2)
    assert presenter.scaled_pen(QPen()).widthF() == pytest.approx(2.0)
    window.presenter.set_on(False)
    assert max(1.0, axis.pen().widthF()) == pytest.approx(width)
    assert presenter.scaled_pen(QPen()).widthF() == QPen().widthF()


def test_the_tour_narrative_is_shown_large(presenting):
    window = presenting
    window.tour.start_bundled()
    panel = window.tour.panel
    normal = panel.narrative.font().pointSizeF()
    window.presenter.set_on(True)
    assert panel.narrative.font().pointSizeF() == pytest.approx(normal * 1.5)
    assert not panel.steps.isVisible()  # the words get the room; PageUp / PageDown still move
    window.presenter.set_on(False)
    assert panel.narrative.font().pointSizeF() == pytest.approx(normal)
    assert panel.steps.isVisible()


@pytest.mark.parametrize("lesson_id", ["convolution", "feature-maps", "pooling", "dense", "draw", "network", "text", "photo", "segmentation"])
def test_no_label_is_cut_off_in_the_presenter_view(presenting, qtbot, lesson_id):
    """At 1920×1080 with text ×1.5, every label on the page has the width its text needs (or wraps)."""
    from PySide6.QtWidgets import QLabel

    window = presenting
    window.resize(1920, 1080)
    window.show_lesson(lesson_id)
    window.presenter.set_on(True)
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)
    qtbot.wait(200)  # the larger font's layout requests
    page = window.lesson(lesson_id)
    labels = [label for label in page.findChildren(QLabel) if label.isVisible() and label.text()]
    assert labels
    if lesson_id == "convolution":
        assert any("Sum of the channel sums" in label.text() for label in labels)  # the one that was cut off
    cut = [label.text() for label in labels
           if not label.wordWrap() and label.width() < label.minimumSizeHint().width()]
    assert cut == []
    wrapped_short = [label.text() for label in labels
                     if label.wordWrap() and label.height() < label.heightForWidth(label.width())]
    assert wrapped_short == []
