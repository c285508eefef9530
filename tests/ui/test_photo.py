"""The photo lesson: classification, every layer, exact channel detail, kernels, stale results, sessions."""

import threading

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel

from explainer import io
from explainer.models import CIFAR10_CLASSES
from explainer.models.photo import PhotoCNN
from explainer.ui.lessons.photo import create
from explainer.ui.lessons.photo import view as photo_view
from explainer.ui.lessons.photo.analysis import make_preview, prepare_photo, to_network_input
from explainer.ui.lessons.photo.state import PhotoState, State
from explainer.ui.state import AppState, Commands

SETTLE_MS = 20000


def settle(qtbot, lesson, timeout=SETTLE_MS):
    """Wait until the model is loaded, a photo is drawn and no work is left."""
    qtbot.waitUntil(lambda: lesson.model is not None and lesson.shown is not None and not lesson.is_busy(),
                    timeout=timeout)


def click_item(qtbot, graphics_view, item, x, y):
    """Click point (x, y) of a pyqtgraph item (item coordinates) like a person would.

    Waits until the view is laid out (a tab just brought forward resizes its plots first).
    """
    seen = []

    def laid_out():
        seen.append(graphics_view.mapFromScene(item.mapToScene(QPointF(x, y))))
        return (graphics_view.isVisible() and len(seen) > 2 and seen[-1] == seen[-2] == seen[-3]
                and graphics_view.viewport().rect().contains(seen[-1]))

    qtbot.waitUntil(laid_out, timeout=5000)
    qtbot.mouseClick(graphics_view.viewport(), Qt.MouseButton.LeftButton, pos=seen[-1])


def click_overview(qtbot, overview, key, channel, row, col):
    """Click cell (row, col) of ``channel`` in layer ``key`` of the overview like a person would (once it is laid
    out on screen, each map at least four pixels wide; a cell of a 32×32 map may be under a pixel)."""
    width = overview.maps(key).mosaic.width
    qtbot.waitUntil(lambda: overview.isVisible() and overview.cell_rect(key, channel).width() * width >= 4,
                    timeout=5000)
    rect = overview.cell_rect(key, channel, row, col)
    qtbot.mouseClick(overview, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())


def build(qtbot, image_name="chelsea", app_state=None, commands=None):
    app_state = app_state or AppState()
    if image_name is not None:
        app_state.set_image(io.load_image(io.sample_images()[image_name]), f"{image_name}.jpg")
    lesson = create(app_state, commands or Commands())
    qtbot.addWidget(lesson)
    lesson.resize(1300, 850)
    lesson.show()
    settle(qtbot, lesson)
    return lesson


@pytest.fixture
def lesson(qtbot):
    widget = build(qtbot)
    yield widget
    widget.shutdown()


def open_channel(qtbot, lesson, key, channel):
    lesson.state.select_channel(key, channel)
    qtbot.waitUntil(lambda: lesson.detail is not None and lesson.detail["key"] == key
                    and lesson.detail["channel"] == channel and not lesson.is_busy(), timeout=SETTLE_MS)


# ---------------------------------------------------------------- the worker's arithmetic

def test_network_input_is_a_centre_crop():
    image = np.zeros((40, 80, 3), np.float32)
    image[:, 20:60] = 1.0  # the centre square is white, the sides black
    small, crop = to_network_input(image)
    assert crop == (0, 20, 40) and small.shape == (32, 32, 3)
    assert np.allclose(small, 1.0)


def test_a_photo_of_the_input_size_gives_the_numbers_area_averaging_gives():
    from explainer.core import box_resize

    rng = np.random.default_rng(4)
    for dtype in (np.float32, np.float64):
        image = (rng.random((32, 32, 3)) * 1.4 - 0.2).astype(dtype)  # a little outside [0, 1] too
        small, crop = to_network_input(image)
        averaged = np.stack([box_resize(image[:, :, c].astype(np.float64), 32, 32) for c in range(3)], axis=2)
        assert crop == (0, 0, 32) and small.dtype == np.float32
        np.testing.assert_array_equal(small, np.clip(averaged, 0, 1).astype(np.float32))
    image[3, 4, 1] = np.nan  # not finite: refused as by area averaging
    with pytest.raises(ValueError, match="NaN or infinite"):
        to_network_input(image)


