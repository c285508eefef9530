"""A model of the user's own in the app: File ▸ Open model…, dropping a file, the network and photo lessons,
refusals, Back to bundled models, sessions, the command line, the input-settings dialog, export to ONNX."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox

from explainer import io
from explainer.models.external import Preprocessing, open_model
from explainer.ui import user_model
from explainer.ui.preprocessing_dialog import PreprocessingDialog
from tests.conftest import REPO
from tests.ui.own_models import LABELS, export, tiny_resnet

SETTLE_MS = 30000


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A ResNet-style model (20 channels: wider than the 16 drawn per layer) with labels.txt, and a deep one."""
    folder = tmp_path_factory.mktemp("own")
    net = tiny_resnet(width=20, blocks=2)
    deep_folder = folder / "deep"
    deep_folder.mkdir()
    return {"tiny": export(net, folder / "tiny.onnx"), "net": net,
            "deep": export(tiny_resnet(width=4, blocks=9), deep_folder / "deep.onnx", labels=None)}


def accept_settings(qtbot, window):
    """The model does not say how it reads an image: accept the dialog's defaults like a person would."""
    qtbot.waitUntil(lambda: window.user_model.dialog is not None and window.user_model.dialog.isVisible(),
                    timeout=SETTLE_MS)
    dialog = window.user_model.dialog
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def open_quietly(qtbot, window, path):
    with qtbot.waitSignal(window.user_model.opened, timeout=SETTLE_MS):
        window.user_model.open_path(path, show_dialogs=False)


def settled_photo(qtbot, window):
    """The photo lesson once the user model has run on the current image (the sample cat if there is none)."""
    if window.app_state.image is None:
        window.app_state.set_image(io.load_image(io.sample_images()["chelsea"]), "chelsea.jpg")
    window.show_lesson("photo")
    photo = window.lesson("photo")
    qtbot.waitUntil(lambda: photo.user_model.shown is not None and not photo.is_busy(), timeout=SETTLE_MS)
    return photo


def expected_probabilities(net, preprocessing, image):
    """What torch says the model's class probabilities are for ``image``, prepared as the app prepares it."""
    x = preprocessing.apply(image)
    assert x.shape == (1, 3, 32, 32)
    with torch.no_grad():
        return torch.softmax(net(torch.from_numpy(x))[0], 0).numpy()


# ---------------------------------------------------------------- opening through the menu

