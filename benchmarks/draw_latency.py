"""Per-stroke latency of the draw lesson: preprocessing + inference + every panel redrawn.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/draw_latency.py
Prints the median and 95th percentile over 100 updates (milliseconds).
"""

import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from _report import report  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.models import read_digit  # noqa: E402
from explainer.ui.app import configure_runtime  # noqa: E402
from explainer.ui.lessons.draw import create, work  # noqa: E402
from explainer.ui.state import AppState, Commands  # noqa: E402


def main(runs: int = 100) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_runtime()
    lesson = create(AppState(), Commands())
    lesson.resize(1100, 800)
    lesson.show()
    payload = work.load_digit_model()
    model = payload["model"]
    while lesson.is_busy():
        app.processEvents()
    rng = np.random.default_rng(0)
    compute, total = [], []
    for i in range(runs):
        lesson.pad.add_stroke([(40 + 200 * rng.random(), 40 + 200 * rng.random()) for _ in range(6)])
        while lesson.is_busy():  # let the lesson's own update run first
            app.processEvents()
        image = lesson.pad.image()
        start = time.perf_counter()
        reading = read_digit(model, image)
        mid = time.perf_counter()
        lesson.show_reading(work.ReadingRequest(image, payload["levels"], None, ""), reading)
        lesson.grab()  # force a full repaint
        end = time.perf_counter()
        compute.append((mid - start) * 1000)
        total.append((end - start) * 1000)
        if i % 10 == 9:
            lesson.pad.clear()
    for name, values in (("preprocess + inference (worker)", compute),
                         ("... + every panel updated and repainted", total)):
        report(name, values)
    lesson.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
