"""Knowledge distillation in the training loop, the teacher network and the options that ask for it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from explainer.models.loop import distillation_loss, fit
from explainer.train.teacher import TeacherNet, load_teacher, save_teacher


def test_distillation_loss_is_t_squared_times_the_kl_divergence_of_the_softened_answers():
    student = torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    teacher = torch.tensor([[1.0, 1.0, 0.0], [-2.0, 0.5, 2.5]])
    t = 3.0
    expected = 0.0
    for s_row, t_row in zip(student.tolist(), teacher.tolist()):
        p = np.exp(np.array(t_row) / t)
        p /= p.sum()
        q = np.exp(np.array(s_row) / t)
        q /= q.sum()
        expected += float(np.sum(p * np.log(p / q)))
    expected = expected / 2 * t * t
    assert distillation_loss(student, teacher, t).item() == pytest.approx(expected, rel=1e-5)
    assert distillation_loss(teacher, teacher, t).item() == pytest.approx(0.0, abs=1e-6)


def blobs(n: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=generator)
    return x, (x[:, 0] > 0).long()


def test_a_student_taught_by_a_teacher_learns_the_teachers_answers_not_the_labels():
    """With the whole loss on the teacher, the labels do not matter: the student takes up the teacher's rule."""
    torch.manual_seed(0)
    teacher = nn.Linear(2, 2)
    with torch.no_grad():  # the teacher's rule: the sign of the second coordinate
        teacher.weight.copy_(torch.tensor([[0.0, -4.0], [0.0, 4.0]]))
        teacher.bias.zero_()
    teacher.eval()
    x, labels_of_first = blobs(400, 1)  # the labels follow another rule: the sign of the first coordinate
    teachers_answers = teacher(x).argmax(1).detach()
    agreement = {}
    for name, kwargs in (("taught", {"teacher": teacher, "distill_weight": 1.0, "temperature": 2.0}), ("plain", {})):
        torch.manual_seed(3)
        model = nn.Linear(2, 2)
        for _ in fit(model, x[:320], labels_of_first[:320], x[320:], teachers_answers[320:], epochs=15,
                     batch_size=32, lr=0.05, **kwargs):
            pass
        x_new, _ = blobs(200, 2)
        with torch.no_grad():
            agreement[name] = (model(x_new).argmax(1) == teacher(x_new).argmax(1)).float().mean().item()
    assert agreement["taught"] > 0.95
    assert agreement["plain"] < 0.8  # the labels alone teach the other rule


def test_no_weight_on_the_teacher_trains_exactly_as_without_one():
    x, y = blobs(96, 3)
    teacher = nn.Linear(2, 2).eval()
    results = []
    for kwargs in ({}, {"teacher": teacher, "distill_weight": 0.0}):
        torch.manual_seed(4)
        model = nn.Linear(2, 2)
        for _ in fit(model, x[:80], y[:80], x[80:], y[80:], epochs=2, batch_size=16, **kwargs):
            pass
        results.append(model.state_dict())
    for key in results[0]:
        assert torch.allclose(results[0][key], results[1][key]), key


@pytest.mark.parametrize("kwargs, words", [({"distill_weight": 1.5}, "weight in [0, 1]"),
                                           ({"temperature": 0.0}, "positive temperature")])
def test_bad_distillation_settings_are_refused(kwargs, words):
    x, y = blobs(20, 0)
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        next(fit(nn.Linear(2, 2), x[:16], y[:16], x[16:], y[16:], teacher=nn.Linear(2, 2), **kwargs))


