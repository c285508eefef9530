"""The network lesson: graph and summary, live training in a worker, transfer learning, model sharing, state."""


import pytest
import torch
from PySide6.QtCore import QPoint, QThreadPool, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QSpinBox

from explainer.models import DigitCNN, load_model
from explainer.ui.lessons.network import create
from explainer.ui.lessons.network.state import MODEL_CHOICES, USER_MODEL, NetworkState, State
from explainer.ui.state import AppState, Commands


def parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.fixture
def lesson(qtbot):
    widget = create(AppState(), Commands())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.description is not None and widget.data is not None, timeout=20000)
    qtbot.waitUntil(lambda: not widget.is_busy(), timeout=20000)
    yield widget
    widget.shutdown()


def click_indicator(qtbot, button):
    """Click a check box or radio button on its indicator (its centre may lie past the text)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))


def quick_settings(lesson, epochs=1, digits=300, hidden=64):
    state = lesson.state
    state.conv1, state.conv2, state.hidden = 8, 16, hidden
    state.batch_size, state.lr, state.epochs, state.train_digits = 8, 0.02, epochs, digits


def train(qtbot, lesson, **settings):
    quick_settings(lesson, **settings)
    with qtbot.waitSignal(lesson.training_finished, timeout=60000) as finished:
        qtbot.mouseClick(lesson.findChild(QPushButton, "startTrainingButton"), Qt.MouseButton.LeftButton)
        assert lesson.is_training()
    return finished.args[0]


def test_a_residual_sum_is_drawn_with_its_shortcut_and_explained_by_the_photo_lesson(qtbot, lesson):
    """The bundled CIFAR-10 network has residual blocks: each sum reads its block's input and its last conv."""
    lesson.state.model_name = "cifar10"
    qtbot.waitUntil(lambda: 'Model: "cifar10"' in lesson.summary.toPlainText() and not lesson.is_busy(),
                    timeout=20000)
    assert "features.3.add (Sum)" in lesson.summary.toPlainText()
    lesson.state.selected_layer = "features.3.add"
    button = lesson.findChild(QPushButton, "explainLayerButton")
    assert "features.3.add" in lesson.layer_info.text() and button.text() == "Explain Sum → “photo” lesson"
    requested = []
    lesson.commands.lesson_requested.connect(requested.append)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert requested == ["photo"]


def non_default_state() -> NetworkState:
    return NetworkState(model_name="cifar10", selected_layer="features.0", tab=1, conv1=12, conv2=24, hidden=32,
                        kernel=3, pool="avg", dropout=0.5, lr=0.005, batch_size=32, epochs=4, train_digits=500,
                        augment=True, seed=7, transfer_base="bundled", task="digit d vs the rest",
                        head="sigmoid1", task_digit=3)


# ---------------------------------------------------------------- architecture

