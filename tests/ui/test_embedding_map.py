"""The embedding map labels the words of the text without covering one label with another."""

import itertools

import numpy as np
import pytest

from explainer.ui.widgets.embedding_map import LABEL_ANCHORS, EmbeddingMap, place_labels


def _rect(point, size, anchor):
    return point[0] - anchor[0] * size[0], point[1] - anchor[1] * size[1], size[0], size[1]


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_labels_of_nearby_points_move_aside_and_a_crowded_one_is_left_out():
    points = [(100, 100), (104, 100), (100, 104), (300, 300), (102, 102), (103, 101)]
    sizes = [(40, 14)] * len(points)
    anchors = place_labels(points, sizes, (0, 0, 500, 500))
    assert anchors[0] == LABEL_ANCHORS[0] and anchors[3] == LABEL_ANCHORS[0]  # room: the usual place
    assert anchors[1] is not None and anchors[1] != anchors[0]  # its neighbour moves aside
    assert None in anchors[4:]  # four around one spot: the later ones find no room
    shown = [_rect(p, s, a) for p, s, a in zip(points, sizes, anchors) if a is not None]
    assert len(shown) >= 4
    assert not any(_overlap(a, b) for a, b in itertools.combinations(shown, 2))


def test_a_label_at_the_edge_turns_inwards():
    assert place_labels([(495, 5)], [(40, 14)], (0, 0, 500, 500)) == [(1.0, 0.0)]  # left and down
    assert place_labels([(495, 5)], [(40, 14)]) == [LABEL_ANCHORS[0]]  # no area given: the usual place


@pytest.fixture
def word_map(qtbot):
    widget = EmbeddingMap()
    qtbot.addWidget(widget)
    widget.resize(500, 420)
    widget.show()
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(300, 2))
    xy[:4] = [[0.0, 0.0], [0.01, 0.0], [0.0, 0.01], [2.0, 2.0]]  # three words on one spot, one apart
    widget.set_map(xy, xy[:, 0], 2.0, "a map")
    qtbot.waitExposed(widget)
    return widget


def _shown(word_map):
    return [text for text in word_map.texts if text.isVisible()]


def test_the_map_shows_no_label_over_another(word_map, qtbot):
    word_map.set_highlight([0, 1, 2, 3], ["brilliant", "loved", "wonderful", "awful"])
    qtbot.wait(50)
    shown = _shown(word_map)
    assert {text.toPlainText() for text in shown} >= {"brilliant", "loved", "awful"}
    boxes = [text.sceneBoundingRect() for text in shown]
    assert not any(a.intersects(b) for a, b in itertools.combinations(boxes, 2))
    word_map.resize(260, 220)  # less room: placed again
    qtbot.waitUntil(lambda: word_map.plot.getViewBox().width() < 200)
    boxes = [text.sceneBoundingRect() for text in _shown(word_map)]
    assert boxes and not any(a.intersects(b) for a, b in itertools.combinations(boxes, 2))
    word_map.set_highlight([], [])
    assert not _shown(word_map)
