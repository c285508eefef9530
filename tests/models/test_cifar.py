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
    assert acc >= 0.85


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
            "--out", str(out), "--ema", "0.9", "--select", "accuracy+loss"]  # 9 steps: the average is not the last
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
