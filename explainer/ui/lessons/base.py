"""What every lesson widget provides to the main window."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..state import AppState


class Lesson(QWidget):
    """Base class of a lesson page.

    Subclasses build their widgets from :mod:`explainer.ui.widgets`, keep their
    own small state object, and react to the shared :class:`AppState`.
    """

    lesson_id: str = ""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app_state = state

    def is_busy(self) -> bool:
        """True while background work for what is on screen is still running."""
        return False

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
