"""The "Train a digit CNN" tab's behaviour: training data, runs in a worker, weight files.

A mixin of :class:`~.view.NetworkLesson` (it uses the lesson's ``state``, ``commands``,
``training`` page, runners and Qt signals, all made in ``NetworkLesson.__init__``).
Each run's reports reach the handlers together with the :class:`Run` they answer.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QFileDialog

from ....models import load_model_file, save_weights
from ....models.live import TrainSettings, check_training, describe_training_error
from ...widgets.training_curves import TrainingHistory
from ...workers import WorkResult, generator_worker
from . import jobs
from .jobs import load_digits, parameter_count, run_training
from .replay import TrainingRecording


@dataclass
class Run:
    """One training or transfer run: what was asked, and what came back."""

    request: object  # TrainSettings, or the transfer's (base, task, head)
    model: object = None
    error: BaseException | None = None
    report: object = None
    extra: dict = field(default_factory=dict)


class TrainingTab:
    """Training data, training runs and weight files (mixed into the lesson)."""

    #: Where each run writes a TensorBoard log (a new folder per run), or None for no log.
    log_folder: str | None = None

    # ================================================================ training data
    def _load_data(self, *_) -> None:
        self.data, self._data_pending = None, True
        self.training.data_label.setText("Loading the training digits…")
        self._render_buttons()
        self._data_loader.submit(load_digits, self.state.data_folder, context=self.state.data_folder)

    def _on_data_loaded(self, result: WorkResult) -> None:
        folder = result.context
        if folder != self.state.data_folder:
            return
        self._data_pending = False
        if result.error is not None and folder:
            self.commands.post_message(f"Could not use that folder: {result.error}", 12000)
            self.state.data_folder = ""  # back to the bundled sample
            return
        if result.error is not None:
            self.training.data_label.setText(f"<b>The bundled training digits cannot be read:</b> {result.error}. "
                                             "Click “Use an MNIST folder…” to train on MNIST files instead.")
            return
        self.data = result.value
        self._render_data()

    def _render_data(self, *_) -> None:
        label = self.training.data_label
        if self._data_pending:
            return
        if self.data is None:
            label.setText("<b>No training digits found.</b> The bundled sample (assets/samples/"
                          "mnist_train_subset.npz) is missing: click “Use an MNIST folder…” and pick the folder "
                          "with train-images-idx3-ubyte.gz (for example ../shared/data/mnist).")
        else:
            available = len(self.data.x_train)
            used = min(available, self.state.train_digits)
            label.setText(f"Data: {self.data.source}. A run trains on <b>{used:,}</b> of the "
                          f"{available:,} training digits.")
        self._render_buttons()

    def use_data_folder(self, folder) -> None:
        """Train on the MNIST files in ``folder`` (loaded in the background; a bad folder is explained)."""
        self.state.data_folder = str(folder)

    def _on_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with MNIST training files")
        if folder:
            self.use_data_folder(folder)

    # ================================================================ training
    def is_training(self) -> bool:
        return self._train_worker is not None

    def _render_buttons(self) -> None:
        t, training = self.training, self._train_worker is not None
        t.start_button.setEnabled(self.data is not None and not training)
        t.pause_button.setEnabled(training)
        t.cancel_button.setEnabled(training)
        self.transferring.transfer_button.setEnabled(self.data is not None and self._transfer_worker is None)

    def start_training(self) -> None:
        if self.data is None or self._train_worker is not None:
            return
        try:
            settings = TrainSettings(**self.state.train_settings())
            check_training(settings, self.data)
        except ValueError as exc:
            self.train_status.setText(f"Cannot train with these settings: {exc}.")
            return
        run = Run(settings)
        log_dir = None
        if self.log_folder:
            from ....models.export import new_run_dir

            log_dir = str(new_run_dir(self.log_folder))
        self.history = TrainingHistory()
        self.recording = TrainingRecording(self.history)  # replayed by File ▸ Export animation…
        self.curves.show_history(self.history)
        self.progress.setRange(0, settings.epochs)
        self.progress.setValue(0)
        self.train_status.setText(f"Training on {min(settings.train_digits, len(self.data.x_train)):,} digits…")
        # Any failure (torch's RuntimeError included) arrives as errored, then finished; the lesson says it once.
        worker = generator_worker(*jobs.background(run_training, settings, self.data, log_dir))
        worker.yielded.connect(partial(self._on_training_progress, run))
        worker.yielded.connect(self.recording.take)  # after the history took the report's figures
        worker.errored.connect(partial(setattr, run, "error"))
        worker.finished.connect(partial(self._on_training_finished, run))
        self._train_worker = worker
        self._render_buttons()
        worker.start()

    def _on_pause_toggled(self, paused: bool) -> None:
        self.training.pause_button.setText("Resume" if paused else "Pause")
        if self._train_worker is None:
            return
        if paused:
            self._train_worker.pause()
            self.train_status.setText("Paused.")
        else:
            self._train_worker.resume()
            self.train_status.setText("Training…")

    def cancel_training(self) -> None:
        if self._train_worker is not None:
            self._train_worker.quit()
            self._train_worker.resume()
            self.train_status.setText("Cancelling…")

    def _on_training_progress(self, run: Run, p) -> None:
        if "kernels" in p.extra:
            self.training.kernels.set_weights(p.extra["kernels"])
        if p.kind == "done":
            run.model, run.report = p.extra["model"], p
            return
        if p.kind == "batch":
            self.history.add_batch((p.epoch - 1) + p.batch / p.batches, p.loss, p.accuracy)
        else:
            self.history.add_epoch(p.epoch, p.val_loss, p.val_accuracy)
            self.progress.setValue(p.epoch)
            self.train_status.setText(f"Epoch {p.epoch}/{p.epochs}: training loss {p.loss:.3f}, validation "
                                      f"accuracy {p.val_accuracy:.1%} ({p.seconds:.1f} s)")
        if p.kind == "epoch" or p.batch % 5 == 0:
            self.curves.show_history(self.history)

    def _on_training_finished(self, run: Run) -> None:
        self._train_worker = None
        with QSignalBlocker(self.training.pause_button):
            self.training.pause_button.setChecked(False)
            self.training.pause_button.setText("Pause")
        self._render_buttons()
        self.curves.show_history(self.history)
        if run.error is not None:
            error = getattr(run.error, "error", run.error)
            self.train_status.setText(f"Training failed: {describe_training_error(error)}. "
                                      "The previous model (if any) is kept.")
        elif run.model is not None:
            p, settings = run.report, run.request
            self.train_status.setText(
                f"Done: best validation accuracy {p.extra['best_val_accuracy']:.1%} after {p.epochs} epochs in "
                f"{p.seconds:.1f} s (the best epoch's weights are kept). {parameter_count(run.model):,} parameters "
                f"(conv {settings.conv1}/{settings.conv2}, dense {settings.hidden}).")
            self.state.set_trained_model(run.model, "your trained model")
            log = p.extra.get("tensorboard")
            if log is not None:
                self.train_status.setText(self.train_status.text() + f" TensorBoard log: {log['dir']}"
                                          + (f" (without its graph: {log['graph_error']})" if log["graph_error"]
                                             else " (scalars and graph)."))
        else:
            self.train_status.setText("Cancelled. The previous model (if any) is kept.")
        self.training_finished.emit(run.model is not None and run.error is None)

    # ================================================================ TensorBoard
    def write_logs_to(self, folder: str | None) -> bool:
        """Write a TensorBoard log of each run under ``folder`` (None: no logs).

        Returns False, with the command that installs it shown under the check box, when
        tensorboard is not installed.
        """
        from ....models.export import INSTALL_TENSORBOARD, tensorboard_available

        t = self.training
        missing = bool(folder) and not tensorboard_available()
        self.log_folder = None if missing or not folder else str(folder)
        with QSignalBlocker(t.tensorboard_check):
            t.tensorboard_check.setChecked(self.log_folder is not None)
        if missing:
            t.tensorboard_label.setText(f"TensorBoard is not installed, so no log can be written. Install it with "
                                        f"<code>{INSTALL_TENSORBOARD}</code>, then tick this again.")
        elif self.log_folder:
            t.tensorboard_label.setText(f"Each run writes a new folder in {self.log_folder}; see them with "
                                        f"<code>tensorboard --logdir \"{self.log_folder}\"</code>.")
        t.tensorboard_label.setVisible(missing or self.log_folder is not None)
        return not missing

    def _on_tensorboard_toggled(self, on: bool) -> None:
        from ....models.export import tensorboard_available

        folder = None
        if on and tensorboard_available():
            folder = QFileDialog.getExistingDirectory(self, "Folder for TensorBoard logs") or None
        elif on:
            folder = self.log_folder or "."  # only to say what to install: write_logs_to keeps no folder
        self.write_logs_to(folder)

    # ================================================================ weight files
    def save_model(self, path) -> bool:
        model = self.state.trained_model
        if model is None or not hasattr(model, "config"):
            self.commands.post_message("There is no trained model to save yet.", 8000)
            return False
        try:
            save_weights(path, "mnist", model, model.config)
        except OSError as exc:
            self.commands.post_message(f"Could not save to {path}: {exc}", 12000)
            return False
        self.commands.post_message(f"Saved the trained model to {path}.")
        return True

    def load_model_from(self, path) -> None:
        """Read a weights-only digit model file in the background; it becomes "your model"."""
        self.train_status.setText(f"Loading {pathlib.Path(path).name}…")
        self._file_loader.submit(load_model_file, path, "mnist", context=pathlib.Path(path))

    def _on_model_file_loaded(self, result: WorkResult) -> None:
        path = result.context
        if result.error is not None:
            self.train_status.setText(f"Could not load that file: {result.error}")
            self.commands.post_message(f"Could not load the model: {result.error}", 12000)
            return
        self.state.set_trained_model(result.value, f"your trained model ({path.name})")
        self.train_status.setText(f"Loaded a model with {parameter_count(result.value):,} parameters from "
                                  f"{path.name}. Click “Use this model” to draw with it.")

    def open_file(self, path) -> bool:
        """A weights file (``.pt``) opened or dropped on this lesson becomes "your model"; anything else is an image."""
        if pathlib.Path(path).suffix.lower() != ".pt":
            return False
        self.state.tab = 1  # where the loaded model's status and buttons are
        self.load_model_from(path)
        return True

    def _on_save_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the trained model", "my-digit-cnn.pt",
                                              "ConvLens weights (*.pt)")
        if path:
            self.save_model(path)

    def _on_load_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a trained digit model", "", "ConvLens weights (*.pt)")
        if path:
            self.load_model_from(path)