def test_summary_and_graph(qtbot, lesson):
    text = lesson.findChild(QPlainTextEdit, "summaryText").toPlainText()
    total = parameters(load_model("mnist"))
    assert f"Total params: {total:,}" in text
    assert "features.0 (Conv2d)" in text and "(1, 32, 24, 24)" in text
    qtbot.mouseClick(lesson.findChild(QPushButton, "copySummaryButton"), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text
    # Clicking the second convolution's box selects it, shows its weights and offers the convolution lesson.
    qtbot.mouseClick(lesson.graph.viewport(), Qt.MouseButton.LeftButton, pos=lesson.graph.box_center("features.3"))
    assert lesson.state.selected_layer == "features.3"
    assert "features.3" in lesson.findChild(QLabel, "layerInfo").text()
    assert lesson.layer_weights.values.shape == (64, 5, 5)
    requested = []
    lesson.commands.lesson_requested.connect(requested.append)
    qtbot.mouseClick(lesson.findChild(QPushButton, "explainLayerButton"), Qt.MouseButton.LeftButton)
    assert requested == ["convolution"]
    # Set from the state: the dense layer's weight matrix.
    lesson.state.selected_layer = "classifier.5"
    assert "Weight matrix 10 × 128" in lesson.layer_info.text()
    assert lesson.layer_weights.values.shape == (1, 10, 128)


def test_fcn_graph_draws_its_skip_fusions_readably(qtbot, lesson):
    from PySide6.QtWidgets import QGraphicsPathItem

    with qtbot.waitSignal(lesson.summary_shown, timeout=20000):
        lesson.state.show_model("fcn8s")
    assert lesson.architecture.model_combo.currentData() == "fcn8s"
    assert "upscore8 (ConvTranspose2d)" in lesson.summary.toPlainText()
    arcs = [item for item in lesson.graph.scene().items() if isinstance(item, QGraphicsPathItem)
            and item.pen().color().name() == "#d55e00" and item.path().boundingRect().width() > 50]
    # Skips over other boxes: pool4 → score_pool4, pool3 → score_pool3, and each ×2 upsampling into its add.
    assert len(arcs) == 4
    # Forty-odd layers do not fit at a readable size: the graph keeps MIN_SCALE and scrolls.
    assert lesson.graph.transform().m11() == pytest.approx(lesson.graph.MIN_SCALE)
    assert lesson.graph.horizontalScrollBar().maximum() > 0
    with qtbot.waitSignal(lesson.summary_shown, timeout=20000):
        lesson.state.show_model("mnist")
    assert lesson.graph.transform().m11() >= lesson.graph.MIN_SCALE  # a short network is fitted


def test_choosing_a_model_in_the_combo_sets_the_state_and_a_late_answer_is_not_shown(qtbot, lesson):
    lesson.state.selected_layer = "features.0"
    combo = lesson.architecture.model_combo
    combo.setFocus()
    with qtbot.waitSignal(lesson.summary_shown, timeout=20000):
        qtbot.keyClick(combo, Qt.Key.Key_Down)  # mnist → cifar10
    assert lesson.state.model_name == "cifar10"
    assert lesson.state.selected_layer == ""  # the old model's layer is not kept
    assert 'Model: "cifar10"' in lesson.summary.toPlainText()
    # Two quick choices: only the last one is shown, even if the first answer comes later.
    lesson.state.show_model("fcn32s")
    lesson.state.show_model("mnist")
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)
    assert 'Model: "mnist"' in lesson.summary.toPlainText()
    assert combo.currentData() == "mnist"


def test_your_model_shows_the_model_in_use_with_its_own_sizes(qtbot, lesson):
    lesson.state.show_model(USER_MODEL)
    assert "No model of yours yet" in lesson.summary.toPlainText()
    model = DigitCNN(conv1=8, conv2=16, hidden=64)
    with qtbot.waitSignal(lesson.summary_shown, timeout=20000):
        lesson.app_state.set_digit_model(model, "your trained model")
    text = lesson.summary.toPlainText()
    assert f"Total params: {parameters(model):,}" in text
    assert "classifier.0 (Flatten)" in text and "(1, 256)" in text and "(1, 64)" in text
    assert "(1, 1024)" not in text and "184,586" not in text


# ---------------------------------------------------------------- training

def test_training_in_a_worker_reports_and_lowers_loss(qtbot, lesson):
    assert train(qtbot, lesson, hidden=32) is True
    assert len(lesson.history.loss) == 38 and len(lesson.history.val_loss) == 1
    assert lesson.history.val_loss[0] < 2.0  # an untrained network sits at ln(10) = 2.30
    assert lesson.progress.value() == 1
    assert len(lesson.curves.train_loss_curve.getData()[0]) == 38
    assert lesson.training.kernels.maps.values.shape == (8, 5, 5)
    assert lesson.findChild(QPushButton, "useModelButton").isEnabled()
    model = lesson.state.trained_model
    assert model.classifier[-1].in_features == 32
    assert f"{parameters(model):,} parameters" in lesson.train_status.text()
    # The transfer panel counts the trained model's own widths: 32 × 2 + 2.
    lesson.state.transfer_base = "yours"
    qtbot.waitUntil(lambda: "32 × 2 + 2 = 66" in lesson.transferring.plan_label.text(), timeout=10000)
    assert f"{parameters(model) - 330:,}</b> stay frozen" in lesson.transferring.plan_label.text()


