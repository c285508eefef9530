"""Nothing accumulates per background job: a long drawing session keeps the same Python objects.

Each background call once left about three objects behind (superqt's worker, its
signals and a weak reference to the receiver): 4,500 after 1,500 strokes.
``benchmarks/soak.py`` measures the same over minutes, in resident memory.
"""

import collections
import gc

import numpy as np

from explainer.ui.state import AppState, Commands
from explainer.ui.workers import LatestOnlyRunner

from .support import excepthook_calls, no_worker_left  # noqa: F401 (fixture)


def census() -> collections.Counter:
    gc.collect()
    return collections.Counter(type(o).__name__ for o in gc.get_objects())


def grown(before: collections.Counter, after: collections.Counter, jobs: int) -> dict:
    """Types with at least one new object per three jobs."""
    return {name: after[name] - before[name] for name in after if after[name] - before[name] >= jobs // 3}


def test_a_runner_keeps_nothing_per_job(qtbot, no_worker_left):  # noqa: F811 (the fixture imported above)
    runner = LatestOnlyRunner()
    results = []
    runner.finished.connect(results.append)

    def run(jobs):
        for number in range(jobs):
            with qtbot.waitSignal(runner.finished, timeout=5000):
                runner.submit(abs, -number)
        results.clear()

    run(30)  # warm-up: caches, first signal connections
    before = census()
    run(300)
    after = census()
    assert grown(before, after, 300) == {}


def test_a_drawing_session_keeps_nothing_per_stroke(qtbot, no_worker_left):  # noqa: F811
    from explainer.ui.lessons.draw import create

    lesson = create(AppState(), Commands())
    qtbot.addWidget(lesson)
    lesson.resize(1100, 800)
    lesson.show()
    qtbot.waitUntil(lambda: lesson.model is not None and not lesson.is_busy(), timeout=20000)
    rng = np.random.default_rng(0)

    def draw(strokes):
        for number in range(strokes):
            lesson.pad.add_stroke([(40 + 200 * rng.random(), 40 + 200 * rng.random()) for _ in range(6)])
            qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=5000)
            if number % 10 == 9:
                lesson.pad.clear()
                qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=5000)

    with excepthook_calls() as calls:
        draw(30)
        before = census()
        draw(150)
        after = census()
    assert calls == []
    assert grown(before, after, 150) == {}
    lesson.shutdown()
