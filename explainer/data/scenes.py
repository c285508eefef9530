"""Digit scenes for segmentation: a few MNIST digits scattered on a 96×96 canvas.

The task, exactly: a single-channel 96×96 canvas in [0, 1] holds 1 to 4 MNIST
digits, each resized (bilinear) to a square of 24–44 px, placed at random with
non-overlapping bounding boxes and composited by maximum. The label map is 0
(background) everywhere except where a pasted digit's intensity is ≥ 0.5,
which gets the label ``digit + 1`` (11 classes).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

NUM_CLASSES = 11
CLASS_NAMES = ("background",) + tuple(f"digit {d}" for d in range(10))
SCENE_SIDE = 96


def resize_digit(digit: np.ndarray, side: int) -> np.ndarray:
    """Bilinear resize of a (28, 28) float digit in [0, 1] to (side, side)."""
    img = Image.fromarray(np.asarray(digit, dtype=np.float32), mode="F")
    return np.clip(np.asarray(img.resize((side, side), Image.Resampling.BILINEAR), dtype=np.float32), 0.0, 1.0)


def make_scene(digits: np.ndarray, labels: np.ndarray, rng: np.random.Generator, side: int = SCENE_SIDE,
               count: tuple[int, int] = (1, 4), size: tuple[int, int] = (24, 44),
               attempts: int = 50) -> tuple[np.ndarray, np.ndarray, list[tuple]]:
    """One scene.

    Parameters
    ----------
    digits : ndarray, shape (N, 28, 28), float in [0, 1]
    labels : ndarray, shape (N,)
    rng : numpy Generator
    side : int
        Canvas side.
    count : (int, int)
        Fewest and most digits (inclusive).
    size : (int, int)
        Smallest and largest digit side in pixels (inclusive).

    Returns
    -------
    image : ndarray (side, side) float32 in [0, 1]
    target : ndarray (side, side) int64 in 0..10
    boxes : list of (top, left, size, digit)
    """
    image = np.zeros((side, side), np.float32)
    target = np.zeros((side, side), np.int64)
    boxes: list[tuple] = []
    wanted = int(rng.integers(count[0], count[1] + 1))
    for _ in range(wanted):
        s = int(rng.integers(size[0], size[1] + 1))
        for _try in range(attempts):
            top, left = int(rng.integers(0, side - s + 1)), int(rng.integers(0, side - s + 1))
            if all(top + s <= t or t + z <= top or left + s <= l or l + z <= left for t, l, z, _ in boxes):
                break
        else:
            continue  # no room left for a digit this size
        index = int(rng.integers(len(digits)))
        pasted = resize_digit(digits[index], s)
        region = image[top : top + s, left : left + s]
        np.maximum(region, pasted, out=region)
        target[top : top + s, left : left + s][pasted >= 0.5] = int(labels[index]) + 1
        boxes.append((top, left, s, int(labels[index])))
    return image, target, boxes


def make_scenes(digits: np.ndarray, labels: np.ndarray, n: int, seed: int,
                side: int = SCENE_SIDE) -> tuple[np.ndarray, np.ndarray]:
    """``n`` scenes from a fixed seed: images (n, side, side) float32 and targets (n, side, side) int64."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, side, side), np.float32)
    targets = np.zeros((n, side, side), np.int64)
    for i in range(n):
        images[i], targets[i], _ = make_scene(digits, labels, rng, side)
    return images, targets
