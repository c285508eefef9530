"""The main window: lesson navigator, menus, status bar, sessions, and the command line.

The menus and their commands are in :mod:`.window_menus`, sessions in :mod:`.session_files` (mixins of
:class:`MainWindow`), the process-wide start-up settings in :mod:`.runtime_config`.
"""

from __future__ import annotations

import pathlib

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import io
from .errors import show_error
from .lessons import LESSON_IDS, LESSONS, create_lesson, lesson_info
from .sessions import SESSION_FORMAT, SESSION_SUFFIX, SESSION_VERSION
from .lessons.base import Lesson
from .runtime_config import SWITCH_INTERVAL_S, configure_runtime
from .session_files import SessionFiles
from .state import AppState, Commands
from .user_model import MODEL_SUFFIXES, PICKLE_SUFFIXES
from .widgets.qimage import array_to_pixmap
from .window_menus import WindowMenus
from .workers import LatestOnlyRunner, WorkResult

#: What other modules import from here; the runtime settings and session constants are re-exported.
__all__ = ["DEFAULT_SAMPLE", "DEFAULT_SIZE", "SESSION_FORMAT", "SESSION_SUFFIX", "SESSION_VERSION",
           "SWITCH_INTERVAL_S", "LessonStack", "MainWindow", "configure_runtime"]

DEFAULT_SIZE = QSize(1400, 900)
DEFAULT_SAMPLE = "chelsea"


def _thumbnail(image: np.ndarray, side: int = 140) -> np.ndarray:
    """A small (≤ side px) uint8 copy of an image for the navigator's preview (made in a worker)."""
    from PIL import Image

    small = Image.fromarray(np.clip(np.round(image * 255), 0, 255).astype(np.uint8))
    small.thumbnail((side, side), Image.Resampling.BILINEAR)
    return np.asarray(small)


def _load_for_window(source) -> tuple[np.ndarray, np.ndarray]:
    """Worker: the image and its preview thumbnail, so the GUI thread only shows them."""
    image = io.load_image(source)
    return image, _thumbnail(image)


class LessonStack(QStackedWidget):
    """The lesson pages, one shown at a time, sized by the page on screen only.

    A QStackedWidget asks every page (the hidden ones too) for its size and height-for-width
    whenever a page changes a label; with the text lesson built (dozens of word-wrapped labels),
    each reading in the draw lesson then took 21–48 ms instead of 13–16 ms on the GUI thread.
    """

    def _page(self):
        return self.currentWidget()

    def sizeHint(self):  # noqa: N802 (Qt override)
        page = self._page()
        return page.sizeHint() if page is not None else super().sizeHint()

    #: Ask pages for room to lay out comfortably, not just their bare minimum (the presenter view's large text:
    #: word-wrapped labels under-report their minimum height, and a squeezed page draws widgets over each other).
    roomy = False

    def minimumSizeHint(self):  # noqa: N802 (Qt override)
        page = self._page()
        if page is None:
            return super().minimumSizeHint()
        least = page.minimumSizeHint()
        return least.expandedTo(page.sizeHint()) if self.roomy else least

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return False  # the window gives the lesson its height; no page sizes it by its width


