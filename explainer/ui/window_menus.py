"""The main window's menus and the commands only they start: export, full screen, about.

A mixin of :class:`~explainer.ui.app.MainWindow` (it uses the window's lessons,
``show_lesson``, ``open_image``, ``open_file``, the session commands of
:class:`~explainer.ui.session_files.SessionFiles` and the lesson stack). The File,
View and Help menus are built here; other parts of the window add their own
entries to ``file_menu`` and ``view_menu``.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from .. import __version__, io
from .animation import export_animation
from .lessons import LESSON_IDS, LESSONS


class WindowMenus:
    """The window's File, View and Help menus, :meth:`export_view`, full screen and the About box."""

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.file_menu = bar.addMenu("&File")
        self.open_action = self._action(file_menu, "&Open image…", self._on_open_triggered, QKeySequence.StandardKey.Open)
        samples = file_menu.addMenu("Open &sample image")
        for name, path in io.sample_images().items():
            self._action(samples, name.capitalize(), lambda _=False, p=path: self.open_image(p))
        samples.setEnabled(bool(io.sample_images()))
        file_menu.addSeparator()
        self.save_session_action = self._action(file_menu, "Save &session…", self._on_save_session_triggered,
                                                QKeySequence.StandardKey.Save)
        self.open_session_action = self._action(file_menu, "Open sess&ion…", self._on_open_session_triggered,
                                                "Ctrl+Shift+O")
        file_menu.addSeparator()
        self.export_action = self._action(file_menu, "&Export view as PNG…", self._on_export_triggered, "Ctrl+E")
        self.export_animation_action = self._action(file_menu, "Export &animation…",
                                                    lambda: export_animation(self, self.current_lesson()),
                                                    "Ctrl+Shift+E")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        view_menu = self.view_menu = bar.addMenu("&View")
        self.fullscreen_action = self._action(view_menu, "&Full screen", self._on_fullscreen_toggled, "F11")
        self.fullscreen_action.setCheckable(True)
        view_menu.addSeparator()
        self._action(view_menu, "&Next lesson", lambda: self._step_lesson(1), "Ctrl+PgDown")
        self._action(view_menu, "&Previous lesson", lambda: self._step_lesson(-1), "Ctrl+PgUp")
        lessons_menu = view_menu.addMenu("&Lessons")
        for number, info in enumerate(LESSONS, start=1):
            self._action(lessons_menu, info.title, lambda _=False, i=info.id: self.show_lesson(i), f"Ctrl+{number}")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About ConvLens", self._on_about_triggered)

    def _move_help_menu_last(self) -> None:
        bar = self.menuBar()
        help_action = next(a for a in bar.actions() if a.text() == "&Help")
        bar.removeAction(help_action)
        bar.addAction(help_action)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _step_lesson(self, delta: int) -> None:
        index = LESSON_IDS.index(self._current) if self._current else 0
        self.show_lesson(LESSON_IDS[(index + delta) % len(LESSON_IDS)])

    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image", "", io.IMAGE_FILE_FILTER)
        if path:
            self.open_file(path)

    # -- export, full screen, about ------------------------------------------
    def export_view(self, path) -> bool:
        """Save the current lesson as it looks now to a PNG file."""
        target = self.stack.currentWidget() or self
        pixmap = target.grab()
        if pixmap.isNull() or not pixmap.save(str(path), "PNG"):
            self.statusBar().showMessage(f"Could not write {path}: check the folder exists and is writable.", 10000)
            return False
        self.statusBar().showMessage(f"Saved the view to {path}", 6000)
        return True

    def _on_export_triggered(self) -> None:
        suggested = f"convlens-{self._current or 'view'}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export view as PNG", suggested, "PNG image (*.png)")
        if path:
            if not path.lower().endswith(".png"):
                path += ".png"
            self.export_view(path)

    def _on_fullscreen_toggled(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    def _on_about_triggered(self) -> None:
        QMessageBox.about(
            self,
            "About ConvLens",
            f"<h3>ConvLens {__version__}</h3>"
            "<p>See and touch every step of a convolutional neural network: kernels, feature maps, "
            "pooling, dense layers, live digit recognition and segmentation.</p>"
            "<p>Every number shown is computed by <code>explainer.core</code>, plain numpy code "
            "tested against PyTorch. Bundled models are trained by the project's own code.</p>"
            "<p>Data: MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0), CIFAR-10 (Krizhevsky, 2009), "
            "sample photos from scikit-image's data (public domain / CC0).</p>",
        )
