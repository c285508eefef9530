"""Training that cannot work: bad MNIST folders, tiny runs, and torch errors in the middle of a run.

Each failure is said once, in plain words (the status line, or one message for
a folder), never also as a traceback through ``sys.excepthook``, and the
training panel is back to idle: Start enabled, Pause and Cancel off.
"""

import gzip
import struct

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QPushButton

from explainer.data.readers import load_mnist, read_idx
from explainer.models import DigitCNN
from explainer.models.live import DigitData, TrainSettings, check_training, folder_digits, train_digits
from explainer.models.loop import evaluate, fit

from .support import excepthook_calls, no_worker_left  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def train_in_this_process(monkeypatch):
    """These tests replace training functions in this process, so the runs must happen here, not in a child."""
    from explainer.ui.lessons.network import jobs

    monkeypatch.setattr(jobs, "IN_CHILD_PROCESS", False)


def idx_bytes(array: np.ndarray) -> bytes:
    array = np.asarray(array, dtype=np.uint8)
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def mnist_folder(folder, images, labels, image_bytes=None, label_bytes=None):
    folder.mkdir(exist_ok=True)
    for name, data in (("train-images-idx3-ubyte.gz", image_bytes or idx_bytes(images)),
                       ("train-labels-idx1-ubyte.gz", label_bytes or idx_bytes(labels))):
        with gzip.open(folder / name, "wb") as fh:
            fh.write(data)
    return folder


def digits(n, side=28, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, side, side)), rng.integers(0, 10, size=n)


# ---------------------------------------------------------------- the folder, checked up front

def test_a_truncated_idx_header_is_a_clear_error(tmp_path):
    path = tmp_path / "short.idx"
    path.write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">I", 60000))  # says 3 sizes, holds one
    with pytest.raises(ValueError, match="header is cut short"):
        read_idx(path)
    images, labels = digits(20)
    folder = mnist_folder(tmp_path / "cut", images, labels, image_bytes=bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz.*cut short"):
        folder_digits(folder)


def test_an_idx_header_with_absurd_sizes_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.idx"
    path.write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">3I", 2**31, 2**31, 2**31) + b"\x00" * 100)
    with pytest.raises(ValueError, match="too large"):
        read_idx(path)


def test_a_damaged_gzip_is_a_clear_error(tmp_path):
    folder = tmp_path / "gz"
    folder.mkdir()
    good = gzip.compress(idx_bytes(digits(20)[0]))
    (folder / "train-images-idx3-ubyte.gz").write_bytes(good[:-8] + b"\xff" * 8)  # a wrong checksum
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(digits(20)[1])))
    with pytest.raises(ValueError, match="cannot be read"):
        folder_digits(folder)


def test_labels_above_9_are_refused(tmp_path):
    images, labels = digits(50)
    labels[7] = 200
    folder = mnist_folder(tmp_path / "labels", images, labels)
    with pytest.raises(ValueError, match=r"labels of train-labels-idx1-ubyte.gz must be digits 0 to 9.*200"):
        load_mnist("train", folder)
    with pytest.raises(ValueError, match="0 to 9"):
        folder_digits(folder)


def test_images_that_are_not_28_by_28_are_refused(tmp_path):
    images, labels = digits(50, side=5)
    folder = mnist_folder(tmp_path / "small", images, labels)
    with pytest.raises(ValueError, match="28×28.*5×5"):
        folder_digits(folder)


@pytest.mark.parametrize("n", [1, 5])
def test_a_folder_with_too_few_digits_is_refused(tmp_path, n):
    images, labels = digits(n)
    folder = mnist_folder(tmp_path / f"few{n}", images, labels)
    with pytest.raises(ValueError, match=f"only {n} digit.*at least 10"):
        folder_digits(folder)


def test_the_smallest_folder_has_both_splits(tmp_path):
    images, labels = digits(10)
    data = folder_digits(mnist_folder(tmp_path / "ten", images, labels))
    assert len(data.x_val) >= 1 and len(data.x_train) >= 1
    assert len(data.x_val) + len(data.x_train) == 10


def test_evaluating_on_no_digits_is_a_clear_error():
    with pytest.raises(ValueError, match="nothing to evaluate on"):
        evaluate(DigitCNN(conv1=2, conv2=2, hidden=8), torch.zeros(0, 1, 28, 28), torch.zeros(0, dtype=torch.long))


# ---------------------------------------------------------------- the settings, checked up front

