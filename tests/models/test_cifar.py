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
    assert acc >= 0.80


def test_crop_flip_augmentation_keeps_pixels():
    from explainer.train.cifar import random_crop_flip

    x = torch.rand(4, 3, 32, 32)
    out = random_crop_flip(x, torch.Generator().manual_seed(0), pad=0)
    for a, b in zip(x, out):  # with no padding a crop is the image itself, maybe flipped
        assert torch.equal(a, b) or torch.equal(a.flip(2), b)
    padded = random_crop_flip(x, torch.Generator().manual_seed(1))
    assert padded.shape == x.shape and (padded == 0).any()  # some zero border came in
