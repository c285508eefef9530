"""The network lesson's "Write a TensorBoard log" option: scalars and the graph of a live run, or what to install."""

import pytest
from PySide6.QtCore import QPoint, Qt

from explainer.models import export as model_export
from explainer.ui.lessons.network import create
from explainer.ui.lessons.network import training as training_tab
from explainer.ui.state import AppState, Commands


@pytest.fixture
def lesson(qtbot):
    widget = create(AppState(), Commands())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    widget.state.tab = 1
    qtbot.waitUntil(lambda: widget.data is not None and not widget.is_busy(), timeout=20000)
    yield widget
    widget.shutdown()


def tick(qtbot, check):
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(6, check.height() // 2))


def test_a_run_writes_scalars_and_the_graph(qtbot, lesson, tmp_path, monkeypatch):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    monkeypatch.setattr(training_tab.QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    check = lesson.training.tensorboard_check
    tick(qtbot, check)
    assert check.isChecked() and lesson.log_folder == str(tmp_path)
    assert "tensorboard --logdir" in lesson.training.tensorboard_label.text()
    state = lesson.state
    state.conv1, state.conv2, state.hidden, state.batch_size, state.epochs, state.train_digits = 4, 8, 16, 16, 2, 300
    with qtbot.waitSignal(lesson.training_finished, timeout=60000) as done:
        lesson.start_training()
    assert done.args == [True]
    runs = list(tmp_path.iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("convlens-")
    assert f"TensorBoard log: {runs[0]}" in lesson.train_status.text() and "scalars and graph" in lesson.train_status.text()
    events = EventAccumulator(str(runs[0]))
    events.Reload()
    tags = events.Tags()
    assert {"loss/train", "loss/validation", "accuracy/validation", "batch/loss"} <= set(tags["scalars"])
    assert [e.step for e in events.Scalars("accuracy/validation")] == [1, 2]
    assert events.Scalars("accuracy/validation")[-1].value == pytest.approx(lesson.history.val_accuracy[-1], abs=1e-6)
    assert tags["graph"]
    # Unticked: the next run writes nothing.
    tick(qtbot, check)
    assert lesson.log_folder is None and not lesson.training.tensorboard_label.isVisible()


def test_without_tensorboard_the_option_says_what_to_install(qtbot, lesson, monkeypatch):
    asked = []
    monkeypatch.setattr(model_export, "tensorboard_available", lambda: False)
    monkeypatch.setattr(training_tab.QFileDialog, "getExistingDirectory", lambda *a, **k: asked.append(1) or "/tmp")
    check = lesson.training.tensorboard_check
    tick(qtbot, check)
    assert not check.isChecked() and lesson.log_folder is None and not asked
    label = lesson.training.tensorboard_label
    assert label.isVisible() and 'pip install -e ".[tensorboard]"' in label.text()
