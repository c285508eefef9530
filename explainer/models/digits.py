"""The digit CNN of the lecture: conv 5×5 → pool → conv 5×5 → pool → dense → 10.

Like the lecture's first hidden layer, the first convolution has no padding,
so a 28×28 digit gives 24×24 feature maps (5×5 local receptive fields).
``pool="none"`` builds the same network without its pooling layers (conv 5×5
→ conv 5×5 → dense → 10, stride 1 throughout): the invariance lab's
comparison for the lecture's claim that pooling tolerates small shifts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..core.preprocess import DigitSteps, mnist_preprocess
from .trace import stages

#: The pooling kinds :class:`DigitCNN` takes ("none": no pooling layers at all).
POOL_KINDS = ("max", "avg", "none")


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
    pool : {"max", "avg", "none"}
        Pooling kind after each convolution; ``"none"`` leaves pooling out, so the
        dense head reads the full-size maps of the last convolution (20×20 for 5×5 kernels).
    dropout : float
        Dropout before each fully connected layer (training only).

    Input ``(N, 1, 28, 28)`` float, output ``(N, 10)`` logits.
    """

    def __init__(self, conv1: int = 32, conv2: int = 64, hidden: int = 128, kernel: int = 5,
                 pool: str = "max", dropout: float = 0.3) -> None:
        super().__init__()
        if pool not in POOL_KINDS:
            raise ValueError(f"pool must be 'max', 'avg' or 'none', got {pool!r}")
        if pool == "none":
            side = 28 - 2 * (kernel - 1)
            if side < 1:
                raise ValueError(f"kernel {kernel}x{kernel} is too large for two conv stages on 28x28")
        else:
            side = ((28 - kernel + 1) // 2 - kernel + 1) // 2
            if side < 1:
                raise ValueError(f"kernel {kernel}x{kernel} is too large for two conv+pool stages on 28x28")
        self.config = dict(conv1=conv1, conv2=conv2, hidden=hidden, kernel=kernel, pool=pool, dropout=dropout)

        def pooling() -> list[nn.Module]:
            if pool == "none":
                return []
            return [nn.MaxPool2d(2) if pool == "max" else nn.AvgPool2d(2)]

        self.features = nn.Sequential(
            nn.Conv2d(1, conv1, kernel),  # 28 -> 24 (kernel 5)
            nn.ReLU(),
            *pooling(),  # 24 -> 12
            nn.Conv2d(conv1, conv2, kernel),  # 12 -> 8 (24 -> 20 without pooling)
            nn.ReLU(),
            *pooling(),  # 8 -> 4
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


@dataclass
class DigitReading:
    """Everything the drawing lesson shows for one drawing.

    Attributes
    ----------
    steps : DigitSteps or None
        The MNIST preprocessing stages; None when nothing is drawn.
    stages : list of Stage
        Every layer's output for the 28×28 input (empty when nothing is drawn).
    probabilities : ndarray, shape (10,), or None
        Softmax of the logits.
    prediction : int or None
        The most probable digit.
    """

    steps: DigitSteps | None
    stages: list = field(default_factory=list)
    probabilities: np.ndarray | None = None
    prediction: int | None = None


def read_digit(model: nn.Module | None, image: np.ndarray) -> DigitReading:
    """Preprocess a drawing the MNIST way and run the digit network on it.

    Parameters
    ----------
    model : nn.Module or None
        A digit classifier taking (1, 1, 28, 28); None shows only the preprocessing.
    image : ndarray, shape (H, W)
        White digit on black, values in [0, 1].
    """
    steps = mnist_preprocess(image)
    if steps is None or model is None:
        return DigitReading(steps)
    x = torch.from_numpy(steps.digit.astype(np.float32))[None, None]
    layer_stages, logits = stages(model, x)
    probabilities = torch.softmax(logits[0], dim=0).numpy().astype(np.float64)
    return DigitReading(steps, layer_stages, probabilities, int(probabilities.argmax()))
