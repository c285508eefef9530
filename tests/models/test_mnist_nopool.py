"""The digit network without pooling: its architecture, its bounds, its training command and its accuracy."""

import numpy as np
import pytest
import torch

from explainer.models import DigitCNN, ModelLoadError, build_model, load_model, read_weights, stages, weights_path
from explainer.train import mnist as train_mnist
from explainer.train.evaluate import mnist_test_accuracy


def test_no_pool_network_is_two_stride_1_convolutions_and_a_dense_head():
    model = DigitCNN(pool="none").eval()
    assert not any(isinstance(m, (torch.nn.MaxPool2d, torch.nn.AvgPool2d)) for m in model.modules())
    layer_stages, logits = stages(model, torch.rand(1, 1, 28, 28))
    assert [s.key for s in layer_stages] == ["input", "conv1", "conv2", "flatten", "dense1", "output"]
    assert [s.shape for s in layer_stages[1:3]] == [(1, 32, 24, 24), (1, 64, 20, 20)]
    assert model.classifier[2].in_features == 64 * 20 * 20 and logits.shape == (1, 10)
    assert sum(p.numel() for p in model.parameters()) == 3_330_314
    # The pooled network keeps its layer names, so the bundled mnist.pt still fits it.
    assert list(DigitCNN().state_dict()) == list(read_weights(weights_path("mnist"))["state_dict"])
    assert DigitCNN(pool="none", kernel=9).classifier[2].in_features == 64 * 12 * 12


def test_bounds_of_the_no_pool_architecture():
    assert build_model("mnist_nopool").config["pool"] == "none"  # the default of this architecture
    assert build_model("mnist", {"pool": "none"}).config["pool"] == "none"
    with pytest.raises(ModelLoadError, match="pool must be one of 'none'"):
        build_model("mnist_nopool", {"pool": "max"})
    with pytest.raises(ModelLoadError, match="at most 20,000,000 are allowed"):
        build_model("mnist_nopool", {"conv2": 256, "hidden": 1024})  # 256·20·20·1024 ≈ 105 M weights
    with pytest.raises(ValueError, match="'max', 'avg' or 'none'"):
        DigitCNN(pool="median")


def test_bundled_no_pool_model_loads_and_was_trained_like_the_bundled_one():
    model = load_model("mnist_nopool")
    assert not model.training and model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    pooled = read_weights(weights_path("mnist"))["metrics"]
    metrics = read_weights(weights_path("mnist_nopool"))["metrics"]
    same = ("train_digits", "val_digits", "epochs", "seed", "augment", "select", "label_smoothing", "ema")
    assert {k: metrics.get(k) for k in same} == {k: pooled.get(k) for k in same}
    assert metrics["val_accuracy"] >= 0.98


def test_no_pool_accuracy_on_official_test_set(shared_data):
    acc = mnist_test_accuracy(load_model("mnist_nopool"), root=shared_data / "mnist")
    print(f"MNIST test accuracy without pooling: {acc:.4f}")
    assert acc >= 0.98


def fake_mnist(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28)).astype(np.float32), rng.integers(0, 10, n).astype(np.int64)