def test_open_model_menu_shows_graph_summary_top5_and_every_layer(qtbot, window, models, monkeypatch):
    path = models["tiny"]
    monkeypatch.setattr(user_model.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.show_lesson("network")
    window.user_model.open_action.trigger()
    accept_settings(qtbot, window)  # no preprocessing in the file: asked once, defaults accepted
    network = window.lesson("network")
    qtbot.waitUntil(lambda: network.external.model is not None and not network.is_busy(), timeout=SETTLE_MS)
    model = window.app_state.external_model
    assert model.name == "tiny" and window.app_state.external_model_path == str(path.resolve())
    assert window.app_state.external_preprocessing.source == "user"
    text = network.summary.toPlainText()
    assert "/stem (Conv)" in text and "/layer1/layer1.1 (Add)" in text  # the type is not told twice
    assert "Total params" in text
    assert set(network.graph.boxes) == {layer.name for layer in model.layers()}
    assert network.external.banner.isVisible() and "tiny" in network.external.banner_text.text()
    assert not network.architecture.model_combo.isEnabled()
    # Clicking a conv box shows its weights.
    qtbot.mouseClick(network.graph.viewport(), Qt.MouseButton.LeftButton,
                     pos=network.graph.box_center("/layer1/layer1.0/conv1/Conv"))
    qtbot.waitUntil(lambda: "kernel_shape 3×3" in network.layer_info.text(), timeout=5000)
    assert network.layer_weights.values.shape[0] == 20  # one 3×3 slice per kernel

    photo = settled_photo(qtbot, window)
    page = photo.user_model
    assert photo.pages.currentWidget() is page
    expected = expected_probabilities(models["net"], window.app_state.external_preprocessing, window.app_state.image)
    order = np.argsort(expected)[::-1][:5]
    assert [name for name, _ in page.top5.shown] == [LABELS[i] for i in order]  # labels.txt's names
    np.testing.assert_allclose([p for _, p in page.top5.shown], expected[order], atol=1e-4)
    assert page.overview.keys() == [layer.name for layer in model.layers()]  # one row of maps per layer
    assert page.overview.maps("/stem/Conv").values.shape[0] == 16  # 16 of the 20 channels drawn…
    assert "first 16 of 20" in page.overview.title("/stem/Conv")
    page.show_all_check.click()  # …all of them on request
    qtbot.waitUntil(lambda: page.overview.maps("/stem/Conv").values.shape[0] == 20, timeout=SETTLE_MS)


def test_channel_detail_spells_out_a_pixel_of_a_plain_convolution(qtbot, window, models):
    open_quietly(qtbot, window, models["tiny"])
    photo = settled_photo(qtbot, window)
    page = photo.user_model
    name = "/layer1/layer1.0/conv2/Conv"
    page.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.overview.isVisible(), timeout=5000)
    page.scroll.ensureVisible(0, round(page.overview.row_rect(name).center().y()))
    cell = page.overview.cell_rect(name, 3, 0, 0)
    with qtbot.waitSignal(page.detail_shown, timeout=SETTLE_MS):  # a click on channel 3 of that layer
        qtbot.mouseClick(page.overview, Qt.MouseButton.LeftButton, pos=cell.center().toPoint())
    assert page.state.selection == (name, 3) and page.tabs.currentIndex() == 1
    info = page.detail
    assert info["plain"] and info["kernel"].shape == (20, 3, 3) and info["error"] < 1e-4
    page.state.select_pixel(2, 5)
    numbers = page.pixel_numbers
    assert (numbers["row"], numbers["col"]) == (2, 5)
    assert numbers["step"].channel_sums.shape == (20,)
    assert numbers["step"].value == pytest.approx(numbers["network"], abs=1e-4)
    assert "per-channel sums" in page.detail_view.pixel_text.text()
    # A Relu has no kernels: the click is explained, the detail stays.
    messages = []
    window.commands.message_posted.connect(lambda text, _ms: messages.append(text))
    page.overview.channel_clicked.emit("/Relu", 0)
    assert messages and "no kernels" in messages[-1] and page.state.selection == (name, 3)


def test_a_new_image_runs_the_model_again(qtbot, window, models):
    open_quietly(qtbot, window, models["tiny"])
    photo = settled_photo(qtbot, window)
    page = photo.user_model
    before = page.shown["probabilities"].copy()
    red = np.zeros((40, 60, 3), np.float32)
    red[..., 0] = 1.0
    window.app_state.set_image(red, "red")
    qtbot.waitUntil(lambda: page.shown["request"].image is window.app_state.image and not photo.is_busy(),
                    timeout=SETTLE_MS)
    expected = expected_probabilities(models["net"], window.app_state.external_preprocessing, red)
    np.testing.assert_allclose(page.shown["probabilities"], expected, atol=1e-4)
    assert not np.allclose(before, expected, atol=1e-4)
    # Two images in a row: the run for the first is replaced, only the second one's answer is drawn.
    drawn = []
    page.result_shown.connect(lambda: drawn.append(page.shown["request"].image))
    window.app_state.set_image(red[::-1].copy() * 0.5, "dark red")
    blue = np.zeros((30, 30, 3), np.float32)
    blue[..., 2] = 1.0
    window.app_state.set_image(blue, "blue")
    qtbot.waitUntil(lambda: bool(drawn) and not photo.is_busy(), timeout=SETTLE_MS)
    assert all(image is window.app_state.image for image in drawn)
    expected = expected_probabilities(models["net"], window.app_state.external_preprocessing, blue)
    np.testing.assert_allclose(page.shown["probabilities"], expected, atol=1e-4)


