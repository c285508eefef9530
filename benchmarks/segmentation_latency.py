"""Segmentation lesson latency: one 96×96 drawing → FCN-32s, 16s and 8s → every panel and metric refreshed.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/segmentation_latency.py
Prints the median and 95th percentile over 60 runs (milliseconds).
"""

import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _report import report  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.ui.app import configure_pyqtgraph  # noqa: E402
from explainer.ui.lessons.segmentation import SegmentationLesson, segment  # noqa: E402
from explainer.ui.state import AppState  # noqa: E402


def main(runs: int = 60) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    lesson = SegmentationLesson(AppState())
    lesson.resize(1100, 820)
    lesson.show()
    while lesson.models is None or lesson.is_busy():
        app.processEvents()
    lesson.set_class(4)
    lesson.pad.add_stroke([(20, 15), (12, 50), (40, 50)])
    lesson.pad.add_stroke([(34, 30), (34, 80)])
    while lesson.is_busy():
        app.processEvents()
    compute, total = [], []
    for _ in range(runs):
        start = time.perf_counter()
        image, truth = lesson.pad.image(), lesson.drawn_truth()
        results = segment(lesson.models, image, truth)
        mid = time.perf_counter()
        lesson.results = results
        lesson._show_results()
        lesson.grab()
        end = time.perf_counter()
        compute.append((mid - start) * 1000)
        total.append((end - start) * 1000)
    for name, values in (("ground truth + three FCNs + metrics (worker)", compute),
                         ("... + every panel and the table refreshed and repainted", total)):
        report(name, values)
    lesson.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
