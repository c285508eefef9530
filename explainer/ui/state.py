"""App-wide state shared by the lessons: the current image, model and selection.

Lessons never talk to each other; they read and set this object and react to
its signals. Every signal fires only when the value really changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal


@dataclass(frozen=True)
class NeuronSelection:
    """A neuron picked by the user: a layer, a channel and a position in it."""

    model: str
    layer: str
    channel: int | None = None
    row: int | None = None
    col: int | None = None


class AppState(QObject):
    """The truth every lesson shares.

    Signals
    -------
    image_changed(object)
        The new current image, ndarray (H, W, 3) float32 in [0, 1].
    drawing_changed(object)
        The digit drawn in the draw lesson, ndarray (H, W) float32 in [0, 1], white on black.
    model_changed(str)
        Name of the model lessons should use (e.g. ``"mnist"``).
    selection_changed(object)
        A :class:`NeuronSelection`, or None when nothing is selected.
    digit_model_changed(object)
        A digit classifier (torch module) that lessons should use instead of the bundled one
        (set by the network lesson's "Use this model"); None goes back to the bundled model.
    message_posted(str, int)
        A short message for the status bar and how long to show it (ms, 0 = until replaced).
    lesson_requested(str)
        A lesson asks the window to show another lesson (by id).
    kernel_sent(object)
        A kernel to explore in the convolution lesson: dict with ``weights`` (C, k, k),
        ``bias`` and ``name``.
    """

    image_changed = Signal(object)
    drawing_changed = Signal(object)
    model_changed = Signal(str)
    digit_model_changed = Signal(object)
    selection_changed = Signal(object)
    message_posted = Signal(str, int)
    lesson_requested = Signal(str)
    kernel_sent = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._image: np.ndarray | None = None
        self._image_name = ""
        self._drawing: np.ndarray | None = None
        self._model = "mnist"
        self._selection: NeuronSelection | None = None
        self._digit_model = None

    # -- image ---------------------------------------------------------------
    @property
    def image(self) -> np.ndarray | None:
        """The current image, (H, W, 3) float32 in [0, 1], or None."""
        return self._image

    @property
    def image_name(self) -> str:
        return self._image_name

    def set_image(self, image: np.ndarray, name: str = "") -> None:
        image = np.asarray(image, dtype=np.float32)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"the current image must be (H, W, 3) RGB, got shape {image.shape}")
        if self._image is not None and np.array_equal(image, self._image) and name == self._image_name:
            return
        self._image = image
        self._image_name = name
        self.image_changed.emit(image)

    # -- drawing -------------------------------------------------------------
    @property
    def drawing(self) -> np.ndarray | None:
        """The draw lesson's current drawing, (H, W) float32 in [0, 1], or None."""
        return self._drawing

    def set_drawing(self, drawing: np.ndarray | None) -> None:
        if drawing is not None:
            drawing = np.asarray(drawing, dtype=np.float32)
        same = (drawing is None and self._drawing is None) or (
            drawing is not None and self._drawing is not None and np.array_equal(drawing, self._drawing))
        if not same:
            self._drawing = drawing
            self.drawing_changed.emit(drawing)

    # -- model ---------------------------------------------------------------
    @property
    def model(self) -> str:
        return self._model

    def set_model(self, name: str) -> None:
        if name != self._model:
            self._model = name
            self.model_changed.emit(name)

    # -- the digit model shared by the draw and dense lessons ------------------
    @property
    def digit_model(self):
        """A user-trained digit model, or None for the bundled one."""
        return self._digit_model

    def set_digit_model(self, model) -> None:
        if model is not self._digit_model:
            self._digit_model = model
            self.digit_model_changed.emit(model)

    # -- selection -----------------------------------------------------------
    @property
    def selection(self) -> NeuronSelection | None:
        return self._selection

    def set_selection(self, selection: NeuronSelection | None) -> None:
        if selection != self._selection:
            self._selection = selection
            self.selection_changed.emit(selection)

    # -- messages ------------------------------------------------------------
    def send_kernel(self, payload: dict) -> None:
        """Offer a kernel (e.g. a learned one) to the convolution lesson."""
        self.kernel_sent.emit(payload)

    def request_lesson(self, lesson_id: str) -> None:
        """Ask the window to bring ``lesson_id`` to the front."""
        self.lesson_requested.emit(lesson_id)

    def post_message(self, text: str, timeout_ms: int = 5000) -> None:
        """Ask the window to show ``text`` in its status bar."""
        self.message_posted.emit(text, timeout_ms)
