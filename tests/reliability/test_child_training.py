"""Live training runs in a child process: cancelling or closing the lesson leaves no process behind."""

import os
import pathlib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from explainer.ui.lessons.network import create, jobs
from explainer.ui.state import AppState, Commands

pytestmark = pytest.mark.skipif(not pathlib.Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


def training_children() -> list[int]:
    """Process ids of this process's children running explainer.models.child."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = pathlib.Path(f"/proc/{entry}/stat").read_text()
            command = pathlib.Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        state = stat.rsplit(")", 1)[1].split()[0]
        if parent == os.getpid() and b"explainer.models.child" in command and state != "Z":
            found.append(int(entry))
    return found


@pytest.fixture
def lesson(qtbot):
    assert jobs.IN_CHILD_PROCESS
    widget = create(AppState(), Commands())
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.data is not None and not widget.is_busy(), timeout=20000)
    state = widget.state
    state.conv1, state.conv2, state.hidden, state.epochs, state.train_digits = 8, 16, 64, 30, 2000
    yield widget
    widget.shutdown()


def start(qtbot, lesson):
    qtbot.mouseClick(lesson.findChild(QPushButton, "startTrainingButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(training_children()) and len(lesson.history.x) > 0, timeout=30000)


def test_cancelling_a_run_ends_its_process(qtbot, lesson):
    start(qtbot, lesson)
    with qtbot.waitSignal(lesson.training_finished, timeout=30000) as finished:
        lesson.cancel_training()
    assert finished.args == [False] and "Cancelled" in lesson.train_status.text()
    qtbot.waitUntil(lambda: not training_children(), timeout=10000)


def test_closing_the_lesson_mid_run_ends_its_process(qtbot, lesson):
    start(qtbot, lesson)
    lesson.shutdown()
    qtbot.waitUntil(lambda: not training_children(), timeout=15000)
