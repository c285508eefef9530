"""The bundled photo model: size, contract, and accuracy on the official CIFAR-10 test set."""

import pytest

import torch

from explainer.models import CIFAR10_CLASSES, load_model
from explainer.train.evaluate import cifar10_test_accuracy


def test_contract_and_size():
    model = load_model("cifar10")
    assert not model.training
    assert sum(p.numel() for p in model.parameters()) <= 150_000
    out = model(torch.rand(2, 3, 32, 32))
    assert out.shape == (2, 10)
    assert CIFAR10_CLASSES[:3] == ("airplane", "automobile", "bird") and len(CIFAR10_CLASSES) == 10


def test_accuracy_on_official_test_set(shared_data):
    acc = cifar10_test_accuracy(root=shared_data / "cifar10")
    print(f"CIFAR-10 test accuracy: {acc:.4f}")
    assert acc >= 0.87


def test_crop_flip_augmentation_keeps_pixels():
    from explainer.train.cifar import random_crop_flip

    x = torch.rand(4, 3, 32, 32)
    out = random_crop_flip(x, torch.Generator().manual_seed(0), pad=0)
    for a, b in zip(x, out):  # with no padding a crop is the image itself, maybe flipped
        assert torch.equal(a, b) or torch.equal(a.flip(2), b)
    padded = random_crop_flip(x, torch.Generator().manual_seed(1))
    assert padded.shape == x.shape and (padded == 0).any()  # some zero border came in


def test_cutout_zeroes_one_square_per_photo_clipped_at_the_edges():
    from explainer.train.cifar import cutout

    x = torch.rand(64, 3, 32, 32) + 0.1  # no zeros of its own
    out = cutout(x, torch.Generator().manual_seed(0), 8)
    zero = (out == 0).all(1)  # (N, H, W): where all three channels were cut
    assert torch.equal(out[~(out == 0)], x[~(out == 0)])  # the rest is untouched
    assert torch.equal((out == 0).any(1), zero)  # a pixel is cut in every channel or in none
    for mask in zero:
        rows, cols = mask.any(1).nonzero().ravel(), mask.any(0).nonzero().ravel()
        assert 1 <= len(rows) <= 8 and 1 <= len(cols) <= 8
        assert mask.sum() == len(rows) * len(cols)  # one rectangle
        assert rows.max() - rows.min() + 1 == len(rows) and cols.max() - cols.min() + 1 == len(cols)
    sizes = zero.sum((1, 2))
    assert (sizes == 64).sum() > 20 and (sizes < 64).any()  # whole squares inside, clipped ones at edges


