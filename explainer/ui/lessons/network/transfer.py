"""The "Transfer learning" tab's behaviour: freeze a digit network, train a new two-class output layer.

A mixin of :class:`~.view.NetworkLesson`. Every count it shows (the new layer's
inputs, trained and frozen parameters) is read from the model actually used.
"""

from __future__ import annotations

from functools import partial

from ....models.live import describe_training_error
from ...workers import WorkResult, generator_worker
from . import jobs
from .jobs import head_plan, run_transfer
from .state import HEAD_TEXT, TRANSFER_EPOCHS
from .training import Run

BASE_TEXT = {"bundled": "bundled digit CNN", "yours": "your model (trained or loaded here)"}
NO_MODEL_YET = ("No model of yours yet: train one in the “Train a digit CNN” tab, or load a saved one "
                "there with “Load…”.")


class TransferTab:
    """The plan (what would be trained and frozen) and the transfer runs (mixed into the lesson)."""

    # ================================================================ transfer learning
    def _base_model(self):
        """``(model, what, problem)``: the network to freeze (None = bundled), its name, or why there is none."""
        base = self.state.transfer_base
        if base == "in use":
            return self.app_state.digit_model, self.app_state.digit_model_name, None
        if base == "bundled":
            return None, BASE_TEXT["bundled"], None
        model = self.state.trained_model
        return model, self.state.trained_model_name, None if model is not None else NO_MODEL_YET

    def _plan(self, *_) -> None:
        model, what, problem = self._base_model()
        if problem is not None:
            self.transferring.plan_label.setText(problem)
            return
        head = self.state.head
        self._planner.submit(head_plan, model, head, context=(self.state.transfer_base, model, head, what))

    def _on_planned(self, result: WorkResult) -> None:
        base, model, head, what = result.context
        if (base, head) != (self.state.transfer_base, self.state.head) or model is not self._base_model()[0]:
            return
        if result.error is not None:
            self.transferring.plan_label.setText(f"Cannot put a new output layer on {what}: {result.error}")
            return
        plan = result.value
        self.transferring.plan_label.setText(
            f"On <b>{what}</b>, the new output layer ({HEAD_TEXT[head]}) reads the {plan['inputs']:,} values "
            f"of the layer before it, so <b>{plan['inputs']} × {plan['outputs']} + {plan['outputs']} = "
            f"{plan['trained']:,}</b> parameters are trained; <b>{plan['frozen']:,}</b> stay frozen.")

    def start_transfer(self) -> None:
        if self.data is None or self._transfer_worker is not None:
            return
        model, what, problem = self._base_model()
        if problem is not None:
            self.transfer_result.setText(problem)
            return
        run = Run((what, self.state.task_name(), self.state.head))
        self.transferring.transfer_progress.setRange(0, TRANSFER_EPOCHS)
        self.transferring.transfer_progress.setValue(0)
        # Any failure (torch's RuntimeError included) arrives as errored, then finished; the lesson says it once.
        worker = generator_worker(*jobs.background(run_transfer, model, self.state.task_name(), self.state.head,
                                                   self.data))
        worker.yielded.connect(partial(self._on_transfer_progress, run))
        worker.errored.connect(partial(setattr, run, "error"))
        worker.finished.connect(partial(self._on_transfer_finished, run))
        self._transfer_worker = worker
        self._render_buttons()
        worker.start()

    def _on_transfer_progress(self, run: Run, p) -> None:
        self.transferring.transfer_progress.setValue(p.epoch)
        if p.kind != "done":
            return
        what, task, head = run.request
        run.model, run.extra = p.extra["model"], p.extra
        layer = run.model.classifier[-1]  # the new head: its sizes come from the model actually used
        n_in, n_out, trained, frozen = layer.in_features, layer.out_features, p.extra["trained"], p.extra["frozen"]
        self.transfer_result.setText(
            f"<b>{task}</b> with {HEAD_TEXT[head]} on {what}: trained <b>{trained:,}</b> parameters "
            f"({n_in} × {n_out} + {n_out} = {trained:,}), frozen <b>{frozen:,}</b>; validation accuracy "
            f"<b>{p.val_accuracy:.1%}</b> after {p.epochs} epochs in {p.seconds:.2f} s.")
        self._transfer_rows[run.request] = (
            f"<tr><td>{task}</td><td>{what}</td><td>{HEAD_TEXT[head]}</td><td align='right'>{trained:,}</td>"
            f"<td align='right'>{frozen:,}</td><td align='right'>{p.val_accuracy:.1%}</td></tr>")
        self.transfer_table.setText(
            "<table cellspacing='6'><tr><th align='left'>task</th><th align='left'>frozen network</th>"
            "<th align='left'>output layer</th><th>trained</th><th>frozen</th><th>accuracy</th></tr>"
            + "".join(self._transfer_rows.values()) + "</table>")
        self.transferred_model = run.model

    def _on_transfer_finished(self, run: Run) -> None:
        self._transfer_worker = None
        self._render_buttons()
        if run.error is not None:
            error = getattr(run.error, "error", run.error)
            self.transfer_result.setText(f"Transfer learning failed: {describe_training_error(error)}.")
        elif run.model is not None:
            self.transfer_finished.emit(run.extra)
