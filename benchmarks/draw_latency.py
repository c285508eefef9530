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
from _report import ratio, report  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import torch  # noqa: E402

from explainer.core.preprocess import mnist_preprocess  # noqa: E402
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
    preprocess, inference, bare, updates, paint, total = [], [], [], [], [], []
    for i in range(runs):
        lesson.pad.add_stroke([(40 + 200 * rng.random(), 40 + 200 * rng.random()) for _ in range(6)])
        while lesson.is_busy():  # let the lesson's own update run first
            app.processEvents()
        image = lesson.pad.image()
        start = time.perf_counter()
        steps = mnist_preprocess(image)
        after_preprocess = time.perf_counter()
        reading = read_digit(model, image)  # the worker's whole job (it preprocesses again)
        mid = time.perf_counter()
        lesson.show_reading(work.ReadingRequest(image, payload["levels"], None, ""), reading)
        shown = time.perf_counter()
        lesson.grab()  # force a full repaint
        end = time.perf_counter()
        if steps is not None:
            x = torch.from_numpy(steps.digit.astype(np.float32))[None, None]
            begin = time.perf_counter()
            with torch.no_grad():
                model(x)
            bare.append((time.perf_counter() - begin) * 1000)
        preprocess.append((after_preprocess - start) * 1000)
        inference.append((mid - after_preprocess) * 1000)
        updates.append((shown - mid) * 1000)
        paint.append((end - shown) * 1000)
        total.append((end - start - (after_preprocess - start)) * 1000)
        if i % 10 == 9:
            lesson.pad.clear()
    for name, values in (("preprocess (MNIST recipe)", preprocess),
                         ("preprocess + inference with every layer traced (worker)", inference),
                         ("panels updated (GUI thread)", updates),
                         ("paint (whole lesson re-rendered)", paint),
                         ("stroke -> every panel updated and repainted", total),
                         ("bare inference (model(x), no tracing)", bare)):
        report(name, values)
    ratio("draw", total, bare)
    lesson.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
