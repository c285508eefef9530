"""Segmentation lesson latency: one 96×96 drawing → FCN-32s, 16s and 8s → every panel and metric refreshed.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/segmentation_latency.py
Prints the median and 95th percentile over 60 runs (milliseconds) of

1. the worker's part: ground truth of the drawing, the three FCNs, every metric;
2. plus the refresh as the app does it: the eight image panels, the metrics
   table and the note updated on the GUI thread, then Qt's event loop repaints
   the widgets that changed (the script counts those paints, so a refresh that
   painted nothing would show up);
3. plus, instead of 2's repaint, a re-render of the whole lesson window
   (``grab()``), which also redraws everything that did not change.
"""

import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _report import ratio, report  # noqa: E402
from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.ui.app import configure_runtime  # noqa: E402
from explainer.ui.lessons.segmentation import create  # noqa: E402
from explainer.ui.lessons.segmentation.compute import SceneInput, segment  # noqa: E402
from explainer.ui.state import AppState, Commands  # noqa: E402


class PaintCounter(QObject):
    """Counts paint events of the widgets it watches."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def main(runs: int = 60) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_runtime()
    lesson = create(AppState(), Commands())
    lesson.resize(1100, 820)
    lesson.show()
    while lesson.models is None or lesson.is_busy():
        app.processEvents()
    lesson.state.draw_class = 4
    lesson.pad.add_stroke([(20, 15), (12, 50), (40, 50)])
    lesson.pad.add_stroke([(34, 30), (34, 80)])
    while lesson.is_busy():
        app.processEvents()
    app.processEvents()
    counter = PaintCounter()
    watched = {"image panels": lesson.panels.viewport(), "metrics table": lesson.metrics.viewport()}
    for widget in watched.values():
        widget.installEventFilter(counter)
    compute, refresh, full = [], [], []
    paints = []
    lesson.pad.blockSignals(True)  # the loop below runs the lesson's work itself (the state keeps the 4)
    for run in range(2 * runs):
        # Alternate between two drawings (a small "2" added and removed), so every refresh shows new
        # numbers and the table really changes, as it does while someone draws. Not timed.
        if (run // 2) % 2 == 0:
            lesson.state.draw_class = 2
            lesson.pad.add_stroke([(60, 60), (75, 58), (62, 78), (78, 78)])
        else:
            lesson.pad.undo()
        app.processEvents()
        start = time.perf_counter()
        image, truth = lesson.pad.image(), lesson.drawn_truth()
        results = segment(lesson.live_models, image, truth)
        mid = time.perf_counter()
        lesson._show_results(results, SceneInput(image, truth))
        if run % 2 == 0:  # what the app does: repaint what changed from the event loop
            before = counter.count
            app.processEvents()
            paints.append(counter.count - before)
            refresh.append((time.perf_counter() - start) * 1000)
            compute.append((mid - start) * 1000)
        else:  # stricter: re-render the whole window
            lesson.grab()
            full.append((time.perf_counter() - start) * 1000)
            app.processEvents()
    for name, values in (("ground truth + three FCNs + metrics (worker)", compute),
                         ("... + panels, table and note updated, changed widgets repainted", refresh),
                         ("... + panels, table and note updated, whole window re-rendered", full)):
        report(name, values)
    print(f"paint events per refresh on {' and '.join(watched)}: min {min(paints)}, max {max(paints)}")
    import torch

    bare = []
    x = torch.rand(1, 1, 96, 96).contiguous(memory_format=torch.channels_last)
    for _ in range(runs):
        start = time.perf_counter()
        with torch.inference_mode():
            for model in lesson.live_models.values():
                model(x)
        bare.append((time.perf_counter() - start) * 1000)
    report("bare inference (the three FCNs one after another, no scores)", bare)
    ratio("segmentation", refresh, bare)
    lesson.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