class MainWindow(WindowMenus, SessionFiles, QMainWindow):
    """ConvLens' main window.

    Signals
    -------
    lesson_changed(str)
        The id of the lesson now shown.
    image_load_failed(str)
        A user-facing message about an image that could not be opened.
    """

    lesson_changed = Signal(str)
    image_load_failed = Signal(str)

    def __init__(self, state: AppState | None = None, commands: Commands | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app_state = state if state is not None else AppState()
        self.commands = commands if commands is not None else Commands()
        #: Save window geometry and the last lesson in QSettings when closing (set by :func:`main`).
        self.remember_settings = False
        #: True while the presenter view is on (set by View ▸ Presenter view, F5).
        self.presenting = False
        self._lessons: dict[str, Lesson] = {}
        self._current: str | None = None
        self._show_load_dialogs = True
        self._loader = LatestOnlyRunner(self)
        self._loader.finished.connect(self._on_loader_finished)
        self._pending_thumbnail: np.ndarray | None = None

        self.setWindowTitle("ConvLens — see inside convolutional neural networks")
        self.setAcceptDrops(True)
        self._build_central()
        self._build_menus()
        from .user_model import UserModelControls  # File ▸ Open model…, Back to bundled models, Export as ONNX

        self.user_model = UserModelControls(self, self.file_menu, self.save_session_action)
        from .tour.window import TourControls  # the Tour menu sits before Help

        self.tour = TourControls(self)
        from .presenter import PresenterView

        self.presenter = PresenterView(self, self.view_menu)
        self._move_help_menu_last()
        self.commands.message_posted.connect(self._on_commands_message_posted)
        self.commands.lesson_requested.connect(self.show_lesson)
        self.statusBar().showMessage("Pick a lesson on the left. Drop an image anywhere to use it.", 8000)

    # -- layout --------------------------------------------------------------
    def _build_central(self) -> None:
        self.navigator = QListWidget(objectName="lessonNavigator")
        self.navigator.setStyleSheet("QListWidget { font-size: 11pt; } QListWidget::item { padding: 7px 6px; }")
        self.navigator.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for number, info in enumerate(LESSONS, start=1):
            item = QListWidgetItem(f"{number}.  {info.title}")
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            item.setToolTip(f"{info.summary}\n\nLecture: {info.lecture}\nShortcut: Ctrl+{number}")
            self.navigator.addItem(item)
        self.navigator.currentItemChanged.connect(self._on_navigator_current_changed)
        nav_width = max(230, self.navigator.sizeHintForColumn(0) + 2 * self.navigator.frameWidth() + 24)
        self.navigator.setFixedWidth(nav_width)

        # The shared current image, so it is always clear what lessons will use.
        self.image_preview = QLabel(objectName="currentImagePreview")
        self.image_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_preview.setFixedSize(nav_width, 150)
        self.image_preview.setToolTip("The current image, used by the lessons. Drop a file on the window, "
                                      "or use File ▸ Open image / Open sample image.")
        self.image_caption = QLabel("No image yet", objectName="currentImageCaption")
        self.image_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_caption.setFixedWidth(nav_width)
        self.image_caption.setWordWrap(True)
        self.app_state.events.image.connect(self._on_state_image_changed)

        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 6)
        left_column.addWidget(self.navigator, 1)
        heading = QLabel("Current image")
        heading.setStyleSheet("font-weight: 600;")
        left_column.addWidget(heading, 0, Qt.AlignmentFlag.AlignHCenter)
        left_column.addWidget(self.image_preview)
        left_column.addWidget(self.image_caption)

        self.lesson_title = QLabel(objectName="lessonTitle")
        self.lesson_title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.lesson_lecture = QLabel(objectName="lessonLecture")
        self.lesson_lecture.setStyleSheet("color: #555; font-size: 10pt;")
        self.stack = LessonStack(objectName="lessonStack")

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(10, 6, 6, 0)
        header = QHBoxLayout()
        header.addWidget(self.lesson_title)
        header.addSpacing(12)
        header.addWidget(self.lesson_lecture, 1, Qt.AlignmentFlag.AlignBottom)
        column.addLayout(header)
        # In a scroll area: a page that cannot shrink to the window (a small screen, the presenter view's
        # large text) scrolls instead of squeezing its widgets on top of each other.
        self.stack_scroll = QScrollArea(objectName="lessonScroll", widgetResizable=True)
        self.stack_scroll.setFrameShape(QFrame.Shape.NoFrame)
        # The stack goes in a plain holder: QScrollArea asks its widget's *layout* for height-for-width, and a
        # QStackedLayout answers with the tallest page's, hidden ones included (a 1,280 px page in an 822 px view).
        holder = QWidget(objectName="lessonHolder")
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(self.stack)
        self.stack_scroll.setWidget(holder)
        column.addWidget(self.stack_scroll, 1)

        self.side_column = left
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(1, False)
        self.setCentralWidget(splitter)

    # -- lessons -------------------------------------------------------------
    @property
    def current_lesson_id(self) -> str | None:
        return self._current

    def built_lessons(self) -> list[str]:
        """The ids of the lessons opened so far."""
        return list(self._lessons)

    def lesson(self, lesson_id: str) -> Lesson | None:
        """The lesson widget if it has been opened, else None."""
        return self._lessons.get(lesson_id)

    def current_lesson(self) -> Lesson | None:
        return self._lessons.get(self._current) if self._current else None

    def show_lesson(self, lesson_id: str) -> Lesson:
        """Bring ``lesson_id`` to the front, building it on first use."""
        info = lesson_info(lesson_id)  # raises ValueError listing valid ids
        widget = self._lessons.get(lesson_id)
        if widget is None:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                widget = self._build_lesson(lesson_id)
            finally:
                QApplication.restoreOverrideCursor()
        self.stack.setCurrentWidget(widget)
        self.lesson_title.setText(info.title)
        self.lesson_lecture.setText(f"Lecture: {info.lecture}")
        row = LESSON_IDS.index(lesson_id)
        if self.navigator.currentRow() != row:
            blocker = self.navigator.blockSignals(True)
            self.navigator.setCurrentRow(row)
            self.navigator.blockSignals(blocker)
        changed = lesson_id != self._current
        self._current = lesson_id
        widget.activated()
        if changed:
            self.lesson_changed.emit(lesson_id)
        return widget

    def _on_navigator_current_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None:
            self.show_lesson(current.data(Qt.ItemDataRole.UserRole))

    def is_busy(self) -> bool:
        lesson = self.current_lesson()
        return (self._loader.is_busy() or self.user_model.is_busy()
                or (lesson is not None and lesson.is_busy()))

    # -- images --------------------------------------------------------------
    def open_image(self, path, show_dialog: bool = True) -> None:
        """Load ``path`` in the background and make it the current image.

        A file that cannot be used leaves the current image as it was and
        explains why (status bar, and a dialog unless ``show_dialog`` is False).
        """
        name = pathlib.Path(path).name
        self._load_in_background(str(path), name, str(pathlib.Path(path).resolve()), show_dialog)
        self.statusBar().showMessage(f"Opening {name}…")

    def _load_in_background(self, source, name: str, path: str, show_dialog: bool) -> None:
        """Read ``source`` (a path, or PNG bytes from a session) in a worker; :meth:`_on_loader_finished` shows it."""
        self._show_load_dialogs = show_dialog
        self._loader.submit(_load_for_window, source, context=(name, path))

    def _on_loader_finished(self, result: WorkResult) -> None:
        name, path = result.context
        if result.error is None:
            image, self._pending_thumbnail = result.value
            self.app_state.set_image(image, name, path)
            self._pending_thumbnail = None
            self.statusBar().showMessage(f"Opened {name} ({image.shape[1]}×{image.shape[0]} pixels)", 6000)
            return
        if isinstance(result.error, ValueError):
            message = f"Could not open {name}: {result.error}"
        else:
            message = f"Could not open {name}: unexpected {type(result.error).__name__}: {result.error}"
        self.statusBar().showMessage(message + " — the current image is unchanged.", 12000)
        self.image_load_failed.emit(message)
        if self._show_load_dialogs:
            show_error(self, "Could not open the image", message,
                       details=result.details if not isinstance(result.error, ValueError) else "",
                       next_step="The current image is unchanged. Try a PNG, JPEG, BMP, GIF, TIFF or WebP file.")

    def open_file(self, path) -> None:
        """A file chosen or dropped by the user: a session, or for the current lesson, else the shared image."""
        if str(path).lower().endswith(SESSION_SUFFIX):
            self.open_session(path)
            return
        suffix = pathlib.Path(path).suffix.lower()
        if suffix in MODEL_SUFFIXES:
            self.user_model.open_path(path)
            return
        lesson = self.current_lesson()
        if lesson is not None and lesson.open_file(path):
            return
        if suffix in PICKLE_SUFFIXES:  # not taken by the lesson: say why a pickle is not opened as a model
            self.user_model.open_path(path)
        else:
            self.open_image(path)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            self.open_file(files[0])
            event.acceptProposedAction()

    def _on_state_image_changed(self, image) -> None:
        if image is None:
            return
        thumbnail, self._pending_thumbnail = self._pending_thumbnail, None
        if thumbnail is None:  # set directly on the state (not through open_image): shrink it here
            step = max(1, int(np.ceil(max(image.shape[:2]) / 280)))
            thumbnail = image[::step, ::step]
        self.image_preview.setPixmap(array_to_pixmap(thumbnail, max_side=140))
        name = self.app_state.image_name or "image"
        self.image_caption.setText(f"{name} · {image.shape[1]}×{image.shape[0]}")

    def _on_commands_message_posted(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _build_lesson(self, lesson_id: str) -> Lesson:
        widget = create_lesson(lesson_id, self.app_state, self.commands, self.stack)
        self._lessons[lesson_id] = widget
        self.stack.addWidget(widget)
        return widget

    # -- settings ------------------------------------------------------------
    def restore_settings(self, settings: QSettings | None = None) -> str | None:
        """Window geometry and the last lesson from QSettings; returns that lesson's id, or None.

        A damaged or foreign settings store is ignored: ConvLens always starts.
        """
        settings = settings or QSettings()
        try:
            geometry = settings.value("window/geometry")
            if isinstance(geometry, QByteArray) and not geometry.isEmpty():
                self.restoreGeometry(geometry)
            last = settings.value("window/lesson")
        except Exception:  # noqa: BLE001 (any damage in the store means: start with defaults)
            return None
        return last if isinstance(last, str) and last in LESSON_IDS else None

    def save_settings(self, settings: QSettings | None = None) -> None:
        settings = settings or QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        if self._current:
            settings.setValue("window/lesson", self._current)
        settings.sync()

    # -- closing -------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self.remember_settings:
            self.save_settings()
        self.tour.detach()
        # Every lesson stops its work; nothing waits for a call already running (it finishes in the
        # background, its result dropped; workers.stop_all_work waits for it when the process exits).
        for lesson in self._lessons.values():
            lesson.shutdown()
        self._loader.shutdown()
        self.user_model.shutdown()
        super().closeEvent(event)
