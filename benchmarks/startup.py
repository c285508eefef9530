"""Start-up time: ConvLens against a bare PySide6 + pyqtgraph + numpy window, and their ratio.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/startup.py [PAIRS]   (default 8 pairs)

Each run is a fresh interpreter, timed from its first line until the first lesson (convolution)
has painted (ConvLens, as ``main.py`` starts it: QApplication, runtime settings, the window, the
sample image, the first lesson) or until a window with a pyqtgraph image has painted (the floor).
The two kinds alternate, pair by pair, so both see the same machine; the medians and the ratio of
the medians are printed. The ConvLens run also reports whether torch was imported by then.
"""

import os
import pathlib
import statistics
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]

APP = r"""
import time
t0 = time.perf_counter()
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from explainer import io
from explainer.ui.app import DEFAULT_SAMPLE, DEFAULT_SIZE, MainWindow, configure_runtime
app = QApplication(sys.argv[:1])
app.setStyle("Fusion")
configure_runtime()
window = MainWindow()
window.resize(DEFAULT_SIZE)
samples = io.sample_images()
if DEFAULT_SAMPLE in samples:
    window.open_image(samples[DEFAULT_SAMPLE], show_dialog=False)
lesson = window.show_lesson("convolution")
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"{(time.perf_counter() - t0) * 1000:.1f} {'torch' in sys.modules}", flush=True)
            QTimer.singleShot(0, app.quit)
            obj.removeEventFilter(self)
        return False
spy = Painted()
lesson.installEventFilter(spy)
window.show()
app.exec()
"""

BARE = r"""
import time
t0 = time.perf_counter()
import sys
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
app.setStyle("Fusion")
window = QMainWindow()
view = pg.GraphicsLayoutWidget()
box = view.addViewBox()
box.addItem(pg.ImageItem(np.random.default_rng(0).random((64, 64))))
window.setCentralWidget(view)
window.resize(1400, 900)
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"{(time.perf_counter() - t0) * 1000:.1f} False", flush=True)
            QTimer.singleShot(0, app.quit)
            obj.removeEventFilter(self)
        return False
spy = Painted()
view.viewport().installEventFilter(spy)
window.show()
app.exec()
"""


def run(code: str) -> tuple[float, bool]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the timed run failed:\n{done.stderr[-2000:]}")
    ms, torch = lines[-1].split()
    return float(ms), torch == "True"


def main() -> int:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    run(BARE), run(APP)  # warm the file cache for both
    bare, app, torch_loaded = [], [], []
    for _ in range(pairs):
        ms, _torch = run(BARE)
        bare.append(ms)
        ms, torch = run(APP)
        app.append(ms)
        torch_loaded.append(torch)
    floor, ours = statistics.median(bare), statistics.median(app)
    print(f"bare PySide6 + pyqtgraph + numpy window: median {floor:.0f} ms ({', '.join(f'{v:.0f}' for v in bare)})")
    print(f"ConvLens, first lesson painted:          median {ours:.0f} ms ({', '.join(f'{v:.0f}' for v in app)})")
    print(f"torch imported before the first paint in {sum(torch_loaded)} of {pairs} runs")
    print(f"ratio: {ours / floor:.2f}× the floor (target ≤ 2×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
