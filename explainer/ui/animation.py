"""File ▸ Export animation…: a lesson's animation as an animated GIF for slides.

A lesson lists what it can animate with :meth:`Lesson.animations
<explainer.ui.lessons.base.Lesson.animations>`: each :class:`Animation` says
how many frames it has, how to put the lesson at frame ``i`` (through its
state: set the cursor cell, the stamp, the word) and which widget to record.

:class:`AnimationExport` makes the frames on the GUI thread, one per timer
tick (so the window keeps repainting and Cancel stays live): put the lesson
at the frame, let Qt lay it out, wait while the lesson computes, grab the
widget, shrink it to the chosen size, reduce it to 256 colours. The file is
then written in a worker (:func:`~explainer.ui.gif_writer.write_gif`, all or
nothing). Afterwards the lesson's state is put back as it was. A cancelled
export writes nothing.

:class:`AnimationDialog` (in :mod:`.animation_dialog`, re-exported here) asks
for the animation, the frame rate, the width and the range of frames, refusing
bad settings with a sentence; :func:`export_animation` is the menu command.
"""

from __future__ import annotations

import pathlib
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QProgressDialog, QWidget

from .animation_dialog import DEFAULT_WIDTH, AnimationDialog
from .errors import format_exception, show_error
from .gif_writer import (
    ExportCancelled,
    GifSettings,
    check_settings,
    frame_duration_ms,
    to_palette,
    write_gif,
)
from .workers import LatestOnlyRunner, WorkResult

#: What other modules import from here; the dialog and its default width are re-exported.
__all__ = ["DEFAULT_WIDTH", "FRAME_TIMEOUT_MS", "NO_ANIMATION", "POLL_MS", "Animation", "AnimationDialog",
           "AnimationExport", "ExportResult", "export_animation", "grab_frame", "image_to_array", "suggested_name"]

#: What the menu says for a lesson with nothing to animate.
NO_ANIMATION = "This lesson has no animation."
#: Longest wait for a frame the lesson computes in the background (ms).
FRAME_TIMEOUT_MS = 30000
#: How often a frame computed in the background is looked for (ms).
POLL_MS = 15


@dataclass(frozen=True)
class Animation:
    """One animation a lesson can export.

    Attributes
    ----------
    name : str
        What it shows ("The kernel stepping over the input").
    frame_count : int
        Frames it has now; 0 when there is nothing to animate (``unavailable`` says why).
    show_frame : callable(int)
        Put the lesson at frame ``i`` (0-based), through its state where the state holds it.
    widget : QWidget
        What each frame is a picture of.
    unit : str
        What one frame is ("cell", "window", "stamp", "word"), for the dialog.
    fps : int
        The frame rate the dialog suggests.
    unavailable : str
        Why there are no frames now, with what to do ("No training run yet: …").
    region : callable() -> QRect, optional
        The part of ``widget`` to record (all of it by default).
    start : callable(), optional
        Called before the first frame: stop a playing stepper, open the right tab.
    finish : callable(), optional
        Called after the state is put back: restore what the state does not hold (e.g. plot ranges).
    busy : callable() -> bool, optional
        True while a frame is still being computed in the background; it is grabbed once False.
    """

    name: str
    frame_count: int
    show_frame: Callable[[int], None]
    widget: QWidget
    unit: str = "frame"
    fps: int = 4
    unavailable: str = ""
    region: Callable[[], QRect] | None = None
    start: Callable[[], None] | None = None
    finish: Callable[[], None] | None = None
    busy: Callable[[], bool] | None = None

    def view_size(self) -> tuple[int, int]:
        """Width and height (logical pixels) of what is recorded."""
        rect = self.region() if self.region is not None else self.widget.rect()
        return rect.width(), rect.height()


@dataclass(frozen=True)
class ExportResult:
    """How an export ended: ``ok`` (the file is written), ``cancelled`` (nothing was), or an error ``message``."""

    ok: bool
    path: pathlib.Path
    message: str
    cancelled: bool = False
    frames: int = 0
    details: str = ""


def image_to_array(image: QImage) -> np.ndarray:
    """A QImage as an ``(H, W, 3)`` uint8 array (a copy)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return data[:, : width * 3].reshape(height, width, 3).copy()


def grab_frame(animation: Animation, size: tuple[int, int]) -> np.ndarray:
    """A picture of the animation's widget now, scaled to ``size`` (w, h), as an ``(h, w, 3)`` uint8 array."""
    rect = animation.region() if animation.region is not None else QRect(0, 0, -1, -1)
    pixmap = animation.widget.grab(rect)
    image = pixmap.toImage().scaled(size[0], size[1], Qt.AspectRatioMode.IgnoreAspectRatio,
                                    Qt.TransformationMode.SmoothTransformation)
    return image_to_array(image)


