"""Turning a drawing into what an MNIST network expects, the way MNIST itself was made.

The MNIST recipe (LeCun et al.): each digit was cropped to its bounding box,
scaled so its longer side is 20 pixels (keeping the aspect ratio), and placed
in a 28×28 field so that its centre of mass sits at the centre. A network
trained on MNIST only reads digits well when they look like that, so the
drawing lesson shows every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_int


def box_resize(image, out_h: int, out_w: int) -> np.ndarray:
    """Resize a 2-D image by averaging over the area each output pixel covers.

    Each output pixel is the mean of the input area under it (fractions of
    pixels count by their overlap), so shrinking a thick stroke gives grey
    edges rather than jagged ones. Enlarging repeats pixels.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    out_h, out_w : int
        At least 1.

    Returns
    -------
    ndarray, shape (out_h, out_w), float64
    """
    image = as_float_array("image", image, 2, "(H, W)")
    out_h = check_int("output height", out_h, 1)
    out_w = check_int("output width", out_w, 1)
    return _area_matrix(out_h, image.shape[0]) @ image @ _area_matrix(out_w, image.shape[1]).T


def _area_matrix(n_out: int, n_in: int) -> np.ndarray:
    # Row i holds how much of each input pixel falls in output pixel i.
    edges = np.linspace(0.0, n_in, n_out + 1)
    starts, ends = edges[:-1, None], edges[1:, None]
    pixel = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(ends, pixel + 1) - np.maximum(starts, pixel), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def bounding_box(image, threshold: float = 0.05) -> tuple[int, int, int, int] | None:
    """Rows and columns ``(top, bottom, left, right)`` (bottom/right exclusive) of pixels above ``threshold``.

    None when nothing is drawn.
    """
    image = as_float_array("image", image, 2, "(H, W)")
    rows = np.flatnonzero((image > threshold).any(axis=1))
    cols = np.flatnonzero((image > threshold).any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def center_of_mass(image) -> tuple[float, float]:
    """Intensity-weighted mean (row, col) of a 2-D image, in pixel-centre coordinates."""
    image = as_float_array("image", image, 2, "(H, W)")
    total = image.sum()
    if total <= 0:
        return (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


@dataclass(frozen=True)
class DigitSteps:
    """Every stage of :func:`mnist_preprocess`, for display.

    Attributes
    ----------
    raw : ndarray (H, W)
        The drawing, white on black, values in [0, 1].
    box : tuple of int
        ``(top, bottom, left, right)`` of the drawn pixels in ``raw``.
    cropped : ndarray
        ``raw`` cut to the box.
    scaled : ndarray (h, w), max(h, w) == 20
        The crop scaled to fit 20×20, aspect kept.
    center : tuple of float
        Centre of mass of ``scaled``.
    offset : tuple of int
        Where ``scaled``'s top-left corner lands in the 28×28 field.
    digit : ndarray (28, 28)
        The network's input.
    """

    raw: np.ndarray
    box: tuple[int, int, int, int]
    cropped: np.ndarray
    scaled: np.ndarray
    center: tuple[float, float]
    offset: tuple[int, int]
    digit: np.ndarray


def mnist_preprocess(image, box_side: int = 20, field: int = 28, threshold: float = 0.05) -> DigitSteps | None:
    """Crop, scale into ``box_side``×``box_side``, and centre by mass in ``field``×``field``.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        White (1) digit on black (0).
    box_side : int
        Longest side of the scaled digit (MNIST: 20).
    field : int
        Side of the output (MNIST: 28).
    threshold : float
        Pixels brighter than this count as drawn when cropping.

    Returns
    -------
    DigitSteps or None
        None if nothing is drawn.
    """
    image = np.clip(as_float_array("image", image, 2, "(H, W)"), 0.0, 1.0)
    box_side = check_int("box side", box_side, 1)
    field = check_int("field", field, box_side)
    box = bounding_box(image, threshold)
    if box is None:
        return None
    top, bottom, left, right = box
    cropped = image[top:bottom, left:right]
    h, w = cropped.shape
    scale = box_side / max(h, w)
    scaled = box_resize(cropped, max(1, round(h * scale)), max(1, round(w * scale)))
    cy, cx = center_of_mass(scaled)
    centre = (field - 1) / 2
    # Put the centre of mass in the middle, but never push the digit off the field.
    oy = int(np.clip(round(centre - cy), 0, field - scaled.shape[0]))
    ox = int(np.clip(round(centre - cx), 0, field - scaled.shape[1]))
    digit = np.zeros((field, field))
    digit[oy : oy + scaled.shape[0], ox : ox + scaled.shape[1]] = scaled
    return DigitSteps(image, box, cropped, scaled, (cy, cx), (oy, ox), digit)


def looks_inverted(image, border: int = 2) -> bool:
    """True when an image is mostly light (dark digit on white paper) and should be inverted.

    Judged from the border pixels, where a photographed or scanned digit has paper.
    """
    image = as_float_array("image", image, 2, "(H, W)")
    b = max(1, min(border, min(image.shape) // 2))
    edge = np.concatenate([image[:b].ravel(), image[-b:].ravel(), image[:, :b].ravel(), image[:, -b:].ravel()])
    return float(np.median(edge)) > 0.5
