"""Soak: draw and clear on the draw lesson for N minutes; memory must not grow with the strokes.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/soak.py 5      (minutes; default 3)

Each stroke is six random points on the pad, read by the digit network in a
worker like a person's stroke; the pad is cleared every ten strokes. Prints the
resident memory (RSS) at start, after the warm-up (the first fifth of the run,
at most 60 s: caches, pyqtgraph's pictures, torch's allocator settle) and at the
end, the growth after warm-up (target: under 2 %), the live Python objects at
the same points, and the time per stroke (median and p95).
Issue 14 found about three objects kept per background job (4,500 after 1,500 strokes).
"""

import gc
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from _report import report  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.ui.app import configure_runtime  # noqa: E402
from explainer.ui.lessons.draw import create  # noqa: E402
from explainer.ui.state import AppState, Commands  # noqa: E402
from explainer.ui.workers import stop_all_work  # noqa: E402


def rss_mb() -> float:
    """Resident memory of this process now (Linux: /proc; elsewhere the peak, from getrusage)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def snapshot() -> tuple[float, int]:
    gc.collect()
    return rss_mb(), len(gc.get_objects())


def main(minutes: float = 3.0) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_runtime()
    lesson = create(AppState(), Commands())
    lesson.resize(1100, 800)
    lesson.show()

    def settle() -> None:
        while lesson.is_busy():
            app.processEvents()
        app.processEvents()

    while lesson.model is None:
        app.processEvents()
    settle()
    start_rss, start_objects = snapshot()
    print(f"start: RSS {start_rss:.1f} MB, {start_objects:,} Python objects", flush=True)

    rng = np.random.default_rng(0)
    duration = minutes * 60
    warm_up = min(60.0, duration / 5)
    began = time.perf_counter()
    warm = None
    strokes, times = 0, []
    next_report = began + 30
    while (now := time.perf_counter()) - began < duration:
        if warm is None and now - began >= warm_up:
            warm = snapshot() + (strokes,)
            print(f"after warm-up ({warm_up:.0f} s, {strokes:,} strokes): RSS {warm[0]:.1f} MB, "
                  f"{warm[1]:,} Python objects", flush=True)
        tick = time.perf_counter()
        lesson.pad.add_stroke([(40 + 200 * rng.random(), 40 + 200 * rng.random()) for _ in range(6)])
        settle()
        times.append((time.perf_counter() - tick) * 1000)
        strokes += 1
        if strokes % 10 == 0:
            lesson.pad.clear()
            settle()
        if now >= next_report:
            print(f"  {now - began:5.0f} s: {strokes:,} strokes, RSS {rss_mb():.1f} MB", flush=True)
            next_report += 30
    end_rss, end_objects = snapshot()
    warm = warm or (start_rss, start_objects, 0)
    print(f"end ({duration:.0f} s, {strokes:,} strokes): RSS {end_rss:.1f} MB, {end_objects:,} Python objects")
    growth = (end_rss - warm[0]) / warm[0] * 100
    per_job = (end_objects - warm[1]) / max(1, strokes - warm[2])
    print(f"growth after warm-up: {end_rss - warm[0]:+.1f} MB ({growth:+.2f} %, target under 2 %); "
          f"{end_objects - warm[1]:+,} Python objects ({per_job:+.3f} per stroke)")
    report("stroke read and shown", times)
    lesson.shutdown()
    stop_all_work()
    return 0 if growth < 2 else 1


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0))