def test_bad_settings_are_explained_and_nothing_starts(qtbot, lesson):
    lesson.state.conv1 = 0  # e.g. set by a script; the spin box cannot go there
    lesson.start_training()
    assert not lesson.is_training()
    assert "conv1 must be between 1 and 32" in lesson.train_status.text()


def test_cancel_stops_training(qtbot, lesson):
    quick_settings(lesson, epochs=50, digits=2000)
    lesson.start_training()
    qtbot.waitUntil(lambda: len(lesson.history.loss) > 3, timeout=20000)
    with qtbot.waitSignal(lesson.training_finished, timeout=5000) as finished:
        qtbot.mouseClick(lesson.findChild(QPushButton, "cancelTrainingButton"), Qt.MouseButton.LeftButton)
    assert finished.args == [False]
    assert lesson.state.trained_model is None
    assert "Cancelled" in lesson.train_status.text()


def test_pause_and_resume(qtbot, lesson):
    quick_settings(lesson, epochs=50, digits=2000)
    lesson.start_training()
    qtbot.waitUntil(lambda: len(lesson.history.loss) > 2, timeout=20000)
    pause = lesson.findChild(QPushButton, "pauseTrainingButton")
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert pause.text() == "Resume" and "Paused" in lesson.train_status.text()
    qtbot.wait(300)
    seen = len(lesson.history.loss)
    qtbot.wait(500)
    assert len(lesson.history.loss) <= seen + 1  # at most the batch in flight
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(lesson.history.loss) > seen + 3, timeout=20000)
    with qtbot.waitSignal(lesson.training_finished, timeout=5000):
        lesson.cancel_training()
    assert pause.text() == "Pause" and not pause.isChecked()


def test_use_save_and_load_a_trained_model(qtbot, lesson, tmp_path):
    assert train(qtbot, lesson)
    received = []
    lesson.app_state.events.digit_model.connect(received.append)
    qtbot.mouseClick(lesson.findChild(QPushButton, "useModelButton"), Qt.MouseButton.LeftButton)
    trained = lesson.state.trained_model
    assert received == [trained]
    assert lesson.app_state.digit_model_name == "your trained model"
    assert "your trained model" in lesson.training.in_use_label.text()
    qtbot.mouseClick(lesson.findChild(QPushButton, "bundledModelButton"), Qt.MouseButton.LeftButton)
    assert lesson.app_state.digit_model is None and "bundled digit CNN" in lesson.training.in_use_label.text()

    path = tmp_path / "mine.pt"
    assert lesson.save_model(path)
    lesson.load_model_from(path)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert lesson.state.trained_model is not trained
    for a, b in zip(trained.state_dict().values(), lesson.state.trained_model.state_dict().values()):
        assert torch.equal(a, b)
    assert "mine.pt" in lesson.train_status.text()
    qtbot.mouseClick(lesson.findChild(QPushButton, "useModelButton"), Qt.MouseButton.LeftButton)
    assert lesson.app_state.digit_model is lesson.state.trained_model
    assert lesson.app_state.digit_model_name == "your trained model (mine.pt)"

    # A weights file dropped on the lesson is loaded too; a picture is left to the window.
    lesson.state.tab = 0
    assert lesson.open_file(path) and lesson.state.tab == 1
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert "Loaded a model" in lesson.train_status.text()
    assert not lesson.open_file(tmp_path / "photo.png")

    messages = []
    lesson.commands.message_posted.connect(lambda text, ms: messages.append(text))
    loaded = lesson.state.trained_model
    for name, content in (("bad.pt", b"not a model"), ("empty.pt", b"")):
        bad = tmp_path / name
        bad.write_bytes(content)
        lesson.load_model_from(bad)
        qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
        assert "Could not load that file" in lesson.train_status.text()
        assert lesson.state.trained_model is loaded  # a bad file changes nothing
    lesson.load_model_from(tmp_path / "missing.pt")
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert "not found" in lesson.train_status.text()
    assert len(messages) == 3 and all(m.startswith("Could not load the model") for m in messages)


