"""A small CNN for 32×32 colour photos (CIFAR-10), small enough to show every channel.

3×3 convolutions with batch norm and ReLU, optionally residual blocks (two
convolutions whose result is added to the block's input, a shortcut), max
pooling after each stage, global average pooling, one dense layer to the ten
classes. The network normalises its input itself, so it takes plain RGB
values in [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.readers import CIFAR10_CLASSES  # noqa: F401 (re-exported)
#: Per-channel mean and standard deviation of the CIFAR-10 training images.
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def conv_block(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class Sum(nn.Module):
    """Where a shortcut joins: ``body + shortcut``. A layer of its own, so a trace records the sum."""

    def forward(self, body: torch.Tensor, shortcut: torch.Tensor) -> torch.Tensor:
        return body + shortcut


class ResidualBlock(nn.Module):
    """Two 3×3 convolutions with batch norm whose result is added to the block's input, then a ReLU:
    ``relu(bn(conv(relu(bn(conv(x))))) + x)``. The shortcut lets a block learn a change to its input."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*conv_block(width, width), nn.Conv2d(width, width, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width))
        self.add = Sum()
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.add(self.body(x), x))


class PhotoCNN(nn.Module):
    """CIFAR-10 classifier in stages: 3×3 convolutions (VGG-style), optionally followed by residual blocks,
    then 2×2 max pooling; global average pooling and one dense layer at the end.

    Parameters
    ----------
    widths : sequence of int
        Channels of the stages; every stage ends with 2×2 max pooling.
    convs : sequence of int, optional
        3×3 convolutions per stage; by default two in every stage but the last, which has one.
    residual : sequence of int, optional
        Residual blocks per stage, after its convolutions (none by default).

    Input ``(N, 3, 32, 32)`` RGB in [0, 1]; output ``(N, 10)`` logits.
    """

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128), convs: tuple[int, ...] | None = None,
                 residual: tuple[int, ...] | None = None) -> None:
        super().__init__()
        if convs is None:
            convs = tuple(2 if i < len(widths) - 1 else 1 for i in range(len(widths)))
        if len(convs) != len(widths) or min(convs) < 1:
            raise ValueError("convs needs one count (at least 1) per stage")
        if residual is None:
            residual = (0,) * len(widths)
        if len(residual) != len(widths) or min(residual) < 0:
            raise ValueError("residual needs one count (0 or more) per stage")
        self.config = {"widths": list(widths), "convs": list(convs)}
        if any(residual):
            self.config["residual"] = list(residual)
        self.register_buffer("mean", torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CIFAR10_STD).view(1, 3, 1, 1))
        layers: list[nn.Module] = []
        c_in = 3
        for width, n, blocks in zip(widths, convs, residual):
            layers += conv_block(c_in, width)
            for _ in range(n - 1):
                layers += conv_block(width, width)
            layers += [ResidualBlock(width) for _ in range(blocks)]
            layers.append(nn.MaxPool2d(2))
            c_in = width
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features((x - self.mean) / self.std))
