"""The lesson's colour keys (no Qt): classes, the overlap picture, the error picture, IoU grades."""

from __future__ import annotations

import numpy as np

#: Class colours: background near-black, digits 0–9 in distinct, colour-blind-friendly hues.
PALETTE = np.array([
    [25, 25, 25], [230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66], [0, 114, 178],
    [213, 94, 0], [204, 121, 167], [160, 160, 160], [120, 70, 180], [140, 200, 80]], dtype=np.uint8)
#: Swatch text that stays readable on each class colour.
PALETTE_TEXT = tuple("white" if i in (0, 5, 9) else "black" for i in range(len(PALETTE)))
#: Overlap colours: true negative, true positive, false positive, false negative (core.overlap_map's codes).
OVERLAP = np.array([[25, 25, 25], [0, 114, 178], [230, 159, 0], [204, 51, 153]], dtype=np.uint8)
OVERLAP_NAMES = ("background (TN)", "right (TP)", "false positive (FP)", "false negative (FN)")
#: Where-the-errors-are colours: elsewhere, boundary band, wrong at a boundary, wrong elsewhere
#: (core.error_places's codes).
ERROR_PLACES = np.array([[25, 25, 25], [85, 85, 85], [230, 159, 0], [204, 51, 153]], dtype=np.uint8)
ERROR_NAMES = ("boundary band", "wrong at a boundary", "wrong elsewhere")
GRADE_COLORS = {"Poor": "#c0392b", "Good": "#b7950b", "Excellent": "#1e8449"}