def data_of(n_train, n_val=10, side=28):
    g = torch.Generator().manual_seed(0)
    return DigitData(torch.rand(n_train, 1, side, side, generator=g), torch.randint(0, 10, (n_train,), generator=g),
                     torch.rand(n_val, 1, side, side, generator=g), torch.randint(0, 10, (n_val,), generator=g),
                     "test digits")


@pytest.mark.parametrize("epochs, n, batch", [(2, 100, 64), (1, 8, 8), (4, 50, 64), (1, 1, 512)])
def test_short_runs_do_not_divide_by_zero_in_the_schedule(epochs, n, batch):
    settings = TrainSettings(conv1=2, conv2=2, hidden=8, epochs=epochs, train_digits=n, batch_size=batch)
    reports = list(train_digits(settings, data_of(n)))
    assert reports[-1].kind == "done" and np.isfinite(reports[-1].loss)
    assert sum(r.kind == "epoch" for r in reports) == epochs


@pytest.mark.parametrize("data, words", [
    (data_of(0), "no training digits"),
    (data_of(20, n_val=0), "no validation digits"),
    (data_of(20, side=5), "28×28"),
    (DigitData(torch.rand(20, 1, 28, 28), torch.full((20,), 12), torch.rand(5, 1, 28, 28),
               torch.zeros(5, dtype=torch.long), "bad labels"), "0 to 9"),
])
def test_data_that_cannot_train_is_refused_before_the_run(data, words):
    with pytest.raises(ValueError, match=words):
        check_training(TrainSettings(), data)
    with pytest.raises(ValueError, match=words):
        next(train_digits(TrainSettings(), data))


def test_fit_refuses_an_empty_training_set():
    model = DigitCNN(conv1=2, conv2=2, hidden=8)
    with pytest.raises(ValueError, match="no training examples"):
        next(fit(model, torch.zeros(0, 1, 28, 28), torch.zeros(0, dtype=torch.long), torch.zeros(3, 1, 28, 28),
                 torch.zeros(3, dtype=torch.long)))


# ---------------------------------------------------------------- in the network lesson

@pytest.fixture
def lesson(qtbot, no_worker_left):
    from explainer.ui.lessons.network import create
    from explainer.ui.state import AppState, Commands

    widget = create(AppState(), Commands())
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.data is not None and not widget.is_busy(), timeout=20000)
    s = widget.state
    s.conv1, s.conv2, s.hidden, s.batch_size, s.epochs, s.train_digits = 4, 8, 16, 32, 2, 200
    yield widget
    widget.shutdown()


def assert_idle(lesson):
    t = lesson.training
    assert not lesson.is_training()
    assert t.start_button.isEnabled()
    assert not t.cancel_button.isEnabled() and t.cancel_button.text() == "Cancel"
    assert not t.pause_button.isEnabled() and not t.pause_button.isChecked() and t.pause_button.text() == "Pause"
    assert "Cancelling" not in lesson.train_status.text() and "Training on" not in lesson.train_status.text()


def failing_fit(error, after=1):
    """A stand-in for ``fit`` that reports ``after`` batches, then raises ``error`` (as torch would)."""
    from explainer.models.loop import Progress

    def fake(model, *args, **kwargs):
        for b in range(after):
            yield Progress("batch", 1, 2, b + 1, 4, 2.3, 0.1)
        raise error

    return fake


@pytest.mark.parametrize("error, words", [
    (RuntimeError("Given input size: (8x1x1). Calculated output size: (8x0x0). Output size is too small"),
     "Output size is too small"),
    (RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: not enough memory: you tried to "
                  "allocate 987654321 bytes."), "ran out of memory"),
    (MemoryError(), "ran out of memory"),
    (ValueError("something else"), "something else"),
])
def test_a_torch_error_during_training_ends_the_run_once_and_the_panel_is_idle(qtbot, lesson, monkeypatch,
                                                                               error, words):
    from explainer.models import live

    monkeypatch.setattr(live, "fit", failing_fit(error))
    previous = DigitCNN(conv1=4, conv2=8, hidden=16).eval()
    lesson.state.set_trained_model(previous, "previous")
    with excepthook_calls() as hooks:
        with qtbot.waitSignal(lesson.training_finished, timeout=20000) as finished:
            qtbot.mouseClick(lesson.findChild(QPushButton, "startTrainingButton"), qtbot_left())
        qtbot.wait(50)  # anything re-raised later would arrive here
    assert finished.args == [False]
    assert hooks == []
    status = lesson.train_status.text()
    assert status.startswith("Training failed") and words in status, status
    assert "previous model" in status
    assert lesson.state.trained_model is previous
    assert_idle(lesson)