def test_a_big_photo_becomes_a_small_preview_with_the_crop_scaled():
    image = np.zeros((2000, 3000, 3), np.float32)
    image[:, 500:2500] = 1.0  # the centre square is white
    model = PhotoCNN(widths=(4,), convs=(1,)).eval()
    result = prepare_photo(model, image)
    assert max(result["preview"].shape[:2]) == 256 and result["preview"].shape[:2] == (171, 256)
    top, left, height, width = result["crop"]
    assert (top, height) == pytest.approx((0.0, 2000 * 171 / 2000))
    assert (left, width) == pytest.approx((500 * 256 / 3000, 2000 * 256 / 3000))
    assert result["crop_original"] == (0, 500, 2000)
    assert np.allclose(result["input"], 1.0)
    small = np.random.default_rng(0).random((20, 30, 3)).astype(np.float32)
    assert make_preview(small).shape == (20, 30, 3)  # small photos are shown as they are


# ---------------------------------------------------------------- what it shows

def test_classifies_and_shows_every_layer(lesson):
    p = lesson.shown["probabilities"]
    assert p.sum() == pytest.approx(1.0)
    top = CIFAR10_CLASSES[int(np.argmax(p))]
    assert lesson.findChild(QLabel, "photoPrediction").text().startswith(top)
    assert [name for name, _ in lesson.top5.shown] == [CIFAR10_CLASSES[i] for i in np.argsort(p)[::-1][:5]]
    assert "chelsea.jpg (451×300)" in lesson.findChild(QLabel, "photoCaption").text()
    convs = [m for m in lesson.model.modules() if isinstance(m, torch.nn.Conv2d)]
    stages = [s for s in lesson.shown["stages"] if s.key != "input"]
    assert lesson.overview.keys() == [s.key for s in stages]  # one row per layer, in order
    assert [s.key for s in stages if s.key.startswith("conv")] == [f"conv{i + 1}" for i in range(len(convs))]
    titles = {key: lesson.overview.title(key) for key in lesson.overview.keys()}
    assert f"(1, {convs[0].out_channels}, 32, 32)" in titles["conv1"]
    for i, conv in enumerate(convs, start=1):  # every channel of every conv layer is shown
        assert lesson.overview.maps(f"conv{i}").mosaic.channels == conv.out_channels
        assert str(next(s.shape for s in stages if s.key == f"conv{i}")) in titles[f"conv{i}"]
    assert "(1, 10)" in titles["output"]
    x = torch.from_numpy(lesson.shown["input"].transpose(2, 0, 1).copy())[None]
    np.testing.assert_allclose(p, torch.softmax(lesson.model(x)[0], 0).detach().numpy(), rtol=1e-5, atol=1e-6)
    # the photo is shown as a preview, with the centre crop outlined in preview pixels
    preview = lesson.photo_view.image.image
    assert preview.shape == (170, 256, 3)  # 451×300 shrunk to 256 pixels wide
    crop = lesson.photo_view.marks["crop"]
    scale = 256 / 451
    assert crop.isVisible() and crop.rect().width() == pytest.approx(300 * scale)
    assert crop.rect().left() == pytest.approx(75 * scale)


def test_the_mirror_image_is_read_too_when_asked_and_the_answer_averages_both(qtbot, lesson):
    own = lesson.shown["probabilities"].copy()
    x = torch.from_numpy(lesson.shown["input"].transpose(2, 0, 1).copy())[None]
    with torch.no_grad():
        expected = (torch.softmax(lesson.model(x)[0], 0) + torch.softmax(lesson.model(x.flip(3))[0], 0)).numpy() / 2
    with qtbot.waitSignal(lesson.photo_shown, timeout=SETTLE_MS):
        qtbot.mouseClick(lesson.mirror_box, Qt.MouseButton.LeftButton, pos=lesson.mirror_box.rect().center())
    assert lesson.state.mirror and lesson.mirror_box.isChecked()
    np.testing.assert_allclose(lesson.shown["probabilities"], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lesson.shown["own"], own, rtol=1e-6)
    order = np.argsort(expected)[::-1][:5]
    assert [name for name, _ in lesson.top5.shown] == [CIFAR10_CLASSES[i] for i in order]
    assert lesson.findChild(QLabel, "photoPrediction").text().startswith(CIFAR10_CLASSES[order[0]])
    pair = lesson.input_view.image.image  # the input and its mirror image side by side
    assert pair.shape == (32, 66, 3)
    np.testing.assert_allclose(pair[:, 34:], lesson.shown["input"][:, ::-1], atol=1e-6)
    assert "mirror image" in lesson.caption.text() and "mirror" in lesson.input_view.title.text
    # every layer, its output row too, is still the photo's own reading
    np.testing.assert_allclose(lesson.overview.maps("output").values.ravel(), own, rtol=1e-5, atol=1e-7)
    with qtbot.waitSignal(lesson.photo_shown, timeout=SETTLE_MS):
        lesson.state.mirror = False
    assert not lesson.mirror_box.isChecked() and lesson.input_view.image.image.shape == (32, 32, 3)
    np.testing.assert_allclose(lesson.shown["probabilities"], own, rtol=1e-6)
    assert State.from_dict({**lesson.state.to_dict(), "mirror": True}).mirror is True  # saved in sessions


