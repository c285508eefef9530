"""The invariance lab in the draw and photo lessons, driven like a student: sliders, tabs, buttons, drags."""

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from explainer import io
from explainer.models import weights_path
from explainer.ui.lessons.draw import create as create_draw
from explainer.ui.lessons.draw.lab import EMPTY_TEXT
from explainer.ui.lessons.photo import create as create_photo
from explainer.ui.state import AppState, Commands
from explainer.ui.widgets.invariance_state import DigitLabState, PhotoLabState
from explainer.ui.widgets.invariance_work import NO_NOPOOL

TIMEOUT = 60000


def build(qtbot, create, app_state=None):
    lesson = create(app_state or AppState(), Commands())
    qtbot.addWidget(lesson)
    lesson.resize(1400, 850)
    lesson.show()
    return lesson


def click_tab(qtbot, tabs, text):
    """Click the tab titled ``text`` on its tab bar."""
    bar = tabs.tabBar()
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == text)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def settle(qtbot, lesson, timeout=TIMEOUT):
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=timeout)


def press_keys(qtbot, widget, key, times):
    for _ in range(times):
        qtbot.keyClick(widget, key)


def shown(view):
    """The array an ImageView shows (a copy)."""
    return np.array(view.image.image, dtype=np.float32)


@pytest.fixture
def draw_lab(qtbot):
    lesson = build(qtbot, create_draw)
    qtbot.waitUntil(lambda: lesson.model is not None and not lesson.is_busy(), timeout=TIMEOUT)
    click_tab(qtbot, lesson.page_tabs, "Invariance lab")
    lab = lesson.lab
    qtbot.waitUntil(lambda: lab.reading is not None and lab.reading.probabilities is not None
                    and not lesson.is_busy(), timeout=TIMEOUT)
    yield lesson, lab
    lesson.shutdown()


# ---------------------------------------------------------------- transforming a digit live


def test_a_shift_is_undone_by_the_recipe_and_not_without_it(qtbot, draw_lab):
    lesson, lab = draw_lab
    assert lesson.state.page == 1 and lab.caption.text().startswith("Held-out MNIST digit #0")
    before0, after0 = shown(lab.pictures.before), shown(lab.pictures.after)
    assert before0.shape == after0.shape == (28, 28)

    press_keys(qtbot, lab.controls.sliders["shift_x"], Qt.Key.Key_Right, 6)  # 6 steps of 0.5 px
    settle(qtbot, lesson)
    assert lab.state.shift_x == 3.0 and lab.controls.values["shift_x"].text() == "+3.0 px"
    before, after = shown(lab.pictures.before), shown(lab.pictures.after)
    assert np.allclose(before[:, 3:], before0[:, :-3], atol=1e-5)  # moved 3 px right
    assert np.abs(before - before0).mean() > 0.05
    assert np.abs(after - after0).max() < 1e-5  # centring by mass puts it back where it was

    lab.controls.recipe_box.click()
    settle(qtbot, lesson)
    assert lab.state.recipe is False
    assert np.array_equal(shown(lab.pictures.after), before)  # the network now reads the shifted digit
    assert np.abs(shown(lab.pictures.after) - after0).mean() > 0.05
    assert lab.predicted.text() in "0123456789" and lab.chart.probabilities.sum() == pytest.approx(1.0)