def test_teacher_network_shapes_and_size():
    photos = TeacherNet(3, (64, 128, 256, 512))
    assert photos(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    assert 11_000_000 < sum(p.numel() for p in photos.parameters()) < 11_300_000  # ResNet-18's 11.2 million
    digits = TeacherNet(1, (8, 16))
    assert digits(torch.rand(3, 1, 28, 28)).shape == (3, 10)


def test_a_saved_teacher_comes_back_frozen_and_answers_the_same(tmp_path):
    torch.manual_seed(2)
    model = TeacherNet(1, (8, 16)).eval()
    x = torch.rand(4, 1, 28, 28)
    path = save_teacher(tmp_path / "t.pt", "mnist", model, {"val_accuracy": 0.5})
    loaded = load_teacher(path, "mnist")
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    assert torch.allclose(loaded(x), model(x))
    with pytest.raises(ValueError, match="teacher for 'mnist', not for 'cifar10'"):
        load_teacher(path, "cifar10")


def test_a_file_that_is_not_a_teacher_is_refused_in_words(tmp_path):
    from explainer.models import DigitCNN, save_weights

    digits = save_weights(tmp_path / "digits.pt", "mnist", DigitCNN(), {})
    with pytest.raises(ValueError, match="is not a teacher network"):
        load_teacher(digits, "mnist")


@pytest.mark.parametrize("command", ["mnist", "cifar10"])
@pytest.mark.parametrize("argv, words", [(["--teacher", "/nonexistent/t.pt"], "there is no teacher file"),
                                         (["--distill-weight", "2"], "--distill-weight must lie between 0 and 1"),
                                         (["--temperature", "-1"], "--temperature must be positive")])
def test_training_commands_refuse_bad_distillation_options_before_reading_data(command, argv, words, capsys):
    from explainer.train.__main__ import main

    with pytest.raises(SystemExit) as stop:
        main([command, *argv, "--data", "/nonexistent"])
    assert stop.value.code == 2 and words in capsys.readouterr().err


def test_mnist_command_refuses_no_epochs_before_reading_data(capsys):
    from explainer.train.mnist import main

    with pytest.raises(SystemExit) as stop:
        main(["--epochs", "0", "--data", "/nonexistent"])
    assert stop.value.code == 2 and "--epochs must be at least 1" in capsys.readouterr().err


def test_cifar_command_refuses_a_starting_file_that_will_not_do_before_reading_data(tmp_path, capsys):
    from explainer.models import DigitCNN, save_weights
    from explainer.train.cifar import main

    digits = save_weights(tmp_path / "digits.pt", "mnist", DigitCNN(), {})
    for path, words in ((tmp_path / "missing.pt", "--init:"), (digits, "--init:")):
        with pytest.raises(SystemExit) as stop:
            main(["--init", str(path), "--data", "/nonexistent"])
        assert stop.value.code == 2 and words in capsys.readouterr().err


def test_cifar_command_can_go_on_from_a_trained_network(tmp_path, monkeypatch):
    """``--init``: training starts from the file's weights and layout (the widths given are not used)."""
    from explainer.models import read_weights, save_weights
    from explainer.models.photo import PhotoCNN
    from explainer.train import cifar as train_cifar

    torch.manual_seed(0)
    start = PhotoCNN((4, 8), (1, 1), (1, 0))
    first = save_weights(tmp_path / "first.pt", "cifar10", start, start.config)
    rng = np.random.default_rng(5)
    monkeypatch.setattr(train_cifar, "load_cifar10", lambda _split, _root=None: (
        rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8), np.arange(40) % 10))
    seen = []

    def fake_fit(model, *args, **kwargs):
        seen.append({k: v.clone() for k, v in model.state_dict().items()})
        return iter(())

    monkeypatch.setattr(train_cifar, "fit", fake_fit)
    out = tmp_path / "next.pt"
    assert train_cifar.main(["--init", str(first), "--widths", "16", "32", "64", "--out", str(out),
                             "--device", "cpu"]) == 0
    for key, value in start.state_dict().items():
        assert torch.equal(seen[0][key], value), key
    written = read_weights(out)
    assert written["config"]["widths"] == [4, 8] and written["config"]["residual"] == [1, 0]
    assert written["metrics"]["init"] == str(first)


def test_a_teacher_of_another_split_or_a_damaged_file_is_refused_in_words(tmp_path):
    torch.manual_seed(0)
    model = TeacherNet(1, (8, 16)).eval()
    path = save_teacher(tmp_path / "t.pt", "mnist", model, {"seed": 1})
    assert load_teacher(path, "mnist", seed=1) is not None
    with pytest.raises(ValueError, match="seen the validation examples of seed 0's split"):
        load_teacher(path, "mnist", seed=0)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a saved network at all" * 10)
    with pytest.raises(ValueError) as error:
        load_teacher(garbage, "mnist")
    assert "garbage.pt" in str(error.value) and "weights_only" not in str(error.value)
    broken = tmp_path / "broken.pt"
    torch.save({"format": "convlens-teacher", "dataset": "mnist", "config": {"in_channels": 1}, "metrics": {},
                "state_dict": {}}, broken)
    with pytest.raises(ValueError, match="does not hold a whole teacher network"):
        load_teacher(broken, "mnist")


@pytest.mark.parametrize("command", ["mnist", "cifar10"])
def test_training_commands_read_the_teacher_before_the_data(command, tmp_path, capsys):
    from explainer.train.__main__ import main

    path = save_teacher(tmp_path / "t.pt", command, TeacherNet(3 if command == "cifar10" else 1, (8,)), {"seed": 2})
    with pytest.raises(SystemExit) as stop:
        main([command, "--teacher", str(path), "--data", "/nonexistent"])  # the student's split is seed 0's
    assert stop.value.code == 2 and "--teacher:" in capsys.readouterr().err
    other = "mnist" if command == "cifar10" else "cifar10"
    with pytest.raises(SystemExit) as stop:
        main([other, "--teacher", str(path), "--seed", "2", "--data", "/nonexistent"])
    assert stop.value.code == 2 and f"a teacher for '{command}'" in capsys.readouterr().err


