"""A ``--screenshot`` run ends with the status of the first reason to end, even when two come together."""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

from explainer.ui.cli import RunEnd, take_screenshot


class _App:
    """The application as a run sees it, whose ``exit`` is only recorded.

    The real ``QApplication.exit`` outside ``exec()`` would leave Qt's quit flag set, and every
    event loop of the tests after this one would return at once.
    """

    def __init__(self) -> None:
        self.exits: list[int] = []

    def processEvents(self) -> None:  # noqa: N802 (Qt's name)
        QApplication.processEvents()

    def exit(self, status: int) -> None:
        self.exits.append(status)


class _Window(QLabel):
    """A window with no work left (what the screenshot waits for)."""

    def is_busy(self) -> bool:
        return False


def test_a_refusal_that_comes_with_the_last_events_wins_over_the_picture(qtbot, tmp_path):
    app = _App()
    window = _Window("a lesson")
    qtbot.addWidget(window)
    run = RunEnd(app)
    # The refusal is already queued when the screenshot looks at the window: the screenshot's
    # last pass of events delivers it (what happened in CI: the run ended with status 0).
    QTimer.singleShot(0, lambda: run.end(2))
    shot = tmp_path / "shot.png"
    take_screenshot(window, str(shot), run)
    assert run.status == 2 and app.exits == [2]
    assert not shot.exists()


def test_the_picture_ends_the_run_with_0_and_a_later_refusal_keeps_it(qtbot, tmp_path):
    app = _App()
    window = _Window("a lesson")
    qtbot.addWidget(window)
    run = RunEnd(app)
    shot = tmp_path / "shot.png"
    take_screenshot(window, str(shot), run)
    assert run.status == 0 and shot.stat().st_size > 0
    run.end(2)
    assert run.status == 0 and app.exits == [0]


def test_an_unwritable_screenshot_ends_the_run_with_1(qtbot, tmp_path):
    window = _Window("a lesson")
    qtbot.addWidget(window)
    app = _App()
    run = RunEnd(app)
    take_screenshot(window, str(tmp_path / "no such folder" / "shot.png"), run)
    assert run.status == 1 and app.exits == [1]
