"""Saving and opening sessions in the main window: what is on screen, as a file, and back.

A mixin of :class:`~explainer.ui.app.MainWindow` (it uses the window's ``app_state``, its
lessons, ``user_model``, ``show_lesson``, ``open_image`` and image loader). The file format
and its checks are in :mod:`explainer.ui.sessions`.
"""

from __future__ import annotations

import base64
import pathlib

from PySide6.QtWidgets import QFileDialog

from . import sessions
from .errors import show_error
from .lessons import LESSON_IDS
from .sessions import SESSION_SUFFIX
from .state import AppState
from .widgets.drawing_pad import render_strokes


class SessionFiles:
    """The window's sessions: :meth:`session` / :meth:`restore_session` as data, and as files."""

    def session(self) -> dict:
        """Everything needed to put a window back as it is now, as JSON-serialisable data.

        The current lesson, the current image (its path, plus the pixels as an
        embedded PNG when it is not a file on disk), the drawing as strokes, and
        every built lesson's state.
        """
        state = self.app_state
        image = None
        if state.image is not None:
            path = state.image_path
            image = {"name": state.image_name, "path": path, "png": None}
            if not path or not pathlib.Path(path).is_file():
                image["png"] = base64.b64encode(sessions.png_bytes(state.image)).decode("ascii")
        return {
            "format": sessions.SESSION_FORMAT,
            "version": sessions.SESSION_VERSION,
            "lesson": self._current or LESSON_IDS[0],
            "image": image,
            "drawing": state.to_dict(),
            "digit_model": state.digit_model_name,
            "model": self.user_model.session_entry(),
            "lessons": {lesson_id: lesson.state.to_dict() for lesson_id, lesson in self._lessons.items()},
        }

    def restore_session(self, data) -> list[str]:
        """Put the window in the state ``data`` describes (from :meth:`session`).

        Everything is validated first: a malformed session raises ``ValueError``
        and changes nothing. Returns notes for the user (an image that is no
        longer there, a digit model that sessions do not carry).
        """
        checked = sessions.check_session(data)
        notes = []
        before_drawing = self.app_state.to_dict()
        before = {lesson_id: lesson.state.to_dict() for lesson_id, lesson in self._lessons.items()}
        try:
            app = checked["app"]
            strokes, background = app.drawing_strokes, app.drawing_background
            rendered = render_strokes(strokes, background) if strokes or background is not None else None
            self.app_state.set_drawing(rendered, strokes, background)
            for lesson_id, saved in checked["lessons"].items():
                lesson = self._lessons.get(lesson_id) or self._build_lesson(lesson_id)
                lesson.apply_state(saved)
        except Exception as exc:  # noqa: BLE001 (a view refused a value: put everything back, then explain)
            self._put_back(before_drawing, before)
            raise ValueError(f"the session could not be applied ({type(exc).__name__}: {exc}); "
                             "everything was put back as it was") from exc
        self.show_lesson(checked["lesson"])
        image = checked["image"]
        if image is not None:
            path = image["path"]
            if path and pathlib.Path(path).is_file():
                self.open_image(path, show_dialog=False)
            elif checked["png"] is not None:
                self._load_in_background(checked["png"], image["name"] or "session image", "", show_dialog=False)
            else:
                notes.append(f"Its image {path} is no longer there, so the current image is kept.")
        notes += self.user_model.restore(checked["model"], show_dialogs=False)
        if checked["digit_model"] not in (None, self.app_state.digit_model_name):
            notes.append(f"It was saved while using {checked['digit_model']}; sessions do not hold trained "
                         "models (save one with Architecture & training ▸ Save), so "
                         f"{self.app_state.digit_model_name} is used.")
        return notes

    def _put_back(self, drawing: dict, states: dict) -> None:
        app = AppState.from_dict(drawing)
        strokes, background = app.drawing_strokes, app.drawing_background
        rendered = render_strokes(strokes, background) if strokes or background is not None else None
        self.app_state.set_drawing(rendered, strokes, background)
        for lesson_id, saved in states.items():
            state = self._lessons[lesson_id].state
            state.update_from(type(state).from_dict(saved))

    def save_session(self, path) -> pathlib.Path:
        """Write :meth:`session` to ``path`` atomically: a crash mid-save leaves any old file whole.

        The JSON goes to a temporary file in the same folder, which is flushed
        and synced to disk, then renamed over ``path`` in one step.
        """
        return sessions.write_session(path, self.session())

    def load_session(self, path) -> list[str]:
        """Read a session file and restore it.

        Raises
        ------
        ValueError
            With a plain sentence for an empty, truncated, non-JSON, wrong-version or
            malformed file; the window is then unchanged.
        """
        return self.restore_session(sessions.read_session(path))

    def open_session(self, path, show_dialog: bool = True) -> bool:
        """:meth:`load_session` for the user: a refused file is explained, not raised."""
        name = pathlib.Path(path).name
        try:
            notes = self.load_session(path)
        except ValueError as exc:
            message = f"Could not open the session {name}: {exc}"
            self.statusBar().showMessage(message + " Nothing was changed.", 12000)
            if show_dialog:
                show_error(self, "Could not open the session", message, next_step="Nothing was changed.")
            return False
        self.statusBar().showMessage(" ".join([f"Opened the session {name}."] + notes), 15000 if notes else 6000)
        return True

    def _on_save_session_triggered(self) -> None:
        suggested = f"{self._current or 'convlens'}{SESSION_SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(self, "Save session", suggested, f"ConvLens session (*{SESSION_SUFFIX})")
        if not path:
            return
        if not path.lower().endswith(SESSION_SUFFIX):
            path += SESSION_SUFFIX
        try:
            self.save_session(path)
        except (OSError, TypeError, ValueError) as exc:
            show_error(self, "Could not save the session", f"Could not write {path}: {exc}",
                       next_step="Check that the folder exists and is writable; any older file there is unchanged.")
            return
        self.statusBar().showMessage(f"Saved the session to {path}", 6000)

    def _on_open_session_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open session", "", f"ConvLens session (*{SESSION_SUFFIX})")
        if path:
            self.open_session(path)
