"""Final evaluation of bundled models on the official test splits.

``python -m explainer.train evaluate mnist`` prints the test-set accuracy.
Run it after training; never use its figure to choose anything.
"""

from __future__ import annotations

import argparse

import torch

from ..models import load_model
from .data import load_cifar10, load_mnist
from .loop import evaluate


def mnist_test_accuracy(model=None, root=None) -> float:
    """Accuracy of the digit model on the 10,000 official MNIST test digits."""
    model = model or load_model("mnist")
    images, labels = load_mnist("t10k", root)
    with torch.no_grad():
        _, acc = evaluate(model, torch.from_numpy(images)[:, None], torch.from_numpy(labels))
    return acc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.train evaluate")
    parser.add_argument("model", choices=["mnist", "cifar10"])
    args = parser.parse_args(argv)
    if args.model == "mnist":
        acc = mnist_test_accuracy()
        print(f"mnist: test accuracy {acc:.4f} on 10,000 official test digits")
    elif args.model == "cifar10":
        model = load_model("cifar10")
        params = sum(p.numel() for p in model.parameters())
        acc = cifar10_test_accuracy(model)
        print(f"cifar10: test accuracy {acc:.4f} on 10,000 official test photos ({params:,} parameters)")
    return 0


def cifar10_test_accuracy(model=None, root=None) -> float:
    """Accuracy of the photo model on the 10,000 official CIFAR-10 test photos."""
    model = model or load_model("cifar10")
    images, labels = load_cifar10("test", root)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(255.0)
    with torch.no_grad():
        _, acc = evaluate(model, x, torch.from_numpy(labels), batch_size=500)
    return acc