def test_other_lessons_opened_later_use_the_model(qtbot, window):
    network = window.show_lesson("network")
    model = DigitCNN(conv1=8, conv2=16, hidden=64).eval()
    network.state.set_trained_model(model)
    qtbot.mouseClick(network.findChild(QPushButton, "useModelButton"), Qt.MouseButton.LeftButton)
    assert window.app_state.digit_model is model
    for lesson_id in ("draw", "dense"):
        other = window.show_lesson(lesson_id)
        qtbot.waitUntil(lambda o=other: any("your trained model" in label.text()
                                            for label in o.findChildren(QLabel)), timeout=20000)
        qtbot.waitUntil(lambda o=other: not o.is_busy(), timeout=20000)


def test_closing_during_training_stops_the_worker(qtbot, window):
    lesson = window.show_lesson("network")
    qtbot.waitUntil(lambda: lesson.data is not None, timeout=10000)
    quick_settings(lesson, epochs=50, digits=2000)
    lesson.start_training()
    qtbot.waitUntil(lambda: len(lesson.history.loss) > 2, timeout=20000)
    window.close()
    # close() asks the run to stop and returns at once, without waiting; the run ends at its next batch.
    assert not lesson.is_training() and not lesson.is_busy()
    assert QThreadPool.globalInstance().waitForDone(10000)


def test_no_training_data_says_where_to_point(qtbot, monkeypatch, tmp_path):
    from explainer.ui.lessons.network import jobs

    monkeypatch.setattr(jobs, "bundled_digits", lambda: None)
    widget = create(AppState(), Commands())
    qtbot.addWidget(widget)
    messages = []
    widget.commands.message_posted.connect(lambda text, ms: messages.append(text))
    qtbot.waitUntil(lambda: not widget.is_busy(), timeout=20000)
    assert not widget.findChild(QPushButton, "startTrainingButton").isEnabled()
    assert "MNIST folder" in widget.training.data_label.text()
    widget.use_data_folder(tmp_path)
    assert widget.state.data_folder == str(tmp_path)
    qtbot.waitUntil(lambda: not widget.is_busy() and widget.state.data_folder == "", timeout=20000)
    assert len(messages) == 1 and "Could not use that folder" in messages[0] and "no MNIST" in messages[0]
    assert not widget.findChild(QPushButton, "startTrainingButton").isEnabled()
    widget.shutdown()


# ---------------------------------------------------------------- transfer learning