@pytest.mark.parametrize("position, channel, pixels", [(0, 3, [(0, 0), (0.52, 0.65), (1, 1)]),
                                                       (1, 17, [(0.16, 0.29), (1, 0)]),
                                                       (-2, 40, [(1, 1), (0, 1)]),
                                                       (-1, 70, [(0.43, 0.57), (1, 1)])])
def test_channel_detail_numbers_equal_the_model(qtbot, lesson, position, channel, pixels):
    """The first, second and last two conv layers of the bundled network (a channel number past a layer's
    count wraps around; pixels are fractions of the map's size)."""
    key = [s.key for s in lesson.shown["stages"] if s.key.startswith("conv")][position]
    channel %= lesson.stage(key).values.shape[0]
    open_channel(qtbot, lesson, key, channel)
    stage = lesson.detail["stage"]
    np.testing.assert_allclose(lesson.detail["relu"], stage.values[channel], atol=1e-4)
    assert f"channel {channel}" in lesson.detail_view.header.text()
    centre = tuple(d // 2 for d in stage.values.shape[1:])  # no pixel chosen: the centre is spelled out
    assert (lesson.pixel_numbers["row"], lesson.pixel_numbers["col"]) == centre
    height, width = stage.values.shape[1:]
    for fy, fx in pixels:
        row, col = round(fy * (height - 1)), round(fx * (width - 1))
        lesson.state.select_pixel(row, col)
        numbers = lesson.pixel_numbers
        assert (numbers["row"], numbers["col"]) == (row, col)
        step = numbers["step"]
        assert step.value == pytest.approx(step.channel_sums.sum() + step.bias)
        # a ReLU after the convolution, or (the last of a residual block) none: its sum plus bias is the output
        assert (numbers["relu"] if stage.relu else step.value) == pytest.approx(
            float(stage.values[channel, row, col]), abs=1e-4)
        assert (numbers["relu"] is None) == (not stage.relu)
        text = lesson.detail_view.pixel_text.text()
        assert f"Pixel ({row}, {col})" in text
        assert f"The network's own {'activation' if stage.relu else 'output'}" in text


def test_layer_rows_and_kernel_patches_come_from_the_loaded_network(qtbot, monkeypatch):
    torch.manual_seed(0)
    small = PhotoCNN(widths=(8, 12), convs=(1, 2)).eval()
    monkeypatch.setattr(photo_view, "load_photo_model", lambda: {
        "model": small, "images": np.zeros((3, 32, 32, 3), np.float32), "labels": np.zeros(3, int)})
    lesson = build(qtbot)
    assert [k for k in lesson.overview.keys() if k.startswith("conv")] == ["conv1", "conv2", "conv3"]
    assert lesson.overview.maps("conv1").mosaic.channels == 8
    assert lesson.overview.maps("conv3").mosaic.channels == 12
    assert "(1, 12, 16, 16)" in lesson.overview.title("conv3")
    assert lesson.kernels.count == 8 and lesson.example_spin.maximum() == 2
    open_channel(qtbot, lesson, "conv3", 11)
    np.testing.assert_allclose(lesson.detail["relu"], lesson.stage("conv3").values[11], atol=1e-4)
    assert "reads all 12 channels" in lesson.detail_view.header.text()
    lesson.shutdown()


def test_a_residual_network_shows_its_shortcut_sums_and_the_conv_before_each_has_no_relu(qtbot, monkeypatch):
    torch.manual_seed(0)
    small = PhotoCNN(widths=(8, 12), convs=(1, 1), residual=(1, 0)).eval()
    monkeypatch.setattr(photo_view, "load_photo_model", lambda: {
        "model": small, "images": np.zeros((3, 32, 32, 3), np.float32), "labels": np.zeros(3, int)})
    lesson = build(qtbot)
    keys = lesson.overview.keys()
    assert keys.index("conv2") < keys.index("conv3") < keys.index("add1") < keys.index("pool1")
    assert "shortcut" in lesson.overview.title("add1") and "ReLU" in lesson.overview.title("add1")
    assert "ReLU" not in lesson.overview.title("conv3")
    # its maps have both signs: a colour scale around 0 (a ReLU'd layer's starts at 0)
    low, high = lesson.overview.maps("conv3").image.getLevels()
    assert low == -high < 0 and float(lesson.overview.maps("conv2").image.getLevels()[0]) == 0.0
    assert lesson.overview.maps("conv3").image.getColorMap().name != lesson.overview.maps("conv2").image.getColorMap().name
    stage = lesson.stage("conv3")  # the block's second convolution: batch norm, then the sum, not a ReLU
    channel, row, col = (int(i[0]) for i in np.nonzero(stage.values < 0))
    open_channel(qtbot, lesson, "conv3", channel)
    np.testing.assert_allclose(lesson.detail["relu"], stage.values[channel], atol=1e-4)  # negatives kept
    assert "no ReLU yet" in lesson.detail_view.header.text()
    assert lesson.detail_view.titles["relu"].text == "= the channel (click a pixel)"
    lesson.state.select_pixel(row, col)
    numbers = lesson.pixel_numbers
    assert numbers["relu"] is None and numbers["network"] < 0
    assert numbers["step"].value == pytest.approx(numbers["network"], abs=1e-4)
    text = lesson.detail_view.pixel_text.text()
    assert "ReLU" not in text and "The network's own output" in text
    open_channel(qtbot, lesson, "conv2", 0)  # a convolution with its ReLU: the panel says so again
    assert "ReLU = the channel" in lesson.detail_view.titles["relu"].text
    assert "ReLU keeps the positive part" in lesson.detail_view.header.text()

    # the sum: conv3's output + the block's input (conv1's channels: the block follows it), then ReLU
    add = lesson.stage("add1")
    mixed = (stage.values + lesson.stage("conv1").values)
    channel, row, col = (int(i[0]) for i in np.nonzero((mixed > 0) & (stage.values < 0)))  # the shortcut wins
    lesson.overview.channel_clicked.emit("add1", channel)  # what a click on one of its maps sends
    qtbot.waitUntil(lambda: lesson.detail is not None and lesson.detail["key"] == "add1", timeout=SETTLE_MS)
    assert "conv3" in lesson.detail_view.header.text() and "shortcut" in lesson.detail_view.header.text()
    assert lesson.detail_view.titles["sum"].text == "conv3's output"
    assert lesson.detail_view.titles["kernel"].text == "" and lesson.detail_view.views["kernel"].values is None
    np.testing.assert_allclose(lesson.detail["relu"], add.values[channel], atol=1e-5)
    lesson.state.select_pixel(row, col)
    numbers = lesson.pixel_numbers
    assert numbers["sum"] == pytest.approx(float(mixed[channel, row, col]), abs=1e-5)
    assert numbers["relu"] == pytest.approx(numbers["network"], abs=1e-5) and numbers["network"] > 0
    text = lesson.detail_view.pixel_text.text()
    assert "conv3's output −" in text and "the block's input" in text and "The network's own activation" in text
    open_channel(qtbot, lesson, "conv3", 0)  # back to a kernel: its panels have their names again
    assert lesson.detail_view.titles["sum"].text == "sum of the responses"
    assert lesson.detail_view.titles["kernel"].text.startswith("its kernel slice")
    lesson.shutdown()


# ---------------------------------------------------------------- both binding directions

def test_widgets_set_the_state(qtbot, lesson):
    lesson.source_combo.setFocus()
    qtbot.keyClick(lesson.source_combo, Qt.Key.Key_Down)
    assert lesson.state.source == "cifar"
    qtbot.waitUntil(lambda: "CIFAR-10 validation photo #0" in lesson.caption.text() and not lesson.is_busy(),
                    timeout=SETTLE_MS)
    qtbot.keyClick(lesson.example_spin, Qt.Key.Key_Up)
    assert lesson.state.example == 1
    qtbot.waitUntil(lambda: "#1:" in lesson.caption.text() and not lesson.is_busy(), timeout=SETTLE_MS)
    np.testing.assert_allclose(lesson.shown["input"], lesson.examples[1])
    tab_bar = lesson.tabs.tabBar()
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(1).center())
    assert lesson.state.tab == 1
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(0).center())
    assert lesson.state.tab == 0


