"""Hostile and broken model files: each is refused with a sentence saying what is wrong, and nothing else happens.

No payload runs, no network is built from an unchecked configuration, no
non-finite weight is accepted, and the network lesson keeps the model it had.
"""

import os
import pickle
import re
import zipfile

import pytest
import torch

from explainer import models
from explainer.models import DigitCNN, ModelLoadError, load_model_file, save_weights

from .support import excepthook_calls, no_worker_left  # noqa: F401 (fixture)

ANSI = re.compile(r"\x1b\[")


def small_digit_file(path, **config):
    config = dict(dict(conv1=4, conv2=8, hidden=16), **config)
    return save_weights(path, "mnist", DigitCNN(**config), config, {"val_accuracy": 0.5})


def edited(tmp_path, change, name="edited.pt"):
    """A valid small digit file whose payload ``change(payload)`` altered."""
    payload = torch.load(small_digit_file(tmp_path / "base.pt"), weights_only=True)
    change(payload)
    path = tmp_path / name
    torch.save(payload, path)
    return path


def refused(path, arch="mnist") -> str:
    with pytest.raises(ModelLoadError) as info:
        load_model_file(path, arch)
    message = str(info.value)
    assert not ANSI.search(message), message
    assert "weights_only" not in message  # never advise loading code
    assert message.rstrip().endswith((".", ")")), message  # a whole sentence, not cut off
    return message


@pytest.fixture
def builds(monkeypatch):
    """Every network built for real (not on torch's "meta" device, which allocates nothing)."""
    built = []

    class Spy(DigitCNN):
        def __init__(self, **config):
            if torch.empty(0).device.type != "meta":
                built.append(config)
            super().__init__(**config)

    monkeypatch.setitem(models._BUILDERS, "mnist", Spy)
    return built


# ---------------------------------------------------------------- code in the file

class WritesAFile:
    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (exec, (f"open({self.target!r}, 'w').write('pwned')",))


def test_a_pickle_that_would_write_a_file_is_refused_and_nothing_is_written(tmp_path):
    target = tmp_path / "PWNED.txt"
    evil = tmp_path / "evil.pt"
    torch.save({"format": "convlens-weights", "payload": WritesAFile(target)}, evil, pickle_module=pickle)
    message = refused(evil)
    assert not target.exists()
    assert "evil.pt" in message and "exec" in message
    assert "not opened" in message and "code" in message


def test_a_plain_pickle_payload_with_os_system_is_refused(tmp_path):
    class System:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'PWNED2'}",))

    evil = tmp_path / "system.pt"
    with open(evil, "wb") as fh:
        pickle.dump(System(), fh, protocol=2)
    message = refused(evil)
    assert not (tmp_path / "PWNED2").exists()
    assert "system" in message and "not opened" in message


# ---------------------------------------------------------------- files that are not models

@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (bytes(range(256)) * 40, "not a ConvLens weights file"),
    (b"\x00garbage" * 100, "not a ConvLens weights file"),
])
def test_random_and_empty_bytes(tmp_path, content, words):
    path = tmp_path / "noise.pt"
    path.write_bytes(content)
    assert words in refused(path)


@pytest.mark.parametrize("content", [bytes(range(256)) * 40, b"\x00garbage" * 100, b"PK\x03\x04" + b"\x00" * 200])
def test_torch_s_own_words_never_reach_the_message(tmp_path, content):
    path = tmp_path / "noise.pt"
    path.write_bytes(content)
    message = refused(path)
    for leaked in ("pop from", "hasRecord", "enhancement request", "PytorchStreamReader", "Traceback", "\x1b["):
        assert leaked not in message, message


def test_a_zip_that_is_not_a_model(tmp_path):
    path = tmp_path / "archive.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    message = refused(path)
    assert "not a ConvLens weights file" in message and "archive.pt" in message
    assert "hasRecord" not in message and "enhancement request" not in message


