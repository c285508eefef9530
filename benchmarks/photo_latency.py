"""Photo lesson latency: one photo → network → every layer's panels updated and repainted.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/photo_latency.py
Prints the median and 95th percentile over 60 runs (milliseconds).
"""

import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _report import ratio, report  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer import io  # noqa: E402
from explainer.ui.app import configure_runtime  # noqa: E402
from explainer.ui.lessons.photo import create  # noqa: E402
from explainer.ui.lessons.photo.analysis import prepare_photo  # noqa: E402
from explainer.ui.state import AppState, Commands  # noqa: E402
from explainer.ui.workers import WorkResult  # noqa: E402


def main(runs: int = 60) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_runtime()
    state = AppState()
    photo = io.load_image(io.sample_images()["chelsea"])
    state.set_image(photo, "chelsea.jpg")
    lesson = create(state, Commands())
    lesson.resize(1100, 820)
    lesson.show()
    while lesson.shown is None or lesson.is_busy():
        app.processEvents()
    request = lesson.shown["request"]
    compute, total = [], []
    for i in range(runs):
        start = time.perf_counter()
        value = prepare_photo(lesson.model, photo, lesson.state.selection)
        mid = time.perf_counter()
        lesson._wanted_photo = request  # draw it as the runner would deliver the newest result
        lesson._on_photo_analysed(WorkResult(i, value, context=request))
        lesson.grab()
        end = time.perf_counter()
        compute.append((mid - start) * 1000)
        total.append((end - start) * 1000)
    import torch

    bare = []
    x = torch.rand(1, 3, 32, 32)
    for _ in range(runs):
        start = time.perf_counter()
        with torch.no_grad():
            lesson.model(x)
        bare.append((time.perf_counter() - start) * 1000)
    for name, values in (("crop + resize + preview + inference (worker)", compute),
                         ("... + every layer's panels updated and repainted", total),
                         ("bare inference (model(x) on a 32×32 photo, no tracing)", bare)):
        report(name, values)
    ratio("photo", total, bare)
    lesson.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