def test_transfer_learning_in_the_lesson(qtbot, lesson):
    qtbot.mouseClick(lesson.tabs.tabBar(), Qt.MouseButton.LeftButton, pos=lesson.tabs.tabBar().tabRect(2).center())
    assert lesson.state.tab == 2
    base = load_model("mnist")
    qtbot.waitUntil(lambda: "128 × 2 + 2 = 258" in lesson.transferring.plan_label.text(), timeout=10000)
    with qtbot.waitSignal(lesson.transfer_finished, timeout=30000) as done:
        qtbot.mouseClick(lesson.findChild(QPushButton, "transferButton"), Qt.MouseButton.LeftButton)
    extra = done.args[0]
    assert extra["trained"] == 258 and extra["frozen"] == parameters(base) - 1290
    assert "<b>258</b>" in lesson.transfer_result.text() and "(128 × 2 + 2 = 258)" in lesson.transfer_result.text()
    click_indicator(qtbot, lesson.transferring.sigmoid_radio)
    assert lesson.state.head == "sigmoid1"
    lesson.state.task = "digit d vs the rest"
    assert lesson.transferring.task_combo.currentData() == "digit d vs the rest"
    assert lesson.transferring.digit_spin.isEnabled()
    lesson.state.task_digit = 3
    with qtbot.waitSignal(lesson.transfer_finished, timeout=30000) as done:
        lesson.start_transfer()
    assert done.args[0]["trained"] == 129
    assert "digit 3 vs the rest" in lesson.transfer_table.text() and "1 sigmoid unit" in lesson.transfer_table.text()
    for key, value in lesson.transferred_model.state_dict().items():
        if not key.startswith("classifier.5"):
            assert torch.equal(value, base.state_dict()[key])


def test_transfer_counts_come_from_the_model_in_use(qtbot, lesson):
    """A user model with 64 hidden neurons: 64 × 2 + 2 = 130 trained parameters, never 128 × 2 + 2."""
    model = DigitCNN(conv1=8, conv2=16, hidden=64).eval()
    lesson.app_state.set_digit_model(model, "your trained model")
    plan = lesson.transferring.plan_label
    qtbot.waitUntil(lambda: "64 × 2 + 2 = 130" in plan.text(), timeout=10000)
    assert "your trained model" in plan.text() and f"{parameters(model) - 650:,}</b> stay frozen" in plan.text()
    assert "your trained model" in lesson.transferring.base_combo.itemText(0)
    lesson.state.head = "sigmoid1"
    assert lesson.transferring.sigmoid_radio.isChecked()
    qtbot.waitUntil(lambda: "64 × 1 + 1 = 65" in plan.text(), timeout=10000)
    with qtbot.waitSignal(lesson.transfer_finished, timeout=30000) as done:
        lesson.start_transfer()
    assert done.args[0]["trained"] == 65 and done.args[0]["frozen"] == parameters(model) - 650
    result = lesson.transfer_result.text()
    assert "<b>65</b>" in result and "(64 × 1 + 1 = 65)" in result and "128" not in result
    lesson.state.head = "softmax2"
    with qtbot.waitSignal(lesson.transfer_finished, timeout=30000) as done:
        lesson.start_transfer()
    assert done.args[0]["trained"] == 130
    assert "(64 × 2 + 2 = 130)" in lesson.transfer_result.text()
    # Starting from "yours" with nothing trained here says what to do.
    lesson.state.transfer_base = "yours"
    assert "No model of yours yet" in plan.text()
    lesson.start_transfer()
    assert "No model of yours yet" in lesson.transfer_result.text() and not lesson.is_busy()


# ---------------------------------------------------------------- state, binding and sessions

def test_state_round_trip_keeps_every_field():
    state = non_default_state()
    state.validate()
    again = State.from_dict(state.to_dict())
    for name in state.to_dict():
        assert getattr(again, name) == getattr(state, name), name
    assert again.to_dict() == state.to_dict()
    assert "trained_model" not in state.to_dict()  # the model is not part of a session
    from explainer.models import MODEL_NAMES
    from explainer.models.text import TEXT_MODELS

    # Every image model is offered; the text models have their own lesson.
    assert set(MODEL_CHOICES) - {USER_MODEL} == set(MODEL_NAMES) - set(TEXT_MODELS)