def test_stage_layout_options():
    from explainer.models.photo import PhotoCNN

    default = PhotoCNN()
    convs = [m for m in default.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [32, 32, 64, 64, 128]  # two per stage but the last
    deeper = PhotoCNN((8, 16), (1, 3))
    assert [c.out_channels for c in deeper.modules() if isinstance(c, torch.nn.Conv2d)] == [8, 16, 16, 16]
    assert deeper.config == {"widths": [8, 16], "convs": [1, 3]}
    assert deeper(torch.rand(1, 3, 32, 32)).shape == (1, 10)
    with pytest.raises(ValueError):
        PhotoCNN((8, 16), (1,))


def test_residual_blocks_add_their_input_and_are_staged_the_way_the_lecture_talks():
    """A residual block: conv + BN + ReLU, conv + BN (no ReLU), the shortcut's sum, then ReLU."""
    import numpy as np

    from explainer.models import stages
    from explainer.models.photo import PhotoCNN, ResidualBlock

    torch.manual_seed(0)
    model = PhotoCNN((4, 8), (1, 1), (1, 2)).eval()
    assert model.config == {"widths": [4, 8], "convs": [1, 1], "residual": [1, 2]}
    assert PhotoCNN((4, 8), (1, 1)).config == {"widths": [4, 8], "convs": [1, 1]}  # old files' layout
    blocks = [m for m in model.modules() if isinstance(m, ResidualBlock)]
    assert len(blocks) == 3
    x = torch.rand(1, 4, 16, 16)
    block = blocks[0]
    expected = torch.relu(block.body(x) + x)
    torch.testing.assert_close(block(x), expected)
    for bad in ((1,), (1, -1)):
        with pytest.raises(ValueError):
            PhotoCNN((4, 8), (1, 1), bad)

    found, logits = stages(model, torch.rand(1, 3, 32, 32))
    keys = [s.key for s in found]
    assert keys == ["input", "conv1", "conv2", "conv3", "add1", "pool1", "conv4", "conv5", "conv6", "add2",
                    "conv7", "conv8", "add3", "pool2", "pool3", "flatten", "output"]
    by_key = {s.key: s for s in found}
    assert [by_key[k].relu for k in ("conv1", "conv2", "conv3", "add1", "conv6")] == [True, True, False, True, False]
    assert by_key["conv3"].title.endswith("batch norm")
    assert by_key["add1"].title == "add1 · conv3 + the block's input (shortcut) + ReLU"
    assert (by_key["conv3"].values < 0).any()  # not rectified: the block's second convolution
    # the sum's stage is relu(second conv's output + the block's input, the stage before the block)
    np.testing.assert_allclose(by_key["add1"].values, np.maximum(by_key["conv3"].values + by_key["conv1"].values, 0),
                               atol=1e-5)
    np.testing.assert_allclose(by_key["add1"].input, by_key["conv3"].values, atol=1e-6)
    assert len(by_key["add1"].geometry) == 3  # the receptive field grows through the block's convolutions
    assert logits.shape == (1, 10)


def test_residual_setting_is_checked_in_weights_files():
    from explainer.models.config import check_config
    from explainer.models.weights import ModelLoadError

    assert check_config("cifar10", {"widths": [8, 16], "convs": [1, 1], "residual": [2, 0]})["residual"] == [2, 0]
    for bad, words in (([1], "one count per stage"), ([1, 4], "between 0 and 3"), ([1, "x"], "whole number")):
        with pytest.raises(ModelLoadError, match=words):
            check_config("cifar10", {"widths": [8, 16], "residual": bad})


def test_bf16_detection_reads_the_cpu_flags(tmp_path):
    from explainer.train.cifar import cpu_has_bf16_matrix_units

    amx, plain = tmp_path / "amx", tmp_path / "plain"
    amx.write_text("flags\t\t: fpu avx2 avx512f amx_bf16 amx_tile\n")
    plain.write_text("flags\t\t: fpu avx2 avx512f avx512_bf16\n")
    assert cpu_has_bf16_matrix_units(str(amx)) is True
    assert cpu_has_bf16_matrix_units(str(plain)) is False
    assert cpu_has_bf16_matrix_units(str(tmp_path / "missing")) is False


def test_training_command_checks_the_layout_before_loading_data(capsys):
    from explainer.train.cifar import main

    with pytest.raises(SystemExit) as stop:
        main(["--widths", "8", "16", "--convs", "1", "--data", "/nonexistent"])
    assert stop.value.code == 2 and "one count per stage" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["--widths", "8", "16", "--residual", "1", "--data", "/nonexistent"])
    assert stop.value.code == 2 and "--residual needs one count" in capsys.readouterr().err
    for bad, words in ((["--residual", "4", "0"], "residual[0] must be between 0 and 3"),
                       (["--convs", "5", "1"], "convs[0] must be between 1 and 4")):
        with pytest.raises(SystemExit) as stop:
            main(["--widths", "8", "16", *bad, "--data", "/nonexistent"])
        assert stop.value.code == 2 and words in capsys.readouterr().err


