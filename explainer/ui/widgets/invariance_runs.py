"""The invariance lab's long runs: the sweep and the occlusion map, each in a generator worker.

Each run reports every point (or batch of patch positions) as it arrives and
stops between two when cancelled; a run that has been shut down is heard from
no more. The runs draw on the lab's pages (:class:`~.invariance_sweep.SweepPanel`,
:class:`~.invariance_probes.OcclusionPanel`) and tell the lab when they end.
"""

from __future__ import annotations

import threading
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, Signal

from ...models.invariance import OCCLUSION_FILL, occlusion_map, sweep_note, sweep_values
from ..workers import WorkResult, generator_worker
from .invariance_probes import OcclusionPanel
from .invariance_state import InvarianceState
from .invariance_sweep import SweepPanel
from .invariance_work import SweepJob, load_sweep_data, run_sweeps


class GeneratorRun:
    """One generator worker at a time, with a stop flag the work checks between steps."""

    def __init__(self) -> None:
        self.worker = None
        self.stop: threading.Event | None = None

    def start(self, work, on_item, on_error, on_done) -> None:
        """Iterate ``work(stop)`` in a worker thread; ``stop`` is a :class:`threading.Event` set on cancel."""
        self.stop = threading.Event()
        worker = generator_worker(work, self.stop)
        worker.yielded.connect(on_item)
        worker.errored.connect(on_error)
        worker.finished.connect(self._ended)
        worker.finished.connect(on_done)
        self.worker = worker
        worker.start()

    def _ended(self) -> None:
        self.worker = self.stop = None

    def busy(self) -> bool:
        return self.worker is not None

    def cancel(self) -> None:
        """Stop at the next step (the run still reports its end)."""
        if self.worker is not None:
            self.stop.set()
            self.worker.quit()

    def shutdown(self) -> None:
        """Stop at the next step and hear nothing more from the run."""
        if self.worker is not None:
            for signal in (self.worker.yielded, self.worker.errored, self.worker.finished):
                signal.disconnect()
            self.cancel()
        self.worker = self.stop = None