def test_clicking_a_channel_a_kernel_patch_and_a_pixel(qtbot, lesson):
    click_overview(qtbot, lesson.overview, "conv2", 5, 3, 3)
    assert lesson.state.selection == ("conv2", 5) and lesson.state.tab == 1
    assert lesson.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: lesson.detail is not None and not lesson.is_busy(), timeout=SETTLE_MS)
    relu = lesson.detail_view.views["relu"]
    click_item(qtbot, lesson.detail_view.graphics, relu.image, 9.5, 4.5)  # x = column 9, y = row 4
    assert lesson.state.pixel == (4, 9)
    assert "Pixel (4, 9)" in lesson.detail_view.pixel_text.text()
    lesson.state.tab = 0
    y, x = lesson.kernels.patch_centre(2)
    click_item(qtbot, lesson.left_plots, lesson.kernels.image, x, y)
    assert lesson.state.selection == ("conv1", 2) and lesson.state.pixel is None
    qtbot.waitUntil(lambda: lesson.detail is not None and not lesson.is_busy(), timeout=SETTLE_MS)
    assert lesson.kernels.selection.isVisible() and lesson.send_button.isEnabled()


def test_the_state_drives_the_widgets(qtbot, lesson):
    lesson.state.source = "cifar"
    assert lesson.source_combo.currentData() == "cifar"
    lesson.state.example = 7
    assert lesson.example_spin.value() == 7
    qtbot.waitUntil(lambda: "#7:" in lesson.caption.text() and not lesson.is_busy(), timeout=SETTLE_MS)
    label = CIFAR10_CLASSES[int(lesson.example_labels[7])]
    assert f"a {label}" in lesson.caption.text()
    assert not lesson.photo_view.marks["crop"].isVisible()  # all of a CIFAR-10 photo is the input
    lesson.state.tab = 1
    assert lesson.tabs.currentIndex() == 1
    lesson.state.source = "image"
    assert lesson.source_combo.currentData() == "image"
    qtbot.waitUntil(lambda: "chelsea.jpg" in lesson.caption.text() and not lesson.is_busy(), timeout=SETTLE_MS)