def test_training_command_keeps_and_checkpoints_the_averaged_network(tmp_path, monkeypatch):
    """``--ema``: the per-epoch checkpoint holds the network that was validated (the average), as the final file."""
    import numpy as np

    from explainer.models import read_weights
    from explainer.train import cifar as train_cifar

    rng = np.random.default_rng(5)
    monkeypatch.setattr(train_cifar, "load_cifar10", lambda _split, _root=None: (
        rng.integers(0, 256, (80, 32, 32, 3), dtype=np.uint8), np.arange(80) % 10))
    partial_copies = []
    save = train_cifar.save_weights

    def saving(path, *args, **kwargs):
        save(path, *args, **kwargs)
        if str(path).endswith(".partial.pt"):
            partial_copies.append(read_weights(path))

    monkeypatch.setattr(train_cifar, "save_weights", saving)
    out = tmp_path / "photos.pt"
    argv = ["--epochs", "1", "--batch-size", "8", "--widths", "4", "8", "--convs", "1", "1", "--precision", "fp32",
            "--out", str(out), "--ema", "0.9", "--select", "accuracy+loss", "--again", "0"]  # 9 steps: the average is not the last
    assert train_cifar.main(argv) == 0
    final = read_weights(out)
    assert final["metrics"]["ema"] == 0.9 and final["metrics"]["select"] == "accuracy+loss"
    assert not out.with_suffix(".partial.pt").exists()  # the checkpoint goes once the run is written
    assert len(partial_copies) == 1
    for key, value in final["state_dict"].items():  # one epoch: the checkpoint is the network kept
        assert torch.equal(partial_copies[0]["state_dict"][key].contiguous(), value.contiguous()), key


def test_flip_averaging_scores_each_photo_with_its_mirror_image(monkeypatch):
    import numpy as np

    from explainer.train import evaluate

    rng = np.random.default_rng(8)
    images = rng.integers(0, 256, (30, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, 30)
    monkeypatch.setattr(evaluate, "load_cifar10", lambda _split, _root=None: (images, labels))

    class LeftHeavy(torch.nn.Module):  # reads the left and right halves differently: a mirror image changes it
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.randn(10, 3 * 32 * 16, generator=torch.Generator().manual_seed(1)))

        def forward(self, x):
            return x[..., :16].flatten(1) @ self.weight.T

    model = LeftHeavy()
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(255.0)
    with torch.no_grad():
        plain = model(x).argmax(1).numpy()
        both = (torch.softmax(model(x), 1) + torch.softmax(model(x.flip(3)), 1)).argmax(1).numpy()
    assert (plain != both).any()  # the two ways answer differently here
    assert evaluate.cifar10_test_accuracy(model) == pytest.approx((plain == labels).mean())
    assert evaluate.cifar10_test_accuracy(model, flip=True) == pytest.approx((both == labels).mean())


def test_summary_lists_layers_and_shortcut_joins_not_the_input_normalisation():
    """``(x - mean) / std`` on the input is no layer; each residual sum reads the block's input and its body."""
    from explainer.models.photo import PhotoCNN
    from explainer.models.summary import summarize

    rows = summarize(PhotoCNN((4, 8), (1, 1), (1, 0)), (1, 3, 32, 32))
    assert rows[0].name == "features.0" and rows[0].inputs == []
    assert all(len(row.output_shape) >= 2 for row in rows)  # every row a real tensor, no () shapes
    joins = [row for row in rows if len(row.inputs) > 1]
    assert [(row.name, row.kind, sorted(row.inputs)) for row in joins] == [
        ("features.3.add", "merge", ["features.2", "features.3.body.4"])]
    assert sum(row.params for row in rows) == sum(p.numel() for p in PhotoCNN((4, 8), (1, 1), (1, 0)).parameters())


def test_summary_keeps_a_skip_from_the_network_input():
    """``b(a(x)) + x``: the add joins a layer's output and the input, so it is a row; ``x - mean`` is not."""
    import torch
    from torch import nn

    from explainer.models.summary import summarize

    class Skip(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mean", torch.zeros(1, 3, 1, 1))
            self.a, self.b = nn.Conv2d(3, 3, 3, padding=1), nn.ReLU()

        def forward(self, x):
            x = x - self.mean
            return self.b(self.a(x)) + x

    rows = summarize(Skip(), (1, 3, 8, 8))
    assert [row.kind for row in rows] == ["conv", "activation", "merge"]
    assert rows[-1].inputs == ["b"] and rows[-1].output_shape == (1, 3, 8, 8)
