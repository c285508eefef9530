"""What every lesson widget provides to the main window.

A lesson is a package ``explainer/ui/lessons/<id>/`` with ``state.py`` (its
whole state, a psygnal evented dataclass with no Qt), a view built from
:mod:`explainer.ui.widgets`, and ``create(app_state, commands, parent)``.
The view renders from ``self.state``; widgets call the state's setters, and
state signals update widgets inside ``QSignalBlocker``.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QLabel, QWidget

from ..animation import Animation
from ..evented import StateModel
from ..state import AppState, Commands
from ..workers import LatestOnlyRunner


class Lesson(QWidget):
    """Base class of a lesson page.

    Attributes
    ----------
    state : StateModel
        The lesson's whole state; sessions save ``state.to_dict()`` and restore with
        :meth:`restore_state`.
    app_state : AppState
        Shared with every lesson (image, drawing, digit model in use).
    commands : Commands
        One-shot requests to the window (show a lesson, post a message).
    """

    lesson_id: str = ""

    def __init__(self, app_state: AppState, commands: Commands, state: StateModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app_state = app_state
        self.commands = commands
        self.state = state
        self._runners: list[LatestOnlyRunner] = []
        self._deferred: dict[str, Callable[[], None]] = {}
        self._connections: list[tuple[object, Callable]] = []

    # -- background work -------------------------------------------------------
    def make_runner(self, slot) -> LatestOnlyRunner:
        """A background runner whose results go to ``slot``; counted by :meth:`is_busy`, stopped by :meth:`shutdown`."""
        runner = LatestOnlyRunner(self)
        runner.finished.connect(slot)
        self._runners.append(runner)
        return runner

    def is_busy(self) -> bool:
        """True while background work for what is on screen is still running (or waiting to run)."""
        return any(runner.is_busy() for runner in self._runners)

    # -- shared state ---------------------------------------------------------
    def listen(self, signal, callback: Callable) -> None:
        """Connect ``callback`` to a psygnal ``signal`` of the app state; disconnected by :meth:`shutdown`."""
        signal.connect(callback)
        self._connections.append((signal, callback))

    def when_shown(self, key: str, work: Callable[[], None]) -> None:
        """Run ``work`` now if the lesson is on screen, else once it is next shown.

        Shared changes (a new image, a new digit model) reach every built lesson;
        a hidden lesson only notes that it is stale, so it does no work for a
        view nobody sees. The newest ``work`` for a ``key`` wins.
        """
        if self.isVisible():
            self._deferred.pop(key, None)
            work()
        else:
            self._deferred[key] = work

    def is_stale(self) -> bool:
        """True while shared changes wait for the lesson to be shown."""
        return bool(self._deferred)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        pending, self._deferred = self._deferred, {}
        for work in pending.values():
            work()

    def activated(self) -> None:
        """Called each time the lesson is brought to the front."""

    # -- sessions -------------------------------------------------------------
    def restore_state(self, data) -> None:
        """Put the lesson in the saved state ``data`` (``ValueError`` and no change if it is malformed)."""
        self.apply_state(type(self.state).from_dict(data))

    def apply_state(self, saved: StateModel) -> None:
        """Take a validated state (a session, a tour step). Lessons that fill their own state once
        (a first example, a first scene) override this to stop doing so afterwards."""
        self.state.update_from(saved)

    # -- animations -------------------------------------------------------------
    def animations(self) -> list[Animation]:
        """What File ▸ Export animation… can record in this lesson (see :mod:`explainer.ui.animation`).

        Each :class:`~explainer.ui.animation.Animation` puts the lesson at frame ``i``
        through its state; the export keeps the state and puts it back afterwards.
        A lesson with nothing to animate returns [] (the default).
        """
        return []

    # -- files ----------------------------------------------------------------
    def open_file(self, path) -> bool:
        """Take a file the user opened or dropped while this lesson is shown.

        Return True if the lesson used it itself; False lets the window make
        it the shared current image (the default).
        """
        return False

    @staticmethod
    def show_load_failure(banner: QLabel, what: str, error: BaseException) -> None:
        """Explain in ``banner`` why a model could not be loaded (the lesson keeps working without it)."""
        from ...models import ModelLoadError  # imported here: torch loads only with the first model lesson

        reason = str(error) if isinstance(error, ModelLoadError) else repr(error)
        banner.setText(f"<b>The {what} could not be loaded.</b> {reason}")
        banner.show()

    def shutdown(self) -> None:
        """Stop background work and stop listening to the app state; called before the window closes."""
        for runner in self._runners:
            runner.shutdown(timeout_ms=0)  # no wait here: the window waits once for every lesson's threads
        for signal, callback in self._connections:
            signal.disconnect(callback)
        self._connections.clear()
