"""Memory: resident size with every lesson open, and after a live training run.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/memory.py [EPOCHS]

Opens the main window at 1400×900, shows each lesson in the lecture's order and
waits until it is idle (its model loaded, its first picture drawn), printing the
resident memory (RSS) after each and what the lesson added. Then trains the network
lesson's default digit model live (the lesson's own settings; EPOCHS, default 3, keeps
the run short), says whether the run produced a model, and prints the RSS when the run
ends and after a second of idle time.
Targets (issue 18): at most 450 MB with every lesson open; under 500 MB after training.
"""

import gc
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QPushButton  # noqa: E402

from _live import settle  # noqa: E402

from explainer.ui.app import MainWindow, configure_runtime  # noqa: E402
from explainer.ui.lessons import LESSON_IDS  # noqa: E402
from explainer.ui.workers import stop_all_work  # noqa: E402


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux /proc)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def main(epochs: int = 3) -> None:
    configure_runtime()
    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    settle(window, 1.0)
    before = rss_mb()
    print(f"window shown: {before:.0f} MB")
    for lesson_id in LESSON_IDS:
        window.show_lesson(lesson_id)
        settle(window, 1.0)
        now = rss_mb()
        print(f"  + {lesson_id:<13} {now:.0f} MB  (+{now - before:.0f})")
        before = now
    gc.collect()
    settle(window, 1.0)
    all_open = rss_mb()
    print(f"every lesson open: {all_open:.0f} MB (target ≤ 450 MB)")

    network = window.show_lesson("network")
    settle(window, 1.0)
    network.state.epochs = epochs
    finished = []
    network.training_finished.connect(finished.append)
    network.findChild(QPushButton, "startTrainingButton").click()
    peak, start = rss_mb(), time.perf_counter()
    while not finished and time.perf_counter() - start < 600:
        QCoreApplication.processEvents()
        peak = max(peak, rss_mb())
        time.sleep(0.02)
    status = network.findChild(QLabel, "trainingStatus")
    said = status.text() if status is not None else ""
    outcome = "still running after 600 s" if not finished else "a trained model" if finished[0] else f"no model: {said}"
    print(f"live training ({epochs} epochs, {time.perf_counter() - start:.0f} s, {outcome}): peak {peak:.0f} MB, "
          f"at the end {rss_mb():.0f} MB")
    gc.collect()
    settle(window, 1.0)
    print(f"after training: {rss_mb():.0f} MB (target < 500 MB)")
    stop_all_work()
    window.close()
    app.quit()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