# ---------------------------------------------------------------- refusals and going back

def _pickled_model(tmp_path):
    path = tmp_path / "whole-model.pt"
    torch.save(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3)), path)  # a full pickle, not a state dict
    return path


def _random_bytes(tmp_path):
    path = tmp_path / "noise.onnx"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return path


@pytest.mark.parametrize("make", [_pickled_model, _random_bytes], ids=["pickle", "random bytes"])
def test_a_refused_file_shows_its_sentence_and_keeps_the_bundled_models(qtbot, window, tmp_path, monkeypatch, make):
    path = make(tmp_path)
    with pytest.raises(ValueError) as refused:
        open_model(path)
    shown = []
    monkeypatch.setattr(user_model.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(user_model, "show_error", lambda parent, title, message, **k: shown.append(message))
    window.show_lesson("photo")
    with qtbot.waitSignal(window.user_model.refused, timeout=SETTLE_MS):
        window.user_model.open_action.trigger()
    assert shown and str(refused.value) in shown[0] and path.name in shown[0]
    assert "Traceback" not in shown[0]
    assert "bundled models are still in use" in window.statusBar().currentMessage()
    assert window.app_state.external_model is None
    photo = window.lesson("photo")
    assert photo.pages.currentIndex() == 0  # the bundled CIFAR-10 page


def test_a_refused_file_keeps_the_model_in_use(qtbot, window, models, tmp_path):
    open_quietly(qtbot, window, models["tiny"])
    model = window.app_state.external_model
    with qtbot.waitSignal(window.user_model.refused, timeout=SETTLE_MS):
        window.user_model.open_path(_random_bytes(tmp_path), show_dialogs=False)
    assert window.app_state.external_model is model
    assert "tiny is still in use" in window.statusBar().currentMessage()


def test_back_to_bundled_models(qtbot, window, models):
    open_quietly(qtbot, window, models["tiny"])
    window.show_lesson("network")
    network = window.lesson("network")
    qtbot.waitUntil(lambda: network.external.model is not None and not network.is_busy(), timeout=SETTLE_MS)
    assert window.user_model.bundled_action.isEnabled()
    with qtbot.waitSignal(network.summary_shown, timeout=SETTLE_MS):
        qtbot.mouseClick(network.external.back_button, Qt.MouseButton.LeftButton)
    assert window.app_state.external_model is None and not window.user_model.bundled_action.isEnabled()
    assert not network.external.banner.isVisible() and network.architecture.model_combo.isEnabled()
    assert "features.0" in network.summary.toPlainText()  # the bundled digit CNN again
    # The menu action does the same from the photo lesson.
    open_quietly(qtbot, window, models["tiny"])
    photo = settled_photo(qtbot, window)
    window.user_model.bundled_action.trigger()
    assert photo.pages.currentIndex() == 0 and window.app_state.external_model is None


def test_a_deep_graph_collapses_into_stages_that_open(qtbot, window, models):
    open_quietly(qtbot, window, models["deep"])
    window.show_lesson("network")
    network = window.lesson("network")
    qtbot.waitUntil(lambda: network.external.model is not None and not network.is_busy(), timeout=SETTLE_MS)
    assert len(window.app_state.external_model.layers()) > 40
    assert "layer1" in network.external.stages and "layer1" in network.graph.boxes
    assert "/layer1/layer1.0/conv1/Conv" not in network.graph.boxes
    qtbot.mouseClick(network.graph.viewport(), Qt.MouseButton.LeftButton, pos=network.graph.box_center("layer1"))
    qtbot.waitUntil(lambda: "layer1/layer1.0" in network.graph.boxes, timeout=5000)  # its blocks, one box each
    assert window.statusBar().currentMessage() == "Opened “layer1”: its 45 layers are drawn as 9 smaller stages " \
                                                  "(click a stage to open it)."
    qtbot.mouseClick(network.graph.viewport(), Qt.MouseButton.LeftButton,
                     pos=network.graph.box_center("layer1/layer1.0"))
    qtbot.waitUntil(lambda: "/layer1/layer1.0/conv1/Conv" in network.graph.boxes, timeout=5000)
    network.external.close_button.click()
    assert "/layer1/layer1.0/conv1/Conv" not in network.graph.boxes and "layer1" in network.graph.boxes


# ---------------------------------------------------------------- dropping, sessions, the command line

def test_dropping_an_onnx_file_opens_it(qtbot, window, models):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(models["tiny"]))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    accept_settings(qtbot, window)
    qtbot.waitUntil(lambda: window.app_state.external_model is not None, timeout=SETTLE_MS)
    assert window.app_state.external_model.name == "tiny"


