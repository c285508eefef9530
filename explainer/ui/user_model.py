"""A model of the user's own in the window: File ▸ Open model…, Back to bundled models, Export model as ONNX….

:class:`UserModelControls` owns the menu actions and the background work. A model file
(ONNX or a ``torch.export`` program) is opened in a worker with
:func:`explainer.models.external.open_model`; a refused file is explained with the
sentence it was refused with, and the model in use stays. When the model does not
say how an image becomes its input, :class:`~.preprocessing_dialog.PreprocessingDialog`
asks once. The model, its path and its settings go to the app state, which the
network and photo lessons follow; sessions keep the path and the settings.
"""

from __future__ import annotations

import dataclasses
import pathlib

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QProgressBar

from .errors import show_error
from .preprocessing_dialog import PreprocessingDialog, describe
from .workers import LatestOnlyRunner, WorkResult

#: Files opened as models (anything else dropped on the window is an image or a session).
MODEL_SUFFIXES = (".onnx", ".pt2")
#: PyTorch pickles: opened too, so that the reason they are refused (and what to do instead) is shown.
PICKLE_SUFFIXES = (".pt", ".pth")
MODEL_FILE_FILTER = ("Models (*.onnx *.pt2);;PyTorch files, refused with the reason (*.pt *.pth);;"
                     "All files (*)")
#: The bundled networks File ▸ Export model as ONNX… offers: name → (menu text, example input shape).
EXPORTABLE = {
    "mnist": ("Digit CNN (MNIST)", (1, 1, 28, 28)),
    "cifar10": ("Photo CNN (CIFAR-10)", (1, 3, 32, 32)),
    "fcn32s": ("FCN-32s segmenter", (1, 1, 96, 96)),
    "fcn16s": ("FCN-16s segmenter", (1, 1, 96, 96)),
    "fcn8s": ("FCN-8s segmenter", (1, 1, 96, 96)),
}
#: The digit model trained in the app (AppState.digit_model), in the export menu.
DIGIT_MODEL_IN_USE = "digit model in use"


def is_model_file(path) -> bool:
    """True for a file the window opens as a model (ONNX, ``.pt2``, or a PyTorch pickle it explains)."""
    return pathlib.Path(path).suffix.lower() in MODEL_SUFFIXES + PICKLE_SUFFIXES


def _open(path: str, size: tuple[int, int] | None = None):
    """Worker: open a model file (no code from the file runs; ValueError with a sentence if refused).

    ``size`` prepares a model whose file leaves its input size open for that (height, width).
    """
    from ..models.external import open_model

    return open_model(path, size=size)


def _fixed_size(model) -> bool:
    """Whether the file fixes the input's height and width (else the settings dialog may change them)."""
    return bool(getattr(model, "size_fixed", True))


def needs_reopening(model, preprocessing) -> bool:
    """Whether ``model`` must be opened again to read images of ``preprocessing``'s size (an open-size input)."""
    return not _fixed_size(model) and tuple(preprocessing.size) != tuple(model.input_shape[2:])


def export_bundled(name: str, path: str, model=None) -> str:
    """Worker: write bundled network ``name`` (or the digit ``model`` given) to ``path`` as ONNX; returns the path.

    The file carries the class names and input settings (:func:`explainer.models.export.export_onnx`). A model
    another lesson may be running is exported through a private twin that shares its weights.
    """
    import torch

    from ..models import load_model
    from ..models.export import export_onnx
    from ..models.trace import private_twin

    key = "mnist" if name == DIGIT_MODEL_IN_USE else name
    net = private_twin(model) if model is not None else load_model(key)
    export_onnx(net, torch.zeros(EXPORTABLE[key][1]), path)
    return str(path)


