"""The longest event-loop stall while a 3000×2000 photo is opened on each lesson, and while a digit is drawn.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/event_loop.py

A 1 ms QTimer ticks on the GUI thread; the longest gap between two ticks is
the longest time the event loop could not respond (a stall). Every lesson is
built first (so each one hears about the new image), then for each lesson in
turn: show it, open a fresh 3000×2000 photo (File ▸ Open path), and wait until
the loader and the lesson are idle. Hidden lessons only mark themselves stale,
so switching to a lesson afterwards refreshes it: that switch is measured too.
Last, a digit is drawn on the draw lesson's pad with mouse events 16 ms apart
(a 60 Hz mouse). Target: at most 16 ms everywhere.
"""

import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QPointF, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.ui.app import MainWindow, configure_runtime  # noqa: E402
from explainer.ui.lessons import LESSON_IDS  # noqa: E402
from explainer.ui.widgets.drawing_pad import DrawingPad  # noqa: E402


class StallMonitor:
    """Longest gap between ticks of a 1 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.last = 0
        self.longest = 0.0

    def start(self) -> None:
        self.clock.start()
        self.last = self.clock.nsecsElapsed()
        self.longest = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.longest = max(self.longest, (now - self.last) / 1e6)
        self.last = now

    def stop(self) -> float:
        self.timer.stop()
        self._tick()
        return self.longest


def photo(path: pathlib.Path, seed: int) -> pathlib.Path:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:2000, 0:3000] / 300.0
    rgb = np.stack([np.sin(x + seed) * 0.5 + 0.5, np.cos(y * 1.3) * 0.5 + 0.5,
                    0.5 + 0.25 * np.sin(x * y / 7)], axis=2)
    rgb = np.clip(rgb + rng.normal(0, 0.03, rgb.shape), 0, 1)
    Image.fromarray((rgb * 255).astype(np.uint8)).save(path)
    return path


def run_until(app: QApplication, done, settle_ms: int = 300, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    settle = time.monotonic() + settle_ms / 1000
    while time.monotonic() < settle:
        app.processEvents()
        time.sleep(0.001)


def idle(window: MainWindow) -> bool:
    return not window.is_busy() and not any(
        window.lesson(i) is not None and window.lesson(i).is_busy() for i in LESSON_IDS)


def draw_digit(app: QApplication, pad: DrawingPad) -> None:
    side = min(pad.width(), pad.height())
    x0, y0 = (pad.width() - side) / 2, (pad.height() - side) / 2
    points = [(0.3, 0.25), (0.7, 0.25), (0.62, 0.45), (0.52, 0.65), (0.45, 0.85)]
    path = []
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        path += [(x0 + side * (ax + (bx - ax) * t), y0 + side * (ay + (by - ay) * t)) for t in np.linspace(0, 1, 8)]

    def send(kind, pos, buttons):
        event = QMouseEvent(kind, QPointF(*pos), pad.mapToGlobal(QPointF(*pos)), Qt.MouseButton.LeftButton,
                            buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(pad, event)

    send(QMouseEvent.Type.MouseButtonPress, path[0], Qt.MouseButton.LeftButton)
    for point in path[1:]:
        end = time.monotonic() + 0.016
        while time.monotonic() < end:  # the event loop runs between mouse moves, as with a real mouse
            app.processEvents()
            time.sleep(0.001)
        send(QMouseEvent.Type.MouseMove, point, Qt.MouseButton.LeftButton)
    send(QMouseEvent.Type.MouseButtonRelease, path[-1], Qt.MouseButton.NoButton)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_runtime()
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    monitor = StallMonitor()
    folder = pathlib.Path(tempfile.mkdtemp(prefix="convlens-bench-"))
    photos = [photo(folder / f"photo{i}.png", i) for i in range(len(LESSON_IDS) + 1)]
    for lesson_id in LESSON_IDS:
        window.show_lesson(lesson_id)
        run_until(app, lambda: idle(window), settle_ms=100)
    window.open_image(photos[-1], show_dialog=False)
    run_until(app, lambda: idle(window))

    results = {}
    for lesson_id, path in zip(LESSON_IDS, photos):
        monitor.start()
        window.show_lesson(lesson_id)  # refreshes a lesson left stale by the previous photo
        run_until(app, lambda: idle(window))
        switch = monitor.stop()
        monitor.start()
        window.open_image(path, show_dialog=False)
        run_until(app, lambda p=path: window.app_state.image_name == p.name and idle(window))
        results[lesson_id] = (monitor.stop(), switch)
        # The same switch with nothing stale: what showing (laying out, painting) the page costs by itself.
        window.show_lesson("network" if lesson_id != "network" else "pooling")
        run_until(app, lambda: idle(window), settle_ms=100)
        monitor.start()
        window.show_lesson(lesson_id)
        run_until(app, lambda: idle(window), settle_ms=100)
        plain = monitor.stop()
        print(f"{lesson_id:>13}: open a 3000×2000 photo: longest stall {results[lesson_id][0]:5.1f} ms; "
              f"switching to the lesson: {switch:5.1f} ms with a stale refresh, {plain:5.1f} ms with nothing "
              "stale", flush=True)

    window.show_lesson("draw")
    run_until(app, lambda: idle(window))
    pad = window.lesson("draw").findChild(DrawingPad)
    stalls = []
    for _ in range(7):  # a stroke's stall depends on when results land between mouse moves: several runs
        window.lesson("draw").clear()
        run_until(app, lambda: idle(window), settle_ms=100)
        monitor.start()
        draw_digit(app, pad)
        run_until(app, lambda: idle(window))
        stalls.append(monitor.stop())
    drawing = float(np.median(stalls))
    print(f"{'draw':>13}: drawing a digit (60 Hz mouse moves), longest stall of each of {len(stalls)} digits: "
          f"median {drawing:.1f} ms, worst {max(stalls):.1f} ms ({', '.join(f'{v:.0f}' for v in stalls)})")
    worst = max(v[0] for v in results.values())
    print(f"longest stall while a photo is opened: {worst:.1f} ms; while a digit is drawn: median {drawing:.1f} ms, "
          f"worst {max(stalls):.1f} ms (target 16 ms)")
    print(f"longest lesson switch: {max(v[1] for v in results.values()):.1f} ms")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
