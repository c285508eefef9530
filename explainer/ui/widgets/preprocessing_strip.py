"""The MNIST recipe, step by step: drawing → cropped → scaled into 20×20 → centred in 28×28."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from .panels import ImageView

#: Title of the third step before a digit is shown (the scaled size is added after it).
SCALED_TITLE = "scaled to fit 20×20"


class PreprocessingStrip(pg.GraphicsLayoutWidget):
    """Four titled pictures of :func:`explainer.core.preprocess.mnist_preprocess`'s steps.

    The drawing shows the crop box; the 28×28 input shows where the scaled
    digit landed (blue) and, with :meth:`mark_field`, a receptive field (orange).

    Attributes
    ----------
    views : dict of str to ImageView
        ``"raw"``, ``"cropped"``, ``"scaled"`` and ``"digit"``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        # Framed: a stroke that touches a picture's edge is seen to touch it, not to be cut off.
        self.views = {
            "raw": ImageView("your drawing", frame=True),
            "cropped": ImageView("cropped to its bounding box", frame=True),
            "scaled": ImageView(SCALED_TITLE, frame=True),
            "digit": ImageView("centred in 28×28: the input", frame=True),
        }
        for col, view in enumerate(self.views.values()):
            self.addItem(view.title, row=0, col=col)
            self.addItem(view.view, row=1, col=col)

    def show_steps(self, image: np.ndarray, steps) -> None:
        """Show the drawing ``image`` (H, W) and its preprocessing ``steps`` (a ``DigitSteps``)."""
        top, bottom, left, right = steps.box
        self.views["raw"].set_image(image)
        self.views["raw"].mark("box", (top, left, bottom - top, right - left))
        self.views["cropped"].set_image(steps.cropped)
        height, width = steps.scaled.shape
        self.views["scaled"].set_image(steps.scaled)
        self._set_scaled_title(f"{SCALED_TITLE} ({height}×{width})")
        self.views["digit"].set_image(steps.digit)
        oy, ox = steps.offset
        self.views["digit"].mark("box", (oy, ox, height, width), "#4aa3ff", 1)

    def clear_steps(self) -> None:
        """Empty every picture and put the titles back (nothing drawn)."""
        for view in self.views.values():
            view.clear()
        self._set_scaled_title(SCALED_TITLE)

    def mark_field(self, field: tuple[int, int, int, int] | None) -> None:
        """Outline ``(top, bottom, left, right)`` (bottom and right exclusive) on the 28×28 input; None hides it."""
        if field is None:
            self.views["digit"].mark("field", None)
            return
        top, bottom, left, right = field
        self.views["digit"].mark("field", (top, left, bottom - top, right - left), "#ff9900", 2)

    def _set_scaled_title(self, text: str) -> None:
        if self.views["scaled"].title.text != text:  # a new label text re-lays out the strip
            self.views["scaled"].set_title(text)

    @property
    def scaled_title(self) -> str:
        return self.views["scaled"].title.text