def test_session_keeps_the_model_path_and_its_input_settings(qtbot, make_window, models, tmp_path):
    first = make_window()
    open_quietly(qtbot, first, models["tiny"])
    chosen = Preprocessing((32, 32), "BGR", 255.0, (120.0, 115.0, 100.0), (60.0, 60.0, 60.0), source="user")
    first.app_state.set_external_model(first.app_state.external_model, first.app_state.external_model_path, chosen)
    path = first.save_session(tmp_path / "mine.convlens")
    entry = json.loads(path.read_text())["model"]
    assert entry == {"path": str(models["tiny"].resolve()), "preprocessing": chosen.to_dict()}
    second = make_window()
    with qtbot.waitSignal(second.user_model.opened, timeout=SETTLE_MS):
        assert second.load_session(path) == []
    assert second.app_state.external_model_path == str(models["tiny"].resolve())
    assert second.app_state.external_preprocessing == chosen  # not asked again, not the file's defaults


def test_a_session_whose_model_is_gone_opens_with_a_sentence(qtbot, make_window, models, tmp_path):
    copy = tmp_path / "gone.onnx"
    copy.write_bytes(models["tiny"].read_bytes())
    first = make_window()
    open_quietly(qtbot, first, copy)
    path = first.save_session(tmp_path / "gone.convlens")
    copy.unlink()
    second = make_window()
    assert second.open_session(path, show_dialog=False)
    message = second.statusBar().currentMessage()
    assert "gone.onnx is no longer there" in message and "bundled models are used" in message
    assert second.app_state.external_model is None


def test_a_session_with_unusable_model_settings_is_refused(window, models, tmp_path):
    window.show_lesson("pooling")
    data = window.session()
    data["model"] = {"path": str(models["tiny"]), "preprocessing": {"size": [32, 32], "std": [0, 1, 1]}}
    path = tmp_path / "bad.convlens"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="model input settings are not usable.*standard deviation"):
        window.load_session(path)


