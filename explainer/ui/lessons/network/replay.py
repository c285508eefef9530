"""Replaying a training run: a snapshot of the curves and kernels at each step, and the animation made of them.

While a run trains, :class:`TrainingRecording` keeps a snapshot every time
the run reports the first layer's kernels (its first batch, every fifth
batch and every epoch): how far the curves had got and a copy of the
kernels. After the run, :func:`training_animations` replays them, a frame
per snapshot, for File ▸ Export animation…: the curves grow on fixed axes
while the kernels change beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...animation import Animation
from ...widgets.training_curves import TrainingHistory


@dataclass(frozen=True)
class Snapshot:
    """One moment of a run: the first ``batches`` training points and ``epochs`` validation points
    of its history, and the first layer's kernels then, ``(K, k, k)``."""

    batches: int
    epochs: int
    kernels: np.ndarray


@dataclass
class TrainingRecording:
    """The snapshots of one run, taken from its reports (:meth:`take`), beside the history they index."""

    history: TrainingHistory = field(default_factory=TrainingHistory)
    snapshots: list[Snapshot] = field(default_factory=list)

    def take(self, progress) -> None:
        """Keep a snapshot if the report ``progress`` carries kernels (after the history took its figures)."""
        kernels = progress.extra.get("kernels")
        if kernels is None or progress.kind not in ("batch", "epoch"):
            return
        self.snapshots.append(Snapshot(len(self.history.x), len(self.history.epochs),
                                       np.array(kernels, dtype=np.float32, copy=True)))

    def history_at(self, index: int) -> TrainingHistory:
        """The history as it was at snapshot ``index``."""
        snap, h = self.snapshots[index], self.history
        return TrainingHistory(h.x[: snap.batches], h.loss[: snap.batches], h.accuracy[: snap.batches],
                               h.epochs[: snap.epochs], h.val_loss[: snap.epochs], h.val_accuracy[: snap.epochs])


NO_RUN = ("No training run to export yet: start one in the “Train a digit CNN” tab. Its curves and kernels are "
          "recorded as it trains, and can be exported once it has finished.")
RUNNING = ("Training is running: its curves and kernels can be exported once it has finished (or has been "
           "cancelled).")


def training_animations(lesson) -> list[Animation]:
    """The network lesson's animation: the last run's curves and first-layer kernels evolving."""
    recording, page = lesson.recording, lesson.training
    curves, kernels = page.curves, page.kernels
    count = 0 if lesson.is_training() else len(recording.snapshots)
    why = RUNNING if lesson.is_training() else ("" if count else NO_RUN)
    shown: dict = {}

    def show(index: int) -> None:
        curves.show_history(recording.history_at(index))
        kernels.set_weights(recording.snapshots[index].kernels)

    def start() -> None:
        lesson.state.tab = 1  # the "Train a digit CNN" tab
        shown["kernels"] = None if kernels.maps.values is None else kernels.maps.values.copy()
        h = recording.history
        # Fixed axes for the whole run, so the curves grow instead of the axes jumping.
        last = max(h.x + h.epochs, default=1.0)
        top = max(h.loss + h.val_loss, default=1.0)
        for plot in (curves.loss_plot, curves.accuracy_plot):
            plot.setXRange(0, last, padding=0.02)
        curves.loss_plot.setYRange(0, top, padding=0.05)

    def finish() -> None:
        for plot in (curves.loss_plot, curves.accuracy_plot):
            plot.enableAutoRange(x=True)
        curves.loss_plot.enableAutoRange(y=True)
        curves.accuracy_plot.setYRange(0, 1)
        curves.show_history(lesson.history)
        if shown.get("kernels") is not None:
            kernels.set_weights(shown["kernels"])
        else:
            kernels.clear_weights()

    return [Animation("The training curves and first-layer kernels during the last run", count, show, page,
                      unit="snapshot", fps=8, unavailable=why,
                      region=lambda: curves.geometry().united(kernels.geometry()), start=start, finish=finish)]