@pytest.mark.parametrize("no_pool, bundled", [(False, True), (False, False), (True, False)])
def test_training_command_writes_its_own_file_and_leaves_the_samples_alone(tmp_path, monkeypatch, no_pool, bundled):
    monkeypatch.setattr(train_mnist, "load_mnist", lambda split, root=None: fake_mnist())
    written = []
    monkeypatch.setattr(train_mnist, "write_samples", lambda *args: written.append(args))
    out = tmp_path / "digits.pt"
    if bundled:  # the bundled mnist.pt is this file for the run (the real one is left alone)
        monkeypatch.setattr(train_mnist, "weights_path", lambda name: out if name == "mnist" else weights_path(name))
    argv = ["--epochs", "1"] + ([] if bundled else ["--out", str(out)]) + (["--no-pool"] if no_pool else [])
    assert train_mnist.main(argv) == 0
    payload = read_weights(out)
    assert payload["arch"] == ("mnist_nopool" if no_pool else "mnist")
    assert payload["config"]["pool"] == ("none" if no_pool else "max")
    assert payload["metrics"]["epochs"] == 1 and payload["metrics"]["val_digits"] == 6
    # The bundled recipe is the default: label smoothing 0.1, the last epoch kept.
    assert payload["metrics"]["label_smoothing"] == 0.1 and payload["metrics"]["select"] == "last"
    # Only a run that writes the bundled mnist.pt rewrites the samples of its split; an experiment
    # written elsewhere (another seed, another recipe) leaves them as the bundled model has them.
    assert len(written) == (1 if bundled and not no_pool else 0)


def test_training_command_averages_weights_when_asked(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(train_mnist, "load_mnist", lambda split, root=None: fake_mnist())
    out = tmp_path / "digits.pt"
    assert train_mnist.main(["--epochs", "2", "--out", str(out), "--ema", "0.9", "--select", "accuracy+loss"]) == 0
    metrics = read_weights(out)["metrics"]
    assert metrics["ema"] == 0.9 and metrics["select"] == "accuracy+loss"
    plain = tmp_path / "plain.pt"
    assert train_mnist.main(["--epochs", "2", "--out", str(plain), "--select", "accuracy+loss"]) == 0
    assert read_weights(plain)["metrics"]["ema"] is None
    averaged, last = read_weights(out)["state_dict"], read_weights(plain)["state_dict"]
    assert any(not torch.equal(averaged[k], last[k]) for k in last)  # the same run, other weights kept
    for bad in ("1.0", "0", "-0.5"):
        with pytest.raises(SystemExit):
            train_mnist.main(["--epochs", "1", "--out", str(out), "--ema", bad])
    assert "--ema must lie between 0 and 1" in capsys.readouterr().err


def test_training_command_smooths_labels_when_asked(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(train_mnist, "load_mnist", lambda split, root=None: fake_mnist())
    smoothed, plain = tmp_path / "smoothed.pt", tmp_path / "plain.pt"
    assert train_mnist.main(["--epochs", "1", "--out", str(smoothed), "--label-smoothing", "0.1"]) == 0
    assert train_mnist.main(["--epochs", "1", "--out", str(plain), "--label-smoothing", "0"]) == 0
    assert read_weights(smoothed)["metrics"]["label_smoothing"] == 0.1
    assert read_weights(plain)["metrics"]["label_smoothing"] == 0.0
    a, b = read_weights(smoothed)["state_dict"], read_weights(plain)["state_dict"]
    assert any(not torch.equal(a[k], b[k]) for k in b)  # the same seed and batches, another loss
    for bad in ("1.0", "-0.1", "2"):
        with pytest.raises(SystemExit):
            train_mnist.main(["--epochs", "1", "--out", str(smoothed), "--label-smoothing", bad])
        assert "--label-smoothing must lie in [0, 1)" in capsys.readouterr().err


def test_evaluate_command_scores_an_experiment_file(tmp_path, capsys, shared_data):
    from explainer.train import evaluate

    torch.manual_seed(0)
    model = DigitCNN(conv1=4, conv2=8, hidden=16)
    out = tmp_path / "experiment.pt"
    from explainer.models import save_weights

    save_weights(out, "mnist", model, model.config, {"val_accuracy": 0.5})
    assert evaluate.main(["mnist", "--weights", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "validation 0.5000" in printed and f"{sum(p.numel() for p in model.parameters()):,} parameters" in printed
    for wrong in (["mnist", "--weights", str(tmp_path / "missing.pt")], ["fcn", "--weights", str(out)],
                  ["cifar10", "--weights", str(out)]):  # missing, the wrong command, another network
        with pytest.raises(SystemExit):
            evaluate.main(wrong)

