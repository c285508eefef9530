"""The segmentation lesson: ground truth from coloured strokes, metrics, transposed-conv stepper."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from explainer import core
from explainer.core import error_split
from explainer.data.scenes import NUM_CLASSES
from explainer.ui.lessons.segmentation import SegmentationLesson
from explainer.ui.state import AppState



@pytest.fixture
def lesson(qtbot):
    widget = SegmentationLesson(AppState())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitUntil(lambda: not widget.is_busy(), timeout=20000)
    yield widget
    widget.shutdown()


def test_drawing_with_a_class_colour_gives_that_ground_truth(qtbot, lesson):
    lesson.clear()
    qtbot.mouseClick(lesson.findChild(QPushButton, "classButton7"), Qt.MouseButton.LeftButton)
    assert lesson.pad.current_tag == 7
    lesson.pad.add_stroke([(20, 20), (60, 20), (40, 80)])
    lesson.set_class(2)
    lesson.pad.add_stroke([(75, 20), (75, 80)])
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    truth = lesson.seg.truth
    assert set(np.unique(truth)) == {0, 8, 3}  # labels are digit + 1
    drawn = lesson.seg.image
    # Ground truth marks exactly the pixels where a stroke is at least 0.5 bright.
    assert ((truth > 0) == (drawn >= 0.5)).mean() > 0.99
    lesson.pad.undo()
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert set(np.unique(lesson.seg.truth)) == {0, 8}


def test_metrics_panel_equals_core_on_a_known_case(qtbot, lesson):
    truth = np.zeros((96, 96), np.int64)
    truth[10:20, 10:40] = 4
    pred = truth.copy()
    pred[10:20, 30:40] = 5  # a third of the 3 is called a 4
    models = {name: _Fixed(pred) for name in ("fcn32s", "fcn16s", "fcn8s")}
    from explainer.ui.lessons.segmentation import segment

    lesson.results = segment(models, np.zeros((96, 96), np.float32), truth)
    lesson.seg.truth = truth
    lesson._show_results()
    table = lesson.metrics
    miou = core.mean_iou(pred, truth, NUM_CLASSES)
    assert table.item(0, 2).text() == f"{miou:.3f} {core.grade_iou(miou)}"
    assert table.item(1, 2).text() == f"{core.pixel_accuracy(pred, truth):.2%}"
    ious = core.iou_per_class(pred, truth, NUM_CLASSES)
    assert table.item(6 + 4, 0).text() == f"{ious[4]:.3f} {core.grade_iou(ious[4])}"
    assert table.item(6 + 1, 0).text() == "absent"
    split = error_split(pred, truth)
    assert split["wrong"] == 100 and split["boundary"] == 28  # the wrong block's outer rows/column touch the edge
    assert table.item(2, 0).text() == "100" and table.item(3, 0).text() == "28" and table.item(4, 0).text() == "72"
    assert "pixel accuracy" in lesson.dominance.text()


class _Fixed(torch.nn.Module):
    """A stand-in model that always predicts the same map (for checking the metrics panel)."""

    def __init__(self, pred):
        super().__init__()
        self.pred = torch.from_numpy(pred)

    def forward(self, x):
        return F.one_hot(self.pred, NUM_CLASSES).permute(2, 0, 1)[None].float()


def test_transposed_stepper_equals_torch(qtbot, lesson):
    stepper = lesson.stepper
    for k, s, p in [(3, 2, 0), (4, 2, 1), (2, 3, 0), (5, 1, 2)]:
        stepper.size_spin.setValue(k)
        stepper.stride_spin.setValue(s)
        stepper.padding_spin.setValue(p)
        stepper.k = np.arange(k * k, dtype=float).reshape(k, k) - 3
        stepper.set_step(stepper.x.size)
        ref = F.conv_transpose2d(torch.from_numpy(stepper.x)[None, None], torch.from_numpy(stepper.k)[None, None],
                                 stride=s, padding=p)[0, 0].numpy()
        np.testing.assert_allclose(stepper.partial, ref)
        assert stepper.output_grid.values.shape == ref.shape
        assert f"= <b>{ref.shape[0]}</b>" in stepper.formula.text()
    stepper.size_spin.setValue(3)
    stepper.stride_spin.setValue(2)
    stepper.padding_spin.setValue(0)
    stepper.set_step(1)
    assert stepper.counts.sum() == 9  # one stamp of a 3x3 kernel
    assert stepper.compare[3].values[2, 2] == 4 and stepper.compare[4].values[3:5, 3:5].min() == 4


def test_random_scene_is_segmented_by_all_three(qtbot, lesson):
    with qtbot.waitSignal(lesson.results_shown, timeout=20000):
        lesson.random_scene(seed=3)
    for variant in ("fcn32s", "fcn16s", "fcn8s"):
        entry = lesson.results["variants"][variant]
        assert entry["pred"].shape == (96, 96)
        assert entry["miou"] == pytest.approx(core.mean_iou(entry["pred"], lesson.seg.truth, NUM_CLASSES))


def test_loaded_picture_has_no_ground_truth(qtbot, lesson, tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(img).line([(60, 15), (60, 105)], fill=0, width=8)
    path = tmp_path / "one.png"
    img.save(path)
    lesson.open_file(path)
    qtbot.waitUntil(lambda: not lesson.is_busy() and lesson.seg.source.startswith("loaded"), timeout=10000)
    assert lesson.seg.truth is None
    assert "none for a loaded picture" in lesson.panel_titles["truth"].text
    qtbot.waitUntil(lambda: lesson.results is not None and lesson.results["truth"] is None, timeout=10000)
    assert lesson.panel_titles["errors"].text == "errors: no truth"  # no stale error map from the last scene
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    messages = []
    lesson.app_state.message_posted.connect(lambda text, _ms: messages.append(text))
    lesson.open_file(bad)
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert "Could not use that picture" in messages[0]


def test_live_copies_predict_what_the_bundled_fcns_do(qtbot, lesson):
    from explainer.data.scenes import make_scene
    from explainer.ui.lessons.segmentation import segment

    rng = np.random.default_rng(11)
    for _ in range(3):
        image, truth, _ = make_scene(lesson.digits, lesson.digit_labels, rng)
        live = segment(lesson.live_models, image, truth)["variants"]
        bundled = segment(lesson.models, image, truth)["variants"]
        for variant in ("fcn32s", "fcn16s", "fcn8s"):
            assert (live[variant]["pred"] == bundled[variant]["pred"]).mean() > 0.999
            assert live[variant]["miou"] == pytest.approx(bundled[variant]["miou"], abs=0.01)


def test_a_refresh_repaints_only_what_changed(qtbot, lesson):
    """New numbers must not re-lay out (and so repaint) the whole lesson: it is what keeps drawing live."""
    from PySide6.QtCore import QEvent, QObject

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
    qtbot.wait(50)
    counter = Counter()
    watched = [lesson.panels.viewport(), lesson.metrics.viewport(), lesson.findChild(QPushButton, "classButton3"),
               lesson.scene_button]
    lesson.panels.viewport().setObjectName("panelsViewport")
    lesson.metrics.viewport().setObjectName("metricsViewport")
    for widget in watched:
        widget.installEventFilter(counter)
    old_note = lesson.dominance.text()
    lesson.set_class(1)
    with qtbot.waitSignal(lesson.results_shown, timeout=20000):
        lesson.pad.add_stroke([(10, 60), (10, 90)])  # a stroke drawn as a 1 in an empty corner
    qtbot.wait(100)
    assert lesson.dominance.text() != old_note  # the numbers did change
    assert {"panelsViewport", "metricsViewport"} <= counter.painted
    assert not {"classButton3", "randomSceneButton"} & counter.painted


def test_error_places_split_the_wrong_pixels_like_the_table(qtbot, lesson):
    from explainer.ui.lessons.segmentation import error_places

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
    shown = lesson.views["errors"].image
    fcn8 = lesson.results["variants"]["fcn8s"]
    assert shown.shape == (96, 96, 3)
    assert (shown == [230, 159, 0]).all(axis=2).sum() == fcn8["errors"]["boundary"]