def test_pooling_layers_and_impossible_selections_are_explained(qtbot, lesson):
    messages = []
    lesson.commands.message_posted.connect(lambda text, ms: messages.append(text))
    opened = lesson.state.selection  # the channel opened by default
    click_overview(qtbot, lesson.overview, "pool1", 0, 1, 1)
    assert lesson.state.selection == opened and "nothing to open" in messages[-1]
    lesson.state.select_channel("conv99", 0)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=SETTLE_MS)
    assert "no layer conv99" in lesson.detail_view.header.text() and lesson.detail is None
    lesson.state.select_channel("conv1", 500)
    assert "there is no channel 500" in lesson.detail_view.header.text()
    last = [s.key for s in lesson.shown["stages"] if s.key.startswith("conv")][-1]
    assert lesson.stage(last).values.shape[1:] == (8, 8)
    open_channel(qtbot, lesson, last, 1)  # 8×8 maps
    lesson.state.select_pixel(20, 3)
    assert "outside this 8×8 map" in lesson.detail_view.pixel_text.text() and lesson.pixel_numbers is None


# ---------------------------------------------------------------- stale results and the GUI thread

def test_an_open_channel_changes_together_with_the_photo(qtbot, lesson):
    open_channel(qtbot, lesson, "conv2", 5)
    lesson.state.select_pixel(6, 7)
    details = lesson._detailer.latest_request
    seen = []
    lesson.photo_shown.connect(lambda: seen.append((lesson.detail, lesson.pixel_numbers, lesson.stage("conv2"))))
    coffee = io.load_image(io.sample_images()["coffee"])
    lesson.app_state.set_image(coffee, "coffee.jpg")
    qtbot.waitUntil(lambda: bool(seen) and not lesson.is_busy(), timeout=SETTLE_MS)
    detail, numbers, stage = seen[0]  # the moment the new photo is drawn, its channel detail is too
    assert lesson.shown["request"].image is coffee and detail is not None and detail["stage"] is stage
    np.testing.assert_allclose(detail["relu"], stage.values[5], atol=1e-4)
    assert numbers["relu"] == pytest.approx(float(stage.values[5, 6, 7]), abs=1e-4)
    assert lesson._detailer.latest_request == details  # worked out with the photo, not by a second request


