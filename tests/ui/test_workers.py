"""The background runner: newest request wins, errors come back, nothing blocks."""

import threading
import time

from explainer.ui.workers import LatestOnlyRunner


def test_runner_coalesces_to_newest(qtbot):
    runner = LatestOnlyRunner()
    gate = threading.Event()
    ran = []

    def job(n):
        if n == 1:
            gate.wait(5)
        ran.append(n)
        return n * 10

    results = []
    runner.finished.connect(results.append)
    runner.submit(job, 1)
    for n in range(2, 6):
        runner.submit(job, n)  # 2..4 are replaced while 1 runs; only 5 waits
    assert runner.is_busy()
    gate.set()
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=5000)
    assert ran == [1, 5]
    # 1 answered a request that 5 superseded: it is dropped, never shown.
    assert [r.value for r in results] == [50]
    assert runner.dropped == 1
    assert results[-1].request == runner.latest_request


def test_stale_result_is_dropped_and_context_comes_back(qtbot):
    runner = LatestOnlyRunner()
    gate = threading.Event()
    results = []
    runner.finished.connect(results.append)

    def classify(photo):
        if photo == "old photo":
            gate.wait(5)
        return f"answer for {photo}"

    runner.submit(classify, "old photo", context={"name": "old photo"})
    qtbot.wait(50)  # the old request is running
    runner.submit(classify, "new photo", context={"name": "new photo"})
    gate.set()
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=5000)
    assert [(r.value, r.context["name"]) for r in results] == [("answer for new photo", "new photo")]
    assert runner.dropped == 1


def test_runner_delivers_errors_with_details(qtbot):
    runner = LatestOnlyRunner()

    def broken():
        raise ValueError("kernel does not fit")

    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        runner.submit(broken)
    result = blocker.args[0]
    assert isinstance(result.error, ValueError)
    assert "Traceback" in result.details


def test_submit_does_not_wait_for_the_work(qtbot):
    runner = LatestOnlyRunner()
    gate = threading.Event()
    results = []
    runner.finished.connect(results.append)
    runner.submit(gate.wait, 10)
    # submit() came back while the work is still blocked on the gate: it ran elsewhere.
    assert runner.is_busy() and results == [] and not gate.is_set()
    gate.set()
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=5000)
    assert [r.value for r in results] == [True]


def test_shutdown_stops_delivering(qtbot):
    runner = LatestOnlyRunner()
    got = []
    runner.finished.connect(got.append)
    runner.submit(time.sleep, 0.05)
    runner.submit(time.sleep, 0.05)
    runner.shutdown()
    qtbot.wait(200)
    assert got == []