def test_dragging_on_the_picture_places_the_grey_square(qtbot, draw_lab):
    lesson, lab = draw_lab
    pictures = lab.pictures
    view = pictures.before.view
    qtbot.waitUntil(lambda: pictures.viewport().rect().contains(
        pictures.mapFromScene(view.mapViewToScene(QPointF(10, 10)))), timeout=5000)
    points = [pictures.mapFromScene(view.mapViewToScene(QPointF(x, 10))) for x in (6, 8, 10, 12, 14)]
    viewport = pictures.viewport()

    def send(kind, point, buttons):
        event = QMouseEvent(kind, QPointF(point), viewport.mapToGlobal(QPointF(point)), Qt.MouseButton.LeftButton,
                            buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)

    send(QMouseEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
    for point in points[1:]:
        send(QMouseEvent.Type.MouseMove, point, Qt.MouseButton.LeftButton)
    send(QMouseEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)
    settle(qtbot, lesson)
    row, col = lab.state.occlusion
    assert abs(row + 4 - 10) <= 1 and abs(col + 4 - 14) <= 1  # the 8 px square is centred under the pointer
    before = shown(pictures.before)
    assert np.all(before[row:row + 8, col:col + 8] == 0.5)
    assert lab.controls.clear_button.isEnabled()
    lab.controls.clear_button.click()
    settle(qtbot, lesson)
    assert lab.state.occlusion is None and not np.any(shown(pictures.before) == 0.5)


def test_a_drawing_goes_through_the_recipe_once_and_an_empty_pad_says_so(qtbot, draw_lab):
    lesson, lab = draw_lab
    lesson.clear()
    settle(qtbot, lesson)
    assert lab.reading is None and lab.answer.text() == EMPTY_TEXT and lab.predicted.text() == ""
    lesson.pad.add_stroke([(140, 40), (140, 240)])  # a "1" drawn down the middle of the 280×280 pad
    settle(qtbot, lesson)
    assert lab.caption.text().startswith("Your drawing")
    before = shown(lab.pictures.before)
    assert before.shape == (28, 28) and before.max() > 0.5
    rows = np.flatnonzero(before.max(axis=1) > 0.05)
    assert rows[-1] - rows[0] + 1 == 20  # scaled so its longer side is 20 px, as MNIST digits are
    assert lab.predicted.text() == "1"


def test_a_hidden_lab_does_no_work_until_it_is_shown(qtbot, draw_lab):
    lesson, lab = draw_lab
    click_tab(qtbot, lesson.page_tabs, "Read the drawing")
    shown_before = lab.reading
    lab.state.set_transform("rotation", 45)
    settle(qtbot, lesson)
    assert lab.reading is shown_before  # nothing was read for a page nobody sees
    click_tab(qtbot, lesson.page_tabs, "Invariance lab")
    settle(qtbot, lesson)
    assert lab.reading is not shown_before and lab.controls.values["rotation"].text() == "+45° ↺"
    assert lesson.state.page == 1


# ---------------------------------------------------------------- sweeps


def test_a_sweep_draws_17_points_and_says_what_they_show(qtbot, draw_lab):
    lesson, lab = draw_lab
    click_tab(qtbot, lab.pages, "Sweep")
    for key in ("pool_recipe", "nopool_recipe", "nopool_raw"):
        lab.sweep.checks[key].click()
    assert lab.state.sweep_series == ("pool_raw",)
    lab.sweep.run_button.click()
    with qtbot.waitSignal(lab.sweep_finished, timeout=TIMEOUT):
        pass
    assert lab.sweep.point_count() == 17
    xs, ys = lab.sweep.curves["pool_raw"].getData()
    assert len(xs) == 17 and xs[0] == -8 and xs[-1] == 8
    data = lab.sweep_data
    with torch.no_grad():
        read = data["models"]["mnist"](torch.from_numpy(np.array(data["images"][:, None]))).argmax(1).numpy()
    assert ys[8] == pytest.approx(100 * np.mean(read == data["labels"]))  # no shift: the plain held-out accuracy
    assert ys.min() < ys[8]  # an 8 px shift without centring costs accuracy
    note = lab.sweep.note.text()
    assert "%" in note and "with pooling, recipe off" in note
    assert lab.sweep.progress.value() == 17 and lab.sweep.run_button.isEnabled()


def test_cancel_stops_a_sweep_between_points(qtbot, draw_lab):
    lesson, lab = draw_lab
    lab.state.panel = 1
    lab.sweep.checks["nopool_recipe"].click()
    lab.sweep.checks["nopool_raw"].click()
    lab.sweep.run_button.click()
    qtbot.waitUntil(lambda: lab.sweep.point_count() >= 1, timeout=TIMEOUT)
    lab.sweep.cancel_button.click()
    with qtbot.waitSignal(lab.sweep_finished, timeout=TIMEOUT):
        pass
    assert 1 <= lab.sweep.point_count() < 34
    assert lab.sweep.note.text().startswith("Cancelled after")
    assert not lab.is_busy() and lab.sweep.run_button.isEnabled()


def test_closing_the_lesson_mid_sweep_stops_the_worker(qtbot, draw_lab):
    lesson, lab = draw_lab
    lab.state.panel = 1
    finished = []
    lab.sweep_finished.connect(lambda: finished.append(True))
    lab.sweep.run_button.click()
    qtbot.waitUntil(lambda: lab.sweep.point_count() >= 1, timeout=TIMEOUT)
    lesson.shutdown()
    assert not lab.is_busy()
    qtbot.wait(200)
    assert not finished  # a closed lesson hears nothing more; the fixture checks that the thread has ended


def test_the_network_without_pooling_is_compared_or_said_to_be_missing(qtbot, draw_lab):
    lesson, lab = draw_lab
    lab.state.panel = 1
    lab.state.sweep_transform = "thickness"  # six values: a short sweep
    lab.sweep.run_button.click()
    with qtbot.waitSignal(lab.sweep_finished, timeout=TIMEOUT):
        pass
    if weights_path("mnist_nopool").is_file():
        assert sorted(lab.sweep.points) == sorted(("pool_recipe", "pool_raw", "nopool_recipe", "nopool_raw"))
        assert all(len(points) == 6 for points in lab.sweep.points.values())
    else:
        assert sorted(lab.sweep.points) == ["pool_raw", "pool_recipe"]
        assert NO_NOPOOL in lab.sweep.note.text()


# ---------------------------------------------------------------- where it looks, and the nudge


def test_the_occlusion_map_covers_the_input(qtbot, draw_lab):
    lesson, lab = draw_lab
    click_tab(qtbot, lab.pages, "Where does it look?")
    lab.occlusion.patch_spin.clear()
    qtbot.keyClicks(lab.occlusion.patch_spin, "7")
    assert lab.state.patch == 7
    lab.occlusion.run_button.click()
    with qtbot.waitSignal(lab.occlusion_finished, timeout=TIMEOUT):
        pass
    values = lab.occlusion.view.values
    assert values.shape == (28, 28) and np.all(np.isfinite(values))
    assert lab.occlusion.progress.value() == lab.occlusion.progress.maximum() == 12 * 12  # 0, 2, …, 20, 21
    assert "P(8)" in lab.occlusion.note.text()
    press_keys(qtbot, lab.controls.sliders["rotation"], Qt.Key.Key_Right, 2)  # a new input: the old map goes
    settle(qtbot, lesson)
    assert lab.occlusion.view.values is None and "again" in lab.occlusion.note.text()


def test_a_nudge_of_zero_changes_nothing_and_a_large_one_changes_the_input(qtbot, draw_lab):
    lesson, lab = draw_lab
    click_tab(qtbot, lab.pages, "Adversarial nudge")
    slider = lab.nudge.slider
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    settle(qtbot, lesson)
    assert lab.state.epsilon == 0.0 and lab.nudge.value.text() == "ε = 0.000"
    assert not np.any(lab.nudge.view.shown_perturbation)
    assert np.array_equal(shown(lab.nudge.view.nudged), shown(lab.pictures.after))
    assert np.allclose(lab.nudge.chart.probabilities, lab.reading.probabilities, atol=1e-6)
    assert "flipped" not in lab.nudge.answer.text()

    qtbot.keyClick(slider, Qt.Key.Key_End)
    settle(qtbot, lesson)
    assert lab.state.epsilon == pytest.approx(0.3)
    change = np.abs(shown(lab.nudge.view.nudged) - shown(lab.pictures.after))
    assert change.max() == pytest.approx(0.3, abs=1e-5) and change.mean() > 0.1
    assert "why" in lab.nudge.why.text().lower() and "dot product" in lab.nudge.why.text()


# ---------------------------------------------------------------- sessions and bad input


def test_the_lab_state_round_trips_through_a_session(make_window, qtbot, tmp_path):
    first = make_window()
    first.show_lesson("draw")
    lesson = first.lesson("draw")
    lab = lesson.state.lab
    lesson.state.page = 1
    lab.set_transform("rotation", -25)
    lab.set_transform("thickness", 2)
    lab.recipe = False
    lab.place_occlusion(3, 5)
    lab.sweep_transform = "scale"
    lab.show_series("nopool_raw", False)
    lab.patch, lab.stride, lab.epsilon, lab.panel = 5, 3, 0.125, 2
    first.show_lesson("photo").state.lab.set_transform("contrast", 0.5)
    first.show_lesson("draw")
    path = first.save_session(tmp_path / "lab.convlens")

    second = make_window()
    second.load_session(path)
    again = second.lesson("draw")
    assert again.state.lab.to_dict() == lab.to_dict() and again.state.page == 1
    assert second.lesson("photo").state.lab.contrast == 0.5
    controls = again.lab.controls
    assert controls.values["rotation"].text() == "−25° ↻" and controls.values["thickness"].text() == "+2 px"
    assert not controls.recipe_box.isChecked() and again.lab.pages.currentIndex() == 2
    assert again.lab.occlusion.patch_spin.value() == 5 and again.lab.nudge.value.text() == "ε = 0.125"
    assert again.lab.sweep.transform_combo.currentData() == "scale"
    assert not again.lab.sweep.checks["nopool_raw"].isChecked()
    for win in (first, second):
        qtbot.waitUntil(lambda w=win: not w.is_busy(), timeout=TIMEOUT)


@pytest.mark.parametrize("data, words", [
    ({"shift_x": 9.0}, "shift right must be between"),
    ({"sweep_series": ["pool_recipe", "pool_recipe"]}, "one curve twice"),
    ({"sweep_transform": "blur"}, "swept transform"),
    ({"epsilon": 0.5}, "ε must be between"),
    ({"occlusion": [40, 0]}, "square's row"),
])
def test_a_damaged_lab_state_is_refused_in_words(data, words):
    with pytest.raises(ValueError, match=words):
        DigitLabState.from_dict(data)


def test_photos_have_no_stroke_thickness():
    with pytest.raises(ValueError, match="drawn digits only"):
        PhotoLabState.from_dict({"thickness": 1})
    with pytest.raises(ValueError, match="one of photo"):
        PhotoLabState.from_dict({"sweep_series": ["pool_recipe"]})


# ---------------------------------------------------------------- the photo lab


def open_photo_lab(qtbot):
    """The photo lesson on chelsea.jpg with its invariance lab open and its first reading shown."""
    app_state = AppState()
    app_state.set_image(io.load_image(io.sample_images()["chelsea"]), "chelsea.jpg")
    lesson = build(qtbot, create_photo, app_state)
    click_tab(qtbot, lesson.page_tabs, "Invariance lab")
    lab = lesson.lab
    qtbot.waitUntil(lambda: lab.reading is not None and lab.reading.probabilities is not None
                    and not lesson.is_busy(), timeout=TIMEOUT)
    return lesson, lab


def test_the_photo_lab_reads_the_current_image_and_a_cifar_photo(qtbot):
    lesson, lab = open_photo_lab(qtbot)
    try:
        assert "thickness" not in lab.controls.sliders and lab.controls.recipe_box is None
        assert shown(lab.pictures.before).shape == (32, 32, 3) and lab.caption.text().startswith("chelsea.jpg")
        first = shown(lab.pictures.after)
        press_keys(qtbot, lab.controls.sliders["rotation"], Qt.Key.Key_Left, 20)
        settle(qtbot, lesson)
        assert lab.state.rotation == -20.0
        assert np.abs(shown(lab.pictures.after) - first).mean() > 0.02
        assert np.array_equal(shown(lab.pictures.before), first)  # the untransformed input stays beside it
        assert lab.chart.plot.shown and lab.predicted.text() in lab.labels

        lesson.example_spin.setValue(3)  # a held-out CIFAR-10 photo: its true class is known
        settle(qtbot, lesson)
        assert lesson.state.source == "cifar" and "CIFAR-10 validation photo #3" in lab.caption.text()
        assert "True class" in lab.answer.text()

        click_tab(qtbot, lab.pages, "Sweep")
        assert not lab.sweep.checks["photo"].isVisible()
        lab.state.sweep_transform = "contrast"
        lab.sweep.run_button.click()
        with qtbot.waitSignal(lab.sweep_finished, timeout=TIMEOUT):
            pass
        xs, ys = lab.sweep.curves["photo"].getData()
        assert len(xs) == 17 and "CIFAR-10 network" in lab.sweep.note.text()
    finally:
        lesson.shutdown()


def test_a_residual_photo_network_shows_each_blocks_sum_not_the_convolutions_inside(qtbot, monkeypatch):
    """A residual block hands on its sum: the lab shows that row, so a deep network's rows keep their height."""
    import torch

    from explainer.models.photo import PhotoCNN
    from explainer.ui.widgets import invariance_work

    torch.manual_seed(0)
    residual = PhotoCNN((8, 12), (1, 1), (2, 1)).eval()
    monkeypatch.setattr(invariance_work, "load_model", lambda name: residual)
    lesson, lab = open_photo_lab(qtbot)
    try:
        # conv1, block (conv2, conv3) → add1, block (conv4, conv5) → add2, pool; conv6, block (conv7, conv8) → add3
        assert lab.layers.keys() == ["conv1", "add1", "add2", "conv6", "add3", "output"]
        assert "shortcut" in lab.layers.titles["add1"].text
    finally:
        lesson.shutdown()