class AnimationExport(QObject):
    """Record ``animation`` of ``lesson`` with ``settings`` and write it to ``path`` as a GIF.

    Signals
    -------
    progressed(int, int, str)
        Frames recorded so far, frames in all, and what is happening ("Recording cell 3 of 25…").
    finished(object)
        An :class:`ExportResult`, once, when the file is written, the export is cancelled, or it failed.
    """

    progressed = Signal(int, int, str)
    finished = Signal(object)

    def __init__(self, lesson, animation: Animation, settings: GifSettings, path,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lesson, self.animation, self.settings = lesson, animation, settings
        self.path = pathlib.Path(path)
        #: The frame size (w, h); ``check_settings`` refuses bad settings here, before anything is touched.
        #: It is measured again at the first frame, once ``animation.start`` has shown what is recorded.
        self.size = check_settings(settings, animation.frame_count, animation.view_size(), animation.unit)
        self._measured = False
        self.indices = list(range(settings.first - 1, settings.last))
        self.frames: list = []
        self._saved: dict | None = None
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._shown = False  # the current frame was put on screen; the next tick grabs it
        self._waited_ms = 0
        self._cancel = threading.Event()
        self._writer: LatestOnlyRunner | None = None  # set while the GIF is being written
        self._done = False

    # -- driving ---------------------------------------------------------------
    def start(self) -> None:
        """Keep the lesson's state, then record a frame per timer tick."""
        self._saved = self.lesson.state.to_dict()
        try:
            if self.animation.start is not None:
                self.animation.start()
        except Exception as exc:  # noqa: BLE001 (a lesson refused: put it back, then explain)
            self._fail(exc)
            return
        self.progressed.emit(0, len(self.indices), self._recording_text(0))
        self._timer.start(0)

    def is_running(self) -> bool:
        return not self._done

    def cancel(self) -> None:
        """Stop: nothing is written, the lesson goes back to how it was."""
        if self._done:
            return
        self._cancel.set()
        if self._writer is None:  # still recording: stop here (a writing worker stops itself)
            self._timer.stop()
            self._put_back()
            self._end(ExportResult(False, self.path, "Export cancelled: nothing was written.", cancelled=True))

    def _recording_text(self, done: int) -> str:
        total = len(self.indices)
        return f"Recording {self.animation.unit} {min(done + 1, total)} of {total}…"

    def _on_timer_timeout(self) -> None:
        if self._done or self._cancel.is_set():
            return
        index = self.indices[len(self.frames)]
        try:
            if not self._shown:
                self.animation.show_frame(index)
                self._shown, self._waited_ms = True, 0
                self._timer.start(0)  # let Qt lay out and repaint what changed before the grab
                return
            if self.animation.busy is not None and self.animation.busy():
                self._waited_ms += POLL_MS
                if self._waited_ms > FRAME_TIMEOUT_MS:
                    raise TimeoutError(f"{self.animation.unit} {index + 1} was not ready after "
                                       f"{FRAME_TIMEOUT_MS // 1000} s")
                self._timer.start(POLL_MS)
                return
            if not self._measured:  # every frame gets the size of the first, whatever the view does next
                self.size = check_settings(self.settings, self.animation.frame_count, self.animation.view_size(),
                                           self.animation.unit)
                self._measured = True
            self.frames.append(to_palette(grab_frame(self.animation, self.size)))
        except Exception as exc:  # noqa: BLE001 (any failure: put the lesson back and explain)
            self._fail(exc)
            return
        self._shown = False
        done = len(self.frames)
        self.progressed.emit(done, len(self.indices), self._recording_text(done))
        if self._done or self._cancel.is_set():  # cancelled while the progress bar repainted
            return
        if done < len(self.indices):
            self._timer.start(0)
        else:
            self._put_back()
            self._write()

    def _write(self) -> None:
        self.progressed.emit(len(self.frames), len(self.indices), "Writing the GIF…")
        # The app's own runner, not a superqt worker: its result comes home through a relay that outlives
        # this export, so the export can be deleted as soon as it has reported (a superqt worker still
        # emitting its last signals while its receiver was deleted crashed the process once in CI).
        writer = LatestOnlyRunner(self)
        writer.finished.connect(self._on_written)
        self._writer = writer
        writer.submit(write_gif, self.path, self.frames, frame_duration_ms(self.settings.fps),
                      cancelled=self._cancel.is_set)

    def _on_written(self, result: WorkResult) -> None:
        if result.error is None:
            self._on_gif_written(result.value)
        else:
            self._on_gif_failed(result.error)

    def _on_gif_written(self, path) -> None:
        count = len(self.frames)
        self._end(ExportResult(True, pathlib.Path(path), f"Saved {count} frames to {path}.", frames=count))

    def _on_gif_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ExportCancelled):
            self._end(ExportResult(False, self.path, "Export cancelled: nothing was written.", cancelled=True))
        elif isinstance(exc, OSError):
            self._end(ExportResult(False, self.path, f"Could not write {self.path}: {exc.strerror or exc}. "
                                   "Check that the folder exists and is writable; nothing was written.",
                                   details=format_exception(exc)))
        else:
            self._end(ExportResult(False, self.path, f"Could not write the GIF: {exc}. Nothing was written.",
                                   details=format_exception(exc)))

    def _fail(self, exc: BaseException) -> None:
        self._timer.stop()
        self._put_back()
        self._end(ExportResult(False, self.path, f"Could not record the animation: {exc}. Nothing was written; "
                               "the lesson is as it was.", details=format_exception(exc)))

    def _put_back(self) -> None:
        """The lesson's state as it was before the export, then what the animation restores itself."""
        if self._saved is not None:
            saved, self._saved = self._saved, None
            self.lesson.state.restore(saved)
            if self.animation.finish is not None:
                self.animation.finish()

    def _end(self, result: ExportResult) -> None:
        if self._done:
            return
        self._done = True
        self.frames = []
        self._writer = None
        self.finished.emit(result)


