"""Fixtures for the widget tests: a main window, and no thread left behind."""

import pytest
from PySide6.QtCore import QThreadPool

from explainer.ui.app import MainWindow, configure_runtime
from explainer.ui.state import AppState, Commands


@pytest.fixture(autouse=True)
def no_thread_left_running(qapp):
    configure_runtime()
    yield
    pool = QThreadPool.globalInstance()
    pool.waitForDone(5000)
    assert pool.activeThreadCount() == 0, "a test left a worker thread running"


@pytest.fixture
def app_state():
    return AppState()


@pytest.fixture
def commands():
    return Commands()


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    yield win
    win.close()


@pytest.fixture
def make_window(qtbot):
    """Build extra windows (e.g. to open a saved session in a new window)."""
    made = []

    def make():
        win = MainWindow()
        qtbot.addWidget(win)
        win.resize(1400, 900)
        win.show()
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()
