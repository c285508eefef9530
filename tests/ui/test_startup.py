"""Start-up: torch is not loaded before the first lesson is on screen, and gets one thread when it is."""

import subprocess
import sys

from tests.conftest import REPO

FIRST_LESSON = r"""
import sys
from PySide6.QtWidgets import QApplication
from explainer.ui.app import MainWindow, configure_runtime
app = QApplication([])
configure_runtime()
window = MainWindow()
window.show_lesson("convolution")
window.show()
app.processEvents()
print("torch" in sys.modules)
from explainer.ui.cli import preload_torch
preload_torch().join()
import threading
import torch
seen = []
worker = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
worker.start()
worker.join()
print(torch.get_num_threads(), seen[0])
"""


def test_the_first_lesson_comes_up_without_torch_and_torch_gets_one_thread_later():
    done = subprocess.run([sys.executable, "-c", FIRST_LESSON], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                                            "OMP_NUM_THREADS": "2"})
    assert done.returncode == 0, done.stderr
    before, gui_thread, worker_thread = done.stdout.split()
    assert before == "False"  # nothing up to the first lesson imported torch
    # Set when explainer.models was first imported (by the preload thread), for every thread after it.
    assert (gui_thread, worker_thread) == ("1", "1")


def test_without_the_app_torch_keeps_its_own_thread_count():
    code = "import torch; n = torch.get_num_threads(); import explainer.models; print(n == torch.get_num_threads())"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "2"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"  # the training command keeps every core


def test_the_app_lets_threads_take_turns_every_millisecond():
    """A live update hands the interpreter lock between the GUI thread and a worker: the app shortens the turn."""
    code = ("import sys; before = sys.getswitchinterval(); from explainer.ui.app import configure_runtime; "
            "configure_runtime(); print(before, sys.getswitchinterval())")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert [float(v) for v in done.stdout.split()] == [0.005, 0.001]
