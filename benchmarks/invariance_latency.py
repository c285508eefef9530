"""Slider-move latency of the draw lesson's invariance lab: transform + recipe + inference, then the lab repainted.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/invariance_latency.py [--runs N]

For two of the lab's pages ("Every layer", the busiest, and "Sweep") it times
one slider move (a different shift each time, recipe on):

1. worker: the transform, the MNIST recipe and the network with every layer's
   activations (what the worker thread does);
2. 1 + the lab updated (pictures, answer, probabilities and, on "Every layer",
   every layer), then Qt's event loop repaints the widgets that changed, as the
   app does it (the script counts the paints of the pictures, so a refresh that
   painted nothing would show up);
3. 1 + the update, then the whole lesson re-rendered by ``grab()`` (stricter:
   it also redraws everything that did not change);
4. the round trip: a key press on the slider until the worker's answer is drawn
   and the event loop has repainted (thread hand-off included).

It also times one full 17-point sweep (with pooling, recipe on) on the 300
held-out digits from the Run button to the last point drawn. Prints the median
and 95th percentile in milliseconds.
"""

import argparse
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _report import report  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.ui.app import configure_runtime  # noqa: E402
from explainer.ui.lessons.draw import create  # noqa: E402
from explainer.ui.state import AppState, Commands  # noqa: E402
from explainer.ui.widgets.invariance_state import PANELS  # noqa: E402
from explainer.ui.widgets.invariance_work import LabRequest, read_transformed  # noqa: E402


class PaintCounter(QObject):
    """Counts paint events of the widgets it watches."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def wait(app, lesson) -> None:
    while lesson.is_busy():
        app.processEvents()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--sweeps", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average before: {', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_runtime()
    lesson = create(AppState(), Commands())
    lesson.resize(1400, 850)
    lesson.show()
    while lesson.model is None or lesson.is_busy():
        app.processEvents()
    lesson.state.page = 1
    lab, state = lesson.lab, lesson.state.lab
    while lab.reading is None or lesson.is_busy():
        app.processEvents()
    slider = lab.controls.sliders["shift_x"]
    counter = PaintCounter()
    lab.pictures.viewport().installEventFilter(counter)

    for panel in (0, 1):
        state.panel = panel
        wait(app, lesson)
        lesson.grab()
        compute, refresh, refresh_cpu, full, round_trip, paints = [], [], [], [], [], []
        for i in range(2 * args.runs):
            state.shift_x = float((i % 17) - 8)  # not timed: the lab reads it, so the next update is new
            wait(app, lesson)
            app.processEvents()
            request = LabRequest(lab.reading.base, state.settings(), state.recipe, lab.label, lab.levels)
            start, start_cpu = time.perf_counter(), time.process_time()
            reading = read_transformed(lesson.model, request)
            mid = time.perf_counter()
            lab.show_reading(request, reading)
            if i % 2 == 0:  # as the app does it: the event loop repaints what changed
                before = counter.count
                app.processEvents()
                paints.append(counter.count - before)
                refresh.append((time.perf_counter() - start) * 1000)
                refresh_cpu.append((time.process_time() - start_cpu) * 1000)
                compute.append((mid - start) * 1000)
                continue
            lesson.grab()  # stricter: re-render the whole lesson
            full.append((time.perf_counter() - start) * 1000)

            # The event loop sleeps until the answer arrives, as in the app: a loop that spun here would hold
            # Python's interpreter lock and slow the worker down.
            loop = QEventLoop()
            lab.reading_shown.connect(loop.quit)
            start = time.perf_counter()
            QTest.keyClick(slider, Qt.Key.Key_Right if slider.value() < slider.maximum() else Qt.Key.Key_Home)
            loop.exec()
            app.processEvents()  # the repaint of what changed
            lab.reading_shown.disconnect(loop.quit)
            round_trip.append((time.perf_counter() - start) * 1000)
        where = f"on the “{PANELS[panel]}” page"
        report(f"slider move {where}: transform + recipe + inference (worker)", compute)
        report(f"... + the lab updated, changed widgets repainted {where}", refresh)
        report(f"    the same in CPU time of this process (steadier on a busy machine) {where}", refresh_cpu)
        report(f"... + the lab updated, whole lesson re-rendered {where}", full)
        report(f"key press on the slider → answer drawn and repainted {where} (event loop, worker thread)",
               round_trip)
        print(f"paint events of the pictures per update: min {min(paints)}, max {max(paints)}")

    state.panel = 1
    state.sweep_series = ("pool_recipe",)
    state.sweep_transform = "shift_x"
    lab.load_data()  # the held-out digits and networks load once, before the first sweep: not timed
    wait(app, lesson)
    sweeps, done = [], []
    lab.sweep_finished.connect(lambda: done.append(True))
    for _ in range(args.sweeps):
        done.clear()
        start = time.perf_counter()
        lab.run_sweep()
        while not done:
            app.processEvents()
        sweeps.append((time.perf_counter() - start) * 1000)
        assert lab.sweep.point_count() == 17, lab.sweep.note.text()
    report("one 17-point sweep (shift, with pooling, recipe on) on 300 digits, Run → last point drawn", sweeps)
    lesson.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
