"""The layer stack: titled mosaics painted straight onto one widget, clickable, hoverable and copyable."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QMenu

from explainer.core.formatting import parse_grid
from explainer.ui.widgets.layer_stack import MARGIN, LayerStack
from explainer.ui.widgets.maps import ACTIVATION_CMAP, colormap


@pytest.fixture
def stack(qtbot):
    widget = LayerStack()
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_layers(["conv", "dense"])
    rng = np.random.default_rng(0)
    widget.maps = rng.uniform(0, 1, size=(6, 5, 7)).astype(np.float32)
    widget.vector = np.array([0.1, 0.9, 0.3], dtype=np.float32)
    widget.show_layer("conv", widget.maps, (0.0, 1.0), "<b>conv</b> — feature maps", columns=3)
    widget.show_layer("dense", widget.vector, (0.0, 1.0), "<b>dense</b>", labels=["a", "b", "c"])
    return widget


def pixel(widget, point) -> QColor:
    return widget.grab().toImage().pixelColor(point)


def test_each_cell_is_painted_in_its_value_s_colour(stack):
    lut = colormap(ACTIVATION_CMAP).getLookupTable(nPts=256)
    for channel, row, col in [(0, 0, 0), (4, 3, 6), (5, 4, 2)]:
        rect = stack.cell_rect("conv", channel, row, col)
        assert rect.width() > 4
        seen = pixel(stack, rect.center().toPoint())
        value = stack.maps[channel, row, col]
        expected = lut[min(255, int(value * 256))]
        assert abs(seen.red() - expected[0]) <= 2 and abs(seen.green() - expected[1]) <= 2, (channel, row, col)


def test_a_click_reports_the_cell_and_a_click_in_a_gap_reports_nothing(stack, qtbot):
    clicked = []
    stack.cell_clicked.connect(lambda *cell: clicked.append(cell))
    rect = stack.cell_rect("conv", 4, 3, 6)
    qtbot.mouseClick(stack, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert clicked == [("conv", 4, 3, 6)]
    gap = (stack.cell_rect("conv", 0, 2, 6).center() + stack.cell_rect("conv", 1, 2, 0).center()) / 2
    qtbot.mouseClick(stack, Qt.MouseButton.LeftButton, pos=gap.toPoint())
    qtbot.mouseClick(stack, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))
    assert clicked == [("conv", 4, 3, 6)]
    qtbot.mouseClick(stack, Qt.MouseButton.LeftButton, pos=stack.cell_rect("dense", 2).center().toPoint())
    assert clicked[-1] == ("dense", 2, 0, 0)


def test_the_marked_cell_is_outlined_in_orange_and_only_in_its_layer(stack):
    stack.mark("conv", 2, 1, 3)
    assert stack.views["conv"].selection.isVisible() and not stack.views["dense"].selection.isVisible()
    top, left = stack.views["conv"].mosaic.origin(2)
    assert stack.views["conv"].selection.rect().topLeft().toTuple() == (left + 3, top + 1)
    rect = stack.cell_rect("conv", 2, 1, 3)
    edge = pixel(stack, QPoint(round(rect.left()), round(rect.center().y())))
    assert edge.red() > 200 and 100 < edge.green() < 200 and edge.blue() < 80  # #ff9900
    stack.mark("dense", 1)
    assert not stack.views["conv"].selection.isVisible() and stack.views["dense"].selection.isVisible()
    stack.mark(None)
    assert not any(view.selection.isVisible() for view in stack.views.values())


def test_hovering_outlines_the_cell_under_the_pointer(stack, qtbot):
    rect = stack.cell_rect("conv", 1, 2, 2)
    qtbot.mouseMove(stack, rect.center().toPoint())
    hover = stack.views["conv"].hover
    top, left = stack.views["conv"].mosaic.origin(1)
    assert hover.isVisible() and hover.rect().topLeft().toTuple() == (left + 2, top + 2)
    qtbot.mouseMove(stack, QPoint(2, 2))
    assert not hover.isVisible()


def test_a_right_click_copies_the_channel_under_the_pointer(stack, qtbot):
    rect = stack.cell_rect("conv", 4, 0, 0)
    text = stack.copy_values_at(rect.center())
    assert QApplication.clipboard().text() == text
    np.testing.assert_allclose(parse_grid(text), stack.maps[4], atol=5e-5)
    qtbot.mouseClick(stack, Qt.MouseButton.RightButton, pos=rect.center().toPoint())
    menus = [m for m in stack.findChildren(QMenu) if m.isVisible()]
    assert menus and [a.text() for a in menus[0].actions()] == ["Copy values as text"]
    menus[0].close()
    assert stack.copy_values_at(stack.cell_rect("conv", 0).topLeft() - stack.cell_rect("conv", 0).center()) is None


def test_vector_labels_are_dark_on_bright_cells_and_light_on_dark_ones(stack):
    image = stack.grab().toImage()

    def darkest_and_lightest(index):
        rect = stack.cell_rect("dense", index).adjusted(2, 2, -2, -2).toRect()
        values = [image.pixelColor(x, y).lightness() for x in range(rect.left(), rect.right())
                  for y in range(rect.top(), rect.bottom())]
        return min(values), max(values)

    dark, _ = darkest_and_lightest(1)  # 0.9: a bright cell with a black letter
    _, light = darkest_and_lightest(0)  # 0.1: a dark cell with a white letter
    assert dark < 30 and light > 225


def test_clearing_empties_every_row_and_the_same_maps_again_change_nothing(stack, qtbot):
    before = stack.grab().toImage()
    stack.show_layer("conv", stack.maps.copy(), (0.0, 1.0), "<b>conv</b> — feature maps", columns=3)
    assert stack.grab().toImage() == before
    stack.mark("conv", 0)
    stack.clear_layers()
    assert all(view.values is None for view in stack.views.values())
    assert all(title.text == "" for title in stack.titles.values())
    assert not any(view.selection.isVisible() for view in stack.views.values())
    blank = stack.grab().toImage()
    assert {blank.pixelColor(x, y).name() for x in range(0, 600, 7) for y in range(0, 400, 7)} == {"#ffffff"}


def test_new_layers_rebuild_the_rows_and_a_bigger_font_makes_taller_titles(stack):
    assert stack.keys() == ["conv", "dense"]
    top = stack.cell_rect("conv", 0).top()
    font = QFont(stack.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    stack.setFont(font)  # as the presenter view does
    assert stack.cell_rect("conv", 0).top() > top
    stack.set_layers(["a"])
    assert stack.keys() == ["a"] and stack.views["a"].values is None and stack.cell_rect("a", 0).isEmpty()


def on_screen(widget, point) -> QColor:
    """The colour the window shows now (its backing store: only what was repainted is new), not a fresh grab()."""
    window = widget.window()
    return QApplication.primaryScreen().grabWindow(window.winId()).toImage().pixelColor(widget.mapTo(window, point))


def test_a_right_click_off_the_cells_offers_no_menu(stack, qtbot):
    qtbot.mouseClick(stack, Qt.MouseButton.RightButton, pos=QPoint(20, 12))  # on the first title
    assert not [m for m in stack.findChildren(QMenu) if m.isVisible()]


def test_a_layer_of_no_channels_shows_an_empty_row(stack, qtbot):
    stack.show_layer("conv", np.zeros((0, 5, 5), np.float32), (0.0, 1.0), "no channels")
    stack.show_layer("dense", np.zeros(0, np.float32), (0.0, 1.0), "no neurons")
    stack.grab()  # painting a mosaic of no rows divided by zero, and a paint event that raises crashes Qt
    qtbot.mouseMove(stack, QPoint(300, 100))
    assert stack.cell_at(stack.rect().center().toPointF()) is None


def test_a_moved_outline_leaves_nothing_behind_in_the_presenter_view(stack, qtbot):
    from explainer.ui.widgets.style import line_scale, set_line_scale

    scale = line_scale()
    set_line_scale(2.0)  # the presenter view's lines: the outline reaches further past its cell
    try:
        stack.resize(600, 200)  # two rows of 95 pixels: a tall mosaic's lower edge 1.4 pixels above its row's
        tall = np.zeros((4, 40, 5), np.float32)
        stack.show_layer("conv", tall, (0.0, 1.0), "tall", columns=4)
        stack.mark("conv", 0, 39, 2)
        stack.repaint()  # everything painted once, the outline's whole pen with it
        cell = stack.cell_rect("conv", 0, 39, 2)
        point = QPoint(round(cell.center().x()), math.ceil(cell.bottom()) + 1)
        assert point.y() >= MARGIN / 2 + (200 - MARGIN) / 2  # in the second row's share of the height
        assert on_screen(stack, point).name() != "#ffffff"  # the outline's lower edge, past the row
        stack.mark(None)
        qtbot.wait(20)
        assert on_screen(stack, point).name() == "#ffffff"
    finally:
        set_line_scale(scale)
