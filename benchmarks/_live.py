"""Shared harness of the live-view benchmarks: the real window, real input, real repaints.

A live update is timed from the user's action (a mouse move on the pad, a new
photo) until the last widget it changed has been repainted by Qt's event loop,
as on screen: the worker thread runs as in the app, and the GUI thread sleeps
in an event loop while it waits (no busy loop stealing the interpreter lock).
Qt's repaint passes are counted (``PaintCounter``: the top-level windows shown when
it is made), so a refresh that painted nothing would show up.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from _report import report

from explainer.ui.app import MainWindow, configure_runtime


class PaintCounter(QObject):
    """Counts Qt's repaint passes in the top-level windows (``root``'s and any other shown).

    Each pass (an ``UpdateRequest`` to a top-level widget) paints every widget marked dirty.
    Watching those few events, rather than every widget's paint events, keeps the harness out of
    the measurement: a Python event filter on each of the window's hundreds of widgets took the
    interpreter lock for every event they received, which slowed the lesson's worker and paint
    by about half a millisecond an update. Both ways found the same last painting round in 180
    of 180 updates of the three live benchmarks (checked when this was changed).
    """

    def __init__(self, root: QWidget) -> None:
        super().__init__()
        self.count = 0
        windows = {root.window(), *(w for w in QApplication.topLevelWidgets() if w.isVisible())}
        for window in windows:
            window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.UpdateRequest:
            self.count += 1
        return False


def wait_for(signal, timeout_s: float = 10.0) -> bool:
    """Run an event loop until ``signal`` fires (True) or ``timeout_s`` passes (False)."""
    loop, fired = QEventLoop(), []

    def done(*_args) -> None:
        fired.append(True)
        loop.quit()

    signal.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(done)
    return bool(fired)


def flush_paints(counter: PaintCounter, rounds: int = 12, quiet: int = 3) -> tuple[float, int]:
    """Let the event loop run until ``quiet`` rounds in a row paint nothing; (end of the last painting round, passes).

    One quiet round is not enough: a round that only lays widgets out again paints nothing itself
    but has their repaint done in the next one.
    """
    last, painted, still = time.perf_counter(), 0, 0
    for _ in range(rounds):
        before = counter.count
        QCoreApplication.processEvents()
        if counter.count == before:
            still += 1
            if still >= quiet:
                break
            continue
        still = 0
        painted += counter.count - before
        last = time.perf_counter()
    return last, painted


def settle(window: MainWindow, seconds: float = 0.3, limit: float = 60.0) -> None:
    """Process events until the window has been idle for ``seconds`` (at most ``limit``)."""
    start = idle_since = time.perf_counter()
    while time.perf_counter() - start < limit:
        QCoreApplication.processEvents()
        now = time.perf_counter()
        if window.is_busy():
            idle_since = now
        elif now - idle_since >= seconds:
            return
        time.sleep(0.002)


def open_lesson(lesson_id: str, size: tuple[int, int] = (1400, 900), presenter: bool = False, state=None):
    """(app, window, lesson): the main window at ``size`` showing ``lesson_id``, idle."""
    app = QApplication.instance() or QApplication(["benchmark"])
    configure_runtime()
    window = MainWindow(state)
    window.resize(*size)
    window.show()
    lesson = window.show_lesson(lesson_id)
    if presenter:
        window.presenter.set_on(True)
        window.resize(*size)
    settle(window)
    return app, window, lesson


def time_updates(act, shown, worker: "Timed", counter: PaintCounter, runs: int, what: str) -> dict[str, list[float]]:
    """Time ``runs`` updates: ``act(i)`` is the user's action, ``shown`` the lesson's signal once it has drawn.

    Returns the parts in milliseconds: the ``worker``'s call, the hand-off back to the GUI thread with
    the panel updates, the ``paint`` after ``shown``, the ``total`` and the ``GUI thread CPU`` (the processor
    time the GUI thread spent on the update: steadier than wall time on a loaded machine); prints them with
    the paint counts.
    """
    shown_at: list[float] = []

    def note(*_args) -> None:
        shown_at.append(time.perf_counter())

    shown.connect(note)
    parts = {name: [] for name in ("worker", "hand-off + panel updates", "paint", "total", "GUI thread CPU")}
    paints = []
    for i in range(runs):
        start, cpu = time.perf_counter(), time.thread_time()
        act(i)
        if not wait_for(shown):
            raise RuntimeError(f"the lesson did not show {what} within 10 s")
        end, painted = flush_paints(counter)
        paints.append(painted)
        parts["worker"].append(worker.last)
        parts["hand-off + panel updates"].append((shown_at[-1] - worker.ended) * 1000)
        parts["paint"].append((end - shown_at[-1]) * 1000)
        parts["total"].append((end - start) * 1000)
        parts["GUI thread CPU"].append((time.thread_time() - cpu) * 1000)
    shown.disconnect(note)
    print(f"— 1400×900: {runs} {what}, {min(paints)}–{max(paints)} repaint passes each")
    for name, values in parts.items():
        report(f"  {name}", values)
    return parts


class Timed:
    """Wraps a callable and records each call's duration (ms); ``last`` is the latest."""

    def __init__(self, fn) -> None:
        self.fn, self.times, self.started, self.ended = fn, [], 0.0, 0.0

    def __call__(self, *args, **kwargs):
        self.started = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.ended = time.perf_counter()
            self.times.append((self.ended - self.started) * 1000)

    @property
    def last(self) -> float:
        return self.times[-1] if self.times else 0.0