def test_a_failure_after_cancel_is_still_reported_and_the_panel_is_idle(qtbot, lesson, monkeypatch):
    import threading

    from explainer.models import live
    from explainer.models.loop import Progress

    release = threading.Event()

    def slow_then_fail(model, *args, **kwargs):
        yield Progress("batch", 1, 2, 1, 4, 2.3, 0.1)
        release.wait(10)
        raise RuntimeError("Output size is too small")

    monkeypatch.setattr(live, "fit", slow_then_fail)
    with excepthook_calls() as hooks:
        lesson.start_training()
        qtbot.waitUntil(lambda: len(lesson.history.loss) == 1, timeout=20000)
        with qtbot.waitSignal(lesson.training_finished, timeout=20000):
            qtbot.mouseClick(lesson.findChild(QPushButton, "cancelTrainingButton"), qtbot_left())
            release.set()
    assert hooks == []
    assert_idle(lesson)


def test_real_torch_error_from_data_the_network_cannot_read(qtbot, lesson):
    # 5×5 digits slipped past the folder check (e.g. set by a script): the run is refused up front.
    lesson.data = data_of(100, side=5)
    with excepthook_calls() as hooks:
        lesson.start_training()
        assert not lesson.is_training()
    assert hooks == []
    assert "28×28" in lesson.train_status.text() and "Cannot train" in lesson.train_status.text()
    assert_idle(lesson)


def test_the_shape_check_is_not_the_only_guard(qtbot, lesson, monkeypatch):
    # The worker itself reports a real torch RuntimeError (here: a network too small for its input).
    from explainer.ui.lessons.network import training

    monkeypatch.setattr(training, "check_training", lambda settings, data: None)
    monkeypatch.setattr("explainer.models.live.check_training", lambda settings, data: None)
    lesson.data = data_of(100, side=5)
    with excepthook_calls() as hooks:
        with qtbot.waitSignal(lesson.training_finished, timeout=20000) as finished:
            lesson.start_training()
        qtbot.wait(50)
    assert finished.args == [False] and hooks == []
    assert lesson.train_status.text().startswith("Training failed"), lesson.train_status.text()
    assert_idle(lesson)


def test_a_tiny_run_in_the_lesson_finishes(qtbot, lesson):
    s = lesson.state
    s.epochs, s.train_digits, s.batch_size = 2, 100, 64  # 2 batches × 2 epochs: the schedule's old zero division
    with excepthook_calls() as hooks:
        with qtbot.waitSignal(lesson.training_finished, timeout=30000) as finished:
            lesson.start_training()
    assert finished.args == [True] and hooks == []
    assert lesson.train_status.text().startswith("Done")
    assert_idle(lesson)


@pytest.mark.parametrize("kind", ["truncated", "labels", "small", "one"])
def test_a_bad_folder_is_explained_once_and_the_bundled_digits_stay(qtbot, lesson, tmp_path, kind):
    images, labels = digits(1 if kind == "one" else 40, side=5 if kind == "small" else 28)
    if kind == "labels":
        labels[0] = 200
    folder = mnist_folder(tmp_path / kind, images, labels,
                          image_bytes=bytes([0, 0, 8, 3, 0]) if kind == "truncated" else None)
    bundled = lesson.data
    messages = []
    lesson.commands.message_posted.connect(lambda text, ms: messages.append(text))
    with excepthook_calls() as hooks:
        lesson.use_data_folder(folder)
        qtbot.waitUntil(lambda: lesson.state.data_folder == "" and lesson.data is not None and not lesson.is_busy(),
                        timeout=20000)
    assert hooks == []
    assert len(messages) == 1 and messages[0].startswith("Could not use that folder"), messages
    assert "struct" not in messages[0] and "unpack" not in messages[0]
    assert lesson.data.source == bundled.source
    assert_idle(lesson)


def test_a_torch_error_during_transfer_learning_is_reported_once(qtbot, lesson, monkeypatch):
    from explainer.models import live

    def broken(*args, **kwargs):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (1x10 and 64x2)")

    monkeypatch.setattr(live, "penultimate", broken)
    lesson.state.transfer_base = "bundled"
    with excepthook_calls() as hooks:
        lesson.start_transfer()
        qtbot.waitUntil(lambda: lesson._transfer_worker is None, timeout=20000)
        qtbot.wait(50)
    assert hooks == []
    assert lesson.transfer_result.text().startswith("Transfer learning failed")
    assert "shapes cannot be multiplied" in lesson.transfer_result.text()
    assert lesson.transferring.transfer_button.isEnabled()


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
