"""The photo lesson: classification, every layer, exact channel detail, kernels, bad files."""

import numpy as np
import pytest

import torch
from PIL import Image
from PySide6.QtWidgets import QLabel

from explainer import io
from explainer.models import CIFAR10_CLASSES
from explainer.ui.app import MainWindow
from explainer.ui.lessons.photo import PhotoLesson, to_network_input
from explainer.ui.state import AppState


@pytest.fixture
def lesson(qtbot):
    state = AppState()
    state.set_image(io.load_image(io.sample_images()["chelsea"]), "chelsea.jpg")
    widget = PhotoLesson(state)
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.photo.analysis is not None and not widget.is_busy(), timeout=20000)
    yield widget
    widget.shutdown()


def test_network_input_is_a_centre_crop():
    image = np.zeros((40, 80, 3), np.float32)
    image[:, 20:60] = 1.0  # the centre square is white, the sides black
    small, crop = to_network_input(image)
    assert crop == (0, 20, 40) and small.shape == (32, 32, 3)
    assert np.allclose(small, 1.0)


def test_classifies_and_shows_every_layer(lesson):
    p = lesson.photo.analysis["probabilities"]
    assert p.sum() == pytest.approx(1.0)
    top = CIFAR10_CLASSES[int(np.argmax(p))]
    assert lesson.findChild(QLabel, "photoPrediction").text().startswith(top)
    titles = {k: t.text for k, t in lesson.layer_titles.items()}
    convs = [m for m in lesson.model.modules() if isinstance(m, torch.nn.Conv2d)]
    stages = [s for s in lesson.photo.analysis["stages"] if s.key != "input"]
    assert list(titles) == [s.key for s in stages]  # one row per layer, in order
    assert [s.key for s in stages if s.key.startswith("conv")] == [f"conv{i + 1}" for i in range(len(convs))]
    assert f"(1, {convs[0].out_channels}, 32, 32)" in titles["conv1"]
    for i, conv in enumerate(convs, start=1):  # every channel of every conv layer is shown
        assert lesson.layer_views[f"conv{i}"].mosaic.channels == conv.out_channels
        assert str(next(s.shape for s in stages if s.key == f"conv{i}")) in titles[f"conv{i}"]
    assert "(1, 10)" in titles["output"]
    x = torch.from_numpy(lesson.photo.analysis["input"].transpose(2, 0, 1).copy())[None]
    np.testing.assert_allclose(p, torch.softmax(lesson.model(x)[0], 0).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key, channel, pixels", [("conv1", 3, [(0, 0), (16, 20), (31, 31)]),
                                                  ("conv2", 17, [(5, 9), (31, 0)]),
                                                  ("conv4", 40, [(7, 7), (0, 15)]),
                                                  ("conv5", 70, [(3, 4), (7, 7)])])
def test_channel_detail_numbers_equal_the_model(lesson, key, channel, pixels):
    lesson.select_channel(key, channel)
    stage = lesson.breakdown["stage"]
    np.testing.assert_allclose(lesson.breakdown["relu"], stage.values[channel], atol=1e-4)
    for row, col in pixels:
        lesson.select_pixel(row, col)
        assert lesson.breakdown["pixel_relu"] == pytest.approx(float(stage.values[channel, row, col]), abs=1e-4)
        step = lesson.breakdown["step"]
        assert step.value == pytest.approx(step.channel_sums.sum() + step.bias)
        assert "The network's own activation" in lesson.pixel_text.text()


def test_kernel_patches_and_sending_a_kernel(qtbot, lesson):
    lesson._on_kernel_patch_clicked(0.5, 4 * 2 + 0.5)  # the third patch in the first row
    assert lesson.photo.selection == ("conv1", 2)
    received, lessons = [], []
    lesson.app_state.kernel_sent.connect(received.append)
    lesson.app_state.lesson_requested.connect(lessons.append)
    lesson.send_kernel()
    assert received[0]["weights"].shape == (3, 3, 3) and lessons == ["convolution"]
    assert received[0]["bias"] == pytest.approx(round(lesson.breakdown["bias"], 3))


def test_kernel_arrives_in_the_convolution_lesson(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.app_state.set_image(io.load_image(io.sample_images()["coffee"]), "coffee.jpg")
    photo = window.show_lesson("photo")
    qtbot.waitUntil(lambda: photo.photo.analysis is not None and not photo.is_busy(), timeout=20000)
    photo.select_channel("conv1", 5)
    photo.send_kernel()
    assert window.current_lesson_id == "convolution"
    conv = window.lesson("convolution")
    np.testing.assert_allclose(conv.conv.w[0], np.round(photo.breakdown["kernel"], 3))
    assert conv.conv.x.shape[0] == 3 and conv.conv.padding == 1
    window.close()


def test_bad_file_shows_a_message_and_keeps_the_photo(qtbot, tmp_path, monkeypatch):
    import explainer.ui.app as app_module

    dialogs = []  # the modal dialog would block the test: record what it would say instead
    monkeypatch.setattr(app_module, "show_error", lambda parent, title, message, **kw: dialogs.append(message))
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    good = tmp_path / "red.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(good)
    with qtbot.waitSignal(window.app_state.image_changed, timeout=5000):
        window.open_image(good, show_dialog=False)
    photo = window.show_lesson("photo")
    qtbot.waitUntil(lambda: photo.photo.analysis is not None and not photo.is_busy(), timeout=20000)
    before = photo.photo.analysis["input"].copy()
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 broken")
    with qtbot.waitSignal(window.image_load_failed, timeout=5000):
        window.open_file(bad)
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=10000)
    assert "broken.jpg" in window.statusBar().currentMessage()
    assert len(dialogs) == 1 and "broken.jpg" in dialogs[0]
    np.testing.assert_array_equal(photo.photo.analysis["input"], before)
    window.close()


def test_cifar_examples(qtbot, lesson):
    if len(lesson.examples) == 0:
        pytest.skip("no CIFAR-10 examples bundled")
    lesson.source_combo.setCurrentIndex(lesson.source_combo.findData("cifar"))
    with qtbot.waitSignal(lesson.analysis_shown, timeout=10000):
        lesson.example_spin.setValue(12)
    np.testing.assert_allclose(lesson.photo.analysis["input"], lesson.examples[12])