def suggested_name(lesson, animation: Animation) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in animation.name.lower()).split()
    return f"convlens-{getattr(lesson, 'lesson_id', '') or 'lesson'}-{'-'.join(words[:5])}.gif"


def export_animation(window, lesson) -> AnimationExport | None:
    """The menu command: ask for the settings and a file, then record with a progress bar and Cancel.

    ``window`` is the main window (its status bar says how it ended). Returns the
    running export, or None when nothing was started.
    """
    animations = lesson.animations() if lesson is not None else []
    if not animations:
        window.statusBar().showMessage(NO_ANIMATION, 8000)
        QMessageBox.information(window, "Export animation", f"{NO_ANIMATION} The convolution, pooling, "
                                "segmentation, network and text lessons have animations to export.")
        return None
    if all(animation.frame_count < 1 for animation in animations):
        reasons = " ".join(dict.fromkeys(a.unavailable for a in animations if a.unavailable))
        window.statusBar().showMessage(reasons or "Nothing to animate yet.", 10000)
        QMessageBox.information(window, "Export animation", reasons or "Nothing to animate yet.")
        return None
    dialog = AnimationDialog(animations, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    animation, settings = dialog.animation(), dialog.settings()
    path, _ = QFileDialog.getSaveFileName(window, "Export animation as GIF", suggested_name(lesson, animation),
                                          "GIF animation (*.gif)")
    if not path:
        return None
    if not path.lower().endswith(".gif"):
        path += ".gif"
    try:
        export = AnimationExport(lesson, animation, settings, path, window)
    except ValueError as exc:  # the view changed size since the dialog checked
        show_error(window, "Could not export the animation", f"{exc}.", next_step="Nothing was written.")
        return None
    progress = QProgressDialog("Recording…", "Cancel", 0, len(export.indices), window)
    progress.setWindowTitle("Export animation")
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(0)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    progress.canceled.connect(export.cancel)

    def on_progressed(done: int, total: int, text: str) -> None:
        progress.setLabelText(text)
        progress.setValue(done)

    def on_finished(result: ExportResult) -> None:
        progress.canceled.disconnect(export.cancel)
        progress.close()
        progress.deleteLater()
        export.deleteLater()
        window.statusBar().showMessage(result.message, 10000 if result.ok or result.cancelled else 15000)
        if not result.ok and not result.cancelled:
            show_error(window, "Could not export the animation", result.message, details=result.details)

    export.progressed.connect(on_progressed)
    export.finished.connect(on_finished)
    progress.show()
    export.start()
    return export
