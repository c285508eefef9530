"""The top-k bar chart: the most likely classes in order, their names redrawn only when they change."""

import numpy as np
import pyqtgraph as pg

from explainer.ui.widgets.top_classes import TopClassesPlot

LABELS = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _chart(qtbot):
    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    plot = TopClassesPlot(LABELS, 5)
    view.addItem(plot)
    view.resize(360, 260)
    view.show()
    calls = []
    axis = plot.getAxis("left")
    original = axis.setTicks
    axis.setTicks = lambda ticks: (calls.append(ticks), original(ticks))[1]
    return view, plot, calls


def _probabilities(order, top=0.6):
    p = np.full(len(LABELS), 0.001)
    for rank, index in enumerate(order):
        p[index] = top / (rank + 1)
    return p / p.sum()


def test_names_are_given_again_only_when_the_classes_or_their_order_change(qtbot):
    view, plot, calls = _chart(qtbot)
    plot.set_probabilities(_probabilities([3, 5, 2, 6, 0]))
    assert [name for name, _ in plot.shown] == ["cat", "dog", "bird", "frog", "plane"]
    assert calls == [[[(0, "cat"), (1, "dog"), (2, "bird"), (3, "frog"), (4, "plane")]]]
    plot.set_probabilities(_probabilities([3, 5, 2, 6, 0], top=0.9))  # other values, the same order
    assert len(calls) == 1
    assert list(plot.bars.opts["width"]) == [value for _, value in plot.shown]
    assert plot.shown[0][1] > 0.4  # the new values are on the bars
    plot.set_probabilities(_probabilities([5, 3, 2, 6, 0]))  # dog and cat swap
    assert calls[-1] == [[(0, "dog"), (1, "cat"), (2, "bird"), (3, "frog"), (4, "plane")]]
    plot.set_probabilities(None)
    assert calls[-1] == [[]] and plot.shown == []
    plot.set_probabilities(_probabilities([5, 3, 2, 6, 0]))  # the names come back after an empty chart
    assert calls[-1][0][0] == (0, "dog") and len(calls) == 4


def test_a_chart_that_kept_its_names_looks_like_one_drawn_afresh(qtbot):
    first = _probabilities([3, 5, 2, 6, 0], top=0.3)
    second = _probabilities([3, 5, 2, 6, 0], top=0.9)
    view, plot, calls = _chart(qtbot)
    plot.set_probabilities(first)
    qtbot.wait(20)
    plot.set_probabilities(second)
    qtbot.wait(20)
    kept = view.grab().toImage()
    fresh_view, fresh, _ = _chart(qtbot)
    fresh.set_probabilities(second)
    qtbot.wait(20)
    assert len(calls) == 1
    assert kept == fresh_view.grab().toImage()
