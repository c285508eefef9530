"""The digit CNN of the lecture: conv 5×5 → pool → conv 5×5 → pool → dense → 10.

Like the lecture's first hidden layer, the first convolution has no padding,
so a 28×28 digit gives 24×24 feature maps (5×5 local receptive fields).
"""

from __future__ import annotations

import torch
from torch import nn


class DigitCNN(nn.Module):
    """LeNet-style classifier for 28×28 greyscale digits (white on black, in [0, 1]).

    Parameters
    ----------
    conv1, conv2 : int
        Number of feature maps of the two convolutional layers.
    hidden : int
        Width of the fully connected hidden layer.
    kernel : int
        Side of both convolution kernels.
    pool : {"max", "avg"}
        Pooling kind after each convolution.
    dropout : float
        Dropout before each fully connected layer (training only).

    Input ``(N, 1, 28, 28)`` float, output ``(N, 10)`` logits.
    """

    def __init__(self, conv1: int = 32, conv2: int = 64, hidden: int = 128, kernel: int = 5,
                 pool: str = "max", dropout: float = 0.3) -> None:
        super().__init__()
        if pool not in ("max", "avg"):
            raise ValueError(f"pool must be 'max' or 'avg', got {pool!r}")
        pool_layer = nn.MaxPool2d if pool == "max" else nn.AvgPool2d
        side = ((28 - kernel + 1) // 2 - kernel + 1) // 2
        if side < 1:
            raise ValueError(f"kernel {kernel}x{kernel} is too large for two conv+pool stages on 28x28")
        self.config = dict(conv1=conv1, conv2=conv2, hidden=hidden, kernel=kernel, pool=pool, dropout=dropout)
        self.features = nn.Sequential(
            nn.Conv2d(1, conv1, kernel),  # 28 -> 24 (kernel 5)
            nn.ReLU(),
            pool_layer(2),  # 24 -> 12
            nn.Conv2d(conv1, conv2, kernel),  # 12 -> 8
            nn.ReLU(),
            pool_layer(2),  # 8 -> 4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(conv2 * side * side, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
