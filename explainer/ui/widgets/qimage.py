"""Turning numpy pictures into Qt images (for thumbnails and icons; plots use pyqtgraph)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap


def array_to_qimage(image: np.ndarray) -> QImage:
    """Convert (H, W) or (H, W, 3) floats in [0, 1] (or uint8 0–255) to an 8-bit QImage (a copy)."""
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = np.clip(np.round(np.asarray(arr, dtype=np.float32) * 255.0), 0, 255).astype(np.uint8)
    rgb = np.ascontiguousarray(arr)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def array_to_pixmap(image: np.ndarray, max_side: int | None = None) -> QPixmap:
    """Like :func:`array_to_qimage`, as a pixmap scaled to fit ``max_side`` (smoothly)."""
    from PySide6.QtCore import Qt

    pixmap = QPixmap.fromImage(array_to_qimage(image))
    if max_side is not None:
        pixmap = pixmap.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
    return pixmap
