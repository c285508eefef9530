"""The channel detail's panels: one width for the three maps side by side, whatever their titles."""

import numpy as np
import pytest

from explainer.ui.widgets.channel_sums import ChannelSumsView


@pytest.mark.parametrize("relu_title", ["ReLU", "= the channel (click a pixel)", "ReLU of the sum = the channel"])
def test_side_by_side_maps_share_one_width_whatever_their_titles(qtbot, relu_title):
    view = ChannelSumsView()
    qtbot.addWidget(view)
    view.resize(730, 700)
    view.show()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 12, 12))
    info = {"input": x, "kernel": rng.standard_normal((3, 3, 3)), "responses": x, "sum": x[0], "pre": x[0] + 1,
            "relu": np.maximum(x[0] + 1, 0)}
    view.show_breakdown(info, "a channel")
    view.set_titles(relu=relu_title, pre="+")
    qtbot.waitUntil(lambda: view.views["relu"].view.width() > 100)

    def widths():
        return [round(view.views[key].view.geometry().width(), 1) for key in ("sum", "pre", "relu")]

    qtbot.waitUntil(lambda: len(set(widths())) == 1, timeout=2000)
    assert view.titles["relu"].text == relu_title
    scene_width = view.graphics.viewport().width()
    assert widths()[0] * 3 <= scene_width and widths()[0] > scene_width / 4  # a third each


def test_a_shortcut_sum_empties_the_kernel_panels_and_a_breakdown_names_them_again(qtbot):
    view = ChannelSumsView()
    qtbot.addWidget(view)
    view.resize(730, 700)
    view.show()
    body, shortcut = np.array([[1.0, -2.0]]), np.array([[0.5, 0.5]])
    view.show_sum({"body": body, "shortcut": shortcut, "sum": body + shortcut, "relu": np.maximum(body + shortcut, 0)},
                  "a sum", "conv7")
    assert view.titles["sum"].text == "conv7's output" and view.titles["kernel"].text == ""
    assert view.views["kernel"].values is None and view.views["relu"].values[0, 0, 1] == 0
    view.show_sum_pixel(0, 1, {"body": body, "shortcut": shortcut, "sum": body + shortcut}, "conv7", 0.0)
    assert "conv7's output −2 + the block's input 0.5 = −1.5; ReLU → <b>0</b>" in view.pixel_text.text()
    x = np.ones((2, 4, 4))
    view.show_breakdown({"input": x, "kernel": np.ones((2, 3, 3)), "responses": x, "sum": x[0], "pre": x[0],
                         "relu": x[0]}, "a channel")
    assert view.titles["sum"].text == "sum of the responses" and view.titles["kernel"].text.startswith("its kernel")


def test_an_output_without_relu_keeps_its_signed_colours_when_drawn_later(qtbot):
    """A breakdown given while the view is hidden (another tab) is drawn when shown: as it was asked for."""
    view = ChannelSumsView()
    qtbot.addWidget(view)  # not shown yet
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 6))
    out = x[0] - 1.0  # mostly negative: no ReLU after this convolution
    view.show_breakdown({"input": x, "kernel": rng.standard_normal((2, 3, 3)), "responses": x, "sum": out,
                         "pre": out, "relu": out, "rectified": False}, "a convolution without ReLU")
    view.resize(600, 600)
    view.show()
    qtbot.waitUntil(lambda: view.views["relu"].values is not None)
    low, high = view.views["relu"].image.getLevels()
    assert low == -high < 0 and view.views["relu"].values.min() < 0
    view.show_breakdown({"input": x, "kernel": rng.standard_normal((2, 3, 3)), "responses": x, "sum": out,
                         "pre": out, "relu": np.maximum(out, 0), "rectified": True}, "with ReLU")
    assert float(view.views["relu"].image.getLevels()[0]) == 0.0


def _gap_under_title(view: ChannelSumsView, key: str) -> float:
    """Pixels between the bottom of a panel's title and the top of its map's picture, in the view."""
    title = view.titles[key].mapRectToScene(view.titles[key].boundingRect())
    image = view.views[key].image
    picture = image.mapRectToScene(image.boundingRect())
    return picture.top() - title.bottom()


def test_a_shortcut_sum_keeps_its_maps_right_under_their_titles_in_a_tall_view(qtbot):
    """Three square maps alone in a tall view: the spare height goes above and below, not between title and map."""
    view = ChannelSumsView()
    qtbot.addWidget(view)
    view.resize(730, 900)
    view.show()
    body = np.random.default_rng(1).standard_normal((16, 16))
    shortcut = np.abs(body)
    info = {"body": body, "shortcut": shortcut, "sum": body + shortcut, "relu": np.maximum(body + shortcut, 0)}
    view.show_sum(info, "a sum", "conv3")
    qtbot.waitUntil(lambda: view.views["relu"].view.width() > 100)
    qtbot.waitUntil(lambda: all(0 <= _gap_under_title(view, k) < 20 for k in ("sum", "pre", "relu")), timeout=2000)
    assert view.views["relu"].view.height() < view.graphics.viewport().height() / 2  # the rest is spare
    x = np.ones((2, 4, 4))  # a convolution's breakdown shows its folded rows again, above the three maps
    view.show_breakdown({"input": x, "kernel": np.ones((2, 3, 3)), "responses": x, "sum": x[0], "pre": x[0],
                         "relu": x[0]}, "a channel")
    qtbot.waitUntil(lambda: all(view.views[k].view.isVisible() and view.views[k].view.height() > 40
                                for k in ("input", "kernel", "responses")), timeout=2000)