class SweepRuns(QObject):
    """Loads the held-out data and the networks once, then runs sweeps and draws them on ``panel``.

    Signals
    -------
    loaded()
        The held-out data and networks are in (:attr:`data`).
    finished()
        A sweep ended (done, cancelled or failed) and its note is written.
    """

    loaded = Signal()
    finished = Signal()

    def __init__(self, state: InvarianceState, panel: SweepPanel, kind: str, make_runner,
                 live_model_name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.panel, self.kind = state, panel, kind
        self.live_model_name = live_model_name
        #: ``load_sweep_data``'s result, once loaded.
        self.data: dict | None = None
        self.error: BaseException | None = None
        self._loading = self._wanted = False
        self._run = GeneratorRun()
        self._loader = make_runner(self._on_loaded)

    def load(self) -> None:
        """Load the held-out data and the networks the sweeps compare, once, in a worker."""
        if self.data is None and not self._loading:
            self._loading = True
            names = tuple(dict.fromkeys(model for model, _recipe, _text in self.state.series.values()))
            self._loader.submit(load_sweep_data, self.kind, names, self.live_model_name)

    def _on_loaded(self, result: WorkResult) -> None:
        self._loading = False
        self.error = result.error
        if result.error is not None:
            self.panel.finish(f"Could not load the held-out data and networks: {result.error}")
        else:
            self.data = result.value
        self.loaded.emit()
        if self._wanted and self.data is None:  # the sweep asked for cannot run: it ends here
            self._wanted = False
            self.finished.emit()
        if self._wanted and self.data is not None:
            self._wanted = False
            self.run()

    def run(self) -> None:
        """Accuracy over the chosen transform's range for every chosen curve, point by point."""
        if self._run.busy() or not self.state.sweep_series:
            return
        if self.data is None:
            self._wanted = True
            self.panel.note.setText("Loading the held-out data and the networks…")
            self.load()
            return
        jobs, skipped = [], {}
        for key in self.state.sweep_series:
            name, recipe, _text = self.state.series[key]
            if name in self.data["models"]:
                jobs.append(SweepJob(key, self.data["models"][name], recipe and self.kind == "digit"))
            else:
                skipped[key] = self.data["missing"][name]
        if not jobs or len(self.data["images"]) == 0:
            reason = ("no held-out data is bundled" if len(self.data["images"]) == 0
                      else "; ".join(dict.fromkeys(skipped.values())))
            self.panel.finish(f"Nothing to sweep: {reason}.")
            self.finished.emit()
            return
        transform = self.state.sweep_transform
        count = len(sweep_values(transform))
        self.panel.begin([job.key for job in jobs], count * len(jobs))
        run = {"error": None, "points": {job.key: [] for job in jobs}, "transform": transform,
               "total": count * len(jobs), "skipped": skipped}
        work = partial(run_sweeps, jobs, self.data["images"], self.data["labels"], transform, self.kind)
        self._run.start(work, on_item=partial(self._on_point, run), on_error=lambda error: run.update(error=error),
                        on_done=partial(self._on_done, run))

    def cancel(self) -> None:
        self._run.cancel()

    def _on_point(self, run: dict, item) -> None:
        key, point = item
        run["points"][key].append(point)
        self.panel.add_point(key, point.value, point.accuracy)

    def _on_done(self, run: dict) -> None:
        series = self.state.series
        sentences = [sweep_note(points, run["transform"], series[key][2])
                     for key, points in run["points"].items() if points]
        done = sum(len(points) for points in run["points"].values())
        if run["error"] is not None:
            sentences.insert(0, f"The sweep failed: {run['error']}.")
        elif done < run["total"]:
            sentences.insert(0, f"Cancelled after {done} of {run['total']} points.")
        for reason in dict.fromkeys(run["skipped"].values()):
            missing = [series[key][2] for key, why in run["skipped"].items() if why == reason]
            sentences.append(f"Not drawn ({', '.join(missing)}): {reason}.")
        self.panel.finish("<br>".join(sentences))
        self.finished.emit()

    def busy(self) -> bool:
        return self._run.busy()

    def shutdown(self) -> None:
        self._run.shutdown()


class OcclusionRuns(QObject):
    """Slides a patch over the network's input in a worker; the map fills in on ``panel`` as it goes.

    The patch is black on digits (their background is black: a grey patch there would add ink) and
    mid-grey on photos (:data:`~explainer.models.invariance.OCCLUSION_FILL`).

    Signals
    -------
    finished()
        A map ended (done, cancelled, failed or outdated) and its note is written.
    """

    finished = Signal()

    def __init__(self, panel: OcclusionPanel, labels: list[str], kind: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel, self.labels = panel, labels
        self.fill = OCCLUSION_FILL[kind]
        #: The input the map on screen (or being made) is for; None when there is none.
        self.input: np.ndarray | None = None
        self._run = GeneratorRun()

    def run(self, model, x: np.ndarray, label: int, known: bool, patch: int, stride: int) -> None:
        """Map how much P(``label``) drops with the patch at each position of ``x`` (C, H, W)."""
        if self._run.busy():
            return
        side = x.shape[1]
        if patch > side or stride > side:
            self.panel.finish(f"The patch and the stride must fit the {side}×{side} input.")
            self.finished.emit()
            return
        if stride > patch:  # the map would have holes that look like "hiding this changes nothing"
            self.panel.finish(f"Choose a stride no larger than the patch ({patch} px): with a stride of {stride} px "
                              f"some pixels would never be hidden, and the map would show nothing there.")
            self.finished.emit()
            return
        positions = len(range(0, side - patch + 1, stride)) + ((side - patch) % stride != 0)
        self.panel.begin(positions * positions, self.labels[label], "black" if self.fill == 0 else "grey")
        self.input = x
        run = {"error": None, "map": None, "label": label, "known": known}
        def work(stop: threading.Event):
            return occlusion_map(model, x, label, patch, stride, self.fill, cancelled=stop.is_set)

        self._run.start(work, on_item=partial(self._on_step, run), on_error=lambda error: run.update(error=error),
                        on_done=partial(self._on_done, run))

    def outdated(self, why: str) -> None:
        """The input or the patch changed: stop any run and take the map off, saying ``why``."""
        self._run.cancel()
        if self.input is not None or self.panel.view.values is not None:
            self.input = None
            self.panel.clear_map(f"{why}: press <b>Where does it look?</b> again.")

    def cancel(self) -> None:
        self._run.cancel()

    def _on_step(self, run: dict, step) -> None:
        run["map"] = step.map
        if self.input is not None:
            self.panel.show_step(step.done, step.map.pixel_map())

    def _on_done(self, run: dict) -> None:
        result = run["map"]
        if run["error"] is not None:
            self.panel.finish(f"Could not compute the map: {run['error']}")
        elif self.input is None:  # outdated meanwhile: its note says so
            self.panel.finish(self.panel.note.text())
        elif result is None or np.isnan(result.drops).any():
            self.panel.finish("Stopped before the map was complete.")
        else:
            self.panel.finish(occlusion_text(result, self.labels[run["label"]], run["known"]))
        self.finished.emit()

    def busy(self) -> bool:
        return self._run.busy()

    def shutdown(self) -> None:
        self._run.shutdown()


def occlusion_text(result, name: str, known: bool) -> str:
    """What a finished occlusion map says, in words, from its numbers."""
    drops = result.drops
    i, j = np.unravel_index(int(np.nanargmax(drops)), drops.shape)
    worst, top, left = float(drops[i, j]), int(result.rows[i]), int(result.cols[j])
    which = "the true class" if known else "the class it read"
    text = (f"P({name}), {which}, is {result.base_probability:.1%} with nothing hidden. Warm colours: hiding that "
            f"part lowers it; cool colours: hiding it raises it (each pixel shows the mean over the patch positions "
            f"that cover it). ")
    if worst <= 0.01:
        return text + "No single patch lowers it by more than 1 point: the network does not rely on one spot."
    return text + (f"It drops most, by {100 * worst:.1f} points to {result.base_probability - worst:.1%}, with the "
                   f"{result.patch}×{result.patch} patch at rows {top}–{top + result.patch - 1}, "
                   f"columns {left}–{left + result.patch - 1}.")
