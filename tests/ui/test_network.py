"""The network lesson: graph and summary, live training in a worker, transfer learning, model sharing."""

import time

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton

from explainer.models import load_model
from explainer.ui.app import MainWindow
from explainer.ui.lessons.network import NetworkLesson
from explainer.ui.state import AppState


@pytest.fixture
def lesson(qtbot):
    widget = NetworkLesson(AppState())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.description is not None, timeout=10000)
    yield widget
    widget.shutdown()


def quick_settings(lesson, epochs=1, digits=300):
    lesson.conv1_spin.setValue(8)
    lesson.conv2_spin.setValue(16)
    lesson.batch_spin.setValue(8)
    lesson.lr_spin.setValue(0.02)
    lesson.epochs_spin.setValue(epochs)
    lesson.digits_spin.setValue(digits)


def test_summary_and_graph(qtbot, lesson):
    text = lesson.findChild(QPlainTextEdit, "summaryText").toPlainText()
    total = sum(p.numel() for p in load_model("mnist").parameters())
    assert f"Total params: {total:,}" in text
    assert "features.0 (Conv2d)" in text and "(1, 32, 24, 24)" in text
    qtbot.mouseClick(lesson.findChild(QPushButton, "copySummaryButton"), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text
    # Clicking the second convolution's box shows its weights and offers the convolution lesson.
    qtbot.mouseClick(lesson.graph.viewport(), Qt.MouseButton.LeftButton, pos=lesson.graph.box_center("features.3"))
    assert "features.3" in lesson.findChild(QLabel, "layerInfo").text()
    assert lesson.layer_weights.values.shape == (64, 5, 5)
    requested = []
    lesson.app_state.lesson_requested.connect(requested.append)
    qtbot.mouseClick(lesson.findChild(QPushButton, "explainLayerButton"), Qt.MouseButton.LeftButton)
    assert requested == ["convolution"]


def test_fcn_graph_draws_its_skip_fusions_readably(qtbot, lesson):
    from PySide6.QtWidgets import QGraphicsPathItem

    with qtbot.waitSignal(lesson.summary_shown, timeout=20000):
        lesson.show_model("fcn8s")
    assert "upscore8 (ConvTranspose2d)" in lesson.summary.toPlainText()
    arcs = [item for item in lesson.graph.scene().items() if isinstance(item, QGraphicsPathItem)
            and item.pen().color().name() == "#d55e00" and item.path().boundingRect().width() > 50]
    # Skips over other boxes: pool4 → score_pool4, pool3 → score_pool3, and each ×2 upsampling into its add.
    assert len(arcs) == 4
    # Forty-odd layers do not fit at a readable size: the graph keeps MIN_SCALE and scrolls.
    assert lesson.graph.transform().m11() == pytest.approx(lesson.graph.MIN_SCALE)
    assert lesson.graph.horizontalScrollBar().maximum() > 0
    with qtbot.waitSignal(lesson.summary_shown, timeout=20000):
        lesson.show_model("mnist")
    assert lesson.graph.transform().m11() >= lesson.graph.MIN_SCALE  # a short network is fitted


def test_training_in_a_worker_reports_and_lowers_loss(qtbot, lesson):
    quick_settings(lesson)
    with qtbot.waitSignal(lesson.training_finished, timeout=60000) as finished:
        qtbot.mouseClick(lesson.findChild(QPushButton, "startTrainingButton"), Qt.MouseButton.LeftButton)
        assert lesson.is_training()
    assert finished.args == [True]
    assert len(lesson.history["loss"]) == 38 and len(lesson.history["val_loss"]) == 1
    assert lesson.history["val_loss"][0] < 2.0  # an untrained network sits at ln(10) = 2.30
    assert lesson.progress.value() == 1
    assert lesson.train_loss_curve.getData()[0] is not None
    assert lesson.kernels_view.values.shape == (8, 5, 5)
    assert lesson.findChild(QPushButton, "useModelButton").isEnabled()


def test_cancel_stops_training(qtbot, lesson):
    quick_settings(lesson, epochs=50, digits=2000)
    lesson.start_training()
    qtbot.waitUntil(lambda: len(lesson.history["loss"]) > 3, timeout=20000)
    with qtbot.waitSignal(lesson.training_finished, timeout=5000) as finished:
        qtbot.mouseClick(lesson.findChild(QPushButton, "cancelTrainingButton"), Qt.MouseButton.LeftButton)
    assert finished.args == [False]
    assert lesson.trained_model is None
    assert "Cancelled" in lesson.train_status.text()


def test_pause_and_resume(qtbot, lesson):
    quick_settings(lesson, epochs=50, digits=2000)
    lesson.start_training()
    qtbot.waitUntil(lambda: len(lesson.history["loss"]) > 2, timeout=20000)
    lesson.pause_button.setChecked(True)
    qtbot.wait(300)
    seen = len(lesson.history["loss"])
    qtbot.wait(500)
    assert len(lesson.history["loss"]) <= seen + 1  # at most the batch in flight
    lesson.pause_button.setChecked(False)
    qtbot.waitUntil(lambda: len(lesson.history["loss"]) > seen + 3, timeout=20000)
    with qtbot.waitSignal(lesson.training_finished, timeout=5000):
        lesson.cancel_training()


def test_use_save_and_load_a_trained_model(qtbot, lesson, tmp_path):
    quick_settings(lesson)
    with qtbot.waitSignal(lesson.training_finished, timeout=60000):
        lesson.start_training()
    received = []
    lesson.app_state.digit_model_changed.connect(received.append)
    qtbot.mouseClick(lesson.findChild(QPushButton, "useModelButton"), Qt.MouseButton.LeftButton)
    assert received == [lesson.trained_model]
    path = tmp_path / "mine.pt"
    assert lesson.save_model(path)
    trained = lesson.trained_model
    assert lesson.load_model_from(path)
    for a, b in zip(trained.state_dict().values(), lesson.trained_model.state_dict().values()):
        assert torch.equal(a, b)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    assert not lesson.load_model_from(bad)
    assert "Could not load" in lesson.train_status.text()


def test_draw_lesson_uses_the_trained_model(qtbot, tmp_path):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    draw = window.show_lesson("draw")
    qtbot.waitUntil(lambda: draw.model is not None and not draw.is_busy(), timeout=20000)
    network = window.show_lesson("network")
    quick_settings(network)
    with qtbot.waitSignal(network.training_finished, timeout=60000):
        network.start_training()
    network.use_trained_model()
    qtbot.waitUntil(lambda: draw.model is network.trained_model and not draw.is_busy(), timeout=20000)
    assert "your trained model" in draw.model_label.text()
    window.close()


def test_transfer_learning_in_the_lesson(qtbot, lesson):
    lesson.tabs.setCurrentIndex(2)
    base = load_model("mnist")
    with qtbot.waitSignal(lesson.transfer_finished, timeout=30000) as done:
        qtbot.mouseClick(lesson.findChild(QPushButton, "transferButton"), Qt.MouseButton.LeftButton)
    extra = done.args[0]
    assert extra["trained"] == 258 and extra["frozen"] == sum(p.numel() for p in base.parameters()) - 1290
    assert "<b>258</b>" in lesson.transfer_result.text()
    lesson.sigmoid_radio.setChecked(True)
    lesson.task_combo.setCurrentText("digit d vs the rest")
    lesson.digit_spin.setValue(3)
    with qtbot.waitSignal(lesson.transfer_finished, timeout=30000) as done:
        lesson.start_transfer()
    assert done.args[0]["trained"] == 129
    assert "digit 3 vs the rest" in lesson.transfer_table.text() and "1 sigmoid unit" in lesson.transfer_table.text()
    for key, value in lesson.transferred_model.state_dict().items():
        if not key.startswith("classifier.5"):
            assert torch.equal(value, base.state_dict()[key])


def test_closing_during_training_stops_the_worker(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    lesson = window.show_lesson("network")
    qtbot.waitUntil(lambda: lesson.description is not None, timeout=10000)
    quick_settings(lesson, epochs=50, digits=2000)
    lesson.start_training()
    qtbot.waitUntil(lambda: len(lesson.history["loss"]) > 2, timeout=20000)
    start = time.perf_counter()
    window.close()
    elapsed = time.perf_counter() - start
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    assert elapsed < 2.0, f"closing took {elapsed:.2f} s"


def test_no_training_data_says_where_to_point(qtbot, monkeypatch, tmp_path):
    from explainer.ui.lessons import network

    monkeypatch.setattr(network, "bundled_digits", lambda: None)
    widget = NetworkLesson(AppState())
    qtbot.addWidget(widget)
    assert not widget.findChild(QPushButton, "startTrainingButton").isEnabled()
    assert "MNIST folder" in widget.data_label.text()
    assert not widget.use_data_folder(tmp_path)
    widget.shutdown()
    assert np.isfinite(1.0)
