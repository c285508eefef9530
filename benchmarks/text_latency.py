"""Per-keystroke latency of the text lesson: one key typed into a 300-word review until every panel is repainted.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/text_latency.py
Prints the median and 95th percentile (milliseconds) of

- reading the text in the worker (tokenize + the three networks, ``work.read``),
- updating the panels with the reading (``show_reading``: tokens, verdicts and the tab shown),
- Qt repainting what changed (the paint events that follow the update),
- the whole keystroke: key press → worker → panels updated → repainted,
- apart, a forced repaint of the whole lesson (``grab()``), an upper bound on the repaint,

for the opening tab, then the whole keystroke for every tab.
"""

import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _report import report  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.data.text import tokenize  # noqa: E402
from explainer.ui.app import configure_runtime  # noqa: E402
from explainer.ui.lessons.text import create, work  # noqa: E402
from explainer.ui.lessons.text.reviews import bundled_reviews  # noqa: E402
from explainer.ui.lessons.text.state import TABS  # noqa: E402
from explainer.ui.state import AppState, Commands  # noqa: E402

WORDS = 300


def review_of(words: int) -> str:
    """The first ``words`` tokens' worth of the bundled reviews, joined: a review of about that length."""
    text, count = [], 0
    for review in bundled_reviews():
        text.append(review.text)
        count += len(tokenize(review.text))
        if count >= words:
            break
    joined = " ".join(text)
    while len(tokenize(joined)) > words:
        joined = joined.rsplit(" ", 1)[0]
    return joined


def main(runs: int = 100, per_tab: int = 30) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_runtime()
    lesson = create(AppState(), Commands())
    lesson.resize(1070, 810)  # the lesson's area in the default 1400×900 window
    lesson.show()

    def wait(target: str) -> None:
        # Sleep until the next event (as the app's event loop does): a busy loop here would take the
        # GIL from the worker and make the reading look slower than it is.
        while lesson.is_busy() or lesson.reading is None or lesson.reading.text != target:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    while lesson.bundle is None:
        app.processEvents()
    text = review_of(WORDS)
    lesson.state.edit_text(text)
    wait(text)
    print(f"review: {len(tokenize(text))} tokens, {len(text):,} characters; {runs} keystrokes")

    reads, updates = [], []
    real_read, real_show = work.read, lesson.show_reading

    def timed_read(*args):
        start = time.perf_counter()
        value = real_read(*args)
        reads.append((time.perf_counter() - start) * 1000)
        return value

    def timed_show(reading):
        start = time.perf_counter()
        real_show(reading)
        updates.append((time.perf_counter() - start) * 1000)

    work.read = timed_read
    lesson.show_reading = timed_show

    def keystrokes(count: int) -> tuple[list, list, list]:
        """Type ``count`` keys; each is timed until Qt has repainted what changed.

        Returns the whole keystroke, the repaint that follows the update, and (apart, as an
        upper bound) a forced repaint of the whole lesson with ``grab()``.
        """
        total, paint, full = [], [], []
        lesson.editor.setFocus()
        lesson.editor.moveCursor(lesson.editor.textCursor().MoveOperation.End)
        for i in range(count):
            start = time.perf_counter()
            QTest.keyClick(lesson.editor, "x" if i % 2 == 0 else Qt.Key.Key_Backspace)
            target = lesson.editor.toPlainText()
            while lesson.reading is None or lesson.reading.text != target:
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            shown = time.perf_counter()
            for _ in range(3):  # the paint requests posted by the update (pyqtgraph posts a second round)
                app.processEvents()
            end = time.perf_counter()
            paint.append((end - shown) * 1000)
            total.append((end - start) * 1000)
            before = time.perf_counter()
            lesson.grab()
            full.append((time.perf_counter() - before) * 1000)
            wait(target)  # settle before the next key
        return total, paint, full

    total, paint, full = keystrokes(runs)
    print(f"opening tab: {TABS[lesson.state.tab]}")
    report("read_text + token spans (worker)", reads)
    report("panels updated with the reading (GUI thread)", updates)
    report("Qt repaints what changed (GUI thread)", paint)
    report("keystroke → every panel repainted", total)
    report("(a forced repaint of the whole lesson, grab(), not in the total)", full)
    for tab, name in enumerate(TABS):
        lesson.state.tab = tab
        wait(lesson.editor.toPlainText())
        reads.clear()
        updates.clear()
        total, paint, full = keystrokes(per_tab)
        report(f"tab {name!r}: keystroke → repainted", total)
        print(f"    split (medians): worker {statistics.median(reads):.1f} ms, panels updated "
              f"{statistics.median(updates):.1f} ms, repaint {statistics.median(paint):.1f} ms "
              f"(whole lesson {statistics.median(full):.1f} ms)")
    lesson.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
