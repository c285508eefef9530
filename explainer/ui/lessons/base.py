"""What every lesson widget provides to the main window."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from ..state import AppState
from ..workers import LatestOnlyRunner


class Lesson(QWidget):
    """Base class of a lesson page.

    Subclasses build their widgets from :mod:`explainer.ui.widgets`, keep their
    own small state object, and react to the shared :class:`AppState`.
    """

    lesson_id: str = ""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app_state = state
        self._runners: list[LatestOnlyRunner] = []

    def make_runner(self, slot) -> LatestOnlyRunner:
        """A background runner whose results go to ``slot``; counted by :meth:`is_busy`, stopped by :meth:`shutdown`."""
        runner = LatestOnlyRunner(self)
        runner.finished.connect(slot)
        self._runners.append(runner)
        return runner

    def is_busy(self) -> bool:
        """True while background work for what is on screen is still running."""
        return any(runner.is_busy() for runner in self._runners)

    @staticmethod
    def show_load_failure(banner: QLabel, what: str, error: BaseException) -> None:
        """Explain in ``banner`` why a model could not be loaded (the lesson keeps working without it)."""
        from ...models import ModelLoadError  # imported here: torch loads only with the first model lesson

        reason = str(error) if isinstance(error, ModelLoadError) else repr(error)
        banner.setText(f"<b>The {what} could not be loaded.</b> {reason}")
        banner.show()

    def open_file(self, path) -> bool:
        """Take a file the user opened or dropped while this lesson is shown.

        Return True if the lesson used it itself; False lets the window make
        it the shared current image (the default).
        """
        return False

    def activated(self) -> None:
        """Called each time the lesson is brought to the front."""

    def shutdown(self) -> None:
        """Stop background work; called before the window closes."""
        for runner in self._runners:
            runner.shutdown()
