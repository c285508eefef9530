"""The MNIST recipe for a whole stack of digits at once (the invariance lab's sweeps).

:func:`mnist_digits` gives, for every image, what
:func:`explainer.core.preprocess.mnist_preprocess` gives as ``steps.digit``
(crop to the drawn pixels, scale the longer side to 20 pixels by area
averaging, centre by mass in a 28×28 field), to within float rounding (the
tests compare them on the held-out digits, moved, turned and spoiled). It does
the same arithmetic, but as a few array operations over the stack instead of
one small call per digit: a sweep runs the recipe on 300 digits 17 times.

Every per-image step is a matrix: cropping and area-averaging the rows is a
``(20, H)`` matrix, the columns likewise, and placing the result in the field
is a 0/1 matrix, so a digit is ``L @ image @ R.T`` with ``L`` and ``R`` built
for each image from its bounding box and centre of mass.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int


def _area_rows(n_in: np.ndarray, n_out: np.ndarray, offset: np.ndarray, rows: int, length: int) -> np.ndarray:
    """``(N, rows, length)``: row i averages input pixels ``offset + [i, i + 1) · n_in / n_out``.

    The same numbers as ``preprocess._area_matrix(n_out, n_in)`` placed at column ``offset``
    (rows from ``n_out`` on are zero).
    """
    step = (n_in / n_out)[:, None]
    i = np.arange(rows)[None, :]
    starts = i * step
    ends = np.where(i + 1 == n_out[:, None], n_in[:, None].astype(np.float64), (i + 1) * step)
    pixel = (np.arange(length)[None, :] - offset[:, None])[:, None, :]  # relative to the crop
    overlap = np.clip(np.minimum(ends[..., None], pixel + 1) - np.maximum(starts[..., None], pixel), 0.0, None)
    overlap *= (i < n_out[:, None])[..., None]  # rows past the scaled size stay empty
    total = overlap.sum(axis=2, keepdims=True)
    return np.divide(overlap, total, out=np.zeros_like(overlap), where=total > 0)


def _placement(offset: np.ndarray, size: np.ndarray, field: int, rows: int) -> np.ndarray:
    """``(N, field, rows)`` 0/1 matrices putting row i of the scaled digit at row ``offset + i``."""
    target = np.arange(field)[None, :, None]
    source = np.arange(rows)[None, None, :]
    return ((target - offset[:, None, None] == source) & (source < size[:, None, None])).astype(np.float64)


def _bounds(drawn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last index where ``drawn`` (N, L) is True (0, 1 where nothing is)."""
    length = drawn.shape[1]
    first = np.argmax(drawn, axis=1)
    last = length - np.argmax(drawn[:, ::-1], axis=1)
    empty = ~drawn.any(axis=1)
    return np.where(empty, 0, first), np.where(empty, 1, last)


def mnist_digits(images, box_side: int = 20, field: int = 28, threshold: float = 0.05) -> np.ndarray:
    """The MNIST recipe's 28×28 digit for every image of a stack.

    Parameters
    ----------
    images : ndarray (N, H, W)
        White digits on black; values are clipped to [0, 1].
    box_side, field, threshold
        As in :func:`~explainer.core.preprocess.mnist_preprocess`.

    Returns
    -------
    ndarray (N, field, field), float64
        All zeros for an image with nothing above ``threshold`` (where ``mnist_preprocess``
        returns None).
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or 0 in images.shape:
        raise ValueError(f"the digits must be a non-empty stack (N, H, W), got shape {images.shape}")
    if not np.all(np.isfinite(images)):
        raise ValueError("the digits contain NaN or infinite values")
    box_side = check_int("box side", box_side, 1)
    field = check_int("field", field, box_side)
    images = np.clip(images, 0.0, 1.0)
    n, height, width = images.shape
    drawn = images > threshold
    empty = ~drawn.any(axis=(1, 2))
    top, bottom = _bounds(drawn.any(axis=2))
    left, right = _bounds(drawn.any(axis=1))
    h, w = bottom - top, right - left
    scale = box_side / np.maximum(h, w)
    out_h = np.maximum(1, np.round(h * scale).astype(np.int64))
    out_w = np.maximum(1, np.round(w * scale).astype(np.int64))
    rows = _area_rows(h, out_h, top, box_side, height)
    cols = _area_rows(w, out_w, left, box_side, width)
    scaled = rows @ images @ cols.transpose(0, 2, 1)  # (N, box_side, box_side), zero beyond out_h × out_w
    total = scaled.sum(axis=(1, 2))
    index = np.arange(box_side, dtype=np.float64)
    safe = np.where(total > 0, total, 1.0)
    cy = np.where(total > 0, (scaled.sum(axis=2) * index).sum(axis=1) / safe, (out_h - 1) / 2)
    cx = np.where(total > 0, (scaled.sum(axis=1) * index).sum(axis=1) / safe, (out_w - 1) / 2)
    centre = (field - 1) / 2
    oy = np.clip(np.round(centre - cy), 0, field - out_h).astype(np.int64)
    ox = np.clip(np.round(centre - cx), 0, field - out_w).astype(np.int64)
    digits = _placement(oy, out_h, field, box_side) @ scaled @ _placement(ox, out_w, field, box_side).transpose(0, 2, 1)
    digits[empty] = 0.0
    return digits
