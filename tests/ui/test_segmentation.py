"""The segmentation lesson: ground truth from coloured strokes, metrics, architecture strip, stepper, sessions."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QPushButton

from explainer import core
from explainer.core import error_places, error_split
from explainer.data.scenes import NUM_CLASSES, SCENE_SIDE, make_scene
from explainer.ui.lessons.segmentation import create
from explainer.ui.lessons.segmentation.compute import SceneInput, segment
from explainer.ui.lessons.segmentation.state import SegmentationState, State
from explainer.ui.state import AppState, Commands

VARIANTS = ("fcn32s", "fcn16s", "fcn8s")


@pytest.fixture
def lesson(qtbot):
    widget = create(AppState(), Commands())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.models is not None and widget.results is not None and not widget.is_busy(),
                    timeout=30000)
    yield widget
    widget.shutdown()


def click(qtbot, lesson, name):
    qtbot.mouseClick(lesson.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def wait_idle(qtbot, lesson):
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)


def drag(pad, points):
    """Draw a stroke on the pad with the mouse, through ``points`` in pad coordinates (0..96)."""
    rect = pad._target_rect()
    scale = rect.width() / pad.resolution

    def send(kind, x, y, button, buttons):
        pos = QPointF(rect.x() + x * scale, rect.y() + y * scale)
        event = QMouseEvent(kind, pos, pad.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(pad, event)

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send(QEvent.Type.MouseButtonPress, *points[0], left, left)
    for x, y in points[1:]:
        send(QEvent.Type.MouseMove, x, y, none, left)
    send(QEvent.Type.MouseButtonRelease, *points[-1], left, none)


def test_the_first_scene_is_a_random_one_with_every_panel(lesson):
    assert lesson.state.source == "random" and lesson.state.seed == 7
    assert "random scene of held-out digits (seed 7:" in lesson.source_label.text()
    titles = [view.title.text for view in lesson.views.values()]
    assert titles[:3] == ["image", "ground truth", "FCN-8s errors"]
    for variant in ("FCN-32s", "FCN-16s", "FCN-8s"):  # the lecture's panels for each variant
        assert f"{variant}: prediction" in titles and f"{variant}: overlap" in titles
    truth = lesson.shown.truth
    assert truth is not None and truth.max() > 0
    np.testing.assert_array_equal(lesson.views["truth"].image.image[truth == 0], [[25, 25, 25]] * (truth == 0).sum())


def test_drawing_with_a_class_colour_gives_that_ground_truth(qtbot, lesson):
    click(qtbot, lesson, "segClearButton")
    wait_idle(qtbot, lesson)
    assert lesson.state.source == "drawn" and lesson.state.image.max() == 0
    click(qtbot, lesson, "classButton7")
    assert lesson.state.draw_class == 7 and lesson.pad.current_tag == 7
    drag(lesson.pad, [(20, 20), (60, 20), (40, 80)])
    assert [digit for digit, _ in lesson.state.strokes] == [7]
    lesson.state.draw_class = 2  # state → buttons and pad
    assert lesson.findChild(QPushButton, "classButton2").isChecked()
    assert not lesson.findChild(QPushButton, "classButton7").isChecked()
    drag(lesson.pad, [(75, 20), (75, 80)])
    wait_idle(qtbot, lesson)
    assert [digit for digit, _ in lesson.state.strokes] == [7, 2]
    truth = lesson.shown.truth
    assert set(np.unique(truth)) == {0, 8, 3}  # labels are digit + 1
    drawn = lesson.shown.image
    # Ground truth marks exactly the pixels where a stroke is at least 0.5 bright.
    assert ((truth > 0) == (drawn >= 0.5)).mean() > 0.99
    click(qtbot, lesson, "segUndoButton")
    wait_idle(qtbot, lesson)
    assert len(lesson.state.strokes) == 1 and lesson.pad.stroke_count() == 1
    assert set(np.unique(lesson.shown.truth)) == {0, 8}


def test_strokes_set_in_the_state_are_drawn_and_scored(qtbot, lesson):
    lesson.state.clear()
    lesson.state.set_strokes([(4, [(30, 10), (30, 85)]), (1, [(70, 10), (70, 85)])])
    wait_idle(qtbot, lesson)
    assert lesson.pad.tags() == [4, 1]
    assert set(np.unique(lesson.shown.truth)) == {0, 5, 2}
    assert lesson.shown.image[40:60, 30].min() > 0.5 and lesson.shown.image[:, 50].max() == 0


def test_metrics_panel_equals_core_on_a_known_case(qtbot, lesson):
    truth = np.zeros((96, 96), np.int64)
    truth[10:20, 10:40] = 4
    pred = truth.copy()
    pred[10:20, 30:40] = 5  # a third of the 3 is called a 4
    models = {name: _Fixed(pred) for name in VARIANTS}
    image = np.zeros((96, 96), np.float32)
    lesson._show_results(segment(models, image, truth), SceneInput(image, truth))
    table = lesson.metrics
    miou = core.mean_iou(pred, truth, NUM_CLASSES)
    assert table.item(0, 2).text() == f"{miou:.3f} {core.grade_iou(miou)}"
    assert table.item(0, 2).text().endswith("Good")
    assert table.item(1, 2).text() == f"{core.pixel_accuracy(pred, truth):.2%}"
    ious = core.iou_per_class(pred, truth, NUM_CLASSES)
    assert table.item(6 + 4, 0).text() == f"{ious[4]:.3f} {core.grade_iou(ious[4])}"
    assert table.item(6 + 0, 0).text().endswith("Excellent") and table.item(6 + 5, 0).text().endswith("Poor")
    assert table.item(6 + 1, 0).text() == "absent"
    split = error_split(pred, truth)
    assert split["wrong"] == 100 and split["boundary"] == 28  # the wrong block's outer rows/column touch the edge
    assert table.item(2, 0).text() == "100" and table.item(3, 0).text() == "28" and table.item(4, 0).text() == "72"
    background = (truth == 0).mean()
    assert "Why pixel accuracy flatters" in lesson.dominance.text()
    assert f"{background:.1%} of this scene is background" in lesson.dominance.text()
    fake = core.mean_iou(np.zeros_like(truth), truth, NUM_CLASSES)
    assert f"mean IoU is {fake:.3f}" in lesson.dominance.text()
    # The overlap panel: right pixels in blue, the wrong third of the 3 in magenta (missed) and orange (invented).
    overlap = lesson.views["fcn8s/overlap"].image.image
    assert (overlap[15, 15] == [0, 114, 178]).all() and (overlap[15, 35] == [230, 159, 0]).all()


class _Fixed(torch.nn.Module):
    """A stand-in model that always predicts the same map (for checking the metrics panel)."""

    def __init__(self, pred):
        super().__init__()
        self.pred = torch.from_numpy(pred)

    def forward(self, x):
        return F.one_hot(self.pred, NUM_CLASSES).permute(2, 0, 1)[None].float()


def test_transposed_stepper_equals_torch(qtbot, lesson):
    stepper, state = lesson.stepper, lesson.state.stepper
    qtbot.mouseClick(lesson.tabs.tabBar(), Qt.MouseButton.LeftButton,
                     pos=lesson.tabs.tabBar().tabRect(2).center())
    assert lesson.state.tab == 2
    for k, s, p in [(3, 2, 0), (4, 2, 1), (2, 3, 0), (5, 1, 2)]:
        stepper.size_spin.setValue(k)  # widget → state
        stepper.stride_spin.setValue(s)
        stepper.padding_spin.setValue(p)
        assert (state.kernel.shape[0], state.stride, state.padding) == (k, s, p)
        state.kernel = np.arange(k * k, dtype=float).reshape(k, k) - 3
        click(qtbot, lesson, "tconvAllButton")
        assert state.step == 9
        ref = F.conv_transpose2d(torch.from_numpy(state.input)[None, None], torch.from_numpy(state.kernel)[None, None],
                                 stride=s, padding=p)[0, 0].numpy()
        np.testing.assert_allclose(stepper.output_grid.values, ref)
        assert f"= <b>{ref.shape[0]}</b>" in stepper.formula.text()
    state.set_kernel_size(3)  # state → widget
    state.stride, state.padding = 2, 0
    assert stepper.size_spin.value() == 3 and stepper.stride_spin.value() == 2
    state.set_step(0)
    click(qtbot, lesson, "tconvStepButton")
    assert state.step == 1
    assert stepper.counts.sum() == 9  # one stamp of a 3x3 kernel
    assert stepper.stamp_text.text().startswith("Stamp 1 of 9: input cell (0, 0)")
    assert stepper.output_grid.highlights["window"][0] == [(r, c) for r in range(3) for c in range(3)]
    assert stepper.compare[3].values[2, 2] == 4 and stepper.compare[4].values[3:5, 3:5].min() == 4


def test_an_impossible_stepper_setting_is_explained(qtbot, lesson):
    state = lesson.state.stepper
    state.set_kernel_size(1)
    state.stride = 1
    lesson.stepper.padding_spin.setValue(2)
    assert "Impossible setting" in lesson.stepper.formula.text()
    assert lesson.stepper.output_grid.isHidden()
    lesson.stepper.padding_spin.setValue(0)
    assert not lesson.stepper.output_grid.isHidden()
    lesson.stepper.input_grid.value_edited.emit(0, 0, 1e300)  # a value nobody can read: refused, kept
    assert state.input[0, 0] == 1 and "Not used" in lesson.stepper.stamp_text.text()
    lesson.stepper.input_grid.value_edited.emit(0, 0, 5.0)
    assert state.input[0, 0] == 5 and lesson.stepper.input_grid.values[0, 0] == 5


def test_random_scene_is_segmented_by_all_three(qtbot, lesson):
    old_seed = lesson.state.seed
    with qtbot.waitSignal(lesson.results_shown, timeout=20000):
        click(qtbot, lesson, "randomSceneButton")
    wait_idle(qtbot, lesson)
    assert lesson.state.source == "random" and lesson.state.seed != old_seed
    with qtbot.waitSignal(lesson.results_shown, timeout=20000):
        lesson.random_scene(seed=3)
    wait_idle(qtbot, lesson)
    image, truth, _ = make_scene(lesson.digits, lesson.digit_labels, np.random.default_rng(3))
    np.testing.assert_array_equal(lesson.state.truth, truth)
    np.testing.assert_array_equal(lesson.shown.truth, truth)
    for variant in VARIANTS:
        entry = lesson.results["variants"][variant]
        assert entry["pred"].shape == (96, 96)
        assert entry["miou"] == pytest.approx(core.mean_iou(entry["pred"], truth, NUM_CLASSES))
        assert entry["pixel_accuracy"] == pytest.approx(core.pixel_accuracy(entry["pred"], truth))


def test_loaded_picture_has_no_ground_truth(qtbot, lesson, tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(img).line([(60, 15), (60, 105)], fill=0, width=8)
    path = tmp_path / "one.png"
    img.save(path)
    assert lesson.open_file(path) is True
    qtbot.waitUntil(lambda: lesson.state.source == "picture" and not lesson.is_busy(), timeout=10000)
    assert lesson.state.truth is None and lesson.shown.truth is None
    assert lesson.state.image[:, 48].max() > 0.9 and lesson.state.image[:, 5].max() < 0.1  # inverted to ink on black
    assert "none for a loaded picture" in lesson.views["truth"].title.text
    assert lesson.views["errors"].title.text == "errors: no truth"  # no stale error map from the last scene
    assert lesson.metrics.item(0, 0).text() == "no ground truth"
    assert "nothing to score" in lesson.dominance.text()
    assert lesson.source_label.text() == "Input: loaded picture (no ground truth)."
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    messages = []
    lesson.commands.message_posted.connect(lambda text, _ms: messages.append(text))
    lesson.open_file(bad)
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert "Could not use that picture" in messages[0]
    assert lesson.state.source == "picture"  # the scene is unchanged


def test_live_copies_predict_what_the_bundled_fcns_do(qtbot, lesson):
    from explainer.models import load_model

    trained = {variant: load_model(variant) for variant in VARIANTS}
    assert lesson.models is lesson.live_models  # one copy of each network is kept
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for model in lesson.models.values() for m in model.modules())
    rng = np.random.default_rng(11)
    for _ in range(3):
        image, truth, _ = make_scene(lesson.digits, lesson.digit_labels, rng)
        live = segment(lesson.live_models, image, truth)["variants"]
        bundled = segment(trained, image, truth)["variants"]
        for variant in VARIANTS:
            assert (live[variant]["pred"] == bundled[variant]["pred"]).mean() > 0.999
            assert live[variant]["miou"] == pytest.approx(bundled[variant]["miou"], abs=0.01)


def test_a_refresh_repaints_only_what_changed(qtbot, lesson):
    """New numbers must not re-lay out (and so repaint) the whole lesson: it is what keeps drawing live."""

    class Counter(QObject):
        def __init__(self):
            super().__init__()
            self.painted = set()

        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint:
                self.painted.add(watched.objectName())
            return False

    with qtbot.waitSignal(lesson.results_shown, timeout=20000):
        lesson.random_scene(seed=5)
    wait_idle(qtbot, lesson)
    qtbot.wait(50)
    counter = Counter()
    watched = [lesson.panels.viewport(), lesson.metrics.viewport(), lesson.findChild(QPushButton, "classButton3"),
               lesson.scene_button]
    lesson.panels.viewport().setObjectName("panelsViewport")
    lesson.metrics.viewport().setObjectName("metricsViewport")
    for widget in watched:
        widget.installEventFilter(counter)
    old_note = lesson.dominance.text()
    lesson.state.draw_class = 1
    with qtbot.waitSignal(lesson.results_shown, timeout=20000):
        lesson.pad.add_stroke([(10, 60), (10, 90)])  # a stroke drawn as a 1 in an empty corner
    wait_idle(qtbot, lesson)
    qtbot.wait(100)
    assert lesson.dominance.text() != old_note  # the numbers did change
    assert {"panelsViewport", "metricsViewport"} <= counter.painted
    assert not {"classButton3", "randomSceneButton"} & counter.painted


def test_error_places_split_the_wrong_pixels_like_the_table(qtbot, lesson):
    truth = np.zeros((8, 8), np.int64)
    truth[2:6, 2:6] = 5
    pred = truth.copy()
    pred[2, 2] = 0  # wrong on the boundary
    pred[7, 0] = 3  # wrong far from any boundary
    codes = error_places(pred, truth)
    assert codes[2, 2] == 2 and codes[7, 0] == 3
    assert (codes == 1).sum() == 32 - 1  # the 4x4 block's edge ring and the ring outside it, less the wrong one
    split = error_split(pred, truth)
    assert split["boundary"] == (codes == 2).sum() and split["wrong"] == (codes >= 2).sum()
    with qtbot.waitSignal(lesson.results_shown, timeout=20000):
        lesson.random_scene(seed=4)
    wait_idle(qtbot, lesson)
    shown = lesson.views["errors"].image.image
    fcn8 = lesson.results["variants"]["fcn8s"]
    assert shown.shape == (96, 96, 3)
    assert (shown == [230, 159, 0]).all(axis=2).sum() == fcn8["errors"]["boundary"]
    assert (shown == [204, 51, 153]).all(axis=2).sum() == fcn8["errors"]["wrong"] - fcn8["errors"]["boundary"]


def test_architecture_strip_reads_its_numbers_from_the_models(qtbot, lesson):
    lesson.state.tab = 1  # state → tabs
    assert lesson.tabs.currentWidget() is lesson.architecture and lesson.architecture.strip is lesson.strip
    fcn8 = lesson.models["fcn8s"]
    pool4 = dict((title, text) for title, text, _ in lesson.strip.boxes)["pool4"]
    width = fcn8.stage4[0].out_channels
    assert pool4.startswith(f"{width}×{SCENE_SIDE // 16}×{SCENE_SIDE // 16}")
    labels = lesson.strip.lane_labels()
    k32 = lesson.models["fcn32s"].upscore32.kernel_size[0]
    k8 = fcn8.upscore8.kernel_size[0]
    assert f"kernel {k32}" in labels[0] and f"kernel {k8}" in labels[2]
    assert all(label.endswith(f"→ {SCENE_SIDE}×{SCENE_SIDE}×{NUM_CLASSES} scores") for label in labels)
    assert [name for name, _, _ in lesson.strip.lanes] == ["FCN-32s", "FCN-16s", "FCN-8s"]


def _non_default_state() -> SegmentationState:
    state = State()
    rng = np.random.default_rng(0)
    digits = rng.random((5, 28, 28)).astype(np.float32)
    image, truth, _ = make_scene(digits, np.arange(5), np.random.default_rng(12))
    state.set_scene(image, truth, "random", seed=12)
    state.set_strokes([(6, [(10.5, 12.0), (40.0, 41.25)]), (0, [(80.0, 80.0)])])
    state.draw_class, state.tab = 6, 2
    state.stepper.set_kernel_size(4)
    state.stepper.stride, state.stepper.padding = 3, 1
    state.stepper.edit_input(1, 1, -2.5)
    state.stepper.set_step(5)
    return state


def test_state_round_trips_field_by_field():
    state = _non_default_state()
    again = State.from_dict(json.loads(json.dumps(state.to_dict(), allow_nan=False)))
    np.testing.assert_array_equal(again.image, state.image)
    assert again.image.dtype == np.float32
    np.testing.assert_array_equal(again.truth, state.truth)
    assert (again.source, again.strokes, again.draw_class, again.seed, again.tab) == (
        "random", state.strokes, 6, 12, 2)
    for name in ("input", "kernel"):
        np.testing.assert_array_equal(getattr(again.stepper, name), getattr(state.stepper, name))
    assert (again.stepper.stride, again.stepper.padding, again.stepper.step) == (3, 1, 5)
    picture = State()
    picture.set_scene(np.full((96, 96), 0.25), None, "picture")
    assert State.from_dict(picture.to_dict()).truth is None


@pytest.mark.parametrize("change, words", [
    (lambda d: d["stepper"].update(stride=99), "stride"),
    (lambda d: d.update(tab=5), "tab"),
    (lambda d: d.update(draw_class=10), "drawing class"),
    (lambda d: d.update(source="photo"), "source"),
    (lambda d: d.update(truth=None), "no ground truth"),
    (lambda d: d["truth"]["data"].__setitem__(0, 11), "classes 0 to 10"),
    (lambda d: d.update(image={"dtype": "<f4", "shape": [2, 2], "data": [0, 0, 0, 0]}), "96×96"),
    (lambda d: d.update(strokes=[[12, [[1, 2]]]]), "digit"),
    (lambda d: d.update(strokes=[[1, [[1, 9000]]]]), "outside the drawing"),
    (lambda d: d["stepper"].update(kernel={"dtype": "<f8", "shape": [2, 3], "data": [0] * 6}), "square"),
    (lambda d: d.update(colour="red"), "unknown field"),
])
def test_malformed_state_is_refused_and_nothing_changes(qtbot, lesson, change, words):
    before = lesson.state.to_dict()
    bad = json.loads(json.dumps(before))
    change(bad)
    with pytest.raises(ValueError, match=words):
        lesson.restore_state(bad)
    assert lesson.state.to_dict() == before


def test_session_brings_the_lesson_back(qtbot, make_window, tmp_path):
    first = make_window()
    lesson = first.show_lesson("segmentation")
    qtbot.waitUntil(lambda: lesson.models is not None and not lesson.is_busy(), timeout=30000)
    lesson.random_scene(seed=21)
    lesson.state.draw_class = 3
    drag(lesson.pad, [(5, 5), (5, 40)])
    lesson.state.draw_class = 6
    lesson.state.stepper.set_kernel_size(4)
    lesson.state.stepper.set_step(4)
    lesson.state.tab = 2
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)
    path = first.save_session(tmp_path / "seg.convlens")
    second = make_window()
    second.load_session(path)
    again = second.lesson("segmentation")
    assert second.current_lesson_id == "segmentation"
    qtbot.waitUntil(lambda: again.models is not None and again.results is not None and not again.is_busy(),
                    timeout=30000)
    assert again.state.to_dict() == lesson.state.to_dict()  # not replaced by a first random scene
    assert again.tabs.currentIndex() == 2 and again.findChild(QPushButton, "classButton6").isChecked()
    assert again.pad.tags() == [3] and again.pad.strokes() == lesson.pad.strokes()
    np.testing.assert_array_equal(again.shown.truth, lesson.shown.truth)
    np.testing.assert_array_equal(again.shown.image, lesson.shown.image)
    assert again.source_label.text() == lesson.source_label.text()
    assert again.stepper.stamp_text.text() == lesson.stepper.stamp_text.text()
    np.testing.assert_array_equal(again.stepper.output_grid.values, lesson.stepper.output_grid.values)
    for row in range(again.metrics.rowCount()):
        assert again.metrics.item(row, 2).text() == lesson.metrics.item(row, 2).text()


def test_background_work_and_states_import_no_qt():
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import sys\n"
            "import explainer.ui.lessons.segmentation.compute, explainer.ui.lessons.segmentation.state\n"
            "import explainer.ui.widgets.transposed_stepper_state\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt', "
            "'shiboken6') or m.startswith('explainer.train')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_stepper_widget_follows_a_state_of_its_own(qtbot):
    from explainer.ui.widgets.transposed_stepper import TransposedStepper
    from explainer.ui.widgets.transposed_stepper_state import TransposedStepperState

    state = TransposedStepperState(input=np.array([[1.0, -1.0], [2.0, 0.5]]), kernel=np.eye(2), stride=1)
    widget = TransposedStepper(state)
    qtbot.addWidget(widget)
    state.set_step(2)
    partial, counts = core.transposed_stamps(state.input, state.kernel, 2, stride=1)
    np.testing.assert_array_equal(widget.output_grid.values, partial)
    np.testing.assert_array_equal(widget.count_grid.values, counts)
    assert widget.stamp_text.text().startswith("Stamp 2 of 4: input cell (0, 1) = −1")
    qtbot.mouseClick(widget.back_button, Qt.MouseButton.LeftButton)
    assert state.step == 1 and widget.input_grid.highlights["window"][0] == [(0, 0)]
    state.set_step(99)  # clamped to every stamp
    assert state.step == 4
    np.testing.assert_allclose(widget.output_grid.values,
                               core.conv_transpose2d(state.input[None], state.kernel[None, None], stride=1)[0])


# ---------------------------------------------------------------- how the Segment and Architecture tabs look


def _image_rect(view):
    """Where a panel's image is drawn, in the panels widget's pixels."""
    return view.image.mapRectToScene(view.image.boundingRect())


@pytest.mark.parametrize("size", [(1100, 800), (1500, 900), (850, 650)])
def test_panels_are_equal_squares_packed_row_under_row(qtbot, lesson, size):
    lesson.resize(*size)
    seen = []

    def laid_out():  # the same geometry three times running
        seen.append(tuple(_image_rect(view).getRect() for view in lesson.views.values()))
        return len(seen) > 2 and seen[-1] == seen[-2] == seen[-3]

    qtbot.waitUntil(laid_out, timeout=5000)
    rects = {key: _image_rect(view) for key, view in lesson.views.items()}
    # Every variant's column (and the top row) is drawn at the same size.
    widths = [rects[f"{v}/{kind}"].width() for v in VARIANTS for kind in ("pred", "overlap")]
    widths += [rects[key].width() for key in ("image", "truth", "errors")]
    assert max(widths) - min(widths) <= 2, widths
    # Rows follow each other: between two rows of images there is only the next row's title.
    for upper, lower in (("image", "fcn32s/pred"), ("fcn32s/pred", "fcn32s/overlap")):
        title = lesson.views[lower].title.sceneBoundingRect()
        gap = rects[lower].top() - rects[upper].bottom()
        assert gap <= title.height() + 24, (upper, lower, gap, title.height())
    # No two titles of a row run into each other, however narrow the columns.
    for row in (("image", "truth", "errors"), tuple(f"{v}/pred" for v in VARIANTS)):
        titles = [lesson.views[key].title.item.sceneBoundingRect() for key in row]
        for left, right in zip(titles, titles[1:]):
            assert left.right() <= right.left() + 1, (left, right)


def _chip_lines(label, name):
    """The line numbers on which the characters of swatch ``name`` are laid out in ``label``."""
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(label.text())
    doc.setTextWidth(label.contentsRect().width())
    doc.size()  # lays the document out
    start = doc.toPlainText().replace("\u00a0", " ").index(name)
    lines = set()
    for position in range(start, start + len(name)):
        block = doc.findBlock(position)
        lines.add(block.firstLineNumber() + block.layout().lineForTextPosition(position - block.position())
                  .lineNumber())
    return lines


def test_legend_chips_do_not_break_inside(lesson):
    from PySide6.QtWidgets import QLabel

    from explainer.ui.lessons.segmentation.colours import ERROR_NAMES, OVERLAP_NAMES

    legends = [label for label in lesson.findChildren(QLabel) if "(FN)" in label.text() or "elsewhere" in label.text()]
    assert len(legends) == 2
    for label in legends:
        assert label.isVisible() and label.contentsRect().width() < 300  # narrow enough to wrap somewhere
        for name in OVERLAP_NAMES + ERROR_NAMES:
            if name in label.text().replace("&nbsp;", " "):
                assert len(_chip_lines(label, name)) == 1, name


def test_absent_classes_are_folded_into_one_row(qtbot, lesson):
    from explainer.ui.lessons.segmentation.view import ABSENT_ROW, IOU_ROW

    lesson.random_scene(seed=4)
    wait_idle(qtbot, lesson)
    ious = np.array([lesson.results["variants"][v]["iou"] for v in VARIANTS])  # (variants, classes)
    absent = [d for d in range(10) if np.isnan(ious[:, d + 1]).all()]
    assert absent and len(absent) < 10
    table = lesson.metrics
    for d in range(10):
        assert table.isRowHidden(IOU_ROW + 1 + d) == (d in absent), d
    assert not table.isRowHidden(ABSENT_ROW) and table.columnSpan(ABSENT_ROW, 0) == len(VARIANTS)
    text = table.item(ABSENT_ROW, 0).text()
    assert text.split(":")[0] == ", ".join(map(str, absent))
    assert table.verticalHeaderItem(ABSENT_ROW).text() == "absent"
    # A picture has nothing to score: no per-digit rows and no absent line.
    lesson.state.set_scene(np.zeros((SCENE_SIDE, SCENE_SIDE), np.float32), None, "picture")
    wait_idle(qtbot, lesson)
    assert all(table.isRowHidden(IOU_ROW + 1 + d) for d in range(10)) and table.isRowHidden(ABSENT_ROW)


@pytest.mark.parametrize("width", [560, 760, 1000, 1200, 1400, 1900])
def test_architecture_lines_cross_no_text(qtbot, lesson, width):
    from PySide6.QtGui import QPainterPath, QPainterPathStroker

    strip = lesson.strip
    lesson.state.tab = 1
    strip.resize(width, 420)
    items = strip.geometry_items()
    texts = [rect for rect, *_ in items["texts"]] + [rect for rect, _ in items["names"]]
    lines = [line for line, lane in items["lines"] if lane is not None] + items["leaders"]
    assert len(items["texts"]) == 2 * len(strip.boxes) + len(strip.lanes) + 1 and lines
    stroker = QPainterPathStroker()
    stroker.setWidth(strip.LANE_WIDTH)
    for line in lines:
        path = QPainterPath(line.p1())
        path.lineTo(line.p2())
        shape = stroker.createStroke(path)
        for rect in texts:
            assert not shape.intersects(rect), (width, line, rect)
    # Each lane's text is all there, only broken into lines between its steps.
    painted = [text for _, _, text, _ in items["texts"][2 * len(strip.boxes):-1]]
    assert [text.replace("\n", "   ") for text in painted] == strip.lane_labels()


# ---------------------------------------------------------------- the upsampling path, export animation


def test_the_upsampling_path_ends_in_each_variants_prediction(qtbot, lesson):
    from explainer.ui.lessons.segmentation.compute import UPSAMPLING_COLUMNS, upsampling_stages
    from explainer.ui.lessons.segmentation.state import UPSAMPLING_STEPS

    assert len(UPSAMPLING_COLUMNS) == UPSAMPLING_STEPS  # the state counts the columns the view draws
    view = lesson.architecture.view
    lesson.state.tab = 1
    qtbot.waitUntil(lambda: view.row_names() == ["FCN-32s", "FCN-16s", "FCN-8s"], timeout=20000)
    assert view.shown_shapes() == [
        [None, (3, 3), None, None, None, None, (96, 96)],
        [None, (3, 3), (6, 6), (6, 6), None, None, (96, 96)],
        [None, (3, 3), (6, 6), (6, 6), (12, 12), (12, 12), (96, 96)],
    ]
    stages = upsampling_stages(lesson.models, lesson.shown.image)
    x = torch.from_numpy(lesson.shown.image)[None, None]
    for variant in VARIANTS:
        with torch.inference_mode():
            expected = lesson.models[variant](x)[0].argmax(0).numpy()
        np.testing.assert_array_equal(stages[variant][-1][1], expected)


def test_a_shared_backbone_is_computed_once_with_the_same_results():
    from explainer.models import inference_copy
    from explainer.models.fcn import BACKBONE, FCN
    from explainer.ui.lessons.segmentation.compute import shared_backbone, upsampling_stages

    torch.manual_seed(5)
    f8 = FCN("fcn8s").eval()
    for name, module in f8.named_modules():
        if name.startswith(("score_pool", "upscore")) and hasattr(module, "weight"):
            torch.nn.init.normal_(module.weight, std=0.3)  # skips that say something
    trained = {"fcn32s": FCN("fcn32s").load_from(f8), "fcn16s": FCN("fcn16s").load_from(f8), "fcn8s": f8}
    separate = {name: inference_copy(model) for name, model in trained.items()}
    tied = {name: inference_copy(model) for name, model in trained.items()}
    for model in tied.values():
        for name in BACKBONE:
            setattr(model, name, getattr(tied["fcn8s"], name))
    assert shared_backbone(separate) is None and shared_backbone(tied) is tied["fcn32s"]
    calls = []
    tied["fcn8s"].stage1.register_forward_hook(lambda *_: calls.append(1))  # the one module all three use
    rng = np.random.default_rng(2)
    digits = rng.random((20, 28, 28)).astype(np.float32)
    image, truth, _ = make_scene(digits, np.arange(20) % 10, rng)
    once, each = segment(tied, image, truth), segment(separate, image, truth)
    assert len(calls) == 1  # one backbone pass for the three heads
    for variant in VARIANTS:
        np.testing.assert_array_equal(once["variants"][variant]["pred"], each["variants"][variant]["pred"])
        assert once["variants"][variant]["miou"] == each["variants"][variant]["miou"]
    assert len({tuple(once["variants"][v]["pred"].ravel()[:500]) for v in VARIANTS}) > 1  # the heads differ
    stages_once, stages_each = upsampling_stages(tied, image), upsampling_stages(separate, image)
    for variant in VARIANTS:
        for (col_a, map_a), (col_b, map_b) in zip(stages_once[variant], stages_each[variant]):
            assert col_a == col_b
            np.testing.assert_array_equal(map_a, map_b)


def test_the_upsampling_steps_follow_the_state_and_the_buttons(qtbot, lesson):
    view = lesson.architecture.view
    lesson.state.tab = 1
    qtbot.waitUntil(lambda: bool(view.row_names()), timeout=20000)
    click(qtbot, lesson, "upsamplingBackButton")
    assert lesson.state.upsampling_step == 6 and view.revealed == 6
    assert view.shown_shapes()[2][-1] is None  # the last step is hidden again
    lesson.state.set_upsampling_step(1)
    assert view.revealed == 1 and not lesson.findChild(QPushButton, "upsamplingBackButton").isEnabled()
    click(qtbot, lesson, "upsamplingAllButton")
    assert lesson.state.upsampling_step == 7
    assert State.from_dict(lesson.state.to_dict()).upsampling_step == 7
    bad = lesson.state.to_dict()
    bad["upsampling_step"] = 0
    with pytest.raises(ValueError, match="upsampling step must be between 1 and 7"):
        lesson.restore_state(bad)


def test_the_fcn_upsampling_exports_a_frame_per_step(qtbot, lesson, tmp_path):
    from tests.ui.gif_export import export_gif, frame_pixels

    lesson.state.set_upsampling_step(3)
    before = lesson.state.to_dict()
    upsampling, _ = lesson.animations()
    assert (upsampling.frame_count, upsampling.unit) == (7, "step")
    result, gif = export_gif(qtbot, lesson, upsampling, tmp_path / "fcn.gif", fps=1, width=600)
    assert (gif.n_frames, gif.size[0], gif.info["duration"]) == (7, 600, 1000)
    assert len({frame_pixels(gif, i) for i in range(7)}) == 7  # a new step appears in every frame
    assert lesson.state.to_dict() == before and lesson.tabs.currentIndex() == 0


def test_the_transposed_stamping_exports_a_frame_per_stamp(qtbot, lesson, tmp_path):
    from tests.ui.gif_export import export_gif, frame_pixels

    lesson.state.stepper.set_step(4)
    _, stamping = lesson.animations()
    assert stamping.frame_count == 10  # nothing stamped, then each of the 3×3 input cells
    result, gif = export_gif(qtbot, lesson, stamping, tmp_path / "stamps.gif", fps=3, width=500, first=2, last=10)
    assert (gif.n_frames, gif.size[0], gif.info["duration"]) == (9, 500, 330)
    assert frame_pixels(gif, 0) != frame_pixels(gif, 8)
    assert lesson.state.stepper.step == 4 and lesson.state.tab == 0
    lesson.state.stepper.set_kernel_size(1)
    lesson.state.stepper.stride = 1
    lesson.state.stepper.padding = 2
    _, impossible = lesson.animations()
    assert impossible.frame_count == 0 and "impossible" in impossible.unavailable
