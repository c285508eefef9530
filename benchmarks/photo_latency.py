"""Photo lesson latency: another photo chosen → network → every layer's panels updated and repainted.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/photo_latency.py [RUNS]

The main window at 1400×900 shows the photo lesson on its bundled CIFAR-10
photos. Each run picks the next photo (as the photo number box does) and is
timed until Qt's event loop has repainted the last widget that changed, with
the lesson's own worker thread as in the app (see ``_live.py``). Printed parts:

- worker: the photo prepared (crop, 32×32, normalised), inference with every layer traced, levels;
- hand-off + panel updates: the result back on the GUI thread and every panel given its pictures;
- paint: the event loop repainting what changed.

Target (issue 18): ≤ 10 ms median. The bare inference and the ratio are printed too.
"""

import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _live import PaintCounter, Timed, open_lesson, settle, time_updates  # noqa: E402
from _report import ratio, report  # noqa: E402

from explainer.ui.lessons.photo import view as photo_view  # noqa: E402

PHOTOS = 20  # cycled through, so every run shows another photo


def main(runs: int = 100) -> int:
    app, window, lesson = open_lesson("photo")
    lesson.state.choose_example(0)
    while lesson.shown is None:
        settle(window)
    worker = Timed(photo_view.prepare_photo)
    photo_view.prepare_photo = worker  # the lesson's worker calls it through the module
    counter = PaintCounter(window)
    parts = time_updates(lambda i: lesson.state.choose_example((lesson.state.example + 1) % PHOTOS),
                         lesson.photo_shown, worker, counter, runs, "photos")
    photo_view.prepare_photo = worker.fn
    import torch

    bare, x = [], torch.rand(1, 3, 32, 32)
    for _ in range(runs):
        begin = time.perf_counter()
        with torch.no_grad():
            lesson.model(x)
        bare.append((time.perf_counter() - begin) * 1000)
    report("bare inference (model(x) on a 32×32 photo, no tracing)", bare)
    ratio("photo", parts["total"], bare)
    print("target: ≤ 10 ms median")
    window.close()
    lesson.shutdown()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
