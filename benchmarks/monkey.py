"""The GUI monkey, long: many random actions on every lesson, several seeds, two window sizes.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/monkey.py [ACTIONS_PER_LESSON] [SEEDS]
(default 300 actions per lesson, 3 seeds). Unlike the CI test (tests/reliability/test_monkey.py)
it also presses the buttons that start training. Prints what was done, how long it took, and every
exception that reached sys.excepthook (there should be none); exits 1 if there was one.
"""

import os
import pathlib
import sys
import time
import traceback

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.ui.app import MainWindow, configure_runtime  # noqa: E402
from tests.reliability import monkey  # noqa: E402


class Patch:
    """The one method of pytest's monkeypatch that :func:`monkey.no_waiting_dialogs` uses."""

    def setattr(self, owner, name, value):
        setattr(owner, name, value)


def main() -> int:
    per_lesson = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_runtime()
    failures = []
    sys.excepthook = lambda kind, exc, tb: failures.append("".join(traceback.format_exception(kind, exc, tb)))
    with monkey.no_waiting_dialogs(Patch()) as asked:
        for seed in range(seeds):
            for size in ((1400, 900), (1024, 640)):
                window = MainWindow()
                window.resize(*size)
                window.show()
                start = time.perf_counter()
                done = monkey.run(window, 1000 + seed, per_lesson, slow=True)
                took = time.perf_counter() - start
                window.close()
                app.processEvents()
                print(f"seed {seed}, {size[0]}×{size[1]}: {sum(done.values())} actions in {took:.0f} s "
                      f"({dict(done)}); exceptions so far: {len(failures)}", flush=True)
    print(f"dialogs answered 'cancel': {dict(asked)}")
    for failure in failures:
        print(failure)
    print(f"exceptions through sys.excepthook: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
