"""A seeded GUI monkey on every lesson at two window sizes: nothing may reach sys.excepthook or break a lesson."""

import numpy as np
import pytest
from PySide6.QtGui import QImage

from explainer.ui.app import MainWindow
from explainer.ui.lessons import LESSON_IDS

from . import monkey
from .support import excepthook_calls, no_worker_left  # noqa: F401 (fixture)

ACTIONS_PER_LESSON = 30


@pytest.mark.parametrize("size, seed", [((1400, 900), 1), ((1024, 640), 2)])
def test_random_use_of_every_lesson_breaks_nothing(qtbot, monkeypatch, no_worker_left, size, seed):  # noqa: F811
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    lines = []
    with monkey.no_waiting_dialogs(monkeypatch), excepthook_calls() as calls:
        done = monkey.run(window, seed, ACTIONS_PER_LESSON, log=lines.append)
        assert sum(done.values()) == len(LESSON_IDS) * ACTIONS_PER_LESSON
        assert {"click", "drag", "key", "wheel", "value", "text"} <= set(done), done
        # Afterwards every lesson still shows something and finishes its work.
        for lesson_id in LESSON_IDS:
            window.show_lesson(lesson_id)
            monkey.settle(window)
            assert not window.is_busy(), f"{lesson_id} is still busy after the monkey"
            image = window.stack.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
            pixels = np.frombuffer(image.constBits(), np.uint8)
            assert pixels.std() > 10, f"{lesson_id} is blank after the monkey"
    assert calls == [], "an exception reached sys.excepthook:\n" + "\n".join(lines[-20:])
    window.close()