def test_a_late_result_never_shows_beside_a_newer_photo(qtbot, lesson, monkeypatch):
    real = photo_view.prepare_photo
    slow_photo = np.full((300, 400, 3), 0.2, np.float32)
    slow_photo[:, :, 2] = 0.9  # a blue picture
    new_photo = io.load_image(io.sample_images()["coffee"])
    started, release = threading.Event(), threading.Event()

    def prepare(model, image, *args, **kwargs):
        if image is slow_photo:  # the old request: hold it until the newer photo has been submitted
            started.set()
            release.wait(10)
        return real(model, image, *args, **kwargs)

    monkeypatch.setattr(photo_view, "prepare_photo", prepare)
    lesson.app_state.set_image(slow_photo, "old.png")
    qtbot.waitUntil(started.is_set, timeout=5000)
    lesson.app_state.set_image(new_photo, "new.png")
    release.set()
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=SETTLE_MS)
    assert lesson._analyser.dropped == 1  # the old answer came back late and was dropped
    shown = lesson.shown
    assert shown["request"].image is new_photo
    np.testing.assert_allclose(lesson.photo_view.image.image, make_preview(new_photo))
    np.testing.assert_allclose(lesson.input_view.image.image, to_network_input(new_photo)[0])
    assert "new.png" in lesson.caption.text() and "old.png" not in lesson.caption.text()
    expected = real(lesson.model, new_photo)["probabilities"]
    best = int(np.argmax(expected))
    assert lesson.prediction.text().startswith(CIFAR10_CLASSES[best])
    np.testing.assert_allclose(shown["probabilities"], expected, rtol=1e-5, atol=1e-6)


def test_a_big_photo_is_prepared_off_the_gui_thread_and_only_when_shown(qtbot, lesson, monkeypatch):
    real = photo_view.prepare_photo
    threads = []
    monkeypatch.setattr(photo_view, "prepare_photo",
                        lambda *a, **k: (threads.append(threading.current_thread()), real(*a, **k))[1])
    lesson.hide()  # another lesson is in front
    requests = lesson._analyser.latest_request
    big = np.random.default_rng(1).random((2000, 3000, 3)).astype(np.float32)
    lesson.app_state.set_image(big, "big.png")
    assert lesson._analyser.latest_request == requests and lesson.is_stale()  # hidden: noted, no work
    lesson.show()
    assert lesson._analyser.latest_request == requests + 1 and not lesson.is_stale()
    qtbot.waitUntil(lambda: lesson.shown["request"].image is big and not lesson.is_busy(), timeout=SETTLE_MS)
    assert threads and threading.main_thread() not in threads
    assert max(lesson.photo_view.image.image.shape[:2]) <= 256  # a preview is drawn, never the 3000×2000 photo
    assert "big.png (3000×2000)" in lesson.caption.text()


# ---------------------------------------------------------------- kernels to the convolution lesson

def test_sending_a_kernel(qtbot, lesson):
    offers, lessons = [], []
    lesson.app_state.events.pending_kernel.connect(lambda offer: offers.append(offer))
    lesson.commands.lesson_requested.connect(lessons.append)
    open_channel(qtbot, lesson, "conv2", 0)
    assert not lesson.send_button.isEnabled()
    open_channel(qtbot, lesson, "conv1", 2)
    qtbot.mouseClick(lesson.send_button, Qt.MouseButton.LeftButton)
    assert lessons == ["convolution"] and len(offers) == 1
    offer = offers[0]
    assert offer.weights.shape == (3, 3, 3) and offer.name == "photo network conv1 kernel 2"
    np.testing.assert_allclose(offer.weights, np.round(lesson.detail["kernel"], 3))
    assert offer.bias == pytest.approx(round(lesson.detail["bias"], 3))
    open_channel(qtbot, lesson, "conv2", 0)  # only first-layer (RGB) kernels fit the convolution lesson
    assert not lesson.send_button.isEnabled()


def test_a_kernel_sent_from_the_window_opens_the_convolution_lesson(qtbot, window):
    offers = []
    window.app_state.events.pending_kernel.connect(lambda offer: offers.append(offer))
    window.app_state.set_image(io.load_image(io.sample_images()["coffee"]), "coffee.jpg")
    photo = window.show_lesson("photo")
    settle(qtbot, photo)
    open_channel(qtbot, photo, "conv1", 5)
    photo.send_button.click()
    assert window.current_lesson_id == "convolution"
    assert offers and offers[0] is not None and offers[0].name == "photo network conv1 kernel 5"
    np.testing.assert_allclose(offers[0].weights, np.round(photo.detail["kernel"], 3))
    conv = window.lesson("convolution")  # it took the offer and steps that kernel over the photo
    assert window.app_state.pending_kernel is None
    np.testing.assert_allclose(conv.state.w[0], np.round(photo.detail["kernel"], 3))
    assert conv.state.x.shape[0] == 3 and conv.state.padding == 1


