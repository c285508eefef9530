"""The lesson's numbers: greyscale work image, one feature map per kernel, each pooled, and the note.

Pure numpy, run in a worker: opening a 3000×2000 photo must not stall the
GUI thread, so the greyscale conversion and the shrinking happen here too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .... import io
from ....core import box_resize, conv2d, dense_parameters, pool2d


@dataclass(frozen=True)
class FeatureMaps:
    """What one request produced.

    Attributes
    ----------
    image : ndarray, shape (H, W), float64 in [0, 1]
        The greyscale work image the kernels slid over.
    maps : tuple of ndarray, each (H - k + 1, W - k + 1)
        One feature map per kernel (padding 0, stride 1, bias 0).
    pooled : tuple of ndarray
        Each map max-pooled on its own; empty (0×0) when the map is smaller than the window.
    """

    image: np.ndarray
    maps: tuple[np.ndarray, ...]
    pooled: tuple[np.ndarray, ...]


def work_image(image: np.ndarray, side: int) -> np.ndarray:
    """Greyscale (H, W) float64, shrunk by area averaging so the longer side is at most ``side``.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W), values in [0, 1]
    side : int
    """
    grey = io.to_grayscale(image) if np.ndim(image) == 3 else np.asarray(image, dtype=np.float32)
    h, w = grey.shape
    scale = min(1.0, side / max(h, w))
    if scale < 1.0:
        grey = box_resize(grey, max(1, round(h * scale)), max(1, round(w * scale)))
    return np.asarray(grey, dtype=np.float64)


def feature_maps(image: np.ndarray, kernels, pool: int) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Feature map and ``pool``×``pool`` max-pooled map of every kernel on the (H, W) ``image``.

    Raises
    ------
    ValueError
        If a kernel is larger than the image (from :func:`explainer.core.conv2d`).
    """
    maps, pooled = [], []
    for k in kernels:
        fmap = conv2d(image[None], np.asarray(k, dtype=np.float64)[None, None])[0]
        maps.append(fmap)
        pooled.append(pool2d(fmap[None], pool, mode="max")[0] if min(fmap.shape) >= pool else fmap[:0, :0])
    return tuple(maps), tuple(pooled)


def compute(source: np.ndarray | None, side: int, kernels, pool: int) -> FeatureMaps | None:
    """The work image of ``source`` and its maps; None when there is no input yet."""
    if source is None:
        return None
    image = work_image(source, side)
    maps, pooled = feature_maps(image, kernels, pool)
    return FeatureMaps(image, maps, pooled)


def shared_weights_note(input_shape: tuple[int, int], kernels, maps) -> str:
    """The shared-weights argument (rich text) with the counts of these kernels and maps.

    A convolution pays ``k·k + 1`` parameters per map whatever the image size;
    a fully connected layer from the same input to the same outputs pays
    :func:`explainer.core.dense_parameters`.
    """
    h, w = input_shape
    n = len(kernels)
    conv_params = sum(np.asarray(k).size + 1 for k in kernels)
    outputs = sum(m.size for m in maps)
    dense = dense_parameters((h, w), (outputs,))
    kernel_text = " or ".join(f"{s}×{s}" for s in sorted({np.asarray(k).shape[0] for k in kernels}))
    shapes = {m.shape for m in maps}
    if len(shapes) == 1:
        (mh, mw), = shapes
        out_text = f"{n} × {mh}×{mw} outputs"
    else:
        out_text = f"{outputs:,} outputs"
    return (f"<b>Shared weights.</b> Each feature map reuses one {kernel_text} kernel and one bias at every "
            f"position: {n} map(s) cost <b>{conv_params:,}</b> parameters. "
            f"A fully connected layer from the {h}×{w} input to the same {out_text} would need "
            f"<b>{dense:,}</b> ({h * w:,} × {outputs:,} weights + biases) — "
            f"{dense / conv_params:,.0f} times more, and it would have to learn each detector "
            "separately at every place.")
