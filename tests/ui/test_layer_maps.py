"""The layer list: every row of a network at once, in order, tiled at one size, clickable and kept up to date."""

import math

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMenu, QScrollArea, QVBoxLayout, QWidget

from explainer.core.formatting import parse_grid
from explainer.ui.widgets.layer_maps import LayerMaps, LayerMapsOverview


def rows(prefix, count, value=0.0, channels=3):
    return [LayerMaps(f"{prefix}{i}", f"{prefix} {i}", np.full((channels, 5, 5), value + i, np.float32), (0.0, 99.0))
            for i in range(count)]


def make(qtbot):
    """The overview in a page, as in the app."""
    page = QWidget()
    overview = LayerMapsOverview()
    QVBoxLayout(page).addWidget(overview)
    qtbot.addWidget(page)
    page.resize(500, 600)
    page.show()
    qtbot.waitExposed(page)
    overview.page = page  # qtbot keeps a weak reference only
    return overview


def test_every_row_arrives_at_once_in_order_and_shows_the_latest_values(qtbot):
    overview = make(qtbot)
    with qtbot.waitSignal(overview.rows_built, timeout=1000):
        overview.set_layers(rows("a", 20))
    assert overview.keys() == [f"a{i}" for i in range(20)]
    overview.set_layers(rows("a", 20, value=50.0))  # another photo through the same network
    for i in (0, 7, 19):
        assert overview.maps(f"a{i}").values[0, 0, 0] == 50 + i and overview.title(f"a{i}") == f"a {i}"
    tops = [overview.row_rect(f"a{i}").top() for i in range(20)]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)  # one row under the other, in order


def test_a_new_network_replaces_the_rows(qtbot):
    overview = make(qtbot)
    overview.set_layers(rows("old", 12))
    with qtbot.waitSignal(overview.rows_built, timeout=1000):
        overview.set_layers(rows("new", 4, channels=2))
    assert overview.keys() == [f"new{i}" for i in range(4)]
    assert overview.maps("new3").values.shape == (2, 5, 5)


def test_the_same_layers_again_rebuild_nothing(qtbot):
    overview = make(qtbot)
    with qtbot.waitSignal(overview.rows_built, timeout=1000):
        overview.set_layers(rows("s", 2))
    first = overview.maps("s1")
    with qtbot.assertNotEmitted(overview.rows_built, wait=50):
        overview.set_layers(rows("s", 2, value=7.0))
    assert overview.maps("s1") is first and first.values[0, 0, 0] == 8


def test_with_a_minimum_tile_the_list_asks_for_room_and_gives_it_back_when_emptied(qtbot):
    overview = make(qtbot)
    overview.min_tile = 16
    overview.set_layers(rows("m", 30, channels=40))
    qtbot.waitUntil(lambda: overview.minimumHeight() > 600)  # 30 rows of 16-pixel tiles: taller than the page
    assert overview.tile >= 16
    overview.set_layers([])
    assert overview.minimumHeight() == 0 and overview.keys() == []


def test_every_tiled_row_has_the_same_tile_and_fits_the_widget(qtbot):
    overview = make(qtbot)
    layers = rows("t", 3, channels=6) + [LayerMaps("big", "big", np.ones((40, 3, 3), np.float32), (0.0, 1.0)),
                                          LayerMaps("out", "out", np.arange(10, dtype=np.float32), (0.0, 9.0), 10)]
    overview.set_layers(layers)
    pitches = [overview.cell_rect(key, 1).left() - overview.cell_rect(key, 0).left() for key in ("t0", "t2")]
    assert abs(pitches[0] - pitches[1]) < 0.01
    assert overview.cell_rect("out", 1).height() <= LayerMapsOverview.STRIP_HEIGHT  # the vector: a thin strip
    assert max(overview.row_rect(key).bottom() for key in overview.keys()) <= overview.height()


def test_a_click_names_the_channel_and_the_selection_is_outlined(qtbot):
    overview = make(qtbot)
    overview.set_layers(rows("c", 3, channels=4))
    clicked = []
    overview.channel_clicked.connect(lambda key, channel: clicked.append((key, channel)))
    qtbot.mouseClick(overview, Qt.MouseButton.LeftButton, pos=overview.cell_rect("c1", 2, 3, 1).center().toPoint())
    assert clicked == [("c1", 2)]
    overview.mark("c1", 2)
    outline = overview.maps("c1").selection
    top, left = overview.maps("c1").mosaic.origin(2)
    assert outline.isVisible() and outline.rect().getRect() == (left, top, 5, 5)  # the whole map
    edge = overview.cell_rect("c1", 2, 2, 0)
    colour = overview.grab().toImage().pixelColor(QPoint(round(edge.left()), round(edge.center().y())))
    assert colour.red() > 200 and 100 < colour.green() < 200 and colour.blue() < 80
    overview.set_layers(rows("c", 3, channels=4, value=5.0))  # a new photo keeps the outline
    assert overview.maps("c1").selection.isVisible()
    overview.mark(None)
    assert not any(overview.maps(key).selection.isVisible() for key in overview.keys())


