"""Small models of "the user's own" for the tests: a ResNet-style CNN exported to ONNX in a temporary folder."""

from __future__ import annotations

import pathlib
import warnings

import torch
from torch import nn

LABELS = ("apple", "bicycle", "cloud", "dolphin", "elephant")


class Block(nn.Module):
    """A residual block: conv, batch norm, ReLU, conv, batch norm, plus the shortcut, ReLU."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)

    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))


class TinyResNet(nn.Module):
    """stem conv → ``blocks`` residual blocks → a strided conv → global average pool → dense over the classes."""

    def __init__(self, width: int = 8, blocks: int = 2, classes: int = len(LABELS)) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, padding=1)
        self.layer1 = nn.Sequential(*(Block(width) for _ in range(blocks)))
        self.down = nn.Conv2d(width, 2 * width, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2 * width, classes)

    def forward(self, x):
        x = self.layer1(torch.relu(self.stem(x)))
        return self.fc(torch.flatten(self.pool(torch.relu(self.down(x))), 1))


def tiny_resnet(seed: int = 0, **kwargs) -> TinyResNet:
    torch.manual_seed(seed)
    model = TinyResNet(**kwargs)
    for module in model.modules():  # batch norm with statistics that are not the identity
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
    return model.eval()


def export(model: nn.Module, path: pathlib.Path, side: int = 32, labels=LABELS) -> pathlib.Path:
    """``model`` as ONNX at ``path`` (legacy exporter), with a labels.txt beside it when ``labels`` is given."""
    path = pathlib.Path(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.rand(1, 3, side, side),), str(path), dynamo=False,
                          input_names=["image"], output_names=["scores"])
    if labels:
        path.with_name("labels.txt").write_text("\n".join(labels) + "\n")
    return path