class UserModelControls(QObject):
    """The window's model menu actions and their background work.

    Signals
    -------
    opened(str)
        A model is now in use (its name).
    refused(str)
        A file could not be used: the sentence shown to the user.
    exported(str)
        An ONNX file was written (its path).
    """

    opened = Signal(str)
    refused = Signal(str)
    exported = Signal(str)

    def __init__(self, window, file_menu, before: QAction) -> None:
        super().__init__(window)
        self.window = window
        self.app_state = window.app_state
        #: Settings the user confirmed this run, per model file (a model reopened is not asked twice).
        self.confirmed: dict[str, object] = {}
        #: The dialog asking for a model's input settings, while it is open.
        self.dialog: PreprocessingDialog | None = None
        self._show_dialogs = self._export_dialogs = True
        self._loader = LatestOnlyRunner(self)
        self._loader.finished.connect(self._on_loaded)
        self._loader.busy_changed.connect(self._on_busy_changed)
        window.commands.model_reopen_requested.connect(self._on_reopen_requested)
        self._exporter = LatestOnlyRunner(self)
        self._exporter.finished.connect(self._on_exported)
        self._exporter.busy_changed.connect(self._on_busy_changed)
        self.busy_bar = QProgressBar(objectName="modelBusyBar", maximumWidth=160, textVisible=False)
        self.busy_bar.setRange(0, 0)  # no steps to count: a moving bar says "working"
        self.busy_bar.hide()
        window.statusBar().addPermanentWidget(self.busy_bar)

        self.open_action = self._action("Open &model…", self._on_open_triggered, "Ctrl+M",
                                        "Open an ONNX or torch.export (.pt2) model of your own")
        self.bundled_action = self._action("&Back to bundled models", self.use_bundled, None,
                                           "The network and photo lessons show the bundled networks again")
        self.settings_action = self._action("Model &input settings…", self.edit_settings, None,
                                            "Input size, channel order, scale and mean/std of your model")
        for action in (self.open_action, self.bundled_action, self.settings_action):
            file_menu.insertAction(before, action)
        self.export_menu = QMenu("Export model as &ONNX", self.window)
        file_menu.insertMenu(before, self.export_menu)
        self.export_actions: dict[str, QAction] = {}
        for name, (title, _shape) in EXPORTABLE.items():
            self.export_actions[name] = self.export_menu.addAction(f"{title}…", lambda n=name: self.ask_export(n))
        self.export_actions[DIGIT_MODEL_IN_USE] = self.export_menu.addAction(
            "The digit model in use (trained or loaded in the app)…", lambda: self.ask_export(DIGIT_MODEL_IN_USE))
        self.export_menu.aboutToShow.connect(self._render_export_menu)
        file_menu.insertSeparator(before)
        for signal in (self.app_state.events.external_model, self.app_state.events.external_preprocessing):
            signal.connect(self._render_actions)
        self._render_actions()

    def _action(self, text: str, slot, shortcut, tip: str) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(shortcut)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _render_actions(self, *_) -> None:
        in_use = self.app_state.external_model is not None
        self.bundled_action.setEnabled(in_use)
        self.settings_action.setEnabled(in_use)

    def _render_export_menu(self) -> None:
        self.export_actions[DIGIT_MODEL_IN_USE].setEnabled(self.app_state.digit_model is not None)

    def is_busy(self) -> bool:
        return self._loader.is_busy() or self._exporter.is_busy()

    def _on_busy_changed(self, _busy: bool) -> None:
        self.busy_bar.setVisible(self.is_busy())

    # -- opening ------------------------------------------------------------------
    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a model", "", MODEL_FILE_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path, show_dialogs: bool = True, preprocessing=None) -> None:
        """Open model file ``path`` in the background; it becomes the model in use once it is read.

        ``preprocessing`` (from a session) is used instead of asking. ``show_dialogs`` False never
        opens a dialog: a refusal goes to the status bar only, and a model that does not say how it
        reads an image uses the defaults (the command line's ``--screenshot``).
        """
        path = pathlib.Path(path)
        self._show_dialogs = show_dialogs
        size = None if preprocessing is None else tuple(preprocessing.size)
        self._loader.submit(_open, str(path), size, context=(str(path.resolve()), preprocessing))
        self.window.statusBar().showMessage(f"Opening the model {path.name}…")

    def _on_loaded(self, result: WorkResult) -> None:
        path, preprocessing = result.context
        name = pathlib.Path(path).name
        if result.error is not None:
            reason = str(result.error) if isinstance(result.error, ValueError) else \
                f"unexpected {type(result.error).__name__}: {result.error}"
            message = f"Could not open the model {name}: {reason}"
            in_use = ("the bundled models are" if self.app_state.external_model is None else
                      f"{self.app_state.external_model.name} is")
            self.window.statusBar().showMessage(f"{message} — {in_use} still in use.", 15000)
            self.refused.emit(message)
            if self._show_dialogs:
                show_error(self.window, "Could not open the model", message,
                           details="" if isinstance(result.error, ValueError) else result.details,
                           next_step=f"Nothing changed: {in_use} still in use.")
            return
        model = result.value
        preprocessing = preprocessing or self.confirmed.get(path)
        if preprocessing is None and model.preprocessing.source == "default" and self._show_dialogs:
            self.ask_settings(model, path)
            return
        self.use(model, path, preprocessing)

    def use(self, model, path: str, preprocessing=None) -> None:
        """Make ``model`` the model in use (with ``preprocessing``, else what the model says).

        Settings kept from before (a session) whose size or channels are not the model's input's (the file
        was replaced) take the model's, with a note: the dialog cannot change a fixed input size.
        """
        notes = list(getattr(model, "notes", []) or [])
        shape = tuple(model.input_shape)
        if preprocessing is not None and (tuple(preprocessing.size), preprocessing.channels) != (shape[2:], shape[1]):
            saved = f"{preprocessing.channels}×{preprocessing.size[0]}×{preprocessing.size[1]}"
            notes.append(f"The saved input settings ({saved}) do not fit the model, whose input is "
                         f"{shape[1]}×{shape[2]}×{shape[3]}; the model's size is used.")
            preprocessing = dataclasses.replace(preprocessing, size=tuple(shape[2:]), channels=shape[1])
        self.app_state.set_external_model(model, path, preprocessing)
        used = self.app_state.external_preprocessing
        settings = describe(used)
        source = {"model": "as the model says", "user": "as you chose", "default": "ConvLens' defaults"}.get(
            used.source, used.source)
        notes = " ".join(notes)
        self.window.statusBar().showMessage(
            f"The network and photo lessons show your model {model.name} ({len(model.layers())} layers; input "
            f"{settings}, {source}). {notes}".strip(), 12000)
        self.opened.emit(model.name)

    def ask_settings(self, model, path: str, current=None) -> PreprocessingDialog:
        """Ask (without blocking) how ``model`` reads an image; accepted settings are kept and used."""
        if self.dialog is not None:
            self.dialog.close()
        dialog = PreprocessingDialog(current or model.preprocessing, model.name, self.window,
                                     fixed_size=_fixed_size(model))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog

        def done(accepted: int) -> None:
            self.dialog = None
            if not accepted:
                if self.app_state.external_model is not model:
                    self.window.statusBar().showMessage(f"{model.name} was not opened: no input settings chosen.",
                                                        8000)
                return
            chosen = dialog.preprocessing()
            self.confirmed[path] = chosen
            if needs_reopening(model, chosen):  # another size for an open-size input: prepare the model for it
                self.open_path(path, show_dialogs=self._show_dialogs, preprocessing=chosen)
            else:
                self.use(model, path, chosen)

        dialog.finished.connect(done)
        dialog.open()  # window-modal, no nested event loop
        return dialog

    def _on_reopen_requested(self, preprocessing) -> None:
        """A lesson chose another input size for the open-size model in use: open it again for that size."""
        path = self.app_state.external_model_path
        if self.app_state.external_model is not None and path:
            self.confirmed[path] = preprocessing
            self.open_path(path, preprocessing=preprocessing)

    def edit_settings(self) -> None:
        """Model ▸ input settings: change how the model in use reads an image."""
        model = self.app_state.external_model
        if model is not None:
            self.ask_settings(model, self.app_state.external_model_path, self.app_state.external_preprocessing)

    def use_bundled(self) -> None:
        """Back to the bundled models (the network and photo lessons show them again)."""
        if self.app_state.external_model is None:
            return
        name = self.app_state.external_model.name
        self.app_state.set_external_model(None)
        self.window.statusBar().showMessage(f"Back to the bundled models ({name} is no longer shown).", 6000)

    # -- sessions -------------------------------------------------------------------
    def session_entry(self) -> dict | None:
        """What a session keeps: the model file and the settings in use (None: the bundled models)."""
        if self.app_state.external_model is None:
            return None
        preprocessing = self.app_state.external_preprocessing
        return {"path": self.app_state.external_model_path,
                "preprocessing": None if preprocessing is None else preprocessing.to_dict()}

    def restore(self, entry, show_dialogs: bool = True) -> list[str]:
        """Put a session's model back (checked by ``sessions.check_session``); returns notes for the user."""
        if entry is None:
            self.use_bundled()
            return []
        path = pathlib.Path(entry["path"])
        if not path.is_file():
            self.use_bundled()
            return [f"Its model {path} is no longer there, so the bundled models are used."]
        self.open_path(path, show_dialogs=show_dialogs, preprocessing=entry["preprocessing"])
        return []

    # -- export ---------------------------------------------------------------------
    def ask_export(self, name: str) -> None:
        suggested = f"convlens-{'my-digit-cnn' if name == DIGIT_MODEL_IN_USE else name}.onnx"
        path, _ = QFileDialog.getSaveFileName(self.window, "Export model as ONNX", suggested, "ONNX model (*.onnx)")
        if path:
            if not path.lower().endswith(".onnx"):
                path += ".onnx"
            self.export(name, path)

    def export(self, name: str, path, show_dialog: bool = True) -> None:
        """Write bundled network ``name`` (or :data:`DIGIT_MODEL_IN_USE`) to ``path`` as ONNX, in the background.

        When it is written a message says where (and a dialog unless ``show_dialog`` is False).
        """
        self._export_dialogs = show_dialog
        model = None
        if name == DIGIT_MODEL_IN_USE:
            model = self.app_state.digit_model
            if model is None:
                self.window.statusBar().showMessage("No digit model has been trained or loaded in the app yet.",
                                                    8000)
                return
        self._exporter.submit(export_bundled, name, str(path), model, context=(name, str(path)))
        self.window.statusBar().showMessage(f"Exporting to {pathlib.Path(path).name}…")

    def _on_exported(self, result: WorkResult) -> None:
        name, path = result.context
        if result.error is not None:
            message = f"Could not export {name} to {path}: {result.error}"
            self.window.statusBar().showMessage(message, 15000)
            self.refused.emit(message)
            if self._export_dialogs:
                show_error(self.window, "Could not export the model", message,
                           next_step="Check that the folder exists and is writable.")
            return
        message = f"Saved {name} as ONNX to {path}. Open it in Netron (netron.app) to see its graph."
        self.window.statusBar().showMessage(message, 15000)
        self.exported.emit(path)
        if self._export_dialogs:
            box = QMessageBox(QMessageBox.Icon.Information, "Model exported", message, parent=self.window)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def shutdown(self) -> None:
        self._loader.shutdown()
        self._exporter.shutdown()