@pytest.mark.parametrize("field, value, message", [
    ("conv1", 99, "conv1 must be between 1 and 32"),
    ("lr", 2.0, "lr must be between"),
    ("kernel", 4, "kernel size"),
    ("pool", "median", "pooling"),
    ("model_name", "resnet", "model shown"),
    ("head", "softmax10", "output layer"),
    ("task_digit", 12, "digit"),
    ("tab", 5, "tab"),
    ("hidden", "many", "whole number"),
    ("colour", 1, "unknown field"),
])
def test_malformed_state_is_refused_and_nothing_changes(qtbot, lesson, field, value, message):
    lesson.state.hidden = 32
    before = lesson.state.to_dict()
    data = dict(before, **{field: value})
    with pytest.raises(ValueError, match=message):
        lesson.restore_state(data)
    assert lesson.state.to_dict() == before
    assert lesson.training.hidden_spin.value() == 32


def test_widgets_follow_the_state_and_the_state_follows_the_widgets(qtbot, lesson):
    t = lesson.training
    lesson.state.update_from(non_default_state())
    assert lesson.tabs.currentIndex() == 1
    assert (t.conv1_spin.value(), t.conv2_spin.value(), t.hidden_spin.value()) == (12, 24, 32)
    assert t.kernel_combo.currentData() == 3 and t.pool_combo.currentData() == "avg"
    assert t.dropout_spin.value() == pytest.approx(0.5) and t.lr_spin.value() == pytest.approx(0.005)
    assert (t.batch_spin.value(), t.epochs_spin.value(), t.digits_spin.value(), t.seed_spin.value()) == (32, 4, 500, 7)
    assert t.augment_check.isChecked()
    x = lesson.transferring
    assert x.base_combo.currentData() == "bundled" and x.sigmoid_radio.isChecked() and x.digit_spin.value() == 3
    assert "500" in t.data_label.text()

    # Like a person: keys in spin boxes, a click on a check box and on a tab.
    t.conv1_spin.setFocus()
    qtbot.keyClick(t.conv1_spin, Qt.Key.Key_Up)
    assert lesson.state.conv1 == 13
    t.hidden_spin.selectAll()
    qtbot.keyClicks(t.hidden_spin, "48")
    assert lesson.state.hidden == 48
    click_indicator(qtbot, t.augment_check)
    assert lesson.state.augment is False
    t.pool_combo.setFocus()
    qtbot.keyClick(t.pool_combo, Qt.Key.Key_Up)
    assert lesson.state.pool == "max"
    bar = lesson.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    assert lesson.state.tab == 2
    click_indicator(qtbot, lesson.transferring.softmax_radio)
    assert lesson.state.head == "softmax2"
    lesson.transferring.digit_spin.setFocus()
    qtbot.keyClick(lesson.transferring.digit_spin, Qt.Key.Key_Down)
    assert lesson.state.task_digit == 2
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(0).center())
    assert lesson.state.tab == 0
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)
    assert 'Model: "cifar10"' in lesson.summary.toPlainText()
    assert lesson.state.selected_layer == "features.0" and "features.0" in lesson.layer_info.text()


def test_session_round_trip(qtbot, window, make_window, tmp_path):
    lesson = window.show_lesson("network")
    lesson.state.update_from(non_default_state())
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)
    path = window.save_session(tmp_path / "network.convlens")
    other = make_window()
    other.load_session(path)
    restored = other.lesson("network")
    assert restored is not None and other.current_lesson_id == "network"
    qtbot.waitUntil(lambda: restored.description is not None and not restored.is_busy(), timeout=20000)
    assert restored.state.to_dict() == lesson.state.to_dict()
    assert restored.tabs.currentIndex() == 1
    assert restored.findChild(QSpinBox, "conv1Spin").value() == 12
    assert restored.findChild(QSpinBox, "taskDigitSpin").value() == 3
    assert restored.transferring.sigmoid_radio.isChecked()
    assert restored.architecture.model_combo.currentData() == "cifar10"
    assert restored.summary.toPlainText() == lesson.summary.toPlainText()
    assert 'Model: "cifar10"' in restored.summary.toPlainText()
    assert restored.layer_info.text() == lesson.layer_info.text() and "features.0" in restored.layer_info.text()


