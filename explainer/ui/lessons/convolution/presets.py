"""Where the stepper's inputs come from, without Qt: the lecture's examples, a digit, a crop of a picture.

Each source gives an :class:`Example` (input, kernels, biases, geometry,
channel names and the cell to start on) that
:meth:`~explainer.ui.lessons.convolution.state.ConvolutionState.load` puts
into the state. Nothing here touches a large array: a picture is only ever
read through a strided view (:func:`thumbnail`) and a small square cut from it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .... import io
from ....core import conv2d

#: The examples, by key, with the title the lesson shows for each.
PRESETS: dict[str, str] = {
    "rgb": "Lecture: RGB image, 3×3 kernels, bias 1, padding 1",
    "binary": "Lecture: binary 5×5 image, X kernel",
    "digit": "Digit 28×28 with a 5×5 kernel → 24×24",
    "crop": "Crop of the current image (real pixels)",
}

#: What the channels are called when nothing more specific is known.
CHANNEL_NAMES: dict[int, tuple[str, ...]] = {1: ("Image",), 3: ("Red", "Green", "Blue")}

#: A 5×5 kernel that responds to vertical strokes (positive centre column, negative sides).
STROKE_KERNEL = np.array([[-1, -1, 2, -1, -1]] * 5, dtype=np.float64) / 5.0

#: A picture is shown (and cropped) at most this many pixels on its longest side,
#: so the crop square stays easy to see and drag.
THUMBNAIL_SIDE = 256

#: Shown instead of a picture while there is no current image.
BLANK_PICTURE_SHAPE = (32, 32, 3)


@dataclass(frozen=True)
class Example:
    """Everything one source puts into the stepper.

    Attributes
    ----------
    x : ndarray, shape (C, H, W)
    w : ndarray, shape (K, C, k, k)
    b : ndarray, shape (K,)
    stride, padding, dilation : int
    names : tuple of str, one per input channel
    cursor : int
        The output cell to open on (row-major index).
    crop_pos : (int, int) or None
        Where the input was cut from the picture (row, col), for a crop.
    """

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    names: tuple[str, ...] = ("Image",)
    cursor: int = 0
    crop_pos: tuple[int, int] | None = None


def channel_names(channels: int) -> tuple[str, ...]:
    """Default names for ``channels`` input channels ("Red", "Green", "Blue" for three)."""
    return CHANNEL_NAMES.get(channels, tuple(f"ch {i}" for i in range(channels)))


@functools.lru_cache(maxsize=None)
def _lecture(key: str) -> dict:
    return io.load_preset(key)


def lecture_example(key: str) -> Example:
    """One of the lecture's worked examples (``"rgb"`` or ``"binary"``), as new arrays."""
    preset = _lecture(key)
    return Example(preset["input"].copy(), preset["kernels"].copy(), preset["bias"].copy(),
                   int(preset["stride"]), int(preset["padding"]), int(preset["dilation"]),
                   tuple(preset["channel_names"]))


def digit_example() -> Example:
    """A held-out MNIST digit (0–255) with the vertical-stroke kernel: 28×28 → 24×24.

    It opens on the cell where the kernel responds most, not on the empty border.
    """
    images, labels = io.heldout_digits()
    digit = np.round(images[0] * 255).astype(np.float64) if len(images) else np.zeros((28, 28))
    name = f"Digit ({labels[0]})" if len(labels) else "Digit"
    x, w, b = digit[None], STROKE_KERNEL[None, None].copy(), np.zeros(1)
    cursor = int(np.argmax(conv2d(x, w, b)[0]))
    return Example(x, w, b, 1, 0, 1, (name,), cursor)


def crop_example(picture: np.ndarray, size: int, pos: tuple[int, int], channels: int = 3,
                 w: np.ndarray | None = None, b: np.ndarray | None = None) -> Example:
    """Real 0–255 pixels of a square of ``picture`` (see :func:`crop_pixels`) under kernels ``w`` and biases ``b``.

    Without kernels: the lecture's RGB kernels for three channels, a 3×3 blur
    for one. The padding is k // 2, so the output is as large as the crop.
    """
    size, pos = clamp_crop(picture.shape, size, pos)
    if w is None:
        w = lecture_example("rgb").w if channels == 3 else np.full((1, 1, 3, 3), 1 / 9)
        b = np.zeros(1)
    return Example(crop_pixels(picture, size, pos, channels), np.asarray(w, dtype=np.float64),
                   np.asarray(b, dtype=np.float64), 1, w.shape[-1] // 2, 1, channel_names(channels), 0, pos)


def kernel_example(weights, bias: float, picture: np.ndarray, size: int, pos: tuple[int, int]) -> Example:
    """A kernel (C, k, k) sent from elsewhere, stepped over a square of ``picture``.

    Raises
    ------
    ValueError
        If ``weights`` are not square slices (C, k, k). Whether the stepper can
        show them (channels, size) is checked when the example is loaded.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 3 or weights.shape[1] != weights.shape[2]:
        raise ValueError(f"a kernel should be square slices (channels, k, k), got shape {weights.shape}")
    return crop_example(picture, size, pos, weights.shape[0], weights[None], np.array([float(bias)]))


def example_for(key: str, picture: np.ndarray, size: int, pos: tuple[int, int]) -> Example:
    """The example of preset ``key`` (a crop is cut from ``picture`` at ``pos``, side ``size``)."""
    if key in ("rgb", "binary"):
        return lecture_example(key)
    if key == "digit":
        return digit_example()
    if key == "crop":
        return crop_example(picture, size, pos)
    raise ValueError(f"unknown preset {key!r}; presets: {', '.join(PRESETS)}")


def thumbnail(image: np.ndarray | None) -> np.ndarray:
    """The picture the crop is chosen on: every n-th pixel, at most :data:`THUMBNAIL_SIDE` on a side.

    A strided *view* of ``image`` (H, W, 3): no pixel of a large photo is
    copied, so this is instant even for a 3000×2000 picture. The crop reads
    these very pixels, so what the square covers is what the stepper shows.
    """
    if image is None:
        return np.zeros(BLANK_PICTURE_SHAPE, np.float32)
    h, w = image.shape[:2]
    step = max(1, math.ceil(max(h, w) / THUMBNAIL_SIDE))
    return image[::step, ::step]


def clamp_crop(picture_shape: tuple[int, ...], size: int, pos: tuple[int, int]) -> tuple[int, tuple[int, int]]:
    """The crop side and top-left (row, col) that fit a picture of ``picture_shape`` (H, W, ...)."""
    h, w = int(picture_shape[0]), int(picture_shape[1])
    size = max(1, min(int(size), h, w))
    row = int(np.clip(pos[0], 0, h - size))
    col = int(np.clip(pos[1], 0, w - size))
    return size, (row, col)


def crop_pixels(picture: np.ndarray, size: int, pos: tuple[int, int], channels: int = 3) -> np.ndarray:
    """The 0–255 pixel values of a ``size``×``size`` square at ``pos`` (row, col) of ``picture`` (H, W, 3).

    Returns
    -------
    ndarray, shape (channels, s, s), float64
        Whole numbers; one channel is the rounded mean of red, green and blue.
        ``s`` is ``size``, or smaller if the picture is smaller.
    """
    size, (row, col) = clamp_crop(picture.shape, size, pos)
    square = np.round(np.asarray(picture[row : row + size, col : col + size], dtype=np.float64) * 255)
    rgb = np.moveaxis(square, 2, 0)
    if channels == 1:
        return np.round(rgb.mean(axis=0, keepdims=True))
    return rgb