def test_device_names_are_checked_before_the_data(capsys):
    from explainer.train.__main__ import main

    with pytest.raises(SystemExit) as stop:
        main(["mnist", "--device", "gpu", "--data", "/nonexistent"])
    assert stop.value.code == 2 and "invalid choice: 'gpu'" in capsys.readouterr().err
    if not torch.cuda.is_available():
        for command in (["mnist"], ["cifar10"], ["teacher", "mnist"]):
            with pytest.raises(SystemExit) as stop:
                main([*command, "--device", "cuda", "--data", "/nonexistent"])
            assert stop.value.code == 2 and "torch sees no GPU" in capsys.readouterr().err


@pytest.mark.parametrize("argv, words", [(["--epochs", "0"], "--epochs and --batch-size must be at least 1"),
                                         (["--batch-size", "-4"], "--epochs and --batch-size must be at least 1"),
                                         (["--lr", "0"], "--lr must be positive")])
def test_teacher_command_refuses_settings_that_would_train_nothing(argv, words, capsys):
    from explainer.train.teacher import main

    with pytest.raises(SystemExit) as stop:
        main(["mnist", *argv, "--device", "cpu", "--data", "/nonexistent"])
    assert stop.value.code == 2 and words in capsys.readouterr().err


def test_cifar_command_refuses_to_go_on_from_a_network_of_another_split(tmp_path, capsys):
    from explainer.models import save_weights
    from explainer.models.photo import PhotoCNN
    from explainer.train.cifar import main

    start = PhotoCNN((4, 8), (1, 1))
    first = save_weights(tmp_path / "first.pt", "cifar10", start, start.config, {"seed": 3})
    with pytest.raises(SystemExit) as stop:
        main(["--init", str(first), "--data", "/nonexistent"])
    assert stop.value.code == 2 and "use --seed 3" in capsys.readouterr().err


def test_cifar_command_trains_a_second_cycle_from_the_first_ones_network(tmp_path, monkeypatch):
    """The default run is two one-cycle schedules (the bundled file's recipe): the second starts where the first
    ended, with its own epochs and peak learning rate, and the file records both."""
    from explainer.models import read_weights
    from explainer.train import cifar as train_cifar

    rng = np.random.default_rng(5)
    monkeypatch.setattr(train_cifar, "load_cifar10", lambda _split, _root=None: (
        rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8), np.arange(40) % 10))
    calls = []

    def fake_fit(model, *args, epochs, lr, **kwargs):
        first = next(model.parameters())
        calls.append((epochs, lr, float(first.detach().flatten()[0])))
        with torch.no_grad():
            first.add_(1.0)  # "training" moves the weights: the next cycle must start from here
        return iter(())

    monkeypatch.setattr(train_cifar, "fit", fake_fit)
    out = tmp_path / "two.pt"
    assert train_cifar.main(["--widths", "4", "8", "--convs", "1", "1", "--epochs", "7", "--lr", "0.2",
                             "--again", "3", "--again-lr", "0.02", "--out", str(out)]) == 0
    assert [(e, lr) for e, lr, _ in calls] == [(7, 0.2), (3, 0.02)]
    assert calls[1][2] == pytest.approx(calls[0][2] + 1.0)
    metrics = read_weights(out)["metrics"]
    assert (metrics["epochs"], metrics["again"], metrics["again_lr"]) == (7, 3, 0.02)
    calls.clear()
    assert train_cifar.main(["--widths", "4", "8", "--convs", "1", "1", "--again", "0", "--out", str(out)]) == 0
    assert len(calls) == 1 and read_weights(out)["metrics"]["again_lr"] is None


@pytest.mark.parametrize("argv, words", [(["--again", "-1"], "--again at least 0"),
                                         (["--again-lr", "0"], "--lr and --again-lr must be positive"),
                                         (["--epochs", "0"], "--epochs must be at least 1")])
def test_cifar_command_refuses_cycles_that_cannot_train_before_reading_data(argv, words, capsys):
    from explainer.train.cifar import main

    with pytest.raises(SystemExit) as stop:
        main([*argv, "--data", "/nonexistent"])
    assert stop.value.code == 2 and words in capsys.readouterr().err


def test_the_commands_defaults_are_the_recipe_the_bundled_photo_network_records(tmp_path, monkeypatch):
    from explainer.models import read_weights, weights_path
    from explainer.train import cifar as train_cifar

    rng = np.random.default_rng(5)
    monkeypatch.setattr(train_cifar, "load_cifar10", lambda _split, _root=None: (
        rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8), np.arange(40) % 10))
    monkeypatch.setattr(train_cifar, "fit", lambda *args, **kwargs: iter(()))
    out = tmp_path / "defaults.pt"
    assert train_cifar.main(["--out", str(out)]) == 0
    recipe = ("epochs", "lr", "again", "again_lr", "cutout", "weight_decay", "seed", "parameters")
    made, bundled = read_weights(out), read_weights(weights_path("cifar10"))
    assert {k: made["metrics"][k] for k in recipe} == {k: bundled["metrics"][k] for k in recipe}
    assert made["config"] == bundled["config"]
    assert bundled["metrics"]["val_accuracy"] > bundled["metrics"]["val_accuracy_first_cycle"]
