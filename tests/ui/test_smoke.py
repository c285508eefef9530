"""Open every lesson offscreen, let it run about a second, close it: no exception, no warning."""

import warnings

import pytest

from explainer.ui.app import MainWindow
from explainer.ui.lessons import LESSON_IDS


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_lesson_runs_without_errors_or_warnings(qtbot, lesson_id):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        window.show_lesson(lesson_id)
        qtbot.wait(1000)
        qtbot.waitUntil(lambda: not window.is_busy(), timeout=20000)
        window.grab()
        window.close()
    ours = [w for w in caught if "explainer" in (w.filename or "")]
    assert not ours, [str(w.message) for w in ours]