def test_a_torch_file_of_something_else(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    assert "not a ConvLens weights file" in refused(path)
    torch.save([1, 2, 3], path)
    assert "not a ConvLens weights file" in refused(path)


def test_a_file_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    from explainer.models import weights

    path = small_digit_file(tmp_path / "big.pt")
    monkeypatch.setattr(weights, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("a file over the limit was read"))
    message = refused(path)
    assert "too large" in message and "MB" in message


def test_a_directory_and_a_missing_file(tmp_path):
    assert "not found" in refused(tmp_path / "missing.pt")
    folder = tmp_path / "folder.pt"
    folder.mkdir()
    assert "not a file" in refused(folder)


# ---------------------------------------------------------------- configurations

@pytest.mark.parametrize("config, words", [
    ({"conv1": 3000, "conv2": 3000}, ["conv1", "between 1 and"]),
    ({"hidden": 2**40}, ["hidden", "between 1 and"]),
    ({"kernel": -3}, ["kernel", "between 1 and 9"]),
    ({"kernel": 0}, ["kernel", "between 1 and 9"]),
    ({"conv1": -1}, ["conv1", "between 1 and"]),
    ({"conv1": "32"}, ["conv1", "whole number", "'32'"]),
    ({"conv1": 8.0}, ["conv1", "whole number"]),
    ({"conv1": True}, ["conv1", "whole number"]),
    ({"conv1": None}, ["conv1", "whole number"]),
    ({"dropout": "high"}, ["dropout", "number"]),
    ({"dropout": float("nan")}, ["dropout", "between 0 and"]),
    ({"dropout": 1.5}, ["dropout", "between 0 and"]),
    ({"pool": 5}, ["pool", "max", "avg"]),
    ({"colour": "red"}, ["unknown setting", "colour"]),
])
def test_a_bad_configuration_is_refused_before_any_network_is_built(tmp_path, builds, config, words):
    path = edited(tmp_path, lambda p: p["config"].update(config))
    message = refused(path)
    for word in words:
        assert word in message, message
    assert builds == []


def test_a_configuration_too_large_in_total_is_refused_before_allocating(tmp_path, builds):
    # Each field is within its bounds, but together they make a network of hundreds of millions of weights.
    path = edited(tmp_path, lambda p: p["config"].update(conv1=256, conv2=256, hidden=4096, kernel=1))
    message = refused(path)
    assert "weights" in message and "at most" in message
    assert builds == []


def test_a_configuration_that_is_not_a_mapping(tmp_path, builds):
    path = edited(tmp_path, lambda p: p.update(config=[("conv1", 8)]))
    assert "configuration" in refused(path)
    assert builds == []


@pytest.mark.parametrize("arch, config, words", [
    ("cifar10", {"widths": [8] * 9}, ["widths", "1 to 5"]),
    ("cifar10", {"widths": "wide"}, ["widths", "list"]),
    ("cifar10", {"widths": [8, -16]}, ["widths", "between 1 and"]),
    ("cifar10", {"widths": [8, 16], "convs": [1]}, ["convs", "one"]),
    ("fcn8s", {"variant": "fcn32s"}, ["variant", "fcn8s"]),
    ("fcn8s", {"widths": [16, 32]}, ["widths", "5"]),
    ("imdb_cnn", {"vocab_size": 10**12}, ["vocab_size", "between"]),
    ("imdb_lstm", {"hidden": -5}, ["hidden", "between"]),
])
def test_other_architectures_have_bounds_too(tmp_path, arch, config, words):
    path = tmp_path / f"{arch}.pt"
    torch.save({"format": "convlens-weights", "version": 1, "arch": arch, "config": config, "metrics": {},
                "state_dict": {"weight": torch.zeros(1)}}, path)
    message = refused(path, arch)
    for word in words:
        assert word in message, message


def test_every_bundled_model_is_within_the_bounds():
    for name in models.MODEL_NAMES:
        if models.weights_path(name).is_file():
            models.load_model(name)


@pytest.mark.parametrize("metrics", [[1, 2, 3], "accuracy 99%", {"val_accuracy": torch.zeros(3)}, {1: 0.5}])
def test_metrics_that_are_not_plain_figures(tmp_path, metrics):
    path = edited(tmp_path, lambda p: p.update(metrics=metrics))
    assert "metrics" in refused(path)


def test_header_fields_of_the_wrong_type(tmp_path):
    path = edited(tmp_path, lambda p: p.update(arch=["x" * 5000]))
    message = refused(path)
    assert "not for 'mnist'" in message and len(message) < 400
    path = edited(tmp_path, lambda p: p.update(version="1"))
    assert "version" in refused(path)


# ---------------------------------------------------------------- weights

@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_weights_are_refused(tmp_path, bad):
    def poison(payload):
        payload["state_dict"]["classifier.5.weight"][3, 2] = bad

    message = refused(edited(tmp_path, poison))
    assert "classifier.5.weight" in message and "not finite" in message


@pytest.mark.parametrize("huge", [3e38, -1e6])
def test_finite_weights_too_large_for_a_trained_network_are_refused(tmp_path, huge):
    """3e38 is finite, but every reading overflows to NaN ("probability nan%")."""
    def inflate(payload):
        payload["state_dict"]["features.0.weight"][0, 0, 0, 0] = huge

    message = refused(edited(tmp_path, inflate))
    assert "features.0.weight" in message and "far beyond any trained network" in message


def test_missing_weights_are_named(tmp_path):
    def drop(payload):
        del payload["state_dict"]["classifier.5.weight"], payload["state_dict"]["classifier.5.bias"]

    message = refused(edited(tmp_path, drop))
    assert "2 weights are missing" in message
    assert "classifier.5.weight" in message and "classifier.5.bias" in message
    assert "Error(s) in loading state_dict" not in message


def test_unexpected_weights_are_named(tmp_path):
    message = refused(edited(tmp_path, lambda p: p["state_dict"].update({"extra.weight": torch.zeros(2)})))
    assert "extra.weight" in message and "not part of this network" in message


def test_wrong_shapes_say_both_shapes(tmp_path):
    message = refused(edited(tmp_path, lambda p: p["config"].update(conv1=6)))
    assert "features.0.weight" in message
    assert "4×1×5×5 in the file" in message and "6×1×5×5" in message
    assert "do not fit" in message


def test_a_weight_that_is_not_a_tensor(tmp_path):
    message = refused(edited(tmp_path, lambda p: p["state_dict"].update({"features.0.weight": "hello"})))
    assert "features.0.weight" in message and "not a tensor" in message


def test_a_valid_file_still_loads_with_its_metrics(tmp_path):
    model = load_model_file(small_digit_file(tmp_path / "fine.pt"), "mnist")
    assert model.training_metrics == {"val_accuracy": 0.5}
    assert model.features[0].out_channels == 4


# ---------------------------------------------------------------- in the network lesson

def test_the_lesson_keeps_its_model_and_says_why_for_each_bad_file(qtbot, no_worker_left, tmp_path):
    from PySide6.QtWidgets import QPushButton

    from explainer.ui.lessons.network import create
    from explainer.ui.state import AppState, Commands

    lesson = create(AppState(), Commands())
    qtbot.addWidget(lesson)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)
    mine = DigitCNN(conv1=4, conv2=8, hidden=16).eval()
    lesson.state.set_trained_model(mine, "mine")
    messages = []
    lesson.commands.message_posted.connect(lambda text, ms: messages.append(text))

    target = tmp_path / "PWNED.txt"
    evil = tmp_path / "evil.pt"
    torch.save({"format": "convlens-weights", "payload": WritesAFile(target)}, evil, pickle_module=pickle)
    noise = tmp_path / "noise.pt"
    noise.write_bytes(os.urandom(4096))

    def nan(payload):
        payload["state_dict"]["features.0.weight"].fill_(float("nan"))

    cases = [(evil, "not opened"), (noise, "not a ConvLens weights file"),
             (edited(tmp_path, nan, "nan.pt"), "not finite"),
             (edited(tmp_path, lambda p: p["config"].update(conv1=3000), "huge.pt"), "conv1"),
             (edited(tmp_path, lambda p: p.update(metrics=[1]), "metrics.pt"), "metrics")]
    with excepthook_calls() as hooks:
        for path, words in cases:
            lesson.load_model_from(path)
            qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
            status = lesson.train_status.text()
            assert status.startswith("Could not load that file") and words in status, status
            assert lesson.state.trained_model is mine
    assert hooks == []
    assert not target.exists()
    assert len(messages) == len(cases) and all(m.startswith("Could not load the model") for m in messages)
    assert lesson.findChild(QPushButton, "useModelButton").isEnabled()
    lesson.shutdown()
