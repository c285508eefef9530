"""Closing the window during work: it closes at once, the work stops cleanly, nothing is reported.

Each kind of background job (opening a big image, the photo lesson's analysis, segmentation,
transfer learning) is held at a gate inside its worker thread while the window closes, so the
test knows the job is running, without any timing. Once released, the job's result must reach
nothing: no handler, no ``sys.excepthook``, nothing on stderr, even when the window has already
been deleted. A second set of tests runs the real ``main()`` in a child process and closes the
window during the job: the process must exit with status 0 and print no trace (superqt once
reported ``RuntimeError: Signal source has been deleted`` there).
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
import shiboken6
from PIL import Image
from PySide6.QtCore import QThreadPool

from .support import excepthook_calls, no_worker_left  # noqa: F401 (fixture)

REPO = pathlib.Path(__file__).resolve().parents[2]
KINDS = ["huge image", "photo", "segmentation", "transfer learning"]


class Gate:
    """Holds a job inside its worker thread until the test releases it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()

    def function(self, fn):
        def gated(*args, **kwargs):
            self.entered.set()
            self.released.wait(10)
            return fn(*args, **kwargs)
        return gated

    def generator(self, fn):
        def gated(*args, **kwargs):
            self.entered.set()
            self.released.wait(10)
            yield from fn(*args, **kwargs)
        return gated


def start(kind: str, window, gate: Gate, monkeypatch, qtbot, tmp_path) -> dict:
    """Start a job of ``kind`` that is held at ``gate``; returns what must not change once it is released."""
    if kind == "huge image":
        from explainer import io

        monkeypatch.setattr(io, "load_image", gate.function(io.load_image))
        path = tmp_path / "big.png"
        Image.new("RGB", (3000, 2000), (200, 10, 10)).save(path, compress_level=1)
        window.open_image(path, show_dialog=False)
        return {"image": lambda: window.app_state.image}
    if kind == "photo":
        from explainer.ui.lessons.photo import view

        monkeypatch.setattr(view, "prepare_photo", gate.function(view.prepare_photo))
        lesson = window.show_lesson("photo")
        return {"caption": lesson.caption.text}
    if kind == "segmentation":
        from explainer.ui.lessons.segmentation import view

        monkeypatch.setattr(view, "segment", gate.function(view.segment))
        lesson = window.show_lesson("segmentation")
        return {"results": lambda: lesson.results}
    from explainer.ui.lessons.network import jobs, transfer

    monkeypatch.setattr(transfer, "run_transfer", gate.generator(transfer.run_transfer))
    monkeypatch.setattr(jobs, "IN_CHILD_PROCESS", False)  # the gate lives in this process
    lesson = window.show_lesson("network")
    qtbot.waitUntil(lambda: lesson.data is not None, timeout=20000)
    finished = []
    lesson.transfer_finished.connect(finished.append)
    lesson.start_transfer()
    return {"progress": lesson.transferring.transfer_progress.value, "result": lesson.transfer_result.text,
            "finished": lambda: list(finished)}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("then_deleted", [False, True], ids=["closed", "closed and deleted"])
def test_closing_during_work(qtbot, monkeypatch, tmp_path, capfd, no_worker_left, kind, then_deleted):  # noqa: F811
    from explainer.ui.app import MainWindow

    window = MainWindow()
    window.resize(1200, 800)
    window.show()
    window.app_state.set_image(np.full((40, 60, 3), 0.5, np.float32), "grey.png", "")
    gate = Gate()
    watched = start(kind, window, gate, monkeypatch, qtbot, tmp_path)
    qtbot.waitUntil(gate.entered.is_set, timeout=20000)
    qtbot.wait(20)  # anything else the lesson started settles; the gated job stays held
    before = {name: read() for name, read in watched.items()}
    deliveries = []
    runners = [window._loader] + [runner for lesson in map(window.lesson, window.built_lessons())
                                  for runner in lesson._runners]
    for runner in runners:
        runner.finished.connect(deliveries.append)
    waits = []
    wait_for_done = QThreadPool.waitForDone
    capfd.readouterr()
    with excepthook_calls() as calls:
        QThreadPool.waitForDone = lambda pool, *args: waits.append(args) or wait_for_done(pool, *args)
        try:
            window.close()
        finally:
            QThreadPool.waitForDone = wait_for_done
        after_close = {name: read() for name, read in watched.items()}
        if then_deleted:
            shiboken6.delete(window)
        gate.released.set()
        assert QThreadPool.globalInstance().waitForDone(10000)
        qtbot.wait(50)  # deliver anything the workers sent
    assert [args for args in waits if not args or args[0] != 0] == [], "closing waited for the workers"
    assert calls == []
    assert capfd.readouterr().err == ""
    assert deliveries == []
    assert after_close == before
    if not then_deleted:
        assert {name: read() for name, read in watched.items()} == before  # no handler ran after closing
        window.deleteLater()


SCRIPT = textwrap.dedent("""
    import os, sys, threading, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from explainer import io
    from explainer.ui import app as app_module
    from explainer.ui import cli
    from explainer.ui.lessons.network import transfer
    from explainer.ui.lessons.photo import view as photo
    from explainer.ui.lessons.segmentation import view as segmentation

    kind, big = sys.argv[1], sys.argv[2]
    entered, closed = threading.Event(), threading.Event()

    def hold():  # in the worker thread: keep running until the window has closed, and a little after
        entered.set()
        closed.wait(20)
        time.sleep(0.3)

    def gated(fn):
        def run(*args, **kwargs):
            hold()
            return fn(*args, **kwargs)
        return run

    def gated_generator(fn):
        def run(*args, **kwargs):
            hold()
            yield from fn(*args, **kwargs)
        return run

    load_image = io.load_image
    io.load_image = lambda source, *a, **k: (hold() if str(source) == big else None) or load_image(source, *a, **k)
    photo.prepare_photo = gated(photo.prepare_photo)
    segmentation.segment = gated(segmentation.segment)
    transfer.run_transfer = gated_generator(transfer.run_transfer)
    from explainer.ui.lessons.network import jobs
    jobs.IN_CHILD_PROCESS = False  # the gate lives in this process
    LESSON = {"huge image": "convolution", "photo": "photo", "segmentation": "segmentation",
              "transfer learning": "network"}[kind]

    def step():
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, app_module.MainWindow))
        lesson = window.lesson(LESSON)
        if kind == "huge image" and not step.started:
            window.open_image(big, show_dialog=False)
            step.started = True
        if kind == "transfer learning" and not step.started and lesson is not None and lesson.data is not None:
            lesson.start_transfer()
            step.started = True
        if entered.is_set():
            window.close()
            closed.set()
            print("closed during work", flush=True)
            return
        QTimer.singleShot(20, step)

    step.started = False
    QTimer.singleShot(0, step)
    sys.exit(cli.main(["--lesson", LESSON]))
""")


@pytest.mark.parametrize("kind", KINDS)
def test_the_app_exits_cleanly_when_closed_during_work(tmp_path, kind):
    big = tmp_path / "big.png"
    Image.new("RGB", (300, 200), (200, 10, 10)).save(big)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", SCRIPT, kind, str(big)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "closed during work" in done.stdout
    noise = "This plugin does not support"  # Qt's offscreen platform, not ConvLens
    trace = [line for line in done.stderr.splitlines() if line.strip() and noise not in line]
    assert trace == [], done.stderr
    assert done.returncode == 0