# ---------------------------------------------------------------- files, examples

def test_bad_file_shows_a_message_and_keeps_the_photo(qtbot, tmp_path, monkeypatch, window):
    import explainer.ui.app as app_module

    dialogs = []  # the modal dialog would block the test: record what it would say instead
    monkeypatch.setattr(app_module, "show_error", lambda parent, title, message, **kw: dialogs.append(message))
    good = tmp_path / "red.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(good)
    window.open_image(good, show_dialog=False)
    qtbot.waitUntil(lambda: window.app_state.image_name == "red.png", timeout=5000)
    photo = window.show_lesson("photo")
    qtbot.waitUntil(lambda: photo.shown is not None and "red.png" in photo.caption.text()
                    and not photo.is_busy(), timeout=SETTLE_MS)
    before = photo.shown["input"].copy()
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 broken")
    with qtbot.waitSignal(window.image_load_failed, timeout=5000):
        window.open_file(bad)
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=10000)
    assert "broken.jpg" in window.statusBar().currentMessage()
    assert len(dialogs) == 1 and "broken.jpg" in dialogs[0]
    np.testing.assert_array_equal(photo.shown["input"], before)
    assert "red.png" in photo.caption.text()


def test_cifar_examples(qtbot, lesson):
    assert len(lesson.examples) > 12, "the bundled CIFAR-10 photos are missing"
    with qtbot.waitSignal(lesson.photo_shown, timeout=SETTLE_MS):
        lesson.example_spin.setValue(12)
    assert lesson.state.source == "cifar" and lesson.state.example == 12
    np.testing.assert_allclose(lesson.shown["input"], lesson.examples[12])


def test_without_a_photo_it_says_what_to_do(qtbot):
    lesson = create(AppState(), Commands())
    qtbot.addWidget(lesson)
    lesson.show()
    qtbot.waitUntil(lambda: lesson.model is not None and not lesson.is_busy(), timeout=SETTLE_MS)
    assert "Open a photo" in lesson.prediction.text() and lesson.shown is None
    lesson.state.choose_example(3)
    qtbot.waitUntil(lambda: lesson.shown is not None and not lesson.is_busy(), timeout=SETTLE_MS)
    assert "#3:" in lesson.caption.text()
    lesson.shutdown()


# ---------------------------------------------------------------- state and sessions

def non_default_state() -> PhotoState:
    state = PhotoState()
    state.choose_example(7)
    state.select_channel("conv2", 5)
    state.select_pixel(3, 4)
    state.tab = 1
    return state


def test_state_round_trip():
    state = non_default_state()
    again = State.from_dict(state.to_dict())
    for name in ("source", "example", "selection", "pixel", "tab"):
        assert getattr(again, name) == getattr(state, name)
    assert again.selection == ("conv2", 5) and again.pixel == (3, 4) and again.source == "cifar"
    state.select_channel("add3", 7)  # a residual block's sum opens too, and is saved
    assert State.from_dict(state.to_dict()).selection == ("add3", 7)


@pytest.mark.parametrize("bad, words", [
    ({"source": "video"}, "photo source"),
    ({"example": 100}, "CIFAR-10 photo number"),
    ({"example": -1}, "CIFAR-10 photo number"),
    ({"example": "seven"}, "whole number"),
    ({"selection": ["pool1", 2]}, "convolution"),
    ({"selection": ["add0", 2]}, "shortcut's sum"),
    ({"selection": ["conv1", -3]}, "0 or more"),
    ({"selection": ["conv1", 2], "pixel": [-1, 4]}, "0 or more"),
    ({"selection": None, "pixel": [1, 4]}, "no channel"),
    ({"tab": 5}, "tab"),
    ({"zoom": 2}, "unknown field"),
])
def test_malformed_state_is_refused_and_nothing_changes(qtbot, lesson, bad, words):
    lesson.state.select_channel("conv1", 1)
    before = lesson.state.to_dict()
    data = {**before, **bad}
    with pytest.raises(ValueError, match=words):
        lesson.restore_state(data)
    assert lesson.state.to_dict() == before


