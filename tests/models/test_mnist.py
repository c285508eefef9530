"""The bundled digit model: accuracy on the official test set, and safe loading."""

import pickle

import numpy as np
import pytest
import torch

from explainer.models import DigitCNN, ModelLoadError, load_model, load_model_file, read_digit, save_weights, stages
from explainer.data.readers import load_mnist, read_idx, split_train_val
from explainer.train.evaluate import mnist_test_accuracy


def test_load_model_contract():
    model = load_model("mnist")
    assert not model.training
    out = model(torch.zeros(3, 1, 28, 28))
    assert out.shape == (3, 10)


def test_accuracy_on_official_test_set(shared_data):
    acc = mnist_test_accuracy(root=shared_data / "mnist")
    print(f"MNIST test accuracy: {acc:.4f}")
    assert acc >= 0.99


def test_train_and_test_files_do_not_overlap(shared_data):
    # The validation split comes from train-*, evaluation from t10k-*: different files.
    train, _ = load_mnist("train", shared_data / "mnist")
    test, _ = load_mnist("t10k", shared_data / "mnist")
    assert train.shape == (10000, 28, 28) and test.shape == (10000, 28, 28)
    train_idx, val_idx = split_train_val(len(train))
    assert len(set(train_idx) & set(val_idx)) == 0 and len(val_idx) == 1000


def test_stages_match_the_model_output():
    model = load_model("mnist")
    x = torch.rand(1, 1, 28, 28)
    layer_stages, logits = stages(model, x)
    np.testing.assert_allclose(logits.numpy(), model(x).detach().numpy(), rtol=1e-6)
    keys = [s.key for s in layer_stages]
    assert keys == ["input", "conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "output"]
    conv1 = layer_stages[1]
    expected = torch.relu(model.features[0](x))[0].detach().numpy()
    np.testing.assert_allclose(conv1.values, expected, rtol=1e-6)


def test_read_digit_of_blank_is_empty():
    reading = read_digit(load_model("mnist"), np.zeros((100, 100)))
    assert reading.steps is None and reading.prediction is None


def test_missing_and_corrupt_files_give_clear_errors(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        load_model_file(tmp_path / "nope.pt", "mnist")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ModelLoadError, match="not a ConvLens weights file"):
        load_model_file(corrupt, "mnist")
    with pytest.raises(ModelLoadError, match="unknown model"):
        load_model("resnet")


class Exploit:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_malicious_pickle_is_refused_and_not_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "evil.pt"
    torch.save({"format": "convlens-weights", "payload": Exploit()}, evil, pickle_module=pickle)
    with pytest.raises(ModelLoadError):
        load_model_file(evil, "mnist")
    assert not (tmp_path / "PWNED").exists()


def test_wrong_architecture_and_wrong_shapes(tmp_path):
    path = save_weights(tmp_path / "small.pt", "mnist", DigitCNN(conv1=4, conv2=8), dict(conv1=4, conv2=8))
    model = load_model_file(path, "mnist")  # its own config rebuilds it
    assert model.features[0].out_channels == 4
    other = save_weights(tmp_path / "other.pt", "cifar10", DigitCNN(), {})
    with pytest.raises(ModelLoadError, match="not for 'mnist'"):
        load_model_file(other, "mnist")
    payload = torch.load(path, weights_only=True)
    payload["config"] = dict(conv1=6, conv2=8)
    torch.save(payload, tmp_path / "mismatch.pt")
    with pytest.raises(ModelLoadError, match="do not fit"):
        load_model_file(tmp_path / "mismatch.pt", "mnist")


def test_read_idx_rejects_bad_files(tmp_path):
    bad = tmp_path / "x.idx"
    bad.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(bad)
    short = tmp_path / "short.idx"
    short.write_bytes(b"\x00\x00\x08\x01" + (10).to_bytes(4, "big") + b"\x00" * 3)
    with pytest.raises(ValueError, match="truncated"):
        read_idx(short)
