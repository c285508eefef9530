"""Segmentation lesson latency: a stroke on the scene → FCN-32s, 16s and 8s → every panel and metric repainted.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/segmentation_latency.py [RUNS]

The main window at 1400×900 shows the segmentation lesson on its first random
scene. Each run adds a small "2" to the scene or takes it away again (so every
refresh shows new numbers, as while someone draws) and is timed until Qt's
event loop has repainted the last widget that changed, with the lesson's own
worker as in the app (see ``_live.py``). Printed parts:

- worker: the drawn ground truth, the three FCNs and every metric (pixel accuracy, IoU, Jaccard);
- hand-off + panel updates: back on the GUI thread, the eight image panels, the metrics table and the note;
- paint: the event loop repainting what changed.

Target (issue 18): ≤ 10 ms median. The bare inference of the three FCNs and the ratio are printed too:
the three whole networks one after another, and, where they share their backbone (the bundled ones
do), the backbone once and the three heads, which is what the lesson runs.
"""

import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _live import PaintCounter, Timed, open_lesson, settle, time_updates  # noqa: E402
from _report import ratio, report  # noqa: E402

from explainer.ui.lessons.segmentation import view as segmentation_view  # noqa: E402


def main(runs: int = 100) -> int:
    app, window, lesson = open_lesson("segmentation")
    while lesson.live_models is None or lesson.is_busy():
        settle(window)
    worker = Timed(segmentation_view.segment)
    segmentation_view.segment = worker  # the lesson's worker calls it through the module
    counter = PaintCounter(window)
    lesson.state.draw_class = 2

    def stroke_or_undo(i: int) -> None:
        if i % 2 == 0:
            lesson.pad.add_stroke([(60, 60), (75, 58), (62, 78), (78, 78)])
        else:
            lesson.pad.undo()

    parts = time_updates(stroke_or_undo, lesson.results_shown, worker, counter, runs, "strokes drawn or undone")
    segmentation_view.segment = worker.fn
    import torch

    from explainer.ui.lessons.segmentation.compute import shared_backbone

    models = lesson.live_models
    backbone = shared_backbone(models)
    bare, shared = [], []
    x = torch.rand(1, 1, 96, 96).contiguous(memory_format=torch.channels_last)
    for _ in range(runs):
        begin = time.perf_counter()
        with torch.inference_mode():
            for model in models.values():
                model(x)
        bare.append((time.perf_counter() - begin) * 1000)
        if backbone is not None:
            begin = time.perf_counter()
            with torch.inference_mode():
                features = backbone.features(x)
                for model in models.values():
                    model.head(*features)
            shared.append((time.perf_counter() - begin) * 1000)
    report("bare inference (the three whole FCNs one after another, no scores)", bare)
    ratio("segmentation", parts["total"], bare)
    if shared:
        report("bare inference (the shared backbone once, then the three heads, no scores)", shared)
        ratio("segmentation against what it computes", parts["total"], shared)
    else:
        print("the three FCNs do not share their backbone: each runs whole")
    print("target: ≤ 10 ms median")
    window.close()
    lesson.shutdown()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