def test_session_round_trip(qtbot, window, make_window, tmp_path):
    window.app_state.set_image(io.load_image(io.sample_images()["coffee"]), "coffee.jpg")
    photo = window.show_lesson("photo")
    settle(qtbot, photo)
    photo.state.update_from(non_default_state())
    qtbot.waitUntil(lambda: photo.pixel_numbers is not None and not photo.is_busy(), timeout=SETTLE_MS)
    path = window.save_session(tmp_path / "photo.convlens")
    other = make_window()
    other.load_session(path)
    again = other.lesson("photo")
    assert other.current_lesson_id == "photo"
    qtbot.waitUntil(lambda: again.pixel_numbers is not None and not again.is_busy(), timeout=SETTLE_MS)
    assert again.state.to_dict() == photo.state.to_dict()
    assert again.source_combo.currentData() == "cifar" and again.example_spin.value() == 7
    assert again.tabs.currentIndex() == 1
    assert again.caption.text() == photo.caption.text() and "#7:" in again.caption.text()
    assert again.prediction.text() == photo.prediction.text()
    assert again.detail_view.header.text() == photo.detail_view.header.text()
    assert "Pixel (3, 4)" in again.detail_view.pixel_text.text()
    assert again.detail_view.pixel_text.text() == photo.detail_view.pixel_text.text()


# ---------------------------------------------------------------- how it looks


def test_the_channel_detail_opens_on_the_strongest_first_layer_channel(qtbot, lesson):
    """Right after a photo is read, the Channel detail tab shows a channel, not an empty page."""
    conv1 = lesson.stage("conv1")
    strongest = int(np.argmax(conv1.values.mean(axis=(1, 2))))
    assert lesson.state.selection == ("conv1", strongest)
    qtbot.waitUntil(lambda: lesson.detail is not None and not lesson.is_busy(), timeout=SETTLE_MS)
    assert (lesson.detail["key"], lesson.detail["channel"]) == ("conv1", strongest)
    lesson.state.tab = 1
    assert f"channel {strongest}" in lesson.detail_view.header.text()
    assert all(view.image.image is not None for view in lesson.detail_view.views.values())
    # A channel the user opened stays open when the next photo comes.
    open_channel(qtbot, lesson, "conv2", 3)
    with qtbot.waitSignal(lesson.photo_shown, timeout=SETTLE_MS):
        lesson.state.choose_example(2)
    assert lesson.state.selection == ("conv2", 3)


def _tile_pixels(overview, key):
    """On-screen width of one channel's tile (its map and the gap after it) in the overview's row ``key``."""
    mosaic = overview.maps(key).mosaic
    return overview.cell_rect(key, 0).width() * (mosaic.width + mosaic.gap)


@pytest.mark.parametrize("size", [(1300, 850), (1000, 650), (1700, 1000)])
def test_every_conv_and_pool_layer_is_tiled_at_one_readable_size(qtbot, lesson, size):
    lesson.resize(*size)
    spatial = [key for key in lesson.overview.keys() if lesson.stage(key).values.ndim == 3
               and lesson.stage(key).values.shape[1] > 1]
    assert {"conv1", "conv3", "pool3"} <= set(spatial)
    seen = []

    def laid_out():  # the same tiles three times running
        seen.append(tuple(round(_tile_pixels(lesson.overview, key), 2) for key in spatial))
        return len(seen) > 2 and seen[-1] == seen[-2] == seen[-3]

    qtbot.waitUntil(laid_out, timeout=5000)
    tiles, tile = seen[-1], lesson.overview.tile
    # one tile size for every layer: a map and the gap after it (a whole map pixel, which makes the pitch of
    # 4×4 maps in a single line up to a quarter wider than the tile) (the views' 2 % padding aside)
    assert all(0.95 * tile <= pitch <= 1.27 * tile for pitch in tiles), (tile, list(zip(spatial, tiles)))
    assert tile >= photo_view.MIN_TILE  # readable: a deep network's rows scroll rather than shrink below it
    # Every row fits the overview: nothing below its bottom edge; what the scroll area does not show, it scrolls to.
    bottom = max(lesson.overview.row_rect(key).bottom() for key in lesson.overview.keys())
    assert bottom <= lesson.overview.height()
    scroll = lesson.overview_scroll
    taller = lesson.overview.height() > scroll.viewport().height()
    assert scroll.verticalScrollBar().maximum() == (lesson.overview.height() - scroll.viewport().height() if taller
                                                    else 0)
