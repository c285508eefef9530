"""Model summaries traced from the modules, live training and transfer learning (no Qt)."""

import numpy as np
import pytest
import torch
from torch import nn

from explainer.models import MODEL_NAMES, load_model, weights_path
from explainer.models.summary import format_summary, summarize, totals
from explainer.models.live import (ASSETS, TrainSettings, bundled_digits, folder_digits, task_labels, train_digits,
                                   transfer)

INPUTS = {"mnist": (1, 1, 28, 28), "mnist_nopool": (1, 1, 28, 28), "cifar10": (1, 3, 32, 32),
          "fcn32s": (1, 1, 96, 96), "fcn16s": (1, 1, 96, 96), "fcn8s": (1, 1, 96, 96)}


def test_every_image_model_has_a_summary_input():
    from explainer.models.text import TEXT_MODELS

    # The text networks read word ids; their summaries are traced by the text lesson (tests/ui/test_text.py).
    assert set(INPUTS) == set(MODEL_NAMES) - set(TEXT_MODELS)


@pytest.mark.parametrize("name", [n for n in INPUTS if weights_path(n).is_file()])
def test_summary_matches_the_module(name):
    model = load_model(name)
    rows = summarize(model, INPUTS[name])
    total, trainable, frozen = totals(rows)
    assert total == sum(p.numel() for p in model.parameters())
    assert trainable == sum(p.numel() for p in model.parameters() if p.requires_grad) and frozen == 0
    modules = dict(model.named_modules())
    for row in rows:
        if row.name in modules:
            assert row.params == sum(p.numel() for p in modules[row.name].parameters(recurse=False))
    # Independent shapes: run the leaf modules one after another (the bundled digit model is a chain).
    if name in ("mnist", "mnist_nopool"):
        x = torch.zeros(INPUTS[name])
        leaves = [m for m in model.modules() if not list(m.children())]
        with torch.no_grad():
            for leaf, row in zip(leaves, rows):
                x = leaf(x)
                assert tuple(x.shape) == row.output_shape
    text = format_summary(rows, name)
    assert f"Total params: {total:,}" in text and "Layer (type)" in text and "Output Shape" in text


def test_skip_connections_are_found():
    class Skip(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = nn.Conv2d(1, 2, 3, padding=1), nn.Conv2d(2, 2, 3, padding=1), nn.Conv2d(2, 2, 1)

        def forward(self, x):
            y = self.a(x)
            return self.c(self.b(y) + y)

    rows = summarize(Skip(), (1, 1, 8, 8))
    add = next(r for r in rows if r.kind == "merge")
    assert sorted(add.inputs) == ["a", "b"] and add.output_shape == (1, 2, 8, 8)
    assert rows[-1].inputs == [add.name]


@pytest.fixture(scope="module")
def digits():
    data = bundled_digits()
    assert data is not None, "assets/samples must hold the bundled training digits"
    return data


def test_short_training_lowers_the_loss_and_reports(digits):
    settings = TrainSettings(conv1=8, conv2=16, hidden=64, epochs=1, batch_size=8, lr=0.02, train_digits=300)
    reports = list(train_digits(settings, digits))
    batches = [r for r in reports if r.kind == "batch"]
    assert len(batches) == 38 and batches[-1].batch == 38
    assert any("kernels" in r.extra for r in batches)
    done = reports[-1]
    assert done.kind == "done" and isinstance(done.extra["model"], nn.Module)
    untrained = torch.nn.functional.cross_entropy(
        type(done.extra["model"])(**settings.model_config()).eval()(digits.floats().x_val), digits.y_val).item()
    assert done.val_loss < untrained - 0.3


def test_stopping_the_generator_stops_training(digits):
    gen = train_digits(TrainSettings(epochs=50, train_digits=500), digits)
    first = [next(gen) for _ in range(3)]
    gen.close()  # what the worker does on cancel: no more batches run
    assert all(r.kind == "batch" for r in first)
    with pytest.raises(StopIteration):
        next(gen)


@pytest.mark.parametrize("head, units", [("softmax2", 2), ("sigmoid1", 1)])
def test_transfer_trains_only_the_new_head(digits, head, units):
    base = load_model("mnist")
    before = {k: v.clone() for k, v in base.state_dict().items()}
    reports = list(transfer(base, "even vs odd", head, digits, epochs=5))
    done = reports[-1]
    model = done.extra["model"]
    assert model.classifier[-1].out_features == units
    assert done.extra["trained"] == 128 * units + units
    assert done.extra["frozen"] == sum(p.numel() for p in base.parameters()) - 1290
    for key, value in base.state_dict().items():  # the base model itself is untouched
        assert torch.equal(value, before[key])
    for key, value in model.state_dict().items():  # in the copy, everything but the new head is frozen
        if not key.startswith("classifier.5"):
            assert torch.equal(value, before[key])
    assert all(not p.requires_grad for n, p in model.named_parameters() if not n.startswith("classifier.5"))
    assert done.val_accuracy > 0.95


def test_task_labels():
    y = torch.tensor([0, 1, 5, 7, 4])
    assert task_labels("even vs odd", y)[0].tolist() == [1, 0, 0, 0, 1]
    assert task_labels("5 or more vs less than 5", y)[0].tolist() == [0, 0, 1, 1, 0]
    assert task_labels("digit 7 vs the rest", y)[0].tolist() == [0, 0, 0, 1, 0]
    with pytest.raises(ValueError):
        task_labels("cats vs dogs", y)


def test_digits_are_held_as_grey_levels_and_trained_on_as_floats(digits):
    assert digits.x_train.dtype == torch.uint8 and digits.x_val.dtype == torch.uint8  # a quarter of float32's memory
    with np.load(ASSETS / "mnist_train_subset.npz") as stored:
        expected = stored["images"].astype(np.float32) / 255.0
    floats = digits.floats()
    assert floats.x_train.dtype == torch.float32 and tuple(floats.x_train.shape) == (len(expected), 1, 28, 28)
    np.testing.assert_array_equal(floats.x_train[:, 0].numpy(), expected)
    assert floats.floats() is floats  # already floats: nothing is copied
    assert floats.y_train is digits.y_train


def test_folder_digits(shared_data, tmp_path):
    data = folder_digits(shared_data / "mnist")
    assert len(data.x_train) == 9000 and len(data.x_val) == 1000
    with pytest.raises(ValueError, match="no MNIST training files"):
        folder_digits(tmp_path)
    assert np.isfinite(data.x_train.numpy()).all()
    from explainer.data.readers import load_mnist

    images, _labels = load_mnist("train", shared_data / "mnist")
    train = np.random.default_rng(0).permutation(len(images))[1000:]  # folder_digits' split (seed 0, 1 in 10)
    np.testing.assert_array_equal(data.floats().x_train[:, 0].numpy(), images[train])  # grey levels lose nothing


def test_type_names_of_torch_subclasses_and_custom_layers():
    from torch import nn

    from explainer.models.fcn import Upsampler
    from explainer.models.summary import torch_type_name

    class Scale(nn.Module):
        def forward(self, x):
            return 2 * x

    assert torch_type_name(Upsampler(1, 1, 4, stride=2, padding=1)) == "ConvTranspose2d"
    assert torch_type_name(nn.Conv2d(1, 1, 3)) == "Conv2d"
    assert torch_type_name(Scale()) == "Scale"
