"""The feature map the lesson pools when the input is the current image or drawing.

Runs in a worker: shrinking a 3000×2000 photo takes longer than a frame.
"""

from __future__ import annotations

import numpy as np

from ....core import KERNELS, box_resize, conv2d
from ....io import to_grayscale
from .state import PICTURE_KERNEL, PICTURE_SIDE


def feature_map_from(picture: np.ndarray, side: int = PICTURE_SIDE) -> np.ndarray:
    """A ReLU feature map of a picture: greyscale, shrunk to ``side``, Sobel-x, ReLU, rounded to 0.01.

    Parameters
    ----------
    picture : ndarray, shape (H, W, 3) or (H, W), values in [0, 1]

    Returns
    -------
    ndarray, shape (side - 2, side - 2), float64, no negatives
    """
    grey = np.asarray(to_grayscale(picture), dtype=np.float64)
    small = box_resize(grey, side, side)
    kernel = KERNELS[PICTURE_KERNEL]
    fmap = np.maximum(conv2d(small[None], kernel[None, None])[0], 0.0)
    return np.round(fmap, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
