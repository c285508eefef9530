"""The draw lesson's background work: loading the model in use, and reading a picture as a digit.

These functions run in worker threads: they take arrays and models and return
arrays, never touching widgets or state. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .... import io
from ....core import looks_inverted
from ....models import count_parameters, load_model, read_digit
from ....core.levels import percentile

#: Side of the drawing pad's image (the app state's drawing coordinates).
PAD_SIDE = 280


@dataclass(frozen=True, eq=False)
class ModelRequest:
    """The digit model asked for: the app state's model (None = the bundled one) and its name."""

    model: object
    name: str


@dataclass(frozen=True, eq=False)
class ReadingRequest:
    """What one reading answers: the drawing and how to show it, fixed when it was asked for.

    Attributes
    ----------
    image : ndarray (H, W) float32 in [0, 1]
        The drawing as it was when the reading was requested.
    levels : dict of str to float
        Colour scale per layer of the model that read it.
    true_label : int or None
        The true digit of a held-out digit under the drawing.
    no_model : str
        What to say when there is no model to read it (loading, or failed to load).
    """

    image: np.ndarray
    levels: dict
    true_label: int | None
    no_model: str


def load_digit_model(model=None) -> dict:
    """The digit model in use, its parameter count, the held-out digits and per-layer colour levels.

    ``model`` is the app state's digit model; None loads the bundled one.
    """
    if model is None:
        model = load_model("mnist")
    images, labels = io.heldout_digits()
    total, _trainable = count_parameters(model)
    return {"model": model, "parameters": total, "images": images, "labels": labels,
            "levels": levels_for(model, images)}


def levels_for(model, images: np.ndarray, count: int = 40) -> dict[str, float]:
    """Colour scale per layer: the 99.5th percentile of ``model``'s activations on held-out digits.

    Fixed per model, so colours keep their meaning from one stroke to the next.
    """
    levels: dict[str, float] = {}
    for image in images[:count]:
        for stage in read_digit(model, image).stages:
            levels[stage.key] = max(levels.get(stage.key, 0.0), percentile(stage.values, 99.5))
    return levels


def digit_from_file(path: str, side: int = PAD_SIDE) -> np.ndarray:
    """Any picture as a white-on-black square greyscale digit of at most ``side`` pixels, or ValueError.

    Dark ink on light paper is inverted (MNIST digits are white on black), the
    contrast is stretched, and the picture is centred on a black square so it
    is not distorted when the pad shows it.
    """
    grey = io.to_grayscale(io.load_image(path, max_side=side))
    if looks_inverted(grey):
        grey = 1.0 - grey
    floor = percentile(grey, 5)
    grey = np.clip((grey - floor) / max(1e-6, float(grey.max()) - floor), 0.0, 1.0)
    if float(grey.max()) - float(np.median(grey)) < 0.2:
        raise ValueError("no digit found: the picture is blank or has too little contrast")
    height, width = grey.shape
    square = np.zeros((max(height, width),) * 2, np.float32)
    top, left = (square.shape[0] - height) // 2, (square.shape[1] - width) // 2
    square[top:top + height, left:left + width] = grey
    return square