def run_main(*args):
    return subprocess.run([sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True,
                          timeout=180, cwd=REPO)


def test_command_line_model_renders_the_network_lesson(models, tmp_path):
    shot = tmp_path / "network.png"
    result = run_main("--model", str(models["tiny"]), "--lesson", "network", "--screenshot", str(shot),
                      "--size", "1200x800")
    assert result.returncode == 0, result.stderr
    picture = np.asarray(Image.open(shot).convert("RGB"))
    assert picture.shape == (800, 1200, 3) and len(np.unique(picture.reshape(-1, 3), axis=0)) > 50
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07 not a model")
    refused = run_main("--model", str(bad), "--lesson", "network", "--screenshot", str(tmp_path / "no.png"))
    assert refused.returncode == 2 and "bad.onnx" in refused.stderr and "Traceback" not in refused.stderr


# ---------------------------------------------------------------- the input-settings dialog

def test_cancelling_the_settings_question_leaves_the_model_unopened(qtbot, window, models):
    window.user_model.open_path(models["tiny"])
    qtbot.waitUntil(lambda: window.user_model.dialog is not None and window.user_model.dialog.isVisible(),
                    timeout=SETTLE_MS)
    qtbot.mouseClick(window.user_model.dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert window.app_state.external_model is None
    assert "tiny was not opened" in window.statusBar().currentMessage()


def test_input_settings_from_the_photo_lesson_run_the_model_again(qtbot, window, models):
    open_quietly(qtbot, window, models["tiny"])
    photo = settled_photo(qtbot, window)
    page = photo.user_model
    qtbot.mouseClick(page.settings_button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(PreprocessingDialog, "preprocessingDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("0.5/0.5"))
    dialog.preset_combo.activated.emit(dialog.preset_combo.currentIndex())
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    chosen = window.app_state.external_preprocessing
    assert chosen.mean == (0.5, 0.5, 0.5) and chosen.std == (0.5, 0.5, 0.5) and chosen.source == "user"
    qtbot.waitUntil(lambda: page.shown["request"].preprocessing is chosen and not photo.is_busy(), timeout=SETTLE_MS)
    expected = expected_probabilities(models["net"], chosen, window.app_state.image)
    np.testing.assert_allclose(page.shown["probabilities"], expected, atol=1e-4)
    assert "0.5/0.5 mean/std" in page.banner.text()

def test_settings_dialog_presets_and_scale(qtbot):
    dialog = PreprocessingDialog(Preprocessing((224, 224)), "resnet")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("ImageNet"))
    dialog.preset_combo.activated.emit(dialog.preset_combo.currentIndex())
    assert [s.value() for s in dialog.mean_spins] == pytest.approx([0.485, 0.456, 0.406])
    dialog.scale_combo.setCurrentIndex(dialog.scale_combo.findData(255.0))
    dialog.scale_combo.activated.emit(dialog.scale_combo.currentIndex())
    assert [s.value() for s in dialog.std_spins] == pytest.approx([0.229 * 255, 0.224 * 255, 0.225 * 255], abs=1e-3)
    dialog.std_spins[1].setValue(3.0)  # typed by hand: the preset says so
    assert dialog.preset_combo.currentData() == "custom"
    dialog.order_combo.setCurrentIndex(dialog.order_combo.findData("BGR"))
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    chosen = dialog.preprocessing()
    assert chosen.channel_order == "BGR" and chosen.scale == 255.0 and chosen.std[1] == 3.0
    assert chosen.source == "user" and chosen.size == (224, 224)


def test_settings_dialog_keeps_a_models_own_scale_and_negative_mean(qtbot):
    stated = Preprocessing((32, 32), scale=219.0, mean=(-16.0,) * 3, source="model")  # NominalRange_16_235
    dialog = PreprocessingDialog(stated, "video-net")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    chosen = dialog.preprocessing()
    assert chosen.scale == 219.0 and chosen.mean == (-16.0,) * 3 and chosen.std == (1.0,) * 3


# ---------------------------------------------------------------- export

def test_export_the_bundled_digit_model_and_open_it_again(qtbot, window, tmp_path):
    path = tmp_path / "digits.onnx"
    with qtbot.waitSignal(window.user_model.exported, timeout=SETTLE_MS) as done:
        window.user_model.export("mnist", path, show_dialog=False)
    assert done.args == [str(path)] and path.is_file()
    assert "Netron" in window.statusBar().currentMessage()
    model = open_model(path)
    assert [layer.op_type for layer in model.layers()].count("Conv") == 2
    assert model.labels == [str(d) for d in range(10)]
    from explainer.models import load_model

    digit = np.random.default_rng(1).random((1, 1, 28, 28), dtype=np.float32)
    with torch.no_grad():
        expected = load_model("mnist")(torch.from_numpy(digit)).numpy()
    np.testing.assert_allclose(list(model.activations(digit).values())[-1], expected, atol=1e-4)


def test_export_menu_offers_the_trained_digit_model_only_when_there_is_one(window, tmp_path):
    action = window.user_model.export_actions[user_model.DIGIT_MODEL_IN_USE]
    window.user_model.export_menu.aboutToShow.emit()
    assert not action.isEnabled()
    window.app_state.set_digit_model(tiny_resnet(), "a model")
    window.user_model.export_menu.aboutToShow.emit()
    assert action.isEnabled()
