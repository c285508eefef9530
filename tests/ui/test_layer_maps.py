"""The layer list: a new network's rows go in a few per turn of the event loop, and always end up right."""

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from explainer.ui.widgets.layer_maps import LayerMaps, LayerMapsOverview


def rows(prefix, count, value=0.0, channels=3):
    return [LayerMaps(f"{prefix}{i}", f"{prefix} {i}", np.full((channels, 5, 5), value + i, np.float32), (0.0, 99.0))
            for i in range(count)]


def make(qtbot):
    """The overview in a page, as in the app. (pyqtgraph's own ``close()`` of a GraphicsView that has had its
    rows replaced crashes in ``scene().clear()``; the app never calls it: a closing window deletes its views.)"""
    page = QWidget()
    overview = LayerMapsOverview()
    QVBoxLayout(page).addWidget(overview)
    qtbot.addWidget(page)
    page.resize(500, 600)
    page.show()
    overview.page = page  # qtbot keeps a weak reference only
    return overview


def test_rows_arrive_in_batches_and_show_the_latest_values(qtbot):
    overview = make(qtbot)
    per_turn = overview.ROWS_PER_TURN
    with qtbot.waitSignal(overview.rows_built, timeout=10000):
        overview.set_layers(rows("a", 3 * per_turn + 1))
        assert overview.building and overview.keys() == [f"a{i}" for i in range(per_turn)]
        overview.set_layers(rows("a", 3 * per_turn + 1, value=50.0))  # another photo before the rows are all in
    assert not overview.building
    assert overview.keys() == [f"a{i}" for i in range(3 * per_turn + 1)]
    for i in (0, per_turn, 3 * per_turn):  # rows added at once and later both show the second photo
        assert overview.maps(f"a{i}").values[0, 0, 0] == 50 + i and overview.title(f"a{i}") == f"a {i}"
    tops = [overview.maps(f"a{i}").view.mapToScene(0, 0).y() for i in range(3 * per_turn + 1)]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)  # one row under the other, in order


def test_a_new_network_while_rows_are_still_coming_replaces_them(qtbot):
    overview = make(qtbot)
    per_turn = overview.ROWS_PER_TURN
    overview.set_layers(rows("old", 4 * per_turn))
    assert overview.building
    with qtbot.waitSignal(overview.rows_built, timeout=10000):
        overview.set_layers(rows("new", per_turn + 2, channels=2))
    qtbot.wait(50)  # the batches queued for the old list stop: the new list's rows are all there, once each
    assert overview.keys() == [f"new{i}" for i in range(per_turn + 2)] and not overview.building
    assert overview.maps(f"new{per_turn + 1}").values.shape == (2, 5, 5)


def test_a_short_list_is_built_at_once(qtbot):
    overview = make(qtbot)
    with qtbot.waitSignal(overview.rows_built, timeout=1000):
        overview.set_layers(rows("s", 2))
    assert not overview.building and overview.keys() == ["s0", "s1"]
    with qtbot.assertNotEmitted(overview.rows_built, wait=50):  # the same layers again: nothing is rebuilt
        overview.set_layers(rows("s", 2, value=7.0))
    assert overview.maps("s1").values[0, 0, 0] == 8


def test_with_a_minimum_tile_the_list_asks_for_room_and_gives_it_back_when_emptied(qtbot):
    overview = make(qtbot)
    overview.min_tile = 16
    with qtbot.waitSignal(overview.rows_built, timeout=10000):
        overview.set_layers(rows("m", 30, channels=40))
    qtbot.waitUntil(lambda: overview.minimumHeight() > 600)  # 30 rows of 16-pixel tiles: taller than the page
    assert overview.tile >= 16
    overview.set_layers([])
    assert overview.minimumHeight() == 0 and overview.keys() == []
