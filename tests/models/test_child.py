"""Generators run in a child process (live training): values, errors, a dead child, closing early."""

import os
import signal

import pytest

from explainer.models.child import ChildStopped, in_child


def counting(n, fail_at=None):
    for i in range(n):
        if i == fail_at:
            raise ValueError(f"no {i} here")
        yield {"i": i, "pid": os.getpid()}


def dying():
    yield os.getpid()
    os.kill(os.getpid(), signal.SIGKILL)
    yield "never"


def test_values_arrive_in_order_from_another_process():
    values = list(in_child(counting, 4))
    assert [v["i"] for v in values] == [0, 1, 2, 3]
    assert {v["pid"] for v in values} != {os.getpid()}


def test_an_error_in_the_child_is_raised_here_with_its_type_and_words():
    got = []
    with pytest.raises(ValueError, match="no 2 here"):
        for value in in_child(counting, 5, fail_at=2):
            got.append(value["i"])
    assert got == [0, 1]


def test_a_child_that_dies_gives_a_sentence_not_a_hang():
    run = in_child(dying)
    next(run)
    with pytest.raises(ChildStopped, match="stopped unexpectedly.*exit code -9.*out of memory"):
        next(run)


def test_closing_early_stops_the_child():
    run = in_child(counting, 1000)
    pid = next(run)["pid"]
    run.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone (and reaped: no zombie left)


def test_live_training_in_a_child_leaves_this_process_without_torch_dynamo():
    """torch.optim's step imports torch._dynamo (about 70 MB resident): it stays in the child, which then ends."""
    import subprocess
    import sys

    code = (
        "import sys, torch\n"
        "from explainer.models.child import in_child\n"
        "from explainer.models.live import bundled_digits, TrainSettings\n"
        "from explainer.ui.lessons.network.jobs import run_training\n"
        "settings = TrainSettings(conv1=4, conv2=8, hidden=16, epochs=1, train_digits=200, batch_size=50)\n"
        "reports = list(in_child(run_training, settings, bundled_digits()))\n"
        "model = reports[-1].extra['model']\n"
        "assert reports[-1].kind == 'done' and model(torch.zeros(1, 1, 28, 28)).shape == (1, 10)\n"
        "print('torch._dynamo' in sys.modules, len(reports))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    dynamo, count = done.stdout.split()
    assert dynamo == "False" and int(count) > 2
