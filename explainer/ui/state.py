"""App-wide state shared by the lessons, and the command object for one-shot requests.

:class:`AppState` holds state only: the current image, the drawing, the digit
model in use, a model of the user's own (with its file and input settings) and a
kernel waiting for the convolution lesson. It is a psygnal
evented dataclass with no Qt in it; each field has its own signal under
``state.events`` that fires only on a real change (arrays compared by value).

:class:`Commands` carries requests that are not state: open a lesson, post a
status-bar message. Lessons never talk to each other; they read and set the
app state and send commands.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np
from psygnal import Signal, SignalGroup, evented

from .evented import StateModel, transient


@dataclass(frozen=True, eq=False)
class KernelOffer:
    """A kernel sent to the convolution lesson (e.g. a learned one from the photo network).

    Attributes
    ----------
    weights : ndarray, shape (C, k, k)
    bias : float
    name : str
        Shown to the user ("photo network conv1 kernel 3").
    """

    weights: np.ndarray
    bias: float = 0.0
    name: str = "the kernel"


# The current image is compared by identity: a loaded picture is a new array, and comparing
# two 2048×1365 photos pixel by pixel on the GUI thread would cost tens of milliseconds.
@evented(equality_operators={"image": operator.is_, "digit_model": operator.is_, "external_model": operator.is_})
@dataclass
class AppState(StateModel):
    """The truth every lesson shares.

    Fields (each with a signal ``events.<field>``)
    -----------------------------------------------
    image : ndarray (H, W, 3) float32 in [0, 1], or None
        The current image. Set with :meth:`set_image` so name and path change with it.
    image_name, image_path : str
        Shown under the lesson list; the path is empty when the image is not a file.
    drawing : ndarray (H, W) float32 in [0, 1], white on black, or None
        The digit drawn in the draw lesson, as rendered.
    drawing_strokes : tuple
        The same drawing as strokes, ``((x, y), ...)`` per stroke in drawing-pad coordinates
        (0 .. :data:`DRAWING_RESOLUTION`), for sessions.
    drawing_background : ndarray (H, W) or None
        A digit loaded under the strokes (a held-out MNIST digit or a picture).
    digit_model : torch module or None
        The digit classifier in use ("Network ▸ Use this model"); None means the bundled one.
    digit_model_name : str
        What to call it ("bundled digit CNN", "your trained model").
    pending_kernel : KernelOffer or None
        A kernel the convolution lesson takes (and clears) when it is next shown.
    external_model : ExternalModel or None
        A model of the user's own (File ▸ Open model…: ONNX or ``.pt2``) that the network and photo
        lessons show; None means the bundled models. Set with :meth:`set_external_model`.
    external_model_path : str
        The file it was opened from (sessions keep it).
    external_preprocessing : Preprocessing or None
        How an image becomes its input: read from the model, or confirmed by the user (sessions keep it).
    """

    state_name = "the app state"

    image: np.ndarray | None = transient(None)
    image_name: str = transient("")
    image_path: str = transient("")
    drawing: np.ndarray | None = transient(None)
    drawing_strokes: tuple[tuple[tuple[float, float], ...], ...] = ()
    drawing_background: np.ndarray | None = None
    digit_model: object = transient(None)
    digit_model_name: str = transient("bundled digit CNN")
    pending_kernel: KernelOffer | None = transient(None)
    external_model: object = transient(None)
    external_model_path: str = transient("")
    external_preprocessing: object = transient(None)

    def validate(self) -> None:
        """Strokes are finite points on (or near) the pad; a background is a finite 2-D picture in [0, 1]."""
        points = [value for stroke in self.drawing_strokes for point in stroke for value in point]
        if points and not all(math.isfinite(v) and -DRAWING_RESOLUTION <= v <= 2 * DRAWING_RESOLUTION for v in points):
            raise ValueError(f"the drawing's strokes must be points on the {DRAWING_RESOLUTION}-pixel pad")
        background = self.drawing_background
        if background is not None:
            if background.ndim != 2 or not (1 <= min(background.shape) and max(background.shape) <= 4096):
                raise ValueError(f"the digit under the drawing must be a 2-D picture of 1 to 4096 pixels a side, "
                                 f"got shape {background.shape}")
            if not np.all(np.isfinite(background)) or background.min() < 0 or background.max() > 1:
                raise ValueError("the digit under the drawing must hold values between 0 and 1")

    def set_image(self, image: np.ndarray, name: str = "", path: str = "") -> None:
        """Make ``image`` the current image (name and path first, so listeners see all three)."""
        image = np.asarray(image, dtype=np.float32)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"the current image must be (H, W, 3) RGB, got shape {image.shape}")
        same_image = image is self.image
        if same_image and name == self.image_name and path == self.image_path:
            return
        self.image_name, self.image_path = name, str(path)
        if same_image:  # the same pixels under a new name: still announce it
            self.events.image.emit(self.image, self.image)
        else:
            self.image = image

    def set_drawing(self, image: np.ndarray | None, strokes=(), background: np.ndarray | None = None) -> None:
        """The draw lesson's drawing: its rendering, its strokes and any digit under them."""
        self.drawing_strokes = tuple(tuple((float(x), float(y)) for x, y in stroke) for stroke in strokes)
        self.drawing_background = None if background is None else np.asarray(background, dtype=np.float32)
        self.drawing = None if image is None else np.asarray(image, dtype=np.float32)

    def set_digit_model(self, model, name: str = "your trained model") -> None:
        """Use ``model`` wherever a digit classifier is shown; None goes back to the bundled one."""
        self.digit_model_name = "bundled digit CNN" if model is None else name
        self.digit_model = model

    def set_external_model(self, model, path: str = "", preprocessing=None) -> None:
        """Use the user's own ``model`` (opened from ``path``, fed as ``preprocessing`` says); None: the bundled ones.

        Path and preprocessing change first, so listeners of ``events.external_model`` see all three; a new
        model emits only ``events.external_model`` (one refresh), new settings for the same model only
        ``events.external_preprocessing``.
        """
        if model is None:
            path, preprocessing = "", None
        elif preprocessing is None:
            preprocessing = model.preprocessing
        self.external_model_path = str(path)
        if model is self.external_model:
            self.external_preprocessing = preprocessing
            return
        with self.events.external_preprocessing.blocked():
            self.external_preprocessing = preprocessing
        self.external_model = model

    def offer_kernel(self, weights, bias: float = 0.0, name: str = "the kernel") -> None:
        """Leave a kernel for the convolution lesson."""
        self.pending_kernel = KernelOffer(np.asarray(weights, dtype=np.float64), float(bias), name)

    def take_kernel(self) -> KernelOffer | None:
        """The waiting kernel, which is then cleared (the convolution lesson calls this)."""
        offer, self.pending_kernel = self.pending_kernel, None
        return offer


#: Drawing-pad resolution the strokes are stored in.
DRAWING_RESOLUTION = 280


class Commands(SignalGroup):
    """One-shot requests from lessons to the window (not state: nothing to save or restore).

    Signals
    -------
    lesson_requested(str)
        Bring a lesson to the front.
    message_posted(str, int)
        Show a status-bar message for a time in ms (0 = until replaced).
    model_reopen_requested(object)
        Open the user's model in use again with these input settings (a
        :class:`~explainer.models.external.Preprocessing` whose size the file leaves open).
    """

    lesson_requested = Signal(str)
    message_posted = Signal(str, int)
    model_reopen_requested = Signal(object)

    def request_model_reopen(self, preprocessing) -> None:
        self.model_reopen_requested.emit(preprocessing)

    def request_lesson(self, lesson_id: str) -> None:
        self.lesson_requested.emit(lesson_id)

    def post_message(self, text: str, timeout_ms: int = 5000) -> None:
        self.message_posted.emit(text, int(timeout_ms))
