"""The tour in the main window: its dock, the Tour menu and the keys that move between steps."""

from __future__ import annotations

import pathlib

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QFileDialog, QMainWindow

from ..errors import show_error
from . import model
from .editor import StepEditor
from .panel import TourPanel


class TourControls:
    """Everything the window needs for tours: ``panel``, ``dock`` and the Tour menu's actions."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self._detached = False
        self.panel = TourPanel(window)
        self.dock = QDockWidget("Lecture tour", window, objectName="tourDock")
        self.dock.setWidget(self.panel)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.resizeDocks([self.dock], [340], Qt.Orientation.Horizontal)
        self.dock.hide()
        self.dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        QApplication.instance().aboutToQuit.connect(self.detach)
        self.panel.step_shown.connect(lambda _i: self._update_actions())
        self.panel.tour_changed.connect(self._update_actions)
        self._build_menu(window.menuBar().addMenu("&Tour"))
        self._update_actions()

    def _build_menu(self, menu) -> None:
        def action(text, slot, shortcut=None) -> QAction:
            item = QAction(text, self.window)
            if shortcut is not None:
                item.setShortcut(QKeySequence(shortcut))
            item.triggered.connect(slot)
            menu.addAction(item)
            return item

        self.start_action = action("&Start the lecture tour", self.start_bundled, "Ctrl+T")
        self.open_action = action("&Open tour…", self._on_open_triggered)
        self.save_action = action("Save tour &as…", self._on_save_triggered)
        menu.addSeparator()
        # PageDown / PageUp are what presentation clickers send.
        self.next_action = action("&Next step", self.panel.next, QKeySequence(Qt.Key.Key_PageDown))
        self.previous_action = action("&Previous step", self.panel.previous, QKeySequence(Qt.Key.Key_PageUp))
        menu.addSeparator()
        self.add_action = action("A&dd this view as a step", self._on_add_triggered)
        self.edit_action = action("&Edit step…", self._on_edit_triggered)
        self.up_action = action("Move step &up", lambda: self._move(-1))
        self.down_action = action("Move step do&wn", lambda: self._move(1))
        self.remove_action = action("&Remove step", self._on_remove_triggered)
        menu.addSeparator()
        toggle = self.dock.toggleViewAction()
        toggle.setText("Show the tour &panel")
        menu.addAction(toggle)

    def detach(self) -> None:
        """Disconnect from widgets that are about to be destroyed (Python must not run during their teardown)."""
        if self._detached:
            return
        self._detached = True
        self.dock.visibilityChanged.disconnect(self._on_dock_visibility_changed)
        self.panel.detach()

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        self.panel.set_covering(visible)
        # The step list stands in for the lesson list while the tour is open, so the lesson keeps its width
        # (the lessons stay in View ▸ Lessons and Ctrl+1…9).
        self.window.side_column.setVisible(not visible and not self.window.presenting)
        self._update_actions()

    def _update_actions(self, *_) -> None:
        has_tour = self.panel.tour is not None
        shown = self.dock.isVisible()
        for item in (self.next_action, self.previous_action):
            item.setEnabled(has_tour and shown)
        for item in (self.save_action, self.edit_action, self.up_action, self.down_action, self.remove_action):
            item.setEnabled(has_tour)

    # -- opening --------------------------------------------------------------------
    def start_bundled(self) -> bool:
        return self.open_path(model.bundled_tour_path())

    def open_path(self, path, start: int = 0, show_dialog: bool = True) -> bool:
        """Read a tour file and show it from step ``start``; a refused file is explained, not raised."""
        try:
            tour = model.read_tour(path)
        except ValueError as exc:
            message = f"Could not open the tour: {exc}"
            self.window.statusBar().showMessage(message, 15000)
            if show_dialog:
                show_error(self.window, "Could not open the tour", message, next_step="The current tour is kept.")
            return False
        self.open_tour(tour, start)
        return True

    def open_tour(self, tour: model.Tour, start: int = 0) -> None:
        self.dock.show()
        self.panel.open_tour(tour, start)
        self._update_actions()

    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open tour", "", "ConvLens tour (*.json)")
        if path:
            self.open_path(path)

    def _on_save_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save tour", "my-tour.json", "ConvLens tour (*.json)")
        if not path:
            return
        if not path.lower().endswith(model.TOUR_SUFFIX):
            path += model.TOUR_SUFFIX
        try:
            self.panel.save(path)
        except (OSError, ValueError) as exc:
            show_error(self.window, "Could not save the tour", f"Could not write {path}: {exc}",
                       next_step="Check that the folder is writable; any older file there is unchanged.")
            return
        self.window.statusBar().showMessage(f"Saved the tour to {pathlib.Path(path).name}", 6000)

    # -- editing --------------------------------------------------------------------
    def _on_add_triggered(self) -> None:
        try:
            step = self.panel.add_current_view()
        except ValueError as exc:
            self.window.statusBar().showMessage(f"Could not add this view: {exc}", 8000)
            return
        self.dock.show()
        self.window.statusBar().showMessage(f"Added “{step.title}” as step {self.panel.index + 1}; "
                                            "Tour ▸ Edit step… gives it your words.", 8000)

    def _on_edit_triggered(self) -> None:
        step = self.panel.current_step()
        if step is None:
            return
        editor = StepEditor(step, self.window)
        while editor.exec() == QDialog.DialogCode.Accepted:
            try:
                self.panel.edit_step(self.panel.index, *editor.values())
                return
            except ValueError as exc:
                show_error(self.window, "That step cannot be kept", str(exc), next_step="Change it and try again.")

    def _move(self, delta: int) -> None:
        if self.panel.current_step() is not None:
            self.panel.move_step(self.panel.index, delta)

    def _on_remove_triggered(self) -> None:
        if self.panel.current_step() is None:
            return
        try:
            self.panel.remove_step(self.panel.index)
        except ValueError as exc:
            self.window.statusBar().showMessage(f"Could not remove the step: {exc}", 8000)