def test_a_right_click_copies_the_channel(qtbot):
    overview = make(qtbot)
    values = np.random.default_rng(1).normal(size=(3, 5, 5)).astype(np.float32)
    overview.set_layers([LayerMaps("r", "r", values, (-3.0, 3.0))])
    point = overview.cell_rect("r", 1, 2, 2).center()
    np.testing.assert_allclose(parse_grid(overview.copy_values_at(point)), values[1], atol=5e-5)
    assert QApplication.clipboard().text() == overview.copy_values_at(point)
    qtbot.mouseClick(overview, Qt.MouseButton.RightButton, pos=point.toPoint())
    menus = [m for m in overview.findChildren(QMenu) if m.isVisible()]
    assert menus and [a.text() for a in menus[0].actions()] == ["Copy values as text"]
    menus[0].close()


def test_in_a_scroll_area_only_the_rows_in_sight_are_coloured(qtbot):
    scroll = QScrollArea(widgetResizable=True)
    overview = LayerMapsOverview()
    overview.min_tile = 20
    scroll.setWidget(overview)
    qtbot.addWidget(scroll)
    scroll.resize(400, 300)
    scroll.show()
    qtbot.waitExposed(scroll)
    overview.set_layers(rows("d", 40, channels=30))
    qtbot.waitUntil(lambda: overview.height() > 1000)
    qtbot.waitUntil(lambda: overview.maps("d0").image.qimage is not None, timeout=2000)  # painted in sight
    qtbot.wait(50)
    coloured = [key for key in overview.keys() if overview.maps(key).image.qimage is not None]
    assert "d0" in coloured and "d39" not in coloured and len(coloured) < 10
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: overview.maps("d39").image.qimage is not None, timeout=2000)


def on_screen(widget, point: QPoint):
    """The colour the window shows now (its backing store: only what was repainted is new), not a fresh grab()."""
    window = widget.window()
    return QApplication.primaryScreen().grabWindow(window.winId()).toImage().pixelColor(widget.mapTo(window, point))


def test_rows_moved_by_another_shape_are_repainted_where_they_now_are(qtbot):
    overview = make(qtbot)
    qtbot.wait(50)  # the window's first exposure (a whole repaint) is over
    same = LayerMaps("b", "b", np.ones((3, 5, 5), np.float32), (0.0, 1.0))  # the same maps both times
    overview.set_layers([LayerMaps("a", "a", np.zeros((4, 5, 5), np.float32), (0.0, 1.0)), same])
    qtbot.wait(20)
    before = overview.cell_rect("b", 0, 2, 2)
    assert on_screen(overview, before.center().toPoint()).name() != "#ffffff"
    overview.set_layers([LayerMaps("a", "a", np.zeros((40, 5, 5), np.float32), (0.0, 1.0)), same])  # "every channel"
    after = overview.cell_rect("b", 0, 2, 2)
    assert not after.intersects(before)  # the row moved (the tiles shrank)
    qtbot.wait(20)
    assert on_screen(overview, after.center().toPoint()).name() == overview.grab().toImage().pixelColor(
        after.center().toPoint()).name() != "#ffffff"


def test_layers_of_no_channels_show_empty_rows(qtbot):
    overview = make(qtbot)
    overview.set_layers([LayerMaps("none", "none", np.zeros((0, 5, 5), np.float32), (0.0, 1.0)),
                         LayerMaps("strip", "strip", np.zeros(0, np.float32), (0.0, 1.0), 1)] + rows("c", 1))
    overview.grab()
    assert overview.keys() == ["none", "strip", "c0"] and overview.cell_at(overview.cell_rect("c0", 1).center())


def test_a_right_click_beside_the_maps_offers_no_menu(qtbot):
    overview = make(qtbot)
    overview.set_layers(rows("r", 1, channels=2))
    beside = overview.cell_rect("r0", 0).center()
    beside.setX(overview.row_rect("r0").left() + 1)  # in the row, left of its centred mosaic
    assert overview.cell_at(beside) is None
    qtbot.mouseClick(overview, Qt.MouseButton.RightButton, pos=beside.toPoint())
    assert not [m for m in overview.findChildren(QMenu) if m.isVisible()]


def test_a_moved_outline_leaves_nothing_below_its_row_in_the_presenter_view(qtbot):
    from explainer.ui.widgets.style import line_scale, set_line_scale

    scale = line_scale()
    set_line_scale(2.0)  # the presenter view's lines: the outline reaches further past its maps
    try:
        overview = make(qtbot)
        qtbot.wait(50)  # the window's first exposure (a whole repaint) is over
        overview.set_layers(rows("p", 12, channels=16, value=-99.0))  # full rows: each mosaic as tall as its row
        overview.mark("p0", 3)
        overview.repaint()  # everything painted once, the outline's whole pen with it
        qtbot.wait(20)
        cell = overview.cell_rect("p0", 3, 4, 2)
        point = QPoint(round(cell.center().x()), math.floor(overview.row_rect("p0").bottom()) + 1)
        assert on_screen(overview, point).name() != "#ffffff"  # the outline's lower edge, below the row
        overview.mark(None)
        qtbot.wait(20)
        assert on_screen(overview, point).name() == "#ffffff"
    finally:
        set_line_scale(scale)


def test_a_resize_that_re_tiles_the_maps_drops_the_hover_outline(qtbot):
    overview = make(qtbot)
    overview.set_layers(rows("h", 2, channels=24))
    qtbot.mouseMove(overview, overview.cell_rect("h0", 5, 2, 2).center().toPoint())
    assert overview.maps("h0").hover.isVisible()
    columns = overview.maps("h0").mosaic.columns
    overview.page.resize(260, 600)
    qtbot.waitUntil(lambda: overview.maps("h0").mosaic.columns != columns, timeout=2000)
    assert not overview.maps("h0").hover.isVisible()