def test_a_hidden_lesson_waits_until_shown_for_a_new_digit_model(qtbot, lesson):
    lesson.state.show_model(USER_MODEL)
    assert "No model of yours yet" in lesson.summary.toPlainText()
    lesson.hide()
    model = DigitCNN(conv1=4, conv2=8, hidden=16).eval()
    lesson.app_state.set_digit_model(model, "your trained model")
    assert lesson.is_stale() and not lesson.is_busy()
    assert "No model of yours yet" in lesson.summary.toPlainText()
    with qtbot.waitSignal(lesson.summary_shown, timeout=20000):
        lesson.show()
    assert f"Total params: {parameters(model):,}" in lesson.summary.toPlainText()
    assert "(1, 16)" in lesson.summary.toPlainText() and not lesson.is_stale()


# ---------------------------------------------------------------- how it looks


def test_summary_totals_are_visible_at_1400x900(qtbot, window):
    lesson = window.show_lesson("network")
    qtbot.waitUntil(lambda: lesson.description is not None and not lesson.is_busy(), timeout=20000)
    assert window.size().width() == 1400 and window.size().height() == 900
    summary = lesson.summary
    seen = []

    def laid_out():
        seen.append((summary.viewport().size().toTuple(), summary.verticalScrollBar().value()))
        return len(seen) > 2 and seen[-1] == seen[-2] == seen[-3]

    qtbot.waitUntil(laid_out, timeout=5000)
    assert summary.verticalScrollBar().value() == 0
    for line in ("Total params", "Trainable params", "Non-trainable params"):
        cursor = summary.document().find(line)
        assert not cursor.isNull(), line
        rect = summary.cursorRect(cursor)
        assert 0 <= rect.top() and rect.bottom() <= summary.viewport().height(), (line, rect)
    # Every layer is still listed, one line each.
    names = [name for name, _ in load_model("mnist").named_modules() if name and "." in name]
    text = summary.toPlainText()
    assert all(f"{name} (" in text for name in names)


# ---------------------------------------------------------------- export animation: the run replayed


def test_without_a_run_there_is_nothing_to_replay_and_it_says_so(lesson):
    from explainer.ui.lessons.network.replay import NO_RUN

    (animation,) = lesson.animations()
    assert animation.frame_count == 0 and animation.unavailable == NO_RUN
    assert "No training run to export yet" in NO_RUN


def test_a_run_is_recorded_and_replayed_as_a_gif(qtbot, lesson, tmp_path):
    from explainer.ui.lessons.network.replay import RUNNING
    from tests.ui.gif_export import export_gif, frame_pixels

    quick_settings(lesson, epochs=2, digits=300)
    lesson.start_training()
    assert lesson.animations()[0].unavailable == RUNNING and lesson.animations()[0].frame_count == 0
    with qtbot.waitSignal(lesson.training_finished, timeout=60000):
        pass
    snapshots = lesson.recording.snapshots
    # A snapshot at batch 1, every fifth batch and each epoch's end: 8 + 1 per epoch of 38 batches.
    assert len(snapshots) == 18
    assert [s.batches for s in snapshots[:3]] == [1, 5, 10] and snapshots[8].epochs == 1
    assert snapshots[-1].batches == 76 and snapshots[-1].kernels.shape == (8, 5, 5)
    lesson.state.tab = 0
    (animation,) = lesson.animations()
    assert animation.frame_count == 18
    result, gif = export_gif(qtbot, lesson, animation, tmp_path / "run.gif", fps=10, width=500)
    assert (gif.n_frames, gif.size[0], gif.info["duration"]) == (18, 500, 100)
    assert frame_pixels(gif, 0) != frame_pixels(gif, 17)
    # Afterwards the page shows the whole run again, on the tab it was on.
    assert lesson.state.tab == 0
    assert len(lesson.curves.train_loss_curve.getData()[0]) == 76
    assert lesson.curves.loss_plot.getViewBox().autoRangeEnabled()[0]
