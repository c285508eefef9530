"""What the reliability tests share: a recorder of ``sys.excepthook`` calls, and no worker left running.

The fixture is registered in each test module that imports it (``from .support import ...``).
"""

import contextlib
import sys

import pytest
from PySide6.QtCore import QThreadPool


@contextlib.contextmanager
def excepthook_calls():
    """Record every call of ``sys.excepthook`` inside the block (the app shows those as a modal traceback).

    Installed inside the test body: pytest-qt replaces the hook around each test phase.
    """
    calls = []
    before = sys.excepthook
    sys.excepthook = lambda *args: calls.append(args)
    try:
        yield calls
    finally:
        sys.excepthook = before


@pytest.fixture
def no_worker_left(qapp):
    """Configure torch as the app does; fail a test that leaves a worker thread running."""
    from explainer.ui.app import configure_runtime

    configure_runtime()
    yield
    pool = QThreadPool.globalInstance()
    pool.waitForDone(5000)
    assert pool.activeThreadCount() == 0, "a test left a worker thread running"
