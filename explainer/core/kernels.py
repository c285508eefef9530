"""Named kernels every image-processing course shows, as feature detectors.

Each is a small 2-D array. A convolutional layer *learns* its kernels; these
hand-made ones show what kinds of features such kernels can pick out.
"""

from __future__ import annotations

import numpy as np

KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float64),
    "box blur": np.full((3, 3), 1 / 9),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64),
    "Sobel x (vertical edges)": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64),
    "Sobel y (horizontal edges)": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64),
    "Laplacian (outlines)": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.float64),
    "lecture: X kernel": np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64),
    "lecture: red kernel slice": np.array([[-1, -1, 1], [0, 1, -1], [0, 1, 1]], dtype=np.float64),
    "5×5 Gaussian blur": np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0,
}


def kernel(name: str) -> np.ndarray:
    """A copy of the named kernel; ``ValueError`` lists the names."""
    if name not in KERNELS:
        raise ValueError(f"unknown kernel {name!r}; kernels: {', '.join(KERNELS)}")
    return KERNELS[name].copy()


def dense_parameters(in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> int:
    """Weights + biases of a fully connected layer from ``in_shape`` to ``out_shape`` values.

    The lecture's argument for shared weights: connecting every input pixel
    to every hidden neuron costs ``in × out + out`` parameters, while one
    convolution kernel costs ``k·k·C + 1`` whatever the image size.

    >>> dense_parameters((28, 28), (24, 24))
    452160
    """
    n_in = int(np.prod(in_shape))
    n_out = int(np.prod(out_shape))
    return n_in * n_out + n_out
