"""The photo lesson's page for a user model: which convolutions are spelled out as sums (and rightly), and
class names from the file that must fit on screen."""

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from PySide6.QtCore import Qt

from explainer.models.external import open_model
from explainer.ui.lessons.photo.external_work import conv_detail, layer_input, read_image, why_not_plain
from tests.models.external_support import small_onnx
from tests.ui.test_own_model import open_quietly, settled_photo


def detail_of_first_conv(path, channel: int = 1):
    model = open_model(path)
    image = np.random.default_rng(0).random((20, 24, 3)).astype(np.float32)
    shown = read_image(model, model.preprocessing, image)
    layer = model.conv_layers()[0]
    x_in = layer_input(model, layer, shown["activations"], shown["x"])
    return layer, conv_detail(layer, x_in, shown["activations"][layer.name][0], channel)


def auto_pad_onnx(path, auto_pad: str, stride: int):
    weight = numpy_helper.from_array(np.random.default_rng(1).standard_normal((2, 3, 3, 3)).astype(np.float32), "w")
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", auto_pad=auto_pad, strides=[stride, stride])
    side = 6 if auto_pad == "VALID" else 8 // stride
    return small_onnx(path, nodes=[conv], initializers=[weight],
                      inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                      out=(1, 2, side, side))


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER", "VALID"])
def test_automatic_padding_with_stride_one_is_spelled_out_with_the_right_padding(tmp_path, auto_pad):
    layer, info = detail_of_first_conv(auto_pad_onnx(tmp_path / "same.onnx", auto_pad, 1))
    assert info["plain"] and info["padding"] == (0 if auto_pad == "VALID" else 1)
    assert info["error"] < 1e-5  # the sums plus bias are the model's own output


def test_uneven_automatic_padding_shows_only_the_kernels_and_says_why(tmp_path):
    layer, info = detail_of_first_conv(auto_pad_onnx(tmp_path / "same2.onnx", "SAME_UPPER", 2))
    assert not info["plain"] and info["kernel"].shape == (3, 3, 3)
    assert "pads its input automatically" in why_not_plain(layer)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
def test_a_torch_export_program_with_same_padding(tmp_path):
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding="same"), torch.nn.Conv2d(4, 2, 4, padding="same"))
    path = tmp_path / "same.pt2"
    torch.export.save(torch.export.export(net.eval(), (torch.rand(1, 3, 8, 8),)), str(path))
    layer, info = detail_of_first_conv(path)
    assert info["plain"] and info["padding"] == 1 and info["error"] < 1e-5
    model = open_model(path)
    even = model.conv_layers()[1]  # a 4×4 kernel pads one side more than the other
    shown = read_image(model, model.preprocessing, np.random.default_rng(2).random((8, 8, 3)))
    info = conv_detail(even, layer_input(model, even, shown["activations"], shown["x"]),
                       shown["activations"][even.name][0], 0)
    assert not info["plain"] and "automatically" in why_not_plain(even)


def test_long_class_names_are_shortened_on_screen_and_kept_in_the_model(qtbot, window, tmp_path):
    from tests.models.test_external_metadata import classifier_onnx

    names = [f"grey whale {i}, gray whale, devilfish, Eschrichtius gibbosus, Eschrichtius robustus" for i in range(9)]
    names.append("<b>" + "x" * 5000)  # one unbroken word, and markup that must show as text
    (tmp_path / "labels.txt").write_text("\n".join(names))
    open_quietly(qtbot, window, classifier_onnx(tmp_path / "whales.onnx", side=8))
    page = settled_photo(qtbot, window).user_model
    assert window.app_state.external_model.labels == names
    assert page.top5.labels[:2] == ["grey whale 0", "grey whale 1"]
    assert page.top5.labels[9] == "<b>" + "x" * 20 + "…"
    assert page.prediction.textFormat() == Qt.TextFormat.PlainText
    assert len(page.prediction.text()) < 80 and page.prediction.text().startswith("grey whale")


def test_hundreds_of_layers_get_their_rows_at_once_in_order(qtbot):
    from explainer.ui.widgets.layer_maps import LayerMaps, LayerMapsOverview

    overview = LayerMapsOverview()
    qtbot.addWidget(overview)
    overview.resize(600, 400)
    overview.min_tile = 12
    rows = [LayerMaps(f"layer{i}", f"layer {i}", np.full((4, 6, 6), i, np.float32), (0.0, 300.0)) for i in range(300)]
    with qtbot.waitSignal(overview.rows_built, timeout=1000):
        overview.set_layers(rows)
    assert overview.keys() == [f"layer{i}" for i in range(300)]
    assert overview.maps("layer299").values[0, 0, 0] == 299 and overview.title("layer7") == "layer 7"
    tops = [overview.row_rect(f"layer{i}").top() for i in (0, 1, 150, 299)]
    assert tops == sorted(tops) and len(set(tops)) == 4  # one row under the other
    assert overview.minimumHeight() >= 300 * 12  # taller than any window: the page scrolls through them


def test_a_grouped_convolution_names_no_empty_panels_and_a_plain_one_gets_them_back(qtbot, window, tmp_path):
    rng = np.random.default_rng(3)
    weights = [numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "w1"),
               numpy_helper.from_array(rng.standard_normal((4, 1, 3, 3)).astype(np.float32), "w2")]
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c1"], name="plain", pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["c1", "w2"], ["y"], name="depthwise", pads=[1, 1, 1, 1], group=4)]
    path = small_onnx(tmp_path / "dw.onnx", nodes=nodes, initializers=weights,
                      inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])], out=(1, 4, 8, 8))
    open_quietly(qtbot, window, path)
    page = settled_photo(qtbot, window).user_model
    titles = page.detail_view.titles
    page.state.select_channel("depthwise", 1)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail["name"] == "depthwise", timeout=10000)
    assert not page.detail["plain"] and "4 groups" in page.detail_view.header.text()
    assert [titles[k].text for k in ("input", "responses", "sum", "pre")] == ["", "", "", ""]
    page.state.select_channel("plain", 0)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail["name"] == "plain", timeout=10000)
    assert (titles["sum"].text, titles["pre"].text) == ("sum of the responses", "+ bias")
    assert titles["input"].text == "input channels it reads (3)"
